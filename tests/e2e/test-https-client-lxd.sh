#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list, lxf launch, lxf delete, lxf image import, lxf remote add, lxf remote list
# covers: lxf remote remove, lxf remote import-lxc, lxf config trust list, lxf config trust add
# covers: lxf config trust show, lxf config trust remove, lxf exec
# covers: GET /1.0
#
# lxf's HTTPS client against a real LXD 5.0 (Debian's lxd) listening on
# core.https_address in harness host 2's network namespace, with a trust
# password: lxf remote add with the password, with tokens made by
# `lxf config trust add` and by the real `lxc config trust add`; a wrong
# password and a token for another server refused with the configuration
# untouched; a tampered pinned certificate refused loudly; image import,
# launch, exec and a mixed `lxf list` over HTTPS; `lxf config trust
# list/show/remove`; `lxf remote import-lxc` of a configuration made by the
# real `lxc remote add`.
#
# LXD is started as in test-lxd-interop.sh. When it is missing or cannot
# start here the test says so LOUDLY and exits 0.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

CL=lx${LXFE_ID}s # container names carry the run id: cgroups are global
PW=pw-$LXFE_ID
LXD_NAMES=$CL
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"

hosts_up 1
_lxfe_host_net 2
IP=$(host_ip 2)
URL=https://$IP:8443
lxd_up 2 "  core.https_address: \"$IP:8443\"
  core.trust_password: \"$PW\""
lxdq() { LXD_DIR=$LXD_D lxc query "$@"; }
SRV_FP=$(lxdq /1.0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["environment"]["certificate_fingerprint"])')
wait_until 20 bash -c "exec 3<>/dev/tcp/$IP/8443" || fail "LXD is not listening on $URL"

fp_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
conf_sum() { cat "$LXF_CONF/config.yml" 2>/dev/null | sha256sum; }

# --- refusals leave the configuration as it was
before=$(conf_sum)
assert_exit 1 lxf_run remote add lx "$URL" --password "$PW" </dev/null
assert_contains "$LXFE_ERR" "$SRV_FP" "no-terminal refusal names the fingerprint"
assert_contains "$LXFE_ERR" "--accept-certificate"
assert_exit 1 lxf_run remote add lx "$URL" --password wrong-password --accept-certificate
assert_contains "$LXFE_ERR" "refused the password"
assert_eq "$before" "$(conf_sum)" "config.yml after refusals"
[ ! -e "$LXF_CONF/servercerts/lx.crt" ] || fail "a refused remote left its pinned certificate"
assert_exit 0 lxf_run remote list -f csv
assert_not_contains "$LXFE_OUT" "lx," "remote list after refusals"

# --- the password flow
assert_exit 0 lxf_run remote add lx "$IP" --password "$PW" --accept-certificate
assert_contains "$LXFE_OUT" "Client certificate now trusted by server: lx"
assert_eq "$SRV_FP" "$(fp_of "$LXF_CONF/servercerts/lx.crt")" "pinned certificate"
assert_eq 600 "$(stat -c %a "$LXF_CONF/client.key")" "client.key mode"
openssl x509 -in "$LXF_CONF/client.crt" -noout -text | grep -q "ASN1 OID: secp384r1" ||
	fail "client certificate is not EC P-384"
CLI_FP=$(fp_of "$LXF_CONF/client.crt")
assert_exit 0 lxf_run remote list -f csv
assert_contains "$LXFE_OUT" "lx,$URL,lxd" "remote list (port 8443 added)"
assert_exit 1 lxf_run remote add lx "$URL" --password "$PW" --accept-certificate
assert_contains "$LXFE_ERR" "already exists"

# --- trust store
assert_exit 0 lxf_run config trust list lx: -f csv
assert_contains "$LXFE_OUT" "${CLI_FP:0:12}" "trust list has our certificate"
assert_exit 0 lxf_run config trust show "lx:$CLI_FP"
assert_contains "$LXFE_OUT" "fingerprint: $CLI_FP"

# --- containers over HTTPS, and one list mixing LXD over HTTPS with lxfd
assert_exit 0 lxf_run image import "$(lxfe_image)" lx: --alias busybox
assert_exit 0 lxf_run launch busybox "lx:$CL"
assert_eq RUNNING "$(LXD_DIR=$LXD_D lxc list "$CL" -f csv -c s)" "LXD's view of $CL"
assert_exit 5 lxf_run exec "lx:$CL" -- sh -c 'echo out; exit 5'
assert_eq out "$LXFE_OUT" "exec over HTTPS"
assert_exit 0 lxf_run list -f csv -c r,n,s
assert_contains "$LXFE_OUT" "lx,$CL,RUNNING" "mixed list"

# --- a token from lxf, used by a second client (its own certificate)
assert_exit 0 lxf_run config trust add lx: --name second
assert_contains "$LXFE_OUT" "Client second certificate add token:"
TOKEN=$(printf '%s\n' "$LXFE_OUT" | tail -n 1)
printf '%s' "$TOKEN" | base64 -d | python3 -c '
import json, sys
t = json.load(sys.stdin)
assert t["client_name"] == "second", t
assert t["fingerprint"] == sys.argv[1], t
assert t["addresses"] and t["secret"], t
' "$SRV_FP" || fail "lxf token does not decode as LXD's"
C2=$LXFE_RUN/conf2
LXF_CONF=$C2 assert_exit 0 lxf_run remote add lx2 "$TOKEN" </dev/null
LXF_CONF=$C2 assert_exit 0 lxf_run list lx2: -f csv -c n
assert_contains "$LXFE_OUT" "$CL" "list through the token-added remote"
FP2=$(fp_of "$C2/client.crt")
# Tokens are single use: a third client (its own certificate) is refused.
LXF_CONF=$LXFE_RUN/conf2b assert_exit 1 lxf_run remote add lx3 "$TOKEN" </dev/null
assert_contains "$LXFE_ERR" "refused" "a used token"
[ ! -e "$LXFE_RUN/conf2b/config.yml" ] || fail "refused token left a config.yml"
[ ! -e "$LXFE_RUN/conf2b/servercerts/lx3.crt" ] || fail "refused token left a pin"

# --- a token from the real lxc, through --token
LTOK=$(LXD_DIR=$LXD_D lxc config trust add --name third | tail -n 1)
C3=$LXFE_RUN/conf3
LXF_CONF=$C3 assert_exit 0 lxf_run remote add lx3 "$URL" --token "$LTOK" </dev/null
LXF_CONF=$C3 assert_exit 0 lxf_run config trust list lx3: -f csv
assert_contains "$LXFE_OUT" "${FP2:0:12}" "trust list seen by the third client"

# --- a token naming another server's certificate is refused, nothing kept
BAD=$(printf '{"client_name":"x","fingerprint":"%064d","addresses":["%s:8443"],"secret":"s","expires_at":"0001-01-01T00:00:00Z"}' 0 "$IP" | base64 -w0)
C4=$LXFE_RUN/conf4
LXF_CONF=$C4 assert_exit 1 lxf_run remote add lx4 "$BAD" </dev/null
assert_contains "$LXFE_ERR" "mismatch"
[ ! -e "$C4/config.yml" ] || fail "refused token left a config.yml"

# --- trust add CERTFILE: that client then needs no password
assert_exit 0 lxf_run config trust add lx: "$C4/client.crt" --name fourth
assert_exit 0 lxf_run config trust list lx: -f csv
assert_contains "$LXFE_OUT" "client,fourth," "trust add CERTFILE"
LXF_CONF=$C4 assert_exit 0 lxf_run remote add lx4 "$URL" --accept-certificate </dev/null
assert_not_contains "$LXFE_OUT" "now trusted" "already trusted client"
assert_exit 1 lxf_run config trust add lx: "$LXFE_RUN/no-such.crt" --name x
assert_exit 2 lxf_run config trust add lx:
assert_contains "$LXFE_ERR" "--name"

# --- trust remove: the second client loses access
assert_exit 0 lxf_run config trust remove "lx:$FP2"
LXF_CONF=$C2 assert_exit 1 lxf_run list lx2: -f csv -c n

# --- a changed server certificate is refused loudly
cp "$LXF_CONF/servercerts/lx.crt" "$LXFE_RUN/lx.crt.good"
cp "$C3/client.crt" "$LXF_CONF/servercerts/lx.crt"
assert_exit 1 lxf_run list lx: -f csv -c n
assert_contains "$LXFE_ERR" "CHANGED"
assert_contains "$LXFE_ERR" "$SRV_FP" "refusal names the server's fingerprint"
assert_contains "$LXFE_ERR" "$(fp_of "$C3/client.crt")" "refusal names the pinned fingerprint"
assert_exit 3 lxf_run list -f csv -c n
assert_contains "$LXFE_ERR" "CHANGED" "fleet list"
cp "$LXFE_RUN/lx.crt.good" "$LXF_CONF/servercerts/lx.crt"
assert_exit 0 lxf_run list lx: -f csv -c n

# --- import-lxc from a configuration made by the real lxc
LC=$LXFE_RUN/lxcconf
mkdir -p "$LC"
LXD_CONF=$LC lxc remote add lxdr "$URL" --password "$PW" --accept-certificate >/dev/null ||
	fail "the real lxc could not add $URL"
C5=$LXFE_RUN/conf5
LXF_CONF=$C5 assert_exit 0 lxf_run remote import-lxc --conf "$LC"
assert_contains "$LXFE_OUT" "Imported remote lxdr ($URL)"
assert_contains "$LXFE_OUT" "Imported the client certificate"
cmp -s "$LC/client.key" "$C5/client.key" || fail "client.key not copied"
cmp -s "$LC/servercerts/lxdr.crt" "$C5/servercerts/lxdr.crt" || fail "server cert not copied"
LXF_CONF=$C5 assert_exit 0 lxf_run list lxdr: -f csv -c n
assert_contains "$LXFE_OUT" "$CL" "list through the imported remote"
LXF_CONF=$C5 assert_exit 0 lxf_run remote import-lxc --conf "$LC"
assert_contains "$LXFE_ERR" "Skipped lxdr"
assert_contains "$LXFE_OUT" "0 remotes imported"
LXF_CONF=$C5 assert_exit 1 lxf_run remote import-lxc --conf "$LXFE_RUN/nonexistent"

# --- remove forgets the pin
assert_exit 0 lxf_run delete -f "lx:$CL"
assert_exit 0 lxf_run remote remove lx
[ ! -e "$LXF_CONF/servercerts/lx.crt" ] || fail "remote remove kept the pinned certificate"
echo "PASS: lxf HTTPS trust flow against LXD"
