// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "enforce.h"
#include "metrics.h"

size_t metrics_escape_label(const char *value, char *buf, size_t size)
{
	size_t need = 0;

	for (const char *c = value; *c; c++) {
		const char *piece;
		char one[2] = { *c, '\0' };

		switch (*c) {
		case '\\':
			piece = "\\\\";
			break;
		case '"':
			piece = "\\\"";
			break;
		case '\n':
			piece = "\\n";
			break;
		default:
			piece = one;
		}
		for (; *piece; piece++, need++)
			if (need + 1 < size)
				buf[need] = *piece;
	}
	if (size)
		buf[need < size ? need : size - 1] = '\0';
	return need;
}

/* A label value, escaped, onto f. */
static void put_label(FILE *f, const char *name, const char *value)
{
	char small[256];
	size_t need = metrics_escape_label(value, small, sizeof(small));
	char *big = NULL;

	if (need >= sizeof(small)) {
		big = malloc(need + 1);
		if (big)
			metrics_escape_label(value, big, need + 1);
	}
	fprintf(f, "%s=\"%s\"", name, big ? big : small);
	free(big);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Which number of a type's counters a family reports. */
enum by_type {
	BY_TYPE_RECEIVED,
	BY_TYPE_EMITTED,
	BY_TYPE_DROPPED,
	BY_TYPE_FILTERED,
};

static void put_by_type(FILE *f, const char *name, const char *help, const struct metrics_snapshot *s,
			enum by_type which)
{
	put_family(f, name, "counter", help);
	for (unsigned int t = 1; t < VIGIL_EVENT_TYPE_MAX; t++) {
		const char *type = event_type_name(t);
		uint64_t value = which == BY_TYPE_RECEIVED ? s->received[t]
				 : which == BY_TYPE_EMITTED ? s->kernel[t].emitted
				 : which == BY_TYPE_DROPPED ? s->kernel[t].dropped
							    : s->kernel[t].filtered;

		if (!type)
			continue;
		fprintf(f, "%s{", name);
		put_label(f, "type", type);
		fprintf(f, "} %llu\n", (unsigned long long)value);
	}
}

char *metrics_render(const struct metrics_snapshot *s, size_t *len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	put_family(f, "vigil_build_info", "gauge", "vigil's version, as a label; the value is always 1.");
	fprintf(f, "vigil_build_info{");
	put_label(f, "version", s->version ? s->version : "unknown");
	fprintf(f, "} 1\n");

	put_by_type(f, "vigil_events_total", "Events received from the kernel and decoded, by type.", s, BY_TYPE_RECEIVED);
	if (s->have_kernel) {
		put_by_type(f, "vigil_kernel_events_emitted_total",
			    "Records the kernel wrote to the ring buffer, by event type.", s, BY_TYPE_EMITTED);
		put_by_type(f, "vigil_kernel_events_dropped_total",
			    "Records the kernel lost because the ring buffer was full, by event type.", s, BY_TYPE_DROPPED);
		put_by_type(f, "vigil_kernel_events_filtered_total",
			    "Events a hook saw but an in-kernel filter dropped, by event type.", s, BY_TYPE_FILTERED);
	}

	put_family(f, "vigil_enforcement_total", "counter", "Events enforcement acted on, by verdict.");
	for (unsigned int v = 1; v < METRICS_VERDICTS; v++) {
		fprintf(f, "vigil_enforcement_total{");
		put_label(f, "verdict", enforce_verdict_name((uint8_t)v));
		fprintf(f, "} %llu\n", (unsigned long long)s->verdicts[v]);
	}

	put_family(f, "vigil_containers_tracked", "gauge", "Containers in vigil's container table.");
	fprintf(f, "vigil_containers_tracked %llu\n", (unsigned long long)s->containers_tracked);

	if (s->have_alerting) {
		put_family(f, "vigil_alerts_total", "counter",
			   "Alerts sent to the outputs, by rule and priority (rate-limited ones are not counted).");
		for (size_t i = 0; i < s->n_rules; i++) {
			fprintf(f, "vigil_alerts_total{");
			put_label(f, "rule", s->rules[i].rule);
			fputc(',', f);
			put_label(f, "priority", rule_priority_name(s->rules[i].priority));
			fprintf(f, "} %llu\n", (unsigned long long)s->rules[i].alerts);
		}
		put_family(f, "vigil_alerts_rate_limited_total", "counter",
			   "Alerts the rate limiter held back (their counts go out in summaries).");
		fprintf(f, "vigil_alerts_rate_limited_total %llu\n", (unsigned long long)s->rate_limited);
		put_family(f, "vigil_health_alerts_total", "counter", "vigil's own health alerts.");
		fprintf(f, "vigil_health_alerts_total %llu\n", (unsigned long long)s->health_alerts);

		put_family(f, "vigil_sink_queue_depth", "gauge", "Alerts queued for an output, by its -o spec.");
		for (size_t i = 0; i < s->n_outputs; i++) {
			fprintf(f, "vigil_sink_queue_depth{");
			put_label(f, "output", s->outputs[i].name);
			fprintf(f, "} %zu\n", s->outputs[i].queued);
		}
		put_family(f, "vigil_sink_written_total", "counter", "Alerts an output wrote, by its -o spec.");
		for (size_t i = 0; i < s->n_outputs; i++) {
			fprintf(f, "vigil_sink_written_total{");
			put_label(f, "output", s->outputs[i].name);
			fprintf(f, "} %llu\n", (unsigned long long)s->outputs[i].written);
		}
		put_family(f, "vigil_sink_dropped_total", "counter",
			   "Alerts an output dropped because its queue was full, by its -o spec.");
		for (size_t i = 0; i < s->n_outputs; i++) {
			fprintf(f, "vigil_sink_dropped_total{");
			put_label(f, "output", s->outputs[i].name);
			fprintf(f, "} %llu\n", (unsigned long long)s->outputs[i].dropped);
		}
	}

	if (s->rss_bytes) {
		put_family(f, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
		fprintf(f, "process_resident_memory_bytes %llu\n", (unsigned long long)s->rss_bytes);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	*len = size;
	return text;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

int metrics_parse_address(const char *text, struct metrics_address *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text, *colon;
	char *end;
	unsigned long port;
	size_t host_len;
	bool bracketed = text[0] == '[';

	memset(out, 0, sizeof(*out));
	if (bracketed) {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "--metrics-address %s: an IPv6 address goes in brackets, then :PORT "
				 "([::1]:9464)", text);
			return -EINVAL;
		}
		host_len = (size_t)(close - text - 1);
		text++;
		port_text = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			snprintf(err, errlen, "--metrics-address %s: give ADDRESS:PORT (127.0.0.1:9464)", text);
			return -EINVAL;
		}
		host_len = (size_t)(colon - text);
		port_text = colon + 1;
	}
	errno = 0;
	port = strtoul(port_text, &end, 10);
	if (!*port_text || *end || errno || port == 0 || port > 65535 || *port_text == '-' || *port_text == '+') {
		snprintf(err, errlen, "--metrics-address: the port '%s' is not a number from 1 to 65535", port_text);
		return -EINVAL;
	}
	if (host_len >= sizeof(host)) {
		snprintf(err, errlen, "--metrics-address: '%.*s' is not a numeric IP address", (int)host_len, text);
		return -EINVAL;
	}
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (!bracketed && inet_pton(AF_INET, host, &((struct sockaddr_in *)&out->addr)->sin_addr) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)&out->addr;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		out->len = sizeof(*in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&out->addr)->sin6_addr) == 1 &&
		   bracketed) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*in6);
	} else {
		snprintf(err, errlen, "--metrics-address: '%s' is not a numeric IP address (127.0.0.1:9464 or "
			 "[::1]:9464)", host);
		return -EINVAL;
	}
	if (!is_loopback(&out->addr)) {
		snprintf(err, errlen, "--metrics-address: %s is not a loopback address; the metrics endpoint has no "
			 "authentication, so vigil serves it on 127.0.0.1 or [::1] only", host);
		return -EINVAL;
	}
	return 0;
}

int metrics_state_init(struct metrics_state *st)
{
	memset(st, 0, sizeof(*st));
	return -pthread_mutex_init(&st->lock, NULL);
}

void metrics_state_destroy(struct metrics_state *st)
{
	free(st->text);
	st->text = NULL;
	pthread_mutex_destroy(&st->lock);
}

void metrics_state_publish(struct metrics_state *st, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&st->lock);
	old = st->text;
	st->text = text;
	st->len = len;
	pthread_mutex_unlock(&st->lock);
	free(old);
}

void metrics_state_heartbeat(struct metrics_state *st, int64_t now_mono_ns)
{
	pthread_mutex_lock(&st->lock);
	st->last_turn_ns = now_mono_ns;
	pthread_mutex_unlock(&st->lock);
}

void metrics_state_fail(struct metrics_state *st, const char *why)
{
	pthread_mutex_lock(&st->lock);
	snprintf(st->failure, sizeof(st->failure), "%s", why);
	pthread_mutex_unlock(&st->lock);
}

int metrics_state_health(struct metrics_state *st, int64_t now_mono_ns, char *buf, size_t size)
{
	int status = 503;

	pthread_mutex_lock(&st->lock);
	if (st->failure[0])
		snprintf(buf, size, "%s\n", st->failure);
	else if (!st->last_turn_ns)
		snprintf(buf, size, "starting: the main loop has not run yet\n");
	else if (now_mono_ns - st->last_turn_ns > METRICS_STALL_NS)
		snprintf(buf, size, "the main loop has not turned for %lld s\n",
			 (long long)((now_mono_ns - st->last_turn_ns) / 1000000000));
	else {
		snprintf(buf, size, "ok\n");
		status = 200;
	}
	pthread_mutex_unlock(&st->lock);
	return status;
}

char *metrics_state_copy(struct metrics_state *st, size_t *len)
{
	char *copy = NULL;

	pthread_mutex_lock(&st->lock);
	if (st->text) {
		copy = malloc(st->len + 1);
		if (copy) {
			memcpy(copy, st->text, st->len + 1);
			*len = st->len;
		}
	}
	pthread_mutex_unlock(&st->lock);
	return copy;
}
