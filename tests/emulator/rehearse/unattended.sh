#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A shipped ceremony script runs unattended to the end (exit 0): every step recorded once, in
# order, the transcript written with its sign-off table, every audit log verified.
# Usage: unattended.sh REHEARSE SCRIPT.conf
. "$(dirname "$0")/lib.sh"
SCRIPT="$CEREMONIES/$2"
"$REHEARSE" --check "$SCRIPT" >/dev/null || fail "the script does not check"
"$REHEARSE" -d "$WORK/r" -a "$ANSWERS" "$SCRIPT" >"$WORK/out" 2>&1 ||
	fail "the rehearsal stopped: $(tail -5 "$WORK/out")"
n=$("$REHEARSE" --check "$SCRIPT" | sed -n 's/.*acts, \([0-9]*\) steps.*/\1/p')
got=$(jq -r 'select(.kind == "step") | .step' "$WORK/r/records.jsonl" | wc -l)
[ "$got" = "$n" ] || fail "$got step records, the script has $n steps"
grep -q "Participants' sign-off" "$WORK/r/transcript.html" || fail "no sign-off table"
grep -q "Every device's audit log was exported and verified" "$WORK/r/transcript.html" ||
	fail "the audit section does not say every log verified"
ls "$WORK"/r/work/audit/*.txt >/dev/null || fail "no audit export"
if grep -q "runs backwards" "$WORK/out"; then fail "device time ran backwards"; fi
# every exception the script injects is recorded
faults=$(grep -c 'fault = "' "$SCRIPT" || true)
exc=$(jq -r 'select(.kind == "exception") | .step' "$WORK/r/records.jsonl" | sort -u | wc -l)
[ "$exc" -ge "$faults" ] || fail "$faults faults in the script, exceptions at $exc steps"
echo "ok: $2: $n steps, $exc steps with exceptions"
