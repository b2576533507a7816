// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerting.h"
#include "capture_file.h"
#include "capture_state.h"
#include "clock.h"
#include "json_writer.h"
#include "log.h"
#include "pipeline.h"
#include "ratelimit.h"
#include "replay.h"
#include "rules_cli.h"
#include "u64map.h"
#include "vigil_event.h"

/* The progress bar only for files at least this large, redrawn at most this often. */
#define PROGRESS_MIN_BYTES (4u << 20)
#define PROGRESS_EVERY_NS 200000000LL

struct replay_file {
	const char *path;
	struct capture_reader *reader;
	int64_t created_ns;
};

/* What the summary tells, gathered as the replay goes. */
struct tally {
	uint64_t records, events, state_errors, lost;
	uint64_t by_type[RULE_EVENT_TYPES];
	int64_t first_ns, last_ns;
	struct u64map *rules;      /* rule_info pointer -> count (a heap cell) */
	const struct rule_info **rule_order;
	size_t n_rules;
	struct u64map *containers; /* first 16 hex digits of the id -> struct seen_container */
	unsigned int damaged_files;
};

struct seen_container {
	char id[CONTAINER_ID_MAX + 1];
	char *name, *image;
};

struct replay {
	const struct replay_options *o;
	struct pipeline p;
	struct capture_state_parts parts;
	struct rule_set *set;
	struct tally t;
	/* Progress */
	bool progress;
	int64_t last_draw_ns;
	uint64_t done_bytes, total_bytes;
	char hostname[256];
};

int replay_parse_time(const char *text, int64_t *out_ns)
{
	struct tm tm = { 0 };
	const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t frac = 0, offset = 0;
	time_t sec;

	if (!rest)
		rest = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest)
		return -EINVAL;
	if (*rest == '.') {
		int digits = 0;

		for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*rest - '0');
		if (!digits)
			return -EINVAL;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*rest == 'Z' || *rest == 'z') {
		rest++;
	} else if (*rest == '+' || *rest == '-') {
		int h, m;

		if (sscanf(rest + 1, "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59)
			return -EINVAL;
		offset = (int64_t)(h * 60 + m) * 60 * (*rest == '+' ? 1 : -1);
		rest += 6;
	}
	if (*rest)
		return -EINVAL;
	sec = timegm(&tm);
	if (sec == (time_t)-1)
		return -EINVAL;
	*out_ns = ((int64_t)sec - offset) * 1000000000 + frac;
	return 0;
}

/* ---- the summary ---- */

static void tally_match(struct tally *t, const struct rule_info *rule)
{
	uint64_t *count = u64map_get(t->rules, (uint64_t)(uintptr_t)rule);

	if (!count) {
		const struct rule_info **order = realloc(t->rule_order, (t->n_rules + 1) * sizeof(*order));

		count = calloc(1, sizeof(*count));
		if (!count || !order || u64map_put(t->rules, (uint64_t)(uintptr_t)rule, count, NULL)) {
			free(count);
			if (order)
				t->rule_order = order;
			return;
		}
		t->rule_order = order;
		t->rule_order[t->n_rules++] = rule;
	}
	(*count)++;
}

static uint64_t container_key(const char *id)
{
	uint64_t key = 0;

	for (int i = 0; i < 16 && id[i]; i++)
		key = key << 4 | (uint64_t)(id[i] <= '9' ? id[i] - '0' : (id[i] | 0x20) - 'a' + 10);
	return key;
}

static void seen_free(void *p)
{
	struct seen_container *s = p;

	if (s) {
		free(s->name);
		free(s->image);
		free(s);
	}
}

static void tally_container(struct tally *t, const struct event_context *ctx)
{
	struct seen_container *s;

	if (!ctx->container)
		return;
	s = u64map_get(t->containers, container_key(ctx->container->id));
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || u64map_put(t->containers, container_key(ctx->container->id), s, NULL)) {
			free(s);
			return;
		}
		snprintf(s->id, sizeof(s->id), "%s", ctx->container->id);
	}
	if (ctx->container_info && !s->name) {
		s->name = strdup(ctx->container_info->name ? ctx->container_info->name : "");
		s->image = strdup(ctx->container_info->image ? ctx->container_info->image : "");
	}
}

/* ---- the filters ---- */

static bool container_matches(const char *want, const struct event_context *ctx)
{
	size_t n = strlen(want);

	if (!ctx->container)
		return false;
	if (n && !strncmp(ctx->container->id, want, n))
		return true;
	return ctx->container_info && ctx->container_info->name && !strcmp(ctx->container_info->name, want);
}

static bool select_event(const struct rule_event *ev, void *ctx)
{
	struct replay *r = ctx;
	const struct replay_options *o = r->o;
	int64_t t = rule_event_time_ns(ev);

	if (o->types && !(o->types & RULE_EVENT_BIT(ev->type)))
		return false;
	if (o->since_ns && t < o->since_ns)
		return false;
	if (o->until_ns && t > o->until_ns)
		return false;
	if (o->container && !container_matches(o->container, ev->ctx))
		return false;
	r->t.by_type[ev->type]++;
	if (!r->t.first_ns || t < r->t.first_ns)
		r->t.first_ns = t;
	if (t > r->t.last_ns)
		r->t.last_ns = t;
	tally_container(&r->t, ev->ctx);
	return true;
}

static void on_match(const struct rule_match *match, void *ctx)
{
	struct replay *r = ctx;

	tally_match(&r->t, match->rule);
}

/* ---- progress ---- */

static void draw_progress(struct replay *r, size_t file, size_t n_files, uint64_t offset, bool force)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	uint64_t done = r->done_bytes + offset;
	unsigned int pct, width = 30, filled;
	char bar[64];

	if (!r->progress || (!force && now - r->last_draw_ns < PROGRESS_EVERY_NS))
		return;
	r->last_draw_ns = now;
	pct = r->total_bytes ? (unsigned int)(done * 100 / r->total_bytes) : 100;
	if (pct > 100)
		pct = 100;
	filled = pct * width / 100;
	memset(bar, '#', filled);
	memset(bar + filled, '.', width - filled);
	bar[width] = '\0';
	fprintf(stderr, "\rvigil replay: [%s] %3u%%  file %zu/%zu  %llu MiB of %llu  %llu events  ", bar, pct,
		file + 1, n_files, (unsigned long long)(done >> 20), (unsigned long long)(r->total_bytes >> 20),
		(unsigned long long)r->t.events);
	fflush(stderr);
}

static void clear_progress(struct replay *r)
{
	if (r->progress)
		fprintf(stderr, "\r%*s\r", 100, "");
}

/* ---- the files ---- */

struct problem_ctx {
	struct replay *r;
	const char *path;
};

static void on_problem(uint64_t offset, const char *why, void *ctx)
{
	struct problem_ctx *pc = ctx;

	clear_progress(pc->r);
	log_warn("%s: at offset %llu: %s; skipped to the next good block (the state records it held are lost: "
		 "until the next keyframe, an event may lack its process or container)", pc->path,
		 (unsigned long long)offset, why);
	pc->r->t.damaged_files++;
}

static int compare_created(const void *a, const void *b)
{
	const struct replay_file *x = a, *y = b;

	return (x->created_ns > y->created_ns) - (x->created_ns < y->created_ns);
}

/* Take in a file's header: the live agent's host, clocks and settings. */
static void apply_header(struct replay *r, const json_t *h)
{
	const char *host = json_string_value(json_object_get(h, "host"));
	json_t *boot = json_object_get(h, "boot_to_unix_ns");

	snprintf(r->hostname, sizeof(r->hostname), "%s", host ? host : "");
	/* Untrusted: a boot time before 1970 or past 2116 is refused (the event times would overflow). */
	if (json_is_integer(boot) && json_integer_value(boot) >= 0 && json_integer_value(boot) < (1LL << 62))
		r->p.boot_to_unix_ns = json_integer_value(boot);
	else
		log_warn("the capture's header has no usable boot_to_unix_ns: event times are since boot");
	r->p.monitor_host = json_is_true(json_object_get(json_object_get(h, "agent"), "monitor_host"));
}

/* One file's records through the pipeline. Returns true when it ended cleanly. */
static bool replay_file(struct replay *r, struct replay_file *f, size_t index, size_t n_files, bool *past_until)
{
	struct problem_ctx pc = { r, f->path };
	struct capture_record rec;
	char err[512];
	bool clean = true;

	apply_header(r, capture_reader_header(f->reader));
	for (;;) {
		enum capture_read got = capture_reader_next(f->reader, &rec, err, sizeof(err), on_problem, &pc);

		if (got == CAPTURE_READ_END)
			break;
		if (got == CAPTURE_READ_ERROR) {
			clear_progress(r);
			log_warn("%s: %s; the records before it were replayed", f->path, err);
			r->t.damaged_files++;
			clean = false;
			break;
		}
		r->t.records++;
		/* Past --until nothing more can be selected: stop reading. */
		if (r->o->until_ns && rec.kind == CAPTURE_EVENT && rec.time_ns > r->o->until_ns) {
			*past_until = true;
			break;
		}
		pipeline_set_now(&r->p, rec.time_ns);
		switch (rec.kind) {
		case CAPTURE_EVENT: {
			struct vigil_event_header h;

			r->t.events++;
			/* A time no kernel gives (past 2116) would overflow the clocks' sums: refused. */
			if (rec.len >= sizeof(h)) {
				memcpy(&h, rec.data, sizeof(h));
				if (h.ts_boot_ns >= 1ull << 62) {
					if (r->t.state_errors++ < 10)
						log_warn("%s: an event at offset %llu has an impossible time; skipped", f->path,
							 (unsigned long long)capture_reader_offset(f->reader));
					break;
				}
			}
			pipeline_handle(&r->p, rec.data, rec.len);
			break;
		}
		case CAPTURE_TICK:
			pipeline_tick(&r->p, rec.time_ns);
			break;
		case CAPTURE_LOST: {
			json_t *body = json_loadb(rec.data, rec.len, 0, NULL);
			json_t *n = json_object_get(body, "records");
			const char *why = json_string_value(json_object_get(body, "reason"));

			clear_progress(r);
			log_warn("%s: the live agent lost %lld records here (%s)", f->path,
				 json_is_integer(n) ? (long long)json_integer_value(n) : -1LL, why ? why : "no reason given");
			r->t.lost += json_is_integer(n) && json_integer_value(n) > 0 ? (uint64_t)json_integer_value(n) : 0;
			json_decref(body);
			break;
		}
		default:
			if (rec.kind >= CAPTURE_KIND_MAX) {
				/* A newer writer's record this reader does not know: its flags say nothing to us. */
				r->t.state_errors++;
				break;
			}
			if (capture_state_apply(&r->parts, &rec, err, sizeof(err))) {
				if (r->t.state_errors++ < 10) {
					clear_progress(r);
					log_warn("%s: a %s record at offset %llu: %s", f->path, capture_kind_name(rec.kind),
						 (unsigned long long)capture_reader_offset(f->reader), err);
				}
			}
		}
		draw_progress(r, index, n_files, capture_reader_offset(f->reader), false);
	}
	r->done_bytes += capture_reader_size(f->reader);
	return clean;
}

static void print_summary(struct replay *r, size_t n_files)
{
	char first[48], last[48];
	int64_t span = r->t.last_ns - r->t.first_ns;

	fprintf(stderr, "vigil replay: %zu file%s, %llu records, %llu events", n_files, n_files == 1 ? "" : "s",
		(unsigned long long)r->t.records, (unsigned long long)r->t.events);
	if (r->t.first_ns) {
		json_format_time(r->t.first_ns, first, sizeof(first));
		json_format_time(r->t.last_ns, last, sizeof(last));
		fprintf(stderr, " from %s to %s (%lld.%03lld s)", first, last, (long long)(span / 1000000000),
			(long long)(span % 1000000000 / 1000000));
	}
	fputc('\n', stderr);
	fprintf(stderr, "vigil replay: selected by type:");
	for (unsigned int type = 1; type < RULE_EVENT_TYPES; type++)
		if (r->t.by_type[type] && rule_event_type_name(type))
			fprintf(stderr, " %s=%llu", rule_event_type_name(type), (unsigned long long)r->t.by_type[type]);
	fputc('\n', stderr);
	if (r->p.rules) {
		uint64_t total = 0;

		for (size_t i = 0; i < r->t.n_rules; i++)
			total += *(uint64_t *)u64map_get(r->t.rules, (uint64_t)(uintptr_t)r->t.rule_order[i]);
		fprintf(stderr, "vigil replay: %llu rule matches\n", (unsigned long long)total);
		for (size_t i = 0; i < r->t.n_rules; i++)
			fprintf(stderr, "  %8llu  %s\n",
				(unsigned long long)*(uint64_t *)u64map_get(r->t.rules,
									  (uint64_t)(uintptr_t)r->t.rule_order[i]),
				r->t.rule_order[i]->def->name);
	}
	fprintf(stderr, "vigil replay: %zu containers\n", u64map_size(r->t.containers));
	{
		size_t iter = 0;
		uint64_t key;
		void *value;

		while (u64map_next(r->t.containers, &iter, &key, &value)) {
			const struct seen_container *s = value;

			/* Names and images come from containers: escaped like any string from one. */
			json_t *name = json_untrusted_cstring(s->name ? s->name : "", 256);
			json_t *image = json_untrusted_cstring(s->image ? s->image : "", 256);
			char *n = json_dumps(name, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
			char *i = json_dumps(image, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);

			fprintf(stderr, "  %.12s  %s  %s\n", s->id, n ? n : "?", i ? i : "?");
			free(n);
			free(i);
			json_decref(name);
			json_decref(image);
		}
	}
	if (r->t.lost)
		fprintf(stderr, "vigil replay: the live agent lost %llu records (see above)\n",
			(unsigned long long)r->t.lost);
	if (r->t.state_errors)
		fprintf(stderr, "vigil replay: %llu state records could not be used (see above)\n",
			(unsigned long long)r->t.state_errors);
}

int replay_run(const struct replay_options *o)
{
	struct replay r = { .o = o };
	struct replay_file *files = calloc(o->n_files ? o->n_files : 1, sizeof(*files));
	struct capture_state_parts *parts = &r.parts;
	bool engine = false, clean = true, past_until = false;
	int status = 1;
	char err[512];

	r.t.rules = u64map_new();
	r.t.containers = u64map_new();
	if (!files || !r.t.rules || !r.t.containers) {
		log_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->n_files; i++) {
		const json_t *h;
		int64_t created = 0;

		files[i].path = o->files[i];
		if (access(o->files[i], R_OK)) {
			log_error("%s: %s", o->files[i], strerror(errno));
			goto out;
		}
		files[i].reader = capture_reader_open(o->files[i], err, sizeof(err));
		if (!files[i].reader) {
			/* Damage, not a usage error: said, and the other files go on. */
			log_warn("%s", err);
			r.t.damaged_files++;
			clean = false;
			continue;
		}
		h = capture_reader_header(files[i].reader);
		if (json_is_string(json_object_get(h, "created")))
			replay_parse_time(json_string_value(json_object_get(h, "created")), &created);
		files[i].created_ns = created;
		r.total_bytes += capture_reader_size(files[i].reader);
		if (json_is_true(json_object_get(json_object_get(h, "agent"), "engine")))
			engine = true;
	}
	qsort(files, o->n_files, sizeof(*files), compare_created);

	r.p.procs = proc_table_new(NULL);
	r.p.cgroups = cgroup_resolver_new_replay();
	r.p.containers = container_table_new_replay(engine);
	r.p.names = user_names_new_replay();
	r.p.hostname = r.hostname;
	r.p.select = select_event;
	r.p.select_ctx = &r;
	r.p.match_hook = on_match;
	r.p.match_hook_ctx = &r;
	if (!r.p.procs || !r.p.cgroups || !r.p.containers || !r.p.names) {
		log_error("out of memory");
		goto out;
	}
	parts->procs = r.p.procs;
	parts->cgroups = r.p.cgroups;
	parts->containers = r.p.containers;
	parts->names = r.p.names;
	parts->announce = pipeline_announce_container;
	parts->announce_ctx = &r.p;
	if (o->print_events)
		r.p.events_out = stdout;
	if (o->n_rules_files) {
		unsigned int burst = o->rate_burst;
		double per_sec = o->rate_per_sec;

		if (rules_load(o->rules_files, o->n_rules_files, &r.set, &r.p.rules))
			goto out;
		if (!o->rate_limit_given) {
			/* The live agent's, so that the replay gives the alerts it gave. */
			const json_t *h = NULL;
			json_t *rate;

			for (size_t i = 0; i < o->n_files && !h; i++)
				if (files[i].reader)
					h = capture_reader_header(files[i].reader);
			rate = json_object_get(json_object_get(h, "agent"), "rate_limit");
			burst = 0;
			per_sec = 0;
			if (json_is_object(rate)) {
				json_int_t b = json_integer_value(json_object_get(rate, "burst"));
				double ps = json_number_value(json_object_get(rate, "per_sec"));

				/* The header is the file's word: used only when it makes sense as --rate-limit would. */
				if (ratelimit_settings_valid(b, ps)) {
					burst = (unsigned int)b;
					per_sec = ps;
				} else {
					log_warn("the capture's header gives a rate limit that makes no sense; replaying "
						 "without one (--rate-limit sets one)");
				}
			}
		}
		for (size_t i = 0; i < o->n_files; i++)
			if (files[i].reader) {
				/* The host and clocks of the first readable file, for the summaries' records. */
				apply_header(&r, capture_reader_header(files[i].reader));
				break;
			}
		r.p.alerting = alerting_new(o->outputs, o->n_outputs, burst, per_sec, r.hostname, r.p.boot_to_unix_ns,
					    err, sizeof(err));
		if (!r.p.alerting) {
			log_error("%s", err);
			goto out;
		}
	} else if (!o->print_events) {
		log_info("no rules (-r) and no --events: only the summary will be printed");
	}
	r.progress = o->progress > 0 || (o->progress < 0 && isatty(STDERR_FILENO) && r.total_bytes >= PROGRESS_MIN_BYTES);

	for (size_t i = 0; i < o->n_files && !past_until; i++) {
		if (!files[i].reader)
			continue;
		if (!replay_file(&r, &files[i], i, o->n_files, &past_until))
			clean = false;
		fflush(stdout);
	}
	draw_progress(&r, o->n_files ? o->n_files - 1 : 0, o->n_files, 0, true);
	clear_progress(&r);
	alerting_finish(r.p.alerting, r.p.rules);
	alerting_stop(r.p.alerting, 5000);
	fflush(stdout);
	print_summary(&r, o->n_files);
	if (r.t.damaged_files)
		clean = false;
	status = !clean && o->strict ? 2 : 0;
	if (!clean)
		log_warn("some of the capture was damaged (see above)%s", o->strict ? "; --strict: exit status 2" : "");
out:
	for (size_t i = 0; files && i < o->n_files; i++)
		capture_reader_close(files[i].reader);
	free(files);
	alerting_free(r.p.alerting);
	container_table_free(r.p.containers);
	cgroup_resolver_free(r.p.cgroups);
	proc_table_free(r.p.procs);
	user_names_free(r.p.names);
	rule_engine_free(r.p.rules);
	rule_set_free(r.set);
	if (r.t.rules)
		u64map_free(r.t.rules, free);
	if (r.t.containers)
		u64map_free(r.t.containers, seen_free);
	free(r.t.rule_order);
	return status;
}
