#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf start, lxf stop
# covers: DELETE /1.0/operations/{id}, GET /1.0/instances/{name}, GET /1.0/instances/{name}/state
# covers: PUT /1.0/instances/{name}/state, POST /1.0/instances/{name}/exec
# covers: POST /1.0/instances/{name}/console, POST /1.0/instances/{name}/snapshots
# covers: GET /1.0/instances/{name}/snapshots/{snap}
#
# Operation cancel (DELETE /1.0/operations/<id>) and containers that stop
# by themselves: a cancelled exec kills its command and ends "Cancelled"
# (401) with operation and lifecycle events; a finished op cannot be
# cancelled; an ephemeral container that powers off from inside, or whose
# init is killed from the host, is deleted at once with an
# instance-shutdown event; a plain one that stops that way stays, Stopped.
# Snapshots past their expires_at are pruned by the periodic sweep.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"

LXD_SOCKET=$(host_socket 1)
LXD_CONF=$LXFE_RUN/lxc-conf
mkdir -p "$LXD_CONF"
export LXD_SOCKET LXD_CONF
sock=$LXD_SOCKET
lxc remote list >/dev/null 2>&1 || true

api() { curl -s --unix-socket "$sock" "$@"; }
json_get() { python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }

lxc monitor >"$LXFE_RUN/monitor.out" 2>&1 &
mon=$!
lxfe_sleep 1

# ---- expires_at: the once-a-minute sweep deletes expired snapshots only.
# Made first, so that the sweep's wait runs alongside the rest of the
# test (and the monitor, started before, sees their deletion); checked at
# its end.
exp=$(date -u -d '+3 sec' +%Y-%m-%dT%H:%M:%SZ)
assert_exit 0 api -X POST -d "{\"name\":\"s-exp\",\"expires_at\":\"$exp\"}" \
	lxd/1.0/instances/c1/snapshots
assert_exit 0 api "lxd$(printf '%s' "$LXFE_OUT" | json_get operation)/wait?timeout=60"
assert_contains "$LXFE_OUT" '"status":"Success"'
later=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
assert_exit 0 api -X POST -d "{\"name\":\"s-later\",\"expires_at\":\"$later\"}" \
	lxd/1.0/instances/c1/snapshots
assert_exit 0 api "lxd$(printf '%s' "$LXFE_OUT" | json_get operation)/wait?timeout=60"
assert_exit 0 api -X POST -d '{"name":"s-keep"}' lxd/1.0/instances/c1/snapshots
assert_exit 0 api "lxd$(printf '%s' "$LXFE_OUT" | json_get operation)/wait?timeout=60"

# ---- cancel a running exec: the command dies, the op ends Cancelled.
sleeping() { lxc exec c1 -- ps | grep -q '[s]leep 4242'; }
assert_exit 0 api -X POST -d '{"command":["sleep","4242"],"wait-for-websocket":false}' \
	lxd/1.0/instances/c1/exec
op=$(printf '%s' "$LXFE_OUT" | json_get operation)
wait_until 30 sleeping || fail "the exec'd sleep never showed up"
assert_exit 0 api "lxd$op"
assert_contains "$LXFE_OUT" '"may_cancel":true'
assert_exit 0 api -X DELETE "lxd$op"
assert_contains "$LXFE_OUT" '"status_code":200'
assert_exit 0 api "lxd$op/wait?timeout=30"
assert_contains "$LXFE_OUT" '"status":"Cancelled"'
assert_contains "$LXFE_OUT" '"status_code":401'
assert_contains "$LXFE_OUT" '"may_cancel":false'
sleeping && fail "the sleep survived the cancel"

# A finished op: LXD's refusal, and nothing changes.
assert_exit 0 api -X DELETE "lxd$op"
assert_contains "$LXFE_OUT" '"error_code":400'
assert_contains "$LXFE_OUT" "Only running operations can be cancelled"
assert_exit 0 api -X DELETE lxd/1.0/operations/00000000-0000-4000-8000-000000000000
assert_contains "$LXFE_OUT" '"error_code":404'

# Cancel while the op still waits for its websockets: no 10 s timeout.
assert_exit 0 api -X POST -d '{"command":["true"],"wait-for-websocket":true}' \
	lxd/1.0/instances/c1/exec
op2=$(printf '%s' "$LXFE_OUT" | json_get operation)
assert_exit 0 api -X DELETE "lxd$op2"
assert_exit 0 api "lxd$op2/wait?timeout=5"
assert_contains "$LXFE_OUT" '"status":"Cancelled"'

# The console too, before anyone attached.
assert_exit 0 api -X POST -d '{"type":"console","width":80,"height":24}' \
	lxd/1.0/instances/c1/console
op3=$(printf '%s' "$LXFE_OUT" | json_get operation)
assert_exit 0 api -X DELETE "lxd$op3"
assert_contains "$LXFE_OUT" '"status_code":200'
assert_exit 0 api "lxd$op3/wait?timeout=5"
assert_contains "$LXFE_OUT" '"status":"Cancelled"'
# A task op (a freeze) offers no cancel: may_cancel false, and once it
# is done, LXD's refusal.
assert_exit 0 api -X PUT -d '{"action":"freeze"}' lxd/1.0/instances/c1/state
assert_contains "$LXFE_OUT" '"may_cancel":false'
op4=$(printf '%s' "$LXFE_OUT" | json_get operation)
assert_exit 0 api "lxd$op4/wait?timeout=30"
assert_contains "$LXFE_OUT" '"status":"Success"'
assert_exit 0 api -X PUT -d '{"action":"unfreeze"}' lxd/1.0/instances/c1/state
op4=$(printf '%s' "$LXFE_OUT" | json_get operation)
assert_exit 0 api "lxd$op4/wait?timeout=30"

# ---- stops from inside.
assert_exit 0 lxf_run launch busybox h1:e1 --ephemeral
assert_exit 0 lxf_run launch busybox h1:e2 --ephemeral
assert_exit 0 lxf_run launch busybox h1:c2
for c in e1 e2 c2; do
	wait_until 30 container_is 1 "$c" RUNNING || fail "$c not RUNNING"
done
gone() { [ "$(api -o /dev/null -w '%{http_code}' "lxd/1.0/instances/$1")" = 404 ]; }
stopped() { api "lxd/1.0/instances/$1/state" | grep -q '"status":"Stopped"'; }

# poweroff -f inside: init exits; the ephemeral goes away.
lxc exec e1 -- poweroff -f >/dev/null 2>&1 || true
wait_until 60 gone e1 || fail "ephemeral e1 still there after poweroff"
[ -z "$(container_state 1 e1)" ] || fail "liblxc still knows e1"

# init killed from the host.
pid=$(container_pid 1 e2)
[ -n "$pid" ] || fail "no init pid for e2"
kill -9 "$pid"
wait_until 60 gone e2 || fail "ephemeral e2 still there after its init was killed"
pid=$(container_pid 1 c2)
kill -9 "$pid"
wait_until 60 stopped c2 || fail "c2 not Stopped after its init was killed"
assert_exit 0 api lxd/1.0/instances/c2
assert_contains "$LXFE_OUT" '"status":"Stopped"'
# Started again, it is watched again.
assert_exit 0 lxf_run start h1:c2
wait_until 30 container_is 1 c2 RUNNING || fail "c2 not RUNNING again"
pid=$(container_pid 1 c2)
kill -9 "$pid"
wait_until 60 stopped c2 || fail "c2 not Stopped after a second kill"
# A stop through the API is not taken for one from inside.
assert_exit 0 lxf_run launch busybox h1:e3 --ephemeral
wait_until 30 container_is 1 e3 RUNNING || fail "e3 not RUNNING"
assert_exit 0 lxf_run stop h1:e3 --force
wait_until 30 gone e3 || fail "e3 not deleted after stop"

# ---- expires_at (snapshots made at the start): the sweep took s-exp only.
snap_gone() { [ "$(api -o /dev/null -w '%{http_code}' "lxd/1.0/instances/c1/snapshots/$1")" = 404 ]; }
wait_until 150 snap_gone s-exp || fail "expired snapshot s-exp not pruned"
snap_gone s-keep && fail "s-keep (no expiry) was pruned"
snap_gone s-later && fail "s-later (expires tomorrow) was pruned"

lxfe_sleep 1
kill "$mon" 2>/dev/null || true
wait "$mon" 2>/dev/null || true
mon_out=$(cat "$LXFE_RUN/monitor.out")
assert_contains "$mon_out" "status: Cancelling"
assert_contains "$mon_out" "status: Cancelled"
assert_contains "$mon_out" "action: operation-cancelled"
assert_contains "$mon_out" "action: instance-shutdown"
assert_contains "$mon_out" "source: /1.0/instances/e1"
assert_contains "$mon_out" "source: /1.0/instances/e2"
assert_contains "$mon_out" "source: /1.0/instances/c2"
assert_contains "$mon_out" "action: instance-deleted"
assert_contains "$mon_out" "source: /1.0/instances/c1/snapshots/s-exp"
lxf_log_n=$(grep -c "Instance c2 stopped from inside" "$(host_dir 1)"/lxfd.log || true)
assert_eq 2 "$lxf_log_n" "c2's two stops from inside, and nothing for the API stops"

lxfe_log "operation cancel and stop-from-inside tests passed"
