#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The transcript renders in headless Chromium (a screenshot) and prints to PDF, with its
# sign-off table and an audit section that says every log verified.
# Usage: transcript_chromium.sh REHEARSE [SCREENSHOT.png: also keep the screenshot there]
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed (ci/install-deps.sh)"
"$REHEARSE" -d "$WORK/r" -a "$ANSWERS" "$CEREMONIES/keyper-quarterly.conf" >/dev/null 2>&1 ||
	fail "the rehearsal stopped"
T="$WORK/r/transcript.html"
grep -q "Every device's audit log was exported and verified" "$T" || fail "audit section"
# Chromium wants a writable home for its profile
export HOME="$WORK"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,1400 \
	--screenshot="$WORK/t.png" "file://$T" >/dev/null 2>&1 || fail "chromium --screenshot"
chromium --headless --no-sandbox --disable-gpu --print-to-pdf="$WORK/t.pdf" \
	--no-pdf-header-footer "file://$T" >/dev/null 2>&1 || fail "chromium --print-to-pdf"
[ "$(head -c 8 "$WORK/t.png" | xxd -p)" = 89504e470d0a1a0a ] || fail "no PNG screenshot"
[ "$(head -c 5 "$WORK/t.pdf")" = "%PDF-" ] || fail "no PDF"
pages=$(grep -ac "/Type /Page$\|/Type /Page[^s]" "$WORK/t.pdf" || true)
[ "$(stat -c %s "$WORK/t.pdf")" -gt 20000 ] || fail "the PDF is nearly empty"
[ -n "${2:-}" ] && cp "$WORK/t.png" "$2"
echo "ok: screenshot $(stat -c %s "$WORK/t.png") bytes, PDF $(stat -c %s "$WORK/t.pdf") bytes, ${pages:-?} pages"
