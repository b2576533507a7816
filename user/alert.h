/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The alert record: one JSON object for each match of a rule, the same for
 * every sink (what `vigil run` writes on stdout by default).
 *
 *	{"type":"alert","time":"2026-11-24T09:52:28.240975324Z","hostname":"node1",
 *	 "rule":"Shell in container","priority":"Warning","output":"shell sh in web (id 3f2a...)",
 *	 "tags":["shell"],"source":"syscall","action":"deny","verdict":"denied","mechanism":"lsm",
 *	 "container":{"id":"3f2a1b4c5d6e","name":"web","image":"nginx:1.27","pod":null,"namespace":null},
 *	 "proc":{"pid":4242,"vpid":7,"name":"sh","exe":"/bin/sh","cmdline":"sh -c id","uid":0,"user":"root",
 *		 "ancestry":[{"pid":4200,"name":"bash","exe":"/bin/bash","cmdline":"bash"},...]},
 *	 "output_fields":{"proc.name":"sh",...},
 *	 "event":{...the event as `vigil run --events` prints it...}}
 *
 * time is the event's; hostname the agent's (evt.hostname); output is the
 * rule's output with the event's values in; action is vigil's own rule key
 * (alert, deny or kill), verdict what enforcement did (only when it did
 * something: denied, killed, or with --enforce=off would deny, would kill),
 * mechanism the kind of hook that decided it (lsm or tracepoint).
 * container is null for the host; its name and image are null
 * while the Engine API has not named it, pod and namespace outside
 * Kubernetes. proc is the process (null for a container event): exe and
 * cmdline are null when vigil does not know them, user when the id has no
 * name; ancestry is parent first, as far as the process table knows
 * (EVENT_JSON_ANCESTORS_MAX). cmdline is Falco's proc.cmdline, "name
 * arg1 arg2", cut at ALERT_CMDLINE_MAX bytes. output_fields are the fields
 * the output names, each with its value as text.
 *
 * vigil's own health alerts (events lost, a sink dropping) have the same
 * shape: source "internal", tags ["vigil","health"], container and proc null,
 * no event; so do the rate limiter's summaries (alert_summary_record).
 */
#ifndef VIGIL_ALERT_H
#define VIGIL_ALERT_H

#include <jansson.h>
#include <stdint.h>

#include "ratelimit.h"
#include "rule_engine.h"
#include "sink.h"

/* Longer outputs are cut (the output_fields keep every value whole). */
#define ALERT_OUTPUT_MAX 8192
/* Room for a process's name, a space and its whole argv as the kernel sends it. */
#define ALERT_CMDLINE_MAX 4200

/*
 * The match as a record for the sinks (sink.h): json is the record above,
 * compact and in ASCII (every other character as \uXXXX); output the
 * formatted output; the container's short id, name and
 * image ("" for the host, or when unknown). Inside the callback of
 * rule_engine_eval. event is the event object (event_to_json's, or the
 * container announcement), borrowed: the record holds it while it is built,
 * so the event line and every alert of one event share one object.
 * capture: the file a `capture: true` rule's evidence goes to, as "capture"
 * in the record (NULL: none). NULL when out of memory.
 */
struct alert_record *alert_record_from_match(struct rule_engine *engine, const struct rule_match *match,
					     json_t *event, const char *capture);

/*
 * One of vigil's own health alerts: rule is what happened ("vigil: events
 * lost"), output says it in a sentence; time_ns is Unix ns. NULL when out of
 * memory.
 */
struct alert_record *alert_internal_record(int64_t time_ns, enum rule_priority priority, const char *rule,
					   const char *output, const char *hostname);

/*
 * What the rate limiter held back of one rule in one container, as a record:
 * output 'rule "X" fired N more times in container Y' (or "on the host")
 * and when, with the rule's priority and tags (found by name in engine;
 * Warning and none when the rule is gone), source "ratelimit", and
 * "suppressed":{"count":N,"first":TIME,"last":TIME}. now_ns is Unix ns; the
 * summary's times are on the limiter's clock, clock_to_unix_ns after it
 * (pipeline.boot_to_unix_ns for the boot clock). NULL when out of memory.
 */
struct alert_record *alert_summary_record(struct rule_engine *engine, const struct ratelimit_summary *summary,
					  int64_t now_ns, int64_t clock_to_unix_ns, const char *hostname);

/* "alert", "deny", "kill". */
const char *alert_action_name(enum rule_action action);

#endif /* VIGIL_ALERT_H */
