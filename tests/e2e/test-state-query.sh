#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf init, lxf start, lxf stop, lxf restart, lxf delete, lxf move, lxf exec
# covers: GET /1.0/instances, GET /1.0/instances/{name}/state
#
# The live state as /state and recursion=2 report it, through lxfd's kept
# liblxc query objects and its per-init cache of veth names
# (daemon/backend/backend_state.c): every figure matches the kernel's own view,
# also after a restart (new init, new host veth), a rename, and a delete
# and re-create under the same name; a stopped container shows no pid.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
sock=$(host_socket 1)
api() { curl -s --unix-socket "$sock" "$@"; }
# state NAME: GET /1.0/instances/NAME/state's metadata, as JSON.
state() {
	api "lxd/1.0/instances/$1/state" |
		python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["metadata"]))'
}
# jget JSON-PATH: the value at a python path into stdin's JSON ('.' joined).
jget() { python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"; }

# check_running NAME STATE-JSON: pid, cgroup figures and eth0 as the kernel sees them.
check_running() {
	local name=$1 st=$2 pid hn idx iflink
	assert_eq Running "$(jget status <<<"$st")" "$name status"
	pid=$(jget pid <<<"$st")
	assert_eq "$(container_pid 1 "$name")" "$pid" "$name pid"
	[ "$(jget processes <<<"$st")" -ge 1 ] || fail "$name: no processes"
	[ "$(jget memory.usage <<<"$st")" -gt 0 ] || fail "$name: no memory usage"
	[ "$(jget cpu.usage <<<"$st")" -gt 0 ] || fail "$name: no cpu usage"
	assert_exit 0 lxf_run exec "h1:$name" -- cat /sys/class/net/eth0/address
	assert_eq "$(printf '%s' "$LXFE_OUT" | tr -d '\r\n')" \
		"$(jget network.eth0.hwaddr <<<"$st")" "$name eth0 hwaddr"
	assert_eq up "$(jget network.eth0.state <<<"$st")" "$name eth0 state"
	assert_eq 1500 "$(jget network.eth0.mtu <<<"$st")" "$name eth0 mtu"
	assert_eq loopback "$(jget network.lo.type <<<"$st")" "$name lo type"
	# host_name: the host end of eth0's veth pair, by its ifindex.
	hn=$(jget network.eth0.host_name <<<"$st")
	[ -n "$hn" ] || fail "$name: eth0 has no host_name"
	idx=$(host_exec 1 cat "/sys/class/net/$hn/ifindex") || fail "$name: no host interface $hn"
	assert_exit 0 lxf_run exec "h1:$name" -- cat /sys/class/net/eth0/iflink
	iflink=$(printf '%s' "$LXFE_OUT" | tr -d '\r\n')
	assert_eq "$idx" "$iflink" "$name: $hn is eth0's peer"
}

assert_exit 0 lxf_run launch busybox h1:c1
assert_exit 0 lxf_run init busybox h1:c2
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"

st=$(state c1)
check_running c1 "$st"
hn1=$(jget network.eth0.host_name <<<"$st")
pid1=$(jget pid <<<"$st")

st=$(state c2)
assert_eq Stopped "$(jget status <<<"$st")" "c2 status"
assert_eq 0 "$(jget pid <<<"$st")" "c2 pid"
assert_eq 0 "$(jget processes <<<"$st")" "c2 processes"

# recursion=2 says the same, row by row.
list=$(api 'lxd/1.0/instances?recursion=2')
assert_eq "c1 Running $pid1 $hn1|c2 Stopped 0 -|" "$(python3 -c 'import json,sys
for i in json.load(sys.stdin)["metadata"]:
    s = i["state"]
    hn = s["network"].get("eth0", {}).get("host_name") or "-"
    print(i["name"], i["status"], s["pid"], hn, end="|")' <<<"$list")" "recursion=2 rows"

# A restart: new init, new veth; the cached names must follow.
assert_exit 0 lxf_run restart -f h1:c1
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING after restart"
st=$(state c1)
[ "$(jget pid <<<"$st")" != "$pid1" ] || fail "c1 kept its old pid after a restart"
check_running c1 "$st"

# Rename: the new name answers, the old one is gone.
assert_exit 0 lxf_run stop -f h1:c1
st=$(state c1)
assert_eq Stopped "$(jget status <<<"$st")" "c1 status right after stop"
assert_exit 0 lxf_run move h1:c1 h1:c3
assert_exit 0 lxf_run start h1:c3
st=$(state c3)
check_running c3 "$st"
assert_exit 0 api lxd/1.0/instances/c1/state
assert_contains "$LXFE_OUT" '"error_code":404'

# Delete and re-create under the same name: a fresh container, running.
assert_exit 0 lxf_run delete h1:c2
assert_exit 0 api lxd/1.0/instances/c2/state
assert_contains "$LXFE_OUT" '"error_code":404'
assert_exit 0 lxf_run launch busybox h1:c2
wait_until 30 container_is 1 c2 RUNNING || fail "the new c2 not RUNNING"
st=$(state c2)
check_running c2 "$st"

lxfe_log "state queries: ok"
