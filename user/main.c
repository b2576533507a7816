// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil's command line: `vigil COMMAND [OPTIONS]`, one argp parser per command. */
#include <argp.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "agent.h"
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
	"  fields     list the fields a rule can test and an output can print\n"
	"  probe      print what this kernel allows and which hooks vigil will use\n"
	"  version    print vigil's and libbpf's versions\n"
	"\n"
	"Run `vigil COMMAND --help` for a command's options.\n"
	"\n"
	"Examples:\n"
	"  vigil probe                              # can this machine run vigil, and how?\n"
	"  vigil rules check my_rules.yaml          # does it load? what runs on which events?\n"
	"  vigil run -r rules/vigil_rules.yaml      # alerts, one JSON line each\n"
	"  vigil run --events --no-rules            # every container event, no rules\n"
	"  vigil run --events --host | jq .         # alerts and events, the host's too\n"
	"  vigil run --capture /var/log/vigil/vigil.vcap  # and keep everything seen\n"
	"  vigil replay -r new_rules.yaml /var/log/vigil/vigil.vcap*  # ask it again\n"
	"  vigil fields | less                      # what rules can test\n";

/* ---- vigil run ---- */

#define RATE_LIMIT_USAGE "--rate-limit is BURST,PER_SEC (\"20,1\"), not '%s'"

enum {
	OPT_RINGBUF_SIZE = 0x100,
	OPT_CGROUP_MOUNT,
	OPT_ENGINE_SOCKET,
	OPT_ENGINE_URL,
	OPT_ENGINE_TLS_CA,
	OPT_ENGINE_TLS_CERT,
	OPT_ENGINE_TLS_KEY,
	OPT_NO_ENGINE,
	OPT_NO_RULES,
	OPT_RECORD_RAW,
	OPT_RATE_LIMIT,
	OPT_NO_RATE_LIMIT,
	OPT_JSON,
	OPT_MARKDOWN,
	OPT_CAPTURE,
	OPT_CAPTURE_SIZE,
	OPT_CAPTURE_INTERVAL,
	OPT_CAPTURE_KEEP,
	OPT_ALERT_CAPTURE_DIR,
	OPT_CONTAINER,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_TYPE,
	OPT_STRICT,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_ENFORCE,
	OPT_LSM,
};

/*
 * A duration: a number with a unit, s m h d ("90s", "30m", "1h", "1.5d"); a
 * bare number is seconds. 0 or -EINVAL.
 */
static int parse_duration(const char *text, uint64_t *out_ns)
{
	char *end;
	double n, unit = 1;

	errno = 0;
	n = strtod(text, &end);
	if (errno || end == text || !(n >= 0))
		return -EINVAL;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		unit = 1;
	else if (!strcmp(end, "m"))
		unit = 60;
	else if (!strcmp(end, "h"))
		unit = 3600;
	else if (!strcmp(end, "d"))
		unit = 86400;
	else
		return -EINVAL;
	if (n * unit > 3650.0 * 86400)
		return -EINVAL;
	*out_ns = (uint64_t)(n * unit * 1e9);
	return 0;
}

/* vigil run's parser input: the agent's options, and room for every -r. */
struct run_args {
	struct agent_options o;
	const char **rules_files; /* as many as argv has words */
	const char **outputs;     /* likewise */
};

static const struct argp_option run_options[] = {
	{ "events", 'e', NULL, 0, "Print every event as one JSON line on stdout", 0 },
	{ "host", 'H', NULL, 0, "Report host processes too (default: containers only)", 0 },
	{ "ringbuf-size", OPT_RINGBUF_SIZE, "MIB", 0,
	  "Ring buffer size in MiB, a power of two (default 8)", 0 },
	{ "cgroup-mount", OPT_CGROUP_MOUNT, "DIR", 0,
	  "Where cgroup2 is mounted (default: found in /proc/self/mountinfo)", 0 },
	{ "verbose", 'v', NULL, 0, "Say more, libbpf's messages and the verifier's log included", 0 },
	{ "record-raw", OPT_RECORD_RAW, "FILE", 0,
	  "Write every kernel record as received to FILE (each after its 4-byte length, host byte order): "
	  "the benchmark's recorded stream, and for debugging; not a capture file", 0 },
	{ NULL, 0, NULL, 0, "Rules:", 2 },
	{ "rules", 'r', "FILE", 0,
	  "A rules file; give -r again for more: they load in order, later files refining earlier ones "
	  "(default " AGENT_DEFAULT_RULES ")", 2 },
	{ "no-rules", OPT_NO_RULES, NULL, 0, "Run without rules: events only (with --events)", 2 },
	{ NULL, 0, NULL, 0, "Enforcement (rules with `action: deny` or `action: kill`):", 2 },
	{ "enforce", OPT_ENFORCE, "on|off", 0,
	  "on (default): deny and kill rules act in the kernel; off: a dry run, they act on nothing and their "
	  "alerts say what they would have done (\"verdict\": \"would deny\") -- try new rules so first", 2 },
	{ "lsm", OPT_LSM, "auto|off", 0,
	  "auto (default): deny with BPF-LSM hooks where the kernel runs them, kill from the tracepoints "
	  "elsewhere; off: tracepoints only, so every deny becomes a kill (`vigil probe` says which this "
	  "kernel has)", 2 },
	{ NULL, 0, NULL, 0, "Alerts:", 3 },
	{ "output", 'o', "SPEC", 0,
	  "Where alerts go; give -o again for more (default " AGENT_DEFAULT_OUTPUT "): stdout[:json|text], "
	  "file:PATH, syslog[:FACILITY], syslog-udp://HOST:PORT, syslog-tcp://HOST:PORT, each with options "
	  "such as ,min-priority=warning ,queue=N ,facility=local0 ,app-name=vigil", 3 },
	{ "rate-limit", OPT_RATE_LIMIT, "BURST,PER_SEC", 0,
	  "Alerts of one rule in one container: BURST at once, then PER_SEC a second; the rest are counted "
	  "and summed up in one alert after the burst (default 20,1)", 3 },
	{ "no-rate-limit", OPT_NO_RATE_LIMIT, NULL, 0, "Every alert, however many", 3 },
	{ NULL, 0, NULL, 0, "Capture (forensics: `vigil replay` reads it back):", 4 },
	{ "capture", OPT_CAPTURE, "FILE", 0,
	  "Record every event and the state it needs (processes, cgroups, containers, names) to FILE, "
	  "rotated to FILE.1, FILE.2...; fsync'd at rotation and exit", 4 },
	{ "capture-size", OPT_CAPTURE_SIZE, "MIB", 0, "Rotate the capture file at this size (default 256; 0: never)", 4 },
	{ "capture-interval", OPT_CAPTURE_INTERVAL, "DURATION", 0,
	  "Rotate the capture file this often: 90s, 30m, 1h, 1d (default: never)", 4 },
	{ "capture-keep", OPT_CAPTURE_KEEP, "N", 0, "Rotated capture files kept (default 4)", 4 },
	{ "alert-capture-dir", OPT_ALERT_CAPTURE_DIR, "DIR", 0,
	  "Where the evidence of rules with `capture: true` goes: a capture file per alert, with the "
	  "events of capture_duration before and after it (default " AGENT_DEFAULT_ALERT_CAPTURE_DIR ")", 4 },
	{ NULL, 0, NULL, 0, "Container metadata (the Docker Engine API; Podman's compatible API too):", 1 },
	{ "engine-socket", OPT_ENGINE_SOCKET, "PATH", 0,
	  "The Engine API's unix socket (default " ENGINE_DEFAULT_SOCKET ")", 1 },
	{ "engine-url", OPT_ENGINE_URL, "URL", 0,
	  "Talk to the Engine API over TCP instead: https://HOST:PORT (with the three TLS files) or http://", 1 },
	{ "engine-tls-ca", OPT_ENGINE_TLS_CA, "FILE", 0, "CA certificate that signed the daemon's", 1 },
	{ "engine-tls-cert", OPT_ENGINE_TLS_CERT, "FILE", 0, "vigil's client certificate", 1 },
	{ "engine-tls-key", OPT_ENGINE_TLS_KEY, "FILE", 0, "vigil's client key", 1 },
	{ "no-engine", OPT_NO_ENGINE, NULL, 0, "Do not ask any Engine API: containers are named by id alone", 1 },
	{ 0 },
};

static error_t parse_run(int key, char *arg, struct argp_state *state)
{
	struct run_args *args = state->input;
	struct agent_options *o = &args->o;
	unsigned long mib;
	char *end;

	switch (key) {
	case 'r':
		args->rules_files[o->n_rules_files++] = arg;
		break;
	case OPT_NO_RULES:
		o->no_rules = true;
		break;
	case OPT_RECORD_RAW:
		o->record_raw = arg;
		break;
	case 'o':
		args->outputs[o->n_outputs++] = arg;
		break;
	case OPT_RATE_LIMIT:
		if (ratelimit_parse_settings(arg, &o->rate_burst, &o->rate_per_sec))
			argp_error(state, RATE_LIMIT_USAGE, arg);
		break;
	case OPT_NO_RATE_LIMIT:
		o->rate_burst = 0;
		o->rate_per_sec = 0;
		break;
	case OPT_CAPTURE:
		o->capture.path = arg;
		break;
	case OPT_CAPTURE_SIZE:
		errno = 0;
		mib = strtoul(arg, &end, 10);
		if (errno || *end || mib > (1ul << 30))
			argp_error(state, "--capture-size is a size in MiB (0: never rotate by size), not '%s'", arg);
		o->capture.max_bytes = (uint64_t)mib << 20;
		break;
	case OPT_CAPTURE_INTERVAL:
		if (parse_duration(arg, &o->capture.max_age_ns))
			argp_error(state, "--capture-interval is a duration such as 90s, 30m, 1h or 1d, not '%s'", arg);
		break;
	case OPT_CAPTURE_KEEP:
		errno = 0;
		mib = strtoul(arg, &end, 10);
		if (errno || *end || mib > 100000)
			argp_error(state, "--capture-keep is a number of files, not '%s'", arg);
		o->capture.keep = (unsigned int)mib;
		break;
	case OPT_ALERT_CAPTURE_DIR:
		o->capture.alert_dir = arg;
		break;
	case OPT_ENFORCE:
		if (strcmp(arg, "on") && strcmp(arg, "off"))
			argp_error(state, "--enforce is on or off, not '%s'", arg);
		o->enforce_off = !strcmp(arg, "off");
		break;
	case OPT_LSM:
		if (strcmp(arg, "auto") && strcmp(arg, "off"))
			argp_error(state, "--lsm is auto or off, not '%s'", arg);
		o->no_lsm = !strcmp(arg, "off");
		break;
	case 'e':
		o->print_events = true;
		break;
	case 'H':
		o->monitor_host = true;
		break;
	case 'v':
		o->verbose = true;
		log_set_level(LOG_LEVEL_DEBUG);
		break;
	case OPT_RINGBUF_SIZE:
		errno = 0;
		mib = strtoul(arg, &end, 10);
		if (errno || *end || mib == 0 || mib > 1024 || (mib & (mib - 1)))
			argp_error(state, "--ringbuf-size must be a power of two from 1 to 1024 (MiB), not '%s'", arg);
		o->ringbuf_bytes = (uint32_t)(mib << 20);
		break;
	case OPT_CGROUP_MOUNT:
		o->cgroup_mount = arg;
		break;
	case OPT_ENGINE_SOCKET:
		o->engine.socket_path = arg;
		break;
	case OPT_ENGINE_URL:
		o->engine.url = arg;
		break;
	case OPT_ENGINE_TLS_CA:
		o->engine.tls_ca = arg;
		break;
	case OPT_ENGINE_TLS_CERT:
		o->engine.tls_cert = arg;
		break;
	case OPT_ENGINE_TLS_KEY:
		o->engine.tls_key = arg;
		break;
	case OPT_NO_ENGINE:
		o->no_engine = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (o->no_rules && o->n_rules_files)
			argp_error(state, "--no-rules and -r contradict each other: give one");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp run_argp = {
	.options = run_options,
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
	       "Examples:\n"
	       "  vigil run -r rules/vigil_rules.yaml\n"
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
	{ "rate-limit", OPT_RATE_LIMIT, "BURST,PER_SEC", 0,
	  "As for vigil run (default: the live agent's, from the capture)", 0 },
	{ "no-rate-limit", OPT_NO_RATE_LIMIT, NULL, 0, "Every alert, however many", 0 },
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
	case OPT_RATE_LIMIT:
		if (ratelimit_parse_settings(arg, &o->rate_burst, &o->rate_per_sec))
			argp_error(state, RATE_LIMIT_USAGE, arg);
		o->rate_limit_given = true;
		break;
	case OPT_NO_RATE_LIMIT:
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

static int command_run(int argc, char **argv)
{
	struct run_args args = { .o = { .ringbuf_bytes = 8u << 20, .rate_burst = RATELIMIT_DEFAULT_BURST,
					 .rate_per_sec = RATELIMIT_DEFAULT_RATE,
					 .capture = { .max_bytes = AGENT_DEFAULT_CAPTURE_SIZE,
						      .keep = AGENT_DEFAULT_CAPTURE_KEEP,
						      .alert_dir = AGENT_DEFAULT_ALERT_CAPTURE_DIR } } };
	int status;

	args.rules_files = calloc((size_t)argc, sizeof(*args.rules_files));
	args.outputs = calloc((size_t)argc, sizeof(*args.outputs));
	if (!args.rules_files || !args.outputs) {
		free(args.rules_files);
		free(args.outputs);
		log_error("out of memory");
		return 1;
	}
	args.o.rules_files = args.rules_files;
	args.o.outputs = args.outputs;
	if (parse_command(&run_argp, argc, argv, "run", &args))
		status = 1;
	else
		status = agent_run(&args.o);
	free(args.rules_files);
	free(args.outputs);
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
		{ "fields", command_fields },
		{ "probe", command_probe },
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
