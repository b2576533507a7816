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
 *
 * The parts live in rule_text.c, rule_yaml.c, rule_values.c, rule_exceptions.c,
 * rule_merge.c and rule_macros.c (rule_loader_internal.h); this file holds the
 * rule set, the messages, the walk over a file's items and the entry points.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rule_loader_internal.h"

void out_of_memory(struct load *ld)
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
__attribute__((format(printf, 3, 4))) void file_error(struct load *ld, const struct rule_pos *pos,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ld, true, pos, false, fmt, ap);
	va_end(ap);
}

/* An error in the current item, "rule 'x': " first. */
__attribute__((format(printf, 3, 4))) void item_error(struct load *ld, const struct rule_pos *pos,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ld, true, pos, true, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) void item_warning(struct load *ld, const struct rule_pos *pos,
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

void exceptions_free(struct exception_def *exceptions, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(exceptions[i].values);
	free(exceptions);
}

void rule_slot_clear(struct rule_slot *r)
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
