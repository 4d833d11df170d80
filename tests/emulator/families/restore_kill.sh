#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# kill -9 during restore: hsmlab-admin restores a backup blob over and over and is killed at
# random moments; afterwards the target device holds exactly as many restored keys as its
# audit log records restores (the object and its record commit together), the log verifies,
# and the device still works.
# Usage: restore_kill.sh ADMIN MODULE_DIR
set -euo pipefail
ADMIN=$1
MODDIR=$2
# shellcheck source=famlab.sh
. "$(dirname "$0")/famlab.sh"
fam_lab kill
# L5: Luna slot ids are virtual: the devices go by the serials the console names.
fam_luna_pair "$ADMIN" "$MODDIR"
pkcs11-tool --module "$MODDIR/libhsmlab-luna.so" --slot "$SRC_SLOT" --login --pin 87654321 \
	--keypairgen --key-type rsa:2048 --label KSK-2024 --id 01 >/dev/null 2>&1
A key backup "$SRC" KSK-2024 "$WORK/k.blob" >/dev/null

killed=0
for round in 1 2 3 4 5 6; do
	(while A key restore "$DST" "$WORK/k.blob" >/dev/null 2>&1; do :; done) &
	loop=$!
	sleep "0.$((RANDOM % 5 + 2))"
	# Kill the restore in flight (the loop's current hsmlab-admin), then the loop.
	if fam_kill_child "$loop"; then killed=$((killed + 1)); fi
	kill -9 "$loop" 2>/dev/null || true
	wait "$loop" 2>/dev/null || true
	# The loop may have started one more restore between pgrep and its own death: that
	# orphan runs on, so let it finish before anything is counted.
	while pgrep -f "key restore $DST $WORK/k.blob" >/dev/null; do sleep 0.05; done
done
[ "$killed" -gt 0 ] || fail "no restore was in flight when killed"

keys=$(A object list "$DST" | awk '$2 == "CKO_PRIVATE_KEY" && $NF == "KSK-2024"' | wc -l)
A audit export "$DST" "$WORK/audit.txt" >/dev/null
restores=$(grep -c ' restore KSK-2024 ' "$WORK/audit.txt" || true)
echo "killed $killed restores in flight; $keys keys on the device, $restores restore records"
[ "$keys" -gt 0 ] || fail "no restore completed"
[ "$keys" -eq "$restores" ] || fail "$keys keys but $restores restore records: half a restore"
A audit verify "$DST" "$WORK/audit.txt"
A key restore "$DST" "$WORK/k.blob" >/dev/null || fail "the device no longer restores"
echo "kill -9 during restore: OK"
