#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf exec, lxf stop
#
# Failure at scale (issue #20), at a CI-friendly size: a fleet of 12 lxfd
# hosts and one real LXD (Debian's lxd 5.0, in a 13th host's namespace),
# of which two lxfd are killed (SIGKILL: their sockets refuse) and one
# hangs (SIGSTOP: it accepts and never answers). With a quarter of the
# fleet broken, every fleet-wide command still finishes, within the
# client's timeout rather than the hung host's, acts on every instance of
# the live hosts, LXD's included, names each broken host and exits 3:
#   - `lxf list` shows the live hosts' instances and names the dead ones;
#   - `lxf exec --all -- true` runs in every running instance and reports
#     the broken hosts unreachable;
#   - `lxf stop --all --yes --force status=running` stops every running
#     instance of the live hosts, and leaves the stopped one alone.
# The hosts need no container network (LXFE_NET_HOSTS=0: no dnsmasq), and
# only three hold containers, so the test stays lean under ASan. When LXD
# is missing or cannot start here the test says so LOUDLY and exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LXD_NAMES="fs${LXFE_ID}a"
LXD_C=$LXD_NAMES
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

HOSTS=12
DEAD="10 11" # SIGKILLed
HUNG=12      # SIGSTOPped, resumed before teardown
LXFE_NET_HOSTS=0 hosts_up "$HOSTS"
# LXD's host has lxfbr0 (its default profile's eth0 is on it).
_lxfe_host_net $((HOSTS + 1))
lxd_up $((HOSTS + 1))
assert_exit 0 lxf_run remote add lxd "unix://$LXD_D/unix.socket"

# Running containers on h1, h2 and LXD; a stopped one on h3; one on a
# host that will die (h11), which must not be listed or acted on.
hosts_import_image 1 2
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox
assert_exit 0 lxf_run launch busybox h1:r1
assert_exit 0 lxf_run launch busybox h2:r2
assert_exit 0 lxf_run launch busybox "lxd:$LXD_C"
none() { # REMOTE NAME: a container with no rootfs to copy, never started
	assert_exit 0 lxf_run query -X POST --wait "$1:/1.0/instances" \
		-d "{\"name\":\"$2\",\"source\":{\"type\":\"none\"}}"
}
none h3 s3
none h11 gone
assert_exit 0 lxf_run list -f csv -c r,n,s
assert_contains "$LXFE_OUT" "h11,gone,STOPPED" "list before the failures"

# --- The failures.
HUNG_PID=$(cat "$(host_dir "$HUNG")/lxfd.pid")
trap 'kill -CONT "$HUNG_PID" 2>/dev/null || true; _lxd_on_exit' EXIT
for i in $DEAD; do
	kill -KILL "$(cat "$(host_dir "$i")/lxfd.pid")"
done
kill -STOP "$HUNG_PID"
broken() { # WHAT: stderr names every broken host
	local i
	for i in $DEAD $HUNG; do
		assert_contains "$LXFE_ERR" "h$i" "$1 names h$i"
	done
}
# `timeout 60` only catches a hang (the client's own is 5 s of silence):
# no timing is asserted.
T=(timeout 60 env LXF_CONF="$LXF_CONF" LXF_DIR="$LXFE_RUN/no-local")

# lxf list: the live hosts' instances, the broken ones named, exit 3.
assert_exit 3 "${T[@]}" "$LXFE_LXF" list -f csv -c r,n,s
for rc in h1,r1,RUNNING h2,r2,RUNNING h3,s3,STOPPED "lxd,$LXD_C,RUNNING"; do
	assert_contains "$LXFE_OUT" "$rc" "list with 3 hosts broken"
done
assert_not_contains "$LXFE_OUT" "h11,gone" "list with h11 dead"
broken "list"
for i in $DEAD $HUNG; do
	assert_not_contains "$LXFE_OUT" "h$i," "list rows of broken h$i"
done

# lxf exec --all: CMD in every running instance, the broken hosts
# unreachable, exit 3.
# shellcheck disable=SC2016 # expands in the container
assert_exit 3 "${T[@]}" "$LXFE_LXF" exec --all -- sh -c 'echo ran-$(hostname)'
for n in r1 r2 "$LXD_C"; do
	assert_contains "$LXFE_OUT" "ran-$n" "exec --all output"
done
assert_not_contains "$LXFE_OUT" "ran-s3" "exec --all in a stopped instance"
broken "exec --all"
assert_contains "$LXFE_ERR" "unreachable" "exec --all summary"

# lxf stop --all --yes --force status=running: every running instance of
# the live hosts, LXD's included; exit 3 for the broken hosts.
assert_exit 3 "${T[@]}" "$LXFE_LXF" stop --all --yes --force status=running
broken "stop --all"
assert_eq STOPPED "$(container_state 1 r1)" "h1:r1 after stop --all"
assert_eq STOPPED "$(container_state 2 r2)" "h2:r2 after stop --all"
assert_contains "$(lxc_ list -f csv -c ns "$LXD_C")" "$LXD_C,STOPPED" "LXD's container after stop --all"
assert_exit 3 "${T[@]}" "$LXFE_LXF" list -f csv -c r,n,s
assert_contains "$LXFE_OUT" "h3,s3,STOPPED" "the stopped one after stop --all"
assert_not_contains "$LXFE_OUT" "RUNNING" "list after stop --all"

kill -CONT "$HUNG_PID"
echo "PASS: fleet-scale ($LXFE_ID)"
