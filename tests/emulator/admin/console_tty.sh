#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The console at a real terminal (tmux): a password not given is asked without echo, and
# zeroize asks for confirmation naming the device (anything but "yes" changes nothing).
# Usage: console_tty.sh ADMIN
set -euo pipefail
# grep -q at the end of a pipe exits at its first match and, under pipefail, the writer's
# SIGPIPE then fails the pipe: has reads all of it.
has() { grep "$@" >/dev/null; }
ADMIN=$1
WORK=$(mktemp -d /tmp/hsmlab-tty.XXXXXX)
S="hsmlab-tty-$$"
trap 'tmux -L "$S" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
command -v tmux >/dev/null || fail "tmux is not installed (ci/install-deps.sh)"
printf 'lab_dir = "%s/lab";\n' "$WORK" >"$WORK/hsmlab.conf"
export HSMLAB_CONF=$WORK/hsmlab.conf
"$ADMIN" lab create "$WORK/lab" >/dev/null
L=$("$ADMIN" -f luna device create | awk '{ print $3 }')
HSMLAB_SO_PIN=12345678 "$ADMIN" -f luna token init "$L" KSK >/dev/null
tmux -L "$S" new-session -d -s t -x 150 -y 40 -e "HSMLAB_CONF=$HSMLAB_CONF" bash --norc
screen() { tmux -L "$S" capture-pane -p -t t; }
wait_for() {
	for _ in $(seq 1 100); do
		screen | has -F -- "$1" && return 0
		sleep 0.1
	done
	screen >&2
	fail "the terminal never showed: $1"
}
send() { tmux -L "$S" send-keys -t t -l -- "$1" && tmux -L "$S" send-keys -t t Enter; }
send "'$ADMIN' -f luna luna hsm login $L; echo LOGIN=\$?"
wait_for "the HSM SO password for device $L"
send 12345678
wait_for "LOGIN=0"
if screen | has 12345678; then fail "the password was echoed"; fi
send "'$ADMIN' -f luna luna zeroize $L; echo ZERO=\$?"
wait_for "Type yes to go on:"
screen | has "luna zeroize: device $L (slot" || fail "the question does not name the device"
send no
wait_for "ZERO=1"
"$ADMIN" -f luna luna status "$L" | has ": initialized," || fail "zeroized without a yes"
send "'$ADMIN' -f luna luna zeroize $L; echo ZERO2=\$?"
wait_for "Type yes to go on:"
send yes
wait_for "ZERO2=0"
"$ADMIN" -f luna luna status "$L" | has ": zeroized," || fail "not zeroized after yes"
echo "ok: a password asked without echo, zeroize confirmed at the terminal"
