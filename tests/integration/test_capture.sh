#!/bin/bash
# test_capture: forensic capture and replay. Container actions recorded with --capture replay, with
# dockerd stopped, into the alerts the live run gave (names and images included), byte for byte
# the same twice; the filters and --events; the evidence file of a `capture: true` rule holds the
# events before and after its alert; rotation by age keeps N files that each replay alone; an agent
# killed with SIGKILL leaves a file that replays up to its last whole block; and damage made by the
# test (truncation, flipped bytes, a wrong magic, a newer version, an empty file) is reported with
# its offset, never a crash, every good block replayed, exit 2 only with --strict.
#
# Run: OUTPUT=build bash tests/integration/test_capture.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-capture
container_test_setup "$IMAGE"
cd "$T" || tap_bail "cd $T"

MARK=$(random_word capture)
EVMARK=$(random_word evidence)
NAME=$(random_word capture-box)
cat >rules.yaml <<EOF
- rule: Capture exec
  desc: the marked program ran
  condition: evt.type = execve and proc.args startswith "echo $MARK"
  output: "marked %proc.args by %user.name (parent %proc.pname) in %container.name (%container.image.repository)"
  priority: WARNING
- rule: Capture shadow
  desc: the shadow file was read
  condition: evt.type in (open, openat) and fd.name = /etc/shadow and container.id != host
  output: "%proc.name read %fd.name in %container.name"
  priority: ERROR
- rule: Capture evidence
  desc: the evidence marker ran; keep what happened around it
  condition: evt.type = execve and proc.args = "echo $EVMARK"
  output: "evidence %proc.args in %container.name"
  priority: CRITICAL
  capture: true
  capture_duration: {before: 5s, after: 2s}
EOF

replay() { # replay OUT ARGS... : vigil replay ARGS > OUT 2> OUT.err; returns its status
	local out=$1
	shift
	"$VIGIL_BIN" replay "$@" >"$out" 2>"$out.err"
}
rule_alerts() { # rule_alerts FILE : the rules' alerts in FILE, compact, without the live-only "capture"
	jq -c 'select(.type == "alert" and .source == "syscall") | del(.capture)' "$1"
}

# ---- live, with --capture ----

mkdir -p "$T/evidence" "$T/sync"
mkfifo "$T/sync/go"
vigil_start "$T/live.jsonl" -r rules.yaml --engine-socket "$T/docker.sock" --capture "$T/live.vcap" \
	--alert-capture-dir "$T/evidence" || tap_bail "vigil starts with --capture"
# The named container waits until the live agent knows its name (its `container` event), so that
# its alerts carry the Engine API's metadata, and the replay must bring it back from the capture.
named=$(docker run -d --network none --name "$NAME" -v "$T/sync:/sync" "$IMAGE" /bin/sh -c "
	read go </sync/go
	vigil-helper echo $MARK-1; cat /etc/shadow; exit 0" 2>&1) || tap_bail "the named container starts" "$named"
NAMED_CID=$(docker inspect -f '{{.Id}}' "$named")
has_container_event() { jq -e --arg n "$NAME" 'select(.type == "container" and .container.name == $n)' \
	"$T/live.jsonl" >/dev/null 2>&1; }
wait_until 30 has_container_event || tap_fail "the live agent announces the named container" \
	"$(tail -n 3 "$T/live.jsonl.err")"
timeout 30 sh -c 'echo go >"$1"' sh "$T/sync/go" || tap_bail "the named container goes on"
assert_eq "$(timeout 60 docker wait "$named")" 0 "named: the container exits 0"
run_container user --user 1000:1000 -- /bin/sh -c "vigil-helper echo $MARK-2; exit 0"
run_container evidence -- /bin/sh -c "
	vigil-helper echo $EVMARK-before
	vigil-helper echo $EVMARK
	vigil-helper echo $EVMARK-after
	exit 0"
EV_CID=$CID
wait_until 30 grep -q "capture on alert: wrote" "$T/live.jsonl.err" ||
	tap_fail "the evidence file is finished within 30 s" "$(tail -n 5 "$T/live.jsonl.err")"
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"
assert_eq "$(stat -c %a "$T/live.vcap")" 600 "the capture file is readable by root alone (0600)"

rule_alerts "$T/live.jsonl" >live.alerts
assert_eq "$(jq -s 'map(.rule) | sort | unique' live.alerts | jq -c .)" \
	'["Capture evidence","Capture exec","Capture shadow"]' "live: every rule fired"

# ---- replay, with the Engine API gone ----

dockerd_stop || tap_bail "dockerd stops"
replay replay1.jsonl -r rules.yaml "$T/live.vcap"
assert_eq "$?" 0 "replay exits 0"
replay replay2.jsonl -r rules.yaml "$T/live.vcap"
if cmp -s replay1.jsonl replay2.jsonl && [ -s replay1.jsonl ]; then
	tap_ok "replaying the same file twice gives byte-identical alerts"
else
	tap_fail "replaying the same file twice gives byte-identical alerts" "$(diff replay1.jsonl replay2.jsonl | head -n 5)"
fi
rule_alerts replay1.jsonl >replay.alerts
if cmp -s live.alerts replay.alerts; then
	tap_ok "the replay's alerts are the live run's, in order and field for field ($(wc -l <live.alerts) alerts)"
else
	tap_fail "the replay's alerts are the live run's, in order and field for field" \
		"$(diff <(jq -S . live.alerts) <(jq -S . replay.alerts) | head -n 20)"
fi
assert_json replay.alerts '[.[] | select(.rule == "Capture exec" and (.output | contains($m)))] | length == 1 and
	(.[0] | .container.name == $name and .container.image == $image and .container.id == $cid
	 and (.output | contains("by root (parent sh) in " + $name + " (" + $image + ")")))' \
	"replay, dockerd stopped: the container's name and image, the user's name and the parent are there" \
	--arg name "$NAME" --arg image "$IMAGE" --arg cid "${NAMED_CID:0:12}" --arg m "$MARK-1 "
assert_json replay.alerts '[.[] | select(.rule == "Capture exec" and (.output | contains($m)))] | length == 1' \
	"replay: the other container's alert too" --arg m "$MARK-2 "
assert_json replay.alerts '[.[] | select(.rule == "Capture shadow")] | length == 1 and .[0].container.name == $name' \
	"replay: the open of /etc/shadow" --arg name "$NAME"
grep -q "^vigil replay: 1 file, [0-9]* records, [0-9]* events from " replay1.jsonl.err &&
	grep -q "Capture shadow" replay1.jsonl.err && grep -q "$NAME" replay1.jsonl.err &&
	tap_ok "replay ends with a summary: records, events, time span, matches by rule, containers" ||
	tap_fail "replay ends with a summary: records, events, time span, matches by rule, containers" \
		"$(cat replay1.jsonl.err)"

"$VIGIL_BIN" replay --progress --events "$T/live.vcap" >/dev/null 2>progress.err
grep -qE 'vigil replay: \[#{30}\] 100%  file 1/1' progress.err &&
	tap_ok "--progress draws a bar on stderr that ends at 100%" ||
	tap_fail "--progress draws a bar on stderr that ends at 100%" "$(tr '\r' '\n' <progress.err | tail -n 3)"

# New rules over old data: questions the live rules did not ask.
cat >new_rules.yaml <<EOF
- rule: Tester ran something
  desc: a question the live run did not ask
  condition: evt.type = execve and group.name = tester and container.id != host
  output: "%user.name:%group.name ran %proc.args"
  priority: NOTICE
- rule: Named container exec
  desc: another
  condition: evt.type = execve and container.name = $NAME and proc.pname = sh
  output: "%proc.args in %container.name"
  priority: NOTICE
EOF
replay new.jsonl -r new_rules.yaml "$T/live.vcap"
assert_json new.jsonl '[.[] | select(.type == "alert" and .rule == "Tester ran something" and
	(.output | contains("tester:tester ran echo " + $m)))] | length == 1' \
	"replay with a rule the live run did not have: the group's name (never asked live) is in the capture" \
	--arg m "$MARK-2"
assert_json new.jsonl '[.[] | select(.type == "alert" and .rule == "Named container exec") | .output] | sort ==
	(["/etc/shadow in " + $n, "echo " + $m + " in " + $n] | sort)' \
	"... and a rule on the container's name finds both of its programs" --arg n "$NAME" --arg m "$MARK-1"

# ---- --events and the filters ----

replay events.jsonl --events "$T/live.vcap"
assert_json events.jsonl '[.[] | select(.type == "exec" and .proc.args == ["vigil-helper", "echo", $m])] | length == 1' \
	"replay --events: the events, as vigil run --events prints them" --arg m "$MARK-1"
assert_json events.jsonl '[.[] | select(.type == "alert")] | length == 0' "replay --events without -r: no alerts"
replay filtered.jsonl --events --type exec --container "$NAME" "$T/live.vcap"
assert_json filtered.jsonl 'length > 0 and all(.type == "exec" and .container.name == $name)' \
	"--type exec --container NAME: only that container's execs" --arg name "$NAME"
replay byid.jsonl --events --container "${NAMED_CID:0:8}" "$T/live.vcap"
assert_json byid.jsonl 'length > 0 and all(.container.id == $cid)' "--container ID-PREFIX: only that container's" \
	--arg cid "${NAMED_CID:0:12}"
WHEN=$(jq -r --arg m "$MARK-2" 'select(.type == "exec" and .proc.args == ["vigil-helper", "echo", $m]) | .time' events.jsonl)
replay window.jsonl --events --since "$WHEN" --until "$WHEN" "$T/live.vcap"
assert_json window.jsonl 'length >= 1 and all(.time == $t) and any(.proc.args == ["vigil-helper", "echo", $m])' \
	"--since T --until T: the events of that instant only" --arg t "$WHEN" --arg m "$MARK-2"
"$VIGIL_BIN" replay --since yesterday "$T/live.vcap" >/dev/null 2>bad.err
assert_eq "$?" 64 "--since with no time in it: a usage error"
grep -q "RFC 3339" bad.err && tap_ok "... which says what a time looks like" || tap_fail "... which says what a time looks like" "$(cat bad.err)"

# ---- the evidence of a capture: true rule ----

EVFILE=$(jq -r 'select(.type == "alert" and .rule == "Capture evidence") | .capture' "$T/live.jsonl")
assert_eq "$(dirname "$EVFILE")" "$T/evidence" "the evidence rule's alert names its file, in --alert-capture-dir"
replay evidence.jsonl --events -r rules.yaml "$EVFILE"
assert_eq "$?" 0 "the evidence file replays"
assert_json evidence.jsonl '[.[] | select(.type == "exec" and .container.id == $cid) | .proc.args[2]] as $a |
	($a | index($m + "-before")) != null and ($a | index($m)) != null and ($a | index($m + "-after")) != null' \
	"the evidence holds the exec before the alert, the alert's own and the one after it" \
	--arg m "$EVMARK" --arg cid "${EV_CID:0:12}"
assert_json evidence.jsonl '[.[] | select(.type == "alert" and .rule == "Capture evidence")] | length == 1' \
	"replayed, the evidence gives its alert again"

# ---- damage ----

SIZE=$(stat -c %s "$T/live.vcap")
FULL=$(jq -s 'length' events.jsonl)
# The blocks' offsets, read as docs/CAPTURE.md lays the file out: a 16-byte header whose last
# u32 is the JSON's length, the JSON, its CRC; then blocks of a 20-byte header (magic, compressed
# length, raw length, records, CRC) and the compressed bytes.
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
BOUNDARIES=()
off=$((16 + $(u32 "$T/live.vcap" 12) + 4))
while [ "$off" -lt "$SIZE" ]; do
	BOUNDARIES+=("$off")
	off=$((off + 20 + $(u32 "$T/live.vcap" $((off + 4)))))
done
assert_eq "$off" "$SIZE" "the blocks, walked by their lengths, end where the file ends (${#BOUNDARIES[@]} blocks)"
[ "${#BOUNDARIES[@]}" -ge 2 ] || diag "only ${#BOUNDARIES[@]} blocks: the damage tests below prove less"

prev=-1
ok_boundary=1 ok_inside=1 monotone=1
PREFIX=()  # events in the blocks before each boundary
PREFIXK=() # ... of them, the kernel's (not the container events the agent announces)
for b in "${BOUNDARIES[@]}" "$SIZE"; do
	# At a block's end the file is whole as far as it goes: nothing to report, --strict too.
	head -c "$b" "$T/live.vcap" >cut.vcap
	replay cut.jsonl --events --strict cut.vcap
	status=$?
	n=$(jq -s 'length' cut.jsonl 2>/dev/null || echo -1)
	if [ "$status" -ne 0 ] || [ "$n" -lt "$prev" ]; then
		ok_boundary=0
		diag "cut at the block boundary $b: status $status, $n events (before: $prev)" "$(tail -n 3 cut.jsonl.err)"
	fi
	[ "$n" -ge "$prev" ] || monotone=0
	prev=$n
	PREFIX+=("$n")
	PREFIXK+=("$(jq -s '[.[] | select(.type != "container")] | length' cut.jsonl 2>/dev/null || echo -1)")
	[ "$b" -lt "$SIZE" ] || break
	# Inside the next block (its header, then its data): said with the offset; --strict exits 2.
	for inside in 7 33; do
		head -c $((b + inside)) "$T/live.vcap" >cut.vcap
		replay cut.jsonl --events cut.vcap
		status=$?
		m=$(jq -s 'length' cut.jsonl 2>/dev/null || echo -1)
		replay cut.strict.jsonl --events --strict cut.vcap
		strict=$?
		if [ "$status" -ne 0 ] || [ "$strict" -ne 2 ] || [ "$m" -ne "$n" ] ||
			! grep -qE "offset $b\b" cut.jsonl.err; then
			ok_inside=0
			diag "cut at $b+$inside: status $status, --strict $strict, $m events (the blocks before: $n)" \
				"$(tail -n 3 cut.jsonl.err)"
		fi
	done
done
assert_eq "$ok_boundary" 1 "cut at every block boundary: exit 0 even with --strict, every block before it replayed"
assert_eq "$ok_inside" 1 "cut inside every block: the blocks before it replayed, the cut's offset said, --strict exits 2"
assert_eq "$monotone" 1 "each block adds events, none taken away"
assert_eq "$prev" "$FULL" "the whole file, walked block by block, gives all $FULL events"
for cut in 0 5 15 40; do
	head -c "$cut" "$T/live.vcap" >cut.vcap
	replay cut.jsonl --events cut.vcap
	status=$?
	replay cut.strict.jsonl --events --strict cut.vcap
	strict=$?
	[ "$status" -eq 0 ] && [ "$strict" -eq 2 ] && [ -s cut.jsonl.err ] && [ ! -s cut.jsonl ] &&
		tap_ok "cut at $cut bytes (in the header): said ($(head -n 1 cut.jsonl.err | cut -c1-90)), exit 0; --strict 2" ||
		tap_fail "cut at $cut bytes (in the header): said, exit 0; --strict 2" "status $status/$strict: $(cat cut.jsonl.err)"
done

# Four bytes flipped inside the last block that holds events: that block is skipped, named by its
# offset, and every other block's kernel events are replayed. (A bad block also loses the state
# records it held: events after it may lack what they needed until the next keyframe, so the exact
# count is only certain for the last; and a later keyframe may announce a container that the lost
# block's events had announced, so container events are not counted.)
big=-1 bigevents=0
for ((i = 0; i < ${#BOUNDARIES[@]}; i++)); do
	e=$((PREFIXK[i + 1] - PREFIXK[i]))
	[ "$e" -gt 0 ] && big=$i bigevents=$e
done
FULLK=$(jq -s '[.[] | select(.type != "container")] | length' events.jsonl)
cp "$T/live.vcap" flipped.vcap
printf '\xff\xff\xff\xff' | dd of=flipped.vcap bs=1 seek=$((BOUNDARIES[big] + 40)) conv=notrunc status=none
replay flipped.jsonl --events flipped.vcap
assert_eq "$?" 0 "four bytes flipped in block $((big + 1)) of ${#BOUNDARIES[@]} (the last with events): exit 0"
assert_eq "$(jq -s '[.[] | select(.type != "container")] | length' flipped.jsonl)" $((FULLK - bigevents)) \
	"... every other block's kernel events replayed: $FULLK less that block's $bigevents"
grep -q "offset ${BOUNDARIES[big]}: .*checksum" flipped.jsonl.err && tap_ok "... the bad block named by its offset" ||
	tap_fail "... the bad block named by its offset (${BOUNDARIES[big]})" "$(cat flipped.jsonl.err)"
replay flipped.strict.jsonl --events --strict flipped.vcap
assert_eq "$?" 2 "... --strict: exit 2"

cp "$T/live.vcap" magic.vcap
printf 'GIF89a!!' | dd of=magic.vcap bs=1 seek=0 conv=notrunc status=none
replay magic.jsonl --events magic.vcap
assert_eq "$?" 0 "a wrong magic: exit 0 without --strict"
grep -q "not a vigil capture" magic.jsonl.err && tap_ok "... it says it is no capture file" ||
	tap_fail "... it says it is no capture file" "$(cat magic.jsonl.err)"
replay magic.strict.jsonl --strict magic.vcap
assert_eq "$?" 2 "a wrong magic with --strict: exit 2"

cp "$T/live.vcap" newer.vcap
printf '\x09\x00' | dd of=newer.vcap bs=1 seek=8 conv=notrunc status=none
replay newer.jsonl --events newer.vcap
grep -q "newer" newer.jsonl.err && tap_ok "a newer format version: said so" || tap_fail "a newer format version: said so" "$(cat newer.jsonl.err)"

: >empty.vcap
replay empty.jsonl --events empty.vcap
assert_eq "$?" 0 "an empty file: exit 0"
grep -q "empty" empty.jsonl.err && tap_ok "... said to be empty" || tap_fail "... said to be empty" "$(cat empty.jsonl.err)"
replay missing.jsonl --events "$T/no-such.vcap"
assert_eq "$?" 1 "a file that does not exist: exit 1 (a usage error, not damage)"

# ---- rotation ----

dockerd_start || tap_bail "dockerd starts again"
loop=$(docker run -d --network none "$IMAGE" vigil-helper loop_fork_exec 1000000) || tap_bail "the loop starts" "$loop"
on_exit "docker rm -f $loop >/dev/null 2>&1"
vigil_start "$T/rot.jsonl" --no-rules --engine-socket "$T/docker.sock" --capture "$T/rot.vcap" \
	--capture-interval 1s --capture-keep 2 || tap_bail "vigil starts with rotation every second"
wait_until 30 test -e "$T/rot.vcap.2" || tap_fail "rotation: rot.vcap.2 appears" "$(ls "$T")"
vigil_stop
assert_eq "$?" 0 "vigil with rotation exits 0"
[ ! -e "$T/rot.vcap.3" ] && tap_ok "rotation keeps 2 old files (no rot.vcap.3)" ||
	tap_fail "rotation keeps 2 old files" "$(ls "$T")"
for f in rot.vcap.2 rot.vcap.1 rot.vcap; do
	replay "$f.jsonl" --events --strict "$T/$f"
	assert_eq "$?" 0 "$f replays alone, undamaged (--strict)"
	assert_json "$f.jsonl" '[.[] | select(.type == "exec" and .container.id != null)] | length > 0' \
		"$f: its events, with their containers"
done
replay all.jsonl --events "$T/rot.vcap" "$T/rot.vcap.2" "$T/rot.vcap.1"
assert_json all.jsonl '[.[].time] as $t | ($t | length) > 0 and $t == ($t | sort)' \
	"the rotated files given in any order replay in the order they were written"

# ---- an agent killed mid-capture ----

vigil_start "$T/k9.jsonl" --no-rules --engine-socket "$T/docker.sock" --capture "$T/k9.vcap" ||
	tap_bail "vigil starts with --capture"
# Several blocks written (a block is sealed every second), then SIGKILL: no chance to finish anything.
wait_until 30 test "$(stat -c %s "$T/k9.vcap" 2>/dev/null || echo 0)" -gt 60000 ||
	diag "k9.vcap is $(stat -c %s "$T/k9.vcap") bytes"
kill -KILL "$VIGIL_PID"
wait "$VIGIL_PID" 2>/dev/null
VIGIL_PID=
docker rm -f "$loop" >/dev/null 2>&1
replay killed.jsonl --events "$T/k9.vcap"
assert_eq "$?" 0 "the file of the agent killed by SIGKILL replays (exit 0)"
n=$(jq -s 'length' killed.jsonl)
[ "$n" -gt 100 ] && tap_ok "... every whole block: $n events" || tap_fail "... every whole block" "$(cat killed.jsonl.err)"
replay killed.strict.jsonl --events --strict "$T/k9.vcap"
status=$?
if grep -q "offset" killed.jsonl.err; then
	assert_eq "$status" 2 "... cut mid-block: the offset said, and --strict exits 2"
else
	assert_eq "$status" 0 "... it ended on a block's end: nothing to say, --strict exits 0"
fi

tap_done
