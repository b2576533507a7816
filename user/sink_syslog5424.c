// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The remote syslog sinks: syslog-udp://HOST:PORT (RFC 5426, one datagram a
 * message) and syslog-tcp://HOST:PORT (RFC 6587 octet counting), with RFC
 * 5424 messages (sink_syslog5424.h).
 *
 * What TCP can promise here, and what it cannot. send() returning means the
 * bytes are in the local kernel; the peer's kernel acknowledging them means
 * they reached its socket, not the collector's file. Plain syslog over TCP
 * has no acknowledgement of its own (RELP has): when a collector dies with
 * frames still unread in its socket, or read but not yet written, those are
 * lost and nothing on this side can tell which. What this sink does promise:
 *	- a record counts as written (leaves the queue) only once its whole frame
 *	  was sent; a failed or partial send returns -errno, and the framework
 *	  sends the whole frame again on a new connection;
 *	- no record is written into a connection that is known to be dead. When
 *	  the collector exits, its kernel closes the connection (FIN) at once,
 *	  but a send into it still succeeds: the bytes go out, the peer answers
 *	  with a reset, and only the send after that fails. That first record
 *	  would be lost without a trace. So before every write the socket is
 *	  polled: the collector never sends anything, so a hang-up, an error or
 *	  end-of-file there means the peer is gone, and write returns -EPIPE
 *	  before sending: the record stays queued for the next connection.
 * A collector that dies between that check and the send, or with frames in
 * flight, can still lose them. A peer that vanished without a word (its host
 * went down) is found by a send that times out, or by the keep-alive.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sink_internal.h"
#include "sink_syslog5424.h"
#include "text_escape.h"

/* How long a TCP connect, or a send into a full socket buffer, may take before the sink counts as down. */
#define SYSLOG5424_CONNECT_TIMEOUT_MS 5000
#define SYSLOG5424_SEND_TIMEOUT_MS 5000

static bool is_printusascii(unsigned char c)
{
	return c >= 33 && c <= 126;
}

/* The PRINTUSASCII bytes of text, at most max of them, into out (max + 1 bytes); "-" when none. */
static void keep_printusascii(const char *text, char *out, size_t max)
{
	size_t n = 0;

	for (const char *p = text ? text : ""; *p && n < max; p++)
		if (is_printusascii((unsigned char)*p))
			out[n++] = *p;
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

void syslog5424_origin_init(struct syslog5424_origin *origin, int facility, const char *hostname,
			    const char *app_name, long pid)
{
	origin->facility = facility;
	keep_printusascii(hostname, origin->hostname, SYSLOG5424_HOSTNAME_MAX);
	keep_printusascii(app_name, origin->app_name, SYSLOG5424_APP_NAME_MAX);
	snprintf(origin->procid, sizeof(origin->procid), "%ld", pid);
}

bool syslog5424_app_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SYSLOG5424_APP_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_printusascii((unsigned char)name[i]))
			return false;
	return true;
}

/* A message being built: len bytes in buf, which holds max bytes and a NUL. */
struct message {
	char *buf;
	size_t len, max;
};

/* Only for the header, whose longest form fits (checked below): never cut. */
static void put(struct message *m, const char *text)
{
	size_t n = strlen(text);

	if (n > m->max - m->len)
		n = m->max - m->len;
	memcpy(m->buf + m->len, text, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

/* Escape text into m, at most limit bytes of escapes, cut at a whole escape when it does not fit. */
static void put_escaped(struct message *m, const char *text, unsigned int flags, size_t limit)
{
	size_t room = m->max - m->len;

	if (limit > room)
		limit = room;
	text_escape(text, strlen(text), flags, m->buf + m->len, limit + 1);
	/* Escaped text holds no NUL: its length is where text_escape stopped. */
	m->len += strlen(m->buf + m->len);
}

/* TIMESTAMP: RFC 3339 in UTC with microseconds, or the NILVALUE for a time RFC 5424 cannot write (year 0..9999). */
static void put_timestamp(struct message *m, int64_t time_ns)
{
	int64_t sec = time_ns / 1000000000, ns = time_ns % 1000000000;
	time_t t;
	struct tm tm;
	char text[40];

	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		put(m, "-");
		return;
	}
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns / 1000));
	put(m, text);
}

static void put_param(struct message *m, const char *name, const char *value)
{
	put(m, " ");
	put(m, name);
	put(m, "=\"");
	put_escaped(m, value ? value : "", TEXT_ESCAPE_SD_PARAM, SYSLOG5424_SD_VALUE_MAX);
	put(m, "\"");
}

/*
 * The longest header and structured data: "<191>1 ", the timestamp, the
 * longest hostname, app-name, procid and msgid with their spaces, then the
 * SD element with five values of SYSLOG5424_SD_VALUE_MAX bytes. A datagram
 * keeps room for MSG after all of it.
 */
#define SYSLOG5424_HEADER_MAX                                                                   \
	(sizeof("<191>1 ") + sizeof("YYYY-MM-DDThh:mm:ss.uuuuuuZ") + SYSLOG5424_HOSTNAME_MAX + 1 + \
	 SYSLOG5424_APP_NAME_MAX + 1 + sizeof(((struct syslog5424_origin *)0)->procid) + sizeof("internal") + \
	 sizeof("[" SYSLOG5424_SD_ID " rule=\"\" priority=\"\" container_id=\"\" container_name=\"\" image=\"\"] ") + \
	 5 * SYSLOG5424_SD_VALUE_MAX)
_Static_assert(SYSLOG5424_HEADER_MAX + 256 < SYSLOG5424_UDP_MAX, "a datagram keeps room for the output text");

/* The syslog message (no framing) into buf, at most max bytes (buf holds max + 1). */
static size_t format_message(const struct syslog5424_origin *origin, const struct alert_record *rec, char *buf,
			     size_t max)
{
	struct message m = { .buf = buf, .max = max };
	char pri[16];
	int severity = sink_syslog_severity(rec->priority);

	buf[0] = '\0';
	snprintf(pri, sizeof(pri), "<%d>1 ", (origin->facility & LOG_FACMASK) | (severity & LOG_PRIMASK));
	put(&m, pri);
	put_timestamp(&m, rec->time_ns);
	put(&m, " ");
	put(&m, origin->hostname);
	put(&m, " ");
	put(&m, origin->app_name);
	put(&m, " ");
	put(&m, origin->procid);
	put(&m, rec->internal ? " internal " : " alert ");
	put(&m, "[" SYSLOG5424_SD_ID);
	put_param(&m, "rule", rec->rule);
	put_param(&m, "priority", rule_priority_name(rec->priority));
	put_param(&m, "container_id", rec->container_id);
	put_param(&m, "container_name", rec->container_name);
	put_param(&m, "image", rec->container_image);
	put(&m, "] ");
	put_escaped(&m, rec->output ? rec->output : "", 0, max);
	return m.len;
}

size_t syslog5424_frame(const struct syslog5424_origin *origin, const struct alert_record *rec, bool tcp, char *buf)
{
	char prefix[16];
	size_t len, prefix_len;

	if (!tcp)
		return format_message(origin, rec, buf, SYSLOG5424_UDP_MAX);
	/* The message after room for the longest prefix, then the prefix put right before it. */
	len = format_message(origin, rec, buf + 8, SYSLOG5424_TCP_MAX);
	prefix_len = (size_t)snprintf(prefix, sizeof(prefix), "%zu ", len);
	memmove(buf + prefix_len, buf + 8, len + 1);
	memcpy(buf, prefix, prefix_len);
	return prefix_len + len;
}

/* ---- the sinks ---- */

struct syslog5424_sink {
	char *host;
	char *port;
	bool tcp;
	int fd;
	struct syslog5424_origin origin;
	char frame[SYSLOG5424_FRAME_MAX];
};

/* Wait until fd is ready for events, at most timeout_ms: 0, or -ETIMEDOUT, or -errno. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* A non-blocking connect that gives up after SYSLOG5424_CONNECT_TIMEOUT_MS. */
static int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (connect(fd, addr, addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	err = wait_fd(fd, POLLOUT, SYSLOG5424_CONNECT_TIMEOUT_MS);
	if (err)
		return err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		return -errno;
	return -err;
}

static bool all_digits(const char *text)
{
	if (!*text)
		return false;
	for (; *text; text++)
		if (*text < '0' || *text > '9')
			return false;
	return true;
}

static int syslog5424_open(struct sink *s)
{
	struct syslog5424_sink *sys = s->priv;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = sys->tcp ? SOCK_STREAM : SOCK_DGRAM,
		.ai_flags = all_digits(sys->port) ? AI_NUMERICSERV : 0,
	};
	struct addrinfo *addrs, *a;
	int gai, err = -EHOSTUNREACH, one = 1;

	gai = getaddrinfo(sys->host, sys->port, &hints, &addrs);
	if (gai)
		return gai == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	for (a = addrs; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | (sys->tcp ? SOCK_NONBLOCK : 0),
				a->ai_protocol);

		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (sys->tcp) {
			/* The keep-alive finds a peer gone silently; no frame waits for the next one. */
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			err = connect_with_timeout(fd, a->ai_addr, a->ai_addrlen);
		} else {
			/* Connected, so that the collector's port unreachable shows as ECONNREFUSED on a later send. */
			err = connect(fd, a->ai_addr, a->ai_addrlen) < 0 ? -errno : 0;
		}
		if (err == 0) {
			sys->fd = fd;
			break;
		}
		close(fd);
	}
	freeaddrinfo(addrs);
	return err;
}

/*
 * Whether the collector closed the connection, or it failed: 0 when it looks
 * alive, else -errno. The collector never sends; anything it does send is read
 * and dropped, so that a full receive buffer cannot hide the end of the stream.
 */
static int tcp_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char scratch[512];
	int err = 0;
	socklen_t errlen = sizeof(err);
	ssize_t n;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & POLLERR) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == 0 && err)
			return -err;
		return -EPIPE;
	}
	if (pfd.revents & (POLLHUP | POLLRDHUP))
		return -EPIPE;
	for (int i = 0; i < 16; i++) {
		n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	}
	return 0;
}

static int tcp_send_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		int err;

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		err = wait_fd(fd, POLLOUT, SYSLOG5424_SEND_TIMEOUT_MS);
		if (err)
			return err;
	}
	return 0;
}

static int syslog5424_write(struct sink *s, const struct alert_record *rec)
{
	struct syslog5424_sink *sys = s->priv;
	size_t len = syslog5424_frame(&sys->origin, rec, sys->tcp, sys->frame);
	ssize_t n;
	int err;

	if (sys->fd < 0)
		return -ENOTCONN;
	if (sys->tcp) {
		err = tcp_peer_gone(sys->fd);
		return err ? err : tcp_send_all(sys->fd, sys->frame, len);
	}
	/*
	 * A datagram goes whole or not at all. UDP cannot tell whether it
	 * arrived; ECONNREFUSED here is the collector's port unreachable for an
	 * earlier one: this one was not sent, and the sink backs off meanwhile.
	 */
	do
		n = send(sys->fd, sys->frame, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static void syslog5424_close(struct sink *s)
{
	struct syslog5424_sink *sys = s->priv;

	if (sys->fd >= 0)
		close(sys->fd);
	sys->fd = -1;
}

static void syslog5424_free(struct sink *s)
{
	struct syslog5424_sink *sys = s->priv;

	if (!sys)
		return;
	syslog5424_close(s);
	free(sys->host);
	free(sys->port);
	free(sys);
	s->priv = NULL;
}

const struct sink_ops sink_syslog_udp_ops = {
	.kind = "syslog-udp",
	.open = syslog5424_open,
	.write = syslog5424_write,
	.close = syslog5424_close,
	.free = syslog5424_free,
};

const struct sink_ops sink_syslog_tcp_ops = {
	.kind = "syslog-tcp",
	.open = syslog5424_open,
	.write = syslog5424_write,
	.close = syslog5424_close,
	.free = syslog5424_free,
};

int sink_syslog5424_init(struct sink *s, const char *host, const char *port, int facility, const char *app_name,
			 bool tcp, char *err, size_t errlen)
{
	const char *kind = tcp ? "syslog-tcp" : "syslog-udp";
	struct syslog5424_sink *sys;
	char hostname[SYSLOG5424_HOSTNAME_MAX + 2] = "";

	if (!host[0] || !port[0]) {
		snprintf(err, errlen, "%s needs a host and a port: %s://HOST:PORT", kind, kind);
		return -EINVAL;
	}
	if ((facility & ~LOG_FACMASK) || LOG_FAC(facility) > LOG_FAC(LOG_LOCAL7)) {
		snprintf(err, errlen, "%s: facility %d is none of syslog's", kind, facility);
		return -EINVAL;
	}
	if (!syslog5424_app_name_valid(app_name)) {
		snprintf(err, errlen, "%s: app-name must be 1 to %d printable ASCII characters without spaces",
			 kind, SYSLOG5424_APP_NAME_MAX);
		return -EINVAL;
	}
	sys = calloc(1, sizeof(*sys));
	if (!sys || !(sys->host = strdup(host)) || !(sys->port = strdup(port))) {
		if (sys)
			free(sys->host);
		free(sys);
		snprintf(err, errlen, "%s: out of memory", kind);
		return -EINVAL;
	}
	sys->tcp = tcp;
	sys->fd = -1;
	gethostname(hostname, sizeof(hostname) - 1);
	syslog5424_origin_init(&sys->origin, facility, hostname, app_name, (long)getpid());
	s->ops = tcp ? &sink_syslog_tcp_ops : &sink_syslog_udp_ops;
	s->priv = sys;
	return 0;
}
