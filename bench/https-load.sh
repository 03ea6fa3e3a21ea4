#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Load on lxfd's GET /1.0: CONC concurrent keep-alive clients (curl
# --parallel, a trusted client certificate) over HTTPS, then over the unix
# socket, each for SECS seconds in batches of 2000 requests. Prints
# requests, errors (any status but 200, any transfer error) and lxfd's
# VmRSS before and after each run; then the same against a real LXD 5.0
# (Debian's lxd) in a second namespace host, same client certificate, same
# load. Root; tests/e2e/lib.sh hosts.
#
#   bench/https-load.sh [SECS] [CONC]        (default 60 s, 32 clients)
set -euo pipefail
secs=${1:-60}
conc=${2:-32}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lxd.sh
. "$(dirname "$0")/../tests/e2e/lxd.sh"

hosts_up 1
sock=$(host_socket 1)
dir=$(host_dir 1)
ip=$(host_ip 1)
pid=$(host_lxfd_pid 1)
[ -n "$pid" ] || fail "lxfd pid not found"
rss() { awk '/^VmRSS/ { print $2 " kB" }' "/proc/$pid/status"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 -subj /CN=load \
	-keyout "$LXFE_RUN/c.key" -out "$LXFE_RUN/c.crt" 2>/dev/null
curl -sf --unix-socket "$sock" -X PATCH -d '{"config":{"core.https_address":":8443"}}' \
	http://lxd/1.0 >/dev/null
der=$(openssl x509 -in "$LXFE_RUN/c.crt" -outform DER | base64 -w0)
curl -sf --unix-socket "$sock" -X POST -d '{"type":"client","certificate":"'"$der"'"}' \
	http://lxd/1.0/certificates >/dev/null

# run LABEL CURL-ARGS...: batches until SECS pass.
run() {
	local label=$1 n=0 bad=0 start out
	shift
	for _ in $(seq 2000); do printf 'url = "%s"\noutput = "/dev/null"\n' "$URL"; done >"$LXFE_RUN/urls"
	echo "$label: RSS before $(rss)"
	start=$SECONDS
	while [ $((SECONDS - start)) -lt "$secs" ]; do
		out=$(curl -s --no-progress-meter --parallel --parallel-max "$conc" -w '%{http_code}\n' \
			"$@" -K "$LXFE_RUN/urls" || true)
		n=$((n + $(grep -c . <<<"$out")))
		bad=$((bad + $(grep -vc '^200$' <<<"$out" || true) + 2000 - $(grep -c . <<<"$out")))
	done
	echo "$label: $n requests in $((SECONDS - start)) s, $conc clients, errors $bad, RSS after $(rss)"
}
URL="https://$ip:8443/1.0"
# Twice: the first run grows the allocator's arenas and TLS buffers; the
# second shows whether RSS then stays flat.
run https-1 --cacert "$dir/server.crt" --cert "$LXFE_RUN/c.crt" --key "$LXFE_RUN/c.key"
run https-2 --cacert "$dir/server.crt" --cert "$LXFE_RUN/c.crt" --key "$LXFE_RUN/c.key"
URL="http://lxd/1.0"
run unix --unix-socket "$sock"

# The same load on LXD: HTTPS with the same client certificate, then its
# unix socket.
_lxfe_host_net 2
ip=$(host_ip 2)
lxd_up 2 "  core.https_address: \"$ip:8443\""
pid=$LXD_PID
[ "$(cat "/proc/$pid/comm")" = lxd ] || fail "LXD pid not found"
lxc_ config trust add "$LXFE_RUN/c.crt" >/dev/null
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip/8443" || fail "LXD is not listening"
# LXD's certificate names the host ("DNS:vm") but not the namespace's
# address: reach it by that name, still verified against its certificate.
dns=$(openssl x509 -in "$LXD_D/server.crt" -noout -ext subjectAltName |
	grep -o 'DNS:[^,]*' | head -n 1 | cut -d: -f2)
URL="https://$dns:8443/1.0"
tls=(--cacert "$LXD_D/server.crt" --resolve "$dns:8443:$ip" --cert "$LXFE_RUN/c.crt" --key "$LXFE_RUN/c.key")
run lxd-https-1 "${tls[@]}"
run lxd-https-2 "${tls[@]}"
URL="http://lxd/1.0"
run lxd-unix --unix-socket "$LXD_D/unix.socket"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
