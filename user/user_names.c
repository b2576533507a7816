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

#include "u64map.h"
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

#define HOSTS_FILE_MAX USER_NAMES_HOSTS_FILE_MAX
#define HOSTS_ENTRIES_MAX 65536
#define HOSTS_NAMES_PER_LINE 16
#define HOSTS_CHECK_NS NSEC_PER_SEC

enum id_kind {
	ID_NONE = 0, /* an empty cache entry */
	ID_USER = USER_NAMES_USER,
	ID_GROUP = USER_NAMES_GROUP,
};

enum id_state {
	ID_NAMED = USER_NAMES_NAMED,           /* the file names the id */
	ID_UNNAMED = USER_NAMES_UNNAMED,       /* the file was read and does not */
	ID_UNREADABLE = USER_NAMES_UNREADABLE, /* no file to read (the process is gone, no procfs, not a regular file) */
};

/* A replay's answer: kept until cleared, in chains under a hash of the key. */
struct replay_id {
	struct replay_id *next;
	uint64_t mntns;
	uint32_t id;
	uint8_t kind;
	uint8_t state;
	char name[USER_NAME_MAX];
};

enum hosts_told {
	HOSTS_UNTOLD,    /* the observer has been told nothing yet */
	HOSTS_TOLD_NONE, /* ...that there is no hosts file */
	HOSTS_TOLD_TEXT,
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
	char *hosts_raw;          /* the file as read (hosts_text is cut up in place); NULL: none */
	size_t hosts_raw_len;

	bool replay;              /* answers only from what was put */
	struct u64map *replay_ids; /* replay_key() -> chain of struct replay_id */

	struct user_names_observer observer;
	enum hosts_told hosts_told;
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
	free(names->hosts_raw);
	names->hosts_raw = NULL;
	names->hosts_raw_len = 0;
	names->hosts_text = NULL;
	names->host_names = NULL;
	names->hosts = NULL;
	names->n_hosts = 0;
	memset(&names->hosts_stat, 0, sizeof(names->hosts_stat));
}

static void replay_chain_free(void *p)
{
	struct replay_id *r = p, *next;

	for (; r; r = next) {
		next = r->next;
		free(r);
	}
}

void user_names_free(struct user_names *names)
{
	if (!names)
		return;
	hosts_clear(names);
	if (names->replay_ids)
		u64map_free(names->replay_ids, replay_chain_free);
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

static const char *answer_name(enum id_state state, uint32_t id, const char *name)
{
	switch (state) {
	case ID_NAMED:
		return name;
	case ID_UNREADABLE:
		return id == 0 ? "root" : NULL;
	default:
		return NULL;
	}
}

static const char *entry_name(const struct id_entry *e)
{
	return answer_name(e->state, e->id, e->name);
}

static uint64_t replay_key(enum id_kind kind, uint64_t mntns, uint32_t id)
{
	return (mntns * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)id << 2 | kind);
}

static struct replay_id *replay_find(const struct user_names *names, enum id_kind kind, uint64_t mntns, uint32_t id)
{
	struct replay_id *r = u64map_get(names->replay_ids, replay_key(kind, mntns, id));

	while (r && !(r->kind == kind && r->mntns == mntns && r->id == id))
		r = r->next;
	return r;
}

/* Tell the observer what a read of the file answered. */
static void tell_id(const struct user_names *names, const struct id_entry *e)
{
	struct user_names_id_answer a = {
		.kind = (enum user_names_id_kind)e->kind,
		.mntns = e->mntns,
		.id = e->id,
		.state = (enum user_names_id_state)e->state,
		.name = e->state == ID_NAMED ? e->name : NULL,
	};

	names->observer.id(&a, names->observer.ctx);
}

static const char *id_name(struct user_names *names, enum id_kind kind, uint32_t pid, uint64_t mntns, uint32_t id,
			   uint64_t now_ns)
{
	struct id_entry *set = names->cache[cache_set(kind, mntns, id)];
	struct id_entry *victim = &set[0];
	struct id_entry before;
	bool known = false;

	if (names->replay) {
		const struct replay_id *r = replay_find(names, kind, mntns, id);

		/* Nothing recorded: live would have had no file to read either. */
		return r ? answer_name(r->state, id, r->name) : answer_name(ID_UNREADABLE, id, NULL);
	}
	for (int w = 0; w < CACHE_WAYS; w++) {
		struct id_entry *e = &set[w];

		if (e->kind == kind && e->mntns == mntns && e->id == id) {
			if (now_ns < e->expires_ns && now_ns + TTL_KNOWN_NS >= e->expires_ns) {
				e->last_used = ++names->clock;
				return entry_name(e);
			}
			victim = e; /* stale (or from another time line: a replay): read again */
			before = *e;
			known = true;
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
	/* The same answer again: a capture holds it already (as it was read, or in a keyframe of the cache). */
	if (names->observer.id &&
	    (!known || before.state != victim->state || strcmp(before.name, victim->name) != 0))
		tell_id(names, victim);
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

/*
 * Parse text (len bytes and a NUL after them; taken over) into the table, as
 * the hosts file. 0, or -ENOMEM (the table is then empty).
 */
static int hosts_parse(struct user_names *names, char *text, size_t len)
{
	size_t cap_hosts = 0, n_names = 0, cap_names = 0;
	uint32_t line = 0;
	char *pos;

	hosts_clear(names);
	names->hosts_raw = malloc(len + 1);
	if (!names->hosts_raw) {
		free(text);
		return -ENOMEM;
	}
	memcpy(names->hosts_raw, text, len + 1);
	names->hosts_raw_len = len;
	names->hosts_text = text;
	for (pos = text; pos && *pos && names->n_hosts < HOSTS_ENTRIES_MAX; line++) {
		char *nl = strchr(pos, '\n');

		if (nl)
			*nl = '\0';
		if (hosts_add_line(names, pos, line, &cap_hosts, &n_names, &cap_names) < 0) {
			hosts_clear(names);
			return -ENOMEM;
		}
		pos = nl ? nl + 1 : NULL;
	}
	if (names->n_hosts) /* hosts is NULL when there are none, which qsort must not be given */
		qsort(names->hosts, names->n_hosts, sizeof(*names->hosts), host_compare);
	return 0;
}

/* Tell the observer the hosts file's text as now used (NULL: none), unless it knows there is none. */
static void tell_hosts(struct user_names *names)
{
	if (!names->observer.hosts)
		return;
	if (!names->hosts_raw) {
		if (names->hosts_told == HOSTS_TOLD_NONE)
			return;
		names->hosts_told = HOSTS_TOLD_NONE;
	} else {
		names->hosts_told = HOSTS_TOLD_TEXT;
	}
	names->observer.hosts(names->hosts_raw, names->hosts_raw_len, names->observer.ctx);
}

/* Read the hosts file into the table (empty when it cannot be read). */
static void hosts_load(struct user_names *names)
{
	size_t len = 0;
	struct stat st;
	char *text;
	int fd;

	hosts_clear(names);
	fd = open(names->hosts_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		goto told;
	if (fstat(fd, &st)) {
		close(fd);
		goto told;
	}
	names->hosts_stat = st; /* not read again until it changes */
	if (!S_ISREG(st.st_mode) || st.st_size > HOSTS_FILE_MAX || !(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		goto told;
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
	hosts_parse(names, text, len);
	names->hosts_stat = st; /* out of memory too: not again until it changes */
told:
	tell_hosts(names);
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
		tell_hosts(names);
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

	if ((!names->hosts_path && !names->replay) || (family != 4 && family != 6))
		return 0;
	if (!names->replay)
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

/* ---- capture and replay ---- */

struct user_names *user_names_new_replay(void)
{
	struct user_names *names = calloc(1, sizeof(*names));

	if (!names)
		return NULL;
	names->replay = true;
	names->replay_ids = u64map_new();
	if (!names->replay_ids) {
		free(names);
		return NULL;
	}
	return names;
}

void *user_names_set_observer(struct user_names *names, const struct user_names_observer *o)
{
	void *old = names->observer.ctx;

	memset(&names->observer, 0, sizeof(names->observer));
	if (o)
		names->observer = *o;
	names->hosts_told = HOSTS_UNTOLD;
	return old;
}

int user_names_put_id(struct user_names *names, const struct user_names_id_answer *answer)
{
	enum id_kind kind = (enum id_kind)answer->kind;
	struct id_entry *set, *victim;
	struct replay_id *r;
	const char *name = "";

	if ((answer->kind != USER_NAMES_USER && answer->kind != USER_NAMES_GROUP) ||
	    (answer->state != USER_NAMES_NAMED && answer->state != USER_NAMES_UNNAMED &&
	     answer->state != USER_NAMES_UNREADABLE))
		return -EINVAL;
	if (answer->state == USER_NAMES_NAMED) {
		if (!answer->name || strlen(answer->name) > USER_NAME_MAX - 1)
			return -EINVAL;
		name = answer->name;
	}
	if (names->replay) {
		r = replay_find(names, kind, answer->mntns, answer->id);
		if (!r) {
			uint64_t key = replay_key(kind, answer->mntns, answer->id);

			r = calloc(1, sizeof(*r));
			if (!r)
				return -ENOMEM;
			r->next = u64map_get(names->replay_ids, key);
			if (u64map_put(names->replay_ids, key, r, NULL)) {
				free(r);
				return -ENOMEM;
			}
			r->kind = kind;
			r->mntns = answer->mntns;
			r->id = answer->id;
		}
		r->state = (uint8_t)answer->state;
		snprintf(r->name, sizeof(r->name), "%s", name);
		return 0;
	}
	/* A live cache: into the entry of the key or the least used, stale (read again at its next lookup). */
	set = names->cache[cache_set(kind, answer->mntns, answer->id)];
	victim = &set[0];
	for (int w = 0; w < CACHE_WAYS; w++) {
		if (set[w].kind == kind && set[w].mntns == answer->mntns && set[w].id == answer->id) {
			victim = &set[w];
			break;
		}
		if (set[w].last_used < victim->last_used)
			victim = &set[w];
	}
	victim->kind = kind;
	victim->mntns = answer->mntns;
	victim->id = answer->id;
	victim->state = (uint8_t)answer->state;
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->expires_ns = 0;
	victim->last_used = ++names->clock;
	return 0;
}

int user_names_put_hosts(struct user_names *names, const char *text, size_t len)
{
	char *copy;

	if (!text) {
		hosts_clear(names);
		return 0;
	}
	if (len > HOSTS_FILE_MAX)
		return -EINVAL;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	return hosts_parse(names, copy, len);
}

int user_names_foreach(const struct user_names *names,
		       int (*id_fn)(const struct user_names_id_answer *answer, void *ctx),
		       int (*hosts_fn)(const char *text, size_t len, void *ctx), void *ctx)
{
	struct user_names_id_answer a;
	int ret;

	if (names->replay) {
		size_t it = 0;
		uint64_t key;
		void *value;

		while (u64map_next(names->replay_ids, &it, &key, &value)) {
			for (const struct replay_id *r = value; r; r = r->next) {
				if (r->kind == ID_NONE)
					continue; /* cleared */
				a = (struct user_names_id_answer){
					.kind = (enum user_names_id_kind)r->kind,
					.mntns = r->mntns,
					.id = r->id,
					.state = (enum user_names_id_state)r->state,
					.name = r->state == ID_NAMED ? r->name : NULL,
				};
				if ((ret = id_fn(&a, ctx)))
					return ret;
			}
		}
	} else {
		for (size_t s = 0; s < CACHE_SETS; s++) {
			for (int w = 0; w < CACHE_WAYS; w++) {
				const struct id_entry *e = &names->cache[s][w];

				if (e->kind == ID_NONE)
					continue;
				a = (struct user_names_id_answer){
					.kind = (enum user_names_id_kind)e->kind,
					.mntns = e->mntns,
					.id = e->id,
					.state = (enum user_names_id_state)e->state,
					.name = e->state == ID_NAMED ? e->name : NULL,
				};
				if ((ret = id_fn(&a, ctx)))
					return ret;
			}
		}
	}
	if (names->hosts_path || names->replay)
		return hosts_fn(names->hosts_raw, names->hosts_raw_len, ctx);
	return 0;
}

void user_names_clear(struct user_names *names)
{
	memset(names->cache, 0, sizeof(names->cache));
	hosts_clear(names);
	names->hosts_checked = false;
	if (names->replay)
		u64map_clear(names->replay_ids, replay_chain_free);
}
