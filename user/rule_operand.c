// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A check's operand: the values a condition compares a field with (lists
 * expanded) turned, once at load, into what evaluation needs: strings sorted
 * for bisection (in, intersects, pmatch), numbers parsed by the field's type
 * and sorted, IP networks parsed, hex bytes decoded, glob patterns kept.
 * Type errors are found here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_engine_internal.h"

bool strvec_push(struct strvec *v, const char *s, size_t len)
{
	char *copy;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;
		char **items = realloc(v->items, cap * sizeof(*items));

		if (!items)
			return false;
		v->items = items;
		v->cap = cap;
	}
	/* bytes, not a C string: hex operands may hold NUL */
	copy = malloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, s, len);
	copy[len] = '\0';
	v->items[v->n++] = copy;
	return true;
}

void strvec_free(struct strvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static int compare_set_strings(const void *a, const void *b)
{
	const struct set_string *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->ptr, y->ptr, n);

	return r ? r : (x->len > y->len) - (x->len < y->len);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool parse_uint(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool parse_int(const char *s, int64_t *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 0);
	return !errno && !*end;
}

/* "10.0.0.0/8", "::1", "1.2.3.4": a network (an address is a full-length one). */
static bool parse_net(const char *s, struct ip_net *net)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;

	if (len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, addr, net->bytes) == 1) {
		net->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, net->bytes) == 1) {
		net->family = 6;
		max = 128;
	} else {
		return false;
	}
	net->prefix = max;
	if (slash) {
		uint64_t prefix;

		if (!parse_uint(slash + 1, &prefix) || prefix > max || !isdigit((unsigned char)slash[1]))
			return false;
		net->prefix = prefix;
	}
	return true;
}

bool op_takes_set(enum condition_op op)
{
	return op == CONDITION_OP_IN || op == CONDITION_OP_INTERSECTS || op == CONDITION_OP_PMATCH;
}

static bool op_is_order(enum condition_op op)
{
	return op == CONDITION_OP_LT || op == CONDITION_OP_LE || op == CONDITION_OP_GT || op == CONDITION_OP_GE;
}

/* Falco's b* operators take hex bytes: "deadbeef". */
static bool hex_decode(const char *s, struct strvec *out)
{
	size_t len = strlen(s);
	char *bytes;
	bool ok;

	if (len % 2)
		return false;
	bytes = malloc(len / 2 + 1);
	if (!bytes)
		return false;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int byte;

		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &byte) != 1) {
			free(bytes);
			return false;
		}
		bytes[i] = (char)byte;
	}
	ok = strvec_push(out, bytes, len / 2);
	free(bytes);
	return ok;
}

/* Say what is wrong with an operand, and whether at the operator or at a value. */
static int operand_error(struct operand_error *err, bool at_operator, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int operand_error(struct operand_error *err, bool at_operator, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->at_operator = at_operator;
	return -EINVAL;
}

int operand_build(struct check *k, enum condition_op op, const char *field_name, struct strvec *values,
		  struct operand_error *err)
{
	size_t n = values->n;

	k->n_values = n;
	switch (k->type) {
	case RULE_FIELD_STRING:
		if (op_is_order(op))
			return operand_error(err, true,
					"'%s' compares numbers, and %s is a string", rule_condition_op_name(op),
					field_name);
		if (op == CONDITION_OP_GLOB || op == CONDITION_OP_IGLOB) {
			k->glob = strdup(values->items[0]);
			return k->glob ? 0 : -ENOMEM;
		}
		if (op == CONDITION_OP_BCONTAINS || op == CONDITION_OP_BSTARTSWITH) {
			struct strvec bytes = { 0 };
			size_t hex_len = strlen(values->items[0]);

			if (!hex_decode(values->items[0], &bytes)) {
				strvec_free(&bytes);
				return operand_error(err, false, "'%s' takes hex bytes (\"2f6574\"), not '%s'",
						rule_condition_op_name(op), values->items[0]);
			}
			free(values->items[0]);
			values->items[0] = bytes.items[0];
			free(bytes.items);
			/* the length is the decoded one: it may hold NUL bytes */
			k->strings = calloc(1, sizeof(*k->strings));
			if (!k->strings)
				return -ENOMEM;
			k->strings[0].ptr = values->items[0];
			k->strings[0].len = hex_len / 2;
			return 0;
		}
		k->strings = calloc(n, sizeof(*k->strings));
		if (!k->strings)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (op == CONDITION_OP_ICONTAINS)
				for (char *p = values->items[i]; *p; p++)
					*p = (char)tolower((unsigned char)*p);
			k->strings[i].ptr = values->items[i];
			k->strings[i].len = strlen(values->items[i]);
		}
		if (op_takes_set(op))
			qsort(k->strings, n, sizeof(*k->strings), compare_set_strings);
		return 0;
	case RULE_FIELD_UINT:
	case RULE_FIELD_INT:
	case RULE_FIELD_BOOL:
		if (op != CONDITION_OP_EQ && op != CONDITION_OP_NE && op != CONDITION_OP_IN &&
		    op != CONDITION_OP_INTERSECTS && !(op_is_order(op) && k->type != RULE_FIELD_BOOL))
			return operand_error(err, true, "'%s' compares strings, and %s is %s",
					rule_condition_op_name(op), field_name,
					k->type == RULE_FIELD_BOOL ? "a boolean" : "a number");
		k->numbers = calloc(n, sizeof(*k->numbers));
		if (!k->numbers)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *v = values->items[i];
			int64_t signed_value = 0;
			bool ok;

			if (k->type == RULE_FIELD_BOOL) {
				ok = !strcmp(v, "true") || !strcmp(v, "false");
				k->numbers[i] = !strcmp(v, "true");
			} else if (k->type == RULE_FIELD_UINT) {
				ok = parse_uint(v, &k->numbers[i]);
			} else {
				ok = parse_int(v, &signed_value);
				k->numbers[i] = (uint64_t)signed_value;
			}
			if (!ok)
				return operand_error(err, false, "%s is %s: '%s' is not one", field_name,
						k->type == RULE_FIELD_BOOL ? "a boolean (true or false)"
						: k->type == RULE_FIELD_UINT ? "an unsigned number"
									     : "a number",
						v);
		}
		if (n > 1)
			qsort(k->numbers, n, sizeof(*k->numbers), k->type == RULE_FIELD_INT ? compare_i64 : compare_u64);
		return 0;
	case RULE_FIELD_IPADDR:
	case RULE_FIELD_IPNET:
		if (op != CONDITION_OP_EQ && op != CONDITION_OP_NE && op != CONDITION_OP_IN &&
		    op != CONDITION_OP_INTERSECTS)
			return operand_error(err, true,
					"%s is an IP address: it takes =, !=, in and intersects, not '%s'", field_name,
					rule_condition_op_name(op));
		k->nets = calloc(n, sizeof(*k->nets));
		if (!k->nets)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!parse_net(values->items[i], &k->nets[i]))
				return operand_error(err, false,
						"%s is an IP address: '%s' is no address or network (\"10.0.0.0/8\")",
						field_name, values->items[i]);
		return 0;
	}
	return 0;
}

