"""
Durability and storage (spec sections 2.1, 2.2 "unavailable"; DESIGN
"Privacy and security"): ACK means committed, also across kill -9; no BSN
(nor an unkeyed hash of one) in the database files or the log; a locked or
full database gives NACK unavailable with retry true and stores nothing,
and the daemon keeps serving.
"""

import os
import sqlite3
import stat
import threading
import time


import rrp
from rrp import SIG, assert_ack, assert_nack, new_bsn, referral_body, refs


class Poster(threading.Thread):
    """Posts referrals one after another (REQ) until stopped or the daemon
    stops answering; remembers every request sent and each ACK."""

    def __init__(self, daemon, partner):
        super().__init__(daemon=True)
        self.d, self.partner = daemon, partner
        self.sent = []          # (body, ack body or None)
        self.stop = threading.Event()
        self.error = None
        self.household = [new_bsn(), new_bsn()]

    def run(self):
        c = rrp.Client(self.d.endpoint, self.d.keys.server_public,
                       self.d.keys.pairs[self.partner],
                       timeout=3 * rrp.SLOW)
        try:
            i = 0
            while not self.stop.is_set():
                # Referrals about one household, and some about others.
                if i % 3:
                    body = referral_body(self.household[i % 2],
                                         [self.household[1 - i % 2]])
                else:
                    body = referral_body(new_bsn(), [new_bsn()])
                i += 1
                self.sent.append([body, None])
                r = c.referral(body)
                if r is None:
                    return          # the daemon is gone
                self.sent[-1][1] = assert_ack(r, "accepted")
                with COUNT_LOCK:
                    COUNT[0] += 1
                    COUNT_COND.notify_all()
        except BaseException as e:
            self.error = e
        finally:
            c.close()


COUNT = [0]
COUNT_LOCK = threading.Lock()
COUNT_COND = threading.Condition(COUNT_LOCK)


def db_bytes(daemon):
    return b"".join(p.read_bytes() for p in daemon.db_files())


def assert_no_bsn_stored(daemon, bsns):
    files = daemon.db_files()
    assert files, "no database file at %s" % daemon.db_path
    data = db_bytes(daemon)
    for bsn in bsns:
        assert bsn.encode() not in data, "BSN %s in the database" % bsn
        # UTF-16 text in SQLite, and unkeyed hashes, are just as bad.
        assert bsn.encode("utf-16-le") not in data, bsn
        for form in rrp.sha256_forms(bsn):
            assert form not in data, "unkeyed SHA-256 of %s stored" % bsn
    # The same through SQLite itself (read-only): every value of every
    # table.
    con = sqlite3.connect("file:%s?mode=ro" % daemon.db_path, uri=True)
    try:
        dump = "\n".join(con.iterdump())
    finally:
        con.close()
    assert "CREATE TABLE" in dump
    for bsn in bsns:
        assert bsn not in dump, "BSN %s in a table" % bsn


def test_kill_9_mid_stream_loses_no_acked_referral(regied):
    d = regied()
    COUNT[0] = 0
    posters = [Poster(d, p) for p in ("ggz", "vt", "ggz", "vt")]
    for p in posters:
        p.start()
    with COUNT_COND:
        ok = COUNT_COND.wait_for(lambda: COUNT[0] >= 60, timeout=60)
    assert ok, "posters got only %d ACKs" % COUNT[0]
    d.kill()                              # mid-stream: they keep sending
    for p in posters:
        p.stop.set()
    for p in posters:
        p.join(30)
        assert not p.is_alive()
        assert p.error is None, p.error
    acked = [(p, b, a) for p in posters for b, a in p.sent if a]
    unacked = [(p, b) for p in posters for b, a in p.sent if not a]
    assert len(acked) >= 60

    d.start()
    clients = {name: d.client(name) for name in ("ggz", "vt")}
    for p, body, ack in acked:
        again = assert_ack(clients[p.partner].referral(body), "duplicate")
        assert refs(again) == refs(ack), body["external_id"]
    for p, body in unacked:
        assert_ack(clients[p.partner].referral(body), None)
    # Referrals about the posters' households matched one case each,
    # before and after the crash.
    # (On a loaded machine a poster may have had no ACK before the kill:
    # each that had some found one case, and most had some.)
    matched = 0
    for p in posters:
        cases = {a["case"] for b, a in p.sent
                 if a and b["subject"]["bsn"] in p.household}
        assert len(cases) <= 1, cases
        matched += len(cases)
    assert matched >= len(posters) // 2, matched
    rc = d.stop()
    assert rc == 0
    bsns = {x for p in posters for b, a in p.sent for x in rrp.bsns_of(b)}
    assert_no_bsn_stored(d, bsns)


def test_no_bsn_in_database_files_or_log(regied):
    # debug: every log line the daemon has, so none may hold a BSN.
    d = regied({"daemon": {"log_level": "debug"}})
    c = d.client("ggz")
    bsns, marker = [], "NOTITIE-NIET-LOGGEN"
    for i in range(25):
        body = referral_body(new_bsn(), [new_bsn() for _ in range(i % 4)],
                             note="%s %d" % (marker, i))
        bsns += rrp.bsns_of(body)
        assert_ack(c.referral(body), "accepted")
        # NACKed requests name BSNs too, also where a parser error
        # message would quote them.
        bad = dict(body, external_id=rrp.new_external_id(), kind="x")
        assert_nack(c.referral(bad), "invalid_field")
        bsn = body["subject"]["bsn"]
        assert_nack(c.referral(b'{"subject": {"bsn": "%s" x' % bsn.encode()),
                    "bad_json")
        assert_nack(c.referral(b'{"subject": {"bsn": "%s", "bsn": "%s"}}'
                               % (bsn.encode(), bsn.encode())), "bad_json")
        wrong = rrp.failing_elfproef(new_bsn())
        bsns.append(wrong)
        assert_nack(c.referral(rrp.referral_body(wrong)), "invalid_bsn")
    # While running (WAL not yet checkpointed) ...
    data = db_bytes(d)
    for bsn in bsns:
        assert bsn.encode() not in data, "BSN %s in the database" % bsn
    # ... and after a clean stop.
    assert d.stop() == 0
    assert_no_bsn_stored(d, bsns)
    log = d.log
    assert "intake" in log
    for bsn in bsns:
        assert bsn not in log, "BSN %s in the log" % bsn
    assert marker not in log, "a note in the log"


def test_database_is_private_and_in_wal_mode(regied):
    d = regied()
    assert_ack(d.client("ggz").referral(referral_body()), "accepted")
    mode = stat.S_IMODE(os.stat(d.db_path).st_mode)
    assert mode & 0o077 == 0, "database mode %o" % mode
    con = sqlite3.connect("file:%s?mode=ro" % d.db_path, uri=True)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
    assert d.stop() == 0


def hold_write_lock(db_path):
    """A connection holding the database's write lock (WAL: BEGIN
    IMMEDIATE takes it)."""
    con = sqlite3.connect(str(db_path), isolation_level=None, timeout=10)
    con.execute("BEGIN IMMEDIATE")
    return con


def test_locked_database_gives_unavailable_and_stores_nothing(regied):
    d = regied({"daemon": {"busy_timeout_ms": 100}})
    c = d.client("ggz")
    stored = referral_body()
    first = assert_ack(c.referral(stored), "accepted")   # schema exists
    body = referral_body()
    con = hold_write_lock(d.db_path)
    try:
        t0 = time.monotonic()
        r = c.referral(body, timeout=10)
        assert_nack(r, "unavailable")
        assert time.monotonic() - t0 < 5 * rrp.SLOW
        # Still serving while the lock is held.
        assert c.ping().status == "PONG"
        assert_nack(c.referral(body, timeout=10), "unavailable")
        # A resend of a stored referral is never accepted twice.
        r = c.referral(stored, timeout=10)
        if r.status == "ACK":
            assert refs(assert_ack(r, "duplicate")) == refs(first)
        else:
            assert_nack(r, "unavailable")
    finally:
        con.execute("ROLLBACK")
        con.close()
    # Nothing was stored: now it is accepted, not a duplicate.
    a = assert_ack(c.referral(body), "accepted")
    assert a["case_status"] == "new"
    assert_ack(c.referral(body), "duplicate")
    assert d.stop() == 0


def test_locked_database_during_a_pipelined_batch(regied):
    d = regied({"daemon": {"busy_timeout_ms": 100}})
    c = d.client("ggz", dealer=True, timeout=20)
    assert_ack(d.client("ggz").referral(referral_body()), "accepted")
    bodies = {b"l-%d" % i: referral_body() for i in range(20)}
    con = hold_write_lock(d.db_path)
    try:
        for corr, body in bodies.items():
            c.send_raw([SIG, b"REFERRAL", corr, rrp.encode(body)])
        for _ in bodies:
            r = c.recv()
            assert r is not None and r.corr in bodies
            assert_nack(r, "unavailable")
    finally:
        con.execute("ROLLBACK")
        con.close()
    for corr, body in bodies.items():
        c.send_raw([SIG, b"REFERRAL", corr, rrp.encode(body)])
    for _ in bodies:
        assert_ack(c.recv(), "accepted")
    assert d.stop() == 0


def test_full_database_gives_unavailable_and_keeps_serving(regied):
    d = regied({"daemon": {"max_database_mb": 3, "wal_max_mb": 1}})
    c = d.client("ggz", timeout=10)
    note = "\U0001F600" * 2000          # 8000 bytes: the largest note
    accepted, full = 0, None
    for i in range(1000):
        body = referral_body(new_bsn(), [new_bsn()], note=note)
        r = c.referral(body)
        assert r is not None, "no reply after %d referrals" % accepted
        if r.status == "NACK":
            assert_nack(r, "unavailable")
            full = body
            break
        assert_ack(r, "accepted")
        accepted += 1
    assert full is not None, "1000 referrals of 8 kB fit in 3 MiB?"
    assert accepted > 10, "unavailable too early (%d)" % accepted
    assert c.ping().status == "PONG"
    # Nothing of it was stored: a resend is not a duplicate.
    r = c.referral(full)
    assert r.status == "NACK" or r.body.get("status") == "accepted", r
    if r.status == "NACK":
        assert_nack(r, "unavailable")
    for _ in range(5):
        r = c.referral(referral_body(note=note))
        assert r is not None and (r.status == "ACK"
                                  or r.body.get("error") == "unavailable"), r
    assert c.ping().status == "PONG"
    # The cap counts the WAL too: the files on disk stay near it.
    wal = str(d.db_path) + "-wal"
    on_disk = os.path.getsize(d.db_path) + (os.path.getsize(wal)
                                            if os.path.exists(wal) else 0)
    assert on_disk <= 3 * 1024 * 1024 + 512 * 1024, on_disk
    assert d.stop() == 0
