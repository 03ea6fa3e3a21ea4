#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf start, lxf stop, lxf delete, lxf move, lxf copy, lxf snapshot
# covers: lxf restore, lxf file push, lxf file pull, lxf exec
# covers: GET /1.0, GET /1.0/operations/{id}, GET /1.0/operations/{id}/wait
# covers: GET /1.0/operations/{id}/websocket, POST /1.0/instances
#
# Host users other than root reach nothing of the containers (issue #14,
# finding 1). A setuid-root copy of id and a world-readable file planted in
# a privileged and in an unprivileged container are refused (EACCES) to host
# user nobody in the instances, their snapshots, copies, the image store and
# a migration's stage held open mid-transfer; the containers still start,
# exec, push and pull files, snapshot, restore, copy, rename and migrate.
# Directories left with an older lxfd's modes (0711/0755, root-owned) are
# put right at start-up, and the containers start after that.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

RELAY=$(dirname "$0")/mig-relay.py
# runuser, not setpriv --reuid: that one keeps root's capabilities up to the exec.
as_nobody() { runuser -u nobody -- "$@"; }

# refused PATH [exec]: root sees PATH; nobody cannot read it, nor run it.
refused() {
	local p=$1 out
	[ -e "$p" ] || fail "$p is missing: nothing to try"
	if [ "${2:-}" = exec ]; then
		out=$(as_nobody "$p" 2>&1) && fail "nobody ran $p: $out"
		assert_contains "$out" "Permission denied"
	fi
	out=$(as_nobody cat "$p" 2>&1 >/dev/null) && fail "nobody read $p"
	assert_contains "$out" "Permission denied"
}

# modes_ok NAME: the instance dir is 0100 and owned by its rootfs's owner.
modes_ok() {
	local c=$d/containers/$1
	assert_eq "100 $(stat -c '%u %g' "$c/rootfs")" "$(stat -c '%a %u %g' "$c")" "mode of $c"
}

hosts_up 1
hosts_import_image 1
d=$(host_dir 1)
assert_exit 0 lxf_run launch busybox h1:pr -c security.privileged=true
assert_exit 0 lxf_run launch busybox h1:un
for c in pr un; do
	assert_exit 0 lxf_run file push /usr/bin/id "h1:$c/idsuid"
	assert_exit 0 lxf_run exec "h1:$c" -- sh -c \
		'chown 0:0 /idsuid && chmod 4755 /idsuid && echo private >/readable && chmod 644 /readable'
	[ -u "$d/containers/$c/rootfs/idsuid" ] || fail "no setuid id planted in $c"
	assert_exit 0 lxf_run snapshot "h1:$c" s0
done
assert_eq 0 "$(stat -c %u "$d/containers/pr/rootfs")" "owner of the privileged rootfs"
ubase=$(stat -c %u "$d/containers/un/rootfs")
[ "$ubase" != 0 ] || fail "the unprivileged rootfs is owned by host root"

# The attack of the issue: as nobody, run the planted setuid id.
for c in pr un; do
	refused "$d/containers/$c/rootfs/idsuid" exec
	refused "$d/containers/$c/rootfs/readable"
	refused "$d/snapshots/$c/s0/rootfs/idsuid" exec
	refused "$d/snapshots/$c/s0/rootfs/readable"
	modes_ok "$c"
done
fp=$(find "$d/images" -maxdepth 1 -type f -name '[0-9a-f]*' | head -n 1)
refused "$fp"
for sub in images logs snapshots; do
	assert_eq 700 "$(stat -c %a "$d/$sub")" "mode of $sub"
done
lxfe_log "instances, snapshots, images: refused to nobody"

# Everything that needs the paths still works: exec, files, snapshots.
for c in pr un; do
	assert_exit 0 lxf_run file pull "h1:$c/readable" "$LXFE_RUN/$c.back"
	assert_eq private "$(cat "$LXFE_RUN/$c.back")" "file pulled from $c"
	assert_exit 0 lxf_run exec "h1:$c" -- rm /readable
	assert_exit 0 lxf_run stop -f "h1:$c"
	assert_exit 0 lxf_run restore "h1:$c" s0
	modes_ok "$c"
	# A copy and a rename keep the rule.
	assert_exit 0 lxf_run copy "h1:$c" "h1:$c-copy"
	assert_exit 0 lxf_run move "h1:$c-copy" "h1:$c-moved"
	modes_ok "$c-moved"
	refused "$d/containers/$c-moved/rootfs/idsuid" exec
	assert_exit 0 lxf_run delete "h1:$c-moved"
	assert_exit 0 lxf_run start "h1:$c"
	assert_exit 0 lxf_run exec "h1:$c" -- cat /readable
	assert_eq private "$LXFE_OUT" "file of $c after restore"
done

# A migration's stage, held open mid-transfer (same host, un -> mv).
assert_exit 0 lxf_run exec h1:un -- dd if=/dev/urandom of=/zz-big bs=1M count=24
hold=$LXFE_RUN/relay-paused
/usr/bin/python3 "$RELAY" "$(host_socket 1)" un "$(host_socket 1)" mv \
	--pause-after 12000000 "$hold" >"$LXFE_RUN/relay.out" 2>&1 &
relay=$!
wait_until 120 test -e "$hold" || fail "the migration never got 12 MB far"
refused "$d/migrate/mv/rootfs/idsuid" exec
refused "$d/migrate/mv/rootfs/readable"
rm -f "$hold"
wait "$relay" || fail "relay failed: $(cat "$LXFE_RUN/relay.out")"
modes_ok mv
assert_exit 0 lxf_run start h1:mv
assert_exit 0 lxf_run exec h1:mv -- cat /readable
assert_eq private "$LXFE_OUT" "file of the migrated copy"
assert_exit 0 lxf_run delete -f h1:mv
lxfe_log "migration stage: refused to nobody; the copy runs"

# An older lxfd's modes: fixed when lxfd starts.
pid=$(cat "$d/lxfd.pid")
kill -TERM "$pid"
wait_until 30 sh -c "! [ -d /proc/$pid ]" || fail "lxfd did not exit on SIGTERM"
for c in pr un; do
	chown 0:0 "$d/containers/$c"
	chmod 0711 "$d/containers/$c"
done
chmod 0711 "$d/images" "$d/logs"
chmod 0755 "$d/snapshots"
as_nobody "$d/containers/pr/rootfs/idsuid" >/dev/null || fail "the old modes were not restored"
_lxfe_lxfd_start 1
_lxfe_lxfd_wait 1
for c in pr un; do
	modes_ok "$c"
	refused "$d/containers/$c/rootfs/idsuid" exec
	refused "$d/snapshots/$c/s0/rootfs/idsuid" exec
	assert_exit 0 lxf_run stop -f "h1:$c"
	assert_exit 0 lxf_run start "h1:$c"
	assert_exit 0 lxf_run exec "h1:$c" -- cat /readable
done
for sub in images logs snapshots; do
	assert_eq 700 "$(stat -c %a "$d/$sub")" "mode of $sub after the restart"
done
lxfe_log "old modes fixed at start-up"

# The API socket: root and the socket's group only (0660). A host user
# outside the group cannot connect, let alone drive lxfd.
sock=$(host_socket 1)
assert_eq 660 "$(stat -c %a "$sock")" "mode of unix.socket"
assert_exit 7 as_nobody curl -s --unix-socket "$sock" http://lxd/1.0
assert_exit 0 curl -sf --unix-socket "$sock" http://lxd/1.0
lxfe_log "the socket refuses users outside its group"
