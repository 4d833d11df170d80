#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# libhsmlab-trace.so never writes a secret: pkcs11-tool, through the trace module on a fresh
# strict lab, initialises a token (SO PIN), sets and changes the user PIN, logs in, imports
# an AES key and an RSA private key; no PIN (as text or hex) and no secret key or private
# key component (hex) may appear in the trace, while the calls that carried them are there
# with "<redacted>". Every line of that trace and of the shipped traces is valid JSON.
# Then the fresh recording of the shipped clients (fixtures/traces/record.sh) replays on
# hsmlab-strict, the module it was recorded on, without a divergence.
#   trace_redact.sh BUILD_DIR
set -eu
BUILD=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/hsmlab-trace-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
command -v python3 >/dev/null || fail "python3 is missing (ci/install-deps.sh installs it)"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is missing (ci/install-deps.sh installs it)"
MODULE="$BUILD/emulator/module/libhsmlab.so"
TRACE="$BUILD/bench/trace/libhsmlab-trace.so"
export HSMLAB_QUIET=1
export HSMLAB_CONF="$WORK/hsmlab.conf"
printf 'lab_dir = "%s/lab";\nprofile_dir = "%s/fixtures/profiles";\ndefault_profile = "strict";\n' \
	"$WORK" "$SRC" >"$HSMLAB_CONF"
"$BUILD/emulator/admin/hsmlab-admin" -m "$MODULE" lab create "$WORK/lab" >/dev/null
export HSMLAB_TRACE_MODULE="$MODULE" HSMLAB_TRACE_OUT="$WORK/t.jsonl"

SO=soS3cr3tPin
USR=usrS3cr3tPin
NEW=usrN3wS3cr3t
P11() { LD_PRELOAD=${HSMLAB_ASAN_PRELOAD:-} pkcs11-tool --module "$TRACE" "$@" >>"$WORK/p11.log" 2>&1 || fail "pkcs11-tool $*"; }
P11 --slot-index 0 --init-token --label redact --so-pin $SO
P11 --token-label redact --login --login-type so --so-pin $SO --init-pin --pin $USR
P11 --token-label redact --login --pin $USR --change-pin --new-pin $NEW
# The imports go to a trace of their own too, replayed below.
head -c 16 /dev/urandom >"$WORK/aes.bin"
echo "a message to sign, not a secret" >"$WORK/msg"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/rsa.pem" 2>/dev/null
for i in 1 2; do
	out="$WORK/t.jsonl"
	[ $i = 1 ] || out="$WORK/import.jsonl"
	HSMLAB_TRACE_OUT=$out P11 --token-label redact --login --pin $NEW \
		--write-object "$WORK/aes.bin" --type secrkey --key-type AES:16 --label sk$i
	HSMLAB_TRACE_OUT=$out P11 --token-label redact --login --pin $NEW \
		--write-object "$WORK/rsa.pem" --type privkey --label pk$i
	HSMLAB_TRACE_OUT=$out P11 --token-label redact --login --pin $NEW --sign --label pk$i \
		--mechanism SHA256-RSA-PKCS --input-file "$WORK/msg" --output-file "$WORK/sig$i"
done

# The calls that carried secrets are in the trace, redacted.
for fn in C_InitToken C_InitPIN C_SetPIN C_Login C_CreateObject; do
	grep -q "\"fn\":\"$fn\".*<redacted>" "$WORK/t.jsonl" || fail "no redacted $fn in the trace"
done
grep -q '"name":"CKA_PRIVATE_EXPONENT","len":2[0-9][0-9],"value":"<redacted>"' "$WORK/t.jsonl" ||
	fail "the private exponent's record (length kept, value redacted) is missing"
# No secret, in any form.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
for s in $SO $USR $NEW "$(hex $SO)" "$(hex $USR)" "$(hex $NEW)" \
	"$(od -An -tx1 "$WORK/aes.bin" | tr -d ' \n')"; do
	! grep -qi "$s" "$WORK/t.jsonl" || fail "secret \"$s\" in the trace"
done
for part in privateExponent prime1 prime2 exponent1 exponent2 coefficient; do
	v=$(openssl pkey -in "$WORK/rsa.pem" -text -noout |
		awk -v p="$part:" '$1 == p { on = 1; next } on && /^[^ ]/ { on = 0 } on' |
		tr -d ' :\n' | sed 's/^00//')
	[ ${#v} -gt 100 ] || fail "could not read $part from the key"
	! grep -qi "$v" "$WORK/t.jsonl" || fail "$part in the trace"
done

# The same search finds what is not secret: the modulus went in with the private key.
m=$(openssl pkey -in "$WORK/rsa.pem" -text -noout |
	awk '$1 == "modulus:" { on = 1; next } on && /^[^ ]/ { on = 0 } on' | tr -d ' :\n' |
	sed 's/^00//')
grep -qi "$m" "$WORK/t.jsonl" || fail "the public modulus is not in the trace: the search is blind"

# Every line of every trace is one JSON object.
for f in "$WORK/t.jsonl" "$SRC"/fixtures/traces/*.jsonl; do
	python3 - "$f" <<'PY' || fail "$f: invalid JSON Lines"
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    rec = json.loads(line)
    assert isinstance(rec, dict) and "fn" in rec and "rv" in rec and "tid" in rec, f"line {n}"
PY
done

# Threads write whole records: the bench's 2-thread signing workload through the trace
# module, every line one JSON object, records from two threads of one process.
HSMLAB_TRACE_LIB="$TRACE" HSMLAB_BENCH_FIXTURES="$SRC/fixtures/conformance" \
	"$BUILD/bench/hsmlab-bench" perf -q --smoke --no-raw --keep \
	-t "$SRC/fixtures/traces/hsmlab-strict-traced.conf" >"$WORK/perf.out" 2>"$WORK/perf.err" ||
	fail "perf through the trace module: $(tail -2 "$WORK/perf.err")"
run=$(sed -n 's/^perf: run directory kept: //p' "$WORK/perf.err")
[ -n "$run" ] && mv "$run" "$WORK/perf-run" || fail "perf kept no run directory"
python3 - "$WORK/perf-run/hsmlab-strict-traced/trace.jsonl" <<'PY' || fail "threaded trace"
import collections, json, sys
threads = collections.defaultdict(set)
for n, line in enumerate(open(sys.argv[1]), 1):
    rec = json.loads(line)
    if rec["fn"] == "C_Sign":
        threads[rec["pid"]].add(rec["tid"])
assert any(len(t) >= 2 for t in threads.values()), "no process signed from two threads"
PY

# HSMLAB_TRACE_BUFFER: the same records as unbuffered, in order, the last (C_Finalize)
# included, none twice; and far fewer writes (one per batch, not per record).
loop="$BUILD/tests/emulator/module/hsmlab-signloop"
for b in 0 4096; do
	HSMLAB_TRACE_BUFFER=$b HSMLAB_TRACE_MODULE="$BUILD/emulator/module/libhsmlab.so" \
		HSMLAB_TRACE_OUT="$WORK/buf$b.jsonl" strace -f -c -e trace=writev -o "$WORK/st$b" \
		"$loop" "$TRACE" 300 >/dev/null || fail "signloop traced (buffer $b)"
	python3 -c 'import json,sys; print("\n".join(str(json.loads(l)["n"]) + " " +
json.loads(l)["fn"] for l in open(sys.argv[1])))' "$WORK/buf$b.jsonl" >"$WORK/seq$b" ||
		fail "buffer $b: invalid JSON Lines"
done
cmp -s "$WORK/seq0" "$WORK/seq4096" || fail "a buffered trace differs from an unbuffered one"
[ "$(tail -1 "$WORK/seq4096" | cut -d' ' -f2)" = C_Finalize ] || fail "the last batch was lost"
w0=$(awk '$NF == "writev" { print $4 }' "$WORK/st0")
w1=$(awk '$NF == "writev" { print $4 }' "$WORK/st4096")
[ -n "$w0" ] && [ -n "$w1" ] && [ "$w1" -lt $((w0 / 10)) ] ||
	fail "buffering did not batch the writes ($w0 unbuffered, $w1 buffered)"

# Imported keys replay as equivalent keys: a random AES key of the same size, a fresh
# RSA-2048 key in place of the redacted one; the private key works (it signs) on strict.
"$BUILD/bench/hsmlab-bench" replay -q "$WORK/import.jsonl" -m strict --fail-on-divergence \
	-o "$WORK/import" >/dev/null 2>&1 || fail "imports on strict: $(cat "$WORK/import/divergences.md")"
grep -q "RSA-2048 private key made again" "$WORK/import/replay.json" ||
	fail "the replay did not make the private key again"

# The shipped clients recorded again now, replayed on the module they were recorded on.
"$SRC/fixtures/traces/record.sh" "$BUILD" "$WORK" >/dev/null
for t in ceremony ksr-signer pkcs11-tool-test; do
	"$BUILD/bench/hsmlab-bench" replay -q "$WORK/$t.jsonl" -m strict --fail-on-divergence \
		--divergences "$WORK/$t.md" >/dev/null 2>&1 || fail "$t on hsmlab-strict: $(cat "$WORK/$t.md")"
done
# CK_UTF8CHAR fields are UTF-8 text in the trace as in the token: a label with non-ASCII
# letters reads back as the same label (not as one Latin-1 character per byte).
LABEL="Schlüssel Ω"
HSMLAB_TRACE_OUT="$WORK/utf8.jsonl" P11 --slot-index 0 --init-token --label "$LABEL" --so-pin $SO
HSMLAB_TRACE_OUT="$WORK/utf8.jsonl" P11 --list-token-slots
python3 - "$WORK/utf8.jsonl" "$LABEL" <<'PY' || fail "a UTF-8 token label did not survive the trace"
import json, sys
seen = set()
def walk(v):
    if isinstance(v, dict):
        for x in v.values(): walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
    elif isinstance(v, str):
        seen.add(v)
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    if rec["fn"] in ("C_InitToken", "C_GetTokenInfo"):
        walk(rec)
assert sys.argv[2] in seen, sorted(s for s in seen if "Schl" in s)
PY
echo "ok: secrets redacted, JSON valid, fresh recordings replay on strict unchanged"
