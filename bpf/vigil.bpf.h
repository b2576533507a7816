/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by every bpf/<concern>.bpf.c: the maps and filter settings (defined
 * once, in maps.bpf.c, and linked by `bpftool gen object`), and the helpers
 * that read the current task into an event header.
 */
#ifndef VIGIL_BPF_H
#define VIGIL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "vigil_event.h"
#include "vigil_enforce.h"

/* ---- maps (defined in maps.bpf.c) ---- */

struct vigil_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the agent before load */
};
extern struct vigil_events_map events SEC(".maps");

struct vigil_counters_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_EVENT_TYPE_MAX);
	__type(key, __u32);
	__type(value, struct vigil_counters);
};
extern struct vigil_counters_map counters SEC(".maps");

/* Per-CPU room to build the largest record: too big for the 512-byte stack. */
struct vigil_scratch {
	/* A path is assembled back to front here before it is copied to the tail. */
	char path[VIGIL_PATH_MAX * 2];
	/*
	 * Where the path being assembled starts. Kept here, not in a register, on
	 * purpose: a map value is an unknown to the verifier, so every iteration
	 * of the dentry walk looks alike and its states are pruned; a register
	 * carries a different range each time round and the walk's states
	 * multiply past the verifier's limit.
	 */
	__u32 path_pos;
	/* Bytes of a syscall record's tail in use, kept here for the same reason. */
	__u32 tail_used;
	/*
	 * The record being built is sent only if enforcement gives it a verdict:
	 * a filter would have dropped it, but a policy may decide on it (see
	 * syscall_event_begin_as).
	 */
	__u32 unwanted;
	__u32 _pad;
	/* The key of a string lookup in an enforcement trie (enforce.bpf.h). */
	struct vigil_enforce_str_key str_key;
	/* Room for the NUL that bpf_probe_read_*_str writes after a full str_key.data. */
	char str_key_spill;
	/* The record, cast to its event type. */
	__u8 record[VIGIL_EVENT_SIZE_MAX] __attribute__((aligned(8)));
};
struct vigil_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_scratch);
};
extern struct vigil_scratch_map scratch SEC(".maps");

/*
 * Per-process state, on thread-group leaders only (threads look at their
 * leader's). VIGIL_TASK_EXECED: the process, or an ancestor it forked from,
 * exec'd inside its container; a container task without it is the runtime's
 * setup (runc before the entrypoint). Set by the exec program, copied to
 * children by the fork program, and seeded by the agent at start for the
 * processes that already run.
 */
#define VIGIL_TASK_EXECED (1u << 0)
/*
 * The agent's own process, and everything it forks (the fork program copies
 * the flags): never decided on by enforcement. Set by the agent at start.
 */
#define VIGIL_TASK_AGENT (1u << 1)

struct vigil_task_state {
	__u32 flags;
};
struct vigil_task_state_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vigil_task_state);
};
extern struct vigil_task_state_map task_state SEC(".maps");

/* ---- filter settings, set by the agent between open and load ---- */

/* Report host processes too (default: containers only). */
extern const volatile bool monitor_host;
/* The host's mount namespace (the host's pid namespace is the initial one). */
extern const volatile __u64 host_mntns_ino;
/* The agent's own process: never reported, so it cannot feed on itself. */
extern const volatile __u32 agent_tgid;

/* ---- counters ---- */

static __always_inline struct vigil_counters *counters_slot(__u32 type)
{
	return bpf_map_lookup_elem(&counters, &type);
}

static __always_inline void count_emitted(__u32 type)
{
	struct vigil_counters *c = counters_slot(type);

	if (c)
		c->emitted++;
}

static __always_inline void count_dropped(__u32 type)
{
	struct vigil_counters *c = counters_slot(type);

	if (c)
		c->dropped++;
}

static __always_inline void count_filtered(__u32 type)
{
	struct vigil_counters *c = counters_slot(type);

	if (c)
		c->filtered++;
}

/*
 * ---- extract: one field of one kernel structure ----
 *
 * The task pointers these take are typed (tp_btf arguments,
 * bpf_get_current_task_btf()), so fields are read with plain loads, which
 * CO-RE still relocates and the kernel guards against faults. A
 * BPF_CORE_READ would make a helper call per pointer: on the host filter that
 * every hooked syscall runs, 255 ns against 90 ns measured here.
 */

static __always_inline __u64 task_mntns_ino(struct task_struct *task)
{
	return task->nsproxy->mnt_ns->ns.inum;
}

static __always_inline __u32 task_pidns_ino(struct task_struct *task)
{
	/* numbers[] is indexed by a runtime value: that needs a probe read. */
	unsigned int level = task->thread_pid->level;

	return BPF_CORE_READ(task, thread_pid, numbers[level].ns, ns.inum);
}

/* The process id as its own pid namespace numbers it. */
static __always_inline __u32 task_vtgid(struct task_struct *task)
{
	struct pid *pid = task->group_leader->thread_pid;
	unsigned int level = pid->level;

	return BPF_CORE_READ(pid, numbers[level].nr);
}

static __always_inline __u32 task_loginuid(struct task_struct *task)
{
	/* loginuid exists only with CONFIG_AUDITSYSCALL. */
	if (bpf_core_field_exists(task->loginuid))
		return BPF_CORE_READ(task, loginuid.val);
	return (__u32)-1;
}

/*
 * The in-kernel part of "containers only": a task in the initial pid
 * namespace (level 0) and the host's mount namespace is a host task. Tasks in
 * other namespaces pass and the agent decides from the cgroup path; a host
 * service with a private mount namespace (systemd's PrivateTmp=) costs one
 * event that the agent drops.
 */
static __always_inline bool task_is_host(struct task_struct *task)
{
	return task->thread_pid->level == 0 && task_mntns_ino(task) == host_mntns_ino;
}

static __always_inline bool filter_out_task(struct task_struct *task)
{
	if ((__u32)task->tgid == agent_tgid)
		return true;
	return !monitor_host && task_is_host(task);
}

/* The runtime's setup of a container task (see VIGIL_TASK_EXECED); never true for the host. */
static __always_inline bool task_in_setup(struct task_struct *task)
{
	/* A direct read keeps the pointer typed, as the storage helper needs. */
	struct task_struct *leader = task->group_leader;
	struct vigil_task_state *state;

	if (task_is_host(task))
		return false;
	state = bpf_task_storage_get(&task_state, leader, 0, 0);
	return !state || !(state->flags & VIGIL_TASK_EXECED);
}

/*
 * kernel_cap_t is one u64 since 6.3 (commit f122a08b197d) and two u32 (low
 * word first) before it: the same 8 bytes on a little-endian machine, read as
 * bytes where the u64 is not there.
 */
static __always_inline void task_caps(struct task_struct *task, __u64 *effective, __u64 *permitted)
{
	const struct cred *cred = task->cred;

	if (bpf_core_field_exists(cred->cap_effective.val)) {
		*effective = cred->cap_effective.val;
		*permitted = cred->cap_permitted.val;
	} else {
		bpf_core_read(effective, sizeof(*effective), &cred->cap_effective);
		bpf_core_read(permitted, sizeof(*permitted), &cred->cap_permitted);
	}
}

/* ---- store: the common header of the current task ---- */

static __always_inline void fill_header(struct vigil_event_header *hdr, __u16 type,
					struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	hdr->type = type;
	hdr->hook = VIGIL_HOOK_TRACEPOINT;
	hdr->verdict = VIGIL_VERDICT_NONE;
	hdr->flags = 0;
	hdr->ts_boot_ns = bpf_ktime_get_boot_ns();
	hdr->tgid = pid_tgid >> 32;
	hdr->pid = (__u32)pid_tgid;
	hdr->ppid = task->real_parent->tgid;
	hdr->vpid = task_vtgid(task);
	hdr->uid = (__u32)uid_gid;
	hdr->gid = uid_gid >> 32;
	hdr->euid = task->cred->euid.val;
	hdr->egid = task->cred->egid.val;
	hdr->loginuid = task_loginuid(task);
	hdr->pidns_ino = task_pidns_ino(task);
	hdr->mntns_ino = task_mntns_ino(task);
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
	task_caps(task, &hdr->cap_effective, &hdr->cap_permitted);
}

/*
 * When to wake the agent. Waking the ring buffer's reader costs an irq_work
 * and a context switch, which under virtualisation measured ~7 us per event
 * here, inside the hook: most of what a watched fork+exec paid. So the reader
 * is woken only when it has not been for VIGIL_WAKEUP_INTERVAL_NS, or when a
 * burst has filled VIGIL_WAKEUP_BYTES; in between it polls with a timeout
 * (the agent's POLL_TIMEOUT_MS), which bounds how long a quiet event waits.
 */
#define VIGIL_WAKEUP_INTERVAL_NS (2ull * 1000 * 1000)
#define VIGIL_WAKEUP_BYTES (256u * 1024)

extern __u64 last_wakeup_ns;

static __always_inline __u64 wakeup_flags(__u64 now_ns)
{
	/* Racy across CPUs on purpose: a wakeup more or less is harmless. */
	if (now_ns - last_wakeup_ns >= VIGIL_WAKEUP_INTERVAL_NS ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= VIGIL_WAKEUP_BYTES) {
		last_wakeup_ns = now_ns;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/*
 * Send a record built in scratch space. Records are variable-length, so they
 * are copied with bpf_ringbuf_output rather than reserved at the largest size.
 */
static __always_inline void submit(void *record, __u64 size, __u32 type)
{
	struct vigil_event_header *hdr = record;

	if (size > VIGIL_EVENT_SIZE_MAX)
		size = VIGIL_EVENT_SIZE_MAX;
	if (bpf_ringbuf_output(&events, record, size, wakeup_flags(hdr->ts_boot_ns)))
		count_dropped(type);
	else
		count_emitted(type);
}

/* Commit a record reserved in the ring buffer. */
static __always_inline void submit_reserved(struct vigil_event_header *hdr, __u32 type)
{
	bpf_ringbuf_submit(hdr, wakeup_flags(hdr->ts_boot_ns));
	count_emitted(type);
}

static __always_inline struct vigil_scratch *scratch_space(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

#endif /* VIGIL_BPF_H */
