#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# smoke.sh PREFIX SOURCE BUILD: runs hsmlab from its installed files only (PREFIX: a
# `cmake --install` prefix, or /usr for the package), in a scratch directory, with every
# HSMLAB_* variable unset, under strace: any file access into SOURCE or BUILD fails the test
# (the trees are "out of reach" without being moved, which other tests still need).
# Runs: each module with pkcs11-tool, `hsmlab-bench conformance` on an installed target, a
# short scenario, ksr-signer on a corpus KSR, and p11-kit list-modules (disabled by
# default, listed once enabled).
set -euo pipefail
prefix=$1 src=$(realpath "$2") build=$(realpath "$3")
fail() {
	echo "install smoke: $*" >&2
	exit 1
}
for v in $(env | sed -n 's/^\(HSMLAB_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
work=$(mktemp -d /tmp/hsmlab-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home
mkdir -p "$HOME"
cd "$work"
libdir=$(dirname "$(find "$prefix/lib" -name libhsmlab.so -print -quit)")
[ -f "$libdir/libhsmlab.so" ] || fail "no libhsmlab.so under $prefix/lib"
data=$prefix/share/hsmlab
# Every step runs under strace; the log is checked at the end.
traced() { strace -f -qq -e trace=%file -o "$work/trace.$#.$RANDOM" "$@"; }

for m in hsmlab hsmlab-keyper hsmlab-luna; do
	traced pkcs11-tool --module "$libdir/lib$m.so" -L >"$work/$m.slots" 2>&1 ||
		fail "pkcs11-tool -L on installed lib$m.so failed: $(tail -1 "$work/$m.slots")"
	grep -q "Slot 0" "$work/$m.slots" || fail "lib$m.so lists no slot"
done

traced "$prefix/bin/hsmlab-bench" conformance -o "$work/conf" hsmlab-strict >"$work/conf.log" 2>&1 ||
	fail "hsmlab-bench conformance hsmlab-strict failed: $(tail -2 "$work/conf.log")"
[ -s "$work/conf/conformance.md" ] || fail "conformance wrote no report"

traced "$prefix/bin/hsmlab-bench" scenario -o "$work/scn" "$data/scenarios/short-2q.conf" \
	>"$work/scn.log" 2>&1 || fail "hsmlab-bench scenario short-2q failed: $(tail -2 "$work/scn.log")"

# ksr-signer: a SoftHSMv2 token holding the legacy KSK1, the installed config and KSR.
export SOFTHSM2_CONF=$work/softhsm2.conf HSMLAB_TEST_PIN=1234
mkdir "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$work/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label KSK --so-pin 12345678 --pin 1234 >/dev/null
openssl pkey -in "$data/corpus/iana-legacy/rsa2048-1.key" -out "$work/ksk1.pem"
softhsm2-util --import "$work/ksk1.pem" --token KSK --label KSK1 --id 01 --pin 1234 >/dev/null
export HSMLAB_SOFTHSM2_MODULE
HSMLAB_SOFTHSM2_MODULE=$(find /usr/lib -name libsofthsm2.so -print -quit)
traced "$prefix/bin/ksr-signer" --force --config "$data/signer/legacy-2009-q4-2.conf" \
	"$data/corpus/iana-legacy/ksr-root-2009-q4-2.xml" "$work/skr.xml" >"$work/sign.log" 2>&1 ||
	fail "ksr-signer on the corpus KSR failed: $(tail -2 "$work/sign.log")"
grep -q "SignatureData" "$work/skr.xml" || fail "ksr-signer wrote no signatures"

# p11-kit: the installed module files are disabled; a copy without enable-in enables.
# list_modules DIR: p11-kit's view with DIR's files as its module configs (root: DIR bound
# over the system directory in a private mount namespace; else DIR as the user config).
list_modules() {
	if [ "$(id -u)" -eq 0 ]; then
		traced unshare -m sh -c 'mount --bind "$1" /usr/share/p11-kit/modules &&
			exec p11-kit list-modules' sh "$1"
	else
		rm -rf "$HOME/.config/pkcs11/modules" && mkdir -p "$HOME/.config/pkcs11"
		cp -r "$1" "$HOME/.config/pkcs11/modules" && traced p11-kit list-modules
	fi
}
mods=$prefix/share/p11-kit/modules
mkdir "$work/off" "$work/on"
for m in hsmlab hsmlab-keyper hsmlab-luna; do
	[ -f "$mods/$m.module" ] || fail "no p11-kit module file $mods/$m.module"
	cp "$mods/$m.module" "$work/off/"
	sed '/^enable-in:/d' "$mods/$m.module" >"$work/on/$m.module"
done
list_modules "$work/off" >"$work/p11.off" 2>&1
! grep -q "libhsmlab" "$work/p11.off" || fail "p11-kit lists hsmlab while disabled"
list_modules "$work/on" >"$work/p11.on" 2>&1
for m in hsmlab hsmlab-keyper hsmlab-luna; do
	grep -q "^$m: .*lib$m.so" "$work/p11.on" ||
		fail "p11-kit list-modules does not show $m once enabled: $(head -2 "$work/p11.on")"
done

# Nothing above may have touched the source or build tree.
if grep -h -e "\"$src[/\"]" -e "\"$build[/\"]" "$work"/trace.* >"$work/leaks"; then
	fail "installed files reached into the source/build tree: $(head -3 "$work/leaks")"
fi
echo "install smoke: ok ($prefix)"
