// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Checking the values of an item: keys, strings, booleans, lists, and the
 * names and operators of the condition language.
 */
#include <string.h>

#include "rule_loader_internal.h"

/* ---- checking values ---- */

const struct rule_value *map_get(const struct rule_value *map, const char *key)
{
	for (size_t i = 0; i < map->count; i++)
		if (strcmp(map->items[2 * i].text, key) == 0)
			return &map->items[2 * i + 1];
	return NULL;
}

const struct rule_value *map_key(const struct rule_value *map, const char *key)
{
	for (size_t i = 0; i < map->count; i++)
		if (strcmp(map->items[2 * i].text, key) == 0)
			return &map->items[2 * i];
	return NULL;
}

/* Duplicate keys in every mapping of an item. */
void check_duplicate_keys(struct load *ld, const struct rule_value *v)
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
const char *want_string(struct load *ld, const struct rule_value *v, const char *key)
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

bool want_bool(struct load *ld, const struct rule_value *v, const char *key, bool *out)
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
bool want_string_list(struct load *ld, const struct rule_value *v, const char *key)
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

bool is_identifier(const char *s)
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

bool is_bare(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_bare_char(s[i]))
			return false;
	return true;
}

/* One whole quoted string of the condition language: "..." or '...', \ escaping. */
bool is_quoted(const char *s, size_t len)
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
bool is_field_name(const char *s)
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

bool is_comparison_operator(const char *s)
{
	for (size_t i = 0; i < sizeof(comparison_operators) / sizeof(comparison_operators[0]); i++)
		if (strcmp(s, comparison_operators[i]) == 0)
			return true;
	return false;
}

/* The operators whose right side is a list. */
bool is_list_operator(const char *s)
{
	return strcmp(s, "in") == 0 || strcmp(s, "intersects") == 0 || strcmp(s, "pmatch") == 0;
}
