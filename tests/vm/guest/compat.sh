#!/bin/bash
# compat: the kernel-compatibility check. The agent built on the host (for its 6.18 kernel) runs
# on Debian's 6.1 with BPF-LSM on: its CO-RE programs load, BPF-LSM programs load and attach,
# and an exec is reported with its filename.
#
# Runs inside the guest only: OUTPUT=build tests/vm/run.sh tests/vm/guest/compat.sh

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$VIGIL_REPO/tests/integration/lib.sh"

require_root
require_cmd jq

release=$(uname -r)
[[ $release == 6.1.* ]] && tap_ok "the guest runs Debian's 6.1 kernel ($release)" ||
	tap_fail "the guest runs Debian's 6.1 kernel" "uname -r: $release"
lsm=$(cat /sys/kernel/security/lsm 2>&1)
[[ ,$lsm, == *,bpf,* ]] && tap_ok "bpf is in the active LSM list ($lsm)" ||
	tap_fail "bpf is in the active LSM list" "/sys/kernel/security/lsm: $lsm"

[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
test_tmpdir || tap_bail "a temporary folder"

# ---- vigil probe ----

probe=$("$VIGIL_BIN" probe 2>&1)
assert_eq "$?" 0 "vigil probe exits 0 on 6.1"
for feature in "BTF" "BPF ring buffer" "tracepoints" "BTF tracepoints" \
	"BPF-LSM in the active LSM list" "BPF-LSM program loads and attaches"; do
	grep -Eq "^ +yes +$feature( |$)" <<<"$probe" && tap_ok "vigil probe: yes, $feature" ||
		tap_fail "vigil probe: yes, $feature" "$probe"
done

# ---- the agent: every program loads, an exec after it started is reported ----

vigil_start "$T/events.jsonl" --host --no-engine ||
	tap_bail "vigil run --events --no-rules --host starts on 6.1 (every CO-RE program loads)"
tap_ok "vigil run --events --no-rules --host starts on 6.1 (every CO-RE program loads)"
diag "$(grep -m 1 '^vigil: ready' "$VIGIL_OUT.err")"

# A copy of true under a name no one else uses: its exec is the one to find.
exe=$T/$(random_word compat-exec)
cp /bin/true "$exe"
"$exe" compat-arg
assert_eq "$?" 0 "the exec made after the start runs"
vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"
JSON_SHOW='.type == "exec" and (.exec.filename | contains("compat-exec"))'
assert_json "$T/events.jsonl" \
	'any(.[]; .type == "exec" and .exec.filename == $exe and .proc.args == [$exe, "compat-arg"])' \
	"the exec is reported with its filename and arguments" --arg exe "$exe"
tap_done
