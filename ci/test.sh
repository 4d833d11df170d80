#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The test command (README Quick start, and .ci/run): installs what is missing, checks the
# formatting, builds a normal and an ASan/UBSan tree, runs every test in both, then builds
# the libFuzzer targets and runs each for HSMLAB_FUZZ_SECONDS (default 30; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/install-deps.sh
# Every prerequisite is installed above, so a test that finds one missing must fail here,
# not skip (tests read CI=true; a skip would hide a broken machine).
export CI="${CI:-true}"

echo "== format check (clang-format)"
git ls-files -z '*.c' '*.h' | xargs -0 -r clang-format --dry-run --Werror

for kind in normal asan; do
	dir=build
	[ "$kind" = asan ] && dir=build-asan
	echo "== $kind build"
	./ci/build.sh "$kind"
	echo "== $kind tests"
	# A fresh tree has no timings: the known long tests go first (ci/ctest-costs.txt).
	costs=$dir/Testing/Temporary/CTestCostData.txt
	if [ ! -s "$costs" ]; then
		mkdir -p "${costs%/*}"
		{
			grep -v '^#' ci/ctest-costs.txt | awk 'NF == 2 { print $1, 1, $2 }'
			echo ---
		} >"$costs"
	fi
	# halt_on_error: a sanitizer report fails the test instead of scrolling past.
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$(nproc)"
done

echo "== fuzz (ci/fuzz.sh: each target ${HSMLAB_FUZZ_SECONDS:-30} s)"
if [ "${HSMLAB_FUZZ_SECONDS:-30}" -gt 0 ]; then
	./ci/fuzz.sh "${HSMLAB_FUZZ_SECONDS:-30}"
fi
