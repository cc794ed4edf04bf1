#!/usr/bin/python3
"""
Power loss under load (make faults). regied runs with the power-cut shim
(build/faults/powercut.so, tests/faults/powercut.c) in LD_PRELOAD: before
each write to regie.db or regie.db-wal that is not synced yet, the shim
saves what the write replaces in an undo log beside the file; an fsync
or fdatasync of the file empties that log. A cut is SIGKILL followed by
powercut-restore, which applies the undo records newest first: only what
was synced remains, as after a power loss. Then regied starts again (with
the shim) and the checks of crashkit.py follow, as in killnine.py: every
ACKed referral resent is a duplicate with the same references, every one
in flight is stored exactly once, integrity_check is "ok". --loops (12)
cuts under --clients (16) x --inflight (4).

The control: the same run against build/faults/regied-normal, regied with
store.c compiled at synchronous=NORMAL (-DREGIE_FAULTS_SYNC_NORMAL, for
this control only; regied itself cannot be built so). Its commits are
not synced (the WAL is synced only by the next checkpoint), so it must
lose acknowledged referrals. The run fails when regied (FULL) loses any,
or when the control loses none: then the cut does not model what it
claims to. The control makes as many cuts as the run, at least 6 (a cut
right after a checkpoint synced the WAL finds nothing to lose even at
NORMAL: about one in four here).

What the shim cannot model (it gives the harshest clean outcome, every
unsynced write lost, and nothing else):

  - a write that is partly on disk: a sector or page torn inside one
    pwrite, or some unsynced writes kept and others not (a disk may keep
    any subset, in any order); here it is all of them or none;
  - directory entries: creating, removing or renaming a file counts as
    durable at once (SQLite syncs the folder after it creates the WAL;
    that sync is not followed);
  - a disk or controller that acknowledges a flush it has not done, and
    bit rot; the -shm file (SQLite rebuilds it, and never syncs it);
  - writes through a shared writable mmap, pwritev, fallocate or
    truncate(2) by name: the shim aborts regied if one reaches a
    followed file, so they cannot pass unseen.

Prints a line per loop and its figure last; exits 1 when a criterion
fails.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys

import crashkit
import rrp

FAULTS = rrp.BUILD / "faults"
SHIM = FAULTS / "powercut.so"
RESTORE = FAULTS / "powercut-restore"
REGIED_NORMAL = FAULTS / "regied-normal"
NORMAL_MARK = "synchronous=NORMAL, the fault test's control build"
CONTROL_MIN_LOOPS = 6


class CutDaemon(rrp.Daemon):
    """A regied (binary) that runs with the power-cut shim."""

    def __init__(self, keys, overrides, binary):
        super().__init__(keys, overrides)
        self.binary = binary
        self.undone = {"db": 0, "wal": 0}  # writes the restores undid
        self.undone_bytes = 0
        self.cuts = 0

    def start(self, wait=True):
        assert not self.running
        for f in (self.db_path, str(self.db_path) + "-wal"):
            if os.path.exists(str(f) + ".undo"):
                raise crashkit.RunError("an undo log is left before start:"
                                        " %s.undo" % f)
        env = dict(os.environ, LD_PRELOAD=str(SHIM),
                   POWERCUT_DB=str(self.db_path))
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                [str(self.binary), "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                cwd=str(self.cwd), env=env)
        if wait:
            self.wait_ready()
        with open("/proc/%d/maps" % self.proc.pid) as f:
            if str(SHIM) not in f.read():
                raise crashkit.RunError("the shim is not loaded in regied")
        return self

    def cut(self):
        """The power loss: SIGKILL, then only what was synced remains."""
        crashkit.kill9(self)
        p = subprocess.run([str(RESTORE), str(self.db_path)],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise crashkit.RunError("powercut-restore failed: %s"
                                    % p.stderr.strip())
        now = {"db": 0, "wal": 0}
        for path, n, b in re.findall(
                r": (\S+): (\d+) writes undone \((\d+) bytes", p.stdout):
            which = "wal" if path.endswith("-wal") else "db"
            now[which] += int(n)
            self.undone_bytes += int(b)
        for which, n in now.items():
            self.undone[which] += n
        self.cuts += 1
        return "the cut undid %d WAL + %d database writes" % (now["wal"],
                                                             now["db"])


def run(name, binary, keys, args, rng, loops):
    """loops cuts against binary; returns (ledger, daemon figures)."""
    d = CutDaemon(keys, crashkit.crash_config(), binary)
    ledger = crashkit.Ledger()
    try:
        d.start()
        crashkit.run_loops(d, ledger, loops, args.clients,
                           args.inflight, lambda x: x.cut(),
                           lambda x: x.start(), rng, "powercut " + name)
        rc = d.stop()
        if rc != 0:
            ledger.errors.append("regied exited %s on SIGTERM" % rc)
        marked = NORMAL_MARK in d.log
        if marked != (name == "NORMAL"):
            ledger.errors.append("the %s run's regied %s synchronous=NORMAL"
                                 % (name, "logs" if marked
                                    else "does not log"))
    except (AssertionError, OSError) as e:
        ledger.errors.append("%s: %s" % (type(e).__name__, e))
    finally:
        if ledger.errors:
            crashkit.dump_log_tail(d)
        d.cleanup()
    return ledger, d


def control_loops(args):
    """The control's cuts: as many as regied's, and at least
    CONTROL_MIN_LOOPS. A cut that lands while a checkpoint has just
    synced the WAL finds nothing unsynced to lose, even at NORMAL (about
    one cut in four here), so a short run (LOOPS=2) still gets a control
    that fails with near certainty (0.25^6)."""
    return max(args.loops, CONTROL_MIN_LOOPS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loops", type=int, default=12)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--inflight", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--no-control", action="store_true",
                    help="skip the synchronous=NORMAL control")
    args = ap.parse_args()
    for f in (SHIM, RESTORE, REGIED_NORMAL, rrp.REGIED):
        if not f.exists():
            print("powercut: %s is not built (make faults builds it) -> "
                  "FAIL" % f)
            return 1
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("powercut: seed %d" % seed, flush=True)
    keys_dir = rrp.short_tempdir()
    try:
        keys = rrp.Keys(keys_dir)
        full, fd = run("FULL", rrp.REGIED, keys, args, random.Random(seed),
                       args.loops)
        normal = nd = None
        if not args.no_control:
            normal, nd = run("NORMAL", REGIED_NORMAL, keys, args,
                             random.Random(seed + 1), control_loops(args))
    finally:
        shutil.rmtree(keys_dir, ignore_errors=True)
    ok = not full.errors and full.lost == 0 and full.loops == args.loops
    line = ("powercut: FULL %s; %d cuts undid %d WAL and %d database "
            "writes (%d KiB of old bytes back)"
            % (full.summary(), fd.cuts, fd.undone["wal"], fd.undone["db"],
               fd.undone_bytes // 1024))
    if normal is not None:
        # The control's only expected failure is the loss itself.
        control_ok = (not normal.errors and normal.lost > 0
                      and normal.loops == control_loops(args))
        ok = ok and control_ok
        line += ("; control NORMAL lost %d of %d acknowledged (%d cuts "
                 "undid %d WAL and %d database writes) -> control %s"
                 % (normal.lost, normal.acked, nd.cuts, nd.undone["wal"],
                    nd.undone["db"],
                    "fails as it must" if control_ok else
                    "DID NOT FAIL" if normal.lost == 0 else "broken"))
    for name, ledger in (("FULL", full), ("NORMAL", normal)):
        for e in (ledger.errors if ledger else [])[:10]:
            print("powercut %s: %s" % (name, e))
    print(line + " -> " + ("pass" if ok else "FAIL"), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
