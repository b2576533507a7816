// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert record: the shape `vigil run` promises for a rule's match, its
 * event exactly as --events prints it (kernel events and the agent's
 * container announcements alike), and strings from a process that cannot
 * break the line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "container_info.h"
#include "event_builder.h"
#include "pipeline.h"
#include "rule_engine.h"
#include "rule_loader.h"

static const char rules_text[] =
	"- rule: Helper runs\n"
	"  desc: the test helper runs\n"
	"  condition: evt.type = execve and proc.name = vigil-helper\n"
	"  output: helper %proc.name ran in %container.id\n"
	"  priority: WARNING\n"
	"  tags: [test, exec]\n"
	"- rule: Odd name runs\n"
	"  desc: a process whose name holds control characters\n"
	"  condition: evt.type = execve and proc.name startswith odd\n"
	"  output: odd %proc.name\n"
	"  priority: ERROR\n"
	"- rule: Container starts\n"
	"  desc: a container starts\n"
	"  condition: evt.type = container and container.action = start\n"
	"  output: \"%container.name started\"\n"
	"  priority: INFO\n"
	"  tags: [container]\n";

/* A pipeline that runs the rules above, events and alerts into one memory stream. */
struct fixture {
	struct rule_set *set;
	struct rule_engine *engine;
	struct pipeline p;
	char *out;
	size_t out_len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	bool is_error;

	assert_non_null(f);
	f->set = rule_set_new();
	assert_non_null(f->set);
	assert_int_equal(rule_set_load_buffer(f->set, "test.yaml", rules_text, sizeof(rules_text) - 1), 0);
	assert_int_equal(rule_engine_compile(f->set, &f->engine), 0);
	for (size_t i = 0; i < rule_engine_message_count(f->engine); i++)
		print_message("# %s\n", rule_engine_message(f->engine, i, &is_error)->text);
	assert_int_equal(rule_engine_error_count(f->engine), 0);
	f->p.monitor_host = true;
	f->p.boot_to_unix_ns = 1000000000;
	f->p.procs = proc_table_new(NULL);
	f->p.rules = f->engine;
	f->p.hostname = "testhost";
	f->p.events_out = open_memstream(&f->out, &f->out_len);
	f->p.alerts_out = f->p.events_out;
	assert_non_null(f->p.events_out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->p.events_out)
		fclose(f->p.events_out);
	free(f->out);
	proc_table_free(f->p.procs);
	rule_engine_free(f->engine);
	rule_set_free(f->set);
	free(f);
	return 0;
}

/* The lines written so far, each parsed; *n set to how many. */
static json_t **written_lines(struct fixture *f, size_t *n)
{
	json_t **lines = NULL;
	char *line, *next;

	assert_int_equal(fflush(f->p.events_out), 0);
	*n = 0;
	for (line = f->out; line && *line; line = next) {
		json_error_t err;

		next = strchr(line, '\n');
		assert_non_null(next); /* every record ends its line */
		*next++ = '\0';
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		assert_non_null(lines);
		lines[*n] = json_loads(line, 0, &err);
		if (!lines[*n])
			fail_msg("line %zu is not JSON (%s): %s", *n + 1, err.text, line);
		next[-1] = '\n';
		(*n)++;
	}
	return lines;
}

static void free_lines(json_t **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(lines[i]);
	free(lines);
}

static const char *string_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static void handle(struct fixture *f, const void *record, size_t len)
{
	assert_int_equal(pipeline_handle(&f->p, record, len), 0);
}

/* An exec by a process named comm (a literal: event_builder.h copies it with strncpy) into f's pipeline. */
#define exec_of(f, comm)                                                                                  \
	do {                                                                                              \
		_Alignas(8) char buf_[VIGIL_EVENT_SIZE_MAX];                                              \
		static const char args_[] = "vigil-helper\0echo\0hi";                                      \
		handle(f, buf_, build_exec(buf_, 61, 60, comm, "/bin/vigil-helper", args_, sizeof(args_), "/")); \
	} while (0)

static void alert_has_the_promised_shape(void **state)
{
	struct fixture *f = *state;
	json_t **lines, *alert, *fields, *tags;
	size_t n;

	exec_of(f, "vigil-helper");
	lines = written_lines(f, &n);
	/* The event line, then the alert of the one rule it matches. */
	assert_int_equal(n, 2);
	assert_int_equal(f->p.stats.written, 1);
	assert_int_equal(f->p.stats.alerts, 1);
	alert = lines[1];
	assert_string_equal(string_of(alert, "type"), "alert");
	assert_string_equal(string_of(alert, "rule"), "Helper runs");
	assert_string_equal(string_of(alert, "priority"), "Warning");
	assert_string_equal(string_of(alert, "output"), "helper vigil-helper ran in host");
	assert_string_equal(string_of(alert, "source"), "syscall");
	assert_string_equal(string_of(alert, "action"), "alert");
	/* The event's time, not the time the alert was written. */
	assert_string_equal(string_of(alert, "time"), "1970-01-01T00:00:01.000000000Z");
	tags = json_object_get(alert, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "test");
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "exec");
	fields = json_object_get(alert, "output_fields");
	assert_int_equal(json_object_size(fields), 2);
	assert_string_equal(string_of(fields, "proc.name"), "vigil-helper");
	assert_string_equal(string_of(fields, "container.id"), "host");
	/* The event exactly as --events printed it on the line before. */
	assert_true(json_equal(json_object_get(alert, "event"), lines[0]));
	assert_string_equal(string_of(lines[0], "type"), "exec");
	assert_int_equal(json_object_size(alert), 10);
	free_lines(lines, n);
}

static void no_match_no_alert(void **state)
{
	struct fixture *f = *state;
	json_t **lines;
	size_t n;

	exec_of(f, "sh");
	lines = written_lines(f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(string_of(lines[0], "type"), "exec");
	assert_int_equal(f->p.stats.alerts, 0);
	free_lines(lines, n);
}

static void alerts_without_events(void **state)
{
	struct fixture *f = *state;
	json_t **lines;
	size_t n;

	/* `vigil run` without --events: alerts alone, each still carrying its event. */
	f->p.events_out = NULL;
	exec_of(f, "vigil-helper");
	f->p.events_out = f->p.alerts_out;
	lines = written_lines(f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(string_of(lines[0], "type"), "alert");
	assert_string_equal(string_of(json_object_get(lines[0], "event"), "type"), "exec");
	free_lines(lines, n);
}

static void process_strings_cannot_break_the_line(void **state)
{
	struct fixture *f = *state;
	/* A name that tries a second record, a terminal escape and a byte that is not UTF-8. */
	static const char comm[] = "odd\n{\"x\":1}\x1b\xff";
	json_t **lines;
	const char *output;
	size_t n;

	exec_of(f, comm);
	lines = written_lines(f, &n);
	assert_int_equal(n, 2); /* written_lines parsed each line: no forged record */
	assert_string_equal(string_of(lines[1], "rule"), "Odd name runs");
	output = string_of(lines[1], "output");
	assert_memory_equal(output, "odd odd\n{\"x\":1}\x1b", 16);
	assert_string_equal(output + 16, "\xef\xbf\xbd"); /* U+FFFD for 0xff */
	assert_string_equal(string_of(json_object_get(lines[1], "output_fields"), "proc.name"), output + 4);
	free_lines(lines, n);
}

static void container_announcements_go_through_the_rules(void **state)
{
	struct fixture *f = *state;
	struct container_info info;
	char err[256], *answer;
	json_t **lines, *alert;
	size_t n, len;
	FILE *in = fopen("tests/unit/data/inspect/named.json", "re");

	assert_non_null(in);
	answer = malloc(CONTAINER_INFO_MAX_ANSWER);
	assert_non_null(answer);
	len = fread(answer, 1, CONTAINER_INFO_MAX_ANSWER, in);
	fclose(in);
	assert_int_equal(container_info_parse(answer, len, &info, err, sizeof(err)), 0);
	free(answer);

	pipeline_announce_container(&info, "running", &f->p);
	pipeline_announce_container(&info, "start", &f->p);
	lines = written_lines(f, &n);
	/* Two announcements, and one alert: the rule asks for "start". */
	assert_int_equal(n, 3);
	alert = lines[2];
	assert_string_equal(string_of(alert, "type"), "alert");
	assert_string_equal(string_of(alert, "rule"), "Container starts");
	assert_string_equal(string_of(alert, "priority"), "Informational");
	assert_string_equal(string_of(alert, "output"), "web-1 started");
	assert_string_equal(string_of(json_object_get(alert, "output_fields"), "container.name"), "web-1");
	assert_true(json_equal(json_object_get(alert, "event"), lines[1]));
	assert_string_equal(string_of(lines[1], "type"), "container");
	assert_string_equal(string_of(lines[1], "action"), "start");
	assert_string_equal(string_of(alert, "time"), string_of(lines[1], "time"));
	free_lines(lines, n);
	container_info_free(&info);
}

/* The one rule the match callback is for, written to a stream that refuses it. */
static void write_failures_are_counted(void **state)
{
	struct fixture *f = *state;
	FILE *closed = fopen("/dev/null", "re");

	assert_non_null(closed);
	f->p.alerts_out = closed; /* opened for reading: every write fails */
	exec_of(f, "vigil-helper");
	f->p.alerts_out = f->p.events_out;
	fclose(closed);
	assert_int_equal(f->p.stats.alerts, 0);
	assert_int_equal(f->p.stats.write_errors, 1);
	assert_int_equal(f->p.stats.written, 1);
}

static void action_names(void **state)
{
	(void)state;
	assert_string_equal(alert_action_name(RULE_ACTION_ALERT), "alert");
	assert_string_equal(alert_action_name(RULE_ACTION_DENY), "deny");
	assert_string_equal(alert_action_name(RULE_ACTION_KILL), "kill");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(alert_has_the_promised_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(no_match_no_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(alerts_without_events, setup, teardown),
		cmocka_unit_test_setup_teardown(process_strings_cannot_break_the_line, setup, teardown),
		cmocka_unit_test_setup_teardown(container_announcements_go_through_the_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(write_failures_are_counted, setup, teardown),
		cmocka_unit_test(action_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
