#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A stand-in for IANA's kskm-ksrsigner for the bench's tests: it takes that tool's command
# line (--config FILE.yaml --schema NAME [--previous_skr SKR] --force KSR SKR) and the YAML
# shape the scenario template signer-kskm-ksrsigner.conf writes (hsm: NAME: module/pin/env;
# keys: ksk_current/ksk_next: label/valid_from/valid_until), and signs with ksr-signer
# (KSR_SIGNER, else in PATH): the YAML becomes a libconfig file, the schema one of
# ksr-signer's built-in schemas of the same name. Each hsm entry's name is its token label.
# The PIN goes to ksr-signer through the environment, never a file. Exit: ksr-signer's.
set -eu
config= schema=normal previous= force=
while [ $# -gt 0 ]; do
	case "$1" in
	--config) config=$2; shift 2 ;;
	--schema) schema=$2; shift 2 ;;
	--previous_skr) previous=$2; shift 2 ;;
	--force) force=--force; shift ;;
	--*) echo "kskm-ksrsigner (wrapper): unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] && [ -n "$config" ] || {
	echo "usage: kskm-ksrsigner --config FILE [--schema NAME] [--previous_skr SKR] [--force] KSR SKR" >&2
	exit 2
}
[ -r "$config" ] || { echo "kskm-ksrsigner (wrapper): cannot read $config" >&2; exit 2; }
conf=$(mktemp /tmp/kskm-wrapper.XXXXXX)
trap 'rm -f "$conf"' EXIT

# One pass over the YAML: sections at column 0, entries at 2, their fields at 4. A field's
# value is the text after "key: "; valid_* lose the "+00:00" libconfig times do not take.
KSKM_WRAPPER_PIN=$(awk -v out="$conf" '
function flush_key() {
	if (kname == "") return
	line = sprintf("  { label = \"%s\";", label[kname])
	if (vf[kname] != "") line = line sprintf(" valid_from = \"%s\";", vf[kname])
	if (vu[kname] != "") line = line sprintf(" valid_until = \"%s\";", vu[kname])
	keys = keys (keys == "" ? "" : ",\n") line " }"
	kname = ""
}
/^[^ #-]/ { flush_key(); section = $1; sub(":", "", section); next }
section == "hsm" && /^  [^ ]/ { name = $1; sub(":", "", name); hsm[++nh] = name; next }
section == "hsm" && /^    module:/ { mod[nh] = $2; next }
section == "hsm" && /^    pin:/ { pin = $2; next }
section == "keys" && /^  [^ ]/ { flush_key(); kname = $1; sub(":", "", kname); next }
section == "keys" && /^    label:/ { label[kname] = $2; next }
section == "keys" && /^    valid_from:/ { v = $2; sub(/\+00:00$/, "", v); vf[kname] = v; next }
section == "keys" && /^    valid_until:/ { v = $2; sub(/\+00:00$/, "", v); vu[kname] = v; next }
END {
	flush_key()
	printf "modules = (\n" > out
	for (i = 1; i <= nh; i++)
		printf "%s  { name = \"%s\"; library = \"%s\"; token = \"%s\"; pin = \"env:KSKM_WRAPPER_PIN\"; }", \
			(i > 1 ? ",\n" : ""), hsm[i], mod[i], hsm[i] > out
	printf "\n);\nksks = (\n%s\n);\n", keys > out
	cur = label["ksk_current"]; nxt = label["ksk_next"]
	printf "roles = { current = \"%s\"; next = \"%s\"; };\n", cur, (nxt != "" ? nxt : cur) > out
	print pin
}' "$config")
export KSKM_WRAPPER_PIN
signer=${KSR_SIGNER:-ksr-signer}
rc=0
if [ -n "$previous" ]; then
	"$signer" --config "$conf" $force --schema "$schema" --previous "$previous" "$1" "$2" || rc=$?
else
	"$signer" --config "$conf" $force --schema "$schema" "$1" "$2" || rc=$?
fi
exit $rc
