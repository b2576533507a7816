/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `vigil replay FILE...`: a capture's records through the same pipeline as
 * the live agent's (decode -> process table -> containers -> rules ->
 * outputs), the state the live agent read from the host put back from the
 * capture's own records: no Engine API, no /proc, no kernel needed. The
 * same capture replayed twice gives the same alerts, byte for byte; the
 * alerts are the ones the live run gave (with the same rules and rate
 * limit; the live run's rate limit is the default).
 */
#ifndef VIGIL_REPLAY_H
#define VIGIL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule_engine.h"

struct replay_options {
	const char *const *files;       /* replayed in the order they were written (their headers' "created") */
	size_t n_files;
	const char *const *rules_files; /* -r; none: no rules (then --events is all there is) */
	size_t n_rules_files;
	const char *const *outputs;     /* -o SPEC (sink.h); none: stdout:json */
	size_t n_outputs;
	bool print_events;              /* --events: each event as a JSON line, as `vigil run --events` prints it */
	bool rate_limit_given;          /* else: the live agent's, from the capture's header */
	unsigned int rate_burst;        /* 0: no rate limit */
	double rate_per_sec;
	const char *container;          /* --container: an id (or its prefix) or a name; NULL: all */
	int64_t since_ns, until_ns;     /* Unix ns; 0: no bound */
	rule_event_mask types;          /* --type; 0: all */
	bool strict;                    /* --strict: exit 2 when a file is damaged */
	int progress;                   /* -1: on a terminal, 0: never, 1: always */
};

/* Returns the exit status: 0; 1 on a usage or rules error, a missing file; 2 damaged with strict. */
int replay_run(const struct replay_options *o);

/*
 * Parse a --since/--until time: RFC 3339 ("2026-11-24T15:04:05Z",
 * "2026-11-24T15:04:05.123+01:00", "2026-11-24 15:04:05" is UTC). 0 or
 * -EINVAL.
 */
int replay_parse_time(const char *text, int64_t *out_ns);

#endif /* VIGIL_REPLAY_H */
