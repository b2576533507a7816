// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * State records: parts that read the host (a fake /proc, the real cgroup2
 * tree, Engine API answers recorded from a real daemon, a container's
 * /etc/passwd and the hosts file) tell what they read; those records, put
 * back into replay parts that read nothing, make them answer exactly as the
 * live parts did, step by step. Keyframes carry the whole state. Bad bodies
 * are errors with a sentence that change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "capture_state.h"
#include "event_builder.h"
#include "log.h"
#include "pipeline.h"

#define DATA_DIR "tests/unit/data/inspect/"
#define ID_A "9020403cde524cd99654fc44cca8e100fea5e87a01f746eb32cc75f673772079" /* plain.json */
#define ID_B "5f2d8c1e7a9b4036c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e" /* podman.json */
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define ID_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

static char procfs[] = "/tmp/vigil-test-capture-state.XXXXXX";

/* ---- records, as emitted ---- */

struct records {
	struct capture_record *v;
	size_t n, cap;
};

static void collect(const struct capture_record *rec, void *ctx)
{
	struct records *r = ctx;
	void *copy = malloc(rec->len + 1);

	assert_non_null(copy);
	memcpy(copy, rec->data, rec->len);
	((char *)copy)[rec->len] = '\0';
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	r->v[r->n] = *rec;
	r->v[r->n++].data = copy;
}

static void records_free(struct records *r)
{
	for (size_t i = 0; i < r->n; i++)
		free((void *)r->v[i].data);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static size_t count_kind(const struct records *r, uint16_t kind)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].kind == kind;
	return n;
}

/* Apply records [from, r->n) to parts: every one must apply. */
static void apply_from(const struct capture_state_parts *parts, const struct records *r, size_t from)
{
	char err[512];

	for (size_t i = from; i < r->n; i++)
		if (capture_state_apply(parts, &r->v[i], err, sizeof(err)))
			fail_msg("record %zu (kind %u, %.*s): %s", i, r->v[i].kind, (int)r->v[i].len,
				 (const char *)r->v[i].data, err);
}

static int64_t wall_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* ---- a fake /proc ---- */

static void write_file(const char *path, const char *content, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* A /proc/<pid> with stat, cmdline, exe and cwd links, as the kernel lays them out. */
static void fake_process(unsigned pid, unsigned ppid, const char *comm, const char *exe, const char *cmdline,
			 size_t cmdline_len, const char *cwd, unsigned long long start_time, unsigned tty)
{
	char dir[256], path[512], stat[512];

	snprintf(dir, sizeof(dir), "%s/%u", procfs, pid);
	mkdir(dir, 0755);
	snprintf(stat, sizeof(stat), "%u (%s) S %u 1 1 %u -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0", pid, comm,
		 ppid, tty, start_time);
	snprintf(path, sizeof(path), "%s/stat", dir);
	write_text(path, stat);
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	write_file(path, cmdline, cmdline_len);
	snprintf(path, sizeof(path), "%s/exe", dir);
	unlink(path);
	assert_int_equal(symlink(exe, path), 0);
	snprintf(path, sizeof(path), "%s/cwd", dir);
	unlink(path);
	assert_int_equal(symlink(cwd, path), 0);
}

static void remove_tree(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(procfs) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", procfs);
	return system(cmd);
}

/* A fresh, empty fake /proc for one test. */
static void fresh_procfs(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", procfs);
	assert_int_equal(system(cmd), 0);
}

/* ---- processes ---- */

static void assert_process_equal(const struct process *a, const struct process *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->tgid, b->tgid);
	assert_int_equal(a->ppid, b->ppid);
	assert_int_equal(a->vpid, b->vpid);
	assert_true(a->cgroup_id == b->cgroup_id);
	assert_memory_equal(a->comm, b->comm, strlen(a->comm) + 1);
	assert_string_equal(a->exe, b->exe);
	assert_int_equal(a->args_len, b->args_len);
	assert_int_equal(a->args == NULL, b->args == NULL);
	if (a->args_len)
		assert_memory_equal(a->args, b->args, a->args_len);
	assert_string_equal(a->cwd, b->cwd);
	assert_true(a->start_ns == b->start_ns);
	assert_int_equal(a->tty, b->tty);
	assert_int_equal(a->exe_flags, b->exe_flags);
	assert_true(a->exe_ino == b->exe_ino);
	assert_int_equal(a->from_procfs, b->from_procfs);
	assert_true(a->start_time == b->start_time);
}

struct table_pair {
	struct proc_table *other;
	size_t compared;
};

static int compare_entry(const struct process *proc, void *ctx)
{
	struct table_pair *pair = ctx;

	assert_process_equal(proc, proc_table_get(pair->other, proc->tgid));
	pair->compared++;
	return 0;
}

/* Same entries, field by field, and the same ancestors for each. */
static void assert_tables_equal(struct proc_table *a, struct proc_table *b)
{
	struct table_pair pair = { .other = b };

	assert_int_equal(proc_table_size(a), proc_table_size(b));
	proc_table_foreach(a, compare_entry, &pair);
	assert_int_equal(pair.compared, proc_table_size(a));
}

static void assert_same_ancestors(struct proc_table *a, struct proc_table *b, uint32_t tgid)
{
	const struct process *x[8], *y[8];
	size_t n = proc_table_ancestors(a, tgid, x, 8);

	assert_int_equal(proc_table_ancestors(b, tgid, y, 8), n);
	for (size_t i = 0; i < n; i++)
		assert_process_equal(x[i], y[i]);
}

/*
 * Seed, on-demand fills and sweeps of a table on a fake /proc, with bytes
 * that are not UTF-8 in names, paths and arguments, replayed step by step into
 * a table that never reads /proc.
 */
static void processes_replay_as_read(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	struct proc_table *live, *replay;
	struct capture_state_parts live_parts = { 0 }, replay_parts = { 0 };
	struct records recs = { 0 };
	int64_t before = wall_ns();
	char path[512];
	size_t mark;

	(void)state;
	fresh_procfs();
	fake_process(1, 0, "init", "/sbin/init", "/sbin/init\0", 11, "/", 10, 0);
	/* comm with a space and ')'; args with an empty argument and bytes that are not UTF-8 */
	fake_process(50, 1, "shim) x", "/usr/bin/containerd-shim", "shim\0\0-id\0\xc3(\xff", 13, "/srv", 20, 0);
	fake_process(70, 50, "\xff\xfe", "/opt/\xff\xfe/bin", "x\0", 2, "/tmp/\xc3\x28", 30, 34816);
	fake_process(80, 50, "memfd", "/memfd:x (deleted)", "", 0, "/", 40, 0);

	live = proc_table_new(procfs);
	replay = proc_table_new(NULL);
	assert_non_null(live);
	assert_non_null(replay);
	live_parts.procs = live;
	replay_parts.procs = replay;
	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);

	assert_int_equal(proc_table_seed(live), 4);
	assert_int_equal(count_kind(&recs, CAPTURE_PROCESS), 4);
	apply_from(&replay_parts, &recs, 0);
	assert_tables_equal(live, replay);
	assert_same_ancestors(live, replay, 80);

	/* A process started after the seed, read when an event first needs it. */
	fake_process(90, 70, "late", "/bin/late", "late\0--flag\0", 12, "/", 50, 0);
	mark = recs.n;
	assert_non_null(proc_table_get(live, 90));
	assert_int_equal(recs.n, mark + 1);
	apply_from(&replay_parts, &recs, mark);
	assert_process_equal(proc_table_get(live, 90), proc_table_get(replay, 90));
	assert_same_ancestors(live, replay, 90);

	/* A miss that /proc cannot fill is no record: both answer nothing. */
	mark = recs.n;
	assert_null(proc_table_get(live, 4242));
	assert_int_equal(recs.n, mark);
	assert_null(proc_table_get(replay, 4242));

	/* Events change both tables alike, and read /proc only through the table (a fork of an unknown parent). */
	fake_process(95, 1, "parent", "/bin/parent", "parent\0", 7, "/", 60, 0);
	mark = recs.n;
	{
		struct event_view ev;
		size_t len = build_fork(buf, 95, 1, "parent", 96);

		assert_int_equal(event_decode(buf, len, &ev, NULL, 0), 0);
		proc_table_apply(live, &ev);
		apply_from(&replay_parts, &recs, mark);
		proc_table_apply(replay, &ev);
	}
	assert_int_equal(recs.n, mark + 1);
	assert_tables_equal(live, replay);

	/* Swept: 80 is gone, 70's pid was reused (another start time). */
	snprintf(path, sizeof(path), "%s/80", procfs);
	remove_tree(path);
	fake_process(70, 1, "reused", "/bin/other", "other\0", 6, "/", 99, 0);
	mark = recs.n;
	assert_int_equal(proc_table_sweep(live), 2);
	assert_int_equal(recs.n, mark + 2);
	assert_int_equal(count_kind(&recs, CAPTURE_PROCESS_GONE), 2);
	apply_from(&replay_parts, &recs, mark);
	assert_null(proc_table_get(replay, 80));
	assert_null(proc_table_get(replay, 70));
	assert_tables_equal(live, replay);
	/* Replay never sweeps by itself: it has no /proc to look at. */
	assert_int_equal(proc_table_sweep(replay), 0);

	/* Every live record carries the wall clock's time when it was taken in. */
	for (size_t i = 0; i < recs.n; i++) {
		assert_true(recs.v[i].time_ns >= before);
		assert_true(recs.v[i].time_ns <= wall_ns());
		assert_int_equal(recs.v[i].flags, 0);
	}

	/* Unobserved: no more records. */
	capture_state_unobserve(&live_parts);
	mark = recs.n;
	fake_process(97, 1, "quiet", "/bin/quiet", "", 0, "/", 70, 0);
	assert_non_null(proc_table_get(live, 97));
	assert_int_equal(recs.n, mark);

	records_free(&recs);
	proc_table_free(live);
	proc_table_free(replay);
}

/* Entries no /proc can give: every field at its edges, through a keyframe. */
static void process_fields_survive_a_keyframe(void **state)
{
	struct process procs[] = {
		{ .tgid = 1, .ppid = 0, .comm = "init", .exe = "", .cwd = "", .args = NULL, .args_len = 0 },
		{ .tgid = 2, .ppid = 1, .vpid = 7, .cgroup_id = UINT64_MAX, .comm = "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"
											 "\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0",
		  .exe = "/bin/\x80", .args = "", .args_len = 0, .cwd = "/\xc0\xaf", .start_ns = (uint64_t)INT64_MAX + 1,
		  .tty = UINT32_MAX, .exe_flags = UINT32_MAX, .exe_ino = UINT64_MAX - 1, .from_procfs = true,
		  .start_time = UINT64_MAX },
		{ .tgid = UINT32_MAX, .ppid = 2, .comm = "a b", .exe = "/x", .args = "\0", .args_len = 1, .cwd = "/" },
		{ .tgid = 4, .ppid = 2, .comm = "sh", .exe = "/bin/sh", .args = "sh\0-c\0\0echo \"\\\"\0", .args_len = 16,
		  .cwd = "/ü" },
		{ .tgid = 5, .ppid = 4, .comm = "", .exe = "/a", .args = "a\0\x01\x1f\x7f", .args_len = 5, .cwd = "/" },
	};
	struct proc_table *live = proc_table_new(NULL), *replay = proc_table_new(NULL);
	struct capture_state_parts live_parts = { .procs = live }, replay_parts = { .procs = replay };
	struct records recs = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		assert_int_equal(proc_table_put(live, &procs[i]), 0);
	/* Something the keyframe must clear. */
	assert_int_equal(proc_table_put(replay, &(struct process){ .tgid = 99, .exe = "", .cwd = "" }), 0);

	assert_int_equal(capture_state_keyframe(&live_parts, 12345, collect, &recs), 0);
	assert_int_equal(recs.n, 2 + sizeof(procs) / sizeof(procs[0]));
	assert_int_equal(recs.v[0].kind, CAPTURE_KEYFRAME);
	assert_int_equal(recs.v[recs.n - 1].kind, CAPTURE_KEYFRAME_END);
	assert_int_equal(recs.v[recs.n - 1].len, 0);
	for (size_t i = 0; i < recs.n; i++)
		assert_true(recs.v[i].time_ns == 12345);
	apply_from(&replay_parts, &recs, 0);
	assert_null(proc_table_get(replay, 99));
	assert_tables_equal(live, replay);
	/* args NULL (unknown) and args "" (none) stay apart. */
	assert_null(proc_table_get(replay, 1)->args);
	assert_non_null(proc_table_get(replay, 2)->args);

	/* put refuses what the table could not hold. */
	assert_int_equal(proc_table_put(live, &(struct process){ .tgid = 9, .exe = NULL, .cwd = "" }), -EINVAL);
	assert_int_equal(proc_table_put(live, &(struct process){ .tgid = 9, .exe = "", .cwd = "", .args_len = 3 }),
			 -EINVAL);
	proc_table_clear(live);
	assert_int_equal(proc_table_size(live), 0);

	records_free(&recs);
	proc_table_free(live);
	proc_table_free(replay);
}

/* ---- cgroups ---- */

/* The cgroup2 mount's resolver, or a skip: without cgroup2 there is no tree to read. */
static struct cgroup_resolver *live_resolver(void)
{
	char err[512];
	struct cgroup_resolver *r = cgroup_resolver_new(NULL, err, sizeof(err));

	if (!r) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("no cgroup2 resolver under CI=true: %s", err);
		print_message("skipping: %s\n", err);
		skip();
	}
	return r;
}

static void assert_same_path(const char *a, const char *b)
{
	assert_int_equal(a == NULL, b == NULL);
	if (a)
		assert_string_equal(a, b);
}

/*
 * The real tree: the root, an id that names nothing (asked twice, recorded
 * once), and (where this process may make one) a cgroup that appears and is
 * removed: its NULL after the path is recorded again.
 */
static void cgroup_answers_replay_as_given(void **state)
{
	struct cgroup_resolver *live = live_resolver(), *replay = cgroup_resolver_new_replay();
	struct capture_state_parts live_parts = { .cgroups = live }, replay_parts = { .cgroups = replay };
	const uint64_t bogus = UINT64_C(1) << 62 | 4711;
	struct records recs = { 0 };
	char child[600] = "";
	uint64_t ids[4];
	size_t n_ids = 0, mark;
	struct stat st;

	(void)state;
	assert_non_null(replay);
	assert_string_equal(cgroup_resolver_method(replay), "replay");
	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);

	assert_int_equal(stat(cgroup_resolver_mount(live), &st), 0);
	ids[n_ids++] = st.st_ino;
	ids[n_ids++] = bogus;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < n_ids; i++) {
			mark = recs.n;
			const char *answer = cgroup_resolver_path(live, ids[i]);

			apply_from(&replay_parts, &recs, mark);
			assert_same_path(answer, cgroup_resolver_path(replay, ids[i]));
		}
	}
	assert_string_equal(cgroup_resolver_path(replay, st.st_ino), "/");
	assert_null(cgroup_resolver_path(replay, bogus));
	/* Told once each, though the NULL was looked for again. */
	assert_int_equal(recs.n, 2);

	snprintf(child, sizeof(child), "%s/vigil-capture-test-%d", cgroup_resolver_mount(live), (int)getpid());
	if (mkdir(child, 0755) == 0) {
		uint64_t id;
		struct stat cst;

		assert_int_equal(stat(child, &cst), 0);
		id = cst.st_ino;
		mark = recs.n;
		assert_non_null(cgroup_resolver_path(live, id));
		apply_from(&replay_parts, &recs, mark);
		assert_same_path(cgroup_resolver_path(live, id), cgroup_resolver_path(replay, id));
		assert_int_equal(rmdir(child), 0);
		cgroup_resolver_forget(live, id);
		mark = recs.n;
		assert_null(cgroup_resolver_path(live, id));
		assert_null(cgroup_resolver_path(live, id));
		assert_int_equal(recs.n, mark + 1);
		apply_from(&replay_parts, &recs, mark);
		assert_null(cgroup_resolver_path(replay, id));
	} else {
		print_message("no child cgroup made (%s): the appear-and-go case is not checked\n", strerror(errno));
	}
	/* An id never asked for: nothing, live or replayed. */
	assert_null(cgroup_resolver_path(replay, bogus + 1));

	capture_state_unobserve(&live_parts);
	records_free(&recs);
	cgroup_resolver_free(live);
	cgroup_resolver_free(replay);
}

static int note_path(uint64_t id, const char *path, void *ctx)
{
	struct records *r = ctx;
	char text[128];

	snprintf(text, sizeof(text), "%llu=%s", (unsigned long long)id, path);
	collect(&(struct capture_record){ .data = text, .len = (uint32_t)strlen(text) }, r);
	return 0;
}

/* A replay resolver answers only what was put, a NULL put forgets, a keyframe carries the paths. */
static void cgroup_replay_resolver(void **state)
{
	struct cgroup_resolver *a = cgroup_resolver_new_replay(), *b = cgroup_resolver_new_replay();
	struct capture_state_parts pa = { .cgroups = a }, pb = { .cgroups = b };
	struct records recs = { 0 }, seen = { 0 };

	(void)state;
	assert_string_equal(cgroup_resolver_mount(a), "(replay)");
	assert_null(cgroup_resolver_path(a, 7));
	assert_int_equal(cgroup_resolver_put(a, 7, "/docker/x"), 0);
	assert_int_equal(cgroup_resolver_put(a, 8, "/\xff"), 0);
	assert_int_equal(cgroup_resolver_put(a, UINT64_MAX, "/"), 0);
	assert_int_equal(cgroup_resolver_put(a, 9, "/gone"), 0);
	assert_int_equal(cgroup_resolver_put(a, 9, NULL), 0);
	assert_string_equal(cgroup_resolver_path(a, 7), "/docker/x");
	assert_null(cgroup_resolver_path(a, 9));
	cgroup_resolver_foreach(a, note_path, &seen);
	assert_int_equal(seen.n, 3);

	/* An observer on a replay resolver hears nothing: it reads no tree. */
	assert_int_equal(capture_state_observe(&pa, collect, &recs), 0);
	assert_non_null(cgroup_resolver_path(a, 7));
	assert_int_equal(recs.n, 0);
	capture_state_unobserve(&pa);

	assert_int_equal(cgroup_resolver_put(b, 1234, "/stale"), 0);
	assert_int_equal(capture_state_keyframe(&pa, 1, collect, &recs), 0);
	apply_from(&pb, &recs, 0);
	assert_null(cgroup_resolver_path(b, 1234));
	assert_string_equal(cgroup_resolver_path(b, 7), "/docker/x");
	assert_string_equal(cgroup_resolver_path(b, 8), "/\xff");
	assert_string_equal(cgroup_resolver_path(b, UINT64_MAX), "/");
	cgroup_resolver_clear(b);
	assert_null(cgroup_resolver_path(b, 7));

	records_free(&recs);
	records_free(&seen);
	cgroup_resolver_free(a);
	cgroup_resolver_free(b);
}

/* ---- containers ---- */

static char *read_data(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *text;
	long size;

	snprintf(path, sizeof(path), DATA_DIR "%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (the tests run from the repository's root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}

/* plain.json with another Name: what the API answers after `docker rename`. */
static char *renamed_answer(const char *plain, size_t len, const char *name, size_t *out_len)
{
	json_t *root = json_loadb(plain, len, 0, NULL);
	char *text;

	assert_non_null(root);
	assert_int_equal(json_object_set_new(root, "Name", json_string(name)), 0);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_non_null(text);
	*out_len = strlen(text);
	return text;
}

/* What announce was called with, as "action name" lines. */
struct announced {
	char lines[32][160];
	size_t n;
};

static void note_announce(const struct container_info *info, const char *action, void *ctx)
{
	struct announced *a = ctx;

	assert_true(a->n < 32);
	snprintf(a->lines[a->n++], sizeof(a->lines[0]), "%s %.12s %s %s", action, info->id, info->name, info->image);
}

enum step_kind { STEP_GET, STEP_RESULT };

struct step {
	enum step_kind kind;
	enum container_runtime runtime; /* GET */
	const char *id;
	struct container_result_record result; /* RESULT */
};

/* A GET's answer: state, and the info's identity when known. */
static void describe_get(struct container_table *t, const struct step *s, char *out, size_t len)
{
	struct container_ref ref = { .runtime = s->runtime };
	enum container_metadata state;
	const struct container_info *info;

	snprintf(ref.id, sizeof(ref.id), "%s", s->id);
	info = container_table_get(t, &ref, &state);
	snprintf(out, len, "%d %s %s %d %s", (int)state, info ? info->name : "-", info ? info->image : "-",
		 info ? info->privileged : -1, info ? info->user : "-");
}

/*
 * Run steps live (results applied as a drain applies them; the caller
 * observes live into recs), each step's records then put into the replay
 * table before it takes the same step: the answers and the announcements
 * must be the same.
 */
static void run_container_steps(struct container_table *live, struct container_table *replay,
				const struct step *steps, size_t n, struct records *recs, struct announced *live_ann,
				struct announced *replay_ann)
{
	struct capture_state_parts replay_parts = {
		.containers = replay, .announce = note_announce, .announce_ctx = replay_ann,
	};
	char err[512], a[256], b[256];

	for (size_t i = 0; i < n; i++) {
		size_t mark = recs->n;

		if (steps[i].kind == STEP_GET) {
			describe_get(live, &steps[i], a, sizeof(a));
			apply_from(&replay_parts, recs, mark);
			describe_get(replay, &steps[i], b, sizeof(b));
			if (strcmp(a, b))
				fail_msg("step %zu: live answered '%s', replay '%s'", i, a, b);
		} else {
			if (container_table_apply_recorded(live, &steps[i].result, note_announce, live_ann, err,
							   sizeof(err)))
				fail_msg("step %zu: %s", i, err);
			assert_int_equal(recs->n, mark + 1);
			assert_int_equal(recs->v[mark].kind, CAPTURE_CONTAINER);
			apply_from(&replay_parts, recs, mark);
		}
		assert_int_equal(live_ann->n, replay_ann->n);
		for (size_t k = 0; k < live_ann->n; k++)
			assert_string_equal(live_ann->lines[k], replay_ann->lines[k]);
	}
}

static void container_results_replay_with_the_same_announcements(void **state)
{
	size_t plain_len, podman_len, renamed_len;
	char *plain = read_data("plain.json", &plain_len), *podman = read_data("podman.json", &podman_len);
	char *renamed = renamed_answer(plain, plain_len, "/web-2", &renamed_len);
	const struct step steps[] = {
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_A, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_INFO, ID_A, "start", plain, plain_len } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_A, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_INFO, ID_A, "rename", renamed, renamed_len } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_A, { 0 } },
		/* the same answer again, asked because of a start: no announcement */
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_INFO, ID_A, "start", renamed, renamed_len } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_INFO, ID_B, "running", podman, podman_len } },
		{ STEP_GET, CONTAINER_RUNTIME_PODMAN, ID_B, { 0 } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_C, { 0 } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_C, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_UNKNOWN, ID_C, "", NULL, 0 } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_C, { 0 } },
		{ STEP_GET, CONTAINER_RUNTIME_CONTAINERD, ID_D, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_GONE, ID_A, "", NULL, 0 } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_A, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_GONE, ID_D, "", NULL, 0 } },
	};
	struct container_table *live = container_table_new_replay(true), *replay = container_table_new_replay(true);
	struct announced live_ann = { 0 }, replay_ann = { 0 };
	struct records recs = { 0 };

	(void)state;
	assert_int_equal(capture_state_observe(&(struct capture_state_parts){ .containers = live }, collect, &recs), 0);
	run_container_steps(live, replay, steps, sizeof(steps) / sizeof(steps[0]), &recs, &live_ann, &replay_ann);
	assert_int_equal(live_ann.n, 4);
	assert_string_equal(live_ann.lines[0], "start 9020403cde52 funny_jepsen vigil-inspect:1.0");
	assert_string_equal(live_ann.lines[1], "rename 9020403cde52 web-2 vigil-inspect:1.0");
	assert_string_equal(live_ann.lines[2], "running 5f2d8c1e7a9b podman-web docker.io/library/alpine:3.19");
	assert_string_equal(live_ann.lines[3], "destroy 9020403cde52 web-2 vigil-inspect:1.0");
	capture_state_unobserve(&(struct capture_state_parts){ .containers = live });

	records_free(&recs);
	container_table_free(live);
	container_table_free(replay);

	/* Without an Engine API nothing is asked: every container is id-only, live and replayed. */
	live = container_table_new_replay(false);
	replay = container_table_new_replay(false);
	memset(&live_ann, 0, sizeof(live_ann));
	memset(&replay_ann, 0, sizeof(replay_ann));
	assert_int_equal(capture_state_observe(&(struct capture_state_parts){ .containers = live }, collect, &recs), 0);
	run_container_steps(live, replay, steps, 1, &recs, &live_ann, &replay_ann);
	assert_int_equal(recs.n, 0);
	capture_state_unobserve(&(struct capture_state_parts){ .containers = live });
	{
		char answer[256];

		describe_get(replay, &steps[0], answer, sizeof(answer));
		assert_string_equal(answer, "0 - - -1 -");
	}
	records_free(&recs);
	container_table_free(live);
	container_table_free(replay);
	free(plain);
	free(podman);
	free(renamed);
}

/* ---- a fake Engine API, for the live table's own threads ---- */

/*
 * Answers on a unix socket as dockerd does, one request per connection:
 * /version, the listing (ID_A running), ID_A's recorded answer, 404 for any
 * other container; /events is answered and held open until the end.
 */
struct fake_engine {
	char path[108];
	int listen_fd;
	int held[8];
	size_t n_held;
	const char *answer;
	size_t answer_len;
	pthread_t thread;
};

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void respond(int fd, int status, const char *body, size_t len)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 status, status == 200 ? "OK" : "Not Found", len);
	send_all(fd, head, strlen(head));
	send_all(fd, body, len);
}

static void *fake_engine_main(void *arg)
{
	struct fake_engine *f = arg;
	int fd;

	while ((fd = accept(f->listen_fd, NULL, NULL)) >= 0) {
		char req[4096], path[512];
		size_t have = 0;
		ssize_t n;

		while (have < sizeof(req) - 1 && (n = read(fd, req + have, sizeof(req) - 1 - have)) > 0) {
			have += (size_t)n;
			req[have] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[have] = '\0';
		if (sscanf(req, "GET %511s", path) != 1) {
			close(fd);
			continue;
		}
		if (!strcmp(path, "/version")) {
			respond(fd, 200, "{\"ApiVersion\":\"1.41\"}", 21);
		} else if (strstr(path, "/containers/json")) {
			static const char list[] = "[{\"Id\":\"" ID_A "\"}]";

			respond(fd, 200, list, sizeof(list) - 1);
		} else if (strstr(path, "/containers/" ID_A "/json")) {
			respond(fd, 200, f->answer, f->answer_len);
		} else if (strstr(path, "/events") && f->n_held < 8) {
			static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n";

			send_all(fd, head, sizeof(head) - 1);
			f->held[f->n_held++] = fd; /* silent until the end, as a quiet daemon's stream */
			continue;
		} else {
			respond(fd, 404, "{\"message\":\"No such container\"}", 32);
		}
		close(fd);
	}
	return NULL;
}

static void fake_engine_start(struct fake_engine *f, const char *answer, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->answer = answer;
	f->answer_len = len;
	snprintf(f->path, sizeof(f->path), "%s/engine.sock", procfs);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(f->listen_fd, 16), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_engine_main, f), 0);
}

static void fake_engine_stop(struct fake_engine *f)
{
	shutdown(f->listen_fd, SHUT_RDWR); /* accept() returns */
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	for (size_t i = 0; i < f->n_held; i++)
		close(f->held[i]);
	unlink(f->path);
}

/*
 * The live table's own threads ask a (fake) Engine API: the listing's
 * container is inspected, an unknown one is a 404. What the drains apply is
 * recorded with the answer as it came, and replays with the same
 * announcements and answers.
 */
static void engine_api_results_replay(void **state)
{
	size_t plain_len;
	char *plain = read_data("plain.json", &plain_len);
	struct fake_engine engine;
	struct engine_options options = { 0 };
	struct container_table *live, *replay = container_table_new_replay(true);
	struct capture_state_parts live_parts = { 0 };
	struct capture_state_parts replay_parts = { 0 };
	struct announced live_ann = { 0 }, replay_ann = { 0 };
	struct records recs = { 0 };
	const struct step get_a = { STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_A, { 0 } };
	const struct step get_c = { STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_C, { 0 } };
	char a[256], b[256];
	enum log_level level = log_get_level();
	bool done = false;

	(void)state;
	fresh_procfs();
	fake_engine_start(&engine, plain, plain_len);
	options.socket_path = engine.path;
	log_set_level(LOG_LEVEL_ERROR);
	live = container_table_new(&options);
	assert_non_null(live);
	live_parts.containers = live;
	replay_parts = (struct capture_state_parts){ .containers = replay, .announce = note_announce,
						     .announce_ctx = &replay_ann };
	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);

	/* A first sight of C queues its lookup; the replay sees it at the same place. */
	describe_get(live, &get_c, a, sizeof(a));
	describe_get(replay, &get_c, b, sizeof(b));
	assert_string_equal(a, b);
	for (int i = 0; i < 1000 && !done; i++) {
		enum container_metadata st_a, st_c;
		struct container_ref ra = { .runtime = CONTAINER_RUNTIME_DOCKER, .id = ID_A };
		struct container_ref rc = { .runtime = CONTAINER_RUNTIME_DOCKER, .id = ID_C };

		container_table_drain(live, note_announce, &live_ann);
		container_table_get(live, &rc, &st_c);
		done = st_c == CONTAINER_METADATA_UNAVAILABLE && live_ann.n == 1 &&
		       container_table_get(live, &ra, &st_a) && st_a == CONTAINER_METADATA_KNOWN;
		if (!done)
			usleep(10000);
	}
	capture_state_unobserve(&live_parts);
	log_set_level(level);
	if (!done)
		fail_msg("the fake Engine API's answers did not arrive within 10 s");
	assert_string_equal(live_ann.lines[0], "running 9020403cde52 funny_jepsen vigil-inspect:1.0");
	assert_int_equal(recs.n, 2);
	for (size_t i = 0; i < recs.n; i++)
		if (strstr(recs.v[i].data, "\"result\":\"info\""))
			assert_non_null(strstr(recs.v[i].data, "\"action\":\"running\""));

	apply_from(&replay_parts, &recs, 0);
	assert_int_equal(replay_ann.n, 1);
	assert_string_equal(live_ann.lines[0], replay_ann.lines[0]);
	for (const struct step *s = &get_a; s; s = s == &get_a ? &get_c : NULL) {
		describe_get(live, s, a, sizeof(a));
		describe_get(replay, s, b, sizeof(b));
		assert_string_equal(a, b);
	}

	container_table_free(live);
	fake_engine_stop(&engine);
	records_free(&recs);
	container_table_free(replay);
	free(plain);
}

struct entry_list {
	char lines[16][160];
	size_t n;
};

static int note_entry(const char *id, enum container_metadata state, const char *answer, size_t len, void *ctx)
{
	struct entry_list *l = ctx;

	(void)answer, (void)len;
	assert_true(l->n < 16);
	snprintf(l->lines[l->n++], sizeof(l->lines[0]), "%.12s %d", id, (int)state);
	return 0;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * A keyframe of the container table restores every entry (pending, unavailable,
 * known) without announcing; what comes after applies as it would have.
 */
static void container_keyframe_restores_without_announcing(void **state)
{
	size_t plain_len, podman_len;
	char *plain = read_data("plain.json", &plain_len), *podman = read_data("podman.json", &podman_len);
	const struct step steps[] = {
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_A, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_INFO, ID_A, "start", plain, plain_len } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_C, { 0 } },
		{ STEP_GET, CONTAINER_RUNTIME_DOCKER, ID_D, { 0 } },
		{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_UNKNOWN, ID_D, "", NULL, 0 } },
	};
	struct container_table *live = container_table_new_replay(true), *replay = container_table_new_replay(true);
	struct container_table *restored = container_table_new_replay(true);
	struct announced live_ann = { 0 }, replay_ann = { 0 }, restored_ann = { 0 };
	struct capture_state_parts live_parts = { .containers = live };
	struct capture_state_parts restored_parts = {
		.containers = restored, .announce = note_announce, .announce_ctx = &restored_ann,
	};
	struct entry_list live_entries = { 0 }, restored_entries = { 0 };
	struct records recs = { 0 }, frame = { 0 };
	char err[512], a[256], b[256];

	(void)state;
	/* Observed from the start, so the raw answer of A is kept for the keyframe. */
	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);
	run_container_steps(live, replay, steps, sizeof(steps) / sizeof(steps[0]), &recs, &live_ann, &replay_ann);
	/* Something the keyframe must clear. */
	assert_int_equal(container_table_restore(restored, ID_B, CONTAINER_METADATA_PENDING, NULL, 0, err, sizeof(err)),
			 0);

	assert_int_equal(capture_state_keyframe(&live_parts, 5, collect, &frame), 0);
	assert_int_equal(frame.n, 2 + 3);
	apply_from(&restored_parts, &frame, 0);
	assert_int_equal(restored_ann.n, 0);
	container_table_foreach(live, note_entry, &live_entries);
	container_table_foreach(restored, note_entry, &restored_entries);
	assert_int_equal(live_entries.n, 3);
	assert_int_equal(restored_entries.n, 3);
	qsort(live_entries.lines, live_entries.n, sizeof(live_entries.lines[0]), compare_lines);
	qsort(restored_entries.lines, restored_entries.n, sizeof(restored_entries.lines[0]), compare_lines);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(live_entries.lines[i], restored_entries.lines[i]);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].kind != STEP_GET)
			continue;
		describe_get(live, &steps[i], a, sizeof(a));
		describe_get(restored, &steps[i], b, sizeof(b));
		assert_string_equal(a, b);
	}

	/* After the keyframe: a result for C and A's destruction, announced as live. */
	{
		const struct step after[] = {
			{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_INFO, ID_C, "start", podman, podman_len } },
			{ STEP_RESULT, 0, NULL, { CONTAINER_RESULT_GONE, ID_A, "", NULL, 0 } },
		};

		memset(&live_ann, 0, sizeof(live_ann));
		run_container_steps(live, restored, after, 2, &recs, &live_ann, &restored_ann);
		assert_int_equal(restored_ann.n, 2);
		assert_string_equal(restored_ann.lines[1], "destroy 9020403cde52 funny_jepsen vigil-inspect:1.0");
	}

	/* Unobserved, the raw answers go; a keyframe then cannot know A and says so (unavailable on replay). */
	capture_state_unobserve(&live_parts);
	records_free(&frame);
	assert_int_equal(container_table_apply_recorded(live, &steps[1].result, note_announce, &live_ann, err,
							sizeof(err)),
			 0);
	assert_int_equal(capture_state_keyframe(&live_parts, 6, collect, &frame), 0);
	container_table_clear(restored);
	apply_from(&restored_parts, &frame, 0);
	describe_get(restored, &steps[0], b, sizeof(b));
	assert_string_equal(b, "0 - - -1 -");

	records_free(&recs);
	records_free(&frame);
	container_table_free(live);
	container_table_free(replay);
	container_table_free(restored);
	free(plain);
	free(podman);
}

/* ---- names ---- */

static void names_root(unsigned int pid, char *etc, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%u", procfs, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/root", procfs, pid);
	mkdir(path, 0755);
	snprintf(etc, len, "%s/%u/root/etc", procfs, pid);
	mkdir(etc, 0755);
}

enum lookup_kind { LOOK_USER, LOOK_GROUP, LOOK_HOSTS };

struct lookup {
	enum lookup_kind kind;
	uint32_t pid;
	uint64_t mntns;
	uint32_t id;     /* or the IPv4 address's last byte (10.0.0.x) */
	uint64_t now_ns;
};

static void look(struct user_names *names, const struct lookup *l, char *out, size_t len)
{
	const char *hosts[8];
	const char *name;
	size_t n;

	switch (l->kind) {
	case LOOK_USER:
	case LOOK_GROUP:
		name = l->kind == LOOK_USER ? user_names_user(names, l->pid, l->mntns, l->id, l->now_ns)
					    : user_names_group(names, l->pid, l->mntns, l->id, l->now_ns);
		snprintf(out, len, "%s", name ? name : "(none)");
		break;
	case LOOK_HOSTS:
		n = user_names_hosts(names, 4, (const uint8_t[]){ 10, 0, 0, (uint8_t)l->id }, hosts, 8, l->now_ns);
		snprintf(out, len, "%zu:", n);
		for (size_t i = 0; i < n; i++)
			snprintf(out + strlen(out), len - strlen(out), " %s", hosts[i]);
		break;
	}
}

/* Each lookup live, its records into the replay, the same lookup replayed: the same answer. */
static void lookups_agree(struct user_names *live, struct user_names *replay, const struct lookup *l, size_t n,
			  struct records *recs, const char *const *expected)
{
	struct capture_state_parts replay_parts = { .names = replay };
	char a[512], b[512];

	for (size_t i = 0; i < n; i++) {
		size_t mark = recs->n;

		look(live, &l[i], a, sizeof(a));
		apply_from(&replay_parts, recs, mark);
		look(replay, &l[i], b, sizeof(b));
		if (strcmp(a, b))
			fail_msg("lookup %zu: live answered '%s', replay '%s'", i, a, b);
		if (expected && expected[i] && strcmp(a, expected[i]))
			fail_msg("lookup %zu: live answered '%s', expected '%s'", i, a, expected[i]);
	}
}

static void names_replay_as_read(void **state)
{
	char etc[512], path[600], hosts[600];
	struct user_names *live, *replay = user_names_new_replay();
	struct capture_state_parts live_parts = { 0 };
	struct records recs = { 0 };
	const uint64_t s = 1000000000ull;

	(void)state;
	fresh_procfs();
	names_root(200, etc, sizeof(etc));
	snprintf(path, sizeof(path), "%s/passwd", etc);
	write_text(path, "root:x:0:0::/:/bin/sh\ntester:x:1000:1000::/:/bin/sh\n\xff\xfeodd:x:77:0::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/group", etc);
	write_text(path, "root:x:0:\ndevs:x:1001:tester\n");
	snprintf(hosts, sizeof(hosts), "%s/hosts", procfs);
	write_text(hosts, "10.0.0.1 db db.local\n10.0.0.2 cache\n");
	live = user_names_new(procfs, hosts);
	live_parts.names = live;
	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);

	{
		const struct lookup first[] = {
			{ LOOK_USER, 200, 7, 1000, 1 * s },  { LOOK_USER, 200, 7, 1000, 2 * s },
			{ LOOK_USER, 200, 7, 4242, 2 * s },  { LOOK_GROUP, 200, 7, 1001, 2 * s },
			{ LOOK_USER, 200, 7, 77, 2 * s },    { LOOK_USER, 999, 9, 0, 2 * s },
			{ LOOK_USER, 999, 9, 5, 2 * s },     { LOOK_GROUP, 999, 9, 0, 2 * s },
			{ LOOK_HOSTS, 0, 0, 1, 2 * s },      { LOOK_HOSTS, 0, 0, 3, 2 * s },
		};
		const char *const expected[] = {
			"tester", "tester", "(none)", "devs", "\xff\xfeodd", "root", "(none)", "root", "2: db db.local", "0:",
		};

		lookups_agree(live, replay, first, 10, &recs, expected);
		/* 7 answers read from files (the second 1000 came from the cache), the hosts file once. */
		assert_int_equal(recs.n, 8);
	}
	{
		/* A minute on: read again; the same answer is no record, a changed one is. */
		const struct lookup later[] = {
			{ LOOK_USER, 200, 7, 1000, 70 * s },
			{ LOOK_USER, 200, 7, 4242, 70 * s },
		};
		size_t mark = recs.n;

		snprintf(path, sizeof(path), "%s/passwd", etc);
		write_text(path, "renamed:x:1000:1000::/:/bin/sh\n");
		lookups_agree(live, replay, later, 2, &recs, (const char *const[]){ "renamed", "(none)" });
		assert_int_equal(recs.n, mark + 1);
	}
	{
		/* The hosts file changes, then goes; gone stays one record. */
		const struct lookup h[] = {
			{ LOOK_HOSTS, 0, 0, 1, 80 * s },
			{ LOOK_HOSTS, 0, 0, 1, 82 * s },
			{ LOOK_HOSTS, 0, 0, 1, 84 * s },
		};
		size_t mark = recs.n;

		write_text(hosts, "10.0.0.1 db-new\n");
		lookups_agree(live, replay, h, 1, &recs, (const char *const[]){ "1: db-new" });
		unlink(hosts);
		lookups_agree(live, replay, h + 1, 2, &recs, (const char *const[]){ "0:", "0:" });
		assert_int_equal(recs.n, mark + 2);
	}
	/* Replay never expires what it was given, and has no file to read. */
	{
		char answer[64];

		look(replay, &(struct lookup){ LOOK_USER, 200, 7, 1000, 1000000 * s }, answer, sizeof(answer));
		assert_string_equal(answer, "renamed");
		look(replay, &(struct lookup){ LOOK_USER, 1, 1, 0, 1 }, answer, sizeof(answer));
		assert_string_equal(answer, "root");
		look(replay, &(struct lookup){ LOOK_GROUP, 1, 1, 3, 1 }, answer, sizeof(answer));
		assert_string_equal(answer, "(none)");
	}

	capture_state_unobserve(&live_parts);
	records_free(&recs);
	user_names_free(live);
	user_names_free(replay);
}

/*
 * A capture that starts with a keyframe: what live answers from its cache
 * (reading nothing, so recording nothing) replays the same from the keyframe.
 */
static void names_keyframe_carries_the_cache(void **state)
{
	char etc[512], path[600], hosts[600];
	struct user_names *live, *replay = user_names_new_replay();
	struct capture_state_parts live_parts = { 0 }, replay_parts = { .names = replay };
	struct records before = { 0 }, recs = { 0 };
	const uint64_t s = 1000000000ull;
	const struct lookup l[] = {
		{ LOOK_USER, 300, 3, 1000, 1 * s },
		{ LOOK_GROUP, 300, 3, 0, 1 * s },
		{ LOOK_USER, 300, 3, 55, 1 * s },
		{ LOOK_HOSTS, 0, 0, 2, 1 * s },
	};
	char a[256];

	(void)state;
	fresh_procfs();
	names_root(300, etc, sizeof(etc));
	snprintf(path, sizeof(path), "%s/passwd", etc);
	write_text(path, "user:x:1000:1000::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/group", etc);
	write_text(path, "wheel:x:0:\n");
	snprintf(hosts, sizeof(hosts), "%s/hosts", procfs);
	write_text(hosts, "10.0.0.2 svc\n");
	live = user_names_new(procfs, hosts);
	live_parts.names = live;
	/* Looked up before the capture starts: cached, no record. */
	for (size_t i = 0; i < 4; i++)
		look(live, &l[i], a, sizeof(a));
	/* Something the keyframe must clear. */
	assert_int_equal(user_names_put_id(replay, &(struct user_names_id_answer){ USER_NAMES_USER, 3, 55,
										  USER_NAMES_NAMED, "stale" }),
			 0);
	assert_int_equal(user_names_put_hosts(replay, "10.0.0.2 stale\n", 15), 0);

	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);
	assert_int_equal(capture_state_keyframe(&live_parts, 9, collect, &recs), 0);
	assert_int_equal(recs.n, 2 + 3 + 1);
	apply_from(&replay_parts, &recs, 0);
	/* The files change, but live answers from its cache within the minute: no records, same answers. */
	snprintf(path, sizeof(path), "%s/passwd", etc);
	write_text(path, "other:x:1000:1000::/:/bin/sh\n");
	lookups_agree(live, replay, l, 4, &recs, (const char *const[]){ "user", "wheel", "(none)", "1: svc" });
	assert_int_equal(recs.n, 6);

	capture_state_unobserve(&live_parts);
	records_free(&before);
	records_free(&recs);
	user_names_free(live);
	user_names_free(replay);
}

/* ---- all parts ---- */

/* Every part at once: the keyframe's counts, then each part restored. */
static void keyframe_of_every_part(void **state)
{
	size_t plain_len;
	char *plain = read_data("plain.json", &plain_len);
	char err[512];
	struct capture_state_parts live = {
		.procs = proc_table_new(NULL),
		.cgroups = cgroup_resolver_new_replay(),
		.containers = container_table_new_replay(true),
		.names = user_names_new_replay(),
	};
	struct capture_state_parts replay = {
		.procs = proc_table_new(NULL),
		.cgroups = cgroup_resolver_new_replay(),
		.containers = container_table_new_replay(true),
		.names = user_names_new_replay(),
	};
	struct records recs = { 0 };
	json_t *counts;
	const char *name;

	(void)state;
	assert_int_equal(capture_state_observe(&live, collect, &recs), 0);
	assert_int_equal(proc_table_put(live.procs, &(struct process){ .tgid = 10, .exe = "/a", .cwd = "/" }), 0);
	assert_int_equal(proc_table_put(live.procs, &(struct process){ .tgid = 11, .ppid = 10, .exe = "/b", .cwd = "/" }),
			 0);
	assert_int_equal(cgroup_resolver_put(live.cgroups, 42, "/docker/" ID_A), 0);
	assert_int_equal(container_table_apply_recorded(live.containers,
							&(struct container_result_record){ CONTAINER_RESULT_INFO, ID_A,
											   "running", plain, plain_len },
							NULL, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(user_names_put_id(live.names, &(struct user_names_id_answer){ USER_NAMES_GROUP, 1, 2,
										      USER_NAMES_UNNAMED, NULL }),
			 0);
	assert_int_equal(user_names_put_hosts(live.names, "10.0.0.1 a\n", 11), 0);
	records_free(&recs);

	assert_int_equal(capture_state_keyframe(&live, 77, collect, &recs), 0);
	assert_int_equal(recs.n, 2 + 2 + 1 + 1 + 2);
	counts = json_loadb(recs.v[0].data, recs.v[0].len, 0, NULL);
	assert_non_null(counts);
	assert_int_equal(json_integer_value(json_object_get(counts, "processes")), 2);
	assert_int_equal(json_integer_value(json_object_get(counts, "cgroups")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "containers")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "names")), 2);
	json_decref(counts);

	apply_from(&replay, &recs, 0);
	assert_tables_equal(live.procs, replay.procs);
	assert_string_equal(cgroup_resolver_path(replay.cgroups, 42), "/docker/" ID_A);
	{
		struct container_ref ref = { .runtime = CONTAINER_RUNTIME_DOCKER, .id = ID_A };
		enum container_metadata st;
		const struct container_info *info = container_table_get(replay.containers, &ref, &st);

		assert_int_equal(st, CONTAINER_METADATA_KNOWN);
		assert_string_equal(info->name, "funny_jepsen");
	}
	name = user_names_group(replay.names, 1, 1, 2, 0);
	assert_null(name);
	{
		const char *h[2];

		assert_int_equal(user_names_hosts(replay.names, 4, (const uint8_t[]){ 10, 0, 0, 1 }, h, 2, 0), 1);
		assert_string_equal(h[0], "a");
	}
	/* A keyframe of no parts is the two markers, and a part that is NULL is left alone on replay. */
	records_free(&recs);
	assert_int_equal(capture_state_keyframe(&(struct capture_state_parts){ 0 }, 1, collect, &recs), 0);
	assert_int_equal(recs.n, 2);
	apply_from(&(struct capture_state_parts){ .cgroups = replay.cgroups }, &recs, 0);
	assert_null(cgroup_resolver_path(replay.cgroups, 42));
	assert_int_equal(proc_table_size(replay.procs), 2);

	capture_state_unobserve(&live);
	records_free(&recs);
	proc_table_free(live.procs);
	proc_table_free(replay.procs);
	cgroup_resolver_free(live.cgroups);
	cgroup_resolver_free(replay.cgroups);
	container_table_free(live.containers);
	container_table_free(replay.containers);
	user_names_free(live.names);
	user_names_free(replay.names);
	free(plain);
}

/* Observing twice replaces the observers (one record each, not two); unobserving ends them. */
static void observe_again_replaces(void **state)
{
	struct records first = { 0 }, second = { 0 };
	struct capture_state_parts parts = { .procs = proc_table_new(procfs), .names = user_names_new(procfs, NULL) };

	(void)state;
	fresh_procfs();
	fake_process(5, 1, "x", "/x", "x", 1, "/", 1, 0);
	assert_int_equal(capture_state_observe(&parts, collect, &first), 0);
	assert_int_equal(capture_state_observe(&parts, collect, &second), 0);
	assert_non_null(proc_table_get(parts.procs, 5));
	assert_int_equal(first.n, 0);
	assert_int_equal(second.n, 1);
	capture_state_unobserve(&parts);
	capture_state_unobserve(&parts); /* twice is harmless */
	proc_table_remove(parts.procs, 5);
	assert_non_null(proc_table_get(parts.procs, 5));
	assert_int_equal(second.n, 1);
	/* Observing no part at all. */
	assert_int_equal(capture_state_observe(&(struct capture_state_parts){ 0 }, collect, &first), 0);
	records_free(&first);
	records_free(&second);
	proc_table_free(parts.procs);
	user_names_free(parts.names);
}

/* ---- the pipeline ---- */

/*
 * The claim itself: events through a pipeline whose process table reads a
 * fake /proc, state records written before each event (as the capture does),
 * then the same events through a pipeline whose table only has those
 * records: the same event lines, byte for byte.
 */
static void pipeline_replays_the_same_events(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	static const char sh_args[] = "sh\0-c\0id";
	char *live_text = NULL, *replay_text = NULL;
	size_t live_len = 0, replay_len = 0;
	struct pipeline live = { .monitor_host = true, .boot_to_unix_ns = 1700000000000000000 };
	struct pipeline replay = { .monitor_host = true, .boot_to_unix_ns = 1700000000000000000 };
	struct capture_state_parts live_parts, replay_parts;
	struct records recs = { 0 };
	size_t lens[6], n = 0;
	const void *events[6];

	(void)state;
	fresh_procfs();
	fake_process(1, 0, "init", "/sbin/init", "/sbin/init", 10, "/", 1, 0);
	fake_process(40, 1, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", "shim\0-id\0x", 10, "/run", 5, 0);
	fake_process(41, 40, "\xffodd", "/bin/\xff", "\xff\0\xfe", 3, "/\xfe", 6, 0);
	live.procs = proc_table_new(procfs);
	replay.procs = proc_table_new(NULL);
	live.events_out = open_memstream(&live_text, &live_len);
	replay.events_out = open_memstream(&replay_text, &replay_len);
	live_parts = (struct capture_state_parts){ .procs = live.procs };
	replay_parts = (struct capture_state_parts){ .procs = replay.procs };
	assert_int_equal(capture_state_observe(&live_parts, collect, &recs), 0);

	/* The shim (never seen) forks; the child execs sh; sh exits; the odd one exits. */
	lens[n] = build_fork(buf, 40, 1, "containerd-shim", 50);
	events[n] = memcpy(malloc(lens[n]), buf, lens[n]);
	n++;
	lens[n] = build_exec(buf, 50, 40, "sh", "/bin/sh", sh_args, sizeof(sh_args), "/");
	events[n] = memcpy(malloc(lens[n]), buf, lens[n]);
	n++;
	lens[n] = build_exit(buf, 50, 40, "sh", 0);
	events[n] = memcpy(malloc(lens[n]), buf, lens[n]);
	n++;
	lens[n] = build_exit(buf, 41, 40, "\xffodd", 1);
	events[n] = memcpy(malloc(lens[n]), buf, lens[n]);
	n++;

	for (size_t i = 0; i < n; i++) {
		size_t mark = recs.n;

		assert_int_equal(pipeline_handle(&live, events[i], lens[i]), 0);
		apply_from(&replay_parts, &recs, mark);
		assert_int_equal(pipeline_handle(&replay, events[i], lens[i]), 0);
	}
	assert_true(recs.n >= 3); /* the shim, its parent init, and the odd one, read on demand */
	fclose(live.events_out);
	fclose(replay.events_out);
	assert_true(live_len > 0);
	assert_int_equal(live_len, replay_len);
	assert_memory_equal(live_text, replay_text, live_len);
	/* The shim's lineage came from the records: it is in the lines. */
	assert_non_null(strstr(replay_text, "containerd-shim-runc-v2"));

	capture_state_unobserve(&live_parts);
	for (size_t i = 0; i < n; i++)
		free((void *)events[i]);
	free(live_text);
	free(replay_text);
	records_free(&recs);
	proc_table_free(live.procs);
	proc_table_free(replay.procs);
}

/* ---- bad bodies ---- */

struct bad_body {
	uint16_t kind;
	const char *body;
	const char *says; /* a part of the error sentence */
};

static const struct bad_body bad_bodies[] = {
	{ CAPTURE_PROCESS, "", "not JSON" },
	{ CAPTURE_PROCESS, "{", "not JSON" },
	{ CAPTURE_PROCESS, "[]", "not an object" },
	{ CAPTURE_PROCESS, "\"x\"", "not JSON" },
	{ CAPTURE_PROCESS, "{}", "tgid is missing" },
	{ CAPTURE_PROCESS, "{\"tgid\":1,\"tgid\":2}", "not JSON" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":\"x\",\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":null,\"cwd\":\"/\","
	  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "tgid is a string that is not a decimal number" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":4294967296,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "tgid is 4294967296, larger than 4294967295" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":-1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":null,\"cwd\":\"/\","
	  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "tgid is negative" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1.5,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":null,\"cwd\":\"/\","
	  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "tgid is a real number, not an integer" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":99999999999999999999999,\"comm\":\"a\",\"exe\":\"/\","
	  "\"args\":null,\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,"
	  "\"start_time\":0}",
	  "not JSON" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":\"18446744073709551616\",\"comm\":\"a\",\"exe\":\"/\","
	  "\"args\":null,\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,"
	  "\"start_time\":0}",
	  "cgroup_id is larger than 2^64 - 1" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"12345678901234567\",\"exe\":\"/\",\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "comm is longer than 16 bytes" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":{\"base64\":\"AA==\"},\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "exe holds a NUL byte" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":{\"base64\":\"A\"},\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "exe.base64 is not base64" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":{\"base64\":\"QR==\"},\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "exe.base64 is not base64" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":{\"hex\":\"41\"},\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "exe is an object other than" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":\"a b\",\"cwd\":\"/\","
	  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "args is a string, not an array or null" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":[\"a\",7],\"cwd\":\"/\","
	  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "args[1] is an integer" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"/\",\"args\":null,\"cwd\":\"/\","
	  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":1,\"start_time\":0}",
	  "from_procfs is an integer, not a boolean" },
	{ CAPTURE_PROCESS,
	  "{\"tgid\":1,\"ppid\":0,\"vpid\":0,\"cgroup_id\":0,\"comm\":\"a\",\"exe\":\"a\\u0000b\",\"args\":null,"
	  "\"cwd\":\"/\",\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0}",
	  "not JSON" },
	{ CAPTURE_PROCESS_GONE, "{\"tgid\":null}", "tgid is null, not an integer" },
	{ CAPTURE_CGROUP, "{\"id\":1}", "path is missing" },
	{ CAPTURE_CGROUP, "{\"id\":1,\"path\":[]}", "path is an array" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\"}", "neither" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"result\":\"gone\",\"state\":\"known\"}", "both" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"result\":\"vanished\"}", "result 'vanished' is not one" },
	{ CAPTURE_CONTAINER, "{\"id\":\"ABC\",\"result\":\"gone\"}", "is not a container id" },
	{ CAPTURE_CONTAINER, "{\"id\":\"\",\"result\":\"gone\"}", "is not a container id" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "a\",\"result\":\"gone\"}", "id is longer than 64 bytes" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"result\":\"info\",\"action\":\"start\"}", "answer is missing" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"result\":\"info\",\"action\":\"die\",\"answer\":\"{}\"}",
	  "action 'die' is none of" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"result\":\"info\",\"action\":\"start\",\"answer\":\"{}\"}",
	  "the recorded Engine API answer is bad" },
	{ CAPTURE_CONTAINER,
	  "{\"id\":\"" ID_A "\",\"result\":\"info\",\"action\":\"start\",\"answer\":\"{\\\"Id\\\":\\\"" ID_A
	  "\\\",\\\"Name\\\":7}\"}",
	  "Name" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"state\":\"known\",\"answer\":\"[]\"}",
	  "the recorded Engine API answer is bad" },
	{ CAPTURE_CONTAINER, "{\"id\":\"" ID_A "\",\"state\":\"gone\"}", "state 'gone' is not one" },
	{ CAPTURE_NAME, "{\"kind\":\"shell\"}", "kind 'shell' is not one" },
	{ CAPTURE_NAME, "{\"kind\":\"user\",\"mntns\":1,\"id\":1,\"state\":\"named\"}", "name is missing" },
	{ CAPTURE_NAME, "{\"kind\":\"user\",\"mntns\":1,\"id\":1,\"state\":\"named\",\"name\":"
			"\"0123456789012345678901234567890123456789012345678901234567890123\"}",
	  "name is longer than 63 bytes" },
	{ CAPTURE_NAME, "{\"kind\":\"group\",\"mntns\":1,\"id\":-5,\"state\":\"unnamed\"}", "id is negative" },
	{ CAPTURE_NAME, "{\"kind\":\"group\",\"mntns\":1,\"id\":5,\"state\":\"asleep\"}", "state 'asleep'" },
	{ CAPTURE_NAME, "{\"kind\":\"hosts\",\"text\":5}", "text is an integer" },
	{ CAPTURE_NAME, "{\"kind\":\"hosts\"}", "text is missing" },
	{ CAPTURE_KEYFRAME, "{\"processes\":1}", "cgroups is missing" },
	{ CAPTURE_KEYFRAME, "", "not JSON" },
	{ CAPTURE_KEYFRAME_END, "[1]", "not an object" },
	{ CAPTURE_LOST, "{\"records\":\"many\",\"reason\":\"x\"}", "records is a string that is not" },
	{ CAPTURE_LOST, "{\"records\":1}", "reason is missing" },
	{ CAPTURE_EVENT, "{}", "not a state record" },
	{ CAPTURE_TICK, "", "not a state record" },
	{ 0, "{}", "unknown kind 0" },
	{ 77, "{}", "unknown kind 77" },
};

/* Every bad body is -EINVAL with a sentence that says what, and changes nothing. */
static void bad_bodies_are_errors_that_change_nothing(void **state)
{
	size_t plain_len;
	char *plain = read_data("plain.json", &plain_len);
	struct capture_state_parts parts = {
		.procs = proc_table_new(NULL),
		.cgroups = cgroup_resolver_new_replay(),
		.containers = container_table_new_replay(true),
		.names = user_names_new_replay(),
	};
	struct records before = { 0 }, after = { 0 };
	char err[512];

	(void)state;
	assert_int_equal(proc_table_put(parts.procs, &(struct process){ .tgid = 1, .exe = "/init", .cwd = "/" }), 0);
	assert_int_equal(cgroup_resolver_put(parts.cgroups, 5, "/x"), 0);
	assert_int_equal(container_table_apply_recorded(parts.containers,
							&(struct container_result_record){ CONTAINER_RESULT_INFO, ID_A,
											   "start", plain, plain_len },
							NULL, NULL, err, sizeof(err)),
			 0);
	assert_int_equal(capture_state_keyframe(&parts, 0, collect, &before), 0);

	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		const struct bad_body *b = &bad_bodies[i];
		struct capture_record rec = { .kind = b->kind, .data = b->body, .len = (uint32_t)strlen(b->body) };

		err[0] = '\0';
		if (capture_state_apply(&parts, &rec, err, sizeof(err)) != -EINVAL)
			fail_msg("bad body %zu (%s) was taken", i, b->body);
		if (!strstr(err, b->says))
			fail_msg("bad body %zu (%s): '%s' does not say '%s'", i, b->body, err, b->says);
	}
	/* Larger than any record can be. */
	{
		struct capture_record rec = { .kind = CAPTURE_NAME, .data = "", .len = CAPTURE_BLOCK_MAX + 1 };

		assert_int_equal(capture_state_apply(&parts, &rec, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "larger than a record can be"));
	}
	/* The state is as it was: the same keyframe, record for record. */
	assert_int_equal(capture_state_keyframe(&parts, 0, collect, &after), 0);
	assert_int_equal(before.n, after.n);
	for (size_t i = 0; i < before.n; i++) {
		assert_int_equal(before.v[i].len, after.v[i].len);
		assert_memory_equal(before.v[i].data, after.v[i].data, before.v[i].len);
	}

	/* Good bodies in their other spellings: numbers as strings, base64 for any bytes, extra fields. */
	{
		const struct bad_body good[] = {
			{ CAPTURE_PROCESS,
			  "{\"tgid\":\"7\",\"ppid\":0,\"vpid\":0,\"cgroup_id\":\"18446744073709551615\",\"comm\":"
			  "{\"base64\":\"YQ==\"},\"exe\":\"/\",\"args\":[{\"base64\":\"\"},\"b\"],\"cwd\":\"/\","
			  "\"start_ns\":0,\"tty\":0,\"exe_flags\":0,\"exe_ino\":0,\"from_procfs\":false,\"start_time\":0,"
			  "\"later\":true}",
			  NULL },
			{ CAPTURE_KEYFRAME_END, "{}", NULL },
			{ CAPTURE_KEYFRAME_END, "", NULL },
			{ CAPTURE_LOST, "{\"records\":3,\"reason\":\"queue full\"}", NULL },
			{ CAPTURE_CONTAINER, "{\"id\":\"" ID_C "\",\"result\":\"unknown\"}", NULL },
		};
		const struct process *p;

		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			struct capture_record rec = { .kind = good[i].kind, .data = good[i].body,
						      .len = (uint32_t)strlen(good[i].body) };

			if (capture_state_apply(&parts, &rec, err, sizeof(err)))
				fail_msg("good body %zu: %s", i, err);
		}
		p = proc_table_get(parts.procs, 7);
		assert_non_null(p);
		assert_string_equal(p->comm, "a");
		assert_true(p->cgroup_id == UINT64_MAX);
		assert_int_equal(p->args_len, 2);
		assert_memory_equal(p->args, "\0b", 2);
	}

	records_free(&before);
	records_free(&after);
	proc_table_free(parts.procs);
	cgroup_resolver_free(parts.cgroups);
	container_table_free(parts.containers);
	user_names_free(parts.names);
	free(plain);
}

/* Records parsed without parts to apply them to are still checked whole. */
static void records_are_checked_without_parts(void **state)
{
	const struct capture_state_parts none = { 0 };
	char err[512];
	struct capture_record rec = {
		.kind = CAPTURE_CONTAINER,
		.data = "{\"id\":\"" ID_A "\",\"result\":\"info\",\"action\":\"start\",\"answer\":\"{}\"}",
	};

	(void)state;
	rec.len = (uint32_t)strlen(rec.data);
	assert_int_equal(capture_state_apply(&none, &rec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "answer is bad"));
	rec.kind = CAPTURE_CGROUP;
	rec.data = "{\"id\":1,\"path\":null}";
	rec.len = (uint32_t)strlen(rec.data);
	assert_int_equal(capture_state_apply(&none, &rec, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(processes_replay_as_read),
		cmocka_unit_test(process_fields_survive_a_keyframe),
		cmocka_unit_test(cgroup_answers_replay_as_given),
		cmocka_unit_test(cgroup_replay_resolver),
		cmocka_unit_test(container_results_replay_with_the_same_announcements),
		cmocka_unit_test(container_keyframe_restores_without_announcing),
		cmocka_unit_test(engine_api_results_replay),
		cmocka_unit_test(names_replay_as_read),
		cmocka_unit_test(names_keyframe_carries_the_cache),
		cmocka_unit_test(keyframe_of_every_part),
		cmocka_unit_test(observe_again_replaces),
		cmocka_unit_test(pipeline_replays_the_same_events),
		cmocka_unit_test(bad_bodies_are_errors_that_change_nothing),
		cmocka_unit_test(records_are_checked_without_parts),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
