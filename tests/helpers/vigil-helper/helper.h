/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper's subcommands register themselves, one file per family of
 * moves (process.c, creds.c, mount.c, ...), so that adding one touches only
 * its own file:
 *
 *	static int cmd_setuid(int argc, char **argv) { ... }
 *	HELPER_SUBCOMMAND(setuid, "UID", "setuid(UID); prints the result", cmd_setuid);
 *
 * A subcommand that makes a system call prints what it returned on stdout as
 * `ok` or `error ENAME` (see report_result), so a test can tell the call was
 * made and how it ended, and exits 0 either way; exit status 2 is a usage
 * error.
 */
#ifndef VIGIL_HELPER_H
#define VIGIL_HELPER_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct subcommand {
	const char *name;
	const char *args;	/* shown by usage() */
	const char *help;	/* shown by usage() */
	/* argv[0] is the subcommand's own name, as for a main(). */
	int (*run)(int argc, char **argv);
};

/* Registers a subcommand: a struct in the "vigil_helper_cmds" section, collected by main.c. */
#define HELPER_SUBCOMMAND(id, args_text, help_text, fn)                                          \
	static const struct subcommand subcommand_##id                                           \
		__attribute__((used, section("vigil_helper_cmds"), aligned(sizeof(void *)))) = { \
			#id, args_text, help_text, fn                                             \
		}

/* Print "ok" or "error ENAME" for a call's return value (with errno set when it is -1). */
static inline int report_result(long ret)
{
	if (ret < 0)
		printf("error %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		printf("ok %ld\n", ret);
	fflush(stdout);
	return 0;
}

/* One step of a multi-call subcommand: "STEP ok N" or "STEP error ENAME". */
static inline int report_step(const char *step, long ret)
{
	printf("%s ", step);
	return report_result(ret);
}

/* Parse a number argument or say why not; returns 0 on success. */
int parse_long(const char *what, const char *text, long min, long max, long *out);

#endif /* VIGIL_HELPER_H */
