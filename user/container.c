// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup path -> container. Each runtime names the cgroup it creates for a
 * container after the container id, in one of a few shapes; the table below
 * lists those shapes, one row per layout. Kubernetes adds the pod: kubelet
 * makes one cgroup per pod ("pod<uid>", or a "…-pod<uid>.slice" with the
 * systemd driver) and the runtime puts the pod's containers right below it.
 */
#include <string.h>

#include "container.h"

/* What the component just above the container's must be. */
enum parent_rule {
	PARENT_ANY,   /* anything: the name alone is specific enough */
	PARENT_EXACT, /* exactly `parent` (cgroupfs layouts put ids straight under a runtime's folder) */
	PARENT_POD,   /* a kubelet pod cgroup, cgroupfs or systemd driver */
	/*
	 * A containerd namespace (containerd's identifier rule, and not a name
	 * that systemd, kubelet or another runtime uses) at the top of a cgroup
	 * tree: the first component of the path, or the first one below a
	 * container's (containerd running in a container with its own cgroup
	 * namespace). Elsewhere a 64-hex folder under some name is no container
	 * we know (/ecs/<task>/<id> is not containerd's).
	 */
	PARENT_CONTAINERD_NAMESPACE,
};

struct cgroup_name_pattern {
	enum container_runtime runtime;
	enum parent_rule parent_rule;
	const char *parent; /* for PARENT_EXACT */
	/*
	 * The component is prefix, the 64-hex id, suffix. With `lead`, the
	 * prefix may be preceded by a systemd slice name (".slice" at its end):
	 * runc's "slice:prefix:id" cgroup path taken literally by its cgroupfs
	 * driver. The lead then names the pod.
	 */
	const char *prefix;
	const char *suffix;
	bool lead;
};

/*
 * One row per layout, tried in order on every path component; the first row
 * that matches a component decides it. Where each format comes from is in
 * tests/unit/test_container.c, with a real path for every row.
 */
static const struct cgroup_name_pattern cgroup_name_patterns[] = {
	/* Docker, cgroupfs driver: /docker/<id> */
	{ CONTAINER_RUNTIME_DOCKER, PARENT_EXACT, "docker", "", "", false },
	/* Docker, systemd driver: system.slice/docker-<id>.scope (also below kubepods slices: cri-dockerd) */
	{ CONTAINER_RUNTIME_DOCKER, PARENT_ANY, NULL, "docker-", ".scope", false },
	/* Docker on GitHub Actions runners: --cgroup-parent actions_job */
	{ CONTAINER_RUNTIME_DOCKER, PARENT_EXACT, "actions_job", "", "", false },
	/* containerd CRI, SystemdCgroup = true: …-pod<uid>.slice/cri-containerd-<id>.scope */
	{ CONTAINER_RUNTIME_CONTAINERD, PARENT_ANY, NULL, "cri-containerd-", ".scope", false },
	/* containerd CRI, kubelet on systemd but runc on cgroupfs: <pod slice>:cri-containerd:<id> */
	{ CONTAINER_RUNTIME_CONTAINERD, PARENT_ANY, NULL, ":cri-containerd:", "", true },
	/* nerdctl, systemd driver: system.slice/nerdctl-<id>.scope */
	{ CONTAINER_RUNTIME_CONTAINERD, PARENT_ANY, NULL, "nerdctl-", ".scope", false },
	/* CRI-O, systemd driver: crio-<id>.scope */
	{ CONTAINER_RUNTIME_CRIO, PARENT_ANY, NULL, "crio-", ".scope", false },
	/* CRI-O, cgroupfs driver: /crio/crio-<id>, …/pod<uid>/crio-<id> */
	{ CONTAINER_RUNTIME_CRIO, PARENT_ANY, NULL, "crio-", "", false },
	/* Podman, systemd driver: machine.slice/libpod-<id>.scope */
	{ CONTAINER_RUNTIME_PODMAN, PARENT_ANY, NULL, "libpod-", ".scope", false },
	/* Podman, cgroupfs driver: /libpod_parent/libpod-<id> */
	{ CONTAINER_RUNTIME_PODMAN, PARENT_ANY, NULL, "libpod-", "", false },
	/* Podman --cgroups=split (Quadlet's default): <unit>.service/libpod-payload-<id> */
	{ CONTAINER_RUNTIME_PODMAN, PARENT_ANY, NULL, "libpod-payload-", "", false },
	{ CONTAINER_RUNTIME_PODMAN, PARENT_ANY, NULL, "libpod-payload-", ".scope", false },
	/*
	 * kubelet cgroupfs driver, containerd CRI (k8s, k3s): /kubepods/<qos>/pod<uid>/<id>.
	 * cri-dockerd on cgroupfs writes the same path: that is reported as containerd.
	 */
	{ CONTAINER_RUNTIME_CONTAINERD, PARENT_POD, NULL, "", "", false },
	/* containerd without CRI (ctr, nerdctl on cgroupfs): /<namespace>/<id> */
	{ CONTAINER_RUNTIME_CONTAINERD, PARENT_CONTAINERD_NAMESPACE, NULL, "", "", false },
};

#define N_PATTERNS (sizeof(cgroup_name_patterns) / sizeof(cgroup_name_patterns[0]))

/*
 * Names that pass containerd's identifier rule but belong to someone else:
 * other runtimes' folders, kubelet's, and systemd units (a unit name is a
 * valid identifier: "system.slice").
 */
static const char *const not_containerd_namespaces[] = {
	"docker", "actions_job", "crio", "libpod_parent", "kubepods", "burstable", "besteffort",
};
static const char *const systemd_unit_suffixes[] = { ".slice", ".scope", ".service" };

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A path component: len bytes at start, never containing '/' or NUL. */
struct path_component {
	const char *start;
	size_t len;
};

/*
 * What matching a component needs to know about the components above it.
 * up[0] is the parent, up[1] the grandparent, up[2] the one above; len 0
 * where the path has none.
 */
struct path_context {
	struct path_component up[3];
	bool parent_is_tree_top; /* the parent is the path's first component or a container's first sub-cgroup */
	bool parent_is_container;
};

static bool bytes_equal(const char *s, size_t len, const char *literal)
{
	size_t literal_len = strlen(literal);

	return len == literal_len && memcmp(s, literal, len) == 0;
}

static bool component_equals(struct path_component c, const char *s)
{
	return bytes_equal(c.start, c.len, s);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t suffix_len = strlen(suffix);

	return len >= suffix_len && memcmp(s + len - suffix_len, suffix, suffix_len) == 0;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool all_lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

/*
 * A pod uid as kubelet writes it, `sep` between the groups ('-' for the
 * cgroupfs driver, '_' for systemd, which reserves '-' for its hierarchy):
 * 8-4-4-4-12 lower-case hex digits, or 32 hex digits and no separator (a
 * static pod: kubelet names it by the md5 of its manifest). Written to out
 * with dashes.
 */
static bool parse_pod_uid(const char *s, size_t len, char sep, char out[CONTAINER_POD_UID_MAX + 1])
{
	if (len == 32) {
		if (!all_lower_hex(s, len))
			return false;
	} else if (len == CONTAINER_POD_UID_MAX) {
		for (size_t i = 0; i < len; i++) {
			bool separator_here = i == 8 || i == 13 || i == 18 || i == 23;

			if (separator_here ? s[i] != sep : !is_lower_hex(s[i]))
				return false;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == sep ? '-' : s[i];
	out[len] = '\0';
	return true;
}

/*
 * kubelet's systemd driver: the pod is the slice "<root>-kubepods[-<qos>]-
 * pod<uid>.slice", each '-' a step down the hierarchy (so the uid's own
 * dashes became '_'); <root> is there when kubelet has a --cgroup-root
 * ("kubelet-kubepods-…" on kind nodes).
 */
static bool pod_uid_from_slice(const char *s, size_t len, char out[CONTAINER_POD_UID_MAX + 1])
{
	static const char *const parents[] = { "kubepods", "kubepods-burstable", "kubepods-besteffort" };
	size_t dash;

	if (!ends_with(s, len, ".slice"))
		return false;
	len -= strlen(".slice");
	for (dash = len; dash > 0 && s[dash - 1] != '-'; dash--)
		;
	if (dash == 0) /* no '-': not below kubepods */
		return false;
	/* s[dash - 1] is the last '-': "pod<uid>" follows, the pod's parent slice precedes. */
	if (len - dash < 3 || memcmp(s + dash, "pod", 3) != 0)
		return false;
	size_t head_len = dash - 1;
	bool below_kubepods = false;
	for (size_t i = 0; i < ARRAY_SIZE(parents); i++) {
		size_t parent_len = strlen(parents[i]);

		if (ends_with(s, head_len, parents[i]) &&
		    (head_len == parent_len || s[head_len - parent_len - 1] == '-'))
			below_kubepods = true;
	}
	return below_kubepods && parse_pod_uid(s + dash + 3, len - dash - 3, '_', out);
}

/*
 * kubelet's cgroupfs driver: the pod is "pod<uid>" in "kubepods" (Guaranteed)
 * or in "kubepods/burstable", "kubepods/besteffort".
 */
static bool pod_uid_from_cgroupfs(const struct path_context *ctx, char out[CONTAINER_POD_UID_MAX + 1])
{
	struct path_component pod = ctx->up[0];

	if (pod.len < 3 || memcmp(pod.start, "pod", 3) != 0)
		return false;
	if (!component_equals(ctx->up[1], "kubepods") &&
	    !((component_equals(ctx->up[1], "burstable") || component_equals(ctx->up[1], "besteffort")) &&
	      component_equals(ctx->up[2], "kubepods")))
		return false;
	return parse_pod_uid(pod.start + 3, pod.len - 3, '-', out);
}

/* The pod uid if the parent of the component being matched is a pod's cgroup. */
static bool pod_uid_from_parent(const struct path_context *ctx, char out[CONTAINER_POD_UID_MAX + 1])
{
	return pod_uid_from_cgroupfs(ctx, out) || pod_uid_from_slice(ctx->up[0].start, ctx->up[0].len, out);
}

/* containerd's identifier rule: [A-Za-z0-9]+([._-][A-Za-z0-9]+)* */
static bool is_containerd_identifier(struct path_component c)
{
	bool after_separator = true; /* the first character must be alphanumeric */

	for (size_t i = 0; i < c.len; i++) {
		char ch = c.start[i];

		if (is_alnum(ch))
			after_separator = false;
		else if ((ch == '.' || ch == '_' || ch == '-') && !after_separator)
			after_separator = true;
		else
			return false;
	}
	return c.len > 0 && !after_separator;
}

static bool is_containerd_namespace(const struct path_context *ctx)
{
	struct path_component ns = ctx->up[0];

	if (!ctx->parent_is_tree_top || !is_containerd_identifier(ns))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(not_containerd_namespaces); i++)
		if (component_equals(ns, not_containerd_namespaces[i]))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(systemd_unit_suffixes); i++)
		if (ends_with(ns.start, ns.len, systemd_unit_suffixes[i]))
			return false;
	return true;
}

static bool parent_rule_holds(const struct cgroup_name_pattern *p, const struct path_context *ctx)
{
	char uid[CONTAINER_POD_UID_MAX + 1];

	switch (p->parent_rule) {
	case PARENT_ANY:
		return true;
	case PARENT_EXACT:
		return component_equals(ctx->up[0], p->parent);
	case PARENT_POD:
		return pod_uid_from_parent(ctx, uid);
	case PARENT_CONTAINERD_NAMESPACE:
		return is_containerd_namespace(ctx);
	}
	return false;
}

/* If `name` (below the components in ctx) matches `p`, fill out. */
static bool pattern_match(const struct cgroup_name_pattern *p, const struct path_context *ctx,
			  struct path_component name, struct container_ref *out)
{
	size_t prefix_len = strlen(p->prefix), suffix_len = strlen(p->suffix);
	size_t fixed_len = prefix_len + CONTAINER_ID_MAX + suffix_len;
	size_t lead_len;

	/* Compared as sizes first so that the subtractions below cannot wrap. */
	if (p->lead ? name.len <= fixed_len : name.len != fixed_len)
		return false;
	lead_len = name.len - fixed_len;
	if (p->lead && !ends_with(name.start, lead_len, ".slice"))
		return false;
	if (memcmp(name.start + lead_len, p->prefix, prefix_len) != 0 ||
	    memcmp(name.start + name.len - suffix_len, p->suffix, suffix_len) != 0)
		return false;
	const char *id = name.start + lead_len + prefix_len;
	if (!all_lower_hex(id, CONTAINER_ID_MAX) || !parent_rule_holds(p, ctx))
		return false;

	out->runtime = p->runtime;
	memcpy(out->id, id, CONTAINER_ID_MAX);
	out->id[CONTAINER_ID_MAX] = '\0';
	if (!(p->lead ? pod_uid_from_slice(name.start, lead_len, out->pod_uid)
		      : pod_uid_from_parent(ctx, out->pod_uid)))
		out->pod_uid[0] = '\0';
	return true;
}

/*
 * Every component is tried and the last (deepest) match wins. The deepest
 * one is the container the process is actually in: below a container's
 * cgroup there are only its own sub-cgroups (/docker/<id>/init) or the
 * cgroups of containers started inside it (Docker-in-Docker:
 * /docker/<outer>/docker/<inner>, or a kind/k3d node whose kubelet runs pods
 * in /docker/<node>/kubepods/.../cri-containerd-<pod>.scope). The inner
 * container's rules, image and posture are what the process runs under; the
 * outer one is the host from its point of view, and so is the outer's pod: an
 * inner container has a pod uid only when it sits right in a pod. kubepods
 * and pod cgroups are no containers themselves, so they never compete.
 */
bool container_from_cgroup_path(const char *path, struct container_ref *out)
{
	struct path_context ctx = { .parent_is_tree_top = false };
	struct path_component name;
	struct container_ref candidate;
	bool found = false, first = true;

	out->runtime = CONTAINER_RUNTIME_NONE;
	out->id[0] = '\0';
	out->pod_uid[0] = '\0';
	if (!path)
		return false;

	for (const char *p = path; *p;) {
		bool matched = false;

		if (*p == '/') {
			p++;
			continue; /* empty components ("//", leading "/") are not names */
		}
		name.start = p;
		while (*p && *p != '/')
			p++;
		name.len = (size_t)(p - name.start);

		for (size_t i = 0; i < N_PATTERNS && !matched; i++)
			matched = pattern_match(&cgroup_name_patterns[i], &ctx, name, &candidate);
		if (matched) {
			*out = candidate;
			found = true;
		}

		ctx.up[2] = ctx.up[1];
		ctx.up[1] = ctx.up[0];
		ctx.up[0] = name;
		ctx.parent_is_tree_top = first || ctx.parent_is_container;
		ctx.parent_is_container = matched;
		first = false;
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
	case CONTAINER_RUNTIME_CONTAINERD:
		return "containerd";
	case CONTAINER_RUNTIME_CRIO:
		return "cri-o";
	case CONTAINER_RUNTIME_PODMAN:
		return "podman";
	}
	return "unknown";
}
