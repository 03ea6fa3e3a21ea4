# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# lxd.sh: a private real LXD (Debian's lxd 5.0) for the tests that drive
# one, sourced after lib.sh. The three such tests started and tore it down
# with the same forty lines each; this is that code, once.
#
#   LXD_NAMES="c1 c2"   the container names the test will make in LXD:
#                       their cgroups are global, so the teardown removes
#                       them by name (names should carry $LXFE_ID)
#   lxd_up N [CONFIG]   starts LXD in harness host N's network namespace
#                       (its network part must be up: lxfe_net_up or
#                       hosts_up), with a dir pool and a default profile
#                       whose eth0 is on host N's lxfbr0; CONFIG is the
#                       body of a preseed `config:` map (YAML lines, two
#                       spaces in). Sets LXD_D; lxc_ runs lxc against it.
#
# LXD runs in a private mount namespace with host N's sysfs (so it sees
# that host's lxfbr0) and the host's cgroup tree, as lxfd does: its mounts
# vanish with it. When LXD is missing or cannot start here, the test says
# so LOUDLY and exits 0. The teardown (on exit and on signals, before the
# harness's own) stops LXD, kills what is left of its containers, removes
# their cgroups and the LXD dir.

LXD_D=
LXD_PID=
LXD_NAMES=${LXD_NAMES:-}

lxd_skip() {
	printf '\n%s\n*** SKIPPED: %s ***\n%s\n\n' "********************************************" \
		"$*" "********************************************" >&2
	exit 0
}

command -v lxd >/dev/null || lxd_skip "Debian's lxd is not installed (scripts/deps installs it)"

lxc_() { LXD_DIR=$LXD_D lxc "$@"; }

# Kills the processes of, then removes, the cgroups of LXD_NAMES.
_lxd_cgroups() {
	local n cg
	for n in $LXD_NAMES; do
		for cg in /sys/fs/cgroup/*/lxc.payload."$n" /sys/fs/cgroup/*/lxc.monitor."$n"; do
			[ -d "$cg" ] || continue
			xargs -r kill -9 <"$cg/cgroup.procs" 2>/dev/null || true
		done
	done
	lxfe_sleep 0.3
	for n in $LXD_NAMES; do
		for cg in /sys/fs/cgroup/*/lxc.payload."$n" /sys/fs/cgroup/*/lxc.monitor."$n"; do
			[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
}

# Stops the test's LXD and removes all it made. Idempotent.
lxd_cleanup() {
	local pid
	[ -n "$LXD_PID" ] || return 0
	pid=$LXD_PID
	LXD_PID=
	if kill -0 "$pid" 2>/dev/null; then
		LXD_DIR=$LXD_D timeout 60 lxd shutdown --timeout 50 >/dev/null 2>&1 || true
		kill -9 "$pid" 2>/dev/null || true
	fi
	_lxd_cgroups
	rm -rf --one-file-system -- "$LXD_D" "$LXD_D.log" 2>/dev/null || true
}

# errexit is off here: a failing step must not skip the harness's teardown.
_lxd_on_exit() {
	local rc=$?
	set +e
	lxd_cleanup
	(exit "$rc")
	_lxfe_on_exit
}
trap _lxd_on_exit EXIT
trap 'lxd_cleanup; _lxfe_on_signal 130' INT
trap 'lxd_cleanup; _lxfe_on_signal 143' TERM
trap 'lxd_cleanup; _lxfe_on_signal 129' HUP

lxd_up() {
	local n=$1 config=${2:-}
	LXD_D=$LXFE_RUN/h$n/lxd
	mkdir -p "$LXD_D"
	chmod 0755 "$LXD_D"
	# shellcheck disable=SC2016 # $0 expands in the inner shell
	setsid nsenter --net="/run/netns/$(host_ns "$n")" unshare -m --propagation private sh -ec '
		mkdir -p "$0/.cg"
		mount --rbind /sys/fs/cgroup "$0/.cg"
		mount -t sysfs sysfs /sys
		mount --move "$0/.cg" /sys/fs/cgroup
		LXD_DIR=$0 exec lxd --group root --logfile "$0.log"
	' "$LXD_D" </dev/null >"$LXD_D.out" 2>&1 &
	LXD_PID=$!
	disown "$LXD_PID"
	if ! LXD_DIR=$LXD_D timeout 90 lxd waitready --timeout 60 >/dev/null 2>&1; then
		tail -n 20 "$LXD_D.out" "$LXD_D.log" >&2 2>/dev/null || true
		lxd_skip "LXD could not start here (see its log above)"
	fi
	{
		[ -z "$config" ] || printf 'config:\n%s\n' "$config"
		cat <<'YAML'
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
    eth0: {name: eth0, nictype: bridged, parent: lxfbr0, type: nic}
YAML
	} | LXD_DIR=$LXD_D lxd init --preseed || fail "lxd init --preseed failed"
}
