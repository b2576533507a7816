// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sinks on this machine: stdout (JSON lines or text lines), a file
 * (JSON lines, reopened on SIGHUP for logrotate) and syslog(3). Every
 * untrusted string in a text line goes through text_escape; JSON is the
 * record's own, made by the one JSON writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "json_writer.h"
#include "sink_internal.h"
#include "text_escape.h"

/* ---- text lines ---- */

/* A line built piece by piece, kept by a sink from one record to the next. */
struct text_line {
	char *buf;
	size_t len;
	size_t cap;
};

static int line_reserve(struct text_line *line, size_t more)
{
	size_t need = line->len + more + 1;
	char *grown;

	if (need <= line->cap)
		return 0;
	if (need < 2 * line->cap)
		need = 2 * line->cap;
	grown = realloc(line->buf, need);
	if (!grown)
		return -ENOMEM;
	line->buf = grown;
	line->cap = need;
	return 0;
}

static int line_add(struct text_line *line, const char *text)
{
	size_t len = strlen(text);

	if (line_reserve(line, len))
		return -ENOMEM;
	memcpy(line->buf + line->len, text, len + 1);
	line->len += len;
	return 0;
}

static int line_add_escaped(struct text_line *line, const char *untrusted)
{
	size_t len = strlen(untrusted);
	size_t escaped = text_escape(untrusted, len, 0, NULL, 0);

	if (line_reserve(line, escaped))
		return -ENOMEM;
	line->len += text_escape(untrusted, len, 0, line->buf + line->len, escaped + 1);
	return 0;
}

/*
 * "TIME PRIORITY RULE: OUTPUT (container NAME ID)", or "(host)" for the
 * host; without TIME for syslog, which stamps its own.
 */
static int line_format(struct text_line *line, const struct alert_record *rec, bool with_time)
{
	char time[48];
	int err = 0;

	line->len = 0;
	if (with_time) {
		json_format_time(rec->time_ns, time, sizeof(time));
		err |= line_add(line, time);
		err |= line_add(line, " ");
	}
	err |= line_add(line, rule_priority_name(rec->priority));
	err |= line_add(line, " ");
	err |= line_add_escaped(line, rec->rule);
	err |= line_add(line, ": ");
	err |= line_add_escaped(line, rec->output);
	if (rec->container_id[0]) {
		err |= line_add(line, " (container ");
		err |= line_add_escaped(line, rec->container_name[0] ? rec->container_name : "-");
		err |= line_add(line, " ");
		err |= line_add_escaped(line, rec->container_id);
		err |= line_add(line, ")");
	} else {
		err |= line_add(line, " (host)");
	}
	return err ? -ENOMEM : 0;
}

/* ---- stdout ---- */

struct stdout_sink {
	bool json;
	struct text_line line;
};

static int stdout_open(struct sink *s)
{
	(void)s;
	return 0;
}

static int stdout_write(struct sink *s, const struct alert_record *rec)
{
	struct stdout_sink *out = s->priv;
	const char *text = rec->json;
	size_t len = rec->json_len;
	int err = 0;

	if (!out->json) {
		if (line_format(&out->line, rec, true))
			return -ENOMEM;
		text = out->line.buf;
		len = out->line.len;
	}
	/* One locked stretch, so that a line never interleaves with what other threads print. */
	flockfile(stdout);
	errno = 0;
	if (fwrite_unlocked(text, 1, len, stdout) != len || putc_unlocked('\n', stdout) == EOF ||
	    fflush_unlocked(stdout) == EOF) {
		err = errno ? -errno : -EIO;
		clearerr_unlocked(stdout);
	}
	funlockfile(stdout);
	return err;
}

static void stdout_close(struct sink *s)
{
	(void)s;
}

static void stdout_free(struct sink *s)
{
	struct stdout_sink *out = s->priv;

	free(out->line.buf);
	free(out);
}

static const struct sink_ops stdout_ops = {
	.kind = "stdout",
	.open = stdout_open,
	.write = stdout_write,
	.close = stdout_close,
	.free = stdout_free,
};

int sink_stdout_init(struct sink *s, bool json, char *err, size_t errlen)
{
	struct stdout_sink *out = calloc(1, sizeof(*out));

	if (!out) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	out->json = json;
	s->priv = out;
	s->ops = &stdout_ops;
	return 0;
}

/* ---- file ---- */

struct file_sink {
	char *path;
	int fd;
	bool torn; /* a write stopped inside a line: the next one ends it first */
};

static int file_open_path(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

	return fd < 0 ? -errno : fd;
}

static int file_open(struct sink *s)
{
	struct file_sink *file = s->priv;
	int fd = file_open_path(file->path);

	if (fd < 0)
		return fd;
	file->fd = fd;
	return 0;
}

/* Writes all of iov, going on after a short write. 0, or -errno with *wrote telling whether anything went. */
static int write_all(int fd, struct iovec *iov, int iovcnt, bool *wrote)
{
	while (iovcnt > 0) {
		ssize_t n = writev(fd, iov, iovcnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n > 0)
			*wrote = true;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int file_write(struct sink *s, const struct alert_record *rec)
{
	struct file_sink *file = s->priv;
	struct iovec iov[3];
	int iovcnt = 0;
	bool wrote = false;
	int err;

	if (file->torn)
		iov[iovcnt++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
	iov[iovcnt++] = (struct iovec){ .iov_base = rec->json, .iov_len = rec->json_len };
	iov[iovcnt++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
	err = write_all(file->fd, iov, iovcnt, &wrote);
	if (err)
		file->torn = file->torn || wrote;
	else
		file->torn = false;
	return err;
}

/* logrotate moved the file away: the new one opens before the old one closes, so no write finds no file. */
static int file_reopen(struct sink *s)
{
	struct file_sink *file = s->priv;
	int fd = file_open_path(file->path);

	if (fd < 0)
		return fd;
	close(file->fd);
	file->fd = fd;
	file->torn = false;
	return 0;
}

static void file_close(struct sink *s)
{
	struct file_sink *file = s->priv;

	if (file->fd >= 0)
		close(file->fd);
	file->fd = -1;
}

static void file_free(struct sink *s)
{
	struct file_sink *file = s->priv;

	free(file->path);
	free(file);
}

static const struct sink_ops file_ops = {
	.kind = "file",
	.open = file_open,
	.write = file_write,
	.close = file_close,
	.reopen = file_reopen,
	.free = file_free,
};

int sink_file_init(struct sink *s, const char *path, char *err, size_t errlen)
{
	struct file_sink *file = calloc(1, sizeof(*file));

	if (file)
		file->path = strdup(path);
	if (!file || !file->path) {
		free(file);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	file->fd = -1;
	s->priv = file;
	s->ops = &file_ops;
	return 0;
}

/* ---- syslog(3) ---- */

struct syslog_sink {
	char ident[64];   /* openlog keeps the pointer */
	int facility;
	struct text_line line;
};

static int syslog_open(struct sink *s)
{
	struct syslog_sink *sys = s->priv;

	openlog(sys->ident, LOG_PID | LOG_NDELAY, sys->facility);
	return 0;
}

static int syslog_write(struct sink *s, const struct alert_record *rec)
{
	struct syslog_sink *sys = s->priv;

	if (line_format(&sys->line, rec, false))
		return -ENOMEM;
	/* The text is never the format. */
	syslog(sys->facility | sink_syslog_severity(rec->priority), "%s", sys->line.buf);
	return 0;
}

static void syslog_close(struct sink *s)
{
	(void)s;
	closelog();
}

static void syslog_free(struct sink *s)
{
	struct syslog_sink *sys = s->priv;

	free(sys->line.buf);
	free(sys);
}

static const struct sink_ops syslog_ops = {
	.kind = "syslog",
	.open = syslog_open,
	.write = syslog_write,
	.close = syslog_close,
	.free = syslog_free,
};

int sink_syslog_init(struct sink *s, const char *ident, int facility, char *err, size_t errlen)
{
	struct syslog_sink *sys = calloc(1, sizeof(*sys));

	if (!sys) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(sys->ident, sizeof(sys->ident), "%s", ident);
	sys->facility = facility;
	s->priv = sys;
	s->ops = &syslog_ops;
	return 0;
}
