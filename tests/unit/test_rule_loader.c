// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rules file loader: each kind of item, Falco's merge semantics over
 * several files, exceptions compiled into condition text, positions back into
 * the files, every error with its exact message, the bounds, and Falco's own
 * rule files. Runs from the repository's root (tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "rule_loader.h"

#define DATA "tests/unit/data/rules/"
#define FALCO_RULES "../shared/peers/falco/"

static struct rule_set *set;

static int teardown(void **state)
{
	(void)state;
	rule_set_free(set);
	set = NULL;
	return 0;
}

/* A new set holding text, loaded as "t.yaml"; the load's result must be rc. */
static void load_text(const char *text, int rc)
{
	rule_set_free(set);
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_buffer(set, "t.yaml", text, strlen(text)), rc);
}

static void print_messages(void)
{
	for (size_t i = 0; i < rule_set_error_count(set); i++)
		print_message("error: %s\n", rule_set_error(set, i)->text);
	for (size_t i = 0; i < rule_set_warning_count(set); i++)
		print_message("warning: %s\n", rule_set_warning(set, i)->text);
}

/* Exactly these messages (NULL-terminated), in order. */
static void assert_messages(bool errors, const char *const *expected)
{
	size_t n = 0, count = errors ? rule_set_error_count(set) : rule_set_warning_count(set);

	while (expected[n])
		n++;
	if (count != n)
		print_messages();
	assert_int_equal(count, n);
	for (size_t i = 0; i < n; i++) {
		const struct rule_message *m = errors ? rule_set_error(set, i) : rule_set_warning(set, i);

		assert_string_equal(m->text, expected[i]);
	}
}

#define ASSERT_ERRORS(...) assert_messages(true, (const char *const[]){ __VA_ARGS__, NULL })
#define ASSERT_WARNINGS(...) assert_messages(false, (const char *const[]){ __VA_ARGS__, NULL })
#define ASSERT_NO_ERRORS() assert_messages(true, (const char *const[]){ NULL })
#define ASSERT_NO_WARNINGS() assert_messages(false, (const char *const[]){ NULL })

/* One error from text, which must change nothing. */
static void assert_one_error(const char *text, const char *expected)
{
	load_text(text, -EINVAL);
	ASSERT_ERRORS(expected);
}

static void assert_pos(const struct rule_pos *pos, const char *file, unsigned int line, unsigned int column)
{
	assert_non_null(pos->file);
	assert_string_equal(pos->file, file);
	if (pos->line != line || pos->column != column)
		print_message("position %u:%u, expected %u:%u\n", pos->line, pos->column, line, column);
	assert_int_equal(pos->line, line);
	assert_int_equal(pos->column, column);
}

/* Where the first occurrence of needle in a text comes from. */
static void assert_locate(const struct rule_text *text, const char *needle, const char *file, unsigned int line,
			  unsigned int column)
{
	const char *at = strstr(text->text, needle);
	struct rule_pos pos;

	assert_non_null(at);
	rule_text_locate(text, (size_t)(at - text->text), &pos);
	assert_pos(&pos, file, line, column);
}

static const struct rule_def *rule_named(const char *name)
{
	const struct rule_def *rule = rule_set_find_rule(set, name);

	assert_non_null(rule);
	return rule;
}

/* ---- priorities ---- */

static void test_priorities_are_syslog_levels(void **state)
{
	static const struct {
		const char *text;
		enum rule_priority priority;
		int syslog_level;
	} cases[] = {
		{ "Emergency", RULE_PRIORITY_EMERGENCY, LOG_EMERG },
		{ "ALERT", RULE_PRIORITY_ALERT, LOG_ALERT },
		{ "critical", RULE_PRIORITY_CRITICAL, LOG_CRIT },
		{ "Error", RULE_PRIORITY_ERROR, LOG_ERR },
		{ "WARNING", RULE_PRIORITY_WARNING, LOG_WARNING },
		{ "notice", RULE_PRIORITY_NOTICE, LOG_NOTICE },
		{ "Informational", RULE_PRIORITY_INFORMATIONAL, LOG_INFO },
		{ "INFO", RULE_PRIORITY_INFORMATIONAL, LOG_INFO },
		{ "dEbUg", RULE_PRIORITY_DEBUG, LOG_DEBUG },
	};
	enum rule_priority p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = RULE_PRIORITY_EMERGENCY;
		assert_int_equal(rule_priority_parse(cases[i].text, &p), 0);
		assert_int_equal(p, cases[i].priority);
		assert_int_equal((int)p, cases[i].syslog_level);
	}
	assert_int_equal(rule_priority_parse("warn", &p), -EINVAL);
	assert_int_equal(rule_priority_parse("", &p), -EINVAL);
	assert_int_equal(rule_priority_parse("informationa", &p), -EINVAL);
	assert_string_equal(rule_priority_name(RULE_PRIORITY_EMERGENCY), "Emergency");
	assert_string_equal(rule_priority_name(RULE_PRIORITY_INFORMATIONAL), "Informational");
	assert_string_equal(rule_priority_name(RULE_PRIORITY_DEBUG), "Debug");
	assert_string_equal(rule_priority_name((enum rule_priority)8), "unknown");
}

/* ---- each kind of item ---- */

static void test_base_file(void **state)
{
	const struct rule_def *shell, *read, *audit;
	const struct macro_def *macro;
	const struct list_def *list;
	const struct rule_value *v;

	(void)state;
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_file(set, DATA "base.yaml"), 0);
	ASSERT_NO_ERRORS();
	ASSERT_NO_WARNINGS();
	assert_int_equal(rule_set_rule_count(set), 3);
	assert_int_equal(rule_set_macro_count(set), 2);
	assert_int_equal(rule_set_list_count(set), 2);

	/* Lists and macros, in definition order. */
	list = rule_set_list(set, 0);
	assert_string_equal(list->name, "shell_binaries");
	assert_int_equal(list->n_items, 3);
	assert_string_equal(list->items[2], "zsh");
	list = rule_set_list(set, 1);
	assert_string_equal(list->name, "sensitive_files");
	assert_pos(&list->pos, DATA "base.yaml", 11, 3);
	assert_int_equal(list->n_items, 2);
	assert_string_equal(list->items[0], "/etc/shadow");
	assert_string_equal(list->items[1], "/etc/sudoers");
	assert_pos(&list->item_pos[1], DATA "base.yaml", 14, 7);
	assert_ptr_equal(rule_set_find_list(set, "sensitive_files"), list);
	assert_null(rule_set_find_list(set, "nope"));
	assert_null(rule_set_list(set, 2));

	macro = rule_set_macro(set, 0);
	assert_string_equal(macro->name, "spawned_process");
	assert_string_equal(macro->condition.text, "evt.type in (execve, execveat) and evt.dir = <");
	assert_pos(&macro->pos, DATA "base.yaml", 16, 3);
	assert_pos(&macro->condition.pos, DATA "base.yaml", 17, 14);
	assert_ptr_equal(rule_set_find_macro(set, "container"), rule_set_macro(set, 1));

	/* A rule with all of Falco's keys; its exception folded into the condition. */
	shell = rule_set_rule(set, 0);
	assert_string_equal(shell->name, "Shell in container");
	assert_pos(&shell->pos, DATA "base.yaml", 22, 3);
	assert_string_equal(shell->desc.text, "A shell runs in a container.");
	assert_string_equal(shell->condition.text,
			    "(spawned_process and container and proc.name in (shell_binaries)) and not "
			    "((container.image.repository = docker.io/library/busybox and proc.pname = init))");
	assert_int_equal(shell->condition.len, strlen(shell->condition.text));
	assert_string_equal(shell->output.text,
			    "Shell in container (user=%user.name container=%container.name cmdline=%proc.cmdline)");
	assert_int_equal(shell->priority, RULE_PRIORITY_WARNING);
	assert_true(shell->enabled);
	assert_true(shell->warn_evttypes);
	assert_false(shell->skip_if_unknown_filter);
	assert_string_equal(shell->source, "syscall");
	assert_int_equal(shell->n_tags, 3);
	assert_string_equal(shell->tags[0], "container");
	assert_string_equal(shell->tags[2], "mitre_execution");
	assert_int_equal(shell->n_exceptions, 1);
	assert_int_equal(shell->n_extras, 0);
	/* The first character of a `>` block is on the next line, not the `>`. */
	assert_pos(&shell->condition.pos, DATA "base.yaml", 25, 5);
	assert_locate(&shell->condition, "spawned_process", DATA "base.yaml", 25, 5);
	assert_locate(&shell->condition, "and proc.name", DATA "base.yaml", 26, 5);
	assert_locate(&shell->condition, "docker.io", DATA "base.yaml", 36, 12);
	assert_locate(&shell->condition, "proc.pname", DATA "base.yaml", 34, 44);
	assert_locate(&shell->output, "cmdline=", DATA "base.yaml", 29, 5);

	/* vigil's own keys are kept for later. */
	read = rule_named("Read sensitive file");
	assert_false(read->enabled);
	assert_int_equal(read->priority, RULE_PRIORITY_ERROR);
	assert_string_equal(read->output.text, "Sensitive file opened (file=%fd.name)");
	assert_pos(&read->condition.pos, DATA "base.yaml", 40, 14);
	assert_int_equal(read->n_extras, 3);
	assert_string_equal(read->extras[0].key, "action");
	assert_pos(&read->extras[0].key_pos, DATA "base.yaml", 44, 3);
	v = rule_def_extra(read, "capture_duration");
	assert_non_null(v);
	assert_int_equal(v->kind, RULE_VALUE_SCALAR);
	assert_int_equal(v->style, RULE_VALUE_PLAIN);
	assert_string_equal(v->text, "10s");
	assert_string_equal(rule_def_extra(read, "capture")->text, "true");
	assert_null(rule_def_extra(read, "priority"));
	assert_null(rule_def_extra(read, "nope"));

	audit = rule_named("Audit rule");
	assert_string_equal(audit->source, "k8s_audit");
	assert_int_equal(audit->priority, RULE_PRIORITY_INFORMATIONAL);
	assert_null(rule_set_find_rule(set, "nope"));
	assert_null(rule_set_rule(set, 3));
}

static void test_required_versions_and_unknown_items(void **state)
{
	(void)state;
	load_text("- required_engine_version: 0.57.0\n"
		  "- required_plugin_versions: [{name: k8saudit, version: 0.7.0}]\n"
		  "- required_engine_version: {anything: [goes]}\n"
		  "-\n"
		  "- something: else\n"
		  "---\n"
		  "# an empty document\n"
		  "---\n"
		  "- list: l\n"
		  "  items: []\n",
		  0);
	ASSERT_NO_ERRORS();
	ASSERT_WARNINGS("t.yaml:5:3: unknown item, ignored (not a rule, macro, list, required_engine_version or "
			"required_plugin_versions)");
	assert_int_equal(rule_set_list_count(set), 1);
	assert_int_equal(rule_set_list(set, 0)->n_items, 0);
}

static void test_unknown_keys_warn(void **state)
{
	const struct rule_def *rule;

	(void)state;
	load_text("- rule: r\n"
		  "  desc: d\n"
		  "  condition: c\n"
		  "  output: o\n"
		  "  priority: debug\n"
		  "  prority: high\n"
		  "  warn_evttypes: false\n"
		  "  skip-if-unknown-filter: yes\n"
		  "  capture: {before: 5s, after: [10s]}\n"
		  "- macro: m\n"
		  "  condition: c\n"
		  "  desc: d\n"
		  "- list: l\n"
		  "  items: [a]\n"
		  "  desc: d\n",
		  0);
	ASSERT_NO_ERRORS();
	ASSERT_WARNINGS("t.yaml:6:3: rule 'r': unknown key 'prority'", "t.yaml:12:3: macro 'm': unknown key 'desc', ignored",
			"t.yaml:15:3: list 'l': unknown key 'desc', ignored");
	rule = rule_named("r");
	assert_false(rule->warn_evttypes);
	assert_true(rule->skip_if_unknown_filter);
	assert_int_equal(rule->priority, RULE_PRIORITY_DEBUG);
	/* Unknown keys are kept too, after vigil's own in the item's order. */
	assert_int_equal(rule->n_extras, 2);
	assert_string_equal(rule->extras[0].key, "capture");
	assert_string_equal(rule->extras[1].key, "prority");
	assert_int_equal(rule->extras[0].value->kind, RULE_VALUE_MAPPING);
	assert_int_equal(rule->extras[0].value->style, RULE_VALUE_FLOW);
	assert_int_equal(rule->extras[0].value->count, 2);
	assert_string_equal(rule->extras[0].value->items[2].text, "after");
	assert_int_equal(rule->extras[0].value->items[3].kind, RULE_VALUE_SEQUENCE);
	assert_string_equal(rule->extras[0].value->items[3].items[0].text, "10s");
}

/* ---- several files ---- */

static void test_override_and_append_across_files(void **state)
{
	static const char *const files[] = { DATA "base.yaml", DATA "local.yaml" };
	const struct rule_def *shell, *read;
	const struct macro_def *macro;
	const struct list_def *list;

	(void)state;
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_files(set, files, 2), 0);
	ASSERT_NO_ERRORS();
	ASSERT_WARNINGS(
		DATA "local.yaml:7:3: list 'sensitive_files': 'append: true' is deprecated, use 'override'",
		DATA "local.yaml:38:3: rule 'Read sensitive file': an item with only 'enabled' is deprecated, use "
		     "'override: {enabled: replace}'",
		DATA "local.yaml:48:3: rule 'Audit rule': an item with only 'enabled' is deprecated, use "
		     "'override: {enabled: replace}'");
	assert_int_equal(rule_set_rule_count(set), 3);
	assert_int_equal(rule_set_macro_count(set), 2);
	assert_int_equal(rule_set_list_count(set), 2);

	/* Lists: items appended, by override and by the old append: true. */
	list = rule_set_list(set, 0);
	assert_int_equal(list->n_items, 4);
	assert_string_equal(list->items[3], "ash");
	assert_pos(&list->item_pos[3], DATA "local.yaml", 3, 11);
	assert_pos(&list->pos, DATA "base.yaml", 8, 3);
	list = rule_set_list(set, 1);
	assert_int_equal(list->n_items, 3);
	assert_string_equal(list->items[2], "/etc/gshadow");

	/* Macros: a condition appended to; a redefinition replaces, in its old place. */
	macro = rule_set_macro(set, 0);
	assert_string_equal(macro->name, "spawned_process");
	assert_string_equal(macro->condition.text, "evt.type = execve");
	assert_pos(&macro->pos, DATA "local.yaml", 16, 3);
	macro = rule_set_macro(set, 1);
	assert_string_equal(macro->condition.text, "(container.id != host) and container.id != \"\"");
	assert_locate(&macro->condition, "(container", DATA "base.yaml", 20, 14);
	assert_locate(&macro->condition, "and container", DATA "local.yaml", 12, 14);
	assert_pos(&macro->pos, DATA "base.yaml", 19, 3);

	/* A rule: condition, output, desc and tags appended, exception values added, a new exception. */
	shell = rule_set_rule(set, 0);
	assert_string_equal(shell->condition.text,
			    "(spawned_process and container and proc.name in (shell_binaries) and not user.name = root) "
			    "and not ((container.image.repository = docker.io/library/busybox and proc.pname = init) or "
			    "(container.image.repository = quay.io/team/debug and proc.pname = sshd)) "
			    "and not (k8s.ns.name in (kube-system, monitoring))");
	assert_string_equal(shell->output.text,
			    "Shell in container (user=%user.name container=%container.name cmdline=%proc.cmdline) (local)");
	assert_string_equal(shell->desc.text, "A shell runs in a container. Also in pods.");
	assert_int_equal(shell->n_tags, 4);
	assert_string_equal(shell->tags[0], "container");
	assert_string_equal(shell->tags[1], "shell");
	assert_string_equal(shell->tags[2], "mitre_execution");
	assert_string_equal(shell->tags[3], "k8s");
	assert_int_equal(shell->n_exceptions, 2);
	assert_int_equal(shell->priority, RULE_PRIORITY_WARNING);
	/* Each part of the merged condition points into its own file. */
	assert_pos(&shell->condition.pos, DATA "base.yaml", 25, 5);
	assert_locate(&shell->condition, "and not user.name", DATA "local.yaml", 21, 14);
	assert_locate(&shell->condition, "quay.io", DATA "local.yaml", 27, 12);
	assert_locate(&shell->condition, "k8s.ns.name", DATA "local.yaml", 29, 15);
	assert_locate(&shell->condition, "monitoring", DATA "local.yaml", 30, 29);
	assert_locate(&shell->output, "(local)", DATA "local.yaml", 22, 11);

	/* Switched on again, priority and vigil's action replaced, the rest kept. */
	read = rule_set_rule(set, 1);
	assert_true(read->enabled);
	assert_int_equal(read->priority, RULE_PRIORITY_CRITICAL);
	assert_string_equal(rule_def_extra(read, "action")->text, "alert");
	assert_string_equal(rule_def_extra(read, "capture")->text, "true");
	assert_int_equal(read->n_extras, 3);
	assert_string_equal(read->condition.text, "open_read and fd.name in (sensitive_files)");

	assert_false(rule_set_rule(set, 2)->enabled);
}

static void test_override_replace(void **state)
{
	const struct rule_def *rule;

	(void)state;
	load_text("- rule: r\n"
		  "  desc: d\n"
		  "  condition: a\n"
		  "  output: o\n"
		  "  priority: debug\n"
		  "  tags: [x, y]\n"
		  "  exceptions:\n"
		  "    - name: e\n"
		  "      fields: proc.name\n"
		  "      values: [v]\n"
		  "- rule: r\n"
		  "  desc: d2\n"
		  "  condition: b\n"
		  "  output: o2\n"
		  "  tags: [z]\n"
		  "  enabled: false\n"
		  "  warn_evttypes: false\n"
		  "  skip-if-unknown-filter: true\n"
		  "  exceptions:\n"
		  "    - name: f\n"
		  "      fields: [fd.name]\n"
		  "      comps: [startswith]\n"
		  "      values: [[/tmp]]\n"
		  "  override:\n"
		  "    desc: replace\n"
		  "    condition: replace\n"
		  "    output: replace\n"
		  "    tags: replace\n"
		  "    enabled: replace\n"
		  "    warn_evttypes: replace\n"
		  "    skip-if-unknown-filter: replace\n"
		  "    exceptions: replace\n"
		  "- macro: m\n"
		  "  condition: a\n"
		  "- macro: m\n"
		  "  condition: b\n"
		  "  override: {condition: replace}\n"
		  "- list: l\n"
		  "  items: [a]\n"
		  "- list: l\n"
		  "  items: [b, c]\n"
		  "  override: {items: replace}\n",
		  0);
	ASSERT_NO_ERRORS();
	ASSERT_NO_WARNINGS();
	rule = rule_named("r");
	assert_string_equal(rule->desc.text, "d2");
	assert_string_equal(rule->condition.text, "(b) and not ((fd.name startswith /tmp))");
	assert_string_equal(rule->output.text, "o2");
	assert_int_equal(rule->n_tags, 1);
	assert_string_equal(rule->tags[0], "z");
	assert_false(rule->enabled);
	assert_false(rule->warn_evttypes);
	assert_true(rule->skip_if_unknown_filter);
	assert_int_equal(rule->n_exceptions, 1);
	assert_int_equal(rule->priority, RULE_PRIORITY_DEBUG);
	assert_pos(&rule->pos, "t.yaml", 1, 3);
	assert_string_equal(rule_set_macro(set, 0)->condition.text, "b");
	assert_pos(&rule_set_macro(set, 0)->condition.pos, "t.yaml", 36, 14);
	assert_int_equal(rule_set_list(set, 0)->n_items, 2);
	assert_string_equal(rule_set_list(set, 0)->items[0], "b");
}

static void test_legacy_append(void **state)
{
	const struct rule_def *rule;

	(void)state;
	load_text("- rule: r\n"
		  "  desc: d\n"
		  "  condition: a\n"
		  "  output: o\n"
		  "  priority: debug\n"
		  "  exceptions:\n"
		  "    - name: e\n"
		  "      fields: [proc.name]\n"
		  "- rule: r\n"
		  "  append: true\n"
		  "  condition: and b\n"
		  "  output: ignored\n"
		  "  exceptions:\n"
		  "    - name: e\n"
		  "      values: [[sshd]]\n"
		  "- macro: m\n"
		  "  condition: x\n"
		  "- macro: m\n"
		  "  condition: or y\n"
		  "  append: true\n",
		  0);
	ASSERT_NO_ERRORS();
	ASSERT_WARNINGS("t.yaml:9:3: rule 'r': 'append: true' is deprecated, use 'override'",
			"t.yaml:12:3: rule 'r': 'output' is ignored with 'append: true'",
			"t.yaml:18:3: macro 'm': 'append: true' is deprecated, use 'override'");
	rule = rule_named("r");
	assert_string_equal(rule->condition.text, "(a and b) and not ((proc.name = sshd))");
	assert_string_equal(rule->output.text, "o");
	assert_string_equal(rule_set_macro(set, 0)->condition.text, "x or y");
}

static void test_redefinition_replaces_in_place(void **state)
{
	static const char first[] = "- rule: a\n"
				    "  desc: d\n"
				    "  condition: first\n"
				    "  output: o\n"
				    "  priority: debug\n"
				    "  tags: [t]\n"
				    "  action: kill\n"
				    "- rule: b\n"
				    "  desc: d\n"
				    "  condition: c\n"
				    "  output: o\n"
				    "  priority: debug\n";
	static const char second[] = "- rule: a\n"
				     "  desc: d\n"
				     "  condition: second\n"
				     "  output: o\n"
				     "  priority: alert\n";
	char both[sizeof(first) + sizeof(second)];

	(void)state;
	/* A later file redefines a rule: it replaces the first definition where it stood. */
	load_text(first, 0);
	assert_int_equal(rule_set_load_buffer(set, "u.yaml", second, strlen(second)), 0);
	ASSERT_NO_ERRORS();
	ASSERT_NO_WARNINGS();
	assert_int_equal(rule_set_rule_count(set), 2);
	assert_string_equal(rule_set_rule(set, 0)->name, "a");
	assert_string_equal(rule_set_rule(set, 0)->condition.text, "second");
	assert_int_equal(rule_set_rule(set, 0)->priority, RULE_PRIORITY_ALERT);
	assert_int_equal(rule_set_rule(set, 0)->n_tags, 0);
	assert_int_equal(rule_set_rule(set, 0)->n_extras, 0);
	assert_pos(&rule_set_rule(set, 0)->pos, "u.yaml", 1, 3);
	assert_string_equal(rule_set_rule(set, 1)->name, "b");

	/* Twice in one file: a mistake, not a refinement. */
	snprintf(both, sizeof(both), "%s%s", first, second);
	assert_one_error(both, "t.yaml:13:3: rule 'a': defined twice in this file (first at line 1): to change a "
			       "rule, use override, or redefine it in a later file");
}

static void test_enabled_toggles(void **state)
{
	static const char base[] = "- rule: r\n"
				   "  desc: d\n"
				   "  condition: c\n"
				   "  output: o\n"
				   "  priority: debug\n";
	static const char off[] = "- rule: r\n  enabled: false\n";
	static const char on[] = "- rule: r\n  enabled: true\n  tags: [ignored]\n";
	static const char replace_off[] = "- rule: r\n  enabled: no\n  override:\n    enabled: replace\n";

	(void)state;
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_buffer(set, "a.yaml", base, strlen(base)), 0);
	assert_true(rule_named("r")->enabled);
	assert_int_equal(rule_set_load_buffer(set, "b.yaml", off, strlen(off)), 0);
	assert_false(rule_named("r")->enabled);
	assert_int_equal(rule_set_load_buffer(set, "c.yaml", on, strlen(on)), 0);
	assert_true(rule_named("r")->enabled);
	assert_int_equal(rule_named("r")->n_tags, 0);
	assert_int_equal(rule_set_load_buffer(set, "d.yaml", replace_off, strlen(replace_off)), 0);
	assert_false(rule_named("r")->enabled);
	ASSERT_NO_ERRORS();
	ASSERT_WARNINGS(
		"b.yaml:1:3: rule 'r': an item with only 'enabled' is deprecated, use 'override: {enabled: replace}'",
		"c.yaml:1:3: rule 'r': an item with only 'enabled' is deprecated, use 'override: {enabled: replace}'",
		"c.yaml:3:3: rule 'r': 'tags' is ignored in an item that only enables or disables a rule");
}

/* ---- exceptions ---- */

static void test_exceptions_become_condition_text(void **state)
{
	const struct rule_def *rule;

	(void)state;
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_file(set, DATA "exceptions.yaml"), 0);
	ASSERT_NO_ERRORS();
	ASSERT_NO_WARNINGS();

	rule = rule_named("Pairs");
	assert_string_equal(rule->condition.text,
			    "(evt.type = open) and not ((proc.name = nginx and fd.name = /var/log/nginx.log) or "
			    "(proc.name = \"my app\" and fd.name = \"/tmp/with \\\"quotes\\\"\"))");

	rule = rule_named("Lists");
	assert_string_equal(rule->condition.text,
			    "(evt.type = open) and not ((proc.name = apt and fd.directory in (/var/lib/apt, "
			    "/var/cache/apt)) or (proc.name = dpkg and fd.directory in (known_dirs)) or "
			    "(proc.name = rpm and fd.directory in (/var/lib/rpm, '/usr/lib/sys image', \"a b\"))) "
			    "and not ((proc.pname startswith run and fd.name pmatch (/etc/app)))");

	rule = rule_named("One field");
	assert_string_equal(rule->condition.text,
			    "(evt.type = open or evt.type = openat) and not (proc.name in (sshd, \"my daemon\", "
			    "\"it's\", \"tab\\there\", \"\", \"/usr/bin/pre quoted\")) "
			    "and not (fd.name pmatch (/etc, /root))");
	assert_int_equal(rule->n_exceptions, 3);
	/* The loader's text points at what it was made from. */
	assert_locate(&rule->condition, "proc.name in", DATA "exceptions.yaml", 40, 15);
	assert_locate(&rule->condition, "\"my daemon\"", DATA "exceptions.yaml", 41, 22);
	assert_locate(&rule->condition, "pmatch", DATA "exceptions.yaml", 44, 14);
	assert_locate(&rule->condition, " and not (fd", DATA "exceptions.yaml", 42, 7);

	rule = rule_named("No values");
	assert_string_equal(rule->condition.text, "evt.type = open");
	assert_int_equal(rule->n_exceptions, 1);
}

static void test_exceptions_appended_by_a_later_file(void **state)
{
	static const char first[] = "- rule: r\n"
				    "  desc: d\n"
				    "  condition: evt.type = open\n"
				    "  output: o\n"
				    "  priority: debug\n"
				    "  exceptions:\n"
				    "    - name: known\n"
				    "      fields: [proc.name, fd.name]\n"
				    "      comps: [=, startswith]\n";
	static const char second[] = "- rule: r\n"
				     "  exceptions:\n"
				     "    - name: known\n"
				     "      values:\n"
				     "        - [cron, /var/spool]\n"
				     "  override:\n"
				     "    exceptions: append\n";
	static const char third[] = "- rule: r\n"
				    "  exceptions:\n"
				    "    - name: known\n"
				    "      values: [[logrotate, /var/log]]\n"
				    "  override:\n"
				    "    exceptions: append\n";

	(void)state;
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_buffer(set, "1.yaml", first, strlen(first)), 0);
	assert_string_equal(rule_named("r")->condition.text, "evt.type = open");
	assert_int_equal(rule_set_load_buffer(set, "2.yaml", second, strlen(second)), 0);
	assert_string_equal(rule_named("r")->condition.text,
			    "(evt.type = open) and not ((proc.name = cron and fd.name startswith /var/spool))");
	assert_int_equal(rule_set_load_buffer(set, "3.yaml", third, strlen(third)), 0);
	assert_string_equal(rule_named("r")->condition.text,
			    "(evt.type = open) and not ((proc.name = cron and fd.name startswith /var/spool) or "
			    "(proc.name = logrotate and fd.name startswith /var/log))");
	assert_locate(&rule_named("r")->condition, "logrotate", "3.yaml", 4, 17);
	assert_locate(&rule_named("r")->condition, "startswith /var/log", "1.yaml", 9, 18);
	ASSERT_NO_ERRORS();
	ASSERT_NO_WARNINGS();
}

/* ---- positions ---- */

static void test_positions_of_every_scalar_style(void **state)
{
	static const char *const names[] = { "plain", "single", "double", "literal", "folded", "comment" };
	static const struct {
		unsigned int line, column;
	} starts[] = { { 3, 14 }, { 9, 16 }, { 15, 16 }, { 22, 5 }, { 29, 5 }, { 35, 5 } };

	(void)state;
	load_text("- macro: plain\n"
		  "  condition:\n"
		  "             evt.type = open and\n"
		  "    proc.name = x\n"
		  "- macro: single\n"
		  "  condition: 'a'\n"
		  "- macro: single\n"
		  "  condition:\n"
		  "              'it''s and\n"
		  "    b = ''q'''\n"
		  "- macro: double\n"
		  "  condition: \"a\"\n"
		  "- macro: double\n"
		  "  condition:\n"
		  "              \"x = \\\"y\\\" and\n"
		  "    z = \\t1\"\n"
		  "- macro: literal\n"
		  "  condition: a\n"
		  "- macro: literal\n"
		  "  condition: |\n"
		  "\n"
		  "    x = 1 and\n"
		  "      (y = 2)\n"
		  "- macro: folded\n"
		  "  condition: a\n"
		  "- macro: folded\n"
		  "  condition: >-\n"
		  "\n"
		  "    x = 1 and\n"
		  "    y = 2\n"
		  "- macro: comment\n"
		  "  condition: a\n"
		  "- macro: comment\n"
		  "  condition: > # a comment: and x = 1\n"
		  "    x = 1\n",
		  0);
	ASSERT_NO_ERRORS();
	assert_int_equal(rule_set_macro_count(set), 6);
	for (size_t i = 0; i < 6; i++) {
		const struct macro_def *m = rule_set_macro(set, i);

		assert_string_equal(m->name, names[i]);
		assert_pos(&m->condition.pos, "t.yaml", starts[i].line, starts[i].column);
	}
	assert_string_equal(rule_set_macro(set, 0)->condition.text, "evt.type = open and proc.name = x");
	assert_locate(&rule_set_macro(set, 0)->condition, "proc.name", "t.yaml", 4, 5);
	assert_locate(&rule_set_macro(set, 0)->condition, "= x", "t.yaml", 4, 15);
	assert_string_equal(rule_set_macro(set, 1)->condition.text, "it's and b = 'q'");
	assert_locate(&rule_set_macro(set, 1)->condition, "s and", "t.yaml", 9, 20);
	assert_locate(&rule_set_macro(set, 1)->condition, "'q'", "t.yaml", 10, 9);
	assert_string_equal(rule_set_macro(set, 2)->condition.text, "x = \"y\" and z = \t1");
	assert_locate(&rule_set_macro(set, 2)->condition, "y", "t.yaml", 15, 22);
	assert_locate(&rule_set_macro(set, 2)->condition, "1", "t.yaml", 16, 11);
	assert_string_equal(rule_set_macro(set, 3)->condition.text, "x = 1 and\n  (y = 2)");
	assert_locate(&rule_set_macro(set, 3)->condition, "(y", "t.yaml", 23, 7);
	assert_string_equal(rule_set_macro(set, 4)->condition.text, "x = 1 and y = 2");
	assert_locate(&rule_set_macro(set, 4)->condition, "y", "t.yaml", 30, 5);
	assert_string_equal(rule_set_macro(set, 5)->condition.text, "x = 1");

	/* Past the end: the end. */
	{
		const struct rule_text *t = &rule_set_macro(set, 4)->condition;
		struct rule_pos pos;

		rule_text_locate(t, t->len + 100, &pos);
		assert_pos(&pos, "t.yaml", 30, 10);
	}
}

static void test_positions_count_characters(void **state)
{
	(void)state;
	load_text("\xef\xbb\xbf- macro: m\n"
		  "  condition: proc.name = \"é\" and fd.name = x\n",
		  0);
	ASSERT_NO_ERRORS();
	assert_pos(&rule_set_macro(set, 0)->pos, "t.yaml", 1, 3);
	assert_locate(&rule_set_macro(set, 0)->condition, "fd.name", "t.yaml", 2, 34);
}

/* ---- errors ---- */

static void test_error_invalid_yaml(void **state)
{
	(void)state;
	assert_one_error("- rule: r\n  desc: [a, b\n  output: o\n",
			 "t.yaml:3:9: invalid YAML: did not find expected ',' or ']', while parsing a flow sequence "
			 "at line 2, column 9");
	assert_one_error("- rule: r\n desc: d\n",
			 "t.yaml:2:2: invalid YAML: did not find expected '-' indicator, while parsing a block "
			 "collection at line 1, column 1");
	assert_one_error("- list: l\n  items: [\"\xff\"]\n", "t.yaml:2:12: invalid YAML: invalid leading UTF-8 octet (#FF)");
	assert_one_error("{rule: r}\n", "t.yaml:1:1: a rules file must be a list of items, not a mapping");
	assert_one_error("- rule\n", "t.yaml:1:3: an item must be a mapping, not a string");
	assert_one_error("- ? [a]\n  : b\n", "t.yaml:1:5: a mapping key must be a string, not a list");
	/* Nothing from a file with invalid YAML is kept. */
	load_text("- list: l\n  items: [a]\n- list: [\n", -EINVAL);
	assert_int_equal(rule_set_list_count(set), 0);
}

static void test_error_missing_keys(void **state)
{
	(void)state;
	load_text("- rule: r\n  tags: [a]\n", -EINVAL);
	ASSERT_ERRORS("t.yaml:1:3: rule 'r': 'condition' is missing", "t.yaml:1:3: rule 'r': 'output' is missing",
		      "t.yaml:1:3: rule 'r': 'desc' is missing", "t.yaml:1:3: rule 'r': 'priority' is missing");
	assert_int_equal(rule_set_rule_count(set), 0);
	assert_one_error("- rule: r\n  desc: d\n  condition: c\n  output: o\n",
			 "t.yaml:1:3: rule 'r': 'priority' is missing");
	assert_one_error("- macro: m\n", "t.yaml:1:3: macro 'm': 'condition' is missing");
	assert_one_error("- list: l\n", "t.yaml:1:3: list 'l': 'items' is missing");
	assert_one_error("- rule: r\n  desc: d\n  condition: \"  \"\n  output: o\n  priority: debug\n",
			 "t.yaml:3:14: rule 'r': 'condition' is empty");
	assert_one_error("- rule: r\n  desc:\n  condition: c\n  output: o\n  priority: debug\n",
			 "t.yaml:2:8: rule 'r': 'desc' is empty");
	assert_one_error("- rule: [r]\n", "t.yaml:1:9: the name of a rule must be a string, not a list");
	assert_one_error("- macro:\n  condition: c\n", "t.yaml:1:9: the name of a macro must be a string, not an empty value");
}

static void test_error_wrong_types(void **state)
{
	static const char head[] = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n";
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "%s  tags: foo\n", head);
	assert_one_error(text, "t.yaml:6:9: rule 'r': 'tags' must be a list of strings, not a string");
	snprintf(text, sizeof(text), "%s  tags: [a, [b]]\n", head);
	assert_one_error(text, "t.yaml:6:13: rule 'r': an entry of 'tags' must be a string, not a list");
	snprintf(text, sizeof(text), "%s  enabled: maybe\n", head);
	assert_one_error(text, "t.yaml:6:12: rule 'r': 'enabled' must be true or false, not 'maybe'");
	snprintf(text, sizeof(text), "%s  enabled: [true]\n", head);
	assert_one_error(text, "t.yaml:6:12: rule 'r': 'enabled' must be true or false, not a list");
	snprintf(text, sizeof(text), "%s  output: {a: b}\n", head);
	/* (output is twice: the duplicate is reported, and the first one is the one read) */
	assert_one_error(text, "t.yaml:6:3: rule 'r': duplicate key 'output' (first at line 4, column 3)");
	assert_one_error("- rule: r\n  desc: d\n  condition: [c]\n  output: o\n  priority: debug\n",
			 "t.yaml:3:14: rule 'r': 'condition' must be a string, not a list");
	assert_one_error("- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: severe\n",
			 "t.yaml:5:13: rule 'r': unknown priority 'severe' (emergency, alert, critical, error, "
			 "warning, notice, informational, info or debug)");
	assert_one_error("- list: l\n  items: a\n", "t.yaml:2:10: list 'l': 'items' must be a list of strings, not a string");
	assert_one_error("- list: l\n  items: [a, {b: c}]\n",
			 "t.yaml:2:14: list 'l': an entry of 'items' must be a string, not a mapping");
	assert_one_error("- list: \"a b\"\n  items: [a]\n",
			 "t.yaml:1:9: list 'a b': a list's name cannot hold blanks, quotes, '(', ')', ',' or '='");
	assert_one_error("- macro: 1m\n  condition: c\n",
			 "t.yaml:1:10: macro '1m': a macro's name must be a letter then letters, digits or '_'");
	assert_one_error("- rule: r\n  macro: m\n  condition: c\n",
			 "t.yaml:2:3: an item is one of rule, macro, list, required_engine_version and "
			 "required_plugin_versions, not both 'rule' and 'macro'");
}

static void test_error_duplicate_keys(void **state)
{
	(void)state;
	load_text("- rule: r\n"
		  "  desc: d\n"
		  "  condition: c\n"
		  "  desc: again\n"
		  "  output: o\n"
		  "  priority: debug\n"
		  "  exceptions:\n"
		  "    - name: e\n"
		  "      fields: proc.name\n"
		  "      fields: proc.pname\n",
		  -EINVAL);
	ASSERT_ERRORS("t.yaml:4:3: rule 'r': duplicate key 'desc' (first at line 2, column 3)",
		      "t.yaml:10:7: rule 'r': duplicate key 'fields' (first at line 9, column 7)");
	assert_int_equal(rule_set_rule_count(set), 0);
	/* Every error of an item is reported, not only its first. */
	load_text("- rule: r\n"
		  "  condition: x\n"
		  "  override: {condition: append, condition: replace}\n",
		  -EINVAL);
	ASSERT_ERRORS("t.yaml:3:33: rule 'r': duplicate key 'condition' (first at line 3, column 14)",
		      "t.yaml:1:3: rule 'r': no such rule to override");
}

static void test_error_nothing_to_change(void **state)
{
	(void)state;
	load_text("- rule: r\n"
		  "  condition: and x\n"
		  "  override: {condition: append}\n"
		  "- rule: r\n"
		  "  priority: debug\n"
		  "  override: {priority: replace}\n"
		  "- rule: r\n"
		  "  condition: and x\n"
		  "  append: true\n"
		  "- rule: r\n"
		  "  enabled: false\n"
		  "- macro: m\n"
		  "  condition: and x\n"
		  "  override: {condition: append}\n"
		  "- macro: m\n"
		  "  condition: x\n"
		  "  override: {condition: replace}\n"
		  "- macro: m\n"
		  "  condition: and x\n"
		  "  append: true\n"
		  "- list: l\n"
		  "  items: [a]\n"
		  "  override: {items: append}\n"
		  "- list: l\n"
		  "  items: [a]\n"
		  "  append: yes\n",
		  -EINVAL);
	ASSERT_ERRORS("t.yaml:1:3: rule 'r': no such rule to override", "t.yaml:4:3: rule 'r': no such rule to override",
		      "t.yaml:7:3: rule 'r': no such rule to append to",
		      "t.yaml:10:3: rule 'r': no such rule to enable or disable",
		      "t.yaml:12:3: macro 'm': no such macro to append to",
		      "t.yaml:15:3: macro 'm': no such macro to override",
		      "t.yaml:18:3: macro 'm': no such macro to append to",
		      "t.yaml:21:3: list 'l': no such list to append to",
		      "t.yaml:24:3: list 'l': no such list to append to");
	assert_int_equal(rule_set_rule_count(set), 0);
	assert_int_equal(rule_set_macro_count(set), 0);
	assert_int_equal(rule_set_list_count(set), 0);
}

static void test_error_override_keys(void **state)
{
	static const char head[] = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n";
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "%s- rule: r\n  condition: x\n  output: y\n  override: {condition: append}\n", head);
	assert_one_error(text, "t.yaml:8:3: rule 'r': 'output' is not named under 'override'");
	snprintf(text, sizeof(text), "%s- rule: r\n  condition: x\n  override: {condition: append, output: replace}\n",
		 head);
	assert_one_error(text, "t.yaml:8:33: rule 'r': 'override' names 'output', which this item does not have");
	snprintf(text, sizeof(text), "%s- rule: r\n  override: {condition: append}\n", head);
	assert_one_error(text, "t.yaml:7:14: rule 'r': 'override' names 'condition', which this item does not have");
	snprintf(text, sizeof(text), "%s- rule: r\n  priority: info\n  override: {priority: append}\n", head);
	assert_one_error(text, "t.yaml:8:14: rule 'r': 'priority' cannot be appended to, only replaced");
	snprintf(text, sizeof(text), "%s- rule: r\n  source: x\n  override: {source: replace}\n", head);
	assert_one_error(text, "t.yaml:8:14: rule 'r': 'source' cannot be overridden");
	snprintf(text, sizeof(text), "%s- rule: r\n  condition: x\n  override: {condition: merge}\n", head);
	assert_one_error(text, "t.yaml:8:25: rule 'r': override of 'condition' must be append or replace, not 'merge'");
	snprintf(text, sizeof(text), "%s- rule: r\n  condition: x\n  override: [condition]\n", head);
	assert_one_error(text, "t.yaml:8:13: rule 'r': 'override' must be a mapping, not a list");
	snprintf(text, sizeof(text), "%s- rule: r\n  condition: x\n  append: true\n  override: {condition: append}\n",
		 head);
	assert_one_error(text, "t.yaml:6:3: rule 'r': 'append' and 'override' cannot be used together");
	assert_one_error("- macro: m\n  condition: x\n  override: {items: append}\n",
			 "t.yaml:3:14: macro 'm': only 'condition' can be overridden, not 'items'");
	assert_one_error("- list: l\n  items: [x]\n  append: true\n  override: {items: append}\n",
			 "t.yaml:1:3: list 'l': 'append' and 'override' cannot be used together");
	/* source stays what it was: redefining a rule with another source is an error, as in Falco. */
	load_text(head, 0);
	snprintf(text, sizeof(text), "%s  source: k8s_audit\n", head);
	assert_int_equal(rule_set_load_buffer(set, "u.yaml", text, strlen(text)), -EINVAL);
	ASSERT_ERRORS("u.yaml:6:11: rule 'r': defined again with source 'k8s_audit', but its definition "
		      "at t.yaml:1:3 has source 'syscall'");
	snprintf(text, sizeof(text), "%s- rule: r\n  condition: x\n  source: y\n  override: {condition: append}\n", head);
	load_text(text, 0);
	ASSERT_WARNINGS("t.yaml:8:3: rule 'r': 'source' is ignored in an item with 'override'");
}

static void test_error_exceptions(void **state)
{
	static const char head[] = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n  exceptions:\n";
	static const struct {
		const char *exceptions;
		const char *error;
	} cases[] = {
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=]\n",
		  "t.yaml:9:14: rule 'r': exception 'e': 'fields' has 2 entries but 'comps' has 1" },
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      values: [[a]]\n",
		  "t.yaml:9:16: rule 'r': exception 'e': a value has 1 entries but 'fields' has 2" },
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      values: [a]\n",
		  "t.yaml:9:16: rule 'r': exception 'e': each value must be a list of 2, one for each field, not a "
		  "string" },
		{ "    - name: e\n      fields: proc.name\n      comps: =\n",
		  "t.yaml:9:14: rule 'r': exception 'e': with one field, 'comps' must be in, intersects or pmatch, "
		  "not '='" },
		{ "    - name: e\n      fields: proc.name\n      comps: [in]\n",
		  "t.yaml:9:14: rule 'r': exception 'e': 'fields' is one field, so 'comps' must be one operator, not "
		  "a list" },
		{ "    - name: e\n      fields: [proc.name]\n      comps: in\n",
		  "t.yaml:9:14: rule 'r': exception 'e': 'fields' is a list, so 'comps' must be a list too, not a "
		  "string" },
		{ "    - name: e\n      fields: proc.name\n      values: [[a]]\n",
		  "t.yaml:9:16: rule 'r': exception 'e': with one field, each value must be a string, not a list" },
		{ "    - name: e\n      fields: [proc.name]\n      values: [[[a, b]]]\n",
		  "t.yaml:9:17: rule 'r': exception 'e': a list value needs in, intersects or pmatch, not '='" },
		{ "    - name: e\n      fields: [proc.name]\n      comps: [like]\n",
		  "t.yaml:9:15: rule 'r': exception 'e': unknown comparison operator 'like'" },
		{ "    - name: e\n      fields: [proc name]\n",
		  "t.yaml:8:16: rule 'r': exception 'e': 'proc name' is not a field name" },
		{ "    - name: e\n      fields: [proc.name) or (true]\n",
		  "t.yaml:8:16: rule 'r': exception 'e': 'proc.name) or (true' is not a field name" },
		{ "    - name: e\n      fields: [proc.name]\n      values: a\n",
		  "t.yaml:9:15: rule 'r': exception 'e': 'values' must be a list, not a string" },
		{ "    - name: e\n", "t.yaml:7:7: rule 'r': exception 'e' has no 'fields'" },
		{ "    - fields: [proc.name]\n", "t.yaml:7:7: rule 'r': an exception has no 'name'" },
		{ "    - e\n", "t.yaml:7:7: rule 'r': an exception must be a mapping, not a string" },
		{ "    name: e\n", "t.yaml:7:5: rule 'r': 'exceptions' must be a list, not a mapping" },
		{ "    - name: e\n      fields: [proc.name]\n    - name: e\n      fields: [fd.name]\n",
		  "t.yaml:9:13: rule 'r': exception 'e' is defined twice in this item (first at line 7)" },
	};
	char text[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", head, cases[i].exceptions);
		assert_one_error(text, cases[i].error);
		assert_int_equal(rule_set_rule_count(set), 0);
	}
}

static void test_error_exception_appends(void **state)
{
	static const char head[] = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n"
				   "  exceptions:\n    - name: e\n      fields: [proc.name]\n";
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text),
		 "%s- rule: r\n  exceptions:\n    - name: e\n      fields: [fd.name]\n"
		 "      values: [[a]]\n  override: {exceptions: append}\n",
		 head);
	assert_one_error(text, "t.yaml:11:7: rule 'r': exception 'e' exists: only its 'values' can be appended to, "
			       "not its 'fields'");
	snprintf(text, sizeof(text), "%s- rule: r\n  exceptions:\n    - name: f\n      fields: [fd.name]\n"
				     "  override: {exceptions: append}\n",
		 head);
	assert_one_error(text, "t.yaml:11:7: rule 'r': exception 'f' has no 'values'");
	snprintf(text, sizeof(text), "%s- rule: r\n  exceptions:\n    - name: e\n      values: [[a, b]]\n"
				     "  override: {exceptions: append}\n",
		 head);
	assert_one_error(text, "t.yaml:12:16: rule 'r': exception 'e': a value has 2 entries but 'fields' has 1");
	snprintf(text, sizeof(text), "%s- rule: r\n  exceptions:\n    - name: e\n  override: {exceptions: append}\n",
		 head);
	load_text(text, 0);
	ASSERT_WARNINGS("t.yaml:11:7: rule 'r': exception 'e': no 'values' to append");
}

static void test_error_aliases_refused(void **state)
{
	(void)state;
	assert_one_error("- list: a\n  items: &x [lol, lol]\n- list: b\n  items: [*x, *x]\n",
			 "t.yaml:4:11: YAML aliases are not supported (*x)");
}

static void test_errors_are_collected(void **state)
{
	(void)state;
	load_text("- rule: a\n"
		  "  desc: d\n"
		  "  condition: c\n"
		  "  output: o\n"
		  "  priority: nope\n"
		  "  tags: x\n"
		  "- list: good\n"
		  "  items: [x]\n"
		  "- macro: m\n"
		  "  condition: [c]\n"
		  "- list: also_good\n"
		  "  items: [y]\n",
		  -EINVAL);
	ASSERT_ERRORS("t.yaml:5:13: rule 'a': unknown priority 'nope' (emergency, alert, critical, error, warning, "
		      "notice, informational, info or debug)",
		      "t.yaml:6:9: rule 'a': 'tags' must be a list of strings, not a string",
		      "t.yaml:10:14: macro 'm': 'condition' must be a string, not a list");
	/* The items without errors are loaded, the others change nothing. */
	assert_int_equal(rule_set_rule_count(set), 0);
	assert_int_equal(rule_set_macro_count(set), 0);
	assert_int_equal(rule_set_list_count(set), 2);
}

static void test_errors_are_capped(void **state)
{
	size_t size = 150 * 32;
	char *text = malloc(size), *p = text;

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 150; i++)
		p += sprintf(p, "- list: l%d\n  items: x\n", i);
	load_text(text, -EINVAL);
	assert_int_equal(rule_set_error_count(set), RULES_FILE_ERRORS_MAX + 1);
	assert_string_equal(rule_set_error(set, 0)->text, "t.yaml:2:10: list 'l0': 'items' must be a list of strings, not a string");
	assert_string_equal(rule_set_error(set, RULES_FILE_ERRORS_MAX)->text,
			    "t.yaml: too many errors, the rest of this file is not read");
	free(text);
}

static void test_warnings_are_capped(void **state)
{
	size_t size = 150 * 48;
	char *text = malloc(size), *p = text;

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 150; i++)
		p += sprintf(p, "- list: l%d\n  items: [x]\n  typo: 1\n", i);
	load_text(text, 0);
	assert_int_equal(rule_set_list_count(set), 150);
	assert_int_equal(rule_set_warning_count(set), RULES_FILE_WARNINGS_MAX + 1);
	assert_string_equal(rule_set_warning(set, RULES_FILE_WARNINGS_MAX)->text, "t.yaml: 50 more warnings not shown");
	free(text);
}

static void test_unreadable_file(void **state)
{
	(void)state;
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_file(set, DATA "no-such-file.yaml"), -ENOENT);
	ASSERT_ERRORS(DATA "no-such-file.yaml: cannot open: No such file or directory");
	assert_int_equal(rule_set_load_file(set, DATA), -EISDIR);
	assert_int_equal(rule_set_error_count(set), 2);
	assert_string_equal(rule_set_error(set, 1)->text, DATA ": cannot read: Is a directory");
}

/* ---- bounds ---- */

static void test_bound_file_size(void **state)
{
	size_t size = (size_t)RULES_FILE_MAX + 1;
	char *text = malloc(size);

	(void)state;
	assert_non_null(text);
	memset(text, '\n', size);
	rule_set_free(set);
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_buffer(set, "big.yaml", text, size), -EINVAL);
	ASSERT_ERRORS("big.yaml: larger than 16777216 bytes");
	assert_int_equal(rule_set_load_buffer(set, "ok.yaml", text, size - 1), 0);
	free(text);
}

static void test_bound_depth(void **state)
{
	char text[512];
	size_t n = 0;

	(void)state;
	n += (size_t)sprintf(text, "- list: l\n  items: ");
	for (int i = 0; i < RULES_DEPTH_MAX; i++)
		text[n++] = '[';
	text[n] = '\0';
	strcat(text, "x");
	for (int i = 0; i < RULES_DEPTH_MAX; i++)
		strcat(text, "]");
	strcat(text, "\n");
	/* The top-level list and the item's mapping are two levels: 62 lists more fit, the 63rd is refused. */
	assert_one_error(text, "t.yaml:2:72: lists and mappings nested deeper than 64");
}

static void test_bound_string_length(void **state)
{
	size_t size = RULES_STRING_MAX + 64;
	char *text = malloc(size);
	int n;

	(void)state;
	assert_non_null(text);
	n = sprintf(text, "- macro: m\n  condition: ");
	memset(text + n, 'a', RULES_STRING_MAX + 1);
	strcpy(text + n + RULES_STRING_MAX + 1, "\n");
	assert_one_error(text, "t.yaml:2:14: a string longer than 1048576 bytes");
	/* At the bound, fine. */
	strcpy(text + n + RULES_STRING_MAX, "\n");
	load_text(text, 0);
	assert_int_equal(rule_set_macro(set, 0)->condition.len, RULES_STRING_MAX);
	free(text);
}

static void test_bound_merged_text(void **state)
{
	size_t size = RULES_STRING_MAX + 128;
	char *text = malloc(size);
	int n;

	(void)state;
	assert_non_null(text);
	n = sprintf(text, "- macro: m\n  condition: ");
	memset(text + n, 'a', RULES_STRING_MAX - 10);
	strcpy(text + n + RULES_STRING_MAX - 10, "\n- macro: m\n  condition: and b and c\n  append: true\n");
	assert_one_error(text, "t.yaml:4:14: macro 'm': 'condition' would be longer than 1048576 bytes");
	assert_int_equal(rule_set_macro(set, 0)->condition.len, RULES_STRING_MAX - 10);
	free(text);
}

static void test_bound_node_count(void **state)
{
	size_t count = RULES_NODES_MAX, size = 2 * count + 64;
	char *text = malloc(size);
	int n;

	(void)state;
	assert_non_null(text);
	n = sprintf(text, "- list: l\n  items: [");
	for (size_t i = 0; i < count; i++) {
		text[n++] = 'a';
		text[n++] = ',';
	}
	strcpy(text + n - 1, "]\n");
	/* The sequence, the item mapping, two keys and the name come on top. */
	load_text(text, -EINVAL);
	assert_int_equal(rule_set_error_count(set), 1);
	assert_string_equal(rule_set_error(set, 0)->message, "more than 1048576 YAML values in one file");
	free(text);
}

static void test_bound_item_count(void **state)
{
	size_t size = (RULES_ITEMS_MAX + 1) * 32;
	char *text = malloc(size), *p = text;

	(void)state;
	assert_non_null(text);
	for (unsigned int i = 0; i <= RULES_ITEMS_MAX; i++)
		p += sprintf(p, "- list: l%u\n  items: []\n", i);
	load_text(text, -EINVAL);
	ASSERT_ERRORS("t.yaml:200001:3: more than 100000 items in the rule set");
	assert_int_equal(rule_set_list_count(set), RULES_ITEMS_MAX);
	/* The bound is the set's: one more file adds nothing either. */
	assert_int_equal(rule_set_load_buffer(set, "u.yaml", "- list: x\n  items: []\n", 23), -EINVAL);
	assert_int_equal(rule_set_list_count(set), RULES_ITEMS_MAX);
	free(text);
}

/* ---- Falco's own rules ---- */

static bool falco_rules_present(void)
{
	if (access(FALCO_RULES "falco_rules.yaml", R_OK) == 0)
		return true;
	if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
		fail_msg("%s is missing (run from the repository's root, next to ../shared)", FALCO_RULES);
	return false;
}

static void test_falco_rule_files(void **state)
{
	static const struct {
		const char *file;
		size_t rules, macros, lists;
	} files[] = {
		{ FALCO_RULES "falco_rules.yaml", 25, 87, 49 },
		{ FALCO_RULES "falco-incubating_rules.yaml", 31, 82, 54 },
		{ FALCO_RULES "falco-sandbox_rules.yaml", 37, 183, 60 },
	};
	const char *all[3];

	(void)state;
	if (!falco_rules_present())
		skip();
	for (size_t i = 0; i < 3; i++) {
		rule_set_free(set);
		set = rule_set_new();
		assert_non_null(set);
		assert_int_equal(rule_set_load_file(set, files[i].file), 0);
		ASSERT_NO_ERRORS();
		ASSERT_NO_WARNINGS();
		assert_int_equal(rule_set_rule_count(set), files[i].rules);
		assert_int_equal(rule_set_macro_count(set), files[i].macros);
		assert_int_equal(rule_set_list_count(set), files[i].lists);
		all[i] = files[i].file;
	}

	/* All three in order, as Falco loads them: the later ones redefine 29 macros and 33 lists. */
	rule_set_free(set);
	set = rule_set_new();
	assert_non_null(set);
	assert_int_equal(rule_set_load_files(set, all, 3), 0);
	ASSERT_NO_ERRORS();
	ASSERT_NO_WARNINGS();
	assert_int_equal(rule_set_rule_count(set), 93);
	assert_int_equal(rule_set_macro_count(set), 315);
	assert_int_equal(rule_set_list_count(set), 118);
	/* A disabled rule and a condition written over several lines. */
	assert_false(rule_named("Unexpected inbound connection source")->enabled);
	assert_pos(&rule_named("Terminal shell in container")->condition.pos, FALCO_RULES "falco_rules.yaml", 721, 5);
}

/* Every non-blank character of every text of Falco's files is located at that very character. */
static void test_falco_rule_positions(void **state)
{
	static const char *const files[] = { FALCO_RULES "falco_rules.yaml", FALCO_RULES "falco-incubating_rules.yaml",
					     FALCO_RULES "falco-sandbox_rules.yaml" };
	size_t checked = 0;

	(void)state;
	if (!falco_rules_present())
		skip();
	for (size_t f = 0; f < 3; f++) {
		char *lines[4096] = { 0 }, *line = NULL;
		size_t cap = 0, n_lines = 0;
		FILE *fp = fopen(files[f], "r");

		assert_non_null(fp);
		while (n_lines < 4095 && getline(&line, &cap, fp) > 0)
			lines[++n_lines] = strdup(line);
		free(line);
		fclose(fp);

		rule_set_free(set);
		set = rule_set_new();
		assert_non_null(set);
		assert_int_equal(rule_set_load_file(set, files[f]), 0);
		for (size_t i = 0; i < rule_set_rule_count(set) + rule_set_macro_count(set); i++) {
			const struct rule_def *rule = i < rule_set_rule_count(set) ? rule_set_rule(set, i) : NULL;
			const struct rule_text *texts[3];
			size_t n_texts = 0;

			if (rule) {
				texts[n_texts++] = &rule->condition;
				texts[n_texts++] = &rule->output;
				texts[n_texts++] = &rule->desc;
			} else {
				texts[n_texts++] = &rule_set_macro(set, i - rule_set_rule_count(set))->condition;
			}
			for (size_t t = 0; t < n_texts; t++) {
				for (size_t k = 0; k < texts[t]->len; k++) {
					char c = texts[t]->text[k];
					struct rule_pos pos;
					const char *at;

					if (c == ' ' || c == '\n' || (c & 0xc0) == 0x80)
						continue;
					rule_text_locate(texts[t], k, &pos);
					assert_in_range(pos.line, 1, n_lines);
					at = lines[pos.line];
					/* columns count characters */
					for (unsigned int col = 1; col < pos.column && *at; col++)
						for (at++; (*at & 0xc0) == 0x80; at++)
							;
					if (*at != c)
						fail_msg("%s offset %zu '%c' located at %u:%u '%c'", files[f], k, c, pos.line,
							 pos.column, *at);
					checked++;
				}
			}
		}
		for (size_t i = 1; i <= n_lines; i++)
			free(lines[i]);
	}
	assert_true(checked > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_priorities_are_syslog_levels, teardown),
		cmocka_unit_test_teardown(test_base_file, teardown),
		cmocka_unit_test_teardown(test_required_versions_and_unknown_items, teardown),
		cmocka_unit_test_teardown(test_unknown_keys_warn, teardown),
		cmocka_unit_test_teardown(test_override_and_append_across_files, teardown),
		cmocka_unit_test_teardown(test_override_replace, teardown),
		cmocka_unit_test_teardown(test_legacy_append, teardown),
		cmocka_unit_test_teardown(test_redefinition_replaces_in_place, teardown),
		cmocka_unit_test_teardown(test_enabled_toggles, teardown),
		cmocka_unit_test_teardown(test_exceptions_become_condition_text, teardown),
		cmocka_unit_test_teardown(test_exceptions_appended_by_a_later_file, teardown),
		cmocka_unit_test_teardown(test_positions_of_every_scalar_style, teardown),
		cmocka_unit_test_teardown(test_positions_count_characters, teardown),
		cmocka_unit_test_teardown(test_error_invalid_yaml, teardown),
		cmocka_unit_test_teardown(test_error_missing_keys, teardown),
		cmocka_unit_test_teardown(test_error_wrong_types, teardown),
		cmocka_unit_test_teardown(test_error_duplicate_keys, teardown),
		cmocka_unit_test_teardown(test_error_nothing_to_change, teardown),
		cmocka_unit_test_teardown(test_error_override_keys, teardown),
		cmocka_unit_test_teardown(test_error_exceptions, teardown),
		cmocka_unit_test_teardown(test_error_exception_appends, teardown),
		cmocka_unit_test_teardown(test_error_aliases_refused, teardown),
		cmocka_unit_test_teardown(test_errors_are_collected, teardown),
		cmocka_unit_test_teardown(test_errors_are_capped, teardown),
		cmocka_unit_test_teardown(test_warnings_are_capped, teardown),
		cmocka_unit_test_teardown(test_unreadable_file, teardown),
		cmocka_unit_test_teardown(test_bound_file_size, teardown),
		cmocka_unit_test_teardown(test_bound_depth, teardown),
		cmocka_unit_test_teardown(test_bound_string_length, teardown),
		cmocka_unit_test_teardown(test_bound_merged_text, teardown),
		cmocka_unit_test_teardown(test_bound_node_count, teardown),
		cmocka_unit_test_teardown(test_bound_item_count, teardown),
		cmocka_unit_test_teardown(test_falco_rule_files, teardown),
		cmocka_unit_test_teardown(test_falco_rule_positions, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
