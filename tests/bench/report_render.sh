#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The conformance pages as a person sees them: headless Chromium at 1400x900 screenshots
# conformance.html and summary.html for the four shipped targets. All four target columns
# must be on screen (the last one, softhsm2, coloured for agreeing and differing with the
# strict reference), the page must open on the differences only, and the summary must hold
# one sentence per differing row. A missing Chromium fails the test: these pages are only
# checked here. HSMLAB_SCREENSHOT_DIR=DIR keeps the screenshots (for bench/doc/).
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
bench=${1:?usage: report_render.sh path/to/hsmlab-bench}
here=$(dirname "$0")
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "FAIL: chromium not installed (apt-get install chromium)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/hsmlab-bench-report-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" conformance -q -o "$tmp/out" hsmlab-strict hsmlab-keyper hsmlab-luna softhsm2 ||
	fail "conformance run not green"
html=$tmp/out/conformance.html
xmllint --noout "$html" "$tmp/out/summary.html" || fail "pages not well-formed"
varies=$(jq '[.rows[] | select([.cells[] | .observed? | select(. != null)] | unique | length > 1)] | length' \
	"$tmp/out/conformance.json")
[ "$varies" -gt 5 ] || fail "only $varies differing rows: the targets should differ"
x() { xmllint --xpath "$1" "$2"; }
[ "$(x 'count(//*[local-name()="tr"][contains(@class,"differs")])' "$html")" -ge "$varies" ] ||
	fail "fewer 'differs' rows than differing rows"
[ "$(x 'count(//*[local-name()="tr"][@class="same"])' "$html")" -gt 0 ] || fail "no rows to hide"
[ "$(x 'count(//*[local-name()="input"][@checked])' "$html")" = 0 ] ||
	fail "the page must open on the differences only"
[ "$(x 'count(//*[local-name()="ul"][@class="summary"]/*)' "$tmp/out/summary.html")" = "$varies" ] ||
	fail "not one summary sentence per differing row"

shot() { # shot PAGE PNG
	timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$tmp/profile" --window-size=1400,900 --screenshot="$2" "file://$1" \
		>"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; exit 1; }
	file "$2" | has 'PNG image data, 1400 x 900' || fail "$(file "$2")"
}
shot "$html" "$tmp/conformance.png"
shot "$tmp/out/summary.html" "$tmp/summary.png"
# The softhsm2 column sits in the rightmost quarter of the table (x 1040-1300 at 1400 px).
counts=$(python3 "$here/png_count.py" "$tmp/conformance.png" agree=e8f5e9@1040-1300~3 \
	differs=e3ecfa@1040-1300~3 unexpected=c62828)
echo "conformance.png: $(tr '\n' ' ' <<<"$counts")"
n() { awk -v k="$1" '$1 == k { print $2 }' <<<"$counts"; }
[ "$(n agree)" -gt 5000 ] || fail "the fourth column's 'same as strict' cells are not on screen"
[ "$(n differs)" -gt 5000 ] || fail "the fourth column's 'differs' cells are not on screen"
[ "$(n unexpected)" -gt 100 ] || fail "the legend is not on screen"
counts=$(python3 "$here/png_count.py" "$tmp/summary.png" text=222222)
[ "$(n other)" -gt 20000 ] || fail "the summary page is blank"
if [ -n "${HSMLAB_SCREENSHOT_DIR:-}" ]; then
	cp "$tmp/conformance.png" "$tmp/summary.png" "$HSMLAB_SCREENSHOT_DIR/"
fi
echo "PASS"
