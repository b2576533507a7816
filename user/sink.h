/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where alerts go: sinks behind one interface, any number at once. The event
 * path hands each alert to sinks_submit, which never blocks: every sink has a
 * bounded queue and a thread of its own that writes, retries a sink that is
 * down with back-off, and keeps the queue meanwhile. When a queue is full the
 * oldest alert of the lowest priority goes first, and the count of what went
 * is itself reported (an internal alert, and the counters).
 *
 *	struct sinks *sinks = sinks_new();
 *	sinks_add_spec(sinks, "syslog-tcp://127.0.0.1:6514,min-priority=warning", err, sizeof(err));
 *	sinks_start(sinks);
 *	... per alert: struct alert_record *rec = alert_record_new(...); sinks_submit(sinks, rec); ...
 *	sinks_reopen(sinks);       // SIGHUP: files are reopened (logrotate)
 *	sinks_stop(sinks, 5000);   // drain for up to 5 s, then close
 *	sinks_free(sinks);
 *
 * Sink specs (the -o/--output flag; the config file uses the same words):
 *	stdout[:json|text]                 one line per alert (default json)
 *	file:PATH                          JSON lines, appended; reopened on SIGHUP
 *	syslog[:FACILITY]                  syslog(3) (one such output: the ident is per process)
 *	syslog-udp://HOST:PORT             RFC 5424 over UDP
 *	syslog-tcp://HOST:PORT             RFC 5424 over TCP, octet-counting framing (RFC 6587)
 * (HOST may be [IPV6]; a PATH cannot hold ','), each followed by options:
 * ,min-priority=PRIORITY (default debug: everything) ,queue=N (alerts held
 * while down, 1 to 1000000, default 10000); for the syslog kinds
 * ,facility=NAME (default user); for syslog ,ident=NAME and for syslog-udp
 * and syslog-tcp ,app-name=NAME (default vigil). E.g.
 * "syslog-tcp://[::1]:6514,min-priority=warning,facility=local0".
 */
#ifndef VIGIL_SINK_H
#define VIGIL_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rule_loader.h"

/*
 * One alert, formatted once for every sink: immutable once submitted,
 * reference-counted (each queue holding it has a reference).
 */
struct alert_record {
	unsigned int refs;            /* atomic */
	int64_t time_ns;              /* Unix ns: the event's time */
	enum rule_priority priority;
	bool internal;                /* vigil's own health alert (source "internal") */
	char *rule;                   /* the rule's name (or the internal alert's) */
	char *container_id;           /* "" for the host */
	char *container_name;         /* "" when unknown */
	char *container_image;
	char *output;                 /* the formatted output: untrusted bytes, unescaped */
	char *json;                   /* the whole record as one JSON object, without a newline */
	size_t json_len;
};

/* A new record with one reference: copies of every string. NULL when out of memory. */
struct alert_record *alert_record_new(int64_t time_ns, enum rule_priority priority, bool internal, const char *rule,
				      const char *container_id, const char *container_name,
				      const char *container_image, const char *output, const char *json, size_t json_len);
struct alert_record *alert_record_ref(struct alert_record *rec);
void alert_record_unref(struct alert_record *rec);

struct sink;

/* What one kind of sink does. Called on the sink's own thread only. */
struct sink_ops {
	const char *kind; /* "stdout", "file", "syslog", "syslog-udp", "syslog-tcp" */
	/* Connect or open: 0, or -errno (the sink is down: retried with back-off). */
	int (*open)(struct sink *s);
	/* Write one record: 0, or -errno (down: the record stays queued, the sink is closed and reopened later). */
	int (*write)(struct sink *s, const struct alert_record *rec);
	/* Close what open opened; the sink may be opened again. */
	void (*close)(struct sink *s);
	/*
	 * sinks_reopen (SIGHUP), on an open sink: NULL when the kind has nothing
	 * to reopen. 0, or -errno (down: closed, and opened again with back-off).
	 */
	int (*reopen)(struct sink *s);
	/* Free priv (the sink is closed). */
	void (*free)(struct sink *s);
};

struct sink_stats {
	uint64_t written;
	uint64_t dropped;             /* queue overflow */
	uint64_t filtered;            /* below the sink's min-priority */
	uint64_t failures;            /* write or open errors (each retried) */
	size_t queued;                /* now */
	bool up;
};

struct sinks;

struct sinks *sinks_new(void);
void sinks_free(struct sinks *sinks);

/* Add a sink from a spec (above). 0, or -EINVAL with one sentence in err. */
int sinks_add_spec(struct sinks *sinks, const char *spec, char *err, size_t errlen);
size_t sinks_count(const struct sinks *sinks);

/* Start each sink's thread. 0 or -errno. */
int sinks_start(struct sinks *sinks);

/* Hand a record to every sink (each takes a reference); never blocks. */
void sinks_submit(struct sinks *sinks, struct alert_record *rec);

/* SIGHUP: file sinks reopen their file. */
void sinks_reopen(struct sinks *sinks);

/* Write what is queued, for at most timeout_ms, then stop the threads and close. */
void sinks_stop(struct sinks *sinks, unsigned int timeout_ms);

/* The sink's spec as given, and its counters (a consistent snapshot). */
const char *sinks_name(const struct sinks *sinks, size_t index);
void sinks_stats(struct sinks *sinks, size_t index, struct sink_stats *out);

#endif /* VIGIL_SINK_H */
