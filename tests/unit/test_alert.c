// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert record: the shape `vigil run` promises for a rule's match, its
 * event exactly as --events prints it (kernel events and the agent's
 * container announcements alike), the container, the process and its
 * ancestry, the verdict; strings from a process or a container that cannot
 * break the line; the record the sinks get, and vigil's own health alerts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "alerting.h"
#include "container_info.h"
#include "decode.h"
#include "event_builder.h"
#include "event_json.h"
#include "pipeline.h"
#include "ratelimit.h"
#include "rule_engine.h"
#include "rule_loader.h"

static const char rules_text[] =
	"- rule: Helper runs\n"
	"  desc: the test helper runs\n"
	"  condition: evt.type = execve and proc.name = vigil-helper\n"
	"  output: helper %proc.name ran in %container.id\n"
	"  priority: WARNING\n"
	"  tags: [test, exec]\n"
	"- rule: Odd name runs\n"
	"  desc: a process whose name holds control characters\n"
	"  condition: evt.type = execve and proc.name startswith odd\n"
	"  output: odd %proc.name\n"
	"  priority: ERROR\n"
	"- rule: Helper forks\n"
	"  desc: the test helper forks\n"
	"  condition: evt.type = clone and proc.name = vigil-helper\n"
	"  output: fork by %proc.name\n"
	"  priority: NOTICE\n"
	"- rule: Container starts\n"
	"  desc: a container starts\n"
	"  condition: evt.type = container and container.action = start\n"
	"  output: \"%container.name started\"\n"
	"  priority: INFO\n"
	"  tags: [container]\n";

/*
 * A pipeline that runs the rules above: events into a memory stream, alerts
 * the way the agent sends them (alerting.h, no rate limit) to a file sink.
 */
struct fixture {
	struct rule_set *set;
	struct rule_engine *engine;
	struct pipeline p;
	char *out;
	size_t out_len;
	char alerts_path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char spec[80], err[256];
	const char *specs[] = { spec };
	bool is_error;
	int fd;

	assert_non_null(f);
	f->set = rule_set_new();
	assert_non_null(f->set);
	assert_int_equal(rule_set_load_buffer(f->set, "test.yaml", rules_text, sizeof(rules_text) - 1), 0);
	assert_int_equal(rule_engine_compile(f->set, &f->engine), 0);
	for (size_t i = 0; i < rule_engine_message_count(f->engine); i++)
		print_message("# %s\n", rule_engine_message(f->engine, i, &is_error)->text);
	assert_int_equal(rule_engine_error_count(f->engine), 0);
	f->p.monitor_host = true;
	f->p.boot_to_unix_ns = 1000000000;
	f->p.procs = proc_table_new(NULL);
	f->p.rules = f->engine;
	f->p.hostname = "testhost";
	f->p.events_out = open_memstream(&f->out, &f->out_len);
	assert_non_null(f->p.events_out);
	snprintf(f->alerts_path, sizeof(f->alerts_path), "/tmp/vigil-test-alert-XXXXXX");
	fd = mkstemp(f->alerts_path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(spec, sizeof(spec), "file:%s", f->alerts_path);
	f->p.alerting = alerting_new(specs, 1, 0, 0, f->p.hostname, f->p.boot_to_unix_ns, err, sizeof(err));
	if (!f->p.alerting)
		fail_msg("alerting_new: %s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->p.events_out)
		fclose(f->p.events_out);
	free(f->out);
	alerting_stop(f->p.alerting, 0);
	alerting_free(f->p.alerting);
	unlink(f->alerts_path);
	proc_table_free(f->p.procs);
	rule_engine_free(f->engine);
	rule_set_free(f->set);
	free(f);
	return 0;
}

/* The lines of text, each parsed; *n set to how many. */
static json_t **parse_lines(char *text, size_t *n)
{
	json_t **lines = NULL;
	char *line, *next;

	*n = 0;
	for (line = text; line && *line; line = next) {
		json_error_t err;

		next = strchr(line, '\n');
		assert_non_null(next); /* every record ends its line */
		*next++ = '\0';
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		assert_non_null(lines);
		lines[*n] = json_loads(line, 0, &err);
		if (!lines[*n])
			fail_msg("line %zu is not JSON (%s): %s", *n + 1, err.text, line);
		next[-1] = '\n';
		(*n)++;
	}
	return lines;
}

/* The event lines written so far. */
static json_t **event_lines(struct fixture *f, size_t *n)
{
	assert_int_equal(fflush(f->p.events_out), 0);
	return parse_lines(f->out, n);
}

/* The alert lines: the sinks drained and stopped (once per test), the file read. */
static json_t **alert_lines(struct fixture *f, size_t *n)
{
	char *text = NULL;
	size_t size = 0, len;
	FILE *in, *out = open_memstream(&text, &size);
	char buf[4096];
	json_t **lines;

	alerting_stop(f->p.alerting, 5000);
	in = fopen(f->alerts_path, "re");
	assert_non_null(in);
	assert_non_null(out);
	while ((len = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, len, out), len);
	fclose(in);
	fclose(out);
	lines = parse_lines(text, n);
	free(text);
	return lines;
}

static void free_lines(json_t **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(lines[i]);
	free(lines);
}

static const char *string_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static void handle(struct fixture *f, const void *record, size_t len)
{
	assert_int_equal(pipeline_handle(&f->p, record, len), 0);
}

/* An exec by a process named comm (a literal: event_builder.h copies it with strncpy) into f's pipeline. */
#define exec_of(f, comm)                                                                                  \
	do {                                                                                              \
		_Alignas(8) char buf_[VIGIL_EVENT_SIZE_MAX];                                              \
		static const char args_[] = "vigil-helper\0echo\0hi";                                      \
		handle(f, buf_, build_exec(buf_, 61, 60, comm, "/bin/vigil-helper", args_, sizeof(args_), "/")); \
	} while (0)

/* An exec record into buf as build_exec makes it, for a comm that is not a literal. */
static size_t exec_record(void *buf, uint32_t tgid, uint32_t ppid, const char *comm, const char *filename,
			  const char *args, size_t args_len)
{
	struct vigil_exec_event *e = buf;
	size_t len = build_exec(buf, tgid, ppid, "", filename, args, args_len, "/");

	memcpy(e->hdr.comm, comm, strnlen(comm, sizeof(e->hdr.comm)));
	return len;
}

/* An exec by tgid, child of ppid, of filename with args (args_len bytes, NUL-separated). */
static void exec_as(struct fixture *f, uint32_t tgid, uint32_t ppid, const char *comm, const char *filename,
		    const char *args, size_t args_len)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];

	handle(f, buf, exec_record(buf, tgid, ppid, comm, filename, args, args_len));
}

/* A process object of the record (or of its ancestry) is this one. */
static void assert_proc(json_t *proc, json_int_t pid, const char *name, const char *exe, const char *cmdline)
{
	assert_true(json_is_object(proc));
	assert_int_equal(json_integer_value(json_object_get(proc, "pid")), pid);
	assert_string_equal(string_of(proc, "name"), name);
	assert_string_equal(string_of(proc, "exe"), exe);
	assert_string_equal(string_of(proc, "cmdline"), cmdline);
}

static void alert_has_the_promised_shape(void **state)
{
	struct fixture *f = *state;
	json_t **events, **alerts, *alert, *fields, *tags;
	size_t n_events, n_alerts;

	exec_of(f, "vigil-helper");
	/* The event line, and the alert of the one rule it matches. */
	events = event_lines(f, &n_events);
	alerts = alert_lines(f, &n_alerts);
	assert_int_equal(n_events, 1);
	assert_int_equal(n_alerts, 1);
	assert_int_equal(f->p.stats.written, 1);
	assert_int_equal(f->p.stats.alerts, 1);
	alert = alerts[0];
	assert_string_equal(string_of(alert, "type"), "alert");
	assert_string_equal(string_of(alert, "rule"), "Helper runs");
	assert_string_equal(string_of(alert, "priority"), "Warning");
	assert_string_equal(string_of(alert, "output"), "helper vigil-helper ran in host");
	assert_string_equal(string_of(alert, "source"), "syscall");
	assert_string_equal(string_of(alert, "action"), "alert");
	/* The event's time, not the time the alert was written. */
	assert_string_equal(string_of(alert, "time"), "1970-01-01T00:00:01.000000000Z");
	tags = json_object_get(alert, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "test");
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "exec");
	fields = json_object_get(alert, "output_fields");
	assert_int_equal(json_object_size(fields), 2);
	assert_string_equal(string_of(fields, "proc.name"), "vigil-helper");
	assert_string_equal(string_of(fields, "container.id"), "host");
	/* The event exactly as --events printed it. */
	assert_true(json_equal(json_object_get(alert, "event"), events[0]));
	assert_string_equal(string_of(events[0], "type"), "exec");
	/* Who and where: the agent's host, no container, the process as the exec started it. */
	assert_string_equal(string_of(alert, "hostname"), "testhost");
	assert_true(json_is_null(json_object_get(alert, "container")));
	assert_proc(json_object_get(alert, "proc"), 61, "vigil-helper", "/bin/vigil-helper", "vigil-helper echo hi");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(alert, "proc"), "uid")), 1000);
	assert_true(json_is_null(json_object_get(json_object_get(alert, "proc"), "user"))); /* no names to look in */
	assert_int_equal(json_array_size(json_object_get(json_object_get(alert, "proc"), "ancestry")), 0);
	/* No enforcement, no verdict. */
	assert_null(json_object_get(alert, "verdict"));
	assert_int_equal(json_object_size(alert), 13);
	free_lines(events, n_events);
	free_lines(alerts, n_alerts);
}

static void ancestry_is_the_chain_of_parents(void **state)
{
	struct fixture *f = *state;
	json_t **lines, *ancestry;
	static const char bash_args[] = "bash\0-c\0vigil-helper echo hi";
	size_t n;

	/* init -> bash -> vigil-helper: the table knows the two before the helper. */
	exec_as(f, 30, 1, "init", "/sbin/init", "init", sizeof("init"));
	exec_as(f, 60, 30, "bash", "/bin/bash", bash_args, sizeof(bash_args));
	exec_of(f, "vigil-helper");
	lines = alert_lines(f, &n);
	assert_int_equal(n, 1);
	ancestry = json_object_get(json_object_get(lines[0], "proc"), "ancestry");
	assert_int_equal(json_array_size(ancestry), 2);
	/* Parent first. */
	assert_proc(json_array_get(ancestry, 0), 60, "bash", "/bin/bash", "bash -c vigil-helper echo hi");
	assert_proc(json_array_get(ancestry, 1), 30, "init", "/sbin/init", "init");
	assert_int_equal(json_object_size(json_array_get(ancestry, 0)), 4);
	free_lines(lines, n);
}

static void other_events_name_the_process_from_the_table(void **state)
{
	struct fixture *f = *state;
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	json_t **lines;
	size_t n;

	exec_of(f, "vigil-helper");
	handle(f, buf, build_fork(buf, 61, 60, "vigil-helper", 62));
	lines = alert_lines(f, &n);
	assert_int_equal(n, 2);
	assert_string_equal(string_of(lines[1], "rule"), "Helper forks");
	/* A fork says nothing of the image: the table's entry from the exec does. */
	assert_proc(json_object_get(lines[1], "proc"), 61, "vigil-helper", "/bin/vigil-helper", "vigil-helper echo hi");
	free_lines(lines, n);
}

static void verdicts(void **state)
{
	struct fixture *f = *state;
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	static const char args[] = "vigil-helper";
	struct vigil_exec_event *e = (struct vigil_exec_event *)buf;
	json_t **lines;
	size_t n, len;

	len = build_exec(buf, 61, 60, "vigil-helper", "/bin/vigil-helper", args, sizeof(args), "/");
	e->hdr.verdict = VIGIL_VERDICT_DENIED;
	e->hdr.hook = VIGIL_HOOK_LSM;
	handle(f, buf, len);
	e->hdr.verdict = VIGIL_VERDICT_KILLED;
	e->hdr.hook = VIGIL_HOOK_TRACEPOINT;
	handle(f, buf, len);
	/* --enforce=off: what it would have done */
	e->hdr.verdict = VIGIL_VERDICT_WOULD_DENY;
	e->hdr.hook = VIGIL_HOOK_LSM;
	handle(f, buf, len);
	e->hdr.verdict = VIGIL_VERDICT_WOULD_KILL;
	e->hdr.hook = VIGIL_HOOK_TRACEPOINT;
	handle(f, buf, len);
	e->hdr.verdict = VIGIL_VERDICT_NONE;
	handle(f, buf, len);
	lines = alert_lines(f, &n);
	/*
	 * Each event with a verdict: the rule's alert, then, since that rule only
	 * alerts (no deny or kill rule explains the verdict), vigil's own.
	 */
	assert_int_equal(n, 9);
	assert_string_equal(string_of(lines[0], "verdict"), "denied");
	assert_string_equal(string_of(lines[0], "mechanism"), "lsm");
	assert_string_equal(string_of(lines[2], "verdict"), "killed");
	assert_string_equal(string_of(lines[2], "mechanism"), "tracepoint");
	assert_string_equal(string_of(lines[4], "verdict"), "would deny");
	assert_string_equal(string_of(lines[4], "mechanism"), "lsm");
	assert_string_equal(string_of(lines[6], "verdict"), "would kill");
	assert_string_equal(string_of(lines[6], "mechanism"), "tracepoint");
	for (size_t i = 1; i < 8; i += 2) {
		assert_string_equal(string_of(lines[i], "rule"), "vigil: enforcement without its rule");
		assert_string_equal(string_of(lines[i], "source"), "internal");
	}
	assert_non_null(strstr(string_of(lines[1], "output"), "the kernel's lsm hook denied exec by pid 61"));
	assert_non_null(strstr(string_of(lines[3], "output"), "tracepoint hook killed exec"));
	/* nothing done: neither key, and nothing to explain */
	assert_null(json_object_get(lines[8], "verdict"));
	assert_null(json_object_get(lines[8], "mechanism"));
	free_lines(lines, n);
}

static void no_match_no_alert(void **state)
{
	struct fixture *f = *state;
	json_t **lines;
	size_t n;

	exec_of(f, "sh");
	lines = event_lines(f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(string_of(lines[0], "type"), "exec");
	free_lines(lines, n);
	lines = alert_lines(f, &n);
	assert_int_equal(n, 0);
	assert_int_equal(f->p.stats.alerts, 0);
	free_lines(lines, n);
}

static void alerts_without_events(void **state)
{
	struct fixture *f = *state;
	json_t **lines;
	size_t n;

	/* `vigil run` without --events: alerts alone, each still carrying its event. */
	fclose(f->p.events_out);
	f->p.events_out = NULL;
	exec_of(f, "vigil-helper");
	lines = alert_lines(f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(string_of(lines[0], "type"), "alert");
	assert_string_equal(string_of(json_object_get(lines[0], "event"), "type"), "exec");
	free_lines(lines, n);
}

static void process_strings_cannot_break_the_line(void **state)
{
	struct fixture *f = *state;
	/* A name that tries a second record, a terminal escape and a byte that is not UTF-8. */
	static const char comm[] = "odd\n{\"x\":1}\x1b\xff";
	json_t **lines;
	const char *output;
	size_t n;

	exec_of(f, comm);
	lines = alert_lines(f, &n);
	assert_int_equal(n, 1); /* alert_lines parsed each line: no forged record */
	assert_string_equal(string_of(lines[0], "rule"), "Odd name runs");
	output = string_of(lines[0], "output");
	assert_memory_equal(output, "odd odd\n{\"x\":1}\x1b", 16);
	assert_string_equal(output + 16, "\xef\xbf\xbd"); /* U+FFFD for 0xff */
	assert_string_equal(string_of(json_object_get(lines[0], "output_fields"), "proc.name"), output + 4);
	free_lines(lines, n);
}

static void container_announcements_go_through_the_rules(void **state)
{
	struct fixture *f = *state;
	struct container_info info;
	char err[256], *answer;
	json_t **events, **alerts, *alert, *container;
	size_t n_events, n_alerts, len;
	FILE *in = fopen("tests/unit/data/inspect/named.json", "re");

	assert_non_null(in);
	answer = malloc(CONTAINER_INFO_MAX_ANSWER);
	assert_non_null(answer);
	len = fread(answer, 1, CONTAINER_INFO_MAX_ANSWER, in);
	fclose(in);
	assert_int_equal(container_info_parse(answer, len, &info, err, sizeof(err)), 0);
	free(answer);

	pipeline_announce_container(&info, "running", &f->p);
	pipeline_announce_container(&info, "start", &f->p);
	events = event_lines(f, &n_events);
	alerts = alert_lines(f, &n_alerts);
	/* Two announcements, and one alert: the rule asks for "start". */
	assert_int_equal(n_events, 2);
	assert_int_equal(n_alerts, 1);
	alert = alerts[0];
	assert_string_equal(string_of(alert, "type"), "alert");
	assert_string_equal(string_of(alert, "rule"), "Container starts");
	assert_string_equal(string_of(alert, "priority"), "Informational");
	assert_string_equal(string_of(alert, "output"), "web-1 started");
	assert_string_equal(string_of(json_object_get(alert, "output_fields"), "container.name"), "web-1");
	assert_true(json_equal(json_object_get(alert, "event"), events[1]));
	assert_string_equal(string_of(events[1], "type"), "container");
	assert_string_equal(string_of(events[1], "action"), "start");
	assert_string_equal(string_of(alert, "time"), string_of(events[1], "time"));
	/* The container in brief, Kubernetes included; a container event has no process. */
	container = json_object_get(alert, "container");
	assert_int_equal(json_object_size(container), 5);
	assert_string_equal(string_of(container, "id"), "b035a701d7ee");
	assert_string_equal(string_of(container, "name"), "web-1");
	assert_string_equal(string_of(container, "image"), "vigil-inspect:1.0");
	assert_string_equal(string_of(container, "pod"), "web-1-abcde");
	assert_string_equal(string_of(container, "namespace"), "prod");
	assert_true(json_is_null(json_object_get(alert, "proc")));
	assert_string_equal(string_of(alert, "hostname"), "testhost");
	free_lines(events, n_events);
	free_lines(alerts, n_alerts);
	container_info_free(&info);
}

/*
 * Records straight from the engine, as the pipeline will make them for the
 * sinks: an exec with the context the test gives it.
 */
struct direct {
	struct fixture *f;
	struct event_context ctx;
	struct rule_event rev;
	struct alert_record *rec;
	size_t matches;
};

static void keep_record(const struct rule_match *match, void *direct)
{
	struct direct *d = direct;
	json_t *event = event_to_json(&d->ctx);

	assert_non_null(event);
	d->rec = alert_record_from_match(d->f->engine, match, event, NULL);
	json_decref(event);
	assert_non_null(d->rec);
	d->matches++;
}

/* A record's JSON, parsed: one line, whatever its strings held. */
static json_t *record_json(const struct alert_record *rec)
{
	json_error_t jerr;
	json_t *record;

	assert_null(memchr(rec->json, '\n', rec->json_len));
	record = json_loadb(rec->json, rec->json_len, 0, &jerr);
	if (!record)
		fail_msg("the record is not JSON (%s): %s", jerr.text, rec->json);
	return record;
}

/* A container the Engine API named: what the tests give, every other string empty. */
static void container_info_of(struct container_info *info, const char *id, char *name, char *image, char *pod,
			      char *ns)
{
	static char empty[] = "";

	*info = (struct container_info){
		.name = name,
		.image = image,
		.image_id = empty,
		.image_repository = empty,
		.image_tag = empty,
		.image_digest = empty,
		.k8s_pod_name = pod,
		.k8s_ns_name = ns,
		.k8s_pod_uid = empty,
		.k8s_container_name = empty,
	};
	snprintf(info->id, sizeof(info->id), "%s", id);
}

/* The one record of an exec of comm/argv in d's context, parsed; the record itself in d->rec. */
static json_t *direct_record(struct direct *d, const char *comm, const char *args, size_t args_len)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	struct event_view ev;
	char err[256];
	size_t len = exec_record(buf, 4242, 4200, comm, "/usr/bin/vigil-helper", args, args_len);

	assert_int_equal(event_decode(buf, len, &ev, err, sizeof(err)), 0);
	d->ctx.ev = &ev;
	d->ctx.boot_to_unix_ns = 2000000000;
	d->rev.type = VIGIL_EVENT_EXEC;
	d->rev.ctx = &d->ctx;
	d->rev.hostname = "node-7";
	assert_int_equal(rule_engine_eval(d->f->engine, &d->rev, keep_record, d), 1);
	assert_int_equal(d->matches, 1);
	assert_int_equal(strlen(d->rec->json), d->rec->json_len);
	return record_json(d->rec);
}

static void container_record_for_the_sinks(void **state)
{
	static char name[] = "web", image[] = "nginx:1.27", pod[] = "", ns[] = "";
	struct container_ref ref = { .runtime = CONTAINER_RUNTIME_DOCKER };
	struct container_info info;
	struct direct d = { .f = *state };
	static const char args[] = "vigil-helper\0-x";
	json_t *record, *container;

	strcpy(ref.id, "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708");
	container_info_of(&info, ref.id, name, image, pod, ns);
	d.ctx.container = &ref;
	d.ctx.container_info = &info;
	record = direct_record(&d, "vigil-helper", args, sizeof(args));
	/* What the sinks read without parsing. */
	assert_string_equal(d.rec->rule, "Helper runs");
	assert_int_equal(d.rec->priority, RULE_PRIORITY_WARNING);
	assert_false(d.rec->internal);
	assert_string_equal(d.rec->container_id, "3f2a1b4c5d6e");
	assert_string_equal(d.rec->container_name, "web");
	assert_string_equal(d.rec->container_image, "nginx:1.27");
	assert_string_equal(d.rec->output, "helper vigil-helper ran in 3f2a1b4c5d6e");
	assert_int_equal(d.rec->time_ns, 2000000000);
	/* And the JSON is the record. */
	assert_string_equal(string_of(record, "output"), d.rec->output);
	assert_string_equal(string_of(record, "hostname"), "node-7");
	assert_string_equal(string_of(record, "time"), "1970-01-01T00:00:02.000000000Z");
	container = json_object_get(record, "container");
	assert_string_equal(string_of(container, "id"), "3f2a1b4c5d6e");
	assert_string_equal(string_of(container, "name"), "web");
	assert_string_equal(string_of(container, "image"), "nginx:1.27");
	/* Not in Kubernetes. */
	assert_true(json_is_null(json_object_get(container, "pod")));
	assert_true(json_is_null(json_object_get(container, "namespace")));
	assert_proc(json_object_get(record, "proc"), 4242, "vigil-helper", "/usr/bin/vigil-helper", "vigil-helper -x");
	assert_string_equal(string_of(json_object_get(record, "event"), "type"), "exec");
	json_decref(record);
	alert_record_unref(d.rec);

	/* A container the Engine API has not named yet: its id, and nulls. */
	d.ctx.container_info = NULL;
	d.matches = 0;
	record = direct_record(&d, "vigil-helper", args, sizeof(args));
	container = json_object_get(record, "container");
	assert_string_equal(string_of(container, "id"), "3f2a1b4c5d6e");
	assert_true(json_is_null(json_object_get(container, "name")));
	assert_true(json_is_null(json_object_get(container, "image")));
	assert_string_equal(d.rec->container_name, "");
	json_decref(record);
	alert_record_unref(d.rec);
}

static void host_record_for_the_sinks(void **state)
{
	struct direct d = { .f = *state };
	static const char args[] = "vigil-helper";
	json_t *record;

	record = direct_record(&d, "vigil-helper", args, sizeof(args));
	assert_string_equal(d.rec->container_id, "");
	assert_string_equal(d.rec->container_name, "");
	assert_string_equal(d.rec->container_image, "");
	assert_true(json_is_null(json_object_get(record, "container")));
	/* argv[0] alone: the name alone. */
	assert_string_equal(string_of(json_object_get(record, "proc"), "cmdline"), "vigil-helper");
	json_decref(record);
	alert_record_unref(d.rec);
}

/* Container names, images and argv that try a second record, a syslog header and a terminal command. */
static void hostile_strings_stay_in_their_field(void **state)
{
	static char name[] = "web\n<13>1 2026-11-24T00:00:00Z host vigil - - - forged\x1b[2J\xc2\x9b" "31m\xe2\x80\xae",
		    image[] = "img\xff\xfe:\"]\\", pod[] = "pod\r\n{\"type\":\"alert\"}", ns[] = "ns%s%n";
	struct container_ref ref = { .runtime = CONTAINER_RUNTIME_DOCKER };
	struct container_info info;
	struct direct d = { .f = *state };
	static const char args[] = "odd\0\n<13>1 forged\0\x1b]0;title\x07\0%n%s";
	json_t *record, *container, *proc;

	strcpy(ref.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	container_info_of(&info, ref.id, name, image, pod, ns);
	d.ctx.container = &ref;
	d.ctx.container_info = &info;
	record = direct_record(&d, "odd\n\x1b[31m", args, sizeof(args));
	assert_string_equal(d.rec->rule, "Odd name runs");
	container = json_object_get(record, "container");
	/* Each string comes back whole from its field: nothing escaped into a neighbour. */
	assert_string_equal(string_of(container, "name"), name);
	assert_string_equal(string_of(container, "image"), "img\xef\xbf\xbd\xef\xbf\xbd:\"]\\");
	assert_string_equal(string_of(container, "pod"), pod);
	assert_string_equal(string_of(container, "namespace"), ns);
	proc = json_object_get(record, "proc");
	assert_string_equal(string_of(proc, "name"), "odd\n\x1b[31m");
	assert_string_equal(string_of(proc, "cmdline"), "odd\n\x1b[31m \n<13>1 forged \x1b]0;title\x07 %n%s");
	/* No control character, C1 (U+009B) or bidi override (U+202E) reaches a file or terminal as itself. */
	for (size_t i = 0; i < d.rec->json_len; i++) {
		unsigned char c = d.rec->json[i];

		if (c < 0x20 || c >= 0x7f)
			fail_msg("byte 0x%02x at %zu of the record", c, i);
	}
	/* The sinks get the raw bytes, to escape their own way (text_escape.h). */
	assert_string_equal(d.rec->container_name, name);
	json_decref(record);
	alert_record_unref(d.rec);
}

/* The limiter's summaries as records, at Unix 5 s, its clock 1 s behind Unix time. */
struct summary_records {
	struct fixture *f;
	struct alert_record *rec[4];
	size_t n;
};

static void summary_to_record(const struct ratelimit_summary *summary, void *records)
{
	struct summary_records *r = records;

	assert_true(r->n < sizeof(r->rec) / sizeof(r->rec[0]));
	r->rec[r->n] = alert_summary_record(r->f->engine, summary, 5000000000, 1000000000, "node-7");
	assert_non_null(r->rec[r->n]);
	r->n++;
}

static void a_burst_is_its_first_alerts_and_one_summary(void **state)
{
	struct ratelimit *rl = ratelimit_new(RATELIMIT_DEFAULT_RATE, RATELIMIT_DEFAULT_BURST,
					     RATELIMIT_DEFAULT_MAX_KEYS);
	struct summary_records r = { .f = *state };
	static const char id[] = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
	unsigned int allowed = 0;
	json_t *record, *suppressed;

	assert_non_null(rl);
	/* 1000 alerts of one rule in one container within a microsecond. */
	for (int64_t i = 0; i < 1000; i++)
		allowed += ratelimit_check(rl, "Helper runs", id, 2000000000 + i) == RATELIMIT_ALLOW;
	assert_int_equal(allowed, RATELIMIT_DEFAULT_BURST);
	assert_int_equal(ratelimit_summaries(rl, 4000000000, summary_to_record, &r), 1);
	assert_string_equal(r.rec[0]->rule, "Helper runs");
	assert_int_equal(r.rec[0]->priority, RULE_PRIORITY_WARNING); /* the rule's */
	assert_false(r.rec[0]->internal);
	assert_string_equal(r.rec[0]->container_id, "3f2a1b4c5d6e");
	assert_int_equal(r.rec[0]->time_ns, 5000000000);
	assert_string_equal(r.rec[0]->output, "rule \"Helper runs\" fired 980 more times in container 3f2a1b4c5d6e "
					      "from 1970-01-01T00:00:03.000000020Z to 1970-01-01T00:00:03.000000999Z "
					      "(rate limit)");
	record = record_json(r.rec[0]);
	assert_string_equal(string_of(record, "type"), "alert");
	assert_string_equal(string_of(record, "time"), "1970-01-01T00:00:05.000000000Z");
	assert_string_equal(string_of(record, "source"), "ratelimit");
	assert_string_equal(string_of(record, "priority"), "Warning");
	assert_string_equal(string_of(record, "output"), r.rec[0]->output);
	assert_int_equal(json_array_size(json_object_get(record, "tags")), 2);
	assert_string_equal(string_of(json_object_get(record, "container"), "id"), "3f2a1b4c5d6e");
	suppressed = json_object_get(record, "suppressed");
	assert_int_equal(json_integer_value(json_object_get(suppressed, "count")), 1000 - allowed);
	assert_string_equal(string_of(suppressed, "first"), "1970-01-01T00:00:03.000000020Z");
	assert_string_equal(string_of(suppressed, "last"), "1970-01-01T00:00:03.000000999Z");
	json_decref(record);
	alert_record_unref(r.rec[0]);
	ratelimit_free(rl);
}

static void summary_of_a_rule_gone_on_the_host(void **state)
{
	struct summary_records r = { .f = *state };
	struct ratelimit_summary summary = {
		.rule = "Removed\nrule", .container_id = "", .suppressed = 7, .first_ns = 0, .last_ns = 1,
	};
	json_t *record;

	summary_to_record(&summary, &r);
	assert_int_equal(r.rec[0]->priority, RULE_PRIORITY_WARNING);
	assert_string_equal(r.rec[0]->container_id, "");
	assert_string_equal(r.rec[0]->output, "rule \"Removed\nrule\" fired 7 more times on the host "
					      "from 1970-01-01T00:00:01.000000000Z to 1970-01-01T00:00:01.000000001Z "
					      "(rate limit)");
	record = record_json(r.rec[0]);
	assert_string_equal(string_of(record, "rule"), "Removed\nrule");
	assert_true(json_is_null(json_object_get(record, "container")));
	assert_int_equal(json_array_size(json_object_get(record, "tags")), 0);
	json_decref(record);
	alert_record_unref(r.rec[0]);
}

static void internal_health_alert(void **state)
{
	struct alert_record *rec;
	json_t *record, *tags;

	(void)state;
	rec = alert_internal_record(3000000001, RULE_PRIORITY_CRITICAL, "vigil: events lost",
				    "the kernel dropped 12 events\n(ring buffer full)", "node-7");
	assert_non_null(rec);
	assert_true(rec->internal);
	assert_string_equal(rec->rule, "vigil: events lost");
	assert_int_equal(rec->priority, RULE_PRIORITY_CRITICAL);
	assert_int_equal(rec->time_ns, 3000000001);
	assert_string_equal(rec->container_id, "");
	assert_string_equal(rec->output, "the kernel dropped 12 events\n(ring buffer full)");
	record = record_json(rec);
	assert_string_equal(string_of(record, "type"), "alert");
	assert_string_equal(string_of(record, "time"), "1970-01-01T00:00:03.000000001Z");
	assert_string_equal(string_of(record, "hostname"), "node-7");
	assert_string_equal(string_of(record, "rule"), "vigil: events lost");
	assert_string_equal(string_of(record, "priority"), "Critical");
	assert_string_equal(string_of(record, "output"), rec->output);
	assert_string_equal(string_of(record, "source"), "internal");
	tags = json_object_get(record, "tags");
	assert_int_equal(json_array_size(tags), 2);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "vigil");
	assert_string_equal(json_string_value(json_array_get(tags, 1)), "health");
	assert_true(json_is_null(json_object_get(record, "container")));
	assert_true(json_is_null(json_object_get(record, "proc")));
	assert_int_equal(json_object_size(json_object_get(record, "output_fields")), 0);
	assert_null(json_object_get(record, "event"));
	json_decref(record);
	alert_record_unref(rec);
}

/* An event line that cannot be written is counted, and its alert still goes out. */
static void write_failures_are_counted(void **state)
{
	struct fixture *f = *state;
	FILE *closed = fopen("/dev/null", "re");
	json_t **lines;
	size_t n;

	assert_non_null(closed);
	fclose(f->p.events_out);
	f->p.events_out = closed; /* opened for reading: every write fails */
	exec_of(f, "vigil-helper");
	assert_int_equal(f->p.stats.write_errors, 1);
	assert_int_equal(f->p.stats.written, 0);
	assert_int_equal(f->p.stats.alerts, 1);
	lines = alert_lines(f, &n);
	assert_int_equal(n, 1);
	free_lines(lines, n);
}

static void action_names(void **state)
{
	(void)state;
	assert_string_equal(alert_action_name(RULE_ACTION_ALERT), "alert");
	assert_string_equal(alert_action_name(RULE_ACTION_DENY), "deny");
	assert_string_equal(alert_action_name(RULE_ACTION_KILL), "kill");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(alert_has_the_promised_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(ancestry_is_the_chain_of_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(other_events_name_the_process_from_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(verdicts, setup, teardown),
		cmocka_unit_test_setup_teardown(no_match_no_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(alerts_without_events, setup, teardown),
		cmocka_unit_test_setup_teardown(process_strings_cannot_break_the_line, setup, teardown),
		cmocka_unit_test_setup_teardown(container_announcements_go_through_the_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(container_record_for_the_sinks, setup, teardown),
		cmocka_unit_test_setup_teardown(host_record_for_the_sinks, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_strings_stay_in_their_field, setup, teardown),
		cmocka_unit_test(internal_health_alert),
		cmocka_unit_test_setup_teardown(a_burst_is_its_first_alerts_and_one_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(summary_of_a_rule_gone_on_the_host, setup, teardown),
		cmocka_unit_test_setup_teardown(write_failures_are_counted, setup, teardown),
		cmocka_unit_test(action_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
