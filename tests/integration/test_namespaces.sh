#!/bin/bash
# test_namespaces: the agent reports a container's namespace moves — `unshare -U`, setns into a
# namespace file (the helper's, and busybox nsenter's) with the type and inode of the namespace
# the fd really is, setns on a pidfd, clone and clone3 into new namespaces naming their flags —
# while plain forks give no clone event; runc's own unshare is marked as setup, the container's
# moves are not; the same moves on the host are reported only with --host.
#
# Run: OUTPUT=build bash tests/integration/test_namespaces.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper: make all build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd unshare stat

IMAGE=vigil-test-namespaces
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
CLONE_NEWNET=0x40000000
CLONE_NEWUSER_NEWNS=0x10020000

# The container announces its steps with "== NAME" lines, so the test can read what each call
# returned (`ok N` / `error ENAME`, see vigil-helper) and the inodes `stat -L` gives for the
# namespace files, and compare them with the events. SYS_ADMIN lets Docker's default seccomp
# profile allow unshare, setns, and clone/clone3 with namespace flags. nsenter -t 1 -u joins
# the UTS namespace of the container's pid 1 (this shell) through /proc/1/ns/uts.
SCRIPT="set -e
echo '== unshare'; unshare -U vigil-helper echo unshared
echo '== net_ino'; stat -L -c %i /proc/self/ns/net
echo '== setns'; vigil-helper setns /proc/self/ns/net 0
echo '== uts_ino'; stat -L -c %i /proc/1/ns/uts
echo '== nsenter'; nsenter -t 1 -u vigil-helper echo entered
echo '== pidfd'; vigil-helper setns_pidfd $CLONE_NEWNET
echo '== clone'; vigil-helper clone $CLONE_NEWUSER_NEWNS
echo '== clone3'; vigil-helper clone3 $CLONE_NEWUSER_NEWNS
echo '== fork'; vigil-helper clone 0
echo '== fork3'; vigil-helper clone3 0"

JSON_DEFS='
	def in_container($cid): .[] | select(.container.full_id? == $cid);
	def by_args($cid; $args): in_container($cid) | select(.proc.args[0:($args | length)] == $args);
	def namespace_family: .type | IN("setns", "unshare", "clone", "clone3");
	def only($stream): [$stream] | if length == 1 then .[0] else error("\(length) events, not 1") end;'

container_test_setup "$IMAGE"

# number_of NAME CALL : the N of the "CALL ok N" line of step NAME (an fd or a pid).
number_of() {
	output_section "$1" | sed -n "s/^$2 *ok \([0-9]*\)$/\1/p"
}

# host_moves MARKER : the host makes the container's moves itself; `unshare -U` runs the helper
# echoing MARKER. Sets HOST_OUT.
host_moves() {
	HOST_OUT=$(unshare -U "$HELPER" echo "$1" &&
		"$HELPER" setns /proc/self/ns/net 0 &&
		"$HELPER" clone $CLONE_NEWUSER_NEWNS &&
		"$HELPER" clone3 $CLONE_NEWUSER_NEWNS)
}

# counter TYPE FIELD : that counter in the agent's last report of TYPE (at exit).
counter() {
	grep "^vigil: counters: $1 " "$VIGIL_OUT.err" | tail -n 1 | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}

# ---- run 1: the container, and the host without --host ----

out=$T/run1.jsonl
vigil_start "$out" || tap_bail "vigil starts"
id=$(docker run -d --network none --cap-add SYS_ADMIN "$IMAGE" /bin/sh -c "$SCRIPT" 2>&1) ||
	tap_bail "docker run" "$id"
status=$(timeout 60 docker wait "$id" 2>&1)
LOGS=$(docker logs "$id" 2>&1)
assert_eq "$status" 0 "the container script exits 0" || diag "$LOGS"
cid=$(docker inspect -f '{{.Id}}' "$id")

assert_eq "$(output_section unshare)" "unshared" "unshare -U runs its command"
assert_eq "$(output_section setns | sed 's/ [0-9]*$//' | tr '\n' ' ')" "open ok setns ok " \
	"the helper opens /proc/self/ns/net and setns to it"
assert_eq "$(output_section nsenter)" "entered" "nsenter -t 1 -u runs its command"
assert_eq "$(output_section pidfd | sed 's/ [0-9]*$//' | tr '\n' ' ')" "pidfd_open ok setns ok " \
	"setns on a pidfd of the helper itself succeeds"
net_ino=$(output_section net_ino)
uts_ino=$(output_section uts_ino)
setns_fd=$(number_of setns open)
pidfd=$(number_of pidfd pidfd_open)
clone_pid=$(number_of clone "")
clone3_pid=$(number_of clone3 "")
fork_pid=$(number_of fork "")
fork3_pid=$(number_of fork3 "")
if [ -n "$clone_pid" ] && [ -n "$clone3_pid" ] && [ -n "$fork_pid" ] && [ -n "$fork3_pid" ]; then
	tap_ok "clone and clone3, with and without namespace flags, return a child pid"
else
	tap_fail "clone and clone3, with and without namespace flags, return a child pid" "$LOGS"
fi

marker1=$(random_word host-ns)
host_moves "$marker1" && [[ $HOST_OUT != *error* ]]
assert_eq "$?" 0 "default: the host's unshare -U, setns, clone and clone3 succeed" || diag "$HOST_OUT"

vigil_stop
assert_eq "$?" 0 "default: vigil exits 0 on SIGINT"

JSON_SHOW='.container.full_id? == "'"$cid"'" and (.type | IN("setns", "unshare", "clone", "clone3"))'
a=(--arg cid "$cid")

assert_json "$out" 'only(by_args($cid; ["unshare", "-U"]) | select(.type == "unshare")) | .unshare ==
	{flags: "CLONE_NEWUSER", result: 0, syscall: "unshare"}' \
	"unshare -U: one unshare event naming CLONE_NEWUSER, result 0" "${a[@]}"
assert_json "$out" 'only(by_args($cid; ["vigil-helper", "setns"]) | select(.type == "setns")) | .setns ==
	{fd: $fd, nstype: "ANY", ns_type: "CLONE_NEWNET", ns_ino: $ino, result: 0, syscall: "setns"}' \
	"setns(fd of /proc/self/ns/net, 0): the fd, nstype ANY, ns_type CLONE_NEWNET, ns_ino = stat -L ($net_ino)" \
	"${a[@]}" --argjson fd "${setns_fd:-null}" --argjson ino "${net_ino:-null}"
assert_json "$out" 'only(by_args($cid; ["nsenter"]) | select(.type == "setns")) | .setns |
	.nstype == "CLONE_NEWUTS" and .ns_type == "CLONE_NEWUTS" and .ns_ino == $ino and .result == 0' \
	"nsenter -t 1 -u: setns with CLONE_NEWUTS into /proc/1/ns/uts's namespace ($uts_ino)" \
	"${a[@]}" --argjson ino "${uts_ino:-null}"
assert_json "$out" 'only(by_args($cid; ["vigil-helper", "setns_pidfd"]) | select(.type == "setns")) | .setns ==
	{fd: $fd, nstype: "CLONE_NEWNET", ns_type: "0", ns_ino: 0, result: 0, syscall: "setns"}' \
	"setns on a pidfd: nstype as passed, no namespace type or inode (a pidfd is no namespace file)" \
	"${a[@]}" --argjson fd "${pidfd:-null}"
assert_json "$out" 'only(by_args($cid; ["vigil-helper", "clone", $flags]) | select(.type | IN("clone", "clone3")))
	| .type == "clone" and .clone == {flags: "CLONE_NEWNS|CLONE_NEWUSER", result: $pid, syscall: "clone"}' \
	"clone(CLONE_NEWUSER|CLONE_NEWNS): one event, naming the flags, result the child's pid ($clone_pid)" \
	"${a[@]}" --arg flags "$CLONE_NEWUSER_NEWNS" --argjson pid "${clone_pid:-null}"
assert_json "$out" 'only(by_args($cid; ["vigil-helper", "clone3", $flags]) | select(.type | IN("clone", "clone3")))
	| .type == "clone3" and .clone3 == {flags: "CLONE_NEWNS|CLONE_NEWUSER", result: $pid, syscall: "clone3"}' \
	"clone3 with CLONE_NEWUSER|CLONE_NEWNS: one event, the flags from struct clone_args, the child's pid" \
	"${a[@]}" --arg flags "$CLONE_NEWUSER_NEWNS" --argjson pid "${clone3_pid:-null}"
assert_json "$out" '[by_args($cid; ["vigil-helper"]) | select(.type | IN("clone", "clone3")) |
	select(.proc.args[2] == "0")] | length == 0' \
	"plain clone and clone3 (no namespace flag) give no clone event" "${a[@]}"
assert_json "$out" 'any(in_container($cid); .type == "fork" and .fork.child_pid > 0
	and .proc.args == ["vigil-helper", "clone", "0"])' \
	"the plain clone is a fork event instead" "${a[@]}"
filtered=$(counter clone filtered)
if [ "${filtered:-0}" -gt 0 ]; then
	tap_ok "clones without namespace flags are counted as filtered ($filtered on the machine)"
else
	tap_fail "clones without namespace flags are counted as filtered" "$(grep counters "$VIGIL_OUT.err")"
fi

# setup: runc's unshare into the container's namespaces is marked, the container's moves are not
assert_json "$out" 'any(in_container($cid); .type == "unshare" and .setup == true
	and .proc.comm == "runc:[1:CHILD]" and (.unshare.flags | split("|") | index("CLONE_NEWNS") != null))' \
	"runc's unshare of the container's namespaces is reported, marked setup" "${a[@]}"
assert_json "$out" '[in_container($cid) | select(namespace_family and (.proc.comm | startswith("runc:") | not))] |
	length >= 6 and all(has("setup") | not)' \
	"none of the entrypoint's namespace moves is marked setup" "${a[@]}"

# the host, without --host
assert_json "$out" 'all(.[]; tostring | contains($m) | not)' \
	"default: the host's unshare -U (marker $marker1) is not reported" --arg m "$marker1"
assert_json "$out" 'all(.[] | select(namespace_family); .container != null)' \
	"default: no namespace event comes from the host"

# ---- run 2: the host with --host ----

out2=$T/run2.jsonl
marker2=$(random_word host-ns)
vigil_start "$out2" --host || tap_bail "--host: vigil starts"
host_moves "$marker2" && [[ $HOST_OUT != *error* ]]
assert_eq "$?" 0 "--host: the host's unshare -U, setns, clone and clone3 succeed" || diag "$HOST_OUT"
host_net_ino=$(stat -L -c %i /proc/self/ns/net)
vigil_stop
assert_eq "$?" 0 "--host: vigil exits 0 on SIGINT"
JSON_SHOW='.container == null and (.type | IN("setns", "unshare", "clone", "clone3"))'
assert_json "$out2" 'only(.[] | select(.type == "unshare" and .proc.args[-1] == $m)) |
	.container == null and .unshare.flags == "CLONE_NEWUSER"' \
	"--host: the host's unshare -U is reported" --arg m "$marker2"
assert_json "$out2" 'only(.[] | select(.type == "setns" and .proc.args == [$helper, "setns", "/proc/self/ns/net", "0"])) |
	.container == null and .setns.ns_type == "CLONE_NEWNET" and .setns.ns_ino == $ino' \
	"--host: the host's setns is reported, with the host's net namespace" \
	--arg helper "$HELPER" --argjson ino "$host_net_ino"
assert_json "$out2" 'only(.[] | select(.type == "clone" and .proc.args == [$helper, "clone", $flags])) |
	.container == null and .clone.flags == "CLONE_NEWNS|CLONE_NEWUSER"' \
	"--host: the host's clone is reported" --arg helper "$HELPER" --arg flags "$CLONE_NEWUSER_NEWNS"

tap_done
