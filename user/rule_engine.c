// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rule engine's entry points: compile a loaded set (each rule's
 * condition by rule_compile.c, its output, vigil's own keys), index the rules
 * by event type, run them on events, format outputs, and say what the rules
 * need the kernel's filters to let through.
 */
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_schema.h"
#include "rule_engine_internal.h"

#define NA "<NA>"

/* ---- vigil's own keys ---- */

static bool extra_scalar(const struct rule_def *rule, const char *key, const char **text, struct rule_pos *pos)
{
	const struct rule_value *v = rule_def_extra(rule, key);

	if (!v)
		return false;
	*pos = v->pos;
	*text = v->kind == RULE_VALUE_SCALAR ? v->text : NULL;
	return true;
}

/* "30s", "2m", "500ms", "10" (seconds): ns, or -1. */
static int64_t parse_duration(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0 || end == s || v > 86400)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return (int64_t)(v * 1e9);
	if (!strcmp(end, "ms"))
		return (int64_t)(v * 1e6);
	if (!strcmp(end, "m"))
		return (int64_t)(v * 60e9);
	return -1;
}

/* action, scope, capture, capture_duration. An error message (to free) or NULL. */
static char *read_vigil_keys(const struct rule_def *rule, struct rule_info *info)
{
	struct rule_pos pos;
	const char *text;
	char where[512];
	const struct rule_value *v;

	info->action = RULE_ACTION_ALERT;
	if (extra_scalar(rule, "action", &text, &pos)) {
		if (text && !strcmp(text, "alert"))
			info->action = RULE_ACTION_ALERT;
		else if (text && !strcmp(text, "deny"))
			info->action = RULE_ACTION_DENY;
		else if (text && !strcmp(text, "kill"))
			info->action = RULE_ACTION_KILL;
		else
			goto bad_action;
	}
	info->scope = RULE_SCOPE_CONTAINER;
	if (extra_scalar(rule, "scope", &text, &pos)) {
		if (text && !strcmp(text, "container"))
			info->scope = RULE_SCOPE_CONTAINER;
		else if (text && !strcmp(text, "host"))
			info->scope = RULE_SCOPE_HOST;
		else if (text && !strcmp(text, "any"))
			info->scope = RULE_SCOPE_ANY;
		else
			return engine_format("%s:%u:%u: rule '%s': scope is container, host or any, not '%s'", pos.file,
					     pos.line, pos.column, rule->name, text ? text : "(a list or mapping)");
	}
	if (extra_scalar(rule, "capture", &text, &pos)) {
		if (text && (!strcmp(text, "true") || !strcmp(text, "false")))
			info->capture = !strcmp(text, "true");
		else
			return engine_format("%s:%u:%u: rule '%s': capture is true or false", pos.file, pos.line,
					     pos.column, rule->name);
	}
	/* capture_duration: one duration for before and after the alert, or {before: D, after: D}. */
	info->capture_before_ns = info->capture_after_ns = 10ull * 1000000000;
	v = rule_def_extra(rule, "capture_duration");
	if (v) {
		int64_t before = -1, after = -1;

		if (v->kind == RULE_VALUE_SCALAR) {
			before = after = parse_duration(v->text);
		} else if (v->kind == RULE_VALUE_MAPPING) {
			for (size_t i = 0; i < v->count; i++) {
				const struct rule_value *k = &v->items[2 * i], *d = &v->items[2 * i + 1];
				int64_t ns = d->kind == RULE_VALUE_SCALAR ? parse_duration(d->text) : -1;

				if (k->kind == RULE_VALUE_SCALAR && !strcmp(k->text, "before"))
					before = ns;
				else if (k->kind == RULE_VALUE_SCALAR && !strcmp(k->text, "after"))
					after = ns;
				else
					before = after = -1, i = v->count;
			}
		}
		if (before < 0 || after < 0)
			return engine_format("%s:%u:%u: rule '%s': capture_duration is a duration (\"30s\", \"2m\", "
					     "\"500ms\", at most a day) or {before: D, after: D}",
					     v->pos.file, v->pos.line, v->pos.column, rule->name);
		info->capture_before_ns = before;
		info->capture_after_ns = after;
	}
	return NULL;
bad_action:
	snprintf(where, sizeof(where), "%s:%u:%u", pos.file, pos.line, pos.column);
	return engine_format("%s: rule '%s': action is alert, deny or kill, not '%s'", where, rule->name,
			     text ? text : "(a list or mapping)");
}

/* ---- outputs ---- */

static bool is_field_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_';
}

/*
 * Split an output at its %fields: "%proc.name", "%proc.aname[2]",
 * "%evt.arg[flags]". A '%' not followed by a letter is text. An unknown field
 * is an error; one of Falco's that vigil lacks prints <NA> (a warning).
 */
static int compile_output(struct rule_engine *e, struct compiled_rule *r, char **error)
{
	const struct rule_text *out = &r->info.def->output;
	const char *s = out->text, *text = s;
	size_t cap = 8;

	*error = NULL;
	r->output = calloc(cap, sizeof(*r->output));
	if (!r->output)
		return -ENOMEM;
	for (const char *p = s; *p;) {
		struct output_part *part;
		const char *name, *arg = NULL, *end;
		size_t name_len, arg_len = 0;
		char field[256], argbuf[256], err[256];
		bool oom = false;

		if (*p != '%' || !isalpha((unsigned char)p[1])) {
			p++;
			continue;
		}
		name = p + 1;
		end = name;
		while (is_field_char(*end))
			end++;
		while (end > name && end[-1] == '.') /* "%proc.name." ends a sentence */
			end--;
		name_len = end - name;
		if (*end == '[') {
			const char *close = strchr(end, ']');

			if (close) {
				arg = end + 1;
				arg_len = close - arg;
				end = close + 1;
			}
		}
		if (r->n_output + 2 > cap) {
			struct output_part *parts = realloc(r->output, 2 * cap * sizeof(*parts));

			if (!parts)
				return -ENOMEM;
			r->output = parts;
			cap *= 2;
		}
		part = &r->output[r->n_output++];
		memset(part, 0, sizeof(*part));
		part->text = text;
		part->len = p - text;
		snprintf(field, sizeof(field), "%.*s", (int)name_len, name);
		snprintf(argbuf, sizeof(argbuf), "%.*s", (int)arg_len, arg ? arg : "");
		part->name = arg ? engine_format("%s[%s]", field, argbuf) : strdup(field);
		if (!part->name)
			return -ENOMEM;
		if (!engine_field_slot(e, field, arg ? argbuf : NULL, &part->slot, err, sizeof(err), &oom)) {
			struct rule_pos pos;
			char where[512];
			const struct rule_field_lack *lack = rule_field_lacking(field);

			if (oom)
				return -ENOMEM;
			rule_text_locate(out, name - s, &pos);
			snprintf(where, sizeof(where), "%s:%u:%u", pos.file, pos.line, pos.column);
			if (lack && !rule_field_find(field, NULL)) {
				char *w = engine_format("%s: rule '%s': output field %%%s prints %s: vigil does not have it (%s)",
							where, r->info.def->name, part->name, NA, lack->reason);

				if (engine_add_message(e, &pos, false, w))
					return -ENOMEM;
				part->lacking = true;
			} else {
				*error = engine_format("%s: rule '%s': output: %s", where, r->info.def->name, err);
				return *error ? -EINVAL : -ENOMEM;
			}
		}
		text = p = end;
	}
	/* the text after the last field */
	r->output[r->n_output].text = text;
	r->output[r->n_output].len = strlen(text);
	r->output[r->n_output].name = NULL;
	r->n_output++;
	return 0;
}

/* ---- compiling the set ---- */

static int index_rule(struct rule_engine *e, size_t rule_index, rule_event_mask mask)
{
	for (unsigned int t = 1; t < RULE_EVENT_TYPES; t++) {
		size_t *ix;

		if (!(mask & RULE_EVENT_BIT(t)))
			continue;
		ix = realloc(e->index[t], (e->n_index[t] + 1) * sizeof(*ix));
		if (!ix)
			return -ENOMEM;
		ix[e->n_index[t]++] = rule_index;
		e->index[t] = ix;
	}
	return 0;
}

/* Which events a condition that names only uncaptured ones wanted: for the message. */
static char *inert_message(const struct compiled_rule *r)
{
	const struct rule_pos *pos = &r->info.def->condition.pos;

	return engine_format("%s:%u:%u: rule '%s': vigil captures none of the events this condition can match "
			     "(it names system calls vigil does not watch): it loads and never fires",
			     pos->file, pos->line, pos->column, r->info.def->name);
}

static int compile_rule(struct rule_engine *e, struct compiled_rule *r)
{
	const struct rule_def *def = r->info.def;
	struct node *err_node;
	char *error = NULL;
	bool oom;
	int err;

	if (strcmp(def->source, "syscall")) {
		r->info.status = RULE_SKIPPED;
		error = engine_format("%s:%u:%u: rule '%s': source '%s' is not vigil's (vigil has syscall events)",
				      def->pos.file, def->pos.line, def->pos.column, def->name, def->source);
		goto warn;
	}
	r->root = compile_condition(e, def, &oom);
	if (oom)
		return -ENOMEM;
	err_node = first_error(r->root);
	if (err_node) {
		error = strdup(err_node->error.message);
		if (!error)
			return -ENOMEM;
		if (err_node->error.unknown_field && def->skip_if_unknown_filter) {
			r->info.status = RULE_SKIPPED;
			goto warn;
		}
		r->info.status = RULE_FAILED;
		goto fail;
	}
	err = compile_output(e, r, &error);
	if (err == -ENOMEM)
		return err;
	if (err) {
		r->info.status = RULE_FAILED;
		goto fail;
	}
	error = read_vigil_keys(def, &r->info);
	if (error) {
		r->info.status = RULE_FAILED;
		goto fail;
	}
	r->info.events = node_mask(r->root) & RULE_EVENTS_ALL;
	if (!def->enabled) {
		r->info.status = RULE_DISABLED;
		return 0;
	}
	if (!r->info.events) {
		r->info.status = RULE_INERT;
		error = inert_message(r);
		goto warn;
	}
	r->info.status = RULE_LOADED;
	return 0;
warn:
	if (!error)
		return -ENOMEM;
	r->info.error = error;
	return engine_add_message(e, &def->pos, false, strdup(error));
fail:
	if (!error)
		return -ENOMEM;
	r->info.error = error;
	return engine_add_message(e, &def->pos, true, strdup(error));
}

int rule_engine_compile(const struct rule_set *set, struct rule_engine **out)
{
	struct rule_engine *e = calloc(1, sizeof(*e));
	size_t n_macros = rule_set_macro_count(set);
	int err = -ENOMEM;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->set = set;
	e->n_rules = rule_set_rule_count(set);
	e->rules = calloc(e->n_rules ? e->n_rules : 1, sizeof(*e->rules));
	e->macros = calloc(n_macros ? n_macros : 1, sizeof(*e->macros));
	e->macro_errors = calloc(n_macros ? n_macros : 1, sizeof(*e->macro_errors));
	e->scratch = malloc(sizeof(*e->scratch));
	if (!e->rules || !e->macros || !e->macro_errors || !e->scratch)
		goto fail;
	for (size_t i = 0; i < e->n_rules; i++) {
		struct compiled_rule *r = &e->rules[i];

		r->info.def = rule_set_rule(set, i);
		err = compile_rule(e, r);
		if (err)
			goto fail;
	}
	/* Deny and kill rules the kernel cannot decide fail like any rule that does not compile. */
	err = enforce_validate(e);
	if (err)
		goto fail;
	for (size_t i = 0; i < e->n_rules; i++) {
		if (e->rules[i].info.status == RULE_LOADED) {
			err = index_rule(e, i, e->rules[i].info.events);
			if (err)
				goto fail;
		}
	}
	*out = e;
	return 0;
fail:
	rule_engine_free(e);
	return err;
}

void rule_engine_free(struct rule_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_rules; i++) {
		struct compiled_rule *r = &e->rules[i];

		node_free(r->root);
		for (size_t j = 0; j < r->n_output; j++)
			free(r->output[j].name);
		free(r->output);
		free((char *)r->info.error);
	}
	free(e->rules);
	for (unsigned int t = 0; t < RULE_EVENT_TYPES; t++)
		free(e->index[t]);
	for (size_t i = 0; i < e->n_slots; i++) {
		rule_field_arg_free(&e->slots[i].arg);
		free(e->slots[i].key);
	}
	free(e->slots);
	for (size_t i = 0; i < e->n_messages; i++)
		free((char *)e->messages[i].msg.text);
	free(e->messages);
	if (e->macros)
		for (size_t i = 0; i < rule_set_macro_count(e->set); i++) {
			rule_condition_free(e->macros[i]);
			free(e->macro_errors[i]);
		}
	free(e->macros);
	free(e->macro_errors);
	free(e->scratch);
	free(e);
}

size_t rule_engine_rule_count(const struct rule_engine *e)
{
	return e->n_rules;
}

const struct rule_info *rule_engine_rule(const struct rule_engine *e, size_t index)
{
	return index < e->n_rules ? &e->rules[index].info : NULL;
}

size_t rule_engine_message_count(const struct rule_engine *e)
{
	return e->n_messages;
}

const struct rule_message *rule_engine_message(const struct rule_engine *e, size_t index, bool *is_error)
{
	if (index >= e->n_messages)
		return NULL;
	if (is_error)
		*is_error = e->messages[index].is_error;
	return &e->messages[index].msg;
}

size_t rule_engine_error_count(const struct rule_engine *e)
{
	return e->n_errors;
}

/* ---- running ---- */

size_t rule_engine_eval(struct rule_engine *e, const struct rule_event *ev,
			void (*fn)(const struct rule_match *match, void *ctx), void *ctx)
{
	size_t matched = 0;
	bool setup = ev->ctx && ev->ctx->ev && (ev->ctx->ev->hdr.flags & VIGIL_F_SETUP);

	if (ev->type == 0 || ev->type >= RULE_EVENT_TYPES || !e->n_index[ev->type])
		return 0;
	/* A new event: cached values are stale, the scratch space is free. */
	e->generation++;
	e->scratch->used = 0;
	for (size_t i = 0; i < e->n_index[ev->type]; i++) {
		struct compiled_rule *r = &e->rules[e->index[ev->type][i]];

		/*
		 * A deny or kill rule is about the container's own doing: the kernel
		 * never acts on the runtime's setup, and its alerts do not either.
		 */
		if (r->info.action != RULE_ACTION_ALERT && setup)
			continue;
		if (node_eval(e, r->root, ev)) {
			struct rule_match m = { .rule = &r->info, .ev = ev };

			matched++;
			if (fn)
				fn(&m, ctx);
		}
	}
	return matched;
}

static const struct compiled_rule *rule_of(const struct rule_engine *e, const struct rule_match *m)
{
	(void)e;
	return (const struct compiled_rule *)((const char *)m->rule - offsetof(struct compiled_rule, info));
}

/* A field's values as text: several joined with ','; <NA> when none. */
static void part_value(struct rule_engine *e, const struct output_part *part, const struct rule_event *ev,
		       char *buf, size_t len)
{
	const struct value_slot *s;
	size_t used = 0;

	if (part->lacking) {
		snprintf(buf, len, NA);
		return;
	}
	s = slot_read(e, part->slot, ev);
	if (!s->n) {
		snprintf(buf, len, NA);
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < s->n && used + 1 < len; i++) {
		if (i)
			buf[used++] = ',';
		value_to_text(&s->values[i], buf + used, len - used);
		used += strlen(buf + used);
	}
}

size_t rule_engine_format_output(struct rule_engine *e, const struct rule_match *m, char *buf, size_t len)
{
	const struct compiled_rule *r = rule_of(e, m);
	size_t used = 0;
	char value[4096];

	if (!len)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_output && used + 1 < len; i++) {
		const struct output_part *part = &r->output[i];
		size_t n = part->len < len - 1 - used ? part->len : len - 1 - used;

		memcpy(buf + used, part->text, n);
		used += n;
		buf[used] = '\0';
		if (!part->name)
			continue;
		part_value(e, part, m->ev, value, sizeof(value));
		n = strlen(value);
		if (n > len - 1 - used)
			n = len - 1 - used;
		memcpy(buf + used, value, n);
		used += n;
		buf[used] = '\0';
	}
	return used;
}

void rule_engine_output_fields(struct rule_engine *e, const struct rule_match *m,
			       void (*fn)(const char *name, const char *value, void *ctx), void *ctx)
{
	const struct compiled_rule *r = rule_of(e, m);
	char value[4096];

	for (size_t i = 0; i < r->n_output; i++) {
		const struct output_part *part = &r->output[i];
		bool seen = false;

		if (!part->name)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = r->output[j].name && !strcmp(r->output[j].name, part->name);
		if (seen)
			continue;
		part_value(e, part, m->ev, value, sizeof(value));
		fn(part->name, value, ctx);
	}
}
