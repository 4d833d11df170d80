#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# hsmlab-bench perf --smoke against SoftHSMv2, as CI runs it: it must keep working and
# write its JSON and Markdown. No thresholds: only that every figure is there.
set -euo pipefail
bench=${1:?usage: test_perf_smoke.sh path/to/hsmlab-bench}
[ -n "${HSMLAB_SOFTHSM2_MODULE:-}" ] || { echo "HSMLAB_SOFTHSM2_MODULE not set" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hsmlab-perf-smoke-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" perf --smoke -q --softhsm-max-objects 50 --json "$tmp/p.json" \
	--markdown "$tmp/p.md" softhsm2 >"$tmp/table" || fail "perf --smoke failed"
jq -e . "$tmp/p.json" >/dev/null || fail "JSON does not parse"
q() { jq -r "$1" "$tmp/p.json"; }
for w in "sign RSA-2048 CKM_SHA256_RSA_PKCS" "sign RSA-2048 CKM_RSA_PKCS" \
	"sign RSA-2048 CKM_RSA_X_509" "sign ECDSA P-256 CKM_ECDSA" \
	"verify RSA-2048 CKM_SHA256_RSA_PKCS" "sign RSA-2048 CKM_SHA256_RSA_PKCS, 2 threads"; do
	for t in openssl softhsm2; do
		n=$(q ".results[] | select(.target==\"$t\" and .workload==\"$w\") | .runs | length")
		[ "$n" = 2 ] || fail "$t / $w: $n runs"
	done
	r=$(q ".results[] | select(.target==\"softhsm2\" and .workload==\"$w\") | .ratio_raw")
	[ "$r" != null ] || fail "$w: no module/raw ratio"
done
# Sizes 10 and 100: 100 is over the cap given above, so it is skipped and says so.
[ "$(q '.results[] | select(.workload=="cold start" and .objects==10) | .median')" != null ] ||
	fail "cold start at 10 objects"
[ "$(q '.results[] | select(.workload=="peak memory (VmHWM)" and .objects==10) | .median')" \
	!= null ] || fail "peak memory"
q '.results[] | select(.workload=="find by label" and .objects==100) | .note' |
	grep -q 'skipped' || fail "the capped size is not reported as skipped"
grep -q '^| workload | target | median |' "$tmp/p.md" || fail "Markdown table"
grep -q '^Measured .* on .*OpenSSL' "$tmp/p.md" || fail "Markdown: machine, date, versions"
grep -q 'SoftHSM' "$tmp/p.md" || fail "Markdown: module versions"

# hsmlab-bench run: every target of a fixtures folder, conformance + smoke benchmark, one
# report folder with the summary.
mkdir "$tmp/fix"
cp "${HSMLAB_BENCH_FIXTURES:?}/softhsm2.conf" "${HSMLAB_BENCH_FIXTURES}/softhsm2.expect" "$tmp/fix/"
printf 'name = "gone";\nmodule = "/nonexistent/libgone.so";\n' >"$tmp/fix/gone.conf"
# The replay has its own tests (test_bench_scenario*): --no-scenario leaves it out here, and
# the report must then say nothing of it.
"$bench" run --no-scenario --fixtures "$tmp/fix" -o "$tmp/report" 2>"$tmp/err" >/dev/null ||
	fail "run exited $?: $(tail -5 "$tmp/err")"
[ "$(xmllint --xpath 'count(//failure)' "$tmp/report/conformance-junit.xml")" = 0 ] ||
	fail "run: conformance failures"
jq -e '.results | length > 0' "$tmp/report/perf.json" >/dev/null || fail "run: perf.json"
grep -q 'target gone skipped: its module is not there' "$tmp/err" || fail "run: missing module"
for f in summary.md conformance.md conformance.html conformance-junit.xml perf.json perf.md; do
	[ -s "$tmp/report/$f" ] || fail "run: $f missing"
done
grep -q '^## PKCS#11 conformance' "$tmp/report/summary.md" || fail "summary: conformance"
grep -q '^## Performance' "$tmp/report/summary.md" || fail "summary: performance"
[ ! -e "$tmp/report/scenario.md" ] || fail "run --no-scenario replayed the ceremonies"
! grep -qi 'scenario\|ceremon' "$tmp/report/summary.md" || fail "summary names the replay"
echo "test_perf_smoke: all good"
