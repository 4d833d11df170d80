#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# OpenSC's pkcs11-tool against a module: token set-up, RSA and EC keys, signatures checked by
# OpenSSL, and pkcs11-tool's own --test, --test-ec, --test-threads and --test-fork.
# Usage: [XFAIL='check names'] [SKIP='check names'] pkcs11-tool.sh MODULE_PATH
. "$(dirname "$0")/lib.sh"
setup_module "$1"
p11() { pkcs11-tool --module "$MODULE" "$@"; }
# Note: pkcs11-tool 0.23 picks the key for --sign by --id only (--label is ignored there and it
# takes the first private key found), so every sign below names the key by --id.

step "list slots and mechanisms"
p11 --show-info
p11 -L
p11 -M >/dev/null

step "initialise a token and its user PIN"
init_token ci-token
tok=(--token-label ci-token --login --pin $USER_PIN)

step "a wrong PIN is refused"
if p11 "${tok[@]/$USER_PIN/999999}" -O >"$WORK/wrong.log" 2>&1; then
	fail "login with a wrong PIN succeeded"
fi
grep -q CKR_PIN_INCORRECT "$WORK/wrong.log" || fail "wrong PIN: $(cat "$WORK/wrong.log")"

step "RSA-2048 key pair"
p11 "${tok[@]}" --keypairgen --key-type rsa:2048 --label rsa-key --id 01
p11 "${tok[@]}" --read-object --type pubkey --label rsa-key -o "$WORK/rsa.der"
head -c 1000 /dev/urandom >"$WORK/data"
keys=1

step "raw RSA-PKCS over a host-made DigestInfo, verified by openssl"
{
	printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20'
	openssl dgst -sha256 -binary "$WORK/data"
} >"$WORK/digestinfo"
p11 "${tok[@]}" --sign -m RSA-PKCS --id 01 -i "$WORK/digestinfo" -o "$WORK/rsa2.sig"
openssl dgst -sha256 -verify "$WORK/rsa.der" -keyform DER -signature "$WORK/rsa2.sig" \
	"$WORK/data"

# The module hashes (hash-and-sign): the same signature as the host-made DigestInfo. The
# check functions stop at their first failure by themselves ("|| return"): an XFAIL check
# runs them where set -e does not apply.
sha256_rsa_sign() {
	p11 "${tok[@]}" --sign -m SHA256-RSA-PKCS --id 01 -i "$WORK/data" -o "$WORK/rsa.sig" ||
		return
	openssl dgst -sha256 -verify "$WORK/rsa.der" -keyform DER -signature "$WORK/rsa.sig" \
		"$WORK/data" || return
	cmp "$WORK/rsa.sig" "$WORK/rsa2.sig" || fail "CKM_RSA_PKCS and CKM_SHA256_RSA_PKCS differ"
}
check sha256-rsa-sign sha256_rsa_sign

# The EC public key from its CKA_EC_POINT (DER OCTET STRING 04 41 04 X Y) as a P-256
# SubjectPublicKeyInfo: pkcs11-tool 0.23's --read-object of an EC public key reads freed
# memory (heap-use-after-free in its EVP_PKEY_fromdata call, which the ASan tree's preloaded
# runtime stops), whatever the module.
ec_keygen() {
	local point
	p11 "${tok[@]}" --keypairgen --key-type EC:prime256v1 --label ec-key --id 02 || return
	point=$(p11 "${tok[@]}" -O --type pubkey --id 02 | awk '/EC_POINT:/ { print $2 }')
	[[ $point == 044104* && ${#point} -eq 134 ]] || {
		echo "EC_POINT is not an uncompressed P-256 point: $point" >&2
		return 1
	}
	printf '3059301306072a8648ce3d020106082a8648ce3d030107034200%s' "${point#0441}" |
		xxd -r -p >"$WORK/ec.der"
}
# CKM_ECDSA over a host hash works everywhere; CKM_ECDSA_SHA256 only where announced.
ecdsa_sign_verify() {
	openssl dgst -sha256 -binary "$WORK/data" >"$WORK/data.sha256" || return
	p11 "${tok[@]}" --sign -m ECDSA --signature-format openssl --id 02 \
		-i "$WORK/data.sha256" -o "$WORK/ec.sig" || return
	openssl dgst -sha256 -verify "$WORK/ec.der" -keyform DER -signature "$WORK/ec.sig" \
		"$WORK/data" || return
	if p11 -M | grep -q '^ *ECDSA-SHA256'; then
		p11 "${tok[@]}" --sign -m ECDSA-SHA256 --signature-format openssl --id 02 \
			-i "$WORK/data" -o "$WORK/ec2.sig" || return
		openssl dgst -sha256 -verify "$WORK/ec.der" -keyform DER \
			-signature "$WORK/ec2.sig" "$WORK/data"
	fi
}
step "EC P-256 key pair, ECDSA signatures verified by openssl"
check ec-keygen ec_keygen
if [ -s "$WORK/ec.der" ]; then # not where ec-keygen is a known failure (XFAIL, SKIP)
	keys=2
	check ecdsa-sign ecdsa_sign_verify
fi

# AES (CBC_PAD, GCM) and HMAC-SHA256 with keys written from known values, each result
# compared with openssl computing the same; only where the module announces the mechanism.
aes_hmac() {
	local key=000102030405060708090a0b0c0d0e0f iv=101112131415161718191a1b1c1d1e1f
	printf '%s' "$key" | xxd -r -p >"$WORK/aes.key"
	if p11 -M | grep -q '^ *AES-CBC-PAD'; then
		p11 "${tok[@]}" --write-object "$WORK/aes.key" --type secrkey --key-type AES:16 \
			--label aes-key --id 10 --usage-decrypt || return
		p11 "${tok[@]}" --encrypt -m AES-CBC-PAD --iv "$iv" --id 10 -i "$WORK/data" \
			-o "$WORK/aes.enc" || return
		openssl enc -aes-128-cbc -K "$key" -iv "$iv" -in "$WORK/data" -out "$WORK/aes.want" ||
			return
		cmp "$WORK/aes.enc" "$WORK/aes.want" || return
		p11 "${tok[@]}" --decrypt -m AES-CBC-PAD --iv "$iv" --id 10 -i "$WORK/aes.enc" \
			-o "$WORK/aes.dec" || return
		cmp "$WORK/aes.dec" "$WORK/data" || return
	fi
	# pkcs11-tool 0.23 writes no generic secret: generate one (extractable, and not
	# sensitive by the spec's default) and read its value back for openssl.
	if p11 -M | grep -q '^ *SHA256-HMAC'; then
		p11 "${tok[@]}" --keygen --key-type GENERIC:32 --label hmac-key --id 11 \
			--extractable --usage-sign || return
		p11 "${tok[@]}" --read-object --type secrkey --id 11 -o "$WORK/hmac.key" || return
		p11 "${tok[@]}" --sign -m SHA256-HMAC --id 11 -i "$WORK/data" -o "$WORK/mac" || return
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(xxd -p -c 256 "$WORK/hmac.key")" \
			-binary "$WORK/data" >"$WORK/mac.want" || return
		cmp "$WORK/mac" "$WORK/mac.want" || return
	fi
}
# ECDH: pkcs11-tool --derive with an OpenSSL peer; the secret equals openssl pkeyutl's.
ecdh_derive() {
	p11 -M | grep -q '^ *ECDH1-DERIVE' || return 0
	local point
	# The point from the generation's own listing (-O --id lists every key's here).
	p11 "${tok[@]}" --keypairgen --key-type EC:prime256v1 --label ecdh-key --id 12 \
		--usage-derive >"$WORK/ecdh.log" || return
	point=$(awk '/EC_POINT:/ { print $2 }' "$WORK/ecdh.log")
	printf '3059301306072a8648ce3d020106082a8648ce3d030107034200%s' "${point#0441}" |
		xxd -r -p >"$WORK/ecdh.der" || return
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/peer.pem" ||
		return
	openssl pkey -in "$WORK/peer.pem" -pubout -outform DER -out "$WORK/peer.der" || return
	p11 "${tok[@]}" --derive -m ECDH1-DERIVE --id 12 -i "$WORK/peer.der" \
		-o "$WORK/ecdh.secret" || return
	openssl pkeyutl -derive -inkey "$WORK/peer.pem" -peerkey "$WORK/ecdh.der" \
		-peerform DER -out "$WORK/ecdh.want" || return
	cmp "$WORK/ecdh.secret" "$WORK/ecdh.want" || {
		xxd "$WORK/ecdh.secret" "$WORK/ecdh.want" >&2
		return 1
	}
	# The key counts below are of the signing keys.
	p11 "${tok[@]}" --delete-object --type privkey --id 12
}
# Ed25519: pkcs11-tool generates the key (CKA_EC_PARAMS the PrintableString "edwards25519")
# and signs with CKM_EDDSA; openssl pkeyutl verifies with the key from CKA_EC_POINT (DER
# OCTET STRING 04 20 key) as an RFC 8410 SubjectPublicKeyInfo. Only where announced.
eddsa_sign() {
	p11 -M | grep -q '^ *EDDSA' || return 0
	local point
	p11 "${tok[@]}" --keypairgen --key-type EC:edwards25519 --label ed-key --id 13 \
		>"$WORK/ed.log" || return
	point=$(awk '/EC_POINT:/ { print $2; exit }' "$WORK/ed.log")
	[[ $point == 0420* && ${#point} -eq 68 ]] || {
		echo "EC_POINT is not an Ed25519 key in an OCTET STRING: $point" >&2
		return 1
	}
	printf '302a300506032b6570032100%s' "${point#0420}" | xxd -r -p >"$WORK/ed.der" || return
	p11 "${tok[@]}" --sign -m EDDSA --id 13 -i "$WORK/data" -o "$WORK/ed.sig" || return
	openssl pkeyutl -verify -pubin -inkey "$WORK/ed.der" -keyform DER -rawin \
		-in "$WORK/data" -sigfile "$WORK/ed.sig" || return
	p11 "${tok[@]}" --delete-object --type privkey --id 13
}
step "Ed25519 key pair, EDDSA signature verified by openssl"
check eddsa-sign eddsa_sign

step "ECDH1-DERIVE with an OpenSSL peer, checked by openssl"
check ecdh-derive ecdh_derive

step "AES-CBC-PAD and SHA256-HMAC with written keys, checked by openssl"
check aes-hmac aes_hmac

step "objects: list; generated private keys are sensitive and never extractable"
p11 "${tok[@]}" -O >"$WORK/objects"
[ "$(grep -c "Private Key Object" "$WORK/objects")" = $keys ] ||
	fail "expected $keys private keys: $(cat "$WORK/objects")"
[ "$(grep -c "Access: *sensitive, always sensitive, never extractable" "$WORK/objects")" = $keys ] ||
	fail "private keys not sensitive: $(cat "$WORK/objects")"

check test p11 "${tok[@]}" --test
# C_Initialize, C_GetInfo, slot lists and token info from several threads at once.
check test-threads p11 --test-threads ILGISLT0 --test-threads ILGISLT0 -L
check test-fork p11 "${tok[@]}" --test-fork

step "delete a key"
p11 "${tok[@]}" --delete-object --type privkey --id "0$keys"
left=$(p11 "${tok[@]}" -O | grep -c "Private Key Object" || true)
[ "$left" -eq $((keys - 1)) ] || fail "key not deleted: $left private keys left"

echo "pkcs11-tool: all steps passed against $MODULE"
