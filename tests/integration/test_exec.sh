#!/bin/bash
# test_exec: the agent reports every exec in a container, with the argv, uid, parent and
# container id that really were; it leaves host processes out unless --host is given.
#
# A container runs a shell script of two known helper execs while `vigil run --events` watches;
# at the same time the host execs the helper with a random marker. Run 1 (default) must report
# the container's execs and not the host's; run 2 (--host) must report both.
#
# Run: OUTPUT=build bash tests/integration/test_exec.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper: make all build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-exec
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
# The helpers are run by name, found through PATH (/bin in the test image), so that argv[0]
# ("vigil-helper") and the file the kernel executes (/bin/vigil-helper) differ and the test can
# tell that the agent reports each for what it is. Busybox ash execs the last command of
# `sh -c` in place of the shell; `exit 0` keeps both helpers children of sh, which is what the
# parent assertions check. Each run adds its own random word to the argv: the agent reports every
# container on the machine, and another test running at the same time must not be taken for
# this one. run_workload sets these.
CONTAINER_SCRIPT=
ARGS_ONE=
ARGS_THREE=
# When an assertion fails, show the exec events.
JSON_SHOW='.type == "exec"'
# The events the assertions look at (each applies to the array of all events): the execs with
# argv $args, the exec of /bin/sh in the container whose full id is $cid, and that shell's pid.
JSON_DEFS='
	def execs($args): .[] | select(.type == "exec" and .proc.args == $args);
	def sh_execs($cid): .[] | select(.type == "exec" and .container.full_id? == $cid
		and (.exec.filename == "/bin/sh" or .proc.exe == "/bin/sh"));
	def sh_pid($cid): first(sh_execs($cid)) | .proc.pid;'

container_test_setup "$IMAGE"

# run_workload OUTFILE MARKER LABEL [VIGIL_ARG...] : with the agent watching (events to OUTFILE),
# runs the container script to its end, then the helper on the host with MARKER, then stops the
# agent. Sets CID to the container's full id, and the argv the helpers ran with.
run_workload() {
	local out=$1 marker=$2 label=$3 status host_out run_word
	shift 3
	run_word=$(random_word run)
	CONTAINER_SCRIPT="vigil-helper echo one \"two words\" $run_word; vigil-helper echo three $run_word; exit 0"
	ARGS_ONE=$(jq -cn --arg w "$run_word" '["vigil-helper", "echo", "one", "two words", $w]')
	ARGS_THREE=$(jq -cn --arg w "$run_word" '["vigil-helper", "echo", "three", $w]')

	vigil_start "$out" "$@" || tap_bail "$label: vigil starts"
	tap_ok "$label: vigil starts and says it is ready"

	CID=$(docker run -d --network none -u 1000:1000 "$IMAGE" /bin/sh -c "$CONTAINER_SCRIPT" 2>&1) ||
		tap_bail "$label: docker run" "$CID"
	status=$(timeout 60 docker wait "$CID" 2>&1)
	assert_eq "$status" 0 "$label: the container script exits 0"
	CID=$(docker inspect -f '{{.Id}}' "$CID")

	host_out=$("$HELPER" echo "$marker")
	assert_eq "$host_out" "$marker" "$label: the helper runs on the host"

	vigil_stop
	assert_eq "$?" 0 "$label: vigil exits 0 on SIGINT"
}

# assert_container_execs OUTFILE CID LABEL : the container's /bin/sh and both helper execs are
# in OUTFILE with the right argv, filename, uid, parent and container.
assert_container_execs() {
	local out=$1 cid=$2 label=$3
	local jq_args=(--arg cid "$cid" --argjson one "$ARGS_ONE" --argjson three "$ARGS_THREE")

	assert_json "$out" "[execs(\$one)] | length == 1" \
		"$label: exec of vigil-helper echo one \"two words\" is reported once" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .exec.filename == \"/bin/vigil-helper\"" \
		"$label: its filename is /bin/vigil-helper" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .proc.comm == \"vigil-helper\"" \
		"$label: its comm is vigil-helper" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .proc.uid == 1000 and .proc.euid == 1000" \
		"$label: it runs as uid 1000" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .container.full_id == \$cid" \
		"$label: its container.full_id is docker inspect's id" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .container.id == \$cid[0:12]" \
		"$label: its container.id is the first 12 hex digits" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .cgroup.path | endswith(\$cid)" \
		"$label: its cgroup.path ends with the container id" "${jq_args[@]}"
	assert_json "$out" "[sh_execs(\$cid)] | length == 1" \
		"$label: the container's exec of /bin/sh is reported once" "${jq_args[@]}"
	assert_json "$out" "sh_pid(\$cid) as \$sh | first(execs(\$one)) | .proc.ppid == \$sh" \
		"$label: its proc.ppid is the pid of the container's sh" "${jq_args[@]}"
	assert_json "$out" "first(execs(\$one)) | .parent.comm == \"sh\"" \
		"$label: its parent.comm is sh" "${jq_args[@]}"

	assert_json "$out" "[execs(\$three)] | length == 1" \
		"$label: exec of vigil-helper echo three is reported once" "${jq_args[@]}"
	assert_json "$out" "sh_pid(\$cid) as \$sh | first(execs(\$three)) |
			.exec.filename == \"/bin/vigil-helper\" and .proc.uid == 1000
			and .container.full_id == \$cid and .proc.ppid == \$sh and .parent.comm == \"sh\"" \
		"$label: it has the same filename, uid, container and parent" "${jq_args[@]}"
}

# Run 1: container processes only (the default).
out1=$T/run1.jsonl
marker1=$(random_word host-marker)
run_workload "$out1" "$marker1" "default"
cid1=$CID
assert_json "$out1" 'length > 0' "default: vigil printed JSON lines"
assert_container_execs "$out1" "$cid1" "default"
assert_json "$out1" 'all(.[]; tostring | contains($m) | not)' \
	"default: the host exec (marker $marker1) is not reported" --arg m "$marker1"
assert_json "$out1" 'all(.[]; .container != null)' \
	"default: every event comes from a container"

# Run 2: host processes too.
out2=$T/run2.jsonl
marker2=$(random_word host-marker)
run_workload "$out2" "$marker2" "--host" --host
cid2=$CID
assert_container_execs "$out2" "$cid2" "--host"
# The host runs the helper by its path, so that path is argv[0].
host_args=$(jq -cn --arg path "$HELPER" --arg m "$marker2" '[$path, "echo", $m]')
assert_json "$out2" '[execs($host)] | length == 1' \
	"--host: the host exec (marker $marker2) is reported once" --argjson host "$host_args"
assert_json "$out2" 'first(execs($host)) | .container == null and .exec.filename == $path' \
	"--host: it has container null and the host path as filename" \
	--argjson host "$host_args" --arg path "$HELPER"

tap_done
