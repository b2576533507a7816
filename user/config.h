/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `vigil run`'s settings, from its command line and from a config file
 * (/etc/vigil/vigil.yaml, or --config FILE), and `vigil config check`.
 *
 * The config file's keys are `vigil run`'s long flag names, and there is one
 * table of them (run_options, which argp also parses the command line with)
 * and one per-option parser (run_option_apply): the command line and the
 * file cannot drift apart, a new flag is a key at once, and a bad value says
 * the same sentence in both. main.c records the command line's options,
 * then the file is applied to the defaults and the command line over it:
 *
 *	struct run_settings s;
 *	run_settings_init(&s);
 *	config_load_file(&s, "/etc/vigil/vigil.yaml", &messages);   // positions in messages
 *	run_settings_override(&s, cmdline, n, err, sizeof(err));      // flags win
 *	agent_run(&s.o);
 *	run_settings_free(&s);
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "agent.h"
#include "log.h"

#define CONFIG_DEFAULT_FILE "/etc/vigil/vigil.yaml"
/* A config file larger than this is not one. */
#define CONFIG_FILE_MAX (1u << 20)
/* Messages kept from one file; the rest are counted in one more. */
#define CONFIG_MESSAGES_MAX 100

#define RATE_LIMIT_USAGE "--rate-limit is BURST,PER_SEC (\"20,1\"), not '%s'"

/* The keys of vigil run's options without a short letter. */
enum {
	RUN_OPT_RINGBUF_SIZE = 0x100,
	RUN_OPT_CGROUP_MOUNT,
	RUN_OPT_ENGINE_SOCKET,
	RUN_OPT_ENGINE_URL,
	RUN_OPT_ENGINE_TLS_CA,
	RUN_OPT_ENGINE_TLS_CERT,
	RUN_OPT_ENGINE_TLS_KEY,
	RUN_OPT_NO_ENGINE,
	RUN_OPT_NO_RULES,
	RUN_OPT_RECORD_RAW,
	RUN_OPT_RATE_LIMIT,
	RUN_OPT_NO_RATE_LIMIT,
	RUN_OPT_CAPTURE,
	RUN_OPT_CAPTURE_SIZE,
	RUN_OPT_CAPTURE_INTERVAL,
	RUN_OPT_CAPTURE_KEEP,
	RUN_OPT_ALERT_CAPTURE_DIR,
	RUN_OPT_ENFORCE,
	RUN_OPT_LSM,
	RUN_OPT_LOG_LEVEL,
	RUN_OPT_METRICS_ADDRESS,
	/* The command line's only: where the file is, or none. */
	RUN_OPT_CONFIG,
	RUN_OPT_NO_CONFIG,
};

/* vigil run's options, argp's table (group headers included, ends with { 0 }). */
extern const struct argp_option run_options[];

/* What `vigil run` runs with: the agent's options and what main applies itself. */
struct run_settings {
	struct agent_options o;
	enum log_level log_level;
	/* o.rules_files and o.outputs point at these; both grow as needed. */
	const char **rules_files, **outputs;
	size_t rules_cap, outputs_cap;
	struct sinks *output_check; /* the outputs so far, parsed as the agent will (one syslog(3) at most) */
	char **owned;               /* strings from a config file, freed with the settings */
	size_t n_owned;
};

/* The defaults; run_settings_free after. */
void run_settings_init(struct run_settings *s);
void run_settings_free(struct run_settings *s);

/*
 * Apply one option, as given on the command line (arg NULL for a flag that
 * takes none): the one parser of every option's value. arg must live as long
 * as s. 0; -EINVAL with a sentence in err ("--enforce is on or off, not
 * 'maybe'"); -ENOMEM.
 */
int run_option_apply(struct run_settings *s, int key, const char *arg, char *err, size_t errlen);

/* The option of a key (NULL: not one); whether it takes a list (-r, -o). */
const struct argp_option *run_option_find(int key);
bool run_option_is_list(int key);

/* One option from the command line, as argp gave it. */
struct run_arg {
	int key;
	const char *arg;
};

/*
 * The command line over what the file set: each option applied in order; a
 * list option given at all replaces the file's list, -r drops the file's
 * no-rules and --no-rules the file's rules. 0 or -EINVAL / -ENOMEM with err.
 */
int run_settings_override(struct run_settings *s, const struct run_arg *args, size_t n, char *err, size_t errlen);

/* A problem in a config file: text is "FILE:LINE:COLUMN: what" (line 0: the whole file, "FILE: what"). */
struct config_message {
	char *text;
	const char *message; /* what, within text */
	unsigned int line, column;
};

struct config_messages {
	struct config_message *items;
	size_t n;
};

void config_messages_free(struct config_messages *m);

/*
 * Apply a config file's settings to s, every problem in *messages. 0 when
 * there were none; -EINVAL when there were (s then holds what was good, and
 * is not to be run); -ENOMEM. The _buffer form names the text `name`.
 */
int config_load_file(struct run_settings *s, const char *path, struct config_messages *messages);
int config_load_buffer(struct run_settings *s, const char *name, const char *text, size_t len,
		       struct config_messages *messages);

/* Every setting, one line each ("key: value"), as vigil run uses them, keys in the table's order. */
void config_print_settings(const struct run_settings *s, FILE *f);

/*
 * `vigil config check`: load path, print its problems (stderr, as vigil run
 * does) or "PATH: ok" and the settings (stdout); then load the rules files it
 * names (from rules_dir by their file name, when given). The exit status: 0
 * when all is well, 1 otherwise.
 */
int config_check(const char *path, const char *rules_dir);

#endif /* VIGIL_CONFIG_H */
