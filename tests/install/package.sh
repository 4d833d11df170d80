#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# package.sh SOURCE BUILD: builds the Debian packages (CPack, as ci/package.sh does),
# installs them with dpkg, runs the smoke test on /usr, purges them and checks no file is
# left. Needs root (the CI runs as root); elsewhere it skips (77) unless CI is set.
set -euo pipefail
src=$(realpath "$1") build=$(realpath "$2") here=$(dirname "$0")
if [ "$(id -u)" -ne 0 ] || ! command -v dpkg >/dev/null; then
	echo "package: needs root and dpkg to install packages" >&2
	[ -n "${CI:-}" ] && exit 1
	exit 77
fi
pkgs=(hsmlab-data hsmlab-modules hsmlab-tools hsmlab-dev)
for p in "${pkgs[@]}"; do
	! dpkg-query -W "$p" >/dev/null 2>&1 || { echo "package: $p is already installed" >&2; exit 1; }
done
out=$(mktemp -d /tmp/hsmlab-deb.XXXXXX)
purge() { dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true; rm -rf "$out"; }
trap purge EXIT
(cd "$out" && cpack --config "$build/CPackConfig.cmake" -B "$out" >cpack.log 2>&1) ||
	{ echo "package: cpack failed: $(tail -3 "$out/cpack.log")" >&2; exit 1; }
dpkg -i "$out"/*.deb >"$out/dpkg.log" 2>&1 ||
	{ echo "package: dpkg -i failed: $(tail -3 "$out/dpkg.log")" >&2; exit 1; }
dpkg -L "${pkgs[@]}" | sort -u >"$out/files"
"$here/smoke.sh" /usr "$src" "$build"
dpkg --purge "${pkgs[@]}" >/dev/null
left=$(while read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done <"$out/files")
[ -z "$left" ] || { echo "package: left after purge: $left" >&2; exit 1; }
echo "package: installed, smoke-tested and purged cleanly"
