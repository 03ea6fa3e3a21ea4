#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list
# covers: GET /1.0/instances (via pylxd), POST /1.0/instances (via pylxd)
# covers: PUT /1.0/instances/{name}/state (via pylxd), POST /1.0/instances/{name}/exec (via pylxd)
# covers: DELETE /1.0/instances/{name} (via pylxd)
# covers: POST /1.0/certificates (via pylxd), POST /1.0/images (via pylxd)
#
# pylxd (Debian's python3-pylxd, websockets through ws4py) against lxfd on
# its unix socket: list, create from an image alias, start, exec (output,
# stderr, exit code, environment, stdin), stop and delete, with lxfd's and
# liblxc's views checked after each step. Bad requests raise and change
# nothing. Then what issue #18 found pylxd scripts need: publishing an
# instance and a snapshot, volatile.last_state.power kept as LXD does
# across a daemon restart and a stop from inside, and enrolling over HTTPS
# with the trust password (the certificate in 64-character lines). Debian's
# pylxd is for Debian's python3: /usr/bin/python3.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import pylxd, ws4py' 2>/dev/null ||
	fail "pylxd or ws4py missing for $PY (scripts/deps installs python3-pylxd python3-ws4py)"

hosts_up 1
hosts_import_image 1

# Each step is a python snippet run with `c` a connected pylxd.Client and
# `mgr` its instance manager; it fails the test by raising.
py() {
	timeout 120 "$PY" -W ignore -c '
import sys, urllib.parse, pylxd
from pylxd.exceptions import LXDAPIException, NotFound
c = pylxd.Client(endpoint="http+unix://" + urllib.parse.quote(sys.argv[1], safe=""))
mgr = c.instances if hasattr(c, "instances") else c.containers
def expect(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
def raises(fn, exc, text):
    try:
        fn()
    except exc as e:
        expect(text in str(e), "error %r lacks %r" % (str(e), text))
        return
    sys.exit("FAIL: no %s raised (%s)" % (exc.__name__, text))
exec(sys.argv[2])
' "$(host_socket 1)" "$1" || {
		rc=$?
		[ "$rc" -ne 124 ] || fail "pylxd hung (120 s) in the step: $1"
		fail "pylxd step failed (exit $rc): $1"
	}
}

py '
expect([i.name for i in mgr.all()] == [], "no instances at start")
expect(c.host_info["api_version"] == "1.0", "api_version")
raises(lambda: mgr.create({"name": "p1", "source": {"type": "image", "alias": "nosuch"}}, wait=True),
       LXDAPIException, "not found")
raises(lambda: mgr.create({"name": "bad/name", "source": {"type": "image", "alias": "busybox"}},
       wait=True), LXDAPIException, "")
expect([i.name for i in mgr.all()] == [], "no instances after bad creates")
i = mgr.create({"name": "p1", "source": {"type": "image", "alias": "busybox"},
                "config": {"environment.GREETING": "hello"}}, wait=True)
expect(i.name == "p1" and i.status == "Stopped", "created p1 stopped, got %s" % i.status)
expect([x.name for x in mgr.all()] == ["p1"], "list after create")
expect(mgr.exists("p1") and not mgr.exists("nosuch"), "exists()")
'
assert_eq STOPPED "$(container_state 1 p1)" "liblxc's view after create"

py '
i = mgr.get("p1")
i.start(wait=True)
i.sync()
expect(i.status == "Running", "running after start, got %s" % i.status)
expect(i.state().pid > 1, "state().pid")
'
assert_eq RUNNING "$(container_state 1 p1)" "liblxc's view after start"
assert_exit 0 lxf_run list h1: -f csv -c n,s
assert_contains "$LXFE_OUT" "p1,RUNNING" "lxf list after pylxd start"

# shellcheck disable=SC2016 # $GREETING is for the container's sh
py '
i = mgr.get("p1")
r = i.execute(["echo", "hi"])
expect(tuple(r) == (0, "hi\n", ""), "echo hi: %r" % (r,))
r = i.execute(["sh", "-c", "echo out; echo err >&2; exit 3"])
expect(tuple(r) == (3, "out\n", "err\n"), "exit 3: %r" % (r,))
r = i.execute(["sh", "-c", "echo $GREETING $EXTRA"], environment={"EXTRA": "world"})
expect(r.stdout == "hello world\n", "environment: %r" % (r,))
r = i.execute(["cat"], stdin_payload="line1\nline2\n")
expect(r.exit_code == 0 and r.stdout == "line1\nline2\n", "stdin: %r" % (r,))
r = i.execute(["no-such-command"])
expect(r.exit_code == 127, "missing command: %r" % (r,))
'

# A ws4py reader thread that lags (a loaded machine; the ASan lxfd in CI):
# it reads our frames only after pylxd saw "return" and closed its side.
# lxfd ends a stream with LXD's empty-message barrier and leaves the close
# to the client; hanging up first made close_all() raise BrokenPipeError, or
# left ws4py never reporting the socket closed (execute() hung).
py '
import time, ws4py.websocket as W
orig = W.WebSocket.once
def once(self):
    if not getattr(self, "_lxf_slowed", False):
        self._lxf_slowed = True
        time.sleep(0.5)
    return orig(self)
W.WebSocket.once = once
i = mgr.get("p1")
for k in range(3):
    r = i.execute(["sh", "-c", "echo out; echo err >&2; exit 2"])
    expect(tuple(r) == (2, "out\n", "err\n"), "lagging reader, run %d: %r" % (k, r))
'

py '
i = mgr.get("p1")
raises(lambda: i.delete(wait=True), LXDAPIException, "running")
i.stop(wait=True)
i.sync()
expect(i.status == "Stopped", "stopped, got %s" % i.status)
'
assert_eq STOPPED "$(container_state 1 p1)" "liblxc's view after stop"

py '
i = mgr.get("p1")
i.delete(wait=True)
expect([x.name for x in mgr.all()] == [], "list after delete")
raises(lambda: mgr.get("p1"), NotFound, "")
'
[ ! -e "$(host_dir 1)/containers/p1" ] || fail "p1's directory left after delete"
assert_exit 0 lxf_run list h1: -f csv -c n
assert_not_contains "$LXFE_OUT" "p1" "lxf list after pylxd delete"
# ---- publish(): an instance and one of its snapshots become images that launch.
py '
i = mgr.create({"name": "pub", "source": {"type": "image", "alias": "busybox"}}, wait=True)
i.snapshots.create("s0", wait=True)
# The instance differs from s0, or the two images could be byte for byte
# the same (made within one second) and the second publish refused.
i.files.put("/etc/pub-marker", b"after s0\n")
img = i.publish(wait=True)
expect(len(img.fingerprint) == 64, "instance image fingerprint %r" % img.fingerprint)
simg = i.snapshots.get("s0").publish(wait=True)
expect(len(simg.fingerprint) == 64, "snapshot image fingerprint %r" % simg.fingerprint)
fps = [x.fingerprint for x in c.images.all()]
expect(img.fingerprint in fps and simg.fingerprint in fps, "published images listed: %r" % fps)
j = mgr.create({"name": "frompub", "source": {"type": "image", "fingerprint": simg.fingerprint}},
               wait=True)
expect(j.config.get("volatile.base_image") == simg.fingerprint, "made from the snapshot image")
j.delete(wait=True)
i.delete(wait=True)
'

# ---- volatile.last_state.power as LXD keeps it (an inventory of running
# instances reads it), and volatile.uuid, through pylxd.
py '
a = mgr.create({"name": "run1", "source": {"type": "image", "alias": "busybox"}}, wait=True)
b = mgr.create({"name": "stop1", "source": {"type": "image", "alias": "busybox"}}, wait=True)
expect(len(a.config.get("volatile.uuid", "")) == 36, "volatile.uuid: %r" % a.config)
expect(a.config.get("volatile.uuid") != b.config.get("volatile.uuid"), "one uuid each")
uuid = b.config.get("volatile.uuid")
a.start(wait=True)
b.start(wait=True)
# A snapshot taken while running, restored once stopped: the instance keeps
# its own power state and uuid (a restored RUNNING made the next start-up
# of lxfd start it: test-torture found it).
b.snapshots.create("s-run", wait=True)
b.stop(wait=True)
b.restore_snapshot("s-run", wait=True)
b = mgr.get("stop1")
expect(b.status == "Stopped", "stop1 after the restore: %s" % b.status)
p = b.config.get("volatile.last_state.power")
expect(p == "STOPPED", "stop1 restored from a running snapshot: volatile.last_state.power %r" % p)
expect(b.config.get("volatile.uuid") == uuid, "stop1 uuid after the restore: %r" % b.config)
'
# The daemon goes away and comes back; run1 keeps running meanwhile.
pid=$(host_lxfd_pid 1)
[ -n "$pid" ] || fail "no lxfd on h1"
kill -TERM "$pid"
wait_until 30 sh -c "! kill -0 $pid" || fail "lxfd of h1 did not stop"
host_lxfd_restart 1
power_is() {
	py "
p = mgr.get(\"$1\").config.get(\"volatile.last_state.power\")
expect(p == \"$2\", \"$1: volatile.last_state.power %r, want $2\" % p)
"
}
power_is run1 RUNNING
power_is stop1 STOPPED
# run1 stops by itself (its init killed): the daemon records it too.
kill -KILL "$(container_pid 1 run1)"
wait_until 30 container_is 1 run1 STOPPED || fail "run1 did not stop"
py '
import time
for _ in range(300):
    p = mgr.get("run1").config.get("volatile.last_state.power")
    if p == "STOPPED":
        break
    time.sleep(0.1)
expect(p == "STOPPED", "run1 after its init died: volatile.last_state.power %r" % p)
'
py '
for n in ("run1", "stop1"):
    mgr.get(n).delete(wait=True)
'

# ---- enrolling over HTTPS with the trust password, as pylxd scripts do.
ip=$(host_ip 1)
pw=pw-$LXFE_ID
assert_exit 0 lxf_run config set h1: core.https_address "$ip:8443"
assert_exit 0 lxf_run config set h1: core.trust_password "$pw"
wait_until 20 bash -c "exec 3<>/dev/tcp/$ip/8443" || fail "h1 not on HTTPS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 \
	-subj "/CN=pylxd@lxfe" -keyout "$LXFE_RUN/pylxd.key" -out "$LXFE_RUN/pylxd.crt" 2>/dev/null
# requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE win over the session's
# verify (pylxd's): pinned to lxfd's certificate, without them.
timeout 120 env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE "$PY" -W ignore -c '
import sys, pylxd
url, crt, key, pw, srv = sys.argv[1:]
c = pylxd.Client(endpoint=url, cert=(crt, key), verify=srv)
if c.trusted:
    sys.exit("FAIL: trusted before authenticate()")
c.authenticate(pw)
if not c.trusted:
    sys.exit("FAIL: not trusted after authenticate()")
mgr = c.instances if hasattr(c, "instances") else c.containers
if [i.name for i in mgr.all()] != []:
    sys.exit("FAIL: listing over HTTPS")
' "https://$ip:8443" "$LXFE_RUN/pylxd.crt" "$LXFE_RUN/pylxd.key" "$pw" \
	"$(host_dir 1)/server.crt" ||
	fail "pylxd could not enrol over HTTPS with the trust password"
assert_exit 0 lxf_run config trust list h1: -f csv
assert_contains "$LXFE_OUT" "pylxd@lxfe" "pylxd's certificate in the trust store"
echo "PASS: pylxd drives lxfd"
