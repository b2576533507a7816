// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup path -> container. Each runtime names the cgroup it creates for a
 * container after the container id, in one of a few shapes; the table below
 * lists those shapes, one row per layout.
 */
#include <stdint.h>
#include <string.h>

#include "container.h"

struct cgroup_name_pattern {
	enum container_runtime runtime;
	/*
	 * The path component just above the container's must be exactly this
	 * (cgroupfs layouts put ids straight under a runtime-named folder, and
	 * a bare 64-hex folder elsewhere is not a container); NULL = any.
	 */
	const char *parent;
	const char *prefix; /* before the id in the component, "" for none */
	const char *suffix; /* after the id, "" for none */
	size_t id_len;      /* exact number of id characters */
	const char *id_charset;
};

#define HEX_LOWER "0123456789abcdef"

/* One row per layout; a new runtime (containerd, CRI-O, podman, ...) is a new row. */
static const struct cgroup_name_pattern cgroup_name_patterns[] = {
	/* Docker, cgroupfs driver: /docker/<id> */
	{ CONTAINER_RUNTIME_DOCKER, "docker", "", "", 64, HEX_LOWER },
	/* Docker, systemd driver: /system.slice/docker-<id>.scope (also under kubepods slices) */
	{ CONTAINER_RUNTIME_DOCKER, NULL, "docker-", ".scope", 64, HEX_LOWER },
};

#define N_PATTERNS (sizeof(cgroup_name_patterns) / sizeof(cgroup_name_patterns[0]))

/* A path component: len bytes at start, never containing '/' or NUL. */
struct path_component {
	const char *start;
	size_t len;
};

static bool component_equals(struct path_component c, const char *s)
{
	size_t len = strlen(s);

	return c.len == len && memcmp(c.start, s, len) == 0;
}

static bool all_in_charset(const char *s, size_t len, const char *charset)
{
	size_t charset_len = strlen(charset);

	for (size_t i = 0; i < len; i++)
		/* memchr, not strchr: strchr would accept the NUL terminator of charset. */
		if (!memchr(charset, (unsigned char)s[i], charset_len))
			return false;
	return true;
}

/* If `name` (with `parent` above it, len 0 if none) matches `p`, copy the id into out. */
static bool pattern_match(const struct cgroup_name_pattern *p, struct path_component parent,
			  struct path_component name, struct container_ref *out)
{
	size_t prefix_len = strlen(p->prefix), suffix_len = strlen(p->suffix);

	if (p->parent && !component_equals(parent, p->parent))
		return false;
	/* Compared as sizes first so that the subtraction below cannot wrap. */
	if (name.len != prefix_len + p->id_len + suffix_len)
		return false;
	if (memcmp(name.start, p->prefix, prefix_len) != 0 ||
	    memcmp(name.start + name.len - suffix_len, p->suffix, suffix_len) != 0)
		return false;
	const char *id = name.start + prefix_len;
	if (p->id_len > CONTAINER_ID_MAX || !all_in_charset(id, p->id_len, p->id_charset))
		return false;
	out->runtime = p->runtime;
	memcpy(out->id, id, p->id_len);
	out->id[p->id_len] = '\0';
	return true;
}

/*
 * Every component is tried and the last (deepest) match wins. The deepest
 * one is the container the process is actually in: below a container's
 * cgroup there are only its own sub-cgroups (/docker/<id>/init) or the
 * cgroups of containers started inside it (Docker-in-Docker:
 * /docker/<outer>/docker/<inner>, or a kind/k3d node whose kubelet runs pods
 * in /docker/<node>/kubepods/.../docker-<pod>.scope). The inner container's
 * rules, image and posture are what the process runs under; the outer one is
 * the host from its point of view. A kubepods prefix above a docker-<id>.scope
 * is not a container itself, so it never competes.
 */
bool container_from_cgroup_path(const char *path, struct container_ref *out)
{
	struct path_component parent = { path, 0 }, name;
	struct container_ref candidate;
	bool found = false;

	out->runtime = CONTAINER_RUNTIME_NONE;
	out->id[0] = '\0';
	if (!path)
		return false;

	for (const char *p = path; *p;) {
		if (*p == '/') {
			p++;
			continue; /* empty components ("//", leading "/") are not names */
		}
		name.start = p;
		while (*p && *p != '/')
			p++;
		name.len = (size_t)(p - name.start);

		for (size_t i = 0; i < N_PATTERNS; i++) {
			if (pattern_match(&cgroup_name_patterns[i], parent, name, &candidate)) {
				*out = candidate;
				found = true;
				break;
			}
		}
		parent = name;
	}
	return found;
}

const char *container_runtime_name(enum container_runtime runtime)
{
	switch (runtime) {
	case CONTAINER_RUNTIME_NONE:
		return "host";
	case CONTAINER_RUNTIME_DOCKER:
		return "docker";
	}
	return "unknown";
}
