#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian 12 packages hsmlab needs to build, test and run its bench.
# Idempotent: installs only what is missing, so a second run costs a dpkg query.
set -euo pipefail

packages=(
	# build
	build-essential cmake ninja-build pkg-config clang-format
	# the fuzz targets (ci/fuzz.sh): clang and its libFuzzer/sanitizer runtimes
	clang libclang-rt-14-dev
	# libraries
	libssl-dev libsqlite3-dev libxml2-dev libldns-dev libconfig-dev libgfshare-dev
	libp11-kit-dev libcriterion-dev
	# the reference module, real clients and tools the tests and the bench drive
	softhsm2 libsofthsm2 opensc gnutls-bin p11-kit libengine-pkcs11-openssl openssl
	ldnsutils libfaketime faketime sqlite3 libxml2-utils dns-root-data xxd jq
	python3 procps
	# the bench's timeline render check and the rehearsal transcript's (headless)
	chromium
	# man pages from each tool's --help; the rehearsal's terminal test
	help2man tmux
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
echo "install-deps: done"
