// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "decode.h"
#include "loader.h"
#include "log.h"
#include "pipeline.h"

/* How often the process table forgets host processes that are gone. */
#define SWEEP_INTERVAL_SEC 30
/*
 * The kernel wakes the agent at most every 2 ms (see wakeup_flags in
 * bpf/vigil.bpf.h); the poll timeout bounds how long an event written
 * without a wakeup waits to be read.
 */
#define POLL_TIMEOUT_MS 10

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_stats_signal(int sig)
{
	(void)sig;
	stats_requested = 1;
}

static int install_signal_handlers(void)
{
	struct sigaction stop = { .sa_handler = on_stop_signal };
	struct sigaction stats = { .sa_handler = on_stats_signal };

	/* No SA_RESTART: the poll must return so the loop sees the flag. */
	sigemptyset(&stop.sa_mask);
	sigemptyset(&stats.sa_mask);
	if (sigaction(SIGINT, &stop, NULL) || sigaction(SIGTERM, &stop, NULL) ||
	    sigaction(SIGUSR1, &stats, NULL))
		return -errno;
	return 0;
}

static int handle_record(void *ctx, void *data, size_t len)
{
	pipeline_handle(ctx, data, len);
	return 0;
}

/* The kernel's counters and the pipeline's, on stderr: on exit and on SIGUSR1. */
static void report_counters(struct vigil_bpf *skel, const struct pipeline *p)
{
	struct vigil_counters totals[VIGIL_EVENT_TYPE_MAX];
	uint64_t dropped = 0;
	int err = loader_read_counters(skel, totals);

	if (err) {
		log_error("cannot read the kernel's event counters: %s", strerror(-err));
		return;
	}
	for (unsigned int type = 1; type < VIGIL_EVENT_TYPE_MAX; type++) {
		/* Types that saw nothing would bury the ones that did. */
		if (!totals[type].emitted && !totals[type].dropped && !totals[type].filtered &&
		    !p->stats.received[type])
			continue;
		log_info("counters: %s emitted=%llu dropped=%llu filtered=%llu received=%llu",
			 event_type_name(type), (unsigned long long)totals[type].emitted,
			 (unsigned long long)totals[type].dropped, (unsigned long long)totals[type].filtered,
			 (unsigned long long)p->stats.received[type]);
		dropped += totals[type].dropped;
	}
	log_info("counters: malformed=%llu host_dropped=%llu written=%llu write_errors=%llu",
		 (unsigned long long)p->stats.malformed, (unsigned long long)p->stats.host_dropped,
		 (unsigned long long)p->stats.written, (unsigned long long)p->stats.write_errors);
	if (dropped)
		log_warn("%llu events were lost because the ring buffer was full "
			 "(raise --ringbuf-size)", (unsigned long long)dropped);
}

int agent_run(const struct agent_options *o)
{
	struct loader_options lo = {
		.monitor_host = o->monitor_host,
		.ringbuf_bytes = o->ringbuf_bytes,
		.verbose = o->verbose,
	};
	struct pipeline pipeline = {
		.monitor_host = o->monitor_host,
		.events_out = o->print_events ? stdout : NULL,
	};
	struct vigil_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	char err_text[512], hooks[256];
	time_t last_sweep;
	int err, seeded;

	err = install_signal_handlers();
	if (err) {
		log_error("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}
	pipeline.procs = proc_table_new("/proc");
	if (!pipeline.procs) {
		log_error("out of memory");
		return 1;
	}
	pipeline.cgroups = cgroup_resolver_new(o->cgroup_mount, err_text, sizeof(err_text));
	if (!pipeline.cgroups) {
		log_error("%s", err_text);
		err = -ENOENT;
		goto cleanup;
	}
	if (o->no_engine)
		log_info("no Engine API (--no-engine): containers are named by id alone");
	pipeline.containers = container_table_new(o->no_engine ? NULL : &o->engine);
	if (!pipeline.containers) {
		err = -EINVAL;
		goto cleanup;
	}

	err = loader_start(&lo, &skel);
	if (err)
		goto cleanup;
	/* Seed after attaching: a process born in between is in the table either way. */
	seeded = proc_table_seed(pipeline.procs);
	if (seeded < 0)
		log_warn("cannot read /proc to seed the process table: %s", strerror(-seeded));
	pipeline.boot_to_unix_ns = pipeline_boot_to_unix_ns();

	rb = ring_buffer__new(loader_events_fd(skel), handle_record, &pipeline, NULL);
	if (!rb) {
		err = -errno;
		log_error("cannot open the ring buffer: %s", strerror(-err));
		goto cleanup;
	}

	log_info("ready: watching %s; cgroup2 at %s (ids resolved by %s); hooks: %s",
		 o->monitor_host ? "containers and the host" : "containers (host monitoring off)",
		 cgroup_resolver_mount(pipeline.cgroups), cgroup_resolver_method(pipeline.cgroups),
		 loader_hooks_summary(skel, hooks, sizeof(hooks)));
	last_sweep = time(NULL);
	while (!stop_requested) {
		err = ring_buffer__poll(rb, POLL_TIMEOUT_MS);
		if (err < 0 && err != -EINTR) {
			log_error("polling the ring buffer failed: %s", strerror(-err));
			goto cleanup;
		}
		container_table_drain(pipeline.containers, pipeline_announce_container, &pipeline);
		if (pipeline.events_out)
			fflush(pipeline.events_out);
		if (stats_requested) {
			stats_requested = 0;
			report_counters(skel, &pipeline);
		}
		if (time(NULL) - last_sweep >= SWEEP_INTERVAL_SEC) {
			proc_table_sweep(pipeline.procs);
			last_sweep = time(NULL);
		}
	}
	/*
	 * Detach first, so the counters read below are final, then report whatever the
	 * kernel wrote before the stop.
	 */
	loader_detach(skel);
	err = ring_buffer__consume(rb);
	if (err < 0)
		log_error("draining the ring buffer failed: %s", strerror(-err));
	else
		err = 0;
	if (pipeline.events_out)
		fflush(pipeline.events_out);
	report_counters(skel, &pipeline);

cleanup:
	ring_buffer__free(rb);
	loader_stop(skel);
	container_table_free(pipeline.containers);
	cgroup_resolver_free(pipeline.cgroups);
	proc_table_free(pipeline.procs);
	return err ? 1 : 0;
}
