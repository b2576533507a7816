// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "path_filter.h"
#include "probe.h"
#include "rule_engine.h"
#include "vigil.skel.h"

/* The oldest libbpf whose API and behaviour vigil is written against. */
#define LIBBPF_MIN_MAJOR 1
#define LIBBPF_MIN_MINOR 0

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static bool libbpf_verbose;

/* libbpf speaks only with --verbose; otherwise failures are one sentence of vigil's. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uint64_t effective_capabilities(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

int loader_check_prerequisites(void)
{
	uint64_t caps = effective_capabilities();
	bool can_bpf = (caps & (1ull << CAP_SYS_ADMIN_BIT)) ||
		       ((caps & (1ull << CAP_BPF_BIT)) && (caps & (1ull << CAP_PERFMON_BIT)));
	char detail[256];
	int err;

	if (libbpf_major_version() * 1000 + libbpf_minor_version() <
	    LIBBPF_MIN_MAJOR * 1000 + LIBBPF_MIN_MINOR) {
		log_error("libbpf %s is too old: vigil needs %d.%d or newer (apt-get install libbpf1)",
			  libbpf_version_string(), LIBBPF_MIN_MAJOR, LIBBPF_MIN_MINOR);
		return -ENOTSUP;
	}
	if (!can_bpf) {
		log_error("loading BPF programs needs root (or CAP_BPF and CAP_PERFMON): run vigil as root");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux: %s): vigil needs a kernel "
			  "built with CONFIG_DEBUG_INFO_BTF=y", strerror(errno));
		return -ENOENT;
	}
	err = probe_ensure_tracefs(detail, sizeof(detail));
	if (err) {
		log_error("tracefs is %s", detail);
		return err;
	}
	log_debug("tracefs %s", detail);
	return 0;
}

/* The kernel's fixed inode number of the initial pid namespace (PROC_PID_INIT_INO). */
#define INITIAL_PIDNS_INO 0xeffffffcu

static int namespace_inode(const char *path, uint64_t *ino)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/*
 * The host's mount namespace is init's. Reading /proc/1/ns needs ptrace
 * access to init, which a sandbox may deny even to root; a vigil that runs
 * in the initial pid namespace is then on the host itself, and its own
 * mount namespace is the host's.
 */
static int host_mount_namespace(uint64_t *ino)
{
	uint64_t own_pidns;
	int err = namespace_inode("/proc/1/ns/mnt", ino);

	if (!err)
		return 0;
	if (!namespace_inode("/proc/self/ns/pid", &own_pidns) && own_pidns == INITIAL_PIDNS_INO) {
		log_debug("/proc/1/ns/mnt: %s; using vigil's own mount namespace as the host's", strerror(-err));
		return namespace_inode("/proc/self/ns/mnt", ino);
	}
	log_error("cannot read the host's mount namespace from /proc/1/ns/mnt: %s "
		  "(in a container, vigil needs the host's pid namespace: hostPID / --pid host)",
		  strerror(-err));
	return err;
}

/*
 * Programs whose hook this kernel lacks are not loaded; the rest of vigil
 * runs. Says which on stderr: nothing is skipped silently.
 */
static void skip_missing_hooks(struct vigil_bpf *skel)
{
	struct bpf_program *prog;
	char missing[1024] = "", why[256];
	size_t used = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);

		if (probe_hook_exists(bpf_program__section_name(prog), why, sizeof(why)))
			continue;
		bpf_program__set_autoload(prog, false);
		if (!strncmp(name, "vigil_", 6))
			name += 6;
		log_debug("not loading %s: %s", name, why);
		if (used < sizeof(missing))
			used += snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? " " : "", name);
	}
	if (used)
		log_warn("this kernel lacks the hooks for: %s (vigil probe says why); these events will not be seen",
			 missing);
}

/*
 * A host process: in the initial pid namespace and the host's mount
 * namespace, as task_is_host judges in the kernel.
 */
static bool process_is_host(long pid, uint64_t host_mntns)
{
	char path[64];
	uint64_t ino = 0;

	snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
	if (namespace_inode(path, &ino) || ino != INITIAL_PIDNS_INO)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	return !namespace_inode(path, &ino) && ino == host_mntns;
}

/*
 * Mark the container processes that already run as past their setup
 * (VIGIL_TASK_EXECED): they exec'd before vigil could see it. Host processes
 * are left alone, as the exec program leaves them: a host runc that inherited
 * the mark would pass it to every container it sets up. Keyed by pidfd.
 */
static void seed_task_state(struct vigil_bpf *skel, uint64_t host_mntns)
{
	struct vigil_task_state_value {
		uint32_t flags;
	} state = { .flags = 1 /* VIGIL_TASK_EXECED */ };
	int map_fd = bpf_map__fd(skel->maps.task_state);
	struct dirent *de;
	int seeded = 0;
	DIR *proc = opendir("/proc");

	if (!proc) {
		log_warn("cannot read /proc to seed process state: %s", strerror(errno));
		return;
	}
	while ((de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int pidfd;

		if (*end || pid <= 0 || process_is_host(pid, host_mntns))
			continue;
		pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (pidfd < 0)
			continue; /* gone already */
		if (!bpf_map_update_elem(map_fd, &pidfd, &state, BPF_ANY))
			seeded++;
		close(pidfd);
	}
	closedir(proc);
	log_debug("seeded the state of %d running processes", seeded);
}

/*
 * The file programs' watch list (user/path_filter.c). Found by name: an agent
 * built without bpf/file.bpf.c has no such maps. False then.
 */
static bool path_filter_maps_of(struct vigil_bpf *skel, struct path_filter_maps *maps)
{
	struct bpf_map *prefixes = bpf_object__find_map_by_name(skel->obj, "path_prefixes");
	struct bpf_map *names = bpf_object__find_map_by_name(skel->obj, "path_names");

	if (!prefixes || !names)
		return false;
	maps->prefixes_fd = bpf_map__fd(prefixes);
	maps->names_fd = bpf_map__fd(names);
	maps->update = bpf_map_update_elem;
	return true;
}

/* Fill the watch list with the defaults before the file programs are attached. */
static int fill_path_filter(struct vigil_bpf *skel)
{
	struct path_filter_maps maps;

	if (!path_filter_maps_of(skel, &maps)) {
		log_debug("no file programs in this build: no path watch list to fill");
		return 0;
	}
	return path_filter_add_defaults(&maps);
}

static void watch_rule_path(const struct path_filter_maps *maps, enum path_filter_kind kind, const char *text)
{
	int err = path_filter_add_for_rule(maps, kind, text);

	if (err == -ENAMETOOLONG)
		log_warn("a rule tests files named '%s', longer than the kernel's watch list holds (%d bytes): "
			 "the kernel will not report them", text, VIGIL_PATH_NAME_MAX - 1);
	else if (err)
		log_warn("cannot add '%s' to the kernel's file watch list for the rules: %s", text, strerror(-err));
}

/*
 * A one-entry array of the BPF side that holds the rules' additions to one
 * of its masks (capable_rules, socket_rules). Found by name, like the watch
 * list; a build without the programs has nothing to set.
 */
static void set_rule_mask(struct vigil_bpf *skel, const char *map_name, const char *what, __u64 mask)
{
	struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, map_name);
	__u32 zero = 0;

	if (!map) {
		if (mask)
			log_warn("the rules test %s that this build's BPF programs do not watch (no %s map)", what,
				 map_name);
		return;
	}
	if (bpf_map_update_elem(bpf_map__fd(map), &zero, &mask, BPF_ANY))
		log_warn("cannot give the kernel the %s the rules test: %s", what, strerror(errno));
}

void loader_feed_rule_needs(struct vigil_bpf *skel, const struct rule_kernel_needs *needs)
{
	struct path_filter_maps maps;

	if (path_filter_maps_of(skel, &maps)) {
		for (size_t i = 0; i < needs->n_path_prefixes; i++)
			watch_rule_path(&maps, PATH_FILTER_PREFIX, needs->path_prefixes[i]);
		for (size_t i = 0; i < needs->n_path_names; i++)
			watch_rule_path(&maps, PATH_FILTER_NAME, needs->path_names[i]);
	} else if (needs->n_path_prefixes || needs->n_path_names) {
		log_warn("the rules test file paths, but this build has no file programs");
	}
	set_rule_mask(skel, "capable_rules", "capabilities", needs->capabilities);
	set_rule_mask(skel, "socket_rules", "socket families", needs->socket_families);
}

int loader_start(const struct loader_options *o, struct vigil_bpf **out)
{
	struct vigil_bpf *skel = NULL;
	uint64_t mntns;
	int err;

	libbpf_verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	*out = NULL;

	err = host_mount_namespace(&mntns);
	if (err)
		return err;

	skel = vigil_bpf__open();
	if (!skel) {
		err = -errno;
		log_error("opening the BPF object failed: %s", strerror(-err));
		return err;
	}
	skel->rodata->monitor_host = o->monitor_host;
	skel->rodata->host_mntns_ino = mntns;
	skel->rodata->agent_tgid = (uint32_t)getpid();
	err = bpf_map__set_max_entries(skel->maps.events, o->ringbuf_bytes);
	if (err) {
		log_error("cannot size the ring buffer to %u bytes: %s", o->ringbuf_bytes, strerror(-err));
		goto cleanup;
	}

	skip_missing_hooks(skel);
	err = vigil_bpf__load(skel);
	if (err) {
		log_error("the kernel refused vigil's BPF programs: %s%s", strerror(-err),
			  o->verbose ? "" : " (run with --verbose to see the verifier's log)");
		goto cleanup;
	}
	err = fill_path_filter(skel);
	if (err)
		goto cleanup;
	if (o->rule_needs)
		loader_feed_rule_needs(skel, o->rule_needs);
	err = vigil_bpf__attach(skel);
	if (err) {
		log_error("attaching vigil's BPF programs failed: %s%s", strerror(-err),
			  o->verbose ? "" : " (run with --verbose for libbpf's messages)");
		goto cleanup;
	}
	seed_task_state(skel, mntns);
	*out = skel;
	return 0;

cleanup:
	vigil_bpf__destroy(skel);
	return err;
}

void loader_stop(struct vigil_bpf *skel)
{
	vigil_bpf__destroy(skel);
}

void loader_detach(struct vigil_bpf *skel)
{
	vigil_bpf__detach(skel);
}

int loader_events_fd(struct vigil_bpf *skel)
{
	return bpf_map__fd(skel->maps.events);
}

int loader_read_counters(struct vigil_bpf *skel, struct vigil_counters totals[VIGIL_EVENT_TYPE_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(skel->maps.counters);

	if (ncpus < 0)
		return ncpus;
	struct vigil_counters per_cpu[ncpus];

	memset(totals, 0, sizeof(*totals) * VIGIL_EVENT_TYPE_MAX);
	for (__u32 type = 0; type < VIGIL_EVENT_TYPE_MAX; type++) {
		if (bpf_map_lookup_elem(fd, &type, per_cpu))
			return -errno;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			totals[type].emitted += per_cpu[cpu].emitted;
			totals[type].dropped += per_cpu[cpu].dropped;
			totals[type].filtered += per_cpu[cpu].filtered;
		}
	}
	return 0;
}

const char *loader_hooks_summary(struct vigil_bpf *skel, char *buf, size_t size)
{
	struct bpf_program *prog;
	size_t used = 0;

	buf[0] = '\0';
	/* Programs are named vigil_<concern>: "exec=tp_btf/sched_process_exec ...". */
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		int n;

		if (!bpf_program__autoload(prog))
			continue;
		if (!strncmp(name, "vigil_", 6))
			name += 6;
		n = snprintf(buf + used, size - used, "%s%s=%s", used ? " " : "", name,
			     bpf_program__section_name(prog));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}
