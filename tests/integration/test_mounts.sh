#!/bin/bash
# test_mounts: the agent reports every mount-family call a container makes — mount (tmpfs, a
# cgroup filesystem, one refused for lack of CAP_SYS_ADMIN), umount2, the new mount API (fsopen,
# fsconfig, fsmount, move_mount, open_tree, mount_setattr), chroot and pivot_root — with the
# arguments and result each call really had; the runtime's own mounts and pivot_root are marked
# as setup and the container's are not; the same calls on the host are reported only with --host.
#
# Run: OUTPUT=build bash tests/integration/test_mounts.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper: make all build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-mounts
HELPER=$VIGIL_HELPERS_DIR/vigil-helper

# Each container script announces its steps with "== NAME" lines, so the test can read what
# each helper call returned (`ok N` / `error ENAME`, see vigil-helper) and compare it with the
# event the agent reported for that call.
#
# With SYS_ADMIN (Docker's default seccomp profile allows the mount calls then): tmpfs with
# MS_NOSUID|MS_NODEV, cgroup2 with MS_NOSUID|MS_NODEV|MS_NOEXEC and its umount2(MNT_DETACH), a
# tmpfs through fsopen/fsconfig/fsmount/move_mount, a bind mount of the first tmpfs through
# open_tree(OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) + move_mount, mount_setattr on it (set
# RDONLY|NOSUID, clear NOEXEC, propagation MS_PRIVATE), and a chroot into the tmpfs.
SCRIPT_ADMIN='set -e
mkdir -p /mnt/tmpfs /mnt/cg /mnt/new /mnt/bind
echo "== tmpfs"; vigil-helper mount vigil-tmpfs /mnt/tmpfs tmpfs 6 size=1m
echo "== cgroup"; vigil-helper mount none /mnt/cg cgroup2 14
echo "== umount2"; vigil-helper umount2 /mnt/cg 2
echo "== fsmount"; vigil-helper fsmount tmpfs size 2m /mnt/new
echo "== open_tree"; vigil-helper open_tree /mnt/tmpfs 0x80001 /mnt/bind
echo "== mount_setattr"; vigil-helper mount_setattr /mnt/bind 0 3 8 0x40000
echo "== chroot"; vigil-helper chroot /mnt/tmpfs'
# Without SYS_ADMIN: refused (by the seccomp profile, with EPERM, before the kernel's own check).
SCRIPT_DENIED='set -e
echo "== denied"; vigil-helper mount vigil-denied /mnt tmpfs 0'
# Docker's default seccomp profile refuses pivot_root even with SYS_ADMIN: this one runs unconfined.
SCRIPT_PIVOT='set -e
mkdir -p /newroot
echo "== pivot_root"; vigil-helper pivot_root /newroot /newroot/old'

JSON_DEFS='
	def in_container($cid): .[] | select(.container.full_id? == $cid);
	def by_helper($cid; $sub): in_container($cid) | select(.proc.args[0:2] == ["vigil-helper", $sub]);
	def call($cid; $sub; $type): by_helper($cid; $sub) | select(.type == $type);
	def mount_family: .type | IN("mount", "umount2", "move_mount", "fsopen", "fsconfig", "fsmount",
		"open_tree", "mount_setattr", "pivot_root", "chroot");
	def only($stream): [$stream] | if length == 1 then .[0] else error("\(length) events, not 1") end;'

container_test_setup "$IMAGE"

# fd_of NAME CALL : the number in the "CALL ok N" line of step NAME (the fd a call returned).
fd_of() {
	output_section "$1" | sed -n "s/^$2 ok \([0-9]*\)$/\1/p"
}

# host_moves MARKER : the host makes the container's main moves itself, naming MARKER in each
# source or path: mount, umount2, the new mount API, chroot. Sets HOST_OUT.
host_moves() {
	local dir=$T/$1
	mkdir -p "$dir/tmpfs" "$dir/new"
	HOST_OUT=$("$HELPER" mount "$1" "$dir/tmpfs" tmpfs 6 &&
		"$HELPER" umount2 "$dir/tmpfs" 0 &&
		"$HELPER" fsmount tmpfs size 1m "$dir/new" &&
		"$HELPER" umount2 "$dir/new" 0 &&
		"$HELPER" chroot "$dir")
}

# ---- run 1: the containers, and the host without --host ----

out=$T/run1.jsonl
vigil_start "$out" || tap_bail "vigil starts"

run_container "SYS_ADMIN" --cap-add SYS_ADMIN -- /bin/sh -c "$SCRIPT_ADMIN"
cid_admin=$CID
for step in tmpfs cgroup umount2 chroot; do
	assert_eq "$(output_section "$step")" "ok 0" "SYS_ADMIN: the helper's $step call succeeds"
done
assert_eq "$(output_section fsmount | sed 's/ [0-9]*$//' | tr '\n' ' ')" \
	"fsopen ok fsconfig ok fsconfig-create ok fsmount ok move_mount ok " \
	"SYS_ADMIN: fsopen, fsconfig, fsconfig(CMD_CREATE), fsmount and move_mount succeed"
assert_eq "$(output_section open_tree | sed 's/ [0-9]*$//' | tr '\n' ' ')" "open_tree ok move_mount ok " \
	"SYS_ADMIN: open_tree and move_mount succeed"
assert_eq "$(output_section mount_setattr)" "ok 0" "SYS_ADMIN: mount_setattr succeeds"
fsopen_fd=$(fd_of fsmount fsopen)
fsmount_fd=$(fd_of fsmount fsmount)
open_tree_fd=$(fd_of open_tree open_tree)

run_container "no SYS_ADMIN" -- /bin/sh -c "$SCRIPT_DENIED"
cid_denied=$CID
assert_eq "$(output_section denied)" "error EPERM" "no SYS_ADMIN: the helper's mount is refused with EPERM"

run_container "pivot_root" --cap-add SYS_ADMIN --security-opt seccomp=unconfined -- /bin/sh -c "$SCRIPT_PIVOT"
cid_pivot=$CID
assert_eq "$(output_section pivot_root)" "ok 0" "pivot_root: the helper's pivot_root succeeds"

marker1=$(random_word host-mount)
host_moves "$marker1" && [[ $HOST_OUT != *error* ]]
assert_eq "$?" 0 "default: the host's mount, umount2, fsmount and chroot succeed" || diag "$HOST_OUT"

vigil_stop
assert_eq "$?" 0 "default: vigil exits 0 on SIGINT"

# When an assertion fails, show this run's containers' mount-family events but runc's many mounts.
JSON_SHOW='(.container.full_id? // "") as $c | ($c == "'"$cid_admin"'" or $c == "'"$cid_denied"'" or
	$c == "'"$cid_pivot"'") and (.type | IN("umount2", "move_mount", "fsopen", "fsconfig", "fsmount", "open_tree",
	"mount_setattr", "pivot_root", "chroot") or (.type == "mount" and .proc.comm == "vigil-helper"))'
a=(--arg cid "$cid_admin")

# mount(2)
assert_json "$out" '[call($cid; "mount"; "mount")] | length == 2' \
	"the helper's two mounts are reported, once each" "${a[@]}"
assert_json "$out" 'only(call($cid; "mount"; "mount") | select(.mount.target == "/mnt/tmpfs")) | .mount ==
	{source: "vigil-tmpfs", target: "/mnt/tmpfs", fstype: "tmpfs", flags: "MS_NOSUID|MS_NODEV", result: 0,
	syscall: "mount"}' \
	"mount of a tmpfs: source, target, fstype, flags and result 0" "${a[@]}"
assert_json "$out" 'only(call($cid; "mount"; "mount") | select(.mount.target == "/mnt/cg")) | .mount ==
	{source: "none", target: "/mnt/cg", fstype: "cgroup2", flags: "MS_NOSUID|MS_NODEV|MS_NOEXEC", result: 0,
	syscall: "mount"}' \
	"mount of a cgroup2 filesystem: source, target, fstype, flags and result 0" "${a[@]}"
assert_json "$out" 'only(call($cid; "umount2"; "umount2")) | .umount2 == {target: "/mnt/cg", flags: "MNT_DETACH",
	result: 0, syscall: "umount2"}' \
	"umount2 of it: target, MNT_DETACH, result 0" "${a[@]}"

# the new mount API
a_fds=("${a[@]}" --argjson fsopen_fd "${fsopen_fd:-null}" --argjson fsmount_fd "${fsmount_fd:-null}"
	--argjson tree_fd "${open_tree_fd:-null}")
assert_json "$out" 'only(call($cid; "fsmount"; "fsopen")) | .fsopen == {fsname: "tmpfs", flags: "0x1",
	result: $fsopen_fd, syscall: "fsopen"}' \
	"fsopen: fsname tmpfs, FSOPEN_CLOEXEC, the fd it returned ($fsopen_fd)" "${a_fds[@]}"
assert_json "$out" '[call($cid; "fsmount"; "fsconfig")] | length == 2 and .[0].fsconfig == {fd: $fsopen_fd,
	cmd: "FSCONFIG_SET_STRING", key: "size", value: "2m", aux: 0, result: 0, syscall: "fsconfig"}' \
	"fsconfig(SET_STRING): the fsopen fd, key size, value 2m, result 0" "${a_fds[@]}"
assert_json "$out" '[call($cid; "fsmount"; "fsconfig")] | .[1].fsconfig == {fd: $fsopen_fd,
	cmd: "FSCONFIG_CMD_CREATE", key: "", value: "", aux: 0, result: 0, syscall: "fsconfig"}' \
	"fsconfig(CMD_CREATE): no key, value slot left empty, result 0" "${a_fds[@]}"
assert_json "$out" 'only(call($cid; "fsmount"; "fsmount")) | .fsmount == {fs_fd: $fsopen_fd, flags: "0x1",
	attr_flags: "MOUNT_ATTR_NODEV", result: $fsmount_fd, syscall: "fsmount"}' \
	"fsmount: the fsopen fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV, the mount fd ($fsmount_fd)" "${a_fds[@]}"
assert_json "$out" 'only(call($cid; "fsmount"; "move_mount")) | .move_mount == {from_dfd: $fsmount_fd,
	from_path: "", to_dfd: "AT_FDCWD", to_path: "/mnt/new", flags: "MOVE_MOUNT_F_EMPTY_PATH", result: 0,
	syscall: "move_mount"}' \
	"move_mount: from the fsmount fd to /mnt/new, MOVE_MOUNT_F_EMPTY_PATH, result 0" "${a_fds[@]}"
assert_json "$out" 'only(call($cid; "open_tree"; "open_tree")) | .open_tree == {dfd: "AT_FDCWD",
	path: "/mnt/tmpfs", flags: "OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC", result: $tree_fd, syscall: "open_tree"}' \
	"open_tree: path, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC, the fd it returned ($open_tree_fd)" "${a_fds[@]}"
assert_json "$out" 'only(call($cid; "open_tree"; "move_mount")) | .move_mount | .from_dfd == $tree_fd
	and .to_path == "/mnt/bind" and .to_dfd == "AT_FDCWD" and .result == 0' \
	"move_mount of the opened tree onto /mnt/bind, result 0" "${a_fds[@]}"
assert_json "$out" 'only(call($cid; "mount_setattr"; "mount_setattr")) | .mount_setattr == {dfd: "AT_FDCWD",
	path: "/mnt/bind", flags: "0", attr_set: "MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID", attr_clr: "MOUNT_ATTR_NOEXEC",
	propagation: "0x40000", result: 0, syscall: "mount_setattr"}' \
	"mount_setattr: path, attr_set, attr_clr and propagation read from struct mount_attr, result 0" "${a[@]}"
assert_json "$out" 'only(call($cid; "chroot"; "chroot")) | .chroot == {path: "/mnt/tmpfs", result: 0,
	syscall: "chroot"}' \
	"chroot: path, result 0" "${a[@]}"

# refused and pivot_root
assert_json "$out" 'only(call($cid; "mount"; "mount")) | .mount == {source: "vigil-denied", target: "/mnt",
	fstype: "tmpfs", flags: "0", result: -1, error: "EPERM", syscall: "mount"}' \
	"a mount without SYS_ADMIN is reported with its arguments and -EPERM" --arg cid "$cid_denied"
assert_json "$out" 'only(call($cid; "pivot_root"; "pivot_root")) | .pivot_root == {new_root: "/newroot",
	put_old: "/newroot/old", result: 0, syscall: "pivot_root"}' \
	"pivot_root: new_root, put_old, result 0" --arg cid "$cid_pivot"
assert_json "$out" 'only(call($cid; "pivot_root"; "pivot_root")).ns.mnt as $ns |
	first(in_container($cid) | select(.type == "exec" and .proc.args[0:2] == ["vigil-helper", "pivot_root"])) |
	.ns.mnt != $ns' \
	"it happened in the mount namespace the helper made, not the container's" --arg cid "$cid_pivot"

# setup: runc's moves before the entrypoint are marked, the container's own are not
for cid in "$cid_admin" "$cid_pivot"; do
	assert_json "$out" 'any(in_container($cid); .type == "pivot_root" and .setup == true
		and .proc.comm == "runc:[2:INIT]" and .pivot_root.result == 0)' \
		"runc's pivot_root into container ${cid:0:12} is reported, marked setup" --arg cid "$cid"
	assert_json "$out" '[in_container($cid) | select(mount_family and (.proc.comm | startswith("runc:")))] |
		length > 0 and all(.setup == true)' \
		"every mount-family call of runc in ${cid:0:12} is marked setup" --arg cid "$cid"
	assert_json "$out" '[in_container($cid) | select(mount_family and .proc.comm == "vigil-helper")] |
		length > 0 and all(has("setup") | not)' \
		"none of the entrypoint's calls in ${cid:0:12} is marked setup" --arg cid "$cid"
done

# the host, without --host
assert_json "$out" 'all(.[]; tostring | contains($m) | not)' \
	"default: the host's mount, umount2, fsmount and chroot (marker $marker1) are not reported" --arg m "$marker1"
assert_json "$out" 'all(.[] | select(mount_family); .container != null)' \
	"default: no mount-family event comes from the host"

# ---- run 2: the host with --host ----

out2=$T/run2.jsonl
marker2=$(random_word host-mount)
vigil_start "$out2" --host || tap_bail "--host: vigil starts"
host_moves "$marker2" && [[ $HOST_OUT != *error* ]]
assert_eq "$?" 0 "--host: the host's mount, umount2, fsmount and chroot succeed" || diag "$HOST_OUT"
vigil_stop
assert_eq "$?" 0 "--host: vigil exits 0 on SIGINT"
JSON_SHOW='tostring | contains("'"$marker2"'")'
assert_json "$out2" 'only(.[] | select(.type == "mount" and .mount.source == $m)) |
	.container == null and .mount.target == $dir + "/tmpfs" and .mount.flags == "MS_NOSUID|MS_NODEV"
	and .mount.result == 0' \
	"--host: the host's mount is reported once, with container null and its arguments" \
	--arg m "$marker2" --arg dir "$T/$marker2"
assert_json "$out2" 'only(.[] | select(.type == "move_mount" and .move_mount.to_path == $dir + "/new")) |
	.container == null and .move_mount.result == 0' \
	"--host: the host's move_mount is reported" --arg dir "$T/$marker2"
assert_json "$out2" 'only(.[] | select(.type == "chroot" and .chroot.path == $dir)) | .container == null' \
	"--host: the host's chroot is reported" --arg dir "$T/$marker2"

tap_done
