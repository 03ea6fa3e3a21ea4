# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/daemon-lib.sh: the REST calls and figures that bench/daemon.sh and
# bench/daemon-scale.sh both use, sourced by them. The caller defines
# daemon_sock DAEMON, which prints that daemon's unix socket.

# api DAEMON METHOD PATH [JSON] -> body on stdout
api() {
	local s
	s=$(daemon_sock "$1")
	if [ $# -ge 4 ]; then
		curl -s --unix-socket "$s" -X "$2" -H 'Content-Type: application/json' \
			--data-binary "$4" "http://lxd$3"
	else
		curl -s --unix-socket "$s" -X "$2" "http://lxd$3"
	fi
}
# call DAEMON METHOD PATH [JSON]: the request and, for an async answer,
# the wait for its operation; fails unless the end result is a success.
call() {
	local out op
	out=$(api "$@")
	op=$(jq -r '.operation // ""' <<<"$out")
	if [ -n "$op" ]; then
		out=$(api "$1" GET "$op/wait?timeout=300")
		# LXD forgets an operation 5 s after its end: on a loaded
		# machine the wait may come later. Its outcome is then unknown
		# here; the callers check the end state.
		[ "$(jq -r '.error_code' <<<"$out")" != 404 ] || return 0
		[ "$(jq -r '.metadata.status_code' <<<"$out")" = 200 ] || {
			echo "bench: $1: $2 $3 failed: $(jq -c '.metadata.err // .error' <<<"$out")" >&2
			return 1
		}
	else
		[ "$(jq -r '.type' <<<"$out")" != error ] || {
			echo "bench: $1: $2 $3 failed: $(jq -r .error <<<"$out")" >&2
			return 1
		}
	fi
}
# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU time of PID and its waited-for children (LXD's forknet), in ticks
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }

# bench_remove_run BRIDGE DIR: the end of a run's cleanup (the daemons are
# stopped): its bridge, what is mounted under DIR (deepest first), DIR.
bench_remove_run() {
	local m
	ip link del "$1" 2>/dev/null
	for m in $(awk -v b="$2" 'index($5, b) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$2"
}

# bench_teardown N PREFIX: the end of a run with containers on both daemons
# (bench/daemon-scale.sh, bench/metrics.sh): containers 1..N of each daemon
# in PID stopped (forced, four at a time), the daemons stopped, what a
# failed stop left of the cgroups named PREFIX* (its processes, then the
# cgroups), then the run's bridge BR and dir B. Needs PID, cname and call.
bench_teardown() {
	local d p cg n=$1 pre=$2
	for d in lxfd lxd; do
		[ -n "${PID[$d]:-}" ] || continue
		seq 1 "$n" | xargs -P 4 -I{} bash -c \
			'call "$0" PUT "/1.0/instances/$(cname "$1" {})/state" "{\"action\":\"stop\",\"force\":true}"' \
			"$d" "${d:2:1}" >/dev/null 2>&1
	done
	[ -n "${PID[lxd]:-}" ] && LXD_DIR=$B/lxd timeout 60 lxd shutdown --timeout 50 >/dev/null 2>&1
	[ -n "${PID[lxfd]:-}" ] && kill "${PID[lxfd]}" 2>/dev/null
	sleep 1
	for p in "${PID[@]}"; do kill -9 "$p" 2>/dev/null; done
	for cg in /sys/fs/cgroup/*/lxc.payload."$pre"-* /sys/fs/cgroup/*/lxc.monitor."$pre"-*; do
		[ -d "$cg" ] && xargs -r kill -9 <"$cg/cgroup.procs" 2>/dev/null
	done
	sleep 0.3
	for cg in /sys/fs/cgroup/*/lxc.payload."$pre"-* /sys/fs/cgroup/*/lxc.monitor."$pre"-*; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	bench_remove_run "$BR" "$B"
}

# bench_daemons_up DAEMONS: the run's bridge BR and dir B, the busybox
# image, and the daemons of DAEMONS ("lxfd lxd" or "lxfd") started on it
# (PID[lxfd], PID[lxd]) with a dir pool, eth0 on BR and busybox imported
# under that alias. Needs LXFD, top, api and call.
bench_daemons_up() {
	local daemons=$1 d out fp nic
	mkdir -p "$B"
	ip link add "$BR" type bridge && ip link set "$BR" up
	"$top/scripts/mkimage-busybox" "$B/busybox.tar.gz" >/dev/null
	nic="{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR\",\"name\":\"eth0\"}"
	if [ "$daemons" != lxfd ]; then
		LXD_DIR=$B/lxd setsid lxd --group root --logfile "$B/lxd.log" </dev/null >/dev/null 2>&1 &
		PID[lxd]=$!
		LXD_DIR=$B/lxd timeout 120 lxd waitready --timeout 100
		LXD_DIR=$B/lxd lxd init --preseed <<YAML
storage_pools: [{name: default, driver: dir}]
profiles: [{name: default, devices: {root: {path: /, pool: default, type: disk}, eth0: $nic}}]
YAML
	fi
	setsid "$LXFD" --dir "$B/lxfd" --logfile "$B/lxfd.log" </dev/null >/dev/null 2>&1 &
	PID[lxfd]=$!
	"$LXFD" waitready --dir "$B/lxfd" --timeout 30
	call lxfd PATCH /1.0/profiles/default "{\"devices\":{\"eth0\":$nic}}"
	for d in $daemons; do
		out=$(curl -s --unix-socket "$B/$d/unix.socket" -X POST -H 'Content-Type: application/octet-stream' \
			--data-binary @"$B/busybox.tar.gz" http://lxd/1.0/images)
		fp=$(api "$d" GET "$(jq -r .operation <<<"$out")/wait?timeout=60" | jq -r .metadata.metadata.fingerprint)
		call "$d" POST /1.0/images/aliases "{\"name\":\"busybox\",\"target\":\"$fp\"}"
	done
}
