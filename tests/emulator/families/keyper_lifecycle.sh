#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Keyper lifecycle through the console, as an operator runs it (K7, K10, K12): each
# state step, pkcs11-tool's login refused before activation, after deactivate and after the
# timeout (the device clock moved with clock set, and once under libfaketime), tamper, and
# a kill -9 during the init step or an activation leaving the old state or the new one.
# Usage: keyper_lifecycle.sh ADMIN MODULE_DIR
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
ADMIN=$1
MODDIR=$2
. "$(dirname "$0")/famlab.sh" # fam_lab, fail, pkcs11-tool (ASan runtime preloaded)
fam_lab keyper
KEYPER=$MODDIR/libhsmlab-keyper.so
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
PIN=87654321
SO=12345678
step() { echo "== $*"; }
p11() { pkcs11-tool --module "$KEYPER" "$@" 2>&1; }
A() { "$ADMIN" -f keyper --so-pin $SO --pin $PIN "$@"; }
state() { A keyper state "$1" | awk '$1 == "state:" { print $2 }'; }
objects() { A device list | awk -v s="$1" '$1 == s { print $5 }'; }
label() { A device list | awk -v s="$1" '$1 == s { print $6 }'; }
refused() { # refused WHY CMD...: must fail saying WHY
	local why=$1
	shift
	if "$@" >"$WORK/r.txt" 2>&1; then fail "accepted: $*"; fi
	grep -q "$why" "$WORK/r.txt" || fail "refused without \"$why\": $(cat "$WORK/r.txt")"
}
login_ok() { p11 --slot "$1" --login --pin $PIN -O >/dev/null || fail "login on slot $1 refused"; }
login_refused() {
	local out
	if out=$(p11 --slot "$1" --login --pin $PIN -O); then fail "login on slot $1 accepted"; fi
	grep -q CKR_FUNCTION_FAILED <<<"$out" || fail "login refused otherwise: $out"
}

"$ADMIN" -f keyper lab create "$WORK/lab" >/dev/null
"$ADMIN" -f keyper --help >"$WORK/help.txt"
grep -q "^  keyper activate DEVICE" "$WORK/help.txt" || fail "--help lists no keyper commands"
A device create >/dev/null
C=$WORK/cards
mkdir -p "$C"

step "each state step, in order; out of order refused"
[ "$(state 1)" = factory ] || fail "a new device is not factory"
refused 'needs "smk"' A keyper op-cards 1 "$C" "$C/keyper-so-1.card"
A keyper so-cards 1 "$C" >/dev/null
[ "$(state 1)" = so-cards ] || fail "not so-cards"
refused 'needs "op-cards" or "online"' A keyper init 1 KSK "$C/keyper-so-1.card"
A domain create 1 smk-test "$C" 5 7 >/dev/null
[ "$(state 1)" = smk ] || fail "not smk"
A keyper op-cards 1 "$C" "$C/keyper-so-1.card" >/dev/null
[ "$(state 1)" = op-cards ] || fail "not op-cards"
step "K7: C_InitToken refused; the vendor's init step"
refused CKR_FUNCTION_NOT_SUPPORTED p11 --slot 1 --init-token --label bare --so-pin $SO
A keyper init 1 KSK "$C/keyper-so-1.card" >/dev/null
[ "$(state 1)" = online ] || fail "not online"
step "K10: login only while activated"
login_refused 1
refused "too few" A keyper activate 1 "$C"/keyper-op-{1,2}.card
refused "wrong kind" A keyper activate 1 "$C"/keyper-op-{1,2}.card "$C/keyper-so-1.card"
A keyper activate 1 "$C"/keyper-op-{7,2,5}.card >/dev/null
login_ok 1
p11 --slot 1 --login --pin $PIN --keypairgen --key-type rsa:2048 --label Klajeyz >/dev/null
A keyper deactivate 1 >/dev/null
login_refused 1
A keyper activate 1 "$C"/keyper-op-{1,2,3}.card >/dev/null
login_ok 1
step "the timeout in device time: libfaketime, then clock set"
later=$(date -u -d '+9 hours' '+%Y-%m-%d %H:%M:%S')
soon=$(date -u -d '+1 hours' '+%Y-%m-%d %H:%M:%S')
at() { # at "DATE" CMD...: CMD under libfaketime
	local when=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD="$FAKETIME_LIB" \
		FAKETIME="@$when" FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"
}
out=$(at "$soon" "$ADMIN" -f keyper keyper state 1)
grep -q "activated: yes" <<<"$out" || fail "not activated an hour after activation (libfaketime)"
out=$(at "$later" "$ADMIN" -f keyper keyper state 1)
grep -q "activated: no" <<<"$out" || fail "still activated 9 hours after it (libfaketime)"
# pkcs11-tool (no sanitizer build) under libfaketime hangs with the ASan runtime preloaded,
# so only the normal build runs it here, bare (famlab.sh's wrapper would replace LD_PRELOAD).
if [ -z "${HSMLAB_ASAN_PRELOAD:-}" ]; then
	at "$soon" command pkcs11-tool --module "$KEYPER" --slot 1 --login --pin $PIN -O >/dev/null 2>&1 ||
		fail "login refused an hour after the activation"
	if at "$later" command pkcs11-tool --module "$KEYPER" --slot 1 --login --pin $PIN -O >/dev/null 2>&1; then
		fail "login accepted 9 hours after the activation (libfaketime)"
	fi
fi
login_ok 1 # the real clock: still inside the 8 hours
A clock set 1 "$(date -u -d '+9 hours' '+%Y-%m-%dT%H:%M:%SZ')" >/dev/null
login_refused 1
A keyper state 1 | has "activated: no" || fail "state shows the activation after its timeout"
A keyper activate 1 "$C"/keyper-op-{1,2,3}.card >/dev/null
login_ok 1

step "kill -9 during the init step: the old token (keys, label) or the new one (none, label)"
for i in 1 2 3 4 5 6; do
	before=$(label 1)
	# the console itself in the background (not a function: its subshell would die alone)
	"$ADMIN" -f keyper --yes --so-pin $SO --pin $PIN keyper init 1 "KSK-$i" "$C/keyper-so-1.card" \
		>/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 10))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	now=$(label 1)
	n=$(objects 1)
	if [ "$now" = "KSK-$i" ]; then
		[ "$n" = 0 ] || fail "run $i: new label with $n objects left"
		[ "$(state 1)" = online ] || fail "run $i: new label, state $(state 1)"
	else
		[ "$now" = "$before" ] || fail "run $i: label $now, neither old nor new"
	fi
	A keyper activate 1 "$C"/keyper-op-{1,2,3}.card >/dev/null
	login_ok 1
	p11 --slot 1 --login --pin $PIN --keypairgen --key-type rsa:2048 --label "K$i" >/dev/null
done
step "kill -9 during an activation: activated with its record, or neither"
for i in 1 2 3 4 5 6; do
	A keyper deactivate 1 >/dev/null
	"$ADMIN" -f keyper keyper activate 1 "$C"/keyper-op-{1,2,3}.card >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 10))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	A audit export 1 "$WORK/a.txt" >/dev/null
	last=$(grep -E '^[0-9]+ .* (activate|deactivate) ' "$WORK/a.txt" | tail -n 1 | awk '{ print $4 }')
	if A keyper state 1 | has "activated: yes"; then
		[ "$last" = activate ] || fail "run $i: activated without its record"
	else
		[ "$last" = deactivate ] || fail "run $i: an activate record, not activated"
	fi
	A audit verify 1 "$WORK/a.txt" >/dev/null || fail "run $i: the audit log does not verify"
done

step "K12: tamper zeroizes keys, SMK and activation; the audit log survives"
A keyper activate 1 "$C"/keyper-op-{1,2,3}.card >/dev/null
A --yes keyper tamper 1 >/dev/null
[ "$(state 1)" = tampered ] || fail "not tampered"
[ "$(objects 1)" = 0 ] || fail "keys survived the tamper"
A keyper state 1 | has "smk:       none" || fail "the SMK survived the tamper"
A audit export 1 "$WORK/a.txt" >/dev/null
grep -q " zeroize tamper " "$WORK/a.txt" || fail "no zeroize record"
A audit verify 1 "$WORK/a.txt" >/dev/null || fail "the audit log does not verify after the tamper"
refused 'state "tampered"' A keyper activate 1 "$C"/keyper-op-{1,2,3}.card
A domain load 1 smk-test "$C"/keyper-smk-{1,3,4,6,7}.card >/dev/null
[ "$(state 1)" = smk ] || fail "the SMK cards do not bring the device back"
echo "keyper lifecycle OK"
