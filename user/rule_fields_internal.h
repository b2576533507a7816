/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the field table's files share: the masks of event types the rows
 * name, the helpers that fill values and build texts in the scratch space,
 * the slots of the schema the extractors read by name, and the extractors
 * of each family (rule_fields_evt.c, _proc.c, _container.c, _fd.c), which
 * the table in rule_fields.c points at.
 */
#ifndef VIGIL_RULE_FIELDS_INTERNAL_H
#define VIGIL_RULE_FIELDS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event_json.h"
#include "event_schema.h"
#include "rule_fields.h"

#define EVT(t) RULE_EVENT_BIT(VIGIL_EVENT_##t)
#define EVENTS_KERNEL (RULE_EVENTS_ALL & ~RULE_EVENT_BIT(RULE_EVENT_CONTAINER))
#define EVENTS_SYSCALL (EVENTS_KERNEL & ~(EVT(EXEC) | EVT(FORK) | EVT(EXIT)))
#define EVENTS_OPEN (EVT(OPEN) | EVT(OPENAT) | EVT(OPENAT2))
#define EVENTS_LINK (EVT(SYMLINK) | EVT(SYMLINKAT) | EVT(LINK) | EVT(LINKAT))
#define EVENTS_CHMOD (EVT(CHMOD) | EVT(FCHMOD) | EVT(FCHMODAT))
#define EVENTS_FILE (EVENTS_OPEN | EVENTS_LINK | EVENTS_CHMOD)
#define EVENTS_FD (EVENTS_FILE | EVT(CONNECT))

/* The extractor signature, for the declarations below. */
#define EXTRACTOR(name)                                                                                      \
	size_t name(const struct rule_event *ev, const struct rule_field_arg *arg, struct rule_field_value *out, \
		    size_t max, struct rule_scratch *scratch)

/* ---- values ---- */

static inline size_t value_str(struct rule_field_value *out, const char *ptr, size_t len)
{
	out->type = RULE_FIELD_STRING;
	out->str.ptr = ptr;
	out->str.len = len;
	return 1;
}

static inline size_t value_cstr(struct rule_field_value *out, const char *s)
{
	return value_str(out, s, strlen(s));
}

static inline size_t value_uint(struct rule_field_value *out, uint64_t u)
{
	out->type = RULE_FIELD_UINT;
	out->u = u;
	return 1;
}

static inline size_t value_int(struct rule_field_value *out, int64_t i)
{
	out->type = RULE_FIELD_INT;
	out->i = i;
	return 1;
}

static inline size_t value_bool(struct rule_field_value *out, bool b)
{
	out->type = RULE_FIELD_BOOL;
	out->b = b;
	return 1;
}

/* An address (family 4: bytes[0..4), 6: bytes[0..16)) as an IPADDR, or an IPNET of its full length. */
static inline size_t value_ip(struct rule_field_value *out, enum rule_field_type type, uint8_t family,
			      const uint8_t *bytes)
{
	out->type = type;
	memset(out->ip.bytes, 0, sizeof(out->ip.bytes));
	out->ip.family = family;
	memcpy(out->ip.bytes, bytes, family == 4 ? 4 : 16);
	out->ip.prefix = family == 4 ? 32 : 128;
	return 1;
}

/* ---- texts in the scratch space: appends that do not fit are cut ---- */

struct scratch_text {
	struct rule_scratch *scratch;
	size_t start;
};

static inline void text_begin(struct scratch_text *t, struct rule_scratch *scratch)
{
	if (scratch->used > sizeof(scratch->buf))
		scratch->used = sizeof(scratch->buf);
	t->scratch = scratch;
	t->start = scratch->used;
}

void scratch_append(struct scratch_text *t, const char *bytes, size_t len);

static inline void scratch_append_str(struct scratch_text *t, const char *s)
{
	scratch_append(t, s, strlen(s));
}

/* Room for a formatter that writes NUL-terminated text: where, and how much (0: full). */
static inline char *text_room(struct scratch_text *t, size_t *room)
{
	struct rule_scratch *s = t->scratch;

	*room = sizeof(s->buf) - s->used;
	return s->buf + s->used;
}

/* The formatter wrote len bytes (its NUL not counted) into text_room's space. */
static inline void text_commit(struct scratch_text *t, size_t len)
{
	t->scratch->used += len;
}

/* The text so far as one string value. */
static inline size_t text_value(struct scratch_text *t, struct rule_field_value *out)
{
	return value_str(out, t->scratch->buf + t->start, t->scratch->used - t->start);
}

/* A copy of bytes as a string value (a name that may not outlive the next lookup). */
static inline size_t value_copy(struct rule_field_value *out, struct rule_scratch *scratch, const char *s,
				size_t len)
{
	struct scratch_text t;

	text_begin(&t, scratch);
	scratch_append(&t, s, len);
	return text_value(&t, out);
}

/* ---- the event ---- */

static inline const struct event_view *event_of(const struct rule_event *ev)
{
	return ev->ctx ? ev->ctx->ev : NULL;
}

/* A text slot's bytes, up to its NUL. */
static inline size_t value_slot_str(struct rule_field_value *out, const struct event_str *s)
{
	return value_str(out, s->ptr, strnlen(s->ptr, s->len));
}

/*
 * The schema's slots that fields other than evt.arg read, found once by name
 * or kind: the index into args[] (WANT_FD .. WANT_PROTOCOL) or strs[] (the
 * others), -1 when the type has none.
 */
enum slot_want {
	WANT_FD,       /* "fd": connect's socket */
	WANT_FLAGS,    /* "flags": an open's */
	WANT_MODE,     /* "mode": an open's */
	WANT_TYPE,     /* "sock_type": connect's socket type */
	WANT_PROTOCOL, /* "protocol": connect's socket protocol */
	WANT_NAME,     /* "name": an open's name as the process gave it */
	WANT_PATH,     /* the first FIELD_PATH: the path a file event is about */
	WANT_PATH2,    /* the second FIELD_PATH: a link's new name */
	WANT_ADDRESS,  /* the first FIELD_SOCKADDR: connect's address */
	WANT_COUNT,
};
int schema_slot(unsigned int type, enum slot_want want);

/* ---- extractors, by family ---- */

/* rule_fields_evt.c */
EXTRACTOR(extract_evt_type);
EXTRACTOR(extract_evt_time);
EXTRACTOR(extract_evt_time_iso8601);
EXTRACTOR(extract_evt_rawtime);
EXTRACTOR(extract_evt_num);
EXTRACTOR(extract_evt_hostname);
EXTRACTOR(extract_evt_source);
EXTRACTOR(extract_evt_dir);
EXTRACTOR(extract_evt_is_setup);
EXTRACTOR(extract_evt_res);
EXTRACTOR(extract_evt_rawres);
EXTRACTOR(extract_evt_failed);
EXTRACTOR(extract_evt_syscall);
EXTRACTOR(extract_evt_arg);
EXTRACTOR(extract_evt_rawarg);
EXTRACTOR(extract_evt_args);
EXTRACTOR(extract_evt_is_open_read);
EXTRACTOR(extract_evt_is_open_write);
EXTRACTOR(extract_evt_is_open_exec);
EXTRACTOR(extract_evt_is_open_create);

/* rule_fields_proc.c */
EXTRACTOR(extract_proc_pid);
EXTRACTOR(extract_proc_vpid);
EXTRACTOR(extract_proc_ppid);
EXTRACTOR(extract_thread_tid);
EXTRACTOR(extract_proc_name);
EXTRACTOR(extract_proc_exe);
EXTRACTOR(extract_proc_exepath);
EXTRACTOR(extract_proc_cmdline);
EXTRACTOR(extract_proc_args);
EXTRACTOR(extract_proc_exeline);
EXTRACTOR(extract_proc_cmdnargs);
EXTRACTOR(extract_proc_cmdlenargs);
EXTRACTOR(extract_proc_cwd);
EXTRACTOR(extract_proc_tty);
EXTRACTOR(extract_proc_pname);
EXTRACTOR(extract_proc_pexe);
EXTRACTOR(extract_proc_pexepath);
EXTRACTOR(extract_proc_pcmdline);
EXTRACTOR(extract_proc_pvpid);
EXTRACTOR(extract_proc_aname);
EXTRACTOR(extract_proc_apid);
EXTRACTOR(extract_proc_aexe);
EXTRACTOR(extract_proc_aexepath);
EXTRACTOR(extract_proc_acmdline);
EXTRACTOR(extract_proc_is_exe_upper_layer);
EXTRACTOR(extract_proc_is_exe_from_memfd);
EXTRACTOR(extract_proc_is_exe_from_dev_shm);
EXTRACTOR(extract_proc_exe_ino);
EXTRACTOR(extract_proc_duration);
EXTRACTOR(extract_proc_ppid_duration);
EXTRACTOR(extract_thread_cap_effective);
EXTRACTOR(extract_thread_cap_permitted);
EXTRACTOR(extract_user_uid);
EXTRACTOR(extract_user_loginuid);
EXTRACTOR(extract_user_name);
EXTRACTOR(extract_user_loginname);
EXTRACTOR(extract_group_gid);
EXTRACTOR(extract_group_name);

/* rule_fields_container.c */
EXTRACTOR(extract_container_id);
EXTRACTOR(extract_container_full_id);
EXTRACTOR(extract_container_name);
EXTRACTOR(extract_container_image);
EXTRACTOR(extract_container_image_repository);
EXTRACTOR(extract_container_image_tag);
EXTRACTOR(extract_container_image_digest);
EXTRACTOR(extract_container_image_id);
EXTRACTOR(extract_container_type);
EXTRACTOR(extract_container_privileged);
EXTRACTOR(extract_container_cap_add);
EXTRACTOR(extract_container_cap_drop);
EXTRACTOR(extract_container_user);
EXTRACTOR(extract_container_user_root);
EXTRACTOR(extract_container_readonly_rootfs);
EXTRACTOR(extract_container_no_new_privileges);
EXTRACTOR(extract_container_seccomp_unconfined);
EXTRACTOR(extract_container_apparmor_unconfined);
EXTRACTOR(extract_container_memory_limit);
EXTRACTOR(extract_container_pids_limit);
EXTRACTOR(extract_container_cpu_quota);
EXTRACTOR(extract_container_host_network);
EXTRACTOR(extract_container_host_pid);
EXTRACTOR(extract_container_host_ipc);
EXTRACTOR(extract_container_host_uts);
EXTRACTOR(extract_container_host_userns);
EXTRACTOR(extract_container_network_mode);
EXTRACTOR(extract_container_mounts);
EXTRACTOR(extract_container_mount_source);
EXTRACTOR(extract_container_mount_dest);
EXTRACTOR(extract_container_sensitive_mounts);
EXTRACTOR(extract_container_label);
EXTRACTOR(extract_container_devices);
EXTRACTOR(extract_container_action);
EXTRACTOR(extract_container_metadata);
EXTRACTOR(extract_k8s_pod_name);
EXTRACTOR(extract_k8s_ns_name);
EXTRACTOR(extract_k8s_pod_uid);
EXTRACTOR(extract_k8s_container_name);

/* rule_fields_fd.c */
EXTRACTOR(extract_fd_name);
EXTRACTOR(extract_fd_nameraw);
EXTRACTOR(extract_fd_directory);
EXTRACTOR(extract_fd_filename);
EXTRACTOR(extract_fd_typechar);
EXTRACTOR(extract_fd_type);
EXTRACTOR(extract_fd_sockfamily);
EXTRACTOR(extract_fd_num);
EXTRACTOR(extract_fd_sip);
EXTRACTOR(extract_fd_net);
EXTRACTOR(extract_fd_sport);
EXTRACTOR(extract_fd_l4proto);
EXTRACTOR(extract_fd_connected);
EXTRACTOR(extract_fd_sip_name);
EXTRACTOR(extract_fs_path_name);
EXTRACTOR(extract_fs_path_source);
EXTRACTOR(extract_fs_path_target);

#endif /* VIGIL_RULE_FIELDS_INTERNAL_H */
