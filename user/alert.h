/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The alert record: what `vigil run` writes, one JSON line, for each match of
 * a rule.
 *
 *	{"type":"alert","time":"2026-11-24T09:52:28.240975324Z","rule":"Shell in container",
 *	 "priority":"Warning","output":"shell sh in web (id 3f2a...)","tags":["shell"],
 *	 "source":"syscall","action":"alert","output_fields":{"proc.name":"sh",...},
 *	 "event":{...the event as `vigil run --events` prints it...}}
 *
 * time is the event's; output is the rule's output with the event's values
 * in; output_fields are the fields that output names, each with its value
 * as text; action is vigil's own rule key (alert, deny or kill).
 */
#ifndef VIGIL_ALERT_H
#define VIGIL_ALERT_H

#include <jansson.h>
#include <stdio.h>

#include "rule_engine.h"

/* Longer outputs are cut (the output_fields keep every value whole). */
#define ALERT_OUTPUT_MAX 8192

/*
 * The alert record of a match, inside the callback of rule_engine_eval.
 * event is the event object (event_to_json's, or the container
 * announcement), borrowed: the record takes its own reference, so the
 * event line and every alert of one event share one object. New reference,
 * NULL when out of memory.
 */
json_t *alert_to_json(struct rule_engine *engine, const struct rule_match *match, json_t *event);

/* The record as one line on out. 0, or -EIO when it could not be built or written. */
int alert_write(FILE *out, struct rule_engine *engine, const struct rule_match *match, json_t *event);

/* "alert", "deny", "kill". */
const char *alert_action_name(enum rule_action action);

#endif /* VIGIL_ALERT_H */
