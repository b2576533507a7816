// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The field table as `vigil fields` prints it (text, JSON lines) and as
 * docs/FIELDS.md holds it (Markdown): the fields, the arguments evt.arg can
 * name, and the Falco fields vigil lacks.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rule_fields_internal.h"

#define EVENT_NAMES_MAX 1024
#define ARGUMENTS_MAX 256

/* The ways to write a field: "proc.aname, proc.aname[N]"; each in `` when code is set. */
static void field_forms(const struct rule_field *f, bool code, char *buf, size_t len)
{
	const char *q = code ? "`" : "";

	switch (f->arg) {
	case RULE_FIELD_ARG_NONE:
		snprintf(buf, len, "%s%s%s", q, f->name, q);
		break;
	case RULE_FIELD_ARG_INDEX:
	case RULE_FIELD_ARG_KEY_OPTIONAL:
		snprintf(buf, len, "%s%s%s, %s%s[%s]%s", q, f->name, q, q, f->name, f->arg_name, q);
		break;
	case RULE_FIELD_ARG_KEY:
		snprintf(buf, len, "%s%s.%s%s, %s%s[%s]%s", q, f->name, f->arg_name, q, q, f->name, f->arg_name, q);
		break;
	}
}

/* Each argument name of the schemas, with the events that have it and whether it is text. */
struct argument {
	const char *name;
	rule_event_mask events;
	bool text;
};

static int argument_compare(const void *a, const void *b)
{
	return strcmp(((const struct argument *)a)->name, ((const struct argument *)b)->name);
}

static void add_argument(struct argument *args, size_t *n, const char *name, unsigned int type, bool text)
{
	size_t i;

	for (i = 0; i < *n && strcmp(args[i].name, name); i++)
		;
	if (i == *n) {
		if (*n == ARGUMENTS_MAX)
			return;
		args[(*n)++] = (struct argument){ .name = name };
	}
	args[i].events |= RULE_EVENT_BIT(type);
	args[i].text |= text;
}

static size_t collect_arguments(struct argument *args)
{
	size_t n = 0;

	for (unsigned int t = 0; t < VIGIL_EVENT_TYPE_MAX; t++) {
		const struct event_schema *schema = event_schema_for(t);

		if (!schema || !event_type_is_syscall(t))
			continue;
		for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
			if (schema->args[i].name)
				add_argument(args, &n, schema->args[i].name, t, false);
		for (int i = 0; i < VIGIL_SYSCALL_STRS; i++)
			if (schema->strs[i].name)
				add_argument(args, &n, schema->strs[i].name, t, true);
	}
	qsort(args, n, sizeof(*args), argument_compare);
	return n;
}

/* ---- text ---- */

/* Words wrapped at 100 columns, each line indented by 4. */
static void print_wrapped(FILE *out, const char *text)
{
	size_t column = 0;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (column && column + 1 + word > 96) {
			fputc('\n', out);
			column = 0;
		}
		fprintf(out, "%s%.*s", column ? " " : "    ", (int)word, text);
		column += (column ? 1 : 4) + word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

static void print_text(FILE *out)
{
	struct argument args[ARGUMENTS_MAX];
	size_t n_fields, n_lacking, n_args = collect_arguments(args);
	const struct rule_field *fields = rule_fields(&n_fields);
	const struct rule_field_lack *lacking = rule_fields_lacking(&n_lacking);
	char forms[256], events[EVENT_NAMES_MAX];

	for (size_t i = 0; i < n_fields; i++) {
		const struct rule_field *f = &fields[i];

		field_forms(f, false, forms, sizeof(forms));
		rule_event_mask_names(f->events, events, sizeof(events));
		fprintf(out, "%s\n    %s%s; events: %s\n", forms, rule_field_type_name(f->type),
			f->multi ? ", several values" : "", events);
		print_wrapped(out, f->description);
		fputc('\n', out);
	}
	fprintf(out, "The arguments evt.arg.NAME and evt.rawarg.NAME can name, with the events that have them:\n");
	for (size_t i = 0; i < n_args; i++) {
		rule_event_mask_names(args[i].events, events, sizeof(events));
		fprintf(out, "    %s: %s\n", args[i].name, events);
	}
	fprintf(out, "\nFalco fields vigil does not have:\n");
	for (size_t i = 0; i < n_lacking; i++)
		fprintf(out, "    %s: %s\n", lacking[i].name, lacking[i].reason);
}

/* ---- JSON lines ---- */

static json_t *events_json(rule_event_mask mask)
{
	json_t *array = json_array();

	for (unsigned int t = 0; array && t < RULE_EVENT_TYPES; t++)
		if ((mask & RULE_EVENT_BIT(t)) && rule_event_type_name(t))
			json_array_append_new(array, json_string(rule_event_type_name(t)));
	return array;
}

static void print_json_line(FILE *out, json_t *obj)
{
	if (obj) {
		json_dumpf(obj, out, JSON_COMPACT);
		fputc('\n', out);
	}
	json_decref(obj);
}

static void print_json(FILE *out)
{
	struct argument args[ARGUMENTS_MAX];
	size_t n_fields, n_lacking, n_args = collect_arguments(args);
	const struct rule_field *fields = rule_fields(&n_fields);
	const struct rule_field_lack *lacking = rule_fields_lacking(&n_lacking);

	for (size_t i = 0; i < n_fields; i++) {
		const struct rule_field *f = &fields[i];
		json_t *forms = json_array();
		char form[256];

		json_array_append_new(forms, json_string(f->name));
		if (f->arg == RULE_FIELD_ARG_KEY) {
			json_array_clear(forms);
			snprintf(form, sizeof(form), "%s.%s", f->name, f->arg_name);
			json_array_append_new(forms, json_string(form));
		}
		if (f->arg != RULE_FIELD_ARG_NONE) {
			snprintf(form, sizeof(form), "%s[%s]", f->name, f->arg_name);
			json_array_append_new(forms, json_string(form));
		}
		print_json_line(out, json_pack("{s:s, s:o, s:s, s:b, s:o, s:s}", "field", f->name, "forms", forms,
					       "type", rule_field_type_name(f->type), "multi", f->multi, "events",
					       events_json(f->events), "description", f->description));
	}
	for (size_t i = 0; i < n_args; i++)
		print_json_line(out, json_pack("{s:s, s:s, s:o}", "argument", args[i].name, "kind",
					       args[i].text ? "text" : "number", "events", events_json(args[i].events)));
	for (size_t i = 0; i < n_lacking; i++)
		print_json_line(out, json_pack("{s:s, s:s}", "lacking", lacking[i].name, "reason", lacking[i].reason));
}

/* ---- Markdown ---- */

/* A table cell: '|' escaped. */
static void print_cell(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (*text == '|')
			fputc('\\', out);
		fputc(*text, out);
	}
}

/* The section a field is listed under: by its first name, some classes together. */
static const char *section(const char *name)
{
	static const struct {
		const char *prefix;
		const char *title;
	} sections[] = {
		{ "evt.", "evt: the event" },
		{ "syscall.", "evt: the event" },
		{ "proc.", "proc, thread: the process" },
		{ "thread.", "proc, thread: the process" },
		{ "user.", "user, group: its credentials" },
		{ "group.", "user, group: its credentials" },
		{ "container.", "container, k8s: its container" },
		{ "k8s.", "container, k8s: its container" },
		{ "fd.", "fd, fs.path: the file or connection" },
		{ "fs.", "fd, fs.path: the file or connection" },
	};

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strncmp(name, sections[i].prefix, strlen(sections[i].prefix)))
			return sections[i].title;
	return "other";
}

static void print_markdown(FILE *out)
{
	struct argument args[ARGUMENTS_MAX];
	size_t n_fields, n_lacking, n_args = collect_arguments(args);
	const struct rule_field *fields = rule_fields(&n_fields);
	const struct rule_field_lack *lacking = rule_fields_lacking(&n_lacking);
	char forms[256], events[EVENT_NAMES_MAX];
	const char *current = NULL;

	fprintf(out, "# Rule fields\n\n"
		     "<!-- The output of rule_fields_print(RULE_FIELDS_MARKDOWN), user/rule_fields.c: edit the table "
		     "there. test_rule_fields fails when this file differs; VIGIL_WRITE_FIELDS_MD=1 makes it write "
		     "the file. -->\n\n"
		     "What a rule's condition can test and its output can print (`vigil fields` lists the same). "
		     "The names and meanings are Falco's where Falco has the field. A field that an event does not "
		     "carry yields no value: every comparison on it is false, and `not` makes it true. A field with "
		     "several values matches when one of them does.\n");
	for (size_t i = 0; i < n_fields; i++) {
		const struct rule_field *f = &fields[i];

		if (!current || strcmp(current, section(f->name))) {
			current = section(f->name);
			fprintf(out, "\n## %s\n\n| Field | Type | Events | Description |\n|---|---|---|---|\n", current);
		}
		field_forms(f, true, forms, sizeof(forms));
		rule_event_mask_names(f->events, events, sizeof(events));
		fprintf(out, "| %s | %s%s | %s | ", forms, rule_field_type_name(f->type),
			f->multi ? ", several values" : "", events);
		print_cell(out, f->description);
		fprintf(out, " |\n");
	}
	fprintf(out, "\n## The arguments of evt.arg and evt.rawarg\n\n"
		     "`evt.arg.NAME` (or `evt.arg[NAME]`) is the event's argument NAME as its JSON prints it; the "
		     "events below have it.\n\n| Argument | Kind | Events |\n|---|---|---|\n");
	for (size_t i = 0; i < n_args; i++) {
		rule_event_mask_names(args[i].events, events, sizeof(events));
		fprintf(out, "| `%s` | %s | %s |\n", args[i].name, args[i].text ? "text" : "number", events);
	}
	fprintf(out, "\n## Falco fields vigil does not have\n\n"
		     "In a condition such a field is an error that gives the reason (the rule is skipped instead "
		     "when it has `skip-if-unknown-filter: true`); in an output it prints `<NA>`. A name covers "
		     "the fields below it (`proc.vpgid` covers `proc.vpgid.name`).\n\n| Field | Why |\n|---|---|\n");
	for (size_t i = 0; i < n_lacking; i++) {
		fprintf(out, "| `%s` | ", lacking[i].name);
		print_cell(out, lacking[i].reason);
		fprintf(out, " |\n");
	}
}

void rule_fields_print(FILE *out, enum rule_fields_format format)
{
	switch (format) {
	case RULE_FIELDS_TEXT:
		print_text(out);
		break;
	case RULE_FIELDS_JSON:
		print_json(out);
		break;
	case RULE_FIELDS_MARKDOWN:
		print_markdown(out);
		break;
	}
}
