#!/bin/bash
# test_image: vigil's container image, built and run as the deploy files say.
# - No registry is reachable here: the Debian base image the Dockerfile pins is made with
#   debootstrap from the package archive and `docker import`ed under that name.
# - `docker build -f deploy/Dockerfile` makes the image with the real dockerd; the runtime stage
#   holds the binary, its libraries, the rules and the config, and nothing else (no shell).
# - deploy/docker-run.sh starts it with exactly its restrictions (the DaemonSet's), and the agent
#   in it reports a container's exec and its mount: the least-privilege set is enough. The one
#   exception is this machine's: its capability bounding set lacks CAP_SYS_RESOURCE, which runc
#   cannot grant, so the runtime takes it out (a 6.18 kernel does not need it: BPF memory is
#   accounted to the cgroup since 5.11).
# - The image's HEALTHCHECK (vigil health) turns the container healthy.
#
# Run: OUTPUT=build bash tests/integration/test_image.sh   (root; needs debootstrap, docker,
# network access to the Debian archive)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd runc debootstrap

IMAGE=vigil-test-image-watched
AGENT_IMAGE=vigil:test
DOCKERFILE=$VIGIL_REPO/deploy/Dockerfile
runtime_without_lacking_caps "$T/runc-bounded"
DOCKERD_ARGS=(--add-runtime "vigil-bounded=$T/runc-bounded")
container_test_setup "$IMAGE"

# ---- the pinned base image, from the archive ----

BASE=$(awk '$1 == "FROM" && $2 != "scratch" { print $2 }' "$DOCKERFILE" | sort -u)
assert_eq "$(wc -l <<<"$BASE")" 1 "the Dockerfile pins one Debian base image ($BASE)"
[[ $BASE == debian:bookworm-[0-9]*-slim ]] && tap_ok "... by a dated tag, not latest" ||
	tap_fail "... by a dated tag, not latest" "$BASE"
MIRROR=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
debootstrap --variant=minbase bookworm "$T/rootfs" "${MIRROR:-http://deb.debian.org/debian}" \
	>"$T/debootstrap.log" 2>&1 || tap_bail "debootstrap bookworm" "$(tail -n 20 "$T/debootstrap.log")"
tar -C "$T/rootfs" -c . | docker import - "$BASE" >/dev/null || tap_bail "docker import $BASE"
rm -rf "$T/rootfs"

# ---- the build ----

# The classic builder: BuildKit is not installed with Debian's docker.io. The build stage's
# apt-get reaches the archive through the host's network (the test dockerd has no bridge).
if DOCKER_BUILDKIT=0 docker build --network host -f "$DOCKERFILE" --build-arg VERSION=test -t "$AGENT_IMAGE" \
	"$VIGIL_REPO" >"$T/build.log" 2>&1; then
	tap_ok "docker build -f deploy/Dockerfile: the image builds"
else
	tap_bail "docker build -f deploy/Dockerfile: the image builds" "$(tail -n 30 "$T/build.log")"
fi
docker image inspect "$AGENT_IMAGE" >"$T/image.json"
assert_json "$T/image.json" '.[0][0].Config.Healthcheck.Test == ["CMD", "/usr/local/bin/vigil", "health", "127.0.0.1:9464"]' \
	"the image has a HEALTHCHECK: vigil health on the metrics address"
docker create --name vigil-files "$AGENT_IMAGE" >/dev/null
docker export vigil-files | tar -t | sed 's|/$||' | sort >"$T/files"
docker rm vigil-files >/dev/null
assert_eq "$(grep -cE '^(bin|usr/bin)/(sh|bash|busybox|apt-get|dpkg)$' "$T/files")" 0 \
	"the runtime stage has no shell and no package manager"
for file in usr/local/bin/vigil etc/vigil/vigil.yaml etc/vigil/vigil_rules.yaml; do
	grep -qx "$file" "$T/files" && tap_ok "the image holds /$file" || tap_fail "the image holds /$file"
done
diag "the image holds $(grep -c . "$T/files") files and folders, $(grep -c '\.so' "$T/files") of them shared objects"
grep -q 'SECRET\|PASSWORD\|TOKEN' "$DOCKERFILE" && tap_fail "the Dockerfile holds no secrets" ||
	tap_ok "the Dockerfile holds no secrets"

# ---- the agent, in its container, with the deploy's restrictions ----

# This machine mounts cgroup2 at /sys/fs/cgroup/unified (a hybrid layout).
CGROUP=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
VIGIL_IMAGE=$AGENT_IMAGE VIGIL_NAME=vigil-agent VIGIL_CGROUP=$CGROUP VIGIL_DOCKER_SOCKET=$T/docker.sock \
	VIGIL_ARGS="--events --no-rules" "$VIGIL_REPO/deploy/docker-run.sh" --runtime vigil-bounded --network none \
	>"$T/agent.id" 2>&1 ||
	tap_bail "deploy/docker-run.sh starts the agent" "$(cat "$T/agent.id")"
on_exit "docker rm -f vigil-agent >/dev/null 2>&1"
agent_ready() { docker logs vigil-agent 2>&1 | grep -q '^vigil: ready'; }
if wait_until 60 agent_ready; then
	tap_ok "the agent in its container loads its programs and is ready"
else
	tap_bail "the agent in its container loads its programs and is ready" "$(docker logs vigil-agent 2>&1 | tail -n 20)"
fi
docker inspect vigil-agent >"$T/agent.json"
assert_json "$T/agent.json" '.[0][0].HostConfig | .Privileged == false and .ReadonlyRootfs == true and
	.CapDrop == ["ALL"] and (.SecurityOpt | index("no-new-privileges")) and .PidMode == "host"' \
	"the agent's container: not privileged, read-only root, every capability dropped first, no new privileges, host pid"

WORD=$(random_word image)
run_container watched --cap-add SYS_ADMIN -- /bin/sh -c "mkdir -p /mnt/$WORD && mount -t tmpfs $WORD /mnt/$WORD && vigil-helper echo $WORD"
reported() { docker logs vigil-agent 2>/dev/null | grep -q "\"$1\""; }
wait_until 10 reported "/mnt/$WORD"
docker logs vigil-agent 2>/dev/null | grep '^{' >"$T/events.jsonl"
assert_json "$T/events.jsonl" '[.[] | select(.type == "exec" and .container.full_id == $cid and
	.proc.args == ["vigil-helper", "echo", $word])] | length == 1' \
	"the agent reports the container's exec" --arg cid "$CID" --arg word "$WORD"
assert_json "$T/events.jsonl" '[.[] | select(.type == "mount" and .container.full_id == $cid and
	.mount.target == "/mnt/\($word)" and .mount.result == 0)] | length == 1' \
	"the agent reports the container's mount" --arg cid "$CID" --arg word "$WORD"
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' vigil-agent)" = healthy ]; }
# The HEALTHCHECK's first run comes after its interval (30 s).
if wait_until 90 healthy; then
	tap_ok "the HEALTHCHECK turns the agent's container healthy"
else
	tap_fail "the HEALTHCHECK turns the agent's container healthy" \
		"$(docker inspect -f '{{json .State.Health}}' vigil-agent)"
fi

tap_done
