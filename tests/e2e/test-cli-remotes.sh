#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf remote list, lxf remote add, lxf remote switch, lxf remote get-default
# covers: lxf remote rename, lxf remote set-url, lxf remote remove, lxf version
# covers: GET /, GET /1.0
#
# The remote bookkeeping of lxf against one lxfd: get-default follows
# switch and a rename of the default remote, set-url points a remote
# elsewhere (an instance list through it fails, naming the address, and
# works again once it points back), unknown names are refused with the
# configuration unchanged; lxf version prints both versions and names an
# unreachable server. GET / lists the API versions lxfd speaks.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
sock=$(host_socket 1)

assert_exit 0 curl -sS --unix-socket "$sock" http://lxd/
assert_eq '["/1.0"]' "$(printf '%s' "$LXFE_OUT" | jq -c .metadata)" "GET / lists /1.0"

assert_exit 0 lxf_run remote switch h1
assert_exit 0 lxf_run remote get-default
assert_eq h1 "$LXFE_OUT" "default after switch"

assert_exit 0 lxf_run remote rename h1 one
assert_exit 0 lxf_run remote get-default
assert_eq one "$LXFE_OUT" "default follows the rename"
assert_exit 0 lxf_run list one: -c n -f csv
assert_exit 1 lxf_run remote rename nosuch two
assert_contains "$LXFE_ERR" "nosuch"

before=$(cat "$LXF_CONF/config.yml")
assert_exit 0 lxf_run remote set-url one "unix://$LXFE_RUN/none.socket"
assert_exit 0 lxf_run remote list -f csv
assert_contains "$LXFE_OUT" "$LXFE_RUN/none.socket" "set-url in remote list"
assert_exit 1 lxf_run list one: -c n -f csv
assert_contains "$LXFE_ERR" "none.socket" "the unreachable address named"
assert_exit 1 lxf_run version one:
assert_contains "$LXFE_OUT" "Server version: unreachable"
assert_exit 0 lxf_run remote set-url one "unix://$sock"
assert_eq "$before" "$(cat "$LXF_CONF/config.yml")" "set-url back restores the configuration"
assert_exit 1 lxf_run remote set-url nosuch "unix://$sock"
assert_eq "$before" "$(cat "$LXF_CONF/config.yml")" "unknown remote: configuration unchanged"

assert_exit 0 lxf_run version one:
assert_contains "$LXFE_OUT" "Client version: "
server=$(curl -sS --unix-socket "$sock" http://lxd/1.0 | jq -r .metadata.environment.server_version)
assert_contains "$LXFE_OUT" "Server version: $server"

assert_exit 0 lxf_run remote add two "unix://$sock"
assert_exit 0 lxf_run remote remove two
assert_eq "$before" "$(cat "$LXF_CONF/config.yml")" "add then remove"

echo "PASS test-cli-remotes"
