#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: GET /1.0/metrics, lxf config trust add
#
# /1.0/metrics as Prometheus sees it (issue #19): a real Prometheus
# (Debian's), started here with its own config and data dir in the run dir
# and listening only on host 1's address, scrapes two lxfd hosts and a real
# LXD over HTTPS every second with a `metrics` certificate (trusted with
# `lxf config trust add --type metrics` on h1, the real `lxc config trust
# add --type metrics` on h2 and on LXD). Then through Prometheus' HTTP API:
# the series exist per host and per container, the CPU rate of a container
# that burns CPU is well above an idle one's, and the RSS of a container
# that allocates 64 MB grows by that much. lxfd and LXD expose the same
# instance metric names for the same kind of container (busybox, running).
# Beside it, with curl: a metrics certificate reaches /1.0/metrics and
# nothing else, an untrusted client not even that, and the instances' part
# is kept for a while (several scrapers share one reading).
#
# When LXD is missing or cannot start here, the test says so LOUDLY and
# exits 0 (lxd.sh); Prometheus is a dependency (scripts/deps).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LXD_NAMES="mx${LXFE_ID}l"
# shellcheck source-path=SCRIPTDIR source=lxd.sh
. "$(dirname "$0")/lxd.sh"
command -v prometheus >/dev/null || fail "prometheus missing: run scripts/deps"

tmp=$LXFE_RUN/metrics
mkdir -p "$tmp"
ip1=$(host_ip 1) ip2=$(host_ip 2) ip3=$(host_ip 3)
prom_pid=
mem_exec=
stop_prom() {
	[ -z "$prom_pid" ] || kill "$prom_pid" 2>/dev/null || true
	[ -z "$mem_exec" ] || kill "$mem_exec" 2>/dev/null || true
}
trap 'rc=$?; stop_prom; (exit $rc); _lxd_on_exit' EXIT

hosts_up 2
_lxfe_host_net 3
lxd_up 3 "  core.https_address: $ip3:8443"

# Certificates: prom (metrics), admin (a trusted client), stranger (not trusted).
for c in prom admin stranger; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 \
		-subj "/CN=$c@lxfe" -keyout "$tmp/$c.key" -out "$tmp/$c.crt" 2>/dev/null
done
for n in 1 2; do
	assert_exit 0 lxf_run config set "h$n:" core.https_address "$(host_ip "$n"):8443"
	assert_exit 0 lxf_run config trust add "h$n:" "$tmp/admin.crt"
done
assert_exit 0 lxf_run config trust add h1: "$tmp/prom.crt" --type metrics
assert_exit 2 lxf_run config trust add h1: "$tmp/prom.crt" --type nonsense
(
	lxc_client 2
	lx config trust add "$tmp/prom.crt" --type metrics >/dev/null
) || fail "lxc config trust add --type metrics on h2 failed"
lxc_ config trust add "$tmp/prom.crt" --type metrics >/dev/null ||
	fail "lxc config trust add --type metrics on LXD failed"
assert_exit 0 lxf_run config trust list h2: -f csv
assert_contains "$LXFE_OUT" "metrics,prom.crt,prom@lxfe"

# Containers: burn (h1, a busy loop), idle (h1), mem (h2, allocates later), and
# one busybox in LXD.
hosts_import_image 1 2
assert_exit 0 lxf_run launch busybox h1:burn
assert_exit 0 lxf_run launch busybox h1:idle
assert_exit 0 lxf_run launch busybox h2:mem
assert_exit 0 lxf_run exec h1:burn -- sh -c 'while :; do :; done </dev/null >/dev/null 2>&1 &'
LXD_C=$LXD_NAMES
assert_exit 0 lxf_run remote add lxd "unix://$LXD_D/unix.socket"
assert_exit 0 lxf_run image import "$(lxfe_image)" lxd: --alias busybox
assert_exit 0 lxf_run launch busybox "lxd:$LXD_C"

# ---- who reaches /1.0/metrics (curl, pinned to each server's certificate)
hs() { # CERT HOST PATH: the HTTP status
	local dir
	dir=$(host_dir "$2")
	curl -s -o "$tmp/body" -w '%{http_code}' --max-time 20 --cacert "$dir/server.crt" \
		${1:+--cert "$tmp/$1.crt" --key "$tmp/$1.key"} "https://$(host_ip "$2"):8443$3"
}
assert_eq 200 "$(hs prom 1 /1.0/metrics)" "metrics certificate, /1.0/metrics"
assert_contains "$(cat "$tmp/body")" 'lxd_procs_total{name="burn",project="default",type="container"}'
assert_eq 403 "$(hs prom 1 /1.0/instances)" "metrics certificate, /1.0/instances"
assert_eq 403 "$(hs prom 2 /1.0/certificates)" "metrics certificate, /1.0/certificates"
assert_eq 200 "$(hs prom 1 /1.0)" "metrics certificate, GET /1.0"
assert_contains "$(cat "$tmp/body")" '"auth":"untrusted"'
assert_eq 403 "$(hs stranger 1 /1.0/metrics)" "untrusted certificate, /1.0/metrics"
assert_eq 403 "$(hs "" 1 /1.0/metrics)" "no certificate, /1.0/metrics"
assert_eq 200 "$(hs admin 2 /1.0/metrics)" "trusted client, /1.0/metrics"
assert_eq 200 "$(hs admin 1 /1.0)" "trusted client, GET /1.0"
assert_contains "$(cat "$tmp/body")" '"metrics"'
curl -s -D "$tmp/hdr" -o /dev/null --unix-socket "$(host_socket 1)" http://lxd/1.0/metrics
assert_contains "$(tr -d '\r' <"$tmp/hdr")" "content-type: text/plain"

# The instances' part is kept a while: of three readings in a row (well
# within 8 s), two give burn's CPU time unchanged although it burns.
burn_cpu() {
	curl -s --unix-socket "$(host_socket 1)" http://lxd/1.0/metrics |
		grep '^lxd_cpu_seconds_total{cpu="0",mode="user",name="burn"'
}
a=$(burn_cpu) b=$(burn_cpu) c=$(burn_cpu)
[ -n "$a" ] || fail "no CPU sample for burn"
[ "$a" = "$b" ] || [ "$b" = "$c" ] || fail "no reading was served from the cache: $a / $b / $c"

# ---- Prometheus: its own config and data dir, host 1's address only.
san_dns() { openssl x509 -in "$1" -noout -ext subjectAltName | grep -o 'DNS:[^,]*' | head -1 | cut -d: -f2; }
job() { # NAME TARGET CA
	cat <<EOF
  - job_name: $1
    scheme: https
    metrics_path: /1.0/metrics
    static_configs: [{targets: ["$2"]}]
    tls_config:
      ca_file: $3
      cert_file: $tmp/prom.crt
      key_file: $tmp/prom.key
      server_name: $(san_dns "$3")
EOF
}
{
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n'
	job lxfd-h1 "$ip1:8443" "$(host_dir 1)/server.crt"
	job lxfd-h2 "$ip2:8443" "$(host_dir 2)/server.crt"
	job lxd "$ip3:8443" "$LXD_D/server.crt"
} >"$tmp/prometheus.yml"
nsenter --net="/run/netns/$(host_ns 1)" prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="$ip1:9090" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!

# q PROMQL: the result vector as "LABELS VALUE" lines (via host 1's netns).
q() {
	host_exec 1 curl -s --max-time 10 -G "http://$ip1:9090/api/v1/query" \
		--data-urlencode "query=$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for r in d.get("data", {}).get("result", []):
    m = r["metric"]
    print(",".join(k + "=" + m[k] for k in sorted(m)) or "-", r["value"][1])
'
}
up_all() { [ "$(q 'sum(up)' | awk '{print $2}')" = 3 ]; }
wait_until 60 up_all || {
	tail -n 20 "$tmp/prometheus.log" >&2
	q 'up' >&2
	fail "Prometheus does not scrape all three targets"
}

# Series per host and per container.
series() { q 'count by (job, name) (lxd_procs_total)' | cut -d' ' -f1 | sort | tr '\n' ' '; }
want="job=lxd,name=$LXD_C job=lxfd-h1,name=burn job=lxfd-h1,name=idle job=lxfd-h2,name=mem "
assert_eq "$want" "$(series)" "series per host and container"

# burn's CPU rate is well above idle's (both summed over CPUs and modes).
rate() { q "sum(rate(lxd_cpu_seconds_total{job=\"lxfd-h1\",name=\"$1\"}[5s]))" | awk '{print $2}'; }
burning() { python3 -c 'import sys; b, i = map(float, sys.argv[1:]); sys.exit(not (b > 0.1 and b > 10 * i))' "$(rate burn)" "$(rate idle)"; }
wait_until 60 burning || fail "burn's CPU rate $(rate burn) is not well above idle's $(rate idle)"

# mem's RSS grows by the 64 MB it allocates (a shell variable of that size).
rss() { q 'lxd_memory_RSS_bytes{job="lxfd-h2",name="mem"}' | awk '{print $2}'; }
before=$(rss)
[ -n "$before" ] || fail "no RSS series for mem"
# The exec stays open (in the background here) while the shell holds x
# (not `sleep` last: the shell would exec it and drop x).
lxf_run exec h2:mem -- sh -c 'x=$(yes | head -c 64000000); sleep 600; echo "${#x}"' \
	</dev/null >/dev/null 2>&1 &
mem_exec=$!
grown() { python3 -c 'import sys; sys.exit(not float(sys.argv[2]) - float(sys.argv[1]) > 50e6)' "$before" "$(rss)"; }
wait_until 60 grown || fail "mem's RSS did not grow by 50 MB: $before -> $(rss)"

# The same instance metric names from lxfd and LXD for a running busybox:
# all of LXD's, and beyond them only the families later LXDs added
# (lxd_cpu_effective_total, lxd_filesystem_*; the OOM kills LXD 5.0 reads
# on cgroup2 only).
names() { q "count by (__name__) ({job=\"$1\",type=\"container\",name!=\"\"})" | sed 's/^__name__=//; s/ .*//' | sort; }
names lxd >"$tmp/lxd.names"
names lxfd-h1 >"$tmp/lxfd.names"
[ "$(wc -l <"$tmp/lxd.names")" -ge 20 ] || fail "LXD gave few instance metrics: $(cat "$tmp/lxd.names")"
assert_eq "" "$(comm -23 "$tmp/lxd.names" "$tmp/lxfd.names")" "LXD's instance metrics missing from lxfd's"
extra=$(comm -13 "$tmp/lxd.names" "$tmp/lxfd.names" |
	grep -vxE 'lxd_cpu_effective_total|lxd_filesystem_(avail|free|size)_bytes|lxd_memory_OOM_kills_total' || true)
assert_eq "" "$extra" "lxfd's instance metrics that no LXD has"
stop_prom
