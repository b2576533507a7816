/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rule conditions: the `condition:` string of a Falco rule or macro, parsed
 * into a tree for the rule compiler. Nothing here knows fields, macros or
 * lists: a field is a dotted name to check against vigil's field table later,
 * a macro or a list is a name to resolve later; each keeps where it was
 * written.
 *
 *	struct condition_node *cond;
 *	struct condition_error err;
 *
 *	if (rule_condition_parse(text, len, &cond, &err) != 0) {
 *		// err.pos: line and column within text, and the byte offset, which
 *		// maps back to a file also when text was merged from several places
 *		report(..., err.pos.offset, err.message);
 *		return -EINVAL;
 *	}
 *	... cond->type, cond->group.children[i], cond->check.field.name ...
 *	rule_condition_free(cond);
 *
 * The grammar is Falco's (libsinsp's filter parser), loosest to tightest:
 *
 *	condition  := or
 *	or         := and ('or' and)*
 *	and        := not ('and' not)*
 *	not        := 'not' not | check
 *	check      := '(' or ')' | field 'exists' | field op value | field listop list | macro
 *	field      := name ('.' name)+ ('[' (bare-arg | quoted) ']')?     proc.aname[2]
 *	macro      := name                                                 spawned_process
 *	op         := '=' | '==' | '!=' | 'contains' | 'icontains' | 'bcontains' | 'startswith'
 *	              | 'bstartswith' | 'endswith' | 'glob' | 'iglob'    (value: bare or quoted)
 *	              | '<' | '<=' | '>' | '>='                           (value: a number)
 *	listop     := 'in' | 'intersects' | 'pmatch'
 *	list       := '(' item (',' item)* ')' | list-name                 in (a, "b c") / in my_list
 *
 * Blanks are space, \t \n \r \v \f and \b. A bare value is a run of anything
 * but blanks, ( ) , = " and '; a bare field argument anything but blanks,
 * [ ] " and '. Quoted strings take ' or " with the escapes \\ \" (in "...")
 * \' (in '...') \/ \b \f \n \r \t; "\ " is a backslash, as in Falco. `not`
 * binds tighter than `and`, `and` than `or`.
 *
 * Unlike Falco: an empty list "in ()" is an error (always false: a mistake),
 * and Falco's field-to-field comparisons, val(...) and the transformers
 * tolower(...) toupper(...) b64(...) basename(...) len(...), are refused by
 * name, as vigil has none.
 */
#ifndef VIGIL_RULE_CONDITION_H
#define VIGIL_RULE_CONDITION_H

#include <stdbool.h>
#include <stddef.h>

/* Longer conditions are refused (Falco's longest is 4 KiB; a merged one may be far longer). */
#define RULE_CONDITION_MAX_LEN (1024 * 1024)
/* Parentheses and `not`s nested deeper are refused: the parser and the tree walkers recurse. */
#define RULE_CONDITION_MAX_DEPTH 256

enum condition_node_type {
	CONDITION_AND,     /* group: two or more children, all true */
	CONDITION_OR,      /* group: two or more children, one true */
	CONDITION_NOT,     /* operand */
	CONDITION_COMPARE, /* check: field op value(s) */
	CONDITION_EXISTS,  /* check: field only ("proc.pname exists") */
	CONDITION_MACRO,   /* macro: a name without a dot, alone */
};

enum condition_op {
	CONDITION_OP_EQ, /* = and == */
	CONDITION_OP_NE,
	CONDITION_OP_LT,
	CONDITION_OP_LE,
	CONDITION_OP_GT,
	CONDITION_OP_GE,
	CONDITION_OP_CONTAINS,
	CONDITION_OP_ICONTAINS,
	CONDITION_OP_BCONTAINS,
	CONDITION_OP_STARTSWITH,
	CONDITION_OP_BSTARTSWITH,
	CONDITION_OP_ENDSWITH,
	CONDITION_OP_GLOB,
	CONDITION_OP_IGLOB,
	CONDITION_OP_IN,
	CONDITION_OP_INTERSECTS,
	CONDITION_OP_PMATCH,
};

/* What the right-hand side of a comparison is. */
enum condition_rhs {
	CONDITION_RHS_VALUE,     /* one value: "= bash" */
	CONDITION_RHS_LIST,      /* values between parentheses: "in (bash, sh)"; one or more */
	CONDITION_RHS_LIST_NAME, /* a list's name without parentheses: "in shell_binaries"; one value */
};

struct condition_pos {
	unsigned int line;   /* 1-based, within the condition string */
	unsigned int column; /* 1-based, in bytes */
	size_t offset;       /* from the string's first byte: for text merged from several places */
};

struct condition_value {
	char *text;  /* without the quotes, escapes resolved */
	bool quoted; /* written between quotes: a literal, never a list's name */
	struct condition_pos pos;
};

struct condition_field {
	char *name; /* "proc.aname" */
	char *arg;  /* "2" of proc.aname[2]; NULL without brackets */
	struct condition_pos pos;
};

struct condition_node {
	enum condition_node_type type;
	struct condition_pos pos; /* where the node's text starts: the field, the macro, 'not', '(' */
	union {
		struct {
			struct condition_node **children;
			size_t n_children;
		} group; /* CONDITION_AND, CONDITION_OR */
		struct condition_node *operand; /* CONDITION_NOT */
		struct {
			struct condition_field field;
			struct condition_pos op_pos; /* the operator, 'exists' included */
			/* The rest is for CONDITION_COMPARE only. */
			enum condition_op op;
			enum condition_rhs rhs;
			struct condition_pos rhs_pos; /* the value, the list's '(' or the list's name */
			struct condition_value *values;
			size_t n_values;
		} check; /* CONDITION_COMPARE, CONDITION_EXISTS */
		struct {
			char *name;
		} macro; /* CONDITION_MACRO */
	};
};

struct condition_error {
	struct condition_pos pos; /* where the problem is */
	char message[256];        /* one sentence, printable ASCII, without the position */
};

/*
 * Parse len bytes of text (no NUL needed; a NUL byte inside is an error).
 * 0 and *out a tree to free with rule_condition_free, or -EINVAL (a syntax
 * error, a condition too long or too deep) or -ENOMEM, *out NULL and err
 * filled.
 */
int rule_condition_parse(const char *text, size_t len, struct condition_node **out, struct condition_error *err);

/* Free a tree from rule_condition_parse; NULL is fine. */
void rule_condition_free(struct condition_node *node);

/*
 * The tree written back as a condition, canonically: one space around
 * operators, '=' for '==', "..." for quoted values, parentheses exactly where
 * the tree has a group inside a group or under 'not'. Parsing the result gives
 * the same tree (rule_condition_equal). A string to free(), or NULL (no memory).
 */
char *rule_condition_to_string(const struct condition_node *node);

/* Whether two trees are the same, positions aside. */
bool rule_condition_equal(const struct condition_node *a, const struct condition_node *b);

/* "=", "contains", ... as the canonical form writes it. */
const char *rule_condition_op_name(enum condition_op op);

#endif /* VIGIL_RULE_CONDITION_H */
