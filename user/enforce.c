// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The deny and kill rules compiled for the kernel (include/vigil_enforce.h).
 *
 * A rule's compiled condition (struct node) is multiplied out into a
 * disjunction of conjunctions of literals (a type test, or a check, maybe
 * negated). Each conjunction is then decided per event type: on one type a
 * literal is false (a check of a field the type does not carry), vacuous (the
 * negation of such a check), or a constraint of one kind the kernel has: the
 * scope, a string set (exact strings and prefixes), a capability mask,
 * namespace flags, a set of values, an interval of uids. Constraints of one
 * kind are intersected exactly, or the rule is refused. What is left for each
 * type becomes a term; terms that differ in one mergeable part are merged
 * (types, scopes, masks, sets), so `evt.type in (a, b) and (x or y)` costs
 * one term, not four.
 *
 * Exactness is the rule: the kernel acts on exactly the events the rule
 * engine matches, or the rule does not load. Where a check's domain is small
 * (capabilities, flags, requests, commands, ids), it is decided by running
 * the check on every value of the domain, as their text prints.
 *
 * The parts: enforce_dnf.c multiplies a condition out, enforce_sets.c has the
 * string and uid sets, enforce_checks.c decides one literal on one type,
 * enforce_terms.c makes one rule's terms; this file puts the rules' terms
 * together into the policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "enforce_internal.h"

/* ---- the policy ---- */

static bool policy_add_string(struct enforce_policy *p, enum vigil_enforce_str_kind kind, const struct str_entry *x,
			      uint64_t bit)
{
	struct enforce_string *grown;

	for (size_t i = 0; i < p->n_strings; i++) {
		struct enforce_string *s = &p->strings[i];

		if (s->kind == kind && s->exact == x->exact && s->len == x->len && !memcmp(s->bytes, x->bytes, x->len)) {
			s->mask |= bit;
			return true;
		}
	}
	grown = realloc(p->strings, (p->n_strings + 1) * sizeof(*grown));
	if (!grown)
		return false;
	p->strings = grown;
	grown[p->n_strings] = (struct enforce_string){ .kind = kind, .len = x->len, .exact = x->exact, .mask = bit };
	grown[p->n_strings].bytes = malloc(x->len + 1);
	if (!grown[p->n_strings].bytes)
		return false;
	memcpy(grown[p->n_strings].bytes, x->bytes, x->len + 1);
	p->n_strings++;
	return true;
}

/* Entries of the kind that adding b's terms would make (before the budget is checked). */
static size_t strings_after(const struct enforce_policy *p, const struct rule_build *b, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_strings; i++)
		n += p->strings[i].kind == (enum vigil_enforce_str_kind)kind;
	for (size_t i = 0; i < b->n_terms; i++)
		n += b->terms[i].str[kind].n; /* an upper bound: shared entries count once in the end */
	return n;
}

/* Every entry's mask gets the masks of the shorter prefix entries of its kind that lead to it. */
static bool close_prefixes(struct enforce_policy *p)
{
	uint64_t *own = malloc((p->n_strings + 1) * sizeof(*own));

	if (!own)
		return false;
	for (size_t i = 0; i < p->n_strings; i++)
		own[i] = p->strings[i].mask;
	for (size_t i = 0; i < p->n_strings; i++) {
		struct enforce_string *s = &p->strings[i];

		for (size_t j = 0; j < p->n_strings; j++) {
			const struct enforce_string *q = &p->strings[j];

			if (i == j || q->exact || q->kind != s->kind || q->len > s->len)
				continue;
			if (!memcmp(q->bytes, s->bytes, q->len))
				s->mask |= own[j];
		}
	}
	free(own);
	return true;
}

typedef void (*fail_fn)(void *ctx, size_t rule, char *message);

/*
 * The enabled deny and kill rules of e into *out, kill rules first; each rule
 * that cannot be compiled goes to fail (which takes the message). Returns how
 * many failed, or -ENOMEM.
 */
static int compile_policy(const struct rule_engine *e, struct enforce_policy *out, fail_fn fail, void *ctx)
{
	static const enum rule_action order[] = { RULE_ACTION_KILL, RULE_ACTION_DENY };
	int failed = 0;

	memset(out, 0, sizeof(*out));
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < e->n_rules; i++) {
			const struct compiled_rule *r = &e->rules[i];
			struct rule_build b = { .e = e, .r = r, .index = i };
			bool over = false;

			if (r->info.status != RULE_LOADED || r->info.action != order[pass])
				continue;
			if (compile_rule_terms(&b)) {
				if (out->n_terms + b.n_terms > VIGIL_ENFORCE_TERMS) {
					char text[256];

					snprintf(text, sizeof(text),
						 "it needs %zu kernel terms, and with the %zu of the rules before it that is "
						 "more than the %d the kernel has room for",
						 b.n_terms, out->n_terms, VIGIL_ENFORCE_TERMS);
					fail_rule(&b, "%s", text);
					over = true;
				}
				for (int k = 0; !over && k < VIGIL_STR_KINDS; k++) {
					if (strings_after(out, &b, k) > VIGIL_ENFORCE_STRINGS / VIGIL_ENFORCE_SETS) {
						char text[256];

						snprintf(text, sizeof(text),
							 "with the rules before it, it needs more than the %d %s the kernel has "
							 "room for",
							 VIGIL_ENFORCE_STRINGS / VIGIL_ENFORCE_SETS,
							 k == VIGIL_STR_PATH ? "paths" : k == VIGIL_STR_SOURCE ? "mount sources"
													     : "filesystem types");
						fail_rule(&b, "%s", text);
						over = true;
					}
				}
			}
			if (b.oom) {
				rule_build_free(&b);
				enforce_policy_free(out);
				return -ENOMEM;
			}
			if (b.error) {
				fail(ctx, i, b.error);
				b.error = NULL;
				failed++;
				rule_build_free(&b);
				continue;
			}
			for (size_t j = 0; j < b.n_terms; j++) {
				size_t at = out->n_terms++;
				uint64_t bit = 1ull << at;
				const struct vigil_enforce_term *t = &b.terms[j].t;

				out->terms[at] = *t;
				for (unsigned int type = 1; type < VIGIL_EVENT_TYPE_MAX; type++) {
					if (!(t->types & BIT(type)))
						continue;
					if (t->scope & VIGIL_SCOPE_CONTAINER)
						out->types_container[type] |= bit;
					if (t->scope & VIGIL_SCOPE_HOST)
						out->types_host[type] |= bit;
				}
				if (t->action == VIGIL_ENFORCE_DENY)
					out->deny_types |= t->types;
				for (int k = 0; k < VIGIL_STR_KINDS; k++) {
					if (rterm_has_str(&b.terms[j], k))
						out->needs[k] |= bit;
					for (size_t s = 0; s < b.terms[j].str[k].n; s++) {
						if (!policy_add_string(out, (enum vigil_enforce_str_kind)k,
								       &b.terms[j].str[k].items[s], bit)) {
							rule_build_free(&b);
							enforce_policy_free(out);
							return -ENOMEM;
						}
					}
				}
			}
			if (r->info.action == RULE_ACTION_KILL)
				out->n_kill_rules++;
			else
				out->n_deny_rules++;
			rule_build_free(&b);
		}
	}
	if (!close_prefixes(out)) {
		enforce_policy_free(out);
		return -ENOMEM;
	}
	return failed;
}

struct report_ctx {
	void (*report)(const char *message, void *ctx);
	void *ctx;
};

static void report_message(void *ctx, size_t rule, char *message)
{
	struct report_ctx *rc = ctx;

	(void)rule;
	if (rc->report)
		rc->report(message, rc->ctx);
	free(message);
}

int enforce_compile(const struct rule_engine *engine, struct enforce_policy *out,
		    void (*report)(const char *message, void *ctx), void *ctx)
{
	struct report_ctx rc = { report, ctx };

	return compile_policy(engine, out, report_message, &rc);
}

void enforce_policy_free(struct enforce_policy *p)
{
	for (size_t i = 0; i < p->n_strings; i++)
		free(p->strings[i].bytes);
	free(p->strings);
	memset(p, 0, sizeof(*p));
}

/* ---- at rule load: the failures are the rules' ---- */

struct validate_ctx {
	struct rule_engine *e;
	bool oom;
};

static void mark_failed(void *ctx, size_t rule, char *message)
{
	struct validate_ctx *v = ctx;
	struct compiled_rule *r = &v->e->rules[rule];

	free((char *)r->info.error);
	r->info.error = message;
	r->info.status = RULE_FAILED;
	if (engine_add_message(v->e, &r->info.def->pos, true, strdup(message)))
		v->oom = true;
}

int enforce_validate(struct rule_engine *e)
{
	struct validate_ctx v = { .e = e };
	struct enforce_policy p;
	int err;

	/* Disabled rules are compiled too, so that their errors show (as the engine does). */
	for (size_t i = 0; i < e->n_rules && !v.oom; i++) {
		struct compiled_rule *r = &e->rules[i];
		struct rule_build b = { .e = e, .r = r, .index = i };

		if (r->info.action == RULE_ACTION_ALERT ||
		    (r->info.status != RULE_DISABLED && r->info.status != RULE_INERT))
			continue;
		if (!compile_rule_terms(&b) && !b.oom && b.error) {
			mark_failed(&v, i, b.error);
			b.error = NULL;
		}
		v.oom = v.oom || b.oom;
		rule_build_free(&b);
	}
	if (v.oom)
		return -ENOMEM;
	err = compile_policy(e, &p, mark_failed, &v);
	if (err < 0)
		return err;
	enforce_policy_free(&p);
	return v.oom ? -ENOMEM : 0;
}

/* ---- names ---- */

const char *enforce_verdict_name(uint8_t verdict)
{
	switch (verdict) {
	case VIGIL_VERDICT_DENIED:
		return "denied";
	case VIGIL_VERDICT_KILLED:
		return "killed";
	case VIGIL_VERDICT_WOULD_DENY:
		return "would deny";
	case VIGIL_VERDICT_WOULD_KILL:
		return "would kill";
	}
	return NULL;
}

const char *enforce_hook_name(uint8_t hook)
{
	switch (hook) {
	case VIGIL_HOOK_LSM:
		return "lsm";
	case VIGIL_HOOK_TRACEPOINT:
		return "tracepoint";
	}
	return NULL;
}
