#!/bin/bash
# test_engine_tls: the Engine API over TCP with TLS client certificates, against a real dockerd
# listening on a loopback port with certificates this test makes; and a client certificate the
# daemon does not trust is refused without stopping the agent.
#
# Run: OUTPUT=build bash tests/integration/test_engine_tls.sh   (root)

# shellcheck disable=SC2016
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd jq docker dockerd openssl

IMAGE=vigil-test-tls
W=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
[ -x "$VIGIL_BIN" ] || tap_bail "the agent is built" "$VIGIL_BIN is missing"
ensure_tracefs || tap_bail "tracefs is mounted"
test_tmpdir || tap_bail "a temporary folder"

# make_cert NAME SIGNER_PREFIX [SAN] : a key and a certificate signed by SIGNER (a CA's prefix).
make_ca() { # PREFIX
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vigil test CA $1" \
		-keyout "$T/$1-key.pem" -out "$T/$1.pem" 2>/dev/null
}
make_cert() { # NAME CA EXTENSIONS
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$T/$1-key.pem" -out "$T/$1.csr" 2>/dev/null &&
		printf '%s\n' "$3" >"$T/$1.ext" &&
		openssl x509 -req -in "$T/$1.csr" -CA "$T/$2.pem" -CAkey "$T/$2-key.pem" -CAcreateserial \
			-days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" 2>/dev/null
}
make_ca ca && make_ca rogue-ca &&
	make_cert server ca "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth" &&
	make_cert client ca "extendedKeyUsage=clientAuth" &&
	make_cert rogue rogue-ca "extendedKeyUsage=clientAuth" ||
	tap_bail "openssl makes the test certificates"

# A free loopback port: ask the kernel by binding port 0 is not possible from bash; try a few.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for candidate in $(shuf -i 20000-60000 -n 20); do
	if port_free "$candidate"; then
		PORT=$candidate
		break
	fi
done
[ -n "$PORT" ] || tap_bail "a free loopback port"

DOCKERD_ARGS=(--tlsverify --tlscacert "$T/ca.pem" --tlscert "$T/server.pem" --tlskey "$T/server-key.pem"
	-H "tcp://127.0.0.1:$PORT")
dockerd_start || tap_bail "a private dockerd starts with a TLS listener on 127.0.0.1:$PORT"
image_build "$IMAGE" || tap_bail "the test image builds"

URL=https://127.0.0.1:$PORT
OUT=$T/tls.jsonl
in_err() { grep -q -- "$1" "$OUT.err"; }
vigil_start "$OUT" --engine-url "$URL" --engine-tls-ca "$T/ca.pem" --engine-tls-cert "$T/client.pem" \
	--engine-tls-key "$T/client-key.pem" || tap_bail "vigil starts with TLS options"
wait_until 20 in_err "Engine API at $URL answers" && tap_ok "vigil talks TLS to the daemon on $URL" ||
	tap_fail "vigil talks TLS to the daemon on $URL" "$(cat "$OUT.err")"
cid=$(docker run -d --network none --name "vt-tls-$W" "$IMAGE" sleep 1000000) || tap_bail "docker run"
docker exec "$cid" vigil-helper echo "tls-$W" >/dev/null
announced() { jq -e -s --arg id "$cid" 'any(.[]; .type == "container" and .container.full_id == $id)' "$OUT" >/dev/null; }
wait_until 20 announced || true
vigil_stop
assert_eq "$?" 0 "vigil exits 0"
assert_json "$OUT" 'first(.[] | select(.type == "container" and .container.full_id == $id)) | .container.name == $name' \
	"the container is announced with its name, learnt over TLS" --arg id "$cid" --arg name "vt-tls-$W"

# A client certificate from another CA: refused by the daemon; vigil says so and runs on.
OUT=$T/rogue.jsonl
vigil_start "$OUT" --engine-url "$URL" --engine-tls-ca "$T/ca.pem" --engine-tls-cert "$T/rogue.pem" \
	--engine-tls-key "$T/rogue-key.pem" || tap_bail "vigil starts with an untrusted client certificate"
wait_until 20 in_err "no Engine API" && tap_ok "an untrusted client certificate: vigil says it has no Engine API" ||
	tap_fail "an untrusted client certificate: vigil says it has no Engine API" "$(cat "$OUT.err")"
docker exec "$cid" vigil-helper echo "rogue-$W" >/dev/null
vigil_stop
assert_eq "$?" 0 "vigil exits 0 without an Engine API"
assert_json "$OUT" 'first(.[] | select(.type == "exec" and .container.full_id == $id and .proc.args[2]? == $w)) |
	.container.id == $id[0:12] and .container.metadata != "known"' \
	"events are still reported, the container named by id alone" --arg id "$cid" --arg w "rogue-$W"

# Options that can never work are refused at start with one sentence.
"$VIGIL_BIN" run --no-rules --engine-url "$URL" >/dev/null 2>"$T/bad.err"
assert_eq "$?" 1 "an https URL without the TLS files is refused"
grep -q 'needs --engine-tls-ca' "$T/bad.err" && tap_ok "and the error says which options are missing" ||
	tap_fail "and the error says which options are missing" "$(cat "$T/bad.err")"

tap_done
