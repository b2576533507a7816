/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rules files in Falco's format, read into one rule set: the rules, macros and
 * lists of one or several files, merged the way Falco merges them, every
 * condition still text. The condition compiler parses those texts; with
 * rule_text_locate a place in one of them becomes a file:line:column again.
 *
 *	struct rule_set *set = rule_set_new();
 *	const char *files[] = { "/etc/vigil/rules.yaml", "/etc/vigil/local_rules.yaml" };
 *
 *	if (!set)
 *		return -ENOMEM;
 *	err = rule_set_load_files(set, files, 2);
 *	for (size_t i = 0; i < rule_set_warning_count(set); i++)
 *		log_warn("%s", rule_set_warning(set, i)->text);
 *	for (size_t i = 0; i < rule_set_error_count(set); i++)
 *		log_error("%s", rule_set_error(set, i)->text);
 *	for (size_t i = 0; !err && i < rule_set_rule_count(set); i++) {
 *		const struct rule_def *rule = rule_set_rule(set, i);
 *		... rule->condition.text, rule->priority, rule->enabled ...
 *	}
 *	rule_set_free(set);
 *
 * What a rules file holds (Falco's format; its current loader's behaviour where
 * it is not written down):
 *
 * - A YAML sequence of items (several `---` documents are read in turn). An
 *   item is a mapping with exactly one of `rule`, `macro`, `list`,
 *   `required_engine_version`, `required_plugin_versions`. The last two are
 *   accepted and ignored; any other item is ignored with a warning.
 * - `rule`: `desc`, `condition`, `output` and `priority` are required; `tags`
 *   (a list), `enabled`, `warn_evttypes`, `skip-if-unknown-filter` (booleans:
 *   true/false, yes/no, on/off, in lower case, Capitalized or UPPER case),
 *   `source` (default "syscall"), `exceptions` are optional. Every other key is
 *   kept, in struct rule_def's extras, for vigil to read: its own `action`,
 *   `capture` and `capture_duration`; a key neither Falco nor vigil knows is
 *   kept too, with a warning (a misspelt key is otherwise silently nothing).
 *   Texts are trimmed of leading and trailing blanks (a `>` block ends in one).
 * - `macro`: `condition`; its name is an identifier ([A-Za-z][A-Za-z0-9_]*).
 *   `list`: `items`, a list of strings, kept as written (the compiler expands
 *   list names inside lists and conditions); its name holds none of
 *   ( ) " ' , = or blanks. Other keys are ignored with a warning.
 * - Several files load in order into one set; later items change earlier ones:
 *   - a full definition of a name that exists replaces it where it stands in
 *     definition order (Falco: redefinition is no error, for rules too, unless
 *     a rule changes its `source`); but a rule defined twice in one file is an
 *     error (a copy-paste that would silently replace the first);
 *   - `override: {key: append|replace, ...}`: rules append to condition,
 *     output, desc (joined with a space), tags (added) and exceptions (values
 *     added to an exception of the same name, or a new exception); they replace
 *     condition, output, desc, priority, tags, exceptions, enabled,
 *     warn_evttypes, skip-if-unknown-filter, and vigil's action, capture and
 *     capture_duration. Every key named under `override` must be in the item
 *     and every such key in the item must be named. Macros override
 *     `condition`, lists `items`;
 *   - `append: true` (deprecated, warned about): a rule's condition and
 *     exceptions, a macro's condition, a list's items are appended to;
 *   - an item with `rule` and `enabled` and none of desc/condition/output/
 *     priority switches that rule on or off (deprecated in Falco, warned about);
 *   - appending to, overriding or switching something that is not defined
 *     (yet) is an error. (Falco takes `override: {condition: replace}` on an
 *     unknown macro or list as a definition; vigil reports it, as a typo.)
 * - Exceptions: `name`, `fields` (one field, or a list), `comps` (default `in`
 *   for one field, `=` for each of a list), `values`. After all files, each
 *   rule's condition C with exceptions E1..En becomes, as in Falco,
 *	(C) and not (f in (v1, v2)) and not ((f1 = a and f2 = b) or (f1 = c and f2 = d))
 *   An exception without values adds nothing. A value is written as it is when
 *   it is a bare string of the condition language (no blanks, none of
 *   ( ) , = " ', list names included) or already a whole quoted string ("..."
 *   or '...'); else it is quoted "..." with \\ \" \n \r \t \b \f escapes.
 *   For in, intersects and pmatch, a value that is a YAML list, or a string
 *   "(a, b)", becomes a list (each element quoted as above), and a single
 *   string x becomes (x).
 * - Priorities, case-insensitive: emergency, alert, critical, error, warning,
 *   notice, informational (or info), debug — syslog(3)'s levels 0 to 7.
 *
 * Errors name file:line:column (columns count characters, from 1; an error
 * about a whole file, such as one that cannot be read, names only the file)
 * and what is wrong. An item with an error changes nothing; the loader goes on
 * with the next one and reports up to RULES_FILE_ERRORS_MAX errors per file
 * (then stops reading that file). Invalid YAML stops that file at once, as do
 * the bounds below. Warnings are kept apart. A set with errors is for reports
 * only: do not run it.
 */
#ifndef VIGIL_RULE_LOADER_H
#define VIGIL_RULE_LOADER_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds on what one file may make the loader do. */
#define RULES_FILE_MAX (16u << 20)       /* bytes in one file */
#define RULES_NODES_MAX (1u << 20)       /* YAML values (scalars, lists, mappings) in one file */
#define RULES_DEPTH_MAX 64               /* lists and mappings nested in one another */
#define RULES_STRING_MAX (1u << 20)      /* bytes in one YAML string */
#define RULES_TEXT_MAX (1u << 20)        /* bytes in a merged condition, output or desc */
#define RULES_ITEMS_MAX 100000u          /* top-level items in a rule set, all files together */
#define RULES_FILE_ERRORS_MAX 100u       /* errors reported per file, then it is abandoned */
#define RULES_FILE_WARNINGS_MAX 100u     /* warnings reported per file, then only counted */
/* YAML aliases (*name) are refused: no "billion laughs". */

/* The values are syslog(3)'s LOG_EMERG ... LOG_DEBUG. */
enum rule_priority {
	RULE_PRIORITY_EMERGENCY = 0,
	RULE_PRIORITY_ALERT = 1,
	RULE_PRIORITY_CRITICAL = 2,
	RULE_PRIORITY_ERROR = 3,
	RULE_PRIORITY_WARNING = 4,
	RULE_PRIORITY_NOTICE = 5,
	RULE_PRIORITY_INFORMATIONAL = 6,
	RULE_PRIORITY_DEBUG = 7,
};

/* "Emergency" ... "Debug" (Falco's spelling); "unknown" out of range. */
const char *rule_priority_name(enum rule_priority priority);
/* 0, or -EINVAL when text is none of the names (case-insensitive; "info" too). */
int rule_priority_parse(const char *text, enum rule_priority *priority);

/* A place in a rules file. file lives as long as the rule set. */
struct rule_pos {
	const char *file;
	unsigned int line;   /* from 1; 0 for the file as a whole */
	unsigned int column; /* from 1, in characters */
};

/* A YAML value as read: what vigil's own keys (struct rule_def's extras) hold. */
enum rule_value_kind {
	RULE_VALUE_SCALAR,
	RULE_VALUE_SEQUENCE,
	RULE_VALUE_MAPPING,
};

enum rule_value_style {
	RULE_VALUE_PLAIN,         /* a bare word: null, ~, true, 10s are words the reader interprets */
	RULE_VALUE_SINGLE_QUOTED,
	RULE_VALUE_DOUBLE_QUOTED,
	RULE_VALUE_LITERAL,       /* | */
	RULE_VALUE_FOLDED,        /* > */
	RULE_VALUE_FLOW,          /* a [list] or {mapping} written inline */
	RULE_VALUE_BLOCK,         /* a list or mapping written one entry a line */
};

struct rule_value {
	enum rule_value_kind kind;
	enum rule_value_style style;
	struct rule_pos pos;             /* its first character (a block scalar's | or >) */
	size_t offset, end;              /* where it is in the file, in bytes */
	const char *text;                /* SCALAR: NUL-terminated (a NUL inside is refused) */
	size_t len;                      /* SCALAR: strlen(text) */
	size_t count;                    /* SEQUENCE: items; MAPPING: key-value pairs */
	const struct rule_value *items;  /* SEQUENCE: count; MAPPING: 2 * count, key then value */
};

/* A plain empty, ~ or null scalar: YAML's null. */
bool rule_value_is_null(const struct rule_value *value);

/* Where the text between two anchors comes from: the characters after one follow its position. */
struct rule_text_anchor {
	size_t offset;
	struct rule_pos pos;
};

/*
 * A condition, output or desc as merged from the files. text is NUL-terminated;
 * pos is where its first character comes from (a `>` block's first word, not
 * the `>`). Text the loader wrote (exceptions, the parentheses around a
 * condition with exceptions) points at what it was made from.
 */
struct rule_text {
	const char *text;
	size_t len;
	struct rule_pos pos;
	const struct rule_text_anchor *anchors; /* by offset; for rule_text_locate */
	size_t n_anchors;
};

/* Where text->text[offset] (a byte offset; past the end: the end) comes from. */
void rule_text_locate(const struct rule_text *text, size_t offset, struct rule_pos *pos);

/* A rule key that is not Falco's: vigil's own (action, capture, ...) or unknown. */
struct rule_extra {
	const char *key;
	struct rule_pos key_pos;
	const struct rule_value *value;
};

struct rule_def {
	const char *name;
	struct rule_pos pos;          /* the item of its (last) full definition: its first key */
	struct rule_text condition;   /* appends and exceptions included: what the compiler parses */
	struct rule_text output;
	struct rule_text desc;
	enum rule_priority priority;
	bool enabled;
	bool warn_evttypes;
	bool skip_if_unknown_filter;
	const char *source;
	const char *const *tags;      /* in the order first seen, each once */
	size_t n_tags;
	const struct rule_extra *extras;
	size_t n_extras;
	size_t n_exceptions;          /* exceptions folded into condition, with or without values */
};

struct macro_def {
	const char *name;
	struct rule_pos pos;
	struct rule_text condition;
};

struct list_def {
	const char *name;
	struct rule_pos pos;
	const char *const *items;
	const struct rule_pos *item_pos;
	size_t n_items;
};

struct rule_message {
	struct rule_pos pos;
	const char *message; /* what is wrong */
	const char *text;    /* "file:line:column: message" */
};

struct rule_set;

/* NULL when out of memory. */
struct rule_set *rule_set_new(void);
void rule_set_free(struct rule_set *set);

/*
 * Load one file, several in order, or a file's contents under a name (for
 * messages). 0 when they added no error; -EINVAL when they did (see the
 * messages); -ENOMEM (the set is then unusable); for a file that cannot be
 * read, its -errno (and an error message). rule_set_load_files reads every
 * file whatever the earlier ones gave, and returns the first failure.
 */
int rule_set_load_file(struct rule_set *set, const char *path);
int rule_set_load_files(struct rule_set *set, const char *const *paths, size_t count);
int rule_set_load_buffer(struct rule_set *set, const char *name, const char *data, size_t size);

/* In definition order; a redefinition keeps the first definition's place. */
size_t rule_set_rule_count(const struct rule_set *set);
const struct rule_def *rule_set_rule(const struct rule_set *set, size_t index);
const struct rule_def *rule_set_find_rule(const struct rule_set *set, const char *name);
size_t rule_set_macro_count(const struct rule_set *set);
const struct macro_def *rule_set_macro(const struct rule_set *set, size_t index);
const struct macro_def *rule_set_find_macro(const struct rule_set *set, const char *name);
size_t rule_set_list_count(const struct rule_set *set);
const struct list_def *rule_set_list(const struct rule_set *set, size_t index);
const struct list_def *rule_set_find_list(const struct rule_set *set, const char *name);

/* The value of a rule's key that is not Falco's ("action"), or NULL. */
const struct rule_value *rule_def_extra(const struct rule_def *rule, const char *key);

/* Every error and warning of every load so far, in the order found. */
size_t rule_set_error_count(const struct rule_set *set);
const struct rule_message *rule_set_error(const struct rule_set *set, size_t index);
size_t rule_set_warning_count(const struct rule_set *set);
const struct rule_message *rule_set_warning(const struct rule_set *set, size_t index);

#endif /* VIGIL_RULE_LOADER_H */
