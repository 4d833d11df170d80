#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The conformance suite and the benchmark's smoke mode against the emulator's own modules
# (libhsmlab.so with the strict profile, and libhsmlab-keyper.so / libhsmlab-luna.so when
# built; each in a throw-away lab), side by side with SoftHSMv2: strict must meet
# strict.expect (written from the specification), the vendor profiles keyper.expect and
# luna.expect (what their profile files switch on).
set -euo pipefail
bench=${1:?usage: test_hsmlab.sh path/to/hsmlab-bench}
[ -x "${HSMLAB_BUILD_DIR:?}/emulator/module/libhsmlab.so" ] || {
	echo "libhsmlab.so not built" >&2
	exit 1
}
tmp=$(mktemp -d /tmp/hsmlab-bench-emu-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

targets=(hsmlab-strict)
header='| check | hsmlab-strict |'
for fam in keyper luna; do
	if [ -e "$HSMLAB_BUILD_DIR/emulator/module/libhsmlab-$fam.so" ]; then
		targets+=("hsmlab-$fam")
		header+=" hsmlab-$fam |"
	fi
done
"$bench" conformance -q -o "$tmp/out" "${targets[@]}" softhsm2 ||
	fail "a profile does not meet its expectations (see the UNEXPECTED lines above)"
xmllint --noout "$tmp/out/conformance-junit.xml" "$tmp/out/conformance.html" ||
	fail "reports not well-formed"
grep -qF "$header softhsm2 | ref |" "$tmp/out/conformance.md" || fail "matrix columns"
"$bench" perf --smoke -q --json "$tmp/p.json" hsmlab-strict >/dev/null || fail "perf --smoke"
jq -e '[.results[] | select(.target=="hsmlab-strict" and .unit=="ops/s") | .median]
	| length > 0 and all(. > 0)' "$tmp/p.json" >/dev/null || fail "perf figures missing"
echo "test_hsmlab: all good"
