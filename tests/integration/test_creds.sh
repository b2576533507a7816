#!/bin/bash
# test_creds: the agent reports every credential change a container makes (the set*id family
# and capset) with what was asked, the ids or capability sets before and after, and the result;
# and the capability checks the kernel makes for it (capable), with the capability, the result
# and the system call that asked, but none of those the runtime makes while it sets the
# container up. The same setuid on the host is reported only with --host.
#
# Run: OUTPUT=build bash tests/integration/test_creds.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper: make all build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-creds
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
# The inode of the initial user namespace (PROC_USER_INIT_INO): a container without a user
# namespace of its own is checked against it.
INIT_USERNS_INO=4026531837

# As root, with Docker's default capabilities: every set*id call once, each in its own helper
# process, so each starts from uid 0 / gid 0. -1 is "leave unchanged".
SCRIPT_ROOT='
vigil-helper setresgid 2000 2001 2002
vigil-helper setregid 2003 -1
vigil-helper setgid 3000
vigil-helper setfsgid 4001
vigil-helper setresuid 1001 1002 -1
vigil-helper setreuid 1003 1004
vigil-helper setfsuid 4000
vigil-helper setuid 1000
exit 0'
# What each of those calls prints (report_result): setfs*id return the previous fs id.
LOGS_ROOT='ok 0
ok 0
ok 0
ok 0
ok 0
ok 0
ok 0
ok 0'

JSON_DEFS='
	def in_container($cid): .[] | select(.container.full_id? == $cid);
	def by_helper($cid; $args): in_container($cid) | select(.proc.args == ["vigil-helper"] + $args);
	def only($stream): [$stream] | if length == 1 then .[0] else error("\(length) events, not 1") end;'
JSON_SHOW='.type != "exec" and .type != "fork" and .type != "exit"'

container_test_setup "$IMAGE"

# host_setuid : runs `vigil-helper setuid 1000` on the host as root; sets HOST_PID and HOST_OUT.
host_setuid() {
	"$HELPER" setuid 1000 >"$T/host.out" &
	HOST_PID=$!
	wait "$HOST_PID"
	HOST_OUT=$(cat "$T/host.out")
}

# assert_cred_event OUT CID LABEL TYPE ARGS_JSON EXPECTED_JSON : the helper run in container CID
# with the arguments ARGS_JSON made one TYPE event, whose payload holds every field of
# EXPECTED_JSON with the value given there.
assert_cred_event() {
	local out=$1 cid=$2 label=$3 type=$4 args=$5 expected=$6
	assert_json "$out" 'only(by_helper($cid; $args) | select(.type == $type)) | .[$type] |
			with_entries(select(.key as $k | $want | has($k))) == $want' \
		"$label: vigil-helper $(jq -r 'join(" ")' <<<"$args") is one $type event, as expected: $(jq -c . <<<"$expected")" \
		--arg cid "$cid" --arg type "$type" --argjson args "$args" --argjson want "$expected"
}

# ---- run 1: the containers, and the host without --host ----

out=$T/run1.jsonl
vigil_start "$out" || tap_bail "vigil starts"

run_container "root" -- /bin/sh -c "$SCRIPT_ROOT"
cid_root=$CID
assert_eq "$LOGS" "$LOGS_ROOT" "root: every set*id call succeeds"

run_container "uid 1000" -u 1000:1000 -- vigil-helper setuid 0
cid_user=$CID
assert_eq "$LOGS" "error EPERM" "uid 1000: setuid(0) is refused with EPERM"

run_container "capset" --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE -- vigil-helper capdrop 10
cid_capset=$CID
assert_eq "$LOGS" "ok 0" "capset: dropping CAP_NET_BIND_SERVICE succeeds"

run_container "SYS_ADMIN" --cap-add SYS_ADMIN -- mount -t tmpfs vigil-creds /tmp
cid_admin=$CID

host_setuid
assert_eq "$HOST_OUT" "ok 0" "default: the host's setuid(1000) succeeds"
host_pid1=$HOST_PID

vigil_stop
assert_eq "$?" 0 "default: vigil exits 0 on SIGINT"

# set*id as root: what was asked, the ids before (all 0) and after.
r=$cid_root
assert_cred_event "$out" "$r" root setuid '["setuid","1000"]' \
	'{"uid":1000,"old_uid":0,"old_euid":0,"old_suid":0,"old_fsuid":0,
	  "new_uid":1000,"new_euid":1000,"new_suid":1000,"new_fsuid":1000,"result":0,"syscall":"setuid"}'
assert_cred_event "$out" "$r" root setresuid '["setresuid","1001","1002","-1"]' \
	'{"ruid":1001,"euid":1002,"suid":-1,"old_uid":0,"old_euid":0,"old_suid":0,"old_fsuid":0,
	  "new_uid":1001,"new_euid":1002,"new_suid":0,"new_fsuid":1002,"result":0}'
assert_cred_event "$out" "$r" root setreuid '["setreuid","1003","1004"]' \
	'{"ruid":1003,"euid":1004,"old_uid":0,"old_euid":0,"old_suid":0,"old_fsuid":0,
	  "new_uid":1003,"new_euid":1004,"new_suid":1004,"new_fsuid":1004,"result":0}'
assert_cred_event "$out" "$r" root setfsuid '["setfsuid","4000"]' \
	'{"fsuid":4000,"old_uid":0,"old_euid":0,"old_suid":0,"old_fsuid":0,
	  "new_uid":0,"new_euid":0,"new_suid":0,"new_fsuid":4000,"result":0}'
assert_cred_event "$out" "$r" root setgid '["setgid","3000"]' \
	'{"gid":3000,"old_gid":0,"old_egid":0,"old_sgid":0,"old_fsgid":0,
	  "new_gid":3000,"new_egid":3000,"new_sgid":3000,"new_fsgid":3000,"result":0}'
assert_cred_event "$out" "$r" root setresgid '["setresgid","2000","2001","2002"]' \
	'{"rgid":2000,"egid":2001,"sgid":2002,"old_gid":0,"old_egid":0,"old_sgid":0,"old_fsgid":0,
	  "new_gid":2000,"new_egid":2001,"new_sgid":2002,"new_fsgid":2001,"result":0}'
assert_cred_event "$out" "$r" root setregid '["setregid","2003","-1"]' \
	'{"rgid":2003,"egid":-1,"old_gid":0,"old_egid":0,"old_sgid":0,"old_fsgid":0,
	  "new_gid":2003,"new_egid":0,"new_sgid":0,"new_fsgid":0,"result":0}'
assert_cred_event "$out" "$r" root setfsgid '["setfsgid","4001"]' \
	'{"fsgid":4001,"old_gid":0,"old_egid":0,"old_sgid":0,"old_fsgid":0,
	  "new_gid":0,"new_egid":0,"new_sgid":0,"new_fsgid":4001,"result":0}'
assert_json "$out" 'only(by_helper($cid; ["setuid","1000"]) | select(.type == "setuid")) as $call |
		any(by_helper($cid; ["setuid","1000"]); .type == "capable" and .proc.pid == $call.proc.pid
			and .capable == {cap: "CAP_SETUID", userns: '"$INIT_USERNS_INO"', result: 0, syscall: "setuid"})' \
	"root: setuid(1000) is also a capable event: CAP_SETUID granted, asked by setuid" --arg cid "$r"
assert_json "$out" 'any(by_helper($cid; ["setgid","3000"]); .type == "capable"
		and .capable.cap == "CAP_SETGID" and .capable.result == 0 and .capable.syscall == "setgid")' \
	"root: setgid(3000) is also a capable event: CAP_SETGID granted, asked by setgid" --arg cid "$r"
assert_json "$out" '[by_helper($cid; ["setuid","1000"]) | select(.type == "setuid")] | all(has("setup") | not)' \
	"root: the helper's setuid is not marked setup" --arg cid "$r"
# Without CAP_SYS_ADMIN every process still "checks" it to account memory (denied), and the
# overlayfs root checks it with dockerd's credentials (granted): neither is the container's use.
assert_json "$out" '[in_container($cid) | select(.type == "capable" and .capable.cap == "CAP_SYS_ADMIN")] | length == 0' \
	"root: no CAP_SYS_ADMIN capable event (memory accounting, overlayfs acting as its mounter)" --arg cid "$r"

# set*id refused: uid 1000 asks for 0; nothing changes.
assert_cred_event "$out" "$cid_user" "uid 1000" setuid '["setuid","0"]' \
	'{"uid":0,"old_uid":1000,"old_euid":1000,"old_suid":1000,"old_fsuid":1000,
	  "new_uid":1000,"new_euid":1000,"new_suid":1000,"new_fsuid":1000,"result":-1,"error":"EPERM"}'
assert_json "$out" 'any(by_helper($cid; ["setuid","0"]); .type == "capable"
		and .capable == {cap: "CAP_SETUID", userns: '"$INIT_USERNS_INO"', result: -1, error: "EPERM",
			syscall: "setuid"})' \
	"uid 1000: the refused setuid(0) is a capable event: CAP_SETUID denied (EPERM), asked by setuid" \
	--arg cid "$cid_user"

# capset: CAP_NET_BIND_SERVICE leaves the effective and permitted sets.
assert_cred_event "$out" "$cid_capset" capset capset '["capdrop","10"]' \
	'{"pid":0,"old_effective":"CAP_CHOWN|CAP_NET_BIND_SERVICE","old_permitted":"CAP_CHOWN|CAP_NET_BIND_SERVICE",
	  "old_inheritable":"0","new_effective":"CAP_CHOWN","new_permitted":"CAP_CHOWN","new_inheritable":"0",
	  "result":0,"syscall":"capset"}'

# capable: the entrypoint's mount uses CAP_SYS_ADMIN; the runtime's setup checks are not reported.
assert_json "$out" 'any(in_container($cid); .type == "capable" and .proc.comm == "mount"
		and .capable == {cap: "CAP_SYS_ADMIN", userns: '"$INIT_USERNS_INO"', result: 0, syscall: "mount"}
		and (has("setup") | not))' \
	"SYS_ADMIN: mount's use of CAP_SYS_ADMIN is a capable event: granted, asked by mount, not setup" \
	--arg cid "$cid_admin"
assert_json "$out" '[in_container($cid) | select(.type == "capable" and .setup == true)] | length == 0' \
	"SYS_ADMIN: no capable event of the runtime's setup (dropped in the kernel)" --arg cid "$cid_admin"
assert_json "$out" '[in_container($cid) | select(.type == "capable")] | length > 0 and all(.proc.comm == "mount")' \
	"SYS_ADMIN: every capable event of the container is the entrypoint's, none is runc's" \
	--arg cid "$cid_admin"
assert_json "$out" '[in_container($cid) | select(.type == "capable" and .capable.syscall != "mount")] | length == 0' \
	"SYS_ADMIN: no capable event for memory accounting (mmap, brk, execve, fork ask for CAP_SYS_ADMIN too)" \
	--arg cid "$cid_admin"

# the host
assert_json "$out" '[.[] | select(.proc.pid == $pid)] | length == 0' \
	"default: the host's setuid (pid $host_pid1) is not reported" --argjson pid "$host_pid1"

# ---- run 2: --host, so that the host's setuid is seen (the check above is not vacuous) ----

out2=$T/run2.jsonl
vigil_start "$out2" --host || tap_bail "--host: vigil starts"
host_setuid
assert_eq "$HOST_OUT" "ok 0" "--host: the host's setuid(1000) succeeds"
host_pid2=$HOST_PID
vigil_stop
assert_eq "$?" 0 "--host: vigil exits 0 on SIGINT"

assert_json "$out2" 'only(.[] | select(.proc.pid == $pid and .type == "setuid")) |
		.container == null and .setuid.uid == 1000 and .setuid.old_uid == 0 and .setuid.new_uid == 1000
		and .setuid.result == 0' \
	"--host: the host's setuid (pid $host_pid2) is reported: container null, uid 0 to 1000" \
	--argjson pid "$host_pid2"
assert_json "$out2" 'any(.[]; .proc.pid == $pid and .type == "capable" and .capable.cap == "CAP_SETUID"
		and .capable.result == 0 and .capable.syscall == "setuid")' \
	"--host: so is its CAP_SETUID check" --argjson pid "$host_pid2"

tap_done
