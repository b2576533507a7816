// SPDX-License-Identifier: GPL-2.0
/*
 * Files: opens of watched paths, symlinks and hard links whose target is one,
 * and chmods that set the setuid or setgid bit.
 *
 * The agent says which paths are watched (include/vigil_path_filter.h): a trie
 * of prefixes and a hash of last components, filled before the programs are
 * attached. The path matched is the one the kernel used, not the one the
 * process wrote, so that a relative name (`cd /etc; cat shadow`), a dirfd, ".."
 * or a symlink cannot hide an open:
 *
 * - an open that succeeded is matched on the opened file's own path, rebuilt
 *   from its dentries as the process's root sees it (the fd the call returned
 *   leads to the file);
 * - a call without a file (a failed open, a link, a chmod) is matched on the
 *   name as written, joined to the cwd (AT_FDCWD) or to dirfd's path when it
 *   is relative; an empty name with AT_EMPTY_PATH is dirfd's own path. The
 *   join is lexical: a leading "./" is dropped, but "..", "." and symlinks
 *   further on stay as written, so a failed `cat /etc/../etc/shadow` is
 *   missed (a successful one never is).
 *
 * Not seen here: opens through io_uring (no system call) or open_by_handle_at
 * (no event type yet), and a file reached through a hard link or a bind mount
 * made earlier (the link and the mount are events themselves).
 *
 * Every program orders its work by cost: the host filter first (most opens on
 * a machine are the host's), then the path and its two map lookups, and only
 * for a watched path the header and the record.
 */
#include "syscall.bpf.h"
#include "vigil_path_filter.h"

#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define S_ISUID 04000
#define S_ISGID 02000
#define PROC_SUPER_MAGIC 0x9fa0

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required by LPM tries */
	__uint(max_entries, 1024);
	__type(key, struct vigil_path_prefix_key);
	__type(value, __u32);
} path_prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vigil_path_name_key);
	__type(value, __u32);
} path_names SEC(".maps");

/*
 * s->path holds the path to match. path_build assembles a file's or a
 * folder's path so that it ends at s->path[VIGIL_PATH_MAX - 1]; a name the
 * process gave is read to s->path[NAME_AT], just after, so that replacing
 * that NUL with '/' joins the two into one string.
 */
#define NAME_AT VIGIL_PATH_MAX
#define PATH_BUF_MASK (2 * VIGIL_PATH_MAX - 1)

/* Where the path to match lies in s->path. */
struct watched_path {
	__u64 first;     /* its '/' */
	__u64 last;      /* its last byte, before the NUL */
	bool truncated;  /* path_build gave up: deeper or longer than its bounds */
};

/*
 * The file behind the current task's descriptor fd, or NULL. The task is a
 * trusted BTF pointer: the walk to the table is plain loads, only the slot
 * (at a variable index) needs a helper.
 */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

/*
 * How many bytes of "./" start the name at s->path[NAME_AT] (up to a few):
 * "./shadow" in /etc is /etc/shadow, and tools write names that way.
 */
static __always_inline __u64 leading_dot_slashes(struct vigil_scratch *s)
{
	__u64 skip = 0;

	for (int i = 0; i < 4; i++) {
		if (s->path[NAME_AT + skip] != '.' || s->path[NAME_AT + skip + 1] != '/')
			break;
		skip += 2;
	}
	return skip;
}

/*
 * Put the path to match in s->path and say where it lies. With `file` (what
 * an open returned), the file's own path. Otherwise (dirfd, name), joined as
 * described at the top; empty_is_dirfd: an empty name means dirfd itself
 * (AT_EMPTY_PATH). False when there is nothing to match: the name cannot be
 * read or is empty, or a relative name's dirfd is not open (the call failed
 * with EBADF).
 */
static __always_inline bool build_watched_path(struct vigil_scratch *s, struct task_struct *task, struct file *file,
					       int dirfd, const char *name, bool empty_is_dirfd,
					       struct watched_path *wp)
{
	struct path *base = NULL;
	struct file *dir;
	__u64 skip;
	long n = 0;

	wp->truncated = false;
	if (file) {
		/* f_path is const in recent kernels; path_build only reads it. */
		base = (struct path *)&file->f_path;
	} else {
		n = bpf_probe_read_user_str(&s->path[NAME_AT], VIGIL_PATH_MAX, name);
		if (n <= 0 || (n == 1 && !empty_is_dirfd))
			return false;
		if (n == VIGIL_PATH_MAX)
			wp->truncated = true;
		if (s->path[NAME_AT] != '/') {
			skip = leading_dot_slashes(s);
			if (skip) {
				n = bpf_probe_read_user_str(&s->path[NAME_AT], VIGIL_PATH_MAX, name + skip);
				if (n <= 0)
					return false;
			}
			if (dirfd == AT_FDCWD) {
				base = &BPF_CORE_READ(task, fs)->pwd;
			} else {
				dir = fd_file(task, dirfd);
				if (!dir)
					return false;
				base = (struct path *)&dir->f_path;
			}
		}
	}
	if (!base) {
		/* An absolute name, as written. */
		wp->first = NAME_AT;
		wp->last = NAME_AT + n - 2;
		return true;
	}
	wp->first = path_build(s, base, &task->fs->root, &wp->truncated);
	wp->last = VIGIL_PATH_MAX - 2;
	if (n > 1) {
		/* folder + '/' + name; the root folder "/" gives its own '/' */
		if (wp->first == VIGIL_PATH_MAX - 2)
			wp->first = VIGIL_PATH_MAX - 1;
		s->path[VIGIL_PATH_MAX - 1] = '/';
		wp->last = NAME_AT + n - 2;
	}
	return true;
}

static __always_inline bool starts_with_proc(const __u8 *p)
{
	return p[0] == '/' && p[1] == 'p' && p[2] == 'r' && p[3] == 'o' && p[4] == 'c' && p[5] == '/';
}

/*
 * Whether the path in s->path is watched: its last component is in
 * path_names, or it starts with a prefix in path_prefixes. `file`: the file
 * it is the path of, when there is one. `absolute`: false for a relative
 * symlink target, which is matched by its last component only.
 */
static __always_inline bool path_is_watched(struct vigil_scratch *s, const struct watched_path *wp,
					    struct file *file, bool absolute)
{
	struct vigil_path_name_key name = {};
	struct vigil_path_prefix_key prefix;
	__u64 len = wp->last + 1 - wp->first, name_len = VIGIL_PATH_NAME_MAX;
	__u32 *where;

	prefix.prefixlen = (len < VIGIL_PATH_PREFIX_MAX ? len : VIGIL_PATH_PREFIX_MAX) * 8;
	bpf_probe_read_kernel(prefix.data, sizeof(prefix.data), &s->path[wp->first & PATH_BUF_MASK]);

	/* The last component: a watched one is shorter than VIGIL_PATH_NAME_MAX, look no further back. */
	for (__u64 i = 0; i < VIGIL_PATH_NAME_MAX; i++) {
		if (s->path[(wp->last - i) & PATH_BUF_MASK] == '/') {
			name_len = i;
			break;
		}
	}
	if (name_len > 0 && name_len < VIGIL_PATH_NAME_MAX) {
		/*
		 * clang drops the mask, since it can prove the bound, and derives
		 * the size from a negation that the 6.1 verifier cannot follow; a
		 * barrier keeps the mask in the code.
		 */
		__u64 copy_len = name_len;

		barrier_var(copy_len);
		bpf_probe_read_kernel(name.name, copy_len & (VIGIL_PATH_NAME_MAX - 1),
				      &s->path[(wp->last + 1 - name_len) & PATH_BUF_MASK]);
		where = bpf_map_lookup_elem(&path_names, &name);
		if (where) {
			if (*where == VIGIL_PATH_NAME_ANYWHERE)
				return true;
			/* VIGIL_PATH_NAME_PROCFS: the opened file's filesystem, else the path's start */
			if (file && BPF_CORE_READ(file, f_inode, i_sb, s_magic) == PROC_SUPER_MAGIC)
				return true;
			if (!file && absolute && starts_with_proc(prefix.data))
				return true;
		}
	}
	return absolute && bpf_map_lookup_elem(&path_prefixes, &prefix);
}

/* Copy the path matched to string slot `slot` of the record. */
static __always_inline void store_watched_path(struct vigil_scratch *s, struct vigil_syscall_event *e, int slot,
					       const struct watched_path *wp)
{
	if (wp->truncated || wp->last + 1 - wp->first >= VIGIL_PATH_MAX)
		e->hdr.flags |= VIGIL_F_TRUNCATED_PATH;
	syscall_event_kernel_str(s, e, slot, &s->path[wp->first & PATH_BUF_MASK]);
}

/*
 * syscall_event_begin's host filter, run before anything else so that a host
 * task costs nothing more (but the look at the policy: a task filtered out
 * may still be decided on, see syscall_event_begin_as).
 */
static __always_inline bool task_filtered_out(struct task_struct *task, __u16 type)
{
	if (!filter_out_task(task) || enforce_may_decide(type, task))
		return false;
	count_filtered(type);
	return true;
}

/* ---- open, openat, openat2, creat ---- */

/*
 * An open of a watched path. result: the fd, or -errno. The slots: dirfd,
 * flags (O_ACCMODE says read or write), mode, resolve (openat2); the path
 * matched, the name as given.
 */
static __always_inline void open_event(__u16 type, long result, int dirfd, const char *name, __u64 flags,
				       __u64 mode, __u64 resolve)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_syscall_event *e;
	struct watched_path wp;
	struct vigil_scratch *s;
	struct file *file;

	s = scratch_space();
	if (!s)
		return;
	file = result >= 0 ? fd_file(task, result) : NULL;
	if (!build_watched_path(s, task, file, dirfd, name, false, &wp)) {
		count_filtered(type);
		return;
	}
	/* A path not watched is no event, but a policy may still decide on it. */
	e = syscall_event_begin_as(&s, type, result, path_is_watched(s, &wp, file, true));
	if (!e)
		return;
	e->args[0] = (__s64)dirfd;
	e->args[1] = flags;
	e->args[2] = mode;
	e->args[3] = resolve;
	store_watched_path(s, e, 0, &wp);
	syscall_event_user_str(s, e, 1, name);
	/* Decided on the path matched: the opened file's own, or the name joined as described at the top. */
	syscall_event_submit_decided(s, e,
				     &(struct enforce_input){ .str = { [VIGIL_STR_PATH] =
									       &s->path[wp.first & PATH_BUF_MASK] } },
				     true);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int vigil_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (task_filtered_out(bpf_get_current_task_btf(), VIGIL_EVENT_OPENAT))
		return 0;
	regs = current_user_regs();
	open_event(VIGIL_EVENT_OPENAT, ctx->ret, (int)syscall_regs_arg(regs, 0), (const char *)syscall_regs_arg(regs, 1),
		   syscall_regs_arg(regs, 2), syscall_regs_arg(regs, 3), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int vigil_open(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (task_filtered_out(bpf_get_current_task_btf(), VIGIL_EVENT_OPEN))
		return 0;
	regs = current_user_regs();
	open_event(VIGIL_EVENT_OPEN, ctx->ret, AT_FDCWD, (const char *)syscall_regs_arg(regs, 0),
		   syscall_regs_arg(regs, 1), syscall_regs_arg(regs, 2), 0);
	return 0;
}

/* creat(name, mode) is open(name, O_CREAT|O_WRONLY|O_TRUNC, mode): an open event, syscall "creat". */
SEC("tracepoint/syscalls/sys_exit_creat")
int vigil_creat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (task_filtered_out(bpf_get_current_task_btf(), VIGIL_EVENT_OPEN))
		return 0;
	regs = current_user_regs();
	open_event(VIGIL_EVENT_OPEN, ctx->ret, AT_FDCWD, (const char *)syscall_regs_arg(regs, 0),
		   O_CREAT | O_WRONLY | O_TRUNC, syscall_regs_arg(regs, 1), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int vigil_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct open_how how = {};
	struct pt_regs *regs;

	if (task_filtered_out(bpf_get_current_task_btf(), VIGIL_EVENT_OPENAT2))
		return 0;
	regs = current_user_regs();
	/* A shorter struct from an older program leaves the rest zero, as the kernel reads it. */
	bpf_probe_read_user(&how, sizeof(how), (void *)syscall_regs_arg(regs, 2));
	open_event(VIGIL_EVENT_OPENAT2, ctx->ret, (int)syscall_regs_arg(regs, 0),
		   (const char *)syscall_regs_arg(regs, 1), how.flags, how.mode, how.resolve);
	return 0;
}

/* ---- symlink, symlinkat, link, linkat ---- */

/*
 * A symlink to a watched path. The target is text the kernel does not
 * resolve at creation: an absolute one is matched as written, a relative one
 * by its last component only (it is relative to the link's folder, which the
 * exit of the call cannot see).
 */
static __always_inline void symlink_event(__u16 type, long result, const char *target, int newdirfd,
					  const char *linkpath)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_syscall_event *e;
	struct watched_path wp;
	struct vigil_scratch *s;
	long n;

	if (task_filtered_out(task, type))
		return;
	s = scratch_space();
	if (!s)
		return;
	n = bpf_probe_read_user_str(&s->path[NAME_AT], VIGIL_PATH_MAX, target);
	if (n <= 1) {
		count_filtered(type);
		return;
	}
	/* A '/' before a relative target ends the scan for its last component. */
	s->path[NAME_AT - 1] = '/';
	wp.first = NAME_AT;
	wp.last = NAME_AT + n - 2;
	wp.truncated = false;
	e = syscall_event_begin_as(&s, type, result, path_is_watched(s, &wp, NULL, s->path[NAME_AT] == '/'));
	if (!e)
		return;
	e->args[0] = (__s64)newdirfd;
	syscall_event_user_str(s, e, 0, target);
	syscall_event_user_str(s, e, 1, linkpath);
	syscall_event_submit(s, e);
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int vigil_symlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	symlink_event(VIGIL_EVENT_SYMLINK, ctx->ret, (const char *)syscall_regs_arg(regs, 0), AT_FDCWD,
		      (const char *)syscall_regs_arg(regs, 1));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int vigil_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	symlink_event(VIGIL_EVENT_SYMLINKAT, ctx->ret, (const char *)syscall_regs_arg(regs, 0),
		      (int)syscall_regs_arg(regs, 1), (const char *)syscall_regs_arg(regs, 2));
	return 0;
}

/*
 * A hard link to a watched path: oldpath is joined to olddirfd (or is
 * olddirfd's file itself, with AT_EMPTY_PATH) and reported joined, so rules
 * see which file got a second name; newpath as given.
 */
static __always_inline void link_event(__u16 type, long result, int olddirfd, const char *oldpath, int newdirfd,
				       const char *newpath, __u64 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_syscall_event *e;
	struct watched_path wp;
	struct vigil_scratch *s;

	if (task_filtered_out(task, type))
		return;
	s = scratch_space();
	if (!s)
		return;
	if (!build_watched_path(s, task, NULL, olddirfd, oldpath, flags & AT_EMPTY_PATH, &wp)) {
		count_filtered(type);
		return;
	}
	e = syscall_event_begin_as(&s, type, result, path_is_watched(s, &wp, NULL, true));
	if (!e)
		return;
	e->args[0] = (__s64)olddirfd;
	e->args[1] = (__s64)newdirfd;
	e->args[2] = flags;
	store_watched_path(s, e, 0, &wp);
	syscall_event_user_str(s, e, 1, newpath);
	syscall_event_submit(s, e);
}

SEC("tracepoint/syscalls/sys_exit_link")
int vigil_link(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	link_event(VIGIL_EVENT_LINK, ctx->ret, AT_FDCWD, (const char *)syscall_regs_arg(regs, 0), AT_FDCWD,
		   (const char *)syscall_regs_arg(regs, 1), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_linkat")
int vigil_linkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	link_event(VIGIL_EVENT_LINKAT, ctx->ret, (int)syscall_regs_arg(regs, 0), (const char *)syscall_regs_arg(regs, 1),
		   (int)syscall_regs_arg(regs, 2), (const char *)syscall_regs_arg(regs, 3), syscall_regs_arg(regs, 4));
	return 0;
}

/* ---- chmod, fchmod, fchmodat, fchmodat2 ---- */

/*
 * A chmod that sets the setuid or setgid bit (the mode is tested before
 * anything else: it drops nearly every chmod). The file is fd's (fchmod) or
 * (dirfd, name) joined as for a link; its path goes in the path slot.
 */
static __always_inline void chmod_event(__u16 type, long result, int dirfd, const char *name, int fd, __u64 mode,
					__u64 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vigil_syscall_event *e;
	struct watched_path wp;
	struct vigil_scratch *s;
	struct file *file = NULL;

	e = syscall_event_begin_as(&s, type, result, mode & (S_ISUID | S_ISGID));
	if (!e)
		return;
	if (!name)
		file = fd_file(task, fd);
	e->args[0] = (__s64)(name ? dirfd : fd);
	e->args[1] = mode;
	e->args[2] = flags;
	if (build_watched_path(s, task, file, dirfd, name, flags & AT_EMPTY_PATH, &wp))
		store_watched_path(s, e, 0, &wp);
	syscall_event_submit(s, e);
}

SEC("tracepoint/syscalls/sys_exit_chmod")
int vigil_chmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	chmod_event(VIGIL_EVENT_CHMOD, ctx->ret, AT_FDCWD, (const char *)syscall_regs_arg(regs, 0), -1,
		    syscall_regs_arg(regs, 1), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchmod")
int vigil_fchmod(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	chmod_event(VIGIL_EVENT_FCHMOD, ctx->ret, AT_FDCWD, NULL, (int)syscall_regs_arg(regs, 0),
		    syscall_regs_arg(regs, 1), 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchmodat")
int vigil_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	/* fchmodat(2) has no flags argument: libc's flags are emulated with other calls. */
	chmod_event(VIGIL_EVENT_FCHMODAT, ctx->ret, (int)syscall_regs_arg(regs, 0),
		    (const char *)syscall_regs_arg(regs, 1), -1, syscall_regs_arg(regs, 2), 0);
	return 0;
}

/* fchmodat2 (Linux 6.6) is fchmodat with flags: a fchmodat event, syscall "fchmodat2". */
SEC("tracepoint/syscalls/sys_exit_fchmodat2")
int vigil_fchmodat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	chmod_event(VIGIL_EVENT_FCHMODAT, ctx->ret, (int)syscall_regs_arg(regs, 0),
		    (const char *)syscall_regs_arg(regs, 1), -1, syscall_regs_arg(regs, 2),
		    syscall_regs_arg(regs, 3));
	return 0;
}
