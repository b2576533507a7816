// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arbitrary bytes as an Engine API /containers/{id}/json answer: the parser
 * refuses with a printable sentence and nothing to free, or accepts and fills
 * every field consistently; the posture of what it accepted is one line of
 * valid JSON. A crash, a sanitizer report (leaks included) or an abort() is
 * a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container_info.h"

static void check_refused(const struct container_info *info, const char *err)
{
	static const struct container_info empty;

	if (memcmp(info, &empty, sizeof(empty)) != 0)
		abort();
	if (err[0] == '\0')
		abort();
	for (const char *c = err; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			abort();
}

static void check_string(const char *s)
{
	if (!s || strlen(s) > CONTAINER_INFO_MAX_STRING)
		abort();
}

static void check_accepted(const struct container_info *info)
{
	const char *strings[] = {
		info->name, info->image, info->image_id, info->image_repository, info->image_tag, info->image_digest,
		info->k8s_pod_name, info->k8s_ns_name, info->k8s_pod_uid, info->k8s_container_name, info->user,
		info->seccomp_profile, info->apparmor_profile, info->network_mode, info->pid_mode, info->ipc_mode,
		info->uts_mode, info->userns_mode,
	};

	if (strlen(info->id) != CONTAINER_ID_MAX || strspn(info->id, "0123456789abcdef") != CONTAINER_ID_MAX)
		abort();
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		check_string(strings[i]);
	if (info->n_labels > CONTAINER_INFO_MAX_LIST || info->n_mounts > CONTAINER_INFO_MAX_LIST ||
	    info->n_devices > CONTAINER_INFO_MAX_LIST || info->n_cap_add > CONTAINER_INFO_MAX_LIST ||
	    info->n_cap_drop > CONTAINER_INFO_MAX_LIST)
		abort();
	for (size_t i = 0; i < info->n_labels; i++) {
		check_string(info->labels[i].key);
		check_string(info->labels[i].value);
		if (container_info_label(info, info->labels[i].key) == NULL)
			abort();
	}
	for (size_t i = 0; i < info->n_cap_add; i++)
		check_string(info->cap_add[i]);
	for (size_t i = 0; i < info->n_cap_drop; i++)
		check_string(info->cap_drop[i]);
	for (size_t i = 0; i < info->n_devices; i++) {
		check_string(info->devices[i].host_path);
		check_string(info->devices[i].container_path);
		check_string(info->devices[i].permissions);
	}
	for (size_t i = 0; i < info->n_mounts; i++) {
		const struct container_mount *m = &info->mounts[i];

		check_string(m->type);
		check_string(m->source);
		check_string(m->destination);
		check_string(m->mode);
		if (m->sensitive && !container_mount_source_is_sensitive(m->source))
			abort();
	}
	/* The derived flags say what their fields say. */
	if (info->host_network != (strcmp(info->network_mode, "host") == 0) ||
	    info->host_pid != (strcmp(info->pid_mode, "host") == 0) ||
	    info->host_ipc != (strcmp(info->ipc_mode, "host") == 0) ||
	    info->host_uts != (strcmp(info->uts_mode, "host") == 0) ||
	    info->host_userns != (strcmp(info->userns_mode, "host") == 0))
		abort();
	if (info->privileged && (!info->seccomp_unconfined || !info->apparmor_unconfined))
		abort();
	if (info->pid < 0 || info->pid > INT32_MAX)
		abort();
	/* A reference with neither tag nor digest is "latest"; an explicit digest is kept whole. */
	if (info->image_digest[0] && !strstr(info->image, info->image_digest))
		abort();
}

static void check_posture(const struct container_info *info)
{
	json_t *posture = container_info_posture_json(info), *back;
	char *text;

	if (!posture)
		abort();
	text = json_dumps(posture, JSON_COMPACT);
	json_decref(posture);
	if (!text || strchr(text, '\n') || strchr(text, '\r'))
		abort();
	back = json_loads(text, 0, NULL);
	if (!back || !json_is_object(json_object_get(back, "k8s")) ||
	    json_array_size(json_object_get(back, "mounts")) != info->n_mounts ||
	    json_array_size(json_object_get(back, "devices")) != info->n_devices ||
	    json_object_size(json_object_get(back, "labels")) > info->n_labels)
		abort();
	json_decref(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container_info info;
	char err[256];
	/* An exact-size heap copy: ASan then catches any read past the end. */
	char *copy = malloc(size ? size : 1);
	char *text;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (container_info_parse(copy, size, &info, err, sizeof(err)) == 0) {
		check_accepted(&info);
		check_posture(&info);
		container_info_free(&info);
	} else {
		check_refused(&info, err);
	}
	free(copy);

	/* The same bytes as a mount source. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)container_mount_source_is_sensitive(text);
	free(text);
	return 0;
}
