/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the capture file's writer (capture_writer.c) and reader
 * (capture_reader.c) share: the framing's sizes, little-endian fields, the
 * block checksum. docs/CAPTURE.md is the format.
 */
#ifndef VIGIL_CAPTURE_FILE_INTERNAL_H
#define VIGIL_CAPTURE_FILE_INTERNAL_H

#include <stdint.h>
#include <time.h>
#include <zlib.h>

#include "clock.h"

/* File header: magic, u16 version, u16 flags, u32 JSON length; the JSON; u32 CRC-32 of the JSON. */
#define FILE_HEADER_FIXED 16u
#define FILE_HEADER_CRC 4u
/* Block header: u32 magic, u32 compressed length, u32 raw length, u32 records, u32 CRC-32. */
#define BLOCK_HEADER 20u
/* The smallest zlib stream (of nothing) is 8 bytes: a header, an empty final block, the Adler-32. */
#define ZLIB_STREAM_MIN 8u

/* ---- little-endian fields ---- */

static inline void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* The checksum of a block: its first 16 header bytes, then its payload. */
static inline uint32_t block_crc(const unsigned char *head, const unsigned char *payload, uint32_t payload_len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, head, 16);
	return (uint32_t)crc32(crc, payload, payload_len);
}

#endif /* VIGIL_CAPTURE_FILE_INTERNAL_H */
