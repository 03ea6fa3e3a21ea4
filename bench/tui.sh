#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/tui.sh [--hosts N] [BUILD_DIR]: lxf-tui over N lxfd hosts (the e2e
# harness's network-namespace hosts; 10 by default) holding stopped
# containers (source type "none", the cheapest to create: 100 per host by
# default, BENCH_PER_HOST) plus one busybox container "ev1" on h1.
# Measures, with lxf-tui in a 200x50 tmux pane:
#   - start to full table: from starting lxf-tui to its header showing
#     every container and N/N hosts up (capture-pane polled every 20 ms);
#   - VmRSS of lxf-tui once all rows are shown (/proc/PID/status);
#   - idle CPU: utime+stime (/proc/PID/stat) over 60 s with no key pressed
#     (this includes the 30 s re-list of every host);
#   - key-to-screen latency while every host sends events (a config change
#     on one of its containers, in a loop over the hosts, 4 at a time):
#     from send-keys of ? (help) or Esc (back) to the screen showing it;
#     the median and the 99th percentile of BENCH_KEYS (200) presses;
#   - event-to-screen delay: from `lxf start h1:ev1` returning to the row
#     showing RUNNING in capture-pane, polled every 20 ms; median of RUNS.
# Prints the figures; nothing is written to bench/RESULTS.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
HOSTS=10
if [ "${1:-}" = --hosts ]; then
	HOSTS=${2:?--hosts needs a count}
	shift 2
fi
export LXF_BUILD=${1:-${LXF_BUILD:-$top/build}}
export LXF_E2E_TIMEOUT=${LXF_E2E_TIMEOUT:-3000}
RUNS=${BENCH_RUNS:-10}
KEYS=${BENCH_KEYS:-200}
PER_HOST=${BENCH_PER_HOST:-100}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
# shellcheck disable=SC2153 # set by lib.sh
TUI=$LXFE_BUILD/tui/lxf-tui
command -v tmux >/dev/null || fail "tmux missing"

hosts_up "$HOSTS"
hosts_import_image 1
assert_exit 0 lxf_run init busybox h1:ev1
creators=()
for ((i = 1; i <= HOSTS; i++)); do
	(
		for ((k = 0; k < PER_HOST; k++)); do
			lxf_run query -X POST --wait "h$i:/1.0/instances" \
				-d "{\"name\":\"t$k\",\"source\":{\"type\":\"none\"}}" >/dev/null ||
				fail "create h$i:t$k"
		done
	) &
	creators+=($!)
done
# Not a bare wait: the harness's watchdog is a child too.
wait "${creators[@]}"
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
	"exec env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local TERM=xterm $TUI $(printf 'h%s ' $(seq 1 "$HOSTS"))"
t_start=$(date +%s%N)
screen() { tmux -L "$TS" capture-pane -p -t tui; }
screen_has() { case "$(screen)" in *"$1"*) return 0 ;; esac; return 1; }
table_full() { case "$(screen)" in *"$total containers"*"$HOSTS/$HOSTS hosts up"*) return 0 ;; esac; return 1; }
pid=$(tmux -L "$TS" list-panes -t tui -F '#{pane_pid}')
until table_full; do
	[ $(($(date +%s%N) - t_start)) -lt 120000000000 ] || fail "not all rows shown: $(screen)"
	sleep 0.02
done
start_ms=$((($(date +%s%N) - t_start) / 1000000))
lxfe_log "start to full table: $start_ms ms"
sleep 5
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
t0=$(ticks)
sleep 60
t1=$(ticks)
hz=$(getconf CLK_TCK)
lxfe_log "VmRSS $rss kB, idle CPU over 60 s $(((t1 - t0) * 1000 / hz)) ms"

# Key-to-screen latency while every host sends events: ? shows the help
# ("Keys  (Esc: back)"), Esc the table again (its NAME header).
events_loop() {
	local i k=0
	while :; do
		for ((i = $1; i <= HOSTS; i += 4)); do
			lxf_run config set "h$i:t0" user.bench "$k" >/dev/null 2>&1 || true
		done
		k=$((k + 1))
	done
}
epids=()
for j in 1 2 3 4; do
	events_loop "$j" &
	epids+=($!)
done
sleep 3
lat=()
for ((r = 0; r < KEYS; r++)); do
	if ((r % 2 == 0)); then key='?' want='Keys  (Esc: back)'; else key=Escape want=' NAME '; fi
	s=$(date +%s%N)
	tmux -L "$TS" send-keys -t tui "$key"
	until screen_has "$want"; do sleep 0.002; done
	lat+=($((($(date +%s%N) - s) / 1000000)))
done
kill "${epids[@]}" 2>/dev/null || true
wait "${epids[@]}" 2>/dev/null || true
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
key_med=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' <<<"$sorted")
key_p99=$(awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.999); if (i > NR) i = NR; print v[i] }' <<<"$sorted")
lxfe_log "key-to-screen latency: median $key_med ms, p99 $key_p99 ms"
screen_has ' NAME ' || tmux -L "$TS" send-keys -t tui Escape

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
echo "  start to full table: $start_ms ms"
echo "  VmRSS: $rss kB"
echo "  idle CPU over 60 s: $(((t1 - t0) * 1000 / hz)) ms (utime+stime)"
echo "  key-to-screen latency under events, $KEYS keys: median $key_med ms, p99 $key_p99 ms"
echo "  event-to-screen delay, median of $RUNS: $median ms (all: ${delays[*]})"
