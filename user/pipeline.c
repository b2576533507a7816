// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting.h"
#include "clock.h"
#include "container.h"
#include "decode.h"
#include "enforce.h"
#include "event_json.h"
#include "json_writer.h"
#include "log.h"
#include "text_escape.h"
#include "pipeline.h"
#include "user_names.h"

int64_t pipeline_boot_to_unix_ns(void)
{
	struct timespec boot, real;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec - boot.tv_sec) * 1000000000 + (real.tv_nsec - boot.tv_nsec);
}

/*
 * An event on its way out: built as JSON once, on first need, and shared by
 * the event line and the alerts of its matches.
 */
struct outgoing_event {
	struct pipeline *p;
	const struct rule_event *ev;
	int64_t time_ns; /* Unix ns */
	json_t *json;
	bool enforcing_rule_matched; /* a deny or kill rule matched */
};

/* The `container` event as --events prints it. New reference. */
static json_t *container_event_json(const struct container_info *info, const char *action, int64_t time_ns)
{
	char time_text[48];

	json_format_time(time_ns, time_text, sizeof(time_text));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "time", time_text, "type", "container", "action", action,
			 "container", container_summary_json(info), "posture", container_info_posture_json(info));
}

static json_t *outgoing_json(struct outgoing_event *o)
{
	if (!o->json)
		o->json = o->ev->type == RULE_EVENT_CONTAINER
				  ? container_event_json(o->ev->ctx->container_info, o->ev->container_action,
							 o->ev->time_ns)
				  : event_to_json(o->ev->ctx);
	return o->json;
}

static void on_match(const struct rule_match *match, void *outgoing)
{
	struct outgoing_event *o = outgoing;
	struct pipeline *p = o->p;
	const char *capture = NULL;
	json_t *event = outgoing_json(o);

	if (!event) {
		p->stats.write_errors++;
		return;
	}
	if (match->rule->capture && p->capture) {
		const struct event_context *ctx = match->ev->ctx;

		capture = capture_on_alert(p->capture, match->rule, ctx->container ? ctx->container->id : "",
					   o->time_ns);
	}
	alerting_match(p->alerting, p->rules, match, event, capture);
	p->stats.alerts++;
	if (match->rule->action != RULE_ACTION_ALERT)
		o->enforcing_rule_matched = true;
	if (p->match_hook)
		p->match_hook(match, p->match_hook_ctx);
}

/*
 * The kernel acted on an event (a verdict) but no deny or kill rule matched
 * it here: the kernel's view and the rule's differ (a symlinked executable,
 * a host process in a pid namespace of its own, a rule changed by a reload in
 * between). Whatever the reason, an act of enforcement is never silent.
 */
static void enforcement_unexplained(struct pipeline *p, const struct rule_event *ev, int64_t time_ns)
{
	const struct event_view *v = ev->ctx ? ev->ctx->ev : NULL;
	const struct container_ref *c = ev->ctx ? ev->ctx->container : NULL;
	const char *verdict = v ? enforce_verdict_name(v->hdr.verdict) : NULL;
	char comm[4 * VIGIL_COMM_LEN + 1], text[512];

	if (!verdict || !p->alerting)
		return;
	/* From the process: escaped, since the text also goes to the log. */
	text_escape(v->hdr.comm, strnlen(v->hdr.comm, VIGIL_COMM_LEN), 0, comm, sizeof(comm));
	snprintf(text, sizeof(text), "the kernel's %s hook %s %s by pid %u (%s) in %s%s, but no deny or kill rule "
		 "matches the event here; `vigil rules check` shows the kernel terms of each rule",
		 enforce_hook_name(v->hdr.hook) ? enforce_hook_name(v->hdr.hook) : "?", verdict,
		 event_type_name(v->hdr.type) ? event_type_name(v->hdr.type) : "an event", v->hdr.tgid, comm,
		 c ? "container " : "the host", c ? c->id : "");
	alerting_health_at(p->alerting, time_ns, RULE_PRIORITY_WARNING, "vigil: enforcement without its rule", text);
}

/* The event line (with events_out), then the alerts of the rules it matches. */
static void output_event(struct pipeline *p, const struct rule_event *ev, int64_t time_ns)
{
	struct outgoing_event o = { .p = p, .ev = ev, .time_ns = time_ns };

	if (p->select && !p->select(ev, p->select_ctx))
		return;
	if (p->events_out) {
		json_t *obj = outgoing_json(&o);
		/* ASCII only: C1 controls and bidi overrides from a container must not reach a terminal raw. */
		char *line = obj ? json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		bool ok;

		/* One write under the stream's lock: a stdout sink's thread writes alert lines to it too. */
		flockfile(p->events_out);
		ok = line && fputs(line, p->events_out) != EOF && putc_unlocked('\n', p->events_out) != EOF;
		funlockfile(p->events_out);
		free(line);
		if (ok)
			p->stats.written++;
		else
			p->stats.write_errors++;
	}
	if (p->rules) {
		rule_engine_eval(p->rules, ev, on_match, &o);
		if (!o.enforcing_rule_matched)
			enforcement_unexplained(p, ev, o.time_ns);
	}
	json_decref(o.json);
}

void pipeline_announce_container(const struct container_info *info, const char *action, void *pipeline)
{
	struct pipeline *p = pipeline;
	/*
	 * The Engine API serves Docker's containers or Podman's, and Podman's
	 * compatible API answers as Docker's: the runtime is not known here.
	 */
	struct container_ref ref = { .runtime = CONTAINER_RUNTIME_DOCKER };
	struct event_context ctx = {
		.container = &ref,
		.container_info = info,
		.metadata = CONTAINER_METADATA_KNOWN,
		.boot_to_unix_ns = p->boot_to_unix_ns,
	};
	struct rule_event ev = {
		.type = RULE_EVENT_CONTAINER,
		.ctx = &ctx,
		.container_action = action,
		.hostname = p->hostname,
		.num = ++p->stats.numbered,
		.names = p->names,
	};
	if (!p->events_out && !p->rules)
		return;
	snprintf(ref.id, sizeof(ref.id), "%s", info->id);
	ev.time_ns = p->now_ns ? p->now_ns : clock_ns(CLOCK_REALTIME);
	output_event(p, &ev, ev.time_ns);
}

void pipeline_set_now(struct pipeline *p, int64_t now_ns)
{
	p->now_ns = now_ns;
	if (p->capture)
		capture_set_now(p->capture, now_ns);
}

void pipeline_tick(struct pipeline *p, int64_t now_ns)
{
	pipeline_set_now(p, now_ns);
	if (p->capture)
		capture_tick_record(p->capture, now_ns);
	if (p->alerting)
		alerting_tick(p->alerting, p->rules, now_ns - p->boot_to_unix_ns);
}

static int handle(struct pipeline *p, const void *data, size_t len, int64_t *time_ns);

int pipeline_handle(struct pipeline *p, const void *data, size_t len)
{
	int64_t time_ns = p->now_ns;
	int err = handle(p, data, len, &time_ns);

	/* After handling it: the state read meanwhile is in the capture before it. */
	if (p->capture)
		capture_event(p->capture, data, len, time_ns);
	return err;
}

static int handle(struct pipeline *p, const void *data, size_t len, int64_t *time_ns)
{
	struct event_context ctx = { 0 };
	struct container_ref container;
	struct event_view ev;
	char err[256];
	bool in_container = false;

	if (p->record_out) {
		uint32_t len32 = len;

		if (fwrite(&len32, sizeof(len32), 1, p->record_out) != 1 || fwrite(data, len, 1, p->record_out) != 1)
			p->stats.write_errors++;
	}
	if (event_decode(data, len, &ev, err, sizeof(err))) {
		/* Log the first few; the count tells the rest. */
		if (p->stats.malformed++ < 10)
			log_warn("dropped a malformed event record: %s", err);
		return -EINVAL;
	}
	p->stats.received[ev.hdr.type]++;
	if (ev.hdr.verdict < sizeof(p->stats.verdicts) / sizeof(p->stats.verdicts[0]))
		p->stats.verdicts[ev.hdr.verdict]++;
	*time_ns = (int64_t)ev.hdr.ts_boot_ns + p->boot_to_unix_ns;
	if (p->capture)
		capture_set_now(p->capture, *time_ns);

	if (p->cgroups)
		ctx.cgroup_path = cgroup_resolver_path(p->cgroups, ev.hdr.cgroup_id);
	if (ctx.cgroup_path)
		in_container = container_from_cgroup_path(ctx.cgroup_path, &container);

	/* Exec and fork change the table whoever made them; exits are applied after output. */
	proc_table_apply(p->procs, &ev);

	/* What enforcement acted on is reported, whoever's it is. */
	if (!in_container && !p->monitor_host && ev.hdr.verdict == VIGIL_VERDICT_NONE) {
		p->stats.host_dropped++;
	} else if (p->events_out || p->rules || p->capture) {
		/* With a capture, the state an event needs is read (and recorded) even if nothing is printed. */
		struct rule_event rule_ev = {
			.type = ev.hdr.type,
			.ctx = &ctx,
			.hostname = p->hostname,
			.num = ++p->stats.numbered,
			.names = p->names,
		};

		ctx.ev = &ev;
		ctx.container = in_container ? &container : NULL;
		ctx.metadata = CONTAINER_METADATA_UNAVAILABLE;
		if (in_container && p->containers)
			ctx.container_info = container_table_get(p->containers, &container, &ctx.metadata);
		ctx.proc = proc_table_get(p->procs, ev.hdr.tgid);
		ctx.n_ancestors = proc_table_ancestors(p->procs, ev.hdr.tgid, ctx.ancestors,
						       EVENT_JSON_ANCESTORS_MAX);
		ctx.boot_to_unix_ns = p->boot_to_unix_ns;
		if (p->capture && p->names) {
			/*
			 * The user's and group's names, read now so that they are in the
			 * capture: a replay's rules may ask what the live rules did not.
			 * A hash probe each once the names of a container are known.
			 */
			user_names_user(p->names, ev.hdr.tgid, ev.hdr.mntns_ino, ev.hdr.uid, ev.hdr.ts_boot_ns);
			user_names_group(p->names, ev.hdr.tgid, ev.hdr.mntns_ino, ev.hdr.gid, ev.hdr.ts_boot_ns);
			if (ev.hdr.loginuid != (uint32_t)-1)
				user_names_user(p->names, ev.hdr.tgid, ev.hdr.mntns_ino, ev.hdr.loginuid,
						ev.hdr.ts_boot_ns);
		}
		output_event(p, &rule_ev, *time_ns);
	}

	if (ev.hdr.type == VIGIL_EVENT_EXIT)
		proc_table_remove(p->procs, ev.hdr.tgid);
	return 0;
}
