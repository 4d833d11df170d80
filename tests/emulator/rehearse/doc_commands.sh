#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A Markdown page's commands run as written, so the docs cannot drift: every "$ " line inside
# its ``` blocks, in order, in one bash, on a fresh lab (the page makes it); each must exit 0
# ("$ ! cmd" says cmd must fail). The built tools come first on PATH, MODDIR names the
# built modules.
# Usage: doc_commands.sh PAGE.md
set -uo pipefail
PAGE=$1
B=$HSMLAB_BUILD_DIR
WORK=$(mktemp -d /tmp/hsmlab-doc.XXXXXX)
trap 'rm -rf "$WORK" ${LABS:-}' EXIT
{
	echo 'set -uo pipefail'
	echo "export PATH='$B/emulator/admin:$B/emulator/tools/audit-verify:$B/signer:$B/emulator/rehearse':\$PATH"
	echo "export MODDIR='$B/emulator/module' HSMLAB_MODULE='$B/emulator/module/libhsmlab.so'"
	echo "export HSMLAB_PROFILE_DIR='$HSMLAB_SOURCE_DIR/fixtures/profiles'"
	echo "cd '$WORK'"
	awk '
		/^```/ { inblock = !inblock; next }
		inblock && /^\$ / {
			n++
			printf "echo \"--- %s:%d\"\n", FILENAME, NR
			printf "%s\n", substr($0, 3)
			printf "rc=$?; [ $rc = 0 ] || { echo \"FAIL: %s:%d exited $rc\" >&2; exit 1; }\n", FILENAME, NR
		}
		END { printf "echo \"ok: %d commands\"\n", n }' "$PAGE"
	echo 'rm -rf "$LAB"'
} >"$WORK/run.sh"
n=$(grep -c '^--- \|^echo "--- ' "$WORK/run.sh")
[ "$n" -gt 10 ] || { echo "FAIL: $PAGE: only $n commands found" >&2; exit 1; }
bash "$WORK/run.sh" >"$WORK/out" 2>&1 || { tail -20 "$WORK/out" >&2; exit 1; }
[ -z "${HSMLAB_DOC_KEEP:-}" ] || cp "$WORK/out" "$HSMLAB_DOC_KEEP"
tail -1 "$WORK/out"
