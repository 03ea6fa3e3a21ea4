#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# bench/api-time.py: times one daemon action from inside one client
# process, so that the figure is the daemon's answer and not the start-up of
# curl and jq (two curls and a jq per async call cost 50-150 ms on this
# shared machine, more than lxfd's whole stop). Used by bench/daemon.sh for
# both daemons alike.
#
#   bench/api-time.py SOCKET launch NAME   create from alias busybox + start
#   bench/api-time.py SOCKET stop NAME     stop --force
#
# Prints the milliseconds from the first request sent to the operation's
# end (each async call is followed by GET .../wait, as lxc does). Fails,
# without a figure, when the daemon reports an error or the container does
# not end up in the expected state.
import http.client
import json
import socket
import sys
import time


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("lxd", timeout=300)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def call(sock, method, path, body=None):
    c = UnixConn(sock)
    data = json.dumps(body) if body is not None else None
    c.request(method, path, body=data, headers={"Content-Type": "application/json"})
    r = json.loads(c.getresponse().read())
    c.close()
    if r.get("type") == "error":
        raise RuntimeError(f"{method} {path}: {r.get('error')}")
    if r.get("type") == "async":
        c = UnixConn(sock)
        c.request("GET", r["operation"] + "/wait?timeout=120")
        w = json.loads(c.getresponse().read())
        c.close()
        md = w.get("metadata") or {}
        if md.get("status_code") != 200:
            raise RuntimeError(f"{method} {path}: {md.get('err') or w.get('error')}")
    return r


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("launch", "stop"):
        sys.exit("usage: api-time.py SOCKET launch|stop NAME")
    sock, action, name = sys.argv[1:]
    url = "/1.0/instances/" + name
    t0 = time.monotonic()
    if action == "launch":
        # As lxc launch does it: create, then start.
        call(sock, "POST", "/1.0/instances",
             {"name": name, "source": {"type": "image", "alias": "busybox"}})
        call(sock, "PUT", url + "/state", {"action": "start"})
        want = "Running"
    else:
        call(sock, "PUT", url + "/state", {"action": "stop", "force": True, "timeout": -1})
        want = "Stopped"
    ms = (time.monotonic() - t0) * 1000
    got = call(sock, "GET", url + "/state")["metadata"]["status"]
    if got != want:
        sys.exit(f"api-time.py: {name} is {got} after {action}, not {want}")
    print(f"{ms:.1f}")


if __name__ == "__main__":
    try:
        main()
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        sys.exit(f"api-time.py: {e}")
