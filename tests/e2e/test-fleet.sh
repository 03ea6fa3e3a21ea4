#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf start, lxf stop, lxf delete, lxf init, lxf monitor
# covers: lxf image list, lxf profile list, lxf network list, lxf storage list
# covers: lxf operation list, lxf remote list, lxf info, lxf config set, lxf config get
#
# A fleet: three hosts, two busybox containers on each. `lxf list` shows
# all six with their remote and an address from their own host's subnet,
# keeps listing when one remote is down (exit 3), and stop/delete work.
# No lxfd runs on this machine (`local` has no socket), so it is not part
# of the fleet: unqualified names are looked up across h1..h4 (one, several
# or none), a new name needs a remote, image/profile/network/storage/
# operation lists cover the fleet with a REMOTE column, `lxf list
# REMOTE:NAME` is that instance, `remote list` says who answers with what
# server, and launch says where a missing image alias is (issue #17).
# A hung host (lxfd SIGSTOPped) costs lxf list a short timeout, named, with
# the others' rows, and so does a remote whose connect hangs (the 2 s
# connect limit); config.yml's timeout: changes both, --timeout overrides
# it; remote list finishes, marking them down; a terminal is told "waiting
# for h3…". Actions on several hosts run in parallel (the others' targets are
# done while the hung host's is still awaited), and each error of a
# several-target command names its target.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# h4 is the "extra" remote that will go unreachable.
hosts_up 4
hosts_import_image 1 2 3

for i in 1 2 3; do
	for c in c1 c2; do
		assert_exit 0 lxf_run launch busybox "h$i:$c"
	done
done

# Rows of `lxf list -f csv` as "remote name state ipv4s", for the checks.
# The REMOTE column comes first; the rest is found by content.
fleet_rows() {
	lxf_run list -f csv -c r,n,s,4 2>/dev/null | python3 -c '
import csv, sys
for row in csv.reader(sys.stdin):
    if len(row) >= 4:
        print(row[0], row[1], row[2], row[3].replace("\n", ";").replace(" ", "_") or "-")
'
}

# Every container RUNNING, with an IPv4 address from its own host's subnet.
fleet_ready() {
	local rows r n=0
	rows=$(fleet_rows) || return 1
	for i in 1 2 3; do
		for c in c1 c2; do
			r=$(printf '%s\n' "$rows" | awk -v r="h$i" -v c="$c" '$1 == r && $2 == c')
			case "$r" in
			*" RUNNING $(host_subnet "$i")."*) n=$((n + 1)) ;;
			esac
		done
	done
	[ "$n" = 6 ]
}
if ! wait_until 30 fleet_ready; then
	fail "fleet not RUNNING with DHCP addresses after 30 s:
$(lxf_run list 2>&1)
--- rows:
$(fleet_rows)"
fi

# The default table: a REMOTE column first, all six containers.
assert_exit 0 lxf_run list
table=$LXFE_OUT
header=$(printf '%s\n' "$table" | grep -m1 'NAME')
assert_contains "$header" "REMOTE" "table header"
[ "$(printf '%s\n' "$header" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')" = REMOTE ] ||
	fail "REMOTE is not the first column: $header"
for i in 1 2 3; do
	assert_contains "$table" "h$i" "lxf list"
done
assert_eq 6 "$(printf '%s\n' "$table" | grep -c 'RUNNING')" "RUNNING rows in lxf list"

# JSON carries the remote of every instance.
assert_exit 0 lxf_run list -f json
remotes=$(printf '%s' "$LXFE_OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
items = d if isinstance(d, list) else [dict(i, remote=r) for r, l in d.items() for i in l]
print(" ".join(sorted("%s:%s" % (i["remote"], i["name"]) for i in items)))
') || fail "lxf list -f json is not the expected JSON: $LXFE_OUT"
assert_eq "h1:c1 h1:c2 h2:c1 h2:c2 h3:c1 h3:c2" "$remotes" "remotes in JSON"

# Each container is a liblxc container of its own host: its monitor
# answers only in that host's namespace; its init has a namespace of its
# own, and its veth is on that host's lxfbr0.
declare -A seen=()
for i in 1 2 3; do
	ns=$(host_ns "$i")
	host_net="net:[$(stat -L -c %i "/run/netns/$ns")]"
	for c in c1 c2; do
		pid=$(container_pid "$i" "$c") || fail "lxc-info in $ns does not know $c"
		net=$(readlink "/proc/$pid/ns/net")
		[ "$net" != "$host_net" ] || fail "h$i:$c shares its host's netns"
		[ "$net" != "$(readlink /proc/self/ns/net)" ] || fail "h$i:$c runs in the root netns"
		[ -z "${seen[$net]:-}" ] || fail "h$i:$c shares a netns with ${seen[$net]}"
		seen[$net]=h$i:$c
		# It has cgroups of its own (limits.* depend on it): not the
		# root cgroup that a daemon blind to the cgroup tree would give.
		cg=$(grep -E '^[0-9]+:memory:' "/proc/$pid/cgroup")
		assert_contains "$cg" "lxc.payload.$c" "h$i:$c memory cgroup"
		# The container's address is on its eth0, from the host's subnet.
		addr=$(nsenter --net="/proc/$pid/ns/net" ip -4 -o addr show dev eth0)
		assert_contains "$addr" " $(host_subnet "$i")." "h$i:$c eth0 address"
	done
	assert_eq 2 "$(ip -n "$ns" -o link show master lxfbr0 | wc -l)" "veths on h$i's lxfbr0"
done

# --- One rule for the fleet (issue #17): no lxfd on this machine (`local`
# has no socket), so `local` is not part of it; unqualified names are
# looked up across h1..h4. A fleet monitor says nothing of `local`.
LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" monitor --type lifecycle -f json \
	>"$LXFE_RUN/monitor.out" 2>"$LXFE_RUN/monitor.err" &
mon=$!
assert_exit 0 lxf_run init busybox h2:solo
wait_until 10 grep -q '"remote":"h2"' "$LXFE_RUN/monitor.out" ||
	fail "no event from h2 in the fleet monitor: $(cat "$LXFE_RUN/monitor.out" "$LXFE_RUN/monitor.err")"
kill -INT "$mon"
wait "$mon" || fail "monitor did not exit 0 on SIGINT: $(cat "$LXFE_RUN/monitor.err")"
assert_eq "" "$(cat "$LXFE_RUN/monitor.err")" "fleet monitor stderr"
assert_exit 0 lxf_run config set solo user.where=here
assert_exit 0 lxf_run config get h2:solo user.where
assert_eq here "$LXFE_OUT" "config set on the one remote holding solo"
assert_exit 0 lxf_run info solo
assert_contains "$LXFE_OUT" "solo" "info solo"
assert_exit 2 lxf_run info c1
assert_contains "$LXFE_ERR" "c1 is on h1, h2, h3: use h1:c1" "an ambiguous name"
assert_exit 1 lxf_run config show nosuch
assert_contains "$LXFE_ERR" "instance 'nosuch' not found on h1, h2, h3, h4" "a name nowhere"
assert_not_contains "$LXFE_ERR" "unix.socket" "a name nowhere"
assert_exit 2 lxf_run launch busybox web
assert_contains "$LXFE_ERR" "one of h1, h2, h3, h4" "a new name without a remote"
assert_exit 0 lxf_run delete solo

# Fleet lists with a REMOTE column, or only the remotes named.
assert_exit 0 lxf_run image list -f csv
for i in 1 2 3; do
	assert_contains "$LXFE_OUT" "h$i,busybox," "image list"
done
assert_exit 0 lxf_run profile list -f csv
for i in 1 2 3 4; do
	assert_contains "$LXFE_OUT" "h$i,default," "profile list"
done
assert_exit 0 lxf_run profile list h2: -f csv
assert_eq "h2,default" "$(cut -d, -f1,2 <<<"$LXFE_OUT")" "profile list h2:"
assert_exit 0 lxf_run image list -f json
assert_eq "h1 h2 h3" "$(jq -r '[.[].remote] | join(" ")' <<<"$LXFE_OUT")" "image list JSON remotes"
assert_exit 0 lxf_run storage list
assert_contains "$LXFE_OUT" "REMOTE" "storage list"
assert_exit 0 lxf_run operation list
assert_contains "$LXFE_OUT" "REMOTE" "operation list"
assert_exit 0 lxf_run network list -f csv
assert_contains "$LXFE_OUT" "h4,lxfbr0," "network list"

# REMOTE:NAME in lxf list is that instance there; REMOTE: all of it.
assert_exit 0 lxf_run list h1:c1 h2:c2 -f csv -c rn
assert_eq "h1,c1 h2,c2" "$(xargs <<<"$LXFE_OUT")" "list h1:c1 h2:c2"
assert_exit 0 lxf_run list h1: h2:c1 -f csv -c rn
assert_eq "h1,c1 h1,c2 h2,c1" "$(xargs <<<"$LXFE_OUT")" "list h1: h2:c1"
assert_exit 0 lxf_run list h3: c2 -f csv -c rn
assert_eq "h3,c2" "$(xargs <<<"$LXFE_OUT")" "list h3: c2 (a bare word filters)"
# A picked name that is not there is said, not an empty row (issue #17 item 7).
assert_exit 1 lxf_run list h1:nosuch -f csv -c rn
assert_contains "$LXFE_ERR" "instance 'nosuch' not found on h1" "list h1:nosuch"
assert_eq "" "$LXFE_OUT" "list h1:nosuch prints no table"
assert_exit 3 lxf_run list h1:c1 h2:nosuch -f csv -c rn
assert_eq "h1,c1" "$(xargs <<<"$LXFE_OUT")" "list h1:c1 h2:nosuch"
assert_contains "$LXFE_ERR" "instance 'nosuch' not found on h2" "list h1:c1 h2:nosuch"

# The launch image error names the remote looked on and where the alias is.
assert_exit 1 lxf_run launch busybox h4:x
assert_contains "$LXFE_ERR" "image 'busybox' not found on h4 (it is on h1, h2, h3: lxf image copy h1:busybox h4: --alias busybox)" "launch on a remote without the image"

# remote list: each remote's answer, server and version, asked together.
ver=$(lxf_run version h1: | sed -n 's/^Server version: //p')
assert_exit 0 lxf_run remote list
for i in 1 2 3 4; do
	assert_contains "$(grep "| h$i " <<<"$LXFE_OUT")" "| up " "remote list h$i"
	assert_contains "$(grep "| h$i " <<<"$LXFE_OUT")" "| lxfd $ver " "remote list h$i"
done
assert_contains "$(grep "| local " <<<"$LXFE_OUT")" "| absent " "remote list local"

# One remote goes down: partial result, exit 3, the six still listed.
kill -9 "$(cat "$(host_dir 4)/lxfd.pid")"
wait_until 10 sh -c "! kill -0 $(cat "$(host_dir 4)/lxfd.pid") 2>/dev/null" || fail "h4's lxfd survived SIGKILL"
assert_exit 3 lxf_run list
assert_eq 6 "$(printf '%s\n' "$LXFE_OUT" | grep -c 'RUNNING')" "RUNNING rows with h4 down"
assert_contains "$LXFE_ERR" "h4" "error about the unreachable remote"
assert_exit 3 lxf_run profile list -f csv
assert_contains "$LXFE_ERR" "remote 'h4'" "profile list with h4 down"
assert_contains "$LXFE_OUT" "h3,default," "profile list with h4 down"
assert_exit 0 lxf_run remote list
assert_contains "$(grep "| h4 " <<<"$LXFE_OUT")" "| down" "remote list h4 down"
assert_exit 0 lxf_run info h1:c2

# Stop, start, delete.
assert_exit 0 lxf_run stop h1:c1
assert_eq STOPPED "$(container_state 1 c1)" "h1:c1 after stop"
assert_exit 3 lxf_run list -f csv -c r,n,s
assert_contains "$LXFE_OUT" "h1,c1,STOPPED" "list after stop"
assert_exit 0 lxf_run start h1:c1
assert_eq RUNNING "$(container_state 1 c1)" "h1:c1 after start"
assert_exit 0 lxf_run stop h1:c1
assert_exit 0 lxf_run delete h1:c1
[ ! -e "$(host_dir 1)/containers/c1" ] || fail "h1:c1's files remain after delete"
# A running container needs -f.
assert_exit 1 lxf_run delete h2:c2
assert_eq RUNNING "$(container_state 2 c2)" "h2:c2 after a refused delete"
assert_exit 0 lxf_run delete -f h2:c2
[ -z "$(container_state 2 c2)" ] || fail "h2:c2 still known to liblxc after delete -f"
# The other hosts' containers are untouched.
assert_exit 3 lxf_run list -f csv -c r,n,s
for rc in h1,c2 h2,c1 h3,c1 h3,c2; do
	assert_contains "$LXFE_OUT" "$rc,RUNNING" "list after delete"
done
assert_not_contains "$LXFE_OUT" "h1,c1," "list after delete"
assert_not_contains "$LXFE_OUT" "h2,c2," "list after delete"

# --- A hung host: h3's lxfd stopped (SIGSTOP), resumed before teardown;
# and hx, whose connect hangs: a listener whose accept queue is full (the
# connections that filled it never accepted) drops further SYNs.
HUNG_PID=$(cat "$(host_dir 3)/lxfd.pid")
python3 - "$LXFE_RUN/hx.port" <<'PY' &
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
held = []
for _ in range(8):
    c = socket.socket()
    c.settimeout(0.5)
    try:
        c.connect(s.getsockname())
    except OSError:
        break
    held.append(c)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
PY
HX_PID=$!
trap 'kill -CONT "$HUNG_PID" 2>/dev/null || true; kill "$HX_PID" 2>/dev/null || true; _lxfe_on_exit' EXIT
wait_until 10 test -s "$LXFE_RUN/hx.port" || fail "the listener for hx did not start"
hx_conf=$LXFE_RUN/conf-hx
mkdir -p "$hx_conf"
{
	echo "remotes:"
	for i in 1 2 3; do
		printf '  h%s: {addr: "unix://%s", protocol: lxd}\n' "$i" "$(host_socket "$i")"
	done
	printf '  hx: {addr: "https://127.0.0.1:%s", protocol: lxd}\n' "$(cat "$LXFE_RUN/hx.port")"
} >"$hx_conf/config.yml"
# `timeout 30` only detects a hang (it was 60 s): no timing is asserted.
lxf_hx() { timeout 30 env LXF_CONF="$hx_conf" LXF_DIR="$LXFE_RUN/no-local" "$LXFE_LXF" "$@"; }
kill -STOP "$HUNG_PID"
assert_exit 3 lxf_hx list -f csv -c r,n,s
for rc in h1,c2 h2,c1; do
	assert_contains "$LXFE_OUT" "$rc,RUNNING" "list with h3 hung"
done
assert_contains "$(grep h3 <<<"$LXFE_ERR")" "no answer for 5 s" "list names the hung host"
assert_contains "$(grep hx <<<"$LXFE_ERR")" "no connection within 2 s" "list names hx"
# timeout: in config.yml sets both limits, lxf --timeout overrides it.
echo "timeout: 3" >>"$hx_conf/config.yml"
assert_exit 3 lxf_hx list
assert_contains "$(grep h3 <<<"$LXFE_ERR")" "no answer for 3 s" "list with timeout: 3"
assert_contains "$(grep hx <<<"$LXFE_ERR")" "no connection within 3 s" "list with timeout: 3"
assert_exit 3 lxf_hx --timeout 2 list
assert_contains "$(grep h3 <<<"$LXFE_ERR")" "no answer for 2 s" "lxf --timeout 2 list"
# remote list finishes too (exit 0: the table of the remotes), those two down.
assert_exit 0 lxf_hx remote list
assert_contains "$(grep "| h3 " <<<"$LXFE_OUT")" "| down: " "remote list h3 hung"
assert_contains "$(grep "| h3 " <<<"$LXFE_OUT")" "no answer for 3 s" "remote list h3 hung"
assert_contains "$(grep "| hx " <<<"$LXFE_OUT")" "no connection within 3 s" "remote list hx"
assert_contains "$(grep "| h1 " <<<"$LXFE_OUT")" "| up " "remote list h1 with h3 hung"
kill "$HX_PID"
wait "$HX_PID" 2>/dev/null || true
# On a terminal, a note names the host being waited for.
script -qec "env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local $LXFE_LXF list" /dev/null >"$LXFE_RUN/tty.out" 2>&1 || true
assert_contains "$(cat "$LXFE_RUN/tty.out")" "waiting for h3" "lxf list on a terminal"

# A stop on three hosts, h3's first: h1's and h2's targets are stopped
# while h3's is still awaited (one after the other, they would wait for it).
lxf_run --timeout 60 stop h3:c2 h1:c2 h2:c1 >"$LXFE_RUN/stop.out" 2>&1 &
STOP_PID=$!
ok=1
wait_until 30 container_is 1 c2 STOPPED || ok=0
wait_until 30 container_is 2 c1 STOPPED || ok=0
kill -0 "$STOP_PID" 2>/dev/null || fail "stop ended before h3 answered: $(cat "$LXFE_RUN/stop.out")"
kill -CONT "$HUNG_PID"
rc=0
wait "$STOP_PID" || rc=$?
[ "$ok" = 1 ] || fail "h1:c2 and h2:c1 not stopped while h3 hung: $(container_state 1 c2) $(container_state 2 c1)"
assert_eq 0 "$rc" "parallel stop: $(cat "$LXFE_RUN/stop.out")"
assert_eq STOPPED "$(container_state 3 c2)" "h3:c2 after stop"

# Per-target results in argument order, each error naming its target.
assert_exit 1 lxf_run stop h3:no1 h1:no2 h2:no3
assert_eq "h3:no1 h1:no2 h2:no3" "$(printf '%s\n' "$LXFE_ERR" | grep -o 'h[0-9]:no[0-9]' | xargs)" \
	"stop errors in argument order"
assert_exit 3 lxf_run delete h1:c2 h2:nosuch
assert_contains "$LXFE_ERR" "Error: h2:nosuch: " "delete names the missing target"
[ -z "$(container_state 1 c2)" ] || fail "h1:c2 not deleted beside a missing target"

echo "PASS: fleet ($LXFE_ID)"
