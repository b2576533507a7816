/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What enforcement's parts share: a condition multiplied out into literals
 * (enforce_dnf.c), the string and uid sets the constraints are made of
 * (enforce_sets.c), one literal applied on one event type (enforce_checks.c),
 * and the rule being compiled into kernel terms (enforce_terms.c), which
 * enforce.c puts together into the policy.
 */
#ifndef VIGIL_ENFORCE_INTERNAL_H
#define VIGIL_ENFORCE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce.h"
#include "rule_engine_internal.h"

/* Conjunctions a condition may multiply out to, and literals in one. */
#define DNF_MAX 1024
#define CONJ_LITERALS_MAX 256
/* Spans of a uid set while it is built (a final one has at most two). */
#define SPANS_MAX 16
/* Values of a set check while it is built (a final one has at most VIGIL_ENFORCE_VALUES). */
#define VALUES_BUILD_MAX 64
/* The largest uid. */
#define ID_MAX 0xffffffffu

#define BIT(t) RULE_EVENT_BIT(t)
#define CRED_TYPES                                                                                 \
	(BIT(VIGIL_EVENT_SETUID) | BIT(VIGIL_EVENT_SETGID) | BIT(VIGIL_EVENT_SETREUID) |          \
	 BIT(VIGIL_EVENT_SETREGID) | BIT(VIGIL_EVENT_SETRESUID) | BIT(VIGIL_EVENT_SETRESGID) |    \
	 BIT(VIGIL_EVENT_SETFSUID) | BIT(VIGIL_EVENT_SETFSGID))
#define OPEN_TYPES (BIT(VIGIL_EVENT_OPEN) | BIT(VIGIL_EVENT_OPENAT) | BIT(VIGIL_EVENT_OPENAT2))
#define NS_TYPES                                                                                   \
	(BIT(VIGIL_EVENT_UNSHARE) | BIT(VIGIL_EVENT_SETNS) | BIT(VIGIL_EVENT_CLONE) | BIT(VIGIL_EVENT_CLONE3))
/* The operations the kernel's enforcement decides. */
#define DECIDABLE_TYPES                                                                            \
	(BIT(VIGIL_EVENT_EXEC) | OPEN_TYPES | BIT(VIGIL_EVENT_MOUNT) | CRED_TYPES |                \
	 BIT(VIGIL_EVENT_CAPABLE) | BIT(VIGIL_EVENT_PTRACE) | BIT(VIGIL_EVENT_INIT_MODULE) |       \
	 BIT(VIGIL_EVENT_FINIT_MODULE) | BIT(VIGIL_EVENT_BPF) | NS_TYPES)

/* enforce_dnf.c */

struct literal {
	const struct node *n; /* NODE_TYPES or NODE_CHECK */
	bool negated;
};

struct conj {
	struct literal *lits;
	size_t n;
};

struct dnf {
	struct conj *items;
	size_t n;
};

enum dnf_status {
	DNF_OK = 0,
	DNF_OOM = -ENOMEM,
	DNF_TOO_BIG = -E2BIG,
};

void dnf_free(struct dnf *d);
/* n (negated: not n) as a disjunction of conjunctions, negations pushed down to the literals. */
int to_dnf(const struct rule_engine *e, const struct node *n, bool negated, struct dnf *out);

/* enforce_sets.c */

struct str_entry {
	char *bytes;
	size_t len;
	bool exact;
};

struct strset {
	struct str_entry *items;
	size_t n;
};

void strset_free(struct strset *s);
/* false on allocation failure */
bool strset_add(struct strset *s, const char *bytes, size_t len, bool exact);
/* Sorted, without duplicates, without entries a prefix of the set already takes. */
void strset_normalize(struct strset *s);
/* What both take: false on allocation failure. */
bool strset_intersect(struct strset *a, const struct strset *b, struct strset *out);
/* Equal once both are normalized. */
bool strset_equal(const struct strset *a, const struct strset *b);

/* Uid sets: sorted disjoint spans of [0, ID_MAX]. */
struct span {
	uint64_t lo, hi;
};

struct idset {
	struct span s[SPANS_MAX];
	size_t n;
};

/* Add [lo, hi], not below the last span's start. false: too many spans. */
bool idset_add(struct idset *set, uint64_t lo, uint64_t hi);
/* From unordered spans (overlapping allowed). false: too many. */
bool idset_from(struct idset *out, struct span *spans, size_t n);
void idset_complement(struct idset *set);
/* a := a and b. false: too many spans. */
bool idset_intersect(struct idset *a, const struct idset *b);
/* One comparison the kernel makes: false when the set is not one. *none: no check needed (every id). */
bool idset_to_cmp(const struct idset *set, uint32_t *op, uint32_t *value, bool *none);

/* enforce_terms.c */

/* The constraints of one conjunction on one event type. */
struct cand {
	uint8_t scope;                         /* VIGIL_SCOPE_* the condition allows */
	bool has_str[VIGIL_STR_KINDS];
	struct strset str[VIGIL_STR_KINDS];
	bool has_caps, has_flags, has_values, has_uid, has_arg_uid;
	uint64_t caps, flags;
	uint64_t values[VALUES_BUILD_MAX];
	size_t n_values;
	struct idset uid, arg_uid;
	const struct literal *uid_lit, *arg_uid_lit, *values_lit; /* for messages */
};

/* A term of one rule while it is built: the kernel's term and its strings. */
struct rterm {
	struct vigil_enforce_term t;
	struct strset str[VIGIL_STR_KINDS];
};

/* One rule being compiled. */
struct rule_build {
	const struct rule_engine *e;
	const struct compiled_rule *r;
	size_t index;
	char *error;          /* the first reason it cannot be compiled */
	bool oom;
	struct rterm *terms;
	size_t n_terms;
};

/* The reason a check cannot be decided in the kernel: the rule's first, kept in b->error. */
void fail_check(struct rule_build *b, const struct literal *l, const char *why);
/* A message about the rule as a whole, at its condition: fmt takes one %s, arg. */
void fail_rule(struct rule_build *b, const char *fmt, const char *arg);
/* Whether the term has strings of kind k. */
bool rterm_has_str(const struct rterm *t, int k);
void rule_build_free(struct rule_build *b);
/* A rule's terms into b: false with b->error (or b->oom). */
bool compile_rule_terms(struct rule_build *b);

/* enforce_checks.c */

enum apply {
	APPLY_OK,
	APPLY_FALSE,   /* the conjunction cannot hold on this type */
	APPLY_ERROR,   /* b->error says why */
};

/* What literal l allows on type: c narrowed, or false, or an error (with b->error or b->oom). */
enum apply apply_literal(struct rule_build *b, const struct literal *l, unsigned int type, struct cand *c);
/* qsort and bsearch order of uint64_t values. */
int u64_cmp(const void *pa, const void *pb);

#endif /* VIGIL_ENFORCE_INTERNAL_H */
