#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A broken ceremony script is refused before anything runs, the error naming the file, the
# line and the key; an unattended run without an answer names the missing answer.
# Usage: script_errors.sh REHEARSE
. "$(dirname "$0")/lib.sh"
cp "$CEREMONIES/roles.inc" "$WORK/"
# expect_error LINE_PATTERN SCRIPT-BODY: --check exits 2 with "FILE:LINE: ... PATTERN"
expect_error() {
	printf '%s\n' "$2" >"$WORK/s.conf"
	if "$REHEARSE" --check "$WORK/s.conf" >"$WORK/out" 2>&1; then
		fail "accepted: $2"
	fi
	grep -q "$WORK/s.conf:$1" "$WORK/out" || fail "want $WORK/s.conf:$1, got: $(cat "$WORK/out")"
}
HEAD='ceremony = { title = "t"; };
@include "roles.inc"'
expect_error '4: acts.\[0\].steps.\[0\].role: not one of the script' "$HEAD
acts = ( { title = \"a\"; steps = (
  { role = \"XX\"; say = \"hello\"; }
); } );"
expect_error '4: acts.\[0\].steps.\[0\].colour: unknown key' "$HEAD
acts = ( { title = \"a\"; steps = (
  { role = \"CA\"; colour = \"blue\"; }
); } );"
expect_error '5: acts.\[0\].steps.\[1\].fault: want wrong-pin' "$HEAD
acts = ( { title = \"a\"; steps = (
  { role = \"CA\"; },
  { role = \"CA\"; run = \"true\"; fault = \"meteor\"; contingency = ( { role = \"CA\"; } ); }
); } );"
expect_error '4: acts.\[0\].steps.\[0\].secrets: names no credential' "$HEAD
acts = ( { title = \"a\"; steps = (
  { role = \"CA\"; run = \"true\"; secrets = { HSMLAB_PIN = \"nope\"; }; }
); } );"
expect_error '4: .*syntax error' "$HEAD
acts = ( { title = \"a\"; steps = (
  { role = \"CA\"; run = ; }
); } );"
expect_error '3: acts: want a list' "$HEAD
acts = 5;"
# unattended, a credential the answers file does not hold
printf '%s\nacts = ( { title = "a"; steps = ( { role = "SA"; run = "true"; secrets = { X = "pw"; }; } ); } );\ncredentials = ( { id = "pw"; role = "SA"; what = "a password"; } );\n' "$HEAD" >"$WORK/s.conf"
echo 'credentials = { other = "x"; };' >"$WORK/a.conf"
if "$REHEARSE" -d "$WORK/r" -a "$WORK/a.conf" "$WORK/s.conf" >"$WORK/out" 2>&1; then
	fail "ran without the credential"
fi
grep -q "the answers file has no credentials.pw (a password of SA)" "$WORK/out" ||
	fail "the missing answer is not named: $(cat "$WORK/out")"
echo "ok: script errors name file, line and key"
