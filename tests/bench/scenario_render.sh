#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The SVG timeline renders in a real browser: headless Chromium screenshots it and the PNG
# must hold the timeline's colours (not a blank page); scenario.html at 1400x900 shows the
# "signed on" lane in the colour of the backend that signed. A missing Chromium fails.
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
bench=${1:?usage: scenario_render.sh path/to/hsmlab-bench}
scenarios="${HSMLAB_SOURCE_DIR:?}/fixtures/scenarios"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "FAIL: chromium not installed (apt-get install chromium)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hsmlab-bench-render-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$bench" scenario -q -p vendors -o "$tmp/out" "$scenarios/short-2q.conf"
timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
	--window-size=1400,450 --screenshot="$tmp/shot.png" "file://$tmp/out/timeline-vendors.svg" \
	>"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; exit 1; }
file "$tmp/shot.png" | has 'PNG image data, 1400 x 450' || { file "$tmp/shot.png"; exit 1; }
# Count the pixels of the two KSK colours (the old KSK's slot bars, the legend's second key).
counts=$(python3 "$(dirname "$0")/png_count.py" "$tmp/shot.png" blue=1f77b4,3e8cc1 orange=ff7f0e,ff9535)
echo "rendered: $(tr '\n' ' ' <<<"$counts")"
n() { awk -v k="$1" '$1 == k { print $2 }' <<<"$counts"; }
[ "$(n blue)" -gt 500 ] || { echo "FAIL: the old KSK's slot bars are not there" >&2; exit 1; }
[ "$(n orange)" -gt 20 ] || { echo "FAIL: the legend's second key colour is not there" >&2; exit 1; }
[ "$(n other)" -gt 500 ] || { echo "FAIL: no text or axes" >&2; exit 1; }
timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
	--window-size=1400,900 --screenshot="$tmp/page.png" "file://$tmp/out/scenario.html" \
	>"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; exit 1; }
# keyper-1 signs both quarters in profile "vendors": its lane is the keyper purple.
counts=$(python3 "$(dirname "$0")/png_count.py" "$tmp/page.png" keyper=6a3d9a~8)
echo "scenario.html: $(tr '\n' ' ' <<<"$counts")"
[ "$(n keyper)" -gt 2000 ] || { echo "FAIL: no 'signed on' lane in keyper's colour" >&2; exit 1; }
[ -n "${HSMLAB_SCREENSHOT_DIR:-}" ] && cp "$tmp/page.png" "$HSMLAB_SCREENSHOT_DIR/scenario.png"
echo "timeline renders OK"
