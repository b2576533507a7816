/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The state the event path reads from the host, as capture records: so that
 * a capture stands alone, and replay needs neither /proc, the cgroup tree,
 * the Engine API nor the container's /etc/passwd.
 *
 * The pipeline is deterministic given its inputs. Its inputs are the kernel's
 * records and what its parts read from the host while handling them: the
 * process table's /proc reads and sweeps, the cgroup resolver's answers, the
 * container table's Engine API results, user/group/host names. Live, each part
 * tells an observer what it took in, and that becomes a record, written
 * before the event that caused the read (the pipeline writes an event's own
 * record after handling it). On replay each record is put back into the same
 * part, which then answers the event exactly as it answered live.
 *
 * A keyframe (KEYFRAME, then every piece of state the parts hold, then
 * KEYFRAME_END) starts every file and is what lets a file, or the in-memory
 * ring of capture-on-alert, be replayed without what came before it.
 *
 * The bodies are JSON objects (docs/CAPTURE_RECORDS.md), parsed here with
 * every field type-checked: a capture file is untrusted input.
 *
 * Replay parts are the ones that read nothing: proc_table_new(NULL),
 * cgroup_resolver_new_replay(), container_table_new_replay(api: as live had
 * an Engine API or not), user_names_new_replay().
 */
#ifndef VIGIL_CAPTURE_STATE_H
#define VIGIL_CAPTURE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "capture_file.h"
#include "cgroup.h"
#include "containers.h"
#include "proctable.h"
#include "user_names.h"

/* The parts whose state is recorded or restored. Any may be NULL (then nothing of it is). */
struct capture_state_parts {
	struct proc_table *procs;
	struct cgroup_resolver *cgroups;
	struct container_table *containers;
	struct user_names *names;
	/*
	 * Replay: a CONTAINER record applied to the container table announces
	 * containers as the live drain did (pipeline_announce_container).
	 */
	void (*announce)(const struct container_info *info, const char *action, void *ctx);
	void *announce_ctx;
};

/* Where records go: called on the pipeline's thread, the record valid only during the call. */
typedef void (*capture_emit_fn)(const struct capture_record *rec, void *ctx);

/*
 * Live: set an observer on each part so that every piece of state it takes
 * in from the host is emitted as a record (time: now, on the wall clock).
 * The container table then keeps each container's raw Engine API answer.
 * Call it before the first container_table_drain: a container learnt before
 * has no answer to put in a keyframe (a replay of that keyframe knows it as
 * "metadata unavailable"). A record that cannot be encoded (out of memory)
 * is replaced by a LOST record. Each part has one observer, and these are
 * capture_state's: observing again replaces the earlier ones. Returns 0, or
 * -ENOMEM.
 */
int capture_state_observe(const struct capture_state_parts *parts, capture_emit_fn emit, void *ctx);
/* Remove the observers (before freeing the parts: the observers' memory is freed here). */
void capture_state_unobserve(const struct capture_state_parts *parts);

/*
 * Emit a keyframe: KEYFRAME (the count of each part's records that follow),
 * a record for every piece of state held, KEYFRAME_END; each record with
 * time_ns. 0 or -ENOMEM (the keyframe then ends early, without KEYFRAME_END).
 */
int capture_state_keyframe(const struct capture_state_parts *parts, int64_t time_ns, capture_emit_fn emit, void *ctx);

/*
 * Replay: apply one state record (any kind but EVENT and TICK) to the parts.
 * A KEYFRAME clears the parts' state; what follows up to KEYFRAME_END loads
 * it without announcing (a keyframe's CONTAINER records say so themselves:
 * they carry "state", where a live result carries "result"). A part that is
 * NULL is left alone, but its records are still checked whole. LOST is
 * checked and changes nothing. 0, or -EINVAL with a sentence in err for a
 * body that does not parse (the record is then ignored, nothing changed:
 * the caller reports it and goes on), -ENOMEM. The sentence quotes the file
 * only escaped (text_escape.h); err may be NULL.
 */
int capture_state_apply(const struct capture_state_parts *parts, const struct capture_record *rec, char *err,
			size_t errlen);

#endif /* VIGIL_CAPTURE_STATE_H */
