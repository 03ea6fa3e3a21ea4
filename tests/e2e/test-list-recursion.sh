#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf launch, lxf init, lxf restart, lxf snapshot, lxf profile create, lxf profile set
# covers: lxf profile add
# covers: GET /1.0/instances, GET /1.0/instances/{name}/state, GET /1.0/instances/{name}/snapshots
#
# GET /1.0/instances?recursion=2 reads profiles and snapshots once for all
# rows and renders rows in a few threads that read each container's netns
# inline (daemon/api/api_instances.c, backend/backend_state.c): every row must still
# equal what the per-instance endpoints say (GET /1.0/instances/NAME,
# /snapshots?recursion=1, /state), with several profiles, snapshots, more
# running containers than list threads, and a profile changed between two
# lists; fields= (lxfd's extension lxf_instances_fields) cuts each row to
# the members named. Then the columns `lxf list -c` prints (cli/cmd-list.c).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hosts_up 1
hosts_import_image 1
sock=$(host_socket 1)
api() { curl -s --unix-socket "$sock" "$@"; }

assert_exit 0 lxf_run profile create h1:extra
assert_exit 0 lxf_run profile set h1:extra user.tag=one
assert_exit 0 lxf_run profile set h1:extra limits.memory=256MB
for i in 1 2 3 4 5 6 7 8 9; do
	assert_exit 0 lxf_run launch busybox "h1:r$i"
done
assert_exit 0 lxf_run init busybox h1:s1 -p default -p extra
assert_exit 0 lxf_run profile add h1:r2 extra
assert_exit 0 lxf_run snapshot h1:r3 snap0
assert_exit 0 lxf_run snapshot h1:r3 snap1
assert_exit 0 lxf_run snapshot h1:s1 only
for i in 1 2 3 4 5 6 7 8 9; do
	wait_until 30 container_is 1 "r$i" RUNNING || fail "r$i not RUNNING"
done

# compare: each recursion=2 row against the per-instance answers, live
# counters left out (they move between two reads).
compare() {
	local f=$LXFE_RUN/list-rows.json
	api 'lxd/1.0/instances?recursion=2' >"$f"
	python3 - "$sock" "$f" <<'PY' || fail "recursion=2 rows differ from the per-instance answers"
import json, socket, sys, http.client
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])
def get(p):
    c = C("lxd"); c.request("GET", p); r = json.loads(c.getresponse().read()); c.close()
    return r["metadata"]
def strip(st):
    for k in ("cpu", "memory", "processes"):
        st.pop(k, None)
    for n in st.get("network", {}).values():
        n.pop("counters", None)
    return st
rows = json.load(open(sys.argv[2]))["metadata"]
names = sorted(r["name"] for r in rows)
assert names == sorted(["r%d" % i for i in range(1, 10)] + ["s1"]), names
bad = 0
for r in rows:
    n = r["name"]
    one = get("/1.0/instances/" + n)
    for k in one:
        if one[k] != r[k]:
            print("%s: %s differs: %r vs %r" % (n, k, r[k], one[k])); bad += 1
    if r["snapshots"] != get("/1.0/instances/%s/snapshots?recursion=1" % n):
        print(n + ": snapshots differ"); bad += 1
    if strip(r["state"]) != strip(get("/1.0/instances/%s/state" % n)):
        print(n + ": state differs"); bad += 1
    if r["status"] == "Running" and not r["state"]["network"].get("eth0", {}).get("host_name"):
        print(n + ": no eth0 host_name"); bad += 1
sys.exit(1 if bad else 0)
PY
	cat "$f"
}

list=$(compare)
row() { python3 -c 'import json,sys
for r in json.load(sys.stdin)["metadata"]:
    if r["name"] == sys.argv[1]:
        print(r["expanded_config"].get("user.tag", "-"), len(r["snapshots"]),
              ",".join(s["name"] for s in r["snapshots"]), r["status"])' "$1"; }
assert_eq "one 0  Running" "$(row r2 <<<"$list")" "r2: extra's config expanded"
assert_eq "- 2 snap0,snap1 Running" "$(row r3 <<<"$list")" "r3: its snapshots, in order"
assert_eq "one 1 only Stopped" "$(row s1 <<<"$list")" "s1: stopped, profile and snapshot"

# A profile changed between two lists: the next list shows it.
assert_exit 0 lxf_run profile set h1:extra user.tag=two
list=$(compare)
assert_eq "two 0  Running" "$(row r2 <<<"$list")" "r2 after the profile edit"
assert_eq "two 1 only Stopped" "$(row s1 <<<"$list")" "s1 after the profile edit"

# A restart between two lists: the new init's pid and interfaces.
assert_exit 0 lxf_run restart -f h1:r5
wait_until 30 container_is 1 r5 RUNNING || fail "r5 not RUNNING after restart"
list=$(compare)
assert_eq "$(container_pid 1 r5)" "$(python3 -c 'import json,sys
print([r for r in json.load(sys.stdin)["metadata"] if r["name"] == "r5"][0]["state"]["pid"])' <<<"$list")" "r5 pid after restart"

# fields= (lxfd's api extension lxf_instances_fields, what lxf list sends):
# each row holds exactly the named members of the whole row (dotted paths,
# parents only with what is named), with a filter= applied to whole rows.
assert_contains "$(api lxd/1.0)" '"lxf_instances_fields"'
fields() { # QUERY KEEP: the cut answer against the whole one cut here
	api "lxd/1.0/instances?$1" >"$LXFE_RUN/full.json"
	api "lxd/1.0/instances?$1&fields=$2" >"$LXFE_RUN/cut.json"
	python3 - "$LXFE_RUN/full.json" "$LXFE_RUN/cut.json" "$2" <<'PY' || fail "fields=$2 ($1)"
import json, sys
full, cut = (json.load(open(f))["metadata"] for f in sys.argv[1:3])
keep = sys.argv[3].split(",")
def prune(o, path):  # dotted paths; keys may hold dots (user.tag)
    out = {}
    for k, v in o.items():
        p = path + k
        if p in keep:
            out[k] = v
        elif isinstance(v, dict) and any(kp.startswith(p + ".") for kp in keep):
            out[k] = prune(v, p + ".")
    return out
def steady(o):  # counters move between two reads
    st = o.get("state", {})
    for k in ("cpu", "memory", "processes"):
        st.pop(k, None)
    for n in st.get("network", {}).values():
        n.pop("counters", None)
    return o
want = [steady(prune(r, "")) for r in full]
got = [steady(r) for r in cut]
assert got == want, "%r\n!=\n%r" % (got[:2], want[:2])
assert len(got) > 0
PY
}
fields recursion=2 name,location,status,state.network,snapshots,type,ephemeral,remote
fields recursion=2 name,status,expanded_config.user.tag,state.pid
fields recursion=1 name,status,expanded_devices,config
fields 'recursion=2&filter=status%20eq%20Running' name,state.network
fields 'recursion=2&filter=expanded_config.user.tag%20eq%20two' name,snapshots

# `lxf list -c` prints exactly the columns asked, in that order, as
# `lxc list -c ns -f csv` prints "name,state" lines; r is the remote's
# letter, and only the default columns (no -c) put the remote first.
assert_exit 0 lxf_run list h1: -c ns -f csv
assert_eq "$(printf 'r%d,RUNNING\n' 1 2 3 4 5 6 7 8 9)
s1,STOPPED" "$LXFE_OUT" "-c ns: name and state, nothing else"
assert_exit 0 lxf_run list h1:s1 -c sr,n -f csv
assert_eq "STOPPED,h1,s1" "$LXFE_OUT" "-c sr,n: the state, the remote, the name"
assert_exit 0 lxf_run list h1:s1 -c rn
assert_contains "$LXFE_OUT" "| REMOTE | NAME |" "the remote's header"
assert_exit 0 lxf_run list h1:s1 -f csv
assert_eq "h1,s1,STOPPED,,,CONTAINER,1" "$LXFE_OUT" "default columns: the remote first"

lxfe_log "list rows: ok"
