#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The shipped 2024-2027 replay (the vendors profile) with its sign steps driven by the
# scenario's signer template: as shipped (ksr-signer, publish+ between pre-publication and
# the rollover), with the template swapped for the kskm-ksrsigner-shaped one and a wrapper
# that speaks that command line and YAML (the same outcome for every step), and with 2025Q2
# signed "pre-publish" (KSK-2024 would drop out of slot 1: refused by SKR-KSK-CONTINUITY).
set -euo pipefail
bench=${1:?usage: scenario_signer.sh path/to/hsmlab-bench}
scenarios="${HSMLAB_SOURCE_DIR:?}/fixtures/scenarios"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/hsmlab-bench-signer-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
outcomes() { sed 's/.*"step":"\([^"]*\)".*"outcome":"\([^"]*\)".*/\1 \2/' "$1"; }

# The shipped file up to (not including) ceremony $1: its list closed after the one before.
cut_before() {
	awk -v id="$1" '$0 ~ "id = \"" id "\"" { sub(/\}, *$/, "}", prev); print prev; print "  );";
		print "};"; done = 1; exit } NR > 1 { print prev } { prev = $0 }' \
		"$scenarios/ksk-rollover-2024-2027.conf"
}
# The replay up to the East Keyper's decommissioning (E-2027-05 zeroizes it): the inventory
# below still finds KSK-2017 on it.
cut_before E-2027-05 >"$tmp/upto.conf"
"$bench" scenario -q --json -p vendors --keep --workdir "$tmp/w" -o "$tmp/ksr" \
	"$tmp/upto.conf" >"$tmp/ksr.json" ||
	fail "shipped replay: $(grep '"as_expected":false' "$tmp/ksr.json")"
for q in 2025Q2 2025Q3 2025Q4 2026Q1 2026Q2 2026Q3; do
	grep -q "\"title\":\"sign $q (publish+)\",\"outcome\":\"ok\".*by ksr-signer" "$tmp/ksr.json" ||
		fail "$q is not signed publish+ by ksr-signer"
done

# The lab's trust anchors, exported by ksk-inventory from the last ceremony's config (at
# its date: the Keyper's activation lasts 8 hours), validate the replay's SKRs end to end.
lab="$tmp/w/vendors"
mkdir "$tmp/ta"
(
	cd "$lab"
	export HSMLAB_CONF="$lab/hsmlab.conf" SOFTHSM2_CONF="$lab/softhsm2.conf" \
		HSMLAB_SCENARIO_SIGN_PIN=87654321 HSMLAB_QUIET=1 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0" \
		LD_PRELOAD=${HSMLAB_FAKETIME_LIB:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1} \
		FAKETIME="@2026-11-12 17:30:00" FAKETIME_DONT_FAKE_MONOTONIC=1
	"${HSMLAB_BUILD_DIR:?}/signer/ksk-inventory" --config ksk-2027Q1.conf --export "$tmp/ta"
	"${HSMLAB_BUILD_DIR:?}/signer/ksk-inventory" --config ksk-2027Q1.conf
) >"$tmp/inv" || fail "ksk-inventory on the replay's lab: $(cat "$tmp/inv")"
# The Keyper shows its serial only after login (quirk K4): the inventory shows the real one.
grep -q "^keyper-e1	keyper-e1	[0-9A-Fa-f]\{16\}	Klajeyz	8	2048	" "$tmp/inv" ||
	fail "the Keyper's line: $(cat "$tmp/inv")"
# The export has the structure of IANA's root-anchors.xml (RFC 7958 section 2.1's schema) and
# the record's labels and validFrom (no validUntil: the real file has none for either key).
# The key tags and digests are the lab's stand-ins'; that hsmlab computes the real KSK-2024's
# (38696) right is test_signer_formats' ksk_2024_key_tag_and_ds, over the real key.
xmllint --noout --relaxng "$HSMLAB_SOURCE_DIR/signer/doc/root-anchors.rng" \
	"$tmp/ta/root-anchors.xml" 2>"$tmp/rng" ||
	fail "the replay's root-anchors.xml does not have IANA's structure: $(cat "$tmp/rng")"
for kd in 'Klajeyz" validFrom="2017-02-02T00:00:00+00:00' 'Kmyv6jo" validFrom="2024-07-18T00:00:00+00:00'; do
	grep -q "^<KeyDigest id=\"$kd\">$" "$tmp/ta/root-anchors.xml" ||
		fail "no KeyDigest $kd: $(cat "$tmp/ta/root-anchors.xml")"
done
verify="${HSMLAB_BUILD_DIR}/signer/skr-verify"
"$verify" -t "$tmp/ta/root-anchors.xml" --from 2026-10-01 --to 2027-01-01 "$lab/skr-2026Q4.xml" \
	>/dev/null || fail "root-anchors.xml does not cover the rollover quarter"
"$verify" -t "$tmp/ta/root.ds" --from 2027-01-01 --to 2027-04-01 "$lab/skr-2027Q1.xml" \
	>/dev/null || fail "root.ds does not cover the revocation quarter"
"$verify" -t "$tmp/ta/root.key" "$lab/skr-2025Q3.xml" >/dev/null || fail "root.key, 2025Q3"

# The same replay through a kskm-ksrsigner command line (the wrapper, found in PATH).
mkdir "$tmp/bin"
ln -s "$here/kskm-ksrsigner-wrapper.sh" "$tmp/bin/kskm-ksrsigner"
sed -e '/signer-template-begin/,/signer-template-end/{/signer-template-begin/r '"$scenarios/signer-kskm-ksrsigner.conf" \
	-e 'd}' "$tmp/upto.conf" >"$tmp/kskm.conf"
grep -q '"kskm-ksrsigner", "--config"' "$tmp/kskm.conf" || fail "template not swapped"
PATH="$tmp/bin:$PATH" KSR_SIGNER="${HSMLAB_BUILD_DIR:?}/signer/ksr-signer" \
	"$bench" scenario -q --json -p vendors --keep --workdir "$tmp/kw" -o "$tmp/kskm" \
	"$tmp/kskm.conf" >"$tmp/kskm.json" ||
	fail "kskm-shaped replay: $(grep '"as_expected":false' "$tmp/kskm.json")"
[ "$(grep -c '"title":"sign .*by kskm-ksrsigner' "$tmp/kskm.json")" = 13 ] ||
	fail "not every sign step ran kskm-ksrsigner"
grep -q '^    label: Kmyv6jo$' "$tmp/kw/vendors/ksrsigner-2026Q4.yaml" || fail "YAML keys"
grep -q '^  luna-w1:$' "$tmp/kw/vendors/ksrsigner-2026Q4.yaml" || fail "YAML hsm entries"
diff <(outcomes "$tmp/ksr.json") <(outcomes "$tmp/kskm.json") ||
	fail "the kskm-shaped signer's outcomes differ from ksr-signer's"

# 2025Q2 signed with pre-publish (the replay cut after that ceremony): refused by name.
cut_before E-2025-05 |
	sed -e '/quarter = "2025Q2"; schema = "publish+"/s/schema = "publish+";\(.*\); },$/schema = "pre-publish";\1; expect = "refused"; }/' \
		-e '/do = "verify"; quarter = "2025Q2"/d; /do = "coverage"; quarter = "2025Q2"/d' \
		>"$tmp/pre.conf"
"$bench" scenario -q --json -p vendors -o "$tmp/pre" "$tmp/pre.conf" >"$tmp/pre.json" ||
	fail "pre-publish for 2025Q2: $(grep '"as_expected":false' "$tmp/pre.json")"
grep -q '"title":"sign 2025Q2 (pre-publish)[^"]*","outcome":"refused".*SKR-KSK-CONTINUITY' \
	"$tmp/pre.json" || fail "2025Q2 pre-publish not refused by SKR-KSK-CONTINUITY"
echo "scenario signer templates OK"
