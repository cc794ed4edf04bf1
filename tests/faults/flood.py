#!/usr/bin/python3
"""
Connection flood against a real regied (make faults): idle TCP
connections that never start a handshake, plus unauthenticated attempts
(raw bytes, ZeroMQ NULL, CURVE with a key no configuration names),
while a legitimate partner pings lock-step. Prints its figures last and
exits 1 when a criterion fails:

  - every PING of the partner during the attack is answered within 1 s;
  - its p99 under attack is under 2 x its p99 alone (plus 1 ms, the
    resolution of a loopback round trip);
  - regied wrote fewer than --max-log-lines log lines during the attack.

regied starts with a soft descriptor limit of 1024 (the default a
service gets) and the hard limit --hard; the attack opens --idle idle
connections, more than 1024.

--control runs the same attack against a regied that cannot defend
itself: its hard limit equal to its soft one (1024), the connection
guard off (limits.max_connections = -1) and libzmq's default handshake
interval (30 s). That run must fail the
criteria; if it passes, the test cannot tell a defended daemon from an
undefended one, and flood.py exits 1.
"""

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import zmq  # noqa: E402

import rrp  # noqa: E402


def ping_latencies(client, n, timeout=1.0, stop=None):
    """Lock-step PINGs; returns (latencies in ms, unanswered count)."""
    lat, lost = [], 0
    for _ in range(n):
        if stop is not None and stop.is_set():
            break
        t0 = time.perf_counter()
        try:
            r = client.ping(timeout=timeout)
        except AssertionError:  # the late reply of a PING counted lost
            r = None
        dt = (time.perf_counter() - t0) * 1000
        if r is None or r.status != "PONG":
            lost += 1  # REQ_RELAXED: the next PING goes on this socket
        else:
            lat.append(dt)
    return lat, lost


def cpu_ticks(pid):
    """User and system time of pid, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return int(st[11]) + int(st[12])


def p99(values):
    if not values:
        return float("inf")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * 0.99))]


class IdleHolder(threading.Thread):
    """Keeps n TCP connections to port open without ever sending a byte:
    a connection the daemon drops (its handshake timed out) is opened
    again, as an attacker would, until stop is set."""

    def __init__(self, port, n, stop):
        super().__init__(daemon=True)
        self.port, self.n, self.stop = port, n, stop
        self.socks, self.reopened = [], 0

    def _open(self):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            pass
        return s

    def _closed(self, s):
        try:
            return s.recv(1) == b""
        except BlockingIOError:
            return False
        except OSError as e:
            return e.errno not in (11, 115)  # EAGAIN, EINPROGRESS

    def run(self):
        # In steps, so that the listen backlog (100) does not overflow:
        # a connection the kernel drops there never reaches the daemon.
        while len(self.socks) < self.n and not self.stop.is_set():
            self.socks += [self._open() for _ in range(50)]
            time.sleep(0.02)
        while not self.stop.wait(0.5):
            for i, s in enumerate(self.socks):
                if self._closed(s):
                    s.close()
                    self.socks[i] = self._open()
                    self.reopened += 1
        for s in self.socks:
            s.close()


def attempts(endpoint, port, server_public, n, stranger):
    """n unauthenticated attempts, three kinds in turn."""
    ctx = zmq.Context.instance()
    for i in range(n):
        kind = i % 3
        if kind == 0:
            s = socket.socket()
            s.settimeout(0.2)  # a full backlog must not stall the attack
            try:
                s.connect(("127.0.0.1", port))
                s.send(b"GET / HTTP/1.0\r\n\r\n")
            except OSError:
                pass
            s.close()
            continue
        z = ctx.socket(zmq.DEALER)
        z.linger = 0
        if kind == 2:
            z.curve_serverkey = server_public.encode()
            z.curve_publickey = stranger[0].encode()
            z.curve_secretkey = stranger[1].encode()
        z.connect(endpoint)
        try:
            z.send_multipart([b"", b"RRP1", b"PING", b"x", b""],
                             zmq.NOBLOCK)
        except zmq.ZMQError:
            pass
        # Long enough for the handshake to fail at the daemon (a reply
        # never comes), so each attempt costs it a refusal.
        z.poll(20)
        z.close()


def run(args, control):
    keys = rrp.Keys(rrp.short_tempdir())
    hard = 1024 if control else args.hard
    over = ({"limits": {"max_connections": -1, "handshake_ms": 30000}}
            if control else {})
    d = rrp.Daemon(keys, over)

    def limits():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    with open(d.log_path, "ab") as logf:
        d.proc = subprocess.Popen([str(rrp.REGIED), "-c", str(d.config_path)],
                                  stdin=subprocess.DEVNULL, stdout=logf,
                                  stderr=logf, cwd=str(d.cwd),
                                  preexec_fn=limits)
    d.wait_ready()
    port = int(d.endpoint.rsplit(":", 1)[1])
    def rounds(n, busy=None, seconds=None):
        """PINGs in rounds of 20, each from a new connection (a partner
        that connects during the attack), until n were sent (or seconds
        have passed) and busy, when given, has ended."""
        lat, lost = [], 0
        t = time.monotonic()
        while ((len(lat) + lost < n and
                (seconds is None or time.monotonic() - t < seconds)) or
               (busy is not None and busy.is_alive())):
            c = d.client("vt", timeout=1.0)
            l1, n1 = ping_latencies(c, 20)
            c.close()
            lat += l1
            lost += n1
        return lat, lost

    alone, _ = rounds(args.pings)
    lines_before = len(d.log.splitlines())
    stop = threading.Event()
    idle = IdleHolder(port, args.idle, stop)
    idle.start()
    time.sleep(args.settle)  # the attack in place before the partner comes
    fds = len(os.listdir("/proc/%d/fd" % d.proc.pid))
    cpu0 = cpu_ticks(d.proc.pid)
    worker = threading.Thread(target=attempts, args=(
        d.endpoint, port, keys.server_public, args.attempts,
        keys.pairs["stranger"]))
    t0 = time.monotonic()
    worker.start()

    lat, lost = rounds(args.pings, worker, args.seconds)
    while time.monotonic() - t0 < args.seconds:
        l1, n1 = rounds(20, seconds=args.seconds)
        lat += l1
        lost += n1
    attack_s = time.monotonic() - t0
    cpu = (cpu_ticks(d.proc.pid) - cpu0) / os.sysconf("SC_CLK_TCK") / attack_s
    worker.join()
    stop.set()
    idle.join()
    log_lines = len(d.log.splitlines()) - lines_before
    d.stop()
    d.cleanup()
    res = {
        "p99_alone_ms": p99(alone), "p99_attack_ms": p99(lat),
        "max_attack_ms": max(lat) if lat else float("inf"),
        "answered": len(lat), "unanswered": lost, "log_lines": log_lines,
        "attack_s": attack_s, "reopened": idle.reopened, "fds": fds,
        "cpu": cpu * 100,
    }
    ok = (lost == 0 and res["max_attack_ms"] <= 1000 and
          res["p99_attack_ms"] <= 2 * res["p99_alone_ms"] + 1 and
          log_lines < args.max_log_lines)
    return ok, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--attempts", type=int, default=10000)
    ap.add_argument("--pings", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=20,
                    help="the partner pings for at least this long")
    ap.add_argument("--settle", type=float, default=8,
                    help="seconds the idle connections get to pile up")
    ap.add_argument("--hard", type=int, default=0,
                    help="regied's hard limit (default: this process's)")
    ap.add_argument("--max-log-lines", type=int, default=200)
    ap.add_argument("--control", action="store_true",
                    help="also run the undefended control, which must fail")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.hard <= 0 or args.hard > hard:
        args.hard = hard
    rc = 0
    runs = [("defended", False)] + ([("control", True)] if args.control
                                    else [])
    for name, control in runs:
        ok, r = run(args, control)
        print("flood %s: %d idle + %d attempts in %.1f s; partner p99 alone "
              "%.2f ms, under attack %.2f ms (max %.0f ms), %d answered, %d "
              "unanswered; %d log lines; idle reopened %d; regied %d "
              "descriptors, %.0f%% CPU -> %s"
              % (name, args.idle, args.attempts, r["attack_s"],
                 r["p99_alone_ms"], r["p99_attack_ms"], r["max_attack_ms"],
                 r["answered"], r["unanswered"], r["log_lines"],
                 r["reopened"], r["fds"], r["cpu"], "pass" if ok else "FAIL"),
              flush=True)
        if ok == control:
            rc = 1
    print("flood: %s" % ("ok" if rc == 0 else "FAILED"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
