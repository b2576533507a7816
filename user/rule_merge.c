// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule items: a definition, or an override, append or enable merged into
 * the rule already in the set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_loader_internal.h"

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
	RK_SCOPE,
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
	[RK_SCOPE] = { "scope", false, true, true },
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
		/*
		 * Twice in one file is a mistake (a copy-paste that silently replaces the first);
		 * a later file redefining a rule is how users refine one, as in Falco.
		 */
		if (r->pub.pos.file == ld->file) {
			item_error(ld, &item->item->pos,
				   "defined twice in this file (first at line %u): to change a rule, use override, "
				   "or redefine it in a later file",
				   r->pub.pos.line);
			return;
		}
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
void append_text(struct load *ld, struct text *t, const struct rule_value *v)
{
	text_puts(t, " ");
	text_add_scalar(ld, t, v);
}

/* Would appending v to t pass RULES_TEXT_MAX? Then say so. */
bool append_fits(struct load *ld, const struct text *t, const struct rule_value *v, const char *key)
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
bool read_item_name(struct load *ld, const struct rule_value *item, const char *kind, const char **name)
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

void read_rule(struct load *ld, const struct rule_value *node)
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
