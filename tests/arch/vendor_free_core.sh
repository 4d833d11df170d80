#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The core offers mechanisms and never names a vendor: everything Keyper- or Luna-specific
# (return codes, card kinds, clocks, blob magics) lives in emulator/families and reaches the
# core through the family table. Fails, listing every hit, if emulator/core names one.
# usage: vendor_free_core.sh SOURCE_DIR
set -eu
src=${1:?usage: vendor_free_core.sh SOURCE_DIR}
core="$src/emulator/core"
[ -d "$core" ] || { echo "FAIL: $core is not a directory" >&2; exit 1; }
# grep exits 1 for "no match" and 2 for an error: only 1 is the pass.
set +e
hits=$(grep -rniE 'keyper|luna|hlkypr|hlluna' "$core")
rc=$?
set -e
case $rc in
1) echo "vendor-free core: no vendor named under $core"; exit 0 ;;
0)
	n=$(printf '%s\n' "$hits" | wc -l)
	printf '%s\n' "$hits" | sed "s|^$src/||"
	echo "FAIL: emulator/core names a vendor on $n line(s) (above); move it to emulator/families" >&2
	exit 1
	;;
*) echo "FAIL: grep could not read $core (exit $rc)" >&2; exit 1 ;;
esac
