#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# restore_crafted.sh ADMIN MODULE_DIR CRAFT: the crafted blobs of fuzz/craft.c, made for a
# Luna device's real cloning domain (hl-test-craft-blobs from its domain card), restored
# through the console one by one: each is refused with its own status and message, and the
# device holds no more objects and no restore record after them than before.
set -euo pipefail
ADMIN=$1 MODDIR=$2 CRAFT=$3
# shellcheck source=../families/famlab.sh
. "$(dirname "$0")/../families/famlab.sh"
fam_lab crafted
fam_luna_pair "$ADMIN" "$MODDIR"
mkdir "$WORK/blobs"
"$CRAFT" "$WORK/ikeys/luna-domain-1.card" luna "$WORK/blobs"
db=$WORK/lab/devices/$DST.db
[ -f "$db" ] || fail "no store for $DST"
# What a restore changes: the objects and the restore records (a login record is the
# console's own, before it).
state() { sqlite3 "$db" "select count(*) from objects; select count(*) from hl_audit where
	event like '%restore%'"; }
before=$(state)
n=0 msgs=""
while read -r name status why; do
	rc=0
	out=$(A key restore "$DST" "$WORK/blobs/$name.blob" 2>&1) || rc=$?
	[ $rc -ne 0 ] || fail "$name: restored: $out"
	# The console refuses another vendor's blob before the module sees it, in its own words.
	if [ "$status" != HL_ERR_BACKUP_WRONG_VENDOR ]; then
		[[ "$out" == *"$why"* ]] || fail "$name: \"$why\" not in: $out"
	fi
	[[ "$msgs" != *"|$out|"* ]] || fail "$name: the same message as another blob: $out"
	msgs+="|$out|"
	echo "$name: $out"
	n=$((n + 1))
done <"$WORK/blobs/cases.txt"
[ "$n" -ge 15 ] || fail "only $n crafted blobs"
[ "$(state)" = "$before" ] || fail "the store changed: $before -> $(state)"
# The same domain's honest blob restores (the crafted ones failed on their field alone).
A key restore "$DST" "$WORK/blobs/ok.blob" >/dev/null
[ "$(state)" != "$before" ] || fail "the honest blob restored nothing"
echo "$n crafted blobs refused, each in its own words; the store unchanged"
