// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Both parsers that see strings vigil does not control: a cgroup path (a
 * container can name its own sub-cgroups anything) and mountinfo text (a
 * container can mount things with any name). Any input must give a clean
 * answer that holds these invariants; a crash, a sanitizer report or an
 * abort() is a bug.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "container.h"

static void check_container_ref(const char *path)
{
	struct container_ref ref;
	bool found = container_from_cgroup_path(path, &ref);

	if (!container_runtime_name(ref.runtime))
		abort();
	if (!found) {
		if (ref.runtime != CONTAINER_RUNTIME_NONE || ref.id[0] != '\0')
			abort();
		return;
	}
	if (ref.runtime == CONTAINER_RUNTIME_NONE)
		abort();
	/* Exactly 64 lower-case hex digits, and taken from the path itself. */
	if (strlen(ref.id) != CONTAINER_ID_MAX)
		abort();
	for (size_t i = 0; i < CONTAINER_ID_MAX; i++)
		if (!((ref.id[i] >= '0' && ref.id[i] <= '9') || (ref.id[i] >= 'a' && ref.id[i] <= 'f')))
			abort();
	if (!strstr(path, ref.id))
		abort();
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
