// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rules file loader, given any bytes as a rules file: the load must end
 * in a clean answer that holds these invariants, then again with the same
 * bytes loaded a second time into the same set (every item redefined,
 * appended to or overridden once more). A crash, a sanitizer report or an
 * abort() is a bug.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule_loader.h"

static size_t max_line; /* no position may be past it */

static void check_pos(const struct rule_pos *pos, bool whole_file_allowed)
{
	if (!pos->file || strcmp(pos->file, "fuzz.yaml") != 0)
		abort();
	if (pos->line == 0 ? !whole_file_allowed || pos->column != 0 : pos->line > max_line || pos->column == 0)
		abort();
}

static void check_text(const struct rule_text *text)
{
	if (!text->text || strlen(text->text) != text->len || text->len > RULES_TEXT_MAX)
		abort();
	check_pos(&text->pos, false);
	for (size_t i = 0; i < text->n_anchors; i++) {
		if (text->anchors[i].offset > text->len || (i && text->anchors[i].offset <= text->anchors[i - 1].offset))
			abort();
		check_pos(&text->anchors[i].pos, false);
	}
	/* Every offset, and past the end, lands somewhere in the file. */
	for (size_t i = 0; i <= text->len + 1; i++) {
		struct rule_pos pos;

		rule_text_locate(text, i, &pos);
		if (!pos.file || pos.line == 0 || pos.line > max_line)
			abort();
	}
}

static void check_value(const struct rule_value *v, unsigned int depth)
{
	if (depth > RULES_DEPTH_MAX)
		abort();
	check_pos(&v->pos, false);
	if (v->kind == RULE_VALUE_SCALAR) {
		if (!v->text || strlen(v->text) != v->len)
			abort();
		return;
	}
	for (size_t i = 0; i < (v->kind == RULE_VALUE_MAPPING ? 2 * v->count : v->count); i++)
		check_value(&v->items[i], depth + 1);
}

/* err: what the last load returned, after errors_before errors. */
static void check_set(const struct rule_set *set, int err, size_t errors_before)
{
	size_t errors = rule_set_error_count(set);

	if (err != 0 && err != -EINVAL)
		abort();
	if ((err == 0) != (errors == errors_before))
		abort();
	for (size_t i = 0; i < errors; i++) {
		const struct rule_message *m = rule_set_error(set, i);

		check_pos(&m->pos, true);
		if (!m->message[0] || strncmp(m->text, "fuzz.yaml", 9) != 0 || !strstr(m->text, m->message))
			abort();
	}
	for (size_t i = 0; i < rule_set_warning_count(set); i++)
		check_pos(&rule_set_warning(set, i)->pos, true);
	if (rule_set_error(set, errors) || rule_set_warning(set, rule_set_warning_count(set)))
		abort();

	for (size_t i = 0; i < rule_set_rule_count(set); i++) {
		const struct rule_def *r = rule_set_rule(set, i);

		if (rule_set_find_rule(set, r->name) != r || !r->source || !r->source[0])
			abort();
		if ((unsigned int)r->priority > RULE_PRIORITY_DEBUG)
			abort();
		check_pos(&r->pos, false);
		check_text(&r->condition);
		check_text(&r->output);
		check_text(&r->desc);
		if (!r->condition.len || !r->output.len || !r->desc.len)
			abort();
		for (size_t t = 0; t < r->n_tags; t++)
			for (size_t u = 0; u < t; u++)
				if (strcmp(r->tags[t], r->tags[u]) == 0)
					abort();
		for (size_t e = 0; e < r->n_extras; e++) {
			if (rule_def_extra(r, r->extras[e].key) != r->extras[e].value)
				abort();
			check_value(r->extras[e].value, 2);
		}
	}
	for (size_t i = 0; i < rule_set_macro_count(set); i++) {
		const struct macro_def *m = rule_set_macro(set, i);

		if (rule_set_find_macro(set, m->name) != m || !m->condition.len)
			abort();
		check_text(&m->condition);
	}
	for (size_t i = 0; i < rule_set_list_count(set); i++) {
		const struct list_def *l = rule_set_list(set, i);

		if (rule_set_find_list(set, l->name) != l)
			abort();
		for (size_t k = 0; k < l->n_items; k++) {
			if (!l->items[k])
				abort();
			check_pos(&l->item_pos[k], false);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly `size` bytes, so ASan catches a read past the end. */
	char *text = malloc(size ? size : 1);
	struct rule_set *set;
	size_t errors, rules, macros, lists;
	int err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	/* libyaml breaks lines at \n, \r, and at U+0085, U+2028 and U+2029 too: one byte each at most. */
	max_line = size + 1;
	set = rule_set_new();
	if (!set) {
		free(text);
		return 0;
	}
	err = rule_set_load_buffer(set, "fuzz.yaml", text, size);
	if (err == -ENOMEM)
		goto out;
	check_set(set, err, 0);

	/*
	 * Again: the set still holds together, and, when the first load read
	 * every item (it was not cut short by too many errors), no new names.
	 */
	errors = rule_set_error_count(set);
	rules = rule_set_rule_count(set);
	macros = rule_set_macro_count(set);
	lists = rule_set_list_count(set);
	err = rule_set_load_buffer(set, "fuzz.yaml", text, size);
	if (err == -ENOMEM)
		goto out;
	check_set(set, err, errors);
	if (errors <= RULES_FILE_ERRORS_MAX &&
	    (rule_set_rule_count(set) != rules || rule_set_macro_count(set) != macros ||
	     rule_set_list_count(set) != lists))
		abort();
out:
	rule_set_free(set);
	free(text);
	return 0;
}
