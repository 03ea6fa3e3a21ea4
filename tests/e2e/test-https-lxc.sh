#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: GET /1.0 (via lxc), PUT /1.0 (via lxc), POST /1.0/certificates (via lxc)
# covers: GET /1.0/certificates (via lxc), DELETE /1.0/certificates/{cert} (via lxc)
# covers: GET /1.0/images (via lxc), GET /1.0/instances (via lxc), POST /1.0/instances (via lxc)
# covers: POST /1.0/instances/{name}/exec (via lxc), DELETE /1.0/instances/{name} (via lxc)
# covers: GET /1.0/operations/{id}/websocket (via lxc), DELETE /1.0/operations/{id} (via lxc)
#
# LXD's own client (`lxc`, 5.0) adds an lxfd host over HTTPS, with the
# trust password and with a join token made by `lxc config trust add`,
# then lists, launches, execs and deletes through it (operations and
# their websockets over TLS). A wrong password and a used token are
# refused; `lxc config trust list|list-tokens|revoke-token|remove` work.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v lxc >/dev/null || fail "the lxc client is missing (scripts/deps installs lxd-client)"

hosts_up 1
hosts_import_image 1
sock=$(host_socket 1)
ip=$(host_ip 1)

# lx CONF ARGS...: the client with config dir CONF, failing (not hanging) past 60 s.
lx() {
	local conf=$LXFE_RUN/$1 rc=0
	shift
	mkdir -p "$conf"
	LXD_CONF=$conf LXD_SOCKET=$sock timeout 60 lxc "$@" </dev/null || rc=$?
	[ "$rc" != 124 ] || fail "lxc $* hung (no answer in 60 s)"
	return "$rc"
}

# The client's first run prints a welcome on stderr: get it out of the way.
for c in pw tok bad local; do lx "$c" remote list >/dev/null 2>&1 || true; done

# Listening on every address, as `lxd init` offers.
assert_exit 0 lx local config set core.https_address "[::]:8443"
assert_exit 0 lx local config set core.trust_password hunter2
assert_exit 0 lx local config get core.trust_password
assert_eq true "$LXFE_OUT" "the password shows as true"

# ---- a wrong password, then the right one
assert_exit 1 lx bad remote add h1 "https://$ip:8443" --password wrong --accept-certificate
assert_contains "$LXFE_ERR" "not authorized"
assert_exit 0 lx pw remote add h1 "https://$ip:8443" --password hunter2 --accept-certificate
assert_exit 0 lx pw info h1:
assert_contains "$LXFE_OUT" "auth: trusted"
[ -s "$LXFE_RUN/pw/servercerts/h1.crt" ] || fail "lxc did not pin the server certificate"
assert_eq "$(openssl x509 -in "$(host_dir 1)/server.crt" -outform DER | sha256sum | cut -d' ' -f1)" \
	"$(openssl x509 -in "$LXFE_RUN/pw/servercerts/h1.crt" -outform DER | sha256sum | cut -d' ' -f1)" \
	"pinned certificate"

# ---- list, launch, exec, delete over HTTPS
assert_exit 0 lx pw image list h1: -f csv -c l
assert_eq busybox "$LXFE_OUT" "image list"
assert_exit 0 lx pw launch h1:busybox h1:c1
assert_eq RUNNING "$(container_state 1 c1)" "liblxc's view of c1"
assert_exit 0 lx pw list h1: -f csv -c ns
assert_eq "c1,RUNNING" "$LXFE_OUT" "list over HTTPS"
# shellcheck disable=SC2016 # expanded by the container's shell
assert_exit 0 lx pw exec h1:c1 -- sh -c 'echo hello-$((6*7))'
assert_eq hello-42 "$LXFE_OUT" "exec output over wss"
assert_exit 3 lx pw exec h1:c1 -- sh -c 'exit 3'

# ---- a join token from `lxc config trust add`, used once
assert_exit 0 lx local config trust add --name tokclient
token=$(printf '%s\n' "$LXFE_OUT" | tail -n 1)
assert_contains "$LXFE_OUT" "Client tokclient certificate add token:"
assert_exit 0 lx local config trust list-tokens -f csv
assert_contains "$LXFE_OUT" "tokclient,$token"
assert_exit 0 lx tok remote add h1t "$token"
assert_exit 0 lx tok list h1t: -f csv -c n
assert_eq c1 "$LXFE_OUT" "list through the token remote"
assert_exit 0 lx local config trust list -f csv
assert_contains "$LXFE_OUT" "tokclient"
assert_exit 0 lx local config trust list-tokens -f csv
assert_eq "" "$LXFE_OUT" "the used token is gone"
# Used once: another client cannot reuse it.
assert_exit 1 lx bad remote add h1u "$token"
# A revoked token does not work either.
assert_exit 0 lx local config trust add --name revoked
token2=$(printf '%s\n' "$LXFE_OUT" | tail -n 1)
assert_exit 0 lx local config trust revoke-token revoked
assert_exit 1 lx bad remote add h1r "$token2"

# ---- removing a client's certificate ends its access at once
tokfp=$(openssl x509 -in "$LXFE_RUN/tok/client.crt" -outform DER | sha256sum | cut -d' ' -f1)
assert_exit 0 lx local config trust remove "${tokfp:0:12}"
assert_exit 1 lx tok list h1t:
assert_exit 0 lx pw list h1: -f csv -c n
assert_eq c1 "$LXFE_OUT" "the other client still trusted"

# ---- a handshake that ends while lxfd adopts the connection (as on a
# loaded machine; here lxfd's writes are slowed by strace) is still seen
# as trusted: the events websocket of `lxc monitor` outlives the 5 s that
# a handshake may take (it used to be cut then: CI's close 1006 of exec).
lpid=$(host_lxfd_pid 1)
strace -f -qq -o /dev/null -e trace=write,sendto,sendmsg \
	-e inject=write,sendto,sendmsg:delay_exit=100000 -p "$lpid" 2>/dev/null &
spid=$!
wait_until 20 _lxfe_traced "$lpid" "$spid" || fail "strace did not attach to lxfd"
LXD_CONF=$LXFE_RUN/pw timeout 60 lxc monitor h1: --type=lifecycle >"$LXFE_RUN/monitor.out" 2>&1 &
mpid=$!
lxfe_sleep 3
kill "$spid"
wait "$spid" 2>/dev/null || true
lxfe_sleep 7
kill -0 "$mpid" 2>/dev/null || fail "lxc monitor ended: $(cat "$LXFE_RUN/monitor.out")"
assert_exit 0 lx pw config set h1:c1 user.seen=1
wait_until 20 grep -q instance-updated "$LXFE_RUN/monitor.out" ||
	fail "no event reached lxc monitor: $(cat "$LXFE_RUN/monitor.out")"
kill "$mpid"
wait "$mpid" 2>/dev/null || true
assert_not_contains "$(cat "$(host_dir 1)/lxfd.log")" "did not finish its TLS handshake"

assert_exit 0 lx pw delete -f h1:c1
assert_exit 0 lx pw list h1: -f csv -c n
assert_eq "" "$LXFE_OUT" "deleted over HTTPS"
echo "test-https-lxc: OK"
