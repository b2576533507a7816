// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The config file reader, given any bytes as a config file: the load must end
 * in a clean answer (no problem, or every problem a message at a position in
 * the file), and a file that loads must print settings that, read back as a
 * config file, load with no problem and print the same. A crash, a sanitizer
 * report or an abort() is a bug.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void check_messages(const struct config_messages *m, int err, size_t max_line)
{
	if (err != 0 && err != -EINVAL)
		abort();
	if ((err == 0) != (m->n == 0) || m->n > CONFIG_MESSAGES_MAX + 1)
		abort();
	for (size_t i = 0; i < m->n; i++) {
		const struct config_message *msg = &m->items[i];

		if (strncmp(msg->text, "fuzz.yaml:", 10) != 0 || !msg->message[0] ||
		    strcmp(msg->text + strlen(msg->text) - strlen(msg->message), msg->message) != 0)
			abort();
		if (msg->line > max_line || (msg->line && !msg->column))
			abort();
	}
}

static char *print_settings(const struct run_settings *s, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	config_print_settings(s, f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly `size` bytes, so ASan catches a read past the end. */
	char *text = malloc(size ? size : 1), *printed = NULL, *printed_again = NULL;
	struct config_messages m = { 0 }, m_again = { 0 };
	struct run_settings s, again;
	size_t len, len_again;
	int err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	run_settings_init(&s);
	run_settings_init(&again);
	err = config_load_buffer(&s, "fuzz.yaml", text, size, &m);
	if (err == -ENOMEM)
		goto out;
	/* libyaml breaks lines at \n, \r, and at U+0085, U+2028 and U+2029 too: one byte each at most. */
	check_messages(&m, err, size + 1);
	if (err)
		goto out;

	printed = print_settings(&s, &len);
	if (!printed)
		goto out;
	err = config_load_buffer(&again, "fuzz.yaml", printed, len, &m_again);
	if (err == -ENOMEM)
		goto out;
	if (err) {
		fprintf(stderr, "printed settings do not load:\n%s\n%s\n", printed, m_again.items[0].text);
		abort();
	}
	printed_again = print_settings(&again, &len_again);
	if (printed_again && strcmp(printed, printed_again) != 0) {
		fprintf(stderr, "printed settings read back differ:\n%s\n---\n%s\n", printed, printed_again);
		abort();
	}
out:
	free(printed);
	free(printed_again);
	config_messages_free(&m);
	config_messages_free(&m_again);
	run_settings_free(&s);
	run_settings_free(&again);
	free(text);
	return 0;
}
