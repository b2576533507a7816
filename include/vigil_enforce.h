/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The enforcement policy between the agent and the kernel: what the rules
 * with `action: deny` or `action: kill` become once compiled
 * (user/enforce.c), and what bpf/enforce.bpf.h consults at the LSM hooks and,
 * where the kernel has no BPF-LSM, at the tracepoints.
 *
 * A rule's condition is compiled to a disjunction of terms; each term is a
 * conjunction the kernel can decide exactly. A term holds:
 * - the event types it applies to (bit n: enum vigil_event_type n) and the
 *   scope (container processes, host processes or both);
 * - numeric checks, in the term itself (VIGIL_CHECK_*);
 * - string checks (a path, a mount's source, a mount's filesystem type): the
 *   term's bit in the value of the matching entry of the string trie of that
 *   kind. Strings are LPM-trie keys, so "starts with" and "equals" are both one
 *   lookup: an exact entry ends with its NUL, a prefix entry does not, and the
 *   agent ORs into every entry the bits of the shorter prefix entries that
 *   lead to it (a trie lookup returns the longest match only).
 *
 * The kernel decides an operation so:
 *	cand = types_container[set][type] or types_host[set][type], by the task's scope
 *	for each string kind K: cand &= ~cfg.needs[K] | trie_K[set, string]
 *	the lowest term of cand whose numeric checks hold decides (kill before deny:
 *	the agent orders kill terms first)
 *
 * Policies are double-buffered, so a reload never shows the kernel half a
 * policy: the agent writes the set that is not active (terms, type masks and
 * the first key byte of the trie entries name the set), then flips
 * vigil_enforce_config.active, then clears the old set.
 *
 * Like vigil_event.h: fixed-width types only and no includes.
 */
#ifndef VIGIL_ENFORCE_H
#define VIGIL_ENFORCE_H

/* Terms across all rules, per set: a term is one bit of a __u64. */
#define VIGIL_ENFORCE_TERMS 64
#define VIGIL_ENFORCE_SETS 2
/* Values in a term's set check (ptrace requests, bpf commands). */
#define VIGIL_ENFORCE_VALUES 8
/* Bytes of a string a trie compares, the set byte not counted. */
#define VIGIL_ENFORCE_STR_MAX 127
/* Entries per string trie (both sets). */
#define VIGIL_ENFORCE_STRINGS 1024

/* What a term does. */
enum vigil_enforce_action {
	VIGIL_ENFORCE_NONE = 0,
	VIGIL_ENFORCE_DENY = 1, /* the operation fails with EPERM (LSM); else falls back to KILL */
	VIGIL_ENFORCE_KILL = 2, /* SIGKILL to the process */
};

/* vigil_enforce_term.scope: which tasks the term applies to. */
#define VIGIL_SCOPE_CONTAINER (1u << 0) /* not the host (see task_is_host) */
#define VIGIL_SCOPE_HOST      (1u << 1) /* the host: only with the rule's explicit `scope: host|any` */

/* vigil_enforce_term.checks: which numeric checks the term has (all must hold). */
#define VIGIL_CHECK_UID      (1u << 0) /* the caller's uid, compared by uid_op */
#define VIGIL_CHECK_ARG_UID  (1u << 1) /* the id a set*id call asks for (setuid's uid, setreuid/setresuid's euid,
					* setfsuid's fsuid; the gid family's likewise), compared by arg_uid_op */
#define VIGIL_CHECK_CAP      (1u << 2) /* capable: the capability's bit is set in caps */
#define VIGIL_CHECK_FLAGS    (1u << 3) /* unshare/clone/clone3 flags, setns nstype: (flags & flags_any) != 0 */
#define VIGIL_CHECK_VALUE    (1u << 4) /* ptrace request, bpf cmd: one of values[0..n_values) */

/* How uid and arg_uid compare: the event's value OP the term's. */
enum vigil_enforce_cmp {
	VIGIL_CMP_EQ = 0,
	VIGIL_CMP_NE = 1,
	VIGIL_CMP_LT = 2,
	VIGIL_CMP_LE = 3,
	VIGIL_CMP_GT = 4,
	VIGIL_CMP_GE = 5,
};

/* The string kinds, each its own trie. */
enum vigil_enforce_str_kind {
	/*
	 * The operation's path, resolved by the kernel: the file opened
	 * (open/openat/openat2), the program executed (exec), a mount's target.
	 */
	VIGIL_STR_PATH = 0,
	VIGIL_STR_SOURCE = 1, /* a mount's source (device or folder), as given */
	VIGIL_STR_FSTYPE = 2, /* a mount's filesystem type, exact */
	VIGIL_STR_KINDS = 3,
};

struct vigil_enforce_term {
	__u64 types;          /* event types (bit n: enum vigil_event_type n) */
	__u32 rule;           /* the rule's index in the agent's set, for logs */
	__u8 action;          /* enum vigil_enforce_action */
	__u8 scope;           /* VIGIL_SCOPE_* */
	__u16 checks;         /* VIGIL_CHECK_* */
	__u64 caps;           /* VIGIL_CHECK_CAP */
	__u64 flags_any;      /* VIGIL_CHECK_FLAGS */
	__u32 uid_op;         /* enum vigil_enforce_cmp */
	__u32 uid;
	__u32 arg_uid_op;     /* enum vigil_enforce_cmp */
	__u32 arg_uid;
	__u32 n_values;       /* VIGIL_CHECK_VALUE, at most VIGIL_ENFORCE_VALUES */
	__u32 _pad;
	__u64 values[VIGIL_ENFORCE_VALUES];
};

/* Key of the string tries: prefixlen in bits counts the set byte and the string's bytes (and its NUL if exact). */
struct vigil_enforce_str_key {
	__u32 prefixlen;
	__u8 set;                              /* the policy set, 0 or 1 */
	__u8 data[VIGIL_ENFORCE_STR_MAX];      /* the string; an exact entry's NUL is part of its length */
};

/* Mode of the whole policy. */
enum vigil_enforce_mode {
	VIGIL_ENFORCE_MODE_ON = 0,  /* act */
	VIGIL_ENFORCE_MODE_OFF = 1, /* dry run: decide and report "would deny/kill", act on nothing */
};

/* The one entry of the enforce_config array map. */
struct vigil_enforce_config {
	__u32 active;                          /* the set in force: 0 or 1 */
	__u32 mode;                            /* enum vigil_enforce_mode */
	__u64 needs[VIGIL_ENFORCE_SETS][VIGIL_STR_KINDS]; /* per set: the terms that have a check of that kind */
	/*
	 * The event types whose decision an attached LSM hook makes; the
	 * tracepoints decide the others (kill only). Set by the agent after attach.
	 */
	__u64 lsm_types;
};

/*
 * Maps (bpf/maps.bpf.c), with these layouts:
 *	enforce_config      ARRAY[1] of struct vigil_enforce_config
 *	enforce_terms       ARRAY[VIGIL_ENFORCE_SETS * VIGIL_ENFORCE_TERMS] of struct vigil_enforce_term,
 *	                    index set * VIGIL_ENFORCE_TERMS + term
 *	enforce_types       ARRAY[VIGIL_ENFORCE_SETS * 2 * VIGIL_EVENT_TYPE_MAX] of __u64 (term mask),
 *	                    index (set * 2 + (host ? 1 : 0)) * VIGIL_EVENT_TYPE_MAX + type
 *	enforce_paths, enforce_sources, enforce_fstypes
 *	                    LPM_TRIE[VIGIL_ENFORCE_STRINGS] of struct vigil_enforce_str_key -> __u64 (term mask)
 */

#endif /* VIGIL_ENFORCE_H */
