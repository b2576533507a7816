// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rule conditions: each operator, precedence, positions, every error with its
 * message, the canonical form, and every condition of Falco's three rule files
 * (tests/unit/data/falco_conditions.jsonl, written by falco_conditions.py next
 * to it) parsed and printed back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_condition.h"

#define FALCO_CONDITIONS "tests/unit/data/falco_conditions.jsonl"

static struct condition_node *parse_ok(const char *text)
{
	struct condition_node *node = NULL;
	struct condition_error err;
	int ret = rule_condition_parse(text, strlen(text), &node, &err);

	if (ret != 0)
		fail_msg("\"%s\" does not parse: %u:%u: %s", text, err.pos.line, err.pos.column, err.message);
	assert_non_null(node);
	return node;
}

/* Parses, prints as expected, and the printed text parses to the same tree and prints the same. */
static void assert_canonical(const char *text, const char *expected)
{
	struct condition_node *node = parse_ok(text), *again;
	char *printed = rule_condition_to_string(node), *printed_again;

	assert_non_null(printed);
	assert_string_equal(printed, expected);
	again = parse_ok(printed);
	assert_true(rule_condition_equal(node, again));
	printed_again = rule_condition_to_string(again);
	assert_string_equal(printed_again, printed);
	free(printed_again);
	free(printed);
	rule_condition_free(again);
	rule_condition_free(node);
}

/* The offset of line:column in text, which pos.offset must be. */
static size_t offset_of(const char *text, size_t len, unsigned int line, unsigned int column)
{
	size_t at = 0;

	for (unsigned int l = 1; l < line; l++) {
		const char *nl = memchr(text + at, '\n', len - at);

		assert_non_null(nl);
		at = (size_t)(nl - text) + 1;
	}
	return at + column - 1;
}

static void assert_error_len(const char *text, size_t len, unsigned int line, unsigned int column, const char *message)
{
	struct condition_node *node = (struct condition_node *)1;
	struct condition_error err;
	int ret = rule_condition_parse(text, len, &node, &err);

	if (ret == 0)
		fail_msg("\"%s\" parses, expected %u:%u: %s", text, line, column, message);
	assert_int_equal(ret, -EINVAL);
	assert_null(node);
	assert_string_equal(err.message, message);
	if (err.pos.line != line || err.pos.column != column)
		fail_msg("\"%s\": error at %u:%u, expected %u:%u (%s)", text, err.pos.line, err.pos.column, line, column,
			 message);
	assert_int_equal(err.pos.offset, offset_of(text, len, line, column));
}

static void assert_error(const char *text, unsigned int line, unsigned int column, const char *message)
{
	assert_error_len(text, strlen(text), line, column, message);
}

/* pos is line:column of text, and its offset says the same. */
static void assert_pos(const char *text, struct condition_pos pos, unsigned int line, unsigned int column)
{
	if (pos.line != line || pos.column != column)
		fail_msg("position %u:%u, expected %u:%u", pos.line, pos.column, line, column);
	assert_int_equal(pos.offset, offset_of(text, strlen(text), line, column));
}

/* ---- operators ---- */

static void each_operator(void **state)
{
	static const struct {
		const char *text;
		enum condition_op op;
		const char *canonical;
	} cases[] = {
		{ "proc.name = bash", CONDITION_OP_EQ, "proc.name = bash" },
		{ "proc.name == bash", CONDITION_OP_EQ, "proc.name = bash" },
		{ "proc.name != bash", CONDITION_OP_NE, "proc.name != bash" },
		{ "fd.num < 3", CONDITION_OP_LT, "fd.num < 3" },
		{ "fd.num <= 3", CONDITION_OP_LE, "fd.num <= 3" },
		{ "fd.num > 3", CONDITION_OP_GT, "fd.num > 3" },
		{ "fd.num >= 3", CONDITION_OP_GE, "fd.num >= 3" },
		{ "proc.cmdline contains -jar", CONDITION_OP_CONTAINS, "proc.cmdline contains -jar" },
		{ "proc.cmdline icontains JAR", CONDITION_OP_ICONTAINS, "proc.cmdline icontains JAR" },
		{ "evt.buffer bcontains cafebabe", CONDITION_OP_BCONTAINS, "evt.buffer bcontains cafebabe" },
		{ "fd.name startswith /etc/", CONDITION_OP_STARTSWITH, "fd.name startswith /etc/" },
		{ "evt.buffer bstartswith 7f454c46", CONDITION_OP_BSTARTSWITH, "evt.buffer bstartswith 7f454c46" },
		{ "fd.name endswith .pem", CONDITION_OP_ENDSWITH, "fd.name endswith .pem" },
		{ "fd.name glob '/home/*/.ssh/*'", CONDITION_OP_GLOB, "fd.name glob \"/home/*/.ssh/*\"" },
		{ "fd.name iglob /HOME/*", CONDITION_OP_IGLOB, "fd.name iglob /HOME/*" },
		{ "proc.name in (bash, sh)", CONDITION_OP_IN, "proc.name in (bash, sh)" },
		{ "proc.args intersects (-V, -l)", CONDITION_OP_INTERSECTS, "proc.args intersects (-V, -l)" },
		{ "fd.name pmatch (/etc, /usr/lib)", CONDITION_OP_PMATCH, "fd.name pmatch (/etc, /usr/lib)" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct condition_node *node = parse_ok(cases[i].text);

		assert_int_equal(node->type, CONDITION_COMPARE);
		assert_int_equal(node->check.op, cases[i].op);
		rule_condition_free(node);
		assert_canonical(cases[i].text, cases[i].canonical);
	}
}

static void exists_operator(void **state)
{
	const char *text = "proc.pname exists";
	struct condition_node *node = parse_ok(text);

	(void)state;
	assert_int_equal(node->type, CONDITION_EXISTS);
	assert_string_equal(node->check.field.name, "proc.pname");
	assert_null(node->check.field.arg);
	assert_int_equal(node->check.n_values, 0);
	assert_pos(text, node->check.op_pos, 1, 12);
	rule_condition_free(node);
	assert_canonical("not proc.pname exists or proc.aname[2] exists", "not proc.pname exists or proc.aname[2] exists");
	assert_canonical("(proc.pname exists)", "proc.pname exists");
}

/* Operators need no blanks around them where Falco needs none. */
static void operators_without_blanks(void **state)
{
	(void)state;
	assert_canonical("proc.name=bash", "proc.name = bash");
	assert_canonical("fd.num>=0", "fd.num >= 0");
	assert_canonical("proc.name!=bash", "proc.name != bash");
	assert_canonical("evt.dir=<", "evt.dir = <");
	assert_canonical("evt.dir = >", "evt.dir = >");
	assert_canonical("proc.name in(bash,sh)", "proc.name in (bash, sh)");
	assert_canonical("fd.typechar='f'", "fd.typechar = \"f\"");
	assert_canonical("proc.name==\"bash\"", "proc.name = \"bash\"");
}

static void op_names(void **state)
{
	(void)state;
	assert_string_equal(rule_condition_op_name(CONDITION_OP_EQ), "=");
	assert_string_equal(rule_condition_op_name(CONDITION_OP_NE), "!=");
	assert_string_equal(rule_condition_op_name(CONDITION_OP_LE), "<=");
	assert_string_equal(rule_condition_op_name(CONDITION_OP_BSTARTSWITH), "bstartswith");
	assert_string_equal(rule_condition_op_name(CONDITION_OP_PMATCH), "pmatch");
	assert_string_equal(rule_condition_op_name((enum condition_op)99), "?");
}

/* ---- values ---- */

static void assert_value(const char *text, const char *value, bool quoted)
{
	struct condition_node *node = parse_ok(text);

	assert_int_equal(node->type, CONDITION_COMPARE);
	assert_int_equal(node->check.rhs, CONDITION_RHS_VALUE);
	assert_int_equal(node->check.n_values, 1);
	assert_string_equal(node->check.values[0].text, value);
	assert_int_equal(node->check.values[0].quoted, quoted);
	rule_condition_free(node);
}

static void values(void **state)
{
	(void)state;
	assert_value("fd.name = /etc/shadow", "/etc/shadow", false);
	assert_value("evt.res = -1", "-1", false);
	assert_value("evt.type = setuid", "setuid", false);
	assert_value("container.privileged = true", "true", false);
	assert_value("proc.pname = runc:[0:PARENT]", "runc:[0:PARENT]", false);
	assert_value("proc.args endswith \\", "\\", false); /* bare: a backslash is itself */
	assert_value("proc.name = and", "and", false);       /* a value, wherever a value goes */
	assert_value("proc.name = 'a b'", "a b", true);
	assert_value("proc.name = \"a b\"", "a b", true);
	assert_value("proc.args = ''", "", true);
	assert_value("proc.args = \"\"", "", true);
	assert_value("proc.name = \"it's\"", "it's", true);
	assert_value("proc.name = 'say \"hi\"'", "say \"hi\"", true);
	assert_value("proc.cmdline startswith \"sh -c envdir \\\"/run/etc\\\" wal-g\"", "sh -c envdir \"/run/etc\" wal-g",
		     true);
	assert_value("proc.name = 'it\\'s'", "it's", true);
	assert_value("proc.name = \"\\\\\"", "\\", true);
	assert_value("proc.name = \"\\b\\f\\n\\r\\t\\/\"", "\b\f\n\r\t/", true);
	/* Falco reads "\ " as a backslash (falco-sandbox_rules.yaml: proc.args contains "\ "). */
	assert_value("proc.args contains \"\\ \"", "\\", true);
	assert_value("proc.name = \"multi\nline\"", "multi\nline", true);
	assert_value("proc.name = \"caf\xc3\xa9\"", "caf\xc3\xa9", true);
}

static void numbers(void **state)
{
	static const char *const good[] = { "0", "3", "-1", "+1", "1.5", "1.", "1e+3", "2.5E-10", "0x1f", "0XFF", "0xg" };
	static const char *const bad[] = { "abc", "1e3", "1e+", "--1", "0x", "1.2.3", "5and", ".5" };
	char text[64], message[96];
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "fd.num > %s", good[i]);
		assert_value(text, good[i], false);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "fd.num > %s", bad[i]);
		snprintf(message, sizeof(message), "expected a number after '>' but found '%s'", bad[i]);
		assert_error(text, 1, 10, message);
	}
	assert_error("fd.num <= \"5\"", 1, 11, "expected a number after '<=' but found '\"5\"'");
}

static void lists(void **state)
{
	struct condition_node *node;
	(void)state;

	node = parse_ok("proc.name in (bash, \"b c\", 1, shell_binaries, 'd')");
	assert_int_equal(node->check.rhs, CONDITION_RHS_LIST);
	assert_int_equal(node->check.n_values, 5);
	assert_string_equal(node->check.values[0].text, "bash");
	assert_false(node->check.values[0].quoted);
	assert_string_equal(node->check.values[1].text, "b c");
	assert_true(node->check.values[1].quoted);
	assert_string_equal(node->check.values[2].text, "1");
	/* A list's name among the items stays a bare item: the compiler expands it. */
	assert_string_equal(node->check.values[3].text, "shell_binaries");
	assert_false(node->check.values[3].quoted);
	assert_string_equal(node->check.values[4].text, "d");
	assert_true(node->check.values[4].quoted);
	rule_condition_free(node);

	node = parse_ok("proc.name in shell_binaries");
	assert_int_equal(node->check.rhs, CONDITION_RHS_LIST_NAME);
	assert_int_equal(node->check.n_values, 1);
	assert_string_equal(node->check.values[0].text, "shell_binaries");
	assert_false(node->check.values[0].quoted);
	rule_condition_free(node);

	node = parse_ok("proc.name in (shell_binaries)");
	assert_int_equal(node->check.rhs, CONDITION_RHS_LIST);
	assert_int_equal(node->check.n_values, 1);
	rule_condition_free(node);

	assert_canonical("proc.name in shell_binaries", "proc.name in shell_binaries");
	assert_canonical("proc.name in (shell_binaries)", "proc.name in (shell_binaries)");
	assert_canonical("proc.name pmatch(a)", "proc.name pmatch (a)");
	assert_canonical("proc.name in (\n  a,\n  b ,c\n)", "proc.name in (a, b, c)");
	assert_canonical("proc.pname in (runc:[0:PARENT], runc:[1:CHILD], <NA>)",
			 "proc.pname in (runc:[0:PARENT], runc:[1:CHILD], <NA>)");
	assert_canonical("proc.name in ('a b', \"c\", '')", "proc.name in (\"a b\", \"c\", \"\")");
	assert_canonical("evt.type in (open,openat,openat2)", "evt.type in (open, openat, openat2)");
}

static void fields(void **state)
{
	static const struct {
		const char *text, *name, *arg;
	} cases[] = {
		{ "proc.aname[2] = sshd", "proc.aname", "2" },
		{ "container.mount.source[/var/run/docker.sock] exists", "container.mount.source", "/var/run/docker.sock" },
		{ "evt.arg.flags contains O_TRUNC", "evt.arg.flags", NULL },
		{ "evt.arg[0] = 3", "evt.arg", "0" },
		{ "fd.name = x", "fd.name", NULL },
		{ "k8s.ns.name = default", "k8s.ns.name", NULL },
		{ "proc.env[HOME] = /root", "proc.env", "HOME" },
		{ "evt.rawarg.data contains x", "evt.rawarg.data", NULL },
		{ "proc.env['MY VAR'] = x", "proc.env", "MY VAR" },
		{ "json.value[(a,b)=c] = x", "json.value", "(a,b)=c" },
		{ "proc.env[\"\"] = x", "proc.env", "" },
		{ "Evt_1.Type_2 = x", "Evt_1.Type_2", NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct condition_node *node = parse_ok(cases[i].text);

		assert_string_equal(node->check.field.name, cases[i].name);
		if (cases[i].arg)
			assert_string_equal(node->check.field.arg, cases[i].arg);
		else
			assert_null(node->check.field.arg);
		rule_condition_free(node);
	}
	assert_canonical("proc.env['MY VAR'] = x", "proc.env[\"MY VAR\"] = x");
	assert_canonical("proc.env[\"HOME\"] = x", "proc.env[HOME] = x");
	assert_canonical("proc.env[\"\"] = x", "proc.env[\"\"] = x");
	assert_canonical("json.value[(a,b)=c] = x", "json.value[(a,b)=c] = x");
}

static void macros(void **state)
{
	const char *text = "spawned_process and container";
	struct condition_node *node = parse_ok(text);
	(void)state;

	assert_int_equal(node->type, CONDITION_AND);
	assert_int_equal(node->group.n_children, 2);
	assert_int_equal(node->group.children[0]->type, CONDITION_MACRO);
	assert_string_equal(node->group.children[0]->macro.name, "spawned_process");
	assert_string_equal(node->group.children[1]->macro.name, "container");
	assert_pos(text, node->group.children[1]->pos, 1, 21);
	rule_condition_free(node);

	/* Keywords are whole words only. */
	assert_canonical("order or notable and andrew", "order or (notable and andrew)");
	assert_canonical("container", "container");
	assert_canonical("  (container)  ", "container");
}

/* ---- precedence ---- */

static void precedence(void **state)
{
	struct condition_node *node;
	(void)state;

	/* not > and > or */
	node = parse_ok("a or b and c");
	assert_int_equal(node->type, CONDITION_OR);
	assert_int_equal(node->group.n_children, 2);
	assert_int_equal(node->group.children[1]->type, CONDITION_AND);
	rule_condition_free(node);

	node = parse_ok("not a and b");
	assert_int_equal(node->type, CONDITION_AND);
	assert_int_equal(node->group.children[0]->type, CONDITION_NOT);
	assert_string_equal(node->group.children[0]->operand->macro.name, "a");
	rule_condition_free(node);

	node = parse_ok("not proc.name = bash or b");
	assert_int_equal(node->type, CONDITION_OR);
	assert_int_equal(node->group.children[0]->type, CONDITION_NOT);
	assert_int_equal(node->group.children[0]->operand->type, CONDITION_COMPARE);
	rule_condition_free(node);

	/* N-ary: a chain of one operator is one node. */
	node = parse_ok("a and b and c and d");
	assert_int_equal(node->type, CONDITION_AND);
	assert_int_equal(node->group.n_children, 4);
	rule_condition_free(node);

	assert_canonical("a and b or c and d", "(a and b) or (c and d)");
	assert_canonical("(a or b) and c", "(a or b) and c");
	assert_canonical("a and (b or c)", "a and (b or c)");
	assert_canonical("not (a or b)", "not (a or b)");
	assert_canonical("not (a)", "not a");
	assert_canonical("not not a", "not not a");
	assert_canonical("((a))", "a");
	/* Parentheses Falco keeps as a node of their own stay, so that printing keeps the tree. */
	assert_canonical("a or (b or c)", "a or (b or c)");
	assert_canonical("(a and b) and c", "(a and b) and c");
	assert_canonical("(a and b) or c", "(a and b) or c");
	assert_canonical("a and(b)or(c)", "(a and b) or c");
	assert_canonical("not(a)", "not a");
	assert_canonical("a and not(b or c)", "a and not (b or c)");
}

/* ---- positions ---- */

static void positions(void **state)
{
	const char *text = "spawned_process and\n"
			   "  (proc.name in (bash, \"sh\")\n"
			   "   or not fd.name startswith '/etc')\n"
			   "\tand proc.aname[2] exists";
	struct condition_node *node = parse_ok(text), *or, *in, *not, *exists;
	(void)state;

	assert_int_equal(node->type, CONDITION_AND);
	assert_pos(text, node->pos, 1, 1);
	assert_pos(text, node->group.children[0]->pos, 1, 1);
	or = node->group.children[1];
	assert_int_equal(or->type, CONDITION_OR);
	assert_pos(text, or->pos, 2, 4);
	in = or->group.children[0];
	assert_pos(text, in->pos, 2, 4);
	assert_pos(text, in->check.field.pos, 2, 4);
	assert_pos(text, in->check.op_pos, 2, 14);
	assert_pos(text, in->check.rhs_pos, 2, 17);
	assert_pos(text, in->check.values[0].pos, 2, 18);
	assert_pos(text, in->check.values[1].pos, 2, 24);
	not = or->group.children[1];
	assert_int_equal(not->type, CONDITION_NOT);
	assert_pos(text, not->pos, 3, 7);
	assert_pos(text, not->operand->pos, 3, 11);
	assert_pos(text, not->operand->check.op_pos, 3, 19);
	assert_pos(text, not->operand->check.values[0].pos, 3, 30);
	exists = node->group.children[2];
	assert_pos(text, exists->pos, 4, 6);
	assert_pos(text, exists->check.op_pos, 4, 20);
	rule_condition_free(node);

	/* A quoted value over two lines: what follows counts from the new line. */
	text = "fd.name = \"a\nb\" and c";
	node = parse_ok(text);
	assert_pos(text, node->group.children[1]->pos, 2, 8);
	rule_condition_free(node);

	text = "proc.name in shell_binaries";
	node = parse_ok(text);
	assert_pos(text, node->check.rhs_pos, 1, 14);
	assert_pos(text, node->check.values[0].pos, 1, 14);
	rule_condition_free(node);
}

/* ---- errors ---- */

static void errors(void **state)
{
	static const struct {
		const char *text;
		unsigned int line, column;
		const char *message;
	} cases[] = {
		/* empty */
		{ "", 1, 1, "empty condition" },
		{ " \n\t", 2, 2, "empty condition" },
		/* parentheses */
		{ "(a", 1, 1, "unbalanced parentheses: '(' is never closed" },
		{ "a and (b or (c)", 1, 7, "unbalanced parentheses: '(' is never closed" },
		{ "a)", 1, 2, "unbalanced parentheses: ')' without a matching '('" },
		{ ")", 1, 1, "unbalanced parentheses: ')' without a matching '('" },
		{ "(a))", 1, 4, "unbalanced parentheses: ')' without a matching '('" },
		{ "()", 1, 1, "empty parentheses ()" },
		{ "a and ( )", 1, 7, "empty parentheses ()" },
		{ "(a b)", 1, 4, "expected 'and', 'or' or ')' but found 'b'" },
		/* operands */
		{ "a and", 1, 6, "missing operand after 'and'" },
		{ "a or\n", 2, 1, "missing operand after 'or'" },
		{ "not", 1, 4, "missing operand after 'not'" },
		{ "a and not", 1, 10, "missing operand after 'not'" },
		{ "(a and)", 1, 7, "missing operand after 'and'" },
		{ "(", 1, 2, "missing operand after '('" },
		{ "and a", 1, 1, "missing operand before 'and'" },
		{ "(or a)", 1, 2, "missing operand before 'or'" },
		{ "a or or b", 1, 6, "missing operand after 'or'" },
		{ "a and or b", 1, 7, "missing operand after 'and'" },
		{ "not and", 1, 5, "missing operand after 'not'" },
		/* trailing garbage */
		{ "a b", 1, 3, "expected 'and', 'or' or the end of the condition but found 'b'" },
		{ "proc.name = bash x", 1, 18, "expected 'and', 'or' or the end of the condition but found 'x'" },
		{ "a AND b", 1, 3, "expected 'and', 'or' or the end of the condition but found 'AND'" },
		{ "a andb", 1, 3, "expected 'and', 'or' or the end of the condition but found 'andb'" },
		{ "proc.name = x \"y\"", 1, 15, "expected 'and', 'or' or the end of the condition but found '\"y\"'" },
		{ "proc.name in list.x", 1, 18, "expected 'and', 'or' or the end of the condition but found '.x'" },
		{ "foo(bar)", 1, 4, "expected 'and', 'or' or the end of the condition but found '('" },
		/* a value where a field or macro goes */
		{ "/etc/shadow = x", 1, 1, "expected a field, a macro name, 'not' or '(' but found '/etc/shadow'" },
		{ "\"proc.name\" = x", 1, 1, "expected a field, a macro name, 'not' or '(' but found '\"proc.name\"'" },
		{ "a and 1 = 1", 1, 7, "expected a field, a macro name, 'not' or '(' but found '1'" },
		{ "_macro", 1, 1, "expected a field, a macro name, 'not' or '(' but found '_macro'" },
		{ "proc = bash", 1, 1, "'proc' cannot be compared: a field has a dot (proc.name), a name without one is a macro" },
		{ "container exists", 1, 1,
		  "'container' cannot be compared: a field has a dot (proc.name), a name without one is a macro" },
		{ "proc..name = x", 1, 1, "invalid field name 'proc..name'" },
		{ "proc.name. = x", 1, 1, "invalid field name 'proc.name.'" },
		{ "evt.arg.0 = x", 1, 1, "invalid field name 'evt.arg.0'" },
		/* field arguments */
		{ "proc.aname[] = x", 1, 12, "expected the argument of 'proc.aname' after '[' but found ']'" },
		{ "proc.aname[2 = x", 1, 13, "expected ']' after the argument of 'proc.aname' but found a blank" },
		{ "proc.aname[2", 1, 13, "expected ']' after the argument of 'proc.aname' but found the end of the condition" },
		{ "proc.env['HOME] = x", 1, 10, "unterminated string: the closing ' is missing" },
		/* operators */
		{ "proc.name equals x", 1, 11, "unknown operator 'equals'" },
		{ "proc.name inx (a)", 1, 11, "unknown operator 'inx'" },
		{ "proc.name existsx", 1, 11, "unknown operator 'existsx'" },
		{ "proc.name regex x", 1, 11, "unknown operator 'regex'" },
		{ "proc.name ~= x", 1, 11, "expected an operator after 'proc.name' but found '~='" },
		{ "proc.name !x", 1, 11, "unknown operator '!x'" },
		{ "proc.name", 1, 10, "missing operator after 'proc.name'" },
		{ "(proc.name) and a", 1, 11, "missing operator after 'proc.name'" },
		{ "proc.name and a", 1, 11, "missing operator after 'proc.name'" },
		{ "proc.name \"x\"", 1, 11, "expected an operator after 'proc.name' but found '\"x\"'" },
		{ "proc.aname [2] = x", 1, 12, "expected an operator after 'proc.aname' but found '['" },
		/* values */
		{ "proc.name =", 1, 12, "missing value after '='" },
		{ "(proc.name = )", 1, 14, "missing value after '='" },
		{ "proc.name contains", 1, 19, "missing value after 'contains'" },
		{ "proc.name !== x", 1, 13, "expected a value after '!=' but found '='" },
		{ "proc.name = (a, b)", 1, 13,
		  "expected a value after '=' but found '(': a list goes with 'in', 'intersects' or 'pmatch'" },
		{ "proc.name = ,", 1, 13, "expected a value after '=' but found ','" },
		{ "fd.num >", 1, 9, "missing value after '>'" },
		{ "fd.num > x", 1, 10, "expected a number after '>' but found 'x'" },
		/* strings */
		{ "proc.name = \"abc", 1, 13, "unterminated string: the closing \" is missing" },
		{ "proc.name = 'abc\" and x", 1, 13, "unterminated string: the closing ' is missing" },
		{ "proc.name = \"abc\\\"", 1, 13, "unterminated string: the closing \" is missing" },
		{ "proc.name = \"abc\\", 1, 13, "unterminated string: the closing \" is missing" },
		{ "proc.name in (a, \"b)", 1, 18, "unterminated string: the closing \" is missing" },
		{ "proc.name = \"a\\q\"", 1, 15, "unsupported escape sequence \\q in a string" },
		{ "proc.name = \"a\\x41\"", 1, 15, "unsupported escape sequence \\x in a string" },
		{ "proc.name = \"a\\\x01\"", 1, 15, "unsupported escape sequence \\x01 in a string" },
		{ "proc.name = \"a\\'\"", 1, 15, "invalid escape \\' in a \"-quoted string" },
		{ "proc.name = 'a\\\"'", 1, 15, "invalid escape \\\" in a '-quoted string" },
		{ "a and\n  proc.name = \"x\\z\"", 2, 17, "unsupported escape sequence \\z in a string" },
		/* lists */
		{ "proc.name in ()", 1, 14, "empty list () after 'in'" },
		{ "proc.name pmatch ( )", 1, 18, "empty list () after 'pmatch'" },
		{ "proc.name in", 1, 13, "missing list after 'in'" },
		{ "(proc.name intersects)", 1, 22, "missing list after 'intersects'" },
		{ "proc.name in /etc", 1, 14, "expected a list (...) or a list name after 'in' but found '/etc'" },
		{ "proc.name in \"a\"", 1, 14, "expected a list (...) or a list name after 'in' but found '\"a\"'" },
		{ "proc.name in (a,)", 1, 17, "missing list item after ','" },
		{ "proc.name in (,a)", 1, 15, "expected a list item but found ','" },
		{ "proc.name in (a,,b)", 1, 17, "expected a list item but found ','" },
		{ "proc.name in (a b)", 1, 17, "expected ',' or ')' in the list but found 'b'" },
		{ "proc.name in (a=b)", 1, 16, "expected ',' or ')' in the list but found '=b'" },
		{ "proc.name in (a, (b))", 1, 18, "expected a list item but found '('" },
		{ "proc.name in (a, b", 1, 14, "unbalanced parentheses: the list's '(' is never closed" },
		{ "proc.name in (a,", 1, 14, "unbalanced parentheses: the list's '(' is never closed" },
		/* field-to-field comparisons and transformers, which vigil has not */
		{ "proc.name = val(proc.pname)", 1, 13, "comparing with another field, val(...), is not supported" },
		{ "proc.name in val(proc.pname)", 1, 14, "comparing with another field, val(...), is not supported" },
		{ "fd.num > val(fd.num)", 1, 10, "comparing with another field, val(...), is not supported" },
		{ "tolower(proc.name) = bash", 1, 1, "field transformer tolower(...) is not supported" },
		{ "a and toupper(proc.name) = BASH", 1, 7, "field transformer toupper(...) is not supported" },
		{ "proc.name = b64(x)", 1, 13, "field transformer b64(...) is not supported" },
		{ "basename(proc.exepath) = sh", 1, 1, "field transformer basename(...) is not supported" },
		{ "len(proc.args) > 3", 1, 1, "field transformer len(...) is not supported" },
		/* what the messages show of a token */
		{ "a \x01\x02 and", 1, 3, "expected 'and', 'or' or the end of the condition but found '\\x01\\x02'" },
		{ "proc.name = \x01\x02 and", 1, 19, "missing operand after 'and'" }, /* a bare value: Falco's too */
		{ "a bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 1, 3,
		  "expected 'and', 'or' or the end of the condition but found "
		  "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...'" },
		{ "a\n\n   b", 3, 4, "expected 'and', 'or' or the end of the condition but found 'b'" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_error(cases[i].text, cases[i].line, cases[i].column, cases[i].message);
}

static void nul_byte(void **state)
{
	(void)state;
	assert_error_len("proc.name = a\0b", 15, 1, 14, "NUL byte in the condition");
	assert_error_len("a and\n\0", 7, 2, 1, "NUL byte in the condition");
	/* The length is what counts, not a terminating NUL. */
	struct condition_node *node;
	struct condition_error err;

	assert_int_equal(rule_condition_parse("a and b", 1, &node, &err), 0);
	assert_int_equal(node->type, CONDITION_MACRO);
	rule_condition_free(node);
}

static void no_error_struct(void **state)
{
	struct condition_node *node = (struct condition_node *)1;
	(void)state;

	assert_int_equal(rule_condition_parse("a and", 5, &node, NULL), -EINVAL);
	assert_null(node);
	assert_int_equal(rule_condition_parse("a and b", 7, &node, NULL), 0);
	rule_condition_free(node);
	rule_condition_free(NULL);
}

/* ---- limits ---- */

/* head n times, middle, tail n times. */
static char *repeat(const char *head, size_t n, const char *middle, const char *tail)
{
	size_t head_len = strlen(head), middle_len = strlen(middle), tail_len = strlen(tail);
	char *s = malloc(n * (head_len + tail_len) + middle_len + 1), *at = s;

	assert_non_null(s);
	for (size_t i = 0; i < n; i++, at += head_len)
		memcpy(at, head, head_len);
	memcpy(at, middle, middle_len);
	at += middle_len;
	for (size_t i = 0; i < n; i++, at += tail_len)
		memcpy(at, tail, tail_len);
	*at = '\0';
	return s;
}

static void depth_limit(void **state)
{
	struct condition_node *node;
	struct condition_error err;
	char *text, message[128];
	(void)state;

	snprintf(message, sizeof(message), "conditions nest deeper than %d parentheses and 'not's",
		 RULE_CONDITION_MAX_DEPTH);

	text = repeat("(", RULE_CONDITION_MAX_DEPTH, "a", ")");
	assert_int_equal(rule_condition_parse(text, strlen(text), &node, &err), 0);
	rule_condition_free(node);
	free(text);
	text = repeat("(", RULE_CONDITION_MAX_DEPTH + 1, "a", ")");
	assert_error(text, 1, RULE_CONDITION_MAX_DEPTH + 1, message);
	free(text);

	/* The deepest tree there can be: a group and a 'not' at each level. */
	text = repeat("not (a and ", RULE_CONDITION_MAX_DEPTH / 2, "b", ")");
	assert_int_equal(rule_condition_parse(text, strlen(text), &node, &err), 0);
	{
		char *printed = rule_condition_to_string(node);
		struct condition_node *again = parse_ok(printed);

		assert_true(rule_condition_equal(node, again));
		rule_condition_free(again);
		free(printed);
	}
	rule_condition_free(node);
	free(text);

	text = repeat("not ", RULE_CONDITION_MAX_DEPTH, "a", "");
	assert_int_equal(rule_condition_parse(text, strlen(text), &node, &err), 0);
	rule_condition_free(node);
	free(text);
	text = repeat("not ", RULE_CONDITION_MAX_DEPTH + 1, "a", "");
	assert_error(text, 1, 4 * RULE_CONDITION_MAX_DEPTH + 1, message);
	free(text);

	/* Far deeper than the limit: refused without a deep recursion. */
	text = repeat("(", 100000, "a", ")");
	assert_error(text, 1, RULE_CONDITION_MAX_DEPTH + 1, message);
	free(text);
}

static void length_limit(void **state)
{
	size_t n = RULE_CONDITION_MAX_LEN;
	char *text = malloc(n + 2), message[96];
	struct condition_node *node;
	struct condition_error err;
	(void)state;

	assert_non_null(text);
	/* "x = 1 or x = 1 or ...", padded with blanks to the limit. */
	memset(text, ' ', n + 1);
	for (size_t at = 0; at + 16 < n; at += 16)
		memcpy(text + at, at ? " or a.b = 12345" : "    a.b = 12345", 15);
	text[n + 1] = '\0';
	assert_int_equal(rule_condition_parse(text, n, &node, &err), 0);
	assert_int_equal(node->type, CONDITION_OR);
	assert_int_equal(node->group.n_children, (n - 17) / 16 + 1);
	rule_condition_free(node);

	snprintf(message, sizeof(message), "condition longer than %d bytes", RULE_CONDITION_MAX_LEN);
	assert_error_len(text, n + 1, 1, 1, message);
	free(text);
}

/* ---- printing and equality ---- */

static void canonical_strings(void **state)
{
	(void)state;
	assert_canonical("proc.name = 'a\"b'", "proc.name = \"a\\\"b\"");
	assert_canonical("proc.name = \"a\\\\b\"", "proc.name = \"a\\\\b\"");
	/* An escaped backslash before the closing quote: the string ends there. */
	assert_canonical("proc.name = \"a\\\\\" or x", "proc.name = \"a\\\\\" or x");
	assert_canonical("proc.name = \"\\b\\f\\n\\r\\t\\/\"", "proc.name = \"\\b\\f\\n\\r\\t/\"");
	assert_canonical("proc.name = \"x\ny\"", "proc.name = \"x\\ny\"");
	assert_canonical("proc.name = \"\x01\x7f\xff\"", "proc.name = \"\x01\x7f\xff\"");
	assert_canonical("proc.args contains \"\\ \" or proc.args endswith \\",
			 "proc.args contains \"\\\\\" or proc.args endswith \\");
	assert_canonical("(proc.args endswith \\)", "proc.args endswith \\");
	assert_canonical("  a\n\tand\r\n b  ", "a and b");
}

static void equality(void **state)
{
	static const char *const different[] = {
		"proc.name = bash",
		"proc.name = \"bash\"",
		"proc.name != bash",
		"proc.pname = bash",
		"proc.name[1] = bash",
		"proc.name in (bash)",
		"proc.name in bash",
		"proc.name in (bash, sh)",
		"proc.name exists",
		"bash",
		"not bash",
		"bash and sh",
		"bash or sh",
		"bash and sh and x",
		"(bash and sh) and x",
	};
	struct condition_node *a, *b;
	(void)state;

	for (size_t i = 0; i < sizeof(different) / sizeof(different[0]); i++) {
		a = parse_ok(different[i]);
		for (size_t j = 0; j < sizeof(different) / sizeof(different[0]); j++) {
			b = parse_ok(different[j]);
			if (rule_condition_equal(a, b) != (i == j))
				fail_msg("\"%s\" and \"%s\": equal says %d", different[i], different[j], i != j);
			rule_condition_free(b);
		}
		rule_condition_free(a);
	}

	/* Positions and spelling aside. */
	a = parse_ok("proc.name==bash and\n  (x)");
	b = parse_ok("proc.name = bash and x");
	assert_true(rule_condition_equal(a, b));
	rule_condition_free(a);
	rule_condition_free(b);
	assert_true(rule_condition_equal(NULL, NULL));
	a = parse_ok("x");
	assert_false(rule_condition_equal(a, NULL));
	assert_false(rule_condition_equal(NULL, a));
	rule_condition_free(a);
	{
		char *s = rule_condition_to_string(NULL);

		assert_string_equal(s, "");
		free(s);
	}
}

/* ---- Falco's rule files ---- */

/* Every position in the tree is consistent (line:column and offset) and inside text. */
static void assert_positions(const char *text, const struct condition_node *node)
{
	size_t len = strlen(text);
	const struct condition_pos *all[4];
	size_t n = 0;

	all[n++] = &node->pos;
	switch (node->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		for (size_t i = 0; i < node->group.n_children; i++)
			assert_positions(text, node->group.children[i]);
		break;
	case CONDITION_NOT:
		assert_positions(text, node->operand);
		break;
	case CONDITION_COMPARE:
		all[n++] = &node->check.rhs_pos;
		for (size_t i = 0; i < node->check.n_values; i++)
			assert_int_equal(node->check.values[i].pos.offset,
					 offset_of(text, len, node->check.values[i].pos.line, node->check.values[i].pos.column));
		/* fall through */
	case CONDITION_EXISTS:
		all[n++] = &node->check.field.pos;
		all[n++] = &node->check.op_pos;
		break;
	case CONDITION_MACRO:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(all[i]->offset < len);
		assert_int_equal(all[i]->offset, offset_of(text, len, all[i]->line, all[i]->column));
	}
}

static void falco_rule_files(void **state)
{
	FILE *f = fopen(FALCO_CONDITIONS, "r");
	char *line = NULL;
	size_t size = 0;
	unsigned int records = 0, lineno = 0;
	(void)state;

	if (!f)
		fail_msg("%s: %s (run the tests from the repository's folder)", FALCO_CONDITIONS, strerror(errno));
	while (getline(&line, &size, f) > 0) {
		struct condition_node *node = NULL, *again = NULL;
		struct condition_error err;
		const char *condition, *file, *name;
		char *printed, *printed_again;
		json_error_t json_err;
		json_t *record;

		lineno++;
		if (line[0] == '#')
			continue;
		record = json_loads(line, 0, &json_err);
		if (!record)
			fail_msg("%s:%u: %s", FALCO_CONDITIONS, lineno, json_err.text);
		condition = json_string_value(json_object_get(record, "condition"));
		file = json_string_value(json_object_get(record, "file"));
		name = json_string_value(json_object_get(record, "name"));
		assert_non_null(condition);
		assert_non_null(file);
		assert_non_null(name);
		records++;

		if (rule_condition_parse(condition, strlen(condition), &node, &err) != 0)
			fail_msg("%s:%lld: %s '%s': %u:%u: %s", file,
				 (long long)json_integer_value(json_object_get(record, "line")),
				 json_string_value(json_object_get(record, "kind")), name, err.pos.line, err.pos.column,
				 err.message);
		assert_positions(condition, node);
		printed = rule_condition_to_string(node);
		assert_non_null(printed);
		if (rule_condition_parse(printed, strlen(printed), &again, &err) != 0)
			fail_msg("%s '%s' printed as \"%s\" does not parse: %u:%u: %s", file, name, printed, err.pos.line,
				 err.pos.column, err.message);
		if (!rule_condition_equal(node, again))
			fail_msg("%s '%s': printed as \"%s\", which parses to another tree", file, name, printed);
		printed_again = rule_condition_to_string(again);
		assert_string_equal(printed_again, printed);

		free(printed_again);
		free(printed);
		rule_condition_free(again);
		rule_condition_free(node);
		json_decref(record);
	}
	free(line);
	fclose(f);
	/* 112 + 113 + 220 in the files of 2026-06-18: not an empty or truncated fixture. */
	assert_true(records >= 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_operator),
		cmocka_unit_test(exists_operator),
		cmocka_unit_test(operators_without_blanks),
		cmocka_unit_test(op_names),
		cmocka_unit_test(values),
		cmocka_unit_test(numbers),
		cmocka_unit_test(lists),
		cmocka_unit_test(fields),
		cmocka_unit_test(macros),
		cmocka_unit_test(precedence),
		cmocka_unit_test(positions),
		cmocka_unit_test(errors),
		cmocka_unit_test(nul_byte),
		cmocka_unit_test(no_error_struct),
		cmocka_unit_test(depth_limit),
		cmocka_unit_test(length_limit),
		cmocka_unit_test(canonical_strings),
		cmocka_unit_test(equality),
		cmocka_unit_test(falco_rule_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
