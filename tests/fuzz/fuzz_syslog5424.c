// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The RFC 5424 formatter of the remote syslog sinks, with any strings in the
 * record (a container names its processes, files and itself). Whatever they
 * hold, what goes on the wire must parse as exactly one message: one header
 * with the PRI asked for, the one SD element well formed with its five
 * parameters, the escaped text, no raw control byte and no line break
 * anywhere, valid UTF-8, within the datagram size or with a length prefix
 * that counts exactly the bytes that follow. A violation aborts.
 *
 * Input: one byte of choices (bit 0: TCP, bit 1: internal, bits 2-4: the
 * priority, bits 5-7: a facility), 8 bytes of time in ns, then the rule,
 * container id, container name, image, output text, hostname and app-name,
 * each ended by a NUL (missing ones are empty).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sink_syslog5424.h"
#include "text_escape.h"

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

struct cursor {
	const char *p, *end;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Consumes the exact text. */
static bool take(struct cursor *c, const char *text)
{
	size_t n = strlen(text);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, text, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* A header field: 1..max PRINTUSASCII bytes, then a space; the field into out. */
static bool take_field(struct cursor *c, size_t max, char *out)
{
	size_t n = 0;

	while (c->p < c->end && *c->p != ' ') {
		unsigned char b = (unsigned char)*c->p++;

		if (b < 33 || b > 126 || n == max)
			return false;
		out[n++] = (char)b;
	}
	out[n] = '\0';
	return n > 0 && take(c, " ");
}

/* TIMESTAMP: "-" or YYYY-MM-DDThh:mm:ss.uuuuuuZ. */
static bool take_timestamp(struct cursor *c)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

	if (take(c, "- "))
		return true;
	if ((size_t)(c->end - c->p) < sizeof(shape))
		return false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !is_digit(c->p[i]) : c->p[i] != shape[i])
			return false;
	c->p += sizeof(shape) - 1;
	return take(c, " ");
}

/*
 * ` NAME="VALUE"`, VALUE as RFC 5424 section 6.3.3 has it: '"', '\' and ']'
 * only after a backslash. VALUE, as written, must be the escaped value or a
 * cut of it at most SYSLOG5424_SD_VALUE_MAX long.
 */
static bool take_param(struct cursor *c, const char *name, const char *value)
{
	static char expected[SYSLOG5424_SD_VALUE_MAX + 1];
	const char *start;
	size_t n, full;

	if (!take(c, " ") || !take(c, name) || !take(c, "=\""))
		return false;
	start = c->p;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == ']')
			return false;
		if (*c->p == '\\' && c->end - c->p >= 2 && strchr("\"\\]", c->p[1]))
			c->p++;
		c->p++;
	}
	n = (size_t)(c->p - start);
	if (!take(c, "\"") || n > SYSLOG5424_SD_VALUE_MAX)
		return false;
	/* An escape is at most 4 bytes: a cut value stops less than that short of the limit. */
	full = text_escape(value, strlen(value), TEXT_ESCAPE_SD_PARAM, expected, sizeof(expected));
	return n <= full && memcmp(start, expected, n) == 0 &&
	       (n == full || (full > SYSLOG5424_SD_VALUE_MAX && n > SYSLOG5424_SD_VALUE_MAX - 4));
}

/* Valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without control bytes. */
static bool clean_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char b = s[i];
		size_t n;
		uint32_t cp;

		if (b < 0x20 || b == 0x7f)
			return false;
		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			n = 2;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 3;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 4;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += n;
	}
	return true;
}

/* One message of len bytes, at most max. */
static void check_message(const char *msg, size_t len, size_t max, const struct syslog5424_origin *origin,
			  const struct alert_record *rec)
{
	static char expected[SYSLOG5424_FRAME_MAX];
	struct cursor c = { msg, msg + len };
	char field[SYSLOG5424_HOSTNAME_MAX + 1];
	unsigned int pri = 0;
	size_t digits = 0, text_len, full;

	CHECK(strlen(msg) == len && len <= max);
	CHECK(clean_utf8((const unsigned char *)msg, len));
	CHECK(take(&c, "<"));
	while (c.p < c.end && is_digit(*c.p) && digits < 3)
		pri = pri * 10 + (unsigned int)(*c.p++ - '0'), digits++;
	CHECK(digits > 0 && (digits == 1 || msg[1] != '0'));
	CHECK(pri == (unsigned int)(origin->facility | (int)rec->priority));
	CHECK(take(&c, ">1 "));
	CHECK(take_timestamp(&c));
	CHECK(take_field(&c, SYSLOG5424_HOSTNAME_MAX, field) && strcmp(field, origin->hostname) == 0);
	CHECK(take_field(&c, SYSLOG5424_APP_NAME_MAX, field) && strcmp(field, origin->app_name) == 0);
	CHECK(take_field(&c, 128, field) && strcmp(field, origin->procid) == 0);
	CHECK(take_field(&c, 32, field) && strcmp(field, rec->internal ? "internal" : "alert") == 0);
	CHECK(take(&c, "[" SYSLOG5424_SD_ID));
	CHECK(take_param(&c, "rule", rec->rule));
	CHECK(take_param(&c, "priority", rule_priority_name(rec->priority)));
	CHECK(take_param(&c, "container_id", rec->container_id));
	CHECK(take_param(&c, "container_name", rec->container_name));
	CHECK(take_param(&c, "image", rec->container_image));
	CHECK(take(&c, "] "));

	/* MSG: the escaped text, or a cut of it when the message is full. */
	text_len = (size_t)(c.end - c.p);
	full = text_escape(rec->output, strlen(rec->output), 0, expected, sizeof(expected));
	CHECK(text_len <= full && memcmp(c.p, expected, text_len) == 0);
	CHECK(text_len == full || len > max - 4);
}

/* The next NUL-ended string of the input, or "" past its end. */
static char *next_string(const uint8_t **data, const uint8_t *end)
{
	const uint8_t *nul = memchr(*data, 0, (size_t)(end - *data));
	size_t n = nul ? (size_t)(nul - *data) : (size_t)(end - *data);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *data, n);
	s[n] = '\0';
	*data += nul ? n + 1 : n;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char frame[SYSLOG5424_FRAME_MAX];
	static const int facilities[] = { LOG_KERN, LOG_USER, LOG_DAEMON, LOG_AUTH, LOG_AUTHPRIV,
					  LOG_LOCAL0, LOG_LOCAL3, LOG_LOCAL7 };
	const uint8_t *end = data + size;
	struct syslog5424_origin origin;
	struct alert_record rec = { 0 };
	char *strings[7];
	uint8_t choices;
	bool tcp;
	size_t len;

	if (size < 9)
		return 0;
	choices = data[0];
	memcpy(&rec.time_ns, data + 1, sizeof(rec.time_ns));
	data += 9;
	for (size_t i = 0; i < 7; i++)
		strings[i] = next_string(&data, end);
	tcp = choices & 1;
	rec.internal = choices & 2;
	rec.priority = (enum rule_priority)((choices >> 2) & 7);
	rec.rule = strings[0];
	rec.container_id = strings[1];
	rec.container_name = strings[2];
	rec.container_image = strings[3];
	rec.output = strings[4];
	syslog5424_origin_init(&origin, facilities[choices >> 5], strings[5], strings[6], 4242);

	len = syslog5424_frame(&origin, &rec, tcp, frame);
	CHECK(len < sizeof(frame) && frame[len] == '\0');
	if (tcp) {
		/* "LEN SP MSG": LEN without leading zeros, and exactly the bytes after the space. */
		size_t n = 0, i = 0;

		while (i < len && is_digit(frame[i]))
			n = n * 10 + (size_t)(frame[i++] - '0');
		CHECK(i > 0 && i < 6 && frame[0] != '0' && frame[i] == ' ');
		CHECK(n == len - i - 1);
		check_message(frame + i + 1, n, SYSLOG5424_TCP_MAX, &origin, &rec);
	} else {
		check_message(frame, len, SYSLOG5424_UDP_MAX, &origin, &rec);
	}
	for (size_t i = 0; i < 7; i++)
		free(strings[i]);
	return 0;
}
