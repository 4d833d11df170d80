#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Fingerprint round trip: fingerprint a target into a profile, load that profile into the
# emulator's strict module (a fresh lab whose profile_dir holds only the fingerprint) and
# compare the two conformance columns row by row. Rows the registry cannot express are named
# in bench/README.md; this test takes them as an argument so a new difference fails it.
#   fingerprint_roundtrip.sh BENCH TARGET [--unimplemented-mechs] [CHECK-ID...]
# CHECK-IDs: rows allowed to differ. --unimplemented-mechs: a mech.* row the original has and
# the emulator lacks is allowed (a mechanism the emulator does not implement is not announced,
# whatever the profile lists); a mech.* row both have must still agree.
set -euo pipefail
bench=${1:?usage: fingerprint_roundtrip.sh BENCH TARGET [ALLOWED-ROW...]}
target=${2:?target}
shift 2
missing_mechs=0
family=
if [ "${1:-}" = --unimplemented-mechs ]; then
	missing_mechs=1
	shift
fi
build=${HSMLAB_BUILD_DIR:?}
src=${HSMLAB_SOURCE_DIR:?}
# A family module needs its hooks' switches, which no probe observes: take them from the
# shipped profile (--base); everything PKCS#11 shows comes from the fingerprint.
case $target in
hsmlab-keyper | hsmlab-luna)
	family="--family ${target#hsmlab-} --base $src/fixtures/profiles/${target#hsmlab-}.conf"
	;;
esac
tmp=$(mktemp -d /tmp/hsmlab-fp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/profiles"
"$bench" fingerprint "$target" $family -o "$tmp/profiles/fp.conf" >"$tmp/fp.out" ||
	fail "fingerprint of $target"
grep -q '^unknown (strict default kept): ' "$tmp/fp.out" || fail "no unknown list on stdout"
grep -q 'source = "field"' "$tmp/profiles/fp.conf" || fail "no field-sourced switch"

# An hsmlab target: the same target with its lab's profile_dir and default_profile pointed at
# the fingerprint (so a family module loads it with its own hooks). Anything else: the strict
# module in a fresh lab.
orig="$src/fixtures/conformance/$target.conf"
if grep -q 'default_profile' "$orig"; then
	sed -e "s|\${HSMLAB_DATA_DIR}/profiles|$tmp/profiles|" \
		-e 's|default_profile = \\"[a-z]*\\"|default_profile = \\"fp\\"|' \
		-e 's|^name = .*|name = "fingerprinted";|' -e '/^expect = /d' "$orig" >"$tmp/fp-target.conf"
	grep -q "$tmp/profiles" "$tmp/fp-target.conf" || fail "cannot retarget $orig"
else
	module="$build/emulator/module/libhsmlab.so"
	admin="$build/emulator/admin/hsmlab-admin"
	cat >"$tmp/fp-target.conf" <<CONF
name = "fingerprinted";
module = "$module";
files = ( { path = "\${WORKDIR}/hsmlab.conf";
            text = "lab_dir = \\"\${WORKDIR}/lab\\";\\nprofile_dir = \\"$tmp/profiles\\";\\ndefault_profile = \\"fp\\";\\n"; } );
env = [ "HSMLAB_CONF=\${WORKDIR}/hsmlab.conf" ];
run = [ "'$admin' -m '$module' lab create '\${WORKDIR}/lab' >/dev/null" ];
init = true;
token = "hsmlab-bench";
so_pin = "12345678";
user_pin = "12345678";
CONF
fi
rc=0
"$bench" conformance -q --write-expect "$tmp/exp" "$target" "$tmp/fp-target.conf" || rc=$?
[ "$rc" -le 1 ] || fail "conformance run (exit $rc)"
# the expectation files list "id = observed" for each column; compare them row by row
strip() { grep -v '^#' "$1" | sort; }
diff <(strip "$tmp/exp/$target.expect") <(strip "$tmp/exp/fingerprinted.expect") \
	>"$tmp/diff" || true
bad=0
unimplemented=0
while IFS= read -r line; do
	id=${line#[<>] }
	id=${id%% = *}
	allowed=0
	for a in "$@"; do [ "$a" = "$id" ] && allowed=1; done
	if [ "$missing_mechs" = 1 ] && [ "${line:0:1}" = "<" ] && [ "${id#mech.}" != "$id" ] &&
		! grep -q "^> $id = " "$tmp/diff"; then
		allowed=1
		unimplemented=$((unimplemented + 1))
	fi
	[ "$allowed" = 1 ] || {
		echo "differs: $line" >&2
		bad=1
	}
done < <(grep '^[<>]' "$tmp/diff")
[ "$bad" = 0 ] || fail "$target: the fingerprinted profile does not reproduce its column"
echo "ok: $target round trip ($(grep -c '^[<>]' "$tmp/diff" || true) allowed line(s) differ," \
	"$unimplemented mechanism(s) the emulator does not implement)"
