#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/move.sh: a running busybox container holding ~50 MB moved between
# two hosts on this machine, RUNS times each way round:
#   lxf:  `lxf move` between two lxfd hosts (unix remotes: relay mode);
#   LXD:  `lxc move --stateless` between two real LXD 5.0 daemons (HTTPS
#         remotes: LXD's default pull mode), in the same run.
# A probe in the container (respawned by its init, so it runs again on the
# target) appends /proc/uptime — the host's clock, shared by both hosts,
# 10 ms resolution — every 5 ms. From its log: "downtime" = the longest
# gap (nothing in the container ran anywhere), "stalled" = the sum of
# gaps over 50 ms (LXD's frozen windows). "total" = the client's wall time.
# Prints medians; the per-run figures go to stderr.
#
#   bench/move.sh [RUNS]      (root; $LXF_BUILD or build/; RUNS 3)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
export LXF_BUILD=${LXF_BUILD:-$top/build}
# shellcheck source=tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
C=bm${LXFE_ID}c
LXD_NAMES=$C
# shellcheck source=tests/e2e/lxd.sh
. "$top/tests/e2e/lxd.sh"
now() { date +%s.%N; }
med() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The probe and its respawn line, then init re-reads its inittab.
PROBE='echo "::respawn:/bin/sh -c \"while :; do cat /proc/uptime >>/root/ts; usleep 5000; done\"" >>/etc/inittab &&
	dd if=/dev/urandom of=/root/data bs=1M count=50 2>/dev/null && sync && kill -HUP 1'
# gaps FILE: "downtime stalled" in ms from a probe log.
gaps() {
	awk '{t=$1*1000; if (NR>1) {g=t-p; if (g>m) m=g; if (g>50) s+=g}; p=t} END {printf "%d %d\n", m, s}' "$1"
}

hosts_up 2
hosts_import_image 1
_lxfe_host_net 3
_lxfe_host_net 4
PW=pw-$LXFE_ID
lxd_up 3 "  core.https_address: \"$(host_ip 3):8443\"
  core.trust_password: \"$PW\""
LA_D=$LXD_D LA_PID=$LXD_PID
_first() { local d=$LXD_D p=$LXD_PID; LXD_D=$LA_D LXD_PID=$LA_PID; lxd_cleanup; LXD_D=$d LXD_PID=$p; }
trap 'rc=$?; _first; (exit $rc); _lxd_on_exit' EXIT
trap '_first; lxd_cleanup; _lxfe_on_signal 130' INT
lxd_up 4 "  core.https_address: \"$(host_ip 4):8443\"
  core.trust_password: \"$PW\""
export LXD_CONF=$LXFE_RUN/lxcconf
for n in 3 4; do wait_until 20 bash -c "exec 3<>/dev/tcp/$(host_ip $n)/8443"; done
lxc remote add la "$(host_ip 3)" --password "$PW" --accept-certificate >/dev/null
lxc remote add lb "$(host_ip 4)" --password "$PW" --accept-certificate >/dev/null
lxc image import "$(lxfe_image)" la: --alias busybox >/dev/null

lxf_run launch busybox h1:c1 >/dev/null
lxf_run exec h1:c1 -- sh -c "$PROBE"
lxc launch la:busybox "la:$C" >/dev/null
lxc exec "la:$C" -- sh -c "$PROBE"
sleep 1

declare -a LT LD LS XT XD XS
src=1 dst=2 lsrc=la ldst=lb
for ((i = 0; i < runs; i++)); do
	t0=$(now)
	lxf_run move "h$src:c1" "h$dst:" -q || fail "lxf move failed"
	t1=$(now)
	sleep 1
	lxf_run file pull "h$dst:c1/root/ts" "$LXFE_RUN/ts" >/dev/null
	lxf_run exec "h$dst:c1" -- sh -c ': >/root/ts'
	read -r d s <<<"$(gaps "$LXFE_RUN/ts")"
	LT+=("$(echo "($t1 - $t0) * 1000" | bc | cut -d. -f1)") LD+=("$d") LS+=("$s")
	t0=$(now)
	lxc move "$lsrc:$C" "$ldst:" --stateless >/dev/null || fail "lxc move failed"
	t1=$(now)
	sleep 1
	lxc file pull "$ldst:$C/root/ts" "$LXFE_RUN/ts" >/dev/null
	lxc exec "$ldst:$C" -- sh -c ': >/root/ts'
	read -r d s <<<"$(gaps "$LXFE_RUN/ts")"
	XT+=("$(echo "($t1 - $t0) * 1000" | bc | cut -d. -f1)") XD+=("$d") XS+=("$s")
	echo "run $i: lxf total ${LT[-1]} ms, down ${LD[-1]} ms, stalled ${LS[-1]} ms;" \
		"LXD total ${XT[-1]} ms, longest gap ${XD[-1]} ms, stalled ${XS[-1]} ms" >&2
	read -r src dst <<<"$dst $src"
	read -r lsrc ldst <<<"$ldst $lsrc"
done
m() { printf '%s\n' "$@" | med; }
echo "| figure (median of $runs) | lxf (lxfd, relay) | LXD 5.0.2 (lxc move --stateless) |"
echo "|---|---|---|"
echo "| total time, ms | $(m "${LT[@]}") | $(m "${XT[@]}") |"
echo "| longest gap in the probe (downtime), ms | $(m "${LD[@]}") | $(m "${XD[@]}") |"
echo "| sum of probe gaps over 50 ms (stalled), ms | $(m "${LS[@]}") | $(m "${XS[@]}") |"
teardown
