#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf init, lxf start, lxf stop, lxf info, lxf snapshot, lxf config set
# covers: lxf image import, lxf remote add, lxf query, lxf exec
# covers: GET /1.0, GET /1.0/operations/{id}, GET /1.0/operations/{id}/wait
# covers: GET /1.0/operations/{id}/websocket, POST /1.0/instances
#
# LXD's migration protocol between lxfd and a real LXD 5.0 (issue #6), in
# both directions: mig-relay.py relays (as `lxc copy --mode relay` does)
# a stopped busybox container with a snapshot from LXD to lxfd and from
# lxfd to LXD, and LXD pulls one from lxfd over HTTPS by itself (pull
# mode: LXD dials lxfd's operation websockets, lxfd's certificate
# pinned), and lxfd pulls one from LXD the same way. Files, owners and snapshots are checked on arrival by starting
# the copy. When LXD is missing or cannot start here the test says so
# LOUDLY and exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LA=ml${LXFE_ID}a # names carry the run id: cgroups are global
LB=ml${LXFE_ID}b
LC=ml${LXFE_ID}c
LD=ml${LXFE_ID}d
LXD_NAMES="$LA $LB $LC $LD"
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

RELAY=$(dirname "$0")/mig-relay.py
hosts_up 1
_lxfe_host_net 2
IP2=$(host_ip 2)
lxd_up 2 "  core.https_address: \"$IP2:8443\""
LXD_SOCK=$LXD_D/unix.socket
H1=$(host_socket 1)
relay() { /usr/bin/python3 "$RELAY" "$@"; }

hosts_import_image 1
assert_exit 0 lxf_run remote add lxd "unix://$LXD_SOCK"
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox

# LXD -> lxfd (relay)
assert_exit 0 lxf_run launch busybox "lxd:$LA"
assert_exit 0 lxf_run exec "lxd:$LA" -- sh -c 'echo from-lxd >/root/f && chown 33:44 /root/f'
assert_exit 0 lxf_run stop "lxd:$LA" --force
assert_exit 0 lxf_run snapshot "lxd:$LA" s0
out=$(relay "$LXD_SOCK" "$LA" "$H1" "$LA") || fail "LXD -> lxfd failed: $out"
assert_exit 0 lxf_run info "h1:$LA"
assert_contains "$LXFE_OUT" "| s0 "
assert_exit 0 lxf_run start "h1:$LA"
assert_exit 0 lxf_run exec "h1:$LA" -- sh -c 'cat /root/f; stat -c %u:%g /root/f'
assert_eq "from-lxd
33:44" "$LXFE_OUT" "LXD's container on lxfd"
assert_exit 0 lxf_run stop "h1:$LA" --force
lxfe_log "LXD -> lxfd: ok"

# lxfd -> LXD (relay)
assert_exit 0 lxf_run init busybox h1:c1
assert_exit 0 lxf_run start h1:c1
assert_exit 0 lxf_run exec h1:c1 -- sh -c 'echo from-lxfd >/root/f && chown 55:66 /root/f'
assert_exit 0 lxf_run stop h1:c1 --force
assert_exit 0 lxf_run snapshot h1:c1 s1
out=$(relay "$H1" c1 "$LXD_SOCK" "$LB") || fail "lxfd -> LXD failed: $out"
assert_contains "$(lxc_ info "$LB")" "s1"
lxc_ start "$LB" || fail "LXD cannot start the copy from lxfd"
got=$(lxc_ exec "$LB" -- sh -c 'cat /root/f; stat -c %u:%g /root/f')
assert_eq "from-lxfd
55:66" "$got" "lxfd's container on LXD"
lxc_ stop "$LB" --force
lxfe_log "lxfd -> LXD: ok"

# LXD pulls from lxfd over HTTPS (LXD dials lxfd; lxfd's certificate pinned).
IP1=$(host_ip 1)
assert_exit 0 lxf_run config set h1: core.https_address "$IP1:8443"
wait_until 20 host_exec 1 bash -c "exec 3<>/dev/tcp/$IP1/8443" || fail "lxfd is not listening"
assert_exit 0 lxf_run query h1:/1.0
printf '%s' "$LXFE_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["environment"]["certificate"])' >"$LXFE_RUN/h1.crt"
out=$(relay "$H1" c1 "$LXD_SOCK" "$LC" --pull "https://$IP1:8443" "$LXFE_RUN/h1.crt") ||
	fail "LXD pulling from lxfd failed: $out"
lxc_ start "$LC" || fail "LXD cannot start the pulled copy"
assert_eq from-lxfd "$(lxc_ exec "$LC" -- cat /root/f)" "file pulled by LXD"
lxc_ stop "$LC" --force
lxfe_log "LXD pulls from lxfd: ok"

# lxfd pulls from LXD over HTTPS (lxfd dials LXD; LXD's certificate pinned).
assert_exit 0 lxf_run launch busybox "lxd:$LD"
assert_exit 0 lxf_run exec "lxd:$LD" -- sh -c 'echo pulled >/root/f'
assert_exit 0 lxf_run stop "lxd:$LD" --force
lxc_ query /1.0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["environment"]["certificate"])' >"$LXFE_RUN/lxd.crt"
wait_until 20 host_exec 1 bash -c "exec 3<>/dev/tcp/$IP2/8443" || fail "LXD is not listening"
out=$(relay "$LXD_SOCK" "$LD" "$H1" "$LD" --pull "https://$IP2:8443" "$LXFE_RUN/lxd.crt") ||
	fail "lxfd pulling from LXD failed: $out"
assert_exit 0 lxf_run start "h1:$LD"
assert_exit 0 lxf_run exec "h1:$LD" -- cat /root/f
assert_eq pulled "$LXFE_OUT" "file pulled by lxfd"
assert_exit 0 lxf_run stop "h1:$LD" --force
lxfe_log "lxfd pulls from LXD: ok"
