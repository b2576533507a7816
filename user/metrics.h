/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `vigil run --metrics-address ADDR`: vigil's counters in the Prometheus text
 * format (0.0.4) and its liveness, over HTTP on a loopback address.
 *
 * The HTTP server runs on a thread of its own (metrics_http.c, libmicrohttpd)
 * and never reads the pipeline's tables: the agent's loop renders the text
 * from a snapshot of numbers now and then and publishes it, and marks each
 * turn of the loop; the server serves the latest text and judges health from
 * the marks. This file holds all of that but the server, so that tests need
 * no libmicrohttpd.
 *
 *	metrics_parse_address("127.0.0.1:9464", &addr, err, sizeof(err));
 *	struct metrics_server *m = metrics_server_start(&addr, err, sizeof(err));
 *	... each turn: metrics_state_heartbeat(metrics_server_state(m), clock_ns(CLOCK_MONOTONIC));
 *	... each second: text = metrics_render(&snapshot, &len); metrics_state_publish(state, text, len);
 *	metrics_server_stop(m);
 */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include <linux/types.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rule_loader.h"
#include "vigil_event.h"

/* The loop is not alive when it has not turned for this long (it turns every 10 ms or so). */
#define METRICS_STALL_NS (10 * 1000000000LL)
/* How often the agent renders and publishes the metrics. */
#define METRICS_PUBLISH_INTERVAL_NS 1000000000LL
/* Verdicts are VIGIL_VERDICT_DENIED .. VIGIL_VERDICT_WOULD_KILL; index 0 (none) is not reported. */
#define METRICS_VERDICTS (VIGIL_VERDICT_WOULD_KILL + 1)

/* Alerts sent for one rule (a rule whose priority a reload changed has one entry per priority). */
struct metrics_rule_alerts {
	const char *rule;
	enum rule_priority priority;
	uint64_t alerts;
};

struct metrics_output {
	const char *name; /* the -o spec */
	uint64_t written, dropped;
	size_t queued;
};

/* The numbers behind one rendering; every pointer is read during metrics_render only. */
struct metrics_snapshot {
	const char *version;
	uint64_t received[VIGIL_EVENT_TYPE_MAX]; /* decoded, by type */
	bool have_kernel;                        /* kernel[] was read */
	struct vigil_counters kernel[VIGIL_EVENT_TYPE_MAX];
	const struct metrics_rule_alerts *rules;
	size_t n_rules;
	bool have_alerting;                      /* with rules: the alert counters and the outputs */
	uint64_t rate_limited;
	uint64_t health_alerts;
	const struct metrics_output *outputs;
	size_t n_outputs;
	uint64_t containers_tracked;
	uint64_t verdicts[METRICS_VERDICTS];     /* events by verdict */
	uint64_t rss_bytes;                      /* 0: unknown, not reported */
};

/* The text of s (NUL-terminated, length in *len), malloc'd; NULL when out of memory. */
char *metrics_render(const struct metrics_snapshot *s, size_t *len);

/*
 * A label value as the text format wants it: backslash, double quote and
 * newline escaped. Returns the length the whole escaped value needs; writes
 * at most size - 1 bytes and a NUL (like snprintf).
 */
size_t metrics_escape_label(const char *value, char *buf, size_t size);

/*
 * "127.0.0.1:9464", "[::1]:9464": numeric, on a loopback address (127.0.0.0/8,
 * ::1, ::ffff:127.x.y.z) only, because the endpoint has no authentication.
 * 0, or -EINVAL with one sentence in err.
 */
struct metrics_address {
	struct sockaddr_storage addr;
	socklen_t len;
};
int metrics_parse_address(const char *text, struct metrics_address *out, char *err, size_t errlen);

/* What the loop publishes and the server serves, under one mutex. */
struct metrics_state {
	pthread_mutex_t lock;
	char *text;             /* the latest rendering; NULL: none yet */
	size_t len;
	int64_t last_turn_ns;   /* CLOCK_MONOTONIC of the loop's last turn; 0: it has not started */
	char failure[256];      /* "": none; else why the loop is not healthy */
};

int metrics_state_init(struct metrics_state *st);
void metrics_state_destroy(struct metrics_state *st);
/* Takes text (malloc'd, from metrics_render); frees the one it replaces. */
void metrics_state_publish(struct metrics_state *st, char *text, size_t len);
void metrics_state_heartbeat(struct metrics_state *st, int64_t now_mono_ns);
/* The loop failed (the ring buffer's poll): /healthz says why from now on. */
void metrics_state_fail(struct metrics_state *st, const char *why);

/*
 * For GET /healthz at now_mono_ns: 200 with "ok\n", or 503 with the reason
 * and a newline. Returns the status; the body goes into buf (NUL-terminated).
 */
int metrics_state_health(struct metrics_state *st, int64_t now_mono_ns, char *buf, size_t size);
/* For GET /metrics: a malloc'd copy of the latest text, or NULL (none yet, or no memory). */
char *metrics_state_copy(struct metrics_state *st, size_t *len);

/* metrics_http.c: the libmicrohttpd server. */
struct metrics_server;

/*
 * Bind and listen on addr, then serve from a thread of its own. NULL with
 * one sentence in err (the address in use, no permission, ...).
 */
struct metrics_server *metrics_server_start(const struct metrics_address *addr, const char *text_addr, char *err,
					    size_t errlen);
struct metrics_state *metrics_server_state(struct metrics_server *m);
/* Stop serving and free; NULL: nothing. */
void metrics_server_stop(struct metrics_server *m);

#endif /* VIGIL_METRICS_H */
