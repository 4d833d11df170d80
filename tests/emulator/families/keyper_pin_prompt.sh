#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Keyper's PINs at a terminal, as the vendor's inittoken asks for them (IANA's
# dnssec-keytools docs/aep-keyper-test.md): "Enter the PKCS11 User PIN, it must be between 4
# and 32 digits", shown as typed (no secret on a Keyper: the signer's config carries it, the
# operator cards guard the keys), entered twice; two that differ, or not 4-32 digits, change
# nothing. `script` gives the console its terminal.
# Usage: keyper_pin_prompt.sh ADMIN MODULE_DIR
set -euo pipefail
ADMIN=$1
. "$(dirname "$0")/famlab.sh"
fam_lab keyper-pin
OPTS=(-m "$2/libhsmlab-keyper.so" --card-pin "")
A lab create "$WORK/lab" >/dev/null
A device create >/dev/null
C=$WORK/cards
mkdir -p "$C"
A keyper so-cards 1 "$C" >/dev/null
A domain create 1 smk "$C" 5 7 >/dev/null
A keyper op-cards 1 "$C" "$C/keyper-so-1.card" >/dev/null
state() { A keyper state 1 | awk '$1 == "state:" { print $2 }'; }
# at_terminal INPUT: keyper init at a terminal fed INPUT; its transcript in WORK/tty.txt.
at_terminal() {
	local cmd
	printf -v cmd '%q ' "$ADMIN" "${OPTS[@]}" keyper init 1 KSK "$C/keyper-so-1.card"
	printf '%b' "$1" | script -qec "$cmd" /dev/null >"$WORK/tty.txt" 2>&1
}

if at_terminal '1234\n4321\n'; then fail "two different user PINs accepted"; fi
grep -q "the two PKCS11 User PINs differ: nothing changed" "$WORK/tty.txt" ||
	fail "$(cat "$WORK/tty.txt")"
[ "$(state)" = op-cards ] || fail "a refused PIN changed the state"
if at_terminal '12\n'; then fail "a 2-digit PIN accepted"; fi
grep -q "must be between 4 and 32 digits" "$WORK/tty.txt" || fail "$(cat "$WORK/tty.txt")"
if at_terminal '12ab\n'; then fail "a PIN with letters accepted"; fi

at_terminal '123456\n123456\n654321\n654321\n' || fail "init at a terminal: $(cat "$WORK/tty.txt")"
# (the input is queued before the prompts, so the terminal echoes it first: shown)
for want in "Enter the PKCS11 User PIN, it must be between 4 and 32 digits : " \
	"Re-enter the PKCS11 User PIN : " "Re-enter the PKCS11 Security Officer PIN : " \
	123456 654321; do
	grep -qF "$want" "$WORK/tty.txt" || fail "\"$want\" not at the terminal: $(cat "$WORK/tty.txt")"
done
[ "$(state)" = online ] || fail "init at a terminal left $(state)"
A keyper activate 1 "$C"/keyper-op-{1,2,3}.card >/dev/null
pkcs11-tool --module "$2/libhsmlab-keyper.so" --slot 1 --login --pin 123456 -O >/dev/null 2>&1 ||
	fail "the user PIN typed at the terminal does not log in"
echo "PASS: Keyper PINs asked as inittoken asks"
