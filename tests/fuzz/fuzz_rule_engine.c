// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rule compiler and evaluator, given any bytes as a rules file: what
 * loads is compiled, every message must be well-formed, and every rule that
 * compiled runs on a few hand-made events with its output formatted and the
 * kernel's needs worked out. A crash, a sanitizer report or an abort() is a bug.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "event_builder.h"
#include "event_json.h"
#include "rule_engine.h"
#include "rule_loader.h"

static void on_match(const struct rule_match *m, void *ctx)
{
	struct rule_engine *engine = ctx;
	char out[512];

	if (rule_engine_format_output(engine, m, out, sizeof(out)) >= sizeof(out) || strlen(out) >= sizeof(out))
		abort();
}

/* Run every rule on one record. */
static void run(struct rule_engine *engine, const void *record, size_t size)
{
	struct event_view view;
	struct event_context ctx = { 0 };
	struct process proc = { .tgid = 100, .ppid = 1, .comm = "bash", .exe = (char *)"/bin/bash",
				.args = (char *)"bash\0-i", .args_len = 8, .cwd = (char *)"/" };
	struct rule_event ev = { .ctx = &ctx, .hostname = "fuzz" };
	char err[256];

	if (event_decode(record, size, &view, err, sizeof(err)))
		abort();
	ctx.ev = &view;
	ctx.proc = &proc;
	ctx.ancestors[0] = &proc;
	ctx.n_ancestors = 1;
	ev.type = view.hdr.type;
	rule_engine_eval(engine, &ev, on_match, engine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char record[VIGIL_EVENT_SIZE_MAX];
	static const char args[] = "bash\0-i";
	struct vigil_syscall_event *sc = (void *)record;
	struct rule_kernel_needs needs;
	struct rule_engine *engine = NULL;
	struct rule_set *set = rule_set_new();

	if (!set)
		return 0;
	if (rule_set_load_buffer(set, "fuzz.yaml", (const char *)data, size) || rule_set_error_count(set))
		goto out;
	if (rule_engine_compile(set, &engine))
		goto out;
	for (size_t i = 0; i < rule_engine_message_count(engine); i++) {
		bool is_error;
		const struct rule_message *m = rule_engine_message(engine, i, &is_error);

		if (!m || !m->text || strncmp(m->text, "fuzz.yaml", 9) || !m->message || !m->message[0])
			abort();
	}
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++) {
		const struct rule_info *r = rule_engine_rule(engine, i);

		if ((r->status == RULE_FAILED || r->status == RULE_SKIPPED || r->status == RULE_INERT) != (r->error != NULL))
			abort();
	}
	run(engine, record, build_exec(record, 100, 1, "bash", "/bin/bash", args, sizeof(args), "/root"));
	memset(sc, 0, sizeof(*sc));
	memcpy(sc->tail, "/etc/shadow\0shadow", 19);
	sc->strs[0].len = 11;
	sc->strs[1].off = 12;
	sc->strs[1].len = 6;
	sc->result = 3;
	build_header(&sc->hdr, VIGIL_EVENT_OPENAT, sizeof(*sc) + 19, 100, 1, "cat");
	run(engine, record, sizeof(*sc) + 19);
	if (rule_engine_kernel_needs(engine, &needs) == 0)
		rule_kernel_needs_free(&needs);
out:
	rule_engine_free(engine);
	rule_set_free(set);
	return 0;
}
