#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Round trip: ksr-gen -> ksr-signer -> skr-verify for two chained quarters. KSK_MODULE and ZSK_MODULE pick the PKCS#11 modules (default
# SoftHSMv2 for both), so the same script runs the KSK in the emulator and the ZSKs in
# SoftHSMv2, or the other way round.
. "$(dirname "$0")/common.sh"

KSK_MODULE=${KSK_MODULE:-$HSMLAB_SOFTHSM2_MODULE}
ZSK_MODULE=${ZSK_MODULE:-$HSMLAB_SOFTHSM2_MODULE}
echo "KSK module: $KSK_MODULE"
echo "ZSK module: $ZSK_MODULE"

# The quarters are fixed, so the clock-dependent horizon check is off here: horizon.sh runs
# it under libfaketime (which does not mix with every module under the sanitizer build).
KSK_POLICY='policy = { KSR-POLICY-SIG-HORIZON = { enabled = false; }; };'
init_token "$KSK_MODULE" KSK
init_token "$ZSK_MODULE" ZSK
gen_key "$KSK_MODULE" KSK KSK-T
write_configs "$KSK_MODULE" "$ZSK_MODULE"

# Q1 2027
"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q1 \
	-o "$WORK/ksr-q1.xml" || fail "ksr-gen Q1"
"$BIN/skr-verify" "$WORK/ksr-q1.xml" || fail "the KSR's proof of possession"
head -c 5 "$WORK/ksr-q1.xml" | grep -q '<KSR ' || fail "a KSR starts with <KSR (no <?xml?>)"
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force \
	"$WORK/ksr-q1.xml" "$WORK/skr-q1.xml" || fail "ksr-signer Q1"
"$BIN/skr-verify" --from 2027-01-01 --to 2027-03-31T23:59:59 "$WORK/skr-q1.xml" ||
	fail "skr-verify Q1"

# The KSK as a trust anchor (its DNSKEY from the SKR), then coverage is checked against it.
grep -A5 'keyIdentifier="KSK-T"' "$WORK/skr-q1.xml" | sed -n 's:.*<PublicKey>\(.*\)</PublicKey>:. IN DNSKEY 257 3 8 \1:p' |
	head -1 >"$WORK/anchor.key"
[ -s "$WORK/anchor.key" ] || fail "no KSK in the SKR"
"$BIN/skr-verify" --trust-anchor "$WORK/anchor.key" --from 2027-01-01 --to 2027-04-01 \
	"$WORK/skr-q1.xml" || fail "trust + coverage Q1"
if "$BIN/skr-verify" --trust-anchor /usr/share/dns/root.key "$WORK/skr-q1.xml" 2>"$WORK/err"; then
	fail "an SKR signed by a test KSK is trusted under the real root anchors"
fi
grep -q SKR-TRUST "$WORK/err" || fail "untrusted SKR not reported as SKR-TRUST"

# Q2 2027 chains to Q1: ZSK-A retires, ZSK-D is the next one.
"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q2 \
	--previous "$WORK/skr-q1.xml" --keys ZSK-B,ZSK-C,ZSK-D -o "$WORK/ksr-q2.xml" ||
	fail "ksr-gen Q2"
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force \
	--previous "$WORK/skr-q1.xml" "$WORK/ksr-q2.xml" "$WORK/skr-q2.xml" || fail "ksr-signer Q2"
"$BIN/skr-verify" --previous "$WORK/skr-q1.xml" --trust-anchor "$WORK/anchor.key" \
	--from 2027-04-01 --to 2027-06-30T23:59:59 "$WORK/skr-q2.xml" || fail "skr-verify Q2"

# Without confirmation the signer asks, and "no" refuses by name, writing nothing.
if echo no | "$BIN/ksr-signer" --config "$WORK/ksk.conf" \
	--previous "$WORK/skr-q1.xml" "$WORK/ksr-q2.xml" "$WORK/skr-no.xml" >"$WORK/out" 2>"$WORK/err"; then
	fail "signed without the operator's Yes"
fi
grep -q OPERATOR-CONFIRM "$WORK/err" || fail "refusal does not name OPERATOR-CONFIRM"
grep -q "PGP words: " "$WORK/out" || fail "no PGP words shown"
[ ! -e "$WORK/skr-no.xml" ] || fail "an SKR was written without confirmation"
# ksr-gen's --policy changes the cadence; the signer refuses the result by name.
"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q1 --policy interval=P12D \
	-o "$WORK/ksr-odd.xml" >/dev/null || fail "ksr-gen --policy"
rc=0
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force "$WORK/ksr-odd.xml" 2>"$WORK/err.cycle" || rc=$?
[ $rc = 1 ] && grep -q KSR-BUNDLE-CYCLE-DURATION "$WORK/err.cycle" ||
	fail "a 12-day cadence was not refused by KSR-BUNDLE-CYCLE-DURATION (exit $rc)"
rc=0
"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q1 --policy bogus=P1D \
	-o "$WORK/x.xml" 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "a bad --policy must exit 2, not $rc"
# Serials are non-negative integers: anything else is a usage error of ksr-gen.
for serial in 12abc -5 "" 12345678901234567890; do
	rc=0
	"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q1 --serial "$serial" \
		-o "$WORK/s.xml" 2>"$WORK/err" || rc=$?
	[ $rc = 2 ] && grep -q -- "--serial" "$WORK/err" || fail "--serial '$serial': exit $rc"
	[ ! -e "$WORK/s.xml" ] || fail "--serial '$serial' wrote a KSR"
done
# A junk anchor file and an empty config are usage/config errors (2), not refusals (1).
echo "not a key" >"$WORK/junk.key"
rc=0
"$BIN/skr-verify" -t "$WORK/junk.key" "$WORK/skr-q1.xml" 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "skr-verify -t junk-file: exit $rc, want 2"
: >"$WORK/empty.conf"
rc=0
"$BIN/ksr-signer" --config "$WORK/empty.conf" --force "$WORK/ksr-q1.xml" 2>"$WORK/err" || rc=$?
[ $rc = 2 ] && grep -q "ksr-signer: CONFIG: .*no ksks" "$WORK/err" ||
	fail "empty config: exit $rc: $(cat "$WORK/err")"
# A refusal names its check once: "ksr-signer: NAME: file: message".
[ "$(grep -o KSR-BUNDLE-CYCLE-DURATION "$WORK/err.cycle" | wc -l)" = 1 ] ||
	fail "the check name is repeated: $(cat "$WORK/err.cycle")"
# The ceremony record: appended, with the config's hash, every check and the device.
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force --log "$WORK/ceremony.log" --syslog \
	--previous "$WORK/skr-q1.xml" "$WORK/ksr-q2.xml" >/dev/null || fail "ksr-signer --log"
for want in "config $WORK/ksk.conf SHA-256 " "KSR $WORK/ksr-q2.xml SHA-256 " \
	"check KSR-CHAIN-KEYS: passed" "check SKR-KSK-CONTINUITY: passed" "token KSK serial " \
	"ksr-signer end: all checks passed"; do
	grep -qF "$want" "$WORK/ceremony.log" || fail "the record lacks '$want'"
done
# A config made of includes: the record hashes every file parsed, each as sha256sum sees it.
printf '# the ceremony config, policy kept in its own file\n@include "ksk.conf"\n' >"$WORK/main.conf"
"$BIN/ksr-signer" --config "$WORK/main.conf" --force --log "$WORK/incl.log" \
	--previous "$WORK/skr-q1.xml" "$WORK/ksr-q2.xml" >/dev/null || fail "ksr-signer with @include"
for f in main.conf:config ksk.conf:"config include"; do
	sum=$(sha256sum "$WORK/${f%%:*}" | cut -d' ' -f1)
	grep -qiF "${f#*:} $WORK/${f%%:*} SHA-256 $sum " "$WORK/incl.log" ||
		fail "the record lacks ${f#*:} $WORK/${f%%:*} with SHA-256 $sum: $(grep config "$WORK/incl.log")"
done
echo "round trip OK"
