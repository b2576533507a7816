// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rate limiter: a burst gets exactly its configured alerts plus one
 * accurate summary, keys do not limit each other, making room never loses a
 * count. The clock is the test's: no sleeps.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define SEC 1000000000LL
#define MS 1000000LL

/* The summaries given so far, copied. */
struct summaries {
	size_t n;
	struct {
		char rule[64];
		char container_id[80];
		uint64_t suppressed;
		int64_t first_ns, last_ns;
	} s[16];
};

static void collect(const struct ratelimit_summary *summary, void *ctx)
{
	struct summaries *got = ctx;

	assert_true(got->n < sizeof(got->s) / sizeof(got->s[0]));
	assert_true(summary->suppressed > 0); /* never an empty summary */
	snprintf(got->s[got->n].rule, sizeof(got->s[got->n].rule), "%s", summary->rule);
	snprintf(got->s[got->n].container_id, sizeof(got->s[got->n].container_id), "%s", summary->container_id);
	got->s[got->n].suppressed = summary->suppressed;
	got->s[got->n].first_ns = summary->first_ns;
	got->s[got->n].last_ns = summary->last_ns;
	got->n++;
}

/* n alerts of one key, step_ns apart from start_ns: how many went out. */
static unsigned int flood(struct ratelimit *rl, const char *rule, const char *container_id, unsigned int n,
			  int64_t start_ns, int64_t step_ns)
{
	unsigned int allowed = 0;

	for (unsigned int i = 0; i < n; i++)
		allowed += ratelimit_check(rl, rule, container_id, start_ns + i * step_ns) == RATELIMIT_ALLOW;
	return allowed;
}

static void burst_gives_burst_then_one_summary(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 20, 64);
	struct summaries got = { 0 };
	struct ratelimit_stats stats;
	unsigned int allowed;

	(void)state;
	assert_non_null(rl);
	/* 1000 identical alerts within one clock tick: the bucket's 20, no refill. */
	allowed = flood(rl, "Shell in container", "3f2a1b4c5d6e", 1000, 100 * SEC, 0);
	assert_int_equal(allowed, 20);
	/* Still suppressing at that instant: no summary yet. */
	assert_int_equal(ratelimit_summaries(rl, 100 * SEC, collect, &got), 0);
	/* A second later the burst is over: one summary, and the count is whole. */
	assert_int_equal(ratelimit_summaries(rl, 101 * SEC, collect, &got), 1);
	assert_string_equal(got.s[0].rule, "Shell in container");
	assert_string_equal(got.s[0].container_id, "3f2a1b4c5d6e");
	assert_int_equal(got.s[0].suppressed + allowed, 1000);
	assert_int_equal(got.s[0].first_ns, 100 * SEC);
	assert_int_equal(got.s[0].last_ns, 100 * SEC);
	/* The count started again: nothing more to say. */
	assert_int_equal(ratelimit_summaries(rl, 200 * SEC, collect, &got), 0);
	ratelimit_stats(rl, &stats);
	assert_int_equal(stats.allowed, 20);
	assert_int_equal(stats.suppressed, 980);
	assert_int_equal(stats.summaries, 1);
	assert_int_equal(stats.keys, 1);
	ratelimit_free(rl);
}

static void burst_over_time_gets_the_refill(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 20, 64);
	struct summaries got = { 0 };
	unsigned int allowed = 0, first_suppressed = 0;

	(void)state;
	assert_non_null(rl);
	/*
	 * 1000 alerts 10 ms apart (9.99 s), the limiter asked for summaries
	 * every simulated second: 20 at once, then one a second.
	 */
	for (unsigned int i = 0; i < 1000; i++) {
		int64_t now = i * 10 * MS;

		if (ratelimit_check(rl, "Read sensitive file", "", now) == RATELIMIT_ALLOW)
			allowed++;
		else if (!first_suppressed)
			first_suppressed = i;
		if (i % 100 == 99)
			assert_int_equal(ratelimit_summaries(rl, now, collect, &got), 0);
	}
	/* 20 banked, and 9.99 s of refill make 9 more. */
	assert_int_equal(allowed, 29);
	assert_int_equal(first_suppressed, 20);
	assert_int_equal(ratelimit_summaries(rl, 9990 * MS + SEC, collect, &got), 1);
	assert_int_equal(got.s[0].suppressed + allowed, 1000);
	assert_string_equal(got.s[0].container_id, "");
	assert_int_equal(got.s[0].first_ns, 20 * 10 * MS);
	assert_int_equal(got.s[0].last_ns, 9990 * MS);
	ratelimit_free(rl);
}

static void keys_are_independent(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 3, 64);
	struct summaries got = { 0 };

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "A", "c1", 10, SEC, 0), 3);
	/* Neither another container nor another rule nor the host pays for that flood. */
	assert_int_equal(flood(rl, "A", "c2", 3, SEC, 0), 3);
	assert_int_equal(flood(rl, "B", "c1", 3, SEC, 0), 3);
	assert_int_equal(flood(rl, "A", "", 3, SEC, 0), 3);
	/* Names that would run together if the key were one joined string. */
	assert_int_equal(flood(rl, "Ac", "1", 3, SEC, 0), 3);
	assert_int_equal(ratelimit_summaries(rl, 3 * SEC, collect, &got), 1);
	assert_string_equal(got.s[0].rule, "A");
	assert_string_equal(got.s[0].container_id, "c1");
	assert_int_equal(got.s[0].suppressed, 7);
	ratelimit_free(rl);
}

static void making_room_keeps_counts(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 1, 2);
	struct summaries got = { 0 };
	struct ratelimit_stats stats;

	(void)state;
	assert_non_null(rl);
	/* Two keys, each with a count. */
	assert_int_equal(flood(rl, "R", "old", 5, SEC, 0), 1);
	assert_int_equal(flood(rl, "R", "mid", 3, SEC, 0), 1);
	/* A third: the oldest key's summary is set aside, and comes out at the next call even mid-flood. */
	assert_int_equal(flood(rl, "R", "new", 2, SEC, 0), 1);
	ratelimit_stats(rl, &stats);
	assert_int_equal(stats.keys, 2);
	assert_int_equal(ratelimit_summaries(rl, SEC, collect, &got), 1);
	assert_string_equal(got.s[0].container_id, "old");
	assert_int_equal(got.s[0].suppressed, 4);
	/* Later the others end, each with its own count. */
	assert_int_equal(ratelimit_summaries(rl, 5 * SEC, collect, &got), 2);
	assert_string_equal(got.s[1].container_id, "mid");
	assert_int_equal(got.s[1].suppressed, 2);
	assert_int_equal(got.s[2].container_id[0], 'n');
	assert_int_equal(got.s[2].suppressed, 1);
	ratelimit_stats(rl, &stats);
	assert_int_equal(stats.suppressed, 4 + 2 + 1);
	assert_int_equal(stats.summaries, 3);
	assert_int_equal(stats.unlimited, 0);
	ratelimit_free(rl);
}

static void keys_without_counts_go_first(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 1, 2);
	struct summaries got = { 0 };
	struct ratelimit_stats stats;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "counted", 4, SEC, 0), 1);
	assert_int_equal(flood(rl, "R", "quiet", 1, SEC, 0), 1);
	/* "counted" is older, but "quiet" has nothing to lose: it makes room. */
	assert_int_equal(flood(rl, "R", "new", 1, SEC, 0), 1);
	assert_int_equal(ratelimit_summaries(rl, SEC, collect, &got), 0);
	assert_int_equal(ratelimit_summaries(rl, 3 * SEC, collect, &got), 1);
	assert_string_equal(got.s[0].container_id, "counted");
	assert_int_equal(got.s[0].suppressed, 3);
	/* "quiet" comes back with a full bucket. */
	assert_int_equal(flood(rl, "R", "quiet", 1, 3 * SEC, 0), 1);
	ratelimit_stats(rl, &stats);
	assert_int_equal(stats.keys, 2);
	ratelimit_free(rl);
}

static void full_of_counts_lets_alerts_through(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 1, 1);
	struct summaries got = { 0 };
	struct ratelimit_stats stats;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "a", 3, SEC, 0), 1);
	assert_int_equal(flood(rl, "R", "b", 3, SEC, 0), 1); /* "a" set aside */
	/* The key and the one set-aside summary are taken: "c" cannot be counted, so nothing of it is held back. */
	assert_int_equal(flood(rl, "R", "c", 3, SEC, 0), 3);
	ratelimit_stats(rl, &stats);
	assert_int_equal(stats.unlimited, 3);
	assert_int_equal(ratelimit_summaries(rl, 10 * SEC, collect, &got), 2);
	assert_string_equal(got.s[0].container_id, "a");
	assert_int_equal(got.s[0].suppressed, 2);
	assert_string_equal(got.s[1].container_id, "b");
	assert_int_equal(got.s[1].suppressed, 2);
	/* Room again. */
	assert_int_equal(flood(rl, "R", "c", 3, 10 * SEC, 0), 1);
	ratelimit_free(rl);
}

static void summary_after_a_long_quiet(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 20, 64);
	struct summaries got = { 0 };

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "c", 50, SEC, MS), 20);
	/* The first call after an hour of nothing still tells of the burst. */
	assert_int_equal(ratelimit_summaries(rl, 3600 * SEC, collect, &got), 1);
	assert_int_equal(got.s[0].suppressed, 30);
	assert_int_equal(got.s[0].first_ns, SEC + 20 * MS);
	assert_int_equal(got.s[0].last_ns, SEC + 49 * MS);
	/* And the bucket is full again. */
	assert_int_equal(flood(rl, "R", "c", 50, 3600 * SEC, 0), 20);
	ratelimit_free(rl);
}

static void a_long_flood_is_summarised_every_interval(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 20, 64);
	struct summaries got = { 0 };
	uint64_t allowed = 0, summed = 0;
	const unsigned int seconds = 150, per_second = 100;

	(void)state;
	assert_non_null(rl);
	/* 100 a second for 150 s, the summaries asked for once a second. */
	for (unsigned int s = 0; s < seconds; s++) {
		allowed += flood(rl, "R", "c", per_second, s * SEC, SEC / per_second);
		ratelimit_summaries(rl, (s + 1) * SEC - 1, collect, &got);
	}
	/*
	 * Suppressing from 0.2 s on: a summary at the first call 60 s after that
	 * (61 s), the next at the first call 60 s after the first alert it
	 * counts (122 s); no other while the flood goes on.
	 */
	assert_int_equal(got.n, 2);
	assert_int_equal(got.s[0].first_ns, 200 * MS);
	assert_true(got.s[0].last_ns >= 60 * SEC && got.s[0].last_ns < 61 * SEC);
	assert_true(got.s[1].first_ns >= 61 * SEC && got.s[1].first_ns < 62 * SEC);
	assert_true(got.s[1].last_ns >= 121 * SEC && got.s[1].last_ns < 122 * SEC);
	ratelimit_summaries(rl, (seconds + 1) * SEC, collect, &got);
	assert_int_equal(got.n, 3);
	for (size_t i = 0; i < got.n; i++)
		summed += got.s[i].suppressed;
	assert_int_equal(allowed + summed, (uint64_t)seconds * per_second);
	assert_int_equal(allowed, 20 + seconds - 1);
	ratelimit_free(rl);
}

static void at_exit_every_count_comes_out(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 1, 2);
	struct summaries got = { 0 };

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "a", 3, SEC, 0), 1);
	assert_int_equal(flood(rl, "R", "b", 3, SEC, 0), 1);
	assert_int_equal(flood(rl, "R", "c", 5, SEC, 0), 1); /* "a" set aside */
	assert_int_equal(ratelimit_summaries(rl, INT64_MAX, collect, &got), 3);
	assert_int_equal(got.s[0].suppressed + got.s[1].suppressed + got.s[2].suppressed, 2 + 2 + 4);
	ratelimit_free(rl);
}

static void a_clock_that_goes_back_banks_nothing(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 2, 4);

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "c", 1, 100 * SEC, 0), 1);
	/* Back 50 s: what was banked stays (one token), nothing more comes. */
	assert_int_equal(flood(rl, "R", "c", 2, 50 * SEC, 0), 1);
	/* And the refill goes on from the latest time seen. */
	assert_int_equal(flood(rl, "R", "c", 2, 101 * SEC, 0), 1);
	ratelimit_free(rl);
}

static void a_summary_waits_for_a_quiet_second(void **state)
{
	struct ratelimit *rl = ratelimit_new(1.0, 1, 4);
	struct summaries got = { 0 };

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "c", 2, 0, 500 * MS), 1);
	/* At 1.2 s an alert would pass again, but the last one held back is only 0.7 s old. */
	assert_int_equal(ratelimit_summaries(rl, 1200 * MS, collect, &got), 0);
	assert_int_equal(ratelimit_summaries(rl, 1500 * MS, collect, &got), 1);
	assert_int_equal(got.s[0].suppressed, 1);
	ratelimit_free(rl);
}

static void bad_configurations(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ratelimit_new(0, 20, 64));
	assert_int_equal(errno, EINVAL);
	assert_null(ratelimit_new(-1, 20, 64));
	assert_null(ratelimit_new(NAN, 20, 64));
	assert_null(ratelimit_new(INFINITY, 20, 64));
	assert_null(ratelimit_new(2e9, 20, 64));  /* faster than one a nanosecond */
	assert_null(ratelimit_new(1e-12, 20, 64)); /* a bucket that overflows */
	assert_null(ratelimit_new(1, 0, 64));
	assert_null(ratelimit_new(1, 20, 0));
	ratelimit_free(NULL);
}

static void fractional_rates(void **state)
{
	/* One every 10 s. */
	struct ratelimit *rl = ratelimit_new(0.1, 1, 4);

	(void)state;
	assert_non_null(rl);
	assert_int_equal(flood(rl, "R", "c", 2, 0, 0), 1);
	assert_int_equal(flood(rl, "R", "c", 1, 10 * SEC - 1, 0), 0);
	assert_int_equal(flood(rl, "R", "c", 1, 20 * SEC - 1, 0), 1);
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_gives_burst_then_one_summary),
		cmocka_unit_test(burst_over_time_gets_the_refill),
		cmocka_unit_test(keys_are_independent),
		cmocka_unit_test(making_room_keeps_counts),
		cmocka_unit_test(keys_without_counts_go_first),
		cmocka_unit_test(full_of_counts_lets_alerts_through),
		cmocka_unit_test(summary_after_a_long_quiet),
		cmocka_unit_test(a_long_flood_is_summarised_every_interval),
		cmocka_unit_test(at_exit_every_count_comes_out),
		cmocka_unit_test(a_clock_that_goes_back_banks_nothing),
		cmocka_unit_test(a_summary_waits_for_a_quiet_second),
		cmocka_unit_test(bad_configurations),
		cmocka_unit_test(fractional_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
