#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf config set, lxf exec
#
# Containers see their own cgroups at /sys/fs/cgroup (issue #14, finding 5):
# limits.memory, limits.processes and limits.cpu read from inside match what
# the host applied, also after a live change; the container has a cgroup
# namespace of its own, so the root of every cgroup filesystem it sees or
# mounts is its own cgroup. An unprivileged root cannot write its limits,
# finds no release_agent, and none of its processes leaves its cgroup
# whatever it writes to cgroup.procs, while it may still make sub-cgroups
# (what systemd needs). Runs on cgroup v1/hybrid and on cgroup2 hosts.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1

v2=0
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && v2=1
# Paths inside the container (relative to its /sys/fs/cgroup) and the
# hierarchy each lives in, "" being cgroup2.
if [ "$v2" = 1 ]; then
	mem=memory.max pids=pids.max cpus=cpuset.cpus memh= pidsh= cpush=
else
	mem=memory/memory.limit_in_bytes pids=pids/pids.max cpus=cpuset/cpuset.cpus
	memh=memory pidsh=pids cpush=cpuset
fi
first_cpu=$(sed 's/[-,].*//' /sys/devices/system/cpu/online)

# inside NAME SCRIPT: runs SCRIPT with sh in the container; stdout in OUT.
inside() {
	assert_exit 0 lxf_run exec "h1:$1" -- sh -c "$2"
	OUT=$(printf '%s' "$LXFE_OUT" | tr -d '\r')
}

# host_cg PID HIERARCHY: the host path of PID's cgroup in HIERARCHY ("": v2).
host_cg() {
	local line
	if [ -z "$2" ]; then
		line=$(grep '^0::' "/proc/$1/cgroup")
	else
		line=$(grep -E "^[0-9]+:([^:]*,)?$2(,[^:]*)?:" "/proc/$1/cgroup")
	fi
	printf '%s' "${line#*:*:}"
}

# host_file PID HIERARCHY FILE: FILE of PID's cgroup, read on the host.
host_file() {
	cat "/sys/fs/cgroup${2:+/$2}$(host_cg "$1" "$2")/$3"
}

# check_limits NAME MEM PIDS: the limits inside equal the host's and the config's.
check_limits() {
	local name=$1 pid
	pid=$(container_pid 1 "$name")
	inside "$name" "cat /sys/fs/cgroup/$mem /sys/fs/cgroup/$pids /sys/fs/cgroup/$cpus"
	assert_eq "$2 $3 $first_cpu" "$(printf '%s' "$OUT" | tr '\n' ' ' | sed 's/ $//')" \
		"$name: limits read inside"
	assert_eq "$2" "$(host_file "$pid" "$memh" "${mem#*/}")" "$name: host memory limit"
	assert_eq "$3" "$(host_file "$pid" "$pidsh" "${pids#*/}")" "$name: host pids.max"
	assert_eq "$first_cpu" "$(host_file "$pid" "$cpush" "${cpus#*/}")" "$name: host cpuset"
	# A cgroup namespace of its own, rooted at its cgroup.
	inside "$name" 'readlink /proc/1/ns/cgroup; grep -c "/\.\." /proc/self/cgroup || true'
	assert_not_contains "$(printf '%s' "$OUT" | head -n1)" "$(readlink /proc/self/ns/cgroup)" \
		"$name: cgroup namespace"
	assert_eq 0 "$(printf '%s' "$OUT" | tail -n1)" "$name: cgroups outside its namespace"
}

lim='-c limits.memory=64MiB -c limits.processes=50 -c limits.cpu=1'
# shellcheck disable=SC2086 # $lim is three options
assert_exit 0 lxf_run launch busybox h1:u1 $lim
# shellcheck disable=SC2086
assert_exit 0 lxf_run launch busybox h1:p1 $lim -c security.privileged=true
wait_until 30 container_is 1 u1 RUNNING || fail "u1 not RUNNING"
wait_until 30 container_is 1 p1 RUNNING || fail "p1 not RUNNING"

check_limits u1 67108864 50
check_limits p1 67108864 50

# A live change is seen inside at once.
assert_exit 0 lxf_run config set h1:u1 limits.memory=32MiB limits.processes=40
check_limits u1 33554432 40

# Unprivileged root cannot raise its limits: the files belong to host root.
inside u1 "echo 1073741824 > /sys/fs/cgroup/$mem && echo mem-written
echo 9999 > /sys/fs/cgroup/$pids && echo pids-written
cat /sys/fs/cgroup/$mem /sys/fs/cgroup/$pids; true"
assert_eq "33554432 40" "$(printf '%s' "$OUT" | tr '\n' ' ' | sed 's/ $//')" \
	"u1: limits after writes from inside"

# A hybrid host's cgroup2 hierarchy is there too, rooted at u1's cgroup (its
# init is in the root's cgroup.procs), with the cgroup2 rules of a
# delegation: its own cgroup.procs and subtree_control, not the rest.
if [ "$v2" = 0 ] && [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	inside u1 'u=/sys/fs/cgroup/unified
grep -c " /sys/fs/cgroup/unified .* - cgroup2 " /proc/self/mountinfo; grep -cx 1 $u/cgroup.procs
echo 5 > $u/cgroup.max.descendants && echo max-written; cat $u/cgroup.max.descendants
[ -w $u/cgroup.procs ] && [ -w $u/cgroup.subtree_control ] && echo delegated; true'
	assert_eq "1 1 max delegated" "$(printf '%s' "$OUT" | tr '\n' ' ' | sed 's/ $//')" \
		"u1: its cgroup2 hierarchy"
fi

# No release_agent anywhere, also not in a cgroup filesystem it mounts itself.
mnt="mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg"
[ "$v2" = 1 ] || mnt="mkdir -p /tmp/cg && mount -t cgroup -o memory none /tmp/cg"
inside u1 "$mnt && find /sys/fs/cgroup /tmp/cg -name release_agent | wc -l"
assert_eq 0 "$OUT" "u1: release_agent files"

# Escape attempts: the shell writes itself into the root cgroup.procs of a
# cgroup filesystem it mounted and of every hierarchy it sees (no parent or
# sibling cgroup is visible: each root is u1's own cgroup); then it makes a
# sub-cgroup (allowed: delegation) and stays there. The host must see it
# under u1's own cgroup in every hierarchy.
inside u1 "find /sys/fs/cgroup /tmp/cg -name 'lxc.*' | wc -l"
assert_eq 0 "$OUT" "u1: other containers' cgroups visible"
tries="$mnt 2>/dev/null; for f in /tmp/cg/cgroup.procs /sys/fs/cgroup/cgroup.procs \
/sys/fs/cgroup/*/cgroup.procs; do
	[ -e \$f ] && echo \$\$ > \$f 2>/dev/null && echo moved-via \$f >&2; done
mkdir -p /sys/fs/cgroup/${memh:+$memh/}lxfsub && echo \$\$ > /sys/fs/cgroup/${memh:+$memh/}lxfsub/cgroup.procs &&
	echo in-sub; exec sleep 300"
lxf_run exec h1:u1 -- sh -c "$tries" >"$LXFE_RUN/tries.out" 2>&1 &
tries_pid=$!
init=$(container_pid 1 u1)
# sleep_pid: the host pid of the sleep in u1's pid namespace.
sleep_pid() {
	local p
	for p in $(pgrep -x sleep); do
		if [ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$init/ns/pid")" ]; then
			printf '%s' "$p"
			return 0
		fi
	done
	return 1
}
wait_until 30 sleep_pid || fail "no sleep in u1: $(cat "$LXFE_RUN/tries.out")"
sp=$(sleep_pid)
assert_contains "$(cat "$LXFE_RUN/tries.out")" in-sub "u1: sub-cgroup"
while IFS=: read -r id ctrls path; do
	base=$(grep "^$id:" "/proc/$init/cgroup")
	base=${base#*:*:}
	case "$path" in
	"$base" | "$base"/*) ;;
	*) fail "u1's shell left its cgroup in ${ctrls:-cgroup2}: $path (init: $base)" ;;
	esac
done <"/proc/$sp/cgroup"
memcg=$(host_cg "$sp" "$memh")
assert_contains "$memcg" "$(host_cg "$init" "$memh")/lxfsub" "u1's shell in its sub-cgroup"
kill "$sp"
wait "$tries_pid" || true

lxfe_log "cgroup mounts: PASS"
