// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The watch list of the file events: the default sensitive paths, and the keys
 * of the kernel's two maps (an LPM trie of prefixes, a hash of last
 * components; include/vigil_path_filter.h says how bpf/file.bpf.c reads them).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

#include "log.h"
#include "path_filter.h"

/*
 * Paths whose open is worth an event in any container, as the container sees
 * them: credentials, the kernel's knobs that run code as root on the host
 * (core_pattern, sysrq, release_agent), memory and raw disks, and the
 * container runtimes' sockets. A prefix ends where the watched set ends:
 * "/etc/sudoers" also covers sudoers.d/ (and sudoers~), "/dev/sd" every SCSI
 * disk and partition.
 */
static const struct path_filter_entry default_entries[] = {
	{ PATH_FILTER_PREFIX, "/etc/shadow" },
	{ PATH_FILTER_PREFIX, "/etc/sudoers" },
	{ PATH_FILTER_PREFIX, "/etc/pam.d/" },
	{ PATH_FILTER_PREFIX, "/proc/sys/kernel/core_pattern" },
	{ PATH_FILTER_PREFIX, "/proc/sysrq-trigger" },
	{ PATH_FILTER_PREFIX, "/proc/sys/kernel/sysrq" },
	{ PATH_FILTER_PREFIX, "/proc/kcore" },
	{ PATH_FILTER_PREFIX, "/dev/sd" },
	{ PATH_FILTER_PREFIX, "/dev/vd" },
	{ PATH_FILTER_PREFIX, "/dev/nvme" },
	{ PATH_FILTER_PREFIX, "/dev/mem" },
	/* cgroup v1: written to run a program as root on the host when a cgroup empties. */
	{ PATH_FILTER_NAME, "release_agent" },
	{ PATH_FILTER_NAME, "notify_on_release" },
	/* Wherever they are mounted in the container, these sockets give control of the host. */
	{ PATH_FILTER_NAME, "docker.sock" },
	{ PATH_FILTER_NAME, "containerd.sock" },
	{ PATH_FILTER_NAME, "crio.sock" },
	/* Another process's memory and secrets: /proc/<pid>/mem, /proc/self/environ, ... */
	{ PATH_FILTER_PROC_NAME, "mem" },
	{ PATH_FILTER_PROC_NAME, "environ" },
};

const struct path_filter_entry *path_filter_defaults(size_t *count)
{
	*count = sizeof(default_entries) / sizeof(default_entries[0]);
	return default_entries;
}

int path_filter_prefix_key(const char *prefix, struct vigil_path_prefix_key *key)
{
	size_t len = strlen(prefix);

	if (prefix[0] != '/')
		return -EINVAL;
	if (len > sizeof(key->data))
		return -ENAMETOOLONG;
	memset(key, 0, sizeof(*key));
	key->prefixlen = (__u32)len * 8;
	memcpy(key->data, prefix, len);
	return 0;
}

int path_filter_name_key(const char *name, struct vigil_path_name_key *key)
{
	size_t len = strlen(name);

	if (len == 0 || strchr(name, '/'))
		return -EINVAL;
	/* One byte stays NUL: the kernel side compares whole keys, padding included. */
	if (len >= sizeof(key->name))
		return -ENAMETOOLONG;
	memset(key, 0, sizeof(*key));
	memcpy(key->name, name, len);
	return 0;
}

int path_filter_add(const struct path_filter_maps *maps, enum path_filter_kind kind, const char *text)
{
	struct vigil_path_prefix_key prefix_key;
	struct vigil_path_name_key name_key;
	__u32 value;
	int err;

	switch (kind) {
	case PATH_FILTER_PREFIX:
		err = path_filter_prefix_key(text, &prefix_key);
		if (err)
			return err;
		value = VIGIL_PATH_PREFIX_WATCHED;
		return maps->update(maps->prefixes_fd, &prefix_key, &value, BPF_ANY);
	case PATH_FILTER_NAME:
	case PATH_FILTER_PROC_NAME:
		err = path_filter_name_key(text, &name_key);
		if (err)
			return err;
		value = kind == PATH_FILTER_NAME ? VIGIL_PATH_NAME_ANYWHERE : VIGIL_PATH_NAME_PROCFS;
		return maps->update(maps->names_fd, &name_key, &value, BPF_ANY);
	}
	return -EINVAL;
}

int path_filter_add_for_rule(const struct path_filter_maps *maps, enum path_filter_kind kind, const char *text)
{
	char cut[VIGIL_PATH_PREFIX_MAX + 1];

	if (kind == PATH_FILTER_PREFIX && strlen(text) > VIGIL_PATH_PREFIX_MAX) {
		memcpy(cut, text, VIGIL_PATH_PREFIX_MAX);
		cut[VIGIL_PATH_PREFIX_MAX] = '\0';
		text = cut;
	}
	return path_filter_add(maps, kind, text);
}

int path_filter_add_defaults(const struct path_filter_maps *maps)
{
	for (size_t i = 0; i < sizeof(default_entries) / sizeof(default_entries[0]); i++) {
		int err = path_filter_add(maps, default_entries[i].kind, default_entries[i].text);

		if (err) {
			log_error("cannot add '%s' to the kernel's file watch list: %s", default_entries[i].text,
				  strerror(-err));
			return err;
		}
	}
	return 0;
}
