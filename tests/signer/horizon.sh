#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# KSR-POLICY-SIG-HORIZON uses the real clock: under libfaketime the built ksr-signer refuses
# a 2027Q1 KSR before the horizon (last bundle > 180 days away), accepts it inside, and
# refuses it after (bundles already expired).
. "$(dirname "$0")/common.sh"

M=$HSMLAB_SOFTHSM2_MODULE
init_token "$M" KSK
init_token "$M" ZSK
gen_key "$M" KSK KSK-T
write_configs "$M" "$M"
at "2026-12-01 10:00:00" "$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q1 \
	-o "$WORK/ksr.xml" || fail "ksr-gen"

expect() { # expect EXIT DATE
	rc=0
	at "$2" "$BIN/ksr-signer" --config "$WORK/ksk.conf" --force "$WORK/ksr.xml" \
		>"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" = "$1" ] || { cat "$WORK/err"; fail "at $2: exit $rc, want $1"; }
	if [ "$1" = 1 ]; then
		grep -q KSR-POLICY-SIG-HORIZON "$WORK/err" || fail "at $2: not KSR-POLICY-SIG-HORIZON"
	fi
	echo "at $2: exit $rc $(head -c 160 "$WORK/err")"
}
expect 1 "2026-09-01 09:00:00" # before: 2027-04-12 is 223 days away
expect 0 "2026-12-10 09:00:00" # inside
expect 0 "2027-01-21 23:00:00" # inside: bundle 1 expires 2027-01-22
expect 1 "2027-01-22 00:00:01" # after: bundle 1 has expired
echo "horizon OK"
