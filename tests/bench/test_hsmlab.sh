#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The conformance suite and the benchmark's smoke mode against the emulator's own module
# (libhsmlab.so, strict profile, a throw-away lab), side by side with SoftHSMv2: the strict
# profile must meet fixtures/conformance/strict.expect, written from the specification.
set -euo pipefail
bench=${1:?usage: test_hsmlab.sh path/to/hsmlab-bench}
[ -x "${HSMLAB_BUILD_DIR:?}/emulator/module/libhsmlab.so" ] || {
	echo "libhsmlab.so not built" >&2
	exit 1
}
tmp=$(mktemp -d /tmp/hsmlab-bench-emu-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" conformance -q -o "$tmp/out" hsmlab-strict softhsm2 ||
	fail "the strict profile does not meet strict.expect (see UNEXPECTED lines above)"
xmllint --noout "$tmp/out/conformance-junit.xml" "$tmp/out/conformance.html" ||
	fail "reports not well-formed"
grep -q '| check | hsmlab-strict | softhsm2 | ref |' "$tmp/out/conformance.md" ||
	fail "matrix columns"
"$bench" perf --smoke -q --json "$tmp/p.json" hsmlab-strict >/dev/null || fail "perf --smoke"
jq -e '[.results[] | select(.target=="hsmlab-strict" and .unit=="ops/s") | .median]
	| length > 0 and all(. > 0)' "$tmp/p.json" >/dev/null || fail "perf figures missing"
echo "test_hsmlab: all good"
