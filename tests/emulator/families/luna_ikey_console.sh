#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Luna's PED through the console (L12), as an operator runs it without a terminal: `luna
# ikey duplicate` copies an HSM SO iKey, the copy stands in for its original in a login, the
# original and its copy together are one split ("twice"), a duplicate never overwrites an
# iKey and a missing source writes nothing, each refusal one line; at a terminal a PED prompt
# per iKey. And Chrystoki.conf: a
# malformed one fails the console's module load with the file and the line (exit 3).
# Usage: luna_ikey_console.sh ADMIN MODULE_DIR
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
ADMIN=$1
LUNA=$2/libhsmlab-luna.so
. "$(dirname "$0")/famlab.sh"
fam_lab luna-ikey
OPTS=(-m "$LUNA")
A lab create "$WORK/lab" >/dev/null
mkdir "$WORK/ikeys"
K=$WORK/ikeys
D=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
USER_STRING=$(A luna stm show "$D" | sed -n 's/^random user string: //p')
FP=$(A luna stm show "$D" | sed -n 's/^state fingerprint: *//p')
A --so-pin PASSWORD luna stm recover "$D" "$USER_STRING" "$FP" >/dev/null
A --cards "$K" luna hsm init "$D" hsm dom 2 3 >/dev/null

A luna ikey duplicate "$K/luna-hsm-so-1.card" "$K/spare-1.card" | has "duplicated" ||
	fail "no duplicate made"
A luna hsm login "$D" "$K/spare-1.card" "$K/luna-hsm-so-3.card" >/dev/null ||
	fail "the duplicate does not stand in for its original"
if A luna hsm login "$D" "$K/luna-hsm-so-1.card" "$K/spare-1.card" 2>"$WORK/err"; then
	fail "an iKey and its duplicate made a quorum of two"
fi
grep -q "twice" "$WORK/err" || fail "not named as the same iKey: $(cat "$WORK/err")"
if A luna ikey duplicate "$K/luna-hsm-so-2.card" "$K/spare-1.card" 2>"$WORK/err"; then
	fail "a duplicate overwrote an iKey"
fi
grep -q "exists" "$WORK/err" && [ "$(wc -l <"$WORK/err")" = 1 ] ||
	fail "not one line naming the existing iKey: $(cat "$WORK/err")"
if A luna ikey duplicate "$K/nowhere.card" "$K/spare-2.card" 2>"$WORK/err"; then
	fail "a missing iKey duplicated"
fi
grep -q "nowhere.card: cannot read the iKey" "$WORK/err" || fail "$(cat "$WORK/err")"
[ ! -e "$K/spare-2.card" ] || fail "a failed duplicate wrote $K/spare-2.card"
if A luna ikey duplicate "$K/luna-hsm-so-2.card" 2>/dev/null; then
	fail "duplicate without DST"
else
	[ $? = 2 ] || fail "duplicate without DST: not a usage error"
fi

# At a terminal the console is the PED: one prompt per iKey, in order (`script` gives it the
# terminal; Enter answers each).
printf -v cmd '%q ' "$ADMIN" "${OPTS[@]}" luna hsm login "$D" "$K/luna-hsm-so-2.card" \
	"$K/luna-hsm-so-3.card"
printf '\n\n' | script -qec "$cmd" /dev/null >"$WORK/tty.txt" 2>&1 ||
	fail "hsm login at a terminal: $(cat "$WORK/tty.txt")"
for i in 1 2; do
	grep -q "PED: insert luna-hsm-so iKey $i of 2 (.*luna-hsm-so-$((i + 1)).card), then press Enter" \
		"$WORK/tty.txt" || fail "no PED prompt for iKey $i: $(cat "$WORK/tty.txt")"
done

# Chrystoki.conf: a TAB on line 2, named with the file.
printf 'Luna = {\n\tPEDTimeout2 = 100000;\n}\n' >"$WORK/Chrystoki.conf"
rc=0
ChrystokiConfigurationPath=$WORK A device list >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" = 3 ] || fail "a malformed Chrystoki.conf: exit $rc, want 3"
grep -q "$WORK/Chrystoki.conf:2: a TAB character" "$WORK/err" || fail "$(cat "$WORK/err")"
echo "PASS: luna ikey duplicate and Chrystoki.conf through the console"
