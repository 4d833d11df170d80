#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# A conformance run (and so a fingerprint) on a user's own token leaves it as it found it: the
# suite's objects (labels hsmlab-conf*) are destroyed at the end, the user's key stays.
#   own_token.sh BENCH ADMIN MODULE
set -euo pipefail
bench=${1:?usage: own_token.sh BENCH ADMIN MODULE} admin=${2:?admin} module=${3:?module}
tmp=$(mktemp -d /tmp/hsmlab-own-token-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export HSMLAB_CONF=$tmp/hsmlab.conf
printf 'lab_dir = "%s/lab";\n' "$tmp" >"$HSMLAB_CONF"
A() { "$admin" -m "$module" --so-pin 12345678 --pin 87654321 "$@"; }
A lab create "$tmp/lab" >/dev/null
serial=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
[ -n "$serial" ] || fail "device create named no serial"
A token init "$serial" mine >/dev/null
# pkcs11-tool is no sanitizer build: under ASan its runtime is preloaded (leaks are the
# module's business in its own tests, not pkcs11-tool's).
p11() {
	ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=${HSMLAB_ASAN_PRELOAD:-} \
		pkcs11-tool --module "$module" --token-label mine --login --pin 87654321 "$@"
}
p11 --keypairgen --key-type rsa:2048 --label KSK-mine >/dev/null 2>&1 || fail "user key"
cat >"$tmp/mine.conf" <<CONF
name = "mine";
module = "$module";
env = [ "HSMLAB_CONF=$HSMLAB_CONF" ];
init = false;
token = "mine";
user_pin = "87654321";
CONF
rc=0
"$bench" conformance -q --write-expect "$tmp/exp" "$tmp/mine.conf" >"$tmp/out" 2>&1 || rc=$?
[ "$rc" -le 1 ] || fail "conformance on the user's token (exit $rc): $(tail -3 "$tmp/out")"
# the suite did make its keys (else this test proves nothing)
grep -q '^key.without_id = id=empty,found-by-label=1' "$tmp/exp/mine.expect" ||
	fail "the suite made no key: $(grep key.without_id "$tmp/exp/mine.expect")"
p11 -O 2>/dev/null | sed -n 's/^ *label: *//p' | sort -u >"$tmp/labels"
[ "$(cat "$tmp/labels")" = KSK-mine ] ||
	fail "the token holds other objects than the user's key: $(tr '\n' ' ' <"$tmp/labels")"
echo "ok: only KSK-mine left on the user's token"
