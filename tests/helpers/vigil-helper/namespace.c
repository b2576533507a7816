/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the namespace subcommands (setns, setns_pidfd, clone, clone3).
 * unshare needs no subcommand: busybox's `unshare -U` makes exactly the call.
 * Flags are numbers in any base strtol reads ("0x10020000" is
 * CLONE_NEWUSER|CLONE_NEWNS).
 */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/* setns(open(PATH), NSTYPE): prints the fd it opened, then setns's result. */
static int cmd_setns(int argc, char **argv)
{
	long nstype;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper setns: expected PATH NSTYPE (0 = whatever PATH is)\n");
		return 2;
	}
	if (parse_long("nstype", argv[2], 0, INT_MAX, &nstype))
		return 2;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	report_step("open", fd);
	if (fd >= 0)
		report_step("setns", setns(fd, (int)nstype));
	return 0;
}

/* setns on a pidfd of the helper itself: joins, for NSTYPE, the namespaces it is already in. */
static int cmd_setns_pidfd(int argc, char **argv)
{
	long nstype;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper setns_pidfd: expected NSTYPE\n");
		return 2;
	}
	if (parse_long("nstype", argv[1], 1, INT_MAX, &nstype))
		return 2;
	fd = pidfd_open(getpid(), 0);
	report_step("pidfd_open", fd);
	if (fd >= 0)
		report_step("setns", setns(fd, (int)nstype));
	return 0;
}

/*
 * The child of clone/clone3 exits at once; the parent reaps it and prints the
 * child's pid (the call's result), or the error.
 */
static int reap_child(long pid)
{
	if (pid > 0 && waitpid((pid_t)pid, NULL, 0) < 0) {
		perror("vigil-helper: waitpid");
		return 1;
	}
	return report_result(pid);
}

/* The raw clone(FLAGS | SIGCHLD, no new stack): the child runs on a copy of this stack, as after fork. */
static int cmd_clone(int argc, char **argv)
{
	long flags, pid;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper clone: expected FLAGS (without the exit signal)\n");
		return 2;
	}
	if (parse_long("clone flags", argv[1], 0, UINT_MAX, &flags))
		return 2;
	pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0UL);
	if (pid == 0)
		_exit(0);
	return reap_child(pid);
}

/* struct clone_args as Linux 5.3 defined it (CLONE_ARGS_SIZE_VER0), from <linux/sched.h>. */
struct clone_args_v0 {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
};

static int cmd_clone3(int argc, char **argv)
{
	struct clone_args_v0 args;
	long flags, pid;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper clone3: expected FLAGS\n");
		return 2;
	}
	if (parse_long("clone3 flags", argv[1], 0, LONG_MAX, &flags))
		return 2;
	memset(&args, 0, sizeof(args));
	args.flags = (uint64_t)flags;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	return reap_child(pid);
}

HELPER_SUBCOMMAND(setns, "PATH NSTYPE", "setns into the namespace file PATH", cmd_setns);
HELPER_SUBCOMMAND(setns_pidfd, "NSTYPE", "setns on a pidfd of itself", cmd_setns_pidfd);
HELPER_SUBCOMMAND(clone, "FLAGS", "clone(FLAGS|SIGCHLD); the child exits at once", cmd_clone);
HELPER_SUBCOMMAND(clone3, "FLAGS", "clone3 with FLAGS; the child exits at once", cmd_clone3);
