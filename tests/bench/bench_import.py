#!/usr/bin/python3
"""
bench_import — the import section of scripts/bench: how long regiectl
import takes for a caseload of --agreements agreements (over --cases new
cases, each with a case number, a BSN and a regisseur; 200 regisseurs),
beside agreement.make one by one over the control socket in the same run
(--one requests, in a row, each its own write transaction: what a script
calling the control socket per agreement gets), and beside the same
caseload sent as one import.run of every line (one transaction: how long
the event loop is held then). While each import runs, a PING is sent on
the control socket every 20 ms and its longest wait kept: what intake
and regiectl wait for at worst meanwhile. Nothing sleeps to synchronise.

    bench_import.py --ctl SOCKET --regiectl PATH --dir DIR
                    [--agreements N] [--cases N] [--one N]

Prints progress lines, then one line
    RESULT cpu_s=... import_s=... lines=... batches=... agreements=... cases=...
           per_s=... one_n=... one_per_s=... ping_max_ms=...
           single_s=... single_ping_max_ms=... present_s=...
(cpu_s: the CPU this script and its regiectl used) and exits 0, or 1
when a step failed.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import zmq

DUE = "2099-03-01 09:00"  # far ahead: nothing falls due while it runs


def bsns(start, n):
    """n valid fictional BSNs (the elfproef) from start on."""
    out, v = [], start
    while len(out) < n:
        s = "%09d" % v
        t = sum(int(s[i]) * (9 - i) for i in range(8)) - int(s[8])
        if t % 11 == 0:
            out.append(s)
        v += 1
    return out


class Control:
    """One REQ socket on the control socket."""

    def __init__(self, ctx, path):
        self.sock = ctx.socket(zmq.REQ)
        self.sock.linger = 0
        self.sock.connect("ipc://" + path)

    def call(self, command, timeout=600, **args):
        self.sock.send(json.dumps({"command": command, "args": args,
                                   "user": "bench"}).encode())
        if not self.sock.poll(int(timeout * 1000)):
            raise SystemExit("bench_import: no reply to %s" % command)
        reply = json.loads(self.sock.recv())
        if not reply.get("ok"):
            raise SystemExit("bench_import: %s: %s" % (command, reply))
        return reply["result"]

    def close(self):
        self.sock.close(0)


class Pinger(threading.Thread):
    """PINGs every 20 ms on its own socket; keeps the longest wait."""

    def __init__(self, ctx, path):
        super().__init__(daemon=True)
        self.ctl = Control(ctx, path)
        self.stop = threading.Event()
        self.max_ms = 0.0

    def run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            self.ctl.call("ping")
            self.max_ms = max(self.max_ms, (time.monotonic() - t0) * 1000)
            self.stop.wait(0.02)
        self.ctl.close()


def caseload(tag, cases, agreements, people):
    """The CSV lines of a caseload: per case one line with its number,
    a BSN and a regisseur (by email), the case's agreements on its
    lines, owners in turn a regisseur, a department, the kernteam and a
    partner."""
    per = agreements // cases
    owners = ["regisseur:%s", "department:inkomen", "kernteam",
              "partner:p1"]
    lines = ["case_ref,bsn,regisseur,type,owner,description,due,"
             "period_days"]
    for c in range(cases):
        email = "r%d@st.example" % (c % 200)
        for a in range(per):
            owner = owners[a % 4]
            if "%s" in owner:
                owner = owner % email
            lines.append("%s-%d,%s,%s,%s,%s,Afspraak %d,%s,%s" % (
                tag, c, people[c] if a == 0 else "",
                email if a == 0 else "",
                "intensive" if c % 5 == 0 and a == 0 else "", owner, a,
                DUE, 14 if a % 2 else ""))
    return lines


def as_request_lines(csv_lines):
    """The same caseload as import.run takes it (what regiectl sends)."""
    out = []
    for no, text in enumerate(csv_lines[1:], start=2):
        ref, bsn, reg, typ, owner, desc, due, days = text.split(",")
        case = {"ref": ref}
        for k, v in (("bsn", bsn), ("regisseur", reg), ("type", typ)):
            if v:
                case[k] = v
        otype, _, oid = owner.partition(":")
        agree = {"kind": "request" if otype == "department" else "custom",
                 "owner_type": otype, "owner": oid or "kernteam",
                 "description": desc, "due": due}
        if days:
            agree["period_days"] = int(days)
        out.append({"line": no, "case": case, "agreement": agree})
    return out


def regiectl(a, *args):
    p = subprocess.run([a.regiectl, "-s", a.ctl, "--json", "-t", "600"] +
                       list(args), capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("bench_import: regiectl %s: %s" % (
            " ".join(args), p.stderr[-2000:]))
    return json.loads(p.stdout)


def timed_import(a, ctx, path):
    """regiectl import path, with a pinger; (seconds, result, ping ms)."""
    pinger = Pinger(ctx, a.ctl)
    pinger.start()
    t0 = time.monotonic()
    r = regiectl(a, "import", path)
    t = time.monotonic() - t0
    pinger.stop.set()
    pinger.join()
    return t, r, pinger.max_ms


def one_by_one(ctl, n, cases):
    """n agreement.make in a row, about cases (references); per second."""
    t0 = time.monotonic()
    for i in range(n):
        ctl.call("agreement.make", kind="custom", owner_type="kernteam",
                 owner="kernteam", case=cases[i % len(cases)],
                 description="Een voor een %d" % i, due=DUE)
    return n / (time.monotonic() - t0)


def single(a, ctx, ctl, lines):
    """Every line in one import.run: (seconds, ping ms)."""
    pinger = Pinger(ctx, a.ctl)
    pinger.start()
    time.sleep(0.05)  # a ping or two before: the baseline of the wait
    t0 = time.monotonic()
    r = ctl.call("import.run", lines=lines)
    t = time.monotonic() - t0
    pinger.stop.set()
    pinger.join()
    if r["errors"] or r["agreements"]["made"] != len(lines):
        raise SystemExit("bench_import: one import.run: %r" % (
            r["errors"][:3] or r["agreements"]))
    return t, pinger.max_ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--regiectl", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--agreements", type=int, default=10000)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--one", type=int, default=1000)
    a = ap.parse_args()
    ctx = zmq.Context()
    ctl = Control(ctx, a.ctl)
    ctl.call("ping")
    for i in range(200):
        ctl.call("regisseur.add", name="Regisseur %d" % i,
                 organisation="Sociaal Team", email="r%d@st.example" % i)
    people = bsns(100000000, 2 * a.cases)
    path = os.path.join(a.dir, "caseload.csv")
    lines = caseload("Z", a.cases, a.agreements, people[:a.cases])
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("  file: %d lines, %d bytes" % (len(lines) - 1,
                                         os.path.getsize(path)), flush=True)
    t, r, ping = timed_import(a, ctx, path)
    made = r["agreements"]["made"]
    print("  regiectl import: %.2f s" % t, flush=True)
    t2, r2, _ = timed_import(a, ctx, path)
    if r2["agreements"]["present"] != made or r2["agreements"]["made"]:
        raise SystemExit("bench_import: the second import added %r" % (
            r2["agreements"],))
    cases = sorted({d["case"] for d in r["done"]})
    rate = one_by_one(ctl, a.one, cases)
    print("  agreement.make one by one: %.0f/s" % rate, flush=True)
    other = as_request_lines(caseload("Y", a.cases, a.agreements,
                                      people[a.cases:]))
    ts, sping = single(a, ctx, ctl, other)
    print("  one import.run of every line: %.2f s" % ts, flush=True)
    ctl.close()
    own = os.times()
    print("RESULT cpu_s=%.2f import_s=%.3f lines=%d batches=%d agreements=%d cases=%d"
          " per_s=%.0f one_n=%d one_per_s=%.0f ping_max_ms=%.0f"
          " single_s=%.3f single_ping_max_ms=%.0f present_s=%.3f" % (
              own.user + own.system + own.children_user +
              own.children_system, t, r["lines"], r["batches"], made, r["cases"]["opened"],
              made / t, a.one, rate, ping, ts, sping, t2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
