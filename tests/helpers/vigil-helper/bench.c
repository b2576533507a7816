/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the benchmark workloads (make bench). Each runs a tight loop
 * N times and prints the mean nanoseconds per iteration on stdout, measured
 * with CLOCK_MONOTONIC around the whole loop.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* open(PATH, O_RDONLY) + close, N times. */
static int cmd_loop_open(int argc, char **argv)
{
	long n;
	long long start;

	if (argc != 3 || parse_long("count", argv[1], 1, 1000000000, &n)) {
		fprintf(stderr, "usage: vigil-helper loop-open N PATH\n");
		return 2;
	}
	start = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			perror("vigil-helper loop-open");
			return 1;
		}
		close(fd);
	}
	printf("%.1f\n", (double)(now_ns() - start) / n);
	return 0;
}

/* fork + exec of `vigil-helper exit 0` + wait, N times. */
static int cmd_loop_fork_exec(int argc, char **argv)
{
	long n;
	long long start;

	if (argc != 2 || parse_long("count", argv[1], 1, 100000000, &n)) {
		fprintf(stderr, "usage: vigil-helper loop-fork-exec N\n");
		return 2;
	}
	start = now_ns();
	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("vigil-helper loop-fork-exec: fork");
			return 1;
		}
		if (pid == 0) {
			execl("/proc/self/exe", "vigil-helper", "exit", "0", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "vigil-helper loop-fork-exec: child %ld failed\n", i);
			return 1;
		}
	}
	printf("%.1f\n", (double)(now_ns() - start) / n);
	return 0;
}

HELPER_SUBCOMMAND(loop_open, "N PATH", "bench: open+close PATH N times; ns per iteration", cmd_loop_open);
HELPER_SUBCOMMAND(loop_fork_exec, "N", "bench: fork+exec+wait N times; ns per iteration", cmd_loop_fork_exec);
