#!/bin/bash
# The one test runner: `make test` (and make unit-test, fuzz-test, integration-test) call it.
#
#   OUTPUT=build tests/run.sh [unit|fuzz|integration|vm ...]  (default: all four, in that order)
#
# unit         every $OUTPUT/tests/test_* (cmocka, under ASan/UBSan) with TAP output; each
#              `ok` / `not ok` line counts, and a program that exits non-zero without a `not ok`
#              line (a crash, a sanitizer report) counts as one failure.
# fuzz         every $OUTPUT/tests/fuzz_* (libFuzzer), a bounded smoke run over a fresh corpus
#              plus tests/fuzz/corpus/<name>/; each program is one pass or failure.
# integration  every tests/integration/test_*.sh under bash; each prints TAP lines that count.
#              Exit 77 means the script skipped as a whole (it says why on a `# SKIP` line).
# vm           tests/vm/test_vm.sh, counted as an integration script: it boots Debian's 6.1
#              kernel under qemu (BPF-LSM on) once per tests/vm/guest/*.sh and relays their TAP
#              lines. Needs $OUTPUT/vm/ (make vm).
#
# A skip (a TAP `# SKIP` line, or exit 77) is counted as skipped, but as a failure when CI=true:
# CI runs as root, where every test must run.
#
# The output shows each suite as it runs and ends with one line `N passed, N failed` (then
# `, N skipped` when there were skips). Exit status 1 when anything failed, else 0.
#
# Environment: OUTPUT (build folder, default build; relative to the current folder), CI,
# UNIT_TIMEOUT, FUZZ_TIMEOUT, INTEGRATION_TIMEOUT, VM_SUITE_TIMEOUT (seconds per program, the whole vm
# suite for VM_SUITE_TIMEOUT; a program that runs longer is a failure).

set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in
/*) ;;
*) OUTPUT=$PWD/$OUTPUT ;;
esac
export OUTPUT
# OUTPUT as typed in the repository's folder, for messages.
OUTPUT_SHOWN=${OUTPUT#"$REPO"/}
cd "$REPO" || exit 1

UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-300}
INTEGRATION_TIMEOUT=${INTEGRATION_TIMEOUT:-1200}
VM_SUITE_TIMEOUT=${VM_SUITE_TIMEOUT:-1200}
FUZZ_RUNS=50000
FUZZ_SECONDS=30

PASSED=0
FAILED=0
SKIPPED=0

LOGS=$(mktemp -d /tmp/vigil-tests.XXXXXX) || exit 1
trap 'rm -rf "$LOGS"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

usage() {
	echo "usage: OUTPUT=build tests/run.sh [unit|fuzz|integration|vm ...]" >&2
	exit 2
}

is_ci() {
	[ "${CI:-}" = true ]
}

# skip NAME REASON : counts a skip, or a failure under CI=true.
skip() {
	if is_ci; then
		FAILED=$((FAILED + 1))
		echo "skip under CI=true is a failure: $1: $2"
	else
		SKIPPED=$((SKIPPED + 1))
		echo "SKIP $1: $2"
	fi
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL $1: $2"
}

# run_logged LOG TIMEOUT COMMAND... : runs COMMAND with stdin from /dev/null, its output (stdout
# and stderr) shown as it comes and kept in LOG; returns its exit status (124 on timeout).
# --foreground keeps COMMAND in our process group, so that ^C reaches it, and lets a timed-out
# test script's own EXIT trap clean up after it.
run_logged() {
	local log=$1 timeout=$2
	shift 2
	timeout --foreground -k 120 "$timeout" "$@" </dev/null 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

# count_tap NAME LOG : counts LOG's TAP result lines into the totals, and prints them for NAME.
# A result line with a `# SKIP` directive is a skip; other `ok` lines pass, `not ok` lines fail.
# Sets TAP_NOT_OK (the number of failing lines) and TAP_RESULTS (all result lines).
count_tap() {
	local name=$1 log=$2 ok not_ok skipped reason
	read -r ok not_ok skipped < <(awk '
		/^(ok|not ok)([ \t]|$)/ {
			if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) skipped++
			else if ($0 ~ /^ok/) ok++
			else not_ok++
		}
		END { printf "%d %d %d\n", ok, not_ok, skipped }' "$log")
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + not_ok))
	TAP_NOT_OK=$not_ok
	TAP_RESULTS=$((ok + not_ok + skipped))
	echo "-- $name: $ok ok, $not_ok not ok, $skipped skipped"
	if [ "$skipped" -gt 0 ]; then
		while IFS= read -r reason; do
			skip "$name" "$reason"
		done < <(grep -E '^(ok|not ok)([[:space:]]|$).*#[[:space:]]*[Ss][Kk][Ii][Pp]' "$log")
	fi
}

# status_text STATUS : says what an exit status means.
status_text() {
	case $1 in
	124) echo "timed out" ;;
	1[3-9][0-9] | 2[0-5][0-9]) echo "exit status $1 (signal $(($1 - 128)): $(kill -l $(($1 - 128)) 2>/dev/null))" ;;
	*) echo "exit status $1" ;;
	esac
}

# Programs that tests/<dir>/<prefix>*.c should have given, but are not in $OUTPUT/tests: a
# test that was never built must not pass as "nothing to run".
check_built() {
	local dir=$1 prefix=$2 src name
	for src in tests/"$dir"/"$prefix"*.c; do
		[ -e "$src" ] || continue
		name=$(basename "$src" .c)
		[ -x "$OUTPUT/tests/$name" ] ||
			fail "$name" "$OUTPUT/tests/$name is not built (make OUTPUT=$OUTPUT_SHOWN $OUTPUT_SHOWN/tests/$name)"
	done
}

suite_header() {
	echo
	echo "== $1"
}

# suite_footer NAME PASSED FAILED SKIPPED : the suite's own counts (worded so that it cannot be
# mistaken for the closing summary line).
suite_footer() {
	echo "== $1: $2 ok, $3 not ok$([ "$4" -gt 0 ] && echo ", $4 skipped")"
}

run_unit() {
	local bin name status log p0=$PASSED f0=$FAILED s0=$SKIPPED ran=0
	suite_header "unit: $OUTPUT/tests/test_*"
	check_built unit test_
	for bin in "$OUTPUT"/tests/test_*; do
		[[ -f $bin && -x $bin ]] || continue
		name=$(basename "$bin")
		log=$LOGS/$name.log
		ran=$((ran + 1))
		echo "-- $name"
		CMOCKA_MESSAGE_OUTPUT=TAP run_logged "$log" "$UNIT_TIMEOUT" "$bin"
		status=$?
		count_tap "$name" "$log"
		if [ "$status" -ne 0 ] && [ "$TAP_NOT_OK" -eq 0 ]; then
			fail "$name" "$(status_text "$status") without a failing test (a crash or a sanitizer report? output above)"
		elif [ "$status" -eq 0 ] && [ "$TAP_RESULTS" -eq 0 ]; then
			fail "$name" "ran no test"
		fi
	done
	[ $ran -gt 0 ] || echo "(no unit test programs in $OUTPUT/tests)"
	suite_footer unit $((PASSED - p0)) $((FAILED - f0)) $((SKIPPED - s0))
}

run_fuzz() {
	local bin name status log corpus seeds artifacts p0=$PASSED f0=$FAILED s0=$SKIPPED ran=0
	suite_header "fuzz: $OUTPUT/tests/fuzz_*, -runs=$FUZZ_RUNS -max_total_time=$FUZZ_SECONDS each"
	check_built fuzz fuzz_
	for bin in "$OUTPUT"/tests/fuzz_*; do
		[[ -f $bin && -x $bin ]] || continue
		name=$(basename "$bin")
		log=$LOGS/$name.log
		ran=$((ran + 1))
		# New inputs go to a fresh folder (the first one named), never into the committed seeds.
		corpus=$(mktemp -d "$LOGS/corpus-$name.XXXXXX")
		seeds=()
		[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
		# A crashing input is kept where a developer can replay it: $bin ARTIFACT.
		artifacts=$OUTPUT/fuzz-artifacts/$name
		mkdir -p "$artifacts"
		echo "-- $name${seeds[*]:+ (seeds: ${seeds[*]})}"
		# libFuzzer is chatty; show its milestones, keep everything in the log.
		timeout --foreground -k 30 "$FUZZ_TIMEOUT" "$bin" -runs=$FUZZ_RUNS -max_total_time=$FUZZ_SECONDS \
			-timeout=10 -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" </dev/null 2>&1 |
			tee "$log" | grep --line-buffered -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^Done [0-9]+ runs'
		status=${PIPESTATUS[0]}
		if [ "$status" -eq 0 ]; then
			PASSED=$((PASSED + 1))
			echo "PASS $name"
		else
			tail -n 60 "$log"
			fail "$name" "$(status_text "$status"); crashing inputs, if any, are in $artifacts/"
		fi
	done
	[ $ran -gt 0 ] || echo "(no fuzz targets in $OUTPUT/tests)"
	suite_footer fuzz $((PASSED - p0)) $((FAILED - f0)) $((SKIPPED - s0))
}

# run_tap_script SCRIPT TIMEOUT : runs SCRIPT under bash and counts its TAP lines; exit 77 is a
# skip of the whole script.
run_tap_script() {
	local script=$1 timeout=$2 name status log reason
	name=$(basename "$script" .sh)
	log=$LOGS/$name.log
	echo "-- $name"
	run_logged "$log" "$timeout" bash "$script"
	status=$?
	if [ "$status" -eq 77 ]; then
		reason=$(sed -n 's/^.*#[[:space:]]*[Ss][Kk][Ii][Pp][[:space:]]*//p' "$log" | tail -n 1)
		skip "$name" "${reason:-exit 77 without a reason}"
		return
	fi
	count_tap "$name" "$log"
	if [ "$status" -ne 0 ] && [ "$TAP_NOT_OK" -eq 0 ]; then
		fail "$name" "$(status_text "$status") without a failing test (output above)"
	elif [ "$status" -eq 0 ] && [ "$TAP_RESULTS" -eq 0 ]; then
		fail "$name" "ran no test"
	fi
}

run_integration() {
	local script p0=$PASSED f0=$FAILED s0=$SKIPPED ran=0
	suite_header "integration: tests/integration/test_*.sh"
	for script in tests/integration/test_*.sh; do
		[ -f "$script" ] || continue
		ran=$((ran + 1))
		run_tap_script "$script" "$INTEGRATION_TIMEOUT"
	done
	[ $ran -gt 0 ] || echo "(no integration tests in tests/integration)"
	suite_footer integration $((PASSED - p0)) $((FAILED - f0)) $((SKIPPED - s0))
}

run_vm() {
	local p0=$PASSED f0=$FAILED s0=$SKIPPED
	suite_header "vm: tests/vm/guest/*.sh on Debian's 6.1 kernel under qemu, BPF-LSM on"
	run_tap_script tests/vm/test_vm.sh "$VM_SUITE_TIMEOUT"
	suite_footer vm $((PASSED - p0)) $((FAILED - f0)) $((SKIPPED - s0))
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit fuzz integration vm)
for suite in "${suites[@]}"; do
	case $suite in
	unit | fuzz | integration | vm) ;;
	*) usage ;;
	esac
done
for suite in "${suites[@]}"; do
	"run_$suite"
done

echo
summary="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && summary+=", $SKIPPED skipped"
echo "$summary"
[ "$FAILED" -eq 0 ]
