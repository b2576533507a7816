// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "event_json.h"
#include "event_schema.h"
#include "json_writer.h"

static const char *const hook_names[] = {
	[VIGIL_HOOK_TRACEPOINT] = "tracepoint",
	[VIGIL_HOOK_LSM] = "lsm",
};

static json_t *args_array(const char *args, size_t len)
{
	json_t *array = json_array();
	size_t pos = 0;

	while (array && pos < len) {
		const char *start = args + pos;
		const char *nul = memchr(start, '\0', len - pos);
		size_t arg_len = nul ? (size_t)(nul - start) : len - pos;

		json_array_append_new(array, json_untrusted_string(start, arg_len));
		pos += arg_len + 1;
	}
	return array;
}

/* A capability set as the names of its capabilities, in bit order. */
static json_t *capability_array(uint64_t mask)
{
	json_t *array = json_array();
	char name[32];

	for (unsigned int cap = 0; array && cap < 64; cap++) {
		if (!(mask & (1ull << cap)))
			continue;
		field_to_text(FIELD_CAP, cap, name, sizeof(name));
		json_array_append_new(array, json_string(name));
	}
	return array;
}

static json_t *process_brief(const struct process *proc)
{
	return json_pack("{s:I, s:o, s:o}",
			 "pid", (json_int_t)proc->tgid,
			 "comm", json_untrusted_cstring(proc->comm, VIGIL_COMM_LEN),
			 "exe", json_untrusted_cstring(proc->exe, SIZE_MAX));
}

static json_t *proc_object(const struct event_context *ctx)
{
	const struct vigil_event_header *h = &ctx->ev->hdr;
	const struct process *proc = ctx->proc;
	json_t *obj = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
				"pid", (json_int_t)h->tgid, "tid", (json_int_t)h->pid,
				"ppid", (json_int_t)h->ppid, "vpid", (json_int_t)h->vpid,
				"uid", (json_int_t)h->uid, "gid", (json_int_t)h->gid,
				"euid", (json_int_t)h->euid, "egid", (json_int_t)h->egid,
				"loginuid", (json_int_t)h->loginuid,
				"comm", json_untrusted_cstring(h->comm, VIGIL_COMM_LEN),
				"cap_effective", capability_array(h->cap_effective),
				"cap_permitted", capability_array(h->cap_permitted));

	if (!obj)
		return NULL;
	if (proc) {
		json_object_set_new(obj, "exe", json_untrusted_cstring(proc->exe, SIZE_MAX));
		json_object_set_new(obj, "args", args_array(proc->args, proc->args_len));
		json_object_set_new(obj, "cwd", json_untrusted_cstring(proc->cwd, SIZE_MAX));
	} else {
		json_object_set_new(obj, "exe", json_null());
		json_object_set_new(obj, "args", json_null());
		json_object_set_new(obj, "cwd", json_null());
	}
	return obj;
}

json_t *container_summary_json(const struct container_info *info)
{
	json_t *labels = json_object();

	for (size_t i = 0; labels && i < info->n_labels; i++)
		json_object_set_new(labels, info->labels[i].key ? info->labels[i].key : "",
				    json_untrusted_cstring(info->labels[i].value, SIZE_MAX));
	return json_pack("{s:s%, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}}",
			 "id", info->id, (size_t)CONTAINER_SHORT_ID_LEN,
			 "full_id", info->id,
			 "name", json_untrusted_cstring(info->name, SIZE_MAX),
			 "image", json_untrusted_cstring(info->image, SIZE_MAX),
			 "image_repository", json_untrusted_cstring(info->image_repository, SIZE_MAX),
			 "image_tag", json_untrusted_cstring(info->image_tag, SIZE_MAX),
			 "image_digest", json_untrusted_cstring(info->image_digest, SIZE_MAX),
			 "labels", labels,
			 "k8s",
			 "pod_name", json_untrusted_cstring(info->k8s_pod_name, SIZE_MAX),
			 "ns_name", json_untrusted_cstring(info->k8s_ns_name, SIZE_MAX),
			 "pod_uid", json_untrusted_cstring(info->k8s_pod_uid, SIZE_MAX),
			 "container_name", json_untrusted_cstring(info->k8s_container_name, SIZE_MAX));
}

static json_t *container_object(const struct event_context *ctx)
{
	static const char *const metadata_names[] = {
		[CONTAINER_METADATA_KNOWN] = "known",
		[CONTAINER_METADATA_PENDING] = "pending",
		[CONTAINER_METADATA_UNAVAILABLE] = "unavailable",
	};
	const struct container_ref *c = ctx->container;
	json_t *obj;

	if (!c)
		return json_null();
	obj = ctx->container_info ? container_summary_json(ctx->container_info) : json_object();
	if (!obj)
		return NULL;
	if (!ctx->container_info) {
		json_object_set_new(obj, "id", json_stringn(c->id, CONTAINER_SHORT_ID_LEN));
		json_object_set_new(obj, "full_id", json_string(c->id));
	}
	json_object_set_new(obj, "runtime", json_string(container_runtime_name(c->runtime)));
	json_object_set_new(obj, "metadata", json_string(metadata_names[ctx->container_info ? CONTAINER_METADATA_KNOWN
											     : ctx->metadata]));
	return obj;
}

/*
 * A system-call event, by its schema row: every named slot, then the result
 * ("error" names the errno when it failed) and, for capable, the system call
 * that asked.
 */
static json_t *syscall_payload(const struct event_view *ev)
{
	const struct event_schema *schema = event_schema_for(ev->hdr.type);
	json_t *obj = json_object();

	if (!obj || !schema)
		return obj;
	for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
		if (schema->args[i].name)
			json_object_set_new(obj, schema->args[i].name,
					    field_to_json(schema->args[i].kind, ev->syscall.args[i]));
	for (int i = 0; i < VIGIL_SYSCALL_STRS; i++)
		if (schema->strs[i].name)
			json_object_set_new(obj, schema->strs[i].name,
					    field_string_to_json(schema->strs[i].kind, ev->syscall.strs[i].ptr,
								 ev->syscall.strs[i].len));
	json_object_set_new(obj, "result", json_integer(ev->syscall.result));
	if (ev->syscall.result < 0 && ev->syscall.result > -4096 && !event_schema_result_is_value(ev->hdr.type)) {
		const char *name = errno_name((int)-ev->syscall.result);

		json_object_set_new(obj, "error", name ? json_string(name) : json_integer(-ev->syscall.result));
	}
	if (ev->syscall.syscall_nr != (uint32_t)-1)
		json_object_set_new(obj, "syscall", field_to_json(FIELD_SYSCALL, ev->syscall.syscall_nr));
	return obj;
}

static json_t *payload_object(const struct event_view *ev)
{
	switch (ev->hdr.type) {
	case VIGIL_EVENT_EXEC:
		return json_pack("{s:o, s:I, s:b, s:b, s:I, s:b, s:b, s:b, s:I}",
				 "filename", json_untrusted_string(ev->exec.filename.ptr,
								   strnlen(ev->exec.filename.ptr, ev->exec.filename.len)),
				 "argc", (json_int_t)ev->exec.argc,
				 "args_truncated", !!(ev->hdr.flags & VIGIL_F_TRUNCATED_ARGS),
				 "path_truncated", !!(ev->hdr.flags & (VIGIL_F_TRUNCATED_PATH | VIGIL_F_TRUNCATED_FILENAME)),
				 "exe_ino", (json_int_t)ev->exec.exe_ino,
				 "exe_memfd", !!(ev->exec.exe_flags & VIGIL_EXE_MEMFD),
				 "exe_dev_shm", !!(ev->exec.exe_flags & VIGIL_EXE_DEV_SHM),
				 "exe_upper_layer", !!(ev->exec.exe_flags & VIGIL_EXE_UPPER_LAYER),
				 "tty", (json_int_t)ev->exec.tty);
	case VIGIL_EVENT_FORK:
		return json_pack("{s:I, s:I, s:I}",
				 "child_pid", (json_int_t)ev->fork.child_tgid,
				 "child_vpid", (json_int_t)ev->fork.child_vpid,
				 "child_cgroup_id", (json_int_t)ev->fork.child_cgroup_id);
	case VIGIL_EVENT_EXIT:
		return json_pack("{s:I, s:I}",
				 "code", (json_int_t)((ev->exit.exit_code >> 8) & 0xff),
				 "signal", (json_int_t)(ev->exit.exit_code & 0x7f));
	default:
		return syscall_payload(ev);
	}
}

json_t *event_to_json(const struct event_context *ctx)
{
	const struct event_view *ev = ctx->ev;
	const char *type = event_type_name(ev->hdr.type);
	char time[48];
	json_t *root, *ancestors;

	json_format_time((int64_t)ev->hdr.ts_boot_ns + ctx->boot_to_unix_ns, time, sizeof(time));
	ancestors = json_array();
	for (size_t i = 0; ancestors && i < ctx->n_ancestors; i++)
		json_array_append_new(ancestors, process_brief(ctx->ancestors[i]));

	root = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:{s:I, s:o}, s:o, s:{s:I, s:I}, s:o}",
			 "time", time,
			 "type", type ? type : "unknown",
			 "hook", ev->hdr.hook < sizeof(hook_names) / sizeof(hook_names[0]) && hook_names[ev->hdr.hook]
					 ? hook_names[ev->hdr.hook] : "unknown",
			 "proc", proc_object(ctx),
			 "parent", ctx->n_ancestors ? process_brief(ctx->ancestors[0]) : json_null(),
			 "ancestors", ancestors,
			 "cgroup", "id", (json_int_t)ev->hdr.cgroup_id,
				   "path", ctx->cgroup_path ? json_untrusted_cstring(ctx->cgroup_path, SIZE_MAX) : json_null(),
			 "container", container_object(ctx),
			 "ns", "pid", (json_int_t)ev->hdr.pidns_ino, "mnt", (json_int_t)ev->hdr.mntns_ino,
			 type ? type : "payload", payload_object(ev));
	/* The container runtime's own setup, not the container's doing (see VIGIL_F_SETUP). */
	if (root && (ev->hdr.flags & VIGIL_F_SETUP))
		json_object_set_new(root, "setup", json_true());
	return root;
}
