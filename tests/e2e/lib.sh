# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# lxf end-to-end harness, sourced by tests/e2e/test-*.sh, scripts/demo and
# scripts/e2e-clean. It models a fleet of hosts as network namespaces on
# this one machine:
#
#   root ns:   bridge lxfe<id>br 10.X.0.1/24, veth lxfe<id>h<N> per host
#   lxfe-<id>-h<N>:  veth lxfe<id>p<N> 10.X.0.<N+10>/24, bridge lxfbr0
#              10.X.N.1/24 with its own dnsmasq, and one lxfd whose state
#              lives in RUN/h<N>/ (socket RUN/h<N>/unix.socket)
#
# Every name carries the run id, so parallel and left-over runs never
# clash, and teardown only ever touches what carries its own id.
#
# lxfd runs under `nsenter --net`, not `ip netns exec`: the latter mounts
# a fresh sysfs in a private mount namespace, which hides the cgroup
# hierarchies liblxc needs (containers would land in the root cgroup and
# limits.* would not apply). lxfd itself gives its process a mount
# namespace with its netns' sysfs and the host cgroup tree (backend_init).
# liblxc's command sockets are abstract unix
# sockets, which are per network namespace: lxc-* tools aimed at a host's
# containers must run in that host's namespace too (see host_exec).
#
# Knobs, read when the file is sourced:
#   LXF_BUILD           build dir with daemon/lxfd and cli/lxf
#                       (default: $LXF_SRC/build)
#   LXF_SRC             source dir (default: two levels above this file)
#   LXF_E2E_ID          fixed run id ([a-z0-9], 1-6 chars; default random)
#   LXF_E2E_RUN_DIR     state dir (default /tmp/lxfe-<id>)
#   LXF_E2E_TEARDOWN=0  do not tear down on exit (the fleet stays up)
#   LXF_E2E_TIMEOUT     seconds after which the run SIGTERMs itself so that
#                       its teardown runs (default 540, 0 = never): ctest
#                       before 3.27 SIGKILLs a test at its TIMEOUT (600 s)
#   LXF_E2E_SWEEP=0     do not clean up dead runs (owner gone) at start
#   LXF_E2E_LIB_ONLY=1  only define functions: no id, no run dir, no trap
#   LXFE_NO_BRIDGE=1    (read by hosts_up) hosts get no lxfbr0 and no
#                       harness dnsmasq: for tests of lxfd's own networks
#   LXFE_NET_HOSTS=K    (read by hosts_up) only hosts 1..K get lxfbr0 and
#                       dnsmasq; the others' containers have no eth0 (lxfd's
#                       default profile has one only when lxfbr0 exists):
#                       a big fleet whose containers need no network

[ -n "${LXFE_LIB_LOADED:-}" ] && return 0
LXFE_LIB_LOADED=1

LXFE_SRC=${LXF_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LXFE_BUILD=${LXF_BUILD:-$LXFE_SRC/build}
LXFE_LXFD=$LXFE_BUILD/daemon/lxfd
LXFE_LXF=$LXFE_BUILD/cli/lxf
LXFE_HOSTS=()
LXFE_TORN_DOWN=0

# ---------------------------------------------------------------- messages

lxfe_log() {
	printf 'lxf-e2e[%s]: %s\n' "${LXFE_ID:-?}" "$*" >&2
}

# Where an assertion was called from, for messages.
_lxfe_where() {
	local i
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		case "${FUNCNAME[$i]}" in
		fail | assert_* | _lxfe_*) ;;
		*)
			printf '%s:%s' "${BASH_SOURCE[$i]##*/}" "${BASH_LINENO[$((i - 1))]}"
			return
			;;
		esac
	done
	printf '?'
}

fail() {
	printf 'FAIL (%s): %s\n' "$(_lxfe_where)" "$*" >&2
	_lxfe_dump_logs
	exit 1
}

# The end of each daemon's log, so that a failure seen only in CI (where
# the run dir is gone afterwards) says what the daemons were doing.
_lxfe_dump_logs() {
	local f
	[ -n "${LXFE_RUN:-}" ] || return 0
	for f in "$LXFE_RUN"/h*/lxfd.log; do
		[ -s "$f" ] || continue
		printf -- '--- last lines of %s:\n' "${f#"$LXFE_RUN"/}" >&2
		tail -n 25 "$f" >&2
	done
}

assert_eq() {
	local want=$1 got=$2 what=${3:-value}
	[ "$want" = "$got" ] && return 0
	fail "$what: expected '$want', got '$got'"
}

assert_contains() {
	local hay=$1 needle=$2 what=${3:-output}
	case "$hay" in
	*"$needle"*) return 0 ;;
	esac
	fail "$what: expected to contain '$needle', got:
$hay"
}

assert_not_contains() {
	local hay=$1 needle=$2 what=${3:-output}
	case "$hay" in
	*"$needle"*) fail "$what: expected NOT to contain '$needle', got:
$hay" ;;
	esac
	return 0
}

# assert_exit CODE cmd...: runs cmd, demands exit status CODE. Its stdout
# and stderr are left in LXFE_OUT and LXFE_ERR for further checks.
assert_exit() {
	local want=$1 rc=0 errf
	shift
	errf=$(mktemp)
	LXFE_OUT=$("$@" 2>"$errf") || rc=$?
	LXFE_ERR=$(cat "$errf")
	rm -f "$errf"
	[ "$rc" = "$want" ] && return 0
	fail "'$*': expected exit $want, got $rc
--- stdout:
$LXFE_OUT
--- stderr:
$LXFE_ERR"
}

# Sleeps in a way a signal interrupts at once, so the teardown trap runs
# without waiting for the sleep to end.
lxfe_sleep() {
	sleep "$1" &
	LXFE_SLEEP_PID=$!
	wait "$LXFE_SLEEP_PID" || true
	LXFE_SLEEP_PID=
}

# wait_until SECONDS cmd...: polls cmd every half second; 1 on timeout.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		lxfe_sleep 0.5
	done
}

# lxfe_wait_all PID...: waits for every one of the background jobs; 1 if
# any of them failed (each has said why).
lxfe_wait_all() {
	local p rc=0
	for p in "$@"; do
		wait "$p" || rc=1
	done
	return "$rc"
}

# ---------------------------------------------------------------- names

# _lxfe_names N: sets host N's names in _h_ns, _h_dir, _h_ip, _h_sub,
# _h_veth and _h_peer without a subshell: the loops over a fleet of 200
# hosts cannot afford a fork per name (the host_* functions print them).
_lxfe_names() {
	_h_ns=lxfe-$LXFE_ID-h$1
	_h_dir=$LXFE_RUN/h$1
	_h_ip=10.$LXFE_X.0.$(($1 + 10))
	_h_sub=10.$LXFE_X.$1 # + .0/24
	_h_veth=lxfe${LXFE_ID}h$1
	_h_peer=lxfe${LXFE_ID}p$1
}
host_ns() { _lxfe_names "$1" && printf '%s' "$_h_ns"; }
host_dir() { _lxfe_names "$1" && printf '%s' "$_h_dir"; }
host_socket() { _lxfe_names "$1" && printf '%s/unix.socket' "$_h_dir"; }
host_ip() { _lxfe_names "$1" && printf '%s' "$_h_ip"; }
host_subnet() { _lxfe_names "$1" && printf '%s' "$_h_sub"; } # + .0/24
host_veth() { _lxfe_names "$1" && printf '%s' "$_h_veth"; }
host_peer() { _lxfe_names "$1" && printf '%s' "$_h_peer"; }

# host_exec N cmd...: runs cmd in host N's namespace, with its own sysfs.
host_exec() {
	local n=$1
	shift
	ip netns exec "$(host_ns "$n")" "$@"
}

# container_state N NAME: liblxc's view (RUNNING, STOPPED...) of a
# container of host N, asked in that host's namespace; empty if unknown.
container_state() {
	host_exec "$1" lxc-info -P "$(host_dir "$1")/containers" -n "$2" -sH 2>/dev/null || true
}

# container_is N NAME STATE: for wait_until.
container_is() {
	[ "$(container_state "$1" "$2")" = "$3" ]
}

# container_pid N NAME: the pid of the container's init, as seen here.
container_pid() {
	host_exec "$1" lxc-info -P "$(host_dir "$1")/containers" -n "$2" -pH 2>/dev/null
}

# lxf_run ARGS...: the CLI with the run's configuration. LXF_DIR points
# nowhere so that a system lxfd (the static "local" remote) never joins
# the run's fleet.
lxf_run() {
	LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local "$LXFE_LXF" "$@"
}

# ---------------------------------------------------------------- setup

_lxfe_new_id() {
	local id
	while :; do
		id=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
		[ -e "/tmp/lxfe-$id" ] || ip netns list 2>/dev/null | grep -q "^lxfe-$id-" || break
	done
	printf '%s' "$id"
}

# Picks X for 10.X.0.0/16 from the id, skipping any X the root namespace
# already has an address or route in, or another run has reserved: a run
# makes its bridge only in hosts_up, so two runs started side by side
# (ctest -j) would both see the same X free. The pick and the reservation
# (RUN/subnet, gone with the run dir) happen under one lock.
LXFE_SUBNET_LOCK=/run/lock/lxfe-subnets.lock
_lxfe_pick_x() {
	local x i used
	used=$( (ip -4 -o addr show; ip -4 route show; cat /tmp/lxfe-*/subnet) 2>/dev/null |
		tr -s ' \t/' '\n')
	x=$(($(printf '%s' "$LXFE_ID" | cksum | cut -d' ' -f1) % 224 + 16))
	for ((i = 0; i < 224; i++)); do
		if ! printf '%s\n' "$used" | grep -q "^10\.$x\."; then
			printf '%s' "$x"
			return 0
		fi
		x=$(((x - 16 + 1) % 224 + 16))
	done
	return 1
}

# Sets LXFE_X and reserves it in RUN/subnet.
_lxfe_reserve_x() {
	local fd
	mkdir -p "${LXFE_SUBNET_LOCK%/*}"
	exec {fd}>"$LXFE_SUBNET_LOCK"
	flock -w 60 "$fd" || lxfe_log "subnet lock busy for 60 s, picking without it"
	LXFE_X=$(_lxfe_pick_x) || {
		exec {fd}>&-
		fail "no free 10.X.0.0/16 subnet left"
	}
	echo "10.$LXFE_X.0.0/16" >"$LXFE_RUN/subnet"
	exec {fd}>&-
}

lxfe_init() {
	[ "$(id -u)" -eq 0 ] || {
		echo "lxf-e2e: must run as root (network namespaces, containers)" >&2
		exit 1
	}
	LXFE_ID=${LXF_E2E_ID:-$(_lxfe_new_id)}
	case "$LXFE_ID" in
	'' | *[!a-z0-9]*) fail "LXF_E2E_ID must be 1-6 of [a-z0-9]: '$LXFE_ID'" ;;
	esac
	[ "${#LXFE_ID}" -le 6 ] || fail "LXF_E2E_ID must be 1-6 of [a-z0-9]: '$LXFE_ID'"
	LXFE_RUN=${LXF_E2E_RUN_DIR:-/tmp/lxfe-$LXFE_ID}
	case "$LXFE_RUN" in
	/*/*) ;;
	*) fail "LXF_E2E_RUN_DIR must be an absolute path below a directory: '$LXFE_RUN'" ;;
	esac
	LXFE_BR=lxfe${LXFE_ID}br
	export LXF_CONF=$LXFE_RUN/conf
	# The real lxc client keeps its remotes and client certificate in
	# LXD_CONF (default ~/.config/lxc): runs side by side must not share it.
	export LXD_CONF=$LXFE_RUN/lxc-conf
	[ "${LXF_E2E_SWEEP:-1}" = 0 ] || lxfe_sweep_dead
	if [ "${LXF_E2E_TEARDOWN:-1}" != 0 ]; then
		lxfe_arm
	fi
	# The run dir is made after the trap, so a signal cannot leave it.
	mkdir -p "$LXFE_RUN" "$LXF_CONF" "$LXD_CONF"
	echo "$$" >"$LXFE_RUN/owner.pid"
	if [ "${LXF_E2E_TEARDOWN:-1}" != 0 ]; then
		_lxfe_watchdog "${LXF_E2E_TIMEOUT:-540}"
	fi
	# Container rootfs are owned by a shifted uid that must traverse it.
	chmod 0755 "$LXFE_RUN"
	_lxfe_reserve_x
	lxfe_log "run dir $LXFE_RUN, subnets 10.$LXFE_X.0.0/16"
}

# Tears down on exit and on INT/TERM/HUP.
lxfe_arm() {
	trap '_lxfe_on_exit' EXIT
	trap '_lxfe_on_signal 130' INT
	trap '_lxfe_on_signal 143' TERM
	trap '_lxfe_on_signal 129' HUP
}

# Leaves everything up when the script exits (the demo's fleet).
lxfe_disarm() {
	trap - EXIT INT TERM HUP
	_lxfe_watchdog_stop
}

# SIGTERMs this shell after $1 seconds, if it is still this run's owner,
# so a hung test still tears down before an outside SIGKILL.
_lxfe_watchdog() {
	local t=$1 owner=$$ run=$LXFE_RUN
	case "$t" in '' | *[!0-9]*) fail "LXF_E2E_TIMEOUT must be seconds: '$t'" ;; esac
	[ "$t" -gt 0 ] || return 0
	(
		trap - EXIT INT TERM HUP
		# Named after the run dir: if this shell is SIGKILLed, the
		# sweep of its dead run finds and ends the sleep as well.
		(exec -a "lxf-e2e-watchdog $run/" sleep "$t") &
		wait $!
		if [ "$(cat "$run/owner.pid" 2>/dev/null)" = "$owner" ]; then
			echo "lxf-e2e[$LXFE_ID]: timed out after ${t}s, tearing down" >&2
			kill -TERM "$owner"
			# bash runs its trap only once its foreground command ends:
			# end that command too (not lxfd, which has its own session).
			ps -o pid=,sid= --ppid "$owner" 2>/dev/null | while read -r p sid; do
				[ "$p" != "$BASHPID" ] && [ "$sid" = "$(ps -o sid= -p "$owner" | tr -d ' ')" ] &&
					kill -TERM "$p" 2>/dev/null
			done
		fi
	) </dev/null &
	LXFE_WATCHDOG=$!
	disown "$LXFE_WATCHDOG"
}

_lxfe_watchdog_stop() {
	local w=${LXFE_WATCHDOG:-} kids
	[ -n "$w" ] || return 0
	LXFE_WATCHDOG=
	# Itself first, so that it cannot act on its sleep ending; then its
	# sleep, so that no stray sleep outlives the run.
	kids=$(ps -o pid= --ppid "$w" 2>/dev/null)
	kill "$w" 2>/dev/null
	# shellcheck disable=SC2086 # a list of pids
	[ -z "$kids" ] || kill $kids 2>/dev/null
	return 0
}

# Tears down earlier runs whose owner died without tearing down (SIGKILL):
# each /tmp/lxfe-ID whose owner.pid is dead (or missing for over a
# minute). Never the demo. Remains without a run dir (a teardown itself
# killed half way) are left to scripts/e2e-clean.
lxfe_sweep_dead() {
	local d id pid
	for d in /tmp/lxfe-*; do
		[ -d "$d" ] || continue
		id=${d#/tmp/lxfe-}
		case "$id" in '' | *[!a-z0-9]* | demo) continue ;; esac
		pid=$(cat "$d/owner.pid" 2>/dev/null) || pid=
		if [ -n "$pid" ]; then
			kill -0 "$pid" 2>/dev/null && continue
		elif [ -z "$(find "$d" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then
			continue
		fi
		lxfe_log "cleaning up dead run $id"
		lxfe_teardown_id "$id" "$d"
	done
}

_lxfe_on_exit() {
	local rc=$?
	teardown
	if [ "$rc" -eq 0 ] && [ "$LXFE_SANITIZER_FAIL" = 1 ]; then
		lxfe_log "FAIL: lxfd's sanitizer reported errors"
		rc=1
	fi
	exit "$rc"
}

_lxfe_on_signal() {
	lxfe_log "signal received, tearing down"
	[ -z "${LXFE_SLEEP_PID:-}" ] || kill "$LXFE_SLEEP_PID" 2>/dev/null
	trap - EXIT
	teardown
	exit "$1"
}

# hosts_up N: makes the test bridge and hosts 1..N (at most 200), each
# with lxfbr0, dnsmasq and a ready lxfd registered as remote hN. The hosts'
# networks are made in a few batched `ip` calls and their lxfd processes
# started all at once, then waited for, so 200 hosts take seconds.
hosts_up() {
	local n=$1 i pids=()
	case "$n" in
	'' | *[!0-9]* | 0) fail "hosts_up: need a host count, got '$n'" ;;
	esac
	# host_ip is 10.X.0.(N+10): 200 leaves room below .255.
	[ "$n" -le 200 ] || fail "hosts_up: at most 200 hosts, got $n"
	[ -x "$LXFE_LXFD" ] || fail "lxfd not built: $LXFE_LXFD (set LXF_BUILD)"
	[ -x "$LXFE_LXF" ] || fail "lxf not built: $LXFE_LXF (set LXF_BUILD)"
	command -v dnsmasq >/dev/null || fail "dnsmasq missing: run scripts/deps"
	lxfe_net_up "$n"
	for ((i = 1; i <= n; i++)); do
		_lxfe_lxfd_start "$i"
	done
	# Waited for together: each wait is a process that loads libcurl.
	# Started together, the daemons share the CPUs: the more there are,
	# the longer the first may take.
	for ((i = 1; i <= n; i++)); do
		_lxfe_lxfd_ready "$i" $((30 + n / 4)) &
		pids+=($!)
	done
	lxfe_wait_all "${pids[@]}" || fail "some lxfd did not come up (see above)"
	_lxfe_remotes_add "$n"
}

# _lxfe_remotes_add N: remotes h1..hN in config.yml. A first config is
# written at once, in the format `lxf remote add` writes (200 calls of it
# rewrite the file 200 times); a config that exists is added to by it.
_lxfe_remotes_add() {
	local n=$1 i conf=$LXF_CONF/config.yml
	if [ ! -e "$conf" ]; then
		{
			echo "remotes:"
			for ((i = 1; i <= n; i++)); do
				_lxfe_names "$i"
				printf '  h%s:\n    addr: unix://%s/unix.socket\n    protocol: lxd\n' "$i" "$_h_dir"
				printf '    project: default\n    auth_type: tls\n    public: false\n'
			done
			echo "default-remote: local"
		} >"$conf.tmp"
		mv "$conf.tmp" "$conf" || fail "cannot write $conf"
		return 0
	fi
	for ((i = 1; i <= n; i++)); do
		lxf_run remote add "h$i" "unix://$(host_socket "$i")" >/dev/null ||
			fail "lxf remote add h$i failed"
	done
}

# hosts_https N...: hosts N... listen on HTTPS (their IP, port 8443, trust
# password pw-ID) and are added as remotes sN over HTTPS, trusted.
hosts_https() {
	local n pw=pw-$LXFE_ID
	for n in "$@"; do
		assert_exit 0 lxf_run config set "h$n:" core.https_address "$(host_ip "$n"):8443"
		assert_exit 0 lxf_run config set "h$n:" core.trust_password "$pw"
		wait_until 20 bash -c "exec 3<>/dev/tcp/$(host_ip "$n")/8443" ||
			fail "h$n not on HTTPS"
		assert_exit 0 lxf_run remote add "s$n" "https://$(host_ip "$n"):8443" \
			--password "$pw" --accept-certificate
	done
}

# lxfe_net_up N: only the network part of hosts_up (bridges, dnsmasq).
# Hosts route to each other's container subnets directly (one batch of
# routes per host, not a process per route: 200 hosts have 39,800).
lxfe_net_up() {
	local n=$1 i
	if ! ip link show "$LXFE_BR" >/dev/null 2>&1; then
		ip link add "$LXFE_BR" type bridge
		ip addr add "10.$LXFE_X.0.1/24" dev "$LXFE_BR"
		ip link set "$LXFE_BR" up
	fi
	_lxfe_hosts_net 1 "$n"
	for ((i = 1; i <= n; i++)); do
		LXFE_HOSTS+=("$i")
	done
}

# _lxfe_host_net N: brings up host N's network alone, without routes to
# the other hosts' containers (tests add a host for a real LXD this way).
_lxfe_host_net() {
	_lxfe_hosts_net "$1" "$1"
}

# _lxfe_hosts_net FIRST LAST: the namespaces, veths and routes of hosts
# FIRST..LAST in one `ip -batch` in the root namespace, then each host's
# inside (addresses, lxfbr0, routes to the others, dnsmasq) in parallel.
_lxfe_hosts_net() {
	local first=$1 last=$2 i pids=()
	for ((i = first; i <= last; i++)); do
		_lxfe_names "$i"
		mkdir -p "$_h_dir"
		chmod 0755 "$_h_dir"
		echo "netns add $_h_ns"
		echo "link add $_h_veth type veth peer name $_h_peer netns $_h_ns"
		echo "link set $_h_veth master $LXFE_BR up"
		# The root namespace reaches every host's containers over its veth.
		echo "route replace $_h_sub.0/24 via $_h_ip dev $LXFE_BR"
	done | ip -batch - || fail "setting up the network of hosts $first..$last failed"
	for ((i = first; i <= last; i++)); do
		_lxfe_host_inside "$i" "$first" "$last" &
		pids+=($!)
	done
	lxfe_wait_all "${pids[@]}" || fail "setting up the inside of hosts $first..$last failed (see above)"
}

# _lxfe_host_inside N FIRST LAST: host N's side of its veth, its lxfbr0
# and dnsmasq, and routes to the containers of hosts FIRST..LAST.
_lxfe_host_inside() {
	local i=$1 first=$2 last=$3 j ns dir sub bridge=1
	[ "${LXFE_NO_BRIDGE:-0}" = 1 ] && bridge=0
	[ -n "${LXFE_NET_HOSTS:-}" ] && [ "$i" -gt "$LXFE_NET_HOSTS" ] && bridge=0
	_lxfe_names "$i"
	ns=$_h_ns dir=$_h_dir sub=$_h_sub
	{
		echo "link set lo up"
		echo "addr add $_h_ip/24 dev $_h_peer"
		echo "link set $_h_peer up"
		echo "route add default via 10.$LXFE_X.0.1"
		if [ "$bridge" = 1 ]; then
			echo "link add lxfbr0 type bridge"
			echo "addr add $sub.1/24 dev lxfbr0"
			echo "link set lxfbr0 up"
		fi
		for ((j = first; j <= last; j++)); do
			[ "$i" = "$j" ] && continue
			_lxfe_names "$j"
			echo "route replace $_h_sub.0/24 via $_h_ip"
		done
	} | ip -n "$ns" -batch - || {
		lxfe_log "network inside h$i failed"
		return 1
	}
	# One process in the namespace for both (nsenter, not ip netns exec:
	# no mount namespace per dnsmasq).
	[ "$bridge" = 1 ] || set -- true
	[ "$bridge" = 0 ] || set -- dnsmasq --conf-file=/dev/null --user=root --group=root \
		--strict-order --bind-interfaces --except-interface=lo \
		--interface=lxfbr0 --listen-address="$sub.1" \
		--dhcp-range="$sub.100,$sub.250,255.255.255.0,1h" \
		--dhcp-authoritative --dhcp-no-override --no-resolv --no-hosts \
		--dhcp-leasefile="$dir/dnsmasq.leases" --pid-file="$dir/dnsmasq.pid" \
		--log-facility="$dir/dnsmasq.log" --log-dhcp
	nsenter --net="/run/netns/$ns" sh -ec 'echo 1 >/proc/sys/net/ipv4/ip_forward; exec "$@"' sh "$@" || {
		lxfe_log "ip_forward or dnsmasq failed on h$i (see $dir/dnsmasq.log)"
		return 1
	}
}

_lxfe_lxfd_start() {
	local i=$1 dir pid
	_lxfe_names "$i"
	dir=$_h_dir
	# setsid: a signal sent to the test's process group must not kill
	# lxfd before teardown asks it to stop its containers.
	setsid nsenter --net="/run/netns/$_h_ns" "$LXFE_LXFD" --dir "$dir" \
		--logfile "$dir/lxfd.log" ${LXF_E2E_DEBUG:+--debug} \
		</dev/null >"$dir/lxfd.out" 2>&1 &
	pid=$!
	# Not a job of this shell: no "Killed" notice when a test kills it.
	disown "$pid"
	echo "$pid" >"$dir/lxfd.pid"
}

# _lxfe_lxfd_ready N [SECONDS]: waits until host N's lxfd is ready (30 s);
# else prints its output and returns 1. _lxfe_lxfd_wait fails the test.
_lxfe_lxfd_ready() {
	local i=$1 t=${2:-30} dir
	_lxfe_names "$i"
	dir=$_h_dir
	LXF_DIR=$dir "$LXFE_LXFD" waitready --timeout "$t" --dir "$dir" >/dev/null 2>&1 && return 0
	lxfe_log "lxfd on h$i not ready within $t s; its output:"
	tail -n 20 "$dir/lxfd.out" "$dir/lxfd.log" >&2 2>/dev/null
	return 1
}

_lxfe_lxfd_wait() {
	_lxfe_lxfd_ready "$@" || fail "lxfd on h$1 did not come up"
}

# host_lxfd_pid N: the pid of host N's lxfd process itself (the pid file
# may name setsid's or nsenter's), empty when it is not running.
host_lxfd_pid() {
	local p
	for p in $(pgrep -f -- "--dir $(host_dir "$1")"); do
		[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$LXFE_LXFD")" ] && echo "$p" && return 0
	done
	return 0
}

# host_lxfd_restart N: starts host N's lxfd again (after a test stopped
# it) and waits until it is ready.
host_lxfd_restart() {
	_lxfe_lxfd_start "$1"
	_lxfe_lxfd_wait "$1"
}

# host_writes N: the write requests (POST, PUT, PATCH, DELETE) host N's
# lxfd has handled so far, one "METHOD PATH" a line, from its debug log.
# Its lxfd must run with --debug: LXF_E2E_DEBUG=1 before hosts_up (or
# host_lxfd_restart) starts it so; without, this fails rather than see
# no writes.
host_writes() {
	local log pid
	log=$(host_dir "$1")/lxfd.log
	pid=$(host_lxfd_pid "$1")
	[ -n "$pid" ] || fail "host_writes: lxfd of h$1 is not running"
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- ' --debug ' ||
		fail "host_writes: lxfd of h$1 runs without --debug (set LXF_E2E_DEBUG=1 before hosts_up)"
	sed -n 's/^.* DEBUG \[lxfd\] \(\(POST\|PUT\|PATCH\|DELETE\) \/.*\)$/\1/p' "$log"
}

# lxfe_kill_at N "STRACE ARGS" CMD...: runs CMD with host N's lxfd traced
# by strace injecting SIGKILL as ARGS say (e.g. "-e inject=rename:signal=
# SIGKILL:when=2"); LXFE_ACKED=1 when CMD succeeded. lxfd must have died
# at that point (returns 1 otherwise: the step was not reached); it is then
# started again. For crash-recovery tests (doc/security.md).
_lxfe_traced() { # PID STRACE_PID: every thread of PID is traced by it
	awk -v s="$2" '/^TracerPid:/ && $2 != s { bad = 1 } END { exit bad }' /proc/"$1"/task/*/status
}
lxfe_kill_at() {
	local n=$1 spec=$2 dir pid spid
	shift 2
	dir=$(host_dir "$n")
	pid=$(cat "$dir/lxfd.pid")
	# shellcheck disable=SC2086 # spec is a list of strace arguments
	strace -f -qq -p "$pid" -o /dev/null $spec 2>"$LXFE_RUN/strace.err" &
	spid=$!
	wait_until 20 _lxfe_traced "$pid" "$spid" || fail "strace did not attach to lxfd of h$n"
	LXFE_ACKED=0
	if "$@"; then LXFE_ACKED=1; fi
	if ! wait_until 30 sh -c "! kill -0 $pid 2>/dev/null"; then
		lxfe_log "lxfd of h$n did not die at '$spec': step not reached"
		kill "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		return 1
	fi
	wait "$spid" 2>/dev/null || true
	_lxfe_lxfd_start "$n"
	_lxfe_lxfd_wait "$n"
}

# The busybox image, built once and cached in the build dir; rebuilt when
# scripts/mkimage-busybox changes.
lxfe_image() {
	local cache=$LXFE_BUILD/e2e-cache/busybox.tar.gz mk=$LXFE_SRC/scripts/mkimage-busybox
	if [ ! -s "$cache" ] || [ "$mk" -nt "$cache" ]; then
		if mkdir -p "${cache%/*}" 2>/dev/null && [ -w "${cache%/*}" ]; then
			"$mk" "$cache" >/dev/null || fail "mkimage-busybox failed"
		else
			cache=$LXFE_RUN/busybox.tar.gz
			[ -s "$cache" ] || "$mk" "$cache" >/dev/null || fail "mkimage-busybox failed"
		fi
	fi
	printf '%s' "$cache"
}

# hosts_import_image [N...]: imports busybox (alias busybox) on the given
# hosts, default every host brought up.
hosts_import_image() {
	local img i hosts=("$@")
	[ $# -gt 0 ] || hosts=("${LXFE_HOSTS[@]}")
	img=$(lxfe_image)
	for i in "${hosts[@]}"; do
		assert_exit 0 lxf_run image import "$img" "h$i:" --alias busybox
	done
}

# hosts_populate M R [N...]: on each given host (default every host
# brought up), imports busybox and makes containers hN-c1..hN-cM, the
# first R running, the rest stopped. Hosts go eight at a time, each in a
# loop of its own: what is paid is lxfd's import and creates, not lxf's
# turns. The names differ from host to host because the hosts share one
# cgroup tree: liblxc names a container's cgroups after it (suffixed -1,
# -2... when taken), and two same-named containers started at once on two
# hosts race for the same suffix (one fails "Failed to enter monitor
# cgroup"), which separate machines never do.
hosts_populate() {
	local m=$1 r=$2 img i k verb hosts pids=() bad=0
	shift 2
	hosts=("$@")
	[ $# -gt 0 ] || hosts=("${LXFE_HOSTS[@]}")
	img=$(lxfe_image)
	for i in "${hosts[@]}"; do
		(
			lxf_run image import "$img" "h$i:" --alias busybox >/dev/null ||
				{ lxfe_log "image import on h$i failed" && exit 1; }
			for ((k = 1; k <= m; k++)); do
				verb=init
				[ "$k" -gt "$r" ] || verb=launch
				lxf_run "$verb" busybox "h$i:h$i-c$k" >/dev/null || {
					lxfe_log "$verb h$i:h$i-c$k failed; the end of its liblxc log:"
					tail -n 15 "$(host_dir "$i")/logs/h$i-c$k/lxc.log" >&2
					exit 1
				}
			done
		) &
		pids+=($!)
		[ "${#pids[@]}" -ge 8 ] || continue
		wait "${pids[0]}" || bad=1
		pids=("${pids[@]:1}")
	done
	lxfe_wait_all "${pids[@]}" || bad=1
	[ "$bad" = 0 ] || fail "hosts_populate: some containers were not made (see above)"
}

# ---------------------------------------------------------------- teardown

# Pids of the given processes and all their descendants.
_lxfe_descendants() {
	ps -e -o pid=,ppid= | awk -v roots=" $* " '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			n = split(roots, r, " ")
			for (i = 1; i <= n; i++) keep[r[i]] = 1
			do {
				grew = 0
				for (j in pids) {
					p = pids[j]
					if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 }
				}
			} while (grew)
			for (p in keep) print p
		}'
}

# Processes of run (id, dir): in its namespaces, naming its dir on their
# command line (lxfd, dnsmasq, lxc monitors), and all their descendants
# (the containers). Never this shell or its ancestors.
_lxfe_run_pids() {
	local id=$1 run=$2 roots=() p self
	# One ip process for every namespace of the run.
	mapfile -t roots < <(ip netns list 2>/dev/null |
		awk -v pre="lxfe-$id-h" 'index($1, pre) == 1 { print "netns pids " $1 }' |
		ip -force -batch - 2>/dev/null)
	while read -r p; do
		p=${p#/proc/}
		roots+=("${p%/cmdline}")
	done < <(grep -laF -- "$run/" /proc/[0-9]*/cmdline 2>/dev/null)
	[ "${#roots[@]}" -gt 0 ] || return 0
	self=" $$ $BASHPID $(_lxfe_ancestors) "
	for p in $(_lxfe_descendants "${roots[@]}"); do
		case "$self" in *" $p "*) continue ;; esac
		[ -d "/proc/$p" ] && echo "$p"
	done
}

_lxfe_ancestors() {
	local p=$$ out=
	while [ "$p" -gt 1 ] 2>/dev/null; do
		p=$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null) || break
		out="$out $p"
	done
	printf '%s' "$out"
}

# Mount points at or below dir in this mount namespace, deepest first.
_lxfe_mounts_under() {
	awk -v d="$1" '
		function unesc(s) {
			gsub(/\\040/, " ", s); gsub(/\\011/, "\t", s)
			gsub(/\\012/, "\n", s); gsub(/\\134/, "\\", s)
			return s
		}
		{ m = unesc($2); if (m == d || index(m, d "/") == 1) print length(m) "\t" m }
	' /proc/self/mounts | sort -rn | cut -f2-
}

# Stops lxfd on every host of the run cleanly, in parallel; then whatever
# is left is killed hard.
_lxfe_stop_daemons() {
	local run=$1 d pid waits=()
	[ -x "$LXFE_LXFD" ] || return 0
	for d in "$run"/h*/; do
		d=${d%/}
		[ -S "$d/unix.socket" ] || continue
		pid=$(cat "$d/lxfd.pid" 2>/dev/null) || pid=
		(
			LXF_DIR=$d timeout 40 "$LXFE_LXFD" shutdown --dir "$d" >/dev/null 2>&1
			# Give the daemon a moment to exit after its answer.
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
					break
				fi
				sleep 0.5
			done
		) &
		waits+=($!)
	done
	[ "${#waits[@]}" -eq 0 ] || wait "${waits[@]}" 2>/dev/null
}

# Force-stops containers through liblxc where their monitor still lives,
# so liblxc removes its own cgroups. Only those: one pass over the process
# list finds them ("[lxc monitor] LXCPATH NAME"), where an lxc-stop per
# container, stopped or not, took minutes on a fleet of 2,000. Sixteen at
# a time.
_lxfe_stop_containers() {
	local id=$1 run=$2 path name d ns pids=()
	while read -r path name; do
		d=${path%/containers}
		ns=lxfe-$id-${d##*/}
		[ -e "/run/netns/$ns" ] || continue
		timeout 15 ip netns exec "$ns" lxc-stop -k -P "$path" -n "$name" >/dev/null 2>&1 &
		pids+=($!)
		[ "${#pids[@]}" -ge 16 ] || continue
		wait "${pids[@]}" 2>/dev/null
		pids=()
	done < <(ps -eo args= | awk -v p="[lxc monitor] $run/" 'index($0, p) == 1 { print $3, $4 }')
	[ "${#pids[@]}" -eq 0 ] || wait "${pids[@]}" 2>/dev/null
	return 0
}

# lxfe_teardown_id ID RUNDIR: removes everything of one run. Idempotent;
# only touches names carrying ID and paths under RUNDIR. Runs in a subshell
# without errexit: a piece already gone must not stop the rest.
lxfe_teardown_id() {
	(
		set +e
		_lxfe_teardown_id "$@"
	)
}

# Sanitizer builds: lxfd runs in the background, so its ASan/UBSan/LSan
# reports land in its output files, not in the test's exit status. Once
# the daemons have stopped (leak reports come at exit), any report fails
# the test and is printed.
LXFE_SANITIZER_FAIL=0
_lxfe_sanitizer_scan() {
	local f
	for f in "$1"/h*/lxfd.out "$1"/h*/lxfd.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			lxfe_log "sanitizer report in $f:"
			grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -80 >&2
			LXFE_SANITIZER_FAIL=1
		fi
	done
}

_lxfe_teardown_id() {
	local id=$1 run=$2 pids cgs=() p m cg dir
	case "$id" in '' | *[!a-z0-9]*) return 1 ;; esac
	case "$run" in /*/*) ;; *) return 1 ;; esac
	run=${run%/}

	_lxfe_stop_daemons "$run"
	# lxfd may have stopped: kill what is left of it before liblxc.
	for p in "$run"/h*/lxfd.pid; do
		[ -f "$p" ] || continue
		p=$(cat "$p")
		# Only if that pid is still our lxfd, not a recycled one.
		grep -qaF -- "$run/" "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p" 2>/dev/null
	done
	_lxfe_stop_containers "$id" "$run"
	_lxfe_sanitizer_scan "$run"

	for _ in 1 2 3 4 5; do
		pids=$(_lxfe_run_pids "$id" "$run")
		[ -n "$pids" ] || break
		for p in $pids; do
			mapfile -t -O "${#cgs[@]}" cgs < <(awk -F: '$3 ~ /lxc\.(payload|monitor)\./ { print $3 }' \
				"/proc/$p/cgroup" 2>/dev/null)
		done
		# shellcheck disable=SC2086 # a list of pids
		kill -9 $pids 2>/dev/null
		lxfe_sleep 0.3
	done
	[ -z "$pids" ] || lxfe_log "teardown: processes still alive: $pids"

	while read -r m; do
		[ -n "$m" ] || continue
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			lxfe_log "teardown: cannot unmount $m"
	done < <(_lxfe_mounts_under "$run")

	# One ip process for all (-force: go on past one that fails).
	ip netns list 2>/dev/null | awk -v pre="lxfe-$id-h" 'index($1, pre) == 1 { print "netns del " $1 }' |
		ip -force -batch - 2>/dev/null || lxfe_log "teardown: cannot delete some netns"
	ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep -E "^lxfe${id}(br|h[0-9]+)\$" | sed 's/^/link del /' | ip -force -batch - 2>/dev/null

	# Cgroups liblxc could not remove because its monitor was killed.
	for cg in $(printf '%s\n' "${cgs[@]}" | sort -u); do
		for dir in /sys/fs/cgroup/*"$cg" /sys/fs/cgroup"$cg"; do
			[ -d "$dir" ] || continue
			find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done

	if [ -d "$run" ]; then
		rm -rf --one-file-system -- "$run" 2>/dev/null ||
			lxfe_log "teardown: cannot remove $run"
	fi
	return 0
}

# Tears down this run; safe to call more than once.
teardown() {
	[ "$LXFE_TORN_DOWN" = 1 ] && return 0
	LXFE_TORN_DOWN=1
	[ -n "${LXFE_ID:-}" ] || return 0
	# A second signal must not interrupt the cleanup half way.
	trap '' INT TERM HUP
	set +e
	_lxfe_watchdog_stop
	lxfe_teardown_id "$LXFE_ID" "$LXFE_RUN"
	trap - INT TERM HUP
	return 0
}

# lxfe_leftovers ID RUNDIR: prints anything of that run still present,
# returns 1 if something is.
lxfe_leftovers() {
	local out
	out=$(_lxfe_leftovers_list "$1" "${2%/}")
	[ -z "$out" ] && return 0
	printf '%s\n' "$out"
	return 1
}

_lxfe_leftovers_list() {
	local id=$1 run=$2 f
	ip netns list 2>/dev/null | awk -v pre="lxfe-$id-" 'index($1, pre) == 1 { print "netns " $1 }'
	ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep -E "^lxfe${id}(br|h[0-9]+)\$" | sed 's/^/link /'
	_lxfe_run_pids "$id" "$run" | sed 's/^/process /'
	_lxfe_mounts_under "$run" | sed 's/^/mount /'
	for f in "$run" /run/netns/lxfe-"$id"-*; do
		[ -e "$f" ] && echo "path $f"
	done
	return 0
}

if [ "${LXF_E2E_LIB_ONLY:-0}" != 1 ]; then
	# lxf launch reads YAML from a stdin that is not a terminal (as lxc):
	# ctest hands its own stdin down, maybe a pipe that never ends. A test
	# that means to feed lxf redirects that command's stdin itself.
	[ -t 0 ] || exec </dev/null
	lxfe_init
fi

# lxc_client N: the real lxc client on host N's unix socket (LXD_SOCKET, and
# LXD_CONF in the run dir), its first run's welcome on stderr out of the way.
lxc_client() {
	LXD_SOCKET=$(host_socket "$1")
	LXD_CONF=$LXFE_RUN/lxc-conf
	mkdir -p "$LXD_CONF"
	export LXD_SOCKET LXD_CONF
	timeout 30 lxc remote list >/dev/null 2>&1 || true
}

# lx ARGS...: the lxc client, failing the test (not hanging) past 60 s.
lx() {
	local rc=0
	timeout 60 lxc "$@" || rc=$?
	[ "$rc" != 124 ] || fail "lxc $* hung (no answer in 60 s)"
	return "$rc"
}

# json_check PYTHON-EXPR: evaluates EXPR with d = the JSON on stdin.
json_check() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
ok = eval("(" + sys.argv[1] + ")")
if not ok:
    sys.exit("JSON check failed: %s\n%s" % (sys.argv[1], json.dumps(d, indent=1)[:3000]))
' "$1"
}
