// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a capture costs the event path, and how fast a capture replays, one
 * core, from a capture file written by `vigil run --capture`.
 *
 *	capture_throughput CAPTURE OUT RULES...
 *
 * The capture is read into memory first (reading and inflating it is not
 * timed). Then, in passes that alternate their order, each with fresh parts:
 *
 *   replay   its records through the pipeline as `vigil replay` does (state
 *            records into replay-mode parts, events to pipeline_handle), the
 *            rules given, alerts to a file sink on /dev/null: the baseline;
 *   capture  the same, with a capture to OUT attached to the pipeline, so
 *            that every event is captured again as `vigil run --capture`
 *            does it: the names read for the capture, the record copied into
 *            the current block (a new writer each pass: its blocks are new
 *            memory, as in a burst). Compressing and writing happen on the
 *            writer's own thread, kept on another CPU than the pipeline's:
 *            they are in `cpu_ratio` (the process's CPU time, every thread,
 *            until the file is closed) and `close_ms` (the wait at close for
 *            what was still queued, and fsync), not in events/s;
 *   append   capture_writer_append alone, every record of the file into a
 *            writer to OUT.append: the file writer's share of the event path.
 *
 * Events/s are events over the pipeline thread's CPU time, not the clock's:
 * on a shared machine another process taking the core mid-pass would
 * otherwise count as the pipeline's.
 *
 * A replay's parts do not tell observers what is put into them, so the
 * capture pass records the events (and the first keyframe), not the state
 * records: `state_records` says how many of the file's records those are.
 *
 * Printed on one line as key=value: events/s of the best pass of each, the
 * ratio of the best times (capture / replay), and the median and spread of
 * the ratio within each pair of passes (the figure the noise hurts least).
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alerting.h"
#include "capture.h"
#include "capture_file.h"
#include "capture_state.h"
#include "log.h"
#include "pipeline.h"
#include "rules_cli.h"

#define PASSES 15

/* The capture's records, in memory. */
struct record {
	uint16_t kind, flags;
	uint32_t len;
	int64_t time_ns;
	size_t off; /* into struct records.data */
};

struct records {
	struct record *rec;
	size_t n, cap;
	unsigned char *data;
	size_t size, data_cap;
	size_t events, state;
	/* From the header: as replay sets up its pipeline. */
	char hostname[256];
	int64_t boot_to_unix_ns;
	bool monitor_host, engine;
	unsigned int rate_burst;
	double rate_per_sec;
};

/*
 * The pipeline's thread on one CPU, the capture writer's thread on another
 * (it inherits the CPU its creator is on when it starts): so that the
 * writer's work never shares the pipeline's core, as the design intends,
 * however loaded the rest of the machine is. -1: one CPU only, no pinning.
 */
static int cpu_pipeline = -1, cpu_writer = -1;

static void choose_cpus(void)
{
	cpu_set_t allowed;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu_writer < 0; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		if (cpu_pipeline < 0)
			cpu_pipeline = cpu;
		else
			cpu_writer = cpu;
	}
	if (cpu_writer < 0)
		cpu_pipeline = -1;
}

/* Put the calling thread on cpu (nothing when -1). */
static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "capture_throughput: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * CPU time: of the calling thread (the pipeline's: what the event path costs
 * one core, whatever else shares it on a busy machine), or of the whole
 * process (every thread, the capture's writer included).
 */
static double cpu_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_problem(uint64_t offset, const char *why, void *ctx)
{
	fprintf(stderr, "capture_throughput: %s: at offset %llu: %s\n", (const char *)ctx,
		(unsigned long long)offset, why);
}

static int records_add(struct records *rs, const struct capture_record *rec)
{
	struct record *r;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 4096;
		struct record *bigger = realloc(rs->rec, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		rs->rec = bigger;
		rs->cap = cap;
	}
	if (rs->size + rec->len > rs->data_cap) {
		size_t cap = rs->data_cap ? rs->data_cap * 2 : 1u << 20;
		unsigned char *bigger;

		while (cap < rs->size + rec->len)
			cap *= 2;
		bigger = realloc(rs->data, cap);
		if (!bigger)
			return -ENOMEM;
		rs->data = bigger;
		rs->data_cap = cap;
	}
	r = &rs->rec[rs->n++];
	r->kind = rec->kind;
	r->flags = rec->flags;
	r->len = rec->len;
	r->time_ns = rec->time_ns;
	r->off = rs->size;
	if (rec->len)
		memcpy(rs->data + rs->size, rec->data, rec->len);
	rs->size += rec->len;
	if (rec->kind == CAPTURE_EVENT)
		rs->events++;
	else if (rec->kind != CAPTURE_TICK && rec->kind != CAPTURE_LOST)
		rs->state++;
	return 0;
}

/* The header's agent settings, as replay.c's apply_header and replay_run read them. */
static void read_header(struct records *rs, const json_t *h)
{
	const char *host = json_string_value(json_object_get(h, "host"));
	json_t *boot = json_object_get(h, "boot_to_unix_ns");
	json_t *agent = json_object_get(h, "agent");
	json_t *rate = json_object_get(agent, "rate_limit");

	snprintf(rs->hostname, sizeof(rs->hostname), "%s", host ? host : "");
	if (json_is_integer(boot))
		rs->boot_to_unix_ns = json_integer_value(boot);
	rs->monitor_host = json_is_true(json_object_get(agent, "monitor_host"));
	rs->engine = json_is_true(json_object_get(agent, "engine"));
	if (json_is_object(rate) && json_is_integer(json_object_get(rate, "burst"))) {
		rs->rate_burst = (unsigned int)json_integer_value(json_object_get(rate, "burst"));
		rs->rate_per_sec = json_number_value(json_object_get(rate, "per_sec"));
	}
}

static int records_load(const char *path, struct records *rs)
{
	struct capture_reader *r;
	struct capture_record rec;
	enum capture_read got;
	char err[512];

	r = capture_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "capture_throughput: %s\n", err);
		return -EINVAL;
	}
	read_header(rs, capture_reader_header(r));
	while ((got = capture_reader_next(r, &rec, err, sizeof(err), on_problem, (void *)path)) == CAPTURE_READ_RECORD)
		if (records_add(rs, &rec)) {
			fprintf(stderr, "capture_throughput: out of memory\n");
			capture_reader_close(r);
			return -ENOMEM;
		}
	capture_reader_close(r);
	if (got == CAPTURE_READ_ERROR) {
		fprintf(stderr, "capture_throughput: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static uint64_t matches;

static void count_match(const struct rule_match *match, void *ctx)
{
	(void)match;
	(void)ctx;
	matches++;
}

/* One pass's pipeline and parts, set up as `vigil replay` sets up its own. */
struct pass {
	struct pipeline p;
	struct capture_state_parts parts;
};

static int pass_setup(struct pass *s, const struct records *rs, struct rule_engine *rules, char *err, size_t errlen)
{
	static const char *const sinks[] = { "file:/dev/null" };

	memset(s, 0, sizeof(*s));
	s->p.procs = proc_table_new(NULL);
	s->p.cgroups = cgroup_resolver_new_replay();
	s->p.containers = container_table_new_replay(rs->engine);
	s->p.names = user_names_new_replay();
	s->p.hostname = rs->hostname;
	s->p.boot_to_unix_ns = rs->boot_to_unix_ns;
	s->p.monitor_host = rs->monitor_host;
	s->p.rules = rules;
	s->p.match_hook = count_match;
	s->p.alerting = alerting_new(sinks, 1, rs->rate_burst, rs->rate_per_sec, rs->hostname, rs->boot_to_unix_ns,
				     err, errlen);
	s->parts = (struct capture_state_parts){
		.procs = s->p.procs,
		.cgroups = s->p.cgroups,
		.containers = s->p.containers,
		.names = s->p.names,
		.announce = pipeline_announce_container,
		.announce_ctx = &s->p,
	};
	if (!s->p.procs || !s->p.cgroups || !s->p.containers || !s->p.names || !s->p.alerting) {
		if (s->p.alerting)
			snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void pass_free(struct pass *s)
{
	if (s->p.alerting) {
		alerting_finish(s->p.alerting, s->p.rules);
		alerting_stop(s->p.alerting, 5000);
	}
	alerting_free(s->p.alerting);
	container_table_free(s->p.containers);
	cgroup_resolver_free(s->p.cgroups);
	proc_table_free(s->p.procs);
	user_names_free(s->p.names);
}

/* Every record through the pipeline, as replay.c's replay_file does. */
static void replay_records(struct pass *s, const struct records *rs)
{
	char err[512];

	for (size_t i = 0; i < rs->n; i++) {
		const struct record *r = &rs->rec[i];
		struct capture_record rec = {
			.kind = r->kind, .flags = r->flags, .time_ns = r->time_ns, .data = rs->data + r->off, .len = r->len,
		};

		pipeline_set_now(&s->p, rec.time_ns);
		switch (rec.kind) {
		case CAPTURE_EVENT:
			pipeline_handle(&s->p, rec.data, rec.len);
			break;
		case CAPTURE_TICK:
			pipeline_tick(&s->p, rec.time_ns);
			/* The live agent's loop turn: seal old blocks, rotation, keyframes when due. */
			if (s->p.capture)
				capture_tick(s->p.capture);
			break;
		case CAPTURE_LOST:
			break;
		default:
			if (rec.kind < CAPTURE_KIND_MAX)
				capture_state_apply(&s->parts, &rec, err, sizeof(err));
		}
	}
}

struct timing {
	double path;  /* the records through the pipeline: the pipeline thread's CPU time */
	double close; /* capture_close: the rest of the queue compressed and written, fsync (wall) */
	double cpu;   /* every thread's CPU, until after close */
	long faults;  /* page faults of the pipeline thread on the path */
};

static long thread_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_minflt + ru.ru_majflt;
}

/* Pass without a capture (out NULL) or with one to out. */
static int run_pass(const struct records *rs, struct rule_engine *rules, const char *out, struct timing *t,
		    struct capture_stats *cs)
{
	struct pass s;
	char err[512];
	double c0, p0, w1;
	int rc = pass_setup(&s, rs, rules, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "capture_throughput: %s\n", err);
		pass_free(&s);
		return rc;
	}
	if (out) {
		struct capture_options o = { .path = out };
		json_t *header = capture_header_new(rs->hostname, rs->boot_to_unix_ns, rs->engine, rs->monitor_host,
						    rs->rate_burst, rs->rate_per_sec);

		/* A fresh file each pass: an existing one would be rotated to OUT.1. */
		unlink(out);
		pin(cpu_writer);
		s.p.capture = capture_new(&o, &s.parts, header, err, sizeof(err));
		pin(cpu_pipeline);
		json_decref(header);
		if (!s.p.capture) {
			fprintf(stderr, "capture_throughput: %s\n", err);
			pass_free(&s);
			return -EIO;
		}
	}
	c0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	t->faults = thread_faults();
	p0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	replay_records(&s, rs);
	t->path = cpu_s(CLOCK_THREAD_CPUTIME_ID) - p0;
	t->faults = thread_faults() - t->faults;
	w1 = mono_s();
	t->close = 0;
	if (s.p.capture) {
		capture_stats(s.p.capture, cs);
		rc = capture_close(s.p.capture, err, sizeof(err));
		s.p.capture = NULL;
		t->close = mono_s() - w1;
		if (rc)
			fprintf(stderr, "capture_throughput: %s\n", err);
	}
	t->cpu = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	pass_free(&s);
	return rc;
}

/*
 * capture_writer_append alone: every record of the file into a writer to out.
 * path: the appending thread's CPU time; writer: the writer thread's, from
 * open to close (the process's CPU time but the appending thread's).
 */
static int run_append(const struct records *rs, const char *out, const json_t *header, double *path, double *writer)
{
	struct capture_writer_options o = { .path = out, .header = header };
	struct capture_writer *w;
	char err[512];
	double t0, proc0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID), thread0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	int rc;

	unlink(out);
	pin(cpu_writer);
	w = capture_writer_open(&o, err, sizeof(err));
	pin(cpu_pipeline);
	if (!w) {
		fprintf(stderr, "capture_throughput: %s\n", err);
		return -EIO;
	}
	t0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	for (size_t i = 0; i < rs->n; i++) {
		const struct record *r = &rs->rec[i];
		struct capture_record rec = {
			.kind = r->kind, .flags = r->flags, .time_ns = r->time_ns, .data = rs->data + r->off, .len = r->len,
		};

		capture_writer_append(w, &rec);
	}
	*path = cpu_s(CLOCK_THREAD_CPUTIME_ID) - t0;
	rc = capture_writer_close(w, err, sizeof(err));
	if (rc)
		fprintf(stderr, "capture_throughput: %s\n", err);
	*writer = (cpu_s(CLOCK_PROCESS_CPUTIME_ID) - proc0) - (cpu_s(CLOCK_THREAD_CPUTIME_ID) - thread0);
	return rc;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* " NAME_median=... NAME_min=... NAME_max=..." of v (sorted here), values scaled by scale. */
static void print_spread(const char *name, double *v, size_t n, double scale)
{
	qsort(v, n, sizeof(*v), compare_double);
	printf(" %s_median=%.3f %s_min=%.3f %s_max=%.3f", name,
	       (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) * scale, name, v[0] * scale, name, v[n - 1] * scale);
}

int main(int argc, char **argv)
{
	struct records rs = { 0 };
	struct rule_set *set = NULL;
	struct rule_engine *rules = NULL;
	struct rules_summary summary;
	double best_replay = 1e30, best_capture = 1e30, best_append = 1e30, best_writer = 1e30;
	double ratio[PASSES], cpu_ratio[PASSES], close_s[PASSES], faults[PASSES];
	uint64_t matches_replay = 0, matches_capture = 0, dropped = 0, captured = 0;
	json_t *header = NULL;
	struct stat st;
	char out_append[4096];
	int status = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CAPTURE OUT RULES...\n", argv[0]);
		return 2;
	}
	log_set_level(LOG_LEVEL_WARN);
	choose_cpus();
	pin(cpu_pipeline);
	if (records_load(argv[1], &rs))
		goto out;
	if (!rs.events) {
		fprintf(stderr, "capture_throughput: %s holds no events\n", argv[1]);
		goto out;
	}
	if (rules_load((const char *const *)argv + 3, argc - 3, &set, &rules))
		goto out;
	rules_summarize(rules, &summary);
	snprintf(out_append, sizeof(out_append), "%s.append", argv[2]);
	header = capture_header_new(rs.hostname, rs.boot_to_unix_ns, rs.engine, rs.monitor_host, rs.rate_burst,
				    rs.rate_per_sec);

	for (int i = 0; i < PASSES; i++) {
		struct timing replay, capture;
		struct capture_stats cs = { 0 };
		double append, writer;

		/* Alternate the order, so that neither side always runs on a warmer cache. */
		for (int k = 0; k < 2; k++) {
			bool with_capture = (k + i) % 2;
			uint64_t before = matches;

			if (run_pass(&rs, rules, with_capture ? argv[2] : NULL, with_capture ? &capture : &replay, &cs))
				goto out;
			if (with_capture)
				matches_capture = matches - before;
			else
				matches_replay = matches - before;
		}
		if (run_append(&rs, out_append, header, &append, &writer))
			goto out;
		if (cs.dropped > dropped)
			dropped = cs.dropped;
		captured = cs.events;
		ratio[i] = capture.path / replay.path;
		cpu_ratio[i] = capture.cpu / replay.cpu;
		close_s[i] = capture.close;
		faults[i] = (double)(capture.faults - replay.faults) / rs.events;
		if (replay.path < best_replay)
			best_replay = replay.path;
		if (capture.path < best_capture)
			best_capture = capture.path;
		if (append < best_append)
			best_append = append;
		if (writer < best_writer)
			best_writer = writer;
	}
	if (matches_replay != matches_capture)
		fprintf(stderr, "capture_throughput: %llu matches without the capture, %llu with it\n",
			(unsigned long long)matches_replay, (unsigned long long)matches_capture);
	if (stat(argv[2], &st))
		st.st_size = 0;
	printf("events=%zu records=%zu state_records=%zu rules=%zu matches_per_pass=%llu captured=%llu dropped=%llu "
	       "replay_eps=%.0f capture_eps=%.0f ratio=%.3f",
	       rs.events, rs.n, rs.state, summary.loaded, (unsigned long long)matches_replay,
	       (unsigned long long)captured, (unsigned long long)dropped, rs.events / best_replay,
	       rs.events / best_capture, best_capture / best_replay);
	print_spread("ratio", ratio, PASSES, 1);
	print_spread("cpu_ratio", cpu_ratio, PASSES, 1);
	print_spread("close_ms", close_s, PASSES, 1e3);
	print_spread("extra_faults_per_kevent", faults, PASSES, 1e3);
	printf(" writer_eps=%.0f writer_mbps=%.0f", rs.events / best_writer,
	       (rs.size + rs.n * CAPTURE_RECORD_HEADER) / best_writer / 1e6);
	printf(" append_ns_per_record=%.1f recapture_bytes_per_event=%.1f raw_bytes_per_record=%.1f passes=%d pinned=%d\n",
	       best_append / rs.n * 1e9, (double)st.st_size / rs.events,
	       (double)(rs.size + rs.n * CAPTURE_RECORD_HEADER) / rs.n, PASSES, cpu_writer >= 0);
	status = 0;
out:
	json_decref(header);
	rule_engine_free(rules);
	rule_set_free(set);
	free(rs.rec);
	free(rs.data);
	return status;
}
