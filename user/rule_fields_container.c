// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The container.* and k8s.* fields. The id and the runtime come from the
 * cgroup path and are always known; everything else is the Engine API's word
 * (ctx->container_info), and yields nothing while that is pending or
 * unavailable. Host processes are container "host", as in Falco.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stddef.h>
#include <strings.h>

#include "rule_fields_internal.h"

static const struct container_info *info_of(const struct rule_event *ev)
{
	return ev->ctx ? ev->ctx->container_info : NULL;
}

/* The container's full id; NULL for the host. */
static const char *full_id(const struct rule_event *ev)
{
	if (ev->ctx && ev->ctx->container)
		return ev->ctx->container->id;
	if (ev->ctx && ev->ctx->container_info)
		return ev->ctx->container_info->id;
	return NULL;
}

/* The host's container fields are "host" where Falco says so. */
static bool on_host(const struct rule_event *ev)
{
	return ev->ctx && !full_id(ev);
}

EXTRACTOR(extract_container_id)
{
	const char *id = full_id(ev);

	(void)arg, (void)max, (void)scratch;
	if (id)
		return value_str(out, id, strnlen(id, CONTAINER_SHORT_ID_LEN));
	return on_host(ev) ? value_cstr(out, "host") : 0;
}

EXTRACTOR(extract_container_full_id)
{
	const char *id = full_id(ev);

	(void)arg, (void)max, (void)scratch;
	if (id)
		return value_cstr(out, id);
	return on_host(ev) ? value_cstr(out, "host") : 0;
}

EXTRACTOR(extract_container_type)
{
	(void)arg, (void)max, (void)scratch;
	if (ev->ctx && ev->ctx->container)
		return value_cstr(out, container_runtime_name(ev->ctx->container->runtime));
	return on_host(ev) ? value_cstr(out, "host") : 0;
}

EXTRACTOR(extract_container_metadata)
{
	(void)arg, (void)max, (void)scratch;
	if (info_of(ev))
		return value_cstr(out, "complete");
	if (!full_id(ev))
		return 0;
	return value_cstr(out, ev->ctx->metadata == CONTAINER_METADATA_PENDING ? "pending" : "unavailable");
}

EXTRACTOR(extract_container_name)
{
	const struct container_info *info = info_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (info)
		return value_cstr(out, info->name);
	return on_host(ev) ? value_cstr(out, "host") : 0;
}

/* A string of the Engine API's answer; "" (not set) yields nothing when empty_is_none. */
static size_t info_string(const struct rule_event *ev, size_t offset, bool empty_is_none,
			  struct rule_field_value *out)
{
	const struct container_info *info = info_of(ev);
	const char *s;

	if (!info)
		return 0;
	s = *(const char *const *)((const char *)info + offset);
	if (!s || (empty_is_none && !*s))
		return 0;
	return value_cstr(out, s);
}

#define INFO_STRING(fn, member, empty_is_none)                                      \
	EXTRACTOR(fn)                                                               \
	{                                                                           \
		(void)arg, (void)max, (void)scratch;                                \
		return info_string(ev, offsetof(struct container_info, member), empty_is_none, out); \
	}

INFO_STRING(extract_container_image, image, false)
INFO_STRING(extract_container_image_repository, image_repository, false)
INFO_STRING(extract_container_image_tag, image_tag, false)
INFO_STRING(extract_container_image_digest, image_digest, true)
INFO_STRING(extract_container_user, user, false)
INFO_STRING(extract_container_network_mode, network_mode, false)
INFO_STRING(extract_k8s_pod_name, k8s_pod_name, true)
INFO_STRING(extract_k8s_ns_name, k8s_ns_name, true)
INFO_STRING(extract_k8s_container_name, k8s_container_name, true)

EXTRACTOR(extract_container_image_id)
{
	const struct container_info *info = info_of(ev);
	const char *colon;

	(void)arg, (void)max, (void)scratch;
	if (!info || !info->image_id[0])
		return 0;
	/* "sha256:<64 hex>": Falco gives the digest without its algorithm. */
	colon = strchr(info->image_id, ':');
	return value_cstr(out, colon ? colon + 1 : info->image_id);
}

EXTRACTOR(extract_k8s_pod_uid)
{
	const struct container_info *info = info_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (info && info->k8s_pod_uid[0])
		return value_cstr(out, info->k8s_pod_uid);
	/* The cgroup path names the pod too, API or not. */
	if (ev->ctx && ev->ctx->container && ev->ctx->container->pod_uid[0])
		return value_cstr(out, ev->ctx->container->pod_uid);
	return 0;
}

static size_t info_bool(const struct rule_event *ev, size_t offset, struct rule_field_value *out)
{
	const struct container_info *info = info_of(ev);

	return info ? value_bool(out, *(const bool *)((const char *)info + offset)) : 0;
}

#define INFO_BOOL(fn, member)                                                        \
	EXTRACTOR(fn)                                                                \
	{                                                                            \
		(void)arg, (void)max, (void)scratch;                                 \
		return info_bool(ev, offsetof(struct container_info, member), out); \
	}

INFO_BOOL(extract_container_privileged, privileged)
INFO_BOOL(extract_container_user_root, user_root)
INFO_BOOL(extract_container_readonly_rootfs, readonly_rootfs)
INFO_BOOL(extract_container_no_new_privileges, no_new_privileges)
INFO_BOOL(extract_container_seccomp_unconfined, seccomp_unconfined)
INFO_BOOL(extract_container_apparmor_unconfined, apparmor_unconfined)
INFO_BOOL(extract_container_host_network, host_network)
INFO_BOOL(extract_container_host_pid, host_pid)
INFO_BOOL(extract_container_host_ipc, host_ipc)
INFO_BOOL(extract_container_host_uts, host_uts)
INFO_BOOL(extract_container_host_userns, host_userns)

EXTRACTOR(extract_container_memory_limit)
{
	const struct container_info *info = info_of(ev);

	(void)arg, (void)max, (void)scratch;
	return info ? value_int(out, info->memory_limit) : 0;
}

EXTRACTOR(extract_container_pids_limit)
{
	const struct container_info *info = info_of(ev);

	(void)arg, (void)max, (void)scratch;
	/* 0 and -1 both mean no limit. */
	return info ? value_int(out, info->pids_limit > 0 ? info->pids_limit : 0) : 0;
}

EXTRACTOR(extract_container_cpu_quota)
{
	const struct container_info *info = info_of(ev);

	(void)arg, (void)max, (void)scratch;
	return info ? value_int(out, info->cpu_quota) : 0;
}

/* "CAP_SYS_ADMIN" from "SYS_ADMIN", "sys_admin" or "CAP_SYS_ADMIN"; "ALL" stays. */
static size_t capability_value(const char *cap, struct rule_field_value *out, struct rule_scratch *scratch)
{
	struct scratch_text t;
	struct rule_scratch *s = scratch;
	size_t from;

	text_begin(&t, scratch);
	if (strncasecmp(cap, "CAP_", 4) && strcasecmp(cap, "ALL"))
		scratch_append(&t, "CAP_", 4);
	from = s->used;
	scratch_append_str(&t, cap);
	for (size_t i = from; i < s->used; i++)
		s->buf[i] = (char)toupper((unsigned char)s->buf[i]);
	return text_value(&t, out);
}

static size_t capabilities(char *const *caps, size_t n_caps, struct rule_field_value *out, size_t max,
			   struct rule_scratch *scratch)
{
	size_t n = 0;

	for (size_t i = 0; i < n_caps && n < max; i++)
		n += capability_value(caps[i], out + n, scratch);
	return n;
}

EXTRACTOR(extract_container_cap_add)
{
	const struct container_info *info = info_of(ev);

	(void)arg;
	return info ? capabilities(info->cap_add, info->n_cap_add, out, max, scratch) : 0;
}

EXTRACTOR(extract_container_cap_drop)
{
	const struct container_info *info = info_of(ev);

	(void)arg;
	return info ? capabilities(info->cap_drop, info->n_cap_drop, out, max, scratch) : 0;
}

/* Falco's "source:dest:mode:rdwr:propagation" for each mount, space-separated; vigil has no propagation. */
EXTRACTOR(extract_container_mounts)
{
	const struct container_info *info = info_of(ev);
	struct scratch_text t;

	(void)arg, (void)max;
	if (!info)
		return 0;
	text_begin(&t, scratch);
	for (size_t i = 0; i < info->n_mounts; i++) {
		const struct container_mount *m = &info->mounts[i];

		if (i)
			scratch_append(&t, " ", 1);
		scratch_append_str(&t, m->source);
		scratch_append(&t, ":", 1);
		scratch_append_str(&t, m->destination);
		scratch_append(&t, ":", 1);
		scratch_append_str(&t, m->mode);
		scratch_append_str(&t, m->read_write ? ":true:" : ":false:");
	}
	return text_value(&t, out);
}

/* The key (a path, or a glob) against a mount's path. */
static bool mount_key_matches(const struct rule_field_arg *arg, const char *path)
{
	return arg->key_is_glob ? fnmatch(arg->key, path, 0) == 0 : strcmp(arg->key, path) == 0;
}

/*
 * One side of the mounts: with [N], mount N's; with a key, those whose other
 * side the key names (a glob matches); without, every mount's.
 */
static size_t mount_side(const struct rule_event *ev, const struct rule_field_arg *arg, bool want_source,
			 struct rule_field_value *out, size_t max)
{
	const struct container_info *info = info_of(ev);
	size_t n = 0;

	if (!info)
		return 0;
	if (arg->present && arg->index >= 0) {
		const struct container_mount *m;

		if ((size_t)arg->index >= info->n_mounts)
			return 0;
		m = &info->mounts[arg->index];
		return value_cstr(out, want_source ? m->source : m->destination);
	}
	for (size_t i = 0; i < info->n_mounts && n < max; i++) {
		const struct container_mount *m = &info->mounts[i];

		if (arg->present && !mount_key_matches(arg, want_source ? m->destination : m->source))
			continue;
		n += value_cstr(out + n, want_source ? m->source : m->destination);
	}
	return n;
}

EXTRACTOR(extract_container_mount_source)
{
	(void)scratch;
	return mount_side(ev, arg, true, out, max);
}

EXTRACTOR(extract_container_mount_dest)
{
	(void)scratch;
	return mount_side(ev, arg, false, out, max);
}

EXTRACTOR(extract_container_sensitive_mounts)
{
	const struct container_info *info = info_of(ev);
	size_t n = 0;

	(void)arg, (void)scratch;
	for (size_t i = 0; info && i < info->n_mounts && n < max; i++)
		if (info->mounts[i].sensitive)
			n += value_cstr(out + n, info->mounts[i].source);
	return n;
}

EXTRACTOR(extract_container_label)
{
	const struct container_info *info = info_of(ev);
	const char *value = info && arg->key ? container_info_label(info, arg->key) : NULL;

	(void)max, (void)scratch;
	return value ? value_cstr(out, value) : 0;
}

EXTRACTOR(extract_container_devices)
{
	const struct container_info *info = info_of(ev);
	size_t n = 0;

	(void)arg, (void)scratch;
	for (size_t i = 0; info && i < info->n_devices && n < max; i++)
		n += value_cstr(out + n, info->devices[i].host_path);
	return n;
}

EXTRACTOR(extract_container_action)
{
	(void)arg, (void)max, (void)scratch;
	if (ev->type != RULE_EVENT_CONTAINER || !ev->container_action)
		return 0;
	return value_cstr(out, ev->container_action);
}
