#!/bin/bash
# test_alerts: what happens to alerts between a match and the outputs. A burst of 1000 identical
# alerts gives the configured burst plus one summary that counts the rest exactly; several outputs
# at once, each with its minimum priority; a file output reopened on SIGHUP (logrotate's rename);
# and vigil's own health alerts: events the kernel lost while the agent was stopped, and the
# Engine API lost when dockerd stops. (Remote syslog: test_syslog.sh.)
#
# Run: OUTPUT=build bash tests/integration/test_alerts.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-alerts
container_test_setup "$IMAGE"
cd "$T" || tap_bail "cd $T"

LOW=$(random_word low)
cat >rules.yaml <<EOF
- rule: Burst exec
  desc: the bench loop's child, execed 1000 times
  condition: evt.type = execve and proc.args = "exit 0" and container.id != host
  output: burst exec of %proc.cmdline in %container.id
  priority: WARNING
- rule: Low exec
  desc: a quiet rule
  condition: evt.type = execve and proc.args = "echo $LOW"
  output: low %proc.args
  priority: DEBUG
EOF

# ---- a burst, several outputs, min-priority, a file reopened ----

# Burst 20, then one alert every 1000 s: the test sees exactly 20 of the 1000.
vigil_start "$T/out.jsonl" -r rules.yaml --engine-socket "$T/docker.sock" --rate-limit 20,0.001 -o stdout \
	-o "file:$T/alerts.jsonl" -o "file:$T/errors.jsonl,min-priority=error" ||
	tap_bail "vigil starts with three outputs"
run_container burst -- vigil-helper loop_fork_exec 1000
BURST_CID=$CID
wait_until 20 test "$(grep -c '"rule":"Burst exec"' "$T/alerts.jsonl" 2>/dev/null)" -ge 20 ||
	diag "the file output has $(grep -c '"rule":"Burst exec"' "$T/alerts.jsonl") burst alerts"
# logrotate: rename, then SIGHUP; vigil writes on into a new file of the old name.
mv "$T/alerts.jsonl" "$T/alerts.1.jsonl"
kill -HUP "$VIGIL_PID"
wait_until 20 test -e "$T/alerts.jsonl" && tap_ok "SIGHUP: the file output is opened again under its name" ||
	tap_fail "SIGHUP: the file output is opened again under its name" "$(ls "$T")"
run_container low -- vigil-helper echo "$LOW"
LOW_CID=$CID
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

JSON_SHOW='.type == "alert"'
assert_eq "$(jq -c 'select(.type == "alert" and .rule == "Burst exec" and .source == "syscall")' "$T/out.jsonl" |
	wc -l)" 20 "rate limit: 1000 matches give the burst of 20 alerts"
assert_json "$T/out.jsonl" \
	'[.[] | select(.type == "alert" and .rule == "Burst exec")] | all(.container.id == $cid)' \
	"rate limit: each of them is the burst container's" --arg cid "${BURST_CID:0:12}"
assert_json "$T/out.jsonl" \
	'[.[] | select(.type == "alert" and .source == "ratelimit")] | length == 1 and
	 (.[0] | .rule == "Burst exec" and .suppressed.count == 980 and .priority == "Warning"
	  and (.output | contains("980")) and (.output | contains($cid)))' \
	"rate limit: then one summary that counts the other 980 exactly" --arg cid "${BURST_CID:0:12}"
assert_json "$T/out.jsonl" '[.[] | select(.type == "alert" and .rule == "Low exec")] | length == 1' \
	"a rule in another container is not limited by the burst"
assert_eq "$(grep -c '"rule":"Burst exec"' "$T/alerts.1.jsonl")" 20 \
	"file output: the burst's 20 alerts in the file before the rename"
assert_json "$T/alerts.jsonl" \
	'map(select(.rule == "Low exec")) | length == 1 and .[0].container.id == $cid' \
	"file output: the alert after SIGHUP in the new file" --arg cid "${LOW_CID:0:12}"
assert_json "$T/alerts.jsonl" 'map(select(.source == "ratelimit")) | length == 1' \
	"file output: the summary too (written at exit)"
assert_json "$T/alerts.jsonl" 'all(.type == "alert")' "file output: alerts only, no events"
assert_eq "$(jq -c 'select(.priority != "Emergency" and .priority != "Alert" and .priority != "Critical" and
	.priority != "Error")' "$T/errors.jsonl" | wc -l)" 0 \
	"min-priority=error: no Warning or lower alert in that output"
assert_eq "$(wc -l <"$T/errors.jsonl")" 0 "min-priority=error: nothing at all here, where nothing was an error"
grep -q 'counters: output file:.*/alerts.jsonl written=' "$T/out.jsonl.err" &&
	tap_ok "the counters name each output" || tap_fail "the counters name each output" "$(tail -5 "$T/out.jsonl.err")"

# ---- health: events lost ----

# A 1 MiB ring and a stopped agent: the kernel drops what does not fit, and says so.
vigil_start "$T/lost.jsonl" -r rules.yaml --ringbuf-size 1 || tap_bail "vigil starts with a 1 MiB ring"
kill -STOP "$VIGIL_PID"
run_container flood -- vigil-helper loop_fork_exec 6000
kill -CONT "$VIGIL_PID"
wait_until 30 grep -q '"rule":"vigil: events lost"' "$T/lost.jsonl" ||
	diag "no events-lost alert within 30 s"
vigil_stop
assert_json "$T/lost.jsonl" '[.[] | select(.type == "alert" and .rule == "vigil: events lost")] | length >= 1 and
	(.[0] | .source == "internal" and .priority == "Error" and (.output | test("lost [0-9]+ events")))' \
	"health: the events the kernel lost are an internal alert"

# ---- health: the Engine API lost ----

vigil_start "$T/api.jsonl" -r rules.yaml --engine-socket "$T/docker.sock" || tap_bail "vigil starts"
wait_until 30 grep -q 'Engine API at .* answers' "$T/api.jsonl.err" || diag "the Engine API did not answer"
dockerd_stop
wait_until 30 grep -q '"rule":"vigil: Engine API lost"' "$T/api.jsonl" || diag "no Engine-API-lost alert within 30 s"
vigil_stop
assert_json "$T/api.jsonl" '[.[] | select(.type == "alert" and .rule == "vigil: Engine API lost")] | length == 1 and
	(.[0] | .source == "internal" and (.tags | index("health")) != null)' \
	"health: the Engine API lost is an internal alert, once"

tap_done
