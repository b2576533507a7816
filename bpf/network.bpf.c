// SPDX-License-Identifier: GPL-2.0
/*
 * Network: sockets of families a container has no business opening (a raw
 * packet socket sniffs or forges the node's traffic), and where container
 * processes connect to — a runtime's unix socket (docker.sock: the whole
 * host), the cloud metadata address, anything a rule names.
 *
 * socket() and connect() are among the busiest system calls, so both
 * programs drop what is not watched before building anything.
 */
#include "syscall.bpf.h"

/* Address families (<sys/socket.h>; vmlinux.h has no macros). */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17

/* The largest socket address, sizeof(struct sockaddr_storage). */
#define SOCKADDR_MAX 128

/* The families whose socket() is always an event, one bit per AF_* number. */
#define SOCKET_FAMILY_DEFAULT_MASK (1ull << AF_PACKET)

/*
 * The families the rules test besides those: a one-entry array that the agent
 * writes after load and on each reload of the rules (user/loader.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} socket_rules SEC(".maps");

static __always_inline __u64 socket_family_mask(void)
{
	__u32 zero = 0;
	__u64 *rules = bpf_map_lookup_elem(&socket_rules, &zero);

	return SOCKET_FAMILY_DEFAULT_MASK | (rules ? *rules : 0);
}

static __always_inline void report_socket(long result, long domain, long type, long protocol)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e;

	e = syscall_event_begin_as(&s, VIGIL_EVENT_SOCKET, result,
				   domain >= 0 && domain < 64 && (socket_family_mask() & (1ull << domain)));
	if (!e)
		return;
	e->args[0] = domain;
	e->args[1] = type;
	e->args[2] = protocol;
	syscall_event_submit(s, e);
}

/* socket(domain, type, protocol) */
SEC("tracepoint/syscalls/sys_exit_socket")
int vigil_socket(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_socket(ctx->ret, (int)syscall_regs_arg(regs, 0), (int)syscall_regs_arg(regs, 1),
		      (int)syscall_regs_arg(regs, 2));
	return 0;
}

/* Unix sockets reach local services (a runtime's API), inet ones other hosts; other families are not watched. */
static __always_inline bool connect_family_watched(__u16 family)
{
	return family == AF_UNIX || family == AF_INET || family == AF_INET6;
}

/* <linux/stat.h> */
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/*
 * The type (SOCK_STREAM, ...) and protocol (IPPROTO_TCP, ...) of the socket
 * behind the current task's fd, from its struct socket, for the rules'
 * fd.l4proto. Both stay 0 when fd is no socket (the connect failed with
 * EBADF or ENOTSOCK) or another thread closed it in the meantime.
 * sk_protocol is a plain u16 since 5.6 (commit bf9765145b85), older than any
 * kernel vigil runs on (task storage needs 5.11).
 */
static __always_inline void read_socket_kind(long fd, __u64 *type, __u64 *protocol)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file;
	struct socket *sock;

	*type = 0;
	*protocol = 0;
	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return;
	sock = BPF_CORE_READ(file, private_data);
	*type = (__u16)BPF_CORE_READ(sock, type);
	*protocol = BPF_CORE_READ(sock, sk, sk_protocol);
}

/*
 * uaddr is the caller's struct sockaddr, addrlen its length as given; the
 * record keeps its bytes (at most SOCKADDR_MAX), so a unix socket's path is
 * the one the process named, relative or abstract as it was. args[1] and
 * args[2]: the socket's type and protocol (read_socket_kind).
 */
static __always_inline void report_connect(long result, long fd, const void *uaddr, long addrlen)
{
	struct vigil_scratch *s;
	struct vigil_syscall_event *e;
	__u64 sock_type, protocol;
	__u16 family;
	__u64 len;

	/* Left zero when unreadable: the call failed with EFAULT and is not watched. */
	bpf_probe_read_user(&family, sizeof(family), uaddr);
	e = syscall_event_begin_as(&s, VIGIL_EVENT_CONNECT, result, connect_family_watched(family));
	if (!e)
		return;
	e->args[0] = fd;
	read_socket_kind(fd, &sock_type, &protocol);
	e->args[1] = sock_type;
	e->args[2] = protocol;
	len = addrlen > 0 ? addrlen : 0;
	if (len > SOCKADDR_MAX)
		len = SOCKADDR_MAX;
	syscall_event_user_bytes(s, e, 0, uaddr, len);
	syscall_event_submit(s, e);
}

/* connect(fd, addr, addrlen) */
SEC("tracepoint/syscalls/sys_exit_connect")
int vigil_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = current_user_regs();

	report_connect(ctx->ret, (int)syscall_regs_arg(regs, 0), (const void *)syscall_regs_arg(regs, 1),
		       (int)syscall_regs_arg(regs, 2));
	return 0;
}
