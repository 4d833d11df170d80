#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The interactive mode in a real terminal (tmux send-keys / capture-pane): one whole act with
# a card of the wrong set refused and chosen again, a wrong PIN refused by the device and
# typed again (never shown on the screen), the witness's initials; the record says so.
# Usage: interactive_tmux.sh REHEARSE
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || fail "tmux is not installed (ci/install-deps.sh)"
cp "$(dirname "$0")/one-act.conf" "$CEREMONIES/roles.inc" "$WORK/"
S="hsmlab-rehearse-$$"
tmux -L "$S" new-session -d -s t -x 160 -y 50 \
	"'$REHEARSE' -d '$WORK/r' '$WORK/one-act.conf'; echo EXIT=\$?; sleep 30"
trap 'tmux -L "$S" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
screen() { tmux -L "$S" capture-pane -p -t t -S -200; }
# wait_for TEXT: until the terminal shows TEXT (20 s)
wait_for() {
	for _ in $(seq 1 200); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	screen >&2
	fail "the terminal never showed: $1"
}
type() { tmux -L "$S" send-keys -t t -l -- "$1" && tmux -L "$S" send-keys -t t Enter; }
# wait_type TEXT ANSWER: the n-th new prompt TEXT, answered
seen=0
wait_type() {
	local n
	for _ in $(seq 1 200); do
		n=$(screen | grep -cF -- "$1" || true)
		[ "$n" -gt "${2:-0}" ] && break
		sleep 0.1
	done
	[ "$n" -gt "${2:-0}" ] || { screen >&2; fail "no prompt: $1"; }
}
ask() { # ask PROMPT ANSWER [how many such prompts were already answered]
	wait_type "$1" "${3:-0}"
	type "$2"
}
ask "SA, type the Keyper SO PIN" 11223344
ask "SA, type the Keyper user PIN" 12345678
ask "SA, type the card PIN for the new cards" 4242
wait_for "=== Act 2: Activate the Keyper ==="
ask "IW, your initials" IW1
# the card list: keyper-op-1..7, keyper-smk-1..7, keyper-so-1..2 (15, 16): an SO card is refused
ask "card numbers to insert:" "15 1 2"
wait_for 'card "keyper-so-1.card" refused: this step takes keyper-op cards'
ask "card numbers to insert:" "1 3 5" 1
ask "CO1, type the operator card PIN" 9999
wait_for "the device refused the PIN or password: type it again"
ask "again: CO1, type the operator card PIN" 4242
ask "IW, your initials" IW1 1
ask "IW, your initials" IW1 2
wait_for "EXIT=0"
if screen | grep -qE "9999|4242|11223344"; then fail "a PIN was shown on the screen"; fi
screen | grep -q "activated: yes" || fail "the Keyper was not activated"
R="$WORK/r/records.jsonl"
jq -se 'any(.[]; .kind == "exception" and .step == "2.2" and (.output | contains("CKR_PIN_INCORRECT")))' "$R" >/dev/null ||
	fail "the wrong PIN is not recorded as an exception"
jq -se 'any(.[]; .kind == "step" and .step == "2.2" and .initials == "IW1" and (.note | contains("keyper-op-3.card")))' "$R" >/dev/null ||
	fail "the step's cards and initials are not recorded"
if grep -qE "9999|4242|11223344" "$R" "$WORK/r/transcript.html" "$WORK/r/state"; then
	fail "a PIN was written to the record or the state"
fi
echo "ok: one act at the terminal, a card refused, a wrong PIN typed again"
