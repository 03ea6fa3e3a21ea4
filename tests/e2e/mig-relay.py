#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A bare relay-mode migration client for test-migrate-api.sh.

Drives LXD 5.0's migration API on two daemons' unix sockets, the way
`lxc copy --mode relay` does: POST {"migration": true} on the source,
POST source.type "migration" mode "push" on the target, then connects to
both operations' control and fs websockets and pumps every message across
unchanged (binary stays binary, the empty text barrier stays text). It
knows nothing of the protocol itself, so it tests the daemons, not itself.

usage: mig-relay.py SRC_SOCK NAME DST_SOCK NEWNAME [--refresh] [--instance-only]
       [--bad-secret] [--drop-after BYTES] [--no-connect] [--pull SRC_URL CERT_FILE]
       [--push-source DST_URL CERT_FILE] [--cancel-target] [--drop-hard]
       [--pause-after BYTES FILE]

--pull: no relaying; the target is told to dial the source itself
(mode "pull", operation SRC_URL/1.0/operations/ID, the source's PEM
certificate pinned), as `lxc copy` does by default. --push-source: the
source is told to dial the target's operation (DST_URL/1.0/operations/ID,
the target's certificate pinned), as `lxc copy --mode push` does.
--pause-after: once BYTES of the source's files went through, FILE is made
and the transfer holds until FILE is removed (the target's stage stays as
it is meanwhile). Prints both operations' final JSON; exits 0 only when
both succeeded.
"""
import http.client
import json
import os
import socket
import sys
import threading
import time

from ws4py.client.threadedclient import WebSocketClient


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=90)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(90)
        self.sock.connect(self.path)


def call(sock, method, url, body=None):
    c = UnixHTTP(sock)
    c.request(method, url, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = json.loads(r.read() or b"{}")
    c.close()
    return r.status, data


class Pipe(WebSocketClient):
    """One websocket; what it receives goes to its peer."""

    def __init__(self, url, label, stats):
        super().__init__(url)
        self.peer = None
        self.label = label
        self.stats = stats
        self.done = threading.Event()

    def received_message(self, m):
        data = m.data if m.data is not None else b""
        self.stats["bytes"] += len(data)
        pause = self.stats.get("pause_after")
        if pause is not None and self.label == "src-fs" and self.stats["bytes"] > pause[0]:
            del self.stats["pause_after"]
            open(pause[1], "w").close()
            while os.path.exists(pause[1]):
                time.sleep(0.1)
        lim = self.stats.get("drop_after")
        if lim is not None and self.label == "src-fs" and self.stats["bytes"] > lim:
            # The target "dies": its sockets go at once; the source hears
            # of it from the relay (a close frame), as from a client that
            # lost its other half.
            self.stats["dropped"] = True
            for p in self.stats["all"]:
                try:
                    if p.label.startswith("dst-") or self.stats.get("hard"):
                        p.sock.shutdown(socket.SHUT_RDWR)
                    else:
                        p.close()
                except Exception:  # noqa: BLE001 already gone
                    pass
            return
        if self.peer is not None:
            try:
                self.peer.send(data, binary=m.is_binary)
            except Exception:  # noqa: BLE001 the peer went away: its own close says so
                pass

    def closed(self, code, reason=None):
        self.done.set()
        if self.peer is not None and not self.peer.terminated:
            try:
                self.peer.close()
            except Exception:  # noqa: BLE001 already gone
                pass

    def unhandled_error(self, error):
        pass  # a dropped peer: the operations report what happened


def ws(sock, op, secret, label, stats):
    p = Pipe("ws+unix://" + sock, label, stats)
    p.resource = "/1.0/operations/%s/websocket?secret=%s" % (op, secret)
    return p


def main():
    # A peer that goes away mid-send is expected here (the drop tests):
    # the operations report it, not the relay's threads.
    threading.excepthook = lambda args: None
    a = sys.argv[1:]
    if len(a) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    src, name, dst, new = a[:4]
    opts = a[4:]
    refresh = "--refresh" in opts
    inst_only = "--instance-only" in opts
    stats = {"bytes": 0, "all": []}
    if "--drop-after" in opts:
        stats["drop_after"] = int(opts[opts.index("--drop-after") + 1])
    if "--pause-after" in opts:
        i = opts.index("--pause-after")
        stats["pause_after"] = (int(opts[i + 1]), opts[i + 2])
    # --drop-hard: the source's sockets go at once too (no close frame).
    stats["hard"] = "--drop-hard" in opts

    # NAME/SNAP: a snapshot sent as an instance (LXD's snapshot copy).
    inst_name, _, snap = name.partition("/")
    post_url = "/1.0/instances/" + inst_name + ("/snapshots/" + snap if snap else "")
    st, inst = call(src, "GET", "/1.0/instances/" + inst_name)
    if st != 200:
        print("source GET:", inst, file=sys.stderr)
        return 1
    meta = inst["metadata"]
    push_src = "--push-source" in opts
    sid, ssec = None, {}
    if not push_src:
        st, sop = call(src, "POST", post_url,
                       {"migration": True, "live": False, "instance_only": inst_only})
        if st != 202:
            print("source POST:", json.dumps(sop), file=sys.stderr)
            return 1
        ssec = sop["metadata"]["metadata"]
        sid = sop["metadata"]["id"]
    body = {"name": new, "config": meta.get("config", {}),
            "devices": meta.get("devices", {}), "profiles": meta.get("profiles"),
            "architecture": meta.get("architecture"),
            "source": {"type": "migration", "mode": "push", "refresh": refresh,
                       "instance_only": inst_only, "live": False}}
    pull = "--pull" in opts
    if pull:
        url = opts[opts.index("--pull") + 1]
        with open(opts[opts.index("--pull") + 2]) as f:
            cert = f.read()
        body["source"].update({"mode": "pull", "operation": url + "/1.0/operations/" + sid,
                               "certificate": cert, "secrets": ssec})
    st, top = call(dst, "POST", "/1.0/instances", body)
    if st != 202:
        print("target POST:", json.dumps(top), file=sys.stderr)
        if sid:
            call(src, "DELETE", "/1.0/operations/" + sid)
        return 1
    tsec = top["metadata"]["metadata"]
    tid = top["metadata"]["id"]
    if push_src:
        # LXD's push form: the source dials the target's websockets itself.
        url = opts[opts.index("--push-source") + 1]
        with open(opts[opts.index("--push-source") + 2]) as f:
            cert = f.read()
        st, sop = call(src, "POST", post_url,
                       {"migration": True, "live": False, "instance_only": inst_only,
                        "target": {"operation": url + "/1.0/operations/" + tid,
                                   "certificate": cert, "secrets": tsec}})
        if st != 202:
            print("source POST:", json.dumps(sop), file=sys.stderr)
            return 1
        sid = sop["metadata"]["id"]
    if "--cancel-target" in opts:
        # What lxf does on Ctrl-C: DELETE the operations.
        st, res = call(dst, "DELETE", "/1.0/operations/" + tid)
        print("cancel", st)
    elif "--no-connect" not in opts and not pull and not push_src:
        if "--bad-secret" in opts:
            bad = ws(dst, tid, "0" * 64, "bad", stats)
            try:
                bad.connect()
                print("a bad secret was accepted", file=sys.stderr)
                return 1
            except Exception:
                print("bad secret refused")
        pipes = {}
        for ch in ("control", "fs"):
            s = ws(src, sid, ssec[ch], "src-" + ch, stats)
            t = ws(dst, tid, tsec[ch], "dst-" + ch, stats)
            s.peer, t.peer = t, s
            pipes[ch] = (s, t)
            stats["all"] += [s, t]
        for s, t in pipes.values():
            t.connect()
            s.connect()
    ok = True
    for sock, oid, what in ((dst, tid, "target"), (src, sid, "source")):
        st, res = call(sock, "GET", "/1.0/operations/%s/wait?timeout=60" % oid)
        m = res.get("metadata") or {}
        print(what, json.dumps({"status": m.get("status"), "err": m.get("err"),
                                "metadata": m.get("metadata")}))
        ok = ok and m.get("status") == "Success"
    print("relayed", stats["bytes"], "bytes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
