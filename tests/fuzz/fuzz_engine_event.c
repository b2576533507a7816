// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Arbitrary bytes as a line of the Engine API's /events stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_event ev;
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (engine_parse_event(copy, size, &ev) == 0) {
		/* A taken event has a NUL-terminated action and a 64-hex id. */
		if (strlen(ev.id) != CONTAINER_ID_MAX || strspn(ev.id, "0123456789abcdef") != CONTAINER_ID_MAX ||
		    strnlen(ev.action, sizeof(ev.action)) == sizeof(ev.action))
			abort();
	}
	free(copy);
	return 0;
}
