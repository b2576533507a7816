// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sink_internal.h"

/* ---- helpers ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls cond for up to 10 s: the sink threads work on their own time. */
#define wait_until(cond)                                                                                      \
	({                                                                                                    \
		int64_t deadline_ = now_ms() + 10000;                                                         \
		while (!(cond) && now_ms() < deadline_)                                                       \
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);                            \
		(cond);                                                                                       \
	})

static struct sink_stats stats_of(struct sinks *sinks, size_t index)
{
	struct sink_stats st;

	sinks_stats(sinks, index, &st);
	return st;
}

/* A record whose rule is "r<n>", output "out <n>", json {"n":<n>}. */
static struct alert_record *record(int n, enum rule_priority priority)
{
	char rule[32], output[32], json[32];
	struct alert_record *rec;

	snprintf(rule, sizeof(rule), "r%d", n);
	snprintf(output, sizeof(output), "out %d", n);
	snprintf(json, sizeof(json), "{\"n\":%d}", n);
	rec = alert_record_new(1000000000LL * 1700000000 + n, priority, false, rule, "3f2a9c", "web", "nginx",
			       output, json, strlen(json));
	assert_non_null(rec);
	return rec;
}

static void submit(struct sinks *sinks, int n, enum rule_priority priority)
{
	struct alert_record *rec = record(n, priority);

	sinks_submit(sinks, rec);
	alert_record_unref(rec);
}

/* ---- a fake kind: fails as told, records what it wrote ---- */

struct fake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int open_failures;    /* the next opens that fail */
	int write_failures;   /* the next writes that fail */
	bool block;           /* write waits until cleared */
	bool blocked;         /* a write is waiting */
	int opens, closes;
	int written[4096];    /* the n of each record written, in order */
	int n_written;
};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	return f;
}

static int fake_open(struct sink *s)
{
	struct fake *f = s->priv;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	f->opens++;
	if (f->open_failures > 0) {
		f->open_failures--;
		err = -ECONNREFUSED;
	}
	pthread_mutex_unlock(&f->lock);
	return err;
}

static int fake_write(struct sink *s, const struct alert_record *rec)
{
	struct fake *f = s->priv;
	int err = 0;

	pthread_mutex_lock(&f->lock);
	f->blocked = true;
	pthread_cond_broadcast(&f->cond);
	while (f->block)
		pthread_cond_wait(&f->cond, &f->lock);
	f->blocked = false;
	if (f->write_failures > 0) {
		f->write_failures--;
		err = -EPIPE;
	} else {
		f->written[f->n_written++] = atoi(rec->rule + 1);
	}
	pthread_mutex_unlock(&f->lock);
	return err;
}

static void fake_close(struct sink *s)
{
	struct fake *f = s->priv;

	pthread_mutex_lock(&f->lock);
	f->closes++;
	pthread_mutex_unlock(&f->lock);
}

static void fake_free(struct sink *s)
{
	struct fake *f = s->priv;

	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct sink_ops fake_ops = {
	.kind = "fake",
	.open = fake_open,
	.write = fake_write,
	.close = fake_close,
	.free = fake_free,
};

static int fake_count(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	int n = f->n_written;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Back-off observed, not slept: each wait a down sink asked for. */
static unsigned int backoff_delays[64];
static size_t n_backoff_delays;

static void backoff_record(struct sink *s, unsigned int delay_ms)
{
	(void)s;
	if (n_backoff_delays < sizeof(backoff_delays) / sizeof(backoff_delays[0]))
		backoff_delays[n_backoff_delays++] = delay_ms;
}

static struct sinks *fake_sinks(struct fake *f, enum rule_priority min_priority, size_t queue_max)
{
	struct sinks *sinks = sinks_new();

	assert_non_null(sinks);
	n_backoff_delays = 0;
	sinks_set_backoff_wait(sinks, backoff_record);
	assert_int_equal(sinks_add_sink(sinks, "fake", &fake_ops, f, min_priority, queue_max), 0);
	return sinks;
}

/* ---- the queue ---- */

static void test_records_are_written_in_submission_order(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = fake_sinks(f, RULE_PRIORITY_DEBUG, 100);
	static const enum rule_priority priorities[] = { RULE_PRIORITY_DEBUG, RULE_PRIORITY_EMERGENCY,
							 RULE_PRIORITY_WARNING, RULE_PRIORITY_DEBUG,
							 RULE_PRIORITY_NOTICE };

	/* Half before the thread runs, half after. */
	for (int i = 0; i < 50; i++)
		submit(sinks, i, priorities[i % 5]);
	assert_int_equal(sinks_start(sinks), 0);
	for (int i = 50; i < 100; i++)
		submit(sinks, i, priorities[i % 5]);
	assert_true(wait_until(fake_count(f) == 100));
	for (int i = 0; i < 100; i++)
		assert_int_equal(f->written[i], i);
	struct sink_stats st = stats_of(sinks, 0);
	assert_int_equal(st.written, 100);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	assert_true(st.up);
	sinks_free(sinks);
}

static void test_overflow_drops_oldest_of_lowest_priority(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = fake_sinks(f, RULE_PRIORITY_DEBUG, 4);

	/* Not started: nothing drains. */
	submit(sinks, 1, RULE_PRIORITY_WARNING);
	submit(sinks, 2, RULE_PRIORITY_DEBUG);
	submit(sinks, 3, RULE_PRIORITY_WARNING);
	submit(sinks, 4, RULE_PRIORITY_DEBUG);
	assert_int_equal(stats_of(sinks, 0).dropped, 0);
	submit(sinks, 5, RULE_PRIORITY_ERROR);         /* 2 goes: the oldest Debug */
	submit(sinks, 6, RULE_PRIORITY_DEBUG);         /* 4 goes: older than 6 */
	submit(sinks, 7, RULE_PRIORITY_NOTICE);        /* 6 goes: Debug before Notice */
	submit(sinks, 8, RULE_PRIORITY_DEBUG);         /* 8 itself goes: the lowest of all */
	submit(sinks, 9, RULE_PRIORITY_CRITICAL);      /* 7 goes: now the lowest */
	struct sink_stats st = stats_of(sinks, 0);
	assert_int_equal(st.dropped, 5);
	assert_int_equal(st.queued, 4);

	assert_int_equal(sinks_start(sinks), 0);
	assert_true(wait_until(fake_count(f) == 4));
	sinks_stop(sinks, 5000);
	assert_int_equal(f->n_written, 4);
	assert_int_equal(f->written[0], 1);
	assert_int_equal(f->written[1], 3);
	assert_int_equal(f->written[2], 5);
	assert_int_equal(f->written[3], 9);
	sinks_free(sinks);
}

static void test_record_being_written_is_never_dropped(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = fake_sinks(f, RULE_PRIORITY_DEBUG, 2);

	f->block = true;
	assert_int_equal(sinks_start(sinks), 0);
	submit(sinks, 1, RULE_PRIORITY_DEBUG);
	pthread_mutex_lock(&f->lock);
	while (!f->blocked)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
	/* 1 is in flight and still queued: 2 then 3 fill and overflow the queue. */
	submit(sinks, 2, RULE_PRIORITY_DEBUG);
	submit(sinks, 3, RULE_PRIORITY_DEBUG); /* 2 goes, not 1 */
	submit(sinks, 4, RULE_PRIORITY_INFORMATIONAL); /* 3 goes */
	submit(sinks, 5, RULE_PRIORITY_DEBUG); /* 5 itself goes: 1 stays */
	assert_int_equal(stats_of(sinks, 0).dropped, 3);
	pthread_mutex_lock(&f->lock);
	f->block = false;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	assert_true(wait_until(fake_count(f) == 2));
	sinks_stop(sinks, 5000);
	assert_int_equal(f->n_written, 2);
	assert_int_equal(f->written[0], 1);
	assert_int_equal(f->written[1], 4);
	sinks_free(sinks);
}

static void test_min_priority_filters_and_counts(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = fake_sinks(f, RULE_PRIORITY_WARNING, 100);

	assert_int_equal(sinks_start(sinks), 0);
	submit(sinks, 1, RULE_PRIORITY_DEBUG);
	submit(sinks, 2, RULE_PRIORITY_ERROR);
	submit(sinks, 3, RULE_PRIORITY_WARNING);
	submit(sinks, 4, RULE_PRIORITY_NOTICE);
	submit(sinks, 5, RULE_PRIORITY_EMERGENCY);
	sinks_stop(sinks, 5000);
	struct sink_stats st = stats_of(sinks, 0);
	assert_int_equal(st.filtered, 2);
	assert_int_equal(st.written, 3);
	assert_int_equal(f->n_written, 3);
	assert_int_equal(f->written[0], 2);
	assert_int_equal(f->written[1], 3);
	assert_int_equal(f->written[2], 5);
	sinks_free(sinks);
}

/* ---- a sink that is down ---- */

static void test_down_sink_keeps_records_and_backs_off(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = fake_sinks(f, RULE_PRIORITY_DEBUG, 100);
	static const unsigned int expected[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };

	/* Down from the start: nine opens fail, then it is up. */
	f->open_failures = 9;
	for (int i = 0; i < 20; i++)
		submit(sinks, i, RULE_PRIORITY_WARNING);
	assert_int_equal(sinks_start(sinks), 0);
	assert_true(wait_until(fake_count(f) == 20));
	pthread_mutex_lock(&f->lock);
	/* Then it goes down while writing: three writes fail (the record stays), and back-off starts again. */
	f->write_failures = 3;
	pthread_mutex_unlock(&f->lock);
	for (int i = 20; i < 40; i++)
		submit(sinks, i, RULE_PRIORITY_WARNING);
	assert_true(wait_until(fake_count(f) == 40));
	sinks_stop(sinks, 5000);

	/* Every record once, in order. */
	assert_int_equal(f->n_written, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(f->written[i], i);
	struct sink_stats st = stats_of(sinks, 0);
	assert_int_equal(st.written, 40);
	assert_int_equal(st.failures, 12);
	assert_int_equal(st.dropped, 0);
	/* 100 ms doubling to 5 s, and again from 100 ms after a write went through. */
	assert_int_equal(n_backoff_delays, 12);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(backoff_delays[i], expected[i]);
	assert_int_equal(backoff_delays[9], 100);
	assert_int_equal(backoff_delays[10], 200);
	assert_int_equal(backoff_delays[11], 400);
	/* 10 opens for the first outage, 3 more after each failed write; each failed write closed. */
	assert_int_equal(f->opens, 13);
	assert_int_equal(f->closes, 3 + 1);
	sinks_free(sinks);
}

static void test_stop_drains_the_queue(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = fake_sinks(f, RULE_PRIORITY_DEBUG, 4096);

	for (int i = 0; i < 4000; i++)
		submit(sinks, i, RULE_PRIORITY_NOTICE);
	assert_int_equal(sinks_start(sinks), 0);
	sinks_stop(sinks, 10000);
	assert_int_equal(f->n_written, 4000);
	assert_int_equal(f->written[3999], 3999);
	assert_int_equal(f->closes, 1);
	struct sink_stats st = stats_of(sinks, 0);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.dropped, 0);
	/* After stop, a record is dropped and counted, not queued forever. */
	submit(sinks, 4000, RULE_PRIORITY_NOTICE);
	assert_int_equal(stats_of(sinks, 0).dropped, 1);
	sinks_free(sinks);
}

static void test_stop_gives_up_on_a_down_sink_after_the_timeout(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct sinks *sinks = sinks_new();
	int64_t started;

	/* The real back-off wait: cut short by the stop deadline. */
	f->open_failures = INT_MAX;
	assert_int_equal(sinks_add_sink(sinks, "fake", &fake_ops, f, RULE_PRIORITY_DEBUG, 10), 0);
	for (int i = 0; i < 5; i++)
		submit(sinks, i, RULE_PRIORITY_NOTICE);
	assert_int_equal(sinks_start(sinks), 0);
	assert_true(wait_until(stats_of(sinks, 0).failures >= 1));
	started = now_ms();
	sinks_stop(sinks, 200);
	assert_true(now_ms() - started < 3000);
	assert_int_equal(f->n_written, 0);
	struct sink_stats st = stats_of(sinks, 0);
	assert_int_equal(st.dropped, 5);
	assert_int_equal(st.queued, 0);
	assert_false(st.up);
	sinks_free(sinks);
}

/* ---- specs ---- */

static void expect_spec_error(const char *spec, const char *message)
{
	struct sinks *sinks = sinks_new();
	char err[256] = "";

	assert_non_null(sinks);
	assert_int_equal(sinks_add_spec(sinks, spec, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, message);
	assert_int_equal(sinks_count(sinks), 0);
	sinks_free(sinks);
}

static void test_spec_errors_say_what_is_wrong(void **state)
{
	(void)state;
	expect_spec_error("bogus:x", "unknown output kind \"bogus\" (stdout, file, syslog, syslog-udp, syslog-tcp)");
	expect_spec_error("", "unknown output kind \"\" (stdout, file, syslog, syslog-udp, syslog-tcp)");
	expect_spec_error("stdout,min-priority=loud",
			  "bad priority \"loud\" in min-priority (emergency, alert, critical, error, warning, notice, "
			  "informational, debug)");
	expect_spec_error("file:/tmp/x,queue=0", "bad queue size \"0\" (a number of alerts from 1 to 1000000)");
	expect_spec_error("stdout,queue=12x", "bad queue size \"12x\" (a number of alerts from 1 to 1000000)");
	expect_spec_error("stdout,queue=99999999999999999999999",
			  "bad queue size \"99999999999999999999999\" (a number of alerts from 1 to 1000000)");
	expect_spec_error("file", "a file output needs a path (file:PATH)");
	expect_spec_error("file:,queue=5", "a file output needs a path (file:PATH)");
	expect_spec_error("syslog-udp://:514", "a syslog-udp output needs a host (syslog-udp://HOST:PORT)");
	expect_spec_error("syslog-udp", "a syslog-udp output needs a host (syslog-udp://HOST:PORT)");
	expect_spec_error("syslog-tcp://collector", "a syslog-tcp output needs a port (syslog-tcp://HOST:PORT)");
	expect_spec_error("syslog-tcp://collector:", "a syslog-tcp output needs a port (syslog-tcp://HOST:PORT)");
	expect_spec_error("syslog-tcp://[::1]", "a syslog-tcp output needs a port (syslog-tcp://HOST:PORT)");
	expect_spec_error("syslog-tcp://::1:514", "a syslog-tcp output's IPv6 address is written [ADDRESS]:PORT");
	expect_spec_error("syslog-udp:collector:514", "a syslog-udp output is written syslog-udp://HOST:PORT");
	expect_spec_error("syslog-udp://collector:70000", "bad port \"70000\" (1 to 65535)");
	expect_spec_error("stdout:xml", "stdout is written stdout:json or stdout:text, not stdout:xml");
	expect_spec_error("stdout,facility=local0", "unknown option \"facility\" for a stdout output");
	expect_spec_error("syslog,app-name=x", "unknown option \"app-name\" for a syslog output");
	expect_spec_error("stdout,queue", "option \"queue\" is not KEY=VALUE");
	expect_spec_error("stdout,", "option \"\" is not KEY=VALUE");
	expect_spec_error("syslog:local9",
			  "unknown syslog facility \"local9\" (user, daemon, auth, authpriv, local0 ... local7, ...)");
	expect_spec_error("syslog:local1,facility=local2", "a syslog output's facility is given twice");
	expect_spec_error("syslog,ident=has space", "ident \"has space\" is not 1 to 48 printable ASCII characters "
			  "without spaces");
}

static void test_good_specs_add_sinks(void **state)
{
	(void)state;
	struct sinks *sinks = sinks_new();
	char err[256] = "";
	static const char *const specs[] = {
		"stdout",
		"stdout:text,min-priority=warning,queue=5",
		"file:/tmp/vigil-test-sink-unused.json,min-priority=Info",
		"syslog:local3,ident=vigil-test",
		"syslog-udp://127.0.0.1:514,facility=local0,app-name=vigil-test",
		"syslog-tcp://[::1]:6514,min-priority=error,queue=1",
		"syslog-tcp://collector.example:syslog",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_int_equal(sinks_add_spec(sinks, specs[i], err, sizeof(err)), 0);
		assert_string_equal(sinks_name(sinks, i), specs[i]);
	}
	assert_int_equal(sinks_count(sinks), 7);
	/* syslog(3) has one ident per process: one syslog output. */
	assert_int_equal(sinks_add_spec(sinks, "syslog", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "only one syslog output: syslog(3) has one ident and facility per process");
	assert_int_equal(sinks_count(sinks), 7);
	sinks_free(sinks);
}

/* ---- the local kinds ---- */

/* A fresh directory under /tmp for one test. */
static void temp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/vigil-test-sink.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "r");
	char *text = calloc(1, 65536);
	size_t len;

	assert_non_null(file);
	assert_non_null(text);
	len = fread(text, 1, 65535, file);
	text[len] = '\0';
	fclose(file);
	return text;
}

/* Whether this process holds a descriptor on path. */
static bool fd_open_on(const char *path)
{
	char link[64], target[PATH_MAX];

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, path))
			return true;
	}
	return false;
}

static void test_file_sink_appends_and_reopens_after_rename(void **state)
{
	(void)state;
	struct sinks *sinks = sinks_new();
	char dir[64], path[128], rotated[128], spec[160], err[256];
	struct stat st;
	mode_t umask_before = umask(022);
	char *text;

	temp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	snprintf(rotated, sizeof(rotated), "%s/alerts.json.1", dir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	/* A line already there stays: appended, not truncated. */
	FILE *old = fopen(path, "w");
	assert_non_null(old);
	fputs("{\"n\":0}\n", old);
	fclose(old);

	assert_int_equal(sinks_add_spec(sinks, spec, err, sizeof(err)), 0);
	assert_int_equal(sinks_start(sinks), 0);
	submit(sinks, 1, RULE_PRIORITY_WARNING);
	submit(sinks, 2, RULE_PRIORITY_WARNING);
	assert_true(wait_until(stats_of(sinks, 0).written == 2));

	/* logrotate: rename, then SIGHUP. */
	assert_int_equal(rename(path, rotated), 0);
	sinks_reopen(sinks);
	submit(sinks, 3, RULE_PRIORITY_WARNING);
	assert_true(wait_until(stats_of(sinks, 0).written == 3));
	assert_false(fd_open_on(rotated));
	assert_true(fd_open_on(path));
	sinks_stop(sinks, 5000);
	assert_false(fd_open_on(path));

	text = read_file(rotated);
	assert_string_equal(text, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
	free(text);
	text = read_file(path);
	assert_string_equal(text, "{\"n\":3}\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	umask(umask_before);
	sinks_free(sinks);
	unlink(path);
	unlink(rotated);
	rmdir(dir);
}

static void test_file_sink_down_until_its_directory_exists(void **state)
{
	(void)state;
	struct sinks *sinks = sinks_new();
	char dir[64], sub[96], path[128], spec[160], err[256];
	char *text;

	temp_dir(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/later", dir);
	snprintf(path, sizeof(path), "%s/alerts.json", sub);
	snprintf(spec, sizeof(spec), "file:%s", path);
	assert_int_equal(sinks_add_spec(sinks, spec, err, sizeof(err)), 0);
	sinks_set_backoff_wait(sinks, backoff_record);
	n_backoff_delays = 0;
	assert_int_equal(sinks_start(sinks), 0);
	submit(sinks, 7, RULE_PRIORITY_WARNING);
	assert_true(wait_until(stats_of(sinks, 0).failures >= 3));
	assert_false(stats_of(sinks, 0).up);
	assert_int_equal(stats_of(sinks, 0).queued, 1);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_true(wait_until(stats_of(sinks, 0).written == 1));
	sinks_stop(sinks, 5000);
	text = read_file(path);
	assert_string_equal(text, "{\"n\":7}\n");
	free(text);
	sinks_free(sinks);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* Runs one stdout sink over the records, with fd 1 sent to a file; returns what it printed. */
static char *stdout_sink_output(const char *spec, struct alert_record **recs, size_t n)
{
	struct sinks *sinks = sinks_new();
	char dir[64], path[128], err[256];
	int saved, fd;
	char *text;

	temp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/stdout", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 1), 1);
	close(fd);

	assert_int_equal(sinks_add_spec(sinks, spec, err, sizeof(err)), 0);
	assert_int_equal(sinks_start(sinks), 0);
	for (size_t i = 0; i < n; i++)
		sinks_submit(sinks, recs[i]);
	sinks_stop(sinks, 5000);
	struct sink_stats st = stats_of(sinks, 0);
	sinks_free(sinks);

	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(st.written, n);
	text = read_file(path);
	unlink(path);
	rmdir(dir);
	return text;
}

static void test_stdout_json_line_is_the_records_json(void **state)
{
	(void)state;
	static const char json[] = "{\"type\":\"alert\",\"rule\":\"x\\ny\",\"output\":\"a\\u001b[31mb\"}";
	struct alert_record *rec = alert_record_new(0, RULE_PRIORITY_WARNING, false, "x\ny", "", "", "",
						    "a\x1b[31mb", json, strlen(json));
	char *text;

	assert_non_null(rec);
	text = stdout_sink_output("stdout", &rec, 1);
	assert_string_equal(text, "{\"type\":\"alert\",\"rule\":\"x\\ny\",\"output\":\"a\\u001b[31mb\"}\n");
	free(text);
	alert_record_unref(rec);
}

static void test_stdout_text_line_escapes_every_untrusted_part(void **state)
{
	(void)state;
	struct alert_record *recs[2];
	char *text;

	/* 2026-11-24T09:52:28.240975324Z */
	recs[0] = alert_record_new(1795513948240975324LL, RULE_PRIORITY_CRITICAL, false, "Shell\r\nin container",
				   "3f2a\x1b[2J", "web\n<13>1 - forged", "nginx",
				   "sh -c 'x\n<13>1 2026-11-24T00:00:00Z host forged - - - owned' %s\x1b[31m\xc0\xaf",
				   "{}", 2);
	recs[1] = alert_record_new(1795513948000000000LL, RULE_PRIORITY_NOTICE, true, "Sink dropping", "", "", "",
				   "output file:/x dropped 5 alerts", "{}", 2);
	assert_non_null(recs[0]);
	assert_non_null(recs[1]);
	text = stdout_sink_output("stdout:text", recs, 2);
	assert_string_equal(text,
			    "2026-11-24T09:52:28.240975324Z Critical Shell\\r\\nin container: sh -c 'x\\n<13>1 "
			    "2026-11-24T00:00:00Z host forged - - - owned' %s\\x1b[31m\\xc0\\xaf "
			    "(container web\\n<13>1 - forged 3f2a\\x1b[2J)\n"
			    "2026-11-24T09:52:28.000000000Z Notice Sink dropping: output file:/x dropped 5 alerts "
			    "(host)\n");
	free(text);
	alert_record_unref(recs[0]);
	alert_record_unref(recs[1]);
}

/*
 * In a child with a mount namespace of its own and a tmpfs on /dev: /dev/log
 * is this test's socket, whatever the machine runs. The child cannot use
 * cmocka's asserts (a failure would go on with the other tests in the
 * child): it exits with the number of the check that failed.
 */
static int syslog_child(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	struct sinks *sinks;
	struct alert_record *rec;
	char err[256], message[4096], expected[512];
	ssize_t n;
	int sock;

	if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("vigil-test", "/dev", "tmpfs", 0, NULL))
		return 1;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)))
		return 2;
	sinks = sinks_new();
	if (!sinks || sinks_add_spec(sinks, "syslog:local3,ident=vigil-test", err, sizeof(err)) || sinks_start(sinks))
		return 3;
	/* A format in the output would crash syslog(3) if it were the format. */
	rec = alert_record_new(0, RULE_PRIORITY_CRITICAL, false, "Shell\r\nin", "3f2a", "web", "nginx",
			       "x\n<13>1 - forged %s%n%s\x1b[31m", "{}", 2);
	if (!rec)
		return 4;
	sinks_submit(sinks, rec);
	alert_record_unref(rec);
	n = recv(sock, message, sizeof(message) - 1, 0);
	sinks_stop(sinks, 5000);
	sinks_free(sinks);
	if (n <= 0)
		return 5;
	message[n] = '\0';
	fprintf(stderr, "syslog got: %s\n", message);
	/* <PRI> is local3 (19) * 8 + crit (2). */
	if (strncmp(message, "<154>", 5))
		return 6;
	snprintf(expected, sizeof(expected),
		 "vigil-test[%d]: Critical Shell\\r\\nin: x\\n<13>1 - forged %%s%%n%%s\\x1b[31m "
		 "(container web 3f2a)", (int)getpid());
	if (!strstr(message, expected) || strcmp(strstr(message, expected), expected))
		return 7;
	return 0;
}

static void test_syslog_sink_sends_the_escaped_line_with_facility_and_level(void **state)
{
	(void)state;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(syslog_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_records_are_counted_references(void **state)
{
	(void)state;
	struct alert_record *rec = record(1, RULE_PRIORITY_WARNING);

	assert_ptr_equal(alert_record_ref(rec), rec);
	assert_int_equal(rec->refs, 2);
	alert_record_unref(rec);
	assert_int_equal(rec->refs, 1);
	assert_string_equal(rec->json, "{\"n\":1}");
	assert_int_equal(rec->json_len, 7);
	assert_string_equal(rec->container_image, "nginx");
	alert_record_unref(rec); /* ASan: freed once, nothing leaked */
	alert_record_unref(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_are_counted_references),
		cmocka_unit_test(test_records_are_written_in_submission_order),
		cmocka_unit_test(test_overflow_drops_oldest_of_lowest_priority),
		cmocka_unit_test(test_record_being_written_is_never_dropped),
		cmocka_unit_test(test_min_priority_filters_and_counts),
		cmocka_unit_test(test_down_sink_keeps_records_and_backs_off),
		cmocka_unit_test(test_stop_drains_the_queue),
		cmocka_unit_test(test_stop_gives_up_on_a_down_sink_after_the_timeout),
		cmocka_unit_test(test_spec_errors_say_what_is_wrong),
		cmocka_unit_test(test_good_specs_add_sinks),
		cmocka_unit_test(test_file_sink_appends_and_reopens_after_rename),
		cmocka_unit_test(test_file_sink_down_until_its_directory_exists),
		cmocka_unit_test(test_stdout_json_line_is_the_records_json),
		cmocka_unit_test(test_stdout_text_line_escapes_every_untrusted_part),
		cmocka_unit_test(test_syslog_sink_sends_the_escaped_line_with_facility_and_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
