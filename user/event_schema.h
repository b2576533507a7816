/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What each event type is: its name (Falco's evt.type), its family, and for
 * the system-call events what each of the record's args[] and strs[] slots
 * holds and how it prints. The BPF programs fill the slots as their type's
 * row says; the JSON writer and (later) the rule engine read them by name.
 * One row per type, in event_schema.c.
 */
#ifndef VIGIL_EVENT_SCHEMA_H
#define VIGIL_EVENT_SCHEMA_H

#include <jansson.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil_event.h"

/* How a slot prints. Integers print as numbers, flag sets as "A|B|0x40", enums by name. */
enum field_kind {
	FIELD_NONE = 0,   /* slot unused */
	FIELD_INT,        /* signed */
	FIELD_UINT,
	FIELD_HEX,        /* "0x1f" */
	FIELD_ID,         /* a uid or gid; (u32)-1 is -1, "leave unchanged" */
	FIELD_PID,
	FIELD_FD,         /* AT_FDCWD prints as "AT_FDCWD" */
	FIELD_MODE,       /* "04755" */
	FIELD_CAP,        /* "CAP_SYS_ADMIN" */
	FIELD_CAP_SET,    /* 64-bit mask: "CAP_CHOWN|CAP_SETUID" */
	FIELD_SYSCALL,    /* a syscall number: "mount" */
	FIELD_OPEN_FLAGS,
	FIELD_MOUNT_FLAGS,
	FIELD_UMOUNT_FLAGS,
	FIELD_MOVE_MOUNT_FLAGS,
	FIELD_OPEN_TREE_FLAGS,
	FIELD_MOUNT_ATTR,
	FIELD_FSCONFIG_CMD,
	FIELD_AT_FLAGS,
	FIELD_CLONE_FLAGS,
	FIELD_NS_TYPE,    /* one CLONE_NEW* value, or 0 = any */
	FIELD_PTRACE_REQUEST,
	FIELD_BPF_CMD,
	FIELD_SOCKET_FAMILY,
	FIELD_SOCKET_TYPE,
	FIELD_KEYCTL_OP,
	FIELD_MEMFD_FLAGS,
	FIELD_PERF_TYPE,
	/* string slots */
	FIELD_STRING,     /* text from the process */
	FIELD_PATH,       /* a path */
	FIELD_SOCKADDR,   /* raw struct sockaddr bytes: family, address, port or unix path */
	FIELD_KIND_COUNT,
};

struct field_desc {
	const char *name; /* NULL: slot unused */
	enum field_kind kind;
};

enum event_family {
	FAMILY_PROCESS,
	FAMILY_CREDENTIALS,
	FAMILY_CAPABILITY,
	FAMILY_MOUNT,
	FAMILY_NAMESPACE,
	FAMILY_ESCAPE,
	FAMILY_NETWORK,
	FAMILY_FILE,
};

struct event_schema {
	const char *name;         /* evt.type */
	enum event_family family;
	const char *description;  /* one line, for `vigil fields` and the docs */
	struct field_desc args[VIGIL_SYSCALL_ARGS];
	struct field_desc strs[VIGIL_SYSCALL_STRS];
};

/* The row for a type; NULL for VIGIL_EVENT_NONE and unknown types. */
const struct event_schema *event_schema_for(unsigned int type);

const char *event_family_name(enum event_family family);

/* Whether the type's result is a value, never -errno (setfsuid returns the previous fs id). */
bool event_schema_result_is_value(unsigned int type);

/* A slot as JSON, by its kind (strings: the bytes of the slot). New reference. */
json_t *field_to_json(enum field_kind kind, uint64_t value);
json_t *field_string_to_json(enum field_kind kind, const char *bytes, size_t len);

/*
 * A slot as text, the same the JSON gives ("O_RDONLY|O_CLOEXEC", "CAP_SYS_ADMIN",
 * "-1"; a socket address as "1.2.3.4:80", "[::1]:80" or the unix path; a text
 * slot up to its NUL), into buf: NUL-terminated, cut to len. Returns the
 * length written. FIELD_TEXT_MAX holds any number slot's text.
 */
#define FIELD_TEXT_MAX 1024
size_t field_to_text(enum field_kind kind, uint64_t value, char *buf, size_t len);
size_t field_string_to_text(enum field_kind kind, const char *bytes, size_t n, char *buf, size_t len);
/* A number slot's value as a signed number, as the JSON prints it (ids, pids and fds are 32-bit: -1, -100). */
int64_t field_to_number(enum field_kind kind, uint64_t value);

/* "CAP_CHOWN<separator>CAP_SYS_ADMIN" (unknown bits as CAP_<n>), into buf as field_to_text does; "" for none. */
size_t capability_set_text(uint64_t mask, const char *separator, char *buf, size_t len);

/* A struct sockaddr's bytes, checked (the one parser of them). */
struct sockaddr_view {
	uint16_t family;    /* AF_*, also when the rest did not parse */
	uint16_t port;      /* AF_INET, AF_INET6: host byte order */
	uint8_t addr[16];   /* AF_INET: 4 bytes, AF_INET6: 16 */
	const char *path;   /* AF_UNIX: into the bytes; abstract: starts with its NUL */
	size_t path_len;
	bool abstract;
};
/* false when the bytes are too short for their family, or the family is not unix or inet. */
bool sockaddr_parse(const void *bytes, size_t len, struct sockaddr_view *out);
/* "1.2.3.4:80", "[::1]:80", "/run/x.sock", "@abstract", or the family's name. */
size_t sockaddr_text(const struct sockaddr_view *sa, char *buf, size_t len);
/* The address alone ("1.2.3.4", "::1"); "" for other families. */
size_t sockaddr_address_text(const struct sockaddr_view *sa, char *buf, size_t len);

/* Names used by the formatters, exposed for the rule engine and tests. */
const char *capability_name(unsigned int cap);     /* "CAP_SYS_ADMIN"; NULL if unknown */
const char *syscall_name(unsigned int nr);         /* "mount"; NULL if unknown */
const char *errno_name(int err);                   /* "EPERM"; NULL if unknown */

#endif /* VIGIL_EVENT_SCHEMA_H */
