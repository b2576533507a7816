// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "alert.h"
#include "alerting.h"
#include "clock.h"
#include "log.h"
#include "ratelimit.h"
#include "u64map.h"

struct alerting {
	struct sinks *sinks;
	struct ratelimit *limiter; /* NULL: no rate limit */
	char *hostname;
	int64_t boot_to_unix_ns;   /* the limiter runs on the boot clock, as events do */
	int64_t clock_ns;          /* the limiter's clock: the latest event time seen (boot clock) */
	uint64_t *sink_dropped;    /* per sink: the drop count already reported */
	struct alerting_stats stats;
	/* Alerts sent per (rule name, priority); bounded by the rules loaded over the run. */
	struct alerting_rule_count *rule_counts;
	size_t n_rule_counts, cap_rule_counts;
	/*
	 * A match's rule_info -> its index in rule_counts + 1, for the engine
	 * rule_counts_engine. A reload makes a new engine while the old one still
	 * lives, so the engine's address always changes and the cache is emptied.
	 */
	struct u64map *rule_count_cache;
	const struct rule_engine *rule_counts_engine;
};

struct alerting *alerting_new(const char *const *specs, size_t n_specs, unsigned int burst, double per_sec,
			      const char *hostname, int64_t boot_to_unix_ns, char *err, size_t errlen)
{
	static const char *const default_specs[] = { AGENT_DEFAULT_OUTPUT };
	struct alerting *a = calloc(1, sizeof(*a));

	if (!a)
		goto oom;
	if (!n_specs) {
		specs = default_specs;
		n_specs = 1;
	}
	a->boot_to_unix_ns = boot_to_unix_ns;
	a->hostname = strdup(hostname ? hostname : "");
	a->sinks = sinks_new();
	a->sink_dropped = calloc(n_specs, sizeof(*a->sink_dropped));
	a->rule_count_cache = u64map_new();
	if (!a->hostname || !a->sinks || !a->sink_dropped || !a->rule_count_cache)
		goto oom;
	for (size_t i = 0; i < n_specs; i++) {
		char why[256];

		if (sinks_add_spec(a->sinks, specs[i], why, sizeof(why))) {
			snprintf(err, errlen, "-o %s: %s", specs[i], why);
			alerting_free(a);
			return NULL;
		}
	}
	if (burst) {
		a->limiter = ratelimit_new(per_sec, burst, RATELIMIT_DEFAULT_MAX_KEYS);
		if (!a->limiter)
			goto oom;
	}
	if (sinks_start(a->sinks)) {
		snprintf(err, errlen, "cannot start the alert sinks' threads");
		alerting_free(a);
		return NULL;
	}
	return a;
oom:
	snprintf(err, errlen, "out of memory");
	alerting_free(a);
	return NULL;
}

/* Hand a record to the sinks; they take their references, ours goes. */
static void submit(struct alerting *a, struct alert_record *rec)
{
	if (!rec) {
		log_error("out of memory: an alert was lost");
		return;
	}
	sinks_submit(a->sinks, rec);
	alert_record_unref(rec);
}

/* The match's time on the boot clock: the kernel's stamp, or a container event's wall-clock time. */
static int64_t match_boot_ns(const struct alerting *a, const struct rule_match *match)
{
	const struct event_context *ctx = match->ev->ctx;

	if (ctx && ctx->ev)
		return (int64_t)ctx->ev->hdr.ts_boot_ns;
	return match->ev->time_ns - a->boot_to_unix_ns;
}

/* One more alert sent for rule; a count lost to a lack of memory is only a metric. */
static void count_rule_alert(struct alerting *a, const struct rule_engine *engine, const struct rule_info *rule)
{
	const char *name = rule->def->name;
	enum rule_priority priority = rule->def->priority;
	uintptr_t slot;
	size_t i;

	if (engine != a->rule_counts_engine) {
		u64map_clear(a->rule_count_cache, NULL);
		a->rule_counts_engine = engine;
	}
	slot = (uintptr_t)u64map_get(a->rule_count_cache, (uintptr_t)rule);
	if (slot) {
		a->rule_counts[slot - 1].alerts++;
		return;
	}
	for (i = 0; i < a->n_rule_counts; i++)
		if (a->rule_counts[i].priority == priority && !strcmp(a->rule_counts[i].rule, name))
			break;
	if (i == a->n_rule_counts) {
		struct alerting_rule_count *grown = a->rule_counts;
		char *copy = strdup(name);

		if (a->n_rule_counts == a->cap_rule_counts) {
			size_t cap = a->cap_rule_counts ? 2 * a->cap_rule_counts : 16;

			grown = realloc(a->rule_counts, cap * sizeof(*grown));
			if (grown) {
				a->rule_counts = grown;
				a->cap_rule_counts = cap;
			}
		}
		if (!grown || !copy) {
			free(copy);
			return;
		}
		a->rule_counts[i] = (struct alerting_rule_count){ .rule = copy, .priority = priority };
		a->n_rule_counts++;
	}
	a->rule_counts[i].alerts++;
	u64map_put(a->rule_count_cache, (uintptr_t)rule, (void *)(uintptr_t)(i + 1), NULL);
}

void alerting_match(struct alerting *a, struct rule_engine *engine, const struct rule_match *match, json_t *event,
		    const char *capture)
{
	const struct event_context *ctx = match->ev->ctx;
	const char *container_id = ctx->container ? ctx->container->id : "";
	int64_t t = match_boot_ns(a, match);

	/* Records of several CPUs interleave a little out of order: the clock never goes back. */
	if (t > a->clock_ns)
		a->clock_ns = t;
	if (a->limiter && ratelimit_check(a->limiter, match->rule->def->name, container_id, a->clock_ns) ==
				  RATELIMIT_SUPPRESS) {
		a->stats.suppressed++;
		return;
	}
	a->stats.alerts++;
	count_rule_alert(a, engine, match->rule);
	submit(a, alert_record_from_match(engine, match, event, capture));
}

struct summary_ctx {
	struct alerting *a;
	struct rule_engine *engine;
	int64_t now_boot_ns;
};

static void on_summary(const struct ratelimit_summary *summary, void *ctx)
{
	struct summary_ctx *s = ctx;

	s->a->stats.summaries++;
	submit(s->a, alert_summary_record(s->engine, summary, s->now_boot_ns + s->a->boot_to_unix_ns,
					  s->a->boot_to_unix_ns, s->a->hostname));
}

void alerting_tick(struct alerting *a, struct rule_engine *engine, int64_t now_boot_ns)
{
	struct summary_ctx ctx = { a, engine, now_boot_ns };

	if (a->limiter)
		ratelimit_summaries(a->limiter, now_boot_ns, on_summary, &ctx);
}

void alerting_finish(struct alerting *a, struct rule_engine *engine)
{
	/* Stamped with the last event's time: a replay's summaries do not depend on when it ran. */
	struct summary_ctx ctx = { a, engine, a ? a->clock_ns : 0 };

	if (a && a->limiter)
		ratelimit_summaries(a->limiter, INT64_MAX, on_summary, &ctx);
}

void alerting_health_at(struct alerting *a, int64_t time_ns, enum rule_priority priority, const char *name,
			const char *text)
{
	log_warn("%s: %s", name, text);
	a->stats.health++;
	submit(a, alert_internal_record(time_ns, priority, name, text, a->hostname));
}

void alerting_health(struct alerting *a, enum rule_priority priority, const char *name, const char *text)
{
	alerting_health_at(a, clock_ns(CLOCK_REALTIME), priority, name, text);
}

void alerting_check_sinks(struct alerting *a)
{
	for (size_t i = 0; i < sinks_count(a->sinks); i++) {
		struct sink_stats st;
		char text[512];

		sinks_stats(a->sinks, i, &st);
		if (st.dropped <= a->sink_dropped[i])
			continue;
		snprintf(text, sizeof(text),
			 "the output %s dropped %llu alerts (%llu in all) because its queue was full%s; raise its "
			 "queue=N or fix what keeps it down",
			 sinks_name(a->sinks, i), (unsigned long long)(st.dropped - a->sink_dropped[i]),
			 (unsigned long long)st.dropped, st.up ? "" : " while it was down");
		a->sink_dropped[i] = st.dropped;
		alerting_health(a, RULE_PRIORITY_ERROR, "vigil: alerts dropped", text);
	}
}

void alerting_reopen(struct alerting *a)
{
	sinks_reopen(a->sinks);
}

void alerting_stop(struct alerting *a, unsigned int timeout_ms)
{
	if (a)
		sinks_stop(a->sinks, timeout_ms);
}

void alerting_free(struct alerting *a)
{
	if (!a)
		return;
	sinks_free(a->sinks);
	ratelimit_free(a->limiter);
	free(a->sink_dropped);
	for (size_t i = 0; i < a->n_rule_counts; i++)
		free(a->rule_counts[i].rule);
	free(a->rule_counts);
	u64map_free(a->rule_count_cache, NULL);
	free(a->hostname);
	free(a);
}

void alerting_stats(const struct alerting *a, struct alerting_stats *out)
{
	*out = a->stats;
}

struct sinks *alerting_sinks(struct alerting *a)
{
	return a->sinks;
}

size_t alerting_rule_counts(const struct alerting *a, const struct alerting_rule_count **out)
{
	*out = a->rule_counts;
	return a->n_rule_counts;
}
