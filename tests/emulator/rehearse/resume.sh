#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Safe to interrupt: the script killed with kill -9 at three random steps, each time resumed
# by the same command, finishes with the same steps recorded as an uninterrupted run, and
# every audit log verifies (the lab was put back to before each cut step).
# Usage: resume.sh REHEARSE SCRIPT.conf
. "$(dirname "$0")/lib.sh"
SCRIPT="$CEREMONIES/$2"
"$REHEARSE" -d "$WORK/whole" -a "$ANSWERS" "$SCRIPT" >/dev/null 2>&1 || fail "uninterrupted run"
n=$(jq -r 'select(.kind == "step") | .step' "$WORK/whole/records.jsonl" | wc -l)
# three distinct steps to kill at, chosen at random (reported, to replay a failure)
mapfile -t at < <(shuf -i 2-$((n - 1)) -n 3 | sort -n)
echo "killing at steps ${at[*]} of $n"
for k in "${at[@]}"; do
	"$REHEARSE" -d "$WORK/cut" -a "$ANSWERS" "$SCRIPT" >>"$WORK/cut.log" 2>&1 &
	pid=$!
	# wait until step k has started (k-1 steps committed), then kill -9 inside step k
	for _ in $(seq 1 600); do
		done_now=$(sed -n 's/^done //p' "$WORK/cut/state" 2>/dev/null || echo 0)
		[ "${done_now:-0}" -ge $((k - 1)) ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	sleep "0.0$((RANDOM % 10))"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
done
"$REHEARSE" -d "$WORK/cut" -a "$ANSWERS" "$SCRIPT" >>"$WORK/cut.log" 2>&1 ||
	fail "the resumed run stopped: $(tail -5 "$WORK/cut.log")"
diff <(steps_of "$WORK/whole/records.jsonl") <(steps_of "$WORK/cut/records.jsonl") ||
	fail "the resumed record differs from the uninterrupted one"
resumes=$(jq -r 'select(.kind == "resume") | .note' "$WORK/cut/records.jsonl" | wc -l)
[ "$resumes" -ge 1 ] || fail "no resume recorded"
grep -q "Every device's audit log was exported and verified" "$WORK/cut/transcript.html" ||
	fail "an audit log does not verify after the resumes"
if grep -q "runs backwards" "$WORK/cut.log"; then fail "device time ran backwards"; fi
echo "ok: killed at steps ${at[*]}, $resumes resumes, the same $n steps recorded"
