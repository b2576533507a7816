/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rate limiting of alerts, per (rule, container): a token bucket each, that
 * never hides an alert silently. A burst gets its first `burst` alerts
 * through whole, then one per 1/rate seconds; what it holds back is counted,
 * and a summary ("rule X fired N more times in container Y") follows: once
 * the key has been quiet long enough for an alert to pass again, or every
 * RATELIMIT_SUMMARY_INTERVAL_NS while the flood goes on.
 *
 *	struct ratelimit *rl = ratelimit_new(RATELIMIT_DEFAULT_RATE, RATELIMIT_DEFAULT_BURST,
 *					     RATELIMIT_DEFAULT_MAX_KEYS);
 *	... per alert: if (ratelimit_check(rl, rule, container_id, now_ns) == RATELIMIT_ALLOW) send it ...
 *	... now and then (every second): ratelimit_summaries(rl, now_ns, on_summary, ctx) ...
 *	ratelimit_free(rl);
 *
 * The clock is the caller's (now_ns: any monotonic nanosecond clock, not
 * negative, the same for every call), so that tests need no sleep. Memory is
 * bounded by max_keys: a new key takes the place of the least recently used
 * key that holds no count; when every key holds a count, the oldest one's
 * summary is set aside for the next ratelimit_summaries (as many as max_keys
 * of them) rather than lost, and past that a new key's alerts pass
 * unlimited. Not thread-safe: one limiter per thread (the event path's).
 */
#ifndef VIGIL_RATELIMIT_H
#define VIGIL_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The defaults. 20 banked and one more a second keep pace with anyone typing
 * at a shell, so an interactive intruder is hardly ever limited, and the
 * first 20 moves of any automated flood come in full; what a flood adds past
 * that is the summary's count, not thousands of copies that bury other
 * rules' alerts in the SIEM. Limits are per rule and container, so a flood
 * of one rule (or from one container, perhaps on purpose) limits nothing else.
 */
#define RATELIMIT_DEFAULT_RATE 1.0
#define RATELIMIT_DEFAULT_BURST 20
#define RATELIMIT_DEFAULT_MAX_KEYS 4096

/* Whether burst and per_sec make a rate limit (--rate-limit's bounds: 1..1000000, (0, 1e6]). */
bool ratelimit_settings_valid(long long burst, double per_sec);
/* --rate-limit's "BURST,PER_SEC" ("20,1"): 0, or -EINVAL (outputs untouched). */
int ratelimit_parse_settings(const char *text, unsigned int *burst, double *per_sec);

/* While a flood goes on, its summary comes at least this often. */
#define RATELIMIT_SUMMARY_INTERVAL_NS (60 * 1000000000LL)

enum ratelimit_verdict {
	RATELIMIT_ALLOW,
	RATELIMIT_SUPPRESS,
};

/* What a key held back since its last summary. The strings are valid during the callback only. */
struct ratelimit_summary {
	const char *rule;
	const char *container_id;  /* "" for the host */
	uint64_t suppressed;       /* > 0 */
	int64_t first_ns, last_ns; /* when the first and the last of them came (the caller's clock) */
};

struct ratelimit_stats {
	uint64_t allowed;
	uint64_t suppressed;
	uint64_t summaries;        /* summaries given to ratelimit_summaries' callback */
	uint64_t unlimited;        /* alerts let through without a key: every key and set-aside summary in use */
	size_t keys;               /* now */
};

struct ratelimit;

/*
 * rate: tokens per second (> 0), burst: the bucket's size (>= 1), max_keys
 * (>= 1). NULL with errno EINVAL or ENOMEM.
 */
struct ratelimit *ratelimit_new(double rate, unsigned int burst, size_t max_keys);
void ratelimit_free(struct ratelimit *rl);

/* Whether an alert of rule in container_id ("" for the host) at now_ns goes out; counts what does not. */
enum ratelimit_verdict ratelimit_check(struct ratelimit *rl, const char *rule, const char *container_id,
				       int64_t now_ns);

/*
 * Call fn once for each key whose suppression ended by now_ns (it has been
 * quiet for 1/rate seconds, and an alert would pass again), whose oldest
 * suppressed alert is RATELIMIT_SUMMARY_INTERVAL_NS old, or whose summary was
 * set aside when its key made room; that key's count starts again from 0.
 * Returns how many summaries were given. fn must not call into rl. At exit,
 * now_ns INT64_MAX gives every count there is.
 */
size_t ratelimit_summaries(struct ratelimit *rl, int64_t now_ns,
			   void (*fn)(const struct ratelimit_summary *summary, void *ctx), void *ctx);

void ratelimit_stats(const struct ratelimit *rl, struct ratelimit_stats *out);

#endif /* VIGIL_RATELIMIT_H */
