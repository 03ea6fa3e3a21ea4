#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# What a connection costs lxfd (issue #14): its CPU time and memory per
# held HTTPS connection (N trusted clients that finished their TLS
# handshake and stay idle), and how many new connections it takes per
# second: TLS handshakes of a trusted client (each on a new connection,
# closed after its handshake), and bare connects (one byte, then a reset). lxfd's
# CPU time (utime+stime) and VmRSS come from /proc. Run it once per build
# to compare (LXF_BUILD=...). Root; tests/e2e/lib.sh hosts.
#
#   bench/conn-cost.sh [N] [SECS]        (default 200 connections, 10 s)
set -euo pipefail
n=${1:-200}
secs=${2:-10}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"

hosts_up 1
sock=$(host_socket 1)
dir=$(host_dir 1)
ip=$(host_ip 1)
pid=$(host_lxfd_pid 1)
[ -n "$pid" ] || fail "lxfd pid not found"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$pid/stat"; }
echo "lxfd $LXFE_LXFD; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 -subj /CN=cost \
	-keyout "$LXFE_RUN/c.key" -out "$LXFE_RUN/c.crt" 2>/dev/null
curl -sf --unix-socket "$sock" -X PATCH -d '{"config":{"core.https_address":":8443"}}' \
	http://lxd/1.0 >/dev/null
der=$(openssl x509 -in "$LXFE_RUN/c.crt" -outform DER | base64 -w0)
curl -sf --unix-socket "$sock" -X POST -d '{"type":"client","certificate":"'"$der"'"}' \
	http://lxd/1.0/certificates >/dev/null
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip/8443" || fail "lxfd is not listening"

# py MODE: the client side (hold N handshaken connections; handshakes or
# bare connects for SECS seconds, printing how many).
py() {
	python3 - "$1" "$ip" "$dir/server.crt" "$LXFE_RUN/c.crt" "$LXFE_RUN/c.key" "$n" "$secs" \
		"$LXFE_RUN/held" <<'EOF'
import socket, ssl, struct, sys, time
mode, ip, ca, crt, key, n, secs, flag = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
ctx.load_cert_chain(crt, key)
if mode == "hold":
    held = []
    for _ in range(int(n)):
        s = ctx.wrap_socket(socket.create_connection((ip, 8443)))
        s.write(b"GET /1.0 HTTP/1.1\r\nHost: x\r\n\r\n")  # the handshake ends on the server
        s.recv(65536)
        held.append(s)
    open(flag, "w").close()
    time.sleep(3600)
end, k = time.monotonic() + float(secs), 0
while time.monotonic() < end:
    s = socket.create_connection((ip, 8443))
    if mode == "bare":
        # One byte (the kernel hands a silent connect over only later), then
        # a reset: no TIME_WAIT, which would cap this at ~500 ports/s.
        s.send(b"\x16")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if mode == "tls":
        s = ctx.wrap_socket(s)
        s.write(b"GET /1.0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while s.recv(65536):
            pass
    s.close()
    k += 1
print(k)
EOF
}

sleep 1
r0=$(rss)
c0=$(cpu_ms)
py hold &
holder=$!
wait_until 120 test -e "$LXFE_RUN/held" || fail "could not hold $n connections"
sleep 1
r1=$(rss)
c1=$(cpu_ms)
kill "$holder"
wait "$holder" 2>/dev/null || true
echo "held: $n trusted connections: RSS +$((r1 - r0)) kB ($(((r1 - r0) * 1024 / n)) B each)," \
	"CPU $((c1 - c0)) ms ($(((c1 - c0) * 1000 / n)) us each, handshake and one request included)"
sleep 2
for mode in tls bare; do
	c0=$(cpu_ms)
	k=$(py "$mode")
	c1=$(cpu_ms)
	echo "$mode: $k connections in $secs s ($((k / secs))/s), lxfd CPU $((c1 - c0)) ms" \
		"($(((c1 - c0) * 1000 / (k > 0 ? k : 1))) us each)"
done
