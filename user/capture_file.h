/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Capture files: what the monitor saw, kept for forensics and replayed
 * through the same pipeline later (docs/CAPTURE.md is the format's
 * specification). A file is a header (magic, format version, then a JSON
 * object: host, kernel release, boot time, vigil version, ...) and then
 * length-framed blocks, each zlib-compressed and CRC-32-checked, each
 * holding whole records. A record is one input of the pipeline: a kernel
 * event as it came out of the ring buffer, or a piece of state the event
 * path read from the host (a process from /proc, a cgroup's path, the
 * Engine API's answer about a container, a user's name...), in the order
 * the pipeline took them.
 *
 * Writing never waits for the disk on the caller's thread: records go into
 * the current block in memory; a full (or old) block is sealed and handed to
 * the writer's own thread, which compresses, checksums and writes it. The
 * file is rotated by size and by age, keeping N old files (PATH.1 the
 * newest), fsync'd at rotation and at close.
 *
 * Reading never trusts the file: every length is bounded and checked, a
 * block whose checksum fails is skipped (the reader looks for the next good
 * block), and a truncated file ends the records with the offset and reason.
 */
#ifndef VIGIL_CAPTURE_FILE_H
#define VIGIL_CAPTURE_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_MAGIC "VIGILCAP"       /* 8 bytes, the file's first */
#define CAPTURE_FORMAT_VERSION 1
#define CAPTURE_BLOCK_MAGIC 0x4b4c4256u /* "VBLK" as little-endian bytes */
#define CAPTURE_HEADER_JSON_MAX (64u << 10)
#define CAPTURE_BLOCK_MAX (16u << 20)  /* compressed or not */
/* The largest block_bytes a writer takes: room left for zlib's worst case and the LOST records. */
#define CAPTURE_BLOCK_BYTES_MAX (CAPTURE_BLOCK_MAX - (64u << 10))
#define CAPTURE_RECORD_HEADER 16u      /* u32 length, u16 kind, u16 flags, i64 time */

/* What a record holds (docs/CAPTURE.md gives each body). */
enum capture_kind {
	CAPTURE_EVENT = 1,         /* a kernel record, bytes as received (include/vigil_event.h) */
	CAPTURE_PROCESS = 2,       /* JSON: a process-table entry read from /proc (or in a keyframe) */
	CAPTURE_PROCESS_GONE = 3,  /* JSON: an entry swept from the process table */
	CAPTURE_CGROUP = 4,        /* JSON: a cgroup id and its path (null: no such cgroup) */
	CAPTURE_CONTAINER = 5,     /* JSON: an Engine API result applied to the container table */
	CAPTURE_NAME = 6,          /* JSON: a user, group or host name lookup's answer */
	CAPTURE_KEYFRAME = 7,      /* JSON: the state records up to KEYFRAME_END replace all state */
	CAPTURE_KEYFRAME_END = 8,  /* empty */
	CAPTURE_TICK = 9,          /* empty: the agent's periodic work ran here (rate-limit summaries) */
	CAPTURE_LOST = 10,         /* JSON: records the capture could not keep, and why */
	CAPTURE_KIND_MAX,
};

/* The name of a kind ("event", "process", ...), "unknown" when none. */
const char *capture_kind_name(unsigned int kind);

/* One record. data points into the reader's or the caller's memory. */
struct capture_record {
	uint16_t kind;
	uint16_t flags;      /* 0; readers ignore bits they do not know */
	int64_t time_ns;     /* Unix ns when the pipeline took it in */
	const void *data;
	uint32_t len;
};

/* ---- writing ---- */

struct capture_writer_options {
	const char *path;
	uint64_t max_bytes;    /* rotate when the file reaches this size; 0: never */
	uint64_t max_age_ns;   /* rotate when the file is this old; 0: never */
	unsigned int keep;     /* rotated files kept (PATH.1 .. PATH.keep); 0: rotation replaces the file */
	size_t block_bytes;    /* seal a block at this many bytes of records; 0: 256 KiB; <= CAPTURE_BLOCK_BYTES_MAX */
	uint64_t block_age_ns; /* seal a non-empty block this old at the next tick; 0: 1 s */
	size_t queue_blocks;   /* sealed blocks waiting for the disk, at most; 0: 64 */
	/*
	 * The header's JSON object: the caller's fields (host, kernel_release,
	 * boot_time, vigil_version, ...); the writer adds "created" to each file's
	 * copy. Borrowed for the writer's life.
	 */
	const json_t *header;
	/*
	 * An existing PATH is rotated to PATH.1 (as a rotation would) instead of
	 * replaced: a restarted agent keeps the capture of the run before.
	 */
	bool keep_existing;
};

struct capture_writer;

/*
 * Open (create or truncate) path and write its header. NULL with a sentence in err.
 *
 * A regular file is replaced by a new one (mode 0600), never truncated in
 * place, so that a reader that has the old one open keeps it whole. A path
 * that is not a regular file (a fifo, a device) is written as it is and never
 * rotated; opening a fifo waits for its reader.
 *
 * Threads: append, rotate_due, rotate, tick, flush and close are called from
 * one thread (the pipeline's); stats and error from any.
 */
struct capture_writer *capture_writer_open(const struct capture_writer_options *o, char *err, size_t errlen);

/*
 * Append one record to the current block, sealing it first when the record
 * would not fit. Never waits for the disk: when the writer's queue is full
 * the record is dropped and counted (the next block starts with a LOST
 * record saying how many). 0, or -E2BIG (a record larger than a block),
 * -ENOBUFS (dropped), -EIO (the writer has failed: see capture_writer_error).
 */
int capture_writer_append(struct capture_writer *w, const struct capture_record *rec);

/*
 * True when the file is due for rotation (its size or age reached). The
 * caller then calls capture_writer_rotate and appends the new file's
 * keyframe, so that every file stands alone.
 */
bool capture_writer_rotate_due(struct capture_writer *w);

/*
 * Seal the current block; later records go to a new file (the old one fsync'd and renamed PATH.1).
 * 0; -ENOBUFS when the queue had no room for the current block (its records,
 * which belong to the old file, are dropped and counted, and the new file
 * begins with a LOST record); -EIO when the writer has failed.
 */
int capture_writer_rotate(struct capture_writer *w);

/* Seal the current block if it is older than block_age_ns. Call now and then (every second). */
void capture_writer_tick(struct capture_writer *w);

/*
 * Seal the current block and wait until the writer's thread has written all
 * that was queued (no fsync). Waits for the disk: for tests and for callers
 * that must know the records reached the file, never on the event path.
 * 0, or -EIO when the writer has failed.
 */
int capture_writer_flush(struct capture_writer *w);

/*
 * Seal, write everything queued, fsync, close, free. 0, or -errno with a
 * sentence in err: the writer's first failure (capture_writer_error), if any.
 */
int capture_writer_close(struct capture_writer *w, char *err, size_t errlen);

struct capture_writer_stats {
	uint64_t records;         /* appended (append returned 0) */
	/*
	 * Not kept: the queue was full, a record was larger than a block, or the
	 * writer failed (records appended before the failure that never reached
	 * the disk included).
	 */
	uint64_t dropped;
	uint64_t blocks;          /* written */
	uint64_t bytes;           /* written, headers included, over all files */
	uint64_t files;           /* opened */
};
void capture_writer_stats(struct capture_writer *w, struct capture_writer_stats *out);

/*
 * The writer thread's first failure ("write /var/log/x: No space left on device"), or NULL.
 * A writer that failed stays failed: every later record is dropped and
 * counted (append returns -EIO). Close it, and open another to try again.
 */
const char *capture_writer_error(struct capture_writer *w);

/* ---- reading ---- */

struct capture_reader;

/*
 * Open path and read its header: NULL with a sentence in err for a file that
 * is no capture (wrong magic, zero length), of a newer format version, or
 * whose header is cut or lies about its length.
 */
struct capture_reader *capture_reader_open(const char *path, char *err, size_t errlen);
/* Parse a capture held in memory (the fuzz target): as capture_reader_open. data must outlive the reader. */
struct capture_reader *capture_reader_open_mem(const void *data, size_t size, char *err, size_t errlen);
void capture_reader_close(struct capture_reader *r);

/* The header's JSON object (host, kernel_release, boot_time, vigil_version, created, ...). */
const json_t *capture_reader_header(const struct capture_reader *r);
/* The format version of the file. */
unsigned int capture_reader_version(const struct capture_reader *r);

enum capture_read {
	CAPTURE_READ_RECORD = 1, /* *rec holds a record, valid until the next call */
	CAPTURE_READ_END = 0,    /* the file ended cleanly after its last block */
	/*
	 * The file ends badly: a block cut off by the end of the file (the writer
	 * was stopped mid-write), and no good block after it. err says where and
	 * why; every later call returns it again.
	 */
	CAPTURE_READ_ERROR = -1,
};

/*
 * The next record. A block that fails its checksum (or does not decompress)
 * is reported once through `problem` (offset and reason) and skipped: the
 * reader looks for the next block that checks, and goes on. problem may be
 * NULL. A block whose checksum holds but whose records do not fit it is
 * reported and skipped the same way. Damage at the end of the file with no
 * good block after it is reported through problem, then END.
 */
enum capture_read capture_reader_next(struct capture_reader *r, struct capture_record *rec, char *err, size_t errlen,
				      void (*problem)(uint64_t offset, const char *why, void *ctx), void *ctx);

/* Bytes of the file consumed so far, and its size (for a progress bar). */
uint64_t capture_reader_offset(const struct capture_reader *r);
uint64_t capture_reader_size(const struct capture_reader *r);

struct capture_reader_stats {
	uint64_t records, blocks;
	uint64_t bad_blocks;      /* skipped */
	uint64_t skipped_bytes;   /* between good blocks */
};
void capture_reader_stats(const struct capture_reader *r, struct capture_reader_stats *out);

#endif /* VIGIL_CAPTURE_FILE_H */
