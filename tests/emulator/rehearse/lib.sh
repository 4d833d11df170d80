# SPDX-License-Identifier: BSD-2-Clause
# Shared by the rehearsal tests: the tool, the shipped scripts, a throw-away folder.
set -euo pipefail
REHEARSE=$1
CEREMONIES="$HSMLAB_SOURCE_DIR/fixtures/ceremonies"
ANSWERS="$CEREMONIES/answers.conf"
WORK=$(mktemp -d /tmp/hsmlab-rehearse.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# The steps of a record, without what changes from run to run (serials, hashes, times):
# kind, step, role and the script's command.
steps_of() {
	jq -c 'select(.kind != "resume" and .kind != "audit") | [.kind, .step, .role, .script, .exit]' "$1"
}
