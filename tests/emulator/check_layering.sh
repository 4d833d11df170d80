#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The emulator's layering, checked over the sources (issue 10): the core names no vendor
# (vendor parts live in emulator/families and reach the core through the family table); a
# core layer includes only the public headers of itself and of the layers below it; an
# internal header (*_int.h) is included only beside it, in its own directory.
# usage: check_layering.sh [SOURCE_DIR]   (default: $HSMLAB_SOURCE_DIR, else the repo root)
set -eu
src=${1:-${HSMLAB_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}}
core=$src/emulator/core
[ -d "$core" ] || { echo "check_layering: $core: no such directory" >&2; exit 1; }
fail=0

# 1. No vendor in the core, comments included.
if grep -rniE 'keyper|luna|hlkypr|hlluna' "$core"; then
	echo "check_layering: the lines above name a vendor inside emulator/core" \
	     "(move the part to emulator/families/*)" >&2
	fail=1
fi

# 2. The layers and what each may include besides itself ("hsmlab/" is the ABI headers).
#    Bottom up: util, crypto, store, object, device, p11; clock, audit, cards and backup are
#    the families' building blocks over util and crypto (audit keeps its table in the store;
#    cards borrow backup's file writer).
allowed() {
	case $1 in
	util) echo "" ;;
	crypto) echo "util" ;;
	store) echo "util" ;;
	object) echo "util crypto" ;;
	device) echo "util crypto store object" ;;
	p11) echo "util crypto store object device" ;;
	clock) echo "util" ;;
	backup) echo "util crypto" ;;
	cards) echo "util crypto backup" ;;
	audit) echo "util crypto store clock" ;;
	*) return 1 ;;
	esac
}
for dir in "$core"/*/; do
	layer=$(basename "$dir")
	if ! ok=$(allowed "$layer"); then
		echo "check_layering: emulator/core/$layer is not in the layer list of $0" >&2
		fail=1
		continue
	fi
	# Every #include "<dir>/...": the part before the slash names the layer.
	grep -rnoE '^#include "[a-z0-9_]+/' "$dir" | while IFS= read -r hit; do
		inc=${hit##*\"}
		inc=${inc%/}
		case " $layer hsmlab $ok " in
		*" $inc "*) ;;
		*) echo "${hit%%:#include*}: the $layer layer includes $inc/ (not a layer below it)" ;;
		esac
	done
done >"${TMPDIR:-/tmp}/hl-layering.$$"
if [ -s "${TMPDIR:-/tmp}/hl-layering.$$" ]; then
	cat "${TMPDIR:-/tmp}/hl-layering.$$" >&2
	fail=1
fi
rm -f "${TMPDIR:-/tmp}/hl-layering.$$"

# 3. An internal header only beside it: the including file's directory must hold it.
bad=$(grep -rnoE '^#include "([a-z0-9_]+/)*[a-z0-9_]+_int\.h"' "$src/emulator" "$src/bench" \
	"$src/signer" "$src/common" 2>/dev/null | while IFS=: read -r file line inc; do
	name=${inc#\#include \"}
	name=${name%\"}
	# Family headers are named from emulator/families ("keyper/keyper_int.h").
	base=$(basename "$name")
	if [ ! -f "$(dirname "$file")/$base" ]; then
		echo "$file:$line: includes $name, another directory's internal header"
	fi
done)
if [ -n "$bad" ]; then
	echo "$bad" >&2
	fail=1
fi

[ $fail -eq 0 ] && echo "check_layering: core vendor-free, layers and internal headers in order"
exit $fail
