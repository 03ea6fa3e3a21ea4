#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf init, lxf stop
# covers: GET /1.0/instances, PUT /1.0/instances/{name}, POST /1.0/instances/{name}
# covers: DELETE /1.0/instances/{name}, GET /1.0/instances/{name}/snapshots
# covers: POST /1.0/instances/{name}/snapshots, GET /1.0/instances/{name}/snapshots/{snap}
# covers: PUT /1.0/instances/{name}/snapshots/{snap}, PATCH /1.0/instances/{name}/snapshots/{snap}
# covers: POST /1.0/instances/{name}/snapshots/{snap}
# covers: DELETE /1.0/instances/{name}/snapshots/{snap}
#
# lxfd's snapshots: create (running: frozen for the copy, then running
# again; stopped), list at recursion 0/1/2, refusals, restore (content
# reverts; a running instance runs again, a stopped one stays stopped),
# rename, delete, expires_at, and snapshots following an instance's
# rename and going with its deletion. Also through the real LXD client.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
assert_exit 0 lxf_run launch busybox h1:c1
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not RUNNING"
sock=$(host_socket 1)
dir=$(host_dir 1)
root=$dir/containers/c1/rootfs

api() {
	curl -s --unix-socket "$sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
		"http://lxd$2"
}
api_code() {
	curl -s -o "$LXFE_RUN/code.out" -w '%{http_code}' --unix-socket "$sock" -X "$1" \
		${3:+-H 'Content-Type: application/json' -d "$3"} "http://lxd$2"
}
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for p in sys.argv[1].split("/"):
    v = v[int(p)] if isinstance(v, list) else v.get(p) if v is not None else None
print("" if v is None else (json.dumps(v, separators=(",", ":")) if isinstance(v, (dict, list, bool)) else v))
' "$1"
}
# async METHOD PATH BODY: runs an operation to its end; prints its status
# (and its error, if any).
async() {
	local r op e
	r=$(api "$1" "$2" "${3:-}")
	op=$(printf '%s' "$r" | jget operation)
	[ -n "$op" ] || fail "$1 $2: no operation in $r"
	r=$(api GET "$op/wait?timeout=120")
	e=$(printf '%s' "$r" | jget metadata/err)
	printf '%s%s' "$(printf '%s' "$r" | jget metadata/status)" "${e:+: $e}"
}

mkdir -p "$root/data"
printf 'v1\n' >"$root/data/f"
chown "$(stat -c %u:%g "$root")" "$root/data/f"

# ---- create on a running instance
assert_eq Success "$(async POST /1.0/instances/c1/snapshots '{"name":"s1"}')" "snapshot s1"
assert_eq RUNNING "$(container_state 1 c1)" "running again after the snapshot"
assert_eq '["/1.0/instances/c1/snapshots/s1"]' \
	"$(api GET /1.0/instances/c1/snapshots | jget metadata)" "recursion 0"
s=$(api GET /1.0/instances/c1/snapshots?recursion=1 | jget metadata/0)
assert_eq s1 "$(printf '%s' "$s" | jget name)" "name"
assert_eq false "$(printf '%s' "$s" | jget stateful)" "stateful"
assert_eq 0001-01-01T00:00:00Z "$(printf '%s' "$s" | jget expires_at)" "no expiry"
for k in created_at last_used_at architecture config devices ephemeral expanded_config \
	expanded_devices profiles size; do
	assert_contains "$s" "\"$k\":"
done
[ "$(printf '%s' "$s" | jget size)" -gt 0 ] || fail "size should be > 0"
assert_eq 200 "$(api_code GET /1.0/instances/c1/snapshots/s1)" "GET s1"
snaproot=$dir/snapshots/c1/s1/rootfs
assert_eq v1 "$(cat "$snaproot/data/f")" "snapshot content"
assert_eq "$(stat -c '%u %g %a' "$root/data/f")" "$(stat -c '%u %g %a' "$snaproot/data/f")" \
	"owner and mode kept"
assert_eq "$(stat -c '%u' "$root")" "$(stat -c '%u' "$snaproot")" "rootfs owner kept"

# ---- refusals change nothing
assert_eq 409 "$(api_code POST /1.0/instances/c1/snapshots '{"name":"s1"}')" "duplicate"
assert_eq 400 "$(api_code POST /1.0/instances/c1/snapshots '{"name":"x","stateful":true}')"
assert_contains "$(cat "$LXFE_RUN/code.out")" "Stateful snapshots aren't supported"
assert_eq 400 "$(api_code POST /1.0/instances/c1/snapshots '{"name":"a/b"}')" "bad name"
assert_eq 400 "$(api_code POST /1.0/instances/c1/snapshots '{"name":"x","expires_at":"soon"}')"
assert_eq 404 "$(api_code POST /1.0/instances/nope/snapshots '{"name":"x"}')" "no instance"
assert_eq 404 "$(api_code GET /1.0/instances/c1/snapshots/nope)" "no snapshot"
assert_eq 404 "$(api_code PUT /1.0/instances/c1 '{"restore":"nope"}')" "restore unknown"
assert_eq 1 "$(api GET /1.0/instances/c1/snapshots | jget metadata | python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)))')" "still one snapshot"

# ---- a default name, expires_at
assert_eq Success "$(async POST /1.0/instances/c1/snapshots \
	'{"expires_at":"2099-01-02T03:04:05Z"}')" "unnamed snapshot"
assert_eq 2099-01-02T03:04:05Z \
	"$(api GET /1.0/instances/c1/snapshots/snap0 | jget metadata/expires_at)" "snap0 expiry"
assert_eq 200 "$(api_code PATCH /1.0/instances/c1/snapshots/snap0 \
	'{"expires_at":"2098-01-01T00:00:00+01:00"}')" "PATCH expiry"
assert_eq 2097-12-31T23:00:00Z \
	"$(api GET /1.0/instances/c1/snapshots/snap0 | jget metadata/expires_at)" "expiry in UTC"
assert_eq Success "$(async PUT /1.0/instances/c1/snapshots/snap0 \
	'{"expires_at":"2097-06-01T00:00:00Z"}')" "PUT expiry"
assert_eq 2097-06-01T00:00:00Z \
	"$(api GET /1.0/instances/c1/snapshots/snap0 | jget metadata/expires_at)" "expiry after PUT"

# ---- restore of a running instance: stopped, restored, running again
printf 'v2\n' >"$root/data/f"
printf 'new\n' >"$root/data/g"
assert_eq Success "$(async PUT /1.0/instances/c1 '{"restore":"s1"}')" "restore s1"
assert_eq v1 "$(cat "$root/data/f")" "content reverted"
[ ! -e "$root/data/g" ] || fail "a file made after the snapshot survived the restore"
wait_until 30 container_is 1 c1 RUNNING || fail "c1 not running again after the restore"

# ---- a stopped instance: snapshot, restore, stays stopped
assert_exit 0 lxf_run stop h1:c1 --force
printf 'v3\n' >"$root/data/f"
assert_eq Success "$(async POST /1.0/instances/c1/snapshots '{"name":"s3"}')" "stopped snapshot"
printf 'v4\n' >"$root/data/f"
assert_eq Success "$(async PUT /1.0/instances/c1 '{"restore":"s3"}')" "restore s3"
assert_eq v3 "$(cat "$root/data/f")" "stopped restore"
assert_eq STOPPED "$(container_state 1 c1)" "stays stopped"

# ---- rename and delete
assert_eq Success "$(async POST /1.0/instances/c1/snapshots/s1 '{"name":"s2"}')" "rename"
assert_eq 404 "$(api_code GET /1.0/instances/c1/snapshots/s1)" "old name gone"
assert_eq 200 "$(api_code GET /1.0/instances/c1/snapshots/s2)" "new name"
[ -d "$dir/snapshots/c1/s2/rootfs" ] && [ ! -e "$dir/snapshots/c1/s1" ] || fail "files not moved"
assert_eq 409 "$(api_code POST /1.0/instances/c1/snapshots/s2 '{"name":"snap0"}')" "rename clash"
assert_eq Success "$(async DELETE /1.0/instances/c1/snapshots/snap0)" "delete snap0"
assert_eq 404 "$(api_code GET /1.0/instances/c1/snapshots/snap0)" "deleted"
[ ! -e "$dir/snapshots/c1/snap0" ] || fail "snap0 files left"

# ---- recursion=2 instance objects carry them
assert_eq '["s2","s3"]' "$(api GET '/1.0/instances?recursion=2' | python3 -c '
import json, sys
print(json.dumps(sorted(s["name"] for s in json.load(sys.stdin)["metadata"][0]["snapshots"]),
      separators=(",", ":")))')" "recursion=2 snapshots"

# ---- the real LXD client: snapshot, list count (S column), restore
if command -v lxc >/dev/null; then
	export LXD_SOCKET=$sock LXD_CONF=$LXFE_RUN/lxc-conf
	mkdir -p "$LXD_CONF"
	lxc remote list >/dev/null 2>&1 || true
	assert_exit 0 lxc snapshot c1 viaclient
	assert_exit 0 lxc list -c nS --format csv
	assert_eq "c1,3" "$LXFE_OUT" "lxc list S column"
	printf 'v5\n' >"$root/data/f"
	assert_exit 0 lxc restore c1 viaclient
	assert_eq v3 "$(cat "$root/data/f")" "lxc restore"
	assert_exit 0 lxc delete c1/viaclient
fi

# ---- the instance's rename moves them; its deletion removes them
assert_eq Success "$(async POST /1.0/instances/c1 '{"name":"c2"}')" "rename instance"
assert_eq '["/1.0/instances/c2/snapshots/s2","/1.0/instances/c2/snapshots/s3"]' \
	"$(api GET /1.0/instances/c2/snapshots | jget metadata)" "snapshots follow the rename"
[ -d "$dir/snapshots/c2/s2/rootfs" ] && [ ! -e "$dir/snapshots/c1" ] || fail "files not moved"
assert_eq Success "$(async DELETE /1.0/instances/c2)" "delete instance"
[ ! -e "$dir/snapshots/c2" ] || fail "snapshot files left after the instance's deletion"
assert_exit 0 lxf_run init busybox h1:c2
assert_eq '[]' "$(api GET /1.0/instances/c2/snapshots | jget metadata)" "a namesake starts clean"
echo "test-snapshots-api: OK"
