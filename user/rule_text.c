// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rules-file loader's storage: an arena and growable arrays, names to
 * indexes, and texts that keep anchors back to the file they came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule_loader_internal.h"

#define ARENA_CHUNK_SIZE (64u << 10)

/* ---- memory: one arena per set for what never changes, growable arrays for the rest ---- */

void *arena_alloc(struct arena_chunk **arena, size_t size)
{
	struct arena_chunk *chunk = *arena;

	size = (size + 15) & ~(size_t)15;
	if (!chunk || chunk->size - chunk->used < size) {
		size_t chunk_size = size > ARENA_CHUNK_SIZE / 4 ? size : ARENA_CHUNK_SIZE;

		chunk = malloc(sizeof(*chunk) + chunk_size);
		if (!chunk)
			return NULL;
		chunk->used = 0;
		chunk->size = chunk_size;
		/* A big block goes behind the current chunk, which keeps its free space. */
		if (*arena && chunk_size != ARENA_CHUNK_SIZE) {
			chunk->next = (*arena)->next;
			(*arena)->next = chunk;
		} else {
			chunk->next = *arena;
			*arena = chunk;
		}
	}
	chunk->used += size;
	return chunk->data + chunk->used - size;
}

char *arena_strndup(struct arena_chunk **arena, const char *s, size_t len)
{
	char *copy = arena_alloc(arena, len + 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* A bigger array for *cap < need; NULL (and the array unchanged) when out of memory. */
void *grow_array(void *items, size_t *cap, size_t need, size_t elem_size)
{
	size_t new_cap = *cap ? *cap : 8;
	void *p;

	while (new_cap < need)
		new_cap *= 2;
	p = reallocarray(items, new_cap, elem_size);
	if (p)
		*cap = new_cap;
	return p;
}

/* ---- names to indexes ---- */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

bool name_index_find(const struct name_index *ix, const char *name, size_t *index)
{
	if (!ix->cap)
		return false;
	for (size_t i = name_hash(name) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		if (!ix->slots[i].name)
			return false;
		if (strcmp(ix->slots[i].name, name) == 0) {
			*index = ix->slots[i].index;
			return true;
		}
	}
}

/* name must live as long as the index; it must not be in it yet. */
bool name_index_add(struct name_index *ix, const char *name, size_t index)
{
	if ((ix->count + 1) * 4 > ix->cap * 3) {
		size_t cap = ix->cap ? ix->cap * 2 : 64;
		struct name_slot *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return false;
		for (size_t i = 0; i < ix->cap; i++) {
			size_t j;

			if (!ix->slots[i].name)
				continue;
			for (j = name_hash(ix->slots[i].name) & (cap - 1); slots[j].name; j = (j + 1) & (cap - 1))
				;
			slots[j] = ix->slots[i];
		}
		free(ix->slots);
		ix->slots = slots;
		ix->cap = cap;
	}
	size_t i = name_hash(name) & (ix->cap - 1);

	while (ix->slots[i].name)
		i = (i + 1) & (ix->cap - 1);
	ix->slots[i].name = name;
	ix->slots[i].index = index;
	ix->count++;
	return true;
}

void name_index_free(struct name_index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

/* ---- texts with anchors ---- */

void text_free(struct text *t)
{
	free(t->s);
	free(t->anchors);
	memset(t, 0, sizeof(*t));
}

void text_clear(struct text *t)
{
	t->len = 0;
	t->n_anchors = 0;
	t->too_long = false;
	t->failed = false;
	if (t->s)
		t->s[0] = '\0';
}

void text_append(struct text *t, const char *s, size_t n)
{
	if (t->too_long || t->failed)
		return;
	if (n > RULES_TEXT_MAX - t->len) {
		t->too_long = true;
		return;
	}
	if (!RESERVE(t->s, t->cap, t->len + n + 1)) {
		t->failed = true;
		return;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void text_puts(struct text *t, const char *s)
{
	text_append(t, s, strlen(s));
}

/* From offset on, the text comes from pos (an anchor at the same offset is replaced). */
void text_anchor(struct text *t, size_t offset, const struct rule_pos *pos)
{
	if (t->n_anchors && t->anchors[t->n_anchors - 1].offset == offset) {
		t->anchors[t->n_anchors - 1].pos = *pos;
		return;
	}
	if (!RESERVE(t->anchors, t->cap_anchors, t->n_anchors + 1)) {
		t->failed = true;
		return;
	}
	t->anchors[t->n_anchors].offset = offset;
	t->anchors[t->n_anchors].pos = *pos;
	t->n_anchors++;
}

/* Text the loader writes, made from what is at pos. */
void text_generated(struct text *t, const char *s, const struct rule_pos *pos)
{
	text_anchor(t, t->len, pos);
	text_puts(t, s);
}

void text_append_text(struct text *t, const struct text *from)
{
	size_t base = t->len;

	text_append(t, from->s ? from->s : "", from->len);
	if (t->too_long || t->failed)
		return;
	for (size_t i = 0; i < from->n_anchors; i++)
		text_anchor(t, base + from->anchors[i].offset, &from->anchors[i].pos);
}
/* A scalar trimmed of blanks at both ends. */
const char *trimmed(const struct rule_value *v, size_t *len)
{
	const char *s = v->text;
	size_t n = v->len;

	while (n && is_blank(*s))
		s++, n--;
	while (n && is_blank(s[n - 1]))
		n--;
	*len = n;
	return s;
}

void rule_text_locate(const struct rule_text *text, size_t offset, struct rule_pos *pos)
{
	size_t lo = 0, hi = text->n_anchors;

	*pos = text->pos;
	if (!hi)
		return;
	if (offset > text->len)
		offset = text->len;
	/* The last anchor at or before offset; the first one is at 0. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (text->anchors[mid].offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	*pos = text->anchors[lo].pos;
	for (size_t i = text->anchors[lo].offset; i < offset; i++)
		if (!is_utf8_continuation(text->text[i]))
			pos->column++;
}
