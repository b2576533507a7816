// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One rule into kernel terms: each conjunction of its condition decided per
 * event type into a candidate term, the candidates turned into terms and
 * merged where they differ in one part a union takes exactly (types, scopes,
 * masks, sets), and the message that names the part the kernel cannot decide.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce_internal.h"

/* ---- the constraints of one conjunction on one event type ---- */

static void cand_free(struct cand *c)
{
	for (int k = 0; k < VIGIL_STR_KINDS; k++)
		strset_free(&c->str[k]);
}

static void rterm_free(struct rterm *t)
{
	for (int k = 0; k < VIGIL_STR_KINDS; k++)
		strset_free(&t->str[k]);
}

static const char *action_word(enum rule_action a)
{
	return a == RULE_ACTION_KILL ? "kill" : "deny";
}

/* The check as it reads in a condition, for messages: "not proc.name = sh", "fd.name in (/a, /b)". */
static void check_text(const struct rule_engine *e, const struct literal *l, char *buf, size_t len)
{
	const struct check *k = &l->n->check;
	size_t used;
	int n;

	n = snprintf(buf, len, "%s%s", l->negated ? "not " : "", e->slots[k->slot].key);
	used = n > 0 ? (size_t)n : 0;
	if (k->exists) {
		snprintf(buf + used, used < len ? len - used : 0, " exists");
		return;
	}
	n = snprintf(buf + used, used < len ? len - used : 0, " %s ", rule_condition_op_name(k->op));
	used += n > 0 ? (size_t)n : 0;
	if (k->glob) {
		snprintf(buf + used, used < len ? len - used : 0, "%s", k->glob);
		return;
	}
	if (op_takes_set(k->op) && used < len)
		used += snprintf(buf + used, len - used, "(");
	for (size_t i = 0; i < k->n_values && used + 8 < len; i++) {
		if (i)
			used += snprintf(buf + used, len - used, ", ");
		if (used + 8 >= len)
			break;
		if (i == 6) {
			used += snprintf(buf + used, len - used, "...");
			break;
		}
		if (k->strings)
			n = snprintf(buf + used, len - used, "%.*s", (int)(k->strings[i].len > 200 ? 200 : k->strings[i].len),
				     k->strings[i].ptr);
		else if (k->numbers)
			n = k->type == RULE_FIELD_INT ? snprintf(buf + used, len - used, "%lld", (long long)k->numbers[i])
						      : snprintf(buf + used, len - used, "%llu",
								 (unsigned long long)k->numbers[i]);
		else
			n = snprintf(buf + used, len - used, "...");
		used += n > 0 ? (size_t)n : 0;
	}
	if (op_takes_set(k->op) && used < len)
		snprintf(buf + used, len - used, ")");
}

/* Keep the first reason: "file:line:col: rule 'X' (action: deny): <what> cannot be decided in the kernel: <why>". */
static void fail_at(struct rule_build *b, const struct rule_pos *pos, const char *macro, const char *what,
		    const char *why)
{
	if (b->error || b->oom)
		return;
	b->error = engine_format("%s:%u:%u: rule '%s' (action: %s): %s%s%s%s cannot be decided in the kernel: %s",
				 pos->file ? pos->file : "?", pos->line, pos->column, b->r->info.def->name,
				 action_word(b->r->info.action), macro ? "in macro '" : "", macro ? macro : "",
				 macro ? "': " : "", what, why);
	if (!b->error)
		b->oom = true;
}

void fail_check(struct rule_build *b, const struct literal *l, const char *why)
{
	char text[512], quoted[520];

	check_text(b->e, l, text, sizeof(text));
	snprintf(quoted, sizeof(quoted), "`%s`", text);
	fail_at(b, &l->n->check.pos, l->n->check.macro, quoted, why);
}

/* A message about the rule as a whole, at its condition. */
void fail_rule(struct rule_build *b, const char *fmt, const char *arg)
{
	const struct rule_pos *pos = &b->r->info.def->condition.pos;
	char *what;

	if (b->error || b->oom)
		return;
	what = engine_format(fmt, arg);
	if (what)
		b->error = engine_format("%s:%u:%u: rule '%s' (action: %s): %s", pos->file ? pos->file : "?", pos->line,
					 pos->column, b->r->info.def->name, action_word(b->r->info.action), what);
	free(what);
	if (!b->error)
		b->oom = true;
}

/* ---- terms ---- */

static bool idset_term(struct rule_build *b, const struct literal *l, const struct idset *set, uint16_t check,
		       uint32_t *op, uint32_t *value, uint16_t *checks)
{
	bool none;

	if (!idset_to_cmp(set, op, value, &none)) {
		fail_check(b, l, "with the other checks of that id it is more than one comparison, and the kernel makes "
				 "one (=, !=, <, <=, >, >=)");
		return false;
	}
	if (!none)
		*checks |= check;
	return true;
}

/* What a candidate becomes: *t filled (false: an error, or the term cannot hold: *empty). */
static bool cand_to_term(struct rule_build *b, struct cand *c, unsigned int type, struct rterm *t, bool *empty)
{
	static const uint8_t key_scope[] = {
		[RULE_SCOPE_CONTAINER] = VIGIL_SCOPE_CONTAINER,
		[RULE_SCOPE_HOST] = VIGIL_SCOPE_HOST,
		[RULE_SCOPE_ANY] = VIGIL_SCOPE_CONTAINER | VIGIL_SCOPE_HOST,
	};
	const struct rule_info *info = &b->r->info;

	memset(t, 0, sizeof(*t));
	*empty = false;
	t->t.types = BIT(type);
	t->t.rule = (uint32_t)b->index;
	t->t.action = info->action == RULE_ACTION_KILL ? VIGIL_ENFORCE_KILL : VIGIL_ENFORCE_DENY;
	t->t.scope = c->scope & key_scope[info->scope];
	if (!t->t.scope) {
		if (info->scope == RULE_SCOPE_CONTAINER)
			fail_rule(b, "%s", "its condition matches only host processes (container.id = host), and its scope is "
					   "container (the default): set `scope: host` to act on host processes");
		else
			fail_rule(b, "%s", "its condition matches only container processes (container.id != host), and its "
					   "scope is host: set `scope: container` (the default) or `scope: any`");
		return false;
	}
	if (c->has_caps) {
		t->t.checks |= VIGIL_CHECK_CAP;
		t->t.caps = c->caps;
	}
	if (c->has_flags) {
		t->t.checks |= VIGIL_CHECK_FLAGS;
		t->t.flags_any = c->flags;
	}
	if (c->has_values) {
		if (c->n_values > VIGIL_ENFORCE_VALUES) {
			char why[128];

			snprintf(why, sizeof(why), "it names %zu values, and the kernel tests at most %d", c->n_values,
				 VIGIL_ENFORCE_VALUES);
			fail_check(b, c->values_lit, why);
			return false;
		}
		t->t.checks |= VIGIL_CHECK_VALUE;
		t->t.n_values = (uint32_t)c->n_values;
		memcpy(t->t.values, c->values, c->n_values * sizeof(*c->values));
	}
	if (c->has_uid && !idset_term(b, c->uid_lit, &c->uid, VIGIL_CHECK_UID, &t->t.uid_op, &t->t.uid, &t->t.checks))
		return false;
	if (c->has_arg_uid && !idset_term(b, c->arg_uid_lit, &c->arg_uid, VIGIL_CHECK_ARG_UID, &t->t.arg_uid_op,
					  &t->t.arg_uid, &t->t.checks))
		return false;
	for (int k = 0; k < VIGIL_STR_KINDS; k++) {
		if (!c->has_str[k])
			continue;
		/* the term owns them now */
		t->str[k] = c->str[k];
		memset(&c->str[k], 0, sizeof(c->str[k]));
	}
	return true;
}

bool rterm_has_str(const struct rterm *t, int k)
{
	return t->str[k].n != 0;
}

/*
 * Merge b into a when they differ in one part a union can take exactly (types,
 * scope, capabilities, flags, values, one string kind): true when merged.
 */
static bool rterm_merge(struct rterm *a, struct rterm *b)
{
	const struct vigil_enforce_term *x = &a->t, *y = &b->t;
	int diff = 0, str_diff = -1;
	enum { D_TYPES = 1, D_SCOPE = 2, D_CAPS = 4, D_FLAGS = 8, D_VALUES = 16, D_STR = 32, D_OTHER = 64 };

	if (x->action != y->action || x->rule != y->rule || x->checks != y->checks)
		return false;
	if (x->types != y->types)
		diff |= D_TYPES;
	if (x->scope != y->scope)
		diff |= D_SCOPE;
	if (x->caps != y->caps)
		diff |= D_CAPS;
	if (x->flags_any != y->flags_any)
		diff |= D_FLAGS;
	if (x->n_values != y->n_values || memcmp(x->values, y->values, x->n_values * sizeof(*x->values)))
		diff |= D_VALUES;
	if (x->uid_op != y->uid_op || x->uid != y->uid || x->arg_uid_op != y->arg_uid_op || x->arg_uid != y->arg_uid)
		diff |= D_OTHER;
	for (int k = 0; k < VIGIL_STR_KINDS; k++) {
		if (rterm_has_str(a, k) != rterm_has_str(b, k))
			diff |= D_OTHER;
		else if (!strset_equal(&a->str[k], &b->str[k])) {
			diff |= str_diff < 0 ? D_STR : D_OTHER;
			str_diff = k;
		}
	}
	if (diff & D_OTHER || (diff & (diff - 1)))
		return false; /* more than one part differs */
	switch (diff) {
	case 0:
		break;
	case D_TYPES:
		a->t.types |= y->types;
		break;
	case D_SCOPE:
		a->t.scope |= y->scope;
		break;
	case D_CAPS:
		a->t.caps |= y->caps;
		break;
	case D_FLAGS:
		a->t.flags_any |= y->flags_any;
		break;
	case D_VALUES: {
		uint64_t vals[2 * VIGIL_ENFORCE_VALUES];
		size_t n = 0;

		memcpy(vals, x->values, x->n_values * sizeof(*vals));
		memcpy(vals + x->n_values, y->values, y->n_values * sizeof(*vals));
		qsort(vals, x->n_values + y->n_values, sizeof(*vals), u64_cmp); /* both have values */
		for (size_t i = 0; i < x->n_values + y->n_values; i++)
			if (!n || vals[n - 1] != vals[i])
				vals[n++] = vals[i];
		if (n > VIGIL_ENFORCE_VALUES)
			return false;
		memcpy(a->t.values, vals, n * sizeof(*vals));
		a->t.n_values = (uint32_t)n;
		break;
	}
	case D_STR: {
		struct strset *into = &a->str[str_diff], *from = &b->str[str_diff];
		struct str_entry *grown = realloc(into->items, (into->n + from->n + 1) * sizeof(*grown));

		if (!grown)
			return false; /* kept apart: still exact */
		into->items = grown;
		memcpy(into->items + into->n, from->items, from->n * sizeof(*grown));
		into->n += from->n;
		free(from->items);
		from->items = NULL;
		from->n = 0;
		strset_normalize(into);
		break;
	}
	default:
		return false;
	}
	rterm_free(b);
	return true;
}

/* Add t to the rule's terms, merged into one where it can be. */
static bool add_term(struct rule_build *b, struct rterm *t)
{
	struct rterm *grown;

	for (size_t i = 0; i < b->n_terms; i++) {
		if (!rterm_merge(&b->terms[i], t))
			continue;
		/* the merged term may now merge with another */
		for (size_t j = 0; j < b->n_terms; j++) {
			if (j == i || !rterm_merge(&b->terms[i], &b->terms[j]))
				continue;
			b->terms[j] = b->terms[--b->n_terms];
			if (i == b->n_terms)
				i = j;
			j = (size_t)-1;
		}
		return true;
	}
	grown = realloc(b->terms, (b->n_terms + 1) * sizeof(*grown));
	if (!grown) {
		rterm_free(t);
		return false;
	}
	b->terms = grown;
	b->terms[b->n_terms++] = *t;
	return true;
}

static void type_names(rule_event_mask mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int t = 1; t < RULE_EVENT_TYPES && used < len; t++) {
		const char *name = rule_event_type_name(t);
		int n;

		if (!(mask & BIT(t)) || !name)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* One conjunction into terms. false: an error (b->error or b->oom). */
static bool compile_conj(struct rule_build *b, const struct conj *cj)
{
	rule_event_mask types = RULE_EVENTS_ALL;
	bool typed = false;
	char names[1024];

	for (size_t i = 0; i < cj->n; i++) {
		const struct literal *l = &cj->lits[i];

		if (l->n->kind == NODE_TYPES) {
			types &= l->negated ? ~l->n->types : l->n->types;
			typed = true;
		} else if (!l->negated) {
			types &= l->n->check.events;
		}
	}
	types &= RULE_EVENTS_ALL;
	if (!types)
		return true; /* it cannot hold: no term */
	if (!typed) {
		fail_rule(b, "%s", "its condition does not say which operations it stops (no evt.type test): the kernel "
				   "decides per operation: name them with evt.type in (...)");
		return false;
	}
	if (types & ~DECIDABLE_TYPES) {
		char text[1200];

		type_names(types & ~DECIDABLE_TYPES, names, sizeof(names));
		snprintf(text, sizeof(text),
			 "evt.type %s cannot be decided in the kernel: only exec, open, openat, openat2, mount, the "
			 "setuid/setgid families, capable, ptrace, init_module, finit_module, bpf, unshare, setns, clone "
			 "and clone3 can",
			 names);
		fail_rule(b, "%s", text);
		return false;
	}
	for (unsigned int type = 1; type < RULE_EVENT_TYPES; type++) {
		struct cand c = { .scope = VIGIL_SCOPE_CONTAINER | VIGIL_SCOPE_HOST };
		enum apply a = APPLY_OK;
		struct rterm t;
		bool empty;

		if (!(types & BIT(type)))
			continue;
		/* falsity first: an error on a part that cannot hold on this type would be no error */
		for (size_t i = 0; i < cj->n && a == APPLY_OK; i++)
			if (cj->lits[i].n->kind == NODE_CHECK && !cj->lits[i].negated &&
			    !(cj->lits[i].n->check.events & BIT(type)))
				a = APPLY_FALSE;
		for (size_t i = 0; i < cj->n && a == APPLY_OK; i++)
			a = apply_literal(b, &cj->lits[i], type, &c);
		if (a == APPLY_OK && !cand_to_term(b, &c, type, &t, &empty))
			a = APPLY_ERROR;
		cand_free(&c);
		if (a == APPLY_ERROR)
			return false;
		if (a == APPLY_FALSE)
			continue;
		if (!add_term(b, &t)) {
			b->oom = true;
			return false;
		}
	}
	return true;
}

void rule_build_free(struct rule_build *b)
{
	for (size_t i = 0; i < b->n_terms; i++)
		rterm_free(&b->terms[i]);
	free(b->terms);
	free(b->error);
	b->terms = NULL;
	b->n_terms = 0;
	b->error = NULL;
}

/* A rule's terms into b: false with b->error (or b->oom). */
bool compile_rule_terms(struct rule_build *b)
{
	const struct compiled_rule *r = b->r;
	struct dnf d;
	int err;

	if (r->info.status == RULE_INERT) {
		fail_rule(b, "%s", "its condition names only system calls vigil does not watch: there is nothing for the "
				   "kernel to stop");
		return false;
	}
	err = to_dnf(b->e, r->root, false, &d);
	if (err == DNF_TOO_BIG) {
		char text[64];

		snprintf(text, sizeof(text), "%d", DNF_MAX);
		fail_rule(b, "its condition multiplies out to more than %s alternatives (each `or` under an `and` "
			     "multiplies): the kernel has room for far fewer terms",
			  text);
	} else if (err) {
		b->oom = true;
	}
	for (size_t i = 0; !err && i < d.n; i++)
		if (!compile_conj(b, &d.items[i]))
			err = -EINVAL;
	dnf_free(&d);
	return !err && !b->error && !b->oom;
}
