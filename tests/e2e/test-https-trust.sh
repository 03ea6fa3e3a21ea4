#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf monitor
# covers: GET /1.0, PUT /1.0, PATCH /1.0, GET /1.0/operations, GET /1.0/operations/{id}
# covers: DELETE /1.0/operations/{id}, GET /1.0/events, GET /1.0/certificates
# covers: POST /1.0/certificates, GET /1.0/certificates/{cert}, PUT /1.0/certificates/{cert}
# covers: PATCH /1.0/certificates/{cert}, DELETE /1.0/certificates/{cert}, GET /1.0/instances
# covers: POST /1.0/instances, GET /1.0/images, GET /1.0/profiles, GET /1.0/storage-pools
# covers: GET /1.0/storage-pools/{pool}, DELETE /1.0/storage-pools/{pool}
#
# lxfd over HTTPS (issue #5, daemon side), with curl and its own client
# certificates: the server certificate (made on first start, its SAN, its
# fingerprint in GET /1.0), core.https_address opened, moved and closed
# without a restart, TLS 1.3, what an untrusted client sees (GET /1.0
# reduced, 403 elsewhere, websockets refused), the trust password (stored
# hashed, shown as true; wrong ones refused and rate limited), the trust
# store (list, show, prefix match, edit, delete; trust follows it at once),
# join tokens (single use, revocable, expiring), and caps (header size,
# JSON depth, idle connections).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
sock=$(host_socket 1)
dir=$(host_dir 1)
ip=$(host_ip 1)
tmp=$LXFE_RUN/https
mkdir -p "$tmp"

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
# newcert NAME: a client certificate (EC P-384, like lxc's) in $tmp/NAME.{crt,key}.
newcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 \
		-subj "/O=test/CN=$1@lxfe" -keyout "$tmp/$1.key" -out "$tmp/$1.crt" 2>/dev/null
}
fingerprint() {
	openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}
# hs CERT METHOD PATH [BODY] [PORT]: HTTPS as client CERT ("" = none), pinned to server.crt.
hs() {
	local c=$1 port=${5:-8443}
	curl -s --max-time 20 --cacert "$dir/server.crt" ${c:+--cert "$tmp/$c.crt" --key "$tmp/$c.key"} \
		-X "$2" ${4:+-H 'Content-Type: application/json' -d "$4"} "https://$ip:$port$3"
}
hs_code() {
	local c=$1 port=${5:-8443}
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$dir/server.crt" \
		${c:+--cert "$tmp/$c.crt" --key "$tmp/$c.key"} \
		-X "$2" ${4:+-H 'Content-Type: application/json' -d "$4"} "https://$ip:$port$3"
}
listening() { host_exec 1 ss -Htln "sport = :$1" | grep -q LISTEN; }
not_listening() { ! listening "$1"; }

newcert alice
newcert bob
newcert carol
newcert dave

# ---- the server certificate, made on first start
[ -s "$dir/server.crt" ] || fail "no server.crt"
assert_eq 600 "$(stat -c %a "$dir/server.key")" "server.key mode"
openssl x509 -in "$dir/server.crt" -noout -text >"$tmp/srv.txt"
assert_contains "$(cat "$tmp/srv.txt")" "NIST CURVE: P-384" "server key type"
assert_contains "$(cat "$tmp/srv.txt")" "DNS:$(hostname)" "SAN host name"
assert_contains "$(cat "$tmp/srv.txt")" "IP Address:$ip" "SAN address"
assert_contains "$(cat "$tmp/srv.txt")" "TLS Web Server Authentication" "extended key usage"
srvfp=$(fingerprint "$dir/server.crt")
assert_eq "$srvfp" "$(api GET /1.0 | jget metadata/environment/certificate_fingerprint)" \
	"certificate_fingerprint"
api GET /1.0 | jget metadata/environment/certificate >"$tmp/env.crt"
assert_eq "$srvfp" "$(fingerprint "$tmp/env.crt")" "environment.certificate"

# ---- the listener: opened, moved and closed at run time
listening 8443 && fail "something listens on 8443 before core.https_address is set"
assert_eq '[]' "$(api GET /1.0 | jget metadata/environment/addresses)" "no addresses yet"
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.https_address":"[::]:8443"}}')"
wait_until 10 listening 8443 || fail "no listener on 8443"
assert_contains "$(api GET /1.0 | jget metadata/environment/addresses)" "\"$ip:8443\"" \
	"environment.addresses"
assert_eq untrusted "$(hs "" GET /1.0 | jget metadata/auth)" "GET /1.0 without a client cert"
# TLS 1.3 (the lxc client requires it); the pinned certificate verifies (SAN has the address).
assert_exit 0 curl -s --tlsv1.3 -o /dev/null --cacert "$dir/server.crt" "https://$ip:8443/1.0"
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.https_address":"'"$ip"':8444"}}')"
wait_until 10 listening 8444 || fail "no listener on 8444 after the move"
listening 8443 && fail "8443 still open after moving to 8444"
assert_eq untrusted "$(hs "" GET /1.0 "" 8444 | jget metadata/auth)" "on the new port"
assert_eq "[\"$ip:8444\"]" "$(api GET /1.0 | jget metadata/environment/addresses)"
# A port that cannot be bound is refused and leaves the listener as it was.
host_exec 1 python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("0.0.0.0",8445)); s.listen(); time.sleep(60)' &
blocker=$!
wait_until 10 listening 8445 || fail "test blocker did not bind 8445"
assert_eq 500 "$(api_code PATCH /1.0 '{"config":{"core.https_address":"0.0.0.0:8445"}}')" \
	"bind to a taken port"
kill "$blocker" 2>/dev/null || true
wait "$blocker" 2>/dev/null || true
assert_eq "$ip:8444" "$(api GET /1.0 | jget metadata/config/core.https_address)" "config kept"
assert_eq untrusted "$(hs "" GET /1.0 "" 8444 | jget metadata/auth)" "old listener kept"
assert_eq 200 "$(api_code PUT /1.0 '{"config":{}}')"
wait_until 10 not_listening 8444 ||
	fail "listener still open after unsetting the address"
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.https_address":":8443"}}')"
wait_until 10 listening 8443 || fail "no listener on :8443"

# ---- untrusted clients
out=$(hs alice GET /1.0)
assert_eq untrusted "$(jget metadata/auth <<<"$out")" "auth"
assert_eq '["tls"]' "$(jget metadata/auth_methods <<<"$out")" "auth_methods"
assert_eq false "$(jget metadata/public <<<"$out")" "public"
assert_eq "" "$(jget metadata/environment <<<"$out")" "no environment for untrusted"
assert_eq "" "$(jget metadata/config <<<"$out")" "no config for untrusted"
for p in /1.0/instances /1.0/images /1.0/certificates /1.0/operations /1.0/profiles /1.0/networks; do
	assert_eq 403 "$(hs_code alice GET "$p")" "untrusted GET $p"
done
out=$(hs alice GET /1.0/instances)
assert_eq 'not authorized' "$(jget error <<<"$out")" "403 message"
assert_eq 403 "$(jget error_code <<<"$out")" "403 error_code"
assert_eq 403 "$(hs_code alice POST /1.0/instances '{"name":"x","source":{"type":"none"}}')"
assert_eq 403 "$(hs_code alice PATCH /1.0 '{"config":{"core.https_address":""}}')"
assert_eq 403 "$(hs_code "" DELETE /1.0/certificates/00)"
assert_eq 404 "$(hs_code alice GET /1.0/nonexistent)" "unknown path stays 404"
# The events websocket is refused to an untrusted client (lws drops the
# upgrade: no 101), and accepted for a trusted one (checked further down).
wscode() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$dir/server.crt" \
		--cert "$tmp/$1.crt" --key "$tmp/$1.key" -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		"https://$ip:8443/1.0/events" || true
}
code=$(wscode alice)
[ "$code" != 101 ] || fail "untrusted client got the events websocket"

# ---- the trust password
assert_eq 403 "$(hs_code alice POST /1.0/certificates '{"type":"client","password":"x"}')" \
	"password before one is set"
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.trust_password":"s3cret"}}')"
assert_eq true "$(api GET /1.0 | jget metadata/config/core.trust_password)" "shown as true"
stored=$(sqlite3 "$dir/lxf.db" "SELECT value FROM config WHERE key = 'core.trust_password'")
assert_eq 192 "${#stored}" "stored as hex(salt 32 + scrypt 64)"
assert_not_contains "$stored" s3cret "stored hash"
# Sending the shown true back (lxc config edit) keeps the password.
assert_eq 200 "$(api_code PUT /1.0 '{"config":{"core.https_address":":8443","core.trust_password":true}}')"
assert_eq "$stored" "$(sqlite3 "$dir/lxf.db" "SELECT value FROM config WHERE key = 'core.trust_password'")"
out=$(hs alice POST /1.0/certificates '{"type":"client","password":"wrong"}')
assert_eq 403 "$(jget error_code <<<"$out")" "wrong password"
assert_contains "$(cat "$dir/lxfd.log")" "Bad trust password from 10.$LXFE_X.0.1"
assert_eq 403 "$(hs_code alice GET /1.0/instances)" "still untrusted"
assert_eq 201 "$(hs_code alice POST /1.0/certificates '{"type":"client","password":"s3cret"}')" \
	"right password"
assert_eq trusted "$(hs alice GET /1.0 | jget metadata/auth)"
assert_eq 200 "$(hs_code alice GET /1.0/instances)" "trusted GET"
assert_eq 101 "$(wscode alice)" "trusted events websocket"
assert_eq "$srvfp" "$(hs alice GET /1.0 | jget metadata/environment/certificate_fingerprint)"
alicefp=$(fingerprint "$tmp/alice.crt")
assert_eq 400 "$(hs_code alice POST /1.0/certificates '{"type":"client","password":"s3cret"}')" \
	"already trusted"

# ---- the trust store
assert_eq "[\"/1.0/certificates/$alicefp\"]" "$(api GET /1.0/certificates | jget metadata)"
out=$(api GET "/1.0/certificates/${alicefp:0:12}")
assert_eq "alice@lxfe" "$(jget metadata/name <<<"$out")" "name from the CN"
assert_eq client "$(jget metadata/type <<<"$out")"
assert_eq "$alicefp" "$(jget metadata/fingerprint <<<"$out")"
assert_contains "$(jget metadata/certificate <<<"$out")" "BEGIN CERTIFICATE"
assert_eq "$alicefp" "$(hs alice GET '/1.0/certificates?recursion=1' | jget metadata/0/fingerprint)"
# A trusted client adds bob's certificate (base64 DER), named.
bobder=$(openssl x509 -in "$tmp/bob.crt" -outform DER | base64 -w0)
assert_eq 201 "$(hs_code alice POST /1.0/certificates '{"type":"client","name":"bob","certificate":"'"$bobder"'"}')"
assert_eq 409 "$(api_code POST /1.0/certificates '{"type":"client","certificate":"'"$bobder"'"}')" "twice"
assert_eq 200 "$(hs_code bob GET /1.0/instances)" "bob trusted"
assert_eq 400 "$(api_code POST /1.0/certificates '{"type":"client","certificate":"bm90IGEgY2VydA=="}')" \
	"not a certificate"
assert_eq 400 "$(api_code POST /1.0/certificates '{"type":"server","certificate":"'"$bobder"'"}')"
assert_eq 400 "$(api_code POST /1.0/certificates '{"type":"client"}')" "no cert on the unix socket"
bobfp=$(fingerprint "$tmp/bob.crt")
assert_eq 200 "$(api_code PATCH "/1.0/certificates/$bobfp" '{"name":"robert"}')"
assert_eq robert "$(api GET "/1.0/certificates/$bobfp" | jget metadata/name)" "PATCH name"
assert_eq 200 "$(api_code PUT "/1.0/certificates/$bobfp" '{"name":"bob2","type":"client"}')"
assert_eq bob2 "$(api GET "/1.0/certificates/$bobfp" | jget metadata/name)" "PUT name"
assert_eq 400 "$(api_code PUT "/1.0/certificates/$bobfp" '{"name":"x","type":"server"}')" \
	"PUT of another type"
assert_eq bob2 "$(api GET "/1.0/certificates/$bobfp" | jget metadata/name)" "refused PUT changes nothing"
assert_eq 404 "$(api_code GET /1.0/certificates/abcdef0123)" "unknown fingerprint"
assert_eq 400 "$(api_code GET /1.0/certificates/XYZ)" "bad fingerprint"
assert_eq 200 "$(api_code DELETE "/1.0/certificates/$bobfp")"
assert_eq 403 "$(hs_code bob GET /1.0/instances)" "bob untrusted once deleted"
assert_eq 200 "$(hs_code alice GET /1.0/instances)" "alice still trusted"

# ---- join tokens
assert_eq 403 "$(hs_code carol POST /1.0/certificates '{"type":"client","name":"x","token":true}')" \
	"untrusted cannot make tokens"
out=$(api POST /1.0/certificates '{"type":"client","name":"carol","token":true}')
assert_eq 100 "$(jget status_code <<<"$out")" "token op: async"
assert_eq token "$(jget metadata/class <<<"$out")"
assert_eq Running "$(jget metadata/status <<<"$out")"
assert_eq true "$(jget metadata/may_cancel <<<"$out")"
assert_eq "$srvfp" "$(jget metadata/metadata/fingerprint <<<"$out")"
assert_eq carol "$(jget metadata/metadata/request/name <<<"$out")"
token=$(python3 -c '
import base64, json, sys
m = json.load(sys.stdin)["metadata"]["metadata"]
print(base64.b64encode(json.dumps({"client_name": m["request"]["name"], "fingerprint": m["fingerprint"],
    "addresses": m["addresses"], "secret": m["secret"], "expires_at": "0001-01-01T00:00:00Z"}).encode()).decode())' <<<"$out")
opid=$(jget metadata/id <<<"$out")
assert_eq 403 "$(hs_code carol POST /1.0/certificates '{"password":"'"${token}x"'"}')" "mangled token"
assert_eq 201 "$(hs_code carol POST /1.0/certificates '{"password":"'"$token"'"}')" "token as password"
assert_eq carol "$(api GET "/1.0/certificates/$(fingerprint "$tmp/carol.crt")" | jget metadata/name)"
assert_eq Cancelled "$(api GET "/1.0/operations/$opid" | jget metadata/status)" "used token op"
assert_eq 403 "$(hs_code dave POST /1.0/certificates '{"trust_token":"'"$token"'"}')" "single use"
# Revoked (DELETE of its operation) before use.
out=$(api POST /1.0/certificates '{"type":"client","name":"dave","token":true}')
opid=$(jget metadata/id <<<"$out")
token=$(python3 -c '
import base64, json, sys
m = json.load(sys.stdin)["metadata"]["metadata"]
print(base64.b64encode(json.dumps({"secret": m["secret"]}).encode()).decode())' <<<"$out")
assert_eq 200 "$(api_code DELETE "/1.0/operations/$opid")" "revoke"
assert_eq 403 "$(hs_code dave POST /1.0/certificates '{"trust_token":"'"$token"'"}')" "revoked token"
# Expired (core.remote_token_expiry).
assert_eq 200 "$(api_code PATCH /1.0 '{"config":{"core.remote_token_expiry":"1S"}}')"
out=$(api POST /1.0/certificates '{"type":"client","name":"dave","token":true}')
[ -n "$(jget metadata/metadata/expiresAt <<<"$out")" ] || fail "no expiresAt"
token=$(python3 -c '
import base64, json, sys
m = json.load(sys.stdin)["metadata"]["metadata"]
print(base64.b64encode(json.dumps({"secret": m["secret"]}).encode()).decode())' <<<"$out")
lxfe_sleep 2.2
out=$(hs dave POST /1.0/certificates '{"trust_token":"'"$token"'"}')
assert_eq "Token has expired" "$(jget error <<<"$out")" "expired token"
assert_eq 403 "$(hs_code dave GET /1.0/instances)"

# ---- failed passwords are rate limited per address, before any check
for _ in 1 2 3 4 5; do
	hs_code dave POST /1.0/certificates '{"password":"nope"}' >/dev/null
done
out=$(hs dave POST /1.0/certificates '{"password":"s3cret"}')
assert_contains "$(jget error <<<"$out")" "Too many failed password attempts" "rate limit"
assert_eq 403 "$(hs_code dave GET /1.0/instances)" "the right password refused while limited"
assert_contains "$(cat "$dir/lxfd.log")" "Too many failed trust password attempts from"

# ---- restricted certificates: lxfd has the default project only, so a
# restricted certificate reaches it (when "default" is listed) or nothing;
# it never reaches the server config, storage pools or the trust store.
# Trust-store changes are lifecycle events.
lxf_run monitor h1: --type lifecycle -f json >"$tmp/mon.out" 2>&1 &
mon=$!
lxfe_sleep 1
newcert erin
erin_der=$(openssl x509 -in "$tmp/erin.crt" -outform DER | base64 -w0)
erin_fp=$(fingerprint "$tmp/erin.crt")
assert_eq 201 "$(api_code POST /1.0/certificates \
	'{"type":"client","name":"erin","restricted":true,"certificate":"'"$erin_der"'"}')"
assert_eq trusted "$(hs erin GET /1.0 | jget metadata/auth)" "restricted, no project: GET /1.0"
assert_eq '{}' "$(hs erin GET /1.0 | jget metadata/config)" "server config hidden"
for p in /1.0/instances /1.0/images /1.0/operations /1.0/profiles /1.0/networks; do
	assert_eq 403 "$(hs_code erin GET "$p")" "restricted without default: GET $p"
done
assert_contains "$(hs erin GET /1.0/instances | jget error)" "restricted to projects" "message"
assert_eq 200 "$(hs_code erin GET /1.0/storage-pools)" "server-level list"
assert_eq '{}' "$(hs erin GET /1.0/storage-pools/default | jget metadata/config)" \
	"pool source hidden"
assert_eq "[\"/1.0/certificates/$erin_fp\"]" "$(hs erin GET /1.0/certificates | jget metadata)" \
	"a restricted client sees its own certificate only"
assert_eq 404 "$(hs_code erin GET "/1.0/certificates/$srvfp")" "another certificate"
assert_eq 200 "$(api_code PATCH "/1.0/certificates/$erin_fp" '{"projects":["default"]}')"
assert_eq 200 "$(hs_code erin GET /1.0/instances)" "restricted with default: instances"
assert_eq 200 "$(hs_code erin GET /1.0/profiles)" "restricted with default: profiles"
assert_eq 403 "$(hs_code erin PATCH /1.0 '{"config":{"core.https_address":""}}')" \
	"restricted: server config"
assert_eq 'Certificate is restricted' "$(hs erin PATCH /1.0 '{"config":{}}' | jget error)"
assert_eq 403 "$(hs_code erin DELETE "/1.0/certificates/$erin_fp")" "restricted: trust store"
assert_eq 403 "$(hs_code erin POST /1.0/certificates '{"token":true,"name":"x"}')" \
	"restricted: no tokens"
assert_eq 403 "$(hs_code erin DELETE /1.0/storage-pools/default)" "restricted: pools"
assert_eq 200 "$(api_code PATCH "/1.0/certificates/$erin_fp" '{"restricted":false}')"
assert_eq 200 "$(hs_code erin PATCH /1.0 '{"config":{}}')" "unrestricted again"
assert_eq 200 "$(api_code DELETE "/1.0/certificates/$erin_fp")"
assert_eq 403 "$(hs_code erin GET /1.0/instances)" "removed: untrusted"
mon_has() { grep -q "\"action\": *\"$1\".*$erin_fp\|$erin_fp.*\"action\": *\"$1\"" "$tmp/mon.out"; }
for a in certificate-created certificate-updated certificate-deleted; do
	wait_until 10 mon_has "$a" || fail "no $a event for erin: $(cat "$tmp/mon.out")"
done
kill "$mon" 2>/dev/null || true
wait "$mon" 2>/dev/null || true

# ---- hardening: oversized headers, deep JSON, the connection cap
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$dir/server.crt" \
	--cert "$tmp/alice.crt" --key "$tmp/alice.key" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" \
	"https://$ip:8443/1.0" || true)
[ "$code" != 200 ] || fail "a 20 kB header was accepted"
deep=$(python3 -c 'print("{\"config\":" + "[" * 100 + "]" * 100 + "}")')
assert_eq 400 "$(hs_code alice PATCH /1.0 "$deep")" "JSON nested 100 deep"
# 256 idle connections from one address: it keeps its share (16), and a
# trusted client is served meanwhile (test-conn-limits has the floods).
python3 -c '
import socket, sys, time
s = [socket.create_connection((sys.argv[1], 8443)) for _ in range(256)]
open(sys.argv[2], "w").close()
time.sleep(60)' "$ip" "$tmp/held" &
holder=$!
wait_until 20 test -e "$tmp/held" || fail "could not open 256 connections"
assert_eq 200 "$(hs_code alice GET /1.0)" "served beside 256 idle connections"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true

# ---- nothing above made lxfd fall over
assert_eq 200 "$(api_code GET /1.0)"
echo "test-https-trust: OK"
