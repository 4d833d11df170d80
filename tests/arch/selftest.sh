#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The two architecture checks must be able to fail: run them over small made-up trees, one
# clean and one per rule broken, and expect a pass and the named failures.
# usage: selftest.sh DIR_OF_THE_CHECKS
set -eu
here=${1:?usage: selftest.sh DIR_OF_THE_CHECKS}
tmp=$(mktemp -d /tmp/hsmlab-arch-selftest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
put() { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" >"$1"; }

# A clean tree: each layer includes its own internals and lower layers' public headers.
t="$tmp/clean"
put "$t/emulator/core/util/include/util/hl_status.h" '#pragma once'
put "$t/emulator/core/device/include/device/hl_device.h" '#include "util/hl_status.h"'
put "$t/emulator/core/device/device_int.h" '#include "device/hl_device.h"'
put "$t/emulator/core/device/device.c" '#include "device_int.h"'
put "$t/emulator/core/p11/include/p11/hl_p11.h" '#include "device/hl_device.h"'
put "$t/emulator/families/fam/fam.h" '#include "p11/hl_p11.h"'
put "$t/emulator/families/fam/fam.c" '#include "fam.h"'
put "$t/emulator/include/hsmlab/hsmlab-ext.h" '#pragma once'
put "$t/signer/lib/s.c" '#include "hsmlab/hsmlab-ext.h"'
put "$t/common/include/hsmlab/p11client.h" '#include <stdio.h>'
put "$t/tests/emulator/device/CMakeLists.txt" \
	'target_include_directories(t PRIVATE ${PROJECT_SOURCE_DIR}/emulator/core/device)'
put "$t/tests/emulator/device/test_device.c" '#include "device_int.h"'
python3 "$here/layering.py" "$t" >/dev/null || fail "layering: the clean tree fails"
sh "$here/vendor_free_core.sh" "$t" >/dev/null || fail "vendor check: the clean tree fails"

# broken FILE LINE EXPECTED-REASON: the clean tree plus one include, which must be named.
broken() {
	rm -rf "$tmp/b" && cp -r "$t" "$tmp/b"
	put "$tmp/b/$1" "$2"
	if out=$(python3 "$here/layering.py" "$tmp/b" 2>&1); then
		fail "layering: $1 with '$2' passes"
	fi
	case "$out" in
	*"$1:1: "*"$3"*) echo "ok: $1: $3" ;;
	*) fail "layering: $1 with '$2': want '$3', got: $out" ;;
	esac
}
broken emulator/core/util/u.c '#include "p11/hl_p11.h"' "higher layer (p11 above util)"
broken emulator/core/p11/x.c '#include "../device/device_int.h"' "internal header of another"
broken emulator/families/fam/g.c '#include "device/device_int.h"' "internal header of another"
broken emulator/core/device/d.c '#include "../../families/fam/fam.h"' "higher layer"
broken signer/lib/t.c '#include "device/hl_device.h"' "only the public emulator headers"
broken bench/lib/b.c '#include "../../emulator/core/device/device_int.h"' "internal header"
broken common/c.c '#include "hsmlab/hsmlab-ext.h"' "common/ is below every part"
broken tests/other/test_x.c '#include "device_int.h"' "does not declare"

put "$t/emulator/core/store/store.c" '/* HLLUNA blob */'
sh "$here/vendor_free_core.sh" "$t" >/dev/null 2>&1 && fail "vendor check: HLLUNA passes"
echo "ok: the vendor check names HLLUNA"

# The quirk reader check: a stored switch some code reads passes; one nobody reads is named;
# a DATA row must be listed with its reason, and the list must name only DATA rows.
q="$tmp/quirks"
reg="$q/emulator/core/device/quirk_registry.c"
list="$q/data_rows.txt"
put "$reg" '	ROW("read_one", "G1", BOOL, CORE, core.read_one, "x"),
	DATA_ROW("doc_one", "G8", BOOL, "documents the device"),
	ROW("lost_one", "K5", BOOL, CORE, core.lost_one, "y"),'
put "$q/emulator/core/p11/p.c" 'int f(const hl_profile_t *p) { return p->core.read_one; }'
printf '# the made-up tree'"'"'s data rows\ncore:doc_one\tdocuments the device, nothing to switch\n' >"$list"
# quirks_case NAME EXPECTED-TEXT: the check over the tree fails and names EXPECTED-TEXT.
quirks_case() {
	if out=$(python3 "$here/quirk_readers.py" "$q" "$list" 2>&1); then
		fail "quirk readers: $1 passes"
	fi
	case "$out" in
	*"$2"*) echo "ok: quirk readers: $1" ;;
	*) fail "quirk readers: $1: want '$2', got: $out" ;;
	esac
}
quirks_case "a switch no code reads" '"lost_one" stores core.lost_one, which no code reads'
case "$out" in *'"read_one"'* | *doc_one*) fail "quirk readers: a good row named: $out" ;; esac
sed -i '/lost_one/d' "$reg"
python3 "$here/quirk_readers.py" "$q" "$list" >/dev/null || fail "quirk readers: the clean tree fails"
echo "$(cat "$reg")
	HL_QUIRK_DATA(\"doc_two\", \"K1\", BOOL, \"the mechanism list carries it\")," >"$reg"
quirks_case "an unlisted data row" 'data row "core:doc_two" is not in data_rows.txt'
printf 'core:doc_two\t\n' >>"$list"
quirks_case "a data row without its reason" 'want OWNER:NAME<tab>the reason nothing reads it'
sed -i 's/^core:doc_two.*/core:doc_two\tthe mechanism list carries it/' "$list"
printf 'core:gone_one\ta row since given a reader\n' >>"$list"
quirks_case "a stale list line" '"core:gone_one" names no DATA row'
sed -i '/gone_one/d' "$list"
echo "$(cat "$reg")
	HL_QUIRK_ROW(hl_profile_t, \"odd_one\", \"G9\", BOOL, CORE, core.odd_one, \"z\")," >"$reg"
quirks_case "an entry in neither form" '4 registry entries, 3 read as ROW or DATA rows'
echo "arch selftest: all good"
