// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arbitrary bytes as a rule condition: the parser refuses with a printable
 * sentence at a position inside the text and nothing to free, or accepts a
 * well-formed tree whose canonical form parses back to the same tree and
 * prints the same. A crash, a sanitizer report (leaks included) or an abort()
 * is a bug.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule_condition.h"

/* Where each line of the text starts, to check positions against. */
struct text_shape {
	size_t len;
	size_t *line_starts;
	unsigned int lines;
};

/* line:column and offset say the same place, inside the text or just past its end. */
static void check_pos(struct condition_pos pos, const struct text_shape *shape)
{
	size_t line_end;

	if (pos.line < 1 || pos.line > shape->lines || pos.column < 1 || pos.offset > shape->len)
		abort();
	if (pos.offset != shape->line_starts[pos.line - 1] + pos.column - 1)
		abort();
	line_end = pos.line < shape->lines ? shape->line_starts[pos.line] - 1 : shape->len;
	if (pos.offset > line_end)
		abort();
}

static void check_string(const char *s)
{
	if (!s)
		abort();
}

static void check_refused(int ret, const struct condition_node *node, const struct condition_error *err,
			  const struct text_shape *shape)
{
	if ((ret != -EINVAL && ret != -ENOMEM) || node != NULL || err->message[0] == '\0')
		abort();
	for (const char *c = err->message; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			abort();
	check_pos(err->pos, shape);
}

static void check_tree(const struct condition_node *node, const struct text_shape *shape, unsigned int depth)
{
	if (!node || depth > RULE_CONDITION_MAX_DEPTH + 1)
		abort();
	check_pos(node->pos, shape);
	switch (node->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		if (node->group.n_children < 2)
			abort();
		for (size_t i = 0; i < node->group.n_children; i++)
			check_tree(node->group.children[i], shape, depth + 1);
		return;
	case CONDITION_NOT:
		check_tree(node->operand, shape, depth + 1);
		return;
	case CONDITION_MACRO:
		check_string(node->macro.name);
		if (strchr(node->macro.name, '.') || !strcmp(node->macro.name, "and") || !strcmp(node->macro.name, "or") ||
		    !strcmp(node->macro.name, "not"))
			abort();
		return;
	case CONDITION_EXISTS:
	case CONDITION_COMPARE:
		check_string(node->check.field.name);
		if (!strchr(node->check.field.name, '.'))
			abort();
		check_pos(node->check.field.pos, shape);
		check_pos(node->check.op_pos, shape);
		break;
	default:
		abort();
	}
	if (node->type == CONDITION_EXISTS) {
		if (node->check.n_values != 0)
			abort();
		return;
	}
	check_pos(node->check.rhs_pos, shape);
	switch (node->check.rhs) {
	case CONDITION_RHS_VALUE:
	case CONDITION_RHS_LIST_NAME:
		if (node->check.n_values != 1)
			abort();
		break;
	case CONDITION_RHS_LIST:
		if (node->check.n_values < 1)
			abort();
		break;
	default:
		abort();
	}
	for (size_t i = 0; i < node->check.n_values; i++) {
		check_string(node->check.values[i].text);
		check_pos(node->check.values[i].pos, shape);
		if (node->check.rhs == CONDITION_RHS_LIST_NAME && node->check.values[i].quoted)
			abort();
	}
	if (node->check.op > CONDITION_OP_PMATCH || !strcmp(rule_condition_op_name(node->check.op), "?"))
		abort();
}

static bool shape_of(const char *text, size_t len, struct text_shape *shape)
{
	shape->len = len;
	shape->lines = 1;
	for (size_t i = 0; i < len; i++)
		shape->lines += text[i] == '\n';
	shape->line_starts = malloc(shape->lines * sizeof(*shape->line_starts));
	if (!shape->line_starts)
		return false;
	shape->line_starts[0] = 0;
	for (size_t i = 0, line = 1; i < len; i++)
		if (text[i] == '\n')
			shape->line_starts[line++] = i + 1;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct condition_node *node = (struct condition_node *)1, *again = NULL;
	struct condition_error err;
	struct text_shape shape;
	/* An exact-size heap copy without a NUL: ASan then catches any read past the end. */
	char *copy = malloc(size ? size : 1), *printed, *printed_again;
	size_t printed_len;
	int ret;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (!shape_of(copy, size, &shape)) {
		free(copy);
		return 0;
	}
	ret = rule_condition_parse(copy, size, &node, &err);
	if (ret != 0) {
		check_refused(ret, node, &err, &shape);
		free(shape.line_starts);
		free(copy);
		return 0;
	}
	check_tree(node, &shape, 0);

	printed = rule_condition_to_string(node);
	if (!printed)
		abort();
	printed_len = strlen(printed);
	/* Canonical spacing and escapes can make a text at the length limit longer than it. */
	if (printed_len <= RULE_CONDITION_MAX_LEN) {
		if (rule_condition_parse(printed, printed_len, &again, &err) != 0)
			abort();
		if (!rule_condition_equal(node, again))
			abort();
		printed_again = rule_condition_to_string(again);
		if (!printed_again || strcmp(printed, printed_again) != 0)
			abort();
		free(printed_again);
		rule_condition_free(again);
	}
	free(printed);
	rule_condition_free(node);
	free(shape.line_starts);
	free(copy);
	return 0;
}
