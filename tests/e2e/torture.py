#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The client side of test-torture.sh: mixed operations on lxfd's unix
socket while the test kills lxfd, then a check of every object.

usage: torture.py schedule SEED KILLS
       torture.py run SEED SOCKET HOSTDIR LOG DONEFILE [--ops N] [--clients N]

`schedule` prints the seeded delays (0.2-3 s) between the kills, one a line.
`run` drives CLIENTS threads, each owning two instance "slots", with
operations chosen from the seed (create, start, stop, snapshot create,
delete, rename and restore, rename, delete, config PATCH, file push)
until at least OPS were sent and DONEFILE exists (the test's killer made it after the last
restart); then it checks what lxfd shows against what it acknowledged.

What each slot may look like is kept as a set of possible states ("worlds"):
an acknowledged operation maps every world through it, a refused one
(an error answer) leaves them as they were, and one whose answer was lost
with the daemon (the "unknown" ones) keeps each world both with and without
it: all or nothing. A slot's names are its own (t<slot><letter>), so a
name always tells which slot an instance belongs to. Every operation is
logged by name with its outcome; the check prints what differs and exits 1.
"""
import http.client
import json
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.parse

LETTERS = "abcde"
SNAPS = ["s%d" % i for i in range(6)]
KEYS = ["user.k%d" % i for i in range(3)]
FILES = ["/etc/torture-f%d" % i for i in range(2)]
MAX_SNAPS = 3
MAX_WORLDS = 64
NAME_RE = re.compile(r"^t(\d+)([a-e])$")
WAIT_S = 120          # one operation's wait; far above any real one
RECONNECT_S = 120     # how long lxfd may stay unreachable


class Refused(Exception):
    """The request never reached lxfd (it was down): not sent at all."""


class Lost(Exception):
    """The request was sent but its answer died with lxfd."""


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self.unix_path)
        except OSError as e:
            s.close()
            raise Refused(str(e)) from e
        self.sock = s


def request(sock, method, url, body=None, headers=None, timeout=WAIT_S):
    c = UnixHTTP(sock, timeout)
    try:
        c.connect()
        try:
            c.request(method, url, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException) as e:
            raise Lost("%s: %s" % (type(e).__name__, e)) from e
    finally:
        c.close()


def call(sock, method, url, obj=None):
    """A plain request for the checks; lxfd must be up. (status, json)"""
    body = json.dumps(obj) if obj is not None else None
    status, data = request(sock, method, url, body,
                           {"Content-Type": "application/json"})
    try:
        return status, json.loads(data or b"{}")
    except ValueError:
        return status, {"raw": data[:200].decode("utf-8", "replace")}


def operate(sock, method, url, obj=None, raw=None, headers=None):
    """Runs one operation to its end: ("ack", ""), ("fail", why) or
    ("unknown", why). Waits while lxfd is down: a refused connect sent
    nothing."""
    deadline = time.monotonic() + RECONNECT_S
    if raw is None:
        raw = json.dumps(obj) if obj is not None else None
        headers = {"Content-Type": "application/json"}
    while True:
        try:
            status, data = request(sock, method, url, raw, headers)
            break
        except Refused:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        except Lost as e:
            return "unknown", str(e)
    try:
        ans = json.loads(data)
    except ValueError:
        return "unknown", "unparsable answer %r" % data[:100]
    if status >= 400 or ans.get("type") == "error":
        return "fail", "%s %s" % (status, ans.get("error", ""))
    if ans.get("type") != "async":
        return "ack", ""
    op = ans.get("operation") or "/1.0/operations/" + ans["metadata"]["id"]
    try:
        status, data = request(sock, "GET", op + "/wait?timeout=%d" % WAIT_S)
    except (Refused, Lost) as e:
        return "unknown", "wait: %s" % e
    try:
        md = json.loads(data).get("metadata") or {}
    except ValueError:
        return "unknown", "wait: unparsable answer %r" % data[:100]
    if status != 200:
        return "unknown", "wait: %s" % status
    if md.get("status") == "Success":
        return "ack", ""
    if md.get("status") == "Failure":
        return "fail", md.get("err", "")
    return "unknown", "wait ended in %s" % md.get("status")


# ---------------------------------------------------------------- model
#
# An instance is a tuple (name, power, config items, snapshots, file items)
# of hashable parts, a snapshot one of (name, config items, file items); a world is the frozenset of a slot's instances
# (more than one when a create whose answer was lost did happen and a
# later one made another), and a slot's possible worlds are a set of them.

def new_inst(name):
    return (name, "Stopped", frozenset(), frozenset(), frozenset())


def names_of(snaps):
    """Snapshot names, of full snapshots or of names already."""
    return {sn if isinstance(sn, str) else sn[0] for sn in snaps}


def step_inst(i, op):
    """The instance after op (None: deleted), or False if op cannot succeed."""
    kind, a = op[0], op[2:]
    name, power, cfg, snaps, files = i
    by_name = {sn[0]: sn for sn in snaps}
    if kind == "start":
        return (name, "Running", cfg, snaps, files)
    if kind == "stop":
        return (name, "Stopped", cfg, snaps, files)
    if kind == "rename":
        return (a[0], power, cfg, snaps, files)
    if kind == "delete":
        return None
    if kind == "patch":
        d = dict(cfg)
        d[a[0]] = a[1]
        return (name, power, frozenset(d.items()), snaps, files)
    if kind == "push":
        d = dict(files)
        d[a[0]] = a[1]
        return (name, power, cfg, snaps, frozenset(d.items()))
    if kind == "snap":
        return (name, power, cfg, snaps | {(a[0], cfg, files)}, files) \
            if a[0] not in by_name else False
    if kind == "snapdel":
        return (name, power, cfg, snaps - {by_name[a[0]]}, files) if a[0] in by_name else False
    if kind == "snapmv":
        if a[0] in by_name and a[1] not in by_name:
            sn = by_name[a[0]]
            return (name, power, cfg, (snaps - {sn}) | {(a[1],) + sn[1:]}, files)
        return False
    if kind == "restore":
        # The snapshot's config and files come back; the power state stays.
        if a[0] not in by_name:
            return False
        return (name, power, by_name[a[0]][1], snaps, by_name[a[0]][2])
    raise ValueError(kind)


def visible(w):
    """What lxfd can be asked about a world: snapshots by name only (their
    contents show through restores)."""
    return frozenset((n, p, c, frozenset(names_of(sn)), f) for n, p, c, sn, f in w)


def step(w, op):
    """The world after op (an operation on instance op[1]), or None if op
    cannot succeed in world w."""
    by_name = {i[0]: i for i in w}
    target = by_name.get(op[1])
    if op[0] == "create":
        return None if target else w | {new_inst(op[1])}
    if target is None or (op[0] == "rename" and op[2] in by_name):
        return None
    n = step_inst(target, op)
    if n is False:
        return None
    return (w - {target}) | ({n} if n else set())


def describe_inst(i):
    name, power, cfg, snaps, files = i
    fl = ", ".join("%s=%d bytes #%s" % (p, len(c), c[:24].decode("utf-8", "replace"))
                   for p, c in sorted(files))
    return "%s %s config %s snapshots [%s] files [%s]" % (
        name, power, dict(sorted(cfg)), " ".join(sorted(names_of(snaps))), fl)


def describe(w):
    return " + ".join(describe_inst(i) for i in sorted(w)) if w else "no instance"


class Slot:
    def __init__(self, idx):
        self.idx = idx
        self.worlds = {frozenset()}
        self.belief = frozenset()      # the world the client plans from
        self.contradiction = None

    def names(self):
        return ["t%d%s" % (self.idx, c) for c in LETTERS]

    def record(self, op, outcome, line, rng):
        if outcome == "fail":
            # A "not found" is a fact about the slot now: worlds that have
            # the object are gone (and if none is left, an acknowledged
            # object was lost). Other refusals tell nothing sure.
            if "Instance not found" in line:
                self.learn(lambda w: op[1] not in {i[0] for i in w}, line)
            elif "Snapshot not found" in line:
                self.learn(lambda w: not any(i[0] == op[1] and op[2] in names_of(i[3])
                                             for i in w), line)
            elif "is already stopped" in line or "is already running" in line:
                power = "Stopped" if "stopped" in line else "Running"
                self.learn(lambda w: any(i[0] == op[1] and i[1] == power for i in w), line)
            # Perhaps planned from the wrong world (an unknown operation
            # went the other way): plan from another one next time.
            if self.belief not in self.worlds or len(self.worlds) > 1:
                self.belief = rng.choice(sorted(self.worlds, key=describe))
            return
        after = {n for n in (step(w, op) for w in self.worlds) if n is not None}
        if outcome == "unknown":
            self.worlds |= after
        else:
            if not after and self.contradiction is None:
                self.contradiction = "%s, impossible in every state the earlier " \
                    "answers allow: %s" % (line, " | ".join(describe(w) for w in self.worlds))
            self.worlds = after or self.worlds
        n = step(self.belief, op)
        if n is not None and n in self.worlds:
            self.belief = n
        else:
            self.belief = rng.choice(sorted(self.worlds, key=describe))

    def learn(self, keep, line):
        kept = {w for w in self.worlds if keep(w)}
        if not kept and self.contradiction is None:
            self.contradiction = "%s, impossible in every state the earlier answers " \
                "allow: %s" % (line, " | ".join(describe(w) for w in self.worlds))
        self.worlds = kept or self.worlds


# ---------------------------------------------------------------- driver

class Run:
    def __init__(self, seed, sock, hostdir, logpath, donefile, ops, nclients):
        self.seed, self.sock, self.hostdir = seed, sock, hostdir
        self.donefile, self.min_ops, self.nclients = donefile, ops, nclients
        self.log = open(logpath, "a", buffering=1, encoding="utf-8")
        self.lock = threading.Lock()
        self.sent = 0
        self.counts = {"ack": 0, "fail": 0, "unknown": 0}
        self.slots = [Slot(i) for i in range(2 * nclients)]
        self.t0 = time.monotonic()
        self.errors = []

    def note(self, text):
        with self.lock:
            self.log.write("%7.2f %s\n" % (time.monotonic() - self.t0, text))

    def more(self):
        return self.sent < self.min_ops or not os.path.exists(self.donefile)

    def choose(self, rng, slot):
        """The next operation on the slot: (kind, instance name, args...)."""
        w = slot.belief
        taken = {i[0] for i in w}
        if not w:
            return ("create", rng.choice(slot.names()))
        name, power, _, snaps, _ = rng.choice(sorted(w, key=describe_inst))
        snaps = names_of(snaps)
        kinds = ["snap", "snap", "patch", "patch", "push", "push", "rename", "rename",
                 "rename", "delete", "snapdel", "snapmv", "restore"]
        kinds += ["stop"] if power == "Running" else ["start", "start"]
        # Deleting ends the doubt about an instance: it keeps the worlds
        # few when many answers were lost, and the namesakes single.
        kind = "delete" if len(w) > 1 or len(slot.worlds) > MAX_WORLDS else rng.choice(kinds)
        if kind in ("rename", "delete", "restore") and power == "Running":
            return ("stop", name)
        if kind == "rename":
            return ("rename", name, rng.choice([n for n in slot.names() if n not in taken]))
        if kind == "patch":
            return ("patch", name, rng.choice(KEYS), "v%d" % rng.randrange(1000))
        if kind == "push":
            size = rng.choice([16, 4096, 300000])
            head = "%d-%d-" % (self.seed, rng.randrange(10 ** 9))
            body = (head + "x" * size)[:max(size, len(head))]
            return ("push", name, rng.choice(FILES), body.encode())
        free = [n for n in SNAPS if n not in snaps]
        if kind == "snap" or not snaps:
            if len(snaps) >= MAX_SNAPS:
                return ("snapdel", name, rng.choice(sorted(snaps)))
            return ("snap", name, rng.choice(free))
        if kind == "snapdel":
            return ("snapdel", name, rng.choice(sorted(snaps)))
        if kind == "snapmv":
            return ("snapmv", name, rng.choice(sorted(snaps)), rng.choice(free))
        if kind == "restore":
            return ("restore", name, rng.choice(sorted(snaps)))
        return (kind, name)

    def send(self, op):
        """(text, outcome, why) for one operation."""
        kind, name, a = op[0], op[1], op[2:]
        base = "/1.0/instances/" + name
        if kind == "create":
            text = "create %s" % name
            r = operate(self.sock, "POST", "/1.0/instances",
                        {"name": name, "source": {"type": "image", "alias": "busybox"}})
        elif kind in ("start", "stop"):
            text = "%s %s" % (kind, name)
            body = {"action": kind, "timeout": 30}
            if kind == "stop":
                body["force"] = True
            r = operate(self.sock, "PUT", base + "/state", body)
        elif kind == "rename":
            text = "rename %s -> %s" % (name, a[0])
            r = operate(self.sock, "POST", base, {"name": a[0]})
        elif kind == "delete":
            text = "delete %s" % name
            r = operate(self.sock, "DELETE", base)
        elif kind == "patch":
            text = "patch %s %s=%s" % (name, a[0], a[1])
            r = operate(self.sock, "PATCH", base, {"config": {a[0]: a[1]}})
        elif kind == "push":
            text = "push %s:%s (%d bytes #%s)" % (name, a[0], len(a[1]), a[1][:24].decode())
            r = operate(self.sock, "POST", base + "/files?path=" + urllib.parse.quote(a[0]),
                        raw=a[1], headers={"Content-Type": "application/octet-stream",
                                           "X-LXD-type": "file", "X-LXD-write": "overwrite"})
        elif kind == "snap":
            text = "snapshot %s/%s" % (name, a[0])
            r = operate(self.sock, "POST", base + "/snapshots", {"name": a[0]})
        elif kind == "snapdel":
            text = "delete snapshot %s/%s" % (name, a[0])
            r = operate(self.sock, "DELETE", base + "/snapshots/" + a[0])
        elif kind == "snapmv":
            text = "rename snapshot %s/%s -> %s" % (name, a[0], a[1])
            r = operate(self.sock, "POST", base + "/snapshots/" + a[0], {"name": a[1]})
        elif kind == "restore":
            text = "restore %s from %s" % (name, a[0])
            r = operate(self.sock, "PUT", base, {"restore": a[0]})
        return text, r[0], r[1]

    def client(self, cid):
        rng = random.Random("%d:client:%d" % (self.seed, cid))
        mine = self.slots[2 * cid:2 * cid + 2]
        try:
            while True:
                with self.lock:
                    if not self.more():
                        return
                    self.sent += 1
                    n = self.sent
                slot = rng.choice(mine)
                op = self.choose(rng, slot)
                self.note("#%03d c%d sent %s %s" % (n, cid, op[0], op[1]))
                text, outcome, why = self.send(op)
                line = "#%03d c%d %s: %s%s" % (n, cid, text, outcome, " (%s)" % why if why else "")
                self.note(line)
                with self.lock:
                    self.counts[outcome] += 1
                slot.record(op, outcome, line, rng)
        except Exception as e:  # noqa: BLE001 - reported, fails the run
            self.errors.append("client %d: %s: %s" % (cid, type(e).__name__, e))
            self.note("client %d died: %r" % (cid, e))

    def drive(self):
        threads = [threading.Thread(target=self.client, args=(c,)) for c in range(self.nclients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


# ---------------------------------------------------------------- check

def actual_state(sock, inst):
    """The slot-state tuple lxfd shows for one listed instance."""
    name = inst["name"]
    base = "/1.0/instances/" + name
    cfg = frozenset((k, v) for k, v in (inst.get("config") or {}).items() if k in KEYS)
    st, ans = call(sock, "GET", base + "/snapshots")
    snaps = frozenset(u.rsplit("/", 1)[1] for u in ans.get("metadata") or []) \
        if st == 200 else frozenset(["<GET snapshots: %s>" % st])
    files = []
    for p in FILES:
        st, data = request(sock, "GET", base + "/files?path=" + urllib.parse.quote(p))
        if st == 200:
            files.append((p, data))
        elif st != 404:
            files.append((p, b"<GET: %d>" % st))
    return (name, inst.get("status"), cfg, snaps, frozenset(files))


def closest(worlds, got):
    def dist(w):
        a, b = {i[0]: i for i in w}, {i[0]: i for i in got}
        return sum(sum(1 for x, y in zip(a[n], b[n]) if x != y) if n in a and n in b else 5
                   for n in set(a) | set(b))
    return min(worlds, key=lambda w: (dist(w), describe(w)))


def ls(path):
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []


def check(run):
    sock, errs = run.sock, []
    st, ans = call(sock, "GET", "/1.0/instances?recursion=1")
    if st != 200:
        return ["GET /1.0/instances: %s %s" % (st, ans)]
    listed = {i["name"]: i for i in ans["metadata"]}
    for name, inst in sorted(listed.items()):
        if inst.get("status") not in ("Running", "Stopped"):
            errs.append("instance %s is in state %s" % (name, inst.get("status")))
        if not NAME_RE.match(name):
            errs.append("instance %s was never created by this run" % name)
    actual = {}
    for name, inst in listed.items():
        m = NAME_RE.match(name)
        if m and int(m.group(1)) < len(run.slots):
            actual.setdefault(int(m.group(1)), set()).add(actual_state(sock, inst))
    for slot in run.slots:
        got = frozenset(actual.get(slot.idx, ()))
        if slot.contradiction:
            errs.append("slot %d: %s" % (slot.idx, slot.contradiction))
        elif got not in {visible(w) for w in slot.worlds}:
            want = closest({visible(w) for w in slot.worlds}, got)
            errs.append("slot %d: lxfd shows %s; the closest state its answers allow (of %d) "
                        "is %s" % (slot.idx, describe(got), len(slot.worlds), describe(want)))

    # Directories and rows: each one for the other, both ways.
    snaps_of = {}
    for name in listed:
        st, a = call(sock, "GET", "/1.0/instances/%s/snapshots" % name)
        snaps_of[name] = {u.rsplit("/", 1)[1] for u in a.get("metadata") or []}
    cdir = os.path.join(run.hostdir, "containers")
    for e in ls(cdir):
        if e not in listed:
            errs.append("orphan directory %s/%s (holding %s): no such instance" %
                        (cdir, e, " ".join(ls(os.path.join(cdir, e))[:6]) or "nothing"))
    for name in listed:
        for part in ("config", "rootfs"):
            if not os.path.exists(os.path.join(cdir, name, part)):
                errs.append("instance %s has no %s/%s/%s" % (name, cdir, name, part))
    sdir = os.path.join(run.hostdir, "snapshots")
    for e in ls(sdir):
        if e not in listed:
            errs.append("orphan directory %s/%s: no such instance" % (sdir, e))
            continue
        for s in ls(os.path.join(sdir, e)):
            if s not in snaps_of[e]:
                errs.append("orphan directory %s/%s/%s: %s lists no snapshot %s" %
                            (sdir, e, s, e, s))
    for name, snaps in sorted(snaps_of.items()):
        for s in sorted(snaps):
            if not os.path.isdir(os.path.join(sdir, name, s, "rootfs")):
                errs.append("snapshot %s/%s has no %s/%s/%s/rootfs" % (name, s, sdir, name, s))
    st, a = call(sock, "GET", "/1.0/images")
    fps = {u.rsplit("/", 1)[1] for u in a.get("metadata") or []}
    idir = os.path.join(run.hostdir, "images")
    for e in ls(idir):
        if e.split(".", 1)[0] not in fps:
            errs.append("orphan %s/%s: no such image" % (idir, e))
    for fp in sorted(fps):
        if not any(e.split(".", 1)[0] == fp for e in ls(idir)):
            errs.append("image %s has nothing under %s" % (fp, idir))

    # Every instance starts.
    for name, inst in sorted(listed.items()):
        if inst.get("status") == "Running":
            continue
        outcome, why = operate(sock, "PUT", "/1.0/instances/%s/state" % name,
                               {"action": "start", "timeout": 30})
        st, a = call(sock, "GET", "/1.0/instances/%s/state" % name)
        status = (a.get("metadata") or {}).get("status")
        if outcome != "ack" or status != "Running":
            errs.append("instance %s does not start: %s %s, then %s" %
                        (name, outcome, why, status))
    return errs


def main(argv):
    if len(argv) == 4 and argv[1] == "schedule":
        rng = random.Random("%d:kills" % int(argv[2]))
        for _ in range(int(argv[3])):
            print("%.2f" % rng.uniform(0.2, 3.0))
        return 0
    if len(argv) < 7 or argv[1] != "run":
        print(__doc__, file=sys.stderr)
        return 2
    opts = {"--ops": 300, "--clients": 4}
    rest = argv[7:]
    while rest:
        opts[rest[0]] = int(rest[1])
        rest = rest[2:]
    run = Run(int(argv[2]), argv[3], argv[4], argv[5], argv[6], opts["--ops"], opts["--clients"])
    run.drive()
    run.note("operations: %d sent, %d acknowledged, %d refused, %d unknown; possible states "
             "per slot at the end: %s" % (run.sent, run.counts["ack"], run.counts["fail"],
                                          run.counts["unknown"],
                                          " ".join(str(len(sl.worlds)) for sl in run.slots)))
    errs = run.errors or check(run)
    for e in errs:
        run.note("INCONSISTENT: " + e)
    print("torture: %d operations (%d acknowledged, %d refused, %d unknown); %d inconsistencies"
          % (run.sent, run.counts["ack"], run.counts["fail"], run.counts["unknown"], len(errs)))
    for e in errs:
        print("  " + e)
    if errs:
        print_history(argv[5], errs)
    return 1 if errs else 0


def print_history(logpath, errs):
    """The outcomes of the operations on the slots the inconsistencies name,
    and the kills (the whole log also has when each operation was sent)."""
    idx = set()
    for e in errs:
        idx |= {int(i) for i in re.findall(r"\bt(\d+)[a-e]\b", e)}
        idx |= {int(i) for i in re.findall(r"^slot (\d+):", e)}
    names = re.compile(r"\bt(%s)[a-e]\b" % "|".join(str(i) for i in sorted(idx)))
    print("--- the operations on slots %s (t<slot><letter>) and the kills, in order:" %
          " ".join(str(i) for i in sorted(idx)))
    with open(logpath, encoding="utf-8") as f:
        for line in f:
            if " kill " in line or (idx and names.search(line) and "INCONSISTENT" not in line
                                    and " sent " not in line):
                print(line, end="")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
