#!/bin/bash
# test_config: the config file. `vigil config check` says "FILE: ok" and the settings for a good
# file (the example deploy/vigil.yaml included) and exits 0, names every problem of a bad one as
# file:line:column and exits 1; `vigil run --config FILE` runs with the file's rules and outputs
# (an alert for a host exec, with `host: true`, lands in the file output the config names), an
# option on the command line wins over the file's, and a bad or missing config stops it before it
# starts. No containers: the agent runs with `no-engine: true` and watches the host.
#
# Run: OUTPUT=build bash tests/integration/test_config.sh   (root; needs build/vigil)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq

[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
ensure_tracefs || tap_bail "tracefs is mounted"
test_tmpdir || tap_bail "a temporary folder"
cd "$T" || tap_bail "cd $T"

WORD=$(random_word cfg)

# ---- vigil config check ----

cat >rules.yaml <<EOF
- rule: Config host exec
  desc: a host process runs with the test's word
  condition: evt.type = execve and proc.args contains "$WORD"
  output: exec %proc.name %proc.args
  priority: WARNING
EOF
cat >good.yaml <<EOF
# a config for the test
rules: $T/rules.yaml
output:
  - file:$T/alerts.jsonl
host: true
no-engine: true
enforce: off
EOF
out=$("$VIGIL_BIN" config check good.yaml 2>check.err)
assert_eq "$?" 0 "config check: a good file exits 0"
assert_eq "$(sed -n 1p <<<"$out")" "good.yaml: ok" "config check: it says the file is ok"
# In the table's order (vigil run --help's).
assert_eq "$(grep -E '^(rules|output|host|enforce|events|rate-limit):' <<<"$out")" "events: false
host: true
rules: [$T/rules.yaml]
enforce: off
output: [file:$T/alerts.jsonl]
rate-limit: 20,1" "config check: the effective settings, the file's and the defaults"
assert_eq "$(cat check.err)" "" "config check: a good file gives no message"

cat >bad.yaml <<'EOF'
hots: true
enforce: maybe
output:
  - stdout:json
  - pigeon:coop
host: true
host: false
ringbuf-size:
  mib: 8
no-rules: true
EOF
"$VIGIL_BIN" config check bad.yaml >check.out 2>check.err
assert_eq "$?" 1 "config check: a bad file exits 1"
assert_eq "$(cat check.err)" "vigil: error: bad.yaml:1:1: unknown key 'hots': vigil run has no such option; did you mean 'host'?
vigil: error: bad.yaml:2:10: --enforce is on or off, not 'maybe'
vigil: error: bad.yaml:5:5: unknown output kind \"pigeon\" (stdout, file, syslog, syslog-udp, syslog-tcp)
vigil: error: bad.yaml:7:1: duplicate key 'host' (first at line 6, column 1)
vigil: error: bad.yaml:9:3: 'ringbuf-size' takes one value (MIB), not a mapping" \
	"config check: every problem, as file:line:column: what"
assert_eq "$(cat check.out)" "" "config check: nothing on stdout for a bad file"

cat >badrules.yaml <<EOF
rules: [$T/missing_rules.yaml]
EOF
"$VIGIL_BIN" config check badrules.yaml >check.out 2>check.err
assert_eq "$?" 1 "config check: a config whose rules file is missing exits 1"
assert_eq "$(cat check.err)" "vigil: error: $T/missing_rules.yaml: cannot open: No such file or directory
vigil: error: badrules.yaml: the rules files it names do not load" "config check: it says which rules file"

"$VIGIL_BIN" config check "$T/nonexistent.yaml" >check.out 2>check.err
assert_eq "$?" 1 "config check: a missing file exits 1"
assert_eq "$(cat check.err)" "vigil: error: $T/nonexistent.yaml: cannot read it: No such file or directory" \
	"config check: a missing file is named"

# The example, with the repository's rules standing in for /etc/vigil's.
out=$("$VIGIL_BIN" config check --rules-dir "$VIGIL_REPO/rules" "$VIGIL_REPO/deploy/vigil.yaml" 2>check.err)
assert_eq "$?" 0 "config check: deploy/vigil.yaml passes" || diag_file check.err
assert_eq "$(sed -n 1p <<<"$out")" "$VIGIL_REPO/deploy/vigil.yaml: ok" "config check: the example is ok"

# ---- vigil run refuses a bad config ----

timeout 30 "$VIGIL_BIN" run --config bad.yaml >run.out 2>run.err
status=$?
assert_eq "$status" 1 "run: a bad config exits 1"
assert_eq "$(grep -c '^vigil: error: bad.yaml:' run.err)" 5 "run: it prints every problem of the config" ||
	diag_file run.err
assert_eq "$(grep -c 'ready' run.err)" 0 "run: it does not start"

timeout 30 "$VIGIL_BIN" run --config "$T/nonexistent.yaml" >run.out 2>run.err
assert_eq "$?" 1 "run: --config with a missing file exits 1"
assert_eq "$(cat run.err)" "vigil: error: $T/nonexistent.yaml: cannot read it: No such file or directory" \
	"run: it names the missing file"

timeout 30 "$VIGIL_BIN" run --config good.yaml --enforce=maybe >run.out 2>run.err
assert_eq "$?" 64 "run: a bad value on the command line is a usage error"
assert_eq "$(grep -c -- "--enforce is on or off, not 'maybe'" run.err)" 1 "run: the flag's sentence, as in a file"

# ---- vigil run with the config ----

# vigil_start OUTFILE ARG... without its --no-rules: the rules are the config's.
config_vigil_start() {
	VIGIL_OUT=$1
	shift
	: >"$VIGIL_OUT"
	: >"$VIGIL_OUT.err"
	env --default-signal=INT,QUIT "$VIGIL_BIN" run "$@" </dev/null >"$VIGIL_OUT" 2>"$VIGIL_OUT.err" &
	VIGIL_PID=$!
	if [ -z "$_LIB_VIGIL_CLEANUP" ]; then
		on_exit _lib_vigil_kill
		_LIB_VIGIL_CLEANUP=1
	fi
	if ! wait_until 30 _lib_vigil_ready; then
		diag "vigil did not get ready: $VIGIL_BIN run $*"
		diag_file "$VIGIL_OUT.err" 30
		_lib_vigil_kill
		return 1
	fi
}

config_vigil_start "$T/run1" --config good.yaml || tap_bail "run: the agent starts with the config"
assert_eq "$(grep -c "^vigil: settings from good.yaml" "$T/run1.err")" 1 "run: it says where its settings are from"
/bin/echo "$WORD" one >/dev/null
wait_until 10 grep -q "$WORD" "$T/alerts.jsonl" || diag "no alert in $T/alerts.jsonl yet"
vigil_stop
assert_eq "$?" 0 "run: the agent stops cleanly"
assert_json "$T/alerts.jsonl" \
	'[.[] | select(.type == "alert" and .rule == "Config host exec" and (.output | contains($w + " one")))] | length == 1' \
	"run: the config's rule fired for a host exec (host: true), into the config's file output" --arg w "$WORD"
assert_eq "$(grep -c "Config host exec" "$T/run1")" 0 "run: no alert on stdout (the config's outputs replace the default)"

# The command line over the file: -o replaces the file's outputs, --enforce the file's enforce.
: >"$T/alerts.jsonl"
config_vigil_start "$T/run2" --config good.yaml -o "file:$T/cli.jsonl" || tap_bail "run: the agent starts with the config and -o"
/bin/echo "$WORD" two >/dev/null
wait_until 10 grep -q "$WORD" "$T/cli.jsonl" || diag "no alert in $T/cli.jsonl yet"
vigil_stop
assert_eq "$?" 0 "run: the agent stops cleanly (-o over the config)"
assert_json "$T/cli.jsonl" \
	'[.[] | select(.type == "alert" and .rule == "Config host exec" and (.output | contains($w + " two")))] | length == 1' \
	"run: -o on the command line receives the alert" --arg w "$WORD"
assert_eq "$(grep -c "$WORD" "$T/alerts.jsonl")" 0 "run: the config's output, replaced by -o, receives nothing"

tap_done
