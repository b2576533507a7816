// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The field table: every field a rule can name, in the order `vigil fields`
 * prints it, with Falco's names and meanings where Falco has the field; the
 * Falco fields vigil lacks, with the reason; binding a field's argument; the
 * schema slots the extractors read. The extractors live in one file per
 * family (rule_fields_evt.c, _proc.c, _container.c, _fd.c); the printer in
 * rule_fields_print.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_fields_internal.h"

#define FIELD(n, t, ev, fn, desc) \
	{ .name = n, .type = RULE_FIELD_##t, .arg = RULE_FIELD_ARG_NONE, .events = ev, .description = desc, .extract = fn }
#define MULTI(n, t, ev, fn, desc)                                                                           \
	{ .name = n, .type = RULE_FIELD_##t, .arg = RULE_FIELD_ARG_NONE, .multi = true, .events = ev, \
	  .description = desc, .extract = fn }
#define WITH_ARG(n, t, kind, arg_text, is_multi, ev, fn, desc)                                          \
	{ .name = n, .type = RULE_FIELD_##t, .arg = RULE_FIELD_ARG_##kind, .arg_name = arg_text, .multi = is_multi, \
	  .events = ev, .description = desc, .extract = fn }

#define ALL RULE_EVENTS_ALL
#define ANCESTOR(n, t, fn, what)                                                                              \
	WITH_ARG(n, t, INDEX, "N", true, EVENTS_KERNEL, fn,                                                   \
		 what " of an ancestor: [0] the process itself, [1] its parent, [2] its grandparent, ...; " \
		      "without [N], every ancestor (parent first), any of which may match.")

static const struct rule_field fields[] = {
	/* ---- evt ---- */
	FIELD("evt.type", STRING, ALL, extract_evt_type,
	      "The event's type: vigil's name (exec, openat, container, ...); conditions also take Falco's "
	      "system-call names (execve and execveat are exec)."),
	FIELD("evt.time", STRING, ALL, extract_evt_time,
	      "The event's time on the local wall clock, as Falco prints it: HH:MM:SS.nnnnnnnnn."),
	FIELD("evt.time.iso8601", STRING, ALL, extract_evt_time_iso8601,
	      "The event's time in RFC 3339 form, UTC, with nanoseconds."),
	FIELD("evt.rawtime", UINT, ALL, extract_evt_rawtime, "The event's time in nanoseconds since the Unix epoch."),
	FIELD("evt.num", UINT, ALL, extract_evt_num,
	      "The event's number in the agent's stream, from 1 (Falco's never_true macro is evt.num = 0)."),
	FIELD("evt.hostname", STRING, ALL, extract_evt_hostname, "The name of the host vigil runs on."),
	FIELD("evt.source", STRING, ALL, extract_evt_source, "Where the event comes from: always syscall."),
	FIELD("evt.dir", STRING, EVENTS_KERNEL, extract_evt_dir,
	      "The event's direction: always < (vigil sees system calls as they return)."),
	FIELD("evt.is_setup", BOOL, EVENTS_KERNEL, extract_evt_is_setup,
	      "vigil's own: true when the container runtime made the event while setting the container up, "
	      "before its entrypoint (or a docker exec's command) ran."),
	FIELD("evt.res", STRING, EVENTS_SYSCALL, extract_evt_res,
	      "The result as text: SUCCESS, or the error's name (EPERM) when the system call failed."),
	FIELD("evt.rawres", INT, EVENTS_SYSCALL, extract_evt_rawres,
	      "The system call's return value (a negative errno when it failed)."),
	FIELD("evt.failed", BOOL, EVENTS_SYSCALL, extract_evt_failed, "True when the system call failed."),
	FIELD("evt.syscall", STRING, EVENTS_SYSCALL | EVT(EXEC), extract_evt_syscall,
	      "The system call's name: for capable, the call that made the kernel check; for exec, execve "
	      "(also for execveat)."),
	FIELD("syscall.type", STRING, EVENTS_SYSCALL | EVT(EXEC), extract_evt_syscall,
	      "Falco's name for evt.syscall."),
	WITH_ARG("evt.arg", STRING, KEY, "NAME", false, EVENTS_SYSCALL, extract_evt_arg,
		 "An argument of the event by its name in the event's schema, as the JSON output prints it: "
		 "numbers in decimal, flags and capabilities by name (O_RDONLY|O_CLOEXEC, CAP_SYS_ADMIN), "
		 "addresses as 1.2.3.4:80, [::1]:80 or the unix path."),
	WITH_ARG("evt.rawarg", INT, KEY, "NAME", false, EVENTS_SYSCALL, extract_evt_rawarg,
		 "An argument as a number (ids, pids and fds as signed 32-bit numbers: -1, -100), or as text for "
		 "the arguments that are text."),
	FIELD("evt.args", STRING, EVENTS_SYSCALL, extract_evt_args,
	      "Every argument of the event as name=value, separated by spaces."),
	FIELD("evt.is_open_read", BOOL, EVENTS_OPEN, extract_evt_is_open_read,
	      "True when the open's access mode reads: O_RDONLY or O_RDWR."),
	FIELD("evt.is_open_write", BOOL, EVENTS_OPEN, extract_evt_is_open_write,
	      "True when the open's access mode writes (O_WRONLY, O_RDWR), or its flags create or truncate "
	      "the file (O_CREAT, O_TRUNC)."),
	FIELD("evt.is_open_exec", BOOL, EVENTS_OPEN, extract_evt_is_open_exec,
	      "As Falco: true when the open creates a file (O_CREAT or O_TMPFILE) with an execute bit in its "
	      "mode; opens for execution (FMODE_EXEC) are not open events."),
	FIELD("evt.is_open_create", BOOL, EVENTS_OPEN, extract_evt_is_open_create,
	      "True when the open has O_CREAT or O_TMPFILE (whether the file existed, vigil does not see)."),

	/* ---- proc, thread ---- */
	FIELD("proc.pid", UINT, EVENTS_KERNEL, extract_proc_pid, "The process's id, as the host sees it."),
	FIELD("proc.vpid", UINT, EVENTS_KERNEL, extract_proc_vpid,
	      "The process's id in its own pid namespace (as its container sees it)."),
	FIELD("proc.ppid", UINT, EVENTS_KERNEL, extract_proc_ppid, "The parent process's id, as the host sees it."),
	FIELD("proc.pvpid", UINT, EVENTS_KERNEL, extract_proc_pvpid,
	      "The parent's id in its own pid namespace, when vigil saw the parent start."),
	FIELD("thread.tid", UINT, EVENTS_KERNEL, extract_thread_tid, "The thread's id, as the host sees it."),
	FIELD("proc.name", STRING, EVENTS_KERNEL, extract_proc_name,
	      "The thread's name (comm, at most 15 bytes): the program's file name unless it renamed itself."),
	FIELD("proc.exe", STRING, EVENTS_KERNEL, extract_proc_exe,
	      "The first argument (argv[0]) of the process's last exec."),
	FIELD("proc.exepath", STRING, EVENTS_KERNEL, extract_proc_exepath,
	      "The path of the program the process runs, as its exec named it."),
	FIELD("proc.cmdline", STRING, EVENTS_KERNEL, extract_proc_cmdline,
	      "proc.name and the arguments after argv[0], separated by spaces, as Falco's proc.cmdline."),
	FIELD("proc.args", STRING, EVENTS_KERNEL, extract_proc_args,
	      "The arguments after argv[0], separated by spaces."),
	FIELD("proc.exeline", STRING, EVENTS_KERNEL, extract_proc_exeline,
	      "Every argument from argv[0] on, separated by spaces."),
	FIELD("proc.cmdnargs", UINT, EVENTS_KERNEL, extract_proc_cmdnargs,
	      "How many arguments follow argv[0]."),
	FIELD("proc.cmdlenargs", UINT, EVENTS_KERNEL, extract_proc_cmdlenargs,
	      "How many bytes the arguments after argv[0] hold, separators not counted."),
	FIELD("proc.cwd", STRING, EVENTS_KERNEL, extract_proc_cwd,
	      "The process's working directory when it last exec'd (vigil does not follow chdir)."),
	FIELD("proc.tty", UINT, EVENTS_KERNEL, extract_proc_tty,
	      "The device number of the process's controlling terminal; 0 for none."),
	FIELD("proc.pname", STRING, EVENTS_KERNEL, extract_proc_pname, "The parent's proc.name."),
	FIELD("proc.pexe", STRING, EVENTS_KERNEL, extract_proc_pexe, "The parent's proc.exe."),
	FIELD("proc.pexepath", STRING, EVENTS_KERNEL, extract_proc_pexepath, "The parent's proc.exepath."),
	FIELD("proc.pcmdline", STRING, EVENTS_KERNEL, extract_proc_pcmdline, "The parent's proc.cmdline."),
	ANCESTOR("proc.aname", STRING, extract_proc_aname, "proc.name"),
	ANCESTOR("proc.apid", UINT, extract_proc_apid, "proc.pid"),
	ANCESTOR("proc.aexe", STRING, extract_proc_aexe, "proc.exe"),
	ANCESTOR("proc.aexepath", STRING, extract_proc_aexepath, "proc.exepath"),
	ANCESTOR("proc.acmdline", STRING, extract_proc_acmdline, "proc.cmdline"),
	FIELD("proc.is_exe_upper_layer", BOOL, EVENTS_KERNEL, extract_proc_is_exe_upper_layer,
	      "True when the program the process runs came from the overlayfs upper layer: written into the "
	      "container after it started (false for processes that ran before vigil started)."),
	FIELD("proc.is_exe_from_memfd", BOOL, EVENTS_KERNEL, extract_proc_is_exe_from_memfd,
	      "True when the program the process runs is a memfd: a file that exists in memory only."),
	FIELD("proc.is_exe_from_dev_shm", BOOL, EVENTS_KERNEL, extract_proc_is_exe_from_dev_shm,
	      "vigil's own: true when the program the process runs is under /dev/shm."),
	FIELD("proc.exe_ino", UINT, EVENTS_KERNEL, extract_proc_exe_ino,
	      "The inode number of the program the process runs."),
	FIELD("proc.duration", UINT, EVENTS_KERNEL, extract_proc_duration,
	      "Nanoseconds since the process started (its fork; its first exec when vigil did not see the fork)."),
	FIELD("proc.ppid.duration", UINT, EVENTS_KERNEL, extract_proc_ppid_duration,
	      "Nanoseconds since the parent process started."),
	FIELD("thread.cap_effective", STRING, EVENTS_KERNEL, extract_thread_cap_effective,
	      "The thread's effective capabilities when it made the event, by name, separated by spaces "
	      "(CAP_CHOWN CAP_SYS_ADMIN)."),
	FIELD("thread.cap_permitted", STRING, EVENTS_KERNEL, extract_thread_cap_permitted,
	      "The thread's permitted capabilities, as thread.cap_effective."),

	/* ---- user, group ---- */
	FIELD("user.uid", UINT, EVENTS_KERNEL, extract_user_uid,
	      "The real user id, as the host numbers it (outside any user namespace)."),
	FIELD("user.name", STRING, EVENTS_KERNEL, extract_user_name,
	      "The name of user.uid in the process's own /etc/passwd (its container's, not the host's); root "
	      "for uid 0 when the file cannot be read."),
	FIELD("user.loginuid", INT, EVENTS_KERNEL, extract_user_loginuid,
	      "The audit login uid: who logged in, kept across su and sudo; -1 when unset."),
	FIELD("user.loginname", STRING, EVENTS_KERNEL, extract_user_loginname,
	      "The name of user.loginuid, found as user.name is; nothing when unset."),
	FIELD("group.gid", UINT, EVENTS_KERNEL, extract_group_gid, "The real group id."),
	FIELD("group.name", STRING, EVENTS_KERNEL, extract_group_name,
	      "The name of group.gid in the process's own /etc/group; root for gid 0 when the file cannot be "
	      "read."),

	/* ---- container, k8s ---- */
	FIELD("container.id", STRING, ALL, extract_container_id,
	      "The container's id, 12 hex digits, from its cgroup (always known); host for host processes."),
	FIELD("container.full_id", STRING, ALL, extract_container_full_id,
	      "The container's full id, 64 hex digits; host for host processes."),
	FIELD("container.type", STRING, ALL, extract_container_type,
	      "The container's runtime, from its cgroup: docker, podman, containerd or cri-o; host for host "
	      "processes."),
	FIELD("container.metadata", STRING, ALL, extract_container_metadata,
	      "vigil's own: complete when the Engine API described the container, else pending (asked, not "
	      "answered yet) or unavailable; the container's other fields yield nothing until it is complete."),
	FIELD("container.name", STRING, ALL, extract_container_name,
	      "The container's name; host for host processes."),
	FIELD("container.image", STRING, ALL, extract_container_image,
	      "The image as the container was started with it (busybox:1.36)."),
	FIELD("container.image.repository", STRING, ALL, extract_container_image_repository,
	      "The image's repository, as written (busybox, docker.io/library/busybox)."),
	FIELD("container.image.tag", STRING, ALL, extract_container_image_tag,
	      "The image's tag; latest when the reference has neither tag nor digest."),
	FIELD("container.image.digest", STRING, ALL, extract_container_image_digest,
	      "The image's digest (sha256:...), when the container was started by digest."),
	FIELD("container.image.id", STRING, ALL, extract_container_image_id,
	      "The image's id: 64 hex digits, without sha256:."),
	FIELD("container.privileged", BOOL, ALL, extract_container_privileged,
	      "True for a privileged container (--privileged)."),
	MULTI("container.cap_add", STRING, ALL, extract_container_cap_add,
	      "Each capability added (--cap-add), as CAP_XXX in upper case whatever the runtime wrote; ALL "
	      "stays ALL."),
	MULTI("container.cap_drop", STRING, ALL, extract_container_cap_drop,
	      "Each capability dropped (--cap-drop), as container.cap_add."),
	FIELD("container.user", STRING, ALL, extract_container_user,
	      "The user the container runs as (--user), as given; empty for the image's default."),
	FIELD("container.user_root", BOOL, ALL, extract_container_user_root,
	      "True when the container's user is root: empty (the image's default), 0 or root, with or without "
	      "a group."),
	FIELD("container.readonly_rootfs", BOOL, ALL, extract_container_readonly_rootfs,
	      "True for a read-only root filesystem (--read-only)."),
	FIELD("container.no_new_privileges", BOOL, ALL, extract_container_no_new_privileges,
	      "True with --security-opt no-new-privileges."),
	FIELD("container.seccomp_unconfined", BOOL, ALL, extract_container_seccomp_unconfined,
	      "True when the container runs without a seccomp profile (seccomp=unconfined)."),
	FIELD("container.apparmor_unconfined", BOOL, ALL, extract_container_apparmor_unconfined,
	      "True when the container runs without an AppArmor profile (apparmor=unconfined)."),
	FIELD("container.memory_limit", INT, ALL, extract_container_memory_limit,
	      "The memory limit in bytes; 0 for none."),
	FIELD("container.pids_limit", INT, ALL, extract_container_pids_limit,
	      "The limit on the number of processes; 0 for none."),
	FIELD("container.cpu_quota", INT, ALL, extract_container_cpu_quota,
	      "The CPU quota in microseconds per period (--cpu-quota); 0 for none."),
	FIELD("container.host_network", BOOL, ALL, extract_container_host_network,
	      "True when the container shares the host's network namespace (--network host)."),
	FIELD("container.host_pid", BOOL, ALL, extract_container_host_pid,
	      "True when the container shares the host's pid namespace (--pid host)."),
	FIELD("container.host_ipc", BOOL, ALL, extract_container_host_ipc,
	      "True when the container shares the host's IPC namespace (--ipc host)."),
	FIELD("container.host_uts", BOOL, ALL, extract_container_host_uts,
	      "True when the container shares the host's UTS namespace (--uts host)."),
	FIELD("container.host_userns", BOOL, ALL, extract_container_host_userns,
	      "True when the container runs in the host's user namespace by request (--userns host)."),
	FIELD("container.network_mode", STRING, ALL, extract_container_network_mode,
	      "The network mode: bridge, host, none, container:<id> or a network's name."),
	FIELD("container.mounts", STRING, ALL, extract_container_mounts,
	      "Every mount as Falco prints them, source:dest:mode:rdwr:propagation, separated by spaces "
	      "(vigil leaves propagation empty)."),
	WITH_ARG("container.mount.source", STRING, KEY_OPTIONAL, "DEST", true, ALL, extract_container_mount_source,
		 "The source of the mount at destination DEST (a glob matches; a number picks the mount by "
		 "position); without [DEST], every mount's source."),
	WITH_ARG("container.mount.dest", STRING, KEY_OPTIONAL, "SOURCE", true, ALL, extract_container_mount_dest,
		 "The destination of the mount of source SOURCE (a glob matches; a number picks the mount by "
		 "position); without [SOURCE], every mount's destination."),
	MULTI("container.sensitive_mounts", STRING, ALL, extract_container_sensitive_mounts,
	      "vigil's own: the source of each mount of a sensitive host path (/, /etc, /root, /proc, /sys, "
	      "the runtime sockets, /var/lib/kubelet, ...)."),
	WITH_ARG("container.label", STRING, KEY, "KEY", false, ALL, extract_container_label,
		 "The container's label KEY."),
	MULTI("container.devices", STRING, ALL, extract_container_devices,
	      "The host path of each device given to the container (--device)."),
	FIELD("container.action", STRING, RULE_EVENT_BIT(RULE_EVENT_CONTAINER), extract_container_action,
	      "What a container event says: start (it started while vigil ran), running (it ran when vigil "
	      "started), rename or destroy."),
	FIELD("k8s.pod.name", STRING, ALL, extract_k8s_pod_name,
	      "The Kubernetes pod's name, from the container's io.kubernetes.pod.name label."),
	FIELD("k8s.ns.name", STRING, ALL, extract_k8s_ns_name,
	      "The pod's namespace, from the io.kubernetes.pod.namespace label."),
	FIELD("k8s.pod.uid", STRING, ALL, extract_k8s_pod_uid,
	      "The pod's uid, from the io.kubernetes.pod.uid label or the container's cgroup (known without "
	      "the Engine API)."),
	FIELD("k8s.container.name", STRING, ALL, extract_k8s_container_name,
	      "The container's name in its pod, from the io.kubernetes.container.name label."),

	/* ---- fd, fs.path ---- */
	FIELD("fd.num", INT, EVENTS_OPEN | EVT(CONNECT), extract_fd_num,
	      "The file descriptor: an open's result (when it succeeded), connect's socket."),
	FIELD("fd.name", STRING, EVENTS_FD, extract_fd_name,
	      "What the event is about: a file event's path (an open's absolute path, a symlink's target, a "
	      "link's old path, a chmod's path); connect's address: 1.2.3.4:80, [::1]:80, or the unix "
	      "socket's path (@name for an abstract one)."),
	FIELD("fd.nameraw", STRING, EVENTS_OPEN, extract_fd_nameraw,
	      "The name the process gave the open, as it gave it (not made absolute)."),
	FIELD("fd.directory", STRING, EVENTS_FILE, extract_fd_directory,
	      "The folder of fd.name (nothing for a relative name)."),
	FIELD("fd.filename", STRING, EVENTS_FILE, extract_fd_filename, "The last component of fd.name."),
	FIELD("fd.typechar", STRING, EVENTS_FD, extract_fd_typechar,
	      "f for a file, 4 for IPv4, 6 for IPv6, u for a unix socket."),
	FIELD("fd.type", STRING, EVENTS_FD, extract_fd_type,
	      "file, ipv4, ipv6 or unix (an IPv4 address on an IPv6 socket is ipv4)."),
	FIELD("fd.sockfamily", STRING, EVT(CONNECT), extract_fd_sockfamily, "ip or unix."),
	FIELD("fd.ip", IPADDR, EVT(CONNECT), extract_fd_sip,
	      "The address connect talks to (vigil does not see the local one); compares with addresses and "
	      "networks (fd.ip = 10.0.0.0/8)."),
	FIELD("fd.sip", IPADDR, EVT(CONNECT), extract_fd_sip, "The server's address: the one connect talks to."),
	FIELD("fd.rip", IPADDR, EVT(CONNECT), extract_fd_sip, "The remote address: the one connect talks to."),
	FIELD("fd.port", UINT, EVT(CONNECT), extract_fd_sport, "The port connect talks to."),
	FIELD("fd.sport", UINT, EVT(CONNECT), extract_fd_sport, "The server's port: the one connect talks to."),
	FIELD("fd.rport", UINT, EVT(CONNECT), extract_fd_sport, "The remote port: the one connect talks to."),
	FIELD("fd.net", IPNET, EVT(CONNECT), extract_fd_net,
	      "The address connect talks to, for comparing with networks (fd.net = 169.254.0.0/16)."),
	FIELD("fd.snet", IPNET, EVT(CONNECT), extract_fd_net, "The server's address, as fd.net."),
	FIELD("fd.rnet", IPNET, EVT(CONNECT), extract_fd_net, "The remote address, as fd.net."),
	FIELD("fd.l4proto", STRING, EVT(CONNECT), extract_fd_l4proto,
	      "tcp, udp, icmp, raw or unknown, from the socket's type and protocol (nothing when connect's fd "
	      "was no socket)."),
	FIELD("fd.connected", BOOL, EVT(CONNECT), extract_fd_connected,
	      "True when connect succeeded (false for a non-blocking connect still in progress)."),
	MULTI("fd.sip.name", STRING, EVT(CONNECT), extract_fd_sip_name,
	      "The names the host's /etc/hosts gives fd.sip (read again when it changes): vigil keeps no DNS "
	      "table and never sends a DNS query."),
	FIELD("fs.path.name", STRING, EVENTS_OPEN | EVENTS_CHMOD, extract_fs_path_name,
	      "The path an open or a chmod is about (its fd.name)."),
	FIELD("fs.path.source", STRING, EVENTS_LINK, extract_fs_path_source,
	      "A link's source: a symlink's target text, a hard link's old path."),
	FIELD("fs.path.target", STRING, EVENTS_LINK, extract_fs_path_target, "A link's new name."),
};

#define NO_SESSIONS "vigil does not record sessions"
#define NO_GROUPS "vigil does not record process groups"
#define NO_LOCAL_END "a connect event carries the remote end only, not the local (client) address and port"
#define NO_FD_TABLE "vigil keeps no table of open files"
#define NO_USAGE "vigil does not sample processes' resource usage"
#define NO_POD_LABELS \
	"pod labels are the Kubernetes API's, which vigil does not ask (container.label has the container's)"

/* Falco's fields vigil lacks: each name covers what follows it after a '.' or '['. */
static const struct rule_field_lack lacking[] = {
	{ "evt.buffer", "vigil does not capture the data of reads and writes" },
	{ "evt.buflen", "vigil does not capture the data of reads and writes" },
	{ "evt.latency", "vigil sees system calls at their exit only" },
	{ "evt.deltatime", "vigil does not relate events to the one before" },
	{ "evt.reltime", "vigil does not relate events to the start of a capture" },
	{ "evt.around", "vigil does not relate events to the one before" },
	{ "evt.cpu", "the event records do not say which CPU made them" },
	{ "evt.info", "use evt.args" },
	{ "evt.category", "use evt.type: vigil's events are few and named" },
	{ "evt.is_io", "vigil does not see reads and writes" },
	{ "evt.is_io_read", "vigil does not see reads and writes" },
	{ "evt.is_io_write", "vigil does not see reads and writes" },
	{ "evt.io_dir", "vigil does not see reads and writes" },
	{ "evt.is_wait", "vigil does not see waits" },
	{ "evt.wait_latency", "vigil does not see waits" },
	{ "evt.is_syslog", "vigil does not see writes to /dev/log" },
	{ "evt.count", "vigil has no chisels" },
	{ "evt.abspath", "fd.name is already absolute where the kernel could resolve it" },
	{ "evt.is_async", "vigil's only asynchronous event is the container event: test evt.type = container" },
	{ "evt.asynctype", "vigil's only asynchronous event is the container event: test evt.type = container" },
	{ "evt.pluginname", "vigil has no plugins" },
	{ "evt.plugininfo", "vigil has no plugins" },
	{ "proc.sname", NO_SESSIONS },
	{ "proc.sid", NO_SESSIONS },
	{ "proc.is_sid_leader", NO_SESSIONS },
	{ "proc.vpgid", NO_GROUPS },
	{ "proc.is_vpgid_leader", NO_GROUPS },
	{ "proc.loginshellid", "vigil does not track login shells" },
	{ "proc.env", "vigil does not capture environment variables (they hold secrets)" },
	{ "proc.aenv", "vigil does not capture environment variables (they hold secrets)" },
	{ "proc.exe_ino.ctime", "the exec event carries the program's inode number, not its times" },
	{ "proc.exe_ino.mtime", "the exec event carries the program's inode number, not its times" },
	{ "proc.exe_ino.ctime_duration_proc_start", "the exec event carries the program's inode number, not its times" },
	{ "proc.exe_ino.ctime_duration_pidns_start",
	  "the exec event carries the program's inode number, not its times" },
	{ "proc.pidns_init_start_ts", "vigil does not record when pid namespaces start" },
	{ "proc.pid.ts", "use proc.duration" },
	{ "proc.ppid.ts", "use proc.ppid.duration" },
	{ "proc.is_exe_writable", "the exec event does not say whether its user may write the program" },
	{ "proc.is_container_healthcheck", "vigil does not read health checks or probes" },
	{ "proc.is_container_liveness_probe", "vigil does not read health checks or probes" },
	{ "proc.is_container_readiness_probe", "vigil does not read health checks or probes" },
	{ "proc.fdopencount", NO_FD_TABLE },
	{ "proc.fdlimit", NO_USAGE },
	{ "proc.fdusage", NO_USAGE },
	{ "proc.vmsize", NO_USAGE },
	{ "proc.vmrss", NO_USAGE },
	{ "proc.vmswap", NO_USAGE },
	{ "proc.nthreads", "vigil follows processes, not their threads" },
	{ "proc.nchilds", "vigil follows processes, not their threads" },
	{ "thread.vtid", "the header carries the process's namespace pid, not the thread's" },
	{ "thread.ismain", "vigil follows processes, not their threads" },
	{ "thread.cap_inheritable", "the event header carries the effective and permitted sets only" },
	{ "thread.pfmajor", NO_USAGE },
	{ "thread.pfminor", NO_USAGE },
	{ "thread.vmsize", NO_USAGE },
	{ "thread.vmrss", NO_USAGE },
	{ "thread.cpu", NO_USAGE },
	{ "thread.exectime", NO_USAGE },
	{ "thread.totexectime", NO_USAGE },
	{ "thread.cgroups", "vigil resolves the cgroup v2 path only, to find the container" },
	{ "thread.cgroup", "vigil resolves the cgroup v2 path only, to find the container" },
	{ "user.homedir", "vigil reads user names only" },
	{ "user.shell", "vigil reads user names only" },
	{ "container.start_ts", "vigil does not record when containers started" },
	{ "container.duration", "vigil does not record when containers started" },
	{ "container.healthcheck", "vigil does not read health checks or probes" },
	{ "container.liveness_probe", "vigil does not read health checks or probes" },
	{ "container.readiness_probe", "vigil does not read health checks or probes" },
	{ "container.ip", "vigil does not read containers' network addresses" },
	{ "container.cni", "vigil does not read containers' network addresses" },
	{ "container.mount", "use container.mounts, container.mount.source and container.mount.dest" },
	{ "container.mount.mode", "use container.mounts" },
	{ "container.mount.rdwr", "use container.mounts" },
	{ "container.mount.propagation", "the Engine API answer vigil reads does not carry it" },
	{ "k8s.pod.label", NO_POD_LABELS },
	{ "k8s.pod.labels", NO_POD_LABELS },
	{ "k8s.pod.id", "use k8s.pod.uid" },
	{ "k8s.pod.sandbox_id", "vigil does not tell pod sandboxes from their containers" },
	{ "k8s.pod.full_sandbox_id", "vigil does not tell pod sandboxes from their containers" },
	{ "k8s.pod.ip", "vigil does not read containers' network addresses" },
	{ "k8s.pod.cni", "vigil does not read containers' network addresses" },
	{ "k8s.rc", "vigil does not ask the Kubernetes API" },
	{ "k8s.svc", "vigil does not ask the Kubernetes API" },
	{ "k8s.rs", "vigil does not ask the Kubernetes API" },
	{ "k8s.deployment", "vigil does not ask the Kubernetes API" },
	{ "fd.lip", NO_LOCAL_END },
	{ "fd.lport", NO_LOCAL_END },
	{ "fd.lnet", NO_LOCAL_END },
	{ "fd.lproto", NO_LOCAL_END },
	{ "fd.cip", NO_LOCAL_END },
	{ "fd.cport", NO_LOCAL_END },
	{ "fd.cnet", NO_LOCAL_END },
	{ "fd.cproto", NO_LOCAL_END },
	{ "fd.rip.name",
	  "vigil keeps no DNS table: for a connect the remote end is the server, whose /etc/hosts names fd.sip.name gives" },
	{ "fd.lip.name", NO_LOCAL_END },
	{ "fd.cip.name", NO_LOCAL_END },
	{ "fd.name_changed", "vigil sees connects, not the later sends that change a UDP socket's peer" },
	{ "fd.types", NO_FD_TABLE },
	{ "fd.is_server", "vigil sees connects only: the process is the client" },
	{ "fd.uid", NO_FD_TABLE },
	{ "fd.containername", "use container.id and fd.name" },
	{ "fd.containerdirectory", "use container.id and fd.directory" },
	{ "fd.proto", "vigil does not name ports' protocols" },
	{ "fd.sproto", "vigil does not name ports' protocols" },
	{ "fd.rproto", "vigil does not name ports' protocols" },
	{ "fd.dev", "file events do not carry the device" },
	{ "fd.ino", "file events do not carry the inode" },
	{ "fs.path.nameraw", "use fd.nameraw" },
	{ "fs.path.sourceraw", "links are reported with their paths as given only where vigil resolves nothing" },
	{ "fs.path.targetraw", "links are reported with their paths as given only where vigil resolves nothing" },
	{ "fdlist", "vigil does not see poll" },
	{ "syslog", "vigil does not see writes to /dev/log" },
	{ "span", "vigil has no tracing spans" },
	{ "ka", "Kubernetes audit events are not a vigil event source" },
	{ "jevt", "vigil's only event source is system calls" },
};

const struct rule_field *rule_fields(size_t *count)
{
	*count = sizeof(fields) / sizeof(fields[0]);
	return fields;
}

/* Whether name is prefix followed by nothing, '.' or '['. */
static bool names_prefix(const char *name, const char *prefix, size_t prefix_len)
{
	return !strncmp(name, prefix, prefix_len) &&
	       (name[prefix_len] == '\0' || name[prefix_len] == '.' || name[prefix_len] == '[');
}

const struct rule_field *rule_field_find(const char *name, const char **key_out)
{
	const struct rule_field *best = NULL;
	size_t best_len = 0;

	if (key_out)
		*key_out = NULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t len = strlen(fields[i].name);

		if (!strcmp(name, fields[i].name))
			return &fields[i];
		/* evt.arg.flags: the row evt.arg, key "flags" */
		if (fields[i].arg == RULE_FIELD_ARG_KEY && len > best_len && !strncmp(name, fields[i].name, len) &&
		    name[len] == '.' && name[len + 1]) {
			best = &fields[i];
			best_len = len;
		}
	}
	if (best && key_out)
		*key_out = name + best_len + 1;
	return best;
}

const struct rule_field_lack *rule_field_lacking(const char *name)
{
	const struct rule_field_lack *best = NULL;
	size_t best_len = 0;

	/* container.mount is lacking, container.mount.source is not */
	if (rule_field_find(name, NULL))
		return NULL;
	for (size_t i = 0; i < sizeof(lacking) / sizeof(lacking[0]); i++) {
		size_t len = strlen(lacking[i].name);

		if (len > best_len && names_prefix(name, lacking[i].name, len)) {
			best = &lacking[i];
			best_len = len;
		}
	}
	return best;
}

const struct rule_field_lack *rule_fields_lacking(size_t *count)
{
	*count = sizeof(lacking) / sizeof(lacking[0]);
	return lacking;
}

/* ---- binding ---- */

static int bind_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bind_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Falco's names for arguments vigil's schema names otherwise: Falco's chmod
 * and fchmodat call the path "filename". Used for a type without a slot of
 * the name asked.
 */
static const struct {
	const char *falco, *vigil;
} arg_aliases[] = {
	{ "filename", "path" },
};

/* The slot of schema named name (an args[] index, or RULE_FIELD_SLOT_STR + a strs[] index), or -1. */
static int schema_slot_named(const struct event_schema *schema, const char *name, bool *numbers, bool *texts)
{
	for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
		if (schema->args[i].name && !strcmp(schema->args[i].name, name)) {
			*numbers = true;
			return i;
		}
	for (int i = 0; i < VIGIL_SYSCALL_STRS; i++)
		if (schema->strs[i].name && !strcmp(schema->strs[i].name, name)) {
			*texts = true;
			return RULE_FIELD_SLOT_STR + i;
		}
	return -1;
}

/* evt.arg.X, evt.rawarg.X: the slot named X in each event type; -EINVAL when none has one. */
static int bind_slots(const struct rule_field *field, struct rule_field_arg *arg, char *err, size_t errlen)
{
	bool numbers = false, texts = false;

	for (unsigned int t = 0; t < VIGIL_EVENT_TYPE_MAX; t++) {
		const struct event_schema *schema = event_schema_for(t);
		int slot;

		if (!schema || !event_type_is_syscall(t))
			continue;
		slot = schema_slot_named(schema, arg->key, &numbers, &texts);
		for (size_t a = 0; slot < 0 && a < sizeof(arg_aliases) / sizeof(arg_aliases[0]); a++)
			if (!strcmp(arg_aliases[a].falco, arg->key))
				slot = schema_slot_named(schema, arg_aliases[a].vigil, &numbers, &texts);
		if (slot >= 0) {
			arg->slot[t] = (signed char)slot;
			arg->events |= RULE_EVENT_BIT(t);
		}
	}
	if (!arg->events)
		return bind_error(err, errlen, "no event has an argument '%s'", arg->key);
	if (field->type == RULE_FIELD_INT) {
		if (numbers && texts)
			return bind_error(err, errlen,
					  "%s.%s is a number in some events and text in others: use evt.arg.%s",
					  field->name, arg->key, arg->key);
		arg->type = numbers ? RULE_FIELD_INT : RULE_FIELD_STRING;
	}
	return 0;
}

/* A whole non-negative decimal number, or -1. */
static long parse_index(const char *text)
{
	long value = 0;

	if (!*text)
		return -1;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9' || value > 100000000)
			return -1;
		value = value * 10 + (*p - '0');
	}
	return value;
}

int rule_field_bind(const struct rule_field *field, const char *key_from_name, const char *arg_text,
		    struct rule_field_arg *arg, char *err, size_t errlen)
{
	const char *key;
	int rc;

	memset(arg, 0, sizeof(*arg));
	arg->index = -1;
	memset(arg->slot, -1, sizeof(arg->slot));
	arg->events = field->events;
	arg->type = field->type;
	if (key_from_name && arg_text)
		return bind_error(err, errlen, "%s.%s[%s] gives %s two arguments", field->name, key_from_name,
				  arg_text, field->name);
	if (key_from_name && field->arg != RULE_FIELD_ARG_KEY)
		return bind_error(err, errlen, "%s takes no .%s", field->name, key_from_name);
	key = key_from_name ? key_from_name : arg_text;

	switch (field->arg) {
	case RULE_FIELD_ARG_NONE:
		if (arg_text)
			return bind_error(err, errlen, "%s takes no argument, not [%s]", field->name, arg_text);
		return 0;
	case RULE_FIELD_ARG_INDEX:
		if (!arg_text)
			return 0;
		arg->index = parse_index(arg_text);
		if (arg->index < 0)
			return bind_error(err, errlen, "%s takes an index [N], not '%s'", field->name, arg_text);
		arg->present = true;
		return 0;
	case RULE_FIELD_ARG_KEY:
		if (!key || !*key)
			return bind_error(err, errlen, "%s needs an argument: %s.%s or %s[%s]", field->name, field->name,
					  field->arg_name, field->name, field->arg_name);
		break;
	case RULE_FIELD_ARG_KEY_OPTIONAL:
		if (!key)
			return 0;
		if (!*key)
			return bind_error(err, errlen, "%s takes [%s] or nothing, not []", field->name, field->arg_name);
		arg->index = parse_index(key);
		arg->key_is_glob = strpbrk(key, "*?[") != NULL;
		break;
	}
	arg->present = true;
	arg->key = strdup(key);
	if (!arg->key)
		return -ENOMEM;
	if (field->extract == extract_evt_arg || field->extract == extract_evt_rawarg) {
		arg->events = 0;
		rc = bind_slots(field, arg, err, errlen);
		if (rc) {
			rule_field_arg_free(arg);
			return rc;
		}
	}
	return 0;
}

void rule_field_arg_free(struct rule_field_arg *arg)
{
	free(arg->key);
	arg->key = NULL;
}

/* ---- the schema's slots, found once ---- */

static signed char wanted_slots[VIGIL_EVENT_TYPE_MAX][WANT_COUNT];
static pthread_once_t wanted_slots_once = PTHREAD_ONCE_INIT;

static int arg_named(const struct event_schema *schema, const char *name)
{
	for (int i = 0; i < VIGIL_SYSCALL_ARGS; i++)
		if (schema->args[i].name && !strcmp(schema->args[i].name, name))
			return i;
	return -1;
}

/* The strs[] slot named name (NULL: any) of kind (FIELD_NONE: any), the nth such; or -1. */
static int str_slot(const struct event_schema *schema, const char *name, enum field_kind kind, int nth)
{
	for (int i = 0; i < VIGIL_SYSCALL_STRS; i++) {
		const struct field_desc *d = &schema->strs[i];

		if (d->name && (!name || !strcmp(d->name, name)) && (kind == FIELD_NONE || d->kind == kind) &&
		    nth-- == 0)
			return i;
	}
	return -1;
}

static void find_wanted_slots(void)
{
	memset(wanted_slots, -1, sizeof(wanted_slots));
	for (unsigned int t = 0; t < VIGIL_EVENT_TYPE_MAX; t++) {
		const struct event_schema *schema = event_schema_for(t);
		signed char *slot = wanted_slots[t];

		if (!schema || !event_type_is_syscall(t))
			continue;
		slot[WANT_FD] = (signed char)arg_named(schema, "fd");
		slot[WANT_FLAGS] = (signed char)arg_named(schema, "flags");
		slot[WANT_MODE] = (signed char)arg_named(schema, "mode");
		slot[WANT_TYPE] = (signed char)arg_named(schema, "sock_type");
		slot[WANT_PROTOCOL] = (signed char)arg_named(schema, "protocol");
		slot[WANT_NAME] = (signed char)str_slot(schema, "name", FIELD_NONE, 0);
		slot[WANT_PATH] = (signed char)str_slot(schema, NULL, FIELD_PATH, 0);
		slot[WANT_PATH2] = (signed char)str_slot(schema, NULL, FIELD_PATH, 1);
		slot[WANT_ADDRESS] = (signed char)str_slot(schema, NULL, FIELD_SOCKADDR, 0);
	}
}

int schema_slot(unsigned int type, enum slot_want want)
{
	pthread_once(&wanted_slots_once, find_wanted_slots);
	return type < VIGIL_EVENT_TYPE_MAX ? wanted_slots[type][want] : -1;
}

/* ---- texts in the scratch space ---- */

void scratch_append(struct scratch_text *t, const char *bytes, size_t len)
{
	struct rule_scratch *s = t->scratch;
	size_t room = sizeof(s->buf) - s->used;

	if (len > room)
		len = room;
	memcpy(s->buf + s->used, bytes, len);
	s->used += len;
}

/* ---- names ---- */

const char *rule_field_type_name(enum rule_field_type type)
{
	static const char *const names[] = {
		[RULE_FIELD_STRING] = "string", [RULE_FIELD_UINT] = "uint64", [RULE_FIELD_INT] = "int64",
		[RULE_FIELD_BOOL] = "bool",     [RULE_FIELD_IPADDR] = "ipaddr", [RULE_FIELD_IPNET] = "ipnet",
	};

	return (unsigned int)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

const char *rule_event_type_name(unsigned int type)
{
	return type == RULE_EVENT_CONTAINER ? "container" : event_type_name(type);
}

static size_t popcount(rule_event_mask mask)
{
	return (size_t)__builtin_popcountll(mask);
}

void rule_event_mask_names(rule_event_mask mask, char *buf, size_t len)
{
	rule_event_mask names = mask & RULE_EVENTS_ALL;
	size_t used = 0;
	bool but = false;

	if (!len)
		return;
	buf[0] = '\0';
	if (names == RULE_EVENTS_ALL) {
		snprintf(buf, len, "all");
		return;
	}
	if (!names) {
		snprintf(buf, len, "none");
		return;
	}
	if (popcount(RULE_EVENTS_ALL & ~names) < popcount(names)) {
		but = true;
		names = RULE_EVENTS_ALL & ~names;
		used = (size_t)snprintf(buf, len, "all but ");
	}
	for (unsigned int t = 0; t < RULE_EVENT_TYPES && used < len; t++) {
		if (!(names & RULE_EVENT_BIT(t)) || !rule_event_type_name(t))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 used > (but ? strlen("all but ") : 0) ? ", " : "", rule_event_type_name(t));
	}
}
