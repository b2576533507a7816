// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The rule engine's field table: every family read from hand-made events and
 * contexts (exec, openat, connect over IPv4, IPv6 and unix, capable, setuid,
 * a container with what the Engine API said, the host, a container event),
 * several values, missing values, binding errors word for word, Falco's fields
 * vigil lacks, evt.arg of every kind, a full scratch space, the names read
 * from a container's own files and the host's /etc/hosts, the printers, and
 * docs/FIELDS.md being the printer's output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container_info.h"
#include "decode.h"
#include "event_builder.h"
#include "event_json.h"
#include "event_schema.h"
#include "rule_condition.h"
#include "rule_fields.h"
#include "rule_loader.h"
#include "user_names.h"

#define INSPECT "tests/unit/data/inspect/"
#define FALCO_RULES "../shared/peers/falco/"
#define FIELDS_MD "docs/FIELDS.md"
#define CONTAINER_ID "b035a701d7ee28721ffc43fa62c52250a68ad440894834cf17ac6adbd2d71b8a"
#define CAP_BIT(n) (1ull << (n))

static _Alignas(8) char buf[VIGIL_EVENT_SIZE_MAX];
static struct event_view view;
static struct event_context ctx;
static struct rule_event ev;
static struct rule_scratch scratch;
static struct rule_field_value vals[RULE_FIELD_VALUES_MAX];
static struct container_ref ref;

/* A fresh context: no event, the host, nothing known. */
static void reset(void)
{
	memset(&view, 0, sizeof(view));
	memset(&ctx, 0, sizeof(ctx));
	memset(&ev, 0, sizeof(ev));
	memset(&ref, 0, sizeof(ref));
	ctx.metadata = CONTAINER_METADATA_UNAVAILABLE;
	ev.ctx = &ctx;
	ev.hostname = "node-1";
	scratch.used = 0;
}

/* Decode the record in buf as the event to read. */
static void use_record(size_t len)
{
	char err[256];

	if (event_decode(buf, len, &view, err, sizeof(err)))
		fail_msg("the test's record does not decode: %s", err);
	ctx.ev = &view;
	ev.type = view.hdr.type;
	scratch.used = 0;
}

static struct vigil_syscall_event *syscall_record(void)
{
	return (struct vigil_syscall_event *)buf;
}

/* The values of a field as written in a condition ("proc.aname[2]", "evt.arg.flags") on the event. */
static size_t get(const char *written)
{
	char name[256], err[256];
	const char *bracket = strchr(written, '['), *key;
	const char *arg_text = NULL;
	char arg_buf[256];
	const struct rule_field *f;
	struct rule_field_arg arg;
	size_t n;

	snprintf(name, sizeof(name), "%.*s", bracket ? (int)(bracket - written) : (int)strlen(written), written);
	if (bracket) {
		snprintf(arg_buf, sizeof(arg_buf), "%.*s", (int)(strlen(bracket) - 2), bracket + 1);
		arg_text = arg_buf;
	}
	f = rule_field_find(name, &key);
	if (!f)
		fail_msg("no field %s", written);
	if (rule_field_bind(f, key, arg_text, &arg, err, sizeof(err)))
		fail_msg("%s does not bind: %s", written, err);
	n = f->extract(&ev, &arg, vals, RULE_FIELD_VALUES_MAX, &scratch);
	/* A field yields values only on the events its row (or argument) names. */
	if (n && !(arg.events & RULE_EVENT_BIT(ev.type)))
		fail_msg("%s yields a value on a %s event, which its mask leaves out", written,
			 rule_event_type_name(ev.type));
	for (size_t i = 0; i < n; i++)
		if (vals[i].type != arg.type)
			fail_msg("%s yields a %s, not a %s", written, rule_field_type_name(vals[i].type),
				 rule_field_type_name(arg.type));
	rule_field_arg_free(&arg);
	return n;
}

static const char *text(const struct rule_field_value *v)
{
	static char out[8192];

	assert_int_equal(v->type, RULE_FIELD_STRING);
	snprintf(out, sizeof(out), "%.*s", (int)v->str.len, v->str.ptr);
	return out;
}

static void expect_str(const char *field, const char *expected)
{
	size_t n = get(field);

	if (n != 1)
		fail_msg("%s: %zu values, not one (\"%s\")", field, n, expected);
	if (strcmp(text(&vals[0]), expected) || vals[0].str.len != strlen(expected))
		fail_msg("%s is \"%s\", not \"%s\"", field, text(&vals[0]), expected);
}

static void expect_strs(const char *field, size_t count, const char *const *expected)
{
	size_t n = get(field);

	if (n != count)
		fail_msg("%s: %zu values, not %zu", field, n, count);
	for (size_t i = 0; i < n; i++)
		if (strcmp(text(&vals[i]), expected[i]))
			fail_msg("%s's value %zu is \"%s\", not \"%s\"", field, i, text(&vals[i]), expected[i]);
}

static void expect_uint(const char *field, uint64_t expected)
{
	if (get(field) != 1 || vals[0].u != expected)
		fail_msg("%s is not %llu", field, (unsigned long long)expected);
}

static void expect_int(const char *field, int64_t expected)
{
	if (get(field) != 1 || vals[0].i != expected)
		fail_msg("%s is not %lld", field, (long long)expected);
}

static void expect_bool(const char *field, bool expected)
{
	if (get(field) != 1 || vals[0].b != expected)
		fail_msg("%s is not %s", field, expected ? "true" : "false");
}

static void expect_none(const char *field)
{
	size_t n = get(field);

	if (n)
		fail_msg("%s yields %zu values, not none", field, n);
}

/* An IPADDR or IPNET value equal to text (an address) at full length. */
static void expect_ip(const char *field, const char *address)
{
	uint8_t bytes[16] = { 0 };
	int family = strchr(address, ':') ? 6 : 4;

	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, address, bytes), 1);
	if (get(field) != 1)
		fail_msg("%s yields no address", field);
	assert_int_equal(vals[0].ip.family, family);
	assert_int_equal(vals[0].ip.prefix, family == 6 ? 128 : 32);
	assert_memory_equal(vals[0].ip.bytes, bytes, family == 6 ? 16 : 4);
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	data[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return data;
}

static void parse_inspect(const char *name, struct container_info *info)
{
	char path[256], err[512];
	size_t len;
	char *answer;

	snprintf(path, sizeof(path), INSPECT "%s", name);
	answer = read_whole(path, &len);
	if (!answer)
		fail_msg("cannot read %s (the tests run from the repository's root)", path);
	if (container_info_parse(answer, len, info, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	free(answer);
}

/* A table entry made by hand: argv NUL-separated without the last NUL. */
static struct process make_process(uint32_t tgid, uint32_t vpid, const char *comm, const char *exe, const char *args,
				   size_t args_len)
{
	struct process p = { .tgid = tgid, .vpid = vpid, .exe = (char *)exe, .args = (char *)args,
			     .args_len = args_len, .cwd = (char *)"/" };

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	return p;
}

static const char bash_args[] = "bash\0-l";
static const char shim_args[] = "containerd-shim\0-id\0abc";

/* The lineage sh <- bash <- containerd-shim. */
static struct process parent, grandparent;

static void add_ancestors(void)
{
	parent = make_process(50, 1, "bash", "/bin/bash", bash_args, sizeof(bash_args) - 1);
	grandparent = make_process(40, 0, "containerd-shim", "/usr/bin/containerd-shim", shim_args,
				   sizeof(shim_args) - 1);
	ctx.ancestors[0] = &parent;
	ctx.ancestors[1] = &grandparent;
	ctx.n_ancestors = 2;
}

/* ---- exec: the event describes the image it starts ---- */

static void exec_event(void **state)
{
	static const char args[] = "sh\0-c\0echo hi";
	struct vigil_exec_event *e = (void *)buf;
	size_t len;

	(void)state;
	reset();
	len = build_exec(buf, 100, 50, "sh", "/bin/busybox", args, sizeof(args), "/srv");
	e->hdr.pid = 101;
	e->hdr.vpid = 7;
	e->hdr.gid = 1001;
	e->hdr.cap_effective = CAP_BIT(0) | CAP_BIT(21);
	e->hdr.cap_permitted = CAP_BIT(0) | CAP_BIT(21) | CAP_BIT(63);
	e->tty = 34816;
	e->exe_flags = VIGIL_EXE_UPPER_LAYER | VIGIL_EXE_HAS_TTY;
	e->exe_ino = 1234;
	use_record(len);
	add_ancestors();

	expect_str("evt.type", "exec");
	expect_str("evt.dir", "<");
	expect_str("evt.source", "syscall");
	expect_str("evt.hostname", "node-1");
	expect_bool("evt.is_setup", false);
	expect_str("evt.syscall", "execve");
	expect_str("syscall.type", "execve");
	expect_none("evt.res");
	expect_none("evt.args");
	expect_none("evt.arg.flags");
	expect_none("fd.name");

	expect_uint("proc.pid", 100);
	expect_uint("thread.tid", 101);
	expect_uint("proc.vpid", 7);
	expect_uint("proc.ppid", 50);
	expect_str("proc.name", "sh");
	expect_str("proc.exe", "sh");
	expect_str("proc.exepath", "/bin/busybox");
	expect_str("proc.cmdline", "sh -c echo hi");
	expect_str("proc.args", "-c echo hi");
	expect_str("proc.exeline", "sh -c echo hi");
	expect_uint("proc.cmdnargs", 2);
	expect_uint("proc.cmdlenargs", 9);
	expect_str("proc.cwd", "/srv");
	expect_uint("proc.tty", 34816);
	expect_bool("proc.is_exe_upper_layer", true);
	expect_bool("proc.is_exe_from_memfd", false);
	expect_bool("proc.is_exe_from_dev_shm", false);
	expect_uint("proc.exe_ino", 1234);
	/* Not in the table: no start time. */
	expect_none("proc.duration");

	expect_str("proc.pname", "bash");
	expect_str("proc.pexe", "bash");
	expect_str("proc.pexepath", "/bin/bash");
	expect_str("proc.pcmdline", "bash -l");
	expect_uint("proc.pvpid", 1);
	expect_str("proc.aname[0]", "sh");
	expect_str("proc.aname[1]", "bash");
	expect_str("proc.aname[2]", "containerd-shim");
	expect_none("proc.aname[3]");
	expect_strs("proc.aname", 2, (const char *const[]){ "bash", "containerd-shim" });
	expect_uint("proc.apid[0]", 100);
	assert_int_equal(get("proc.apid"), 2);
	assert_int_equal(vals[0].u, 50);
	assert_int_equal(vals[1].u, 40);
	expect_str("proc.aexe[2]", "containerd-shim");
	expect_str("proc.aexepath[2]", "/usr/bin/containerd-shim");
	expect_str("proc.acmdline[2]", "containerd-shim -id abc");
	expect_strs("proc.acmdline", 2, (const char *const[]){ "bash -l", "containerd-shim -id abc" });

	expect_str("thread.cap_effective", "CAP_CHOWN CAP_SYS_ADMIN");
	expect_str("thread.cap_permitted", "CAP_CHOWN CAP_SYS_ADMIN CAP_63");
	expect_uint("user.uid", 1000);
	expect_int("user.loginuid", -1);
	expect_none("user.loginname");
	expect_uint("group.gid", 1001);
	/* No name lookups configured: only 0 has a name. */
	expect_none("user.name");
	expect_none("group.name");
}

/* argv cut in the kernel (no final NUL), a single argument, and an empty argv. */
static void exec_argv_edges(void **state)
{
	size_t len;

	(void)state;
	reset();
	use_record(build_exec(buf, 100, 50, "cat", "/bin/cat", "cat\0/etc/pass", 13, "/"));
	expect_str("proc.cmdline", "cat /etc/pass");
	expect_str("proc.args", "/etc/pass");

	use_record(build_exec(buf, 100, 50, "true", "/bin/true", "true", 5, "/"));
	expect_str("proc.cmdline", "true");
	expect_str("proc.args", "");
	expect_uint("proc.cmdnargs", 0);

	len = build_exec(buf, 100, 50, "pwn", "/tmp/pwn", "", 0, "/");
	use_record(len);
	expect_str("proc.exe", "");
	expect_str("proc.cmdline", "pwn");
	expect_uint("proc.cmdnargs", 0);
}

/* ---- later events read the process table ---- */

static void later_events_read_the_table(void **state)
{
	static const char args[] = "payload\0--run";
	struct vigil_syscall_event *e = syscall_record();
	struct process self = make_process(100, 7, "payload", "/memfd:x (deleted)", args, sizeof(args) - 1);
	struct built_str path = { "/etc/shadow", 12 };
	uint64_t open_args[] = { (uint32_t)-100, 0, 0 };

	(void)state;
	reset();
	self.cwd = (char *)"/tmp";
	self.tty = 5;
	self.exe_flags = VIGIL_EXE_MEMFD;
	self.exe_ino = 99;
	self.start_ns = 1000;
	build_syscall(buf, VIGIL_EVENT_OPENAT, 100, 50, "payload", 3, open_args, 3, &path, 1);
	e->hdr.ts_boot_ns = 5000;
	use_record(e->hdr.size);
	add_ancestors();
	parent.start_ns = 200;

	/* Unknown to the table: nothing from it. */
	expect_str("proc.name", "payload");
	expect_none("proc.exepath");
	expect_none("proc.cmdline");
	expect_none("proc.cwd");
	expect_none("proc.is_exe_from_memfd");
	expect_none("proc.exe_ino");

	ctx.proc = &self;
	expect_str("proc.exepath", "/memfd:x (deleted)");
	expect_str("proc.exe", "payload");
	expect_str("proc.cmdline", "payload --run");
	expect_str("proc.cwd", "/tmp");
	expect_uint("proc.tty", 5);
	expect_bool("proc.is_exe_from_memfd", true);
	expect_bool("proc.is_exe_upper_layer", false);
	expect_uint("proc.exe_ino", 99);
	expect_uint("proc.duration", 4000);
	expect_uint("proc.ppid.duration", 4800);
	/* A start after the event (a stale entry): no age. */
	self.start_ns = 6000;
	expect_none("proc.duration");
	self.start_ns = 0;
	expect_none("proc.duration");
}

/* ---- files ---- */

static void openat_event(void **state)
{
	struct vigil_syscall_event *e = syscall_record();
	const struct built_str strs[] = { { "/etc/cron.d/job\0", 16 }, { "job\0", 4 } };
	const uint64_t args[] = { (uint32_t)-100, 01 | 0100 | 02000000, 0755 };

	(void)state;
	reset();
	build_syscall(buf, VIGIL_EVENT_OPENAT, 100, 50, "sh", 3, args, 3, strs, 2);
	e->syscall_nr = 257;
	use_record(e->hdr.size);

	expect_str("evt.type", "openat");
	expect_str("evt.syscall", "openat");
	expect_str("evt.res", "SUCCESS");
	expect_int("evt.rawres", 3);
	expect_bool("evt.failed", false);
	expect_str("evt.arg.flags", "O_WRONLY|O_CREAT|O_CLOEXEC");
	expect_str("evt.arg[flags]", "O_WRONLY|O_CREAT|O_CLOEXEC");
	expect_int("evt.rawarg.flags", 01 | 0100 | 02000000);
	expect_str("evt.arg.dirfd", "AT_FDCWD");
	expect_int("evt.rawarg.dirfd", -100);
	expect_str("evt.arg.mode", "0755");
	expect_str("evt.arg.path", "/etc/cron.d/job");
	expect_str("evt.rawarg.path", "/etc/cron.d/job");
	expect_str("evt.args", "dirfd=AT_FDCWD flags=O_WRONLY|O_CREAT|O_CLOEXEC mode=0755 path=/etc/cron.d/job name=job");
	expect_none("evt.arg.cap");
	expect_bool("evt.is_open_read", false);
	expect_bool("evt.is_open_write", true);
	expect_bool("evt.is_open_exec", true);
	expect_bool("evt.is_open_create", true);

	expect_str("fd.name", "/etc/cron.d/job");
	expect_str("fd.nameraw", "job");
	expect_str("fd.directory", "/etc/cron.d");
	expect_str("fd.filename", "job");
	expect_str("fd.typechar", "f");
	expect_str("fd.type", "file");
	expect_int("fd.num", 3);
	expect_str("fs.path.name", "/etc/cron.d/job");
	expect_none("fs.path.source");
	expect_none("fd.sockfamily");
	expect_none("fd.sip");
	expect_none("fd.connected");

	/* Refused, read only, at the root. */
	e->result = -13;
	e->args[1] = 0;
	e->args[2] = 0;
	memcpy(e->tail, "/passwd\0\0\0\0\0\0\0\0\0", 16);
	use_record(e->hdr.size);
	expect_str("evt.res", "EACCES");
	expect_int("evt.rawres", -13);
	expect_bool("evt.failed", true);
	expect_none("fd.num");
	expect_str("evt.arg.flags", "O_RDONLY");
	expect_bool("evt.is_open_read", true);
	expect_bool("evt.is_open_write", false);
	expect_bool("evt.is_open_exec", false);
	expect_bool("evt.is_open_create", false);
	expect_str("fd.name", "/passwd");
	expect_str("fd.directory", "/");
	expect_str("fd.filename", "passwd");

	/* O_TRUNC writes even with O_RDONLY; an errno without a name is its number. */
	e->args[1] = 01000;
	e->result = -4000;
	use_record(e->hdr.size);
	expect_bool("evt.is_open_write", true);
	expect_str("evt.res", "-4000");
}

static void link_and_chmod_events(void **state)
{
	const struct built_str link_strs[] = { { "/etc/shadow", 11 }, { "/tmp/x", 6 } };
	const struct built_str relative[] = { { "shadow", 6 }, { "/tmp/y", 6 } };
	const struct built_str chmod_path[] = { { "/usr/bin/su", 11 } };
	const uint64_t chmod_args[] = { (uint32_t)-100, 04755, 0 };

	(void)state;
	reset();
	use_record(build_syscall(buf, VIGIL_EVENT_SYMLINKAT, 100, 50, "ln", 0, NULL, 0, link_strs, 2));
	expect_str("fd.name", "/etc/shadow");
	expect_str("fs.path.source", "/etc/shadow");
	expect_str("fs.path.target", "/tmp/x");
	expect_none("fs.path.name");
	expect_none("fd.nameraw");
	expect_str("evt.arg.target", "/etc/shadow");
	expect_str("evt.arg.linkpath", "/tmp/x");

	use_record(build_syscall(buf, VIGIL_EVENT_SYMLINK, 100, 50, "ln", 0, NULL, 0, relative, 2));
	expect_str("fd.name", "shadow");
	expect_none("fd.directory");
	expect_str("fd.filename", "shadow");

	use_record(build_syscall(buf, VIGIL_EVENT_LINKAT, 100, 50, "ln", -1, NULL, 0, link_strs, 2));
	expect_str("fs.path.source", "/etc/shadow");
	expect_str("evt.arg.oldpath", "/etc/shadow");
	expect_str("evt.res", "EPERM");

	use_record(build_syscall(buf, VIGIL_EVENT_FCHMODAT, 100, 50, "chmod", 0, chmod_args, 3, chmod_path, 1));
	expect_str("fs.path.name", "/usr/bin/su");
	expect_str("fd.type", "file");
	expect_str("evt.arg.mode", "04755");
	expect_none("fd.num");
	expect_none("evt.syscall");
}

/* ---- connect ---- */

static size_t sockaddr_in_bytes(uint8_t *out, const char *address, uint16_t port)
{
	uint16_t family = strchr(address, ':') ? 10 : 2, nport = htons(port);

	memset(out, 0, 28);
	memcpy(out, &family, 2);
	memcpy(out + 2, &nport, 2);
	if (family == 2) {
		assert_int_equal(inet_pton(AF_INET, address, out + 4), 1);
		return 16;
	}
	assert_int_equal(inet_pton(AF_INET6, address, out + 8), 1);
	return 28;
}

/* A connect record to address:port (or a unix path when port is 0), with the result given. */
static void connect_to(const char *address, uint16_t port, int64_t result)
{
	uint8_t sa[128];
	struct built_str s = { sa, 0 };
	const uint64_t args[] = { 5 };
	uint16_t unix_family = 1;

	if (port) {
		s.len = sockaddr_in_bytes(sa, address, port);
	} else {
		/* address may start with NUL (abstract): its length is strlen(address + 1) + 1 then. */
		size_t n = address[0] ? strlen(address) : 1 + strlen(address + 1);

		memcpy(sa, &unix_family, 2);
		memcpy(sa + 2, address, n);
		s.len = 2 + n;
	}
	use_record(build_syscall(buf, VIGIL_EVENT_CONNECT, 100, 50, "curl", result, args, 1, &s, 1));
}

/* The connect schema's slot of that name, or -1. */
static int connect_slot(const char *name)
{
	const struct event_schema *schema = event_schema_for(VIGIL_EVENT_CONNECT);

	for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
		if (schema->args[i].name && !strcmp(schema->args[i].name, name))
			return i;
	return -1;
}

static void l4proto_is(uint64_t type, uint64_t protocol, const char *expected)
{
	struct vigil_syscall_event *e = syscall_record();

	e->args[connect_slot("sock_type")] = type;
	e->args[connect_slot("protocol")] = protocol;
	use_record(e->hdr.size);
	expect_str("fd.l4proto", expected);
}

static void connect_ipv4(void **state)
{
	int type_slot = connect_slot("sock_type"), protocol_slot = connect_slot("protocol");

	(void)state;
	reset();
	connect_to("10.1.2.3", 443, 0);
	expect_str("fd.name", "10.1.2.3:443");
	expect_str("fd.type", "ipv4");
	expect_str("fd.typechar", "4");
	expect_str("fd.sockfamily", "ip");
	expect_ip("fd.sip", "10.1.2.3");
	expect_ip("fd.rip", "10.1.2.3");
	expect_ip("fd.ip", "10.1.2.3");
	expect_ip("fd.net", "10.1.2.3");
	assert_int_equal(vals[0].type, RULE_FIELD_IPNET);
	expect_ip("fd.snet", "10.1.2.3");
	expect_ip("fd.rnet", "10.1.2.3");
	expect_uint("fd.sport", 443);
	expect_uint("fd.rport", 443);
	expect_uint("fd.port", 443);
	expect_int("fd.num", 5);
	expect_bool("fd.connected", true);
	expect_str("evt.arg.address", "10.1.2.3:443");
	expect_str("evt.arg.fd", "5");
	expect_int("evt.rawarg.fd", 5);
	expect_none("fd.directory");
	expect_none("fd.filename");
	expect_none("fs.path.name");
	/* No hosts file configured. */
	expect_none("fd.sip.name");

	/* fd.l4proto: from the socket's type and protocol (0 and 0: fd was no socket). */
	assert_true(type_slot >= 0 && protocol_slot >= 0);
	expect_none("fd.l4proto");
	l4proto_is(1 | 04000, 6, "tcp"); /* SOCK_STREAM|SOCK_NONBLOCK */
	l4proto_is(1, 0, "tcp");
	l4proto_is(2, 17, "udp");
	l4proto_is(2, 1, "icmp");        /* a ping socket */
	l4proto_is(3, 1, "raw");
	l4proto_is(5, 132, "unknown");   /* SCTP */

	connect_to("10.1.2.3", 80, -115);
	expect_bool("fd.connected", false);
	expect_str("evt.res", "EINPROGRESS");
}

static void connect_ipv6_and_mapped(void **state)
{
	(void)state;
	reset();
	connect_to("2001:db8::1", 80, 0);
	expect_str("fd.name", "[2001:db8::1]:80");
	expect_str("fd.type", "ipv6");
	expect_str("fd.typechar", "6");
	expect_ip("fd.sip", "2001:db8::1");
	expect_uint("fd.sport", 80);

	/* An IPv4 address on an IPv6 socket is IPv4 to the rules, as in Falco. */
	connect_to("::ffff:169.254.169.254", 80, 0);
	expect_str("fd.name", "169.254.169.254:80");
	expect_str("fd.type", "ipv4");
	expect_ip("fd.sip", "169.254.169.254");
	/* evt.arg stays what the process gave, as the JSON prints it. */
	expect_str("evt.arg.address", "[::ffff:169.254.169.254]:80");
}

static void connect_unix(void **state)
{
	(void)state;
	reset();
	connect_to("/var/run/docker.sock", 0, 0);
	expect_str("fd.name", "/var/run/docker.sock");
	expect_str("fd.type", "unix");
	expect_str("fd.typechar", "u");
	expect_str("fd.sockfamily", "unix");
	expect_str("evt.arg.address", "/var/run/docker.sock");
	expect_none("fd.sip");
	expect_none("fd.sport");
	expect_none("fd.net");
	expect_none("fd.l4proto");
	expect_bool("fd.connected", true);

	connect_to("\0dbus-abstract", 0, 0);
	expect_str("fd.name", "@dbus-abstract");
	expect_str("evt.arg.address", "@dbus-abstract");
}

/* ---- capable, setuid ---- */

static void capable_and_setuid(void **state)
{
	struct vigil_syscall_event *e = syscall_record();
	const uint64_t cap_args[] = { 21, 4026531837u };
	const uint64_t uid_args[] = { 0, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, (uint32_t)-1, 0, 0, 0, 0 };

	(void)state;
	reset();
	build_syscall(buf, VIGIL_EVENT_CAPABLE, 100, 50, "mount", 0, cap_args, 2, NULL, 0);
	e->syscall_nr = 165;
	use_record(e->hdr.size);
	expect_str("evt.type", "capable");
	expect_str("evt.syscall", "mount");
	expect_str("evt.arg.cap", "CAP_SYS_ADMIN");
	expect_int("evt.rawarg.cap", 21);
	expect_str("evt.arg.userns", "4026531837");
	expect_str("evt.args", "cap=CAP_SYS_ADMIN userns=4026531837");
	expect_str("evt.res", "SUCCESS");
	expect_none("fd.name");
	e->result = -1;
	e->syscall_nr = 5000; /* no such call */
	use_record(e->hdr.size);
	expect_str("evt.res", "EPERM");
	expect_str("evt.syscall", "5000");

	use_record(build_syscall(buf, VIGIL_EVENT_SETUID, 100, 50, "su", 0, uid_args, 9, NULL, 0));
	expect_str("evt.arg.uid", "0");
	expect_int("evt.rawarg.uid", 0);
	expect_str("evt.arg.old_uid", "-1");
	expect_int("evt.rawarg.old_uid", -1);
	expect_str("evt.arg.new_euid", "0");

	/* setfsuid returns the old fs id: a value, never an error. */
	use_record(build_syscall(buf, VIGIL_EVENT_SETFSUID, 100, 50, "x", 1000, uid_args, 1, NULL, 0));
	expect_str("evt.res", "SUCCESS");
	expect_bool("evt.failed", false);
	expect_int("evt.rawres", 1000);
}

/* ---- containers ---- */

static void use_container(enum container_runtime runtime, const char *id)
{
	ref.runtime = runtime;
	snprintf(ref.id, sizeof(ref.id), "%s", id);
	ctx.container = &ref;
}

static void container_fields(void **state)
{
	struct container_info named, caps, podman, mounts, limits, user, privileged, hostnet;

	(void)state;
	reset();
	use_record(build_exit(buf, 100, 50, "sh", 0));
	parse_inspect("named.json", &named);
	use_container(CONTAINER_RUNTIME_DOCKER, named.id);
	ctx.container_info = &named;
	ctx.metadata = CONTAINER_METADATA_KNOWN;

	expect_str("container.id", "b035a701d7ee");
	expect_str("container.full_id", CONTAINER_ID);
	expect_str("container.type", "docker");
	expect_str("container.metadata", "complete");
	expect_str("container.name", "web-1");
	expect_str("container.image", "vigil-inspect:1.0");
	expect_str("container.image.repository", "vigil-inspect");
	expect_str("container.image.tag", "1.0");
	expect_none("container.image.digest");
	expect_str("container.image.id", "cf3165ce5a105cbe7d4e2cd96ae3abb63cf84ebcb436fb1a1d375e49e3a78ed6");
	expect_bool("container.privileged", false);
	expect_none("container.cap_add");
	expect_str("container.label[app]", "web");
	expect_str("container.label.app", "web");
	expect_str("container.label.io.kubernetes.pod.namespace", "prod");
	expect_none("container.label[nope]");
	expect_str("k8s.pod.name", "web-1-abcde");
	expect_str("k8s.ns.name", "prod");
	expect_str("k8s.pod.uid", "0b6f3c2e-8d1a-4f0e-9c7b-2a5d4e6f7a81");
	expect_str("k8s.container.name", "web");
	expect_str("container.user", "");
	expect_bool("container.user_root", true);
	expect_none("container.action");
	expect_str("container.mounts", "");
	expect_none("container.mount.source");

	/* Docker writes CAP_SYS_ADMIN, Podman AUDIT_WRITE: both CAP_ in upper case. */
	parse_inspect("caps.json", &caps);
	ctx.container_info = &caps;
	expect_strs("container.cap_add", 1, (const char *const[]){ "CAP_SYS_ADMIN" });
	expect_strs("container.cap_drop", 1, (const char *const[]){ "CAP_NET_RAW" });
	parse_inspect("podman.json", &podman);
	use_container(CONTAINER_RUNTIME_PODMAN, podman.id);
	ctx.container_info = &podman;
	expect_str("container.type", "podman");
	expect_strs("container.cap_drop", 3, (const char *const[]){ "CAP_AUDIT_WRITE", "CAP_MKNOD", "CAP_NET_RAW" });
	expect_str("container.image", "docker.io/library/alpine:3.19");

	parse_inspect("mounts.json", &mounts);
	use_container(CONTAINER_RUNTIME_DOCKER, mounts.id);
	ctx.container_info = &mounts;
	expect_str("container.mounts", "/:/host::true: /var/run/docker.sock:/var/run/docker.sock:ro:false:");
	expect_strs("container.mount.source", 2, (const char *const[]){ "/", "/var/run/docker.sock" });
	expect_strs("container.mount.dest", 2, (const char *const[]){ "/host", "/var/run/docker.sock" });
	expect_str("container.mount.source[/host]", "/");
	expect_str("container.mount.dest[/var/run/docker.sock]", "/var/run/docker.sock");
	expect_str("container.mount.dest[/var/run/*]", "/var/run/docker.sock");
	expect_str("container.mount.source[1]", "/var/run/docker.sock");
	expect_none("container.mount.source[2]");
	expect_none("container.mount.dest[/proc*]");
	expect_strs("container.sensitive_mounts", 2, (const char *const[]){ "/", "/var/run/docker.sock" });

	parse_inspect("limits.json", &limits);
	ctx.container_info = &limits;
	expect_int("container.memory_limit", 64 << 20);
	expect_int("container.pids_limit", 50);
	expect_int("container.cpu_quota", 0);
	parse_inspect("user.json", &user);
	ctx.container_info = &user;
	expect_str("container.user", "1000");
	expect_bool("container.user_root", false);
	expect_int("container.pids_limit", 0);
	parse_inspect("privileged.json", &privileged);
	ctx.container_info = &privileged;
	expect_bool("container.privileged", true);
	expect_bool("container.host_network", false);
	parse_inspect("hostnet.json", &hostnet);
	ctx.container_info = &hostnet;
	expect_bool("container.host_network", true);
	expect_str("container.network_mode", "host");
	expect_bool("container.host_pid", false);
	expect_bool("container.readonly_rootfs", false);
	expect_bool("container.seccomp_unconfined", false);

	container_info_free(&named);
	container_info_free(&caps);
	container_info_free(&podman);
	container_info_free(&mounts);
	container_info_free(&limits);
	container_info_free(&user);
	container_info_free(&privileged);
	container_info_free(&hostnet);
}

/* Before the Engine API answered, and on the host. */
static void container_pending_and_host(void **state)
{
	(void)state;
	reset();
	use_record(build_exit(buf, 100, 50, "sh", 0));
	use_container(CONTAINER_RUNTIME_CONTAINERD, CONTAINER_ID);
	snprintf(ref.pod_uid, sizeof(ref.pod_uid), "0f3c9b5e-4e8a-4a4f-9d1c-2b7a5e6f8c01");
	ctx.metadata = CONTAINER_METADATA_PENDING;
	expect_str("container.id", "b035a701d7ee");
	expect_str("container.full_id", CONTAINER_ID);
	expect_str("container.type", "containerd");
	expect_str("container.metadata", "pending");
	expect_str("k8s.pod.uid", "0f3c9b5e-4e8a-4a4f-9d1c-2b7a5e6f8c01");
	expect_none("container.name");
	expect_none("container.image");
	expect_none("container.privileged");
	expect_none("container.cap_add");
	expect_none("container.mounts");
	expect_none("container.label[app]");
	expect_none("k8s.pod.name");
	ctx.metadata = CONTAINER_METADATA_UNAVAILABLE;
	expect_str("container.metadata", "unavailable");

	ctx.container = NULL;
	expect_str("container.id", "host");
	expect_str("container.full_id", "host");
	expect_str("container.name", "host");
	expect_str("container.type", "host");
	expect_none("container.metadata");
	expect_none("container.image");
	expect_none("k8s.pod.uid");
}

/* A container event: no process, the container's fields, its action and time. */
static void container_event(void **state)
{
	struct container_info info;

	(void)state;
	reset();
	parse_inspect("named.json", &info);
	use_container(CONTAINER_RUNTIME_DOCKER, info.id);
	ctx.container_info = &info;
	ctx.metadata = CONTAINER_METADATA_KNOWN;
	ev.type = RULE_EVENT_CONTAINER;
	ev.container_action = "start";
	ev.time_ns = 1700000000123456789;

	expect_str("evt.type", "container");
	expect_str("container.action", "start");
	expect_str("container.name", "web-1");
	expect_str("container.metadata", "complete");
	expect_uint("evt.rawtime", 1700000000123456789ull);
	expect_str("evt.time.iso8601", "2023-11-14T22:13:20.123456789Z");
	expect_str("evt.time", "22:13:20.123456789");
	expect_str("evt.source", "syscall");
	expect_none("evt.dir");
	expect_none("proc.name");
	expect_none("proc.aname");
	expect_none("user.uid");
	expect_none("thread.cap_effective");
	expect_none("evt.res");
	expect_none("fd.name");
	container_info_free(&info);
}

/* Hand-written answers: capability names in every spelling; more values than a field holds. */
static void capability_names_and_cut(void **state)
{
	char *cap_add[] = { "sys_admin", "CAP_NET_ADMIN", "ALL", "Net_Raw", "cap_bpf" };
	struct container_device devices[100];
	struct container_info info = { .cap_add = cap_add, .n_cap_add = 5, .devices = devices, .n_devices = 100 };
	char paths[100][16];

	(void)state;
	reset();
	use_record(build_exit(buf, 100, 50, "sh", 0));
	use_container(CONTAINER_RUNTIME_DOCKER, CONTAINER_ID);
	ctx.container_info = &info;
	expect_strs("container.cap_add", 5,
		    (const char *const[]){ "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "ALL", "CAP_NET_RAW", "CAP_BPF" });
	for (int i = 0; i < 100; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/dev/d%d", i);
		devices[i].host_path = paths[i];
	}
	assert_int_equal(get("container.devices"), RULE_FIELD_VALUES_MAX);
	assert_string_equal(text(&vals[RULE_FIELD_VALUES_MAX - 1]), "/dev/d63");
}

/* ---- the scratch space runs out: texts are cut, nothing breaks ---- */

static void scratch_overflow_cuts(void **state)
{
	static const char args[] = "sh\0-c\0echo hi";
	struct vigil_syscall_event *e = syscall_record();
	const uint64_t open_args[] = { 0, 01 | 0100 | 02000000, 0 };
	const struct built_str path = { "/etc/x", 6 };

	(void)state;
	reset();
	use_record(build_exec(buf, 100, 50, "sh", "/bin/sh", args, sizeof(args), "/"));
	scratch.used = RULE_SCRATCH_SIZE - 5;
	assert_int_equal(get("proc.cmdline"), 1);
	assert_string_equal(text(&vals[0]), "sh -c");
	assert_int_equal(scratch.used, RULE_SCRATCH_SIZE);
	assert_int_equal(get("proc.args"), 1);
	assert_int_equal(vals[0].str.len, 0);
	assert_int_equal(get("evt.time"), 1);
	assert_int_equal(vals[0].str.len, 0);
	assert_int_equal(get("evt.time.iso8601"), 1);
	assert_int_equal(vals[0].str.len, 0);
	assert_int_equal(get("thread.cap_effective"), 1);
	assert_int_equal(get("proc.aname"), 0);
	/* More than full (a caller's mistake) counts as full. */
	scratch.used = RULE_SCRATCH_SIZE + 100;
	assert_int_equal(get("proc.cmdline"), 1);
	assert_int_equal(vals[0].str.len, 0);

	build_syscall(buf, VIGIL_EVENT_OPENAT, 100, 50, "sh", 3, open_args, 3, &path, 1);
	use_record(e->hdr.size);
	scratch.used = RULE_SCRATCH_SIZE - 3;
	assert_int_equal(get("evt.arg.flags"), 1);
	/* A formatter keeps a byte for its NUL. */
	assert_string_equal(text(&vals[0]), "O_");
	scratch.used = RULE_SCRATCH_SIZE - 12;
	assert_int_equal(get("evt.args"), 1);
	assert_string_equal(text(&vals[0]), "dirfd=0 flag");
	/* Texts from the event itself need no room. */
	scratch.used = RULE_SCRATCH_SIZE;
	expect_str("evt.arg.path", "/etc/x");
	expect_str("fd.name", "/etc/x");
}

/* ---- binding ---- */

static void expect_bind_error(const char *name, const char *arg_text, int code, const char *message)
{
	const char *key;
	const struct rule_field *f = rule_field_find(name, &key);
	struct rule_field_arg arg;
	char err[256] = "";

	if (!f)
		fail_msg("no field %s", name);
	assert_int_equal(rule_field_bind(f, key, arg_text, &arg, err, sizeof(err)), code);
	assert_string_equal(err, message);
	assert_null(arg.key);
}

static void bind_errors(void **state)
{
	(void)state;
	expect_bind_error("proc.aname", "x", -EINVAL, "proc.aname takes an index [N], not 'x'");
	expect_bind_error("proc.aname", "-1", -EINVAL, "proc.aname takes an index [N], not '-1'");
	expect_bind_error("proc.apid", "", -EINVAL, "proc.apid takes an index [N], not ''");
	expect_bind_error("proc.aname", "99999999999999999999", -EINVAL,
			  "proc.aname takes an index [N], not '99999999999999999999'");
	expect_bind_error("proc.name", "1", -EINVAL, "proc.name takes no argument, not [1]");
	expect_bind_error("evt.arg", NULL, -EINVAL, "evt.arg needs an argument: evt.arg.NAME or evt.arg[NAME]");
	expect_bind_error("evt.arg", "", -EINVAL, "evt.arg needs an argument: evt.arg.NAME or evt.arg[NAME]");
	expect_bind_error("evt.arg.flagz", NULL, -EINVAL, "no event has an argument 'flagz'");
	expect_bind_error("evt.arg", "flagz", -EINVAL, "no event has an argument 'flagz'");
	expect_bind_error("evt.rawarg.res_or_fd", NULL, -EINVAL, "no event has an argument 'res_or_fd'");
	expect_bind_error("evt.arg.flags", "x", -EINVAL, "evt.arg.flags[x] gives evt.arg two arguments");
	expect_bind_error("container.label", NULL, -EINVAL,
			  "container.label needs an argument: container.label.KEY or container.label[KEY]");
	expect_bind_error("container.mount.source", "", -EINVAL, "container.mount.source takes [DEST] or nothing, not []");
}

static void bind_arguments(void **state)
{
	const char *key;
	const struct rule_field *f = rule_field_find("evt.arg.flags", &key);
	struct rule_field_arg arg;
	char err[256];

	(void)state;
	assert_non_null(f);
	assert_string_equal(f->name, "evt.arg");
	assert_string_equal(key, "flags");
	assert_int_equal(rule_field_bind(f, key, NULL, &arg, err, sizeof(err)), 0);
	assert_true(arg.present);
	assert_string_equal(arg.key, "flags");
	assert_int_equal(arg.type, RULE_FIELD_STRING);
	assert_int_equal(arg.slot[VIGIL_EVENT_OPENAT], 1);
	assert_int_equal(arg.slot[VIGIL_EVENT_MOUNT], 0);
	assert_int_equal(arg.slot[VIGIL_EVENT_CONNECT], -1);
	assert_int_equal(arg.slot[VIGIL_EVENT_EXEC], -1);
	assert_true(arg.events & RULE_EVENT_BIT(VIGIL_EVENT_OPENAT));
	assert_true(arg.events & RULE_EVENT_BIT(VIGIL_EVENT_UNSHARE));
	assert_false(arg.events & RULE_EVENT_BIT(VIGIL_EVENT_CONNECT));
	assert_false(arg.events & RULE_EVENT_BIT(VIGIL_EVENT_EXEC));
	assert_false(arg.events & RULE_EVENT_BIT(RULE_EVENT_CONTAINER));
	rule_field_arg_free(&arg);
	assert_null(arg.key);

	/* Falco's name for chmod's path, "filename", is the path slot where no slot is named so. */
	f = rule_field_find("evt.arg.filename", &key);
	assert_int_equal(rule_field_bind(f, key, NULL, &arg, err, sizeof(err)), 0);
	assert_int_equal(arg.slot[VIGIL_EVENT_CHMOD], RULE_FIELD_SLOT_STR);
	assert_int_equal(arg.slot[VIGIL_EVENT_FCHMODAT], RULE_FIELD_SLOT_STR);
	assert_int_equal(arg.slot[VIGIL_EVENT_OPENAT], RULE_FIELD_SLOT_STR);
	assert_int_equal(arg.slot[VIGIL_EVENT_CONNECT], -1);
	rule_field_arg_free(&arg);

	/* evt.rawarg: a number where the argument is one, text where it is text. */
	f = rule_field_find("evt.rawarg", &key);
	assert_null(key);
	assert_int_equal(rule_field_bind(f, NULL, "path", &arg, err, sizeof(err)), 0);
	assert_int_equal(arg.type, RULE_FIELD_STRING);
	assert_int_equal(arg.slot[VIGIL_EVENT_OPENAT], RULE_FIELD_SLOT_STR);
	assert_int_equal(arg.events, RULE_EVENT_BIT(VIGIL_EVENT_OPEN) | RULE_EVENT_BIT(VIGIL_EVENT_OPENAT) |
					     RULE_EVENT_BIT(VIGIL_EVENT_OPENAT2) | RULE_EVENT_BIT(VIGIL_EVENT_OPEN_TREE) |
					     RULE_EVENT_BIT(VIGIL_EVENT_MOUNT_SETATTR) |
					     RULE_EVENT_BIT(VIGIL_EVENT_CHROOT) | RULE_EVENT_BIT(VIGIL_EVENT_FINIT_MODULE) |
					     RULE_EVENT_BIT(VIGIL_EVENT_CHMOD) | RULE_EVENT_BIT(VIGIL_EVENT_FCHMOD) |
					     RULE_EVENT_BIT(VIGIL_EVENT_FCHMODAT));
	rule_field_arg_free(&arg);
	assert_int_equal(rule_field_bind(f, NULL, "cap", &arg, err, sizeof(err)), 0);
	assert_int_equal(arg.type, RULE_FIELD_INT);
	assert_int_equal(arg.events, RULE_EVENT_BIT(VIGIL_EVENT_CAPABLE));
	rule_field_arg_free(&arg);

	/* Every argument of every schema binds, to the types that have it. */
	for (unsigned int t = 0; t < VIGIL_EVENT_TYPE_MAX; t++) {
		const struct event_schema *schema = event_schema_for(t);

		for (int i = 0; schema && event_type_is_syscall(t) && i < VIGIL_SYSCALL_ARGS + VIGIL_SYSCALL_STRS; i++) {
			const char *name = i < VIGIL_SYSCALL_ARGS ? schema->args[i].name
								  : schema->strs[i - VIGIL_SYSCALL_ARGS].name;

			if (!name)
				continue;
			f = rule_field_find("evt.arg", &key);
			assert_int_equal(rule_field_bind(f, NULL, name, &arg, err, sizeof(err)), 0);
			assert_true(arg.events & RULE_EVENT_BIT(t));
			assert_int_equal(arg.slot[t], i < VIGIL_SYSCALL_ARGS ? i : RULE_FIELD_SLOT_STR + i - VIGIL_SYSCALL_ARGS);
			rule_field_arg_free(&arg);
		}
	}

	/* Indexes and keys. */
	f = rule_field_find("proc.aname", &key);
	assert_int_equal(rule_field_bind(f, NULL, "3", &arg, err, sizeof(err)), 0);
	assert_true(arg.present);
	assert_int_equal(arg.index, 3);
	assert_int_equal(rule_field_bind(f, NULL, NULL, &arg, err, sizeof(err)), 0);
	assert_false(arg.present);
	f = rule_field_find("container.mount.dest", &key);
	assert_int_equal(rule_field_bind(f, NULL, "/proc*", &arg, err, sizeof(err)), 0);
	assert_true(arg.key_is_glob);
	assert_int_equal(arg.index, -1);
	rule_field_arg_free(&arg);
	assert_int_equal(rule_field_bind(f, NULL, "12", &arg, err, sizeof(err)), 0);
	assert_int_equal(arg.index, 12);
	rule_field_arg_free(&arg);
}

static void find_fields(void **state)
{
	const char *key;
	size_t n;
	const struct rule_field *fields = rule_fields(&n);

	(void)state;
	assert_string_equal(rule_field_find("proc.name", &key)->name, "proc.name");
	assert_null(key);
	assert_string_equal(rule_field_find("evt.args", &key)->name, "evt.args");
	assert_null(key);
	assert_string_equal(rule_field_find("container.label.io.kubernetes.pod.name", &key)->name, "container.label");
	assert_string_equal(key, "io.kubernetes.pod.name");
	assert_string_equal(rule_field_find("evt.rawarg.fd", &key)->name, "evt.rawarg");
	assert_string_equal(key, "fd");
	assert_null(rule_field_find("evt.arg.", &key));
	assert_null(rule_field_find("proc.aname.x", &key));
	assert_null(rule_field_find("proc.names", &key));
	assert_null(rule_field_find("container.mount.source.x", &key));
	assert_null(rule_field_find("nope", NULL));

	/* Every row: a unique name, a description of one sentence, events, the right argument name. */
	for (size_t i = 0; i < n; i++) {
		const struct rule_field *f = &fields[i];
		size_t len = strlen(f->description);

		assert_ptr_equal(rule_field_find(f->name, NULL), f);
		assert_true(len > 10);
		if (f->description[len - 1] != '.' || strstr(f->description, ". "))
			fail_msg("%s: the description is not one sentence", f->name);
		assert_true(f->events != 0);
		assert_true((f->events & ~RULE_EVENTS_ALL) == 0);
		assert_true((f->arg == RULE_FIELD_ARG_NONE) == (f->arg_name == NULL));
		assert_null(rule_field_lacking(f->name));
	}
}

static void lacking_fields(void **state)
{
	size_t n;
	const struct rule_field_lack *lacking = rule_fields_lacking(&n);

	(void)state;
	assert_string_equal(rule_field_lacking("proc.vpgid.name")->name, "proc.vpgid");
	assert_string_equal(rule_field_lacking("proc.vpgid")->name, "proc.vpgid");
	assert_string_equal(rule_field_lacking("proc.exe_ino.ctime")->name, "proc.exe_ino.ctime");
	assert_string_equal(rule_field_lacking("proc.exe_ino.ctime_duration_proc_start")->name,
			    "proc.exe_ino.ctime_duration_proc_start");
	assert_string_equal(rule_field_lacking("ka.verb")->name, "ka");
	assert_string_equal(rule_field_lacking("k8s.pod.label[app]")->name, "k8s.pod.label");
	assert_string_equal(rule_field_lacking("fd.cip.name")->name, "fd.cip.name");
	assert_string_equal(rule_field_lacking("fd.lport")->reason,
			    "a connect event carries the remote end only, not the local (client) address and port");
	assert_null(rule_field_lacking("kafoo"));
	assert_null(rule_field_lacking("proc.name"));
	assert_null(rule_field_lacking("fd.sip.name"));
	assert_null(rule_field_lacking("proc.vpgidx"));
	/* None is a field vigil has. */
	for (size_t i = 0; i < n; i++) {
		if (rule_field_find(lacking[i].name, NULL))
			fail_msg("%s is both a field and lacking", lacking[i].name);
		assert_true(strlen(lacking[i].reason) > 5);
	}
}

/* ---- Falco's three rule files: every field they name is vigil's or lacking ---- */

struct field_use {
	char name[128];
	char arg[128];
	bool has_arg;
};

static void check_field(const struct field_use *use, size_t *checked)
{
	/* Arguments Falco's events have and vigil's schemas do not: the rule that names them cannot match. */
	static const char *const absent_arguments[] = { "res_or_fd" };
	const char *key;
	const struct rule_field *f = rule_field_find(use->name, &key);
	struct rule_field_arg arg;
	char err[256];

	(*checked)++;
	if (!f) {
		if (!rule_field_lacking(use->name))
			fail_msg("Falco's rules use %s, which vigil neither has nor lists as lacking", use->name);
		return;
	}
	if (!rule_field_bind(f, key, use->has_arg ? use->arg : NULL, &arg, err, sizeof(err))) {
		rule_field_arg_free(&arg);
		return;
	}
	for (size_t i = 0; i < sizeof(absent_arguments) / sizeof(absent_arguments[0]); i++)
		if (key && !strcmp(key, absent_arguments[i]))
			return;
	fail_msg("Falco's rules use %s%s%s%s, which does not bind: %s", use->name, use->has_arg ? "[" : "",
		 use->has_arg ? use->arg : "", use->has_arg ? "]" : "", err);
}

static void check_condition_fields(const struct condition_node *node, size_t *checked)
{
	struct field_use use = { 0 };

	if (!node)
		return;
	switch (node->type) {
	case CONDITION_AND:
	case CONDITION_OR:
		for (size_t i = 0; i < node->group.n_children; i++)
			check_condition_fields(node->group.children[i], checked);
		break;
	case CONDITION_NOT:
		check_condition_fields(node->operand, checked);
		break;
	case CONDITION_COMPARE:
	case CONDITION_EXISTS:
		snprintf(use.name, sizeof(use.name), "%s", node->check.field.name);
		use.has_arg = node->check.field.arg != NULL;
		if (use.has_arg)
			snprintf(use.arg, sizeof(use.arg), "%s", node->check.field.arg);
		check_field(&use, checked);
		break;
	default:
		break;
	}
}

static void check_condition_text(const struct rule_text *text, size_t *checked)
{
	struct condition_node *root;
	struct condition_error err;

	if (rule_condition_parse(text->text, text->len, &root, &err))
		fail_msg("a condition of Falco's rules does not parse: %s", err.message);
	check_condition_fields(root, checked);
	rule_condition_free(root);
}

/* %field and %field[arg] in an output. */
static void check_output_text(const char *output, size_t *checked)
{
	for (const char *p = strchr(output, '%'); p; p = strchr(p + 1, '%')) {
		struct field_use use = { 0 };
		size_t len = strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");

		if (!len || len >= sizeof(use.name))
			continue;
		memcpy(use.name, p + 1, len);
		if (p[1 + len] == '[') {
			const char *end = strchr(p + 1 + len, ']');

			assert_non_null(end);
			snprintf(use.arg, sizeof(use.arg), "%.*s", (int)(end - (p + 2 + len)), p + 2 + len);
			use.has_arg = true;
		}
		check_field(&use, checked);
	}
}

static void falco_rules_fields_are_known(void **state)
{
	static const char *const files[] = { FALCO_RULES "falco_rules.yaml", FALCO_RULES "falco-incubating_rules.yaml",
					     FALCO_RULES "falco-sandbox_rules.yaml" };
	size_t checked = 0;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct rule_set *set = rule_set_new();

		assert_non_null(set);
		if (access(files[i], R_OK))
			fail_msg("%s is missing (the tests run from the repository's root, next to ../shared)", files[i]);
		assert_int_equal(rule_set_load_file(set, files[i]), 0);
		for (size_t r = 0; r < rule_set_rule_count(set); r++) {
			check_condition_text(&rule_set_rule(set, r)->condition, &checked);
			check_output_text(rule_set_rule(set, r)->output.text, &checked);
		}
		for (size_t m = 0; m < rule_set_macro_count(set); m++)
			check_condition_text(&rule_set_macro(set, m)->condition, &checked);
		rule_set_free(set);
	}
	if (checked < 2000)
		fail_msg("only %zu fields found in Falco's rules", checked);
}

/* ---- every field stays inside its mask, on an event of every type ---- */

/* A record of type t with every slot filled. */
static void any_event(unsigned int t)
{
	const struct event_schema *schema = event_schema_for(t);
	uint8_t sa[28];
	struct built_str strs[VIGIL_SYSCALL_STRS];
	uint64_t args[VIGIL_SYSCALL_ARGS];
	size_t sa_len = sockaddr_in_bytes(sa, "10.0.0.1", 80);

	if (t == VIGIL_EVENT_EXEC) {
		use_record(build_exec(buf, 100, 50, "sh", "/bin/sh", "sh\0-c\0x", 8, "/"));
		return;
	}
	if (t == VIGIL_EVENT_FORK) {
		use_record(build_fork(buf, 100, 50, "sh", 101));
		return;
	}
	if (t == VIGIL_EVENT_EXIT) {
		use_record(build_exit(buf, 100, 50, "sh", 0));
		return;
	}
	for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
		args[i] = 1;
	for (int i = 0; i < VIGIL_SYSCALL_STRS; i++) {
		strs[i].bytes = schema->strs[i].kind == FIELD_SOCKADDR ? (const void *)sa : "/etc/passwd";
		strs[i].len = schema->strs[i].kind == FIELD_SOCKADDR ? sa_len : 11;
	}
	use_record(build_syscall(buf, (__u16)t, 100, 50, "sh", 0, args, VIGIL_SYSCALL_ARGS, strs, VIGIL_SYSCALL_STRS));
	syscall_record()->syscall_nr = 2;
}

static void masks_hold_on_every_event(void **state)
{
	static const char *const written[] = { "evt.arg.flags", "evt.arg.path", "evt.rawarg.fd", "proc.aname[1]",
					       "proc.apid[0]", "container.label[app]", "container.mount.source[/host]",
					       "container.mount.dest" };
	struct container_info info;
	struct process self = make_process(100, 7, "sh", "/bin/sh", "sh", 2);
	size_t n_fields;
	const struct rule_field *fields = rule_fields(&n_fields);
	struct user_names *names = user_names_new(NULL, "/etc/hosts");
	rule_event_mask seen = 0;

	(void)state;
	parse_inspect("mounts.json", &info);
	for (unsigned int t = 1; t < RULE_EVENT_TYPES; t++) {
		reset();
		ev.names = names;
		self.start_ns = 1;
		add_ancestors();
		use_container(CONTAINER_RUNTIME_DOCKER, info.id);
		ctx.container_info = &info;
		ctx.proc = &self;
		if (t == RULE_EVENT_CONTAINER) {
			ev.type = t;
			ev.container_action = "start";
			ctx.n_ancestors = 0;
			ctx.proc = NULL;
		} else {
			any_event(t);
		}
		/* get() fails on a value outside the mask. */
		for (size_t i = 0; i < n_fields; i++) {
			if (fields[i].arg == RULE_FIELD_ARG_KEY)
				continue;
			if (get(fields[i].name))
				seen |= RULE_EVENT_BIT(t);
		}
		for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++)
			get(written[i]);
	}
	assert_int_equal(seen, RULE_EVENTS_ALL);
	user_names_free(names);
	container_info_free(&info);
}

/* ---- slots as text: the JSON's text ---- */

static void slot_text_is_the_json(void **state)
{
	static const uint64_t samples[] = { 0, 1, 2, 3, 21, 0x80, 4096 | 16384, 02000000 | 0100 | 2,
					    (uint32_t)-1, (uint32_t)-100, 0x7fffffffffffffffull, UINT64_MAX,
					    0x10000000 | 0x20000, 165, 99999 };
	char text_buf[FIELD_TEXT_MAX];
	size_t len;

	(void)state;
	for (int kind = FIELD_INT; kind < FIELD_STRING; kind++)
		for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
			json_t *j = field_to_json(kind, samples[i]);
			char expected[FIELD_TEXT_MAX];

			if (json_is_string(j))
				snprintf(expected, sizeof(expected), "%s", json_string_value(j));
			else
				snprintf(expected, sizeof(expected), "%lld", (long long)json_integer_value(j));
			field_to_text(kind, samples[i], text_buf, sizeof(text_buf));
			if (strcmp(text_buf, expected))
				fail_msg("kind %d value %llu: text \"%s\", JSON \"%s\"", kind,
					 (unsigned long long)samples[i], text_buf, expected);
			json_decref(j);
		}
	len = field_to_text(FIELD_CAP_SET, UINT64_MAX, text_buf, sizeof(text_buf));
	assert_int_equal(len, strlen(text_buf));
	assert_non_null(strstr(text_buf, "|CAP_CHECKPOINT_RESTORE|CAP_41|"));
	assert_int_equal(field_to_text(FIELD_OPEN_FLAGS, 02000001, text_buf, 8), 7);
	assert_string_equal(text_buf, "O_WRONL");
	assert_int_equal(field_to_text(FIELD_MODE, 0755, text_buf, 0), 0);
	len = capability_set_text(CAP_BIT(0) | CAP_BIT(1), ", ", text_buf, sizeof(text_buf));
	assert_int_equal(len, strlen("CAP_CHOWN, CAP_DAC_OVERRIDE"));
	assert_string_equal(text_buf, "CAP_CHOWN, CAP_DAC_OVERRIDE");
	capability_set_text(0, " ", text_buf, sizeof(text_buf));
	assert_string_equal(text_buf, "");
}

/* ---- names from the process's own files and from /etc/hosts ---- */

static char fake_procfs[] = "/tmp/vigil-test-names.XXXXXX";

static void write_text(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/* <procfs>/<pid>/root/etc, what /proc/<pid>/root shows of a container. */
static void fake_root(unsigned int pid, char *etc, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%u", fake_procfs, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/root", fake_procfs, pid);
	mkdir(path, 0755);
	snprintf(etc, len, "%s/%u/root/etc", fake_procfs, pid);
	mkdir(etc, 0755);
}

static int names_setup(void **state)
{
	(void)state;
	return mkdtemp(fake_procfs) ? 0 : -1;
}

static int names_teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_procfs);
	return system(cmd);
}

/* An exit event of pid in mount namespace mntns, at ts (boot ns). */
static void event_of_process(uint32_t pid, uint64_t mntns, uint32_t uid, uint32_t gid, uint64_t ts)
{
	struct vigil_exit_event *e = (void *)buf;
	size_t len = build_exit(buf, pid, 1, "sh", 0);

	e->hdr.mntns_ino = mntns;
	e->hdr.uid = uid;
	e->hdr.gid = gid;
	e->hdr.ts_boot_ns = ts;
	use_record(len);
}

static void user_and_group_names(void **state)
{
	char etc[512], path[600], line[5000];
	struct user_names *names = user_names_new(fake_procfs, NULL);
	FILE *f;

	(void)state;
	reset();
	ev.names = names;
	fake_root(200, etc, sizeof(etc));
	snprintf(path, sizeof(path), "%s/passwd", etc);
	/* A line longer than the reader's buffer is skipped, not misread. */
	f = fopen(path, "w");
	assert_non_null(f);
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	fprintf(f, "root:x:0:0:root:/root:/bin/sh\n%s:x:2000:0::/:/bin/sh\n# comment\nbad line\n"
		   "x:x:notanumber:0::/:/bin/sh\ntester:x:1000:1000::/home/tester:/bin/sh\n"
		   "dup:x:1000:1000::/:/bin/sh\nnoeol:x:3000:0::/:/bin/sh",
		line);
	fclose(f);
	snprintf(path, sizeof(path), "%s/group", etc);
	write_text(path, "root:x:0:\ndevs:x:1001:tester\n");

	event_of_process(200, 7, 1000, 1001, 1000000000);
	expect_str("user.name", "tester");
	expect_str("group.name", "devs");
	event_of_process(200, 7, 2000, 0, 1000000000);
	expect_none("user.name");
	expect_str("group.name", "root");
	event_of_process(200, 7, 3000, 4242, 1000000000);
	expect_str("user.name", "noeol");
	expect_none("group.name");
	/* loginuid: its own name, nothing when unset. */
	((struct vigil_exit_event *)buf)->hdr.loginuid = 0;
	use_record(((struct vigil_exit_event *)buf)->hdr.size);
	expect_int("user.loginuid", 0);
	expect_str("user.loginname", "root");

	/* Cached: a new file is not read until the entry is a minute old. */
	snprintf(path, sizeof(path), "%s/passwd", etc);
	write_text(path, "renamed:x:1000:1000::/:/bin/sh\n");
	event_of_process(200, 7, 1000, 1001, 30000000000ull);
	expect_str("user.name", "tester");
	event_of_process(200, 7, 1000, 1001, 62000000000ull);
	expect_str("user.name", "renamed");
	/* Another mount namespace is another file, even from the same pid. */
	snprintf(path, sizeof(path), "%s/passwd", etc);
	write_text(path, "other:x:1000:1000::/:/bin/sh\n");
	event_of_process(200, 8, 1000, 1001, 62000000000ull);
	expect_str("user.name", "other");

	/* A process that is gone: root stays root, other ids have no name (asked again after a second). */
	event_of_process(999, 9, 0, 0, 1000);
	expect_str("user.name", "root");
	expect_str("group.name", "root");
	event_of_process(999, 9, 1000, 1000, 1000);
	expect_none("user.name");
	user_names_free(names);

	/* Without a lookup table (a replay): only 0 has a name. */
	ev.names = NULL;
	event_of_process(200, 7, 0, 1001, 1000);
	expect_str("user.name", "root");
	expect_none("group.name");
}

/* The container's files are opened inside its root: a symlink cannot reach the host's, a FIFO cannot block. */
static void container_files_stay_inside(void **state)
{
	char etc[512], path[600];
	struct user_names *names = user_names_new(fake_procfs, NULL);

	(void)state;
	reset();
	ev.names = names;
	fake_root(300, etc, sizeof(etc));
	/* An absolute link resolves inside the container's root, where /etc/inside exists. */
	snprintf(path, sizeof(path), "%s/inside", etc);
	write_text(path, "inside:x:0:0::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/passwd", etc);
	assert_int_equal(symlink("/etc/inside", path), 0);
	/* A link out of the root resolves inside it too: /../../etc/group is the container's /etc/group... */
	snprintf(path, sizeof(path), "%s/group", etc);
	assert_int_equal(mkfifo(path, 0644), 0);

	event_of_process(300, 30, 0, 0, 1000);
	expect_str("user.name", "inside");
	/* ...and a FIFO is no file to read: gid 0 is root, and nothing waited for a writer. */
	expect_str("group.name", "root");
	event_of_process(300, 30, 0, 5, 1000);
	expect_none("group.name");

	/* The host's /etc/passwd is not reachable by a link that climbs out. */
	snprintf(path, sizeof(path), "%s/passwd", etc);
	unlink(path);
	assert_int_equal(symlink("../../../../../../../../etc/passwd", path), 0);
	event_of_process(300, 31, 1, 0, 1000);
	/* The host's passwd names uid 1 (daemon); the container has no such file: no name. */
	expect_none("user.name");
	user_names_free(names);
}

static void hosts_names(void **state)
{
	char hosts[600];
	struct user_names *names;
	struct vigil_syscall_event *e = syscall_record();

	(void)state;
	reset();
	snprintf(hosts, sizeof(hosts), "%s/hosts", fake_procfs);
	write_text(hosts, "# the host's names\n127.0.0.1 localhost\n10.0.0.1\tdb db.local # primary\n"
			  "not-an-address x\n::1 localhost6\n10.0.0.1 other\n169.254.169.254 metadata.google.internal\n"
			  "10.0.0.9\n");
	names = user_names_new(NULL, hosts);
	assert_non_null(names);
	ev.names = names;

	connect_to("10.0.0.1", 5432, 0);
	e->hdr.ts_boot_ns = 1000;
	use_record(e->hdr.size);
	expect_strs("fd.sip.name", 3, (const char *const[]){ "db", "db.local", "other" });
	connect_to("::1", 80, 0);
	expect_strs("fd.sip.name", 1, (const char *const[]){ "localhost6" });
	connect_to("::ffff:169.254.169.254", 80, 0);
	expect_strs("fd.sip.name", 1, (const char *const[]){ "metadata.google.internal" });
	connect_to("10.0.0.9", 80, 0);
	expect_none("fd.sip.name");
	connect_to("/run/x.sock", 0, 0);
	expect_none("fd.sip.name");

	/* Changed: read again, but not before a second has passed since the last look. */
	write_text(hosts, "10.0.0.1 db-new\n");
	connect_to("10.0.0.1", 5432, 0);
	e->hdr.ts_boot_ns = 500000000;
	use_record(e->hdr.size);
	expect_strs("fd.sip.name", 3, (const char *const[]){ "db", "db.local", "other" });
	e->hdr.ts_boot_ns = 2000000000;
	use_record(e->hdr.size);
	expect_strs("fd.sip.name", 1, (const char *const[]){ "db-new" });
	/* Gone: no names. */
	unlink(hosts);
	e->hdr.ts_boot_ns = 4000000000;
	use_record(e->hdr.size);
	expect_none("fd.sip.name");
	user_names_free(names);
}

/* ---- printing ---- */

static char *print_to_memory(enum rule_fields_format format, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	assert_non_null(f);
	rule_fields_print(f, format);
	fclose(f);
	return out;
}

static void printers(void **state)
{
	size_t len, n_fields, n_lacking, lines[3] = { 0 };
	char *text = print_to_memory(RULE_FIELDS_TEXT, &len);
	char *json = print_to_memory(RULE_FIELDS_JSON, &len);
	char *save = NULL;

	(void)state;
	rule_fields(&n_fields);
	rule_fields_lacking(&n_lacking);
	assert_non_null(strstr(text, "\nproc.aname, proc.aname[N]\n    string, several values; events: all but container\n"));
	assert_non_null(strstr(text, "\nevt.arg.NAME, evt.arg[NAME]\n    string; events: all but exec, fork, exit, "
				     "container\n"));
	assert_non_null(strstr(text, "\nFalco fields vigil does not have:\n    evt.buffer: vigil does not capture the data of reads and writes\n"));
	assert_non_null(strstr(text, "\n    flags: "));
	for (char *line = strtok_r(json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *obj = json_loads(line, 0, NULL);

		assert_non_null(obj);
		lines[0] += json_object_get(obj, "field") != NULL;
		lines[1] += json_object_get(obj, "argument") != NULL;
		lines[2] += json_object_get(obj, "lacking") != NULL;
		json_decref(obj);
	}
	assert_int_equal(lines[0], n_fields);
	assert_int_equal(lines[2], n_lacking);
	assert_true(lines[1] > 50);
	free(text);
	free(json);
}

/* docs/FIELDS.md is the printer's Markdown, so it cannot go stale. */
static void fields_md_is_current(void **state)
{
	size_t len, file_len = 0;
	char *md = print_to_memory(RULE_FIELDS_MARKDOWN, &len);
	char *file;

	(void)state;
	if (getenv("VIGIL_WRITE_FIELDS_MD") && !strcmp(getenv("VIGIL_WRITE_FIELDS_MD"), "1")) {
		FILE *f = fopen(FIELDS_MD, "w");

		assert_non_null(f);
		assert_int_equal(fwrite(md, 1, len, f), len);
		fclose(f);
	}
	file = read_whole(FIELDS_MD, &file_len);
	if (!file)
		fail_msg("%s is missing: VIGIL_WRITE_FIELDS_MD=1 %s writes it", FIELDS_MD, "test_rule_fields");
	if (file_len != len || memcmp(file, md, len))
		fail_msg("%s differs from the field table: run the test with VIGIL_WRITE_FIELDS_MD=1 to rewrite it",
			 FIELDS_MD);
	free(file);
	free(md);
}

static void mask_names(void **state)
{
	char names[1024];

	(void)state;
	rule_event_mask_names(RULE_EVENTS_ALL, names, sizeof(names));
	assert_string_equal(names, "all");
	rule_event_mask_names(RULE_EVENTS_ALL & ~RULE_EVENT_BIT(RULE_EVENT_CONTAINER), names, sizeof(names));
	assert_string_equal(names, "all but container");
	rule_event_mask_names(RULE_EVENT_BIT(VIGIL_EVENT_EXEC) | RULE_EVENT_BIT(VIGIL_EVENT_OPEN), names, sizeof(names));
	assert_string_equal(names, "exec, open");
	rule_event_mask_names(RULE_EVENT_BIT(RULE_EVENT_CONTAINER), names, sizeof(names));
	assert_string_equal(names, "container");
	rule_event_mask_names(0, names, sizeof(names));
	assert_string_equal(names, "none");
	rule_event_mask_names(RULE_EVENTS_ALL & ~7ull, names, sizeof(names));
	assert_string_equal(names, "all but exec, fork");
	/* Cut, never past the buffer. */
	rule_event_mask_names(RULE_EVENT_BIT(VIGIL_EVENT_EXEC) | RULE_EVENT_BIT(VIGIL_EVENT_OPEN), names, 6);
	assert_string_equal(names, "exec,");
	assert_string_equal(rule_event_type_name(RULE_EVENT_CONTAINER), "container");
	assert_string_equal(rule_event_type_name(VIGIL_EVENT_CONNECT), "connect");
	assert_null(rule_event_type_name(0));
	assert_string_equal(rule_field_type_name(RULE_FIELD_IPNET), "ipnet");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_event),
		cmocka_unit_test(exec_argv_edges),
		cmocka_unit_test(later_events_read_the_table),
		cmocka_unit_test(openat_event),
		cmocka_unit_test(link_and_chmod_events),
		cmocka_unit_test(connect_ipv4),
		cmocka_unit_test(connect_ipv6_and_mapped),
		cmocka_unit_test(connect_unix),
		cmocka_unit_test(capable_and_setuid),
		cmocka_unit_test(container_fields),
		cmocka_unit_test(container_pending_and_host),
		cmocka_unit_test(container_event),
		cmocka_unit_test(capability_names_and_cut),
		cmocka_unit_test(scratch_overflow_cuts),
		cmocka_unit_test(bind_errors),
		cmocka_unit_test(bind_arguments),
		cmocka_unit_test(find_fields),
		cmocka_unit_test(lacking_fields),
		cmocka_unit_test(falco_rules_fields_are_known),
		cmocka_unit_test(masks_hold_on_every_event),
		cmocka_unit_test(slot_text_is_the_json),
		cmocka_unit_test(user_and_group_names),
		cmocka_unit_test(container_files_stay_inside),
		cmocka_unit_test(hosts_names),
		cmocka_unit_test(printers),
		cmocka_unit_test(fields_md_is_current),
		cmocka_unit_test(mask_names),
	};

	/* evt.time is the local clock: make it UTC here. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, names_setup, names_teardown);
}
