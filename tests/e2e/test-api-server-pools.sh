#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf init, lxf stop
# covers: GET /1.0, PUT /1.0, PATCH /1.0, GET /1.0/resources, GET /1.0/operations
# covers: GET /1.0/instances, POST /1.0/instances, GET /1.0/instances/{name}
# covers: GET /1.0/profiles/{profile}, POST /1.0/storage-pools, GET /1.0/storage-pools/{pool}
# covers: DELETE /1.0/storage-pools/{pool}, GET /1.0/storage-pools/{pool}/resources
#
# lxfd's server API: server config (known keys only, ETag), storage pool,
# resources, instance filters, recursion=2 with running containers, a bad
# config key refused before any operation, and ephemeral containers going
# away when stopped (by the API, and from inside once lxfd restarts).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
sock=$(host_socket 1)
dir=$(host_dir 1)

api() {
	curl -s --unix-socket "$sock" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} \
		"http://lxd$2"
}
api_code() {
	curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X "$1" \
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
etag() {
	curl -s -D - -o /dev/null --unix-socket "$sock" "http://lxd$1" |
		awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r"'
}

# ---- server config
assert_eq '{}' "$(api GET /1.0 | jget metadata/config)" "fresh config"
assert_contains "$(api GET /1.0 | jget metadata/api_extensions)" '"api_filtering"'
assert_eq 400 "$(api_code PATCH /1.0 '{"config":{"core.bogus":"1"}}')" "unknown key"
# (HTTPS itself: test-https-trust.sh.)
assert_contains "$(api PATCH /1.0 '{"config":{"core.https_address":"[::]:99999"}}')" \
	"core.https_address: Bad port"
assert_contains "$(api PATCH /1.0 '{"config":{"core.https_address":"a/b:8443"}}')" "Bad host"
assert_eq 400 "$(api_code PATCH /1.0 '{"config":{"core.remote_token_expiry":"5x"}}')" "bad expiry"
assert_eq 400 "$(api_code PATCH /1.0 '{"config":{"core.shutdown_timeout":"-1"}}')" "bad number"
assert_eq 400 "$(api_code PATCH /1.0 '{"config":{"core.shutdown_timeout":5}}')" "non-string value"
assert_eq 400 "$(api_code PUT /1.0 '[1]')" "non-object body"
assert_eq '{}' "$(api GET /1.0 | jget metadata/config)" "refusals changed nothing"
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.shutdown_timeout":"5","images.auto_update_interval":"0"}}')"
assert_eq '{"core.shutdown_timeout":"5","images.auto_update_interval":"0"}' "$(api GET /1.0 | jget metadata/config)"
# A refused key in a PUT leaves the old config whole.
assert_eq 400 "$(api_code PUT /1.0 '{"config":{"core.shutdown_timeout":"1","core.bogus":"x"}}')"
assert_eq '{"core.shutdown_timeout":"5","images.auto_update_interval":"0"}' "$(api GET /1.0 | jget metadata/config)"
tag=$(etag /1.0)
[ -n "$tag" ] || fail "GET /1.0 has no ETag"
assert_eq 412 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X PUT -H 'If-Match: "0000"' -d '{"config":{}}' http://lxd/1.0)" "stale ETag"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X PUT -H "If-Match: \"$tag\"" -d '{"config":{"core.shutdown_timeout":"1"}}' http://lxd/1.0)" "matching ETag"
assert_eq '{"core.shutdown_timeout":"1"}' "$(api GET /1.0 | jget metadata/config)" "PUT replaces"
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.shutdown_timeout":""}}')" "unset"
assert_eq '{}' "$(api GET /1.0 | jget metadata/config)"

# ---- storage pool and resources
pool=$(api GET /1.0/storage-pools/default)
assert_eq dir "$(printf '%s' "$pool" | jget metadata/driver)"
assert_eq "$dir/containers" "$(printf '%s' "$pool" | jget metadata/config/source)"
assert_contains "$(printf '%s' "$pool" | jget metadata/used_by)" '/1.0/profiles/default'
assert_eq 404 "$(api_code GET /1.0/storage-pools/other)"
assert_eq 201 "$(api_code POST /1.0/storage-pools '{"name":"default","driver":"dir"}')" "re-create default"
assert_eq 400 "$(api_code POST /1.0/storage-pools '{"name":"p2","driver":"dir"}')" "second pool"
assert_eq 400 "$(api_code POST /1.0/storage-pools '{"name":"default","driver":"zfs"}')" "other driver"
assert_eq 400 "$(api_code DELETE /1.0/storage-pools/default)" "delete default"
res=$(api GET /1.0/storage-pools/default/resources)
total=$(printf '%s' "$res" | jget metadata/space/total)
[ "$total" -gt 0 ] || fail "pool space total: $res"
res=$(api GET /1.0/resources)
assert_eq "$(nproc --all)" "$(printf '%s' "$res" | jget metadata/cpu/total)" "cpu total"
[ "$(printf '%s' "$res" | jget metadata/memory/total)" -gt 0 ] || fail "memory total: $res"
assert_eq "0" "$(printf '%s' "$res" | jget metadata/cpu/sockets/0/cores/0/threads/0/id)" "first thread"

# ---- create-time validation: a synchronous 400, no operation, nothing left
before=$(api GET /1.0/operations)
assert_eq 400 "$(api_code POST /1.0/instances '{"name":"bad1","source":{"type":"none"},"config":{"limits.bogus":"1"}}')" "bad key"
assert_contains "$(api POST /1.0/instances '{"name":"bad1","source":{"type":"none"},"config":{"limits.memory":"lots"}}')" "limits.memory"
assert_eq 404 "$(api_code GET /1.0/instances/bad1)" "bad1 must not exist"
# Operations listed before may expire meanwhile (kept 10 s): only a new one counts.
new_ops=$(python3 -c '
import json, sys
ids = lambda s: {u for v in json.loads(s)["metadata"].values() for u in v}
print(" ".join(sorted(ids(sys.argv[2]) - ids(sys.argv[1]))))' "$before" "$(api GET /1.0/operations)")
assert_eq "" "$new_ops" "no operation made"

# ---- filters and recursion=2 over 6 containers, 3 running
for c in web1 web2 db1; do
	assert_exit 0 lxf_run launch busybox "h1:$c"
done
for c in idle1 idle2 idle3; do
	assert_exit 0 lxf_run init busybox "h1:$c" -c limits.memory=64MB
done
names() {
	api GET "/1.0/instances?recursion=1&filter=$1" |
		python3 -c 'import json,sys; print(" ".join(i["name"] for i in json.load(sys.stdin)["metadata"]))'
}
assert_eq "web1" "$(names 'name+eq+web1')"
assert_eq "db1 web1 web2" "$(names 'status%20eq%20Running')"
assert_eq "db1 web1 web2" "$(names 'status+eq+running')"
assert_eq "idle1 idle2 idle3" "$(names 'config.limits.memory+eq+64MB')"
assert_eq "web1 web2" "$(names 'status+eq+Running+and+not+name+eq+db1')"
assert_eq "db1 idle2" "$(names 'name+eq+db1+or+name+eq+idle2')"
assert_eq "" "$(names 'name+eq+nope')"
assert_eq '["/1.0/instances/web2"]' "$(api GET '/1.0/instances?filter=name+eq+web2' | jget metadata)"
assert_eq 400 "$(api_code GET '/1.0/instances?filter=name+like+web')" "bad operator"
assert_eq 400 "$(api_code GET '/1.0/instances?filter=colour+eq+red')" "bad field"
wait_until 60 sh -c "curl -s --unix-socket '$sock' 'http://lxd/1.0/instances?recursion=2' |
	python3 -c 'import json,sys; m=json.load(sys.stdin)[\"metadata\"]; sys.exit(0 if sum(1 for i in m if i[\"state\"] and any(a[\"family\"]==\"inet\" and a[\"scope\"]==\"global\" for n in i[\"state\"][\"network\"].values() for a in n[\"addresses\"]))==3 else 1)'" ||
	fail "recursion=2 does not show 3 running containers with addresses"
full=$(api GET '/1.0/instances?recursion=2')
assert_eq 6 "$(printf '%s' "$full" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["metadata"]))')"
assert_eq 102 "$(printf '%s' "$full" | python3 -c 'import json,sys; print([i for i in json.load(sys.stdin)["metadata"] if i["name"]=="idle1"][0]["state"]["status_code"])')"
start=$(date +%s%N)
for _ in 1 2 3 4 5; do api GET '/1.0/instances?recursion=2' >/dev/null; done
ms=$((($(date +%s%N) - start) / 5000000))
lxfe_log "recursion=2 over 6 containers (3 running): ${ms} ms"
[ "$ms" -lt 2000 ] || fail "recursion=2 took ${ms} ms"

# ---- ephemeral: gone once stopped through the API
assert_exit 0 lxf_run launch busybox h1:eph1 -e
assert_exit 0 lxf_run stop h1:eph1
wait_until 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$sock' http://lxd/1.0/instances/eph1)\" = 404 ]" ||
	fail "ephemeral eph1 survived its stop"
# ... and, stopped from inside while lxfd was away, removed at its next start;
# a fresh ephemeral never started is kept.
assert_exit 0 lxf_run launch busybox h1:eph2 -e
assert_exit 0 lxf_run init busybox h1:eph3 -e
kill -TERM "$(cat "$dir/lxfd.pid")"
wait_until 30 sh -c "! [ -d /proc/$(cat "$dir/lxfd.pid") ]" || fail "lxfd did not exit on SIGTERM"
host_exec 1 lxc-stop -k -P "$dir/containers" -n eph2
_lxfe_lxfd_start 1
_lxfe_lxfd_wait 1
wait_until 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$sock' http://lxd/1.0/instances/eph2)\" = 404 ]" ||
	fail "ephemeral eph2, stopped from inside, survived the restart"
assert_eq 200 "$(api_code GET /1.0/instances/eph3)" "never-started ephemeral kept"
assert_eq 200 "$(api_code GET /1.0/instances/web1)" "others kept"
echo "PASS"
