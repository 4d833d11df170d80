#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The 2024-2026 situation: the old KSK on one vendor's module, the new KSK on another, both
# loaded by one ksr-signer. Six chained quarters: pre-publish, publish+, rollover, rollover+,
# revoke, revoke+ (pre-publish twice is refused: a KSK would drop out). Trust and coverage
# follow the anchors: with only the new KSK as anchor the rollover quarter has the same gap
# as the real 2018-q1 (slot 1 signed by the old key).
. "$(dirname "$0")/common.sh"

OLD_MODULE=${OLD_MODULE:-$HSMLAB_SOFTHSM2_MODULE}
NEW_MODULE=${NEW_MODULE:?set NEW_MODULE to a second PKCS#11 module}
init_token "$OLD_MODULE" OLD
init_token "$NEW_MODULE" NEW
init_token "$HSMLAB_SOFTHSM2_MODULE" ZSK
gen_key "$OLD_MODULE" OLD KSK-OLD
gen_key "$NEW_MODULE" NEW KSK-NEW
write_configs "$OLD_MODULE" "$HSMLAB_SOFTHSM2_MODULE"
cat >"$WORK/ksk.conf" <<CONF
modules = (
  { name = "old-vendor"; library = "$OLD_MODULE"; token = "OLD"; pin = "env:HSMLAB_TEST_PIN";
    env = { SOFTHSM2_CONF = "$SOFTHSM2_CONF"; HSMLAB_CONF = "$HSMLAB_CONF"; }; },
  { name = "new-vendor"; library = "$NEW_MODULE"; token = "NEW"; pin = "env:HSMLAB_TEST_PIN";
    env = { SOFTHSM2_CONF = "$SOFTHSM2_CONF"; HSMLAB_CONF = "$HSMLAB_CONF"; }; }
);
ksks = ( { label = "KSK-OLD"; valid_from = "2026-01-01T00:00:00"; },
         { label = "KSK-NEW"; valid_from = "2026-01-01T00:00:00"; } );
roles = { current = "KSK-OLD"; next = "KSK-NEW"; };
policy = { KSR-POLICY-SIG-HORIZON = { enabled = false; }; };
CONF

sign_quarter() { # sign_quarter Q KEYS SCHEMA [PREV]
	prev=${4:+--previous $WORK/skr-$4.xml}
	"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter "$1" --keys "$2" $prev \
		-o "$WORK/ksr-$1.xml" >/dev/null || fail "ksr-gen $1"
	"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force --schema "$3" $prev \
		"$WORK/ksr-$1.xml" "$WORK/skr-$1.xml" >"$WORK/out-$1" || fail "ksr-signer $1 ($3)"
	"$BIN/skr-verify" $prev "$WORK/skr-$1.xml" >/dev/null || fail "skr-verify $1"
}
sign_quarter 2027Q1 ZSK-A,ZSK-B,ZSK-C pre-publish

# The quarter after pre-publication signed with pre-publish again: slot 1 would publish
# KSK-OLD alone, KSK-NEW would vanish for ten days (RFC 5011 restarts its hold-down). The
# signer refuses by name and writes nothing; signed blind (no --previous), the verifier does.
"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q2 --keys ZSK-B,ZSK-C,ZSK-D \
	--previous "$WORK/skr-2027Q1.xml" -o "$WORK/ksr-2027Q2.xml" >/dev/null || fail "ksr-gen 2027Q2"
rc=0
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force --schema pre-publish \
	--previous "$WORK/skr-2027Q1.xml" "$WORK/ksr-2027Q2.xml" "$WORK/bad.xml" \
	>/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "SKR-KSK-CONTINUITY: .*KSK-NEW .*bundle 1 " "$WORK/err" ||
	fail "pre-publish after pre-publish must be refused by SKR-KSK-CONTINUITY (exit $rc): $(cat "$WORK/err")"
[ ! -e "$WORK/bad.xml" ] || fail "a refused SKR was written"
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force --schema pre-publish \
	"$WORK/ksr-2027Q2.xml" "$WORK/bad.xml" >/dev/null 2>&1 || fail "blind pre-publish"
rc=0
"$BIN/skr-verify" --previous "$WORK/skr-2027Q1.xml" "$WORK/bad.xml" >/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "SKR-KSK-CONTINUITY" "$WORK/err" ||
	fail "skr-verify --previous must refuse the dropped KSK (exit $rc): $(cat "$WORK/err")"
# Both streams into one pipe (a ceremony log): the refusal is the last line, after the
# progress lines that passed, not buried above them.
last=$("$BIN/skr-verify" --previous "$WORK/skr-2027Q1.xml" "$WORK/bad.xml" 2>&1 | tail -n 1)
case $last in *SKR-KSK-CONTINUITY*) ;; *) fail "merged output must end with the refusal: $last" ;; esac

sign_quarter 2027Q2 ZSK-B,ZSK-C,ZSK-D publish+ 2027Q1
sign_quarter 2027Q3 ZSK-C,ZSK-D,ZSK-E rollover 2027Q2
sign_quarter 2027Q4 ZSK-D,ZSK-E,ZSK-F rollover+ 2027Q3
sign_quarter 2028Q1 ZSK-E,ZSK-F,ZSK-G revoke 2027Q4
sign_quarter 2028Q2 ZSK-F,ZSK-G,ZSK-H revoke+ 2028Q1
[ "$(grep -c '<Flags>257</Flags>' "$WORK/skr-2027Q2.xml")" = 18 ] ||
	fail "publish+: want both KSKs in all 9 slots"
[ "$(grep -c '<Flags>385</Flags>' "$WORK/skr-2028Q2.xml")" = 7 ] ||
	fail "revoke+: want KSK-OLD revoked in slots 2-8"
# KSK-OLD is published revoked for 70 days (slots 2-8): a 80-day hold-down is not met.
rc=0
"$BIN/skr-verify" --hold-down P80D --previous "$WORK/skr-2027Q4.xml" "$WORK/skr-2028Q1.xml" \
	>/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "SKR-KSK-CONTINUITY: .*KSK-OLD .*revoked for only P70D (the hold-down is P80D)" \
	"$WORK/err" || fail "hold-down P80D: exit $rc: $(cat "$WORK/err")"
sed 's/^policy = {/policy = { SKR-KSK-CONTINUITY = { hold_down = "P80D"; };/' \
	"$WORK/ksk.conf" >"$WORK/ksk80.conf"
rc=0
"$BIN/ksr-signer" --config "$WORK/ksk80.conf" --force --schema revoke \
	--previous "$WORK/skr-2027Q4.xml" "$WORK/ksr-2028Q1.xml" >/dev/null 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "SKR-KSK-CONTINUITY" "$WORK/err" ||
	fail "the signer must apply the configured hold-down (exit $rc): $(cat "$WORK/err")"

anchor() { # anchor LABEL: its DNSKEY line from the rollover SKR
	grep -A5 "keyIdentifier=\"$1\"" "$WORK/skr-2027Q3.xml" |
		sed -n 's:.*<PublicKey>\(.*\)</PublicKey>:. IN DNSKEY 257 3 8 \1:p' | head -1
}
anchor KSK-NEW >"$WORK/new.key"
anchor KSK-OLD >"$WORK/old.key"
grep -c '<Flags>257</Flags>' "$WORK/skr-2027Q1.xml" | grep -qx 17 ||
	fail "pre-publish: want KSK-OLD in 9 slots and KSK-NEW in 8"
grep -q '<Flags>385</Flags>' "$WORK/skr-2028Q1.xml" || fail "revoke: no flags 385"
"$BIN/skr-verify" -t "$WORK/old.key" -t "$WORK/new.key" --from 2027-07-01 --to 2027-09-30 \
	"$WORK/skr-2027Q3.xml" || fail "both anchors cover the rollover quarter"
if "$BIN/skr-verify" -t "$WORK/new.key" --from 2027-07-01 --to 2027-09-30 \
	"$WORK/skr-2027Q3.xml" 2>"$WORK/err"; then
	fail "slot 1 is signed by the old key only: the new anchor alone must leave a gap"
fi
grep -q "SKR-COVERAGE: .*first gap: 2027-07-01T00:00:00+00:00" "$WORK/err" || {
	cat "$WORK/err"
	fail "gap not reported at 2027-07-01"
}
"$BIN/skr-verify" -t "$WORK/new.key" --from 2027-07-11 --to 2027-09-30 \
	"$WORK/skr-2027Q3.xml" >/dev/null || fail "the new anchor covers slots 2-9"
# Which mechanism each device got (a Keyper-like device has no hash-and-sign: quirk K1).
cat "$WORK/out-2027Q3"
if [ -n "${EXPECT_OLD_MECH:-}" ]; then
	grep -q "KSK KSK-OLD: module old-vendor, .*, $EXPECT_OLD_MECH" "$WORK/out-2027Q3" ||
		fail "old vendor: want $EXPECT_OLD_MECH"
fi
echo "two-vendor rollover OK"
