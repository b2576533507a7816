// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the enabled rules need the kernel's filters to let through. The file
 * programs report opens of watched paths only, the capable program the
 * capabilities in its mask, the socket program the families in its mask; a
 * rule that tests those events must have its paths, capabilities and families
 * in them, or it would never see what it looks for.
 *
 * A rule "narrows" a kind of event when, wherever its condition can be true
 * on such an event, a check that the filter can express holds: fd.name =,
 * in, startswith or pmatch an absolute path; fd.directory = or in; fd.filename
 * = or in (a last component); evt.arg.cap = or in; evt.arg.domain = or in.
 * Those values are collected. A rule that tests file events without narrowing
 * them is reported (it sees only what other rules and the defaults watch);
 * one that tests capable or socket events without narrowing them opens the
 * mask wide.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_schema.h"
#include "rule_engine_internal.h"

#define FILE_EVENTS                                                                               \
	(RULE_EVENT_BIT(VIGIL_EVENT_OPEN) | RULE_EVENT_BIT(VIGIL_EVENT_OPENAT) |                   \
	 RULE_EVENT_BIT(VIGIL_EVENT_OPENAT2) | RULE_EVENT_BIT(VIGIL_EVENT_SYMLINK) |               \
	 RULE_EVENT_BIT(VIGIL_EVENT_SYMLINKAT) | RULE_EVENT_BIT(VIGIL_EVENT_LINK) |                \
	 RULE_EVENT_BIT(VIGIL_EVENT_LINKAT) | RULE_EVENT_BIT(VIGIL_EVENT_CHMOD) |                  \
	 RULE_EVENT_BIT(VIGIL_EVENT_FCHMOD) | RULE_EVENT_BIT(VIGIL_EVENT_FCHMODAT))

enum need_kind {
	NEED_PATHS,
	NEED_CAPS,
	NEED_FAMILIES,
};

struct collect {
	const struct rule_engine *e;
	enum need_kind kind;
	rule_event_mask events;     /* the events this kind of filter decides */
	struct rule_kernel_needs *needs;
	const char *why;            /* the first check that does not narrow, for the message */
	bool oom;
};

static bool push(char ***items, size_t *n, const char *s)
{
	char **grown;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*items)[i], s))
			return true;
	grown = realloc(*items, (*n + 1) * sizeof(**items));
	if (!grown)
		return false;
	*items = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return false;
	(*n)++;
	return true;
}

static const char *slot_name(const struct rule_engine *e, const struct check *k)
{
	return e->slots[k->slot].key;
}

static bool is_set_or_eq(enum condition_op op)
{
	return op == CONDITION_OP_EQ || op == CONDITION_OP_IN || op == CONDITION_OP_INTERSECTS;
}

/* A check the path filter can express: collect its values. */
static bool narrow_path(struct collect *c, const struct check *k)
{
	const char *name = slot_name(c->e, k);
	bool whole_path = !strcmp(name, "fd.name") || !strcmp(name, "fs.path.name") ||
			  !strcmp(name, "fs.path.source") || !strcmp(name, "fs.path.target") ||
			  !strcmp(name, "evt.arg.path") || !strcmp(name, "evt.arg[path]");
	bool directory = !strcmp(name, "fd.directory");
	bool filename = !strcmp(name, "fd.filename");

	if (k->exists || k->type != RULE_FIELD_STRING || !k->strings)
		return false;
	if (whole_path && (is_set_or_eq(k->op) || k->op == CONDITION_OP_STARTSWITH || k->op == CONDITION_OP_PMATCH)) {
		for (size_t i = 0; i < k->n_values; i++)
			if (k->strings[i].ptr[0] != '/')
				return false;
		for (size_t i = 0; i < k->n_values && !c->oom; i++)
			c->oom = !push(&c->needs->path_prefixes, &c->needs->n_path_prefixes, k->strings[i].ptr);
		return true;
	}
	if (directory && is_set_or_eq(k->op)) {
		for (size_t i = 0; i < k->n_values; i++)
			if (k->strings[i].ptr[0] != '/')
				return false;
		for (size_t i = 0; i < k->n_values && !c->oom; i++) {
			char dir[4096];
			size_t len = strlen(k->strings[i].ptr);

			/* "/etc" and "/etc/" both watch what is directly below /etc */
			snprintf(dir, sizeof(dir), "%s%s", k->strings[i].ptr,
				 len && k->strings[i].ptr[len - 1] == '/' ? "" : "/");
			c->oom = !push(&c->needs->path_prefixes, &c->needs->n_path_prefixes, dir);
		}
		return true;
	}
	if (filename && is_set_or_eq(k->op)) {
		for (size_t i = 0; i < k->n_values; i++)
			if (!k->strings[i].len || strchr(k->strings[i].ptr, '/'))
				return false;
		for (size_t i = 0; i < k->n_values && !c->oom; i++)
			c->oom = !push(&c->needs->path_names, &c->needs->n_path_names, k->strings[i].ptr);
		return true;
	}
	return false;
}

/* evt.arg.cap = / in names: the capabilities' bits. */
static bool narrow_numbered(struct collect *c, const struct check *k, const char *arg, uint64_t *mask,
			    bool (*number_of)(const char *name, unsigned int *n))
{
	const char *name = slot_name(c->e, k);
	char dotted[64], bracketed[64];
	uint64_t bits = 0;

	snprintf(dotted, sizeof(dotted), "evt.arg.%s", arg);
	snprintf(bracketed, sizeof(bracketed), "evt.arg[%s]", arg);
	if ((strcmp(name, dotted) && strcmp(name, bracketed)) || k->exists || !is_set_or_eq(k->op) || !k->strings)
		return false;
	for (size_t i = 0; i < k->n_values; i++) {
		unsigned int n;

		if (!number_of(k->strings[i].ptr, &n) || n >= 64)
			return false;
		bits |= 1ull << n;
	}
	*mask |= bits;
	return true;
}

static bool capability_number(const char *name, unsigned int *n)
{
	for (unsigned int cap = 0; cap < 64; cap++) {
		const char *cn = capability_name(cap);

		if (cn && !strcmp(cn, name)) {
			*n = cap;
			return true;
		}
	}
	return false;
}

static bool family_number(const char *name, unsigned int *n)
{
	for (unsigned int family = 0; family < 64; family++) {
		char text[64];

		field_to_text(FIELD_SOCKET_FAMILY, family, text, sizeof(text));
		if (!strcmp(text, name)) {
			*n = family;
			return true;
		}
	}
	return false;
}

/*
 * Whether, on this filter's events, n can be true only where a collected
 * value lets the event through. positive: n is not under a `not`.
 */
static bool narrows(struct collect *c, const struct node *n, bool positive)
{
	switch (n->kind) {
	case NODE_FALSE:
		return positive;
	case NODE_TRUE:
	case NODE_ERROR:
		return !positive;
	case NODE_TYPES:
		/* evt.type in (...) without the filter's events: nothing to let through */
		return positive ? !(n->types & c->events) : !(~n->types & c->events & RULE_EVENTS_ALL);
	case NODE_NOT:
		return narrows(c, n->operand, !positive);
	case NODE_AND:
	case NODE_OR: {
		/* Under a `not`, and is or and or is and (De Morgan). Every part is visited: each adds values. */
		bool conjunction = (n->kind == NODE_AND) == positive, any = false, all = true;

		for (size_t i = 0; i < n->group.n_children; i++) {
			bool part = narrows(c, n->group.children[i], positive);

			any = any || part;
			all = all && part;
		}
		return conjunction ? any : all;
	}
	case NODE_CHECK:
		if (!(n->check.events & c->events))
			return positive; /* never true on these events */
		if (!positive)
			break;
		switch (c->kind) {
		case NEED_PATHS:
			if (narrow_path(c, &n->check))
				return true;
			break;
		case NEED_CAPS:
			if (narrow_numbered(c, &n->check, "cap", &c->needs->capabilities, capability_number))
				return true;
			break;
		case NEED_FAMILIES:
			if (narrow_numbered(c, &n->check, "domain", &c->needs->socket_families, family_number))
				return true;
			break;
		}
		if (!c->why)
			c->why = slot_name(c->e, &n->check);
		return false;
	}
	return false;
}

static int collect_rule(const struct rule_engine *e, const struct compiled_rule *r, struct rule_kernel_needs *needs)
{
	struct collect c = { .e = e, .needs = needs };

	if (r->info.events & FILE_EVENTS) {
		c.kind = NEED_PATHS;
		c.events = r->info.events & FILE_EVENTS;
		c.why = NULL;
		if (!narrows(&c, r->root, true) && !c.oom) {
			char *line = engine_format("rule '%s' tests file events without naming their paths%s%s%s: it sees "
						   "only the paths other rules and the defaults watch",
						   r->info.def->name, c.why ? " (" : "", c.why ? c.why : "",
						   c.why ? " cannot narrow the kernel's watch list)" : "");

			if (!line || !push(&needs->unnarrowed, &needs->n_unnarrowed, line))
				c.oom = true;
			free(line);
		}
	}
	if (r->info.events & RULE_EVENT_BIT(VIGIL_EVENT_CAPABLE)) {
		c.kind = NEED_CAPS;
		c.events = RULE_EVENT_BIT(VIGIL_EVENT_CAPABLE);
		if (!narrows(&c, r->root, true))
			needs->capabilities = ~0ull;
	}
	if (r->info.events & RULE_EVENT_BIT(VIGIL_EVENT_SOCKET)) {
		c.kind = NEED_FAMILIES;
		c.events = RULE_EVENT_BIT(VIGIL_EVENT_SOCKET);
		if (!narrows(&c, r->root, true))
			needs->socket_families = ~0ull;
	}
	return c.oom ? -ENOMEM : 0;
}

int rule_engine_kernel_needs(const struct rule_engine *e, struct rule_kernel_needs *needs)
{
	memset(needs, 0, sizeof(*needs));
	for (size_t i = 0; i < e->n_rules; i++) {
		const struct compiled_rule *r = &e->rules[i];
		int err;

		if (r->info.status != RULE_LOADED)
			continue;
		err = collect_rule(e, r, needs);
		if (err) {
			rule_kernel_needs_free(needs);
			return err;
		}
	}
	return 0;
}

static void free_strings(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void rule_kernel_needs_free(struct rule_kernel_needs *needs)
{
	free_strings(needs->path_prefixes, needs->n_path_prefixes);
	free_strings(needs->path_names, needs->n_path_names);
	free_strings(needs->unnarrowed, needs->n_unnarrowed);
	memset(needs, 0, sizeof(*needs));
}
