// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule conditions compiled: parsed, macros expanded, lists resolved, fields
 * bound, operands checked and turned into sorted sets (rule_operand.c), the
 * event types each rule can match worked out. What the compiled tree means is
 * in rule_engine.h; rule_engine.c compiles the rest of a rule (its output,
 * vigil's keys), rule_eval.c runs it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_schema.h"
#include "rule_engine_internal.h"

/* Macros inside macros deeper than this are refused (a cycle is caught before). */
#define MACRO_DEPTH_MAX 64
/* Lists inside lists. */
#define LIST_DEPTH_MAX 32

/* ---- messages ---- */

static struct engine_message *message_slot(struct rule_engine *e)
{
	if (e->n_messages == e->cap_messages) {
		size_t cap = e->cap_messages ? 2 * e->cap_messages : 16;
		struct engine_message *m = realloc(e->messages, cap * sizeof(*m));

		if (!m)
			return NULL;
		e->messages = m;
		e->cap_messages = cap;
	}
	return &e->messages[e->n_messages];
}

/* Keep a message whose text is already "file:line:col: what"; takes text. */
int engine_add_message(struct rule_engine *e, const struct rule_pos *pos, bool is_error, char *text)
{
	struct engine_message *m = text ? message_slot(e) : NULL;

	if (!m) {
		free(text);
		return -ENOMEM;
	}
	m->msg.pos = *pos;
	m->msg.text = text;
	/* The message proper follows "file:line:col: ". */
	m->msg.message = strstr(text, ": ") ? strstr(text, ": ") + 2 : text;
	if (pos->line) {
		const char *p = text;

		for (int colons = 0; *p && colons < 3; p++)
			colons += *p == ':';
		m->msg.message = *p == ' ' ? p + 1 : p;
	}
	m->is_error = is_error;
	e->n_messages++;
	e->n_errors += is_error;
	return 0;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *text;

	return vasprintf(&text, fmt, ap) < 0 ? NULL : text;
}

char *engine_format(const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = vformat(fmt, ap);
	va_end(ap);
	return text;
}

static char *pos_prefix(const struct rule_pos *pos, char *buf, size_t len)
{
	if (pos->line)
		snprintf(buf, len, "%s:%u:%u", pos->file, pos->line, pos->column);
	else
		snprintf(buf, len, "%s", pos->file ? pos->file : "?");
	return buf;
}

/* ---- compiling one rule's condition ---- */

struct compile {
	struct rule_engine *e;
	const struct rule_def *rule;
	const struct rule_text *text;  /* what offsets are in: the rule's condition or a macro's */
	const char *macro;             /* the innermost macro being expanded, or NULL */
	const char *stack[MACRO_DEPTH_MAX];
	size_t depth;
	bool oom;
};

/* A NODE_ERROR at an offset of the current text. */
static struct node *error_at(struct compile *c, size_t offset, bool unknown_field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct node *error_at(struct compile *c, size_t offset, bool unknown_field, const char *fmt, ...)
{
	struct node *n = calloc(1, sizeof(*n));
	struct rule_pos pos;
	char where[512];
	char *what;
	va_list ap;

	va_start(ap, fmt);
	what = vformat(fmt, ap);
	va_end(ap);
	rule_text_locate(c->text, offset, &pos);
	if (n && what) {
		pos_prefix(&pos, where, sizeof(where));
		if (c->macro)
			n->error.message = engine_format("%s: rule '%s': in macro '%s': %s", where, c->rule->name, c->macro, what);
		else
			n->error.message = engine_format("%s: rule '%s': %s", where, c->rule->name, what);
	}
	free(what);
	if (!n || !n->error.message) {
		free(n);
		c->oom = true;
		return NULL;
	}
	n->kind = NODE_ERROR;
	n->error.unknown_field = unknown_field;
	return n;
}

static struct node *new_node(struct compile *c, enum node_kind kind)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		c->oom = true;
	else
		n->kind = kind;
	return n;
}

/* ---- evt.type: vigil's names and Falco's ---- */

/* Falco's names for what vigil calls otherwise, and the events they stand for. */
static const struct {
	const char *name;
	unsigned int types[2];
} type_aliases[] = {
	{ "execve", { VIGIL_EVENT_EXEC } },
	{ "execveat", { VIGIL_EVENT_EXEC } },
	{ "fork", { VIGIL_EVENT_FORK } },
	{ "vfork", { VIGIL_EVENT_FORK } },
	/* clone makes fork events, and clone events when it asks for new namespaces */
	{ "clone", { VIGIL_EVENT_FORK, VIGIL_EVENT_CLONE } },
	{ "clone3", { VIGIL_EVENT_FORK, VIGIL_EVENT_CLONE3 } },
	{ "procexit", { VIGIL_EVENT_EXIT } },
	{ "creat", { VIGIL_EVENT_OPEN } },
};

/* Falco's events that are no system call: known, and vigil has none of them. */
static const char *const falco_meta_events[] = {
	"signaldeliver", "switch", "pluginevent", "notification", "infra", "asyncevent", "k8s", "mesos",
	"cpu_hotplug", "drop", "procinfo", "page_fault", "container_json",
};

/*
 * The types evt.type = name stands for. 0 and *mask (0: a system call vigil
 * does not capture), or -ENOENT for a name that is no event at all.
 */
static int event_type_mask(const char *name, rule_event_mask *mask)
{
	*mask = 0;
	for (unsigned int t = 1; t < RULE_EVENT_TYPES; t++) {
		const char *tn = rule_event_type_name(t);

		if (tn && !strcmp(tn, name))
			*mask |= RULE_EVENT_BIT(t);
	}
	for (size_t i = 0; i < sizeof(type_aliases) / sizeof(type_aliases[0]); i++) {
		if (strcmp(type_aliases[i].name, name))
			continue;
		for (size_t j = 0; j < 2; j++)
			if (type_aliases[i].types[j])
				*mask |= RULE_EVENT_BIT(type_aliases[i].types[j]);
	}
	if (*mask)
		return 0;
	for (unsigned int nr = 0; nr < 1024; nr++) {
		const char *sn = syscall_name(nr);

		if (sn && !strcmp(sn, name))
			return 0;
	}
	for (size_t i = 0; i < sizeof(falco_meta_events) / sizeof(falco_meta_events[0]); i++)
		if (!strcmp(falco_meta_events[i], name))
			return 0;
	return -ENOENT;
}

/* ---- lists ---- */

/*
 * A list's items, each a value: a list's name among them is replaced by its
 * items (as Falco substitutes lists into conditions), a quoted item loses its
 * quotes. false (c->oom, or an error in *err) on failure.
 */
static bool expand_list(struct compile *c, const struct list_def *list, size_t depth, struct strvec *out,
			char *err, size_t errlen)
{
	if (depth > LIST_DEPTH_MAX) {
		snprintf(err, errlen, "list '%s' nests lists deeper than %d (a list that contains itself?)",
			 list->name, LIST_DEPTH_MAX);
		return false;
	}
	for (size_t i = 0; i < list->n_items; i++) {
		const char *item = list->items[i];
		size_t len = strlen(item);
		const struct list_def *inner;

		if (len >= 2 && (item[0] == '"' || item[0] == '\'') && item[len - 1] == item[0]) {
			if (!strvec_push(out, item + 1, len - 2))
				goto oom;
			continue;
		}
		inner = rule_set_find_list(c->e->set, item);
		if (inner) {
			if (!expand_list(c, inner, depth + 1, out, err, errlen))
				return false;
			continue;
		}
		if (!strvec_push(out, item, len))
			goto oom;
	}
	return true;
oom:
	c->oom = true;
	return false;
}

/* ---- fields ---- */

/* The cache slot of a field with an argument: shared by every use in the engine. */
static bool slot_for(struct compile *c, const struct rule_field *field, const char *key_from_name,
		     const char *arg_text, const char *written, size_t *slot, char *err, size_t errlen)
{
	struct rule_engine *e = c->e;
	struct value_slot *s;

	for (size_t i = 0; i < e->n_slots; i++) {
		if (!strcmp(e->slots[i].key, written)) {
			*slot = i;
			return true;
		}
	}
	if (e->n_slots == e->cap_slots) {
		size_t cap = e->cap_slots ? 2 * e->cap_slots : 32;
		struct value_slot *slots = realloc(e->slots, cap * sizeof(*slots));

		if (!slots) {
			c->oom = true;
			return false;
		}
		e->slots = slots;
		e->cap_slots = cap;
	}
	s = &e->slots[e->n_slots];
	memset(s, 0, sizeof(*s));
	s->field = field;
	{
		int err_code = rule_field_bind(field, key_from_name, arg_text, &s->arg, err, errlen);

		if (err_code == -ENOMEM)
			c->oom = true;
		if (err_code)
			return false;
	}
	s->key = strdup(written);
	if (!s->key) {
		rule_field_arg_free(&s->arg);
		c->oom = true;
		return false;
	}
	*slot = e->n_slots++;
	return true;
}

/* "proc.aname[2]" as written, for messages and to share slots. */
static char *field_written(const struct condition_field *f)
{
	return f->arg ? engine_format("%s[%s]", f->name, f->arg) : strdup(f->name);
}

/* An unknown field: why vigil lacks it, when it is Falco's. */
static struct node *unknown_field(struct compile *c, size_t offset, const char *name)
{
	const struct rule_field_lack *lack = rule_field_lacking(name);

	if (lack)
		return error_at(c, offset, true, "vigil does not have the field %s (%s)", name, lack->reason);
	return error_at(c, offset, true, "unknown field '%s' (`vigil fields` lists them)", name);
}

static struct node *compile_tree(struct compile *c, const struct condition_node *cn);

static struct node *compile_evt_type(struct compile *c, const struct condition_node *cn, struct strvec *values)
{
	rule_event_mask mask = 0;
	struct node *n;

	for (size_t i = 0; i < values->n; i++) {
		rule_event_mask m;

		if (event_type_mask(values->items[i], &m))
			return error_at(c, cn->check.rhs_pos.offset, false,
					"'%s' is no event type (vigil's: exec, open, connect, ...; or a system call)",
					values->items[i]);
		mask |= m;
	}
	n = new_node(c, NODE_TYPES);
	if (!n)
		return NULL;
	n->types = mask;
	if (cn->check.op == CONDITION_OP_NE) {
		struct node *not = new_node(c, NODE_NOT);

		if (!not) {
			free(n);
			return NULL;
		}
		not->operand = n;
		return not;
	}
	return n;
}

static struct node *compile_check(struct compile *c, const struct condition_node *cn)
{
	const struct condition_field *f = &cn->check.field;
	const struct rule_field *field;
	const char *key = NULL;
	struct strvec values = { 0 };
	struct operand_error operand_err;
	struct node *n = NULL;
	char err[256], *written;
	size_t slot;
	int err_code;

	/* The values, lists expanded. */
	if (cn->type == CONDITION_COMPARE) {
		for (size_t i = 0; i < cn->check.n_values; i++) {
			const struct condition_value *v = &cn->check.values[i];
			const struct list_def *list = NULL;

			if (!v->quoted && (cn->check.rhs != CONDITION_RHS_VALUE))
				list = rule_set_find_list(c->e->set, v->text);
			if (cn->check.rhs == CONDITION_RHS_LIST_NAME && !list) {
				strvec_free(&values);
				return error_at(c, v->pos.offset, false, "unknown list '%s'", v->text);
			}
			if (list) {
				if (!expand_list(c, list, 0, &values, err, sizeof(err))) {
					strvec_free(&values);
					return c->oom ? NULL : error_at(c, v->pos.offset, false, "%s", err);
				}
			} else if (!strvec_push(&values, v->text, strlen(v->text))) {
				c->oom = true;
				strvec_free(&values);
				return NULL;
			}
		}
		if (!values.n) {
			/* in (an_empty_list): Falco takes it as matching nothing */
			strvec_free(&values);
			return new_node(c, NODE_FALSE);
		}
		if (!op_takes_set(cn->check.op) && values.n != 1) {
			strvec_free(&values);
			return error_at(c, cn->check.rhs_pos.offset, false, "'%s' takes one value, not a list",
					rule_condition_op_name(cn->check.op));
		}
	}

	if (!strcmp(f->name, "evt.type") && !f->arg && cn->type == CONDITION_COMPARE &&
	    (cn->check.op == CONDITION_OP_EQ || cn->check.op == CONDITION_OP_NE || op_takes_set(cn->check.op))) {
		n = compile_evt_type(c, cn, &values);
		strvec_free(&values);
		return n;
	}

	field = rule_field_find(f->name, &key);
	if (!field) {
		strvec_free(&values);
		return unknown_field(c, f->pos.offset, f->name);
	}
	written = field_written(f);
	if (!written) {
		c->oom = true;
		strvec_free(&values);
		return NULL;
	}
	if (!slot_for(c, field, key, f->arg, written, &slot, err, sizeof(err))) {
		free(written);
		strvec_free(&values);
		return c->oom ? NULL : error_at(c, f->pos.offset, false, "%s", err);
	}
	n = new_node(c, NODE_CHECK);
	if (!n) {
		free(written);
		strvec_free(&values);
		return NULL;
	}
	n->check.slot = slot;
	rule_text_locate(c->text, cn->pos.offset, &n->check.pos);
	n->check.macro = c->macro;
	n->check.type = c->e->slots[slot].arg.type;
	n->check.events = c->e->slots[slot].arg.events ? c->e->slots[slot].arg.events : field->events;
	if (cn->type == CONDITION_EXISTS) {
		n->check.exists = true;
		free(written);
		return n;
	}
	n->check.op = cn->check.op;
	err_code = operand_build(&n->check, cn->check.op, written, &values, &operand_err);
	free(written);
	/* The check owns the value strings now (strings point into them). */
	if (err_code) {
		for (size_t i = 0; i < values.n; i++)
			free(values.items[i]);
		free(values.items);
		free(n->check.strings);
		n->check.strings = NULL;
		node_free(n);
		if (err_code == -ENOMEM) {
			c->oom = true;
			return NULL;
		}
		return error_at(c, operand_err.at_operator ? cn->check.op_pos.offset : cn->check.rhs_pos.offset,
				false, "%s", operand_err.message);
	}
	if (!n->check.strings) {
		for (size_t i = 0; i < values.n; i++)
			free(values.items[i]);
	}
	free(values.items);
	return n;
}

/* Where a node can be true: the event types it does not rule out. */
rule_event_mask node_mask(const struct node *n)
{
	rule_event_mask m;

	switch (n->kind) {
	case NODE_TRUE:
	case NODE_ERROR:
		return RULE_EVENTS_ALL;
	case NODE_FALSE:
		return 0;
	case NODE_TYPES:
		return n->types;
	case NODE_CHECK:
		/* A field the event does not carry makes the check false. */
		return RULE_EVENTS_ALL & n->check.events;
	case NODE_NOT:
		if (n->operand->kind == NODE_TYPES)
			return RULE_EVENTS_ALL & ~n->operand->types;
		return RULE_EVENTS_ALL;
	case NODE_AND:
		m = RULE_EVENTS_ALL;
		for (size_t i = 0; i < n->group.n_children; i++)
			if (n->group.children[i]->kind != NODE_ERROR)
				m &= node_mask(n->group.children[i]);
		return m;
	case NODE_OR:
		m = 0;
		for (size_t i = 0; i < n->group.n_children; i++)
			m |= node_mask(n->group.children[i]);
		return m;
	}
	return RULE_EVENTS_ALL;
}

struct node *first_error(struct node *n)
{
	if (n->kind == NODE_ERROR)
		return n;
	if (n->kind == NODE_NOT)
		return first_error(n->operand);
	if (n->kind == NODE_AND || n->kind == NODE_OR) {
		for (size_t i = 0; i < n->group.n_children; i++) {
			struct node *err = first_error(n->group.children[i]);

			if (err)
				return err;
		}
	}
	return NULL;
}

static struct node *compile_macro(struct compile *c, const struct condition_node *cn)
{
	const char *name = cn->macro.name;
	const struct rule_set *set = c->e->set;
	const struct macro_def *macro = rule_set_find_macro(set, name);
	const struct rule_text *saved_text = c->text;
	const char *saved_macro = c->macro;
	struct condition_node *tree;
	struct node *n;
	size_t index = 0;

	if (!macro)
		return error_at(c, cn->pos.offset, false, "unknown macro '%s'", name);
	for (size_t i = 0; i < c->depth; i++)
		if (!strcmp(c->stack[i], name))
			return error_at(c, cn->pos.offset, false, "macro '%s' uses itself", name);
	if (c->depth == MACRO_DEPTH_MAX)
		return error_at(c, cn->pos.offset, false, "macros nest deeper than %d", MACRO_DEPTH_MAX);
	for (size_t i = 0; i < rule_set_macro_count(set); i++)
		if (rule_set_macro(set, i) == macro)
			index = i;
	/* Parse each macro once, the first time a rule uses it. */
	if (!c->e->macros[index] && !c->e->macro_errors[index]) {
		struct condition_error perr;
		int err = rule_condition_parse(macro->condition.text, macro->condition.len, &tree, &perr);

		if (err == -ENOMEM) {
			c->oom = true;
			return NULL;
		}
		if (err) {
			struct rule_pos pos;
			char where[512];

			rule_text_locate(&macro->condition, perr.pos.offset, &pos);
			c->e->macro_errors[index] =
				engine_format("%s: macro '%s': %s", pos_prefix(&pos, where, sizeof(where)), name, perr.message);
			if (!c->e->macro_errors[index]) {
				c->oom = true;
				return NULL;
			}
		} else {
			c->e->macros[index] = tree;
		}
	}
	if (c->e->macro_errors[index]) {
		n = new_node(c, NODE_ERROR);
		if (n) {
			n->error.message = engine_format("%s (used by rule '%s')", c->e->macro_errors[index], c->rule->name);
			if (!n->error.message) {
				free(n);
				c->oom = true;
				n = NULL;
			}
		}
		return n;
	}
	c->stack[c->depth++] = name;
	c->text = &macro->condition;
	c->macro = macro->name; /* the set's: checks keep it */
	n = compile_tree(c, c->e->macros[index]);
	c->depth--;
	c->text = saved_text;
	c->macro = saved_macro;
	return n;
}

static struct node *compile_group(struct compile *c, const struct condition_node *cn)
{
	bool is_and = cn->type == CONDITION_AND;
	struct node *n = new_node(c, is_and ? NODE_AND : NODE_OR);
	size_t kept = 0;

	if (!n)
		return NULL;
	n->group.children = calloc(cn->group.n_children, sizeof(*n->group.children));
	if (!n->group.children) {
		free(n);
		c->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < cn->group.n_children; i++) {
		struct node *child = compile_tree(c, cn->group.children[i]);

		if (!child) {
			node_free(n);
			return NULL;
		}
		/* Constants fold: true in an and, false in an or, are nothing. */
		if ((is_and && child->kind == NODE_TRUE) || (!is_and && child->kind == NODE_FALSE)) {
			free(child);
			continue;
		}
		n->group.children[kept++] = child;
		n->group.n_children = kept;
	}
	if (is_and && !(node_mask(n) & RULE_EVENTS_ALL)) {
		/* No event vigil has can make it true: false, whatever its parts lack. */
		node_free(n);
		return new_node(c, NODE_FALSE);
	}
	for (size_t i = 0; i < kept; i++) {
		struct node *child = n->group.children[i];

		if ((is_and && child->kind == NODE_FALSE) || (!is_and && child->kind == NODE_TRUE)) {
			enum node_kind k = child->kind;
			struct node *err = first_error(n);

			if (err)
				break;
			node_free(n);
			return new_node(c, k);
		}
	}
	if (kept == 0) {
		node_free(n);
		return new_node(c, is_and ? NODE_TRUE : NODE_FALSE);
	}
	if (kept == 1) {
		struct node *only = n->group.children[0];

		free(n->group.children);
		free(n);
		return only;
	}
	return n;
}

static struct node *compile_tree(struct compile *c, const struct condition_node *cn)
{
	struct node *n, *operand;

	switch (cn->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		return compile_group(c, cn);
	case CONDITION_NOT:
		operand = compile_tree(c, cn->operand);
		if (!operand)
			return NULL;
		if (operand->kind == NODE_TRUE || operand->kind == NODE_FALSE) {
			operand->kind = operand->kind == NODE_TRUE ? NODE_FALSE : NODE_TRUE;
			return operand;
		}
		if (operand->kind == NODE_NOT) {
			n = operand->operand;
			free(operand);
			return n;
		}
		n = new_node(c, NODE_NOT);
		if (!n) {
			node_free(operand);
			return NULL;
		}
		n->operand = operand;
		return n;
	case CONDITION_COMPARE:
	case CONDITION_EXISTS:
		return compile_check(c, cn);
	case CONDITION_MACRO:
		return compile_macro(c, cn);
	}
	return error_at(c, cn->pos.offset, false, "unknown condition node");
}

/* ---- entry points for rule_engine.c ---- */

bool engine_field_slot(struct rule_engine *e, const char *name, const char *arg, size_t *slot, char *err,
		       size_t errlen, bool *oom)
{
	struct compile c = { .e = e };
	const struct rule_field *field;
	const char *key = NULL;
	char *written;
	bool ok;

	field = rule_field_find(name, &key);
	if (!field) {
		snprintf(err, errlen, "unknown field '%s'", name);
		return false;
	}
	written = arg ? engine_format("%s[%s]", name, arg) : strdup(name);
	if (!written) {
		*oom = true;
		return false;
	}
	ok = slot_for(&c, field, key, arg, written, slot, err, errlen);
	free(written);
	*oom = c.oom;
	return ok;
}

struct node *compile_condition(struct rule_engine *e, const struct rule_def *rule, bool *oom)
{
	struct compile c = { .e = e, .rule = rule, .text = &rule->condition };
	struct condition_node *tree;
	struct condition_error perr;
	struct node *n;
	int err;

	*oom = false;
	err = rule_condition_parse(rule->condition.text, rule->condition.len, &tree, &perr);
	if (err == -ENOMEM) {
		*oom = true;
		return NULL;
	}
	if (err) {
		n = error_at(&c, perr.pos.offset, false, "%s", perr.message);
		*oom = c.oom;
		return n;
	}
	n = compile_tree(&c, tree);
	rule_condition_free(tree);
	if (c.oom) {
		node_free(n);
		*oom = true;
		return NULL;
	}
	return n;
}
