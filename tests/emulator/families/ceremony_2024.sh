#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The 2024 story through the console and a real client (pkcs11-tool), as an operator would
# run it: two Keyper devices holding a KSK-2017-like key "Klajeyz" (SMK on SMK cards), four
# Luna devices in one cloning domain, a new KSK made on one Luna and restored onto the other
# three, the cross-vendor import refused, every copy signing identically, audit logs verified.
# Usage: ceremony_2024.sh ADMIN MODULE_DIR [TRANSCRIPT.md]
# The transcript (emulator/doc/ceremony-2024.md) is written when a third argument is given.
set -euo pipefail
ADMIN=$1
MODDIR=$2
OUT=${3:-/dev/null}
WORK=$(mktemp -d /tmp/hsmlab-ceremony-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export HSMLAB_PROFILE_DIR=${HSMLAB_PROFILE_DIR:-$HSMLAB_SOURCE_DIR/fixtures/profiles}
export HSMLAB_QUIET=1
printf 'lab_dir = "%s/lab";\n' "$WORK" >"$WORK/hsmlab.conf"
export HSMLAB_CONF=$WORK/hsmlab.conf
KEYPER=$MODDIR/libhsmlab-keyper.so
LUNA=$MODDIR/libhsmlab-luna.so
PIN=87654321
SO=12345678
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# pkcs11-tool is no sanitizer build: under ASan it needs the runtime preloaded (only it).
pkcs11-tool() { LD_PRELOAD=${HSMLAB_ASAN_PRELOAD:-} command pkcs11-tool "$@"; }
# run CMD...: shows the command (paths shortened) and its output in the transcript.
run() {
	local shown=${*//$WORK/\$LAB}
	shown=${shown//$MODDIR\//}
	shown=${shown//$ADMIN/hsmlab-admin}
	printf '$ %s\n' "$shown" | tee -a "$WORK/t.txt"
	"$@" 2>&1 | sed "s#$WORK#\$LAB#g" | tee -a "$WORK/t.txt"
	return "${PIPESTATUS[0]}"
}
refused() { # refused WHY CMD...: must fail saying WHY
	local why=$1
	shift
	if "$@" >"$WORK/r.txt" 2>&1; then fail "accepted: $*"; fi
	grep -q "$why" "$WORK/r.txt" || fail "refused without \"$why\": $(cat "$WORK/r.txt")"
}
A() { run "$ADMIN" -f "$1" --so-pin $SO --pin $PIN --card-pin card-pin "${@:2}"; }
p11() { pkcs11-tool --module "$1" "${@:2}" 2>/dev/null; }
sig() { # sig MODULE SLOT FILE: RSA-PKCS over a fixed DigestInfo with key id 01
	p11 "$1" --slot "$2" --login --pin $PIN --sign --mechanism RSA-PKCS --id 01 \
		--input-file "$WORK/digestinfo" --output-file "$3" >/dev/null
}
{
	printf '\060\061\060\015\006\011\140\206\110\001\145\003\004\002\001\005\000\004\040'
	printf 'root zone DNSKEY RRset' | openssl dgst -sha256 -binary
} >"$WORK/digestinfo"
[ "$(wc -c <"$WORK/digestinfo")" -eq 51 ] || fail "DigestInfo is not 51 bytes"
mkdir -p "$WORK/smk-cards" "$WORK/ikeys"

run "$ADMIN" lab create "$WORK/lab"
echo '## Keyper: two devices, SMK on 7 SMK cards (5 to recover), the KSK "Klajeyz"' >>"$WORK/t.txt"
A keyper device create
A keyper device create
A keyper token init 1 KSK-east
A keyper token init 2 KSK-west
A keyper clock set 1 2024-04-25T16:00:00Z
A keyper clock set 2 2024-04-25T16:00:00Z
A keyper domain create 1 smk-2010 "$WORK/smk-cards" 5 7
run pkcs11-tool --module "$KEYPER" --slot 1 --login --pin $PIN --keypairgen \
	--key-type rsa:2048 --label Klajeyz --id 01 >/dev/null
A keyper key backup 1 Klajeyz "$WORK/klajeyz.hlkypr"
refused "too few" A keyper domain load 2 smk-2010 "$WORK"/smk-cards/keyper-smk-{1,2,3,4}.card
A keyper domain load 2 smk-2010 "$WORK"/smk-cards/keyper-smk-{7,2,5,1,3}.card
A keyper key restore 2 "$WORK/klajeyz.hlkypr"
sig "$KEYPER" 1 "$WORK/k1.sig"
sig "$KEYPER" 2 "$WORK/k2.sig"
cmp "$WORK/k1.sig" "$WORK/k2.sig" || fail "the Keyper copy signs differently"
echo "(both Keypers sign identically)" | tee -a "$WORK/t.txt"
A keyper device show 1

echo '## Luna: four devices (two pairs), one cloning domain on 5 iKeys (3 to use)' >>"$WORK/t.txt"
# L5: a Luna's slot ids are virtual (never small): use the ones the console names.
L=(-)
for i in 1 2 3 4; do L+=("$(A luna device create | sed -n 's/^created device .* in slot //p')"); done
[ -n "${L[4]}" ] && [ "${L[1]}" -gt 255 ] || fail "Luna slot ids: ${L[*]} (L5: never small)"
for i in 1 2 3 4; do A luna token init "${L[i]}" "KSK-$((i <= 2 ? 1 : 2))"; done
A luna domain create "${L[1]}" ksk-domain "$WORK/ikeys" 3 5
for i in 2 3 4; do
	A luna domain load "${L[i]}" ksk-domain "$WORK"/ikeys/luna-domain-{2,4,5}.card
done
run pkcs11-tool --module "$LUNA" --slot "${L[1]}" --login --pin $PIN --keypairgen \
	--key-type rsa:2048 --label KSK-2024 --id 01 >/dev/null
A luna key backup "${L[1]}" KSK-2024 "$WORK/ksk2024.hlluna"
sig "$LUNA" "${L[1]}" "$WORK/l1.sig"
for i in 2 3 4; do
	A luna key restore "${L[i]}" "$WORK/ksk2024.hlluna"
	sig "$LUNA" "${L[i]}" "$WORK/l$i.sig"
	cmp "$WORK/l1.sig" "$WORK/l$i.sig" || fail "Luna copy $i signs differently"
done
echo "(all four Lunas sign identically)" | tee -a "$WORK/t.txt"

echo '## The migration that cannot happen' >>"$WORK/t.txt"
refused "other vendor family" A luna key restore "${L[2]}" "$WORK/klajeyz.hlkypr"
refused "other vendor family" A keyper key restore 2 "$WORK/ksk2024.hlluna"

echo '## Audit logs' >>"$WORK/t.txt"
for fam in keyper:1 keyper:2 luna:1 luna:2 luna:3 luna:4; do
	dev=${fam#*:}
	[ "${fam%:*}" = keyper ] || dev=${L[dev]}
	A "${fam%:*}" audit export "$dev" "$WORK/audit-${fam/:/-}.txt" >/dev/null
	A "${fam%:*}" audit verify "$dev" "$WORK/audit-${fam/:/-}.txt"
done
run grep -E 'restore|backup|cards' "$WORK/audit-luna-2.txt" | cut -d' ' -f1-7

if [ "$OUT" != /dev/null ]; then
	{
		echo '# The 2024 ceremony story, as run'
		echo
		echo 'Produced by `tests/emulator/families/ceremony_2024.sh` (the `test_families_ceremony`'
		echo 'test runs the same script). `$LAB` is the throw-away lab directory; hashes and serials'
		echo 'change from run to run.'
		echo
		awk '/^## /{ if (open) print "```"; print ""; print; print ""; print "```"; open = 1; next }
		     NR == 1 { print "```"; open = 1 } { print } END { if (open) print "```" }' "$WORK/t.txt"
	} >"$OUT"
fi
echo "ceremony story: OK"
