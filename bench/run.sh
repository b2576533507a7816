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
# Environment: OUTPUT (build folder), ROUNDS (default 5), OPEN_N, FORK_N (iterations), RULES (a rules file).
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
vigil_start "$T/record.jsonl" -r "$RULES" --record-raw "$T/stream.raw" >/dev/null ||
	{ diag_file "$T/record.jsonl.err"; exit 1; }
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
