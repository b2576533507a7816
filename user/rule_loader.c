// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rules files into a rule set (rule_loader.h says what they hold). Three steps
 * per file: libyaml's events become a tree, bounded (no aliases, limited depth,
 * node count and string length); each top-level item of the tree is checked
 * whole and only then applied to the set (define, append, override, enable),
 * so that an item with an error changes nothing; at the end of each load, the
 * rules that changed get their exceptions compiled into their condition text.
 *
 * Every text keeps anchors back to the file, found by walking a scalar's
 * source bytes along its value (rule_text_locate).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "rule_loader.h"

#define ARENA_CHUNK_SIZE (64u << 10)
#define BIT(n) (1u << (n))

/* ---- memory: one arena per set for what never changes, growable arrays for the rest ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

static void *arena_alloc(struct arena_chunk **arena, size_t size)
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

static char *arena_strndup(struct arena_chunk **arena, const char *s, size_t len)
{
	char *copy = arena_alloc(arena, len + 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* A bigger array for *cap < need; NULL (and the array unchanged) when out of memory. */
static void *grow_array(void *items, size_t *cap, size_t need, size_t elem_size)
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

/* true when arr has room for need elements. */
#define RESERVE(arr, cap, need)                                                  \
	({                                                                       \
		bool ok_ = true;                                                 \
		if ((need) > (cap)) {                                            \
			void *p_ = grow_array((arr), &(cap), (need), sizeof(*(arr))); \
			if (p_)                                                  \
				(arr) = p_;                                      \
			else                                                     \
				ok_ = false;                                     \
		}                                                                \
		ok_;                                                             \
	})

/* ---- names to indexes ---- */

struct name_index {
	struct name_slot {
		const char *name;
		size_t index;
	} *slots;
	size_t cap, count; /* cap: 0 or a power of two */
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool name_index_find(const struct name_index *ix, const char *name, size_t *index)
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
static bool name_index_add(struct name_index *ix, const char *name, size_t index)
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

static void name_index_free(struct name_index *ix)
{
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

/* ---- texts with anchors ---- */

struct text {
	char *s;
	size_t len, cap;
	struct rule_text_anchor *anchors;
	size_t n_anchors, cap_anchors;
	bool too_long; /* something was refused: it would have passed RULES_TEXT_MAX */
	bool failed;   /* out of memory */
};

static void text_free(struct text *t)
{
	free(t->s);
	free(t->anchors);
	memset(t, 0, sizeof(*t));
}

static void text_clear(struct text *t)
{
	t->len = 0;
	t->n_anchors = 0;
	t->too_long = false;
	t->failed = false;
	if (t->s)
		t->s[0] = '\0';
}

static void text_append(struct text *t, const char *s, size_t n)
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

static void text_puts(struct text *t, const char *s)
{
	text_append(t, s, strlen(s));
}

/* From offset on, the text comes from pos (an anchor at the same offset is replaced). */
static void text_anchor(struct text *t, size_t offset, const struct rule_pos *pos)
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
static void text_generated(struct text *t, const char *s, const struct rule_pos *pos)
{
	text_anchor(t, t->len, pos);
	text_puts(t, s);
}

static void text_append_text(struct text *t, const struct text *from)
{
	size_t base = t->len;

	text_append(t, from->s ? from->s : "", from->len);
	if (t->too_long || t->failed)
		return;
	for (size_t i = 0; i < from->n_anchors; i++)
		text_anchor(t, base + from->anchors[i].offset, &from->anchors[i].pos);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_utf8_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* A scalar trimmed of blanks at both ends. */
static const char *trimmed(const struct rule_value *v, size_t *len)
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

/* ---- the rule set ---- */

struct exception_def {
	const char *name;
	struct rule_pos pos;              /* the exception's first key */
	const struct rule_value *fields;  /* a field, or a list of them */
	const struct rule_value *comps;   /* the same shape, or NULL for the default */
	const struct rule_value **values; /* one field: strings; a list: lists, one entry a field */
	size_t n_values, cap_values;
	bool shape_ok;                    /* fields and comps are well formed, each alone */
};

struct rule_slot {
	struct rule_def pub;
	struct text desc, condition, output;
	struct text compiled;        /* condition with exceptions */
	const struct text *final;    /* condition or compiled */
	bool dirty;                  /* changed since its exceptions were last compiled */
	struct exception_def *exceptions;
	size_t n_exceptions, cap_exceptions;
	const char **tags;
	size_t n_tags, cap_tags;
	struct rule_extra *extras;
	size_t n_extras, cap_extras;
};

struct macro_slot {
	struct macro_def pub;
	struct text condition;
};

struct list_slot {
	struct list_def pub;
	const char **items;
	size_t n_items, cap_items;
	struct rule_pos *item_pos;
	size_t cap_item_pos;
};

struct message_list {
	struct rule_message *v;
	size_t n, cap;
};

struct rule_set {
	struct arena_chunk *arena;
	struct rule_slot **rules;
	size_t n_rules, cap_rules;
	struct name_index rule_index;
	struct macro_slot **macros;
	size_t n_macros, cap_macros;
	struct name_index macro_index;
	struct list_slot **lists;
	size_t n_lists, cap_lists;
	struct name_index list_index;
	struct message_list errors, warnings;
	size_t n_items; /* top-level items read, all files */
	bool out_of_memory;
};

/* What one file's load needs to know. */
struct load {
	struct rule_set *set;
	const char *file;                 /* the arena's copy of its name */
	const char *src;                  /* its text, without a UTF-8 byte order mark */
	size_t src_len;
	size_t cursor_index, cursor_byte; /* libyaml counts characters, src is bytes */
	size_t nodes;
	unsigned int errors, warnings, warnings_dropped;
	bool stopped;                     /* too many errors: the rest of the file is skipped */
	bool item_failed;                 /* the current item had an error */
	unsigned int item_errors;         /* how many */
	char *what;                       /* "rule 'name'": the current item, for messages */
};

static void out_of_memory(struct load *ld)
{
	ld->set->out_of_memory = true;
	ld->item_failed = true;
	ld->stopped = true;
}

static void add_message(struct load *ld, struct message_list *list, const struct rule_pos *pos,
			const char *message)
{
	struct rule_set *set = ld->set;
	struct rule_message *m;
	char *text;
	int len;

	if (!RESERVE(list->v, list->cap, list->n + 1)) {
		out_of_memory(ld);
		return;
	}
	if (pos->line)
		len = asprintf(&text, "%s:%u:%u: %s", pos->file, pos->line, pos->column, message);
	else
		len = asprintf(&text, "%s: %s", pos->file, message);
	if (len < 0) {
		out_of_memory(ld);
		return;
	}
	m = &list->v[list->n];
	m->pos = *pos;
	m->text = arena_strndup(&set->arena, text, (size_t)len);
	free(text);
	if (!m->text) {
		out_of_memory(ld);
		return;
	}
	m->message = m->text + (size_t)len - strlen(message);
	list->n++;
}

static void report(struct load *ld, bool error, const struct rule_pos *pos, bool prefix, const char *fmt,
		   va_list ap)
{
	char *message, *full;

	if (error) {
		ld->item_failed = true;
		ld->item_errors++;
	}
	if (ld->stopped)
		return;
	if (!error && ld->warnings >= RULES_FILE_WARNINGS_MAX) {
		ld->warnings_dropped++;
		return;
	}
	if (vasprintf(&message, fmt, ap) < 0) {
		out_of_memory(ld);
		return;
	}
	if (prefix && ld->what) {
		if (asprintf(&full, "%s: %s", ld->what, message) < 0) {
			free(message);
			out_of_memory(ld);
			return;
		}
		free(message);
		message = full;
	}
	if (error) {
		add_message(ld, &ld->set->errors, pos, message);
		if (++ld->errors == RULES_FILE_ERRORS_MAX) {
			struct rule_pos file_pos = { ld->file, 0, 0 };

			add_message(ld, &ld->set->errors, &file_pos,
				    "too many errors, the rest of this file is not read");
			ld->stopped = true;
		}
	} else {
		add_message(ld, &ld->set->warnings, pos, message);
		ld->warnings++;
	}
	free(message);
}

/* An error about the file or its YAML. */
__attribute__((format(printf, 3, 4))) static void file_error(struct load *ld, const struct rule_pos *pos,
							      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ld, true, pos, false, fmt, ap);
	va_end(ap);
}

/* An error in the current item, "rule 'x': " first. */
__attribute__((format(printf, 3, 4))) static void item_error(struct load *ld, const struct rule_pos *pos,
							      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ld, true, pos, true, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void item_warning(struct load *ld, const struct rule_pos *pos,
								const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ld, false, pos, true, fmt, ap);
	va_end(ap);
}

struct rule_set *rule_set_new(void)
{
	return calloc(1, sizeof(struct rule_set));
}

static void exceptions_free(struct exception_def *exceptions, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(exceptions[i].values);
	free(exceptions);
}

static void rule_slot_clear(struct rule_slot *r)
{
	text_clear(&r->desc);
	text_clear(&r->condition);
	text_clear(&r->output);
	text_clear(&r->compiled);
	for (size_t i = 0; i < r->n_exceptions; i++)
		free(r->exceptions[i].values);
	r->n_exceptions = 0;
	r->n_tags = 0;
	r->n_extras = 0;
}

void rule_set_free(struct rule_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_rules; i++) {
		struct rule_slot *r = set->rules[i];

		rule_slot_clear(r);
		text_free(&r->desc);
		text_free(&r->condition);
		text_free(&r->output);
		text_free(&r->compiled);
		free(r->exceptions);
		free(r->tags);
		free(r->extras);
		free(r);
	}
	for (size_t i = 0; i < set->n_macros; i++) {
		text_free(&set->macros[i]->condition);
		free(set->macros[i]);
	}
	for (size_t i = 0; i < set->n_lists; i++) {
		free(set->lists[i]->items);
		free(set->lists[i]->item_pos);
		free(set->lists[i]);
	}
	free(set->rules);
	free(set->macros);
	free(set->lists);
	name_index_free(&set->rule_index);
	name_index_free(&set->macro_index);
	name_index_free(&set->list_index);
	free(set->errors.v);
	free(set->warnings.v);
	while (set->arena) {
		struct arena_chunk *next = set->arena->next;

		free(set->arena);
		set->arena = next;
	}
	free(set);
}

size_t rule_set_rule_count(const struct rule_set *set)
{
	return set->n_rules;
}

const struct rule_def *rule_set_rule(const struct rule_set *set, size_t index)
{
	return index < set->n_rules ? &set->rules[index]->pub : NULL;
}

const struct rule_def *rule_set_find_rule(const struct rule_set *set, const char *name)
{
	size_t i;

	return name_index_find(&set->rule_index, name, &i) ? &set->rules[i]->pub : NULL;
}

size_t rule_set_macro_count(const struct rule_set *set)
{
	return set->n_macros;
}

const struct macro_def *rule_set_macro(const struct rule_set *set, size_t index)
{
	return index < set->n_macros ? &set->macros[index]->pub : NULL;
}

const struct macro_def *rule_set_find_macro(const struct rule_set *set, const char *name)
{
	size_t i;

	return name_index_find(&set->macro_index, name, &i) ? &set->macros[i]->pub : NULL;
}

size_t rule_set_list_count(const struct rule_set *set)
{
	return set->n_lists;
}

const struct list_def *rule_set_list(const struct rule_set *set, size_t index)
{
	return index < set->n_lists ? &set->lists[index]->pub : NULL;
}

const struct list_def *rule_set_find_list(const struct rule_set *set, const char *name)
{
	size_t i;

	return name_index_find(&set->list_index, name, &i) ? &set->lists[i]->pub : NULL;
}

size_t rule_set_error_count(const struct rule_set *set)
{
	return set->errors.n;
}

const struct rule_message *rule_set_error(const struct rule_set *set, size_t index)
{
	return index < set->errors.n ? &set->errors.v[index] : NULL;
}

size_t rule_set_warning_count(const struct rule_set *set)
{
	return set->warnings.n;
}

const struct rule_message *rule_set_warning(const struct rule_set *set, size_t index)
{
	return index < set->warnings.n ? &set->warnings.v[index] : NULL;
}

const struct rule_value *rule_def_extra(const struct rule_def *rule, const char *key)
{
	for (size_t i = 0; i < rule->n_extras; i++)
		if (strcmp(rule->extras[i].key, key) == 0)
			return rule->extras[i].value;
	return NULL;
}

static const char *const priority_names[] = {
	[RULE_PRIORITY_EMERGENCY] = "Emergency", [RULE_PRIORITY_ALERT] = "Alert",
	[RULE_PRIORITY_CRITICAL] = "Critical",   [RULE_PRIORITY_ERROR] = "Error",
	[RULE_PRIORITY_WARNING] = "Warning",     [RULE_PRIORITY_NOTICE] = "Notice",
	[RULE_PRIORITY_INFORMATIONAL] = "Informational", [RULE_PRIORITY_DEBUG] = "Debug",
};

const char *rule_priority_name(enum rule_priority priority)
{
	if ((unsigned int)priority >= sizeof(priority_names) / sizeof(priority_names[0]))
		return "unknown";
	return priority_names[priority];
}

int rule_priority_parse(const char *text, enum rule_priority *priority)
{
	for (size_t i = 0; i < sizeof(priority_names) / sizeof(priority_names[0]); i++) {
		if (strcasecmp(text, priority_names[i]) == 0) {
			*priority = (enum rule_priority)i;
			return 0;
		}
	}
	if (strcasecmp(text, "info") == 0) {
		*priority = RULE_PRIORITY_INFORMATIONAL;
		return 0;
	}
	return -EINVAL;
}

/* ---- YAML to a tree ---- */

bool rule_value_is_null(const struct rule_value *v)
{
	return v->kind == RULE_VALUE_SCALAR && v->style == RULE_VALUE_PLAIN &&
	       (v->len == 0 || strcmp(v->text, "~") == 0 || strcmp(v->text, "null") == 0 ||
		strcmp(v->text, "Null") == 0 || strcmp(v->text, "NULL") == 0);
}

static struct rule_pos mark_pos(const struct load *ld, yaml_mark_t mark)
{
	return (struct rule_pos){ ld->file, (unsigned int)mark.line + 1, (unsigned int)mark.column + 1 };
}

/* The byte offset of libyaml's character index; marks come in order, so the walk goes on from the last. */
static size_t byte_offset(struct load *ld, size_t index)
{
	while (ld->cursor_index > index && ld->cursor_byte > 0) {
		ld->cursor_byte--;
		while (ld->cursor_byte > 0 && is_utf8_continuation(ld->src[ld->cursor_byte]))
			ld->cursor_byte--;
		ld->cursor_index--;
	}
	while (ld->cursor_index < index && ld->cursor_byte < ld->src_len) {
		ld->cursor_byte++;
		while (ld->cursor_byte < ld->src_len && is_utf8_continuation(ld->src[ld->cursor_byte]))
			ld->cursor_byte++;
		ld->cursor_index++;
	}
	return ld->cursor_byte;
}

/* The line and column of a byte offset, for libyaml's reader errors. */
static struct rule_pos byte_pos(const struct load *ld, size_t offset)
{
	struct rule_pos pos = { ld->file, 1, 1 };

	for (size_t i = 0; i < offset && i < ld->src_len; i++) {
		if (ld->src[i] == '\n') {
			pos.line++;
			pos.column = 1;
		} else if (!is_utf8_continuation(ld->src[i])) {
			pos.column++;
		}
	}
	return pos;
}

static void yaml_error(struct load *ld, const yaml_parser_t *parser)
{
	struct rule_pos pos = mark_pos(ld, parser->problem_mark);
	const char *problem = parser->problem ? parser->problem : "unknown error";

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		out_of_memory(ld);
		return;
	case YAML_READER_ERROR:
		pos = byte_pos(ld, parser->problem_offset);
		if (parser->problem_value != -1)
			file_error(ld, &pos, "invalid YAML: %s (#%X)", problem, (unsigned int)parser->problem_value);
		else
			file_error(ld, &pos, "invalid YAML: %s", problem);
		return;
	default:
		if (parser->context)
			file_error(ld, &pos, "invalid YAML: %s, %s at line %u, column %u", problem, parser->context,
				   (unsigned int)parser->context_mark.line + 1,
				   (unsigned int)parser->context_mark.column + 1);
		else
			file_error(ld, &pos, "invalid YAML: %s", problem);
	}
}

/* A list or mapping being read: its children so far. */
struct frame {
	struct rule_value node;
	struct rule_value *children;
	size_t n, cap;
};

static const char *describe(const struct rule_value *v)
{
	if (v->kind == RULE_VALUE_SEQUENCE)
		return "a list";
	if (v->kind == RULE_VALUE_MAPPING)
		return "a mapping";
	if (rule_value_is_null(v))
		return "an empty value";
	return "a string";
}

static bool frame_add(struct load *ld, struct frame *frame, const struct rule_value *v)
{
	if (++ld->nodes > RULES_NODES_MAX) {
		file_error(ld, &v->pos, "more than %u YAML values in one file", RULES_NODES_MAX);
		return false;
	}
	if (!RESERVE(frame->children, frame->cap, frame->n + 1)) {
		out_of_memory(ld);
		return false;
	}
	frame->children[frame->n++] = *v;
	return true;
}

static bool read_scalar(struct load *ld, const yaml_event_t *event, struct rule_value *v)
{
	static const enum rule_value_style styles[] = {
		[YAML_PLAIN_SCALAR_STYLE] = RULE_VALUE_PLAIN,
		[YAML_SINGLE_QUOTED_SCALAR_STYLE] = RULE_VALUE_SINGLE_QUOTED,
		[YAML_DOUBLE_QUOTED_SCALAR_STYLE] = RULE_VALUE_DOUBLE_QUOTED,
		[YAML_LITERAL_SCALAR_STYLE] = RULE_VALUE_LITERAL,
		[YAML_FOLDED_SCALAR_STYLE] = RULE_VALUE_FOLDED,
	};
	const char *text = (const char *)event->data.scalar.value;
	size_t len = event->data.scalar.length;
	unsigned int style = event->data.scalar.style;

	memset(v, 0, sizeof(*v));
	v->kind = RULE_VALUE_SCALAR;
	v->style = style < sizeof(styles) / sizeof(styles[0]) ? styles[style] : RULE_VALUE_PLAIN;
	v->pos = mark_pos(ld, event->start_mark);
	v->offset = byte_offset(ld, event->start_mark.index);
	v->end = byte_offset(ld, event->end_mark.index);
	if (len > RULES_STRING_MAX) {
		file_error(ld, &v->pos, "a string longer than %u bytes", RULES_STRING_MAX);
		return false;
	}
	if (memchr(text, '\0', len)) {
		file_error(ld, &v->pos, "a string holds a NUL character");
		return false;
	}
	v->text = arena_strndup(&ld->set->arena, text, len);
	v->len = len;
	if (!v->text) {
		out_of_memory(ld);
		return false;
	}
	return true;
}

static bool start_collection(struct load *ld, const yaml_event_t *event, struct frame *frame)
{
	bool sequence = event->type == YAML_SEQUENCE_START_EVENT;
	bool flow = sequence ? event->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
			     : event->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;

	memset(frame, 0, sizeof(*frame));
	frame->node.kind = sequence ? RULE_VALUE_SEQUENCE : RULE_VALUE_MAPPING;
	frame->node.style = flow ? RULE_VALUE_FLOW : RULE_VALUE_BLOCK;
	frame->node.pos = mark_pos(ld, event->start_mark);
	frame->node.offset = byte_offset(ld, event->start_mark.index);
	return true;
}

static bool end_collection(struct load *ld, const yaml_event_t *event, struct frame *frame)
{
	struct rule_value *node = &frame->node;
	struct rule_value *items = NULL;

	node->end = byte_offset(ld, event->end_mark.index);
	if (node->kind == RULE_VALUE_MAPPING) {
		for (size_t i = 0; i < frame->n; i += 2) {
			if (frame->children[i].kind != RULE_VALUE_SCALAR) {
				file_error(ld, &frame->children[i].pos, "a mapping key must be a string, not %s",
					   describe(&frame->children[i]));
				return false;
			}
		}
	}
	if (frame->n) {
		items = arena_alloc(&ld->set->arena, frame->n * sizeof(*items));
		if (!items) {
			out_of_memory(ld);
			return false;
		}
		memcpy(items, frame->children, frame->n * sizeof(*items));
	}
	node->items = items;
	node->count = node->kind == RULE_VALUE_MAPPING ? frame->n / 2 : frame->n;
	free(frame->children);
	frame->children = NULL;
	return true;
}

/*
 * The file's documents, their root values in *docs (malloc'd, *n_docs of
 * them). false after an error (reported).
 */
static bool read_documents(struct load *ld, struct rule_value **docs, size_t *n_docs)
{
	struct frame frames[RULES_DEPTH_MAX + 1]; /* [0]: the stream, whose children are documents */
	size_t depth = 0;
	yaml_parser_t parser;
	yaml_event_t event;
	bool ok = true, done = false;

	memset(&frames[0], 0, sizeof(frames[0]));
	if (!yaml_parser_initialize(&parser)) {
		out_of_memory(ld);
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)ld->src, ld->src_len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (ok && !done) {
		struct rule_value scalar;

		if (!yaml_parser_parse(&parser, &event)) {
			yaml_error(ld, &parser);
			ok = false;
			break;
		}
		switch (event.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT: {
			struct rule_pos pos = mark_pos(ld, event.start_mark);

			file_error(ld, &pos, "YAML aliases are not supported (*%s)",
				   (const char *)event.data.alias.anchor);
			ok = false;
			break;
		}
		case YAML_SCALAR_EVENT:
			ok = read_scalar(ld, &event, &scalar) && frame_add(ld, &frames[depth], &scalar);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == RULES_DEPTH_MAX) {
				struct rule_pos pos = mark_pos(ld, event.start_mark);

				file_error(ld, &pos, "lists and mappings nested deeper than %u", RULES_DEPTH_MAX);
				ok = false;
				break;
			}
			ok = start_collection(ld, &event, &frames[++depth]);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			ok = depth > 0 && end_collection(ld, &event, &frames[depth]);
			if (ok) {
				depth--;
				ok = frame_add(ld, &frames[depth], &frames[depth + 1].node);
			}
			break;
		default: /* stream and document starts, document ends */
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	for (size_t i = 1; i <= depth; i++)
		free(frames[i].children);
	if (!ok) {
		free(frames[0].children);
		return false;
	}
	*docs = frames[0].children;
	*n_docs = frames[0].n;
	return true;
}

/*
 * Where each character of a scalar's (trimmed) value, now at t->s[base...],
 * is in the file: the value's non-blank characters are the source's, in
 * order, with blanks, indentation, quotes and escapes between them. An
 * anchor goes wherever the next character is not where the last anchor's
 * column count would put it.
 */
static void map_scalar(const struct load *ld, struct text *t, size_t base, const char *s, size_t len,
		       const struct rule_value *v)
{
	const char *src = ld->src;
	size_t end = v->end < ld->src_len ? v->end : ld->src_len;
	size_t cur = v->offset < end ? v->offset : end;
	struct rule_pos at = v->pos, expected = { NULL, 0, 0 };

	/* advance past src[cur], counting lines and characters */
#define ADVANCE()                                                                        \
	do {                                                                             \
		unsigned char b_ = src[cur++];                                           \
		if (b_ == '\n' || (b_ == '\r' && (cur >= ld->src_len || src[cur] != '\n'))) { \
			at.line++;                                                       \
			at.column = 1;                                                   \
		} else if (b_ != '\r' && !is_utf8_continuation(b_)) {                    \
			at.column++;                                                     \
		}                                                                        \
	} while (0)

	text_anchor(t, base, &v->pos);
	if (v->style == RULE_VALUE_SINGLE_QUOTED || v->style == RULE_VALUE_DOUBLE_QUOTED) {
		if (cur < end)
			ADVANCE();
	} else if (v->style == RULE_VALUE_LITERAL || v->style == RULE_VALUE_FOLDED) {
		/* The header line (| or >, indicators, a comment) holds none of the value. */
		while (cur < end && src[cur] != '\n' && src[cur] != '\r')
			ADVANCE();
		if (cur < end)
			ADVANCE();
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (is_blank(c)) {
			expected.column++;
			continue;
		}
		while (cur < end && (unsigned char)src[cur] != c)
			ADVANCE();
		if (cur >= end)
			break; /* an escape wrote it: the rest follows the last anchor */
		if (!is_utf8_continuation(c)) {
			if (at.line != expected.line || at.column != expected.column) {
				text_anchor(t, base + i, &at);
				expected = at;
			}
			expected.column++;
		}
		ADVANCE();
	}
#undef ADVANCE
}

/* A scalar's trimmed value appended to t, with its anchors. */
static void text_add_scalar(const struct load *ld, struct text *t, const struct rule_value *v)
{
	size_t len, base = t->len;
	const char *s = trimmed(v, &len);

	text_append(t, s, len);
	if (!t->too_long && !t->failed)
		map_scalar(ld, t, base, s, len, v);
}

/* ---- checking values ---- */

static const struct rule_value *map_get(const struct rule_value *map, const char *key)
{
	for (size_t i = 0; i < map->count; i++)
		if (strcmp(map->items[2 * i].text, key) == 0)
			return &map->items[2 * i + 1];
	return NULL;
}

static const struct rule_value *map_key(const struct rule_value *map, const char *key)
{
	for (size_t i = 0; i < map->count; i++)
		if (strcmp(map->items[2 * i].text, key) == 0)
			return &map->items[2 * i];
	return NULL;
}

/* Duplicate keys in every mapping of an item. */
static void check_duplicate_keys(struct load *ld, const struct rule_value *v)
{
	if (v->kind == RULE_VALUE_SEQUENCE) {
		for (size_t i = 0; i < v->count; i++)
			check_duplicate_keys(ld, &v->items[i]);
		return;
	}
	if (v->kind != RULE_VALUE_MAPPING)
		return;
	if (v->count <= 32) {
		for (size_t i = 1; i < v->count; i++) {
			const struct rule_value *key = &v->items[2 * i];

			for (size_t j = 0; j < i; j++) {
				const struct rule_value *first = &v->items[2 * j];

				if (strcmp(first->text, key->text) == 0) {
					item_error(ld, &key->pos, "duplicate key '%s' (first at line %u, column %u)",
						   key->text, first->pos.line, first->pos.column);
					break;
				}
			}
		}
	} else {
		struct name_index seen = { 0 };

		for (size_t i = 0; i < v->count; i++) {
			const struct rule_value *key = &v->items[2 * i];
			size_t j;

			if (name_index_find(&seen, key->text, &j)) {
				const struct rule_value *first = &v->items[2 * j];

				item_error(ld, &key->pos, "duplicate key '%s' (first at line %u, column %u)", key->text,
					   first->pos.line, first->pos.column);
			} else if (!name_index_add(&seen, key->text, i)) {
				out_of_memory(ld);
				break;
			}
		}
		name_index_free(&seen);
	}
	for (size_t i = 0; i < v->count; i++)
		check_duplicate_keys(ld, &v->items[2 * i + 1]);
}

/* A non-empty string (blanks alone are empty), or NULL after an error. */
static const char *want_string(struct load *ld, const struct rule_value *v, const char *key)
{
	size_t len;

	if (v->kind != RULE_VALUE_SCALAR) {
		item_error(ld, &v->pos, "'%s' must be a string, not %s", key, describe(v));
		return NULL;
	}
	trimmed(v, &len);
	if (rule_value_is_null(v) || len == 0) {
		item_error(ld, &v->pos, "'%s' is empty", key);
		return NULL;
	}
	return v->text;
}

static bool want_bool(struct load *ld, const struct rule_value *v, const char *key, bool *out)
{
	static const char *const truths[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const lies[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };

	if (v->kind == RULE_VALUE_SCALAR) {
		for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
			if (strcmp(v->text, truths[i]) == 0) {
				*out = true;
				return true;
			}
			if (strcmp(v->text, lies[i]) == 0) {
				*out = false;
				return true;
			}
		}
		if (!rule_value_is_null(v)) {
			item_error(ld, &v->pos, "'%s' must be true or false, not '%s'", key, v->text);
			return false;
		}
	}
	item_error(ld, &v->pos, "'%s' must be true or false, not %s", key, describe(v));
	return false;
}

/* A list of strings (each a non-empty scalar); false after errors. */
static bool want_string_list(struct load *ld, const struct rule_value *v, const char *key)
{
	bool ok = true;

	if (v->kind != RULE_VALUE_SEQUENCE) {
		item_error(ld, &v->pos, "'%s' must be a list of strings, not %s", key, describe(v));
		return false;
	}
	for (size_t i = 0; i < v->count; i++) {
		const struct rule_value *item = &v->items[i];

		if (item->kind != RULE_VALUE_SCALAR || rule_value_is_null(item)) {
			item_error(ld, &item->pos, "an entry of '%s' must be a string, not %s", key, describe(item));
			ok = false;
		}
	}
	return ok;
}

static bool is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [A-Za-z][A-Za-z0-9_]*, a macro's name; *end: where it stopped. */
static bool is_identifier_prefix(const char *s, const char **end)
{
	if (!is_ascii_letter(*s))
		return false;
	while (is_ascii_letter(*s) || is_ascii_digit(*s) || *s == '_')
		s++;
	*end = s;
	return true;
}

static bool is_identifier(const char *s)
{
	const char *end;

	return is_identifier_prefix(s, &end) && *end == '\0';
}

/* The condition language's bare string: what needs no quotes. */
static bool is_bare_char(char c)
{
	return !strchr("()\"'=,", c) && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' &&
	       c != '\f' && c != '\b' && c != '\0';
}

static bool is_bare(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_bare_char(s[i]))
			return false;
	return true;
}

/* One whole quoted string of the condition language: "..." or '...', \ escaping. */
static bool is_quoted(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 2 || (s[0] != '"' && s[0] != '\'') || s[len - 1] != s[0])
		return false;
	while (i < len - 1) {
		if (s[i] == '\\')
			i += 2;
		else if (s[i] == s[0])
			return false;
		else
			i++;
	}
	return i == len - 1; /* past it: the last quote was escaped */
}

/* A field as the condition language names one: proc.name, proc.aname[2], evt.arg.flags. */
static bool is_field_name(const char *s)
{
	const char *end;
	int parts = 0;

	for (;;) {
		if (!is_identifier_prefix(s, &end))
			return false;
		s = end;
		parts++;
		if (*s != '.')
			break;
		s++;
	}
	if (parts < 2)
		return false;
	if (*s == '[') {
		const char *arg = ++s;

		while (*s && *s != ']' && *s != '[' && *s != '"' && *s != '\'' && !is_blank(*s))
			s++;
		if (s == arg || *s != ']')
			return false;
		s++;
	}
	return *s == '\0';
}

static const char *const comparison_operators[] = {
	"=",	     "==",	   "!=",       "<",	     "<=",	  ">",	 ">=",
	"contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob",
	"iglob",    "in",	   "intersects", "pmatch",
};

static bool is_comparison_operator(const char *s)
{
	for (size_t i = 0; i < sizeof(comparison_operators) / sizeof(comparison_operators[0]); i++)
		if (strcmp(s, comparison_operators[i]) == 0)
			return true;
	return false;
}

/* The operators whose right side is a list. */
static bool is_list_operator(const char *s)
{
	return strcmp(s, "in") == 0 || strcmp(s, "intersects") == 0 || strcmp(s, "pmatch") == 0;
}

/* ---- exceptions ---- */

/* The shape of fields and comps, and each of values; fields and comps may be a defined exception's. */
static void check_exception(struct load *ld, const struct exception_def *ex, const struct rule_value *fields,
			    const struct rule_value *comps, const struct rule_value *const *values, size_t n_values)
{
	if (fields->kind == RULE_VALUE_SCALAR) {
		const char *comp = comps ? comps->text : "in";

		if (comps && comps->kind != RULE_VALUE_SCALAR) {
			item_error(ld, &comps->pos,
				   "exception '%s': 'fields' is one field, so 'comps' must be one operator, not %s",
				   ex->name, describe(comps));
			return;
		}
		if (!is_list_operator(comp)) {
			item_error(ld, &comps->pos,
				   "exception '%s': with one field, 'comps' must be in, intersects or pmatch, not '%s'",
				   ex->name, comp);
			return;
		}
		for (size_t i = 0; i < n_values; i++) {
			if (values[i]->kind != RULE_VALUE_SCALAR || rule_value_is_null(values[i]))
				item_error(ld, &values[i]->pos,
					   "exception '%s': with one field, each value must be a string, not %s",
					   ex->name, describe(values[i]));
		}
		return;
	}

	size_t n_fields = fields->count;

	if (comps && comps->kind != RULE_VALUE_SEQUENCE) {
		item_error(ld, &comps->pos,
			   "exception '%s': 'fields' is a list, so 'comps' must be a list too, not %s", ex->name,
			   describe(comps));
		return;
	}
	if (comps && comps->count != n_fields) {
		item_error(ld, &comps->pos, "exception '%s': 'fields' has %zu entries but 'comps' has %zu",
			   ex->name, n_fields, comps->count);
		return;
	}
	for (size_t i = 0; i < n_values; i++) {
		const struct rule_value *row = values[i];

		if (row->kind != RULE_VALUE_SEQUENCE) {
			item_error(ld, &row->pos,
				   "exception '%s': each value must be a list of %zu, one for each field, not %s",
				   ex->name, n_fields, describe(row));
			continue;
		}
		if (row->count != n_fields) {
			item_error(ld, &row->pos, "exception '%s': a value has %zu entries but 'fields' has %zu",
				   ex->name, row->count, n_fields);
			continue;
		}
		for (size_t k = 0; k < n_fields; k++) {
			const struct rule_value *v = &row->items[k];
			const char *comp = comps ? comps->items[k].text : "=";

			if (v->kind == RULE_VALUE_SEQUENCE) {
				if (!is_list_operator(comp)) {
					item_error(ld, &v->pos,
						   "exception '%s': a list value needs in, intersects or pmatch, not '%s'",
						   ex->name, comp);
					continue;
				}
				for (size_t j = 0; j < v->count; j++) {
					if (v->items[j].kind != RULE_VALUE_SCALAR || rule_value_is_null(&v->items[j]))
						item_error(ld, &v->items[j].pos,
							   "exception '%s': an entry of a list value must be a string, not %s",
							   ex->name, describe(&v->items[j]));
				}
			} else if (v->kind != RULE_VALUE_SCALAR || rule_value_is_null(v)) {
				item_error(ld, &v->pos,
					   "exception '%s': a value must be a string or a list of strings, not %s",
					   ex->name, describe(v));
			}
		}
	}
}

/* fields (one field or a list of them) and comps (one operator or a list), alone. */
static bool check_exception_names(struct load *ld, const struct exception_def *ex)
{
	const struct rule_value *fields = ex->fields, *comps = ex->comps;
	unsigned int errors = ld->item_errors;

	if (fields) {
		if (fields->kind == RULE_VALUE_SEQUENCE) {
			if (!fields->count)
				item_error(ld, &fields->pos, "exception '%s': 'fields' is an empty list", ex->name);
			for (size_t i = 0; i < fields->count; i++) {
				const struct rule_value *f = &fields->items[i];

				if (f->kind != RULE_VALUE_SCALAR)
					item_error(ld, &f->pos, "exception '%s': a field must be a string, not %s",
						   ex->name, describe(f));
				else if (!is_field_name(f->text))
					item_error(ld, &f->pos, "exception '%s': '%s' is not a field name", ex->name,
						   f->text);
			}
		} else if (fields->kind != RULE_VALUE_SCALAR || rule_value_is_null(fields)) {
			item_error(ld, &fields->pos,
				   "exception '%s': 'fields' must be a field or a list of fields, not %s", ex->name,
				   describe(fields));
		} else if (!is_field_name(fields->text)) {
			item_error(ld, &fields->pos, "exception '%s': '%s' is not a field name", ex->name,
				   fields->text);
		}
	}
	if (comps) {
		if (comps->kind == RULE_VALUE_SEQUENCE) {
			for (size_t i = 0; i < comps->count; i++) {
				const struct rule_value *c = &comps->items[i];

				if (c->kind != RULE_VALUE_SCALAR)
					item_error(ld, &c->pos, "exception '%s': an operator must be a string, not %s",
						   ex->name, describe(c));
				else if (!is_comparison_operator(c->text))
					item_error(ld, &c->pos, "exception '%s': unknown comparison operator '%s'",
						   ex->name, c->text);
			}
		} else if (comps->kind != RULE_VALUE_SCALAR || rule_value_is_null(comps)) {
			item_error(ld, &comps->pos,
				   "exception '%s': 'comps' must be an operator or a list of operators, not %s",
				   ex->name, describe(comps));
		} else if (!is_comparison_operator(comps->text)) {
			item_error(ld, &comps->pos, "exception '%s': unknown comparison operator '%s'", ex->name,
				   comps->text);
		}
	}
	return ld->item_errors == errors;
}

/* A rule's exceptions by name: many exceptions appended to many must not cost their product. */
static bool index_exceptions(struct load *ld, const struct exception_def *defs, size_t n, struct name_index *index)
{
	memset(index, 0, sizeof(*index));
	for (size_t i = 0; i < n; i++) {
		if (!name_index_add(index, defs[i].name, i)) {
			out_of_memory(ld);
			name_index_free(index);
			return false;
		}
	}
	return true;
}

/* An item's `exceptions`, each read alone (names, shapes); *out is malloc'd. */
static void read_exceptions(struct load *ld, const struct rule_value *node, struct exception_def **out,
			    size_t *n_out)
{
	struct exception_def *defs;
	struct name_index names = { 0 };
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (rule_value_is_null(node))
		return;
	if (node->kind != RULE_VALUE_SEQUENCE) {
		item_error(ld, &node->pos, "'exceptions' must be a list, not %s", describe(node));
		return;
	}
	if (!node->count)
		return;
	defs = calloc(node->count, sizeof(*defs));
	if (!defs) {
		out_of_memory(ld);
		return;
	}
	for (size_t i = 0; i < node->count; i++) {
		const struct rule_value *e = &node->items[i], *name, *values;
		struct exception_def *ex;
		size_t first;

		if (e->kind != RULE_VALUE_MAPPING) {
			item_error(ld, &e->pos, "an exception must be a mapping, not %s", describe(e));
			continue;
		}
		name = map_get(e, "name");
		if (!name) {
			item_error(ld, &e->pos, "an exception has no 'name'");
			continue;
		}
		if (!want_string(ld, name, "name"))
			continue;
		if (name_index_find(&names, name->text, &first)) {
			item_error(ld, &name->pos, "exception '%s' is defined twice in this item (first at line %u)",
				   name->text, defs[first].pos.line);
			continue;
		}
		if (!name_index_add(&names, name->text, n)) {
			out_of_memory(ld);
			break;
		}
		for (size_t k = 0; k < e->count; k++) {
			const char *key = e->items[2 * k].text;

			if (strcmp(key, "name") && strcmp(key, "fields") && strcmp(key, "comps") && strcmp(key, "values"))
				item_warning(ld, &e->items[2 * k].pos, "exception '%s': unknown key '%s', ignored",
					     name->text, key);
		}
		ex = &defs[n++];
		ex->name = name->text;
		ex->pos = e->pos;
		ex->fields = map_get(e, "fields");
		ex->comps = map_get(e, "comps");
		if (ex->comps && rule_value_is_null(ex->comps))
			ex->comps = NULL;
		ex->shape_ok = check_exception_names(ld, ex);
		values = map_get(e, "values");
		if (!values || rule_value_is_null(values))
			continue;
		if (values->kind != RULE_VALUE_SEQUENCE) {
			item_error(ld, &values->pos, "exception '%s': 'values' must be a list, not %s", ex->name,
				   describe(values));
			continue;
		}
		if (values->count) {
			ex->values = calloc(values->count, sizeof(*ex->values));
			if (!ex->values) {
				out_of_memory(ld);
				break;
			}
			ex->cap_values = values->count;
		}
		for (size_t k = 0; k < values->count; k++)
			ex->values[ex->n_values++] = &values->items[k];
	}
	name_index_free(&names);
	*out = defs;
	*n_out = n;
}

/* Exceptions that define themselves (a new rule, a replacement): fields required, values checked. */
static void check_exception_definitions(struct load *ld, const struct exception_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct exception_def *ex = &defs[i];

		if (!ex->fields)
			item_error(ld, &ex->pos, "exception '%s' has no 'fields'", ex->name);
		else if (ex->shape_ok)
			check_exception(ld, ex, ex->fields, ex->comps, ex->values, ex->n_values);
	}
}

/* Exceptions appended to a rule's: new ones define themselves, known ones add values. */
static void check_exception_appends(struct load *ld, const struct rule_slot *rule, const struct exception_def *defs,
				    size_t n)
{
	struct name_index index;

	if (!index_exceptions(ld, rule->exceptions, rule->n_exceptions, &index))
		return;
	for (size_t i = 0; i < n; i++) {
		const struct exception_def *ex = &defs[i];
		const struct exception_def *known = NULL;
		size_t k;

		if (name_index_find(&index, ex->name, &k))
			known = &rule->exceptions[k];

		if (!known) {
			if (!ex->fields)
				item_error(ld, &ex->pos, "exception '%s' has no 'fields'", ex->name);
			else if (!ex->n_values)
				item_error(ld, &ex->pos, "exception '%s' has no 'values'", ex->name);
			else if (ex->shape_ok)
				check_exception(ld, ex, ex->fields, ex->comps, ex->values, ex->n_values);
			continue;
		}
		if (ex->fields || ex->comps) {
			item_error(ld, &ex->pos,
				   "exception '%s' exists: only its 'values' can be appended to, not its '%s'", ex->name,
				   ex->fields ? "fields" : "comps");
			continue;
		}
		if (!ex->n_values)
			item_warning(ld, &ex->pos, "exception '%s': no 'values' to append", ex->name);
		else
			check_exception(ld, ex, known->fields, known->comps, ex->values, ex->n_values);
	}
	name_index_free(&index);
}

/* ---- rules ---- */

enum rule_key {
	RK_DESC,
	RK_CONDITION,
	RK_OUTPUT,
	RK_PRIORITY,
	RK_TAGS,
	RK_ENABLED,
	RK_EXCEPTIONS,
	RK_WARN_EVTTYPES,
	RK_SKIP_IF_UNKNOWN_FILTER,
	RK_SOURCE,
	RK_ACTION,
	RK_CAPTURE,
	RK_CAPTURE_DURATION,
	RK_COUNT,
};

static const struct rule_key_info {
	const char *name;
	bool appendable, replaceable;
	bool vigil; /* vigil's own: kept as an extra */
} rule_keys[RK_COUNT] = {
	[RK_DESC] = { "desc", true, true, false },
	[RK_CONDITION] = { "condition", true, true, false },
	[RK_OUTPUT] = { "output", true, true, false },
	[RK_PRIORITY] = { "priority", false, true, false },
	[RK_TAGS] = { "tags", true, true, false },
	[RK_ENABLED] = { "enabled", false, true, false },
	[RK_EXCEPTIONS] = { "exceptions", true, true, false },
	[RK_WARN_EVTTYPES] = { "warn_evttypes", false, true, false },
	[RK_SKIP_IF_UNKNOWN_FILTER] = { "skip-if-unknown-filter", false, true, false },
	[RK_SOURCE] = { "source", false, false, false },
	[RK_ACTION] = { "action", false, true, true },
	[RK_CAPTURE] = { "capture", false, true, true },
	[RK_CAPTURE_DURATION] = { "capture_duration", false, true, true },
};

#define RK_DEFINITION_KEYS (BIT(RK_DESC) | BIT(RK_CONDITION) | BIT(RK_OUTPUT) | BIT(RK_PRIORITY))
#define RK_ALL (BIT(RK_COUNT) - 1)

/* One rule item, read and checked, before it changes the set. */
struct rule_item {
	const struct rule_value *item;
	const char *name;
	const struct rule_value *key[RK_COUNT];      /* values present */
	const struct rule_value *key_node[RK_COUNT]; /* their keys, for positions */
	const struct rule_value *override_key[RK_COUNT];
	const struct rule_value *override;
	bool append;
	unsigned int override_append, override_replace; /* BIT(enum rule_key) */
	enum rule_priority priority;
	bool enabled, warn_evttypes, skip_if_unknown_filter;
	struct exception_def *exceptions;
	size_t n_exceptions;
	const struct rule_value **unknown; /* keys neither Falco's nor vigil's */
	size_t n_unknown, cap_unknown;
};

static int rule_key_find(const char *name)
{
	for (int k = 0; k < RK_COUNT; k++)
		if (strcmp(rule_keys[k].name, name) == 0)
			return k;
	return -1;
}

/* The values of the keys in mask, each checked for its type. */
static void read_rule_values(struct load *ld, struct rule_item *r, unsigned int mask)
{
	static const enum rule_key texts[] = { RK_DESC, RK_CONDITION, RK_OUTPUT, RK_SOURCE };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		enum rule_key k = texts[i];

		if ((mask & BIT(k)) && r->key[k])
			want_string(ld, r->key[k], rule_keys[k].name);
	}
	if ((mask & BIT(RK_PRIORITY)) && r->key[RK_PRIORITY]) {
		const struct rule_value *v = r->key[RK_PRIORITY];

		if (want_string(ld, v, "priority") && rule_priority_parse(v->text, &r->priority) != 0)
			item_error(ld, &v->pos,
				   "unknown priority '%s' (emergency, alert, critical, error, warning, notice, "
				   "informational, info or debug)",
				   v->text);
	}
	if ((mask & BIT(RK_TAGS)) && r->key[RK_TAGS])
		want_string_list(ld, r->key[RK_TAGS], "tags");
	if ((mask & BIT(RK_ENABLED)) && r->key[RK_ENABLED])
		want_bool(ld, r->key[RK_ENABLED], "enabled", &r->enabled);
	if ((mask & BIT(RK_WARN_EVTTYPES)) && r->key[RK_WARN_EVTTYPES])
		want_bool(ld, r->key[RK_WARN_EVTTYPES], "warn_evttypes", &r->warn_evttypes);
	if ((mask & BIT(RK_SKIP_IF_UNKNOWN_FILTER)) && r->key[RK_SKIP_IF_UNKNOWN_FILTER])
		want_bool(ld, r->key[RK_SKIP_IF_UNKNOWN_FILTER], "skip-if-unknown-filter",
			  &r->skip_if_unknown_filter);
	if ((mask & BIT(RK_EXCEPTIONS)) && r->key[RK_EXCEPTIONS])
		read_exceptions(ld, r->key[RK_EXCEPTIONS], &r->exceptions, &r->n_exceptions);
}

static bool rule_slot_new(struct load *ld, const char *name, struct rule_slot **out)
{
	struct rule_set *set = ld->set;
	struct rule_slot *r;

	if (!RESERVE(set->rules, set->cap_rules, set->n_rules + 1) || !(r = calloc(1, sizeof(*r)))) {
		out_of_memory(ld);
		return false;
	}
	if (!name_index_add(&set->rule_index, name, set->n_rules)) {
		free(r);
		out_of_memory(ld);
		return false;
	}
	r->pub.name = name;
	set->rules[set->n_rules++] = r;
	*out = r;
	return true;
}

static void rule_add_tags(struct load *ld, struct rule_slot *r, const struct rule_value *tags)
{
	struct name_index seen = { 0 };

	if (!RESERVE(r->tags, r->cap_tags, r->n_tags + tags->count)) {
		out_of_memory(ld);
		return;
	}
	for (size_t i = 0; i < r->n_tags; i++) {
		if (!name_index_add(&seen, r->tags[i], i)) {
			out_of_memory(ld);
			goto out;
		}
	}
	for (size_t i = 0; i < tags->count; i++) {
		const char *tag = tags->items[i].text;
		size_t j;

		if (name_index_find(&seen, tag, &j))
			continue;
		if (!name_index_add(&seen, tag, r->n_tags)) {
			out_of_memory(ld);
			goto out;
		}
		r->tags[r->n_tags++] = tag;
	}
out:
	name_index_free(&seen);
}

/* replace: an extra of that key may be there already (an override); a definition's keys all differ. */
static void rule_set_extra(struct load *ld, struct rule_slot *r, const struct rule_value *key, bool replace)
{
	for (size_t i = 0; replace && i < r->n_extras; i++) {
		if (strcmp(r->extras[i].key, key->text) == 0) {
			r->extras[i].key_pos = key->pos;
			r->extras[i].value = key + 1;
			return;
		}
	}
	if (!RESERVE(r->extras, r->cap_extras, r->n_extras + 1)) {
		out_of_memory(ld);
		return;
	}
	r->extras[r->n_extras].key = key->text;
	r->extras[r->n_extras].key_pos = key->pos;
	r->extras[r->n_extras].value = key + 1;
	r->n_extras++;
}

/* Move an item's exceptions into the rule: values to known names, new names at the end. */
static void rule_append_exceptions(struct load *ld, struct rule_slot *r, struct rule_item *item)
{
	struct name_index index;

	/* The names of one item differ: the ones it adds need not be in the index. */
	if (!index_exceptions(ld, r->exceptions, r->n_exceptions, &index))
		return;
	for (size_t i = 0; i < item->n_exceptions; i++) {
		struct exception_def *ex = &item->exceptions[i];
		size_t k;

		if (name_index_find(&index, ex->name, &k)) {
			struct exception_def *known = &r->exceptions[k];

			if (!RESERVE(known->values, known->cap_values, known->n_values + ex->n_values)) {
				out_of_memory(ld);
				break;
			}
			if (ex->n_values)
				memcpy(known->values + known->n_values, ex->values, ex->n_values * sizeof(*ex->values));
			known->n_values += ex->n_values;
			continue;
		}
		if (!RESERVE(r->exceptions, r->cap_exceptions, r->n_exceptions + 1)) {
			out_of_memory(ld);
			break;
		}
		r->exceptions[r->n_exceptions++] = *ex;
		memset(ex, 0, sizeof(*ex)); /* the values are the rule's now */
	}
	name_index_free(&index);
}

static void rule_replace_exceptions(struct load *ld, struct rule_slot *r, struct rule_item *item)
{
	for (size_t i = 0; i < r->n_exceptions; i++)
		free(r->exceptions[i].values);
	r->n_exceptions = 0;
	rule_append_exceptions(ld, r, item);
}

static void define_rule(struct load *ld, struct rule_item *item)
{
	static const enum rule_key required[] = { RK_CONDITION, RK_OUTPUT, RK_DESC, RK_PRIORITY };
	struct rule_set *set = ld->set;
	struct rule_slot *r = NULL;
	const char *source = "syscall";
	size_t index;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!item->key[required[i]])
			item_error(ld, &item->item->pos, "'%s' is missing", rule_keys[required[i]].name);
	item->enabled = true;
	item->warn_evttypes = true;
	item->skip_if_unknown_filter = false;
	read_rule_values(ld, item, RK_ALL);
	check_exception_definitions(ld, item->exceptions, item->n_exceptions);
	if (ld->item_failed)
		return;
	if (item->key[RK_SOURCE])
		source = item->key[RK_SOURCE]->text;
	if (name_index_find(&set->rule_index, item->name, &index)) {
		r = set->rules[index];
		if (strcmp(r->pub.source, source) != 0) {
			item_error(ld, item->key[RK_SOURCE] ? &item->key[RK_SOURCE]->pos : &item->item->pos,
				   "defined again with source '%s', but its definition at %s:%u:%u has source '%s'",
				   source, r->pub.pos.file, r->pub.pos.line, r->pub.pos.column, r->pub.source);
			return;
		}
		rule_slot_clear(r);
	} else if (!rule_slot_new(ld, item->name, &r)) {
		return;
	}
	r->dirty = true;
	r->pub.pos = item->item->pos;
	r->pub.source = source;
	r->pub.priority = item->priority;
	r->pub.enabled = item->enabled;
	r->pub.warn_evttypes = item->warn_evttypes;
	r->pub.skip_if_unknown_filter = item->skip_if_unknown_filter;
	text_add_scalar(ld, &r->desc, item->key[RK_DESC]);
	text_add_scalar(ld, &r->condition, item->key[RK_CONDITION]);
	text_add_scalar(ld, &r->output, item->key[RK_OUTPUT]);
	if (item->key[RK_TAGS])
		rule_add_tags(ld, r, item->key[RK_TAGS]);
	rule_append_exceptions(ld, r, item);
	for (int k = 0; k < RK_COUNT; k++)
		if (rule_keys[k].vigil && item->key_node[k])
			rule_set_extra(ld, r, item->key_node[k], false);
	for (size_t i = 0; i < item->n_unknown; i++)
		rule_set_extra(ld, r, item->unknown[i], false);
}

/* A text appended to: with a space between, as Falco does. */
static void append_text(struct load *ld, struct text *t, const struct rule_value *v)
{
	text_puts(t, " ");
	text_add_scalar(ld, t, v);
}

/* Would appending v to t pass RULES_TEXT_MAX? Then say so. */
static bool append_fits(struct load *ld, const struct text *t, const struct rule_value *v, const char *key)
{
	size_t len;

	if (v->kind != RULE_VALUE_SCALAR)
		return true; /* its type is the error, already said */
	trimmed(v, &len);
	if (t->len + 1 + len > RULES_TEXT_MAX) {
		item_error(ld, &v->pos, "'%s' would be longer than %u bytes", key, RULES_TEXT_MAX);
		return false;
	}
	return true;
}

/* Appends (append_mask) then replacements (replace_mask) to a rule that must exist. */
static void update_rule(struct load *ld, struct rule_item *item, unsigned int append_mask, unsigned int replace_mask,
			const char *verb)
{
	struct rule_set *set = ld->set;
	struct rule_slot *r;
	size_t index;

	read_rule_values(ld, item, append_mask | replace_mask);
	if (!name_index_find(&set->rule_index, item->name, &index)) {
		item_error(ld, &item->item->pos, "no such rule to %s", verb);
		return;
	}
	r = set->rules[index];
	if (append_mask & BIT(RK_EXCEPTIONS))
		check_exception_appends(ld, r, item->exceptions, item->n_exceptions);
	if (replace_mask & BIT(RK_EXCEPTIONS))
		check_exception_definitions(ld, item->exceptions, item->n_exceptions);
	if (append_mask & BIT(RK_DESC))
		append_fits(ld, &r->desc, item->key[RK_DESC], "desc");
	if (append_mask & BIT(RK_CONDITION))
		append_fits(ld, &r->condition, item->key[RK_CONDITION], "condition");
	if (append_mask & BIT(RK_OUTPUT))
		append_fits(ld, &r->output, item->key[RK_OUTPUT], "output");
	if (ld->item_failed)
		return;

	r->dirty = true;
	if (append_mask & BIT(RK_DESC))
		append_text(ld, &r->desc, item->key[RK_DESC]);
	if (append_mask & BIT(RK_CONDITION))
		append_text(ld, &r->condition, item->key[RK_CONDITION]);
	if (append_mask & BIT(RK_OUTPUT))
		append_text(ld, &r->output, item->key[RK_OUTPUT]);
	if (append_mask & BIT(RK_TAGS))
		rule_add_tags(ld, r, item->key[RK_TAGS]);
	if (append_mask & BIT(RK_EXCEPTIONS))
		rule_append_exceptions(ld, r, item);

	if (replace_mask & BIT(RK_DESC)) {
		text_clear(&r->desc);
		text_add_scalar(ld, &r->desc, item->key[RK_DESC]);
	}
	if (replace_mask & BIT(RK_CONDITION)) {
		text_clear(&r->condition);
		text_add_scalar(ld, &r->condition, item->key[RK_CONDITION]);
	}
	if (replace_mask & BIT(RK_OUTPUT)) {
		text_clear(&r->output);
		text_add_scalar(ld, &r->output, item->key[RK_OUTPUT]);
	}
	if (replace_mask & BIT(RK_PRIORITY))
		r->pub.priority = item->priority;
	if (replace_mask & BIT(RK_TAGS)) {
		r->n_tags = 0;
		rule_add_tags(ld, r, item->key[RK_TAGS]);
	}
	if (replace_mask & BIT(RK_EXCEPTIONS))
		rule_replace_exceptions(ld, r, item);
	if (replace_mask & BIT(RK_ENABLED))
		r->pub.enabled = item->enabled;
	if (replace_mask & BIT(RK_WARN_EVTTYPES))
		r->pub.warn_evttypes = item->warn_evttypes;
	if (replace_mask & BIT(RK_SKIP_IF_UNKNOWN_FILTER))
		r->pub.skip_if_unknown_filter = item->skip_if_unknown_filter;
	for (int k = 0; k < RK_COUNT; k++)
		if (rule_keys[k].vigil && (replace_mask & BIT(k)))
			rule_set_extra(ld, r, item->key_node[k], true);
	if (r->desc.failed || r->condition.failed || r->output.failed)
		out_of_memory(ld);
}

/* `override:` read into the item's two masks. */
static void read_override(struct load *ld, struct rule_item *item)
{
	const struct rule_value *o = item->override;

	if (o->kind != RULE_VALUE_MAPPING) {
		item_error(ld, &o->pos, "'override' must be a mapping, not %s", describe(o));
		return;
	}
	for (size_t i = 0; i < o->count; i++) {
		const struct rule_value *key = &o->items[2 * i], *op = key + 1;
		int k = rule_key_find(key->text);

		if (op->kind != RULE_VALUE_SCALAR ||
		    (strcmp(op->text, "append") != 0 && strcmp(op->text, "replace") != 0)) {
			item_error(ld, &op->pos, "override of '%s' must be append or replace, not %s%s%s", key->text,
				   op->kind == RULE_VALUE_SCALAR ? "'" : "",
				   op->kind == RULE_VALUE_SCALAR ? op->text : describe(op),
				   op->kind == RULE_VALUE_SCALAR ? "'" : "");
			continue;
		}
		if (k < 0 || (!rule_keys[k].appendable && !rule_keys[k].replaceable)) {
			item_error(ld, &key->pos, "'%s' cannot be overridden", key->text);
			continue;
		}
		if (strcmp(op->text, "append") == 0) {
			if (!rule_keys[k].appendable) {
				item_error(ld, &key->pos, "'%s' cannot be appended to, only replaced", key->text);
				continue;
			}
			item->override_append |= BIT(k);
		} else {
			item->override_replace |= BIT(k);
		}
		item->override_key[k] = key;
	}
}

static void override_rule(struct load *ld, struct rule_item *item)
{
	unsigned int named = item->override_append | item->override_replace;

	for (int k = 0; k < RK_COUNT; k++) {
		if ((named & BIT(k)) && !item->key[k]) {
			item_error(ld, &item->override_key[k]->pos, "'override' names '%s', which this item does not have",
				   rule_keys[k].name);
			/* the item fails; what is left of it is still checked */
			item->override_append &= ~BIT(k);
			item->override_replace &= ~BIT(k);
		}
		if (item->key[k] && !(named & BIT(k))) {
			if (rule_keys[k].appendable || rule_keys[k].replaceable)
				item_error(ld, &item->key_node[k]->pos, "'%s' is not named under 'override'",
					   rule_keys[k].name);
			else
				item_warning(ld, &item->key_node[k]->pos, "'%s' is ignored in an item with 'override'",
					     rule_keys[k].name);
		}
	}
	update_rule(ld, item, item->override_append, item->override_replace, "override");
}

static void warn_ignored_keys(struct load *ld, struct rule_item *item, unsigned int used, const char *why)
{
	for (int k = 0; k < RK_COUNT; k++)
		if (item->key[k] && !(used & BIT(k)))
			item_warning(ld, &item->key_node[k]->pos, "'%s' is ignored %s", rule_keys[k].name, why);
}

static void append_rule(struct load *ld, struct rule_item *item)
{
	unsigned int mask = 0;

	item_warning(ld, &item->item->pos, "'append: true' is deprecated, use 'override'");
	warn_ignored_keys(ld, item, BIT(RK_CONDITION) | BIT(RK_EXCEPTIONS), "with 'append: true'");
	if (item->key[RK_CONDITION])
		mask |= BIT(RK_CONDITION);
	if (item->key[RK_EXCEPTIONS])
		mask |= BIT(RK_EXCEPTIONS);
	if (!mask)
		item_warning(ld, &item->item->pos, "'append: true' with no 'condition' or 'exceptions' to append");
	update_rule(ld, item, mask, 0, "append to");
}

static void enable_rule(struct load *ld, struct rule_item *item)
{
	item_warning(ld, &item->item->pos,
		     "an item with only 'enabled' is deprecated, use 'override: {enabled: replace}'");
	warn_ignored_keys(ld, item, BIT(RK_ENABLED), "in an item that only enables or disables a rule");
	update_rule(ld, item, 0, BIT(RK_ENABLED), "enable or disable");
}

/* The name of an item (rule: x): what its messages start with. */
static bool read_item_name(struct load *ld, const struct rule_value *item, const char *kind, const char **name)
{
	const struct rule_value *v = map_get(item, kind);
	size_t len;

	free(ld->what);
	ld->what = NULL;
	if (v->kind != RULE_VALUE_SCALAR || rule_value_is_null(v) || (trimmed(v, &len), len == 0)) {
		file_error(ld, &v->pos, "the name of a %s must be a string, not %s", kind,
			   v->kind == RULE_VALUE_SCALAR && !rule_value_is_null(v) ? "blanks" : describe(v));
		return false;
	}
	if (asprintf(&ld->what, "%s '%s'", kind, v->text) < 0) {
		ld->what = NULL;
		out_of_memory(ld);
		return false;
	}
	*name = v->text;
	check_duplicate_keys(ld, item);
	return true;
}

static void read_rule(struct load *ld, const struct rule_value *node)
{
	struct rule_item item = { .item = node };
	const struct rule_value *append = NULL;
	unsigned int mode_errors;

	if (!read_item_name(ld, node, "rule", &item.name))
		return;
	for (size_t i = 0; i < node->count; i++) {
		const struct rule_value *key = &node->items[2 * i];
		int k = rule_key_find(key->text);

		if (k >= 0) {
			if (!item.key[k]) {
				item.key[k] = key + 1;
				item.key_node[k] = key;
			}
		} else if (strcmp(key->text, "append") == 0) {
			append = key + 1;
		} else if (strcmp(key->text, "override") == 0) {
			item.override = key + 1;
		} else if (strcmp(key->text, "rule") != 0) {
			item_warning(ld, &key->pos, "unknown key '%s'", key->text);
			if (!RESERVE(item.unknown, item.cap_unknown, item.n_unknown + 1)) {
				out_of_memory(ld);
				goto out;
			}
			item.unknown[item.n_unknown++] = key;
		}
	}
	mode_errors = ld->item_errors;
	if (append)
		want_bool(ld, append, "append", &item.append);
	if (item.override)
		read_override(ld, &item);
	if (item.append && item.override)
		item_error(ld, &node->pos, "'append' and 'override' cannot be used together");
	if (ld->item_errors != mode_errors)
		goto out; /* what the item means is unclear */
	if (item.override)
		override_rule(ld, &item);
	else if (item.append)
		append_rule(ld, &item);
	else if (!(item.key[RK_DESC] || item.key[RK_CONDITION] || item.key[RK_OUTPUT] || item.key[RK_PRIORITY]) &&
		 item.key[RK_ENABLED])
		enable_rule(ld, &item);
	else
		define_rule(ld, &item);
out:
	exceptions_free(item.exceptions, item.n_exceptions);
	free(item.unknown);
}

/* ---- macros and lists ---- */

enum item_mode { ITEM_DEFINE, ITEM_APPEND, ITEM_REPLACE };

/*
 * append and override of a macro or a list, whose one value is key: the mode,
 * or -1 after an error.
 */
static int read_item_mode(struct load *ld, const struct rule_value *node, const char *key)
{
	const struct rule_value *append = map_get(node, "append"), *override = map_get(node, "override");
	unsigned int errors = ld->item_errors;
	bool append_flag = false;
	int mode = ITEM_DEFINE;

	if (append && want_bool(ld, append, "append", &append_flag) && append_flag && !override)
		item_warning(ld, &node->pos, "'append: true' is deprecated, use 'override'");
	if (append_flag)
		mode = ITEM_APPEND;
	if (override) {
		if (override->kind != RULE_VALUE_MAPPING) {
			item_error(ld, &override->pos, "'override' must be a mapping, not %s", describe(override));
			return -1;
		}
		for (size_t i = 0; i < override->count; i++) {
			const struct rule_value *k = &override->items[2 * i], *op = k + 1;

			if (strcmp(k->text, key) != 0) {
				item_error(ld, &k->pos, "only '%s' can be overridden, not '%s'", key, k->text);
			} else if (op->kind == RULE_VALUE_SCALAR && strcmp(op->text, "append") == 0) {
				mode = ITEM_APPEND;
			} else if (op->kind == RULE_VALUE_SCALAR && strcmp(op->text, "replace") == 0) {
				mode = ITEM_REPLACE;
			} else {
				item_error(ld, &op->pos, "override of '%s' must be append or replace, not %s%s%s", key,
					   op->kind == RULE_VALUE_SCALAR ? "'" : "",
					   op->kind == RULE_VALUE_SCALAR ? op->text : describe(op),
					   op->kind == RULE_VALUE_SCALAR ? "'" : "");
			}
		}
		if (append_flag)
			item_error(ld, &node->pos, "'append' and 'override' cannot be used together");
	}
	return ld->item_errors != errors ? -1 : mode;
}

static void warn_unknown_keys(struct load *ld, const struct rule_value *node, const char *const *known)
{
	for (size_t i = 0; i < node->count; i++) {
		const struct rule_value *key = &node->items[2 * i];
		bool found = false;

		for (const char *const *k = known; *k && !found; k++)
			found = strcmp(*k, key->text) == 0;
		if (!found)
			item_warning(ld, &key->pos, "unknown key '%s', ignored", key->text);
	}
}

static void read_macro(struct load *ld, const struct rule_value *node)
{
	static const char *const known[] = { "macro", "condition", "append", "override", NULL };
	struct rule_set *set = ld->set;
	const struct rule_value *condition;
	struct macro_slot *m;
	const char *name;
	size_t index;
	int mode;

	if (!read_item_name(ld, node, "macro", &name))
		return;
	if (!is_identifier(name))
		item_error(ld, &map_get(node, "macro")->pos,
			   "a macro's name must be a letter then letters, digits or '_'");
	warn_unknown_keys(ld, node, known);
	condition = map_get(node, "condition");
	if (!condition)
		item_error(ld, &node->pos, "'condition' is missing");
	else
		want_string(ld, condition, "condition");
	mode = read_item_mode(ld, node, "condition");
	if (ld->item_failed)
		return;
	if (!name_index_find(&set->macro_index, name, &index)) {
		if (mode != ITEM_DEFINE) {
			item_error(ld, &node->pos, "no such macro to %s", mode == ITEM_APPEND ? "append to" : "override");
			return;
		}
		if (!RESERVE(set->macros, set->cap_macros, set->n_macros + 1) || !(m = calloc(1, sizeof(*m)))) {
			out_of_memory(ld);
			return;
		}
		if (!name_index_add(&set->macro_index, name, set->n_macros)) {
			free(m);
			out_of_memory(ld);
			return;
		}
		m->pub.name = name;
		set->macros[set->n_macros++] = m;
	} else {
		m = set->macros[index];
	}
	if (mode == ITEM_APPEND) {
		if (append_fits(ld, &m->condition, condition, "condition"))
			append_text(ld, &m->condition, condition);
	} else {
		m->pub.pos = node->pos;
		text_clear(&m->condition);
		text_add_scalar(ld, &m->condition, condition);
	}
	if (m->condition.failed)
		out_of_memory(ld);
}

static void read_list(struct load *ld, const struct rule_value *node)
{
	static const char *const known[] = { "list", "items", "append", "override", NULL };
	struct rule_set *set = ld->set;
	const struct rule_value *items;
	struct list_slot *l;
	const char *name;
	size_t index;
	int mode;

	if (!read_item_name(ld, node, "list", &name))
		return;
	if (!is_bare(name, strlen(name)))
		item_error(ld, &map_get(node, "list")->pos,
			   "a list's name cannot hold blanks, quotes, '(', ')', ',' or '='");
	warn_unknown_keys(ld, node, known);
	items = map_get(node, "items");
	if (!items)
		item_error(ld, &node->pos, "'items' is missing");
	else
		want_string_list(ld, items, "items");
	mode = read_item_mode(ld, node, "items");
	if (ld->item_failed)
		return;
	if (!name_index_find(&set->list_index, name, &index)) {
		if (mode != ITEM_DEFINE) {
			item_error(ld, &node->pos, "no such list to %s", mode == ITEM_APPEND ? "append to" : "override");
			return;
		}
		if (!RESERVE(set->lists, set->cap_lists, set->n_lists + 1) || !(l = calloc(1, sizeof(*l)))) {
			out_of_memory(ld);
			return;
		}
		if (!name_index_add(&set->list_index, name, set->n_lists)) {
			free(l);
			out_of_memory(ld);
			return;
		}
		l->pub.name = name;
		set->lists[set->n_lists++] = l;
	} else {
		l = set->lists[index];
	}
	if (mode != ITEM_APPEND) {
		l->pub.pos = node->pos;
		l->n_items = 0;
	}
	if (!RESERVE(l->items, l->cap_items, l->n_items + items->count) ||
	    !RESERVE(l->item_pos, l->cap_item_pos, l->n_items + items->count)) {
		out_of_memory(ld);
		return;
	}
	for (size_t i = 0; i < items->count; i++) {
		l->items[l->n_items] = items->items[i].text;
		l->item_pos[l->n_items] = items->items[i].pos;
		l->n_items++;
	}
}

/* ---- items and files ---- */

static void read_item(struct load *ld, const struct rule_value *item)
{
	static const char *const kinds[] = { "rule", "macro", "list", "required_engine_version",
					     "required_plugin_versions" };
	const struct rule_value *kind_key = NULL;

	free(ld->what);
	ld->what = NULL;
	ld->item_failed = false;
	ld->item_errors = 0;
	if (rule_value_is_null(item))
		return;
	if (item->kind != RULE_VALUE_MAPPING) {
		file_error(ld, &item->pos, "an item must be a mapping, not %s", describe(item));
		return;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct rule_value *key = map_key(item, kinds[i]);

		if (!key)
			continue;
		if (kind_key) {
			const struct rule_value *first = kind_key < key ? kind_key : key;
			const struct rule_value *second = kind_key < key ? key : kind_key;

			file_error(ld, &second->pos,
				   "an item is one of rule, macro, list, required_engine_version and "
				   "required_plugin_versions, not both '%s' and '%s'",
				   first->text, second->text);
			return;
		}
		kind_key = key;
	}
	if (!kind_key) {
		item_warning(ld, &item->pos,
			     "unknown item, ignored (not a rule, macro, list, required_engine_version or "
			     "required_plugin_versions)");
		return;
	}
	if (strcmp(kind_key->text, "rule") == 0)
		read_rule(ld, item);
	else if (strcmp(kind_key->text, "macro") == 0)
		read_macro(ld, item);
	else if (strcmp(kind_key->text, "list") == 0)
		read_list(ld, item);
	/* required_engine_version and required_plugin_versions: accepted and ignored */
}

static void read_file_items(struct load *ld, const struct rule_value *docs, size_t n_docs)
{
	for (size_t d = 0; d < n_docs && !ld->stopped; d++) {
		const struct rule_value *doc = &docs[d];

		if (rule_value_is_null(doc))
			continue;
		if (doc->kind != RULE_VALUE_SEQUENCE) {
			file_error(ld, &doc->pos, "a rules file must be a list of items, not %s", describe(doc));
			continue;
		}
		for (size_t i = 0; i < doc->count && !ld->stopped; i++) {
			if (++ld->set->n_items > RULES_ITEMS_MAX) {
				file_error(ld, &doc->items[i].pos, "more than %u items in the rule set", RULES_ITEMS_MAX);
				ld->stopped = true;
				break;
			}
			read_item(ld, &doc->items[i]);
		}
	}
	free(ld->what);
	ld->what = NULL;
}

/* ---- exceptions into conditions ---- */

/* A value as the condition language reads it: bare, already quoted, or quoted here. */
static void text_quoted(struct text *t, const char *s, size_t len)
{
	if (is_bare(s, len) || is_quoted(s, len)) {
		text_append(t, s, len);
		return;
	}
	text_puts(t, "\"");
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '\\': text_puts(t, "\\\\"); break;
		case '"': text_puts(t, "\\\""); break;
		case '\n': text_puts(t, "\\n"); break;
		case '\r': text_puts(t, "\\r"); break;
		case '\t': text_puts(t, "\\t"); break;
		case '\b': text_puts(t, "\\b"); break;
		case '\f': text_puts(t, "\\f"); break;
		default: text_append(t, &s[i], 1);
		}
	}
	text_puts(t, "\"");
}

/* "(a, 'b c', d)" written as a list: each element quoted as needed. */
static void text_paren_list(struct text *t, const char *s, size_t len)
{
	size_t end = len - 1, start = 1, i = 1, n = 0;

	text_puts(t, "(");
	for (;;) {
		if (i == end || s[i] == ',') {
			size_t a = start, b = i;

			while (a < b && is_blank(s[a]))
				a++;
			while (b > a && is_blank(s[b - 1]))
				b--;
			if (!(i == end && n == 0 && a == b)) { /* "()" is an empty list */
				if (n++)
					text_puts(t, ", ");
				text_quoted(t, s + a, b - a);
			}
			if (i == end)
				break;
			start = ++i;
		} else if (s[i] == '"' || s[i] == '\'') {
			char quote = s[i++];

			while (i < end && s[i] != quote)
				i += s[i] == '\\' && i + 1 < end ? 2 : 1;
			if (i < end)
				i++;
		} else {
			i++;
		}
	}
	text_puts(t, ")");
}

/* One value of an exception: a list for list operators, a string otherwise. */
static void text_exception_value(struct text *t, const struct rule_value *v, const char *comp)
{
	text_anchor(t, t->len, &v->pos);
	if (v->kind == RULE_VALUE_SEQUENCE) {
		text_puts(t, "(");
		for (size_t i = 0; i < v->count; i++) {
			if (i)
				text_puts(t, ", ");
			text_anchor(t, t->len, &v->items[i].pos);
			text_quoted(t, v->items[i].text, v->items[i].len);
		}
		text_puts(t, ")");
	} else if (comp && is_list_operator(comp)) {
		if (v->len >= 2 && v->text[0] == '(' && v->text[v->len - 1] == ')') {
			text_paren_list(t, v->text, v->len);
		} else {
			text_puts(t, "(");
			text_quoted(t, v->text, v->len);
			text_puts(t, ")");
		}
	} else {
		text_quoted(t, v->text, v->len);
	}
}

static void text_exception(struct text *t, const struct exception_def *ex)
{
	const struct rule_value *fields = ex->fields, *comps = ex->comps;

	text_generated(t, " and not ", &ex->pos);
	if (fields->kind == RULE_VALUE_SCALAR) {
		text_puts(t, "(");
		text_generated(t, fields->text, &fields->pos);
		text_puts(t, " ");
		text_generated(t, comps ? comps->text : "in", comps ? &comps->pos : &fields->pos);
		text_puts(t, " (");
		for (size_t i = 0; i < ex->n_values; i++) {
			if (i)
				text_puts(t, ", ");
			text_anchor(t, t->len, &ex->values[i]->pos);
			text_quoted(t, ex->values[i]->text, ex->values[i]->len);
		}
		text_puts(t, "))");
		return;
	}
	text_puts(t, "(");
	for (size_t i = 0; i < ex->n_values; i++) {
		const struct rule_value *row = ex->values[i];

		text_puts(t, i ? " or (" : "(");
		for (size_t k = 0; k < fields->count; k++) {
			const char *comp = comps ? comps->items[k].text : "=";

			if (k)
				text_puts(t, " and ");
			text_generated(t, fields->items[k].text, &fields->items[k].pos);
			text_puts(t, " ");
			text_generated(t, comp, comps ? &comps->items[k].pos : &fields->items[k].pos);
			text_puts(t, " ");
			text_exception_value(t, &row->items[k], comp);
		}
		text_puts(t, ")");
	}
	text_puts(t, ")");
}

/* (C) and not (...) and not (...), Falco's way; C alone when no exception has values. */
static void compile_rule(struct load *ld, struct rule_slot *r)
{
	struct text *out = &r->compiled;
	bool any = false;

	r->final = &r->condition;
	r->dirty = false;
	for (size_t i = 0; i < r->n_exceptions; i++)
		any |= r->exceptions[i].n_values > 0;
	if (!any)
		return;
	text_clear(out);
	text_generated(out, "(", r->condition.n_anchors ? &r->condition.anchors[0].pos : &r->pub.pos);
	text_append_text(out, &r->condition);
	text_puts(out, ")");
	for (size_t i = 0; i < r->n_exceptions; i++)
		if (r->exceptions[i].n_values)
			text_exception(out, &r->exceptions[i]);
	if (out->failed) {
		out_of_memory(ld);
	} else if (out->too_long) {
		free(ld->what);
		ld->what = NULL;
		file_error(ld, &r->pub.pos, "rule '%s': its condition with its exceptions is longer than %u bytes",
			   r->pub.name, RULES_TEXT_MAX);
	} else {
		r->final = out;
	}
}

static void text_view(const struct text *t, const struct rule_pos *fallback, struct rule_text *view)
{
	view->text = t->s ? t->s : "";
	view->len = t->len;
	view->anchors = t->anchors;
	view->n_anchors = t->n_anchors;
	view->pos = t->n_anchors ? t->anchors[0].pos : *fallback;
}

/* After a load: conditions compiled, and what the API shows made to match. */
static void finish_load(struct load *ld)
{
	struct rule_set *set = ld->set;

	for (size_t i = 0; i < set->n_rules; i++) {
		struct rule_slot *r = set->rules[i];

		if (r->dirty && !set->out_of_memory)
			compile_rule(ld, r);
		if (!r->final)
			r->final = &r->condition;
		text_view(r->final, &r->pub.pos, &r->pub.condition);
		text_view(&r->output, &r->pub.pos, &r->pub.output);
		text_view(&r->desc, &r->pub.pos, &r->pub.desc);
		r->pub.tags = r->tags;
		r->pub.n_tags = r->n_tags;
		r->pub.extras = r->extras;
		r->pub.n_extras = r->n_extras;
		r->pub.n_exceptions = r->n_exceptions;
	}
	for (size_t i = 0; i < set->n_macros; i++) {
		struct macro_slot *m = set->macros[i];

		text_view(&m->condition, &m->pub.pos, &m->pub.condition);
	}
	for (size_t i = 0; i < set->n_lists; i++) {
		struct list_slot *l = set->lists[i];

		l->pub.items = l->items;
		l->pub.item_pos = l->item_pos;
		l->pub.n_items = l->n_items;
	}
}

int rule_set_load_buffer(struct rule_set *set, const char *name, const char *data, size_t size)
{
	struct load ld = { .set = set };
	size_t errors_before = set->errors.n;
	struct rule_value *docs = NULL;
	size_t n_docs = 0;

	if (set->out_of_memory)
		return -ENOMEM;
	ld.file = arena_strndup(&set->arena, name, strlen(name));
	if (!ld.file) {
		set->out_of_memory = true;
		return -ENOMEM;
	}
	if (size > RULES_FILE_MAX) {
		struct rule_pos pos = { ld.file, 0, 0 };

		file_error(&ld, &pos, "larger than %u bytes", RULES_FILE_MAX);
		return set->out_of_memory ? -ENOMEM : -EINVAL;
	}
	/* libyaml would count a byte order mark as a character of the first line. */
	if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		size -= 3;
	}
	ld.src = data;
	ld.src_len = size;
	if (read_documents(&ld, &docs, &n_docs))
		read_file_items(&ld, docs, n_docs);
	free(docs);
	if (ld.warnings_dropped) {
		struct rule_pos pos = { ld.file, 0, 0 };
		char message[96];

		snprintf(message, sizeof(message), "%u more warnings not shown", ld.warnings_dropped);
		add_message(&ld, &set->warnings, &pos, message);
	}
	finish_load(&ld);
	free(ld.what);
	if (set->out_of_memory)
		return -ENOMEM;
	return set->errors.n > errors_before ? -EINVAL : 0;
}

int rule_set_load_file(struct rule_set *set, const char *path)
{
	struct rule_pos pos = { path, 0, 0 };
	struct load ld = { .set = set, .file = path };
	char *data = NULL;
	size_t size = 0, cap = 0;
	int fd, err = 0;

	if (set->out_of_memory)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pos.file = arena_strndup(&set->arena, path, strlen(path));
		if (pos.file)
			file_error(&ld, &pos, "cannot open: %s", strerror(-err));
		return set->out_of_memory || !pos.file ? -ENOMEM : err;
	}
	for (;;) {
		ssize_t n;

		/* One byte more than the limit says the file is too large. */
		if (size == cap) {
			size_t want = cap ? cap * 2 : 64u << 10;

			if (want > (size_t)RULES_FILE_MAX + 1)
				want = (size_t)RULES_FILE_MAX + 1;
			if (want == cap)
				break;
			char *p = realloc(data, want);

			if (!p) {
				err = -ENOMEM;
				break;
			}
			data = p;
			cap = want;
		}
		n = read(fd, data + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	close(fd);
	if (err == -ENOMEM) {
		free(data);
		set->out_of_memory = true;
		return -ENOMEM;
	}
	if (err) {
		pos.file = arena_strndup(&set->arena, path, strlen(path));
		if (pos.file)
			file_error(&ld, &pos, "cannot read: %s", strerror(-err));
		free(data);
		return set->out_of_memory || !pos.file ? -ENOMEM : err;
	}
	err = rule_set_load_buffer(set, path, data ? data : "", size);
	free(data);
	return err;
}

int rule_set_load_files(struct rule_set *set, const char *const *paths, size_t count)
{
	int first = 0;

	for (size_t i = 0; i < count; i++) {
		int err = rule_set_load_file(set, paths[i]);

		if (err == -ENOMEM)
			return err;
		if (err && !first)
			first = err;
	}
	return first;
}
