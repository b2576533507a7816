// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The config file: each kind of problem with its exact sentence and its
 * line and column; lists, single values and booleans; the command line over
 * the file; the settings printed as vigil run uses them; the example
 * deploy/vigil.yaml loads with no problem and holds the defaults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

struct loaded {
	struct run_settings s;
	struct config_messages m;
	int err;
};

static void load(struct loaded *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	run_settings_init(&l->s);
	l->err = config_load_buffer(&l->s, "t.yaml", text, strlen(text), &l->m);
}

static void unload(struct loaded *l)
{
	config_messages_free(&l->m);
	run_settings_free(&l->s);
}

/* text loads with exactly one message: this one, at this line and column. */
static void assert_one_error(const char *text, const char *expected)
{
	struct loaded l;

	load(&l, text);
	assert_int_equal(l.err, -EINVAL);
	if (l.m.n != 1)
		for (size_t i = 0; i < l.m.n; i++)
			print_message("message %zu: %s\n", i, l.m.items[i].text);
	assert_int_equal(l.m.n, 1);
	assert_string_equal(l.m.items[0].text, expected);
	unload(&l);
}

static void unknown_key_suggests_the_closest_option(void **state)
{
	(void)state;
	assert_one_error("host: true\noutputs: [stdout]\n",
			 "t.yaml:2:1: unknown key 'outputs': vigil run has no such option; did you mean 'output'?");
	assert_one_error("rule: x.yaml\n", "t.yaml:1:1: unknown key 'rule': vigil run has no such option; did you mean 'rules'?");
	assert_one_error("  ringbuf: 8\n", "t.yaml:1:3: unknown key 'ringbuf': vigil run has no such option; "
					"did you mean 'ringbuf-size'?");
	assert_one_error("zzzzzz: 1\n",
			 "t.yaml:1:1: unknown key 'zzzzzz': vigil run has no such option (`vigil run --help` lists them)");
	assert_one_error("config: /x.yaml\n",
			 "t.yaml:1:1: 'config' is for the command line: a config file cannot name one");
	assert_one_error("[a]: 1\n", "t.yaml:1:1: a key must be an option's name, not a list");
}

static void wrong_types(void **state)
{
	(void)state;
	assert_one_error("ringbuf-size:\n  a: 1\n", "t.yaml:2:3: 'ringbuf-size' takes one value (MIB), not a mapping");
	assert_one_error("enforce: [on]\n", "t.yaml:1:10: 'enforce' takes one value (on|off), not a list");
	assert_one_error("host: [true]\n", "t.yaml:1:7: 'host' is true or false, not a list");
	assert_one_error("host: maybe\n", "t.yaml:1:7: 'host' is true or false, not 'maybe'");
	assert_one_error("rules: {a: b}\n", "t.yaml:1:8: 'rules' takes a FILE or a list of them, not a mapping");
	assert_one_error("rules:\n  - a.yaml\n  - [b.yaml]\n",
			 "t.yaml:3:5: 'rules' takes a list of FILE, and this item is a list");
	assert_one_error("- rules\n", "t.yaml:1:1: a config file is a mapping of vigil run's options (key: value), not a list");
	assert_one_error("hello\n", "t.yaml:1:1: a config file is a mapping of vigil run's options (key: value), not a string");
}

static void bad_values_say_what_the_flag_says(void **state)
{
	(void)state;
	assert_one_error("enforce: maybe\n", "t.yaml:1:10: --enforce is on or off, not 'maybe'");
	assert_one_error("lsm: yes\n", "t.yaml:1:6: --lsm is auto or off, not 'yes'");
	assert_one_error("ringbuf-size: 3\n",
			 "t.yaml:1:15: --ringbuf-size must be a power of two from 1 to 1024 (MiB), not '3'");
	assert_one_error("rate-limit: fast\n", "t.yaml:1:13: --rate-limit is BURST,PER_SEC (\"20,1\"), not 'fast'");
	assert_one_error("capture-interval: 1w\n",
			 "t.yaml:1:19: --capture-interval is a duration such as 90s, 30m, 1h or 1d, not '1w'");
	assert_one_error("capture-keep: -1\n", "t.yaml:1:15: --capture-keep is a number of files, not '-1'");
	assert_one_error("log-level: loud\n", "t.yaml:1:12: --log-level is error, warn, info or debug, not 'loud'");
	assert_one_error("output:\n  - stdout\n  - pigeon:x\n",
			 "t.yaml:3:5: unknown output kind \"pigeon\" (stdout, file, syslog, syslog-udp, syslog-tcp)");
	assert_one_error("output: [syslog, syslog:local0]\n",
			 "t.yaml:1:18: only one syslog output: syslog(3) has one ident and facility per process");
}

static void duplicates_contradictions_and_yaml(void **state)
{
	(void)state;
	assert_one_error("host: true\nevents: true\nhost: false\n",
			 "t.yaml:3:1: duplicate key 'host' (first at line 1, column 1)");
	assert_one_error("rules: [a.yaml]\nno-rules: true\n",
			 "t.yaml:2:1: 'no-rules: true' and 'rules' contradict each other: give one");
	assert_one_error("host: true\n---\nevents: true\n",
			 "t.yaml:3:1: a second YAML document: a config file is one mapping");
	assert_one_error("host: [true\n", "t.yaml:2:1: invalid YAML: did not find expected ',' or ']', "
					 "while parsing a flow sequence at line 1, column 7");
	assert_one_error("host: \"a\\0b\"\n", "t.yaml:1:7: a value holds a NUL character");
}

static void every_problem_is_reported(void **state)
{
	struct loaded l;

	(void)state;
	load(&l, "hots: true\nenforce: maybe\nhost: true\nhost: true\nringbuf-size: 16\n");
	assert_int_equal(l.err, -EINVAL);
	assert_int_equal(l.m.n, 3);
	assert_int_equal(l.m.items[0].line, 1);
	assert_int_equal(l.m.items[1].line, 2);
	assert_int_equal(l.m.items[1].column, 10);
	assert_string_equal(l.m.items[1].message, "--enforce is on or off, not 'maybe'");
	assert_int_equal(l.m.items[2].line, 4);
	/* What was good is kept. */
	assert_true(l.s.o.monitor_host);
	assert_int_equal(l.s.o.ringbuf_bytes, 16u << 20);
	unload(&l);
}

static void unreadable_file(void **state)
{
	struct run_settings s;
	struct config_messages m = { 0 };

	(void)state;
	run_settings_init(&s);
	assert_int_equal(config_load_file(&s, "/nonexistent/vigil.yaml", &m), -EINVAL);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.items[0].text, "/nonexistent/vigil.yaml: cannot read it: No such file or directory");
	assert_int_equal(m.items[0].line, 0);
	config_messages_free(&m);
	assert_int_equal(config_load_file(&s, "/", &m), -EINVAL);
	assert_string_equal(m.items[0].text, "/: cannot read it: not a regular file");
	config_messages_free(&m);
	run_settings_free(&s);
}

static void lists_scalars_and_booleans(void **state)
{
	struct loaded l;

	(void)state;
	load(&l, "rules:\n  - a.yaml\n  - b.yaml\noutput: file:/tmp/x.jsonl\nhost: true\nevents: false\n"
		 "no-engine: TRUE\nenforce: off\nlsm: off\nrate-limit: 5,2\ncapture: /tmp/c.vcap\n"
		 "capture-interval: 1h\ncapture-size: 0\nlog-level: warn\nengine-socket: \"/run/p.sock\"\n"
		 "cgroup-mount: ~\nrecord-raw:\n");
	assert_int_equal(l.err, 0);
	assert_int_equal(l.m.n, 0);
	assert_int_equal(l.s.o.n_rules_files, 2);
	assert_string_equal(l.s.o.rules_files[0], "a.yaml");
	assert_string_equal(l.s.o.rules_files[1], "b.yaml");
	assert_int_equal(l.s.o.n_outputs, 1);
	assert_string_equal(l.s.o.outputs[0], "file:/tmp/x.jsonl");
	assert_true(l.s.o.monitor_host);
	assert_false(l.s.o.print_events);
	assert_true(l.s.o.no_engine);
	assert_true(l.s.o.enforce_off);
	assert_true(l.s.o.no_lsm);
	assert_int_equal(l.s.o.rate_burst, 5);
	assert_true(l.s.o.rate_per_sec == 2.0);
	assert_string_equal(l.s.o.capture.path, "/tmp/c.vcap");
	assert_true(l.s.o.capture.max_age_ns == 3600ull * 1000000000ull);
	assert_true(l.s.o.capture.max_bytes == 0);
	assert_int_equal(l.s.log_level, LOG_LEVEL_WARN);
	assert_string_equal(l.s.o.engine.socket_path, "/run/p.sock");
	assert_null(l.s.o.cgroup_mount);
	assert_null(l.s.o.record_raw);
	unload(&l);

	/* An empty file, and one of comments, set nothing. */
	load(&l, "");
	assert_int_equal(l.err, 0);
	assert_int_equal(l.s.o.ringbuf_bytes, 8u << 20);
	unload(&l);
	load(&l, "# nothing\n");
	assert_int_equal(l.err, 0);
	assert_int_equal(l.m.n, 0);
	unload(&l);
}

static void command_line_overrides_the_file(void **state)
{
	struct loaded l;
	char err[256];
	struct run_arg args[] = { { 'o', "stdout:text" }, { RUN_OPT_ENFORCE, "on" }, { 'o', "file:/tmp/y" },
				  { RUN_OPT_LOG_LEVEL, "error" } };

	(void)state;
	load(&l, "rules: [a.yaml, b.yaml]\noutput: [file:/tmp/x]\nenforce: off\nhost: true\nverbose: true\n");
	assert_int_equal(l.err, 0);
	assert_int_equal(l.s.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(run_settings_override(&l.s, args, 4, err, sizeof(err)), 0);
	/* -o replaced the file's list; the file's rules and host stand. */
	assert_int_equal(l.s.o.n_outputs, 2);
	assert_string_equal(l.s.o.outputs[0], "stdout:text");
	assert_string_equal(l.s.o.outputs[1], "file:/tmp/y");
	assert_int_equal(l.s.o.n_rules_files, 2);
	assert_true(l.s.o.monitor_host);
	assert_false(l.s.o.enforce_off);
	assert_int_equal(l.s.log_level, LOG_LEVEL_ERROR);
	unload(&l);

	/* -r replaces the file's rules and its no-rules; --no-rules drops the file's rules. */
	load(&l, "no-rules: true\n");
	assert_int_equal(run_settings_override(&l.s, (struct run_arg[]){ { 'r', "c.yaml" } }, 1, err, sizeof(err)), 0);
	assert_false(l.s.o.no_rules);
	assert_int_equal(l.s.o.n_rules_files, 1);
	unload(&l);
	load(&l, "rules: [a.yaml]\n");
	assert_int_equal(
		run_settings_override(&l.s, (struct run_arg[]){ { RUN_OPT_NO_RULES, NULL } }, 1, err, sizeof(err)), 0);
	assert_true(l.s.o.no_rules);
	assert_int_equal(l.s.o.n_rules_files, 0);
	unload(&l);

	/* Both on the command line contradict each other; a bad flag value says the flag's sentence. */
	load(&l, "");
	assert_int_equal(run_settings_override(&l.s, (struct run_arg[]){ { 'r', "c.yaml" }, { RUN_OPT_NO_RULES, NULL } },
					       2, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "--no-rules and -r contradict each other: give one");
	assert_int_equal(run_settings_override(&l.s, (struct run_arg[]){ { RUN_OPT_LSM, "on" } }, 1, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "--lsm is auto or off, not 'on'");
	unload(&l);
}

static char *print_to_string(const struct run_settings *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	config_print_settings(s, f);
	fclose(f);
	return text;
}

static void settings_print_and_read_back(void **state)
{
	struct loaded l, again;
	char *text, *text_again;

	(void)state;
	load(&l, "rules: [a.yaml, \"b, c.yaml\"]\noutput: [\"file:/tmp/x,min-priority=warning\", stdout:text]\n"
		 "capture-interval: 90m\nrate-limit: 3,0.5\nhost: true\n");
	assert_int_equal(l.err, 0);
	text = print_to_string(&l.s);
	assert_non_null(strstr(text, "\nrules: [a.yaml, \"b, c.yaml\"]\n"));
	assert_non_null(strstr(text, "\noutput: [\"file:/tmp/x,min-priority=warning\", stdout:text]\n"));
	assert_non_null(strstr(text, "\ncapture-interval: 5400s\n"));
	assert_non_null(strstr(text, "\nrate-limit: 3,0.5\n"));
	assert_non_null(strstr(text, "\nhost: true\n"));
	assert_non_null(strstr(text, "\nlog-level: info\n"));
	assert_non_null(strstr(text, "\nengine-url: ~\n"));
	/* What is printed is a config file that means the same. */
	load(&again, text);
	assert_int_equal(again.err, 0);
	text_again = print_to_string(&again.s);
	assert_string_equal(text, text_again);
	free(text);
	free(text_again);
	unload(&again);
	unload(&l);

	/* The defaults. */
	load(&l, "");
	text = print_to_string(&l.s);
	assert_non_null(strstr(text, "\nrules: [" AGENT_DEFAULT_RULES "]\n"));
	assert_non_null(strstr(text, "\noutput: [stdout:json]\n"));
	assert_non_null(strstr(text, "\nrate-limit: 20,1\n"));
	free(text);
	unload(&l);
}

/* Every option of vigil run but --config and --no-config is a key the printed settings name. */
static void every_option_is_a_key(void **state)
{
	struct loaded l;
	char *text;
	size_t keys = 0;

	(void)state;
	load(&l, "");
	text = print_to_string(&l.s);
	for (const struct argp_option *opt = run_options; opt->name || opt->doc; opt++) {
		char line[80];

		if (!opt->name || opt->key == RUN_OPT_CONFIG || opt->key == RUN_OPT_NO_CONFIG)
			continue;
		snprintf(line, sizeof(line), "%s%s: ", keys ? "\n" : "", opt->name);
		assert_non_null(strstr(text, line));
		keys++;
	}
	for (const char *c = text; *c; c++)
		keys -= *c == '\n';
	assert_int_equal(keys, 0);
	free(text);
	unload(&l);
}

/* deploy/vigil.yaml loads with no problem, names every key, and holds the defaults. */
static void example_file_loads(void **state)
{
	struct run_settings example, defaults;
	struct config_messages m = { 0 };
	char *text, *default_text;

	(void)state;
	run_settings_init(&example);
	run_settings_init(&defaults);
	assert_int_equal(config_load_file(&example, "deploy/vigil.yaml", &m), 0);
	assert_int_equal(m.n, 0);
	text = print_to_string(&example);
	default_text = print_to_string(&defaults);
	assert_string_equal(text, default_text);
	free(text);
	free(default_text);

	/* Every key stands in it, set or commented out. */
	{
		FILE *f = fopen("deploy/vigil.yaml", "re");
		char *file = NULL;
		size_t size = 0;

		assert_non_null(f);
		assert_true(getdelim(&file, &size, '\0', f) > 0);
		fclose(f);
		for (const struct argp_option *opt = run_options; opt->name || opt->doc; opt++) {
			char key[80];

			if (!opt->name || opt->key == RUN_OPT_CONFIG || opt->key == RUN_OPT_NO_CONFIG)
				continue;
			snprintf(key, sizeof(key), "\n%s:", opt->name);
			if (!strstr(file, key))
				print_message("deploy/vigil.yaml lacks %s\n", opt->name);
			assert_non_null(strstr(file, key));
		}
		free(file);
	}
	config_messages_free(&m);
	run_settings_free(&example);
	run_settings_free(&defaults);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_key_suggests_the_closest_option),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(bad_values_say_what_the_flag_says),
		cmocka_unit_test(duplicates_contradictions_and_yaml),
		cmocka_unit_test(every_problem_is_reported),
		cmocka_unit_test(unreadable_file),
		cmocka_unit_test(lists_scalars_and_booleans),
		cmocka_unit_test(command_line_overrides_the_file),
		cmocka_unit_test(settings_print_and_read_back),
		cmocka_unit_test(every_option_is_a_key),
		cmocka_unit_test(example_file_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
