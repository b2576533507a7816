// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The default rule set, rules/vigil_rules.yaml: it loads and compiles without
 * a message, alone and after Falco's stable rules; every rule carries a MITRE
 * technique and an exceptions hook, and a local file loaded after it tunes it;
 * what it asks of the kernel's filters stays narrow; and the rules that
 * tests/integration/test_rules.sh cannot trigger on every machine are checked
 * here on made events: the posture rules on the Engine API answers recorded in
 * tests/unit/data/inspect/ (the privileged one among them), and the
 * kernel-module rule on module events (kernels without module support have no
 * hooks for them). Runs from the repository's root (tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "container_info.h"
#include "containers.h"
#include "decode.h"
#include "event_builder.h"
#include "event_json.h"
#include "proctable.h"
#include "rule_engine.h"
#include "rule_loader.h"

#define RULES "rules/vigil_rules.yaml"
#define FALCO "../shared/peers/falco/"
#define FALCO_RULES FALCO "falco_rules.yaml"
#define INSPECT "tests/unit/data/inspect/"
#define CONTAINER_ID "4f1e3c2b1a0998877665544332211000ffeeddccbbaa99887766554433221100"

/* The set and engine of one test, freed by teardown. */
static struct rule_set *set;
static struct rule_engine *engine;

static void print_messages(void)
{
	for (size_t i = 0; set && i < rule_set_error_count(set); i++)
		print_message("loader error: %s\n", rule_set_error(set, i)->text);
	for (size_t i = 0; set && i < rule_set_warning_count(set); i++)
		print_message("loader warning: %s\n", rule_set_warning(set, i)->text);
	for (size_t i = 0; engine && i < rule_engine_message_count(engine); i++) {
		bool is_error;
		const struct rule_message *m = rule_engine_message(engine, i, &is_error);

		print_message("%s: %s\n", is_error ? "error" : "warning", m->text);
	}
}

/* Load the files in order (they must load without an error) and compile them. */
static void compile_files(const char *const *files, size_t n)
{
	set = rule_set_new();
	assert_non_null(set);
	if (rule_set_load_files(set, files, n) || rule_set_error_count(set)) {
		print_messages();
		fail_msg("the rules files do not load");
	}
	assert_int_equal(rule_engine_compile(set, &engine), 0);
}

static int setup_default(void **state)
{
	static const char *const files[] = { RULES };

	(void)state;
	compile_files(files, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rule_engine_free(engine);
	rule_set_free(set);
	engine = NULL;
	set = NULL;
	return 0;
}

/* The rules defined in vigil_rules.yaml, by name, from a set of its own. */
static struct rule_set *our_rules(void)
{
	struct rule_set *ours = rule_set_new();

	assert_non_null(ours);
	assert_int_equal(rule_set_load_file(ours, RULES), 0);
	return ours;
}

/* ---- the file ---- */

static void loads_and_compiles_without_a_message(void **state)
{
	(void)state;
	if (rule_set_warning_count(set) || rule_engine_message_count(engine))
		print_messages();
	assert_int_equal(rule_set_warning_count(set), 0);
	assert_int_equal(rule_engine_message_count(engine), 0);
	assert_true(rule_engine_rule_count(engine) >= 30);
	for (size_t i = 0; i < rule_engine_rule_count(engine); i++) {
		const struct rule_info *r = rule_engine_rule(engine, i);

		if (r->status != RULE_LOADED)
			fail_msg("rule '%s' is not loaded: %s", r->def->name, r->error ? r->error : "(no message)");
	}
}

/* A tag that names a MITRE ATT&CK technique ("T1611", "T1055.008") or tactic ("TA0003"). */
static bool has_mitre_tag(const struct rule_def *rule)
{
	regex_t re;
	bool found = false;

	assert_int_equal(regcomp(&re, "^(T[0-9]{4}(\\.[0-9]{3})?|TA[0-9]{4})$", REG_EXTENDED | REG_NOSUB), 0);
	for (size_t i = 0; i < rule->n_tags && !found; i++)
		found = regexec(&re, rule->tags[i], 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

/*
 * Every rule: a MITRE tag, a container.id in its output (whose container it
 * was), and a hook to tune it without editing the file: an exceptions block,
 * or a macro of the user_known_ kind it ends with.
 */
static void every_rule_is_tagged_and_tunable(void **state)
{
	(void)state;
	for (size_t i = 0; i < rule_set_rule_count(set); i++) {
		const struct rule_def *r = rule_set_rule(set, i);

		if (!has_mitre_tag(r))
			fail_msg("rule '%s' has no MITRE ATT&CK tag", r->name);
		if (!strstr(r->output.text, "%container.id"))
			fail_msg("rule '%s' does not print %%container.id", r->name);
		if (r->n_exceptions == 0)
			fail_msg("rule '%s' has no exceptions block", r->name);
	}
}

/* How many of our macros and lists file defines too; fails when one means something else there. */
static size_t shared_with(const char *file)
{
	struct rule_set *falco = rule_set_new();
	size_t shared = 0;

	assert_non_null(falco);
	assert_int_equal(rule_set_load_file(falco, file), 0);
	for (size_t i = 0; i < rule_set_macro_count(set); i++) {
		const struct macro_def *ours = rule_set_macro(set, i);
		const struct macro_def *theirs = rule_set_find_macro(falco, ours->name);

		if (!theirs)
			continue;
		shared++;
		if (strcmp(ours->condition.text, theirs->condition.text) &&
		    strcmp(ours->condition.text, "(never_true)"))
			fail_msg("macro %s: '%s' here, '%s' in %s", ours->name, ours->condition.text,
				 theirs->condition.text, file);
		if (!strcmp(ours->condition.text, "(never_true)") && strcmp(theirs->condition.text, "(never_true)"))
			fail_msg("macro %s is false here, '%s' in %s", ours->name, theirs->condition.text, file);
	}
	for (size_t i = 0; i < rule_set_list_count(set); i++) {
		const struct list_def *ours = rule_set_list(set, i);
		const struct list_def *theirs = rule_set_find_list(falco, ours->name);

		if (!theirs)
			continue;
		shared++;
		if (ours->n_items != theirs->n_items)
			fail_msg("list %s: %zu items here, %zu in %s", ours->name, ours->n_items, theirs->n_items, file);
		for (size_t j = 0; j < ours->n_items; j++)
			assert_string_equal(ours->items[j], theirs->items[j]);
	}
	rule_set_free(falco);
	return shared;
}

/*
 * The macros and lists named like Falco's (in any of its three files) mean
 * what Falco's do, so that loading both is no surprise: the same text, or, for
 * the user_known_* hooks, false here where Falco's are (never_true). Names
 * that are vigil's alone start with vigil_.
 */
static void shared_names_mean_what_falcos_do(void **state)
{
	static const char *const falco_files[] = { FALCO "falco_rules.yaml", FALCO "falco-incubating_rules.yaml",
						    FALCO "falco-sandbox_rules.yaml" };
	size_t shared = 0;

	(void)state;
	for (size_t f = 0; f < sizeof(falco_files) / sizeof(falco_files[0]); f++)
		shared += shared_with(falco_files[f]);
	assert_true(shared >= 15);
}

/* `-r falco_rules.yaml -r vigil_rules.yaml`: every rule of ours still loads. */
static void loads_after_falcos_stable_rules(void **state)
{
	static const char *const files[] = { FALCO_RULES, RULES };
	struct rule_set *ours = our_rules();

	(void)state;
	compile_files(files, 2);
	for (size_t i = 0; i < rule_set_rule_count(ours); i++) {
		const char *name = rule_set_rule(ours, i)->name;
		bool found = false;

		for (size_t j = 0; j < rule_engine_rule_count(engine); j++) {
			const struct rule_info *r = rule_engine_rule(engine, j);

			if (strcmp(r->def->name, name))
				continue;
			found = true;
			if (r->status != RULE_LOADED)
				fail_msg("after Falco's rules, '%s' is not loaded: %s", name, r->error ? r->error : "");
		}
		assert_true(found);
	}
	rule_set_free(ours);
}

static bool has_string(char **items, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(items[i], s))
			return true;
	return false;
}

/*
 * What the rules ask of the kernel: the paths they name (and no wide prefix
 * that would make the kernel report every open below /etc, /proc, /lib, /usr
 * or /dev), the capabilities of the capable rule, AF_PACKET alone.
 */
static void kernel_needs_stay_narrow(void **state)
{
	static const char *const too_wide[] = { "/", "/etc/", "/proc/", "/sys/", "/dev/", "/lib/", "/usr/",
						 "/usr/lib/", "/bin", "/etc", "/proc", "/tmp/", "/var/" };
	static const char *const expected_prefixes[] = {
		"/etc/shadow", "/etc/sudoers.d/", "/etc/pam.d/", "/etc/passwd", "/etc/ld.so.preload", "/bin/",
		"/usr/local/bin/", "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger", "/dev/sd", "/dev/mem",
	};
	static const char *const expected_names[] = { "release_agent", "notify_on_release", "mem" };
	static const unsigned int expected_caps[] = { 21 /* SYS_ADMIN */, 16 /* SYS_MODULE */, 19 /* SYS_PTRACE */,
						       17 /* SYS_RAWIO */, 2 /* DAC_READ_SEARCH */,
						       12 /* NET_ADMIN */, 39 /* BPF */ };
	struct rule_kernel_needs needs;

	(void)state;
	assert_int_equal(rule_engine_kernel_needs(engine, &needs), 0);
	for (size_t i = 0; i < needs.n_unnarrowed; i++)
		print_message("unnarrowed: %s\n", needs.unnarrowed[i]);
	assert_int_equal(needs.n_unnarrowed, 0);
	for (size_t i = 0; i < needs.n_path_prefixes; i++)
		for (size_t j = 0; j < sizeof(too_wide) / sizeof(too_wide[0]); j++)
			if (!strcmp(needs.path_prefixes[i], too_wide[j]))
				fail_msg("the rules watch every path below %s", too_wide[j]);
	for (size_t i = 0; i < sizeof(expected_prefixes) / sizeof(expected_prefixes[0]); i++)
		if (!has_string(needs.path_prefixes, needs.n_path_prefixes, expected_prefixes[i]))
			fail_msg("the rules do not watch %s", expected_prefixes[i]);
	for (size_t i = 0; i < sizeof(expected_names) / sizeof(expected_names[0]); i++)
		if (!has_string(needs.path_names, needs.n_path_names, expected_names[i]))
			fail_msg("the rules do not watch files named %s", expected_names[i]);
	assert_true(needs.capabilities != ~0ull);
	for (size_t i = 0; i < sizeof(expected_caps) / sizeof(expected_caps[0]); i++)
		assert_true(needs.capabilities & (1ull << expected_caps[i]));
	assert_false(needs.capabilities & (1ull << 0 /* CHOWN */));
	assert_int_equal(needs.socket_families, 1ull << 17 /* AF_PACKET */);
	rule_kernel_needs_free(&needs);
}

/* ---- evaluating made events ---- */

/* The names of the rules that matched one event, comma-separated, in the set's order. */
static char matched[4096];

static void on_match(const struct rule_match *match, void *ctx)
{
	(void)ctx;
	if (matched[0])
		strncat(matched, ",", sizeof(matched) - strlen(matched) - 1);
	strncat(matched, match->rule->def->name, sizeof(matched) - strlen(matched) - 1);
}

static const char *eval(const struct rule_event *ev)
{
	matched[0] = '\0';
	rule_engine_eval(engine, ev, on_match, NULL);
	return matched;
}

/* Whether rule is among the names that matched. */
static bool fired(const char *rule)
{
	size_t n = strlen(rule);

	for (const char *p = matched; (p = strstr(p, rule)); p += n)
		if ((p == matched || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* The announcement of the container of a recorded Engine API answer (file in tests/unit/data/inspect). */
static const char *eval_announcement(const char *file, const char *action)
{
	char path[256], err[256], *answer;
	struct container_info info;
	struct container_ref ref = { .runtime = CONTAINER_RUNTIME_DOCKER };
	struct event_context ctx = { .container = &ref, .container_info = &info, .metadata = CONTAINER_METADATA_KNOWN };
	struct rule_event ev = { .type = RULE_EVENT_CONTAINER, .ctx = &ctx, .container_action = action,
				 .hostname = "testhost" };
	size_t len;
	FILE *in;

	snprintf(path, sizeof(path), INSPECT "%s", file);
	in = fopen(path, "re");
	assert_non_null(in);
	answer = malloc(CONTAINER_INFO_MAX_ANSWER);
	assert_non_null(answer);
	len = fread(answer, 1, CONTAINER_INFO_MAX_ANSWER, in);
	fclose(in);
	if (container_info_parse(answer, len, &info, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	free(answer);
	snprintf(ref.id, sizeof(ref.id), "%s", info.id);
	eval(&ev);
	container_info_free(&info);
	return matched;
}

#define ASSERT_FIRES(rule)                                                                         \
	do {                                                                                       \
		if (!fired(rule))                                                                  \
			fail_msg("'%s' did not fire; what fired: '%s'", rule, matched);            \
	} while (0)
#define ASSERT_QUIET(rule)                                                                         \
	do {                                                                                       \
		if (fired(rule))                                                                   \
			fail_msg("'%s' fired; what fired: '%s'", rule, matched);                   \
	} while (0)

static const char *const hardening_rules[] = {
	"Container Run as Root User",
	"Launch Container Without Read-Only Root Filesystem",
	"Launch Container Without No-New-Privileges",
	"Launch Container Without Resource Limits",
};

static void posture_of_recorded_containers(void **state)
{
	(void)state;
	/* --privileged: not startable on the machine that recorded them (see the README there). */
	eval_announcement("privileged.json", "start");
	ASSERT_FIRES("Launch Privileged Container");
	eval_announcement("privileged.json", "running");
	ASSERT_FIRES("Launch Privileged Container");
	/* A rename or the end of a privileged container is no new start. */
	eval_announcement("privileged.json", "rename");
	assert_string_equal(matched, "");
	eval_announcement("privileged.json", "destroy");
	assert_string_equal(matched, "");

	eval_announcement("plain.json", "start");
	ASSERT_QUIET("Launch Privileged Container");
	ASSERT_QUIET("Launch Excessively Capable Container");
	ASSERT_QUIET("Launch Sensitive Mount Container");
	ASSERT_QUIET("Launch Container With Runtime Socket Mounted");
	ASSERT_QUIET("Launch Container With Host Namespaces");
	for (size_t i = 0; i < sizeof(hardening_rules) / sizeof(hardening_rules[0]); i++)
		ASSERT_FIRES(hardening_rules[i]);

	eval_announcement("caps.json", "start"); /* --cap-add SYS_ADMIN --cap-drop NET_RAW */
	ASSERT_FIRES("Launch Excessively Capable Container");
	eval_announcement("podman.json", "start"); /* its default drops, nothing added */
	ASSERT_QUIET("Launch Excessively Capable Container");

	eval_announcement("mounts.json", "start"); /* -v /:/host -v /var/run/docker.sock:... */
	ASSERT_FIRES("Launch Sensitive Mount Container");
	ASSERT_FIRES("Launch Container With Runtime Socket Mounted");
	eval_announcement("volumes.json", "start"); /* a volume, a tmpfs and /etc read-only */
	ASSERT_FIRES("Launch Sensitive Mount Container");
	ASSERT_QUIET("Launch Container With Runtime Socket Mounted");
	eval_announcement("podman.json", "start"); /* /run/podman/podman.sock */
	ASSERT_FIRES("Launch Container With Runtime Socket Mounted");

	eval_announcement("hostnet.json", "start");
	ASSERT_FIRES("Launch Container With Host Namespaces");
	eval_announcement("hostpid.json", "start");
	ASSERT_FIRES("Launch Container With Host Namespaces");
	eval_announcement("hostns.json", "start"); /* --ipc host --uts host --userns host */
	ASSERT_FIRES("Launch Container With Host Namespaces");
	eval_announcement("shared.json", "start"); /* another container's namespaces, not the host's */
	ASSERT_QUIET("Launch Container With Host Namespaces");

	eval_announcement("user.json", "start");
	ASSERT_QUIET("Container Run as Root User");
	eval_announcement("readonly.json", "start");
	ASSERT_QUIET("Launch Container Without Read-Only Root Filesystem");
	eval_announcement("nonewprivs.json", "start");
	ASSERT_QUIET("Launch Container Without No-New-Privileges");
	eval_announcement("limits.json", "start"); /* --memory 64m --pids-limit 50 */
	ASSERT_QUIET("Launch Container Without Resource Limits");
}

/* A local file loaded after the set tunes it: an exception's values, a user_known_* macro. */
static void tuning_without_editing(void **state)
{
	static const char local[] =
		"- rule: Launch Privileged Container\n"
		"  exceptions:\n"
		"    - name: images\n"
		"      values: [vigil-inspect]\n"
		"  override:\n"
		"    exceptions: append\n"
		"- macro: user_known_host_namespace_containers\n"
		"  condition: (container.name = goofy_villani)\n"
		"  override:\n"
		"    condition: replace\n";
	static const char *const files[] = { RULES };

	(void)state;
	compile_files(files, 1);
	rule_engine_free(engine);
	engine = NULL;
	assert_int_equal(rule_set_load_buffer(set, "local.yaml", local, strlen(local)), 0);
	assert_int_equal(rule_engine_compile(set, &engine), 0);
	assert_int_equal(rule_engine_error_count(engine), 0);

	eval_announcement("privileged.json", "start"); /* image vigil-inspect:1.0 */
	ASSERT_QUIET("Launch Privileged Container");
	ASSERT_FIRES("Container Run as Root User");
	eval_announcement("hostnet.json", "start"); /* goofy_villani */
	ASSERT_QUIET("Launch Container With Host Namespaces");
	eval_announcement("hostpid.json", "start");
	ASSERT_FIRES("Launch Container With Host Namespaces");
}

/* A system-call event of a process in a container (or, with in_container false, of the host). */
struct made_event {
	unsigned char record[VIGIL_EVENT_SIZE_MAX];
	struct event_view view;
	struct process proc, parent;
	struct container_ref ref;
	struct event_context ctx;
	struct rule_event ev;
};

static struct made_event me;

static const struct rule_event *made_syscall(unsigned int type, int64_t result, const uint64_t *args, size_t n_args,
					     const struct built_str *strs, size_t n_strs, bool in_container)
{
	static char args_text[] = "vigil-helper\0do";
	char err[256];
	size_t size = build_syscall(me.record, (__u16)type, 100, 50, "vigil-helper", result, args, n_args, strs, n_strs);

	memset(&me.proc, 0, sizeof(me.proc));
	me.proc.tgid = 100;
	me.proc.ppid = 50;
	snprintf(me.proc.comm, sizeof(me.proc.comm), "vigil-helper");
	me.proc.exe = (char *)"/bin/vigil-helper";
	me.proc.args = args_text;
	me.proc.args_len = sizeof(args_text);
	me.proc.cwd = (char *)"/";
	memset(&me.parent, 0, sizeof(me.parent));
	me.parent.tgid = 50;
	snprintf(me.parent.comm, sizeof(me.parent.comm), "sh");
	me.parent.exe = (char *)"/bin/sh";
	me.parent.args = (char *)"sh";
	me.parent.args_len = 3;
	me.parent.cwd = (char *)"/";
	assert_int_equal(event_decode(me.record, size, &me.view, err, sizeof(err)), 0);
	me.ref = (struct container_ref){ .runtime = CONTAINER_RUNTIME_DOCKER };
	snprintf(me.ref.id, sizeof(me.ref.id), "%s", CONTAINER_ID);
	me.ctx = (struct event_context){ .ev = &me.view, .proc = &me.proc, .ancestors = { &me.parent },
					 .n_ancestors = 1, .container = in_container ? &me.ref : NULL,
					 .metadata = CONTAINER_METADATA_UNAVAILABLE };
	me.ev = (struct rule_event){ .type = type, .ctx = &me.ctx, .hostname = "testhost" };
	return &me.ev;
}

/* Kernels without module support cannot show these events (test_rules.sh says so); made ones can. */
static void kernel_module_loads(void **state)
{
	static const char params[] = "vigil_test=1";
	static const char path[] = "/tmp/bogus.ko";
	const struct built_str init_strs[] = { { params, sizeof(params) } };
	const struct built_str finit_strs[] = { { params, sizeof(params) }, { path, sizeof(path) } };
	const uint64_t init_args[] = { 4 };      /* len */
	const uint64_t finit_args[] = { 3, 0 };  /* fd, flags */
	const uint64_t delete_args[] = { 0x800 }; /* flags */
	const struct built_str delete_strs[] = { { "vigil_test", sizeof("vigil_test") } };

	(void)state;
	eval(made_syscall(VIGIL_EVENT_INIT_MODULE, -1, init_args, 1, init_strs, 1, true));
	ASSERT_FIRES("Linux Kernel Module Injection Detected");
	eval(made_syscall(VIGIL_EVENT_FINIT_MODULE, 0, finit_args, 2, finit_strs, 2, true));
	ASSERT_FIRES("Linux Kernel Module Injection Detected");
	/* Unloading is not loading; the host's own loads are not a container's. */
	eval(made_syscall(VIGIL_EVENT_DELETE_MODULE, -2, delete_args, 1, delete_strs, 1, true));
	ASSERT_QUIET("Linux Kernel Module Injection Detected");
	eval(made_syscall(VIGIL_EVENT_FINIT_MODULE, 0, finit_args, 2, finit_strs, 2, false));
	ASSERT_QUIET("Linux Kernel Module Injection Detected");
}

/* openat(AT_FDCWD, name, flags) that the kernel resolved to path. */
static const char *eval_openat(const char *path, const char *name, uint64_t flags, int64_t result)
{
	const struct built_str strs[] = { { path, strlen(path) + 1 }, { name, strlen(name) + 1 } };
	const uint64_t args[] = { (uint64_t)-100, flags, 0 };

	return eval(made_syscall(VIGIL_EVENT_OPENAT, result, args, 3, strs, 2, true));
}

#define O_WRONLY_ 01
#define O_RDONLY_ 00

static void process_memory_and_kernel_knobs(void **state)
{
	(void)state;
	eval_openat("/proc/16/mem", "/proc/self/mem", O_WRONLY_, 3);
	ASSERT_FIRES("Write to Process Memory in Container");
	eval_openat("/proc/16/task/17/mem", "/proc/self/task/17/mem", O_WRONLY_, 3);
	ASSERT_FIRES("Write to Process Memory in Container");
	eval_openat("/proc/16/mem", "/proc/self/mem", O_RDONLY_, 3);
	ASSERT_QUIET("Write to Process Memory in Container");
	eval_openat("/tmp/mem", "mem", O_WRONLY_, 3);
	ASSERT_QUIET("Write to Process Memory in Container");

	eval_openat("/proc/sys/kernel/modprobe", "/proc/sys/kernel/modprobe", O_WRONLY_, -30);
	ASSERT_FIRES("Core Pattern or SysRq Written From Container");
	eval_openat("/proc/sys/kernel/core_pattern", "core_pattern", O_RDONLY_, 3);
	ASSERT_QUIET("Core Pattern or SysRq Written From Container");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loads_and_compiles_without_a_message, setup_default, teardown),
		cmocka_unit_test_setup_teardown(every_rule_is_tagged_and_tunable, setup_default, teardown),
		cmocka_unit_test_setup_teardown(shared_names_mean_what_falcos_do, setup_default, teardown),
		cmocka_unit_test_teardown(loads_after_falcos_stable_rules, teardown),
		cmocka_unit_test_setup_teardown(kernel_needs_stay_narrow, setup_default, teardown),
		cmocka_unit_test_setup_teardown(posture_of_recorded_containers, setup_default, teardown),
		cmocka_unit_test_teardown(tuning_without_editing, teardown),
		cmocka_unit_test_setup_teardown(kernel_module_loads, setup_default, teardown),
		cmocka_unit_test_setup_teardown(process_memory_and_kernel_knobs, setup_default, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
