// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "u64map.h"

/* Distinct non-NULL values without allocating: the address of a byte in this array. */
static char value_pool[16];
#define VALUE(i) ((void *)&value_pool[(i) % sizeof(value_pool)])

/* Keys spread like real ones: sequential pids and sparse cgroup inode numbers. */
static uint64_t nth_key(uint64_t i)
{
	return i * UINT64_C(0x9e3779b97f4a7c15) + 1;
}

static void test_empty_map(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();
	uint64_t key;
	void *value;
	size_t it = 0;

	assert_non_null(m);
	assert_int_equal(u64map_size(m), 0);
	assert_null(u64map_get(m, 1));
	assert_null(u64map_get(m, 0));
	assert_null(u64map_remove(m, 1));
	assert_false(u64map_next(m, &it, &key, &value));
	u64map_free(m, free);
}

static void test_put_get_replace_remove(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();
	void *old = VALUE(9);

	assert_int_equal(u64map_put(m, 42, VALUE(1), &old), 0);
	assert_null(old);
	assert_ptr_equal(u64map_get(m, 42), VALUE(1));
	assert_int_equal(u64map_size(m), 1);

	assert_int_equal(u64map_put(m, 42, VALUE(2), &old), 0);
	assert_ptr_equal(old, VALUE(1));
	assert_ptr_equal(u64map_get(m, 42), VALUE(2));
	assert_int_equal(u64map_size(m), 1);

	/* old may be NULL when the caller does not care. */
	assert_int_equal(u64map_put(m, 43, VALUE(3), NULL), 0);
	assert_int_equal(u64map_size(m), 2);

	assert_ptr_equal(u64map_remove(m, 42), VALUE(2));
	assert_null(u64map_get(m, 42));
	assert_null(u64map_remove(m, 42));
	assert_ptr_equal(u64map_get(m, 43), VALUE(3));
	assert_int_equal(u64map_size(m), 1);
	u64map_free(m, NULL);
}

static void test_key_zero_is_a_key(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();
	void *old;
	uint64_t key;
	void *value;
	size_t it = 0;

	assert_null(u64map_get(m, 0));
	assert_int_equal(u64map_put(m, 0, VALUE(1), &old), 0);
	assert_null(old);
	assert_int_equal(u64map_put(m, 7, VALUE(2), NULL), 0);
	assert_ptr_equal(u64map_get(m, 0), VALUE(1));
	assert_int_equal(u64map_size(m), 2);

	assert_true(u64map_next(m, &it, &key, &value));
	assert_int_equal(key, 0);
	assert_ptr_equal(value, VALUE(1));
	assert_true(u64map_next(m, &it, &key, &value));
	assert_int_equal(key, 7);
	assert_false(u64map_next(m, &it, &key, &value));

	assert_int_equal(u64map_put(m, 0, VALUE(3), &old), 0);
	assert_ptr_equal(old, VALUE(1));
	assert_ptr_equal(u64map_remove(m, 0), VALUE(3));
	assert_null(u64map_get(m, 0));
	assert_int_equal(u64map_size(m), 1);
	assert_ptr_equal(u64map_get(m, 7), VALUE(2));
	u64map_free(m, NULL);
}

static void test_extreme_keys(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();

	assert_int_equal(u64map_put(m, UINT64_MAX, VALUE(1), NULL), 0);
	assert_int_equal(u64map_put(m, 1, VALUE(2), NULL), 0);
	assert_int_equal(u64map_put(m, UINT64_C(1) << 63, VALUE(3), NULL), 0);
	assert_ptr_equal(u64map_get(m, UINT64_MAX), VALUE(1));
	assert_ptr_equal(u64map_get(m, 1), VALUE(2));
	assert_ptr_equal(u64map_get(m, UINT64_C(1) << 63), VALUE(3));
	u64map_free(m, NULL);
}

#define MANY_KEYS 100000

static void test_growth_through_100k_keys(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();

	for (uint64_t i = 0; i < MANY_KEYS; i++) {
		assert_int_equal(u64map_put(m, nth_key(i), VALUE(i), NULL), 0);
		assert_int_equal(u64map_size(m), i + 1);
	}
	/* Sequential keys too: the mixer must not let them cluster. */
	for (uint64_t pid = 1; pid <= MANY_KEYS; pid++)
		assert_int_equal(u64map_put(m, UINT64_C(1) << 40 | pid, VALUE(pid), NULL), 0);
	assert_int_equal(u64map_size(m), 2 * MANY_KEYS);

	for (uint64_t i = 0; i < MANY_KEYS; i++)
		assert_ptr_equal(u64map_get(m, nth_key(i)), VALUE(i));
	for (uint64_t pid = 1; pid <= MANY_KEYS; pid++)
		assert_ptr_equal(u64map_get(m, UINT64_C(1) << 40 | pid), VALUE(pid));
	assert_null(u64map_get(m, nth_key(MANY_KEYS)));
	u64map_free(m, NULL);
}

/*
 * Backward-shift deletion moves entries: after removing every other key,
 * and then in a different order the rest, every key left must still be found.
 */
static void test_removal_keeps_others_reachable(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();
	const uint64_t n = 20000;

	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(u64map_put(m, nth_key(i), VALUE(i), NULL), 0);
	for (uint64_t i = 0; i < n; i += 2)
		assert_ptr_equal(u64map_remove(m, nth_key(i)), VALUE(i));
	assert_int_equal(u64map_size(m), n / 2);
	for (uint64_t i = 0; i < n; i++) {
		if (i % 2)
			assert_ptr_equal(u64map_get(m, nth_key(i)), VALUE(i));
		else
			assert_null(u64map_get(m, nth_key(i)));
	}
	for (uint64_t i = n - 1; i < n; i -= 2) {
		assert_ptr_equal(u64map_remove(m, nth_key(i)), VALUE(i));
		/* The keys not removed yet stay reachable after each shift. */
		if (i >= 2)
			assert_ptr_equal(u64map_get(m, nth_key(i - 2)), VALUE(i - 2));
	}
	assert_int_equal(u64map_size(m), 0);
	u64map_free(m, NULL);
}

/* Keys that collide in a small table exercise shifting across the wrap-around. */
static void test_churn_in_small_table(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();
	const uint64_t live = 11; /* stays under 70 % of the 16 initial slots */

	for (uint64_t round = 0; round < 50000; round++) {
		uint64_t key = round + 1;
		assert_int_equal(u64map_put(m, key, VALUE(key), NULL), 0);
		if (key > live) {
			assert_ptr_equal(u64map_remove(m, key - live), VALUE(key - live));
			for (uint64_t k = key - live + 1; k <= key; k++)
				assert_ptr_equal(u64map_get(m, k), VALUE(k));
		}
	}
	assert_int_equal(u64map_size(m), live);
	u64map_free(m, NULL);
}

static void test_iteration_sees_each_key_once(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();
	const uint64_t n = 5000;
	unsigned char *seen = calloc(n, 1);
	size_t it = 0, count = 0;
	uint64_t key;
	void *value;

	assert_non_null(seen);
	/* Keys are their index, values point at their flag: key 0 included. */
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(u64map_put(m, i, &seen[i], NULL), 0);
	/* Some removals first, so that iteration runs over a shifted table. */
	for (uint64_t i = 3; i < n; i += 7)
		assert_ptr_equal(u64map_remove(m, i), &seen[i]);

	while (u64map_next(m, &it, &key, &value)) {
		assert_true(key < n);
		assert_ptr_equal(value, &seen[key]);
		assert_int_equal(seen[key], 0);
		seen[key] = 1;
		count++;
	}
	assert_int_equal(count, u64map_size(m));
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(seen[i], (i >= 3 && (i - 3) % 7 == 0) ? 0 : 1);
	/* Finished stays finished. */
	assert_false(u64map_next(m, &it, &key, &value));
	free(seen);
	u64map_free(m, NULL);
}

static void test_free_calls_free_value(void **state)
{
	(void)state;
	struct u64map *m = u64map_new();

	/* ASan reports a leak if u64map_free skips a value (key 0 included). */
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(u64map_put(m, i, malloc(8), NULL), 0);
	u64map_free(m, free);
	u64map_free(NULL, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_map),
		cmocka_unit_test(test_put_get_replace_remove),
		cmocka_unit_test(test_key_zero_is_a_key),
		cmocka_unit_test(test_extreme_keys),
		cmocka_unit_test(test_growth_through_100k_keys),
		cmocka_unit_test(test_removal_keeps_others_reachable),
		cmocka_unit_test(test_churn_in_small_table),
		cmocka_unit_test(test_iteration_sees_each_key_once),
		cmocka_unit_test(test_free_calls_free_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
