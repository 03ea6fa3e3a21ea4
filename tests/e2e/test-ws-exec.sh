#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch
# covers: GET /1.0/events, GET /1.0/instances/{name}, POST /1.0/instances/{name}/exec
# covers: GET /1.0/instances/{name}/console, DELETE /1.0/instances/{name}/console
# covers: POST /1.0/instances/{name}/exec (via lxc), GET /1.0/operations/{id}/websocket (via lxc)
# covers: POST /1.0/instances/{name}/console (via lxc)
#
# Websockets with the real LXD client (Debian's lxd-client) against lxfd:
# exec (output, exit codes, stdin, a pty, environment, signals), the
# 10 s wait for websockets, events seen by `lxc monitor` and by `lxc
# start/stop` (which wait for operation events), and console attach/detach.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"

LXD_SOCKET=$(host_socket 1)
LXD_CONF=$LXFE_RUN/lxc-conf
mkdir -p "$LXD_CONF"
export LXD_SOCKET LXD_CONF
sock=$LXD_SOCKET
# The client's first run prints a welcome on stderr: get it out of the way.
lxc remote list >/dev/null 2>&1 || true

# Non-interactive: stdout and stderr apart, the exit code passed on.
assert_exit 3 lxc exec c1 -- sh -c 'echo hi; echo oops >&2; exit 3'
assert_eq hi "$LXFE_OUT" "stdout"
assert_eq oops "$LXFE_ERR" "stderr"
assert_exit 127 lxc exec c1 -- no-such-command
assert_contains "$LXFE_ERR" "not found"

# stdin to the end (EOF by barrier), 1 MiB of binary through cat and back.
assert_exit 0 sh -c 'printf "a\nb\n" | lxc exec c1 -- cat'
assert_eq "a
b" "$LXFE_OUT" "stdin copied to stdout"
head -c 1048576 /dev/urandom >"$LXFE_RUN/blob"
lxc exec c1 -- cat <"$LXFE_RUN/blob" >"$LXFE_RUN/blob.out" || fail "cat of 1 MiB failed"
cmp -s "$LXFE_RUN/blob" "$LXFE_RUN/blob.out" || fail "1 MiB came back different"

# Environment, cwd, user and group.
assert_exit 0 lxc exec c1 --env FOO=bar --cwd /tmp -- sh -c 'echo "$FOO $PWD $HOME"'
assert_eq "bar /tmp /root" "$LXFE_OUT" "environment and cwd"
assert_exit 0 lxc exec c1 --user 1000 --group 1000 -- /bin/busybox id -u
assert_eq 1000 "$LXFE_OUT" "uid"

# The command gets its three streams and nothing else of lxfd's (the
# helper's socket to lxfd once leaked in as fd 6); lxfd-attach's server
# (one per lxfd, attach_helper.c) is started again once it has died.
assert_exit 0 lxc exec c1 -- ls /proc/self/fd
assert_eq "0 1 2 3" "$(printf '%s' "$LXFE_OUT" | tr '\n' ' ' | sed 's/ $//')" "fds of a command (3: ls's own)"
lxfd_pid=$(cat "$(host_dir 1)/lxfd.pid")
srv=$(pgrep -P "$lxfd_pid" -f -- 'lxfd-attach --server') || fail "no lxfd-attach server under lxfd"
kill -9 "$srv"
assert_exit 4 lxc exec c1 -- sh -c 'exit 4'
srv2=$(pgrep -P "$lxfd_pid" -f -- 'lxfd-attach --server') || fail "lxfd-attach server not started again"
[ "$srv2" != "$srv" ] || fail "the killed lxfd-attach server still answers"

# Interactive: a pty with the client's size, the exit code passed on.
out=$(printf 'stty size\nexit 7\n' |
	timeout 30 script -qec "stty rows 30 cols 100; lxc exec -t c1 -- sh" /dev/null) && rc=0 || rc=$?
assert_eq 7 "$rc" "interactive exit code"
assert_contains "$out" "30 100"

# A signal to the client goes to the command (control channel).
lxc exec c1 -- sleep 60 &
pid=$!
lxfe_sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq 143 "$rc" "exit code after SIGTERM"

# Bad requests change nothing.
assert_exit 0 curl -s --unix-socket "$sock" -X POST -d '{"command":[]}' lxd/1.0/instances/c1/exec
assert_contains "$LXFE_OUT" '"error_code":400'
assert_exit 0 curl -s --unix-socket "$sock" -X POST -d '{"command":["ls"]}' \
	lxd/1.0/instances/nope/exec
assert_contains "$LXFE_OUT" '"error_code":404'
assert_exit 0 curl -s --unix-socket "$sock" -X POST \
	-d '{"command":["ls"],"record-output":true}' lxd/1.0/instances/c1/exec
assert_contains "$LXFE_OUT" '"error_code":501'
assert_exit 0 curl -s --unix-socket "$sock" lxd/1.0/events
assert_contains "$LXFE_OUT" '"error_code":400'

# Nobody connects: the op fails after 10 s.
assert_exit 0 curl -s --unix-socket "$sock" -X POST \
	-d '{"command":["true"],"wait-for-websocket":true}' lxd/1.0/instances/c1/exec
op=$(printf '%s' "$LXFE_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["operation"])')
assert_contains "$LXFE_OUT" '"class":"websocket"'
assert_exit 0 curl -s --unix-socket "$sock" "lxd$op/wait?timeout=20"
assert_contains "$LXFE_OUT" '"status":"Failure"'
assert_contains "$LXFE_OUT" "waiting for websockets"

# Events: lxc monitor sees the lifecycle; lxc stop/start wait on operation events.
lxc monitor --type lifecycle >"$LXFE_RUN/monitor.out" 2>&1 &
mon=$!
lxfe_sleep 1
assert_exit 0 timeout 60 lxc stop c1
assert_exit 0 timeout 60 lxc start c1
lxfe_sleep 1
kill "$mon" 2>/dev/null || true
wait "$mon" 2>/dev/null || true
mon_out=$(cat "$LXFE_RUN/monitor.out")
assert_contains "$mon_out" "instance-shutdown"
assert_contains "$mon_out" "instance-started"
assert_contains "$mon_out" "source: /1.0/instances/c1"

# Console: attach, detach with ctrl+a q; the log is readable and clearable.
out=$( (
	lxfe_sleep 2
	printf '\001'
	lxfe_sleep 0.5
	printf 'q'
	lxfe_sleep 5
) | timeout 20 script -qec "lxc console c1; echo CONSOLE-EXIT=\$?" /dev/null) || true
assert_contains "$out" "CONSOLE-EXIT=0"
assert_exit 0 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" lxd/1.0/instances/c1/console
assert_eq 200 "$LXFE_OUT" "GET console"
assert_exit 0 curl -s --unix-socket "$sock" -X DELETE lxd/1.0/instances/c1/console
assert_contains "$LXFE_OUT" '"status_code":200'

lxfe_log "websocket tests passed"
