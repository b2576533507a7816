// SPDX-License-Identifier: GPL-2.0
/*
 * Escapes and tampering: the system calls a container process uses to reach
 * past its own memory and namespaces — into another process (ptrace,
 * process_vm_writev), into the kernel (module loading, bpf, perf_event_open,
 * keyctl, userfaultfd) — or to run code that no file holds (memfd_create).
 * None of them is part of an ordinary workload, so every call is reported,
 * refused or not: the attempt is what a rule looks for.
 *
 * One exit tracepoint per system call. Each program reads the arguments from
 * the saved user registers and hands them, as values, to one report_* core
 * per system call, which a BPF-LSM variant of the hook can share.
 */
#include "syscall.bpf.h"

/* ---- another process's memory ---- */

/* UAPI values (vmlinux.h has no macros). */
#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206

static __always_inline void report_ptrace(long result, long request, long pid, __u64 addr, __u64 data)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_PTRACE, result);

	if (!e)
		return;
	e->args[0] = request;
	/* As the caller gave it: a pid in the caller's own pid namespace. */
	e->args[1] = pid;
	e->args[2] = addr;
	e->args[3] = data;
	/*
	 * Only an attach reaches the ptrace_access_check LSM hook; requests on a
	 * tracee already attached (and PTRACE_TRACEME) are decided here.
	 */
	syscall_event_submit_decided(s, e, &(struct enforce_input){ .value = request },
				     request == PTRACE_ATTACH || request == PTRACE_SEIZE);
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int vigil_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_ptrace(ctx->ret, syscall_regs_arg(regs, 0), syscall_regs_arg(regs, 1), syscall_regs_arg(regs, 2),
		      syscall_regs_arg(regs, 3));
	return 0;
}

static __always_inline void report_process_vm_writev(long result, long pid, __u64 local_iovcnt,
						     __u64 remote_iovcnt, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_PROCESS_VM_WRITEV, result);

	if (!e)
		return;
	e->args[0] = pid;
	e->args[1] = local_iovcnt;
	e->args[2] = remote_iovcnt;
	e->args[3] = flags;
	syscall_event_submit(s, e);
}

/* process_vm_writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags) */
SEC("tracepoint/syscalls/sys_exit_process_vm_writev")
int vigil_process_vm_writev(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_process_vm_writev(ctx->ret, (int)syscall_regs_arg(regs, 0), syscall_regs_arg(regs, 2),
				 syscall_regs_arg(regs, 4), syscall_regs_arg(regs, 5));
	return 0;
}

/* ---- kernel modules ---- */

/*
 * The file an fd of the current task refers to, or NULL. At a system call's
 * exit the caller's fd table still holds the fd it passed.
 */
static __always_inline struct file *current_fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline void report_init_module(long result, __u64 image_len, const char *params)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_INIT_MODULE, result);

	if (!e)
		return;
	e->args[0] = image_len;
	syscall_event_user_str(s, e, 0, params);
	syscall_event_submit(s, e);
}

/* init_module(image, len, params) */
SEC("tracepoint/syscalls/sys_exit_init_module")
int vigil_init_module(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_init_module(ctx->ret, syscall_regs_arg(regs, 1), (const char *)syscall_regs_arg(regs, 2));
	return 0;
}

/* module_file: what fd refers to, so the record names the module's file and not only a number. */
static __always_inline void report_finit_module(long result, long fd, const char *params, __u64 flags,
						struct file *module_file)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_FINIT_MODULE, result);

	if (!e)
		return;
	e->args[0] = fd;
	e->args[1] = flags;
	syscall_event_user_str(s, e, 0, params);
	/* f_path is const in recent kernels; syscall_event_path only reads it. */
	if (module_file)
		syscall_event_path(s, e, 1, (struct path *)&module_file->f_path);
	syscall_event_submit(s, e);
}

/* finit_module(fd, params, flags) */
SEC("tracepoint/syscalls/sys_exit_finit_module")
int vigil_finit_module(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();
	long fd = (int)syscall_regs_arg(regs, 0);

	report_finit_module(ctx->ret, fd, (const char *)syscall_regs_arg(regs, 1), (__u32)syscall_regs_arg(regs, 2),
			    current_fd_file(fd));
	return 0;
}

static __always_inline void report_delete_module(long result, const char *name, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_DELETE_MODULE, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_user_str(s, e, 0, name);
	syscall_event_submit(s, e);
}

/* delete_module(name, flags) */
SEC("tracepoint/syscalls/sys_exit_delete_module")
int vigil_delete_module(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_delete_module(ctx->ret, (const char *)syscall_regs_arg(regs, 0), (__u32)syscall_regs_arg(regs, 1));
	return 0;
}

/* ---- the kernel's other programmable interfaces ---- */

/*
 * What a bpf() call creates: the program type of BPF_PROG_LOAD or the map
 * type of BPF_MAP_CREATE, each the first u32 of union bpf_attr (ABI). 0 for
 * the other commands, and when attr is too short or unreadable.
 */
static __always_inline __u32 bpf_attr_object_type(long cmd, const void *uattr, __u64 size)
{
	__u32 type;

	if ((cmd != BPF_PROG_LOAD && cmd != BPF_MAP_CREATE) || size < sizeof(type))
		return 0;
	if (bpf_probe_read_user(&type, sizeof(type), uattr))
		return 0;
	return type;
}

static __always_inline void report_bpf(long result, long cmd, __u64 size, __u32 object_type)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_BPF, result);

	if (!e)
		return;
	e->args[0] = cmd;
	e->args[1] = size;
	e->args[2] = object_type;
	syscall_event_submit_decided(s, e, &(struct enforce_input){ .value = cmd }, true);
}

/* bpf(cmd, attr, size) */
SEC("tracepoint/syscalls/sys_exit_bpf")
int vigil_bpf(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();
	long cmd = (int)syscall_regs_arg(regs, 0);
	__u64 size = (__u32)syscall_regs_arg(regs, 2);

	report_bpf(ctx->ret, cmd, size, bpf_attr_object_type(cmd, (const void *)syscall_regs_arg(regs, 1), size));
	return 0;
}

/* The first fields of struct perf_event_attr, whose layout is ABI. */
struct perf_event_attr_head {
	__u32 type;
	__u32 size;
	__u64 config;
};

static __always_inline void report_perf_event_open(long result, const struct perf_event_attr_head *attr,
						   long pid, long cpu, long group_fd, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_PERF_EVENT_OPEN, result);

	if (!e)
		return;
	e->args[0] = attr->type;
	e->args[1] = attr->config;
	e->args[2] = pid;
	e->args[3] = cpu;
	e->args[4] = group_fd;
	e->args[5] = flags;
	syscall_event_submit(s, e);
}

/* perf_event_open(attr, pid, cpu, group_fd, flags) */
SEC("tracepoint/syscalls/sys_exit_perf_event_open")
int vigil_perf_event_open(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();
	struct perf_event_attr_head attr = {};

	/* Left zeroed when unreadable (the call then failed with EFAULT). */
	bpf_probe_read_user(&attr, sizeof(attr), (const void *)syscall_regs_arg(regs, 0));
	report_perf_event_open(ctx->ret, &attr, (int)syscall_regs_arg(regs, 1), (int)syscall_regs_arg(regs, 2),
			       (int)syscall_regs_arg(regs, 3), syscall_regs_arg(regs, 4));
	return 0;
}

static __always_inline void report_keyctl(long result, long operation, __u64 arg2, __u64 arg3, __u64 arg4,
					  __u64 arg5)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_KEYCTL, result);

	if (!e)
		return;
	e->args[0] = operation;
	e->args[1] = arg2;
	e->args[2] = arg3;
	e->args[3] = arg4;
	e->args[4] = arg5;
	syscall_event_submit(s, e);
}

/* keyctl(operation, arg2, arg3, arg4, arg5): what the arguments mean depends on the operation. */
SEC("tracepoint/syscalls/sys_exit_keyctl")
int vigil_keyctl(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_keyctl(ctx->ret, (int)syscall_regs_arg(regs, 0), syscall_regs_arg(regs, 1), syscall_regs_arg(regs, 2),
		      syscall_regs_arg(regs, 3), syscall_regs_arg(regs, 4));
	return 0;
}

/* userfaultfd lets a process stall the kernel mid-copy: a staple of kernel exploits. */
static __always_inline void report_userfaultfd(long result, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_USERFAULTFD, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_submit(s, e);
}

SEC("tracepoint/syscalls/sys_exit_userfaultfd")
int vigil_userfaultfd(struct trace_event_raw_sys_exit *ctx)
{
	report_userfaultfd(ctx->ret, (__u32)syscall_arg(0));
	return 0;
}

/* ---- code without a file ---- */

/* A memfd is where fileless malware puts the program it then execs (exec marks it VIGIL_EXE_MEMFD). */
static __always_inline void report_memfd_create(long result, const char *name, __u64 flags)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e = syscall_event_begin(&s, VIGIL_EVENT_MEMFD_CREATE, result);

	if (!e)
		return;
	e->args[0] = flags;
	syscall_event_user_str(s, e, 0, name);
	syscall_event_submit(s, e);
}

/* memfd_create(name, flags) */
SEC("tracepoint/syscalls/sys_exit_memfd_create")
int vigil_memfd_create(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_memfd_create(ctx->ret, (const char *)syscall_regs_arg(regs, 0), (__u32)syscall_regs_arg(regs, 1));
	return 0;
}
