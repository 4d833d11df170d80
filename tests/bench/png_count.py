#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Counts the pixels of given colours in a screenshot (8-bit RGB/RGBA PNG as Chromium writes
# it; no imaging library needed).
# Usage: png_count.py FILE NAME=RRGGBB[,RRGGBB][@XMIN-XMAX][~TOLERANCE]...
# Prints "WIDTHxHEIGHT" and then "NAME COUNT" per colour; "other" counts the non-white rest.
# A pixel counts when each channel is within TOLERANCE (default 40, for anti-aliased lines)
# of one of the colours; pale cell backgrounds need a small one to tell them from white.
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
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
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def parse(arg, width):
    name, spec = arg.split("=", 1)
    xr, tol = (0, width), 40
    if "~" in spec:
        spec, t = spec.split("~", 1)
        tol = int(t)
    if "@" in spec:
        spec, r = spec.split("@", 1)
        xr = tuple(int(v) for v in r.split("-"))
    cols = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in spec.split(",")]
    return name, cols, xr, tol


def main():
    w, h, bpp, rows = decode(sys.argv[1])
    specs = [parse(a, w) for a in sys.argv[2:]]
    counts = {name: 0 for name, _, _, _ in specs}
    other = 0
    for line in rows:
        for x in range(0, w, 2):
            px = line[x * bpp:x * bpp + 3]
            for name, cols, (x0, x1), tol in specs:
                if x0 <= x < x1 and any(all(abs(px[k] - c[k]) <= tol for k in range(3))
                                        for c in cols):
                    counts[name] += 1
                    break
            else:
                other += tuple(px) != (255, 255, 255)
    print(f"{w}x{h}")
    for name in counts:
        print(name, counts[name])
    print("other", other)


main()
