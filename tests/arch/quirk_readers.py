#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Every quirk switch the registry declares either has a reader or is listed as data with its
reason (issue 16: `single_slot_zero` was declared and read by no code).

A ROW(...) in emulator/core/device/quirk_registry.c or emulator/families/*/*_quirks.c stores
its value at a field; some code outside the registry files must read that field (`.field` or
`->field`), or the switch does nothing. A DATA row (HL_QUIRK_DATA / DATA_ROW) stores nothing:
each must be listed in quirk_data_rows.txt (beside this script) as OWNER:NAME with the reason
nothing reads it, every line there must name a DATA row that exists, and a registry entry
that is neither form (so neither check would see it) fails too.
Usage: quirk_readers.py SOURCE_DIR [DATA_LIST] (exit 1 naming each problem)."""
import glob
import os
import re
import sys

ROW = re.compile(r'\bROW\(\s*"([a-z0-9_]+)"\s*,\s*"[A-Z0-9]+"\s*,\s*[A-Z]+\s*,\s*[A-Z]+\s*,'
                 r'\s*([a-z_.]+)\s*,', re.S)
DATA = re.compile(r'\b(?:HL_QUIRK_DATA|DATA_ROW)\(\s*"([a-z0-9_]+)"\s*,', re.S)
# Every entry of a registry array, whatever its form (the macro definitions aside).
ENTRY = re.compile(r'^\s*(?:ROW|DATA_ROW|HL_QUIRK_DATA|HL_QUIRK_ROW)\(', re.M)


def owner_of(path):
    parts = path.replace(os.sep, '/').split('/')
    return parts[parts.index('families') + 1] if 'families' in parts else 'core'


def read_list(path):
    """{OWNER:NAME: reason} and the problems of the list itself."""
    listed, bad = {}, []
    for n, line in enumerate(open(path), 1):
        line = line.rstrip('\n')
        if not line.strip() or line.startswith('#'):
            continue
        key, _, reason = line.partition('\t')
        if not re.fullmatch(r'[a-z0-9_]+:[a-z0-9_]+', key) or len(reason.strip()) < 10:
            bad.append('%s:%d: want OWNER:NAME<tab>the reason nothing reads it' % (path, n))
        elif key in listed:
            bad.append('%s:%d: %s listed twice' % (path, n, key))
        else:
            listed[key] = reason.strip()
    return listed, bad


def main(root, data_list):
    registry = [os.path.join(root, 'emulator/core/device/quirk_registry.c')]
    registry += sorted(glob.glob(os.path.join(root, 'emulator/families/*/*_quirks.c')))
    rows, data, problems = [], [], []
    for path in registry:
        if not os.path.exists(path):
            continue
        text = open(path).read()
        body = re.sub(r'^#define .*?(?<!\\)$', '', text, flags=re.M | re.S)
        found = [(m.group(1), m.group(2), path) for m in ROW.finditer(body)]
        named = [(owner_of(path) + ':' + m.group(1), path) for m in DATA.finditer(body)]
        rows += found
        data += named
        entries = len(ENTRY.findall(body))
        if entries != len(found) + len(named):
            problems.append('%s: %d registry entries, %d read as ROW or DATA rows: write each '
                            'as ROW("name", "id", TYPE, READER, field, ...) or '
                            'HL_QUIRK_DATA("name", ...)' %
                            (os.path.relpath(path, root), entries, len(found) + len(named)))
    if not rows:
        print('quirk_readers: no ROW(...) found under %s: wrong directory?' % root)
        return 1
    code = ''
    for path in glob.glob(os.path.join(root, 'emulator/**/*.c'), recursive=True):
        if path not in registry:
            code += open(path, errors='replace').read()
    for name, field, path in rows:
        member = field.split('.')[-1]
        if not re.search(r'(\.|->)' + re.escape(member) + r'\b', code):
            problems.append('%s: switch "%s" stores %s, which no code reads' %
                            (os.path.relpath(path, root), name, field))
    listed, bad = read_list(data_list) if os.path.exists(data_list) else ({}, [
        '%s: missing (the DATA rows and their reasons)' % data_list])
    problems += bad
    for key, path in data:
        if key not in listed:
            problems.append('%s: data row "%s" is not in %s with the reason nothing reads it'
                            % (os.path.relpath(path, root), key, os.path.basename(data_list)))
    for key in sorted(set(listed) - {k for k, _ in data}):
        problems.append('%s: "%s" names no DATA row of the registry (a reader was added, or '
                        'the row renamed: drop or fix the line)' %
                        (os.path.basename(data_list), key))
    for p in problems:
        print(p)
    print('quirk_readers: %d stored switches, %d data rows listed, %d problems' %
          (len(rows), len(data), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.',
                  sys.argv[2] if len(sys.argv) > 2 else os.path.join(here,
                                                                     'quirk_data_rows.txt')))
