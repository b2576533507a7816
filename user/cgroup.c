// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup id -> cgroup path.
 *
 * On 64-bit kernels a cgroup v2 id is the kernfs node id, which is both the
 * inode number of the cgroup's directory and the payload of its kernfs file
 * handle (FILEID_KERNFS). So with CAP_DAC_READ_SEARCH one
 * open_by_handle_at() opens the cgroup directly and /proc/self/fd names it;
 * without that capability the kernel refuses the handle and we search the
 * tree for a directory with that inode number. Either way the answer is
 * cached, because every event carries a cgroup id.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "u64map.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* include/linux/exportfs.h: the handle type kernfs encodes, 8 bytes of node id. */
#define FILEID_KERNFS 0xfe

/* Deeper than any real hierarchy (systemd + kubepods + DinD is about 10). */
#define CGROUP_WALK_MAX_DEPTH 64

/* /proc/self/mountinfo is a few KiB; anything near this is not mountinfo. */
#define MOUNTINFO_MAX_SIZE (64u << 20)

/* Ids told as "no such cgroup" that are remembered at most; then the memory starts afresh. */
#define NULL_TOLD_MAX 65536

enum cgroup_resolve_method {
	RESOLVE_FILE_HANDLE,
	RESOLVE_TREE_WALK,
	RESOLVE_REPLAY, /* only what was put */
};

struct cgroup_resolver {
	int mount_fd;
	dev_t mount_dev;
	uint64_t mount_ino;
	char *mount_point;  /* as found or given */
	char *mount_link;   /* the mount as /proc/self/fd/N names it: the prefix to strip */
	char *root;         /* the cgroup shown at the mount, "/" for the whole hierarchy */
	struct file_handle *handle; /* reused for every open_by_handle_at() */
	enum cgroup_resolve_method method;
	struct u64map *paths; /* id -> malloc'd path relative to the hierarchy */

	cgroup_observer_fn observer;
	void *observer_ctx;
	/*
	 * Ids the observer was told have no cgroup (value: a non-NULL marker).
	 * Those answers are not cached (the next event asks the tree again), so
	 * without this each event of a removed cgroup would be a record.
	 */
	struct u64map *null_told;
};

/* ---- mountinfo ---- */

/* A field of a mountinfo line: len bytes at start, no spaces. */
struct mountinfo_field {
	const char *start;
	size_t len;
};

static bool field_equals(struct mountinfo_field f, const char *s)
{
	size_t len = strlen(s);

	return f.len == len && memcmp(f.start, s, len) == 0;
}

static bool is_octal_digit(char c)
{
	return c >= '0' && c <= '7';
}

/*
 * Decode the kernel's mangling of mountinfo paths (fs/proc_namespace.c
 * escapes space, tab, newline and backslash as \ooo) into out. A backslash
 * not followed by three octal digits is kept as is. Fails when the result
 * does not fit or would hold a NUL.
 */
static bool unescape_mountinfo_path(struct mountinfo_field f, char *out, size_t out_size)
{
	size_t o = 0;

	for (size_t i = 0; i < f.len; i++) {
		unsigned char c = (unsigned char)f.start[i];

		if (c == '\\' && f.len - i > 3 && is_octal_digit(f.start[i + 1]) &&
		    is_octal_digit(f.start[i + 2]) && is_octal_digit(f.start[i + 3])) {
			unsigned value = (unsigned)(f.start[i + 1] - '0') * 64 +
					 (unsigned)(f.start[i + 2] - '0') * 8 +
					 (unsigned)(f.start[i + 3] - '0');
			if (value == 0 || value > 0xff)
				return false;
			c = (unsigned char)value;
			i += 3;
		}
		if (o + 1 >= out_size)
			return false;
		out[o++] = (char)c;
	}
	if (o == 0)
		return false;
	out[o] = '\0';
	return true;
}

/*
 * One line: "id parent major:minor root mount-point options [optional...] - fstype source super-options".
 * The optional fields (shared:N, master:N, ...) vary in number, so the
 * filesystem type is found after the lone "-", never at a fixed index.
 */
static bool parse_mountinfo_line(const char *line, size_t line_len, struct mountinfo_field *root,
				 struct mountinfo_field *mount_point, struct mountinfo_field *fstype)
{
	size_t index = 0;
	bool after_separator = false;

	for (size_t i = 0; i < line_len;) {
		if (line[i] == ' ' || line[i] == '\t') {
			i++;
			continue;
		}
		struct mountinfo_field f = { line + i, 0 };
		while (i < line_len && line[i] != ' ' && line[i] != '\t')
			i++;
		f.len = (size_t)(line + i - f.start);

		if (after_separator) {
			*fstype = f;
			return true;
		}
		if (index == 3)
			*root = f;
		else if (index == 4)
			*mount_point = f;
		else if (index >= 6 && field_equals(f, "-"))
			after_separator = true;
		index++;
	}
	return false;
}

static bool is_standard_cgroup2_location(const char *mount_point)
{
	return strcmp(mount_point, "/sys/fs/cgroup") == 0 ||
	       strcmp(mount_point, "/sys/fs/cgroup/unified") == 0;
}

int cgroup_mountinfo_find_cgroup2(const char *mountinfo, struct cgroup2_mount *out)
{
	struct cgroup2_mount candidate;
	int best_rank = 0;

	for (const char *line = mountinfo; *line;) {
		const char *newline = strchr(line, '\n');
		size_t line_len = newline ? (size_t)(newline - line) : strlen(line);
		struct mountinfo_field root, mount_point, fstype;

		if (parse_mountinfo_line(line, line_len, &root, &mount_point, &fstype) &&
		    field_equals(fstype, "cgroup2") &&
		    unescape_mountinfo_path(root, candidate.root, sizeof(candidate.root)) &&
		    unescape_mountinfo_path(mount_point, candidate.mount_point,
					    sizeof(candidate.mount_point)) &&
		    candidate.mount_point[0] == '/' && candidate.root[0] == '/') {
			/*
			 * A mount of the whole hierarchy beats a bind mount of one
			 * cgroup (paths below it would lack their prefix); the
			 * usual place beats a copy mounted elsewhere.
			 */
			int rank = 1;
			if (strcmp(candidate.root, "/") == 0)
				rank += 2;
			if (is_standard_cgroup2_location(candidate.mount_point))
				rank += 1;
			if (rank > best_rank) {
				best_rank = rank;
				*out = candidate;
			}
		}
		line += line_len;
		if (*line == '\n')
			line++;
	}
	return best_rank > 0 ? 0 : -ENOENT;
}

/* Read a whole file whose size stat() does not tell (procfs). */
static char *read_text_file(const char *path, int *err)
{
	size_t size = 0, capacity = 16384;
	char *text = malloc(capacity);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!text || fd < 0) {
		*err = !text ? ENOMEM : errno;
		goto fail;
	}
	for (;;) {
		if (capacity - size < 2) {
			if (capacity >= MOUNTINFO_MAX_SIZE) {
				*err = EFBIG;
				goto fail;
			}
			char *bigger = realloc(text, capacity * 2);
			if (!bigger) {
				*err = ENOMEM;
				goto fail;
			}
			text = bigger;
			capacity *= 2;
		}
		ssize_t n = read(fd, text + size, capacity - size - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = errno;
			goto fail;
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	close(fd);
	text[size] = '\0';
	return text;
fail:
	if (fd >= 0)
		close(fd);
	free(text);
	return NULL;
}

/* ---- the resolver ---- */

static void choose_method(struct cgroup_resolver *r);

struct cgroup_resolver *cgroup_resolver_new(const char *mount_point, char *err, size_t errlen)
{
	struct cgroup_resolver *r = calloc(1, sizeof(*r));
	struct cgroup2_mount *found = NULL;
	char link_path[64], link[PATH_MAX];
	struct statfs sfs;
	struct stat st;

	if (!r) {
		snprintf(err, errlen, "out of memory while setting up the cgroup resolver");
		return NULL;
	}
	r->mount_fd = -1;

	if (!mount_point) {
		int read_err = 0;
		char *mountinfo = read_text_file("/proc/self/mountinfo", &read_err);

		if (!mountinfo) {
			snprintf(err, errlen,
				 "cannot read /proc/self/mountinfo (%s): vigil needs /proc mounted to find the cgroup2 mount",
				 strerror(read_err));
			goto fail;
		}
		found = malloc(sizeof(*found));
		int parse_err = found ? cgroup_mountinfo_find_cgroup2(mountinfo, found) : -ENOMEM;
		free(mountinfo);
		if (parse_err == -ENOENT) {
			snprintf(err, errlen,
				 "no cgroup2 mount found in /proc/self/mountinfo: vigil needs the unified cgroup hierarchy "
				 "(mount -t cgroup2 none /sys/fs/cgroup/unified)");
			goto fail;
		} else if (parse_err) {
			snprintf(err, errlen, "out of memory while reading /proc/self/mountinfo");
			goto fail;
		}
		mount_point = found->mount_point;
		r->root = strdup(found->root);
	} else {
		r->root = strdup("/");
	}
	r->mount_point = strdup(mount_point);
	r->paths = u64map_new();
	r->handle = malloc(sizeof(struct file_handle) + sizeof(uint64_t));
	if (!r->root || !r->mount_point || !r->paths || !r->handle) {
		snprintf(err, errlen, "out of memory while setting up the cgroup resolver");
		goto fail;
	}

	r->mount_fd = open(mount_point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->mount_fd < 0) {
		snprintf(err, errlen, "cannot open the cgroup2 mount %s: %s", mount_point, strerror(errno));
		goto fail;
	}
	if (fstatfs(r->mount_fd, &sfs) || fstat(r->mount_fd, &st)) {
		snprintf(err, errlen, "cannot stat the cgroup2 mount %s: %s", mount_point, strerror(errno));
		goto fail;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen,
			 "%s is not a cgroup2 mount (file system magic 0x%lx): give the mount point of the "
			 "unified hierarchy, /sys/fs/cgroup or /sys/fs/cgroup/unified on most hosts",
			 mount_point, (unsigned long)sfs.f_type);
		goto fail;
	}
	r->mount_dev = st.st_dev;
	r->mount_ino = (uint64_t)st.st_ino;

	/*
	 * Paths read back from /proc/self/fd are canonical (no symlinks, no
	 * "//"); take the mount's own the same way so the prefix always matches.
	 */
	snprintf(link_path, sizeof(link_path), "/proc/self/fd/%d", r->mount_fd);
	ssize_t n = readlink(link_path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		r->mount_link = strdup(link);
	} else {
		r->mount_link = strdup(mount_point);
	}
	if (!r->mount_link) {
		snprintf(err, errlen, "out of memory while setting up the cgroup resolver");
		goto fail;
	}
	choose_method(r);
	free(found);
	return r;
fail:
	free(found);
	cgroup_resolver_free(r);
	return NULL;
}

void cgroup_resolver_free(struct cgroup_resolver *r)
{
	if (!r)
		return;
	if (r->mount_fd >= 0)
		close(r->mount_fd);
	if (r->paths)
		u64map_free(r->paths, free);
	if (r->null_told)
		u64map_free(r->null_told, NULL);
	free(r->handle);
	free(r->mount_point);
	free(r->mount_link);
	free(r->root);
	free(r);
}

const char *cgroup_resolver_mount(const struct cgroup_resolver *r)
{
	return r->mount_point;
}

const char *cgroup_resolver_method(const struct cgroup_resolver *r)
{
	switch (r->method) {
	case RESOLVE_FILE_HANDLE:
		return "open_by_handle_at";
	case RESOLVE_TREE_WALK:
		return "tree walk";
	case RESOLVE_REPLAY:
		return "replay";
	}
	return "unknown";
}

/* root + path below the mount, as a path of the whole hierarchy; malloc'd. */
static char *hierarchy_path(const struct cgroup_resolver *r, const char *below_mount)
{
	char *path;

	if (strcmp(r->root, "/") == 0)
		return strdup(below_mount);
	if (strcmp(below_mount, "/") == 0)
		return strdup(r->root);
	if (asprintf(&path, "%s%s", r->root, below_mount) < 0)
		return NULL;
	return path;
}

enum lookup_result {
	LOOKUP_FOUND,
	LOOKUP_NO_SUCH_CGROUP,
	LOOKUP_METHOD_REFUSED, /* try the other method */
};

/* Strip the mount from a full path read back from /proc/self/fd; NULL if it is not below it. */
static const char *path_below_mount(const struct cgroup_resolver *r, const char *full)
{
	size_t mount_len = strlen(r->mount_link);

	if (strcmp(r->mount_link, "/") == 0)
		return full;
	if (strncmp(full, r->mount_link, mount_len) != 0)
		return NULL;
	if (full[mount_len] == '\0')
		return "/";
	if (full[mount_len] != '/')
		return NULL; /* /sys/fs/cgroup/unified2 is not below /sys/fs/cgroup/unified */
	return full + mount_len;
}

static enum lookup_result lookup_by_file_handle(struct cgroup_resolver *r, uint64_t id, char **path)
{
	char link_path[64], link[PATH_MAX];
	static const char deleted[] = " (deleted)";

	r->handle->handle_bytes = sizeof(id);
	r->handle->handle_type = FILEID_KERNFS;
	memcpy(r->handle->f_handle, &id, sizeof(id));
	int fd = open_by_handle_at(r->mount_fd, r->handle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS)
			return LOOKUP_METHOD_REFUSED;
		/* ESTALE, ENOENT: no such cgroup (any more); others: nothing better to do. */
		return LOOKUP_NO_SUCH_CGROUP;
	}
	snprintf(link_path, sizeof(link_path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link_path, link, sizeof(link));
	close(fd);
	if (n <= 0 || (size_t)n >= sizeof(link))
		return LOOKUP_NO_SUCH_CGROUP;
	link[n] = '\0';
	/* Removed between the open and the readlink. */
	if ((size_t)n >= sizeof(deleted) - 1 && strcmp(link + n - (sizeof(deleted) - 1), deleted) == 0)
		return LOOKUP_NO_SUCH_CGROUP;
	const char *below = path_below_mount(r, link);
	if (!below)
		return LOOKUP_NO_SUCH_CGROUP;
	*path = hierarchy_path(r, below);
	return *path ? LOOKUP_FOUND : LOOKUP_NO_SUCH_CGROUP;
}

/*
 * Depth-first search below dir_fd (which it takes over) for a directory with
 * inode `id`, on the cgroup2 file system only, never following a symlink.
 * path[0..path_len) is dir_fd's path below the mount; on success path holds
 * the cgroup's.
 */
static bool walk_find(const struct cgroup_resolver *r, int dir_fd, uint64_t id, char *path,
		      size_t path_len, size_t path_size, unsigned depth)
{
	DIR *dir = fdopendir(dir_fd);
	struct dirent *entry;
	bool found = false;

	if (!dir) {
		close(dir_fd);
		return false;
	}
	while (!found && (entry = readdir(dir))) {
		struct stat st;

		if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)
			continue; /* cgroup control files */
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode) || st.st_dev != r->mount_dev)
			continue;
		size_t name_len = strlen(entry->d_name);
		if (path_len + 1 + name_len >= path_size)
			continue; /* too deep to name: cannot be a cgroup events come from */
		path[path_len] = '/';
		memcpy(path + path_len + 1, entry->d_name, name_len + 1);
		if ((uint64_t)st.st_ino == id) {
			found = true;
			break;
		}
		if (depth < CGROUP_WALK_MAX_DEPTH) {
			int child_fd = openat(dirfd(dir), entry->d_name,
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child_fd >= 0 &&
			    walk_find(r, child_fd, id, path, path_len + 1 + name_len, path_size, depth + 1))
				found = true;
		}
		if (!found)
			path[path_len] = '\0';
	}
	closedir(dir);
	return found;
}

static enum lookup_result lookup_by_tree_walk(struct cgroup_resolver *r, uint64_t id, char **path)
{
	char below[PATH_MAX];

	if (id == r->mount_ino) {
		*path = hierarchy_path(r, "/");
		return *path ? LOOKUP_FOUND : LOOKUP_NO_SUCH_CGROUP;
	}
	/* A fresh descriptor: fdopendir() takes it over and moves its position. */
	int dir_fd = openat(r->mount_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return LOOKUP_NO_SUCH_CGROUP;
	below[0] = '\0';
	if (!walk_find(r, dir_fd, id, below, 0, sizeof(below), 1))
		return LOOKUP_NO_SUCH_CGROUP;
	*path = hierarchy_path(r, below);
	return *path ? LOOKUP_FOUND : LOOKUP_NO_SUCH_CGROUP;
}

/*
 * Pick the method once, on the one cgroup sure to exist: the mount's root.
 * Without CAP_DAC_READ_SEARCH the handle is refused (EPERM); a kernel whose
 * cgroupfs cannot decode handles answers ESTALE even for the root, which a
 * later lookup could not tell from a removed cgroup; without /proc the
 * descriptor cannot be named. All of those walk instead.
 */
static void choose_method(struct cgroup_resolver *r)
{
	char *root_path = NULL, *expected = hierarchy_path(r, "/");

	r->method = RESOLVE_TREE_WALK;
	if (expected && lookup_by_file_handle(r, r->mount_ino, &root_path) == LOOKUP_FOUND &&
	    strcmp(root_path, expected) == 0)
		r->method = RESOLVE_FILE_HANDLE;
	free(root_path);
	free(expected);
}

/* The observer is told that id has no cgroup, unless it was told so already. */
static void tell_no_such_cgroup(struct cgroup_resolver *r, uint64_t id)
{
	static char marker;

	if (!r->null_told || u64map_get(r->null_told, id))
		return;
	if (u64map_size(r->null_told) >= NULL_TOLD_MAX) {
		/* Telling again costs a record; remembering without end costs memory. */
		u64map_free(r->null_told, NULL);
		r->null_told = u64map_new();
		if (!r->null_told)
			return;
	}
	if (u64map_put(r->null_told, id, &marker, NULL) == 0)
		r->observer(id, NULL, r->observer_ctx);
}

const char *cgroup_resolver_path(struct cgroup_resolver *r, uint64_t id)
{
	const char *cached = u64map_get(r->paths, id);
	enum lookup_result result = LOOKUP_NO_SUCH_CGROUP;
	char *path = NULL;

	if (cached || r->method == RESOLVE_REPLAY)
		return cached;

	if (r->method == RESOLVE_FILE_HANDLE) {
		result = lookup_by_file_handle(r, id, &path);
		if (result == LOOKUP_METHOD_REFUSED) {
			/* Capabilities dropped since the start: walk from now on. */
			r->method = RESOLVE_TREE_WALK;
		}
	}
	if (r->method == RESOLVE_TREE_WALK)
		result = lookup_by_tree_walk(r, id, &path);
	if (result != LOOKUP_FOUND) {
		if (r->observer)
			tell_no_such_cgroup(r, id);
		return NULL;
	}

	/* Not cached when out of memory: the next event asks again, nothing is lost. */
	if (u64map_put(r->paths, id, path, NULL)) {
		free(path);
		return NULL;
	}
	if (r->observer) {
		if (r->null_told)
			u64map_remove(r->null_told, id);
		r->observer(id, path, r->observer_ctx);
	}
	return path;
}

void cgroup_resolver_forget(struct cgroup_resolver *r, uint64_t id)
{
	free(u64map_remove(r->paths, id));
}

struct cgroup_resolver *cgroup_resolver_new_replay(void)
{
	struct cgroup_resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->mount_fd = -1;
	r->method = RESOLVE_REPLAY;
	r->mount_point = strdup("(replay)");
	r->mount_link = strdup("(replay)");
	r->root = strdup("/");
	r->paths = u64map_new();
	if (!r->mount_point || !r->mount_link || !r->root || !r->paths) {
		cgroup_resolver_free(r);
		return NULL;
	}
	return r;
}

void *cgroup_resolver_set_observer(struct cgroup_resolver *r, cgroup_observer_fn fn, void *ctx)
{
	void *old = r->observer_ctx;

	/* A new observer is told every answer afresh. */
	if (r->null_told) {
		u64map_free(r->null_told, NULL);
		r->null_told = NULL;
	}
	r->observer = fn;
	r->observer_ctx = fn ? ctx : NULL;
	if (fn)
		r->null_told = u64map_new(); /* when out of memory, NULL answers go untold */
	return old;
}

int cgroup_resolver_put(struct cgroup_resolver *r, uint64_t id, const char *path)
{
	void *old = NULL;
	char *copy;

	if (!path) {
		cgroup_resolver_forget(r, id);
		return 0;
	}
	copy = strdup(path);
	if (!copy || u64map_put(r->paths, id, copy, &old)) {
		free(copy);
		return -ENOMEM;
	}
	free(old);
	return 0;
}

int cgroup_resolver_foreach(const struct cgroup_resolver *r, int (*fn)(uint64_t id, const char *path, void *ctx),
			    void *ctx)
{
	size_t it = 0;
	uint64_t id;
	void *path;
	int ret;

	while (u64map_next(r->paths, &it, &id, &path))
		if ((ret = fn(id, path, ctx)))
			return ret;
	return 0;
}

void cgroup_resolver_clear(struct cgroup_resolver *r)
{
	if (r->null_told)
		u64map_clear(r->null_told, NULL);
	u64map_clear(r->paths, free);
}
