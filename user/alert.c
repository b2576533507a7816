// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "container.h"
#include "enforce.h"
#include "event_json.h"
#include "json_writer.h"
#include "user_names.h"

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

/* A string that may be unknown (NULL) or empty (unset): null for both. */
static json_t *optional_string(const char *s)
{
	return s && *s ? json_untrusted_cstring(s, SIZE_MAX) : json_null();
}

/* The match's event time, Unix ns: the kernel's for its events, the announcement's for a container's. */
static int64_t match_time_ns(const struct rule_match *match)
{
	const struct event_context *ctx = match->ev->ctx;

	if (!ctx->ev)
		return match->ev->time_ns;
	return (int64_t)ctx->ev->hdr.ts_boot_ns + ctx->boot_to_unix_ns;
}

/* ---- the container and the process ---- */

static json_t *container_json(const struct event_context *ctx)
{
	const struct container_info *info = ctx->container_info;

	if (!ctx->container)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o}",
			 "id", json_untrusted_string(ctx->container->id,
						     strnlen(ctx->container->id, CONTAINER_SHORT_ID_LEN)),
			 "name", optional_string(info ? info->name : NULL),
			 "image", optional_string(info ? info->image : NULL),
			 "pod", optional_string(info ? info->k8s_pod_name : NULL),
			 "namespace", optional_string(info ? info->k8s_ns_name : NULL));
}

/*
 * "name arg1 arg2", Falco's proc.cmdline: the name, then argv after argv[0]
 * with its NUL separators as spaces. null when argv is unknown.
 */
static json_t *cmdline_json(const char *comm, const char *args, size_t args_len)
{
	char text[ALERT_CMDLINE_MAX];
	size_t len = strnlen(comm, VIGIL_COMM_LEN);
	const char *argv0_end;

	if (!args)
		return json_null();
	memcpy(text, comm, len);
	/* The NUL that ends the last argument is no separator. */
	if (args_len && args[args_len - 1] == '\0')
		args_len--;
	argv0_end = memchr(args, '\0', args_len);
	if (argv0_end) {
		size_t skip = (size_t)(argv0_end - args) + 1;
		size_t n = args_len - skip;

		if (n > sizeof(text) - len - 1)
			n = sizeof(text) - len - 1;
		text[len++] = ' ';
		for (size_t i = 0; i < n; i++)
			text[len++] = args[skip + i] ? args[skip + i] : ' ';
	}
	return json_untrusted_string(text, len);
}

/* An ancestor, as the process table knows it. */
static json_t *ancestor_json(const struct process *proc)
{
	return json_pack("{s:I, s:o, s:o, s:o}",
			 "pid", (json_int_t)proc->tgid,
			 "name", json_untrusted_cstring(proc->comm, VIGIL_COMM_LEN),
			 "exe", optional_string(proc->exe),
			 "cmdline", cmdline_json(proc->comm, proc->args, proc->args_len));
}

/*
 * The user's name from the process's own passwd file; without the lookup
 * (replay, tests) uid 0 is still root. null when the id has no name.
 */
static json_t *user_json(const struct rule_event *rev, const struct vigil_event_header *h)
{
	const char *name;

	if (!rev->names)
		return h->uid == 0 ? json_string("root") : json_null();
	name = user_names_user(rev->names, h->tgid, h->mntns_ino, h->uid, h->ts_boot_ns);
	return optional_string(name);
}

/*
 * The process: the event's header for what it is now, the exec event's own
 * image (an exec describes what it starts) or else the process table's.
 */
static json_t *proc_json(const struct rule_event *rev)
{
	const struct event_context *ctx = rev->ctx;
	const struct event_view *ev = ctx->ev;
	const struct vigil_event_header *h;
	const char *exe = NULL, *args = NULL;
	size_t exe_len = 0, args_len = 0;
	json_t *ancestry;

	if (!ev)
		return json_null();
	h = &ev->hdr;
	if (h->type == VIGIL_EVENT_EXEC) {
		exe = ev->exec.filename.ptr;
		exe_len = strnlen(exe, ev->exec.filename.len);
		args = ev->exec.args.ptr;
		args_len = ev->exec.args.len;
	} else if (ctx->proc) {
		exe = ctx->proc->exe;
		exe_len = strlen(exe);
		args = ctx->proc->args;
		args_len = ctx->proc->args_len;
	}
	ancestry = json_array();
	for (size_t i = 0; ancestry && i < ctx->n_ancestors; i++)
		json_array_append_new(ancestry, ancestor_json(ctx->ancestors[i]));
	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:I, s:o, s:o}",
			 "pid", (json_int_t)h->tgid,
			 "vpid", (json_int_t)h->vpid,
			 "name", json_untrusted_cstring(h->comm, VIGIL_COMM_LEN),
			 "exe", exe_len ? json_untrusted_string(exe, exe_len) : json_null(),
			 "cmdline", cmdline_json(h->comm, args, args_len),
			 "uid", (json_int_t)h->uid,
			 "user", user_json(rev, h),
			 "ancestry", ancestry);
}

/* What enforcement did, and which kind of hook did it: NULL when it did nothing. */
static const char *verdict_name(const struct event_context *ctx, const char **mechanism)
{
	const char *name;

	*mechanism = NULL;
	if (!ctx->ev)
		return NULL;
	name = enforce_verdict_name(ctx->ev->hdr.verdict);
	if (name)
		*mechanism = enforce_hook_name(ctx->ev->hdr.hook);
	return name;
}

/* ---- the record ---- */

/*
 * What every record starts with. New reference, NULL when out of memory
 * (every value is taken even then).
 */
static json_t *record_head(int64_t time_ns, const char *hostname, const char *rule, enum rule_priority priority,
			   const char *output, size_t output_max, json_t *tags, const char *source,
			   const char *action)
{
	char time[48];

	json_format_time(time_ns, time, sizeof(time));
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:s}",
			 "type", "alert",
			 "time", time,
			 "hostname", optional_string(hostname),
			 "rule", json_untrusted_cstring(rule, SIZE_MAX),
			 "priority", rule_priority_name(priority),
			 "output", json_untrusted_cstring(output, output_max),
			 "tags", tags,
			 "source", json_untrusted_cstring(source, SIZE_MAX),
			 "action", action);
}

/* Add value (taken) under key; when either is missing (out of memory), the record goes. */
static void record_add(json_t **record, const char *key, json_t *value)
{
	if (*record && value && !json_object_set_new(*record, key, value))
		return;
	json_decref(value);
	json_decref(*record);
	*record = NULL;
}

/* The record of a match, with its output formatted into output (ALERT_OUTPUT_MAX bytes). */
static json_t *match_json(struct rule_engine *engine, const struct rule_match *match, json_t *event,
			  const char *capture, char *output)
{
	const struct rule_info *rule = match->rule;
	const struct rule_def *def = rule->def;
	const struct event_context *ctx = match->ev->ctx;
	const char *mechanism;
	const char *verdict = verdict_name(ctx, &mechanism);
	json_t *record, *fields;

	rule_engine_format_output(engine, match, output, ALERT_OUTPUT_MAX);
	if (!event)
		return NULL;
	fields = json_object();
	if (fields)
		rule_engine_output_fields(engine, match, add_output_field, fields);
	record = record_head(match_time_ns(match), match->ev->hostname, def->name, def->priority, output,
			     ALERT_OUTPUT_MAX, tags_array(def), def->source ? def->source : "syscall",
			     alert_action_name(rule->action));
	if (verdict)
		record_add(&record, "verdict", json_string(verdict));
	if (mechanism)
		record_add(&record, "mechanism", json_string(mechanism));
	record_add(&record, "container", container_json(ctx));
	record_add(&record, "proc", proc_json(match->ev));
	record_add(&record, "output_fields", fields);
	if (capture)
		record_add(&record, "capture", json_untrusted_cstring(capture, SIZE_MAX));
	record_add(&record, "event", json_incref(event));
	return record;
}

/*
 * The record for the sinks; takes record. Dumped compact and in ASCII:
 * besides what jansson escapes anyway (C0 controls), C1 controls such as
 * U+009B (CSI to a terminal that honours 8-bit controls), bidi overrides and
 * line separators then reach no file or terminal as themselves.
 */
static struct alert_record *record_new(json_t *record, int64_t time_ns, enum rule_priority priority,
				       bool internal, const char *rule, const char *container_id,
				       const char *container_name, const char *container_image, const char *output)
{
	char *text = record ? json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	struct alert_record *rec = NULL;

	if (text)
		rec = alert_record_new(time_ns, priority, internal, rule, container_id, container_name,
				       container_image, output, text, strlen(text));
	free(text);
	json_decref(record);
	return rec;
}

struct alert_record *alert_record_from_match(struct rule_engine *engine, const struct rule_match *match,
					     json_t *event, const char *capture)
{
	const struct event_context *ctx = match->ev->ctx;
	const struct container_info *info = ctx->container_info;
	const struct rule_def *def = match->rule->def;
	char output[ALERT_OUTPUT_MAX], id[CONTAINER_SHORT_ID_LEN + 1] = "";
	json_t *record = match_json(engine, match, event, capture, output);

	if (ctx->container)
		memcpy(id, ctx->container->id, strnlen(ctx->container->id, CONTAINER_SHORT_ID_LEN));
	return record_new(record, match_time_ns(match), def->priority, false, def->name, id,
			  info && info->name ? info->name : "", info && info->image ? info->image : "", output);
}

struct alert_record *alert_internal_record(int64_t time_ns, enum rule_priority priority, const char *rule,
					   const char *output, const char *hostname)
{
	json_t *tags = json_pack("[s, s]", "vigil", "health");
	json_t *record = record_head(time_ns, hostname, rule, priority, output, SIZE_MAX, tags, "internal",
				     alert_action_name(RULE_ACTION_ALERT));

	record_add(&record, "container", json_null());
	record_add(&record, "proc", json_null());
	record_add(&record, "output_fields", json_object());
	return record_new(record, time_ns, priority, true, rule, "", "", "", output);
}

/* The rule of that name, NULL when the engine has none. */
static const struct rule_def *rule_by_name(struct rule_engine *engine, const char *name)
{
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++) {
		const struct rule_def *def = rule_engine_rule(engine, i)->def;

		if (!strcmp(def->name, name))
			return def;
	}
	return NULL;
}

struct alert_record *alert_summary_record(struct rule_engine *engine, const struct ratelimit_summary *summary,
					  int64_t now_ns, int64_t clock_to_unix_ns, const char *hostname)
{
	const struct rule_def *def = rule_by_name(engine, summary->rule);
	enum rule_priority priority = def ? def->priority : RULE_PRIORITY_WARNING;
	char output[ALERT_OUTPUT_MAX], first[48], last[48], id[CONTAINER_SHORT_ID_LEN + 1] = "";
	json_t *record, *container = json_null();

	json_format_time(summary->first_ns + clock_to_unix_ns, first, sizeof(first));
	json_format_time(summary->last_ns + clock_to_unix_ns, last, sizeof(last));
	memcpy(id, summary->container_id, strnlen(summary->container_id, CONTAINER_SHORT_ID_LEN));
	/* The limiter knows the container by its id alone. */
	if (*id)
		container = json_pack("{s:o, s:n, s:n, s:n, s:n}", "id", json_untrusted_cstring(id, sizeof(id)),
				      "name", "image", "pod", "namespace");
	snprintf(output, sizeof(output), "rule \"%s\" fired %llu more times %s%s from %s to %s (rate limit)",
		 summary->rule, (unsigned long long)summary->suppressed, *id ? "in container " : "on the host", id,
		 first, last);
	record = record_head(now_ns, hostname, summary->rule, priority, output, sizeof(output),
			     def ? tags_array(def) : json_array(), "ratelimit", alert_action_name(RULE_ACTION_ALERT));
	record_add(&record, "container", container);
	record_add(&record, "proc", json_null());
	record_add(&record, "output_fields", json_object());
	record_add(&record, "suppressed", json_pack("{s:I, s:s, s:s}", "count", (json_int_t)summary->suppressed,
						    "first", first, "last", last));
	return record_new(record, now_ns, priority, false, summary->rule, id, "", "", output);
}
