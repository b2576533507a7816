// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * User and group names: a set-associative cache keyed by (kind, mount
 * namespace, id), filled on a miss by reading the process's own file. Host
 * names: the hosts file parsed into a table sorted by address, read again when
 * it changes. The cache never grows; lookups that hit allocate nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "user_names.h"

#define NSEC_PER_SEC 1000000000ull

/* 256 sets of 4: a thousand (namespace, id) pairs, ~100 KiB. */
#define CACHE_SETS 256
#define CACHE_WAYS 4
#define TTL_KNOWN_NS (60 * NSEC_PER_SEC)
#define TTL_UNREADABLE_NS (1 * NSEC_PER_SEC)
/*
 * Bytes of a passwd or group file read at most (real ones hold a few KiB):
 * bounds what a container's huge file costs a lookup. Lines longer than
 * LINE_MAX_BYTES are skipped.
 */
#define ID_FILE_MAX (1u << 20)
#define LINE_MAX_BYTES 4096

#define HOSTS_FILE_MAX (8u << 20)
#define HOSTS_ENTRIES_MAX 65536
#define HOSTS_NAMES_PER_LINE 16
#define HOSTS_CHECK_NS NSEC_PER_SEC

enum id_kind {
	ID_NONE = 0, /* an empty cache entry */
	ID_USER,
	ID_GROUP,
};

enum id_state {
	ID_NAMED,      /* the file names the id */
	ID_UNNAMED,    /* the file was read and does not */
	ID_UNREADABLE, /* no file to read (the process is gone, no procfs, not a regular file) */
};

struct id_entry {
	uint64_t mntns;
	uint64_t expires_ns;
	uint64_t last_used;
	uint32_t id;
	uint8_t kind;  /* enum id_kind */
	uint8_t state; /* enum id_state */
	char name[USER_NAME_MAX];
};

struct host_entry {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint32_t line;  /* keeps the file's order among lines of one address */
	uint32_t first_name;
	uint32_t n_names;
};

struct user_names {
	char *procfs;
	uint64_t clock; /* stamps last_used */
	struct id_entry cache[CACHE_SETS][CACHE_WAYS];

	char *hosts_path;
	bool hosts_checked;
	uint64_t hosts_checked_ns;
	struct stat hosts_stat;   /* of the file the table was read from; st_ino 0: none */
	char *hosts_text;         /* the file, names NUL-terminated in place */
	const char **host_names;  /* into hosts_text */
	struct host_entry *hosts; /* sorted by address */
	size_t n_hosts;
};

struct user_names *user_names_new(const char *procfs, const char *hosts)
{
	struct user_names *names = calloc(1, sizeof(*names));

	if (!names)
		return NULL;
	names->procfs = procfs ? strdup(procfs) : NULL;
	names->hosts_path = hosts ? strdup(hosts) : NULL;
	if ((procfs && !names->procfs) || (hosts && !names->hosts_path)) {
		user_names_free(names);
		return NULL;
	}
	return names;
}

static void hosts_clear(struct user_names *names)
{
	free(names->hosts_text);
	free(names->host_names);
	free(names->hosts);
	names->hosts_text = NULL;
	names->host_names = NULL;
	names->hosts = NULL;
	names->n_hosts = 0;
	memset(&names->hosts_stat, 0, sizeof(names->hosts_stat));
}

void user_names_free(struct user_names *names)
{
	if (!names)
		return;
	hosts_clear(names);
	free(names->procfs);
	free(names->hosts_path);
	free(names);
}

/* ---- users and groups ---- */

static size_t cache_set(enum id_kind kind, uint64_t mntns, uint32_t id)
{
	uint64_t h = (mntns ^ ((uint64_t)id << 2) ^ kind) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) % CACHE_SETS;
}

/*
 * A passwd or group line, "name:password:id:...": whether its id is `id`; if
 * so, the name (cut to USER_NAME_MAX - 1) into name.
 */
static bool line_names_id(const char *line, size_t len, uint32_t id, char *name)
{
	const char *colon1 = memchr(line, ':', len), *colon2, *field;
	const char *end = line + len;
	uint64_t value = 0;
	size_t name_len;

	if (!colon1 || colon1 == line)
		return false;
	colon2 = memchr(colon1 + 1, ':', end - colon1 - 1);
	if (!colon2)
		return false;
	field = colon2 + 1;
	if (field == end || *field < '0' || *field > '9')
		return false;
	for (; field < end && *field >= '0' && *field <= '9'; field++) {
		value = value * 10 + (uint64_t)(*field - '0');
		if (value > UINT32_MAX)
			return false;
	}
	if ((field < end && *field != ':') || value != id)
		return false;
	name_len = colon1 - line;
	if (name_len > USER_NAME_MAX - 1)
		name_len = USER_NAME_MAX - 1;
	memcpy(name, line, name_len);
	name[name_len] = '\0';
	return true;
}

/* The first line of the open file that names id, read a buffer at a time. */
static enum id_state find_id_in_file(int fd, uint32_t id, char *name)
{
	char buf[LINE_MAX_BYTES];
	size_t have = 0, total = 0;
	bool skipping = false; /* the rest of a line longer than buf */

	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		size_t start = 0;
		const char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			have += r;
			total += r;
		}
		while ((nl = memchr(buf + start, '\n', have - start))) {
			if (!skipping && line_names_id(buf + start, nl - (buf + start), id, name))
				return ID_NAMED;
			skipping = false;
			start = nl - buf + 1;
		}
		if (r <= 0 || total >= ID_FILE_MAX) {
			/* The last line may lack its newline. */
			if (!skipping && line_names_id(buf + start, have - start, id, name))
				return ID_NAMED;
			return r < 0 ? ID_UNREADABLE : ID_UNNAMED;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof(buf)) {
			skipping = true;
			have = 0;
		}
	}
}

/*
 * Open etc/<file> inside the process's root: RESOLVE_IN_ROOT makes its
 * absolute symlinks resolve inside it too, so a container cannot have vigil
 * read the host's files; a FIFO or a device is refused, nothing blocks.
 */
static int open_in_root(const char *procfs, uint32_t pid, const char *file)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char path[256];
	struct stat st;
	int root, fd;

	snprintf(path, sizeof(path), "%s/%u/root", procfs, pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, root, file, &how, sizeof(how));
	close(root);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static enum id_state read_id(const struct user_names *names, enum id_kind kind, uint32_t pid, uint32_t id,
			     char *name)
{
	enum id_state state;
	int fd;

	if (!names->procfs)
		return ID_UNREADABLE;
	fd = open_in_root(names->procfs, pid, kind == ID_USER ? "etc/passwd" : "etc/group");
	if (fd < 0)
		return ID_UNREADABLE;
	state = find_id_in_file(fd, id, name);
	close(fd);
	return state;
}

static const char *entry_name(const struct id_entry *e)
{
	switch (e->state) {
	case ID_NAMED:
		return e->name;
	case ID_UNREADABLE:
		return e->id == 0 ? "root" : NULL;
	default:
		return NULL;
	}
}

static const char *id_name(struct user_names *names, enum id_kind kind, uint32_t pid, uint64_t mntns, uint32_t id,
			   uint64_t now_ns)
{
	struct id_entry *set = names->cache[cache_set(kind, mntns, id)];
	struct id_entry *victim = &set[0];

	for (int w = 0; w < CACHE_WAYS; w++) {
		struct id_entry *e = &set[w];

		if (e->kind == kind && e->mntns == mntns && e->id == id) {
			if (now_ns < e->expires_ns && now_ns + TTL_KNOWN_NS >= e->expires_ns) {
				e->last_used = ++names->clock;
				return entry_name(e);
			}
			victim = e; /* stale (or from another time line: a replay): read again */
			break;
		}
		if (e->last_used < victim->last_used)
			victim = e; /* empty entries have last_used 0 */
	}
	victim->kind = kind;
	victim->mntns = mntns;
	victim->id = id;
	victim->name[0] = '\0';
	victim->state = read_id(names, kind, pid, id, victim->name);
	victim->expires_ns = now_ns + (victim->state == ID_UNREADABLE ? TTL_UNREADABLE_NS : TTL_KNOWN_NS);
	victim->last_used = ++names->clock;
	return entry_name(victim);
}

const char *user_names_user(struct user_names *names, uint32_t pid, uint64_t mntns_ino, uint32_t uid,
			    uint64_t now_ns)
{
	return id_name(names, ID_USER, pid, mntns_ino, uid, now_ns);
}

const char *user_names_group(struct user_names *names, uint32_t pid, uint64_t mntns_ino, uint32_t gid,
			     uint64_t now_ns)
{
	return id_name(names, ID_GROUP, pid, mntns_ino, gid, now_ns);
}

/* ---- hosts ---- */

static int host_compare(const void *a, const void *b)
{
	const struct host_entry *x = a, *y = b;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	r = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* One line's address and names (text is the line, NUL-terminated and writable). 0, 1 = added, -1 = no memory. */
static int hosts_add_line(struct user_names *names, char *text, uint32_t line, size_t *cap_hosts,
			  size_t *n_names, size_t *cap_names)
{
	struct host_entry e = { .line = line };
	char *save = NULL, *tok;
	char *hash = strchr(text, '#');

	if (hash)
		*hash = '\0';
	tok = strtok_r(text, " \t\r", &save);
	if (!tok)
		return 0;
	if (inet_pton(AF_INET, tok, e.addr) == 1)
		e.family = 4;
	else if (inet_pton(AF_INET6, tok, e.addr) == 1)
		e.family = 6;
	else
		return 0;
	e.first_name = (uint32_t)*n_names;
	while ((tok = strtok_r(NULL, " \t\r", &save)) && e.n_names < HOSTS_NAMES_PER_LINE) {
		if (*n_names == *cap_names) {
			size_t cap = *cap_names ? *cap_names * 2 : 256;
			const char **grown = realloc(names->host_names, cap * sizeof(*grown));

			if (!grown)
				return -1;
			names->host_names = grown;
			*cap_names = cap;
		}
		names->host_names[(*n_names)++] = tok;
		e.n_names++;
	}
	if (!e.n_names)
		return 0;
	if (names->n_hosts == *cap_hosts) {
		size_t cap = *cap_hosts ? *cap_hosts * 2 : 64;
		struct host_entry *grown = realloc(names->hosts, cap * sizeof(*grown));

		if (!grown)
			return -1;
		names->hosts = grown;
		*cap_hosts = cap;
	}
	names->hosts[names->n_hosts++] = e;
	return 1;
}

/* Read the hosts file into the table (empty when it cannot be read). */
static void hosts_load(struct user_names *names)
{
	size_t cap_hosts = 0, n_names = 0, cap_names = 0, len = 0;
	uint32_t line = 0;
	struct stat st;
	char *text, *pos;
	int fd;

	hosts_clear(names);
	fd = open(names->hosts_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st)) {
		close(fd);
		return;
	}
	names->hosts_stat = st; /* not read again until it changes */
	if (!S_ISREG(st.st_mode) || st.st_size > HOSTS_FILE_MAX || !(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, text + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(fd);
	text[len] = '\0';
	names->hosts_text = text;
	for (pos = text; pos && *pos && names->n_hosts < HOSTS_ENTRIES_MAX; line++) {
		char *nl = strchr(pos, '\n');

		if (nl)
			*nl = '\0';
		if (hosts_add_line(names, pos, line, &cap_hosts, &n_names, &cap_names) < 0) {
			hosts_clear(names);
			names->hosts_stat = st; /* not again until it changes */
			return;
		}
		pos = nl ? nl + 1 : NULL;
	}
	qsort(names->hosts, names->n_hosts, sizeof(*names->hosts), host_compare);
}

/* Read the file again if it changed since; looked at once a second at most. */
static void hosts_refresh(struct user_names *names, uint64_t now_ns)
{
	struct stat st;
	const struct stat *old = &names->hosts_stat;

	if (names->hosts_checked && now_ns >= names->hosts_checked_ns &&
	    now_ns - names->hosts_checked_ns < HOSTS_CHECK_NS)
		return;
	names->hosts_checked = true;
	names->hosts_checked_ns = now_ns;
	if (stat(names->hosts_path, &st)) {
		hosts_clear(names);
		return;
	}
	if (st.st_ino != old->st_ino || st.st_dev != old->st_dev || st.st_size != old->st_size ||
	    st.st_mtim.tv_sec != old->st_mtim.tv_sec || st.st_mtim.tv_nsec != old->st_mtim.tv_nsec)
		hosts_load(names);
}

size_t user_names_hosts(struct user_names *names, int family, const uint8_t *addr, const char **out, size_t max,
			uint64_t now_ns)
{
	struct host_entry key = { .family = (uint8_t)family };
	size_t lo = 0, hi, n = 0;

	if (!names->hosts_path || (family != 4 && family != 6))
		return 0;
	hosts_refresh(names, now_ns);
	memcpy(key.addr, addr, family == 4 ? 4 : 16);
	/* The first entry of the address (line 0 sorts before every line of it). */
	hi = names->n_hosts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (host_compare(&names->hosts[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < names->n_hosts && n < max; i++) {
		const struct host_entry *e = &names->hosts[i];

		if (e->family != key.family || memcmp(e->addr, key.addr, sizeof(key.addr)))
			break;
		for (uint32_t j = 0; j < e->n_names && n < max; j++)
			out[n++] = names->host_names[e->first_name + j];
	}
	return n;
}
