/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side's life: check what the kernel and the process need, open the
 * skeleton, set the filters, load, attach; read the counters; detach.
 */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "vigil_event.h"

struct vigil_bpf;

struct loader_options {
	bool monitor_host;
	uint32_t ringbuf_bytes; /* a power of two, at least a page */
	bool verbose;           /* pass libbpf's own messages through */
};

/*
 * Everything up to attached programs. On failure logs one sentence that says
 * what is missing and how to get it, and returns -errno.
 */
int loader_start(const struct loader_options *o, struct vigil_bpf **out);
void loader_stop(struct vigil_bpf *skel);

/* Detach every program: no event is written after this returns. */
void loader_detach(struct vigil_bpf *skel);

int loader_events_fd(struct vigil_bpf *skel);

/* Sum the per-CPU counters into totals[type]. 0 or -errno. */
int loader_read_counters(struct vigil_bpf *skel, struct vigil_counters totals[VIGIL_EVENT_TYPE_MAX]);

/* The hooks attached, e.g. "exec=tp_btf/sched_process_exec fork=...". */
const char *loader_hooks_summary(struct vigil_bpf *skel, char *buf, size_t size);

#endif /* VIGIL_LOADER_H */
