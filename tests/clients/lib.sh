# SPDX-License-Identifier: BSD-2-Clause
# Shared set-up for the real-client tests: a throw-away token store for the module under test.
# Usage: . lib.sh; setup_module MODULE_PATH   (exports the env the module reads, sets $MODULE)
# Works for hsmlab modules (HSMLAB_CONF → a fresh lab) and SoftHSMv2 (SOFTHSM2_CONF).

set -euo pipefail

# Overridable per module (the CMake file sets them): Luna PINs are 8-255 characters (quirk
# L10), so the vendor modules get 8-digit PINs.
SO_PIN=${SO_PIN:-12345678}
USER_PIN=${USER_PIN:-123456}
WORK=$(mktemp -d /tmp/hsmlab-client-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n== %s\n' "$*"; }

# check NAME CMD...: runs one check. A check named in $SKIP is not run (the reason is in the
# CMake file that sets it). A check named in $XFAIL (space separated) is a known
# failure of the module under test (say, SoftHSMv2's): it must fail, and passing is reported,
# so the list never goes stale.
check() {
	local name=$1
	shift
	step "$name"
	if [[ " ${SKIP:-} " == *" $name "* ]]; then
		echo "skipped on $(basename "$MODULE") (SKIP)"
	elif [[ " ${XFAIL:-} " == *" $name "* ]]; then
		if "$@" >"$WORK/xfail.log" 2>&1; then
			fail "$name: expected to fail on $MODULE (XFAIL) but passed"
		fi
		echo "expected failure on $(basename "$MODULE"): $(tail -n 3 "$WORK/xfail.log" | tr '\n' ' ')"
	else
		"$@"
	fi
}
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

setup_module() {
	MODULE=$1
	[ -f "$MODULE" ] || fail "module not found: $MODULE"
	case "$(basename "$MODULE")" in
	libsofthsm2.so)
		mkdir -p "$WORK/tokens"
		printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
			"$WORK/tokens" >"$WORK/softhsm2.conf"
		export SOFTHSM2_CONF=$WORK/softhsm2.conf
		;;
	libhsmlab*.so)
		printf 'lab_dir = "%s/lab";\n' "$WORK" >"$WORK/hsmlab.conf"
		export HSMLAB_CONF=$WORK/hsmlab.conf
		export HSMLAB_PROFILE_DIR=${HSMLAB_PROFILE_DIR:-$HSMLAB_SOURCE_DIR/fixtures/profiles}
		[ -x "${HSMLAB_ADMIN:-}" ] || fail "HSMLAB_ADMIN (the hsmlab-admin binary) not set"
		"$HSMLAB_ADMIN" --module "$MODULE" lab create "$WORK/lab"
		;;
	*) fail "unknown module kind: $MODULE" ;;
	esac
}

# init_token LABEL: initialises the first free token with SO_PIN and USER_PIN the way the
# module's devices are set up: through PKCS#11 (pkcs11-tool --init-token, --init-pin) for
# SoftHSMv2 and the strict module; through the vendor's console sequence (hsmlab-admin
# token init, cards written under $WORK/cards) for the vendor modules, whose devices refuse
# a bare C_InitToken (K7: only the vendor's tool initialises a Keyper; L12: a Luna partition
# needs its HSM initialised first).
init_token() {
	case "$(basename "$MODULE")" in
	libhsmlab-*.so)
		local slot
		slot=$(pkcs11-tool --module "$MODULE" -L 2>/dev/null |
			awk '/^Slot [0-9]+/ { s = $3 } /uninitialized/ { print s; exit }' | tr -d '():')
		[ -n "$slot" ] || fail "no uninitialized token offered"
		"$HSMLAB_ADMIN" --module "$MODULE" --so-pin "$SO_PIN" --pin "$USER_PIN" \
			--cards "$WORK/cards" token init "$((slot))" "$1" >/dev/null ||
			fail "hsmlab-admin token init $1"
		;;
	*)
		local idx
		idx=$(free_slot_index)
		[ -n "$idx" ] || fail "no uninitialized token offered"
		pkcs11-tool --module "$MODULE" --slot-index "$idx" --init-token --label "$1" \
			--so-pin "$SO_PIN" >/dev/null || fail "pkcs11-tool --init-token $1"
		pkcs11-tool --module "$MODULE" --token-label "$1" --init-pin --so-pin "$SO_PIN" \
			--pin "$USER_PIN" >/dev/null || fail "pkcs11-tool --init-pin $1"
		;;
	esac
}

# The first slot whose token is not initialized (CKF_TOKEN_INITIALIZED clear).
free_slot_index() {
	pkcs11-tool --module "$MODULE" -L 2>/dev/null |
		awk '/^Slot [0-9]+/ { n++ } /uninitialized/ { print n - 1; exit }'
}
