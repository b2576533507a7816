#!/bin/bash
# test_files: the agent reports a container's opens of sensitive paths (with the path the kernel
# really opened, however the name was written, the read or write intent and the result, failures
# included), symlinks and hard links to them and chmods that set the setuid bit; it reports no
# open of an ordinary file, and none of these moves when the host makes them, unless --host.
#
# Run: OUTPUT=build bash tests/integration/test_files.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-files
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
FILE_TYPES='["open", "openat", "openat2", "symlink", "symlinkat", "link", "linkat", "chmod", "fchmod", "fchmodat"]'
# The file events of the container whose full id is $cid, and those of vigil-helper among them.
JSON_DEFS='
	def file_types: '"$FILE_TYPES"';
	def file_events($cid): .[] | select(.container.full_id? == $cid and (.type as $t | file_types | index($t)));
	def helper($cid; $type): file_events($cid) | select(.type == $type and .proc.comm == "vigil-helper");'

container_test_setup "$IMAGE"

# The moves the host makes too; they must not be reported without --host. Sets HOST_PID to the
# pid of the host's open of /etc/shadow.
host_moves() {
	"$HELPER" open /etc/shadow r >"$T/host-open.log" &
	HOST_PID=$!
	wait "$HOST_PID"
	"$HELPER" symlink /etc/shadow "$T/host-symlink" >/dev/null
	cp "$HELPER" "$T/host-setuid" && "$HELPER" chmod "$T/host-setuid" 4755 >/dev/null
	rm -f "$T/host-symlink" "$T/host-setuid"
}

out=$T/files.jsonl
vigil_start "$out" || tap_bail "vigil starts"
tap_ok "vigil starts"

# ---- sensitive paths, however named ----
# The image has no /etc/shadow: the container writes one (its shell's open for writing is an
# event too) before reading it by absolute name, after cd (relative), through a dirfd, with
# openat2, and as uid 1000 with "./" (EACCES: a failure is an event, its path joined to the cwd).
run_container main -- /bin/sh -c '
	echo "root:*:19000:0:99999:7:::" >/etc/shadow; chmod 600 /etc/shadow
	vigil-helper open /etc/shadow r
	cd /etc && vigil-helper open shadow r
	vigil-helper openat /etc shadow r
	vigil-helper openat2 /etc/shadow r
	su tester -c "cd /etc && vigil-helper open ./shadow r"
	vigil-helper open /etc/hostname r
	vigil-helper open /proc/sys/kernel/core_pattern w
	vigil-helper creat /proc/sys/kernel/core_pattern
	vigil-helper open /proc/self/environ r
	vigil-helper open /run/docker.sock rw
	vigil-helper symlink /etc/shadow /tmp/shadow-symlink
	vigil-helper symlink hostname /tmp/hostname-symlink
	cd /etc && vigil-helper link shadow /tmp/shadow-hardlink
	cp /bin/vigil-helper /tmp/setuid-helper
	vigil-helper chmod /tmp/setuid-helper 4755
	vigil-helper chmod /tmp/setuid-helper 755
	cd /tmp && vigil-helper fchmod setuid-helper 2755
	vigil-helper fchmodat2 /tmp/setuid-helper 6755
	exit 0'
cid=$CID

# ---- release_agent of a cgroup v1 hierarchy mounted in the container ----
# Opened for writing only: writing it would set the host's release agent.
run_container cgroup --cap-add SYS_ADMIN -- /bin/sh -c '
	mkdir /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg || exit 1
	vigil-helper open /tmp/cg/release_agent w
	cd /tmp/cg && vigil-helper open notify_on_release w
	exit 0'
cgroup_cid=$CID

host_moves
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

JSON_SHOW='.container.full_id? == "'"$cid"'" and (.type as $t | '"$FILE_TYPES"' | index($t))'
args=(--arg cid "$cid")

assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "/etc/shadow")] | length == 1 and
	(.[0].openat | .path == "/etc/shadow" and .flags == "O_RDONLY" and .dirfd == "AT_FDCWD" and .result >= 0)' \
	"reading /etc/shadow: path /etc/shadow, O_RDONLY, AT_FDCWD, result >= 0" "${args[@]}"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "shadow" and .openat.dirfd == "AT_FDCWD")] |
	length == 1 and (.[0].openat | .path == "/etc/shadow" and .flags == "O_RDONLY" and .result >= 0)' \
	"after cd /etc, the relative name shadow is reported as path /etc/shadow" "${args[@]}"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "shadow" and (.openat.dirfd | type) == "number")] |
	length == 1 and (.[0].openat | .path == "/etc/shadow" and .dirfd >= 0 and .result >= 0)' \
	"openat(dirfd of /etc, \"shadow\") is reported as path /etc/shadow with its dirfd" "${args[@]}"
assert_json "$out" '[helper($cid; "openat2")] | length == 1 and (.[0].openat2 | .path == "/etc/shadow" and
	.name == "/etc/shadow" and .flags == "O_RDONLY" and .resolve == "0x2" and .result >= 0)' \
	"openat2 of /etc/shadow: path, flags and resolve (RESOLVE_NO_MAGICLINKS)" "${args[@]}"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "./shadow")] | length == 1 and
	(.[0] | .proc.uid == 1000 and .openat.path == "/etc/shadow" and .openat.error == "EACCES" and .openat.result == -13)' \
	"uid 1000 opening ./shadow in /etc: path /etc/shadow, EACCES" "${args[@]}"
assert_json "$out" '[file_events($cid) | select(.type == "openat" and (.openat.path == "/etc/shadow") and .proc.comm == "sh")] |
	length == 1 and (.[0].openat.flags | startswith("O_WRONLY|O_CREAT|O_TRUNC"))' \
	"the shell writing /etc/shadow is reported with write intent (O_WRONLY|O_CREAT|O_TRUNC)" "${args[@]}"
assert_json "$out" '[file_events($cid) | select(.[.type] | tostring | test("hostname"))] | length == 0' \
	"opening /etc/hostname (not watched) is not reported, nor a symlink to it" "${args[@]}"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "/proc/sys/kernel/core_pattern")] | length == 1 and
	(.[0].openat | .path == "/proc/sys/kernel/core_pattern" and .flags == "O_WRONLY" and .error == "EROFS" and
	.result == -30)' \
	"writing core_pattern (read-only in a container): reported with O_WRONLY and EROFS" "${args[@]}"
assert_json "$out" '[helper($cid; "open")] | length == 1 and (.[0].open | .syscall == "creat" and
	.path == "/proc/sys/kernel/core_pattern" and .flags == "O_WRONLY|O_CREAT|O_TRUNC" and .error == "EROFS")' \
	"creat of core_pattern is an open event (syscall creat, O_WRONLY|O_CREAT|O_TRUNC, EROFS)" "${args[@]}"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "/proc/self/environ")] | length == 1 and
	(.[0] | .openat.path == "/proc/\(.proc.vpid)/environ" and .openat.flags == "O_RDONLY" and .openat.result >= 0)' \
	"reading /proc/self/environ: reported as /proc/<its pid in the container>/environ" "${args[@]}"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "/run/docker.sock")] | length == 1 and
	(.[0].openat | .path == "/run/docker.sock" and .flags == "O_RDWR" and .error == "ENOENT")' \
	"looking for docker.sock (absent): reported with O_RDWR and ENOENT" "${args[@]}"
assert_json "$out" '[helper($cid; "symlink")] | length == 1 and (.[0].symlink | .target == "/etc/shadow" and
	.linkpath == "/tmp/shadow-symlink" and .result == 0)' \
	"a symlink to /etc/shadow is reported once with target and linkpath (not the one to hostname)" "${args[@]}"
assert_json "$out" '[helper($cid; "link")] | length == 1 and (.[0].link | .oldpath == "/etc/shadow" and
	.newpath == "/tmp/shadow-hardlink" and .result == 0)' \
	"a hard link of shadow made in /etc is reported with oldpath /etc/shadow" "${args[@]}"
assert_json "$out" '[helper($cid; "chmod")] | length == 1 and (.[0].chmod | .mode == "04755" and
	.path == "/tmp/setuid-helper" and .result == 0)' \
	"chmod 4755 is reported with mode and path; chmod 755 and 600 are not" "${args[@]}"
assert_json "$out" '[helper($cid; "fchmod")] | length == 1 and (.[0].fchmod | .mode == "02755" and .fd >= 0 and
	.path == "/tmp/setuid-helper" and .result == 0)' \
	"fchmod 2755 (setgid) is reported with the path of its fd's file" "${args[@]}"
# Docker's seccomp profile may predate fchmodat2 (ENOSYS), and the syscall names come from the
# build machine's headers (452 when they predate it): a refused call is an event all the same.
assert_json "$out" '[helper($cid; "fchmodat")] | length == 1 and (.[0].fchmodat |
	(.syscall == "fchmodat2" or .syscall == 452) and (.result == 0 or .error == "ENOSYS") and
	.mode == "06755" and .flags == "AT_SYMLINK_NOFOLLOW" and .dirfd == "AT_FDCWD" and .path == "/tmp/setuid-helper")' \
	"fchmodat2 is a fchmodat event with its flags" "${args[@]}"

JSON_SHOW='.container.full_id? == "'"$cgroup_cid"'"'
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "/tmp/cg/release_agent")] | length == 1 and
	(.[0].openat | .path == "/tmp/cg/release_agent" and .flags == "O_WRONLY" and .result >= 0)' \
	"opening release_agent of a mounted cgroup v1 hierarchy for writing: path, O_WRONLY, result >= 0" \
	--arg cid "$cgroup_cid"
assert_json "$out" '[helper($cid; "openat") | select(.openat.name == "notify_on_release")] | length == 1 and
	(.[0].openat | .path == "/tmp/cg/notify_on_release" and .flags == "O_WRONLY" and .result >= 0)' \
	"notify_on_release by a relative name: path /tmp/cg/notify_on_release" --arg cid "$cgroup_cid"

JSON_SHOW='.container == null and (.type as $t | '"$FILE_TYPES"' | index($t))'
assert_json "$out" '[.[] | select(.container == null and (.type as $t | file_types | index($t)))] | length == 0' \
	"without --host, the host's open, symlink and chmod are not reported"

# ---- --host: the same host moves are reported ----
out=$T/host.jsonl
vigil_start "$out" --host || tap_bail "vigil --host starts"
host_moves
vigil_stop
assert_eq "$?" 0 "vigil --host exits 0 on SIGINT"
assert_json "$out" '[.[] | select(.type == "openat" and .proc.pid == $pid)] | length == 1 and
	(.[0] | .container == null and .openat.path == "/etc/shadow" and .openat.result >= 0)' \
	"--host: the host's read of /etc/shadow is reported" --argjson pid "$HOST_PID"
assert_json "$out" 'any(.[]; .type == "symlink" and .symlink.linkpath == $link and .symlink.target == "/etc/shadow")' \
	"--host: the host's symlink to /etc/shadow is reported" --arg link "$T/host-symlink"
assert_json "$out" 'any(.[]; .type == "chmod" and .chmod.path == $path and .chmod.mode == "04755")' \
	"--host: the host's chmod 4755 is reported" --arg path "$T/host-setuid"

tap_done
