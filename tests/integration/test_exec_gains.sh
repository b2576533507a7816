#!/bin/bash
# test_exec_gains: an exec event says where the program came from (a memfd, /dev/shm, a file
# written in the container after it started, or the image), its inode number, and the process's
# controlling terminal; the host's fileless exec is not reported without --host.
#
# Run: OUTPUT=build bash tests/integration/test_exec_gains.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd

IMAGE=vigil-test-exec-gains
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
# Every exec of `vigil-helper echo $word`, by name or by path (argv[0] is either).
JSON_DEFS='def echo_execs($word): .[] | select(.type == "exec" and .proc.args[1:] == ["echo", $word]);'
JSON_SHOW='.type == "exec" and (.proc.args[0] | tostring | test("vigil-helper"))'

container_test_setup "$IMAGE"

# Words that make this run's execs unique: the agent sees every container on the machine.
run=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
shm=shm-$run memfd=memfd-$run upper=upper-$run image=image-$run tty=tty-$run host=host-$run

out=$T/events.jsonl
vigil_start "$out" || tap_bail "vigil starts"
tap_ok "vigil starts"

# Docker mounts /dev/shm noexec; the container remounts it exec, as an attacker's setup would
# need. busybox's cp is run in the shell: the helper is copied, then each copy is exec'd by path.
# The logs hold the inode numbers the container sees.
cid=$(docker run -d --network none --tmpfs /dev/shm:exec "$IMAGE" /bin/sh -c "
	cp /bin/vigil-helper /dev/shm/vigil-helper && /dev/shm/vigil-helper echo $shm
	vigil-helper exec_memfd echo $memfd
	cp /bin/vigil-helper /tmp/vigil-helper && /tmp/vigil-helper echo $upper
	vigil-helper echo $image
	stat -c 'ino %n %i' /tmp/vigil-helper /bin/vigil-helper
	exit 0" 2>&1) || tap_bail "docker run" "$cid"
assert_eq "$(timeout 60 docker wait "$cid" 2>&1)" 0 "the container script exits 0"
docker logs "$cid" >"$T/origins.log" 2>&1
cid=$(docker inspect -f '{{.Id}}' "$cid")

# `docker run -t` gives the container a terminal: a pty whose numbers the container reports.
tty_cid=$(docker run -d -t --network none "$IMAGE" /bin/sh -c "
	vigil-helper echo $tty
	stat -L -c 'tty %t %T' /proc/self/fd/0
	exit 0" 2>&1) || tap_bail "docker run -t" "$tty_cid"
assert_eq "$(timeout 60 docker wait "$tty_cid" 2>&1)" 0 "the container script with a tty exits 0"
docker logs "$tty_cid" >"$T/tty.log" 2>&1
tty_cid=$(docker inspect -f '{{.Id}}' "$tty_cid")

"$HELPER" exec_memfd echo "$host" >/dev/null
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

args=(--arg cid "$cid")
assert_json "$out" '[echo_execs($w)] | length == 1 and (.[0] | .container.full_id == $cid and
	.exec.filename == "/dev/shm/vigil-helper" and .exec.exe_dev_shm and (.exec.exe_memfd | not) and
	(.exec.exe_upper_layer | not))' \
	"exec from /dev/shm: exe_dev_shm, and neither memfd nor upper layer" "${args[@]}" --arg w "$shm"
assert_json "$out" '[echo_execs($w)] | length == 1 and (.[0] | .container.full_id == $cid and
	.exec.exe_memfd and (.exec.exe_dev_shm | not) and (.exec.exe_upper_layer | not) and
	(.exec.filename | startswith("/dev/fd/")))' \
	"exec from a memfd (fexecve): exe_memfd, filename /dev/fd/N" "${args[@]}" --arg w "$memfd"
upper_ino=$(sed -n 's|^ino /tmp/vigil-helper \([0-9]*\)$|\1|p' "$T/origins.log")
image_ino=$(sed -n 's|^ino /bin/vigil-helper \([0-9]*\)$|\1|p' "$T/origins.log")
assert_json "$out" '[echo_execs($w)] | length == 1 and (.[0] | .container.full_id == $cid and
	.exec.filename == "/tmp/vigil-helper" and .exec.exe_upper_layer and (.exec.exe_memfd | not) and
	(.exec.exe_dev_shm | not) and .exec.exe_ino == $ino)' \
	"exec of a file written after the container started: exe_upper_layer, exe_ino as stat says ($upper_ino)" \
	"${args[@]}" --arg w "$upper" --argjson ino "${upper_ino:-0}"
assert_json "$out" '[echo_execs($w)] | length == 1 and (.[0] | .container.full_id == $cid and
	.exec.filename == "/bin/vigil-helper" and (.exec.exe_upper_layer or .exec.exe_memfd or .exec.exe_dev_shm | not)
	and .exec.exe_ino == $ino)' \
	"exec of the image's /bin/vigil-helper: no origin flag, exe_ino as stat says ($image_ino)" \
	"${args[@]}" --arg w "$image" --argjson ino "${image_ino:-0}"
assert_json "$out" '[.[] | select(.type == "exec" and .container.full_id? == $cid)] | length >= 4 and
	all(.exec.tty == 0)' \
	"without -t, no exec in the container has a tty" "${args[@]}"

# The pty's numbers in hex, as stat printed them; new_encode_dev puts the major in bits 8-19.
read -r tty_major tty_minor < <(sed -n 's/^tty \([0-9a-f]*\) \([0-9a-f]*\)\r*$/\1 \2/p' "$T/tty.log")
expected_tty=$(((0x${tty_minor:-0} & 0xff) | (0x${tty_major:-0} << 8) | ((0x${tty_minor:-0} & ~0xff) << 12)))
assert_json "$out" '[echo_execs($w)] | length == 1 and (.[0] | .container.full_id == $cid and
	.exec.tty == $tty and .exec.tty != 0)' \
	"with docker run -t, the exec has the container's pty as tty ($expected_tty = ${tty_major:-?}:${tty_minor:-?} hex)" \
	--arg cid "$tty_cid" --arg w "$tty" --argjson tty "$expected_tty"

assert_json "$out" '[echo_execs($w)] | length == 0' \
	"without --host, the host's exec from a memfd is not reported" --arg w "$host"

tap_done
