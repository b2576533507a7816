// SPDX-License-Identifier: GPL-2.0
/*
 * Process lifecycle: exec, fork and exit. The agent's process table is kept
 * from these, so every other event can name its parent and ancestors.
 */
#include "vigil.bpf.h"
#include "path.bpf.h"
#include "enforce.bpf.h"

/* Store the string tail of an exec record; returns the tail's length. */
static __always_inline __u32 store_exec_tail(struct vigil_scratch *s, struct task_struct *task,
					     struct linux_binprm *bprm)
{
	struct vigil_exec_event *e = (void *)s->record;
	bool path_truncated = false;
	/* 64-bit on purpose: clang bounds-checks a 32-bit copy of a 32-bit value. */
	__u64 off, len, pos;
	unsigned long arg_start, arg_end;
	long n;

	/* filename, as execve was given it (relative names stay relative) */
	n = bpf_probe_read_kernel_str(e->tail, VIGIL_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n <= 0) {
		e->tail[0] = '\0';
		n = 1;
	}
	if (n == VIGIL_PATH_MAX)
		e->hdr.flags |= VIGIL_F_TRUNCATED_FILENAME;
	e->filename.off = 0;
	e->filename.len = n - 1;
	off = n;

	/* argv, NUL-separated as it lies in the new process's memory */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > VIGIL_ARGS_MAX) {
		len = VIGIL_ARGS_MAX;
		e->hdr.flags |= VIGIL_F_TRUNCATED_ARGS;
	}
	barrier_var(off);
	if (off > VIGIL_PATH_MAX)
		off = VIGIL_PATH_MAX;
	barrier_var(len);
	if (len > VIGIL_ARGS_MAX)
		len = VIGIL_ARGS_MAX;
	if (len && bpf_probe_read_user(&e->tail[off], len, (void *)arg_start)) {
		len = 0;
		e->hdr.flags |= VIGIL_F_TRUNCATED_ARGS;
	}
	e->args.off = off;
	e->args.len = len;
	off += len;

	/* cwd, relative to the task's root */
	pos = path_build(s, &task->fs->pwd, &task->fs->root, &path_truncated);
	if (path_truncated)
		e->hdr.flags |= VIGIL_F_TRUNCATED_PATH;
	barrier_var(off);
	if (off > VIGIL_PATH_MAX + VIGIL_ARGS_MAX)
		off = VIGIL_PATH_MAX + VIGIL_ARGS_MAX;
	len = path_copy(&e->tail[off], s, pos);
	e->cwd.off = off;
	e->cwd.len = len;
	return off + len + 1;
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/*
 * overlayfs's inode around the VFS one (fs/overlayfs/ovl_entry.h). A local
 * flavour that CO-RE relocates: overlayfs may be a module, absent from
 * vmlinux.h, and its layout is private to it.
 */
struct ovl_inode___vigil {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

/*
 * A memfd: memfd_create names every one "memfd:<name>" (a program cannot
 * choose another) and its inode is never linked into a folder. The name alone
 * could be a disk file's, which is linked; the link count alone would also
 * take an O_TMPFILE or a deleted file run through its fd, which are not
 * memfds (though just as fileless).
 */
static __always_inline bool file_is_memfd(struct file *file)
{
	char name[6];

	if (BPF_CORE_READ(file, f_inode, i_nlink) != 0)
		return false;
	if (bpf_probe_read_kernel(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name)))
		return false;
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
	       name[5] == ':';
}

/*
 * The file lives in an overlayfs upper layer: a container's file written (or
 * changed) after the container started, not one of its image's. An overlay
 * inode has an upper dentry exactly when the file was created or copied up.
 */
static __always_inline bool file_in_upper_layer(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct ovl_inode___vigil *ovl;

	if (!bpf_core_field_exists(struct ovl_inode___vigil, __upperdentry))
		return false;
	if (BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return false;
	ovl = (void *)inode - bpf_core_field_offset(struct ovl_inode___vigil, vfs_inode);
	return BPF_CORE_READ(ovl, __upperdentry) != NULL;
}

/* The file's path, as the task's root sees it, starts with "/dev/shm/". Uses s->path. */
static __always_inline bool file_in_dev_shm(struct vigil_scratch *s, struct task_struct *task, struct file *file)
{
	static const char dev_shm[] = "/dev/shm/";
	bool truncated = false;
	/* f_path is const in recent kernels; path_build only reads it. */
	__u64 pos = path_build(s, (struct path *)&file->f_path, &task->fs->root, &truncated);

	for (__u64 i = 0; i < sizeof(dev_shm) - 1; i++)
		if (s->path[(pos + i) & (sizeof(s->path) - 1)] != dev_shm[i])
			return false;
	return true;
}

/* Where the program just loaded comes from: VIGIL_EXE_* but VIGIL_EXE_HAS_TTY. Uses s->path. */
static __always_inline __u32 exe_origin(struct vigil_scratch *s, struct task_struct *task, struct file *exe)
{
	__u32 flags = 0;

	if (file_is_memfd(exe))
		flags |= VIGIL_EXE_MEMFD;
	if (file_in_upper_layer(exe))
		flags |= VIGIL_EXE_UPPER_LAYER;
	if (file_in_dev_shm(s, task, exe))
		flags |= VIGIL_EXE_DEV_SHM;
	return flags;
}

/* The controlling terminal's device number, encoded as new_encode_dev does (stat's st_rdev); 0 for none. */
static __always_inline __u32 task_tty(struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	__u32 major, minor;

	if (!tty)
		return 0;
	major = BPF_CORE_READ(tty, driver, major);
	minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* After exec the task is its process's leader: the state goes on it. */
static __always_inline void mark_execed(struct task_struct *task)
{
	struct vigil_task_state *state;

	if (task_is_host(task))
		return;
	state = bpf_task_storage_get(&task_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (state)
		state->flags |= VIGIL_TASK_EXECED;
}

/*
 * Enforcement on an exec that happened: where the LSM hook decides execs, the
 * verdict it left (a dry run's: an exec it denied never gets here); else the
 * decision on the program loaded, by its path as the task's root sees it,
 * carried out here (a kill: the new image never runs an instruction). Uses
 * s->path.
 */
static __always_inline __u8 exec_decide(struct vigil_scratch *s, struct task_struct *task, struct file *exe,
					__u8 *hook)
{
	struct enforce_input in = {};
	bool truncated = false;
	__u64 pos;

	if (!enforce_may_decide(VIGIL_EVENT_EXEC, task))
		return VIGIL_VERDICT_NONE;
	if (enforce_lsm_decides(VIGIL_EVENT_EXEC)) {
		*hook = VIGIL_HOOK_LSM;
		return enforce_take_verdict(VIGIL_EVENT_EXEC);
	}
	*hook = VIGIL_HOOK_TRACEPOINT;
	/* f_path is const in recent kernels; path_build only reads it. */
	pos = path_build(s, (struct path *)&exe->f_path, &task->fs->root, &truncated);
	in.str[VIGIL_STR_PATH] = &s->path[pos & (VIGIL_PATH_MAX - 1)];
	return enforce_act(enforce_decide(VIGIL_EVENT_EXEC, task, &in), false);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vigil_exec_event *e;
	struct vigil_scratch *s;
	struct file *exe;
	__u32 tail_len;
	__u8 hook = VIGIL_HOOK_TRACEPOINT, verdict;
	bool wanted;

	mark_execed(task);
	/* A task filtered out is still decided on, and its exec sent when the decision acted. */
	wanted = !filter_out_task(task);
	if (!wanted && !enforce_may_decide(VIGIL_EVENT_EXEC, task)) {
		count_filtered(VIGIL_EVENT_EXEC);
		return 0;
	}
	s = scratch_space();
	if (!s)
		return 0;
	/* bprm->file is what the kernel loaded: for a script, its interpreter. */
	exe = BPF_CORE_READ(bprm, file);
	verdict = exec_decide(s, task, exe, &hook);
	if (!wanted && verdict == VIGIL_VERDICT_NONE) {
		count_filtered(VIGIL_EVENT_EXEC);
		return 0;
	}
	e = (void *)s->record;
	fill_header(&e->hdr, VIGIL_EVENT_EXEC, task);
	if (verdict) {
		e->hdr.hook = hook;
		e->hdr.verdict = verdict;
	}
	e->argc = BPF_CORE_READ(bprm, argc);
	e->old_tid = old_pid;
	/* The script, if any, is exec.filename. Before the tail: both use s->path. */
	e->exe_flags = exe_origin(s, task, exe);
	e->tty = task_tty(task);
	if (e->tty)
		e->exe_flags |= VIGIL_EXE_HAS_TTY;
	e->exe_ino = BPF_CORE_READ(exe, f_inode, i_ino);
	e->_pad = 0;
	tail_len = store_exec_tail(s, task, bprm);
	e->hdr.size = sizeof(*e) + tail_len;
	submit(e, e->hdr.size, VIGIL_EVENT_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vigil_fork_event *e;
	struct vigil_task_state *parent_state, *child_state;

	/* Threads share the process's table entry and state; only new processes matter. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	/* A child is set up, or not, as its parent process is. */
	parent_state = bpf_task_storage_get(&task_state, parent->group_leader, 0, 0);
	if (parent_state) {
		child_state = bpf_task_storage_get(&task_state, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (child_state)
			child_state->flags = parent_state->flags;
	}
	/* Judge by the child: runc's clone into new namespaces is a container's birth. */
	if (filter_out_task(child)) {
		count_filtered(VIGIL_EVENT_FORK);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_dropped(VIGIL_EVENT_FORK);
		return 0;
	}
	fill_header(&e->hdr, VIGIL_EVENT_FORK, parent);
	e->hdr.size = sizeof(*e);
	e->child_tgid = BPF_CORE_READ(child, tgid);
	e->child_vpid = task_vtgid(child);
	e->child_cgroup_id = BPF_CORE_READ(child, cgroups, dfl_cgrp, kn, id);
	submit_reserved(&e->hdr, VIGIL_EVENT_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *task)
{
	struct vigil_exit_event *e;

	/* signal->live drops to zero as the last thread of the process exits. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (filter_out_task(task)) {
		count_filtered(VIGIL_EVENT_EXIT);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_dropped(VIGIL_EVENT_EXIT);
		return 0;
	}
	fill_header(&e->hdr, VIGIL_EVENT_EXIT, task);
	e->hdr.size = sizeof(*e);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->_pad = 0;
	submit_reserved(&e->hdr, VIGIL_EVENT_EXIT);
	return 0;
}
