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
. "$(dirname "$0")/famlab.sh" # fam_lab, fail, pkcs11-tool (ASan runtime preloaded)
fam_lab ceremony
KEYPER=$MODDIR/libhsmlab-keyper.so
LUNA=$MODDIR/libhsmlab-luna.so
PIN=87654321
SO=12345678
# run CMD...: shows the command (paths shortened) and its output in the transcript.
run() {
	local shown=${*//$WORK/\$LAB}
	shown=${shown//$MODDIR\//}
	shown=${shown//$ADMIN/hsmlab-admin}
	shown=${shown//--so-pin $SO --pin $PIN --card-pin card-pin/\$OPTS}
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
echo '## Keyper: two devices set up by the vendor sequence (K7, K10), the KSK "Klajeyz"' >>"$WORK/t.txt"
# Device 1 from the factory: SO cards, the SMK split 5 of 7 over SMK cards, operator cards
# (3 of 7 activate), the vendor's init step, activation by three operator cards.
KC=$WORK/keyper-cards
A keyper device create
A keyper device create
A keyper clock set 1 2024-04-25T16:00:00Z
A keyper clock set 2 2024-04-25T16:00:00Z
A keyper keyper so-cards 1 "$KC/1"
A keyper domain create 1 smk-2010 "$WORK/smk-cards" 5 7
A keyper keyper op-cards 1 "$KC/1" "$KC/1/keyper-so-1.card"
A keyper keyper init 1 KSK-east "$KC/1/keyper-so-1.card"
refused CKR_FUNCTION_FAILED run pkcs11-tool --module "$KEYPER" --slot 1 --login --pin $PIN -O
refused "too few" A keyper keyper activate 1 "$KC"/1/keyper-op-{2,5}.card
A keyper keyper activate 1 "$KC"/1/keyper-op-{2,5,7}.card
# Device 2 joins the same SMK from five of its cards before its own init step.
A keyper keyper so-cards 2 "$KC/2"
refused "too few" A keyper domain load 2 smk-2010 "$WORK"/smk-cards/keyper-smk-{1,2,3,4}.card
A keyper domain load 2 smk-2010 "$WORK"/smk-cards/keyper-smk-{7,2,5,1,3}.card
A keyper keyper op-cards 2 "$KC/2" "$KC/2/keyper-so-1.card"
A keyper keyper init 2 KSK-west "$KC/2/keyper-so-1.card"
A keyper keyper activate 2 "$KC"/2/keyper-op-{1,3,4}.card
A keyper keyper state 2
run pkcs11-tool --module "$KEYPER" --slot 1 --login --pin $PIN --keypairgen \
	--key-type rsa:2048 --label Klajeyz --id 01 >/dev/null
A keyper key backup 1 Klajeyz "$WORK/klajeyz.hlkypr"
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
# Device 1 from the factory (L12): leave Secure Transport Mode after checking the random user
# string and the state fingerprint, hard init (password), the partition and its Partition SO,
# the Crypto Officer. The other three are set up by token init, which runs the same steps.
run "$ADMIN" -f luna luna stm show "${L[1]}" | tee "$WORK/stm.txt"
STR=$(sed -n 's/^random user string: //p' "$WORK/stm.txt")
FPR=$(sed -n 's/^state fingerprint: *//p' "$WORK/stm.txt")
refused "Secure Transport Mode" run "$ADMIN" -f luna --so-pin $SO luna hsm init "${L[1]}" KSK-HSM ksk-domain
run "$ADMIN" -f luna --so-pin PASSWORD luna stm recover "${L[1]}" "$STR" "$FPR"
run "$ADMIN" -f luna --so-pin $SO luna hsm init "${L[1]}" KSK-HSM ksk-domain
run "$ADMIN" -f luna --so-pin $SO --pin $SO luna partition create "${L[1]}" KSK-1 ksk-domain
run "$ADMIN" -f luna --so-pin $SO --pin $PIN luna role init co "${L[1]}"
A luna luna status "${L[1]}"
for i in 2 3 4; do A luna token init "${L[i]}" "KSK-$((i <= 2 ? 1 : 2))"; done
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
# L13: a Luna export verifies on any device of the same domain, not only its own (a Keyper's
# log verifies on its own device: nothing public says more of it).
A luna audit verify "${L[3]}" "$WORK/audit-luna-1.txt"

if [ "$OUT" != /dev/null ]; then
	{
		echo '# The 2024 ceremony story, as run'
		echo
		echo 'Produced by `tests/emulator/families/ceremony_2024.sh` (the `test_families_ceremony`'
		echo 'test runs the same script). `$LAB` is the throw-away lab directory; hashes and serials'
		echo 'change from run to run. `$OPTS` stands for `--so-pin 12345678 --pin 87654321'
		echo '--card-pin card-pin` (the SO PIN, the user PIN and the card PIN).'
		echo
		awk '/^## /{ if (open) print "```"; print ""; print; print ""; print "```"; open = 1; next }
		     NR == 1 { print "```"; open = 1 } { print } END { if (open) print "```" }' "$WORK/t.txt"
	} >"$OUT"
fi
echo "ceremony story: OK"
