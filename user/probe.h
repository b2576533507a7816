/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this kernel allows, found by trying: each kind of hook is loaded and
 * attached once. The agent picks its hooks from the answers; `vigil probe`
 * prints them.
 */
#ifndef VIGIL_PROBE_H
#define VIGIL_PROBE_H

#include <stdbool.h>
#include <stdio.h>

enum probe_feature {
	PROBE_BTF,
	PROBE_RINGBUF,
	PROBE_TRACEFS,
	PROBE_TRACEPOINT,
	PROBE_TP_BTF,
	PROBE_RAW_TP,
	PROBE_FENTRY,
	PROBE_KPROBE,
	PROBE_LSM_LISTED,
	PROBE_LSM_LOADS,
	PROBE_FEATURE_COUNT,
};

struct probe_result {
	bool available;
	char detail[160]; /* why not, or where */
};

struct kernel_features {
	struct probe_result f[PROBE_FEATURE_COUNT];
	char kernel_release[128];
	char lsm_list[256];
};

/* Probe everything; needs root for the program loads. */
void probe_kernel(struct kernel_features *kf);

/* Mount tracefs at /sys/kernel/tracing if it is not mounted anywhere. 0 or -errno. */
int probe_ensure_tracefs(char *detail, size_t size);

const char *probe_feature_name(enum probe_feature f);

/*
 * Whether the hook a BPF program's section names exists in this kernel:
 * "tracepoint/<category>/<name>" in tracefs, "tp_btf/<name>" in the kernel's
 * BTF, "lsm/<hook>" as bpf_lsm_<hook> in the kernel's BTF. Other kinds are
 * taken as present (loading tells). When absent, says why in `why`.
 */
bool probe_hook_exists(const char *section, char *why, size_t size);

/* The report `vigil probe` prints. */
void probe_print(const struct kernel_features *kf, FILE *out);

#endif /* VIGIL_PROBE_H */
