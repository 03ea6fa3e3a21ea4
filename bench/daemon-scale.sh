#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/daemon-scale.sh: one daemon with many containers, lxfd against LXD
# (Debian's lxd 5.0) on this machine, in one run (issue #20: the daemon at
# scale). Prints a markdown table for bench/RESULTS.md:
#   - idle CPU and wake-ups of lxfd over 30 s with 0 and with 10 running
#     containers (a fleet's overhead is this times its hosts), and of both
#     daemons with all COUNT;
#   - each daemon's RSS once settled with COUNT containers, RUNNING of them
#     running, and after the lists;
#   - GET /1.0/instances?recursion=2 and ?recursion=1: median wall time of
#     RUNS single curl requests, and the daemon's CPU per request.
#
#   bench/daemon-scale.sh [--running N] [--runs N] [--idle SECS] [--lxfd-only]
#                         [--hold FILE] [COUNT]
#       COUNT containers per daemon (200), N running (COUNT / 4), RUNS 20,
#       idle windows of SECS (30); --hold keeps both daemons up, their
#       sockets printed, until FILE is removed (to profile them by hand).
#       Root; builds nothing: needs build/, or $LXF_BUILD.
#
# Both daemons run in the host's network namespace on a state dir of their
# own under /var/tmp (a dir storage pool, the same busybox image, eth0 on a
# bridge of this run without DHCP), as bench/daemon.sh does; every name
# carries this run's id, so runs beside other benchmarks and tests do not
# clash. Everything is removed at exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
count=200
running=
runs=20
idle=30
hold=
daemons="lxfd lxd"
while [ $# -gt 0 ]; do
	case "$1" in
	--running) running=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--idle) idle=$2; shift 2 ;;
	--hold) hold=$2; shift 2 ;;
	--lxfd-only) daemons=lxfd; shift ;;
	-h | --help) sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "bench/daemon-scale.sh: unknown option '$1'" >&2; exit 2 ;;
	*) count=$1; shift ;;
	esac
done
running=${running:-$((count / 4))}
if [ "$count" -lt 10 ] || [ "$running" -lt 10 ] || [ "$running" -gt "$count" ]; then
	echo "bench/daemon-scale.sh: needs COUNT >= --running >= 10" >&2
	exit 2
fi

LXFD=${LXF_BUILD:-$top/build}/daemon/lxfd
[ -x "$LXFD" ] || { echo "build lxfd first (cmake --build build)" >&2; exit 1; }
[ "$daemons" = lxfd ] || command -v lxd >/dev/null ||
	{ echo "needs Debian's lxd (apt-get install lxd lxd-client)" >&2; exit 1; }
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

id=$(printf '%04x' $(((RANDOM ^ $$) & 0xffff)))
B=/var/tmp/lxf-dscale-$id
BR=lxfds$id
# Container names: cgroups (lxc.payload.NAME) are global, so they carry the id.
cname() { printf 'ds%s-%s%d' "$id" "$1" "$2"; }
export B id
declare -A PID R

cleanup() {
	set +e
	bench_teardown "$running" "ds$id"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

daemon_sock() { echo "$B/$1/unix.socket"; }
# shellcheck source=bench/daemon-lib.sh
. "$top/bench/daemon-lib.sh"
export -f daemon_sock api call cname

# each DAEMON FROM TO METHOD SUFFIX [JSON]: call on containers FROM..TO, four at a time.
each() {
	local d=$1 from=$2 to=$3 m=$4 sfx=$5 body=${6:-}
	[ "$from" -le "$to" ] || return 0
	seq "$from" "$to" | xargs -P 4 -I{} bash -c \
		'call "$0" "$1" "/1.0/instances/$(cname "$2" {})$3" ${4:+"$4"}' \
		"$d" "$m" "${d:2:1}" "$sfx" "$body"
}
# create DAEMON FROM TO: containers FROM..TO from the busybox image.
create() {
	local d=$1
	[ "$2" -le "$3" ] || return 0
	seq "$2" "$3" | xargs -P 4 -I{} bash -c \
		'call "$0" POST /1.0/instances "{\"name\":\"$(cname "$1" {})\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}"' \
		"$d" "${d:2:1}"
}

rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# Context switches of all of PID's threads: each is a wake-up of one.
wakeups() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }

# idle_cpu DAEMON KEY: CPU ms and wake-ups of the daemon left alone for $idle s.
idle_cpu() {
	local p=${PID[$1]} t0 w0 t1 w1
	sleep 5 # what the last request started settles first
	t0=$(cpu_ticks "$p")
	w0=$(wakeups "$p")
	sleep "$idle"
	t1=$(cpu_ticks "$p")
	w1=$(wakeups "$p")
	R[$2]=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v s="$idle" -v w=$((w1 - w0)) \
		'BEGIN { printf "%d ms (%.2f%% of a core), %d wake-ups", (b - a) * 1000 / hz, (b - a) * 100 / hz / s, w }')
}

# lists DAEMON REC: RUNS requests of ?recursion=REC; wall median, CPU per request.
lists() {
	local d=$1 rec=$2 t0 f=$B/$1.rec$2
	: >"$f"
	t0=$(cpu_ticks "${PID[$d]}")
	for _ in $(seq "$runs"); do
		curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$B/$d/unix.socket" \
			"http://lxd/1.0/instances?recursion=$rec" | awk '{ printf "%.1f\n", $1 * 1000 }' >>"$f"
	done
	R[$d.rec$rec.cpu]=$(awk -v a="$t0" -v b="$(cpu_ticks "${PID[$d]}")" -v hz="$(getconf CLK_TCK)" \
		-v n="$runs" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')
	R[$d.rec$rec]=$(median <"$f")
}

# check DAEMON: the list has every container, RUNNING of them running.
check() {
	local got
	got=$(api "$1" GET '/1.0/instances?recursion=2' |
		jq -r --arg p "ds$id-" '[.metadata[] | select(.name | startswith($p))] |
			"\(length) \(map(select(.state.status == "Running")) | length)"')
	[ "$got" = "$count $running" ] ||
		{ echo "bench: $1 lists $got (containers, running), not $count $running" >&2; exit 1; }
}

bench_daemons_up "$daemons"

# --- lxfd idle: no container, then 10 running
idle_cpu lxfd lxfd.idle0
R[lxfd.rss0]=$(rss_mb "${PID[lxfd]}")
create lxfd 1 10
each lxfd 1 10 PUT /state '{"action":"start"}'
idle_cpu lxfd lxfd.idle10
R[lxfd.rss10]=$(rss_mb "${PID[lxfd]}")

# --- COUNT containers on each, RUNNING of them running
for d in $daemons; do
	if [ "$d" = lxfd ]; then
		create lxfd 11 "$count"
		each lxfd 11 "$running" PUT /state '{"action":"start"}'
	else
		create lxd 1 "$count"
		each lxd 1 "$running" PUT /state '{"action":"start"}'
	fi
	check "$d"
done
sleep 10
for d in $daemons; do
	R[$d.rss]=$(rss_mb "${PID[$d]}")
	idle_cpu "$d" "$d.idleN"
done
if [ -n "$hold" ]; then
	for d in $daemons; do echo "$d: pid ${PID[$d]}, socket $B/$d/unix.socket" >&2; done
	echo "holding until $hold is removed" >&2
	touch "$hold"
	while [ -e "$hold" ]; do sleep 2; done
fi
for d in $daemons; do
	lists "$d" 2
	lists "$d" 1
	R[$d.rssl]=$(rss_mb "${PID[$d]}")
done

row() { # LABEL KEY [ratio: 1 when a larger LXD figure is better for lxfd]
	local a=${R[lxfd.$2]} b=${R[lxd.$2]:-}
	if [ "$daemons" = lxfd ]; then
		printf '| %s | %s |\n' "$1" "$a"
	else
		printf '| %s | %s | %s | %s |\n' "$1" "$a" "$b" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.1fx", b / a; else print "-" }')"
	fi
}
echo "$count containers per daemon, $running running (busybox; $(date -u '+%F %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
if [ "$daemons" = lxfd ]; then
	echo '| figure | lxfd |'
	echo '|---|---|'
else
	echo '| figure | lxfd | LXD | LXD / lxfd |'
	echo '|---|---|---|---|'
fi
row "GET /1.0/instances?recursion=2, ms (median of $runs)" rec2
row "daemon CPU per recursion=2 request (user + system, children included), ms" rec2.cpu
row "GET /1.0/instances?recursion=1, ms (median of $runs)" rec1
row "daemon CPU per recursion=1 request, ms" rec1.cpu
row "RSS with $count containers, settled, MB" rss
row "RSS after the $((runs * 2)) lists, MB" rssl
if [ "$daemons" = lxfd ]; then
	printf '| idle over %s s with %s containers | %s |\n' "$idle" "$count" "${R[lxfd.idleN]}"
else
	printf '| idle over %s s with %s containers | %s | %s | |\n' "$idle" "$count" "${R[lxfd.idleN]}" "${R[lxd.idleN]}"
fi
echo
echo "lxfd alone: RSS ${R[lxfd.rss0]} MB and idle over $idle s ${R[lxfd.idle0]} with no container;"
echo "RSS ${R[lxfd.rss10]} MB and idle ${R[lxfd.idle10]} with 10 running."
