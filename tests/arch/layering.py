#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks the #include lines against the declared layers; exits 1 listing every violation.

The compiler enforces most of the layering (each core layer exports only its own include
directory), but a relative path or an extra include directory can still reach around it:
this check reads every #include and resolves it to a file of the tree.

Rules:
- A file of a layer includes no header of a higher layer (LAYERS below, bottom up; the
  families sit above p11, the front ends above the families).
- An internal header (*_int.h, *_internal.h) is included only from its own folder. A test
  may include the internals of the layer it tests when its CMakeLists.txt says so: it names
  the header's folder as an include directory, or links an "-internal" INTERFACE target
  that exports it.
- signer/, bench/ and common/ include no emulator header but the public ones
  (emulator/include/hsmlab/*); common/ includes nothing of the other parts.

usage: layering.py SOURCE_DIR
"""
import os
import re
import sys

# Bottom up; layers on one line are peers (none may include a higher line's headers).
LAYERS = [
    ["util"],
    ["crypto", "store", "clock"],
    ["object", "audit", "cards", "backup"],
    ["device"],
    ["p11"],
    ["families"],
    ["module", "admin", "tools"],
]
RANK = {name: i for i, line in enumerate(LAYERS) for name in line}
INTERNAL = re.compile(r"_int(ernal)?\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
PARTS = ("emulator", "signer", "bench", "common", "tests")


def layer_of(rel):
    """The layer a repository path belongs to: a core layer, families, a front end, the
    public emulator API ("api"), or the top folder (signer, bench, common, tests)."""
    p = rel.split("/")
    if p[0] != "emulator":
        return p[0]
    if p[1] == "core" and len(p) > 3:
        return p[2]
    if p[1] in ("families", "module", "admin", "tools"):
        return p[1]
    if p[1] == "include":
        return "api"
    return "emulator"


def scan(src):
    """Every C file and header of the parts, and the include roots the builds use."""
    files, roots = [], []
    for part in PARTS:
        for d, dirs, names in os.walk(os.path.join(src, part)):
            dirs.sort()
            if os.path.basename(d) == "include":
                roots.append(d)
            files += [os.path.join(d, n) for n in sorted(names)
                      if n.endswith((".c", ".h", ".inc"))]
    # The families include each other's headers as "<family>/x.h" and "common/x.h".
    roots.append(os.path.join(src, "emulator", "families"))
    return files, roots


def resolve(src, path, kind, name, roots, by_base):
    """The repository file an #include names, or None (a system header)."""
    cands = ([os.path.dirname(path)] if kind == '"' else []) + roots
    for root in cands:
        f = os.path.normpath(os.path.join(root, name))
        if os.path.isfile(f) and f.startswith(src + os.sep):
            return f
    # A header found through a target's extra include directory (tests, bench/lib).
    hits = by_base.get(os.path.basename(name), [])
    return hits[0] if kind == '"' and len(hits) == 1 else None


def cmake_paths(src, text, cml_dir):
    """Folders a CMakeLists.txt names through ${PROJECT_SOURCE_DIR} or
    ${CMAKE_CURRENT_SOURCE_DIR}."""
    out = set()
    for var, rest in re.findall(r"\$\{(PROJECT_SOURCE_DIR|CMAKE_CURRENT_SOURCE_DIR)\}"
                                r"(/[^\s)\"]*)?", text):
        base = src if var == "PROJECT_SOURCE_DIR" else cml_dir
        out.add(os.path.normpath(base + (rest or "")))
    return out


def internal_targets(src):
    """"-internal" INTERFACE targets: name -> the folders they export."""
    out = {}
    for d, dirs, names in os.walk(src):
        dirs[:] = [x for x in dirs if not x.startswith((".", "build"))]
        if "CMakeLists.txt" not in names:
            continue
        text = open(os.path.join(d, "CMakeLists.txt"), encoding="utf-8").read()
        for t in re.findall(r"add_library\((\S*internal\S*)\s+INTERFACE", text):
            m = re.search(r"target_include_directories\(" + re.escape(t) +
                          r"\s+INTERFACE([^)]*)\)", text)
            if m:
                out[t] = cmake_paths(src, m.group(1), d)
    return out


def test_declares(src, path, header_dir, itargets):
    """Whether the CMakeLists.txt beside a test (or above it, up to tests/) declares the
    header's folder for its targets."""
    d = os.path.dirname(path)
    while d.startswith(os.path.join(src, "tests")):
        cml = os.path.join(d, "CMakeLists.txt")
        if os.path.isfile(cml):
            text = open(cml, encoding="utf-8").read()
            if header_dir in cmake_paths(src, text, d):
                return True
            if any(t in text and header_dir in dirs for t, dirs in itargets.items()):
                return True
        d = os.path.dirname(d)
    return False


def check_one(src, path, hdr, itargets):
    """The violation an include of hdr from path makes, or None."""
    rel, hrel = os.path.relpath(path, src), os.path.relpath(hdr, src)
    me, it = layer_of(rel), layer_of(hrel)
    if INTERNAL.search(hdr) and not path.startswith(os.path.dirname(hdr) + os.sep):
        if me != "tests":
            return "internal header of another folder"
        if not test_declares(src, path, os.path.dirname(hdr), itargets):
            return "internal header the test's CMakeLists.txt does not declare"
    if me in ("signer", "bench", "common") and hrel.startswith("emulator/") and it != "api":
        return "%s may include only the public emulator headers" % me
    if me == "common" and it not in ("common",):
        return "common/ is below every part: it includes only itself"
    if me in RANK and it in RANK and RANK[it] > RANK[me]:
        return "header of a higher layer (%s above %s)" % (it, me)
    return None


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: layering.py SOURCE_DIR")
    src = os.path.realpath(sys.argv[1])
    files, roots = scan(src)
    by_base = {}
    for f in files:
        by_base.setdefault(os.path.basename(f), []).append(f)
    itargets = internal_targets(src)
    bad = n = 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                hdr = resolve(src, path, m.group(1), m.group(2), roots, by_base)
                if hdr is None:
                    continue
                n += 1
                why = check_one(src, path, hdr, itargets)
                if why:
                    bad += 1
                    print("%s:%d: includes %s: %s" % (os.path.relpath(path, src), lineno,
                                                      os.path.relpath(hdr, src), why))
    if bad:
        print("FAIL: %d include(s) break the layering (above)" % bad, file=sys.stderr)
        return 1
    print("layering: %d includes of %d files checked, none breaks the layering" %
          (n, len(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
