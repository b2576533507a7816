/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names for numbers, from the files that give them: a process's user and
 * group names from its own /etc/passwd and /etc/group (a container's, read
 * through /proc/PID/root, not the host's), and host names from the host's
 * /etc/hosts (no DNS, ever). For the rule fields user.name, group.name and
 * fd.sip.name, so on the event path: a warm lookup is a hash probe, a miss
 * reads one file. Everything is bounded (the cache, the files read, each
 * name), and the container's files are untrusted: opened inside its root
 * (RESOLVE_IN_ROOT, so its symlinks cannot point at the host's files),
 * regular files only, never blocking.
 */
#ifndef VIGIL_USER_NAMES_H
#define VIGIL_USER_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Longer names are cut (Linux user and group names are at most 32 bytes). */
#define USER_NAME_MAX 64

struct user_names;

/*
 * procfs: where /proc is ("/proc"; a test's fake tree) or NULL (replay of a
 * capture file: no process to read, uid 0 and gid 0 are still "root").
 * hosts: the hosts file ("/etc/hosts"), or NULL for none. NULL when out of memory.
 */
struct user_names *user_names_new(const char *procfs, const char *hosts);
void user_names_free(struct user_names *names);

/*
 * The name of uid (gid) in the passwd (group) file of process pid, whose mount
 * namespace is mntns_ino (the cache key: processes of one namespace see one
 * file). "root" for 0 when the file cannot be read; NULL when the id has no
 * name. now_ns: the event's time on the boot clock; answers are kept 60 s,
 * "cannot read" 1 s. The text is valid until the next call.
 */
const char *user_names_user(struct user_names *names, uint32_t pid, uint64_t mntns_ino, uint32_t uid,
			    uint64_t now_ns);
const char *user_names_group(struct user_names *names, uint32_t pid, uint64_t mntns_ino, uint32_t gid,
			     uint64_t now_ns);

/*
 * The names the hosts file gives an address (family 4: 4 bytes, 6: 16 bytes),
 * in the file's order, into out[0..max): returns how many. The file is read
 * again when it changed (looked at once a second of now_ns at most). The
 * texts are valid until the next call.
 */
size_t user_names_hosts(struct user_names *names, int family, const uint8_t *addr, const char **out, size_t max,
			uint64_t now_ns);

#endif /* VIGIL_USER_NAMES_H */
