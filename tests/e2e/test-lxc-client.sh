#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: GET /1.0/instances/{name}, GET /1.0/instances/{name}/state, lxf info, lxf delete
# covers: PUT /1.0/instances/{name}/state, POST /1.0/profiles
# covers: POST /1.0/images (via lxc), POST /1.0/images/aliases (via lxc)
# covers: POST /1.0/instances (via lxc), PUT /1.0/instances/{name}/state (via lxc)
# covers: POST /1.0/instances/{name}/exec (via lxc), POST /1.0/instances/{name}/files (via lxc)
# covers: GET /1.0/instances/{name}/files (via lxc), GET /1.0/events (via lxc)
# covers: POST /1.0/instances/{name}/snapshots (via lxc), DELETE /1.0/instances/{name} (via lxc)
#
# LXD's own client (Debian's lxd-client, `lxc`) against lxfd, through
# LXD_SOCKET: image import with an alias, launch, list (table and JSON,
# with the DHCP address), info, exec (exit codes, a pty that is a tty
# inside), file push/pull, snapshot/restore, limits.memory down to the
# memory cgroup, profiles, monitor, stop and delete. Every call runs
# under a timeout: the client waits on events for each async operation,
# and a hang is a failure of its own. Bad input changes nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

hosts_up 1

lxc_client 1

# ---------------------------------------------------------------- images
# A streamed upload (Go sends it chunked) with an alias.
assert_exit 0 lx image import "$(lxfe_image)" --alias bb
assert_contains "$LXFE_OUT" "Image imported with fingerprint: "
fp=${LXFE_OUT##*fingerprint: }
assert_exit 0 lx image list -f csv -c lf
assert_contains "$LXFE_OUT" "bb,${fp:0:12}" "image list"
# Not an image: refused, the list unchanged.
head -c 4096 /dev/urandom >"$LXFE_RUN/junk.tar.gz"
assert_exit 1 lx image import "$LXFE_RUN/junk.tar.gz" --alias junk
assert_exit 0 lx image list -f csv -c l
assert_eq bb "$LXFE_OUT" "image list after a bad import"
assert_exit 1 lx image import "$(lxfe_image)" --alias bb2
assert_contains "$LXFE_ERR" "already exists"

# ---------------------------------------------------------------- launch, list, info
assert_exit 0 lx launch bb c1
assert_contains "$LXFE_OUT" "Creating c1"
assert_eq RUNNING "$(container_state 1 c1)" "liblxc's view of c1"
assert_exit 0 lx list -f csv -c ns
assert_eq "c1,RUNNING" "$LXFE_OUT" "lxc list csv"
assert_exit 1 lx launch bb c1
assert_contains "$LXFE_ERR" "already exists"
assert_exit 1 lx launch nosuchimage c2
assert_exit 0 lx list -f csv -c n
assert_eq c1 "$LXFE_OUT" "list after failed launches"

# The DHCP address shows in the JSON list (state.network) and the table.
sub=$(host_subnet 1)
has_addr() {
	lx list c1 -f json | json_check "any(a['family'] == 'inet' and a['address'].startswith('$sub.')
	    for a in d[0]['state']['network']['eth0']['addresses'])" 2>/dev/null
}
wait_until 30 has_addr || fail "c1 got no IPv4 address from $sub.0/24"
lx list -f json | json_check "len(d) == 1 and d[0]['name'] == 'c1' and d[0]['status'] == 'Running'
    and d[0]['status_code'] == 103 and d[0]['type'] == 'container' and d[0]['profiles'] == ['default']
    and d[0]['state']['pid'] > 1 and d[0]['state']['network']['lo']['type'] == 'loopback'" ||
	fail "lxc list --format json"
assert_exit 0 lx list
assert_contains "$LXFE_OUT" "| c1   | RUNNING | $sub." "lxc list table"
assert_contains "$LXFE_OUT" "(eth0)" "lxc list table"
assert_exit 0 lx info c1
assert_contains "$LXFE_OUT" "Name: c1"
assert_contains "$LXFE_OUT" "Status: RUNNING"
assert_contains "$LXFE_OUT" "inet:  $sub."
assert_exit 1 lx info nosuch
assert_contains "$LXFE_ERR" "not found"

# ---------------------------------------------------------------- exec
assert_exit 3 lx exec c1 -- sh -c 'echo out; echo err >&2; exit 3'
assert_eq out "$LXFE_OUT" "exec stdout"
assert_eq err "$LXFE_ERR" "exec stderr"
assert_exit 0 lx exec c1 -- sh -c 'test -t 0 || echo "no tty"'
assert_eq "no tty" "$LXFE_OUT" "non-interactive exec has no tty"
assert_exit 127 lx exec c1 -- no-such-command
# Interactive: a pty of the container's own devpts, owned by its root.
# shellcheck disable=SC2016 # expanded by the container's shell
out=$(printf 'tty; ls -ln $(tty); echo $((6*7))\nexit 4\n' |
	timeout 60 script -qec "stty rows 30 cols 100; lxc exec c1 -- sh" /dev/null) && rc=0 || rc=$?
assert_eq 4 "$rc" "interactive exit code"
assert_contains "$out" "42"
assert_not_contains "$out" "not a tty" "tty inside"
printf '%s\n' "$out" | grep -Eq '^/dev/pts/[0-9]+' || fail "tty inside is not /dev/pts/N: $out"
printf '%s\n' "$out" | grep -Eq '^c[-rwx]{9} +1 0 +5 ' || fail "pty not owned by root:tty inside: $out"

# ---------------------------------------------------------------- files
head -c 300000 /dev/urandom >"$LXFE_RUN/blob"
assert_exit 0 lx file push "$LXFE_RUN/blob" c1/root/blob
assert_exit 0 lx exec c1 -- busybox stat -c '%s %u' /root/blob
assert_eq "300000 0" "$LXFE_OUT" "pushed size and owner"
assert_exit 0 lx file pull c1/root/blob "$LXFE_RUN/blob.back"
cmp -s "$LXFE_RUN/blob" "$LXFE_RUN/blob.back" || fail "file round trip differs"
assert_exit 1 lx file pull c1/root/nosuch "$LXFE_RUN/nosuch"
[ ! -e "$LXFE_RUN/nosuch" ] || fail "a failed pull left a file"

# ---------------------------------------------------------------- snapshots
assert_exit 0 lx exec c1 -- sh -c 'echo v1 >/root/f'
assert_exit 0 lx snapshot c1 s1
assert_exit 0 lx exec c1 -- sh -c 'echo v2 >/root/f'
assert_exit 0 lx info c1
assert_contains "$LXFE_OUT" "| s1 " "snapshot in lxc info"
assert_exit 0 lx restore c1 s1
assert_exit 0 lx exec c1 -- cat /root/f
assert_eq v1 "$LXFE_OUT" "content after restore"
assert_exit 1 lx restore c1 nosuch
assert_exit 0 lx exec c1 -- cat /root/f
assert_eq v1 "$LXFE_OUT" "content after a failed restore"

# ---------------------------------------------------------------- limits.memory
memcg() {
	local pid path
	pid=$(lx query /1.0/instances/c1/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	path=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$pid/cgroup")
	cat "/sys/fs/cgroup/memory$path/memory.limit_in_bytes"
}
before=$(memcg)
assert_exit 0 lx config set c1 limits.memory 64MB
assert_eq 64000000 "$(memcg)" "memory cgroup limit"
assert_exit 0 lx config get c1 limits.memory
assert_eq 64MB "$LXFE_OUT" "limits.memory"
lx query /1.0/instances/c1/state | json_check "d['status'] == 'Running' and d['memory']['usage'] > 0" ||
	fail "state after limits.memory"
assert_exit 1 lx config set c1 limits.memory lots
assert_exit 0 lx config get c1 limits.memory
assert_eq 64MB "$LXFE_OUT" "limits.memory after a bad value"
assert_eq 64000000 "$(memcg)" "memory cgroup after a bad value"
assert_exit 0 lx config unset c1 limits.memory
[ "$(memcg)" != 64000000 ] || fail "limits.memory unset left the cgroup limit (was $before)"

# ---------------------------------------------------------------- profiles
assert_exit 0 lx profile create p1
assert_exit 0 lx profile set p1 environment.FOO bar
assert_exit 0 lx profile add c1 p1
# shellcheck disable=SC2016 # expanded inside
assert_exit 0 lx exec c1 -- sh -c 'echo $FOO'
assert_eq bar "$LXFE_OUT" "environment from profile p1"
assert_exit 0 lx profile show p1
assert_contains "$LXFE_OUT" "environment.FOO: bar"
assert_contains "$LXFE_OUT" "- /1.0/instances/c1"
assert_exit 0 lx list c1 -f json
printf '%s' "$LXFE_OUT" | json_check "d[0]['profiles'] == ['default', 'p1']" || fail "profiles of c1"
assert_exit 1 lx profile add c1 nosuch
assert_exit 1 lx profile create p1
assert_contains "$LXFE_ERR" "already exists"
assert_exit 1 lx profile delete p1
assert_exit 0 lx config show c1
assert_contains "$LXFE_OUT" "- p1" "profiles after failed changes"
# A chunked body (as Go streams them) with broken framing: 400, no profile.
raw_post() {
	timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(("POST /1.0/profiles HTTP/1.1\r\nHost: lxd\r\nTransfer-Encoding: chunked\r\n"
           "Content-Type: application/json\r\n\r\n" + sys.argv[2]).encode())
s.settimeout(15)
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
print(out.decode(errors="replace"))
' "$LXD_SOCKET" "$1"
}
out=$(raw_post $'ZZ\r\n{"name":"p2"}\r\n0\r\n\r\n')
assert_contains "$out" '"error_code":400' "bad chunked framing"
assert_contains "$out" "chunk size"
out=$(raw_post $'6\r\n{"name\r\n7\r\n":"p3"}\r\n0\r\n\r\n')
assert_contains "$out" "201" "good chunked framing"
lx profile list -f json | json_check "sorted(p['name'] for p in d) == ['default', 'p1', 'p3']" ||
	fail "profiles after chunked requests"
assert_exit 0 lx profile delete p3

# ---------------------------------------------------------------- monitor, stop, delete
timeout 60 lxc monitor --type lifecycle -f json >"$LXFE_RUN/monitor.out" 2>&1 &
mon=$!
lxfe_sleep 1
assert_exit 0 lx stop c1
assert_exit 0 lx list -f csv -c ns
assert_eq "c1,STOPPED" "$LXFE_OUT" "list after stop"
assert_eq STOPPED "$(container_state 1 c1)" "liblxc's view after stop"
# Another client starts it: the monitor sees instance-started.
assert_exit 0 curl -s --unix-socket "$LXD_SOCKET" -X PUT -d '{"action":"start"}' \
	lxd/1.0/instances/c1/state
assert_contains "$LXFE_OUT" '"type":"async"'
wait_until 20 grep -q '"instance-started"' "$LXFE_RUN/monitor.out" ||
	fail "monitor saw no instance-started: $(cat "$LXFE_RUN/monitor.out")"
grep -q '"instance-shutdown"\|"instance-stopped"' "$LXFE_RUN/monitor.out" ||
	fail "monitor saw no stop: $(cat "$LXFE_RUN/monitor.out")"
grep '"instance-started"' "$LXFE_RUN/monitor.out" | head -n1 |
	json_check "d['type'] == 'lifecycle' and d['metadata']['source'] == '/1.0/instances/c1'" ||
	fail "instance-started event"
kill "$mon" 2>/dev/null || true
wait "$mon" 2>/dev/null || true
wait_until 20 container_is 1 c1 RUNNING || fail "c1 not RUNNING after start"

assert_exit 1 lx delete c1
assert_contains "$LXFE_ERR" "running"
assert_exit 0 lx stop -f c1
assert_exit 0 lx delete c1
assert_exit 0 lx list -f csv -c n
assert_eq "" "$LXFE_OUT" "list after delete"
assert_exit 1 lx info c1
[ ! -e "$(host_dir 1)/containers/c1" ] || fail "c1's directory left after delete"
# Broken instances (issue #18): a liblxc config that liblxc cannot parse,
# under a stopped and under a running container. The real lxc and lxf show
# them and delete them; the database renders the config again for the stop.
for how in stopped running; do
	assert_exit 0 lx init bb "br-$how"
	[ "$how" = stopped ] || assert_exit 0 lx start "br-$how"
	printf 'lxc.no.such.key = 1\n' >"$(host_dir 1)/containers/br-$how/config"
	assert_exit 0 lx info "br-$how"
	assert_contains "$LXFE_OUT" "Name: br-$how" "lxc info of a broken $how instance"
	assert_exit 0 lxf_run info "h1:br-$how"
	assert_contains "$LXFE_OUT" "Status:" "lxf info of a broken $how instance"
	assert_exit 0 lx list -f csv -c n
	assert_contains "$LXFE_OUT" "br-$how" "lxc list with a broken $how instance"
done
assert_exit 0 lx delete -f br-stopped
assert_exit 0 lxf_run delete -f h1:br-running
not_running() { ! container_is 1 "$1" RUNNING; }
wait_until 20 not_running br-running || fail "br-running's container still runs after its delete"
assert_exit 0 lx list -f csv -c n
assert_eq "" "$LXFE_OUT" "list after deleting the broken instances"
assert_exit 0 lx profile delete p1
assert_exit 0 lx image delete bb
assert_exit 0 lx image list -f csv -c f
assert_eq "" "$LXFE_OUT" "image list after delete"
echo "PASS: the lxc client drives lxfd"
