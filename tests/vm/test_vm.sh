#!/bin/bash
# test_vm: the vm suite's entry (tests/run.sh vm). Boots Debian's 6.1 kernel with BPF-LSM on
# once per guest script (tests/vm/guest/NAME.sh) and relays the TAP lines each prints; adds a
# failing line of its own when a guest did not run its script to the end (kernel panic,
# timeout, qemu failure) or the script failed without saying which test did.
#
#   OUTPUT=build bash tests/vm/test_vm.sh [NAME...]   (root; make OUTPUT=build vm first)
#
# With NAMEs, only those scripts run. One boot per script: a boot costs
# about 5 s under TCG, and each script gets a fresh kernel (modules it loaded, cgroups it left).
#
# Environment: OUTPUT, CI, VM_SCRIPT_TIMEOUT (seconds per boot, default 300).

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"

VM_SCRIPT_TIMEOUT=${VM_SCRIPT_TIMEOUT:-300}
RUN=$VIGIL_REPO/tests/vm/run.sh

# missing REASON : a prerequisite is missing; a skip, but a failure under CI=true (CI runs as
# root with everything installed, where this suite must run).
missing() {
	if [ "${CI:-}" = true ]; then
		tap_bail "the vm suite's prerequisites" "$1 (CI=true: the vm suite must run)"
	fi
	skip_all "$1"
}

[ "$(id -u)" = 0 ] || missing "needs root (the guest runs this machine's root file system as root)"
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing "qemu-system-x86_64 is not installed (make deps)"
for file in vmlinuz initramfs.cpio.gz; do
	[ -f "$OUTPUT/vm/$file" ] ||
		tap_bail "the guest's kernel and initramfs are built" "$OUTPUT/vm/$file is missing: make OUTPUT=$OUTPUT_SHOWN vm"
done
[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing: make OUTPUT=$OUTPUT_SHOWN"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for script in "$VIGIL_REPO"/tests/vm/guest/*.sh; do
		names+=("$(basename "$script" .sh)")
	done
fi

test_tmpdir || tap_bail "a temporary folder"
guests_failed=0
for name in "${names[@]}"; do
	script=$VIGIL_REPO/tests/vm/guest/$name.sh
	[ -f "$script" ] || tap_bail "$name: tests/vm/guest/$name.sh exists"
	echo "# == $name: one boot of $(cat "$OUTPUT/vm/kernel-release" 2>/dev/null || echo 'the 6.1 kernel')"
	start=$(date +%s)
	VM_TIMEOUT=$VM_SCRIPT_TIMEOUT "$RUN" "tests/vm/guest/$name.sh" 2>&1 | tee "$T/$name.log"
	status=${PIPESTATUS[0]}
	diag "$name: $(($(date +%s) - start)) s, boot included"
	results=$(grep -cE '^(ok|not ok)([[:space:]]|$)' "$T/$name.log")
	failed=$(grep -cE '^not ok([[:space:]]|$)' "$T/$name.log")
	[ "$status" = 0 ] || guests_failed=$((guests_failed + 1))
	if [ "$status" = 125 ]; then
		tap_fail "$name: the guest runs the script to its end" "$(grep '^vm: ' "$T/$name.log" | tail -n 1)"
	elif [ "$status" != 0 ] && [ "$failed" = 0 ]; then
		tap_fail "$name: exit status $status without a failing test (output above)"
	elif [ "$status" = 0 ] && [ "$results" = 0 ]; then
		tap_fail "$name: ran no test"
	fi
done
# The guests' own lines are counted by tests/run.sh; the plan here covers this script's own.
printf '1..%d\n' "$TAP_COUNT"
[ "$guests_failed" = 0 ] || diag "$guests_failed of ${#names[@]} guest scripts failed"
[ "$TAP_FAILED" = 0 ] && [ "$guests_failed" = 0 ]
