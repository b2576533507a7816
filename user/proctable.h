/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process table: what vigil knows of each process, so an event can name
 * its parent and ancestors. Seeded from /proc at start, then kept by the
 * fork, exec and exit events. Processes the kernel filtered out (host
 * processes, with host monitoring off) are read from /proc when an event
 * first needs them, and swept when they are gone.
 */
#ifndef VIGIL_PROCTABLE_H
#define VIGIL_PROCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct process {
	uint32_t tgid;
	uint32_t ppid;
	uint32_t vpid;       /* 0 when unknown (read from /proc) */
	uint64_t cgroup_id;  /* 0 when unknown */
	char comm[VIGIL_COMM_LEN + 1];
	char *exe;           /* path of the last exec; may be empty, never NULL */
	char *args;          /* NUL-separated argv */
	size_t args_len;
	char *cwd;           /* never NULL */
	/*
	 * When it started, on the boot clock (ns): its fork event's time; read
	 * from /proc, its starttime; a process whose fork vigil did not see, its
	 * first exec's. 0 when unknown.
	 */
	uint64_t start_ns;
	uint32_t tty;        /* controlling terminal (new_encode_dev), 0 for none */
	/*
	 * Of the image it runs (its last exec; a child's parent's until it execs):
	 * VIGIL_EXE_* and the executable's inode. Read from /proc: memfd and
	 * /dev/shm from the exe link, the inode from the file; 0 when unknown.
	 */
	uint32_t exe_flags;
	uint64_t exe_ino;
	/* Entries read from /proc: their start time (clock ticks), to notice pid reuse when swept. */
	bool from_procfs;
	uint64_t start_time;
};

struct proc_table;

/*
 * procfs: where /proc is ("/proc"; a test's fake tree), or NULL for a table
 * that never reads it (replay of a capture file).
 */
struct proc_table *proc_table_new(const char *procfs);
void proc_table_free(struct proc_table *t);

/* Read every process in procfs. Returns how many were read, or -errno. */
int proc_table_seed(struct proc_table *t);

/* The process, read from procfs on a miss; NULL when unknown. */
const struct process *proc_table_get(struct proc_table *t, uint32_t tgid);

/* Keep the table in step with one event (exec replaces the image, fork adds the child). */
void proc_table_apply(struct proc_table *t, const struct event_view *ev);
/* The process exited: forget it (after the exit event was reported). */
void proc_table_remove(struct proc_table *t, uint32_t tgid);

/*
 * Fill out[] with the ancestors of tgid, parent first, at most max, stopping
 * at pid 1, pid 0, an unknown process or a loop. Returns how many.
 */
size_t proc_table_ancestors(struct proc_table *t, uint32_t tgid, const struct process **out, size_t max);

/* Drop entries read from procfs whose process is gone. Returns how many went. */
size_t proc_table_sweep(struct proc_table *t);

size_t proc_table_size(const struct proc_table *t);

/* ---- capture and replay (user/capture_state.c) ---- */

/* What the table took in from procfs. */
enum proc_table_change {
	PROC_TABLE_READ,  /* an entry read from procfs: by proc_table_seed, or on a miss */
	PROC_TABLE_SWEPT, /* an entry proc_table_sweep is about to drop */
};

/* Told of each change, with the entry concerned (valid only during the call). */
typedef void (*proc_table_observer_fn)(enum proc_table_change change, const struct process *proc, void *ctx);

/*
 * Set (fn NULL: remove) the table's one observer. Returns the ctx of the
 * observer it replaces (NULL when none), so its owner can free it.
 */
void *proc_table_set_observer(struct proc_table *t, proc_table_observer_fn fn, void *ctx);

/*
 * Put a copy of proc into the table, replacing any entry of its tgid (replay,
 * keyframes). The observer is not told. 0, -EINVAL when exe or cwd is NULL or
 * args is NULL with args_len not 0, -ENOMEM.
 */
int proc_table_put(struct proc_table *t, const struct process *proc);

/* Forget every entry. */
void proc_table_clear(struct proc_table *t);

/*
 * Call fn on every entry, in no particular order, until it returns non-zero;
 * returns that value, or 0. fn must not change the table.
 */
int proc_table_foreach(const struct proc_table *t, int (*fn)(const struct process *proc, void *ctx), void *ctx);

#endif /* VIGIL_PROCTABLE_H */
