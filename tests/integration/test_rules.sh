#!/bin/bash
# test_rules: the default rule set (rules/vigil_rules.yaml) loads without a warning, alone and
# after Falco's stable rules; and with it, `vigil run -r` raises each rule's alert when a real
# container makes the move the rule is about, with the container and the move's details in the
# alert, and raises none for a neighbour container that makes the near miss (reads
# /etc/hostname, not /etc/shadow; setuid to 1000 as root, not to 0 as a user; adds SYS_NICE,
# not SYS_ADMIN; a hardened container starts without any posture alert; ...).
#
# One agent watches every container of the test. Nothing leaves the machine: the containers run
# with --network none (the connects to the cloud metadata and Kubernetes API addresses fail
# there, and are reported all the same) but for one with the host's network, which connects to
# nothing.
#
# Privileged containers: runc cannot start one on a machine whose capability bounding set lacks
# some capability (this one lacks CAP_SYS_RESOURCE), because a privileged container asks for all
# of them. The test registers a runtime with the private dockerd that is runc minus the
# capabilities the machine lacks; Docker then starts the container and reports it as privileged
# (HostConfig.Privileged), which is what the rule reads. Where nothing is lacking the runtime is
# plain runc.
#
# Kernel modules: a kernel without module support (this machine's) has no hooks for init_module
# and finit_module, so the module rule cannot fire here; the test then checks that no module
# event exists, and tests/unit/test_default_rules.c checks the rule on a made event.
#
# Run: OUTPUT=build bash tests/integration/test_rules.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd runc

IMAGE=vigil-test-rules
RULES=$VIGIL_REPO/rules/vigil_rules.yaml
FALCO_RULES=$VIGIL_REPO/../shared/peers/falco/falco_rules.yaml
W=$(random_word vr)

# ---- the rules file alone, and after Falco's ----

test_tmpdir || tap_bail "a temporary folder"
"$VIGIL_BIN" rules check --json "$RULES" >"$T/check.json" 2>"$T/check.err"
assert_eq "$?" 0 "vigil rules check accepts rules/vigil_rules.yaml" || diag_file "$T/check.err"
assert_eq "$(cat "$T/check.err")" "" "vigil rules check says nothing on stderr: no warning"
assert_json "$T/check.json" '[.[] | select(.type == "rule")] | length >= 30 and all(.status == "loaded")' \
	"every rule loads and runs ($(jq -r 'select(.type == "summary") | "\(.loaded) of \(.rules)"' "$T/check.json"))"
# Falco's own rules may fail where vigil lacks their fields; ours must not, after them.
"$VIGIL_BIN" rules check --json "$FALCO_RULES" "$RULES" >"$T/both.json" 2>"$T/both.err"
assert_json "$T/both.json" '[.[] | select(.type == "rule" and .file == $file)] as $ours |
	($ours | length) == $n and all($ours[]; .status == "loaded")' \
	"after Falco's stable rules, every rule of vigil_rules.yaml still loads" \
	--arg file "$RULES" --argjson n "$(jq -s '[.[] | select(.type == "rule")] | length' "$T/check.json")"

# ---- the machine: a runtime for privileged containers ----

runtime_without_lacking_caps "$T/runc-privileged"
DOCKERD_ARGS=(--add-runtime "vigil-privileged=$T/runc-privileged")
container_test_setup "$IMAGE"

# The containers of the test, by label: full ids.
declare -A ID

# contained LABEL [DOCKER_RUN_OPTION...] -- COMMAND... : run_container with the name vr-LABEL-$W;
# records the container's id in ID[LABEL].
contained() {
	local label=$1
	shift
	run_container "$label" --name "vr-$label-$W" "$@"
	ID[$label]=$CID
}

# announced ID : the agent printed the container event of container ID (a line it is still
# writing is skipped).
# shellcheck disable=SC2317 # called by wait_until
announced() {
	jq -e -n -R --arg id "$1" 'any(inputs | fromjson? | select(.type == "container"); .container.full_id == $id)' \
		"$OUT" >/dev/null
}

OUT=$T/rules.jsonl

# Found running when the agent starts: announced as "running", and judged all the same.
early=$(docker run -d --network none --name "vr-early-$W" --cap-add SYS_PTRACE "$IMAGE" sleep 1000000) ||
	tap_bail "docker run early" "$early"
ID[early]=$(docker inspect -f '{{.Id}}' "$early")

vigil_start "$OUT" -r "$RULES" --engine-socket "$T/docker.sock" || tap_bail "vigil run -r rules/vigil_rules.yaml starts"
tap_ok "vigil run -r rules/vigil_rules.yaml starts"
docker exec "${ID[early]}" vigil-helper echo "$W" >/dev/null || tap_fail "docker exec in the early container"

# ---- posture: each container just runs vigil-helper echo ----

contained privileged --runtime vigil-privileged --privileged -- vigil-helper echo "$W"
assert_eq "$(docker inspect -f '{{.HostConfig.Privileged}}' "${ID[privileged]}")" true \
	"privileged: Docker reports the container as privileged"
contained capable --cap-add SYS_ADMIN --cap-add NET_ADMIN -- vigil-helper echo "$W"
contained capall --runtime vigil-privileged --cap-add ALL -- vigil-helper echo "$W"
contained mildcaps --cap-add SYS_NICE --cap-add IPC_LOCK -- vigil-helper echo "$W"
contained sensitive -v /etc:/hostetc:ro -- vigil-helper echo "$W"
mkdir -p "$T/data" "$T/docker.sock.d"
contained data -v "$T/data:/data" -- vigil-helper echo "$W"
contained socket -v "$T/docker.sock:/var/run/docker.sock" -- vigil-helper echo "$W"
contained notsocket -v "$T/docker.sock.d:/sockets" -- vigil-helper echo "$W"
contained utshost --uts host -- vigil-helper echo "$W"
contained plain -- vigil-helper echo "$W"
contained hardened --read-only --security-opt no-new-privileges --memory 64m --pids-limit 64 --user 1000 \
	--cap-drop ALL -- vigil-helper echo "$W"
# --network host cannot go with run_container's --network none.
hostns=$(docker run -d --network host --pid host --ipc host --name "vr-hostns-$W" "$IMAGE" vigil-helper echo "$W") ||
	tap_bail "docker run hostns" "$hostns"
assert_eq "$(timeout 60 docker wait "$hostns")" 0 "hostns: the container exits 0"
ID[hostns]=$(docker inspect -f '{{.Id}}' "$hostns")

# ---- moves ----

# A shell with a terminal as the entrypoint; neighbours: a shell without one, a terminal without a shell.
contained shelltty -t -- /bin/sh -c "vigil-helper echo $W; exit 0"
contained shellnotty -- /bin/sh -c "vigil-helper echo $W; exit 0"
contained ttynoshell -t -- vigil-helper echo "$W"
# docker exec -t (kubectl exec -t): a shell with a terminal in a running container.
docker exec -t "${ID[early]}" /bin/sh -c "vigil-helper echo exec-$W; exit 0" >/dev/null ||
	tap_fail "docker exec -t in the early container"

# Files. The image has no /etc/shadow: the shell writes one (a write below /etc) and the helper
# reads it. Near misses: /etc/passwd read, not written; a binary read, not written; a file
# written outside the watched folders; core_pattern and the process's memory read, not written.
contained files -- /bin/sh -c "
	echo 'root:*:19000:0:99999:7:::' >/etc/shadow
	echo 'vigil:x:0:0::/root:/bin/sh' >>/etc/passwd
	echo == shadow; vigil-helper open /etc/shadow r
	echo == passwd; vigil-helper open /etc/passwd r
	echo == hostname; vigil-helper open /etc/hostname r
	cp /bin/vigil-helper /bin/dropped-$W
	echo == busybox; vigil-helper open /bin/busybox r
	echo == tmp; vigil-helper open /tmp/bin-$W w,creat
	echo == core_pattern_w; vigil-helper open /proc/sys/kernel/core_pattern w
	echo == core_pattern_r; vigil-helper open /proc/sys/kernel/core_pattern r
	echo == sysrq; vigil-helper open /proc/sysrq-trigger w
	echo == mem_w; vigil-helper open /proc/self/mem w
	echo == mem_r; vigil-helper open /proc/self/mem r
	echo == vm_writev; vigil-helper process_vm_writev
	exit 0"
files_logs=$LOGS

# Escapes, with SYS_ADMIN and SYS_PTRACE (Docker's seccomp profile then allows mount, unshare,
# setns and ptrace). Near misses: a cgroup file read, a network namespace (not a user one),
# PTRACE_TRACEME, perf_event_open (not bpf), chown (CAP_CHOWN).
contained escape --cap-add SYS_ADMIN --cap-add SYS_PTRACE -- /bin/sh -c "
	mkdir -p /mnt/tmpfs /mnt/new /tmp/cg
	echo == mount; vigil-helper mount vigil-$W /mnt/tmpfs tmpfs 0
	echo == fsmount; vigil-helper fsmount tmpfs size 1m /mnt/new
	mount -t cgroup -o memory cgroup /tmp/cg
	echo == release_agent; vigil-helper open /tmp/cg/release_agent w
	echo == notify_r; vigil-helper open /tmp/cg/notify_on_release r
	echo == userns; unshare -U vigil-helper echo userns
	echo == netns; unshare -n vigil-helper echo netns
	echo == nsenter; nsenter -t 1 -u vigil-helper echo nsenter
	echo == ptrace; vigil-helper ptrace_attach
	echo == traceme; vigil-helper ptrace_traceme
	echo == bpf; vigil-helper bpf_map_create
	echo == perf; vigil-helper perf_event_open 1 9
	echo == chown; chown 1000 /tmp/cg
	exit 0"
escape_logs=$LOGS

# The same capabilities, used for nothing: runc's setup (its mounts, pivot_root, unshare) and a
# docker exec (runc's setns) are not the container's moves.
quiet=$(docker run -d --network none --name "vr-quiet-$W" --cap-add SYS_ADMIN --cap-add SYS_PTRACE "$IMAGE" \
	sleep 1000000) || tap_bail "docker run quiet" "$quiet"
ID[quiet]=$(docker inspect -f '{{.Id}}' "$quiet")
docker exec "$quiet" vigil-helper echo "$W" >/dev/null || tap_fail "docker exec in the quiet container"

# Credentials: root drops to 1000 (near miss); a user runs a setuid-root copy of the helper
# that makes itself root (the alert); a user asks for 0 without it and is refused (near miss).
contained creds -- /bin/sh -c "
	echo == drop; vigil-helper setuid 1000
	cp /bin/vigil-helper /tmp/suid-helper && chmod 4755 /tmp/suid-helper
	echo == suid; su tester -c '/tmp/suid-helper setuid 0'
	echo == refused; su tester -c 'vigil-helper setuid 0'
	exit 0"
creds_logs=$LOGS

# Programs from /dev/shm (mounted exec, as an attacker would need), a memfd, the writable layer;
# near miss: the image's own helper.
contained exec --tmpfs /dev/shm:exec -- /bin/sh -c "
	cp /bin/vigil-helper /dev/shm/shm-helper && /dev/shm/shm-helper echo shm
	vigil-helper exec_memfd echo memfd
	cp /bin/vigil-helper /tmp/dropped-helper && /tmp/dropped-helper echo dropped
	vigil-helper echo image
	exit 0"

# Network. The container's docker.sock is the test's own dockerd. 192.0.2.10 is TEST-NET-1.
contained net --sysctl net.ipv6.conf.lo.disable_ipv6=0 -v "$T/docker.sock:/var/run/docker.sock" -- /bin/sh -c "
	echo == packet; vigil-helper socket packet raw
	echo == udp; vigil-helper socket inet dgram
	echo == metadata; vigil-helper connect_inet 169.254.169.254 80
	echo == metadata6; vigil-helper connect_inet fd00:ec2::254 80
	echo == resolver; vigil-helper connect_inet 169.254.169.253 80
	echo == k8s_service; vigil-helper connect_inet 10.96.0.1 443
	echo == k8s_service_80; vigil-helper connect_inet 10.96.0.1 80
	echo == k8s_6443; vigil-helper connect_inet 192.0.2.10 6443
	echo == loopback_6443; vigil-helper connect_inet 127.0.0.1 6443
	echo == docker_sock; vigil-helper connect_unix /var/run/docker.sock
	echo == app_sock; vigil-helper connect_unix /tmp/app.sock
	exit 0"
net_logs=$LOGS

# A raw disk: the null device, given to the container as /dev/sdz (the rule goes by the path;
# no disk is touched). Near miss: the same device under another name.
contained device --device /dev/null:/dev/sdz:r --device /dev/null:/dev/vigil-null:r -- /bin/sh -c "
	echo == sdz; vigil-helper open /dev/sdz r
	echo == other; vigil-helper open /dev/vigil-null r
	exit 0"

# Kernel modules, without seccomp so that the calls reach the kernel.
echo not-a-module >"$T/bogus.ko"
contained modules --security-opt seccomp=unconfined -v "$T/bogus.ko:/bogus.ko:ro" -- /bin/sh -c "
	echo == init_module; vigil-helper init_module vigil_$W
	echo == finit_module; vigil-helper finit_module /bogus.ko vigil_$W
	exit 0"

# Every container is announced (posture rules need it), then a rename: not a start.
for label in "${!ID[@]}"; do
	wait_until 30 announced "${ID[$label]}" || tap_fail "container $label is announced"
done
docker rename "vr-plain-$W" "vr-renamed-$W"
# shellcheck disable=SC2317 # called by wait_until
renamed() {
	jq -e -n -R --arg id "${ID[plain]}" 'any(inputs | fromjson? | select(.type == "container");
		.action == "rename" and .container.full_id == $id)' "$OUT" >/dev/null
}
wait_until 30 renamed || tap_fail "the rename of vr-plain is announced"
docker rm -f "$quiet" "$early" >/dev/null
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

# ---- what the alerts say ----

JSON_DEFS='
	def alerts($rule): .[] | select(.type == "alert" and .rule == $rule);
	def alerts_in($id; $rule): alerts($rule) | select(.event.container.full_id? == $id);
	def f($name): .output_fields[$name];'
JSON_SHOW='.type == "alert"'

# alert LABEL RULE [JQ_CONDITION] : ok when rule RULE raised an alert for container LABEL for
# which JQ_CONDITION (over the alert record) holds.
alert() {
	local label=$1 rule=$2 cond=${3:-true}
	assert_json "$OUT" "any(alerts_in(\$id; \$rule); $cond)" \
		"$label: '$rule'$([ "$cond" = true ] || echo " where $cond")" --arg id "${ID[$label]}" --arg rule "$rule" \
		"${@:4}"
}
# no_alert LABEL RULE [JQ_CONDITION] : ok when rule RULE raised no such alert for container LABEL.
no_alert() {
	local label=$1 rule=$2 cond=${3:-true}
	assert_json "$OUT" "[alerts_in(\$id; \$rule) | select($cond)] | length == 0" \
		"$label: no '$rule'$([ "$cond" = true ] || echo " where $cond")" --arg id "${ID[$label]}" --arg rule "$rule" \
		"${@:4}"
}
# said LOGS SECTION : how the call of that section ended ("ok N" / "error ENAME").
said() {
	output_section "$2" "$1" | grep -E '^(ok|error) ' | tail -n 1
}

# The record itself, on one alert of each kind (a container event's, a kernel event's).
assert_json "$OUT" 'first(alerts_in($id; "Launch Privileged Container")) |
	.priority == "Informational" and (.tags | index("T1611")) and .source == "syscall" and .action == "alert"
	and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and .event.type == "container"
	and .event.action == "start" and f("container.name") == $name and f("container.privileged") == "true"
	and (.output | startswith("Privileged container started | ") and contains("container_name=" + $name))' \
	"an alert on a container event: priority, tags, source, action, time, the container event, output and its fields" \
	--arg id "${ID[privileged]}" --arg name "vr-privileged-$W"
assert_json "$OUT" 'first(alerts_in($id; "Read sensitive file untrusted")) |
	.priority == "Warning" and (.tags | index("T1003.008")) and .event.type == "openat"
	and .event.openat.path == "/etc/shadow" and f("fd.name") == "/etc/shadow"
	and f("proc.name") == "vigil-helper" and f("container.id") == $id[0:12]
	and (.output | contains("file=/etc/shadow") and contains("command=vigil-helper open /etc/shadow r"))' \
	"an alert on a kernel event: priority, tags, the event, output and its fields" --arg id "${ID[files]}"

# Posture.
alert privileged "Launch Privileged Container"
alert capable "Launch Excessively Capable Container" '(f("container.cap_add") | split(",") | sort) == ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"]'
alert capall "Launch Excessively Capable Container" 'f("container.cap_add") == "ALL"'
alert early "Launch Excessively Capable Container" '.event.action == "running" and f("container.cap_add") == "CAP_SYS_PTRACE"'
no_alert mildcaps "Launch Excessively Capable Container"
no_alert plain "Launch Privileged Container"
alert sensitive "Launch Sensitive Mount Container" 'f("container.sensitive_mounts") == "/etc"'
no_alert data "Launch Sensitive Mount Container"
alert socket "Launch Container With Runtime Socket Mounted" '.output | contains($sock)' --arg sock "$T/docker.sock"
no_alert notsocket "Launch Container With Runtime Socket Mounted"
no_alert data "Launch Container With Runtime Socket Mounted"
alert hostns "Launch Container With Host Namespaces" 'f("container.host_network") == "true" and f("container.host_pid") == "true" and f("container.host_ipc") == "true"'
no_alert utshost "Launch Container With Host Namespaces"
alert plain "Container Run as Root User"
alert plain "Launch Container Without Read-Only Root Filesystem"
alert plain "Launch Container Without No-New-Privileges"
alert plain "Launch Container Without Resource Limits" 'f("container.memory_limit") == "0" and f("container.pids_limit") == "0"'
assert_json "$OUT" '[alerts_in($id; "Container Run as Root User")] | length == 1' \
	"plain: renaming the container raises no second posture alert" --arg id "${ID[plain]}"
assert_json "$OUT" '[.[] | select(.type == "alert" and .event.container.full_id? == $id) | .rule] == []' \
	"hardened (read-only, no-new-privileges, memory and pids limits, user 1000, no capabilities): no alert at all" \
	--arg id "${ID[hardened]}"

# Execution.
alert shelltty "Terminal shell in container" 'f("proc.name") == "sh" and f("proc.tty") != "0"'
no_alert shellnotty "Terminal shell in container"
no_alert ttynoshell "Terminal shell in container"
alert early "Terminal shell in container" 'f("proc.cmdline") == "sh -c vigil-helper echo exec-" + $w + "; exit 0"' \
	--arg w "$W"
alert exec "Execution from /dev/shm" 'f("proc.exepath") == "/dev/shm/shm-helper"'
alert exec "Fileless execution via memfd_create" '.event.exec.exe_memfd == true'
alert exec "Drop and execute new binary in container" 'f("proc.exepath") == "/tmp/dropped-helper"'
no_alert exec "Drop and execute new binary in container" '.event.proc.args[-1] == "image" or .event.proc.args[-1] == "shm"'
no_alert exec "Fileless execution via memfd_create" '.event.proc.args[-1] != "memfd"'
no_alert exec "Execution from /dev/shm" '.event.proc.args[-1] != "shm"'

# Files.
assert_eq "$(said "$files_logs" shadow)" "ok 3" "files: the helper reads /etc/shadow"
alert files "Read sensitive file untrusted" 'f("fd.name") == "/etc/shadow"'
no_alert files "Read sensitive file untrusted" 'f("fd.name") != "/etc/shadow"'
alert files "Write to Account or Startup File below etc" 'f("fd.name") == "/etc/shadow" and f("proc.name") == "sh"'
alert files "Write to Account or Startup File below etc" 'f("fd.name") == "/etc/passwd" and (f("evt.arg.flags") | contains("O_APPEND"))'
no_alert files "Write to Account or Startup File below etc" 'f("proc.name") != "sh"'
alert files "Write below binary dir" 'f("fd.name") == $file' --arg file "/bin/dropped-$W"
no_alert files "Write below binary dir" 'f("fd.name") != $file' --arg file "/bin/dropped-$W"
assert_eq "$(said "$files_logs" core_pattern_w)" "error EROFS" "files: core_pattern is read-only in the container"
alert files "Core Pattern or SysRq Written From Container" 'f("fd.name") == "/proc/sys/kernel/core_pattern" and f("evt.res") == "EROFS"'
alert files "Core Pattern or SysRq Written From Container" 'f("fd.name") == "/proc/sysrq-trigger"'
no_alert files "Core Pattern or SysRq Written From Container" 'f("evt.arg.flags") == "O_RDONLY"'
alert files "Write to Process Memory in Container" '.event.type == "openat" and (f("fd.name") | test("^/proc/[0-9]+/mem$"))'
alert files "Write to Process Memory in Container" '.event.type == "process_vm_writev"'
no_alert files "Write to Process Memory in Container" '.event.type == "openat" and .event.openat.flags == "O_RDONLY"'
alert device "Privileged Container Device Access" 'f("fd.name") == "/dev/sdz"'
no_alert device "Privileged Container Device Access" 'f("fd.name") != "/dev/sdz"'

# Escapes.
assert_eq "$(said "$escape_logs" mount)" "ok 0" "escape: the tmpfs mount succeeds"
alert escape "Mount in Container" 'f("evt.type") == "mount" and (f("evt.args") | contains("vigil-"))'
alert escape "Mount in Container" 'f("evt.type") == "fsmount"'
alert escape "Mount in Container" 'f("evt.type") == "move_mount"'
alert escape "Dangerous Capability Used in Container" 'f("evt.arg.cap") == "CAP_SYS_ADMIN" and f("evt.syscall") == "mount"'
no_alert escape "Dangerous Capability Used in Container" 'f("evt.arg.cap") == "CAP_CHOWN"'
alert escape "Detect release_agent File Container Escapes" 'f("fd.name") == "/tmp/cg/release_agent"'
no_alert escape "Detect release_agent File Container Escapes" 'f("fd.name") != "/tmp/cg/release_agent"'
alert escape "User Namespace Created in Container" 'f("evt.type") == "unshare" and (f("evt.arg.flags") | contains("CLONE_NEWUSER"))'
no_alert escape "User Namespace Created in Container" '(f("evt.arg.flags") | contains("CLONE_NEWUSER")) | not'
alert escape "Change thread namespace" 'f("proc.name") == "nsenter"'
alert escape "PTRACE attached to process" 'f("evt.arg.request") == "PTRACE_ATTACH"'
no_alert escape "PTRACE attached to process" 'f("evt.arg.request") != "PTRACE_ATTACH"'
alert escape "BPF Syscall in Container" 'f("evt.arg.cmd") == "BPF_MAP_CREATE"'
assert_json "$OUT" '[alerts_in($id; "BPF Syscall in Container")] | length == 1' \
	"escape: one bpf alert (perf_event_open is not bpf)" --arg id "${ID[escape]}"
for rule in "Mount in Container" "Dangerous Capability Used in Container" "Change thread namespace" \
	"User Namespace Created in Container" "BPF Syscall in Container"; do
	no_alert quiet "$rule"
done

# Credentials.
assert_eq "$(said "$creds_logs" suid)" "ok 0" "creds: the setuid-root helper makes user 1000 root"
alert creds "Setuid to Root in Container" 'f("evt.arg.old_uid") == "1000" and f("evt.arg.new_uid") == "0"'
assert_json "$OUT" '[alerts_in($id; "Setuid to Root in Container")] | length == 1' \
	"creds: one alert: not for root dropping to 1000, nor for the refused setuid(0)" --arg id "${ID[creds]}"
assert_eq "$(said "$creds_logs" refused)" "error EPERM" "creds: setuid(0) without the setuid bit is refused"

# Network.
alert net "Packet socket created in container" '.event.socket.domain == "AF_PACKET"'
assert_json "$OUT" '[alerts_in($id; "Packet socket created in container")] | length == 1' \
	"net: one packet socket alert (socket(AF_INET) is no event)" --arg id "${ID[net]}"
assert_eq "$(said "$net_logs" metadata)" "error ENETUNREACH" "net: 169.254.169.254 is unreachable: nothing left the machine"
alert net "Contact cloud metadata service from container" 'f("fd.name") == "169.254.169.254:80"'
alert net "Contact cloud metadata service from container" 'f("fd.name") == "[fd00:ec2::254]:80"'
no_alert net "Contact cloud metadata service from container" 'f("fd.name") | test("^169.254.169.254:|^\\[fd00:ec2::254\\]:") | not'
alert net "Contact K8S API Server From Container" 'f("fd.name") == "10.96.0.1:443"'
alert net "Contact K8S API Server From Container" 'f("fd.name") == "192.0.2.10:6443"'
assert_json "$OUT" '[alerts_in($id; "Contact K8S API Server From Container")] | length == 2' \
	"net: no K8s API alert for 10.96.0.1:80 nor for 127.0.0.1:6443" --arg id "${ID[net]}"
assert_eq "$(said "$net_logs" docker_sock)" "ok 0" "net: the container connects to the mounted docker.sock"
alert net "Contact Container Runtime Socket From Container" 'f("fd.name") == "/var/run/docker.sock"'
no_alert net "Contact Container Runtime Socket From Container" 'f("fd.name") != "/var/run/docker.sock"'

# Kernel modules.
if [ -e /sys/kernel/tracing/events/syscalls/sys_exit_finit_module ]; then
	alert modules "Linux Kernel Module Injection Detected" 'f("evt.type") == "init_module"'
	alert modules "Linux Kernel Module Injection Detected" 'f("evt.type") == "finit_module"'
else
	diag "this kernel has no module tracepoints: the module rule cannot fire here (test_default_rules checks it)"
	assert_json "$OUT" 'all(.[]; .type | IN("init_module", "finit_module") | not)' \
		"modules: no module event on a kernel without their hooks"
fi

tap_done
