#!/usr/bin/python3
"""
A full disk, long (make faults): the longer sibling of
tests/integration/test_disk_full.py. regied's database is on a small
tmpfs (--fs-mb, 32 MiB), daemon.wal_max_mb 1 and min_free_mb 2, under
--clients (16) clients with --inflight (2) referrals each in flight.
--cycles (8) times: a filler file leaves --leave-mb (4 MiB) free; the
clients go on until regied has refused --refusals (200) referrals; the
filler is removed and, with no restart, each client sends its refused
referrals again before new ones. Criteria:

  - every refusal is NACK unavailable with retry true, and SQLite never
    failed for want of space: the log names no full disk and at each
    refusal phase the reserve (more than 1 MiB) was still free;
  - the WAL's largest size, sampled at every reply, stays under twice
    wal_max_mb plus 1 MiB;
  - intake comes back by itself in every cycle (the same process,
    within --recover-s seconds of the space returning);
  - exactly once: each refused referral sent again is accepted, and sent
    once more a duplicate with the same references; at the end every
    acknowledged referral resent is a duplicate with the same
    references, the database holds each once, and integrity_check is ok.

Prints a line per cycle and its figures last (ACKed, refused, recovered,
resends, the WAL's largest size); exits 1 when a criterion fails, 77
(skipped) when no tmpfs can be mounted here (mounting needs root,
CAP_SYS_ADMIN).

--control runs the same cycles against a regied whose space guard is
off: build/faults/noguard.so in LD_PRELOAD makes statvfs(2) report the
file system empty, so the guard never refuses (the configuration cannot
turn it off: min_free_mb must be at least wal_max_mb; the daemon is not
rebuilt). That run must fail, and on the guard's own criterion: SQLite
runs into the full disk and the reserve is used up, which is what the
guard exists to prevent. If the control passes, or fails only on
something else, this run cannot tell a guarded daemon from an unguarded
one, and diskfull.py exits 1.

What the control does not show, and why: the issue's wedge (intake not
coming back once space returns, the WAL past its bound) does not happen
with the guard alone off. The WAL bound from the same fix
(daemon.wal_max_mb: past it the writer starts the WAL over, past twice
it truncates it) keeps a checkpoint possible and the WAL small on its own, so
the control's intake comes back and its WAL stays under the bound too;
its figures are printed so that this can be seen. Taking the WAL bound
away as well would need another build of regied; the short test
(test_max_database_mb_counts_the_wal) and this run's WAL figure watch
the bound instead.
"""

import argparse
import collections
import os
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import zmq  # noqa: E402

import crashkit  # noqa: E402
import rrp  # noqa: E402

MiB = 1024 * 1024
NOGUARD = rrp.BUILD / "faults" / "noguard.so"
SKIP = 77
NOTE = "x" * 2000
SQLITE_FULL_SIGNS = ("disk is full", "SQLITE_FULL", "code=13")


class Skip(Exception):
    pass


def mount_small_fs(size_mb):
    """A new short folder with a tmpfs of size_mb mounted at <folder>/fs."""
    folder = rrp.short_tempdir()
    mnt = folder + "/fs"
    os.mkdir(mnt)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o",
                        "size=%dm,mode=0700" % size_mb, "tmpfs", mnt],
                       capture_output=True, text=True)
    if p.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise Skip("cannot mount a tmpfs here (needs root, CAP_SYS_ADMIN): "
                   "%s" % (p.stderr.strip() or "mount exited %d"
                           % p.returncode))
    return folder, mnt


def unmount(folder, mnt):
    subprocess.run(["umount", mnt], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path, leave):
    """Writes a filler file until about leave bytes are free."""
    chunk = b"\0" * (64 * 1024)
    with open(path, "ab") as f:
        while free_bytes(os.path.dirname(path)) - len(chunk) > leave:
            f.write(chunk)
            f.flush()
    return os.path.getsize(path)


class GuardDaemon(rrp.Daemon):
    """regied, with the space guard blinded (control) or not."""

    def __init__(self, keys, overrides, folder, control):
        super().__init__(keys, overrides, folder=folder)
        self.control = control

    def start(self, wait=True):
        env = dict(os.environ)
        if self.control:
            env["LD_PRELOAD"] = str(NOGUARD)
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                [str(rrp.REGIED), "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                cwd=str(self.cwd), env=env)
        if wait:
            self.wait_ready()
        return self


class Clients:
    """clients DEALER sockets with inflight referrals each: a client
    sends what it has to send again (resend) before a new referral."""

    def __init__(self, d, clients, inflight):
        self.d, self.inflight = d, inflight
        self.socks = []
        for i in range(clients):
            partner = crashkit.PARTNERS[i % len(crashkit.PARTNERS)]
            c = rrp.Client(d.endpoint, d.keys.server_public,
                           d.keys.pairs[partner], dealer=True,
                           timeout=crashkit.REPLY_TIMEOUT)
            self.socks.append((partner, c))
        self.again = [collections.deque() for _ in self.socks]
        self.busy = [0] * len(self.socks)
        self.pending = {}       # corr -> (client, body, resent)
        self.seq = 0
        self.poller = zmq.Poller()
        for _, c in self.socks:
            self.poller.register(c.sock, zmq.POLLIN)
        self.index = {c.sock: i for i, (_, c) in enumerate(self.socks)}

    def _send(self, i):
        partner, c = self.socks[i]
        resent = bool(self.again[i])
        body = self.again[i].popleft() if resent else rrp.referral_body(
            rrp.new_bsn(), [rrp.new_bsn()], note=NOTE)
        self.seq += 1
        corr = b"%d:%d" % (i, self.seq)
        self.pending[corr] = (i, body, resent)
        self.busy[i] += 1
        c.send_raw([rrp.SIG, b"REFERRAL", corr, rrp.encode(body)])

    def fill_up(self, sending):
        for i in range(len(self.socks)):
            while sending and self.busy[i] < self.inflight:
                self._send(i)

    def replies(self, timeout_ms, sending=True):
        """Yields (client, body, resent, Reply) for each reply within
        timeout_ms, keeping every client at inflight requests while
        sending is true."""
        self.fill_up(sending)
        for sock, _ in self.poller.poll(timeout_ms):
            i = self.index[sock]
            while True:
                frames = crashkit.recv_now(self.socks[i][1])
                if frames is None:
                    break
                r = rrp.Reply(frames)
                ci, body, resent = self.pending.pop(r.corr)
                self.busy[ci] -= 1
                yield ci, body, resent, r
        self.fill_up(sending)

    def close(self):
        for _, c in self.socks:
            c.close()


class Figures:
    def __init__(self):
        self.acked = {}          # (partner, external_id) -> refs
        self.refused = 0
        self.bad_refusals = []   # NACKs other than unavailable/retry
        self.recovered = 0
        self.recover_ms = []
        self.resent = 0          # refused ones sent again
        self.resent_once = 0     # ... accepted, then a duplicate
        self.final_dups = 0      # acknowledged ones resent at the end
        self.final_total = 0
        self.max_wal = 0
        self.min_free_refusing = None
        self.sqlite_full = None  # the log names a full disk; None: unread
        self.errors = []


def wal_size(d):
    try:
        return os.path.getsize(str(d.db_path) + "-wal")
    except FileNotFoundError:
        return 0


def until_refused(d, cl, fig, refusals, limit_s):
    """Load until refusals NACKs came (or limit_s passed); returns the
    refused bodies per client."""
    refused = [[] for _ in cl.socks]
    n, t0 = 0, time.monotonic()
    while n < refusals and time.monotonic() - t0 < limit_s:
        for ci, body, _, r in cl.replies(50):
            fig.max_wal = max(fig.max_wal, wal_size(d))
            key = (cl.socks[ci][0], body["external_id"])
            if r.status == "ACK" and r.body.get("status") == "accepted":
                fig.acked[key] = rrp.refs(r.body)
                continue
            if (r.status != "NACK" or r.body.get("error") != "unavailable"
                    or r.body.get("retry") is not True):
                fig.bad_refusals.append(repr(r))
                continue
            n += 1
            refused[ci].append(body)
            free = free_bytes(os.path.dirname(str(d.db_path)))
            if fig.min_free_refusing is None or free < fig.min_free_refusing:
                fig.min_free_refusing = free
    fig.refused += n
    # The requests still in flight are answered before the filler goes.
    for ci, body, _, r in drain(cl):
        key = (cl.socks[ci][0], body["external_id"])
        if r.status == "ACK":
            fig.acked[key] = rrp.refs(r.body)
        elif r.body.get("error") == "unavailable":
            fig.refused += 1
            refused[ci].append(body)
        else:
            fig.bad_refusals.append(repr(r))
    return refused, n >= refusals


def drain(cl):
    """The replies to every request in flight, sending nothing new."""
    out, t0 = [], time.monotonic()
    while cl.pending and time.monotonic() - t0 < crashkit.REPLY_TIMEOUT:
        out += list(cl.replies(100, sending=False))
    if cl.pending:
        raise crashkit.RunError("%d requests never answered"
                                % len(cl.pending))
    return out


def recover(d, cl, fig, refused, limit_s):
    """After the space returns: each client sends its refused referrals
    again first. Returns ms to the first ACK, or None when intake did not
    come back within limit_s (or every refused one was not taken)."""
    resend = {}
    for ci, bodies in enumerate(refused):
        cl.again[ci].extend(bodies)
        for b in bodies:
            resend[(cl.socks[ci][0], b["external_id"])] = b
    fig.resent += len(resend)
    t0 = time.monotonic()
    first, settled = None, {}
    while len(settled) < len(resend) and time.monotonic() - t0 < limit_s:
        for ci, body, resent, r in cl.replies(50):
            fig.max_wal = max(fig.max_wal, wal_size(d))
            key = (cl.socks[ci][0], body["external_id"])
            if r.status == "ACK" and first is None:
                first = (time.monotonic() - t0) * 1000
            if r.status == "NACK":
                if r.body.get("error") != "unavailable":
                    fig.bad_refusals.append(repr(r))
                elif resent:
                    cl.again[ci].append(body)  # not yet: again later
                continue
            if key in resend and key not in settled:
                if r.body.get("status") != "accepted":
                    fig.errors.append("refused %s came back %r"
                                      % (key, r))
                settled[key] = rrp.refs(r.body)
            fig.acked[key] = rrp.refs(r.body)
    drain_into(cl, fig)
    for ci in range(len(cl.socks)):
        cl.again[ci].clear()
    # Sent once more: each is a duplicate with the same references.
    items = [(k[0], resend[k]) for k in settled]
    for (p, b), r in zip(items, crashkit.resend(d, items)):
        key = (p, b["external_id"])
        if crashkit.ack_refs(r, ("duplicate",)) == settled[key]:
            fig.resent_once += 1
        else:
            fig.errors.append("refused %s, accepted, resent: %r"
                              % (key, r))
    if first is None or len(settled) < len(resend):
        return None
    return first


def drain_into(cl, fig):
    for ci, body, _, r in drain(cl):
        if r.status == "ACK":
            fig.acked[(cl.socks[ci][0], body["external_id"])] = \
                rrp.refs(r.body)


def final_checks(d, fig):
    """The database: each acknowledged referral once, with the references
    of its ACK, nothing else; integrity_check. (The bodies are not kept,
    so this is read from the database, beside regied.)"""
    con = sqlite3.connect("file:%s?mode=ro" % d.db_path, uri=True,
                          timeout=30)
    try:
        integrity = "; ".join(r[0] for r in
                              con.execute("PRAGMA integrity_check"))
        rows = con.execute("SELECT partner, external_id, id, case_id"
                           " FROM referral").fetchall()
    finally:
        con.close()
    stored = {(p, e): ("R-%06d" % i, "C-%06d" % c) for p, e, i, c in rows}
    if integrity != "ok":
        fig.errors.append("integrity_check: %s" % integrity[:300])
    if len(rows) != len(stored):
        fig.errors.append("a referral stored twice")
    for key, refs in fig.acked.items():
        fig.final_total += 1
        if stored.get(key) == refs:
            fig.final_dups += 1
    extra = set(stored) - set(fig.acked)
    if extra:
        fig.errors.append("%d referrals stored that were never "
                          "acknowledged, e.g. %s" % (len(extra),
                                                     next(iter(extra))))
    return integrity


def run(args, control):
    folder, mnt = mount_small_fs(args.fs_mb)
    keys_dir = rrp.short_tempdir()
    fig = Figures()
    d = None
    try:
        keys = rrp.Keys(keys_dir)
        d = GuardDaemon(keys, {"daemon": {
            "database": mnt + "/regie.db", "wal_max_mb": 1,
            "min_free_mb": 2, "log_level": "notice"}}, folder, control)
        d.start()
        pid = d.proc.pid
        filler = mnt + "/filler"
        for n in range(1, args.cycles + 1):
            cl = Clients(d, args.clients, args.inflight)
            try:
                fill(filler, args.leave_mb * MiB)
                before = len(fig.acked)
                refused, full = until_refused(d, cl, fig, args.refusals,
                                              args.full_s)
                nref = sum(len(b) for b in refused)
                os.unlink(filler)
                ms = recover(d, cl, fig, refused, args.recover_s) \
                    if full else None
            finally:
                cl.close()
            alive = d.running and d.proc.pid == pid
            if ms is not None and alive:
                fig.recovered += 1
                fig.recover_ms.append(ms)
            print("diskfull%s cycle %d/%d: %d ACKed, then %d refused%s; "
                  "space back: %s; WAL largest so far %.2f MiB"
                  % (" control" if control else "", n, args.cycles,
                     len(fig.acked) - before, nref,
                     "" if full else " (the disk never filled within %ds)"
                     % args.full_s,
                     "intake back in %.0f ms, no restart" % ms
                     if ms is not None and alive else
                     "regied is gone" if not alive else
                     "intake did NOT come back within %ds" % args.recover_s,
                     fig.max_wal / MiB), flush=True)
            if not alive:
                fig.errors.append("regied exited %s" % d.proc.poll())
                break
        if d.running:
            final_checks(d, fig)
        log = d.log
        fig.sqlite_full = any(s in log for s in SQLITE_FULL_SIGNS)
        rc = d.stop() if d.running else d.proc.returncode
        if rc != 0:
            fig.errors.append("regied exited %s on SIGTERM" % rc)
    finally:
        if d is not None:
            d.cleanup(remove=False)
        unmount(folder, mnt)
        shutil.rmtree(keys_dir, ignore_errors=True)
    return fig


def verdict(args, fig):
    """(ok, the criteria that failed)."""
    failed = []
    if fig.bad_refusals:
        failed.append("%d refusals not 'unavailable' (e.g. %s)"
                      % (len(fig.bad_refusals), fig.bad_refusals[0][:120]))
    if fig.sqlite_full:
        failed.append("SQLite ran into the full disk (the log says so)")
    elif fig.sqlite_full is None:
        failed.append("the run ended before regied's log was read")
    if fig.min_free_refusing is not None and fig.min_free_refusing <= MiB:
        failed.append("refusing with %.2f MiB free: the reserve was used"
                      % (fig.min_free_refusing / MiB))
    if fig.max_wal > 3 * MiB:
        failed.append("the WAL reached %.2f MiB (bound 3)"
                      % (fig.max_wal / MiB))
    if fig.recovered < args.cycles:
        failed.append("intake came back in %d of %d cycles"
                      % (fig.recovered, args.cycles))
    if fig.resent_once < fig.resent:
        failed.append("%d of %d refused ones not stored exactly once"
                      % (fig.resent - fig.resent_once, fig.resent))
    if fig.final_dups < fig.final_total:
        failed.append("%d of %d acknowledged ones not in the database "
                      "with their references"
                      % (fig.final_total - fig.final_dups, fig.final_total))
    failed += fig.errors[:5]
    return not failed, failed


def figure(args, fig):
    return ("%d ACKed, %d refused (all unavailable: %s), recovered without "
            "restart %d/%d (slowest %.0f ms), resends exactly once %d/%d, "
            "acknowledged in the database %d/%d, WAL largest %.2f MiB, "
            "least free while refusing %s"
            % (len(fig.acked), fig.refused,
               "yes" if not fig.bad_refusals else "NO",
               fig.recovered, args.cycles,
               max(fig.recover_ms) if fig.recover_ms else 0,
               fig.resent_once, fig.resent, fig.final_dups,
               fig.final_total, fig.max_wal / MiB,
               "%.2f MiB" % (fig.min_free_refusing / MiB)
               if fig.min_free_refusing is not None else "-"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=8)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--inflight", type=int, default=2)
    ap.add_argument("--fs-mb", type=int, default=32)
    ap.add_argument("--leave-mb", type=int, default=4)
    ap.add_argument("--refusals", type=int, default=200)
    ap.add_argument("--full-s", type=int, default=60,
                    help="seconds the clients get to fill the disk")
    ap.add_argument("--recover-s", type=int, default=10)
    ap.add_argument("--control", action="store_true",
                    help="also run with the space guard off; it must fail")
    args = ap.parse_args()
    if args.control and not NOGUARD.exists():
        print("diskfull: %s is not built (make faults builds it) -> FAIL"
              % NOGUARD)
        return 1
    rc, last = 0, []
    runs = [("guarded", False)] + ([("control", True)] if args.control
                                   else [])
    for name, control in runs:
        try:
            fig = run(args, control)
        except Skip as e:
            print("diskfull: skipped: %s" % e, flush=True)
            return SKIP
        ok, failed = verdict(args, fig)
        for f in failed:
            print("diskfull %s: %s" % (name, f))
        print("diskfull %s: %s" % (name, figure(args, fig)), flush=True)
        if control:
            # It must fail where the guard matters, not by accident.
            honest = not ok and bool(fig.sqlite_full)
            last.append("control (guard off): %s -> %s"
                        % ("; ".join(failed) or "passed",
                           "fails as it must" if honest else
                           "DID NOT FAIL" if ok else
                           "failed for another reason"))
            rc |= 0 if honest else 1
        else:
            last.append("%d ACKed, %d refused (all unavailable: %s), "
                        "recovered without restart %d/%d, resends exactly "
                        "once %d/%d, WAL largest %.2f MiB -> %s"
                        % (len(fig.acked), fig.refused,
                           "yes" if not fig.bad_refusals else "NO",
                           fig.recovered, args.cycles, fig.resent_once,
                           fig.resent, fig.max_wal / MiB,
                           "pass" if ok else "FAIL"))
            rc |= 0 if ok else 1
    print("diskfull: %s" % "; ".join(last), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
