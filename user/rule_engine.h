/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule engine: a loaded rule set (rule_loader.h) compiled once into
 * evaluation trees, indexed by event type, and run on each event.
 *
 *	struct rule_engine *engine;
 *
 *	err = rule_engine_compile(set, &engine);   // set: loaded without errors
 *	for (size_t i = 0; i < rule_engine_message_count(engine); i++)
 *		... rule_engine_message(engine, i) (errors and warnings, file:line:col) ...
 *	if (rule_engine_error_count(engine) == 0) {
 *		... for each event: rule_engine_eval(engine, &ev, on_match, ctx) ...
 *	}
 *	rule_engine_free(engine);
 *
 * Compiling a rule: its condition is parsed; macros are expanded and lists
 * resolved (names inside lists too), each once per rule, with a cycle being
 * an error; every field is looked up in the field table (rule_fields.h) and
 * its argument checked; every comparison is type-checked (a number field
 * takes numbers and =, !=, <, <=, >, >=, in; a string field every operator
 * but the order ones); values of in/pmatch become sorted sets searched by
 * bisection (pmatch: by path component). The event types a rule can match are
 * worked out from its condition (evt.type checks, and the fields its checks
 * need when not under a `not`), and the rule goes in the index of each.
 *
 * evt.type takes vigil's names and Falco's system-call names, which map to
 * vigil's events (execve and execveat: exec; clone, fork and vfork: fork,
 * plus clone with namespace flags; ...). A system call that vigil does not
 * capture matches nothing; a name that is no event and no system call is an
 * error. A conjunction that can match no event type vigil has is false, and
 * Falco fields vigil lacks inside it are then no error.
 *
 * A rule that does not compile is an error naming file:line:column of the
 * bad part (inside a macro: the macro's text, and the rule that used it),
 * unless it has `skip-if-unknown-filter: true` and the problem is an unknown
 * field: then it is skipped with a warning. Disabled rules are compiled too
 * (so that errors show), and never evaluated.
 */
#ifndef VIGIL_RULE_ENGINE_H
#define VIGIL_RULE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule_fields.h"
#include "rule_loader.h"

struct rule_engine;

/* What became of one rule of the set. */
enum rule_status {
	RULE_LOADED,    /* compiled and enabled */
	RULE_INERT,     /* compiled and enabled, but vigil captures none of the events it needs (see error) */
	RULE_DISABLED,  /* compiled, enabled: false */
	RULE_SKIPPED,   /* skip-if-unknown-filter, with an unknown field */
	RULE_FAILED,    /* did not compile: see error */
};

/* vigil's own `action` key (issue 8 enforces it; until then it is recorded). */
enum rule_action {
	RULE_ACTION_ALERT = 0,
	RULE_ACTION_DENY,
	RULE_ACTION_KILL,
};

/* vigil's own `scope` key: which processes a deny or kill rule acts on in the kernel. */
enum rule_scope {
	RULE_SCOPE_CONTAINER = 0, /* the default: container processes only */
	RULE_SCOPE_HOST,          /* host processes only */
	RULE_SCOPE_ANY,           /* both */
};

struct rule_info {
	const struct rule_def *def;     /* name, priority, tags, source, desc: the set's */
	enum rule_status status;
	const char *error;              /* RULE_FAILED, RULE_SKIPPED, RULE_INERT: "file:line:col: what" */
	rule_event_mask events;         /* the types it is indexed under */
	enum rule_action action;
	enum rule_scope scope;
	bool capture;                   /* vigil's `capture` key (issue 7) */
	uint64_t capture_before_ns, capture_after_ns;
};

/* A match, given to the callback of rule_engine_eval. */
struct rule_match {
	const struct rule_info *rule;
	const struct rule_event *ev;
};

/*
 * Compile every rule of set (which must have loaded without errors and must
 * outlive the engine). 0 with *out an engine, also when rules failed (see
 * rule_engine_error_count); -ENOMEM.
 */
int rule_engine_compile(const struct rule_set *set, struct rule_engine **out);
void rule_engine_free(struct rule_engine *engine);

/* Every rule of the set, in the set's order, with what became of it. */
size_t rule_engine_rule_count(const struct rule_engine *engine);
const struct rule_info *rule_engine_rule(const struct rule_engine *engine, size_t index);

/* Errors and warnings, in the order found; rules that failed count among the errors. */
size_t rule_engine_message_count(const struct rule_engine *engine);
const struct rule_message *rule_engine_message(const struct rule_engine *engine, size_t index, bool *is_error);
size_t rule_engine_error_count(const struct rule_engine *engine);

/*
 * Run the enabled rules indexed under ev->type, in the set's order; call fn
 * for each that matches. Returns how many matched. Not thread-safe: one
 * engine per thread (it keeps per-event scratch space).
 */
size_t rule_engine_eval(struct rule_engine *engine, const struct rule_event *ev,
			void (*fn)(const struct rule_match *match, void *ctx), void *ctx);

/*
 * The rule's output with %field replaced by the event's values ("<NA>" when
 * the event does not carry the field); the result is NUL-terminated in buf,
 * cut to len. Valid inside the callback of rule_engine_eval.
 */
size_t rule_engine_format_output(struct rule_engine *engine, const struct rule_match *match, char *buf, size_t len);

/*
 * The fields the rule's output names, with their values on this event, for the
 * alert record: calls fn(name, value text, ctx) for each, in output order.
 */
void rule_engine_output_fields(struct rule_engine *engine, const struct rule_match *match,
			       void (*fn)(const char *name, const char *value, void *ctx), void *ctx);

/*
 * What the enabled rules need the kernel to see, for the in-kernel filters:
 * the file paths they test (path prefixes, last components), the capabilities
 * they test on capable events and the socket families on socket events.
 */
struct rule_kernel_needs {
	char **path_prefixes;   /* absolute paths, each a prefix ("/etc/" watches all below) */
	size_t n_path_prefixes;
	char **path_names;      /* last components ("release_agent") */
	size_t n_path_names;
	uint64_t capabilities;  /* bit n: capability n */
	uint64_t socket_families; /* bit n: AF n */
	/*
	 * Rules that test file events in ways the kernel's watch list cannot narrow
	 * (fd.name contains x, endswith, glob), each "rule: why": they see only the
	 * paths some rule or the defaults watch. For a warning at start.
	 */
	char **unnarrowed;
	size_t n_unnarrowed;
};

/* 0 or -ENOMEM. */
int rule_engine_kernel_needs(const struct rule_engine *engine, struct rule_kernel_needs *needs);
void rule_kernel_needs_free(struct rule_kernel_needs *needs);

#endif /* VIGIL_RULE_ENGINE_H */
