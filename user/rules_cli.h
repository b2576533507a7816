/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rules from the command line: loading and compiling rules files the way
 * `vigil run` does (at start and on SIGHUP), `vigil rules check` and
 * `vigil fields`. The argp parsers are main.c's; the work is here.
 */
#ifndef VIGIL_RULES_CLI_H
#define VIGIL_RULES_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_schema.h"
#include "rule_engine.h"
#include "rule_loader.h"

/*
 * Load files in order into one set and compile it. Every message of the
 * loader and the compiler goes to stderr as it reads in the file
 * ("vigil: error: rules.yaml:12:7: ..."), warnings too. 0 with *set and
 * *engine ready to run (free the engine before the set); -EINVAL when the
 * files hold any error, -ENOMEM: then nothing is kept.
 */
int rules_load(const char *const *files, size_t n_files, struct rule_set **set, struct rule_engine **engine);

/* How many rules of a compiled set came to what. */
struct rules_summary {
	size_t rules, loaded, inert, disabled, skipped, failed;
};

void rules_summarize(const struct rule_engine *engine, struct rules_summary *s);

/* "loaded", "inert", "disabled", "skipped", "FAILED". */
const char *rules_status_name(enum rule_status status);

/*
 * `vigil rules check`: load and compile files, print what became of each
 * rule (a line, or with json a JSON object) and a summary. Returns the exit
 * status: 0 when no file had an error and every rule compiled, 1 otherwise.
 */
int rules_check(const char *const *files, size_t n_files, bool json);

/* The names of the bits of mask, as the events print them ("CAP_SYS_ADMIN CAP_BPF"), or "none", into buf. */
const char *rules_mask_names(uint64_t mask, enum field_kind kind, char *buf, size_t size);

/* `vigil fields`: the field table as text, JSON lines or a Markdown table. Returns the exit status. */
int fields_print(enum rule_fields_format format);

#endif /* VIGIL_RULES_CLI_H */
