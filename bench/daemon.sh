#!/usr/bin/env bash
# bench/daemon.sh: lxfd against LXD (Debian's lxd) on this machine, in one
# run, through the same clients (curl on each daemon's unix socket; launch
# and stop timed inside one python client, bench/api-time.py), so that the
# figures compare daemons, not CLIs. Prints a markdown table of medians
# and ratios for bench/RESULTS.md.
#
#   bench/daemon.sh [--cycles N] [--runs N] [--lxfd-only]
#       (root; builds nothing: needs build/, or $LXF_BUILD)
#
# Both daemons get their own state dir under /var/tmp/lxf-bench, a dir
# storage pool, the same busybox image and an eth0 on an unmanaged bridge
# without DHCP (as in shared/reference/lxd-5.0-baseline.md). Everything is
# removed at exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cycles=250
runs=8
daemons="lxfd lxd"
while [ $# -gt 0 ]; do
	case "$1" in
	--cycles) cycles=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--lxfd-only) daemons=lxfd; shift ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/daemon.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done

B=/var/tmp/lxf-bench
LXFD=${LXF_BUILD:-$top/build}/daemon/lxfd
BR=lxfbench0
[ -x "$LXFD" ] || { echo "build lxfd first (cmake --build build)" >&2; exit 1; }
[ "$daemons" = lxfd ] || command -v lxd >/dev/null || { echo "needs Debian's lxd (apt-get install lxd lxd-client)" >&2; exit 1; }

declare -A SOCK PID
cleanup() {
	set +e
	for d in lxfd lxd; do
		[ -S "${SOCK[$d]:-/nonexistent}" ] || continue
		for n in $(api "$d" GET /1.0/instances | jq -r '.metadata[]' 2>/dev/null); do
			api "$d" PUT "$n/state" '{"action":"stop","force":true}' >/dev/null
			sleep 0.1
			api "$d" DELETE "$n" >/dev/null
		done
	done
	[ -n "${PID[lxd]:-}" ] && LXD_DIR=$B/lxd timeout 60 lxd shutdown >/dev/null 2>&1
	[ -n "${PID[lxfd]:-}" ] && kill "${PID[lxfd]}" 2>/dev/null
	sleep 1
	for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null; done
	bench_remove_run "$BR" "$B"
}
trap cleanup EXIT

daemon_sock() { echo "${SOCK[$1]}"; }
# shellcheck source=bench/daemon-lib.sh
. "$top/bench/daemon-lib.sh"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
mem_avail_kb() { awk '/^MemAvailable/ { print $2 }' /proc/meminfo; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

rm -rf "$B" && mkdir -p "$B"
ip link add "$BR" type bridge && ip link set "$BR" up
"$top/scripts/mkimage-busybox" "$B/busybox.tar.gz" >/dev/null

# --- start both daemons
if [ "$daemons" != lxfd ]; then
	LXD_DIR=$B/lxd setsid lxd --group root --logfile "$B/lxd.log" </dev/null >/dev/null 2>&1 &
	PID[lxd]=$!
	SOCK[lxd]=$B/lxd/unix.socket
	LXD_DIR=$B/lxd lxd waitready --timeout 120
	LXD_DIR=$B/lxd lxd init --preseed <<YAML
storage_pools: [{name: default, driver: dir}]
profiles: [{name: default, devices: {root: {path: /, pool: default, type: disk},
            eth0: {name: eth0, nictype: bridged, parent: $BR, type: nic}}}]
YAML
fi

setsid "$LXFD" --dir "$B/lxfd" --logfile "$B/lxfd.log" </dev/null >/dev/null 2>&1 &
PID[lxfd]=$!
SOCK[lxfd]=$B/lxfd/unix.socket
"$LXFD" waitready --dir "$B/lxfd" --timeout 30
call lxfd PATCH /1.0/profiles/default \
	"{\"devices\":{\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR\",\"name\":\"eth0\"}}}"

for d in $daemons; do
	out=$(curl -s --unix-socket "${SOCK[$d]}" -X POST -H 'Content-Type: application/octet-stream' \
		--data-binary @"$B/busybox.tar.gz" http://lxd/1.0/images)
	op=$(jq -r .operation <<<"$out")
	fp=$(api "$d" GET "$op/wait?timeout=60" | jq -r .metadata.metadata.fingerprint)
	call "$d" POST /1.0/images/aliases "{\"name\":\"busybox\",\"target\":\"$fp\"}"
done

declare -A R
# --- idle footprint: both daemons set up, no container, settled
sleep 5
for d in $daemons; do
	R[$d.rss]=$(rss_kb "${PID[$d]}")
	R[$d.pss]=$(pss_kb "${PID[$d]}")
done
# lxfd's helpers (lxfd-admin, lxfd-image) are short-lived: one still
# running at idle would be part of lxfd's footprint, so it is added in.
for h in $(pgrep -P "${PID[lxfd]}" -f 'lxfd-(admin|image)' || true); do
	R[lxfd.rss]=$((R[lxfd.rss] + $(rss_kb "$h")))
	R[lxfd.pss]=$((R[lxfd.pss] + $(pss_kb "$h")))
done

# --- launch (create + start) and stop --force, N=1
for d in $daemons; do
	: >"$B/$d.launch"
	: >"$B/$d.stop"
	for i in $(seq 1 "$runs"); do
		# Timed inside one client process (api-time.py), not with
		# curl + jq whose start-ups would be most of a 30 ms stop.
		"$top/bench/api-time.py" "${SOCK[$d]}" launch "l$i" >>"$B/$d.launch"
		sleep 1
		"$top/bench/api-time.py" "${SOCK[$d]}" stop "l$i" >>"$B/$d.stop"
		call "$d" DELETE "/1.0/instances/l$i"
	done
	R[$d.launch]=$(median <"$B/$d.launch")
	R[$d.stop]=$(median <"$B/$d.stop")
done

# --- 50 containers, 25 running: memory per running container, recursion=2
for d in $daemons; do
	for i in $(seq 1 50); do
		call "$d" POST /1.0/instances "{\"name\":\"b$i\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}"
	done
	sync
	sleep 2
	before=$(mem_avail_kb)
	for i in $(seq 1 25); do
		call "$d" PUT "/1.0/instances/b$i/state" '{"action":"start"}'
	done
	sleep 5
	after=$(mem_avail_kb)
	R[$d.percont]=$(((before - after) / 25))
	: >"$B/$d.rec2"
	t0=$(cpu_ticks "${PID[$d]}")
	for _ in $(seq 1 20); do
		curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "${SOCK[$d]}" \
			'http://lxd/1.0/instances?recursion=2' | awk '{ printf "%.1f\n", $1 * 1000 }' >>"$B/$d.rec2"
	done
	# The daemon's CPU per request: less sensitive to load than the wall time.
	R[$d.rec2cpu]=$(awk -v a="$t0" -v b="$(cpu_ticks "${PID[$d]}")" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", (b - a) * 1000 / hz / 20 }')
	R[$d.rec2]=$(median <"$B/$d.rec2")
	for i in $(seq 1 50); do
		[ "$i" -le 25 ] && call "$d" PUT "/1.0/instances/b$i/state" '{"action":"stop","force":true,"timeout":-1}'
		call "$d" DELETE "/1.0/instances/b$i"
	done
done

# --- growth over create/start/delete cycles
for d in $daemons; do
	R[$d.rss0]=$(rss_kb "${PID[$d]}")
	R[$d.fd0]=$(nfds "${PID[$d]}")
	for i in $(seq 1 "$cycles"); do
		call "$d" POST /1.0/instances "{\"name\":\"cy\",\"source\":{\"type\":\"image\",\"alias\":\"busybox\"}}"
		call "$d" PUT /1.0/instances/cy/state '{"action":"start"}'
		call "$d" PUT /1.0/instances/cy/state '{"action":"stop","force":true,"timeout":-1}'
		call "$d" DELETE /1.0/instances/cy
	done
	sleep 2
	R[$d.rss1]=$(rss_kb "${PID[$d]}")
	R[$d.fd1]=$(nfds "${PID[$d]}")
done

if [ "$daemons" = lxfd ]; then
	cat <<TABLE
| figure | lxfd |
|---|---|
| idle daemon RSS (PSS), MB | $(awk "BEGIN{printf \"%.1f (%.1f)\", ${R[lxfd.rss]}/1024, ${R[lxfd.pss]}/1024}") |
| host memory per running container (MemAvailable delta / 25), MB | $(awk "BEGIN{printf \"%.2f\", ${R[lxfd.percont]}/1024}") |
| GET /1.0/instances?recursion=2, 50 containers (25 running), ms | ${R[lxfd.rec2]} |
| daemon CPU per such request (user + system, children included), ms | ${R[lxfd.rec2cpu]} |
| launch (create + start), ms | ${R[lxfd.launch]} |
| stop --force, ms | ${R[lxfd.stop]} |
| RSS before → after $cycles create/start/delete cycles, MB | $(awk "BEGIN{printf \"%.1f → %.1f\", ${R[lxfd.rss0]}/1024, ${R[lxfd.rss1]}/1024}") |
| open fds before → after $cycles cycles | ${R[lxfd.fd0]} → ${R[lxfd.fd1]} |
TABLE
	exit 0
fi
cat <<TABLE
| figure | lxfd | LXD | LXD / lxfd |
|---|---|---|---|
| idle daemon RSS (PSS), MB | $(awk "BEGIN{printf \"%.1f (%.1f)\", ${R[lxfd.rss]}/1024, ${R[lxfd.pss]}/1024}") | $(awk "BEGIN{printf \"%.1f (%.1f)\", ${R[lxd.rss]}/1024, ${R[lxd.pss]}/1024}") | $(ratio "${R[lxd.rss]}" "${R[lxfd.rss]}") |
| host memory per running container (MemAvailable delta / 25), MB | $(awk "BEGIN{printf \"%.2f\", ${R[lxfd.percont]}/1024}") | $(awk "BEGIN{printf \"%.2f\", ${R[lxd.percont]}/1024}") | $(ratio "${R[lxd.percont]}" "${R[lxfd.percont]}") |
| GET /1.0/instances?recursion=2, 50 containers (25 running), ms | ${R[lxfd.rec2]} | ${R[lxd.rec2]} | $(ratio "${R[lxd.rec2]}" "${R[lxfd.rec2]}") |
| daemon CPU per such request (user + system, children included), ms | ${R[lxfd.rec2cpu]} | ${R[lxd.rec2cpu]} | $(ratio "${R[lxd.rec2cpu]}" "${R[lxfd.rec2cpu]}") |
| launch (create + start), ms | ${R[lxfd.launch]} | ${R[lxd.launch]} | $(ratio "${R[lxd.launch]}" "${R[lxfd.launch]}") |
| stop --force, ms | ${R[lxfd.stop]} | ${R[lxd.stop]} | $(ratio "${R[lxd.stop]}" "${R[lxfd.stop]}") |
| RSS before → after $cycles create/start/delete cycles, MB | $(awk "BEGIN{printf \"%.1f → %.1f\", ${R[lxfd.rss0]}/1024, ${R[lxfd.rss1]}/1024}") | $(awk "BEGIN{printf \"%.1f → %.1f\", ${R[lxd.rss0]}/1024, ${R[lxd.rss1]}/1024}") | |
| open fds before → after $cycles cycles | ${R[lxfd.fd0]} → ${R[lxfd.fd1]} | ${R[lxd.fd0]} → ${R[lxd.fd1]} | |
TABLE
