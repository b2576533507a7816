// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What one literal of a conjunction allows on one event type: which
 * constraint of the kernel's a check is there (by its field and the type), and
 * that constraint applied to the candidate term, or the reason the kernel
 * cannot decide it. Where a check's domain is small (capabilities, flags,
 * requests, commands, ids), it is decided by running the check on every value
 * of the domain, as their text prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce_internal.h"
#include "event_schema.h"

#define WHAT_CAN                                                                                   \
	"only event type, container/host, paths and path prefixes, capability, mount fstype/source, " \
	"namespace flags, ptrace request, bpf command, executable path and uid can"

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

/*
 * A string check on one value's text, as the rule engine makes it, for the
 * operators a finite domain can take exactly. *ok false: another operator.
 */
static bool string_check(const struct check *k, const char *s, bool *ok)
{
	switch (k->op) {
	case CONDITION_OP_EQ:
	case CONDITION_OP_NE:
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
	case CONDITION_OP_CONTAINS:
	case CONDITION_OP_STARTSWITH:
	case CONDITION_OP_ENDSWITH:
		*ok = true;
		return rule_string_matches(k, s, strlen(s));
	default:
		*ok = false;
		return false;
	}
}

/* A number check (signed: INT) on x, as the rule engine makes it. *ok false: another operator. */
static bool number_check(const struct check *k, int64_t x, bool *ok)
{
	switch (k->op) {
	case CONDITION_OP_EQ:
	case CONDITION_OP_NE:
	case CONDITION_OP_LT:
	case CONDITION_OP_LE:
	case CONDITION_OP_GT:
	case CONDITION_OP_GE:
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
		*ok = true;
		return rule_number_matches(k, (uint64_t)x);
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

int u64_cmp(const void *pa, const void *pb)
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

enum apply apply_literal(struct rule_build *b, const struct literal *l, unsigned int type, struct cand *c)
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
