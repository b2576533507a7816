// SPDX-License-Identifier: GPL-2.0
/*
 * Namespaces: setns (which namespace the process joins), unshare, and clone /
 * clone3 into new namespaces. Joining the host's namespaces is how a process
 * leaves its container; making a user namespace is how an unprivileged one
 * gets the capabilities that most kernel escapes start from.
 *
 * clone and clone3 run for every fork and thread on the machine; they are
 * events only with a namespace flag (a plain fork is already a fork event),
 * and the test for that comes before anything else is read.
 */
#include "syscall.bpf.h"

/* UAPI values (vmlinux.h has no macros). */
#define CSIGNAL         0x000000ffull /* clone(): the exit signal, not a flag */
#define CLONE_NEWTIME   0x00000080ull /* clone3 and unshare only: clone() reads CSIGNAL there */
#define CLONE_NEWNS     0x00020000ull
#define CLONE_NEWCGROUP 0x02000000ull
#define CLONE_NEWUTS    0x04000000ull
#define CLONE_NEWIPC    0x08000000ull
#define CLONE_NEWUSER   0x10000000ull
#define CLONE_NEWPID    0x20000000ull
#define CLONE_NEWNET    0x40000000ull
#define CLONE_NEW_ANY                                                                             \
	(CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	 CLONE_NEWPID | CLONE_NEWNET)

/* The superblock magic of nsfs, the filesystem of /proc/<pid>/ns/ files. */
#define NSFS_MAGIC 0x6e736673

/* Before Linux 6.18 a namespace's type (CLONE_NEW*) was in its operations, not in ns_common. */
struct proc_ns_operations___with_type {
	int type;
} __attribute__((preserve_access_index));

/* ---- extract ---- */

/* The file behind the current task's descriptor fd, or NULL when fd is not open. */
static __always_inline struct file *current_fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/*
 * The namespace an nsfs file stands for (the kernel's get_proc_ns(): the
 * inode's i_private), or NULL for any other file: setns also takes a pidfd,
 * which names a process and not one namespace.
 */
static __always_inline struct ns_common *file_namespace(struct file *file)
{
	struct inode *inode;

	if (!file)
		return NULL;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != NSFS_MAGIC)
		return NULL;
	return BPF_CORE_READ(inode, i_private);
}

/* CLONE_NEW* of a namespace. */
static __always_inline __u32 namespace_type(struct ns_common *ns)
{
	struct proc_ns_operations___with_type *ops;

	if (bpf_core_field_exists(ns->ns_type))
		return BPF_CORE_READ(ns, ns_type);
	ops = (void *)BPF_CORE_READ(ns, ops);
	return BPF_CORE_READ(ops, type);
}

/* ---- the events ---- */

static __always_inline void report_setns(long result, int fd, __u64 nstype)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_SETNS, result);
	struct ns_common *ns;

	if (!e)
		return;
	e->args[0] = fd;
	e->args[1] = nstype;
	/*
	 * nstype may be 0 ("whatever fd is"), so the namespace joined comes from
	 * the fd itself, which setns leaves open.
	 */
	ns = file_namespace(current_fd_file(fd));
	if (ns) {
		e->args[2] = namespace_type(ns);
		e->args[3] = BPF_CORE_READ(ns, inum);
	}
	syscall_event_submit_decided(s, e, &(struct enforce_input){ .flags = nstype }, true);
}

static __always_inline void report_unshare(long result, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_UNSHARE, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_submit_decided(s, e, &(struct enforce_input){ .flags = flags }, true);
}

/* clone or clone3 (type) with these flags; result is the child's pid in the caller's pid namespace. */
static __always_inline void report_clone(__u16 type, long result, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e;

	/* A plain fork is no event, but a policy may still decide on it. */
	e = syscall_event_begin_as(&s, type, result, flags & CLONE_NEW_ANY);
	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_submit_decided(s, e, &(struct enforce_input){ .flags = flags }, true);
}

/*
 * The new child leaves clone and clone3 too, returning 0. When the caller is
 * killed for the call, so must the child be, or it would live on with what
 * the call gave it (new namespaces): it makes the caller's decision again,
 * silently (the caller's record is the one sent). It has the caller's
 * credentials and registers, and its process state was copied at fork.
 * Every fork's child passes here: the policy is asked before anything is read.
 */
static __always_inline bool clone_child_may_be_decided(__u16 type)
{
	return enforce_may_decide(type, bpf_get_current_task_btf()) && !enforce_lsm_decides(type);
}

static __always_inline void decide_clone_child(__u16 type, __u64 flags)
{
	struct enforce_input in = { .flags = flags };

	enforce_act(enforce_decide(type, bpf_get_current_task_btf(), &in), false);
}

/* The flags of clone3: the first field of the caller's struct clone_args; unreadable counts as none. */
static __always_inline __u64 clone3_flags(void)
{
	struct clone_args *uargs = (void *)syscall_arg(0);

	return uargs ? BPF_CORE_READ_USER(uargs, flags) : 0;
}

/* ---- the tracepoint programs ---- */

SEC("tracepoint/syscalls/sys_exit_setns")
int vigil_setns(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_setns(ctx->ret, (int)syscall_regs_arg(regs, 0), (__u32)syscall_regs_arg(regs, 1));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unshare")
int vigil_unshare(struct trace_event_raw_sys_exit *ctx)
{
	report_unshare(ctx->ret, syscall_arg(0));
	return 0;
}

/*
 * The new child leaves clone and clone3 through the same exit, returning 0:
 * only the caller's return (the child's pid, or an error) is the event.
 */

SEC("tracepoint/syscalls/sys_exit_clone")
int vigil_clone(struct trace_event_raw_sys_exit *ctx)
{
	/* The low byte of clone's flags is the child's exit signal (CSIGNAL), not a flag. */
	if (ctx->ret != 0)
		report_clone(VIGIL_EVENT_CLONE, ctx->ret, syscall_arg(0) & ~CSIGNAL);
	else if (clone_child_may_be_decided(VIGIL_EVENT_CLONE))
		decide_clone_child(VIGIL_EVENT_CLONE, syscall_arg(0) & ~CSIGNAL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int vigil_clone3(struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret != 0)
		report_clone(VIGIL_EVENT_CLONE3, ctx->ret, clone3_flags());
	else if (clone_child_may_be_decided(VIGIL_EVENT_CLONE3))
		decide_clone_child(VIGIL_EVENT_CLONE3, clone3_flags());
	return 0;
}
