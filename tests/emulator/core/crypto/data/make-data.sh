#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# How the known-answer files here were made: with the openssl CLI (3.0), from the corpus
# test keys, never with hsmlab's code. PKCS#1 v1.5 signatures are deterministic, so
# re-running this reproduces *.pkcs1.sig.hex exactly; the PSS, ECDSA and OAEP files are
# randomised and change on every run (the tests only verify or decrypt them).
# Usage: make-data.sh [corpus-dir]   (default: the repository's fixtures/corpus)
set -eu
corpus=$(cd "${1:-$(dirname "$0")/../../../../../fixtures/corpus}" && pwd)
rsa=$corpus/iana-kskm/rsa-2048-1.key
ec=$corpus/iana-kskm/ec-prime256v1-1.key
cd "$(dirname "$0")"
hex() { od -An -v -tx1 | tr -d ' \n'; echo; }
for h in sha1 sha256 sha384 sha512; do
	openssl dgst -"$h" -sign "$rsa" message.txt | hex >"rsa-2048-1.$h.pkcs1.sig.hex"
done
openssl dgst -sha256 -sign "$rsa" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
	-sigopt rsa_mgf1_md:sha256 message.txt | hex >rsa-2048-1.sha256.pss32.sig.hex
openssl dgst -sha256 -sign "$ec" message.txt | hex >ec-prime256v1-1.sha256.der.hex
openssl pkeyutl -encrypt -inkey "$rsa" -in oaep-plain.txt -pkeyopt rsa_padding_mode:oaep \
	-pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 \
	-pkeyopt rsa_oaep_label:686c2d6c6162656c | hex >rsa-2048-1.oaep-sha256-label.ct.hex
