// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Enforcement's compiler: real rule text through the loader and the engine
 * into enforce_compile, and the policy the kernel gets checked term by term
 * (types, scope, numeric checks, string entries and their closed masks,
 * kill before deny); every part the kernel cannot decide refused at load
 * with a message that names it; the 64-term budget; `scope`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "rule_engine.h"
#include "rule_loader.h"

#define T(type) (1ull << (type))
#define OPENS (T(VIGIL_EVENT_OPEN) | T(VIGIL_EVENT_OPENAT) | T(VIGIL_EVENT_OPENAT2))

static struct rule_set *set;
static struct rule_engine *engine;
static struct enforce_policy policy;
static char reported[4096];

static int teardown(void **state)
{
	(void)state;
	enforce_policy_free(&policy);
	rule_engine_free(engine);
	rule_set_free(set);
	engine = NULL;
	set = NULL;
	reported[0] = '\0';
	return 0;
}

static void print_messages(void)
{
	for (size_t i = 0; i < rule_set_error_count(set); i++)
		print_message("loader error: %s\n", rule_set_error(set, i)->text);
	for (size_t i = 0; engine && i < rule_engine_message_count(engine); i++) {
		bool is_error;
		const struct rule_message *m = rule_engine_message(engine, i, &is_error);

		print_message("%s: %s\n", is_error ? "error" : "warning", m->text);
	}
}

static void report(const char *message, void *ctx)
{
	(void)ctx;
	snprintf(reported + strlen(reported), sizeof(reported) - strlen(reported), "%s\n", message);
}

/* Load and compile text (it must load), then compile its policy. */
static void compile_text(const char *text)
{
	teardown(NULL);
	set = rule_set_new();
	assert_non_null(set);
	if (rule_set_load_buffer(set, "t.yaml", text, strlen(text)))
		print_messages();
	assert_int_equal(rule_set_error_count(set), 0);
	assert_int_equal(rule_engine_compile(set, &engine), 0);
	assert_true(enforce_compile(engine, &policy, report, NULL) >= 0);
}

/* One rule around a condition, with extra keys ("action: deny\n  scope: host\n"); the condition is at 3:14. */
static void compile_rule(const char *condition, const char *keys)
{
	char text[16384];

	snprintf(text, sizeof(text),
		 "- rule: r\n  desc: d\n  condition: %s\n  output: o\n  priority: Warning\n  %s\n"
		 "- list: shells\n  items: [bash, sh]\n"
		 "- list: empty_list\n  items: []\n"
		 "- macro: never_true\n  condition: (evt.num=0)\n"
		 "- macro: container\n  condition: (container.id != host)\n"
		 "- macro: user_known_x\n  condition: (never_true)\n"
		 "- macro: name_is_sh\n  condition: proc.name = sh\n",
		 condition, keys);
	compile_text(text);
}

static void assert_no_errors(void)
{
	if (rule_engine_error_count(engine) || reported[0])
		print_messages();
	assert_int_equal(rule_engine_error_count(engine), 0);
	assert_string_equal(reported, "");
}

/* The one rule failed to load with exactly this message, and the policy is empty. */
static void assert_rule_error(const char *expected)
{
	const struct rule_info *r = rule_engine_rule(engine, 0);

	assert_int_equal(r->status, RULE_FAILED);
	assert_non_null(r->error);
	assert_string_equal(r->error, expected);
	assert_int_equal(rule_engine_error_count(engine), 1);
	assert_int_equal(policy.n_terms, 0);
}

/* The policy's string entry of that kind and text, or NULL. */
static const struct enforce_string *entry(enum vigil_enforce_str_kind kind, const char *text, bool exact)
{
	for (size_t i = 0; i < policy.n_strings; i++) {
		const struct enforce_string *s = &policy.strings[i];

		if (s->kind == kind && s->exact == exact && s->len == strlen(text) && !memcmp(s->bytes, text, s->len))
			return s;
	}
	return NULL;
}

static uint64_t mask_of(enum vigil_enforce_str_kind kind, const char *text, bool exact)
{
	const struct enforce_string *s = entry(kind, text, exact);

	if (!s)
		print_message("no %s entry '%s'\n", exact ? "exact" : "prefix", text);
	assert_non_null(s);
	return s->mask;
}

static const struct vigil_enforce_term *only_term(void)
{
	assert_no_errors();
	assert_int_equal(policy.n_terms, 1);
	return &policy.terms[0];
}

/* ---- strings ---- */

static void exec_paths(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type = execve and container and proc.exepath in (/bin/sh, /bin/bash)", "action: deny");
	t = only_term();
	assert_true(t->types == T(VIGIL_EVENT_EXEC));
	assert_int_equal(t->action, VIGIL_ENFORCE_DENY);
	assert_int_equal(t->scope, VIGIL_SCOPE_CONTAINER);
	assert_int_equal(t->checks, 0);
	assert_int_equal(t->rule, 0);
	assert_int_equal(policy.n_strings, 2);
	assert_true(mask_of(VIGIL_STR_PATH, "/bin/sh", true) == 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/bin/bash", true) == 1);
	assert_true(policy.needs[VIGIL_STR_PATH] == 1);
	assert_true(policy.needs[VIGIL_STR_SOURCE] == 0);
	assert_true(policy.types_container[VIGIL_EVENT_EXEC] == 1);
	assert_true(policy.types_host[VIGIL_EVENT_EXEC] == 0);
	assert_true(policy.deny_types == T(VIGIL_EVENT_EXEC));
	assert_int_equal(policy.n_deny_rules, 1);
	assert_int_equal(policy.n_kill_rules, 0);
}

static void open_paths_merge_into_one_term(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type in (open, openat, openat2) and (fd.name startswith /etc/ or fs.path.name = /root/x "
		     "or evt.arg.path = /srv/y)",
		     "action: kill");
	t = only_term();
	assert_true(t->types == OPENS);
	assert_int_equal(t->action, VIGIL_ENFORCE_KILL);
	assert_int_equal(policy.n_strings, 3);
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/", false) == 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/root/x", true) == 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/srv/y", true) == 1);
	for (unsigned int type = VIGIL_EVENT_OPEN; type <= VIGIL_EVENT_OPENAT2; type++)
		assert_true(policy.types_container[type] == 1);
	assert_true(policy.deny_types == 0);
	assert_int_equal(policy.n_kill_rules, 1);
}

static void pmatch_is_the_path_and_below(void **state)
{
	(void)state;
	compile_rule("evt.type = openat and fd.name pmatch (/proc/sys, /var/run/)", "action: deny");
	only_term();
	assert_int_equal(policy.n_strings, 3);
	assert_true(mask_of(VIGIL_STR_PATH, "/proc/sys", true) == 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/proc/sys/", false) == 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/var/run/", false) == 1);
	/* not "/var/run" itself, as rule_eval.c's pmatch */
	assert_null(entry(VIGIL_STR_PATH, "/var/run", true));
}

static void prefix_masks_are_closed_and_kill_goes_first(void **state)
{
	(void)state;
	compile_text("- rule: shadow\n  desc: d\n  condition: evt.type = open and fd.name = /etc/shadow\n"
		     "  output: o\n  priority: Warning\n  action: deny\n"
		     "- rule: etc\n  desc: d\n  condition: evt.type = open and fd.name startswith /etc/\n"
		     "  output: o\n  priority: Warning\n  action: kill\n"
		     "- rule: ssh\n  desc: d\n  condition: evt.type = open and fd.name startswith /etc/ssh/\n"
		     "  output: o\n  priority: Warning\n  action: deny\n"
		     "- rule: tmp\n  desc: d\n  condition: evt.type = open and fd.name = /tmp/etc/x\n"
		     "  output: o\n  priority: Warning\n  action: deny\n"
		     "- rule: alert only\n  desc: d\n  condition: proc.name = sh\n  output: o\n  priority: Warning\n");
	assert_no_errors();
	assert_int_equal(policy.n_terms, 4);
	/* the kill rule first, whatever its place in the file; then the deny rules in order */
	assert_int_equal(policy.terms[0].rule, 1);
	assert_int_equal(policy.terms[0].action, VIGIL_ENFORCE_KILL);
	assert_int_equal(policy.terms[1].rule, 0);
	assert_int_equal(policy.terms[2].rule, 2);
	assert_int_equal(policy.terms[3].rule, 3);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(policy.terms[i].action, VIGIL_ENFORCE_DENY);
	/* the kernel's trie answers the longest match only: each entry carries the prefixes that lead to it */
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/", false) == 0x1);
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/shadow", true) == (0x2 | 0x1));
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/ssh/", false) == (0x4 | 0x1));
	assert_true(mask_of(VIGIL_STR_PATH, "/tmp/etc/x", true) == 0x8);
	assert_true(policy.needs[VIGIL_STR_PATH] == 0xf);
	assert_true(policy.types_container[VIGIL_EVENT_OPEN] == 0xf);
	assert_int_equal(policy.n_kill_rules, 1);
	assert_int_equal(policy.n_deny_rules, 3);
}

static void mount_strings(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type = mount and evt.arg.fstype in (proc, sysfs) and evt.arg.source = /dev/sda1 "
		     "and evt.arg.target startswith /host",
		     "action: deny");
	t = only_term();
	assert_true(t->types == T(VIGIL_EVENT_MOUNT));
	assert_true(mask_of(VIGIL_STR_FSTYPE, "proc", true) == 1);
	assert_true(mask_of(VIGIL_STR_FSTYPE, "sysfs", true) == 1);
	assert_true(mask_of(VIGIL_STR_SOURCE, "/dev/sda1", true) == 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/host", false) == 1);
	assert_true(policy.needs[VIGIL_STR_PATH] == 1 && policy.needs[VIGIL_STR_SOURCE] == 1 &&
		    policy.needs[VIGIL_STR_FSTYPE] == 1);
}

static void string_checks_intersect(void **state)
{
	(void)state;
	/* startswith /etc/ and in (/etc/passwd, /tmp/x): only /etc/passwd holds */
	compile_rule("evt.type = open and fd.name startswith /etc/ and fd.name in (/etc/passwd, /tmp/x)",
		     "action: deny");
	only_term();
	assert_int_equal(policy.n_strings, 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/passwd", true) == 1);
	/* two prefixes: the longer */
	compile_rule("evt.type = open and fd.name startswith /etc/ and fd.name startswith /etc/ssh/", "action: deny");
	only_term();
	assert_int_equal(policy.n_strings, 1);
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/ssh/", false) == 1);
	/* nothing in common: the conjunction vanishes, the rule has no term */
	compile_rule("evt.type = open and fd.name = /a and fd.name = /b", "action: deny");
	assert_no_errors();
	assert_int_equal(policy.n_terms, 0);
}

/* ---- numbers ---- */

static void capabilities(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type = capable and evt.arg.cap in (CAP_SYS_ADMIN, CAP_SYS_MODULE)", "action: deny");
	t = only_term();
	assert_true(t->types == T(VIGIL_EVENT_CAPABLE));
	assert_int_equal(t->checks, VIGIL_CHECK_CAP);
	assert_true(t->caps == ((1ull << 21) | (1ull << 16)));
	compile_rule("evt.type = capable and not evt.arg.cap = CAP_CHOWN", "action: deny");
	t = only_term();
	assert_true(t->caps == ~1ull);
	compile_rule("evt.type = capable and evt.rawarg.cap = 19", "action: deny");
	t = only_term();
	assert_true(t->caps == (1ull << 19));
}

static void namespace_flags(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type in (unshare, clone3) and (evt.arg.flags contains CLONE_NEWUSER or evt.arg.flags "
		     "contains CLONE_NEWNS)",
		     "action: kill");
	t = only_term();
	assert_true(t->types == (T(VIGIL_EVENT_UNSHARE) | T(VIGIL_EVENT_CLONE3)));
	assert_int_equal(t->checks, VIGIL_CHECK_FLAGS);
	assert_true(t->flags_any == (0x10000000ull | 0x20000ull));
	compile_rule("evt.type = setns and evt.arg.nstype in (CLONE_NEWNET, CLONE_NEWPID)", "action: deny");
	t = only_term();
	assert_true(t->types == T(VIGIL_EVENT_SETNS));
	assert_true(t->flags_any == (0x40000000ull | 0x20000000ull));
	/* clone is a fork event too: the flags check is false there, so only the clone event stays */
	compile_rule("evt.type = clone and evt.arg.flags contains CLONE_NEWPID", "action: deny");
	t = only_term();
	assert_true(t->types == T(VIGIL_EVENT_CLONE));
}

static void ptrace_requests_and_bpf_commands(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type = ptrace and evt.arg.request in (PTRACE_ATTACH, PTRACE_SEIZE)", "action: deny");
	t = only_term();
	assert_int_equal(t->checks, VIGIL_CHECK_VALUE);
	assert_int_equal(t->n_values, 2);
	assert_true(t->values[0] == 16 && t->values[1] == 0x4206);
	compile_rule("evt.type = bpf and evt.arg.cmd = BPF_PROG_LOAD", "action: kill");
	t = only_term();
	assert_int_equal(t->n_values, 1);
	assert_true(t->values[0] == 5);
	/* two value checks intersect */
	compile_rule("evt.type = ptrace and evt.arg.request in (PTRACE_ATTACH, PTRACE_SEIZE) and evt.rawarg.request = 16",
		     "action: deny");
	t = only_term();
	assert_int_equal(t->n_values, 1);
	assert_true(t->values[0] == 16);
}

static void uids(void **state)
{
	static const struct {
		const char *check;
		uint32_t op, uid;
	} cases[] = {
		{ "user.uid = 0", VIGIL_CMP_EQ, 0 },
		/* != 0 is >= 1: the same ids, one comparison */
		{ "not user.uid = 0", VIGIL_CMP_GE, 1 },
		{ "user.uid != 0", VIGIL_CMP_GE, 1 },
		{ "user.uid != 1000", VIGIL_CMP_NE, 1000 },
		{ "not user.uid in (1000)", VIGIL_CMP_NE, 1000 },
		{ "user.uid >= 1000", VIGIL_CMP_GE, 1000 },
		{ "user.uid > 999", VIGIL_CMP_GE, 1000 },
		{ "user.uid < 1000", VIGIL_CMP_LE, 999 },
		{ "not user.uid >= 1000", VIGIL_CMP_LE, 999 },
		{ "user.uid <= 5", VIGIL_CMP_LE, 5 },
		{ "user.uid in (7)", VIGIL_CMP_EQ, 7 },
		/* merged exactly: >= 0 says nothing, != and = agree */
		{ "user.uid >= 0 and user.uid = 3", VIGIL_CMP_EQ, 3 },
		{ "user.uid > 0 and user.uid != 0", VIGIL_CMP_GE, 1 },
	};
	char condition[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vigil_enforce_term *t;

		snprintf(condition, sizeof(condition), "evt.type = execve and %s", cases[i].check);
		compile_rule(condition, "action: deny");
		t = only_term();
		print_message("%s\n", cases[i].check);
		assert_int_equal(t->checks, VIGIL_CHECK_UID);
		assert_int_equal(t->uid_op, cases[i].op);
		assert_int_equal(t->uid, cases[i].uid);
	}
	/* every uid: no check at all */
	compile_rule("evt.type = execve and user.uid >= 0", "action: deny");
	assert_int_equal(only_term()->checks, 0);
}

static void asked_ids(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_rule("evt.type = setuid and evt.arg.uid = 0", "action: kill");
	t = only_term();
	assert_true(t->types == T(VIGIL_EVENT_SETUID));
	assert_int_equal(t->checks, VIGIL_CHECK_ARG_UID);
	assert_int_equal(t->arg_uid_op, VIGIL_CMP_EQ);
	assert_int_equal(t->arg_uid, 0);
	/* setreuid and setresuid ask for an euid */
	compile_rule("evt.type in (setreuid, setresuid) and evt.rawarg.euid = 0 and user.uid != 0", "action: kill");
	t = only_term();
	assert_true(t->types == (T(VIGIL_EVENT_SETREUID) | T(VIGIL_EVENT_SETRESUID)));
	assert_int_equal(t->checks, VIGIL_CHECK_ARG_UID | VIGIL_CHECK_UID);
	assert_int_equal(t->arg_uid_op, VIGIL_CMP_EQ);
	assert_int_equal(t->uid_op, VIGIL_CMP_GE);
	assert_int_equal(t->uid, 1);
	/* evt.rawarg reads (u32)-1 as -1: >= 0 is every id but that one */
	compile_rule("evt.type = setgid and evt.rawarg.gid >= 0", "action: deny");
	t = only_term();
	assert_int_equal(t->arg_uid_op, VIGIL_CMP_LE);
	assert_true(t->arg_uid == 0xfffffffeu);
	compile_rule("evt.type = setfsuid and evt.arg.fsuid = -1", "action: deny");
	t = only_term();
	assert_true(t->arg_uid == 0xffffffffu);
}

/* ---- scope ---- */

static void scopes(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	/* the default is containers, with or without the container macro */
	compile_rule("evt.type = execve and proc.exepath = /x", "action: deny");
	t = only_term();
	assert_int_equal(t->scope, VIGIL_SCOPE_CONTAINER);
	assert_true(policy.types_host[VIGIL_EVENT_EXEC] == 0);
	compile_rule("evt.type = execve and proc.exepath = /x", "action: deny\n  scope: any");
	t = only_term();
	assert_int_equal(t->scope, VIGIL_SCOPE_CONTAINER | VIGIL_SCOPE_HOST);
	assert_true(policy.types_host[VIGIL_EVENT_EXEC] == 1 && policy.types_container[VIGIL_EVENT_EXEC] == 1);
	compile_rule("evt.type = execve and container.id = host", "action: deny\n  scope: host");
	t = only_term();
	assert_int_equal(t->scope, VIGIL_SCOPE_HOST);
	assert_true(policy.types_host[VIGIL_EVENT_EXEC] == 1 && policy.types_container[VIGIL_EVENT_EXEC] == 0);
	compile_rule("evt.type = execve and not container", "action: deny\n  scope: any");
	assert_int_equal(only_term()->scope, VIGIL_SCOPE_HOST);
	compile_rule("evt.type = execve and container", "action: deny\n  scope: any");
	assert_int_equal(only_term()->scope, VIGIL_SCOPE_CONTAINER);

	/* host needs the explicit key: the lock-out guard */
	compile_rule("evt.type = execve and container.id = host", "action: deny");
	assert_rule_error("t.yaml:3:14: rule 'r' (action: deny): its condition matches only host processes "
			  "(container.id = host), and its scope is container (the default): set `scope: host` to act "
			  "on host processes");
	compile_rule("evt.type = execve and container", "action: kill\n  scope: host");
	assert_rule_error("t.yaml:3:14: rule 'r' (action: kill): its condition matches only container processes "
			  "(container.id != host), and its scope is host: set `scope: container` (the default) or "
			  "`scope: any`");
	compile_rule("evt.type = execve and container.id = 3f2a1b4c5d6e", "action: deny");
	assert_rule_error("t.yaml:3:36: rule 'r' (action: deny): `container.id = 3f2a1b4c5d6e` cannot be decided in "
			  "the kernel: the kernel tells container from host, not one container from another "
			  "(container.id = host, container.id != host)");
}

/* evt.is_setup: the kernel never decides on the runtime's setup, so "not setup" is neutral and "setup" never holds. */
static void setup_tests(void **state)
{
	(void)state;
	compile_rule("evt.type = mount and evt.is_setup = false and evt.arg.fstype = tmpfs", "action: kill");
	assert_int_equal(only_term()->types, 1ull << VIGIL_EVENT_MOUNT);
	assert_true(entry(VIGIL_STR_FSTYPE, "tmpfs", true) != NULL);
	compile_rule("evt.type = mount and not evt.is_setup = true", "action: kill");
	assert_int_equal(only_term()->types, 1ull << VIGIL_EVENT_MOUNT);
	/* only the runtime's setup: nothing the kernel will ever decide, so no term */
	compile_rule("evt.type = mount and evt.is_setup = true", "action: kill");
	assert_no_errors();
	assert_int_equal(policy.n_terms, 0);
	compile_rule("(evt.type = mount and evt.is_setup = true) or (evt.type = ptrace)", "action: kill");
	assert_int_equal(only_term()->types, 1ull << VIGIL_EVENT_PTRACE);
}

/* ---- the shape of default rules ---- */

static void empty_exceptions_and_never_true_macros(void **state)
{
	const struct vigil_enforce_term *t;

	(void)state;
	compile_text("- macro: never_true\n  condition: (evt.num=0)\n"
		     "- macro: container\n  condition: (container.id != host)\n"
		     "- macro: user_known_shadow_readers\n  condition: (never_true)\n"
		     "- list: known_shadow_readers\n  items: []\n"
		     "- rule: Read shadow\n  desc: d\n"
		     "  condition: >\n    evt.type in (open, openat) and container and fd.name = /etc/shadow\n"
		     "    and not proc.name in (known_shadow_readers) and not user_known_shadow_readers\n"
		     "  output: o\n  priority: Warning\n  action: deny\n"
		     "  exceptions:\n    - name: images\n      fields: container.image.repository\n"
		     "    - name: image_and_name\n      fields: [container.image.repository, proc.name]\n");
	t = only_term();
	assert_true(t->types == (T(VIGIL_EVENT_OPEN) | T(VIGIL_EVENT_OPENAT)));
	assert_int_equal(t->scope, VIGIL_SCOPE_CONTAINER);
	assert_true(mask_of(VIGIL_STR_PATH, "/etc/shadow", true) == 1);
	/* a never_true macro as the whole condition part: the rule compiles to nothing */
	compile_rule("evt.type = execve and proc.exepath = /x and never_true", "action: deny");
	assert_no_errors();
	assert_int_equal(policy.n_terms, 0);
	/* an exception with values is a real condition: refused, named */
	compile_text("- rule: r\n  desc: d\n  condition: evt.type = execve and proc.exepath = /x\n"
		     "  output: o\n  priority: Warning\n  action: deny\n"
		     "  exceptions:\n    - name: names\n      fields: proc.name\n      values: [bash]\n");
	assert_int_equal(rule_engine_rule(engine, 0)->status, RULE_FAILED);
	assert_non_null(strstr(rule_engine_rule(engine, 0)->error, "`not proc.name in (bash)` cannot be decided"));
}

/* ---- what is refused ---- */

static void refused_parts_are_named(void **state)
{
	static const struct {
		const char *condition, *error;
	} cases[] = {
		{ "evt.type = execve and proc.name = sh",
		  "t.yaml:3:36: rule 'r' (action: deny): `proc.name = sh` cannot be decided in the kernel: only event "
		  "type, container/host, paths and path prefixes, capability, mount fstype/source, namespace flags, "
		  "ptrace request, bpf command, executable path and uid can (on exec events)" },
		{ "evt.type = execve and name_is_sh",
		  "t.yaml:18:14: rule 'r' (action: deny): in macro 'name_is_sh': `proc.name = sh` cannot be decided in "
		  "the kernel: only event type, container/host, paths and path prefixes, capability, mount "
		  "fstype/source, namespace flags, ptrace request, bpf command, executable path and uid can (on exec "
		  "events)" },
		{ "proc.exepath = /bin/sh",
		  "t.yaml:3:14: rule 'r' (action: deny): its condition does not say which operations it stops (no "
		  "evt.type test): the kernel decides per operation: name them with evt.type in (...)" },
		{ "evt.type in (execve, connect) and user.uid = 0",
		  "t.yaml:3:14: rule 'r' (action: deny): evt.type connect cannot be decided in the kernel: only exec, "
		  "open, openat, openat2, mount, the setuid/setgid families, capable, ptrace, init_module, "
		  "finit_module, bpf, unshare, setns, clone and clone3 can" },
		{ "evt.type = open and not fd.name startswith /tmp/",
		  "t.yaml:3:38: rule 'r' (action: deny): `not fd.name startswith /tmp/` cannot be decided in the "
		  "kernel: a path is tested only for being one of some strings (=, in) or starting with one "
		  "(startswith, pmatch), never negated" },
		{ "evt.type = open and fd.name contains shadow",
		  "t.yaml:3:34: rule 'r' (action: deny): `fd.name contains shadow` cannot be decided in the kernel: a "
		  "path is tested only for being one of some strings (=, in) or starting with one (startswith, "
		  "pmatch), never negated" },
		{ "evt.type = open and proc.exepath = /bin/cat",
		  "t.yaml:3:34: rule 'r' (action: deny): `proc.exepath = /bin/cat` cannot be decided in the kernel: "
		  "only event type, container/host, paths and path prefixes, capability, mount fstype/source, "
		  "namespace flags, ptrace request, bpf command, executable path and uid can (on open events)" },
		{ "evt.type = unshare and evt.arg.flags contains CLONE_PARENT",
		  "t.yaml:3:37: rule 'r' (action: deny): `evt.arg.flags contains CLONE_PARENT` cannot be decided in "
		  "the kernel: 'CLONE_PARENT' is not one flag's whole name (CLONE_NEWUSER, CLONE_NEWNS, ...)" },
		{ "evt.type = unshare and not evt.arg.flags contains CLONE_NEWUSER",
		  "t.yaml:3:41: rule 'r' (action: deny): `not evt.arg.flags contains CLONE_NEWUSER` cannot be decided "
		  "in the kernel: the kernel tests that the flags hold a namespace flag (evt.arg.flags contains "
		  "CLONE_NEWUSER), never negated" },
		{ "evt.type = unshare and evt.arg.flags contains CLONE_NEWUSER and evt.arg.flags contains CLONE_NEWNS",
		  "t.yaml:3:78: rule 'r' (action: deny): `evt.arg.flags contains CLONE_NEWNS` cannot be decided in the "
		  "kernel: with the other flags check it needs two flags at once, and the kernel tests for any one of "
		  "a set (write one check, or the two as `or`)" },
		{ "evt.type = execve and user.uid > 5 and user.uid < 10",
		  "t.yaml:3:53: rule 'r' (action: deny): `user.uid < 10` cannot be decided in the kernel: with the "
		  "other checks of that id it is more than one comparison, and the kernel makes one (=, !=, <, <=, >, "
		  ">=)" },
		{ "evt.type = ptrace and evt.arg.request != PTRACE_ATTACH",
		  "t.yaml:3:36: rule 'r' (action: deny): `evt.arg.request != PTRACE_ATTACH` cannot be decided in the "
		  "kernel: the kernel tests that the ptrace request is one of some (=, in), never negated" },
		{ "evt.type = capable and evt.arg.cap = CAP_SYS_ADMN",
		  "t.yaml:3:37: rule 'r' (action: deny): `evt.arg.cap = CAP_SYS_ADMN` cannot be decided in the kernel: "
		  "'CAP_SYS_ADMN' is no capability" },
		{ "evt.type = execve and not (proc.exepath = /x and user.uid = 0)",
		  "t.yaml:3:41: rule 'r' (action: deny): `not proc.exepath = /x` cannot be decided in the kernel: a path "
		  "is tested only for being one of some strings (=, in) or starting with one (startswith, pmatch), "
		  "never negated" },
		{ "evt.type = write",
		  "t.yaml:3:14: rule 'r' (action: deny): its condition names only system calls vigil does not watch: "
		  "there is nothing for the kernel to stop" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].condition);
		compile_rule(cases[i].condition, "action: deny");
		assert_rule_error(cases[i].error);
	}
}

static void long_paths_are_refused(void **state)
{
	char condition[512], path[200];

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	/* 126 bytes exact: fits; 127 does not (the NUL is part of an exact key) */
	snprintf(condition, sizeof(condition), "evt.type = open and fd.name = %.126s", path);
	compile_rule(condition, "action: deny");
	assert_int_equal(only_term()->rule, 0);
	snprintf(condition, sizeof(condition), "evt.type = open and fd.name startswith %.127s", path);
	compile_rule(condition, "action: deny");
	only_term();
	snprintf(condition, sizeof(condition), "evt.type = open and fd.name = %.127s", path);
	compile_rule(condition, "action: deny");
	assert_int_equal(rule_engine_rule(engine, 0)->status, RULE_FAILED);
	assert_non_null(strstr(rule_engine_rule(engine, 0)->error,
			       "is 127 bytes, and the kernel compares at most 127 (126 for a whole path)"));
}

static void disabled_rules_show_their_errors(void **state)
{
	(void)state;
	compile_rule("evt.type = execve and proc.name = sh", "action: kill\n  enabled: false");
	assert_int_equal(rule_engine_rule(engine, 0)->status, RULE_FAILED);
	assert_int_equal(rule_engine_error_count(engine), 1);
	/* alert rules are the engine's alone */
	compile_rule("proc.name = sh", "action: alert");
	assert_no_errors();
	assert_int_equal(policy.n_terms, 0);
}

static void a_failed_rule_does_not_run(void **state)
{
	(void)state;
	compile_rule("evt.type = execve and proc.name = sh", "action: deny");
	assert_int_equal(rule_engine_error_count(engine), 1);
	/* enforce_compile on such an engine leaves it out without a word (it is no rule anymore) */
	assert_string_equal(reported, "");
	assert_int_equal(policy.n_deny_rules, 0);
}

/* ---- the budget ---- */

static void sixty_four_terms(void **state)
{
	char *text = malloc(1 << 16);
	size_t used = 0;

	(void)state;
	assert_non_null(text);
	/* 64 rules of one term each fit; the 65th does not */
	for (int i = 0; i < 65; i++)
		used += snprintf(text + used, (1 << 16) - used,
				 "- rule: r%d\n  desc: d\n  condition: evt.type = execve and user.uid = %d\n"
				 "  output: o\n  priority: Warning\n  action: deny\n",
				 i, i);
	compile_text(text);
	assert_int_equal(rule_engine_error_count(engine), 1);
	assert_int_equal(rule_engine_rule(engine, 64)->status, RULE_FAILED);
	assert_string_equal(rule_engine_rule(engine, 64)->error,
			    "t.yaml:387:14: rule 'r64' (action: deny): it needs 1 kernel terms, and with the 64 of the "
			    "rules before it that is more than the 64 the kernel has room for");
	assert_int_equal(policy.n_terms, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(policy.terms[i].uid, i);

	/* one rule of 65 alternatives that do not merge */
	used = snprintf(text, 1 << 16, "- rule: big\n  desc: d\n  condition: evt.type = execve and (user.uid = 0");
	for (int i = 1; i < 65; i++)
		used += snprintf(text + used, (1 << 16) - used, " or user.uid = %d", i * 2);
	snprintf(text + used, (1 << 16) - used, ")\n  output: o\n  priority: Warning\n  action: kill\n");
	compile_text(text);
	assert_int_equal(rule_engine_rule(engine, 0)->status, RULE_FAILED);
	assert_string_equal(rule_engine_rule(engine, 0)->error,
			    "t.yaml:3:14: rule 'big' (action: kill): it needs 65 kernel terms, and with the 0 of the "
			    "rules before it that is more than the 64 the kernel has room for");
	free(text);
}

/* ---- names ---- */

static void names(void **state)
{
	(void)state;
	assert_string_equal(enforce_verdict_name(VIGIL_VERDICT_DENIED), "denied");
	assert_string_equal(enforce_verdict_name(VIGIL_VERDICT_KILLED), "killed");
	assert_string_equal(enforce_verdict_name(VIGIL_VERDICT_WOULD_DENY), "would deny");
	assert_string_equal(enforce_verdict_name(VIGIL_VERDICT_WOULD_KILL), "would kill");
	assert_null(enforce_verdict_name(VIGIL_VERDICT_NONE));
	assert_null(enforce_verdict_name(99));
	assert_string_equal(enforce_hook_name(VIGIL_HOOK_LSM), "lsm");
	assert_string_equal(enforce_hook_name(VIGIL_HOOK_TRACEPOINT), "tracepoint");
	assert_null(enforce_hook_name(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(exec_paths, teardown),
		cmocka_unit_test_teardown(open_paths_merge_into_one_term, teardown),
		cmocka_unit_test_teardown(pmatch_is_the_path_and_below, teardown),
		cmocka_unit_test_teardown(prefix_masks_are_closed_and_kill_goes_first, teardown),
		cmocka_unit_test_teardown(mount_strings, teardown),
		cmocka_unit_test_teardown(string_checks_intersect, teardown),
		cmocka_unit_test_teardown(capabilities, teardown),
		cmocka_unit_test_teardown(namespace_flags, teardown),
		cmocka_unit_test_teardown(ptrace_requests_and_bpf_commands, teardown),
		cmocka_unit_test_teardown(uids, teardown),
		cmocka_unit_test_teardown(asked_ids, teardown),
		cmocka_unit_test_teardown(scopes, teardown),
		cmocka_unit_test_teardown(setup_tests, teardown),
		cmocka_unit_test_teardown(empty_exceptions_and_never_true_macros, teardown),
		cmocka_unit_test_teardown(refused_parts_are_named, teardown),
		cmocka_unit_test_teardown(long_paths_are_refused, teardown),
		cmocka_unit_test_teardown(disabled_rules_show_their_errors, teardown),
		cmocka_unit_test_teardown(a_failed_rule_does_not_run, teardown),
		cmocka_unit_test_teardown(sixty_four_terms, teardown),
		cmocka_unit_test_teardown(names, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
