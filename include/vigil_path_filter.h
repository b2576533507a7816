/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The file watch list between the agent and bpf/file.bpf.c: which paths make
 * an open, a link or a symlink an event. Two maps, both filled by the agent
 * (user/path_filter.c) before the programs are attached, so the rules can widen
 * them without a rebuild:
 *
 * - path_prefixes, an LPM trie: a path is watched when it starts with one of
 *   the prefixes ("/etc/shadow", "/etc/pam.d/", "/dev/sd"). Key: the prefix
 *   length in bits, then the bytes; a lookup key carries the path's first
 *   VIGIL_PATH_PREFIX_MAX bytes and their length.
 * - path_names, a hash: a path is watched when its last component is one of the
 *   names ("release_agent", "docker.sock"), wherever it lies, or, for the
 *   VIGIL_PATH_NAME_PROCFS ones ("mem", "environ"), when it is a procfs file.
 *
 * Like vigil_event.h: fixed-width types only and no includes.
 */
#ifndef VIGIL_PATH_FILTER_H
#define VIGIL_PATH_FILTER_H

/* The longest prefix a rule can ask for, and the bytes of a path a lookup compares. */
#define VIGIL_PATH_PREFIX_MAX 128
/* Longest watched name + 1: names are NUL-padded to this size. */
#define VIGIL_PATH_NAME_MAX 32

struct vigil_path_prefix_key {
	__u32 prefixlen;                    /* in bits, as BPF_MAP_TYPE_LPM_TRIE wants */
	__u8 data[VIGIL_PATH_PREFIX_MAX];   /* the prefix; bytes past prefixlen are ignored */
};

struct vigil_path_name_key {
	char name[VIGIL_PATH_NAME_MAX];     /* the last component, NUL-padded */
};

/* The value of a path_prefixes entry. */
#define VIGIL_PATH_PREFIX_WATCHED 1u

/* The value of a path_names entry: where the name counts. */
#define VIGIL_PATH_NAME_ANYWHERE 1u /* in any folder of any filesystem */
/*
 * Only on procfs: a file of a process's /proc folder (/proc/<pid>/mem,
 * /proc/self/environ, /proc/<pid>/task/<tid>/mem). An open that succeeded is
 * judged by the opened file's filesystem, wherever procfs is mounted; a path
 * without a file (a failed open, a link) by its "/proc/" start.
 */
#define VIGIL_PATH_NAME_PROCFS   2u

#endif /* VIGIL_PATH_FILTER_H */
