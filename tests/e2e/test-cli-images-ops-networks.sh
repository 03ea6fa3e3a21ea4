#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf init, lxf rename, lxf image list, lxf image alias create
# covers: lxf image alias delete, lxf image alias list, lxf image alias rename, lxf image info
# covers: lxf image export, lxf image edit, lxf operation list, lxf operation show
# covers: lxf operation delete, lxf network list, lxf network show, lxf network info
# covers: lxf storage list, lxf storage show, lxf remote add
# covers: GET /1.0/images/aliases, GET /1.0/images/aliases/{alias}, PUT /1.0/images/aliases/{alias}
# covers: PATCH /1.0/images/aliases/{alias}, POST /1.0/images/aliases/{alias}
# covers: DELETE /1.0/images/aliases/{alias}, GET /1.0/images/{fp}, PUT /1.0/images/{fp}
# covers: PATCH /1.0/images/{fp}
#
# lxf rename, operation, network, storage and the image commands beyond
# import: list, info, export (streamed to a file), edit, alias create, list,
# rename and delete; then the alias and image routes (PUT, PATCH, POST,
# DELETE) through the API, each change read back.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1

# --- rename (stopped instance, same remote only)
assert_exit 0 lxf_run init busybox h1:c1
assert_exit 0 lxf_run rename h1:c1 c2
assert_exit 0 lxf_run list h1: -f csv -c rn
assert_eq "h1,c2" "$LXFE_OUT" "names after rename"
assert_exit 1 lxf_run rename h1:c1 c3
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run remote add other "unix://$LXFE_RUN/other.socket"
assert_exit 2 lxf_run rename h1:c2 other:c3
assert_contains "$LXFE_ERR" "different remotes"
assert_exit 0 lxf_run rename h1:c2 h1:c1

# --- operations: the launch left finished ones behind
assert_exit 0 lxf_run operation list h1: -f json
id=$(printf '%s' "$LXFE_OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["id"] if d else "")')
if [ -n "$id" ]; then
	# A finished operation is kept 10 s (OP_KEEP_SECS): on a loaded machine
	# it may be gone by now, and then it must be gone from the list too.
	if lxf_run operation show "h1:$id" >"$LXFE_RUN/op.out" 2>"$LXFE_RUN/op.err"; then
		assert_contains "$(cat "$LXFE_RUN/op.out")" "id: $id"
	else
		assert_contains "$(cat "$LXFE_RUN/op.err")" "Operation not found"
		assert_exit 0 lxf_run operation list h1: -f json
		assert_not_contains "$LXFE_OUT" "$id" "an operation not found but still listed"
	fi
	assert_exit 0 lxf_run operation list h1:
	assert_contains "$LXFE_OUT" "CANCELABLE"
fi
assert_exit 1 lxf_run operation show h1:00000000-0000-0000-0000-000000000000
assert_contains "$LXFE_ERR" "Error: "
assert_exit 1 lxf_run operation delete h1:00000000-0000-0000-0000-000000000000

# --- networks and storage
assert_exit 0 lxf_run network list h1: -f csv
assert_contains "$LXFE_OUT" "lxfbr0,bridge"
assert_exit 0 lxf_run network show h1:lxfbr0
assert_contains "$LXFE_OUT" "name: lxfbr0"
assert_exit 0 lxf_run network info h1:lxfbr0
assert_contains "$LXFE_OUT" "Name: lxfbr0"
assert_contains "$LXFE_OUT" "inet	$(host_subnet 1).1/24"
assert_exit 1 lxf_run network show h1:nonet
assert_contains "$LXFE_ERR" "Error: "
assert_exit 0 lxf_run storage list h1: -f yaml
assert_contains "$LXFE_OUT" "name: default"
assert_exit 0 lxf_run storage list h1:
assert_contains "$LXFE_OUT" "DRIVER"
assert_exit 0 lxf_run storage show h1:default
assert_contains "$LXFE_OUT" "driver:"
assert_exit 1 lxf_run storage show h1:nopool

# --- images
assert_exit 0 lxf_run image info h1:busybox
assert_contains "$LXFE_OUT" "Fingerprint: "
assert_contains "$LXFE_OUT" "    - busybox"
fp=$(printf '%s\n' "$LXFE_OUT" | awk '/^Fingerprint:/ { print $2 }')
mkdir -p "$LXFE_RUN/export"
assert_exit 0 lxf_run image export h1:busybox "$LXFE_RUN/export/"
exported=$(find "$LXFE_RUN/export" -type f ! -name '.*')
[ -n "$exported" ] || fail "image export wrote nothing"
assert_eq "$fp" "$(sha256sum "$exported" | cut -d' ' -f1)" "exported image's sha256"
[ -z "$(find "$LXFE_RUN/export" -name '.lxf-export-*')" ] || fail "temporary file left behind"
assert_exit 0 lxf_run image export h1:busybox "$LXFE_RUN/export/named.tar.gz"
cmp -s "$exported" "$LXFE_RUN/export/named.tar.gz" || fail "named export differs"
assert_exit 1 lxf_run image export h1:nosuchimage "$LXFE_RUN/export/"
assert_contains "$LXFE_ERR" "image 'nosuchimage' not found"

lxf_run image info h1:busybox >/dev/null
assert_exit 0 lxf_run image edit h1:busybox <<<'public: true
auto_update: false
properties: {os: busybox, description: edited}'
assert_exit 0 lxf_run image info h1:busybox
assert_contains "$LXFE_OUT" "Public: yes"
assert_contains "$LXFE_OUT" "description: edited"
before=$LXFE_OUT
assert_exit 1 lxf_run image edit h1:busybox <<<'public: [1'
assert_eq "$before" "$(lxf_run image info h1:busybox)" "image after a bad edit"

assert_exit 0 lxf_run image alias rename h1:busybox bb
assert_exit 0 lxf_run image alias list h1: -f csv
assert_contains "$LXFE_OUT" "bb,"
assert_not_contains "$LXFE_OUT" "busybox,"
assert_exit 1 lxf_run image alias rename h1:busybox x
assert_contains "$LXFE_ERR" "Error: "

# --- image list, alias create/delete; the alias and image PUT/PATCH routes
assert_exit 0 lxf_run image list h1: -f json
assert_eq "$fp bb" "$(printf '%s' "$LXFE_OUT" | jq -r '.[] | "\(.fingerprint) \(.aliases[0].name)"')" \
	"image list"
assert_exit 0 lxf_run image alias create h1:second "$fp"
assert_exit 0 lxf_run image alias list h1: -f csv
assert_contains "$LXFE_OUT" "second,${fp:0:12}" "alias created"
assert_exit 1 lxf_run image alias create h1:second "$fp"
assert_contains "$LXFE_ERR" "Error: "
sock=$(host_socket 1)
api() { curl -sS --unix-socket "$sock" -X "$1" "http://lxd$2" ${3:+-d "$3"}; }
api PUT /1.0/images/aliases/second '{"target":"'"$fp"'","description":"put"}' >/dev/null
assert_eq put "$(api GET /1.0/images/aliases/second | jq -r .metadata.description)" "alias PUT"
api PATCH /1.0/images/aliases/second '{"description":"patched"}' >/dev/null
assert_eq patched "$(api GET /1.0/images/aliases/second | jq -r .metadata.description)" "alias PATCH"
assert_eq "$fp" "$(api GET /1.0/images/aliases/second | jq -r .metadata.target)" "alias PATCH keeps target"
api PATCH "/1.0/images/$fp" '{"properties":{"os":"busybox","description":"patched"}}' >/dev/null
assert_eq patched "$(api GET "/1.0/images/$fp" | jq -r .metadata.properties.description)" "image PATCH"
assert_eq true "$(api GET "/1.0/images/$fp" | jq -r .metadata.public)" "image PATCH keeps public"
assert_exit 0 lxf_run image alias delete h1:second
assert_exit 0 lxf_run image alias list h1: -f csv
assert_not_contains "$LXFE_OUT" "second," "alias deleted"
assert_exit 1 lxf_run image alias delete h1:second
assert_contains "$LXFE_ERR" "Error: "

# The same through the API: the alias collection, a rename (POST) and a
# delete of an alias, and a PUT that replaces an image's editable fields.
assert_eq '["/1.0/images/aliases/bb"]' "$(api GET /1.0/images/aliases | jq -c .metadata)" \
	"alias collection"
api POST /1.0/images/aliases/bb '{"name":"bb2"}' >/dev/null
assert_eq '["/1.0/images/aliases/bb2"]' "$(api GET /1.0/images/aliases | jq -c .metadata)" \
	"alias renamed by POST"
api DELETE /1.0/images/aliases/bb2 >/dev/null
assert_eq '[]' "$(api GET /1.0/images/aliases | jq -c .metadata)" "alias deleted by DELETE"
api PUT "/1.0/images/$fp" '{"public":false,"properties":{"os":"busybox"}}' >/dev/null
assert_eq false "$(api GET "/1.0/images/$fp" | jq -r .metadata.public)" "image PUT"
assert_eq null "$(api GET "/1.0/images/$fp" | jq -r .metadata.properties.description)" \
	"image PUT replaces the properties"
