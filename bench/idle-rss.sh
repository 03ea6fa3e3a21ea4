#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/idle-rss.sh: the idle footprint of lxfd and of LXD (Debian's lxd),
# each started on a fresh state dir, asked GET /1.0 once, then left to
# settle. Prints VmRSS, PSS, mapped library areas and lxfd's largest
# resident mappings. RSS does not depend on the machine's load, so this
# step can run alone, quicker than bench/daemon.sh's full table.
#
#   bench/idle-rss.sh [--lxfd-only] [RUNS]
#       (root; needs build/daemon/lxfd, or $LXF_BUILD/daemon/lxfd; RUNS 3)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
lxd=1
[ "${1:-}" = --lxfd-only ] && { lxd=0; shift; }
runs=${1:-3}
LXFD=${LXF_BUILD:-$top/build}/daemon/lxfd
B=$(mktemp -d /var/tmp/lxf-idle.XXXXXX)
P=
cleanup() {
	set +e
	[ -n "$P" ] && kill "$P" 2>/dev/null && wait "$P" 2>/dev/null
	rm -rf --one-file-system "$B"
}
trap cleanup EXIT
[ -x "$LXFD" ] || { echo "build lxfd first (cmake --build build)" >&2; exit 1; }

report() { # NAME PID
	printf '%s: VmRSS %s kB, PSS %s kB, library areas %s\n' "$1" \
		"$(awk '/^VmRSS/ { print $2 }' "/proc/$2/status")" \
		"$(awk '/^Pss:/ { print $2 }' "/proc/$2/smaps_rollup")" \
		"$(grep -c '\.so' "/proc/$2/maps")"
}

for i in $(seq "$runs"); do
	d=$B/lxfd$i
	mkdir -p "$d"
	setsid "$LXFD" --dir "$d" --logfile "$d/log" </dev/null >/dev/null 2>&1 &
	P=$!
	for _ in $(seq 100); do
		curl -sf --unix-socket "$d/unix.socket" http://lxd/1.0 >/dev/null && break
		sleep 0.1
	done
	sleep 5
	report lxfd "$P"
	if [ "$i" -eq "$runs" ]; then
		awk '/^[0-9a-f]+-/ { n = ($6 == "") ? "[anon]" : $6 } /^Rss:/ { r[n] += $2 }
			END { for (n in r) print r[n], n }' "/proc/$P/smaps" | sort -rn | head -8 |
			sed 's/^/    kB /'
	fi
	kill "$P"
	wait "$P" 2>/dev/null || true
	P=
done

[ "$lxd" = 1 ] || exit 0
command -v lxd >/dev/null || { echo "LXD: not installed, skipped" >&2; exit 0; }
for i in $(seq "$runs"); do
	d=$B/lxd$i
	mkdir -p "$d"
	LXD_DIR=$d setsid lxd --group root --logfile "$d/lxd.log" </dev/null >/dev/null 2>&1 &
	P=$!
	LXD_DIR=$d timeout 120 lxd waitready --timeout 100
	curl -sf --unix-socket "$d/unix.socket" http://lxd/1.0 >/dev/null
	sleep 8
	report LXD "$P"
	LXD_DIR=$d timeout 60 lxd shutdown >/dev/null 2>&1 || kill "$P"
	wait "$P" 2>/dev/null || true
	P=
done
