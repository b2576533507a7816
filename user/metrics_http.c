// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The metrics endpoint's HTTP side, with libmicrohttpd: GET /healthz and GET
 * /metrics from what the agent's loop published (metrics.h); anything else is
 * 404 (405 for a method other than GET or HEAD).
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"

/* A scraper or a probe: a few at a time are plenty, and none may hold a connection long. */
#define METRICS_CONNECTIONS_MAX 16
#define METRICS_CONNECTION_TIMEOUT_SEC 10

struct metrics_server {
	struct metrics_state state;
	struct MHD_Daemon *daemon;
	int listen_fd;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *content_type, char *body,
			     size_t len)
{
	/* body is malloc'd: libmicrohttpd frees it with the response. */
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status, const char *text)
{
	char *body = strdup(text);

	if (!body)
		return MHD_NO;
	return reply(conn, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct metrics_server *m = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	/* A body is never expected: whatever comes is ignored. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!strcmp(url, "/healthz")) {
		char body[320];
		int status = metrics_state_health(&m->state, clock_ns(CLOCK_MONOTONIC), body, sizeof(body));

		return reply_text(conn, (unsigned int)status, body);
	}
	if (!strcmp(url, "/metrics")) {
		size_t len = 0;
		char *text = metrics_state_copy(&m->state, &len);

		if (!text)
			return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics yet\n");
		return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len);
	}
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: vigil serves /metrics and /healthz\n");
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char text[512];

	(void)cls;
	vsnprintf(text, sizeof(text), fmt, ap);
	/* libmicrohttpd's messages end with a newline of their own. */
	text[strcspn(text, "\n")] = '\0';
	log_warn("metrics endpoint: %s", text);
}

struct metrics_server *metrics_server_start(const struct metrics_address *addr, const char *text_addr, char *err,
					    size_t errlen)
{
	struct metrics_server *m = calloc(1, sizeof(*m));
	int one = 1;

	if (!m || metrics_state_init(&m->state)) {
		snprintf(err, errlen, "out of memory");
		free(m);
		return NULL;
	}
	/* Bound here, not by libmicrohttpd, so that a failure says why. */
	m->listen_fd = socket(addr->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0 || setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->listen_fd, (const struct sockaddr *)&addr->addr, addr->len) || listen(m->listen_fd, 16)) {
		snprintf(err, errlen, "cannot serve metrics on %s: %s (--metrics-address)", text_addr, strerror(errno));
		goto fail;
	}
	m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
					     (addr->addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, on_request, m,
				     /* First, or libmicrohttpd says so on stderr. */
				     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
				     MHD_OPTION_LISTEN_SOCKET, m->listen_fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS_MAX,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_CONNECTION_TIMEOUT_SEC,
				     MHD_OPTION_END);
	if (!m->daemon) {
		snprintf(err, errlen, "cannot start the metrics endpoint's HTTP server on %s (libmicrohttpd)",
			 text_addr);
		goto fail;
	}
	return m;
fail:
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	metrics_state_destroy(&m->state);
	free(m);
	return NULL;
}

struct metrics_state *metrics_server_state(struct metrics_server *m)
{
	return &m->state;
}

void metrics_server_stop(struct metrics_server *m)
{
	if (!m)
		return;
	/* MHD_stop_daemon joins the thread; the listening socket it was given stays ours to close. */
	MHD_stop_daemon(m->daemon);
	close(m->listen_fd);
	metrics_state_destroy(&m->state);
	free(m);
}
