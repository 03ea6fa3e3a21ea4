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
