/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rebuild an absolute path from a struct path by walking dentries, for hooks
 * where bpf_d_path() is not allowed (tracepoints). The walk stops at the
 * task's root, so a container's cwd reads as the container sees it ("/app"),
 * not as the host does (".../overlay2/<id>/merged/app").
 */
#ifndef VIGIL_PATH_BPF_H
#define VIGIL_PATH_BPF_H

#include "vigil.bpf.h"

#define VIGIL_NAME_MAX 255

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return container_of(vfsmnt, struct mount, mnt);
}

/*
 * Write the path into s->path back to front, ending at
 * path[VIGIL_PATH_MAX - 1] = '\0'. Returns the offset of its first byte; sets
 * *truncated when the path was deeper or longer than the bounds allow.
 */
static __always_inline __u32 path_build(struct vigil_scratch *s, struct path *path, struct path *root,
					bool *truncated)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);
	struct dentry *root_dentry = BPF_CORE_READ(root, dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(root, mnt);
	struct mount *mnt = real_mount(vfsmnt);
	bool done = false;
	__u32 pos;

	s->path[VIGIL_PATH_MAX - 1] = '\0';
	s->path_pos = VIGIL_PATH_MAX - 1;
	for (int i = 0; i < VIGIL_PATH_DEPTH_MAX; i++) {
		struct dentry *parent, *mnt_root;
		const unsigned char *name;
		__u32 len;

		if (dentry == root_dentry && vfsmnt == root_mnt) {
			done = true;
			break;
		}
		mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == mnt_root || dentry == parent) {
			struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

			/* The top of the mount tree, or a dentry cut off from it. */
			if (dentry != mnt_root || mnt == mnt_parent) {
				done = true;
				break;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			vfsmnt = &mnt->mnt;
			continue;
		}
		name = BPF_CORE_READ(dentry, d_name.name);
		len = BPF_CORE_READ(dentry, d_name.len) & VIGIL_NAME_MAX;
		pos = s->path_pos;
		if (pos >= VIGIL_PATH_MAX || len + 1 > pos) {
			*truncated = true;
			done = true;
			break;
		}
		pos -= len + 1;
		s->path[pos & (VIGIL_PATH_MAX - 1)] = '/';
		bpf_probe_read_kernel(&s->path[(pos + 1) & (VIGIL_PATH_MAX - 1)], len, name);
		s->path_pos = pos;
		dentry = parent;
	}
	if (!done)
		*truncated = true;
	pos = s->path_pos;
	if (pos == VIGIL_PATH_MAX - 1) {
		/* Nothing above the root: the path is "/". */
		s->path[VIGIL_PATH_MAX - 2] = '/';
		pos = VIGIL_PATH_MAX - 2;
	}
	return pos;
}

/*
 * Copy the path built at s->path[pos] into dst (room for VIGIL_PATH_MAX
 * bytes) and return its length without the NUL.
 */
static __always_inline __u32 path_copy(char *dst, struct vigil_scratch *s, __u64 pos)
{
	__u64 len;

	/* 64-bit arithmetic throughout: clang bounds-checks a 32-bit copy otherwise. */
	pos &= VIGIL_PATH_MAX - 1;
	len = VIGIL_PATH_MAX - pos; /* with the NUL */
	barrier_var(len);
	if (len > VIGIL_PATH_MAX || len == 0)
		return 0;
	bpf_probe_read_kernel(dst, len, &s->path[pos]);
	return len - 1;
}

#endif /* VIGIL_PATH_BPF_H */
