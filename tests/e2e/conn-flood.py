#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Connection floods and idle clients for test-conn-limits.sh.

  conn-flood.py tcp HOST PORT --src ADDR --count N --ready FILE
  conn-flood.py unix PATH --count N --ready FILE [--uid U --gid G] [--pace S]
      Holds N connections that send nothing, opening a new one for each the
      server closes (after S seconds, default at once). With S < 0, none the
      server closes is replaced, and connects failing on a full backlog
      are retried. FILE is written once N connections were made. Runs
      until killed.
  conn-flood.py idle-tcp HOST PORT
  conn-flood.py idle-tls HOST PORT CAFILE
      One connection that sends nothing (idle-tls: after a TLS handshake
      without a client certificate); exits 0 when the server closes it,
      1 if it is still open after 60 s.
"""
import argparse
import errno
import os
import resource
import selectors
import socket
import ssl
import sys
import time


def wait_closed(s):
    s.settimeout(60)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return 1
    except OSError:
        pass
    return 0


def idle(args):
    s = socket.create_connection((args.target, args.port))
    if args.cafile:
        ctx = ssl.create_default_context(cafile=args.cafile)
        ctx.check_hostname = False
        s = ctx.wrap_socket(s)
    return wait_closed(s)


def flood(args):
    fam = socket.AF_UNIX if args.mode == "unix" else socket.AF_INET
    addr = args.target if args.mode == "unix" else (args.target, args.port)
    sel = selectors.DefaultSelector()
    live = {}
    tried = opened = closed = 0
    ready = False
    reopen_at = 0.0
    stats_at = 0.0

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    args.count = min(args.count, hard - 64)
    target = args.count  # connections to hold
    ready_file = open(args.ready, "w")  # before giving up root
    if args.gid is not None:
        os.setgroups([])
        os.setgid(args.gid)
    if args.uid is not None:
        os.setuid(args.uid)

    def open_one():
        nonlocal tried, opened
        tried += 1
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        if args.src:
            s.bind((args.src, 0))
        e = s.connect_ex(addr)
        if e not in (0, errno.EINPROGRESS):
            s.close()  # EAGAIN: a full backlog (the server stopped accepting)
            return
        opened += 1
        sel.register(s, selectors.EVENT_READ)
        live[s.fileno()] = s

    while True:
        now = time.monotonic()
        want = target - len(live)
        if now >= reopen_at and want > 0:
            for _ in range(min(want, 2000)):
                open_one()
            reopen_at = now + max(args.pace, 0.05) if want > 2000 else now
        if not ready and opened >= args.count:
            ready_file.write(f"{len(live)}\n")
            ready_file.close()
            ready = True
        if args.stats and now >= stats_at:
            with open(args.stats + ".new", "w") as f:
                f.write(f"{opened} {closed} {len(live)}\n")
            os.replace(args.stats + ".new", args.stats)
            stats_at = now + 0.2
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                if s.recv(4096):
                    continue
            except BlockingIOError:
                continue
            except OSError:
                pass
            sel.unregister(s)
            del live[s.fileno()]
            # pace < 0: whatever the server closes is not tried again. Its
            # age cannot tell a refusal from a held connection dropped: on
            # a loaded machine a connect waits in the backlog for seconds
            # before its refusal, and reopening those kept the backlog full.
            if args.pace < 0:
                target -= 1
            s.close()
            closed += 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["tcp", "unix", "idle-tcp", "idle-tls"])
    p.add_argument("target")
    p.add_argument("port", nargs="?", type=int)
    p.add_argument("cafile", nargs="?")
    p.add_argument("--src")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--ready")
    p.add_argument("--stats")
    p.add_argument("--uid", type=int)
    p.add_argument("--gid", type=int)
    p.add_argument("--pace", type=float, default=0.0)
    args = p.parse_args()
    if args.mode.startswith("idle"):
        if args.mode == "idle-tcp":
            args.cafile = None
        return idle(args)
    return flood(args)


if __name__ == "__main__":
    sys.exit(main())
