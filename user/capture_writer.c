// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capture file's writer: a block in memory on the caller's thread, a
 * bounded queue, a thread that compresses, checksums, writes and rotates.
 * docs/CAPTURE.md is the format.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "capture_file.h"
#include "capture_file_internal.h"
#include "json_writer.h"

/*
 * zlib level 1. Measured on 256 KiB blocks of a stream like a capture's
 * (exec, fork, openat and exit records in the kernel's layout, built from
 * this host's /proc, with JSON process records; 3.3 MB, one core of an EPYC
 * under virtualisation): level 1 leaves 15.4 % of the bytes at 314 MB/s,
 * 2: 14.8 % at 289 MB/s, 3: 14.1 % at 246 MB/s, 6: 13.0 % at 107 MB/s.
 * Level 3 would save 8 % of the disk for 28 % more CPU on a thread that
 * has to keep up with bursts; the CPU is the host's, taken from the
 * workloads vigil watches.
 */
#define CAPTURE_ZLIB_LEVEL 1

/* A block has room past block_bytes for the LOST records that may begin it. */
#define LOST_RESERVE 256u

#define DEFAULT_BLOCK_BYTES (256u << 10)
#define DEFAULT_BLOCK_AGE_NS 1000000000ull
#define DEFAULT_QUEUE_BLOCKS 64u
/*
 * Blocks kept for reuse once written; more are freed. A block freed goes back
 * to the kernel (256 KiB is past glibc's mmap threshold), and a new one costs
 * its page faults on the event path: `make bench` measured a third of the
 * capture's cost there with 4 kept. 16 (4 MiB at most) covers a burst's queue.
 */
#define FREE_BLOCKS_KEPT 16u

/* ==== writing ==== */

struct capture_block {
	unsigned char *data;           /* records; cap bytes */
	size_t len;
	uint32_t records;              /* all of them, LOST records included */
	uint32_t appended;             /* the caller's */
	int64_t started_ns;            /* CLOCK_MONOTONIC, at its first record */
	struct capture_block *next_free;
};

/* An entry of the queue: a block to write, or (block NULL) a rotation. */
struct capture_item {
	struct capture_block *block;
};

struct capture_writer {
	/* Set at open, then read-only. */
	char *path;
	char *dir;                     /* fsync'd after renames */
	char *name_from, *name_to;     /* PATH.N, built at rotation */
	size_t path_len;
	uint64_t max_bytes, max_age_ns;
	unsigned int keep;
	size_t block_bytes, block_cap; /* cap: block_bytes + LOST_RESERVE */
	uint64_t block_age_ns;
	size_t queue_max;
	bool regular;                  /* a regular file; a fifo or a device is never rotated */
	json_t *header;                /* our copy; the writer thread's once started */

	/* The caller's thread. */
	struct capture_block *cur;
	uint64_t lost_behind;          /* dropped on a full queue: the next block begins with LOST */
	uint64_t lost_too_big;         /* dropped as larger than a block: LOST as soon as one fits */
	int64_t file_started_ns;       /* CLOCK_MONOTONIC */
	uint64_t rotations_asked;

	/* Either thread: atomics. */
	uint64_t records, dropped;
	uint64_t file_bytes;           /* of the file being written */
	uint64_t rotations_done;
	bool failed;

	pthread_mutex_t lock;          /* what follows */
	pthread_cond_t wake;           /* for the writer thread: an item, or closing */
	pthread_cond_t room;           /* for the caller: an item left the queue, or the thread is idle */
	struct capture_item *ring;
	size_t ring_cap, ring_head, ring_count;
	size_t queued_blocks;
	struct capture_block *free_blocks;
	size_t free_count;
	bool busy;                     /* the thread is working on an item */
	bool closing;
	uint64_t blocks, bytes, files;
	char error[512];               /* the first failure */
	int error_code;                /* its errno */

	/* The writer thread's. */
	int fd;
	z_stream zs;
	bool zs_ready;
	unsigned char *out;            /* block header + compressed payload */
	size_t out_cap;
	pthread_t thread;
	bool thread_started;
};

static bool writer_failed(struct capture_writer *w)
{
	return __atomic_load_n(&w->failed, __ATOMIC_ACQUIRE);
}

static void count_dropped(struct capture_writer *w, uint64_t n)
{
	__atomic_fetch_add(&w->dropped, n, __ATOMIC_RELAXED);
}

/* Remembers the first failure as a sentence; the writer then keeps nothing more. */
static void writer_fail(struct capture_writer *w, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void writer_fail(struct capture_writer *w, int code, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&w->lock);
	if (!w->error_code) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
		w->error_code = code ? code : EIO;
	}
	__atomic_store_n(&w->failed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&w->lock);
}

/* Writes all of buf, through short writes and signals. 0 or -errno. */
static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync, where the file can be: a fifo or a character device cannot (EINVAL), which is no failure. */
static int sync_fd(int fd)
{
	if (fsync(fd) == 0 || errno == EINVAL || errno == EROFS)
		return 0;
	return -errno;
}

/*
 * The header of a new file into fd: our JSON object with "created" now.
 * Sets *written to its size. 0, or -errno with a sentence in err.
 */
static int write_file_header(struct capture_writer *w, int fd, uint64_t *written, char *err, size_t errlen)
{
	char created[64];
	unsigned char *buf = NULL;
	json_t *copy = json_deep_copy(w->header);
	char *text = NULL;
	size_t len;
	int ret;

	json_format_time(clock_ns(CLOCK_REALTIME), created, sizeof(created));
	if (!copy || json_object_set_new(copy, "created", json_string(created)) ||
	    !(text = json_dumps(copy, JSON_COMPACT))) {
		snprintf(err, errlen, "%s: out of memory for the header", w->path);
		ret = -ENOMEM;
		goto out;
	}
	len = strlen(text);
	if (len > CAPTURE_HEADER_JSON_MAX) {
		snprintf(err, errlen, "%s: the header's JSON is %zu bytes, more than the %u a header may hold", w->path,
			 len, CAPTURE_HEADER_JSON_MAX);
		ret = -E2BIG;
		goto out;
	}
	buf = malloc(FILE_HEADER_FIXED + len + FILE_HEADER_CRC);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory for the header", w->path);
		ret = -ENOMEM;
		goto out;
	}
	memcpy(buf, CAPTURE_MAGIC, 8);
	put_le16(buf + 8, CAPTURE_FORMAT_VERSION);
	put_le16(buf + 10, 0);
	put_le32(buf + 12, (uint32_t)len);
	memcpy(buf + FILE_HEADER_FIXED, text, len);
	put_le32(buf + FILE_HEADER_FIXED + len, (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text, (uInt)len));
	ret = write_all(fd, buf, FILE_HEADER_FIXED + len + FILE_HEADER_CRC);
	if (ret) {
		snprintf(err, errlen, "write %s: %s", w->path, strerror(-ret));
		goto out;
	}
	*written = FILE_HEADER_FIXED + len + FILE_HEADER_CRC;
out:
	free(buf);
	free(text);
	json_decref(copy);
	return ret;
}

/*
 * Opens PATH anew (a regular file is unlinked first, so that a reader that
 * has the old one mapped keeps it whole) and writes its header. The new fd,
 * or -errno with a sentence in err.
 */
static int open_file(struct capture_writer *w, uint64_t *written, char *err, size_t errlen)
{
	int fd, ret;

	if (w->regular) {
		if (unlink(w->path) && errno != ENOENT) {
			snprintf(err, errlen, "remove %s: %s", w->path, strerror(errno));
			return -errno;
		}
		fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	} else {
		fd = open(w->path, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "open %s: %s", w->path, strerror(errno));
		return ret;
	}
	ret = write_file_header(w, fd, written, err, errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int rename_if_there(const char *from, const char *to, char *err, size_t errlen)
{
	if (rename(from, to) == 0 || errno == ENOENT)
		return 0;
	snprintf(err, errlen, "rename %s to %s: %s", from, to, strerror(errno));
	return -errno;
}

/* PATH.(keep-1) -> PATH.keep ... PATH -> PATH.1, or PATH removed when keep is 0. 0 or -errno. */
static int shift_files(struct capture_writer *w, char *err, size_t errlen)
{
	int ret, dir_fd;

	if (w->keep == 0) {
		if (unlink(w->path) && errno != ENOENT) {
			snprintf(err, errlen, "remove %s: %s", w->path, strerror(errno));
			return -errno;
		}
	} else {
		for (unsigned int i = w->keep - 1; i >= 1; i--) {
			snprintf(w->name_from, w->path_len + 16, "%s.%u", w->path, i);
			snprintf(w->name_to, w->path_len + 16, "%s.%u", w->path, i + 1);
			ret = rename_if_there(w->name_from, w->name_to, err, errlen);
			if (ret)
				return ret;
		}
		snprintf(w->name_to, w->path_len + 16, "%s.1", w->path);
		ret = rename_if_there(w->path, w->name_to, err, errlen);
		if (ret)
			return ret;
	}
	/* The renames last only once the directory is on disk too. */
	dir_fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		fsync(dir_fd);
		close(dir_fd);
	}
	return 0;
}

static void file_opened(struct capture_writer *w, uint64_t header_bytes)
{
	__atomic_store_n(&w->file_bytes, header_bytes, __ATOMIC_RELAXED);
	pthread_mutex_lock(&w->lock);
	w->files++;
	w->bytes += header_bytes;
	pthread_mutex_unlock(&w->lock);
}

/* On the writer thread: fsync and close the file, shift the names, open a new one. */
static void rotate_file(struct capture_writer *w)
{
	char err[sizeof(w->error)];
	uint64_t header_bytes;
	int ret;

	if (writer_failed(w) || !w->regular)
		goto done;
	ret = sync_fd(w->fd);
	if (ret) {
		writer_fail(w, -ret, "fsync %s: %s", w->path, strerror(-ret));
		goto done;
	}
	if (close(w->fd)) {
		w->fd = -1;
		writer_fail(w, errno, "close %s: %s", w->path, strerror(errno));
		goto done;
	}
	w->fd = -1;
	ret = shift_files(w, err, sizeof(err));
	if (!ret)
		ret = open_file(w, &header_bytes, err, sizeof(err));
	if (ret < 0) {
		writer_fail(w, -ret, "%s", err);
		goto done;
	}
	w->fd = ret;
	file_opened(w, header_bytes);
done:
	__atomic_fetch_add(&w->rotations_done, 1, __ATOMIC_RELEASE);
}

/* On the writer thread: compress, checksum, write. */
static void write_block(struct capture_writer *w, struct capture_block *b)
{
	unsigned char *head = w->out;
	uint32_t compressed;
	int ret;

	if (writer_failed(w)) {
		count_dropped(w, b->appended);
		return;
	}
	deflateReset(&w->zs);
	w->zs.next_in = b->data;
	w->zs.avail_in = (uInt)b->len;
	w->zs.next_out = w->out + BLOCK_HEADER;
	w->zs.avail_out = (uInt)(w->out_cap - BLOCK_HEADER);
	ret = deflate(&w->zs, Z_FINISH);
	if (ret != Z_STREAM_END) {
		writer_fail(w, EIO, "compress a block for %s: zlib error %d", w->path, ret);
		count_dropped(w, b->appended);
		return;
	}
	compressed = (uint32_t)(w->out_cap - BLOCK_HEADER - w->zs.avail_out);
	put_le32(head, CAPTURE_BLOCK_MAGIC);
	put_le32(head + 4, compressed);
	put_le32(head + 8, (uint32_t)b->len);
	put_le32(head + 12, b->records);
	put_le32(head + 16, block_crc(head, head + BLOCK_HEADER, compressed));
	ret = write_all(w->fd, w->out, BLOCK_HEADER + compressed);
	if (ret) {
		writer_fail(w, -ret, "write %s: %s", w->path, strerror(-ret));
		count_dropped(w, b->appended);
		return;
	}
	__atomic_fetch_add(&w->file_bytes, BLOCK_HEADER + compressed, __ATOMIC_RELAXED);
	pthread_mutex_lock(&w->lock);
	w->blocks++;
	w->bytes += BLOCK_HEADER + compressed;
	pthread_mutex_unlock(&w->lock);
}

static void block_free(struct capture_block *b)
{
	if (b) {
		free(b->data);
		free(b);
	}
}

static void *writer_thread(void *arg)
{
	struct capture_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct capture_item item;

		while (!w->ring_count && !w->closing)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->ring_count)
			break;
		item = w->ring[w->ring_head];
		w->ring_head = (w->ring_head + 1) % w->ring_cap;
		w->ring_count--;
		if (item.block)
			w->queued_blocks--;
		w->busy = true;
		pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->lock);

		if (item.block)
			write_block(w, item.block);
		else
			rotate_file(w);

		pthread_mutex_lock(&w->lock);
		if (item.block) {
			if (w->free_count < FREE_BLOCKS_KEPT) {
				item.block->next_free = w->free_blocks;
				w->free_blocks = item.block;
				w->free_count++;
			} else {
				block_free(item.block);
			}
		}
		w->busy = false;
		pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->lock);

	if (w->fd >= 0) {
		int ret = writer_failed(w) ? 0 : sync_fd(w->fd);

		if (ret)
			writer_fail(w, -ret, "fsync %s: %s", w->path, strerror(-ret));
		if (close(w->fd) && !writer_failed(w))
			writer_fail(w, errno, "close %s: %s", w->path, strerror(errno));
		w->fd = -1;
	}
	return NULL;
}

static struct capture_block *block_new(size_t cap)
{
	struct capture_block *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->data = malloc(cap);
	if (!b->data) {
		free(b);
		return NULL;
	}
	return b;
}

static void block_reset(struct capture_block *b)
{
	b->len = 0;
	b->records = 0;
	b->appended = 0;
}

static void block_put(struct capture_block *b, uint16_t kind, uint16_t flags, int64_t time_ns, const void *data,
		      uint32_t len)
{
	unsigned char *p = b->data + b->len;

	if (!b->records)
		b->started_ns = clock_ns(CLOCK_MONOTONIC);
	put_le32(p, len);
	put_le16(p + 4, kind);
	put_le16(p + 6, flags);
	put_le64(p + 8, (uint64_t)time_ns);
	if (len)
		memcpy(p + CAPTURE_RECORD_HEADER, data, len);
	b->len += CAPTURE_RECORD_HEADER + len;
	b->records++;
}

/* One LOST record into the current block, if it fits: true when written. */
static bool put_lost(struct capture_writer *w, uint64_t records, const char *reason)
{
	char body[128];
	int len;

	/* A number and a fixed reason: JSON by construction. */
	len = snprintf(body, sizeof(body), "{\"records\":%llu,\"reason\":\"%s\"}", (unsigned long long)records,
		       reason);
	if (len < 0 || (size_t)len >= sizeof(body) || w->cur->len + CAPTURE_RECORD_HEADER + (size_t)len > w->block_cap)
		return false;
	block_put(w->cur, CAPTURE_LOST, 0, clock_ns(CLOCK_REALTIME), body, (uint32_t)len);
	return true;
}

/* The LOST records owed, into the current block as far as they fit. */
static void put_lost_records(struct capture_writer *w)
{
	if (w->lost_behind && put_lost(w, w->lost_behind, "the disk fell behind"))
		w->lost_behind = 0;
	if (w->lost_too_big && put_lost(w, w->lost_too_big, "larger than a block"))
		w->lost_too_big = 0;
}

/*
 * Hands the current block to the writer thread and starts the next, which
 * begins with the LOST records owed. With wait, waits for room in the
 * queue; without, -ENOBUFS when there is none (the block stays current).
 * -EIO when the writer has failed (the block's records are dropped).
 */
static int seal(struct capture_writer *w, bool wait)
{
	struct capture_block *b = w->cur, *spare;
	size_t tail;

	if (!b->records)
		return 0;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		if (writer_failed(w)) {
			pthread_mutex_unlock(&w->lock);
			count_dropped(w, b->appended);
			block_reset(b);
			return -EIO;
		}
		if (w->queued_blocks < w->queue_max)
			break;
		if (!wait) {
			pthread_mutex_unlock(&w->lock);
			return -ENOBUFS;
		}
		pthread_cond_wait(&w->room, &w->lock);
	}
	spare = w->free_blocks;
	if (spare) {
		w->free_blocks = spare->next_free;
		w->free_count--;
	} else {
		/* Only this thread adds to the queue: the room found stays there meanwhile. */
		pthread_mutex_unlock(&w->lock);
		spare = block_new(w->block_cap);
		if (!spare)
			return -ENOBUFS;
		pthread_mutex_lock(&w->lock);
	}
	tail = (w->ring_head + w->ring_count) % w->ring_cap;
	w->ring[tail].block = b;
	w->ring_count++;
	w->queued_blocks++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);

	block_reset(spare);
	w->cur = spare;
	put_lost_records(w);
	return 0;
}

/* What open built, whether it got to the end or not (the thread is not running, the file closed). */
static void writer_free(struct capture_writer *w)
{
	while (w->free_blocks) {
		struct capture_block *b = w->free_blocks;

		w->free_blocks = b->next_free;
		block_free(b);
	}
	block_free(w->cur);
	if (w->zs_ready)
		deflateEnd(&w->zs);
	free(w->out);
	free(w->ring);
	json_decref(w->header);
	free(w->dir);
	free(w->name_from);
	free(w->name_to);
	free(w->path);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct capture_writer *capture_writer_open(const struct capture_writer_options *o, char *err, size_t errlen)
{
	struct capture_writer *w;
	struct stat st;
	uint64_t header_bytes;
	sigset_t all, before;
	char *dir_copy;
	int ret;

	if (!o->path || !o->path[0]) {
		snprintf(err, errlen, "a capture file needs a path");
		return NULL;
	}
	if (o->header && !json_is_object(o->header)) {
		snprintf(err, errlen, "%s: the header must be a JSON object", o->path);
		return NULL;
	}
	if (o->block_bytes > CAPTURE_BLOCK_BYTES_MAX) {
		snprintf(err, errlen, "%s: blocks of %zu bytes are larger than the %u bytes a block may hold", o->path,
			 o->block_bytes, CAPTURE_BLOCK_BYTES_MAX);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "%s: out of memory", o->path);
		return NULL;
	}
	w->fd = -1;
	w->max_bytes = o->max_bytes;
	w->max_age_ns = o->max_age_ns;
	w->keep = o->keep;
	w->block_bytes = o->block_bytes ? o->block_bytes : DEFAULT_BLOCK_BYTES;
	w->block_cap = w->block_bytes + LOST_RESERVE;
	w->block_age_ns = o->block_age_ns ? o->block_age_ns : DEFAULT_BLOCK_AGE_NS;
	w->queue_max = o->queue_blocks ? o->queue_blocks : DEFAULT_QUEUE_BLOCKS;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->room, NULL);
	w->path = strdup(o->path);
	w->path_len = strlen(o->path);
	w->name_from = malloc(w->path_len + 16);
	w->name_to = malloc(w->path_len + 16);
	dir_copy = strdup(o->path);
	w->dir = dir_copy ? strdup(dirname(dir_copy)) : NULL;
	free(dir_copy);
	w->header = o->header ? json_deep_copy(o->header) : json_object();
	/* Markers never sit side by side: at most one more than the blocks. */
	w->ring_cap = 2 * w->queue_max + 2;
	w->ring = calloc(w->ring_cap, sizeof(*w->ring));
	w->cur = block_new(w->block_cap);
	if (!w->path || !w->name_from || !w->name_to || !w->dir || !w->header || !w->ring || !w->cur) {
		snprintf(err, errlen, "%s: out of memory", o->path);
		goto fail;
	}
	if (deflateInit(&w->zs, CAPTURE_ZLIB_LEVEL) != Z_OK) {
		snprintf(err, errlen, "%s: zlib cannot start", o->path);
		goto fail;
	}
	w->zs_ready = true;
	w->out_cap = BLOCK_HEADER + deflateBound(&w->zs, (uLong)w->block_cap);
	w->out = malloc(w->out_cap);
	if (!w->out) {
		snprintf(err, errlen, "%s: out of memory", o->path);
		goto fail;
	}

	w->regular = stat(w->path, &st) != 0 || S_ISREG(st.st_mode);
	if (w->regular && o->keep_existing && stat(w->path, &st) == 0 && shift_files(w, err, errlen))
		goto fail;
	ret = open_file(w, &header_bytes, err, errlen);
	if (ret < 0)
		goto fail;
	w->fd = ret;
	w->files = 1;
	w->bytes = header_bytes;
	w->file_bytes = header_bytes;
	w->file_started_ns = clock_ns(CLOCK_MONOTONIC);

	/* The thread blocks every signal: a pipe's reader gone is EPIPE, not SIGPIPE for the process. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &before);
	ret = pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	if (ret) {
		snprintf(err, errlen, "%s: cannot start the writer's thread: %s", o->path, strerror(ret));
		goto fail;
	}
	pthread_setname_np(w->thread, "vigil-capture");
	w->thread_started = true;
	return w;
fail:
	if (w->fd >= 0)
		close(w->fd);
	writer_free(w);
	return NULL;
}

int capture_writer_append(struct capture_writer *w, const struct capture_record *rec)
{
	size_t need = CAPTURE_RECORD_HEADER + (size_t)rec->len;
	int ret;

	if (writer_failed(w)) {
		count_dropped(w, 1);
		return -EIO;
	}
	if (need > w->block_bytes) {
		count_dropped(w, 1);
		w->lost_too_big++;
		put_lost_records(w);
		return -E2BIG;
	}
	if (w->cur->len + need > w->block_bytes) {
		ret = seal(w, false);
		if (ret) {
			count_dropped(w, 1);
			if (ret == -ENOBUFS)
				w->lost_behind++;
			return ret;
		}
	}
	block_put(w->cur, rec->kind, rec->flags, rec->time_ns, rec->data, rec->len);
	w->cur->appended++;
	__atomic_fetch_add(&w->records, 1, __ATOMIC_RELAXED);
	return 0;
}

bool capture_writer_rotate_due(struct capture_writer *w)
{
	if (writer_failed(w) || w->rotations_asked != __atomic_load_n(&w->rotations_done, __ATOMIC_ACQUIRE))
		return false;
	if (w->max_bytes && __atomic_load_n(&w->file_bytes, __ATOMIC_RELAXED) >= w->max_bytes)
		return true;
	return w->max_age_ns && (uint64_t)(clock_ns(CLOCK_MONOTONIC) - w->file_started_ns) >= w->max_age_ns;
}

int capture_writer_rotate(struct capture_writer *w)
{
	int ret;

	if (writer_failed(w))
		return -EIO;
	ret = seal(w, false);
	if (ret == -EIO)
		return ret;
	if (ret == -ENOBUFS) {
		/* These records belong to the old file, which the queue cannot take: lost, and said so. */
		count_dropped(w, w->cur->appended);
		w->lost_behind += w->cur->appended;
		block_reset(w->cur);
		put_lost_records(w);
	}
	pthread_mutex_lock(&w->lock);
	/* A rotation right after another, with nothing between, would make a file of nothing. */
	if (!w->ring_count || w->ring[(w->ring_head + w->ring_count - 1) % w->ring_cap].block) {
		w->ring[(w->ring_head + w->ring_count) % w->ring_cap].block = NULL;
		w->ring_count++;
		w->rotations_asked++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	w->file_started_ns = clock_ns(CLOCK_MONOTONIC);
	return ret;
}

void capture_writer_tick(struct capture_writer *w)
{
	if (w->cur->records && (uint64_t)(clock_ns(CLOCK_MONOTONIC) - w->cur->started_ns) >= w->block_age_ns)
		seal(w, false); /* a full queue: the block waits for the next tick */
}

/* Seals until nothing is left in memory, waiting for room. */
static void seal_all(struct capture_writer *w)
{
	while (w->cur->records) {
		int ret = seal(w, true);

		if (ret == -ENOBUFS) { /* out of memory for the next block */
			count_dropped(w, w->cur->appended);
			block_reset(w->cur);
		}
	}
}

int capture_writer_flush(struct capture_writer *w)
{
	seal_all(w);
	pthread_mutex_lock(&w->lock);
	while (w->ring_count || w->busy)
		pthread_cond_wait(&w->room, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return writer_failed(w) ? -EIO : 0;
}

int capture_writer_close(struct capture_writer *w, char *err, size_t errlen)
{
	int ret;

	if (!w)
		return 0;
	seal_all(w);
	pthread_mutex_lock(&w->lock);
	w->closing = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->thread_started)
		pthread_join(w->thread, NULL);
	ret = w->error_code ? -w->error_code : 0;
	if (ret)
		snprintf(err, errlen, "%s", w->error);
	writer_free(w);
	return ret;
}

void capture_writer_stats(struct capture_writer *w, struct capture_writer_stats *out)
{
	pthread_mutex_lock(&w->lock);
	out->blocks = w->blocks;
	out->bytes = w->bytes;
	out->files = w->files;
	pthread_mutex_unlock(&w->lock);
	out->records = __atomic_load_n(&w->records, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&w->dropped, __ATOMIC_RELAXED);
}

const char *capture_writer_error(struct capture_writer *w)
{
	const char *error;

	/* Written once, under the lock, before failed is set: stable once seen. */
	pthread_mutex_lock(&w->lock);
	error = w->error_code ? w->error : NULL;
	pthread_mutex_unlock(&w->lock);
	return error;
}

