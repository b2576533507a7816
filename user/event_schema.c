// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One row per event type. For the system-call types the row is the contract
 * with the BPF program that fills the record: slot i of args[] and strs[]
 * holds what the row's entry i names. Append, never renumber (capture files).
 */
#include <stddef.h>

#include "event_schema.h"

#define A(n, k) { n, FIELD_##k }

/*
 * Every credential change carries what was asked for (up to three ids), then
 * the ids before (from the syscall's entry) and after (at its exit). The ids
 * are the kernel's (the initial user namespace's), the asked ones as the
 * process gave them. Old ids are -1 when vigil did not see the call enter.
 */
#define CRED_IDS(old_or_new, u)                                                                  \
	A(#old_or_new "_" #u "id", ID), A(#old_or_new "_e" #u "id", ID), A(#old_or_new "_s" #u "id", ID), \
	A(#old_or_new "_fs" #u "id", ID)

#define CRED_ROW(type, evt, desc, r0, r1, r2, u)                                                  \
	[type] = { evt, FAMILY_CREDENTIALS, desc,                                                 \
		   { r0, r1, r2, CRED_IDS(old, u), CRED_IDS(new, u) }, { { 0 } } }

#define NO_ARG { NULL, FIELD_NONE }

static const struct event_schema schemas[VIGIL_EVENT_TYPE_MAX] = {
	[VIGIL_EVENT_EXEC] = { "exec", FAMILY_PROCESS, "a process runs a new program (execve)", { { 0 } }, { { 0 } } },
	[VIGIL_EVENT_FORK] = { "fork", FAMILY_PROCESS, "a process creates a new process", { { 0 } }, { { 0 } } },
	[VIGIL_EVENT_EXIT] = { "exit", FAMILY_PROCESS, "the last thread of a process exits", { { 0 } }, { { 0 } } },

	CRED_ROW(VIGIL_EVENT_SETUID, "setuid", "setuid(uid)", A("uid", ID), NO_ARG, NO_ARG, u),
	CRED_ROW(VIGIL_EVENT_SETGID, "setgid", "setgid(gid)", A("gid", ID), NO_ARG, NO_ARG, g),
	CRED_ROW(VIGIL_EVENT_SETREUID, "setreuid", "setreuid(ruid, euid)", A("ruid", ID), A("euid", ID), NO_ARG, u),
	CRED_ROW(VIGIL_EVENT_SETREGID, "setregid", "setregid(rgid, egid)", A("rgid", ID), A("egid", ID), NO_ARG, g),
	CRED_ROW(VIGIL_EVENT_SETRESUID, "setresuid", "setresuid(ruid, euid, suid)", A("ruid", ID), A("euid", ID),
		 A("suid", ID), u),
	CRED_ROW(VIGIL_EVENT_SETRESGID, "setresgid", "setresgid(rgid, egid, sgid)", A("rgid", ID), A("egid", ID),
		 A("sgid", ID), g),
	/* setfsuid/setfsgid return the previous fs id, never an error. */
	CRED_ROW(VIGIL_EVENT_SETFSUID, "setfsuid", "setfsuid(fsuid)", A("fsuid", ID), NO_ARG, NO_ARG, u),
	CRED_ROW(VIGIL_EVENT_SETFSGID, "setfsgid", "setfsgid(fsgid)", A("fsgid", ID), NO_ARG, NO_ARG, g),
	/* pid: the header's (0: the caller); new_*: the sets at the exit, old_*: at the entry (0 if unseen). */
	[VIGIL_EVENT_CAPSET] = { "capset", FAMILY_CREDENTIALS, "capset(): the process changes its capability sets",
		{ A("pid", PID), A("new_effective", CAP_SET), A("new_permitted", CAP_SET),
		  A("new_inheritable", CAP_SET), A("old_effective", CAP_SET), A("old_permitted", CAP_SET),
		  A("old_inheritable", CAP_SET) }, { { 0 } } },
	/*
	 * result: 0 granted, -EPERM denied; syscall_nr: the system call that asked. userns: the
	 * inode of the user namespace the check is against (4026531837, the initial one: a
	 * privilege over the whole machine). Only checks of the process's own credentials, made
	 * after its container's setup, and not the memory-accounting ones (bpf/creds.bpf.c).
	 */
	[VIGIL_EVENT_CAPABLE] = { "capable", FAMILY_CAPABILITY,
		"the kernel checks a capability of the process (in the kernel's capability mask)",
		{ A("cap", CAP), A("userns", UINT) }, { { 0 } } },

	[VIGIL_EVENT_MOUNT] = { "mount", FAMILY_MOUNT, "mount(source, target, fstype, flags)",
		{ A("flags", MOUNT_FLAGS) }, { A("source", STRING), A("target", PATH), A("fstype", STRING) } },
	[VIGIL_EVENT_UMOUNT2] = { "umount2", FAMILY_MOUNT, "umount2(target, flags)",
		{ A("flags", UMOUNT_FLAGS) }, { A("target", PATH) } },
	[VIGIL_EVENT_MOVE_MOUNT] = { "move_mount", FAMILY_MOUNT, "move_mount(from_dfd, from_path, to_dfd, to_path, flags)",
		{ A("from_dfd", FD), A("to_dfd", FD), A("flags", MOVE_MOUNT_FLAGS) },
		{ A("from_path", PATH), A("to_path", PATH) } },
	[VIGIL_EVENT_FSOPEN] = { "fsopen", FAMILY_MOUNT, "fsopen(fsname, flags): a new filesystem context",
		{ A("flags", HEX) }, { A("fsname", STRING) } },
	/* value: only for FSCONFIG_SET_STRING and the SET_PATH commands. */
	[VIGIL_EVENT_FSCONFIG] = { "fsconfig", FAMILY_MOUNT, "fsconfig(fd, cmd, key, value, aux)",
		{ A("fd", FD), A("cmd", FSCONFIG_CMD), A("aux", INT) }, { A("key", STRING), A("value", STRING) } },
	[VIGIL_EVENT_FSMOUNT] = { "fsmount", FAMILY_MOUNT, "fsmount(fs_fd, flags, attr_flags)",
		{ A("fs_fd", FD), A("flags", HEX), A("attr_flags", MOUNT_ATTR) }, { { 0 } } },
	[VIGIL_EVENT_OPEN_TREE] = { "open_tree", FAMILY_MOUNT, "open_tree(dfd, path, flags)",
		{ A("dfd", FD), A("flags", OPEN_TREE_FLAGS) }, { A("path", PATH) } },
	[VIGIL_EVENT_MOUNT_SETATTR] = { "mount_setattr", FAMILY_MOUNT, "mount_setattr(dfd, path, flags, attr)",
		{ A("dfd", FD), A("flags", AT_FLAGS), A("attr_set", MOUNT_ATTR), A("attr_clr", MOUNT_ATTR),
		  A("propagation", HEX) }, { A("path", PATH) } },
	[VIGIL_EVENT_PIVOT_ROOT] = { "pivot_root", FAMILY_MOUNT, "pivot_root(new_root, put_old)",
		{ { 0 } }, { A("new_root", PATH), A("put_old", PATH) } },
	[VIGIL_EVENT_CHROOT] = { "chroot", FAMILY_MOUNT, "chroot(path)", { { 0 } }, { A("path", PATH) } },

	/*
	 * ns_type: the type of the namespace fd (nstype may be 0, "any"); ns_ino: that namespace.
	 * Both 0 when fd is not a namespace file (a pidfd), hence flags: 0 prints "0", not "ANY".
	 */
	[VIGIL_EVENT_SETNS] = { "setns", FAMILY_NAMESPACE, "setns(fd, nstype): the process joins a namespace",
		{ A("fd", FD), A("nstype", NS_TYPE), A("ns_type", CLONE_FLAGS), A("ns_ino", UINT) }, { { 0 } } },
	[VIGIL_EVENT_UNSHARE] = { "unshare", FAMILY_NAMESPACE, "unshare(flags): the process leaves namespaces",
		{ A("flags", CLONE_FLAGS) }, { { 0 } } },
	/*
	 * clone and clone3 are events only with namespace flags; plain forks are fork events.
	 * result: the child's pid. clone's flags leave out their low byte, the exit signal.
	 */
	[VIGIL_EVENT_CLONE] = { "clone", FAMILY_NAMESPACE, "clone() into new namespaces",
		{ A("flags", CLONE_FLAGS) }, { { 0 } } },
	[VIGIL_EVENT_CLONE3] = { "clone3", FAMILY_NAMESPACE, "clone3() into new namespaces",
		{ A("flags", CLONE_FLAGS) }, { { 0 } } },

	[VIGIL_EVENT_PTRACE] = { "ptrace", FAMILY_ESCAPE, "ptrace(request, pid, addr, data)",
		{ A("request", PTRACE_REQUEST), A("pid", PID), A("addr", HEX), A("data", HEX) }, { { 0 } } },
	[VIGIL_EVENT_INIT_MODULE] = { "init_module", FAMILY_ESCAPE, "init_module(image, len, params)",
		{ A("len", UINT) }, { A("params", STRING) } },
	[VIGIL_EVENT_FINIT_MODULE] = { "finit_module", FAMILY_ESCAPE, "finit_module(fd, params, flags)",
		{ A("fd", FD), A("flags", HEX) }, { A("params", STRING), A("path", PATH) } },
	[VIGIL_EVENT_DELETE_MODULE] = { "delete_module", FAMILY_ESCAPE, "delete_module(name, flags)",
		{ A("flags", HEX) }, { A("name", STRING) } },
	/* type: the program type for BPF_PROG_LOAD, the map type for BPF_MAP_CREATE, else 0. */
	[VIGIL_EVENT_BPF] = { "bpf", FAMILY_ESCAPE, "bpf(cmd, attr, size)",
		{ A("cmd", BPF_CMD), A("size", UINT), A("type", UINT) }, { { 0 } } },
	[VIGIL_EVENT_PROCESS_VM_WRITEV] = { "process_vm_writev", FAMILY_ESCAPE,
		"process_vm_writev(pid, ...): writing another process's memory",
		{ A("pid", PID), A("liovcnt", UINT), A("riovcnt", UINT), A("flags", HEX) }, { { 0 } } },
	[VIGIL_EVENT_MEMFD_CREATE] = { "memfd_create", FAMILY_ESCAPE, "memfd_create(name, flags)",
		{ A("flags", MEMFD_FLAGS) }, { A("name", STRING) } },
	[VIGIL_EVENT_PERF_EVENT_OPEN] = { "perf_event_open", FAMILY_ESCAPE, "perf_event_open(attr, pid, cpu, group_fd, flags)",
		{ A("type", PERF_TYPE), A("config", HEX), A("pid", PID), A("cpu", INT), A("group_fd", FD),
		  A("flags", HEX) }, { { 0 } } },
	[VIGIL_EVENT_KEYCTL] = { "keyctl", FAMILY_ESCAPE, "keyctl(operation, ...)",
		{ A("operation", KEYCTL_OP), A("arg2", HEX), A("arg3", HEX), A("arg4", HEX), A("arg5", HEX) },
		{ { 0 } } },
	[VIGIL_EVENT_USERFAULTFD] = { "userfaultfd", FAMILY_ESCAPE, "userfaultfd(flags)",
		{ A("flags", HEX) }, { { 0 } } },
	/* Only the families in the kernel's socket mask (by default AF_PACKET). */
	[VIGIL_EVENT_SOCKET] = { "socket", FAMILY_NETWORK, "socket(domain, type, protocol), for watched families",
		{ A("domain", SOCKET_FAMILY), A("type", SOCKET_TYPE), A("protocol", INT) }, { { 0 } } },
	/*
	 * AF_UNIX, AF_INET and AF_INET6 only. address: the sockaddr as the process gave it (a unix
	 * path relative or abstract as it was). A nonblocking connect under way returns -EINPROGRESS.
	 * sock_type and protocol: those of the socket fd names (SOCK_STREAM, 6 for TCP), read from
	 * the kernel's socket; 0 when fd is no socket.
	 */
	[VIGIL_EVENT_CONNECT] = { "connect", FAMILY_NETWORK, "connect(fd, address): unix and inet",
		{ A("fd", FD), A("sock_type", SOCKET_TYPE), A("protocol", INT) }, { A("address", SOCKADDR) } },

	/*
	 * Opens of watched paths only (user/path_filter.c; bpf/file.bpf.c says how
	 * they are matched). path: absolute: the opened file's own path when the
	 * open succeeded, else the name joined to the cwd or to dirfd's folder (as
	 * written: "..", symlinks unresolved); name: as the process gave it.
	 * flags: O_ACCMODE says read or write. creat() is an open event (syscall
	 * "creat", flags O_WRONLY|O_CREAT|O_TRUNC).
	 */
	[VIGIL_EVENT_OPEN] = { "open", FAMILY_FILE, "open(name, flags, mode) of a watched path",
		{ A("dirfd", FD), A("flags", OPEN_FLAGS), A("mode", MODE) }, { A("path", PATH), A("name", PATH) } },
	[VIGIL_EVENT_OPENAT] = { "openat", FAMILY_FILE, "openat(dirfd, name, flags, mode) of a watched path",
		{ A("dirfd", FD), A("flags", OPEN_FLAGS), A("mode", MODE) }, { A("path", PATH), A("name", PATH) } },
	[VIGIL_EVENT_OPENAT2] = { "openat2", FAMILY_FILE, "openat2(dirfd, name, how) of a watched path",
		{ A("dirfd", FD), A("flags", OPEN_FLAGS), A("mode", MODE), A("resolve", HEX) },
		{ A("path", PATH), A("name", PATH) } },
	/*
	 * Links are events when their target is a watched path. symlink's target
	 * is its text, matched when absolute (a relative one by its last component
	 * only); link's oldpath is reported joined to the cwd or to olddirfd's
	 * folder, as an open's failed path is.
	 */
	[VIGIL_EVENT_SYMLINK] = { "symlink", FAMILY_FILE, "symlink(target, linkpath) to a watched path",
		{ A("newdirfd", FD) }, { A("target", PATH), A("linkpath", PATH) } },
	[VIGIL_EVENT_SYMLINKAT] = { "symlinkat", FAMILY_FILE, "symlinkat(target, newdirfd, linkpath) to a watched path",
		{ A("newdirfd", FD) }, { A("target", PATH), A("linkpath", PATH) } },
	[VIGIL_EVENT_LINK] = { "link", FAMILY_FILE, "link(oldpath, newpath) of a watched path",
		{ A("olddirfd", FD), A("newdirfd", FD), A("flags", AT_FLAGS) }, { A("oldpath", PATH), A("newpath", PATH) } },
	[VIGIL_EVENT_LINKAT] = { "linkat", FAMILY_FILE, "linkat(olddirfd, oldpath, newdirfd, newpath, flags) of a watched path",
		{ A("olddirfd", FD), A("newdirfd", FD), A("flags", AT_FLAGS) }, { A("oldpath", PATH), A("newpath", PATH) } },
	/*
	 * chmods are events when they set the setuid or setgid bit. path: joined
	 * as link's oldpath (chmod's dirfd is AT_FDCWD); for fchmod, the fd's
	 * file. fchmodat2 is a fchmodat event (syscall "fchmodat2"), the only one
	 * with flags.
	 */
	[VIGIL_EVENT_CHMOD] = { "chmod", FAMILY_FILE, "chmod(path, mode) setting setuid/setgid",
		{ A("dirfd", FD), A("mode", MODE), A("flags", AT_FLAGS) }, { A("path", PATH) } },
	[VIGIL_EVENT_FCHMOD] = { "fchmod", FAMILY_FILE, "fchmod(fd, mode) setting setuid/setgid",
		{ A("fd", FD), A("mode", MODE) }, { A("path", PATH) } },
	[VIGIL_EVENT_FCHMODAT] = { "fchmodat", FAMILY_FILE, "fchmodat(dirfd, path, mode, flags) setting setuid/setgid",
		{ A("dirfd", FD), A("mode", MODE), A("flags", AT_FLAGS) }, { A("path", PATH) } },
};

const struct event_schema *event_schema_for(unsigned int type)
{
	if (type >= VIGIL_EVENT_TYPE_MAX || !schemas[type].name)
		return NULL;
	return &schemas[type];
}

bool event_schema_result_is_value(unsigned int type)
{
	/* setfsuid and setfsgid return the previous fs id, never an error. */
	static const bool result_is_value[VIGIL_EVENT_TYPE_MAX] = {
		[VIGIL_EVENT_SETFSUID] = true,
		[VIGIL_EVENT_SETFSGID] = true,
	};

	return type < VIGIL_EVENT_TYPE_MAX && result_is_value[type];
}

const char *event_family_name(enum event_family family)
{
	static const char *const names[] = {
		[FAMILY_PROCESS] = "process",
		[FAMILY_CREDENTIALS] = "credentials",
		[FAMILY_CAPABILITY] = "capability",
		[FAMILY_MOUNT] = "mount",
		[FAMILY_NAMESPACE] = "namespace",
		[FAMILY_ESCAPE] = "escape",
		[FAMILY_NETWORK] = "network",
		[FAMILY_FILE] = "file",
	};

	return (unsigned int)family < sizeof(names) / sizeof(names[0]) ? names[family] : "?";
}
