/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the container runtime says about a container: its name, image,
 * labels, Kubernetes identity and its posture (how it was started: the
 * settings the hardening practice cares about). Parsed from an Engine API
 * /containers/{id}/json answer (Docker or Podman), which is untrusted input:
 * every field is type-checked and bounded, and a bad answer is an error with
 * a sentence, never a crash.
 */
#ifndef VIGIL_CONTAINER_INFO_H
#define VIGIL_CONTAINER_INFO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container.h"

/* Larger answers are refused before parsing. */
#define CONTAINER_INFO_MAX_ANSWER (4u << 20)
/* Longer strings (names, labels, paths, ...) make the answer an error. */
#define CONTAINER_INFO_MAX_STRING (64u << 10)
/* More labels, mounts, devices, capabilities or security options make the answer an error. */
#define CONTAINER_INFO_MAX_LIST 4096u

struct container_label {
	char *key;
	char *value;
};

struct container_mount {
	char *type;        /* "bind", "volume", "tmpfs", ... */
	char *source;      /* host path (bind) or volume path */
	char *destination; /* path in the container */
	char *mode;        /* as given, e.g. "ro,z"; may be "" */
	bool read_write;
	bool sensitive;    /* source is a sensitive host path (container_mount_source_is_sensitive) */
};

struct container_device {
	char *host_path;
	char *container_path;
	char *permissions; /* "rwm" */
};

struct container_info {
	char id[CONTAINER_ID_MAX + 1];
	char *name;             /* without Docker's leading '/' */
	char *image;            /* Config.Image, as the user gave it: "busybox:1.36" */
	char *image_id;         /* .Image: "sha256:..." */
	char *image_repository; /* "docker.io/library/busybox" stays as given: "busybox" */
	char *image_tag;        /* "1.36"; "latest" when the reference has neither tag nor digest */
	char *image_digest;     /* "sha256:..." from a "@sha256:..." reference; "" otherwise */
	struct container_label *labels;
	size_t n_labels;
	/* From the io.kubernetes.* labels; "" when absent. */
	char *k8s_pod_name;
	char *k8s_ns_name;
	char *k8s_pod_uid;
	char *k8s_container_name;

	/* Posture */
	bool privileged;
	char **cap_add;
	size_t n_cap_add;
	char **cap_drop;
	size_t n_cap_drop;
	char *user;             /* Config.User as given; "" = the image's default */
	bool user_root;         /* user is "", "0", "root", "0:…" or "root:…" */
	bool readonly_rootfs;
	bool no_new_privileges; /* "no-new-privileges" or "no-new-privileges:true" in SecurityOpt */
	char *seccomp_profile;  /* "" default, "unconfined", or a profile */
	char *apparmor_profile; /* AppArmorProfile, or from SecurityOpt; "" when none */
	bool seccomp_unconfined;
	bool apparmor_unconfined;
	int64_t memory_limit;   /* bytes, 0 = none */
	int64_t nano_cpus;      /* 0 = none */
	int64_t cpu_quota;      /* 0 = none */
	int64_t pids_limit;     /* 0 or -1 = none */
	char *network_mode;
	char *pid_mode;
	char *ipc_mode;
	char *uts_mode;
	char *userns_mode;
	bool host_network;
	bool host_pid;
	bool host_ipc;
	bool host_uts;
	bool host_userns;       /* userns_mode "host" */
	struct container_device *devices;
	size_t n_devices;
	struct container_mount *mounts;
	size_t n_mounts;
	int64_t pid;            /* State.Pid: the init's host pid, 0 if not running */
	bool running;
};

/*
 * Parse one /containers/{id}/json answer of `len` bytes. Returns 0, or
 * -EINVAL with a sentence in err naming what is wrong (and the JSON path of
 * the field), or -ENOMEM. On error *out holds nothing to free. On success
 * every string is non-NULL ("" when the answer does not set it).
 */
int container_info_parse(const char *answer, size_t len, struct container_info *out, char *err, size_t errlen);
void container_info_free(struct container_info *info);

/* The label's value, or NULL. */
const char *container_info_label(const struct container_info *info, const char *key);

/*
 * Whether a host path mounted into a container is sensitive: /, /etc, /root,
 * /proc, /sys, /boot, /dev, the runtime sockets (docker.sock, containerd.sock,
 * crio.sock, podman.sock), /var/lib/docker, /var/lib/containerd,
 * /var/lib/kubelet, /etc/kubernetes, /home and /home/<user>; each of these or
 * anything below the ones that are folders. Normalises "//" and a trailing "/".
 */
bool container_mount_source_is_sensitive(const char *source);

/* The posture as one JSON object (the `container` event's payload). New reference. */
json_t *container_info_posture_json(const struct container_info *info);

#endif /* VIGIL_CONTAINER_INFO_H */
