/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the escape and tampering subcommands. Each makes one system
 * call with arguments the test chose (so it can assert them in the agent's
 * event) and prints how it ended (report_result). Inside a container most of
 * them are refused (by Docker's seccomp profile or for want of a
 * capability); the refused attempt is the event the test looks for.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/*
 * A child that waits, blocked on a pipe, to be the target of a move on
 * another process. Its pid (as this pid namespace numbers it) is printed as
 * "pid N" first, so the test knows what the event must name.
 */
static pid_t start_target_child(void)
{
	int fds[2];
	pid_t pid;
	char byte;

	if (pipe(fds)) {
		perror("vigil-helper: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("vigil-helper: fork");
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		/* Until the parent kills it; the pipe's write end is never written. */
		while (read(fds[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	printf("pid %d\n", (int)pid);
	fflush(stdout);
	return pid;
}

static void stop_target_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	/* A tracer is told of the tracee's stops too: wait for its end. */
	while (waitpid(pid, &status, 0) == pid && !WIFEXITED(status) && !WIFSIGNALED(status))
		;
}

/* ptrace(PTRACE_ATTACH) to a child of its own: the first step of injecting code into a process. */
static int cmd_ptrace_attach(int argc, char **argv)
{
	pid_t child;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "vigil-helper ptrace_attach: no arguments expected\n");
		return 2;
	}
	child = start_target_child();
	if (child < 0)
		return 1;
	report_result(ptrace(PTRACE_ATTACH, child, NULL, NULL));
	/* Killing a tracee needs no further ptrace call, so the attach is the helper's only one. */
	stop_target_child(child);
	return 0;
}

/* A word that exists at the same address in the child, which fork copied. */
static char poke_target[16] = "before";

/* process_vm_writev() into a child of its own: writing another process's memory without ptrace. */
static int cmd_process_vm_writev(int argc, char **argv)
{
	static char message[] = "written";
	struct iovec local = { message, sizeof(message) };
	struct iovec remote = { poke_target, sizeof(message) };
	pid_t child;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "vigil-helper process_vm_writev: no arguments expected\n");
		return 2;
	}
	child = start_target_child();
	if (child < 0)
		return 1;
	report_result(process_vm_writev(child, &local, 1, &remote, 1, 0));
	stop_target_child(child);
	return 0;
}

static int cmd_memfd_create(int argc, char **argv)
{
	long flags;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper memfd_create: expected NAME FLAGS\n");
		return 2;
	}
	if (parse_long("flags", argv[2], 0, UINT32_MAX, &flags))
		return 2;
	report_result(syscall(SYS_memfd_create, argv[1], (unsigned int)flags));
	return 0;
}

/* The part of union bpf_attr that BPF_MAP_CREATE needs, up to map_flags: 20 bytes. */
#define MAP_CREATE_ATTR_SIZE (offsetof(union bpf_attr, map_flags) + sizeof(((union bpf_attr *)0)->map_flags))

/* bpf(BPF_MAP_CREATE) of a one-element array map (BPF_MAP_TYPE_ARRAY, 2), attr MAP_CREATE_ATTR_SIZE long. */
static int cmd_bpf_map_create(int argc, char **argv)
{
	union bpf_attr attr;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "vigil-helper bpf_map_create: no arguments expected\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = sizeof(uint32_t);
	attr.value_size = sizeof(uint64_t);
	attr.max_entries = 1;
	report_result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, MAP_CREATE_ATTR_SIZE));
	return 0;
}

/* perf_event_open(attr of TYPE and CONFIG, this process, any cpu, no group, PERF_FLAG_FD_CLOEXEC), disabled. */
static int cmd_perf_event_open(int argc, char **argv)
{
	struct perf_event_attr attr;
	long type, config;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper perf_event_open: expected TYPE CONFIG\n");
		return 2;
	}
	if (parse_long("type", argv[1], 0, UINT32_MAX, &type) || parse_long("config", argv[2], 0, LONG_MAX, &config))
		return 2;
	memset(&attr, 0, sizeof(attr));
	attr.type = (uint32_t)type;
	attr.size = sizeof(attr);
	attr.config = (uint64_t)config;
	attr.disabled = 1;
	report_result(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
	return 0;
}

/* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0): look up, never create, the session keyring. */
static int cmd_keyctl(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "vigil-helper keyctl: no arguments expected\n");
		return 2;
	}
	/* As longs: the kernel sees the full 64-bit register, sign-extended. */
	report_result(syscall(SYS_keyctl, (long)KEYCTL_GET_KEYRING_ID, (long)KEY_SPEC_SESSION_KEYRING, 0L));
	return 0;
}

static int cmd_userfaultfd(int argc, char **argv)
{
	long flags;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper userfaultfd: expected FLAGS\n");
		return 2;
	}
	if (parse_long("flags", argv[1], 0, UINT32_MAX, &flags))
		return 2;
	report_result(syscall(SYS_userfaultfd, (unsigned int)flags));
	return 0;
}

/*
 * init_module() of FILE's bytes, or without FILE of an image that is not a
 * module (4 bytes of ELF magic): that one can never load.
 */
static int cmd_init_module(int argc, char **argv)
{
	static const char not_a_module[] = "\177ELF";
	const void *image = not_a_module;
	size_t len = sizeof(not_a_module) - 1;
	struct stat st;
	int fd;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "vigil-helper init_module: expected PARAMS [FILE]\n");
		return 2;
	}
	if (argc == 3) {
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			fprintf(stderr, "vigil-helper init_module: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		len = (size_t)st.st_size;
		image = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (image == MAP_FAILED) {
			fprintf(stderr, "vigil-helper init_module: mmap %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	}
	report_result(syscall(SYS_init_module, image, len, argv[1]));
	return 0;
}

/* finit_module() of FILE, which the test makes a file that is not a module. */
static int cmd_finit_module(int argc, char **argv)
{
	int fd;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper finit_module: expected FILE PARAMS\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vigil-helper finit_module: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	report_result(syscall(SYS_finit_module, fd, argv[2], 0));
	close(fd);
	return 0;
}

/* delete_module(NAME, O_NONBLOCK): the test names a module that is not loaded. */
static int cmd_delete_module(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "vigil-helper delete_module: expected NAME\n");
		return 2;
	}
	report_result(syscall(SYS_delete_module, argv[1], O_NONBLOCK));
	return 0;
}

HELPER_SUBCOMMAND(ptrace_attach, "", "fork a child, PTRACE_ATTACH to it (prints pid N first)", cmd_ptrace_attach);
HELPER_SUBCOMMAND(process_vm_writev, "", "fork a child, process_vm_writev into it (prints pid N first)",
		  cmd_process_vm_writev);
HELPER_SUBCOMMAND(memfd_create, "NAME FLAGS", "memfd_create(NAME, FLAGS)", cmd_memfd_create);
HELPER_SUBCOMMAND(bpf_map_create, "", "bpf(BPF_MAP_CREATE) of an array map", cmd_bpf_map_create);
HELPER_SUBCOMMAND(perf_event_open, "TYPE CONFIG", "perf_event_open of TYPE/CONFIG on itself",
		  cmd_perf_event_open);
HELPER_SUBCOMMAND(keyctl, "", "keyctl(KEYCTL_GET_KEYRING_ID, session keyring)", cmd_keyctl);
HELPER_SUBCOMMAND(userfaultfd, "FLAGS", "userfaultfd(FLAGS)", cmd_userfaultfd);
HELPER_SUBCOMMAND(init_module, "PARAMS [FILE]", "init_module of FILE (default: a bogus image) with PARAMS",
		  cmd_init_module);
HELPER_SUBCOMMAND(finit_module, "FILE PARAMS", "finit_module(open(FILE), PARAMS, 0)", cmd_finit_module);
HELPER_SUBCOMMAND(delete_module, "NAME", "delete_module(NAME, O_NONBLOCK)", cmd_delete_module);
