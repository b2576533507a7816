/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The watch list of the file events (include/vigil_path_filter.h): the default
 * set of sensitive paths, and the one function that adds an entry to the
 * kernel's maps, for the defaults and for the paths the rules test.
 *
 *	struct path_filter_maps maps = { prefixes_fd, names_fd, bpf_map_update_elem };
 *
 *	err = path_filter_add_defaults(&maps);
 *	err = path_filter_add(&maps, PATH_FILTER_PREFIX, "/etc/kubernetes/");
 */
#ifndef VIGIL_PATH_FILTER_USER_H
#define VIGIL_PATH_FILTER_USER_H

#include <linux/types.h>
#include <stddef.h>

#include "vigil_path_filter.h"

enum path_filter_kind {
	PATH_FILTER_PREFIX,    /* an absolute path: everything that starts with it ("/dev/sd") */
	PATH_FILTER_NAME,      /* a last component, in any folder ("release_agent") */
	PATH_FILTER_PROC_NAME, /* a last component of a procfs process folder ("mem": /proc/<pid>/mem) */
};

struct path_filter_entry {
	enum path_filter_kind kind;
	const char *text;
};

/*
 * Where path_filter_add writes: the two maps, and the call that writes one
 * entry (bpf_map_update_elem in the agent; a recorder in the unit tests, which
 * run without a kernel). update returns 0 or -errno.
 */
struct path_filter_maps {
	int prefixes_fd;
	int names_fd;
	int (*update)(int map_fd, const void *key, const void *value, __u64 flags);
};

/* The sensitive paths watched whatever the rules say. */
const struct path_filter_entry *path_filter_defaults(size_t *count);

/*
 * The map key of an entry. 0, or -EINVAL (a prefix that is not absolute, a
 * name that is empty or holds a '/') or -ENAMETOOLONG (longer than the key
 * holds: VIGIL_PATH_PREFIX_MAX bytes, VIGIL_PATH_NAME_MAX - 1 for a name).
 */
int path_filter_prefix_key(const char *prefix, struct vigil_path_prefix_key *key);
int path_filter_name_key(const char *name, struct vigil_path_name_key *key);

/*
 * Watch one more path. 0 or -errno; an entry already there is not an error. A
 * name given again with the other name kind takes that kind's scope.
 */
int path_filter_add(const struct path_filter_maps *maps, enum path_filter_kind kind, const char *text);

/*
 * Watch a path a rule tests: path_filter_add, but a prefix longer than the key
 * holds is watched by its first VIGIL_PATH_PREFIX_MAX bytes, a wider watch
 * (the rule still compares the whole path) where path_filter_add refuses it.
 */
int path_filter_add_for_rule(const struct path_filter_maps *maps, enum path_filter_kind kind, const char *text);

/* Add every default entry; stops at the first failure, logs which, returns its -errno. */
int path_filter_add_defaults(const struct path_filter_maps *maps);

#endif /* VIGIL_PATH_FILTER_USER_H */
