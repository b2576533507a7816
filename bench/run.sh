#!/bin/bash
# make bench: what vigil costs the workloads it watches, measured against the same workloads
# without it, in the same run. The machine is shared and noisy, so the figures that count are
# ratios to a baseline measured a moment before, round after round, interleaved: round r runs
# every workload without the agent, then starts the agent (default settings, as `make run`)
# and runs them again. Reported: the median over the rounds of each, and their ratio.
#
# Workloads (vigil-helper's bench subcommands, in a container and on the host):
#   open+close of a file no rule watches  - the cost of the hooks that filter an event out
#   fork+exec+wait                        - the process lifecycle, reported for containers
#
# Then the userspace side, from a stream recorded here both raw and as a capture file
# (--capture): the rules' ceiling (bench/rules_throughput), what a capture costs the event path
# (bench/capture_throughput), and `vigil replay` of the capture end to end.
#
# Environment: OUTPUT (build folder), ROUNDS (default 5), OPEN_N, FORK_N (iterations), RULES (a rules file),
# REPLAY_COPIES (how many times `vigil replay` is given the capture, default 10).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"

ROUNDS=${ROUNDS:-5}
RULES=${RULES:-$VIGIL_REPO/rules/vigil_rules.yaml} # the default rules, as `make run` loads them
OPEN_N=${OPEN_N:-200000}
FORK_N=${FORK_N:-2000}
HELPER=$VIGIL_HELPERS_DIR/vigil-helper
IMAGE=vigil-bench

require_root
[ -x "$VIGIL_BIN" ] && [ -x "$HELPER" ] || { echo "bench: build first (make bench builds)" >&2; exit 1; }
ensure_tracefs || exit 1
dockerd_start || { echo "bench: dockerd did not start" >&2; exit 1; }
image_build "$IMAGE" || { echo "bench: the image did not build" >&2; exit 1; }

# One long-lived container runs the container workloads through docker exec, so that container
# start-up is not part of the figures.
CID=$(docker run -d --network none "$IMAGE" /bin/sleep 1000000) || exit 1
on_exit "docker rm -f $CID >/dev/null 2>&1"

# run_workload WHERE NAME : prints ns per iteration of workload NAME, on the host or in the container.
run_workload() {
	local where=$1 name=$2 cmd
	case $name in
	open) cmd=(loop_open "$OPEN_N" /etc/hostname) ;;
	fork) cmd=(loop_fork_exec "$FORK_N") ;;
	esac
	if [ "$where" = host ]; then
		"$HELPER" "${cmd[@]}"
	else
		docker exec "$CID" vigil-helper "${cmd[@]}"
	fi
}

WORKLOADS=("container open" "container fork" "host open" "host fork")
declare -A base with

for ((r = 1; r <= ROUNDS; r++)); do
	for w in "${WORKLOADS[@]}"; do
		base[$w]+="$(run_workload $w) "
	done
	vigil_start "$T/bench.jsonl" -r "$RULES" >/dev/null || { diag_file "$T/bench.jsonl.err"; exit 1; }
	for w in "${WORKLOADS[@]}"; do
		with[$w]+="$(run_workload $w) "
	done
	vigil_stop || exit 1
	printf 'bench: round %d of %d done\n' "$r" "$ROUNDS" >&2
done

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread() { # min-max
	tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}

printf '\nvigil bench, %s, kernel %s, %d rounds (median ns per iteration; spread min-max)\n\n' \
	"$(git -C "$VIGIL_REPO" describe --always --dirty 2>/dev/null)" "$(uname -r)" "$ROUNDS"
printf '| %-16s | %-30s | %-30s | %-6s |\n' "workload" "without vigil" "with vigil" "ratio"
printf '|%s|%s|%s|%s|\n' "------------------" "--------------------------------" "--------------------------------" "--------"
for w in "${WORKLOADS[@]}"; do
	b=$(median <<<"${base[$w]}")
	v=$(median <<<"${with[$w]}")
	printf '| %-16s | %9.1f (%-18s) | %9.1f (%-18s) | %6.3f |\n' "$w" "$b" "$(spread <<<"${base[$w]}")" \
		"$v" "$(spread <<<"${with[$w]}")" "$(awk -v a="$v" -v b="$b" 'BEGIN { print a / b }')"
done

# ---- the userspace ceiling: decode + process table + the default rules, one core ----
# A stream recorded here: the agent with the default rules and --record-raw while a container
# forks and execs and opens a watched file (every rule on opens is tried); then
# bench/rules_throughput replays it, best of several passes, against decode alone in the same run.
# The same run writes the stream as a capture file too (--capture), for the sections after, with
# the Engine API's answers in it as a live capture has them.
vigil_start "$T/record.jsonl" -r "$RULES" --record-raw "$T/stream.raw" --capture "$T/stream.vcap" \
	--engine-socket "$T/docker.sock" >/dev/null || { diag_file "$T/record.jsonl.err"; exit 1; }
docker exec "$CID" vigil-helper loop_fork_exec 3000 >/dev/null
docker exec "$CID" vigil-helper loop_open 20000 /etc/passwd >/dev/null # watched: the rules on /etc/passwd writes
vigil_stop || exit 1
line=$("$OUTPUT/bench/rules_throughput" "$T/stream.raw" "$RULES") || exit 1
eval "$(tr ' ' '\n' <<<"$line" | grep -E '^[a-z_]+=[0-9.]+$')"
printf '\nuserspace: %s events recorded, %s rules; one core, best of 7 passes\n\n' "$events" "$rules"
printf '| %-34s | %14s |\n' "stage" "events/s"
printf '|%s|%s|\n' "------------------------------------" "----------------"
printf '| %-34s | %14.0f |\n' "decode alone (baseline)" "$decode_eps"
printf '| %-34s | %14.0f |\n' "decode + process table + rules" "$rules_eps"
printf '\ncost ratio to decode alone: %.2f; target >= 1000000 events/s: %s\n' "$ratio" \
	"$(awk -v r="$rules_eps" 'BEGIN { print (r >= 1000000) ? "met" : "MISSED" }')"

# ---- capture: its cost on the event path, one core ----
# bench/capture_throughput replays the capture through the pipeline as `vigil replay` does (the
# default rules, alerts to /dev/null): the baseline; then the same with a capture attached, so
# that each event is captured again as `vigil run --capture` does. Passes alternate, each side
# the best of several, timed by the pipeline thread's CPU time (another process taking the core
# does not count); the ratio is also taken within each pair of passes (median, min-max). The
# writer's thread (zlib, CRC-32, write) runs on another CPU, off the event path: its cost shows
# in the CPU of every thread, and as its own ceiling (events/s it compresses and writes).
line=$("$OUTPUT/bench/capture_throughput" "$T/stream.vcap" "$T/recapture.vcap" "$RULES") || exit 1
declare -A cap
for kv in $line; do
	[[ $kv =~ ^[a-z_]+=[0-9.]+$ ]] && cap[${kv%%=*}]=${kv#*=}
done
printf '\ncapture: %s events (%s records, %s of them state) from the capture; one core, best of %s passes\n\n' \
	"${cap[events]}" "${cap[records]}" "${cap[state_records]}" "${cap[passes]}"
printf '| %-46s | %14s |\n' "pipeline (replay, default rules)" "events/s"
printf '|%s|%s|\n' "------------------------------------------------" "----------------"
printf '| %-46s | %14.0f |\n' "without capture (baseline)" "${cap[replay_eps]}"
printf '| %-46s | %14.0f |\n' "with --capture (each event captured again)" "${cap[capture_eps]}"
printf '| %-46s | %14.0f |\n' "capture writer's thread alone (its ceiling)" "${cap[writer_eps]}"
printf '\ncost ratio with capture: %.3f (best passes); %.3f per pair of passes (median; spread %.3f-%.3f)\n' \
	"${cap[ratio]}" "${cap[ratio_median]}" "${cap[ratio_min]}" "${cap[ratio_max]}"
printf 'on the event path: capture_writer_append alone %.1f ns per record; %.1f more page faults per 1000 events\n' \
	"${cap[append_ns_per_record]}" "${cap[extra_faults_per_kevent_median]}"
printf "  (median; the writer's new blocks, touched for the first time)\n"
printf "CPU of every thread until the file is closed: %.3f of the baseline's (median; spread %.3f-%.3f); the writer\n" \
	"${cap[cpu_ratio_median]}" "${cap[cpu_ratio_min]}" "${cap[cpu_ratio_max]}"
printf '  compresses %s MB/s of records; closing (the rest of its queue, fsync): %.1f ms (median)\n' \
	"${cap[writer_mbps]}" "${cap[close_ms_median]}"
if [ "${cap[pinned]}" != 1 ]; then
	printf "note: one CPU only: the writer shared the pipeline's\n"
fi
if [ "${cap[dropped]}" != 0 ]; then
	printf 'note: the writer dropped %s records in a pass (its queue was full): the capture figure is flattered\n' \
		"${cap[dropped]}"
fi

# ---- replay: `vigil replay` end to end ----
# Interleaved rounds of the same capture: without rules (read, inflate, state, decode, tables)
# as the baseline, then with the default rules and alerts to /dev/null. The file is given
# REPLAY_COPIES times (as rotated files are: each starts with a keyframe), so that the command's
# start (loading the rules) is not most of its time. Events/s: the events replayed over the
# command's wall time, its start included.
REPLAY_COPIES=${REPLAY_COPIES:-10}
replay_files=()
for ((i = 0; i < REPLAY_COPIES; i++)); do replay_files+=("$T/stream.vcap"); done
# replay_eps RULES_ARGS... : events per second of one `vigil replay` of the copies.
replay_eps() {
	local t0 t1 out n
	t0=$EPOCHREALTIME
	out=$("$VIGIL_BIN" replay --no-progress "$@" "${replay_files[@]}" 2>&1 >/dev/null) ||
		{ echo "bench: vigil replay $* failed: $out" >&2; return 1; }
	t1=$EPOCHREALTIME
	n=$(sed -n 's/^vigil replay: .* records, \([0-9]*\) events.*/\1/p' <<<"$out")
	[ -n "$n" ] || { echo "bench: no event count in vigil replay's summary: $out" >&2; return 1; }
	awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}
replay_base='' replay_rules=''
for ((r = 1; r <= ROUNDS; r++)); do
	replay_base+="$(replay_eps) " || exit 1
	replay_rules+="$(replay_eps -r "$RULES" -o file:/dev/null) " || exit 1
done
capture_bytes=$(stat -c %s "$T/stream.vcap")
raw_bytes=$(stat -c %s "$T/stream.raw")
b=$(median <<<"$replay_base")
v=$(median <<<"$replay_rules")
printf '\nreplay: vigil replay of the capture (%s events, %s bytes) given %d times, %d rounds (median events/s; spread min-max)\n\n' \
	"${cap[events]}" "$capture_bytes" "$REPLAY_COPIES" "$ROUNDS"
printf '| %-40s | %-32s |\n' "vigil replay" "events/s"
printf '|%s|%s|\n' "------------------------------------------" "----------------------------------"
printf '| %-40s | %10.0f (%-19s) |\n' "without rules (baseline)" "$b" "$(spread <<<"$replay_base")"
printf '| %-40s | %10.0f (%-19s) |\n' "default rules, -o file:/dev/null" "$v" "$(spread <<<"$replay_rules")"
printf '\ncost ratio of the rules: %.3f; on disk: %.1f bytes per event in the capture, %.1f in the raw stream\n' \
	"$(awk -v a="$v" -v b="$b" 'BEGIN { print b / a }')" \
	"$(awk -v s="$capture_bytes" -v n="${cap[events]}" 'BEGIN { print s / n }')" \
	"$(awk -v s="$raw_bytes" -v n="$events" 'BEGIN { print s / n }')"
