/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the sinks: what sink.c (the framework: specs, queues, threads,
 * back-off) shares with the kinds of sink (sink_local.c: stdout, file,
 * syslog; sink_syslog5424.c: syslog-udp, syslog-tcp) and with the tests.
 *
 * How a kind is made. sink.c parses the whole spec, for every kind, so that
 * every error reads the same: the kind, its target (after ':' or '://'),
 * then the ",key=value" options. The framework's own options (min-priority,
 * queue) and the kind's (facility, app-name, ident) are checked against the
 * kind, then sink.c calls the kind's init with plain values. An init sets
 * s->ops and s->priv and opens nothing (the sink's thread calls ops->open);
 * it returns 0, or -errno with one sentence in err and s->ops left NULL
 * (then nothing of it is freed by the framework).
 *
 * The remote kinds live in sink_syslog5424.c (helper F), which defines
 * sink_syslog_udp_ops, sink_syslog_tcp_ops and sink_syslog5424_init below.
 * sink.c parses "syslog-udp://HOST:PORT" and "syslog-tcp://HOST:PORT" into
 * host (an IPv6 address without its brackets) and port (digits or a service
 * name), facility (a <syslog.h> LOG_* facility value, default LOG_USER) and
 * app_name (default "vigil"), and calls sink_syslog5424_init(..., tcp, ...).
 *
 * Threads: every ops function runs on the sink's own thread, never two at
 * once for one sink; priv is the kind's alone. A write that fails returns
 * -errno: the framework closes the sink, waits (100 ms, doubling up to 5 s),
 * opens it again and writes the same record again; a record leaves the queue
 * only once write returned 0. So write must either send the whole record or
 * fail (a TCP kind resends its whole frame on the new connection). A write
 * must not block for long either (sinks_stop waits for it): a network kind
 * sets send timeouts. ops->reopen (SIGHUP) may be NULL: only the file kind
 * has one.
 */
#ifndef VIGIL_SINK_INTERNAL_H
#define VIGIL_SINK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sink.h"

#define SINK_QUEUE_DEFAULT 10000
#define SINK_QUEUE_MAX 1000000
#define SINK_BACKOFF_FIRST_MS 100
#define SINK_BACKOFF_MAX_MS 5000

/* The number of priorities (Emergency .. Debug): the queue keeps a list for each. */
#define SINK_PRIORITIES (RULE_PRIORITY_DEBUG + 1)

/* One queued record; nodes come from the sink's pool, queue_max of them. */
struct sink_node {
	struct alert_record *rec;
	uint64_t seq;             /* submission order across the priority lists */
	struct sink_node *next;
};

struct sink {
	char *spec;                            /* as given */
	const struct sink_ops *ops;
	void *priv;                            /* the kind's state */
	enum rule_priority min_priority;       /* records of a lower priority (higher value) are filtered */
	struct sinks *owner;

	pthread_mutex_t lock;                  /* everything below */
	pthread_cond_t wake;                   /* a record, a reopen or stop */
	/* The queue: a FIFO list per priority, so that overflow drops the oldest of the lowest in O(1). */
	struct sink_node *pool;                /* queue_max nodes, used from the start on */
	size_t pool_used;
	struct sink_node *free_nodes;          /* used and given back */
	struct sink_node *head[SINK_PRIORITIES];
	struct sink_node *tail[SINK_PRIORITIES];
	size_t queue_max;
	uint64_t next_seq;
	struct sink_node *in_flight;           /* being written: never dropped */
	bool reopen;                           /* sinks_reopen asked; seen by the thread */
	bool stopping;
	int64_t stop_deadline_ms;              /* CLOCK_MONOTONIC */
	bool is_open;
	unsigned int backoff_ms;               /* the next wait while down */
	bool warned;                           /* down, and said so: one warning per outage */
	struct sink_stats stats;

	pthread_t thread;
	bool thread_started;
};

/*
 * Tests: how a down sink waits out its back-off, called on the sink's thread
 * with s->lock held. The default waits on s->wake until delay_ms passed or
 * the stop deadline came. A test's version records delay_ms and returns.
 */
typedef void (*sink_backoff_wait_fn)(struct sink *s, unsigned int delay_ms);
void sinks_set_backoff_wait(struct sinks *sinks, sink_backoff_wait_fn wait);

/* Tests and built-in kinds: add a sink with its ops and priv already made. 0 or -errno. */
int sinks_add_sink(struct sinks *sinks, const char *spec, const struct sink_ops *ops, void *priv,
		   enum rule_priority min_priority, size_t queue_max);

/* The syslog severity (LOG_EMERG .. LOG_DEBUG) of a priority. */
int sink_syslog_severity(enum rule_priority priority);

/* The local kinds (sink_local.c). */
int sink_stdout_init(struct sink *s, bool json, char *err, size_t errlen);
int sink_file_init(struct sink *s, const char *path, char *err, size_t errlen);
int sink_syslog_init(struct sink *s, const char *ident, int facility, char *err, size_t errlen);

/* The remote kinds (sink_syslog5424.c, helper F). */
extern const struct sink_ops sink_syslog_udp_ops, sink_syslog_tcp_ops;
int sink_syslog5424_init(struct sink *s, const char *host, const char *port, int facility, const char *app_name,
			 bool tcp, char *err, size_t errlen);

#endif /* VIGIL_SINK_INTERNAL_H */
