#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/list-floor.sh: the floor of `lxf list` over many remotes (issue #20's
# "at most 2.5x one remote's"). One real lxfd host with PER_HOST busybox
# containers (RUNNING running) gives the answer `lxf list h1:` gets; then N
# copies of a minimal C server (accept, read the request head, write that
# captured answer, close: a daemon that costs nothing) stand in for N
# remotes, and `lxf list` over the N is measured against `lxf list` over
# one, in the same minutes. Whatever ratio this gives, no daemon doing real
# work can beat with this client; the servers' CPU per answer is printed
# beside it.
#
#   bench/list-floor.sh [--remotes N] [--per-host M] [--running R] [BUILD_DIR]
#       N 200, M 10, R 2; BENCH_RUNS (10) rounds. Root. Prints a table.

set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
nrem=200 per_host=10 running=2
while [ $# -gt 0 ]; do
	case "$1" in
	--remotes | --per-host | --running)
		[ $# -ge 2 ] || { echo "bench/list-floor.sh: $1 needs a value" >&2; exit 2; }
		case "$1" in
		--remotes) nrem=$2 ;; --per-host) per_host=$2 ;; --running) running=$2 ;;
		esac
		shift 2
		;;
	-h | --help) sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
	-*) echo "bench/list-floor.sh: unknown option $1" >&2 && exit 2 ;;
	*) export LXF_BUILD=$1 && shift ;;
	esac
done
[ "$nrem" -ge 2 ] && [ "$nrem" -le 1000 ] || { echo "bench/list-floor.sh: --remotes from 2 to 1000" >&2; exit 2; }
export LXF_BUILD=${LXF_BUILD:-$top/build}
RUNS=${BENCH_RUNS:-10}
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
command -v hyperfine >/dev/null || fail "hyperfine missing (scripts/deps)"
command -v cc >/dev/null || fail "a C compiler is needed for the minimal server"
B=$LXFE_RUN/floor
mkdir -p "$B/no-local"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

cat >"$B/mini.c" <<'C'
/* A daemon that costs nothing: answer every request with one file. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	static char ans[1 << 20], req[8192];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	FILE *f;
	size_t n;
	int s;

	if (argc != 3 || !(f = fopen(argv[2], "rb")))
		return 2;
	n = fread(ans, 1, sizeof(ans), f);
	fclose(f);
	strncpy(a.sun_path, argv[1], sizeof(a.sun_path) - 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 128))
		return 1;
	for (;;) {
		size_t got = 0;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		while (got < sizeof(req) - 1) {
			ssize_t r = read(c, req + got, sizeof(req) - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		if (write(c, ans, n) < 0)
			perror("write");
		close(c);
	}
}
C
cc -O2 -o "$B/mini" "$B/mini.c" || fail "cannot build the minimal server"

# --- The real answer: one lxfd host, the request `lxf list h1:` sends.
LXFE_NET_HOSTS=0 hosts_up 1
hosts_populate "$per_host" "$running"
url=$(LXF_DIR=$LXFE_RUN/no-local strace -f -s 1024 -e trace=sendto "$LXFE_LXF" list h1: 2>&1 >/dev/null |
	sed -n 's/.*"GET \([^ ]*\) HTTP.*/\1/p' | head -n 1)
[ -n "$url" ] || fail "no request of lxf list h1: seen"
curl -sf -o "$B/body" --unix-socket "$(host_socket 1)" "http://lxd$url" || fail "GET $url"
{
	printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n' "$(stat -c %s "$B/body")"
	cat "$B/body"
} >"$B/answer"

# --- N minimal servers, configs of N remotes and of one.
pids=()
for ((i = 1; i <= nrem; i++)); do
	"$B/mini" "$B/f$i.sock" "$B/answer" &
	pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for ((i = 1; i <= nrem; i++)); do
	wait_until 10 test -S "$B/f$i.sock" || fail "minimal server $i did not listen"
done
conf() { # DIR N: config.yml of remotes f1..fN
	mkdir -p "$1"
	{
		echo "remotes:"
		for ((i = 1; i <= $2; i++)); do
			printf '  f%s:\n    addr: unix://%s/f%s.sock\n    protocol: lxd\n    public: false\n' "$i" "$B" "$i"
		done
		echo "default-remote: f1"
	} >"$1/config.yml"
}
conf "$B/conf1" 1
conf "$B/confN" "$nrem"

# hf NAME CMD: median wall and mean user+sys of CMD in ms (RUNS rounds).
hf() {
	hyperfine -N -i -w 2 -r "$RUNS" --export-json "$B/$1.json" "$2" >/dev/null 2>&1 || fail "hyperfine $1 failed: $2"
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.1f %.1f" % (r["median"] * 1000, (r["user"] + r["system"]) * 1000))' "$B/$1.json"
}
ticks() { for p in "${pids[@]}"; do cat "/proc/$p/stat"; done | awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t }'; }
lxf="env LXF_DIR=$B/no-local $LXFE_LXF"
read -r -a real <<<"$(hf real-one "env LXF_CONF=$LXF_CONF $lxf list h1:")"
read -r -a one <<<"$(hf one "env LXF_CONF=$B/conf1 $lxf list")"
k0=$(ticks)
read -r -a all <<<"$(hf all "env LXF_CONF=$B/confN $lxf list")"
k1=$(ticks)
# Each hyperfine round (warm-ups too) asks every server once.
srv_ms=$(python3 -c "print('%.3f' % (($k1 - $k0) * 1000 / $(getconf CLK_TCK) / (($RUNS + 2) * $nrem)))")
rows=$(LXF_CONF=$B/confN LXF_DIR=$B/no-local "$LXFE_LXF" list -f csv -c n | wc -l)
[ "$rows" = $((nrem * per_host)) ] || fail "lxf list over the minimal servers gave $rows rows, not $((nrem * per_host))"

row() { printf '| %-62s | %22s |\n' "$@"; }
echo
echo "bench/list-floor.sh: $nrem minimal servers, each answering $per_host containers ($running running) as lxfd does; load at start $LOAD_START"
echo "request: $url ($(stat -c %s "$B/body") bytes)"
row "figure (median wall / mean CPU of lxf, ms)" "value"
row "---" "---"
row "\`lxf list h1:\`, the real lxfd" "${real[0]} / ${real[1]}"
row "\`lxf list\`, one minimal server" "${one[0]} / ${one[1]}"
row "\`lxf list\`, $nrem minimal servers" "${all[0]} / ${all[1]}"
row "ratio ($nrem / one minimal server), wall" "$(python3 -c "print('%.2fx' % (${all[0]} / ${one[0]}))")"
row "per extra remote: wall / lxf CPU" "$(python3 -c "print('%.3f / %.3f ms' % ((${all[0]} - ${one[0]}) / ($nrem - 1), (${all[1]} - ${one[1]}) / ($nrem - 1)))")"
row "minimal server CPU per answer" "$srv_ms ms"
