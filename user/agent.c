// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "alerting.h"
#include "clock.h"
#include "decode.h"
#include "enforce.h"
#include "enforce_undo.h"
#include "event_schema.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "rules_cli.h"
#include "user_names.h"

/* How often the process table forgets host processes that are gone. */
#define SWEEP_INTERVAL_SEC 30
/* How often vigil checks its own health (events lost, the Engine API, the sinks). */
#define HEALTH_INTERVAL_SEC 5
/* How long the sinks may take to write what is queued at exit. */
#define SINKS_DRAIN_MS 5000
/*
 * The kernel wakes the agent at most every 2 ms (see wakeup_flags in
 * bpf/vigil.bpf.h); the poll timeout bounds how long an event written
 * without a wakeup waits to be read (the loop reads after each timeout).
 */
#define POLL_TIMEOUT_MS 10

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;
static volatile sig_atomic_t reload_requested;

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

/* The reload itself runs in the main loop: loading files and freeing memory are no work for a handler. */
static void on_reload_signal(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static int install_signal_handlers(void)
{
	struct sigaction stop = { .sa_handler = on_stop_signal };
	struct sigaction stats = { .sa_handler = on_stats_signal };
	struct sigaction reload = { .sa_handler = on_reload_signal };

	/* No SA_RESTART: the poll must return so the loop sees the flag. */
	sigemptyset(&stop.sa_mask);
	sigemptyset(&stats.sa_mask);
	sigemptyset(&reload.sa_mask);
	if (sigaction(SIGINT, &stop, NULL) || sigaction(SIGTERM, &stop, NULL) ||
	    sigaction(SIGUSR1, &stats, NULL) || sigaction(SIGHUP, &reload, NULL))
		return -errno;
	return 0;
}

/* The rules the agent runs, and the files they come from, read again on SIGHUP. */
struct agent_rules {
	const char *const *files;
	size_t n_files;
	struct rule_set *set;
	struct rule_engine *engine; /* NULL: --no-rules */
	struct enforce_policy policy; /* the deny and kill rules, compiled for the kernel */
};

static const char *rules_files_text(const struct agent_rules *r, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n_files && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", r->files[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

static void log_rules_loaded(const struct agent_rules *r, const char *what)
{
	struct rules_summary s;
	char files[1024], inert[96] = "";

	rules_summarize(r->engine, &s);
	if (s.inert)
		snprintf(inert, sizeof(inert), ", %zu inert (they need events vigil does not capture)", s.inert);
	log_info("%s: %zu loaded, %zu disabled, %zu skipped%s, from %s", what, s.loaded, s.disabled, s.skipped,
		 inert, rules_files_text(r, files, sizeof(files)));
}

/*
 * What the rules need the kernel to see, for loader_feed_rule_needs; said on
 * stderr, with a warning for each rule whose file tests the watch list
 * cannot narrow. 0 or -ENOMEM (logged).
 */
static int rules_kernel_needs(const struct rule_engine *engine, struct rule_kernel_needs *needs)
{
	char caps[1024], families[512];

	if (rule_engine_kernel_needs(engine, needs)) {
		log_error("out of memory while working out what the rules need of the kernel");
		return -ENOMEM;
	}
	/* Each says which rule and why: its file tests cannot add to the kernel's watch list. */
	for (size_t i = 0; i < needs->n_unnarrowed; i++)
		log_warn("%s", needs->unnarrowed[i]);
	log_info("kernel filters for the rules: %zu path prefixes, %zu file names; capabilities: %s; "
		 "socket families: %s", needs->n_path_prefixes, needs->n_path_names,
		 rules_mask_names(needs->capabilities, FIELD_CAP, caps, sizeof(caps)),
		 rules_mask_names(needs->socket_families, FIELD_SOCKET_FAMILY, families, sizeof(families)));
	return 0;
}

static void log_enforce_error(const char *message, void *ctx)
{
	(void)ctx;
	log_error("%s", message);
}

/*
 * The deny and kill rules of engine, compiled for the kernel into *policy.
 * 0, or -EINVAL when a rule cannot be decided there (each said on stderr),
 * or -ENOMEM.
 */
static int rules_enforce_policy(const struct rule_engine *engine, struct enforce_policy *policy)
{
	int failed = enforce_compile(engine, policy, log_enforce_error, NULL);

	if (failed < 0) {
		log_error("out of memory while compiling the deny and kill rules for the kernel");
		return failed;
	}
	if (failed) {
		log_error("%d deny or kill rule%s cannot be enforced in the kernel (above)", failed,
			  failed == 1 ? "" : "s");
		enforce_policy_free(policy);
		return -EINVAL;
	}
	return 0;
}

static const char *type_names(uint64_t types, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int t = 1; t < VIGIL_EVENT_TYPE_MAX && t < 64 && used < size; t++) {
		int n;

		if (!(types & (1ull << t)))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", event_type_name(t));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

/*
 * Say what enforcement will do: how many rules, the mode, and for each deny
 * rule the operations no LSM hook decides here, where it falls back to kill.
 */
static void log_enforcement(const struct rule_engine *engine, const struct enforce_policy *policy,
			    uint64_t lsm_types, uint64_t decided_types, bool off)
{
	const uint64_t modules = (1ull << VIGIL_EVENT_INIT_MODULE) | (1ull << VIGIL_EVENT_FINIT_MODULE);
	char names[512];

	if (!policy->n_deny_rules && !policy->n_kill_rules)
		return;
	log_info("enforcement %s: %zu deny and %zu kill rule%s, %zu kernel terms; %s", off ? "off (dry run)" : "on",
		 policy->n_deny_rules, policy->n_kill_rules, policy->n_kill_rules == 1 ? "" : "s", policy->n_terms,
		 lsm_types ? "BPF-LSM decides what it has hooks for, the tracepoints the rest (kill only)"
			   : "no BPF-LSM here: the tracepoints decide, and kill");
	for (size_t i = 0; i < policy->n_terms; i++) {
		const struct vigil_enforce_term *t = &policy->terms[i];
		uint64_t types = 0, fallback = 0, undecided, late;
		const struct rule_info *rule;
		const char *name;
		bool said = false;

		/* One look per rule, at the types of all its terms. */
		for (size_t j = 0; j < i; j++)
			said |= policy->terms[j].rule == t->rule;
		if (said)
			continue;
		for (size_t j = i; j < policy->n_terms; j++) {
			if (policy->terms[j].rule != t->rule)
				continue;
			types |= policy->terms[j].types;
			if (policy->terms[j].action == VIGIL_ENFORCE_DENY)
				fallback |= policy->terms[j].types & ~lsm_types;
		}
		rule = rule_engine_rule(engine, t->rule);
		name = rule ? rule->def->name : "?";
		undecided = types & ~decided_types;
		late = types & modules & decided_types & ~lsm_types;
		fallback &= decided_types;
		if (undecided)
			log_warn("rule '%s': this kernel has no hook for %s, so nothing enforces it there", name,
				 type_names(undecided, names, sizeof(names)));
		if (fallback)
			log_warn("rule '%s' (action: deny): no LSM hook decides %s here, so it kills the process "
				 "instead%s", name, type_names(fallback, names, sizeof(names)),
				 lsm_types ? "" : " (this kernel does not run BPF-LSM programs)");
		if (late)
			log_warn("rule '%s': without BPF-LSM a kill for %s comes when the call returns, after the "
				 "module is loaded; only an LSM hook stops the load itself", name,
				 type_names(late, names, sizeof(names)));
	}
}

/*
 * Load and compile the rules -r named (or the default file), before anything
 * else is set up: on any error, every message is on stderr and vigil does not
 * start.
 */
static int rules_start(const struct agent_options *o, struct agent_rules *r)
{
	static const char *const default_files[] = { AGENT_DEFAULT_RULES };
	int err;

	if (o->n_rules_files) {
		r->files = o->rules_files;
		r->n_files = o->n_rules_files;
	} else if (access(AGENT_DEFAULT_RULES, F_OK) == 0) {
		r->files = default_files;
		r->n_files = 1;
	} else {
		log_error("no rules: %s does not exist; give a rules file with -r FILE, or run without rules "
			  "(events only) with --no-rules", AGENT_DEFAULT_RULES);
		return -ENOENT;
	}
	err = rules_load(r->files, r->n_files, &r->set, &r->engine);
	if (err == -EINVAL)
		log_error("vigil run refuses to start on a bad rules file (`vigil rules check FILE...` "
			  "lists every problem)");
	if (!err)
		err = rules_enforce_policy(r->engine, &r->policy);
	if (err)
		return err;
	log_rules_loaded(r, "rules");
	return 0;
}

/*
 * SIGHUP: load and compile the same files again. On any error, every message
 * is logged and the rules loaded before stay; on success the new rules
 * replace them, after the kernel's filters are widened to what they need.
 */
static void reload_rules(struct agent_rules *r, struct pipeline *p, struct vigil_bpf *skel, bool enforce_off)
{
	struct enforce_policy policy = { 0 };
	struct rule_kernel_needs needs = { 0 };
	struct rules_summary before;
	struct rule_engine *engine;
	struct rule_set *set;
	char files[1024];

	if (!r->engine) {
		log_info("SIGHUP: no rules to reload (--no-rules)");
		return;
	}
	rules_summarize(r->engine, &before);
	log_info("SIGHUP: reloading the rules from %s", rules_files_text(r, files, sizeof(files)));
	if (rules_load(r->files, r->n_files, &set, &engine)) {
		log_error("the rules did not reload: keeping the %zu rules loaded before", before.loaded);
		return;
	}
	if (rules_kernel_needs(engine, &needs) || rules_enforce_policy(engine, &policy) ||
	    loader_set_enforce_policy(skel, &policy)) {
		log_error("keeping the %zu rules loaded before", before.loaded);
		rule_kernel_needs_free(&needs);
		enforce_policy_free(&policy);
		rule_engine_free(engine);
		rule_set_free(set);
		return;
	}
	loader_feed_rule_needs(skel, &needs);
	rule_kernel_needs_free(&needs);
	enforce_policy_free(&r->policy);
	rule_engine_free(r->engine);
	rule_set_free(r->set);
	r->engine = engine;
	r->set = set;
	r->policy = policy;
	p->rules = engine;
	log_rules_loaded(r, "rules reloaded");
	log_enforcement(engine, &r->policy, loader_lsm_types(skel), loader_decided_types(skel), enforce_off);
	/* The ring of capture on alert was sized at start, for the rules of then. */
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++) {
		const struct rule_info *rule = rule_engine_rule(engine, i);

		if (rule->status == RULE_LOADED && rule->capture &&
		    rule->capture_before_ns > capture_ring_ns(p->capture))
			log_warn("rule \"%s\" keeps %llu s of evidence before its alerts, but the ring was sized "
				 "at start for %llu s: its evidence holds less until vigil restarts", rule->def->name,
				 (unsigned long long)(rule->capture_before_ns / 1000000000),
				 (unsigned long long)(capture_ring_ns(p->capture) / 1000000000));
	}
	/* The watch list only grows (loader_feed_rule_needs says why). */
	log_info("paths watched for the rules before stay watched until vigil restarts");
}

/*
 * A mount that a tracepoint's kill could not stop (enforce_undo.h): taken
 * down at once, before the record goes on, and said; an Error alert when it
 * cannot be.
 */
static void undo_killed_mount(struct pipeline *p, const void *data, size_t len)
{
	struct vigil_event_header hdr;
	struct event_view v;
	char err[512], text[1024];
	const struct event_str *target;

	if (len < sizeof(hdr))
		return;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.type != VIGIL_EVENT_MOUNT || hdr.verdict != VIGIL_VERDICT_KILLED)
		return;
	if (event_decode(data, len, &v, err, sizeof(err)) || !enforce_undo_wanted(&v))
		return;
	target = &v.syscall.strs[1];
	switch (enforce_undo_mount("/proc", v.hdr.mntns_ino, v.hdr.tgid, target->ptr, target->len, err,
				   sizeof(err))) {
	case UNDO_DONE:
		log_info("undid the mount on %.*s that pid %u made as it was killed (mount namespace %llu)",
			 (int)(target->len < 512 ? target->len : 512), target->ptr, v.hdr.tgid,
			 (unsigned long long)v.hdr.mntns_ino);
		return;
	case UNDO_GONE:
		log_info("the mount pid %u made as it was killed went with its mount namespace", v.hdr.tgid);
		return;
	case UNDO_FAILED:
		break;
	}
	snprintf(text, sizeof(text), "pid %u was killed for a mount, but the kill could not stop the mount itself "
		 "and vigil could not take it down: %s", v.hdr.tgid, err);
	log_error("%s", text);
	if (p->alerting)
		alerting_health(p->alerting, RULE_PRIORITY_ERROR, "vigil: a killed mount stayed", text);
}

static int handle_record(void *ctx, void *data, size_t len)
{
	undo_killed_mount(ctx, data, len);
	pipeline_handle(ctx, data, len);
	return 0;
}

/*
 * What vigil knows of its own health, to raise an internal alert when it
 * changes for the worse: events the kernel lost, the Engine API lost, a sink
 * dropping alerts.
 */
struct health {
	uint64_t kernel_dropped;
	enum container_api_state api;
	time_t last_check;
};

static void check_kernel_drops(struct health *h, struct vigil_bpf *skel, struct pipeline *p)
{
	struct alerting *a = p->alerting;
	struct vigil_counters totals[VIGIL_EVENT_TYPE_MAX];
	char text[1024];
	size_t used;
	uint64_t dropped = 0;

	if (loader_read_counters(skel, totals))
		return;
	for (unsigned int type = 1; type < VIGIL_EVENT_TYPE_MAX; type++)
		dropped += totals[type].dropped;
	if (dropped <= h->kernel_dropped)
		return;
	used = (size_t)snprintf(text, sizeof(text), "the kernel lost %llu events (%llu since vigil started) because "
				"the ring buffer was full; raise --ringbuf-size. In all, by type:",
				(unsigned long long)(dropped - h->kernel_dropped), (unsigned long long)dropped);
	for (unsigned int type = 1; type < VIGIL_EVENT_TYPE_MAX && used < sizeof(text); type++)
		if (totals[type].dropped)
			used += (size_t)snprintf(text + used, sizeof(text) - used, " %s=%llu", event_type_name(type),
						 (unsigned long long)totals[type].dropped);
	if (p->capture)
		capture_lost(p->capture, dropped - h->kernel_dropped, "the kernel's ring buffer was full");
	h->kernel_dropped = dropped;
	if (a)
		alerting_health(a, RULE_PRIORITY_ERROR, "vigil: events lost", text);
}

static void check_engine_api(struct health *h, struct container_table *containers, struct alerting *a)
{
	char why[512], text[640];
	enum container_api_state now = container_table_api_state(containers, why, sizeof(why));

	/* Lost, once it had answered; its absence from the start is said at start. */
	if (h->api == CONTAINER_API_UP && now == CONTAINER_API_DOWN) {
		snprintf(text, sizeof(text), "lost the Engine API (%s): containers are named by id alone until it "
			 "answers again", why);
		alerting_health(a, RULE_PRIORITY_ERROR, "vigil: Engine API lost", text);
	} else if (h->api == CONTAINER_API_DOWN && now == CONTAINER_API_UP) {
		alerting_health(a, RULE_PRIORITY_NOTICE, "vigil: Engine API back",
				"the Engine API answers again: containers are named again");
	}
	if (now == CONTAINER_API_UP || now == CONTAINER_API_DOWN)
		h->api = h->api == CONTAINER_API_STARTING && now == CONTAINER_API_DOWN ? CONTAINER_API_STARTING : now;
}

static void check_health(struct health *h, struct vigil_bpf *skel, struct pipeline *p, bool now)
{
	if ((!p->alerting && !p->capture) || (!now && time(NULL) - h->last_check < HEALTH_INTERVAL_SEC))
		return;
	h->last_check = time(NULL);
	check_kernel_drops(h, skel, p);
	if (!p->alerting)
		return;
	check_engine_api(h, p->containers, p->alerting);
	alerting_check_sinks(p->alerting);
	/* The rate limiter's summaries; in the capture too, so that replay gives them at the same place. */
	pipeline_tick(p, clock_ns(CLOCK_REALTIME));
}

/*
 * The capture, when asked for (--capture) or when a rule keeps evidence
 * (capture: true: the ring spans the longest `before` any rule asks for).
 */
static int capture_start(const struct agent_options *o, struct pipeline *p, struct capture **out)
{
	struct capture_options co = o->capture;
	struct capture_state_parts parts = {
		.procs = p->procs,
		.cgroups = p->cgroups,
		.containers = p->containers,
		.names = p->names,
	};
	char err[512];
	json_t *header;

	for (size_t i = 0; p->rules && i < rule_engine_rule_count(p->rules); i++) {
		const struct rule_info *rule = rule_engine_rule(p->rules, i);

		if (rule->status != RULE_LOADED || !rule->capture)
			continue;
		/* The ring keeps at least a second, so that even capture_duration 0 has the alert's own event. */
		if (rule->capture_before_ns + 1000000000ull > co.ring_ns)
			co.ring_ns = rule->capture_before_ns + 1000000000ull;
		if (rule->capture_after_ns > co.after_max_ns)
			co.after_max_ns = rule->capture_after_ns;
	}
	if (!co.path && !co.ring_ns)
		return 0;
	if (co.ring_ns && mkdir(co.alert_dir, 0700) && errno != EEXIST) {
		log_error("cannot make %s for the evidence of `capture: true` rules: %s (--alert-capture-dir)",
			  co.alert_dir, strerror(errno));
		return -errno;
	}
	header = capture_header_new(p->hostname, p->boot_to_unix_ns, !o->no_engine, o->monitor_host,
				    o->rate_burst, o->rate_per_sec);
	*out = capture_new(&co, &parts, header, err, sizeof(err));
	json_decref(header);
	if (!*out) {
		log_error("%s", err);
		return -EINVAL;
	}
	if (co.path)
		log_info("capturing to %s (rotated at %llu MiB%s, %u kept)", co.path,
			 (unsigned long long)(co.max_bytes >> 20), co.max_age_ns ? " and by age" : "", co.keep);
	if (co.ring_ns)
		log_info("capture on alert: the last %llu s of events are kept in memory; evidence goes to %s",
			 (unsigned long long)(co.ring_ns / 1000000000), co.alert_dir);
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
	log_info("counters: malformed=%llu host_dropped=%llu written=%llu alerts=%llu write_errors=%llu",
		 (unsigned long long)p->stats.malformed, (unsigned long long)p->stats.host_dropped,
		 (unsigned long long)p->stats.written, (unsigned long long)p->stats.alerts,
		 (unsigned long long)p->stats.write_errors);
	if (dropped)
		log_warn("%llu events were lost because the ring buffer was full "
			 "(raise --ringbuf-size)", (unsigned long long)dropped);
	if (p->alerting) {
		struct alerting_stats as;
		struct sinks *sinks = alerting_sinks(p->alerting);

		alerting_stats(p->alerting, &as);
		log_info("counters: alerts sent=%llu rate-limited=%llu summaries=%llu health=%llu",
			 (unsigned long long)as.alerts, (unsigned long long)as.suppressed,
			 (unsigned long long)as.summaries, (unsigned long long)as.health);
		for (size_t i = 0; i < sinks_count(sinks); i++) {
			struct sink_stats st;

			sinks_stats(sinks, i, &st);
			log_info("counters: output %s written=%llu dropped=%llu filtered=%llu failures=%llu queued=%zu %s",
				 sinks_name(sinks, i), (unsigned long long)st.written, (unsigned long long)st.dropped,
				 (unsigned long long)st.filtered, (unsigned long long)st.failures, st.queued,
				 st.up ? "up" : "down");
		}
	}
}

static int count_container(const char *id, enum container_metadata state, const char *answer, size_t answer_len,
			   void *count)
{
	(void)id;
	(void)state;
	(void)answer;
	(void)answer_len;
	++*(uint64_t *)count;
	return 0;
}

/* This process's resident memory in bytes, from /proc/self/statm; 0 when unknown. */
static uint64_t resident_bytes(void)
{
	unsigned long long size, resident;
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/*
 * Render the counters of the loop's thread and hand the text to the metrics
 * endpoint's thread, which reads nothing else of the pipeline.
 */
static void publish_metrics(struct metrics_server *m, struct vigil_bpf *skel, const struct pipeline *p)
{
	struct metrics_snapshot s = {
		.version = VIGIL_VERSION,
		.rss_bytes = resident_bytes(),
	};
	struct metrics_output *outputs = NULL;
	struct metrics_rule_alerts *rules = NULL;
	char *text;
	size_t len;

	memcpy(s.received, p->stats.received, sizeof(s.received));
	memcpy(s.verdicts, p->stats.verdicts, sizeof(s.verdicts));
	s.have_kernel = loader_read_counters(skel, s.kernel) == 0;
	if (p->containers)
		container_table_foreach(p->containers, count_container, &s.containers_tracked);
	if (p->alerting) {
		struct sinks *sinks = alerting_sinks(p->alerting);
		const struct alerting_rule_count *counts;
		struct alerting_stats as;
		size_t n_counts = alerting_rule_counts(p->alerting, &counts);

		alerting_stats(p->alerting, &as);
		s.have_alerting = true;
		s.rate_limited = as.suppressed;
		s.health_alerts = as.health;
		rules = calloc(n_counts ? n_counts : 1, sizeof(*rules));
		outputs = calloc(sinks_count(sinks) ? sinks_count(sinks) : 1, sizeof(*outputs));
		if (!rules || !outputs)
			goto out;
		for (size_t i = 0; i < n_counts; i++)
			rules[i] = (struct metrics_rule_alerts){ counts[i].rule, counts[i].priority, counts[i].alerts };
		s.rules = rules;
		s.n_rules = n_counts;
		for (size_t i = 0; i < sinks_count(sinks); i++) {
			struct sink_stats st;

			sinks_stats(sinks, i, &st);
			outputs[i] = (struct metrics_output){ sinks_name(sinks, i), st.written, st.dropped, st.queued };
		}
		s.outputs = outputs;
		s.n_outputs = sinks_count(sinks);
	}
	text = metrics_render(&s, &len);
	if (text)
		metrics_state_publish(metrics_server_state(m), text, len);
out:
	free(rules);
	free(outputs);
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
	struct health health = { .api = CONTAINER_API_STARTING };
	struct rule_kernel_needs needs = { 0 };
	struct agent_rules rules = { 0 };
	struct vigil_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct metrics_server *metrics = NULL;
	struct metrics_address metrics_addr;
	char err_text[512], hooks[256], hostname[HOST_NAME_MAX + 1] = "";
	int64_t last_metrics_ns = 0;
	time_t last_sweep;
	int err, seeded;

	/* A bad address is a mistake on the command line: said before anything else happens. */
	if (o->metrics_address && metrics_parse_address(o->metrics_address, &metrics_addr, err_text, sizeof(err_text))) {
		log_error("%s", err_text);
		return 1;
	}
	err = install_signal_handlers();
	if (err) {
		log_error("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}
	err = loader_check_prerequisites();
	if (err)
		return 1;
	if (o->no_rules) {
		log_info("no rules (--no-rules): %s", o->print_events ? "events only" : "nothing will be reported "
			 "without --events");
	} else {
		err = rules_start(o, &rules);
		if (!err)
			err = rules_kernel_needs(rules.engine, &needs);
		if (err)
			goto cleanup;
		lo.rule_needs = &needs;
	}
	pipeline.rules = rules.engine;
	if (o->record_raw) {
		pipeline.record_out = fopen(o->record_raw, "we");
		if (!pipeline.record_out) {
			err = -errno;
			log_error("cannot open %s for --record-raw: %s", o->record_raw, strerror(-err));
			goto cleanup;
		}
	}
	gethostname(hostname, sizeof(hostname) - 1);
	pipeline.hostname = hostname;
	pipeline.boot_to_unix_ns = pipeline_boot_to_unix_ns();
	if (pipeline.rules) {
		/* The sinks exist with rules: alerts, and vigil's own health alerts, go there. */
		pipeline.alerting = alerting_new(o->outputs, o->n_outputs, o->rate_burst, o->rate_per_sec, hostname,
						 pipeline.boot_to_unix_ns, err_text, sizeof(err_text));
		if (!pipeline.alerting) {
			log_error("%s", err_text);
			err = -EINVAL;
			goto cleanup;
		}
	} else if (o->n_outputs) {
		log_warn("--no-rules: no alerts, so -o has nothing to send");
	}
	pipeline.names = user_names_new("/proc", "/etc/hosts");
	if (!pipeline.names) {
		log_error("out of memory");
		err = -ENOMEM;
		goto cleanup;
	}

	pipeline.procs = proc_table_new("/proc");
	if (!pipeline.procs) {
		log_error("out of memory");
		err = -ENOMEM;
		goto cleanup;
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
	/* Before the seed: the processes read from /proc are the capture's first records. */
	err = capture_start(o, &pipeline, &pipeline.capture);
	if (err)
		goto cleanup;
	/* Before the BPF programs load: an address in use stops vigil before it takes its time. */
	if (o->metrics_address) {
		metrics = metrics_server_start(&metrics_addr, o->metrics_address, err_text, sizeof(err_text));
		if (!metrics) {
			log_error("%s", err_text);
			err = -EADDRINUSE;
			goto cleanup;
		}
		log_info("metrics: http://%s/metrics, health: http://%s/healthz", o->metrics_address,
			 o->metrics_address);
	}

	lo.no_lsm = o->no_lsm;
	lo.enforce_off = o->enforce_off;
	err = loader_start(&lo, &skel);
	if (err)
		goto cleanup;
	if (rules.engine) {
		err = loader_set_enforce_policy(skel, &rules.policy);
		if (err)
			goto cleanup;
		log_enforcement(rules.engine, &rules.policy, loader_lsm_types(skel), loader_decided_types(skel),
				o->enforce_off);
	}
	/* Seed after attaching: a process born in between is in the table either way. */
	seeded = proc_table_seed(pipeline.procs);
	if (seeded < 0)
		log_warn("cannot read /proc to seed the process table: %s", strerror(-seeded));

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
		/*
		 * The poll reads only after a wakeup; records the kernel wrote without
		 * one (wakeup_flags) wait for the next, which may not come while the
		 * machine is quiet. A timeout reads them.
		 */
		if (err == 0)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			log_error("polling the ring buffer failed: %s", strerror(-err));
			if (metrics) {
				snprintf(err_text, sizeof(err_text), "polling the ring buffer failed: %s",
					 strerror(-err));
				metrics_state_fail(metrics_server_state(metrics), err_text);
			}
			goto cleanup;
		}
		pipeline_set_now(&pipeline, clock_ns(CLOCK_REALTIME));
		container_table_drain(pipeline.containers, pipeline_announce_container, &pipeline);
		if (pipeline.capture)
			capture_tick(pipeline.capture);
		/* Events and alerts leave once per round, not held in the buffer. */
		fflush(stdout);
		if (stats_requested) {
			stats_requested = 0;
			report_counters(skel, &pipeline);
		}
		if (reload_requested) {
			reload_requested = 0;
			reload_rules(&rules, &pipeline, skel, o->enforce_off);
			if (pipeline.alerting)
				alerting_reopen(pipeline.alerting);
		}
		check_health(&health, skel, &pipeline, false);
		if (metrics) {
			int64_t now = clock_ns(CLOCK_MONOTONIC);

			metrics_state_heartbeat(metrics_server_state(metrics), now);
			if (now - last_metrics_ns >= METRICS_PUBLISH_INTERVAL_NS) {
				publish_metrics(metrics, skel, &pipeline);
				last_metrics_ns = now;
			}
		}
		if (time(NULL) - last_sweep >= SWEEP_INTERVAL_SEC) {
			pipeline_set_now(&pipeline, clock_ns(CLOCK_REALTIME));
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
	fflush(stdout);
	/* The last word on health and rate limits, then the sinks write out what they hold. */
	check_health(&health, skel, &pipeline, true);
	alerting_finish(pipeline.alerting, pipeline.rules);
	alerting_stop(pipeline.alerting, SINKS_DRAIN_MS);
	report_counters(skel, &pipeline);
	if (pipeline.capture) {
		struct capture_stats cs;

		capture_stats(pipeline.capture, &cs);
		if (capture_close(pipeline.capture, err_text, sizeof(err_text))) {
			log_error("capture: %s", err_text);
			err = err ? err : -EIO;
		} else if (o->capture.path) {
			log_info("capture: %llu events, %llu records in %llu bytes%s", (unsigned long long)cs.events,
				 (unsigned long long)cs.records, (unsigned long long)cs.bytes,
				 cs.dropped ? "; some records were lost (said in the file)" : "");
		}
		pipeline.capture = NULL;
	}

cleanup:
	/* Its thread reads only what was published, so it may stop at any point of the teardown; first is simplest. */
	metrics_server_stop(metrics);
	ring_buffer__free(rb);
	loader_stop(skel);
	capture_close(pipeline.capture, NULL, 0);
	container_table_free(pipeline.containers);
	cgroup_resolver_free(pipeline.cgroups);
	proc_table_free(pipeline.procs);
	user_names_free(pipeline.names);
	if (pipeline.record_out && fclose(pipeline.record_out)) {
		log_error("writing %s failed: %s", o->record_raw, strerror(errno));
		err = err ? err : -EIO;
	}
	alerting_stop(pipeline.alerting, SINKS_DRAIN_MS);
	alerting_free(pipeline.alerting);
	rule_kernel_needs_free(&needs);
	enforce_policy_free(&rules.policy);
	rule_engine_free(rules.engine);
	rule_set_free(rules.set);
	return err ? 1 : 0;
}
