// SPDX-License-Identifier: GPL-2.0
/* The one definition of the maps and settings that bpf/vigil.bpf.h and bpf/enforce.bpf.h declare. */
#include "vigil.bpf.h"
#include "enforce.bpf.h"

struct vigil_events_map events SEC(".maps");
struct vigil_counters_map counters SEC(".maps");
struct vigil_scratch_map scratch SEC(".maps");
struct vigil_task_state_map task_state SEC(".maps");

struct vigil_enforce_config_map enforce_config SEC(".maps");
struct vigil_enforce_terms_map enforce_terms SEC(".maps");
struct vigil_enforce_types_map enforce_types SEC(".maps");
struct vigil_enforce_strings_map enforce_paths SEC(".maps");
struct vigil_enforce_strings_map enforce_sources SEC(".maps");
struct vigil_enforce_strings_map enforce_fstypes SEC(".maps");
struct vigil_task_verdict_map task_verdict SEC(".maps");

const volatile bool monitor_host = false;
const volatile __u64 host_mntns_ino = 0;
const volatile __u32 agent_tgid = 0;
const volatile bool capable_tracepoint = true;

/* When the ring buffer's reader was last woken (bpf_ktime_get_boot_ns); see wakeup_flags. */
__u64 last_wakeup_ns = 0;

char LICENSE[] SEC("license") = "GPL";
