#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ci/fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer targets (fuzz/, clang with ASan and
# UBSan, in build-fuzz/) and runs each for SECONDS (default 30), two at a time on a 2-core
# machine (FUZZ_JOBS). A crash, leak, timeout or out-of-memory input is copied to
# fuzz/regress/<target>/, which the normal test suite replays (fuzz_<target>_replay); the
# script then fails. The grown corpus stays in build-fuzz/corpus/<target>/ for the next run.
# Prints executions and coverage per target (also in build-fuzz/fuzz-summary.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
[ $# -gt 0 ] && shift
dir=build-fuzz
jobs=${FUZZ_JOBS:-$(nproc)}

cmake -S . -B "$dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DHSMLAB_FUZZ=ON -DHSMLAB_TESTS=OFF >/dev/null
mapfile -t lines <"$dir/fuzz/targets.txt"
targets=()
for l in "${lines[@]}"; do
	name=${l%% *}
	if [ $# -eq 0 ] || [[ " $* " == *" $name "* ]]; then targets+=("$name"); fi
done
[ ${#targets[@]} -gt 0 ] || {
	echo "fuzz.sh: no such target: $*" >&2
	exit 2
}
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

# The targets' temporary files go under the build tree (a crashed run leaves them there).
export TMPDIR=$PWD/$dir/tmp
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
export LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp

run_one() {
	local name=$1 seeds=() l art log
	for l in "${lines[@]}"; do
		[ "${l%% *}" = "$name" ] && read -r -a seeds <<<"${l#* }"
	done
	local existing=()
	for l in "${seeds[@]}"; do [ -d "$l" ] && existing+=("$l"); done
	art=$dir/artifacts/$name/
	log=$dir/logs/$name.log
	rm -rf "$art"
	mkdir -p "$dir/corpus/$name" "$art" "$dir/logs"
	local dict=()
	[ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser that balloons.
	"$dir/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art" "${dict[@]}" \
		"$dir/corpus/$name" "${existing[@]}" >"$log" 2>&1
}

pids=()
status=0
for name in "${targets[@]}"; do
	run_one "$name" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$jobs" ]; then
		wait "${pids[0]}" || true
		pids=("${pids[@]:1}")
	fi
done
wait || true

: >"$dir/fuzz-summary.txt"
for name in "${targets[@]}"; do
	log=$dir/logs/$name.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
	found=()
	for f in "$dir/artifacts/$name"/*; do [ -f "$f" ] && found+=("$f"); done
	line="$name: ${execs:-?} executions in ${secs}s, ${cov:-no coverage line}"
	if [ ${#found[@]} -gt 0 ]; then
		mkdir -p "fuzz/regress/$name"
		cp "${found[@]}" "fuzz/regress/$name/"
		line="$line, ${#found[@]} FINDING(S) saved to fuzz/regress/$name/ (log: $log)"
		status=1
	elif [ -z "$execs" ]; then
		line="$line, the run did not finish (log: $log)"
		status=1
	fi
	echo "$line" | tee -a "$dir/fuzz-summary.txt"
done
rm -rf "$TMPDIR"
exit $status
