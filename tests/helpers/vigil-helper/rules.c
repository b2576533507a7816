/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the near misses of the default rules' tests (tests/integration/test_rules_*.sh),
 * moves that look like an attack's and must not raise its alert.
 */
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/*
 * A child asks to be traced by its parent (PTRACE_TRACEME) and exits: a ptrace call that
 * attaches to nothing and writes nothing. Prints the child's result, then exits 0.
 */
static int cmd_ptrace_traceme(int argc, char **argv)
{
	int fds[2], status, err;
	long ret;
	pid_t child;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "vigil-helper ptrace_traceme: no arguments expected\n");
		return 2;
	}
	if (pipe(fds)) {
		perror("vigil-helper: pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("vigil-helper: fork");
		return 1;
	}
	if (child == 0) {
		ret = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		err = errno;
		/* The result and errno go to the parent, which prints them: one writer of stdout. */
		if (write(fds[1], &ret, sizeof(ret)) != sizeof(ret) || write(fds[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &ret, sizeof(ret)) == sizeof(ret) && read(fds[0], &err, sizeof(err)) == sizeof(err)) {
		errno = err;
		report_result(ret);
	} else {
		fprintf(stderr, "vigil-helper ptrace_traceme: the child did not report its result\n");
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

HELPER_SUBCOMMAND(ptrace_traceme, "", "a child calls ptrace(PTRACE_TRACEME) and exits", cmd_ptrace_traceme);
