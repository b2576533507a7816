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
 * Each subcommand is one row of the table below; add new ones there.
 *
 * It is built with -static (the image has no libc), so it uses nothing beyond libc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct subcommand {
	const char *name;
	const char *args;	/* shown by usage() */
	const char *help;	/* shown by usage() */
	/* argv[0] is the subcommand's own name, as for a main(). */
	int (*run)(int argc, char **argv);
};

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

static const struct subcommand subcommands[] = {
	{ "echo", "[ARG...]", "print the arguments on one line", cmd_echo },
	{ "exit", "N", "exit with status N (0-255)", cmd_exit },
	{ "spawn", "N", "fork and exec `vigil-helper exit 0` N times", cmd_spawn },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil-helper SUBCOMMAND [ARGS...]\n\nsubcommands:\n");
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(out, "  %-6s %-10s %s\n", subcommands[i].name, subcommands[i].args,
			subcommands[i].help);
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
	for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "vigil-helper: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
