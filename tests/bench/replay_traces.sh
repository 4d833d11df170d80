#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A shipped trace (fixtures/traces/NAME.jsonl) replayed against strict, Keyper, Luna and
# SoftHSMv2: each target's first divergence, and the later calls the expectation names,
# must be exactly those of fixtures/traces/NAME.expect, and each quirk id there must be a
# row of the quirk catalogue. Then the JSON reports are checked and a sharded run, merged,
# must give the unsharded run's matrix.
#   replay_traces.sh HSMLAB_BENCH NAME
set -eu
BENCH=$1
NAME=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TRACE="$SRC/fixtures/traces/$NAME.jsonl"
EXPECT="$SRC/fixtures/traces/$NAME.expect"
WORK=$(mktemp -d /tmp/hsmlab-replay-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
export HSMLAB_BENCH_FIXTURES="${HSMLAB_BENCH_FIXTURES:-$SRC/fixtures/conformance}"
[ -f "$TRACE" ] && [ -f "$EXPECT" ] || fail "$TRACE or $EXPECT missing"
command -v python3 >/dev/null || fail "python3 is missing (ci/install-deps.sh installs it)"

"$BENCH" replay -q "$TRACE" -m strict -m keyper -m luna -m softhsm2 -o "$WORK/all" ||
	fail "replay exited $?"
for f in replay.md replay.html replay-junit.xml replay.json divergences.md divergences.json; do
	[ -s "$WORK/all/$f" ] || fail "no $f"
done
# Divergences are results: exit 0 without --fail-on-divergence, 1 with it (Keyper diverges).
rc=0
"$BENCH" replay -q "$TRACE" -m keyper --fail-on-divergence >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "--fail-on-divergence on a diverging target: exit $rc, want 1"

python3 - "$WORK/all" "$EXPECT" "$SRC/emulator/doc/quirks.md" <<'PY' || fail "expectations"
import json, re, sys
out, expect, quirks = sys.argv[1:]
matrix = json.load(open(out + "/replay.json"))
div = json.load(open(out + "/divergences.json"))
anchors = set(re.findall(r'<a id="([a-z0-9]+)"></a>', open(quirks).read()))
cols = matrix["columns"]
rows = {r["id"]: r for r in matrix["rows"]}
first = {t["target"]: t["first"] for t in div["targets"]}
bad, seen = [], set()
for n, line in enumerate(open(expect), 1):
    if not line.strip() or line.startswith("#"):
        continue
    f = [x.strip() for x in line.split("|")]
    if len(f) != 6 or f[0] not in ("first", "also") or not f[5]:
        bad.append(f"{expect}:{n}: want 'first|also | target | call | observed | quirk | why'")
        continue
    kind, target, call, observed, quirk, why = f
    if quirk != "-" and quirk.lower() not in anchors:
        bad.append(f"{expect}:{n}: {quirk} is not a row of quirks.md")
    if target not in cols:
        bad.append(f"{expect}:{n}: {target} was not replayed")
        continue
    if kind == "first":
        seen.add(target)
        got = first.get(target)
        if call == "none":
            if got is not None:
                bad.append(f"{target}: want no divergence, got {got['call']}: {got['observed']}")
        elif got is None or got["call"] != call or got["observed"] != observed:
            bad.append(f"{target}: want first divergence {call}: {observed}, got "
                       + ("none" if got is None else f"{got['call']}: {got['observed']}"))
    else:
        cell = rows.get(call, {}).get("cells", [None] * len(cols))[cols.index(target)]
        if cell is None or cell["observed"] != observed:
            bad.append(f"{target}: {call}: want {observed}, got "
                       + ("nothing" if cell is None else cell["observed"]))
for t in cols:
    if t != "recorded" and t not in seen:
        bad.append(f"{expect}: no 'first' line for {t}")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Sharded over targets and merged: the same matrix as one run.
"$BENCH" replay -q "$TRACE" -m strict -m keyper --json "$WORK/one.json" || fail "one run"
for k in 1 2; do
	"$BENCH" replay -q "$TRACE" -m strict -m keyper --shard $k/2 --json "$WORK/s$k.json" ||
		fail "shard $k/2"
done
"$BENCH" merge -q --json "$WORK/merged.json" "$WORK/s1.json" "$WORK/s2.json" 2>/dev/null || true
python3 - "$WORK/one.json" "$WORK/merged.json" <<'PY' || fail "merged shards differ from one run"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
key = lambda m: (m["columns"], [(r["id"], r["cells"]) for r in m["rows"]])
sys.exit(0 if key(a) == key(b) else 1)
PY
echo "ok: $NAME replayed with the expected divergences"
