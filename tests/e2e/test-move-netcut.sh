#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf init, lxf start, lxf stop, lxf move, lxf config get, lxf exec
# covers: GET /1.0/operations
#
# Network cut and full disk during lxf move/copy between two lxfd hosts
# over HTTPS remotes (pull mode: the target lxfd dials the source's
# websockets itself, lxf only watches both operations).
#
# Cut: the link of the target host goes down mid-transfer (its veth in
# the root namespace: h2 loses h1 and lxf at once, silently: no RST, no
# FIN). lxf fails with an error instead of waiting forever, the source is
# intact (data, config) and still running, and the target lxfd, which
# nobody can reach, fails its operation and removes what it made by
# itself (checked over its unix socket while the link is still down).
# Once the link is back, nothing is left on h2. The same for a copy of a
# stopped container.
#
# Full disk: h2's whole directory on a 32 MB tmpfs, a 50 MB container
# moved there: the error says "No space left on device", the
# source is intact and running, nothing is left on h2.
#
# The link to h2 is shaped (tbf, 40 Mbit/s) so that the 50 MB take a few
# seconds: the cut lands mid-transfer without racing a fast machine.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# h2's whole directory (database, staging area, containers) on a small
# tmpfs of its own, mounted before its lxfd starts (lxfd makes a mount
# namespace of its own at start, a copy of ours); teardown unmounts it.
FULL_MB=32
mkdir -p "$(host_dir 2)"
mount -t tmpfs -o "size=${FULL_MB}m,mode=0711" "lxfe-$LXFE_ID-full" "$(host_dir 2)"
hosts_up 2
hosts_import_image 1

hosts_https 1 2

# Checks go through the unix remotes hN:, which work while h2's link is down.
row() { lxf_run list "h$1:" -f csv -c rns | grep "^h$1,$2," || true; }
sum() {
	assert_exit 0 lxf_run exec "h$1:$2" -- sh -c 'md5sum </root/big'
	printf '%s' "$LXFE_OUT"
}
# Operations h2 still runs (pending or running).
busy_ops() {
	curl -s --unix-socket "$(host_socket 2)" "http://lxd/1.0/operations?recursion=1" |
		grep -oE '"status": ?"(Running|Pending)"' || true
}
# kB received on h2 so far: the files land in migrate/NAME (staging),
# then move to containers/NAME.
recvd() {
	{ du -sck "$(host_dir 2)/migrate" "$(host_dir 2)/containers" 2>/dev/null || true; } |
		tail -n 1 | cut -f1
}
# Predicates for wait_until, which runs its command again each time (an
# argument "$(...)" would be expanded once, before the wait).
receiving() { [ "$(($(recvd) - base))" -gt 2048 ]; }
ended() { ! kill -0 "$1" 2>/dev/null; }
idle_h2() { [ -z "$(busy_ops)" ]; }
absent() { [ -z "$(row "$1" "$2")" ]; }

VETH=$(host_veth 2)
assert_exit 0 lxf_run launch busybox h1:c1 -c user.v=one
assert_exit 0 lxf_run exec h1:c1 -- sh -c \
	'dd if=/dev/urandom of=/root/big bs=1M count=50 2>/dev/null && sync'
want=$(sum 1 c1)
base=$(recvd)

# cut_during STATE CMD...: runs lxf CMD in the background, cuts h2's link
# once h2 has received over 2 MB, and checks what is left; STATE is the
# source's state before and after.
cut_during() {
	local state=$1 start rc=0 pid dst
	shift
	dst=${*: -1}
	dst=${dst#s2:}
	dst=${dst:-c1}
	tc qdisc replace dev "$VETH" root tbf rate 40mbit burst 64kb latency 200ms
	LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" "$@" \
		>"$LXFE_RUN/move.out" 2>"$LXFE_RUN/move.err" &
	pid=$!
	wait_until 60 receiving || fail "$*: h2 never started receiving: $(cat "$LXFE_RUN/move.err") $(recvd) kB"
	kill -0 "$pid" 2>/dev/null || fail "$*: ended before the cut: $(cat "$LXFE_RUN/move.err")"
	ip link set "$VETH" down
	lxfe_log "$*: link cut with $(recvd) kB on h2"
	# Nothing told h2 yet: its operation runs (this also proves busy_ops sees one).
	[ -n "$(busy_ops)" ] || fail "$*: no operation running on h2 at the cut"
	start=$SECONDS
	# A bound only against hanging forever (lxfd's rsync watchdog is 300 s).
	wait_until 120 ended "$pid" || fail "$*: lxf still waiting after the cut"
	wait "$pid" || rc=$?
	lxfe_log "$*: lxf exited $rc $((SECONDS - start)) s after the cut: $(cat "$LXFE_RUN/move.err")"
	[ "$rc" != 0 ] || fail "$*: succeeded across a cut link"
	assert_contains "$(cat "$LXFE_RUN/move.err")" "Error: " "$*: error message"
	assert_eq "h1,c1,$state" "$(row 1 c1)" "$*: source state"
	assert_exit 0 lxf_run config get h1:c1 user.v
	assert_eq one "$LXFE_OUT" "$*: source config"
	# h2 gives up on its own, unreachable: no operation, no container, no files.
	wait_until 60 idle_h2 || fail "$*: h2 still runs its operation: $(busy_ops)"
	wait_until 30 absent 2 "$dst" || fail "$*: half-made $dst on h2: $(row 2 "$dst")"
	[ ! -e "$(host_dir 2)/containers/$dst" ] || fail "$*: containers/$dst left on h2"
	[ ! -e "$(host_dir 2)/migrate/$dst" ] || fail "$*: migrate/$dst left on h2"
	ip link set "$VETH" up
	tc qdisc del dev "$VETH" root
	wait_until 20 bash -c "exec 3<>/dev/tcp/$(host_ip 2)/8443" || fail "h2 unreachable after the cut"
	assert_exit 0 lxf_run list s2: -f csv -c n
	assert_eq "" "$LXFE_OUT" "$*: nothing on h2 once the link is back"
}

# --- a running container moved, the link cut.
cut_during RUNNING move s1:c1 s2:
assert_eq "$want" "$(sum 1 c1)" "source data after the cut move"

# --- a stopped container copied under another name, the link cut.
assert_exit 0 lxf_run stop h1:c1
cut_during STOPPED copy s1:c1 s2:c2
# The same in the other two modes: the source dials the target (push), and
# lxf pumps both daemons' websockets itself (relay).
cut_during STOPPED copy --mode push s1:c1 s2:c3
cut_during STOPPED copy --mode relay s1:c1 s2:c4
assert_exit 0 lxf_run start h1:c1
assert_eq "$want" "$(sum 1 c1)" "source data after the cut copy"

# --- h2's disk fills mid-transfer (its FULL_MB tmpfs, the container 50 MB).
rc=0
lxf_run move s1:c1 s2: >"$LXFE_RUN/move.out" 2>"$LXFE_RUN/move.err" || rc=$?
lxfe_log "full disk: lxf exited $rc: $(cat "$LXFE_RUN/move.err")"
[ "$rc" != 0 ] || fail "full disk: the move succeeded"
assert_contains "$(cat "$LXFE_RUN/move.err")" "No space left on device" "full disk: the error"
assert_eq "h1,c1,RUNNING" "$(row 1 c1)" "full disk: source state"
assert_eq "$want" "$(sum 1 c1)" "full disk: source data"
wait_until 30 idle_h2 || fail "full disk: h2 still runs its operation"
assert_eq "" "$(row 2 c1)" "full disk: nothing on h2"
[ ! -e "$(host_dir 2)/migrate/c1" ] || fail "full disk: migrate/c1 left on h2"
[ ! -e "$(host_dir 2)/containers/c1" ] || fail "full disk: containers/c1 left on h2"
# The space is back: h2 takes a small container again.
assert_exit 0 lxf_run init h1:busybox s2:small
assert_eq "h2,small,STOPPED" "$(row 2 small)" "h2 after its disk filled"

teardown
