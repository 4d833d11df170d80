#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job (README Quick start): installs what is missing, builds, and runs the bench on a
# default lab — the conformance matrix over every module (each hsmlab vendor profile and
# SoftHSMv2), the ceremony replay and a short benchmark — writing reports/latest/.
# Extra arguments go to `hsmlab-bench run` (e.g. --full for the whole benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/install-deps.sh
./ci/build.sh normal
build/bench/hsmlab-bench run -o reports/latest "$@"
echo "report: $(pwd)/reports/latest/summary.md"
