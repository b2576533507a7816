// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The remote syslog sinks: RFC 5424 messages byte for byte (header,
 * structured data, escaped text, the cuts a datagram needs, octet-counting
 * frames), and the sockets on loopback, among them a TCP collector that went
 * away: the next record must fail before it is sent, not vanish into the
 * dead connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "sink_internal.h"
#include "sink_syslog5424.h"

/* 2026-01-01T00:00:00.123456789Z */
#define TIME_NS (INT64_C(1767225600) * 1000000000 + 123456789)

static struct syslog5424_origin origin;
static char frame[SYSLOG5424_FRAME_MAX];

static struct alert_record sample(const char *output)
{
	return (struct alert_record){
		.time_ns = TIME_NS,
		.priority = RULE_PRIORITY_WARNING,
		.rule = "Shell in container",
		.container_id = "0123456789ab",
		.container_name = "web",
		.container_image = "nginx:1.25",
		.output = (char *)output,
	};
}

static int setup_origin(void **state)
{
	(void)state;
	syslog5424_origin_init(&origin, LOG_USER, "host1", "vigil", 4242);
	return 0;
}

#define SAMPLE_HEADER                                                                                          \
	"<12>1 2026-01-01T00:00:00.123456Z host1 vigil 4242 alert [vigil@32473 rule=\"Shell in container\" " \
	"priority=\"Warning\" container_id=\"0123456789ab\" container_name=\"web\" image=\"nginx:1.25\"] "

static void udp_message_exactly(void **state)
{
	(void)state;
	struct alert_record rec = sample("shell sh ran in web");
	size_t len = syslog5424_frame(&origin, &rec, false, frame);

	assert_string_equal(frame, SAMPLE_HEADER "shell sh ran in web");
	assert_int_equal(len, strlen(frame));
}

static void tcp_frame_is_octet_counted(void **state)
{
	(void)state;
	struct alert_record rec = sample("shell sh ran in web");
	const char *message = SAMPLE_HEADER "shell sh ran in web";
	char expected[1024];
	size_t len = syslog5424_frame(&origin, &rec, true, frame);

	snprintf(expected, sizeof(expected), "%zu %s", strlen(message), message);
	assert_string_equal(frame, expected);
	assert_int_equal(len, strlen(expected));
}

/* PRI from the facility and the priority; MSGID "internal"; empty container fields for the host. */
static void internal_record_with_facility(void **state)
{
	(void)state;
	struct syslog5424_origin local3;
	struct alert_record rec = {
		.time_ns = TIME_NS,
		.priority = RULE_PRIORITY_CRITICAL,
		.internal = true,
		.rule = "Kernel drops",
		.container_id = "",
		.container_name = "",
		.container_image = "",
		.output = "the kernel dropped 12 events",
	};

	syslog5424_origin_init(&local3, LOG_LOCAL3, "host1", "sentry", 7);
	syslog5424_frame(&local3, &rec, false, frame);
	assert_string_equal(frame, "<154>1 2026-01-01T00:00:00.123456Z host1 sentry 7 internal [vigil@32473 "
				   "rule=\"Kernel drops\" priority=\"Critical\" container_id=\"\" container_name=\"\" "
				   "image=\"\"] the kernel dropped 12 events");

	rec.priority = RULE_PRIORITY_EMERGENCY;
	syslog5424_origin_init(&local3, LOG_KERN, "host1", "sentry", 7);
	syslog5424_frame(&local3, &rec, false, frame);
	assert_memory_equal(frame, "<0>1 ", 5);
	rec.priority = RULE_PRIORITY_DEBUG;
	syslog5424_origin_init(&local3, LOG_LOCAL7, "host1", "sentry", 7);
	syslog5424_frame(&local3, &rec, false, frame);
	assert_memory_equal(frame, "<191>1 ", 7);
}

/* A process name that carries a syslog header after a newline stays inside the one message. */
static void forged_header_stays_in_the_message(void **state)
{
	(void)state;
	struct alert_record rec = sample("ran x\n<13>1 2026-01-01T00:00:00Z host app - - - forged");

	syslog5424_frame(&origin, &rec, false, frame);
	assert_string_equal(frame, SAMPLE_HEADER "ran x\\n<13>1 2026-01-01T00:00:00Z host app - - - forged");
	syslog5424_frame(&origin, &rec, true, frame);
	assert_null(strchr(frame, '\n'));

	rec.output = "a\r\n\r\n0 <13>1 x";
	syslog5424_frame(&origin, &rec, false, frame);
	assert_string_equal(frame, SAMPLE_HEADER "a\\r\\n\\r\\n0 <13>1 x");
}

static void terminal_sequences_are_escaped(void **state)
{
	(void)state;
	struct alert_record rec = sample("\x1b[31mred\x1b[0m \x1b]0;title\x07 \xc2\x9b" "2J");

	syslog5424_frame(&origin, &rec, false, frame);
	assert_string_equal(frame, SAMPLE_HEADER "\\x1b[31mred\\x1b[0m \\x1b]0;title\\x07 \\xc2\\x9b2J");
}

/* ']' '"' '\' get a backslash in PARAM-VALUEs; in MSG only '\' does. */
static void sd_specials_are_escaped(void **state)
{
	(void)state;
	struct alert_record rec = sample("a]b\"c\\d");

	rec.rule = "r]\" x=\"y";
	rec.container_name = "n\\]";
	rec.container_image = "img\"] forged=\"1\"]";
	syslog5424_frame(&origin, &rec, false, frame);
	assert_string_equal(frame, "<12>1 2026-01-01T00:00:00.123456Z host1 vigil 4242 alert [vigil@32473 "
				   "rule=\"r\\]\\\" x=\\\"y\" priority=\"Warning\" container_id=\"0123456789ab\" "
				   "container_name=\"n\\\\\\]\" image=\"img\\\"\\] forged=\\\"1\\\"\\]\"] a]b\"c\\\\d");
}

static void invalid_utf8_is_escaped(void **state)
{
	(void)state;
	struct alert_record rec = sample("\xff\xfe ok \xc3\xa9 \xc3 \xed\xa0\x80");

	rec.container_name = "\xc0\xaf";
	syslog5424_frame(&origin, &rec, false, frame);
	assert_string_equal(frame, "<12>1 2026-01-01T00:00:00.123456Z host1 vigil 4242 alert [vigil@32473 "
				   "rule=\"Shell in container\" priority=\"Warning\" container_id=\"0123456789ab\" "
				   "container_name=\"\\xc0\\xaf\" image=\"nginx:1.25\"] "
				   "\\xff\\xfe ok \xc3\xa9 \\xc3 \\xed\\xa0\\x80");
}

static char *repeat(const char *piece, size_t times)
{
	size_t n = strlen(piece);
	char *text = malloc(n * times + 1);

	assert_non_null(text);
	for (size_t i = 0; i < times; i++)
		memcpy(text + i * n, piece, n);
	text[n * times] = '\0';
	return text;
}

/* A datagram is at most 2048 bytes: the text is cut, at a whole escape or character. */
static void long_output_is_cut_for_udp(void **state)
{
	(void)state;
	char *plain = repeat("a", 10000), *controls = repeat("\x01", 3000), *accents = repeat("\xc3\xa9", 2000);
	struct alert_record rec = sample(plain);
	size_t header = strlen(SAMPLE_HEADER), len;

	len = syslog5424_frame(&origin, &rec, false, frame);
	assert_int_equal(len, SYSLOG5424_UDP_MAX);
	assert_int_equal(strlen(frame), len);
	assert_memory_equal(frame, SAMPLE_HEADER, header);

	rec.output = controls;
	len = syslog5424_frame(&origin, &rec, false, frame);
	assert_true(len <= SYSLOG5424_UDP_MAX && len > SYSLOG5424_UDP_MAX - 4);
	assert_int_equal((len - header) % 4, 0);
	assert_string_equal(frame + len - 4, "\\x01");

	rec.output = accents;
	len = syslog5424_frame(&origin, &rec, false, frame);
	assert_true(len <= SYSLOG5424_UDP_MAX && len > SYSLOG5424_UDP_MAX - 2);
	assert_int_equal((len - header) % 2, 0);
	assert_string_equal(frame + len - 2, "\xc3\xa9");

	/* Over TCP more of it goes, up to 8096 bytes a message. */
	rec.output = plain;
	len = syslog5424_frame(&origin, &rec, true, frame);
	assert_memory_equal(frame, "8096 ", 5);
	assert_int_equal(len, 5 + 8096);
	free(plain);
	free(controls);
	free(accents);
}

/* Hostile values as long as they come: each cut, the header whole, room left for the text. */
static void long_values_are_cut(void **state)
{
	(void)state;
	char *quotes = repeat("\"", 1000), *junk = repeat("\x1b", 1000);
	struct alert_record rec = sample("the text");
	size_t len;
	char *image;

	rec.rule = quotes;
	rec.container_id = junk;
	rec.container_name = quotes;
	rec.container_image = junk;
	len = syslog5424_frame(&origin, &rec, false, frame);
	assert_true(len < SYSLOG5424_UDP_MAX);
	assert_string_equal(frame + len - strlen("\"] the text"), "\"] the text");
	image = strstr(frame, " image=\"");
	assert_non_null(image);
	/* 64 escapes of 4 bytes: 256. */
	assert_int_equal(strlen(image), strlen(" image=\"") + 256 + strlen("\"] the text"));
	free(quotes);
	free(junk);
}

static void origin_is_sanitized(void **state)
{
	(void)state;
	struct syslog5424_origin o;
	char *long_name = repeat("h", 300);

	syslog5424_origin_init(&o, LOG_USER, "my host\n\x1b[1m", "a p\tp\xc3\xa9", 1);
	assert_string_equal(o.hostname, "myhost[1m");
	assert_string_equal(o.app_name, "app");
	syslog5424_origin_init(&o, LOG_USER, "", " ", 1);
	assert_string_equal(o.hostname, "-");
	assert_string_equal(o.app_name, "-");
	syslog5424_origin_init(&o, LOG_USER, long_name, long_name, 1);
	assert_int_equal(strlen(o.hostname), 255);
	assert_int_equal(strlen(o.app_name), 48);
	free(long_name);

	assert_true(syslog5424_app_name_valid("vigil"));
	assert_false(syslog5424_app_name_valid(""));
	assert_false(syslog5424_app_name_valid("vi gil"));
	assert_false(syslog5424_app_name_valid("0123456789012345678901234567890123456789012345678"));
}

static void timestamps(void **state)
{
	(void)state;
	struct alert_record rec = sample("t");

	rec.time_ns = -1;
	syslog5424_frame(&origin, &rec, false, frame);
	assert_memory_equal(frame, "<12>1 1969-12-31T23:59:59.999999Z host1 ", 40);
	rec.time_ns = 0;
	syslog5424_frame(&origin, &rec, false, frame);
	assert_memory_equal(frame, "<12>1 1970-01-01T00:00:00.000000Z host1 ", 40);
	rec.time_ns = INT64_MIN;
	syslog5424_frame(&origin, &rec, false, frame);
	assert_memory_equal(frame, "<12>1 1677-09-21T00:12:43.145224Z host1 ", 40);
}

/* ---- the sockets ---- */

static int listener(int type, char *port, size_t port_size)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	snprintf(port, port_size, "%u", ntohs(addr.sin_port));
	return fd;
}

static void init_errors(void **state)
{
	(void)state;
	struct sink s = { 0 };
	char err[256] = "";

	assert_int_equal(sink_syslog5424_init(&s, "127.0.0.1", "514", LOG_USER, "two words", false, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "syslog-udp: app-name must be 1 to 48 printable ASCII characters without spaces");
	assert_int_equal(sink_syslog5424_init(&s, "127.0.0.1", "514", 24 << 3, "vigil", true, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "syslog-tcp: facility 192 is none of syslog's");
	assert_int_equal(sink_syslog5424_init(&s, "", "514", LOG_USER, "vigil", true, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "syslog-tcp needs a host and a port: syslog-tcp://HOST:PORT");
	assert_null(s.priv);
}

/* The message the sink makes of rec: with this host's name and this process's id. */
static const char *sink_message(int facility, const struct alert_record *rec)
{
	static char message[SYSLOG5424_FRAME_MAX];
	struct syslog5424_origin o;
	char hostname[256] = "";

	gethostname(hostname, sizeof(hostname) - 1);
	syslog5424_origin_init(&o, facility, hostname, "vigil", (long)getpid());
	syslog5424_frame(&o, rec, false, message);
	return message;
}

static void udp_sends_one_datagram_per_record(void **state)
{
	(void)state;
	char port[16], got[4096], err[256];
	int server = listener(SOCK_DGRAM, port, sizeof(port));
	struct sink s = { 0 };
	struct alert_record rec = sample("over udp");
	char *big = repeat("b", 3000);
	ssize_t n;

	assert_int_equal(sink_syslog5424_init(&s, "127.0.0.1", port, LOG_DAEMON, "vigil", false, err, sizeof(err)), 0);
	assert_ptr_equal(s.ops, &sink_syslog_udp_ops);
	assert_string_equal(s.ops->kind, "syslog-udp");
	assert_int_equal(s.ops->open(&s), 0);
	assert_int_equal(s.ops->write(&s, &rec), 0);
	rec.output = big;
	assert_int_equal(s.ops->write(&s, &rec), 0);

	n = recv(server, got, sizeof(got) - 1, 0);
	assert_true(n > 0);
	got[n] = '\0';
	rec.output = "over udp";
	assert_string_equal(got, sink_message(LOG_DAEMON, &rec));
	assert_memory_equal(got, "<28>1 ", 6);
	n = recv(server, got, sizeof(got), 0);
	assert_int_equal(n, SYSLOG5424_UDP_MAX);

	s.ops->close(&s);
	s.ops->free(&s);
	assert_null(s.priv);
	close(server);
	free(big);
}

/* Reads one octet-counted frame from fd: the message into out (size bytes). */
static void read_frame(int fd, char *out, size_t size)
{
	char prefix[16];
	size_t n = 0, len, got = 0;

	while (n < sizeof(prefix) - 1) {
		assert_int_equal(recv(fd, prefix + n, 1, 0), 1);
		if (prefix[n++] == ' ')
			break;
	}
	prefix[n] = '\0';
	len = strtoul(prefix, NULL, 10);
	assert_true(len > 0 && len < size);
	while (got < len) {
		ssize_t r = recv(fd, out + got, len - got, 0);

		assert_true(r > 0);
		got += (size_t)r;
	}
	out[len] = '\0';
}

static void tcp_sends_frames_and_sees_a_dead_peer(void **state)
{
	(void)state;
	char port[16], got[SYSLOG5424_FRAME_MAX], err[256];
	int server = listener(SOCK_STREAM, port, sizeof(port)), conn;
	struct sink s = { 0 };
	struct alert_record rec = sample("over tcp");

	assert_int_equal(sink_syslog5424_init(&s, "127.0.0.1", port, LOG_USER, "vigil", true, err, sizeof(err)), 0);
	assert_ptr_equal(s.ops, &sink_syslog_tcp_ops);
	assert_int_equal(s.ops->open(&s), 0);
	conn = accept(server, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(s.ops->write(&s, &rec), 0);
	rec.output = "second";
	assert_int_equal(s.ops->write(&s, &rec), 0);
	rec.output = "over tcp";
	read_frame(conn, got, sizeof(got));
	assert_string_equal(got, sink_message(LOG_USER, &rec));
	rec.output = "second";
	read_frame(conn, got, sizeof(got));
	assert_string_equal(got, sink_message(LOG_USER, &rec));

	/*
	 * The collector goes away. A send into the half-closed connection would
	 * succeed and be lost; the very first write after it must fail instead.
	 */
	close(conn);
	rec.output = "after the collector left";
	assert_int_equal(s.ops->write(&s, &rec), -EPIPE);
	s.ops->close(&s);

	/* The framework opens it again and writes the same record: it arrives. */
	assert_int_equal(s.ops->open(&s), 0);
	conn = accept(server, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(s.ops->write(&s, &rec), 0);
	read_frame(conn, got, sizeof(got));
	assert_string_equal(got, sink_message(LOG_USER, &rec));
	close(conn);

	/* Nobody listens: open fails with an error, to be retried. */
	s.ops->close(&s);
	close(server);
	assert_int_equal(s.ops->open(&s), -ECONNREFUSED);
	s.ops->free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(udp_message_exactly, setup_origin),
		cmocka_unit_test_setup(tcp_frame_is_octet_counted, setup_origin),
		cmocka_unit_test_setup(internal_record_with_facility, setup_origin),
		cmocka_unit_test_setup(forged_header_stays_in_the_message, setup_origin),
		cmocka_unit_test_setup(terminal_sequences_are_escaped, setup_origin),
		cmocka_unit_test_setup(sd_specials_are_escaped, setup_origin),
		cmocka_unit_test_setup(invalid_utf8_is_escaped, setup_origin),
		cmocka_unit_test_setup(long_output_is_cut_for_udp, setup_origin),
		cmocka_unit_test_setup(long_values_are_cut, setup_origin),
		cmocka_unit_test(origin_is_sanitized),
		cmocka_unit_test_setup(timestamps, setup_origin),
		cmocka_unit_test(init_errors),
		cmocka_unit_test_setup(udp_sends_one_datagram_per_record, setup_origin),
		cmocka_unit_test_setup(tcp_sends_frames_and_sees_a_dead_peer, setup_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
