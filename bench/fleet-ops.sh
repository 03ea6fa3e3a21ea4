#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/fleet-ops.sh: everyday fleet operations when hosts are slow or
# several (issue #17 items 2 and 3), on the e2e harness's three
# network-namespace hosts (tests/e2e/lib.sh: one lxfd each, unix remotes
# h1..h3, one running busybox container c1 on each):
#
#   (a) `lxf list` with h3's lxfd stopped (SIGSTOP), against `lxf list`
#       with all three up; `lxc list h3:` (the real client, same socket)
#       with h3 stopped is tried once, killed after HUNG_LIMIT s;
#   (b) `lxf stop h1:c1 h2:c1 h3:c1`, then `lxf start` of the same, against
#       the real `lxc` client (Debian's lxd-client) doing the same over the
#       same three lxfd sockets as its unix:// remotes (`lxc stop h1:c1
#       h2:c1 h3:c1`; lxc 5.0 runs the targets of one action at once too),
#       and against one `lxf stop`.
#
# RUNS rounds of each (default 5), wall times, medians; prints the ratios
# and the command; nothing is written to bench/RESULTS.md. With
# LXF_BEFORE=PATH (an older lxf binary) its stop/start is timed too.
#
#   BENCH_RUNS=N   LXF_BUILD=DIR (default build/)   LXF_BEFORE=PATH   root
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export LXF_BUILD=${LXF_BUILD:-$top/build}
RUNS=${BENCH_RUNS:-5}
HUNG_LIMIT=20
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
med() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.2fx" % (a / b))' "$1" "$2"; }
# timed WAY EXIT cmd...: runs cmd, demands exit status EXIT, appends "WAY ms" to $B/times.
timed() {
	local way=$1 want=$2 t0 rc=0
	shift 2
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$B/last.err" || rc=$?
	echo "$way $(ms_since "$t0")" >>"$B/times"
	[ "$rc" = "$want" ] || fail "$way: '$*' exited $rc, not $want: $(cat "$B/last.err")"
}
median() { awk -v w="$1" '$1 == w { print $2 }' "$B/times" | med; }
# all_are STATE: c1 is in STATE on the three hosts, or the figure is void.
all_are() {
	local n
	for n in 1 2 3; do
		[ "$(container_state "$n" c1)" = "$1" ] || fail "h$n:c1 is $(container_state "$n" c1), not $1"
	done
}

B=$LXFE_RUN/bench
mkdir -p "$B"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
hosts_up 3
hosts_import_image 1 2 3
for n in 1 2 3; do
	assert_exit 0 lxf_run launch busybox "h$n:c1"
done
wait_until 30 all_are RUNNING || fail "c1 not RUNNING on all hosts"

# The real client, the same three sockets as its unix:// remotes.
export LXD_CONF=$B/lxc-conf
mkdir -p "$LXD_CONF"
timeout 30 lxc remote list >/dev/null 2>&1 || true # its first-run welcome
for n in 1 2 3; do
	lxc remote add "h$n" "unix://$(host_socket "$n")" >/dev/null
done
lxc list h1: >/dev/null || fail "lxc cannot list h1"

# --- (b) stop and start of three containers on three hosts
T=(h1:c1 h2:c1 h3:c1)
for ((r = 1; r <= RUNS; r++)); do
	timed lxf-stop 0 lxf_run stop "${T[@]}"
	all_are STOPPED
	timed lxf-start 0 lxf_run start "${T[@]}"
	all_are RUNNING
	timed lxc-stop 0 lxc stop "${T[@]}"
	all_are STOPPED
	timed lxc-start 0 lxc start "${T[@]}"
	all_are RUNNING
	timed lxf-stop1 0 lxf_run stop h1:c1
	timed lxf-start1 0 lxf_run start h1:c1
	all_are RUNNING
	if [ -n "${LXF_BEFORE:-}" ]; then
		timed before-stop 0 env LXF_CONF="$LXF_CONF" LXF_DIR="$LXFE_RUN/no-local" "$LXF_BEFORE" stop "${T[@]}"
		all_are STOPPED
		timed before-start 0 env LXF_CONF="$LXF_CONF" LXF_DIR="$LXFE_RUN/no-local" "$LXF_BEFORE" start "${T[@]}"
		all_are RUNNING
	fi
done

# --- (a) lxf list, all up, then with h3 stopped
for ((r = 1; r <= RUNS; r++)); do
	timed list-up 0 lxf_run list
done
HUNG_PID=$(cat "$(host_dir 3)/lxfd.pid")
trap 'kill -CONT "$HUNG_PID" 2>/dev/null || true; _lxfe_on_exit' EXIT
kill -STOP "$HUNG_PID"
for ((r = 1; r <= RUNS; r++)); do
	timed list-hung 3 lxf_run list
done
LXC_HUNG=returned
timeout "$HUNG_LIMIT" lxc list h3: >/dev/null 2>&1 || LXC_HUNG="no answer in $HUNG_LIMIT s (killed)"
kill -CONT "$HUNG_PID"

cat <<EOF

fleet-ops ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $LOAD_START at start,
$(cut -d' ' -f1-3 /proc/loadavg) at end; $RUNS rounds, medians, ms)
(b) three containers on three hosts, lxf vs lxc on the same lxfd sockets:
    stop:  lxf $(median lxf-stop)   lxc $(median lxc-stop)   lxc/lxf $(ratio "$(median lxc-stop)" "$(median lxf-stop)")   one lxf stop $(median lxf-stop1) (three/one $(ratio "$(median lxf-stop)" "$(median lxf-stop1)"))
    start: lxf $(median lxf-start)   lxc $(median lxc-start)   lxc/lxf $(ratio "$(median lxc-start)" "$(median lxf-start)")   one lxf start $(median lxf-start1)
${LXF_BEFORE:+    before ($LXF_BEFORE): stop $(median before-stop), start $(median before-start)
}(a) lxf list, h3's lxfd stopped: $(median list-hung)   all up: $(median list-up)   (60060 before issue #17)
    lxc list h3: with h3 stopped: $LXC_HUNG
command: bench/fleet-ops.sh (BENCH_RUNS=$RUNS)
EOF
echo "PASS: fleet-ops ($LXFE_ID)"
