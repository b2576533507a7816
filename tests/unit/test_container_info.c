// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Engine API container answers: what real daemons said (tests/unit/data/inspect/, see its README)
 * parses to exactly the settings the containers were started with, and hostile answers give an
 * error naming the field, or a safe result, never a crash or a leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container_info.h"

#define DATA_DIR "tests/unit/data/inspect/"
#define DOCKER_IMAGE_ID "sha256:cf3165ce5a105cbe7d4e2cd96ae3abb63cf84ebcb436fb1a1d375e49e3a78ed6"
#define SOME_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1"

static char *read_file(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *text;
	long size;

	snprintf(path, sizeof(path), DATA_DIR "%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (the tests run from the repository's root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}

static void parse_file(const char *name, struct container_info *info)
{
	char err[512];
	size_t len;
	char *text = read_file(name, &len);
	int ret = container_info_parse(text, len, info, err, sizeof(err));

	free(text);
	if (ret)
		fail_msg("%s: %s", name, err);
}

/* ---- recorded answers ---- */

struct expected {
	const char *id, *name, *image, *image_repository, *image_tag, *image_digest, *image_id;
	const char *user, *seccomp_profile, *apparmor_profile;
	const char *network_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode;
	const char *k8s_pod_name, *k8s_ns_name, *k8s_pod_uid, *k8s_container_name;
	bool privileged, user_root, readonly_rootfs, no_new_privileges, seccomp_unconfined, apparmor_unconfined;
	bool host_network, host_pid, host_ipc, host_uts, host_userns, running;
	int64_t memory_limit, nano_cpus, cpu_quota, pids_limit, pid;
	size_t n_cap_add, n_cap_drop, n_labels, n_devices, n_mounts;
};

/* What `docker run -d vigil-inspect:1.0 sleep 3600` gave on the recording daemon. */
static struct expected docker_defaults(const char *id, const char *name, int64_t pid)
{
	return (struct expected){
		.id = id, .name = name, .image = "vigil-inspect:1.0", .image_repository = "vigil-inspect",
		.image_tag = "1.0", .image_digest = "", .image_id = DOCKER_IMAGE_ID,
		.user = "", .seccomp_profile = "", .apparmor_profile = "",
		.network_mode = "default", .pid_mode = "", .ipc_mode = "private", .uts_mode = "", .userns_mode = "",
		.k8s_pod_name = "", .k8s_ns_name = "", .k8s_pod_uid = "", .k8s_container_name = "",
		.user_root = true, .running = true, .pid = pid,
	};
}

static void assert_expected(const struct container_info *info, const struct expected *e)
{
	assert_string_equal(info->id, e->id);
	assert_string_equal(info->name, e->name);
	assert_string_equal(info->image, e->image);
	assert_string_equal(info->image_repository, e->image_repository);
	assert_string_equal(info->image_tag, e->image_tag);
	assert_string_equal(info->image_digest, e->image_digest);
	assert_string_equal(info->image_id, e->image_id);
	assert_string_equal(info->user, e->user);
	assert_string_equal(info->seccomp_profile, e->seccomp_profile);
	assert_string_equal(info->apparmor_profile, e->apparmor_profile);
	assert_string_equal(info->network_mode, e->network_mode);
	assert_string_equal(info->pid_mode, e->pid_mode);
	assert_string_equal(info->ipc_mode, e->ipc_mode);
	assert_string_equal(info->uts_mode, e->uts_mode);
	assert_string_equal(info->userns_mode, e->userns_mode);
	assert_string_equal(info->k8s_pod_name, e->k8s_pod_name);
	assert_string_equal(info->k8s_ns_name, e->k8s_ns_name);
	assert_string_equal(info->k8s_pod_uid, e->k8s_pod_uid);
	assert_string_equal(info->k8s_container_name, e->k8s_container_name);
	assert_int_equal(info->privileged, e->privileged);
	assert_int_equal(info->user_root, e->user_root);
	assert_int_equal(info->readonly_rootfs, e->readonly_rootfs);
	assert_int_equal(info->no_new_privileges, e->no_new_privileges);
	assert_int_equal(info->seccomp_unconfined, e->seccomp_unconfined);
	assert_int_equal(info->apparmor_unconfined, e->apparmor_unconfined);
	assert_int_equal(info->host_network, e->host_network);
	assert_int_equal(info->host_pid, e->host_pid);
	assert_int_equal(info->host_ipc, e->host_ipc);
	assert_int_equal(info->host_uts, e->host_uts);
	assert_int_equal(info->host_userns, e->host_userns);
	assert_int_equal(info->running, e->running);
	assert_int_equal(info->memory_limit, e->memory_limit);
	assert_int_equal(info->nano_cpus, e->nano_cpus);
	assert_int_equal(info->cpu_quota, e->cpu_quota);
	assert_int_equal(info->pids_limit, e->pids_limit);
	assert_int_equal(info->pid, e->pid);
	assert_int_equal(info->n_cap_add, e->n_cap_add);
	assert_int_equal(info->n_cap_drop, e->n_cap_drop);
	assert_int_equal(info->n_labels, e->n_labels);
	assert_int_equal(info->n_devices, e->n_devices);
	assert_int_equal(info->n_mounts, e->n_mounts);
}

/* Parse `file` and compare with e, which the caller adjusted from docker_defaults(). */
static void check_recorded(const char *file, const struct expected *e, struct container_info *info)
{
	parse_file(file, info);
	assert_expected(info, e);
}

static void recorded_plain(void **state)
{
	struct expected e = docker_defaults("9020403cde524cd99654fc44cca8e100fea5e87a01f746eb32cc75f673772079",
					    "funny_jepsen", 18657);
	struct container_info info;

	(void)state;
	check_recorded("plain.json", &e, &info);
	container_info_free(&info);
}

static void recorded_named_with_kubernetes_labels(void **state)
{
	struct expected e = docker_defaults("b035a701d7ee28721ffc43fa62c52250a68ad440894834cf17ac6adbd2d71b8a",
					    "web-1", 18707);
	struct container_info info;

	(void)state;
	e.n_labels = 5;
	e.k8s_pod_name = "web-1-abcde";
	e.k8s_ns_name = "prod";
	e.k8s_pod_uid = "0b6f3c2e-8d1a-4f0e-9c7b-2a5d4e6f7a81";
	e.k8s_container_name = "web";
	check_recorded("named.json", &e, &info);
	assert_string_equal(container_info_label(&info, "app"), "web");
	assert_string_equal(container_info_label(&info, "io.kubernetes.pod.namespace"), "prod");
	assert_null(container_info_label(&info, "APP"));
	assert_null(container_info_label(&info, "io.kubernetes"));
	container_info_free(&info);
}

static void recorded_caps(void **state)
{
	struct expected e = docker_defaults("65a6df820bbd118d3a9fb275c04dcc6aa78001b0907b8dfe559a47bed3b08742",
					    "upbeat_wiles", 18753);
	struct container_info info;

	(void)state;
	e.n_cap_add = 1;
	e.n_cap_drop = 1;
	check_recorded("caps.json", &e, &info);
	/* As the daemon wrote them: this one adds "CAP_", Podman and older dockerd do not. */
	assert_string_equal(info.cap_add[0], "CAP_SYS_ADMIN");
	assert_string_equal(info.cap_drop[0], "CAP_NET_RAW");
	container_info_free(&info);
}

static void recorded_host_root_and_docker_socket(void **state)
{
	struct expected e = docker_defaults("b2ce51e8dc47e7a0a8b7d895d2964fa566d54aca7d62eef20406e7595fb06670",
					    "exciting_almeida", 18803);
	struct container_info info;

	(void)state;
	e.n_mounts = 2;
	check_recorded("mounts.json", &e, &info);
	assert_string_equal(info.mounts[0].type, "bind");
	assert_string_equal(info.mounts[0].source, "/");
	assert_string_equal(info.mounts[0].destination, "/host");
	assert_string_equal(info.mounts[0].mode, "");
	assert_true(info.mounts[0].read_write);
	assert_true(info.mounts[0].sensitive);
	assert_string_equal(info.mounts[1].type, "bind");
	assert_string_equal(info.mounts[1].source, "/var/run/docker.sock");
	assert_string_equal(info.mounts[1].destination, "/var/run/docker.sock");
	assert_string_equal(info.mounts[1].mode, "ro");
	assert_false(info.mounts[1].read_write);
	assert_true(info.mounts[1].sensitive);
	container_info_free(&info);
}

static void recorded_volumes_and_tmpfs(void **state)
{
	struct expected e = docker_defaults("073ff0ff43993a1c9b580d6592c5c1bc4901b6234b826831fca0dfa6c38e6554",
					    "eager_bhaskara", 19426);
	struct container_info info;

	(void)state;
	e.n_mounts = 3;
	check_recorded("volumes.json", &e, &info);
	assert_string_equal(info.mounts[0].source, "/etc");
	assert_string_equal(info.mounts[0].mode, "ro,z");
	assert_false(info.mounts[0].read_write);
	assert_true(info.mounts[0].sensitive);
	assert_string_equal(info.mounts[1].type, "tmpfs");
	assert_string_equal(info.mounts[1].source, "");
	assert_string_equal(info.mounts[1].destination, "/scratch");
	assert_true(info.mounts[1].read_write);
	assert_false(info.mounts[1].sensitive);
	/* A named volume lives in /var/lib/docker: the runtime's storage, not a host path the user chose. */
	assert_string_equal(info.mounts[2].type, "volume");
	assert_string_equal(info.mounts[2].source, "/var/lib/docker/volumes/appdata/_data");
	assert_string_equal(info.mounts[2].destination, "/data");
	assert_string_equal(info.mounts[2].mode, "z");
	assert_false(info.mounts[2].sensitive);
	container_info_free(&info);
}

static void recorded_user(void **state)
{
	struct expected e = docker_defaults("a3c6baa6e35bf9600eea1b6d279b83a5a7774aa62ca1367f6ff5d5758b6dc229",
					    "silly_mendeleev", 18852);
	struct container_info info;

	(void)state;
	e.user = "1000";
	e.user_root = false;
	check_recorded("user.json", &e, &info);
	container_info_free(&info);
}

static void recorded_read_only(void **state)
{
	struct expected e = docker_defaults("5930f8833014c9d433be00542b38f868cebfbf7d8fdb47c27fa3eafa1b60565d",
					    "goofy_banach", 18900);
	struct container_info info;

	(void)state;
	e.readonly_rootfs = true;
	check_recorded("readonly.json", &e, &info);
	container_info_free(&info);
}

static void recorded_no_new_privileges(void **state)
{
	struct expected e = docker_defaults("9dd50f8686a73164ceececcc060a30c9e215622cdd2dbc0252d2ef078038182e",
					    "tender_agnesi", 18949);
	struct container_info info;

	(void)state;
	e.no_new_privileges = true;
	check_recorded("nonewprivs.json", &e, &info);
	container_info_free(&info);
}

static void recorded_limits(void **state)
{
	struct expected e = docker_defaults("da79284a5b492e06d58fc132331347b3fc18093a3bcffeb71c6ea59c3f93e1b1",
					    "mystifying_meitner", 18997);
	struct container_info info;

	(void)state;
	e.memory_limit = 64 << 20;
	e.pids_limit = 50;
	check_recorded("limits.json", &e, &info);
	container_info_free(&info);
}

static void recorded_cpus(void **state)
{
	struct expected e = docker_defaults("da51a481c2de7aa45fe7cfc0bcf3923e858d2826c74f4d4384f963bbfdbdb939",
					    "trusting_booth", 19331);
	struct container_info info;

	(void)state;
	e.nano_cpus = 500000000;
	check_recorded("cpus.json", &e, &info);
	container_info_free(&info);
}

static void recorded_cpu_quota(void **state)
{
	struct expected e = docker_defaults("36e59b969449c71fba00996c640042e3674bb91a664cc1481b3d601019b2745c",
					    "crazy_lichterman", 19377);
	struct container_info info;

	(void)state;
	e.cpu_quota = 50000;
	check_recorded("cpuquota.json", &e, &info);
	container_info_free(&info);
}

static void recorded_host_network(void **state)
{
	struct expected e = docker_defaults("ed10ab84f6967f05de3d396bd897313362dc498731cae03454ac184afa3d76f5",
					    "goofy_villani", 19052);
	struct container_info info;

	(void)state;
	e.network_mode = "host";
	e.host_network = true;
	check_recorded("hostnet.json", &e, &info);
	container_info_free(&info);
}

static void recorded_host_pid(void **state)
{
	struct expected e = docker_defaults("46bca950bc02e5af1c4a887360ae2af6f72c4930b87da0a2239f73772000e01b",
					    "quizzical_lederberg", 19098);
	struct container_info info;

	(void)state;
	e.pid_mode = "host";
	e.host_pid = true;
	check_recorded("hostpid.json", &e, &info); /* its SecurityOpt "label=disable" changes nothing */
	container_info_free(&info);
}

static void recorded_host_ipc_uts_userns(void **state)
{
	struct expected e = docker_defaults("b2ca2509439d09702f55a7cd1700805c6c77007ece0667f2dc17868d948f1397",
					    "upbeat_sammet", 19282);
	struct container_info info;

	(void)state;
	e.ipc_mode = e.uts_mode = e.userns_mode = "host";
	e.host_ipc = e.host_uts = e.host_userns = true;
	check_recorded("hostns.json", &e, &info);
	container_info_free(&info);
}

static void recorded_other_containers_namespaces_are_not_the_hosts(void **state)
{
	static const char donor[] = "container:cc584dbaa42c6e3b6a56cdaf9a7abc3eddea528f97bb0310267565c3bd1fe91c";
	struct expected e = docker_defaults("f38009b9afa490091fdadb8fba2904283d08969631b1a2e8b1b50914af623cc1",
					    "quirky_rubin", 19935);
	struct container_info info;

	(void)state;
	e.network_mode = e.pid_mode = e.ipc_mode = donor;
	check_recorded("shared.json", &e, &info);
	container_info_free(&info);
}

static void recorded_seccomp_unconfined(void **state)
{
	struct expected e = docker_defaults("1f89ada165f4f0222f0a12403260f6562dbf34d4d915fe94b616d0d773e952ef",
					    "crazy_diffie", 19147);
	struct container_info info;

	(void)state;
	e.seccomp_profile = "unconfined";
	e.seccomp_unconfined = true;
	check_recorded("seccomp.json", &e, &info);
	container_info_free(&info);
}

static void recorded_apparmor_unconfined(void **state)
{
	struct expected e = docker_defaults("ffb16532295f52fa4c2df0511f028fefc6aabcd14cc44c711e61814881e79415",
					    "quizzical_wright", 19664);
	struct container_info info;

	(void)state;
	/* No AppArmor on the recording host: AppArmorProfile is "", the option says what was asked. */
	e.apparmor_profile = "unconfined";
	e.apparmor_unconfined = true;
	check_recorded("apparmor.json", &e, &info);
	container_info_free(&info);
}

static void recorded_device(void **state)
{
	struct expected e = docker_defaults("27f9409c1bb124b1448bc338f819f0652de0ac0f40e03175b893da9875aa2a9b",
					    "determined_heyrovsky", 19198);
	struct container_info info;

	(void)state;
	e.n_devices = 1;
	check_recorded("device.json", &e, &info);
	assert_string_equal(info.devices[0].host_path, "/dev/fuse");
	assert_string_equal(info.devices[0].container_path, "/dev/fuse");
	assert_string_equal(info.devices[0].permissions, "rwm");
	container_info_free(&info);
}

static void recorded_stopped(void **state)
{
	struct expected e = docker_defaults("332687efecefcfee04cc9009e845cef1968b401e3612d66f94a774ce48b0a747",
					    "exciting_moore", 0);
	struct container_info info;

	(void)state;
	e.running = false;
	check_recorded("stopped.json", &e, &info);
	container_info_free(&info);
}

static void derived_privileged(void **state)
{
	struct expected e = docker_defaults("9020403cde524cd99654fc44cca8e100fea5e87a01f746eb32cc75f673772079",
					    "funny_jepsen", 18657);
	struct container_info info;

	(void)state;
	e.privileged = true;
	/* A privileged container runs without a seccomp filter or an AppArmor profile. */
	e.seccomp_unconfined = true;
	e.apparmor_unconfined = true;
	check_recorded("privileged.json", &e, &info);
	container_info_free(&info);
}

static void handmade_podman(void **state)
{
	struct expected e = docker_defaults("5f2d8c1e7a9b4036c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e",
					    "podman-web", 4242);
	struct container_info info;

	(void)state;
	e.image = "docker.io/library/alpine:3.19";
	e.image_repository = "docker.io/library/alpine";
	e.image_tag = "3.19";
	e.image_id = "sha256:a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
	e.user = "nobody";
	e.user_root = false;
	e.apparmor_profile = "containers-default-0.57.4";
	e.network_mode = "bridge";
	e.ipc_mode = "shareable";
	e.pid_mode = e.uts_mode = "private";
	e.pids_limit = 2048;
	e.n_cap_drop = 3;
	e.n_labels = 1;
	e.n_mounts = 1;
	check_recorded("podman.json", &e, &info);
	assert_string_equal(info.cap_drop[0], "AUDIT_WRITE");
	assert_string_equal(info.cap_drop[2], "NET_RAW");
	assert_string_equal(info.mounts[0].source, "/run/podman/podman.sock");
	assert_true(info.mounts[0].sensitive);
	container_info_free(&info);
}

/* ---- the posture as JSON ---- */

static void posture_json_has_the_promised_shape(void **state)
{
	static const char *const keys[] = {
		"privileged", "cap_add", "cap_drop", "user", "user_root", "readonly_rootfs", "no_new_privileges",
		"seccomp_profile", "seccomp_unconfined", "apparmor_profile", "apparmor_unconfined", "memory_limit",
		"nano_cpus", "cpu_quota", "pids_limit", "network_mode", "pid_mode", "ipc_mode", "uts_mode",
		"userns_mode", "host_network", "host_pid", "host_ipc", "host_uts", "host_userns", "devices",
		"mounts", "name", "image", "image_repository", "image_tag", "image_digest", "image_id", "labels",
		"k8s",
	};
	struct container_info info;
	json_t *posture, *v;
	char *text;

	(void)state;
	parse_file("named.json", &info);
	posture = container_info_posture_json(&info);
	assert_non_null(posture);
	assert_int_equal(json_object_size(posture), sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_get(posture, keys[i]))
			fail_msg("posture has no \"%s\"", keys[i]);
	assert_true(json_is_false(json_object_get(posture, "privileged")));
	assert_true(json_is_true(json_object_get(posture, "user_root")));
	assert_int_equal(json_array_size(json_object_get(posture, "cap_add")), 0);
	assert_true(json_is_integer(json_object_get(posture, "pids_limit")));
	assert_string_equal(json_string_value(json_object_get(posture, "name")), "web-1");
	assert_string_equal(json_string_value(json_object_get(posture, "image_tag")), "1.0");
	assert_string_equal(json_string_value(json_object_get(posture, "image_id")), DOCKER_IMAGE_ID);
	assert_string_equal(json_string_value(json_object_get(posture, "network_mode")), "default");
	v = json_object_get(posture, "labels");
	assert_int_equal(json_object_size(v), 5);
	assert_string_equal(json_string_value(json_object_get(v, "app")), "web");
	v = json_object_get(posture, "k8s");
	assert_int_equal(json_object_size(v), 4);
	assert_string_equal(json_string_value(json_object_get(v, "pod_name")), "web-1-abcde");
	assert_string_equal(json_string_value(json_object_get(v, "ns_name")), "prod");
	assert_string_equal(json_string_value(json_object_get(v, "pod_uid")), "0b6f3c2e-8d1a-4f0e-9c7b-2a5d4e6f7a81");
	assert_string_equal(json_string_value(json_object_get(v, "container_name")), "web");
	text = json_dumps(posture, JSON_COMPACT);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	free(text);
	json_decref(posture);
	container_info_free(&info);

	/* Mounts and devices, each entry with its keys. */
	parse_file("mounts.json", &info);
	posture = container_info_posture_json(&info);
	assert_non_null(posture);
	v = json_array_get(json_object_get(posture, "mounts"), 1);
	assert_int_equal(json_object_size(v), 6);
	assert_string_equal(json_string_value(json_object_get(v, "type")), "bind");
	assert_string_equal(json_string_value(json_object_get(v, "source")), "/var/run/docker.sock");
	assert_string_equal(json_string_value(json_object_get(v, "destination")), "/var/run/docker.sock");
	assert_string_equal(json_string_value(json_object_get(v, "mode")), "ro");
	assert_true(json_is_false(json_object_get(v, "read_write")));
	assert_true(json_is_true(json_object_get(v, "sensitive")));
	json_decref(posture);
	container_info_free(&info);

	parse_file("device.json", &info);
	posture = container_info_posture_json(&info);
	assert_non_null(posture);
	v = json_array_get(json_object_get(posture, "devices"), 0);
	assert_int_equal(json_object_size(v), 3);
	assert_string_equal(json_string_value(json_object_get(v, "host_path")), "/dev/fuse");
	assert_string_equal(json_string_value(json_object_get(v, "container_path")), "/dev/fuse");
	assert_string_equal(json_string_value(json_object_get(v, "permissions")), "rwm");
	json_decref(posture);
	container_info_free(&info);
}

/* Bytes that never came through the parser (a capture file, say) still make valid JSON. */
static void posture_json_of_invalid_utf8_is_valid_json(void **state)
{
	char name[] = "web\xff\xc0\xaf\x1b[31m\n";
	char key[] = "k\xfe";
	char value[] = "v\xed\xa0\x80";
	char source[] = "/etc\xff";
	struct container_label label = { key, value };
	struct container_mount mount = { .source = source };
	struct container_info info = {
		.name = name, .labels = &label, .n_labels = 1, .mounts = &mount, .n_mounts = 1,
	};
	json_t *posture, *back;
	char *text;

	(void)state;
	posture = container_info_posture_json(&info);
	assert_non_null(posture);
	text = json_dumps(posture, JSON_COMPACT);
	json_decref(posture);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	assert_null(strchr(text, '\x1b'));
	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "name")),
			    "web\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x1b[31m\n");
	assert_string_equal(json_string_value(json_object_get(json_object_get(back, "labels"), "k\xef\xbf\xbd")),
			    "v\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(back, "mounts"), 0),
							      "source")),
			    "/etc\xef\xbf\xbd");
	json_decref(back);
	free(text);
}

static void posture_json_of_an_empty_info(void **state)
{
	struct container_info info;
	json_t *posture;

	(void)state;
	memset(&info, 0, sizeof(info));
	posture = container_info_posture_json(&info);
	assert_non_null(posture);
	assert_string_equal(json_string_value(json_object_get(posture, "name")), "");
	assert_int_equal(json_array_size(json_object_get(posture, "mounts")), 0);
	json_decref(posture);
	container_info_free(&info); /* nothing to free, twice */
	container_info_free(&info);
	container_info_free(NULL);
	assert_null(container_info_label(&info, "a"));
	assert_null(container_info_label(NULL, "a"));
}

/* ---- answers written here ---- */

/* Parse {"Id": SOME_ID, "Name": "/c"<, members>}; returns what container_info_parse returned. */
static int parse_with(const char *members, struct container_info *info, char *err, size_t errlen)
{
	char *text;
	int ret;

	assert_true(asprintf(&text, "{\"Id\":\"" SOME_ID "\",\"Name\":\"/c\"%s%s}", members[0] ? "," : "",
			     members) > 0);
	ret = container_info_parse(text, strlen(text), info, err, errlen);
	free(text);
	return ret;
}

static void assert_rejected(const char *text, size_t len, const char *message)
{
	struct container_info info;
	char err[512];
	int ret = container_info_parse(text, len, &info, err, sizeof(err));

	if (ret == 0)
		fail_msg("accepted: %.200s", text);
	assert_int_equal(ret, -EINVAL);
	/* Nothing left to free, and a sentence of printable ASCII (it goes to logs). */
	assert_null(info.name);
	assert_null(info.labels);
	assert_null(info.mounts);
	assert_true(err[0] != '\0');
	for (const char *c = err; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			fail_msg("byte 0x%02x in the error: %s", (unsigned char)*c, err);
	if (message && strcmp(err, message) != 0)
		fail_msg("error \"%s\", expected \"%s\"", err, message);
}

static void assert_text_rejected(const char *text, const char *message)
{
	assert_rejected(text, strlen(text), message);
}

static void assert_members_rejected(const char *members, const char *message)
{
	char *text;

	assert_true(asprintf(&text, "{\"Id\":\"" SOME_ID "\",\"Name\":\"/c\",%s}", members) > 0);
	assert_rejected(text, strlen(text), message);
	free(text);
}

static void image_references_split(void **state)
{
	static const struct {
		const char *image, *repository, *tag, *digest;
	} cases[] = {
		{ "busybox", "busybox", "latest", "" },
		{ "busybox:1.36", "busybox", "1.36", "" },
		{ "library/busybox:1.36", "library/busybox", "1.36", "" },
		{ "docker.io/library/alpine:3.19", "docker.io/library/alpine", "3.19", "" },
		{ "localhost:5000/app", "localhost:5000/app", "latest", "" },
		{ "localhost:5000/app:1.2", "localhost:5000/app", "1.2", "" },
		{ "registry.example.com:443/team/app", "registry.example.com:443/team/app", "latest", "" },
		{ "app@" DIGEST, "app", "", DIGEST },
		{ "app:tag@" DIGEST, "app", "tag", DIGEST },
		{ "localhost:5000/team/app:1.2@" DIGEST, "localhost:5000/team/app", "1.2", DIGEST },
		{ "localhost:5000/app@" DIGEST, "localhost:5000/app", "", DIGEST },
		/* Started from an image id: no repository to name. */
		{ "sha256:cf3165ce5a105cbe7d4e2cd96ae3abb63cf84ebcb436fb1a1d375e49e3a78ed6", "", "", "" },
		{ "", "", "", "" },
		/* Not valid references, split all the same and safely. */
		{ "app:", "app", "", "" },
		{ "@", "", "", "" },
		{ ":", "", "", "" },
		{ "/:x@y@z", "/", "x", "y@z" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container_info info;
		char members[512], err[512];

		snprintf(members, sizeof(members), "\"Config\":{\"Image\":\"%s\"}", cases[i].image);
		if (parse_with(members, &info, err, sizeof(err)))
			fail_msg("%s: %s", cases[i].image, err);
		assert_string_equal(info.image, cases[i].image);
		if (strcmp(info.image_repository, cases[i].repository) || strcmp(info.image_tag, cases[i].tag) ||
		    strcmp(info.image_digest, cases[i].digest))
			fail_msg("\"%s\" split as \"%s\" \"%s\" \"%s\"", cases[i].image, info.image_repository,
				 info.image_tag, info.image_digest);
		container_info_free(&info);
	}
}

static void sensitive_mount_sources(void **state)
{
	static const char *const sensitive[] = {
		"/", "//", "/.", "/..", "/etc", "/etc/", "/etc/shadow", "//etc//passwd", "/etc/kubernetes",
		"/etc/kubernetes/admin.conf", "/root", "/root/.ssh", "/proc", "/proc/1/root", "/sys",
		"/sys/fs/cgroup", "/boot", "/dev", "/dev/sda", "/home", "/home/", "/home/alice", "/home/alice/.ssh",
		"/var/lib/docker", "/var/lib/docker/overlay2", "/var/lib/containerd", "/var/lib/kubelet",
		"/var/lib/kubelet/pods", "/var/run/docker.sock", "/run/docker.sock", "/run/user/1000/docker.sock",
		"/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/podman/podman.sock",
		"/run/user/1000/podman/podman.sock", "/var/lib/../lib/docker", "/tmp/../etc", "/./etc", "/../etc",
		"/var//lib///docker/", "/srv/./../root",
	};
	static const char *const harmless[] = {
		"/etcetera", "/etc2", "/home2", "/homes/alice", "/var/lib/dockerd", "/var/lib/docker-data",
		"/var/lib/kubeletx", "/var/lib", "/var", "/tmp", "/srv/app", "/data", "/rootfs", "/devices",
		"/system", "/procfs", "/bootstrap", "/var/run/docker.sock.bak", "/opt/mydocker.sock",
		"/run/docker.socket", "/etc/../tmp", "/home/../tmp", "etc", "relative/etc", "", "docker.sock",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++)
		if (!container_mount_source_is_sensitive(sensitive[i]))
			fail_msg("\"%s\" is sensitive", sensitive[i]);
	for (size_t i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
		if (container_mount_source_is_sensitive(harmless[i]))
			fail_msg("\"%s\" is not sensitive", harmless[i]);
	assert_false(container_mount_source_is_sensitive(NULL));
}

static void security_options(void **state)
{
	static const struct {
		const char *opts;
		bool no_new_privileges, seccomp_unconfined, apparmor_unconfined;
		const char *seccomp, *apparmor;
	} cases[] = {
		{ "[]", false, false, false, "", "" },
		{ "null", false, false, false, "", "" },
		{ "[\"no-new-privileges\"]", true, false, false, "", "" },
		{ "[\"no-new-privileges:true\"]", true, false, false, "", "" },
		{ "[\"no-new-privileges=true\"]", true, false, false, "", "" },
		{ "[\"no-new-privileges=1\"]", true, false, false, "", "" },
		{ "[\"no-new-privileges:false\"]", false, false, false, "", "" },
		{ "[\"no-new-privileges\",\"no-new-privileges=false\"]", false, false, false, "", "" },
		{ "[\"no-new-privileges=false\",\"no-new-privileges\"]", true, false, false, "", "" },
		{ "[\"no-new-privileges=maybe\"]", false, false, false, "", "" },
		{ "[\"seccomp=unconfined\"]", false, true, false, "unconfined", "" },
		{ "[\"seccomp:unconfined\"]", false, true, false, "unconfined", "" },
		{ "[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]", false, false, false,
		  "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "" },
		{ "[\"apparmor=unconfined\"]", false, false, true, "", "unconfined" },
		{ "[\"apparmor:unconfined\"]", false, false, true, "", "unconfined" },
		{ "[\"apparmor=docker-default\"]", false, false, false, "", "docker-default" },
		{ "[\"apparmor:my-profile\"]", false, false, false, "", "my-profile" },
		/* SELinux labels and unknown options change nothing. */
		{ "[\"label=disable\",\"label:type:svirt_apache_t\",\"label=user:USER\",\"disable\",\"x\"]", false,
		  false, false, "", "" },
		{ "[\"seccomp=unconfined\",\"seccomp=/p.json\"]", false, false, false, "/p.json", "" },
		{ "[\"SECCOMP=unconfined\",\"no-new-privileges \"]", false, false, false, "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container_info info;
		char members[512], err[512];

		snprintf(members, sizeof(members), "\"HostConfig\":{\"SecurityOpt\":%s}", cases[i].opts);
		if (parse_with(members, &info, err, sizeof(err)))
			fail_msg("%s: %s", cases[i].opts, err);
		if (info.no_new_privileges != cases[i].no_new_privileges ||
		    info.seccomp_unconfined != cases[i].seccomp_unconfined ||
		    info.apparmor_unconfined != cases[i].apparmor_unconfined ||
		    strcmp(info.seccomp_profile, cases[i].seccomp) || strcmp(info.apparmor_profile, cases[i].apparmor))
			fail_msg("%s: no_new_privileges %d, seccomp \"%s\" (unconfined %d), apparmor \"%s\" (unconfined %d)",
				 cases[i].opts, info.no_new_privileges, info.seccomp_profile, info.seccomp_unconfined,
				 info.apparmor_profile, info.apparmor_unconfined);
		container_info_free(&info);
	}
}

static void apparmor_profile_from_the_answer_wins(void **state)
{
	struct container_info info;
	char err[512];

	(void)state;
	/* A host with AppArmor: dockerd writes the profile it applied. */
	assert_int_equal(parse_with("\"AppArmorProfile\":\"docker-default\"", &info, err, sizeof(err)), 0);
	assert_string_equal(info.apparmor_profile, "docker-default");
	assert_false(info.apparmor_unconfined);
	container_info_free(&info);
	assert_int_equal(parse_with("\"AppArmorProfile\":\"unconfined\","
				    "\"HostConfig\":{\"SecurityOpt\":[\"apparmor=unconfined\"]}",
				    &info, err, sizeof(err)),
			 0);
	assert_string_equal(info.apparmor_profile, "unconfined");
	assert_true(info.apparmor_unconfined);
	container_info_free(&info);
	/* Contradictory: either one saying unconfined is enough. */
	assert_int_equal(parse_with("\"AppArmorProfile\":\"docker-default\","
				    "\"HostConfig\":{\"SecurityOpt\":[\"apparmor=unconfined\"]}",
				    &info, err, sizeof(err)),
			 0);
	assert_string_equal(info.apparmor_profile, "docker-default");
	assert_true(info.apparmor_unconfined);
	container_info_free(&info);
}

static void users(void **state)
{
	static const struct {
		const char *user;
		bool root;
	} cases[] = {
		{ "", true },       { "0", true },          { "root", true },     { "0:0", true },
		{ "0:1000", true }, { "root:root", true },  { "1000", false },    { "1000:0", false },
		{ "nobody", false }, { "rooter", false },   { "00", false },      { "tester:root", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container_info info;
		char members[256], err[512];

		snprintf(members, sizeof(members), "\"Config\":{\"User\":\"%s\"}", cases[i].user);
		assert_int_equal(parse_with(members, &info, err, sizeof(err)), 0);
		if (info.user_root != cases[i].root)
			fail_msg("user \"%s\": user_root %d", cases[i].user, info.user_root);
		container_info_free(&info);
	}
}

static void minimal_answer_and_nulls_are_defaults(void **state)
{
	struct container_info info;
	char err[512];

	(void)state;
	assert_int_equal(parse_with("", &info, err, sizeof(err)), 0);
	assert_string_equal(info.id, SOME_ID);
	assert_string_equal(info.name, "c");
	assert_string_equal(info.image, "");
	assert_string_equal(info.image_tag, "");
	assert_string_equal(info.network_mode, "");
	assert_string_equal(info.k8s_pod_name, "");
	assert_true(info.user_root);
	assert_false(info.running);
	container_info_free(&info);

	/* Docker writes null for empty lists and unset limits: null is "not set" for every optional member. */
	assert_int_equal(parse_with("\"Image\":null,\"AppArmorProfile\":null,\"Mounts\":null,\"State\":null,"
				    "\"Config\":{\"Image\":null,\"User\":null,\"Labels\":null},"
				    "\"HostConfig\":{\"Privileged\":null,\"CapAdd\":null,\"CapDrop\":null,"
				    "\"ReadonlyRootfs\":null,\"SecurityOpt\":null,\"Memory\":null,\"NanoCpus\":null,"
				    "\"CpuQuota\":null,\"PidsLimit\":null,\"NetworkMode\":null,\"PidMode\":null,"
				    "\"IpcMode\":null,\"UTSMode\":null,\"UsernsMode\":null,\"Devices\":null}",
				    &info, err, sizeof(err)),
			 0);
	assert_string_equal(info.image_id, "");
	assert_string_equal(info.user, "");
	assert_int_equal(info.pids_limit, 0);
	assert_int_equal(info.n_cap_add + info.n_labels + info.n_mounts + info.n_devices, 0);
	container_info_free(&info);
	assert_int_equal(parse_with("\"Config\":null,\"HostConfig\":null,"
				    "\"Mounts\":[{\"Type\":null,\"Source\":null,\"Destination\":null,\"Mode\":null,"
				    "\"RW\":null}]",
				    &info, err, sizeof(err)),
			 0);
	assert_int_equal(info.n_mounts, 1);
	assert_string_equal(info.mounts[0].source, "");
	assert_false(info.mounts[0].read_write);
	assert_false(info.mounts[0].sensitive);
	container_info_free(&info);

	/* PidsLimit: -1 and 0 mean none too, and stay as given. */
	assert_int_equal(parse_with("\"HostConfig\":{\"PidsLimit\":-1}", &info, err, sizeof(err)), 0);
	assert_int_equal(info.pids_limit, -1);
	container_info_free(&info);
}

static void wrong_types_name_the_field(void **state)
{
	(void)state;
	assert_members_rejected("\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\",\"NET_ADMIN\",3]}",
				"HostConfig.CapAdd[2] is a number, not a string");
	assert_members_rejected("\"HostConfig\":{\"CapDrop\":[null]}", "HostConfig.CapDrop[0] is null, not a string");
	assert_members_rejected("\"HostConfig\":{\"CapAdd\":\"SYS_ADMIN\"}",
				"HostConfig.CapAdd is a string, not an array");
	assert_members_rejected("\"HostConfig\":\"privileged\"", "HostConfig is a string, not an object");
	assert_members_rejected("\"HostConfig\":[]", "HostConfig is an array, not an object");
	assert_members_rejected("\"HostConfig\":{\"Privileged\":\"true\"}",
				"HostConfig.Privileged is a string, not a boolean");
	assert_members_rejected("\"HostConfig\":{\"Privileged\":1}",
				"HostConfig.Privileged is a number, not a boolean");
	assert_members_rejected("\"HostConfig\":{\"ReadonlyRootfs\":{}}",
				"HostConfig.ReadonlyRootfs is an object, not a boolean");
	assert_members_rejected("\"HostConfig\":{\"Memory\":\"64m\"}",
				"HostConfig.Memory is a string, not an integer");
	assert_members_rejected("\"HostConfig\":{\"Memory\":1.5}",
				"HostConfig.Memory is a number with a fraction or an exponent, not an integer");
	assert_members_rejected("\"HostConfig\":{\"PidsLimit\":true}",
				"HostConfig.PidsLimit is a boolean, not an integer");
	assert_members_rejected("\"HostConfig\":{\"NetworkMode\":[\"host\"]}",
				"HostConfig.NetworkMode is an array, not a string");
	assert_members_rejected("\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges\",false]}",
				"HostConfig.SecurityOpt[1] is a boolean, not a string");
	assert_members_rejected("\"HostConfig\":{\"Devices\":[\"/dev/fuse\"]}",
				"HostConfig.Devices[0] is a string, not an object");
	assert_members_rejected("\"HostConfig\":{\"Devices\":[{\"PathOnHost\":7}]}",
				"HostConfig.Devices[0].PathOnHost is a number, not a string");
	assert_members_rejected("\"Config\":{\"Image\":{}}", "Config.Image is an object, not a string");
	assert_members_rejected("\"Config\":{\"User\":0}", "Config.User is a number, not a string");
	assert_members_rejected("\"Config\":{\"Labels\":[\"a=b\"]}", "Config.Labels is an array, not an object");
	assert_members_rejected("\"Config\":{\"Labels\":{\"a\":\"b\",\"c\":1}}",
				"Config.Labels[\"c\"] is a number, not a string");
	assert_members_rejected("\"Config\":{\"Labels\":{\"a\":null}}", "Config.Labels[\"a\"] is null, not a string");
	assert_members_rejected("\"Config\":\"x\"", "Config is a string, not an object");
	assert_members_rejected("\"Mounts\":{}", "Mounts is an object, not an array");
	assert_members_rejected("\"Mounts\":[{\"Source\":\"/\"},null]", "Mounts[1] is null, not an object");
	assert_members_rejected("\"Mounts\":[{\"Source\":{}}]", "Mounts[0].Source is an object, not a string");
	assert_members_rejected("\"Mounts\":[{\"RW\":\"yes\"}]", "Mounts[0].RW is a string, not a boolean");
	assert_members_rejected("\"State\":{\"Pid\":\"1\"}", "State.Pid is a string, not an integer");
	assert_members_rejected("\"State\":{\"Pid\":-1}", "State.Pid is -1, not a process id");
	assert_members_rejected("\"State\":{\"Pid\":4294967296}", "State.Pid is 4294967296, not a process id");
	assert_members_rejected("\"State\":{\"Running\":\"true\"}", "State.Running is a string, not a boolean");
	assert_members_rejected("\"Image\":5", "Image is a number, not a string");
	assert_members_rejected("\"AppArmorProfile\":false", "AppArmorProfile is a boolean, not a string");
}

static void id_and_name_are_required(void **state)
{
	static const char upper[] = "{\"Id\":\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\","
				    "\"Name\":\"/c\"}";

	(void)state;
	assert_text_rejected("{\"Name\":\"/c\"}", "Id is missing");
	assert_text_rejected("{\"Id\":null,\"Name\":\"/c\"}", "Id is null, not a string");
	assert_text_rejected("{\"Id\":1234,\"Name\":\"/c\"}", "Id is a number, not a string");
	assert_text_rejected("{\"Id\":\"abc\",\"Name\":\"/c\"}", "Id \"abc\" is not 64 lower-case hex digits");
	assert_text_rejected(upper, NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "0\",\"Name\":\"/c\"}", NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "\"}", "Name is missing");
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":null}", "Name is null, not a string");
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":42}", "Name is a number, not a string");
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":[\"/c\"]}", "Name is an array, not a string");
}

static void not_an_object_or_not_json(void **state)
{
	static const char with_nul[] = "{\"Id\":\"" SOME_ID "\",\"Name\":\"/c\"}\0junk";
	static const char *const texts[] = {
		"", " ", "[]", "[1,2]", "\"x\"", "42", "null", "true", "{", "{\"Id\":", "{}}", "{} {}",
		"{\"Id\":\"" SOME_ID "\",\"Name\":\"/c\",}", "\xef\xbb\xbf{}", "{'Id':1}", "{\"a\":NaN}",
		"{\"a\":99999999999999999999999}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_rejected(texts[i], strlen(texts[i]), NULL);
	assert_text_rejected("[{\"Id\":\"" SOME_ID "\"}]", "the answer is an array, not an object");
	assert_text_rejected("{}", "Id is missing");
	/* A NUL in the middle of the answer, and no answer at all. */
	assert_rejected(with_nul, sizeof(with_nul) - 1, NULL);
	assert_rejected(NULL, 0, "there is no answer");
}

static void every_truncation_is_an_error(void **state)
{
	struct container_info info;
	size_t len, end;
	char *text = read_file("named.json", &len);

	(void)state;
	end = (size_t)(strrchr(text, '}') - text);
	for (size_t n = 0; n <= end; n++) {
		/* An exact-size copy, so that ASan sees any read past the end. */
		char *part = malloc(n ? n : 1);

		assert_non_null(part);
		memcpy(part, text, n);
		assert_int_not_equal(container_info_parse(part, n, &info, NULL, 0), 0);
		free(part);
	}
	assert_int_equal(container_info_parse(text, end + 1, &info, NULL, 0), 0);
	container_info_free(&info);
	free(text);
}

static void invalid_strings_are_refused(void **state)
{
	(void)state;
	/* jansson refuses bytes that are not UTF-8, escaped NULs and lone surrogates; the error shows no raw byte. */
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":\"/web\xff\xfe\"}", NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":\"/web\xc0\xaf\"}", NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":\"/a\\u0000b\"}", NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":\"/a\\ud800\"}", NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":\"/\x1b[2J\n\"}", NULL);
}

static void duplicate_keys_are_refused(void **state)
{
	(void)state;
	assert_members_rejected("\"HostConfig\":{\"Privileged\":false,\"Privileged\":true}", NULL);
	assert_members_rejected("\"Config\":{\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}", NULL);
	assert_text_rejected("{\"Id\":\"" SOME_ID "\",\"Name\":\"/a\",\"Name\":\"/b\"}", NULL);
}

static void hostile_label_keys_stay_out_of_the_error(void **state)
{
	struct container_info info;
	char err[512];

	(void)state;
	assert_int_equal(parse_with("\"Config\":{\"Labels\":{\"a\\nb\\u001b[31m\\\\\":1}}", &info, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "Config.Labels[\"a\\x0ab\\x1b[31m\\x5c\"] is a number, not a string");
	/* A long key is cut. */
	assert_members_rejected("\"Config\":{\"Labels\":{"
				"\"0123456789012345678901234567890123456789012345678901234567890123456789\":1}}",
				"Config.Labels[\"0123456789012345678901234567890123456789012345678901234567890123...\"]"
				" is a number, not a string");
	/* A short error buffer, or none, is not overrun. */
	assert_int_equal(parse_with("\"HostConfig\":1", &info, err, 8), -EINVAL);
	assert_string_equal(err, "HostCon");
	assert_int_equal(parse_with("\"HostConfig\":1", &info, NULL, 0), -EINVAL);
	assert_int_equal(parse_with("\"HostConfig\":1", &info, err, 0), -EINVAL);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void string_lengths_are_bounded(void **state)
{
	char *long_string = repeat('a', CONTAINER_INFO_MAX_STRING + 1);
	struct container_info info;
	char *members, err[512];

	(void)state;
	/* The longest accepted, then one byte more: as the name, a label value, a label key, a mount source. */
	long_string[CONTAINER_INFO_MAX_STRING] = '\0';
	assert_true(asprintf(&members, "\"Config\":{\"User\":\"%s\",\"Labels\":{\"%s\":\"%s\"}}", long_string,
			     long_string, long_string) > 0);
	assert_int_equal(parse_with(members, &info, err, sizeof(err)), 0);
	assert_int_equal(strlen(info.user), CONTAINER_INFO_MAX_STRING);
	assert_int_equal(strlen(info.labels[0].value), CONTAINER_INFO_MAX_STRING);
	container_info_free(&info);
	free(members);
	long_string[CONTAINER_INFO_MAX_STRING] = 'a';

	assert_true(asprintf(&members, "{\"Id\":\"" SOME_ID "\",\"Name\":\"/%s\"}", long_string) > 0);
	assert_rejected(members, strlen(members), "Name is 65538 bytes long, more than 65536");
	free(members);
	assert_true(asprintf(&members, "\"Config\":{\"User\":\"%s\"}", long_string) > 0);
	assert_members_rejected(members, "Config.User is 65537 bytes long, more than 65536");
	free(members);
	assert_true(asprintf(&members, "\"Config\":{\"Labels\":{\"k\":\"%s\"}}", long_string) > 0);
	assert_members_rejected(members, "Config.Labels[\"k\"] is 65537 bytes long, more than 65536");
	free(members);
	assert_true(asprintf(&members, "\"Config\":{\"Labels\":{\"%s\":\"v\"}}", long_string) > 0);
	assert_members_rejected(members, NULL);
	free(members);
	assert_true(asprintf(&members, "\"Mounts\":[{\"Source\":\"/\"},{\"Source\":\"/%s\"}]", long_string) > 0);
	assert_members_rejected(members, "Mounts[1].Source is 65538 bytes long, more than 65536");
	free(members);
	assert_true(asprintf(&members, "\"HostConfig\":{\"SecurityOpt\":[\"seccomp=%s\"]}", long_string) > 0);
	assert_members_rejected(members, "HostConfig.SecurityOpt[0] is 65545 bytes long, more than 65536");
	free(members);
	free(long_string);
}

/* "\"Config\":{\"Labels\":{...n labels...}}" */
static char *many_labels(size_t n)
{
	size_t size = 32 + n * 24, used;
	char *s = malloc(size);

	assert_non_null(s);
	used = (size_t)snprintf(s, size, "\"Config\":{\"Labels\":{");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, size - used, "%s\"label%zu\":\"%zu\"", i ? "," : "", i, i);
	snprintf(s + used, size - used, "}}");
	return s;
}

/* "\"<member>\":[<element>,<element>,...]" */
static char *many_elements(const char *member, const char *element, size_t n)
{
	size_t size = strlen(member) + 8 + n * (strlen(element) + 1), used;
	char *s = malloc(size);

	assert_non_null(s);
	used = (size_t)snprintf(s, size, "%s[", member);
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, size - used, "%s%s", i ? "," : "", element);
	snprintf(s + used, size - used, "]");
	return s;
}

static void list_lengths_are_bounded(void **state)
{
	struct container_info info;
	char *members, err[512];

	(void)state;
	members = many_labels(CONTAINER_INFO_MAX_LIST);
	assert_int_equal(parse_with(members, &info, err, sizeof(err)), 0);
	assert_int_equal(info.n_labels, CONTAINER_INFO_MAX_LIST);
	assert_string_equal(container_info_label(&info, "label4095"), "4095");
	container_info_free(&info);
	free(members);
	members = many_labels(10000);
	assert_members_rejected(members, "Config.Labels has 10000 labels, more than 4096");
	free(members);

	members = many_elements("\"Mounts\":", "{\"Type\":\"bind\",\"Source\":\"/etc\"}", CONTAINER_INFO_MAX_LIST);
	assert_int_equal(parse_with(members, &info, err, sizeof(err)), 0);
	assert_int_equal(info.n_mounts, CONTAINER_INFO_MAX_LIST);
	assert_true(info.mounts[CONTAINER_INFO_MAX_LIST - 1].sensitive);
	container_info_free(&info);
	free(members);
	members = many_elements("\"Mounts\":", "{}", CONTAINER_INFO_MAX_LIST + 1);
	assert_members_rejected(members, "Mounts has 4097 elements, more than 4096");
	free(members);
	members = many_elements("\"HostConfig\":{\"CapAdd\":", "\"SYS_ADMIN\"", CONTAINER_INFO_MAX_LIST + 1);
	strcat(members, "}"); /* many_elements leaves a few bytes spare */
	assert_members_rejected(members, "HostConfig.CapAdd has 4097 elements, more than 4096");
	free(members);
	members = many_elements("\"HostConfig\":{\"Devices\":", "{}", 5000);
	strcat(members, "}");
	assert_members_rejected(members, "HostConfig.Devices has 5000 elements, more than 4096");
	free(members);
}

/* n '[' then n ']' */
static char *nested(size_t n)
{
	char *s = malloc(2 * n + 1);

	assert_non_null(s);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

static void deep_nesting_is_bounded(void **state)
{
	struct container_info info;
	char *deep, *members, err[512];

	(void)state;
	/* jansson stops at JSON_PARSER_MAX_DEPTH (2048) levels, before its recursion could hurt the stack. */
	deep = repeat('[', 1000000);
	assert_rejected(deep, 1000000, NULL);
	free(deep);
	deep = repeat('{', 100000);
	assert_rejected(deep, 100000, NULL);
	free(deep);

	/* Deep but within the limit: fine in a member nobody reads, a type error where a string belongs. */
	deep = nested(2000);
	assert_true(asprintf(&members, "\"Unknown\":%s", deep) > 0);
	assert_int_equal(parse_with(members, &info, err, sizeof(err)), 0);
	container_info_free(&info);
	free(members);
	assert_true(asprintf(&members, "\"Config\":{\"Labels\":{\"a\":%s}}", deep) > 0);
	assert_members_rejected(members, "Config.Labels[\"a\"] is an array, not a string");
	free(members);
	free(deep);
	deep = nested(3000);
	assert_true(asprintf(&members, "\"Unknown\":%s", deep) > 0);
	assert_members_rejected(members, NULL);
	free(members);
	free(deep);
}

static void answer_size_is_bounded(void **state)
{
	static const char answer[] = "{\"Id\":\"" SOME_ID "\",\"Name\":\"/c\"}";
	struct container_info info;
	char *text, err[512];

	(void)state;
	/* Exactly the limit (an answer padded with spaces) is read; one byte more is refused unread. */
	text = repeat(' ', CONTAINER_INFO_MAX_ANSWER + 1);
	memcpy(text, answer, sizeof(answer) - 1);
	assert_int_equal(container_info_parse(text, CONTAINER_INFO_MAX_ANSWER, &info, err, sizeof(err)), 0);
	container_info_free(&info);
	assert_int_equal(container_info_parse(text, CONTAINER_INFO_MAX_ANSWER + 1, &info, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the answer is 4194305 bytes long, more than 4194304");
	free(text);
}

static void error_leaves_nothing_to_free(void **state)
{
	struct container_info info;
	char err[512];

	(void)state;
	/* Fails late, after labels, caps, devices and some mounts were copied: ASan's leak check sees the rest. */
	assert_int_equal(parse_with("\"Config\":{\"Image\":\"a:b\",\"Labels\":{\"a\":\"b\"}},"
				    "\"HostConfig\":{\"CapAdd\":[\"X\"],\"Devices\":[{\"PathOnHost\":\"/dev/x\"}]},"
				    "\"Mounts\":[{\"Source\":\"/etc\"},{\"Type\":\"bind\",\"Source\":\"/\",\"RW\":1}]",
				    &info, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "Mounts[1].RW is a number, not a boolean");
	assert_null(info.name);
	assert_null(info.labels);
	assert_int_equal(info.n_labels, 0);
	assert_null(info.cap_add);
	assert_null(info.mounts);
	assert_int_equal(info.id[0], '\0');
	container_info_free(&info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recorded_plain),
		cmocka_unit_test(recorded_named_with_kubernetes_labels),
		cmocka_unit_test(recorded_caps),
		cmocka_unit_test(recorded_host_root_and_docker_socket),
		cmocka_unit_test(recorded_volumes_and_tmpfs),
		cmocka_unit_test(recorded_user),
		cmocka_unit_test(recorded_read_only),
		cmocka_unit_test(recorded_no_new_privileges),
		cmocka_unit_test(recorded_limits),
		cmocka_unit_test(recorded_cpus),
		cmocka_unit_test(recorded_cpu_quota),
		cmocka_unit_test(recorded_host_network),
		cmocka_unit_test(recorded_host_pid),
		cmocka_unit_test(recorded_host_ipc_uts_userns),
		cmocka_unit_test(recorded_other_containers_namespaces_are_not_the_hosts),
		cmocka_unit_test(recorded_seccomp_unconfined),
		cmocka_unit_test(recorded_apparmor_unconfined),
		cmocka_unit_test(recorded_device),
		cmocka_unit_test(recorded_stopped),
		cmocka_unit_test(derived_privileged),
		cmocka_unit_test(handmade_podman),
		cmocka_unit_test(posture_json_has_the_promised_shape),
		cmocka_unit_test(posture_json_of_invalid_utf8_is_valid_json),
		cmocka_unit_test(posture_json_of_an_empty_info),
		cmocka_unit_test(image_references_split),
		cmocka_unit_test(sensitive_mount_sources),
		cmocka_unit_test(security_options),
		cmocka_unit_test(apparmor_profile_from_the_answer_wins),
		cmocka_unit_test(users),
		cmocka_unit_test(minimal_answer_and_nulls_are_defaults),
		cmocka_unit_test(wrong_types_name_the_field),
		cmocka_unit_test(id_and_name_are_required),
		cmocka_unit_test(not_an_object_or_not_json),
		cmocka_unit_test(every_truncation_is_an_error),
		cmocka_unit_test(invalid_strings_are_refused),
		cmocka_unit_test(duplicate_keys_are_refused),
		cmocka_unit_test(hostile_label_keys_stay_out_of_the_error),
		cmocka_unit_test(string_lengths_are_bounded),
		cmocka_unit_test(list_lengths_are_bounded),
		cmocka_unit_test(deep_nesting_is_bounded),
		cmocka_unit_test(answer_size_is_bounded),
		cmocka_unit_test(error_leaves_nothing_to_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
