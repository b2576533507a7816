/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A Docker Engine API client (Podman's Docker-compatible API too), over the
 * unix socket or over TCP with TLS client certificates, with the API version
 * negotiated from /version. Blocking calls with timeouts: it runs on the
 * container table's own threads, never on the event path.
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "container_info.h"

#define ENGINE_DEFAULT_SOCKET "/var/run/docker.sock"
/* The newest API version vigil speaks; older daemons are spoken to in theirs. */
#define ENGINE_MAX_API_VERSION "1.43"

struct engine_options {
	const char *socket_path; /* unix socket; used when url is NULL */
	const char *url;         /* "https://host:port" or "http://host:port"; NULL for the socket */
	const char *tls_ca;      /* with url: CA bundle that signed the daemon's certificate */
	const char *tls_cert;    /* with url: vigil's client certificate */
	const char *tls_key;     /* with url: its key */
	long timeout_ms;         /* per request (not the event stream); 0 = 5000 */
};

struct engine_client;

/* A client for one thread. NULL with a sentence in err when the options are unusable. */
struct engine_client *engine_client_new(const struct engine_options *o, char *err, size_t errlen);
void engine_client_free(struct engine_client *c);

/* Where it talks to, for messages: "unix:///var/run/docker.sock", "https://127.0.0.1:2376". */
const char *engine_client_endpoint(const struct engine_client *c);

/* GET /version and settle on min(server's ApiVersion, ENGINE_MAX_API_VERSION). 0 or -errno. */
int engine_negotiate(struct engine_client *c, char *err, size_t errlen);
/* "1.41" once negotiated. */
const char *engine_api_version(const struct engine_client *c);

/* The full ids of the running containers. *ids is malloc'd, each id too. 0 or -errno. */
int engine_list_containers(struct engine_client *c, char ***ids, size_t *n, char *err, size_t errlen);
void engine_free_ids(char **ids, size_t n);

/* GET /containers/{id}/json into *info. -ENOENT when the container is gone. */
int engine_inspect(struct engine_client *c, const char *id, struct container_info *info, char *err, size_t errlen);
/*
 * As engine_inspect, and on success (0) the answer as it came, for capture
 * files: *answer malloc'd (NUL-terminated, *answer_len bytes before the NUL).
 * Otherwise *answer is NULL.
 */
int engine_inspect_raw(struct engine_client *c, const char *id, struct container_info *info, char **answer,
		       size_t *answer_len, char *err, size_t errlen);

/* One container event from the /events stream. */
struct engine_event {
	char action[32]; /* "start", "die", "destroy", "rename", ... */
	char id[CONTAINER_ID_MAX + 1];
};

/*
 * Follow /events (containers only) and call on_event for each, until the
 * stream ends, fails, or *stop becomes true (checked at least once a second).
 * Returns 0 when stopped, -errno when the stream failed or ended.
 */
int engine_follow_events(struct engine_client *c, void (*on_event)(const struct engine_event *ev, void *ctx),
			 void *ctx, volatile bool *stop, char *err, size_t errlen);

/* Parse one line of the /events stream; exposed for tests and fuzzing. 0, or -EINVAL to skip it. */
int engine_parse_event(const char *line, size_t len, struct engine_event *out);

#endif /* VIGIL_ENGINE_H */
