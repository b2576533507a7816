/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Raw event bytes -> a checked view. The one parser of kernel records, and
 * later of capture files, so it trusts nothing: every size, offset and
 * string is checked against the bytes actually there.
 */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil_event.h"

/* A string inside the record: not NUL-terminated in general, may hold NULs (argv). */
struct event_str {
	const char *ptr;
	size_t len;
};

struct event_view {
	struct vigil_event_header hdr; /* copied: the record may be unaligned */
	union {
		struct {
			uint32_t argc;
			uint32_t old_tid;
			struct event_str filename;
			struct event_str args; /* NUL-separated; the last NUL may be missing if cut */
			struct event_str cwd;
			uint32_t exe_flags; /* VIGIL_EXE_* */
			uint32_t tty;
			uint64_t exe_ino;
		} exec;
		struct {
			uint32_t child_tgid;
			uint32_t child_vpid;
			uint64_t child_cgroup_id;
		} fork;
		struct {
			uint32_t exit_code;
		} exit;
		/* every type after VIGIL_EVENT_EXIT: see event_schema.h for what the slots mean */
		struct {
			int64_t result;
			uint32_t syscall_nr;
			uint64_t args[VIGIL_SYSCALL_ARGS];
			struct event_str strs[VIGIL_SYSCALL_STRS];
		} syscall;
	};
};

/*
 * Check and decode one record of `len` bytes. Returns 0, or -EINVAL with a
 * sentence in err saying what is wrong and where. Strings in *out point into
 * `data`, which must outlive the view.
 */
int event_decode(const void *data, size_t len, struct event_view *out, char *err, size_t errlen);

/* "exec", "setuid", ... (Falco's evt.type); NULL for an unknown type. */
const char *event_type_name(unsigned int type);

/* True for the types that are a struct vigil_syscall_event. */
static inline int event_type_is_syscall(unsigned int type)
{
	return type > VIGIL_EVENT_EXIT && type < VIGIL_EVENT_TYPE_MAX;
}

/* Split NUL-separated args: calls fn for each argument in order, at most max_args. */
void event_args_foreach(struct event_str args, size_t max_args,
			void (*fn)(const char *arg, size_t len, void *ctx), void *ctx);

#endif /* VIGIL_DECODE_H */
