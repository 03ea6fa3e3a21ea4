#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# covers: lxf list
# covers: GET /1.0/instances (via pylxd), POST /1.0/instances (via pylxd)
# covers: PUT /1.0/instances/{name}/state (via pylxd), POST /1.0/instances/{name}/exec (via pylxd)
# covers: DELETE /1.0/instances/{name} (via pylxd)
#
# pylxd (Debian's python3-pylxd, websockets through ws4py) against lxfd on
# its unix socket: list, create from an image alias, start, exec (output,
# stderr, exit code, environment, stdin), stop and delete, with lxfd's and
# liblxc's views checked after each step. Bad requests raise and change
# nothing. Debian's pylxd is for Debian's python3: /usr/bin/python3.
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
echo "PASS: pylxd drives lxfd"
