/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From a rule's match to the sinks: the rate limiter (ratelimit.h) decides,
 * the alert record (alert.h) is built once, and every sink (sink.h) gets it
 * without the event path waiting. Also vigil's own health alerts and the
 * limiter's summaries, which take the same road.
 *
 *	struct alerting *a = alerting_new(specs, n, burst, per_sec, hostname, err, sizeof(err));
 *	... in rule_engine_eval's callback: alerting_match(a, engine, match, event_json, NULL);
 *	... every turn of the agent's loop: alerting_tick(a, engine, boot_clock_now);
 *	... on trouble: alerting_health(a, RULE_PRIORITY_ERROR, "vigil: events lost", "...");
 *	alerting_stop(a); alerting_free(a);
 */
#ifndef VIGIL_ALERTING_H
#define VIGIL_ALERTING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rule_engine.h"
#include "sink.h"

struct alerting;

/*
 * The sinks of specs (none: AGENT_DEFAULT_OUTPUT's "stdout:json"), started;
 * burst 0: no rate limit. NULL with a sentence in err (a bad spec, no memory).
 */
struct alerting *alerting_new(const char *const *specs, size_t n_specs, unsigned int burst, double per_sec,
			      const char *hostname, int64_t boot_to_unix_ns, char *err, size_t errlen);

/*
 * A match: through the rate limiter, then to every sink; capture: the file
 * holding its evidence (capture-on-alert), or NULL. The limiter runs on the
 * events' own clock (never going back), not the time they are handled at:
 * so a replay of a capture decides as the live run did.
 */
void alerting_match(struct alerting *a, struct rule_engine *engine, const struct rule_match *match, json_t *event,
		    const char *capture);

/*
 * The limiter's summaries due by now_boot_ns (CLOCK_BOOTTIME ns; replay: the
 * recorded tick's time), to every sink, stamped with that time. engine: for
 * the rules' priorities and tags.
 */
void alerting_tick(struct alerting *a, struct rule_engine *engine, int64_t now_boot_ns);

/* One of vigil's own health alerts, to every sink (never rate-limited). */
void alerting_health(struct alerting *a, enum rule_priority priority, const char *name, const char *text);
/* The same, stamped with time_ns (Unix ns): for what an event showed, so that a replay says it at the same time. */
void alerting_health_at(struct alerting *a, int64_t time_ns, enum rule_priority priority, const char *name,
			const char *text);

/* At exit: every count the rate limiter still holds, as summaries (nothing is hidden by stopping). */
void alerting_finish(struct alerting *a, struct rule_engine *engine);

/* SIGHUP: file sinks reopen their files. */
void alerting_reopen(struct alerting *a);

/*
 * Sinks whose drop count grew since the last call: one health alert each.
 * The agent calls it now and then.
 */
void alerting_check_sinks(struct alerting *a);

/* Write what is queued (at most timeout_ms), stop the sinks. */
void alerting_stop(struct alerting *a, unsigned int timeout_ms);
void alerting_free(struct alerting *a);

struct alerting_stats {
	uint64_t alerts;      /* submitted to the sinks */
	uint64_t suppressed;  /* held back by the rate limiter (counted in summaries) */
	uint64_t summaries;
	uint64_t health;
};
void alerting_stats(const struct alerting *a, struct alerting_stats *out);
struct sinks *alerting_sinks(struct alerting *a);

/*
 * Alerts sent per rule, for the metrics: one entry per rule name and
 * priority ever alerted on, kept across reloads (counters never go back).
 * The entries stay valid until the next alerting_match or alerting_free.
 */
struct alerting_rule_count {
	char *rule;
	enum rule_priority priority;
	uint64_t alerts;
};
size_t alerting_rule_counts(const struct alerting *a, const struct alerting_rule_count **out);

#endif /* VIGIL_ALERTING_H */
