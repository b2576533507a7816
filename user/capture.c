// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "capture.h"
#include "clock.h"
#include "json_writer.h"
#include "log.h"
#include "vigil_event.h"

/* Evidence files written at once, at most; an alert beyond them is said in the log. */
#define ALERT_CAPTURES_MAX 8
/* The ring's keyframes: every half of its span, within these bounds. */
#define RING_KEYFRAME_MIN_NS (1000000000LL)
#define RING_KEYFRAME_MAX_NS (10000000000LL)
/*
 * The capture file gets a keyframe this often too, not only at its start: a
 * damaged block loses the state records it held, and the next keyframe puts
 * them back.
 */
#define FILE_KEYFRAME_NS (10000000000LL)

/* One record held in the ring. */
struct ring_node {
	struct ring_node *next;
	bool keyframe; /* a KEYFRAME record: the state from here on stands alone */
	uint16_t kind, flags;
	int64_t time_ns;
	uint32_t len;
	unsigned char data[];
};

/* An evidence file being written: the ring's past, then records until `until_ns`. */
struct alert_capture {
	struct alert_capture *next;
	struct capture_writer *writer;
	char *rule;
	char container_id[72];
	char *path;
	int64_t until_ns;
};

enum target {
	TO_ALL,  /* the file, the ring, the evidence files */
	TO_FILE, /* a keyframe at the start of a new file */
	TO_RING, /* a keyframe for the ring */
};

struct capture {
	struct capture_options o;
	struct capture_state_parts parts;
	json_t *header;
	struct capture_writer *file;
	bool observing;
	enum target target;
	int64_t now_ns;

	/* The ring (capture on alert). */
	struct ring_node *head, *tail;
	size_t ring_bytes;
	int64_t last_ring_keyframe_ns;
	int64_t last_file_keyframe_ns;
	bool said_ring_full;

	struct alert_capture *alerts;
	size_t n_alerts;
	unsigned int alert_seq;
	bool said_too_many;

	bool said_file_error;
	struct capture_stats stats;
};

json_t *capture_header_new(const char *hostname, int64_t boot_to_unix_ns, bool engine, bool monitor_host,
			   unsigned int rate_burst, double rate_per_sec)
{
	struct utsname u;
	char boot[48];
	json_t *rate = rate_burst ? json_pack("{s:i, s:f}", "burst", (json_int_t)rate_burst, "per_sec", rate_per_sec)
				  : json_null();

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	json_format_time(boot_to_unix_ns, boot, sizeof(boot));
	return json_pack("{s:o, s:s, s:s, s:I, s:s, s:i, s:{s:b, s:b, s:o}}",
			 "host", json_untrusted_cstring(hostname ? hostname : "", SIZE_MAX),
			 "kernel_release", u.release,
			 "boot_time", boot,
			 "boot_to_unix_ns", (json_int_t)boot_to_unix_ns,
			 "vigil_version", VIGIL_VERSION,
			 "event_abi", VIGIL_ABI_VERSION,
			 "agent", "engine", engine, "monitor_host", monitor_host, "rate_limit", rate);
}

/* ---- the ring ---- */

static void ring_drop_head(struct capture *c)
{
	struct ring_node *n = c->head;

	c->head = n->next;
	if (!c->head)
		c->tail = NULL;
	c->ring_bytes -= sizeof(*n) + n->len;
	free(n);
}

/* Drop what the ring no longer needs: everything before the newest keyframe older than the window. */
static void ring_trim(struct capture *c)
{
	int64_t horizon = c->now_ns - (int64_t)c->o.ring_ns;

	for (;;) {
		struct ring_node *n, *next_keyframe = NULL;

		if (!c->head)
			return;
		for (n = c->head->next; n; n = n->next)
			if (n->keyframe) {
				next_keyframe = n;
				break;
			}
		if (!next_keyframe)
			return;
		/* The next keyframe still covers the window: everything before it can go. */
		if (next_keyframe->time_ns > horizon && c->ring_bytes <= c->o.ring_max_bytes)
			return;
		if (next_keyframe->time_ns > horizon && !c->said_ring_full) {
			log_warn("capture on alert: the ring holds more than %zu MiB; it keeps less than %llu s of "
				 "the past", c->o.ring_max_bytes >> 20, (unsigned long long)(c->o.ring_ns / 1000000000));
			c->said_ring_full = true;
		}
		while (c->head != next_keyframe)
			ring_drop_head(c);
	}
}

static void ring_add(struct capture *c, const struct capture_record *rec)
{
	struct ring_node *n = malloc(sizeof(*n) + rec->len);

	if (!n)
		return;
	n->next = NULL;
	n->keyframe = rec->kind == CAPTURE_KEYFRAME;
	n->kind = rec->kind;
	n->flags = rec->flags;
	n->time_ns = rec->time_ns;
	n->len = rec->len;
	if (rec->len)
		memcpy(n->data, rec->data, rec->len);
	if (c->tail)
		c->tail->next = n;
	else
		c->head = n;
	c->tail = n;
	c->ring_bytes += sizeof(*n) + n->len;
}

/* ---- where records go ---- */

/* What the file cannot keep, the writer counts and says in the file itself (a LOST record). */
static void to_file(struct capture *c, const struct capture_record *rec)
{
	if (c->file)
		capture_writer_append(c->file, rec);
}

static void emit(const struct capture_record *in, void *ctx)
{
	struct capture *c = ctx;
	struct capture_record rec = *in;

	/* State read while an event is handled carries that event's time. */
	if (c->now_ns && rec.kind != CAPTURE_EVENT)
		rec.time_ns = c->now_ns;
	c->stats.records++;
	switch (c->target) {
	case TO_FILE:
		to_file(c, &rec);
		return;
	case TO_RING:
		ring_add(c, &rec);
		return;
	case TO_ALL:
		break;
	}
	to_file(c, &rec);
	if (c->o.ring_ns)
		ring_add(c, &rec);
	for (struct alert_capture *a = c->alerts; a; a = a->next)
		capture_writer_append(a->writer, &rec);
}

static void keyframe(struct capture *c, enum target target)
{
	c->target = target;
	if (capture_state_keyframe(&c->parts, c->now_ns ? c->now_ns : clock_ns(CLOCK_REALTIME), emit, c))
		log_warn("capture: out of memory writing a keyframe");
	c->target = TO_ALL;
}

/* ---- the capture ---- */

struct capture *capture_new(const struct capture_options *o, const struct capture_state_parts *parts,
			    const json_t *header, char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c || !header) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->o = *o;
	if (!c->o.ring_max_bytes)
		c->o.ring_max_bytes = 64u << 20;
	c->parts = *parts;
	c->header = json_deep_copy(header);
	c->now_ns = clock_ns(CLOCK_REALTIME);
	if (o->path) {
		struct capture_writer_options wo = {
			.path = o->path,
			.max_bytes = o->max_bytes,
			.max_age_ns = o->max_age_ns,
			.keep = o->keep,
			/* A restarted agent keeps the capture of the run before (as FILE.1). */
			.keep_existing = true,
			.header = c->header,
		};

		c->file = capture_writer_open(&wo, err, errlen);
		if (!c->file) {
			json_decref(c->header);
			free(c);
			return NULL;
		}
	}
	if (capture_state_observe(&c->parts, emit, c)) {
		snprintf(err, errlen, "out of memory");
		capture_close(c, NULL, 0);
		return NULL;
	}
	c->observing = true;
	/* Every file, and the ring, starts with the whole state (here: what there is yet). */
	keyframe(c, TO_FILE);
	c->last_file_keyframe_ns = c->now_ns;
	if (c->o.ring_ns) {
		keyframe(c, TO_RING);
		c->last_ring_keyframe_ns = c->now_ns;
	}
	return c;
}

void capture_set_now(struct capture *c, int64_t now_ns)
{
	c->now_ns = now_ns;
}

void capture_event(struct capture *c, const void *data, size_t len, int64_t time_ns)
{
	struct capture_record rec = {
		.kind = CAPTURE_EVENT,
		.time_ns = time_ns,
		.data = data,
		.len = (uint32_t)len,
	};

	c->stats.events++;
	emit(&rec, c);
}

void capture_tick_record(struct capture *c, int64_t now_ns)
{
	struct capture_record rec = { .kind = CAPTURE_TICK, .time_ns = now_ns };

	c->now_ns = now_ns;
	emit(&rec, c);
}

void capture_lost(struct capture *c, uint64_t records, const char *reason)
{
	json_t *body = json_pack("{s:I, s:s}", "records", (json_int_t)records, "reason", reason);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	if (text) {
		struct capture_record rec = {
			.kind = CAPTURE_LOST,
			.time_ns = c->now_ns,
			.data = text,
			.len = (uint32_t)strlen(text),
		};

		emit(&rec, c);
	}
	free(text);
	json_decref(body);
}

/* A rule's name as a file name's part: letters, digits and '-', at most 48. */
static void slug(const char *name, char *out, size_t size)
{
	size_t n = 0;
	bool dash = false;

	for (const char *s = name; *s && n + 1 < size && n < 48; s++) {
		if (isalnum((unsigned char)*s)) {
			out[n++] = (char)tolower((unsigned char)*s);
			dash = false;
		} else if (!dash && n) {
			out[n++] = '-';
			dash = true;
		}
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

static void alert_capture_close(struct alert_capture *a)
{
	char err[512];

	if (capture_writer_close(a->writer, err, sizeof(err)))
		log_warn("capture on alert: %s", err);
	else
		log_info("capture on alert: wrote %s (rule \"%s\")", a->path, a->rule);
	free(a->rule);
	free(a->path);
	free(a);
}

const char *capture_on_alert(struct capture *c, const struct rule_info *rule, const char *container_id,
			     int64_t time_ns)
{
	struct capture_writer_options wo = { .header = c->header };
	struct alert_capture *a;
	char when[32], name[64], err[512];
	struct tm tm;
	time_t sec = (time_t)(time_ns / 1000000000);
	int64_t start_ns = time_ns - (int64_t)rule->capture_before_ns;
	struct ring_node *from = NULL;

	if (!c->o.alert_dir || !c->o.ring_ns)
		return NULL;
	for (a = c->alerts; a; a = a->next)
		if (!strcmp(a->rule, rule->def->name) && !strcmp(a->container_id, container_id)) {
			/* Already recording this rule in this container: the evidence grows instead. */
			int64_t until = time_ns + (int64_t)rule->capture_after_ns;

			if (until > a->until_ns)
				a->until_ns = until;
			return a->path;
		}
	if (c->n_alerts >= ALERT_CAPTURES_MAX) {
		if (!c->said_too_many)
			log_warn("capture on alert: %d evidence files are being written; rule \"%s\" gets none",
				 ALERT_CAPTURES_MAX, rule->def->name);
		c->said_too_many = true;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	slug(rule->def->name, name, sizeof(name));
	snprintf(a->container_id, sizeof(a->container_id), "%s", container_id);
	if (asprintf(&a->path, "%s/vigil-%s-%u-%s%s%.12s.vcap", c->o.alert_dir, when, ++c->alert_seq, name,
		     *container_id ? "-" : "", container_id) < 0) {
		a->path = NULL;
		free(a);
		return NULL;
	}
	a->rule = strdup(rule->def->name);
	wo.path = a->path;
	a->writer = a->rule ? capture_writer_open(&wo, err, sizeof(err)) : NULL;
	if (!a->writer) {
		log_warn("capture on alert: %s", a->rule ? err : "out of memory");
		free(a->rule);
		free(a->path);
		free(a);
		return NULL;
	}
	a->until_ns = time_ns + (int64_t)rule->capture_after_ns;
	/* The past: from the newest keyframe at or before the window's start (else the oldest there is). */
	for (struct ring_node *n = c->head; n; n = n->next)
		if (n->keyframe && (!from || n->time_ns <= start_ns))
			from = n;
	for (struct ring_node *n = from; n; n = n->next) {
		struct capture_record rec = {
			.kind = n->kind, .flags = n->flags, .time_ns = n->time_ns, .data = n->data, .len = n->len,
		};

		capture_writer_append(a->writer, &rec);
	}
	a->next = c->alerts;
	c->alerts = a;
	c->n_alerts++;
	c->stats.alert_files++;
	return a->path;
}

uint64_t capture_ring_ns(const struct capture *c)
{
	return c ? c->o.ring_ns : 0;
}

void capture_tick(struct capture *c)
{
	int64_t now = clock_ns(CLOCK_REALTIME);
	const char *why;

	if (c->file) {
		capture_writer_tick(c->file);
		if (capture_writer_rotate_due(c->file)) {
			if (capture_writer_rotate(c->file) == 0) {
				keyframe(c, TO_FILE);
				c->last_file_keyframe_ns = now;
			}
		} else if (now - c->last_file_keyframe_ns >= FILE_KEYFRAME_NS) {
			keyframe(c, TO_FILE);
			c->last_file_keyframe_ns = now;
		}
		why = capture_writer_error(c->file);
		if (why && !c->said_file_error) {
			log_error("capture: %s; records are being lost", why);
			c->said_file_error = true;
		}
	}
	if (c->o.ring_ns) {
		int64_t every = (int64_t)c->o.ring_ns / 2;

		if (every < RING_KEYFRAME_MIN_NS)
			every = RING_KEYFRAME_MIN_NS;
		if (every > RING_KEYFRAME_MAX_NS)
			every = RING_KEYFRAME_MAX_NS;
		if (now - c->last_ring_keyframe_ns >= every) {
			int64_t saved = c->now_ns;

			c->now_ns = now;
			keyframe(c, TO_RING);
			c->now_ns = saved;
			c->last_ring_keyframe_ns = now;
		}
		ring_trim(c);
	}
	for (struct alert_capture **p = &c->alerts; *p;) {
		struct alert_capture *a = *p;

		capture_writer_tick(a->writer);
		if (now < a->until_ns) {
			p = &a->next;
			continue;
		}
		*p = a->next;
		c->n_alerts--;
		alert_capture_close(a);
	}
}

int capture_close(struct capture *c, char *err, size_t errlen)
{
	int rc = 0;

	if (!c)
		return 0;
	if (c->observing)
		capture_state_unobserve(&c->parts);
	while (c->alerts) {
		struct alert_capture *a = c->alerts;

		c->alerts = a->next;
		alert_capture_close(a);
	}
	if (c->file) {
		struct capture_writer_stats ws;

		capture_writer_stats(c->file, &ws);
		c->stats.bytes = ws.bytes;
		c->stats.dropped += ws.dropped;
		rc = capture_writer_close(c->file, err, errlen);
	}
	while (c->head)
		ring_drop_head(c);
	json_decref(c->header);
	free(c);
	return rc;
}

void capture_stats(const struct capture *c, struct capture_stats *out)
{
	*out = c->stats;
	if (c->file) {
		struct capture_writer_stats ws;

		capture_writer_stats(c->file, &ws);
		out->bytes = ws.bytes;
		out->dropped += ws.dropped;
	}
}
