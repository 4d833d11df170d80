#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Man pages: one per tool, made from its --help (help2man), installed by cmake --install.
# Usage: man_pages.sh BUILD_DIR
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
B=$1
WORK=$(mktemp -d /tmp/hsmlab-man.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
cmake --install "$B" --prefix "$WORK" >/dev/null || fail "cmake --install"
for tool in hsmlab-admin hsmlab-audit-verify hsmlab-rehearse ksr-signer ksr-gen skr-verify hsmlab-bench; do
	page="$WORK/share/man/man1/$tool.1"
	[ -s "$page" ] || fail "no man page installed for $tool"
	man -l "$page" 2>/dev/null | has "$tool" || fail "$tool(1) does not render"
done
# the page is the help: an option the help names is in the page
man -l "$WORK/share/man/man1/hsmlab-admin.1" 2>/dev/null | has -- "--secrets-fd" ||
	fail "hsmlab-admin(1) is not its --help"
echo "ok: man pages installed and rendered"
