/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the parts of the rules-file loader share, and nothing outside them
 * includes: rule_text.c (memory, name indexes, texts with anchors),
 * rule_yaml.c (YAML to a tree), rule_values.c (checking values),
 * rule_exceptions.c (reading, checking and compiling exceptions),
 * rule_merge.c (rules), rule_macros.c (macros and lists) and rule_loader.c
 * (the rule set, messages, the entry points).
 */
#ifndef VIGIL_RULE_LOADER_INTERNAL_H
#define VIGIL_RULE_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule_loader.h"

#define BIT(n) (1u << (n))

/* ---- memory: one arena per set for what never changes, growable arrays for the rest ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc(struct arena_chunk **arena, size_t size);
char *arena_strndup(struct arena_chunk **arena, const char *s, size_t len);

void *grow_array(void *items, size_t *cap, size_t need, size_t elem_size);

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

bool name_index_find(const struct name_index *ix, const char *name, size_t *index);
bool name_index_add(struct name_index *ix, const char *name, size_t index);
void name_index_free(struct name_index *ix);

/* ---- texts with anchors ---- */

struct text {
	char *s;
	size_t len, cap;
	struct rule_text_anchor *anchors;
	size_t n_anchors, cap_anchors;
	bool too_long; /* something was refused: it would have passed RULES_TEXT_MAX */
	bool failed;   /* out of memory */
};

void text_free(struct text *t);
void text_clear(struct text *t);
void text_append(struct text *t, const char *s, size_t n);
void text_puts(struct text *t, const char *s);
void text_anchor(struct text *t, size_t offset, const struct rule_pos *pos);
void text_generated(struct text *t, const char *s, const struct rule_pos *pos);
void text_append_text(struct text *t, const struct text *from);

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool is_utf8_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

const char *trimmed(const struct rule_value *v, size_t *len);

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

/* rule_loader.c */
void out_of_memory(struct load *ld);
__attribute__((format(printf, 3, 4))) void file_error(struct load *ld, const struct rule_pos *pos,
						       const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void item_error(struct load *ld, const struct rule_pos *pos,
						       const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void item_warning(struct load *ld, const struct rule_pos *pos,
							 const char *fmt, ...);
void exceptions_free(struct exception_def *exceptions, size_t n);
void rule_slot_clear(struct rule_slot *r);

/* rule_yaml.c */
const char *describe(const struct rule_value *v);
bool read_documents(struct load *ld, struct rule_value **docs, size_t *n_docs);
void text_add_scalar(const struct load *ld, struct text *t, const struct rule_value *v);

/* rule_values.c */
const struct rule_value *map_get(const struct rule_value *map, const char *key);
const struct rule_value *map_key(const struct rule_value *map, const char *key);
void check_duplicate_keys(struct load *ld, const struct rule_value *v);
const char *want_string(struct load *ld, const struct rule_value *v, const char *key);
bool want_bool(struct load *ld, const struct rule_value *v, const char *key, bool *out);
bool want_string_list(struct load *ld, const struct rule_value *v, const char *key);
bool is_identifier(const char *s);
bool is_bare(const char *s, size_t len);
bool is_quoted(const char *s, size_t len);
bool is_field_name(const char *s);
bool is_comparison_operator(const char *s);
bool is_list_operator(const char *s);

/* rule_exceptions.c */
bool index_exceptions(struct load *ld, const struct exception_def *defs, size_t n, struct name_index *index);
void read_exceptions(struct load *ld, const struct rule_value *node, struct exception_def **out,
		     size_t *n_out);
void check_exception_definitions(struct load *ld, const struct exception_def *defs, size_t n);
void check_exception_appends(struct load *ld, const struct rule_slot *rule, const struct exception_def *defs,
			     size_t n);
void compile_rule(struct load *ld, struct rule_slot *r);

/* rule_merge.c */
void append_text(struct load *ld, struct text *t, const struct rule_value *v);
bool append_fits(struct load *ld, const struct text *t, const struct rule_value *v, const char *key);
bool read_item_name(struct load *ld, const struct rule_value *item, const char *kind, const char **name);
void read_rule(struct load *ld, const struct rule_value *node);

/* rule_macros.c */
void read_macro(struct load *ld, const struct rule_value *node);
void read_list(struct load *ld, const struct rule_value *node);

#endif /* VIGIL_RULE_LOADER_INTERNAL_H */
