// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capture file's reader: the file mapped read-only, every length checked
 * before it is used, damage reported and skipped. docs/CAPTURE.md is the
 * format.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "capture_file.h"
#include "capture_file_internal.h"
#include "json_writer.h"

static const char *const kind_names[CAPTURE_KIND_MAX] = {
	[CAPTURE_EVENT] = "event",
	[CAPTURE_PROCESS] = "process",
	[CAPTURE_PROCESS_GONE] = "process_gone",
	[CAPTURE_CGROUP] = "cgroup",
	[CAPTURE_CONTAINER] = "container",
	[CAPTURE_NAME] = "name",
	[CAPTURE_KEYFRAME] = "keyframe",
	[CAPTURE_KEYFRAME_END] = "keyframe_end",
	[CAPTURE_TICK] = "tick",
	[CAPTURE_LOST] = "lost",
};

const char *capture_kind_name(unsigned int kind)
{
	return kind < CAPTURE_KIND_MAX && kind_names[kind] ? kind_names[kind] : "unknown";
}

/* ==== reading ==== */

enum block_state {
	BLOCK_GOOD,    /* framing and checksum hold */
	BLOCK_CUT,     /* a block's start, cut by the end of the file */
	BLOCK_BAD,     /* no block here, or one whose checksum fails */
};

struct block_head {
	uint32_t compressed, raw, records;
	uint64_t need;  /* BLOCK_CUT: the bytes the block needs */
};

struct capture_reader {
	char *name;                    /* for messages */
	const unsigned char *data;
	size_t size;
	void *map;                     /* capture_reader_open's mapping */
	json_t *header;
	unsigned int version;
	uint64_t pos;                  /* where the next block begins */

	unsigned char *raw;            /* the current block, inflated */
	size_t raw_cap;
	size_t raw_pos;
	uint32_t records_left;

	bool ended, failed;
	char error[256];
	struct capture_reader_stats stats;
};

static const unsigned char block_magic_bytes[4] = {
	CAPTURE_BLOCK_MAGIC & 0xff,
	CAPTURE_BLOCK_MAGIC >> 8 & 0xff,
	CAPTURE_BLOCK_MAGIC >> 16 & 0xff,
	CAPTURE_BLOCK_MAGIC >> 24 & 0xff,
};

/*
 * What lies at off: the framing alone (magic, lengths within bounds, the
 * block within the file, the checksum). why says what is wrong with a bad one.
 */
static enum block_state check_block(const struct capture_reader *r, uint64_t off, struct block_head *h, char *why,
				    size_t whylen)
{
	const unsigned char *p = r->data + off;
	uint64_t left = r->size - off;

	if (left < BLOCK_HEADER) {
		if (!memcmp(p, block_magic_bytes, left < 4 ? left : 4)) {
			h->need = BLOCK_HEADER;
			return BLOCK_CUT;
		}
		snprintf(why, whylen, "%llu bytes at the end of the file are no block", (unsigned long long)left);
		return BLOCK_BAD;
	}
	if (get_le32(p) != CAPTURE_BLOCK_MAGIC) {
		snprintf(why, whylen, "no block starts here (0x%08x where the block magic 0x%08x belongs)", get_le32(p),
			 CAPTURE_BLOCK_MAGIC);
		return BLOCK_BAD;
	}
	h->compressed = get_le32(p + 4);
	h->raw = get_le32(p + 8);
	h->records = get_le32(p + 12);
	if (h->compressed > CAPTURE_BLOCK_MAX || h->raw > CAPTURE_BLOCK_MAX) {
		snprintf(why, whylen, "block lengths %u (compressed) and %u (raw) exceed the %u a block may have",
			 h->compressed, h->raw, CAPTURE_BLOCK_MAX);
		return BLOCK_BAD;
	}
	/* Deflate turns 2 bits into at most 258 bytes: no stream inflates more than 1032-fold. */
	if (h->compressed < ZLIB_STREAM_MIN || h->raw > 1032ull * h->compressed ||
	    h->records > h->raw / CAPTURE_RECORD_HEADER) {
		snprintf(why, whylen, "block header is impossible (%u bytes compressed, %u raw, %u records)",
			 h->compressed, h->raw, h->records);
		return BLOCK_BAD;
	}
	if (BLOCK_HEADER + (uint64_t)h->compressed > left) {
		h->need = BLOCK_HEADER + (uint64_t)h->compressed;
		return BLOCK_CUT;
	}
	if (block_crc(p, p + BLOCK_HEADER, h->compressed) != get_le32(p + 16)) {
		snprintf(why, whylen, "block checksum fails");
		return BLOCK_BAD;
	}
	return BLOCK_GOOD;
}

/*
 * The first good block at or after from (*good), and before it the first
 * block cut by the end of the file (*cut, *cut_need). UINT64_MAX: none.
 */
static void find_block(const struct capture_reader *r, uint64_t from, uint64_t *good, uint64_t *cut,
		       uint64_t *cut_need)
{
	struct block_head h;
	char why[160];
	uint64_t q = from;

	*good = *cut = UINT64_MAX;
	while (q < r->size) {
		const unsigned char *hit = memmem(r->data + q, r->size - q, block_magic_bytes, 4);

		if (!hit)
			break;
		q = (uint64_t)(hit - r->data);
		switch (check_block(r, q, &h, why, sizeof(why))) {
		case BLOCK_GOOD:
			*good = q;
			return;
		case BLOCK_CUT:
			if (*cut == UINT64_MAX) {
				*cut = q;
				*cut_need = h.need;
			}
			break;
		case BLOCK_BAD:
			break;
		}
		q++;
	}
	/* A magic cut short by the end of the file. */
	if (*cut == UINT64_MAX) {
		for (q = r->size > 3 && r->size - 3 > from ? r->size - 3 : from; q < r->size; q++) {
			if (!memcmp(r->data + q, block_magic_bytes, r->size - q)) {
				*cut = q;
				*cut_need = BLOCK_HEADER;
				break;
			}
		}
	}
}

/* Inflates the good block at off and checks its records. 0, or -1 with why. */
static int load_block(struct capture_reader *r, uint64_t off, const struct block_head *h, char *why, size_t whylen)
{
	uLongf raw_len = h->raw;
	uLong src_len = h->compressed;
	size_t pos = 0;
	int ret;

	if (h->raw > r->raw_cap) {
		unsigned char *grown = realloc(r->raw, h->raw);

		if (!grown) {
			snprintf(why, whylen, "no memory to inflate a block of %u bytes", h->raw);
			return -1;
		}
		r->raw = grown;
		r->raw_cap = h->raw;
	}
	/* uncompress2 wants somewhere to write even for nothing. */
	ret = uncompress2(r->raw_cap ? r->raw : (Bytef *)why, &raw_len, r->data + off + BLOCK_HEADER, &src_len);
	if (ret != Z_OK || raw_len != h->raw || src_len != h->compressed) {
		snprintf(why, whylen, "block does not inflate to the %u bytes it claims (%s)", h->raw,
			 ret == Z_OK ? (raw_len != h->raw ? "a different length" : "bytes after the stream")
			 : ret == Z_BUF_ERROR ? "longer, or cut short"
			 : ret == Z_DATA_ERROR ? "corrupt data"
			 : "zlib error");
		return -1;
	}
	for (uint32_t i = 0; i < h->records; i++) {
		uint32_t len;

		if (h->raw - pos < CAPTURE_RECORD_HEADER) {
			snprintf(why, whylen, "record %u of %u overruns the block: %zu bytes left for its header",
				 i + 1, h->records, h->raw - pos);
			return -1;
		}
		len = get_le32(r->raw + pos);
		if (len > h->raw - pos - CAPTURE_RECORD_HEADER) {
			snprintf(why, whylen, "record %u of %u overruns the block: %u bytes long, %zu left", i + 1,
				 h->records, len, h->raw - pos - CAPTURE_RECORD_HEADER);
			return -1;
		}
		pos += CAPTURE_RECORD_HEADER + len;
	}
	if (pos != h->raw) {
		snprintf(why, whylen, "%zu bytes follow the block's %u records", h->raw - pos, h->records);
		return -1;
	}
	r->raw_pos = 0;
	r->records_left = h->records;
	return 0;
}

static void report(void (*problem)(uint64_t, const char *, void *), void *ctx, struct capture_reader *r,
		   uint64_t offset, const char *why)
{
	r->stats.bad_blocks++;
	if (problem)
		problem(offset, why, ctx);
}

static enum capture_read reader_fail(struct capture_reader *r, char *err, size_t errlen)
{
	r->failed = true;
	snprintf(err, errlen, "%s", r->error);
	return CAPTURE_READ_ERROR;
}

enum capture_read capture_reader_next(struct capture_reader *r, struct capture_record *rec, char *err, size_t errlen,
				      void (*problem)(uint64_t offset, const char *why, void *ctx), void *ctx)
{
	struct block_head h;
	char why[200];

	if (r->failed) {
		snprintf(err, errlen, "%s", r->error);
		return CAPTURE_READ_ERROR;
	}
	for (;;) {
		uint64_t good, cut, cut_need;
		enum block_state state;

		if (r->records_left) {
			const unsigned char *p = r->raw + r->raw_pos;

			rec->len = get_le32(p);
			rec->kind = get_le16(p + 4);
			rec->flags = get_le16(p + 6);
			rec->time_ns = (int64_t)get_le64(p + 8);
			rec->data = p + CAPTURE_RECORD_HEADER;
			r->raw_pos += CAPTURE_RECORD_HEADER + rec->len;
			r->records_left--;
			r->stats.records++;
			return CAPTURE_READ_RECORD;
		}
		if (r->ended || r->pos >= r->size) {
			r->ended = true;
			return CAPTURE_READ_END;
		}
		state = check_block(r, r->pos, &h, why, sizeof(why));
		if (state == BLOCK_GOOD) {
			uint64_t end = r->pos + BLOCK_HEADER + h.compressed;

			if (load_block(r, r->pos, &h, why, sizeof(why))) {
				/* The checksum holds, so the framing does: the next block is right after. */
				report(problem, ctx, r, r->pos, why);
				r->stats.skipped_bytes += end - r->pos;
			} else {
				r->stats.blocks++;
			}
			r->pos = end;
			continue;
		}
		/*
		 * Damage, or the end of a file cut short. A good block further on
		 * says damage; none says the file ends at the first cut block.
		 */
		find_block(r, r->pos + 1, &good, &cut, &cut_need);
		if (state == BLOCK_CUT) {
			if (good == UINT64_MAX) {
				cut = r->pos;
				cut_need = h.need;
			} else {
				snprintf(why, sizeof(why),
					 "block claims %llu bytes, past the end of the file; "
					 "skipped to the next good block",
					 (unsigned long long)h.need);
			}
		}
		if (state == BLOCK_BAD || good != UINT64_MAX)
			report(problem, ctx, r, r->pos, why);
		if (good != UINT64_MAX) {
			r->stats.skipped_bytes += good - r->pos;
			r->pos = good;
			continue;
		}
		if (cut != UINT64_MAX) {
			r->stats.skipped_bytes += cut - r->pos;
			r->pos = cut;
			snprintf(r->error, sizeof(r->error),
				 "%s: truncated at offset %llu: block needs %llu bytes, file has %llu", r->name,
				 (unsigned long long)cut, (unsigned long long)cut_need,
				 (unsigned long long)(r->size - cut));
			return reader_fail(r, err, errlen);
		}
		r->stats.skipped_bytes += r->size - r->pos;
		r->pos = r->size;
	}
}

/* The first bytes of a file that is no capture, printable: "GIF89a..". */
static void show_magic(const unsigned char *p, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len && i < 8; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\' ? (char)p[i] : '.';
	out[i] = '\0';
}

/* The header of r->data. 0, or -1 with a sentence in err. */
static int read_header(struct capture_reader *r, char *err, size_t errlen)
{
	const unsigned char *p = r->data;
	uint32_t json_len;
	json_error_t jerr;
	char shown[9];
	uint64_t need;

	if (r->size == 0) {
		snprintf(err, errlen, "%s: empty file", r->name);
		return -1;
	}
	if (memcmp(p, CAPTURE_MAGIC, r->size < 8 ? r->size : 8)) {
		show_magic(p, r->size, shown);
		snprintf(err, errlen, "%s: not a vigil capture file (magic is \"%s\")", r->name, shown);
		return -1;
	}
	if (r->size < FILE_HEADER_FIXED) {
		snprintf(err, errlen, "%s: header cut short: the file has %zu bytes, a header at least %u", r->name,
			 r->size, FILE_HEADER_FIXED + 1 + FILE_HEADER_CRC);
		return -1;
	}
	r->version = get_le16(p + 8);
	if (r->version > CAPTURE_FORMAT_VERSION) {
		snprintf(err, errlen, "%s: format version %u is newer than this vigil reads (%u)", r->name, r->version,
			 CAPTURE_FORMAT_VERSION);
		return -1;
	}
	if (r->version == 0) {
		snprintf(err, errlen, "%s: format version 0 does not exist (the header is damaged)", r->name);
		return -1;
	}
	/* The flags (p + 10) are 0 in version 1; bits a reader does not know it ignores. */
	json_len = get_le32(p + 12);
	if (json_len == 0 || json_len > CAPTURE_HEADER_JSON_MAX) {
		snprintf(err, errlen, "%s: header length %u is not 1 to %u (the header is damaged)", r->name, json_len,
			 CAPTURE_HEADER_JSON_MAX);
		return -1;
	}
	need = FILE_HEADER_FIXED + (uint64_t)json_len + FILE_HEADER_CRC;
	if (need > r->size) {
		snprintf(err, errlen, "%s: header cut short: it needs %llu bytes, the file has %zu", r->name,
			 (unsigned long long)need, r->size);
		return -1;
	}
	if (crc32(crc32(0L, Z_NULL, 0), p + FILE_HEADER_FIXED, json_len) !=
	    get_le32(p + FILE_HEADER_FIXED + json_len)) {
		snprintf(err, errlen, "%s: header checksum fails (the header is damaged)", r->name);
		return -1;
	}
	r->header = json_loadb((const char *)p + FILE_HEADER_FIXED, json_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->header || !json_is_object(r->header)) {
		snprintf(err, errlen, "%s: header is not a JSON object%s%s", r->name, r->header ? "" : ": ",
			 r->header ? "" : jerr.text);
		return -1;
	}
	r->pos = need;
	return 0;
}

static struct capture_reader *reader_new(const char *name, const void *data, size_t size, void *map, char *err,
					 size_t errlen)
{
	struct capture_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->name = strdup(name))) {
		free(r);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	r->data = data;
	r->size = size;
	r->map = map;
	if (read_header(r, err, errlen)) {
		r->map = NULL; /* the caller's to unmap */
		capture_reader_close(r);
		return NULL;
	}
	return r;
}

struct capture_reader *capture_reader_open_mem(const void *data, size_t size, char *err, size_t errlen)
{
	return reader_new("capture in memory", data, size, NULL, err, errlen);
}

struct capture_reader *capture_reader_open(const char *path, char *err, size_t errlen)
{
	struct capture_reader *r;
	struct stat st;
	void *map = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "stat %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			snprintf(err, errlen, "mmap %s: %s", path, strerror(errno));
			close(fd);
			return NULL;
		}
		madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	close(fd);
	r = reader_new(path, map ? map : "", (size_t)st.st_size, map, err, errlen);
	if (!r && map)
		munmap(map, (size_t)st.st_size);
	return r;
}

void capture_reader_close(struct capture_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->size);
	json_decref(r->header);
	free(r->raw);
	free(r->name);
	free(r);
}

const json_t *capture_reader_header(const struct capture_reader *r)
{
	return r->header;
}

unsigned int capture_reader_version(const struct capture_reader *r)
{
	return r->version;
}

uint64_t capture_reader_offset(const struct capture_reader *r)
{
	return r->pos;
}

uint64_t capture_reader_size(const struct capture_reader *r)
{
	return r->size;
}

void capture_reader_stats(const struct capture_reader *r, struct capture_reader_stats *out)
{
	*out = r->stats;
}
