// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Macro and list items: defined, appended to or overridden.
 */
#include <stdlib.h>
#include <string.h>

#include "rule_loader_internal.h"

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

void read_macro(struct load *ld, const struct rule_value *node)
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

void read_list(struct load *ld, const struct rule_value *node)
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
