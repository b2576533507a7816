// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Events as JSON: the shape `vigil run --events` promises, and strings that cannot forge a line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "container.h"
#include "event_builder.h"
#include "event_json.h"
#include "json_writer.h"
#include "pipeline.h"

static char *dump(json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(value);
	assert_non_null(text);
	return text;
}

static void hostile_strings_stay_on_one_line(void **state)
{
	/* A name that tries a second JSON record, a syslog header and a terminal escape. */
	static const char evil[] = "x\n{\"type\":\"fake\"}\r<13>\x1b[31m\"\\";
	char *text = dump(json_untrusted_string(evil, sizeof(evil) - 1));
	json_t *back;

	(void)state;
	assert_null(strchr(text, '\n'));
	assert_null(strchr(text, '\r'));
	assert_null(strchr(text, '\x1b'));
	/* ...and it is still the same string once parsed. */
	back = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(back);
	assert_string_equal(json_string_value(back), evil);
	json_decref(back);
	free(text);
}

static void invalid_utf8_is_replaced(void **state)
{
	static const char bad[] = "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf0\x9f\x98\x80";
	char *text = dump(json_untrusted_string(bad, sizeof(bad) - 1));

	(void)state;
	/* 0xff, an overlong '/', a surrogate: each bad byte is one U+FFFD; the emoji stays. */
	assert_string_equal(text, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
				  "d\xf0\x9f\x98\x80\"");
	free(text);
}

static void nul_bytes_survive(void **state)
{
	char *text = dump(json_untrusted_string("a\0b", 3));

	(void)state;
	assert_string_equal(text, "\"a\\u0000b\"");
	free(text);
}

static void time_is_rfc3339_with_nanoseconds(void **state)
{
	char buf[64];

	(void)state;
	json_format_time(1795514948240975324LL - 2400LL * 1000000000, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24T09:29:08.240975324Z");
	json_format_time(5, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000005Z");
}

/* The whole line for an exec in a container, through the pipeline. */
static void exec_event_has_the_promised_shape(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	static const char args[] = "vigil-helper\0echo\0two words";
	struct pipeline p = { .monitor_host = true, .boot_to_unix_ns = 1000000000 };
	char *out = NULL;
	size_t out_len = 0;
	json_t *root, *v;
	size_t len;

	(void)state;
	p.procs = proc_table_new(NULL);
	p.events_out = open_memstream(&out, &out_len);
	len = build_exec(buf, 60, 50, "sh", "/bin/sh", "sh", 3, "/");
	assert_int_equal(pipeline_handle(&p, buf, len), 0);
	len = build_fork(buf, 60, 50, "sh", 61);
	assert_int_equal(pipeline_handle(&p, buf, len), 0);
	len = build_exec(buf, 61, 60, "vigil-helper", "/bin/vigil-helper", args, sizeof(args), "/app");
	((struct vigil_event_header *)buf)->cap_effective = 1ull << 21;
	((struct vigil_event_header *)buf)->cap_permitted = (1ull << 0) | (1ull << 21) | (1ull << 63);
	assert_int_equal(pipeline_handle(&p, buf, len), 0);
	fclose(p.events_out);

	/* Three lines: sh's exec, its fork, the helper's exec. */
	assert_int_equal(p.stats.written, 3);
	char *last = strrchr(out, '\n');
	assert_non_null(last);
	*last = '\0';
	last = strrchr(out, '\n');
	assert_non_null(last);
	root = json_loads(last + 1, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "type")), "exec");
	assert_string_equal(json_string_value(json_object_get(root, "hook")), "tracepoint");
	assert_string_equal(json_string_value(json_object_get(root, "time")), "1970-01-01T00:00:01.000000000Z");
	v = json_object_get(root, "proc");
	assert_int_equal(json_integer_value(json_object_get(v, "pid")), 61);
	assert_int_equal(json_integer_value(json_object_get(v, "uid")), 1000);
	assert_string_equal(json_string_value(json_object_get(v, "exe")), "/bin/vigil-helper");
	assert_string_equal(json_string_value(json_object_get(v, "cwd")), "/app");
	assert_int_equal(json_array_size(json_object_get(v, "args")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "args"), 2)), "two words");
	/* Capability sets by name, in bit order; one the names do not know by number. */
	assert_int_equal(json_array_size(json_object_get(v, "cap_effective")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "cap_effective"), 0)), "CAP_SYS_ADMIN");
	assert_int_equal(json_array_size(json_object_get(v, "cap_permitted")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "cap_permitted"), 0)), "CAP_CHOWN");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "cap_permitted"), 2)), "CAP_63");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "parent"), "pid")), 60);
	assert_true(json_is_null(json_object_get(root, "container"))); /* no cgroup resolver here */
	v = json_object_get(root, "exec");
	assert_string_equal(json_string_value(json_object_get(v, "filename")), "/bin/vigil-helper");
	assert_int_equal(json_integer_value(json_object_get(v, "argc")), 3);
	json_decref(root);
	free(out);
	proc_table_free(p.procs);
}

static void host_events_are_dropped_without_host_monitoring(void **state)
{
	_Alignas(8) char buf[256];
	struct pipeline p = { .monitor_host = false };
	char *out = NULL;
	size_t out_len = 0;

	(void)state;
	p.procs = proc_table_new(NULL);
	p.events_out = open_memstream(&out, &out_len);
	assert_int_equal(pipeline_handle(&p, buf, build_exit(buf, 5, 1, "x", 0)), 0);
	fclose(p.events_out);
	assert_int_equal(out_len, 0);
	assert_int_equal(p.stats.host_dropped, 1);
	free(out);
	proc_table_free(p.procs);
}

static void container_object_names_the_container(void **state)
{
	_Alignas(8) char buf[256];
	struct container_ref c = { .runtime = CONTAINER_RUNTIME_DOCKER };
	struct event_view ev;
	struct event_context ctx = { .ev = &ev, .container = &c, .cgroup_path = "/docker/x" };
	json_t *root, *obj;

	(void)state;
	memset(c.id, 'a', CONTAINER_ID_MAX);
	c.id[CONTAINER_ID_MAX] = '\0';
	assert_int_equal(event_decode(buf, build_exit(buf, 5, 1, "x", 9), &ev, NULL, 0), 0);
	root = event_to_json(&ctx);
	obj = json_object_get(root, "container");
	assert_int_equal(strlen(json_string_value(json_object_get(obj, "id"))), 12);
	assert_string_equal(json_string_value(json_object_get(obj, "full_id")), c.id);
	assert_string_equal(json_string_value(json_object_get(obj, "runtime")), "docker");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "cgroup"), "path")), "/docker/x");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "exit"), "signal")), 9);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_strings_stay_on_one_line),
		cmocka_unit_test(invalid_utf8_is_replaced),
		cmocka_unit_test(nul_bytes_survive),
		cmocka_unit_test(time_is_rfc3339_with_nanoseconds),
		cmocka_unit_test(exec_event_has_the_promised_shape),
		cmocka_unit_test(host_events_are_dropped_without_host_monitoring),
		cmocka_unit_test(container_object_names_the_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
