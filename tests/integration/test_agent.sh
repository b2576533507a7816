#!/bin/bash
# test_agent: the agent's own behaviour around the events — what it says when it cannot run,
# `vigil probe`, --help, lost events counted by type and reported on SIGUSR1 and at exit, and
# the fork, exit and cwd of container processes.
#
# Run: OUTPUT=build bash tests/integration/test_agent.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd setpriv

HELPER=$VIGIL_HELPERS_DIR/vigil-helper
IMAGE=vigil-test-agent
[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
[ -x "$HELPER" ] || tap_bail "the helper is built" "$HELPER is missing"
ensure_tracefs || tap_bail "tracefs is mounted"
test_tmpdir || tap_bail "a temporary folder"

# ---- the command line ----

out=$("$VIGIL_BIN" --help 2>&1)
assert_eq "$?" 0 "vigil --help exits 0"
[[ $out == *"Examples:"* && $out == *"vigil run --events"* && $out == *"probe"* ]] &&
	tap_ok "vigil --help lists the commands with examples" ||
	tap_fail "vigil --help lists the commands with examples" "$out"
out=$("$VIGIL_BIN" run --help 2>&1)
[[ $out == *"--host"* && $out == *"--events"* && $out == *"Examples:"* ]] &&
	tap_ok "vigil run --help teaches --events and --host with examples" ||
	tap_fail "vigil run --help teaches --events and --host with examples" "$out"
"$VIGIL_BIN" frobnicate >/dev/null 2>&1
assert_eq "$?" 2 "an unknown command exits 2"
"$VIGIL_BIN" run --ringbuf-size 3 >/dev/null 2>"$T/bad-size.err"
assert_eq "$?" 64 "a ring buffer size that is not a power of two is a usage error"

# ---- not root: one line that says what is missing, exit 1 ----

setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$VIGIL_BIN" run --events >"$T/nonroot.out" 2>"$T/nonroot.err" </dev/null
assert_eq "$?" 1 "as nobody, vigil run exits 1"
assert_eq "$(wc -l <"$T/nonroot.err")" 1 "as nobody, it says so in one line"
grep -q 'needs root' "$T/nonroot.err" && tap_ok "the line says root is needed" ||
	tap_fail "the line says root is needed" "$(cat "$T/nonroot.err")"

# ---- vigil probe ----

out=$("$VIGIL_BIN" probe 2>&1)
assert_eq "$?" 0 "vigil probe exits 0 on this kernel"
for feature in "BTF" "BPF ring buffer" "tracefs" "BTF tracepoints" "fentry" "kprobes" \
	"BPF-LSM in the active LSM list" "BPF-LSM program loads"; do
	grep -q -- "$feature" <<<"$out" && tap_ok "vigil probe reports: $feature" ||
		tap_fail "vigil probe reports: $feature" "$out"
done
grep -Eq '^ +exec +tp_btf/sched_process_exec$' <<<"$out" &&
	tap_ok "vigil probe says exec uses tp_btf/sched_process_exec" ||
	tap_fail "vigil probe says exec uses tp_btf/sched_process_exec" "$out"
# This machine's facts: BTF tracepoints work, BPF-LSM programs are refused.
grep -Eq '^ +yes +BTF tracepoints' <<<"$out" && grep -Eq '^ +no +BPF-LSM program loads' <<<"$out" &&
	tap_ok "vigil probe finds tp_btf allowed and LSM programs refused here" ||
	tap_fail "vigil probe finds tp_btf allowed and LSM programs refused here" "$out"

# ---- a full ring buffer: every lost event counted, by type ----

# With the agent stopped, nothing drains the 1 MiB ring buffer; 5000 fork+exec+exit rounds
# (about 2 MiB of records) must overflow it.
vigil_start "$T/drops.jsonl" --host --ringbuf-size 1 || tap_bail "vigil starts with a 1 MiB ring buffer"
kill -STOP "$VIGIL_PID"
"$HELPER" spawn 5000
spawn_status=$?
kill -CONT "$VIGIL_PID"
assert_eq "$spawn_status" 0 "5000 processes ran while the agent was stopped"
kill -USR1 "$VIGIL_PID"
counters_printed() { grep -q '^vigil: counters: exec ' "$T/drops.jsonl.err"; }
wait_until 20 counters_printed && tap_ok "SIGUSR1 prints the counters without stopping" ||
	tap_fail "SIGUSR1 prints the counters without stopping" "$(cat "$T/drops.jsonl.err")"
pid_alive "$VIGIL_PID" && tap_ok "the agent runs on after SIGUSR1" || tap_fail "the agent runs on after SIGUSR1"
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT after drops"
# The last report (at exit) of each type: emitted, dropped, received.
counter() { # TYPE FIELD
	grep "^vigil: counters: $1 " "$T/drops.jsonl.err" | tail -n 1 | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}
exec_dropped=$(counter exec dropped)
[ "${exec_dropped:-0}" -gt 0 ] && tap_ok "exec drops are counted ($exec_dropped)" ||
	tap_fail "exec drops are counted" "$(cat "$T/drops.jsonl.err")"
[ "$(counter exit dropped)" -gt 0 ] && tap_ok "exit drops are counted by type" ||
	tap_fail "exit drops are counted by type" "$(cat "$T/drops.jsonl.err")"
grep -q 'events were lost because the ring buffer was full' "$T/drops.jsonl.err" &&
	tap_ok "the agent warns that events were lost" ||
	tap_fail "the agent warns that events were lost" "$(cat "$T/drops.jsonl.err")"
# Nothing is lost between the ring buffer and the output: what the kernel wrote was received,
# and every exec received was printed (host monitoring is on).
assert_eq "$(counter exec received)" "$(counter exec emitted)" "every exec the kernel wrote was received"
printed=$(jq -s '[.[] | select(.type == "exec")] | length' "$T/drops.jsonl")
assert_eq "$printed" "$(counter exec received)" "every exec received was printed"
spawned=$(jq -s '[.[] | select(.type == "exec" and .proc.args == ["vigil-helper","exit","0"])] | length' "$T/drops.jsonl")
[ "$spawned" -lt 5000 ] && [ "$spawned" -gt 0 ] &&
	tap_ok "some of the 5000 execs were reported, the rest counted as dropped ($spawned reported)" ||
	tap_fail "some of the 5000 execs were reported, the rest counted as dropped" "reported: $spawned"

# ---- fork, exit and cwd in a container ----

dockerd_start || tap_bail "a private dockerd starts"
image_build "$IMAGE" || tap_bail "the test image builds"
vigil_start "$T/life.jsonl" || tap_bail "vigil starts"
word=$(random_word life)
cid=$(docker run -d --network none -w /home/tester "$IMAGE" /bin/sh -c \
	"vigil-helper echo $word; cd /tmp && vigil-helper exit 3; exit 0" 2>&1) || tap_bail "docker run" "$cid"
assert_eq "$(timeout 60 docker wait "$cid")" 0 "the container script exits 0"
cid=$(docker inspect -f '{{.Id}}' "$cid")
vigil_stop
assert_eq "$?" 0 "vigil exits 0"

JSON_SHOW='.container.full_id? == "'"$cid"'"'
JSON_DEFS='
	def in_container($cid): .[] | select(.container.full_id? == $cid);
	def echo_exec($cid; $w): in_container($cid) | select(.type == "exec" and .proc.args[2]? == $w);
	def exit3_exec($cid): in_container($cid) | select(.type == "exec" and .proc.args == ["vigil-helper","exit","3"]);'
jq_args=(--arg cid "$cid" --arg w "$word")
assert_json "$T/life.jsonl" 'first(echo_exec($cid; $w)) | .proc.cwd == "/home/tester"' \
	"an exec's cwd is the working directory as the container sees it" "${jq_args[@]}"
assert_json "$T/life.jsonl" 'first(exit3_exec($cid)) | .proc.cwd == "/tmp"' \
	"after cd, the cwd follows" "${jq_args[@]}"
assert_json "$T/life.jsonl" 'first(exit3_exec($cid)).proc.pid as $p |
	any(in_container($cid); .type == "fork" and .fork.child_pid == $p and .proc.comm == "sh")' \
	"the shell's fork of that process is reported, naming the child" "${jq_args[@]}"
assert_json "$T/life.jsonl" 'first(exit3_exec($cid)).proc.pid as $p |
	[in_container($cid) | select(.type == "exit" and .proc.pid == $p)] |
	length == 1 and .[0].exit.code == 3 and .[0].exit.signal == 0 and .[0].proc.exe == "/bin/vigil-helper"' \
	"its exit is reported once, with code 3 and the exe it ran" "${jq_args[@]}"
assert_json "$T/life.jsonl" 'first(echo_exec($cid; $w)) | .proc.vpid > 0 and .proc.vpid < .proc.pid
	and .ns.pid != 4026531836' \
	"the pid inside the container's pid namespace and that namespace are reported" "${jq_args[@]}"
assert_json "$T/life.jsonl" '[.[] | select(.container == null)] | length == 0' \
	"without --host, no host process is reported" "${jq_args[@]}"

tap_done
