#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `lxf list` shows what `lxc list` shows, on the same real LXD (Debian's
# lxd 5.0): a private LXD in harness host 1's network namespace (eth0 on
# that host's lxfbr0, whose dnsmasq hands out IPv4 addresses), with two
# running containers (one with a snapshot) and one stopped. For the
# default columns (state and snapshots: recursion=2) and for columns that
# need neither (recursion=1), `lxf list lxd: -f csv` without its REMOTE
# column must equal `lxc list -f csv` line for line, IP cells included.
#
# LXD is started and torn down as in test-lxd-interop.sh. When LXD is
# missing or cannot start here the test says so LOUDLY and exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

skip() {
	printf '\n%s\n*** SKIPPED: %s ***\n%s\n\n' "********************************************" \
		"$*" "********************************************" >&2
	exit 0
}

command -v lxd >/dev/null || skip "Debian's lxd is not installed (scripts/deps installs it)"

LXD_D=$LXFE_RUN/h1/lxd
LXD_PID=
# Names carry the run id (cgroups are global) and sort the same by byte
# order (lxc) and by version order (lxf).
NAMES="ll${LXFE_ID}a ll${LXFE_ID}b ll${LXFE_ID}c"
read -r CA CB CC <<<"$NAMES"

lxd_cleanup() {
	local pid cg n
	[ -n "$LXD_PID" ] || return 0
	pid=$LXD_PID
	LXD_PID=
	if kill -0 "$pid" 2>/dev/null; then
		LXD_DIR=$LXD_D timeout 60 lxd shutdown --timeout 50 >/dev/null 2>&1 || true
		kill -9 "$pid" 2>/dev/null || true
	fi
	for n in $NAMES; do
		for cg in /sys/fs/cgroup/*/lxc.payload."$n" /sys/fs/cgroup/*/lxc.monitor."$n"; do
			[ -d "$cg" ] || continue
			xargs -r kill -9 <"$cg/cgroup.procs" 2>/dev/null || true
		done
	done
	lxfe_sleep 0.3
	for n in $NAMES; do
		for cg in /sys/fs/cgroup/*/lxc.payload."$n" /sys/fs/cgroup/*/lxc.monitor."$n"; do
			[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	rm -rf --one-file-system -- "$LXD_D" "$LXD_D.log" 2>/dev/null || true
}

list_on_exit() {
	local rc=$?
	set +e
	lxd_cleanup
	(exit "$rc")
	_lxfe_on_exit
}
trap list_on_exit EXIT
trap 'lxd_cleanup; _lxfe_on_signal 130' INT
trap 'lxd_cleanup; _lxfe_on_signal 143' TERM
trap 'lxd_cleanup; _lxfe_on_signal 129' HUP

# Host 1: the network part only (netns, lxfbr0, dnsmasq), for LXD.
lxfe_net_up 1

mkdir -p "$LXD_D"
chmod 0755 "$LXD_D"
# shellcheck disable=SC2016 # $0 expands in the inner shell
setsid nsenter --net="/run/netns/$(host_ns 1)" unshare -m --propagation private sh -ec '
	mkdir -p "$0/.cg"
	mount --rbind /sys/fs/cgroup "$0/.cg"
	mount -t sysfs sysfs /sys
	mount --move "$0/.cg" /sys/fs/cgroup
	LXD_DIR=$0 exec lxd --group root --logfile "$0.log"
' "$LXD_D" </dev/null >"$LXD_D.out" 2>&1 &
LXD_PID=$!
disown "$LXD_PID"
if ! LXD_DIR=$LXD_D timeout 90 lxd waitready --timeout 60 >/dev/null 2>&1; then
	tail -n 20 "$LXD_D.out" "$LXD_D.log" >&2 2>/dev/null || true
	skip "LXD could not start here (see its log above)"
fi
LXD_DIR=$LXD_D lxd init --preseed <<'YAML' || fail "lxd init --preseed failed"
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
    eth0: {name: eth0, nictype: bridged, parent: lxfbr0, type: nic}
YAML

lxc_() { LXD_DIR=$LXD_D lxc "$@"; }

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

# compare COLUMNS: lxf's CSV rows, REMOTE column dropped, equal lxc's.
compare() {
	local want got
	want=$(lxc_ list -f csv -c "$1")
	assert_exit 0 lxf_run list lxd: -f csv -c "$1"
	got=$(printf '%s\n' "$LXFE_OUT" | sed 's/^lxd,//')
	[ -n "$want" ] || fail "lxc list -c $1 printed nothing"
	assert_eq "$want" "$got" "lxf list vs lxc list, columns $1"
}
compare ns46tS
compare nstS
compare nst
compare ns4
assert_contains "$(lxc_ list -f csv -c nS)" "$CA,1" "snapshot counted by lxc"
assert_contains "$(lxc_ list -f csv -c ns)" "$CC,STOPPED" "stopped container"
