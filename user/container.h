/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup path -> container: which runtime made this cgroup and the container
 * id it names. Pure string work, no I/O: the table of path patterns lives in
 * container.c, one row per runtime layout, so a new runtime is one row.
 */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

enum container_runtime {
	CONTAINER_RUNTIME_NONE = 0, /* the host */
	CONTAINER_RUNTIME_DOCKER,
};

#define CONTAINER_ID_MAX 64      /* a full id: 64 hex digits */
#define CONTAINER_SHORT_ID_LEN 12 /* what `docker ps` shows */

struct container_ref {
	enum container_runtime runtime;
	char id[CONTAINER_ID_MAX + 1]; /* full id, lower-case hex, NUL-terminated */
};

/*
 * Find the container a cgroup path belongs to. `path` is relative to the
 * cgroup2 mount ("/docker/<64hex>", "/system.slice/docker-<64hex>.scope",
 * possibly with sub-cgroups below the container's). Returns true and fills
 * *out for a container; false (and out->runtime = NONE) for the host.
 * Never reads past a NUL; any byte sequence is a valid (host) path.
 */
bool container_from_cgroup_path(const char *path, struct container_ref *out);

/* "docker", ...; "host" for CONTAINER_RUNTIME_NONE. */
const char *container_runtime_name(enum container_runtime runtime);

#endif /* VIGIL_CONTAINER_H */
