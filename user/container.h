/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroup path -> container: which runtime made this cgroup, the container id
 * it names and, for a Kubernetes container, the pod it belongs to. Pure
 * string work, no I/O: the table of path patterns lives in container.c, one
 * row per runtime layout, so a new layout is one row.
 */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

enum container_runtime {
	CONTAINER_RUNTIME_NONE = 0, /* the host */
	CONTAINER_RUNTIME_DOCKER,
	CONTAINER_RUNTIME_CONTAINERD, /* CRI (Kubernetes, k3s), ctr, nerdctl */
	CONTAINER_RUNTIME_CRIO,
	CONTAINER_RUNTIME_PODMAN,
};

#define CONTAINER_ID_MAX 64      /* a full id: 64 hex digits */
#define CONTAINER_SHORT_ID_LEN 12 /* what `docker ps` shows */
#define CONTAINER_POD_UID_MAX 36  /* a pod uid: 8-4-4-4-12 hex digits and dashes */

struct container_ref {
	enum container_runtime runtime;
	char id[CONTAINER_ID_MAX + 1]; /* full id, lower-case hex, NUL-terminated */
	/*
	 * The Kubernetes pod uid when the path carries one, else "". Lower-case,
	 * with dashes ("0f3c9b5e-4e8a-4a4f-9d1c-2b7a5e6f8c01") whatever the
	 * kubelet's cgroup driver wrote (the systemd driver writes underscores);
	 * a static pod's uid is 32 hex digits without dashes, and stays so.
	 */
	char pod_uid[CONTAINER_POD_UID_MAX + 1];
};

/*
 * Find the container a cgroup path belongs to. `path` is relative to the
 * cgroup mount ("/docker/<64hex>", "/system.slice/docker-<64hex>.scope",
 * "/kubepods/besteffort/pod<uid>/<64hex>", ..., possibly with sub-cgroups
 * below the container's); cgroup v1 hierarchies and v2 name them alike.
 * Returns true and fills *out for a container; false (and out->runtime =
 * NONE, id and pod_uid "") for the host. Never reads past a NUL; any byte
 * sequence is a valid (host) path.
 */
bool container_from_cgroup_path(const char *path, struct container_ref *out);

/* "docker", "containerd", "cri-o", "podman"; "host" for CONTAINER_RUNTIME_NONE. */
const char *container_runtime_name(enum container_runtime runtime);

#endif /* VIGIL_CONTAINER_H */
