/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup id -> cgroup path. The kernel keys every event by the cgroup v2 id
 * (the inode number of the cgroup's directory); the path is what tells a
 * container from the host. Resolved by open_by_handle_at() on the cgroup2
 * mount (the id is the kernfs file handle), falling back to a walk of the
 * tree, and cached.
 */
#ifndef VIGIL_CGROUP_H
#define VIGIL_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct cgroup_resolver;

/*
 * Find the cgroup2 mount (in /proc/self/mountinfo; on hybrid hosts it is
 * /sys/fs/cgroup/unified) unless `mount_point` names it. On failure returns
 * NULL with a sentence for the user in err.
 */
struct cgroup_resolver *cgroup_resolver_new(const char *mount_point, char *err, size_t errlen);
void cgroup_resolver_free(struct cgroup_resolver *r);

/* Where cgroup2 is mounted, e.g. "/sys/fs/cgroup/unified". */
const char *cgroup_resolver_mount(const struct cgroup_resolver *r);

/*
 * The path of cgroup `id` relative to the mount ("/" for the root,
 * "/docker/<id>"), or NULL when no such cgroup exists (any more). The string
 * stays valid until cgroup_resolver_forget(id) or _free().
 */
const char *cgroup_resolver_path(struct cgroup_resolver *r, uint64_t id);

/* Drop a cached id (its cgroup was removed). */
void cgroup_resolver_forget(struct cgroup_resolver *r, uint64_t id);

/*
 * How ids are resolved, for the log: "open_by_handle_at", or "tree walk"
 * (no CAP_DAC_READ_SEARCH). Chosen by cgroup_resolver_new().
 */
const char *cgroup_resolver_method(const struct cgroup_resolver *r);

/* ---- capture and replay (user/capture_state.c) ---- */

/*
 * A resolver that never looks at a cgroup tree: it answers only what
 * cgroup_resolver_put gave it (a capture's records), NULL for any other id.
 * Its mount is "(replay)", its method "replay". NULL when out of memory.
 */
struct cgroup_resolver *cgroup_resolver_new_replay(void);

/*
 * Told of each answer cgroup_resolver_path gives from the tree: a path the
 * first time it is found (it is cached from then on), NULL ("no such cgroup")
 * the first time it is given for an id while the observer is set, and again
 * after the id resolved or was forgotten in between. path is valid only
 * during the call. Never told of a replay resolver's answers.
 */
typedef void (*cgroup_observer_fn)(uint64_t id, const char *path, void *ctx);

/* Set (fn NULL: remove) the one observer. Returns the ctx of the one it replaces, or NULL. */
void *cgroup_resolver_set_observer(struct cgroup_resolver *r, cgroup_observer_fn fn, void *ctx);

/*
 * Make id answer path from now on; path NULL: no such cgroup (forget id). The
 * observer is not told. 0 or -ENOMEM.
 */
int cgroup_resolver_put(struct cgroup_resolver *r, uint64_t id, const char *path);

/*
 * Call fn on every cached path (ids that resolved), in no particular order,
 * until it returns non-zero; returns that value, or 0. fn must not change the resolver.
 */
int cgroup_resolver_foreach(const struct cgroup_resolver *r, int (*fn)(uint64_t id, const char *path, void *ctx),
			    void *ctx);

/* Forget every cached path. */
void cgroup_resolver_clear(struct cgroup_resolver *r);

/* A cgroup2 mount as /proc/self/mountinfo describes it, octal escapes decoded. */
struct cgroup2_mount {
	char mount_point[PATH_MAX]; /* e.g. "/sys/fs/cgroup/unified" */
	char root[PATH_MAX];        /* the cgroup mounted there: "/" for the whole hierarchy */
};

/*
 * Pure parser of the text of /proc/<pid>/mountinfo (NUL-terminated), exposed
 * for the unit tests and the fuzzer. Picks the cgroup2 mount to use when
 * there are several: one showing the whole hierarchy (root "/") first, then
 * /sys/fs/cgroup or /sys/fs/cgroup/unified, then the first listed. Returns 0,
 * or -ENOENT when the text lists no usable cgroup2 mount. Malformed lines
 * are skipped.
 */
int cgroup_mountinfo_find_cgroup2(const char *mountinfo, struct cgroup2_mount *out);

#endif /* VIGIL_CGROUP_H */
