// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Both parsers that see strings vigil does not control: a cgroup path (a
 * container can name its own sub-cgroups anything) and mountinfo text (a
 * container can mount things with any name). Any input must give a clean
 * answer that holds these invariants; a crash, a sanitizer report or an
 * abort() is a bug.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "container.h"

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "" or a pod uid as container.h promises: 8-4-4-4-12 lower-case hex with dashes, or 32 hex digits. */
static bool pod_uid_well_formed(const char *uid)
{
	size_t len = strlen(uid);

	if (len == 0)
		return true;
	if (len == 32) {
		for (size_t i = 0; i < len; i++)
			if (!is_lower_hex(uid[i]))
				return false;
		return true;
	}
	if (len != CONTAINER_POD_UID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash_here ? uid[i] != '-' : !is_lower_hex(uid[i]))
			return false;
	}
	return true;
}

static bool same_ref(const struct container_ref *a, const struct container_ref *b)
{
	return a->runtime == b->runtime && strcmp(a->id, b->id) == 0 && strcmp(a->pod_uid, b->pod_uid) == 0;
}

static void check_container_ref(const char *path)
{
	struct container_ref ref;
	bool found;

	/* Garbage first: every field must be written, for the host too. */
	memset(&ref, 'x', sizeof(ref));
	found = container_from_cgroup_path(path, &ref);

	/* A runtime the enum names, and both strings terminated inside their buffers. */
	if (strcmp(container_runtime_name(ref.runtime), "unknown") == 0)
		abort();
	if (!memchr(ref.id, '\0', sizeof(ref.id)) || !memchr(ref.pod_uid, '\0', sizeof(ref.pod_uid)))
		abort();
	if (!found) {
		if (ref.runtime != CONTAINER_RUNTIME_NONE || ref.id[0] != '\0' || ref.pod_uid[0] != '\0')
			abort();
	} else {
		if (ref.runtime == CONTAINER_RUNTIME_NONE)
			abort();
		/* Exactly 64 lower-case hex digits, and taken from the path itself. */
		if (strlen(ref.id) != CONTAINER_ID_MAX)
			abort();
		for (size_t i = 0; i < CONTAINER_ID_MAX; i++)
			if (!is_lower_hex(ref.id[i]))
				abort();
		if (!strstr(path, ref.id))
			abort();
		/* A well-formed pod uid, from the path: with dashes, or with the systemd driver's underscores. */
		if (!pod_uid_well_formed(ref.pod_uid))
			abort();
		if (ref.pod_uid[0]) {
			char systemd_form[CONTAINER_POD_UID_MAX + 1];

			memcpy(systemd_form, ref.pod_uid, sizeof(systemd_form));
			for (char *p = systemd_form; *p; p++)
				if (*p == '-')
					*p = '_';
			if (!strstr(path, ref.pod_uid) && !strstr(path, systemd_form))
				abort();
		}
	}

	/*
	 * The same answer for the same cgroup written with a leading '/' more,
	 * and for a sub-cgroup of it: "init" can be no container, and what is
	 * below a component never changes what that component is.
	 */
	size_t len = strlen(path);
	char *variant = malloc(len + sizeof("/init"));
	struct container_ref other;

	if (!variant)
		return;
	variant[0] = '/';
	memcpy(variant + 1, path, len + 1);
	if (container_from_cgroup_path(variant, &other) != found || !same_ref(&ref, &other))
		abort();
	memcpy(variant, path, len);
	memcpy(variant + len, "/init", sizeof("/init"));
	if (container_from_cgroup_path(variant, &other) != found || !same_ref(&ref, &other))
		abort();
	free(variant);
}

static void check_mountinfo(const char *text)
{
	static struct cgroup2_mount mount; /* 8 KiB: off the fuzzer's stack */
	int err = cgroup_mountinfo_find_cgroup2(text, &mount);

	if (err == -ENOENT)
		return;
	if (err != 0)
		abort();
	/* Both NUL-terminated inside their buffers, absolute, and from a line naming cgroup2. */
	if (!memchr(mount.mount_point, '\0', sizeof(mount.mount_point)) ||
	    !memchr(mount.root, '\0', sizeof(mount.root)))
		abort();
	if (mount.mount_point[0] != '/' || mount.root[0] != '/')
		abort();
	if (!strstr(text, "cgroup2"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly `size` bytes, so ASan catches a read past the end. */
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_container_ref(text);
	check_mountinfo(text);
	free(text);
	return 0;
}
