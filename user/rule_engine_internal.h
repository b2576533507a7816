/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the rule engine's parts share: the compiled tree (rule_compile.c makes
 * it, rule_eval.c runs it), the per-event value cache and the outputs.
 */
#ifndef VIGIL_RULE_ENGINE_INTERNAL_H
#define VIGIL_RULE_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule_condition.h"
#include "rule_engine.h"
#include "rule_fields.h"

enum node_kind {
	NODE_TRUE,
	NODE_FALSE,
	NODE_AND,
	NODE_OR,
	NODE_NOT,
	NODE_TYPES, /* evt.type in a set of types: a mask test */
	NODE_CHECK, /* a field compared, or `exists` */
	NODE_ERROR, /* a part that did not compile; only while compiling */
};

/* A string in a value set. */
struct set_string {
	const char *ptr;
	size_t len;
};

/* An IPv4 or IPv6 network: an address is a network of 32 or 128 bits. */
struct ip_net {
	uint8_t family; /* 4 or 6 */
	uint8_t prefix;
	uint8_t bytes[16];
};

struct check {
	size_t slot;                 /* the field's place in the engine's value cache */
	enum rule_field_type type;   /* the field's type with its argument */
	bool exists;                 /* `exists`: true when the field yields a value */
	rule_event_mask events;      /* the types that carry the field: elsewhere the check is false */
	enum condition_op op;
	/* The operand, by type: one value (n_values 1) or a sorted set (in, intersects, pmatch). */
	size_t n_values;
	struct set_string *strings;  /* STRING: sorted by bytes (one value: as written, icontains: lower case) */
	uint64_t *numbers;           /* UINT, INT (as uint64_t, compared as the type says), BOOL: sorted */
	struct ip_net *nets;         /* IPADDR, IPNET */
	char *glob;                  /* GLOB, IGLOB: the pattern, NUL-terminated */
	/* Where it was written, for messages made after compiling (enforce_terms.c): file:line:col, and the macro. */
	struct rule_pos pos;
	const char *macro;           /* the innermost macro it came from (the set's string), or NULL */
};

struct node {
	enum node_kind kind;
	union {
		struct {
			struct node **children;
			size_t n_children;
		} group;
		struct node *operand;
		rule_event_mask types;
		struct check check;
		struct {
			char *message; /* "file:line:col: ..." */
			bool unknown_field;
		} error;
	};
};

/* A place in the value cache: one field with one argument, read at most once per event. */
struct value_slot {
	const struct rule_field *field;
	struct rule_field_arg arg;
	char *key;                   /* "proc.aname[2]": to share a slot between uses */
	uint64_t generation;         /* the event it was read for */
	size_t n;
	struct rule_field_value values[RULE_FIELD_VALUES_MAX];
};

/* An output, split at its %fields. */
struct output_part {
	const char *text;            /* literal text before the field (points into the rule's output) */
	size_t len;
	char *name;                  /* the field as written ("proc.aname[2]"); NULL: text only */
	size_t slot;
	bool lacking;                /* a Falco field vigil does not have: prints <NA> */
};

struct compiled_rule {
	struct rule_info info;
	struct node *root;
	struct output_part *output;
	size_t n_output;
};

struct engine_message {
	struct rule_message msg;
	bool is_error;
};

struct rule_engine {
	const struct rule_set *set;
	struct compiled_rule *rules;
	size_t n_rules;
	size_t *index[RULE_EVENT_TYPES]; /* rules to try for each type, in set order */
	size_t n_index[RULE_EVENT_TYPES];
	struct value_slot *slots;
	size_t n_slots, cap_slots;
	struct engine_message *messages;
	size_t n_messages, cap_messages, n_errors;
	/* Parsed macro conditions, by the set's macro index; NULL until used. */
	struct condition_node **macros;
	char **macro_errors;
	uint64_t generation;
	struct rule_scratch *scratch;
};

/* rule_operand.c */

/* Strings, each its own allocation (NUL-terminated; may hold NULs: hex operands). */
struct strvec {
	char **items;
	size_t n, cap;
};

bool strvec_push(struct strvec *v, const char *s, size_t len);
void strvec_free(struct strvec *v);

/* The operators that take a list: in, intersects, pmatch. */
bool op_takes_set(enum condition_op op);

struct operand_error {
	char message[256];
	bool at_operator; /* the operator does not suit the field; else a value is wrong */
};

/*
 * Fill k's operand from values (lists expanded) by k->type, for op. 0 (the
 * check keeps values' strings for string fields), -EINVAL with err filled, or
 * -ENOMEM.
 */
int operand_build(struct check *k, enum condition_op op, const char *field_name, struct strvec *values,
		  struct operand_error *err);

/* rule_compile.c */
/*
 * A rule's condition compiled; NULL with *oom when out of memory. Errors come
 * back as a NODE_ERROR (the first of them: first_error) for the caller to report.
 */
struct node *compile_condition(struct rule_engine *e, const struct rule_def *rule, bool *oom);
struct node *first_error(struct node *n);
/* The event types where n can be true. */
rule_event_mask node_mask(const struct node *n);
/* A field's cache slot, for outputs: as compile_check makes them. false: err says why (or *oom). */
bool engine_field_slot(struct rule_engine *e, const char *name, const char *arg, size_t *slot, char *err,
		       size_t errlen, bool *oom);
char *engine_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int engine_add_message(struct rule_engine *e, const struct rule_pos *pos, bool is_error, char *text);

/* enforce.c */
/*
 * After the rules compiled: the deny and kill rules (enabled or not) that the
 * kernel cannot decide exactly become RULE_FAILED with the message why, as
 * does a rule that takes the kernel's term budget past its end. 0 or -ENOMEM.
 */
int enforce_validate(struct rule_engine *e);

/* rule_eval.c */
bool node_eval(struct rule_engine *e, const struct node *n, const struct rule_event *ev);
/* One value against a check's operator and operand (a string of len bytes; a number, signed for INT). */
bool rule_string_matches(const struct check *k, const char *s, size_t len);
bool rule_number_matches(const struct check *k, uint64_t x);
const struct value_slot *slot_read(struct rule_engine *e, size_t slot, const struct rule_event *ev);
void node_free(struct node *n);
/* A value as text, for outputs: into buf (NUL-terminated, cut to len). */
void value_to_text(const struct rule_field_value *v, char *buf, size_t len);

#endif /* VIGIL_RULE_ENGINE_INTERNAL_H */
