// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "containers.h"
#include "log.h"
#include "u64map.h"

/* Lookups waiting for the inspect thread; beyond this they wait for the next re-list. */
#define LOOKUP_QUEUE_MAX 4096
#define BACKOFF_MIN_SEC 1
#define BACKOFF_MAX_SEC 30

struct container_entry {
	char id[CONTAINER_ID_MAX + 1];
	enum container_metadata state;
	struct container_info info; /* when KNOWN */
	char *answer;               /* when KNOWN and observed: the raw answer info was parsed from */
	size_t answer_len;
};

struct result {
	struct result *next;
	enum container_result kind;
	char id[CONTAINER_ID_MAX + 1];
	char action[16]; /* for CONTAINER_RESULT_INFO: "start", "running", "rename" */
	struct container_info info;
	char *answer;    /* for CONTAINER_RESULT_INFO: the raw answer, for the observer */
	size_t answer_len;
};

struct lookup {
	char id[CONTAINER_ID_MAX + 1];
	char action[16];
};

struct container_table {
	/* Owned by the pipeline's thread. */
	struct u64map *by_key;

	/* Shared with the API threads, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct lookup *lookups; /* ring of LOOKUP_QUEUE_MAX */
	size_t lookup_head, lookup_count;
	struct result *results, **results_tail;
	volatile bool stop;

	bool api;
	/* Under lock: whether the Engine API answers now, and why not (for health alerts). */
	enum container_api_state api_state;
	char api_error[512];
	struct engine_options options;
	pthread_t events_thread, inspect_thread;
	bool threads_started;

	bool replay; /* no threads: results come from container_table_apply_recorded */
	container_observer_fn observer;
	void *observer_ctx;
};

/* The map key of a container id: its first 16 hex digits; the full id is checked on lookup. */
static uint64_t id_key(const char *id)
{
	uint64_t key = 0;

	for (int i = 0; i < 16 && id[i]; i++)
		key = key << 4 | (uint64_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	return key;
}

static void entry_free(void *p)
{
	struct container_entry *e = p;

	if (!e)
		return;
	if (e->state == CONTAINER_METADATA_KNOWN)
		container_info_free(&e->info);
	free(e->answer);
	free(e);
}

static void result_free(struct result *r)
{
	if (r->kind == CONTAINER_RESULT_INFO && r->info.name)
		container_info_free(&r->info);
	free(r->answer);
	free(r);
}

/* ---- the API threads' side ---- */

static void queue_lookup(struct container_table *t, const char *id, const char *action)
{
	pthread_mutex_lock(&t->lock);
	if (t->lookup_count < LOOKUP_QUEUE_MAX) {
		struct lookup *l = &t->lookups[(t->lookup_head + t->lookup_count) % LOOKUP_QUEUE_MAX];

		memcpy(l->id, id, sizeof(l->id));
		snprintf(l->action, sizeof(l->action), "%s", action);
		t->lookup_count++;
		pthread_cond_broadcast(&t->wake);
	}
	pthread_mutex_unlock(&t->lock);
}

static void post_result(struct container_table *t, struct result *r)
{
	pthread_mutex_lock(&t->lock);
	r->next = NULL;
	*t->results_tail = r;
	t->results_tail = &r->next;
	pthread_mutex_unlock(&t->lock);
}

/* Sleep up to `seconds`, or until the table stops. Returns false when it stopped. */
static bool wait_or_stop(struct container_table *t, int seconds)
{
	struct timespec until;
	bool running;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&t->lock);
	while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &until) != ETIMEDOUT)
		;
	running = !t->stop;
	pthread_mutex_unlock(&t->lock);
	return running;
}

static void on_engine_event(const struct engine_event *ev, void *ctx)
{
	struct container_table *t = ctx;

	if (!strcmp(ev->action, "start") || !strcmp(ev->action, "rename")) {
		queue_lookup(t, ev->id, ev->action);
	} else if (!strcmp(ev->action, "destroy")) {
		struct result *r = calloc(1, sizeof(*r));

		if (!r)
			return;
		r->kind = CONTAINER_RESULT_GONE;
		memcpy(r->id, ev->id, sizeof(r->id));
		post_result(t, r);
	}
}

static void set_api_state(struct container_table *t, enum container_api_state state, const char *why)
{
	pthread_mutex_lock(&t->lock);
	t->api_state = state;
	snprintf(t->api_error, sizeof(t->api_error), "%s", why);
	pthread_mutex_unlock(&t->lock);
}

enum container_api_state container_table_api_state(struct container_table *t, char *why, size_t len)
{
	enum container_api_state state;

	if (!t->api) {
		snprintf(why, len, "no Engine API configured");
		return CONTAINER_API_NONE;
	}
	pthread_mutex_lock(&t->lock);
	state = t->api_state;
	snprintf(why, len, "%s", t->api_error);
	pthread_mutex_unlock(&t->lock);
	return state;
}

/*
 * Connect, list what runs, follow /events; when the API goes away, say so
 * once, retry with back-off, and list again when it is back (what started
 * meanwhile is looked up then).
 */
static void *events_thread_main(void *arg)
{
	struct container_table *t = arg;
	int backoff = BACKOFF_MIN_SEC;
	bool was_up = false, said_down = false;
	char err[512];

	while (!t->stop) {
		struct engine_client *c = engine_client_new(&t->options, err, sizeof(err));
		char **ids = NULL;
		size_t n = 0;

		if (c && engine_negotiate(c, err, sizeof(err)) == 0 &&
		    engine_list_containers(c, &ids, &n, err, sizeof(err)) == 0) {
			log_info("Engine API at %s answers (API %s); %zu containers running", engine_client_endpoint(c),
				 engine_api_version(c), n);
			set_api_state(t, CONTAINER_API_UP, "");
			was_up = true;
			said_down = false;
			backoff = BACKOFF_MIN_SEC;
			for (size_t i = 0; i < n; i++)
				queue_lookup(t, ids[i], "running");
			engine_free_ids(ids, n);
			if (engine_follow_events(c, on_engine_event, t, &t->stop, err, sizeof(err)) == 0) {
				engine_client_free(c);
				break;
			}
		}
		engine_client_free(c);
		if (t->stop)
			break;
		set_api_state(t, CONTAINER_API_DOWN, err);
		if (!said_down) {
			log_warn("%s %s; containers are named by id alone until it answers (retrying)",
				 was_up ? "lost the Engine API:" : "no Engine API:", err);
			said_down = true;
		}
		if (!wait_or_stop(t, backoff))
			break;
		backoff = backoff * 2 > BACKOFF_MAX_SEC ? BACKOFF_MAX_SEC : backoff * 2;
	}
	return NULL;
}

static bool next_lookup(struct container_table *t, struct lookup *out)
{
	bool got = false;

	pthread_mutex_lock(&t->lock);
	while (!t->stop && !t->lookup_count)
		pthread_cond_wait(&t->wake, &t->lock);
	if (!t->stop) {
		*out = t->lookups[t->lookup_head];
		t->lookup_head = (t->lookup_head + 1) % LOOKUP_QUEUE_MAX;
		t->lookup_count--;
		got = true;
	}
	pthread_mutex_unlock(&t->lock);
	return got;
}

static void *inspect_thread_main(void *arg)
{
	struct container_table *t = arg;
	struct engine_client *c = NULL;
	int backoff = BACKOFF_MIN_SEC;
	struct lookup l;
	char err[512];

	while (next_lookup(t, &l)) {
		struct result *r;
		int rc;

		if (!c) {
			c = engine_client_new(&t->options, err, sizeof(err));
			if (c && engine_negotiate(c, err, sizeof(err))) {
				engine_client_free(c);
				c = NULL;
			}
			if (!c) {
				/* Down or hung: ask again later (the events thread says so in the log). */
				queue_lookup(t, l.id, l.action);
				if (!wait_or_stop(t, backoff))
					break;
				backoff = backoff * 2 > BACKOFF_MAX_SEC ? BACKOFF_MAX_SEC : backoff * 2;
				continue;
			}
			backoff = BACKOFF_MIN_SEC;
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			continue;
		memcpy(r->id, l.id, sizeof(r->id));
		snprintf(r->action, sizeof(r->action), "%s", l.action);
		/* The raw answer goes with the result: whether a capture wants it is known only when it is applied. */
		rc = engine_inspect_raw(c, l.id, &r->info, &r->answer, &r->answer_len, err, sizeof(err));
		if (rc == 0) {
			r->kind = CONTAINER_RESULT_INFO;
		} else if (rc == -ENOENT) {
			r->kind = CONTAINER_RESULT_UNKNOWN;
		} else if (rc == -EINVAL || rc == -EPROTO || rc == -ENOMEM) {
			/* An answer that cannot be used will not get better by asking again. */
			log_warn("cannot use the Engine API's answer about container %.12s: %s", l.id, err);
			r->kind = CONTAINER_RESULT_UNKNOWN;
		} else {
			/* No answer (down, or slower than the timeout): a new client, and ask again later. */
			free(r);
			engine_client_free(c);
			c = NULL;
			queue_lookup(t, l.id, l.action);
			continue;
		}
		post_result(t, r);
	}
	engine_client_free(c);
	return NULL;
}

/* ---- the pipeline's side ---- */

struct container_table *container_table_new(const struct engine_options *o)
{
	struct container_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->by_key = u64map_new();
	t->lookups = calloc(LOOKUP_QUEUE_MAX, sizeof(*t->lookups));
	if (!t->by_key || !t->lookups) {
		container_table_free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	t->results_tail = &t->results;
	if (o) {
		char err[256];
		struct engine_client *check = engine_client_new(o, err, sizeof(err));

		/* Options that can never work are the user's to fix now, not a retry loop's. */
		if (!check) {
			log_error("%s", err);
			container_table_free(t);
			return NULL;
		}
		engine_client_free(check);
		t->api = true;
		t->api_state = CONTAINER_API_STARTING;
		t->options = *o;
		if (pthread_create(&t->events_thread, NULL, events_thread_main, t) == 0 &&
		    pthread_create(&t->inspect_thread, NULL, inspect_thread_main, t) == 0) {
			t->threads_started = true;
		} else {
			log_error("cannot start the Engine API threads");
			t->stop = true;
			container_table_free(t);
			return NULL;
		}
	}
	return t;
}

void container_table_free(struct container_table *t)
{
	struct result *r, *next;

	if (!t)
		return;
	if (t->threads_started) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		pthread_cond_broadcast(&t->wake);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->events_thread, NULL);
		pthread_join(t->inspect_thread, NULL);
	}
	for (r = t->results; r; r = next) {
		next = r->next;
		result_free(r);
	}
	u64map_free(t->by_key, entry_free);
	free(t->lookups);
	if (t->results_tail) {
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->wake);
	}
	free(t);
}

static struct container_entry *find(struct container_table *t, const char *id)
{
	struct container_entry *e = u64map_get(t->by_key, id_key(id));

	return e && !strcmp(e->id, id) ? e : NULL;
}

const struct container_info *container_table_get(struct container_table *t, const struct container_ref *ref,
						 enum container_metadata *state)
{
	struct container_entry *e = find(t, ref->id);

	if (e) {
		*state = e->state;
		return e->state == CONTAINER_METADATA_KNOWN ? &e->info : NULL;
	}
	/* The Engine API knows Docker's containers, and Podman's through its compatible API. */
	if (!t->api || (ref->runtime != CONTAINER_RUNTIME_DOCKER && ref->runtime != CONTAINER_RUNTIME_PODMAN)) {
		*state = CONTAINER_METADATA_UNAVAILABLE;
		return NULL;
	}
	/* First sight: remember that it was asked for, so it is asked once. */
	e = calloc(1, sizeof(*e));
	if (e) {
		void *old = NULL;

		memcpy(e->id, ref->id, sizeof(e->id));
		e->state = CONTAINER_METADATA_PENDING;
		if (u64map_put(t->by_key, id_key(e->id), e, &old)) {
			free(e);
		} else {
			entry_free(old);
			if (!t->replay)
				queue_lookup(t, ref->id, "start");
		}
	}
	*state = CONTAINER_METADATA_PENDING;
	return NULL;
}

/* A known entry takes its result's raw answer while a capture may want it for a keyframe. */
static void keep_answer(struct container_table *t, struct container_entry *e, struct result *r)
{
	free(e->answer);
	e->answer = NULL;
	e->answer_len = 0;
	if (t->observer && r->answer) {
		e->answer = r->answer;
		e->answer_len = r->answer_len;
		r->answer = NULL;
	}
}

static void apply_result(struct container_table *t, struct result *r,
			 void (*announce)(const struct container_info *info, const char *action, void *ctx), void *ctx)
{
	struct container_entry *e = find(t, r->id);
	void *old = NULL;

	if (t->observer) {
		struct container_result_record rec = {
			.kind = r->kind,
			.id = r->id,
			.action = r->kind == CONTAINER_RESULT_INFO ? r->action : "",
			.answer = r->kind == CONTAINER_RESULT_INFO ? r->answer : NULL,
			.answer_len = r->kind == CONTAINER_RESULT_INFO ? r->answer_len : 0,
		};

		t->observer(&rec, t->observer_ctx);
	}
	switch (r->kind) {
	case CONTAINER_RESULT_GONE:
		if (e) {
			if (e->state == CONTAINER_METADATA_KNOWN)
				announce(&e->info, "destroy", ctx);
			entry_free(u64map_remove(t->by_key, id_key(r->id)));
		}
		return;
	case CONTAINER_RESULT_UNKNOWN:
		if (e && e->state == CONTAINER_METADATA_PENDING)
			e->state = CONTAINER_METADATA_UNAVAILABLE;
		return;
	case CONTAINER_RESULT_INFO:
		break;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		memcpy(e->id, r->id, sizeof(e->id));
		if (u64map_put(t->by_key, id_key(e->id), e, &old)) {
			free(e);
			return;
		}
		entry_free(old);
	} else if (e->state == CONTAINER_METADATA_KNOWN) {
		bool renamed = strcmp(e->info.name, r->info.name) != 0;

		container_info_free(&e->info);
		e->info = r->info;
		memset(&r->info, 0, sizeof(r->info));
		keep_answer(t, e, r);
		if (renamed || !strcmp(r->action, "rename"))
			announce(&e->info, "rename", ctx);
		return;
	}
	/* First knowledge of this container: announce it. */
	e->state = CONTAINER_METADATA_KNOWN;
	e->info = r->info;
	memset(&r->info, 0, sizeof(r->info));
	keep_answer(t, e, r);
	announce(&e->info, !strcmp(r->action, "running") ? "running" : "start", ctx);
}

void container_table_drain(struct container_table *t,
			   void (*announce)(const struct container_info *info, const char *action, void *ctx), void *ctx)
{
	struct result *list, *next;

	if (!t->api)
		return;
	pthread_mutex_lock(&t->lock);
	list = t->results;
	t->results = NULL;
	t->results_tail = &t->results;
	pthread_mutex_unlock(&t->lock);
	for (; list; list = next) {
		next = list->next;
		apply_result(t, list, announce, ctx);
		result_free(list);
	}
}

/* ---- capture and replay ---- */

struct container_table *container_table_new_replay(bool api)
{
	struct container_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->by_key = u64map_new();
	if (!t->by_key) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	t->results_tail = &t->results;
	t->replay = true;
	t->api = api;
	t->api_state = api ? CONTAINER_API_UP : CONTAINER_API_NONE;
	return t;
}

void *container_table_set_observer(struct container_table *t, container_observer_fn fn, void *ctx)
{
	void *old = t->observer_ctx;

	t->observer = fn;
	t->observer_ctx = fn ? ctx : NULL;
	if (!fn) {
		size_t it = 0;
		uint64_t key;
		void *value;

		while (u64map_next(t->by_key, &it, &key, &value)) {
			struct container_entry *e = value;

			free(e->answer);
			e->answer = NULL;
			e->answer_len = 0;
		}
	}
	return old;
}

/* What a live table holds as an id: lower-case hex, as the cgroup path and the API give it. */
static bool recorded_id_ok(const char *id, char *err, size_t errlen)
{
	size_t len = id ? strnlen(id, CONTAINER_ID_MAX + 1) : 0;

	if (len == 0 || len > CONTAINER_ID_MAX || strspn(id, "0123456789abcdef") != len) {
		snprintf(err, errlen, "'%.80s' is not a container id (1 to %d lower-case hex digits)", id ? id : "",
			 CONTAINER_ID_MAX);
		return false;
	}
	return true;
}

static void announce_nothing(const struct container_info *info, const char *action, void *ctx)
{
	(void)info, (void)action, (void)ctx;
}

/* A copy of a raw answer, NUL-terminated; NULL when out of memory. */
static char *copy_answer(const char *answer, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, answer, len);
		copy[len] = '\0';
	}
	return copy;
}

/* Parse a recorded answer with the one parser, saying which container's answer failed. */
static int parse_recorded_answer(const char *id, const char *answer, size_t len, struct container_info *info,
				 char *err, size_t errlen)
{
	char why[512];
	int ret;

	if (!answer) {
		snprintf(err, errlen, "container %.12s: no Engine API answer", id);
		return -EINVAL;
	}
	ret = container_info_parse(answer, len, info, why, sizeof(why));
	if (ret == -EINVAL)
		snprintf(err, errlen, "container %.12s: the recorded Engine API answer is bad: %s", id, why);
	else if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

int container_table_apply_recorded(struct container_table *t, const struct container_result_record *r,
				   void (*announce)(const struct container_info *info, const char *action, void *ctx),
				   void *ctx, char *err, size_t errlen)
{
	struct result *res;
	int ret;

	if (!recorded_id_ok(r->id, err, errlen))
		return -EINVAL;
	switch (r->kind) {
	case CONTAINER_RESULT_INFO:
		if (!r->action || (strcmp(r->action, "start") && strcmp(r->action, "running") &&
				   strcmp(r->action, "rename"))) {
			snprintf(err, errlen, "container %.12s: action '%.40s' is none of start, running, rename",
				 r->id, r->action ? r->action : "");
			return -EINVAL;
		}
		break;
	case CONTAINER_RESULT_GONE:
	case CONTAINER_RESULT_UNKNOWN:
		break;
	default:
		snprintf(err, errlen, "container %.12s: unknown kind of result %d", r->id, (int)r->kind);
		return -EINVAL;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	res->kind = r->kind;
	snprintf(res->id, sizeof(res->id), "%s", r->id);
	if (r->kind == CONTAINER_RESULT_INFO) {
		snprintf(res->action, sizeof(res->action), "%s", r->action);
		ret = parse_recorded_answer(r->id, r->answer, r->answer_len, &res->info, err, errlen);
		if (ret) {
			free(res);
			return ret;
		}
		if (t->observer && !(res->answer = copy_answer(r->answer, r->answer_len))) {
			/* The observer would miss the answer a keyframe needs: fail as a whole. */
			container_info_free(&res->info);
			free(res);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		res->answer_len = r->answer_len;
	}
	apply_result(t, res, announce ? announce : announce_nothing, ctx);
	result_free(res);
	return 0;
}

int container_table_foreach(const struct container_table *t,
			    int (*fn)(const char *id, enum container_metadata state, const char *answer,
				      size_t answer_len, void *ctx),
			    void *ctx)
{
	size_t it = 0;
	uint64_t key;
	void *value;
	int ret;

	while (u64map_next(t->by_key, &it, &key, &value)) {
		const struct container_entry *e = value;

		if ((ret = fn(e->id, e->state, e->answer, e->answer_len, ctx)))
			return ret;
	}
	return 0;
}

int container_table_restore(struct container_table *t, const char *id, enum container_metadata state,
			    const char *answer, size_t answer_len, char *err, size_t errlen)
{
	struct container_entry *e;
	void *old = NULL;
	int ret;

	if (!recorded_id_ok(id, err, errlen))
		return -EINVAL;
	if (state != CONTAINER_METADATA_UNAVAILABLE && state != CONTAINER_METADATA_PENDING &&
	    state != CONTAINER_METADATA_KNOWN) {
		snprintf(err, errlen, "container %.12s: unknown metadata state %d", id, (int)state);
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->state = state;
	if (state == CONTAINER_METADATA_KNOWN) {
		ret = parse_recorded_answer(id, answer, answer_len, &e->info, err, errlen);
		if (ret) {
			free(e);
			return ret;
		}
		if (t->observer && !(e->answer = copy_answer(answer, answer_len))) {
			entry_free(e);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		e->answer_len = e->answer ? answer_len : 0;
	}
	if (u64map_put(t->by_key, id_key(e->id), e, &old)) {
		entry_free(e);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	entry_free(old);
	return 0;
}

void container_table_clear(struct container_table *t)
{
	u64map_clear(t->by_key, entry_free);
}
