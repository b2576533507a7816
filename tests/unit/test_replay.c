// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil replay's times (--since, --until): RFC 3339 with or without a
 * fraction and a zone, and a clear refusal of anything else.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "replay.h"

#define SEC 1000000000LL

/* 2026-11-24T15:04:05Z */
#define T0 1795532645LL

static int64_t parse(const char *text)
{
	int64_t ns = -1;

	assert_int_equal(replay_parse_time(text, &ns), 0);
	return ns;
}

static void test_utc(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-24T15:04:05Z"), T0 * SEC);
	assert_int_equal(parse("2026-11-24T15:04:05z"), T0 * SEC);
	assert_int_equal(parse("2026-11-24 15:04:05"), T0 * SEC);
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
}

static void test_fractions(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-24T15:04:05.5Z"), T0 * SEC + 500000000);
	assert_int_equal(parse("2026-11-24T15:04:05.123456789Z"), T0 * SEC + 123456789);
	/* As vigil prints its times: nanoseconds; more digits than that are cut, not rounded. */
	assert_int_equal(parse("2026-11-24T15:04:05.0000000019Z"), T0 * SEC + 1);
}

static void test_zones(void **state)
{
	(void)state;
	assert_int_equal(parse("2026-11-24T16:04:05+01:00"), T0 * SEC);
	assert_int_equal(parse("2026-11-24T10:34:05-04:30"), T0 * SEC);
	assert_int_equal(parse("2026-11-24T15:04:05.25+00:00"), T0 * SEC + 250000000);
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {
		"", "yesterday", "2026-11-24", "2026-11-24T15:04", "2026-11-24T15:04:05.Z", "2026-11-24T15:04:05+1",
		"2026-11-24T15:04:05+25:00", "2026-11-24T15:04:05Zjunk", "2026-13-24T15:04:05Z", "1795532645",
	};
	int64_t ns = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(replay_parse_time(bad[i], &ns), -EINVAL);
		assert_int_equal(ns, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
