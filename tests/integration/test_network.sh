#!/bin/bash
# test_network: the agent reports where container processes connect — a mounted docker.sock by
# its path, inet and inet6 addresses with their ports — and the sockets of watched families
# (AF_PACKET), each with how the call ended; an ordinary socket(AF_INET) is not an event, and
# the same moves made on the host are left out unless --host is given.
#
# No traffic leaves the machine: the container runs with --network none, so its only interface
# is its own loopback; the connect to the cloud metadata address 169.254.169.254 finds no route
# and fails at once (ENETUNREACH). The host connects only to loopback and to the test's own
# dockerd socket. The packet socket is opened with protocol 0, which sees no traffic.
#
# Run: OUTPUT=build bash tests/integration/test_network.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-network
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
container_test_setup "$IMAGE"

# result_of FILE NAME : how the call of section NAME ended, "ok N" or "error ENAME".
result_of() {
	output_section "$2" "$(<"$1")" | grep -E '^(ok|error) ' | tail -n 1
}

# The helper's events of a type in container $cid; the connect to an address; whether an event
# ended as the helper said ("ok N" or "error ENAME").
JSON_DEFS='
	def moves($cid; $type): .[] | select(.container.full_id? == $cid and .type == $type
		and .proc.comm == "vigil-helper");
	def connects_to($cid; $family; $where): moves($cid; "connect")
		| select(.connect.address.family == $family
			and (.connect.address.path == $where or .connect.address.address == $where));
	def ended_as($said): .[.type] as $payload | if ($said | startswith("ok "))
		then $payload.result == ($said[3:] | tonumber) else $payload.error == $said[6:] end;'

# ---- the moves, in a container ----

out=$T/events.jsonl
vigil_start "$out" || tap_bail "vigil starts"
tap_ok "vigil starts and says it is ready"

# The container's docker.sock is this test's own dockerd, mounted where a container expects it.
# Docker turns IPv6 off in a container whose network has none; the sysctl turns it back on for
# the container's loopback, so that [::1] exists and a connect to its closed port 1 is refused.
script="echo == docker.sock; vigil-helper connect_unix /var/run/docker.sock
echo == metadata; vigil-helper connect_inet 169.254.169.254 80
echo == loopback6; vigil-helper connect_inet ::1 1
echo == packet; vigil-helper socket packet raw
echo == udp; vigil-helper socket inet dgram
exit 0"
cid=$(docker run -d --network none --sysctl net.ipv6.conf.lo.disable_ipv6=0 --cap-add NET_RAW \
	-v "$T/docker.sock:/var/run/docker.sock" "$IMAGE" /bin/sh -c "$script" 2>&1) || tap_bail "docker run" "$cid"
assert_eq "$(timeout 60 docker wait "$cid" 2>&1)" 0 "the container's moves all ran (its script exits 0)"
cid=$(docker inspect -f '{{.Id}}' "$cid")
docker logs "$cid" >"$T/container.out" 2>&1
diag_file "$T/container.out"

# ---- the same moves on the host, on loopback and the test's own socket ----

# Each runs in the background so that its pid is known: none of those pids may be reported.
host_pids=()
run_on_host() {
	"$HELPER" "$@" >>"$T/host.out" 2>&1 &
	host_pids+=("$!")
	wait "$!"
}
run_on_host connect_unix "$T/docker.sock"
run_on_host connect_inet 127.0.0.1 1
run_on_host connect_inet ::1 1
run_on_host socket packet raw

vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

# ---- what was reported ----

JSON_SHOW='.container.full_id? == "'"$cid"'" and (.type == "connect" or .type == "socket")'
c=(--arg cid "$cid")

assert_eq "$(result_of "$T/container.out" docker.sock)" "ok 0" "the container connects to the mounted docker.sock"
assert_json "$out" '[connects_to($cid; "AF_UNIX"; "/var/run/docker.sock")] | length == 1' \
	"connect to /var/run/docker.sock is reported once, family AF_UNIX, the path as the container gave it" "${c[@]}"
assert_json "$out" 'first(connects_to($cid; "AF_UNIX"; "/var/run/docker.sock")) | .connect.result == 0
		and .connect.fd >= 3' \
	"its result is 0 and it names the socket's fd" "${c[@]}"

said=$(result_of "$T/container.out" metadata)
assert_eq "$said" "error ENETUNREACH" "with --network none, 169.254.169.254 is unreachable: nothing left the machine"
assert_json "$out" '[connects_to($cid; "AF_INET"; "169.254.169.254")] | length == 1' \
	"connect to 169.254.169.254 is reported once, family AF_INET" "${c[@]}"
assert_json "$out" 'first(connects_to($cid; "AF_INET"; "169.254.169.254")) | .connect.address.port == 80
		and ended_as($said)' \
	"its port is 80 and it failed as the call did ($said)" "${c[@]}" --arg said "$said"

said=$(result_of "$T/container.out" loopback6)
assert_eq "$said" "error ECONNREFUSED" "the container's connect to [::1]:1 is refused"
assert_json "$out" '[connects_to($cid; "AF_INET6"; "::1")] | length == 1' \
	"connect to [::1] is reported once, family AF_INET6" "${c[@]}"
assert_json "$out" 'first(connects_to($cid; "AF_INET6"; "::1")) | .connect.address.port == 1
		and ended_as($said)' \
	"its port is 1 and it was refused as the call was ($said)" "${c[@]}" --arg said "$said"
assert_json "$out" '[moves($cid; "connect")] | length == 3' \
	"no other connect of the helper's is reported" "${c[@]}"

said=$(result_of "$T/container.out" packet)
[[ $said == ok* ]] && tap_ok "with NET_RAW, socket(AF_PACKET, SOCK_RAW) succeeds" ||
	tap_fail "with NET_RAW, socket(AF_PACKET, SOCK_RAW) succeeds" "the helper said: '$said'"
assert_json "$out" '[moves($cid; "socket")] | length == 1' \
	"one socket event: the AF_PACKET one; socket(AF_INET) and the connects' own sockets are not events" "${c[@]}"
assert_json "$out" 'first(moves($cid; "socket")) | .socket.domain == "AF_PACKET" and .socket.type == "SOCK_RAW"
		and .socket.protocol == 0 and ended_as($said)' \
	"it has domain AF_PACKET, type SOCK_RAW, protocol 0 and the fd it returned ($said)" "${c[@]}" --arg said "$said"

# The host.
assert_json "$out" 'all(.[]; .proc.pid | IN($pids[]) | not)' \
	"none of the host's connects and sockets is reported without --host" \
	--argjson pids "$(printf '%s\n' "${host_pids[@]}" | jq -s .)"
assert_json "$out" 'all(.[]; .container != null)' "every event comes from a container"

# ---- with --host, the host's are reported ----

out_host=$T/events-host.jsonl
vigil_start "$out_host" --host || tap_bail "vigil --host starts"
host_pids=()
run_on_host connect_inet 127.0.0.1 1
run_on_host socket packet raw
vigil_stop
assert_eq "$?" 0 "vigil --host exits 0"
JSON_SHOW='.container == null and (.type == "connect" or .type == "socket")'
assert_json "$out_host" '[.[] | select(.type == "connect" and .proc.pid == $pid)] | length == 1 and
		.[0].container == null and .[0].connect.address == {family: "AF_INET", address: "127.0.0.1", port: 1}
		and .[0].connect.error == "ECONNREFUSED"' \
	"--host: the host's connect to 127.0.0.1:1 is reported, refused, with container null" \
	--argjson pid "${host_pids[0]}"
assert_json "$out_host" '[.[] | select(.type == "socket" and .proc.pid == $pid)] | length == 1 and
		.[0].socket.domain == "AF_PACKET"' \
	"--host: the host's AF_PACKET socket is reported" --argjson pid "${host_pids[1]}"

tap_done
