/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System-call events: one record layout (struct vigil_syscall_event) for
 * every type, filled at the syscall's exit from its per-syscall tracepoint.
 * The arguments are read from the task's saved user registers
 * (bpf_task_pt_regs), so one exit program sees arguments and result together
 * and no enter program or in-flight map is needed. What each args[] and
 * strs[] slot holds is the type's row in user/event_schema.c.
 *
 *	SEC("tracepoint/syscalls/sys_exit_chroot")
 *	int vigil_chroot(struct trace_event_raw_sys_exit *ctx)
 *	{
 *		struct vigil_scratch *s;
 *		struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_CHROOT, ctx->ret);
 *
 *		if (!e)
 *			return 0;
 *		syscall_event_user_str(s, e, 0, (void *)syscall_arg(e, 0));
 *		syscall_event_submit(s, e);
 *		return 0;
 *	}
 */
#ifndef VIGIL_SYSCALL_BPF_H
#define VIGIL_SYSCALL_BPF_H

#include "vigil.bpf.h"
#include "path.bpf.h"
#include "enforce.bpf.h"

/* The current task's user registers as they were when it entered the kernel. */
static __always_inline struct pt_regs *current_user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* Argument n (0-5) of the system call the current task is in. */
static __always_inline __u64 syscall_regs_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 1:
		return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 2:
		return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case 3:
		return PT_REGS_PARM4_CORE_SYSCALL(regs);
	case 4:
		return PT_REGS_PARM5_CORE_SYSCALL(regs);
	default:
#if defined(__TARGET_ARCH_x86)
		/* libbpf 1.1 has no PARM6 macros; x86-64 passes the sixth in r9. */
		return BPF_CORE_READ(regs, r9);
#else
		return 0;
#endif
	}
}

static __always_inline __u64 syscall_arg(int n)
{
	return syscall_regs_arg(current_user_regs(), n);
}

/* The number of the system call the current task is in; (u32)-1 outside one. */
static __always_inline __u32 current_syscall_nr(void)
{
#if defined(__TARGET_ARCH_x86)
	return (__u32)BPF_CORE_READ(current_user_regs(), orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return (__u32)BPF_CORE_READ((struct pt_regs___arm64 *)current_user_regs(), syscallno);
#else
	return (__u32)-1;
#endif
}

/*
 * Start a record of `type` for the current task. Returns NULL when the task is
 * filtered out (the host, unless host monitoring is on; the agent itself), so
 * nothing more is done for it. *sp receives the scratch space that holds the
 * record, for the helpers below.
 *
 * wanted: false when the caller's own filter drops the operation (a path not
 * watched, a plain fork). Such a record, or one of a task filtered out, is
 * still built when the enforcement policy has terms for the type, and sent
 * only if a decision acted on it: the record of a kill is never filtered.
 */
static __always_inline struct vigil_syscall_event *syscall_event_begin_as(struct vigil_scratch **sp, __u16 type,
									  long result, bool wanted)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_syscall_event *e;
	struct vigil_scratch *s;

	if (wanted && filter_out_task(task))
		wanted = false;
	if (!wanted && !enforce_may_decide(type, task)) {
		count_filtered(type);
		return NULL;
	}
	s = scratch_space();
	if (!s)
		return NULL;
	e = (void *)s->record;
	fill_header(&e->hdr, type, task);
	if (task_in_setup(task))
		e->hdr.flags |= VIGIL_F_SETUP;
	e->result = result;
	e->syscall_nr = current_syscall_nr();
	e->_pad = 0;
	e->_pad2 = 0;
	for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
		e->args[i] = 0;
	for (int i = 0; i < VIGIL_SYSCALL_STRS; i++) {
		e->strs[i].off = 0;
		e->strs[i].len = 0;
	}
	s->tail_used = 0;
	s->unwanted = !wanted;
	*sp = s;
	return e;
}

static __always_inline struct vigil_syscall_event *syscall_event_begin(struct vigil_scratch **sp, __u16 type,
								       long result)
{
	return syscall_event_begin_as(sp, type, result, true);
}

/*
 * Where the next string goes in the tail, or -1 when the tail has no room for
 * a string at its bound. Kept in the map value (see vigil_scratch.path_pos).
 */
static __always_inline long tail_offset(struct vigil_scratch *s)
{
	__u64 off = s->tail_used;

	barrier_var(off);
	if (off > VIGIL_SYSCALL_TAIL_MAX - VIGIL_PATH_MAX)
		return -1;
	return off;
}

static __always_inline void tail_commit(struct vigil_scratch *s, struct vigil_str *slot, __u64 off, long n)
{
	/* n counts the NUL: the string is n - 1 bytes, the next one starts after the NUL. */
	if (n <= 0) {
		slot->off = off;
		slot->len = 0;
		return;
	}
	slot->off = off;
	slot->len = n - 1;
	s->tail_used = off + n;
}

/* A NUL-terminated string from user memory into string slot `slot` (at most VIGIL_PATH_MAX). */
static __always_inline void syscall_event_user_str(struct vigil_scratch *s, struct vigil_syscall_event *e,
						   int slot, const void *ptr)
{
	long off = tail_offset(s);
	long n;

	if (off < 0 || slot < 0 || slot >= VIGIL_SYSCALL_STRS)
		return;
	n = ptr ? bpf_probe_read_user_str(&e->tail[off], VIGIL_PATH_MAX, ptr) : 0;
	if (n == VIGIL_PATH_MAX)
		e->hdr.flags |= VIGIL_F_TRUNCATED_PATH;
	tail_commit(s, &e->strs[slot], off, n);
}

/* The same from kernel memory. */
static __always_inline void syscall_event_kernel_str(struct vigil_scratch *s, struct vigil_syscall_event *e,
						     int slot, const void *ptr)
{
	long off = tail_offset(s);
	long n;

	if (off < 0 || slot < 0 || slot >= VIGIL_SYSCALL_STRS)
		return;
	n = ptr ? bpf_probe_read_kernel_str(&e->tail[off], VIGIL_PATH_MAX, ptr) : 0;
	tail_commit(s, &e->strs[slot], off, n);
}

/*
 * `len` raw bytes from user memory (a sockaddr, say) into slot `slot`; the
 * slot's length is the byte count, with no NUL counted.
 */
static __always_inline void syscall_event_user_bytes(struct vigil_scratch *s, struct vigil_syscall_event *e,
						     int slot, const void *ptr, __u64 len)
{
	long off = tail_offset(s);

	if (off < 0 || slot < 0 || slot >= VIGIL_SYSCALL_STRS)
		return;
	barrier_var(len);
	if (len > VIGIL_PATH_MAX)
		len = VIGIL_PATH_MAX;
	if (!ptr || !len || bpf_probe_read_user(&e->tail[off], len, ptr)) {
		e->strs[slot].off = off;
		e->strs[slot].len = 0;
		return;
	}
	e->strs[slot].off = off;
	e->strs[slot].len = len;
	s->tail_used = off + len;
}

/* The absolute path of a struct path (as the current task's root sees it) into slot `slot`. */
static __always_inline void syscall_event_path(struct vigil_scratch *s, struct vigil_syscall_event *e,
					       int slot, struct path *path)
{
	struct task_struct *task = bpf_get_current_task_btf();
	long off = tail_offset(s);
	bool truncated = false;
	__u32 pos, len;

	if (off < 0 || slot < 0 || slot >= VIGIL_SYSCALL_STRS)
		return;
	pos = path_build(s, path, &task->fs->root, &truncated);
	if (truncated)
		e->hdr.flags |= VIGIL_F_TRUNCATED_PATH;
	len = path_copy(&e->tail[off], s, pos);
	tail_commit(s, &e->strs[slot], off, (long)len + 1);
}

/*
 * Send the record at its real size; a record begun unwanted only if
 * enforcement gave it a verdict.
 */
static __always_inline void syscall_event_send(struct vigil_scratch *s, struct vigil_syscall_event *e)
{
	__u64 size = sizeof(*e) + s->tail_used;

	if (s->unwanted && e->hdr.verdict == VIGIL_VERDICT_NONE) {
		count_filtered(e->hdr.type);
		return;
	}
	e->hdr.size = size;
	submit(e, size, e->hdr.type);
}

/*
 * Decide on the operation (enforce.bpf.h) with the inputs `in`, stamp the
 * verdict, and send the record. lsm_covers: false for a call of an
 * LSM-decided type that never reaches the LSM hook (see enforce_at_tracepoint).
 */
static __always_inline void syscall_event_submit_decided(struct vigil_scratch *s, struct vigil_syscall_event *e,
							 const struct enforce_input *in, bool lsm_covers)
{
	enforce_at_tracepoint(&e->hdr, e->hdr.type, lsm_covers, in);
	syscall_event_send(s, e);
}

/* The same for an operation decided on its type, scope and caller alone. */
static __always_inline void syscall_event_submit(struct vigil_scratch *s, struct vigil_syscall_event *e)
{
	struct enforce_input in = {};

	syscall_event_submit_decided(s, e, &in, true);
}

#endif /* VIGIL_SYSCALL_BPF_H */
