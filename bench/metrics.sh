#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/metrics.sh: the cost of one GET /1.0/metrics scrape, lxfd against
# LXD (Debian's lxd 5.0) on this machine with the same running busybox
# containers (issue #19: target at least 10x less time and CPU per scrape).
# For each size (50, then 200 running containers) and each daemon:
#   - the wall time of a scrape (median of RUNS), each after the daemon's
#     8 s cache has expired (both keep the instances' part 8 s);
#   - the daemon's CPU per scrape (utime + stime of it and its waited-for
#     children, /proc/PID/stat, over the RUNS scrapes);
#   - the slowest GET /1.0 of 5 sent while a scrape runs (a scrape must not
#     stall other requests).
# Prints a markdown table, the ratios LXD / lxfd.
#
#   bench/metrics.sh [--runs N] [--sizes "50 200"] [--lxfd-only]
#       Root; builds nothing: needs build/, or $LXF_BUILD.
#
# Both daemons run in the host's network namespace on state dirs of their
# own under /var/tmp, as bench/daemon-scale.sh does (its helpers:
# daemon-lib.sh); every name carries this run's id. Removed at exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=5
sizes="50 200"
daemons="lxfd lxd"
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--lxfd-only) daemons=lxfd; shift ;;
	-h | --help) sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/metrics.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
max=0
for s in $sizes; do [ "$s" -le "$max" ] || max=$s; done

LXFD=${LXF_BUILD:-$top/build}/daemon/lxfd
[ -x "$LXFD" ] || { echo "build lxfd first (cmake --build build)" >&2; exit 1; }
[ "$daemons" = lxfd ] || command -v lxd >/dev/null ||
	{ echo "needs Debian's lxd (apt-get install lxd lxd-client)" >&2; exit 1; }
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

id=$(printf '%04x' $(((RANDOM ^ $$) & 0xffff)))
B=/var/tmp/lxf-mx-$id
BR=lxfmx$id
cname() { printf 'mx%s-%s%d' "$id" "$1" "$2"; }
export B id
declare -A PID R
started=0

cleanup() {
	set +e
	bench_teardown "$started" "mx$id"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

daemon_sock() { echo "$B/$1/unix.socket"; }
# shellcheck source=bench/daemon-lib.sh
. "$top/bench/daemon-lib.sh"
export -f daemon_sock api call cname

# up DAEMON FROM TO: containers FROM..TO made from busybox and started, four at a time.
up() {
	local d=$1
	[ "$2" -le "$3" ] || return 0
	seq "$2" "$3" | xargs -P 4 -I{} bash -c '
		n=$(cname "$1" {})
		call "$0" POST /1.0/instances "{\"name\":\"$n\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}" &&
		call "$0" PUT "/1.0/instances/$n/state" "{\"action\":\"start\"}"' "$d" "${d:2:1}"
}

# scrape DAEMON SIZE: RUNS scrapes, each after the cache expired.
scrape() {
	local d=$1 n=$2 t0 f=$B/$1.$2 s=$B/$1/unix.socket worst=0 x bg
	: >"$f"
	sleep 9
	t0=$(cpu_ticks "${PID[$d]}")
	for _ in $(seq "$runs"); do
		curl -s -o "$B/out" -w '%{time_total}\n' --unix-socket "$s" http://lxd/1.0/metrics |
			awk '{ printf "%.1f\n", $1 * 1000 }' >>"$f"
		sleep 9
	done
	R[$d.$n.cpu]=$(awk -v a="$t0" -v b="$(cpu_ticks "${PID[$d]}")" -v hz="$(getconf CLK_TCK)" \
		-v n="$runs" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')
	R[$d.$n]=$(median <"$f")
	R[$d.$n.samples]=$(grep -c '^lxd_procs_total{' "$B/out" || true)
	# GET /1.0 while a scrape runs (the cache has expired: the scrape reads).
	curl -s -o /dev/null --unix-socket "$s" http://lxd/1.0/metrics &
	bg=$!
	for _ in 1 2 3 4 5; do
		x=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$s" http://lxd/1.0 |
			awk '{ printf "%.1f", $1 * 1000 }')
		worst=$(awk -v a="$worst" -v b="$x" 'BEGIN { print (b > a) ? b : a }')
	done
	wait "$bg"
	R[$d.$n.get]=$worst
}

bench_daemons_up "$daemons"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b != "") printf "%.1fx", b / a; else print "-" }'; }
# rows N: the table's rows for N running containers (printed as each size is done).
rows() {
	local n=$1 k label
	for k in "" .cpu .get; do
		case "$k" in
		"") label="scrape wall time, ms (median of $runs)" ;;
		.cpu) label="daemon CPU per scrape (user + system), ms" ;;
		.get) label="slowest GET /1.0 of 5 during a scrape, ms" ;;
		esac
		printf '| %s | %s | %s | %s | %s |\n' "$n" "$label" "${R[lxfd.$n$k]}" "${R[lxd.$n$k]:-}" \
			"$(ratio "${R[lxfd.$n$k]}" "${R[lxd.$n$k]:-}")"
	done
	printf '| %s | containers in the last scrape | %s | %s | |\n' "$n" "${R[lxfd.$n.samples]}" \
		"${R[lxd.$n.samples]:-}"
}

echo "GET /1.0/metrics, busybox containers all running ($(date -u '+%F %H:%M') UTC)"
echo
echo '| running | figure | lxfd | LXD | LXD / lxfd |'
echo '|---|---|---|---|---|'
for n in $(tr ' ' '\n' <<<"$sizes" | sort -n); do
	for d in $daemons; do up "$d" $((started + 1)) "$n"; done
	started=$n
	sleep 10
	for d in $daemons; do scrape "$d" "$n"; done
	rows "$n"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
