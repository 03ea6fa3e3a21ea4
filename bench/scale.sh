#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/scale.sh: the fleet at scale (issue #20). Brings up HOSTS lxfd hosts
# (the e2e harness's network-namespace hosts, started in parallel) with
# PER_HOST busybox containers each, RUNNING of them running and the rest
# stopped, and measures in one run:
#   - `lxf list` over all HOSTS remotes against `lxf list h1:` (one
#     remote's): hyperfine medians and their ratio (target at most 2.5x);
#   - `lxf exec --all -- true` over every running container against one
#     `lxf exec` per container in a row (target at least 10x faster), and
#     its time per instance over the first SMALL hosts' running containers
#     against the whole fleet's (cost linear in the fleet);
#   - the sum of all daemons' idle VmRSS and PSS (/proc/PID/status,
#     smaps_rollup) and their CPU (utime+stime in /proc/PID/stat) over IDLE s;
# then, with --tui, bench/tui.sh (lxf-tui over a fleet of its own, as many hosts), and with
# --daemon, bench/daemon-scale.sh (one lxfd and one LXD with 200
# containers each), each after this fleet is gone so that they run alone.
# Prints a table; nothing is written to bench/RESULTS.md.
#
#   bench/scale.sh [--hosts N] [--per-host M] [--running R] [--small S]
#                  [--idle SECS] [--tui] [--daemon] [BUILD_DIR]
#       N 200 (at most 200), M 10, R 2, S 20 hosts, SECS 30; BENCH_RUNS (10)
#       rounds of each list. `--hosts 20` is a quick check. Root.
#
# The containers need no network: the hosts get no lxfbr0 and no dnsmasq
# (LXFE_NET_HOSTS=0), so their containers have no eth0.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
nhosts=200 per_host=10 running=2 small=20 idle=30 tui=0 daemon=0
while [ $# -gt 0 ]; do
	case "$1" in
	--hosts | --per-host | --running | --small | --idle)
		[ $# -ge 2 ] && [ -n "${2##*[!0-9]*}" ] || { echo "bench/scale.sh: $1 needs a number" >&2; exit 2; }
		case "$1" in
		--hosts) nhosts=$2 ;; --per-host) per_host=$2 ;; --running) running=$2 ;;
		--small) small=$2 ;; --idle) idle=$2 ;;
		esac
		shift 2
		;;
	--tui) tui=1 && shift ;;
	--daemon) daemon=1 && shift ;;
	-h | --help) sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
	-*) echo "bench/scale.sh: unknown option '$1'" >&2 && exit 2 ;;
	*) export LXF_BUILD=$1 && shift ;;
	esac
done
[ "$nhosts" -ge 1 ] && [ "$nhosts" -le 200 ] || { echo "bench/scale.sh: --hosts from 1 to 200" >&2; exit 2; }
[ "$running" -le "$per_host" ] || { echo "bench/scale.sh: --running at most --per-host" >&2; exit 2; }
[ "$small" -le "$nhosts" ] || small=$nhosts
export LXF_BUILD=${LXF_BUILD:-$top/build}
export LXF_E2E_TIMEOUT=${LXF_E2E_TIMEOUT:-5400}
RUNS=${BENCH_RUNS:-10}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
command -v hyperfine >/dev/null || fail "hyperfine missing (scripts/deps)"
B=$LXFE_RUN/bench
mkdir -p "$B"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.2fx" % (a / b))' "$1" "$2"; }
# hf NAME CMD: hyperfine's median of CMD in ms (RUNS rounds, one warm-up);
# CMD may exit 0 or 3 (a remote that fails is a figure of its own).
hf() {
	hyperfine -N -i -w 1 -r "$RUNS" --export-json "$B/$1.json" "$2" >/dev/null 2>&1 ||
		fail "hyperfine $1 failed: $2"
	python3 -c 'import json, sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$B/$1.json"
}
ms() { case "$1" in n/a) echo n/a ;; *) echo "$1 ms" ;; esac; }
row() { printf '| %-58s | %14s | %-22s |\n' "$@"; }

# --- The fleet.
t0=$(date +%s%N)
LXFE_NET_HOSTS=0 hosts_up "$nhosts"
up_ms=$(ms_since "$t0")
lxfe_log "$nhosts hosts up in $up_ms ms"
t0=$(date +%s%N)
hosts_populate "$per_host" "$running"
make_ms=$(ms_since "$t0")
total=$((nhosts * per_host))
nrun=$((nhosts * running))
assert_exit 0 lxf_run list -f csv -c n,s
[ "$(grep -c ',RUNNING$' <<<"$LXFE_OUT")" = "$nrun" ] || fail "not $nrun running: $LXFE_OUT"
[ "$(wc -l <<<"$LXFE_OUT")" = "$total" ] || fail "not $total listed"
lxfe_log "$total containers ($nrun running) made in $make_ms ms"

# --- lxf list: the fleet against one remote.
lxf_cmd="env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local $LXFE_LXF"
list_all=$(hf list-all "$lxf_cmd list")
list_one=$(hf list-one "$lxf_cmd list h1:")

# --- exec: fan-out against one call per container, and its cost per
# instance over the first SMALL hosts against the whole fleet.
exec_all=n/a exec_seq=n/a exec_small=n/a per_small=n/a per_all=n/a
if "$LXFE_LXF" exec --help 2>&1 | grep -q -- '--all'; then
	exec_all=$(hf exec-all "$lxf_cmd exec --all -- true")
	small_remotes=$(for ((i = 1; i <= small; i++)); do printf 'h%s: ' "$i"; done)
	exec_small=$(hf exec-small "$lxf_cmd exec --all $small_remotes-- true")
	per_all=$(python3 -c "print('%.2f ms' % ($exec_all / $nrun))")
	per_small=$(python3 -c "print('%.2f ms' % ($exec_small / ($small * $running)))")
else
	lxfe_log "this lxf has no 'exec --all': its figures are n/a"
fi
t0=$(date +%s%N)
for ((i = 1; i <= nhosts; i++)); do
	for ((k = 1; k <= running; k++)); do
		lxf_run exec "h$i:h$i-c$k" -- true || fail "exec h$i:h$i-c$k"
	done
done
exec_seq=$(ms_since "$t0")

# --- The fleet's idle overhead: every lxfd, IDLE seconds untouched.
pids=()
for ((i = 1; i <= nhosts; i++)); do
	pids+=("$(cat "$(host_dir "$i")/lxfd.pid")")
done
ticks() { # the daemons' utime+stime, summed
	local p
	for p in "${pids[@]}"; do cat "/proc/$p/stat"; done | awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t }'
}
lxfe_sleep 5
k0=$(ticks)
lxfe_sleep "$idle"
k1=$(ticks)
cpu_ms=$(((k1 - k0) * 1000 / $(getconf CLK_TCK)))
rss_kb=$(for p in "${pids[@]}"; do awk '/^VmRSS/ { print $2 }' "/proc/$p/status"; done | awk '{ t += $1 } END { print t }')
pss_kb=$(for p in "${pids[@]}"; do awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup"; done | awk '{ t += $1 } END { print t }')
mem_used=$(free -m | awk '/^Mem:/ { print $3 }')

echo
echo "bench/scale.sh: $nhosts hosts, $total busybox containers ($nrun running), load at start $LOAD_START"
row "figure" "value" "target"
row "---" "---" "---"
row "hosts up (netns, lxfd started and ready, remotes)" "$up_ms ms" ""
row "containers made ($nhosts image imports, $total creates)" "$make_ms ms" ""
row "\`lxf list\` over $nhosts remotes" "$list_all ms" ""
row "\`lxf list h1:\` (one remote, $per_host containers)" "$list_one ms" ""
row "ratio" "$(ratio "$list_all" "$list_one")" "at most 2.5x"
row "\`lxf exec --all -- true\` ($nrun running)" "$(ms "$exec_all")" ""
row "$nrun \`lxf exec R:C -- true\` in a row" "$exec_seq ms" ""
if [ "$exec_all" != n/a ]; then
	row "ratio (sequential / fan-out)" "$(ratio "$exec_seq" "$exec_all")" "at least 10x"
fi
row "exec --all per instance: $((small * running)) on $small hosts" "$per_small" ""
row "exec --all per instance: $nrun on $nhosts hosts" "$per_all" "no worse than above"
row "$nhosts daemons idle: VmRSS summed" "$((rss_kb / 1024)) MiB" ""
row "$nhosts daemons idle: PSS summed" "$((pss_kb / 1024)) MiB" ""
row "$nhosts daemons idle: CPU over $idle s (utime+stime)" "$cpu_ms ms" ""
row "machine memory in use (free -m)" "$mem_used MiB" ""
echo
echo "commands: bench/scale.sh --hosts $nhosts --per-host $per_host --running $running --small $small; hyperfine -N -w 1 -r $RUNS"

# --- The console and one daemon at scale, each alone once this fleet is down.
if [ "$tui" = 1 ] || [ "$daemon" = 1 ]; then
	teardown
fi
if [ "$tui" = 1 ]; then
	echo
	echo "bench/tui.sh:"
	bash "$top/bench/tui.sh" --hosts "$nhosts" "$LXF_BUILD"
fi
if [ "$daemon" = 1 ]; then
	echo
	echo "bench/daemon-scale.sh:"
	[ -f "$top/bench/daemon-scale.sh" ] || fail "bench/daemon-scale.sh is not in this tree"
	LXF_BUILD=$LXF_BUILD bash "$top/bench/daemon-scale.sh" 200
fi
