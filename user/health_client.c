// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "health_client.h"
#include "metrics.h"

/* The answer's body: the agent's reason, a line; the rest is not kept. */
struct body {
	char text[256];
	size_t len;
};

static size_t keep_body(char *data, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n, room = sizeof(b->text) - 1 - b->len;

	memcpy(b->text + b->len, data, len < room ? len : room);
	b->len += len < room ? len : room;
	b->text[b->len] = '\0';
	return len;
}

int health_check(const char *address, long timeout_ms, char *err, size_t errlen)
{
	struct metrics_address parsed;
	struct body body = { .len = 0 };
	char url[128];
	long status = 0;
	CURLcode rc;
	CURL *curl;

	if (metrics_parse_address(address, &parsed, err, errlen))
		return -1;
	snprintf(url, sizeof(url), "http://%s/healthz", address);
	curl = curl_easy_init();
	if (!curl) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "no answer from %s: %s (is vigil running with --metrics-address %s?)", url,
			 curl_easy_strerror(rc), address);
		return -1;
	}
	if (status == 200)
		return 0;
	body.text[strcspn(body.text, "\n")] = '\0';
	snprintf(err, errlen, "%s answered %ld: %s", url, status, body.text[0] ? body.text : "(no reason)");
	return -1;
}
