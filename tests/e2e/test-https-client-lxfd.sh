#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf start, lxf stop, lxf delete, lxf config set, lxf remote add
# covers: lxf remote remove, lxf config trust list, lxf config trust add, lxf config trust remove
# covers: lxf exec
#
# lxf's HTTPS client against lxfd (the flow test-https-client-lxd.sh runs
# against real LXD): core.https_address and core.trust_password set with
# lxf over the unix socket; lxf remote add with a wrong password (refused,
# configuration untouched), with the password, and with a token made by
# `lxf config trust add`; launch, exec and a list over HTTPS; lxf-tui over
# the same pinned certificate (and refusing a changed one); trust
# list/remove; a tampered pinned certificate refused loudly.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
IP=$(host_ip 1)
URL=https://$IP:8443
PW=pw-$LXFE_ID
CT=c${LXFE_ID}h

fp_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
conf_sum() { sha256sum <"$LXF_CONF/config.yml"; }

assert_exit 0 lxf_run config set h1: core.https_address "$IP:8443"
assert_exit 0 lxf_run config set h1: core.trust_password "$PW"
SRV_FP=$(fp_of "$(host_dir 1)/server.crt")
wait_until 20 bash -c "exec 3<>/dev/tcp/$IP/8443" || fail "lxfd is not listening on $URL"

before=$(conf_sum)
assert_exit 1 lxf_run remote add s1 "$URL" --password "$PW" </dev/null
assert_contains "$LXFE_ERR" "$SRV_FP" "no-terminal refusal names the fingerprint"
assert_exit 1 lxf_run remote add s1 "$URL" --password wrong --accept-certificate
assert_contains "$LXFE_ERR" "refused the password"
assert_eq "$before" "$(conf_sum)" "config.yml after refusals"
[ ! -e "$LXF_CONF/servercerts/s1.crt" ] || fail "a refused remote left its pinned certificate"

# On a terminal lxf asks, as lxc does: "n" refuses, the fingerprint accepts.
tty_add() {
	printf '%s\n' "$1" | LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local \
		script -qec "$LXFE_LXF remote add $2 $URL --password $PW" /dev/null
}
assert_exit 1 tty_add n s0
assert_contains "$LXFE_OUT" "Certificate fingerprint: $SRV_FP"
assert_contains "$LXFE_OUT" "ok (y/n/[fingerprint])?"
assert_contains "$LXFE_OUT" "NACKed"
assert_eq "$before" "$(conf_sum)" "config.yml after a refused fingerprint"
assert_exit 0 tty_add "$SRV_FP" s0
assert_contains "$LXFE_OUT" "Client certificate now trusted by server: s0"
assert_exit 0 lxf_run remote remove s0
[ ! -e "$LXF_CONF/servercerts/s0.crt" ] || fail "remote remove kept the pinned certificate"
# Already trusted (through s0): no password exchange needed.
assert_exit 0 lxf_run remote add s1 "$URL" --accept-certificate </dev/null
assert_not_contains "$LXFE_OUT" "now trusted"
assert_eq "$SRV_FP" "$(fp_of "$LXF_CONF/servercerts/s1.crt")" "pinned certificate"
CLI_FP=$(fp_of "$LXF_CONF/client.crt")
assert_exit 0 lxf_run config trust list s1: -f csv
assert_contains "$LXFE_OUT" "${CLI_FP:0:12}" "trust list over HTTPS"

assert_exit 0 lxf_run launch busybox "s1:$CT"
assert_exit 5 lxf_run exec "s1:$CT" -- sh -c 'echo out; exit 5'
assert_eq out "$LXFE_OUT" "exec over HTTPS"
assert_exit 0 lxf_run list -f csv -c r,n,s
assert_contains "$LXFE_OUT" "s1,$CT,RUNNING" "list over HTTPS"
assert_contains "$LXFE_OUT" "h1,$CT,RUNNING" "same host over the unix socket"

# lxf-tui reads the same remotes and pinned certificates: the s1 row
# arrives over HTTPS and follows the events websocket (wss, pinned); with
# the pinned certificate swapped, s1 shows down and h1 stays listed.
TUI=$LXFE_BUILD/tui/lxf-tui
TS=lxfe-htui-$LXFE_ID
tui_up() {
	tmux -L "$TS" kill-server 2>/dev/null || true
	tmux -L "$TS" new-session -d -s t -x 140 -y 30 \
		"env LXF_CONF=$LXF_CONF LXF_DIR=$LXFE_RUN/no-local TERM=xterm-256color $TUI; sleep 30"
}
pane() { tmux -L "$TS" capture-pane -p -t t; }
row_is() { pane | awk -v r="$1" -v n="$CT" '($1 == r && $2 == n) || ($2 == r && $3 == n)' | grep -q "$2"; }
pane_has() { pane | grep -q -- "$1"; }
tui_cleanup() {
	local rc=$?
	tmux -L "$TS" kill-server 2>/dev/null || true
	(exit "$rc")
	_lxfe_on_exit
}
trap tui_cleanup EXIT
tui_up
wait_until 20 row_is s1 RUNNING || fail "lxf-tui: no running s1 row: $(pane)"
assert_exit 0 lxf_run stop -f "h1:$CT"
wait_until 20 row_is s1 STOPPED || fail "lxf-tui: the s1 row did not follow the stop: $(pane)"
assert_exit 0 lxf_run start "h1:$CT"
wait_until 20 row_is s1 RUNNING || fail "lxf-tui: the s1 row did not follow the start: $(pane)"
tmux -L "$TS" kill-server 2>/dev/null || true
cp "$LXF_CONF/servercerts/s1.crt" "$LXFE_RUN/s1.pinned"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 -subj /CN=other \
	-keyout "$LXFE_RUN/other.key" -out "$LXF_CONF/servercerts/s1.crt" 2>/dev/null
tui_up
wait_until 20 row_is h1 RUNNING || fail "lxf-tui: h1 not listed: $(pane)"
wait_until 20 pane_has "down" || fail "lxf-tui: s1 with a changed certificate not down: $(pane)"
row_is s1 RUNNING && fail "lxf-tui listed s1 through a certificate that is not the pinned one"
tmux -L "$TS" kill-server 2>/dev/null || true
cp "$LXFE_RUN/s1.pinned" "$LXF_CONF/servercerts/s1.crt"

# A token made over the unix socket, used by a second client.
assert_exit 0 lxf_run config trust add h1: --name second
TOKEN=$(printf '%s\n' "$LXFE_OUT" | tail -n 1)
C2=$LXFE_RUN/conf2
LXF_CONF=$C2 assert_exit 0 lxf_run remote add s2 "$TOKEN" </dev/null
LXF_CONF=$C2 assert_exit 0 lxf_run list s2: -f csv -c n
assert_contains "$LXFE_OUT" "$CT" "list through the token-added remote"
LXF_CONF=$LXFE_RUN/conf3 assert_exit 1 lxf_run remote add s3 "$TOKEN" </dev/null
[ ! -e "$LXFE_RUN/conf3/config.yml" ] || fail "a used token left a config.yml"

assert_exit 0 lxf_run config trust remove "h1:$(fp_of "$C2/client.crt")"
LXF_CONF=$C2 assert_exit 1 lxf_run list s2: -f csv -c n

cp "$LXF_CONF/servercerts/s1.crt" "$LXFE_RUN/s1.good"
cp "$C2/client.crt" "$LXF_CONF/servercerts/s1.crt"
assert_exit 1 lxf_run list s1: -f csv -c n
assert_contains "$LXFE_ERR" "CHANGED"
assert_contains "$LXFE_ERR" "$SRV_FP"
cp "$LXFE_RUN/s1.good" "$LXF_CONF/servercerts/s1.crt"
assert_exit 0 lxf_run delete -f "s1:$CT"
echo "PASS: lxf HTTPS trust flow against lxfd"
