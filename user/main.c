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
#include "vigil_event.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

const char *argp_program_version = "vigil " VIGIL_VERSION;
const char *argp_program_bug_address = "the vigil issue tracker";

static const char top_usage[] =
	"Usage: vigil COMMAND [OPTION...]\n"
	"vigil watches what processes in containers do, through eBPF programs in the\n"
	"kernel, and tells you: execs, forks and exits now, with each process's\n"
	"container, parent and ancestors.\n"
	"\n"
	"Commands:\n"
	"  run        load the BPF programs and report events until stopped\n"
	"  probe      print what this kernel allows and which hooks vigil will use\n"
	"  version    print vigil's and libbpf's versions\n"
	"\n"
	"Run `vigil COMMAND --help` for a command's options.\n"
	"\n"
	"Examples:\n"
	"  vigil probe                       # can this machine run vigil, and how?\n"
	"  vigil run --events                # every container event as a JSON line\n"
	"  vigil run --events --host | jq .  # the host's processes too, pretty-printed\n";

/* ---- vigil run ---- */

enum {
	OPT_RINGBUF_SIZE = 0x100,
	OPT_CGROUP_MOUNT,
	OPT_ENGINE_SOCKET,
	OPT_ENGINE_URL,
	OPT_ENGINE_TLS_CA,
	OPT_ENGINE_TLS_CERT,
	OPT_ENGINE_TLS_KEY,
	OPT_NO_ENGINE,
};

static const struct argp_option run_options[] = {
	{ "events", 'e', NULL, 0, "Print every event as one JSON line on stdout", 0 },
	{ "host", 'H', NULL, 0, "Report host processes too (default: containers only)", 0 },
	{ "ringbuf-size", OPT_RINGBUF_SIZE, "MIB", 0,
	  "Ring buffer size in MiB, a power of two (default 8)", 0 },
	{ "cgroup-mount", OPT_CGROUP_MOUNT, "DIR", 0,
	  "Where cgroup2 is mounted (default: found in /proc/self/mountinfo)", 0 },
	{ "verbose", 'v', NULL, 0, "Say more, libbpf's messages and the verifier's log included", 0 },
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
	struct agent_options *o = state->input;
	unsigned long mib;
	char *end;

	switch (key) {
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
	       "  vigil run --events\n"
	       "  vigil run --events --host --ringbuf-size 32 > events.jsonl\n"
	       "  vigil run --events --engine-socket /run/podman/podman.sock\n"
	       "  vigil run --events --engine-url https://10.0.0.5:2376 --engine-tls-ca ca.pem \\\n"
	       "      --engine-tls-cert cert.pem --engine-tls-key key.pem\n"
	       "  vigil run --events | jq 'select(.type == \"exec\") | .proc.args'"
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
	struct agent_options o = { .ringbuf_bytes = 8u << 20 };

	if (parse_command(&run_argp, argc, argv, "run", &o))
		return 1;
	return agent_run(&o);
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
