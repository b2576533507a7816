/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one escaping routine for text that leaves vigil outside JSON (JSON is
 * jansson's, with json_untrusted_cstring for bytes that are not UTF-8):
 * stdout's text lines, syslog(3) messages, RFC 5424 messages and structured
 * data values. Strings from containers (comm, argv, paths, names, labels)
 * may hold anything; after escaping, no byte sequence can end a line, start
 * a second record or syslog header, or drive a terminal:
 *
 *	- printable ASCII and valid UTF-8 (no C1 controls, no U+2028/2029, no
 *	  bidi overrides) stay as they are;
 *	- \n \r \t become "\n" "\r" "\t"; a backslash becomes "\\";
 *	- every other control byte (NUL, ESC, DEL, C1) and every byte of invalid
 *	  UTF-8 becomes "\xNN";
 *	- with TEXT_ESCAPE_SD_PARAM also '"' and ']' get a backslash, as RFC 5424
 *	  section 6.3.3 asks of PARAM-VALUE.
 */
#ifndef VIGIL_TEXT_ESCAPE_H
#define VIGIL_TEXT_ESCAPE_H

#include <stddef.h>

#define TEXT_ESCAPE_SD_PARAM 1u

/*
 * Escape len bytes of s into buf (always NUL-terminated when size > 0; cut at
 * a whole escape, never inside one). Returns the length the whole escaped
 * text needs, like snprintf: more than size - 1 means it was cut.
 */
size_t text_escape(const char *s, size_t len, unsigned int flags, char *buf, size_t size);

#endif /* VIGIL_TEXT_ESCAPE_H */
