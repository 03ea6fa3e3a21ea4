#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf init, lxf snapshot, lxf image import, lxf remote add
# covers: lxf remote list, lxf image list, lxf profile list, lxf info, lxf top
#
# `lxf list` shows what `lxc list` shows, on the same real LXD (Debian's
# lxd 5.0): a private LXD in harness host 1's network namespace (eth0 on
# that host's lxfbr0, whose dnsmasq hands out IPv4 addresses), with two
# running containers (one with a snapshot) and one stopped. For the
# default columns (state and snapshots: recursion=2) and for columns that
# need neither (recursion=1), `lxf list lxd: -f csv -c COLUMNS` must equal
# `lxc list -f csv -c COLUMNS` line for line, IP cells included.
#
# With an lxfd host beside it: `remote list` shows LXD's server and
# version, image and profile lists cover both (issue #17).
#
# LXD is started and torn down as in test-lxd-interop.sh. When LXD is
# missing or cannot start here the test says so LOUDLY and exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# Names carry the run id (cgroups are global) and sort the same by byte
# order (lxc) and by version order (lxf).
LXD_NAMES="ll${LXFE_ID}a ll${LXFE_ID}b ll${LXFE_ID}c"
read -r CA CB CC <<<"$LXD_NAMES"
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

# Host 1: an lxfd beside LXD in the fleet. Host 2: the network part only
# (netns, lxfbr0, dnsmasq), for LXD.
hosts_up 1
hosts_import_image 1
_lxfe_host_net 2
lxd_up 2

assert_exit 0 lxf_run remote add lxd "unix://$LXD_D/unix.socket"
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox
assert_exit 0 lxf_run launch busybox "lxd:$CA"
assert_exit 0 lxf_run launch busybox "lxd:$CB"
assert_exit 0 lxf_run init busybox "lxd:$CC"
assert_exit 0 lxf_run snapshot "lxd:$CA" s0

# Wait for both running containers' DHCP leases, so that IPv4 cells are
# not empty (and stop changing) while the two clients are compared.
has_ipv4() { [ "$(lxc_ list "$1" -f csv -c 4 | grep -c '(eth0)')" -ge 1 ]; }
wait_until 60 has_ipv4 "$CA" || fail "no IPv4 address for $CA"
wait_until 60 has_ipv4 "$CB" || fail "no IPv4 address for $CB"

# compare COLUMNS: lxf's CSV rows equal lxc's, byte for byte (-c prints
# exactly the columns asked: no REMOTE column in front).
compare() {
	local want
	want=$(lxc_ list -f csv -c "$1")
	assert_exit 0 lxf_run list lxd: -f csv -c "$1"
	[ -n "$want" ] || fail "lxc list -c $1 printed nothing"
	assert_eq "$want" "$LXFE_OUT" "lxf list vs lxc list, columns $1"
}
compare ns46tS
compare nstS
compare nst
compare ns4
assert_contains "$(lxc_ list -f csv -c nS)" "$CA,1" "snapshot counted by lxc"

# A fleet of lxfd and LXD (issue #17): remote list says who answers with
# what server; image and profile lists cover both with a REMOTE column; an
# unqualified name is found on LXD. No lxfd runs on this machine (local).
assert_exit 0 lxf_run remote list
lxd_ver=$(lxc_ version | sed -n 's/^Server version: //p')
assert_contains "$(grep "| lxd " <<<"$LXFE_OUT")" "| up " "remote list: LXD answers"
assert_contains "$(grep "| lxd " <<<"$LXFE_OUT")" "| lxd $lxd_ver " "remote list: LXD's version"
assert_contains "$(grep "| h1 " <<<"$LXFE_OUT")" "| lxfd " "remote list: lxfd"
assert_exit 0 lxf_run image list -f csv
assert_contains "$LXFE_OUT" "h1,busybox," "fleet image list: lxfd"
assert_contains "$LXFE_OUT" "lxd,busybox," "fleet image list: LXD"
assert_exit 0 lxf_run profile list -f csv
assert_contains "$LXFE_OUT" "h1,default," "fleet profile list: lxfd"
assert_contains "$LXFE_OUT" "lxd,default," "fleet profile list: LXD"
assert_exit 0 lxf_run info "$CC"
assert_contains "$LXFE_OUT" "$CC" "an unqualified name found on LXD"
assert_contains "$(lxc_ list -f csv -c ns)" "$CC,STOPPED" "stopped container"

# lxf top reads LXD's own /1.0/metrics (issue #19): its two running
# containers with their figures, the stopped one absent, the same JSON
# fields as from lxfd.
assert_exit 0 lxf_run top lxd: --once -n 1 -f json
printf '%s' "$LXFE_OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)
want = sys.argv[1:3]
insts = {i["name"]: i for i in t["instances"]}
assert sorted(insts) == sorted(want), (sorted(insts), want)
for i in insts.values():
    assert i["source"] == "metrics" and i["remote"] == "lxd", i
    assert i["cpu_percent"] is not None and i["memory_bytes"] > 0, i
    assert i["processes"] >= 1, i
assert [h["remote"] for h in t["hosts"]] == ["lxd"] and t["hosts"][0]["instances"] == 2, t
' "$CA" "$CB" || fail "lxf top lxd: -f json: $LXFE_OUT"
