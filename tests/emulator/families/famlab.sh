# SPDX-License-Identifier: BSD-2-Clause
# hsmlab family test scripts: a throw-away lab under /tmp, sourced by the kill -9 scripts.
# fam_lab NAME: makes WORK (removed on exit; under FAM_TMPDIR, default /tmp) with a config
# naming WORK/lab and points HSMLAB_CONF at it; fail MESSAGE exits 1; pkcs11-tool runs with
# the ASan runtime preloaded when the build is sanitized (it is no sanitizer build itself).
fam_lab() {
	WORK=$(mktemp -d "${FAM_TMPDIR:-/tmp}/hsmlab-$1-XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	export HSMLAB_PROFILE_DIR=${HSMLAB_PROFILE_DIR:-$HSMLAB_SOURCE_DIR/fixtures/profiles}
	export HSMLAB_QUIET=1
	printf 'lab_dir = "%s/lab";\n' "$WORK" >"$WORK/hsmlab.conf"
	export HSMLAB_CONF=$WORK/hsmlab.conf
}
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pkcs11-tool() { LD_PRELOAD=${HSMLAB_ASAN_PRELOAD:-} command pkcs11-tool "$@"; }
# fam_luna_pair ADMIN MODDIR: a lab with two Luna devices whose tokens the console set up
# (PINs 12345678 / 87654321, cards in WORK/cards), in one cloning domain (WORK/ikeys, 1 of
# 1). Sets OPTS (the console's options), SRC and DST (serials: L5 slot ids are virtual) and
# SRC_SLOT (the source's slot id as the console lists it); A runs the console.
fam_luna_pair() {
	OPTS=(-m "$2/libhsmlab-luna.so" --so-pin 12345678 --pin 87654321 --cards "$WORK/cards")
	"$1" -m "$2/libhsmlab-luna.so" lab create "$WORK/lab" >/dev/null
	mkdir "$WORK/ikeys"
	SRC=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
	DST=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
	[ -n "$SRC" ] && [ -n "$DST" ] || fail "device create named no serial"
	A token init "$SRC" src >/dev/null
	A token init "$DST" dst >/dev/null
	A domain create "$SRC" dom "$WORK/ikeys" 1 1 >/dev/null
	A domain load "$DST" dom "$WORK/ikeys/luna-domain-1.card" >/dev/null
	SRC_SLOT=$(A device list | awk -v s="$SRC" '$2 == s { print $1 }')
}
A() { "$ADMIN" "${OPTS[@]}" "$@"; }
# fam_kill_child PID: kill -9 a running hsmlab-admin child of PID (the loop that restarts
# it), retrying while the one found has just finished (a console step takes some 30 ms);
# status 0 when one was killed in flight (not a zombie).
fam_kill_child() {
	local try child state
	for try in 1 2 3 4 5 6 7 8 9 10; do
		child=$(pgrep -P "$1" -n hsmlab-admin || true)
		[ -n "$child" ] || continue
		state=$(ps -o stat= -p "$child" 2>/dev/null || true)
		[ -n "$state" ] && [ "${state:0:1}" != Z ] || continue
		kill -9 "$child" 2>/dev/null && return 0
	done
	return 1
}
