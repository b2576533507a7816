// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule conditions (rule_condition.h has the grammar): a recursive descent over
 * the bytes of one condition, a tree of heap nodes, and the printer that
 * writes a tree back.
 *
 * Where Falco's lexer is looser than its grammar, this one follows the
 * grammar: keywords and word operators end at a word boundary ("proc.name inx"
 * is an unknown operator, not "in x"), and a backslash always escapes the next
 * byte of a quoted string (Falco's lexer takes any quote after a backslash for
 * an escaped one, so that "a\\" does not end at its closing quote).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_condition.h"

struct parser {
	const char *text;
	size_t len;
	size_t at;          /* the next byte */
	unsigned int line;  /* of text[at] */
	size_t line_start;  /* where that line starts */
	unsigned int depth; /* parentheses and 'not's open */
	struct condition_error *err;
	int status; /* 0, or the first error's -errno: later ones would only follow from it */
};

enum op_kind { OP_STRING, OP_NUMBER, OP_LIST };

static const struct {
	const char *text;
	enum condition_op op;
	enum op_kind kind;
} operators[] = {
	/* Symbols: the longest first, so that "<=" is not "<" then "=". */
	{ "==", CONDITION_OP_EQ, OP_STRING },
	{ "=", CONDITION_OP_EQ, OP_STRING },
	{ "!=", CONDITION_OP_NE, OP_STRING },
	{ "<=", CONDITION_OP_LE, OP_NUMBER },
	{ "<", CONDITION_OP_LT, OP_NUMBER },
	{ ">=", CONDITION_OP_GE, OP_NUMBER },
	{ ">", CONDITION_OP_GT, OP_NUMBER },
	/* Words: whole words only. */
	{ "contains", CONDITION_OP_CONTAINS, OP_STRING },
	{ "icontains", CONDITION_OP_ICONTAINS, OP_STRING },
	{ "bcontains", CONDITION_OP_BCONTAINS, OP_STRING },
	{ "startswith", CONDITION_OP_STARTSWITH, OP_STRING },
	{ "bstartswith", CONDITION_OP_BSTARTSWITH, OP_STRING },
	{ "endswith", CONDITION_OP_ENDSWITH, OP_STRING },
	{ "glob", CONDITION_OP_GLOB, OP_STRING },
	{ "iglob", CONDITION_OP_IGLOB, OP_STRING },
	{ "in", CONDITION_OP_IN, OP_LIST },
	{ "intersects", CONDITION_OP_INTERSECTS, OP_LIST },
	{ "pmatch", CONDITION_OP_PMATCH, OP_LIST },
};
#define N_OPERATORS (sizeof(operators) / sizeof(operators[0]))

/* Falco's field transformers and val(): field-to-field comparisons, which vigil does not have. */
static const char *const transformers[] = { "val", "tolower", "toupper", "b64", "basename", "len" };

const char *rule_condition_op_name(enum condition_op op)
{
	/* The table's spelling, "=" for "==". */
	for (size_t i = 0; i < N_OPERATORS; i++)
		if (operators[i].op == op && strcmp(operators[i].text, "==") != 0)
			return operators[i].text;
	return "?";
}

/* ---- bytes ---- */

/* Falco's blanks, and the two more that [[:space:]] has. */
static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\b';
}

static bool is_quote(int c)
{
	return c == '"' || c == '\'';
}

/* A byte of a value or a list item written without quotes. */
static bool is_bare_char(int c)
{
	return c > 0 && !is_blank(c) && !is_quote(c) && !strchr("(),=", c);
}

/* A byte of a field argument written without quotes: "proc.aname[2]". */
static bool is_bare_arg_char(int c)
{
	return c > 0 && !is_blank(c) && !is_quote(c) && c != '[' && c != ']';
}

static bool is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(int c)
{
	return is_letter(c) || (c >= '0' && c <= '9') || c == '_';
}

static int peek_at(const struct parser *p, size_t offset)
{
	return p->at + offset < p->len ? (unsigned char)p->text[p->at + offset] : -1;
}

static int peek(const struct parser *p)
{
	return peek_at(p, 0);
}

static void advance(struct parser *p, size_t n)
{
	for (; n > 0 && p->at < p->len; n--) {
		if (p->text[p->at++] == '\n') {
			p->line++;
			p->line_start = p->at;
		}
	}
}

static struct condition_pos here(const struct parser *p)
{
	return (struct condition_pos){ p->line, (unsigned int)(p->at - p->line_start + 1), p->at };
}

static void skip_blanks(struct parser *p)
{
	while (is_blank(peek(p)))
		advance(p, 1);
}

/* The length of the name at the cursor: letters, digits, '_', and '.' when dots is set; 0 if none. */
static size_t name_length(const struct parser *p, bool dots)
{
	size_t n = 0;

	if (!is_letter(peek(p)))
		return 0;
	while (is_name_char(peek_at(p, n)) || (dots && peek_at(p, n) == '.'))
		n++;
	return n;
}

static size_t bare_length(const struct parser *p, bool (*is_char)(int))
{
	size_t n = 0;

	while (is_char(peek_at(p, n)))
		n++;
	return n;
}

/* Whether the word at the cursor is exactly keyword ("or" in "or(", not in "order"). */
static bool at_keyword(const struct parser *p, const char *keyword)
{
	size_t n = name_length(p, true);

	return n == strlen(keyword) && memcmp(p->text + p->at, keyword, n) == 0;
}

/* ---- errors ---- */

/*
 * What is at offset, for a message: 'token' with anything unprintable as
 * \xHH and a long token cut, or "the end of the condition".
 */
static const char *describe(const struct parser *p, size_t offset, char *buf, size_t size)
{
	const char *s = p->text + offset;
	size_t avail = p->len - offset, n = 0, out = 0;

	if (offset >= p->len)
		return "the end of the condition";
	if (s[0] == '\n')
		return "a line break";
	if (is_blank((unsigned char)s[0]))
		return "a blank";
	if (is_quote(s[0])) {
		for (n = 1; n < avail && s[n] != s[0]; n++)
			if (s[n] == '\\')
				n++;
		n = n < avail ? n + 1 : avail;
	} else if (s[0] && strchr("()[],", s[0])) {
		n = 1;
	} else if (is_letter((unsigned char)s[0])) {
		while (n < avail && (is_name_char((unsigned char)s[n]) || s[n] == '.'))
			n++;
	} else {
		while (n < avail && s[n] && !is_blank((unsigned char)s[n]) && !strchr("(),", s[n]))
			n++;
	}
	buf[out++] = '\'';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (out + 8 >= size || out > 48) {
			memcpy(buf + out, "...", 3);
			out += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f)
			buf[out++] = (char)c;
		else
			out += (size_t)snprintf(buf + out, size - out, "\\x%02x", c);
	}
	buf[out++] = '\'';
	buf[out] = '\0';
	return buf;
}

/* The first error sticks; a NULL return to pass up. */
__attribute__((format(printf, 3, 4))) static void *fail(struct parser *p, struct condition_pos pos,
							 const char *fmt, ...)
{
	va_list ap;

	if (p->status)
		return NULL;
	p->status = -EINVAL;
	p->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return NULL;
}

static void *fail_nomem(struct parser *p)
{
	if (p->status)
		return NULL;
	p->status = -ENOMEM;
	p->err->pos = here(p);
	snprintf(p->err->message, sizeof(p->err->message), "out of memory");
	return NULL;
}

static char *copy_text(struct parser *p, size_t offset, size_t n)
{
	char *s = strndup(p->text + offset, n);

	if (!s)
		fail_nomem(p);
	return s;
}

/* ---- values ---- */

/*
 * The quoted string at the cursor, escapes resolved, as Falco's unescape_str
 * does: \\ \/ \b \f \n \r \t, the delimiter's own quote, and "\ " for a
 * backslash (a Falco rule writes `proc.args contains "\ "`).
 */
static char *parse_quoted(struct parser *p)
{
	struct condition_pos start = here(p);
	char delimiter = p->text[p->at];
	size_t end = p->at + 1, out = 0;
	char *text, buf[16];

	while (end < p->len && p->text[end] != delimiter)
		end += p->text[end] == '\\' ? 2 : 1;
	if (end >= p->len)
		return fail(p, start, "unterminated string: the closing %c is missing", delimiter);

	text = malloc(end - p->at);
	if (!text)
		return fail_nomem(p);
	advance(p, 1);
	while (p->text[p->at] != delimiter) {
		char c = p->text[p->at];

		if (c == '\\') {
			struct condition_pos escape = here(p);
			char e = p->text[p->at + 1];

			switch (e) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '/': c = '/'; break;
			case '\\':
			case ' ':
				c = '\\';
				break;
			case '"':
			case '\'':
				if (e != delimiter) {
					free(text);
					return fail(p, escape, "invalid escape \\%c in a %c-quoted string", e, delimiter);
				}
				c = e;
				break;
			default:
				free(text);
				if (e > 0x20 && e < 0x7f)
					snprintf(buf, sizeof(buf), "%c", e);
				else
					snprintf(buf, sizeof(buf), "x%02x", (unsigned char)e);
				return fail(p, escape, "unsupported escape sequence \\%s in a string", buf);
			}
			advance(p, 1);
		}
		text[out++] = c;
		advance(p, 1);
	}
	advance(p, 1);
	text[out] = '\0';
	return text;
}

/* Falco's numbers: 0x1f (any letters after 0x), -1, 1.5, 1e+3 (the exponent has a sign). */
static bool is_number(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < n && is_name_char((unsigned char)s[i]) && s[i] != '_'; i++)
			;
		return i == n;
	}
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return false;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (i + 2 >= n || (s[i + 1] != '+' && s[i + 1] != '-') || s[i + 2] < '0' || s[i + 2] > '9')
			return false;
		for (i += 2; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	}
	return i == n;
}

/* Refuses Falco's field-to-field forms ("val(proc.pname)", "tolower(proc.name)") by name. */
static bool refuse_transformer(struct parser *p)
{
	size_t n = name_length(p, false);

	if (n == 0 || peek_at(p, n) != '(')
		return false;
	for (size_t i = 0; i < sizeof(transformers) / sizeof(transformers[0]); i++) {
		if (strlen(transformers[i]) != n || memcmp(p->text + p->at, transformers[i], n) != 0)
			continue;
		if (i == 0)
			fail(p, here(p), "comparing with another field, val(...), is not supported");
		else
			fail(p, here(p), "field transformer %s(...) is not supported", transformers[i]);
		return true;
	}
	return false;
}

static bool add_value(struct parser *p, struct condition_node *node, char *text, bool quoted,
		      struct condition_pos pos)
{
	struct condition_value *values;

	if (!text)
		return false;
	values = realloc(node->check.values, (node->check.n_values + 1) * sizeof(*values));
	if (!values) {
		free(text);
		fail_nomem(p);
		return false;
	}
	node->check.values = values;
	values[node->check.n_values++] = (struct condition_value){ text, quoted, pos };
	return true;
}

/* A value or a list item at the cursor, quoted or bare; false when there is none (no error set). */
static bool parse_value(struct parser *p, struct condition_node *node)
{
	struct condition_pos pos = here(p);
	size_t n;

	if (is_quote(peek(p)))
		return add_value(p, node, parse_quoted(p), true, pos);
	n = bare_length(p, is_bare_char);
	if (n == 0)
		return false;
	advance(p, n);
	return add_value(p, node, copy_text(p, p->at - n, n), false, pos);
}

static bool parse_list(struct parser *p, struct condition_node *node, const char *op)
{
	struct condition_pos open = here(p);
	char what[64];

	advance(p, 1);
	skip_blanks(p);
	if (peek(p) == ')') {
		fail(p, open, "empty list () after '%s'", op);
		return false;
	}
	for (;;) {
		skip_blanks(p);
		if (!parse_value(p, node)) {
			if (p->status)
				return false;
			if (peek(p) < 0)
				fail(p, open, "unbalanced parentheses: the list's '(' is never closed");
			else if (node->check.n_values > 0 && peek(p) == ')')
				fail(p, here(p), "missing list item after ','");
			else
				fail(p, here(p), "expected a list item but found %s",
				     describe(p, p->at, what, sizeof(what)));
			return false;
		}
		skip_blanks(p);
		if (peek(p) == ')') {
			advance(p, 1);
			return true;
		}
		if (peek(p) < 0) {
			fail(p, open, "unbalanced parentheses: the list's '(' is never closed");
			return false;
		}
		if (peek(p) != ',') {
			fail(p, here(p), "expected ',' or ')' in the list but found %s",
			     describe(p, p->at, what, sizeof(what)));
			return false;
		}
		advance(p, 1);
	}
}

/* The right-hand side after operator op of the given kind. */
static bool parse_rhs(struct parser *p, struct condition_node *node, const char *op, enum op_kind kind)
{
	char what[64];
	size_t n;

	skip_blanks(p);
	node->check.rhs_pos = here(p);
	if (refuse_transformer(p))
		return false;
	if (kind == OP_LIST) {
		if (peek(p) == '(') {
			node->check.rhs = CONDITION_RHS_LIST;
			return parse_list(p, node, op);
		}
		n = name_length(p, false);
		if (n > 0) {
			node->check.rhs = CONDITION_RHS_LIST_NAME;
			advance(p, n);
			return add_value(p, node, copy_text(p, p->at - n, n), false, node->check.rhs_pos);
		}
		if (peek(p) < 0 || peek(p) == ')')
			fail(p, here(p), "missing list after '%s'", op);
		else
			fail(p, here(p), "expected a list (...) or a list name after '%s' but found %s", op,
			     describe(p, p->at, what, sizeof(what)));
		return false;
	}

	node->check.rhs = CONDITION_RHS_VALUE;
	if (kind == OP_NUMBER) {
		n = bare_length(p, is_bare_char);
		if (n > 0 && is_number(p->text + p->at, n))
			return parse_value(p, node);
		if (n > 0 || is_quote(peek(p))) {
			fail(p, here(p), "expected a number after '%s' but found %s", op,
			     describe(p, p->at, what, sizeof(what)));
			return false;
		}
	} else if (parse_value(p, node)) {
		return true;
	}
	if (p->status)
		return false;
	if (peek(p) < 0 || peek(p) == ')')
		fail(p, here(p), "missing value after '%s'", op);
	else if (peek(p) == '(')
		fail(p, here(p), "expected a value after '%s' but found '(': a list goes with 'in', 'intersects' or 'pmatch'", op);
	else
		fail(p, here(p), "expected a value after '%s' but found %s", op, describe(p, p->at, what, sizeof(what)));
	return false;
}

/* ---- checks ---- */

/* The operator at the cursor, its length set, or -1. */
static int find_operator(const struct parser *p, size_t *length)
{
	size_t word = name_length(p, false);

	for (size_t i = 0; i < N_OPERATORS; i++) {
		size_t n = strlen(operators[i].text);

		if (is_letter(operators[i].text[0]) ? n == word : n <= p->len - p->at) {
			if (memcmp(p->text + p->at, operators[i].text, n) == 0) {
				*length = n;
				return (int)i;
			}
		}
	}
	return -1;
}

static struct condition_node *new_node(struct parser *p, enum condition_node_type type, struct condition_pos pos)
{
	struct condition_node *node = calloc(1, sizeof(*node));

	if (!node)
		return fail_nomem(p);
	node->type = type;
	node->pos = pos;
	return node;
}

/* A field at the cursor (its name n bytes long, dots in it): then 'exists', or an operator and its right side. */
static struct condition_node *parse_field_check(struct parser *p, size_t n)
{
	struct condition_pos pos = here(p);
	struct condition_node *node;
	const char *name = p->text + p->at;
	char what[64];
	size_t op_length;
	int op;

	/* Each part of the name starts with a letter: "proc.name", "k8s.ns.name"; not "proc..name", "evt.arg.0". */
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '.' && (i + 1 == n || !is_letter((unsigned char)name[i + 1])))
			return fail(p, pos, "invalid field name '%.*s'", (int)n, name);
	}
	node = new_node(p, CONDITION_COMPARE, pos);
	if (!node)
		return NULL;
	node->check.field.pos = pos;
	node->check.field.name = copy_text(p, p->at, n);
	if (!node->check.field.name)
		goto error;
	advance(p, n);

	if (peek(p) == '[') {
		advance(p, 1);
		if (is_quote(peek(p))) {
			node->check.field.arg = parse_quoted(p);
			if (!node->check.field.arg)
				goto error;
		} else if ((n = bare_length(p, is_bare_arg_char)) > 0) {
			advance(p, n);
			node->check.field.arg = copy_text(p, p->at - n, n);
			if (!node->check.field.arg)
				goto error;
		} else {
			fail(p, here(p), "expected the argument of '%s' after '[' but found %s", node->check.field.name,
			     describe(p, p->at, what, sizeof(what)));
			goto error;
		}
		if (peek(p) != ']') {
			fail(p, here(p), "expected ']' after the argument of '%s' but found %s", node->check.field.name,
			     describe(p, p->at, what, sizeof(what)));
			goto error;
		}
		advance(p, 1);
	}

	skip_blanks(p);
	node->check.op_pos = here(p);
	if (at_keyword(p, "exists")) {
		node->type = CONDITION_EXISTS;
		advance(p, strlen("exists"));
		return node;
	}
	op = find_operator(p, &op_length);
	if (op < 0) {
		size_t word = name_length(p, false);

		if (peek(p) < 0 || peek(p) == ')' || at_keyword(p, "and") || at_keyword(p, "or"))
			fail(p, here(p), "missing operator after '%s'", node->check.field.name);
		else if (word > 0 || (peek(p) > 0 && strchr("=!<>", peek(p))))
			fail(p, here(p), "unknown operator %s", describe(p, p->at, what, sizeof(what)));
		else
			fail(p, here(p), "expected an operator after '%s' but found %s", node->check.field.name,
			     describe(p, p->at, what, sizeof(what)));
		goto error;
	}
	node->check.op = operators[op].op;
	advance(p, op_length);
	if (!parse_rhs(p, node, operators[op].text, operators[op].kind))
		goto error;
	return node;

error:
	rule_condition_free(node);
	return NULL;
}

static struct condition_node *parse_or(struct parser *p, const char *after);

/* A parenthesised condition, a field check or a macro; after is what came before, for messages. */
static struct condition_node *parse_check(struct parser *p, const char *after)
{
	struct condition_pos pos;
	struct condition_node *node;
	char what[64];
	size_t n, op_length;

	skip_blanks(p);
	pos = here(p);
	if (peek(p) < 0) {
		if (!after)
			return fail(p, pos, "empty condition");
		return fail(p, pos, "missing operand after '%s'", after);
	}

	if (peek(p) == '(') {
		if (p->depth >= RULE_CONDITION_MAX_DEPTH)
			return fail(p, pos, "conditions nest deeper than %d parentheses and 'not's",
				    RULE_CONDITION_MAX_DEPTH);
		advance(p, 1);
		skip_blanks(p);
		if (peek(p) == ')')
			return fail(p, pos, "empty parentheses ()");
		p->depth++;
		node = parse_or(p, "(");
		p->depth--;
		if (!node)
			return NULL;
		skip_blanks(p);
		if (peek(p) == ')') {
			advance(p, 1);
			return node;
		}
		rule_condition_free(node);
		if (peek(p) < 0)
			return fail(p, pos, "unbalanced parentheses: '(' is never closed");
		return fail(p, here(p), "expected 'and', 'or' or ')' but found %s", describe(p, p->at, what, sizeof(what)));
	}

	if (peek(p) == ')') {
		if (!after)
			return fail(p, pos, "unbalanced parentheses: ')' without a matching '('");
		return fail(p, pos, "missing operand after '%s'", after);
	}

	n = name_length(p, true);
	if (n == 0)
		return fail(p, pos, "expected a field, a macro name, 'not' or '(' but found %s",
			    describe(p, p->at, what, sizeof(what)));
	if (at_keyword(p, "and") || at_keyword(p, "or")) {
		if (after && strcmp(after, "(") != 0)
			return fail(p, pos, "missing operand after '%s'", after);
		return fail(p, pos, "missing operand before '%.*s'", (int)n, p->text + p->at);
	}
	if (memchr(p->text + p->at, '.', n))
		return parse_field_check(p, n);

	if (refuse_transformer(p))
		return NULL;
	node = new_node(p, CONDITION_MACRO, pos);
	if (!node)
		return NULL;
	node->macro.name = copy_text(p, p->at, n);
	if (!node->macro.name) {
		rule_condition_free(node);
		return NULL;
	}
	advance(p, n);
	/* "proc = bash": say why rather than "expected 'and'". Peeking does not move the cursor. */
	{
		struct parser ahead = *p;

		skip_blanks(&ahead);
		if (find_operator(&ahead, &op_length) >= 0 || at_keyword(&ahead, "exists")) {
			fail(p, pos, "'%s' cannot be compared: a field has a dot (proc.name), a name without one is a macro",
			     node->macro.name);
			rule_condition_free(node);
			return NULL;
		}
	}
	return node;
}

static struct condition_node *parse_not(struct parser *p, const char *after)
{
	struct condition_node *node, *operand;
	struct condition_pos pos;

	skip_blanks(p);
	if (!at_keyword(p, "not"))
		return parse_check(p, after);
	pos = here(p);
	if (p->depth >= RULE_CONDITION_MAX_DEPTH)
		return fail(p, pos, "conditions nest deeper than %d parentheses and 'not's", RULE_CONDITION_MAX_DEPTH);
	advance(p, strlen("not"));
	p->depth++;
	operand = parse_not(p, "not");
	p->depth--;
	if (!operand)
		return NULL;
	node = new_node(p, CONDITION_NOT, pos);
	if (!node) {
		rule_condition_free(operand);
		return NULL;
	}
	node->operand = operand;
	return node;
}

static bool add_child(struct parser *p, struct condition_node *group, struct condition_node *child)
{
	struct condition_node **children;
	size_t n = group->group.n_children;

	/* Grows by doubling: a list of a thousand "or"s is not a thousand reallocations. */
	if ((n & (n - 1)) == 0) {
		children = realloc(group->group.children, (n ? 2 * n : 2) * sizeof(*children));
		if (!children) {
			rule_condition_free(child);
			fail_nomem(p);
			return false;
		}
		group->group.children = children;
	}
	group->group.children[group->group.n_children++] = child;
	return true;
}

/* operand (keyword operand)*: the 'and' of 'not's, the 'or' of 'and's. */
static struct condition_node *parse_group(struct parser *p, const char *after, enum condition_node_type type)
{
	const char *keyword = type == CONDITION_AND ? "and" : "or";
	struct condition_node *first, *group, *child;
	struct condition_pos pos;

	skip_blanks(p);
	pos = here(p);
	first = type == CONDITION_AND ? parse_not(p, after) : parse_group(p, after, CONDITION_AND);
	if (!first)
		return NULL;
	skip_blanks(p);
	if (!at_keyword(p, keyword))
		return first;
	group = new_node(p, type, pos);
	if (!group) {
		rule_condition_free(first);
		return NULL;
	}
	if (!add_child(p, group, first))
		goto error;
	while (at_keyword(p, keyword)) {
		advance(p, strlen(keyword));
		child = type == CONDITION_AND ? parse_not(p, keyword) : parse_group(p, keyword, CONDITION_AND);
		if (!child || !add_child(p, group, child))
			goto error;
		skip_blanks(p);
	}
	return group;

error:
	rule_condition_free(group);
	return NULL;
}

static struct condition_node *parse_or(struct parser *p, const char *after)
{
	return parse_group(p, after, CONDITION_OR);
}

int rule_condition_parse(const char *text, size_t len, struct condition_node **out, struct condition_error *err)
{
	struct condition_error ignored;
	struct parser p = { .text = text, .len = len, .line = 1, .err = err ? err : &ignored };
	const char *nul;
	struct condition_node *node;
	char what[64];

	*out = NULL;
	memset(p.err, 0, sizeof(*p.err));
	if (len > RULE_CONDITION_MAX_LEN) {
		fail(&p, here(&p), "condition longer than %d bytes", RULE_CONDITION_MAX_LEN);
		return p.status;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		advance(&p, (size_t)(nul - text));
		fail(&p, here(&p), "NUL byte in the condition");
		return p.status;
	}

	node = parse_or(&p, NULL);
	if (node) {
		skip_blanks(&p);
		if (peek(&p) == ')')
			fail(&p, here(&p), "unbalanced parentheses: ')' without a matching '('");
		else if (peek(&p) >= 0)
			fail(&p, here(&p), "expected 'and', 'or' or the end of the condition but found %s",
			     describe(&p, p.at, what, sizeof(what)));
	}
	if (p.status) {
		rule_condition_free(node);
		return p.status;
	}
	*out = node;
	return 0;
}

void rule_condition_free(struct condition_node *node)
{
	if (!node)
		return;
	switch (node->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		for (size_t i = 0; i < node->group.n_children; i++)
			rule_condition_free(node->group.children[i]);
		free(node->group.children);
		break;
	case CONDITION_NOT:
		rule_condition_free(node->operand);
		break;
	case CONDITION_COMPARE:
	case CONDITION_EXISTS:
		free(node->check.field.name);
		free(node->check.field.arg);
		for (size_t i = 0; i < node->check.n_values; i++)
			free(node->check.values[i].text);
		free(node->check.values);
		break;
	case CONDITION_MACRO:
		free(node->macro.name);
		break;
	}
	free(node);
}

/* ---- equality ---- */

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_field(const struct condition_field *a, const struct condition_field *b)
{
	return same_string(a->name, b->name) && same_string(a->arg, b->arg);
}

bool rule_condition_equal(const struct condition_node *a, const struct condition_node *b)
{
	if (!a || !b || a->type != b->type)
		return a == b;
	switch (a->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		if (a->group.n_children != b->group.n_children)
			return false;
		for (size_t i = 0; i < a->group.n_children; i++)
			if (!rule_condition_equal(a->group.children[i], b->group.children[i]))
				return false;
		return true;
	case CONDITION_NOT:
		return rule_condition_equal(a->operand, b->operand);
	case CONDITION_COMPARE:
		if (a->check.op != b->check.op || a->check.rhs != b->check.rhs ||
		    a->check.n_values != b->check.n_values)
			return false;
		for (size_t i = 0; i < a->check.n_values; i++)
			if (!same_string(a->check.values[i].text, b->check.values[i].text) ||
			    a->check.values[i].quoted != b->check.values[i].quoted)
				return false;
		return same_field(&a->check.field, &b->check.field);
	case CONDITION_EXISTS:
		return same_field(&a->check.field, &b->check.field);
	case CONDITION_MACRO:
		return same_string(a->macro.name, b->macro.name);
	}
	return false;
}

/* ---- printing ---- */

struct text_buffer {
	char *data;
	size_t len, size;
	bool failed;
};

static void append(struct text_buffer *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->size) {
		size_t size = b->size ? b->size : 128;
		char *data;

		while (b->len + n + 1 > size)
			size *= 2;
		data = realloc(b->data, size);
		if (!data) {
			b->failed = true;
			return;
		}
		b->data = data;
		b->size = size;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void append_string(struct text_buffer *b, const char *s)
{
	append(b, s, strlen(s));
}

static bool all_bytes(const char *s, bool (*is_char)(int))
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (!is_char((unsigned char)*s))
			return false;
	return true;
}

/* "..." with the escapes parse_quoted reads back; other bytes as they are. */
static void append_quoted(struct text_buffer *b, const char *s)
{
	append(b, "\"", 1);
	for (; *s; s++) {
		const char *escape = NULL;

		switch (*s) {
		case '\\': escape = "\\\\"; break;
		case '"': escape = "\\\""; break;
		case '\b': escape = "\\b"; break;
		case '\f': escape = "\\f"; break;
		case '\n': escape = "\\n"; break;
		case '\r': escape = "\\r"; break;
		case '\t': escape = "\\t"; break;
		}
		if (escape)
			append_string(b, escape);
		else
			append(b, s, 1);
	}
	append(b, "\"", 1);
}

static void append_value(struct text_buffer *b, const struct condition_value *v)
{
	if (!v->quoted && all_bytes(v->text, is_bare_char))
		append_string(b, v->text);
	else
		append_quoted(b, v->text);
}

static void append_node(struct text_buffer *b, const struct condition_node *node);

static void append_operand(struct text_buffer *b, const struct condition_node *node)
{
	bool group = node->type == CONDITION_AND || node->type == CONDITION_OR;

	if (group)
		append(b, "(", 1);
	append_node(b, node);
	if (group)
		append(b, ")", 1);
}

static void append_node(struct text_buffer *b, const struct condition_node *node)
{
	const struct condition_field *field = &node->check.field;

	switch (node->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		for (size_t i = 0; i < node->group.n_children; i++) {
			if (i > 0)
				append_string(b, node->type == CONDITION_AND ? " and " : " or ");
			append_operand(b, node->group.children[i]);
		}
		return;
	case CONDITION_NOT:
		append_string(b, "not ");
		append_operand(b, node->operand);
		return;
	case CONDITION_MACRO:
		append_string(b, node->macro.name);
		return;
	case CONDITION_COMPARE:
	case CONDITION_EXISTS:
		break;
	}

	append_string(b, field->name);
	if (field->arg) {
		append(b, "[", 1);
		if (all_bytes(field->arg, is_bare_arg_char))
			append_string(b, field->arg);
		else
			append_quoted(b, field->arg);
		append(b, "]", 1);
	}
	if (node->type == CONDITION_EXISTS) {
		append_string(b, " exists");
		return;
	}
	append(b, " ", 1);
	append_string(b, rule_condition_op_name(node->check.op));
	append(b, " ", 1);
	switch (node->check.rhs) {
	case CONDITION_RHS_VALUE:
		if (node->check.n_values > 0)
			append_value(b, &node->check.values[0]);
		break;
	case CONDITION_RHS_LIST_NAME:
		if (node->check.n_values > 0)
			append_string(b, node->check.values[0].text);
		break;
	case CONDITION_RHS_LIST:
		append(b, "(", 1);
		for (size_t i = 0; i < node->check.n_values; i++) {
			if (i > 0)
				append(b, ", ", 2);
			append_value(b, &node->check.values[i]);
		}
		append(b, ")", 1);
		break;
	}
}

char *rule_condition_to_string(const struct condition_node *node)
{
	struct text_buffer b = { 0 };

	append(&b, "", 0);
	if (node)
		append_node(&b, node);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}
