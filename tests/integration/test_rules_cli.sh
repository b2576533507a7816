#!/bin/bash
# test_rules_cli: rules from the command line to alerts. `vigil rules check` names every problem
# as file:line:column and exits 1 on any; `vigil run` refuses a bad rules file before it loads
# anything; a rule fires one alert, with its output, fields and the event as --events prints it,
# for a real container's exec, and a rule on the container events for its start; rules on a
# capability, a socket family (the kernel's masks widened) and fd.l4proto; SIGHUP swaps
# in a changed file (the new rule fires, the old one stops) and keeps the old rules when the file
# is broken; a rule on a path outside the default watch list sees an open of it in a container
# (the kernel's watch list is fed from the rules: another path under /opt is not reported), also
# when a SIGHUP adds the rule.
#
# Run: OUTPUT=build bash tests/integration/test_rules_cli.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-rules
container_test_setup "$IMAGE"

# ---- vigil rules check ----

cd "$T" || tap_bail "cd $T"

cat >good.yaml <<'EOF'
- macro: is_helper
  condition: proc.name = vigil-helper
- list: shell_names
  items: [sh, ash]
- rule: Helper runs
  desc: the test helper runs
  condition: evt.type = execve and is_helper
  output: helper %proc.args
  priority: WARNING
- rule: Shell runs
  desc: a shell runs
  condition: evt.type = execve and proc.name in (shell_names)
  output: shell
  priority: NOTICE
  enabled: false
EOF
out=$("$VIGIL_BIN" rules check good.yaml 2>"$T/check.err")
assert_eq "$?" 0 "rules check: a good file exits 0"
assert_eq "$out" "loaded   Warning       Helper runs [exec]
disabled Notice        Shell runs [exec]
2 rules: 1 loaded, 1 disabled, 0 skipped, 0 failed; 1 macros, 1 lists" \
	"rules check: one line per rule (status, priority, name, event types), then the summary"
assert_eq "$(cat "$T/check.err")" "" "rules check: a good file gives no message"

# Line 3, column 36: proc.nme; line 9, column 46: >=; line 15: the skipped rule's unknown field.
cat >bad.yaml <<'EOF'
- rule: Typo
  desc: a misspelt field
  condition: evt.type = execve and proc.nme = sh
  output: never
  priority: WARNING
- rule: Order on a string
  desc: a string compared as a number
  condition: evt.type = execve and proc.name >= 3
  output: never
  priority: ERROR
- rule: Fine
  desc: this one compiles
  condition: evt.type = execve and proc.name = sh
  output: sh
  priority: NOTICE
- rule: Maybe later
  desc: skipped, not failed
  condition: evt.type = execve and proc.nope = 1
  output: never
  priority: INFO
  skip-if-unknown-filter: true
EOF
out=$("$VIGIL_BIN" rules check bad.yaml 2>"$T/check.err")
assert_eq "$?" 1 "rules check: a file with failed rules exits 1"
lines=$(sed 's/: \(unknown field\|.>=. compares\).*/: \1/' <<<"$out")
assert_eq "$lines" "FAILED   Warning       Typo: bad.yaml:3:36: rule 'Typo': unknown field
FAILED   Error         Order on a string: bad.yaml:8:46: rule 'Order on a string': '>=' compares
loaded   Notice        Fine [exec]
skipped  Informational Maybe later: bad.yaml:18:36: rule 'Maybe later': unknown field
4 rules: 1 loaded, 0 disabled, 1 skipped, 2 failed; 0 macros, 0 lists" \
	"rules check: each failed or skipped rule with file:line:column and what"
grep -qx "vigil: error: bad.yaml:3:36: rule 'Typo': unknown field 'proc.nme'.*" "$T/check.err" &&
	grep -qx "vigil: error: bad.yaml:8:46: .*" "$T/check.err" &&
	grep -qx "vigil: warning: bad.yaml:18:36: .*" "$T/check.err" &&
	tap_ok "rules check: the errors and the warning on stderr too, as vigil run prints them" ||
	tap_fail "rules check: the errors and the warning on stderr too, as vigil run prints them" "$(cat "$T/check.err")"

out=$("$VIGIL_BIN" rules check --json good.yaml bad.yaml 2>/dev/null)
assert_eq "$?" 1 "rules check --json: exits 1 when a rule failed"
jq -se '.[:-1] | length == 6 and all(.type == "rule") and (.[0] | .rule == "Helper runs" and .status == "loaded"
	and .priority == "Warning" and .events == ["exec"] and .file == "good.yaml" and .line == 5)
	and (.[2] | .status == "FAILED" and (.error | startswith("bad.yaml:3:36: ")))' <<<"$out" >/dev/null &&
	jq -se '.[-1] | .type == "summary" and .rules == 6 and .loaded == 2 and .failed == 2 and .skipped == 1
		and .disabled == 1 and .macros == 1 and .lists == 1' <<<"$out" >/dev/null &&
	tap_ok "rules check --json: one object per rule, then the summary" ||
	tap_fail "rules check --json: one object per rule, then the summary" "$out"

# A file the loader refuses: an item without its output, a priority that is none.
cat >unloadable.yaml <<'EOF'
- rule: No output
  desc: d
  condition: evt.type = execve
  priority: WARNING
- rule: Loud
  desc: d
  condition: evt.type = execve
  output: o
  priority: LOUD
EOF
out=$("$VIGIL_BIN" rules check unloadable.yaml 2>"$T/check.err")
assert_eq "$?" 1 "rules check: a file the loader refuses exits 1"
assert_eq "$(sed 's/\(priority .LOUD.\).*/\1/' "$T/check.err")" "vigil: error: unloadable.yaml:1:3: rule 'No output': 'output' is missing
vigil: error: unloadable.yaml:9:13: rule 'Loud': unknown priority 'LOUD'" \
	"rules check: the loader's errors with file:line:column"
"$VIGIL_BIN" rules check missing.yaml >/dev/null 2>"$T/check.err"
assert_eq "$?" 1 "rules check: a file that does not exist exits 1"
grep -q '^vigil: error: missing.yaml: ' "$T/check.err" && tap_ok "rules check: and names it" ||
	tap_fail "rules check: and names it" "$(cat "$T/check.err")"

# ---- vigil run refuses a bad rules file before it loads anything ----

"$VIGIL_BIN" run -r good.yaml -r bad.yaml --events >"$T/refused.out" 2>"$T/refused.err" </dev/null
assert_eq "$?" 1 "vigil run -r bad.yaml exits 1"
# Only the rules' messages and the refusal: no Engine API, no BPF, no "ready".
assert_eq "$(sed 's/\(: rule .[^:]*\): .*/\1/' "$T/refused.err")" "vigil: error: bad.yaml:3:36: rule 'Typo'
vigil: error: bad.yaml:8:46: rule 'Order on a string'
vigil: warning: bad.yaml:18:36: rule 'Maybe later'
vigil: error: vigil run refuses to start on a bad rules file (\`vigil rules check FILE...\` lists every problem)" \
	"vigil run prints every problem with file:line:column and refuses before loading anything"
assert_eq "$(wc -c <"$T/refused.out")" 0 "vigil run -r bad.yaml writes nothing on stdout"

# ---- an alert from a real container ----

M1=$(random_word mark1)
M2=$(random_word mark2)
W1=$(random_word vigiltest1)
W2=$(random_word vigiltest2)
NAME=$(random_word rules-test)

# rules_v1: the helper with marker 1, a path under /opt/$W1, the start of container $NAME, a
# capability and a socket family the kernel does not report by default, a TCP connect.
rules_v1() {
	cat <<EOF
- rule: Helper with marker 1
  desc: the test helper runs with marker 1
  condition: evt.type = execve and proc.name = vigil-helper and proc.args contains $M1
  output: "helper %proc.name ran %proc.args in %container.id"
  priority: WARNING
  tags: [test, exec]
- rule: Open below W1
  desc: an open below /opt/$W1
  condition: fd.name startswith /opt/$W1/
  output: "opened %fd.name"
  priority: ERROR
- rule: Test container starts
  desc: the test's container starts
  condition: evt.type = container and container.action = start and container.name = $NAME
  output: "container %container.name started"
  priority: NOTICE
- rule: Chown
  desc: a CAP_CHOWN check, which the kernel does not report by default
  condition: evt.type = capable and evt.arg.cap = CAP_CHOWN and proc.name = chown
  output: "%proc.name uses %evt.arg.cap"
  priority: NOTICE
- rule: Inet socket
  desc: socket(AF_INET), which the kernel does not report by default
  condition: evt.type = socket and evt.arg.domain = AF_INET and proc.name = vigil-helper
  output: "socket %evt.arg.domain"
  priority: NOTICE
- rule: TCP connect
  desc: a TCP connect of the helper's
  condition: evt.type = connect and fd.l4proto = tcp and proc.name = vigil-helper
  output: "%fd.l4proto connect to %fd.name"
  priority: NOTICE
EOF
}
# rules_v2: marker 2 instead of marker 1, a path under /opt/$W2 as well.
rules_v2() {
	rules_v1 | sed "s/$M1/$M2/; s/marker 1/marker 2/g"
	cat <<EOF
- rule: Open below W2
  desc: an open below /opt/$W2
  condition: fd.name startswith /opt/$W2/
  output: "opened %fd.name"
  priority: ERROR
EOF
}
# install FILE: replaces the live rules file in one rename, as an editor does.
install_rules() {
	cp "$1" "$T/live.yaml.tmp" && mv "$T/live.yaml.tmp" "$T/live.yaml"
}
rules_v1 >"$T/v1.yaml"
rules_v2 >"$T/v2.yaml"
install_rules "$T/v1.yaml"

out=$T/rules.jsonl
vigil_start "$out" -r "$T/live.yaml" --engine-socket "$T/docker.sock" || tap_bail "vigil starts with the rules"
grep -q '^vigil: rules: 6 loaded, 0 disabled, 0 skipped, from ' "$out.err" &&
	tap_ok "vigil run says how many rules it loaded" ||
	tap_fail "vigil run says how many rules it loaded" "$(cat "$out.err")"
grep -q '^vigil: kernel filters for the rules: 1 path prefixes, 0 file names; capabilities: CAP_CHOWN; socket families: AF_INET$' "$out.err" &&
	tap_ok "vigil run says what the rules add to the kernel's filters" ||
	tap_fail "vigil run says what the rules add to the kernel's filters" "$(cat "$out.err")"

# alerts_of RULE: how many alerts of RULE the output holds.
alerts_of() {
	jq -s --arg r "$1" '[.[] | select(.type == "alert" and .rule == $r)] | length' "$out" 2>/dev/null
}
# alert_seen RULE TEXT: an alert of RULE whose output holds TEXT is in the output.
alert_seen() {
	jq -se --arg r "$1" --arg t "$2" 'any(.[]; .type == "alert" and .rule == $r and (.output | contains($t)))' \
		"$out" >/dev/null 2>&1
}

run_container one --name "$NAME" -- /bin/sh -c "
	vigil-helper echo $M1
	mkdir -p /opt/$W1 /opt/$W1-not && vigil-helper open /opt/$W1/secret w,creat && vigil-helper open /opt/$W1-not/x w,creat
	touch /tmp/owned && chown 1000 /tmp/owned
	vigil-helper socket inet dgram
	vigil-helper connect_inet 127.0.0.1 1
	exit 0"
cid=$CID
wait_until 20 alert_seen "Helper with marker 1" "$M1" && tap_ok "the rule fires for the container's exec" ||
	tap_fail "the rule fires for the container's exec" "$(tail -n 20 "$out.err")"
wait_until 20 alert_seen "Open below W1" "/opt/$W1/secret" && tap_ok "the path rule fires for the open" ||
	tap_fail "the path rule fires for the open"
wait_until 20 alert_seen "Test container starts" "$NAME" &&
	tap_ok "the container rule fires for the container's start" ||
	tap_fail "the container rule fires for the container's start"
# The connect is the container's last move: once its alert is out, so are the others'.
wait_until 20 alert_seen "TCP connect" "127.0.0.1:1" && tap_ok "the connect rule fires" ||
	tap_fail "the connect rule fires"

JSON_SHOW='.type == "alert"'
a=(--arg cid "$cid" --arg m "$M1" --arg w "$W1" --arg name "$NAME")
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Helper with marker 1")] | length == 1 and (.[0] |
	.priority == "Warning" and .tags == ["test", "exec"] and .source == "syscall" and .action == "alert"
	and .output == "helper vigil-helper ran echo \($m) in \($cid[0:12])"
	and .output_fields == {"proc.name": "vigil-helper", "proc.args": "echo \($m)", "container.id": $cid[0:12]}
	and .time == .event.time and (.time | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{9}Z$")))' \
	"one alert: rule, priority, tags, source, action, output, output_fields, time" "${a[@]}"
assert_json "$out" '(.[] | select(.type == "alert" and .rule == "Helper with marker 1") | .event) as $e |
	[.[] | select(.type == "exec" and .container.full_id? == $cid and (.proc.args | index($m)))] |
	length == 1 and .[0] == $e' \
	"the alert's event is the exec event exactly as --events printed it" "${a[@]}"
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Open below W1")] | length == 1 and (.[0] |
	.priority == "Error" and .output == "opened /opt/\($w)/secret" and .event.container.full_id == $cid
	and .event.proc.comm == "vigil-helper")' \
	"an open below /opt/$W1 (no default watch) fires the path rule: the rules fed the kernel's watch list" "${a[@]}"
assert_json "$out" '[.[] | select(.container.full_id? == $cid and (.type | startswith("open"))
	and (tostring | contains("/opt/\($w)-not/")))] | length == 0' \
	"the open of /opt/$W1-not/x, which no rule names, is not reported at all" "${a[@]}"
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Test container starts")] | length == 1 and (.[0] |
	.output == "container \($name) started" and .event.type == "container" and .event.action == "start"
	and .event.container.full_id == $cid)' \
	"the container's start fires the container rule, the announcement as its event" "${a[@]}"

assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Chown" and .event.container.full_id == $cid)] |
	length >= 1 and (.[0] | .output == "chown uses CAP_CHOWN" and .event.capable.cap == "CAP_CHOWN")' \
	"a rule on CAP_CHOWN sees the container's chown: the rules widened the kernel's capability mask" "${a[@]}"
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Inet socket" and .event.container.full_id == $cid
	and .event.proc.args[1] == "socket")] | length == 1 and (.[0] | .output == "socket AF_INET"
	and .event.socket.type == "SOCK_DGRAM")' \
	"a rule on AF_INET sees the container's socket(): the rules widened the kernel's family mask" "${a[@]}"
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "TCP connect" and .event.container.full_id == $cid)] |
	length == 1 and (.[0] | .output == "tcp connect to 127.0.0.1:1"
	and .event.connect.sock_type == "SOCK_STREAM" and .event.connect.protocol == 6)' \
	"fd.l4proto: the connect records its socket's type and protocol" "${a[@]}"

# ---- SIGHUP: the changed file ----

install_rules "$T/v2.yaml"
reloads() { grep -c '^vigil: rules reloaded: ' "$out.err"; }
kill -HUP "$VIGIL_PID"
wait_until 20 test "$(reloads)" = 1 && tap_ok "SIGHUP: the changed file loads" ||
	tap_fail "SIGHUP: the changed file loads" "$(tail -n 20 "$out.err")"
grep -q '^vigil: rules reloaded: 7 loaded, 0 disabled, 0 skipped, from ' "$out.err" &&
	tap_ok "SIGHUP: vigil says what it loaded" || tap_fail "SIGHUP: vigil says what it loaded" "$(cat "$out.err")"

run_container two -- /bin/sh -c "
	vigil-helper echo $M1-again
	mkdir -p /opt/$W2 && vigil-helper open /opt/$W2/secret w,creat
	vigil-helper echo $M2
	exit 0"
cid2=$CID
wait_until 20 alert_seen "Helper with marker 2" "$M2" && tap_ok "SIGHUP: the new rule fires" ||
	tap_fail "SIGHUP: the new rule fires" "$(tail -n 20 "$out.err")"
# The marker-2 exec came after the marker-1 one, and events are handled in order: an alert of the
# old rule would be in the output by now.
assert_eq "$(alerts_of "Helper with marker 1")" 1 "SIGHUP: the old rule no longer fires"
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Open below W2")] | length == 1 and (.[0] |
	.output == "opened /opt/\($w)/secret" and .event.container.full_id == $cid)' \
	"SIGHUP: a rule on a new path (/opt/$W2) sees the open: the reload fed the kernel's watch list" \
	--arg cid "$cid2" --arg w "$W2"

# ---- SIGHUP: a broken file keeps the old rules ----

sed 's/proc.name = vigil-helper/proc.nme = vigil-helper/' "$T/v2.yaml" >"$T/broken.yaml"
install_rules "$T/broken.yaml"
kept() { grep -q '^vigil: error: the rules did not reload: keeping the 7 rules loaded before$' "$out.err"; }
kill -HUP "$VIGIL_PID"
wait_until 20 kept && tap_ok "SIGHUP: a broken file is refused and the 7 rules loaded before are kept" ||
	tap_fail "SIGHUP: a broken file is refused and the 7 rules loaded before are kept" "$(tail -n 20 "$out.err")"
grep -q "^vigil: error: $T/live.yaml:3:[0-9]*: rule 'Helper with marker 2': unknown field 'proc.nme'" "$out.err" &&
	tap_ok "SIGHUP: the broken file's error is logged with file:line:column" ||
	tap_fail "SIGHUP: the broken file's error is logged with file:line:column" "$(tail -n 20 "$out.err")"
run_container three -- vigil-helper echo "$M2-still"
wait_until 20 alert_seen "Helper with marker 2" "$M2-still" && tap_ok "SIGHUP: the old rule still fires" ||
	tap_fail "SIGHUP: the old rule still fires" "$(tail -n 20 "$out.err")"
pid_alive "$VIGIL_PID" && tap_ok "the agent runs on" || tap_fail "the agent runs on"

vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"
grep -q '^vigil: counters: .* alerts=[1-9]' "$out.err" && tap_ok "the counters count the alerts" ||
	tap_fail "the counters count the alerts" "$(tail -n 5 "$out.err")"

tap_done
