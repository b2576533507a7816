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

#endif /* VIGIL_CONTAINERS_H */
