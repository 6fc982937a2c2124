#!/bin/sh
# make demo: a passing SEV-SNP verdict ("valid": true) on a machine without
# SEV-SNP, offline with `teev verify` and over mTLS from a throwaway server.
#
# NOT FOR PRODUCTION. The evidence is forged by build/snp-forge (the test
# forger): it makes its own fake AMD root chain, a VCEK and a signed report
# whose REPORT_DATA binds a nonce. The throwaway folder var/demo/ trusts
# those fake roots (amd_root_dir); nothing else does. Real AMD roots are
# built into teev, and the development server of `make run` never trusts
# these. The folder is deleted and made again on every run.
#
# Usage (from the top of the source tree, after `make`):
#   sh tests/support/demo.sh [DIR]      (default DIR: var/demo)
# Environment: TEEV_BIN (build/teev), SNP_FORGE (build/snp-forge).
set -eu

TEEV=${TEEV_BIN:-build/teev}
FORGE=${SNP_FORGE:-build/snp-forge}
DEMO=${1:-var/demo}
server_pid=""

stop_server() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=""
	fi
}
trap stop_server EXIT INT TERM

# The value of "key":"..." in a one-line JSON file.
json_field() {
	sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" "$1"
}

rm -rf "$DEMO"
mkdir -p "$DEMO"
cat >"$DEMO/NOT-FOR-PRODUCTION.txt" <<'EOF'
Everything in this folder is throwaway demo material made by `make demo`:
forged/amd/ holds FAKE AMD roots made by the test forger (build/snp-forge),
and verifier.conf trusts them. A verifier trusting these roots accepts
forged evidence. Never copy them, or this configuration, anywhere else.
EOF

echo "== 1. Forged SEV-SNP evidence (fake AMD roots; NOT FOR PRODUCTION) in $DEMO/forged"
"$FORGE" fixture --out "$DEMO/forged"
"$TEEV" certs init "$DEMO/cv_ca" >/dev/null
cat >"$DEMO/verifier.conf" <<EOF
# make demo - NOT FOR PRODUCTION: amd_root_dir points at FAKE AMD roots.
[verifier]
ip = 127.0.0.1
port = 0
tls_dir = $DEMO/cv_ca
database = $DEMO/teev.db
amd_root_dir = $DEMO/forged/amd
offline = true
EOF
"$TEEV" policy add --kind snp default config/examples/snp-dev-policy.json \
	--config "$DEMO/verifier.conf"

request=$DEMO/forged/genoa/request.json
nonce=$(json_field "$request" nonce)
x=$(json_field "$request" tee-pubkey-x-b64)
y=$(json_field "$request" tee-pubkey-y-b64)

echo
echo "== 2. Offline: teev verify (same configuration and checks as the server)"
"$TEEV" verify --config "$DEMO/verifier.conf" --report "$DEMO/forged/genoa/report.bin" \
	--vcek "$DEMO/forged/genoa/vcek.der" --nonce "$nonce" --tee-pubkey-x "$x" \
	--tee-pubkey-y "$y" >"$DEMO/verify.json"
grep -E '"valid"|"measurement_hex"|"product"' "$DEMO/verify.json"

echo
echo "== 3. Over mTLS: a throwaway teev serve on a free loopback port"
"$TEEV" serve --config "$DEMO/verifier.conf" 2>"$DEMO/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$DEMO/server.log")
	[ -n "$port" ] && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then
	echo "teev serve did not start; its log:" >&2
	cat "$DEMO/server.log" >&2
	exit 1
fi
curl -sS --cert "$DEMO/cv_ca/client-cert.crt" --key "$DEMO/cv_ca/client-private.pem" \
	--cacert "$DEMO/cv_ca/cacert.crt" -d @"$request" \
	"https://127.0.0.1:$port/v2.5/verify/evidence" >"$DEMO/answer.json"
grep -o '"code":[0-9]*,"status":"[^"]*"' "$DEMO/answer.json"
grep -o '"valid":[a-z]*' "$DEMO/answer.json"
grep -o '"failures":\[[^]]*\]' "$DEMO/answer.json"
grep -o '"tee_policy":{[^}]*}' "$DEMO/answer.json"
echo "(the whole answer: $DEMO/answer.json)"
stop_server
grep -q '"valid":true' "$DEMO/answer.json"
grep -q '"valid": true' "$DEMO/verify.json"
echo
echo "Both verdicts are \"valid\": true. The files are in $DEMO/ (forged evidence, FAKE"
echo "AMD roots: NOT FOR PRODUCTION). Against AMD's real roots, as in \`make run\`, the"
echo "same request fails with tee_attestation.cert_chain."
