// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "capture_file.h"

/* ---- helpers ---- */

#define assert_contains(haystack, needle)                                                                     \
	do {                                                                                                  \
		const char *h_ = (haystack), *n_ = (needle);                                                  \
		if (!h_ || !strstr(h_, n_))                                                                   \
			fail_msg("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);                  \
	} while (0)

static char dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vigil-capture-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *in_dir(const char *name)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	data = malloc(len ? (size_t)len : 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*size = (size_t)len;
	return data;
}

static void spill(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The body of record seq: len bytes anyone can recompute; incompressible (xorshift). */
static void fill_body(unsigned char *body, uint32_t len, uint64_t seq)
{
	uint64_t x = seq * 0x9e3779b97f4a7c15ull + 1;

	for (uint32_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		body[i] = (unsigned char)x;
	}
}

/* Record seq: its kind, time and body follow from seq; the body starts with seq itself. */
static int append_seq(struct capture_writer *w, uint64_t seq, uint16_t kind, uint32_t len)
{
	unsigned char *body = malloc(len + 8);
	struct capture_record rec = { .kind = kind, .flags = (uint16_t)(seq & 3),
				      .time_ns = (int64_t)(1700000000000000000ull + seq), .data = body, .len = len };
	int ret;

	assert_non_null(body);
	fill_body(body, len, seq);
	if (len >= 8)
		memcpy(body, &seq, 8);
	ret = capture_writer_append(w, &rec);
	free(body);
	return ret;
}

/* Whether rec is record seq of that kind and length. */
static void assert_seq(const struct capture_record *rec, uint64_t seq, uint16_t kind, uint32_t len)
{
	unsigned char *body = malloc(len + 8);

	assert_non_null(body);
	fill_body(body, len, seq);
	if (len >= 8)
		memcpy(body, &seq, 8);
	assert_int_equal(rec->kind, kind);
	assert_int_equal(rec->flags, seq & 3);
	assert_int_equal(rec->time_ns, (int64_t)(1700000000000000000ull + seq));
	assert_int_equal(rec->len, len);
	if (len)
		assert_memory_equal(rec->data, body, len);
	free(body);
}

/* What reading a capture gave. */
struct copied {
	uint16_t kind, flags;
	int64_t time_ns;
	unsigned char *data;
	uint32_t len;
	uint64_t offset_before, offset_after;  /* capture_reader_offset around the call */
};

struct readback {
	struct copied *recs;
	size_t count;
	struct {
		uint64_t offset;
		char why[256];
	} problems[16];
	size_t problem_count;
	enum capture_read end;
	char err[512];
	struct capture_reader_stats stats;
	json_t *header;
};

static void note_problem(uint64_t offset, const char *why, void *ctx)
{
	struct readback *rb = ctx;

	if (rb->problem_count < 16) {
		rb->problems[rb->problem_count].offset = offset;
		snprintf(rb->problems[rb->problem_count].why, sizeof(rb->problems[0].why), "%s", why);
	}
	rb->problem_count++;
}

static void read_all(struct capture_reader *r, struct readback *rb)
{
	struct capture_record rec;
	size_t cap = 0;

	memset(rb, 0, sizeof(*rb));
	rb->header = json_incref((json_t *)capture_reader_header(r));
	for (;;) {
		uint64_t before = capture_reader_offset(r);

		rb->end = capture_reader_next(r, &rec, rb->err, sizeof(rb->err), note_problem, rb);
		if (rb->end != CAPTURE_READ_RECORD)
			break;
		if (rb->count == cap) {
			cap = cap ? cap * 2 : 64;
			rb->recs = realloc(rb->recs, cap * sizeof(*rb->recs));
			assert_non_null(rb->recs);
		}
		struct copied *c = &rb->recs[rb->count++];
		c->kind = rec.kind;
		c->flags = rec.flags;
		c->time_ns = rec.time_ns;
		c->len = rec.len;
		c->data = malloc(rec.len + 1);
		assert_non_null(c->data);
		memcpy(c->data, rec.data, rec.len);
		c->data[rec.len] = '\0';
		c->offset_before = before;
		c->offset_after = capture_reader_offset(r);
	}
	/* The end is the end: asked again, the same answer. */
	assert_int_equal(capture_reader_next(r, &rec, rb->err, sizeof(rb->err), note_problem, rb), rb->end);
	capture_reader_stats(r, &rb->stats);
	assert_int_equal(rb->stats.records, rb->count);
}

static void read_path(const char *path, struct readback *rb)
{
	char err[512];
	struct capture_reader *r = capture_reader_open(path, err, sizeof(err));

	if (!r)
		fail_msg("%s", err);
	read_all(r, rb);
	capture_reader_close(r);
}

static void read_mem(const void *data, size_t size, struct readback *rb)
{
	char err[512];
	struct capture_reader *r = capture_reader_open_mem(data, size, err, sizeof(err));

	if (!r)
		fail_msg("%s", err);
	read_all(r, rb);
	capture_reader_close(r);
}

static void readback_free(struct readback *rb)
{
	for (size_t i = 0; i < rb->count; i++)
		free(rb->recs[i].data);
	free(rb->recs);
	json_decref(rb->header);
}

static void assert_copied_seq(const struct copied *c, uint64_t seq, uint16_t kind, uint32_t len)
{
	struct capture_record rec = { .kind = c->kind, .flags = c->flags, .time_ns = c->time_ns, .data = c->data,
				      .len = c->len };

	assert_seq(&rec, seq, kind, len);
}

/* The LOST record's count, after checking its reason. */
static uint64_t lost_count(const struct copied *c, const char *reason)
{
	json_error_t jerr;
	json_t *body;
	uint64_t n;

	assert_int_equal(c->kind, CAPTURE_LOST);
	body = json_loadb((const char *)c->data, c->len, 0, &jerr);
	assert_non_null(body);
	assert_true(json_is_integer(json_object_get(body, "records")));
	assert_string_equal(json_string_value(json_object_get(body, "reason")), reason);
	n = (uint64_t)json_integer_value(json_object_get(body, "records"));
	json_decref(body);
	return n;
}

static struct capture_writer *open_writer(struct capture_writer_options *o)
{
	char err[512];
	struct capture_writer *w = capture_writer_open(o, err, sizeof(err));

	if (!w)
		fail_msg("%s", err);
	return w;
}

static void close_writer(struct capture_writer *w)
{
	char err[512] = "";
	int ret = capture_writer_close(w, err, sizeof(err));

	if (ret)
		fail_msg("close: %d %s", ret, err);
}

/* The offsets of a file's blocks (and the file's size after them), by the format's own rules. */
static size_t block_offsets(const unsigned char *data, size_t size, size_t *offsets, size_t max)
{
	size_t pos = 16 + le32(data + 12) + 4, n = 0;

	while (pos + 20 <= size && n < max) {
		uint32_t clen = le32(data + pos + 4);

		assert_int_equal(le32(data + pos), CAPTURE_BLOCK_MAGIC);
		uLong crc = crc32(crc32(0L, Z_NULL, 0), data + pos, 16);
		crc = crc32(crc, data + pos + 20, clen);
		assert_int_equal(crc, le32(data + pos + 16));
		offsets[n++] = pos;
		pos += 20 + clen;
	}
	assert_int_equal(pos, size);
	offsets[n] = pos;
	return n;
}

/*
 * A capture of 4 blocks of 10 records each (seq 0..39, EVENT, 150 bytes),
 * its bytes and its block offsets (offsets[4]: the end).
 */
static unsigned char *four_blocks(size_t *size, size_t offsets[5])
{
	struct capture_writer_options o = { .path = in_dir("four.cap"), .block_bytes = 4096 };
	struct capture_writer *w = open_writer(&o);
	unsigned char *data;

	for (uint64_t seq = 0; seq < 40; seq++) {
		assert_int_equal(append_seq(w, seq, CAPTURE_EVENT, 150), 0);
		if (seq % 10 == 9)
			assert_int_equal(capture_writer_flush(w), 0);
	}
	close_writer(w);
	data = slurp(o.path, size);
	assert_int_equal(block_offsets(data, *size, offsets, 4), 4);
	return data;
}

/* The records read are seq first..last (in blocks of 10, as four_blocks wrote them). */
static void assert_seqs(const struct readback *rb, const uint64_t *seqs, size_t n)
{
	assert_int_equal(rb->count, n);
	for (size_t i = 0; i < n; i++)
		assert_copied_seq(&rb->recs[i], seqs[i], CAPTURE_EVENT, 150);
}

static size_t seqs_of_blocks(const int *blocks, size_t nblocks, uint64_t *seqs)
{
	size_t n = 0;

	for (size_t b = 0; b < nblocks; b++)
		for (int i = 0; i < 10; i++)
			seqs[n++] = (uint64_t)blocks[b] * 10 + (uint64_t)i;
	return n;
}

/* ---- tests ---- */

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(capture_kind_name(CAPTURE_EVENT), "event");
	assert_string_equal(capture_kind_name(CAPTURE_PROCESS), "process");
	assert_string_equal(capture_kind_name(CAPTURE_PROCESS_GONE), "process_gone");
	assert_string_equal(capture_kind_name(CAPTURE_CGROUP), "cgroup");
	assert_string_equal(capture_kind_name(CAPTURE_CONTAINER), "container");
	assert_string_equal(capture_kind_name(CAPTURE_NAME), "name");
	assert_string_equal(capture_kind_name(CAPTURE_KEYFRAME), "keyframe");
	assert_string_equal(capture_kind_name(CAPTURE_KEYFRAME_END), "keyframe_end");
	assert_string_equal(capture_kind_name(CAPTURE_TICK), "tick");
	assert_string_equal(capture_kind_name(CAPTURE_LOST), "lost");
	assert_string_equal(capture_kind_name(0), "unknown");
	assert_string_equal(capture_kind_name(CAPTURE_KIND_MAX), "unknown");
	assert_string_equal(capture_kind_name(60000), "unknown");
}

/* Length of record seq in the round trip: empty, small, up to a whole block. */
static uint32_t round_trip_len(uint64_t seq, size_t block_bytes)
{
	switch (seq % 7) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (uint32_t)(block_bytes - CAPTURE_RECORD_HEADER); /* fills a block alone */
	case 3:
		return (uint32_t)(seq * 37 % 5000);
	default:
		return (uint32_t)(seq % 300) + 8;
	}
}

static void test_round_trip_of_every_kind(void **state)
{
	(void)state;
	const size_t block_bytes = 16384;
	struct capture_writer_options o = { .path = in_dir("rt.cap"), .block_bytes = block_bytes,
					    .queue_blocks = 1000 };
	struct capture_writer *w = open_writer(&o);
	struct capture_writer_stats st;
	struct readback rb;
	struct stat sb;
	const uint64_t count = 3000;

	for (uint64_t seq = 0; seq < count; seq++) {
		/* 0 and one past the last too: kept as they are. */
		uint16_t kind = (uint16_t)(seq % (CAPTURE_KIND_MAX + 1));

		assert_int_equal(append_seq(w, seq, kind, round_trip_len(seq, block_bytes)), 0);
	}
	/* One byte too many for a block: refused, and the loss is a record of its own. */
	assert_int_equal(append_seq(w, count, CAPTURE_EVENT, (uint32_t)(block_bytes - CAPTURE_RECORD_HEADER + 1)),
			 -E2BIG);
	assert_int_equal(append_seq(w, count + 1, CAPTURE_EVENT, 20), 0);
	assert_int_equal(capture_writer_flush(w), 0);
	capture_writer_stats(w, &st);
	assert_int_equal(st.records, count + 1);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.files, 1);
	assert_true(st.blocks > 100);
	close_writer(w);

	assert_int_equal(stat(o.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, st.bytes);

	read_path(o.path, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_int_equal(rb.problem_count, 0);
	assert_int_equal(rb.count, count + 2);
	for (uint64_t seq = 0; seq < count; seq++)
		assert_copied_seq(&rb.recs[seq], seq, (uint16_t)(seq % (CAPTURE_KIND_MAX + 1)),
				  round_trip_len(seq, block_bytes));
	assert_int_equal(lost_count(&rb.recs[count], "larger than a block"), 1);
	assert_copied_seq(&rb.recs[count + 1], count + 1, CAPTURE_EVENT, 20);
	assert_int_equal(rb.stats.blocks, st.blocks);
	assert_int_equal(rb.stats.bad_blocks, 0);
	assert_int_equal(rb.stats.skipped_bytes, 0);
	readback_free(&rb);
}

static void test_header_fields(void **state)
{
	(void)state;
	json_t *fields = json_pack("{s:s, s:s, s:i, s:i}", "host", "node-7", "kernel_release", "6.1.0-13-amd64",
				   "event_abi", 2, "boot_time", 1700000000);
	struct capture_writer_options o = { .path = in_dir("h.cap"), .header = fields };
	struct capture_writer *w = open_writer(&o);
	const char *created;
	unsigned char *data;
	size_t size;
	struct readback rb;
	char err[256];
	struct capture_reader *r;
	uint32_t json_len;

	close_writer(w);
	/* The header as docs/CAPTURE.md lays it out. */
	data = slurp(o.path, &size);
	assert_memory_equal(data, "VIGILCAP", 8);
	assert_int_equal(data[8] | data[9] << 8, 1);
	assert_int_equal(data[10] | data[11] << 8, 0);
	json_len = le32(data + 12);
	assert_int_equal(size, 16 + json_len + 4);
	assert_int_equal(crc32(crc32(0L, Z_NULL, 0), data + 16, json_len), le32(data + 16 + json_len));

	r = capture_reader_open(o.path, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(capture_reader_version(r), 1);
	assert_int_equal(capture_reader_size(r), size);
	read_all(r, &rb);
	capture_reader_close(r);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_int_equal(rb.count, 0);
	assert_string_equal(json_string_value(json_object_get(rb.header, "host")), "node-7");
	assert_string_equal(json_string_value(json_object_get(rb.header, "kernel_release")), "6.1.0-13-amd64");
	assert_int_equal(json_integer_value(json_object_get(rb.header, "event_abi")), 2);
	assert_int_equal(json_integer_value(json_object_get(rb.header, "boot_time")), 1700000000);
	created = json_string_value(json_object_get(rb.header, "created"));
	assert_non_null(created);
	/* RFC 3339, UTC, nanoseconds: 2026-11-24T09:52:28.240975324Z */
	assert_int_equal(strlen(created), 30);
	for (int i = 0; i < 30; i++) {
		const char *shape = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

		if (shape[i] == 'd')
			assert_true(created[i] >= '0' && created[i] <= '9');
		else
			assert_int_equal(created[i], shape[i]);
	}
	/* The caller's object is the caller's: no "created" added to it. */
	assert_null(json_object_get(fields, "created"));
	assert_int_equal(json_object_size(rb.header), 5);
	readback_free(&rb);
	free(data);
	json_decref(fields);
}

static void test_header_too_large_is_refused(void **state)
{
	(void)state;
	char *big = malloc(CAPTURE_HEADER_JSON_MAX + 1);
	json_t *fields;
	struct capture_writer_options o = { .path = in_dir("big.cap") };
	char err[256];

	assert_non_null(big);
	memset(big, 'x', CAPTURE_HEADER_JSON_MAX);
	big[CAPTURE_HEADER_JSON_MAX] = '\0';
	fields = json_pack("{s:s}", "host", big);
	o.header = fields;
	assert_null(capture_writer_open(&o, err, sizeof(err)));
	assert_contains(err, "more than the 65536 a header may hold");
	json_decref(fields);
	free(big);

	o.block_bytes = CAPTURE_BLOCK_BYTES_MAX + 1;
	o.header = NULL;
	assert_null(capture_writer_open(&o, err, sizeof(err)));
	assert_contains(err, "larger than the");
}

/* Records of 100 bytes (116 framed) in blocks of 1024: 8 fit, the ninth seals the block. */
static void test_block_sealed_when_full(void **state)
{
	(void)state;
	struct capture_writer_options o = { .path = in_dir("full.cap"), .block_bytes = 1024 };
	struct capture_writer *w = open_writer(&o);
	unsigned char *data;
	size_t size, offsets[8];
	struct readback rb;

	for (uint64_t seq = 0; seq < 20; seq++)
		assert_int_equal(append_seq(w, seq, CAPTURE_EVENT, 100), 0);
	close_writer(w);
	data = slurp(o.path, &size);
	assert_int_equal(block_offsets(data, size, offsets, 7), 3);
	assert_int_equal(le32(data + offsets[0] + 12), 8);
	assert_int_equal(le32(data + offsets[0] + 8), 8 * 116);
	assert_int_equal(le32(data + offsets[1] + 12), 8);
	assert_int_equal(le32(data + offsets[2] + 12), 4);
	read_mem(data, size, &rb);
	assert_int_equal(rb.count, 20);
	assert_int_equal(rb.stats.blocks, 3);
	readback_free(&rb);
	free(data);
}

static void test_block_sealed_by_tick_when_old(void **state)
{
	(void)state;
	struct capture_writer_options young = { .path = in_dir("young.cap"), .block_age_ns = 3600ull * 1000000000 };
	struct capture_writer_options old = { .path = in_dir("old.cap"), .block_age_ns = 1000000 };
	struct capture_writer *w;
	struct readback rb;

	/* A block younger than block_age_ns stays open at a tick: both records share it. */
	w = open_writer(&young);
	assert_int_equal(append_seq(w, 0, CAPTURE_EVENT, 50), 0);
	capture_writer_tick(w);
	assert_int_equal(append_seq(w, 1, CAPTURE_EVENT, 50), 0);
	close_writer(w);
	read_path(young.path, &rb);
	assert_int_equal(rb.count, 2);
	assert_int_equal(rb.stats.blocks, 1);
	readback_free(&rb);

	/* An older one is sealed: the next record begins a block of its own. */
	w = open_writer(&old);
	assert_int_equal(append_seq(w, 0, CAPTURE_EVENT, 50), 0);
	sleep_ns(2000000);
	capture_writer_tick(w);
	assert_int_equal(append_seq(w, 1, CAPTURE_EVENT, 50), 0);
	close_writer(w);
	read_path(old.path, &rb);
	assert_int_equal(rb.count, 2);
	assert_int_equal(rb.stats.blocks, 2);
	readback_free(&rb);

	/* An empty block is never sealed: no empty blocks in a file. */
	w = open_writer(&old);
	sleep_ns(2000000);
	capture_writer_tick(w);
	assert_int_equal(capture_writer_flush(w), 0);
	close_writer(w);
	read_path(old.path, &rb);
	assert_int_equal(rb.count, 0);
	assert_int_equal(rb.stats.blocks, 0);
	readback_free(&rb);
}

/* Each of PATH.2, PATH.1, PATH reads alone: a keyframe "file N", then consecutive seqs. */
static void assert_rotated_files(const char *base, uint64_t *next_seq, uint64_t first_file)
{
	char path[160];

	for (int i = 2; i >= 0; i--) {
		struct readback rb;
		char expect[32];

		if (i)
			snprintf(path, sizeof(path), "%s.%d", base, i);
		else
			snprintf(path, sizeof(path), "%s", base);
		read_path(path, &rb);
		assert_int_equal(rb.end, CAPTURE_READ_END);
		assert_int_equal(rb.problem_count, 0);
		assert_true(rb.count >= 2);
		snprintf(expect, sizeof(expect), "file %llu", (unsigned long long)(first_file + 2 - (uint64_t)i));
		assert_int_equal(rb.recs[0].kind, CAPTURE_KEYFRAME);
		assert_string_equal((const char *)rb.recs[0].data, expect);
		if (*next_seq == UINT64_MAX)
			memcpy(next_seq, rb.recs[1].data, 8);
		for (size_t k = 1; k < rb.count; k++)
			assert_copied_seq(&rb.recs[k], (*next_seq)++, CAPTURE_EVENT, 200);
		readback_free(&rb);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	snprintf(path, sizeof(path), "%s.3", base);
	assert_false(exists(path));
}

static void append_keyframe(struct capture_writer *w, unsigned int file)
{
	char body[32];
	struct capture_record rec = { .kind = CAPTURE_KEYFRAME, .data = body };

	rec.len = (uint32_t)snprintf(body, sizeof(body), "file %u", file);
	assert_int_equal(capture_writer_append(w, &rec), 0);
}

static void test_rotation_by_size_keeps_two(void **state)
{
	(void)state;
	struct capture_writer_options o = { .path = in_dir("size.cap"), .max_bytes = 3000, .keep = 2,
					    .block_bytes = 1024 };
	struct capture_writer *w = open_writer(&o);
	struct capture_writer_stats st;
	unsigned int rotations = 0;
	uint64_t seq = 0, next_seq = UINT64_MAX;

	while (rotations < 4) {
		assert_true(seq < 1000);
		assert_int_equal(append_seq(w, seq++, CAPTURE_EVENT, 200), 0);
		assert_int_equal(capture_writer_flush(w), 0);
		if (!capture_writer_rotate_due(w))
			continue;
		capture_writer_stats(w, &st);
		assert_true(st.bytes >= 3000);
		assert_int_equal(capture_writer_rotate(w), 0);
		/* Asked, and then done: not due again until the new file grows. */
		assert_false(capture_writer_rotate_due(w));
		append_keyframe(w, ++rotations);
		assert_int_equal(capture_writer_flush(w), 0);
		assert_false(capture_writer_rotate_due(w));
	}
	assert_int_equal(append_seq(w, seq++, CAPTURE_EVENT, 200), 0);
	assert_int_equal(capture_writer_flush(w), 0);
	capture_writer_stats(w, &st);
	assert_int_equal(st.files, 5);
	assert_int_equal(st.dropped, 0);
	close_writer(w);
	assert_rotated_files(o.path, &next_seq, 2);
	assert_int_equal(next_seq, seq);
	/* A rotated file reached the size before it was left. */
	for (int i = 1; i <= 2; i++) {
		struct stat sb;
		char path[160];

		snprintf(path, sizeof(path), "%s.%d", o.path, i);
		assert_int_equal(stat(path, &sb), 0);
		assert_true(sb.st_size >= 3000);
	}
}

static void test_rotation_by_age_keeps_two(void **state)
{
	(void)state;
	struct capture_writer_options o = { .path = in_dir("age.cap"), .max_age_ns = 1000000, .keep = 2 };
	struct capture_writer_options never = { .path = in_dir("never.cap"), .max_age_ns = 3600ull * 1000000000,
						.max_bytes = 1u << 30, .keep = 2 };
	struct capture_writer *w = open_writer(&o);
	struct capture_writer_stats st;
	uint64_t seq = 0, next_seq = UINT64_MAX;

	for (unsigned int rotation = 1; rotation <= 4; rotation++) {
		assert_int_equal(append_seq(w, seq++, CAPTURE_EVENT, 200), 0);
		assert_int_equal(append_seq(w, seq++, CAPTURE_EVENT, 200), 0);
		sleep_ns(2000000);
		assert_true(capture_writer_rotate_due(w));
		assert_int_equal(capture_writer_rotate(w), 0);
		append_keyframe(w, rotation);
		/* The rotation is done before the question is asked again. */
		assert_int_equal(capture_writer_flush(w), 0);
	}
	assert_int_equal(append_seq(w, seq++, CAPTURE_EVENT, 200), 0);
	assert_int_equal(capture_writer_flush(w), 0);
	capture_writer_stats(w, &st);
	assert_int_equal(st.files, 5);
	close_writer(w);
	assert_rotated_files(o.path, &next_seq, 2);
	assert_int_equal(next_seq, seq);

	/* Neither size nor age reached: not due. */
	w = open_writer(&never);
	assert_int_equal(append_seq(w, 0, CAPTURE_EVENT, 200), 0);
	assert_int_equal(capture_writer_flush(w), 0);
	assert_false(capture_writer_rotate_due(w));
	close_writer(w);
}

static void test_rotation_with_keep_zero_replaces_the_file(void **state)
{
	(void)state;
	struct capture_writer_options o = { .path = in_dir("zero.cap") };
	struct capture_writer *w = open_writer(&o);
	struct readback rb;

	/* max_bytes and max_age_ns 0: never due, but a rotation asked is done. */
	assert_int_equal(append_seq(w, 0, CAPTURE_EVENT, 10), 0);
	assert_int_equal(capture_writer_flush(w), 0);
	assert_false(capture_writer_rotate_due(w));
	assert_int_equal(capture_writer_rotate(w), 0);
	assert_int_equal(append_seq(w, 1, CAPTURE_EVENT, 10), 0);
	close_writer(w);
	assert_false(exists(in_dir("zero.cap.1")));
	read_path(o.path, &rb);
	assert_int_equal(rb.count, 1);
	assert_copied_seq(&rb.recs[0], 1, CAPTURE_EVENT, 10);
	readback_free(&rb);
}

static void test_open_replaces_or_keeps_an_existing_file(void **state)
{
	(void)state;
	struct capture_writer_options o = { .path = in_dir("again.cap"), .keep = 3 };
	struct capture_writer *w;
	struct readback rb;
	struct stat st;

	/* A file in the way, readable by all: replaced by a new 0600 file. */
	spill(o.path, "old", 3);
	assert_int_equal(chmod(o.path, 0644), 0);
	w = open_writer(&o);
	assert_int_equal(append_seq(w, 0, CAPTURE_EVENT, 10), 0);
	close_writer(w);
	assert_int_equal(stat(o.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(exists(in_dir("again.cap.1")));

	/* keep_existing: the run before is kept as PATH.1. */
	o.keep_existing = true;
	w = open_writer(&o);
	assert_int_equal(append_seq(w, 1, CAPTURE_EVENT, 10), 0);
	close_writer(w);
	read_path(in_dir("again.cap.1"), &rb);
	assert_int_equal(rb.count, 1);
	assert_copied_seq(&rb.recs[0], 0, CAPTURE_EVENT, 10);
	readback_free(&rb);
	read_path(o.path, &rb);
	assert_int_equal(rb.count, 1);
	assert_copied_seq(&rb.recs[0], 1, CAPTURE_EVENT, 10);
	readback_free(&rb);
}

/* ---- a writer the disk cannot keep up with: a fifo that nobody reads until told ---- */

struct drain {
	int fd;
	unsigned char *data;
	size_t size, cap;
};

static void *drain_fifo(void *arg)
{
	struct drain *d = arg;

	for (;;) {
		ssize_t n;

		if (d->cap - d->size < 65536) {
			d->cap = d->cap ? d->cap * 2 : 1 << 20;
			d->data = realloc(d->data, d->cap);
			if (!d->data)
				abort();
		}
		n = read(d->fd, d->data + d->size, d->cap - d->size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		d->size += (size_t)n;
	}
	return NULL;
}

static void test_full_queue_drops_and_says_how_many(void **state)
{
	(void)state;
	const char *fifo = in_dir("slow.fifo");
	struct capture_writer_options o = { .path = fifo, .block_bytes = 4096, .queue_blocks = 2 };
	struct capture_writer *w;
	struct capture_writer_stats st;
	struct drain d = { 0 };
	pthread_t drainer;
	struct readback rb;
	int *status = calloc(100000, sizeof(*status));
	uint64_t seq, dropped = 0, kept = 0, pending = 0;
	size_t i = 0;

	assert_non_null(status);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A reader exists (so the writer's open returns) but reads nothing yet: the pipe fills, the thread blocks. */
	d.fd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(d.fd >= 0);
	w = open_writer(&o);
	/* Records of 1000 incompressible bytes, 4 to a block: the pipe, the queue and the block fill. */
	for (seq = 0; dropped < 30; seq++) {
		assert_true(seq < 100000);
		status[seq] = append_seq(w, seq, CAPTURE_EVENT, 1000);
		if (status[seq] == -ENOBUFS)
			dropped++;
		else
			assert_int_equal(status[seq], 0);
	}
	capture_writer_stats(w, &st);
	assert_int_equal(st.dropped, 30);
	/* Now the disk catches up; what comes after is kept or dropped, and counted either way. */
	assert_int_equal(fcntl(d.fd, F_SETFL, 0), 0);
	assert_int_equal(pthread_create(&drainer, NULL, drain_fifo, &d), 0);
	for (uint64_t end = seq + 40; seq < end; seq++) {
		status[seq] = append_seq(w, seq, CAPTURE_EVENT, 1000);
		if (status[seq] == -ENOBUFS)
			dropped++;
		else
			assert_int_equal(status[seq], 0);
	}
	capture_writer_stats(w, &st);
	assert_int_equal(st.dropped, dropped);
	assert_int_equal(st.records, seq - dropped);
	close_writer(w);
	pthread_join(drainer, NULL);
	close(d.fd);

	/* The records kept, in order; before the first kept after a run of drops, LOST with the run's length. */
	read_mem(d.data, d.size, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_int_equal(rb.problem_count, 0);
	for (uint64_t s = 0; s < seq; s++) {
		if (status[s]) {
			pending++;
			continue;
		}
		if (pending) {
			assert_true(i < rb.count);
			assert_int_equal(lost_count(&rb.recs[i], "the disk fell behind"), pending);
			/* It begins a block: the reader moved to a new block to return it. */
			assert_true(rb.recs[i].offset_after > rb.recs[i].offset_before);
			i++;
			pending = 0;
		}
		assert_true(i < rb.count);
		assert_copied_seq(&rb.recs[i++], s, CAPTURE_EVENT, 1000);
		kept++;
	}
	if (pending) /* drops at the very end: said in a block of their own, at close */
		assert_int_equal(lost_count(&rb.recs[i++], "the disk fell behind"), pending);
	assert_int_equal(i, rb.count);
	assert_int_equal(kept, seq - dropped);
	readback_free(&rb);
	free(d.data);
	free(status);
}

/* A rotation when the queue is full: the block for the old file is lost, counted, and said first in the new. */
static void test_rotation_on_a_full_queue_says_what_it_lost(void **state)
{
	(void)state;
	const char *fifo = in_dir("rotate.fifo");
	struct capture_writer_options o = { .path = fifo, .block_bytes = 4096, .queue_blocks = 2, .keep = 1 };
	struct capture_writer *w;
	struct capture_writer_stats st;
	struct drain d = { 0 };
	pthread_t drainer;
	struct readback rb;
	uint64_t seq, in_block;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	d.fd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(d.fd >= 0);
	w = open_writer(&o);
	for (seq = 0; append_seq(w, seq, CAPTURE_EVENT, 1000) == 0; seq++)
		assert_true(seq < 100000);
	/* seq was dropped; the block before it is full and has nowhere to go. */
	assert_int_equal(capture_writer_rotate(w), -ENOBUFS);
	capture_writer_stats(w, &st);
	in_block = st.dropped - 1;
	assert_int_equal(in_block, 4);
	assert_int_equal(st.records, seq);
	assert_int_equal(append_seq(w, seq + 1, CAPTURE_EVENT, 10), 0);
	assert_int_equal(fcntl(d.fd, F_SETFL, 0), 0);
	assert_int_equal(pthread_create(&drainer, NULL, drain_fifo, &d), 0);
	close_writer(w);
	pthread_join(drainer, NULL);
	close(d.fd);

	/* (A fifo is never renamed: the stream goes on, and shows the loss in place.) */
	read_mem(d.data, d.size, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_int_equal(rb.count, seq - in_block + 2);
	for (uint64_t s = 0; s < seq - in_block; s++)
		assert_copied_seq(&rb.recs[s], s, CAPTURE_EVENT, 1000);
	assert_int_equal(lost_count(&rb.recs[seq - in_block], "the disk fell behind"), in_block + 1);
	assert_copied_seq(&rb.recs[seq - in_block + 1], seq + 1, CAPTURE_EVENT, 10);
	readback_free(&rb);
	free(d.data);
}

/* ---- damage ---- */

static void test_truncation_at_block_boundaries_and_inside(void **state)
{
	(void)state;
	size_t size, offsets[5];
	unsigned char *data = four_blocks(&size, offsets);
	uint64_t seqs[40];
	char expect[160];

	for (int k = 0; k <= 4; k++) {
		/* At a boundary: a shorter file, whole. */
		struct readback rb;
		int blocks[4] = { 0, 1, 2, 3 };
		size_t n = seqs_of_blocks(blocks, (size_t)k, seqs);

		read_mem(data, offsets[k], &rb);
		assert_int_equal(rb.end, CAPTURE_READ_END);
		assert_int_equal(rb.problem_count, 0);
		assert_seqs(&rb, seqs, n);
		readback_free(&rb);
		if (k == 4)
			break;

		/* Inside block k: the blocks before, then where and how much is missing. */
		size_t block_len = offsets[k + 1] - offsets[k];
		size_t cuts[] = { 1, 3, 4, 10, 19, 20, 21, block_len / 2, block_len - 1 };
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			size_t cut = offsets[k] + cuts[c];

			read_mem(data, cut, &rb);
			assert_int_equal(rb.end, CAPTURE_READ_ERROR);
			assert_int_equal(rb.problem_count, 0);
			assert_seqs(&rb, seqs, n);
			snprintf(expect, sizeof(expect),
				 "capture in memory: truncated at offset %zu: block needs %zu bytes, file has %zu",
				 offsets[k], cuts[c] < 20 ? (size_t)20 : block_len, cuts[c]);
			assert_string_equal(rb.err, expect);
			readback_free(&rb);
		}
	}
	free(data);
}

static void test_truncated_file_on_disk(void **state)
{
	(void)state;
	size_t size, offsets[5];
	unsigned char *data = four_blocks(&size, offsets);
	const char *path = in_dir("cut.cap");
	struct readback rb;
	char expect[200];

	spill(path, data, offsets[3] + 100);
	read_path(path, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_ERROR);
	assert_int_equal(rb.count, 30);
	snprintf(expect, sizeof(expect), "%s: truncated at offset %zu: block needs %zu bytes, file has 100", path,
		 offsets[3], offsets[4] - offsets[3]);
	assert_string_equal(rb.err, expect);
	readback_free(&rb);
	free(data);
}

/* Damage at `at` (relative to block 2 of 4): blocks 1, 3, 4 read, one problem at block 2's offset. */
static void assert_block_two_skipped(unsigned char *data, size_t size, const size_t offsets[5], const char *why)
{
	struct readback rb;
	uint64_t seqs[40];
	int blocks[3] = { 0, 2, 3 };

	read_mem(data, size, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_seqs(&rb, seqs, seqs_of_blocks(blocks, 3, seqs));
	assert_int_equal(rb.problem_count, 1);
	assert_int_equal(rb.problems[0].offset, offsets[1]);
	assert_contains(rb.problems[0].why, why);
	assert_int_equal(rb.stats.blocks, 3);
	assert_int_equal(rb.stats.bad_blocks, 1);
	assert_int_equal(rb.stats.skipped_bytes, offsets[2] - offsets[1]);
	readback_free(&rb);
}

static void test_damaged_block_is_skipped(void **state)
{
	(void)state;
	size_t size, offsets[5];
	unsigned char *data = four_blocks(&size, offsets);
	unsigned char *copy = malloc(size);
	struct readback rb;

	assert_non_null(copy);
	/* A byte flipped in the payload, the checksum, the raw length, the record count, the magic. */
	size_t where[] = { 20, (offsets[2] - offsets[1]) / 2, offsets[2] - offsets[1] - 1, 16, 8, 12, 0 };
	const char *why[] = { "checksum fails", "checksum fails", "checksum fails", "checksum fails", "checksum fails",
			      "checksum fails", "no block starts here" };
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		memcpy(copy, data, size);
		copy[offsets[1] + where[i]] ^= 0x40;
		assert_block_two_skipped(copy, size, offsets, why[i]);
	}

	/* A lying compressed length, within the file and past its end: the good blocks after are found. */
	memcpy(copy, data, size);
	set_le32(copy + offsets[1] + 4, le32(copy + offsets[1] + 4) + 7);
	assert_block_two_skipped(copy, size, offsets, "checksum fails");
	memcpy(copy, data, size);
	set_le32(copy + offsets[1] + 4, (uint32_t)size);
	assert_block_two_skipped(copy, size, offsets, "past the end of the file");
	memcpy(copy, data, size);
	set_le32(copy + offsets[1] + 4, 0xffffffffu);
	assert_block_two_skipped(copy, size, offsets, "exceed");

	/* The last block damaged: the three before, the problem, then the end. */
	memcpy(copy, data, size);
	copy[offsets[3] + 30] ^= 1;
	read_mem(copy, size, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_int_equal(rb.count, 30);
	assert_int_equal(rb.problem_count, 1);
	assert_int_equal(rb.problems[0].offset, offsets[3]);
	readback_free(&rb);

	/* Blocks 2 and 3 damaged, 4 cut short: 1, the problem, then the truncation at 4. */
	memcpy(copy, data, size);
	copy[offsets[1] + 30] ^= 1;
	copy[offsets[2] + 30] ^= 1;
	read_mem(copy, offsets[3] + 50, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_ERROR);
	assert_int_equal(rb.count, 10);
	assert_int_equal(rb.problem_count, 1);
	assert_int_equal(rb.problems[0].offset, offsets[1]);
	char expect[160];
	snprintf(expect, sizeof(expect), "truncated at offset %zu: block needs %zu bytes, file has 50", offsets[3],
		 offsets[4] - offsets[3]);
	assert_contains(rb.err, expect);
	readback_free(&rb);
	free(copy);
	free(data);
}

static void test_garbage_between_blocks_is_skipped(void **state)
{
	(void)state;
	size_t size, offsets[5];
	unsigned char *data = four_blocks(&size, offsets);
	unsigned char *copy = malloc(size + 1000);
	struct readback rb;
	uint64_t seqs[40];
	int blocks[4] = { 0, 1, 2, 3 };

	assert_non_null(copy);
	/* 1000 bytes after block 2, with block magics among them that lead nowhere. */
	memcpy(copy, data, offsets[2]);
	fill_body(copy + offsets[2], 1000, 99);
	set_le32(copy + offsets[2] + 100, CAPTURE_BLOCK_MAGIC);
	set_le32(copy + offsets[2] + 500, CAPTURE_BLOCK_MAGIC);
	set_le32(copy + offsets[2] + 504, 10);
	set_le32(copy + offsets[2] + 508, 16);
	set_le32(copy + offsets[2] + 512, 1);
	memcpy(copy + offsets[2] + 1000, data + offsets[2], size - offsets[2]);
	read_mem(copy, size + 1000, &rb);
	assert_int_equal(rb.end, CAPTURE_READ_END);
	assert_seqs(&rb, seqs, seqs_of_blocks(blocks, 4, seqs));
	assert_int_equal(rb.problem_count, 1);
	assert_int_equal(rb.problems[0].offset, offsets[2]);
	assert_int_equal(rb.stats.skipped_bytes, 1000);
	readback_free(&rb);
	free(copy);
	free(data);
}

/* A block of these raw bytes, framed and checksummed as the writer would. */
static size_t make_block(unsigned char *out, const unsigned char *raw, size_t raw_len, uint32_t records)
{
	uLongf clen = compressBound(raw_len);

	assert_int_equal(compress2(out + 20, &clen, raw, raw_len, 1), Z_OK);
	set_le32(out, CAPTURE_BLOCK_MAGIC);
	set_le32(out + 4, (uint32_t)clen);
	set_le32(out + 8, (uint32_t)raw_len);
	set_le32(out + 12, records);
	uLong crc = crc32(crc32(0L, Z_NULL, 0), out, 16);
	set_le32(out + 16, (uint32_t)crc32(crc, out + 20, (uInt)clen));
	return 20 + clen;
}

static void test_block_whose_records_do_not_fit_is_skipped(void **state)
{
	(void)state;
	size_t size, offsets[5];
	unsigned char *data = four_blocks(&size, offsets);
	unsigned char raw[64] = { 0 }, block[256];
	unsigned char *copy = malloc(size + 4 * sizeof(block));
	struct readback rb;
	size_t pos;
	struct {
		uint32_t first_len, second_len, records;
		size_t raw_len;
		const char *why;
	} cases[] = {
		{ 40, 0, 1, 48, "record 1 of 1 overruns the block: 40 bytes long, 32 left" },
		{ 8, 9, 2, 48, "record 2 of 2 overruns the block: 9 bytes long, 8 left" },
		{ 20, 0, 2, 47, "record 2 of 2 overruns the block: 11 bytes left for its header" },
		{ 8, 0, 1, 48, "24 bytes follow the block's 1 records" },
		{ 8, 8, 4, 48, "impossible" }, /* 4 records cannot fit in 48 bytes */
	};

	assert_non_null(copy);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		set_le32(raw, cases[c].first_len);
		set_le32(raw + 24, cases[c].second_len);
		/* Block 1, the bad one, blocks 2-4. */
		memcpy(copy, data, offsets[1]);
		pos = offsets[1];
		pos += make_block(copy + pos, raw, cases[c].raw_len, cases[c].records);
		memcpy(copy + pos, data + offsets[1], size - offsets[1]);
		read_mem(copy, pos + size - offsets[1], &rb);
		assert_int_equal(rb.end, CAPTURE_READ_END);
		assert_int_equal(rb.count, 40);
		assert_int_equal(rb.problem_count, 1);
		assert_int_equal(rb.problems[0].offset, offsets[1]);
		assert_contains(rb.problems[0].why, cases[c].why);
		readback_free(&rb);
	}

	/* A block that does not inflate, its checksum right. */
	memcpy(copy, data, offsets[1]);
	pos = offsets[1];
	pos += make_block(copy + pos, raw, 48, 1);
	copy[offsets[1] + 22] ^= 0xff;
	set_le32(copy + offsets[1] + 16, (uint32_t)crc32(crc32(crc32(0L, Z_NULL, 0), copy + offsets[1], 16),
						       copy + offsets[1] + 20, le32(copy + offsets[1] + 4)));
	memcpy(copy + pos, data + offsets[1], size - offsets[1]);
	read_mem(copy, pos + size - offsets[1], &rb);
	assert_int_equal(rb.count, 40);
	assert_int_equal(rb.problem_count, 1);
	assert_contains(rb.problems[0].why, "does not inflate");
	readback_free(&rb);
	free(copy);
	free(data);
}

static void assert_open_fails(const void *data, size_t size, const char *expect)
{
	const char *path = in_dir("bad.cap");
	char err[512], full[512];

	spill(path, data, size);
	assert_null(capture_reader_open(path, err, sizeof(err)));
	snprintf(full, sizeof(full), "%s: %s", path, expect);
	assert_string_equal(err, full);
	assert_null(capture_reader_open_mem(data, size, err, sizeof(err)));
	snprintf(full, sizeof(full), "capture in memory: %s", expect);
	assert_string_equal(err, full);
}

static void test_files_that_are_no_capture(void **state)
{
	(void)state;
	size_t size, offsets[5];
	unsigned char *data = four_blocks(&size, offsets);
	unsigned char *copy = malloc(size);
	uint32_t json_len = le32(data + 12);
	char expect[160];

	assert_non_null(copy);
	assert_open_fails("", 0, "empty file");
	assert_open_fails("GIF89a\x01\x00\x01\x00\x80\x00", 12, "not a vigil capture file (magic is \"GIF89a..\")");
	assert_open_fails("{}", 2, "not a vigil capture file (magic is \"{}\")");
	assert_open_fails("VIGIL", 5, "header cut short: the file has 5 bytes, a header at least 21");
	snprintf(expect, sizeof(expect), "header cut short: it needs %u bytes, the file has %u", 16 + json_len + 4,
		 16 + json_len + 2);
	assert_open_fails(data, 16 + json_len + 2, expect);

	memcpy(copy, data, size);
	copy[8] = 7;
	assert_open_fails(copy, size, "format version 7 is newer than this vigil reads (1)");
	copy[8] = 0;
	copy[9] = 1;
	assert_open_fails(copy, size, "format version 256 is newer than this vigil reads (1)");
	copy[9] = 0;
	assert_open_fails(copy, size, "format version 0 does not exist (the header is damaged)");

	/* The header's length lies: past the file's end, past any header's, zero, a little long or short. */
	memcpy(copy, data, size);
	set_le32(copy + 12, 60000);
	snprintf(expect, sizeof(expect), "header cut short: it needs 60020 bytes, the file has %zu", size);
	assert_open_fails(copy, size, expect);
	set_le32(copy + 12, CAPTURE_HEADER_JSON_MAX + 1);
	assert_open_fails(copy, size, "header length 65537 is not 1 to 65536 (the header is damaged)");
	set_le32(copy + 12, 0);
	assert_open_fails(copy, size, "header length 0 is not 1 to 65536 (the header is damaged)");
	set_le32(copy + 12, json_len + 3);
	assert_open_fails(copy, size, "header checksum fails (the header is damaged)");
	set_le32(copy + 12, json_len - 1);
	assert_open_fails(copy, size, "header checksum fails (the header is damaged)");

	/* A header whose checksum holds but which is no JSON object. */
	memcpy(copy, data, size);
	memcpy(copy + 16, "[1]", 3);
	set_le32(copy + 12, 3);
	set_le32(copy + 19, (uint32_t)crc32(crc32(0L, Z_NULL, 0), copy + 16, 3));
	assert_open_fails(copy, 23, "header is not a JSON object");
	memcpy(copy + 16, "{\"a", 3);
	set_le32(copy + 19, (uint32_t)crc32(crc32(0L, Z_NULL, 0), copy + 16, 3));
	assert_open_fails(copy, 23, "header is not a JSON object: premature end of input near '\"a'");

	/* No such file, and a directory. */
	char err[256];
	assert_null(capture_reader_open(in_dir("missing.cap"), err, sizeof(err)));
	assert_contains(err, "No such file or directory");
	assert_null(capture_reader_open(dir, err, sizeof(err)));
	assert_contains(err, "not a regular file");
	free(copy);
	free(data);
}

/* ---- write errors ---- */

static void test_write_error_at_open(void **state)
{
	(void)state;
	struct capture_writer_options o = { .path = "/dev/full" };
	char err[256];

	assert_null(capture_writer_open(&o, err, sizeof(err)));
	assert_string_equal(err, "write /dev/full: No space left on device");
	o.path = in_dir("no/such/dir/x.cap");
	assert_null(capture_writer_open(&o, err, sizeof(err)));
	assert_contains(err, "No such file or directory");
	assert_contains(err, "open ");
}

static void test_write_error_in_the_thread_is_kept(void **state)
{
	(void)state;
	const char *fifo = in_dir("gone.fifo");
	struct capture_writer_options o = { .path = fifo, .block_bytes = 1024 };
	struct capture_writer *w;
	struct capture_writer_stats st;
	char err[256], expect[200];
	int reader;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	reader = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(reader >= 0);
	w = open_writer(&o);
	assert_null(capture_writer_error(w));
	/* The reader goes: the next write fails (EPIPE; the thread takes no SIGPIPE). */
	close(reader);
	for (uint64_t seq = 0; seq < 5; seq++)
		assert_int_equal(append_seq(w, seq, CAPTURE_EVENT, 100), 0);
	assert_int_equal(capture_writer_flush(w), -EIO);
	snprintf(expect, sizeof(expect), "write %s: Broken pipe", fifo);
	assert_string_equal(capture_writer_error(w), expect);
	/* From now on nothing is kept, and all of it is counted. */
	for (uint64_t seq = 5; seq < 15; seq++)
		assert_int_equal(append_seq(w, seq, CAPTURE_EVENT, 100), -EIO);
	assert_false(capture_writer_rotate_due(w));
	assert_int_equal(capture_writer_rotate(w), -EIO);
	capture_writer_tick(w);
	capture_writer_stats(w, &st);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.dropped, 15);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(capture_writer_close(w, err, sizeof(err)), -EPIPE);
	assert_string_equal(err, expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test_setup_teardown(test_round_trip_of_every_kind, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_header_fields, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_header_too_large_is_refused, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_block_sealed_when_full, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_block_sealed_by_tick_when_old, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation_by_size_keeps_two, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation_by_age_keeps_two, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation_with_keep_zero_replaces_the_file, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_open_replaces_or_keeps_an_existing_file, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_full_queue_drops_and_says_how_many, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation_on_a_full_queue_says_what_it_lost, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_truncation_at_block_boundaries_and_inside, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_truncated_file_on_disk, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_damaged_block_is_skipped, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_garbage_between_blocks_is_skipped, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_block_whose_records_do_not_fit_is_skipped, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_files_that_are_no_capture, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_write_error_at_open, setup_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_write_error_in_the_thread_is_kept, setup_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
