// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arbitrary state records applied to replay parts: each is taken (0) or
 * refused (-EINVAL) with a printable sentence and no change to any part.
 * What the parts then hold, written as a keyframe and applied to fresh parts,
 * is taken whole and writes the same keyframe again. A crash, a sanitizer
 * report (leaks included) or an abort() is a bug.
 *
 * Input: records one after another, each a kind byte, a 16-bit little-endian
 * length and that many bytes of body (the last one takes what is left).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture_state.h"

struct collected {
	char **bodies; /* "kind:body" */
	size_t n, cap;
	uint64_t hash;
};

static void collect(const struct capture_record *rec, void *ctx)
{
	struct collected *c = ctx;
	char *text = malloc(rec->len + 8);

	if (!text)
		abort();
	text[0] = (char)('0' + rec->kind % 10);
	text[1] = (char)('0' + rec->kind / 10);
	text[2] = ':';
	memcpy(text + 3, rec->data, rec->len);
	text[rec->len + 3] = '\0';
	for (size_t i = 0; i < rec->len + 3; i++)
		c->hash = (c->hash ^ (uint8_t)text[i]) * 0x100000001b3ull;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->bodies = realloc(c->bodies, c->cap * sizeof(*c->bodies));
		if (!c->bodies)
			abort();
	}
	c->bodies[c->n++] = text;
}

static void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->bodies[i]);
	free(c->bodies);
	memset(c, 0, sizeof(*c));
}

static void ignore(const struct capture_record *rec, void *ctx)
{
	(void)rec, (void)ctx;
}

static void announce(const struct container_info *info, const char *action, void *ctx)
{
	if (!info || !info->name || !action || !*action)
		abort();
	(*(unsigned *)ctx)++;
}

static int compare_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay parts, observed so the container table keeps its raw answers for keyframes. */
static void parts_new(struct capture_state_parts *p, unsigned *announced)
{
	*p = (struct capture_state_parts){
		.procs = proc_table_new(NULL),
		.cgroups = cgroup_resolver_new_replay(),
		.containers = container_table_new_replay(true),
		.names = user_names_new_replay(),
		.announce = announce,
		.announce_ctx = announced,
	};
	if (!p->procs || !p->cgroups || !p->containers || !p->names || capture_state_observe(p, ignore, NULL))
		abort();
}

static void parts_free(struct capture_state_parts *p)
{
	capture_state_unobserve(p);
	proc_table_free(p->procs);
	cgroup_resolver_free(p->cgroups);
	container_table_free(p->containers);
	user_names_free(p->names);
}

static uint64_t state_hash(const struct capture_state_parts *p)
{
	struct collected c = { .hash = 0xcbf29ce484222325ull };
	uint64_t hash;

	if (capture_state_keyframe(p, 0, collect, &c))
		abort();
	hash = c.hash;
	collected_free(&c);
	return hash;
}

static void check_refusal(const char *err)
{
	if (err[0] == '\0')
		abort();
	/* Escaped: printable, UTF-8 kept, never a control byte. */
	for (const unsigned char *c = (const unsigned char *)err; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_state_parts parts, again;
	struct collected first = { 0 }, second = { 0 };
	unsigned announced = 0, quiet = 0;
	char err[512];

	parts_new(&parts, &announced);
	while (size >= 3) {
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;
		struct capture_record rec = { .kind = data[0], .time_ns = 1 };
		/* An exact-size heap copy: ASan then catches any read past the end. */
		char *body;
		uint64_t before = 0;
		int ret;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		body = malloc(len ? len : 1);
		if (!body)
			abort();
		memcpy(body, data, len);
		rec.data = body;
		rec.len = (uint32_t)len;
		data += len;
		size -= len;

		/* Refusals change nothing: worth a keyframe's hash while the state is small. */
		if (size < 4096)
			before = state_hash(&parts);
		err[0] = '\0';
		ret = capture_state_apply(&parts, &rec, err, sizeof(err));
		if (ret == -EINVAL) {
			check_refusal(err);
			if (size < 4096 && state_hash(&parts) != before)
				abort();
		} else if (ret != 0 && ret != -ENOMEM) {
			abort();
		}
		free(body);
	}

	/* The state as a keyframe, applied to fresh parts: all taken, and the same keyframe again. */
	if (capture_state_keyframe(&parts, 7, collect, &first))
		abort();
	parts_new(&again, &quiet);
	for (size_t i = 0; i < first.n; i++) {
		struct capture_record rec = {
			.kind = (uint16_t)((first.bodies[i][0] - '0') + (first.bodies[i][1] - '0') * 10),
			.time_ns = 7,
			.data = first.bodies[i] + 3,
			.len = (uint32_t)strlen(first.bodies[i] + 3),
		};

		if (capture_state_apply(&again, &rec, err, sizeof(err)))
			abort();
	}
	if (quiet != 0) /* a keyframe announces nothing */
		abort();
	if (capture_state_keyframe(&again, 7, collect, &second) || second.n != first.n)
		abort();
	qsort(first.bodies, first.n, sizeof(*first.bodies), compare_text);
	qsort(second.bodies, second.n, sizeof(*second.bodies), compare_text);
	for (size_t i = 0; i < first.n; i++)
		if (strcmp(first.bodies[i], second.bodies[i]))
			abort();

	collected_free(&first);
	collected_free(&second);
	parts_free(&parts);
	parts_free(&again);
	return 0;
}
