// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fd.* and fs.path.* fields: what a file event is about (its path) and
 * whom a connect talks to (its address). vigil keeps no table of open files:
 * these come from the event's own slots.
 */
#include "rule_fields_internal.h"
#include "user_names.h"

#define AF_INET_ 2
#define AF_INET6_ 10

enum fd_kind { FD_NONE, FD_FILE, FD_IPV4, FD_IPV6, FD_UNIX };

struct fd_view {
	enum fd_kind kind;
	const struct event_view *view;
	const struct event_str *path; /* FD_FILE */
	struct sockaddr_view sa;      /* sockets; an IPv4-mapped IPv6 address is IPv4 here, as Falco has it */
};

static bool fd_of(const struct rule_event *ev, struct fd_view *out)
{
	const struct event_view *view = event_of(ev);
	int slot;

	memset(out, 0, sizeof(*out));
	if (!view || !event_type_is_syscall(view->hdr.type))
		return false;
	out->view = view;
	if (RULE_EVENT_BIT(view->hdr.type) & EVENTS_FILE) {
		slot = schema_slot(view->hdr.type, WANT_PATH);
		if (slot < 0)
			return false;
		out->kind = FD_FILE;
		out->path = &view->syscall.strs[slot];
		return true;
	}
	slot = schema_slot(view->hdr.type, WANT_ADDRESS);
	if (slot < 0 || !sockaddr_parse(view->syscall.strs[slot].ptr, view->syscall.strs[slot].len, &out->sa))
		return false;
	if (out->sa.family == AF_INET6_) {
		static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

		if (!memcmp(out->sa.addr, v4_mapped, sizeof(v4_mapped))) {
			memmove(out->sa.addr, out->sa.addr + 12, 4);
			memset(out->sa.addr + 4, 0, 12);
			out->sa.family = AF_INET_;
		}
	}
	out->kind = out->sa.family == AF_INET_ ? FD_IPV4 : out->sa.family == AF_INET6_ ? FD_IPV6 : FD_UNIX;
	return true;
}

static bool fd_is_ip(const struct fd_view *fd)
{
	return fd->kind == FD_IPV4 || fd->kind == FD_IPV6;
}

/* A file event's path. */
static size_t file_path(const struct rule_event *ev, struct rule_field_value *out)
{
	struct fd_view fd;

	return fd_of(ev, &fd) && fd.kind == FD_FILE ? value_slot_str(out, fd.path) : 0;
}

EXTRACTOR(extract_fd_name)
{
	struct fd_view fd;
	struct scratch_text t;
	size_t room;
	char *buf;

	(void)arg, (void)max;
	if (!fd_of(ev, &fd))
		return 0;
	if (fd.kind == FD_FILE)
		return value_slot_str(out, fd.path);
	if (fd.kind == FD_UNIX && !fd.sa.abstract)
		return value_str(out, fd.sa.path, fd.sa.path_len);
	text_begin(&t, scratch);
	buf = text_room(&t, &room);
	text_commit(&t, room ? sockaddr_text(&fd.sa, buf, room) : 0);
	return text_value(&t, out);
}

EXTRACTOR(extract_fd_nameraw)
{
	const struct event_view *view = event_of(ev);
	int slot;

	(void)arg, (void)max, (void)scratch;
	if (!view || !(RULE_EVENT_BIT(view->hdr.type) & EVENTS_OPEN))
		return 0;
	slot = schema_slot(view->hdr.type, WANT_NAME);
	return slot >= 0 ? value_slot_str(out, &view->syscall.strs[slot]) : 0;
}

EXTRACTOR(extract_fd_directory)
{
	const char *slash;

	(void)arg, (void)max, (void)scratch;
	if (!file_path(ev, out))
		return 0;
	slash = memrchr(out->str.ptr, '/', out->str.len);
	if (!slash)
		return 0; /* a relative name (a symlink's text): no folder to say */
	return value_str(out, out->str.ptr, slash == out->str.ptr ? 1 : (size_t)(slash - out->str.ptr));
}

EXTRACTOR(extract_fd_filename)
{
	const char *slash;

	(void)arg, (void)max, (void)scratch;
	if (!file_path(ev, out))
		return 0;
	slash = memrchr(out->str.ptr, '/', out->str.len);
	if (slash)
		value_str(out, slash + 1, out->str.len - (size_t)(slash + 1 - out->str.ptr));
	return 1;
}

EXTRACTOR(extract_fd_typechar)
{
	static const char *const chars[] = { [FD_FILE] = "f", [FD_IPV4] = "4", [FD_IPV6] = "6", [FD_UNIX] = "u" };
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	return fd_of(ev, &fd) ? value_cstr(out, chars[fd.kind]) : 0;
}

EXTRACTOR(extract_fd_type)
{
	static const char *const names[] = {
		[FD_FILE] = "file", [FD_IPV4] = "ipv4", [FD_IPV6] = "ipv6", [FD_UNIX] = "unix",
	};
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	return fd_of(ev, &fd) ? value_cstr(out, names[fd.kind]) : 0;
}

EXTRACTOR(extract_fd_sockfamily)
{
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	if (!fd_of(ev, &fd) || fd.kind == FD_FILE)
		return 0;
	return value_cstr(out, fd.kind == FD_UNIX ? "unix" : "ip");
}

EXTRACTOR(extract_fd_num)
{
	const struct event_view *view = event_of(ev);
	int slot;

	(void)arg, (void)max, (void)scratch;
	if (!view || !event_type_is_syscall(view->hdr.type))
		return 0;
	if (RULE_EVENT_BIT(view->hdr.type) & EVENTS_OPEN)
		return view->syscall.result >= 0 ? value_int(out, view->syscall.result) : 0;
	if (view->hdr.type != VIGIL_EVENT_CONNECT)
		return 0;
	slot = schema_slot(view->hdr.type, WANT_FD);
	return slot >= 0 ? value_int(out, (int32_t)view->syscall.args[slot]) : 0;
}

EXTRACTOR(extract_fd_sip)
{
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	if (!fd_of(ev, &fd) || !fd_is_ip(&fd))
		return 0;
	return value_ip(out, RULE_FIELD_IPADDR, fd.kind == FD_IPV4 ? 4 : 6, fd.sa.addr);
}

EXTRACTOR(extract_fd_net)
{
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	if (!fd_of(ev, &fd) || !fd_is_ip(&fd))
		return 0;
	return value_ip(out, RULE_FIELD_IPNET, fd.kind == FD_IPV4 ? 4 : 6, fd.sa.addr);
}

EXTRACTOR(extract_fd_sport)
{
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	return fd_of(ev, &fd) && fd_is_ip(&fd) ? value_uint(out, fd.sa.port) : 0;
}

/* From the socket's type and protocol (both 0: connect's fd was no socket). */
EXTRACTOR(extract_fd_l4proto)
{
	enum { SOCK_STREAM_ = 1, SOCK_DGRAM_ = 2, SOCK_RAW_ = 3 };
	enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58 };
	struct fd_view fd;
	int type_slot, protocol_slot;
	uint64_t type = 0, protocol = 0;

	(void)arg, (void)max, (void)scratch;
	if (!fd_of(ev, &fd) || !fd_is_ip(&fd))
		return 0;
	type_slot = schema_slot(fd.view->hdr.type, WANT_TYPE);
	protocol_slot = schema_slot(fd.view->hdr.type, WANT_PROTOCOL);
	if (type_slot >= 0)
		type = fd.view->syscall.args[type_slot] & 0xf; /* without SOCK_NONBLOCK, SOCK_CLOEXEC */
	if (protocol_slot >= 0)
		protocol = fd.view->syscall.args[protocol_slot];
	if (!type && !protocol)
		return 0;
	if (type == SOCK_RAW_)
		return value_cstr(out, "raw");
	if (protocol == PROTO_ICMP || protocol == PROTO_ICMPV6)
		return value_cstr(out, "icmp");
	if (type == SOCK_STREAM_ || protocol == PROTO_TCP)
		return value_cstr(out, "tcp");
	if (type == SOCK_DGRAM_ || protocol == PROTO_UDP)
		return value_cstr(out, "udp");
	return value_cstr(out, "unknown");
}

EXTRACTOR(extract_fd_connected)
{
	struct fd_view fd;

	(void)arg, (void)max, (void)scratch;
	return fd_of(ev, &fd) && fd.kind != FD_FILE ? value_bool(out, fd.view->syscall.result == 0) : 0;
}

EXTRACTOR(extract_fd_sip_name)
{
	const char *names[RULE_FIELD_VALUES_MAX];
	struct fd_view fd;
	size_t n;

	(void)arg;
	if (!ev->names || !fd_of(ev, &fd) || !fd_is_ip(&fd))
		return 0;
	if (max > RULE_FIELD_VALUES_MAX)
		max = RULE_FIELD_VALUES_MAX;
	n = user_names_hosts(ev->names, fd.kind == FD_IPV4 ? 4 : 6, fd.sa.addr, names, max, fd.view->hdr.ts_boot_ns);
	/* Copied: the next look at the file may read it again. */
	for (size_t i = 0; i < n; i++)
		value_copy(&out[i], scratch, names[i], strlen(names[i]));
	return n;
}

EXTRACTOR(extract_fs_path_name)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (!view || !(RULE_EVENT_BIT(view->hdr.type) & (EVENTS_OPEN | EVENTS_CHMOD)))
		return 0;
	return file_path(ev, out);
}

EXTRACTOR(extract_fs_path_source)
{
	const struct event_view *view = event_of(ev);

	(void)arg, (void)max, (void)scratch;
	if (!view || !(RULE_EVENT_BIT(view->hdr.type) & EVENTS_LINK))
		return 0;
	return file_path(ev, out);
}

EXTRACTOR(extract_fs_path_target)
{
	const struct event_view *view = event_of(ev);
	int slot;

	(void)arg, (void)max, (void)scratch;
	if (!view || !(RULE_EVENT_BIT(view->hdr.type) & EVENTS_LINK))
		return 0;
	slot = schema_slot(view->hdr.type, WANT_PATH2);
	return slot >= 0 ? value_slot_str(out, &view->syscall.strs[slot]) : 0;
}
