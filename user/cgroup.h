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
