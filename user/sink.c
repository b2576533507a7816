// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink framework: alert records, specs, and for each sink a bounded
 * queue and a thread that writes it, retrying with back-off while the sink
 * is down. The kinds themselves are in sink_local.c and sink_syslog5424.c.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "sink_internal.h"

/* ---- alert records ---- */

static char *strdup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

struct alert_record *alert_record_new(int64_t time_ns, enum rule_priority priority, bool internal, const char *rule,
				      const char *container_id, const char *container_name,
				      const char *container_image, const char *output, const char *json, size_t json_len)
{
	struct alert_record *rec = calloc(1, sizeof(*rec));

	if (!rec)
		return NULL;
	rec->refs = 1;
	rec->time_ns = time_ns;
	rec->priority = priority;
	rec->internal = internal;
	rec->rule = strdup_or_empty(rule);
	rec->container_id = strdup_or_empty(container_id);
	rec->container_name = strdup_or_empty(container_name);
	rec->container_image = strdup_or_empty(container_image);
	rec->output = strdup_or_empty(output);
	rec->json = malloc(json_len + 1);
	if (rec->json) {
		if (json_len)
			memcpy(rec->json, json, json_len);
		rec->json[json_len] = '\0';
		rec->json_len = json_len;
	}
	if (!rec->rule || !rec->container_id || !rec->container_name || !rec->container_image || !rec->output ||
	    !rec->json) {
		alert_record_unref(rec);
		return NULL;
	}
	return rec;
}

struct alert_record *alert_record_ref(struct alert_record *rec)
{
	__atomic_fetch_add(&rec->refs, 1, __ATOMIC_RELAXED);
	return rec;
}

void alert_record_unref(struct alert_record *rec)
{
	if (!rec || __atomic_sub_fetch(&rec->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(rec->rule);
	free(rec->container_id);
	free(rec->container_name);
	free(rec->container_image);
	free(rec->output);
	free(rec->json);
	free(rec);
}

/* ---- the registry ---- */

struct sinks {
	struct sink **sinks;
	size_t count;
	bool started;
	sink_backoff_wait_fn backoff_wait;
};

static int64_t monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waits on s->wake until delay_ms passed, or the stop deadline came. */
static void backoff_wait_default(struct sink *s, unsigned int delay_ms)
{
	int64_t until = monotonic_ms() + delay_ms;

	for (;;) {
		int64_t limit = until;
		struct timespec abstime;

		if (s->stopping && s->stop_deadline_ms < limit)
			limit = s->stop_deadline_ms;
		if (monotonic_ms() >= limit)
			return;
		abstime.tv_sec = limit / 1000;
		abstime.tv_nsec = (limit % 1000) * 1000000;
		pthread_cond_timedwait(&s->wake, &s->lock, &abstime);
	}
}

struct sinks *sinks_new(void)
{
	struct sinks *sinks = calloc(1, sizeof(*sinks));

	if (sinks)
		sinks->backoff_wait = backoff_wait_default;
	return sinks;
}

void sinks_set_backoff_wait(struct sinks *sinks, sink_backoff_wait_fn wait)
{
	sinks->backoff_wait = wait;
}

static void sink_free(struct sink *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->free)
		s->ops->free(s);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s->pool);
	free(s->spec);
	free(s);
}

/* A sink with its queue, not yet given a kind. */
static struct sink *sink_new(struct sinks *owner, const char *spec, enum rule_priority min_priority, size_t queue_max)
{
	struct sink *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	if (!s)
		return NULL;
	s->owner = owner;
	s->min_priority = min_priority;
	s->queue_max = queue_max;
	s->backoff_ms = SINK_BACKOFF_FIRST_MS;
	s->spec = strdup(spec);
	/* calloc: pages the queue never reaches are never touched. */
	s->pool = calloc(queue_max, sizeof(*s->pool));
	if (!s->spec || !s->pool) {
		free(s->spec);
		free(s->pool);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	return s;
}

static int sinks_append(struct sinks *sinks, struct sink *s)
{
	struct sink **grown = realloc(sinks->sinks, (sinks->count + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	sinks->sinks = grown;
	sinks->sinks[sinks->count++] = s;
	return 0;
}

int sinks_add_sink(struct sinks *sinks, const char *spec, const struct sink_ops *ops, void *priv,
		   enum rule_priority min_priority, size_t queue_max)
{
	struct sink *s;

	if (sinks->started)
		return -EBUSY;
	s = sink_new(sinks, spec, min_priority, queue_max);
	if (!s)
		return -ENOMEM;
	s->ops = ops;
	s->priv = priv;
	if (sinks_append(sinks, s)) {
		s->ops = NULL; /* priv stays the caller's */
		sink_free(s);
		return -ENOMEM;
	}
	return 0;
}

size_t sinks_count(const struct sinks *sinks)
{
	return sinks->count;
}

const char *sinks_name(const struct sinks *sinks, size_t index)
{
	return index < sinks->count ? sinks->sinks[index]->spec : NULL;
}

/* ---- the queue (s->lock held) ---- */

static struct sink_node *queue_oldest(struct sink *s)
{
	struct sink_node *oldest = NULL;

	for (int p = 0; p < SINK_PRIORITIES; p++)
		if (s->head[p] && (!oldest || s->head[p]->seq < oldest->seq))
			oldest = s->head[p];
	return oldest;
}

/* Takes the head of priority p's list off, and gives it back to the pool. */
static struct alert_record *queue_pop(struct sink *s, int p)
{
	struct sink_node *node = s->head[p];
	struct alert_record *rec = node->rec;

	s->head[p] = node->next;
	if (!s->head[p])
		s->tail[p] = NULL;
	node->rec = NULL;
	node->next = s->free_nodes;
	s->free_nodes = node;
	s->stats.queued--;
	return rec;
}

/* Takes the node after prev off priority p's list (prev is the list's head, in flight). */
static struct alert_record *queue_remove_after(struct sink *s, int p, struct sink_node *prev)
{
	struct sink_node *node = prev->next;
	struct alert_record *rec = node->rec;

	prev->next = node->next;
	if (s->tail[p] == node)
		s->tail[p] = prev;
	node->rec = NULL;
	node->next = s->free_nodes;
	s->free_nodes = node;
	s->stats.queued--;
	return rec;
}

/*
 * Makes room for a record of priority incoming in a full queue: the oldest
 * queued record of the lowest priority goes (the one being written stays).
 * Returns the record dropped, or NULL when the incoming record is itself
 * the lowest (then it is the one to drop).
 */
static struct alert_record *queue_make_room(struct sink *s, enum rule_priority incoming)
{
	for (int p = SINK_PRIORITIES - 1; p >= (int)incoming; p--) {
		struct sink_node *head = s->head[p];

		if (!head)
			continue;
		if (head != s->in_flight)
			return queue_pop(s, p);
		if (head->next)
			return queue_remove_after(s, p, head);
	}
	return NULL;
}

static bool queue_full(const struct sink *s)
{
	return s->stats.queued >= s->queue_max;
}

static void queue_push(struct sink *s, struct alert_record *rec)
{
	struct sink_node *node = s->free_nodes;
	int p = rec->priority;

	if (node)
		s->free_nodes = node->next;
	else
		node = &s->pool[s->pool_used++];
	node->rec = alert_record_ref(rec);
	node->seq = s->next_seq++;
	node->next = NULL;
	if (s->tail[p])
		s->tail[p]->next = node;
	else
		s->head[p] = node;
	s->tail[p] = node;
	s->stats.queued++;
}

void sinks_submit(struct sinks *sinks, struct alert_record *rec)
{
	if (!rec || (unsigned int)rec->priority >= SINK_PRIORITIES)
		return;
	for (size_t i = 0; i < sinks->count; i++) {
		struct sink *s = sinks->sinks[i];
		struct alert_record *dropped = NULL;
		bool add = true;

		pthread_mutex_lock(&s->lock);
		if (rec->priority > s->min_priority) {
			s->stats.filtered++;
			add = false;
		} else if (s->stopping) {
			s->stats.dropped++;
			add = false;
		} else if (queue_full(s)) {
			dropped = queue_make_room(s, rec->priority);
			s->stats.dropped++;
			add = dropped != NULL;
		}
		if (add) {
			queue_push(s, rec);
			pthread_cond_signal(&s->wake);
		}
		pthread_mutex_unlock(&s->lock);
		alert_record_unref(dropped);
	}
}

/* ---- the sink's thread ---- */

static bool past_deadline(struct sink *s)
{
	return s->stopping && monotonic_ms() >= s->stop_deadline_ms;
}

/* After a failed open, write or reopen (s->lock held): closed, counted, and waited out. */
static void sink_down(struct sink *s, const char *what, int err)
{
	bool was_open = s->is_open;

	s->stats.failures++;
	if (!s->warned)
		log_warn("output %s: %s failed: %s; retrying", s->spec, what, strerror(-err));
	s->warned = true;
	s->stats.up = false;
	s->is_open = false;
	if (was_open) {
		pthread_mutex_unlock(&s->lock);
		s->ops->close(s);
		pthread_mutex_lock(&s->lock);
	}
	s->owner->backoff_wait(s, s->backoff_ms);
	s->backoff_ms = s->backoff_ms * 2 > SINK_BACKOFF_MAX_MS ? SINK_BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static void *sink_thread(void *arg)
{
	struct sink *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		int err;

		if (past_deadline(s) || (s->stopping && !s->stats.queued))
			break;
		if (!s->is_open) {
			pthread_mutex_unlock(&s->lock);
			err = s->ops->open(s);
			pthread_mutex_lock(&s->lock);
			if (err) {
				sink_down(s, "open", err);
				continue;
			}
			s->is_open = true;
			s->stats.up = true;
			s->reopen = false; /* just opened: nothing to reopen */
			continue;
		}
		if (s->reopen) {
			s->reopen = false;
			if (s->ops->reopen) {
				pthread_mutex_unlock(&s->lock);
				err = s->ops->reopen(s);
				pthread_mutex_lock(&s->lock);
				if (err)
					sink_down(s, "reopen", err);
			}
			continue;
		}
		struct sink_node *node = queue_oldest(s);
		if (!node) {
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		/* In flight: overflow leaves it be, so it is still the head of its list afterwards. */
		s->in_flight = node;
		pthread_mutex_unlock(&s->lock);
		err = s->ops->write(s, node->rec);
		pthread_mutex_lock(&s->lock);
		s->in_flight = NULL;
		if (err) {
			sink_down(s, "write", err);
			continue;
		}
		struct alert_record *done = queue_pop(s, node->rec->priority);
		s->stats.written++;
		s->backoff_ms = SINK_BACKOFF_FIRST_MS;
		if (s->warned)
			log_info("output %s is back: writing again", s->spec);
		s->warned = false;
		pthread_mutex_unlock(&s->lock);
		alert_record_unref(done);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	if (s->is_open)
		s->ops->close(s);
	return NULL;
}

int sinks_start(struct sinks *sinks)
{
	sigset_t all, before;
	int err = 0;

	if (sinks->started)
		return -EBUSY;
	sinks->started = true;
	/* The threads block every signal: SIGHUP, SIGINT and SIGTERM are the main thread's to handle. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &before);
	for (size_t i = 0; i < sinks->count && !err; i++) {
		struct sink *s = sinks->sinks[i];

		err = pthread_create(&s->thread, NULL, sink_thread, s);
		if (err) {
			log_error("output %s: cannot start its thread: %s", s->spec, strerror(err));
			break;
		}
		pthread_setname_np(s->thread, "vigil-sink");
		s->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	return -err;
}

void sinks_reopen(struct sinks *sinks)
{
	for (size_t i = 0; i < sinks->count; i++) {
		struct sink *s = sinks->sinks[i];

		pthread_mutex_lock(&s->lock);
		s->reopen = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
	}
}

/* Releases what a stopped sink still holds; counted as dropped. */
static void sink_release_queue(struct sink *s)
{
	size_t left = 0;

	pthread_mutex_lock(&s->lock);
	for (int p = 0; p < SINK_PRIORITIES; p++) {
		while (s->head[p]) {
			struct alert_record *rec = queue_pop(s, p);

			alert_record_unref(rec);
			left++;
		}
	}
	s->stats.dropped += left;
	s->stats.up = false;
	pthread_mutex_unlock(&s->lock);
	if (left)
		log_warn("output %s: %zu alerts not written at exit", s->spec, left);
}

void sinks_stop(struct sinks *sinks, unsigned int timeout_ms)
{
	int64_t deadline = monotonic_ms() + timeout_ms;

	for (size_t i = 0; i < sinks->count; i++) {
		struct sink *s = sinks->sinks[i];

		pthread_mutex_lock(&s->lock);
		if (!s->stopping) {
			s->stopping = true;
			s->stop_deadline_ms = deadline;
		}
		pthread_cond_broadcast(&s->wake);
		pthread_mutex_unlock(&s->lock);
	}
	for (size_t i = 0; i < sinks->count; i++) {
		struct sink *s = sinks->sinks[i];

		if (s->thread_started) {
			pthread_join(s->thread, NULL);
			s->thread_started = false;
		}
		sink_release_queue(s);
	}
}

void sinks_free(struct sinks *sinks)
{
	if (!sinks)
		return;
	sinks_stop(sinks, 0);
	for (size_t i = 0; i < sinks->count; i++)
		sink_free(sinks->sinks[i]);
	free(sinks->sinks);
	free(sinks);
}

void sinks_stats(struct sinks *sinks, size_t index, struct sink_stats *out)
{
	struct sink *s;

	memset(out, 0, sizeof(*out));
	if (index >= sinks->count)
		return;
	s = sinks->sinks[index];
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

int sink_syslog_severity(enum rule_priority priority)
{
	static const int severity[SINK_PRIORITIES] = {
		[RULE_PRIORITY_EMERGENCY] = LOG_EMERG,
		[RULE_PRIORITY_ALERT] = LOG_ALERT,
		[RULE_PRIORITY_CRITICAL] = LOG_CRIT,
		[RULE_PRIORITY_ERROR] = LOG_ERR,
		[RULE_PRIORITY_WARNING] = LOG_WARNING,
		[RULE_PRIORITY_NOTICE] = LOG_NOTICE,
		[RULE_PRIORITY_INFORMATIONAL] = LOG_INFO,
		[RULE_PRIORITY_DEBUG] = LOG_DEBUG,
	};

	return (unsigned int)priority < SINK_PRIORITIES ? severity[priority] : LOG_WARNING;
}

/* ---- specs ---- */

enum sink_kind {
	KIND_STDOUT,
	KIND_FILE,
	KIND_SYSLOG,
	KIND_SYSLOG_UDP,
	KIND_SYSLOG_TCP,
};

/* Which options a kind takes, besides min-priority and queue. */
#define OPT_FACILITY 1u
#define OPT_APP_NAME 2u
#define OPT_IDENT 4u

static const struct {
	const char *name;
	enum sink_kind kind;
	bool url;              /* "KIND://TARGET" rather than "KIND:TARGET" */
	unsigned int options;
} kinds[] = {
	{ "stdout", KIND_STDOUT, false, 0 },
	{ "file", KIND_FILE, false, 0 },
	{ "syslog", KIND_SYSLOG, false, OPT_FACILITY | OPT_IDENT },
	{ "syslog-udp", KIND_SYSLOG_UDP, true, OPT_FACILITY | OPT_APP_NAME },
	{ "syslog-tcp", KIND_SYSLOG_TCP, true, OPT_FACILITY | OPT_APP_NAME },
};

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "kern", LOG_KERN }, { "user", LOG_USER }, { "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
	{ "auth", LOG_AUTH }, { "syslog", LOG_SYSLOG }, { "lpr", LOG_LPR }, { "news", LOG_NEWS },
	{ "uucp", LOG_UUCP }, { "cron", LOG_CRON }, { "authpriv", LOG_AUTHPRIV }, { "ftp", LOG_FTP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* What a spec says, its strings pointing into a copy of it. */
struct sink_spec {
	enum sink_kind kind;
	const char *kind_name;
	unsigned int allowed;
	char *target;                  /* after ':' or '://'; "" when none */
	enum rule_priority min_priority;
	size_t queue_max;
	int facility;
	const char *facility_name;     /* the option's, to tell it given twice */
	const char *app_name;
	const char *ident;
};

/* Names are the same few characters in RFC 5424's APP-NAME and in a syslog(3) ident. */
static bool name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 48)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return false;
	return true;
}

static int parse_facility(const char *name, int *facility, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (!strcasecmp(name, facilities[i].name)) {
			*facility = facilities[i].facility;
			return 0;
		}
	}
	snprintf(err, errlen, "unknown syslog facility \"%s\" (user, daemon, auth, authpriv, local0 ... local7, ...)",
		 name);
	return -EINVAL;
}

static int parse_queue_size(const char *text, size_t *queue_max, char *err, size_t errlen)
{
	unsigned long long value = 0;
	const char *p = text;

	for (; *p >= '0' && *p <= '9'; p++) {
		value = value * 10 + (unsigned long long)(*p - '0');
		if (value > SINK_QUEUE_MAX)
			break;
	}
	if (p == text || *p || value == 0 || value > SINK_QUEUE_MAX) {
		snprintf(err, errlen, "bad queue size \"%s\" (a number of alerts from 1 to %d)", text,
			 SINK_QUEUE_MAX);
		return -EINVAL;
	}
	*queue_max = value;
	return 0;
}

static int parse_option(struct sink_spec *spec, char *option, char *err, size_t errlen)
{
	char *value = strchr(option, '=');

	if (!value || value == option) {
		snprintf(err, errlen, "option \"%s\" is not KEY=VALUE", option);
		return -EINVAL;
	}
	*value++ = '\0';
	if (!strcmp(option, "min-priority")) {
		if (rule_priority_parse(value, &spec->min_priority)) {
			snprintf(err, errlen,
				 "bad priority \"%s\" in min-priority (emergency, alert, critical, error, warning, "
				 "notice, informational, debug)", value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(option, "queue"))
		return parse_queue_size(value, &spec->queue_max, err, errlen);
	if (!strcmp(option, "facility") && (spec->allowed & OPT_FACILITY)) {
		spec->facility_name = value;
		return parse_facility(value, &spec->facility, err, errlen);
	}
	if ((!strcmp(option, "app-name") && (spec->allowed & OPT_APP_NAME)) ||
	    (!strcmp(option, "ident") && (spec->allowed & OPT_IDENT))) {
		if (!name_ok(value)) {
			snprintf(err, errlen, "%s \"%s\" is not 1 to 48 printable ASCII characters without spaces",
				 option, value);
			return -EINVAL;
		}
		if (option[0] == 'a')
			spec->app_name = value;
		else
			spec->ident = value;
		return 0;
	}
	snprintf(err, errlen, "unknown option \"%s\" for a %s output", option, spec->kind_name);
	return -EINVAL;
}

/* Splits a copy of text (which spec's strings then point into) into kind, target and options. */
static int parse_spec(char *text, struct sink_spec *spec, char *err, size_t errlen)
{
	size_t kind_len = strcspn(text, ":,");
	size_t k;
	char *rest;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strlen(kinds[k].name) == kind_len && !strncmp(text, kinds[k].name, kind_len))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(err, errlen, "unknown output kind \"%.*s\" (stdout, file, syslog, syslog-udp, syslog-tcp)",
			 (int)(kind_len > 64 ? 64 : kind_len), text);
		return -EINVAL;
	}
	*spec = (struct sink_spec){
		.kind = kinds[k].kind,
		.kind_name = kinds[k].name,
		.allowed = kinds[k].options,
		.target = "",
		.min_priority = RULE_PRIORITY_DEBUG,
		.queue_max = SINK_QUEUE_DEFAULT,
		.facility = LOG_USER,
		.app_name = "vigil",
		.ident = "vigil",
	};
	rest = text + kind_len;
	if (*rest == ':') {
		rest++;
		if (kinds[k].url) {
			if (strncmp(rest, "//", 2)) {
				snprintf(err, errlen, "a %s output is written %s://HOST:PORT", spec->kind_name,
					 spec->kind_name);
				return -EINVAL;
			}
			rest += 2;
		}
		spec->target = rest;
		rest += strcspn(rest, ",");
	}
	if (*rest == ',') {
		*rest++ = '\0';
		for (char *option = rest; option;) {
			char *comma = strchr(option, ',');
			int err_code;

			if (comma)
				*comma = '\0';
			err_code = parse_option(spec, option, err, errlen);
			if (err_code)
				return err_code;
			option = comma ? comma + 1 : NULL;
		}
	}
	return 0;
}

/* "HOST:PORT" or "[IPV6]:PORT", in place: host and port point into target. */
static int parse_host_port(const struct sink_spec *spec, char *target, char **host, char **port, char *err,
			   size_t errlen)
{
	char *colon;

	*host = target;
	if (target[0] == '[') {
		char *close = strchr(target, ']');

		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, errlen, "a %s output's IPv6 address is written [ADDRESS]:PORT", spec->kind_name);
			return -EINVAL;
		}
		*close = '\0';
		*host = target + 1;
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strchr(target, ':');
		if (colon && strchr(colon + 1, ':')) {
			snprintf(err, errlen, "a %s output's IPv6 address is written [ADDRESS]:PORT", spec->kind_name);
			return -EINVAL;
		}
	}
	if (colon)
		*colon = '\0';
	if (!**host) {
		snprintf(err, errlen, "a %s output needs a host (%s://HOST:PORT)", spec->kind_name, spec->kind_name);
		return -EINVAL;
	}
	if (!colon || !colon[1]) {
		snprintf(err, errlen, "a %s output needs a port (%s://HOST:PORT)", spec->kind_name, spec->kind_name);
		return -EINVAL;
	}
	*port = colon + 1;
	if (strspn(*port, "0123456789") == strlen(*port)) {
		char *end;
		unsigned long number = strtoul(*port, &end, 10);

		if (number == 0 || number > 65535 || strlen(*port) > 5) {
			snprintf(err, errlen, "bad port \"%s\" (1 to 65535)", *port);
			return -EINVAL;
		}
	}
	return 0;
}

/* Gives s its kind, from spec. */
static int sink_init_kind(struct sink *s, struct sink_spec *spec, char *err, size_t errlen)
{
	char *host, *port;
	int ret;

	switch (spec->kind) {
	case KIND_STDOUT:
		if (strcmp(spec->target, "") && strcmp(spec->target, "json") && strcmp(spec->target, "text")) {
			snprintf(err, errlen, "stdout is written stdout:json or stdout:text, not stdout:%s",
				 spec->target);
			return -EINVAL;
		}
		return sink_stdout_init(s, strcmp(spec->target, "text") != 0, err, errlen);
	case KIND_FILE:
		if (!spec->target[0]) {
			snprintf(err, errlen, "a file output needs a path (file:PATH)");
			return -EINVAL;
		}
		return sink_file_init(s, spec->target, err, errlen);
	case KIND_SYSLOG:
		if (spec->target[0]) {
			if (spec->facility_name) {
				snprintf(err, errlen, "a syslog output's facility is given twice");
				return -EINVAL;
			}
			ret = parse_facility(spec->target, &spec->facility, err, errlen);
			if (ret)
				return ret;
		}
		return sink_syslog_init(s, spec->ident, spec->facility, err, errlen);
	case KIND_SYSLOG_UDP:
	case KIND_SYSLOG_TCP:
		ret = parse_host_port(spec, spec->target, &host, &port, err, errlen);
		if (ret)
			return ret;
		return sink_syslog5424_init(s, host, port, spec->facility, spec->app_name,
					    spec->kind == KIND_SYSLOG_TCP, err, errlen);
	}
	return -EINVAL;
}

static bool has_local_syslog(const struct sinks *sinks)
{
	for (size_t i = 0; i < sinks->count; i++)
		if (!strcmp(sinks->sinks[i]->ops->kind, "syslog"))
			return true;
	return false;
}

int sinks_add_spec(struct sinks *sinks, const char *text, char *err, size_t errlen)
{
	struct sink_spec spec;
	struct sink *s = NULL;
	char *copy;
	int ret;

	if (sinks->started) {
		snprintf(err, errlen, "outputs cannot be added once started");
		return -EINVAL;
	}
	copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -EINVAL;
	}
	ret = parse_spec(copy, &spec, err, errlen);
	if (!ret && spec.kind == KIND_SYSLOG && has_local_syslog(sinks)) {
		snprintf(err, errlen, "only one syslog output: syslog(3) has one ident and facility per process");
		ret = -EINVAL;
	}
	if (!ret) {
		s = sink_new(sinks, text, spec.min_priority, spec.queue_max);
		if (!s) {
			snprintf(err, errlen, "out of memory");
			ret = -EINVAL;
		}
	}
	if (!ret)
		ret = sink_init_kind(s, &spec, err, errlen);
	if (!ret && sinks_append(sinks, s)) {
		snprintf(err, errlen, "out of memory");
		ret = -EINVAL;
	}
	if (ret) {
		sink_free(s);
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}
