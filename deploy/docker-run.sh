#!/bin/sh
# vigil on a single host, as a container, with the DaemonSet's restrictions: not privileged,
# every capability dropped but the eight a BPF agent needs (deploy/kubernetes/daemonset.yaml
# says why each), no new privileges, a read-only root, the host's pid namespace, and read-only
# mounts of only what it reads.
#
#   deploy/docker-run.sh [DOCKER_RUN_OPTION...]
#
# Environment: VIGIL_IMAGE (vigil:0.1.0), VIGIL_NAME (vigil), VIGIL_CGROUP (the host's cgroup2
# mount, /sys/fs/cgroup; /sys/fs/cgroup/unified on a hybrid host), VIGIL_DOCKER_SOCKET
# (/var/run/docker.sock), VIGIL_ARGS (more `vigil run` options, e.g. "--events").
# seccomp and AppArmor: Docker's default profiles refuse bpf() and perf_event_open().
set -eu
# Docker before 23.0 does not know CAP_BPF and CAP_PERFMON by name; there CAP_SYS_ADMIN, which
# the agent has anyway, grants what they would (the kernel's fallback for both).
bpf_caps="--cap-add BPF --cap-add PERFMON"
docker_major=$(docker version -f '{{.Server.Version}}' 2>/dev/null | cut -d. -f1)
[ "${docker_major:-0}" -ge 23 ] 2>/dev/null || bpf_caps=
# shellcheck disable=SC2086 # VIGIL_ARGS and bpf_caps are lists of options
exec docker run -d --name "${VIGIL_NAME:-vigil}" --restart on-failure \
	--pid host --read-only --tmpfs /tmp --tmpfs /var/lib/vigil:mode=0700 \
	--cap-drop ALL $bpf_caps --cap-add SYS_RESOURCE --cap-add SYS_ADMIN \
	--cap-add MAC_ADMIN --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH --cap-add SYS_CHROOT \
	--security-opt no-new-privileges --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
	--memory 256m --cpus 1 \
	-v /sys/kernel/btf:/sys/kernel/btf:ro \
	-v /sys/kernel/tracing:/sys/kernel/tracing:ro \
	-v "${VIGIL_CGROUP:-/sys/fs/cgroup}:/host/sys/fs/cgroup:ro" \
	-v "${VIGIL_DOCKER_SOCKET:-/var/run/docker.sock}:/host/run/docker.sock:ro" \
	"$@" "${VIGIL_IMAGE:-vigil:0.1.0}" \
	run --config /etc/vigil/vigil.yaml --cgroup-mount /host/sys/fs/cgroup \
	--engine-socket /host/run/docker.sock --metrics-address 127.0.0.1:9464 ${VIGIL_ARGS:-}
