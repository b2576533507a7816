/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: one static binary that the integration tests put into their container image.
 *
 * Why it exists: the image's shell is busybox, and busybox runs its own applets (echo, cat,
 * id, ...) inside the shell process, without exec. A test that wants the agent to see an exec
 * with known argv needs a real ELF file to exec; a test that wants a container to do something
 * suspicious (setuid, mount, ptrace, ...) needs a program that makes exactly that system call
 * and reports the result. One multi-call binary keeps the image to busybox plus this file.
 *
 * Usage: vigil-helper SUBCOMMAND [ARGS...]
 * Subcommands live in one file per family and register themselves (helper.h).
 *
 * It is built with -static (the image has no libc), so it uses nothing beyond libc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

/* The registered subcommands, between the linker's section bounds. */
extern const struct subcommand __start_vigil_helper_cmds[];
extern const struct subcommand __stop_vigil_helper_cmds[];

int parse_long(const char *what, const char *text, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 0);
	if (errno != 0 || end == text || *end != '\0' || *out < min || *out > max) {
		fprintf(stderr, "vigil-helper: %s '%s' is not a number from %ld to %ld\n", what, text, min, max);
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil-helper SUBCOMMAND [ARGS...]\n\nsubcommands:\n");
	for (const struct subcommand *c = __start_vigil_helper_cmds; c < __stop_vigil_helper_cmds; c++)
		fprintf(out, "  %-18s %-24s %s\n", c->name, c->args, c->help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	for (const struct subcommand *c = __start_vigil_helper_cmds; c < __stop_vigil_helper_cmds; c++) {
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "vigil-helper: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
