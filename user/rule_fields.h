/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fields a rule can test and an output can print: one table (rule_fields.c)
 * with each field's name (Falco's where Falco has the field), type,
 * description, the event types that carry it and how its value is read from
 * an event and what the agent knows around it. `vigil fields` prints the table;
 * the rule compiler binds names to rows; the evaluator calls the extractors.
 *
 *	const char *key;
 *	const struct rule_field *f = rule_field_find("proc.aname", &key);
 *	struct rule_field_arg arg;
 *	char err[256];
 *
 *	if (!f || rule_field_bind(f, key, "2", &arg, err, sizeof(err)))
 *		... error ...
 *	struct rule_field_value vals[RULE_FIELD_VALUES_MAX];
 *	size_t n = f->extract(ev, &arg, vals, RULE_FIELD_VALUES_MAX, &scratch);
 *	// n == 0: the event does not carry the field (every comparison is false)
 *
 * Falco's fields that vigil does not have are listed too (rule_field_lacking),
 * each with the reason, so that an error can say why and not just "unknown".
 */
#ifndef VIGIL_RULE_FIELDS_H
#define VIGIL_RULE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event_json.h"
#include "vigil_event.h"

/*
 * The event types rules see: the kernel's (enum vigil_event_type) and, after
 * them, the agent's own: a container seen by the Engine API (evt.type =
 * container; container_action says start, running, rename or destroy).
 */
#define RULE_EVENT_CONTAINER VIGIL_EVENT_TYPE_MAX
#define RULE_EVENT_TYPES (VIGIL_EVENT_TYPE_MAX + 1)
_Static_assert(RULE_EVENT_TYPES <= 64, "rule event types must fit a 64-bit mask");

typedef uint64_t rule_event_mask; /* bit t: event type t */
#define RULE_EVENT_BIT(t) ((rule_event_mask)1 << (t))
#define RULE_EVENTS_ALL ((rule_event_mask)(RULE_EVENT_BIT(RULE_EVENT_TYPES) - 2)) /* every type but NONE */

struct user_names;

/* An event as rules see it. */
struct rule_event {
	unsigned int type;                  /* enum vigil_event_type, or RULE_EVENT_CONTAINER */
	/*
	 * RULE_EVENT_CONTAINER: ctx->ev NULL, ctx->container and
	 * ctx->container_info the container's.
	 */
	const struct event_context *ctx;
	const char *container_action;       /* RULE_EVENT_CONTAINER only */
	int64_t time_ns;                    /* RULE_EVENT_CONTAINER only: when it was announced (Unix ns) */
	const char *hostname;               /* evt.hostname */
	uint64_t num;                       /* evt.num: the event's number in the agent's stream, from 1; 0 unknown */
	/*
	 * user.name, group.name, fd.sip.name look names up here. NULL: none (uid
	 * and gid 0 are still "root").
	 */
	struct user_names *names;
};

/* The event's wall-clock time (Unix ns): the kernel's stamp, or a container event's. */
static inline int64_t rule_event_time_ns(const struct rule_event *ev)
{
	return ev->ctx && ev->ctx->ev ? (int64_t)ev->ctx->ev->hdr.ts_boot_ns + ev->ctx->boot_to_unix_ns : ev->time_ns;
}

enum rule_field_type {
	RULE_FIELD_STRING,  /* compared as bytes; contains, startswith, glob, pmatch, ... */
	RULE_FIELD_UINT,    /* numbers: = != < <= > >= in; values written in decimal or 0x hex */
	RULE_FIELD_INT,
	RULE_FIELD_BOOL,    /* = != with true/false */
	RULE_FIELD_IPADDR,  /* an IPv4/IPv6 address: compared with addresses and with CIDR networks ("10.0.0.0/8") */
	RULE_FIELD_IPNET,   /* Falco's fd.net: compared with CIDR networks, address inside network */
};

/* What the brackets after a field's name may or must hold. */
enum rule_field_arg_kind {
	RULE_FIELD_ARG_NONE,      /* no brackets */
	RULE_FIELD_ARG_INDEX,     /* optional [N], N >= 0: proc.aname[2]; without: every ancestor */
	RULE_FIELD_ARG_KEY,       /* required [key] or .key: evt.arg.flags, evt.arg[flags], container.label[app] */
	RULE_FIELD_ARG_KEY_OPTIONAL, /* optional [key]: container.mount.source[/var/run/docker.sock] */
};

/* evt.arg.X's slots: 0..11 args[i], RULE_FIELD_SLOT_STR + i strs[i]. */
#define RULE_FIELD_SLOT_STR 16

/* The argument of one use of a field, checked and prepared by rule_field_bind. */
struct rule_field_arg {
	bool present;
	/* RULE_FIELD_ARG_INDEX; container.mount.*[N]: a key that is a number; else -1 */
	long index;
	char *key;                   /* RULE_FIELD_ARG_KEY*: owned; free with rule_field_arg_free */
	bool key_is_glob;            /* container.mount.*: the key holds * ? or [ */
	/*
	 * evt.arg.X: for each event type with a slot named X, the slot (0..11 an
	 * args[] slot, 16..18 a strs[] slot, -1 none).
	 */
	signed char slot[RULE_EVENT_TYPES];
	rule_event_mask events;      /* the types that carry this field with this argument */
	enum rule_field_type type;   /* the field's type with this argument (evt.arg.X: string) */
};

struct rule_field_value {
	enum rule_field_type type;
	union {
		struct {
			const char *ptr; /* not NUL-terminated in general */
			size_t len;
		} str;
		uint64_t u;
		int64_t i;
		bool b;
		struct {
			uint8_t family; /* 4 or 6 */
			uint8_t bytes[16];
			uint8_t prefix; /* IPNET: the network's length; IPADDR: 32 or 128 */
		} ip;
	};
};

/*
 * A field yields at most this many values (proc.aname without index: every
 * ancestor; container.cap_add: up to every capability); more are cut.
 */
#define RULE_FIELD_VALUES_MAX 64

/*
 * Room for the texts an extractor builds (proc.cmdline, evt.arg.flags as
 * names, ...). Reset before each event; an extractor that finds it full
 * returns what fits, cut.
 */
#define RULE_SCRATCH_SIZE (64u << 10)
struct rule_scratch {
	size_t used;
	char buf[RULE_SCRATCH_SIZE];
};

/*
 * Read the field from ev into out[0..max), max >= 1: returns how many values
 * (0: the event does not carry the field, or the agent does not know it
 * here). arg: as rule_field_bind prepared it. Strings point into the event,
 * the process table or the scratch space: valid until the next event.
 */
typedef size_t (*rule_field_extract_fn)(const struct rule_event *ev, const struct rule_field_arg *arg,
					struct rule_field_value *out, size_t max, struct rule_scratch *scratch);

struct rule_field {
	const char *name;            /* "proc.aname" */
	enum rule_field_type type;
	enum rule_field_arg_kind arg;
	const char *arg_name;        /* what the brackets hold, for `vigil fields`: "N", "NAME", "DEST" */
	bool multi;                  /* may yield several values (proc.aname without index, container.cap_add) */
	rule_event_mask events;      /* the types that carry it (evt.arg.X: decided per argument) */
	const char *description;     /* one sentence, for `vigil fields` */
	rule_field_extract_fn extract;
};

/* A field of Falco's that vigil does not have, and why. */
struct rule_field_lack {
	const char *name;
	const char *reason;          /* "vigil does not record the session leader" */
};

/* The table, in the order `vigil fields` prints it. */
const struct rule_field *rule_fields(size_t *count);
/*
 * The row for a name as written in a condition: "proc.aname", or "evt.arg.flags"
 * (the row "evt.arg", with *key_out pointing at "flags"). NULL if none.
 */
const struct rule_field *rule_field_find(const char *name, const char **key_out);
/*
 * Falco's field vigil lacks with this name, or the longest such name that
 * name continues after a '.' or '[' ("proc.vpgid" for "proc.vpgid.name"), or NULL.
 */
const struct rule_field_lack *rule_field_lacking(const char *name);
/* Every lacking field, in the order `vigil fields` prints them. */
const struct rule_field_lack *rule_fields_lacking(size_t *count);

/*
 * Check and prepare a field's argument: arg_text is what the brackets held
 * (NULL: none), key_from_name what rule_field_find left after the row's name.
 * 0, or -EINVAL with one sentence in err ("proc.aname takes an index [N], not
 * 'x'", "no event has an argument 'flagz'"), or -ENOMEM.
 */
int rule_field_bind(const struct rule_field *field, const char *key_from_name, const char *arg_text,
		    struct rule_field_arg *arg, char *err, size_t errlen);
void rule_field_arg_free(struct rule_field_arg *arg);

const char *rule_field_type_name(enum rule_field_type type); /* "string", "uint64", ... */

enum rule_fields_format {
	RULE_FIELDS_TEXT,     /* one block per field, then the Falco fields vigil lacks */
	RULE_FIELDS_JSON,     /* one object per line */
	RULE_FIELDS_MARKDOWN, /* docs/FIELDS.md */
};

/* The table as `vigil fields` prints it. */
void rule_fields_print(FILE *out, enum rule_fields_format format);

/*
 * The names of the event types in mask, comma-separated ("exec, open,
 * openat"), into buf (cut to len): "all" for every type, "all but exec,
 * container" when that is shorter; "none" for 0.
 */
void rule_event_mask_names(rule_event_mask mask, char *buf, size_t len);
/* A type's evt.type name: the kernel's, or "container". NULL if none. */
const char *rule_event_type_name(unsigned int type);

#endif /* VIGIL_RULE_FIELDS_H */
