// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The userspace ceiling: how many events per second one core takes through
 * decode -> process table -> rules, from a recorded stream of kernel records.
 *
 *	rules_throughput RECORDS RULES... [-- passes]
 *
 * RECORDS is what `vigil run --record FILE` wrote: each record as the kernel
 * sent it, after a 4-byte length (host byte order). Every event is attributed
 * to one container whose Engine API answer is tests/unit/data/inspect's
 * (the worst case: host events are dropped before the rules when host
 * monitoring is off). Two figures in the same run, each the best of several
 * passes over the stream: decode alone (the baseline) and decode + process
 * table + rules; printed as events/s and their ratio.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "container_info.h"
#include "decode.h"
#include "event_json.h"
#include "proctable.h"
#include "rule_engine.h"
#include "rule_loader.h"

#define PASSES 7

struct stream {
	unsigned char *data;
	size_t size;
	size_t records;
};

static int read_file(const char *path, unsigned char **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long len;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*data = malloc(len ? len : 1);
	if (!*data || fread(*data, 1, len, f) != (size_t)len) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*size = len;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t matches;

static void on_match(const struct rule_match *m, void *ctx)
{
	(void)m;
	(void)ctx;
	matches++;
}

/* One pass; rules NULL: decode only. Returns the events decoded. */
static size_t pass(const struct stream *s, struct rule_engine *rules, struct proc_table *procs,
		   const struct container_ref *container, const struct container_info *info)
{
	size_t off = 0, events = 0;
	char err[256];

	while (off + 4 <= s->size) {
		uint32_t len;
		struct event_view ev;

		memcpy(&len, s->data + off, 4);
		off += 4;
		if (len > s->size - off)
			break;
		if (event_decode(s->data + off, len, &ev, err, sizeof(err)) == 0) {
			events++;
			if (rules) {
				struct event_context ctx = { .ev = &ev, .container = container, .container_info = info,
							     .metadata = CONTAINER_METADATA_KNOWN };
				struct rule_event rev = { .type = ev.hdr.type, .ctx = &ctx, .hostname = "bench" };

				proc_table_apply(procs, &ev);
				ctx.proc = proc_table_get(procs, ev.hdr.tgid);
				ctx.n_ancestors = proc_table_ancestors(procs, ev.hdr.tgid, ctx.ancestors,
								       EVENT_JSON_ANCESTORS_MAX);
				rule_engine_eval(rules, &rev, on_match, NULL);
				if (ev.hdr.type == VIGIL_EVENT_EXIT)
					proc_table_remove(procs, ev.hdr.tgid);
			}
		}
		off += len;
	}
	return events;
}

int main(int argc, char **argv)
{
	static const char inspect_path[] = "tests/unit/data/inspect/caps.json";
	struct stream s = { 0 };
	struct rule_set *set = rule_set_new();
	struct rule_engine *engine = NULL;
	struct container_info info;
	struct container_ref container = { 0 };
	unsigned char *answer;
	size_t answer_len, loaded = 0;
	double best_decode = 1e30, best_rules = 1e30;
	size_t events = 0;
	char err[512];
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s RECORDS RULES...\n", argv[0]);
		return 2;
	}
	if ((rc = read_file(argv[1], &s.data, &s.size))) {
		fprintf(stderr, "rules_throughput: cannot read %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	if (!set || rule_set_load_files(set, (const char *const *)argv + 2, argc - 2) || rule_engine_compile(set, &engine) ||
	    rule_engine_error_count(engine)) {
		fprintf(stderr, "rules_throughput: the rules did not load (vigil rules check says why)\n");
		return 1;
	}
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++)
		loaded += rule_engine_rule(engine, i)->status == RULE_LOADED;
	if ((rc = read_file(inspect_path, &answer, &answer_len)) ||
	    container_info_parse((const char *)answer, answer_len, &info, err, sizeof(err))) {
		fprintf(stderr, "rules_throughput: cannot use %s (run from the repository's root)\n", inspect_path);
		return 1;
	}
	container.runtime = CONTAINER_RUNTIME_DOCKER;
	snprintf(container.id, sizeof(container.id), "%s", info.id);

	for (int p = 0; p < PASSES; p++) {
		struct proc_table *procs = proc_table_new(NULL);
		double t0 = now_s(), t1, t2;

		events = pass(&s, NULL, NULL, NULL, NULL);
		t1 = now_s();
		pass(&s, engine, procs, &container, &info);
		t2 = now_s();
		proc_table_free(procs);
		if (t1 - t0 < best_decode)
			best_decode = t1 - t0;
		if (t2 - t1 < best_rules)
			best_rules = t2 - t1;
	}
	if (!events) {
		fprintf(stderr, "rules_throughput: %s holds no records\n", argv[1]);
		return 1;
	}
	printf("events=%zu rules=%zu matches_per_pass=%llu decode_eps=%.0f rules_eps=%.0f ratio=%.3f\n", events,
	       loaded, (unsigned long long)(matches / PASSES), events / best_decode, events / best_rules,
	       best_rules / best_decode);
	container_info_free(&info);
	free(answer);
	free(s.data);
	rule_engine_free(engine);
	rule_set_free(set);
	return 0;
}
