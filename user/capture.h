/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Recording what the pipeline takes in (`vigil run --capture FILE`, and the
 * evidence of `capture: true` rules): every kernel record, and the state its
 * parts read from the host (capture_state.h), in the order the pipeline took
 * them, to a capture file (capture_file.h) and/or to an in-memory ring.
 *
 *	struct capture *c = capture_new(&options, &parts, header, err, sizeof(err));
 *	pipeline.capture = c;          // the pipeline records each event after handling it
 *	... every turn of the agent's loop: capture_tick(c);
 *	capture_close(c, err, sizeof(err));
 *
 * Capture on alert: when rules ask for it (capture: true, capture_duration),
 * the last `before` of records live in a ring in memory, with a keyframe
 * (the whole state) every few seconds; an alert of such a rule writes a file
 * holding the ring from the keyframe before its window on, and goes on adding
 * records until `after` has passed. So an agent running without --capture
 * still keeps the evidence around an incident.
 */
#ifndef VIGIL_CAPTURE_H
#define VIGIL_CAPTURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_file.h"
#include "capture_state.h"
#include "rule_engine.h"

struct capture_options {
	/* --capture: the file (NULL: none), rotated by size and age, keeping `keep` old ones. */
	const char *path;
	uint64_t max_bytes;
	uint64_t max_age_ns;
	unsigned int keep;
	/*
	 * Capture on alert: the directory its files go to, and the longest
	 * before/after any rule asks for (0: no rule does, no ring).
	 */
	const char *alert_dir;
	uint64_t ring_ns;
	uint64_t after_max_ns;
	size_t ring_max_bytes; /* the ring's memory, at most (oldest records go first) */
};

struct capture;

/*
 * Start recording: open the file (if any), observe the parts, write the first
 * keyframe. header: the files' header fields (capture_header_new). NULL with a
 * sentence in err.
 */
struct capture *capture_new(const struct capture_options *o, const struct capture_state_parts *parts,
			    const json_t *header, char *err, size_t errlen);

/* The header every capture file of this agent carries. New reference, NULL when out of memory. */
json_t *capture_header_new(const char *hostname, int64_t boot_to_unix_ns, bool engine, bool monitor_host,
			   unsigned int rate_burst, double rate_per_sec);

/*
 * The time (Unix ns) the pipeline is at: records of state read from now on
 * carry it (an event's own time while it is handled; the clock between).
 */
void capture_set_now(struct capture *c, int64_t now_ns);

/* A kernel record, handled: its bytes as received, at its own time (Unix ns). */
void capture_event(struct capture *c, const void *data, size_t len, int64_t time_ns);

/* The agent's periodic work (rate-limit summaries) ran now: replay runs it at the same place. */
void capture_tick_record(struct capture *c, int64_t now_ns);

/* Records that never reached the pipeline (the kernel's drops): said in the capture. */
void capture_lost(struct capture *c, uint64_t records, const char *reason);

/*
 * A match of a rule with `capture: true`: start its evidence file (unless
 * one for the same rule and container is being written). Returns the file's
 * path (valid until capture_close), or NULL when none is written.
 */
const char *capture_on_alert(struct capture *c, const struct rule_info *rule, const char *container_id,
			     int64_t time_ns);

/* How much of the past the ring keeps (ns; 0: no ring): fixed at start. */
uint64_t capture_ring_ns(const struct capture *c);

/* Now and then (every turn of the loop): seal old blocks, rotate, keyframes for the ring, finish evidence files. */
void capture_tick(struct capture *c);

/* Stop observing, write everything out, fsync, close. 0, or -errno with a sentence in err. */
int capture_close(struct capture *c, char *err, size_t errlen);

struct capture_stats {
	uint64_t events;
	uint64_t records;
	uint64_t dropped;        /* records the file writer could not keep */
	uint64_t alert_files;    /* evidence files written */
	uint64_t bytes;          /* written to the capture file(s) */
};
void capture_stats(const struct capture *c, struct capture_stats *out);

#endif /* VIGIL_CAPTURE_H */
