#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ksk-inventory: every key of every configured module with its device, tag and DS, the DS
# cross-checked with ldns-key2ds; a key_tag that differs from the config is flagged (exit 1);
# the exported trust anchors (root-anchors.xml, root.key, root.ds) validate the lab's SKR
# with skr-verify -t, and the real root anchors do not (the lab's KSKs are stand-ins).
. "$(dirname "$0")/common.sh"

M=$HSMLAB_SOFTHSM2_MODULE
KSK_POLICY='policy = { KSR-POLICY-SIG-HORIZON = { enabled = false; }; };'
init_token "$M" KSK
init_token "$M" ZSK
gen_key "$M" KSK KSK-T
gen_key "$M" KSK OTHER
write_configs "$M" "$M"
"$BIN/ksk-inventory" --config "$WORK/ksk.conf" >"$WORK/inv" || fail "inventory: $(cat "$WORK/inv")"
[ "$(wc -l <"$WORK/inv")" = 3 ] || fail "want a header and two keys: $(cat "$WORK/inv")"
grep -q "^ksk-hsm	KSK	[0-9a-f]*	KSK-T	8	2048	[0-9]*	257	[0-9A-F]\{64\}	configured$" \
	"$WORK/inv" || fail "KSK-T's line: $(cat "$WORK/inv")"
grep -q "	OTHER	.*	-$" "$WORK/inv" || fail "an unconfigured key is listed as such"

# The anchors, and each DS checked against ldns-key2ds's from the exported DNSKEY.
"$BIN/ksk-inventory" --config "$WORK/ksk.conf" --export "$WORK" >/dev/null || fail "export"
grep '^\. IN DNSKEY' "$WORK/root.key" | head -1 >"$WORK/k.key"
want=$(ldns-key2ds -n -2 "$WORK/k.key" | awk '{ print $5, $8 }' | tr a-f A-F)
tag=${want%% *}
grep -q "	KSK-T	8	2048	$tag	257	${want#* }	" "$WORK/inv" ||
	fail "inventory disagrees with ldns-key2ds ($want): $(cat "$WORK/inv")"
grep -q "^\. IN DS $tag 8 2 ${want#* } ; KSK-T valid-from=2026-01-01T00:00:00+00:00" \
	"$WORK/root.ds" || fail "root.ds: $(cat "$WORK/root.ds")"
grep -q "<KeyDigest id=\"KSK-T\" validFrom=\"2026-01-01T00:00:00+00:00\" validUntil=\"2030-01-01T00:00:00+00:00\">" \
	"$WORK/root-anchors.xml" && grep -q "<Digest>${want#* }</Digest>" "$WORK/root-anchors.xml" ||
	fail "root-anchors.xml: $(cat "$WORK/root-anchors.xml")"
xmllint --noout "$WORK/root-anchors.xml" || fail "root-anchors.xml is not well-formed"
# The structure of IANA's file (RFC 7958 section 2.1's schema), and the check can fail: a
# file without its Zone, or with a Digest that is not hex, is refused.
RNG="$(cd "$(dirname "$0")/../../signer/doc" && pwd)/root-anchors.rng"
xmllint --noout --relaxng "$RNG" "$WORK/root-anchors.xml" 2>"$WORK/rng" ||
	fail "root-anchors.xml does not have IANA's structure: $(cat "$WORK/rng")"
grep -q '^<TrustAnchor id="[0-9A-F-]\{36\}" source="file://' "$WORK/root-anchors.xml" ||
	fail "TrustAnchor id/source: $(head -2 "$WORK/root-anchors.xml")"
sed '/<Zone>/d' "$WORK/root-anchors.xml" >"$WORK/nozone.xml"
sed 's/<Digest>\(.*\).<\/Digest>/<Digest>\1G<\/Digest>/' "$WORK/root-anchors.xml" >"$WORK/nothex.xml"
for bad in nozone nothex; do
	xmllint --noout --relaxng "$RNG" "$WORK/$bad.xml" 2>/dev/null &&
		fail "the schema check passes a broken file ($bad)"
done

# A quarter signed with KSK-T validates end to end with each exported anchor file.
"$BIN/ksr-gen" --config "$WORK/zsk.conf" --quarter 2027Q1 -o "$WORK/ksr.xml" >/dev/null ||
	fail "ksr-gen"
"$BIN/ksr-signer" --config "$WORK/ksk.conf" --force "$WORK/ksr.xml" "$WORK/skr.xml" \
	>/dev/null 2>&1 || fail "ksr-signer"
for ta in root-anchors.xml root.key root.ds; do
	"$BIN/skr-verify" -t "$WORK/$ta" --from 2027-01-01 --to 2027-04-01 "$WORK/skr.xml" \
		>/dev/null || fail "skr-verify -t $ta"
done
rc=0
"$BIN/skr-verify" -t /usr/share/dns/root.key "$WORK/skr.xml" >/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "the real root anchors must not validate a lab SKR (exit $rc)"
# An anchor whose validity ends before the quarter does not cover it.
sed 's/validUntil="2030-01-01T00:00:00+00:00"/validUntil="2027-02-01T00:00:00+00:00"/' \
	"$WORK/root-anchors.xml" >"$WORK/short.xml"
rc=0
"$BIN/skr-verify" -t "$WORK/short.xml" --from 2027-01-01 --to 2027-04-01 "$WORK/skr.xml" \
	>/dev/null 2>&1 || rc=$?
[ $rc = 1 ] || fail "an anchor valid until 2027-02-01 must leave a gap (exit $rc)"

# A configured key_tag that is not the token key's: flagged, exit 1.
sed 's/{ label = "KSK-T";/{ label = "KSK-T"; key_tag = 1;/' "$WORK/ksk.conf" >"$WORK/bad.conf"
rc=0
"$BIN/ksk-inventory" --config "$WORK/bad.conf" >"$WORK/inv2" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "	KSK-T	.*DIFFERS: key_tag 1 in the config" "$WORK/inv2" &&
	grep -q "KSK-HSM-MATCH" "$WORK/err" || fail "a wrong key_tag: exit $rc: $(cat "$WORK/inv2")"
echo "inventory and trust anchors OK"
