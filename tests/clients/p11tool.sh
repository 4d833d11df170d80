#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# GnuTLS's p11tool against a module: token listing, RSA and EC key generation, --test-sign.
# Usage: [XFAIL='check names'] p11tool.sh MODULE_PATH
. "$(dirname "$0")/lib.sh"
setup_module "$1"
# p11tool reads PINs from these instead of prompting.
export GNUTLS_PIN=$USER_PIN GNUTLS_SO_PIN=$SO_PIN
# stdin closed: p11tool prompts ("insert token", a PIN) instead of failing; never wait.
p11() { p11tool --provider="$MODULE" "$@" </dev/null; }

step "initialise a token (lib.sh init_token), then list it with p11tool"
init_token gnutls-token
p11 --list-tokens | tee "$WORK/token-list"
url=$(p11 --list-token-urls | grep 'token=gnutls-token' | head -n 1)
[ -n "$url" ] || fail "p11tool does not see the token"

check generate-rsa p11 --login --generate-privkey=rsa --bits=2048 --label=gnutls-rsa "$url"
check generate-ec p11 --login --generate-privkey=ecdsa --curve=secp256r1 --label=gnutls-ec "$url"
list_privkeys() {
	p11 --login --list-privkeys "$url" >"$WORK/keys" || return
	cat "$WORK/keys"
	grep -q "gnutls-rsa" "$WORK/keys" || fail "RSA key not listed"
}
check list-privkeys list_privkeys

# --test-sign signs with the private key and verifies with the public one, both through
# the module, for RSA PKCS#1 v1.5 (and RSA-PSS where announced) and ECDSA.
check test-sign-rsa p11 --login --test-sign "$url;object=gnutls-rsa;type=private"
check test-sign-ec p11 --login --test-sign "$url;object=gnutls-ec;type=private"

echo "p11tool: all steps passed against $MODULE"
