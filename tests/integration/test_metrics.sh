#!/bin/bash
# test_metrics: --metrics-address. /metrics in the Prometheus text format counts a host exec and
# the alert of the rule it fires (a rule name with quotes and a backslash, escaped), /healthz
# answers 200 while the loop turns, anything else is 404; an address that is not loopback, or
# one in use, stops vigil at start with exit 1. No containers: host processes only (--host).
#
# Run: OUTPUT=build bash tests/integration/test_metrics.sh   (root; needs build/vigil and curl)

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd curl ss

[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
ensure_tracefs || tap_bail "tracefs is mounted"
test_tmpdir || tap_bail "a temporary folder"

# A TCP port nothing listens on now, from a range no other test uses.
free_port() {
	local port used
	used=$(ss -Hltn | awk '{print $4}')
	for _ in $(seq 50); do
		port=$((30000 + RANDOM % 20000))
		grep -q ":$port\$" <<<"$used" || {
			echo "$port"
			return 0
		}
	done
	return 1
}
PORT=$(free_port) || tap_bail "a free TCP port"
URL=http://127.0.0.1:$PORT

# ---- refused at start ----

"$VIGIL_BIN" run --no-rules --no-engine --metrics-address "0.0.0.0:$PORT" \
	</dev/null >/dev/null 2>"$T/any.err"
assert_eq "$?" 1 "a metrics address that is not loopback: vigil exits 1"
grep -q 'not a loopback address' "$T/any.err" && tap_ok "and says it is not a loopback address" ||
	tap_fail "and says it is not a loopback address" "$(cat "$T/any.err")"
"$VIGIL_BIN" run --no-rules --no-engine --metrics-address "localhost:$PORT" \
	</dev/null >/dev/null 2>"$T/name.err"
assert_eq "$?" 1 "a host name as the metrics address: vigil exits 1"

# ---- a running agent ----

MARK=$(random_word metrics)
cat >"$T/rules.yaml" <<EOF
- rule: 'Metrics "exec" \ $MARK'
  desc: the test's own exec, with its marker
  condition: evt.type = execve and proc.args contains $MARK and proc.name = true
  output: "marked exec %proc.args"
  priority: WARNING
EOF
vigil_start "$T/run.jsonl" -r "$T/rules.yaml" --host --no-engine --no-rate-limit \
	--metrics-address "127.0.0.1:$PORT" || tap_bail "vigil starts with --metrics-address 127.0.0.1:$PORT"
grep -q "metrics: $URL/metrics" "$T/run.jsonl.err" && tap_ok "it says where the metrics are" ||
	tap_fail "it says where the metrics are" "$(cat "$T/run.jsonl.err")"

status=$(curl -s -o "$T/healthz" -w '%{http_code}' "$URL/healthz")
assert_eq "$status" 200 "/healthz answers 200"
assert_eq "$(cat "$T/healthz")" ok "/healthz says ok"

/bin/true "$MARK"
alerted() { grep -q "marked exec" "$T/run.jsonl"; }
wait_until 20 alerted && tap_ok "the rule fires on the host exec" ||
	tap_fail "the rule fires on the host exec" "$(tail -5 "$T/run.jsonl")"

# Published once a second: wait for a scrape that has the alert.
scrape() { curl -s -D "$T/metrics.headers" -o "$T/metrics" "$URL/metrics"; }
counted() {
	scrape && grep -qF "vigil_alerts_total{rule=\"Metrics \\\"exec\\\" \\\\ $MARK\",priority=\"Warning\"} 1" \
		"$T/metrics"
}
wait_until 20 counted && tap_ok "vigil_alerts_total counts the rule's alert, its name escaped" ||
	tap_fail "vigil_alerts_total counts the rule's alert, its name escaped" "$(grep -a alerts_total "$T/metrics")"

value() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics"; }
exec_received=$(value 'vigil_events_total{type="exec"}')
[ "${exec_received:-0}" -gt 0 ] && tap_ok "vigil_events_total{type=\"exec\"} > 0 ($exec_received)" ||
	tap_fail "vigil_events_total{type=\"exec\"} > 0" "$(grep -a events_total "$T/metrics")"
exec_emitted=$(value 'vigil_kernel_events_emitted_total{type="exec"}')
[ "${exec_emitted:-0}" -ge "${exec_received:-0}" ] && [ "${exec_emitted:-0}" -gt 0 ] &&
	tap_ok "the kernel emitted at least as many execs as vigil received" ||
	tap_fail "the kernel emitted at least as many execs as vigil received" "emitted=$exec_emitted received=$exec_received"
grep -q '^# TYPE vigil_events_total counter$' "$T/metrics" && grep -q '^# HELP vigil_events_total ' "$T/metrics" &&
	tap_ok "families have # HELP and # TYPE" || tap_fail "families have # HELP and # TYPE" "$(head "$T/metrics")"
grep -Eq '^vigil_build_info\{version="[^"]+"\} 1$' "$T/metrics" && tap_ok "vigil_build_info has the version" ||
	tap_fail "vigil_build_info has the version" "$(grep -a build_info "$T/metrics")"
for family in vigil_kernel_events_dropped_total vigil_kernel_events_filtered_total vigil_enforcement_total \
	vigil_containers_tracked vigil_alerts_rate_limited_total vigil_sink_queue_depth vigil_sink_written_total \
	vigil_sink_dropped_total process_resident_memory_bytes; do
	grep -q "^# TYPE $family " "$T/metrics" && tap_ok "/metrics has $family" ||
		tap_fail "/metrics has $family"
done
grep -qi '^content-type: text/plain; version=0.0.4' "$T/metrics.headers" &&
	tap_ok "/metrics is served as text format 0.0.4" ||
	tap_fail "/metrics is served as text format 0.0.4" "$(cat "$T/metrics.headers")"
# Every sample line is NAME{LABELS} VALUE or NAME VALUE.
bad=$(grep -Ev '^(# (HELP|TYPE) .*|[a-z_]+(\{.*\})? [0-9]+)$' "$T/metrics")
assert_eq "$bad" "" "every line of /metrics is a comment or a sample"

assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" 404 "/ is 404"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metricsx")" 404 "/metricsx is 404"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")" 405 "POST /metrics is 405"

# A second agent on the same address: refused before it loads anything, exit 1.
timeout 60 "$VIGIL_BIN" run --no-rules --no-engine --metrics-address "127.0.0.1:$PORT" \
	</dev/null >/dev/null 2>"$T/inuse.err"
assert_eq "$?" 1 "an address in use: vigil exits 1"
grep -q "cannot serve metrics on 127.0.0.1:$PORT: Address already in use" "$T/inuse.err" &&
	tap_ok "and says the address is in use" || tap_fail "and says the address is in use" "$(cat "$T/inuse.err")"
pid_alive "$VIGIL_PID" && tap_ok "the first agent runs on" || tap_fail "the first agent runs on"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" 200 "/healthz still answers 200"
assert_eq "$("$VIGIL_BIN" health "127.0.0.1:$PORT" 2>&1; echo "status $?")" $'ok\nstatus 0' \
	"vigil health ADDR (the liveness probe's command): ok, exit 0"

vigil_stop
assert_eq "$?" 0 "vigil stops cleanly on SIGINT"
curl -s -o /dev/null "$URL/healthz"
[ $? -eq 7 ] && tap_ok "the endpoint is gone after the stop" || tap_fail "the endpoint is gone after the stop"
"$VIGIL_BIN" health "127.0.0.1:$PORT" >/dev/null 2>"$T/health.err"
assert_eq "$?" 1 "vigil health with no agent: exit 1"
grep -q "no answer from http://127.0.0.1:$PORT/healthz" "$T/health.err" &&
	tap_ok "... and it says there was no answer" || tap_fail "... and it says there was no answer" "$(cat "$T/health.err")"

tap_done
