/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the file subcommands (open, openat, openat2, creat, symlink, link, chmod,
 * fchmod, fchmodat2, exec_memfd). Each makes exactly the system call it is named after, so that the test knows
 * which event type to expect, and prints its result (report_result).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

/* The same number on every architecture; glibc 2.36's headers predate it. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Linux 6.3: an executable memfd. Older kernels refuse the flag (EINVAL). */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* "r", "w", "rw" (optionally followed by ",creat", ",trunc") as open flags; -1 when not one of them. */
static int parse_open_mode(const char *text)
{
	char copy[64], *save = NULL, *word;
	int flags = -1;

	if (strlen(text) >= sizeof(copy))
		return -1;
	strcpy(copy, text);
	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		if (flags == -1) {
			if (!strcmp(word, "r"))
				flags = O_RDONLY;
			else if (!strcmp(word, "w"))
				flags = O_WRONLY;
			else if (!strcmp(word, "rw"))
				flags = O_RDWR;
			else
				return -1;
		} else if (!strcmp(word, "creat")) {
			flags |= O_CREAT;
		} else if (!strcmp(word, "trunc")) {
			flags |= O_TRUNC;
		} else {
			return -1;
		}
	}
	return flags;
}

static int usage_error(const char *cmd, const char *expected)
{
	fprintf(stderr, "vigil-helper %s: expected %s\n", cmd, expected);
	return 2;
}

/* openat(AT_FDCWD, PATH, MODE, 0644) */
static int cmd_open(int argc, char **argv)
{
	int flags;

	if (argc != 3 || (flags = parse_open_mode(argv[2])) < 0)
		return usage_error("open", "PATH r|w|rw[,creat][,trunc]");
	return report_result(syscall(SYS_openat, AT_FDCWD, argv[1], flags, 0644));
}

/* openat(dirfd of DIR, NAME, MODE): the name is relative to a folder that is not the cwd. */
static int cmd_openat(int argc, char **argv)
{
	int flags, dirfd;

	if (argc != 4 || (flags = parse_open_mode(argv[3])) < 0)
		return usage_error("openat", "DIR NAME r|w|rw[,creat][,trunc]");
	dirfd = open(argv[1], O_PATH | O_DIRECTORY);
	if (dirfd < 0) {
		perror("vigil-helper openat: DIR");
		return 1;
	}
	return report_result(syscall(SYS_openat, dirfd, argv[2], flags, 0644));
}

/* openat2(AT_FDCWD, PATH, {MODE, 0, RESOLVE_NO_MAGICLINKS}) */
static int cmd_openat2(int argc, char **argv)
{
	struct open_how how = { .resolve = RESOLVE_NO_MAGICLINKS };
	int flags;

	if (argc != 3 || (flags = parse_open_mode(argv[2])) < 0)
		return usage_error("openat2", "PATH r|w|rw[,creat][,trunc]");
	how.flags = (unsigned int)flags;
	return report_result(syscall(SYS_openat2, AT_FDCWD, argv[1], &how, sizeof(how)));
}

/* creat(PATH, 0644) */
static int cmd_creat(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("creat", "PATH");
	return report_result(syscall(SYS_creat, argv[1], 0644));
}

/* symlink(TARGET, LINKPATH) */
static int cmd_symlink(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("symlink", "TARGET LINKPATH");
	return report_result(syscall(SYS_symlink, argv[1], argv[2]));
}

/* link(OLDPATH, NEWPATH) */
static int cmd_link(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("link", "OLDPATH NEWPATH");
	return report_result(syscall(SYS_link, argv[1], argv[2]));
}

/* An octal file mode (chmod's MODE); -1 when it is not one. */
static long parse_mode(const char *text)
{
	unsigned long mode;
	char *end;

	errno = 0;
	mode = strtoul(text, &end, 8);
	if (errno || end == text || *end || mode > 07777)
		return -1;
	return (long)mode;
}

/* chmod(PATH, MODE), MODE in octal */
static int cmd_chmod(int argc, char **argv)
{
	long mode;

	if (argc != 3 || (mode = parse_mode(argv[2])) < 0)
		return usage_error("chmod", "PATH MODE (octal)");
	return report_result(syscall(SYS_chmod, argv[1], (mode_t)mode));
}

/* fchmod(fd of PATH, MODE): the file is named by a descriptor only. */
static int cmd_fchmod(int argc, char **argv)
{
	long mode;
	int fd;

	if (argc != 3 || (mode = parse_mode(argv[2])) < 0)
		return usage_error("fchmod", "PATH MODE (octal)");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("vigil-helper fchmod: PATH");
		return 1;
	}
	return report_result(syscall(SYS_fchmod, fd, (mode_t)mode));
}

/* fchmodat2(AT_FDCWD, PATH, MODE, AT_SYMLINK_NOFOLLOW): Linux 6.6, not yet called by libc here. */
static int cmd_fchmodat2(int argc, char **argv)
{
	long mode;

	if (argc != 3 || (mode = parse_mode(argv[2])) < 0)
		return usage_error("fchmodat2", "PATH MODE (octal)");
	return report_result(syscall(SYS_fchmodat2, AT_FDCWD, argv[1], (mode_t)mode, AT_SYMLINK_NOFOLLOW));
}

/*
 * Copies this program into a memfd and runs it from there with `vigil-helper ARG...` as argv:
 * a program that exists on no disk, the way fileless malware starts.
 */
static int cmd_exec_memfd(int argc, char **argv)
{
	extern char **environ;
	char buf[65536];
	ssize_t n;
	int self, memfd;

	if (argc < 2)
		return usage_error("exec_memfd", "SUBCOMMAND [ARG...]");
	memfd = memfd_create("vigil-helper", MFD_CLOEXEC | MFD_EXEC);
	if (memfd < 0 && errno == EINVAL)
		memfd = memfd_create("vigil-helper", MFD_CLOEXEC);
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (memfd < 0 || self < 0) {
		perror("vigil-helper exec_memfd: memfd_create or /proc/self/exe");
		return 1;
	}
	while ((n = read(self, buf, sizeof(buf))) > 0) {
		if (write(memfd, buf, (size_t)n) != n) {
			perror("vigil-helper exec_memfd: write");
			return 1;
		}
	}
	if (n < 0) {
		perror("vigil-helper exec_memfd: read");
		return 1;
	}
	argv[0] = "vigil-helper";
	fexecve(memfd, argv, environ);
	perror("vigil-helper exec_memfd: fexecve");
	return 1;
}

HELPER_SUBCOMMAND(open, "PATH r|w|rw[,creat]", "openat(AT_FDCWD, PATH, flags); prints the result", cmd_open);
HELPER_SUBCOMMAND(openat, "DIR NAME r|w|rw", "openat(dirfd of DIR, NAME, flags); prints the result", cmd_openat);
HELPER_SUBCOMMAND(openat2, "PATH r|w|rw", "openat2(AT_FDCWD, PATH, how); prints the result", cmd_openat2);
HELPER_SUBCOMMAND(creat, "PATH", "creat(PATH, 0644); prints the result", cmd_creat);
HELPER_SUBCOMMAND(symlink, "TARGET LINKPATH", "symlink(TARGET, LINKPATH); prints the result", cmd_symlink);
HELPER_SUBCOMMAND(link, "OLDPATH NEWPATH", "link(OLDPATH, NEWPATH); prints the result", cmd_link);
HELPER_SUBCOMMAND(chmod, "PATH MODE", "chmod(PATH, octal MODE); prints the result", cmd_chmod);
HELPER_SUBCOMMAND(fchmod, "PATH MODE", "fchmod(fd of PATH, octal MODE); prints the result", cmd_fchmod);
HELPER_SUBCOMMAND(fchmodat2, "PATH MODE", "fchmodat2(AT_FDCWD, PATH, octal MODE, AT_SYMLINK_NOFOLLOW)", cmd_fchmodat2);
HELPER_SUBCOMMAND(exec_memfd, "SUBCOMMAND [ARG...]", "run vigil-helper SUBCOMMAND from a memfd copy of itself",
		  cmd_exec_memfd);
