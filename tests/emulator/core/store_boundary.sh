#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The store is the only code that speaks SQL (emulator/doc/store.md): fails, naming the
# files, when a source outside emulator/core/store includes sqlite3.h, calls SQLite or names
# an SQLite type. Tests are not checked: they build old stores and try to rewrite the audit
# history from outside on purpose.
src=${HSMLAB_SOURCE_DIR:?HSMLAB_SOURCE_DIR is not set}
cd "$src" || exit 1
[ -d emulator/core/store ] || { echo "FAIL: $src/emulator/core/store not found"; exit 1; }
hits=$(grep -rlE 'sqlite3' --include='*.c' --include='*.h' emulator signer bench common \
	2>/dev/null | grep -v '^emulator/core/store/')
if [ -n "$hits" ]; then
	echo "FAIL: SQLite used outside emulator/core/store (go through store/hl_store.h):"
	echo "$hits" | sed 's/^/  /'
	exit 1
fi
echo "ok: no SQLite outside emulator/core/store"
