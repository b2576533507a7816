// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "container.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void assert_container(const char *path, enum container_runtime runtime, const char *id)
{
	struct container_ref ref;

	if (!container_from_cgroup_path(path, &ref))
		fail_msg("expected container %s in \"%s\", got host", id, path);
	assert_int_equal(ref.runtime, runtime);
	assert_string_equal(ref.id, id);
}

static void assert_host(const char *path)
{
	struct container_ref ref;

	/* Garbage first: the function must overwrite it for the host too. */
	memset(&ref, 'x', sizeof(ref));
	if (container_from_cgroup_path(path, &ref))
		fail_msg("expected host for \"%s\", got container %s", path, ref.id);
	assert_int_equal(ref.runtime, CONTAINER_RUNTIME_NONE);
	assert_string_equal(ref.id, "");
}

static void test_docker_cgroupfs_layout(void **state)
{
	(void)state;
	assert_container("/docker/" ID_A, CONTAINER_RUNTIME_DOCKER, ID_A);
	assert_container("/docker/" ID_A "/", CONTAINER_RUNTIME_DOCKER, ID_A);
}

static void test_docker_systemd_layout(void **state)
{
	(void)state;
	assert_container("/system.slice/docker-" ID_A ".scope", CONTAINER_RUNTIME_DOCKER, ID_A);
	/* Below a kubepods slice (kubelet with the systemd driver and dockershim). */
	assert_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/docker-" ID_B
			 ".scope",
			 CONTAINER_RUNTIME_DOCKER, ID_B);
}

static void test_sub_cgroups_of_a_container(void **state)
{
	(void)state;
	assert_container("/docker/" ID_A "/init", CONTAINER_RUNTIME_DOCKER, ID_A);
	assert_container("/docker/" ID_A "/a/b/c", CONTAINER_RUNTIME_DOCKER, ID_A);
	assert_container("/system.slice/docker-" ID_A ".scope/init.scope", CONTAINER_RUNTIME_DOCKER, ID_A);
}

static void test_nested_containers_innermost_wins(void **state)
{
	(void)state;
	/* Docker-in-Docker, cgroupfs inside cgroupfs. */
	assert_container("/docker/" ID_A "/docker/" ID_B, CONTAINER_RUNTIME_DOCKER, ID_B);
	assert_container("/docker/" ID_A "/docker/" ID_B "/init", CONTAINER_RUNTIME_DOCKER, ID_B);
	/* A kind-style node container running its own pods with the systemd driver. */
	assert_container("/docker/" ID_A "/kubepods/burstable/pod42/docker-" ID_B ".scope",
			 CONTAINER_RUNTIME_DOCKER, ID_B);
	/* Systemd outside, cgroupfs inside. */
	assert_container("/system.slice/docker-" ID_B ".scope/docker/" ID_A, CONTAINER_RUNTIME_DOCKER, ID_A);
	/* A sub-cgroup of the outer container that is no container keeps the outer one. */
	assert_container("/docker/" ID_A "/docker", CONTAINER_RUNTIME_DOCKER, ID_A);
}

static void test_host_paths(void **state)
{
	(void)state;
	assert_host("");
	assert_host("/");
	assert_host("//");
	assert_host("/user.slice/user-1000.slice/session-2.scope");
	assert_host("/system.slice/docker.service");
	assert_host("/system.slice/containerd.service");
	assert_host("/docker");
	assert_host("/docker/");
	assert_host("/init.scope");
	assert_host(NULL);
}

static void test_malformed_ids_are_host(void **state)
{
	char upper[] = "/docker/" ID_A;
	(void)state;

	/* 63 and 65 hex digits. */
	assert_host("/docker/" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_host("/docker/" ID_A "0");
	assert_host("/system.slice/docker-" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    ".scope");
	assert_host("/system.slice/docker-" ID_A "0.scope");
	/* Upper case is not what Docker writes. */
	for (char *p = upper + strlen("/docker/"); *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_host(upper);
	/* Not hex. */
	assert_host("/docker/" "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_host("/docker/" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde-");
	/* Wrong parent, prefix or suffix. */
	assert_host("/dockerx/" ID_A);
	assert_host("/xdocker/" ID_A);
	assert_host("/" ID_A);
	assert_host("/system.slice/docker_" ID_A ".scope");
	assert_host("/system.slice/docker-" ID_A ".scop");
	assert_host("/system.slice/docker-" ID_A ".scopex");
	assert_host("/system.slice/docker-" ID_A);
	assert_host("/system.slice/xdocker-" ID_A ".scope");
	/* Only the path's own '/' separates: an id running into the next component is no id. */
	assert_host("/docker/" ID_A "x/init");
}

static void test_id_with_embedded_nul_stops_at_nul(void **state)
{
	char path[] = "/docker/" ID_A;
	(void)state;

	path[sizeof(path) - 2] = '\0';
	assert_host(path);
}

static void test_very_long_paths(void **state)
{
	(void)state;
	/* Deep: a thousand components above the container, and one huge name. */
	const size_t depth = 1000;
	size_t size = depth * 4 + 200000 + 200;
	char *path = malloc(size);
	size_t len = 0;

	assert_non_null(path);
	for (size_t i = 0; i < depth; i++)
		len += (size_t)snprintf(path + len, size - len, "/a%zu", i % 10);
	len += (size_t)snprintf(path + len, size - len, "/docker/%s", ID_B);
	assert_container(path, CONTAINER_RUNTIME_DOCKER, ID_B);

	path[len] = '/';
	memset(path + len + 1, 'f', 200000);
	path[len + 1 + 200000] = '\0';
	/* A 200000-byte sub-cgroup name below the container. */
	assert_container(path, CONTAINER_RUNTIME_DOCKER, ID_B);

	/* A 200000-digit "id" is no id. */
	memcpy(path, "/docker/", 8);
	memset(path + 8, 'a', 200000);
	path[8 + 200000] = '\0';
	assert_host(path);
	free(path);
}

static void test_runtime_names(void **state)
{
	(void)state;
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_NONE), "host");
	assert_string_equal(container_runtime_name(CONTAINER_RUNTIME_DOCKER), "docker");
	assert_string_equal(container_runtime_name((enum container_runtime)1000), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_cgroupfs_layout),
		cmocka_unit_test(test_docker_systemd_layout),
		cmocka_unit_test(test_sub_cgroups_of_a_container),
		cmocka_unit_test(test_nested_containers_innermost_wins),
		cmocka_unit_test(test_host_paths),
		cmocka_unit_test(test_malformed_ids_are_host),
		cmocka_unit_test(test_id_with_embedded_nul_stops_at_nul),
		cmocka_unit_test(test_very_long_paths),
		cmocka_unit_test(test_runtime_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
