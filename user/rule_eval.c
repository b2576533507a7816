// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Running a compiled condition on one event. Each field is read at most once
 * per event (the value cache, stamped with the event's generation); sets are
 * searched by bisection; nothing here allocates.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_engine_internal.h"

const struct value_slot *slot_read(struct rule_engine *e, size_t slot, const struct rule_event *ev)
{
	struct value_slot *s = &e->slots[slot];

	if (s->generation != e->generation) {
		s->n = s->field->extract(ev, &s->arg, s->values, RULE_FIELD_VALUES_MAX, e->scratch);
		s->generation = e->generation;
	}
	return s;
}

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = memcmp(a, b, n);

	return r ? r : (alen > blen) - (alen < blen);
}

static bool string_in_set(const struct set_string *set, size_t n, const char *s, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = compare_bytes(s, len, set[mid].ptr, set[mid].len);

		if (!r)
			return true;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/*
 * pmatch: s is one of the paths or below one ("/etc" matches "/etc" and
 * "/etc/passwd", not "/etcx"): each of s's prefixes that ends a component is
 * looked up in the set. A path in the set written with a trailing '/' matches
 * what is below it.
 */
static bool path_below_set(const struct set_string *set, size_t n, const char *s, size_t len)
{
	for (size_t i = 1; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (string_in_set(set, n, s, i))
			return true;
		if (i < len && string_in_set(set, n, s, i + 1))
			return true;
	}
	return false;
}

static bool contains_lower(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	if (needle_len > hay_len)
		return false;
	for (size_t i = 0; i + needle_len <= hay_len; i++) {
		size_t j = 0;

		while (j < needle_len && tolower((unsigned char)hay[i + j]) == needle[j])
			j++;
		if (j == needle_len)
			return true;
	}
	return false;
}

static bool glob_match(const struct check *k, const char *s, size_t len)
{
	char buf[4096];

	/* fnmatch wants a C string; longer values are cut (and a NUL inside ends it) */
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return fnmatch(k->glob, buf, k->op == CONDITION_OP_IGLOB ? FNM_CASEFOLD : 0) == 0;
}

bool rule_string_matches(const struct check *k, const char *s, size_t len)
{
	static const struct set_string none = { "", 0 };
	/* glob checks keep their pattern apart and have no strings */
	const struct set_string *v = k->strings ? &k->strings[0] : &none;

	switch (k->op) {
	case CONDITION_OP_EQ:
		return len == v->len && !memcmp(s, v->ptr, len);
	case CONDITION_OP_NE:
		return !(len == v->len && !memcmp(s, v->ptr, len));
	case CONDITION_OP_CONTAINS:
	case CONDITION_OP_BCONTAINS:
		return v->len == 0 || (len >= v->len && memmem(s, len, v->ptr, v->len));
	case CONDITION_OP_ICONTAINS:
		return contains_lower(s, len, v->ptr, v->len);
	case CONDITION_OP_STARTSWITH:
	case CONDITION_OP_BSTARTSWITH:
		return len >= v->len && !memcmp(s, v->ptr, v->len);
	case CONDITION_OP_ENDSWITH:
		return len >= v->len && !memcmp(s + len - v->len, v->ptr, v->len);
	case CONDITION_OP_GLOB:
	case CONDITION_OP_IGLOB:
		return glob_match(k, s, len);
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
		return string_in_set(k->strings, k->n_values, s, len);
	case CONDITION_OP_PMATCH:
		return path_below_set(k->strings, k->n_values, s, len);
	default:
		return false;
	}
}

static bool number_in_set(const uint64_t *set, size_t n, uint64_t x, bool is_signed)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		bool less = is_signed ? (int64_t)x < (int64_t)set[mid] : x < set[mid];

		if (x == set[mid])
			return true;
		if (less)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

bool rule_number_matches(const struct check *k, uint64_t x)
{
	bool is_signed = k->type == RULE_FIELD_INT;
	uint64_t v = k->numbers[0];
	int order = is_signed ? ((int64_t)x > (int64_t)v) - ((int64_t)x < (int64_t)v) : (x > v) - (x < v);

	switch (k->op) {
	case CONDITION_OP_EQ:
		return x == v;
	case CONDITION_OP_NE:
		return x != v;
	case CONDITION_OP_LT:
		return order < 0;
	case CONDITION_OP_LE:
		return order <= 0;
	case CONDITION_OP_GT:
		return order > 0;
	case CONDITION_OP_GE:
		return order >= 0;
	case CONDITION_OP_IN:
	case CONDITION_OP_INTERSECTS:
		return number_in_set(k->numbers, k->n_values, x, is_signed);
	default:
		return false;
	}
}

static bool net_contains(const struct ip_net *net, const struct rule_field_value *v)
{
	unsigned int full = net->prefix / 8, rest = net->prefix % 8;

	if (net->family != v->ip.family)
		return false;
	if (memcmp(net->bytes, v->ip.bytes, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((net->bytes[full] & mask) != (v->ip.bytes[full] & mask))
			return false;
	}
	return true;
}

static bool ip_matches(const struct check *k, const struct rule_field_value *v)
{
	bool inside = false;

	for (size_t i = 0; i < k->n_values && !inside; i++)
		inside = net_contains(&k->nets[i], v);
	return k->op == CONDITION_OP_NE ? !inside : inside;
}

static bool value_matches(const struct check *k, const struct rule_field_value *v)
{
	switch (v->type) {
	case RULE_FIELD_STRING:
		return (k->strings || k->glob) && rule_string_matches(k, v->str.ptr, v->str.len);
	case RULE_FIELD_UINT:
		return k->numbers && rule_number_matches(k, v->u);
	case RULE_FIELD_INT:
		return k->numbers && rule_number_matches(k, (uint64_t)v->i);
	case RULE_FIELD_BOOL:
		return k->numbers && rule_number_matches(k, v->b);
	case RULE_FIELD_IPADDR:
	case RULE_FIELD_IPNET:
		return k->nets && ip_matches(k, v);
	}
	return false;
}

static bool check_eval(struct rule_engine *e, const struct check *k, const struct rule_event *ev)
{
	const struct value_slot *s;

	if (!(k->events & RULE_EVENT_BIT(ev->type)))
		return false;
	s = slot_read(e, k->slot, ev);
	if (k->exists)
		return s->n > 0;
	/* A field with several values (every ancestor's name): one of them must match. */
	for (size_t i = 0; i < s->n; i++)
		if (value_matches(k, &s->values[i]))
			return true;
	return false;
}

bool node_eval(struct rule_engine *e, const struct node *n, const struct rule_event *ev)
{
	switch (n->kind) {
	case NODE_TRUE:
		return true;
	case NODE_FALSE:
	case NODE_ERROR:
		return false;
	case NODE_AND:
		for (size_t i = 0; i < n->group.n_children; i++)
			if (!node_eval(e, n->group.children[i], ev))
				return false;
		return true;
	case NODE_OR:
		for (size_t i = 0; i < n->group.n_children; i++)
			if (node_eval(e, n->group.children[i], ev))
				return true;
		return false;
	case NODE_NOT:
		return !node_eval(e, n->operand, ev);
	case NODE_TYPES:
		return (n->types & RULE_EVENT_BIT(ev->type)) != 0;
	case NODE_CHECK:
		return check_eval(e, &n->check, ev);
	}
	return false;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case NODE_AND:
	case NODE_OR:
		for (size_t i = 0; i < n->group.n_children; i++)
			node_free(n->group.children[i]);
		free(n->group.children);
		break;
	case NODE_NOT:
		node_free(n->operand);
		break;
	case NODE_CHECK:
		if (n->check.strings) {
			/* the strings own their bytes (one allocation each) */
			for (size_t i = 0; i < n->check.n_values; i++)
				free((char *)n->check.strings[i].ptr);
		}
		free(n->check.strings);
		free(n->check.numbers);
		free(n->check.nets);
		free(n->check.glob);
		break;
	case NODE_ERROR:
		free(n->error.message);
		break;
	default:
		break;
	}
	free(n);
}

void value_to_text(const struct rule_field_value *v, char *buf, size_t len)
{
	size_t n;

	if (!len)
		return;
	switch (v->type) {
	case RULE_FIELD_STRING:
		n = v->str.len < len - 1 ? v->str.len : len - 1;
		memcpy(buf, v->str.ptr, n);
		buf[n] = '\0';
		/* a NUL inside ends the text: argv travels NUL-separated */
		break;
	case RULE_FIELD_UINT:
		snprintf(buf, len, "%" PRIu64, v->u);
		break;
	case RULE_FIELD_INT:
		snprintf(buf, len, "%" PRId64, v->i);
		break;
	case RULE_FIELD_BOOL:
		snprintf(buf, len, "%s", v->b ? "true" : "false");
		break;
	case RULE_FIELD_IPADDR:
	case RULE_FIELD_IPNET: {
		char addr[INET6_ADDRSTRLEN];

		if (!inet_ntop(v->ip.family == 6 ? AF_INET6 : AF_INET, v->ip.bytes, addr, sizeof(addr)))
			snprintf(addr, sizeof(addr), "?");
		if (v->type == RULE_FIELD_IPNET && v->ip.prefix != (v->ip.family == 6 ? 128 : 32))
			snprintf(buf, len, "%s/%u", addr, v->ip.prefix);
		else
			snprintf(buf, len, "%s", addr);
		break;
	}
	}
}
