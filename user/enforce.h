/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Enforcement: the rules with `action: deny` or `action: kill`, compiled into
 * the policy the kernel decides with (include/vigil_enforce.h). A rule whose
 * condition the kernel cannot decide exactly is an error that names the part
 * it cannot: enforcement never acts on a guess, and userspace never disagrees
 * with the kernel about what matched.
 */
#ifndef VIGIL_ENFORCE_USER_H
#define VIGIL_ENFORCE_USER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil_event.h"
#include "vigil_enforce.h"

struct rule_engine;

/* One string check's entry in the trie of its kind. */
struct enforce_string {
	enum vigil_enforce_str_kind kind;
	char *bytes;       /* the string (not NUL-terminated in len) */
	size_t len;        /* at most VIGIL_ENFORCE_STR_MAX - 1 for exact, VIGIL_ENFORCE_STR_MAX for prefix */
	bool exact;        /* the whole string; else a prefix */
	uint64_t mask;     /* the terms it satisfies, closed over the shorter prefixes that lead to it */
};

struct enforce_policy {
	struct vigil_enforce_term terms[VIGIL_ENFORCE_TERMS]; /* kill terms first, then deny */
	size_t n_terms;
	uint64_t types_container[VIGIL_EVENT_TYPE_MAX];       /* terms by event type, for container tasks */
	uint64_t types_host[VIGIL_EVENT_TYPE_MAX];            /* ... for host tasks */
	uint64_t needs[VIGIL_STR_KINDS];                      /* terms with a check of that string kind */
	struct enforce_string *strings;
	size_t n_strings;
	size_t n_deny_rules, n_kill_rules;                    /* enabled rules compiled, by action */
	uint64_t deny_types;                                  /* event types some deny term applies to */
};

/*
 * Compile the enabled deny and kill rules of engine into *out (zeroed first;
 * free with enforce_policy_free). Returns the number of rules that could not
 * be compiled; each gets one message through report ("file:line:col: rule
 * 'NAME' (action: deny): <the part> cannot be decided in the kernel: <why>"),
 * and is left out of the policy. -ENOMEM on allocation failure.
 */
int enforce_compile(const struct rule_engine *engine, struct enforce_policy *out,
		    void (*report)(const char *message, void *ctx), void *ctx);
void enforce_policy_free(struct enforce_policy *p);

/* "denied", "killed", "would deny", "would kill", or NULL for VIGIL_VERDICT_NONE / unknown. */
const char *enforce_verdict_name(uint8_t verdict);
/* "lsm" or "tracepoint", or NULL. */
const char *enforce_hook_name(uint8_t hook);

#endif /* VIGIL_ENFORCE_USER_H */
