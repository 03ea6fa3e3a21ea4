#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf stop
# covers: GET /1.0, GET /1.0/instances/{name}, GET /1.0/instances/{name}/state
# covers: GET /1.0/profiles/{profile}, GET /1.0/networks, POST /1.0/networks
# covers: GET /1.0/networks/{network}, PUT /1.0/networks/{network}, PATCH /1.0/networks/{network}
# covers: DELETE /1.0/networks/{network}, GET /1.0/networks/{network}/state
# covers: PUT /internal/shutdown (via lxfd shutdown)
#
# lxfd's own networking: on a host without the harness bridge, `lxfd init
# --auto` makes lxfbr0 with lxfd's dnsmasq and NAT, and a container gets a
# lease from it; --preseed applies LXD's YAML and names the failing piece;
# networks can be created, changed and deleted (not while in use); after
# `lxfd shutdown` and a new start the bridge, its dnsmasq and the
# containers that were running (and boot.autostart ones) come back.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LXFE_NO_BRIDGE=1 hosts_up 1
hosts_import_image 1
sock=$(host_socket 1)
dir=$(host_dir 1)

# api METHOD PATH [BODY]: the response envelope; api_code: its HTTP status.
api() {
	curl -s --unix-socket "$sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
		"http://lxd$2"
}
api_code() {
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X "$1" \
		${3:+-H 'Content-Type: application/json' -d "$3"} "http://lxd$2"
}
# jq-like: field PATH of the JSON on stdin (python3, dotted path, [n] indexes).
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for p in sys.argv[1].split("."):
    v = v[int(p)] if isinstance(v, list) else v.get(p) if v is not None else None
print("" if v is None else (json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list, bool)) else v))
' "$1"
}
lxfd_init() {
	LXF_DIR=$dir "$LXFE_LXFD" init --dir "$dir" "$@"
}

host_exec 1 ip link show lxfbr0 >/dev/null 2>&1 && fail "the host must start without lxfbr0"

# --auto: bridge, pool, profile.
assert_exit 0 lxfd_init --auto
net=$(api GET /1.0/networks/lxfbr0)
assert_eq true "$(printf '%s' "$net" | jget metadata.managed)" "lxfbr0 managed"
assert_eq Created "$(printf '%s' "$net" | jget metadata.status)" "lxfbr0 status"
cidr=$(api GET /1.0/networks/lxfbr0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["config"]["ipv4.address"])')
case "$cidr" in 10.*.*.1/24) ;; *) fail "auto address: '$cidr'" ;; esac
prefix=${cidr%.1/24}
assert_contains "$(host_exec 1 ip -4 -o addr show lxfbr0)" "$cidr" "bridge address"
assert_contains "$(host_exec 1 nft list table ip lxfd-lxfbr0)" "masquerade" "NAT rule"
[ -s "$dir/networks/lxfbr0/dnsmasq.pid" ] || fail "no dnsmasq pid file"
dpid=$(cat "$dir/networks/lxfbr0/dnsmasq.pid")
[ -d "/proc/$dpid" ] || fail "dnsmasq $dpid is not running"
prof=$(api GET /1.0/profiles/default)
assert_contains "$prof" '"eth0":{"type":"nic","nictype":"bridged","parent":"lxfbr0","name":"eth0"}' "profile eth0"
assert_contains "$prof" '"root":{' "profile root"
# Running it again changes nothing and succeeds.
assert_exit 0 lxfd_init --auto

# A container gets its address from lxfd's dnsmasq.
assert_exit 0 lxf_run launch busybox h1:c1
has_lease() {
	api GET /1.0/instances/c1/state | grep -q "\"address\":\"$prefix\\."
}
wait_until 60 has_lease || fail "c1 got no lease in $prefix.0/24: $(api GET /1.0/instances/c1/state)"
grep -q "$prefix\\." "$dir/networks/lxfbr0/dnsmasq.leases" || fail "no lease recorded by dnsmasq"

# Networks: in use, create, change, state, delete.
assert_eq 400 "$(api_code DELETE /1.0/networks/lxfbr0)" "delete of a used network"
assert_contains "$(api DELETE /1.0/networks/lxfbr0)" "currently in use"
assert_eq 201 "$(api_code POST /1.0/networks '{"name":"tnet0","config":{"ipv4.address":"10.199.7.1/24","ipv4.dhcp":"false"}}')" "create tnet0"
assert_eq 409 "$(api_code POST /1.0/networks '{"name":"tnet0"}')" "create tnet0 again"
assert_eq 400 "$(api_code POST /1.0/networks '{"name":"tnet1","config":{"ipv4.address":"300.1.1.1/24"}}')" "bad address"
assert_eq 400 "$(api_code POST /1.0/networks '{"name":"tnet1","type":"macvlan"}')" "bad type"
assert_eq 400 "$(api_code POST /1.0/networks '{"name":"bad name"}')" "bad name"
host_exec 1 ip link show tnet1 >/dev/null 2>&1 && fail "a refused network left a link"
etag=$(curl -s -D - -o /dev/null --unix-socket "$sock" http://lxd/1.0/networks/tnet0 | awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r"')
[ -n "$etag" ] || fail "no ETag on a managed network"
assert_eq 412 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X PATCH -H 'If-Match: "nope"' -d '{"config":{}}' http://lxd/1.0/networks/tnet0)" "If-Match mismatch"
assert_eq 200 "$(api_code PATCH /1.0/networks/tnet0 '{"config":{"ipv4.address":"10.199.8.1/24"}}')" "patch tnet0"
assert_contains "$(host_exec 1 ip -4 -o addr show tnet0)" "10.199.8.1/24" "patched address"
st=$(api GET /1.0/networks/tnet0/state)
assert_contains "$st" '"address":"10.199.8.1"' "state address"
assert_contains "$st" '"state":"up"' "state up"
assert_eq 400 "$(api_code PUT /1.0/networks/lo '{"config":{}}')" "unmanaged PUT"
assert_eq 404 "$(api_code GET /1.0/networks/nope0)" "missing network"
list=$(api GET '/1.0/networks?recursion=1')
assert_contains "$list" '"name":"lo","description":"","type":"loopback","managed":false'
assert_contains "$(api GET /1.0/networks)" '"/1.0/networks/tnet0"'
assert_eq 200 "$(api_code DELETE /1.0/networks/tnet0)" "delete tnet0"
host_exec 1 ip link show tnet0 >/dev/null 2>&1 && fail "tnet0 link left behind"
host_exec 1 nft list table ip lxfd-tnet0 >/dev/null 2>&1 && fail "tnet0 NAT table left behind"

# --preseed: config, pool, profile; a bad piece is named.
assert_exit 0 lxfd_init --preseed <<'YAML'
config:
  core.shutdown_timeout: 2
storage_pools:
- name: default
  driver: dir
profiles:
- name: auto
  description: autostarted
  config:
    boot.autostart: true
YAML
assert_eq '{"core.shutdown_timeout":"2"}' "$(api GET /1.0 | jget metadata.config)" "preseed config"
assert_eq '{"boot.autostart":"true"}' "$(api GET /1.0/profiles/auto | jget metadata.config)" "preseed profile"
assert_exit 1 lxfd_init --preseed <<'YAML'
networks:
- name: lxfbr1
  config:
    ipv6.address: fd42::1/64
YAML
assert_contains "$LXFE_ERR" 'networks[0] (lxfbr1): ipv6.address'
assert_exit 1 lxfd_init --preseed <<'YAML'
cluster:
  enabled: true
YAML
assert_contains "$LXFE_ERR" 'preseed section "cluster" is not supported'
assert_exit 1 lxfd_init --preseed <<'YAML'
storage_pools:
- name: big
  driver: zfs
YAML
assert_contains "$LXFE_ERR" 'storage_pools[0] (big)'
assert_exit 2 lxfd_init
assert_exit 2 lxfd_init --auto --preseed

# Autostart: c1 was running at `lxfd shutdown`, c2 has boot.autostart, c3
# was stopped and stays so.
assert_exit 0 lxf_run launch busybox h1:c2 -p default -p auto
assert_exit 0 lxf_run launch busybox h1:c3
assert_exit 0 lxf_run stop h1:c2 h1:c3
wait_until 30 container_is 1 c2 STOPPED || fail "c2 did not stop"
LXF_DIR=$dir timeout 60 "$LXFE_LXFD" shutdown --dir "$dir" || fail "lxfd shutdown failed"
container_is 1 c1 STOPPED || fail "shutdown left c1 running"
_lxfe_lxfd_start 1
_lxfe_lxfd_wait 1
wait_until 60 container_is 1 c1 RUNNING || fail "c1 was not restarted"
wait_until 60 container_is 1 c2 RUNNING || fail "c2 (boot.autostart) was not started"
container_is 1 c3 STOPPED || fail "c3 should have stayed stopped"
dpid2=$(cat "$dir/networks/lxfbr0/dnsmasq.pid")
[ -d "/proc/$dpid2" ] || fail "dnsmasq not restarted with lxfd"
[ "$dpid" != "$dpid2" ] || fail "the old dnsmasq was kept"
# A zombie counts as gone: this sandbox's pid 1 may not reap orphans.
[ -d "/proc/$dpid" ] && [ "$(awk '{ print $3 }' "/proc/$dpid/stat" 2>/dev/null)" != Z ] &&
	fail "the old dnsmasq $dpid still runs"
# volatile.last_state.power as LXD keeps it across `lxfd shutdown` and the start.
power() {
	api GET "/1.0/instances/$1" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["metadata"]["config"].get("volatile.last_state.power", ""))'
}
assert_eq RUNNING "$(power c1)" "c1's volatile.last_state.power after the restart"
assert_eq STOPPED "$(power c3)" "c3's volatile.last_state.power after the restart"
wait_until 60 has_lease || fail "c1 got no lease after the restart"
echo "PASS"
