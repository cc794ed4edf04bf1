"""
crashkit — what the kill -9 and power-loss fault runs (killnine.py,
powercut.py) share:

  - Load: C clients (DEALER sockets, partners ggz and vt in turn), each
    with W referrals in flight, driven from one thread and one poller; it
    remembers every request sent and every ACK received, and stops at a
    random moment (a random number of ACKs, then a random few
    milliseconds more of load) by calling a crash function while the
    requests are still in flight;
  - Ledger: what each external_id's references are once settled, and the
    checks after a restart: every acknowledged referral resent gets ACK
    "duplicate" with the same references (else it counts as lost); every
    unacknowledged one resent is accepted or a duplicate, and resent once
    more is a duplicate with the same references (stored exactly once);
    the database holds each external_id exactly once, with the settled
    references, and PRAGMA integrity_check is "ok".

Nothing here sleeps to synchronise: a restarted regied is ready when it
answers PING (rrp.Daemon.wait_ready), the end of a killed daemon's
replies is its connections' DISCONNECTED event.
"""

import os
import signal
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import zmq  # noqa: E402

import rrp  # noqa: E402

PARTNERS = ("ggz", "vt")
REPLY_TIMEOUT = 30.0  # seconds without any reply before a run fails


class RunError(AssertionError):
    """A reply or state that fails a criterion outright."""


def new_body():
    """A referral about a fresh person, allowed for every partner."""
    return rrp.referral_body(rrp.new_bsn(), [rrp.new_bsn()])


class Load:
    """clients x inflight referrals in flight against daemon d."""

    def __init__(self, d, clients, inflight):
        self.d, self.inflight = d, inflight
        self.socks = []
        for i in range(clients):
            partner = PARTNERS[i % len(PARTNERS)]
            c = rrp.Client(d.endpoint, d.keys.server_public,
                           d.keys.pairs[partner], dealer=True,
                           monitor=True, timeout=REPLY_TIMEOUT)
            self.socks.append((partner, c))
        self.wal = str(d.db_path) + "-wal"
        self.max_wal = 0    # the WAL's largest size seen under load
        self.pending = {}   # corr -> (partner, body)
        self.acked = []     # (partner, body, refs)
        self.unexpected = []
        self.seq = 0

    def _send(self, i):
        partner, c = self.socks[i]
        self.seq += 1
        corr = b"%d:%d" % (i, self.seq)
        body = new_body()
        self.pending[corr] = (partner, body)
        c.send_raw([rrp.SIG, b"REFERRAL", corr, rrp.encode(body)])

    def _take(self, c):
        """Records one reply waiting at c (a Client), if any; returns the
        index of its client, or None when none was waiting."""
        frames = recv_now(c)
        if frames is None:
            return None
        r = rrp.Reply(frames)
        partner, body = self.pending.pop(r.corr)
        if r.status == "ACK" and r.body.get("status") == "accepted":
            self.acked.append((partner, body, rrp.refs(r.body)))
        else:
            self.unexpected.append((body["external_id"], repr(r)))
        return int(r.corr.split(b":")[0])

    def _sample_wal(self):
        try:
            self.max_wal = max(self.max_wal, os.stat(self.wal).st_size)
        except FileNotFoundError:
            pass

    def run(self, acks, extra_s, crash):
        """Keeps every client at inflight requests until acks ACKs came,
        then extra_s seconds more; then calls crash() with the requests
        still in flight and returns what it returns."""
        poller = zmq.Poller()
        for _, c in self.socks:
            poller.register(c.sock, zmq.POLLIN)
        index = {c.sock: i for i, (_, c) in enumerate(self.socks)}
        for i in range(len(self.socks)):
            for _ in range(self.inflight):
                self._send(i)
        t_acks, last = None, time.monotonic()
        while True:
            now = time.monotonic()
            if t_acks is None and len(self.acked) >= acks:
                t_acks = now
            if t_acks is not None and now - t_acks >= extra_s:
                break
            if now - last > REPLY_TIMEOUT:
                raise RunError("no reply for %.0f s under load" %
                               REPLY_TIMEOUT)
            for sock, _ in poller.poll(5):
                i = index[sock]
                while self._take(self.socks[i][1]) is not None:
                    last = time.monotonic()
                    self._send(i)
            self._sample_wal()
        return crash()

    def drain(self):
        """After the crash: waits until each client's connection is gone
        and takes the replies that arrived before it went."""
        for _, c in self.socks:
            ev = c.wait_event({zmq.EVENT_DISCONNECTED}, REPLY_TIMEOUT)
            if ev is None:
                raise RunError("a client never saw regied disconnect")
            while self._take(c) is not None:
                pass

    def unacked(self):
        return list(self.pending.values())

    def close(self):
        for _, c in self.socks:
            c.close()


def recv_now(c):
    """The frames of a reply already at DEALER client c (after the empty
    delimiter), or None."""
    try:
        frames = c.sock.recv_multipart(zmq.NOBLOCK)
    except zmq.Again:
        return None
    if not frames or frames[0] != b"":
        raise RunError("reply envelope without delimiter: %r" % (frames,))
    return frames[1:]


def resend(d, items, window=64):
    """Sends each (partner, body) of items again, window in flight per
    partner; returns the Replies in the order of items."""
    out = [None] * len(items)
    by_partner = {}
    for n, (partner, body) in enumerate(items):
        by_partner.setdefault(partner, []).append(n)
    for partner, todo in by_partner.items():
        c = rrp.Client(d.endpoint, d.keys.server_public,
                       d.keys.pairs[partner], dealer=True,
                       timeout=REPLY_TIMEOUT)
        try:
            sent = 0
            waiting = set()
            while sent < len(todo) or waiting:
                while sent < len(todo) and len(waiting) < window:
                    n = todo[sent]
                    c.send_raw([rrp.SIG, b"REFERRAL", b"%d" % n,
                                rrp.encode(items[n][1])])
                    waiting.add(n)
                    sent += 1
                r = c.recv()
                if r is None:
                    raise RunError("no reply to a resend within %.0f s"
                                   % REPLY_TIMEOUT)
                n = int(r.corr)
                waiting.discard(n)
                out[n] = r
        finally:
            c.close()
    return out


def ack_refs(r, statuses):
    """The references of r when it is an ACK with one of statuses."""
    if (r is not None and r.status == "ACK"
            and r.body.get("status") in statuses):
        return rrp.refs(r.body)
    return None


class Ledger:
    """Every external_id sent in a run and its settled references."""

    def __init__(self):
        self.refs = {}      # (partner, external_id) -> (R-, C-)
        self.acked = 0      # ACKs received under load
        self.lost = 0       # ... whose resend was not the same duplicate
        self.unacked = 0    # requests in flight at a crash
        self.accepted = 0   # ... accepted when resent
        self.duplicate = 0  # ... duplicates when resent (stored, ACK lost)
        self.errors = []    # criteria failed outright
        self.integrity_ok = 0
        self.loops = 0
        self.max_wal = 0    # bytes

    def check_loop(self, d, load):
        """After a crash and a restart of d: the checks of this module's
        header for the requests of load. Returns this loop's figures."""
        acked, unacked = load.acked, load.unacked()
        for eid, r in load.unexpected:
            self.errors.append("under load %s: %s" % (eid, r))
        replies = resend(d, [(p, b) for p, b, _ in acked] + unacked)
        lost = 0
        for (p, b, first), r in zip(acked, replies):
            key = (p, b["external_id"])
            if ack_refs(r, ("duplicate",)) != first:
                lost += 1
                got = ack_refs(r, ("accepted", "duplicate"))
                if got is None:
                    self.errors.append("acked %s resent: %r" % (key, r))
                first = got
            self.refs[key] = first
        again_items, again_refs = [], []
        acc = dup = 0
        for (p, b), r in zip(unacked, replies[len(acked):]):
            got = ack_refs(r, ("accepted", "duplicate"))
            if got is None:
                self.errors.append("unacked %s resent: %r"
                                   % (b["external_id"], r))
                continue
            acc += r.body["status"] == "accepted"
            dup += r.body["status"] == "duplicate"
            self.refs[(p, b["external_id"])] = got
            again_items.append((p, b))
            again_refs.append(got)
        for (p, b), want, r in zip(again_items, again_refs,
                                   resend(d, again_items)):
            if ack_refs(r, ("duplicate",)) != want:
                self.errors.append("unacked %s stored twice? second "
                                   "resend %r, first refs %s"
                                   % (b["external_id"], r, want))
        integrity = self.check_database(d)
        self.loops += 1
        self.acked += len(acked)
        self.lost += lost
        self.unacked += len(unacked)
        self.accepted += acc
        self.duplicate += dup
        self.max_wal = max(self.max_wal, load.max_wal)
        return {"acked": len(acked), "lost": lost, "unacked": len(unacked),
                "accepted": acc, "duplicate": dup, "integrity": integrity}

    def check_database(self, d):
        """Every settled external_id stored once with its references, and
        nothing else; integrity_check. Read-only, beside regied (WAL)."""
        con = sqlite3.connect("file:%s?mode=ro" % d.db_path, uri=True,
                              timeout=30)
        try:
            integrity = "; ".join(
                row[0] for row in con.execute("PRAGMA integrity_check"))
            rows = con.execute("SELECT partner, external_id, id, case_id"
                               " FROM referral").fetchall()
        finally:
            con.close()
        if integrity == "ok":
            self.integrity_ok += 1
        else:
            self.errors.append("integrity_check: %s" % integrity[:300])
        stored = {}
        for partner, eid, rid, cid in rows:
            key = (partner, eid)
            if key in stored:
                self.errors.append("%s stored twice" % (key,))
            stored[key] = ("R-%06d" % rid, "C-%06d" % cid)
        missing = [k for k in self.refs if k not in stored]
        extra = [k for k in stored if k not in self.refs]
        wrong = [k for k in self.refs
                 if k in stored and stored[k] != self.refs[k]]
        for what, keys in (("missing", missing), ("not sent", extra),
                           ("with other references", wrong)):
            if keys:
                self.errors.append("%d referrals %s in the database, e.g. "
                                   "%s" % (len(keys), what, keys[0]))
        return integrity

    def summary(self):
        return ("lost %d of %d acknowledged; %d unacknowledged resent: %d "
                "accepted + %d duplicate, each stored once; integrity ok "
                "%d/%d; WAL largest %.1f MiB"
                % (self.lost, self.acked, self.unacked, self.accepted,
                   self.duplicate, self.integrity_ok, self.loops,
                   self.max_wal / (1024 * 1024)))


def crash_config():
    """The daemon overrides of both runs: a small WAL bound (4 MiB, the
    default is 32), so that crashes also meet truncating checkpoints and
    WAL restarts; not so small that the writer is mostly waiting for one
    (at 1 MiB more than half the cuts landed in a checkpoint)."""
    return {"daemon": {"wal_max_mb": 4, "log_level": "notice"}}


def kill9(d):
    """SIGKILL and wait: the daemon's crash."""
    os.kill(d.proc.pid, signal.SIGKILL)
    d.proc.wait()
    d.returncodes.append(d.proc.returncode)


def loop_moment(rng, lo=300, hi=3000):
    """A random moment: a number of ACKs, then up to 50 ms more."""
    return rng.randint(lo, hi), rng.uniform(0, 0.05)


def run_loops(d, ledger, loops, clients, inflight, crash, start, rng,
              name):
    """loops times: load, crash(d) at a random moment (it may return a
    note for the loop's line), start(d) again (waits for PING), check.
    Prints a line per loop; stops at the first loop with an error."""
    for n in range(1, loops + 1):
        load = Load(d, clients, inflight)
        acks, extra = loop_moment(rng)
        try:
            note = load.run(acks, extra, lambda: crash(d))
            load.drain()
        finally:
            load.close()
        start(d)
        f = ledger.check_loop(d, load)
        print("%s loop %d/%d: crash after %d ACKs + %.0f ms%s: lost %d of "
              "%d acknowledged, %d in flight resent (%d accepted, %d "
              "duplicate), integrity %s"
              % (name, n, loops, acks, extra * 1000,
                 " (%s)" % note if note else "", f["lost"], f["acked"],
                 f["unacked"], f["accepted"], f["duplicate"],
                 f["integrity"]), flush=True)
        if ledger.errors:
            for e in ledger.errors[:10]:
                print("  %s" % e, flush=True)
            break


def dump_log_tail(d, lines=40):
    print("---- regied log tail (%s) ----" % d.log_path)
    print("\n".join(d.log.splitlines()[-lines:]))

