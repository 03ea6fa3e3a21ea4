#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf remote list
# covers: GET /1.0
#
# The harness itself: three hosts come up, each lxfd answers from inside
# its own namespace, each namespace has its own lxfbr0 and uplink, hosts
# reach each other over the test bridge, and teardown leaves nothing. A
# fourth host, past LXFE_NET_HOSTS, has an lxfd and an uplink but no
# container network (no lxfbr0, no dnsmasq), as on a big fleet.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LXFE_NET_HOSTS=3 hosts_up 4

root_net=$(readlink /proc/self/ns/net)
for i in 1 2 3; do
	ns=$(host_ns "$i")

	# The daemon answers GET /1.0 through its socket, asked from inside
	# the namespace, and it really lives in that namespace.
	assert_exit 0 host_exec "$i" curl -sS --max-time 10 --unix-socket "$(host_socket "$i")" http://lxf/1.0
	assert_contains "$LXFE_OUT" '"status_code":200' "h$i GET /1.0"
	assert_contains "$LXFE_OUT" '"type":"sync"' "h$i GET /1.0"
	pid=$(cat "$(host_dir "$i")/lxfd.pid")
	assert_eq "net:[$(stat -L -c %i "/run/netns/$ns")]" "$(readlink "/proc/$pid/ns/net")" "h$i lxfd netns"

	# Its own lxfbr0 with its own subnet, and the uplink into the test
	# bridge, whose root-side end is enslaved to the test bridge.
	assert_exit 0 ip -n "$ns" -o -4 addr show dev lxfbr0
	assert_contains "$LXFE_OUT" " $(host_subnet "$i").1/24 " "h$i lxfbr0 address"
	assert_exit 0 ip -n "$ns" -o -4 addr show dev "$(host_peer "$i")"
	assert_contains "$LXFE_OUT" " $(host_ip "$i")/24 " "h$i uplink address"
	assert_exit 0 ip -o link show dev "$(host_veth "$i")"
	assert_contains "$LXFE_OUT" "master $LXFE_BR " "h$i veth in the test bridge"

	# The namespace is not the root one, and the root has no lxfbr0 of ours.
	[ "$(readlink "/proc/$pid/ns/net")" != "$root_net" ] || fail "h$i lxfd runs in the root netns"
	dpid=$(cat "$(host_dir "$i")/dnsmasq.pid")
	assert_eq "net:[$(stat -L -c %i "/run/netns/$ns")]" "$(readlink "/proc/$dpid/ns/net")" "h$i dnsmasq netns"
done

# h4: up, its uplink only.
assert_exit 0 lxf_run query h4:/1.0
assert_exit 1 ip -n "$(host_ns 4)" link show dev lxfbr0
[ ! -e "$(host_dir 4)/dnsmasq.pid" ] || fail "h4 has a dnsmasq"
assert_exit 0 host_exec 4 busybox ping -c 1 -W 2 "$(host_ip 1)"

# Host to host over the test bridge, and to another host's lxfbr0 (routed).
for pair in 1:2 2:3 3:1; do
	a=${pair%:*} b=${pair#*:}
	assert_exit 0 host_exec "$a" busybox ping -c 1 -W 2 "$(host_ip "$b")"
	assert_exit 0 host_exec "$a" busybox ping -c 1 -W 2 "$(host_subnet "$b").1"
done

# All four remotes are registered in the run's client config.
assert_exit 0 lxf_run remote list
for i in 1 2 3 4; do
	assert_contains "$LXFE_OUT" "h$i" "lxf remote list"
done

id=$LXFE_ID run=$LXFE_RUN
teardown
if ! left=$(lxfe_leftovers "$id" "$run"); then
	fail "teardown left:
$left"
fi
# A second teardown is a harmless no-op.
lxfe_teardown_id "$id" "$run"
echo "PASS: harness ($id)"
