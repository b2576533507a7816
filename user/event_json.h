/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* An event and what the agent knows around it, as one JSON object (`vigil run --events`). */
#ifndef VIGIL_EVENT_JSON_H
#define VIGIL_EVENT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "container.h"
#include "container_info.h"
#include "containers.h"
#include "decode.h"
#include "proctable.h"

#define EVENT_JSON_ANCESTORS_MAX 8

struct event_context {
	const struct event_view *ev;
	const struct process *proc;                 /* the table's entry; NULL if unknown */
	const struct process *ancestors[EVENT_JSON_ANCESTORS_MAX]; /* parent first */
	size_t n_ancestors;
	const char *cgroup_path;                    /* NULL when unresolved */
	const struct container_ref *container;      /* NULL for the host */
	const struct container_info *container_info; /* the Engine API's word; NULL when not known */
	enum container_metadata metadata;           /* why container_info is NULL */
	int64_t boot_to_unix_ns;                    /* add to ts_boot_ns for wall-clock time */
};

/* A container's identity for events: id, name, image, labels, Kubernetes fields. New reference. */
json_t *container_summary_json(const struct container_info *info);

/* A new reference to the event's JSON object, or NULL when out of memory. */
json_t *event_to_json(const struct event_context *ctx);

#endif /* VIGIL_EVENT_JSON_H */
