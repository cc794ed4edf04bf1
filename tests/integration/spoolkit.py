"""
spoolkit — helpers for the tests of the spool adapters (regie-spool,
regie-ijw) against a real regied (rrp.Daemon):

  - Adapter: one adapter process with its own short folder, configuration
    (adapter group pointing at the daemon with a partner's keys, spool
    group with short retry times, and the program's own group), log file,
    start / stop (SIGTERM) / kill (SIGKILL) / wait;
  - drop(): puts a file in a spool folder the way partners must, under a
    dot-name first and renamed when complete;
  - wait_for(): polls a condition with a bounded deadline (never a fixed
    sleep as synchronisation);
  - referral_counts(): external_id -> number of referral rows, read from
    the daemon's database.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import rrp

SPOOL_BIN = rrp.BUILD / "regie-spool"
IJW_BIN = rrp.BUILD / "regie-ijw"
SPOOL_DATA = rrp.REPO / "tests" / "data" / "spool"
IJW_DATA = rrp.REPO / "tests" / "data" / "ijw"
WAIT = 20.0  # seconds: the longest any condition is waited for


def wait_for(cond, what, timeout=WAIT, proc=None, log=None):
    """Polls cond() until it is true; fails after timeout seconds, or when
    proc (an Adapter) exits meanwhile. Returns cond's value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if proc is not None and not proc.running:
            raise AssertionError("%s: the adapter exited %s before; log:\n%s"
                                 % (what, proc.proc.returncode, proc.log))
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s; log:\n%s"
                                 % (what, log() if log else ""))
        time.sleep(0.02)


def drop(folder, name, data):
    """Writes data (bytes or str) to folder/name as a partner must: under
    '.name.tmp' first, renamed when complete."""
    folder = Path(folder)
    tmp = folder / (".%s.tmp" % name)
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
    os.rename(tmp, folder / name)
    return folder / name


def referral_counts(daemon, partner=None):
    """external_id -> rows in the referral table (of partner, if given)."""
    db = sqlite3.connect(str(daemon.db_path), timeout=10)
    try:
        sql = "SELECT external_id, count(*) FROM referral"
        args = ()
        if partner:
            sql += " WHERE partner = ?"
            args = (partner,)
        rows = db.execute(sql + " GROUP BY external_id", args).fetchall()
    finally:
        db.close()
    return dict(rows)


def referral_rows(daemon, columns="external_id, kind, category"):
    db = sqlite3.connect(str(daemon.db_path), timeout=10)
    try:
        return db.execute("SELECT %s FROM referral ORDER BY id"
                          % columns).fetchall()
    finally:
        db.close()


class Adapter:
    """One adapter process (regie-spool or regie-ijw) in its own folder:
    dir/in is the spool folder, dir/adapter.conf the configuration,
    dir/adapter.log its stderr. group: the program's own configuration
    text (e.g. @include "vt-csv.conf" with include files copied next to
    it from includes)."""

    def __init__(self, binary, daemon, partner, group="", includes=(),
                 adapter_over=None, spool_over=None):
        self.binary = Path(binary)
        self.daemon = daemon
        self.dir = Path(rrp.short_tempdir())
        self.folder = self.dir / "in"
        self.folder.mkdir()
        for inc in includes:
            shutil.copy(inc, self.dir)
        keys = daemon.keys.folder
        adapter = {"endpoint": daemon.endpoint,
                   "server_key": keys / "server.pub",
                   "key": keys / (partner + ".key"),
                   "timeout_ms": 400, "attempts": 2, "backoff_ms": 50,
                   "backoff_max_ms": 100, "log_level": "info"}
        adapter.update(adapter_over or {})
        spool = {"folder": "in", "rescan_ms": 1000, "retry_ms": 100,
                 "retry_max_ms": 400}
        spool.update(spool_over or {})
        self.config = self.dir / "adapter.conf"
        self.config_text = rrp.render_config(
            {"adapter": adapter, "spool": spool}) + group
        self.config.write_text(self.config_text)
        self.log_path = self.dir / "adapter.log"
        self.proc = None

    def line_of(self, text):
        """The line of the configuration that holds text (from 1)."""
        for n, line in enumerate(self.config_text.splitlines(), 1):
            if text in line:
                return n
        raise AssertionError("%r is not in the configuration" % text)

    # folders -----------------------------------------------------------
    def sub(self, name):
        return self.folder / name

    def names(self, sub):
        """File names in a subfolder (done, failed, work), sorted."""
        return sorted(p.name for p in self.sub(sub).iterdir()
                      if not p.name.startswith("."))

    def wait_filed(self, name, where="done", timeout=WAIT):
        """Waits until name is in done/ (or failed/ with its .error)."""
        def filed():
            p = self.sub(where) / name
            if where == "failed" and not (self.sub(where) /
                                          (name + ".error")).exists():
                return False
            return p.exists()
        wait_for(filed, "%s in %s/" % (name, where), timeout,
                 log=lambda: self.log)

    def error_lines(self, name):
        """The lines of failed/name.error that are not comments."""
        text = (self.sub("failed") / (name + ".error")).read_text()
        return [l for l in text.splitlines() if not l.startswith("#")]

    # process -----------------------------------------------------------
    @property
    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, *args, env=None, wait=True):
        """Starts the adapter (cwd: its folder); with wait, until it logs
        that it started."""
        assert not self.running
        e = dict(os.environ)
        for k in ("REGIE_ENDPOINT", "REGIE_SERVER_KEY", "REGIE_KEY",
                  "REGIE_TEST_KILL_AFTER"):
            e.pop(k, None)
        e.update(env or {})
        self.starts = self.log.count(": started folder=")
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                [str(self.binary), "-c", str(self.config)] + list(args),
                stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                cwd=str(self.dir), env=e)
        if wait:
            wait_for(lambda: self.log.count(": started folder=") > self.starts,
                     "the adapter to start", proc=self)
        return self

    def run(self, *args, input=None, timeout=60):
        """Runs the program to its end (file mode, --check-config, --once)
        and returns the CompletedProcess (text)."""
        e = dict(os.environ)
        for k in ("REGIE_ENDPOINT", "REGIE_SERVER_KEY", "REGIE_KEY",
                  "REGIE_TEST_KILL_AFTER"):
            e.pop(k, None)
        return subprocess.run(
            [str(self.binary), "-c", str(self.config)] + list(args),
            input=input, capture_output=True, timeout=timeout,
            cwd=str(self.dir), env=e,
            text=not isinstance(input, bytes))

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit status."""
        if not self.running:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the adapter did not stop on SIGTERM; "
                                 "log:\n%s" % self.log)

    def kill(self):
        if self.running:
            self.proc.kill()
            self.proc.wait()

    def wait_exit(self, timeout=WAIT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("the adapter did not exit; log:\n%s"
                                 % self.log)

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class AdapterFactory:
    """Makes Adapter objects and cleans all of them up (printing the end
    of each log, so a failing test shows it)."""

    def __init__(self):
        self.adapters = []

    def __call__(self, *args, **kw):
        a = Adapter(*args, **kw)
        self.adapters.append(a)
        return a

    def cleanup(self):
        for a in self.adapters:
            lines = a.log.splitlines()
            print("---- adapter log %s (last 60 of %d lines) ----"
                  % (a.dir, len(lines)))
            print("\n".join(lines[-60:]))
            a.cleanup()
        self.adapters = []
