// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Engine API /containers/{id}/json -> struct container_info, and the posture
 * it describes as JSON.
 *
 * The answer is untrusted (a daemon, or whatever answers on its socket), so
 * one rule decides every field:
 *  - Id (64 lower-case hex digits) and Name (a string) are required.
 *  - Every other member is optional: absent or null means "not set". Docker
 *    itself writes null for an empty CapAdd, SecurityOpt or PidsLimit.
 *  - A member that is present with another type is an error naming its JSON
 *    path. Reading "Privileged": "yes" as "not privileged" would hide exactly
 *    what the posture check looks for, and an answer that is wrong there is
 *    not one to trust elsewhere.
 *  - Elements of lists and label values cannot be "not set": null there is an
 *    error too.
 *  - Strings longer than CONTAINER_INFO_MAX_STRING and lists longer than
 *    CONTAINER_INFO_MAX_LIST are errors; unknown members are ignored;
 *    duplicate keys are refused (two "Privileged" keys must not mean one
 *    thing here and another to the next parser).
 * jansson refuses invalid UTF-8, escaped NULs and nesting deeper than
 * JSON_PARSER_MAX_DEPTH (2048) while parsing, so what reaches the code below
 * is a tree of bounded depth made of NUL-free UTF-8 strings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_info.h"
#include "json_writer.h"

/* Longest piece of an untrusted string quoted in an error message. */
#define QUOTE_MAX 64
/* Room for a quote: each byte may become "\xNN", and "..." follows a cut. */
#define QUOTE_SIZE(max) ((max) * 4 + 4)

struct parser {
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, int error, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return error;
}

static int out_of_memory(struct parser *p, const char *path)
{
	return fail(p, -ENOMEM, "out of memory while reading %s", path);
}

/*
 * Untrusted text fit for an error message (which ends up in logs): printable
 * ASCII stays, every other byte becomes \xNN, and at most `max` bytes of the
 * input are shown.
 */
static void quote_untrusted(char *out, size_t size, const char *s, size_t len, size_t max)
{
	size_t used = 0;

	if (!size)
		return;
	for (size_t i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		int n;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			n = snprintf(out + used, size - used, "%c", c);
		else
			n = snprintf(out + used, size - used, "\\x%02x", c);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	out[used] = '\0';
	if (len > max && used + 3 < size)
		strcpy(out + used, "...");
}

static const char *type_phrase(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "of an unknown type";
}

static char *copy_bytes(const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* True when v is missing or null: an optional member that is not set. */
static bool is_unset(const json_t *v)
{
	return !v || json_is_null(v);
}

/*
 * A string member: a copy in *out ("" when an optional one is not set). Its
 * bytes are valid UTF-8 without NULs (jansson checked), and bounded here.
 */
static int read_string(struct parser *p, const json_t *v, const char *path, bool required, char **out)
{
	size_t len;

	if (!v && required)
		return fail(p, -EINVAL, "%s is missing", path);
	if (is_unset(v) && !required) {
		*out = copy_bytes("", 0);
		return *out ? 0 : out_of_memory(p, path);
	}
	if (!json_is_string(v))
		return fail(p, -EINVAL, "%s is %s, not a string", path, type_phrase(v));
	len = json_string_length(v);
	if (len > CONTAINER_INFO_MAX_STRING)
		return fail(p, -EINVAL, "%s is %zu bytes long, more than %u", path, len, CONTAINER_INFO_MAX_STRING);
	*out = copy_bytes(json_string_value(v), len);
	return *out ? 0 : out_of_memory(p, path);
}

static int read_bool(struct parser *p, const json_t *v, const char *path, bool *out)
{
	if (is_unset(v)) {
		*out = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return fail(p, -EINVAL, "%s is %s, not a boolean", path, type_phrase(v));
	*out = json_is_true(v);
	return 0;
}

static int read_int64(struct parser *p, const json_t *v, const char *path, int64_t *out)
{
	if (is_unset(v)) {
		*out = 0;
		return 0;
	}
	if (json_is_real(v))
		return fail(p, -EINVAL, "%s is a number with a fraction or an exponent, not an integer", path);
	if (!json_is_integer(v))
		return fail(p, -EINVAL, "%s is %s, not an integer", path, type_phrase(v));
	*out = (int64_t)json_integer_value(v);
	return 0;
}

/* An optional object member: *out is NULL when it is not set. */
static int read_object(struct parser *p, json_t *v, const char *path, json_t **out)
{
	*out = NULL;
	if (is_unset(v))
		return 0;
	if (!json_is_object(v))
		return fail(p, -EINVAL, "%s is %s, not an object", path, type_phrase(v));
	*out = v;
	return 0;
}

/* An optional array member of at most CONTAINER_INFO_MAX_LIST elements: *out is NULL when it is not set. */
static int read_array(struct parser *p, json_t *v, const char *path, json_t **out)
{
	*out = NULL;
	if (is_unset(v))
		return 0;
	if (!json_is_array(v))
		return fail(p, -EINVAL, "%s is %s, not an array", path, type_phrase(v));
	if (json_array_size(v) > CONTAINER_INFO_MAX_LIST)
		return fail(p, -EINVAL, "%s has %zu elements, more than %u", path, json_array_size(v),
			    CONTAINER_INFO_MAX_LIST);
	*out = v;
	return 0;
}

/* Element i of an array of strings, not copied; null is an error, as is any other type. */
static int read_element_string(struct parser *p, json_t *array, size_t i, const char *path, const char **out)
{
	json_t *v = json_array_get(array, i);

	if (!json_is_string(v))
		return fail(p, -EINVAL, "%s[%zu] is %s, not a string", path, i, type_phrase(v));
	if (json_string_length(v) > CONTAINER_INFO_MAX_STRING)
		return fail(p, -EINVAL, "%s[%zu] is %zu bytes long, more than %u", path, i, json_string_length(v),
			    CONTAINER_INFO_MAX_STRING);
	*out = json_string_value(v);
	return 0;
}

static int read_string_list(struct parser *p, json_t *v, const char *path, char ***items, size_t *n_items)
{
	json_t *array;
	size_t n;
	int err;

	err = read_array(p, v, path, &array);
	if (err || !array || !(n = json_array_size(array)))
		return err;
	*items = calloc(n, sizeof(**items));
	if (!*items)
		return out_of_memory(p, path);
	for (size_t i = 0; i < n; i++) {
		const char *s;

		err = read_element_string(p, array, i, path, &s);
		if (err)
			return err;
		(*items)[i] = copy_bytes(s, json_string_length(json_array_get(array, i)));
		if (!(*items)[i])
			return out_of_memory(p, path);
		*n_items = i + 1;
	}
	return 0;
}

static int parse_id(struct parser *p, const json_t *v, struct container_info *out)
{
	const char *id;
	size_t len;

	if (!v)
		return fail(p, -EINVAL, "Id is missing");
	if (!json_is_string(v))
		return fail(p, -EINVAL, "Id is %s, not a string", type_phrase(v));
	id = json_string_value(v);
	len = json_string_length(v);
	if (len != CONTAINER_ID_MAX || strspn(id, "0123456789abcdef") != CONTAINER_ID_MAX) {
		char quoted[QUOTE_SIZE(QUOTE_MAX)];

		quote_untrusted(quoted, sizeof(quoted), id, len, QUOTE_MAX);
		return fail(p, -EINVAL, "Id \"%s\" is not %d lower-case hex digits", quoted, CONTAINER_ID_MAX);
	}
	memcpy(out->id, id, CONTAINER_ID_MAX + 1);
	return 0;
}

static int parse_name(struct parser *p, const json_t *v, struct container_info *out)
{
	char *name;
	int err;

	err = read_string(p, v, "Name", true, &name);
	if (err)
		return err;
	/* Docker (and Podman's compat API) answer "/name": the name is under the daemon's root. */
	if (name[0] == '/')
		memmove(name, name + 1, strlen(name));
	out->name = name;
	return 0;
}

static bool is_image_id(const char *ref)
{
	static const char prefix[] = "sha256:";
	size_t prefix_len = sizeof(prefix) - 1;

	return strncmp(ref, prefix, prefix_len) == 0 && strlen(ref) == prefix_len + 64 &&
	       strspn(ref + prefix_len, "0123456789abcdef") == 64;
}

/*
 * "[registry[:port]/]path[:tag][@digest]". A ':' is a tag's only when it
 * follows the last '/' ("localhost:5000/app" has a port, no tag); no tag and
 * no digest means "latest", as the daemon read it. A container started from
 * an image id ("sha256:<64 hex>") has no repository, tag or digest.
 */
static int split_image_reference(struct parser *p, const char *ref, struct container_info *out)
{
	const char *at = strchr(ref, '@');
	size_t name_len = at ? (size_t)(at - ref) : strlen(ref);
	const char *colon = memrchr(ref, ':', name_len);
	const char *slash = memrchr(ref, '/', name_len);
	size_t repository_len = name_len;
	const char *tag = "";
	size_t tag_len = 0;

	if (ref[0] == '\0' || is_image_id(ref)) {
		repository_len = 0;
	} else if (colon && (!slash || colon > slash)) {
		repository_len = (size_t)(colon - ref);
		tag = colon + 1;
		tag_len = name_len - repository_len - 1;
	} else if (!at) {
		tag = "latest";
		tag_len = strlen(tag);
	}
	out->image_repository = copy_bytes(ref, repository_len);
	out->image_tag = copy_bytes(tag, tag_len);
	out->image_digest = at ? copy_bytes(at + 1, strlen(at + 1)) : copy_bytes("", 0);
	if (!out->image_repository || !out->image_tag || !out->image_digest)
		return out_of_memory(p, "Config.Image");
	return 0;
}

static int parse_labels(struct parser *p, json_t *v, struct container_info *out)
{
	json_t *labels, *value;
	const char *key;
	size_t n;
	int err;

	err = read_object(p, v, "Config.Labels", &labels);
	if (err || !labels || !(n = json_object_size(labels)))
		return err;
	if (n > CONTAINER_INFO_MAX_LIST)
		return fail(p, -EINVAL, "Config.Labels has %zu labels, more than %u", n, CONTAINER_INFO_MAX_LIST);
	out->labels = calloc(n, sizeof(*out->labels));
	if (!out->labels)
		return out_of_memory(p, "Config.Labels");
	json_object_foreach(labels, key, value) {
		size_t key_len = strlen(key);
		struct container_label *label;
		char quoted[QUOTE_SIZE(QUOTE_MAX)];

		quote_untrusted(quoted, sizeof(quoted), key, key_len, QUOTE_MAX);
		if (key_len > CONTAINER_INFO_MAX_STRING)
			return fail(p, -EINVAL, "Config.Labels has a key %zu bytes long (\"%s\"), more than %u", key_len,
				    quoted, CONTAINER_INFO_MAX_STRING);
		if (!json_is_string(value))
			return fail(p, -EINVAL, "Config.Labels[\"%s\"] is %s, not a string", quoted, type_phrase(value));
		if (json_string_length(value) > CONTAINER_INFO_MAX_STRING)
			return fail(p, -EINVAL, "Config.Labels[\"%s\"] is %zu bytes long, more than %u", quoted,
				    json_string_length(value), CONTAINER_INFO_MAX_STRING);
		if (out->n_labels == n) /* cannot happen: the object did not change since it was counted */
			break;
		label = &out->labels[out->n_labels++];
		label->key = copy_bytes(key, key_len);
		label->value = copy_bytes(json_string_value(value), json_string_length(value));
		if (!label->key || !label->value)
			return out_of_memory(p, "Config.Labels");
	}
	return 0;
}

static int copy_label(struct parser *p, const struct container_info *info, const char *key, char **out)
{
	const char *value = container_info_label(info, key);

	*out = value ? strdup(value) : copy_bytes("", 0);
	return *out ? 0 : out_of_memory(p, key);
}

/* Config.User "" runs as the image's user, root unless the image says otherwise. */
static bool is_root_user(const char *user)
{
	return user[0] == '\0' || strcmp(user, "0") == 0 || strcmp(user, "root") == 0 ||
	       strncmp(user, "0:", 2) == 0 || strncmp(user, "root:", 5) == 0;
}

static int parse_config(struct parser *p, json_t *root, struct container_info *out)
{
	json_t *config;
	int err;

	err = read_object(p, json_object_get(root, "Config"), "Config", &config);
	if (err)
		return err;
	/* json_object_get(NULL, ...) is NULL: a missing Config reads as an empty one. */
	err = read_string(p, json_object_get(config, "Image"), "Config.Image", false, &out->image);
	if (err)
		return err;
	err = split_image_reference(p, out->image, out);
	if (err)
		return err;
	err = read_string(p, json_object_get(config, "User"), "Config.User", false, &out->user);
	if (err)
		return err;
	out->user_root = is_root_user(out->user);
	err = parse_labels(p, json_object_get(config, "Labels"), out);
	if (err)
		return err;
	err = copy_label(p, out, "io.kubernetes.pod.name", &out->k8s_pod_name);
	if (!err)
		err = copy_label(p, out, "io.kubernetes.pod.namespace", &out->k8s_ns_name);
	if (!err)
		err = copy_label(p, out, "io.kubernetes.pod.uid", &out->k8s_pod_uid);
	if (!err)
		err = copy_label(p, out, "io.kubernetes.container.name", &out->k8s_container_name);
	return err;
}

/* Go's strconv.ParseBool, which dockerd applies to "no-new-privileges=<value>". */
static int parse_go_bool(const char *s)
{
	static const char *const truths[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const lies[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		if (strcmp(s, truths[i]) == 0)
			return 1;
		if (strcmp(s, lies[i]) == 0)
			return 0;
	}
	return -1;
}

struct security_opts {
	bool no_new_privileges;
	const char *seccomp;  /* NULL when no option names one */
	const char *apparmor; /* NULL when no option names one */
};

/*
 * HostConfig.SecurityOpt as dockerd reads it (daemon parseSecurityOpt): a bare
 * "no-new-privileges", or "key=value", or the older "key:value" when there is
 * no '='; later options override earlier ones. "label=..." (SELinux) and what
 * dockerd would refuse are ignored here.
 */
static void apply_security_opt(const char *opt, struct security_opts *opts)
{
	const char *sep = strchr(opt, '=');
	size_t key_len;

	if (strcmp(opt, "no-new-privileges") == 0) {
		opts->no_new_privileges = true;
		return;
	}
	if (!sep)
		sep = strchr(opt, ':');
	if (!sep)
		return;
	key_len = (size_t)(sep - opt);
	if (key_len == strlen("no-new-privileges") && strncmp(opt, "no-new-privileges", key_len) == 0) {
		int value = parse_go_bool(sep + 1);

		if (value >= 0)
			opts->no_new_privileges = value;
	} else if (key_len == strlen("seccomp") && strncmp(opt, "seccomp", key_len) == 0) {
		opts->seccomp = sep + 1;
	} else if (key_len == strlen("apparmor") && strncmp(opt, "apparmor", key_len) == 0) {
		opts->apparmor = sep + 1;
	}
}

static int parse_security_opts(struct parser *p, json_t *v, struct security_opts *opts)
{
	json_t *array;
	int err;

	err = read_array(p, v, "HostConfig.SecurityOpt", &array);
	if (err || !array)
		return err;
	for (size_t i = 0; i < json_array_size(array); i++) {
		const char *opt;

		err = read_element_string(p, array, i, "HostConfig.SecurityOpt", &opt);
		if (err)
			return err;
		apply_security_opt(opt, opts);
	}
	return 0;
}

static int parse_devices(struct parser *p, json_t *v, struct container_info *out)
{
	json_t *array;
	size_t n;
	int err;

	err = read_array(p, v, "HostConfig.Devices", &array);
	if (err || !array || !(n = json_array_size(array)))
		return err;
	out->devices = calloc(n, sizeof(*out->devices));
	if (!out->devices)
		return out_of_memory(p, "HostConfig.Devices");
	for (size_t i = 0; i < n; i++) {
		struct container_device *device = &out->devices[i];
		json_t *element = json_array_get(array, i);
		char path[64];

		out->n_devices = i + 1;
		if (!json_is_object(element))
			return fail(p, -EINVAL, "HostConfig.Devices[%zu] is %s, not an object", i, type_phrase(element));
		snprintf(path, sizeof(path), "HostConfig.Devices[%zu].PathOnHost", i);
		err = read_string(p, json_object_get(element, "PathOnHost"), path, false, &device->host_path);
		if (err)
			return err;
		snprintf(path, sizeof(path), "HostConfig.Devices[%zu].PathInContainer", i);
		err = read_string(p, json_object_get(element, "PathInContainer"), path, false, &device->container_path);
		if (err)
			return err;
		snprintf(path, sizeof(path), "HostConfig.Devices[%zu].CgroupPermissions", i);
		err = read_string(p, json_object_get(element, "CgroupPermissions"), path, false, &device->permissions);
		if (err)
			return err;
	}
	return 0;
}

static bool is_host_mode(const char *mode)
{
	/* "container:<id>" shares another container's namespace, not the host's. */
	return strcmp(mode, "host") == 0;
}

static int parse_host_config(struct parser *p, json_t *root, struct container_info *out)
{
	struct security_opts opts = { 0 };
	char *apparmor_from_answer = NULL;
	json_t *host;
	int err;

	err = read_object(p, json_object_get(root, "HostConfig"), "HostConfig", &host);
	if (err)
		return err;

	err = read_bool(p, json_object_get(host, "Privileged"), "HostConfig.Privileged", &out->privileged);
	if (!err)
		err = read_string_list(p, json_object_get(host, "CapAdd"), "HostConfig.CapAdd", &out->cap_add,
				       &out->n_cap_add);
	if (!err)
		err = read_string_list(p, json_object_get(host, "CapDrop"), "HostConfig.CapDrop", &out->cap_drop,
				       &out->n_cap_drop);
	if (!err)
		err = read_bool(p, json_object_get(host, "ReadonlyRootfs"), "HostConfig.ReadonlyRootfs",
				&out->readonly_rootfs);
	if (!err)
		err = parse_security_opts(p, json_object_get(host, "SecurityOpt"), &opts);
	if (!err)
		err = read_int64(p, json_object_get(host, "Memory"), "HostConfig.Memory", &out->memory_limit);
	if (!err)
		err = read_int64(p, json_object_get(host, "NanoCpus"), "HostConfig.NanoCpus", &out->nano_cpus);
	if (!err)
		err = read_int64(p, json_object_get(host, "CpuQuota"), "HostConfig.CpuQuota", &out->cpu_quota);
	if (!err)
		err = read_int64(p, json_object_get(host, "PidsLimit"), "HostConfig.PidsLimit", &out->pids_limit);
	if (!err)
		err = read_string(p, json_object_get(host, "NetworkMode"), "HostConfig.NetworkMode", false,
				  &out->network_mode);
	if (!err)
		err = read_string(p, json_object_get(host, "PidMode"), "HostConfig.PidMode", false, &out->pid_mode);
	if (!err)
		err = read_string(p, json_object_get(host, "IpcMode"), "HostConfig.IpcMode", false, &out->ipc_mode);
	if (!err)
		err = read_string(p, json_object_get(host, "UTSMode"), "HostConfig.UTSMode", false, &out->uts_mode);
	if (!err)
		err = read_string(p, json_object_get(host, "UsernsMode"), "HostConfig.UsernsMode", false,
				  &out->userns_mode);
	if (!err)
		err = parse_devices(p, json_object_get(host, "Devices"), out);
	if (!err)
		err = read_string(p, json_object_get(root, "AppArmorProfile"), "AppArmorProfile", false,
				  &apparmor_from_answer);
	if (err) {
		free(apparmor_from_answer);
		return err;
	}

	out->no_new_privileges = opts.no_new_privileges;
	out->seccomp_profile = strdup(opts.seccomp ? opts.seccomp : "");
	/*
	 * dockerd copies "apparmor=<profile>" into AppArmorProfile when the host
	 * has AppArmor; on a host without it only the option says what was asked.
	 */
	if (apparmor_from_answer[0] == '\0' && opts.apparmor) {
		free(apparmor_from_answer);
		apparmor_from_answer = strdup(opts.apparmor);
	}
	out->apparmor_profile = apparmor_from_answer;
	if (!out->seccomp_profile || !out->apparmor_profile)
		return out_of_memory(p, "HostConfig.SecurityOpt");
	/* Docker and Podman run a privileged container without seccomp filter or AppArmor profile. */
	out->seccomp_unconfined = out->privileged || strcmp(out->seccomp_profile, "unconfined") == 0;
	out->apparmor_unconfined = out->privileged || strcmp(out->apparmor_profile, "unconfined") == 0 ||
				   (opts.apparmor && strcmp(opts.apparmor, "unconfined") == 0);
	out->host_network = is_host_mode(out->network_mode);
	out->host_pid = is_host_mode(out->pid_mode);
	out->host_ipc = is_host_mode(out->ipc_mode);
	out->host_uts = is_host_mode(out->uts_mode);
	out->host_userns = is_host_mode(out->userns_mode);
	return 0;
}

/*
 * A volume's Source is the runtime's own storage for it (/var/lib/docker/
 * volumes/<name>/_data) and a tmpfs has none: only what the user named as a
 * host path can be a sensitive one.
 */
static bool mount_source_is_host_path(const char *type)
{
	return strcmp(type, "volume") != 0 && strcmp(type, "tmpfs") != 0;
}

static int parse_mounts(struct parser *p, json_t *root, struct container_info *out)
{
	json_t *array;
	size_t n;
	int err;

	err = read_array(p, json_object_get(root, "Mounts"), "Mounts", &array);
	if (err || !array || !(n = json_array_size(array)))
		return err;
	out->mounts = calloc(n, sizeof(*out->mounts));
	if (!out->mounts)
		return out_of_memory(p, "Mounts");
	for (size_t i = 0; i < n; i++) {
		struct container_mount *mount = &out->mounts[i];
		json_t *element = json_array_get(array, i);
		char path[48];

		out->n_mounts = i + 1;
		if (!json_is_object(element))
			return fail(p, -EINVAL, "Mounts[%zu] is %s, not an object", i, type_phrase(element));
		snprintf(path, sizeof(path), "Mounts[%zu].Type", i);
		err = read_string(p, json_object_get(element, "Type"), path, false, &mount->type);
		if (err)
			return err;
		snprintf(path, sizeof(path), "Mounts[%zu].Source", i);
		err = read_string(p, json_object_get(element, "Source"), path, false, &mount->source);
		if (err)
			return err;
		snprintf(path, sizeof(path), "Mounts[%zu].Destination", i);
		err = read_string(p, json_object_get(element, "Destination"), path, false, &mount->destination);
		if (err)
			return err;
		snprintf(path, sizeof(path), "Mounts[%zu].Mode", i);
		err = read_string(p, json_object_get(element, "Mode"), path, false, &mount->mode);
		if (err)
			return err;
		snprintf(path, sizeof(path), "Mounts[%zu].RW", i);
		err = read_bool(p, json_object_get(element, "RW"), path, &mount->read_write);
		if (err)
			return err;
		mount->sensitive = mount_source_is_host_path(mount->type) &&
				   container_mount_source_is_sensitive(mount->source);
	}
	return 0;
}

static int parse_state(struct parser *p, json_t *root, struct container_info *out)
{
	json_t *state;
	int err;

	err = read_object(p, json_object_get(root, "State"), "State", &state);
	if (!err)
		err = read_int64(p, json_object_get(state, "Pid"), "State.Pid", &out->pid);
	if (!err && (out->pid < 0 || out->pid > INT32_MAX))
		return fail(p, -EINVAL, "State.Pid is %lld, not a process id", (long long)out->pid);
	if (!err)
		err = read_bool(p, json_object_get(state, "Running"), "State.Running", &out->running);
	return err;
}

static int parse_answer(struct parser *p, json_t *root, struct container_info *out)
{
	int err;

	if (!json_is_object(root))
		return fail(p, -EINVAL, "the answer is %s, not an object", type_phrase(root));
	err = parse_id(p, json_object_get(root, "Id"), out);
	if (!err)
		err = parse_name(p, json_object_get(root, "Name"), out);
	if (!err)
		err = read_string(p, json_object_get(root, "Image"), "Image", false, &out->image_id);
	if (!err)
		err = parse_config(p, root, out);
	if (!err)
		err = parse_host_config(p, root, out);
	if (!err)
		err = parse_mounts(p, root, out);
	if (!err)
		err = parse_state(p, root, out);
	return err;
}

int container_info_parse(const char *answer, size_t len, struct container_info *out, char *err, size_t errlen)
{
	struct parser p = { .err = err, .errlen = errlen };
	json_error_t json_err;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!answer)
		return fail(&p, -EINVAL, "there is no answer");
	if (len > CONTAINER_INFO_MAX_ANSWER)
		return fail(&p, -EINVAL, "the answer is %zu bytes long, more than %u", len, CONTAINER_INFO_MAX_ANSWER);
	root = json_loadb(answer, len, JSON_REJECT_DUPLICATES, &json_err);
	if (!root) {
		/* jansson quotes the input near the error: quote it again, it is untrusted. */
		char quoted[QUOTE_SIZE(JSON_ERROR_TEXT_LENGTH)];

		quote_untrusted(quoted, sizeof(quoted), json_err.text, strnlen(json_err.text, sizeof(json_err.text)),
				JSON_ERROR_TEXT_LENGTH);
		return fail(&p, -EINVAL, "the answer is not valid JSON: %s (line %d, column %d)", quoted, json_err.line,
			    json_err.column);
	}
	ret = parse_answer(&p, root, out);
	json_decref(root);
	if (ret)
		container_info_free(out);
	return ret;
}

static void free_string_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void container_info_free(struct container_info *info)
{
	if (!info)
		return;
	free(info->name);
	free(info->image);
	free(info->image_id);
	free(info->image_repository);
	free(info->image_tag);
	free(info->image_digest);
	for (size_t i = 0; i < info->n_labels; i++) {
		free(info->labels[i].key);
		free(info->labels[i].value);
	}
	free(info->labels);
	free(info->k8s_pod_name);
	free(info->k8s_ns_name);
	free(info->k8s_pod_uid);
	free(info->k8s_container_name);
	free_string_list(info->cap_add, info->n_cap_add);
	free_string_list(info->cap_drop, info->n_cap_drop);
	free(info->user);
	free(info->seccomp_profile);
	free(info->apparmor_profile);
	free(info->network_mode);
	free(info->pid_mode);
	free(info->ipc_mode);
	free(info->uts_mode);
	free(info->userns_mode);
	for (size_t i = 0; i < info->n_devices; i++) {
		free(info->devices[i].host_path);
		free(info->devices[i].container_path);
		free(info->devices[i].permissions);
	}
	free(info->devices);
	for (size_t i = 0; i < info->n_mounts; i++) {
		free(info->mounts[i].type);
		free(info->mounts[i].source);
		free(info->mounts[i].destination);
		free(info->mounts[i].mode);
	}
	free(info->mounts);
	memset(info, 0, sizeof(*info));
}

const char *container_info_label(const struct container_info *info, const char *key)
{
	if (!info || !key)
		return NULL;
	for (size_t i = 0; i < info->n_labels; i++)
		if (info->labels[i].key && info->labels[i].value && strcmp(info->labels[i].key, key) == 0)
			return info->labels[i].value;
	return NULL;
}

/* ---- sensitive host paths ---- */

/* Sensitive with everything below them. "/" is not here: below it is everything. */
static const char *const sensitive_trees[] = {
	"/etc", "/root", "/proc", "/sys", "/boot", "/dev", "/home",
	"/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet", "/etc/kubernetes",
};

/* Sockets that drive a runtime, wherever they live (rootless ones are in /run/user/<uid>/). */
static const char *const runtime_sockets[] = { "docker.sock", "containerd.sock", "crio.sock", "podman.sock" };

/*
 * An absolute path without "//", "." or "..", nor a trailing '/' ("/" stays
 * "/"): ".." is resolved lexically, as Go's filepath.Clean does, so
 * "/var/lib/../lib/docker" cannot hide /var/lib/docker. Symbolic links are not
 * followed: the path names the host's files, not ours.
 */
static void clean_path(const char *path, char *out)
{
	size_t len = 0;

	while (*path) {
		const char *start, *end;
		size_t n;

		while (*path == '/')
			path++;
		start = path;
		end = strchrnul(start, '/');
		n = (size_t)(end - start);
		path = end;
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the '/' before the dropped component */
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, start, n);
		len += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
}

bool container_mount_source_is_sensitive(const char *source)
{
	const char *base;
	bool sensitive = false;
	char *clean;

	if (!source || source[0] != '/')
		return false; /* a volume name or nothing: not a host path */
	/* A clean path is never longer than the source (plus "/" for the root). */
	clean = malloc(strlen(source) + 2);
	if (!clean)
		return true; /* cannot tell: say so in the direction that gets looked at */
	clean_path(source, clean);
	if (strcmp(clean, "/") == 0)
		sensitive = true;
	for (size_t i = 0; !sensitive && i < sizeof(sensitive_trees) / sizeof(sensitive_trees[0]); i++) {
		size_t n = strlen(sensitive_trees[i]);

		sensitive = strncmp(clean, sensitive_trees[i], n) == 0 && (clean[n] == '\0' || clean[n] == '/');
	}
	base = strrchr(clean, '/') + 1;
	for (size_t i = 0; !sensitive && i < sizeof(runtime_sockets) / sizeof(runtime_sockets[0]); i++)
		sensitive = strcmp(base, runtime_sockets[i]) == 0;
	free(clean);
	return sensitive;
}

/* ---- posture as JSON ---- */

static json_t *untrusted(const char *s)
{
	return json_untrusted_cstring(s ? s : "", CONTAINER_INFO_MAX_STRING);
}

/* Takes value's reference in every case; false when anything is missing. */
static bool put(json_t *object, const char *key, json_t *value)
{
	if (!object || !value) {
		json_decref(value);
		return false;
	}
	return json_object_set_new(object, key, value) == 0;
}

static bool append(json_t *array, json_t *value)
{
	if (!array || !value) {
		json_decref(value);
		return false;
	}
	return json_array_append_new(array, value) == 0;
}

static json_t *string_list_json(char *const *items, size_t n)
{
	json_t *array = json_array();
	bool ok = array != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = append(array, untrusted(items[i]));
	if (!ok) {
		json_decref(array);
		return NULL;
	}
	return array;
}

static json_t *labels_json(const struct container_info *info)
{
	json_t *object = json_object();
	bool ok = object != NULL;

	for (size_t i = 0; ok && i < info->n_labels; i++) {
		/* Keys are untrusted too: the same replacement as values, so the key is valid UTF-8. */
		json_t *key = untrusted(info->labels[i].key);

		ok = key && put(object, json_string_value(key), untrusted(info->labels[i].value));
		json_decref(key);
	}
	if (!ok) {
		json_decref(object);
		return NULL;
	}
	return object;
}

static json_t *devices_json(const struct container_info *info)
{
	json_t *array = json_array();
	bool ok = array != NULL;

	for (size_t i = 0; ok && i < info->n_devices; i++) {
		const struct container_device *device = &info->devices[i];
		json_t *item = json_object();

		ok = put(item, "host_path", untrusted(device->host_path));
		ok &= put(item, "container_path", untrusted(device->container_path));
		ok &= put(item, "permissions", untrusted(device->permissions));
		ok = append(array, item) && ok;
	}
	if (!ok) {
		json_decref(array);
		return NULL;
	}
	return array;
}

static json_t *mounts_json(const struct container_info *info)
{
	json_t *array = json_array();
	bool ok = array != NULL;

	for (size_t i = 0; ok && i < info->n_mounts; i++) {
		const struct container_mount *mount = &info->mounts[i];
		json_t *item = json_object();

		ok = put(item, "type", untrusted(mount->type));
		ok &= put(item, "source", untrusted(mount->source));
		ok &= put(item, "destination", untrusted(mount->destination));
		ok &= put(item, "mode", untrusted(mount->mode));
		ok &= put(item, "read_write", json_boolean(mount->read_write));
		ok &= put(item, "sensitive", json_boolean(mount->sensitive));
		ok = append(array, item) && ok;
	}
	if (!ok) {
		json_decref(array);
		return NULL;
	}
	return array;
}

json_t *container_info_posture_json(const struct container_info *info)
{
	json_t *posture = json_object();
	json_t *k8s = json_object();
	bool ok = posture != NULL;

	ok &= put(posture, "privileged", json_boolean(info->privileged));
	ok &= put(posture, "cap_add", string_list_json(info->cap_add, info->n_cap_add));
	ok &= put(posture, "cap_drop", string_list_json(info->cap_drop, info->n_cap_drop));
	ok &= put(posture, "user", untrusted(info->user));
	ok &= put(posture, "user_root", json_boolean(info->user_root));
	ok &= put(posture, "readonly_rootfs", json_boolean(info->readonly_rootfs));
	ok &= put(posture, "no_new_privileges", json_boolean(info->no_new_privileges));
	ok &= put(posture, "seccomp_profile", untrusted(info->seccomp_profile));
	ok &= put(posture, "seccomp_unconfined", json_boolean(info->seccomp_unconfined));
	ok &= put(posture, "apparmor_profile", untrusted(info->apparmor_profile));
	ok &= put(posture, "apparmor_unconfined", json_boolean(info->apparmor_unconfined));
	ok &= put(posture, "memory_limit", json_integer(info->memory_limit));
	ok &= put(posture, "nano_cpus", json_integer(info->nano_cpus));
	ok &= put(posture, "cpu_quota", json_integer(info->cpu_quota));
	ok &= put(posture, "pids_limit", json_integer(info->pids_limit));
	ok &= put(posture, "network_mode", untrusted(info->network_mode));
	ok &= put(posture, "pid_mode", untrusted(info->pid_mode));
	ok &= put(posture, "ipc_mode", untrusted(info->ipc_mode));
	ok &= put(posture, "uts_mode", untrusted(info->uts_mode));
	ok &= put(posture, "userns_mode", untrusted(info->userns_mode));
	ok &= put(posture, "host_network", json_boolean(info->host_network));
	ok &= put(posture, "host_pid", json_boolean(info->host_pid));
	ok &= put(posture, "host_ipc", json_boolean(info->host_ipc));
	ok &= put(posture, "host_uts", json_boolean(info->host_uts));
	ok &= put(posture, "host_userns", json_boolean(info->host_userns));
	ok &= put(posture, "devices", devices_json(info));
	ok &= put(posture, "mounts", mounts_json(info));
	ok &= put(posture, "name", untrusted(info->name));
	ok &= put(posture, "image", untrusted(info->image));
	ok &= put(posture, "image_repository", untrusted(info->image_repository));
	ok &= put(posture, "image_tag", untrusted(info->image_tag));
	ok &= put(posture, "image_digest", untrusted(info->image_digest));
	ok &= put(posture, "image_id", untrusted(info->image_id));
	ok &= put(posture, "labels", labels_json(info));
	ok &= put(k8s, "pod_name", untrusted(info->k8s_pod_name));
	ok &= put(k8s, "ns_name", untrusted(info->k8s_ns_name));
	ok &= put(k8s, "pod_uid", untrusted(info->k8s_pod_uid));
	ok &= put(k8s, "container_name", untrusted(info->k8s_container_name));
	ok &= put(posture, "k8s", k8s);
	if (!ok) {
		json_decref(posture);
		return NULL;
	}
	return posture;
}
