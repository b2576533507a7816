// SPDX-License-Identifier: GPL-2.0
/*
 * Credentials and capability use.
 *
 * The set*id family and capset: what the call asked for, and the thread's
 * ids (or capability sets) before and after it. "Before" is gone by the
 * syscall's exit, so an enter program keeps it per thread until the exit
 * program reports the call; "after" is the thread's cred at the exit.
 *
 * capable: the kernel's capability checks, for the capabilities in
 * capable_mask() only, of a container process's own credentials, after its
 * runtime's setup, and not those the kernel makes to account memory.
 */
#include "syscall.bpf.h"

/* Capability numbers (include/uapi/linux/capability.h): ABI, they never change. */
enum {
	CAP_DAC_OVERRIDE = 1,
	CAP_DAC_READ_SEARCH = 2,
	CAP_SETGID = 6,
	CAP_SETUID = 7,
	CAP_NET_ADMIN = 12,
	CAP_NET_RAW = 13,
	CAP_SYS_MODULE = 16,
	CAP_SYS_RAWIO = 17,
	CAP_SYS_PTRACE = 19,
	CAP_SYS_ADMIN = 21,
	CAP_SYS_BOOT = 22,
	CAP_SYS_TIME = 25,
	CAP_MKNOD = 27,
	CAP_MAC_ADMIN = 33,
	CAP_SYSLOG = 34,
	CAP_PERFMON = 38,
	CAP_BPF = 39,
};

#define CAP_BIT(cap) (1ull << (cap))

/*
 * The capabilities whose checks are always events: those that let a process
 * reach past its container (the host's kernel, devices, other processes, the
 * network stack, files it does not own). Checks of the others (CAP_CHOWN,
 * CAP_KILL, CAP_NET_BIND_SERVICE, ...) are what ordinary root processes do
 * all day.
 */
#define CAPABLE_DEFAULT_MASK                                                                             \
	(CAP_BIT(CAP_SYS_ADMIN) | CAP_BIT(CAP_SYS_MODULE) | CAP_BIT(CAP_SYS_PTRACE) | CAP_BIT(CAP_SYS_RAWIO) | \
	 CAP_BIT(CAP_SYS_BOOT) | CAP_BIT(CAP_SYS_TIME) | CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_NET_RAW) |       \
	 CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_DAC_OVERRIDE) | CAP_BIT(CAP_SETUID) | CAP_BIT(CAP_SETGID) | \
	 CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON) | CAP_BIT(CAP_MKNOD) | CAP_BIT(CAP_SYSLOG) |                 \
	 CAP_BIT(CAP_MAC_ADMIN))

/*
 * The capabilities the rules test besides those, one bit per capability: a
 * one-entry array that the agent writes after load and again on each reload of
 * the rules (user/loader.c), so that the set follows the rules while the
 * programs run. Found by name, like the file watch list.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} capable_rules SEC(".maps");

static __always_inline __u64 capable_mask(void)
{
	__u32 zero = 0;
	__u64 *rules = bpf_map_lookup_elem(&capable_rules, &zero);

	return CAPABLE_DEFAULT_MASK | (rules ? *rules : 0);
}

/* ---- the set*id family and capset ---- */

/* One kind of id of a cred: its uids or its gids. */
struct id_set {
	__u32 real;
	__u32 effective;
	__u32 saved;
	__u32 fs;
};

struct cap_sets {
	__u64 effective;
	__u64 permitted;
	__u64 inheritable;
};

/* What a thread held as it entered a credential syscall: ids for set*id, sets for capset. */
struct creds_before {
	struct id_set ids;
	struct cap_sets caps;
};

/*
 * Entries live from a syscall's entry to its exit, one per thread inside a
 * credential syscall: a handful at any time. A multi-threaded process's
 * setuid() makes the syscall in every thread (glibc's setxid broadcast),
 * hence the room. When the map is full the exit reports the old ids as
 * unknown, as when vigil started during the call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* thread id */
	__type(value, struct creds_before);
} creds_at_entry SEC(".maps");

/* Which part of a cred a syscall changes. */
enum cred_part {
	CRED_UIDS,
	CRED_GIDS,
	CRED_CAPS,
};

static __always_inline void read_ids(const struct cred *cred, enum cred_part part, struct id_set *ids)
{
	if (part == CRED_UIDS) {
		ids->real = BPF_CORE_READ(cred, uid.val);
		ids->effective = BPF_CORE_READ(cred, euid.val);
		ids->saved = BPF_CORE_READ(cred, suid.val);
		ids->fs = BPF_CORE_READ(cred, fsuid.val);
	} else {
		ids->real = BPF_CORE_READ(cred, gid.val);
		ids->effective = BPF_CORE_READ(cred, egid.val);
		ids->saved = BPF_CORE_READ(cred, sgid.val);
		ids->fs = BPF_CORE_READ(cred, fsgid.val);
	}
}

/*
 * kernel_cap_t is one u64 since 6.3 and two u32 (low word first) before it:
 * the same 8 bytes on a little-endian machine, so it is read as bytes.
 */
static __always_inline void read_caps(const struct cred *cred, struct cap_sets *caps)
{
	bpf_core_read(&caps->effective, sizeof(caps->effective), &cred->cap_effective);
	bpf_core_read(&caps->permitted, sizeof(caps->permitted), &cred->cap_permitted);
	bpf_core_read(&caps->inheritable, sizeof(caps->inheritable), &cred->cap_inheritable);
}

static __always_inline const struct cred *current_cred(void)
{
	return BPF_CORE_READ(bpf_get_current_task_btf(), cred);
}

/*
 * At a credential syscall's entry: keep the part of the cred it may change,
 * for the tasks that will be reported only (containers; the host too with
 * --host).
 */
static __always_inline int keep_at_entry(enum cred_part part)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct creds_before before = {};

	if (filter_out_task(task))
		return 0;
	if (part == CRED_CAPS)
		read_caps(current_cred(), &before.caps);
	else
		read_ids(current_cred(), part, &before.ids);
	bpf_map_update_elem(&creds_at_entry, &tid, &before, BPF_ANY);
	return 0;
}

/*
 * At the exit: take back what the entry kept. False when there is nothing:
 * vigil started while the thread was inside the syscall, or the map was full.
 */
static __always_inline bool take_kept_at_entry(struct creds_before *before)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct creds_before *kept = bpf_map_lookup_elem(&creds_at_entry, &tid);

	if (!kept)
		return false;
	/* Copied before the delete: a deleted element may be reused at once. */
	*before = *kept;
	bpf_map_delete_elem(&creds_at_entry, &tid);
	return true;
}

/*
 * The id a set*id call asks for, as enforcement checks it (VIGIL_CHECK_ARG_UID):
 * setuid's uid, setreuid's and setresuid's effective id, setfsuid's fs id;
 * the gid family's likewise.
 */
static __always_inline __u32 asked_id(__u16 type, const __u32 asked[3])
{
	switch (type) {
	case VIGIL_EVENT_SETREUID:
	case VIGIL_EVENT_SETREGID:
	case VIGIL_EVENT_SETRESUID:
	case VIGIL_EVENT_SETRESGID:
		return asked[1];
	default:
		return asked[0];
	}
}

/*
 * A set*id record: args[0..2] what was asked (unused ones 0), args[3..6] the
 * ids before, args[7..10] after (CRED_ROW in user/event_schema.c). Takes
 * values, so that a BPF-LSM variant (task_fix_setuid sees both creds) can
 * share it.
 */
static __always_inline void report_id_change(__u16 type, long result, const __u32 asked[3],
					     const struct id_set *before, const struct id_set *after)
{
	struct vigil_syscall_event *e;
	struct vigil_scratch *s;

	e = syscall_event_begin(&s, type, result);
	if (!e)
		return;
	for (int i = 0; i < 3; i++)
		e->args[i] = asked[i];
	e->args[3] = before->real;
	e->args[4] = before->effective;
	e->args[5] = before->saved;
	e->args[6] = before->fs;
	e->args[7] = after->real;
	e->args[8] = after->effective;
	e->args[9] = after->saved;
	e->args[10] = after->fs;
	syscall_event_submit_decided(s, e, &(struct enforce_input){ .arg_uid = asked_id(type, asked) }, true);
}

/*
 * The exit of a set*id syscall whose `nargs` arguments are ids of `part`.
 * The ids are the kernel's (as the initial user namespace numbers them), the
 * arguments as the process gave them: they differ in a user namespace.
 */
static __always_inline int id_syscall_exit(__u16 type, enum cred_part part, int nargs, long result)
{
	struct pt_regs *regs = current_user_regs();
	struct creds_before kept;
	struct id_set before, after;
	__u32 asked[3] = {};

	if (take_kept_at_entry(&kept)) {
		before = kept.ids;
	} else {
		/* Not seen entering: the old ids are unknown, (u32)-1 (-1 in JSON). */
		before.real = before.effective = before.saved = before.fs = (__u32)-1;
	}
	read_ids(current_cred(), part, &after);
	for (int i = 0; i < 3; i++)
		if (i < nargs)
			asked[i] = (__u32)syscall_regs_arg(regs, i);
	report_id_change(type, result, asked, &before, &after);
	return 0;
}

/*
 * A capset record: args[0] the pid the header named (0: the caller), args[1..3]
 * the sets after, args[4..6] before. Takes values, like report_id_change.
 */
static __always_inline void report_capset(long result, __s32 pid, const struct cap_sets *before,
					  const struct cap_sets *after)
{
	struct vigil_syscall_event *e;
	struct vigil_scratch *s;

	e = syscall_event_begin(&s, VIGIL_EVENT_CAPSET, result);
	if (!e)
		return;
	e->args[0] = (__u32)pid;
	e->args[1] = after->effective;
	e->args[2] = after->permitted;
	e->args[3] = after->inheritable;
	e->args[4] = before->effective;
	e->args[5] = before->permitted;
	e->args[6] = before->inheritable;
	syscall_event_submit(s, e);
}

#define CRED_SYSCALL(name, type, part, nargs)                                  \
	SEC("tracepoint/syscalls/sys_enter_" #name)                             \
	int vigil_##name##_enter(void *ctx)                                     \
	{                                                                       \
		return keep_at_entry(part);                                     \
	}                                                                       \
	SEC("tracepoint/syscalls/sys_exit_" #name)                              \
	int vigil_##name(struct trace_event_raw_sys_exit *ctx)                  \
	{                                                                       \
		return id_syscall_exit(type, part, nargs, ctx->ret);            \
	}

CRED_SYSCALL(setuid, VIGIL_EVENT_SETUID, CRED_UIDS, 1)
CRED_SYSCALL(setgid, VIGIL_EVENT_SETGID, CRED_GIDS, 1)
CRED_SYSCALL(setreuid, VIGIL_EVENT_SETREUID, CRED_UIDS, 2)
CRED_SYSCALL(setregid, VIGIL_EVENT_SETREGID, CRED_GIDS, 2)
CRED_SYSCALL(setresuid, VIGIL_EVENT_SETRESUID, CRED_UIDS, 3)
CRED_SYSCALL(setresgid, VIGIL_EVENT_SETRESGID, CRED_GIDS, 3)
/* These two return the previous fs id, never an error: result is that id. */
CRED_SYSCALL(setfsuid, VIGIL_EVENT_SETFSUID, CRED_UIDS, 1)
CRED_SYSCALL(setfsgid, VIGIL_EVENT_SETFSGID, CRED_GIDS, 1)

SEC("tracepoint/syscalls/sys_enter_capset")
int vigil_capset_enter(void *ctx)
{
	return keep_at_entry(CRED_CAPS);
}

SEC("tracepoint/syscalls/sys_exit_capset")
int vigil_capset(struct trace_event_raw_sys_exit *ctx)
{
	struct __user_cap_header_struct header;
	struct creds_before kept = {};
	struct cap_sets after;

	/* Not seen entering: the old sets are unknown and reported as 0 (none). */
	take_kept_at_entry(&kept);
	read_caps(current_cred(), &after);
	if (bpf_probe_read_user(&header, sizeof(header), (void *)syscall_arg(0)))
		header.pid = 0;
	report_capset(ctx->ret, header.pid, &kept.caps, &after);
	return 0;
}

/* ---- capable ---- */

/*
 * Whether a capability check is one to report: its capability is in
 * capable_mask(); the credentials checked are the task's own; and a container
 * process made it after its runtime's setup. Counts the others as filtered.
 *
 * The kernel also checks credentials that are not the task's: overlayfs acts
 * with its mounter's (for a container's root filesystem, dockerd's, which hold
 * every capability, so that a lookup in a container with none "uses"
 * CAP_SYS_ADMIN to read overlay xattrs), a file with its opener's, some
 * checks concern another task. They say nothing of what the task may do.
 * The runtime's setup (runc checks CAP_SYS_ADMIN hundreds of times before the
 * entrypoint runs) is not the container's doing: dropped, not marked.
 *
 * This runs for every capability check on the machine, so the tests go from
 * the cheapest: the mask reads one array element (a lookup the verifier
 * inlines), the cred test one pointer; the host (a look at its namespaces)
 * goes before the setup test, as it makes most of the checks.
 * syscall_event_begin repeats the last two, but only for checks that are sent
 * anyway.
 */
static __always_inline bool capable_check_wanted(int cap, const struct cred *cred)
{
	struct task_struct *task;

	if ((__u32)cap >= 64 || !(capable_mask() & CAP_BIT(cap)))
		goto filtered;
	task = bpf_get_current_task_btf();
	if ((__u64)cred != (__u64)task->real_cred)
		goto filtered;
	if (filter_out_task(task) || task_in_setup(task))
		goto filtered;
	return true;
filtered:
	count_filtered(VIGIL_EVENT_CAPABLE);
	return false;
}

/*
 * A capable record: args[0] the capability, args[1] the inode of the user
 * namespace it is checked against (the initial one: a privilege over the whole
 * machine). result: 0 granted, -EPERM denied, as the capability module
 * decided (another LSM may still deny). syscall_nr (syscall_event_begin):
 * the system call the task is in, the one that asked. hook, verdict: what
 * enforcement decided (capable_decide); a record with a verdict is sent
 * whatever the filters say.
 */
static __always_inline void report_capable(int cap, int result, struct user_namespace *target_ns, __u8 hook,
					   __u8 verdict)
{
	struct vigil_syscall_event *e;
	struct vigil_scratch *s;

	e = syscall_event_begin_as(&s, VIGIL_EVENT_CAPABLE, result, verdict == VIGIL_VERDICT_NONE);
	if (!e)
		return;
	e->args[0] = cap;
	e->args[1] = BPF_CORE_READ(target_ns, ns.inum);
	if (verdict) {
		e->hdr.hook = hook;
		e->hdr.verdict = verdict;
	}
	syscall_event_send(s, e);
}

/*
 * The kernel asks "is this task CAP_SYS_ADMIN?" each time it accounts memory
 * for a private writable mapping or a tmpfs page (mmap, brk, mprotect, the
 * copy of the address space in fork, exec, stack growth, tmpfs writes), to
 * leave root a reserve: security_vm_enough_memory_mm() calls cap_capable()
 * directly, with no security_capable() in between. That is dozens of checks
 * per process, denied in every container without CAP_SYS_ADMIN, and says
 * nothing about what the process does. The check carries no mark of its own;
 * it is recognised by where it is made, in two steps.
 */

/*
 * First, cheaply: all of them but the tmpfs ones are made while the task
 * holds its address space's mmap_lock for writing. Checks of the process's
 * own made under that lock are the odd driver's mmap handler, rare enough
 * to lose. A writer sets the lock's owner to itself (flag bits clear but
 * RWSEM_NONSPINNABLE) and clears it before it lets go; PREEMPT_RT's rwsem
 * has no owner, and there the stack decides.
 */
#define RWSEM_NONSPINNABLE 2ul

static __always_inline bool holds_own_mmap_lock_for_writing(struct task_struct *task)
{
	struct rw_semaphore *lock = &task->mm->mmap_lock;

	if (!bpf_core_field_exists(lock->owner))
		return false;
	return ((__u64)lock->owner.counter & ~RWSEM_NONSPINNABLE) == (__u64)task;
}

/*
 * Then, for the others (tmpfs pages, and every CAP_SYS_ADMIN check that is
 * not accounting), by the caller of cap_capable() on the kernel stack. The
 * walk costs about 1.5 us (measured on 6.18 x86-64): a container's tmpfs
 * writes pay it once a page.
 */
extern const void security_vm_enough_memory_mm __ksym __weak;

/*
 * Frames looked at: the BPF program, the tracepoint's glue, cap_capable, its
 * caller; one more on kernels where cap_vm_enough_memory does not tail-call it.
 */
#define ACCOUNTING_STACK_FRAMES 6
/*
 * Room for security_vm_enough_memory_mm's body (0x80 bytes on 6.18 x86-64).
 * What follows it in security/security.c (the bprm hooks) calls no
 * cap_capable() and is never among the first frames of a check, so a return
 * address this close to its start is in it.
 */
#define ACCOUNTING_CALLER_SPAN 0x100

static __always_inline bool called_for_accounting(void *ctx)
{
	__u64 caller_start = (__u64)&security_vm_enough_memory_mm;
	__u64 frames[ACCOUNTING_STACK_FRAMES];
	long size;

	if (!caller_start)
		return false;
	size = bpf_get_stack(ctx, frames, sizeof(frames), 0);
	for (int i = 0; i < ACCOUNTING_STACK_FRAMES; i++)
		if (i * (long)sizeof(frames[0]) < size && frames[i] - caller_start < ACCOUNTING_CALLER_SPAN)
			return true;
	return false;
}

static __always_inline bool is_memory_accounting_check(void *ctx, int cap)
{
	if (cap != CAP_SYS_ADMIN)
		return false;
	return holds_own_mmap_lock_for_writing(bpf_get_current_task_btf()) || called_for_accounting(ctx);
}

/*
 * Enforcement on a capability check. The check is decided only where the
 * capable LSM hook would see it: the task's own credentials, and not the
 * memory accounting checks (cap_vm_enough_memory calls cap_capable directly,
 * with no LSM hook). This tracepoint fires inside the capability module,
 * which runs before the BPF LSM: where the capable LSM hook is attached and
 * the capability module granted the check (result 0), that hook runs next,
 * makes the same decision (it is deterministic) and acts, so this only
 * stamps its verdict with hook=LSM. Otherwise no BPF LSM program sees the
 * check and this tracepoint acts itself (a kill).
 */
static __always_inline void capable_decide(void *ctx, int cap, int result, const struct cred *cred, __u8 *hook,
					   __u8 *verdict)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct enforce_input in = { .cap = cap };
	struct enforce_decision d;

	if (!enforce_may_decide(VIGIL_EVENT_CAPABLE, task) || (__u64)cred != (__u64)task->real_cred ||
	    is_memory_accounting_check(ctx, cap))
		return;
	d = enforce_decide(VIGIL_EVENT_CAPABLE, task, &in);
	if (result == 0 && enforce_lsm_decides(VIGIL_EVENT_CAPABLE)) {
		*hook = VIGIL_HOOK_LSM;
		*verdict = enforce_verdict(d, true);
	} else {
		*hook = VIGIL_HOOK_TRACEPOINT;
		*verdict = enforce_act(d, false);
	}
}

SEC("tp_btf/cap_capable")
int BPF_PROG(vigil_capable, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	__u8 hook = 0, verdict = VIGIL_VERDICT_NONE;

	capable_decide(ctx, cap, ret, cred, &hook, &verdict);
	if (verdict == VIGIL_VERDICT_NONE) {
		if (!capable_check_wanted(cap, cred))
			return 0;
		if (is_memory_accounting_check(ctx, cap)) {
			count_filtered(VIGIL_EVENT_CAPABLE);
			return 0;
		}
	}
	report_capable(cap, ret, target_ns, hook, verdict);
	return 0;
}
