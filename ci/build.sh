#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ci/build.sh [normal|asan]: configures and builds into build/ or build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-normal}
case "$kind" in
normal) dir=build flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
asan) dir=build-asan flags=(-DCMAKE_BUILD_TYPE=Debug -DHSMLAB_SANITIZE=ON) ;;
*)
	echo "usage: ci/build.sh [normal|asan]" >&2
	exit 2
	;;
esac
cmake -S . -B "$dir" -G Ninja -DHSMLAB_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
