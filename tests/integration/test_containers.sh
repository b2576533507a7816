#!/bin/bash
# test_containers: every container is known — its name, image, labels and Kubernetes pod from
# the Engine API on each event, and its posture announced once in a `container` event — and the
# agent rides out the Engine API going away and coming back without losing an event.
#
# Run: OUTPUT=build bash tests/integration/test_containers.sh   (root)

# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd openssl

IMAGE=vigil-test-containers
W=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
# --live-restore: containers run on while the daemon restarts, as in production.
DOCKERD_ARGS=(--live-restore)
container_test_setup "$IMAGE"
SOCK=$T/docker.sock
OUT=$T/containers.jsonl

in_err() { grep -q -- "$1" "$OUT.err"; }
in_out() { grep -q -- "$1" "$OUT"; }

# A container that is already running when vigil starts is announced as "running".
early=$(docker run -d --network none --name "vt-early-$W" "$IMAGE" sleep 1000000) || tap_bail "docker run early"

vigil_start "$OUT" --engine-socket "$SOCK" || tap_bail "vigil starts"
wait_until 20 in_err "Engine API at unix://$SOCK answers" && tap_ok "vigil finds the Engine API and says so" ||
	tap_fail "vigil finds the Engine API and says so" "$(cat "$OUT.err")"

run() { # NAME ARGS... : a long-running container; prints its full id
	local name=$1
	shift
	docker run -d --network none --name "$name" "$@" "$IMAGE" sleep 1000000
}
plain=$(run "vt-plain-$W") || tap_bail "docker run plain"
k8s=$(run "vt-k8s-$W" --label io.kubernetes.pod.name=web-0 --label io.kubernetes.pod.namespace=shop \
	--label io.kubernetes.pod.uid=0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6 \
	--label io.kubernetes.container.name=app --label team=payments) || tap_bail "docker run k8s"
caps=$(run "vt-caps-$W" --cap-add SYS_ADMIN --cap-drop NET_RAW) || tap_bail "docker run caps"
mounts=$(run "vt-mounts-$W" -v /:/host:ro -v "$SOCK:/var/run/docker.sock") || tap_bail "docker run mounts"
locked=$(run "vt-locked-$W" --user 1000 --read-only --security-opt no-new-privileges --memory 64m \
	--pids-limit 50) || tap_bail "docker run locked"
hostns=$(docker run -d --network host --pid host --name "vt-hostns-$W" "$IMAGE" sleep 1000000) ||
	tap_bail "docker run hostns"

# Each container is announced once its process runs something; exec in each.
for c in "$plain" "$k8s" "$caps" "$mounts" "$locked" "$hostns"; do
	docker exec "$c" vigil-helper echo "seen-$W" >/dev/null || tap_fail "docker exec in ${c:0:12}"
done
announced() { [ "$(jq -s --arg id "$1" '[.[] | select(.type == "container" and .container.full_id == $id)] | length' "$OUT")" -ge 1 ]; }
for c in "$early" "$plain" "$k8s" "$caps" "$mounts" "$locked" "$hostns"; do
	wait_until 20 announced "$c" || tap_fail "container ${c:0:12} is announced" "$(tail -5 "$OUT")"
done

JSON_SHOW='.type == "container"'
JSON_DEFS='def announce($id): first(.[] | select(.type == "container" and .container.full_id == $id));
	def exec_in($id): first(.[] | select(.type == "exec" and .container.full_id == $id and .proc.args[2]? == $w));'
a=(--arg w "seen-$W")
assert_json "$OUT" 'announce($id) | .action == "running" and .container.name == $name' \
	"a container running before vigil started is announced as running" "${a[@]}" --arg id "$early" --arg name "vt-early-$W"
assert_json "$OUT" 'announce($id) | .action == "start" and .container.name == $name and .container.image == $image
	and .container.image_repository == $image and .container.image_tag == "latest"
	and .posture.privileged == false and .posture.user_root == true and .posture.readonly_rootfs == false
	and .posture.host_network == false and .posture.network_mode == "none"' \
	"a plain container: name, image, root user, no host namespaces" "${a[@]}" --arg id "$plain" \
	--arg name "vt-plain-$W" --arg image "$IMAGE"
assert_json "$OUT" 'announce($id) | .container.k8s.pod_name == "web-0" and .container.k8s.ns_name == "shop"
	and .container.k8s.pod_uid == "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6" and .container.k8s.container_name == "app"
	and .container.labels.team == "payments"' \
	"labels and the Kubernetes pod fields" "${a[@]}" --arg id "$k8s"
assert_json "$OUT" 'announce($id) | .posture.cap_add == ["CAP_SYS_ADMIN"] and .posture.cap_drop == ["CAP_NET_RAW"]' \
	"capabilities added and dropped" "${a[@]}" --arg id "$caps"
assert_json "$OUT" 'announce($id) | [.posture.mounts[] | select(.destination == "/host")][0] |
	.source == "/" and .read_write == false and .sensitive == true' \
	"-v /:/host:ro is a sensitive read-only mount" "${a[@]}" --arg id "$mounts"
assert_json "$OUT" 'announce($id) | [.posture.mounts[] | select(.destination == "/var/run/docker.sock")][0] |
	.source == $sock and .read_write == true' \
	"the docker socket mount is reported with its source" "${a[@]}" --arg id "$mounts" --arg sock "$SOCK"
assert_json "$OUT" 'announce($id) | .posture.user == "1000" and .posture.user_root == false
	and .posture.readonly_rootfs == true and .posture.no_new_privileges == true
	and .posture.memory_limit == 67108864 and .posture.pids_limit == 50' \
	"user, read-only root, no-new-privileges, memory and pids limits" "${a[@]}" --arg id "$locked"
assert_json "$OUT" 'announce($id) | .posture.host_network == true and .posture.host_pid == true' \
	"host network and pid namespaces" "${a[@]}" --arg id "$hostns"
assert_json "$OUT" 'exec_in($id) | .container.name == $name and .container.image == $image
	and .container.k8s.pod_name == "web-0" and .container.metadata == "known"' \
	"an exec inside carries the container name, image and pod" "${a[@]}" --arg id "$k8s" \
	--arg name "vt-k8s-$W" --arg image "$IMAGE"
assert_json "$OUT" '[.[] | select(.type == "container" and .container.full_id == $id)] | length == 1' \
	"a container is announced once" "${a[@]}" --arg id "$k8s"

# ---- docker rename ----
docker rename "vt-plain-$W" "vt-renamed-$W"
renamed() { jq -e -s --arg id "$plain" 'any(.[]; .type == "container" and .action == "rename" and .container.full_id == $id)' "$OUT" >/dev/null; }
wait_until 20 renamed && tap_ok "docker rename is announced" || tap_fail "docker rename is announced"
docker exec "$plain" vigil-helper echo "after-rename-$W" >/dev/null
# ---- the Engine API stops answering (a hung daemon) ----
# dockerd frozen for longer than a request's 5 s timeout: the event path must not wait for it.
ticker0=$(docker run -d --network none --name "vt-ticker0-$W" "$IMAGE" /bin/sh -c \
	'i=0; while [ $i -lt 100000 ]; do vigil-helper echo tock '"$W"' $i; i=$((i+1)); usleep 20000; done') ||
	tap_bail "docker run ticker0"
tocks() { jq -s --arg id "$ticker0" '[.[] | select(.type == "exec" and .container.full_id == $id and .proc.args[2]? == "tock")] | length' "$OUT"; }
has_tocks() { [ "$(tocks)" -ge "$1" ]; }
wait_until 20 has_tocks 1 || tap_fail "the ticker's execs are reported"
kill -STOP "$DOCKERD_PID"
before=$(tocks)
# Events keep flowing while the daemon is frozen: 100 more execs, about 2 s of the ticker.
wait_until 30 has_tocks $((before + 100)) && tap_ok "events keep flowing while the Engine API hangs" ||
	tap_fail "events keep flowing while the Engine API hangs" "$before then $(tocks)"
sleep_until_frozen_long_enough() { [ "$(($(date +%s) - frozen_at))" -ge 6 ]; }
frozen_at=$(date +%s)
wait_until 10 sleep_until_frozen_long_enough
kill -CONT "$DOCKERD_PID"
docker rm -f "$ticker0" >/dev/null
# ---- the Engine API goes away and comes back ----
# A container keeps exec'ing a counter while the daemon restarts: no number may be missing.
ticker=$(docker run -d --network none --name "vt-ticker-$W" "$IMAGE" /bin/sh -c \
	'i=0; while [ $i -lt 100000 ]; do vigil-helper echo tick '"$W"' $i; i=$((i+1)); usleep 20000; done') ||
	tap_bail "docker run ticker"
dockerd_restart || tap_bail "dockerd restarts"
wait_until 30 in_err "lost the Engine API" && tap_ok "vigil says once that it lost the Engine API" ||
	tap_fail "vigil says once that it lost the Engine API" "$(cat "$OUT.err")"
answers_again() { [ "$(grep -c "Engine API at unix://$SOCK answers" "$OUT.err")" -ge 2 ]; }
wait_until 60 answers_again && tap_ok "vigil finds the Engine API again" ||
	tap_fail "vigil finds the Engine API again" "$(cat "$OUT.err")"
late=$(run "vt-late-$W") || tap_bail "docker run after the restart"
docker exec "$late" vigil-helper echo "seen-$W" >/dev/null
wait_until 20 announced "$late" || true
docker rm -f "$ticker" >/dev/null
vigil_stop
assert_eq "$?" 0 "vigil exits 0"

assert_json "$OUT" 'first(.[] | select(.type == "exec" and .container.full_id == $id and .proc.args[2]? == $w)) |
	.container.name == $name' "after the rename, events carry the new name" \
	--arg id "$plain" --arg w "after-rename-$W" --arg name "vt-renamed-$W"
assert_json "$OUT" '[.[] | select(.type == "exec" and .container.full_id == $id and .proc.args[2]? == "tick")
	| .proc.args[4] | tonumber] | sort | length > 10 and (.[-1] - .[0] + 1) == length' \
	"the ticker's execs across the daemon restart are all there, none missing" --arg id "$ticker"
assert_json "$OUT" 'exec_in($id) | .container.name == $name and .container.metadata == "known"' \
	"a container started after the restart has its metadata" --arg w "seen-$W" --arg id "$late" --arg name "vt-late-$W"
assert_eq "$(grep -c 'lost the Engine API' "$OUT.err")" 1 "the loss is logged once, not once per retry"

tap_done
