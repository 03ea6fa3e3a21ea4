#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/startup.sh: what one lxf invocation costs, the price every shell
# loop over the fleet pays (issue #20, "per-invocation cost"):
#
#   (a) start-up: CPU time (task-clock) and page faults of `lxf version`
#       (no server: the fleet is empty), `lxf --help` and a usage error,
#       against a C program linking only libc that prints one line (built
#       here with cc, hardened like lxf); and `lxf version h1:` with a
#       server. `perf stat -r RUNS`, means.
#   (b) `lxf list h1:` of one lxfd holding N_CT busybox containers, half
#       of them running, against `lxc list` of a real LXD (Debian's lxd
#       5.0, in harness host 2's network namespace: tests/e2e/lxd.sh)
#       holding the same N_CT, side by side in one hyperfine run; with
#       each daemon's own answer to the request (curl on its socket).
#
#   BENCH_RUNS=N (default 30)   N_CT=N (default 50)   LXF_BUILD=DIR   root
#   LXF_BEFORE=PATH: an older lxf binary, timed beside in (a) and (b).
# Prints the figures and the commands; writes nothing to bench/RESULTS.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export LXF_BUILD=${LXF_BUILD:-$top/build}
RUNS=${BENCH_RUNS:-30}
export LXF_E2E_TIMEOUT=${LXF_E2E_TIMEOUT:-1800}
N_CT=${N_CT:-50}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
for t in perf hyperfine cc lxc curl strace; do
	command -v "$t" >/dev/null || fail "bench: $t is missing"
done
names=()
for i in $(seq 1 "$N_CT"); do names+=("su${LXFE_ID}-$i"); done
LXD_NAMES="${names[*]}"
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lxd.sh
. "$top/tests/e2e/lxd.sh"

B=$LXFE_RUN/bench
mkdir -p "$B"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- (a) start-up, before any daemon runs
cat >"$B/floor.c" <<'EOF'
#include <stdio.h>
int main(void)
{
	puts("Client version: 0.1.0");
	return 0;
}
EOF
cc -O2 -fPIE -pie -Wl,-z,relro,-z,now -o "$B/floor" "$B/floor.c"
mkdir -p "$B/conf0"
pstat() { # COMMAND...: "CPU_MS FAULTS", means over RUNS runs (any exit status)
	{ perf stat -x, -r "$RUNS" -e task-clock,page-faults -- "$@" 2>&1 >/dev/null || true; } |
		awk -F, '$3 ~ /task-clock/ { t = $1 } $3 ~ /page-faults/ { f = $1 } END { printf "%.2f %d\n", t, f }'
}
# Instructions executed, whole process (callgrind): independent of the load.
ir() {
	if command -v valgrind >/dev/null; then
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
			sed -n 's/.*refs: *//p' | tr -d ,
	else
		echo n/a
	fi
}
declare -A S I
# The environment goes to perf, not through env(1), whose own exec would count.
harness_conf=$LXF_CONF
export LXF_CONF=$B/conf0 LXF_DIR=$B/no-local
S[floor]=$(pstat "$B/floor")
S[version]=$(pstat "$LXFE_LXF" version)
S[help]=$(pstat "$LXFE_LXF" --help)
S[usage]=$(pstat "$LXFE_LXF" list --no-such-flag)
I[floor]=$(ir "$B/floor")
I[version]=$(ir "$LXFE_LXF" version)
I[help]=$(ir "$LXFE_LXF" --help)
if [ -n "${LXF_BEFORE:-}" ]; then
	S[bversion]=$(pstat "$LXF_BEFORE" version)
	S[bhelp]=$(pstat "$LXF_BEFORE" --help)
	I[bversion]=$(ir "$LXF_BEFORE" version)
fi
export LXF_CONF=$harness_conf
unset LXF_DIR

# --- (b) one lxfd and one LXD with the same containers
hosts_up 1
hosts_import_image 1
_lxfe_host_net 2
lxd_up 2
assert_exit 0 lxf_run remote add lxd "unix://$LXD_D/unix.socket"
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox
for i in $(seq 1 "$N_CT"); do
	verb=init
	[ "$i" -le $((N_CT / 2)) ] && verb=launch
	assert_exit 0 lxf_run "$verb" busybox "h1:${names[i - 1]}"
	assert_exit 0 lxf_run "$verb" busybox "lxd:${names[i - 1]}"
done
rows_lxf=$(lxf_run list h1: -f csv -c n | wc -l)
rows_lxc=$(lxc_ list -f csv -c n | wc -l)
run_lxf=$(lxf_run list h1: -f csv -c s | grep -c RUNNING || true)
run_lxc=$(lxc_ list -f csv -c s | grep -c RUNNING || true)
export LXF_DIR=$LXFE_RUN/no-local # LXF_CONF is the harness's
S[vserver]=$(pstat "$LXFE_LXF" version h1:)
S[listcpu]=$(pstat "$LXFE_LXF" list h1:)
I[list]=$(ir "$LXFE_LXF" list h1:)
[ -n "${LXF_BEFORE:-}" ] && I[blist]=$(ir "$LXF_BEFORE" list h1:)
S[lxccpu]=$(LXD_DIR=$LXD_D pstat lxc list)
unset LXF_DIR
# What each daemon spends answering the list request (utime+stime of its
# process over 20 requests): the part of a list no client can save.
daemon_ms() { # PID SOCKET: CPU ms per recursion=2 request
	local a b
	a=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	for _ in $(seq 20); do
		curl -s -o /dev/null --unix-socket "$2" "http://x/1.0/instances?recursion=2"
	done
	b=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
	echo $(((b - a) * 1000 / $(getconf CLK_TCK) / 20))
}
lxd_pid=$(pgrep -f -- "lxd --group root --logfile $LXD_D.log" | head -1)
D_LXFD=$(daemon_ms "$(host_lxfd_pid 1)" "$(host_socket 1)")
D_LXD=$(daemon_ms "$lxd_pid" "$LXD_D/unix.socket")

url=http://x/1.0/instances?recursion=2
cmds=(
	"env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local $LXFE_LXF list h1:"
	"env LXD_DIR=$LXD_D lxc list"
	"env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local $LXFE_LXF list lxd:"
	"curl -s -o /dev/null --unix-socket $(host_socket 1) $url"
	"curl -s -o /dev/null --unix-socket $LXD_D/unix.socket $url"
)
# The floor of any client that keeps libcurl (bench/list-floor.c): load
# it, GET what `lxf list h1:` asks (fields= included), parse nothing.
cc -O2 -o "$B/list-floor" "$top/bench/list-floor.c" -lcurl || fail "cannot build bench/list-floor.c"
floor_url=$(LXF_DIR=$LXFE_RUN/no-local strace -f -s 1024 -e trace=sendto "$LXFE_LXF" list h1: 2>&1 >/dev/null |
	sed -n 's/.*"GET \([^ ]*\) HTTP.*/http:\/\/x\1/p' | head -n 1)
[ -n "$floor_url" ] || fail "no request of lxf list h1: seen under strace"
cmds+=("$B/list-floor $(host_socket 1) $floor_url")
[ -n "${LXF_BEFORE:-}" ] && cmds+=("env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local $LXF_BEFORE list h1:")
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$B/list.json" "${cmds[@]}" >/dev/null
mapfile -t M < <(python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]: print("%.1f" % (r["median"] * 1000))' "$B/list.json")
ratio() { python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.2fx" % (a / b))' "$1" "$2"; }
cpu() { echo "${S[$1]% *}"; }
pf() { echo "${S[$1]#* }"; }

cat <<EOF

startup ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $LOAD_START at start,
$(cut -d' ' -f1-3 /proc/loadavg) at end; lxf $("$LXFE_LXF" --version))
(a) perf stat -r $RUNS, means: CPU ms (task-clock), page faults
    libc-only C program (puts)         $(cpu floor) ms  $(pf floor)
    lxf version (no server)            $(cpu version) ms  $(pf version)   $(ratio "$(cpu version)" "$(cpu floor)") the floor (target 2x)
    lxf --help                         $(cpu help) ms  $(pf help)   $(ratio "$(cpu help)" "$(cpu floor)")
    lxf list --no-such-flag (exit 2)   $(cpu usage) ms  $(pf usage)   $(ratio "$(cpu usage)" "$(cpu floor)")
    lxf version h1: (lxfd answers)     $(cpu vserver) ms  $(pf vserver)
    lxf list h1: ($N_CT containers)       $(cpu listcpu) ms  $(pf listcpu)
    lxc list (LXD)                     $(cpu lxccpu) ms  $(pf lxccpu)
${LXF_BEFORE:+    before: version $(cpu bversion) ms $(pf bversion), --help $(cpu bhelp) ms $(pf bhelp)
}    instructions (callgrind): floor ${I[floor]}, lxf version ${I[version]}, --help ${I[help]},
    list h1: ${I[list]}${LXF_BEFORE:+; before: version ${I[bversion]}, list h1: ${I[blist]}}
    daemon CPU per recursion=2 answer: lxfd ${D_LXFD} ms, LXD ${D_LXD} ms
(b) hyperfine -N, $RUNS runs, medians, ms; lxfd: $rows_lxf containers ($run_lxf running),
    LXD $(lxd --version): $rows_lxc containers ($run_lxc running)
    lxf list h1: (lxfd)                 ${M[0]}
    lxc list (LXD)                     ${M[1]}   lxc list / lxf list: $(ratio "${M[1]}" "${M[0]}") (target 10x)
    lxf list lxd: (LXD)                ${M[2]}
    lxfd's answer (curl, recursion=2)  ${M[3]}
    LXD's answer (curl, recursion=2)   ${M[4]}
    list-floor h1: (libcurl, one GET)  ${M[5]}   lxc list / floor: $(ratio "${M[1]}" "${M[5]}") (no client keeping libcurl does better)
${LXF_BEFORE:+    before: lxf list h1: ${M[6]}
}commands: ${cmds[*]}
EOF
echo "PASS: startup ($LXFE_ID)"
