#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/lxf-list.sh [BUILD_DIR]: `lxf list` against `lxc list`, with hyperfine.
#
#  (a) one real LXD (Debian's lxd 5.0, its own LXD_DIR, dir pool, eth0 on an
#      unmanaged bridge without DHCP) holding 50 busybox containers, 25 of
#      them running: `lxf list R:` and `lxc list` on that same daemon.
#  (b) 20 lxfd daemons (own --dir each, root network namespace), 3 stopped
#      busybox containers each: one `lxf list` over all 20 remotes, against
#      20 sequential `lxc list` calls (LXD_DIR pointed at each daemon) and
#      against `lxf list` of a single remote.
#      For (a) and (b) also the floor with libcurl kept: a C program (cc,
#      libcurl's headers) that only GETs the URL lxf list sends.
#  (c) 8 of those daemons also on HTTPS (127.0.0.1, trust password), added
#      as HTTPS remotes: `lxf list` over the 8 against one of them (TLS
#      handshakes and client certificates, as on a real fleet).
#
# Medians go to bench/RESULTS.md, between the lxf-list markers (the section
# is replaced, nothing else is touched), with the exact command lines.
# Everything is made under a fresh temporary dir and removed on exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
LXF=$build/cli/lxf
LXFD=$build/daemon/lxfd
IMG=$build/e2e-cache/busybox.tar.gz
RUNS=${BENCH_RUNS:-30}
N_LXD=50
N_REMOTES=20
for t in lxd lxc hyperfine "$LXF" "$LXFD"; do
	command -v "$t" >/dev/null || { echo "bench: missing $t (scripts/deps, build first)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root" >&2; exit 1; }
if [ ! -s "$IMG" ]; then
	mkdir -p "${IMG%/*}"
	"$top/scripts/mkimage-busybox" "$IMG" >/dev/null
fi

B=$(mktemp -d /tmp/lxf-bench-list.XXXXXX)
chmod 0755 "$B"
BR=lxfbl$$
BR=${BR:0:15}
LXD_PID=
LXFD_PIDS=()

cleanup() {
	set +e
	if [ -n "$LXD_PID" ] && kill -0 "$LXD_PID" 2>/dev/null; then
		LXD_DIR=$B/lxd timeout 120 lxd shutdown --timeout 100 >/dev/null 2>&1
		kill -9 "$LXD_PID" 2>/dev/null
	fi
	for p in "${LXFD_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 1
	for p in "${LXFD_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	# LXD ran in its own mount namespace: its mounts went with it.
	for cg in /sys/fs/cgroup/*/lxc.payload.lb"$$"-* /sys/fs/cgroup/*/lxc.monitor.lb"$$"-*; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	ip link del "$BR" 2>/dev/null
	rm -rf --one-file-system "$B"
}
trap cleanup EXIT INT TERM

echo "bench: setting up in $B" >&2
ip link add "$BR" type bridge
ip link set "$BR" up

# --- (a) LXD, 50 containers, 25 running
mkdir -p "$B/lxd"
setsid unshare -m --propagation private sh -c 'LXD_DIR=$0 exec lxd --group root --logfile "$0.log"' \
	"$B/lxd" </dev/null >"$B/lxd.out" 2>&1 &
LXD_PID=$!
LXD_DIR=$B/lxd lxd waitready --timeout 120
LXD_DIR=$B/lxd lxd init --preseed <<YAML
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
    eth0: {name: eth0, nictype: bridged, parent: $BR, type: nic}
YAML
export LXF_CONF=$B/conf LXF_DIR=$B/no-local
mkdir -p "$LXF_CONF"
"$LXF" remote add lxd "unix://$B/lxd/unix.socket" >/dev/null
"$LXF" image import "$IMG" lxd: --alias busybox >/dev/null
# Container names carry our pid: cgroups are global to the host.
for i in $(seq 1 $N_LXD); do
	if [ "$i" -le $((N_LXD / 2)) ]; then
		LXD_DIR=$B/lxd lxc launch busybox "lb$$-$i" -q >/dev/null
	else
		LXD_DIR=$B/lxd lxc init busybox "lb$$-$i" -q >/dev/null
	fi
done
running=$(LXD_DIR=$B/lxd lxc list -f csv -c s | grep -c RUNNING || true)
echo "bench: LXD has $N_LXD containers, $running running" >&2

# --- (b) 20 lxfd daemons, 3 stopped containers each
for r in $(seq 1 $N_REMOTES); do
	d=$B/lxfd$r
	mkdir -p "$d"
	setsid "$LXFD" --dir "$d" --logfile "$d/lxfd.log" </dev/null >"$d/lxfd.out" 2>&1 &
	LXFD_PIDS+=($!)
done
for r in $(seq 1 $N_REMOTES); do
	d=$B/lxfd$r
	"$LXFD" waitready --timeout 30 --dir "$d" >/dev/null
	"$LXF" remote add "r$r" "unix://$d/unix.socket" >/dev/null
	"$LXF" image import "$IMG" "r$r:" --alias busybox >/dev/null
	for c in 1 2 3; do
		"$LXF" init busybox "r$r:lb$$-$r-$c" >/dev/null
	done
done
# A config holding only the 20 lxfd remotes, for the fleet-wide list.
mkdir -p "$B/conf20"
{
	echo "default-remote: r1"
	echo "remotes:"
	for r in $(seq 1 $N_REMOTES); do
		echo "  r$r: {addr: \"unix://$B/lxfd$r/unix.socket\", protocol: lxd, public: false, auth_type: tls}"
	done
} >"$B/conf20/config.yml"
rows=$(LXF_CONF=$B/conf20 "$LXF" list -f csv -c n | wc -l)
echo "bench: $N_REMOTES lxfd remotes, $rows containers in one lxf list" >&2
# (c) 8 of them on HTTPS too, in a config of their own.
N_HTTPS=8
mkdir -p "$B/confh"
for r in $(seq 1 $N_HTTPS); do
	LXF_CONF=$B/conf20 "$LXF" config set "r$r:" core.https_address "127.0.0.1:$((18440 + r))"
	LXF_CONF=$B/conf20 "$LXF" config set "r$r:" core.trust_password "bench-pw"
done
for r in $(seq 1 $N_HTTPS); do
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$((18440 + r))") 2>/dev/null && break
		sleep 0.1
	done
	LXF_CONF=$B/confh "$LXF" remote add "h$r" "https://127.0.0.1:$((18440 + r))" \
		--password bench-pw --accept-certificate >/dev/null
done
lxcseq=$B/lxc-seq.sh
{
	echo "#!/bin/sh"
	for r in $(seq 1 $N_REMOTES); do
		echo "LXD_DIR=$B/lxfd$r lxc list >/dev/null"
	done
} >"$lxcseq"
chmod +x "$lxcseq"
# lxc must be able to list an lxfd at all, or (b) compares nothing.
lxc_ok=yes
LXD_DIR=$B/lxfd1 lxc list >/dev/null 2>"$B/lxc-lxfd.err" || lxc_ok="no: $(head -c 200 "$B/lxc-lxfd.err")"

# --- measurements
hf() { # NAME COMMAND: median in ms
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$B/$1.json" "$2" >/dev/null 2>&1 ||
		hyperfine --warmup 3 --runs "$RUNS" --export-json "$B/$1.json" "$2" >/dev/null
	python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$B/$1.json"
}
declare -A M C
C[a_lxf]="LXF_CONF=\$B/conf lxf list lxd:"
C[a_lxc]="LXD_DIR=\$B/lxd lxc list"
C[b_lxf20]="LXF_CONF=\$B/conf20 lxf list"
C[b_lxf1]="LXF_CONF=\$B/conf20 lxf list r1:"
C[b_lxc20]="sh lxc-seq.sh (20 x LXD_DIR=\$B/lxfdN lxc list)"
M[a_lxf]=$(hf a_lxf "env LXF_CONF=$B/conf LXF_DIR=$B/no-local $LXF list lxd:")
M[a_lxc]=$(hf a_lxc "env LXD_DIR=$B/lxd lxc list")
M[b_lxf20]=$(hf b_lxf20 "env LXF_CONF=$B/conf20 LXF_DIR=$B/no-local $LXF list")
M[b_lxf1]=$(hf b_lxf1 "env LXF_CONF=$B/conf20 LXF_DIR=$B/no-local $LXF list r1:")
C[c_lxf8]="LXF_CONF=\$B/confh lxf list"
C[c_lxf1]="LXF_CONF=\$B/confh lxf list h1:"
M[c_lxf8]=$(hf c_lxf8 "env LXF_CONF=$B/confh LXF_DIR=$B/no-local $LXF list")
M[c_lxf1]=$(hf c_lxf1 "env LXF_CONF=$B/confh LXF_DIR=$B/no-local $LXF list h1:")
if [ "$lxc_ok" = yes ]; then
	M[b_lxc20]=$(hf b_lxc20 "$lxcseq")
else
	M[b_lxc20]="n/a"
fi
# Load-independent figures: instructions the client executes (callgrind),
# and the CPU the 20 lxfd daemons spend answering one fleet-wide list.
ir() { # COMMAND...: instructions executed, whole process
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		sed -n 's/.*refs: *//p' | tr -d ,
}
lxfd_cpu_ms() { # runs the 20-remote list 20 times: lxfd CPU (utime+stime) per list, ms
	local a b p i
	a=0
	for p in "${LXFD_PIDS[@]}"; do a=$((a + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
	for i in $(seq 20); do LXF_CONF=$B/conf20 LXF_DIR=$B/no-local "$LXF" list >/dev/null; done
	b=0
	for p in "${LXFD_PIDS[@]}"; do b=$((b + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
	echo $(((b - a) * 1000 / $(getconf CLK_TCK) / 20))
}
C[a_curl2]="curl --unix-socket \$B/lxd/unix.socket lxd/1.0/instances?recursion=2"
C[a_curl1]="curl --unix-socket \$B/lxd/unix.socket lxd/1.0/instances?recursion=1"
# The alternative to recursion=2 a client could use on LXD 5.0 (which has
# no selective recursion): recursion=1, then each running container's
# /state and each container's /snapshots, 8 requests in flight.
perinst=$B/per-instance.sh
{
	echo "#!/bin/sh"
	echo "curl -s -o /dev/null --unix-socket $B/lxd/unix.socket 'http://lxd/1.0/instances?recursion=1'"
	printf 'curl -s -Z --parallel-max 8 --unix-socket %s/lxd/unix.socket' "$B"
	for i in $(seq 1 $N_LXD); do
		[ "$i" -le $((N_LXD / 2)) ] && printf ' -o /dev/null http://lxd/1.0/instances/lb%s-%s/state' "$$" "$i"
		printf ' -o /dev/null http://lxd/1.0/instances/lb%s-%s/snapshots' "$$" "$i"
	done
	echo
} >"$perinst"
C[a_perinst]="per-instance.sh (recursion=1, then ${running} x /state + $N_LXD x /snapshots, 8 at a time, curl -Z)"
M[a_perinst]=$(hf a_perinst "sh $perinst")
C[a_lxfns]="LXF_CONF=\$B/conf lxf list lxd: -c nst"
# The floor of any `lxf list R:` that keeps libcurl: a C program that
# loads libcurl (linked, as curl(1)), GETs what lxf list asks (on lxfd,
# fields= too; see the list URL under strace) over the socket, parses and
# prints nothing. lxf list cannot be faster than it.
floor_ok=yes
cc -O2 -o "$B/list-floor" "$top/bench/list-floor.c" -lcurl 2>"$B/list-floor.err" || floor_ok=no
lxf_url() { # CONF R: the first request `lxf list R:` sends (strace), as http://lxd/...
	LXF_CONF=$1 LXF_DIR=$B/no-local strace -f -s 1024 -e trace=sendto "$LXF" list "$2" 2>&1 >/dev/null |
		sed -n 's/.*"GET \([^ ]*\) HTTP.*/http:\/\/lxd\1/p' | head -n 1
}
M[a_curl2]=$(hf a_curl2 "curl -s -o /dev/null --unix-socket $B/lxd/unix.socket http://lxd/1.0/instances?recursion=2")
M[a_curl1]=$(hf a_curl1 "curl -s -o /dev/null --unix-socket $B/lxd/unix.socket http://lxd/1.0/instances?recursion=1")
M[a_lxfns]=$(hf a_lxfns "env LXF_CONF=$B/conf LXF_DIR=$B/no-local $LXF list lxd: -c nst")
C[a_floor]="list-floor \$B/lxd/unix.socket URL (libcurl, one GET of lxf list lxd:'s URL, nothing parsed)"
C[b_floor]="list-floor \$B/lxfd1/unix.socket URL (the same for lxf list r1:, fields= included)"
if [ "$floor_ok" = yes ] && command -v strace >/dev/null; then
	M[a_floor]=$(hf a_floor "$B/list-floor $B/lxd/unix.socket $(lxf_url "$B/conf" lxd:)")
	M[b_floor]=$(hf b_floor "$B/list-floor $B/lxfd1/unix.socket $(lxf_url "$B/conf20" r1:)")
else
	M[a_floor]=n/a M[b_floor]=n/a
fi
if command -v valgrind >/dev/null; then
	I1=$(LXF_CONF=$B/conf20 LXF_DIR=$B/no-local ir "$LXF" list r1:)
	I20=$(LXF_CONF=$B/conf20 LXF_DIR=$B/no-local ir "$LXF" list)
	IV=$(LXF_CONF=$B/conf20 LXF_DIR=$B/no-local ir "$LXF" --version)
else
	I1=n/a I20=n/a IV=n/a
fi
LXFD_CPU=$(lxfd_cpu_ms)
ratio() { python3 -c 'import sys; a,b=sys.argv[1:]; print("n/a" if "n/a" in (a,b) else "%.2fx" % (float(a)/float(b)))' "$1" "$2"; }

section=$(
	cat <<EOF
<!-- lxf-list:begin -->
## lxf list vs lxc list (bench/lxf-list.sh)

$(date -u +%Y-%m-%d), hyperfine ${RUNS} runs after 3 warm-ups, medians in ms;
lxf $("$LXF" --version), LXD $(LXD_DIR=$B/lxd lxd --version).
\$B is the bench's temporary dir.

(a) One LXD daemon (own LXD_DIR, dir pool, eth0 on an unmanaged bridge),
$N_LXD busybox containers, $running running. Same daemon, same socket:

| command | median, ms |
|---|---|
| \`${C[a_lxc]}\` | ${M[a_lxc]} |
| \`${C[a_lxf]}\` | ${M[a_lxf]} |
| lxc / lxf | $(ratio "${M[a_lxc]}" "${M[a_lxf]}") (target 10x) |
| \`${C[a_curl2]}\` (LXD's own answer, what lxc list asks) | ${M[a_curl2]} |
| \`${C[a_curl1]}\` (no state, no snapshots) | ${M[a_curl1]} |
| \`${C[a_lxfns]}\` (columns without state: recursion=1) | ${M[a_lxfns]} |
| \`${C[a_perinst]}\` | ${M[a_perinst]} |
| \`${C[a_floor]}\` (the floor with libcurl kept) | ${M[a_floor]} |

(b) $N_REMOTES lxfd daemons (own --dir each), 3 stopped busybox containers
each ($rows rows in the fleet list):

| command | median, ms |
|---|---|
| \`${C[b_lxf20]}\` (all $N_REMOTES remotes, one table) | ${M[b_lxf20]} |
| \`${C[b_lxf1]}\` (one remote) | ${M[b_lxf1]} |
| \`${C[b_floor]}\` | ${M[b_floor]} |
| \`${C[b_lxc20]}\` | ${M[b_lxc20]} |
| lxf 20 remotes / lxf 1 remote | $(ratio "${M[b_lxf20]}" "${M[b_lxf1]}") (target within 1.5x) |
| 20 x lxc / lxf 20 remotes | $(ratio "${M[b_lxc20]}" "${M[b_lxf20]}") |

(c) $N_HTTPS of those daemons also listening on HTTPS (127.0.0.1, TLS 1.3,
client certificate trusted with a password), as HTTPS remotes:

| command | median, ms |
|---|---|
| \`${C[c_lxf8]}\` (all $N_HTTPS HTTPS remotes) | ${M[c_lxf8]} |
| \`${C[c_lxf1]}\` (one HTTPS remote) | ${M[c_lxf1]} |
| lxf $N_HTTPS HTTPS remotes / 1 | $(ratio "${M[c_lxf8]}" "${M[c_lxf1]}") |

lxc against lxfd: $lxc_ok.

Load-independent figures (the machine is shared and its timings noisy):
instructions executed by lxf (\`valgrind --tool=callgrind\`, whole process):
\`lxf --version\` $IV, \`lxf list r1:\` $I1, \`lxf list\` over 20 remotes $I20;
CPU the 20 lxfd daemons spend per 20-remote list (utime+stime from
/proc/PID/stat over 20 lists): $LXFD_CPU ms.
<!-- lxf-list:end -->
EOF
)
printf '%s\n' "$section"
res=$top/bench/RESULTS.md
[ -f "$res" ] || printf '# Benchmarks\n\nMachine: %s, %s CPUs, kernel %s.\n' \
	"$(uname -m)" "$(nproc)" "$(uname -r)" >"$res"
python3 - "$res" "$section" <<'PY'
import re, sys
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
pat = re.compile(r"<!-- lxf-list:begin -->.*?<!-- lxf-list:end -->", re.S)
s = pat.sub(lambda m: sec, s) if pat.search(s) else s.rstrip("\n") + "\n\n" + sec + "\n"
open(path, "w").write(s)
PY
echo "bench: results written to $res" >&2
