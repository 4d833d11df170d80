#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Luna lifecycle through the console (L2, L3, L12, L14), as an operator runs it: STM
# recovery (a wrong user string refused), a multifactor hard init, partition and CO on iKeys,
# a login refused until the CO's iKeys activate the partition, the challenge secret as the
# PIN, a power outage within and beyond the 2 h policy, a tamper halt until a reset, stm
# transport and back; then kill -9 during hard init, which must leave the old state or the
# new one, never half of it; and the HSM SO's third wrong password, which zeroizes.
# Usage: luna_lifecycle.sh ADMIN MODULE_DIR
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
ADMIN=$1
MODDIR=$2
LUNA=$MODDIR/libhsmlab-luna.so
. "$(dirname "$0")/famlab.sh"
fam_lab luna
OPTS=(-m "$LUNA")
state() { A luna status "$1" | sed -n 's/^device [^ ]* (slot [0-9]*): \([a-z]*\),.*/\1/p'; }
slot_of() { A device list | awk -v s="$1" '$2 == s { print $1 }'; }
keys() { for i in "$@"; do printf '%s ' "$WORK/ikeys/luna-$i.card"; done; }
A lab create "$WORK/lab" >/dev/null
mkdir "$WORK/ikeys"

D=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
[ "$(state "$D")" = transport ] || fail "a new Luna is not in Secure Transport Mode"
USER_STRING=$(A luna stm show "$D" | sed -n 's/^random user string: //p')
FP=$(A luna stm show "$D" | sed -n 's/^state fingerprint: *//p')
if A --so-pin PASSWORD luna stm recover "$D" AAAA-BBBB-CCCC-DDDD "$FP" 2>"$WORK/err"; then
	fail "STM recovered with a wrong user string"
fi
grep -q "random user string" "$WORK/err" || fail "no reason given: $(cat "$WORK/err")"
# one line, naming the command once ("luna stm recover: device ...", no "stm recover:" again)
[ "$(wc -l <"$WORK/err")" = 1 ] && [ "$(grep -o "stm recover" "$WORK/err" | wc -l)" = 1 ] ||
	fail "the refusal is not one line naming its command once: $(cat "$WORK/err")"
[ "$(state "$D")" = transport ] || fail "a refused recovery changed the state"
A luna hsm init "$D" hsm dom 2 3 --cards "$WORK/ikeys" 2>"$WORK/err" &&
	fail "hard init in Secure Transport Mode"
grep -q CKR_LUNA_STM_CMD_NON_TRANSPORT "$WORK/err" || fail "no STM code named: $(cat "$WORK/err")"
A --so-pin PASSWORD luna stm recover "$D" "$USER_STRING" "$FP" >/dev/null
A --cards "$WORK/ikeys" luna hsm init "$D" hsm dom 2 3 >/dev/null
A --cards "$WORK/ikeys" luna partition create "$D" part pdom 2 3 \
	$(keys hsm-so-1 hsm-so-3) >/dev/null
A --cards "$WORK/ikeys" --pin challenge-1 luna role init co "$D" 2 3 \
	$(keys partition-so-2 partition-so-3) >/dev/null
SLOT=$(slot_of "$D")
login() { pkcs11-tool --module "$LUNA" --slot "$SLOT" --login --pin "$1" -O >/dev/null 2>&1; }
login challenge-1 && fail "a login before activation"
A luna activate "$D" $(keys co-1) 2>/dev/null && fail "activated with one iKey of 2"
A luna activate "$D" $(keys co-1 co-3) >/dev/null
login challenge-1 || fail "no login after activation"
pkcs11-tool --module "$LUNA" --slot "$SLOT" -T | has "PIN pad present" ||
	fail "the multifactor partition has no protected authentication path"

# Policies (luna.md "Roles and policies"): the Partition SO's iKeys set a partition policy,
# kept in the store (each command is a new process); auto-activation (23) off, a power cycle
# ends the activation.
pol() { A luna policy show "$D" | grep -E "^$1 +$2 " | awk '{ print $NF }'; }
[ "$(pol partition 23)" = 1 ] || fail "auto-activation is not on by default: $(pol partition 23)"
A luna partition policy set "$D" 23 0 $(keys co-1 co-3) 2>/dev/null &&
	fail "the CO's iKeys set a partition policy"
A luna partition policy set "$D" 23 0 $(keys partition-so-1 partition-so-2) >/dev/null
[ "$(pol partition 23)" = 0 ] || fail "policy 23 not stored: $(pol partition 23)"
A luna power off "$D" >/dev/null
A luna power on "$D" >/dev/null
login challenge-1 && fail "activation kept through a power cycle with policy 23 off"
A luna partition policy set "$D" 23 1 $(keys partition-so-1 partition-so-2) >/dev/null
A luna activate "$D" $(keys co-1 co-3) >/dev/null
login challenge-1 || fail "no login after activation"
# The Limited Crypto Officer by the CO's iKeys (not the Partition SO's), the Audit role by
# the HSM SO's (vendor table 1.2).
A --cards "$WORK/ikeys" --pin lco-challenge-1 luna role init lco "$D" 1 1 \
	$(keys partition-so-1 partition-so-2) 2>/dev/null && fail "the Partition SO made the LCO"
A --cards "$WORK/ikeys" --pin lco-challenge-1 luna role init lco "$D" 1 1 \
	$(keys co-1 co-3) >/dev/null
A --cards "$WORK/ikeys" --pin audit-challenge luna role init au "$D" 1 1 \
	$(keys hsm-so-1 hsm-so-3) >/dev/null
[ -f "$WORK/ikeys/luna-lco-1.card" ] && [ -f "$WORK/ikeys/luna-au-1.card" ] ||
	fail "no LCO or Audit iKey written"
A luna status "$D" | has "^Limited Crypto Officer: yes (failed logins 0), Audit role: yes$" ||
	fail "the new roles are not in the status: $(A luna status "$D")"

# L2: the outage is measured on the device clock.
NOW=$(A clock show "$D" | sed -n 's/^device [^ ]* clock: \([^ ]*\) .*/\1/p')
later() { date -u -d "$NOW + $1 hours" +%Y-%m-%dT%H:%M:%SZ; }
A luna power off "$D" >/dev/null
login challenge-1 && fail "a login while powered off"
A clock set "$D" "$(later 1)" >/dev/null
A luna power on "$D" >/dev/null
login challenge-1 || fail "activation lost after 1 h off (the policy keeps 2 h)"
A luna power off "$D" >/dev/null
A clock set "$D" "$(later 4)" >/dev/null
A luna power on "$D" >/dev/null
login challenge-1 && fail "activation kept after 3 h off"
A luna status "$D"

# L14: a tamper halts the HSM until a reset; the console names the vendor's code.
A --yes luna tamper "$D" >/dev/null
A luna activate "$D" $(keys co-1 co-3) 2>"$WORK/err" && fail "activated while tampered"
grep -q CKR_LUNA_HSM_TAMPERED "$WORK/err" || fail "no tamper code named: $(cat "$WORK/err")"
A luna power off "$D" >/dev/null
A luna power on "$D" >/dev/null
A luna activate "$D" $(keys co-1 co-3) >/dev/null || fail "no activation after the reset"
login challenge-1 || fail "no login after the reset and activation"

# L12: back into STM for shipping by the HSM SO's iKeys (the strings to record printed),
# everything refused with the STM code meanwhile, and out again with the HSM SO's iKeys.
A luna stm transport "$D" $(keys hsm-so-1 hsm-so-2) >"$WORK/stm" || fail "stm transport"
US=$(sed -n 's/^random user string: //p' "$WORK/stm")
FP2=$(sed -n 's/^state fingerprint: *//p' "$WORK/stm")
[ -n "$US" ] && [ -n "$FP2" ] || fail "no strings to record: $(cat "$WORK/stm")"
[ "$US" != "$USER_STRING" ] || fail "the factory's user string again"
[ "$(state "$D")" = transport ] || fail "not in STM after stm transport"
login challenge-1 && fail "a login in STM"
A luna activate "$D" $(keys co-1 co-3) 2>"$WORK/err" && fail "activated in STM"
grep -q CKR_LUNA_STM_CMD_NON_TRANSPORT "$WORK/err" || fail "no STM code named: $(cat "$WORK/err")"
A luna stm recover "$D" "$US" "$FP2" $(keys hsm-so-2 hsm-so-3) >/dev/null ||
	fail "stm recover with the HSM SO's iKeys"
[ "$(state "$D")" = initialized ] || fail "not back to initialized: $(state "$D")"
A luna activate "$D" $(keys co-1 co-3) >/dev/null
login challenge-1 || fail "no login after STM and activation"

# kill -9 during hard init: the old state (uninitialized) or the new one (initialized, the
# HSM SO's password works), never half.
K=$(A device create | sed -n 's/^created device \([^ ]*\) .*/\1/p')
old=0 new=0
for round in 1 2 3 4 5 6 7 8; do
	S=$(A luna stm show "$K" 2>/dev/null | sed -n 's/^random user string: //p') || true
	if [ -n "$S" ]; then
		F=$(A luna stm show "$K" | sed -n 's/^state fingerprint: *//p')
		A --so-pin PASSWORD luna stm recover "$K" "$S" "$F" >/dev/null
	fi
	# The binary itself in the background (not a function's subshell), so kill -9 hits it.
	"$ADMIN" -m "$LUNA" --yes --so-pin hso-pass-$round luna hsm init "$K" "hsm$round" dom \
		>/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 9))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	case "$(state "$K")" in
	uninitialized | zeroized) old=$((old + 1)) ;;
	initialized)
		new=$((new + 1))
		A --so-pin hso-pass-$round luna hsm login "$K" >/dev/null ||
			fail "hard init half done: the HSM SO's password does not work"
		A luna status "$K" | has "HSM label \"hsm$round\"" || fail "label missing"
		A --yes luna zeroize "$K" >/dev/null
		;;
	*) fail "state after kill -9: $(A luna status "$K")" ;;
	esac
done

# L3: the HSM SO's third wrong password zeroizes the device, and the console says so.
A --yes --so-pin hso-pass-9 luna hsm init "$K" hsm9 dom >/dev/null
# HSM policy 15 by the HSM SO (a wrong password counts as one of its 3 failures)
A --so-pin hso-pass-9 luna hsm policy set "$K" 15 1 >/dev/null
A luna policy show "$K" | has -E "^hsm +15 +Enable SO reset of partition PIN +1$" ||
	fail "HSM policy 15 not shown set: $(A luna policy show "$K")"
A --help | has "luna partition policy set" || fail "--help does not list the policy commands"
for i in 1 2 3; do
	A --so-pin wrong-pass-$i luna hsm login "$K" 2>"$WORK/err" && fail "a wrong HSM SO password"
done
grep -q CKR_LUNA_SO_LOGIN_FAILURE_THRESHOLD "$WORK/err" || fail "no threshold code: $(cat "$WORK/err")"
[ "$(state "$K")" = zeroized ] || fail "3 wrong HSM SO passwords left $(state "$K")"
A audit export "$K" "$WORK/audit.txt" >/dev/null
A audit verify "$K" "$WORK/audit.txt" >/dev/null || fail "the audit log broke"
echo "kill -9 during hard init: $old rounds left the old state, $new the new one"
echo "luna lifecycle through the console: OK"
