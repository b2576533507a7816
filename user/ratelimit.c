// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The buckets count in nanoseconds, not in fractions of a token: a key's
 * level is the refill time it has banked, at most burst tokens' worth, and
 * an alert costs one token's time (1/rate s). Integer arithmetic, so that a
 * burst gives exactly what the configuration says, whatever the clock's steps.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

struct ratelimit_key {
	struct ratelimit_key *hash_next;
	/* The recency list (newer, older); a set-aside summary uses older for the next one. */
	struct ratelimit_key *newer, *older;
	uint64_t hash;
	int64_t level_ns;        /* refill time banked: >= cost_ns lets an alert through */
	int64_t refilled_ns;     /* the time level_ns is for */
	uint64_t suppressed;     /* since the last summary */
	int64_t first_ns, last_ns;
	const char *container_id; /* in names, after the rule */
	char names[];            /* "rule\0container_id\0" */
};

struct ratelimit {
	int64_t cost_ns;         /* 1/rate s */
	int64_t capacity_ns;     /* burst * cost_ns */
	size_t max_keys;
	struct ratelimit_key **table;
	size_t table_mask;
	struct ratelimit_key *newest, *oldest;
	struct ratelimit_key *aside_first, *aside_last; /* summaries set aside, oldest first */
	size_t n_aside;
	struct ratelimit_stats stats;
};

/* Past this, burst * cost_ns could overflow. */
#define RATELIMIT_CAPACITY_MAX (INT64_MAX / 4)

struct ratelimit *ratelimit_new(double rate, unsigned int burst, size_t max_keys)
{
	struct ratelimit *rl;
	double cost = 1e9 / rate;
	size_t size = 1;

	if (!(rate > 0) || !isfinite(cost) || cost < 1 || burst < 1 || max_keys < 1 ||
	    cost * burst > (double)RATELIMIT_CAPACITY_MAX || max_keys > SIZE_MAX / 4 / sizeof(struct ratelimit_key *)) {
		errno = EINVAL;
		return NULL;
	}
	while (size < max_keys)
		size <<= 1;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	rl->table = calloc(size, sizeof(*rl->table));
	if (!rl->table) {
		free(rl);
		return NULL;
	}
	rl->table_mask = size - 1;
	rl->cost_ns = (int64_t)(cost + 0.5);
	rl->capacity_ns = rl->cost_ns * burst;
	rl->max_keys = max_keys;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	struct ratelimit_key *k, *next;

	if (!rl)
		return;
	for (k = rl->oldest; k; k = next) {
		next = k->newer;
		free(k);
	}
	for (k = rl->aside_first; k; k = next) {
		next = k->older;
		free(k);
	}
	free(rl->table);
	free(rl);
}

/* FNV-1a over "rule\0container_id". */
static uint64_t key_hash(const char *rule, const char *container_id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *s = rule; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h *= 0x100000001b3ull;
	for (const char *s = container_id; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static struct ratelimit_key **table_slot(struct ratelimit *rl, uint64_t hash)
{
	return &rl->table[(hash ^ (hash >> 32)) & rl->table_mask];
}

static void recency_unlink(struct ratelimit *rl, struct ratelimit_key *k)
{
	if (k->newer)
		k->newer->older = k->older;
	else
		rl->newest = k->older;
	if (k->older)
		k->older->newer = k->newer;
	else
		rl->oldest = k->newer;
	k->newer = k->older = NULL;
}

static void recency_push_newest(struct ratelimit *rl, struct ratelimit_key *k)
{
	k->older = rl->newest;
	k->newer = NULL;
	if (rl->newest)
		rl->newest->newer = k;
	else
		rl->oldest = k;
	rl->newest = k;
}

/* Take k out of the table and the recency list; the caller frees it or sets it aside. */
static void key_remove(struct ratelimit *rl, struct ratelimit_key *k)
{
	struct ratelimit_key **slot = table_slot(rl, k->hash);

	while (*slot != k)
		slot = &(*slot)->hash_next;
	*slot = k->hash_next;
	recency_unlink(rl, k);
	rl->stats.keys--;
}

/*
 * Make room for one more key: drop the least recently used key that holds no
 * count, or else set the oldest key's summary aside. false when neither can
 * be done (max_keys summaries already wait).
 */
static bool make_room(struct ratelimit *rl)
{
	struct ratelimit_key *k;

	for (k = rl->oldest; k; k = k->newer)
		if (!k->suppressed) {
			key_remove(rl, k);
			free(k);
			return true;
		}
	if (rl->n_aside >= rl->max_keys)
		return false;
	k = rl->oldest;
	key_remove(rl, k);
	if (rl->aside_last)
		rl->aside_last->older = k;
	else
		rl->aside_first = k;
	rl->aside_last = k;
	rl->n_aside++;
	return true;
}

/* A new key with a full bucket, the newest; NULL when there is no room or memory. */
static struct ratelimit_key *key_add(struct ratelimit *rl, const char *rule, const char *container_id,
				     uint64_t hash, int64_t now_ns)
{
	size_t rule_len = strlen(rule), id_len = strlen(container_id);
	struct ratelimit_key *k, **slot;

	if (rl->stats.keys >= rl->max_keys && !make_room(rl))
		return NULL;
	k = calloc(1, sizeof(*k) + rule_len + id_len + 2);
	if (!k)
		return NULL;
	memcpy(k->names, rule, rule_len + 1);
	memcpy(k->names + rule_len + 1, container_id, id_len + 1);
	k->container_id = k->names + rule_len + 1;
	k->hash = hash;
	k->level_ns = rl->capacity_ns;
	k->refilled_ns = now_ns;
	slot = table_slot(rl, hash);
	k->hash_next = *slot;
	*slot = k;
	recency_push_newest(rl, k);
	rl->stats.keys++;
	return k;
}

static struct ratelimit_key *key_find(struct ratelimit *rl, const char *rule, const char *container_id,
				      uint64_t hash)
{
	for (struct ratelimit_key *k = *table_slot(rl, hash); k; k = k->hash_next)
		if (k->hash == hash && !strcmp(k->names, rule) && !strcmp(k->container_id, container_id))
			return k;
	return NULL;
}

/* Bank the time since the last refill. A clock that went back banks nothing. */
static void refill(const struct ratelimit *rl, struct ratelimit_key *k, int64_t now_ns)
{
	if (now_ns <= k->refilled_ns)
		return;
	if (now_ns - k->refilled_ns >= rl->capacity_ns - k->level_ns)
		k->level_ns = rl->capacity_ns;
	else
		k->level_ns += now_ns - k->refilled_ns;
	k->refilled_ns = now_ns;
}

enum ratelimit_verdict ratelimit_check(struct ratelimit *rl, const char *rule, const char *container_id,
				       int64_t now_ns)
{
	uint64_t hash = key_hash(rule, container_id);
	struct ratelimit_key *k = key_find(rl, rule, container_id, hash);

	if (k) {
		recency_unlink(rl, k);
		recency_push_newest(rl, k);
		refill(rl, k, now_ns);
	} else {
		k = key_add(rl, rule, container_id, hash, now_ns);
		if (!k) {
			/* Never hide what cannot be counted. */
			rl->stats.unlimited++;
			rl->stats.allowed++;
			return RATELIMIT_ALLOW;
		}
	}
	if (k->level_ns >= rl->cost_ns) {
		k->level_ns -= rl->cost_ns;
		rl->stats.allowed++;
		return RATELIMIT_ALLOW;
	}
	if (!k->suppressed++)
		k->first_ns = now_ns;
	k->last_ns = now_ns;
	rl->stats.suppressed++;
	return RATELIMIT_SUPPRESS;
}

static void give_summary(struct ratelimit *rl, struct ratelimit_key *k,
			 void (*fn)(const struct ratelimit_summary *summary, void *ctx), void *ctx)
{
	struct ratelimit_summary s = {
		.rule = k->names,
		.container_id = k->container_id,
		.suppressed = k->suppressed,
		.first_ns = k->first_ns,
		.last_ns = k->last_ns,
	};

	k->suppressed = 0;
	rl->stats.summaries++;
	fn(&s, ctx);
}

size_t ratelimit_summaries(struct ratelimit *rl, int64_t now_ns,
			   void (*fn)(const struct ratelimit_summary *summary, void *ctx), void *ctx)
{
	size_t given = 0;

	while (rl->aside_first) {
		struct ratelimit_key *k = rl->aside_first;

		rl->aside_first = k->older;
		give_summary(rl, k, fn, ctx);
		free(k);
		given++;
	}
	rl->aside_last = NULL;
	rl->n_aside = 0;
	for (struct ratelimit_key *k = rl->oldest; k; k = k->newer) {
		bool quiet, overdue;

		if (!k->suppressed)
			continue;
		refill(rl, k, now_ns);
		quiet = now_ns - k->last_ns >= rl->cost_ns && k->level_ns >= rl->cost_ns;
		overdue = now_ns - k->first_ns >= RATELIMIT_SUMMARY_INTERVAL_NS;
		if (quiet || overdue) {
			give_summary(rl, k, fn, ctx);
			given++;
		}
	}
	return given;
}

void ratelimit_stats(const struct ratelimit *rl, struct ratelimit_stats *out)
{
	*out = rl->stats;
}

bool ratelimit_settings_valid(long long burst, double per_sec)
{
	return burst >= 1 && burst <= 1000000 && per_sec > 0 && per_sec <= 1e6;
}

int ratelimit_parse_settings(const char *text, unsigned int *burst, double *per_sec)
{
	unsigned long long b;
	double ps;
	char *end;

	errno = 0;
	b = strtoull(text, &end, 10);
	if (errno || end == text || *end != ',' || *text == '-' || b > 1000000)
		return -EINVAL;
	ps = strtod(end + 1, &end);
	if (*end || !ratelimit_settings_valid((long long)b, ps))
		return -EINVAL;
	*burst = (unsigned int)b;
	*per_sec = ps;
	return 0;
}
