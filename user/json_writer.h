/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one place where bytes that came from a container become JSON. Every
 * record vigil writes is built with jansson from strings made here, so that
 * nothing a process controls (its name, argv, paths) can break a record or
 * forge another: control characters leave as \uXXXX escapes (jansson),
 * and bytes that are not UTF-8 become U+FFFD (here).
 */
#ifndef VIGIL_JSON_WRITER_H
#define VIGIL_JSON_WRITER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON string from untrusted bytes (NULs kept, invalid UTF-8 replaced). */
json_t *json_untrusted_string(const char *bytes, size_t len);

/* Same, for a NUL-terminated string at most max bytes long. */
json_t *json_untrusted_cstring(const char *s, size_t max);

/* RFC 3339 UTC time with nanoseconds, e.g. "2026-11-24T09:52:28.240975324Z". */
void json_format_time(int64_t unix_ns, char *buf, size_t size);

#endif /* VIGIL_JSON_WRITER_H */
