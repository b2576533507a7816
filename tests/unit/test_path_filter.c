// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The file watch list: map keys as bpf/file.bpf.c reads them, and the default set. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <string.h>

#include "path_filter.h"

#define PREFIXES_FD 11
#define NAMES_FD 12

/* What path_filter_add wrote, in place of the kernel's maps. */
struct recorded_update {
	int map_fd;
	union {
		struct vigil_path_prefix_key prefix;
		struct vigil_path_name_key name;
	} key;
	__u32 value;
	__u64 flags;
};

static struct recorded_update updates[64];
static size_t n_updates;
static int update_error; /* what the fake update returns */

static int record_update(int map_fd, const void *key, const void *value, __u64 flags)
{
	struct recorded_update *u;

	if (update_error)
		return update_error;
	assert_true(n_updates < sizeof(updates) / sizeof(updates[0]));
	u = &updates[n_updates++];
	u->map_fd = map_fd;
	memcpy(&u->key, key, map_fd == PREFIXES_FD ? sizeof(u->key.prefix) : sizeof(u->key.name));
	memcpy(&u->value, value, sizeof(u->value));
	u->flags = flags;
	return 0;
}

static const struct path_filter_maps fake_maps = { PREFIXES_FD, NAMES_FD, record_update };

static int reset(void **state)
{
	(void)state;
	memset(updates, 0, sizeof(updates));
	n_updates = 0;
	update_error = 0;
	return 0;
}

static void assert_bytes_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(b[i], 0);
}

static void test_prefix_key_is_length_in_bits_then_bytes(void **state)
{
	struct vigil_path_prefix_key key;

	(void)state;
	memset(&key, 0xaa, sizeof(key));
	assert_int_equal(path_filter_prefix_key("/etc/shadow", &key), 0);
	assert_int_equal(key.prefixlen, 11 * 8);
	assert_memory_equal(key.data, "/etc/shadow", 11);
	/* The rest is zero: the trie ignores it, but no stale byte leaves the agent. */
	assert_bytes_zero(key.data + 11, sizeof(key.data) - 11);
}

static void test_prefix_key_bounds(void **state)
{
	struct vigil_path_prefix_key key;
	char longest[VIGIL_PATH_PREFIX_MAX + 2];

	(void)state;
	memset(longest, 'a', sizeof(longest));
	longest[0] = '/';
	longest[VIGIL_PATH_PREFIX_MAX] = '\0';
	assert_int_equal(path_filter_prefix_key(longest, &key), 0);
	assert_int_equal(key.prefixlen, VIGIL_PATH_PREFIX_MAX * 8);
	longest[VIGIL_PATH_PREFIX_MAX] = 'a';
	longest[VIGIL_PATH_PREFIX_MAX + 1] = '\0';
	assert_int_equal(path_filter_prefix_key(longest, &key), -ENAMETOOLONG);

	/* "/" watches everything: allowed, the rules' choice. */
	assert_int_equal(path_filter_prefix_key("/", &key), 0);
	assert_int_equal(key.prefixlen, 8);
	/* The kernel matches absolute paths only. */
	assert_int_equal(path_filter_prefix_key("etc/shadow", &key), -EINVAL);
	assert_int_equal(path_filter_prefix_key("", &key), -EINVAL);
}

static void test_name_key_is_nul_padded(void **state)
{
	struct vigil_path_name_key key;

	(void)state;
	memset(&key, 0xaa, sizeof(key));
	assert_int_equal(path_filter_name_key("release_agent", &key), 0);
	assert_string_equal(key.name, "release_agent");
	/* The kernel hashes the whole key: the padding must be zero, as the kernel's is. */
	assert_bytes_zero(key.name + 13, sizeof(key.name) - 13);
}

static void test_name_key_bounds(void **state)
{
	struct vigil_path_name_key key;
	char name[VIGIL_PATH_NAME_MAX + 1];

	(void)state;
	memset(name, 'n', sizeof(name));
	name[VIGIL_PATH_NAME_MAX - 1] = '\0';
	assert_int_equal(path_filter_name_key(name, &key), 0);
	assert_int_equal(key.name[VIGIL_PATH_NAME_MAX - 1], '\0');
	name[VIGIL_PATH_NAME_MAX - 1] = 'n';
	name[VIGIL_PATH_NAME_MAX] = '\0';
	assert_int_equal(path_filter_name_key(name, &key), -ENAMETOOLONG);

	assert_int_equal(path_filter_name_key("", &key), -EINVAL);
	assert_int_equal(path_filter_name_key("cgroup/release_agent", &key), -EINVAL);
	assert_int_equal(path_filter_name_key("/docker.sock", &key), -EINVAL);
}

static void test_add_writes_each_kind_to_its_map(void **state)
{
	(void)state;
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_PREFIX, "/etc/pam.d/"), 0);
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_NAME, "docker.sock"), 0);
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_PROC_NAME, "environ"), 0);
	assert_int_equal(n_updates, 3);

	assert_int_equal(updates[0].map_fd, PREFIXES_FD);
	assert_int_equal(updates[0].key.prefix.prefixlen, 11 * 8);
	assert_memory_equal(updates[0].key.prefix.data, "/etc/pam.d/", 11);
	assert_int_equal(updates[0].value, VIGIL_PATH_PREFIX_WATCHED);

	assert_int_equal(updates[1].map_fd, NAMES_FD);
	assert_string_equal(updates[1].key.name.name, "docker.sock");
	assert_int_equal(updates[1].value, VIGIL_PATH_NAME_ANYWHERE);

	assert_int_equal(updates[2].map_fd, NAMES_FD);
	assert_string_equal(updates[2].key.name.name, "environ");
	assert_int_equal(updates[2].value, VIGIL_PATH_NAME_PROCFS);
}

static void test_add_refuses_bad_entries_without_writing(void **state)
{
	(void)state;
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_PREFIX, "shadow"), -EINVAL);
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_NAME, "a/b"), -EINVAL);
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_PROC_NAME, ""), -EINVAL);
	assert_int_equal(n_updates, 0);
}

static void test_add_passes_the_map_error_on(void **state)
{
	(void)state;
	update_error = -E2BIG;
	assert_int_equal(path_filter_add(&fake_maps, PATH_FILTER_PREFIX, "/dev/mem"), -E2BIG);
	assert_int_equal(path_filter_add_defaults(&fake_maps), -E2BIG);
}

/* Whether the defaults hold an entry of that kind and text. */
static bool defaults_have(enum path_filter_kind kind, const char *text)
{
	size_t n;
	const struct path_filter_entry *e = path_filter_defaults(&n);

	for (size_t i = 0; i < n; i++)
		if (e[i].kind == kind && !strcmp(e[i].text, text))
			return true;
	return false;
}

static void test_defaults_cover_the_sensitive_paths(void **state)
{
	static const char *const prefixes[] = {
		"/etc/shadow", "/etc/sudoers", "/etc/pam.d/", "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger",
		"/proc/sys/kernel/sysrq", "/proc/kcore", "/dev/sd", "/dev/vd", "/dev/nvme", "/dev/mem",
	};
	static const char *const names[] = {
		"release_agent", "notify_on_release", "docker.sock", "containerd.sock", "crio.sock",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		assert_true(defaults_have(PATH_FILTER_PREFIX, prefixes[i]));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_true(defaults_have(PATH_FILTER_NAME, names[i]));
	assert_true(defaults_have(PATH_FILTER_PROC_NAME, "mem"));
	assert_true(defaults_have(PATH_FILTER_PROC_NAME, "environ"));
}

static void test_defaults_all_reach_the_maps(void **state)
{
	size_t n;

	(void)state;
	path_filter_defaults(&n);
	assert_int_equal(path_filter_add_defaults(&fake_maps), 0);
	assert_int_equal(n_updates, n);
	for (size_t i = 0; i < n_updates; i++)
		assert_int_equal(updates[i].flags, BPF_ANY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_prefix_key_is_length_in_bits_then_bytes, reset),
		cmocka_unit_test_setup(test_prefix_key_bounds, reset),
		cmocka_unit_test_setup(test_name_key_is_nul_padded, reset),
		cmocka_unit_test_setup(test_name_key_bounds, reset),
		cmocka_unit_test_setup(test_add_writes_each_kind_to_its_map, reset),
		cmocka_unit_test_setup(test_add_refuses_bad_entries_without_writing, reset),
		cmocka_unit_test_setup(test_add_passes_the_map_error_on, reset),
		cmocka_unit_test_setup(test_defaults_cover_the_sensitive_paths, reset),
		cmocka_unit_test_setup(test_defaults_all_reach_the_maps, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
