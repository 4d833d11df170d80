#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# K9 through a real client: pkcs11-tool (OpenSC 0.23) makes a DES3 backup key on one Keyper
# and wraps a key with CKM_DES3_ECB; the openssl CLI decrypts the blob with the backup key's
# value on its own (so the wrap is plain DES-EDE3-ECB); the backup key is written onto a
# second Keyper, which unwraps the key to the same value. pkcs11-tool 0.23 wraps and unwraps
# secret keys only ("Secret key (to be wrapped) not found" for a private key), so the
# private-key (PKCS#8) half of K9 is test_k9.c's.
# Usage: k9_pkcs11tool.sh ADMIN MODULE_DIR
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
ADMIN=$1
MODDIR=$2
# shellcheck source=tests/emulator/families/famlab.sh
. "$(dirname "$0")/famlab.sh"
fam_lab k9
KEYPER=$MODDIR/libhsmlab-keyper.so
OPTS=(-m "$KEYPER" --so-pin 12345678 --pin 87654321 --cards "$WORK/cards")
A() { "$ADMIN" "${OPTS[@]}" "$@"; }
"$ADMIN" -m "$KEYPER" lab create "$WORK/lab" >/dev/null
ONE=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
TWO=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
if [ -z "$ONE" ] || [ -z "$TWO" ]; then fail "device create named no serial"; fi
A token init "$ONE" keyper-1 >/dev/null
A token init "$TWO" keyper-2 >/dev/null
p1() { pkcs11-tool --module "$KEYPER" --token-label keyper-1 --login --pin 87654321 "$@"; }
p2() { pkcs11-tool --module "$KEYPER" --token-label keyper-2 --login --pin 87654321 "$@"; }
hex() { xxd -p "$1" | tr -d '\n'; }

p1 --keygen --key-type DES3:24 --id 10 --label backup-key --extractable >/dev/null 2>&1 ||
	fail "DES3 keygen"
p1 --keygen --key-type DES3:24 --id 11 --label payload --extractable >/dev/null 2>&1 ||
	fail "payload keygen"
p1 --read-object --type secrkey --id 10 --output-file "$WORK/bk.bin" >/dev/null 2>&1 ||
	fail "reading the backup key"
p1 --read-object --type secrkey --id 11 --output-file "$WORK/payload.bin" >/dev/null 2>&1 ||
	fail "reading the payload"
[ "$(wc -c <"$WORK/bk.bin")" -eq 24 ] || fail "the backup key is not 24 bytes"
# Odd parity in every byte (PKCS#11 CKM_DES3_KEY_GEN).
for b in $(xxd -p -c1 "$WORK/bk.bin"); do
	v=$((16#$b)) ones=0
	while [ $v -gt 0 ]; do ones=$((ones + (v & 1))) v=$((v >> 1)); done
	[ $((ones % 2)) -eq 1 ] || fail "backup key byte $b has even parity"
done

p1 --wrap --mechanism DES3-ECB --id 10 --application-id 11 --output-file "$WORK/wrapped.bin" \
	>/dev/null 2>&1 || fail "pkcs11-tool --wrap with DES3-ECB"
[ "$(wc -c <"$WORK/wrapped.bin")" -eq 24 ] || fail "a 24-byte key wraps to 24 bytes"
openssl enc -d -des-ede3 -nopad -K "$(hex "$WORK/bk.bin")" -in "$WORK/wrapped.bin" \
	-out "$WORK/plain.bin" || fail "openssl cannot decrypt the blob"
cmp -s "$WORK/plain.bin" "$WORK/payload.bin" || fail "the blob is not DES-EDE3-ECB of the key"

# The backup key onto the second Keyper, the key unwrapped there (as a generic secret:
# pkcs11-tool 0.23 unwraps into AES or GENERIC keys only).
p2 --write-object "$WORK/bk.bin" --type secrkey --key-type DES3:24 --id 10 \
	--label backup-key --usage-wrap >/dev/null 2>&1 || fail "writing the backup key"
p2 --unwrap --mechanism DES3-ECB --id 10 --input-file "$WORK/wrapped.bin" \
	--key-type GENERIC:24 --application-id 12 --application-label payload --extractable \
	>/dev/null 2>&1 || fail "pkcs11-tool --unwrap with DES3-ECB"
p2 --read-object --type secrkey --id 12 --output-file "$WORK/back.bin" >/dev/null 2>&1 ||
	fail "reading the unwrapped key"
cmp -s "$WORK/back.bin" "$WORK/payload.bin" || fail "the unwrapped key differs"
# A blob cut short is refused and makes nothing.
head -c 20 "$WORK/wrapped.bin" >"$WORK/short.bin"
if p2 --unwrap --mechanism DES3-ECB --id 10 --input-file "$WORK/short.bin" \
	--key-type GENERIC:24 --application-id 13 >"$WORK/r.txt" 2>&1; then
	fail "a 20-byte DES3-ECB blob was unwrapped"
fi
grep -q CKR_WRAPPED_KEY_LEN_RANGE "$WORK/r.txt" || fail "short blob: $(cat "$WORK/r.txt")"
if p2 --list-objects --type secrkey 2>/dev/null | has 'ID: *13'; then
	fail "a refused unwrap left an object"
fi
echo "K9 with pkcs11-tool: DES3-ECB wrap, openssl decrypts it, unwrap on the second Keyper"
