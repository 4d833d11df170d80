#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# soak.sh SOAK ADMIN MODULE DURATION (seconds, or 90s, 10m): a throw-away lab with one device
# of MODULE's family, its token set up by the console (user PIN 87654321), then the soak on it.
set -euo pipefail
SOAK=$1 ADMIN=$2 MODULE=$3 SECS=$4
# shellcheck source=../emulator/families/famlab.sh
. "$(dirname "$0")/../emulator/families/famlab.sh"
fam_lab soak
A() { "$ADMIN" -m "$MODULE" --so-pin 12345678 --pin 87654321 --cards "$WORK/cards" "$@"; }
A lab create "$WORK/lab" >/dev/null
D=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
[ -n "$D" ] || fail "device create named no serial"
A token init "$D" soak >/dev/null
"$SOAK" "$MODULE" soak 87654321 "$SECS"
