// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How a record's slots print: flag sets as Falco prints them ("MS_BIND|MS_REC",
 * unknown bits as hex), enums by name, socket addresses as objects. The
 * numbers are the kernel's ABI, written out here rather than taken from
 * headers: <sys/mount.h> and <linux/mount.h> cannot both be included, and
 * the names must not depend on the build machine's headers.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "event_schema.h"
#include "json_writer.h"
#include "syscall_names.h"

struct name_value {
	uint64_t value;
	const char *name;
};

#define NV(v, n) { (uint64_t)(v), n }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const capability_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

const char *capability_name(unsigned int cap)
{
	return cap < COUNT(capability_names) ? capability_names[cap] : NULL;
}

const char *syscall_name(unsigned int nr)
{
	return nr < COUNT(syscall_names) ? syscall_names[nr] : NULL;
}

const char *errno_name(int err)
{
	return strerrorname_np(err);
}

static const struct name_value open_flags[] = {
	NV(01, "O_WRONLY"), NV(02, "O_RDWR"), NV(0100, "O_CREAT"), NV(0200, "O_EXCL"), NV(0400, "O_NOCTTY"),
	NV(01000, "O_TRUNC"), NV(02000, "O_APPEND"), NV(04000, "O_NONBLOCK"), NV(010000, "O_DSYNC"),
	NV(020000, "O_ASYNC"), NV(040000, "O_DIRECT"), NV(0100000, "O_LARGEFILE"), NV(0200000, "O_DIRECTORY"),
	NV(0400000, "O_NOFOLLOW"), NV(01000000, "O_NOATIME"), NV(02000000, "O_CLOEXEC"),
	NV(04000000, "O_SYNC"), NV(010000000, "O_PATH"), NV(020000000, "O_TMPFILE"),
};

static const struct name_value mount_flags[] = {
	NV(1, "MS_RDONLY"), NV(2, "MS_NOSUID"), NV(4, "MS_NODEV"), NV(8, "MS_NOEXEC"),
	NV(16, "MS_SYNCHRONOUS"), NV(32, "MS_REMOUNT"), NV(64, "MS_MANDLOCK"), NV(128, "MS_DIRSYNC"),
	NV(256, "MS_NOSYMFOLLOW"), NV(1024, "MS_NOATIME"), NV(2048, "MS_NODIRATIME"), NV(4096, "MS_BIND"),
	NV(8192, "MS_MOVE"), NV(16384, "MS_REC"), NV(32768, "MS_SILENT"), NV(1 << 16, "MS_POSIXACL"),
	NV(1 << 17, "MS_UNBINDABLE"), NV(1 << 18, "MS_PRIVATE"), NV(1 << 19, "MS_SLAVE"),
	NV(1 << 20, "MS_SHARED"), NV(1 << 21, "MS_RELATIME"), NV(1 << 22, "MS_KERNMOUNT"),
	NV(1 << 23, "MS_I_VERSION"), NV(1 << 24, "MS_STRICTATIME"), NV(1 << 25, "MS_LAZYTIME"),
};

static const struct name_value umount_flags[] = {
	NV(1, "MNT_FORCE"), NV(2, "MNT_DETACH"), NV(4, "MNT_EXPIRE"), NV(8, "UMOUNT_NOFOLLOW"),
};

static const struct name_value move_mount_flags[] = {
	NV(0x01, "MOVE_MOUNT_F_SYMLINKS"), NV(0x02, "MOVE_MOUNT_F_AUTOMOUNTS"), NV(0x04, "MOVE_MOUNT_F_EMPTY_PATH"),
	NV(0x10, "MOVE_MOUNT_T_SYMLINKS"), NV(0x20, "MOVE_MOUNT_T_AUTOMOUNTS"), NV(0x40, "MOVE_MOUNT_T_EMPTY_PATH"),
	NV(0x100, "MOVE_MOUNT_SET_GROUP"), NV(0x200, "MOVE_MOUNT_BENEATH"),
};

static const struct name_value at_flags[] = {
	NV(0x100, "AT_SYMLINK_NOFOLLOW"), NV(0x200, "AT_REMOVEDIR"), NV(0x400, "AT_SYMLINK_FOLLOW"),
	NV(0x800, "AT_NO_AUTOMOUNT"), NV(0x1000, "AT_EMPTY_PATH"), NV(0x8000, "AT_RECURSIVE"),
};

static const struct name_value open_tree_flags[] = {
	NV(1, "OPEN_TREE_CLONE"), NV(02000000, "OPEN_TREE_CLOEXEC"), NV(0x100, "AT_SYMLINK_NOFOLLOW"),
	NV(0x800, "AT_NO_AUTOMOUNT"), NV(0x1000, "AT_EMPTY_PATH"), NV(0x8000, "AT_RECURSIVE"),
};

static const struct name_value mount_attr[] = {
	NV(0x1, "MOUNT_ATTR_RDONLY"), NV(0x2, "MOUNT_ATTR_NOSUID"), NV(0x4, "MOUNT_ATTR_NODEV"),
	NV(0x8, "MOUNT_ATTR_NOEXEC"), NV(0x10, "MOUNT_ATTR_NOATIME"), NV(0x80, "MOUNT_ATTR_STRICTATIME"),
	NV(0x100, "MOUNT_ATTR_NODIRATIME"), NV(0x100000, "MOUNT_ATTR_IDMAP"), NV(0x200000, "MOUNT_ATTR_NOSYMFOLLOW"),
};

static const struct name_value fsconfig_cmds[] = {
	NV(0, "FSCONFIG_SET_FLAG"), NV(1, "FSCONFIG_SET_STRING"), NV(2, "FSCONFIG_SET_BINARY"),
	NV(3, "FSCONFIG_SET_PATH"), NV(4, "FSCONFIG_SET_PATH_EMPTY"), NV(5, "FSCONFIG_SET_FD"),
	NV(6, "FSCONFIG_CMD_CREATE"), NV(7, "FSCONFIG_CMD_RECONFIGURE"), NV(8, "FSCONFIG_CMD_CREATE_EXCL"),
};

static const struct name_value clone_flags[] = {
	NV(0x100, "CLONE_VM"), NV(0x200, "CLONE_FS"), NV(0x400, "CLONE_FILES"), NV(0x800, "CLONE_SIGHAND"),
	NV(0x1000, "CLONE_PIDFD"), NV(0x2000, "CLONE_PTRACE"), NV(0x4000, "CLONE_VFORK"),
	NV(0x8000, "CLONE_PARENT"), NV(0x10000, "CLONE_THREAD"), NV(0x20000, "CLONE_NEWNS"),
	NV(0x40000, "CLONE_SYSVSEM"), NV(0x80000, "CLONE_SETTLS"), NV(0x100000, "CLONE_PARENT_SETTID"),
	NV(0x200000, "CLONE_CHILD_CLEARTID"), NV(0x400000, "CLONE_DETACHED"), NV(0x800000, "CLONE_UNTRACED"),
	NV(0x1000000, "CLONE_CHILD_SETTID"), NV(0x2000000, "CLONE_NEWCGROUP"), NV(0x4000000, "CLONE_NEWUTS"),
	NV(0x8000000, "CLONE_NEWIPC"), NV(0x10000000, "CLONE_NEWUSER"), NV(0x20000000, "CLONE_NEWPID"),
	NV(0x40000000, "CLONE_NEWNET"), NV(0x80000000ull, "CLONE_IO"), NV(0x80, "CLONE_NEWTIME"),
	NV(0x100000000ull, "CLONE_CLEAR_SIGHAND"), NV(0x200000000ull, "CLONE_INTO_CGROUP"),
};

static const struct name_value ns_types[] = {
	NV(0, "ANY"), NV(0x20000, "CLONE_NEWNS"), NV(0x2000000, "CLONE_NEWCGROUP"), NV(0x4000000, "CLONE_NEWUTS"),
	NV(0x8000000, "CLONE_NEWIPC"), NV(0x10000000, "CLONE_NEWUSER"), NV(0x20000000, "CLONE_NEWPID"),
	NV(0x40000000, "CLONE_NEWNET"), NV(0x80, "CLONE_NEWTIME"),
};

static const struct name_value ptrace_requests[] = {
	NV(0, "PTRACE_TRACEME"), NV(1, "PTRACE_PEEKTEXT"), NV(2, "PTRACE_PEEKDATA"), NV(3, "PTRACE_PEEKUSR"),
	NV(4, "PTRACE_POKETEXT"), NV(5, "PTRACE_POKEDATA"), NV(6, "PTRACE_POKEUSR"), NV(7, "PTRACE_CONT"),
	NV(8, "PTRACE_KILL"), NV(9, "PTRACE_SINGLESTEP"), NV(12, "PTRACE_GETREGS"), NV(13, "PTRACE_SETREGS"),
	NV(14, "PTRACE_GETFPREGS"), NV(15, "PTRACE_SETFPREGS"), NV(16, "PTRACE_ATTACH"), NV(17, "PTRACE_DETACH"),
	NV(24, "PTRACE_SYSCALL"), NV(0x4200, "PTRACE_SETOPTIONS"), NV(0x4201, "PTRACE_GETEVENTMSG"),
	NV(0x4202, "PTRACE_GETSIGINFO"), NV(0x4203, "PTRACE_SETSIGINFO"), NV(0x4204, "PTRACE_GETREGSET"),
	NV(0x4205, "PTRACE_SETREGSET"), NV(0x4206, "PTRACE_SEIZE"), NV(0x4207, "PTRACE_INTERRUPT"),
	NV(0x4208, "PTRACE_LISTEN"),
};

static const struct name_value bpf_cmds[] = {
	NV(0, "BPF_MAP_CREATE"), NV(1, "BPF_MAP_LOOKUP_ELEM"), NV(2, "BPF_MAP_UPDATE_ELEM"),
	NV(3, "BPF_MAP_DELETE_ELEM"), NV(4, "BPF_MAP_GET_NEXT_KEY"), NV(5, "BPF_PROG_LOAD"),
	NV(6, "BPF_OBJ_PIN"), NV(7, "BPF_OBJ_GET"), NV(8, "BPF_PROG_ATTACH"), NV(9, "BPF_PROG_DETACH"),
	NV(10, "BPF_PROG_TEST_RUN"), NV(11, "BPF_PROG_GET_NEXT_ID"), NV(12, "BPF_MAP_GET_NEXT_ID"),
	NV(13, "BPF_PROG_GET_FD_BY_ID"), NV(14, "BPF_MAP_GET_FD_BY_ID"), NV(15, "BPF_OBJ_GET_INFO_BY_FD"),
	NV(16, "BPF_PROG_QUERY"), NV(17, "BPF_RAW_TRACEPOINT_OPEN"), NV(18, "BPF_BTF_LOAD"),
	NV(19, "BPF_BTF_GET_FD_BY_ID"), NV(20, "BPF_TASK_FD_QUERY"), NV(21, "BPF_MAP_LOOKUP_AND_DELETE_ELEM"),
	NV(22, "BPF_MAP_FREEZE"), NV(23, "BPF_BTF_GET_NEXT_ID"), NV(24, "BPF_MAP_LOOKUP_BATCH"),
	NV(25, "BPF_MAP_LOOKUP_AND_DELETE_BATCH"), NV(26, "BPF_MAP_UPDATE_BATCH"), NV(27, "BPF_MAP_DELETE_BATCH"),
	NV(28, "BPF_LINK_CREATE"), NV(29, "BPF_LINK_UPDATE"), NV(30, "BPF_LINK_GET_FD_BY_ID"),
	NV(31, "BPF_LINK_GET_NEXT_ID"), NV(32, "BPF_ENABLE_STATS"), NV(33, "BPF_ITER_CREATE"),
	NV(34, "BPF_LINK_DETACH"), NV(35, "BPF_PROG_BIND_MAP"), NV(36, "BPF_TOKEN_CREATE"),
};

static const struct name_value socket_families[] = {
	NV(0, "AF_UNSPEC"), NV(1, "AF_UNIX"), NV(2, "AF_INET"), NV(10, "AF_INET6"), NV(16, "AF_NETLINK"),
	NV(17, "AF_PACKET"), NV(38, "AF_ALG"), NV(40, "AF_VSOCK"), NV(44, "AF_XDP"),
};

static const struct name_value socket_types[] = {
	NV(1, "SOCK_STREAM"), NV(2, "SOCK_DGRAM"), NV(3, "SOCK_RAW"), NV(4, "SOCK_RDM"), NV(5, "SOCK_SEQPACKET"),
	NV(6, "SOCK_DCCP"), NV(10, "SOCK_PACKET"),
};

static const struct name_value keyctl_ops[] = {
	NV(0, "KEYCTL_GET_KEYRING_ID"), NV(1, "KEYCTL_JOIN_SESSION_KEYRING"), NV(2, "KEYCTL_UPDATE"),
	NV(3, "KEYCTL_REVOKE"), NV(4, "KEYCTL_CHOWN"), NV(5, "KEYCTL_SETPERM"), NV(6, "KEYCTL_DESCRIBE"),
	NV(7, "KEYCTL_CLEAR"), NV(8, "KEYCTL_LINK"), NV(9, "KEYCTL_UNLINK"), NV(10, "KEYCTL_SEARCH"),
	NV(11, "KEYCTL_READ"), NV(12, "KEYCTL_INSTANTIATE"), NV(13, "KEYCTL_NEGATE"),
	NV(14, "KEYCTL_SET_REQKEY_KEYRING"), NV(15, "KEYCTL_SET_TIMEOUT"), NV(16, "KEYCTL_ASSUME_AUTHORITY"),
	NV(17, "KEYCTL_GET_SECURITY"), NV(18, "KEYCTL_SESSION_TO_PARENT"), NV(19, "KEYCTL_REJECT"),
	NV(20, "KEYCTL_INSTANTIATE_IOV"), NV(21, "KEYCTL_INVALIDATE"), NV(22, "KEYCTL_GET_PERSISTENT"),
	NV(23, "KEYCTL_DH_COMPUTE"), NV(24, "KEYCTL_PKEY_QUERY"), NV(25, "KEYCTL_PKEY_ENCRYPT"),
	NV(26, "KEYCTL_PKEY_DECRYPT"), NV(27, "KEYCTL_PKEY_SIGN"), NV(28, "KEYCTL_PKEY_VERIFY"),
	NV(29, "KEYCTL_RESTRICT_KEYRING"), NV(30, "KEYCTL_MOVE"), NV(31, "KEYCTL_CAPABILITIES"),
	NV(32, "KEYCTL_WATCH_KEY"),
};

static const struct name_value memfd_flags[] = {
	NV(1, "MFD_CLOEXEC"), NV(2, "MFD_ALLOW_SEALING"), NV(4, "MFD_HUGETLB"), NV(8, "MFD_NOEXEC_SEAL"),
	NV(16, "MFD_EXEC"),
};

static const struct name_value perf_types[] = {
	NV(0, "PERF_TYPE_HARDWARE"), NV(1, "PERF_TYPE_SOFTWARE"), NV(2, "PERF_TYPE_TRACEPOINT"),
	NV(3, "PERF_TYPE_HW_CACHE"), NV(4, "PERF_TYPE_RAW"), NV(5, "PERF_TYPE_BREAKPOINT"),
};

/* A bounded text being built: appends that do not fit are cut, and it stays NUL-terminated. */
struct text {
	char *buf;
	size_t len;  /* room, NUL included */
	size_t used; /* bytes written, NUL excluded */
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->used + 1 >= t->len)
		return;
	if (n > t->len - 1 - t->used)
		n = t->len - 1 - t->used;
	memcpy(t->buf + t->used, s, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		text_add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* "A|B|0x40": each known bit by name, what is left in hex; "0" for none. */
static void flags_text(struct text *t, const struct name_value *table, size_t n, uint64_t value)
{
	size_t start = t->used;
	uint64_t left = value;

	for (size_t i = 0; i < n; i++) {
		if (!table[i].value || (value & table[i].value) != table[i].value)
			continue;
		if (t->used > start)
			text_add(t, "|", 1);
		text_str(t, table[i].name);
		left &= ~table[i].value;
	}
	if (left)
		text_printf(t, "%s0x%llx", t->used > start ? "|" : "", (unsigned long long)left);
	if (t->used == start)
		text_add(t, "0", 1);
}

/* Open flags: the access mode is a two-bit number, not flags. */
static void open_flags_text(struct text *t, uint64_t value)
{
	static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	text_str(t, modes[value & 3]);
	if (value & ~3ull) {
		text_add(t, "|", 1);
		flags_text(t, open_flags + 2, COUNT(open_flags) - 2, value & ~3ull);
	}
}

static void enum_text(struct text *t, const struct name_value *table, size_t n, uint64_t value)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].value == value) {
			text_str(t, table[i].name);
			return;
		}
	text_printf(t, "%llu", (unsigned long long)value);
}

static void capability_text(struct text *t, uint64_t cap)
{
	if (cap < 64 && capability_name((unsigned int)cap))
		text_str(t, capability_name((unsigned int)cap));
	else
		text_printf(t, "CAP_%llu", (unsigned long long)cap);
}

static void cap_set_text(struct text *t, uint64_t mask, const char *sep)
{
	size_t start = t->used;

	for (unsigned int cap = 0; cap < 64; cap++) {
		if (!(mask & (1ull << cap)))
			continue;
		if (t->used > start)
			text_str(t, sep);
		capability_text(t, cap);
	}
}

size_t capability_set_text(uint64_t mask, const char *separator, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	cap_set_text(&t, mask, separator);
	return t.used;
}

/* The kinds that print as numbers (for this value), and which number. */
static bool field_is_number(enum field_kind kind, uint64_t value)
{
	switch (kind) {
	case FIELD_INT:
	case FIELD_UINT:
	case FIELD_ID:
	case FIELD_PID:
		return true;
	case FIELD_FD:
		return (int32_t)value != -100;
	case FIELD_SYSCALL:
		return !syscall_name((unsigned int)value);
	default:
		return false;
	}
}

int64_t field_to_number(enum field_kind kind, uint64_t value)
{
	switch (kind) {
	case FIELD_UINT:
		return value > INT64_MAX ? -1 : (int64_t)value;
	case FIELD_ID:
		return (uint32_t)value == (uint32_t)-1 ? -1 : (int64_t)(uint32_t)value;
	case FIELD_PID:
	case FIELD_FD:
	case FIELD_SYSCALL:
		return (int32_t)value;
	default:
		return (int64_t)value;
	}
}

size_t field_to_text(enum field_kind kind, uint64_t value, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	if (field_is_number(kind, value)) {
		text_printf(&t, "%lld", (long long)field_to_number(kind, value));
		return t.used;
	}
	switch (kind) {
	case FIELD_HEX:
		text_printf(&t, "0x%llx", (unsigned long long)value);
		break;
	case FIELD_FD:
		text_str(&t, "AT_FDCWD");
		break;
	case FIELD_MODE:
		text_printf(&t, "0%llo", (unsigned long long)(value & 07777));
		break;
	case FIELD_CAP:
		capability_text(&t, value);
		break;
	case FIELD_CAP_SET:
		cap_set_text(&t, value, "|");
		if (!t.used)
			text_add(&t, "0", 1);
		break;
	case FIELD_SYSCALL:
		text_str(&t, syscall_name((unsigned int)value));
		break;
	case FIELD_OPEN_FLAGS:
		open_flags_text(&t, value);
		break;
	case FIELD_MOUNT_FLAGS:
		flags_text(&t, mount_flags, COUNT(mount_flags), value);
		break;
	case FIELD_UMOUNT_FLAGS:
		flags_text(&t, umount_flags, COUNT(umount_flags), value);
		break;
	case FIELD_MOVE_MOUNT_FLAGS:
		flags_text(&t, move_mount_flags, COUNT(move_mount_flags), value);
		break;
	case FIELD_OPEN_TREE_FLAGS:
		flags_text(&t, open_tree_flags, COUNT(open_tree_flags), value);
		break;
	case FIELD_MOUNT_ATTR:
		flags_text(&t, mount_attr, COUNT(mount_attr), value);
		break;
	case FIELD_FSCONFIG_CMD:
		enum_text(&t, fsconfig_cmds, COUNT(fsconfig_cmds), value);
		break;
	case FIELD_AT_FLAGS:
		flags_text(&t, at_flags, COUNT(at_flags), value);
		break;
	case FIELD_CLONE_FLAGS:
		flags_text(&t, clone_flags, COUNT(clone_flags), value);
		break;
	case FIELD_NS_TYPE:
		enum_text(&t, ns_types, COUNT(ns_types), value);
		break;
	case FIELD_PTRACE_REQUEST:
		enum_text(&t, ptrace_requests, COUNT(ptrace_requests), value);
		break;
	case FIELD_BPF_CMD:
		enum_text(&t, bpf_cmds, COUNT(bpf_cmds), value);
		break;
	case FIELD_SOCKET_FAMILY:
		enum_text(&t, socket_families, COUNT(socket_families), value);
		break;
	case FIELD_SOCKET_TYPE:
		/* The type shares its argument with SOCK_NONBLOCK and SOCK_CLOEXEC. */
		enum_text(&t, socket_types, COUNT(socket_types), value & 0xf);
		if (value & 04000)
			text_str(&t, "|SOCK_NONBLOCK");
		if (value & 02000000)
			text_str(&t, "|SOCK_CLOEXEC");
		break;
	case FIELD_KEYCTL_OP:
		enum_text(&t, keyctl_ops, COUNT(keyctl_ops), value);
		break;
	case FIELD_MEMFD_FLAGS:
		flags_text(&t, memfd_flags, COUNT(memfd_flags), value);
		break;
	case FIELD_PERF_TYPE:
		enum_text(&t, perf_types, COUNT(perf_types), value);
		break;
	default:
		text_printf(&t, "%llu", (unsigned long long)value);
		break;
	}
	return t.used;
}

json_t *field_to_json(enum field_kind kind, uint64_t value)
{
	char buf[FIELD_TEXT_MAX];

	if (field_is_number(kind, value))
		return json_integer((json_int_t)field_to_number(kind, value));
	field_to_text(kind, value, buf, sizeof(buf));
	return json_string(buf);
}

bool sockaddr_parse(const void *bytes, size_t len, struct sockaddr_view *out)
{
	const unsigned char *b = bytes;
	uint16_t port;

	memset(out, 0, sizeof(*out));
	if (len < 2)
		return false;
	memcpy(&out->family, b, 2);
	if (out->family == 1 /* AF_UNIX */) {
		out->path = (const char *)b + 2;
		out->path_len = len - 2;
		/* An abstract socket starts with NUL and may hold more; a path ends at its NUL. */
		if (out->path_len && out->path[0] == '\0')
			out->abstract = true;
		else
			out->path_len = strnlen(out->path, out->path_len);
		return true;
	}
	if (out->family == 2 /* AF_INET */ && len >= 8) {
		memcpy(&port, b + 2, 2);
		out->port = ntohs(port);
		memcpy(out->addr, b + 4, 4);
		return true;
	}
	if (out->family == 10 /* AF_INET6 */ && len >= 24) {
		memcpy(&port, b + 2, 2);
		out->port = ntohs(port);
		memcpy(out->addr, b + 8, 16);
		return true;
	}
	return false;
}

size_t sockaddr_address_text(const struct sockaddr_view *sa, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };
	char addr[INET6_ADDRSTRLEN];

	if (len)
		buf[0] = '\0';
	if (sa->family == 2 || sa->family == 10) {
		inet_ntop(sa->family == 2 ? AF_INET : AF_INET6, sa->addr, addr, sizeof(addr));
		text_str(&t, addr);
	}
	return t.used;
}

size_t sockaddr_text(const struct sockaddr_view *sa, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };
	char addr[INET6_ADDRSTRLEN];

	if (len)
		buf[0] = '\0';
	switch (sa->family) {
	case 1:
		/* An abstract socket is shown with a leading '@', as ss(8) does. */
		if (sa->abstract) {
			text_add(&t, "@", 1);
			text_add(&t, sa->path + 1, sa->path_len - 1);
		} else {
			text_add(&t, sa->path, sa->path_len);
		}
		break;
	case 2:
	case 10:
		sockaddr_address_text(sa, addr, sizeof(addr));
		text_printf(&t, sa->family == 2 ? "%s:%u" : "[%s]:%u", addr, sa->port);
		break;
	default:
		enum_text(&t, socket_families, COUNT(socket_families), sa->family);
		break;
	}
	return t.used;
}

/* struct sockaddr bytes as {"family": ..., "address": ..., "port": ...} or {"family": "AF_UNIX", "path": ...}. */
static json_t *sockaddr_json(const unsigned char *bytes, size_t len)
{
	struct sockaddr_view sa;
	char text[INET6_ADDRSTRLEN];

	if (len < 2)
		return json_null();
	if (!sockaddr_parse(bytes, len, &sa))
		return json_pack("{s:o}", "family", field_to_json(FIELD_SOCKET_FAMILY, sa.family));
	if (sa.family == 1) {
		char shown[VIGIL_PATH_MAX + 2];
		/* An abstract name may hold NULs: they stay. */
		size_t n = sockaddr_text(&sa, shown, sizeof(shown));

		return json_pack("{s:s, s:o}", "family", "AF_UNIX", "path", json_untrusted_string(shown, n));
	}
	sockaddr_address_text(&sa, text, sizeof(text));
	return json_pack("{s:s, s:s, s:i}", "family", sa.family == 2 ? "AF_INET" : "AF_INET6", "address", text,
			 "port", sa.port);
}

size_t field_string_to_text(enum field_kind kind, const char *bytes, size_t n, char *buf, size_t len)
{
	struct text t = { buf, len, 0 };
	struct sockaddr_view sa;

	if (len)
		buf[0] = '\0';
	if (kind != FIELD_SOCKADDR) {
		text_add(&t, bytes, strnlen(bytes, n));
		return t.used;
	}
	if (n < 2)
		return 0;
	sockaddr_parse(bytes, n, &sa);
	return sockaddr_text(&sa, buf, len);
}

json_t *field_string_to_json(enum field_kind kind, const char *bytes, size_t len)
{
	if (kind == FIELD_SOCKADDR)
		return sockaddr_json((const unsigned char *)bytes, len);
	/* Text slots carry their NUL inside the record; stop at it. */
	return json_untrusted_string(bytes, strnlen(bytes, len));
}
