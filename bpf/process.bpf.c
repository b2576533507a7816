// SPDX-License-Identifier: GPL-2.0
/*
 * Process lifecycle: exec, fork and exit. The agent's process table is kept
 * from these, so every other event can name its parent and ancestors.
 */
#include "vigil.bpf.h"
#include "path.bpf.h"

/* Store the string tail of an exec record; returns the tail's length. */
static __always_inline __u32 store_exec_tail(struct vigil_scratch *s, struct task_struct *task,
					     struct linux_binprm *bprm)
{
	struct vigil_exec_event *e = (void *)s->record;
	bool path_truncated = false;
	/* 64-bit on purpose: clang bounds-checks a 32-bit copy of a 32-bit value. */
	__u64 off, len, pos;
	unsigned long arg_start, arg_end;
	long n;

	/* filename, as execve was given it (relative names stay relative) */
	n = bpf_probe_read_kernel_str(e->tail, VIGIL_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n <= 0) {
		e->tail[0] = '\0';
		n = 1;
	}
	if (n == VIGIL_PATH_MAX)
		e->hdr.flags |= VIGIL_F_TRUNCATED_FILENAME;
	e->filename.off = 0;
	e->filename.len = n - 1;
	off = n;

	/* argv, NUL-separated as it lies in the new process's memory */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > VIGIL_ARGS_MAX) {
		len = VIGIL_ARGS_MAX;
		e->hdr.flags |= VIGIL_F_TRUNCATED_ARGS;
	}
	barrier_var(off);
	if (off > VIGIL_PATH_MAX)
		off = VIGIL_PATH_MAX;
	barrier_var(len);
	if (len > VIGIL_ARGS_MAX)
		len = VIGIL_ARGS_MAX;
	if (len && bpf_probe_read_user(&e->tail[off], len, (void *)arg_start)) {
		len = 0;
		e->hdr.flags |= VIGIL_F_TRUNCATED_ARGS;
	}
	e->args.off = off;
	e->args.len = len;
	off += len;

	/* cwd, relative to the task's root */
	pos = path_build(s, &task->fs->pwd, &task->fs->root, &path_truncated);
	if (path_truncated)
		e->hdr.flags |= VIGIL_F_TRUNCATED_PATH;
	barrier_var(off);
	if (off > VIGIL_PATH_MAX + VIGIL_ARGS_MAX)
		off = VIGIL_PATH_MAX + VIGIL_ARGS_MAX;
	len = path_copy(&e->tail[off], s, pos);
	e->cwd.off = off;
	e->cwd.len = len;
	return off + len + 1;
}

/* After exec the task is its process's leader: the state goes on it. */
static __always_inline void mark_execed(struct task_struct *task)
{
	struct vigil_task_state *state;

	if (task_is_host(task))
		return;
	state = bpf_task_storage_get(&task_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (state)
		state->flags |= VIGIL_TASK_EXECED;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vigil_exec_event *e;
	struct vigil_scratch *s;
	__u32 tail_len;

	mark_execed(task);
	if (filter_out_task(task)) {
		count_filtered(VIGIL_EVENT_EXEC);
		return 0;
	}
	s = scratch_space();
	if (!s)
		return 0;
	e = (void *)s->record;
	fill_header(&e->hdr, VIGIL_EVENT_EXEC, task);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->old_tid = old_pid;
	e->exe_flags = 0;
	e->tty = 0;
	e->exe_ino = 0;
	e->_pad = 0;
	tail_len = store_exec_tail(s, task, bprm);
	e->hdr.size = sizeof(*e) + tail_len;
	submit(e, e->hdr.size, VIGIL_EVENT_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vigil_fork_event *e;
	struct vigil_task_state *parent_state, *child_state;

	/* Threads share the process's table entry and state; only new processes matter. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	/* A child is set up, or not, as its parent process is. */
	parent_state = bpf_task_storage_get(&task_state, parent->group_leader, 0, 0);
	if (parent_state) {
		child_state = bpf_task_storage_get(&task_state, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (child_state)
			child_state->flags = parent_state->flags;
	}
	/* Judge by the child: runc's clone into new namespaces is a container's birth. */
	if (filter_out_task(child)) {
		count_filtered(VIGIL_EVENT_FORK);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_dropped(VIGIL_EVENT_FORK);
		return 0;
	}
	fill_header(&e->hdr, VIGIL_EVENT_FORK, parent);
	e->hdr.size = sizeof(*e);
	e->child_tgid = BPF_CORE_READ(child, tgid);
	e->child_vpid = task_vtgid(child);
	e->child_cgroup_id = BPF_CORE_READ(child, cgroups, dfl_cgrp, kn, id);
	submit_reserved(&e->hdr, VIGIL_EVENT_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *task)
{
	struct vigil_exit_event *e;

	/* signal->live drops to zero as the last thread of the process exits. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (filter_out_task(task)) {
		count_filtered(VIGIL_EVENT_EXIT);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_dropped(VIGIL_EVENT_EXIT);
		return 0;
	}
	fill_header(&e->hdr, VIGIL_EVENT_EXIT, task);
	e->hdr.size = sizeof(*e);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->_pad = 0;
	submit_reserved(&e->hdr, VIGIL_EVENT_EXIT);
	return 0;
}
