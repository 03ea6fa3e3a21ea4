#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# covers: lxf plan
#
# lxf plan -f FILE (issue #16) against two lxfd hosts holding instances
# made by hand: the text lines (profile, create, update, conflict), the
# JSON for scripts, exit 2 with changes, 0 with nothing to do, 1 when no
# remote answers; a file's missing HTTPS remote added to config.yml with
# its token (the only write a plan makes); a down host named on stderr and
# its instances unplaced while the plan still exits 2; and no write
# request on any daemon from any other plan.
set -euo pipefail
# Each daemon logs every request at debug level: the writes are counted there.
export LXF_E2E_DEBUG=1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# writes N: how many write requests host N's lxfd has logged so far.
writes() { host_writes "$1" | wc -l; }

hosts_up 2
hosts_import_image
dir=$LXFE_RUN/apply
mkdir -p "$dir"
cd "$dir"

# By hand: web-1 of the stack with an old config, a profile small that
# differs from the file's on h1, and cache on h2 that is of no stack.
assert_exit 0 lxf_run launch busybox h1:web-1 -c user.lxf.stack=st -c user.lxf.provisioned=1 \
	-c environment.ROLE=old
assert_exit 0 lxf_run profile create h1:small
assert_exit 0 lxf_run profile set h1:small limits.cpu 2
assert_exit 0 lxf_run launch busybox h2:cache -c environment.ROLE=mine

cat >plan.yaml <<'YAML'
version: 1
name: st
profiles:
  small:
    config: {limits.cpu: "1"}
defaults: {image: busybox}
instances:
  - name: web-{1..2}
    remote: h1
    config: {environment.ROLE: web}
  - {name: app, remote: h1, profiles: [default, small]}
  - {name: db, remote: h2, profiles: [default, small], state: stopped}
  - {name: cache, remote: h2}
YAML
# --- a remote of the file missing from config.yml is added as `lxf remote
# add NAME URL --token T` would: its certificate pinned, the client trusted
# (the one write of a plan, so before the writes are counted).
ip=$(host_ip 1)
assert_exit 0 lxf_run config set h1: core.https_address "$ip:8443"
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip/8443" || fail "h1 is not listening on HTTPS"
assert_exit 0 lxf_run config trust add h1: --name apply
APPLY_E2E_TOKEN=$(tail -n 1 <<<"$LXFE_OUT")
export APPLY_E2E_TOKEN
cat >added.yaml <<YAML
version: 1
name: other
remotes:
  s1: {url: "https://$ip:8443", token: "\${APPLY_E2E_TOKEN}"}
instances:
  - {name: solo, remote: s1, image: busybox}
YAML
assert_exit 2 lxf_run plan -f added.yaml </dev/null
assert_eq "+ create solo on s1" "$(head -n 1 <<<"$LXFE_OUT")" "plan over an added remote"
assert_exit 0 lxf_run remote list -f csv
assert_contains "$LXFE_OUT" "s1,https://$ip:8443"
[ -s "$LXF_CONF/servercerts/s1.crt" ] || fail "the added remote's certificate is not pinned"

w1=$(writes 1)
w2=$(writes 2)
[ "$w1" -gt 0 ] && [ "$w2" -gt 0 ] || fail "no write request logged by the launches: no --debug log?"

# --- text: one line per action, changes indented, the summary last
assert_exit 2 lxf_run plan -f plan.yaml
out=$LXFE_OUT
assert_contains "$out" '~ profile small on h1
    config limits.cpu: "2" -> "1"'
assert_contains "$out" '+ profile small on h2'
assert_contains "$out" '~ update web-1 on h1
    config environment.ROLE: "old" -> "web"'
assert_contains "$out" '+ create web-2 on h1'
assert_contains "$out" '+ create app on h1'
assert_contains "$out" '+ create db on h2'
assert_contains "$out" '! conflict cache on h2: exists on h2 and is not of stack st'
assert_eq 'Plan: 4 to create, 2 to update, 0 to move, 0 to delete; 0 drifted, 1 conflicts, 0 unplaced.' \
	"$(tail -n 1 <<<"$out")" "summary line"
assert_eq "" "$LXFE_ERR" "stderr with every remote up"
# Profiles come first, then the instances in the file's order.
assert_eq "~ + ~ + + + !" "$(grep -v '^ ' <<<"$out" | head -n 7 | cut -c1 | tr '\n' ' ' | sed 's/ $//')" \
	"order of the actions"

# --- JSON for scripts: the same plan
assert_exit 2 lxf_run plan -f plan.yaml --format json
python3 -c '
import json, sys
p = json.load(sys.stdin)
kinds = [(a["kind"], a["name"], a["remote"]) for a in p["actions"]]
assert kinds == [("profile-update", "small", "h1"), ("profile-create", "small", "h2"),
                 ("update", "web-1", "h1"), ("create", "web-2", "h1"), ("create", "app", "h1"),
                 ("create", "db", "h2"), ("conflict", "cache", "h2")], kinds
web1 = p["actions"][2]
assert web1["changes"] == [{"field": "config", "key": "environment.ROLE", "old": "old",
                            "new": "web"}], web1
assert web1["from"] is None and web1["replace"] is False and web1["adopt"] is False, web1
assert p["summary"]["create"] == 3 and p["summary"]["conflict"] == 1, p["summary"]
assert p["down"] == [], p["down"]
' <<<"$LXFE_OUT" || fail "plan --format json: $LXFE_OUT"
assert_exit 2 lxf_run plan -f plan.yaml --format yaml
assert_contains "$LXFE_OUT" "kind: conflict"

# --- --adopt takes cache over: an update, no conflict
assert_exit 2 lxf_run plan -f plan.yaml --adopt
assert_contains "$LXFE_OUT" "~ update cache on h2 (adopt)"
assert_not_contains "$LXFE_OUT" "! conflict"

# --- usage errors name what is wrong
assert_exit 2 lxf_run plan -f plan.yaml --only nope --replace web-9 --only web-1
assert_contains "$LXFE_ERR" "Error: no such instance in plan.yaml: --replace web-9, --only nope"
assert_exit 2 lxf_run plan -f plan.yaml --format csv
assert_contains "$LXFE_ERR" "unknown format 'csv'"
assert_exit 2 lxf_run plan

# --- nothing to do: exit 0
cat >same.yaml <<'YAML'
version: 1
name: st
instances:
  - {name: web-1, remote: h1, image: busybox, config: {environment.ROLE: old}}
YAML
assert_exit 0 lxf_run plan -f same.yaml
assert_eq "Nothing to do: the fleet matches same.yaml." "$LXFE_OUT" "no-change plan"

assert_exit 2 lxf_run plan -f added.yaml </dev/null

# Every plan above was reads only.
assert_eq "$w1" "$(writes 1)" "write requests on h1 during plan"
assert_eq "$w2" "$(writes 2)" "write requests on h2 during plan"

# --- h2 down: named on stderr, its instances unplaced, the rest still planned
pid=$(host_lxfd_pid 2)
[ -n "$pid" ] || fail "no lxfd on h2"
kill "$pid"
wait_until 30 sh -c "! kill -0 $pid" || fail "lxfd of h2 did not stop"
assert_exit 2 lxf_run plan -f plan.yaml
assert_contains "$LXFE_ERR" "Warning: remote h2 is down: "
assert_contains "$LXFE_OUT" "! unplaced db: remote h2 is down"
assert_contains "$LXFE_OUT" "! unplaced cache: remote h2 is down"
assert_contains "$LXFE_OUT" "+ create web-2 on h1"
assert_not_contains "$LXFE_OUT" "on h2"
assert_exit 2 lxf_run plan -f plan.yaml --format json
python3 -c '
import json, sys
p = json.load(sys.stdin)
assert [d["remote"] for d in p["down"]] == ["h2"] and p["down"][0]["error"], p["down"]
assert p["summary"]["unplaced"] == 2, p["summary"]
' <<<"$LXFE_OUT" || fail "plan --format json with h2 down: $LXFE_OUT"

# --- no remote of the file answers: an error
cat >h2only.yaml <<'YAML'
version: 1
name: st
instances:
  - {name: db, remote: h2, image: busybox}
YAML
assert_exit 1 lxf_run plan -f h2only.yaml
assert_contains "$LXFE_ERR" "Warning: remote h2 is down: "
assert_contains "$LXFE_ERR" "Error: no remote of h2only.yaml answers"
assert_eq "$w1" "$(writes 1)" "write requests on h1 at the end"

echo "test-apply-plan: ok"
