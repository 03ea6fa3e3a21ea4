#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf move, lxf config get, lxf exec
#
# Faults during lxf move between two lxfd hosts (relay mode), with ~50 MB
# in the container to widen the window: the target lxfd killed
# mid-transfer, lxf interrupted (SIGINT) and killed (SIGKILL) mid-transfer.
# Each time lxf exits non-zero with an error, the source is intact (same
# data) and running as before, and once the target daemon is (re)started
# no half-made container is left on it. Then a writer: a process in the
# container appends a counter to a file through the whole running move;
# every value it reported written before the stop is in the file on the
# target.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1

row() { lxf_run list "h$1:" -f csv -c rns | grep "^h$1,$2," || true; }
# Predicates for wait_until (a "$(row ...)" argument would be read once).
running() { [ "$(row "$1" "$2")" = "h$1,$2,RUNNING" ]; }
absent() { [ -z "$(row "$1" "$2")" ]; }
sum() {
	assert_exit 0 lxf_run exec "h$1:$2" -- sh -c 'md5sum </root/big'
	printf '%s' "$LXFE_OUT"
}

assert_exit 0 lxf_run launch busybox h1:c1 -c user.v=one
assert_exit 0 lxf_run exec h1:c1 -- sh -c \
	'dd if=/dev/urandom of=/root/big bs=1M count=50 2>/dev/null && sync'
want=$(sum 1 c1)
tgt=$(host_dir 2)/containers/c1

# start_move: lxf move h1:c1 h2: in the background (pid MOVE_PID), and
# waits until the target has started receiving.
start_move() {
	# lxf itself, not a subshell, so that the signals reach it.
	LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" move h1:c1 h2: \
		>"$LXFE_RUN/move.out" 2>"$LXFE_RUN/move.err" &
	MOVE_PID=$!
	local i
	for ((i = 0; i < 400; i++)); do
		[ -e "$tgt" ] && break
		sleep 0.05
	done
	[ -e "$tgt" ] || fail "the target never started receiving"
	sleep 0.2
	kill -0 "$MOVE_PID" 2>/dev/null || fail "the move ended before the fault: $(cat "$LXFE_RUN/move.err")"
}

# after_fault WHAT: lxf failed, the source is intact and running, and
# nothing is left on h2.
after_fault() {
	local rc=0
	wait "$MOVE_PID" || rc=$?
	[ "$rc" != 0 ] || fail "$1: lxf move succeeded"
	[ "$1" = SIGKILL ] || assert_contains "$(cat "$LXFE_RUN/move.err")" "Error: " "$1: error message"
	wait_until 30 running 1 c1 || fail "$1: source not running: $(row 1 c1)"
	assert_eq "$want" "$(sum 1 c1)" "$1: source data"
	assert_exit 0 lxf_run config get h1:c1 user.v
	assert_eq one "$LXFE_OUT" "$1: source config"
	wait_until 30 absent 2 c1 || fail "$1: half-made c1 on h2: $(row 2 c1)"
	[ ! -e "$tgt" ] || fail "$1: $tgt left on h2"
}

# --- the target lxfd killed mid-transfer, then restarted.
start_move
kill -9 "$(cat "$(host_dir 2)/lxfd.pid")"
wait "$MOVE_PID" || true
_lxfe_lxfd_start 2
_lxfe_lxfd_wait 2
MOVE_PID=

wait_until 30 running 1 c1 || fail "target killed: source not running"
assert_eq "$want" "$(sum 1 c1)" "target killed: source data"
assert_contains "$(cat "$LXFE_RUN/move.err")" "Error: " "target killed: error message"
wait_until 30 absent 2 c1 || fail "target killed: half-made c1 on h2 after restart"
[ ! -e "$tgt" ] || fail "target killed: $tgt left on h2 after its restart"

# --- Ctrl-C: lxf cancels both operations and undoes what it made.
start_move
kill -INT "$MOVE_PID"
after_fault "SIGINT"

# --- lxf killed outright: both daemons see the websockets go and clean up.
start_move
kill -9 "$MOVE_PID"
after_fault "SIGKILL"

# --- a writer through the whole running move: nothing acknowledged is lost.
# shellcheck disable=SC2016 # expanded by the container's shell
lxf_run exec h1:c1 -- sh -c \
	'i=0; while :; do i=$((i+1)); echo $i >>/root/log || exit 1; echo $i; done' \
	>"$LXFE_RUN/acked" 2>/dev/null &
WRITER=$!
wait_until 20 test -s "$LXFE_RUN/acked" || fail "the writer did not start"
assert_exit 0 lxf_run move h1:c1 h2:
wait "$WRITER" || true
acked=$(tail -n 1 "$LXFE_RUN/acked")
if [ -z "$acked" ] || [ "$acked" -le 0 ]; then fail "the writer acknowledged nothing"; fi
assert_eq "h2,c1,RUNNING" "$(row 2 c1)" "moved with a writer"
assert_exit 0 lxf_run exec h2:c1 -- sh -c 'wc -l </root/log; tail -n 1 /root/log'
read -r lines last <<<"$(printf '%s' "$LXFE_OUT" | tr '\n' ' ')"
[ "$last" -ge "$acked" ] || fail "acknowledged write $acked lost: the target's log ends at $last"
assert_eq "$last" "$lines" "the log on the target has every value once, in order"
lxfe_log "writer: $acked acknowledged writes, $last on the target"
assert_eq "$want" "$(sum 2 c1)" "data after the move"

teardown
