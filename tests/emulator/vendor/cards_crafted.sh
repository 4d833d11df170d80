#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cards_crafted.sh ADMIN MODULE_DIR: cards of the right format that are still the wrong
# ones, loaded through the console onto a Luna device with no domain yet: two sets of the
# same owner mixed, another owner's set, the same card twice, too few cards. Each is
# refused with its own message and the device's store is unchanged (no domain, no record).
set -euo pipefail
ADMIN=$1 MODDIR=$2
# shellcheck source=../families/famlab.sh
. "$(dirname "$0")/../families/famlab.sh"
fam_lab cards
fam_luna_pair "$ADMIN" "$MODDIR"
T=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
A token init "$T" tgt >/dev/null
mkdir "$WORK/a" "$WORK/b" "$WORK/c"
# Two sets of one owner (2 of 3 each), and a set of another owner.
A domain create "$SRC" dom2 "$WORK/a" 2 3 >/dev/null
A domain create "$DST" dom2 "$WORK/b" 2 3 >/dev/null
A domain create "$SRC" other "$WORK/c" 2 3 >/dev/null
db=$WORK/lab/devices/$T.db
state() { sqlite3 "$db" "select key from meta where key like '%domain%'; select count(*)
	from hl_audit where event not in ('login', 'logout')"; }
before=$(state)
msgs=""
refused() { # refused NAME WORDS CARD...: the load fails naming WORDS, nothing changes
	local name=$1 words=$2 out rc=0
	shift 2
	out=$(A domain load "$T" dom2 "$@" 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "$name: loaded: $out"
	[[ "$out" == *"$words"* ]] || fail "$name: \"$words\" not in: $out"
	[[ "$msgs" != *"|$out|"* ]] || fail "$name: the same message as another case: $out"
	msgs+="|$out|"
	[ "$(state)" = "$before" ] || fail "$name: the store changed: $before -> $(state)"
	echo "$name: $out"
}
refused "two sets" "set" "$WORK/a/luna-domain-1.card" "$WORK/b/luna-domain-2.card"
refused "other owner" "other" "$WORK/c/luna-domain-1.card" "$WORK/c/luna-domain-2.card"
refused "same card twice" "twice" "$WORK/a/luna-domain-1.card" "$WORK/a/luna-domain-1.card"
refused "too few" "2 needed" "$WORK/a/luna-domain-1.card"
# The right cards load.
A domain load "$T" dom2 "$WORK/a/luna-domain-1.card" "$WORK/a/luna-domain-3.card" >/dev/null
[ "$(state)" != "$before" ] || fail "the right cards loaded nothing"
echo "cards of the right format but the wrong set, owner or number: each refused in its own words"
