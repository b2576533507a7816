/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `vigil run`: load the rules, load and attach the BPF programs, and feed the
 * ring buffer's records to the pipeline until told to stop; reload the rules
 * on SIGHUP.
 */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "engine.h"

/* The rules `vigil run` loads when given no -r. */
#define AGENT_DEFAULT_RULES "/etc/vigil/vigil_rules.yaml"
/* Capture: rotation at 256 MiB, 4 old files kept; evidence of `capture: true` rules goes here. */
#define AGENT_DEFAULT_CAPTURE_SIZE (256ull << 20)
#define AGENT_DEFAULT_CAPTURE_KEEP 4
#define AGENT_DEFAULT_ALERT_CAPTURE_DIR "/var/lib/vigil/captures"
/* Where alerts go when no -o is given. */
#define AGENT_DEFAULT_OUTPUT "stdout:json"

struct agent_options {
	bool print_events;      /* --events: every event as a JSON line on stdout */
	bool monitor_host;      /* --host */
	uint32_t ringbuf_bytes; /* --ringbuf-size */
	bool verbose;
	const char *cgroup_mount; /* NULL: find it */
	bool no_engine;           /* --no-engine: name containers by id alone */
	struct engine_options engine;
	const char *const *rules_files; /* -r, in order (later files refine earlier ones) */
	size_t n_rules_files;           /* 0: AGENT_DEFAULT_RULES */
	bool no_rules;                  /* --no-rules: events only */
	const char *record_raw;         /* --record-raw FILE: every kernel record as received; NULL: none */
	const char *const *outputs;     /* -o SPEC (sink.h), in order; none: AGENT_DEFAULT_OUTPUT */
	size_t n_outputs;
	double rate_per_sec;            /* alerts per second per (rule, container) after the burst; 0: no limit */
	unsigned int rate_burst;
	/* --capture and its rotation, --alert-capture-dir (the ring's span comes from the rules) */
	struct capture_options capture;
	bool enforce_off;               /* --enforce=off: decide and report "would deny/kill", act on nothing */
	bool no_lsm;                    /* --lsm=off: tracepoints only, even where BPF-LSM is available */
	/*
	 * --metrics-address ADDR: serve /metrics (Prometheus) and /healthz there,
	 * "127.0.0.1:9464" or "[::1]:9464", loopback only; NULL: no endpoint.
	 */
	const char *metrics_address;
};

/* Returns the process exit status: 0 after a clean stop, 1 on failure. */
int agent_run(const struct agent_options *o);

#endif /* VIGIL_AGENT_H */
