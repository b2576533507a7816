// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "enforce.h"
#include "event_schema.h"
#include "json_writer.h"
#include "log.h"
#include "rules_cli.h"

/* Room for the names of every event type, comma-separated. */
#define EVENT_NAMES_MAX 2048

/*
 * Load and compile, every message on stderr. 0 with *set and *engine (whose
 * rules may have failed: see rule_engine_error_count); -EINVAL when the
 * loader found errors, with *set and no engine (a set with errors is for
 * reports only); -ENOMEM with neither.
 */
static int load_and_compile(const char *const *files, size_t n_files, struct rule_set **set,
			    struct rule_engine **engine)
{
	struct rule_set *s = rule_set_new();
	int err;

	*set = NULL;
	*engine = NULL;
	if (!s)
		goto out_of_memory;
	err = rule_set_load_files(s, files, n_files);
	if (err == -ENOMEM)
		goto out_of_memory;
	for (size_t i = 0; i < rule_set_warning_count(s); i++)
		log_warn("%s", rule_set_warning(s, i)->text);
	for (size_t i = 0; i < rule_set_error_count(s); i++)
		log_error("%s", rule_set_error(s, i)->text);
	*set = s;
	if (err || rule_set_error_count(s))
		return -EINVAL;
	if (rule_engine_compile(s, engine))
		goto out_of_memory;
	for (size_t i = 0; i < rule_engine_message_count(*engine); i++) {
		bool is_error;
		const struct rule_message *m = rule_engine_message(*engine, i, &is_error);

		if (is_error)
			log_error("%s", m->text);
		else
			log_warn("%s", m->text);
	}
	return 0;

out_of_memory:
	log_error("out of memory while loading the rules");
	rule_set_free(s);
	*set = NULL;
	return -ENOMEM;
}

int rules_load(const char *const *files, size_t n_files, struct rule_set **set, struct rule_engine **engine)
{
	int err = load_and_compile(files, n_files, set, engine);

	if (!err && rule_engine_error_count(*engine))
		err = -EINVAL;
	if (err) {
		rule_engine_free(*engine);
		rule_set_free(*set);
		*engine = NULL;
		*set = NULL;
	}
	return err;
}

const char *rules_status_name(enum rule_status status)
{
	switch (status) {
	case RULE_LOADED:
		return "loaded";
	case RULE_INERT:
		return "inert";
	case RULE_DISABLED:
		return "disabled";
	case RULE_SKIPPED:
		return "skipped";
	case RULE_FAILED:
		return "FAILED";
	}
	return "?";
}

void rules_summarize(const struct rule_engine *engine, struct rules_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->rules = rule_engine_rule_count(engine);
	for (size_t i = 0; i < s->rules; i++) {
		switch (rule_engine_rule(engine, i)->status) {
		case RULE_LOADED:
			s->loaded++;
			break;
		case RULE_INERT:
			s->inert++;
			break;
		case RULE_DISABLED:
			s->disabled++;
			break;
		case RULE_SKIPPED:
			s->skipped++;
			break;
		case RULE_FAILED:
			s->failed++;
			break;
		}
	}
}

/* The kernel terms the rule of that index became. */
static size_t rule_terms(const struct enforce_policy *policy, size_t index)
{
	size_t n = 0;

	for (size_t i = 0; policy && i < policy->n_terms; i++)
		n += policy->terms[i].rule == index;
	return n;
}

/* loaded   Warning       Shell in container [exec]
 * loaded   Critical      No shells [exec] (deny: 1 kernel term)
 * FAILED   Error         Bad rule: rules.yaml:3:14: unknown field 'proc.nme' */
static void print_rule_line(const struct rule_info *rule, const struct enforce_policy *policy, size_t index)
{
	char events[EVENT_NAMES_MAX];
	size_t terms = rule_terms(policy, index);

	printf("%-8s %-13s %s", rules_status_name(rule->status), rule_priority_name(rule->def->priority),
	       rule->def->name);
	if (rule->error) {
		printf(": %s\n", rule->error);
		return;
	}
	rule_event_mask_names(rule->events, events, sizeof(events));
	printf(" [%s]", events);
	if (rule->status == RULE_LOADED && rule->action != RULE_ACTION_ALERT)
		printf(" (%s: %zu kernel term%s%s)", alert_action_name(rule->action), terms, terms == 1 ? "" : "s",
		       rule->scope == RULE_SCOPE_HOST ? ", host processes" :
		       rule->scope == RULE_SCOPE_ANY ? ", host and container processes" : "");
	printf("\n");
}

static json_t *event_names_json(rule_event_mask mask)
{
	json_t *names = json_array();

	for (unsigned int type = 0; names && type < RULE_EVENT_TYPES; type++) {
		const char *name = rule_event_type_name(type);

		if ((mask & RULE_EVENT_BIT(type)) && name)
			json_array_append_new(names, json_string(name));
	}
	return names;
}

static void print_json_line(json_t *obj)
{
	if (obj && !json_dumpf(obj, stdout, JSON_COMPACT))
		fputc('\n', stdout);
	json_decref(obj);
}

/* {"type":"rule","rule":"...","status":"loaded","priority":"Warning","events":[...],"file":...,"line":N,...} */
static void print_rule_json(const struct rule_info *rule, const struct enforce_policy *policy, size_t index)
{
	const struct rule_def *def = rule->def;
	json_t *obj = json_pack("{s:s, s:o, s:s, s:s, s:o, s:s, s:o, s:I}",
				"type", "rule",
				"rule", json_untrusted_cstring(def->name, SIZE_MAX),
				"status", rules_status_name(rule->status),
				"priority", rule_priority_name(def->priority),
				"events", event_names_json(rule->events),
				"action", alert_action_name(rule->action),
				"file", json_untrusted_cstring(def->pos.file ? def->pos.file : "", SIZE_MAX),
				"line", (json_int_t)def->pos.line);

	if (obj && rule->error)
		json_object_set_new(obj, "error", json_untrusted_cstring(rule->error, SIZE_MAX));
	if (obj && rule->status == RULE_LOADED && rule->action != RULE_ACTION_ALERT) {
		json_object_set_new(obj, "kernel_terms", json_integer((json_int_t)rule_terms(policy, index)));
		json_object_set_new(obj, "scope", json_string(rule->scope == RULE_SCOPE_HOST ? "host" :
							      rule->scope == RULE_SCOPE_ANY ? "any" : "container"));
	}
	print_json_line(obj);
}

/* The names of the bits of mask, as the events print them ("CAP_SYS_ADMIN AF_PACKET"), or "none". */
const char *rules_mask_names(uint64_t mask, enum field_kind kind, char *buf, size_t size)
{
	size_t used = 0;

	snprintf(buf, size, "none");
	for (unsigned int bit = 0; bit < 64 && used < size; bit++) {
		char name[FIELD_TEXT_MAX];
		int n;

		if (!(mask & (1ull << bit)))
			continue;
		field_to_text(kind, bit, name, sizeof(name));
		n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

/*
 * What the loaded rules add to the kernel's filters (beyond its defaults),
 * and the rules the watch list cannot serve: so that a user sees what a rule
 * costs and what it may miss before running it.
 */
/* What the deny and kill rules become in the kernel. */
static void print_enforcement(const struct enforce_policy *policy)
{
	size_t strings[VIGIL_STR_KINDS] = { 0 };
	uint64_t types = 0;
	char names[EVENT_NAMES_MAX];

	if (!policy->n_deny_rules && !policy->n_kill_rules)
		return;
	for (size_t i = 0; i < policy->n_terms; i++)
		types |= policy->terms[i].types;
	for (size_t i = 0; i < policy->n_strings; i++)
		strings[policy->strings[i].kind]++;
	rule_event_mask_names(types, names, sizeof(names));
	printf("the kernel will enforce: %zu deny and %zu kill rule%s in %zu of its %d terms, on %s\n",
	       policy->n_deny_rules, policy->n_kill_rules, policy->n_kill_rules == 1 ? "" : "s", policy->n_terms,
	       VIGIL_ENFORCE_TERMS, types ? names : "nothing");
	if (strings[VIGIL_STR_PATH] || strings[VIGIL_STR_SOURCE] || strings[VIGIL_STR_FSTYPE])
		printf("  strings it compares: %zu paths, %zu mount sources, %zu filesystem types (of %d each)\n",
		       strings[VIGIL_STR_PATH], strings[VIGIL_STR_SOURCE], strings[VIGIL_STR_FSTYPE],
		       VIGIL_ENFORCE_STRINGS / VIGIL_ENFORCE_SETS);
	printf("  deny needs BPF-LSM (`vigil probe`); without it, or with --lsm=off, a deny kills the process; "
	       "--enforce=off only reports\n");
}

static void print_kernel_needs(const struct rule_engine *engine)
{
	struct rule_kernel_needs needs;
	char names[1024];

	if (rule_engine_kernel_needs(engine, &needs))
		return;
	if (needs.n_path_prefixes || needs.n_path_names || needs.capabilities || needs.socket_families)
		printf("the kernel will also report, for these rules:\n");
	if (needs.n_path_prefixes) {
		printf("  opens of paths starting with:");
		for (size_t i = 0; i < needs.n_path_prefixes; i++)
			printf(" %s", needs.path_prefixes[i]);
		printf("\n");
	}
	if (needs.n_path_names) {
		printf("  opens of files named:");
		for (size_t i = 0; i < needs.n_path_names; i++)
			printf(" %s", needs.path_names[i]);
		printf("\n");
	}
	if (needs.capabilities)
		printf("  checks of the capabilities: %s\n", needs.capabilities == ~0ull ? "all" :
		       rules_mask_names(needs.capabilities, FIELD_CAP, names, sizeof(names)));
	if (needs.socket_families)
		printf("  sockets of the families: %s\n", needs.socket_families == ~0ull ? "all" :
		       rules_mask_names(needs.socket_families, FIELD_SOCKET_FAMILY, names, sizeof(names)));
	for (size_t i = 0; i < needs.n_unnarrowed; i++)
		printf("warning: %s\n", needs.unnarrowed[i]);
	rule_kernel_needs_free(&needs);
}

static void log_enforce_error(const char *message, void *ctx)
{
	(void)ctx;
	log_error("%s", message);
}

int rules_check(const char *const *files, size_t n_files, bool json)
{
	struct enforce_policy policy;
	struct rule_set *set;
	struct rule_engine *engine;
	struct rules_summary s;
	size_t macros, lists;
	int err = load_and_compile(files, n_files, &set, &engine);

	if (err == -ENOMEM)
		return 1;
	macros = rule_set_macro_count(set);
	lists = rule_set_list_count(set);
	if (err) {
		/* The loader's errors are on stderr; a set with errors is not compiled. */
		if (json)
			print_json_line(json_pack("{s:s, s:I, s:I, s:I, s:I, s:b}", "type", "summary",
						  "rules", (json_int_t)rule_set_rule_count(set),
						  "errors", (json_int_t)rule_set_error_count(set),
						  "macros", (json_int_t)macros, "lists", (json_int_t)lists,
						  "compiled", 0));
		else
			printf("%zu rules: none compiled, the files have %zu error%s; %zu macros, %zu lists\n",
			       rule_set_rule_count(set), rule_set_error_count(set),
			       rule_set_error_count(set) == 1 ? "" : "s", macros, lists);
		rule_set_free(set);
		return 1;
	}

	/* The rules that failed to compile for the kernel are failed rules already (enforce_validate). */
	if (enforce_compile(engine, &policy, log_enforce_error, NULL) < 0) {
		log_error("out of memory while compiling the deny and kill rules for the kernel");
		rule_engine_free(engine);
		rule_set_free(set);
		return 1;
	}
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++) {
		if (json)
			print_rule_json(rule_engine_rule(engine, i), &policy, i);
		else
			print_rule_line(rule_engine_rule(engine, i), &policy, i);
	}
	rules_summarize(engine, &s);
	if (json) {
		print_json_line(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
					  "type", "summary", "rules", (json_int_t)s.rules,
					  "loaded", (json_int_t)s.loaded, "inert", (json_int_t)s.inert,
					  "disabled", (json_int_t)s.disabled, "skipped", (json_int_t)s.skipped,
					  "failed", (json_int_t)s.failed,
					  "errors", (json_int_t)rule_engine_error_count(engine),
					  "macros", (json_int_t)macros, "lists", (json_int_t)lists, "compiled", 1));
	} else {
		printf("%zu rules: %zu loaded, ", s.rules, s.loaded);
		if (s.inert)
			printf("%zu inert, ", s.inert);
		printf("%zu disabled, %zu skipped, %zu failed; %zu macros, %zu lists\n", s.disabled, s.skipped,
		       s.failed, macros, lists);
	}
	if (!json) {
		print_kernel_needs(engine);
		print_enforcement(&policy);
	}
	err = s.failed || rule_engine_error_count(engine) ? 1 : 0;
	enforce_policy_free(&policy);
	rule_engine_free(engine);
	rule_set_free(set);
	return err;
}

int fields_print(enum rule_fields_format format)
{
	rule_fields_print(stdout, format);
	return fflush(stdout) ? 1 : 0;
}
