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
struct rule_kernel_needs;

struct loader_options {
	bool monitor_host;
	uint32_t ringbuf_bytes; /* a power of two, at least a page */
	bool verbose;           /* pass libbpf's own messages through */
	/* What the rules need the kernel to see, fed before attaching; NULL: the defaults alone. */
	const struct rule_kernel_needs *rule_needs;
	bool no_lsm;            /* never load the LSM programs, even where the kernel allows them */
	bool enforce_off;       /* enforcement decides and reports, acts on nothing */
};

/*
 * What loading needs from the machine and the process: a recent enough
 * libbpf, root (or CAP_BPF and CAP_PERFMON), kernel BTF, tracefs (mounted
 * if it is not). On failure logs one sentence that says what is missing and
 * how to get it, and returns -errno. Call it before loader_start.
 */
int loader_check_prerequisites(void);

/*
 * Everything up to attached programs. On failure logs one sentence that says
 * what is missing and how to get it, and returns -errno.
 */
int loader_start(const struct loader_options *o, struct vigil_bpf **out);

/*
 * Widen the kernel's filters to what the rules need, while the programs run:
 * their path prefixes and names join the file watch list, their capabilities
 * and socket families join the defaults of the capable and socket programs
 * (the kernel ORs them in). Watched paths are never taken out again: a path
 * that no rule needs any more costs a few events that no rule matches, and
 * the defaults share the maps. Logs each entry that cannot be watched.
 */
void loader_feed_rule_needs(struct vigil_bpf *skel, const struct rule_kernel_needs *needs);
void loader_stop(struct vigil_bpf *skel);

/* Detach every program: no event is written after this returns. */
void loader_detach(struct vigil_bpf *skel);

int loader_events_fd(struct vigil_bpf *skel);

/* Sum the per-CPU counters into totals[type]. 0 or -errno. */
int loader_read_counters(struct vigil_bpf *skel, struct vigil_counters totals[VIGIL_EVENT_TYPE_MAX]);

struct enforce_policy;

/*
 * Put policy in force (NULL: an empty one): written to the set that is not
 * active, then made active, then the old set cleared, so the kernel never
 * decides with half a policy. 0 or -errno (logged).
 */
int loader_set_enforce_policy(struct vigil_bpf *skel, const struct enforce_policy *policy);

/* The event types whose decision an attached LSM program makes (0: none attached, tracepoints only). */
uint64_t loader_lsm_types(struct vigil_bpf *skel);

/* The event types some attached program decides: the LSM programs', and those whose own tracepoint is attached. */
uint64_t loader_decided_types(struct vigil_bpf *skel);

/* The hooks attached, e.g. "exec=tp_btf/sched_process_exec fork=...". */
const char *loader_hooks_summary(struct vigil_bpf *skel, char *buf, size_t size);

#endif /* VIGIL_LOADER_H */
