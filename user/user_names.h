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
/* A larger hosts file is not read (no host names). */
#define USER_NAMES_HOSTS_FILE_MAX (8u << 20)

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

/* ---- capture and replay (user/capture_state.c) ---- */

/*
 * For replay: names only from what user_names_put_id and _put_hosts gave it,
 * kept for the whole replay (never expiring: a live lookup answered from its
 * cache read nothing, so the capture holds only the answer it was cached
 * from). An id nothing was put for answers as a live lookup that cannot read
 * the file: "root" for 0, else no name. NULL when out of memory.
 */
struct user_names *user_names_new_replay(void);

enum user_names_id_kind {
	USER_NAMES_USER = 1,  /* a uid, from passwd */
	USER_NAMES_GROUP = 2, /* a gid, from group */
};

enum user_names_id_state {
	USER_NAMES_NAMED,      /* the file names the id */
	USER_NAMES_UNNAMED,    /* the file was read and does not */
	USER_NAMES_UNREADABLE, /* there was no file to read (the process gone, not a regular file) */
};

/* What one read of a passwd or group file answered. */
struct user_names_id_answer {
	enum user_names_id_kind kind;
	uint64_t mntns;
	uint32_t id;
	enum user_names_id_state state;
	const char *name; /* NAMED: the name, at most USER_NAME_MAX - 1 bytes; else NULL */
};

/*
 * Told (on the caller's thread, pointers valid only during the call) of what
 * was read from a file: each answer a passwd or group file gave that was not
 * already in the cache (a lookup that read the file again for a cached id and
 * found the same answer is not told), and the hosts file's text each time it
 * is read (text NULL: there is no hosts file to read, so no host names).
 */
struct user_names_observer {
	void (*id)(const struct user_names_id_answer *answer, void *ctx);
	void (*hosts)(const char *text, size_t len, void *ctx);
	void *ctx;
};

/* Set (o NULL: remove) the observer; the struct is copied. Returns the ctx of the one it replaces, or NULL. */
void *user_names_set_observer(struct user_names *names, const struct user_names_observer *o);

/*
 * Put an answer (replay, keyframes): a replay's store keeps it until
 * user_names_clear; a live cache keeps it as if just read. The observer is
 * not told. 0, -EINVAL (unknown kind or state, a NAMED without a name or one
 * too long), -ENOMEM.
 */
int user_names_put_id(struct user_names *names, const struct user_names_id_answer *answer);

/*
 * Parse text (len bytes; NULL: no hosts file) as the hosts file, as a live
 * read of it would. The observer is not told. 0, -EINVAL (longer than the
 * largest hosts file read), -ENOMEM.
 */
int user_names_put_hosts(struct user_names *names, const char *text, size_t len);

/*
 * Call id_fn on every answer held (the cache, or a replay's store) and then
 * hosts_fn once with the hosts file's text as last read (NULL: none; only
 * when there is a hosts file to use), until one returns non-zero; returns
 * that value, or 0.
 */
int user_names_foreach(const struct user_names *names,
		       int (*id_fn)(const struct user_names_id_answer *answer, void *ctx),
		       int (*hosts_fn)(const char *text, size_t len, void *ctx), void *ctx);

/* Forget every answer and the hosts file's names (a live table reads the files again). */
void user_names_clear(struct user_names *names);

#endif /* VIGIL_USER_NAMES_H */
