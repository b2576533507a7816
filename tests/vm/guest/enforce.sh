#!/bin/bash
# enforce: `action: deny` through BPF-LSM, on the 6.1 kernel where BPF-LSM programs run.
# - Inside a container (a cgroup /docker/<64 hex> of its own, and its own pid, mount, uts and
#   ipc namespaces), mount(2), the exec of a named binary, open/openat/openat2 of a protected
#   file, init_module/finit_module and setuid(0) each fail with EPERM, and the process lives on
#   (deny, not kill).
# - The same operations from the host (outside the rules' default container scope) succeed.
# - The alerts say "verdict": "denied", "mechanism": "lsm"; `vigil probe` lists the LSM hooks.
# - A kill rule (ptrace attach) kills at the LSM hook, and the hook refuses the call as well.
# - With --enforce=off nothing is blocked and the alerts say "would deny".
# - With --lsm=off the tracepoints decide on 6.1 as they do here: every deny becomes a kill.
# (tests/integration/test_enforce.sh covers this machine's kill path, without BPF-LSM.)
#
# Runs inside the guest only: OUTPUT=build tests/vm/run.sh tests/vm/guest/enforce.sh
# (needs $OUTPUT/vigil and $OUTPUT/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$VIGIL_REPO/tests/integration/lib.sh"

require_root
require_cmd jq unshare

HELPER=$VIGIL_HELPERS_DIR/vigil-helper
MODULES=$OUTPUT/vm/modules/kernel
[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
[ -x "$HELPER" ] || tap_bail "the helper is built" \
	"$HELPER is missing (make OUTPUT=$OUTPUT_SHOWN $OUTPUT_SHOWN/tests/helpers/vigil-helper)"
[[ $(uname -r) == 6.1.* ]] || tap_bail "the guest runs the 6.1 kernel" "uname -r: $(uname -r)"
test_tmpdir || tap_bail "a temporary folder"

# Two harmless library modules of Debian's 6.1 that are modules, not built in: each is loaded
# once for real (a loaded module cannot load again), crc7 by the host of run 1, crc-itu-t by
# the container of run 2.
for module in crc7 crc-itu-t; do
	[ -f "$MODULES/lib/$module.ko" ] || tap_bail "$module.ko is in the 6.1 modules" "$MODULES/lib/$module.ko is missing"
	! grep -q "/$module.ko\$" "$OUTPUT/vm/modules/modules.builtin" ||
		tap_bail "$module is a module, not built in"
	! grep -q "^${module//-/_} " /proc/modules || tap_bail "$module is not loaded yet"
done

# The paths the rules name live in a tmpfs of the guest ($T is under /tmp).
mkdir -p "$T/bin" "$T/etc" "$T/mnt"
DENIED_BIN=$T/bin/denied-binary
PROTECTED=$T/etc/vigil-protected
cp /bin/true "$DENIED_BIN"
echo secret >"$PROTECTED"
[ "$(findmnt -n -o FSTYPE --target "$T")" = tmpfs ] || tap_bail "$T is on a tmpfs"

RULES=$T/deny.yaml
cat >"$RULES" <<EOF
- rule: Deny mount
  desc: a container mounts something
  condition: evt.type = mount
  output: mount denied (target=%fs.path.target container=%container.id)
  priority: CRITICAL
  action: deny
- rule: Deny the denied binary
  desc: a container runs the one binary it must not
  condition: evt.type = execve and proc.exepath = $DENIED_BIN
  output: exec denied (exe=%proc.exepath container=%container.id)
  priority: CRITICAL
  action: deny
- rule: Deny opening the protected file
  desc: a container opens the protected file, by any of the open calls
  condition: evt.type in (open, openat, openat2) and fd.name = $PROTECTED
  output: open denied (file=%fd.name container=%container.id)
  priority: CRITICAL
  action: deny
- rule: Deny module loading
  desc: a container loads a kernel module
  condition: evt.type in (init_module, finit_module)
  output: module load denied (container=%container.id)
  priority: CRITICAL
  action: deny
- rule: Kill ptrace attach
  desc: a container attaches to a process (killed, and the LSM hook refuses the attach too)
  condition: evt.type = ptrace and evt.arg.request = PTRACE_ATTACH
  output: ptrace attach killed (container=%container.id)
  priority: CRITICAL
  action: kill
- rule: Deny setuid root
  desc: a container process asks for uid 0
  condition: evt.type = setuid and evt.arg.uid = 0
  output: setuid 0 denied (container=%container.id)
  priority: CRITICAL
  action: deny
EOF

# ---- the container: a cgroup of the Docker pattern, its own namespaces ----

CID=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
CGROUP=/sys/fs/cgroup/docker/$CID
mkdir -p "$CGROUP" || tap_bail "a container cgroup: mkdir $CGROUP"
on_exit "rmdir '$CGROUP' /sys/fs/cgroup/docker 2>/dev/null"

# The container's moves, each in a section `== NAME` (output_section reads them back).
# MODULE is the module its finit_module asks for.
CONTAINER_SCRIPT='
echo "== mount"; "$HELPER" mount vigil-deny "$T/mnt" tmpfs 0
echo "== mounted"; awk -v dir="$T/mnt" "\$5 == dir { print \"yes\" }" /proc/self/mountinfo
echo "== exec"; "$HELPER" run "$DENIED_BIN"; echo "status $?"
echo "== open"; "$HELPER" open "$PROTECTED" r
echo "== openat"; "$HELPER" openat "$T/etc" vigil-protected r
echo "== openat2"; "$HELPER" openat2 "$PROTECTED" r
echo "== finit_module"; "$HELPER" finit_module "$MODULES/lib/$MODULE.ko" ""
echo "== init_module"; "$HELPER" init_module "" "$MODULES/lib/$MODULE.ko"
echo "== setuid"; "$HELPER" setuid 0
echo "== ptrace"; "$HELPER" ptrace_attach; echo "status $?"
echo "== alive"; echo "pid 1 of its namespace, still here"
'

# in_container LABEL MODULE : runs CONTAINER_SCRIPT in the container (60 s at most); its output
# goes to $T/LABEL.log and LOGS. Bails out when the container does not run to its end.
in_container() {
	local label=$1 status
	# The subshell moves itself into the cgroup, then becomes unshare; the shell unshare
	# forks is the container's pid 1, and its exec is the container's first.
	(
		echo "$BASHPID" >"$CGROUP/cgroup.procs" || exit 99
		export HELPER T DENIED_BIN PROTECTED MODULES MODULE=$2
		exec timeout 60 unshare --fork --pid --mount --uts --ipc --mount-proc bash -c "$CONTAINER_SCRIPT"
	) >"$T/$label.log" 2>&1
	status=$?
	LOGS=$(cat "$T/$label.log")
	[ "$status" = 0 ] && [ "$(output_section alive)" = "pid 1 of its namespace, still here" ] ||
		tap_bail "$label: the container runs to its end (status $status)" "$LOGS"
	tap_ok "$label: the container runs to its end"
}

JSON_DEFS='
	def alerts($rule): .[] | select(.type == "alert" and .rule == $rule);
	def container_alerts($rule): alerts($rule) | select(.container != null);'
JSON_SHOW='.type == "alert"'

# ---- run 1: enforcement on ----

out=$T/on.jsonl
vigil_start "$T/on.events" -r "$RULES" -o "file:$out" --no-engine ||
	tap_bail "vigil starts with the deny rules"

probe=$("$VIGIL_BIN" probe 2>&1)
missing_hooks=
for hook in bprm_check_security file_open sb_mount task_fix_setuid kernel_read_file kernel_load_data; do
	grep -Eq "lsm[./]$hook\b" <<<"$probe" || missing_hooks+=" $hook"
done
[ -z "$missing_hooks" ] && tap_ok "vigil probe lists the LSM hooks the deny rules use as attached" ||
	tap_fail "vigil probe lists the LSM hooks the deny rules use as attached" "missing:$missing_hooks" \
		"$(sed -n '/^hooks vigil will use:/,$p' <<<"$probe" | grep -Ev 'tracepoint/|tp_btf/')"

in_container on crc7
assert_eq "$(output_section mount)" "error EPERM" "container mount(2): EPERM"
assert_eq "$(output_section mounted)" "" "container mount: nothing is mounted"
assert_eq "$(output_section exec)" \
	"vigil-helper run: exec $DENIED_BIN: Operation not permitted"$'\n'"status 127" \
	"container exec of the denied binary: EPERM"
assert_eq "$(output_section open)" "error EPERM" "container open of the protected file: EPERM"
assert_eq "$(output_section openat)" "error EPERM" "container openat of the protected file: EPERM"
assert_eq "$(output_section openat2)" "error EPERM" "container openat2 of the protected file: EPERM"
assert_eq "$(output_section init_module)" "error EPERM" "container init_module of crc7.ko's image: EPERM"
assert_eq "$(output_section finit_module)" "error EPERM" "container finit_module of crc7.ko: EPERM"
grep -q '^crc7 ' /proc/modules && tap_fail "container finit_module: crc7 is not loaded" ||
	tap_ok "container finit_module: crc7 is not loaded"
assert_eq "$(output_section setuid)" "error EPERM" "container setuid(0): EPERM"
assert_eq "$(output_section ptrace | grep -E '^(ok|error|status)')" "status 137" \
	"container ptrace attach (a kill rule): killed inside the call, which returns nothing"

# The host, outside the rules' scope: the same operations succeed.
mkdir -p "$T/hostmnt"
assert_eq "$("$HELPER" mount vigil-deny "$T/hostmnt" tmpfs 0 2>&1)" "ok 0" "host mount: succeeds"
umount "$T/hostmnt" 2>/dev/null
assert_eq "$("$HELPER" run "$DENIED_BIN" 2>&1; echo "status $?")" "status 0" "host exec of the denied binary: runs"
[[ $("$HELPER" open "$PROTECTED" r 2>&1) == "ok "* ]] && tap_ok "host open of the protected file: succeeds" ||
	tap_fail "host open of the protected file: succeeds" "$("$HELPER" open "$PROTECTED" r 2>&1)"
out_init=$("$HELPER" init_module "" 2>&1)
[[ $out_init == "error "* && $out_init != "error EPERM" ]] &&
	tap_ok "host init_module of a bogus image: refused by the loader, not denied ($out_init)" ||
	tap_fail "host init_module of a bogus image: refused by the loader, not denied" "$out_init"
assert_eq "$("$HELPER" finit_module "$MODULES/lib/crc7.ko" "" 2>&1)" "ok 0" "host finit_module of crc7.ko: loads"
assert_eq "$("$HELPER" setuid 0 2>&1)" "ok 0" "host setuid(0): succeeds"
assert_eq "$("$HELPER" ptrace_attach 2>&1 | grep -v '^pid ')" "ok 0" "host ptrace attach: succeeds"

vigil_stop || tap_fail "vigil exits cleanly"
for rule in "Deny mount" "Deny the denied binary" "Deny module loading" "Deny setuid root"; do
	assert_json "$out" '[container_alerts($rule)] | length >= 1 and
		all(.[]; .verdict == "denied" and .mechanism == "lsm")' \
		"alert '$rule': from the container, verdict denied, mechanism lsm" --arg rule "$rule"
done
assert_json "$out" '[container_alerts("Kill ptrace attach")] | length == 1 and
	all(.[]; .verdict == "killed" and .mechanism == "lsm" and .event.ptrace.error == "EPERM")' \
	"alert 'Kill ptrace attach': verdict killed, mechanism lsm, and the attach itself refused"
assert_json "$out" '[container_alerts("Deny opening the protected file")] | length >= 3 and
	all(.[]; .verdict == "denied" and .mechanism == "lsm")' \
	"alert 'Deny opening the protected file': one per open call, verdict denied, mechanism lsm"
assert_json "$out" '[.[] | select(.type == "alert" and .container == null and .verdict != null)] | length == 0' \
	"no verdict on anything of the host's"

# ---- run 2: --enforce=off ----

out=$T/off.jsonl
vigil_start "$T/off.events" -r "$RULES" -o "file:$out" --no-engine --enforce=off ||
	tap_bail "vigil starts with --enforce=off"
in_container off crc-itu-t
assert_eq "$(output_section mount)" "ok 0" "--enforce=off: the container's mount succeeds"
assert_eq "$(output_section exec)" "status 0" "--enforce=off: the denied binary runs"
[[ $(output_section open) == "ok "* ]] && tap_ok "--enforce=off: the protected file opens" ||
	tap_fail "--enforce=off: the protected file opens" "$(output_section open)"
assert_eq "$(output_section finit_module)" "ok 0" "--enforce=off: crc-itu-t.ko loads"
assert_eq "$(output_section init_module)" "error EEXIST" \
	"--enforce=off: init_module of the same image reaches the loader (already loaded)"
assert_eq "$(output_section setuid)" "ok 0" "--enforce=off: setuid(0) succeeds"
vigil_stop || tap_fail "vigil exits cleanly"
for rule in "Deny mount" "Deny the denied binary" "Deny opening the protected file" "Deny module loading" \
	"Deny setuid root"; do
	assert_json "$out" '[container_alerts($rule)] | length >= 1 and all(.[]; .verdict == "would deny")' \
		"--enforce=off: alert '$rule' says would deny" --arg rule "$rule"
done
# ---- run 3: --lsm=off, the tracepoints decide on 6.1 too, and every deny becomes a kill ----

out=$T/nolsm.jsonl
vigil_start "$T/nolsm.events" -r "$RULES" -o "file:$out" --no-engine --lsm=off ||
	tap_bail "vigil starts with --lsm=off"
tap_check "--lsm=off: the start log says each deny rule kills instead" \
	grep -q "rule 'Deny mount' (action: deny): no LSM hook decides mount here, so it kills" "$VIGIL_OUT.err"
in_container nolsm crc7
for step in mount open setuid; do
	assert_eq "$(output_section $step | grep -cE '^(ok|error)')" 0 \
		"--lsm=off: the container's $step never returns to the helper (killed)"
done
assert_eq "$(output_section exec)" "status 137" "--lsm=off: the denied binary is killed before it runs"
vigil_stop || tap_fail "vigil exits cleanly"
for rule in "Deny mount" "Deny the denied binary" "Deny opening the protected file" "Deny setuid root" \
	"Kill ptrace attach"; do
	assert_json "$out" '[container_alerts($rule)] | length >= 1 and
		all(.[]; .verdict == "killed" and .mechanism == "tracepoint")' \
		"--lsm=off: alert '$rule' says killed, by the tracepoint" --arg rule "$rule"
done

tap_done
