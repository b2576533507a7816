// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The evt.* fields: the event itself, its result and its arguments (by the schema's slot names). */
#include <stdio.h>
#include <time.h>

#include "json_writer.h"
#include "rule_fields_internal.h"

/* Open flags, as the kernel's ABI has them (x86 and most others). */
#define OPEN_ACCMODE 03
#define OPEN_CREAT 0100
#define OPEN_TRUNC 01000
#define OPEN_TMPFILE 020000000 /* __O_TMPFILE, without its O_DIRECTORY */

EXTRACTOR(extract_evt_type)
{
	const char *name = rule_event_type_name(ev->type);

	(void)arg, (void)max, (void)scratch;
	return name ? value_cstr(out, name) : 0;
}

EXTRACTOR(extract_evt_time)
{
	int64_t ns = rule_event_time_ns(ev);
	time_t secs = (time_t)(ns / 1000000000);
	long nsec = (long)(ns % 1000000000);
	struct scratch_text t;
	struct tm tm;
	size_t room;
	char *buf;
	int n;

	(void)arg, (void)max;
	if (nsec < 0) {
		nsec += 1000000000;
		secs--;
	}
	if (!localtime_r(&secs, &tm))
		return 0;
	text_begin(&t, scratch);
	buf = text_room(&t, &room);
	n = room ? snprintf(buf, room, "%02d:%02d:%02d.%09ld", tm.tm_hour, tm.tm_min, tm.tm_sec, nsec) : 0;
	text_commit(&t, n > 0 ? ((size_t)n < room ? (size_t)n : room - 1) : 0);
	return text_value(&t, out);
}

EXTRACTOR(extract_evt_time_iso8601)
{
	struct scratch_text t;
	size_t room;
	char *buf;

	(void)arg, (void)max;
	text_begin(&t, scratch);
	buf = text_room(&t, &room);
	if (room) {
		json_format_time(rule_event_time_ns(ev), buf, room);
		text_commit(&t, strlen(buf));
	}
	return text_value(&t, out);
}

EXTRACTOR(extract_evt_rawtime)
{
	int64_t ns = rule_event_time_ns(ev);

	(void)arg, (void)max, (void)scratch;
	return ns > 0 ? value_uint(out, (uint64_t)ns) : 0;
}

EXTRACTOR(extract_evt_num)
{
	(void)arg, (void)max, (void)scratch;
	return ev->num ? value_uint(out, ev->num) : 0;
}

EXTRACTOR(extract_evt_hostname)
{
	(void)arg, (void)max, (void)scratch;
	return ev->hostname ? value_cstr(out, ev->hostname) : 0;
}

EXTRACTOR(extract_evt_source)
{
	(void)ev, (void)arg, (void)max, (void)scratch;
	return value_cstr(out, "syscall");
}

EXTRACTOR(extract_evt_dir)
{
	(void)arg, (void)max, (void)scratch;
	return event_of(ev) ? value_cstr(out, "<") : 0;
}

EXTRACTOR(extract_evt_is_setup)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_bool(out, view->hdr.flags & VIGIL_F_SETUP) : 0;
}

/* A system-call event, or NULL. */
static const struct event_view *syscall_event(const struct rule_event *ev)
{
	const struct event_view *view = event_of(ev);

	return view && event_type_is_syscall(view->hdr.type) ? view : NULL;
}

/* -errno, as the JSON writer tells it: not for the types whose result is a value. */
static bool syscall_failed(const struct event_view *view)
{
	return view->syscall.result < 0 && view->syscall.result > -4096 &&
	       !event_schema_result_is_value(view->hdr.type);
}

EXTRACTOR(extract_evt_res)
{
	const struct event_view *view = syscall_event(ev);
	const char *name;
	struct scratch_text t;
	char number[24];

	(void)arg, (void)max;
	if (!view)
		return 0;
	if (!syscall_failed(view))
		return value_cstr(out, "SUCCESS");
	name = errno_name((int)-view->syscall.result);
	if (name)
		return value_cstr(out, name);
	snprintf(number, sizeof(number), "%lld", (long long)view->syscall.result);
	text_begin(&t, scratch);
	scratch_append_str(&t, number);
	return text_value(&t, out);
}

EXTRACTOR(extract_evt_rawres)
{
	const struct event_view *view = syscall_event(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_int(out, view->syscall.result) : 0;
}

EXTRACTOR(extract_evt_failed)
{
	const struct event_view *view = syscall_event(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_bool(out, syscall_failed(view)) : 0;
}

EXTRACTOR(extract_evt_syscall)
{
	const struct event_view *view = event_of(ev);
	struct scratch_text t;
	size_t room;
	char *buf;

	(void)arg, (void)max;
	if (!view)
		return 0;
	/* sched_process_exec does not say which call: execve or execveat. */
	if (view->hdr.type == VIGIL_EVENT_EXEC)
		return value_cstr(out, "execve");
	if (!event_type_is_syscall(view->hdr.type) || view->syscall.syscall_nr == (uint32_t)-1)
		return 0;
	if (syscall_name(view->syscall.syscall_nr))
		return value_cstr(out, syscall_name(view->syscall.syscall_nr));
	text_begin(&t, scratch);
	buf = text_room(&t, &room);
	text_commit(&t, room ? field_to_text(FIELD_SYSCALL, view->syscall.syscall_nr, buf, room) : 0);
	return text_value(&t, out);
}

/* Slot `slot` (RULE_FIELD_SLOT_STR + i for strs[i]) as the JSON prints it, appended to t. */
static void slot_text(struct scratch_text *t, const struct event_view *view, const struct event_schema *schema,
		      int slot)
{
	size_t room;
	char *buf;

	if (slot < RULE_FIELD_SLOT_STR) {
		buf = text_room(t, &room);
		text_commit(t, room ? field_to_text(schema->args[slot].kind, view->syscall.args[slot], buf, room) : 0);
	} else {
		const struct field_desc *desc = &schema->strs[slot - RULE_FIELD_SLOT_STR];
		const struct event_str *s = &view->syscall.strs[slot - RULE_FIELD_SLOT_STR];

		if (desc->kind == FIELD_SOCKADDR) {
			buf = text_room(t, &room);
			text_commit(t, room ? field_string_to_text(desc->kind, s->ptr, s->len, buf, room) : 0);
		} else {
			scratch_append(t, s->ptr, strnlen(s->ptr, s->len));
		}
	}
}

/* The event's slot for evt.arg.X / evt.rawarg.X, or -1. */
static int bound_slot(const struct rule_event *ev, const struct rule_field_arg *arg, const struct event_view **view)
{
	*view = syscall_event(ev);
	return *view ? arg->slot[(*view)->hdr.type] : -1;
}

EXTRACTOR(extract_evt_arg)
{
	const struct event_view *view;
	int slot = bound_slot(ev, arg, &view);
	const struct event_schema *schema;
	struct scratch_text t;

	(void)max;
	if (slot < 0)
		return 0;
	schema = event_schema_for(view->hdr.type);
	/* Text slots need no copy. */
	if (slot >= RULE_FIELD_SLOT_STR && schema->strs[slot - RULE_FIELD_SLOT_STR].kind != FIELD_SOCKADDR)
		return value_slot_str(out, &view->syscall.strs[slot - RULE_FIELD_SLOT_STR]);
	text_begin(&t, scratch);
	slot_text(&t, view, schema, slot);
	return text_value(&t, out);
}

EXTRACTOR(extract_evt_rawarg)
{
	const struct event_view *view;
	int slot = bound_slot(ev, arg, &view);

	if (slot < 0)
		return 0;
	if (slot < RULE_FIELD_SLOT_STR)
		return value_int(out, field_to_number(event_schema_for(view->hdr.type)->args[slot].kind,
						      view->syscall.args[slot]));
	return extract_evt_arg(ev, arg, out, max, scratch);
}

EXTRACTOR(extract_evt_args)
{
	const struct event_view *view = syscall_event(ev);
	const struct event_schema *schema;
	struct scratch_text t;
	bool first = true;

	(void)arg, (void)max;
	if (!view)
		return 0;
	schema = event_schema_for(view->hdr.type);
	text_begin(&t, scratch);
	for (int slot = 0; slot < RULE_FIELD_SLOT_STR + VIGIL_SYSCALL_STRS; slot++) {
		const char *name = slot < VIGIL_SYSCALL_ARGS ? schema->args[slot].name
				   : slot >= RULE_FIELD_SLOT_STR ? schema->strs[slot - RULE_FIELD_SLOT_STR].name
				   : NULL;

		if (!name)
			continue;
		if (!first)
			scratch_append(&t, " ", 1);
		first = false;
		scratch_append_str(&t, name);
		scratch_append(&t, "=", 1);
		slot_text(&t, view, schema, slot);
	}
	return text_value(&t, out);
}

/* An open's flags and mode; false for other events. */
static bool open_flags(const struct rule_event *ev, uint64_t *flags, uint64_t *mode)
{
	const struct event_view *view = syscall_event(ev);
	int flags_slot, mode_slot;

	if (!view || !(RULE_EVENT_BIT(view->hdr.type) & EVENTS_OPEN))
		return false;
	flags_slot = schema_slot(view->hdr.type, WANT_FLAGS);
	mode_slot = schema_slot(view->hdr.type, WANT_MODE);
	if (flags_slot < 0 || mode_slot < 0)
		return false;
	*flags = view->syscall.args[flags_slot];
	*mode = view->syscall.args[mode_slot];
	return true;
}

EXTRACTOR(extract_evt_is_open_read)
{
	uint64_t flags, mode;

	(void)arg, (void)max, (void)scratch;
	if (!open_flags(ev, &flags, &mode))
		return 0;
	return value_bool(out, (flags & OPEN_ACCMODE) == 0 || (flags & OPEN_ACCMODE) == 2);
}

EXTRACTOR(extract_evt_is_open_write)
{
	uint64_t flags, mode;

	(void)arg, (void)max, (void)scratch;
	if (!open_flags(ev, &flags, &mode))
		return 0;
	return value_bool(out, (flags & OPEN_ACCMODE) == 1 || (flags & OPEN_ACCMODE) == 2 ||
				       (flags & (OPEN_CREAT | OPEN_TRUNC)));
}

EXTRACTOR(extract_evt_is_open_exec)
{
	uint64_t flags, mode;

	(void)arg, (void)max, (void)scratch;
	if (!open_flags(ev, &flags, &mode))
		return 0;
	return value_bool(out, (flags & (OPEN_CREAT | OPEN_TMPFILE)) && (mode & 0111));
}

EXTRACTOR(extract_evt_is_open_create)
{
	uint64_t flags, mode;

	(void)arg, (void)max, (void)scratch;
	if (!open_flags(ev, &flags, &mode))
		return 0;
	return value_bool(out, flags & (OPEN_CREAT | OPEN_TMPFILE));
}
