// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* event_decode: well-formed records, and every way a record can lie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "decode.h"
#include "event_builder.h"

static const char ARGS[] = "vigil-helper\0echo\0two words";

static void exec_decodes(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	size_t len = build_exec(buf, 100, 99, "vigil-helper", "/bin/vigil-helper", ARGS, sizeof(ARGS), "/app");
	struct event_view ev;
	char err[256];

	(void)state;
	assert_int_equal(event_decode(buf, len, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.hdr.type, VIGIL_EVENT_EXEC);
	assert_int_equal(ev.hdr.tgid, 100);
	assert_int_equal(ev.hdr.ppid, 99);
	assert_int_equal(ev.exec.argc, 3);
	assert_int_equal(ev.exec.filename.len, strlen("/bin/vigil-helper"));
	assert_memory_equal(ev.exec.filename.ptr, "/bin/vigil-helper", ev.exec.filename.len);
	assert_int_equal(ev.exec.args.len, sizeof(ARGS));
	assert_memory_equal(ev.exec.args.ptr, ARGS, sizeof(ARGS));
	assert_memory_equal(ev.exec.cwd.ptr, "/app", 4);
	assert_string_equal(event_type_name(ev.hdr.type), "exec");
}

static void fork_and_exit_decode(void **state)
{
	_Alignas(8) char buf[256];
	struct event_view ev;
	size_t len;

	(void)state;
	len = build_fork(buf, 100, 99, "sh", 101);
	assert_int_equal(event_decode(buf, len, &ev, NULL, 0), 0);
	assert_int_equal(ev.fork.child_tgid, 101);
	assert_int_equal(ev.fork.child_cgroup_id, 42);

	len = build_exit(buf, 101, 100, "sh", 3 << 8);
	assert_int_equal(event_decode(buf, len, &ev, NULL, 0), 0);
	assert_int_equal(ev.exit.exit_code, 3 << 8);
}

/* Every prefix of a valid record is refused, with a reason. */
static void truncated_records_are_refused(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	size_t len = build_exec(buf, 100, 99, "sh", "/bin/sh", ARGS, sizeof(ARGS), "/");
	struct event_view ev;
	char err[256];

	(void)state;
	for (size_t cut = 0; cut < len; cut++) {
		/* A heap copy of exactly `cut` bytes, so ASan sees any over-read. */
		char *copy = malloc(cut ? cut : 1);

		memcpy(copy, buf, cut);
		err[0] = '\0';
		assert_int_equal(event_decode(copy, cut, &ev, err, sizeof(err)), -EINVAL);
		assert_true(strlen(err) > 0);
		free(copy);
	}
}

static void oversized_record_is_refused(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX + 64];
	size_t len = build_exit(buf, 1, 0, "init", 0);
	struct event_view ev;
	char err[256];

	(void)state;
	/* More bytes arrived than the header says. */
	assert_int_equal(event_decode(buf, len + 8, &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "says it is"));
}

static void string_outside_tail_is_refused(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	size_t len = build_exec(buf, 100, 99, "sh", "/bin/sh", ARGS, sizeof(ARGS), "/");
	struct vigil_exec_event *e = (void *)buf;
	struct event_view ev;
	char err[256];

	(void)state;
	e->args.len = 0xffff;
	assert_int_equal(event_decode(buf, len, &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exec argv"));

	build_exec(buf, 100, 99, "sh", "/bin/sh", ARGS, sizeof(ARGS), "/");
	e->cwd.off = (uint16_t)(len - sizeof(*e)); /* at the very end, with a length */
	e->cwd.len = 1;
	assert_int_equal(event_decode(buf, len, &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exec cwd"));
}

static void unknown_type_is_refused(void **state)
{
	_Alignas(8) char buf[256];
	size_t len = build_exit(buf, 1, 0, "init", 0);
	struct event_view ev;
	char err[256];

	(void)state;
	((struct vigil_event_header *)buf)->type = VIGIL_EVENT_TYPE_MAX;
	assert_int_equal(event_decode(buf, len, &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown event type"));
	((struct vigil_event_header *)buf)->type = VIGIL_EVENT_NONE;
	assert_int_equal(event_decode(buf, len, &ev, err, sizeof(err)), -EINVAL);
}

static void count_arg(const char *arg, size_t len, void *ctx)
{
	size_t *total = ctx;

	(void)arg;
	*total += len + 1000;
}

static void args_split_even_when_cut(void **state)
{
	static const char cut[] = { 'a', 0, 'b', 'c' }; /* the last NUL was cut off */
	size_t total = 0;

	(void)state;
	event_args_foreach((struct event_str){ cut, sizeof(cut) }, 16, count_arg, &total);
	assert_int_equal(total, 1 + 1000 + 2 + 1000);
	total = 0;
	event_args_foreach((struct event_str){ cut, sizeof(cut) }, 1, count_arg, &total);
	assert_int_equal(total, 1 + 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_decodes),
		cmocka_unit_test(fork_and_exit_decode),
		cmocka_unit_test(truncated_records_are_refused),
		cmocka_unit_test(oversized_record_is_refused),
		cmocka_unit_test(string_outside_tail_is_refused),
		cmocka_unit_test(unknown_type_is_refused),
		cmocka_unit_test(args_split_even_when_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
