#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# kill -9 during clone: hsmlab-admin clones keys from one Luna to another of its cloning
# domain and is killed at random moments; afterwards (the source's next open resolves what a
# kill left: fam_clone.c), for every key, the target holds it exactly when its audit log
# records the clone (the copy and its record commit together) and exactly when the source
# records it done; every other clone the source records aborted or failed; both logs verify,
# and the devices still clone.
# Usage: clone_kill.sh ADMIN MODULE_DIR
set -euo pipefail
ADMIN=$1
MODDIR=$2
# shellcheck source=famlab.sh
. "$(dirname "$0")/famlab.sh"
fam_lab clonekill
fam_luna_pair "$ADMIN" "$MODDIR"
N=16
for i in $(seq 1 $N); do
	pkcs11-tool --module "$MODDIR/libhsmlab-luna.so" --slot "$SRC_SLOT" --login \
		--pin 87654321 --keypairgen --key-type EC:prime256v1 --label "K$i" \
		--id "$(printf %02x "$i")" >/dev/null 2>&1 || fail "keygen K$i"
done

# One clone per key, killed after a random wait (some before, some during, some after).
killed=0
for i in $(seq 1 $N); do
	# The console itself in the background (not a subshell around it, which kill -9 would
	# leave running as an orphan).
	"$ADMIN" "${OPTS[@]}" key clone "$SRC" "K$i" "$DST" >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 4))$((RANDOM % 10))"
	# In flight: still running (a finished one is a zombie until waited for).
	state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
	if [ -n "$state" ] && [ "${state:0:1}" != Z ] && kill -9 "$pid" 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait "$pid" 2>/dev/null || true
done
[ "$killed" -gt 0 ] || fail "no clone was in flight when killed"

A device list >/dev/null # the source's load resolves any clone a kill left pending
A audit export "$DST" "$WORK/dst.txt" >/dev/null
A audit export "$SRC" "$WORK/src.txt" >/dev/null
A object list "$DST" >"$WORK/objects.txt"
copies=0
for i in $(seq 1 $N); do
	key=$(awk -v l="K$i" '$2 == "CKO_PRIVATE_KEY" && $NF == l' "$WORK/objects.txt" | wc -l)
	rec=$(grep -c " clone K$i from=$SRC%20clone=" "$WORK/dst.txt" || true)
	[ "$key" -eq "$rec" ] || fail "K$i: $key copies on the target but $rec clone records"
	fin=$(grep -c " clone K$i to=$DST%20done%20clone=" "$WORK/src.txt" || true)
	[ "$fin" -eq "$key" ] || fail "K$i: $key copies on the target, $fin done records on the source"
	copies=$((copies + key))
done
echo "killed $killed of $N clones in flight; $copies copies, each with its records"
A audit verify "$DST" "$WORK/dst.txt"
A audit verify "$SRC" "$WORK/src.txt"
# Both still clone: a key that had no copy goes over now.
for i in $(seq 1 $N); do
	grep -q " clone K$i from=" "$WORK/dst.txt" && continue
	A key clone "$SRC" "K$i" "$DST" >/dev/null || fail "the devices no longer clone"
	echo "kill -9 during clone: OK"
	exit 0
done
echo "kill -9 during clone: OK (every clone had completed before its kill)"
