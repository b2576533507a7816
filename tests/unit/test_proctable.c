// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The process table: seeded from a fake /proc, kept by fork/exec/exit, ancestry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "event_builder.h"
#include "proctable.h"

static char procfs[] = "/tmp/vigil-test-proc.XXXXXX";

static void write_file(const char *dir, const char *name, const char *content, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
}

/* A /proc/<pid> with stat, cmdline, exe and cwd, as the kernel lays them out; tty 0 is none. */
static void fake_process_tty(unsigned pid, unsigned ppid, const char *comm, const char *exe,
			     const char *cmdline, size_t cmdline_len, unsigned long long start_time, unsigned tty)
{
	char dir[256], stat[512], link[512];

	snprintf(dir, sizeof(dir), "%s/%u", procfs, pid);
	mkdir(dir, 0755);
	snprintf(stat, sizeof(stat), "%u (%s) S %u 1 1 %u -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0",
		 pid, comm, ppid, tty, start_time);
	write_file(dir, "stat", stat, strlen(stat));
	write_file(dir, "cmdline", cmdline, cmdline_len);
	snprintf(link, sizeof(link), "%s/exe", dir);
	assert_int_equal(symlink(exe, link), 0);
	snprintf(link, sizeof(link), "%s/cwd", dir);
	assert_int_equal(symlink("/srv", link), 0);
}

static void fake_process(unsigned pid, unsigned ppid, const char *comm, const char *exe,
			 const char *cmdline, size_t cmdline_len, unsigned long long start_time)
{
	fake_process_tty(pid, ppid, comm, exe, cmdline, cmdline_len, start_time, 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(procfs))
		return -1;
	fake_process(1, 0, "init", "/sbin/init", "/sbin/init\0", 11, 10);
	/* A comm with a space and a ')' — stat parsing must use the last ')'. */
	fake_process(50, 1, "shim) x", "/usr/bin/containerd-shim", "shim\0-id\0abc\0", 13, 20);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", procfs);
	return system(cmd);
}

static void seed_reads_processes(void **state)
{
	struct proc_table *t = proc_table_new(procfs);
	const struct process *shim;

	(void)state;
	assert_int_equal(proc_table_seed(t), 2);
	shim = proc_table_get(t, 50);
	assert_non_null(shim);
	assert_int_equal(shim->ppid, 1);
	assert_string_equal(shim->comm, "shim) x");
	assert_string_equal(shim->exe, "/usr/bin/containerd-shim");
	assert_string_equal(shim->cwd, "/srv");
	assert_int_equal(shim->args_len, 12);
	assert_memory_equal(shim->args, "shim\0-id\0abc", 12);
	assert_true(shim->from_procfs);
	proc_table_free(t);
}

static void apply(struct proc_table *t, const void *buf, size_t len)
{
	struct event_view ev;

	assert_int_equal(event_decode(buf, len, &ev, NULL, 0), 0);
	proc_table_apply(t, &ev);
}

static void fork_exec_exit_keep_the_table(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	static const char sh_args[] = "sh\0-c\0run";
	static const char helper_args[] = "vigil-helper\0echo\0hi";
	const struct process *ancestors[8];
	const struct process *p;
	struct proc_table *t = proc_table_new(procfs);

	(void)state;
	/* The shim (from /proc, looked up on demand) forks and the child execs sh. */
	apply(t, buf, build_fork(buf, 50, 1, "shim) x", 60));
	p = proc_table_get(t, 60);
	assert_non_null(p);
	assert_int_equal(p->ppid, 50);
	assert_string_equal(p->exe, "/usr/bin/containerd-shim"); /* the parent's image until exec */
	apply(t, buf, build_exec(buf, 60, 50, "sh", "/bin/sh", sh_args, sizeof(sh_args), "/"));
	p = proc_table_get(t, 60);
	assert_string_equal(p->exe, "/bin/sh");
	assert_string_equal(p->comm, "sh");
	assert_int_equal(p->args_len, sizeof(sh_args) - 1);
	assert_false(p->from_procfs);

	/* sh forks a helper. */
	apply(t, buf, build_fork(buf, 60, 50, "sh", 61));
	apply(t, buf, build_exec(buf, 61, 60, "vigil-helper", "/bin/vigil-helper", helper_args,
				 sizeof(helper_args), "/"));
	assert_int_equal(proc_table_ancestors(t, 61, ancestors, 8), 3);
	assert_int_equal(ancestors[0]->tgid, 60);
	assert_string_equal(ancestors[0]->comm, "sh");
	assert_int_equal(ancestors[1]->tgid, 50);
	assert_int_equal(ancestors[2]->tgid, 1);
	/* max bounds the walk */
	assert_int_equal(proc_table_ancestors(t, 61, ancestors, 1), 1);

	proc_table_remove(t, 61);
	/* Gone from the table, and not in the fake /proc either. */
	assert_null(proc_table_get(t, 61));
	proc_table_free(t);
}

/* Seeded entries: start time from starttime (ticks), the tty, the executable's inode, memfd from the link. */
static void seed_reads_start_tty_and_executable(void **state)
{
	struct proc_table *t = proc_table_new(procfs);
	const struct process *p;
	char exe[600];
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(exe, sizeof(exe), "%s/the-exe", procfs);
	f = fopen(exe, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(stat(exe, &st), 0);
	fake_process_tty(90, 1, "bash", exe, "bash\0", 5, 250, 34816);
	fake_process(91, 1, "x", "/memfd:x (deleted)", "x\0", 2, 260);
	fake_process(92, 1, "y", "/dev/shm/y", "y\0", 2, 270);

	p = proc_table_get(t, 90);
	assert_non_null(p);
	assert_int_equal(p->start_ns, 250 * (1000000000ull / sysconf(_SC_CLK_TCK)));
	assert_int_equal(p->tty, 34816);
	assert_int_equal(p->exe_flags, VIGIL_EXE_HAS_TTY);
	assert_int_equal(p->exe_ino, st.st_ino);
	assert_int_equal(proc_table_get(t, 91)->exe_flags, VIGIL_EXE_MEMFD);
	assert_int_equal(proc_table_get(t, 92)->exe_flags, VIGIL_EXE_DEV_SHM);
	assert_int_equal(proc_table_get(t, 92)->tty, 0);
	proc_table_free(t);
}

/* What later events of a process need from its fork and its last exec. */
static void fork_and_exec_keep_start_tty_and_image(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	struct vigil_exec_event *exec = (void *)buf;
	struct vigil_fork_event *fork = (void *)buf;
	const struct process *p;
	struct proc_table *t = proc_table_new(NULL);
	size_t len;

	(void)state;
	/* A process vigil never saw fork: its start is its first exec's. */
	len = build_exec(buf, 100, 1, "sh", "/bin/sh", "sh", 3, "/");
	exec->hdr.ts_boot_ns = 1000;
	exec->tty = 34817;
	exec->exe_flags = VIGIL_EXE_UPPER_LAYER | VIGIL_EXE_HAS_TTY;
	exec->exe_ino = 77;
	apply(t, buf, len);
	p = proc_table_get(t, 100);
	assert_int_equal(p->start_ns, 1000);
	assert_int_equal(p->tty, 34817);
	assert_int_equal(p->exe_flags, VIGIL_EXE_UPPER_LAYER | VIGIL_EXE_HAS_TTY);
	assert_int_equal(p->exe_ino, 77);

	/* Its child starts at the fork and runs the same image, on the same terminal. */
	len = build_fork(buf, 100, 1, "sh", 101);
	fork->hdr.ts_boot_ns = 5000;
	apply(t, buf, len);
	p = proc_table_get(t, 101);
	assert_int_equal(p->start_ns, 5000);
	assert_int_equal(p->tty, 34817);
	assert_int_equal(p->exe_flags, VIGIL_EXE_UPPER_LAYER | VIGIL_EXE_HAS_TTY);
	assert_int_equal(p->exe_ino, 77);

	/* The child execs from memfd: a new image, the same start. */
	len = build_exec(buf, 101, 100, "x", "/memfd:x", "x", 2, "/");
	exec->hdr.ts_boot_ns = 9000;
	exec->exe_flags = VIGIL_EXE_MEMFD;
	exec->exe_ino = 5;
	apply(t, buf, len);
	p = proc_table_get(t, 101);
	assert_int_equal(p->start_ns, 5000);
	assert_int_equal(p->exe_flags, VIGIL_EXE_MEMFD);
	assert_int_equal(p->exe_ino, 5);
	assert_int_equal(p->tty, 0);
	proc_table_free(t);
}

static void sweep_forgets_gone_processes(void **state)
{
	struct proc_table *t = proc_table_new(procfs);
	char path[512];

	(void)state;
	fake_process(70, 1, "short", "/bin/short", "short\0", 6, 30);
	assert_non_null(proc_table_get(t, 70));
	assert_non_null(proc_table_get(t, 1));
	assert_int_equal(proc_table_sweep(t), 0);

	/* pid 70 exits; its directory goes. */
	snprintf(path, sizeof(path), "rm -rf '%s/70'", procfs);
	assert_int_equal(system(path), 0);
	assert_int_equal(proc_table_sweep(t), 1);
	assert_null(proc_table_get(t, 70));
	assert_non_null(proc_table_get(t, 1));
	proc_table_free(t);
}

static void loops_do_not_hang_ancestry(void **state)
{
	_Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
	const struct process *ancestors[8];
	struct proc_table *t = proc_table_new(NULL);

	(void)state;
	/* Stale entries after pid reuse can point at each other. */
	apply(t, buf, build_exec(buf, 80, 81, "a", "/a", "a", 2, "/"));
	apply(t, buf, build_exec(buf, 81, 80, "b", "/b", "b", 2, "/"));
	assert_int_equal(proc_table_ancestors(t, 80, ancestors, 8), 2);
	proc_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_reads_processes),
		cmocka_unit_test(fork_exec_exit_keep_the_table),
		cmocka_unit_test(seed_reads_start_tty_and_executable),
		cmocka_unit_test(fork_and_exec_keep_start_tty_and_image),
		cmocka_unit_test(sweep_forgets_gone_processes),
		cmocka_unit_test(loops_do_not_hang_ancestry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
