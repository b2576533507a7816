#!/bin/bash
# test_enforce: enforcement on this machine's kernel, which refuses BPF-LSM, so the tracepoints
# decide and `kill` is the mechanism (a `deny` falls back to it, with a warning at start).
# - A container's mount, ptrace(PTRACE_ATTACH) and setuid(0) are killed: the helper that made
#   the call never returns from it (it prints nothing after the call and dies of SIGKILL), the
#   mount does not survive (the agent takes down what the kill could not stop), and each alert
#   says "verdict": "killed", "mechanism": "tracepoint".
# - The same calls from the host, outside the rules' container scope, succeed; so does the
#   runtime's own setup (the container starts although runc calls setuid(0) while it sets it up).
# - --enforce=off blocks nothing and the alerts say "would kill".
# - A SIGHUP puts new kill rules in force; one with a rule the kernel cannot decide is refused
#   and the policy in force stays.
# (tests/vm/guest/enforce.sh proves deny through the LSM hooks on a second kernel.)
#
# Run: OUTPUT=build bash tests/integration/test_enforce.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-enforce
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
container_test_setup "$IMAGE"

WORD=$(random_word enforce)
RULES=$T/enforce.yaml
cat >"$RULES" <<EOF
- rule: Kill mounts of vigil-kill
  desc: a container mounts a tmpfs on /mnt/vigil-kill (the runtime mounts tmpfs filesystems, many, while it sets the container up)
  condition: >
    evt.type = mount and container.id != host and evt.is_setup = false and evt.arg.fstype = tmpfs
    and evt.arg.target pmatch (/mnt/vigil-kill)
  output: mount killed (target=%evt.arg.target container=%container.id)
  priority: CRITICAL
  action: kill
- rule: Kill ptrace attach
  desc: a container attaches to a process with ptrace
  condition: evt.type = ptrace and container.id != host and evt.arg.request = PTRACE_ATTACH
  output: ptrace killed (container=%container.id)
  priority: CRITICAL
  action: kill
- rule: Kill module loading
  desc: a container loads a kernel module (this kernel has no module support, nor their tracepoints)
  condition: evt.type in (init_module, finit_module) and container.id != host
  output: module load killed (container=%container.id)
  priority: CRITICAL
  action: kill
- rule: Deny setuid root
  desc: a process asks for uid 0 (the rule's scope keeps the kernel's hands off the host's)
  condition: evt.type = setuid and evt.arg.uid = 0
  output: setuid 0 denied (container=%container.id)
  priority: CRITICAL
  action: deny
EOF

# The container makes each move once, says after each what the helper's status was, then
# stays up so that the test can look into its mount namespace.
SCRIPT="mkdir -p /mnt/vigil-kill
echo '== mount'; vigil-helper mount $WORD /mnt/vigil-kill tmpfs 0; echo \"status \$?\"
echo '== ptrace'; vigil-helper ptrace_attach; echo \"status \$?\"
echo '== setuid'; vigil-helper setuid 0; echo \"status \$?\"
echo '== done'
exec sleep 600"

# start_container LABEL [OPTION...] : starts SCRIPT in a new container and waits until it has
# made its moves. Sets CID, CPID (its init on the host) and LOGS.
start_container() {
	local label=$1 id
	shift
	id=$(docker run -d --network none --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
		--security-opt apparmor=unconfined "$@" "$IMAGE" /bin/sh -c "$SCRIPT" 2>&1) ||
		tap_bail "$label: docker run" "$id"
	CID=$(docker inspect -f '{{.Id}}' "$id")
	on_exit "docker rm -f $CID >/dev/null 2>&1"
	if ! wait_until 60 container_done "$CID"; then
		docker logs "$CID" >"$T/$label.log" 2>&1
		tap_bail "$label: the container made its moves" "$(cat "$T/$label.log")"
	fi
	LOGS=$(docker logs "$CID" 2>&1)
	CPID=$(docker inspect -f '{{.State.Pid}}' "$CID")
}

container_done() {
	docker logs "$1" 2>&1 | grep -q '^== done$'
}

# mounted PID DIR : DIR is a mount point in PID's mount namespace.
mounted() {
	awk -v dir="$2" '$5 == dir { found = 1 } END { exit !found }' "/proc/$1/mountinfo"
}

not_mounted() {
	! mounted "$@"
}

JSON_DEFS='
	def alerts($rule): .[] | select(.type == "alert" and .rule == $rule);
	def one($stream): [$stream] | if length == 1 then .[0] else error("\(length) alerts, not 1") end;'
JSON_SHOW='.type == "alert"'

# ---- run 1: enforcement on ----

out=$T/on.jsonl
vigil_start "$out" -r "$RULES" --host || tap_bail "vigil starts with the kill and deny rules"
tap_check "start: deny falls back to kill, said at start" \
	grep -q "rule 'Deny setuid root'.*deny.*kill" "$VIGIL_OUT.err"
tap_check "start: a rule on module loading is said to have nothing to enforce it on this kernel" \
	grep -q "rule 'Kill module loading': this kernel has no hook for init_module, finit_module" "$VIGIL_OUT.err"

start_container on
assert_eq "$(output_section mount | grep -v '^Killed$')" "status 137" \
	"container mount: the helper never returns from mount(2) (no result printed) and dies of SIGKILL"
assert_eq "$(output_section ptrace | grep -v '^pid \|^Killed$')" "status 137" \
	"container ptrace: the helper dies of SIGKILL inside PTRACE_ATTACH"
assert_eq "$(output_section setuid | grep -v '^Killed$')" "status 137" \
	"container setuid(0): the deny rule, without BPF-LSM, kills"
if wait_until 10 not_mounted "$CPID" /mnt/vigil-kill; then
	tap_ok "container mount: /mnt/vigil-kill is not mounted afterwards in the container"
else
	tap_fail "container mount: /mnt/vigil-kill is not mounted afterwards in the container" \
		"$(grep vigil-kill "/proc/$CPID/mountinfo")"
fi
tap_check "container mount: the agent says it took down the mount the kill could not stop" \
	grep -q "undid.*/mnt/vigil-kill" "$VIGIL_OUT.err"

# A host process in a pid namespace of its own is a container to the kernel's scope, not to the
# rule's `container.id != host` (its cgroup is the host's): the kill is not silent for that.
# (Its mount namespace is private, so its mount never reaches the host's.)
mkdir -p "/mnt/vigil-kill/$WORD"
on_exit "rmdir /mnt/vigil-kill/$WORD /mnt/vigil-kill 2>/dev/null"
unshare --fork --pid --mount --mount-proc /bin/sh -c "'$HELPER' mount $WORD-ns /mnt/vigil-kill/$WORD tmpfs 0; echo status \$?" \
	>"$T/ns.log" 2>&1
assert_eq "$(grep -v '^Killed$' "$T/ns.log")" "status 137" \
	"a host process in its own pid namespace: killed by the kernel's container scope"
tap_check "... and vigil says a kill happened that no rule's alert explains" \
	wait_until 10 grep -q "enforcement without its rule: the kernel's tracepoint hook killed mount by pid" \
	"$VIGIL_OUT.err"

# The host, outside the container scope: the same calls succeed.
mkdir -p "$T/hostmnt"
assert_eq "$("$HELPER" mount "$WORD" "$T/hostmnt" tmpfs 0 2>&1)" "ok 0" "host mount: succeeds"
tap_check "host mount: it is there" mounted $$ "$T/hostmnt"
umount "$T/hostmnt"
assert_eq "$("$HELPER" setuid 0 2>&1)" "ok 0" "host setuid(0): succeeds"

vigil_stop || tap_fail "vigil exits cleanly"
assert_json "$out" 'one(alerts("Kill mounts of vigil-kill")) |
	.verdict == "killed" and .mechanism == "tracepoint" and .container.id == $cid[0:12] and
	.event.mount.result == 0' \
	"container mount: one alert, verdict killed, mechanism tracepoint" --arg cid "$CID"
assert_json "$out" 'one(alerts("Kill ptrace attach")) | .verdict == "killed" and .mechanism == "tracepoint"' \
	"container ptrace: one alert, verdict killed, mechanism tracepoint"
assert_json "$out" 'one(alerts("Deny setuid root") | select(.container != null)) |
	.verdict == "killed" and .mechanism == "tracepoint"' \
	"container setuid(0): one alert, verdict killed (deny fell back to kill); none for runc's own setuid"
assert_json "$out" '[alerts("Deny setuid root") | select(.container == null)] | length >= 1 and
	all(.[]; .verdict == null)' \
	"host setuid(0): the rule alerts (with --host) but, scoped to containers, the kernel does not act"
assert_json "$out" '[.[] | select(.type == "alert" and .verdict != null and .container == null)] | length == 0' \
	"no verdict on anything of the host's"
docker rm -f "$CID" >/dev/null 2>&1

# ---- run 2: --enforce=off ----

out=$T/off.jsonl
vigil_start "$out" -r "$RULES" --enforce=off || tap_bail "vigil starts with --enforce=off"
start_container off
assert_eq "$(output_section mount)" $'ok 0\nstatus 0' "--enforce=off: the container's mount succeeds"
tap_check "--enforce=off: the mount stays" mounted "$CPID" /mnt/vigil-kill
assert_eq "$(output_section setuid)" $'ok 0\nstatus 0' "--enforce=off: setuid(0) succeeds"
vigil_stop || tap_fail "vigil exits cleanly"
assert_json "$out" 'one(alerts("Kill mounts of vigil-kill")) | .verdict == "would kill" and
	.mechanism == "tracepoint"' "--enforce=off: the mount's alert says would kill"
assert_json "$out" 'one(alerts("Deny setuid root")) | .verdict == "would kill"' \
	"--enforce=off: the setuid alert says would kill (deny would have fallen back to kill)"
assert_json "$out" 'one(alerts("Kill ptrace attach")) | .verdict == "would kill"' \
	"--enforce=off: the ptrace alert says would kill"

# ---- run 3: SIGHUP puts a policy in force, and keeps it when the new file is bad ----

cat >"$T/alert.yaml" <<'EOF'
- rule: Mounts
  desc: a container mounts something
  condition: evt.type = mount and container.id != host
  output: mount (container=%container.id)
  priority: NOTICE
EOF
cp "$T/alert.yaml" "$T/live.yaml"
out=$T/reload.jsonl
vigil_start "$out" -r "$T/live.yaml" || tap_bail "vigil starts with an alert rule only"
start_container before-reload
assert_eq "$(output_section mount)" $'ok 0\nstatus 0' "before the reload: the container's mount succeeds"
docker rm -f "$CID" >/dev/null 2>&1

reloads() { grep -c '^vigil: rules reloaded: ' "$VIGIL_OUT.err"; }
cp "$RULES" "$T/live.yaml"
kill -HUP "$VIGIL_PID"
wait_until 20 test "$(reloads)" = 1 && tap_ok "SIGHUP: the kill rules load" ||
	tap_fail "SIGHUP: the kill rules load" "$(tail -n 20 "$VIGIL_OUT.err")"
start_container after-reload
assert_eq "$(output_section mount | grep -v '^Killed$')" "status 137" "after the reload: the container's mount is killed"
docker rm -f "$CID" >/dev/null 2>&1

# A deny rule the kernel cannot decide: the reload is refused and the policy in force stays.
cat "$RULES" - >"$T/live.yaml" <<'EOF'
- rule: Deny shells
  desc: not decidable in the kernel
  condition: evt.type = execve and proc.name = sh
  output: shell
  priority: WARNING
  action: deny
EOF
kill -HUP "$VIGIL_PID"
wait_until 20 grep -q "the rules did not reload: keeping the" "$VIGIL_OUT.err" &&
	tap_ok "SIGHUP with an undecidable deny rule: refused, the rules before are kept" ||
	tap_fail "SIGHUP with an undecidable deny rule: refused, the rules before are kept" \
		"$(tail -n 20 "$VIGIL_OUT.err")"
tap_check "... and it says which part the kernel cannot decide" \
	grep -q "rule 'Deny shells' (action: deny): \`proc.name = sh\` cannot be decided in the kernel" "$VIGIL_OUT.err"
start_container after-bad-reload
assert_eq "$(output_section mount | grep -v '^Killed$')" "status 137" "after the refused reload: still killed"
vigil_stop || tap_fail "vigil exits cleanly"

tap_done
