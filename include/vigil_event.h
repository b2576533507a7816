/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event ABI between vigil's BPF programs and its agent.
 *
 * Included by both sides, so: fixed-width types only and no includes. The BPF
 * side gets __u8.. from vmlinux.h, the user side from <linux/types.h>, which
 * the including .c file pulls in before this header.
 *
 * Every record the kernel sends starts with struct vigil_event_header. Its
 * `size` is the length of the whole record (header, fixed payload and string
 * tail). No struct has implicit padding, so no byte of a record is left
 * unwritten. Strings travel in a bounded tail after the fixed payload, described
 * by offset/length pairs relative to the start of the tail, so a short argv
 * costs a short record. The same bytes are what capture files store, so the
 * layout is versioned (VIGIL_ABI_VERSION) and only ever grows at the end.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#define VIGIL_ABI_VERSION 2

#define VIGIL_COMM_LEN 16
/* Bounds of the variable-length parts: powers of two, the BPF side masks with them. */
#define VIGIL_PATH_MAX 4096
#define VIGIL_ARGS_MAX 4096
/* Components followed when a path is rebuilt from dentries in the kernel. */
#define VIGIL_PATH_DEPTH_MAX 48

/*
 * Event types. Numbers are ABI (capture files store them): append only.
 * Every type after VIGIL_EVENT_EXIT is a struct vigil_syscall_event whose
 * args[] and strs[] mean what user/event_schema.c says for that type. Names
 * follow Falco's evt.type.
 */
enum vigil_event_type {
	VIGIL_EVENT_NONE = 0,
	VIGIL_EVENT_EXEC = 1,
	VIGIL_EVENT_FORK = 2,
	VIGIL_EVENT_EXIT = 3,
	/* credentials */
	VIGIL_EVENT_SETUID = 4,
	VIGIL_EVENT_SETGID = 5,
	VIGIL_EVENT_SETREUID = 6,
	VIGIL_EVENT_SETREGID = 7,
	VIGIL_EVENT_SETRESUID = 8,
	VIGIL_EVENT_SETRESGID = 9,
	VIGIL_EVENT_SETFSUID = 10,
	VIGIL_EVENT_SETFSGID = 11,
	VIGIL_EVENT_CAPSET = 12,
	VIGIL_EVENT_CAPABLE = 13,
	/* mounts */
	VIGIL_EVENT_MOUNT = 14,
	VIGIL_EVENT_UMOUNT2 = 15,
	VIGIL_EVENT_MOVE_MOUNT = 16,
	VIGIL_EVENT_FSOPEN = 17,
	VIGIL_EVENT_FSCONFIG = 18,
	VIGIL_EVENT_FSMOUNT = 19,
	VIGIL_EVENT_OPEN_TREE = 20,
	VIGIL_EVENT_MOUNT_SETATTR = 21,
	VIGIL_EVENT_PIVOT_ROOT = 22,
	VIGIL_EVENT_CHROOT = 23,
	/* namespaces */
	VIGIL_EVENT_SETNS = 24,
	VIGIL_EVENT_UNSHARE = 25,
	VIGIL_EVENT_CLONE = 26,
	VIGIL_EVENT_CLONE3 = 27,
	/* escapes and tampering */
	VIGIL_EVENT_PTRACE = 28,
	VIGIL_EVENT_INIT_MODULE = 29,
	VIGIL_EVENT_FINIT_MODULE = 30,
	VIGIL_EVENT_DELETE_MODULE = 31,
	VIGIL_EVENT_BPF = 32,
	VIGIL_EVENT_PROCESS_VM_WRITEV = 33,
	VIGIL_EVENT_MEMFD_CREATE = 34,
	VIGIL_EVENT_PERF_EVENT_OPEN = 35,
	VIGIL_EVENT_KEYCTL = 36,
	VIGIL_EVENT_USERFAULTFD = 37,
	VIGIL_EVENT_SOCKET = 38,
	VIGIL_EVENT_CONNECT = 39,
	/* files */
	VIGIL_EVENT_OPEN = 40,
	VIGIL_EVENT_OPENAT = 41,
	VIGIL_EVENT_OPENAT2 = 42,
	VIGIL_EVENT_SYMLINK = 43,
	VIGIL_EVENT_SYMLINKAT = 44,
	VIGIL_EVENT_LINK = 45,
	VIGIL_EVENT_LINKAT = 46,
	VIGIL_EVENT_CHMOD = 47,
	VIGIL_EVENT_FCHMOD = 48,
	VIGIL_EVENT_FCHMODAT = 49,
	VIGIL_EVENT_TYPE_MAX, /* one past the last; sizes the counters */
};

/* Which kind of hook produced the event. */
enum vigil_hook {
	VIGIL_HOOK_TRACEPOINT = 1, /* tp_btf or classic tracepoint */
	VIGIL_HOOK_LSM = 2,
};

/*
 * What enforcement did to the operation the event reports (include/vigil_enforce.h);
 * the header's hook says which kind of hook decided it.
 */
enum vigil_verdict {
	VIGIL_VERDICT_NONE = 0,
	VIGIL_VERDICT_DENIED = 1,     /* it failed with EPERM (an LSM hook) */
	VIGIL_VERDICT_KILLED = 2,     /* the process got SIGKILL before it returned to user space */
	VIGIL_VERDICT_WOULD_DENY = 3, /* --enforce=off: a deny rule matched, nothing was done */
	VIGIL_VERDICT_WOULD_KILL = 4, /* --enforce=off: a kill rule matched, nothing was done */
};

/* header.flags */
#define VIGIL_F_TRUNCATED_ARGS     (1u << 0) /* argv was longer than VIGIL_ARGS_MAX */
#define VIGIL_F_TRUNCATED_PATH     (1u << 1) /* a path was cut at VIGIL_PATH_MAX or depth */
#define VIGIL_F_TRUNCATED_FILENAME (1u << 2)
/*
 * The task has not exec'd since it entered its container: the runtime's own
 * setup (runc before the entrypoint, or before `docker exec`'s command), not
 * the container's doing.
 */
#define VIGIL_F_SETUP              (1u << 3)

struct vigil_event_header {
	__u16 type;          /* enum vigil_event_type */
	__u16 size;          /* whole record, header included */
	__u8 hook;           /* enum vigil_hook */
	__u8 verdict;        /* enum vigil_verdict */
	__u16 flags;         /* VIGIL_F_* */
	__u64 ts_boot_ns;    /* bpf_ktime_get_boot_ns(); the agent converts to wall clock */
	__u32 tgid;          /* process id, as the host sees it */
	__u32 pid;           /* thread id, as the host sees it */
	__u32 ppid;          /* real parent's tgid */
	__u32 vpid;          /* tgid as seen inside the process's own pid namespace */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;      /* (__u32)-1 when unset or the kernel has no audit */
	__u32 pidns_ino;     /* inode of the pid namespace */
	__u64 mntns_ino;     /* inode of the mount namespace */
	__u64 cgroup_id;     /* cgroup v2 id = inode of the cgroup directory */
	char comm[VIGIL_COMM_LEN];
	/* The task's capability sets (bit n: capability n), as they are when the event is made. */
	__u64 cap_effective;
	__u64 cap_permitted;
};

/* A string in the tail: offset from the start of the tail, length without NUL. */
struct vigil_str {
	__u16 off;
	__u16 len;
};

/*
 * sched_process_exec, after the new image is in place: the header describes
 * the process that now runs it. Tail: filename, argv (NUL-separated, argc
 * strings), cwd.
 */
struct vigil_exec_event {
	struct vigil_event_header hdr;
	__u32 argc;          /* as the kernel counted it, even if argv was cut */
	__u32 old_tid;       /* thread that called execve (differs if not the leader) */
	struct vigil_str filename;
	struct vigil_str args;
	struct vigil_str cwd;
	__u32 exe_flags;     /* VIGIL_EXE_* */
	__u32 tty;           /* controlling tty's device number (new_encode_dev), 0 for none */
	__u32 _pad;          /* keeps the tail at sizeof(struct vigil_exec_event) */
	__u64 exe_ino;       /* inode number of the executable */
	char tail[];
};

/* vigil_exec_event.exe_flags: where the executable came from. */
#define VIGIL_EXE_MEMFD       (1u << 0) /* a memfd: no file on any disk */
#define VIGIL_EXE_DEV_SHM     (1u << 1) /* under /dev/shm */
#define VIGIL_EXE_UPPER_LAYER (1u << 2) /* overlayfs upper layer: written after the container started */
#define VIGIL_EXE_HAS_TTY     (1u << 3) /* the process has a controlling terminal */

/* A new process (not thread): the header is the parent, the payload the child. */
struct vigil_fork_event {
	struct vigil_event_header hdr;
	__u32 child_tgid;
	__u32 child_vpid;
	__u64 child_cgroup_id;
};

/* The last thread of a process exited. */
struct vigil_exit_event {
	struct vigil_event_header hdr;
	__u32 exit_code;     /* wait(2) status: code << 8 | signal */
	__u32 _pad;
};

/*
 * Every other event: a system call, seen as it returns (or a kernel check,
 * for capable). One layout for all, so one decoder and one writer serve every
 * type: what args[i] and strs[i] mean, and how they print, is the type's row
 * in user/event_schema.c. Unused slots are zero.
 */
#define VIGIL_SYSCALL_ARGS 12
#define VIGIL_SYSCALL_STRS 3

struct vigil_syscall_event {
	struct vigil_event_header hdr;
	__s64 result;        /* the return value: >= 0 success, -errno failure */
	__u32 syscall_nr;    /* the system call (for capable: the one that asked; -1 none) */
	__u32 _pad;
	__u64 args[VIGIL_SYSCALL_ARGS];
	struct vigil_str strs[VIGIL_SYSCALL_STRS]; /* strings or raw bytes (a sockaddr) */
	__u32 _pad2;
	char tail[];
};

#define VIGIL_SYSCALL_TAIL_MAX (VIGIL_PATH_MAX * VIGIL_SYSCALL_STRS)

/* Largest record the kernel can send: exec with every part at its bound. */
#define VIGIL_EXEC_TAIL_MAX (VIGIL_PATH_MAX * 2 + VIGIL_ARGS_MAX)
#define VIGIL_EXEC_SIZE_MAX (sizeof(struct vigil_exec_event) + VIGIL_EXEC_TAIL_MAX)
#define VIGIL_SYSCALL_SIZE_MAX (sizeof(struct vigil_syscall_event) + VIGIL_SYSCALL_TAIL_MAX)
#define VIGIL_EVENT_SIZE_MAX \
	(VIGIL_EXEC_SIZE_MAX > VIGIL_SYSCALL_SIZE_MAX ? VIGIL_EXEC_SIZE_MAX : VIGIL_SYSCALL_SIZE_MAX)

/* Per-CPU counters, one slot per event type (index = enum vigil_event_type). */
struct vigil_counters {
	__u64 emitted;       /* records written to the ring buffer */
	__u64 dropped;       /* ring buffer full: the record was lost */
	__u64 filtered;      /* seen by a hook but dropped by an in-kernel filter */
};

#endif /* VIGIL_EVENT_H */
