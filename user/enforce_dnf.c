// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A rule's compiled condition multiplied out into a disjunction of
 * conjunctions of literals (a type test, or a check, maybe negated), with the
 * negations pushed down to the literals: the shape enforce_terms.c decides per
 * event type.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enforce_internal.h"

void dnf_free(struct dnf *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].lits);
	free(d->items);
	d->items = NULL;
	d->n = 0;
}

/* A check that is false on every event: never_true's `evt.num = 0` (evt.num counts from 1, 0 has no value). */
static bool check_never_true(const struct rule_engine *e, const struct node *n)
{
	const struct check *k = &n->check;

	if (k->exists || strcmp(e->slots[k->slot].key, "evt.num") || !k->numbers)
		return false;
	if (k->op != CONDITION_OP_EQ && k->op != CONDITION_OP_IN)
		return false;
	for (size_t i = 0; i < k->n_values; i++)
		if (k->numbers[i] != 0)
			return false;
	return true;
}

static int dnf_single(struct dnf *out, const struct node *n, bool negated)
{
	out->items = calloc(1, sizeof(*out->items));
	if (!out->items)
		return DNF_OOM;
	out->n = 1;
	if (!n)
		return DNF_OK; /* the empty conjunction: true */
	out->items[0].lits = malloc(sizeof(*out->items[0].lits));
	if (!out->items[0].lits)
		return DNF_OOM;
	out->items[0].lits[0] = (struct literal){ n, negated };
	out->items[0].n = 1;
	return DNF_OK;
}

/* a := a or b (b emptied) */
static int dnf_or(struct dnf *a, struct dnf *b)
{
	struct conj *grown;

	if (a->n + b->n > DNF_MAX)
		return DNF_TOO_BIG;
	grown = realloc(a->items, (a->n + b->n + 1) * sizeof(*grown));
	if (!grown)
		return DNF_OOM;
	a->items = grown;
	if (b->n)
		memcpy(a->items + a->n, b->items, b->n * sizeof(*b->items));
	a->n += b->n;
	free(b->items);
	b->items = NULL;
	b->n = 0;
	return DNF_OK;
}

/* a := a and b */
static int dnf_and(struct dnf *a, const struct dnf *b)
{
	struct dnf r = { 0 };

	if (a->n * b->n > DNF_MAX)
		return DNF_TOO_BIG;
	r.items = calloc(a->n * b->n + 1, sizeof(*r.items));
	if (!r.items)
		return DNF_OOM;
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < b->n; j++) {
			struct conj *c = &r.items[r.n++];

			c->n = a->items[i].n + b->items[j].n;
			if (c->n > CONJ_LITERALS_MAX) {
				dnf_free(&r);
				return DNF_TOO_BIG;
			}
			c->lits = malloc((c->n + 1) * sizeof(*c->lits));
			if (!c->lits) {
				dnf_free(&r);
				return DNF_OOM;
			}
			if (a->items[i].n)
				memcpy(c->lits, a->items[i].lits, a->items[i].n * sizeof(*c->lits));
			if (b->items[j].n)
				memcpy(c->lits + a->items[i].n, b->items[j].lits, b->items[j].n * sizeof(*c->lits));
		}
	}
	dnf_free(a);
	*a = r;
	return DNF_OK;
}

/* n (negated: not n) as a disjunction of conjunctions, negations pushed down to the literals. */
int to_dnf(const struct rule_engine *e, const struct node *n, bool negated, struct dnf *out)
{
	bool is_and;
	int err;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case NODE_TRUE:
	case NODE_FALSE:
		/* false is no conjunction at all; true the empty one */
		return (n->kind == NODE_TRUE) != negated ? dnf_single(out, NULL, false) : DNF_OK;
	case NODE_ERROR:
		return DNF_OK; /* a rule with errors failed before */
	case NODE_NOT:
		return to_dnf(e, n->operand, !negated, out);
	case NODE_TYPES:
		return dnf_single(out, n, negated);
	case NODE_CHECK:
		if (check_never_true(e, n))
			return negated ? dnf_single(out, NULL, false) : DNF_OK;
		return dnf_single(out, n, negated);
	case NODE_AND:
	case NODE_OR:
		/* De Morgan: under a `not`, and is or */
		is_and = (n->kind == NODE_AND) != negated;
		if (is_and) {
			err = dnf_single(out, NULL, false);
			if (err)
				return err;
		}
		for (size_t i = 0; i < n->group.n_children; i++) {
			struct dnf part;

			err = to_dnf(e, n->group.children[i], negated, &part);
			if (!err)
				err = is_and ? dnf_and(out, &part) : dnf_or(out, &part);
			dnf_free(&part);
			if (err)
				return err;
			if (is_and && !out->n)
				return DNF_OK; /* false already */
		}
		return DNF_OK;
	}
	return DNF_OK;
}
