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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "event_schema.h"
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

#define WHAT_CAN                                                                                   \
	"only event type, container/host, paths and path prefixes, capability, mount fstype/source, " \
	"namespace flags, ptrace request, bpf command, executable path and uid can"

/* ---- literals and the disjunctive normal form ---- */

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

static void dnf_free(struct dnf *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].lits);
	free(d->items);
	d->items = NULL;
	d->n = 0;
}

enum dnf_status {
	DNF_OK = 0,
	DNF_OOM = -ENOMEM,
	DNF_TOO_BIG = -E2BIG,
};

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
static int to_dnf(const struct rule_engine *e, const struct node *n, bool negated, struct dnf *out)
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

/* ---- string sets ---- */

struct str_entry {
	char *bytes;
	size_t len;
	bool exact;
};

struct strset {
	struct str_entry *items;
	size_t n;
};

static void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].bytes);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static bool strset_add(struct strset *s, const char *bytes, size_t len, bool exact)
{
	struct str_entry *grown = realloc(s->items, (s->n + 1) * sizeof(*grown));

	if (!grown)
		return false;
	s->items = grown;
	grown[s->n].bytes = malloc(len + 1);
	if (!grown[s->n].bytes)
		return false;
	memcpy(grown[s->n].bytes, bytes, len);
	grown[s->n].bytes[len] = '\0';
	grown[s->n].len = len;
	grown[s->n].exact = exact;
	s->n++;
	return true;
}

static bool is_prefix_of(const struct str_entry *p, const char *s, size_t len)
{
	return p->len <= len && !memcmp(p->bytes, s, p->len);
}

/* Whether the set takes the string s (exactly, or below one of its prefixes). */
static bool strset_accepts(const struct strset *set, const char *s, size_t len)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct str_entry *x = &set->items[i];

		if (x->exact ? (x->len == len && !memcmp(x->bytes, s, len)) : is_prefix_of(x, s, len))
			return true;
	}
	return false;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct str_entry *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->bytes, b->bytes, n);

	if (r)
		return r;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (int)a->exact - (int)b->exact;
}

/*
 * Sorted, without duplicates, without entries a prefix of the set already
 * takes. A prefix entry sorts before everything it leads to (shorter, and a
 * prefix before the exact entry of the same bytes), so one pass over the
 * sorted entries, against those kept, does it.
 */
static void strset_normalize(struct strset *s)
{
	size_t kept = 0;

	if (!s->n)
		return;
	qsort(s->items, s->n, sizeof(*s->items), entry_cmp);
	for (size_t i = 0; i < s->n; i++) {
		struct str_entry *x = &s->items[i];
		bool covered = kept && !entry_cmp(&s->items[kept - 1], x);

		for (size_t j = 0; j < kept && !covered; j++)
			covered = !s->items[j].exact && is_prefix_of(&s->items[j], x->bytes, x->len);
		if (covered)
			free(x->bytes);
		else
			s->items[kept++] = *x;
	}
	s->n = kept;
}

/* What both take: false on allocation failure. */
static bool strset_intersect(struct strset *a, const struct strset *b, struct strset *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < a->n; i++) {
		const struct str_entry *x = &a->items[i];

		if (x->exact && strset_accepts(b, x->bytes, x->len) && !strset_add(out, x->bytes, x->len, true))
			return false;
		for (size_t j = 0; !x->exact && j < b->n; j++) {
			const struct str_entry *y = &b->items[j];
			const struct str_entry *longer = x->len >= y->len ? x : y;
			const struct str_entry *shorter = longer == x ? y : x;

			if (y->exact)
				continue;
			if (is_prefix_of(shorter, longer->bytes, longer->len) &&
			    !strset_add(out, longer->bytes, longer->len, false))
				return false;
		}
	}
	for (size_t j = 0; j < b->n; j++) {
		const struct str_entry *y = &b->items[j];

		if (y->exact && strset_accepts(a, y->bytes, y->len) && !strset_add(out, y->bytes, y->len, true))
			return false;
	}
	strset_normalize(out);
	return true;
}

static bool strset_equal(const struct strset *a, const struct strset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (entry_cmp(&a->items[i], &b->items[i]))
			return false;
	return true;
}

/* ---- uid sets: sorted disjoint spans of [0, ID_MAX] ---- */

struct span {
	uint64_t lo, hi;
};

struct idset {
	struct span s[SPANS_MAX];
	size_t n;
};

static bool idset_add(struct idset *set, uint64_t lo, uint64_t hi)
{
	if (lo > hi)
		return true;
	if (set->n && set->s[set->n - 1].hi + 1 >= lo) {
		if (hi > set->s[set->n - 1].hi)
			set->s[set->n - 1].hi = hi;
		return true;
	}
	if (set->n == SPANS_MAX)
		return false;
	set->s[set->n++] = (struct span){ lo, hi };
	return true;
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;

	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* From unordered spans (overlapping allowed). false: too many. */
static bool idset_from(struct idset *out, struct span *spans, size_t n)
{
	memset(out, 0, sizeof(*out));
	if (n)
		qsort(spans, n, sizeof(*spans), span_cmp);
	for (size_t i = 0; i < n; i++)
		if (!idset_add(out, spans[i].lo, spans[i].hi))
			return false;
	return true;
}

static void idset_complement(struct idset *set)
{
	struct idset out = { .n = 0 };
	uint64_t next = 0;

	for (size_t i = 0; i < set->n; i++) {
		if (set->s[i].lo > next)
			idset_add(&out, next, set->s[i].lo - 1);
		next = set->s[i].hi + 1;
	}
	if (next <= ID_MAX)
		idset_add(&out, next, ID_MAX);
	*set = out;
}

static bool idset_intersect(struct idset *a, const struct idset *b)
{
	struct idset out = { .n = 0 };

	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			uint64_t lo = a->s[i].lo > b->s[j].lo ? a->s[i].lo : b->s[j].lo;
			uint64_t hi = a->s[i].hi < b->s[j].hi ? a->s[i].hi : b->s[j].hi;

			if (lo <= hi && !idset_add(&out, lo, hi))
				return false;
		}
	*a = out;
	return true;
}

/* One comparison the kernel makes: false when the set is not one. *none: no check needed (every id). */
static bool idset_to_cmp(const struct idset *set, uint32_t *op, uint32_t *value, bool *none)
{
	*none = false;
	if (set->n == 1 && set->s[0].lo == 0 && set->s[0].hi == ID_MAX) {
		*none = true;
		return true;
	}
	if (set->n == 1 && set->s[0].lo == set->s[0].hi) {
		*op = VIGIL_CMP_EQ;
		*value = (uint32_t)set->s[0].lo;
		return true;
	}
	if (set->n == 1 && set->s[0].lo == 0) {
		*op = VIGIL_CMP_LE;
		*value = (uint32_t)set->s[0].hi;
		return true;
	}
	if (set->n == 1 && set->s[0].hi == ID_MAX) {
		*op = VIGIL_CMP_GE;
		*value = (uint32_t)set->s[0].lo;
		return true;
	}
	if (set->n == 2 && set->s[0].lo == 0 && set->s[1].hi == ID_MAX && set->s[0].hi + 2 == set->s[1].lo) {
		*op = VIGIL_CMP_NE;
		*value = (uint32_t)(set->s[0].hi + 1);
		return true;
	}
	return false;
}

/* ---- the constraints of one conjunction on one event type ---- */

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

static void cand_free(struct cand *c)
{
	for (int k = 0; k < VIGIL_STR_KINDS; k++)
		strset_free(&c->str[k]);
}

/* A term of one rule while it is built: the kernel's term and its strings. */
struct rterm {
	struct vigil_enforce_term t;
	struct strset str[VIGIL_STR_KINDS];
};

static void rterm_free(struct rterm *t)
{
	for (int k = 0; k < VIGIL_STR_KINDS; k++)
		strset_free(&t->str[k]);
}

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

static void fail_check(struct rule_build *b, const struct literal *l, const char *why)
{
	char text[512], quoted[520];

	check_text(b->e, l, text, sizeof(text));
	snprintf(quoted, sizeof(quoted), "`%s`", text);
	fail_at(b, &l->n->check.pos, l->n->check.macro, quoted, why);
}

/* A message about the rule as a whole, at its condition. */
static void fail_rule(struct rule_build *b, const char *fmt, const char *arg)
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

/* ---- what a check means on one event type ---- */

enum lit_kind {
	LK_NONE,    /* nothing the kernel decides */
	LK_SCOPE,   /* container.id: container or host */
	LK_SETUP,   /* evt.is_setup: the kernel never decides on the runtime's setup */
	LK_STR,     /* a string of one kind */
	LK_CAP,
	LK_FLAGS,
	LK_VALUE,
	LK_UID,
	LK_ARG_UID,
};

/* evt.arg.X / evt.arg[X] (*raw false) or evt.rawarg.X / evt.rawarg[X] (*raw true): X into buf; else false. */
static bool arg_name(const char *key, char *buf, size_t len, bool *raw)
{
	const char *rest;

	if (!strncmp(key, "evt.arg", 7)) {
		*raw = false;
		rest = key + 7;
	} else if (!strncmp(key, "evt.rawarg", 10)) {
		*raw = true;
		rest = key + 10;
	} else {
		return false;
	}
	if (*rest == '.' && rest[1]) {
		snprintf(buf, len, "%s", rest + 1);
		return true;
	}
	if (*rest == '[' && rest[1] && rest[strlen(rest) - 1] == ']') {
		snprintf(buf, len, "%.*s", (int)(strlen(rest) - 2), rest + 1);
		return true;
	}
	return false;
}

/* The argument a set*id call asks for, by type: the one the kernel's arg_uid check compares. */
static const char *asked_id_arg(unsigned int type)
{
	switch (type) {
	case VIGIL_EVENT_SETUID:
		return "uid";
	case VIGIL_EVENT_SETGID:
		return "gid";
	case VIGIL_EVENT_SETREUID:
	case VIGIL_EVENT_SETRESUID:
		return "euid";
	case VIGIL_EVENT_SETREGID:
	case VIGIL_EVENT_SETRESGID:
		return "egid";
	case VIGIL_EVENT_SETFSUID:
		return "fsuid";
	case VIGIL_EVENT_SETFSGID:
		return "fsgid";
	}
	return NULL;
}

struct lit_meaning {
	enum lit_kind kind;
	enum vigil_enforce_str_kind str;
	enum field_kind field;  /* how the value prints (evt.arg): the domain's text */
	bool raw;               /* evt.rawarg: a number */
};

static struct lit_meaning classify(const char *key, unsigned int type)
{
	struct lit_meaning m = { .kind = LK_NONE };
	char arg[64];
	bool raw = false;
	bool is_arg = arg_name(key, arg, sizeof(arg), &raw);
	rule_event_mask bit = BIT(type);

	m.raw = raw;
	if (!strcmp(key, "container.id") || !strcmp(key, "container.full_id")) {
		m.kind = LK_SCOPE;
	} else if (!strcmp(key, "evt.is_setup")) {
		m.kind = LK_SETUP;
	} else if (!strcmp(key, "user.uid")) {
		m.kind = LK_UID;
	} else if (type == VIGIL_EVENT_EXEC && !strcmp(key, "proc.exepath")) {
		m.kind = LK_STR;
		m.str = VIGIL_STR_PATH;
	} else if ((bit & OPEN_TYPES) && (!strcmp(key, "fd.name") || !strcmp(key, "fs.path.name") ||
					  (is_arg && !raw && (!strcmp(arg, "path") || !strcmp(arg, "filename"))))) {
		m.kind = LK_STR;
		m.str = VIGIL_STR_PATH;
	} else if (type == VIGIL_EVENT_MOUNT && is_arg && !raw &&
		   (!strcmp(arg, "target") || !strcmp(arg, "source") || !strcmp(arg, "fstype"))) {
		m.kind = LK_STR;
		m.str = !strcmp(arg, "target") ? VIGIL_STR_PATH : !strcmp(arg, "source") ? VIGIL_STR_SOURCE
											 : VIGIL_STR_FSTYPE;
	} else if (type == VIGIL_EVENT_CAPABLE && is_arg && !strcmp(arg, "cap")) {
		m.kind = LK_CAP;
		m.field = FIELD_CAP;
	} else if ((bit & (BIT(VIGIL_EVENT_UNSHARE) | BIT(VIGIL_EVENT_CLONE) | BIT(VIGIL_EVENT_CLONE3))) && is_arg &&
		   !raw && !strcmp(arg, "flags")) {
		m.kind = LK_FLAGS;
		m.field = FIELD_CLONE_FLAGS;
	} else if (type == VIGIL_EVENT_SETNS && is_arg && !raw && !strcmp(arg, "nstype")) {
		m.kind = LK_FLAGS;
		m.field = FIELD_NS_TYPE;
	} else if (type == VIGIL_EVENT_PTRACE && is_arg && !strcmp(arg, "request")) {
		m.kind = LK_VALUE;
		m.field = FIELD_PTRACE_REQUEST;
	} else if (type == VIGIL_EVENT_BPF && is_arg && !strcmp(arg, "cmd")) {
		m.kind = LK_VALUE;
		m.field = FIELD_BPF_CMD;
	} else if (is_arg && asked_id_arg(type) && !strcmp(arg, asked_id_arg(type))) {
		m.kind = LK_ARG_UID;
		m.field = FIELD_ID;
	}
	return m;
}

/* ---- checks run on a finite domain ---- */

static bool text_is(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && !memcmp(a, b, alen);
}

/* A string check on one value's text (the operators a finite domain can take exactly). *ok false: another operator. */
static bool string_check(const struct check *k, const char *s, bool *ok)
{
	size_t len = strlen(s);

	*ok = true;
	switch (k->op) {
	case CONDITION_OP_EQ:
		return text_is(k->strings[0].ptr, k->strings[0].len, s);
	case CONDITION_OP_NE:
		return !text_is(k->strings[0].ptr, k->strings[0].len, s);
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
		for (size_t i = 0; i < k->n_values; i++)
			if (text_is(k->strings[i].ptr, k->strings[i].len, s))
				return true;
		return false;
	case CONDITION_OP_CONTAINS:
		return k->strings[0].len <= len && memmem(s, len, k->strings[0].ptr, k->strings[0].len);
	case CONDITION_OP_STARTSWITH:
		return k->strings[0].len <= len && !memcmp(s, k->strings[0].ptr, k->strings[0].len);
	case CONDITION_OP_ENDSWITH:
		return k->strings[0].len <= len && !memcmp(s + len - k->strings[0].len, k->strings[0].ptr,
							    k->strings[0].len);
	default:
		*ok = false;
		return false;
	}
}

/* A number check (signed: INT) on x. *ok false: another operator. */
static bool number_check(const struct check *k, int64_t x, bool *ok)
{
	bool is_signed = k->type == RULE_FIELD_INT;
	uint64_t ux = (uint64_t)x, v = k->numbers[0];
	int order = is_signed ? (x > (int64_t)v) - (x < (int64_t)v) : (ux > v) - (ux < v);

	*ok = true;
	switch (k->op) {
	case CONDITION_OP_EQ:
		return ux == v;
	case CONDITION_OP_NE:
		return ux != v;
	case CONDITION_OP_LT:
		return order < 0;
	case CONDITION_OP_LE:
		return order <= 0;
	case CONDITION_OP_GT:
		return order > 0;
	case CONDITION_OP_GE:
		return order >= 0;
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
		for (size_t i = 0; i < k->n_values; i++)
			if (k->numbers[i] == ux)
				return true;
		return false;
	default:
		*ok = false;
		return false;
	}
}

/* Each value of an = or in must name something of the domain (a typo would match nothing, silently). */
static const char *unnamed_value(const struct check *k, enum field_kind field, unsigned int bits_from, unsigned int bits_to)
{
	if (!k->strings || (k->op != CONDITION_OP_EQ && k->op != CONDITION_OP_IN && k->op != CONDITION_OP_INTERSECTS))
		return NULL;
	for (size_t i = 0; i < k->n_values; i++) {
		bool found = false;

		for (unsigned int b = bits_from; b < bits_to && !found; b++) {
			char text[FIELD_TEXT_MAX];

			field_to_text(field, field == FIELD_CAP ? b : 1ull << b, text, sizeof(text));
			found = text_is(k->strings[i].ptr, k->strings[i].len, text);
		}
		if (!found)
			return k->strings[i].ptr;
	}
	return NULL;
}

/* ---- applying one literal on one type ---- */

enum apply {
	APPLY_OK,
	APPLY_FALSE,   /* the conjunction cannot hold on this type */
	APPLY_ERROR,   /* b->error says why */
};

static enum apply apply_scope(struct rule_build *b, const struct literal *l, struct cand *c)
{
	const struct check *k = &l->n->check;
	bool host = k->op == CONDITION_OP_EQ || k->op == CONDITION_OP_IN || k->op == CONDITION_OP_INTERSECTS;
	uint8_t bits;

	if (k->exists || !k->strings || (!host && k->op != CONDITION_OP_NE)) {
		fail_check(b, l, "the kernel tells container from host only (container.id = host, container.id != host)");
		return APPLY_ERROR;
	}
	for (size_t i = 0; i < k->n_values; i++)
		if (!text_is(k->strings[i].ptr, k->strings[i].len, "host")) {
			fail_check(b, l, "the kernel tells container from host, not one container from another "
					 "(container.id = host, container.id != host)");
			return APPLY_ERROR;
		}
	bits = host != l->negated ? VIGIL_SCOPE_HOST : VIGIL_SCOPE_CONTAINER;
	c->scope &= bits;
	return c->scope ? APPLY_OK : APPLY_FALSE;
}

/*
 * evt.is_setup: the kernel never decides on a container task before its first
 * exec (the runtime setting it up), so "not setup" always holds where it
 * decides, and "setup" never does.
 */
static enum apply apply_setup(struct rule_build *b, const struct literal *l)
{
	const struct check *k = &l->n->check;
	bool setup;

	if (k->exists || k->op != CONDITION_OP_EQ || k->type != RULE_FIELD_BOOL || k->n_values != 1) {
		fail_check(b, l, "evt.is_setup is tested only with = true or = false");
		return APPLY_ERROR;
	}
	setup = (k->numbers[0] != 0) != l->negated;
	return setup ? APPLY_FALSE : APPLY_OK;
}

static enum apply apply_string(struct rule_build *b, const struct literal *l, enum vigil_enforce_str_kind kind,
			       struct cand *c)
{
	const struct check *k = &l->n->check;
	struct strset set = { 0 };
	bool pmatch = k->op == CONDITION_OP_PMATCH;
	bool prefix = k->op == CONDITION_OP_STARTSWITH || k->op == CONDITION_OP_BSTARTSWITH;
	bool exact = k->op == CONDITION_OP_EQ || k->op == CONDITION_OP_IN || k->op == CONDITION_OP_INTERSECTS;
	const char *what = kind == VIGIL_STR_FSTYPE ? "a filesystem type" : kind == VIGIL_STR_SOURCE ? "a mount source"
												 : "a path";

	if (l->negated || k->exists || !k->strings || !(pmatch || prefix || exact) ||
	    (kind == VIGIL_STR_FSTYPE && !exact)) {
		char why[256];

		snprintf(why, sizeof(why), "%s is tested only for being one of some %s (=, in)%s, never negated", what,
			 kind == VIGIL_STR_FSTYPE ? "names" : "strings",
			 kind == VIGIL_STR_FSTYPE ? "" : " or starting with one (startswith, pmatch)");
		fail_check(b, l, why);
		return APPLY_ERROR;
	}
	for (size_t i = 0; i < k->n_values; i++) {
		const char *s = k->strings[i].ptr;
		size_t len = k->strings[i].len;
		bool ok = true;

		if (memchr(s, '\0', len)) {
			fail_check(b, l, "the value holds a NUL byte, which no string from the kernel has");
			strset_free(&set);
			return APPLY_ERROR;
		}
		if ((exact && len > VIGIL_ENFORCE_STR_MAX - 1) || len > VIGIL_ENFORCE_STR_MAX ||
		    (pmatch && len + 1 > VIGIL_ENFORCE_STR_MAX)) {
			char why[256];

			snprintf(why, sizeof(why), "'%.40s...' is %zu bytes, and the kernel compares at most %d (%d for a whole %s)",
				 s, len, VIGIL_ENFORCE_STR_MAX, VIGIL_ENFORCE_STR_MAX - 1,
				 kind == VIGIL_STR_PATH ? "path" : "string");
			fail_check(b, l, why);
			strset_free(&set);
			return APPLY_ERROR;
		}
		if (exact)
			ok = strset_add(&set, s, len, true);
		else if (prefix)
			ok = strset_add(&set, s, len, false);
		else if (len >= 2 && s[len - 1] == '/') /* pmatch "/etc/": what is below /etc (rule_eval.c) */
			ok = strset_add(&set, s, len, false);
		else if (len) { /* pmatch "/etc": /etc itself and what is below it */
			char below[VIGIL_ENFORCE_STR_MAX + 1];

			memcpy(below, s, len);
			below[len] = '/';
			ok = strset_add(&set, s, len, true) && strset_add(&set, below, len + 1, false);
		}
		if (!ok) {
			b->oom = true;
			strset_free(&set);
			return APPLY_ERROR;
		}
	}
	strset_normalize(&set);
	if (c->has_str[kind]) {
		struct strset both;

		if (!strset_intersect(&c->str[kind], &set, &both)) {
			strset_free(&both);
			strset_free(&set);
			b->oom = true;
			return APPLY_ERROR;
		}
		strset_free(&set);
		strset_free(&c->str[kind]);
		set = both;
	}
	c->str[kind] = set;
	c->has_str[kind] = true;
	return c->str[kind].n ? APPLY_OK : APPLY_FALSE;
}

static enum apply apply_caps(struct rule_build *b, const struct literal *l, const struct lit_meaning *m,
			     struct cand *c)
{
	const struct check *k = &l->n->check;
	const char *unnamed;
	uint64_t mask = 0;

	if (k->exists || (!k->strings && !k->numbers)) {
		fail_check(b, l, "a capability is tested by its name or number (=, !=, in)");
		return APPLY_ERROR;
	}
	unnamed = m->raw ? NULL : unnamed_value(k, FIELD_CAP, 0, 64);
	if (unnamed) {
		char why[256];

		snprintf(why, sizeof(why), "'%.64s' is no capability", unnamed);
		fail_check(b, l, why);
		return APPLY_ERROR;
	}
	for (unsigned int cap = 0; cap < 64; cap++) {
		char text[FIELD_TEXT_MAX];
		bool ok, match;

		if (m->raw) {
			match = number_check(k, cap, &ok);
		} else {
			field_to_text(FIELD_CAP, cap, text, sizeof(text));
			match = string_check(k, text, &ok);
		}
		if (!ok) {
			fail_check(b, l, "a capability is tested by its name or number (=, !=, in, contains, startswith, "
					 "endswith; <, > on evt.rawarg.cap)");
			return APPLY_ERROR;
		}
		if (match)
			mask |= 1ull << cap;
	}
	if (l->negated)
		mask = ~mask;
	c->caps = c->has_caps ? c->caps & mask : mask;
	c->has_caps = true;
	return c->caps ? APPLY_OK : APPLY_FALSE;
}

/* The one flag a value names exactly (text of one bit, in no other bit's text), or 0. */
static uint64_t single_flag(enum field_kind field, const char *s, size_t len)
{
	uint64_t found = 0;

	for (unsigned int bit = 0; bit < 64; bit++) {
		char text[FIELD_TEXT_MAX];

		field_to_text(field, 1ull << bit, text, sizeof(text));
		if (text_is(s, len, text))
			found = 1ull << bit;
	}
	/* a name, not a number the bit prints as for want of one */
	if (!found || len < 6 || memcmp(s, "CLONE_", 6))
		return 0;
	/* "contains CLONE_PARENT" would also take CLONE_PARENT_SETTID */
	for (unsigned int bit = 0; bit < 64; bit++) {
		char text[FIELD_TEXT_MAX];

		if ((1ull << bit) == found)
			continue;
		field_to_text(field, 1ull << bit, text, sizeof(text));
		if (memmem(text, strlen(text), s, len))
			return 0;
	}
	return found;
}

static enum apply apply_flags(struct rule_build *b, const struct literal *l, const struct lit_meaning *m,
			      struct cand *c)
{
	const struct check *k = &l->n->check;
	bool nstype = m->field == FIELD_NS_TYPE;
	bool contains = k->op == CONDITION_OP_CONTAINS;
	bool listed = k->op == CONDITION_OP_EQ || k->op == CONDITION_OP_IN || k->op == CONDITION_OP_INTERSECTS;
	uint64_t bits = 0;

	if (l->negated || k->exists || !k->strings || !(contains || (nstype && listed))) {
		fail_check(b, l, nstype ? "the kernel tests that nstype is one of some namespace types "
					  "(evt.arg.nstype = CLONE_NEWNS, in (...)), never negated"
					: "the kernel tests that the flags hold a namespace flag "
					  "(evt.arg.flags contains CLONE_NEWUSER), never negated");
		return APPLY_ERROR;
	}
	for (size_t i = 0; i < k->n_values; i++) {
		uint64_t bit = single_flag(m->field, k->strings[i].ptr, k->strings[i].len);
		char why[256];

		if (!bit) {
			snprintf(why, sizeof(why), "'%.64s' is not one flag's whole name (CLONE_NEWUSER, CLONE_NEWNS, ...)",
				 k->strings[i].ptr);
			fail_check(b, l, why);
			return APPLY_ERROR;
		}
		bits |= bit;
	}
	if (!c->has_flags || (bits & c->flags) == bits) {
		c->flags = bits;
	} else if ((bits & c->flags) != c->flags) {
		fail_check(b, l, "with the other flags check it needs two flags at once, and the kernel tests for any "
				 "one of a set (write one check, or the two as `or`)");
		return APPLY_ERROR;
	}
	c->has_flags = true;
	return APPLY_OK;
}

/* A ptrace request or bpf command named as it prints: its number, or false. */
static bool value_number(enum field_kind field, const char *s, size_t len, uint64_t *out)
{
	uint64_t limit = field == FIELD_PTRACE_REQUEST ? 0x10000 : 0x400;
	char text[FIELD_TEXT_MAX], copy[32];
	char *end;

	/* an unnamed number prints as itself */
	if (len && len < sizeof(copy)) {
		memcpy(copy, s, len);
		copy[len] = '\0';
		*out = strtoull(copy, &end, 10);
		field_to_text(field, *out, text, sizeof(text));
		if (!*end && text_is(s, len, text))
			return true;
	}
	for (uint64_t v = 0; v < limit; v++) {
		field_to_text(field, v, text, sizeof(text));
		if (text_is(s, len, text)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static enum apply apply_values(struct rule_build *b, const struct literal *l, const struct lit_meaning *m,
			       struct cand *c)
{
	const struct check *k = &l->n->check;
	const char *what = m->field == FIELD_PTRACE_REQUEST ? "ptrace request" : "bpf command";
	uint64_t vals[VALUES_BUILD_MAX];
	size_t n = 0;
	char why[256];

	if (l->negated || k->exists || (k->op != CONDITION_OP_EQ && k->op != CONDITION_OP_IN &&
					k->op != CONDITION_OP_INTERSECTS) || (!k->strings && !k->numbers)) {
		snprintf(why, sizeof(why), "the kernel tests that the %s is one of some (=, in), never negated", what);
		fail_check(b, l, why);
		return APPLY_ERROR;
	}
	if (k->n_values > VALUES_BUILD_MAX) {
		snprintf(why, sizeof(why), "the kernel tests at most %d values", VIGIL_ENFORCE_VALUES);
		fail_check(b, l, why);
		return APPLY_ERROR;
	}
	for (size_t i = 0; i < k->n_values; i++) {
		if (k->numbers) {
			vals[n++] = k->numbers[i];
		} else if (value_number(m->field, k->strings[i].ptr, k->strings[i].len, &vals[n])) {
			n++;
		} else {
			snprintf(why, sizeof(why), "'%.64s' is no %s", k->strings[i].ptr, what);
			fail_check(b, l, why);
			return APPLY_ERROR;
		}
	}
	if (n)
		qsort(vals, n, sizeof(*vals), u64_cmp);
	if (c->has_values) {
		size_t kept = 0;

		for (size_t i = 0; i < c->n_values; i++)
			if (bsearch(&c->values[i], vals, n, sizeof(*vals), u64_cmp))
				c->values[kept++] = c->values[i];
		c->n_values = kept;
	} else {
		size_t kept = 0;

		for (size_t i = 0; i < n; i++)
			if (!kept || c->values[kept - 1] != vals[i])
				c->values[kept++] = vals[i];
		c->n_values = kept;
	}
	c->has_values = true;
	c->values_lit = l;
	return c->n_values ? APPLY_OK : APPLY_FALSE;
}

/* The ids [0, ID_MAX] where a signed comparison with v holds, the id as the number x(u). */
static bool ids_where(const struct check *k, struct idset *out, bool as_text, bool raw, struct rule_build *b,
		      const struct literal *l)
{
	struct span spans[VALUES_BUILD_MAX + 2];
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (as_text) {
		/* evt.arg.uid: "0", "1000", "-1" (ID_MAX, "unchanged") as the id prints */
		bool ne = k->op == CONDITION_OP_NE;

		if (k->op != CONDITION_OP_EQ && !ne && k->op != CONDITION_OP_IN && k->op != CONDITION_OP_INTERSECTS)
			return false;
		if (k->n_values > VALUES_BUILD_MAX)
			return false;
		for (size_t i = 0; i < k->n_values; i++) {
			char copy[24], text[FIELD_TEXT_MAX], *end;
			long long v;

			if (k->strings[i].len >= sizeof(copy))
				continue;
			memcpy(copy, k->strings[i].ptr, k->strings[i].len);
			copy[k->strings[i].len] = '\0';
			v = strtoll(copy, &end, 10);
			if (*end || v < -1 || v > (long long)ID_MAX)
				continue;
			field_to_text(FIELD_ID, (uint32_t)v, text, sizeof(text));
			if (strcmp(text, copy))
				continue; /* "4294967295", "007" print otherwise: never equal */
			spans[n].lo = spans[n].hi = (uint32_t)v;
			n++;
		}
		if (!idset_from(out, spans, n))
			return false;
		if (ne)
			idset_complement(out);
		return true;
	}
	if (!k->numbers)
		return false;
	if (raw) {
		/* evt.rawarg.uid: u as itself on [0, ID_MAX - 1], but ID_MAX as -1: decided apart */
		static const struct idset below_max = { .s = { { 0, ID_MAX - 1 } }, .n = 1 };
		bool ok, at_max = number_check(k, -1, &ok);
		int64_t v = (int64_t)k->numbers[0], lo = 0, hi = -1;

		if (!ok)
			return false;
		if (v < -2)
			v = -2;
		if (v > (int64_t)ID_MAX + 1)
			v = (int64_t)ID_MAX + 1;
		switch (k->op) {
		case CONDITION_OP_EQ:
		case CONDITION_OP_NE:
		case CONDITION_OP_IN:
		case CONDITION_OP_INTERSECTS:
			if (k->n_values > VALUES_BUILD_MAX)
				return false;
			for (size_t i = 0; i < k->n_values; i++) {
				int64_t x = (int64_t)k->numbers[i];

				if (x >= 0 && x < (int64_t)ID_MAX)
					spans[n].lo = spans[n].hi = (uint64_t)x, n++;
			}
			if (!idset_from(out, spans, n))
				return false;
			if (k->op == CONDITION_OP_NE) {
				idset_complement(out);
				idset_intersect(out, &below_max);
			}
			break;
		case CONDITION_OP_LT:
			hi = v - 1;
			break;
		case CONDITION_OP_LE:
			hi = v;
			break;
		case CONDITION_OP_GT:
			lo = v + 1, hi = (int64_t)ID_MAX - 1;
			break;
		case CONDITION_OP_GE:
			lo = v, hi = (int64_t)ID_MAX - 1;
			break;
		default:
			return false;
		}
		if (lo < 0)
			lo = 0;
		if (hi > (int64_t)ID_MAX - 1)
			hi = (int64_t)ID_MAX - 1;
		if (lo <= hi)
			idset_add(out, (uint64_t)lo, (uint64_t)hi);
		if (at_max && !idset_add(out, ID_MAX, ID_MAX))
			return false;
		return true;
	}
	/* user.uid: unsigned, every id as itself */
	switch (k->op) {
	case CONDITION_OP_EQ:
	case CONDITION_OP_NE:
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
		for (size_t i = 0; i < k->n_values && n < VALUES_BUILD_MAX; i++)
			if (k->numbers[i] <= ID_MAX)
				spans[n].lo = spans[n].hi = k->numbers[i], n++;
		if (k->n_values > VALUES_BUILD_MAX || !idset_from(out, spans, n))
			return false;
		if (k->op == CONDITION_OP_NE)
			idset_complement(out);
		return true;
	case CONDITION_OP_LT:
		if (k->numbers[0])
			idset_add(out, 0, k->numbers[0] - 1 > ID_MAX ? ID_MAX : k->numbers[0] - 1);
		return true;
	case CONDITION_OP_LE:
		idset_add(out, 0, k->numbers[0] > ID_MAX ? ID_MAX : k->numbers[0]);
		return true;
	case CONDITION_OP_GT:
		if (k->numbers[0] < ID_MAX)
			idset_add(out, k->numbers[0] + 1, ID_MAX);
		return true;
	case CONDITION_OP_GE:
		if (k->numbers[0] <= ID_MAX)
			idset_add(out, k->numbers[0], ID_MAX);
		return true;
	default:
		(void)b, (void)l;
		return false;
	}
}

static enum apply apply_ids(struct rule_build *b, const struct literal *l, const struct lit_meaning *m,
			    bool arg, struct cand *c)
{
	const struct check *k = &l->n->check;
	struct idset set;
	bool *has = arg ? &c->has_arg_uid : &c->has_uid;
	struct idset *into = arg ? &c->arg_uid : &c->uid;

	if (k->exists || !ids_where(k, &set, !arg ? false : !m->raw, arg && m->raw, b, l)) {
		fail_check(b, l, "an id is compared with one number (=, !=, <, <=, >, >=, in)");
		return APPLY_ERROR;
	}
	if (l->negated)
		idset_complement(&set);
	if (*has) {
		if (!idset_intersect(into, &set)) {
			fail_check(b, l, "with the other checks of that id it is more than one comparison");
			return APPLY_ERROR;
		}
	} else {
		*into = set;
	}
	*has = true;
	if (arg)
		c->arg_uid_lit = l;
	else
		c->uid_lit = l;
	return into->n ? APPLY_OK : APPLY_FALSE;
}

static enum apply apply_literal(struct rule_build *b, const struct literal *l, unsigned int type, struct cand *c)
{
	const struct check *k = &l->n->check;
	struct lit_meaning m;

	if (l->n->kind == NODE_TYPES)
		return APPLY_OK; /* decided with the conjunction's types */
	if (!(k->events & BIT(type)))
		return l->negated ? APPLY_OK : APPLY_FALSE; /* the type does not carry the field */
	m = classify(b->e->slots[k->slot].key, type);
	switch (m.kind) {
	case LK_NONE:
		break;
	case LK_SCOPE:
		return apply_scope(b, l, c);
	case LK_SETUP:
		return apply_setup(b, l);
	case LK_STR:
		return apply_string(b, l, m.str, c);
	case LK_CAP:
		return apply_caps(b, l, &m, c);
	case LK_FLAGS:
		return apply_flags(b, l, &m, c);
	case LK_VALUE:
		return apply_values(b, l, &m, c);
	case LK_UID:
		return apply_ids(b, l, &m, false, c);
	case LK_ARG_UID:
		return apply_ids(b, l, &m, true, c);
	}
	if (!b->error) {
		char why[512];
		const char *name = rule_event_type_name(type);

		snprintf(why, sizeof(why), "%s (on %s events)", WHAT_CAN, name ? name : "?");
		fail_check(b, l, why);
	}
	return APPLY_ERROR;
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

static bool has_str(const struct rterm *t, int k)
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
		if (has_str(a, k) != has_str(b, k))
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

static void rule_build_free(struct rule_build *b)
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
static bool compile_rule_terms(struct rule_build *b)
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
					if (has_str(&b.terms[j], k))
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
