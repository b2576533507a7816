# shellcheck shell=bash
# The integration-test harness: source it from a tests/integration/test_*.sh script.
#
#   . "$(dirname "$0")/lib.sh"
#   require_root
#   dockerd_start || tap_bail "dockerd starts"
#   ...
#   assert_eq "$status" 0 "vigil exits 0"
#   tap_done
#
# A test prints TAP lines (`ok N - desc`, `not ok N - desc`, diagnostics as `# ...`) that
# tests/run.sh counts, and ends with tap_done. Exit 77 means the whole script skipped; the
# reason is printed on a `# SKIP` line first (tests/run.sh shows it, and under CI=true counts
# the skip as a failure: CI runs as root, where these tests must run).
#
# Rules for tests written on this harness:
# - Never sleep and hope: wait for a condition with wait_until (bounded poll).
# - Everything a test starts is stopped by the EXIT trap this file installs (dockerd and its
#   containers, vigil, temporary folders and mounts), also when the test fails or is
#   interrupted. Register more cleanup with on_exit.
# - The harness functions return non-zero after printing what went wrong as `# ` lines; the
#   test decides what that means (usually `|| tap_bail "what failed"`).
#
# Environment:
#   OUTPUT  the build folder (default: build). A relative path is taken from the current
#           folder, like any path; `make` runs from the repository root.

set -u

VIGIL_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in
/*) ;;
*) OUTPUT=$PWD/$OUTPUT ;;
esac
export OUTPUT
# OUTPUT as a user would type it in make's folder, for messages ("make OUTPUT=build ...").
OUTPUT_SHOWN=${OUTPUT#"$VIGIL_REPO"/}
VIGIL_BIN=$OUTPUT/vigil
VIGIL_HELPERS_DIR=$OUTPUT/tests/helpers

# ---------------------------------------------------------------------------------------------
# TAP

TAP_COUNT=0
TAP_FAILED=0

# diag TEXT... : prints each TEXT as TAP diagnostics, every line prefixed with "# ".
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# diag_file FILE [MAX_LINES] : prints the last MAX_LINES (default 40) lines of FILE as diagnostics.
diag_file() {
	local file=$1 max=${2:-40} n
	if [ ! -e "$file" ]; then
		diag "($file does not exist)"
		return
	fi
	n=$(wc -l <"$file")
	if [ "$n" -gt "$max" ]; then
		diag "--- $file (last $max of $n lines) ---"
	else
		diag "--- $file ---"
	fi
	tail -n "$max" "$file" | sed 's/^/# /'
}

# tap_ok DESC : records a passing test.
tap_ok() {
	TAP_COUNT=$((TAP_COUNT + 1))
	printf 'ok %d - %s\n' "$TAP_COUNT" "$1"
}

# tap_fail DESC [DETAIL...] : records a failing test; DETAIL is printed as diagnostics.
tap_fail() {
	TAP_COUNT=$((TAP_COUNT + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	printf 'not ok %d - %s\n' "$TAP_COUNT" "$1"
	shift
	if [ $# -gt 0 ]; then
		diag "$@"
	fi
}

# tap_check DESC COMMAND... : ok when COMMAND succeeds; on failure shows its output.
tap_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command failed (status $?): $*" "$out"
	fi
}

# assert_eq ACTUAL EXPECTED DESC : ok when the two strings are equal.
assert_eq() {
	if [ "$1" = "$2" ]; then
		tap_ok "$3"
	else
		tap_fail "$3" "expected: '$2'" "actual:   '$1'"
	fi
}

# JSON_SHOW: a jq condition over one event that picks the lines assert_json shows when it
# fails (default: every line). A test sets it once, e.g. JSON_SHOW='.type == "exec"'.
JSON_SHOW=${JSON_SHOW:-true}
# JSON_SHOW_MAX: at most this many of those lines are shown (the last ones).
JSON_SHOW_MAX=${JSON_SHOW_MAX:-40}
# JSON_DEFS: jq definitions (`def name: ...;`) put before every assert_json filter, so that a
# test names the events it looks for once. Not repeated in failure messages.
JSON_DEFS=${JSON_DEFS:-}
# The files whose lines a failing assert_json already showed (shown once per file).
_LIB_JSON_SHOWN=" "

# assert_json FILE JQ_FILTER DESC [JQ_OPTION...] : ok when `jq -e` of JQ_FILTER is true over
# FILE, a JSON-lines file slurped into one array (so the filter sees `.` = every event).
# JQ_OPTIONs are passed to jq before the filter, e.g. --arg cid "$cid" to use $cid in it.
# On failure, shows the filter, why it failed, and (the first time for FILE) the lines of FILE
# that JSON_SHOW picks.
assert_json() {
	local file=$1 filter=$2 desc=$3 out status shown why
	shift 3
	out=$(jq -e -s "$@" "$JSON_DEFS $filter" "$file" 2>&1)
	status=$?
	if [ $status -eq 0 ]; then
		tap_ok "$desc"
		return 0
	fi
	# jq -e reports a line that is not JSON like a filter without output; tell them apart.
	if ! why=$(jq -s 'length' "$file" 2>&1 >/dev/null); then
		why="$file is not JSON lines: $why"
	else
		case $status in
		1) why="it is false or null" ;;
		4) why="it gave no output: nothing matched" ;;
		*) why="jq failed (status $status): $out" ;;
		esac
	fi
	tap_fail "$desc" "jq filter: $filter" "$why"
	if [ $# -gt 0 ]; then
		diag "jq options: $*"
	fi
	if [[ $_LIB_JSON_SHOWN == *" $file "* ]]; then
		diag "(the lines of $file are shown above)"
		return 1
	fi
	_LIB_JSON_SHOWN+="$file "
	shown=$(jq -c "select($JSON_SHOW)" "$file" 2>/dev/null | tail -n "$JSON_SHOW_MAX")
	if [ -n "$shown" ]; then
		diag "--- $file, lines where $JSON_SHOW (at most the last $JSON_SHOW_MAX) ---"
		printf '%s\n' "$shown" | sed 's/^/# /'
	else
		diag "--- $file: no line where $JSON_SHOW ($(wc -l <"$file" 2>/dev/null || echo 0) lines in all) ---"
	fi
	return 1
}

# tap_done : prints the plan 1..N and exits: 1 when any test failed, 0 otherwise.
tap_done() {
	printf '1..%d\n' "$TAP_COUNT"
	if [ "$TAP_FAILED" -gt 0 ]; then
		diag "$TAP_FAILED of $TAP_COUNT failed"
		exit 1
	fi
	exit 0
}

# tap_bail DESC [DETAIL...] : records a failure that leaves nothing else worth testing (setup
# did not work), then ends the script as tap_done does.
tap_bail() {
	tap_fail "$@"
	tap_done
}

# skip_all REASON : the whole script cannot run here; says why and exits 77.
skip_all() {
	printf '1..0 # SKIP %s\n' "$1"
	exit 77
}

# ---------------------------------------------------------------------------------------------
# Cleanup and waiting

_LIB_CLEANUPS=()

# on_exit COMMAND : runs COMMAND (a string, eval'ed) when the script exits, however it exits.
# Commands run in the reverse order of registration, like defers.
on_exit() {
	_LIB_CLEANUPS+=("$1")
}

_lib_run_cleanups() {
	local i
	for ((i = ${#_LIB_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_LIB_CLEANUPS[i]}" || true
	done
	_LIB_CLEANUPS=()
}

trap _lib_run_cleanups EXIT
# Turn signals into an exit so that the EXIT trap cleans up (bash runs no EXIT trap when a
# signal kills it).
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_until SECONDS COMMAND... : polls COMMAND every 0.1 s until it succeeds (returns 0) or
# SECONDS have passed (returns 1). The way to wait for anything in these tests.
wait_until() {
	local timeout=$1 deadline
	shift
	deadline=$(($(date +%s%N) + timeout * 1000000000))
	while ! "$@"; do
		if [ "$(date +%s%N)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# pid_alive PID : true while PID runs. Unlike `kill -0`, false for a zombie, so it also works
# for our own children before `wait` reaps them.
pid_alive() {
	local state
	state=$(sed -n 's/^[0-9]* (.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# pid_exited PID : the opposite of pid_alive, for wait_until.
pid_exited() {
	! pid_alive "$1"
}

# stop_pid PID SECONDS : sends SIGTERM to PID, waits up to SECONDS for it to go, then SIGKILL.
# Returns 0 when it went on SIGTERM.
stop_pid() {
	local pid=$1 timeout=$2
	pid_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_until "$timeout" pid_exited "$pid" && return 0
	diag "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) ignored SIGTERM for ${timeout}s: SIGKILL"
	kill -KILL "$pid" 2>/dev/null
	wait_until 10 pid_exited "$pid"
	return 1
}

# ---------------------------------------------------------------------------------------------
# The machine

# require_root : skips the script when not run as root (it loads BPF programs, runs dockerd).
require_root() {
	if [ "$(id -u)" != 0 ]; then
		skip_all "needs root (it loads BPF programs and runs dockerd)"
	fi
}

# require_cmd CMD... : skips the script when a command it needs is not installed.
require_cmd() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || skip_all "$cmd is not installed (make deps installs it)"
	done
}

# ensure_tracefs : mounts tracefs at /sys/kernel/tracing unless it is there; the agent looks up
# tracepoints in it. Returns non-zero when the mount fails.
ensure_tracefs() {
	if awk '$2 == "/sys/kernel/tracing" && $3 == "tracefs" { found = 1 } END { exit !found }' /proc/mounts; then
		return 0
	fi
	local out
	if ! out=$(mount -t tracefs nodev /sys/kernel/tracing 2>&1); then
		diag "mount -t tracefs nodev /sys/kernel/tracing failed: $out"
		return 1
	fi
}

# test_tmpdir : the script's private temporary folder ($T), made on first use and removed
# (after unmounting anything under it) at exit. Kept short: dockerd's exec-root under it holds
# unix sockets, whose paths are limited to 108 bytes.
T=
test_tmpdir() {
	if [ -z "$T" ]; then
		T=$(mktemp -d /tmp/vigil-it.XXXXXX) || return 1
		on_exit _lib_remove_tmpdir
	fi
}

# Unmounts what is left under $T (deepest first), then removes it. If something stays mounted
# the folder is left alone: rm -rf through a mount could reach outside it.
_lib_remove_tmpdir() {
	[ -n "$T" ] && [ -d "$T" ] || return 0
	local mnt left
	for mnt in $(_lib_mounts_under "$T" | sort -r); do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || diag "cannot unmount $mnt"
	done
	left=$(_lib_mounts_under "$T")
	if [ -n "$left" ]; then
		diag "left $T in place, still mounted:" "$left"
		return 1
	fi
	rm -rf "$T"
}

# Prints the mount points at or below $1, from this mount namespace's mountinfo.
_lib_mounts_under() {
	awk -v dir="$1" '$5 == dir || index($5, dir "/") == 1 { print $5 }' /proc/self/mountinfo
}

# Prints the pids of processes whose command line mentions $1 (containerd and shims that
# dockerd started with paths under $T).
_lib_pids_mentioning() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$$" ] && continue
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$1"; then
			echo "$pid"
		fi
	done
}

# ---------------------------------------------------------------------------------------------
# dockerd

DOCKERD_PID=

_lib_docker_answers() {
	timeout 10 docker version >/dev/null 2>&1
}

# dockerd_start : starts a private dockerd (its own data-root, exec-root, pidfile and socket
# under $T, no iptables, no bridge) so that tests never touch a system daemon, exports
# DOCKER_HOST, and waits (60 s at most) until it answers. The EXIT trap removes its containers
# and stops it. Returns non-zero, with the log tail shown, when it does not come up.
# DOCKERD_ARGS: more dockerd arguments for dockerd_start (an array), e.g. --live-restore or
# the TLS listener of a test of the Engine API over TCP.
DOCKERD_ARGS=()

dockerd_start() {
	require_cmd dockerd docker
	test_tmpdir || return 1
	mkdir -p "$T/data" "$T/exec"
	# Its own (empty) config file, so that a /etc/docker/daemon.json on the machine cannot
	# change what the tests run on.
	echo '{}' >"$T/daemon.json"
	dockerd --config-file "$T/daemon.json" --iptables=false --bridge=none \
		--data-root "$T/data" --exec-root "$T/exec" --pidfile "$T/docker.pid" \
		-H "unix://$T/docker.sock" "${DOCKERD_ARGS[@]}" </dev/null >>"$T/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	if [ -z "$_LIB_DOCKERD_CLEANUP" ]; then
		on_exit dockerd_stop
		_LIB_DOCKERD_CLEANUP=1
	fi
	export DOCKER_HOST=unix://$T/docker.sock

	local deadline=$(($(date +%s) + 60))
	while ! _lib_docker_answers; do
		if ! pid_alive "$DOCKERD_PID"; then
			wait "$DOCKERD_PID"
			diag "dockerd exited with status $? before answering"
			diag_file "$T/dockerd.log" 30
			return 1
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			diag "dockerd did not answer on $DOCKER_HOST within 60 s"
			diag_file "$T/dockerd.log" 30
			return 1
		fi
		sleep 0.2
	done
}

# dockerd_stop : removes every container, stops dockerd (SIGTERM, then waits for its pid to go)
# and whatever it left running (containerd, shims). Called by the EXIT trap; safe to call twice.
_LIB_DOCKERD_CLEANUP=

# dockerd_restart : stops the daemon alone (SIGTERM; with --live-restore in DOCKERD_ARGS its
# containers run on) and starts it again on the same data root. Returns non-zero when the
# daemon does not stop or does not answer again.
dockerd_restart() {
	stop_pid "$DOCKERD_PID" 30 || return 1
	wait "$DOCKERD_PID" 2>/dev/null
	dockerd_start
}

dockerd_stop() {
	[ -n "$DOCKERD_PID" ] || return 0
	local ids pid
	if pid_alive "$DOCKERD_PID"; then
		ids=$(timeout 30 docker ps -aq 2>/dev/null)
		if [ -n "$ids" ]; then
			# shellcheck disable=SC2086 # one id per word
			timeout 60 docker rm -f $ids >/dev/null 2>&1 || diag "docker rm -f failed for: $ids"
		fi
		stop_pid "$DOCKERD_PID" 30
	fi
	wait "$DOCKERD_PID" 2>/dev/null
	DOCKERD_PID=
	# dockerd stops the containerd it started; make sure of it, and of the shims.
	for pid in $(_lib_pids_mentioning "$T/"); do
		diag "dockerd left pid $pid running: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		stop_pid "$pid" 10
	done
}

# image_build NAME : builds the test image NAME with `docker import` (no registry needed): a
# root holding busybox-static as /bin/busybox with a symlink per applet (sh, echo, cat, id,
# sleep, ...), /etc/passwd and /etc/group with root and tester (1000), and every
# $OUTPUT/tests/helpers/* program in /bin; PATH=/bin. Needs dockerd_start first.
image_build() {
	local name=$1 root busybox=/bin/busybox applet helper out
	test_tmpdir || return 1
	if ! "$busybox" --list >/dev/null 2>&1 || ! file_is_static "$busybox"; then
		diag "$busybox is not a static busybox: apt-get install busybox-static"
		return 1
	fi
	root=$(mktemp -d "$T/image.XXXXXX") || return 1
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home/tester" \
		"$root/proc" "$root/sys" "$root/dev"
	chmod 1777 "$root/tmp"
	cp "$busybox" "$root/bin/busybox"
	for applet in $("$busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	for helper in "$VIGIL_HELPERS_DIR"/*; do
		[[ -f $helper && -x $helper ]] || continue
		cp "$helper" "$root/bin/"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'tester:x:1000:1000:tester:/home/tester:/bin/sh' \
		'nobody:x:65534:65534:nobody:/:/bin/false' >"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'tester:x:1000:' 'nogroup:x:65534:' >"$root/etc/group"
	chown 1000:1000 "$root/home/tester"
	if ! out=$(tar -C "$root" --numeric-owner -c . | docker import --change 'ENV PATH=/bin' \
		--change 'CMD ["/bin/sh"]' - "$name" 2>&1); then
		diag "docker import of $name failed: $out"
		return 1
	fi
	rm -rf "$root"
}

# file_is_static FILE : true when FILE is an ELF executable without a program interpreter
# (it can run in an image that has no libc).
file_is_static() {
	! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter' &&
		LC_ALL=C readelf -h "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------
# The agent

VIGIL_PID=
VIGIL_OUT=
_LIB_VIGIL_CLEANUP=

_lib_vigil_ready() {
	grep -q '^vigil: ready' "$VIGIL_OUT.err" 2>/dev/null
}

# vigil_start OUTFILE [ARG...] : starts `$OUTPUT/vigil run --no-config --events ARG...` in the
# background (a machine's /etc/vigil/vigil.yaml never leaks into a test; give --config to test one),
# stdout to OUTFILE and stderr to OUTFILE.err, and waits (30 s at most) until it says
# `vigil: ready` on stderr. Returns non-zero, with its stderr shown, when it dies first or does
# not get ready in time (then it is stopped). One agent at a time; the EXIT trap stops it.
# Without -r/--rules among the ARGs it runs with --no-rules: events only, whatever rules the
# machine has in /etc/vigil.
vigil_start() {
	VIGIL_OUT=$1
	shift
	case " $* " in
	*" -r "* | *" --rules "* | *" --rules="* | *" --no-rules "*) ;;
	*) set -- --no-rules "$@" ;;
	esac
	if [ ! -x "$VIGIL_BIN" ]; then
		diag "$VIGIL_BIN is missing: build it first (make OUTPUT=$OUTPUT_SHOWN)"
		return 1
	fi
	: >"$VIGIL_OUT"
	: >"$VIGIL_OUT.err"
	# bash starts background commands with SIGINT ignored; env puts it back to the default so
	# that vigil_stop's SIGINT reaches the agent whatever it does with its signals.
	env --default-signal=INT,QUIT "$VIGIL_BIN" run --no-config --events "$@" \
		</dev/null >"$VIGIL_OUT" 2>"$VIGIL_OUT.err" &
	VIGIL_PID=$!
	if [ -z "$_LIB_VIGIL_CLEANUP" ]; then
		on_exit _lib_vigil_kill
		_LIB_VIGIL_CLEANUP=1
	fi

	local deadline=$(($(date +%s) + 30))
	while ! _lib_vigil_ready; do
		if ! pid_alive "$VIGIL_PID"; then
			wait "$VIGIL_PID"
			diag "vigil exited with status $? before it was ready: $VIGIL_BIN run --events $*"
			diag_file "$VIGIL_OUT.err" 30
			VIGIL_PID=
			return 1
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			diag "vigil did not print 'vigil: ready' within 30 s: $VIGIL_BIN run --events $*"
			diag_file "$VIGIL_OUT.err" 30
			_lib_vigil_kill
			return 1
		fi
		sleep 0.1
	done
}

# vigil_stop : sends SIGINT to the agent, waits for it (30 s at most, then SIGKILL) and returns
# its exit status. The agent drains its ring buffer before it exits, so afterwards OUTFILE holds
# the events of every process that ran before the call.
vigil_stop() {
	local pid=$VIGIL_PID status
	if [ -z "$pid" ]; then
		diag "vigil_stop: no agent running"
		return 1
	fi
	VIGIL_PID=
	kill -INT "$pid" 2>/dev/null
	if ! wait_until 30 pid_exited "$pid"; then
		diag "vigil did not exit within 30 s of SIGINT: SIGKILL"
		diag_file "$VIGIL_OUT.err" 20
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	status=$?
	if [ $status -ne 0 ]; then
		diag "vigil exited with status $status"
		diag_file "$VIGIL_OUT.err" 20
	fi
	return $status
}

# Stops an agent left running (the test failed before vigil_stop).
_lib_vigil_kill() {
	[ -n "$VIGIL_PID" ] || return 0
	stop_pid "$VIGIL_PID" 10
	wait "$VIGIL_PID" 2>/dev/null
	VIGIL_PID=
}

# ---------------------------------------------------------------------------------------------
# Containers for a test

# container_test_setup IMAGE : what a test that runs containers does first: checks that the
# agent ($VIGIL_BIN) and vigil-helper are built, mounts tracefs, starts the private dockerd
# (with DOCKERD_ARGS, when the test set them) and builds the test image IMAGE. Ends the script
# with tap_bail, saying what failed, when any step does.
container_test_setup() {
	local image=$1 helper=$VIGIL_HELPERS_DIR/vigil-helper
	[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
	[ -x "$helper" ] || tap_bail "the helper is built" \
		"$helper is missing (make OUTPUT=$OUTPUT_SHOWN $OUTPUT_SHOWN/tests/helpers/vigil-helper)"
	ensure_tracefs || tap_bail "tracefs is mounted"
	dockerd_start || tap_bail "a private dockerd starts"
	image_build "$image" || tap_bail "the test image builds"
}

# runtime_without_lacking_caps PATH : writes PATH, a runc that takes the capabilities this
# machine's bounding set lacks out of a container's spec before it starts it, or a process's
# before it execs it (runc cannot grant them, and fails the container that asks). Register it with dockerd (DOCKERD_ARGS=(--add-runtime
# NAME=PATH)) and run with --runtime NAME. Sets LACKING_CAPS to what it takes out.
runtime_without_lacking_caps() {
	local path=$1 bounding i
	# The capability names by number (include/uapi/linux/capability.h).
	local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
		NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
		SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
		AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ
		PERFMON BPF CHECKPOINT_RESTORE)
	bounding=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
	LACKING_CAPS=()
	for i in "${!names[@]}"; do
		(((bounding >> i) & 1)) || LACKING_CAPS+=("CAP_${names[i]}")
	done
	diag "capabilities this machine's bounding set lacks: ${LACKING_CAPS[*]:-none}"
	# The spec is config.json in the bundle the shim names.
	cat >"$path" <<EOF
#!/bin/sh
lacking='$(printf '%s\n' "${LACKING_CAPS[@]}" | jq -R . | jq -cs .)'
bundle= process= previous=
for arg in "\$@"; do
	[ "\$previous" = --bundle ] && bundle=\$arg
	[ "\$previous" = --process ] && process=\$arg
	previous=\$arg
done
if [ -n "\$bundle" ] && [ -f "\$bundle/config.json" ]; then
	jq --argjson lacking "\$lacking" '.process.capabilities |= map_values(. - \$lacking)' \\
		"\$bundle/config.json" >"\$bundle/config.json.new" && mv "\$bundle/config.json.new" "\$bundle/config.json"
fi
# runc exec (docker exec, a HEALTHCHECK) names the process's spec on its own.
if [ -n "\$process" ] && [ -f "\$process" ]; then
	jq --argjson lacking "\$lacking" '.capabilities |= map_values(. - \$lacking)' \\
		"\$process" >"\$process.new" && mv "\$process.new" "\$process"
fi
exec runc "\$@"
EOF
	chmod 755 "$path"
}

# random_word PREFIX : prints PREFIX-<16 random hex digits>, a word no other run uses. The agent
# reports every container on the machine: a test puts such a word in the argv or the paths it
# looks for, so that another test running at the same time is not taken for this one.
random_word() {
	echo "$1-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
}

# run_container LABEL [DOCKER_RUN_OPTION...] -- COMMAND... : runs COMMAND in a new container of
# $IMAGE (docker run -d --network none DOCKER_RUN_OPTION...) and waits for its end (60 s at
# most). Sets CID to the container's full id and LOGS to what it printed (stdout and stderr),
# which is also kept in $T/LABEL.log (LABEL must do as a file name). Records the test
# "LABEL: the container exits 0", with the logs shown when it fails; bails out when docker run
# fails. A shell script runs as COMMAND `/bin/sh -c "$script"`.
run_container() {
	local label=$1 id status options=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		options+=("$1")
		shift
	done
	[ $# -gt 1 ] || tap_bail "$label: run_container needs -- COMMAND..." "run_container $label ${options[*]}"
	shift
	# shellcheck disable=SC2153 # IMAGE is the test's
	id=$(docker run -d --network none "${options[@]}" "$IMAGE" "$@" 2>&1) ||
		tap_bail "$label: docker run" "$id"
	status=$(timeout 60 docker wait "$id" 2>&1)
	docker logs "$id" >"$T/$label.log" 2>&1
	LOGS=$(cat "$T/$label.log")
	assert_eq "$status" 0 "$label: the container exits 0" || diag_file "$T/$label.log"
	# shellcheck disable=SC2034 # for the caller
	CID=$(docker inspect -f '{{.Id}}' "$id")
}

# output_section NAME [TEXT] : prints the lines of TEXT (default: $LOGS, what run_container's
# container printed) between a line "== NAME" and the next line that starts with "== ". A
# container script announces its steps with `echo "== NAME"` so that the test can read what
# each step printed (vigil-helper's `ok N` / `error ENAME`). When "== NAME" stands more than
# once, the lines of every such section are printed.
output_section() {
	local text=${2-${LOGS-}}
	awk -v name="== $1" '/^== / { inside = ($0 == name); next } inside' <<<"$text"
}
