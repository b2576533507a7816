// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The Engine API's /events lines: what is taken, and what is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "engine.h"

#define ID "3f0c5e0b9a1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b"

static int parse(const char *line, struct engine_event *ev)
{
	return engine_parse_event(line, strlen(line), ev);
}

static void container_actions_are_taken(void **state)
{
	struct engine_event ev;

	(void)state;
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" ID
			       "\",\"Attributes\":{\"name\":\"web\"}},\"time\":1}", &ev), 0);
	assert_string_equal(ev.action, "start");
	assert_string_equal(ev.id, ID);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"" ID "\"}}", &ev), 0);
	assert_string_equal(ev.action, "destroy");
}

static void action_detail_after_colon_is_dropped(void **state)
{
	struct engine_event ev;

	(void)state;
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"exec_start: sh -c id\",\"Actor\":{\"ID\":\"" ID "\"}}",
			       &ev), 0);
	assert_string_equal(ev.action, "exec_start");
}

static void other_lines_are_skipped(void **state)
{
	struct engine_event ev;

	(void)state;
	/* Not a container. */
	assert_int_equal(parse("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"" ID "\"}}", &ev), -EINVAL);
	/* Not a container id: short, upper case, a number. */
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"3f0c5e0b9a1d\"}}", &ev),
			 -EINVAL);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"3F0C5E0B9A1D2C3B4A5F6E7D8C9B0A1F2E3D4C5B6A7F8E9D0C1B2A3F4E5D6C7B\"}}", &ev),
			 -EINVAL);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":7}}", &ev), -EINVAL);
	/* Wrong types, not JSON, an overlong action. */
	assert_int_equal(parse("{\"Type\":[],\"Action\":{},\"Actor\":\"x\"}", &ev), -EINVAL);
	assert_int_equal(parse("not json", &ev), -EINVAL);
	assert_int_equal(parse("", &ev), -EINVAL);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"Actor\":{\"ID\":\"" ID "\"}}",
			       &ev), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(container_actions_are_taken),
		cmocka_unit_test(action_detail_after_colon_is_dropped),
		cmocka_unit_test(other_lines_are_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
