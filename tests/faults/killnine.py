#!/usr/bin/python3
"""
kill -9 under load (make faults): regied takes referrals from --clients
clients (16) with --inflight (4) each in flight and is killed with
SIGKILL at a random moment (a random number of ACKs, then up to 50 ms
more), --loops (20) times. After each restart, ready when it answers
PING, the checks of crashkit.py:

  - 0 acknowledged referrals lost: each ACKed one resent gets ACK
    "duplicate" with the same references;
  - each one in flight at the kill, resent, is accepted or a duplicate,
    and resent again a duplicate with the same references (stored
    exactly once); the database holds every external_id once, with the
    references its ACKs gave;
  - PRAGMA integrity_check is "ok" after every loop.

Prints a line per loop and its figure last; exits 1 when a criterion
fails.

There is no control for this run, and none can be honest: a process
killed with SIGKILL leaves its writes in the kernel's page cache, which
survives it, so a regied at synchronous=NORMAL (or OFF) passes this run
just as well (TRAPS.md: "kill -9 cannot tell FULL from NORMAL; only a
simulated power loss can"). The power-loss run (powercut.py) carries the
control of durability: the same checks against regied-normal, which must
lose acknowledged referrals. What this run can fail on is the rest: a
kill in the middle of a batch, a checkpoint or a WAL truncation must
leave a database that opens, passes integrity_check and answers every
resend as one stored referral.
"""

import argparse
import random
import shutil
import sys

import crashkit
import rrp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loops", type=int, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--inflight", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print("killnine: seed %d; no control (kill -9 keeps the page cache: "
          "NORMAL would pass too; powercut carries the control)" % seed,
          flush=True)
    keys_dir = rrp.short_tempdir()
    d = None
    ledger = crashkit.Ledger()
    try:
        d = rrp.Daemon(rrp.Keys(keys_dir), crashkit.crash_config())
        d.start()
        crashkit.run_loops(d, ledger, args.loops, args.clients,
                           args.inflight, crashkit.kill9,
                           lambda x: x.start(), rng, "killnine")
        rc = d.stop()
        if rc != 0:
            ledger.errors.append("regied exited %s on SIGTERM" % rc)
    except (AssertionError, OSError) as e:
        ledger.errors.append("%s: %s" % (type(e).__name__, e))
    finally:
        if d is not None and ledger.errors:
            crashkit.dump_log_tail(d)
        if d is not None:
            d.cleanup()
        shutil.rmtree(keys_dir, ignore_errors=True)
    ok = (not ledger.errors and ledger.lost == 0
          and ledger.loops == args.loops)
    for e in ledger.errors[:10]:
        print("killnine: %s" % e)
    print("killnine: %d of %d loops, %d clients x %d in flight: %s -> %s"
          % (ledger.loops, args.loops, args.clients, args.inflight,
             ledger.summary(), "pass" if ok else "FAIL"), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
