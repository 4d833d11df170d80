#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# hsmlab-bench conformance/scenario --shard K/N and merge: two shards of the four shipped
# targets (of the short scenario's two profiles), merged, give the reports of one unsharded
# run (cells' free-text details aside: they name random handles, serials and modulus bytes
# that differ between any two runs), and merge refuses a missing, repeated or foreign shard
# with a one-line error.
set -euo pipefail
bench=${1:?usage: test_shard.sh path/to/hsmlab-bench}
tmp=$(mktemp -d /tmp/hsmlab-bench-shard-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_err() { # expect_err PATTERN CMD...
	local pat=$1
	shift
	if "$@" 2>"$tmp/err" >/dev/null; then fail "accepted: $*"; fi
	grep -q -- "$pat" "$tmp/err" || fail "error for '$*' lacks '$pat': $(cat "$tmp/err")"
}
targets=(hsmlab-strict hsmlab-keyper hsmlab-luna softhsm2)

"$bench" conformance -q -o "$tmp/one" "${targets[@]}" || fail "unsharded run not green"
"$bench" conformance -q --shard 1/2 --json "$tmp/s1.json" "${targets[@]}" || fail "shard 1/2"
"$bench" conformance -q --shard 2/2 -o "$tmp/s2" "${targets[@]}" || fail "shard 2/2"
[ "$(jq -c .columns "$tmp/s1.json")" = '["hsmlab-strict","hsmlab-luna"]' ] ||
	fail "shard 1/2 ran $(jq -c .columns "$tmp/s1.json")"
"$bench" merge -q -o "$tmp/merged" "$tmp/s2/conformance.json" "$tmp/s1.json" || fail "merge"

cmp "$tmp/one/conformance.md" "$tmp/merged/conformance.md" || fail "Markdown differs"
nodetail='.rows[].cells[] |= (if . == null then . else del(.detail) end)'
diff <(jq "$nodetail" "$tmp/one/conformance.json") <(jq "$nodetail" "$tmp/merged/conformance.json") ||
	fail "JSON differs"
notitle() { sed -E 's/ title="[^"]*"//g' "$1"; }
diff <(notitle "$tmp/one/conformance.html") <(notitle "$tmp/merged/conformance.html") ||
	fail "HTML differs"
[ "$(jq '.rows | length' "$tmp/one/conformance.json")" -gt 100 ] || fail "too few rows"

# The scenario's step matrix: profiles spread over the shards, rows in scenario order.
scn="$(dirname "$0")/../../fixtures/scenarios/short-2q.conf"
"$bench" scenario -q -o "$tmp/scn-one" "$scn" || fail "unsharded scenario"
"$bench" scenario -q --shard 1/2 -o "$tmp/scn-1" "$scn" || fail "scenario shard 1/2"
"$bench" scenario -q --shard 2/2 -o "$tmp/scn-2" "$scn" || fail "scenario shard 2/2"
[ "$(jq -c .columns "$tmp/scn-2/scenario.json")" = '["softhsm"]' ] || fail "scenario shard 2/2 columns"
"$bench" merge -q -o "$tmp/scn-m" "$tmp/scn-1/scenario.json" "$tmp/scn-2/scenario.json" ||
	fail "scenario merge"
diff <(jq "$nodetail" "$tmp/scn-one/scenario.json") <(jq "$nodetail" "$tmp/scn-m/scenario.json") ||
	fail "scenario JSON differs"
[ -f "$tmp/scn-m/scenario-junit.xml" ] || fail "merge did not name its files after the scenario"
expect_err 'no profile of' "$bench" scenario -q --shard 3/3 -o "$tmp/scn-3" "$scn"

# Refusals, each naming what is wrong.
expect_err 'needs 2 files' "$bench" merge -q "$tmp/s1.json"
expect_err 'repeated' "$bench" merge -q "$tmp/s1.json" "$tmp/s1.json"
expect_err 'want K/N' "$bench" conformance -q --shard 3/2 softhsm2
expect_err 'conformance.md: line 1: unexpected' "$bench" merge -q "$tmp/one/conformance.md"
"$bench" conformance -q --shard 1/1 --json "$tmp/other.json" softhsm2 || fail "1/1 run"
expect_err 'needs 1 files\|not from the same run' "$bench" merge -q "$tmp/other.json" "$tmp/s1.json"
echo "PASS"
