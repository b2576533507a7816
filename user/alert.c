// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "alert.h"
#include "json_writer.h"

const char *alert_action_name(enum rule_action action)
{
	switch (action) {
	case RULE_ACTION_ALERT:
		return "alert";
	case RULE_ACTION_DENY:
		return "deny";
	case RULE_ACTION_KILL:
		return "kill";
	}
	return "alert";
}

static void add_output_field(const char *name, const char *value, void *fields)
{
	/* Values are the event's, which a process controls: through the one untrusted-string path. */
	json_object_set_new(fields, name, value ? json_untrusted_cstring(value, SIZE_MAX) : json_null());
}

static json_t *tags_array(const struct rule_def *def)
{
	json_t *tags = json_array();

	for (size_t i = 0; tags && i < def->n_tags; i++)
		json_array_append_new(tags, json_untrusted_cstring(def->tags[i], SIZE_MAX));
	return tags;
}

/* The event's own time; now, should the event carry none. */
static json_t *alert_time(json_t *event)
{
	json_t *time = json_object_get(event, "time");
	struct timespec now;
	char text[48];

	if (json_is_string(time))
		return json_incref(time);
	clock_gettime(CLOCK_REALTIME, &now);
	json_format_time((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, text, sizeof(text));
	return json_string(text);
}

json_t *alert_to_json(struct rule_engine *engine, const struct rule_match *match, json_t *event)
{
	const struct rule_info *rule = match->rule;
	const struct rule_def *def = rule->def;
	char output[ALERT_OUTPUT_MAX];
	json_t *fields;

	if (!event)
		return NULL;
	fields = json_object();
	if (fields)
		rule_engine_output_fields(engine, match, add_output_field, fields);
	rule_engine_format_output(engine, match, output, sizeof(output));
	return json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:o, s:O}",
			 "type", "alert",
			 "time", alert_time(event),
			 "rule", json_untrusted_cstring(def->name, SIZE_MAX),
			 "priority", rule_priority_name(def->priority),
			 "output", json_untrusted_cstring(output, sizeof(output)),
			 "tags", tags_array(def),
			 "source", json_untrusted_cstring(def->source ? def->source : "syscall", SIZE_MAX),
			 "action", alert_action_name(rule->action),
			 "output_fields", fields,
			 "event", event);
}

int alert_write(FILE *out, struct rule_engine *engine, const struct rule_match *match, json_t *event)
{
	json_t *record = alert_to_json(engine, match, event);
	int err = 0;

	if (!record || json_dumpf(record, out, JSON_COMPACT) || fputc('\n', out) == EOF)
		err = -EIO;
	json_decref(record);
	return err;
}
