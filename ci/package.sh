#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ci/package.sh [OUTDIR]: builds the Debian packages (hsmlab-modules, -tools, -data, -dev;
# CPack's DEB generator, cmake/package.cmake says why) from a normal build into OUTDIR
# (default dist/). Install them with `apt-get install ./dist/hsmlab-*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
./ci/install-deps.sh
./ci/build.sh normal
mkdir -p "$out"
(cd build && cpack --config CPackConfig.cmake -B "$out" >/dev/null)
rm -rf "$out/_CPack_Packages"
ls -1 "$out"/*.deb
