#!/bin/bash
# test_escapes: the agent reports the escape and tampering moves a container makes — ptrace,
# process_vm_writev, memfd_create, bpf, perf_event_open, keyctl, userfaultfd and the module
# system calls — each once, with the arguments it was given and how it ended; it says at start
# which of those hooks the kernel lacks; it leaves the same moves made on the host out unless
# --host is given.
#
# One container (--cap-add SYS_PTRACE, Docker's default seccomp profile otherwise) makes the
# moves through vigil-helper, which prints how each call ended ("ok N" / "error ENAME"); the
# events must end the same way. Under the default profile bpf, perf_event_open, keyctl and
# userfaultfd are refused with EPERM: a refused attempt is still reported, and that is what is
# asserted. A second container, without seccomp, makes the module calls.
#
# The module system calls: a kernel without CONFIG_MODULES (this machine's) has no tracepoint
# for them, so their events cannot be seen there. The test then asserts what the agent must do
# instead: warn at start that it lacks those hooks, list them as unavailable in `vigil probe`,
# and survive a container's finit_module of a bogus file. On a kernel that has the tracepoints
# it asserts the events themselves.
#
# Run: OUTPUT=build bash tests/integration/test_escapes.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-escapes
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
MODULE_SYSCALLS=(init_module finit_module delete_module)
container_test_setup "$IMAGE"

# Whether this kernel has the module system calls' tracepoints (CONFIG_MODULES).
if [ -e /sys/kernel/tracing/events/syscalls/sys_exit_finit_module ]; then
	modules_traced=1
else
	modules_traced=0
fi

# result_of FILE NAME : how the call of section NAME ended, "ok N" or "error ENAME".
result_of() {
	output_section "$2" "$(<"$1")" | grep -E '^(ok|error) ' | tail -n 1
}
# child_of FILE NAME : the target child's pid that section NAME printed ("pid N").
child_of() {
	output_section "$2" "$(<"$1")" | sed -n 's/^pid \([0-9]*\)$/\1/p'
}

# The events of one type that vigil-helper made (not runc's setup: it also calls memfd_create),
# and whether an event ended as the helper said ("ok N" or "error ENAME").
JSON_DEFS='
	def moves($cid; $type): .[] | select(.container.full_id? == $cid and .type == $type
		and .proc.comm == "vigil-helper");
	def ended_as($said): .[.type] as $payload | if ($said | startswith("ok "))
		then $payload.result == ($said[3:] | tonumber) else $payload.error == $said[6:] end;'

# ---- the module hooks this kernel lacks ----

probe_out=$("$VIGIL_BIN" probe 2>&1)
for name in "${MODULE_SYSCALLS[@]}"; do
	if [ "$modules_traced" = 1 ]; then
		grep -Eq "^ +$name +tracepoint/syscalls/sys_exit_$name\$" <<<"$probe_out" &&
			tap_ok "vigil probe: $name uses its exit tracepoint" ||
			tap_fail "vigil probe: $name uses its exit tracepoint" "$probe_out"
	else
		grep -Eq "^ +$name +unavailable: this kernel has no tracepoint syscalls/sys_exit_$name\$" <<<"$probe_out" &&
			tap_ok "vigil probe: $name is unavailable, for want of its tracepoint" ||
			tap_fail "vigil probe: $name is unavailable, for want of its tracepoint" "$probe_out"
	fi
done

out=$T/events.jsonl
vigil_start "$out" || tap_bail "vigil starts"
tap_ok "vigil starts and says it is ready"
warning=$(grep 'lacks the hooks for:' "$out.err")
if [ "$modules_traced" = 1 ]; then
	for name in "${MODULE_SYSCALLS[@]}"; do
		if grep -qw -- "$name" <<<"$warning"; then
			tap_fail "vigil run loads $name" "$warning"
		else
			tap_ok "vigil run loads $name"
		fi
	done
else
	for name in "${MODULE_SYSCALLS[@]}"; do
		grep -qw -- "$name" <<<"$warning" && tap_ok "vigil run warns at start that this kernel lacks $name" ||
			tap_fail "vigil run warns at start that this kernel lacks $name" "$(cat "$out.err")"
	done
fi

# ---- the moves, in a container ----

memfd_name=$(random_word memfd)
module_params=$(random_word vigil_test)
missing_module=vigil_test_no_such_module
script="echo == ptrace; vigil-helper ptrace_attach
echo == vm_writev; vigil-helper process_vm_writev
echo == memfd; vigil-helper memfd_create $memfd_name 3
echo == bpf; vigil-helper bpf_map_create
echo == perf; vigil-helper perf_event_open 1 9
echo == keyctl; vigil-helper keyctl
echo == userfaultfd; vigil-helper userfaultfd 0x80800
exit 0"
cid=$(docker run -d --network none --cap-add SYS_PTRACE "$IMAGE" /bin/sh -c "$script" 2>&1) ||
	tap_bail "docker run" "$cid"
assert_eq "$(timeout 60 docker wait "$cid" 2>&1)" 0 "the container's moves all ran (its script exits 0)"
cid=$(docker inspect -f '{{.Id}}' "$cid")
docker logs "$cid" >"$T/container.out" 2>&1
diag_file "$T/container.out"

# The module calls in a container of their own without seccomp, so that they reach the kernel
# (Docker's profile would refuse them before it): ENOSYS without CONFIG_MODULES, EPERM (no
# CAP_SYS_MODULE) with it.
script="echo not-a-module >/tmp/bogus.ko
echo == init_module; vigil-helper init_module $module_params
echo == finit_module; vigil-helper finit_module /tmp/bogus.ko $module_params
echo == delete_module; vigil-helper delete_module $missing_module
exit 0"
modules_cid=$(docker run -d --network none --security-opt seccomp=unconfined "$IMAGE" /bin/sh -c "$script" 2>&1) ||
	tap_bail "docker run (module calls)" "$modules_cid"
assert_eq "$(timeout 60 docker wait "$modules_cid" 2>&1)" 0 "the container's module calls all ran (its script exits 0)"
modules_cid=$(docker inspect -f '{{.Id}}' "$modules_cid")
docker logs "$modules_cid" >"$T/modules.out" 2>&1
diag_file "$T/modules.out"
pid_alive "$VIGIL_PID" && tap_ok "the agent is still running after the container's module calls" ||
	tap_fail "the agent is still running after the container's module calls" "$(cat "$out.err")"

# ---- the same moves on the host ----

# Each runs in the background so that its pid is known: none of those pids may be reported.
host_pids=()
host_memfd_name=$(random_word host-memfd)
echo not-a-module >"$T/bogus.ko"
run_on_host() {
	"$HELPER" "$@" >>"$T/host.out" 2>&1 &
	host_pids+=("$!")
	wait "$!"
}
run_on_host ptrace_attach
run_on_host process_vm_writev
run_on_host memfd_create "$host_memfd_name" 3
run_on_host bpf_map_create
run_on_host perf_event_open 1 9
run_on_host keyctl
run_on_host userfaultfd 0x80800
run_on_host finit_module "$T/bogus.ko" "$module_params"

vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

# ---- what was reported ----

JSON_SHOW='.container.full_id? == "'"$cid"'" and .proc.comm == "vigil-helper" and .type != "exec"'

# check_move TYPE SECTION CONDITION DESC [CID LOG] : the helper's TYPE event is reported once
# (from container CID, whose output is LOG; by default the first container), ends as the
# helper said in SECTION, and CONDITION (over the event's payload, .) holds.
check_move() {
	local type=$1 section=$2 condition=$3 desc=$4 from=${5:-$cid} log=${6:-$T/container.out} said
	said=$(result_of "$log" "$section")
	if [ -z "$said" ]; then
		tap_fail "$type: the helper reported how the call ended" "$(output_section "$section" "$(<"$log")")"
		return
	fi
	assert_json "$out" '[moves($cid; $type)] | length == 1' "$type is reported once" \
		--arg cid "$from" --arg type "$type"
	assert_json "$out" 'first(moves($cid; $type)) | ended_as($said)' \
		"$type: its result is what the call returned ($said)" --arg cid "$from" --arg type "$type" \
		--arg said "$said"
	assert_json "$out" "first(moves(\$cid; \$type)) | .[\$type] | $condition" "$type: $desc" \
		--arg cid "$from" --arg type "$type"
}

child=$(child_of "$T/container.out" ptrace)
[ -n "$child" ] || tap_bail "the ptrace helper printed its child's pid" "$(cat "$T/container.out")"
assert_eq "$(result_of "$T/container.out" ptrace)" "ok 0" "with CAP_SYS_PTRACE, the attach succeeds"
check_move ptrace ptrace ".request == \"PTRACE_ATTACH\" and .pid == $child" \
	"request PTRACE_ATTACH, pid $child (the target as the container numbers it)"
# The pid is the container's number for the child, not the host's: the fork event says both.
assert_json "$out" '[.[] | select(.container.full_id? == $cid and .type == "fork"
		and .fork.child_vpid == $child)] | length == 1 and .[0].fork.child_pid != $child' \
	"ptrace: that pid is the child's pid inside the container, not its host pid" \
	--arg cid "$cid" --argjson child "$child"

child=$(child_of "$T/container.out" vm_writev)
[ -n "$child" ] || tap_bail "the process_vm_writev helper printed its child's pid" "$(cat "$T/container.out")"
check_move process_vm_writev vm_writev \
	".pid == $child and .liovcnt == 1 and .riovcnt == 1 and .flags == \"0x0\"" \
	"pid $child, one local and one remote iovec, no flags"

check_move memfd_create memfd ".name == \"$memfd_name\" and .flags == \"MFD_CLOEXEC|MFD_ALLOW_SEALING\"" \
	"name $memfd_name, flags MFD_CLOEXEC|MFD_ALLOW_SEALING"

# An array map (type 2), attr up to map_flags (20 bytes).
check_move bpf bpf '.cmd == "BPF_MAP_CREATE" and .type == 2 and .size == 20' \
	"cmd BPF_MAP_CREATE, map type 2 (array), attr size 20"

# PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, this process, any cpu, no group, PERF_FLAG_FD_CLOEXEC.
check_move perf_event_open perf '.type == "PERF_TYPE_SOFTWARE" and .config == "0x9" and .pid == 0
		and .cpu == -1 and .group_fd == -1 and .flags == "0x8"' \
	"type PERF_TYPE_SOFTWARE, config 9, pid 0, cpu -1, group_fd -1, flags PERF_FLAG_FD_CLOEXEC"

# KEY_SPEC_SESSION_KEYRING is -3.
check_move keyctl keyctl '.operation == "KEYCTL_GET_KEYRING_ID" and .arg2 == "0xfffffffffffffffd"' \
	"operation KEYCTL_GET_KEYRING_ID on the session keyring (-3)"

check_move userfaultfd userfaultfd '.flags == "0x80800"' "flags O_CLOEXEC|O_NONBLOCK (0x80800)"

# The module system calls.
for name in "${MODULE_SYSCALLS[@]}"; do
	said=$(result_of "$T/modules.out" "$name")
	[[ $said == error* ]] && tap_ok "$name of a bogus module from the container fails ($said)" ||
		tap_fail "$name of a bogus module from the container fails" "the helper said: '$said'"
done
if [ "$modules_traced" = 1 ]; then
	check_move init_module init_module ".len == 4 and .params == \"$module_params\"" \
		"len 4, params $module_params" "$modules_cid" "$T/modules.out"
	check_move finit_module finit_module ".path == \"/tmp/bogus.ko\" and .params == \"$module_params\"
			and .fd >= 3 and .flags == \"0x0\"" "path /tmp/bogus.ko (from the fd), params, no flags" \
		"$modules_cid" "$T/modules.out"
	check_move delete_module delete_module ".name == \"$missing_module\" and .flags == \"0x800\"" \
		"name $missing_module, flags O_NONBLOCK" "$modules_cid" "$T/modules.out"
else
	diag "this kernel has no module tracepoints: the init_module, finit_module and delete_module" \
		"events themselves cannot be observed here"
	assert_json "$out" 'all(.[]; .type | IN("init_module", "finit_module", "delete_module") | not)' \
		"no module event on a kernel without their hooks"
fi

# The host.
assert_json "$out" 'all(.[]; .proc.pid | IN($pids[]) | not)' \
	"none of the host's moves is reported without --host" --argjson pids "$(printf '%s\n' "${host_pids[@]}" | jq -s .)"
assert_json "$out" 'all(.[]; .type != "memfd_create" or .memfd_create.name != $name)' \
	"the host's memfd ($host_memfd_name) is not reported" --arg name "$host_memfd_name"
assert_json "$out" 'all(.[]; .container != null)' "every event comes from a container"

# ---- with --host, the host's moves are reported ----

out_host=$T/events-host.jsonl
vigil_start "$out_host" --host || tap_bail "vigil --host starts"
host_memfd_name=$(random_word host-memfd)
host_pids=()
run_on_host ptrace_attach
run_on_host memfd_create "$host_memfd_name" 3
vigil_stop
assert_eq "$?" 0 "vigil --host exits 0"
JSON_SHOW='.container == null and .proc.comm == "vigil-helper" and .type != "exec"'
assert_json "$out_host" '[.[] | select(.type == "ptrace" and .proc.pid == $pid)] |
		length == 1 and .[0].container == null and .[0].ptrace.request == "PTRACE_ATTACH"' \
	"--host: the host's ptrace attach is reported, with container null" --argjson pid "${host_pids[0]}"
assert_json "$out_host" '[.[] | select(.type == "memfd_create" and .memfd_create.name == $name)] |
		length == 1 and .[0].proc.pid == $pid' \
	"--host: the host's memfd ($host_memfd_name) is reported" --arg name "$host_memfd_name" \
	--argjson pid "${host_pids[1]}"

tap_done
