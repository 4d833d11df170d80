#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# hsmlab-bench scenario end to end: the short two-quarter scenario on the emulated vendors
# and on SoftHSMv2 (every step a child under libfaketime), its reports well-formed (xmllint),
# the timeline's content; the fault variant fails safely with the outcomes it states; a
# wrong expectation makes the run exit 1; input errors exit 2 naming file and line.
set -euo pipefail
bench=${1:?usage: scenario_run.sh path/to/hsmlab-bench}
scenarios="${HSMLAB_SOURCE_DIR:?}/fixtures/scenarios"
tmp=$(mktemp -d /tmp/hsmlab-bench-scenario-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$bench" scenario --help) && grep -q -- '--json' <<<"$out" || fail "--help"

# The short scenario, green on both profiles, with machine-readable progress.
"$bench" scenario --json -o "$tmp/short" "$scenarios/short-2q.conf" >"$tmp/short.json" ||
	fail "short scenario not as expected: $(grep '"as_expected":false' "$tmp/short.json")"
n=$(grep -c '"outcome"' "$tmp/short.json")
[ "$n" -eq 30 ] || fail "want 30 step events (15 steps x 2 profiles), got $n"
grep -q '"step":"C2 #01 support-check","title":"[^"]*","outcome":"warning"' "$tmp/short.json" ||
	fail "the Keyper's end of support is not a warning in 2025"
grep -q '"profile":"softhsm","step":"C1 #04 support-check","title":"[^"]*","outcome":"n/a"' \
	"$tmp/short.json" || fail "a SoftHSMv2 token has no vendor support status"
# The trust-anchor step verifies with the lab's own export, checked against the structure of
# IANA's root-anchors.xml (signer/doc/root-anchors.rng), on both profiles.
n=$(grep -c '"title":"trust-anchor 2025Q2","outcome":"ok","as_expected":true,"detail":"the lab.s export (trust-anchor-2025Q2/root-anchors.xml) has IANA.s root-anchors.xml structure' \
	"$tmp/short.json")
[ "$n" -eq 2 ] || fail "trust-anchor not on the lab's export: $(grep 'trust-anchor' "$tmp/short.json")"
for f in scenario.md scenario.html scenario-junit.xml timeline-vendors.svg timeline-softhsm.svg; do
	[ -s "$tmp/short/$f" ] || fail "$f missing"
done
xmllint --noout "$tmp/short/scenario-junit.xml" "$tmp/short/scenario.html" \
	"$tmp/short/timeline-vendors.svg" || fail "reports not well-formed"
tc=$(xmllint --xpath 'count(//testcase)' "$tmp/short/scenario-junit.xml")
[ "$tc" -eq 30 ] || fail "JUnit: want one testcase per step per profile (30), got $tc"
[ "$(xmllint --xpath 'count(//failure)' "$tmp/short/scenario-junit.xml")" -eq 0 ] ||
	fail "JUnit has failures"
# 18 slots signed over two quarters; the second quarter pre-publishes KSK-NEW.
slots=$(grep -c '<title>2025Q[12] slot' "$tmp/short/timeline-vendors.svg")
[ "$slots" -eq 18 ] || fail "timeline: want 18 slots, got $slots"
grep -q '| 2025Q2 | C2 | 2025-02-13 | 1-9: Klajeyz | KSK-NEW, Klajeyz (slot 9) |' \
	"$tmp/short/scenario.md" || fail "Markdown timeline row for 2025Q2"

# Faults: every one refused as stated (exit 0 = all as expected), and nothing left behind.
"$bench" scenario --json --keep --workdir "$tmp/fw" -o "$tmp/faults" \
	"$scenarios/faults.conf" >"$tmp/faults.json" 2>"$tmp/faults.err" ||
	fail "faults not as expected: $(grep '"as_expected":false' "$tmp/faults.json")"
grep -q '"step":"F1 #05 sign".*"outcome":"refused".*CKR_PIN_INCORRECT' "$tmp/faults.json" ||
	fail "wrong PIN not refused by the module"
grep -q '"step":"F1 #08 verify".*"outcome":"refused".*SKR-SIG-VERIFY' "$tmp/faults.json" ||
	fail "tampered SKR not refused by its signature check"
grep -q '"step":"F2-late #02 sign".*"outcome":"refused".*KSR-POLICY-SIG-HORIZON' \
	"$tmp/faults.json" || fail "late ceremony not refused by the horizon check"
# L3: CKU_SO on a Luna is the Partition SO: 10 failures zeroize the partition (its token is gone).
grep -q '"step":"F1 #13 so-lockout".*"outcome":"refused".*No slot with token.*after 10 wrong SO PINs.*the first: .*CKR_PIN_INCORRECT' "$tmp/faults.json" ||
	fail "ten wrong SO PINs must zeroize the Luna's partition"
grep -q '"step":"F1 #12 so-lockout".*"outcome":"ok"' "$tmp/faults.json" ||
	fail "three wrong SO PINs must not lock a Keyper"
grep -q '"step":"F1 #11 audit-verify".*"outcome":"refused".*changed' "$tmp/faults.json" ||
	fail "a changed audit record must not verify"
grep -q '"step":"F1 #02 make-cards".*"outcome":"ok".*domain create' "$tmp/faults.json" ||
	fail "the cloning domain and its cards were not made"
grep -q '"step":"F1 #14 make-cards".*"outcome":"refused".*domain load.*too few cards' \
	"$tmp/faults.json" || fail "a card missing from the quorum must keep the device out"
grep -q '"step":"F3-clock #03 support-check".*"outcome":"warning".*end of support' \
	"$tmp/faults.json" || fail "a device clock a day ahead must show the end of support"
grep -q '"step":"F3-clock #05 support-check".*"outcome":"ok"' "$tmp/faults.json" ||
	fail "the clock set back must clear the warning"
grep -q '1731603600 2024-11-14T17:00:00Z' "$tmp/fw/vendors/luna-1.audit" ||
	fail "audit stamps do not carry the ceremony's (faked) date"
[ ! -e "$tmp/fw/vendors/skr-2025Q2.xml" ] || fail "a refused signing left an SKR behind"

# The same fault with the wrong expectation: the bench must notice (exit 1).
sed 's/expect = "refused"; note = "the tampered SKR"/expect = "ok"; note = "x"/' \
	"$scenarios/faults.conf" >"$tmp/wrong.conf"
set +e
"$bench" scenario -q -o "$tmp/wrong" "$tmp/wrong.conf"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a wrong expectation must exit 1, got $rc"
grep -q 'type="unexpected-difference"' "$tmp/wrong/scenario-junit.xml" ||
	fail "the unexpected outcome is not a JUnit failure"

# A refusal for another reason than the one the step names is not the expected outcome.
sed 's/value = "too few cards for the quorum"/value = "card PIN incorrect"/' \
	"$scenarios/faults.conf" >"$tmp/why.conf"
set +e
"$bench" scenario -q --json -o "$tmp/why" "$tmp/why.conf" >"$tmp/why.json"
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q '"step":"F1 #14 make-cards".*"outcome":"error".*refused, but not with' \
	"$tmp/why.json" || fail "a refusal for the wrong reason must be unexpected: rc $rc"

# A user's configuration: the ZSK side on SoftHSMv2 for one profile, from the command line.
"$bench" scenario --json -p vendors --map zsk=softhsm -o "$tmp/map" "$scenarios/short-2q.conf" \
	>"$tmp/map.json" || fail "--map zsk=softhsm not as expected"
grep -q '"step":"C1 #05 ksr-gen".*on zsk (softhsm)' "$tmp/map.json" || fail "--map not applied"
set +e
"$bench" scenario -q --map zsk=nosuch -o "$tmp/map2" "$scenarios/short-2q.conf" 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 3 ] && grep -q 'backend "nosuch"' "$tmp/err" || fail "unknown backend: rc $rc"

# Input errors: exit 2 with file:line: key; a missing libfaketime: exit 3, said clearly.
printf 'scenario = { name = "x"; so_pin = "1"; user_pin = "2";\n  bogus = 1; };\n' >"$tmp/bad.conf"
set +e
"$bench" scenario -q "$tmp/bad.conf" 2>"$tmp/err"
rc=$?
HSMLAB_FAKETIME_LIB=/nonexistent/libfaketime.so.1 "$bench" scenario -q -o "$tmp/x" \
	"$scenarios/short-2q.conf" 2>"$tmp/err2"
rc2=$?
set -e
[ "$rc" -eq 2 ] && grep -q "bad.conf:2: bogus" "$tmp/err" || fail "bad file: rc $rc $(cat "$tmp/err")"
[ "$rc2" -eq 3 ] && grep -q "libfaketime" "$tmp/err2" || fail "no libfaketime: rc $rc2"
echo "scenario end to end OK"
