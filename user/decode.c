// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "event_schema.h"

_Static_assert(sizeof(struct vigil_event_header) == 104, "the event header's layout is ABI");
_Static_assert(offsetof(struct vigil_exec_event, tail) == sizeof(struct vigil_exec_event),
	       "the exec tail must start right after the fixed part");
_Static_assert(offsetof(struct vigil_syscall_event, tail) == sizeof(struct vigil_syscall_event),
	       "the syscall tail must start right after the fixed part");
_Static_assert(sizeof(struct vigil_syscall_event) + VIGIL_SYSCALL_TAIL_MAX <= VIGIL_EVENT_SIZE_MAX,
	       "a syscall record fits the scratch space");

/* Fixed size of each record type: header plus payload, without the tail. */
static size_t fixed_size(unsigned int type)
{
	switch (type) {
	case VIGIL_EVENT_EXEC:
		return sizeof(struct vigil_exec_event);
	case VIGIL_EVENT_FORK:
		return sizeof(struct vigil_fork_event);
	case VIGIL_EVENT_EXIT:
		return sizeof(struct vigil_exit_event);
	default:
		return sizeof(struct vigil_syscall_event);
	}
}

const char *event_type_name(unsigned int type)
{
	const struct event_schema *schema = event_schema_for(type);

	return schema ? schema->name : NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Resolve a tail string, checking that it lies inside the tail. what names it
 * in an error ("exec argv"; with index >= 0, "<what> string <index>"): built
 * only then, as this runs for every string of every event.
 */
static int tail_str(const char *tail, size_t tail_len, struct vigil_str s, const char *what, int index,
		    struct event_str *out, char *err, size_t errlen)
{
	if ((size_t)s.off > tail_len || (size_t)s.len > tail_len - s.off) {
		if (index >= 0)
			return fail(err, errlen, "%s string %d (offset %u, length %u) lies outside the record's %zu-byte tail",
				    what, index, s.off, s.len, tail_len);
		return fail(err, errlen, "%s (offset %u, length %u) lies outside the record's %zu-byte tail",
			    what, s.off, s.len, tail_len);
	}
	out->ptr = tail + s.off;
	out->len = s.len;
	return 0;
}

int event_decode(const void *data, size_t len, struct event_view *out, char *err, size_t errlen)
{
	const char *bytes = data;
	size_t fixed;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(struct vigil_event_header))
		return fail(err, errlen, "record of %zu bytes is shorter than the %zu-byte event header",
			    len, sizeof(struct vigil_event_header));
	memcpy(&out->hdr, bytes, sizeof(out->hdr));
	if (out->hdr.type == VIGIL_EVENT_NONE || out->hdr.type >= VIGIL_EVENT_TYPE_MAX)
		return fail(err, errlen, "unknown event type %u", out->hdr.type);
	fixed = fixed_size(out->hdr.type);
	if (out->hdr.size != len)
		return fail(err, errlen, "%s record says it is %u bytes but %zu arrived",
			    event_type_name(out->hdr.type), out->hdr.size, len);
	if (len < fixed)
		return fail(err, errlen, "%s record of %zu bytes is shorter than its %zu-byte fixed part",
			    event_type_name(out->hdr.type), len, fixed);

	switch (out->hdr.type) {
	case VIGIL_EVENT_EXEC: {
		struct vigil_exec_event e;
		const char *tail = bytes + fixed;
		size_t tail_len = len - fixed;
		int rc;

		memcpy(&e, bytes, sizeof(e));
		out->exec.argc = e.argc;
		out->exec.old_tid = e.old_tid;
		out->exec.exe_flags = e.exe_flags;
		out->exec.tty = e.tty;
		out->exec.exe_ino = e.exe_ino;
		rc = tail_str(tail, tail_len, e.filename, "exec filename", -1, &out->exec.filename, err, errlen);
		if (!rc)
			rc = tail_str(tail, tail_len, e.args, "exec argv", -1, &out->exec.args, err, errlen);
		if (!rc)
			rc = tail_str(tail, tail_len, e.cwd, "exec cwd", -1, &out->exec.cwd, err, errlen);
		if (rc)
			return rc;
		break;
	}
	case VIGIL_EVENT_FORK: {
		struct vigil_fork_event e;

		memcpy(&e, bytes, sizeof(e));
		out->fork.child_tgid = e.child_tgid;
		out->fork.child_vpid = e.child_vpid;
		out->fork.child_cgroup_id = e.child_cgroup_id;
		break;
	}
	case VIGIL_EVENT_EXIT: {
		struct vigil_exit_event e;

		memcpy(&e, bytes, sizeof(e));
		out->exit.exit_code = e.exit_code;
		break;
	}
	default: {
		struct vigil_syscall_event e;
		const struct event_schema *schema = event_schema_for(out->hdr.type);
		const char *tail = bytes + fixed;
		size_t tail_len = len - fixed;

		memcpy(&e, bytes, sizeof(e));
		out->syscall.result = e.result;
		out->syscall.syscall_nr = e.syscall_nr;
		memcpy(out->syscall.args, e.args, sizeof(e.args));
		for (int i = 0; i < VIGIL_SYSCALL_STRS; i++) {
			if (tail_str(tail, tail_len, e.strs[i], schema->name, i, &out->syscall.strs[i], err, errlen))
				return -EINVAL;
		}
		break;
	}
	}
	return 0;
}

void event_args_foreach(struct event_str args, size_t max_args,
			void (*fn)(const char *arg, size_t len, void *ctx), void *ctx)
{
	size_t pos = 0, n = 0;

	while (pos < args.len && n < max_args) {
		const char *start = args.ptr + pos;
		const char *nul = memchr(start, '\0', args.len - pos);
		size_t arg_len = nul ? (size_t)(nul - start) : args.len - pos;

		fn(start, arg_len, ctx);
		n++;
		pos += arg_len + 1;
	}
}
