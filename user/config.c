// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil run's options: the one table and the one value parser that the
 * command line (main.c, through argp) and the config file (below, through
 * libyaml) both go through. A config file's key is looked up in the same
 * table argp parses flags with, and its value handed to the same
 * run_option_apply as the flag's argument, so the two cannot drift: a new
 * flag is a config key the day it is added, and a bad value gets the same
 * sentence from both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config.h"
#include "metrics.h"
#include "ratelimit.h"
#include "rules_cli.h"
#include "sink.h"

const struct argp_option run_options[] = {
	{ "config", RUN_OPT_CONFIG, "FILE", 0,
	  "Read settings from FILE (default " CONFIG_DEFAULT_FILE " when it exists); options given here win", 0 },
	{ "no-config", RUN_OPT_NO_CONFIG, NULL, 0, "Read no config file", 0 },
	{ "events", 'e', NULL, 0, "Print every event as one JSON line on stdout", 0 },
	{ "host", 'H', NULL, 0, "Report host processes too (default: containers only)", 0 },
	{ "ringbuf-size", RUN_OPT_RINGBUF_SIZE, "MIB", 0,
	  "Ring buffer size in MiB, a power of two (default 8)", 0 },
	{ "cgroup-mount", RUN_OPT_CGROUP_MOUNT, "DIR", 0,
	  "Where cgroup2 is mounted (default: found in /proc/self/mountinfo)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Say more, libbpf's messages and the verifier's log included (and --log-level debug)", 0 },
	{ "log-level", RUN_OPT_LOG_LEVEL, "LEVEL", 0,
	  "error, warn, info (default) or debug: vigil's messages below it are not printed", 0 },
	{ "record-raw", RUN_OPT_RECORD_RAW, "FILE", 0,
	  "Write every kernel record as received to FILE (each after its 4-byte length, host byte order): "
	  "the benchmark's recorded stream, and for debugging; not a capture file", 0 },
	{ "metrics-address", RUN_OPT_METRICS_ADDRESS, "ADDR", 0,
	  "Serve /metrics (Prometheus) and /healthz on this loopback address, 127.0.0.1:9464 or [::1]:9464 "
	  "(default: no endpoint)", 0 },
	{ NULL, 0, NULL, 0, "Rules:", 2 },
	{ "rules", 'r', "FILE", 0,
	  "A rules file; give -r again for more: they load in order, later files refining earlier ones "
	  "(default " AGENT_DEFAULT_RULES ")", 2 },
	{ "no-rules", RUN_OPT_NO_RULES, NULL, 0, "Run without rules: events only (with --events)", 2 },
	{ NULL, 0, NULL, 0, "Enforcement (rules with `action: deny` or `action: kill`):", 2 },
	{ "enforce", RUN_OPT_ENFORCE, "on|off", 0,
	  "on (default): deny and kill rules act in the kernel; off: a dry run, they act on nothing and their "
	  "alerts say what they would have done (\"verdict\": \"would deny\") -- try new rules so first", 2 },
	{ "lsm", RUN_OPT_LSM, "auto|off", 0,
	  "auto (default): deny with BPF-LSM hooks where the kernel runs them, kill from the tracepoints "
	  "elsewhere; off: tracepoints only, so every deny becomes a kill (`vigil probe` says which this "
	  "kernel has)", 2 },
	{ NULL, 0, NULL, 0, "Alerts:", 3 },
	{ "output", 'o', "SPEC", 0,
	  "Where alerts go; give -o again for more (default " AGENT_DEFAULT_OUTPUT "): stdout[:json|text], "
	  "file:PATH, syslog[:FACILITY], syslog-udp://HOST:PORT, syslog-tcp://HOST:PORT, each with options "
	  "such as ,min-priority=warning ,queue=N ,facility=local0 ,app-name=vigil", 3 },
	{ "rate-limit", RUN_OPT_RATE_LIMIT, "BURST,PER_SEC", 0,
	  "Alerts of one rule in one container: BURST at once, then PER_SEC a second; the rest are counted "
	  "and summed up in one alert after the burst (default 20,1)", 3 },
	{ "no-rate-limit", RUN_OPT_NO_RATE_LIMIT, NULL, 0, "Every alert, however many", 3 },
	{ NULL, 0, NULL, 0, "Capture (forensics: `vigil replay` reads it back):", 4 },
	{ "capture", RUN_OPT_CAPTURE, "FILE", 0,
	  "Record every event and the state it needs (processes, cgroups, containers, names) to FILE, "
	  "rotated to FILE.1, FILE.2...; fsync'd at rotation and exit", 4 },
	{ "capture-size", RUN_OPT_CAPTURE_SIZE, "MIB", 0, "Rotate the capture file at this size (default 256; 0: never)",
	  4 },
	{ "capture-interval", RUN_OPT_CAPTURE_INTERVAL, "DURATION", 0,
	  "Rotate the capture file this often: 90s, 30m, 1h, 1d (default: never)", 4 },
	{ "capture-keep", RUN_OPT_CAPTURE_KEEP, "N", 0, "Rotated capture files kept (default 4)", 4 },
	{ "alert-capture-dir", RUN_OPT_ALERT_CAPTURE_DIR, "DIR", 0,
	  "Where the evidence of rules with `capture: true` goes: a capture file per alert, with the "
	  "events of capture_duration before and after it (default " AGENT_DEFAULT_ALERT_CAPTURE_DIR ")", 4 },
	{ NULL, 0, NULL, 0, "Container metadata (the Docker Engine API; Podman's compatible API too):", 1 },
	{ "engine-socket", RUN_OPT_ENGINE_SOCKET, "PATH", 0,
	  "The Engine API's unix socket (default " ENGINE_DEFAULT_SOCKET ")", 1 },
	{ "engine-url", RUN_OPT_ENGINE_URL, "URL", 0,
	  "Talk to the Engine API over TCP instead: https://HOST:PORT (with the three TLS files) or http://", 1 },
	{ "engine-tls-ca", RUN_OPT_ENGINE_TLS_CA, "FILE", 0, "CA certificate that signed the daemon's", 1 },
	{ "engine-tls-cert", RUN_OPT_ENGINE_TLS_CERT, "FILE", 0, "vigil's client certificate", 1 },
	{ "engine-tls-key", RUN_OPT_ENGINE_TLS_KEY, "FILE", 0, "vigil's client key", 1 },
	{ "no-engine", RUN_OPT_NO_ENGINE, NULL, 0, "Do not ask any Engine API: containers are named by id alone", 1 },
	{ 0 },
};

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

const struct argp_option *run_option_find(int key)
{
	for (const struct argp_option *opt = run_options; opt->name || opt->doc; opt++)
		if (opt->name && opt->key == key)
			return opt;
	return NULL;
}

bool run_option_is_list(int key)
{
	return key == 'r' || key == 'o';
}

/* Options the command line has and a file cannot. */
static bool option_is_command_line_only(int key)
{
	return key == RUN_OPT_CONFIG || key == RUN_OPT_NO_CONFIG;
}

void run_settings_init(struct run_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->o.ringbuf_bytes = 8u << 20;
	s->o.rate_burst = RATELIMIT_DEFAULT_BURST;
	s->o.rate_per_sec = RATELIMIT_DEFAULT_RATE;
	s->o.capture.max_bytes = AGENT_DEFAULT_CAPTURE_SIZE;
	s->o.capture.keep = AGENT_DEFAULT_CAPTURE_KEEP;
	s->o.capture.alert_dir = AGENT_DEFAULT_ALERT_CAPTURE_DIR;
	s->log_level = LOG_LEVEL_INFO;
}

void run_settings_free(struct run_settings *s)
{
	for (size_t i = 0; i < s->n_owned; i++)
		free(s->owned[i]);
	free(s->owned);
	free(s->rules_files);
	free(s->outputs);
	sinks_free(s->output_check);
	memset(s, 0, sizeof(*s));
}

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

/* A decimal number up to max, digits only. */
static int parse_count(const char *text, unsigned long max, unsigned long *out)
{
	char *end;

	if (!(*text >= '0' && *text <= '9'))
		return -EINVAL;
	errno = 0;
	*out = strtoul(text, &end, 10);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int append(const char ***items, size_t *cap, size_t *n, const char *item)
{
	if (*n == *cap) {
		size_t new_cap = *cap ? 2 * *cap : 8;
		const char **grown = realloc(*items, new_cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		*items = grown;
		*cap = new_cap;
	}
	(*items)[(*n)++] = item;
	return 0;
}

static int add_output(struct run_settings *s, const char *spec, char *err, size_t errlen)
{
	/* Parsed now, by the agent's own parser, so that a bad spec is named where it was written. */
	if (!s->output_check && !(s->output_check = sinks_new()))
		return -ENOMEM;
	if (sinks_add_spec(s->output_check, spec, err, errlen))
		return -EINVAL;
	if (append(&s->outputs, &s->outputs_cap, &s->o.n_outputs, spec))
		return -ENOMEM;
	s->o.outputs = s->outputs;
	return 0;
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)

int run_option_apply(struct run_settings *s, int key, const char *arg, char *err, size_t errlen)
{
	struct agent_options *o = &s->o;
	unsigned long n;

	switch (key) {
	case 'r':
		if (append(&s->rules_files, &s->rules_cap, &o->n_rules_files, arg))
			return -ENOMEM;
		o->rules_files = s->rules_files;
		break;
	case 'o':
		return add_output(s, arg, err, errlen);
	case RUN_OPT_NO_RULES:
		o->no_rules = true;
		break;
	case RUN_OPT_RECORD_RAW:
		o->record_raw = arg;
		break;
	case RUN_OPT_RATE_LIMIT:
		if (ratelimit_parse_settings(arg, &o->rate_burst, &o->rate_per_sec))
			FAIL(RATE_LIMIT_USAGE, arg);
		break;
	case RUN_OPT_NO_RATE_LIMIT:
		o->rate_burst = 0;
		o->rate_per_sec = 0;
		break;
	case RUN_OPT_CAPTURE:
		o->capture.path = arg;
		break;
	case RUN_OPT_CAPTURE_SIZE:
		if (parse_count(arg, 1ul << 30, &n))
			FAIL("--capture-size is a size in MiB (0: never rotate by size), not '%s'", arg);
		o->capture.max_bytes = (uint64_t)n << 20;
		break;
	case RUN_OPT_CAPTURE_INTERVAL:
		if (parse_duration(arg, &o->capture.max_age_ns))
			FAIL("--capture-interval is a duration such as 90s, 30m, 1h or 1d, not '%s'", arg);
		break;
	case RUN_OPT_CAPTURE_KEEP:
		if (parse_count(arg, 100000, &n))
			FAIL("--capture-keep is a number of files, not '%s'", arg);
		o->capture.keep = (unsigned int)n;
		break;
	case RUN_OPT_ALERT_CAPTURE_DIR:
		o->capture.alert_dir = arg;
		break;
	case RUN_OPT_ENFORCE:
		if (strcmp(arg, "on") && strcmp(arg, "off"))
			FAIL("--enforce is on or off, not '%s'", arg);
		o->enforce_off = !strcmp(arg, "off");
		break;
	case RUN_OPT_LSM:
		if (strcmp(arg, "auto") && strcmp(arg, "off"))
			FAIL("--lsm is auto or off, not '%s'", arg);
		o->no_lsm = !strcmp(arg, "off");
		break;
	case RUN_OPT_LOG_LEVEL:
		for (n = 0; n < sizeof(log_level_names) / sizeof(log_level_names[0]); n++)
			if (!strcmp(arg, log_level_names[n]))
				break;
		if (n == sizeof(log_level_names) / sizeof(log_level_names[0]))
			FAIL("--log-level is error, warn, info or debug, not '%s'", arg);
		s->log_level = (enum log_level)n;
		break;
	case RUN_OPT_METRICS_ADDRESS:
		/* The agent checks it at start (exit 1, its own sentence); config check does too. */
		o->metrics_address = arg;
		break;
	case 'e':
		o->print_events = true;
		break;
	case 'H':
		o->monitor_host = true;
		break;
	case 'v':
		o->verbose = true;
		s->log_level = LOG_LEVEL_DEBUG;
		break;
	case RUN_OPT_RINGBUF_SIZE:
		if (parse_count(arg, 1024, &n) || n == 0 || (n & (n - 1)))
			FAIL("--ringbuf-size must be a power of two from 1 to 1024 (MiB), not '%s'", arg);
		o->ringbuf_bytes = (uint32_t)(n << 20);
		break;
	case RUN_OPT_CGROUP_MOUNT:
		o->cgroup_mount = arg;
		break;
	case RUN_OPT_ENGINE_SOCKET:
		o->engine.socket_path = arg;
		break;
	case RUN_OPT_ENGINE_URL:
		o->engine.url = arg;
		break;
	case RUN_OPT_ENGINE_TLS_CA:
		o->engine.tls_ca = arg;
		break;
	case RUN_OPT_ENGINE_TLS_CERT:
		o->engine.tls_cert = arg;
		break;
	case RUN_OPT_ENGINE_TLS_KEY:
		o->engine.tls_key = arg;
		break;
	case RUN_OPT_NO_ENGINE:
		o->no_engine = true;
		break;
	default:
		FAIL("not an option of vigil run");
	}
	return 0;
}

int run_settings_override(struct run_settings *s, const struct run_arg *args, size_t n, char *err, size_t errlen)
{
	bool rules = false, outputs = false, no_rules = false;
	int ret;

	for (size_t i = 0; i < n; i++) {
		rules |= args[i].key == 'r';
		outputs |= args[i].key == 'o';
		no_rules |= args[i].key == RUN_OPT_NO_RULES;
	}
	/* A list on the command line replaces the file's; the flag that contradicts it drops it. */
	if (rules || no_rules)
		s->o.n_rules_files = 0;
	if (rules)
		s->o.no_rules = false;
	if (outputs) {
		s->o.n_outputs = 0;
		sinks_free(s->output_check);
		s->output_check = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (option_is_command_line_only(args[i].key))
			continue;
		ret = run_option_apply(s, args[i].key, args[i].arg, err, errlen);
		if (ret)
			return ret;
	}
	if (s->o.no_rules && s->o.n_rules_files) {
		snprintf(err, errlen, "--no-rules and -r contradict each other: give one");
		return -EINVAL;
	}
	return 0;
}

/* ---- the config file ---- */

void config_messages_free(struct config_messages *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->items[i].text);
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

struct config_load {
	struct run_settings *s;
	const char *name;
	const char *src;
	size_t len;
	struct config_messages *messages;
	size_t dropped;
	bool out_of_memory;
};

/* At most this much of a key or value a message quotes. */
#define QUOTE_MAX 64

static void add_message(struct config_load *ld, unsigned int line, unsigned int column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_message(struct config_load *ld, unsigned int line, unsigned int column, const char *fmt, ...)
{
	struct config_messages *m = ld->messages;
	struct config_message *grown, *msg;
	char what[512];
	int prefix;
	va_list ap;

	if (m->n >= CONFIG_MESSAGES_MAX) {
		ld->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	grown = realloc(m->items, (m->n + 1) * sizeof(*grown));
	if (!grown) {
		ld->out_of_memory = true;
		return;
	}
	m->items = grown;
	msg = &m->items[m->n];
	msg->line = line;
	msg->column = column;
	if (line)
		prefix = asprintf(&msg->text, "%s:%u:%u: ", ld->name, line, column);
	else
		prefix = asprintf(&msg->text, "%s: ", ld->name);
	if (prefix < 0) {
		ld->out_of_memory = true;
		return;
	}
	char *text = realloc(msg->text, (size_t)prefix + strlen(what) + 1);
	if (!text) {
		free(msg->text);
		ld->out_of_memory = true;
		return;
	}
	strcpy(text + prefix, what);
	msg->text = text;
	msg->message = text + prefix;
	m->n++;
}

#define AT(node) (unsigned int)(node)->start_mark.line + 1, (unsigned int)(node)->start_mark.column + 1

/* The line and column of a byte offset, for libyaml's reader errors (their marks are not set). */
static void offset_pos(const struct config_load *ld, size_t offset, unsigned int *line, unsigned int *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset && i < ld->len; i++) {
		if (ld->src[i] == '\n') {
			++*line;
			*column = 1;
		} else if ((ld->src[i] & 0xc0) != 0x80) {
			++*column;
		}
	}
}

static void yaml_problem(struct config_load *ld, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "unknown error";
	unsigned int line = (unsigned int)p->problem_mark.line + 1, column = (unsigned int)p->problem_mark.column + 1;

	if (p->error == YAML_MEMORY_ERROR) {
		ld->out_of_memory = true;
	} else if (p->error == YAML_READER_ERROR) {
		offset_pos(ld, p->problem_offset, &line, &column);
		add_message(ld, line, column, "invalid YAML: %s", problem);
	} else if (p->context) {
		add_message(ld, line, column, "invalid YAML: %s, %s at line %u, column %u", problem, p->context,
			    (unsigned int)p->context_mark.line + 1, (unsigned int)p->context_mark.column + 1);
	} else {
		add_message(ld, line, column, "invalid YAML: %s", problem);
	}
}

static bool node_is_null(const yaml_node_t *node)
{
	const char *text = (const char *)node->data.scalar.value;

	return node->type == YAML_SCALAR_NODE && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (node->data.scalar.length == 0 || !strcmp(text, "~") || !strcmp(text, "null") ||
		!strcmp(text, "Null") || !strcmp(text, "NULL"));
}

static const char *describe(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return node_is_null(node) ? "an empty value" : "a string";
	}
}

/* The edit distance of two short words (at most QUOTE_MAX bytes each). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[QUOTE_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diagonal + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diagonal = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The option name closest to key, when it is close enough to be what was meant; NULL otherwise. */
static const char *closest_option(const char *key)
{
	const char *best = NULL;
	size_t best_distance = SIZE_MAX;

	if (strlen(key) > QUOTE_MAX)
		return NULL;
	for (const struct argp_option *opt = run_options; opt->name || opt->doc; opt++) {
		size_t d, longer;

		if (!opt->name || option_is_command_line_only(opt->key))
			continue;
		d = edit_distance(key, opt->name);
		longer = strlen(key) > strlen(opt->name) ? strlen(key) : strlen(opt->name);
		if (d < best_distance && 2 * d <= longer) {
			best = opt->name;
			best_distance = d;
		}
	}
	return best;
}

/* A scalar's text, kept as long as the settings: NULL (a message said why) when it cannot be. */
static const char *keep_scalar(struct config_load *ld, const yaml_node_t *node)
{
	size_t len = node->data.scalar.length;
	char *copy, **grown;

	if (memchr(node->data.scalar.value, '\0', len)) {
		add_message(ld, AT(node), "a value holds a NUL character");
		return NULL;
	}
	grown = realloc(ld->s->owned, (ld->s->n_owned + 1) * sizeof(*grown));
	if (!grown) {
		ld->out_of_memory = true;
		return NULL;
	}
	ld->s->owned = grown;
	copy = strndup((const char *)node->data.scalar.value, len);
	if (!copy) {
		ld->out_of_memory = true;
		return NULL;
	}
	ld->s->owned[ld->s->n_owned++] = copy;
	return copy;
}

/* One value through the option's parser, a message at the value when it refuses it. */
static void apply_scalar(struct config_load *ld, const struct argp_option *opt, const yaml_node_t *node)
{
	const char *text = keep_scalar(ld, node);
	char err[512];
	int ret;

	if (!text)
		return;
	ret = run_option_apply(ld->s, opt->key, text, err, sizeof(err));
	if (ret == -ENOMEM)
		ld->out_of_memory = true;
	else if (ret)
		add_message(ld, AT(node), "%s", err);
}

static void apply_value(struct config_load *ld, yaml_document_t *doc, const struct argp_option *opt,
			const yaml_node_t *value)
{
	/* A key with no value (or ~) leaves the option as it was: the default. */
	if (node_is_null(value))
		return;
	if (!opt->arg) {
		const char *text = (const char *)value->data.scalar.value;

		if (value->type != YAML_SCALAR_NODE)
			add_message(ld, AT(value), "'%s' is true or false, not %s", opt->name, describe(value));
		else if (strlen(text) != value->data.scalar.length)
			add_message(ld, AT(value), "a value holds a NUL character");
		else if (!strcmp(text, "true") || !strcmp(text, "True") || !strcmp(text, "TRUE"))
			run_option_apply(ld->s, opt->key, NULL, NULL, 0);
		else if (strcmp(text, "false") && strcmp(text, "False") && strcmp(text, "FALSE"))
			add_message(ld, AT(value), "'%s' is true or false, not '%.*s%s'", opt->name, QUOTE_MAX, text,
				    strlen(text) > QUOTE_MAX ? "..." : "");
		return;
	}
	if (run_option_is_list(opt->key) && value->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *item = value->data.sequence.items.start; item < value->data.sequence.items.top;
		     item++) {
			const yaml_node_t *node = yaml_document_get_node(doc, *item);

			if (node->type != YAML_SCALAR_NODE || node_is_null(node))
				add_message(ld, AT(node), "'%s' takes a list of %s, and this item is %s", opt->name,
					    opt->arg, describe(node));
			else
				apply_scalar(ld, opt, node);
		}
		return;
	}
	if (value->type != YAML_SCALAR_NODE) {
		if (run_option_is_list(opt->key))
			add_message(ld, AT(value), "'%s' takes a %s or a list of them, not %s", opt->name, opt->arg,
				    describe(value));
		else
			add_message(ld, AT(value), "'%s' takes one value (%s), not %s", opt->name, opt->arg,
				    describe(value));
		return;
	}
	apply_scalar(ld, opt, value);
}

static const struct argp_option *option_by_name(const char *name)
{
	for (const struct argp_option *opt = run_options; opt->name || opt->doc; opt++)
		if (opt->name && !strcmp(opt->name, name))
			return opt;
	return NULL;
}

static void load_mapping(struct config_load *ld, yaml_document_t *doc, const yaml_node_t *root)
{
	/* Where each option was set, to name the first when it is set again (index: in run_options). */
	enum { SEEN_MAX = 64 };
	const yaml_node_t *seen[SEEN_MAX] = { 0 };
	const yaml_node_t *no_rules_key = NULL;
	bool rules_given = false;

	_Static_assert(sizeof(run_options) / sizeof(run_options[0]) <= SEEN_MAX, "SEEN_MAX is too small");
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);
		const struct argp_option *opt;
		const char *name, *suggestion;
		size_t index, rules_before;

		if (key->type != YAML_SCALAR_NODE) {
			add_message(ld, AT(key), "a key must be an option's name, not %s", describe(key));
			continue;
		}
		name = (const char *)key->data.scalar.value;
		opt = strlen(name) == key->data.scalar.length ? option_by_name(name) : NULL;
		if (opt && option_is_command_line_only(opt->key)) {
			add_message(ld, AT(key), "'%s' is for the command line: a config file cannot name one", name);
			continue;
		}
		if (!opt) {
			suggestion = closest_option(name);
			if (suggestion)
				add_message(ld, AT(key), "unknown key '%.*s%s': vigil run has no such option; did you mean '%s'?",
					    QUOTE_MAX, name, strlen(name) > QUOTE_MAX ? "..." : "", suggestion);
			else
				add_message(ld, AT(key), "unknown key '%.*s%s': vigil run has no such option (`vigil run --help` lists them)",
					    QUOTE_MAX, name, strlen(name) > QUOTE_MAX ? "..." : "");
			continue;
		}
		index = (size_t)(opt - run_options);
		if (seen[index]) {
			add_message(ld, AT(key), "duplicate key '%s' (first at line %u, column %u)", name, AT(seen[index]));
			continue;
		}
		seen[index] = key;
		rules_before = ld->s->o.n_rules_files;
		apply_value(ld, doc, opt, value);
		if (ld->s->o.n_rules_files > rules_before)
			rules_given = true;
		if (opt->key == RUN_OPT_NO_RULES && ld->s->o.no_rules)
			no_rules_key = key;
	}
	if (no_rules_key && rules_given)
		add_message(ld, AT(no_rules_key), "'no-rules: true' and 'rules' contradict each other: give one");
}

int config_load_buffer(struct run_settings *s, const char *name, const char *text, size_t len,
		       struct config_messages *messages)
{
	struct config_load ld = { .s = s, .name = name, .src = text, .len = len, .messages = messages };
	size_t before = messages->n;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(&ld, &parser);
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE && !node_is_null(root))
		add_message(&ld, AT(root), "a config file is a mapping of vigil run's options (key: value), not %s",
			    describe(root));
	else if (root && root->type == YAML_MAPPING_NODE)
		load_mapping(&ld, &doc, root);
	yaml_document_delete(&doc);
	if (!root)
		goto out;
	/* One document: a second would be a config nobody reads. */
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(&ld, &parser);
		goto out;
	}
	root = yaml_document_get_root_node(&doc);
	if (root)
		add_message(&ld, AT(root), "a second YAML document: a config file is one mapping");
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	if (ld.dropped)
		add_message(&ld, 0, 0, "and %zu more problems", ld.dropped);
	if (ld.out_of_memory)
		return -ENOMEM;
	return messages->n > before ? -EINVAL : 0;
}

int config_load_file(struct run_settings *s, const char *path, struct config_messages *messages)
{
	struct config_load ld = { .s = s, .name = path, .messages = messages };
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		add_message(&ld, 0, 0, "cannot read it: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		add_message(&ld, 0, 0, "cannot read it: not a regular file");
		goto fail;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			add_message(&ld, 0, 0, "cannot read it: %s", strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > CONFIG_FILE_MAX) {
			add_message(&ld, 0, 0, "larger than %u KiB: not a config file", CONFIG_FILE_MAX >> 10);
			goto fail;
		}
	}
	close(fd);
	ret = config_load_buffer(s, path, text, len, messages);
	free(text);
	return ret;

fail:
	if (fd >= 0)
		close(fd);
	free(text);
	return ld.out_of_memory ? -ENOMEM : -EINVAL;
}

/* ---- printing the settings ---- */

/* A value as YAML reads it back: plain when it can be, else double-quoted. */
static void print_scalar(FILE *f, const char *text, bool in_list)
{
	bool plain = text[0] && !strchr("-?:,[]{}#&*!|>'\"%@` ~", text[0]) && !strstr(text, ": ") &&
		     !strstr(text, " #") && text[strlen(text) - 1] != ' ' && text[strlen(text) - 1] != ':';

	for (const char *c = text; plain && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || (in_list && strchr(",[]{}", *c)))
			plain = false;
	for (const char *c = text; plain && *c; c++)
		if ((unsigned char)*c >= 0x80)
			plain = false;
	if (plain && (!strcmp(text, "true") || !strcmp(text, "false") || !strcmp(text, "null") ||
		      !strcmp(text, "Null") || !strcmp(text, "NULL")))
		plain = false;
	if (plain) {
		fputs(text, f);
		return;
	}
	fputc('"', f);
	/* Text is UTF-8 (libyaml read it); YAML's line breaks and non-printable characters are escaped. */
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\x%02x", *c);
		else if (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0xa0)
			fprintf(f, "\\x%02x", *++c); /* C1 controls, NEL and no-break space */
		else if ((c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) ||
			 (c[0] == 0xef && ((c[1] == 0xbb && c[2] == 0xbf) || (c[1] == 0xbf && c[2] >= 0xbe)))) {
			/* U+2028 and U+2029 (line breaks), U+FEFF (a byte order mark), U+FFFE and U+FFFF */
			fprintf(f, "\\u%04x", (unsigned int)(c[0] & 0x0f) << 12 | (unsigned int)(c[1] & 0x3f) << 6 | (c[2] & 0x3f));
			c += 2;
		} else {
			fputc(*c, f);
		}
	}
	fputc('"', f);
}

static void print_list(FILE *f, const char *const *items, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		print_scalar(f, items[i], true);
	}
	fputc(']', f);
}

static void print_optional(FILE *f, const char *text)
{
	if (text)
		print_scalar(f, text, false);
	else
		fputc('~', f);
}

void config_print_settings(const struct run_settings *s, FILE *f)
{
	static const char *const default_rules[] = { AGENT_DEFAULT_RULES };
	static const char *const default_output[] = { AGENT_DEFAULT_OUTPUT };
	const struct agent_options *o = &s->o;

	for (const struct argp_option *opt = run_options; opt->name || opt->doc; opt++) {
		if (!opt->name || option_is_command_line_only(opt->key))
			continue;
		fprintf(f, "%s: ", opt->name);
		switch (opt->key) {
		case 'r':
			if (o->no_rules)
				print_list(f, NULL, 0);
			else if (o->n_rules_files)
				print_list(f, o->rules_files, o->n_rules_files);
			else
				print_list(f, default_rules, 1);
			break;
		case 'o':
			if (o->n_outputs)
				print_list(f, o->outputs, o->n_outputs);
			else
				print_list(f, default_output, 1);
			break;
		case 'e':
			fputs(o->print_events ? "true" : "false", f);
			break;
		case 'H':
			fputs(o->monitor_host ? "true" : "false", f);
			break;
		case 'v':
			fputs(o->verbose ? "true" : "false", f);
			break;
		case RUN_OPT_NO_RULES:
			fputs(o->no_rules ? "true" : "false", f);
			break;
		case RUN_OPT_NO_RATE_LIMIT:
			fputs(!o->rate_burst && !o->rate_per_sec ? "true" : "false", f);
			break;
		case RUN_OPT_NO_ENGINE:
			fputs(o->no_engine ? "true" : "false", f);
			break;
		case RUN_OPT_LOG_LEVEL:
			fputs(log_level_names[s->log_level], f);
			break;
		case RUN_OPT_RINGBUF_SIZE:
			fprintf(f, "%u", o->ringbuf_bytes >> 20);
			break;
		case RUN_OPT_RATE_LIMIT:
			if (!o->rate_burst && !o->rate_per_sec)
				fputc('~', f);
			else
				fprintf(f, "%u,%.15g", o->rate_burst, o->rate_per_sec);
			break;
		case RUN_OPT_CAPTURE_SIZE:
			fprintf(f, "%llu", (unsigned long long)(o->capture.max_bytes >> 20));
			break;
		case RUN_OPT_CAPTURE_INTERVAL:
			fprintf(f, "%.15gs", (double)o->capture.max_age_ns / 1e9);
			break;
		case RUN_OPT_CAPTURE_KEEP:
			fprintf(f, "%u", o->capture.keep);
			break;
		case RUN_OPT_ENFORCE:
			fputs(o->enforce_off ? "off" : "on", f);
			break;
		case RUN_OPT_LSM:
			fputs(o->no_lsm ? "off" : "auto", f);
			break;
		case RUN_OPT_ENGINE_SOCKET:
			print_scalar(f, o->engine.socket_path ? o->engine.socket_path : ENGINE_DEFAULT_SOCKET, false);
			break;
		case RUN_OPT_ALERT_CAPTURE_DIR:
			print_optional(f, o->capture.alert_dir);
			break;
		case RUN_OPT_CGROUP_MOUNT:
			print_optional(f, o->cgroup_mount);
			break;
		case RUN_OPT_RECORD_RAW:
			print_optional(f, o->record_raw);
			break;
		case RUN_OPT_METRICS_ADDRESS:
			print_optional(f, o->metrics_address);
			break;
		case RUN_OPT_CAPTURE:
			print_optional(f, o->capture.path);
			break;
		case RUN_OPT_ENGINE_URL:
			print_optional(f, o->engine.url);
			break;
		case RUN_OPT_ENGINE_TLS_CA:
			print_optional(f, o->engine.tls_ca);
			break;
		case RUN_OPT_ENGINE_TLS_CERT:
			print_optional(f, o->engine.tls_cert);
			break;
		case RUN_OPT_ENGINE_TLS_KEY:
			print_optional(f, o->engine.tls_key);
			break;
		}
		fputc('\n', f);
	}
}

/* ---- vigil config check ---- */

/* The rules files as vigil run loads them; from rules_dir by their file name when it is given. */
static int check_rules(const struct run_settings *s, const char *rules_dir)
{
	const char *const *files = s->o.rules_files;
	size_t n = s->o.n_rules_files;
	static const char *const default_rules[] = { AGENT_DEFAULT_RULES };
	char **moved = NULL;
	struct rule_set *set = NULL;
	struct rule_engine *engine = NULL;
	int ret = -ENOMEM;

	if (s->o.no_rules)
		return 0;
	if (!n) {
		files = default_rules;
		n = 1;
	}
	if (rules_dir) {
		moved = calloc(n, sizeof(*moved));
		if (!moved)
			goto out;
		for (size_t i = 0; i < n; i++) {
			const char *base = strrchr(files[i], '/');

			if (asprintf(&moved[i], "%s/%s", rules_dir, base ? base + 1 : files[i]) < 0) {
				moved[i] = NULL;
				goto out;
			}
		}
		files = (const char *const *)moved;
	}
	ret = rules_load(files, n, &set, &engine);
	rule_engine_free(engine);
	rule_set_free(set);
out:
	if (ret == -ENOMEM)
		log_error("out of memory");
	for (size_t i = 0; moved && i < n; i++)
		free(moved[i]);
	free(moved);
	return ret;
}

int config_check(const char *path, const char *rules_dir)
{
	struct config_messages messages = { 0 };
	struct run_settings s;
	int err, rules_err;

	run_settings_init(&s);
	err = config_load_file(&s, path, &messages);
	for (size_t i = 0; i < messages.n; i++)
		log_error("%s", messages.items[i].text);
	if (err == -ENOMEM)
		log_error("out of memory");
	/* A file that could not be read names no rules: the default's would be a second, confusing, message. */
	rules_err = err == -ENOMEM || (messages.n && !messages.items[0].line) ? 0 : check_rules(&s, rules_dir);
	if (!err && s.o.metrics_address) {
		struct metrics_address addr;
		char why[256];

		if (metrics_parse_address(s.o.metrics_address, &addr, why, sizeof(why))) {
			log_error("%s: %s", path, why);
			err = -EINVAL;
		}
	}
	if (!err && rules_err)
		log_error("%s: the rules files it names do not load", path);
	if (!err && !rules_err) {
		printf("%s: ok\n", path);
		config_print_settings(&s, stdout);
	}
	config_messages_free(&messages);
	run_settings_free(&s);
	return err || rules_err ? 1 : 0;
}
