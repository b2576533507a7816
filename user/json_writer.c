// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_writer.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > avail)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *json_untrusted_string(const char *bytes, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *s = (const unsigned char *)bytes;
	size_t i = 0, out_len = 0;
	char *clean;
	json_t *str;

	/* Fast path: most strings are valid already. */
	while (i < len) {
		size_t n = utf8_sequence_length(s + i, len - i);

		if (!n)
			break;
		i += n;
	}
	if (i == len)
		return json_stringn_nocheck(bytes, len);

	/* Each bad byte becomes three: at most 3x the input. */
	clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	for (i = 0; i < len;) {
		size_t n = utf8_sequence_length(s + i, len - i);

		if (n) {
			memcpy(clean + out_len, s + i, n);
			out_len += n;
			i += n;
		} else {
			memcpy(clean + out_len, replacement, 3);
			out_len += 3;
			i++;
		}
	}
	str = json_stringn_nocheck(clean, out_len);
	free(clean);
	return str;
}

json_t *json_untrusted_cstring(const char *s, size_t max)
{
	return json_untrusted_string(s, strnlen(s, max));
}

void json_format_time(int64_t unix_ns, char *buf, size_t size)
{
	time_t secs = (time_t)(unix_ns / 1000000000);
	long nsec = (long)(unix_ns % 1000000000);
	struct tm tm;
	char date[32];

	if (nsec < 0) {
		nsec += 1000000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", date, nsec);
}
