// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The mountinfo parser on fixed texts, and the resolver on this machine's
 * real cgroup2 tree: as root it resolves through open_by_handle_at(), and a
 * child that drops to nobody checks the tree-walk fallback; as non-root the
 * walk is what runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"

/* ---- mountinfo parsing ---- */

/* This machine: cgroup v1 controllers plus cgroup2 at /sys/fs/cgroup/unified. */
static const char hybrid_mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A systemd host with only the unified hierarchy; optional fields before the separator. */
static const char pure_v2_mountinfo[] =
	"24 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
	"25 24 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
	"29 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 master:9 propagate_from:2 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

static const char v1_only_mountinfo[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";

static void assert_parses_to(const char *text, const char *mount_point, const char *root)
{
	struct cgroup2_mount *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(cgroup_mountinfo_find_cgroup2(text, m), 0);
	assert_string_equal(m->mount_point, mount_point);
	assert_string_equal(m->root, root);
	free(m);
}

static void assert_finds_none(const char *text)
{
	struct cgroup2_mount *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(cgroup_mountinfo_find_cgroup2(text, m), -ENOENT);
	free(m);
}

static void test_mountinfo_hybrid(void **state)
{
	(void)state;
	assert_parses_to(hybrid_mountinfo, "/sys/fs/cgroup/unified", "/");
}

static void test_mountinfo_pure_v2(void **state)
{
	(void)state;
	assert_parses_to(pure_v2_mountinfo, "/sys/fs/cgroup", "/");
}

static void test_mountinfo_without_cgroup2(void **state)
{
	(void)state;
	assert_finds_none(v1_only_mountinfo);
	assert_finds_none("");
	assert_finds_none("\n\n\n");
	/* "cgroup2" in the wrong field is not a cgroup2 mount. */
	assert_finds_none("41 31 0:38 / /cgroup2 rw,relatime - tmpfs cgroup2 rw\n");
	assert_finds_none("41 31 0:38 / /x rw - cgroup2x cgroup2 rw\n");
}

static void test_mountinfo_octal_escapes(void **state)
{
	(void)state;
	/* Space, tab, newline and backslash are escaped by the kernel. */
	assert_parses_to("41 31 0:38 / /mnt/my\\040cgroup\\011tab\\012nl\\134bs rw - cgroup2 cgroup2 rw\n",
			 "/mnt/my cgroup\ttab\nnl\\bs", "/");
	assert_parses_to("41 31 0:38 /a\\040b /mnt/x rw - cgroup2 cgroup2 rw\n", "/mnt/x", "/a b");
	/* Not an escape: kept as is. */
	assert_parses_to("41 31 0:38 / /mnt/\\9x\\04 rw - cgroup2 cgroup2 rw\n", "/mnt/\\9x\\04", "/");
	/* \000 and \777 cannot stand for a path byte: the line is skipped. */
	assert_finds_none("41 31 0:38 / /mnt/a\\000b rw - cgroup2 cgroup2 rw\n");
	assert_finds_none("41 31 0:38 / /mnt/a\\777b rw - cgroup2 cgroup2 rw\n");
}

static void test_mountinfo_prefers_whole_hierarchy(void **state)
{
	(void)state;
	/* A bind mount of one cgroup listed before the real mount. */
	assert_parses_to("50 1 0:38 /docker/abc /run/c rw - cgroup2 cgroup2 rw\n"
			 "51 1 0:38 / /mnt/cg rw - cgroup2 cgroup2 rw\n",
			 "/mnt/cg", "/");
	/* The usual location beats another mount of the same hierarchy. */
	assert_parses_to("51 1 0:38 / /mnt/cg rw - cgroup2 cgroup2 rw\n"
			 "52 1 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			 "/sys/fs/cgroup", "/");
	/* Equal rank: the first listed. */
	assert_parses_to("51 1 0:38 / /mnt/one rw - cgroup2 cgroup2 rw\n"
			 "52 1 0:38 / /mnt/two rw - cgroup2 cgroup2 rw\n",
			 "/mnt/one", "/");
	/* Only a bind mount: used, with its root. */
	assert_parses_to("50 1 0:38 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			 "/sys/fs/cgroup", "/docker/abc");
}

static void test_mountinfo_malformed_lines_are_skipped(void **state)
{
	(void)state;
	char *long_line;
	size_t long_len = 3 * PATH_MAX;

	/* Too few fields, separator too early, nothing after the separator, relative paths. */
	assert_finds_none("41 31 0:38 / - cgroup2 cgroup2 rw\n");
	assert_finds_none("41 31 0:38 / /x - cgroup2 cgroup2 rw\n"
			  "41 31 0:38 / /x rw -\n"
			  "41 31 0:38 / x rw - cgroup2 cgroup2 rw\n"
			  "41 31 0:38 x /x rw - cgroup2 cgroup2 rw\n");
	/* Junk around a good line, no final newline, tabs and doubled spaces. */
	assert_parses_to("garbage\n\n- - - - - - -\n41  31 0:38\t/ /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
			 "/sys/fs/cgroup/unified", "/");

	/* A mount point longer than PATH_MAX is skipped, not truncated. */
	long_line = malloc(long_len + 100);
	assert_non_null(long_line);
	strcpy(long_line, "41 31 0:38 / /");
	size_t len = strlen(long_line);
	memset(long_line + len, 'a', long_len);
	strcpy(long_line + len + long_len, " rw - cgroup2 cgroup2 rw\n");
	assert_finds_none(long_line);
	free(long_line);
}

/* ---- the resolver on this machine ---- */

static bool running_under_ci(void)
{
	const char *ci = getenv("CI");

	return ci && strcmp(ci, "true") == 0;
}

static char *read_file(const char *path)
{
	size_t size = 0, capacity = 1 << 16;
	char *text = malloc(capacity);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!text || fd < 0) {
		free(text);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (size < capacity - 1 && (n = read(fd, text + size, capacity - 1 - size)) > 0)
		size += (size_t)n;
	text[size] = '\0';
	close(fd);
	return text;
}

/*
 * Without a cgroup2 mount there is nothing to resolve against: the test
 * skips on a developer's machine and fails in CI, where it must run.
 */
static void require_cgroup2(void)
{
	struct cgroup2_mount *m = malloc(sizeof(*m));
	char *mountinfo = read_file("/proc/self/mountinfo");
	bool found = mountinfo && m && cgroup_mountinfo_find_cgroup2(mountinfo, m) == 0;

	free(m);
	free(mountinfo);
	if (found)
		return;
	if (running_under_ci())
		fail_msg("no cgroup2 mount on this machine, and CI=true: the resolver test must run in CI");
	print_message("skipping: no cgroup2 mount on this machine\n");
	skip();
}

/* This process's cgroup v2 path, from the "0::/path" line of /proc/self/cgroup; malloc'd. */
static char *own_cgroup_path(void)
{
	char *text = read_file("/proc/self/cgroup");
	char *path = NULL;

	for (char *line = text; line && *line;) {
		char *newline = strchr(line, '\n');
		if (newline)
			*newline = '\0';
		if (strncmp(line, "0::", 3) == 0) {
			path = strdup(line + 3);
			break;
		}
		line = newline ? newline + 1 : line + strlen(line);
	}
	free(text);
	return path;
}

static bool inode_of(const char *mount, const char *path, uint64_t *ino)
{
	char full[PATH_MAX];
	struct stat st;

	if (snprintf(full, sizeof(full), "%s%s", mount, strcmp(path, "/") == 0 ? "" : path) >=
	    (int)sizeof(full))
		return false;
	if (stat(full, &st))
		return false;
	*ino = (uint64_t)st.st_ino;
	return true;
}

/*
 * Check the resolver against the tree: the root, this process's cgroup, up
 * to `limit` cgroups directly below the root, `extra` (a path below the
 * mount, or NULL), and an id that does not exist. Returns a description of the first mismatch, or NULL. Plain
 * checks, no cmocka asserts: it also runs in a forked child.
 */
static const char *check_resolver_on_real_tree(struct cgroup_resolver *r, size_t limit, const char *extra,
					       char *why, size_t why_len)
{
	const char *mount = cgroup_resolver_mount(r);
	char *own = own_cgroup_path();
	uint64_t ino;
	const char *got = NULL;
	const char *result = NULL;

	if (!inode_of(mount, "/", &ino) || !(got = cgroup_resolver_path(r, ino)) || strcmp(got, "/") != 0) {
		snprintf(why, why_len, "the root of %s did not resolve to \"/\" (got %s)", mount,
			 got ? got : "NULL");
		result = why;
		goto out;
	}
	if (!own) {
		snprintf(why, why_len, "no 0:: line in /proc/self/cgroup");
		result = why;
		goto out;
	}
	if (!inode_of(mount, own, &ino)) {
		snprintf(why, why_len, "cannot stat %s%s: %s", mount, own, strerror(errno));
		result = why;
		goto out;
	}
	got = cgroup_resolver_path(r, ino);
	if (!got || strcmp(got, own) != 0) {
		snprintf(why, why_len, "own cgroup %s (id %llu) resolved to %s", own, (unsigned long long)ino,
			 got ? got : "NULL");
		result = why;
		goto out;
	}

	DIR *dir = opendir(mount);
	struct dirent *entry;
	size_t checked = 0;
	while (dir && checked < limit && (entry = readdir(dir))) {
		char expected[PATH_MAX];
		if (entry->d_type != DT_DIR || entry->d_name[0] == '.')
			continue;
		snprintf(expected, sizeof(expected), "/%s", entry->d_name);
		if (!inode_of(mount, expected, &ino))
			continue;
		got = cgroup_resolver_path(r, ino);
		if (!got || strcmp(got, expected) != 0) {
			snprintf(why, why_len, "cgroup %s (id %llu) resolved to %s", expected,
				 (unsigned long long)ino, got ? got : "NULL");
			result = why;
			break;
		}
		checked++;
	}
	if (dir)
		closedir(dir);
	if (result)
		goto out;

	if (extra) {
		if (!inode_of(mount, extra, &ino)) {
			snprintf(why, why_len, "cannot stat %s%s: %s", mount, extra, strerror(errno));
			result = why;
			goto out;
		}
		got = cgroup_resolver_path(r, ino);
		if (!got || strcmp(got, extra) != 0) {
			snprintf(why, why_len, "cgroup %s (id %llu) resolved to %s", extra,
				 (unsigned long long)ino, got ? got : "NULL");
			result = why;
			goto out;
		}
	}

	/* Inode numbers on kernfs are small counters: this one is not in use. */
	if ((got = cgroup_resolver_path(r, UINT64_C(1) << 62 | 12345))) {
		snprintf(why, why_len, "a made-up id resolved to %s", got);
		result = why;
	}
out:
	free(own);
	return result;
}

static void test_resolver_finds_the_mount(void **state)
{
	(void)state;
	char err[512] = "";
	struct cgroup_resolver *r;

	require_cgroup2();
	r = cgroup_resolver_new(NULL, err, sizeof(err));
	if (!r)
		fail_msg("cgroup_resolver_new: %s", err);
	/* Root here normally means the file handle; a root without CAP_DAC_READ_SEARCH walks. */
	if (strcmp(cgroup_resolver_method(r), "open_by_handle_at") != 0)
		assert_string_equal(cgroup_resolver_method(r), "tree walk");
	/* Whatever the parser picked, it is a cgroup2 directory we can open again by name. */
	struct cgroup_resolver *again = cgroup_resolver_new(cgroup_resolver_mount(r), err, sizeof(err));
	if (!again)
		fail_msg("cgroup_resolver_new(%s): %s", cgroup_resolver_mount(r), err);
	cgroup_resolver_free(again);
	cgroup_resolver_free(r);
}

static void test_resolver_rejects_a_non_cgroup2_mount(void **state)
{
	(void)state;
	char err[512] = "";

	assert_null(cgroup_resolver_new("/proc", err, sizeof(err)));
	assert_non_null(strstr(err, "/proc is not a cgroup2 mount"));
	assert_null(cgroup_resolver_new("/nonexistent-vigil-test", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open the cgroup2 mount /nonexistent-vigil-test"));
}

static void test_resolver_resolves_real_ids(void **state)
{
	(void)state;
	char err[512] = "", why[PATH_MAX + 256];
	struct cgroup_resolver *r;
	const char *problem;

	require_cgroup2();
	r = cgroup_resolver_new(NULL, err, sizeof(err));
	if (!r)
		fail_msg("cgroup_resolver_new: %s", err);
	problem = check_resolver_on_real_tree(r, 50, NULL, why, sizeof(why));
	print_message("resolved by %s (euid %u)\n", cgroup_resolver_method(r), (unsigned)geteuid());
	if (problem)
		fail_msg("%s (method: %s)", problem, cgroup_resolver_method(r));
	/* Cached answers are the same string. */
	uint64_t ino;
	assert_true(inode_of(cgroup_resolver_mount(r), "/", &ino));
	assert_ptr_equal(cgroup_resolver_path(r, ino), cgroup_resolver_path(r, ino));

	/* The mount named in a roundabout way: paths still come out relative to it. */
	char roundabout[PATH_MAX];
	snprintf(roundabout, sizeof(roundabout), "%s//./", cgroup_resolver_mount(r));
	cgroup_resolver_free(r);
	r = cgroup_resolver_new(roundabout, err, sizeof(err));
	if (!r)
		fail_msg("cgroup_resolver_new(%s): %s", roundabout, err);
	problem = check_resolver_on_real_tree(r, 50, NULL, why, sizeof(why));
	if (problem)
		fail_msg("mount given as %s: %s (method: %s)", roundabout, problem, cgroup_resolver_method(r));
	cgroup_resolver_free(r);
}

/* As root: a cgroup made for the test resolves, and after rmdir + forget it is gone. */
static void test_resolver_forgets_removed_cgroup(void **state)
{
	(void)state;
	char err[512] = "", name[64], dir[PATH_MAX];
	struct cgroup_resolver *r;
	uint64_t ino;

	require_cgroup2();
	r = cgroup_resolver_new(NULL, err, sizeof(err));
	if (!r)
		fail_msg("cgroup_resolver_new: %s", err);
	snprintf(name, sizeof(name), "/vigil-test-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", cgroup_resolver_mount(r), name);
	if (mkdir(dir, 0755)) {
		int saved = errno;
		cgroup_resolver_free(r);
		if (geteuid() == 0 && running_under_ci())
			fail_msg("cannot create %s as root: %s", dir, strerror(saved));
		print_message("skipping: cannot create a cgroup (%s)\n", strerror(saved));
		skip();
	}
	bool have_ino = inode_of(cgroup_resolver_mount(r), name, &ino);
	const char *got = have_ino ? cgroup_resolver_path(r, ino) : NULL;
	char *copy = got ? strdup(got) : NULL;
	rmdir(dir);
	assert_true(have_ino);
	assert_non_null(copy);
	assert_string_equal(copy, name);
	free(copy);
	/* Still cached until forgotten, then no such cgroup. */
	assert_non_null(cgroup_resolver_path(r, ino));
	cgroup_resolver_forget(r, ino);
	assert_null(cgroup_resolver_path(r, ino));
	cgroup_resolver_forget(r, ino);
	cgroup_resolver_free(r);
}

/* Remove the cgroups make_nested_cgroups() made, deepest first. */
static void remove_nested_cgroups(const char *mount, char *below_mount)
{
	char full[PATH_MAX];
	char *last_slash;

	while (below_mount[0]) {
		if (snprintf(full, sizeof(full), "%s%s", mount, below_mount) < (int)sizeof(full))
			rmdir(full);
		last_slash = strrchr(below_mount, '/');
		if (!last_slash)
			break;
		*last_slash = '\0';
	}
}

/*
 * /vigil-test-<pid>/level/with space/level below the mount, so that the walk
 * has to go down a few levels and meet a name with a space. Fills
 * below_mount with the deepest one's path; false when mkdir is refused.
 */
static bool make_nested_cgroups(const char *mount, char *below_mount, size_t size)
{
	static const char *const levels[] = { "level", "with space", "level" };
	char full[PATH_MAX];
	size_t len;

	len = (size_t)snprintf(below_mount, size, "/vigil-test-%d", (int)getpid());
	for (size_t i = 0; i <= sizeof(levels) / sizeof(levels[0]); i++) {
		if (i > 0)
			len += (size_t)snprintf(below_mount + len, size - len, "/%s", levels[i - 1]);
		if (snprintf(full, sizeof(full), "%s%s", mount, below_mount) >= (int)sizeof(full)) {
			errno = ENAMETOOLONG;
			return false;
		}
		if (mkdir(full, 0755)) {
			int saved = errno;
			*strrchr(below_mount, '/') = '\0';
			remove_nested_cgroups(mount, below_mount);
			errno = saved;
			return false;
		}
	}
	return true;
}

/* Runs as nobody in a forked child: returns the exit status for the parent to check. */
static int walk_as_nobody(const char *nested)
{
	char err[512], why[PATH_MAX + 256];
	const char *problem;
	struct cgroup_resolver *r;

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
		fprintf(stderr, "cannot drop to nobody: %s\n", strerror(errno));
		return 2;
	}
	r = cgroup_resolver_new(NULL, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "as nobody, cgroup_resolver_new: %s\n", err);
		return 3;
	}
	problem = check_resolver_on_real_tree(r, 50, nested, why, sizeof(why));
	if (problem) {
		fprintf(stderr, "as nobody: %s (method: %s)\n", problem, cgroup_resolver_method(r));
		return 4;
	}
	if (strcmp(cgroup_resolver_method(r), "tree walk") != 0) {
		fprintf(stderr, "as nobody, resolved by %s, expected the tree walk\n", cgroup_resolver_method(r));
		return 5;
	}
	cgroup_resolver_free(r);
	return 0;
}

/*
 * Nested cgroups resolve; and as root, the fallback too: a child that drops
 * every privilege gets EPERM from open_by_handle_at() and must walk.
 */
static void test_resolver_nested_and_without_privilege(void **state)
{
	(void)state;
	char err[512] = "", mount[PATH_MAX], nested[256], why[PATH_MAX + 256];
	const char *problem;
	struct cgroup_resolver *r;
	bool have_nested;
	int status = 0;
	pid_t child = -1;

	require_cgroup2();
	r = cgroup_resolver_new(NULL, err, sizeof(err));
	if (!r)
		fail_msg("cgroup_resolver_new: %s", err);
	snprintf(mount, sizeof(mount), "%s", cgroup_resolver_mount(r));
	have_nested = make_nested_cgroups(mount, nested, sizeof(nested));
	if (!have_nested)
		print_message("cannot create cgroups below %s (%s): checking the existing ones only\n", mount,
			      strerror(errno));

	problem = check_resolver_on_real_tree(r, 50, have_nested ? nested : NULL, why, sizeof(why));
	if (!problem && geteuid() == 0) {
		fflush(NULL);
		child = fork();
		if (child == 0)
			_exit(walk_as_nobody(have_nested ? nested : NULL));
	}
	if (child > 0 && waitpid(child, &status, 0) != child)
		status = -1;
	/* Clean up before any assertion returns from the test. */
	if (have_nested)
		remove_nested_cgroups(mount, nested);
	cgroup_resolver_free(r);

	if (problem)
		fail_msg("%s", problem);
	if (geteuid() != 0) {
		print_message("not root: the tree walk was checked above, as this user\n");
		return;
	}
	assert_true(child > 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo_hybrid),
		cmocka_unit_test(test_mountinfo_pure_v2),
		cmocka_unit_test(test_mountinfo_without_cgroup2),
		cmocka_unit_test(test_mountinfo_octal_escapes),
		cmocka_unit_test(test_mountinfo_prefers_whole_hierarchy),
		cmocka_unit_test(test_mountinfo_malformed_lines_are_skipped),
		cmocka_unit_test(test_resolver_finds_the_mount),
		cmocka_unit_test(test_resolver_rejects_a_non_cgroup2_mount),
		cmocka_unit_test(test_resolver_resolves_real_ids),
		cmocka_unit_test(test_resolver_forgets_removed_cgroup),
		cmocka_unit_test(test_resolver_nested_and_without_privilege),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
