#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/tui.sh [BUILD_DIR]: lxf-tui over 10 lxfd hosts (the e2e harness's
# network-namespace hosts) holding 1,000 stopped containers (source type
# "none", the cheapest to create: 100 per host) plus one busybox container
# "ev1" on h1. Measures, with lxf-tui in a 200x50 tmux pane:
#   - VmRSS of lxf-tui once all 1,001 rows are shown (/proc/PID/status);
#   - idle CPU: utime+stime (/proc/PID/stat) over 60 s with no key pressed
#     (this includes the 30 s re-list of every host);
#   - event-to-screen delay: from `lxf start h1:ev1` returning to the row
#     showing RUNNING in capture-pane, polled every 20 ms; median of RUNS.
# Prints the figures; nothing is written to bench/RESULTS.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export LXF_BUILD=${1:-${LXF_BUILD:-$top/build}}
export LXF_E2E_TIMEOUT=${LXF_E2E_TIMEOUT:-1500}
RUNS=${BENCH_RUNS:-10}
HOSTS=10
PER_HOST=100
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
# shellcheck disable=SC2153 # set by lib.sh
TUI=$LXFE_BUILD/tui/lxf-tui
command -v tmux >/dev/null || fail "tmux missing"

hosts_up "$HOSTS"
hosts_import_image 1
assert_exit 0 lxf_run init busybox h1:ev1
for ((i = 1; i <= HOSTS; i++)); do
	(
		for ((k = 0; k < PER_HOST; k++)); do
			lxf_run query -X POST --wait "h$i:/1.0/instances" \
				-d "{\"name\":\"t$k\",\"source\":{\"type\":\"none\"}}" >/dev/null ||
				fail "create h$i:t$k"
		done
	) &
done
wait
total=$((HOSTS * PER_HOST + 1))
lxfe_log "created $total containers"

TS=lxfe-tuib-$LXFE_ID
bench_cleanup() {
	local rc=$?
	tmux -L "$TS" kill-server 2>/dev/null || true
	(exit "$rc")
	_lxfe_on_exit
}
trap bench_cleanup EXIT
tmux -L "$TS" new-session -d -s tui -x 200 -y 50 \
	"exec env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local TERM=xterm $TUI $(printf 'h%s ' $(seq 1 $HOSTS))"
screen() { tmux -L "$TS" capture-pane -p -t tui; }
screen_has() { case "$(screen)" in *"$1"*) return 0 ;; esac; return 1; }
pid=$(tmux -L "$TS" list-panes -t tui -F '#{pane_pid}')
wait_until 120 screen_has "$total containers" || fail "not all rows shown: $(screen)"
sleep 5
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
t0=$(ticks)
sleep 60
t1=$(ticks)
hz=$(getconf CLK_TCK)

# Event-to-screen delay on ev1 (filtered so that its row is on screen).
tmux -L "$TS" send-keys -t tui / e v 1 Enter
row_is() { screen | grep -q " ev1 .*$1"; }
wait_until 10 row_is STOPPED || fail "ev1 row: $(screen)"
delays=()
for ((r = 0; r < RUNS; r++)); do
	lxf_run start h1:ev1 >/dev/null || fail "start ev1"
	s=$(date +%s%N)
	until row_is RUNNING; do sleep 0.02; done
	e=$(date +%s%N)
	delays+=($(((e - s) / 1000000)))
	lxf_run stop --force h1:ev1 >/dev/null || fail "stop ev1"
	wait_until 10 row_is STOPPED || fail "ev1 not shown stopped"
done
median=$(printf '%s\n' "${delays[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "lxf-tui over $HOSTS hosts, $total containers:"
echo "  VmRSS: $rss kB"
echo "  idle CPU over 60 s: $(((t1 - t0) * 1000 / hz)) ms (utime+stime)"
echo "  event-to-screen delay, median of $RUNS: $median ms (all: ${delays[*]})"
