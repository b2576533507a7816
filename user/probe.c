// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probe.skel.h"
#include "vigil.skel.h"
#include "probe.h"

static const char *const feature_names[PROBE_FEATURE_COUNT] = {
	[PROBE_BTF] = "BTF (/sys/kernel/btf/vmlinux)",
	[PROBE_RINGBUF] = "BPF ring buffer",
	[PROBE_TRACEFS] = "tracefs",
	[PROBE_TRACEPOINT] = "tracepoints",
	[PROBE_TP_BTF] = "BTF tracepoints (tp_btf)",
	[PROBE_RAW_TP] = "raw tracepoints",
	[PROBE_FENTRY] = "fentry",
	[PROBE_KPROBE] = "kprobes",
	[PROBE_LSM_LISTED] = "BPF-LSM in the active LSM list",
	[PROBE_LSM_LOADS] = "BPF-LSM program loads and attaches",
};

const char *probe_feature_name(enum probe_feature f)
{
	return f < PROBE_FEATURE_COUNT ? feature_names[f] : "?";
}

static void set_result(struct probe_result *r, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_result(struct probe_result *r, bool ok, const char *fmt, ...)
{
	va_list ap;

	r->available = ok;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static bool is_mounted_fs(const char *dir, const char *fstype)
{
	char line[1024], want[300];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "re");

	if (!f)
		return false;
	snprintf(want, sizeof(want), " %s %s ", dir, fstype);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

/* Where tracefs is mounted, once probe_ensure_tracefs has found or mounted it. */
static const char *tracefs_dir;

int probe_ensure_tracefs(char *detail, size_t size)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (is_mounted_fs(dirs[i], "tracefs")) {
			snprintf(detail, size, "mounted at %s", dirs[i]);
			tracefs_dir = dirs[i];
			return 0;
		}
	if (mount("nodev", dirs[0], "tracefs", 0, NULL)) {
		int err = -errno;

		snprintf(detail, size, "not mounted, and mounting it at %s failed: %s "
			 "(mount it with: mount -t tracefs nodev %s)", dirs[0], strerror(errno), dirs[0]);
		return err;
	}
	snprintf(detail, size, "mounted at %s by vigil", dirs[0]);
	tracefs_dir = dirs[0];
	return 0;
}

/* The kernel's BTF, read once; NULL when it cannot be read. */
static struct btf *kernel_btf(void)
{
	static struct btf *vmlinux_btf;
	static bool vmlinux_btf_tried;

	if (!vmlinux_btf_tried) {
		vmlinux_btf = btf__load_vmlinux_btf();
		vmlinux_btf_tried = true;
	}
	return vmlinux_btf;
}

static void read_lsm_list(struct kernel_features *kf);
static void try_program(size_t index, struct probe_result *r);
static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap);

/*
 * Whether this kernel runs BPF-LSM programs: `bpf` in the active LSM list,
 * and a trivial LSM program loads and attaches (a kernel may refuse them
 * even so). Tried once; `why` says what is missing.
 */
static bool bpf_lsm_usable(char *why, size_t size)
{
	static struct kernel_features kf;
	static bool tried;
	struct probe_bpf *skel;
	struct bpf_program *prog;
	size_t index = 0;

	if (!tried) {
		libbpf_print_fn_t old_print = libbpf_set_print(silent_print);

		tried = true;
		read_lsm_list(&kf);
		skel = kf.f[PROBE_LSM_LISTED].available ? probe_bpf__open() : NULL;
		if (skel) {
			bpf_object__for_each_program(prog, skel->obj) {
				if (!strcmp(bpf_program__name(prog), "probe_lsm"))
					break;
				index++;
			}
			probe_bpf__destroy(skel);
			try_program(index, &kf.f[PROBE_LSM_LOADS]);
		}
		libbpf_set_print(old_print);
	}
	if (!kf.f[PROBE_LSM_LISTED].available) {
		snprintf(why, size, "BPF-LSM is not enabled: %s", kf.f[PROBE_LSM_LISTED].detail);
		return false;
	}
	if (!kf.f[PROBE_LSM_LOADS].available) {
		snprintf(why, size, "the kernel refuses BPF-LSM programs (%s)", kf.f[PROBE_LSM_LOADS].detail);
		return false;
	}
	return true;
}

bool probe_hook_exists(const char *section, char *why, size_t size)
{
	struct btf *vmlinux_btf;
	char path[512], type_name[256];

	if (!strncmp(section, "tracepoint/", 11) || !strncmp(section, "tp/", 3)) {
		const char *name = strchr(section, '/') + 1;

		if (!tracefs_dir) {
			char detail[256];

			if (probe_ensure_tracefs(detail, sizeof(detail))) {
				snprintf(why, size, "tracefs is %s", detail);
				return false;
			}
		}
		snprintf(path, sizeof(path), "%s/events/%s", tracefs_dir, name);
		if (access(path, F_OK) == 0)
			return true;
		snprintf(why, size, "this kernel has no tracepoint %s", name);
		return false;
	}
	if (!strncmp(section, "lsm/", 4)) {
		if (!bpf_lsm_usable(why, size))
			return false;
		vmlinux_btf = kernel_btf();
		/* An LSM hook is attached through its bpf_lsm_<name> stub: no stub, no hook here. */
		snprintf(type_name, sizeof(type_name), "bpf_lsm_%s", section + 4);
		if (vmlinux_btf && btf__find_by_name_kind(vmlinux_btf, type_name, BTF_KIND_FUNC) >= 0)
			return true;
		snprintf(why, size, "this kernel has no LSM hook %s", section + 4);
		return false;
	}
	if (!strncmp(section, "tp_btf/", 7)) {
		vmlinux_btf = kernel_btf();
		if (!vmlinux_btf) {
			snprintf(why, size, "the kernel's BTF cannot be read");
			return false;
		}
		/* A BTF tracepoint is declared by its btf_trace_<name> typedef. */
		snprintf(type_name, sizeof(type_name), "btf_trace_%s", section + 7);
		if (btf__find_by_name_kind(vmlinux_btf, type_name, BTF_KIND_TYPEDEF) >= 0)
			return true;
		snprintf(why, size, "this kernel has no BTF tracepoint %s", section + 7);
		return false;
	}
	return true;
}

static void read_lsm_list(struct kernel_features *kf)
{
	const char *path = "/sys/kernel/security/lsm";
	struct probe_result *r = &kf->f[PROBE_LSM_LISTED];
	FILE *f;

	/* securityfs is often not mounted in containers and minimal systems. */
	if (access(path, R_OK) && !is_mounted_fs("/sys/kernel/security", "securityfs"))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	f = fopen(path, "re");
	if (!f) {
		set_result(r, false, "cannot read %s: %s", path, strerror(errno));
		return;
	}
	if (!fgets(kf->lsm_list, sizeof(kf->lsm_list), f))
		kf->lsm_list[0] = '\0';
	fclose(f);
	kf->lsm_list[strcspn(kf->lsm_list, "\n")] = '\0';

	/* The list is comma-separated: look for the whole word "bpf". */
	char list[sizeof(kf->lsm_list) + 2];
	snprintf(list, sizeof(list), ",%s,", kf->lsm_list);
	if (strstr(list, ",bpf,"))
		set_result(r, true, "%s", kf->lsm_list);
	else
		set_result(r, false, "active LSMs: %s (boot with lsm=...,bpf to enable)", kf->lsm_list);
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* Load and attach the one probe program `index` (in skeleton order) on its own. */
static void try_program(size_t index, struct probe_result *r)
{
	struct probe_bpf *skel = probe_bpf__open();
	struct bpf_program *prog, *chosen = NULL;
	struct bpf_link *link;
	size_t i = 0;
	int err;

	if (!skel) {
		set_result(r, false, "cannot open the probe object: %s", strerror(errno));
		return;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		bpf_program__set_autoload(prog, i == index);
		if (i == index)
			chosen = prog;
		i++;
	}
	err = probe_bpf__load(skel);
	if (err) {
		set_result(r, false, "load refused: %s", strerror(-err));
		goto cleanup;
	}
	link = bpf_program__attach(chosen);
	if (!link) {
		set_result(r, false, "attach refused: %s", strerror(errno));
		goto cleanup;
	}
	set_result(r, true, "%s", bpf_program__section_name(chosen));
	bpf_link__destroy(link);
cleanup:
	probe_bpf__destroy(skel);
}

void probe_kernel(struct kernel_features *kf)
{
	/* The probe program's index in the skeleton, for each feature it answers. */
	static const struct {
		enum probe_feature feature;
		const char *program;
	} programs[] = {
		{ PROBE_TP_BTF, "probe_tp_btf" },
		{ PROBE_TRACEPOINT, "probe_tracepoint" },
		{ PROBE_RAW_TP, "probe_raw_tp" },
		{ PROBE_FENTRY, "probe_fentry" },
		{ PROBE_KPROBE, "probe_kprobe" },
		{ PROBE_LSM_LOADS, "probe_lsm" },
	};
	libbpf_print_fn_t old_print = libbpf_set_print(silent_print);
	struct utsname uts;
	char detail[256];
	int err;

	memset(kf, 0, sizeof(*kf));
	if (!uname(&uts))
		snprintf(kf->kernel_release, sizeof(kf->kernel_release), "%s", uts.release);

	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		set_result(&kf->f[PROBE_BTF], true, "/sys/kernel/btf/vmlinux");
	else
		set_result(&kf->f[PROBE_BTF], false, "/sys/kernel/btf/vmlinux: %s "
			   "(the kernel needs CONFIG_DEBUG_INFO_BTF=y)", strerror(errno));

	err = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	set_result(&kf->f[PROBE_RINGBUF], err == 1, "%s",
		   err == 1 ? "BPF_MAP_TYPE_RINGBUF" : err == 0 ? "not supported (kernel older than 5.8)" : strerror(-err));

	err = probe_ensure_tracefs(detail, sizeof(detail));
	set_result(&kf->f[PROBE_TRACEFS], err == 0, "%s", detail);

	read_lsm_list(kf);

	/* Skeleton order is section order: find each program's index by name. */
	struct probe_bpf *skel = probe_bpf__open();
	for (size_t p = 0; p < sizeof(programs) / sizeof(programs[0]); p++) {
		struct probe_result *r = &kf->f[programs[p].feature];
		struct bpf_program *prog;
		size_t index = 0;
		bool found = false;

		if (!skel) {
			set_result(r, false, "cannot open the probe object: %s", strerror(errno));
			continue;
		}
		bpf_object__for_each_program(prog, skel->obj) {
			if (!strcmp(bpf_program__name(prog), programs[p].program)) {
				found = true;
				break;
			}
			index++;
		}
		if (!found)
			set_result(r, false, "probe program %s missing from the build", programs[p].program);
		else if (programs[p].feature == PROBE_TRACEPOINT && !kf->f[PROBE_TRACEFS].available)
			set_result(r, false, "needs tracefs");
		else
			try_program(index, r);
	}
	probe_bpf__destroy(skel);
	libbpf_set_print(old_print);
}

/* Which hook each event type uses: every program of vigil's, and whether its hook exists here. */
static void print_hooks(const struct kernel_features *kf, FILE *out)
{
	struct vigil_bpf *skel = vigil_bpf__open();
	struct bpf_program *prog;
	char why[256], lsm_why[256];
	bool lsm_usable = bpf_lsm_usable(lsm_why, sizeof(lsm_why));
	int lsm_programs = 0;

	fprintf(out, "\nhooks vigil will use:\n");
	if (!skel) {
		fprintf(out, "  (cannot open vigil's BPF object: %s)\n", strerror(errno));
		return;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		const char *section = bpf_program__section_name(prog);

		if (!strncmp(name, "vigil_", 6))
			name += 6;
		/* Without BPF-LSM, one line for all the LSM programs, below. */
		if (!strncmp(section, "lsm/", 4) && !lsm_usable) {
			lsm_programs++;
			continue;
		}
		if (probe_hook_exists(section, why, sizeof(why)))
			fprintf(out, "  %-18s %s\n", name, section);
		else
			fprintf(out, "  %-18s unavailable: %s\n", name, why);
	}
	vigil_bpf__destroy(skel);
	if (lsm_programs)
		fprintf(out, "  %-18s unavailable (%d programs): %s\n", "lsm_*", lsm_programs, lsm_why);
	fprintf(out, "\nenforcement: %s\n",
		kf->f[PROBE_LSM_LISTED].available && kf->f[PROBE_LSM_LOADS].available
			? "the LSM programs above deny in the kernel; the tracepoints decide the rest (kill only)"
			: "no BPF-LSM here: the tracepoints decide, and a deny rule kills the process instead");
}

void probe_print(const struct kernel_features *kf, FILE *out)
{
	fprintf(out, "kernel %s, libbpf %s\n\n", kf->kernel_release, libbpf_version_string());
	for (int i = 0; i < PROBE_FEATURE_COUNT; i++)
		fprintf(out, "  %-3s %-38s %s\n", kf->f[i].available ? "yes" : "no",
			feature_names[i], kf->f[i].detail);
	print_hooks(kf, out);
}
