#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# install.sh SOURCE BUILD: `cmake --install` into a temporary prefix, checks that no
# installed binary names a source or build path (strings) and that every tool has its man
# page, then runs the smoke test from the installed files only.
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
src=$(realpath "$1") build=$(realpath "$2") here=$(dirname "$0")
prefix=$(mktemp -d /tmp/hsmlab-prefix.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
bad=0
for f in "$prefix"/bin/* "$prefix"/lib/libhsmlab*.so; do
	if strings -a "$f" | has -e "$src" -e "$build"; then
		echo "install: $f names the source/build tree: $(strings -a "$f" | grep -m1 -e "$src" -e "$build")" >&2
		bad=1
	fi
	case $f in */bin/*)
		[ -f "$prefix/share/man/man1/$(basename "$f").1" ] ||
			{ echo "install: no man page for $(basename "$f")" >&2; bad=1; } ;;
	esac
done
[ -f "$prefix/share/pkgconfig/hsmlab-ext.pc" ] || { echo "install: no hsmlab-ext.pc" >&2; bad=1; }
cflags=$(PKG_CONFIG_PATH=$prefix/share/pkgconfig pkg-config --cflags hsmlab-ext)
echo '#include <hsmlab/hsmlab-ext.h>' | cc $cflags -fsyntax-only -x c - ||
	{ echo "install: hsmlab-ext.h does not compile with pkg-config's flags" >&2; bad=1; }
[ $bad -eq 0 ] || exit 1
"$here/smoke.sh" "$prefix" "$src" "$build"
