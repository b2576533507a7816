// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open addressing with linear probing over a power-of-two table.
 *
 * A slot is empty when its key is 0, which keeps a slot at 16 bytes and the
 * probe loop a single compare. Key 0 is still a valid key (pid 0, a zeroed
 * cgroup id from an old kernel): it lives outside the table, in its own slot.
 *
 * Deletion shifts the following entries of the probe run back instead of
 * leaving tombstones, so a map that sees endless put/remove churn (pids come
 * and go all day) never degrades into long probes and never needs a rehash
 * to clean up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

#define U64MAP_MIN_CAPACITY 16
/* Grow when more than 7/10 of the slots are used: linear probing stays short below that. */
#define U64MAP_LOAD_NUMERATOR 7
#define U64MAP_LOAD_DENOMINATOR 10

struct u64map_slot {
	uint64_t key; /* 0 = empty */
	void *value;
};

struct u64map {
	struct u64map_slot *slots;
	size_t capacity; /* a power of two, or 0 before the first put */
	size_t used;     /* slots holding a key, not counting key 0 */
	bool has_zero_key;
	void *zero_key_value;
};

/*
 * The splitmix64 finalizer: every input bit flips about half the output
 * bits, so sequential ids (pids, cgroup inode numbers) spread over the
 * whole table instead of clustering into one long probe run.
 */
static uint64_t u64map_hash(uint64_t key)
{
	key ^= key >> 30;
	key *= UINT64_C(0xbf58476d1ce4e5b9);
	key ^= key >> 27;
	key *= UINT64_C(0x94d049bb133111eb);
	key ^= key >> 31;
	return key;
}

static size_t u64map_home_slot(const struct u64map *m, uint64_t key)
{
	return (size_t)u64map_hash(key) & (m->capacity - 1);
}

struct u64map *u64map_new(void)
{
	return calloc(1, sizeof(struct u64map));
}

void u64map_clear(struct u64map *m, void (*free_value)(void *))
{
	if (free_value) {
		if (m->has_zero_key)
			free_value(m->zero_key_value);
		for (size_t i = 0; i < m->capacity; i++)
			if (m->slots[i].key != 0)
				free_value(m->slots[i].value);
	}
	if (m->capacity)
		memset(m->slots, 0, m->capacity * sizeof(*m->slots));
	m->used = 0;
	m->has_zero_key = false;
	m->zero_key_value = NULL;
}

void u64map_free(struct u64map *m, void (*free_value)(void *))
{
	if (!m)
		return;
	u64map_clear(m, free_value);
	free(m->slots);
	free(m);
}

/* The slot holding `key` (non-zero), or the empty slot where it would go. */
static size_t u64map_find_slot(const struct u64map *m, uint64_t key)
{
	size_t mask = m->capacity - 1;
	size_t i = u64map_home_slot(m, key);

	/* Terminates: the load limit keeps at least 30 % of the slots empty. */
	while (m->slots[i].key != 0 && m->slots[i].key != key)
		i = (i + 1) & mask;
	return i;
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	if (key == 0)
		return m->has_zero_key ? m->zero_key_value : NULL;
	if (m->capacity == 0)
		return NULL;
	size_t i = u64map_find_slot(m, key);
	return m->slots[i].key == key ? m->slots[i].value : NULL;
}

static int u64map_resize(struct u64map *m, size_t new_capacity)
{
	struct u64map_slot *old_slots = m->slots;
	size_t old_capacity = m->capacity;
	struct u64map_slot *new_slots = calloc(new_capacity, sizeof(*new_slots));

	if (!new_slots)
		return -ENOMEM;
	m->slots = new_slots;
	m->capacity = new_capacity;
	for (size_t i = 0; i < old_capacity; i++) {
		if (old_slots[i].key == 0)
			continue;
		size_t j = u64map_find_slot(m, old_slots[i].key);
		m->slots[j] = old_slots[i];
	}
	free(old_slots);
	return 0;
}

/* Make room for one more key, keeping the load under the limit. */
static int u64map_reserve_one(struct u64map *m)
{
	if (m->capacity == 0)
		return u64map_resize(m, U64MAP_MIN_CAPACITY);
	/* used + 1 > capacity * 7/10, written without the division. */
	if ((m->used + 1) * U64MAP_LOAD_DENOMINATOR <= m->capacity * U64MAP_LOAD_NUMERATOR)
		return 0;
	if (m->capacity > SIZE_MAX / 2 / sizeof(struct u64map_slot))
		return -ENOMEM;
	return u64map_resize(m, m->capacity * 2);
}

int u64map_put(struct u64map *m, uint64_t key, void *value, void **old)
{
	void *replaced = NULL;

	if (key == 0) {
		if (m->has_zero_key)
			replaced = m->zero_key_value;
		m->has_zero_key = true;
		m->zero_key_value = value;
		goto out;
	}

	if (m->capacity != 0) {
		size_t i = u64map_find_slot(m, key);
		if (m->slots[i].key == key) {
			replaced = m->slots[i].value;
			m->slots[i].value = value;
			goto out;
		}
	}

	int err = u64map_reserve_one(m);
	if (err)
		return err;
	size_t i = u64map_find_slot(m, key);
	m->slots[i].key = key;
	m->slots[i].value = value;
	m->used++;
out:
	if (old)
		*old = replaced;
	return 0;
}

/*
 * Backward-shift deletion: after emptying slot `hole`, walk the rest of the
 * probe run and move back every entry whose home slot does not lie in the
 * cyclic range (hole, its current slot] — such an entry could not be found
 * any more with the hole in front of it. The run ends at the first empty
 * slot, so no tombstones are needed.
 */
static void u64map_delete_slot(struct u64map *m, size_t hole)
{
	size_t mask = m->capacity - 1;
	size_t i = hole;

	for (;;) {
		i = (i + 1) & mask;
		if (m->slots[i].key == 0)
			break;
		size_t home = u64map_home_slot(m, m->slots[i].key);
		/* Distances measured forward from the hole, modulo the table size. */
		size_t home_distance = (home - hole) & mask;
		size_t current_distance = (i - hole) & mask;
		if (home_distance > 0 && home_distance <= current_distance)
			continue; /* its home is after the hole: it stays reachable */
		m->slots[hole] = m->slots[i];
		hole = i;
	}
	m->slots[hole].key = 0;
	m->slots[hole].value = NULL;
	m->used--;
}

void *u64map_remove(struct u64map *m, uint64_t key)
{
	if (key == 0) {
		void *value = m->has_zero_key ? m->zero_key_value : NULL;
		m->has_zero_key = false;
		m->zero_key_value = NULL;
		return value;
	}
	if (m->capacity == 0)
		return NULL;
	size_t i = u64map_find_slot(m, key);
	if (m->slots[i].key != key)
		return NULL;
	void *value = m->slots[i].value;
	u64map_delete_slot(m, i);
	return value;
}

size_t u64map_size(const struct u64map *m)
{
	return m->used + (m->has_zero_key ? 1 : 0);
}

/*
 * *iter 0 stands for key 0, *iter n >= 1 for table slot n - 1. The map must
 * not change during an iteration: a removal shifts entries backwards, which
 * could move a not-yet-visited entry behind the cursor. Collect the keys
 * first, then remove them.
 */
bool u64map_next(const struct u64map *m, size_t *iter, uint64_t *key, void **value)
{
	if (*iter == 0) {
		*iter = 1;
		if (m->has_zero_key) {
			*key = 0;
			*value = m->zero_key_value;
			return true;
		}
	}
	while (*iter - 1 < m->capacity) {
		const struct u64map_slot *slot = &m->slots[*iter - 1];
		(*iter)++;
		if (slot->key != 0) {
			*key = slot->key;
			*value = slot->value;
			return true;
		}
	}
	return false;
}
