// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Largest answer read into memory; the inspect parser refuses larger ones anyway. */
#define ENGINE_MAX_BODY CONTAINER_INFO_MAX_ANSWER
/* Longest line of the event stream kept; longer ones are skipped whole. */
#define ENGINE_MAX_EVENT_LINE (64u * 1024)

struct engine_client {
	CURL *curl;
	char base_url[512];
	char endpoint[600];
	char version[16];
	struct engine_options options;
	char curl_error[CURL_ERROR_SIZE];
};

struct body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t collect_body(char *chunk, size_t size, size_t n, void *userdata)
{
	struct body *b = userdata;
	size_t add = size * n;
	char *grown;

	if (b->len + add > ENGINE_MAX_BODY) {
		b->too_big = true;
		return 0; /* makes curl fail the transfer */
	}
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, chunk, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

static void global_init_once(void)
{
	static bool done;

	/* Called from the container table before it starts any thread. */
	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = true;
	}
}

struct engine_client *engine_client_new(const struct engine_options *o, char *err, size_t errlen)
{
	struct engine_client *c;

	global_init_once();
	if (o->url && strncmp(o->url, "https://", 8) && strncmp(o->url, "http://", 7)) {
		snprintf(err, errlen, "engine URL '%s' must start with https:// or http://", o->url);
		return NULL;
	}
	if (o->url && !strncmp(o->url, "https://", 8) && (!o->tls_ca || !o->tls_cert || !o->tls_key)) {
		snprintf(err, errlen, "an https engine URL needs --engine-tls-ca, --engine-tls-cert and --engine-tls-key");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->options = *o;
	if (!c->options.socket_path)
		c->options.socket_path = ENGINE_DEFAULT_SOCKET;
	if (!c->options.timeout_ms)
		c->options.timeout_ms = 5000;
	if (o->url) {
		size_t len = strlen(o->url);

		snprintf(c->base_url, sizeof(c->base_url), "%.*s", (int)(len && o->url[len - 1] == '/' ? len - 1 : len),
			 o->url);
		snprintf(c->endpoint, sizeof(c->endpoint), "%s", c->base_url);
	} else {
		/* Over a unix socket the host part is a formality. */
		snprintf(c->base_url, sizeof(c->base_url), "http://localhost");
		snprintf(c->endpoint, sizeof(c->endpoint), "unix://%s", c->options.socket_path);
	}
	c->curl = curl_easy_init();
	if (!c->curl) {
		snprintf(err, errlen, "cannot start libcurl");
		free(c);
		return NULL;
	}
	return c;
}

void engine_client_free(struct engine_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

const char *engine_client_endpoint(const struct engine_client *c)
{
	return c->endpoint;
}

const char *engine_api_version(const struct engine_client *c)
{
	return c->version;
}

/* The options every request shares: where, how, and the TLS material. */
static void setup_request(struct engine_client *c, CURL *curl, const char *url)
{
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->curl_error);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, c->options.timeout_ms);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (!c->options.url) {
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, c->options.socket_path);
	} else if (c->options.tls_ca) {
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->options.tls_ca);
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->options.tls_cert);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->options.tls_key);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	c->curl_error[0] = '\0';
}

/* GET path (already versioned), the answer into *body. Returns the HTTP status, or -errno. */
static long get(struct engine_client *c, const char *path, struct body *body, char *err, size_t errlen)
{
	char url[1024];
	long status = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", c->base_url, path);
	setup_request(c, c->curl, url);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->options.timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, body);
	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK) {
		long os_errno = 0;

		curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
		if (body->too_big)
			snprintf(err, errlen, "%s%s: answer larger than %u bytes", c->endpoint, path, ENGINE_MAX_BODY);
		else if (rc == CURLE_COULDNT_CONNECT && os_errno)
			/* curl words a unix socket failure as "localhost port 80": say what it is. */
			snprintf(err, errlen, "cannot connect to %s: %s", c->endpoint, strerror((int)os_errno));
		else
			snprintf(err, errlen, "%s%s: %s", c->endpoint, path,
				 c->curl_error[0] ? c->curl_error : curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* "1.41" < "1.43"? Compares major.minor numerically. */
static int compare_versions(const char *a, const char *b)
{
	unsigned int amaj = 0, amin = 0, bmaj = 0, bmin = 0;

	sscanf(a, "%u.%u", &amaj, &amin);
	sscanf(b, "%u.%u", &bmaj, &bmin);
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	return amin < bmin ? -1 : amin > bmin;
}

int engine_negotiate(struct engine_client *c, char *err, size_t errlen)
{
	struct body body = { 0 };
	json_t *root = NULL, *api;
	long status = get(c, "/version", &body, err, errlen);
	int ret = 0;

	if (status < 0) {
		ret = (int)status;
		goto out;
	}
	if (status != 200) {
		snprintf(err, errlen, "%s/version answered HTTP %ld", c->endpoint, status);
		ret = -EPROTO;
		goto out;
	}
	root = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
	api = root ? json_object_get(root, "ApiVersion") : NULL;
	if (!json_is_string(api) || json_string_length(api) > 8 ||
	    strspn(json_string_value(api), "0123456789.") != json_string_length(api)) {
		snprintf(err, errlen, "%s/version: no usable ApiVersion in the answer", c->endpoint);
		ret = -EPROTO;
		goto out;
	}
	snprintf(c->version, sizeof(c->version), "%s",
		 compare_versions(json_string_value(api), ENGINE_MAX_API_VERSION) < 0 ? json_string_value(api)
										: ENGINE_MAX_API_VERSION);
out:
	json_decref(root);
	free(body.data);
	return ret;
}

void engine_free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static bool is_container_id(const char *s)
{
	if (!s || strlen(s) != CONTAINER_ID_MAX)
		return false;
	return strspn(s, "0123456789abcdef") == CONTAINER_ID_MAX;
}

int engine_list_containers(struct engine_client *c, char ***ids, size_t *n, char *err, size_t errlen)
{
	struct body body = { 0 };
	char path[64];
	json_t *root = NULL, *item;
	size_t i;
	long status;
	int ret = 0;

	*ids = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/v%s/containers/json", c->version);
	status = get(c, path, &body, err, errlen);
	if (status < 0) {
		ret = (int)status;
		goto out;
	}
	root = status == 200 ? json_loadb(body.data ? body.data : "", body.len, 0, NULL) : NULL;
	if (!json_is_array(root)) {
		snprintf(err, errlen, "%s%s: answered HTTP %ld without a list of containers", c->endpoint, path, status);
		ret = -EPROTO;
		goto out;
	}
	*ids = calloc(json_array_size(root) + 1, sizeof(char *));
	if (!*ids) {
		ret = -ENOMEM;
		goto out;
	}
	json_array_foreach(root, i, item) {
		const char *id = json_string_value(json_object_get(item, "Id"));

		/* A malformed entry is skipped: one bad container must not hide the others. */
		if (is_container_id(id))
			(*ids)[(*n)++] = strdup(id);
	}
out:
	json_decref(root);
	free(body.data);
	return ret;
}

int engine_inspect_raw(struct engine_client *c, const char *id, struct container_info *info, char **answer,
		       size_t *answer_len, char *err, size_t errlen)
{
	struct body body = { 0 };
	char path[160];
	long status;
	int ret;

	if (answer) {
		*answer = NULL;
		*answer_len = 0;
	}
	if (!is_container_id(id)) {
		snprintf(err, errlen, "'%.80s' is not a container id", id);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/v%s/containers/%s/json", c->version, id);
	status = get(c, path, &body, err, errlen);
	if (status < 0) {
		ret = (int)status;
	} else if (status == 404) {
		snprintf(err, errlen, "container %.12s is gone", id);
		ret = -ENOENT;
	} else if (status != 200) {
		snprintf(err, errlen, "%s%s answered HTTP %ld", c->endpoint, path, status);
		ret = -EPROTO;
	} else {
		ret = container_info_parse(body.data ? body.data : "", body.len, info, err, errlen);
		if (ret == 0 && answer) {
			if (!body.data && !(body.data = strdup(""))) {
				container_info_free(info);
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			*answer = body.data;
			*answer_len = body.len;
			return 0;
		}
	}
	free(body.data);
	return ret;
}

int engine_inspect(struct engine_client *c, const char *id, struct container_info *info, char *err, size_t errlen)
{
	return engine_inspect_raw(c, id, info, NULL, NULL, err, errlen);
}

int engine_parse_event(const char *line, size_t len, struct engine_event *out)
{
	json_t *root = json_loadb(line, len, 0, NULL);
	const char *type, *action, *id;
	int ret = -EINVAL;

	if (!root)
		return -EINVAL;
	type = json_string_value(json_object_get(root, "Type"));
	action = json_string_value(json_object_get(root, "Action"));
	id = json_string_value(json_object_get(json_object_get(root, "Actor"), "ID"));
	if (type && !strcmp(type, "container") && action && is_container_id(id)) {
		/* "exec_start: sh -c ..." and "health_status: healthy" carry detail after ':'. */
		size_t action_len = strcspn(action, ":");

		if (action_len < sizeof(out->action)) {
			memcpy(out->action, action, action_len);
			out->action[action_len] = '\0';
			memcpy(out->id, id, CONTAINER_ID_MAX + 1);
			ret = 0;
		}
	}
	json_decref(root);
	return ret;
}

struct stream {
	char line[ENGINE_MAX_EVENT_LINE];
	size_t len;
	bool overlong; /* the current line is being skipped */
	void (*on_event)(const struct engine_event *ev, void *ctx);
	void *ctx;
	volatile bool *stop;
};

static size_t stream_chunk(char *chunk, size_t size, size_t n, void *userdata)
{
	struct stream *s = userdata;
	size_t total = size * n;

	for (size_t i = 0; i < total; i++) {
		if (chunk[i] == '\n') {
			struct engine_event ev;

			if (!s->overlong && s->len && engine_parse_event(s->line, s->len, &ev) == 0)
				s->on_event(&ev, s->ctx);
			s->len = 0;
			s->overlong = false;
		} else if (s->len < sizeof(s->line)) {
			s->line[s->len++] = chunk[i];
		} else {
			s->overlong = true;
		}
	}
	return total;
}

static int stream_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct stream *s = userdata;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return *s->stop ? 1 : 0; /* non-zero aborts the transfer */
}

int engine_follow_events(struct engine_client *c, void (*on_event)(const struct engine_event *ev, void *ctx),
			 void *ctx, volatile bool *stop, char *err, size_t errlen)
{
	struct stream *s = calloc(1, sizeof(*s));
	char url[1024];
	CURLcode rc;

	if (!s)
		return -ENOMEM;
	s->on_event = on_event;
	s->ctx = ctx;
	s->stop = stop;
	/* filters={"type":["container"]}, URL-encoded. */
	snprintf(url, sizeof(url), "%s/v%s/events?filters=%%7B%%22type%%22%%3A%%5B%%22container%%22%%5D%%7D",
		 c->base_url, c->version);
	setup_request(c, c->curl, url);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, stream_chunk);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, stream_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, s);
	/* No timeout: the stream is silent while nothing happens. A daemon that stops closes it. */
	rc = curl_easy_perform(c->curl);
	free(s);
	if (*stop)
		return 0;
	snprintf(err, errlen, "%s event stream %s", c->endpoint,
		 rc == CURLE_OK ? "ended" : (c->curl_error[0] ? c->curl_error : curl_easy_strerror(rc)));
	return -ECONNRESET;
}
