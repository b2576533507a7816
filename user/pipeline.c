// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "decode.h"
#include "event_json.h"
#include "json_writer.h"
#include "log.h"
#include "pipeline.h"

int64_t pipeline_boot_to_unix_ns(void)
{
	struct timespec boot, real;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec - boot.tv_sec) * 1000000000 + (real.tv_nsec - boot.tv_nsec);
}

static void write_event(struct pipeline *p, const struct event_context *ctx)
{
	json_t *obj = event_to_json(ctx);

	if (!obj || json_dumpf(obj, p->events_out, JSON_COMPACT) || fputc('\n', p->events_out) == EOF) {
		p->stats.write_errors++;
	} else {
		p->stats.written++;
	}
	json_decref(obj);
}

void pipeline_announce_container(const struct container_info *info, const char *action, void *pipeline)
{
	struct pipeline *p = pipeline;
	struct timespec now;
	char time_text[48];
	json_t *obj;

	if (!p->events_out)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	json_format_time((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, time_text, sizeof(time_text));
	obj = json_pack("{s:s, s:s, s:s, s:o, s:o}", "time", time_text, "type", "container", "action", action,
			"container", container_summary_json(info), "posture", container_info_posture_json(info));
	if (!obj || json_dumpf(obj, p->events_out, JSON_COMPACT) || fputc('\n', p->events_out) == EOF)
		p->stats.write_errors++;
	else
		p->stats.written++;
	json_decref(obj);
}

int pipeline_handle(struct pipeline *p, const void *data, size_t len)
{
	struct event_context ctx = { 0 };
	struct container_ref container;
	struct event_view ev;
	char err[256];
	bool in_container = false;

	if (event_decode(data, len, &ev, err, sizeof(err))) {
		/* Log the first few; the count tells the rest. */
		if (p->stats.malformed++ < 10)
			log_warn("dropped a malformed event record: %s", err);
		return -EINVAL;
	}
	p->stats.received[ev.hdr.type]++;

	if (p->cgroups)
		ctx.cgroup_path = cgroup_resolver_path(p->cgroups, ev.hdr.cgroup_id);
	if (ctx.cgroup_path)
		in_container = container_from_cgroup_path(ctx.cgroup_path, &container);

	/* Exec and fork change the table whoever made them; exits are applied after output. */
	proc_table_apply(p->procs, &ev);

	if (!in_container && !p->monitor_host) {
		p->stats.host_dropped++;
	} else if (p->events_out) {
		ctx.ev = &ev;
		ctx.container = in_container ? &container : NULL;
		ctx.metadata = CONTAINER_METADATA_UNAVAILABLE;
		if (in_container && p->containers)
			ctx.container_info = container_table_get(p->containers, &container, &ctx.metadata);
		ctx.proc = proc_table_get(p->procs, ev.hdr.tgid);
		ctx.n_ancestors = proc_table_ancestors(p->procs, ev.hdr.tgid, ctx.ancestors,
						       EVENT_JSON_ANCESTORS_MAX);
		ctx.boot_to_unix_ns = p->boot_to_unix_ns;
		write_event(p, &ctx);
	}

	if (ev.hdr.type == VIGIL_EVENT_EXIT)
		proc_table_remove(p->procs, ev.hdr.tgid);
	return 0;
}
