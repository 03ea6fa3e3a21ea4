#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# lxf rename, operation, network, storage and the image commands added to
# import/list/alias: info, export (streamed to a file), edit, alias rename.
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
	assert_exit 0 lxf_run operation show "h1:$id"
	assert_contains "$LXFE_OUT" "id: $id"
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
