// SPDX-License-Identifier: GPL-2.0
/*
 * BPF-LSM enforcement: the hooks that decide an operation before it happens,
 * where the kernel runs BPF-LSM programs (the agent loads them only then, and
 * each only where the kernel's BTF has its hook). They decide and act; the
 * events stay the tracepoints': a hook leaves its verdict in task storage for
 * the exit tracepoint of the same system call to stamp on its record (hook:
 * lsm). Where no tracepoint follows, the hook sends the record itself: an
 * exec it refused (sched_process_exec never fires), and capability checks
 * on kernels without the cap_capable tracepoint.
 *
 * The signatures are those of include/linux/lsm_hook_defs.h, the same from
 * Linux 6.1 to 6.18 for the arguments read here (bpf gained a trailing
 * `kernel` in 6.9, which is not read).
 *
 * Every hook starts with the policy's mask for its event type: nearly always
 * empty, and then the hook costs a few array lookups. capable and file_open
 * run for every capability check and every open on the machine.
 */
#include "syscall.bpf.h"

/* System call numbers, for the hooks that also run outside the call they decide. */
#if defined(__TARGET_ARCH_x86)
#define NR_open 2
#define NR_ptrace 101
#define NR_creat 85
#define NR_openat 257
#elif defined(__TARGET_ARCH_arm64)
#define NR_open -1 /* arm64 has only openat and openat2 */
#define NR_ptrace 117
#define NR_creat -1
#define NR_openat 56
#else
#error "vigil's LSM programs need the system call numbers of this architecture"
#endif
#define NR_openat2 437 /* the same on every architecture */

/* include/linux/security.h */
#define LSM_SETID_ID 1
#define LSM_SETID_RE 2
#define LSM_SETID_RES 4
#define LSM_SETID_FS 8

/* Decide `type` for the current task at an LSM hook, act, and leave the verdict for the exit tracepoint. */
static __always_inline int lsm_decide(__u32 type, const struct enforce_input *in)
{
	__u8 verdict = enforce_act(enforce_decide(type, bpf_get_current_task_btf(), in), true);

	if (verdict)
		enforce_leave_verdict(type, verdict);
	return enforce_lsm_return(verdict);
}

/* ---- exec ---- */

/*
 * An exec refused here never reaches sched_process_exec, so its record is
 * sent from here: the process that tried (the header), the program it tried
 * (filename: its path as the task's root sees it), no argv or cwd.
 */
static __always_inline void report_refused_exec(struct vigil_scratch *s, struct task_struct *task,
						struct linux_binprm *bprm, __u64 pos, bool truncated, __u8 verdict)
{
	struct vigil_exec_event *e = (void *)s->record;
	__u64 len;

	fill_header(&e->hdr, VIGIL_EVENT_EXEC, task);
	e->hdr.hook = VIGIL_HOOK_LSM;
	e->hdr.verdict = verdict;
	if (truncated)
		e->hdr.flags |= VIGIL_F_TRUNCATED_PATH;
	e->argc = BPF_CORE_READ(bprm, argc);
	e->old_tid = e->hdr.pid;
	e->exe_flags = 0;
	e->tty = 0;
	e->_pad = 0;
	e->exe_ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	len = path_copy(e->tail, s, pos);
	barrier_var(len);
	if (len >= VIGIL_PATH_MAX)
		len = VIGIL_PATH_MAX - 1;
	e->filename.off = 0;
	e->filename.len = len;
	/* argv and cwd: empty, after the filename's NUL; one more NUL ends the cwd. */
	e->args.off = len + 1;
	e->args.len = 0;
	e->cwd.off = len + 1;
	e->cwd.len = 0;
	e->tail[len + 1] = '\0';
	e->hdr.size = sizeof(*e) + len + 2;
	submit(e, e->hdr.size, VIGIL_EVENT_EXEC);
}

/*
 * Runs for each program an exec loads: a script, then its interpreter. A
 * dry run's verdict is left for sched_process_exec to stamp.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(vigil_lsm_exec, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct enforce_input in = {};
	struct vigil_scratch *s;
	bool truncated = false;
	__u8 verdict;
	__u64 pos;

	if (!enforce_may_decide(VIGIL_EVENT_EXEC, task))
		return 0;
	s = scratch_space();
	if (!s)
		return 0;
	/* f_path is const in recent kernels; path_build only reads it. */
	pos = path_build(s, (struct path *)&bprm->file->f_path, &task->fs->root, &truncated);
	in.str[VIGIL_STR_PATH] = &s->path[pos & (VIGIL_PATH_MAX - 1)];
	verdict = enforce_act(enforce_decide(VIGIL_EVENT_EXEC, task, &in), true);
	if (verdict == VIGIL_VERDICT_NONE)
		return 0;
	if (enforce_lsm_return(verdict)) {
		report_refused_exec(s, task, bprm, pos, truncated, verdict);
		return -EPERM;
	}
	enforce_leave_verdict(VIGIL_EVENT_EXEC, verdict);
	return 0;
}

/* ---- files ---- */

/* The open event type of the system call the current task is in; 0 when it is no open (exec's own, say). */
static __always_inline __u32 current_open_type(void)
{
	__u32 nr = current_syscall_nr();

	if (nr == NR_openat)
		return VIGIL_EVENT_OPENAT;
	if (nr == NR_openat2)
		return VIGIL_EVENT_OPENAT2;
	if (nr == (__u32)NR_open || nr == (__u32)NR_creat)
		return VIGIL_EVENT_OPEN;
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(vigil_lsm_file_open, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct enforce_input in = {};
	struct vigil_scratch *s;
	bool truncated = false;
	__u32 type;
	__u64 pos;

	if (!enforce_may_decide(VIGIL_EVENT_OPENAT, task) && !enforce_may_decide(VIGIL_EVENT_OPEN, task) &&
	    !enforce_may_decide(VIGIL_EVENT_OPENAT2, task))
		return 0;
	type = current_open_type();
	if (!type)
		return 0;
	s = scratch_space();
	if (!s)
		return 0;
	/* f_path is const in recent kernels; path_build only reads it. */
	pos = path_build(s, (struct path *)&file->f_path, &task->fs->root, &truncated);
	in.str[VIGIL_STR_PATH] = &s->path[pos & (VIGIL_PATH_MAX - 1)];
	return lsm_decide(type, &in);
}

/* ---- mounts ---- */

/* mount(2): the target as the kernel looked it up; source and type as given (copied into the kernel). */
SEC("lsm/sb_mount")
int BPF_PROG(vigil_lsm_mount, const char *dev_name, const struct path *path, const char *type, unsigned long flags,
	     void *data)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct enforce_input in = {};
	struct vigil_scratch *s;
	bool truncated = false;
	__u64 pos;

	if (!enforce_may_decide(VIGIL_EVENT_MOUNT, task))
		return 0;
	s = scratch_space();
	if (!s)
		return 0;
	/* path_build only reads it. */
	pos = path_build(s, (struct path *)path, &task->fs->root, &truncated);
	in.str[VIGIL_STR_PATH] = &s->path[pos & (VIGIL_PATH_MAX - 1)];
	in.str[VIGIL_STR_SOURCE] = dev_name;
	in.str[VIGIL_STR_FSTYPE] = type;
	return lsm_decide(VIGIL_EVENT_MOUNT, &in);
}

/* ---- credentials ---- */

/*
 * The set*id family: which call (by the LSM_SETID_* flag) and the id it
 * asks for, as the kernel maps it (the initial user namespace's number).
 * setid: VIGIL_EVENT_SETUID or VIGIL_EVENT_SETGID, whose family's re, res and
 * fs calls follow it two apart in the ABI; ids: the new credentials' id,
 * effective id and filesystem id of the family.
 */
_Static_assert(VIGIL_EVENT_SETREUID == VIGIL_EVENT_SETUID + 2 && VIGIL_EVENT_SETRESGID == VIGIL_EVENT_SETGID + 4 &&
		       VIGIL_EVENT_SETFSUID == VIGIL_EVENT_SETUID + 6 && VIGIL_EVENT_SETFSGID == VIGIL_EVENT_SETGID + 6,
	       "the set*id types of a family are two apart");

static __always_inline int setid_decide(int flags, __u32 setid, __u32 id, __u32 eid, __u32 fsid)
{
	struct enforce_input in = {};
	__u32 type;

	switch (flags) {
	case LSM_SETID_ID:
		type = setid;
		in.arg_uid = id;
		break;
	case LSM_SETID_RE:
		type = setid + 2;
		in.arg_uid = eid;
		break;
	case LSM_SETID_RES:
		type = setid + 4;
		in.arg_uid = eid;
		break;
	case LSM_SETID_FS:
		type = setid + 6;
		in.arg_uid = fsid;
		break;
	default:
		return 0;
	}
	if (!enforce_may_decide(type, bpf_get_current_task_btf()))
		return 0;
	return lsm_decide(type, &in);
}

SEC("lsm/task_fix_setuid")
int BPF_PROG(vigil_lsm_setuid, struct cred *new, const struct cred *old, int flags)
{
	return setid_decide(flags, VIGIL_EVENT_SETUID, new->uid.val, new->euid.val, new->fsuid.val);
}

SEC("lsm/task_fix_setgid")
int BPF_PROG(vigil_lsm_setgid, struct cred *new, const struct cred *old, int flags)
{
	return setid_decide(flags, VIGIL_EVENT_SETGID, new->gid.val, new->egid.val, new->fsgid.val);
}

/*
 * Capability checks of the task's own credentials (as tp_btf/cap_capable
 * decides them: that tracepoint, where the kernel has it, fires before this
 * hook, makes the same decision and stamps it on the record it sends).
 * Without the tracepoint, a check decided here is reported from here.
 */
SEC("lsm/capable")
int BPF_PROG(vigil_lsm_capable, const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct enforce_input in = { .cap = cap };
	struct vigil_syscall_event *e;
	struct vigil_scratch *s;
	__u8 verdict;

	if (!enforce_may_decide(VIGIL_EVENT_CAPABLE, task) || (__u64)cred != (__u64)task->real_cred)
		return 0;
	verdict = enforce_act(enforce_decide(VIGIL_EVENT_CAPABLE, task, &in), true);
	if (verdict && !capable_tracepoint) {
		e = syscall_event_begin_as(&s, VIGIL_EVENT_CAPABLE, enforce_lsm_return(verdict), false);
		if (e) {
			e->args[0] = cap;
			e->args[1] = BPF_CORE_READ(ns, ns.inum);
			e->hdr.hook = VIGIL_HOOK_LSM;
			e->hdr.verdict = verdict;
			syscall_event_send(s, e);
		}
	}
	return enforce_lsm_return(verdict);
}

/* ---- escapes ---- */

/*
 * ptrace(PTRACE_ATTACH / PTRACE_SEIZE): the hook also runs for reads of
 * another process's /proc files, which are not decided here.
 */
SEC("lsm/ptrace_access_check")
int BPF_PROG(vigil_lsm_ptrace, struct task_struct *child, unsigned int mode)
{
	struct enforce_input in = {};

	if (!enforce_may_decide(VIGIL_EVENT_PTRACE, bpf_get_current_task_btf()) || current_syscall_nr() != NR_ptrace)
		return 0;
	in.value = syscall_arg(0);
	return lsm_decide(VIGIL_EVENT_PTRACE, &in);
}

/* finit_module: the kernel reads the module's file. */
SEC("lsm/kernel_read_file")
int BPF_PROG(vigil_lsm_finit_module, struct file *file, enum kernel_read_file_id id, bool contents)
{
	struct enforce_input in = {};

	if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE) ||
	    !enforce_may_decide(VIGIL_EVENT_FINIT_MODULE, bpf_get_current_task_btf()))
		return 0;
	return lsm_decide(VIGIL_EVENT_FINIT_MODULE, &in);
}

/* init_module: the module comes from the caller's memory. */
SEC("lsm/kernel_load_data")
int BPF_PROG(vigil_lsm_init_module, enum kernel_load_data_id id, bool contents)
{
	struct enforce_input in = {};

	if (id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE) ||
	    !enforce_may_decide(VIGIL_EVENT_INIT_MODULE, bpf_get_current_task_btf()))
		return 0;
	return lsm_decide(VIGIL_EVENT_INIT_MODULE, &in);
}

SEC("lsm/bpf")
int BPF_PROG(vigil_lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	struct enforce_input in = { .value = (__u32)cmd };

	if (!enforce_may_decide(VIGIL_EVENT_BPF, bpf_get_current_task_btf()))
		return 0;
	return lsm_decide(VIGIL_EVENT_BPF, &in);
}
