// SPDX-License-Identifier: GPL-2.0
/*
 * Mounts: mount, umount2, the new mount API (fsopen, fsconfig, fsmount,
 * move_mount, open_tree, mount_setattr), pivot_root and chroot. A container
 * that mounts a filesystem, remounts one writable or moves its root is
 * reshaping what it can reach, so every call is an event, successful or not.
 *
 * Paths and names are reported as the process gave them (a relative target
 * stays relative): at the syscall's exit the string is still in the caller's
 * memory, and what it named is what a rule about the caller's intent needs.
 * Each syscall has one core that takes the values, so a BPF-LSM variant of
 * the hook (sb_mount, move_mount, sb_pivotroot) can share it.
 */
#include "syscall.bpf.h"

/* The size of the first struct mount_attr (UAPI; vmlinux.h has no macros). */
#define MOUNT_ATTR_SIZE_VER0 32

static __always_inline void report_mount(long result, const char *source, const char *target,
					 const char *fstype, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_MOUNT, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_user_str(s, e, 0, source);
	syscall_event_user_str(s, e, 1, target);
	syscall_event_user_str(s, e, 2, fstype);
	/*
	 * Decided on the strings as the call was given them: the target is not
	 * resolved here (a relative target stays relative), unlike the LSM
	 * hook's, which is the path the kernel looked up.
	 */
	syscall_event_submit_decided(s, e,
				     &(struct enforce_input){
					     .str = { [VIGIL_STR_PATH] = target,
						      [VIGIL_STR_SOURCE] = source,
						      [VIGIL_STR_FSTYPE] = fstype },
					     .user_strs = (1u << VIGIL_STR_PATH) | (1u << VIGIL_STR_SOURCE) |
							  (1u << VIGIL_STR_FSTYPE),
				     },
				     true);
}

static __always_inline void report_umount2(long result, const char *target, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_UMOUNT2, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_user_str(s, e, 0, target);
	syscall_event_submit(s, e);
}

static __always_inline void report_move_mount(long result, int from_dfd, const char *from_path, int to_dfd,
					      const char *to_path, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_MOVE_MOUNT, result);

	if (!e)
		return;
	e->args[0] = from_dfd;
	e->args[1] = to_dfd;
	e->args[2] = flags;
	syscall_event_user_str(s, e, 0, from_path);
	syscall_event_user_str(s, e, 1, to_path);
	syscall_event_submit(s, e);
}

static __always_inline void report_fsopen(long result, const char *fsname, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_FSOPEN, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_user_str(s, e, 0, fsname);
	syscall_event_submit(s, e);
}

/* The fsconfig commands whose value argument is a NUL-terminated string. */
static __always_inline bool fsconfig_value_is_string(__u32 cmd)
{
	return cmd == FSCONFIG_SET_STRING || cmd == FSCONFIG_SET_PATH || cmd == FSCONFIG_SET_PATH_EMPTY;
}

static __always_inline void report_fsconfig(long result, int fd, __u32 cmd, const char *key,
					    const char *value, int aux)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_FSCONFIG, result);

	if (!e)
		return;
	e->args[0] = fd;
	e->args[1] = cmd;
	e->args[2] = aux;
	syscall_event_user_str(s, e, 0, key);
	/* Other commands pass a binary blob, an fd or nothing there: not text to copy. */
	if (fsconfig_value_is_string(cmd))
		syscall_event_user_str(s, e, 1, value);
	syscall_event_submit(s, e);
}

static __always_inline void report_fsmount(long result, int fs_fd, __u64 flags, __u64 attr_flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_FSMOUNT, result);

	if (!e)
		return;
	e->args[0] = fs_fd;
	e->args[1] = flags;
	e->args[2] = attr_flags;
	syscall_event_submit(s, e);
}

static __always_inline void report_open_tree(long result, int dfd, const char *path, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_OPEN_TREE, result);

	if (!e)
		return;
	e->args[0] = dfd;
	e->args[1] = flags;
	syscall_event_user_str(s, e, 0, path);
	syscall_event_submit(s, e);
}

static __always_inline void report_mount_setattr(long result, int dfd, const char *path, __u64 flags,
						 const struct mount_attr *uattr, __u64 usize)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_MOUNT_SETATTR, result);

	if (!e)
		return;
	e->args[0] = dfd;
	e->args[1] = flags;
	/*
	 * The attributes live in the caller's struct mount_attr, whose size it
	 * passes; the kernel refuses one shorter than its first version with
	 * EINVAL, and so it is not read either.
	 */
	if (uattr && usize >= MOUNT_ATTR_SIZE_VER0) {
		e->args[2] = BPF_CORE_READ_USER(uattr, attr_set);
		e->args[3] = BPF_CORE_READ_USER(uattr, attr_clr);
		e->args[4] = BPF_CORE_READ_USER(uattr, propagation);
	}
	syscall_event_user_str(s, e, 0, path);
	syscall_event_submit(s, e);
}

static __always_inline void report_pivot_root(long result, const char *new_root, const char *put_old)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_PIVOT_ROOT, result);

	if (!e)
		return;
	syscall_event_user_str(s, e, 0, new_root);
	syscall_event_user_str(s, e, 1, put_old);
	syscall_event_submit(s, e);
}

static __always_inline void report_chroot(long result, const char *path)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_CHROOT, result);

	if (!e)
		return;
	syscall_event_user_str(s, e, 0, path);
	syscall_event_submit(s, e);
}

/* ---- the tracepoint programs: the arguments come from the saved user registers ---- */

#define USER_PTR(regs, n) ((const void *)syscall_regs_arg(regs, n))

SEC("tracepoint/syscalls/sys_exit_mount")
int vigil_mount(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_mount(ctx->ret, USER_PTR(regs, 0), USER_PTR(regs, 1), USER_PTR(regs, 2), syscall_regs_arg(regs, 3));
	return 0;
}

/* umount2's tracepoint carries the kernel's name for the syscall, umount. */
SEC("tracepoint/syscalls/sys_exit_umount")
int vigil_umount2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_umount2(ctx->ret, USER_PTR(regs, 0), syscall_regs_arg(regs, 1));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_move_mount")
int vigil_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_move_mount(ctx->ret, (int)syscall_regs_arg(regs, 0), USER_PTR(regs, 1), (int)syscall_regs_arg(regs, 2),
			  USER_PTR(regs, 3), syscall_regs_arg(regs, 4));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fsopen")
int vigil_fsopen(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_fsopen(ctx->ret, USER_PTR(regs, 0), syscall_regs_arg(regs, 1));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fsconfig")
int vigil_fsconfig(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_fsconfig(ctx->ret, (int)syscall_regs_arg(regs, 0), (__u32)syscall_regs_arg(regs, 1), USER_PTR(regs, 2),
			USER_PTR(regs, 3), (int)syscall_regs_arg(regs, 4));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fsmount")
int vigil_fsmount(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_fsmount(ctx->ret, (int)syscall_regs_arg(regs, 0), syscall_regs_arg(regs, 1), syscall_regs_arg(regs, 2));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open_tree")
int vigil_open_tree(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_open_tree(ctx->ret, (int)syscall_regs_arg(regs, 0), USER_PTR(regs, 1), syscall_regs_arg(regs, 2));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mount_setattr")
int vigil_mount_setattr(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_mount_setattr(ctx->ret, (int)syscall_regs_arg(regs, 0), USER_PTR(regs, 1), syscall_regs_arg(regs, 2),
			     USER_PTR(regs, 3), syscall_regs_arg(regs, 4));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pivot_root")
int vigil_pivot_root(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_pivot_root(ctx->ret, USER_PTR(regs, 0), USER_PTR(regs, 1));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_chroot")
int vigil_chroot(struct trace_event_raw_sys_exit *ctx)
{
	report_chroot(ctx->ret, USER_PTR(current_user_regs(), 0));
	return 0;
}
