// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "text_escape.h"

/* What becomes of an ASCII byte. */
enum ascii_class {
	ASCII_PLAIN = 0,  /* itself */
	ASCII_NAMED,      /* a backslash and a letter (or itself) */
	ASCII_HEX,        /* \xNN */
	ASCII_SD,         /* '"' and ']': a backslash first in SD-PARAM mode, else itself */
};

static const unsigned char ascii_class[128] = {
	[0x00 ... 0x08] = ASCII_HEX,
	['\t'] = ASCII_NAMED,
	['\n'] = ASCII_NAMED,
	[0x0b ... 0x0c] = ASCII_HEX,
	['\r'] = ASCII_NAMED,
	[0x0e ... 0x1f] = ASCII_HEX,
	['\\'] = ASCII_NAMED,
	['"'] = ASCII_SD,
	[']'] = ASCII_SD,
	[0x7f] = ASCII_HEX,
};

/* The output, written while it fits; len counts the whole of it. */
struct escape_out {
	char *buf;
	size_t size;
	size_t len;       /* the whole escaped text's */
	size_t written;   /* what is in buf: len until the first piece that did not fit */
	bool cut;         /* a piece did not fit: nothing after it is written either */
};

static void put(struct escape_out *out, const void *piece, size_t n)
{
	if (!out->cut) {
		if (out->size > 0 && n <= out->size - 1 - out->written) {
			memcpy(out->buf + out->written, piece, n);
			out->written += n;
		} else {
			out->cut = true;
		}
	}
	out->len += n;
}

/* A run of bytes that each stand alone (plain ASCII): cut anywhere. */
static void put_run(struct escape_out *out, const unsigned char *run, size_t n)
{
	if (!out->cut && out->size > 0) {
		size_t room = out->size - 1 - out->written;
		size_t fits = n < room ? n : room;

		memcpy(out->buf + out->written, run, fits);
		out->written += fits;
		if (n > room)
			out->cut = true;
	}
	out->len += n;
}

static void put_hex(struct escape_out *out, unsigned char byte)
{
	static const char digits[] = "0123456789abcdef";
	char piece[4] = { '\\', 'x', digits[byte >> 4], digits[byte & 0xf] };

	put(out, piece, sizeof(piece));
}

static void put_named(struct escape_out *out, unsigned char byte)
{
	char piece[2] = { '\\', (char)byte };

	if (byte == '\n')
		piece[1] = 'n';
	else if (byte == '\r')
		piece[1] = 'r';
	else if (byte == '\t')
		piece[1] = 't';
	put(out, piece, sizeof(piece));
}

/*
 * The code points that are valid UTF-8 and still escaped: C1 controls (a
 * terminal takes U+009B as CSI), the line and paragraph separators (a line
 * break to some readers) and the bidi overrides and isolates (text that
 * reads other than it is).
 */
static bool code_point_escaped(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: shortest
 * form, no surrogates, nothing above U+10FFFF), with its code point; 0 when
 * the lead byte does not start one.
 */
static size_t utf8_sequence(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char lead = s[0];
	unsigned char low = 0x80, high = 0xbf; /* the second byte's range */
	size_t n;

	if (lead >= 0xc2 && lead <= 0xdf) {
		n = 2;
		*cp = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		n = 3;
		*cp = lead & 0x0f;
		if (lead == 0xe0)
			low = 0xa0;     /* overlong */
		else if (lead == 0xed)
			high = 0x9f;    /* surrogates */
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		n = 4;
		*cp = lead & 0x07;
		if (lead == 0xf0)
			low = 0x90;     /* overlong */
		else if (lead == 0xf4)
			high = 0x8f;    /* above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n || s[1] < low || s[1] > high)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return n;
}

size_t text_escape(const char *s, size_t len, unsigned int flags, char *buf, size_t size)
{
	const unsigned char *in = (const unsigned char *)s;
	struct escape_out out = { .buf = buf, .size = size };
	bool sd_param = flags & TEXT_ESCAPE_SD_PARAM;
	size_t i = 0;

	while (i < len) {
		size_t run = i;

		while (run < len && in[run] < 0x80 && ascii_class[in[run]] == ASCII_PLAIN)
			run++;
		if (run > i) {
			put_run(&out, in + i, run - i);
			i = run;
			continue;
		}
		unsigned char byte = in[i];
		if (byte < 0x80) {
			switch (ascii_class[byte]) {
			case ASCII_NAMED:
				put_named(&out, byte);
				break;
			case ASCII_SD:
				if (sd_param)
					put_named(&out, byte);
				else
					put(&out, &byte, 1);
				break;
			default:
				put_hex(&out, byte);
				break;
			}
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_sequence(in + i, len - i, &cp);
		if (n == 0) {
			put_hex(&out, byte); /* one byte: what follows it is looked at afresh */
			i++;
		} else if (code_point_escaped(cp)) {
			for (size_t k = 0; k < n; k++)
				put_hex(&out, in[i + k]);
			i += n;
		} else {
			put(&out, in + i, n);
			i += n;
		}
	}
	if (size > 0)
		buf[out.written] = '\0';
	return out.len;
}
