/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Hand-made kernel records for tests: what the BPF programs would have sent. */
#ifndef VIGIL_TEST_EVENT_BUILDER_H
#define VIGIL_TEST_EVENT_BUILDER_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil_event.h"

static inline void build_header(struct vigil_event_header *h, __u16 type, __u16 size,
				__u32 tgid, __u32 ppid, const char *comm)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->hook = VIGIL_HOOK_TRACEPOINT;
	h->tgid = tgid;
	h->pid = tgid;
	h->ppid = ppid;
	h->uid = 1000;
	h->loginuid = (__u32)-1;
	h->cgroup_id = 42;
	strncpy(h->comm, comm, sizeof(h->comm));
}

/*
 * An exec record into buf (at least VIGIL_EVENT_SIZE_MAX bytes): args holds
 * args_len bytes of NUL-separated argv. Returns the record's size.
 */
static inline size_t build_exec(void *buf, __u32 tgid, __u32 ppid, const char *comm,
				const char *filename, const char *args, size_t args_len,
				const char *cwd)
{
	struct vigil_exec_event *e = buf;
	size_t off = 0, n;

	memset(e, 0, sizeof(*e));
	n = strlen(filename);
	memcpy(e->tail + off, filename, n + 1);
	e->filename.off = off;
	e->filename.len = n;
	off += n + 1;
	memcpy(e->tail + off, args, args_len);
	e->args.off = off;
	e->args.len = args_len;
	off += args_len;
	n = strlen(cwd);
	memcpy(e->tail + off, cwd, n + 1);
	e->cwd.off = off;
	e->cwd.len = n;
	off += n + 1;
	build_header(&e->hdr, VIGIL_EVENT_EXEC, sizeof(*e) + off, tgid, ppid, comm);
	e->argc = 0;
	for (size_t i = 0; i < args_len; i++)
		e->argc += args[i] == '\0';
	return sizeof(*e) + off;
}

static inline size_t build_fork(void *buf, __u32 parent, __u32 parent_ppid, const char *comm, __u32 child)
{
	struct vigil_fork_event *e = buf;

	memset(e, 0, sizeof(*e));
	build_header(&e->hdr, VIGIL_EVENT_FORK, sizeof(*e), parent, parent_ppid, comm);
	e->child_tgid = child;
	e->child_vpid = child;
	e->child_cgroup_id = 42;
	return sizeof(*e);
}

static inline size_t build_exit(void *buf, __u32 tgid, __u32 ppid, const char *comm, __u32 code)
{
	struct vigil_exit_event *e = buf;

	memset(e, 0, sizeof(*e));
	build_header(&e->hdr, VIGIL_EVENT_EXIT, sizeof(*e), tgid, ppid, comm);
	e->exit_code = code;
	return sizeof(*e);
}

/* A string slot of a syscall record: bytes (a text's NUL included by the caller if wanted, or a sockaddr). */
struct built_str {
	const void *bytes;
	size_t len;
};

/*
 * A system-call record of `type` into buf (at least VIGIL_EVENT_SIZE_MAX
 * bytes): args[0..n_args) and strs[0..n_strs) fill the first slots, the rest
 * are 0. Returns the record's size.
 */
static inline size_t build_syscall(void *buf, __u16 type, __u32 tgid, __u32 ppid, const char *comm, int64_t result,
				   const uint64_t *args, size_t n_args, const struct built_str *strs, size_t n_strs)
{
	struct vigil_syscall_event *e = buf;
	size_t off = 0;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < n_args && i < VIGIL_SYSCALL_ARGS; i++)
		e->args[i] = args[i];
	for (size_t i = 0; i < n_strs && i < VIGIL_SYSCALL_STRS; i++) {
		memcpy(e->tail + off, strs[i].bytes, strs[i].len);
		e->strs[i].off = off;
		e->strs[i].len = strs[i].len;
		off += strs[i].len;
	}
	build_header(&e->hdr, type, sizeof(*e) + off, tgid, ppid, comm);
	e->result = result;
	e->syscall_nr = (__u32)-1;
	return sizeof(*e) + off;
}

#endif /* VIGIL_TEST_EVENT_BUILDER_H */
