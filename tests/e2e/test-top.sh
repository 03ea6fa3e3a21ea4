#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf top
#
# lxf top over two lxfd hosts and a remote that does not answer: one busy
# container (a shell loop burning a CPU) on h1, an idle one on each host,
# a stopped one on h2. `lxf top --once` shows the busy one first with the
# highest CPU%, the idle ones after it, the stopped one not at all, a
# totals row per answering host, and names the unreachable remote (exit
# 3, as lxf list). The JSON has stable fields; CSV and -s name sort; on a
# terminal (tmux) keys sort and q quits; a bad sort key or interval is a
# usage error. lxfd's /1.0/metrics is what is read (source "metrics"); the
# fallback to the instances' state for a remote without it is unit-tested
# (test_metrics) and was this test's path before lxfd had the endpoint.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 2
hosts_import_image 1 2

assert_exit 0 lxf_run launch busybox h1:busy
assert_exit 0 lxf_run launch busybox h1:idle1
assert_exit 0 lxf_run launch busybox h2:idle2
assert_exit 0 lxf_run init busybox h2:off
# The loop runs on in the container after exec's shell has ended.
assert_exit 0 lxf_run exec h1:busy -- sh -c "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &"

# A remote whose lxfd is not there: named, the others still shown.
cat >>"$LXF_CONF/config.yml.add" <<EOC
  gone:
    addr: unix://$LXFE_RUN/no-such-dir/unix.socket
    protocol: lxd
    public: false
EOC
sed -i "/^remotes:/r $LXF_CONF/config.yml.add" "$LXF_CONF/config.yml"

# Each --once waits for the endpoints' 8 s cache to refresh twice: the
# three runs wait together.
o=$LXFE_RUN/top
lxf_run top --once -n 1 -f json >"$o-json" 2>"$o-json.err" &
p_json=$!
lxf_run top h1 h2: --once -n 1 >"$o-table" 2>&1 &
p_table=$!
lxf_run top h2 --once -n 1 -f csv -s name >"$o-csv" 2>&1 &
p_csv=$!
rc=0
wait "$p_json" || rc=$?
LXFE_OUT=$(cat "$o-json")
assert_eq 3 "$rc" "lxf top -f json with a remote down: exit status"
assert_contains "$(cat "$o-json.err")" "remote 'gone'" "the unreachable remote named"
printf '%s' "$LXFE_OUT" | python3 -c '
import json, sys
t = json.load(sys.stdin)
fields = {"remote", "project", "name", "cpu_percent", "memory_bytes", "network_rx_bps",
          "network_tx_bps", "disk_read_bps", "disk_write_bps", "processes", "source"}
insts = t["instances"]
names = [i["name"] for i in insts]
assert sorted(names) == ["busy", "idle1", "idle2"], names
for i in insts:
    assert set(i) == fields, sorted(i)
assert names[0] == "busy", names
busy = insts[0]
assert busy["remote"] == "h1" and busy["project"] == "default", busy
assert busy["cpu_percent"] > 0, busy
for i in insts[1:]:
    assert i["cpu_percent"] is not None and i["cpu_percent"] < busy["cpu_percent"], i
    assert i["memory_bytes"] > 0 and i["processes"] >= 1, i
hosts = {h["remote"]: h for h in t["hosts"]}
assert set(hosts) == {"h1", "h2", "gone"}, hosts
assert hosts["h1"]["instances"] == 2 and hosts["h2"]["instances"] == 1, hosts
assert hosts["h1"]["cpu_percent"] >= busy["cpu_percent"], hosts
assert hosts["h1"]["error"] is None and "gone" in hosts["gone"]["error"], hosts
assert hosts["gone"]["instances"] == 0 and hosts["gone"]["cpu_percent"] is None, hosts
assert all(i["source"] == "metrics" for i in insts), insts  # the endpoint of lxfd
print("json ok")
' || fail "lxf top -f json: $LXFE_OUT"

# The table: hosts' totals first, then the busy container on top.
wait "$p_table" || fail "lxf top h1 h2: --once: $(cat "$o-table")"
LXFE_OUT=$(cat "$o-table")
rows=$(grep '^| h' <<<"$LXFE_OUT" | tr -d ' ')
assert_contains "$(sed -n 1p <<<"$rows")" "|h1||" "h1's totals first"
assert_contains "$(sed -n 3p <<<"$rows")" "|h1|busy|" "the busy container first"
assert_not_contains "$LXFE_OUT" "off" "a stopped container is absent"
wait "$p_csv" || fail "lxf top h2 -f csv: $(cat "$o-csv")"
LXFE_OUT=$(cat "$o-csv")
assert_eq "h2,," "$(sed -n 1p <<<"$LXFE_OUT" | cut -d, -f1-2)," "csv: the host row"
assert_contains "$(sed -n 2p <<<"$LXFE_OUT")" "h2,idle2," "csv: the instance row"

# On a terminal: a live screen with the hint line, keys that sort, q quits.
# shellcheck source-path=SCRIPTDIR source=tui.sh
. "$(dirname "$0")/tui.sh"
TUI=$LXFE_LXF
tui_start top -n 1 h1 h2
need 30 screen_has "sorted by cpu"
need 30 screen_has "| busy "
keys N
need 10 screen_has "sorted by name"
keys q
need 10 tui_quit
assert_eq 0 "$(cat "$LXFE_RUN/tui-rc.$NTS")" "lxf top's exit status after q"

assert_exit 2 lxf_run top -s colour --once
assert_contains "$LXFE_ERR" "bad --sort 'colour'"
assert_exit 2 lxf_run top -n 0 --once
assert_contains "$LXFE_ERR" "bad interval '0'"
assert_exit 2 lxf_run top -f json
assert_contains "$LXFE_ERR" "need --once"
assert_exit 2 lxf_run top h1:busy --once
