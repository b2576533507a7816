/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* An open-addressing hash map from a 64-bit key to a pointer: pids, cgroup ids. */
#ifndef VIGIL_U64MAP_H
#define VIGIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map;

struct u64map *u64map_new(void);
/* Frees the map; calls free_value on each value when it is not NULL. */
void u64map_free(struct u64map *m, void (*free_value)(void *));
/* Empties the map in place (no allocation, so it cannot fail); free_value as for u64map_free. */
void u64map_clear(struct u64map *m, void (*free_value)(void *));
void *u64map_get(const struct u64map *m, uint64_t key);
/*
 * Inserts or replaces. Returns 0 and, when `old` is not NULL, stores there the
 * value replaced (NULL if none); returns -ENOMEM (map unchanged) when it cannot grow.
 */
int u64map_put(struct u64map *m, uint64_t key, void *value, void **old);
/* Removes and returns the value (NULL if absent). */
void *u64map_remove(struct u64map *m, uint64_t key);
size_t u64map_size(const struct u64map *m);

/*
 * Iteration: for (size_t it = 0; u64map_next(m, &it, &k, &v);) ...
 * Each key is seen once, in no particular order. Do not put or remove during
 * an iteration (removal shifts entries); collect the keys, then remove.
 */
bool u64map_next(const struct u64map *m, size_t *iter, uint64_t *key, void **value);

#endif /* VIGIL_U64MAP_H */
