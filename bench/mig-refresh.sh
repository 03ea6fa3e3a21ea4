#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/mig-refresh.sh: the daemon side of a minimal-downtime move between
# two lxfd hosts (issue #6), without the CLI: a running busybox container
# holding ~50 MB is copied while it runs (relay mode, tests/e2e/
# mig-relay.py), then, RUNS times, stopped, a few KB changed, and brought up
# to date with a refresh pass: the window a move keeps the container down.
# Prints the first pass and the median refresh pass (relay wall time), and
# the number of rsync processes the refresh spawned on each side.
#
#   bench/mig-refresh.sh [RUNS]     (root; $LXF_BUILD or build/; RUNS 5)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
export LXF_BUILD=${LXF_BUILD:-$top/build}
# shellcheck source=tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
RELAY=$top/tests/e2e/mig-relay.py
relay() { /usr/bin/python3 "$RELAY" "$(host_socket 1)" "$1" "$(host_socket 2)" "$2" "${@:3}" >/dev/null; }
now() { date +%s.%N; }

hosts_up 2
hosts_import_image 1
lxf_run launch busybox h1:c1 >/dev/null
lxf_run exec h1:c1 -- sh -c 'dd if=/dev/urandom of=/root/data bs=1M count=50 2>/dev/null'
t0=$(now)
relay c1 c1 || fail "first pass failed"
t1=$(now)
printf 'first pass (running source, 2 rsync passes): %.2f s\n' "$(echo "$t1 - $t0" | bc)"
times=()
for ((i = 0; i < runs; i++)); do
	lxf_run exec h1:c1 -- sh -c "echo $i >/root/tick; dd if=/dev/urandom of=/root/small bs=4k count=2 2>/dev/null"
	lxf_run stop h1:c1 --force >/dev/null
	t0=$(now)
	relay c1 c1 --refresh || fail "refresh failed"
	t1=$(now)
	times+=("$(echo "$t1 - $t0" | bc)")
	lxf_run start h1:c1 >/dev/null
done
printf 'refresh pass, %d runs (s): %s\n' "$runs" "${times[*]}"
printf 'median refresh pass: %s s\n' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
