#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf start, lxf stop, lxf delete, lxf move, lxf copy, lxf snapshot
# covers: lxf image import, lxf remote add, lxf exec
#
# lxf copy and lxf move orchestrating real LXD 5.0 daemons (Debian's lxd):
# two LXDs in harness hosts 2 and 3, each also listening on HTTPS, and an
# lxfd on host 1. Between the LXDs: copy of a stopped container with a
# snapshot and a move of a running one in relay mode (unix remotes), and
# a move back of a running one in pull mode (HTTPS remotes: the target
# LXD dials the source's operation itself); file contents and config
# checked on arrival, the source gone after a move and untouched after a
# copy. Then LXD -> lxfd and lxfd -> LXD in relay mode, as far as the
# daemons interoperate (the test says LOUDLY when lxfd refuses).
#
# When LXD is missing or cannot start here the test says so LOUDLY and
# exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

C=mv${LXFE_ID}c
LXD_NAMES="$C ${C}r ${C}x"
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

hosts_up 1
hosts_import_image 1
_lxfe_host_net 2
_lxfe_host_net 3
PW=pw-$LXFE_ID
lxd_up 2 "  core.https_address: \"$(host_ip 2):8443\"
  core.trust_password: \"$PW\""
# lxd.sh keeps one LXD; the first one is torn down here, before it.
LA_D=$LXD_D LA_PID=$LXD_PID
_lxd_first_cleanup() {
	local d=$LXD_D p=$LXD_PID
	LXD_D=$LA_D LXD_PID=$LA_PID
	lxd_cleanup
	LXD_D=$d LXD_PID=$p
}
trap 'rc=$?; _lxd_first_cleanup; (exit $rc); _lxd_on_exit' EXIT
trap '_lxd_first_cleanup; lxd_cleanup; _lxfe_on_signal 130' INT
trap '_lxd_first_cleanup; lxd_cleanup; _lxfe_on_signal 143' TERM
lxd_up 3 "  core.https_address: \"$(host_ip 3):8443\"
  core.trust_password: \"$PW\""
LB_D=$LXD_D
lxa() { LXD_DIR=$LA_D lxc "$@"; }
lxb() { LXD_DIR=$LB_D lxc "$@"; }

assert_exit 0 lxf_run remote add la "unix://$LA_D/unix.socket"
assert_exit 0 lxf_run remote add lb "unix://$LB_D/unix.socket"
for n in 2 3; do
	wait_until 20 bash -c "exec 3<>/dev/tcp/$(host_ip $n)/8443" || fail "LXD $n not on HTTPS"
done
assert_exit 0 lxf_run remote add ha "$(host_ip 2)" --password "$PW" --accept-certificate
assert_exit 0 lxf_run remote add hb "$(host_ip 3)" --password "$PW" --accept-certificate

# content REMOTE NAME: what the checks compare, read through lxf exec.
content() {
	assert_exit 0 lxf_run exec "$1:$2" -- sh -c \
		'cat /root/data; stat -c "%u:%g %a" /root/data; md5sum </root/big'
	printf '%s' "$LXFE_OUT"
}
row() { lxf_run list "$1:" -f csv -c rns | grep "^$1,$2," || true; }

assert_exit 0 lxf_run image import "$(lxfe_image)" la: --alias busybox
assert_exit 0 lxf_run launch busybox "la:$C" -c user.v=one
assert_exit 0 lxf_run exec "la:$C" -- sh -c \
	'echo payload >/root/data && chown 12:34 /root/data && chmod 640 /root/data &&
	 dd if=/dev/urandom of=/root/big bs=1k count=4096 2>/dev/null && sync'
want=$(content la "$C")
assert_exit 0 lxf_run snapshot "la:$C" s1
assert_exit 0 lxf_run stop "la:$C" --force

# --- relay: copy of a stopped container with its snapshot; source untouched.
assert_exit 0 lxf_run copy "la:$C" lb: --mode relay
assert_contains "$(lxb list -f csv -c ns)" "$C,STOPPED"
assert_contains "$(lxb info "$C")" "s1"
assert_eq one "$(lxb config get "$C" user.v)" "config on arrival (relay copy)"
assert_contains "$(lxa list -f csv -c ns)" "$C,STOPPED"
assert_exit 0 lxf_run start "lb:$C"
assert_eq "$want" "$(content lb "$C")" "files of the relay copy"
assert_exit 0 lxf_run delete -f "lb:$C"

# --- relay: move of a running container: running on lb only.
assert_exit 0 lxf_run start "la:$C"
assert_exit 0 lxf_run move "la:$C" lb:
assert_eq "lb,$C,RUNNING" "$(row lb "$C")" "running move la -> lb (relay)"
assert_eq "" "$(row la "$C")" "source gone after the move"
assert_eq "$want" "$(content lb "$C")" "files after the relay move"
assert_contains "$(lxb info "$C")" "s1"

# --- pull: the target LXD dials the source itself (HTTPS remotes).
assert_exit 0 lxf_run move "hb:$C" ha: --mode pull
assert_eq "ha,$C,RUNNING" "$(row ha "$C")" "running move lb -> la (pull)"
assert_eq "" "$(row hb "$C")" "source gone after the pull move"
assert_eq "$want" "$(content ha "$C")" "files after the pull move"
assert_eq one "$(lxa config get "$C" user.v)" "config after the pull move"

# --- LXD <-> lxfd in relay mode, as far as lxfd's migration goes.
if lxf_run copy "la:$C" "h1:${C}x" 2>"$LXFE_RUN/x.err"; then
	assert_exit 0 lxf_run start "h1:${C}x"
	assert_eq "$want" "$(content h1 "${C}x")" "files of the LXD -> lxfd copy"
	assert_exit 0 lxf_run stop -f "h1:${C}x"
	assert_exit 0 lxf_run move "h1:${C}x" "lb:${C}r"
	assert_exit 0 lxf_run start "lb:${C}r"
	assert_eq "$want" "$(content lb "${C}r")" "files of the lxfd -> LXD move"
	assert_eq "" "$(row h1 "${C}x")" "lxfd source gone after the move"
else
	lxfe_log "*** LXD -> lxfd copy refused: $(cat "$LXFE_RUN/x.err")"
	assert_eq "" "$(row h1 "${C}x")" "nothing half-made on lxfd"
	assert_eq "la,$C,RUNNING" "$(row la "$C")" "LXD source running after a refused copy"
fi

teardown
