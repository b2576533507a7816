// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Enforcement's compiler, given any bytes as a rules file: what loads is
 * compiled by the engine (which runs enforce_validate) and then into the
 * kernel's policy. The policy must hold what the ABI promises: at most
 * VIGIL_ENFORCE_TERMS terms, kill before deny, each term's rule a deny or kill
 * rule that loaded, the type tables and needs made of existing terms, string
 * entries within their bounds with closed masks. A crash, a sanitizer report
 * or an abort() is a bug.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "rule_engine.h"
#include "rule_loader.h"

/* Every rule that cannot be compiled failed when the engine compiled: nothing is left to report. */
static void no_report(const char *message, void *ctx)
{
	(void)message, (void)ctx;
	abort();
}

static void check_policy(const struct rule_engine *engine, const struct enforce_policy *p)
{
	uint64_t all = p->n_terms == 64 ? ~0ull : (1ull << p->n_terms) - 1;
	bool deny_seen = false;

	if (p->n_terms > VIGIL_ENFORCE_TERMS)
		abort();
	for (size_t i = 0; i < p->n_terms; i++) {
		const struct vigil_enforce_term *t = &p->terms[i];
		const struct rule_info *r = rule_engine_rule(engine, t->rule);

		if (!r || r->status != RULE_LOADED || r->action == RULE_ACTION_ALERT || !t->types || !t->scope)
			abort();
		if ((t->action == VIGIL_ENFORCE_KILL) != (r->action == RULE_ACTION_KILL))
			abort();
		if (t->action == VIGIL_ENFORCE_KILL && deny_seen)
			abort();
		deny_seen |= t->action == VIGIL_ENFORCE_DENY;
		if (t->n_values > VIGIL_ENFORCE_VALUES || ((t->checks & VIGIL_CHECK_VALUE) && !t->n_values))
			abort();
	}
	for (unsigned int type = 0; type < VIGIL_EVENT_TYPE_MAX; type++)
		if ((p->types_container[type] | p->types_host[type]) & ~all)
			abort();
	for (int k = 0; k < VIGIL_STR_KINDS; k++)
		if (p->needs[k] & ~all)
			abort();
	for (size_t i = 0; i < p->n_strings; i++) {
		const struct enforce_string *s = &p->strings[i];

		if (!s->mask || (s->mask & ~all) || (s->mask & ~p->needs[s->kind]))
			abort();
		if (s->len > (s->exact ? VIGIL_ENFORCE_STR_MAX - 1 : VIGIL_ENFORCE_STR_MAX))
			abort();
		/* closed: a shorter prefix entry's terms are in every entry it leads to */
		for (size_t j = 0; j < p->n_strings; j++) {
			const struct enforce_string *q = &p->strings[j];

			if (!q->exact && q->kind == s->kind && q->len <= s->len && !memcmp(q->bytes, s->bytes, q->len) &&
			    (q->mask & s->mask) != q->mask)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule_engine *engine = NULL;
	struct rule_set *set = rule_set_new();
	struct enforce_policy policy;

	if (!set)
		return 0;
	if (rule_set_load_buffer(set, "fuzz.yaml", (const char *)data, size) || rule_set_error_count(set))
		goto out;
	if (rule_engine_compile(set, &engine))
		goto out;
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++) {
		const struct rule_info *r = rule_engine_rule(engine, i);

		if ((r->status == RULE_FAILED || r->status == RULE_SKIPPED || r->status == RULE_INERT) != (r->error != NULL))
			abort();
	}
	if (enforce_compile(engine, &policy, no_report, NULL) == 0) {
		check_policy(engine, &policy);
		enforce_policy_free(&policy);
	}
out:
	rule_engine_free(engine);
	rule_set_free(set);
	return 0;
}
