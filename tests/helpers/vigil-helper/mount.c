/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the mount subcommands. Each makes the system calls it is
 * named after with the arguments given on the command line, so a test knows
 * exactly what the agent must report; numbers (flags) are taken in any base
 * strtol reads ("0x6").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

/* Parse a flags argument (0 to UINT_MAX); returns 0 on success. */
static int parse_flags(const char *what, const char *text, unsigned long *out)
{
	long value;

	if (parse_long(what, text, 0, UINT_MAX, &value))
		return -1;
	*out = (unsigned long)value;
	return 0;
}

static int cmd_mount(int argc, char **argv)
{
	unsigned long flags;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "vigil-helper mount: expected SOURCE TARGET FSTYPE FLAGS [DATA]\n");
		return 2;
	}
	if (parse_flags("mount flags", argv[4], &flags))
		return 2;
	return report_result(mount(argv[1], argv[2], argv[3], flags, argc == 6 ? argv[5] : NULL));
}

static int cmd_umount2(int argc, char **argv)
{
	unsigned long flags;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper umount2: expected TARGET FLAGS\n");
		return 2;
	}
	if (parse_flags("umount2 flags", argv[2], &flags))
		return 2;
	return report_result(umount2(argv[1], (int)flags));
}

/*
 * The new mount API end to end: fsopen(FSTYPE), one fsconfig(SET_STRING, KEY,
 * VALUE), fsconfig(CMD_CREATE), fsmount with MOUNT_ATTR_NODEV, and
 * move_mount of the result onto TARGET. Stops at the first call that fails.
 */
static int cmd_fsmount(int argc, char **argv)
{
	int fs_fd, mount_fd, ret;

	if (argc != 5) {
		fprintf(stderr, "vigil-helper fsmount: expected FSTYPE KEY VALUE TARGET\n");
		return 2;
	}
	fs_fd = fsopen(argv[1], FSOPEN_CLOEXEC);
	report_step("fsopen", fs_fd);
	if (fs_fd < 0)
		return 0;
	ret = fsconfig(fs_fd, FSCONFIG_SET_STRING, argv[2], argv[3], 0);
	report_step("fsconfig", ret);
	if (ret < 0)
		return 0;
	ret = fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	report_step("fsconfig-create", ret);
	if (ret < 0)
		return 0;
	mount_fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
	report_step("fsmount", mount_fd);
	if (mount_fd < 0)
		return 0;
	report_step("move_mount", move_mount(mount_fd, "", AT_FDCWD, argv[4], MOVE_MOUNT_F_EMPTY_PATH));
	return 0;
}

/*
 * open_tree(AT_FDCWD, PATH, FLAGS); with a TARGET, then move_mount of the
 * tree it opened onto TARGET (with OPEN_TREE_CLONE: a bind mount).
 */
static int cmd_open_tree(int argc, char **argv)
{
	unsigned long flags;
	int tree_fd;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "vigil-helper open_tree: expected PATH FLAGS [TARGET]\n");
		return 2;
	}
	if (parse_flags("open_tree flags", argv[2], &flags))
		return 2;
	tree_fd = open_tree(AT_FDCWD, argv[1], (unsigned int)flags);
	report_step("open_tree", tree_fd);
	if (tree_fd >= 0 && argc == 4)
		report_step("move_mount", move_mount(tree_fd, "", AT_FDCWD, argv[3], MOVE_MOUNT_F_EMPTY_PATH));
	return 0;
}

/* mount_setattr(AT_FDCWD, PATH, FLAGS, {ATTR_SET, ATTR_CLR, PROPAGATION}, sizeof). */
static int cmd_mount_setattr(int argc, char **argv)
{
	unsigned long flags, attr_set, attr_clr, propagation;
	struct mount_attr attr;

	if (argc != 6) {
		fprintf(stderr, "vigil-helper mount_setattr: expected PATH FLAGS ATTR_SET ATTR_CLR PROPAGATION\n");
		return 2;
	}
	if (parse_flags("mount_setattr flags", argv[2], &flags) || parse_flags("attr_set", argv[3], &attr_set) ||
	    parse_flags("attr_clr", argv[4], &attr_clr) || parse_flags("propagation", argv[5], &propagation))
		return 2;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = attr_set;
	attr.attr_clr = attr_clr;
	attr.propagation = propagation;
	return report_result(mount_setattr(AT_FDCWD, argv[1], (unsigned int)flags, &attr, sizeof(attr)));
}

static int cmd_chroot(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "vigil-helper chroot: expected PATH\n");
		return 2;
	}
	return report_result(chroot(argv[1]));
}

/* A preparation step of pivot_root failed: say which, as a test failure and not a result. */
static int prepare_failed(const char *what)
{
	fprintf(stderr, "vigil-helper pivot_root: %s: %s\n", what, strerror(errno));
	return 1;
}

/*
 * pivot_root(NEW_ROOT, PUT_OLD) the way a runtime does it: in a mount
 * namespace of its own (so nothing outside it moves) whose mounts do not
 * propagate, with a fresh tmpfs mounted on NEW_ROOT (the new root must be a
 * mount point) and PUT_OLD made in it. PUT_OLD names a folder under NEW_ROOT.
 */
static int cmd_pivot_root(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "vigil-helper pivot_root: expected NEW_ROOT PUT_OLD (a folder under NEW_ROOT)\n");
		return 2;
	}
	if (unshare(CLONE_NEWNS))
		return prepare_failed("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return prepare_failed("making / private");
	if (mount("vigil-new-root", argv[1], "tmpfs", 0, NULL))
		return prepare_failed("mounting a tmpfs on NEW_ROOT");
	if (mkdir(argv[2], 0700))
		return prepare_failed("mkdir PUT_OLD");
	return report_result(syscall(SYS_pivot_root, argv[1], argv[2]));
}

HELPER_SUBCOMMAND(mount, "SRC TARGET FSTYPE FLAGS [DATA]", "mount(2) with these arguments", cmd_mount);
HELPER_SUBCOMMAND(umount2, "TARGET FLAGS", "umount2(TARGET, FLAGS)", cmd_umount2);
HELPER_SUBCOMMAND(fsmount, "FSTYPE KEY VALUE TARGET",
		  "fsopen, fsconfig KEY=VALUE, create, fsmount, move_mount to TARGET", cmd_fsmount);
HELPER_SUBCOMMAND(open_tree, "PATH FLAGS [TARGET]", "open_tree, then move_mount to TARGET", cmd_open_tree);
HELPER_SUBCOMMAND(mount_setattr, "PATH FLAGS SET CLR PROPAGATION", "mount_setattr(2) on PATH", cmd_mount_setattr);
HELPER_SUBCOMMAND(chroot, "PATH", "chroot(PATH)", cmd_chroot);
HELPER_SUBCOMMAND(pivot_root, "NEW_ROOT PUT_OLD", "new mount ns, tmpfs on NEW_ROOT, pivot_root", cmd_pivot_root);
