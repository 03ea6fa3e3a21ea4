#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf exec
#
# The confinement of container root (doc/security.md).
# What root inside a container cannot do to the host, for an unprivileged
# and a privileged container: its uid is mapped (unprivileged), seccomp
# is on, /proc/sys and /proc/core_pattern are read-only, the host's block
# devices cannot be opened, the capabilities LXD drops are gone
# (privileged), and its hostname is its own. Each check is made from
# inside with the container's own tools, as an attacker would.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:un
assert_exit 0 lxf_run launch busybox h1:pr -c security.privileged=true
wait_until 30 container_is 1 un RUNNING || fail "un not RUNNING"
wait_until 30 container_is 1 pr RUNNING || fail "pr not RUNNING"

inside() { # inside NAME SCRIPT: runs SCRIPT with sh in NAME as its root
	local c=$1
	shift
	lxf_run exec "h1:$c" -- sh -c "$*"
}

# The host's root disk, as major minor in decimal.
rootdev=$(stat -c '%d' /)
major=$((rootdev >> 8))
minor=$((rootdev & 255))
core_pattern=$(cat /proc/sys/kernel/core_pattern)

for c in un pr; do
	# seccomp: mode 2 (filter) for init, hence for everything in it.
	assert_exit 0 inside "$c" 'grep "^Seccomp:" /proc/1/status'
	assert_contains "$LXFE_OUT" "2" "$c: seccomp of init"
	# /proc/sys is read-only (proc:mixed): core_pattern, the classic way
	# out (a piped core handler runs as host root), cannot be written.
	assert_exit 1 inside "$c" 'echo "|/tmp/x" >/proc/sys/kernel/core_pattern'
	assert_eq "$core_pattern" "$(cat /proc/sys/kernel/core_pattern)" "$c: the host's core_pattern"
	assert_exit 1 inside "$c" 'echo 1 >/proc/sys/vm/drop_caches'
	# The host's root disk: a node can be made (privileged) or not at all
	# (unprivileged), but never opened.
	assert_exit 1 inside "$c" "mknod /tmp/disk b $major $minor 2>/dev/null; head -c 512 /tmp/disk >/dev/null"
	# Its hostname is its own: changing it leaves the host's alone.
	host_name=$(uname -n)
	assert_exit 0 inside "$c" 'hostname evil-host; hostname'
	assert_eq evil-host "$LXFE_OUT" "$c: hostname inside"
	assert_eq "$host_name" "$(uname -n)" "$c: the host's hostname"
done

# Unprivileged: root inside is a high uid outside, with no capability in
# the host's user namespace.
assert_exit 0 inside un 'cat /proc/self/uid_map'
read -r inner outer count <<<"$LXFE_OUT"
assert_eq 0 "$inner" "un: uid map starts at 0"
[ "$outer" -gt 0 ] || fail "un: root maps to host uid $outer (count $count)"
pid=$(container_pid 1 un)
host_uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
assert_eq "$outer" "$host_uid" "un: host uid of its init"
[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] ||
	fail "un: shares the host's user namespace"
# Its root owns its own mount namespace, so it may mount a fresh proc
# (as in LXD): the read-only /proc/sys is a second line only. The first
# holds: the host's sysctls belong to the host's user namespace, and a
# write through the fresh mount is refused all the same.
assert_exit 0 inside un 'mkdir -p /tmp/p && mount -t proc proc /tmp/p && test -e /tmp/p/sys/kernel/core_pattern'
assert_exit 1 inside un 'echo "|/tmp/x" >/tmp/p/sys/kernel/core_pattern'
assert_exit 1 inside un 'echo 1 >/tmp/p/sys/vm/drop_caches'

# Privileged: the capabilities LXD drops are absent from the bounding set
# of init (sys_module 16, sys_rawio 17, sys_time 25, mac_override 32,
# mac_admin 33), so nothing in it can ever get them back.
assert_exit 0 inside pr 'grep "^CapBnd:" /proc/1/status'
bnd=$((16#$(awk '{print $2}' <<<"$LXFE_OUT")))
for bit in 16 17 25 32 33; do
	[ $(((bnd >> bit) & 1)) -eq 0 ] || fail "pr: capability $bit is in the bounding set"
done
# Module loading is refused (no capability, and seccomp on top).
assert_exit 1 inside pr 'insmod /nonexistent.ko 2>/dev/null || exit 1'

lxfe_log "ok: container root is confined (seccomp, /proc/sys, devices, capabilities, uid map, uts)"
