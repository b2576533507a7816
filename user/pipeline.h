/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * decode -> process table -> container -> rules -> outputs: what happens to
 * each record, whatever its source (the ring buffer now, capture files
 * later). Knows nothing of libbpf, so tests drive it with hand-made records.
 * The agent's own container announcements take the same way from the
 * container table on.
 */
#ifndef VIGIL_PIPELINE_H
#define VIGIL_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alerting.h"
#include "capture.h"
#include "cgroup.h"
#include "container_info.h"
#include "containers.h"
#include "proctable.h"
#include "rule_engine.h"
#include "vigil_event.h"

struct pipeline_stats {
	uint64_t received[VIGIL_EVENT_TYPE_MAX]; /* decoded records, by type */
	uint64_t malformed;                      /* records that failed to decode */
	uint64_t numbered;                       /* events given an evt.num, container events included */
	uint64_t host_dropped;                   /* host records the kernel let through */
	uint64_t written;                        /* events written to the output */
	uint64_t alerts;                         /* alerts written */
	uint64_t write_errors;                   /* events and alerts that could not be written */
	uint64_t verdicts[VIGIL_VERDICT_WOULD_KILL + 1]; /* decoded records by enforcement verdict (0: none) */
};

struct pipeline {
	struct proc_table *procs;        /* required */
	struct cgroup_resolver *cgroups; /* NULL: ids only, every event is the host's */
	struct container_table *containers; /* NULL: containers named by id alone */
	bool monitor_host;               /* report host processes too */
	FILE *events_out;                /* NULL: do not print events */
	FILE *record_out;                /* NULL: none; else every record as received, after its u32 length */
	/*
	 * NULL: no rules. Every event the pipeline reports (containers', the
	 * host's with monitor_host) goes through it; each match goes to
	 * alerting (rate limit, then every sink).
	 */
	struct rule_engine *rules;
	struct alerting *alerting;       /* required with rules */
	const char *hostname;            /* evt.hostname */
	struct user_names *names;        /* user.name and the like; NULL: none */
	int64_t boot_to_unix_ns;         /* boot-clock -> wall-clock offset */
	/*
	 * NULL: none. Each record goes to it after it is handled (so the state
	 * read while handling it is recorded before it), and matches of rules
	 * with `capture: true` start evidence files.
	 */
	struct capture *capture;
	/*
	 * NULL: every event. Replay's filters: an event refused still keeps the
	 * tables current, but is neither printed nor run through the rules.
	 */
	bool (*select)(const struct rule_event *ev, void *ctx);
	void *select_ctx;
	/* NULL: none. Told of every match (replay's summary counts them). */
	void (*match_hook)(const struct rule_match *match, void *ctx);
	void *match_hook_ctx;
	/* The time (Unix ns) container announcements carry: pipeline_set_now; 0: the clock's. */
	int64_t now_ns;
	struct pipeline_stats stats;
};

/* Handle one raw record. Returns 0, or -EINVAL when it did not decode (counted, logged). */
int pipeline_handle(struct pipeline *p, const void *data, size_t len);

/*
 * A `container` event: a container seen for the first time ("start",
 * "running" at vigil's start), renamed or destroyed, with its posture;
 * written with events_out, and run through the rules (evt.type = container).
 * The container table calls it (as its announce callback) with the pipeline
 * as ctx.
 */
void pipeline_announce_container(const struct container_info *info, const char *action, void *pipeline);

/*
 * What time it is for the pipeline (Unix ns): live, the clock's, set before
 * the container table is drained; replay, the time of the record at hand.
 */
void pipeline_set_now(struct pipeline *p, int64_t now_ns);

/*
 * The periodic work that depends on time (the rate limiter's summaries), at
 * now_ns (Unix ns); recorded in the capture so that replay does it at the
 * same place.
 */
void pipeline_tick(struct pipeline *p, int64_t now_ns);

/* The offset from CLOCK_BOOTTIME to the Unix epoch, measured now. */
int64_t pipeline_boot_to_unix_ns(void);

#endif /* VIGIL_PIPELINE_H */
