// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The metrics endpoint without its HTTP server: the Prometheus text for given
 * numbers (exact), label escaping, the loopback-only address, and what
 * /healthz answers as the loop turns, stalls or fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "metrics.h"

#define SEC 1000000000LL

/* The lines of a family by event type: every type with a name, value 0 but where given. */
static void by_type_lines(FILE *f, const char *name, unsigned int type, uint64_t value)
{
	for (unsigned int t = 1; t < VIGIL_EVENT_TYPE_MAX; t++)
		if (event_type_name(t))
			fprintf(f, "%s{type=\"%s\"} %llu\n", name, event_type_name(t),
				(unsigned long long)(t == type ? value : 0));
}

static void test_render_exact(void **state)
{
	const struct metrics_rule_alerts rules[] = {
		{ "Terminal shell in container", RULE_PRIORITY_NOTICE, 3 },
		{ "Write below etc", RULE_PRIORITY_ERROR, 1 },
	};
	const struct metrics_output outputs[] = {
		{ "stdout:json", 4, 0, 0 },
		{ "syslog-tcp://127.0.0.1:6514,min-priority=warning", 2, 7, 5 },
	};
	struct metrics_snapshot s = {
		.version = "v1.2-3-gabc",
		.have_kernel = true,
		.rules = rules,
		.n_rules = 2,
		.have_alerting = true,
		.rate_limited = 9,
		.health_alerts = 1,
		.outputs = outputs,
		.n_outputs = 2,
		.containers_tracked = 6,
		.rss_bytes = 12345678,
	};
	char *expected = NULL, *text;
	size_t expected_len = 0, len = 0;
	FILE *f = open_memstream(&expected, &expected_len);

	(void)state;
	s.received[VIGIL_EVENT_EXEC] = 42;
	s.kernel[VIGIL_EVENT_EXEC] = (struct vigil_counters){ .emitted = 50, .dropped = 2, .filtered = 6 };
	s.verdicts[VIGIL_VERDICT_DENIED] = 1;
	s.verdicts[VIGIL_VERDICT_WOULD_KILL] = 8;

	assert_non_null(f);
	fputs("# HELP vigil_build_info vigil's version, as a label; the value is always 1.\n"
	      "# TYPE vigil_build_info gauge\n"
	      "vigil_build_info{version=\"v1.2-3-gabc\"} 1\n"
	      "# HELP vigil_events_total Events received from the kernel and decoded, by type.\n"
	      "# TYPE vigil_events_total counter\n", f);
	by_type_lines(f, "vigil_events_total", VIGIL_EVENT_EXEC, 42);
	fputs("# HELP vigil_kernel_events_emitted_total Records the kernel wrote to the ring buffer, by event type.\n"
	      "# TYPE vigil_kernel_events_emitted_total counter\n", f);
	by_type_lines(f, "vigil_kernel_events_emitted_total", VIGIL_EVENT_EXEC, 50);
	fputs("# HELP vigil_kernel_events_dropped_total Records the kernel lost because the ring buffer was full, "
	      "by event type.\n"
	      "# TYPE vigil_kernel_events_dropped_total counter\n", f);
	by_type_lines(f, "vigil_kernel_events_dropped_total", VIGIL_EVENT_EXEC, 2);
	fputs("# HELP vigil_kernel_events_filtered_total Events a hook saw but an in-kernel filter dropped, by event "
	      "type.\n"
	      "# TYPE vigil_kernel_events_filtered_total counter\n", f);
	by_type_lines(f, "vigil_kernel_events_filtered_total", VIGIL_EVENT_EXEC, 6);
	fputs("# HELP vigil_enforcement_total Events enforcement acted on, by verdict.\n"
	      "# TYPE vigil_enforcement_total counter\n"
	      "vigil_enforcement_total{verdict=\"denied\"} 1\n"
	      "vigil_enforcement_total{verdict=\"killed\"} 0\n"
	      "vigil_enforcement_total{verdict=\"would deny\"} 0\n"
	      "vigil_enforcement_total{verdict=\"would kill\"} 8\n"
	      "# HELP vigil_containers_tracked Containers in vigil's container table.\n"
	      "# TYPE vigil_containers_tracked gauge\n"
	      "vigil_containers_tracked 6\n"
	      "# HELP vigil_alerts_total Alerts sent to the outputs, by rule and priority (rate-limited ones are not "
	      "counted).\n"
	      "# TYPE vigil_alerts_total counter\n"
	      "vigil_alerts_total{rule=\"Terminal shell in container\",priority=\"Notice\"} 3\n"
	      "vigil_alerts_total{rule=\"Write below etc\",priority=\"Error\"} 1\n"
	      "# HELP vigil_alerts_rate_limited_total Alerts the rate limiter held back (their counts go out in "
	      "summaries).\n"
	      "# TYPE vigil_alerts_rate_limited_total counter\n"
	      "vigil_alerts_rate_limited_total 9\n"
	      "# HELP vigil_health_alerts_total vigil's own health alerts.\n"
	      "# TYPE vigil_health_alerts_total counter\n"
	      "vigil_health_alerts_total 1\n"
	      "# HELP vigil_sink_queue_depth Alerts queued for an output, by its -o spec.\n"
	      "# TYPE vigil_sink_queue_depth gauge\n"
	      "vigil_sink_queue_depth{output=\"stdout:json\"} 0\n"
	      "vigil_sink_queue_depth{output=\"syslog-tcp://127.0.0.1:6514,min-priority=warning\"} 5\n"
	      "# HELP vigil_sink_written_total Alerts an output wrote, by its -o spec.\n"
	      "# TYPE vigil_sink_written_total counter\n"
	      "vigil_sink_written_total{output=\"stdout:json\"} 4\n"
	      "vigil_sink_written_total{output=\"syslog-tcp://127.0.0.1:6514,min-priority=warning\"} 2\n"
	      "# HELP vigil_sink_dropped_total Alerts an output dropped because its queue was full, by its -o spec.\n"
	      "# TYPE vigil_sink_dropped_total counter\n"
	      "vigil_sink_dropped_total{output=\"stdout:json\"} 0\n"
	      "vigil_sink_dropped_total{output=\"syslog-tcp://127.0.0.1:6514,min-priority=warning\"} 7\n"
	      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	      "# TYPE process_resident_memory_bytes gauge\n"
	      "process_resident_memory_bytes 12345678\n", f);
	assert_int_equal(fclose(f), 0);

	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_string_equal(text, expected);
	assert_int_equal(len, strlen(expected));
	/* The schema has an exec type, so the line the integration test scrapes is there. */
	assert_non_null(strstr(text, "\nvigil_events_total{type=\"exec\"} 42\n"));
	free(text);
	free(expected);
}

/* Without rules (no alerting) and without the kernel's counters: those families are left out, not zero. */
static void test_render_leaves_out_what_is_not_there(void **state)
{
	struct metrics_snapshot s = { .version = "v1" };
	size_t len;
	char *text = metrics_render(&s, &len);

	(void)state;
	assert_non_null(text);
	assert_non_null(strstr(text, "# TYPE vigil_events_total counter\n"));
	assert_non_null(strstr(text, "vigil_containers_tracked 0\n"));
	assert_null(strstr(text, "vigil_kernel_events"));
	assert_null(strstr(text, "vigil_alerts_total"));
	assert_null(strstr(text, "vigil_sink_"));
	assert_null(strstr(text, "process_resident_memory_bytes"));
	assert_int_equal(text[len - 1], '\n');
	free(text);
}

static void test_label_escaping(void **state)
{
	const struct metrics_rule_alerts rules[] = {
		{ "say \"hi\"\\now\nand then", RULE_PRIORITY_WARNING, 2 },
	};
	struct metrics_snapshot s = { .version = "v1", .have_alerting = true, .rules = rules, .n_rules = 1 };
	char buf[64], small[8];
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(metrics_escape_label("a\"b\\c\nd", buf, sizeof(buf)), 10);
	assert_string_equal(buf, "a\\\"b\\\\c\\nd");
	assert_int_equal(metrics_escape_label("plain: 'single' quotes, tab\t", buf, sizeof(buf)), 28);
	assert_string_equal(buf, "plain: 'single' quotes, tab\t");
	/* Cut like snprintf, never in the middle of the buffer's end. */
	assert_int_equal(metrics_escape_label("\"\"\"\"", small, sizeof(small)), 8);
	assert_string_equal(small, "\\\"\\\"\\\"\\");
	assert_int_equal(metrics_escape_label("", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");

	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nvigil_alerts_total{rule=\"say \\\"hi\\\"\\\\now\\nand then\","
				     "priority=\"Warning\"} 2\n"));
	free(text);
}

/* A label value longer than the renderer's stack buffer is escaped whole. */
static void test_long_label(void **state)
{
	char name[1000], *want, *text;
	struct metrics_rule_alerts rule = { name, RULE_PRIORITY_INFORMATIONAL, 1 };
	struct metrics_snapshot s = { .version = "v1", .have_alerting = true, .rules = &rule, .n_rules = 1 };
	size_t len;

	(void)state;
	memset(name, '"', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	want = calloc(1, 2 * sizeof(name) + 64);
	assert_non_null(want);
	strcpy(want, "vigil_alerts_total{rule=\"");
	for (size_t i = 0; i < sizeof(name) - 1; i++)
		strcat(want, "\\\"");
	strcat(want, "\",priority=\"Informational\"} 1\n");
	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, want));
	free(text);
	free(want);
}

static void test_address_loopback_only(void **state)
{
	struct metrics_address a;
	char err[256];

	(void)state;
	assert_int_equal(metrics_parse_address("127.0.0.1:9464", &a, err, sizeof(err)), 0);
	assert_int_equal(a.addr.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.addr)->sin_port), 9464);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(metrics_parse_address("127.8.9.10:1", &a, err, sizeof(err)), 0);
	assert_int_equal(metrics_parse_address("[::1]:65535", &a, err, sizeof(err)), 0);
	assert_int_equal(a.addr.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.addr)->sin6_port), 65535);
	assert_int_equal(metrics_parse_address("[::ffff:127.0.0.1]:9464", &a, err, sizeof(err)), 0);

	/* Not loopback: refused, and the message says why. */
	assert_int_equal(metrics_parse_address("0.0.0.0:9464", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a loopback address"));
	assert_non_null(strstr(err, "no authentication"));
	assert_int_equal(metrics_parse_address("10.1.2.3:9464", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("[::]:9464", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("[::ffff:10.0.0.1]:9464", &a, err, sizeof(err)), -EINVAL);
	/* Names are not resolved: "localhost" could be anything /etc/hosts says. */
	assert_int_equal(metrics_parse_address("localhost:9464", &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "numeric"));
	/* Malformed. */
	assert_int_equal(metrics_parse_address("127.0.0.1", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:0", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:65536", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:-1", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:80x", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("::1:9464", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("[::1:9464", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("[::1]9464", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address("[127.0.0.1]:9464", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(metrics_parse_address(":9464", &a, err, sizeof(err)), -EINVAL);
}

static void test_health(void **state)
{
	struct metrics_state st;
	char body[320];

	(void)state;
	assert_int_equal(metrics_state_init(&st), 0);
	assert_int_equal(metrics_state_health(&st, 5 * SEC, body, sizeof(body)), 503);
	assert_non_null(strstr(body, "starting"));

	metrics_state_heartbeat(&st, 100 * SEC);
	assert_int_equal(metrics_state_health(&st, 100 * SEC, body, sizeof(body)), 200);
	assert_string_equal(body, "ok\n");
	assert_int_equal(metrics_state_health(&st, 110 * SEC, body, sizeof(body)), 200);
	assert_int_equal(metrics_state_health(&st, 110 * SEC + 1, body, sizeof(body)), 503);
	assert_string_equal(body, "the main loop has not turned for 10 s\n");
	metrics_state_heartbeat(&st, 111 * SEC);
	assert_int_equal(metrics_state_health(&st, 111 * SEC, body, sizeof(body)), 200);

	metrics_state_fail(&st, "polling the ring buffer failed: Bad file descriptor");
	assert_int_equal(metrics_state_health(&st, 111 * SEC, body, sizeof(body)), 503);
	assert_string_equal(body, "polling the ring buffer failed: Bad file descriptor\n");
	metrics_state_destroy(&st);
}

static void test_publish_and_copy(void **state)
{
	struct metrics_state st;
	size_t len = 0;
	char *copy;

	(void)state;
	assert_int_equal(metrics_state_init(&st), 0);
	assert_null(metrics_state_copy(&st, &len));
	metrics_state_publish(&st, strdup("a 1\n"), 4);
	metrics_state_publish(&st, strdup("a 2\n"), 4); /* the first is freed (ASan would say otherwise) */
	copy = metrics_state_copy(&st, &len);
	assert_non_null(copy);
	assert_int_equal(len, 4);
	assert_string_equal(copy, "a 2\n");
	free(copy);
	metrics_state_destroy(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render_leaves_out_what_is_not_there),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_long_label),
		cmocka_unit_test(test_address_loopback_only),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_publish_and_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
