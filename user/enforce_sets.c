// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sets a check of enforcement constrains a value to, kept exact so that
 * two checks of one kind intersect exactly: string sets (exact strings and
 * prefixes, as the kernel's tries take them) and uid sets (sorted disjoint
 * spans, as one comparison of the kernel's takes them).
 */
#include <stdlib.h>
#include <string.h>

#include "enforce_internal.h"

/* ---- string sets ---- */

void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].bytes);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

bool strset_add(struct strset *s, const char *bytes, size_t len, bool exact)
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
void strset_normalize(struct strset *s)
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
bool strset_intersect(struct strset *a, const struct strset *b, struct strset *out)
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

bool strset_equal(const struct strset *a, const struct strset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (entry_cmp(&a->items[i], &b->items[i]))
			return false;
	return true;
}

/* ---- uid sets: sorted disjoint spans of [0, ID_MAX] ---- */

bool idset_add(struct idset *set, uint64_t lo, uint64_t hi)
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
bool idset_from(struct idset *out, struct span *spans, size_t n)
{
	memset(out, 0, sizeof(*out));
	if (n)
		qsort(spans, n, sizeof(*spans), span_cmp);
	for (size_t i = 0; i < n; i++)
		if (!idset_add(out, spans[i].lo, spans[i].hi))
			return false;
	return true;
}

void idset_complement(struct idset *set)
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

bool idset_intersect(struct idset *a, const struct idset *b)
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
bool idset_to_cmp(const struct idset *set, uint32_t *op, uint32_t *value, bool *none)
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
