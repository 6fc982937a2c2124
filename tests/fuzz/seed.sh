#!/bin/sh
# seed.sh - builds the seed corpora of the libFuzzer harnesses.
#   SHARED_DIR=../shared sh tests/fuzz/seed.sh BUILD [TARGET...]
# For each target, BUILD/corpus/TARGET/ is emptied and refilled from the
# shared test vectors (real SEV-SNP reports and VCEKs, Keylime's TPM vectors,
# quotes, IMA and UEFI logs, golden request bodies, policy documents), from
# tests/fuzz/seeds/TARGET/ (hand-written inputs) and from
# tests/fuzz/regressions/TARGET/ (inputs that once found a bug). Files are
# named by the SHA-1 of their content, so duplicates collapse. The same
# inputs give the same corpus: `make fuzz-regress` is deterministic.
#
# Needs sh, base64, sha1sum, od and openssl; jq for the values inside JSON
# files (without jq those seeds are skipped with a warning).
set -eu

build=${1:?usage: seed.sh BUILD [TARGET...]}
shift
shared=${SHARED_DIR:-../shared}
data="$shared/testdata"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
all="snp_report certs_buf vcek tpm2b_public tpms_attest tpmt_signature pcr_blob tpm_quote
ima eventlog evidence_request snp_policy tpm_policy runtime_policy mb_policy json_lift p384
tdx_quote tdx_collateral tdx_policy ear_token"
targets=${*:-$all}

if [ ! -d "$data/snp" ] || [ ! -d "$data/keylime" ]; then
	echo "seed.sh: no test vectors under $data (set SHARED_DIR)" >&2
	exit 1
fi
have_jq=true
if ! command -v jq >/dev/null 2>&1; then
	have_jq=false
	echo "seed.sh: jq is missing; seeds taken from inside JSON files are skipped" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
snp="$data/snp"
kl="$data/keylime"
golden_tee="$kl/golden/tee-cases.json"
golden_tpm="$kl/golden/tpm-cases.json"
golden_variants="$kl/golden/tpm-cases-config-variants.json"

# put TARGET FILE: adds a copy of FILE to the corpus of TARGET.
put() {
	[ -f "$2" ] || return 0
	sum=$(sha1sum <"$2" | cut -c1-40)
	cp "$2" "$build/corpus/$1/$sum"
}

# put_text TARGET TEXT: adds TEXT (without a trailing newline).
put_text() {
	printf '%s' "$2" >"$tmp/text"
	put "$1" "$tmp/text"
}

# put_b64 TARGET BASE64: adds the decoded bytes (invalid base64 is skipped).
put_b64() {
	if printf '%s' "$2" | base64 -d >"$tmp/b64" 2>/dev/null; then
		put "$1" "$tmp/b64"
	fi
}

# Every line of stdin is one base64 value: decode each into TARGET.
put_b64_lines() {
	while IFS= read -r line; do
		[ -n "$line" ] && put_b64 "$1" "$line"
	done
}

# Every NUL-separated item of stdin is one seed of TARGET, as text.
put_items() {
	rm -rf "$tmp/items"
	mkdir -p "$tmp/items"
	tr '\0' '\036' | awk -v RS='\036' -v ORS='' -v dir="$tmp/items" \
		'{ f = dir "/" NR; print > f; close(f) }'
	for f in "$tmp"/items/*; do
		put "$1" "$f"
	done
}

# Golden request bodies with "@base64file:PATH" placeholders resolved.
golden_requests() {
	log_b64=$(base64 -w0 "$kl/uefi-eventlogs/binary_bios_measurements")
	for file in "$golden_tee" "$golden_tpm" "$golden_variants"; do
		jq -j '(if type == "object" then .cases else . end)[] | .request |
			(if type == "string" then . else tojson end), "\u0000"' "$file"
	done | sed "s|@base64file:uefi-eventlogs/binary_bios_measurements|$log_b64|g"
}

# le32 N: four little-endian bytes.
le32() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}

# guid HEX32: 16 bytes (octal escapes: dash's printf has no \x).
guid() {
	for b in $(echo "$1" | sed 's/../& /g'); do
		printf "\\$(printf %03o "0x$b")"
	done
}

GUID_VCEK=63da758de6644564adc5f4b93be8accd
GUID_VLEK=a8074bc2a25a483eaae639c045a0b8a1
GUID_ASK=4ab7b379bbac4fe4a02f05aef327c782
GUID_ARK=c0b406a4a803495297433fb6014cd0ae

# certs_buf OUT GUID FILE [GUID FILE ...]: a GHCB certificate table.
certs_buf() {
	out=$1
	shift
	n=$(($# / 2))
	offset=$(((n + 1) * 24))
	: >"$out.blobs"
	: >"$out"
	while [ $# -ge 2 ]; do
		len=$(wc -c <"$2")
		{ guid "$1"; le32 "$offset"; le32 "$len"; } >>"$out"
		cat "$2" >>"$out.blobs"
		offset=$((offset + len))
		shift 2
	done
	head -c 24 /dev/zero >>"$out"
	cat "$out.blobs" >>"$out"
	rm -f "$out.blobs"
}

# pem_to_der PEM OUT: the first certificate of a PEM file.
pem_to_der() {
	openssl x509 -in "$1" -outform der -out "$2" 2>/dev/null
}

want() {
	case " $(echo $targets) " in *" $1 "*) return 0 ;; esac
	return 1
}

for t in $targets; do
	rm -rf "${build:?}/corpus/$t"
	mkdir -p "$build/corpus/$t"
done

if want snp_report; then
	for f in "$snp"/*/report*.bin "$snp"/*/hcl_report.bin; do put snp_report "$f"; done
	# The report inside Azure's HCL report, and one cut one byte short.
	tail -c +33 "$snp/milan-v3-azure/hcl_report.bin" | head -c 1184 >"$tmp/r" && put snp_report "$tmp/r"
	head -c 1183 "$snp/genoa-v5-oak/report.bin" >"$tmp/r" && put snp_report "$tmp/r"
	if $have_jq; then
		jq -r '.cases[].request | objects | .data."tee-evidence".evidence."snp-report"? | strings' \
			"$golden_tee" | put_b64_lines snp_report
		jq -r '.data."tee-evidence".evidence."snp-report"' "$root/config/examples/snp-genoa-request.json" |
			put_b64_lines snp_report
	fi
fi

# DER forms of the AMD certificates, for VCEK and certs-buf seeds.
mkdir -p "$tmp/der"
for p in milan genoa turin; do
	for kind in ark ask asvk; do
		pem_to_der "$snp/amd/${p}_$kind.pem" "$tmp/der/${p}_$kind.der" || true
	done
done

if want vcek; then
	for f in "$snp"/*/vcek.der "$snp"/*/vlek.der "$snp"/extra/*.der "$kl/golden/keys/fake-vcek.der" \
		"$tmp"/der/*.der; do
		put vcek "$f"
	done
fi

if want certs_buf; then
	i=0
	for dir in "$snp"/*/; do
		product=$(basename "$dir" | cut -d- -f1)
		ask="$tmp/der/${product}_ask.der"
		asvk="$tmp/der/${product}_asvk.der"
		ark="$tmp/der/${product}_ark.der"
		if [ -f "$dir/vcek.der" ]; then
			certs_buf "$tmp/cb$i" $GUID_VCEK "$dir/vcek.der" && put certs_buf "$tmp/cb$i"
			i=$((i + 1))
			[ -f "$ask" ] && certs_buf "$tmp/cb$i" $GUID_VCEK "$dir/vcek.der" $GUID_ASK "$ask" \
				$GUID_ARK "$ark" && put certs_buf "$tmp/cb$i"
			i=$((i + 1))
		fi
		if [ -f "$dir/vlek.der" ]; then
			[ -f "$asvk" ] && certs_buf "$tmp/cb$i" $GUID_VLEK "$dir/vlek.der" $GUID_ASK "$asvk" \
				$GUID_ARK "$ark" && put certs_buf "$tmp/cb$i"
			i=$((i + 1))
		fi
	done
	head -c 24 /dev/zero >"$tmp/cb-empty" && put certs_buf "$tmp/cb-empty"
fi

if want tpm2b_public; then
	for f in "$kl/tpm-quote-swtpm/ak.pub" "$kl/tpm-quote-swtpm/ek.pub"; do put tpm2b_public "$f"; done
	for f in "$kl"/golden/keys/*.tpm2b_public.b64; do put_b64 tpm2b_public "$(cat "$f")"; done
	if $have_jq; then
		jq -r 'to_entries[] | select(.key | test("tpm2b_public")) | .value | strings' \
			"$kl/tpm2b-public-vectors.json" | put_b64_lines tpm2b_public
		jq -r '.ak_tpm2b_public_b64_synthesized_from_pem' \
			"$kl/tpm-quote-unit-test/tpm_util_test-quote.json" | put_b64_lines tpm2b_public
		jq -r '.[].request | objects | .data | objects | .tpm_ak | strings' "$golden_tpm" |
			put_b64_lines tpm2b_public
	fi
fi

# The three parts of every quote string ("r<attest>:<signature>:<pcr blob>").
quote_part() {
	jq -r --argjson i "$1" '.[].request | objects | .data | objects | .quote | strings |
		ltrimstr("r") | split(":") | .[$i] // empty' "$golden_tpm"
}
if want tpms_attest; then
	put tpms_attest "$kl/tpm-quote-swtpm/quote.out"
	if $have_jq; then
		jq -r '.quoteblob_b64' "$kl/tpm-quote-unit-test/tpm_util_test-quote.json" | put_b64_lines tpms_attest
		quote_part 0 | put_b64_lines tpms_attest
	fi
fi
if want tpmt_signature; then
	put tpmt_signature "$kl/tpm-quote-swtpm/quotesig.out"
	if $have_jq; then
		jq -r '.sigblob_b64' "$kl/tpm-quote-unit-test/tpm_util_test-quote.json" | put_b64_lines tpmt_signature
		quote_part 1 | put_b64_lines tpmt_signature
	fi
fi
if want pcr_blob; then
	put pcr_blob "$kl/tpm-quote-swtpm/quotepcr.out"
	if $have_jq; then
		jq -r '.pcrblob_b64? // empty' "$kl/tpm-quote-unit-test/tpm_util_test-quote.json" |
			put_b64_lines pcr_blob
		quote_part 2 | put_b64_lines pcr_blob
	fi
fi

if want tpm_quote && $have_jq; then
	# quote, nonce, hash_alg and tpm_ak, one per line (see fuzz_tpm_quote.c).
	jq -j '.[].request | objects | .data | objects | select(.quote | type == "string") |
		(.quote, "\n", (.nonce | strings), "\n", (.hash_alg | strings), "\n",
		 (.tpm_ak | strings), "\u0000")' "$golden_tpm" | put_items tpm_quote
	jq -j '"r" + .quoteblob_b64 + ":" + .sigblob_b64 + ":" + (.pcrblob_b64 // ""), "\n",
		.nonce, "\n", .hash_alg, "\n", .ak_tpm2b_public_b64_synthesized_from_pem' \
		"$kl/tpm-quote-unit-test/tpm_util_test-quote.json" >"$tmp/q" && put tpm_quote "$tmp/q"
	{
		printf 'r%s:%s:%s\n' "$(base64 -w0 "$kl/tpm-quote-swtpm/quote.out")" \
			"$(base64 -w0 "$kl/tpm-quote-swtpm/quotesig.out")" \
			"$(base64 -w0 "$kl/tpm-quote-swtpm/quotepcr.out")"
		printf '%s\nsha256\n%s' "$(base64 -w0 "$kl/tpm-quote-swtpm/rand.out")" \
			"$(base64 -w0 "$kl/tpm-quote-swtpm/ak.pub")"
	} >"$tmp/q" && put tpm_quote "$tmp/q"
fi

if want ima; then
	# The first byte holds the harness's options (see fuzz_ima.c).
	for f in "$kl"/ima/create-runtime-policy/ima-log-* "$kl"/ima/test_ima_verification/*.txt; do
		for options in 000 001 005 024; do
			{ printf "\\$options"; cat "$f"; } >"$tmp/ima" && put ima "$tmp/ima"
		done
	done
	cat "$kl/ima/test_ima_verification/MEASUREMENTS.txt" "$kl/ima/test_ima_verification/SIGNATURES.txt" \
		"$kl/ima/test_ima_verification/KEYRINGS.txt" >"$tmp/all"
	{ printf '\005'; cat "$tmp/all"; } >"$tmp/ima" && put ima "$tmp/ima"
	if $have_jq; then
		jq -j '.[].request | objects | .data | objects | .ima_measurement_list | strings |
			"\u0005" + . + "\u0000"' "$golden_tpm" | put_items ima
	fi
fi

if want eventlog; then
	for f in "$kl"/uefi-eventlogs/binary_bios_measurements*; do put eventlog "$f"; done
	tr -d '\n' <"$kl/uefi-eventlogs/mb_log.b64" | base64 -d >"$tmp/el" 2>/dev/null && put eventlog "$tmp/el"
	# The first 2 KiB of each real log: the Spec ID event and the first events.
	head -c 2048 "$kl/uefi-eventlogs/binary_bios_measurements" >"$tmp/el" && put eventlog "$tmp/el"
	head -c 2048 "$kl/uefi-eventlogs/binary_bios_measurements-secureboot" >"$tmp/el" && put eventlog "$tmp/el"
fi

if want evidence_request; then
	put evidence_request "$root/config/examples/snp-genoa-request.json"
	if $have_jq; then
		golden_requests | put_items evidence_request
		# Every real report with its real VCEK/VLEK in certs-buf: these reach
		# the chain, binding and signature checks against the embedded roots.
		x=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB
		y=AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC
		for dir in "$snp"/*/; do
			[ -f "$dir/report.bin" ] || continue
			if [ -f "$dir/vcek.der" ]; then
				certs_buf "$tmp/cb" $GUID_VCEK "$dir/vcek.der"
			elif [ -f "$dir/vlek.der" ]; then
				certs_buf "$tmp/cb" $GUID_VLEK "$dir/vlek.der"
			else
				continue
			fi
			jq -n -c --arg report "$(base64 -w0 "$dir/report.bin")" \
				--arg certs "$(base64 -w0 "$tmp/cb")" --arg x "$x" --arg y "$y" \
				'{type: "tee", data: {"tee-evidence": {tee: "snp", evidence:
				  {"snp-report": $report, "certs-buf": $certs}},
				  nonce: "bm9uY2UtYnl0ZXM=", "tee-pubkey-x-b64": $x, "tee-pubkey-y-b64": $y}}' \
				>"$tmp/req" && put evidence_request "$tmp/req"
			jq -n -c --arg report "$(base64 -w0 "$dir/report.bin")" --arg x "$x" --arg y "$y" \
				'{type: "tee", data: {"tee-evidence": {tee: "snp", evidence:
				  {"snp-report": $report, "certs-buf": null}}, "tee-policy": "default",
				  nonce: "bm9uY2UtYnl0ZXM=", "tee-pubkey-x-b64": $x, "tee-pubkey-y-b64": $y}}' \
				>"$tmp/req" && put evidence_request "$tmp/req"
		done
	fi
fi

# be48 FILE OFFSET: the 48-byte little-endian number at OFFSET, big-endian.
be48() {
	for b in $(od -An -v -tu1 -j "$2" -N 48 "$1" |
		awk '{ for (i = 1; i <= NF; i++) a[n++] = $i } END { while (n > 0) print a[--n] }'); do
		printf "\\$(printf %03o "$b")"
	done
}

if want p384; then
	# Key x || y, SHA-384 of [0, 0x2A0), r and s of every real report: valid as
	# given. The same under other headers (see fuzz_p384.c): high s, r = 0,
	# r = n, r + n with s = n, r after zero bytes with high s, the key negated,
	# swapped and at infinity, digest 0, n and 0xFF * 48, r and s mod n.
	for dir in "$snp"/*/; do
		cert="$dir/vcek.der"
		[ -f "$cert" ] || cert="$dir/vlek.der"
		[ -f "$dir/report.bin" ] && [ -f "$cert" ] || continue
		{
			openssl x509 -inform der -in "$cert" -noout -pubkey |
				openssl pkey -pubin -outform der | tail -c 96
			head -c 672 "$dir/report.bin" | openssl dgst -sha384 -binary
			be48 "$dir/report.bin" 672
			be48 "$dir/report.bin" 744
		} >"$tmp/sig"
		[ "$(wc -c <"$tmp/sig")" -eq 240 ] || continue
		for h in '\000\000' '\040\000' '\001\000' '\002\000' '\023\000' '\045\000' \
			'\100\000' '\200\000' '\300\000' '\000\001' '\000\002' '\000\003' '\066\000'; do
			{ printf "$h\\060\\060\\060"; cat "$tmp/sig"; } >"$tmp/p384" && put p384 "$tmp/p384"
		done
	done
	# Signatures the harness makes with its own keys (d = 1, n - 1, fixed; bit
	# 5 of the second byte): over a fixed digest, and over r, n - r and d*r,
	# where u1*G + u2*Q doubles or vanishes. The key bytes are unused; the
	# nonce comes from the r bytes.
	head -c 48 /dev/zero | tr '\0' '\252' >"$tmp/digest"
	for source in 1 2 3; do
		for op in 0 4 5 6; do
			h1=$((32 + source * 8 + op))
			{
				printf "\\000\\$(printf %03o $h1)\\060\\060\\060"
				head -c 96 /dev/zero
				cat "$tmp/digest"
				printf 'nonce-%s-%s-' "$source" "$op"
				head -c 38 /dev/zero | tr '\0' '\021'
				head -c 48 /dev/zero
			} >"$tmp/p384" && put p384 "$tmp/p384"
		done
	done
fi

if want snp_policy; then
	put snp_policy "$root/config/examples/snp-dev-policy.json"
fi

if want tpm_policy && $have_jq; then
	jq -j '.[].request | objects | .data | objects | .tpm_policy |
		select(. != null) | (if type == "string" then . else tojson end), "\u0000"' \
		"$golden_tpm" | put_items tpm_policy
fi

if want runtime_policy; then
	for f in "$kl"/runtime-policies/*.json "$kl"/ima/create-runtime-policy/policy-* \
		"$kl"/ima/test_ima_verification/*.json; do
		put runtime_policy "$f"
	done
	if $have_jq; then
		jq -j '.[].request | objects | .data | objects | .runtime_policy |
			select(. != null) | (if type == "string" then . else tojson end), "\u0000"' \
			"$golden_tpm" | put_items runtime_policy
	fi
fi

if want mb_policy; then
	put mb_policy "$kl/mb-policy/example_reference_state.json"
	if $have_jq; then
		jq -j '.[].request | objects | .data | objects | .mb_policy |
			select(. != null) | (if type == "string" then . else tojson end), "\u0000"' \
			"$golden_tpm" | put_items mb_policy
	fi
fi

tdx="$data/tdx"
if want tdx_quote && [ -d "$tdx" ]; then
	# Every real quote (v4, v5, trailing text and padding, the DER-chain
	# sample), and cuts inside the body, the QE report and the PEM chain.
	for f in "$tdx"/*/quote*.dat; do put tdx_quote "$f"; done
	for n in 47 600 1000 2000 4000; do
		head -c $n "$tdx/a-trustee-uptodate/quote.dat" >"$tmp/q" && put tdx_quote "$tmp/q"
	done
	head -c 4935 "$tdx/b-automata-outofdate/quote.dat" >"$tmp/q" && put tdx_quote "$tmp/q"
fi

if want tdx_collateral && [ -d "$tdx" ]; then
	for f in "$tdx"/*/tcb_info.json "$tdx"/*/qe_identity.json; do put tdx_collateral "$f"; done
fi

# Hand-written seeds and the inputs of past findings.
for t in $targets; do
	for dir in "$here/seeds/$t" "$here/regressions/$t"; do
		[ -d "$dir" ] || continue
		for f in "$dir"/*; do put "$t" "$f"; done
	done
done

total=0
for t in $targets; do
	n=$(find "$build/corpus/$t" -type f | wc -l)
	total=$((total + n))
	[ "$n" -gt 0 ] || echo "seed.sh: warning: no seeds for $t" >&2
done
echo "seed.sh: $total seeds for $(echo $targets | wc -w) targets in $build/corpus/"
