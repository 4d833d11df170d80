# SPDX-License-Identifier: BSD-2-Clause
# Shared by the signer's script tests: a throw-away SoftHSMv2 store, tokens, a KSK made by
# pkcs11-tool (a real client), configs for ksr-gen and ksr-signer, and libfaketime runs.
set -eu

BIN="${HSMLAB_BUILD_DIR}/signer"
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
PIN=12341234
export HSMLAB_TEST_PIN=$PIN

WORK=$(mktemp -d /tmp/hsmlab-signer-script.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$WORK" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The emulator's lab (only made when an emulator module is used).
export HSMLAB_CONF="$WORK/hsmlab.conf"
export HSMLAB_QUIET=1
ADMIN_BIN="${HSMLAB_BUILD_DIR}/emulator/admin/hsmlab-admin"
# The emulator's console is only a setup step here; its own tests judge its leaks.
ADMIN() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$ADMIN_BIN" "$@"; }
PROFILES="$(cd "$(dirname "$0")/../../fixtures/profiles" && pwd)"

# init_emulator_token MODULE LABEL: a lab, a fresh device, its token, through hsmlab-admin.
init_emulator_token() {
	if [ ! -f "$HSMLAB_CONF" ]; then
		printf 'lab_dir = "%s/lab";\nprofile_dir = "%s";\n' "$WORK" "$PROFILES" >"$HSMLAB_CONF"
		ADMIN -m "$1" lab create "$WORK/lab" >/dev/null || fail "hsmlab-admin lab create"
	fi
	slot=$(ADMIN -m "$1" device list | awk '$3 == "free" || $3 == "factory" { print $1; exit }')
	if [ -z "$slot" ]; then
		ADMIN -m "$1" device create >/dev/null || fail "hsmlab-admin device create"
		slot=$(ADMIN -m "$1" device list | awk '$3 == "free" || $3 == "factory" { print $1; exit }')
	fi
	ADMIN -m "$1" --so-pin 56785678 --pin $PIN token init "$slot" "$2" >/dev/null ||
		fail "hsmlab-admin token init $2"
}

# init_token MODULE LABEL: a token with SO PIN 56785678 and user PIN 12341234 (long enough
# for every profile, e.g. luna wants 7 characters or more).
init_token() {
	case "$(basename "$1")" in
	libhsmlab*.so)
		init_emulator_token "$1" "$2"
		return
		;;
	esac
	if [ "$1" = "${HSMLAB_SOFTHSM2_MODULE}" ]; then
		softhsm2-util --init-token --free --label "$2" --so-pin 56785678 --pin $PIN >/dev/null
	else
		pkcs11-tool --module "$1" --init-token --label "$2" --so-pin 56785678 >/dev/null
		pkcs11-tool --module "$1" --token-label "$2" --login --login-type so \
			--so-pin 56785678 --init-pin --pin $PIN >/dev/null
	fi
}

# gen_key MODULE TOKEN LABEL: an RSA-2048 key pair made on the token.
gen_key() {
	"${HSMLAB_BUILD_DIR}/tests/signer/signer-keytool" "$1" "$2" "$3" gen-rsa ||
		fail "keygen $3 on $1"
}

# at "YYYY-MM-DD HH:MM:SS" CMD...: run CMD with the clock at that time (libfaketime).
at() {
	when=$1
	shift
	# under the sanitizer build libfaketime is preloaded ahead of the ASan runtime
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD="$FAKETIME_LIB" FAKETIME="@$when" FAKETIME_DONT_FAKE_MONOTONIC=1 "$@"
}

KSK_POLICY=""
# write_configs KSK_MODULE ZSK_MODULE: $WORK/ksk.conf and $WORK/zsk.conf.
write_configs() {
	cat >"$WORK/zsk.conf" <<CONF
modules = ( { name = "zsk-hsm"; library = "$2"; token = "ZSK"; pin = "env:HSMLAB_TEST_PIN";
              env = { SOFTHSM2_CONF = "$SOFTHSM2_CONF"; HSMLAB_CONF = "$HSMLAB_CONF"; }; } );
ksr_gen = { keys = ["ZSK-A", "ZSK-B", "ZSK-C"]; create = true; };
CONF
	cat >"$WORK/ksk.conf" <<CONF
modules = ( { name = "ksk-hsm"; library = "$1"; token = "KSK"; pin = "env:HSMLAB_TEST_PIN";
              env = { SOFTHSM2_CONF = "$SOFTHSM2_CONF"; HSMLAB_CONF = "$HSMLAB_CONF"; }; } );
ksks = ( { label = "KSK-T"; algorithm = 8; size = 2048; exponent = 65537;
           valid_from = "2026-01-01T00:00:00"; valid_until = "2030-01-01T00:00:00"; } );
schema = "normal";
$KSK_POLICY
CONF
}
