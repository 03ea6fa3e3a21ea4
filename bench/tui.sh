#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/tui.sh [--hosts N] [BUILD_DIR]: lxf-tui over N lxfd hosts (the e2e
# harness's network-namespace hosts; 10 by default) holding stopped
# containers (source type "none", the cheapest to create: 100 per host by
# default, BENCH_PER_HOST) plus one busybox container "ev1" on h1.
# Measures, with lxf-tui in a 200x50 tmux pane and its in-process probe
# (LXF_TUI_PROBE, tui/probe.h: times taken inside the console, not through
# tmux's capture-pane, whose polling was most of what the old loop measured):
#   - start to full table: from main() to the first frame with every host
#     listed (or down), on the terminal, and the CPU time it took;
#   - VmRSS of lxf-tui once all rows are shown (/proc/PID/status);
#   - idle CPU: utime+stime (/proc/PID/stat) over BENCH_IDLE (120) s with no
#     key pressed, after BENCH_SETTLE (5) s; what a host is asked depends on
#     whether the screen shows it (lxf-tui(1)), and a host off the screen
#     is re-listed every 120 s, so 120 s see every kind
#     of request;
#   - key-to-screen latency while every host sends events (a config change
#     on one of its containers, in a loop over the hosts, 4 at a time): ?
#     (help) and q (back) sent through tmux every BENCH_KEY_MS (100) ms,
#     each timed from the poll() that saw it to the frame showing it written
#     (refresh() returned); median and 99th percentile of BENCH_KEYS (200),
#     the console's CPU meanwhile, and its longest frame (a key that arrives
#     during a frame waits for it);
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
KEY_MS=${BENCH_KEY_MS:-100}
IDLE=${BENCH_IDLE:-120}
SETTLE=${BENCH_SETTLE:-5}
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
PROBE=$LXFE_RUN/tui-probe
tmux -L "$TS" new-session -d -s tui -x 200 -y 50 \
	"exec env LXF_TUI_PROBE=$PROBE LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local TERM=xterm $TUI $(printf 'h%s ' $(seq 1 "$HOSTS"))"
screen() { tmux -L "$TS" capture-pane -p -t tui; }
pid=$(tmux -L "$TS" list-panes -t tui -F '#{pane_pid}')
probe_has() { grep -q "$1" "$PROBE" 2>/dev/null; }
wait_until 120 probe_has '^table ' || fail "no full table within 120 s: $(screen)"
# table T rows=N hosts=N up=N down=N cpu_us=N
read -r _ t_us rows_kv _ up_kv down_kv cpu_kv < <(grep '^table ' "$PROBE")
start_ms=$((t_us / 1000))
start_cpu=$((${cpu_kv#cpu_us=} / 1000))
lxfe_log "start to full table: $start_ms ms, $start_cpu ms CPU (${rows_kv}, ${up_kv}, ${down_kv})"
[ "${rows_kv#rows=}" -eq "$total" ] || fail "table of ${rows_kv#rows=} rows, not $total"
sleep "$SETTLE"
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
sleep "$IDLE"
t1=$(ticks)
idle_ms=$(((t1 - t0) * 1000 / hz))
lxfe_log "VmRSS $rss kB, idle CPU over $IDLE s $idle_ms ms"

# Key-to-screen latency while every host sends events: ? shows the help,
# q the table again (not Esc: curses waits ESCDELAY, 25 ms, for the rest
# of an escape sequence).
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
keys_before=$(grep -c '^key ' "$PROBE" || true)
t0=$(ticks)
for ((r = 0; r < KEYS; r++)); do
	if ((r % 2 == 0)); then key='?'; else key=q; fi
	tmux -L "$TS" send-keys -t tui "$key"
	sleep "$(printf '0.%03d' "$KEY_MS")"
done
sleep 1
t1=$(ticks)
kill "${epids[@]}" 2>/dev/null || true
wait "${epids[@]}" 2>/dev/null || true
keys_cpu=$(((t1 - t0) * 1000 / hz))
# key READ SHOWN code=N: the latency in ms, of the keys of this phase only.
lat=$(awk -v skip="$keys_before" '$1 == "key" && ++n > skip { printf "%.2f\n", ($3 - $2) / 1000 }' "$PROBE" | sort -n)
nkeys=$(wc -l <<<"$lat")
[ "$nkeys" -eq "$KEYS" ] || fail "the probe saw $nkeys of $KEYS keys"
key_med=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' <<<"$lat")
key_p99=$(awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.999); if (i > NR) i = NR; print v[i] }' <<<"$lat")
lxfe_log "key-to-screen latency: median $key_med ms, p99 $key_p99 ms"
screen | grep -q ' NAME ' || tmux -L "$TS" send-keys -t tui q

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
# The frames line comes at exit: Ctrl-C quits with 0.
tmux -L "$TS" send-keys -t tui C-c
wait_until 10 probe_has '^frames ' || fail "no frames line: lxf-tui did not exit"
frame_max=$(awk '$1 == "frames" { sub("draw_us_max=", "", $3); print int($3 / 1000) }' "$PROBE")
echo "lxf-tui over $HOSTS hosts, $total containers (load at the end: $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "  start to full table: $start_ms ms, $start_cpu ms of CPU (probe: main() to the frame)"
echo "  VmRSS: $rss kB"
echo "  idle CPU over $IDLE s: $idle_ms ms (utime+stime) = $(awk -v c="$idle_ms" -v s="$IDLE" 'BEGIN { printf "%.2f", c / s / 10 }')% of a core"
echo "  key-to-screen latency under events, $KEYS keys (probe): median $key_med ms, p99 $key_p99 ms; CPU meanwhile $keys_cpu ms; longest frame $frame_max ms"
echo "  event-to-screen delay, median of $RUNS: $median ms (all: ${delays[*]})"
