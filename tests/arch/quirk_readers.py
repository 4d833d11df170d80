#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Every quirk switch the registry stores has a reader (issue 16: `single_slot_zero` was
declared and read by no code). A ROW(...) in emulator/core/device/quirk_registry.c or
emulator/families/*/*_quirks.c stores its value at a field; some code outside the registry
files must read that field (`.field` or `->field`), or the switch does nothing. Rows that
only document the device are HL_QUIRK_DATA rows and are not checked here.
Usage: quirk_readers.py SOURCE_DIR (exit 1 naming each switch without a reader)."""
import glob
import os
import re
import sys

ROW = re.compile(r'\bROW\(\s*"([a-z0-9_]+)"\s*,\s*"[A-Z0-9]+"\s*,\s*[A-Z]+\s*,\s*[A-Z]+\s*,'
                 r'\s*([a-z_.]+)\s*,', re.S)


def main(root):
    registry = [os.path.join(root, 'emulator/core/device/quirk_registry.c')]
    registry += sorted(glob.glob(os.path.join(root, 'emulator/families/*/*_quirks.c')))
    rows = []
    for path in registry:
        if os.path.exists(path):
            rows += [(m.group(1), m.group(2), path) for m in ROW.finditer(open(path).read())]
    if not rows:
        print('quirk_readers: no ROW(...) found under %s: wrong directory?' % root)
        return 1
    code = ''
    for path in glob.glob(os.path.join(root, 'emulator/**/*.c'), recursive=True):
        if path not in registry:
            code += open(path, errors='replace').read()
    bad = 0
    for name, field, path in rows:
        member = field.split('.')[-1]
        if not re.search(r'(\.|->)' + re.escape(member) + r'\b', code):
            print('%s: switch "%s" stores %s, which no code reads' %
                  (os.path.relpath(path, root), name, field))
            bad += 1
    print('quirk_readers: %d stored switches, %d without a reader' % (len(rows), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
