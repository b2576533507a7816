#!/bin/bash
# test_syslog: alerts reach a real rsyslog over UDP and TCP as RFC 5424 messages (the header
# fields, the PRI of the facility and priority, the structured data of the rule and the
# container); when the collector is killed during a burst and started again, every alert
# arrives over TCP exactly once; a program whose name and arguments carry a syslog header after
# a newline and terminal escapes gives exactly one record at the collector (and in the JSON
# file), escaped.
#
# rsyslogd runs as the test's own: its own config, work folder and pid file under $T, listening
# on 127.0.0.1 only (random free ports), no local log socket; it stores each message twice, raw
# (%rawmsg%, checked against a strict RFC 5424 pattern here) and as it parsed it (JSON). It
# keeps control characters as received, so a raw newline in a message would split its line.
#
# The outage: plain syslog over TCP has no acknowledgement, so frames a collector had received
# but not yet written when it died are lost, and no sender can tell which (RELP exists for
# that). So the collector is killed once it has written what it received, while the burst goes
# on: the alerts made while it is down must stay queued (none written into the dead connection,
# where the first one would vanish), and all arrive once it is back.
#
# Run: OUTPUT=build bash tests/integration/test_syslog.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd rsyslogd ss

IMAGE=vigil-test-syslog
container_test_setup "$IMAGE"

# ---- the collector ----

# free_port : prints a port that nothing listens on, over TCP or UDP, on this machine.
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 40000))
		if [ -z "$(ss -Hantu "sport = :$port")" ]; then
			echo "$port"
			return 0
		fi
	done
	return 1
}
UDP_PORT=$(free_port) || tap_bail "a free UDP port"
TCP_PORT=$(free_port) || tap_bail "a free TCP port"
while [ "$TCP_PORT" = "$UDP_PORT" ]; do
	TCP_PORT=$(free_port) || tap_bail "a free TCP port"
done
mkdir -p "$T/rsyslog"
cat >"$T/rsyslog.conf" <<EOF
# No imuxsock: no /dev/log, nothing of the machine's own logging.
global(workDirectory="$T/rsyslog" parser.escapeControlCharactersOnReceive="off")
module(load="imudp")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
template(name="parsed" type="list" option.jsonf="on") {
	property(outname="pri" name="pri" format="jsonf")
	property(outname="version" name="protocol-version" format="jsonf")
	property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
	property(outname="hostname" name="hostname" format="jsonf")
	property(outname="app_name" name="app-name" format="jsonf")
	property(outname="procid" name="procid" format="jsonf")
	property(outname="msgid" name="msgid" format="jsonf")
	property(outname="sd" name="structured-data" format="jsonf")
	property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="udp") {
	action(type="omfile" file="$T/udp.raw" template="raw")
	action(type="omfile" file="$T/udp.parsed" template="parsed")
}
ruleset(name="tcp") {
	action(type="omfile" file="$T/tcp.raw" template="raw")
	action(type="omfile" file="$T/tcp.parsed" template="parsed")
}
input(type="imudp" address="127.0.0.1" port="$UDP_PORT" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$TCP_PORT" ruleset="tcp")
EOF
touch "$T/udp.raw" "$T/udp.parsed" "$T/tcp.raw" "$T/tcp.parsed"

RSYSLOG_PID=
rsyslog_listening() {
	[ -n "$(ss -Hltn "sport = :$TCP_PORT")" ] && [ -n "$(ss -Hlun "sport = :$UDP_PORT")" ]
}
# rsyslog_start : starts the collector and waits until it listens on both ports.
rsyslog_start() {
	rm -f "$T/rsyslog.pid"
	rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" </dev/null >>"$T/rsyslog.log" 2>&1 &
	RSYSLOG_PID=$!
	if ! wait_until 20 rsyslog_listening; then
		diag "rsyslogd does not listen on 127.0.0.1:$TCP_PORT (TCP) and :$UDP_PORT (UDP)"
		diag_file "$T/rsyslog.log"
		return 1
	fi
}
rsyslog_stop() {
	[ -n "$RSYSLOG_PID" ] || return 0
	stop_pid "$RSYSLOG_PID" 10
	wait "$RSYSLOG_PID" 2>/dev/null
	RSYSLOG_PID=
}
on_exit rsyslog_stop
rsyslog_start || tap_bail "rsyslogd starts with the test's config"

# ---- the agent ----

MARK=$(random_word syslog-burst)
HMARK=$(random_word syslog-hostile)
NAME=$(random_word syslog-test)
cat >"$T/rules.yaml" <<EOF
- rule: Syslog burst
  desc: the helper runs with the burst marker
  condition: evt.type = execve and proc.name = vigil-helper and proc.args contains $MARK
  output: "burst %proc.args"
  priority: WARNING
- rule: Syslog hostile
  desc: a program whose name and arguments carry a syslog header and terminal escapes
  condition: evt.type = execve and proc.args contains $HMARK and proc.name != sh
  output: "hostile %proc.name ran %proc.args"
  priority: CRITICAL
EOF
out=$T/alerts.jsonl
vigil_start "$out" -r "$T/rules.yaml" --engine-socket "$T/docker.sock" --no-rate-limit \
	-o stdout -o "file:$T/file.jsonl" \
	-o "syslog-tcp://127.0.0.1:$TCP_PORT,facility=local3" \
	-o "syslog-udp://127.0.0.1:$UDP_PORT,app-name=vigil-udp-test" ||
	tap_bail "vigil starts with syslog outputs"
vigil_pid=$VIGIL_PID
HOST=$(hostname)

# records_of PROTO TEXT : how many messages the collector wrote over PROTO whose line holds TEXT.
records_of() {
	grep -cF -- "$2" "$T/$1.raw"
}
# alerts_of RULE : how many alerts of RULE the agent printed.
alerts_of() {
	jq -s --arg r "$1" '[.[] | select(.type == "alert" and .rule == $r)] | length' "$out" 2>/dev/null
}
has_records() { [ "$(records_of "$1" "$2")" -ge "$3" ]; }
has_alerts() { [ "$(alerts_of "$1")" -ge "$2" ]; }

# RFC 5424 as vigil writes it, strictly: PRI, VERSION 1, a UTC timestamp with microseconds, the
# host, the app-name, the pid, the msgid, the one SD element with its five parameters (values
# with '"', '\' and ']' escaped), then the text without a control byte.
V='(?:[^"\\\]]|\\.)*'
RFC5424='^<(?<pri>[0-9]{1,3})>1 (?<ts>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z) '
RFC5424+='(?<host>[!-~]{1,255}) (?<app>[!-~]{1,48}) (?<procid>[0-9]{1,10}) (?<msgid>alert|internal) '
RFC5424+="\\[vigil@32473 rule=\"(?<rule>$V)\" priority=\"(?<priority>$V)\" container_id=\"(?<cid>$V)\" "
RFC5424+="container_name=\"(?<cname>$V)\" image=\"(?<image>$V)\"\\] (?<msg>[^\\x00-\\x1f\\x7f]*)\$"

# parse PROTO : the collector's raw lines over PROTO, one JSON object each: the fields of the
# pattern above (SD values unescaped), or {"bad": LINE} for a line that does not match.
parse() {
	jq -cR --arg re "$RFC5424" '(capture($re) | .pri |= tonumber
		| (.rule, .priority, .cid, .cname, .image) |= gsub("\\\\(?<c>[\"\\\\\\]])"; .c)) // {bad: .}' \
		"$T/$1.raw" >"$T/$1.records"
}

JSON_SHOW='.bad != null or (.msg? // "" | contains("syslog-"))'
JSON_DEFS='def alerts($r): $a | map(select(.type == "alert" and .rule == $r));
	def key: .time[0:26] + "Z " + .output;
	def sd_of_alert: {rule, priority, cid: (.container.id // ""), cname: (.container.name // ""),
		image: (.container.image // "")};'

# ---- steady: every alert over both ---

N_STEADY=10
run_container steady -- /bin/sh -c "
	i=1; while [ \$i -le $N_STEADY ]; do vigil-helper echo $MARK-steady-\$i; i=\$((i + 1)); done; exit 0"
wait_until 30 has_records tcp "$MARK-steady-" "$N_STEADY" && tap_ok "steady: every alert reaches the collector over TCP" ||
	tap_fail "steady: every alert reaches the collector over TCP" "$(records_of tcp "$MARK-steady-") of $N_STEADY"
wait_until 30 has_records udp "$MARK-steady-" "$N_STEADY" && tap_ok "steady: every alert reaches the collector over UDP" ||
	tap_fail "steady: every alert reaches the collector over UDP" "$(records_of udp "$MARK-steady-") of $N_STEADY"

parse tcp
parse udp
a=(--slurpfile a "$out" --arg m "$MARK-steady-" --arg host "$HOST" --arg pid "$vigil_pid")
for proto in tcp udp; do
	assert_json "$T/$proto.records" 'all(.[]; .bad == null)' \
		"$proto: every message the collector got is RFC 5424 as vigil writes it (a strict pattern)"
	if [ $proto = tcp ]; then pri=156 app=vigil; else pri=12 app=vigil-udp-test; fi
	assert_json "$T/$proto.records" '[.[] | select(.msg | contains($m))] | length == ($n | tonumber) and
		all(.[]; .pri == ($pri | tonumber) and .host == $host and .app == $app and .procid == $pid
			and .msgid == "alert")' \
		"$proto: PRI $pri (facility and Warning), the host, app-name $app, the agent's pid, msgid alert" \
		"${a[@]}" --arg n "$N_STEADY" --arg pri "$pri" --arg app "$app"
	assert_json "$T/$proto.records" '[.[] | select(.msg | contains($m)) | {key: (.ts + " " + .msg), sd: {rule,
		priority, cid, cname, image}}] | sort == (alerts("Syslog burst") | map(select(.output | contains($m))
		| {key: key, sd: sd_of_alert}) | sort)' \
		"$proto: each message is one of the agent's alerts: its time (to the microsecond), output and the rule, priority and container as structured data" \
		"${a[@]}"
done
jq -c 'select(.msg | contains("steady"))' "$T/tcp.parsed" | head -n 1 >"$T/tcp.parsed.one"
assert_json "$T/tcp.parsed.one" 'length == 1 and (.[0] | .pri == "156" and .version == "1" and .app_name == "vigil"
	and .msgid == "alert" and (.sd | startswith("[vigil@32473 rule=\"Syslog burst\" priority=\"Warning\" "))
	and (.msg | startswith("burst echo ")))' "rsyslog parses the message the same way (its own RFC 5424 parser)"

# ---- the collector killed during a burst ----

N_BEFORE=20
N_AFTER=20
mkdir -p "$T/sync"
mkfifo "$T/sync/go"
burst=$(docker run -d --network none --name "$NAME" -v "$T/sync:/sync" "$IMAGE" /bin/sh -c "
	i=1; while [ \$i -le $N_BEFORE ]; do vigil-helper echo $MARK-outage-\$i; i=\$((i + 1)); done
	read go </sync/go
	while [ \$i -le $((N_BEFORE + N_AFTER)) ]; do vigil-helper echo $MARK-outage-\$i; i=\$((i + 1)); done
	exit 0" 2>&1) || tap_bail "the burst's container starts" "$burst"
wait_until 30 has_records tcp "$MARK-outage-" "$N_BEFORE" ||
	tap_bail "the collector wrote the burst's first $N_BEFORE alerts" "$(records_of tcp "$MARK-outage-") of $N_BEFORE"
assert_eq "$(records_of tcp "$MARK-outage-")" "$N_BEFORE" \
	"outage: the collector has written the burst's first $N_BEFORE alerts (the burst waits there)"
{
	kill -KILL "$RSYSLOG_PID"
	wait "$RSYSLOG_PID"
} 2>/dev/null # not bash's "Killed"
RSYSLOG_PID=
! rsyslog_listening && tap_ok "outage: the collector is killed (SIGKILL) in the middle of the burst" ||
	tap_fail "outage: the collector is killed (SIGKILL) in the middle of the burst"
timeout 30 sh -c 'echo go >"$1"' sh "$T/sync/go" || tap_bail "the burst goes on"

# The rest of the burst is made while the collector is down; the TCP sink finds its connection
# dead (it closes it: no connection to the port is left) and backs off.
no_connection() { [ -z "$(ss -Htn "dport = :$TCP_PORT")" ]; }
wait_until 30 has_alerts "Syslog burst" $((N_STEADY + N_BEFORE + N_AFTER)) &&
	tap_ok "outage: the agent made every alert of the burst" ||
	tap_fail "outage: the agent made every alert of the burst" "$(alerts_of "Syslog burst")"
wait_until 30 no_connection && tap_ok "outage: the TCP sink saw its collector gone and closed the connection" ||
	tap_fail "outage: the TCP sink saw its collector gone and closed the connection" "$(ss -tn "dport = :$TCP_PORT")"
# The agent's counters (SIGUSR1, on stderr): the TCP sink's last "failures=N ... queued=N".
tcp_sink_counters() {
	sed -n 's|^vigil: counters: output syslog-tcp://[^ ]* .*failures=\([0-9]*\) queued=\([0-9]*\).*|\1 \2|p' \
		"$out.err" | tail -n 1
}
# Down for a while: the sink tried to connect again, and failed, a few times (with back-off).
tcp_sink_retried() {
	local counters
	kill -USR1 "$vigil_pid"
	counters=$(tcp_sink_counters)
	[ "${counters%% *}" -ge 4 ] 2>/dev/null
}
wait_until 30 tcp_sink_retried && tap_ok "outage: the TCP sink retries with back-off while the collector is down" ||
	tap_fail "outage: the TCP sink retries with back-off while the collector is down" "$(tail -n 5 "$out.err")"
assert_eq "$(tcp_sink_counters | cut -d' ' -f2)" "$N_AFTER" "outage: meanwhile the alerts made since wait in its queue"

rsyslog_start || tap_bail "the collector starts again"
wait_until 30 has_records tcp "$MARK-outage-" $((N_BEFORE + N_AFTER)) &&
	tap_ok "outage: once the collector is back, the queued alerts arrive" ||
	tap_fail "outage: once the collector is back, the queued alerts arrive" \
		"$(records_of tcp "$MARK-outage-") of $((N_BEFORE + N_AFTER))"
status=$(timeout 60 docker wait "$burst" 2>&1)
assert_eq "$status" 0 "outage: the burst's container exits 0"

parse tcp
parse udp
a=(--slurpfile a "$out" --arg m "$MARK-outage-")
assert_json "$T/tcp.records" '[.[] | select(.msg | contains($m)) | .ts + " " + .msg] as $got
	| (alerts("Syslog burst") | map(select(.output | contains($m)) | key)) as $want
	| ($got | length) == ($want | length) and ($got | sort) == ($want | sort) and ($got | unique | length) == ($got | length)' \
	"outage: over TCP every alert of the burst arrived exactly once, as the agent printed it (count and content)" "${a[@]}"
assert_json "$T/tcp.records" '[.[] | select(.msg | contains($m)) | .msg | ltrimstr("burst echo " + $m) | tonumber]
	| . == [range(1; $n + 1)]' "outage: and in the order the burst made them" "${a[@]}" \
	--argjson n $((N_BEFORE + N_AFTER))
# UDP has no way to know what the dead collector dropped: some are lost, none may come twice.
assert_json "$T/udp.records" '[.[] | select(.msg | contains($m)) | .ts + " " + .msg] as $got
	| (alerts("Syslog burst") | map(select(.output | contains($m)) | key)) as $want
	| ($got | unique | length) == ($got | length) and ($got - $want) == []' \
	"outage: over UDP none arrived twice, and each is one of the agent's alerts" "${a[@]}"
# The container's name and image come from the Engine API, which may not have answered for the
# burst's first execs (then they are empty, as in the agent's own record): its last ones have them.
for proto in tcp udp; do
	assert_json "$T/$proto.records" 'any(.[]; (.msg | contains($m)) and .rule == "Syslog burst" and .priority == "Warning"
		and .cname == $name and .image == $image and (.cid as $short | $short | test("^[0-9a-f]{12}$")
			and ($cid | startswith($short))))' \
		"$proto: the structured data names the container: its short id, name and image" \
		"${a[@]}" --arg name "$NAME" --arg image "$IMAGE" --arg cid "$burst"
done

# ---- a program with a forged syslog header and terminal escapes in its name and arguments ----

run_container hostile -- /bin/sh -c "
	name=\$(printf 'v\\n<13>1 \\033[2Jfrg')
	ln -s /bin/vigil-helper \"/tmp/\$name\"
	\"/tmp/\$name\" echo $HMARK \"\$(printf '\\n<13>1 2026-01-01T00:00:00Z host app - - - forged')\" \
		\"\$(printf '\\033[31mred\\033[0m')\"
	exit 0"
wait_until 30 has_alerts "Syslog hostile" 1 || tap_fail "hostile: the rule fires"
wait_until 30 has_records tcp "$HMARK" 1 && wait_until 30 has_records udp "$HMARK" 1 ||
	tap_fail "hostile: the alert reaches the collector"
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

parse tcp
parse udp
FORGED='\n<13>1 2026-01-01T00:00:00Z host app - - - forged'
a=(--slurpfile a "$out" --arg m "$HMARK" --arg forged "$FORGED")
assert_json "$out" '[.[] | select(.type == "alert" and .rule == "Syslog hostile")] | length == 1 and
	(.[0].output | contains("\n<13>1 2026-01-01T00:00:00Z host app - - - forged") and contains("\u001b[31mred"))' \
	"hostile: one alert, whose output holds the newline, the forged header and the escape as they were" "${a[@]}"
for proto in tcp udp; do
	assert_eq "$(grep -c -- "$HMARK" "$T/$proto.raw")" 1 "hostile: $proto: exactly one line at the collector"
	assert_json "$T/$proto.records" '[.[] | select(.msg | contains($m))] | length == 1 and (.[0] | .rule == "Syslog hostile"
		and .priority == "Critical" and (.msg | contains($forged) and contains("\\x1b[31mred\\x1b[0m")
		and startswith("hostile v\\n<13>1 \\x1b[2Jfrg ran echo ")))' \
		"hostile: $proto: the record is RFC 5424 with the newline and escapes written as \\n and \\x1b" "${a[@]}"
	assert_json "$T/$proto.records" 'all(.[]; .bad == null) and ([.[] | select(.msg | contains("forged"))] | length == 1)' \
		"hostile: $proto: no forged record: every line is one of vigil's messages" "${a[@]}"
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/$proto.raw"; then
		tap_fail "hostile: $proto: the collector got no control character" "$(grep -n $'\x1b' "$T/$proto.raw" | cat -A | head -n 3)"
	else
		tap_ok "hostile: $proto: the collector got no control character"
	fi
done
jq -c --arg m "$HMARK" 'select(.msg | contains($m))' "$T/tcp.parsed" >"$T/tcp.parsed.hostile"
assert_json "$T/tcp.parsed.hostile" 'length == 1 and .[0].pri == "154" and .[0].msgid == "alert"' \
	"hostile: rsyslog parses it as one message, PRI 154 (local3, Critical)"
assert_json "$T/file.jsonl" '[.[] | select(.type == "alert" and .rule == "Syslog hostile")] | length == 1' \
	"hostile: the JSON file holds exactly one record for it"
assert_eq "$(grep -c -- "$HMARK" "$T/file.jsonl")" 1 "hostile: on exactly one line"

tap_done
