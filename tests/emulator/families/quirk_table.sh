#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The switch table of emulator/doc/quirks.md is what hsmlab-quirk-table generates from the
# quirk registry and the shipped profiles (issue 16: one source of truth), so the doc cannot
# drift from the code; and the check can fail: a doc with one cell changed is named, and
# --write puts the generated table back.
# usage: quirk_table.sh TOOL SOURCE_DIR
set -eu
tool=${1:?usage: quirk_table.sh TOOL SOURCE_DIR}
src=${2:?usage: quirk_table.sh TOOL SOURCE_DIR}
doc=$src/emulator/doc/quirks.md
tmp=$(mktemp -d /tmp/hsmlab-quirk-table-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
set -- "$src/fixtures/profiles/strict.conf" "$src/fixtures/profiles/keyper.conf" \
	"$src/fixtures/profiles/luna.conf"
table() { sed -n '/^<!-- BEGIN hsmlab-quirk-table/,/^<!-- END hsmlab-quirk-table -->/p' "$1" |
	sed '1d;$d'; }

"$tool" "$@" >"$tmp/gen" || fail "hsmlab-quirk-table failed"
[ "$(wc -l <"$tmp/gen")" -gt 60 ] || fail "a short table: $(cat "$tmp/gen")"
table "$doc" >"$tmp/doc"
[ -s "$tmp/doc" ] || fail "$doc has no hsmlab-quirk-table markers"
diff -u "$tmp/doc" "$tmp/gen" >"$tmp/diff" ||
	fail "emulator/doc/quirks.md's switch table differs from the registry and profiles (run: hsmlab-quirk-table --write emulator/doc/quirks.md fixtures/profiles/{strict,keyper,luna}.conf):
$(cat "$tmp/diff")"

# Able to fail: one changed cell is a difference; --write restores the generated table.
cp "$doc" "$tmp/quirks.md"
sed -i 's/^| `locked_out_code` | L3 | luna | CKR | family: /| `locked_out_code` | L9 | luna | CKR | family: /' \
	"$tmp/quirks.md"
table "$tmp/quirks.md" | diff -q - "$tmp/gen" >/dev/null && fail "a changed row passes"
"$tool" --write "$tmp/quirks.md" "$@" || fail "--write failed"
table "$tmp/quirks.md" | diff -q - "$tmp/gen" >/dev/null || fail "--write did not restore it"
cmp -s "$tmp/quirks.md" "$doc" || fail "--write changed more than the table"
echo "quirk table: $(($(wc -l <"$tmp/gen") - 2)) switches, the doc matches"
