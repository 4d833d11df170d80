#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# hsmlab-bench conformance end to end against SoftHSMv2: exit codes, the three reports
# (JUnit XML and HTML well-formed per xmllint), a wrong expectation named on stderr, and
# input errors that name the file and line.
set -euo pipefail
bench=${1:?usage: test_cli.sh path/to/hsmlab-bench}
fixtures=${HSMLAB_BENCH_FIXTURES:?}
[ -n "${HSMLAB_SOFTHSM2_MODULE:-}" ] || { echo "HSMLAB_SOFTHSM2_MODULE not set" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hsmlab-bench-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# (Output captured first: grep -q closing the pipe early would fail the writer.)
out=$("$bench" --version) && grep -q '^hsmlab-bench ' <<<"$out" || fail "--version"
out=$("$bench" conformance --help) && grep -q -- '--write-expect' <<<"$out" || fail "--help"
out=$("$bench" conformance --list) && grep -q '^login.state_per_token' <<<"$out" || fail "--list"
set +e
"$bench" 2>/dev/null; [ $? -eq 2 ] || fail "no command must exit 2"
"$bench" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command must exit 2"
set -e

# Green against SoftHSMv2 with its expectations, all three reports written.
"$bench" conformance -q -o "$tmp/out" softhsm2 || fail "softhsm2 not green"
for f in conformance.md conformance.html conformance-junit.xml; do
	[ -s "$tmp/out/$f" ] || fail "$f missing"
done
xmllint --noout "$tmp/out/conformance-junit.xml" || fail "JUnit XML not well-formed"
xmllint --noout "$tmp/out/conformance.html" || fail "HTML not well-formed"
n=$(xmllint --xpath 'count(//testcase)' "$tmp/out/conformance-junit.xml")
[ "$n" -gt 80 ] || fail "only $n test cases"
grep -q '| `login.wrong_pin` | CKR_PIN_INCORRECT |' "$tmp/out/conformance.md" ||
	fail "Markdown lacks the observed value"

# A deliberately wrong expectation: exit 1, the check named on stderr and in the JUnit XML.
sed 's/^login.wrong_pin = .*/login.wrong_pin = CKR_OK/' "$fixtures/softhsm2.expect" \
	>"$tmp/wrong.expect"
sed "s|^expect = .*|expect = \"$tmp/wrong.expect\";|" "$fixtures/softhsm2.conf" \
	>"$tmp/wrong.conf"
set +e
"$bench" conformance -q --junit "$tmp/wrong.xml" "$tmp/wrong.conf" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a wrong expectation must exit 1 (got $rc)"
grep -q 'UNEXPECTED softhsm2: login.wrong_pin: expected CKR_OK, observed CKR_PIN_INCORRECT' \
	"$tmp/err" || fail "the check is not named: $(cat "$tmp/err")"
[ "$(xmllint --xpath 'count(//failure)' "$tmp/wrong.xml")" = 1 ] || fail "JUnit failures"

# --skip leaves checks out (empty cells, JUnit "skipped"), even one whose expectation is wrong.
"$bench" conformance -q --junit "$tmp/skip.xml" --skip login.wrong_pin --skip 'mech.*' \
	"$tmp/wrong.conf" || fail "--skip did not leave the wrong expectation out"
[ "$(xmllint --xpath 'count(//testcase[@name="login.wrong_pin"])' "$tmp/skip.xml")" = 0 ] ||
	fail "a skipped check still has a row"
[ "$(xmllint --xpath 'count(//testcase[starts-with(@name,"mech.")])' "$tmp/skip.xml")" = 0 ] ||
	fail "--skip globs"

# The same module given on the command line, with two targets side by side.
"$bench" conformance -q --markdown "$tmp/two.md" softhsm2 \
	-m "$HSMLAB_SOFTHSM2_MODULE" --name cli --env "SOFTHSM2_CONF=$tmp/cli.conf" \
	--init-token --token cli --so-pin 87654321 --user-pin 4321 \
	--expect "$fixtures/softhsm2.expect" </dev/null 2>"$tmp/err" &&
	fail "the CLI target has no token dir yet and must not pass silently"
mkdir -p "$tmp/cli-tokens"
printf 'directories.tokendir = %s\n' "$tmp/cli-tokens" >"$tmp/cli.conf"
"$bench" conformance -q --markdown "$tmp/two.md" softhsm2 \
	-m "$HSMLAB_SOFTHSM2_MODULE" --name cli --env "SOFTHSM2_CONF=$tmp/cli.conf" \
	--init-token --token cli --so-pin 87654321 --user-pin 4321 \
	--expect "$fixtures/softhsm2.expect" || fail "CLI target: $(cat "$tmp/err")"
grep -q '| check | softhsm2 | cli | ref |' "$tmp/two.md" || fail "two columns"

# Input errors name the file and line and exit 2.
printf 'name = "x";\nmodule = "m";\nbogus = 1;\n' >"$tmp/bad.conf"
set +e
"$bench" conformance "$tmp/bad.conf" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "bad target file must exit 2 (got $rc)"
grep -q "bad.conf:3: unknown setting \"bogus\"" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "test_cli: all good"
