#!/bin/bash
# test_deploy_files: the deployment files say what the README promises.
# - The systemd unit passes systemd's own checker (`systemd-analyze verify`), carries the
#   hardening settings a BPF agent can live with, and systemd rates its exposure low
#   (`systemd-analyze security --offline`).
# - `make install DESTDIR=...` puts binary, rules, config and unit in place, and the installed
#   config passes `vigil config check`.
# - The Kubernetes manifests parse (Debian's python3-yaml) and the DaemonSet runs with the least
#   the agent needs: the capabilities of the unit and no more, all others dropped, not
#   privileged, no privilege escalation, a read-only root, hostPID, read-only host mounts of only
#   what it reads, requests and limits, every node tolerated, a liveness probe; its ConfigMap's
#   config passes `vigil config check`.
#
# Run: OUTPUT=build bash tests/integration/test_deploy_files.sh   (needs build/vigil, systemd,
# python3-yaml)

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_cmd systemd-analyze jq make
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml' 2>/dev/null ||
	tap_bail "Debian's python3 with python3-yaml is installed (make deps)"
[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing (make OUTPUT=$OUTPUT_SHOWN)"
test_tmpdir || tap_bail "a temporary folder"

UNIT=$VIGIL_REPO/deploy/systemd/vigil.service

# ---- the systemd unit ----

# systemd checks that ExecStart's program exists: the copy runs the one just built.
sed "s|/usr/local/bin/vigil|$VIGIL_BIN|" "$UNIT" >"$T/vigil.service"
out=$(systemd-analyze verify "$T/vigil.service" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then
	tap_ok "systemd-analyze verify: the unit is valid, without a warning"
else
	tap_fail "systemd-analyze verify: the unit is valid, without a warning" "$out"
fi

# setting KEY : the value of KEY in the unit's [Service] section (the last one set).
setting() {
	awk -v key="$1" '/^\[/ { inside = ($0 == "[Service]") } inside && index($0, key "=") == 1 {
		value = substr($0, length(key) + 2) } END { print value }' "$UNIT"
}

assert_eq "$(setting NoNewPrivileges)" yes "unit: NoNewPrivileges=yes"
assert_eq "$(setting ProtectSystem)" strict "unit: ProtectSystem=strict"
assert_eq "$(setting ProtectHome)" yes "unit: ProtectHome=yes"
assert_eq "$(setting PrivateTmp)" yes "unit: PrivateTmp=yes"
assert_eq "$(setting ProtectKernelModules)" yes "unit: ProtectKernelModules=yes"
assert_eq "$(setting Restart)" on-failure "unit: restarts on failure"
assert_eq "$(setting StandardOutput)/$(setting StandardError)" journal/journal "unit: logs to the journal"
assert_eq "$(setting RestrictNamespaces)" mnt "unit: may enter mount namespaces only (the mount undo)"
caps=$(setting CapabilityBoundingSet | tr ' ' '\n' | sort | tr '\n' ' ')
assert_eq "$caps" "CAP_BPF CAP_DAC_READ_SEARCH CAP_MAC_ADMIN CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_RESOURCE " \
	"unit: the capability bounding set is the BPF agent's, nothing more"
assert_eq "$(setting ExecStart)" "/usr/local/bin/vigil run --config /etc/vigil/vigil.yaml" \
	"unit: runs the installed binary with the installed config"

# systemd's own rating: 0 (locked down) to 10 (exposed); a BPF agent cannot reach 0.
exposure=$(systemd-analyze security --offline=true "$T/vigil.service" 2>&1 |
	sed -n 's/.*Overall exposure level for vigil.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 4.0) }'; then
	tap_ok "systemd-analyze security: exposure $exposure (at most 4.0)"
else
	tap_fail "systemd-analyze security: exposure at most 4.0" "exposure: '${exposure:-not printed}'"
fi

# ---- make install ----

root=$T/root
if make -s -C "$VIGIL_REPO" OUTPUT="$OUTPUT" DESTDIR="$root" install >"$T/install.log" 2>&1; then
	tap_ok "make install DESTDIR=...: runs"
else
	tap_fail "make install DESTDIR=...: runs" "$(cat "$T/install.log")"
fi
for file in usr/local/bin/vigil etc/vigil/vigil_rules.yaml etc/vigil/vigil.yaml etc/systemd/system/vigil.service; do
	[ -s "$root/$file" ] && tap_ok "make install: /$file" || tap_fail "make install: /$file"
done
cmp -s "$root/usr/local/bin/vigil" "$VIGIL_BIN" && tap_ok "make install: the binary is the one built" ||
	tap_fail "make install: the binary is the one built"
out=$("$VIGIL_BIN" config check --rules-dir "$root/etc/vigil" "$root/etc/vigil/vigil.yaml" 2>&1)
assert_eq "$?" 0 "the installed config passes vigil config check (with the installed rules)" || diag "$out"

# ---- Kubernetes ----

# Every manifest as JSON, one document a line, for jq.
/usr/bin/python3 - "$VIGIL_REPO"/deploy/kubernetes/*.yaml >"$T/k8s.jsonl" 2>"$T/k8s.err" <<'PY'
import json, sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if doc is not None:
                print(json.dumps(doc))
PY
assert_eq "$?" 0 "the manifests parse as YAML" || diag "$(cat "$T/k8s.err")"
JSON_DEFS='
	def kind($k): .[] | select(.kind == $k);
	def pod: kind("DaemonSet") | .spec.template.spec;
	def agent: pod | .containers[] | select(.name == "vigil");
	def mounts: agent | .volumeMounts;'
assert_json "$T/k8s.jsonl" '[.[].kind] | sort == ["ConfigMap", "DaemonSet", "Namespace", "ServiceAccount"]' \
	"k8s: a namespace, a service account, a config map and a DaemonSet"
assert_json "$T/k8s.jsonl" '[.[] | select(.kind != "Namespace") | .metadata.namespace] | unique == ["vigil"]' \
	"k8s: all in the vigil namespace"
assert_json "$T/k8s.jsonl" 'agent | .securityContext | .privileged == false and .allowPrivilegeEscalation == false and
	.readOnlyRootFilesystem == true and .capabilities.drop == ["ALL"]' \
	"k8s: not privileged, no privilege escalation, read-only root, every capability dropped first"
caps=$(tr ' ' '\n' <<<"$(setting CapabilityBoundingSet)" | sed 's/^CAP_//' | sort | jq -R . | jq -sc .)
assert_json "$T/k8s.jsonl" "(agent | .securityContext.capabilities.add | sort) == $caps" \
	"k8s: the capabilities added are the systemd unit's, no more"
assert_json "$T/k8s.jsonl" 'pod | .hostPID == true and .automountServiceAccountToken == false and
	(.hostNetwork // false) == false' "k8s: hostPID, no service account token, not the host's network"
assert_json "$T/k8s.jsonl" '[pod | .volumes[] | select(.hostPath) | .hostPath.path] | sort ==
	["/run/docker.sock", "/sys/fs/cgroup", "/sys/kernel/btf", "/sys/kernel/tracing"]' \
	"k8s: host paths: BTF, tracefs, the cgroup tree and the runtime socket, nothing else"
assert_json "$T/k8s.jsonl" '[pod | .volumes[] | select(.hostPath) | .name] as $host |
	[mounts[] | select(.name | IN($host[])) | .readOnly] | length == 4 and all' \
	"k8s: every host path is mounted read-only"
assert_json "$T/k8s.jsonl" 'agent | .resources | .requests.cpu and .requests.memory and .limits.cpu and .limits.memory' \
	"k8s: resource requests and limits"
assert_json "$T/k8s.jsonl" 'pod | .tolerations == [{"operator": "Exists"}]' "k8s: runs on every node, tainted or not"
assert_json "$T/k8s.jsonl" 'agent | .livenessProbe.exec.command[1:] == ["health", "127.0.0.1:9464"]' \
	"k8s: the liveness probe asks the agent's /healthz (vigil health)"
kind_config() { jq -r --arg key "$1" 'select(.kind == "ConfigMap") | .data[$key]' "$T/k8s.jsonl"; }
mkdir -p "$T/cm"
kind_config vigil.yaml >"$T/cm/vigil.yaml"
kind_config local_rules.yaml >"$T/cm/local_rules.yaml"
cp "$VIGIL_REPO/rules/vigil_rules.yaml" "$T/cm/"
assert_json "$T/k8s.jsonl" 'agent | .args == ["run", "--config", "/etc/vigil/vigil.yaml"]' \
	"k8s: the agent runs with the ConfigMap's config"
out=$("$VIGIL_BIN" config check --rules-dir "$T/cm" "$T/cm/vigil.yaml" 2>&1)
assert_eq "$?" 0 "k8s: the ConfigMap's config and rules pass vigil config check" || diag "$out"
grep -q '^metrics-address: 127.0.0.1:9464$' <<<"$out" && tap_ok "k8s: the config serves /healthz where the probe asks" ||
	tap_fail "k8s: the config serves /healthz where the probe asks" "$out"

tap_done
