// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one escaping routine: whatever bytes a container puts in a name or an
 * argument, the escaped text has no control byte, is valid UTF-8 without the
 * code points that fool a reader, has no unescaped '"' or ']' in SD-PARAM
 * mode, says its whole length, unescapes to exactly the input, and when cut
 * is a prefix of the whole that ends between two escapes. Any violation
 * aborts.
 *
 * Input: one byte of options (bit 0: SD-PARAM mode; the rest pick the size
 * of the buffer for the cut), then the text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Checks the escaped text (len bytes) byte by byte and unescapes it into
 * out (at least len bytes); returns the unescaped length. Aborts on a byte
 * or an escape the rules do not allow.
 */
static size_t check_and_unescape(const char *text, size_t len, bool sd_param, unsigned char *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			abort();
		if (sd_param && (c == '"' || c == ']'))
			abort(); /* not after a backslash: escapes are consumed whole below */
		if (c == '\\') {
			if (i + 1 >= len)
				abort();
			char e = text[i + 1];
			if (e == 'x') {
				if (i + 3 >= len || hex_value(text[i + 2]) < 0 || hex_value(text[i + 3]) < 0)
					abort();
				out[n++] = (unsigned char)(hex_value(text[i + 2]) << 4 | hex_value(text[i + 3]));
				i += 4;
				continue;
			}
			if (e == 'n')
				out[n++] = '\n';
			else if (e == 'r')
				out[n++] = '\r';
			else if (e == 't')
				out[n++] = '\t';
			else if (e == '\\' || (sd_param && (e == '"' || e == ']')))
				out[n++] = (unsigned char)e;
			else
				abort();
			i += 2;
			continue;
		}
		if (c < 0x80) {
			out[n++] = c;
			i++;
			continue;
		}
		/* Strict UTF-8, none of the code points that are escaped. */
		size_t seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		uint32_t cp = c & (seq == 2 ? 0x1f : seq == 3 ? 0x0f : 0x07);
		if (c < 0xc2 || c > 0xf4 || i + seq > len)
			abort();
		for (size_t k = 1; k < seq; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				abort();
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((seq == 3 && cp < 0x800) || (seq == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			abort();
		if (cp <= 0x9f || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
		memcpy(out + n, s + i, seq);
		n += seq;
		i += seq;
	}
	return n;
}

/* The length of the escape or character that starts text (checked already). */
static size_t unit_length(const char *text)
{
	unsigned char c = (unsigned char)text[0];

	if (c == '\\')
		return text[1] == 'x' ? 4 : 2;
	if (c < 0x80)
		return 1;
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned int options = data[0];
	bool sd_param = options & 1;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	/* The worst case: four bytes out for each byte in. */
	size_t full_size = 4 * len + 1;
	char *full = malloc(full_size);
	char *cut = NULL;
	unsigned char *back = malloc(4 * len + 1);
	size_t need, cut_size, n;

	if (!full || !back)
		goto out;
	need = text_escape(in, len, sd_param ? TEXT_ESCAPE_SD_PARAM : 0, full, full_size);
	if (need >= full_size || strlen(full) != need)
		abort();
	n = check_and_unescape(full, need, sd_param, back);
	if (n != len || memcmp(back, in, len))
		abort();

	/* Cut: a prefix of the whole, ending between two escapes (so it checks and unescapes too). */
	cut_size = need ? (options >> 1) % (need + 1) : 0;
	cut = malloc(cut_size ? cut_size : 1);
	if (!cut)
		goto out;
	memset(cut, 'Z', cut_size ? cut_size : 1);
	if (text_escape(in, len, sd_param ? TEXT_ESCAPE_SD_PARAM : 0, cut, cut_size) != need)
		abort();
	if (cut_size > 0) {
		size_t cut_len = strlen(cut);

		if (cut_len >= cut_size || memcmp(cut, full, cut_len))
			abort();
		n = check_and_unescape(cut, cut_len, sd_param, back);
		if (n > len || memcmp(back, in, n))
			abort();
		if (cut_len < need && cut_len + unit_length(full + cut_len) <= cut_size - 1)
			abort(); /* cut before an escape that fits */
	}
out:
	free(cut);
	free(back);
	free(full);
	return 0;
}
