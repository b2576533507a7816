// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforce_undo.h"

/* The child's exit status when setns fails; else umount2's errno (at most 133 on Linux) or 0. */
#define SETNS_FAILED 250

bool enforce_undo_wanted(const struct event_view *v)
{
	return v->hdr.type == VIGIL_EVENT_MOUNT && v->hdr.verdict == VIGIL_VERDICT_KILLED &&
	       v->hdr.hook == VIGIL_HOOK_TRACEPOINT && v->syscall.result == 0;
}

/*
 * A process of proc_root whose mount namespace is mntns_ino, preferring one
 * other than avoid (the killed process, which may be gone any moment). Its
 * namespace file opened, or -1.
 */
static int open_mntns(const char *proc_root, uint64_t mntns_ino, uint32_t avoid)
{
	char path[PATH_MAX];
	int fallback = -1;
	struct dirent *d;
	DIR *dir = opendir(proc_root);

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char *end;
		unsigned long pid = strtoul(d->d_name, &end, 10);
		struct stat st;
		int fd;

		if (*end || end == d->d_name)
			continue;
		snprintf(path, sizeof(path), "%s/%lu/ns/mnt", proc_root, pid);
		if (stat(path, &st) || (uint64_t)st.st_ino != mntns_ino)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pid != avoid) {
			if (fallback >= 0)
				close(fallback);
			closedir(dir);
			return fd;
		}
		if (fallback >= 0)
			close(fallback);
		fallback = fd;
	}
	closedir(dir);
	return fallback;
}

enum undo_result enforce_undo_mount(const char *proc_root, uint64_t mntns_ino, uint32_t killed_tgid,
				    const char *target, size_t target_len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int status, fd;
	pid_t child;

	if (!target_len || target_len >= sizeof(path) || target[0] != '/' || memchr(target, '\0', target_len)) {
		snprintf(err, errlen, "the target \"%.*s\" is not an absolute path, so it cannot be found again",
			 (int)(target_len < 256 ? target_len : 256), target);
		return UNDO_FAILED;
	}
	memcpy(path, target, target_len);
	path[target_len] = '\0';
	fd = open_mntns(proc_root, mntns_ino, killed_tgid);
	if (fd < 0)
		return UNDO_GONE;
	child = fork();
	if (child < 0) {
		snprintf(err, errlen, "cannot fork to enter the mount namespace: %s", strerror(errno));
		close(fd);
		return UNDO_FAILED;
	}
	if (child == 0) {
		/* Only async-signal-safe calls here: the agent has threads. */
		if (setns(fd, CLONE_NEWNS))
			_exit(SETNS_FAILED);
		_exit(umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) ? errno : 0);
	}
	close(fd);
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "lost the process that entered the mount namespace: %s", strerror(errno));
			return UNDO_FAILED;
		}
	}
	if (!WIFEXITED(status)) {
		snprintf(err, errlen, "the process that entered the mount namespace died (status %d)", status);
		return UNDO_FAILED;
	}
	if (WEXITSTATUS(status) == SETNS_FAILED) {
		snprintf(err, errlen, "cannot enter the mount namespace (setns refused)");
		return UNDO_FAILED;
	}
	if (WEXITSTATUS(status)) {
		snprintf(err, errlen, "cannot unmount %s: %s", path, strerror(WEXITSTATUS(status)));
		return UNDO_FAILED;
	}
	return UNDO_DONE;
}
