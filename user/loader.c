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

#include "enforce.h"
#include "decode.h"
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

		/* The LSM programs are chosen apart (choose_lsm_programs): no event depends on them. */
		if (!strncmp(bpf_program__section_name(prog), "lsm/", 4) ||
		    probe_hook_exists(bpf_program__section_name(prog), why, sizeof(why)))
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

		/* The agent's own state is seed_agent_state's. */
		if (*end || pid <= 0 || pid == getpid() || process_is_host(pid, host_mntns))
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

/* bpf/vigil.bpf.h */
#define VIGIL_TASK_EXECED (1u << 0)
#define VIGIL_TASK_AGENT (1u << 1)

/*
 * Mark the agent's own process (VIGIL_TASK_AGENT), which the fork program
 * passes on to everything it forks, so that enforcement never acts on the
 * agent or on the helpers it runs (enforce_undo's). Before attach: the
 * children it forks from then on inherit the mark.
 */
static int seed_agent_state(struct vigil_bpf *skel, uint64_t host_mntns)
{
	uint32_t flags = VIGIL_TASK_AGENT | (process_is_host(getpid(), host_mntns) ? 0 : VIGIL_TASK_EXECED);
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int err = 0;

	if (pidfd < 0) {
		err = -errno;
		log_error("cannot mark vigil's own process for the kernel (pidfd_open: %s), so enforcement "
			  "could act on the agent itself: vigil needs Linux 5.3 or newer", strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.task_state), &pidfd, &flags, BPF_ANY)) {
		err = -errno;
		log_error("cannot mark vigil's own process for the kernel: %s", strerror(-err));
	}
	close(pidfd);
	return err;
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

/* The event types each LSM program decides (bpf/lsm.bpf.c), once attached. */
#define TYPE_BIT(t) (1ull << (t))
static const struct {
	const char *program;
	uint64_t types;
} lsm_programs[] = {
	{ "vigil_lsm_exec", TYPE_BIT(VIGIL_EVENT_EXEC) },
	{ "vigil_lsm_file_open", TYPE_BIT(VIGIL_EVENT_OPEN) | TYPE_BIT(VIGIL_EVENT_OPENAT) | TYPE_BIT(VIGIL_EVENT_OPENAT2) },
	{ "vigil_lsm_mount", TYPE_BIT(VIGIL_EVENT_MOUNT) },
	{ "vigil_lsm_setuid", TYPE_BIT(VIGIL_EVENT_SETUID) | TYPE_BIT(VIGIL_EVENT_SETREUID) |
				      TYPE_BIT(VIGIL_EVENT_SETRESUID) | TYPE_BIT(VIGIL_EVENT_SETFSUID) },
	{ "vigil_lsm_setgid", TYPE_BIT(VIGIL_EVENT_SETGID) | TYPE_BIT(VIGIL_EVENT_SETREGID) |
				      TYPE_BIT(VIGIL_EVENT_SETRESGID) | TYPE_BIT(VIGIL_EVENT_SETFSGID) },
	{ "vigil_lsm_capable", TYPE_BIT(VIGIL_EVENT_CAPABLE) },
	{ "vigil_lsm_ptrace", TYPE_BIT(VIGIL_EVENT_PTRACE) },
	{ "vigil_lsm_finit_module", TYPE_BIT(VIGIL_EVENT_FINIT_MODULE) },
	{ "vigil_lsm_init_module", TYPE_BIT(VIGIL_EVENT_INIT_MODULE) },
	{ "vigil_lsm_bpf", TYPE_BIT(VIGIL_EVENT_BPF) },
};

static bool is_lsm_program(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__section_name(prog), "lsm/", 4);
}

/*
 * Load the LSM programs only where they can run: not with --lsm=off, not
 * where the kernel refuses BPF-LSM (said in one line), and each only where
 * the kernel has its hook. Returns how many are left to load.
 */
static int choose_lsm_programs(struct vigil_bpf *skel, bool no_lsm)
{
	struct bpf_program *prog;
	char why[256], missing[512] = "";
	size_t used = 0;
	int chosen = 0;
	bool said = false;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *section = bpf_program__section_name(prog);

		if (!is_lsm_program(prog))
			continue;
		if (no_lsm) {
			bpf_program__set_autoload(prog, false);
			continue;
		}
		if (probe_hook_exists(section, why, sizeof(why))) {
			chosen++;
			continue;
		}
		bpf_program__set_autoload(prog, false);
		/* One reason for them all (no BPF-LSM), or one per missing hook. */
		if (!strncmp(why, "this kernel has no LSM hook", 27)) {
			if (used < sizeof(missing))
				used += snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? " " : "",
						 section + 4);
		} else if (!said) {
			log_info("enforcement decides at the tracepoints, where deny rules kill: %s", why);
			said = true;
		}
	}
	if (no_lsm)
		log_info("enforcement decides at the tracepoints, where deny rules kill: --lsm=off");
	else if (used)
		log_info("this kernel lacks the LSM hooks %s: the tracepoints decide those operations", missing);
	return chosen;
}

static void disable_lsm_programs(struct vigil_bpf *skel)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
		if (is_lsm_program(prog))
			bpf_program__set_autoload(prog, false);
}

static int write_enforce_config(struct vigil_bpf *skel, const struct vigil_enforce_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.enforce_config), &zero, cfg, BPF_ANY))
		return -errno;
	return 0;
}

static int read_enforce_config(struct vigil_bpf *skel, struct vigil_enforce_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.enforce_config), &zero, cfg))
		return -errno;
	return 0;
}

/* After attach: the event types the attached LSM programs decide, for the tracepoints to leave to them. */
static int publish_lsm_types(struct vigil_bpf *skel)
{
	struct vigil_enforce_config cfg;
	uint64_t types = 0;
	int err;

	for (size_t i = 0; i < sizeof(lsm_programs) / sizeof(lsm_programs[0]); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, lsm_programs[i].program);

		if (prog && bpf_program__autoload(prog))
			types |= lsm_programs[i].types;
	}
	err = read_enforce_config(skel, &cfg);
	if (!err) {
		cfg.lsm_types = types;
		err = write_enforce_config(skel, &cfg);
	}
	if (err)
		log_error("cannot tell the kernel which operations its LSM programs decide: %s", strerror(-err));
	return err;
}

/*
 * Open, set the filters, load, fill the maps, attach. with_lsm: whether the
 * LSM programs may be loaded at all; *lsm_failed says whether they were and
 * the load or attach failed, so that the caller can try without them.
 */
static int load_and_attach(const struct loader_options *o, uint64_t mntns, bool with_lsm, bool *lsm_failed,
			   struct vigil_bpf **out)
{
	struct vigil_enforce_config cfg = { .mode = o->enforce_off ? VIGIL_ENFORCE_MODE_OFF : VIGIL_ENFORCE_MODE_ON };
	struct vigil_bpf *skel;
	int lsm_chosen = 0;
	int err;

	*out = NULL;
	*lsm_failed = false;
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
	if (with_lsm)
		lsm_chosen = choose_lsm_programs(skel, o->no_lsm);
	else
		disable_lsm_programs(skel);
	/* Where there is no cap_capable tracepoint, the capable LSM program reports what it decides. */
	skel->rodata->capable_tracepoint = bpf_program__autoload(skel->progs.vigil_capable);

	err = vigil_bpf__load(skel);
	if (err) {
		if (lsm_chosen) {
			*lsm_failed = true;
			log_info("the kernel refused vigil's LSM programs (%s): enforcement decides at the "
				 "tracepoints, where deny rules kill%s", strerror(-err),
				 o->verbose ? "" : " (run with --verbose to see the verifier's log)");
			goto cleanup;
		}
		log_error("the kernel refused vigil's BPF programs: %s%s", strerror(-err),
			  o->verbose ? "" : " (run with --verbose to see the verifier's log)");
		goto cleanup;
	}
	err = write_enforce_config(skel, &cfg);
	if (err) {
		log_error("cannot set up the enforcement policy in the kernel: %s", strerror(-err));
		goto cleanup;
	}
	err = seed_agent_state(skel, mntns);
	if (err)
		goto cleanup;
	err = fill_path_filter(skel);
	if (err)
		goto cleanup;
	if (o->rule_needs)
		loader_feed_rule_needs(skel, o->rule_needs);
	err = vigil_bpf__attach(skel);
	if (err) {
		if (lsm_chosen) {
			*lsm_failed = true;
			log_info("attaching vigil's LSM programs failed (%s): enforcement decides at the "
				 "tracepoints, where deny rules kill", strerror(-err));
			goto cleanup;
		}
		log_error("attaching vigil's BPF programs failed: %s%s", strerror(-err),
			  o->verbose ? "" : " (run with --verbose for libbpf's messages)");
		goto cleanup;
	}
	err = publish_lsm_types(skel);
	if (err)
		goto cleanup;
	*out = skel;
	return 0;

cleanup:
	vigil_bpf__destroy(skel);
	return err;
}

int loader_start(const struct loader_options *o, struct vigil_bpf **out)
{
	struct vigil_bpf *skel = NULL;
	bool lsm_failed;
	uint64_t mntns;
	int err;

	libbpf_verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	*out = NULL;

	err = host_mount_namespace(&mntns);
	if (err)
		return err;
	err = load_and_attach(o, mntns, true, &lsm_failed, &skel);
	if (err && lsm_failed)
		err = load_and_attach(o, mntns, false, &lsm_failed, &skel);
	if (err)
		return err;
	seed_task_state(skel, mntns);
	*out = skel;
	return 0;
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

uint64_t loader_lsm_types(struct vigil_bpf *skel)
{
	struct vigil_enforce_config cfg;

	return read_enforce_config(skel, &cfg) ? 0 : cfg.lsm_types;
}

uint64_t loader_decided_types(struct vigil_bpf *skel)
{
	uint64_t types = loader_lsm_types(skel);

	/* A type's tracepoint program is vigil_<type name> (vigil_mount, vigil_exec, vigil_capable, ...). */
	for (unsigned int t = 1; t < VIGIL_EVENT_TYPE_MAX && t < 64; t++) {
		const char *type = event_type_name(t);
		struct bpf_program *prog;
		char name[64];

		if (!type)
			continue;
		snprintf(name, sizeof(name), "vigil_%s", type);
		prog = bpf_object__find_program_by_name(skel->obj, name);
		if (prog && bpf_program__autoload(prog))
			types |= 1ull << t;
	}
	return types;
}

/* ---- the enforcement policy (include/vigil_enforce.h), double-buffered ---- */

static int string_trie_fd(struct vigil_bpf *skel, enum vigil_enforce_str_kind kind)
{
	switch (kind) {
	case VIGIL_STR_PATH:
		return bpf_map__fd(skel->maps.enforce_paths);
	case VIGIL_STR_SOURCE:
		return bpf_map__fd(skel->maps.enforce_sources);
	case VIGIL_STR_FSTYPE:
		return bpf_map__fd(skel->maps.enforce_fstypes);
	default:
		return -1;
	}
}

static const char *string_kind_name(enum vigil_enforce_str_kind kind)
{
	switch (kind) {
	case VIGIL_STR_PATH:
		return "path";
	case VIGIL_STR_SOURCE:
		return "mount source";
	case VIGIL_STR_FSTYPE:
		return "filesystem type";
	default:
		return "string";
	}
}

/* Write the terms and type masks of `set` (zeros for policy NULL: the set cleared). */
static int write_enforce_set_tables(struct vigil_bpf *skel, uint32_t set, const struct enforce_policy *policy)
{
	int terms_fd = bpf_map__fd(skel->maps.enforce_terms);
	int types_fd = bpf_map__fd(skel->maps.enforce_types);
	static const struct vigil_enforce_term no_term;
	static const uint64_t no_terms;

	for (uint32_t i = 0; i < VIGIL_ENFORCE_TERMS; i++) {
		uint32_t index = set * VIGIL_ENFORCE_TERMS + i;
		const struct vigil_enforce_term *t = policy && i < policy->n_terms ? &policy->terms[i] : &no_term;

		if (bpf_map_update_elem(terms_fd, &index, t, BPF_ANY))
			return -errno;
	}
	for (uint32_t type = 0; type < VIGIL_EVENT_TYPE_MAX; type++) {
		uint32_t container = (set * 2 + 0) * VIGIL_EVENT_TYPE_MAX + type;
		uint32_t host = (set * 2 + 1) * VIGIL_EVENT_TYPE_MAX + type;

		if (bpf_map_update_elem(types_fd, &container, policy ? &policy->types_container[type] : &no_terms,
					BPF_ANY) ||
		    bpf_map_update_elem(types_fd, &host, policy ? &policy->types_host[type] : &no_terms, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int write_enforce_strings(struct vigil_bpf *skel, uint32_t set, const struct enforce_policy *policy)
{
	for (size_t i = 0; i < policy->n_strings; i++) {
		const struct enforce_string *str = &policy->strings[i];
		struct vigil_enforce_str_key key;
		size_t max = str->exact ? VIGIL_ENFORCE_STR_MAX - 1 : VIGIL_ENFORCE_STR_MAX;
		int fd = string_trie_fd(skel, str->kind);

		if (fd < 0 || str->len > max) {
			log_error("the enforcement policy has a %s of %zu bytes, longer than the kernel compares (%zu)",
				  string_kind_name(str->kind), str->len, max);
			return -ENAMETOOLONG;
		}
		memset(&key, 0, sizeof(key));
		key.set = (uint8_t)set;
		memcpy(key.data, str->bytes, str->len);
		/* An exact entry ends with its NUL (already zero), so only a string that ends there matches. */
		key.prefixlen = 8 * (uint32_t)(1 + str->len + (str->exact ? 1 : 0));
		if (bpf_map_update_elem(fd, &key, &str->mask, BPF_ANY)) {
			int err = -errno;

			log_error("cannot give the kernel the enforcement policy's %s '%.*s': %s%s",
				  string_kind_name(str->kind), (int)str->len, str->bytes, strerror(-err),
				  err == -ENOSPC ? " (the policy has more strings than the kernel holds)" : "");
			return err;
		}
	}
	return 0;
}

/* Delete every entry of `set` from the three string tries. */
static void clear_enforce_strings(struct vigil_bpf *skel, uint32_t set)
{
	for (int kind = 0; kind < VIGIL_STR_KINDS; kind++) {
		int fd = string_trie_fd(skel, kind);
		struct vigil_enforce_str_key *keys, key, *prev = NULL;
		size_t n = 0;

		keys = calloc(VIGIL_ENFORCE_STRINGS, sizeof(*keys));
		if (!keys)
			return;
		/* Keys first, deletes after: a trie's next key is not defined once the current one is gone. */
		while (n < VIGIL_ENFORCE_STRINGS && !bpf_map_get_next_key(fd, prev, &key)) {
			keys[n] = key;
			prev = &keys[n];
			n++;
		}
		for (size_t i = 0; i < n; i++)
			if (keys[i].set == set)
				bpf_map_delete_elem(fd, &keys[i]);
		free(keys);
	}
}

int loader_set_enforce_policy(struct vigil_bpf *skel, const struct enforce_policy *policy)
{
	static const struct enforce_policy empty;
	struct vigil_enforce_config cfg;
	uint32_t old_set, new_set;
	int err;

	if (!policy)
		policy = &empty;
	if (policy->n_terms > VIGIL_ENFORCE_TERMS) {
		log_error("the enforcement policy has %zu terms, more than the kernel holds (%d)", policy->n_terms,
			  VIGIL_ENFORCE_TERMS);
		return -E2BIG;
	}
	err = read_enforce_config(skel, &cfg);
	if (err)
		goto failed;
	old_set = cfg.active & 1;
	new_set = old_set ^ 1;

	/* The set not in force: whatever a failed reload left there goes first. */
	clear_enforce_strings(skel, new_set);
	err = write_enforce_set_tables(skel, new_set, policy);
	if (!err)
		err = write_enforce_strings(skel, new_set, policy);
	if (err) {
		clear_enforce_strings(skel, new_set);
		write_enforce_set_tables(skel, new_set, NULL);
		goto failed;
	}
	/*
	 * The needs of the new set, then the flip, as two writes: a reader may see
	 * a value half copied, so each write changes one thing only.
	 */
	memcpy(cfg.needs[new_set], policy->needs, sizeof(cfg.needs[new_set]));
	err = write_enforce_config(skel, &cfg);
	if (err)
		goto failed;
	cfg.active = new_set;
	err = write_enforce_config(skel, &cfg);
	if (err)
		goto failed;

	/* The old set: no decision reads it any more (one that began before the flip may still finish with it). */
	clear_enforce_strings(skel, old_set);
	write_enforce_set_tables(skel, old_set, NULL);
	memset(cfg.needs[old_set], 0, sizeof(cfg.needs[old_set]));
	write_enforce_config(skel, &cfg);
	return 0;

failed:
	log_error("cannot put the enforcement policy in force in the kernel: %s", strerror(-err));
	return err;
}
