#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# OpenSSL through the libp11 engine against a module: sign with a token key via a pkcs11: URI,
# verify in plain OpenSSL, and make a self-signed certificate with the token key.
# Usage: [XFAIL='check names'] openssl-engine.sh MODULE_PATH
. "$(dirname "$0")/lib.sh"
setup_module "$1"

engine=$(find /usr/lib -path '*engines-3/pkcs11.so' | head -n 1)
[ -n "$engine" ] || fail "libp11 engine (libengine-pkcs11-openssl) not installed"
cat >"$WORK/openssl.cnf" <<CNF
openssl_conf = conf
[conf]
engines = engines
[engines]
pkcs11 = pkcs11
[pkcs11]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $MODULE
init = 0
[req]
distinguished_name = dn
[dn]
CNF
export OPENSSL_CONF=$WORK/openssl.cnf

step "token and key through pkcs11-tool"
init_token engine-token
pkcs11-tool --module "$MODULE" --token-label engine-token --login --pin $USER_PIN \
	--keypairgen --key-type rsa:2048 --label engine-rsa --id 11 >/dev/null
key="pkcs11:token=engine-token;object=engine-rsa;type=private?pin-value=$USER_PIN"
pub="pkcs11:token=engine-token;object=engine-rsa;type=public"

step "sign with openssl dgst through the engine, verify with plain openssl"
head -c 4096 /dev/urandom >"$WORK/data"
check engine-sign openssl dgst -engine pkcs11 -keyform engine -sign "$key" -sha256 \
	-out "$WORK/sig" "$WORK/data"
openssl pkey -engine pkcs11 -inform engine -pubin -in "$pub" -pubout -out "$WORK/pub.pem"
openssl dgst -sha256 -verify "$WORK/pub.pem" -signature "$WORK/sig" "$WORK/data"

step "self-signed certificate made with the token key"
check engine-req openssl req -engine pkcs11 -keyform engine -key "$key" -new -x509 -days 1 \
	-subj "/CN=hsmlab engine test" -out "$WORK/cert.pem"
openssl verify -CAfile "$WORK/cert.pem" "$WORK/cert.pem"

# ECDSA P-521 through the engine (CKA_EC_POINT of 133 bytes: the long DER length form),
# verified by plain openssl. Not Ed25519: libp11 0.4.12 (Debian 12's engine) knows no
# CKK_EC_EDWARDS, and with an Edwards key on the token its key listing fails, so it finds no
# key at all (measured: "object not found" for the RSA key too); strict.md says so.
engine_p521() {
	pkcs11-tool --module "$MODULE" --token-label engine-token --login --pin $USER_PIN \
		--keypairgen --key-type EC:secp521r1 --label engine-p521 --id 12 >/dev/null || return
	local k="pkcs11:token=engine-token;object=engine-p521"
	openssl dgst -engine pkcs11 -keyform engine -sign "$k;type=private?pin-value=$USER_PIN" \
		-sha512 -out "$WORK/p521.sig" "$WORK/data" || return
	openssl pkey -engine pkcs11 -inform engine -pubin -in "$k;type=public" -pubout \
		-out "$WORK/p521.pem" || return
	grep -q 'BEGIN PUBLIC KEY' "$WORK/p521.pem" || return
	openssl pkey -pubin -in "$WORK/p521.pem" -noout -text | grep -q 'NIST CURVE: P-521' ||
		return
	openssl dgst -sha512 -verify "$WORK/p521.pem" -signature "$WORK/p521.sig" "$WORK/data"
}
step "ECDSA P-521 through the engine, verified by plain openssl"
check engine-p521 engine_p521

echo "openssl-engine: all steps passed against $MODULE"
