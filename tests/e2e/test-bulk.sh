#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf stop, lxf start, lxf restart, lxf pause, lxf delete, lxf snapshot
# covers: lxf remote group add
#
# Bulk actions by filter (issue #20): `--all [REMOTES] [FILTER...]` picks
# instances as lxf list does across three hosts. Stop of what runs on two
# remotes, start by a name regex (what runs is left alone), restart by a
# name regex (new init pids there, none elsewhere), pause on a terminal
# after the confirmation, snapshots with --parallel 1 and the default
# alike; without a terminal the stopping and deleting ones refuse without
# --yes and touch nothing (then delete in a host group, @front); nothing
# matching is exit 0; a remote whose lxfd is down is named and the rest is
# done (exit 3). (Completion of the new flags: test-completion.)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 3
hosts_import_image 1 2 3
for t in h1:web1 h1:web2 h1:db1 h2:web1 h2:db2 h3:web3; do
	assert_exit 0 lxf_run launch busybox "$t"
done

# "remote,name,STATE" rows, sorted.
states() { lxf_run list -f csv -c r,n,s | sort | xargs; }
all6="h1,db1,RUNNING h1,web1,RUNNING h1,web2,RUNNING h2,db2,RUNNING h2,web1,RUNNING h3,web3,RUNNING"
assert_eq "$all6" "$(states)" "six running"

# Without a terminal, stop --all needs --yes: a usage error, nothing stopped.
assert_exit 2 lxf_run stop --all status=running </dev/null
assert_contains "$LXFE_ERR" "--yes is needed without a terminal" "stop --all without --yes"
assert_eq "$all6" "$(states)" "nothing stopped without --yes"
# --all selects; a name is not a selection.
assert_exit 2 lxf_run stop --all --yes h1:web1 </dev/null
assert_contains "$LXFE_ERR" "'h1:web1' names an instance" "stop --all NAME"
assert_exit 2 lxf_run stop --all --yes --parallel 0 </dev/null
assert_contains "$LXFE_ERR" "bad --parallel '0'" "--parallel 0"

# Every running instance of h1 and h2 (a bare remote name and REMOTE:).
assert_exit 0 lxf_run stop --all --yes --force h1 h2: status=running </dev/null
assert_eq "h1:db1: stopped h1:web1: stopped h1:web2: stopped h2:db2: stopped h2:web1: stopped" \
	"$(printf '%s\n' "$LXFE_OUT" | xargs)" "stop --all's results, sorted"
assert_eq "h1,db1,STOPPED h1,web1,STOPPED h1,web2,STOPPED h2,db2,STOPPED h2,web1,STOPPED h3,web3,RUNNING" \
	"$(states)" "after stop --all h1 h2: status=running"

# start asks nothing; a name regex picks web*, what runs is left alone.
assert_exit 0 lxf_run start --all 'web.*' </dev/null
assert_contains "$LXFE_OUT" "h3:web3: Running, left alone" "start --all of a running one"
assert_eq "h1,db1,STOPPED h1,web1,RUNNING h1,web2,RUNNING h2,db2,STOPPED h2,web1,RUNNING h3,web3,RUNNING" \
	"$(states)" "after start --all web.*"
# Nothing matching: said, exit 0.
assert_exit 0 lxf_run start --all 'nosuch.*' </dev/null
assert_contains "$LXFE_ERR" "No instances match" "start --all of nothing"

# restart by name regex: web1 and web2 get a new init, web3 keeps its own.
p11=$(container_pid 1 web1) p21=$(container_pid 2 web1) p3=$(container_pid 3 web3)
assert_exit 0 lxf_run restart --all --yes --force 'web[12]' </dev/null
assert_eq "h1:web1: restarted h1:web2: restarted h2:web1: restarted" \
	"$(printf '%s\n' "$LXFE_OUT" | xargs)" "restart --all web[12]"
wait_until 20 container_is 1 web1 RUNNING || fail "h1:web1 not running after restart"
[ "$(container_pid 1 web1)" != "$p11" ] || fail "h1:web1 was not restarted"
[ "$(container_pid 2 web1)" != "$p21" ] || fail "h2:web1 was not restarted"
assert_eq "$p3" "$(container_pid 3 web3)" "h3:web3 untouched by restart web[12]"

# On a terminal pause lists what it will touch and asks: no leaves it, yes does it.
# pty ANSWER lxf ARGS...: lxf ARGS on a terminal, answering the question.
pty() { python3 "$(dirname "$0")/pty-answer.py" "[y/N] " "$1" env LXF_CONF="$LXF_CONF" \
	LXF_DIR="$LXFE_RUN/no-local" "$LXFE_LXF" "${@:3}"; }
assert_exit 1 pty n lxf pause --all h3:
assert_contains "$LXFE_OUT" "h3:web3" "pause --all lists what it touches"
assert_contains "$LXFE_OUT" "Cancelled: nothing was done" "pause --all answered no"
assert_eq RUNNING "$(container_state 3 web3)" "h3:web3 after no"
assert_exit 0 pty y lxf pause --all h3:
assert_eq FROZEN "$(container_state 3 web3)" "h3:web3 after yes"
assert_exit 0 lxf_run start --all h3: </dev/null
assert_eq RUNNING "$(container_state 3 web3)" "start --all resumes a paused one"

# Snapshots one at a time and in parallel: the same results.
assert_exit 0 lxf_run snapshot --all --parallel 1 --name p1 'web.*' </dev/null
one=$LXFE_OUT
assert_exit 0 lxf_run snapshot --all --name p2 'web.*' </dev/null
assert_eq "$one" "$LXFE_OUT" "snapshot --all --parallel 1 and the default"
assert_eq "h1:web1: snapshot taken h1:web2: snapshot taken h2:web1: snapshot taken h3:web3: snapshot taken" \
	"$(printf '%s\n' "$one" | xargs)" "snapshot --all web.*"
for t in h1:web1 h2:web1 h3:web3; do
	assert_exit 0 lxf_run info "$t"
	assert_contains "$LXFE_OUT" "p1" "$t's snapshots"
	assert_contains "$LXFE_OUT" "p2" "$t's snapshots"
done

# delete: refused without --yes off a terminal (nothing deleted), then done.
assert_exit 2 lxf_run delete --all 'db.*' </dev/null
assert_contains "$LXFE_ERR" "--yes" "delete --all without --yes"
assert_exit 0 lxf_run list -f csv -c n 'db.*'
assert_eq "db1 db2" "$(printf '%s\n' "$LXFE_OUT" | sort | xargs)" "nothing deleted without --yes"
assert_exit 0 lxf_run remote group add front h1 h2
assert_exit 0 lxf_run delete --all --yes @front 'db.*' </dev/null
assert_eq "h1:db1: deleted h2:db2: deleted" "$(printf '%s\n' "$LXFE_OUT" | xargs)" "delete --all db.*"
assert_exit 0 lxf_run list -f csv -c n 'db.*'
assert_eq "" "$LXFE_OUT" "db1 and db2 deleted"

# h3's lxfd down: named, h1's and h2's done, exit 3.
kill -9 "$(cat "$(host_dir 3)/lxfd.pid")"
wait_until 10 sh -c "! kill -0 $(cat "$(host_dir 3)/lxfd.pid") 2>/dev/null" || fail "h3's lxfd survived SIGKILL"
assert_exit 3 lxf_run stop --all --yes --force </dev/null
assert_contains "$LXFE_ERR" "remote 'h3'" "stop --all names the unreachable remote"
assert_eq "h1:web1: stopped h1:web2: stopped h2:web1: stopped" "$(printf '%s\n' "$LXFE_OUT" | xargs)" \
	"stop --all with h3 down"
assert_eq STOPPED "$(container_state 2 web1)" "h2:web1 stopped with h3 down"

echo "PASS test-bulk"
