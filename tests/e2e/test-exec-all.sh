#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf exec
#
# Fan-out exec (issue #20): `lxf exec h1:a h2:b -- CMD` and `lxf exec --all
# [REMOTES] [FILTER...] -- CMD` run CMD in each instance at once. Output
# comes prefixed remote:name: line by line (a line printed in pieces stays
# whole, stderr's on stderr), or with --group-output one block per
# instance; a summary of exit statuses ends it on stderr, and exit 3 says
# some instance did not exit 0. A filter picks a subset, a stopped
# instance is not picked, and a remote whose lxfd is down is reported
# unreachable, by --all and for a target named on it. Ctrl-C reaches
# every command still running, and lxf waits for them and sums up.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 3
hosts_import_image 1 2
for t in h1:web1 h1:db1 h2:web2 h2:web3; do
	assert_exit 0 lxf_run launch busybox "$t"
done
assert_exit 0 lxf_run stop --force h2:web3
for t in h1:web1 h1:db1 h2:web2; do
	wait_until 30 container_is "${t:1:1}" "${t#*:}" RUNNING || fail "$t not RUNNING"
done

# Sorted lines, so that the instances' order (they run at once) is not checked.
sorted() { printf '%s\n' "$1" | LC_ALL=C sort; }

# Two named targets: every line prefixed, the line printed in three pieces
# a fifth of a second apart in both instances at once comes out whole, the
# last line without a newline is ended by one, stderr stays on stderr.
cmd='echo one; for i in 1 2 3; do printf $i; sleep 0.2; done; echo; echo oops >&2; printf last'
assert_exit 0 lxf_run exec h1:web1 h2:web2 -- sh -c "$cmd"
assert_eq "h1:web1: 123
h1:web1: last
h1:web1: one
h2:web2: 123
h2:web2: last
h2:web2: one" "$(sorted "$LXFE_OUT")" "prefixed stdout, whole lines"
assert_eq "2 ok
h1:web1: oops
h2:web2: oops" "$(sorted "$LXFE_ERR")" "prefixed stderr and the summary"

# --group-output: each instance's output in one block under its name.
assert_exit 0 lxf_run exec --group-output h1:web1 h1:db1 -- sh -c 'echo a; sleep 0.2; echo b'
blk() { printf -- '----------------\n%s\n----------------\na\nb' "$1"; }
case "$LXFE_OUT" in
"$(blk h1:web1)"$'\n'"$(blk h1:db1)" | "$(blk h1:db1)"$'\n'"$(blk h1:web1)") ;;
*) fail "--group-output blocks: $LXFE_OUT" ;;
esac

# Ctrl-C (SIGINT) in a fan-out: lxf forwards it to every command still
# running and waits for them; an instance --parallel had not started yet
# is not started. `env --default-signal` undoes the SIG_IGN a script's
# background job gets, so that the signal is a terminal's Ctrl-C.
lxf_bg() {
	LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local env --default-signal=INT,QUIT \
		"$LXFE_LXF" exec "$@" >"$LXFE_RUN/bg.out" 2>"$LXFE_RUN/bg.err" &
	bg=$!
}
# runs_in N WORD C...: WORD shows in the processes of N of the instances C.
runs_in() {
	local want=$1 word=$2 t k=0
	shift 2
	for t in "$@"; do
		if lxf_run exec "$t" -- ps | grep -q "$word"; then k=$((k + 1)); fi
	done
	[ "$k" = "$want" ]
}
# ended PID: PID is a zombie (not waited for yet) or gone.
ended() {
	case "$(ps -o stat= -p "$1")" in Z* | '') return 0 ;; esac
	return 1
}
# interrupt: SIGINT to lxf, which must end by itself; its status in rc.
interrupt() {
	kill -INT "$bg"
	wait_until 60 ended "$bg" || {
		kill -KILL "$bg"
		fail "lxf did not end after SIGINT: $(cat "$LXFE_RUN/bg.err")"
	}
	rc=0
	wait "$bg" || rc=$?
}
all3="h1:db1 h1:web1 h2:web2"
lxf_bg --all h1,h2: --parallel 2 -- sleep 1000
# shellcheck disable=SC2086
wait_until 60 runs_in 2 'sleep 1000' $all3 || fail "the sleeps did not start"
interrupt
assert_eq 3 "$rc" "interrupted fan-out's status ($(cat "$LXFE_RUN/bg.err"))"
# Round robin across remotes: db1 and web2 ran, web1 (h1's second) waited.
assert_eq "2 exit 130 (h1:db1, h2:web2), 1 interrupted (h1:web1)" \
	"$(cat "$LXFE_RUN/bg.err")" "interrupted fan-out's summary"
# shellcheck disable=SC2086
runs_in 0 'sleep 1000' $all3 || fail "a sleep 1000 outlived lxf's SIGINT"

# A command that traps the signal handles it and says how it ended.
lxf_bg h1:web1 h2:web2 -- sh -c 'trap "echo got-int; exit 7" INT; while :; do sleep 1; done'
# Its loop's sleep runs: the trap is set.
wait_until 60 runs_in 2 'sleep 1$' h1:web1 h2:web2 || fail "the trapping shells did not start"
interrupt
assert_eq 3 "$rc" "trapped SIGINT's status"
assert_eq "h1:web1: got-int
h2:web2: got-int" "$(sorted "$(cat "$LXFE_RUN/bg.out")")" "the traps' output"
assert_eq "2 exit 7 (h1:web1, h2:web2)" "$(cat "$LXFE_RUN/bg.err")" "trapped SIGINT's summary"

# h3's lxfd down: --all over the three remotes with the filter "web" picks
# web1 and web2 (not db1, not the stopped web3); web2's command exits 3.
h3pid=$(cat "$(host_dir 3)/lxfd.pid")
kill "$h3pid"
wait_until 10 sh -c "! kill -0 $h3pid 2>/dev/null" || fail "h3's lxfd still runs"
assert_exit 3 lxf_run exec --all h1,h2,h3: web -- sh -c 'hostname; [ "$(hostname)" != web2 ] || exit 3'
assert_eq "h1:web1: web1
h2:web2: web2" "$(sorted "$LXFE_OUT")" "the filter's instances"
assert_contains "$LXFE_ERR" "1 ok, 1 exit 3 (h2:web2), 1 unreachable (h3)" "--all summary"

# A named target on the dead remote is unreachable too; the others run.
assert_exit 3 lxf_run exec h1:db1 h3:gone -- true
assert_contains "$LXFE_ERR" "1 ok, 1 unreachable (h3:gone)" "named target summary"
assert_exit 2 lxf_run exec h1:db1 h2:web2 --group-output
assert_contains "$LXFE_ERR" "need '--' before the command"
