#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The device clock reads host time through libc, so libfaketime shifts it; the per-device
# offset comes on top; the Keyper end-of-support warning follows the shifted clock.
# usage: clock_faketime.sh PATH/TO/clock_now [PATH/TO/audit_stamp]
set -eu
prog=$1
stamp=${2:-}
lib=
for d in /usr/lib/x86_64-linux-gnu/faketime /usr/lib/faketime /usr/lib64/faketime; do
	[ -e "$d/libfaketime.so.1" ] && lib=$d/libfaketime.so.1 && break
done
[ -n "$lib" ] || { echo "FAIL: libfaketime.so.1 not found"; exit 1; }
# An ASan build must tolerate libfaketime being preloaded ahead of its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fail=0
check() { # expected-prefix expected-support faketime-spec offset
	out=$(LD_PRELOAD=$lib FAKETIME="$3" FAKETIME_DONT_FAKE_MONOTONIC=1 "$prog" "$4")
	case "$out" in
	"$1"*" $2") echo "ok: FAKETIME=$3 offset=$4 -> $out" ;;
	*) echo "FAIL: FAKETIME=$3 offset=$4 -> '$out', want '$1... $2'"; fail=1 ;;
	esac
}
check "2024-06-01T12:00:0" keyper-supported "@2024-06-01 12:00:00" 0
check "2024-06-02T12:00:0" keyper-supported "@2024-06-01 12:00:00" 86400
check "2024-12-31T23:59:" keyper-supported "@2024-12-31 23:59:00" 0
check "2025-01-01T00:00:" keyper-unsupported "@2024-12-31 23:59:00" 60
check "2026-10-11T09:00:0" keyper-unsupported "@2026-10-11 09:00:00" 0
# Without libfaketime the clock is the real host time.
real=$("$prog" 0 | cut -c1-10)
[ "$real" = "$(date -u +%Y-%m-%d)" ] || { echo "FAIL: unshifted clock reads $real"; fail=1; }
# Audit records are stamped with the device clock: shifted time plus the offset.
if [ -n "$stamp" ]; then
	tmp=$(mktemp -d /tmp/hsmlab-stamp-XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	out=$(LD_PRELOAD=$lib FAKETIME="@2024-08-14 10:00:00" FAKETIME_DONT_FAKE_MONOTONIC=1 \
		"$stamp" "$tmp" 3600)
	case "$out" in
	"1 "*" 2024-08-14T11:00:0"*" clock-change device stamp "*) echo "ok: audit stamp $out" ;;
	*) echo "FAIL: audit stamp under faketime: '$out'"; fail=1 ;;
	esac
fi
exit $fail
