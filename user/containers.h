/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The container table: what the Engine API says about each container,
 * cached by container id and kept current from the /events stream. The API
 * is spoken to on two threads of the table's own (one follows /events, one
 * inspects), never on the event path: an event whose container is not known
 * yet goes out marked "metadata pending" and the lookup is queued; results
 * come back to the pipeline's thread through container_table_drain. With no
 * Engine API configured or reachable, containers are named by id alone.
 */
#ifndef VIGIL_CONTAINERS_H
#define VIGIL_CONTAINERS_H

#include <stdbool.h>

#include "container.h"
#include "container_info.h"
#include "engine.h"

struct container_table;

/* o == NULL: no Engine API; every container stays id-only. */
struct container_table *container_table_new(const struct engine_options *o);
void container_table_free(struct container_table *t);

enum container_metadata {
	CONTAINER_METADATA_UNAVAILABLE, /* no Engine API, or it does not know the container */
	CONTAINER_METADATA_PENDING,     /* asked for, not answered yet */
	CONTAINER_METADATA_KNOWN,       /* info is there */
};

/*
 * The pipeline's thread: the metadata of a container, or NULL with *state
 * saying why. A first sight of an unknown container queues its lookup.
 */
const struct container_info *container_table_get(struct container_table *t, const struct container_ref *ref,
						 enum container_metadata *state);

enum container_api_state {
	CONTAINER_API_NONE,     /* --no-engine */
	CONTAINER_API_STARTING, /* not tried yet */
	CONTAINER_API_UP,
	CONTAINER_API_DOWN,     /* unreachable or lost: why says why */
};

/* Any thread: whether the Engine API answers now; why (cut to len) when it does not. */
enum container_api_state container_table_api_state(struct container_table *t, char *why, size_t len);

/*
 * The pipeline's thread, often (the agent calls it on every turn of its
 * loop): take in what the API threads found. announce is
 * called for each container seen for the first time ("start" when it started
 * while vigil ran, "running" when it was already running), renamed
 * ("rename") or destroyed ("destroy", then forgotten).
 */
void container_table_drain(struct container_table *t,
			   void (*announce)(const struct container_info *info, const char *action, void *ctx),
			   void *ctx);

/* ---- capture and replay (user/capture_state.c) ---- */

/*
 * A table with no Engine API threads, for replay: container_table_get answers
 * as a live table with (api) or without an Engine API would, and results come
 * only from container_table_apply_recorded. NULL when out of memory.
 */
struct container_table *container_table_new_replay(bool api);

/* What the Engine API said about a container, as the table applies it. */
enum container_result {
	CONTAINER_RESULT_INFO,    /* an answer about it: new, changed, renamed */
	CONTAINER_RESULT_GONE,    /* destroyed */
	CONTAINER_RESULT_UNKNOWN, /* the API does not know it, or its answer could not be used */
};

struct container_result_record {
	enum container_result kind;
	const char *id;     /* the id it was asked about: 1 to CONTAINER_ID_MAX lower-case hex digits */
	const char *action; /* INFO: "start", "running" or "rename" (why it was asked); else "" */
	const char *answer; /* INFO: the /containers/{id}/json answer as it came; else NULL */
	size_t answer_len;
};

/*
 * Told of every result the table applies (on the pipeline's thread, in
 * container_table_drain or container_table_apply_recorded), before the
 * announcements it causes. While an observer is set the table keeps each
 * known container's raw answer, for keyframes; a container learnt before
 * has none (container_table_foreach then gives NULL).
 */
typedef void (*container_observer_fn)(const struct container_result_record *r, void *ctx);

/* Set (fn NULL: remove, and drop the raw answers) the one observer. Returns the ctx of the one it replaces. */
void *container_table_set_observer(struct container_table *t, container_observer_fn fn, void *ctx);

/*
 * Apply a recorded result exactly as a live drain applies one (announce is
 * called as it would have been): the answer is parsed by
 * container_info_parse. 0, or -EINVAL with a sentence in err (a bad id,
 * action or answer: nothing changed), -ENOMEM.
 */
int container_table_apply_recorded(struct container_table *t, const struct container_result_record *r,
				   void (*announce)(const struct container_info *info, const char *action, void *ctx),
				   void *ctx, char *err, size_t errlen);

/*
 * Call fn on every entry (in no particular order) until it returns non-zero;
 * returns that value, or 0. answer: the raw answer of a KNOWN entry when it
 * was kept (see container_table_set_observer), else NULL. fn must not change the table.
 */
int container_table_foreach(const struct container_table *t,
			    int (*fn)(const char *id, enum container_metadata state, const char *answer,
				      size_t answer_len, void *ctx),
			    void *ctx);

/*
 * Put an entry back as a keyframe held it, without announcing it: KNOWN
 * needs its answer (parsed by container_info_parse). 0, or -EINVAL with a
 * sentence in err (nothing changed), -ENOMEM.
 */
int container_table_restore(struct container_table *t, const char *id, enum container_metadata state,
			    const char *answer, size_t answer_len, char *err, size_t errlen);

/* Forget every entry, without announcing. Results the API threads have not handed over stay queued. */
void container_table_clear(struct container_table *t);

#endif /* VIGIL_CONTAINERS_H */
