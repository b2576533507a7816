// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil's command line: `vigil COMMAND [OPTIONS]`, one argp parser per command. */
#include <argp.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/types.h>

#include "agent.h"
#include "health_client.h"
#include "config.h"
#include "log.h"
#include "probe.h"
#include "ratelimit.h"
#include "replay.h"
#include "rules_cli.h"
#include "vigil_event.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

const char *argp_program_version = "vigil " VIGIL_VERSION;
const char *argp_program_bug_address = "the vigil issue tracker";

static const char top_usage[] =
	"Usage: vigil COMMAND [OPTION...]\n"
	"vigil watches what processes in containers do, through eBPF programs in the\n"
	"kernel, and tells you when they do what your rules (Falco's rule language)\n"
	"describe: an alert, one JSON line, per match; every event too with --events.\n"
	"\n"
	"Commands:\n"
	"  run        load the BPF programs, report alerts (and events) until stopped\n"
	"  replay     run capture files (vigil run --capture) through rules again\n"
	"  rules      check rules files: `vigil rules check FILE...`\n"
	"  config     check a config file: `vigil config check [FILE]`\n"
	"  fields     list the fields a rule can test and an output can print\n"
	"  probe      print what this kernel allows and which hooks vigil will use\n"
	"  health     ask a running agent whether it is alive (--metrics-address)\n"
	"  version    print vigil's and libbpf's versions\n"
	"\n"
	"Run `vigil COMMAND --help` for a command's options.\n"
	"\n"
	"Examples:\n"
	"  vigil probe                              # can this machine run vigil, and how?\n"
	"  vigil rules check my_rules.yaml          # does it load? what runs on which events?\n"
	"  vigil config check /etc/vigil/vigil.yaml # is the config right? what will run use?\n"
	"  vigil run -r rules/vigil_rules.yaml      # alerts, one JSON line each\n"
	"  vigil run --events --no-rules            # every container event, no rules\n"
	"  vigil run --events --host | jq .         # alerts and events, the host's too\n"
	"  vigil run --capture /var/log/vigil/vigil.vcap  # and keep everything seen\n"
	"  vigil replay -r new_rules.yaml /var/log/vigil/vigil.vcap*  # ask it again\n"
	"  vigil fields | less                      # what rules can test\n";

/* ---- vigil run ---- */

/* Keys of the other commands' options (vigil run's are config.h's RUN_OPT_*). */
enum {
	OPT_JSON = 0x200,
	OPT_MARKDOWN,
	OPT_CONTAINER,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_TYPE,
	OPT_STRICT,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_RULES_DIR,
};

/*
 * vigil run's parser input. Each option goes through run_option_apply as argp
 * reads it (into `check`, so that a bad value is a usage error at once), and is
 * kept in `given`: applied again, in order, over the config file's settings.
 */
struct run_args {
	struct run_settings check;
	struct run_arg *given; /* as many as argv has words */
	size_t n_given;
	const char *config;
	bool no_config;
};

static error_t parse_run(int key, char *arg, struct argp_state *state)
{
	struct run_args *args = state->input;
	char err[512];
	int ret;

	switch (key) {
	case RUN_OPT_CONFIG:
		args->config = arg;
		break;
	case RUN_OPT_NO_CONFIG:
		args->no_config = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (args->check.o.no_rules && args->check.o.n_rules_files)
			argp_error(state, "--no-rules and -r contradict each other: give one");
		if (args->config && args->no_config)
			argp_error(state, "--config and --no-config contradict each other: give one");
		break;
	default:
		if (!run_option_find(key))
			return ARGP_ERR_UNKNOWN;
		ret = run_option_apply(&args->check, key, arg, err, sizeof(err));
		if (ret == -ENOMEM)
			argp_failure(state, 1, ENOMEM, "--%s", run_option_find(key)->name);
		else if (ret)
			argp_error(state, "%s", err);
		args->given[args->n_given++] = (struct run_arg){ key, arg };
	}
	return 0;
}

static const struct argp run_argp = {
	.options = run_options, /* config.c's: the config file's keys are these */
	.parser = parse_run,
	.doc = "Load vigil's BPF programs and report what processes in containers do, until\n"
	       "SIGINT or SIGTERM (then it drains the ring buffer, prints its counters on\n"
	       "stderr and exits 0). SIGUSR1 prints the counters without stopping.\n"
	       "\n"
	       "Every event goes through the rules (Falco's rule language; `vigil fields`\n"
	       "lists what they can test), and each match is an alert: one JSON line on\n"
	       "stdout, {\"type\":\"alert\",\"rule\":...,\"priority\":...,\"output\":...,\n"
	       "\"output_fields\":{...},\"event\":{...}}, the event as --events prints it.\n"
	       "-r loads rules files in order; without -r, " AGENT_DEFAULT_RULES ".\n"
	       "A rules file with any error stops vigil before it loads anything (`vigil\n"
	       "rules check FILE` lists the problems). SIGHUP reads the same files again; if\n"
	       "they have errors now, vigil says so and keeps the rules it had.\n"
	       "\n"
	       "Host processes are filtered out in the kernel unless --host is given. Each\n"
	       "event names its process, parent, ancestors, cgroup and container; the\n"
	       "container's name, image, labels and Kubernetes pod come from the Engine API,\n"
	       "and each container is announced once with its posture (a `container` event:\n"
	       "privileged, capabilities, mounts, namespaces, limits...). With no Engine API\n"
	       "reachable vigil runs on and names containers by id until it answers.\n"
	       "Needs root (or CAP_BPF and CAP_PERFMON), kernel BTF and tracefs (mounted\n"
	       "if it is not).\n"
	       "\n"
	       "Settings come from " CONFIG_DEFAULT_FILE " when it exists (or the file\n"
	       "--config names; --no-config: none): its keys are the long options below,\n"
	       "`rules: [a.yaml, b.yaml]`, `host: true`, `enforce: off`. Options given on\n"
	       "the command line win over the file's (-r and -o replace its lists). A file\n"
	       "with any error stops vigil before it starts (`vigil config check FILE`).\n"
	       "\n"
	       "Examples:\n"
	       "  vigil run -r rules/vigil_rules.yaml\n"
	       "  vigil run --config ./vigil.yaml --events\n"
	       "  vigil run -r /etc/vigil/vigil_rules.yaml -r my_rules.yaml --events\n"
	       "  kill -HUP $(pidof vigil)      # after editing a rules file: reload it\n"
	       "  vigil run -r deny_rules.yaml --enforce=off   # what would they stop?\n"
	       "  vigil run --events --no-rules\n"
	       "  vigil run --events --host --ringbuf-size 32 > events.jsonl\n"
	       "  vigil run --events --engine-socket /run/podman/podman.sock\n"
	       "  vigil run --events --engine-url https://10.0.0.5:2376 \\\n"
	       "      --engine-tls-ca ca.pem --engine-tls-cert cert.pem \\\n"
	       "      --engine-tls-key key.pem\n"
	       "  vigil run --events | jq 'select(.type == \"exec\") | .proc.args'\n"
	       "  vigil run | jq -r 'select(.type == \"alert\") | .output'\n"
	       "  vigil run --capture /var/log/vigil/vigil.vcap --capture-interval 1h\n"
	       "\n"
	       "--capture keeps everything the pipeline took in, so that `vigil replay`\n"
	       "can run any rules over it later, with no Engine API and on any host. A rule\n"
	       "with `capture: true` keeps its own evidence even without --capture: the\n"
	       "agent then holds the last seconds of events in memory and writes them, and\n"
	       "those after the alert, to a file named in the alert's \"capture\" field."
	       "\vOptions:",
};

/* ---- vigil replay ---- */

struct replay_args {
	struct replay_options o;
	const char **files, **rules_files, **outputs; /* as many as argv has words */
	bool no_rules;
};

static const struct argp_option replay_options[] = {
	{ "rules", 'r', "FILE", 0, "A rules file; give -r again for more (none: no rules)", 0 },
	{ "output", 'o', "SPEC", 0, "Where alerts go, as for vigil run (default " AGENT_DEFAULT_OUTPUT ")", 0 },
	{ "events", 'e', NULL, 0, "Print each event as a JSON line, as `vigil run --events` does", 0 },
	{ "rate-limit", RUN_OPT_RATE_LIMIT, "BURST,PER_SEC", 0,
	  "As for vigil run (default: the live agent's, from the capture)", 0 },
	{ "no-rate-limit", RUN_OPT_NO_RATE_LIMIT, NULL, 0, "Every alert, however many", 0 },
	{ NULL, 0, NULL, 0, "Which events:", 1 },
	{ "container", OPT_CONTAINER, "ID|NAME", 0, "Only this container's (an id, its prefix, or a name)", 1 },
	{ "since", OPT_SINCE, "TIME", 0, "Only events at or after TIME (RFC 3339: 2026-11-24T15:04:05Z)", 1 },
	{ "until", OPT_UNTIL, "TIME", 0, "Only events at or before TIME", 1 },
	{ "type", OPT_TYPE, "TYPE[,TYPE...]", 0,
	  "Only events of these types (exec, openat, mount, container...: evt.type's names in `vigil fields`)", 1 },
	{ NULL, 0, NULL, 0, "Damage and progress:", 2 },
	{ "strict", OPT_STRICT, NULL, 0, "Exit 2 when a file is damaged (default: say so, replay every good block, exit 0)", 2 },
	{ "progress", OPT_PROGRESS, NULL, 0, "Draw a progress bar on stderr (default: on a terminal, for large files)", 2 },
	{ "no-progress", OPT_NO_PROGRESS, NULL, 0, "Never draw one", 2 },
	{ 0 },
};

static int parse_event_types(const char *list, rule_event_mask *out)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		unsigned int type;

		for (type = 1; type < RULE_EVENT_TYPES; type++)
			if (rule_event_type_name(type) && !strcmp(rule_event_type_name(type), name))
				break;
		if (type == RULE_EVENT_TYPES) {
			free(copy);
			return -EINVAL;
		}
		*out |= RULE_EVENT_BIT(type);
	}
	free(copy);
	return 0;
}

static error_t parse_replay(int key, char *arg, struct argp_state *state)
{
	struct replay_args *args = state->input;
	struct replay_options *o = &args->o;

	switch (key) {
	case 'r':
		args->rules_files[o->n_rules_files++] = arg;
		break;
	case 'o':
		args->outputs[o->n_outputs++] = arg;
		break;
	case 'e':
		o->print_events = true;
		break;
	case RUN_OPT_RATE_LIMIT:
		if (ratelimit_parse_settings(arg, &o->rate_burst, &o->rate_per_sec))
			argp_error(state, RATE_LIMIT_USAGE, arg);
		o->rate_limit_given = true;
		break;
	case RUN_OPT_NO_RATE_LIMIT:
		o->rate_limit_given = true;
		o->rate_burst = 0;
		o->rate_per_sec = 0;
		break;
	case OPT_CONTAINER:
		o->container = arg;
		break;
	case OPT_SINCE:
	case OPT_UNTIL:
		if (replay_parse_time(arg, key == OPT_SINCE ? &o->since_ns : &o->until_ns))
			argp_error(state, "--%s takes an RFC 3339 time such as 2026-11-24T15:04:05Z, not '%s'",
				   key == OPT_SINCE ? "since" : "until", arg);
		break;
	case OPT_TYPE:
		if (parse_event_types(arg, &o->types))
			argp_error(state, "--type takes event types (exec, open, mount, container...; `vigil fields` "
				   "lists them under evt.type), not '%s'", arg);
		break;
	case OPT_STRICT:
		o->strict = true;
		break;
	case OPT_PROGRESS:
		o->progress = 1;
		break;
	case OPT_NO_PROGRESS:
		o->progress = 0;
		break;
	case ARGP_KEY_ARG:
		args->files[o->n_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (!o->n_files)
			argp_error(state, "which capture files? `vigil replay FILE...`");
		if (o->since_ns && o->until_ns && o->since_ns > o->until_ns)
			argp_error(state, "--since is after --until");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp replay_argp = {
	.options = replay_options,
	.parser = parse_replay,
	.args_doc = "FILE...",
	.doc = "Run capture files (written by `vigil run --capture`, or by a rule with\n"
	       "`capture: true`) through the same pipeline as the live agent: decode,\n"
	       "process table, containers, rules, outputs. The capture holds the state the\n"
	       "live agent read from the host (processes, cgroups, the Engine API's answers,\n"
	       "user names), so a replay needs neither the Engine API nor the host it was\n"
	       "recorded on. Rotated files (FILE.2 FILE.1 FILE) are replayed in the order\n"
	       "they were written, whatever the order given. The same capture replayed twice\n"
	       "gives the same alerts, byte for byte; with the rules the live agent ran, the\n"
	       "alerts it gave.\n"
	       "\n"
	       "A damaged file (cut short when the agent was killed, a block whose checksum\n"
	       "fails, a wrong magic or a newer format) is replayed up to the damage, or\n"
	       "around a bad block; replay says at which offset and why, and exits 0 unless\n"
	       "--strict. A summary goes to stderr at the end: records, events by type,\n"
	       "matches by rule, containers, the time span.\n"
	       "\n"
	       "Examples:\n"
	       "  vigil replay -r rules/vigil_rules.yaml /var/log/vigil/vigil.vcap*\n"
	       "  vigil replay --events --type exec --container web-1 incident.vcap | jq .\n"
	       "  vigil replay -r new.yaml --since 2026-11-24T15:00:00Z \\\n"
	       "      --until 2026-11-24T15:10:00Z x.vcap\n"
	       "  vigil replay -r rules.yaml -o file:/tmp/alerts.jsonl --strict x.vcap"
	       "\vOptions:",
};

/* ---- vigil rules check ---- */

struct rules_check_args {
	bool json;
	const char **files; /* as many as argv has words */
	size_t n_files;
};

static const struct argp_option rules_check_options[] = {
	{ "json", OPT_JSON, NULL, 0, "One JSON object a line: each rule, then the summary", 0 },
	{ 0 },
};

static error_t parse_rules_check(int key, char *arg, struct argp_state *state)
{
	struct rules_check_args *args = state->input;

	switch (key) {
	case OPT_JSON:
		args->json = true;
		break;
	case ARGP_KEY_ARG:
		args->files[args->n_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (!args->n_files)
			argp_error(state, "give the rules files to check");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp rules_check_argp = {
	.options = rules_check_options,
	.parser = parse_rules_check,
	.args_doc = "FILE...",
	.doc = "Load rules files as `vigil run -r FILE...` does (in order: later files\n"
	       "append to, override or switch off what earlier ones define), compile every\n"
	       "rule, and print one line per rule: what became of it, its priority, its\n"
	       "name, and the event types it runs on, or why it does not run\n"
	       "(file:line:column: what). Then a summary. Errors and warnings also go to\n"
	       "stderr, as `vigil run` prints them.\n"
	       "\n"
	       "What becomes of a rule: loaded (it runs), inert (it compiles, but needs\n"
	       "events vigil does not capture), disabled (enabled: false), skipped\n"
	       "(skip-if-unknown-filter, and a field vigil does not have), FAILED.\n"
	       "\n"
	       "Exit status: 0 when every file loaded and every rule compiled, 1 otherwise.\n"
	       "\n"
	       "Examples:\n"
	       "  vigil rules check rules/vigil_rules.yaml\n"
	       "  vigil rules check /etc/vigil/vigil_rules.yaml my_rules.yaml\n"
	       "  vigil rules check --json my_rules.yaml | jq 'select(.status != \"loaded\")'"
	       "\vOptions:",
};

static const char rules_usage[] =
	"Usage: vigil rules check [--json] FILE...\n"
	"Check rules files: load and compile them as `vigil run` would, and say what\n"
	"became of each rule and why. `vigil rules check --help` for more.\n"
	"\n"
	"Example:\n"
	"  vigil rules check rules/vigil_rules.yaml my_rules.yaml\n";

/* ---- vigil config check ---- */

struct config_check_args {
	const char *file, *rules_dir;
};

static const struct argp_option config_check_options[] = {
	{ "rules-dir", OPT_RULES_DIR, "DIR", 0,
	  "Load the rules files the config names from DIR, by their file name: check a config before it is "
	  "installed, beside the rules it will run with", 0 },
	{ 0 },
};

static error_t parse_config_check(int key, char *arg, struct argp_state *state)
{
	struct config_check_args *args = state->input;

	switch (key) {
	case OPT_RULES_DIR:
		args->rules_dir = arg;
		break;
	case ARGP_KEY_ARG:
		if (args->file)
			argp_error(state, "one config file at a time, not '%s' too", arg);
		args->file = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp config_check_argp = {
	.options = config_check_options,
	.parser = parse_config_check,
	.args_doc = "[FILE]",
	.doc = "Check a config file (default " CONFIG_DEFAULT_FILE ") as `vigil run` reads it:\n"
	       "every key one of vigil run's long options, every value one the option\n"
	       "takes, every output a spec vigil can open; then load the rules files it names\n"
	       "(or the default) as `vigil rules check` does. Each problem is printed as\n"
	       "file:line:column: what, on stderr. When there is none, prints \"FILE: ok\" and\n"
	       "the settings vigil run would use, one `key: value` a line (the file's, and\n"
	       "the defaults for the rest).\n"
	       "\n"
	       "Exit status: 0 when the file and its rules are good, 1 otherwise.\n"
	       "\n"
	       "Examples:\n"
	       "  vigil config check\n"
	       "  vigil config check --rules-dir rules deploy/vigil.yaml"
	       "\vOptions:",
};

static const char config_usage[] =
	"Usage: vigil config check [--rules-dir DIR] [FILE]\n"
	"Check a config file (default " CONFIG_DEFAULT_FILE "): say where it is wrong,\n"
	"or print the settings vigil run would use. `vigil config check --help` for more.\n";

/* ---- vigil fields ---- */

struct fields_args {
	bool json, markdown;
};

static const struct argp_option fields_options[] = {
	{ "json", OPT_JSON, NULL, 0, "One JSON object a line, one per field", 0 },
	{ "markdown", OPT_MARKDOWN, NULL, 0, "As Markdown (what docs/FIELDS.md holds)", 0 },
	{ 0 },
};

static error_t parse_fields(int key, char *arg, struct argp_state *state)
{
	struct fields_args *args = state->input;

	switch (key) {
	case OPT_JSON:
		args->json = true;
		break;
	case OPT_MARKDOWN:
		args->markdown = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (args->json && args->markdown)
			argp_error(state, "--json and --markdown contradict each other: give one");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp fields_argp = {
	.options = fields_options,
	.parser = parse_fields,
	.doc = "Print the fields a rule's condition can test and its output can print:\n"
	       "each one's name, type, the event types that carry it and what it holds.\n"
	       "Falco's names where Falco has the field. On an event that does not carry\n"
	       "a field, every comparison with it is false.\n"
	       "\n"
	       "Examples:\n"
	       "  vigil fields\n"
	       "  vigil fields --json | jq -r 'select(.type == \"ipaddr\") | .field'\n"
	       "  vigil fields --markdown > FIELDS.md"
	       "\vOptions:",
};

/* ---- vigil probe ---- */

static error_t parse_no_args(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_ARG)
		argp_error(state, "unexpected argument '%s'", arg);
	return key == ARGP_KEY_ARG ? 0 : ARGP_ERR_UNKNOWN;
}

static const struct argp probe_argp = {
	.parser = parse_no_args,
	.doc = "Print what this kernel allows: BTF, the BPF ring buffer, tracefs,\n"
	       "tracepoints, BTF tracepoints, raw tracepoints, fentry, kprobes, whether\n"
	       "BPF-LSM is in the active LSM list and whether an LSM program actually loads;\n"
	       "then which hook each concern will use. Each kind of program is loaded and\n"
	       "attached once to find out, so it needs root.\n"
	       "\n"
	       "Exit status: 0 if vigil can run here, 1 if something it needs is missing.\n"
	       "\n"
	       "Example:\n"
	       "  vigil probe",
};

static error_t parse_health_args(int key, char *arg, struct argp_state *state)
{
	const char **address = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (*address)
			argp_error(state, "one ADDR only");
		*address = arg;
		return 0;
	case ARGP_KEY_END:
		if (!*address)
			argp_error(state, "which agent? give the ADDR it serves /healthz on (127.0.0.1:9464)");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp health_argp = {
	.parser = parse_health_args,
	.args_doc = "ADDR",
	.doc = "Ask a running agent whether it is alive: GET http://ADDR/healthz, where ADDR is\n"
	       "what vigil run was given as --metrics-address. For a container's HEALTHCHECK\n"
	       "or a Kubernetes liveness probe.\n"
	       "\n"
	       "Exit status: 0 when the agent answers that it is alive; 1 otherwise, with its\n"
	       "reason (its main loop stalled, its ring buffer failed) or why it did not answer.\n"
	       "\n"
	       "Example:\n"
	       "  vigil health 127.0.0.1:9464",
};

static const struct argp version_argp = {
	.parser = parse_no_args,
	.doc = "Print vigil's version and the libbpf it runs with.",
};

static int parse_command(const struct argp *argp, int argc, char **argv, const char *name, void *input)
{
	char prog_name[64];

	/* argp names the program in messages after argv[0]: make it "vigil run". */
	snprintf(prog_name, sizeof(prog_name), "vigil %s", name);
	argv[0] = prog_name;
	return argp_parse(argp, argc, argv, 0, NULL, input);
}

/* The config file vigil run reads: --config's, or the default when it exists; NULL: none. */
static const char *run_config_file(const struct run_args *args)
{
	struct stat st;

	if (args->config)
		return args->config;
	if (args->no_config || (stat(CONFIG_DEFAULT_FILE, &st) && errno == ENOENT))
		return NULL;
	return CONFIG_DEFAULT_FILE;
}

static int command_run(int argc, char **argv)
{
	struct run_args args = { 0 };
	struct config_messages messages = { 0 };
	struct run_settings settings;
	const char *config;
	char err[512];
	int status = 1, ret;

	run_settings_init(&settings);
	run_settings_init(&args.check);
	args.given = calloc((size_t)argc, sizeof(*args.given));
	if (!args.given) {
		log_error("out of memory");
		goto out;
	}
	if (parse_command(&run_argp, argc, argv, "run", &args))
		goto out;
	/* The file over the defaults, then the command line over the file. */
	config = run_config_file(&args);
	if (config) {
		ret = config_load_file(&settings, config, &messages);
		for (size_t i = 0; i < messages.n; i++)
			log_error("%s", messages.items[i].text);
		if (ret == -ENOMEM)
			log_error("out of memory");
		if (ret)
			goto out;
	}
	ret = run_settings_override(&settings, args.given, args.n_given, err, sizeof(err));
	if (ret) {
		log_error("%s", ret == -ENOMEM ? "out of memory" : err);
		goto out;
	}
	log_set_level(settings.log_level);
	if (config)
		log_info("settings from %s", config);
	status = agent_run(&settings.o);
out:
	config_messages_free(&messages);
	run_settings_free(&settings);
	run_settings_free(&args.check);
	free(args.given);
	return status;
}

static int command_replay(int argc, char **argv)
{
	struct replay_args args = { .o = { .progress = -1 } };
	int status = 1;

	args.files = calloc((size_t)argc, sizeof(*args.files));
	args.rules_files = calloc((size_t)argc, sizeof(*args.rules_files));
	args.outputs = calloc((size_t)argc, sizeof(*args.outputs));
	if (args.files && args.rules_files && args.outputs) {
		args.o.files = args.files;
		args.o.rules_files = args.rules_files;
		args.o.outputs = args.outputs;
		if (!parse_command(&replay_argp, argc, argv, "replay", &args))
			status = replay_run(&args.o);
	} else {
		log_error("out of memory");
	}
	free(args.files);
	free(args.rules_files);
	free(args.outputs);
	return status;
}

static int command_rules(int argc, char **argv)
{
	struct rules_check_args args = { 0 };
	const char *sub = argc > 1 ? argv[1] : NULL;
	int status;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(rules_usage, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "check")) {
		fprintf(stderr, "vigil rules: unknown command '%s'\n\n%s", sub, rules_usage);
		return 2;
	}
	args.files = calloc((size_t)argc, sizeof(*args.files));
	if (!args.files) {
		log_error("out of memory");
		return 1;
	}
	if (parse_command(&rules_check_argp, argc - 1, argv + 1, "rules check", &args))
		status = 1;
	else
		status = rules_check(args.files, args.n_files, args.json);
	free(args.files);
	return status;
}

static int command_config(int argc, char **argv)
{
	struct config_check_args args = { 0 };
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(config_usage, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "check")) {
		fprintf(stderr, "vigil config: unknown command '%s'\n\n%s", sub, config_usage);
		return 2;
	}
	if (parse_command(&config_check_argp, argc - 1, argv + 1, "config check", &args))
		return 1;
	return config_check(args.file ? args.file : CONFIG_DEFAULT_FILE, args.rules_dir);
}

static int command_fields(int argc, char **argv)
{
	struct fields_args args = { 0 };

	if (parse_command(&fields_argp, argc, argv, "fields", &args))
		return 1;
	return fields_print(args.json ? RULE_FIELDS_JSON : args.markdown ? RULE_FIELDS_MARKDOWN : RULE_FIELDS_TEXT);
}

static int command_probe(int argc, char **argv)
{
	struct kernel_features kf;

	if (parse_command(&probe_argp, argc, argv, "probe", NULL))
		return 1;
	probe_kernel(&kf);
	probe_print(&kf, stdout);
	/* What `vigil run` cannot do without. */
	return kf.f[PROBE_BTF].available && kf.f[PROBE_RINGBUF].available &&
		       kf.f[PROBE_TRACEFS].available && kf.f[PROBE_TP_BTF].available
		       ? 0 : 1;
}

static int command_health(int argc, char **argv)
{
	const char *address = NULL;
	char err[512];

	if (parse_command(&health_argp, argc, argv, "health", &address))
		return 1;
	if (health_check(address, 3000, err, sizeof(err))) {
		fprintf(stderr, "vigil health: %s\n", err);
		return 1;
	}
	puts("ok");
	return 0;
}

static int command_version(int argc, char **argv)
{
	if (parse_command(&version_argp, argc, argv, "version", NULL))
		return 1;
	printf("vigil %s (event ABI %d), libbpf %s\n", VIGIL_VERSION, VIGIL_ABI_VERSION,
	       libbpf_version_string());
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} commands[] = {
		{ "run", command_run },
		{ "replay", command_replay },
		{ "rules", command_rules },
		{ "config", command_config },
		{ "fields", command_fields },
		{ "probe", command_probe },
		{ "health", command_health },
		{ "version", command_version },
	};
	const char *command = argc > 1 ? argv[1] : NULL;

	if (!command || !strcmp(command, "--help") || !strcmp(command, "-h") || !strcmp(command, "help")) {
		fputs(top_usage, command ? stdout : stderr);
		return command ? 0 : 2;
	}
	if (!strcmp(command, "--version") || !strcmp(command, "-V"))
		return command_version(1, argv);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(command, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vigil: unknown command '%s'\n\n%s", command, top_usage);
	return 2;
}
