// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arbitrary bytes as a capture file: the reader must refuse the header or
 * read records without reading out of bounds, the offset only moving
 * forward, problems reported where the reader is, and it must come to an
 * end (END, or ERROR for a truncation; then the same answer again). Any
 * violation aborts.
 *
 * Each input is read three ways, since random bytes seldom pass a CRC-32:
 * as it is; with every checksum made right (so that mutated lengths, zlib
 * streams and records get past the checksum); and, wrapped by this target
 * into a well-formed file, as the inflated content of one block (the first 4
 * bytes its record count, the rest its records), so that the records' own
 * framing is fuzzed directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "capture_file.h"

/* Where the bytes of every record are read into, so that the reads stay. */
static volatile uint8_t touched;

struct seen {
	uint64_t problems;
	uint64_t last_offset;
	uint64_t size;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void on_problem(uint64_t offset, const char *why, void *ctx)
{
	struct seen *seen = ctx;

	/* A problem is where the reader is, or ahead of it; never behind what it already read. */
	if (offset < seen->last_offset || offset >= seen->size || !why || !why[0] || strlen(why) > 1000)
		abort();
	seen->problems++;
}

/* Reads data (size bytes, the caller's exact-size heap copy) to its end. */
static void read_capture(const uint8_t *data, size_t size)
{
	struct seen seen = { .size = size };
	struct capture_reader_stats stats;
	struct capture_reader *r;
	struct capture_record rec;
	enum capture_read res;
	uint64_t records = 0;
	char err[512];

	r = capture_reader_open_mem(data, size, err, sizeof(err));
	if (!r) {
		if (!err[0])
			abort();
		return;
	}
	if (!json_is_object(capture_reader_header(r)) || capture_reader_version(r) != CAPTURE_FORMAT_VERSION ||
	    capture_reader_size(r) != size)
		abort();
	seen.last_offset = capture_reader_offset(r);
	while ((res = capture_reader_next(r, &rec, err, sizeof(err), on_problem, &seen)) == CAPTURE_READ_RECORD) {
		uint64_t offset = capture_reader_offset(r);

		if (offset < seen.last_offset || offset > size)
			abort();
		seen.last_offset = offset;
		if (rec.len > CAPTURE_BLOCK_MAX || (rec.len && !rec.data))
			abort();
		/* Touch every byte: ASan checks that they are the reader's. */
		for (uint32_t i = 0; i < rec.len; i++)
			touched ^= ((const uint8_t *)rec.data)[i];
		(void)capture_kind_name(rec.kind);
		records++;
	}
	if (res != CAPTURE_READ_END && res != CAPTURE_READ_ERROR)
		abort();
	if (res == CAPTURE_READ_ERROR && !strstr(err, "truncated at offset"))
		abort();
	/* The end stays the end. */
	if (capture_reader_next(r, &rec, err, sizeof(err), on_problem, &seen) != res)
		abort();
	capture_reader_stats(r, &stats);
	if (stats.records != records || stats.bad_blocks != seen.problems || stats.skipped_bytes > size)
		abort();
	capture_reader_close(r);
}

/* Every checksum made right, in place: the header's, and each block's found by walking the lengths. */
static void fix_checksums(uint8_t *d, size_t size)
{
	uint32_t json_len;
	size_t pos;

	if (size < 16)
		return;
	json_len = le32(d + 12);
	if (json_len > size - 16 || size - 16 - json_len < 4)
		return;
	set_le32(d + 16 + json_len, (uint32_t)crc32(crc32(0L, Z_NULL, 0), d + 16, json_len));
	pos = 16 + (size_t)json_len + 4;
	while (size - pos >= 20) {
		uint32_t clen;

		if (le32(d + pos) != CAPTURE_BLOCK_MAGIC) {
			pos++;
			continue;
		}
		clen = le32(d + pos + 4);
		if (clen > size - pos - 20)
			break;
		set_le32(d + pos + 16, (uint32_t)crc32(crc32(crc32(0L, Z_NULL, 0), d + pos, 16), d + pos + 20, clen));
		pos += 20 + (size_t)clen;
	}
}

/* A well-formed file around one block whose inflated content is raw (record count first). */
static void read_as_block(const uint8_t *data, size_t size)
{
	static const char header[] = "{\"host\":\"fuzz\"}";
	const size_t header_len = sizeof(header) - 1;
	uLongf clen;
	uint8_t *file;
	size_t pos;

	if (size < 4)
		return;
	clen = compressBound(size - 4);
	file = malloc(16 + header_len + 4 + 20 + clen);
	if (!file)
		return;
	memcpy(file, CAPTURE_MAGIC, 8);
	file[8] = CAPTURE_FORMAT_VERSION;
	file[9] = file[10] = file[11] = 0;
	set_le32(file + 12, (uint32_t)header_len);
	memcpy(file + 16, header, header_len);
	pos = 16 + header_len;
	set_le32(file + pos, (uint32_t)crc32(crc32(0L, Z_NULL, 0), file + 16, (uInt)header_len));
	pos += 4;
	if (compress2(file + pos + 20, &clen, data + 4, size - 4, 1) == Z_OK) {
		set_le32(file + pos, CAPTURE_BLOCK_MAGIC);
		set_le32(file + pos + 4, (uint32_t)clen);
		set_le32(file + pos + 8, (uint32_t)(size - 4));
		set_le32(file + pos + 12, le32(data));
		set_le32(file + pos + 16, (uint32_t)crc32(crc32(crc32(0L, Z_NULL, 0), file + pos, 16), file + pos + 20,
							  (uInt)clen));
		/* An exact-size copy, as for the others. */
		size_t total = pos + 20 + clen;
		uint8_t *exact = malloc(total);

		if (exact) {
			memcpy(exact, file, total);
			read_capture(exact, total);
			free(exact);
		}
	}
	free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy: ASan then catches any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	read_capture(copy, size);
	fix_checksums(copy, size);
	read_capture(copy, size);
	free(copy);
	read_as_block(data, size);
	return 0;
}
