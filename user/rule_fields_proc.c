// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The proc.*, thread.*, user.* and group.* fields: the event's header, the
 * process table's entry of the process and of its ancestors. An exec event
 * describes the image it starts itself; other events read the table.
 */
#include "rule_fields_internal.h"
#include "user_names.h"

/* One process of the event's lineage, as the fields see it. */
struct lineage {
	uint32_t pid;
	uint32_t vpid;              /* 0: unknown */
	const char *comm;
	size_t comm_len;
	const char *exe;            /* the executable's path; NULL: unknown */
	size_t exe_len;
	const char *args;           /* NUL-separated argv, without a last NUL; NULL: unknown */
	size_t args_len;
	const struct process *proc; /* the table's entry; NULL: unknown */
};

static void lineage_from_process(const struct process *proc, struct lineage *out)
{
	out->pid = proc->tgid;
	out->vpid = proc->vpid;
	out->comm = proc->comm;
	out->comm_len = strlen(proc->comm);
	out->exe = proc->exe;
	out->exe_len = strlen(proc->exe);
	out->args = proc->args ? proc->args : "";
	out->args_len = proc->args ? proc->args_len : 0;
	out->proc = proc;
}

/* level 0: the process itself (the event's header and image), 1: its parent, ... */
static bool lineage(const struct rule_event *ev, size_t level, struct lineage *out)
{
	const struct event_context *ctx = ev->ctx;
	const struct event_view *view = event_of(ev);

	memset(out, 0, sizeof(*out));
	if (!view)
		return false;
	if (level > 0) {
		if (level > ctx->n_ancestors)
			return false;
		lineage_from_process(ctx->ancestors[level - 1], out);
		return true;
	}
	if (ctx->proc)
		lineage_from_process(ctx->proc, out);
	out->pid = view->hdr.tgid;
	out->vpid = view->hdr.vpid;
	out->comm = view->hdr.comm;
	out->comm_len = strnlen(view->hdr.comm, VIGIL_COMM_LEN);
	if (view->hdr.type == VIGIL_EVENT_EXEC) {
		out->exe = view->exec.filename.ptr;
		out->exe_len = strnlen(view->exec.filename.ptr, view->exec.filename.len);
		out->args = view->exec.args.ptr;
		out->args_len = view->exec.args.len;
		/* The NUL that ends the last argument (absent when argv was cut). */
		if (out->args_len && out->args[out->args_len - 1] == '\0')
			out->args_len--;
	}
	return true;
}

/* argv[0]'s length; what follows it starts at argv0_len + 1 when argv0_len < args_len. */
static size_t argv0_len(const struct lineage *l)
{
	const char *nul = memchr(l->args, '\0', l->args_len);

	return nul ? (size_t)(nul - l->args) : l->args_len;
}

/* Append bytes with their NULs (argv's separators) turned into spaces. */
static void append_args(struct scratch_text *t, const char *args, size_t len)
{
	struct rule_scratch *s = t->scratch;
	size_t from = s->used;

	scratch_append(t, args, len);
	for (size_t i = from; i < s->used; i++)
		if (s->buf[i] == '\0')
			s->buf[i] = ' ';
}

static size_t exe_value(const struct lineage *l, struct rule_field_value *out)
{
	return l->args ? value_str(out, l->args, argv0_len(l)) : 0;
}

static size_t exepath_value(const struct lineage *l, struct rule_field_value *out)
{
	return l->exe ? value_str(out, l->exe, l->exe_len) : 0;
}

/* "comm arg1 arg2": proc.name and the arguments after argv[0], as Falco's proc.cmdline. */
static size_t cmdline_value(const struct lineage *l, struct rule_field_value *out, struct rule_scratch *scratch)
{
	size_t skip;
	struct scratch_text t;

	if (!l->args)
		return 0;
	skip = argv0_len(l) + 1;
	text_begin(&t, scratch);
	scratch_append(&t, l->comm, l->comm_len);
	if (skip < l->args_len) {
		scratch_append(&t, " ", 1);
		append_args(&t, l->args + skip, l->args_len - skip);
	}
	return text_value(&t, out);
}

/* ---- the process itself ---- */

EXTRACTOR(extract_proc_pid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_uint(out, view->hdr.tgid) : 0;
}

EXTRACTOR(extract_proc_vpid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_uint(out, view->hdr.vpid) : 0;
}

EXTRACTOR(extract_proc_ppid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_uint(out, view->hdr.ppid) : 0;
}

EXTRACTOR(extract_thread_tid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_uint(out, view->hdr.pid) : 0;
}

EXTRACTOR(extract_proc_name)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 0, &l) ? value_str(out, l.comm, l.comm_len) : 0;
}

EXTRACTOR(extract_proc_exe)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 0, &l) ? exe_value(&l, out) : 0;
}

EXTRACTOR(extract_proc_exepath)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 0, &l) ? exepath_value(&l, out) : 0;
}

EXTRACTOR(extract_proc_cmdline)
{
	struct lineage l;

	(void)arg, (void)max;
	return lineage(ev, 0, &l) ? cmdline_value(&l, out, scratch) : 0;
}

EXTRACTOR(extract_proc_args)
{
	struct lineage l;
	struct scratch_text t;
	size_t skip;

	(void)arg, (void)max;
	if (!lineage(ev, 0, &l) || !l.args)
		return 0;
	skip = argv0_len(&l) + 1;
	text_begin(&t, scratch);
	if (skip < l.args_len)
		append_args(&t, l.args + skip, l.args_len - skip);
	return text_value(&t, out);
}

EXTRACTOR(extract_proc_exeline)
{
	struct lineage l;
	struct scratch_text t;

	(void)arg, (void)max;
	if (!lineage(ev, 0, &l) || !l.args)
		return 0;
	text_begin(&t, scratch);
	append_args(&t, l.args, l.args_len);
	return text_value(&t, out);
}

EXTRACTOR(extract_proc_cmdnargs)
{
	struct lineage l;
	uint64_t n = 0;
	size_t skip;

	(void)arg, (void)max, (void)scratch;
	if (!lineage(ev, 0, &l) || !l.args)
		return 0;
	skip = argv0_len(&l) + 1;
	if (skip <= l.args_len) {
		n = 1;
		for (size_t i = skip; i < l.args_len; i++)
			n += l.args[i] == '\0';
	}
	return value_uint(out, n);
}

EXTRACTOR(extract_proc_cmdlenargs)
{
	struct lineage l;
	uint64_t n = 0;
	size_t skip;

	(void)arg, (void)max, (void)scratch;
	if (!lineage(ev, 0, &l) || !l.args)
		return 0;
	skip = argv0_len(&l) + 1;
	for (size_t i = skip; i < l.args_len; i++)
		n += l.args[i] != '\0';
	return value_uint(out, n);
}

EXTRACTOR(extract_proc_cwd)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (!view)
		return 0;
	if (view->hdr.type == VIGIL_EVENT_EXEC)
		return value_slot_str(out, &view->exec.cwd);
	return ev->ctx->proc ? value_cstr(out, ev->ctx->proc->cwd) : 0;
}

EXTRACTOR(extract_proc_tty)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (!view)
		return 0;
	if (view->hdr.type == VIGIL_EVENT_EXEC)
		return value_uint(out, view->exec.tty);
	return ev->ctx->proc ? value_uint(out, ev->ctx->proc->tty) : 0;
}

/* ---- the parent and the ancestors ---- */

EXTRACTOR(extract_proc_pname)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 1, &l) ? value_str(out, l.comm, l.comm_len) : 0;
}

EXTRACTOR(extract_proc_pexe)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 1, &l) ? exe_value(&l, out) : 0;
}

EXTRACTOR(extract_proc_pexepath)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 1, &l) ? exepath_value(&l, out) : 0;
}

EXTRACTOR(extract_proc_pcmdline)
{
	struct lineage l;

	(void)arg, (void)max;
	return lineage(ev, 1, &l) ? cmdline_value(&l, out, scratch) : 0;
}

EXTRACTOR(extract_proc_pvpid)
{
	struct lineage l;

	(void)arg, (void)max, (void)scratch;
	return lineage(ev, 1, &l) && l.vpid ? value_uint(out, l.vpid) : 0;
}

enum ancestor_field { A_NAME, A_PID, A_EXE, A_EXEPATH, A_CMDLINE };

static size_t ancestor_value(const struct lineage *l, enum ancestor_field what, struct rule_field_value *out,
			     struct rule_scratch *scratch)
{
	switch (what) {
	case A_NAME:
		return value_str(out, l->comm, l->comm_len);
	case A_PID:
		return value_uint(out, l->pid);
	case A_EXE:
		return exe_value(l, out);
	case A_EXEPATH:
		return exepath_value(l, out);
	case A_CMDLINE:
		return cmdline_value(l, out, scratch);
	}
	return 0;
}

/* With [N]: level N (0 the process itself); without: every ancestor, parent first. */
static size_t ancestors(const struct rule_event *ev, const struct rule_field_arg *arg, enum ancestor_field what,
			struct rule_field_value *out, size_t max, struct rule_scratch *scratch)
{
	struct lineage l;
	size_t n = 0;

	if (arg->present)
		return arg->index >= 0 && lineage(ev, (size_t)arg->index, &l) ? ancestor_value(&l, what, out, scratch)
									      : 0;
	for (size_t level = 1; n < max && lineage(ev, level, &l); level++)
		n += ancestor_value(&l, what, out + n, scratch);
	return n;
}

EXTRACTOR(extract_proc_aname)
{
	return ancestors(ev, arg, A_NAME, out, max, scratch);
}

EXTRACTOR(extract_proc_apid)
{
	return ancestors(ev, arg, A_PID, out, max, scratch);
}

EXTRACTOR(extract_proc_aexe)
{
	return ancestors(ev, arg, A_EXE, out, max, scratch);
}

EXTRACTOR(extract_proc_aexepath)
{
	return ancestors(ev, arg, A_EXEPATH, out, max, scratch);
}

EXTRACTOR(extract_proc_acmdline)
{
	return ancestors(ev, arg, A_CMDLINE, out, max, scratch);
}

/* ---- the image and the process's age ---- */

/* VIGIL_EXE_* and the inode of the image the process runs: the exec event's, or the table's. */
static bool exe_info(const struct rule_event *ev, uint32_t *flags, uint64_t *ino)
{
	const struct event_view *view = event_of(ev);

	if (!view)
		return false;
	if (view->hdr.type == VIGIL_EVENT_EXEC) {
		*flags = view->exec.exe_flags;
		*ino = view->exec.exe_ino;
		return true;
	}
	if (!ev->ctx->proc)
		return false;
	*flags = ev->ctx->proc->exe_flags;
	*ino = ev->ctx->proc->exe_ino;
	return true;
}

static size_t exe_flag(const struct rule_event *ev, uint32_t flag, struct rule_field_value *out)
{
	uint32_t flags;
	uint64_t ino;

	return exe_info(ev, &flags, &ino) ? value_bool(out, flags & flag) : 0;
}

EXTRACTOR(extract_proc_is_exe_upper_layer)
{
	(void)arg, (void)max, (void)scratch;
	return exe_flag(ev, VIGIL_EXE_UPPER_LAYER, out);
}

EXTRACTOR(extract_proc_is_exe_from_memfd)
{
	(void)arg, (void)max, (void)scratch;
	return exe_flag(ev, VIGIL_EXE_MEMFD, out);
}

EXTRACTOR(extract_proc_is_exe_from_dev_shm)
{
	(void)arg, (void)max, (void)scratch;
	return exe_flag(ev, VIGIL_EXE_DEV_SHM, out);
}

EXTRACTOR(extract_proc_exe_ino)
{
	uint32_t flags;
	uint64_t ino;

	(void)arg, (void)max, (void)scratch;
	return exe_info(ev, &flags, &ino) && ino ? value_uint(out, ino) : 0;
}

/* The event's time minus the start of the process at level (both on the boot clock). */
static size_t age(const struct rule_event *ev, size_t level, struct rule_field_value *out)
{
	const struct event_view *view = event_of(ev);
	struct lineage l;

	if (!lineage(ev, level, &l) || !l.proc || !l.proc->start_ns || l.proc->start_ns > view->hdr.ts_boot_ns)
		return 0;
	return value_uint(out, view->hdr.ts_boot_ns - l.proc->start_ns);
}

EXTRACTOR(extract_proc_duration)
{
	(void)arg, (void)max, (void)scratch;
	return age(ev, 0, out);
}

EXTRACTOR(extract_proc_ppid_duration)
{
	(void)arg, (void)max, (void)scratch;
	return age(ev, 1, out);
}

/* ---- credentials ---- */

static size_t cap_set(const struct rule_event *ev, bool effective, struct rule_field_value *out,
		      struct rule_scratch *scratch)
{
	const struct event_view *view = event_of(ev);
	struct scratch_text t;
	size_t room;
	char *buf;

	if (!view)
		return 0;
	text_begin(&t, scratch);
	buf = text_room(&t, &room);
	text_commit(&t, room ? capability_set_text(effective ? view->hdr.cap_effective : view->hdr.cap_permitted,
						   " ", buf, room)
			     : 0);
	return text_value(&t, out);
}

EXTRACTOR(extract_thread_cap_effective)
{
	(void)arg, (void)max;
	return cap_set(ev, true, out, scratch);
}

EXTRACTOR(extract_thread_cap_permitted)
{
	(void)arg, (void)max;
	return cap_set(ev, false, out, scratch);
}

EXTRACTOR(extract_user_uid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_uint(out, view->hdr.uid) : 0;
}

EXTRACTOR(extract_user_loginuid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (!view)
		return 0;
	return value_int(out, view->hdr.loginuid == (uint32_t)-1 ? -1 : (int64_t)view->hdr.loginuid);
}

EXTRACTOR(extract_group_gid)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	return view ? value_uint(out, view->hdr.gid) : 0;
}

/* The name of a uid or gid in the process's own files; copied, as the next lookup may evict it. */
static size_t id_name(const struct rule_event *ev, bool group, uint32_t id, struct rule_field_value *out,
		      struct rule_scratch *scratch)
{
	const struct vigil_event_header *h = &event_of(ev)->hdr;
	const char *name;

	if (!ev->names)
		name = id == 0 ? "root" : NULL;
	else if (group)
		name = user_names_group(ev->names, h->tgid, h->mntns_ino, id, h->ts_boot_ns);
	else
		name = user_names_user(ev->names, h->tgid, h->mntns_ino, id, h->ts_boot_ns);
	return name ? value_copy(out, scratch, name, strlen(name)) : 0;
}

EXTRACTOR(extract_user_name)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max;
	return view ? id_name(ev, false, view->hdr.uid, out, scratch) : 0;
}

EXTRACTOR(extract_user_loginname)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max;
	if (!view || view->hdr.loginuid == (uint32_t)-1)
		return 0;
	return id_name(ev, false, view->hdr.loginuid, out, scratch);
}

EXTRACTOR(extract_group_name)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max;
	return view ? id_name(ev, true, view->hdr.gid, out, scratch) : 0;
}
