#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: GET /1.0, PATCH /1.0, GET /internal/connections, POST /1.0/certificates
# covers: GET /1.0/instances
#
# One client cannot shut the others out (issue #14). HTTPS: a flood of
# idle connects from one address, each one re-opened as soon as lxfd
# closes it, while a trusted client (curl with its certificate) from
# another address and one from the flooding address itself get every
# request answered, and an untrusted one from elsewhere too; connections
# that do not finish their TLS handshake, or send no request after it,
# are closed; what was closed is counted (GET /internal/connections) and
# logged with the address. The unix socket: a user holding 20,000
# connections gets its share only, and root, another user and `lxfd
# waitready` are answered meanwhile.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
sock=$(host_socket 1)
dir=$(host_dir 1)
ip=$(host_ip 1)
tmp=$LXFE_RUN/conns
flood=$LXFE_SRC/tests/e2e/conn-flood.py
mkdir -p "$tmp"

api() {
	curl -sS --max-time 20 --unix-socket "$sock" -X "$1" \
		${3:+-H 'Content-Type: application/json' -d "$3"} "http://lxd$2"
}
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for p in sys.argv[1].split("/"):
    v = v.get(p) if isinstance(v, dict) else None
print("" if v is None else v)' "$1"
}
# hs CERT [curl args...]: GET /1.0 over HTTPS as client CERT ("" = none); prints metadata.auth.
hs() {
	local c=$1
	shift
	curl -sS --max-time 20 --cacert "$dir/server.crt" \
		${c:+--cert "$tmp/$c.crt" --key "$tmp/$c.key"} "$@" "https://$ip:8443/1.0" |
		jget metadata/auth 2>/dev/null || true
}
# hs_many N CERT [curl args...]: N requests for /1.0/instances, each on a
# new connection (one curl, quicker than N); prints each HTTP status.
hs_many() {
	local n=$1 c=$2
	shift 2
	curl -sS --max-time 20 --cacert "$dir/server.crt" -H 'Connection: close' \
		${c:+--cert "$tmp/$c.crt" --key "$tmp/$c.key"} "$@" -o /dev/null \
		-w '%{http_code} %{num_connects}\n' "https://$ip:8443/1.0/instances?n=[1-$n]" || true
}
cstat() { api GET /internal/connections | jget "metadata/$1"; }
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# ---- HTTPS, with alice trusted
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 \
	-subj "/O=test/CN=alice@lxfe" -keyout "$tmp/alice.key" -out "$tmp/alice.crt" 2>/dev/null
der=$(openssl x509 -in "$tmp/alice.crt" -outform DER | base64 -w0)
assert_eq 200 "$(api POST /1.0/certificates '{"type":"client","certificate":"'"$der"'"}' |
	jget status_code)" "alice added to the trust store"
api PATCH /1.0 '{"config":{"core.https_address":"'"$ip"':8443"}}' >/dev/null
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip/8443" || fail "lxfd is not listening on $ip:8443"
assert_eq trusted "$(hs alice)" "alice before the flood"

lxfe_log "HTTPS flood"
# The flood comes from a second address of this namespace's bridge end.
attacker=10.$LXFE_X.0.3
ip addr add "$attacker/24" dev "$LXFE_BR"
python3 "$flood" tcp "$ip" 8443 --src "$attacker" --count 300 --ready "$tmp/https-held" \
	--stats "$tmp/https-flood" &
flooder=$!
wait_until 60 test -s "$tmp/https-held" || fail "the flood did not start"
# Until lxfd closes some of them: they have reached it (the kernel holds
# silent ones back for a few seconds, TCP_DEFER_ACCEPT) and filled a cap.
flood_in() { [ "$(cut -d' ' -f2 "$tmp/https-flood")" -gt 0 ]; }
wait_until 30 flood_in || fail "lxfd closed none of the flood's connections"
assert_eq "$(yes '200 1' | head -20)" "$(hs_many 20 alice)" \
	"20 trusted requests from another address during the flood"
assert_eq "$(yes '200 1' | head -10)" "$(hs_many 10 alice --interface "$attacker")" \
	"10 trusted requests from the flooding address"
assert_eq "$(yes '403 1' | head -5)" "$(hs_many 5 "")" \
	"5 untrusted requests from another address (answered, and refused as untrusted)"
[ "$(cstat current/https_not_trusted)" -le 16 ] ||
	fail "the flooding address holds more than its share: $(cstat current)"
assert_contains "$(cat "$dir/lxfd.log")" \
	"HTTPS: closed an idle connection to make room for a newer one of its address ($attacker;"
stop "$flooder"

lxfe_log "HTTPS deadlines"
# Deadlines: no TLS hello, or no request after the handshake.
python3 "$flood" idle-tcp "$ip" 8443 &
idle_tcp=$!
python3 "$flood" idle-tls "$ip" 8443 "$dir/server.crt" &
idle_tls=$!
wait "$idle_tcp" || fail "a connection that sent nothing was not closed"
wait "$idle_tls" || fail "a TLS connection that sent no request was not closed"
[ "$(cstat closed/https_handshake_timeout)" -gt 0 ] ||
	fail "handshake timeout not counted: $(cstat closed) $(grep HTTPS "$dir/lxfd.log")"
[ "$(cstat closed/https_request_timeout)" -gt 0 ] ||
	fail "request timeout not counted: $(cstat closed) $(grep HTTPS "$dir/lxfd.log")"
assert_contains "$(cat "$dir/lxfd.log")" "did not finish its TLS handshake in time (10.$LXFE_X.0.1;"

# ---- the unix socket: nobody (in the socket's group) holds 20,000
# connections (two processes: one may have fewer descriptors than that)
lxfe_log "unix socket flood"
chgrp nogroup "$sock"
nobody=$(id -u nobody)
nogroup=$(getent group nogroup | cut -d: -f3)
floods=()
for n in 1 2; do
	python3 "$flood" unix "$sock" --count 10000 --uid "$nobody" --gid "$nogroup" --pace -1 \
		--ready "$tmp/unix-held$n" &
	floods+=($!)
done
wait_until 120 test -s "$tmp/unix-held1" -a -s "$tmp/unix-held2" ||
	fail "the unix flood did not start"
# Once lxfd has worked through the connects queued on its socket: a storm
# of connects fills the kernel's queue for everyone, whatever lxfd does.
queued() { host_exec 1 ss -xlnH | awk -v s="$sock" '$5 == s { print $3 }'; }
settled() { [ "$(queued)" -lt 64 ]; }
wait_until 60 settled || fail "lxfd did not take the connects queued on its socket: $(queued)"
for i in $(seq 10); do
	assert_eq 200 "$(api GET /1.0 | jget status_code)" "root request $i during the unix flood"
done
assert_eq 200 "$(setpriv --reuid=daemon --regid="$nogroup" --clear-groups \
	curl -s --max-time 20 --unix-socket "$sock" http://lxd/1.0 | jget status_code)" \
	"another user during the unix flood"
assert_exit 0 "$LXFE_LXFD" waitready --timeout 20 --dir "$dir"
per_user=$(cstat limits/unix_per_user)
held=$(cstat current/unix)
[ "$held" -le $((per_user + 5)) ] || fail "nobody holds more than its share: $(cstat current)"
[ "$(cstat closed/unix_refused_user)" -gt 0 ] || fail "unix refusals not counted"
assert_contains "$(cat "$dir/lxfd.log")" \
	"Unix socket: refused a connection: the user has its share (uid $nobody;"
stop "${floods[0]}"
stop "${floods[1]}"
chgrp root "$sock"

assert_eq 200 "$(api GET /1.0 | jget status_code)" "lxfd still answers"
echo "test-conn-limits: OK"
