/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a kill from a tracepoint cannot stop, undone. Without BPF-LSM, a
 * `kill` (or a `deny` that fell back to kill) sends SIGKILL from the system
 * call's tracepoint; the process never returns to user space, but the call
 * itself runs to its end first (measured on 6.18: a SIGKILL sent at
 * sys_enter_mount does not stop the mount). For most operations the effect
 * dies with the process (its new credentials, its file descriptors, its
 * ptrace link). A mount does not: it stays in the mount namespace the process
 * shared with the rest of its container. So the agent takes it down again, at
 * once, from inside that namespace.
 */
#ifndef VIGIL_ENFORCE_UNDO_H
#define VIGIL_ENFORCE_UNDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* The event is a mount that a tracepoint's kill let complete: it needs undoing. */
bool enforce_undo_wanted(const struct event_view *v);

enum undo_result {
	UNDO_DONE,      /* unmounted */
	UNDO_GONE,      /* no process is left in the namespace: the mount went with it */
	UNDO_FAILED,    /* err says why */
};

/*
 * Detach the mount at target (as the killed process gave it: absolute, in its
 * namespace's view) in the mount namespace numbered mntns_ino, entered through
 * a process of proc_root ("/proc") that lives in it. Forks: setns into a mount
 * namespace needs a single-threaded caller.
 */
enum undo_result enforce_undo_mount(const char *proc_root, uint64_t mntns_ino, uint32_t killed_tgid,
				    const char *target, size_t target_len, char *err, size_t errlen);

#endif /* VIGIL_ENFORCE_UNDO_H */
