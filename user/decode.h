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
		} exec;
		struct {
			uint32_t child_tgid;
			uint32_t child_vpid;
			uint64_t child_cgroup_id;
		} fork;
		struct {
			uint32_t exit_code;
		} exit;
	};
};

/*
 * Check and decode one record of `len` bytes. Returns 0, or -EINVAL with a
 * sentence in err saying what is wrong and where. Strings in *out point into
 * `data`, which must outlive the view.
 */
int event_decode(const void *data, size_t len, struct event_view *out, char *err, size_t errlen);

/* "exec", "fork", "exit"; NULL for an unknown type. */
const char *event_type_name(unsigned int type);

/* Split NUL-separated args: calls fn for each argument in order, at most max_args. */
void event_args_foreach(struct event_str args, size_t max_args,
			void (*fn)(const char *arg, size_t len, void *ctx), void *ctx);

#endif /* VIGIL_DECODE_H */
