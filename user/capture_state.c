// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * State records: what the event path's parts took in from the host, as JSON
 * bodies (docs/CAPTURE_RECORDS.md gives each field), and back.
 *
 * Byte strings from the host (a process's exe, cwd and args, a cgroup path,
 * a user name, the hosts file, an Engine API answer) need not be UTF-8, and
 * JSON strings must be: each is written as a JSON string when its bytes are
 * valid UTF-8 without NUL, and as {"base64": "..."} otherwise, so that every
 * byte comes back as it was. Integers that do not fit a JSON integer
 * (jansson's are signed 64-bit) are written as decimal strings.
 *
 * A capture file is untrusted input: every body is parsed whole, every field
 * type-checked and bounded, before anything is changed; a body that fails is
 * an error with a sentence, and changes nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_state.h"
#include "clock.h"
#include "text_escape.h"

/* A record is never larger than a block. */
#define BODY_MAX CAPTURE_BLOCK_MAX
/* exe, cwd, a cgroup path: far beyond PATH_MAX, and beyond anything an event carries. */
#define TEXT_MAX (64u << 10)
/* A process's args, all of them: the kernel's ARG_MAX is 2 MiB, vigil keeps far less. */
#define ARGS_MAX (1u << 20)
#define LOST_REASON_MAX 4096

/* One observe call's observer, shared by the parts it was set on (refs of them). */
struct capture_observer {
	capture_emit_fn emit;
	void *ctx;
	unsigned int refs;
};

static const char *kind_name(unsigned int kind)
{
	/* capture_kind_name lives in capture_reader.c, which this part does not depend on. */
	static const char *const names[CAPTURE_KIND_MAX] = {
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

	return kind < CAPTURE_KIND_MAX && names[kind] ? names[kind] : "unknown";
}

/* ---- base64 (RFC 4648, with padding) ---- */

static const char base64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64_encode(const unsigned char *in, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		*o++ = base64_digits[v >> 18 & 63];
		*o++ = base64_digits[v >> 12 & 63];
		*o++ = i + 1 < len ? base64_digits[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? base64_digits[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int base64_value(char c)
{
	const char *p = c ? strchr(base64_digits, c) : NULL;

	return p ? (int)(p - base64_digits) : -1;
}

/*
 * Strict: a multiple of 4 characters, padding only at the end, no spaces.
 * *out malloc'd with a NUL after its *out_len bytes. 0, -EINVAL, -ENOMEM.
 */
static int base64_decode(const char *in, size_t len, char **out, size_t *out_len)
{
	size_t pad = 0, n = 0;
	char *buf;

	if (len % 4)
		return -EINVAL;
	if (len && in[len - 1] == '=')
		pad = len >= 2 && in[len - 2] == '=' ? 2 : 1;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int d[4];
		uint32_t v = 0;

		for (int k = 0; k < 4; k++) {
			bool padding = last && k >= 4 - (int)pad;

			d[k] = padding ? (in[i + k] == '=' ? 0 : -1) : base64_value(in[i + k]);
			if (d[k] < 0) {
				free(buf);
				return -EINVAL;
			}
			v = v << 6 | (uint32_t)d[k];
		}
		/* Bits under the padding must be zero: one text per byte string. */
		if (last && ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))) {
			free(buf);
			return -EINVAL;
		}
		buf[n++] = (char)(v >> 16);
		if (!last || pad < 2)
			buf[n++] = (char)(v >> 8 & 0xff);
		if (!last || pad < 1)
			buf[n++] = (char)(v & 0xff);
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

/* ---- encoding ---- */

/* A JSON integer, or a decimal string above what a JSON integer holds here. New reference. */
static json_t *json_u64(uint64_t v)
{
	char text[24];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return json_string(text);
}

/* Bytes as a JSON string when they are UTF-8 without NUL, else {"base64": ...}. New reference. */
static json_t *json_bytes(const char *p, size_t len)
{
	json_t *s = memchr(p, '\0', len) ? NULL : json_stringn(p, len);
	char *b64;

	if (s)
		return s;
	b64 = base64_encode((const unsigned char *)p, len);
	s = b64 ? json_pack("{s:s}", "base64", b64) : NULL;
	free(b64);
	return s;
}

static json_t *json_text(const char *s)
{
	return json_bytes(s, strlen(s));
}

/* Set key to value (taken over) unless an earlier set failed; *ok false once one fails. */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (!*ok || !obj || !value || json_object_set_new(obj, key, value)) {
		json_decref(value);
		*ok = false;
	}
}

/* Finish a body: obj itself, or NULL (freed) when a field could not be made. */
static json_t *finish(json_t *obj, bool ok)
{
	if (ok && obj)
		return obj;
	json_decref(obj);
	return NULL;
}

static json_t *process_body(const struct process *p)
{
	json_t *obj = json_object(), *args = NULL;
	bool ok = true;

	if (p->args) {
		args = json_array();
		/* args_len bytes of NUL-separated arguments: n NULs, n + 1 arguments; none when empty. */
		for (size_t start = 0; args && p->args_len && start <= p->args_len;) {
			const char *nul = memchr(p->args + start, '\0', p->args_len - start);
			size_t end = nul ? (size_t)(nul - p->args) : p->args_len;

			if (json_array_append_new(args, json_bytes(p->args + start, end - start))) {
				json_decref(args);
				args = NULL;
				break;
			}
			start = end + 1;
		}
	} else {
		args = json_null();
	}
	put(obj, "tgid", json_integer(p->tgid), &ok);
	put(obj, "ppid", json_integer(p->ppid), &ok);
	put(obj, "vpid", json_integer(p->vpid), &ok);
	put(obj, "cgroup_id", json_u64(p->cgroup_id), &ok);
	put(obj, "comm", json_text(p->comm), &ok);
	put(obj, "exe", json_text(p->exe), &ok);
	put(obj, "args", args, &ok);
	put(obj, "cwd", json_text(p->cwd), &ok);
	put(obj, "start_ns", json_u64(p->start_ns), &ok);
	put(obj, "tty", json_integer(p->tty), &ok);
	put(obj, "exe_flags", json_integer(p->exe_flags), &ok);
	put(obj, "exe_ino", json_u64(p->exe_ino), &ok);
	put(obj, "from_procfs", json_boolean(p->from_procfs), &ok);
	put(obj, "start_time", json_u64(p->start_time), &ok);
	return finish(obj, ok);
}

static json_t *process_gone_body(uint32_t tgid)
{
	return json_pack("{s:I}", "tgid", (json_int_t)tgid);
}

static json_t *cgroup_body(uint64_t id, const char *path)
{
	json_t *obj = json_object();
	bool ok = true;

	put(obj, "id", json_u64(id), &ok);
	put(obj, "path", path ? json_text(path) : json_null(), &ok);
	return finish(obj, ok);
}

static const char *const result_names[] = {
	[CONTAINER_RESULT_INFO] = "info",
	[CONTAINER_RESULT_GONE] = "gone",
	[CONTAINER_RESULT_UNKNOWN] = "unknown",
};

static const char *const state_names[] = {
	[CONTAINER_METADATA_UNAVAILABLE] = "unavailable",
	[CONTAINER_METADATA_PENDING] = "pending",
	[CONTAINER_METADATA_KNOWN] = "known",
};

static json_t *container_result_body(const struct container_result_record *r)
{
	json_t *obj = json_object();
	bool ok = true;

	put(obj, "result", json_string(result_names[r->kind]), &ok);
	put(obj, "id", json_string(r->id), &ok);
	if (r->kind == CONTAINER_RESULT_INFO) {
		put(obj, "action", json_string(r->action), &ok);
		put(obj, "answer", r->answer ? json_bytes(r->answer, r->answer_len) : json_null(), &ok);
	}
	return finish(obj, ok);
}

static json_t *container_state_body(const char *id, enum container_metadata state, const char *answer,
				    size_t answer_len)
{
	json_t *obj = json_object();
	bool ok = true;

	put(obj, "state", json_string(state_names[state]), &ok);
	put(obj, "id", json_string(id), &ok);
	if (state == CONTAINER_METADATA_KNOWN)
		put(obj, "answer", answer ? json_bytes(answer, answer_len) : json_null(), &ok);
	return finish(obj, ok);
}

static const char *const id_state_names[] = {
	[USER_NAMES_NAMED] = "named",
	[USER_NAMES_UNNAMED] = "unnamed",
	[USER_NAMES_UNREADABLE] = "unreadable",
};

static json_t *name_id_body(const struct user_names_id_answer *a)
{
	json_t *obj = json_object();
	bool ok = true;

	put(obj, "kind", json_string(a->kind == USER_NAMES_USER ? "user" : "group"), &ok);
	put(obj, "mntns", json_u64(a->mntns), &ok);
	put(obj, "id", json_integer(a->id), &ok);
	put(obj, "state", json_string(id_state_names[a->state]), &ok);
	if (a->state == USER_NAMES_NAMED)
		put(obj, "name", json_text(a->name ? a->name : ""), &ok);
	return finish(obj, ok);
}

static json_t *name_hosts_body(const char *text, size_t len)
{
	json_t *obj = json_object();
	bool ok = true;

	put(obj, "kind", json_string("hosts"), &ok);
	put(obj, "text", text ? json_bytes(text, len) : json_null(), &ok);
	return finish(obj, ok);
}

/* Emit a record of body (taken over; NULL: empty). 0, or -ENOMEM when body could not be made or written. */
static int emit_body(capture_emit_fn emit, void *ctx, uint16_t kind, int64_t time_ns, json_t *body, bool empty)
{
	struct capture_record rec = { .kind = kind, .time_ns = time_ns, .data = "", .len = 0 };
	char *text = NULL;

	if (!empty) {
		text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (!text)
			return -ENOMEM;
		rec.data = text;
		rec.len = (uint32_t)strlen(text);
	}
	emit(&rec, ctx);
	free(text);
	return 0;
}

/* A live record could not be made: say so in the capture, which cannot be replayed exactly past here. */
static void emit_lost(const struct capture_observer *o, uint16_t kind)
{
	char body[128];
	struct capture_record rec = { .kind = CAPTURE_LOST, .time_ns = clock_ns(CLOCK_REALTIME), .data = body };

	rec.len = (uint32_t)snprintf(body, sizeof(body),
				     "{\"records\":1,\"reason\":\"out of memory while encoding a %s record\"}",
				     kind_name(kind));
	o->emit(&rec, o->ctx);
}

static void emit_live(const struct capture_observer *o, uint16_t kind, json_t *body)
{
	if (emit_body(o->emit, o->ctx, kind, clock_ns(CLOCK_REALTIME), body, false))
		emit_lost(o, kind);
}

/* ---- observing ---- */

static void on_process(enum proc_table_change change, const struct process *proc, void *ctx)
{
	if (change == PROC_TABLE_READ)
		emit_live(ctx, CAPTURE_PROCESS, process_body(proc));
	else
		emit_live(ctx, CAPTURE_PROCESS_GONE, process_gone_body(proc->tgid));
}

static void on_cgroup(uint64_t id, const char *path, void *ctx)
{
	emit_live(ctx, CAPTURE_CGROUP, cgroup_body(id, path));
}

static void on_container(const struct container_result_record *r, void *ctx)
{
	emit_live(ctx, CAPTURE_CONTAINER, container_result_body(r));
}

static void on_name_id(const struct user_names_id_answer *a, void *ctx)
{
	emit_live(ctx, CAPTURE_NAME, name_id_body(a));
}

static void on_hosts(const char *text, size_t len, void *ctx)
{
	emit_live(ctx, CAPTURE_NAME, name_hosts_body(text, len));
}

/* A part gave back the observer it had: free it once no part holds it. */
static void release(void *old)
{
	struct capture_observer *o = old;

	if (o && --o->refs == 0)
		free(o);
}

int capture_state_observe(const struct capture_state_parts *parts, capture_emit_fn emit, void *ctx)
{
	struct capture_observer *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->emit = emit;
	o->ctx = ctx;
	/* refs first, so that replacing a part's observer by this one can never free it. */
	o->refs = 1;
	if (parts->procs) {
		o->refs++;
		release(proc_table_set_observer(parts->procs, on_process, o));
	}
	if (parts->cgroups) {
		o->refs++;
		release(cgroup_resolver_set_observer(parts->cgroups, on_cgroup, o));
	}
	if (parts->containers) {
		o->refs++;
		release(container_table_set_observer(parts->containers, on_container, o));
	}
	if (parts->names) {
		struct user_names_observer no = { .id = on_name_id, .hosts = on_hosts, .ctx = o };

		o->refs++;
		release(user_names_set_observer(parts->names, &no));
	}
	release(o);
	return 0;
}

void capture_state_unobserve(const struct capture_state_parts *parts)
{
	if (parts->procs)
		release(proc_table_set_observer(parts->procs, NULL, NULL));
	if (parts->cgroups)
		release(cgroup_resolver_set_observer(parts->cgroups, NULL, NULL));
	if (parts->containers)
		release(container_table_set_observer(parts->containers, NULL, NULL));
	if (parts->names)
		release(user_names_set_observer(parts->names, NULL));
}

/* ---- keyframes ---- */

struct keyframe {
	capture_emit_fn emit;
	void *ctx;
	int64_t time_ns;
	uint64_t count;
};

static int count_cgroup(uint64_t id, const char *path, void *ctx)
{
	(void)id, (void)path;
	((struct keyframe *)ctx)->count++;
	return 0;
}

static int count_container(const char *id, enum container_metadata state, const char *answer, size_t len,
			   void *ctx)
{
	(void)id, (void)state, (void)answer, (void)len;
	((struct keyframe *)ctx)->count++;
	return 0;
}

static int count_name_id(const struct user_names_id_answer *a, void *ctx)
{
	(void)a;
	((struct keyframe *)ctx)->count++;
	return 0;
}

static int count_hosts(const char *text, size_t len, void *ctx)
{
	(void)text, (void)len;
	((struct keyframe *)ctx)->count++;
	return 0;
}

static int keyframe_process(const struct process *proc, void *ctx)
{
	struct keyframe *k = ctx;

	return emit_body(k->emit, k->ctx, CAPTURE_PROCESS, k->time_ns, process_body(proc), false);
}

static int keyframe_cgroup(uint64_t id, const char *path, void *ctx)
{
	struct keyframe *k = ctx;

	return emit_body(k->emit, k->ctx, CAPTURE_CGROUP, k->time_ns, cgroup_body(id, path), false);
}

static int keyframe_container(const char *id, enum container_metadata state, const char *answer, size_t len,
			      void *ctx)
{
	struct keyframe *k = ctx;

	return emit_body(k->emit, k->ctx, CAPTURE_CONTAINER, k->time_ns,
			 container_state_body(id, state, answer, len), false);
}

static int keyframe_name_id(const struct user_names_id_answer *a, void *ctx)
{
	struct keyframe *k = ctx;

	return emit_body(k->emit, k->ctx, CAPTURE_NAME, k->time_ns, name_id_body(a), false);
}

static int keyframe_hosts(const char *text, size_t len, void *ctx)
{
	struct keyframe *k = ctx;

	return emit_body(k->emit, k->ctx, CAPTURE_NAME, k->time_ns, name_hosts_body(text, len), false);
}

int capture_state_keyframe(const struct capture_state_parts *parts, int64_t time_ns, capture_emit_fn emit, void *ctx)
{
	struct keyframe k = { .emit = emit, .ctx = ctx, .time_ns = time_ns };
	uint64_t processes = parts->procs ? proc_table_size(parts->procs) : 0, cgroups, containers, names;
	json_t *body;
	int err;

	if (parts->cgroups)
		cgroup_resolver_foreach(parts->cgroups, count_cgroup, &k);
	cgroups = k.count;
	k.count = 0;
	if (parts->containers)
		container_table_foreach(parts->containers, count_container, &k);
	containers = k.count;
	k.count = 0;
	if (parts->names)
		user_names_foreach(parts->names, count_name_id, count_hosts, &k);
	names = k.count;

	/* The counts let a reader tell a whole keyframe from one cut short. */
	body = json_object();
	if (!body || json_object_set_new(body, "processes", json_u64(processes)) ||
	    json_object_set_new(body, "cgroups", json_u64(cgroups)) ||
	    json_object_set_new(body, "containers", json_u64(containers)) ||
	    json_object_set_new(body, "names", json_u64(names))) {
		json_decref(body);
		return -ENOMEM;
	}
	err = emit_body(emit, ctx, CAPTURE_KEYFRAME, time_ns, body, false);
	if (!err && parts->procs)
		err = proc_table_foreach(parts->procs, keyframe_process, &k);
	if (!err && parts->cgroups)
		err = cgroup_resolver_foreach(parts->cgroups, keyframe_cgroup, &k);
	if (!err && parts->containers)
		err = container_table_foreach(parts->containers, keyframe_container, &k);
	if (!err && parts->names)
		err = user_names_foreach(parts->names, keyframe_name_id, keyframe_hosts, &k);
	if (!err)
		err = emit_body(emit, ctx, CAPTURE_KEYFRAME_END, time_ns, NULL, true);
	return err;
}

/* ---- parsing ---- */

struct parse {
	char *err;
	size_t errlen;
	const char *what; /* "process record" */
};

static int bad(struct parse *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parse *ps, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s: %s", ps->what, why);
	return -EINVAL;
}

static int no_memory(struct parse *ps)
{
	snprintf(ps->err, ps->errlen, "%s: out of memory", ps->what);
	return -ENOMEM;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

static int get_member(struct parse *ps, const json_t *obj, const char *key, json_t **out)
{
	*out = json_object_get(obj, key);
	return *out ? 0 : bad(ps, "%s is missing", key);
}

/* An unsigned integer up to max: a JSON integer, or a decimal string (above INT64_MAX). */
static int get_u64(struct parse *ps, const json_t *obj, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v;
	int err = get_member(ps, obj, key, &v);

	if (err)
		return err;
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0)
			return bad(ps, "%s is negative (%lld)", key, (long long)n);
		*out = (uint64_t)n;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		uint64_t n = 0;

		if (len == 0 || len > 20 || strspn(s, "0123456789") != len)
			return bad(ps, "%s is a string that is not a decimal number", key);
		for (size_t i = 0; i < len; i++) {
			unsigned digit = (unsigned)(s[i] - '0');

			if (n > (UINT64_MAX - digit) / 10)
				return bad(ps, "%s is larger than 2^64 - 1", key);
			n = n * 10 + digit;
		}
		*out = n;
	} else {
		return bad(ps, "%s is %s, not an integer", key, type_name(v));
	}
	if (*out > max)
		return bad(ps, "%s is %llu, larger than %llu", key, (unsigned long long)*out, (unsigned long long)max);
	return 0;
}

static int get_u32(struct parse *ps, const json_t *obj, const char *key, uint32_t *out)
{
	uint64_t v;
	int err = get_u64(ps, obj, key, UINT32_MAX, &v);

	if (!err)
		*out = (uint32_t)v;
	return err;
}

static int get_bool(struct parse *ps, const json_t *obj, const char *key, bool *out)
{
	json_t *v;
	int err = get_member(ps, obj, key, &v);

	if (err)
		return err;
	if (!json_is_boolean(v))
		return bad(ps, "%s is %s, not a boolean", key, type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* A plain JSON string (names of things, container ids: never base64). */
static int get_string(struct parse *ps, const json_t *obj, const char *key, size_t max, const char **out)
{
	json_t *v;
	int err = get_member(ps, obj, key, &v);

	if (err)
		return err;
	if (!json_is_string(v))
		return bad(ps, "%s is %s, not a string", key, type_name(v));
	if (json_string_length(v) > max)
		return bad(ps, "%s is longer than %zu bytes", key, max);
	*out = json_string_value(v);
	return 0;
}

/* Bytes from a JSON string or {"base64": ...}: p is NUL-terminated after len bytes. */
struct bytes {
	const char *p;
	size_t len;
	char *owned;
};

static void bytes_free(struct bytes *b)
{
	free(b->owned);
	b->owned = NULL;
}

/* v as bytes, at most max of them; nul_ok: they may hold NUL bytes. name: for the error. */
static int bytes_of(struct parse *ps, const json_t *v, const char *name, size_t max, bool nul_ok, struct bytes *out)
{
	memset(out, 0, sizeof(*out));
	if (json_is_string(v)) {
		out->p = json_string_value(v);
		out->len = json_string_length(v);
	} else if (json_is_object(v)) {
		json_t *b64 = json_object_get(v, "base64");
		int err;

		if (json_object_size(v) != 1 || !json_is_string(b64))
			return bad(ps, "%s is an object other than {\"base64\": \"...\"}", name);
		/* Decoded, 3 bytes for every 4 digits: bound the digits first. */
		if (json_string_length(b64) / 4 * 3 > max + 2)
			return bad(ps, "%s is longer than %zu bytes", name, max);
		err = base64_decode(json_string_value(b64), json_string_length(b64), &out->owned, &out->len);
		if (err == -ENOMEM)
			return no_memory(ps);
		if (err)
			return bad(ps, "%s.base64 is not base64 (RFC 4648, with padding)", name);
		out->p = out->owned;
	} else {
		return bad(ps, "%s is %s, not a string or {\"base64\": \"...\"}", name, type_name(v));
	}
	if (out->len > max) {
		bytes_free(out);
		return bad(ps, "%s is longer than %zu bytes", name, max);
	}
	if (!nul_ok && memchr(out->p, '\0', out->len)) {
		bytes_free(out);
		return bad(ps, "%s holds a NUL byte", name);
	}
	return 0;
}

/* A member as bytes; nullable: null is allowed, and then out->p is NULL. */
static int get_bytes(struct parse *ps, const json_t *obj, const char *key, size_t max, bool nul_ok, bool nullable,
		     struct bytes *out)
{
	json_t *v;
	int err = get_member(ps, obj, key, &v);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	if (nullable && json_is_null(v))
		return 0;
	return bytes_of(ps, v, key, max, nul_ok, out);
}

/* key's value: one of names[0..n) (NULL entries skipped); its index into *out. */
static int get_choice(struct parse *ps, const json_t *obj, const char *key, const char *const *names, size_t n,
		      int *out)
{
	const char *s;
	int err = get_string(ps, obj, key, 64, &s);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s)) {
			*out = (int)i;
			return 0;
		}
	return bad(ps, "%s '%s' is not one vigil knows", key, s);
}

/* A record's args: null, or an array of arguments joined with NUL bytes. */
static int get_args(struct parse *ps, const json_t *obj, char **args, size_t *args_len)
{
	json_t *v, *item;
	size_t total = 0, i;
	char *buf;
	int err = get_member(ps, obj, "args", &v);

	*args = NULL;
	*args_len = 0;
	if (err)
		return err;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(ps, "args is %s, not an array or null", type_name(v));
	if (json_array_size(v) > ARGS_MAX)
		return bad(ps, "args holds more than %u arguments", ARGS_MAX);
	buf = malloc(1);
	if (!buf)
		return no_memory(ps);
	json_array_foreach(v, i, item) {
		char name[32];
		struct bytes b;
		char *grown;

		snprintf(name, sizeof(name), "args[%zu]", i);
		err = bytes_of(ps, item, name, ARGS_MAX, false, &b);
		if (err) {
			free(buf);
			return err;
		}
		if (total + (i > 0) + b.len > ARGS_MAX) {
			bytes_free(&b);
			free(buf);
			return bad(ps, "args are longer than %u bytes", ARGS_MAX);
		}
		grown = realloc(buf, total + (i > 0) + b.len + 1);
		if (!grown) {
			bytes_free(&b);
			free(buf);
			return no_memory(ps);
		}
		buf = grown;
		if (i > 0)
			buf[total++] = '\0';
		memcpy(buf + total, b.p, b.len);
		total += b.len;
		bytes_free(&b);
	}
	buf[total] = '\0';
	*args = buf;
	*args_len = total;
	return 0;
}

/* ---- applying ---- */

static int apply_process(const struct capture_state_parts *parts, const json_t *obj, struct parse *ps)
{
	struct process proc = { 0 };
	struct bytes comm = { 0 }, exe = { 0 }, cwd = { 0 };
	char *args = NULL;
	int err;

	if ((err = get_u32(ps, obj, "tgid", &proc.tgid)) || (err = get_u32(ps, obj, "ppid", &proc.ppid)) ||
	    (err = get_u32(ps, obj, "vpid", &proc.vpid)) ||
	    (err = get_u64(ps, obj, "cgroup_id", UINT64_MAX, &proc.cgroup_id)) ||
	    (err = get_u64(ps, obj, "start_ns", UINT64_MAX, &proc.start_ns)) ||
	    (err = get_u32(ps, obj, "tty", &proc.tty)) || (err = get_u32(ps, obj, "exe_flags", &proc.exe_flags)) ||
	    (err = get_u64(ps, obj, "exe_ino", UINT64_MAX, &proc.exe_ino)) ||
	    (err = get_bool(ps, obj, "from_procfs", &proc.from_procfs)) ||
	    (err = get_u64(ps, obj, "start_time", UINT64_MAX, &proc.start_time)) ||
	    (err = get_bytes(ps, obj, "comm", VIGIL_COMM_LEN, false, false, &comm)) ||
	    (err = get_bytes(ps, obj, "exe", TEXT_MAX, false, false, &exe)) ||
	    (err = get_bytes(ps, obj, "cwd", TEXT_MAX, false, false, &cwd)) ||
	    (err = get_args(ps, obj, &args, &proc.args_len)))
		goto out;
	memcpy(proc.comm, comm.p, comm.len + 1);
	proc.exe = (char *)exe.p;
	proc.cwd = (char *)cwd.p;
	proc.args = args;
	if (parts->procs && (err = proc_table_put(parts->procs, &proc)))
		err = no_memory(ps); /* the fields were checked: only memory can fail */
out:
	bytes_free(&comm);
	bytes_free(&exe);
	bytes_free(&cwd);
	free(args);
	return err;
}

static int apply_process_gone(const struct capture_state_parts *parts, const json_t *obj, struct parse *ps)
{
	uint32_t tgid;
	int err = get_u32(ps, obj, "tgid", &tgid);

	if (!err && parts->procs)
		proc_table_remove(parts->procs, tgid);
	return err;
}

static int apply_cgroup(const struct capture_state_parts *parts, const json_t *obj, struct parse *ps)
{
	struct bytes path;
	uint64_t id;
	int err;

	if ((err = get_u64(ps, obj, "id", UINT64_MAX, &id)) ||
	    (err = get_bytes(ps, obj, "path", TEXT_MAX, false, true, &path)))
		return err;
	if (parts->cgroups && cgroup_resolver_put(parts->cgroups, id, path.p))
		err = no_memory(ps);
	bytes_free(&path);
	return err;
}

/* The table's own error sentence, under this record's name. */
static int container_error(struct parse *ps, int err, const char *why)
{
	if (err == -ENOMEM)
		return no_memory(ps);
	return bad(ps, "%s", why);
}

static int apply_container(const struct capture_state_parts *parts, const json_t *obj, struct parse *ps)
{
	bool is_result = json_object_get(obj, "result") != NULL, is_state = json_object_get(obj, "state") != NULL;
	struct bytes answer = { 0 };
	const char *id, *action = "";
	char why[512];
	int err, which = 0;

	if (is_result == is_state)
		return bad(ps, "holds %s of \"result\" (a result applied) and \"state\" (a keyframe's entry)",
			   is_result ? "both" : "neither");
	if ((err = get_string(ps, obj, "id", CONTAINER_ID_MAX, &id)))
		return err;
	if (is_result) {
		struct container_result_record r = { .id = id, .action = "" };

		if ((err = get_choice(ps, obj, "result", result_names, 3, &which)))
			return err;
		r.kind = (enum container_result)which;
		if (r.kind == CONTAINER_RESULT_INFO &&
		    ((err = get_string(ps, obj, "action", 16, &action)) ||
		     (err = get_bytes(ps, obj, "answer", CONTAINER_INFO_MAX_ANSWER, true, false, &answer))))
			return err;
		r.action = action;
		r.answer = answer.p;
		r.answer_len = answer.len;
		if (parts->containers) {
			err = container_table_apply_recorded(parts->containers, &r, parts->announce,
							     parts->announce_ctx, why, sizeof(why));
			if (err)
				err = container_error(ps, err, why);
		} else {
			/* Nowhere to apply it: check it all the same, as a table would. */
			struct container_table *scratch = container_table_new_replay(true);

			if (!scratch) {
				err = no_memory(ps);
			} else {
				err = container_table_apply_recorded(scratch, &r, NULL, NULL, why, sizeof(why));
				if (err)
					err = container_error(ps, err, why);
				container_table_free(scratch);
			}
		}
	} else {
		enum container_metadata state;

		if ((err = get_choice(ps, obj, "state", state_names, 3, &which)))
			return err;
		state = (enum container_metadata)which;
		if (state == CONTAINER_METADATA_KNOWN &&
		    (err = get_bytes(ps, obj, "answer", CONTAINER_INFO_MAX_ANSWER, true, true, &answer)))
			return err;
		/*
		 * Known live, but its answer came before the capture began (the
		 * table keeps answers only while observed): there is nothing to
		 * know it by here.
		 */
		if (state == CONTAINER_METADATA_KNOWN && !answer.p)
			state = CONTAINER_METADATA_UNAVAILABLE;
		if (parts->containers) {
			err = container_table_restore(parts->containers, id, state, answer.p, answer.len, why,
						      sizeof(why));
		} else {
			/* Nowhere to restore it: check it all the same, as a table would. */
			struct container_table *scratch = container_table_new_replay(true);

			snprintf(why, sizeof(why), "out of memory");
			err = scratch ? container_table_restore(scratch, id, state, answer.p, answer.len, why,
								sizeof(why))
				      : -ENOMEM;
			container_table_free(scratch);
		}
		if (err)
			err = container_error(ps, err, why);
	}
	bytes_free(&answer);
	return err;
}

static int apply_name(const struct capture_state_parts *parts, const json_t *obj, struct parse *ps)
{
	static const char *const kinds[] = { [USER_NAMES_USER] = "user", [USER_NAMES_GROUP] = "group", [3] = "hosts" };
	struct user_names_id_answer a = { 0 };
	struct bytes text = { 0 };
	int err, which = 0;

	if ((err = get_choice(ps, obj, "kind", kinds, 4, &which)))
		return err;
	if (which == 3) {
		if ((err = get_bytes(ps, obj, "text", USER_NAMES_HOSTS_FILE_MAX, true, true, &text)))
			return err;
		if (parts->names && (err = user_names_put_hosts(parts->names, text.p, text.len)))
			err = no_memory(ps); /* the length was checked */
		bytes_free(&text);
		return err;
	}
	a.kind = (enum user_names_id_kind)which;
	if ((err = get_u64(ps, obj, "mntns", UINT64_MAX, &a.mntns)) || (err = get_u32(ps, obj, "id", &a.id)) ||
	    (err = get_choice(ps, obj, "state", id_state_names, 3, &which)))
		return err;
	a.state = (enum user_names_id_state)which;
	if (a.state == USER_NAMES_NAMED) {
		if ((err = get_bytes(ps, obj, "name", USER_NAME_MAX - 1, false, false, &text)))
			return err;
		a.name = text.p;
	}
	if (parts->names && (err = user_names_put_id(parts->names, &a)))
		err = err == -ENOMEM ? no_memory(ps) : bad(ps, "not a name vigil could have read");
	bytes_free(&text);
	return err;
}

static int apply_keyframe(const struct capture_state_parts *parts, const json_t *obj, struct parse *ps)
{
	static const char *const counts[] = { "processes", "cgroups", "containers", "names" };
	uint64_t n;
	int err;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if ((err = get_u64(ps, obj, counts[i], UINT64_MAX, &n)))
			return err;
	if (parts->procs)
		proc_table_clear(parts->procs);
	if (parts->cgroups)
		cgroup_resolver_clear(parts->cgroups);
	if (parts->containers)
		container_table_clear(parts->containers);
	if (parts->names)
		user_names_clear(parts->names);
	return 0;
}

static int check_lost(const json_t *obj, struct parse *ps)
{
	const char *reason;
	uint64_t n;
	int err;

	if ((err = get_u64(ps, obj, "records", UINT64_MAX, &n)))
		return err;
	return get_string(ps, obj, "reason", LOST_REASON_MAX, &reason);
}

static int apply_record(const struct capture_state_parts *parts, const struct capture_record *rec, char *err,
			size_t errlen)
{
	char what[64];
	struct parse ps = { .err = err, .errlen = errlen, .what = what };
	json_error_t jerr;
	json_t *obj;
	int ret;

	snprintf(what, sizeof(what), "%s record", kind_name(rec->kind));
	switch (rec->kind) {
	case CAPTURE_PROCESS:
	case CAPTURE_PROCESS_GONE:
	case CAPTURE_CGROUP:
	case CAPTURE_CONTAINER:
	case CAPTURE_NAME:
	case CAPTURE_KEYFRAME:
	case CAPTURE_LOST:
		break;
	case CAPTURE_KEYFRAME_END:
		/* Empty; a later version may say more in an object. */
		if (rec->len == 0)
			return 0;
		break;
	case CAPTURE_EVENT:
	case CAPTURE_TICK:
		return bad(&ps, "not a state record: the pipeline takes it");
	default:
		snprintf(err, errlen, "a record of unknown kind %u", (unsigned)rec->kind);
		return -EINVAL;
	}
	if (rec->len > BODY_MAX)
		return bad(&ps, "%u bytes, larger than a record can be (%u)", (unsigned)rec->len, BODY_MAX);
	if (!rec->data && rec->len)
		return bad(&ps, "no body");
	obj = json_loadb(rec->data ? rec->data : "", rec->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return bad(&ps, "not JSON: %s (at byte %d)", jerr.text, jerr.position);
	if (!json_is_object(obj)) {
		ret = bad(&ps, "the body is %s, not an object", type_name(obj));
		json_decref(obj);
		return ret;
	}
	switch (rec->kind) {
	case CAPTURE_PROCESS:
		ret = apply_process(parts, obj, &ps);
		break;
	case CAPTURE_PROCESS_GONE:
		ret = apply_process_gone(parts, obj, &ps);
		break;
	case CAPTURE_CGROUP:
		ret = apply_cgroup(parts, obj, &ps);
		break;
	case CAPTURE_CONTAINER:
		ret = apply_container(parts, obj, &ps);
		break;
	case CAPTURE_NAME:
		ret = apply_name(parts, obj, &ps);
		break;
	case CAPTURE_KEYFRAME:
		ret = apply_keyframe(parts, obj, &ps);
		break;
	case CAPTURE_LOST:
		ret = check_lost(obj, &ps);
		break;
	default: /* KEYFRAME_END with an object */
		ret = 0;
		break;
	}
	json_decref(obj);
	return ret;
}

int capture_state_apply(const struct capture_state_parts *parts, const struct capture_record *rec, char *err,
			size_t errlen)
{
	char raw[1024];
	int ret;

	if (!err || !errlen) {
		err = raw;
		errlen = sizeof(raw);
	}
	err[0] = '\0';
	ret = apply_record(parts, rec, err, errlen);
	if (ret && err != raw) {
		/* The sentence quotes the file (a value, jansson's view of bad JSON): no control byte reaches a log. */
		snprintf(raw, sizeof(raw), "%s", err);
		text_escape(raw, strlen(raw), 0, err, errlen);
	}
	return ret;
}
