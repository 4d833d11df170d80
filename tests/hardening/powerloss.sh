#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Power loss at every write point: each operation below runs once under the powerloss.c shim
# to count its write points (write, fsync, rename, ... on files), then once per point N from
# the same starting lab, killed (SIGKILL) just before point N. After each stop: every store
# passes `pragma integrity_check`, and the lab's state (per device: the rows of each table,
# the meta keys with their sizes and short values; the files the operation writes, with
# their sizes) is exactly the state before the operation or the state after it: nothing
# half done, nothing committed lost. The operation then runs again to the end from there.
# Usage: powerloss.sh ADMIN MODULE_DIR SHIM [OPERATION...]   (default: all; see ops below)
set -euo pipefail
ADMIN=$1
MODDIR=$2
SHIM=$3
shift 3
# The walk models the process dying (the kernel keeps what was written), so the disk's
# fsync buys nothing here: on tmpfs each of the ~1,000 runs is a third faster, and the shim
# still counts every fsync as a write point. /tmp when /dev/shm is not there.
if [ -z "${FAM_TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export FAM_TMPDIR=/dev/shm
fi
# shellcheck source=../emulator/families/famlab.sh
. "$(dirname "$0")/../emulator/families/famlab.sh"
fam_lab powerloss
STATE=$WORK/state # the lab and every file an operation writes: what a snapshot holds
LAB=$STATE/lab
F=$STATE/files
printf 'lab_dir = "%s";\n' "$LAB" >"$HSMLAB_CONF"
STRICT=$MODDIR/libhsmlab.so LUNA=$MODDIR/libhsmlab-luna.so KEYPER=$MODDIR/libhsmlab-keyper.so
SO=12345678 PIN=87654321
# Not famlab's pkcs11-tool: that one sets LD_PRELOAD (for ASan) over the shim.
p11() { command pkcs11-tool --module "$MOD" "$@"; }
A() { "$ADMIN" -m "$MOD" --so-pin $SO --pin $PIN --cards "$F/cards" "$@"; }
serial() { sed -n 's/^created device \([^ ]*\) .*/\1/p'; }
fresh() { # fresh MODULE: an empty lab for that module's family
	MOD=$1
	rm -rf "$STATE"
	mkdir -p "$F/cards"
	A lab create "$LAB" >/dev/null
}

# The lab's state as text, stable across runs of the same operation (no random values, no
# times): what "old" and "new" are compared by. One sqlite3 a store (a process costs more
# than its queries, and the walk makes some 2,000 of these): its integrity check, written to
# $WORK/integrity for integrity() to judge, then the rows of each table and the meta keys
# with their sizes and short text values.
state_of() {
	local db line q=$WORK/tables.sql
	: >"$WORK/integrity"
	for db in "$LAB"/devices/*.db; do
		[ -f "$db" ] || continue
		echo "== ${db##*/}"
		# The console logs the Crypto Officer in before a key move and out after it: those
		# records are operations of their own, each committed alone, around the step
		# walked. The step's own records are what old and new differ by.
		sqlite3 "$db" "select 'integrity ' || integrity_check from pragma_integrity_check" \
			".output $q" \
			"select 'select ''' || name || ' rows '' || count(*) from \"' || name || '\"' ||
			case when name = 'hl_audit' then ' where event not in
			(''login'', ''logout'', ''sign-count'')' else '' end || ';'
			from sqlite_master where type = 'table' order by name" \
			".output stdout" ".read $q" \
			"select key, length(value), case when typeof(value) = 'text' and
			length(value) < 40 then value else '' end from meta order by key" \
			>"$WORK/scan" 2>&1 ||
			echo "${db##*/}: cannot open: $(cat "$WORK/scan")" >>"$WORK/integrity"
		# Read in the shell: a grep a store, times the walk's ~1,000 cuts, cost more
		# than the operations walked.
		while IFS= read -r line; do
			case $line in
			"integrity ok") ;;
			"integrity "*) echo "${db##*/}: $line" >>"$WORK/integrity" ;;
			*) echo "$line" ;;
			esac
		done <"$WORK/scan"
	done
	find "$F" -type f ! -name '*.tmp*' -printf 'file %P %s\n' | sort
}
# The bytes a cut left, as one hash: every file of the lab and of the operation (names and
# contents) but SQLite's shared-memory index, which the first open after a crash rebuilds
# from the WAL, and empty WALs, which read as none. The same bytes give the same state and
# the same completion run.
# (The digests themselves are the key: one process, no sort; an order that differs only
# makes two keys for the same bytes.)
bytes_of() {
	find "$STATE" -type f ! -name '*-shm' ! \( -name '*-wal' -size 0 \) -exec md5sum {} +
}
# Splits a state ($1) into its stores' lines (SPLIT_DB) and its files' (SPLIT_FILES), in
# the shell like everything done per cut.
split_state() {
	local line
	SPLIT_DB="" SPLIT_FILES=""
	while IFS= read -r line; do
		if [[ $line == "file "* ]]; then SPLIT_FILES+=$line$NL; else SPLIT_DB+=$line$NL; fi
	done <<<"$1"
}
# The files of a state ($1: split_state's files) are each the old or the new one (in $2 or
# $3), and no old file is gone; BAD_FILES gets what is not.
files_old_or_new() {
	local line
	local -A known=() have=()
	BAD_FILES=""
	while IFS= read -r line; do
		[ -z "$line" ] || known[$line]=1
	done <<<"$2$3"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		have[${line% *}]=1
		[ -n "${known[$line]+set}" ] || BAD_FILES+="neither old nor new: $line$NL"
	done <<<"$1"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		[ -n "${have[${line% *}]+set}" ] || BAD_FILES+="gone: $line$NL"
	done <<<"$2"
}
NL=$'\n'

# Every store passed its integrity check in the last state_of.
integrity() {
	[ ! -s "$WORK/integrity" ] || fail "$OP point $1: $(cat "$WORK/integrity")"
}
# Runs the operation under the shim; status 0 finished, 137 killed.
cut_at() {
	local rc=0
	LD_PRELOAD=$SHIM HSMLAB_POWERLOSS_AT=$1 HSMLAB_POWERLOSS_COUNT=$WORK/count \
		op_"$OP" >"$WORK/op.out" 2>&1 || rc=$?
	return $rc
}

# walk OP: the starting lab is what setup_OP left in STATE.
walk() {
	OP=$1
	rm -rf "$WORK/snap"
	cp -a "$STATE" "$WORK/snap"
	local old new old_db new_db now db points n rc verdict files old_files new_files
	local killed=0 finished=0 olds=0 news=0 mixed=0 aborts=0
	old=$(state_of)
	cut_at 0 || fail "$OP does not succeed without a cut: $(cat "$WORK/op.out")"
	points=$(cat "$WORK/count")
	new=$(state_of)
	[ "$old" != "$new" ] || fail "$OP changes nothing the walk can see"
	split_state "$old"
	old_db=$SPLIT_DB old_files=$SPLIT_FILES
	split_state "$new"
	new_db=$SPLIT_DB new_files=$SPLIT_FILES
	if declare -F "check_new_$OP" >/dev/null; then
		local left
		left=$("check_new_$OP")
		if [ -n "$left" ]; then
			echo "$OP: left behind after it finished: $left"
			if [[ " $KNOWN " == *" $OP "* ]]; then KNOWN_SEEN+=("$OP"); else HALF+=("$OP:left"); fi
		fi
	fi
	# Cuts that leave the same bytes share one reading of the state and one completion run:
	# the first is the starting lab's own (the count run went from it to its end).
	local key same=0
	declare -A state_by=() completed=()
	rm -rf "$STATE"
	cp -a "$WORK/snap" "$STATE"
	key=$(bytes_of)
	state_by[$key]=$old
	completed[$key]=1
	for n in $(seq 1 "$points"); do
		rm -rf "$STATE"
		cp -a "$WORK/snap" "$STATE"
		rc=0
		cut_at "$n" || rc=$?
		case $rc in
		137) killed=$((killed + 1)) ;;
		0) finished=$((finished + 1)) ;;
		*) fail "$OP point $n: failed instead of being cut (exit $rc): $(cat "$WORK/op.out")" ;;
		esac
		# An operation over two stores finishes on the next open (after_cut_OP: the clone's
		# resolution), and is judged after it.
		! declare -F "after_cut_$OP" >/dev/null || "after_cut_$OP" "$n"
		key=$(bytes_of)
		if [ -n "${state_by[$key]+set}" ]; then
			now=${state_by[$key]} # the same bytes passed the integrity check before
			same=$((same + 1))
		else
			now=$(state_of)
			integrity "$n"
			state_by[$key]=$now
		fi
		# The stores as a whole are old or new; each file is old or new on its own (a
		# card set cut halfway leaves some new cards beside an unchanged device: each
		# file whole, none adopted). A cut counts as new only when the stores and every
		# file are new: the stores alone do not say (an audit export changes no store).
		split_state "$now"
		db=$SPLIT_DB files=$SPLIT_FILES
		files_old_or_new "$files" "$old_files" "$new_files"
		judge "$db" "$old_db" "$new_db" $rc
		verdict=$VERDICT
		if [ -n "$BAD_FILES" ] || [ -z "$verdict" ]; then
			half_state "$n" "$rc" "$old" "$new" "$now"
			continue
		fi
		if [[ " $verdict " == *" new "* ]] && [ "$files" = "$new_files" ]; then
			news=$((news + 1))
		elif [[ " $verdict " == *" old "* ]] && [ "$files" = "$old_files" ]; then
			olds=$((olds + 1))
		elif [ "$verdict" = aborted ] && [ "$files" = "$old_files" ]; then
			aborts=$((aborts + 1))
		else
			mixed=$((mixed + 1)) # whole files, some old, some new
		fi
		[ -z "${HSMLAB_POWERLOSS_VERBOSE:-}" ] ||
			echo "$OP point $n: exit $rc, stores: $verdict, files:" \
				"$([ "$files" = "$new_files" ] && echo new || echo old)"
		# From whatever the cut left, the operation completes (or was complete).
		if { [[ " $verdict " != *" new "* ]] || [ "$files" != "$new_files" ]; } &&
			[ -z "${completed[$key]+set}" ]; then
			op_"$OP" >"$WORK/op.out" 2>&1 ||
				fail "$OP point $n: does not complete after the cut: $(cat "$WORK/op.out")"
			completed[$key]=1
		fi
	done
	echo "$OP: $points write points, $killed cut, $finished finished; state after each:" \
		"$olds old, $news new, $mixed old stores with whole new files beside," \
		"$aborts aborted (old, the abort recorded)"
	echo "$OP: $same cuts left bytes an earlier cut (or the starting lab) left: read and" \
		"completed once"
	! declare -F "report_$OP" >/dev/null || "report_$OP"
	[ -z "$HALF_OF_OP" ] || echo "$OP: half states at points $(ranges $HALF_OF_OP)"
	SUMMARY+=("$OP:$points")
	HALF_OF_OP=""
}

# The stores after a cut ($1; old $2, new $3; $4 the operation's exit), in VERDICT: "old",
# "new", both (an operation that writes only files), or what judge_OP says (the clone's
# "aborted"); empty when they are neither.
judge() {
	VERDICT=""
	if declare -F "judge_$OP" >/dev/null; then
		"judge_$OP" "$@"
		return
	fi
	[ "$1" != "$2" ] || [ "$4" -eq 0 ] || VERDICT="old"
	[ "$1" != "$3" ] || VERDICT="${VERDICT:+$VERDICT }new"
}

# "29:ab 30:ab 31:ab 40:cd" -> "29-31 (state ab), 40 (state cd)"
ranges() {
	local out="" first="" last="" cur="" p n sum
	for p in "$@" end:; do
		n=${p%%:*} sum=${p#*:}
		if [ -n "$first" ] && [ "$sum" = "$cur" ] && [ "$n" = $((last + 1)) ]; then
			last=$n
			continue
		fi
		if [ -n "$first" ]; then
			[ "$first" = "$last" ] && out+="$first" || out+="$first-$last"
			out+=" (state $cur), "
		fi
		first=$n last=$n cur=$sum
	done
	echo "${out%, }"
}

# A state that is neither: shown once per distinct state (the diff against both), listed by
# point; a known gap (KNOWN) is reported, anything else fails the walk.
half_state() {
	local sum
	sum=$(echo "$5" | md5sum | cut -c1-8)
	HALF_OF_OP+=" $1:$sum"
	if [[ " ${SEEN_HALF[*]} " != *" $sum "* ]]; then
		SEEN_HALF+=("$sum")
		echo "$OP point $1 (exit $2): state $sum is neither. Before -> it, after -> it:"
		diff <(echo "$3") <(echo "$5") | grep '^[<>]' | sed 's/^/    old /' || true
		diff <(echo "$4") <(echo "$5") | grep '^[<>]' | sed 's/^/    new /' || true
	fi
	if [[ " $KNOWN " == *" $OP "* ]]; then
		KNOWN_SEEN+=("$OP")
	else
		HALF+=("$OP@$1")
	fi
}

# -- the operations: setup_X makes the starting lab, op_X is the one step walked --
setup_strict_token_init() {
	fresh "$STRICT"
	A device create >/dev/null
}
op_strict_token_init() { p11 --init-token --label pl --so-pin $SO; }

setup_strict_init_pin() {
	setup_strict_token_init
	op_strict_token_init >/dev/null
}
op_strict_init_pin() { p11 --login --login-type so --so-pin $SO --init-pin --pin $PIN; }

setup_strict_create_object() {
	setup_strict_init_pin
	op_strict_init_pin >/dev/null
	head -c 300 /dev/urandom >"$WORK/data.bin"
}
op_strict_create_object() {
	p11 --login --pin $PIN --write-object "$WORK/data.bin" --type data --label D
}

setup_strict_keygen() { setup_strict_create_object; }
op_strict_keygen() {
	p11 --login --pin $PIN --keypairgen --key-type EC:prime256v1 --label K --id 01
}

setup_strict_destroy() {
	setup_strict_create_object
	op_strict_keygen >/dev/null
}
op_strict_destroy() { p11 --login --pin $PIN --delete-object --type privkey --id 01; }

setup_strict_token_reinit() { setup_strict_destroy; }
op_strict_token_reinit() { p11 --init-token --label pl2 --so-pin $SO; }

setup_keyper_init() {
	fresh "$KEYPER"
	D=$(A device create | serial)
	A keyper so-cards "$D" "$F/cards" >/dev/null
	A domain create "$D" smk-test "$F/cards" 5 7 >/dev/null
	A keyper op-cards "$D" "$F/cards" "$F/cards/keyper-so-1.card" >/dev/null
}
op_keyper_init() { A keyper init "$D" KSK "$F/cards/keyper-so-1.card"; }

setup_luna_hard_init() {
	fresh "$LUNA"
	D=$(A device create | serial)
	local s fp
	s=$(A luna stm show "$D" | sed -n 's/^random user string: //p')
	fp=$(A luna stm show "$D" | sed -n 's/^state fingerprint: *//p')
	"$ADMIN" -m "$MOD" --so-pin PASSWORD luna stm recover "$D" "$s" "$fp" >/dev/null
}
op_luna_hard_init() { A luna hsm init "$D" hsm dom; }

setup_luna_partition_create() {
	setup_luna_hard_init
	op_luna_hard_init >/dev/null
}
op_luna_partition_create() { A luna partition create "$D" part pdom; }

setup_luna_token_reinit() {
	fresh "$LUNA"
	D=$(A device create | serial)
	A token init "$D" part >/dev/null
	# A Crypto User, created by the CO (--so-pin: the CO's password), password 11112222.
	"$ADMIN" -m "$MOD" --so-pin $PIN --pin 11112222 luna role init cu "$D" >/dev/null
	SLOT=$(A device list | awk -v s="$D" '$2 == s { print $1 }')
}
op_luna_token_reinit() { p11 --slot "$SLOT" --init-token --label part2 --so-pin $SO; }
# After a re-init no role of the old partition may remain: the CU's record goes too.
check_new_luna_token_reinit() {
	local db
	for db in "$LAB"/devices/*.db; do
		sqlite3 "$db" "select key from meta where key like 'luna_cu%' order by 1" | tr '\n' ' '
	done
}

# The console's token init of a Luna in Secure Transport Mode: STM left, hard init, the
# partition and the Crypto Officer, one transaction (hsmlab_CA_InitToken).
setup_luna_token_init() {
	fresh "$LUNA"
	D=$(A device create | serial)
}
op_luna_token_init() { A token init "$D" part; }

# A hard init of an initialized HSM (a re-init): the partition goes, the label changes.
setup_luna_hsm_reinit() {
	fresh "$LUNA"
	D=$(A device create | serial)
	A token init "$D" part >/dev/null
}
op_luna_hsm_reinit() { A --yes luna hsm init "$D" hsm2 dom; }

setup_pair() {
	fresh "$LUNA"
	mkdir -p "$F/ikeys"
	OPTS=(-m "$LUNA" --so-pin $SO --pin $PIN --cards "$F/cards")
	SRC=$(A device create | serial)
	DST=$(A device create | serial)
	A token init "$SRC" src >/dev/null
	A token init "$DST" dst >/dev/null
	A domain create "$SRC" dom "$F/ikeys" 1 1 >/dev/null
	A domain load "$DST" dom "$F/ikeys/luna-domain-1.card" >/dev/null
	SRC_SLOT=$(A device list | awk -v s="$SRC" '$2 == s { print $1 }')
	p11 --slot "$SRC_SLOT" --login --pin $PIN --keypairgen --key-type rsa:2048 \
		--label KSK-2024 --id 01 >/dev/null
	A key backup "$SRC" KSK-2024 "$WORK/k.blob" >/dev/null
}
setup_restore() { setup_pair; }
op_restore() { A key restore "$DST" "$WORK/k.blob"; }
setup_clone() {
	setup_pair
	PH_BEFORE=0 PH_INTENT=0 PH_COPY=0 PH_RESOLVED=0 ABORTED_DB="" MISSING_DONE="" BROKEN_DONE=""
}
op_clone() { A key clone "$SRC" KSK-2024 "$DST"; }
# The clone over two stores: a two-phase record (fam_clone.c). After a cut, the raw state
# shows which phase it stopped in; the next open of the source (`device list` loads every
# device) resolves it, and judge_clone checks what that left.
q() { sqlite3 "$LAB/devices/$1.db" "$2"; }
# Both stores in one sqlite3 run: the source's pending intents, the copy on the target, the
# target's clone ids and records, the source's done and aborted records.
clone_sig() {
	q "$SRC" "attach '$LAB/devices/$DST.db' as t; select
		'pending=' || (select count(*) from main.meta where key like 'clone_out/%') ||
		' key=' || (select count(*) from t.objects where cast(label as text) = 'KSK-2024') ||
		' ids=' || (select count(*) from t.meta where key like 'clone_in/%') ||
		' target_records=' || (select count(*) from t.hl_audit where event = 'clone') ||
		' done=' || (select count(*) from main.hl_audit where event = 'clone' and
			details like '% done %') ||
		' aborted=' || (select count(*) from main.hl_audit where event = 'clone' and
			details like '% aborted %')"
}
after_cut_clone() {
	local c
	c=$(clone_sig)
	case $c in
	"pending=0 key=0 ids=0 target_records=0 done=0 aborted=0") PH_BEFORE=$((PH_BEFORE + 1)) ;;
	"pending=1 key=0 ids=0 target_records=0 done=0 aborted=0")
		PH_INTENT=$((PH_INTENT + 1))
		# A broken target never blocks the source: the intent stays, said in one line.
		[ -n "$BROKEN_DONE" ] || unreachable_target broken "$1"
		BROKEN_DONE=1
		;;
	"pending=1 key=1 ids=1 target_records=1 done=0 aborted=0")
		PH_COPY=$((PH_COPY + 1))
		[ -n "$MISSING_DONE" ] || unreachable_target missing "$1"
		MISSING_DONE=1
		;;
	"pending=0 key=1 ids=1 target_records=1 done=1 aborted=0") PH_RESOLVED=$((PH_RESOLVED + 1)) ;;
	*) fail "clone point $1: a half state before any open: $c" ;;
	esac
	A device list >"$WORK/resolve.out" 2>&1 ||
		fail "clone point $1: the devices do not open after the cut: $(cat "$WORK/resolve.out")"
	[ "$(grep -cE " ($SRC|$DST) +initialized " "$WORK/resolve.out")" = 2 ] ||
		fail "clone point $1: not both devices open: $(cat "$WORK/resolve.out")"
}
# The target's store missing (moved away) or broken (another file in its place): the source
# still opens, says the clone stays pending, and keeps its intent; with the store back, the
# next open resolves it.
unreachable_target() {
	local t=$LAB/devices/$DST.db out
	mkdir -p "$WORK/aside"
	mv "$t" "$t-wal" "$t-shm" "$WORK/aside/" 2>/dev/null || true
	if [ "$1" = broken ]; then
		head -c 4096 /dev/urandom >"$t"
		chmod 600 "$t"
	fi
	# A C_ call says it (pkcs11-tool; the console silences the module's own lines).
	out=$(env -u HSMLAB_QUIET pkcs11-tool --module "$MOD" -L 2>&1) || fail "clone point $2: a $1 target blocks the source: $out"
	grep -q "stays pending (its target cannot be read" <<<"$out" ||
		fail "clone point $2: a $1 target: no line says the clone is pending: $out"
	[[ "$(q "$SRC" "select count(*) from meta where key like 'clone_out/%'")" == 1 ]] ||
		fail "clone point $2: a $1 target: the intent did not stay pending"
	echo "clone point $2: target $1: $(grep -m1 'stays pending' <<<"$out")"
	rm -f "$t"
	mv "$WORK/aside/"* "$LAB/devices/"
}
# After the resolution: no intent left; the copy on the target exactly when the target holds
# the clone id and its record and the source records the clone done (new); or none of them,
# the source recording it aborted (old stores but for that record and its counter, the
# same state at every such point).
judge_clone() {
	local sig
	sig=$(clone_sig)
	case $sig in
	"pending=0 key=1 ids=1 target_records=1 done=1 aborted=0") [ "$1" != "$3" ] || VERDICT=new ;;
	"pending=0 key=0 ids=0 target_records=0 done=0 aborted=0") [ "$1" != "$2" ] || VERDICT=old ;;
	"pending=0 key=0 ids=0 target_records=0 done=0 aborted=1")
		# The target exactly as before; the source as at every other aborted point.
		[ "$(section "$DST" <<<"$1")" = "$(section "$DST" <<<"$2")" ] || return 0
		[ -n "$ABORTED_DB" ] || ABORTED_DB=$1
		[ "$1" != "$ABORTED_DB" ] || VERDICT=aborted
		;;
	*) echo "clone: half state after the resolution: $sig" >&2 ;;
	esac
}
section() { awk -v n="== $1.db" '/^== /{p = ($0 == n)} p'; }
report_clone() {
	echo "clone: cut in phase: $PH_BEFORE before the intent, $PH_INTENT intent without copy," \
		"$PH_COPY copy with the intent open, $PH_RESOLVED resolved"
}
setup_backup_file() {
	setup_pair
	# The file exists already (an older backup): the writer must replace it whole.
	A key backup "$SRC" KSK-2024 "$F/k.blob" >/dev/null
	p11 --slot "$SRC_SLOT" --login --pin $PIN --keypairgen --key-type rsa:2048 \
		--label KSK-2025 --id 02 >/dev/null
}
op_backup_file() { A key backup "$SRC" KSK-2025 "$F/k.blob"; }
setup_audit_export() {
	setup_pair
	A audit export "$SRC" "$F/audit.txt" >/dev/null
	p11 --slot "$SRC_SLOT" --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
		--label Z --id 03 >/dev/null
}
op_audit_export() { A audit export "$SRC" "$F/audit.txt"; }
setup_cards() {
	fresh "$KEYPER"
	D=$(A device create | serial)
	A keyper so-cards "$D" "$F/cards" >/dev/null
}
op_cards() { A domain create "$D" smk-test "$F/cards" 5 7; }

ALL=(strict_token_init strict_init_pin strict_create_object strict_keygen strict_destroy
	strict_token_reinit keyper_init luna_hard_init luna_token_init luna_hsm_reinit luna_partition_create
	luna_token_reinit restore clone backup_file audit_export cards)
[ $# -gt 0 ] && ALL=("$@")
# Known gaps (recorded in tests/hardening/README.md, to be closed in the families): their
# half states are reported, not failed; a known gap that no longer shows fails, so the list
# is kept true.
KNOWN=${HSMLAB_POWERLOSS_KNOWN-}
HALF=() SUMMARY=() SEEN_HALF=() KNOWN_SEEN=() HALF_OF_OP=""
for op in "${ALL[@]}"; do
	"setup_$op"
	walk "$op"
	if [[ " $KNOWN " == *" $op "* ]] && [[ " ${KNOWN_SEEN[*]} " != *" $op "* ]]; then
		HALF+=("$op(known gap closed: take it off KNOWN)")
	fi
done
echo "points per operation: ${SUMMARY[*]}"
[ ${#HALF[@]} -eq 0 ] || fail "half states: ${HALF[*]}"
echo "power loss at every write point: OK"
