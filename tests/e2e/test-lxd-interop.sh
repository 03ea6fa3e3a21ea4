#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf stop, lxf delete, lxf image import, lxf remote add, lxf exec
# covers: lxf monitor, lxf export, lxf import
#
# lxf against a real LXD (Debian's lxd 5.0): a private LXD daemon is
# started by this test in harness host 3's network namespace (its own
# LXD_DIR under the run dir, a dir pool, eth0 on that host's lxfbr0), next
# to two lxfd hosts. lxf launches, execs, lists, monitors, stops and deletes
# on LXD, and one `lxf list` mixes LXD and both lxfd remotes, in a table
# and in JSON (each object's "remote" right). An instance backup of LXD's
# (`lxf export` against LXD, files shifted on LXD's disk) imports into lxfd.
#
# LXD runs in a private mount namespace with host 3's sysfs (so it sees
# lxfbr0) and the host's cgroup tree, as lxfd does: its mounts vanish with
# it. The teardown stops LXD (which stops its containers), kills what is
# left, removes the containers' cgroups and the LXD dir.
#
# When LXD is missing or cannot start here the test says so LOUDLY and
# exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

CL=lx${LXFE_ID}a # container names carry the run id: cgroups are global
C1=lx${LXFE_ID}b
C2=lx${LXFE_ID}c
LXD_NAMES=$CL
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

hosts_up 2
hosts_import_image 1 2
# Host 3: the network part only (netns, lxfbr0, dnsmasq), for LXD.
_lxfe_host_net 3
lxd_up 3

assert_exit 0 lxf_run remote add lxd "unix://$LXD_D/unix.socket"
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox

# launch on LXD and on both lxfd hosts
assert_exit 0 lxf_run launch busybox "lxd:$CL"
assert_exit 0 lxf_run launch busybox "h1:$C1"
assert_exit 0 lxf_run launch busybox "h2:$C2"
assert_eq RUNNING "$(LXD_DIR=$LXD_D lxc list "$CL" -f csv -c s)" "LXD's own view of $CL"

# exec: streams, exit status, stdin, environment, cwd
assert_exit 5 lxf_run exec "lxd:$CL" -- sh -c 'echo out; echo err >&2; exit 5'
assert_eq out "$LXFE_OUT" "exec stdout"
assert_eq err "$LXFE_ERR" "exec stderr"
out=$(printf 'line1\nline2\n' | lxf_run exec "lxd:$CL" -- sh -c 'read a; read b; echo "$b $a"')
assert_eq "line2 line1" "$out" "exec stdin"
assert_exit 0 lxf_run exec -n "lxd:$CL" --env FOO=bar --cwd /tmp -- sh -c 'echo "$FOO $(pwd)"'
assert_eq "bar /tmp" "$LXFE_OUT" "exec --env/--cwd"
assert_exit 127 lxf_run exec -n "lxd:$CL" -- no-such-command
assert_exit 1 lxf_run exec -n "lxd:nosuch$LXFE_ID" -- true
assert_contains "$LXFE_ERR" "not found"
assert_exit 2 lxf_run exec -t -T "lxd:$CL" -- true
assert_exit 0 lxf_run exec "lxd:$CL" -- sh -c 'echo fromlxd > /root/m; chown 1000:1000 /root/m'

# One list over LXD and two lxfd remotes: table and JSON.
assert_exit 0 lxf_run list -f csv -c r,n,s
for pair in "lxd,$CL" "h1,$C1" "h2,$C2"; do
	assert_contains "$LXFE_OUT" "$pair,RUNNING" "mixed list"
done
assert_exit 0 lxf_run list
assert_contains "$LXFE_OUT" "| lxd    | $CL" "mixed table"
assert_exit 0 lxf_run list -f json
printf '%s' "$LXFE_OUT" | python3 -c '
import json, sys
want = {sys.argv[1]: "lxd", sys.argv[2]: "h1", sys.argv[3]: "h2"}
got = {o["name"]: o.get("remote") for o in json.load(sys.stdin) if o["name"] in want}
if got != want:
    sys.exit("list -f json: remote per instance %r, want %r" % (got, want))
' "$CL" "$C1" "$C2" || fail "JSON list has wrong remotes"

# The same exec on an lxfd remote.
assert_exit 5 lxf_run exec "h1:$C1" -- sh -c 'echo out; echo err >&2; exit 5'
assert_eq out "$LXFE_OUT" "lxfd exec stdout"

# A fleet monitor (no remote named): lifecycle events of LXD and both lxfd
# hosts in one stream, each tagged with its remote. Not through lxf_run:
# the signal must reach lxf itself, not a subshell.
LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" monitor --type lifecycle -f json \
	>"$LXFE_RUN/monitor.out" 2>"$LXFE_RUN/monitor.err" &
mon=$!
lxfe_sleep 1
assert_exit 0 lxf_run stop -f "lxd:$CL" "h1:$C1" "h2:$C2"
for r in lxd h1 h2; do
	wait_until 10 grep -q "\"instance-stopped\".*\"remote\":\"$r\"" "$LXFE_RUN/monitor.out" ||
		fail "no instance-stopped event from $r: $(cat "$LXFE_RUN/monitor.out")"
done
kill -INT "$mon"
wait "$mon" || fail "monitor did not exit 0 on SIGINT"
assert_eq STOPPED "$(LXD_DIR=$LXD_D lxc list "$CL" -f csv -c s)" "LXD's view after lxf stop"

# LXD's backup, made and fetched by lxf, imported into lxfd: same file, same owner.
assert_exit 0 lxf_run export "lxd:$CL" "$LXFE_RUN/lxd.tar.gz"
assert_exit 0 lxf_run import h2: "$LXFE_RUN/lxd.tar.gz" "$C2-lxd"
assert_exit 0 lxf_run start "h2:$C2-lxd"
assert_exit 0 lxf_run exec "h2:$C2-lxd" -- sh -c 'cat /root/m; stat -c %u:%g /root/m'
assert_eq "fromlxd
1000:1000" "$LXFE_OUT" "LXD's backup imported into lxfd"
assert_exit 0 lxf_run delete --force "h2:$C2-lxd"

# delete
assert_exit 0 lxf_run delete "lxd:$CL"
assert_eq "" "$(LXD_DIR=$LXD_D lxc list "$CL" -f csv -c n)" "LXD's view after lxf delete"
assert_exit 0 lxf_run list lxd: -f csv -c n
assert_not_contains "$LXFE_OUT" "$CL" "list after delete"
assert_exit 0 lxf_run delete "h1:$C1" "h2:$C2"
echo "PASS: lxf drives LXD and lxfd side by side"
