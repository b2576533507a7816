/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enforcement: the one decision every decider makes (the LSM hooks in
 * lsm.bpf.c, the tracepoints where no LSM hook runs), from the policy the
 * agent wrote (include/vigil_enforce.h), and what follows from it.
 *
 *	cand = the terms of the event type, for the task's scope (host or container)
 *	for each string kind K: cand &= ~needs[K] | trie_K(the string)
 *	the lowest candidate whose numeric checks hold decides
 *
 * The first step is the only one nearly every operation takes: an empty mask
 * for its type (three array lookups that the verifier inlines). The agent,
 * what it forks, and the container runtime's setup are never decided on.
 *
 * Acting: with mode on, KILL sends SIGKILL to the process; DENY at an LSM
 * hook makes the operation fail with EPERM (an LSM kill does too, so the
 * operation never happens); DENY at a tracepoint, which cannot refuse
 * anything, falls back to KILL. With mode off nothing is done and the
 * verdict reads "would deny" / "would kill".
 */
#ifndef VIGIL_ENFORCE_BPF_H
#define VIGIL_ENFORCE_BPF_H

#include "vigil.bpf.h"

#define EPERM 1
#define SIGKILL 9

/* ---- maps (defined in maps.bpf.c; layouts in include/vigil_enforce.h) ---- */

struct vigil_enforce_config_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_enforce_config);
};
extern struct vigil_enforce_config_map enforce_config SEC(".maps");

struct vigil_enforce_terms_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_ENFORCE_SETS * VIGIL_ENFORCE_TERMS);
	__type(key, __u32);
	__type(value, struct vigil_enforce_term);
};
extern struct vigil_enforce_terms_map enforce_terms SEC(".maps");

struct vigil_enforce_types_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_ENFORCE_SETS * 2 * VIGIL_EVENT_TYPE_MAX);
	__type(key, __u32);
	__type(value, __u64);
};
extern struct vigil_enforce_types_map enforce_types SEC(".maps");

struct vigil_enforce_strings_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required by LPM tries */
	__uint(max_entries, VIGIL_ENFORCE_STRINGS);
	__type(key, struct vigil_enforce_str_key);
	__type(value, __u64);
};
extern struct vigil_enforce_strings_map enforce_paths SEC(".maps");
extern struct vigil_enforce_strings_map enforce_sources SEC(".maps");
extern struct vigil_enforce_strings_map enforce_fstypes SEC(".maps");

/*
 * An LSM hook's decision, per thread, for the exit tracepoint of the same
 * system call to stamp on the event it sends (the LSM hook runs before the
 * call's result exists). Taken, and cleared, by that exit.
 */
struct vigil_task_verdict {
	__u16 type;    /* enum vigil_event_type the decision was for */
	__u8 verdict;  /* enum vigil_verdict */
	__u8 hook;     /* enum vigil_hook */
};
struct vigil_task_verdict_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vigil_task_verdict);
};
extern struct vigil_task_verdict_map task_verdict SEC(".maps");

/*
 * Whether the capable events come from tp_btf/cap_capable (the kernel has the
 * tracepoint): else the LSM capable hook reports the checks it decides on.
 */
extern const volatile bool capable_tracepoint;

/* ---- the decision ---- */

/*
 * What an operation is decided on, beyond its type and task. Strings: NULL
 * for none (a term that checks that kind then cannot hold); in kernel memory
 * (a kernel string, or one built in scratch space) unless their bit is in
 * user_strs.
 */
struct enforce_input {
	const void *str[VIGIL_STR_KINDS];
	__u32 user_strs;  /* bit K: str[K] is in user memory */
	__u32 cap;        /* capable: the capability */
	__u32 arg_uid;    /* the id a set*id call asks for */
	__u32 _pad;
	__u64 flags;      /* unshare/clone flags, setns nstype */
	__u64 value;      /* ptrace request, bpf command */
};

struct enforce_decision {
	__u8 action;  /* enum vigil_enforce_action; NONE: no term holds */
	__u8 term;    /* the term that decided */
};

static __always_inline struct vigil_enforce_config *enforce_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&enforce_config, &zero);
}

/* The terms of `type` for host or container tasks, in the active set. */
static __always_inline __u64 enforce_type_terms(const struct vigil_enforce_config *cfg, __u32 type, bool host)
{
	__u32 set = cfg->active & 1;
	__u32 index = (set * 2 + (host ? 1 : 0)) * VIGIL_EVENT_TYPE_MAX + type;
	__u64 *mask = bpf_map_lookup_elem(&enforce_types, &index);

	return mask ? *mask : 0;
}

/* Whether an attached LSM hook decides `type` (the tracepoints then only report it). */
static __always_inline bool enforce_lsm_decides(__u32 type)
{
	struct vigil_enforce_config *cfg = enforce_config_get();

	return cfg && type < 64 && (cfg->lsm_types & (1ull << type));
}

/*
 * Never decided on: the agent and what it forks; a container task in its
 * runtime's setup (runc before the entrypoint). An exec is the end of the
 * setup, not part of it, so it is decided whatever the task's state: the
 * exec tracepoint marks the task before it decides, the LSM hook runs before
 * that mark.
 */
static __always_inline bool enforce_task_exempt(struct task_struct *task, __u32 type, bool host)
{
	struct task_struct *leader = task->group_leader;
	struct vigil_task_state *state;

	if ((__u32)task->tgid == agent_tgid)
		return true;
	state = bpf_task_storage_get(&task_state, leader, 0, 0);
	if (state && (state->flags & VIGIL_TASK_AGENT))
		return true;
	if (host || type == VIGIL_EVENT_EXEC)
		return false;
	return !state || !(state->flags & VIGIL_TASK_EXECED);
}

/*
 * The host, for enforcement: a task in the initial pid namespace. Stricter
 * than the event filter's task_is_host, which counts a task with a private
 * mount namespace as a container's: a host service with systemd's PrivateTmp=
 * has one, and a rule scoped to containers must never reach it (a deny rule
 * must not lock the host out). A container that shares the host's pid
 * namespace (docker run --pid host) is the host's here: only a rule with
 * `scope: host` or `scope: any` acts on it.
 */
static __always_inline bool enforce_task_is_host(struct task_struct *task)
{
	return task->thread_pid->level == 0;
}

/*
 * The terms that may decide `type` for `task`: those of its scope, none when
 * the task is exempt. The first test is the only one nearly every operation
 * takes: the type has no term for either scope.
 */
static __always_inline __u64 enforce_candidates(const struct vigil_enforce_config *cfg, __u32 type,
						struct task_struct *task, bool *host)
{
	__u64 cand = enforce_type_terms(cfg, type, false);
	__u64 cand_host = enforce_type_terms(cfg, type, true);

	if (!(cand | cand_host))
		return 0;
	*host = enforce_task_is_host(task);
	if (*host)
		cand = cand_host;
	if (!cand || enforce_task_exempt(task, type, *host))
		return 0;
	return cand;
}

/*
 * Whether a policy term may decide `type` for `task`: what a filter that
 * would drop the operation asks first, since the record of a decision is
 * always sent. The answer is nearly always no, after three array lookups.
 */
static __always_inline bool enforce_may_decide(__u32 type, struct task_struct *task)
{
	struct vigil_enforce_config *cfg = enforce_config_get();
	bool host;

	if (!cfg || type >= VIGIL_EVENT_TYPE_MAX)
		return false;
	return enforce_candidates(cfg, type, task, &host) != 0;
}

/*
 * The key of `str` in str_key: the set byte, then up to VIGIL_ENFORCE_STR_MAX
 * bytes of the string and its NUL when it fits (an exact entry ends with
 * its NUL, so only a string that ends there matches it). False when the
 * string cannot be read.
 */
static __always_inline bool enforce_str_key(struct vigil_scratch *s, __u32 set, const void *str, bool user)
{
	struct vigil_enforce_str_key *key = &s->str_key;
	long n;

	/* VIGIL_ENFORCE_STR_MAX + 1: the helper's NUL lands in str_key_spill after a full data[]. */
	if (user)
		n = bpf_probe_read_user_str(key->data, VIGIL_ENFORCE_STR_MAX + 1, str);
	else
		n = bpf_probe_read_kernel_str(key->data, VIGIL_ENFORCE_STR_MAX + 1, str);
	if (n <= 0)
		return false;
	if (n > VIGIL_ENFORCE_STR_MAX)
		n = VIGIL_ENFORCE_STR_MAX; /* cut: only prefix entries can match */
	key->set = set;
	key->prefixlen = 8 * (1 + n);
	return true;
}

static __always_inline void *enforce_trie(int kind)
{
	switch (kind) {
	case VIGIL_STR_PATH:
		return &enforce_paths;
	case VIGIL_STR_SOURCE:
		return &enforce_sources;
	default:
		return &enforce_fstypes;
	}
}

/* cand narrowed to the terms whose string checks hold. */
static __always_inline __u64 enforce_match_strings(struct vigil_scratch *s, const struct vigil_enforce_config *cfg,
						   __u64 cand, const struct enforce_input *in)
{
	__u32 set = cfg->active & 1;

#pragma unroll
	for (int kind = 0; kind < VIGIL_STR_KINDS; kind++) {
		__u64 needs = cfg->needs[set][kind], match = 0, *entry;

		if (!(cand & needs))
			continue;
		if (in->str[kind] && enforce_str_key(s, set, in->str[kind], in->user_strs & (1u << kind))) {
			entry = bpf_map_lookup_elem(enforce_trie(kind), &s->str_key);
			if (entry)
				match = *entry;
		}
		cand &= ~needs | match;
	}
	return cand;
}

static __always_inline bool enforce_compare(__u32 value, __u32 op, __u32 against)
{
	switch (op) {
	case VIGIL_CMP_EQ:
		return value == against;
	case VIGIL_CMP_NE:
		return value != against;
	case VIGIL_CMP_LT:
		return value < against;
	case VIGIL_CMP_LE:
		return value <= against;
	case VIGIL_CMP_GT:
		return value > against;
	case VIGIL_CMP_GE:
		return value >= against;
	default:
		return false;
	}
}

/* Whether a term's numeric checks hold for the operation. */
static __always_inline bool enforce_term_holds(const struct vigil_enforce_term *t, bool host, __u32 uid,
					       const struct enforce_input *in)
{
	__u16 checks = t->checks;

	if (!(t->scope & (host ? VIGIL_SCOPE_HOST : VIGIL_SCOPE_CONTAINER)))
		return false;
	if ((checks & VIGIL_CHECK_UID) && !enforce_compare(uid, t->uid_op, t->uid))
		return false;
	if ((checks & VIGIL_CHECK_ARG_UID) && !enforce_compare(in->arg_uid, t->arg_uid_op, t->arg_uid))
		return false;
	if ((checks & VIGIL_CHECK_CAP) && (in->cap >= 64 || !(t->caps & (1ull << in->cap))))
		return false;
	if ((checks & VIGIL_CHECK_FLAGS) && !(in->flags & t->flags_any))
		return false;
	if (checks & VIGIL_CHECK_VALUE) {
		bool found = false;

		for (__u32 i = 0; i < VIGIL_ENFORCE_VALUES; i++) {
			if (i >= t->n_values)
				break;
			if (t->values[i] == in->value) {
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

/*
 * Decide `type` for `task` (the current task) with the inputs `in`. Returns
 * the action of the lowest term that holds (the agent orders kill terms
 * first), VIGIL_ENFORCE_NONE when none does or the task is not decided on.
 */
static __always_inline struct enforce_decision enforce_decide(__u32 type, struct task_struct *task,
							      const struct enforce_input *in)
{
	struct enforce_decision d = { .action = VIGIL_ENFORCE_NONE };
	struct vigil_enforce_config *cfg = enforce_config_get();
	struct vigil_enforce_term *t;
	struct vigil_scratch *s;
	__u32 set, uid;
	bool host = false;
	__u64 cand;

	if (!cfg || type >= VIGIL_EVENT_TYPE_MAX)
		return d;
	cand = enforce_candidates(cfg, type, task, &host);
	if (!cand)
		return d;
	s = scratch_space();
	if (!s)
		return d;
	cand = enforce_match_strings(s, cfg, cand, in);
	if (!cand)
		return d;
	set = cfg->active & 1;
	uid = (__u32)bpf_get_current_uid_gid();
	/* Bounded, not unrolled: the verifier walks each term once. */
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < VIGIL_ENFORCE_TERMS; i++) {
		__u32 index;

		if (!(cand >> i))
			break;
		if (!((cand >> i) & 1))
			continue;
		index = set * VIGIL_ENFORCE_TERMS + i;
		t = bpf_map_lookup_elem(&enforce_terms, &index);
		if (!t || !enforce_term_holds(t, host, uid, in))
			continue;
		d.action = t->action;
		d.term = i;
		break;
	}
	return d;
}

/*
 * The verdict a decision comes to. lsm: the decider is an LSM hook, which
 * makes a DENIED or KILLED operation fail with EPERM; a tracepoint cannot,
 * and kills for a deny. A dry run says what would happen at that hook.
 */
static __always_inline __u8 enforce_verdict(struct enforce_decision d, bool lsm)
{
	struct vigil_enforce_config *cfg;
	bool kills;

	if (d.action == VIGIL_ENFORCE_NONE)
		return VIGIL_VERDICT_NONE;
	kills = d.action == VIGIL_ENFORCE_KILL || !lsm;
	cfg = enforce_config_get();
	if (!cfg || cfg->mode == VIGIL_ENFORCE_MODE_OFF)
		return kills ? VIGIL_VERDICT_WOULD_KILL : VIGIL_VERDICT_WOULD_DENY;
	return kills ? VIGIL_VERDICT_KILLED : VIGIL_VERDICT_DENIED;
}

/* Carry out a decision in the current task; returns its verdict. */
static __always_inline __u8 enforce_act(struct enforce_decision d, bool lsm)
{
	__u8 verdict = enforce_verdict(d, lsm);

	/* SIGKILL to the whole process, acted on before it returns to user space. */
	if (verdict == VIGIL_VERDICT_KILLED)
		bpf_send_signal(SIGKILL);
	return verdict;
}

/* What an LSM hook returns for a verdict: the operation fails when it is denied or killed. */
static __always_inline int enforce_lsm_return(__u8 verdict)
{
	return verdict == VIGIL_VERDICT_DENIED || verdict == VIGIL_VERDICT_KILLED ? -EPERM : 0;
}

/* Leave an LSM hook's verdict for the exit tracepoint of the same call. */
static __always_inline void enforce_leave_verdict(__u32 type, __u8 verdict)
{
	struct vigil_task_verdict *v;

	v = bpf_task_storage_get(&task_verdict, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		return;
	v->type = type;
	v->verdict = verdict;
	v->hook = VIGIL_HOOK_LSM;
}

/* Take the verdict an LSM hook left for `type` on the current thread (NONE if none), clearing it. */
static __always_inline __u8 enforce_take_verdict(__u32 type)
{
	struct vigil_task_verdict *v;
	__u8 verdict;

	v = bpf_task_storage_get(&task_verdict, bpf_get_current_task_btf(), 0, 0);
	if (!v || !v->verdict)
		return VIGIL_VERDICT_NONE;
	verdict = v->type == type ? v->verdict : VIGIL_VERDICT_NONE;
	v->verdict = VIGIL_VERDICT_NONE;
	return verdict;
}

/*
 * The verdict on an operation that a tracepoint reports, stamped on its
 * header: the one the LSM hook left when an LSM hook decides the type (and
 * did decide this call), else the tracepoint's own decision, carried out
 * (kill only). lsm_covers: the LSM hook sees this call; false for the calls
 * of an LSM-decided type that never reach its hook (ptrace requests other
 * than attach), which the tracepoint then decides itself.
 */
static __always_inline void enforce_at_tracepoint(struct vigil_event_header *hdr, __u32 type, bool lsm_covers,
						  const struct enforce_input *in)
{
	struct enforce_decision d;
	__u8 verdict;

	if (!enforce_may_decide(type, bpf_get_current_task_btf()))
		return;
	if (enforce_lsm_decides(type)) {
		verdict = enforce_take_verdict(type);
		if (verdict || lsm_covers) {
			if (verdict) {
				hdr->hook = VIGIL_HOOK_LSM;
				hdr->verdict = verdict;
			}
			return;
		}
	}
	d = enforce_decide(type, bpf_get_current_task_btf(), in);
	verdict = enforce_act(d, false);
	if (verdict) {
		hdr->hook = VIGIL_HOOK_TRACEPOINT;
		hdr->verdict = verdict;
	}
}

#endif /* VIGIL_ENFORCE_BPF_H */
