// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A rule's exceptions: read and checked with their item, then compiled
 * into the rule's condition text, as Falco does.
 */
#include <stdlib.h>
#include <string.h>

#include "rule_loader_internal.h"

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
bool index_exceptions(struct load *ld, const struct exception_def *defs, size_t n, struct name_index *index)
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
void read_exceptions(struct load *ld, const struct rule_value *node, struct exception_def **out,
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
void check_exception_definitions(struct load *ld, const struct exception_def *defs, size_t n)
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
void check_exception_appends(struct load *ld, const struct rule_slot *rule, const struct exception_def *defs,
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
void compile_rule(struct load *ld, struct rule_slot *r)
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
