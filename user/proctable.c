// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proctable.h"
#include "u64map.h"

struct proc_table {
	struct u64map *by_tgid;
	char *procfs;
	uint64_t ns_per_tick; /* /proc's starttime is in clock ticks */
	proc_table_observer_fn observer;
	void *observer_ctx;
};

static void process_free(void *p)
{
	struct process *proc = p;

	if (!proc)
		return;
	free(proc->exe);
	free(proc->args);
	free(proc->cwd);
	free(proc);
}

struct proc_table *proc_table_new(const char *procfs)
{
	struct proc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->by_tgid = u64map_new();
	t->procfs = procfs ? strdup(procfs) : NULL;
	t->ns_per_tick = sysconf(_SC_CLK_TCK) > 0 ? 1000000000ull / sysconf(_SC_CLK_TCK) : 10000000;
	if (!t->by_tgid || (procfs && !t->procfs)) {
		proc_table_free(t);
		return NULL;
	}
	return t;
}

void proc_table_free(struct proc_table *t)
{
	if (!t)
		return;
	u64map_free(t->by_tgid, process_free);
	free(t->procfs);
	free(t);
}

size_t proc_table_size(const struct proc_table *t)
{
	return u64map_size(t->by_tgid);
}

static char *copy_bytes(const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* Insert or replace; the table owns proc afterwards. */
static struct process *table_put(struct proc_table *t, struct process *proc)
{
	void *old = NULL;

	if (!proc->exe || !proc->cwd || (proc->args_len && !proc->args) ||
	    u64map_put(t->by_tgid, proc->tgid, proc, &old)) {
		process_free(proc);
		return NULL;
	}
	process_free(old);
	return proc;
}

/* Read a whole small file under procfs; returns its length or -1. */
static ssize_t read_proc_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t total = 0;

	if (fd < 0)
		return -1;
	while (total < size) {
		ssize_t n = read(fd, buf + total, size - total);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	return total;
}

/*
 * Parse /proc/<pid>/stat: "pid (comm) state ppid pgrp session tty_nr ...
 * starttime(22nd) ...". comm may hold spaces and ')', so the fields start
 * after the LAST ')'.
 */
static int parse_stat(const char *stat, size_t len, char comm[VIGIL_COMM_LEN + 1],
		      uint32_t *ppid, uint32_t *tty, uint64_t *start_time)
{
	const char *open_paren = memchr(stat, '(', len);
	const char *close_paren = NULL;
	unsigned long long fields[20];
	size_t comm_len;
	char tail[512];

	for (const char *p = stat + len; p > stat; p--)
		if (p[-1] == ')') {
			close_paren = p - 1;
			break;
		}
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -1;
	comm_len = close_paren - open_paren - 1;
	if (comm_len > VIGIL_COMM_LEN)
		comm_len = VIGIL_COMM_LEN;
	memcpy(comm, open_paren + 1, comm_len);
	comm[comm_len] = '\0';

	len -= close_paren + 1 - stat;
	if (len >= sizeof(tail))
		len = sizeof(tail) - 1;
	memcpy(tail, close_paren + 1, len);
	tail[len] = '\0';
	/* Fields 3..22: state, ppid, ..., starttime. */
	if (sscanf(tail, " %*c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &fields[0], &fields[1], &fields[2], &fields[3], &fields[4], &fields[5], &fields[6],
		   &fields[7], &fields[8], &fields[9], &fields[10], &fields[11], &fields[12],
		   &fields[13], &fields[14], &fields[15], &fields[16], &fields[17], &fields[18]) != 19)
		return -1;
	*ppid = (uint32_t)fields[0];
	*tty = (uint32_t)fields[3];
	*start_time = fields[18];
	return 0;
}

static struct process *read_from_procfs(struct proc_table *t, uint32_t tgid)
{
	char path[256], buf[4096], link[4096];
	struct process *proc;
	struct stat st;
	ssize_t n;

	if (!t->procfs || tgid == 0)
		return NULL;
	proc = calloc(1, sizeof(*proc));
	if (!proc)
		return NULL;
	proc->tgid = tgid;
	proc->from_procfs = true;

	snprintf(path, sizeof(path), "%s/%u/stat", t->procfs, tgid);
	n = read_proc_file(path, buf, sizeof(buf));
	if (n <= 0 || parse_stat(buf, n, proc->comm, &proc->ppid, &proc->tty, &proc->start_time)) {
		free(proc);
		return NULL;
	}
	proc->start_ns = proc->start_time * t->ns_per_tick;

	/* Kernel threads and exited processes have no exe: keep it empty. */
	snprintf(path, sizeof(path), "%s/%u/exe", t->procfs, tgid);
	n = readlink(path, link, sizeof(link) - 1);
	proc->exe = copy_bytes(link, n > 0 ? (size_t)n : 0);
	if (proc->exe) {
		/* What the exec event would have said, where the link tells it. */
		if (!strncmp(proc->exe, "/memfd:", 7))
			proc->exe_flags |= VIGIL_EXE_MEMFD;
		else if (!strncmp(proc->exe, "/dev/shm/", 9))
			proc->exe_flags |= VIGIL_EXE_DEV_SHM;
	}
	if (proc->tty)
		proc->exe_flags |= VIGIL_EXE_HAS_TTY;
	if (!stat(path, &st))
		proc->exe_ino = st.st_ino;

	snprintf(path, sizeof(path), "%s/%u/cmdline", t->procfs, tgid);
	n = read_proc_file(path, buf, sizeof(buf));
	if (n > 0) {
		/* The last NUL ends the last argument; keep the separators only. */
		if (buf[n - 1] == '\0')
			n--;
		proc->args = copy_bytes(buf, n);
		proc->args_len = n;
	}

	snprintf(path, sizeof(path), "%s/%u/cwd", t->procfs, tgid);
	n = readlink(path, link, sizeof(link) - 1);
	proc->cwd = copy_bytes(link, n > 0 ? (size_t)n : 0);
	proc = table_put(t, proc);
	if (proc && t->observer)
		t->observer(PROC_TABLE_READ, proc, t->observer_ctx);
	return proc;
}

int proc_table_seed(struct proc_table *t)
{
	struct dirent *de;
	DIR *dir;
	int count = 0;

	if (!t->procfs)
		return 0;
	dir = opendir(t->procfs);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char *end;
		unsigned long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || pid == 0 || pid > UINT32_MAX)
			continue;
		if (read_from_procfs(t, (uint32_t)pid))
			count++;
	}
	closedir(dir);
	return count;
}

const struct process *proc_table_get(struct proc_table *t, uint32_t tgid)
{
	struct process *proc = u64map_get(t->by_tgid, tgid);

	return proc ? proc : read_from_procfs(t, tgid);
}

static void apply_exec(struct proc_table *t, const struct event_view *ev)
{
	const struct process *old = u64map_get(t->by_tgid, ev->hdr.tgid);
	struct process *proc = calloc(1, sizeof(*proc));

	if (!proc)
		return;
	/* An exec keeps the process: its start is its fork's. */
	proc->start_ns = old && old->start_ns ? old->start_ns : ev->hdr.ts_boot_ns;
	proc->tty = ev->exec.tty;
	proc->exe_flags = ev->exec.exe_flags;
	proc->exe_ino = ev->exec.exe_ino;
	proc->tgid = ev->hdr.tgid;
	proc->ppid = ev->hdr.ppid;
	proc->vpid = ev->hdr.vpid;
	proc->cgroup_id = ev->hdr.cgroup_id;
	memcpy(proc->comm, ev->hdr.comm, VIGIL_COMM_LEN);
	proc->comm[strnlen(proc->comm, VIGIL_COMM_LEN)] = '\0';
	proc->exe = copy_bytes(ev->exec.filename.ptr, strnlen(ev->exec.filename.ptr, ev->exec.filename.len));
	proc->args_len = ev->exec.args.len;
	/* Drop the NUL that ends the last argument, as for /proc/<pid>/cmdline. */
	if (proc->args_len && ev->exec.args.ptr[proc->args_len - 1] == '\0')
		proc->args_len--;
	proc->args = copy_bytes(ev->exec.args.ptr, proc->args_len);
	proc->cwd = copy_bytes(ev->exec.cwd.ptr, strnlen(ev->exec.cwd.ptr, ev->exec.cwd.len));
	table_put(t, proc);
}

static void apply_fork(struct proc_table *t, const struct event_view *ev)
{
	const struct process *parent = proc_table_get(t, ev->hdr.tgid);
	struct process *child = calloc(1, sizeof(*child));

	if (!child)
		return;
	/* The child runs the parent's image until it execs. */
	child->tgid = ev->fork.child_tgid;
	child->ppid = ev->hdr.tgid;
	child->vpid = ev->fork.child_vpid;
	child->cgroup_id = ev->fork.child_cgroup_id;
	child->start_ns = ev->hdr.ts_boot_ns;
	memcpy(child->comm, ev->hdr.comm, VIGIL_COMM_LEN);
	child->comm[strnlen(child->comm, VIGIL_COMM_LEN)] = '\0';
	if (parent) {
		child->tty = parent->tty;
		child->exe_flags = parent->exe_flags;
		child->exe_ino = parent->exe_ino;
		child->exe = strdup(parent->exe);
		child->cwd = strdup(parent->cwd);
		child->args_len = parent->args_len;
		child->args = parent->args ? copy_bytes(parent->args, parent->args_len) : NULL;
	} else {
		child->exe = strdup("");
		child->cwd = strdup("");
	}
	table_put(t, child);
}

void proc_table_apply(struct proc_table *t, const struct event_view *ev)
{
	switch (ev->hdr.type) {
	case VIGIL_EVENT_EXEC:
		apply_exec(t, ev);
		break;
	case VIGIL_EVENT_FORK:
		apply_fork(t, ev);
		break;
	default:
		break;
	}
}

void proc_table_remove(struct proc_table *t, uint32_t tgid)
{
	process_free(u64map_remove(t->by_tgid, tgid));
}

size_t proc_table_ancestors(struct proc_table *t, uint32_t tgid, const struct process **out, size_t max)
{
	const struct process *proc = proc_table_get(t, tgid);
	size_t n = 0;

	while (proc && n < max && proc->ppid > 0 && proc->ppid != proc->tgid) {
		const struct process *parent = proc_table_get(t, proc->ppid);

		if (!parent)
			break;
		for (size_t i = 0; i < n; i++)
			if (out[i] == parent)
				return n; /* a loop: stale entries after pid reuse */
		out[n++] = parent;
		if (parent->tgid == 1)
			break;
		proc = parent;
	}
	return n;
}

size_t proc_table_sweep(struct proc_table *t)
{
	uint64_t stale[256];
	size_t found, removed = 0;

	if (!t->procfs)
		return 0;
	do {
		size_t it = 0;
		uint64_t key;
		void *value;

		found = 0;
		while (found < sizeof(stale) / sizeof(stale[0]) && u64map_next(t->by_tgid, &it, &key, &value)) {
			struct process *proc = value;
			char path[256], buf[4096], comm[VIGIL_COMM_LEN + 1];
			uint32_t ppid, tty;
			uint64_t start_time;
			ssize_t n;

			if (!proc->from_procfs)
				continue;
			snprintf(path, sizeof(path), "%s/%u/stat", t->procfs, proc->tgid);
			n = read_proc_file(path, buf, sizeof(buf));
			if (n > 0 && !parse_stat(buf, n, comm, &ppid, &tty, &start_time) &&
			    start_time == proc->start_time)
				continue;
			stale[found++] = key;
		}
		for (size_t i = 0; i < found; i++) {
			if (t->observer)
				t->observer(PROC_TABLE_SWEPT, u64map_get(t->by_tgid, stale[i]), t->observer_ctx);
			proc_table_remove(t, (uint32_t)stale[i]);
		}
		removed += found;
	} while (found == sizeof(stale) / sizeof(stale[0]));
	return removed;
}

void *proc_table_set_observer(struct proc_table *t, proc_table_observer_fn fn, void *ctx)
{
	void *old = t->observer_ctx;

	t->observer = fn;
	t->observer_ctx = fn ? ctx : NULL;
	return old;
}

int proc_table_put(struct proc_table *t, const struct process *proc)
{
	struct process *copy;

	if (!proc->exe || !proc->cwd || (proc->args_len && !proc->args))
		return -EINVAL;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *proc;
	copy->comm[VIGIL_COMM_LEN] = '\0';
	copy->exe = strdup(proc->exe);
	copy->cwd = strdup(proc->cwd);
	copy->args = proc->args ? copy_bytes(proc->args, proc->args_len) : NULL;
	if (proc->args && !copy->args) {
		free(copy->exe);
		copy->exe = NULL; /* table_put frees it and fails */
	}
	return table_put(t, copy) ? 0 : -ENOMEM;
}

void proc_table_clear(struct proc_table *t)
{
	u64map_clear(t->by_tgid, process_free);
}

int proc_table_foreach(const struct proc_table *t, int (*fn)(const struct process *proc, void *ctx), void *ctx)
{
	size_t it = 0;
	uint64_t key;
	void *value;
	int ret;

	while (u64map_next(t->by_tgid, &it, &key, &value))
		if ((ret = fn(value, ctx)))
			return ret;
	return 0;
}
