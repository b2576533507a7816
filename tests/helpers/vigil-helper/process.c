/* SPDX-License-Identifier: GPL-2.0 */
/* vigil-helper: the process subcommands (echo, exit, spawn). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/*
 * Prints its arguments separated by one space, then a newline, like echo(1) without options.
 * Tests exec it with arguments they later look for in the agent's exec events, so it must not
 * interpret any of them ("-n", "-e" are printed as they are).
 */
static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (i > 1)
			putchar(' ');
		fputs(argv[i], stdout);
	}
	putchar('\n');
	/* A full disk or closed stdout is a failure the test should see, not a silent exit 0. */
	if (fflush(stdout) != 0) {
		perror("vigil-helper echo: write");
		return 1;
	}
	return 0;
}

/* Exits with status N, so that tests can check the exit code the agent reports. */
static int cmd_exit(int argc, char **argv)
{
	char *end;
	long code;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper exit: expected one argument, the exit status\n");
		return 2;
	}
	errno = 0;
	code = strtol(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || code < 0 || code > 255) {
		fprintf(stderr, "vigil-helper exit: '%s' is not an exit status (0-255)\n", argv[1]);
		return 2;
	}
	return (int)code;
}

/*
 * Forks and execs `vigil-helper exit 0` N times, one after the other, as fast as it can: the
 * load that fills the agent's ring buffer in the drop-counting test. Fails on the first child
 * that could not be started or did not exit 0.
 */
static int cmd_spawn(int argc, char **argv)
{
	char *end;
	long count;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper spawn: expected one argument, how many processes\n");
		return 2;
	}
	errno = 0;
	count = strtol(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || count < 0 || count > 10000000) {
		fprintf(stderr, "vigil-helper spawn: '%s' is not a count (0-10000000)\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < count; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("vigil-helper spawn: fork");
			return 1;
		}
		if (pid == 0) {
			execl("/proc/self/exe", "vigil-helper", "exit", "0", (char *)NULL);
			perror("vigil-helper spawn: exec");
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "vigil-helper spawn: child %ld did not exit 0\n", i);
			return 1;
		}
	}
	return 0;
}

HELPER_SUBCOMMAND(echo, "[ARG...]", "print the arguments on one line", cmd_echo);
HELPER_SUBCOMMAND(exit, "N", "exit with status N (0-255)", cmd_exit);
HELPER_SUBCOMMAND(spawn, "N", "fork and exec `vigil-helper exit 0` N times", cmd_spawn);
