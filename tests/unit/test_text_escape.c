// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text_escape.h"

/* The escaped text of len bytes, checked against what the return value promised. */
static const char *escape_n(const char *s, size_t len, unsigned int flags)
{
	static char buf[4096];
	size_t need = text_escape(s, len, flags, buf, sizeof(buf));

	assert_true(need < sizeof(buf));
	assert_int_equal(strlen(buf), need);
	return buf;
}

#define ESCAPE(lit) escape_n(lit, sizeof(lit) - 1, 0)
#define ESCAPE_SD(lit) escape_n(lit, sizeof(lit) - 1, TEXT_ESCAPE_SD_PARAM)

static void test_plain_text_is_unchanged(void **state)
{
	(void)state;
	assert_string_equal(ESCAPE("sh -c 'ls /tmp' 100% [ok] \"q\""), "sh -c 'ls /tmp' 100% [ok] \"q\"");
	assert_string_equal(ESCAPE(""), "");
	/* Valid UTF-8 in every length stays: é, €, 𝄞. */
	assert_string_equal(ESCAPE("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e");
}

static void test_forged_syslog_line_stays_on_one_line(void **state)
{
	(void)state;
	assert_string_equal(ESCAPE("cat\n<13>1 2026-11-24T00:00:00Z host forged - - - you are owned\r\n"),
			    "cat\\n<13>1 2026-11-24T00:00:00Z host forged - - - you are owned\\r\\n");
	assert_string_equal(ESCAPE("a\tb\\n"), "a\\tb\\\\n");
}

static void test_control_bytes_become_hex(void **state)
{
	(void)state;
	assert_string_equal(ESCAPE("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
	assert_string_equal(escape_n("a\0b", 3, 0), "a\\x00b");
	assert_string_equal(ESCAPE("\x7f\x01\x1f\x0b\x0c"), "\\x7f\\x01\\x1f\\x0b\\x0c");
}

static void test_invalid_utf8_becomes_hex_byte_by_byte(void **state)
{
	(void)state;
	/* A lone continuation byte, a lead byte with no continuation, one cut at the end. */
	assert_string_equal(ESCAPE("a\x80z"), "a\\x80z");
	assert_string_equal(ESCAPE("\xc3(x"), "\\xc3(x");
	assert_string_equal(ESCAPE("ok\xe2\x82"), "ok\\xe2\\x82");
	/* Overlong encodings of '/' and NUL, a surrogate, above U+10FFFF, bytes never in UTF-8. */
	assert_string_equal(ESCAPE("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(ESCAPE("\xc0\x80"), "\\xc0\\x80");
	assert_string_equal(ESCAPE("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	assert_string_equal(ESCAPE("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf");
	assert_string_equal(ESCAPE("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(ESCAPE("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(ESCAPE("\xfe\xff\xf8"), "\\xfe\\xff\\xf8");
	/* After a bad byte, a good sequence is seen afresh. */
	assert_string_equal(ESCAPE("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
}

static void test_dangerous_code_points_become_hex(void **state)
{
	(void)state;
	/* C1: NEL and CSI (a terminal's ESC [). */
	assert_string_equal(ESCAPE("a\xc2\x85" "b\xc2\x9b" "31m"), "a\\xc2\\x85b\\xc2\\x9b31m");
	/* U+2028, U+2029: line breaks to some readers. */
	assert_string_equal(ESCAPE("x\xe2\x80\xa8y\xe2\x80\xa9"), "x\\xe2\\x80\\xa8y\\xe2\\x80\\xa9");
	/* U+202E (right-to-left override), U+2066 (isolate); U+00A0 stays. */
	assert_string_equal(ESCAPE("\xe2\x80\xae" "exe.txt\xe2\x81\xa6\xc2\xa0"),
			    "\\xe2\\x80\\xaeexe.txt\\xe2\\x81\\xa6\xc2\xa0");
}

static void test_sd_param_escapes_quote_and_bracket(void **state)
{
	(void)state;
	assert_string_equal(ESCAPE_SD("a\"b]c\\d"), "a\\\"b\\]c\\\\d");
	assert_string_equal(ESCAPE_SD("x\"] [vigil@32473 rule=\"forged\"]"),
			    "x\\\"\\] [vigil@32473 rule=\\\"forged\\\"\\]");
	/* Only in SD mode. */
	assert_string_equal(ESCAPE("a\"b]c"), "a\"b]c");
}

static void test_percent_is_left_for_callers_that_never_format_it(void **state)
{
	(void)state;
	assert_string_equal(ESCAPE("%s%n%x"), "%s%n%x");
}

static void test_cut_at_a_whole_escape(void **state)
{
	(void)state;
	const char *in = "ab\x1b" "cd";
	char buf[16];

	/* "ab\x1bcd" is 8 bytes: whole in 9 with the NUL... */
	assert_int_equal(text_escape(in, 5, 0, buf, 9), 8);
	assert_string_equal(buf, "ab\\x1bcd");
	/* ...and with room for "ab\x1" only, the escape goes whole. */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(text_escape(in, 5, 0, buf, 6), 8);
	assert_string_equal(buf, "ab");
	/* Nothing after a cut escape, though "c" would fit. */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(text_escape("\n\x01" "c", 3, 0, buf, 5), 7);
	assert_string_equal(buf, "\\n");
	/* A UTF-8 sequence is never cut either. */
	assert_int_equal(text_escape("a\xe2\x82\xac", 4, 0, buf, 4), 4);
	assert_string_equal(buf, "a");
	/* Plain text is cut at the byte. */
	assert_int_equal(text_escape("abcdef", 6, 0, buf, 4), 6);
	assert_string_equal(buf, "abc");
	/* size 1: the NUL alone; size 0 with no buffer: the length alone. */
	assert_int_equal(text_escape("abc", 3, 0, buf, 1), 3);
	assert_string_equal(buf, "");
	assert_int_equal(text_escape("a\nb", 3, 0, NULL, 0), 4);
}

static void test_long_input_is_linear_and_exact(void **state)
{
	(void)state;
	size_t len = 1 << 20;
	char *in = malloc(len);
	char *out;
	size_t need;

	assert_non_null(in);
	for (size_t i = 0; i < len; i++)
		in[i] = (char)(i % 5 == 0 ? '\n' : 'a');
	need = text_escape(in, len, 0, NULL, 0);
	assert_int_equal(need, len + (len + 4) / 5); /* one more byte per newline */
	out = malloc(need + 1);
	assert_non_null(out);
	assert_int_equal(text_escape(in, len, 0, out, need + 1), need);
	assert_int_equal(strlen(out), need);
	assert_memory_equal(out, "\\naaaa\\naaaa", 12);
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_is_unchanged),
		cmocka_unit_test(test_forged_syslog_line_stays_on_one_line),
		cmocka_unit_test(test_control_bytes_become_hex),
		cmocka_unit_test(test_invalid_utf8_becomes_hex_byte_by_byte),
		cmocka_unit_test(test_dangerous_code_points_become_hex),
		cmocka_unit_test(test_sd_param_escapes_quote_and_bracket),
		cmocka_unit_test(test_percent_is_left_for_callers_that_never_format_it),
		cmocka_unit_test(test_cut_at_a_whole_escape),
		cmocka_unit_test(test_long_input_is_linear_and_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
