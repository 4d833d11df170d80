#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The SVG timeline renders in a real browser: headless Chromium screenshots it and the PNG
# must hold the timeline's colours (not a blank page). Without Chromium it exits 77, which
# ctest shows as skipped (SKIP_RETURN_CODE), never as passed; under CI=true it fails.
set -euo pipefail
bench=${1:?usage: scenario_render.sh path/to/hsmlab-bench}
scenarios="${HSMLAB_SOURCE_DIR:?}/fixtures/scenarios"
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	[ "${CI:-}" = "true" ] && { echo "FAIL: chromium missing under CI" >&2; exit 1; }
	echo "SKIP: chromium not installed (apt-get install chromium)"
	exit 77
fi
tmp=$(mktemp -d /tmp/hsmlab-bench-render-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$bench" scenario -q -p vendors -o "$tmp/out" "$scenarios/short-2q.conf"
timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
	--window-size=1400,450 --screenshot="$tmp/shot.png" "file://$tmp/out/timeline-vendors.svg" \
	>"$tmp/chromium.log" 2>&1 || { cat "$tmp/chromium.log" >&2; exit 1; }
file "$tmp/shot.png" | grep -q 'PNG image data, 1400 x 450' || { file "$tmp/shot.png"; exit 1; }
# Decode the PNG (8-bit RGB/RGBA, filters undone) and count the pixels of the two KSK colours.
python3 - "$tmp/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w, h, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = 4 if ctype == 6 else 3
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
def near(px, rgb): return all(abs(px[k] - rgb[k]) < 40 for k in range(3))
blue = orange = other = 0
for line in rows:
    for x in range(0, w, 2):
        px = line[x * bpp:x * bpp + 3]
        if near(px, (0x1f, 0x77, 0xb4)) or near(px, (0x3e, 0x8c, 0xc1)): blue += 1
        elif near(px, (0xff, 0x7f, 0x0e)) or near(px, (0xff, 0x95, 0x35)): orange += 1
        elif tuple(px) != (255, 255, 255): other += 1
print(f"rendered: {blue} blue (old KSK), {orange} orange (legend), {other} other pixels")
assert blue > 500, "the old KSK's slot bars are not there"
assert orange > 20, "the legend's second key colour is not there"
assert other > 500, "no text or axes"
PY
echo "timeline renders OK"
