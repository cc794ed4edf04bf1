"""
agreekit — helpers for the end-to-end tests of agreements (issue 4):
a regied started with --test-clock, mail delivered over STARTTLS to
aiosmtpd on loopback, its control socket driven with build/regiectl, and
partners' REPORTs over RRP/1.

What it holds:
  - times: local("2026-11-24 09:00") in Europe/Amsterdam, z(dt) as
    RFC 3339 UTC, at(text) parsing either back into an aware datetime;
  - ClockDaemon: rrp.Daemon started with --test-clock (or without);
  - Factory: starts ClockDaemons and cleans all of them up (printing the
    log tail, as conftest's factory does);
  - Regie: one mail-enabled daemon with a control socket, its partners
    (vt with an email and, when asked, a weekly report agreement), a
    department, and the helpers the tests use: regiectl (--json and
    human), raw control requests, the test clock, referrals, regisseurs,
    agreements, REPORTs, and the mail that arrived.
Nothing sleeps to synchronise: waits ask (regiectl, the SMTP handler's
list) and are bounded. The only fixed waits are short observation
windows that check that nothing happens (Regie.assert_no_mail).
"""

import copy
import datetime
import email
import email.policy
import json
import re
import subprocess
import time
import zoneinfo

import zmq

import rrp
from mailserver import wait_for

REGIECTL = rrp.BUILD / "regiectl"
TEMPLATES = rrp.REPO / "config" / "templates"
ZONE = zoneinfo.ZoneInfo("Europe/Amsterdam")
UTC = datetime.timezone.utc

KERNTEAM = "kernteam@gemeente.example"
GEMEENTE = "monitoring@gemeente.example"
VT_MAIL = "meldingen@vt.example"
GGZ_MAIL = "rapportage@ggz.example"
INKOMEN = "inkomen@gemeente.example"

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REF_AGREEMENT = re.compile(r"^A-\d{6,}$")
REF_REPORT = re.compile(r"^P-\d{6,}$")

# How long a check that nothing happens looks (seconds): long enough for
# the scheduler and the sender of a healthy daemon, on loopback.
QUIET_WINDOW = 0.6 * rrp.SLOW
MAIL_TIMEOUT = 15.0 * rrp.SLOW

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


# ------------------------------------------------------------ times

def local(text):
    """An aware datetime of "YYYY-MM-DD HH:MM" in Europe/Amsterdam."""
    naive = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=ZONE)


def z(dt):
    """dt as RFC 3339 UTC ("2026-11-24T08:00:00Z")."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(text):
    """An RFC 3339 time (Z or an offset) as an aware datetime."""
    assert isinstance(text, str), "not a time: %r" % (text,)
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def plus_days(dt, days):
    """dt moved by whole local days, keeping the local time of day."""
    loc = dt.astimezone(ZONE)
    naive = loc.replace(tzinfo=None) + datetime.timedelta(days=days)
    return naive.replace(tzinfo=ZONE)


def same_time(a, b):
    """Whether two RFC 3339 texts (or datetimes) name the same instant."""
    a = at(a) if isinstance(a, str) else a
    b = at(b) if isinstance(b, str) else b
    return a == b


# ------------------------------------------------------------ daemon

class ClockDaemon(rrp.Daemon):
    """rrp.Daemon started with --test-clock (test_clock=True) or without,
    whatever rrp.Daemon itself learns later."""

    def __init__(self, keys, overrides=None, test_clock=True, **kw):
        super().__init__(keys, overrides, **kw)
        self.test_clock = test_clock

    def start(self, wait=True):
        assert not self.running
        assert rrp.REGIED.exists(), "%s is not built" % rrp.REGIED
        argv = [str(rrp.REGIED), "-c", str(self.config_path)]
        if self.test_clock:
            argv.append("--test-clock")
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                cwd=str(self.cwd))
        if wait:
            self.wait_ready()
        return self


class Factory:
    """Starts ClockDaemons and cleans all of them up."""

    def __init__(self, keys):
        self.keys = keys
        self.daemons = []

    def __call__(self, overrides=None, start=True, **kw):
        d = ClockDaemon(self.keys, overrides, **kw)
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def cleanup(self):
        for d in self.daemons:
            log = d.log.splitlines()
            print("---- regied log %s (last 80 of %d lines) ----"
                  % (d.dir, len(log)))
            print("\n".join(log[-80:]))
            d.cleanup()
        self.daemons = []


def partners(keys, vt_report=None, ggz_report=None):
    """The default partners with an email each; vt_report / ggz_report:
    their report = { ... } group, or None for no report agreement."""
    folder = "/nonexistent"
    out = copy.deepcopy(rrp.default_config(keys, folder, [])["partners"])
    for p in out:
        p["email"] = VT_MAIL if p["id"] == "vt" else GGZ_MAIL
        rep = vt_report if p["id"] == "vt" else ggz_report
        if rep:
            p["report"] = dict(rep)
    return out


# ------------------------------------------------------------ regie

class Regie:
    """A mail-enabled regied with a control socket and a test clock."""

    def __init__(self, factory, cert, server, quiet="", vt_report=None,
                 ggz_report=None, overrides=None, test_clock=True,
                 start=True):
        folder = rrp.short_tempdir()
        self.ctl_path = "%s/ctl" % folder
        self.server = server
        self.bsns = []      # every BSN sent, for the privacy checks
        self.notes = []     # every note sent
        self.categories = set()   # categories sent (not "ggz": a name)
        smtp = {"host": "localhost", "port": server.port, "starttls": True,
                "ca_file": cert[0], "timeout_ms": 5000}
        over = {
            "daemon": {"control": self.ctl_path},
            "timezone": "Europe/Amsterdam",
            "partners": partners(factory.keys, vt_report, ggz_report),
            "departments": [{"id": "inkomen", "name": "Afdeling Inkomen",
                             "email": INKOMEN}],
            # No weekly digest: these tests count the mails of agreements.
            "monitoring": {"digest": ""},
            "mail": {
                "templates": str(TEMPLATES),
                "from": {"name": "Regie op de casus",
                         "email": "regie@gemeente.example"},
                "kernteam": {"name": "Kernteam Wageningen",
                             "email": KERNTEAM},
                "gemeente": {"name": "Gemeente Wageningen",
                             "email": GEMEENTE},
                "quiet_hours": quiet,
                "smtp": smtp,
                "retry_min_s": 1, "retry_max_s": 1,
                # The test clock jumps weeks: nothing may expire on it.
                "lifetime_hours": 24 * 365,
            },
        }
        over = rrp.deep_merge(over, overrides)
        self.d = factory(over, folder=folder, start=start,
                         test_clock=test_clock)
        self.clients = {}

    # regiectl ---------------------------------------------------------
    def run(self, *args, json_out=False, timeout=30):
        """Runs regiectl against the daemon (TZ Europe/Amsterdam)."""
        argv = [str(REGIECTL), "-s", self.ctl_path]
        if json_out:
            argv.append("--json")
        argv += [str(a) for a in args]
        env = {"PATH": "/usr/bin:/bin", "TZ": "Europe/Amsterdam",
               "LC_ALL": "C.UTF-8"}
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, env=env)

    def ok(self, *args):
        """regiectl (human); asserts exit 0; returns stdout."""
        p = self.run(*args)
        assert p.returncode == 0, "regiectl %s exited %d: %s%s" % (
            " ".join(map(str, args)), p.returncode, p.stderr, p.stdout)
        return p.stdout

    def js(self, *args):
        """regiectl --json; asserts exit 0; returns the parsed result."""
        p = self.run(*args, json_out=True)
        assert p.returncode == 0, "regiectl --json %s exited %d: %s%s" % (
            " ".join(map(str, args)), p.returncode, p.stderr, p.stdout)
        return json.loads(p.stdout)

    def fails(self, status, *args, message=None):
        """regiectl; asserts the exit status and, when given, that message
        (a regex) is in stderr. Returns stderr."""
        p = self.run(*args)
        assert p.returncode == status, (
            "regiectl %s: expected exit %d, got %d: %s%s"
            % (" ".join(map(str, args)), status, p.returncode, p.stderr,
               p.stdout))
        if message is not None:
            assert re.search(message, p.stderr, re.I), p.stderr
        return p.stderr

    def raw(self, command, timeout=5.0, **args):
        """One hand-made request on the control socket; the reply."""
        sock = rrp.CTX.socket(zmq.REQ)
        sock.linger = 0
        try:
            sock.connect("ipc://" + self.ctl_path)
            sock.send(json.dumps({"command": command, "args": args,
                                  "user": "test"}).encode())
            assert sock.poll(int(timeout * 1000)), "no reply to %s" % command
            return json.loads(sock.recv().decode("utf-8"))
        finally:
            sock.close(0)

    # clock ------------------------------------------------------------
    def now(self):
        """The daemon's now (ping)."""
        return at(self.js("ping")["now"])

    def set_clock(self, when):
        """Sets the daemon's clock to when (datetime or "YYYY-MM-DD
        HH:MM" local); returns the now it reports."""
        if isinstance(when, str):
            when = local(when)
        r = self.js("clock", "set", z(when))
        got = at(r["now"])
        assert abs((got - when).total_seconds()) < 5, (r, z(when))
        return got

    # partners and cases ----------------------------------------------
    def client(self, partner="vt"):
        if partner not in self.clients:
            self.clients[partner] = self.d.client(partner)
        return self.clients[partner]

    def refer(self, partner="vt", **kw):
        """Posts a referral from partner; returns the ACK body."""
        body = rrp.referral_body(**kw)
        self.bsns += rrp.bsns_of(body)
        self.notes.append(body["note"])
        if body["category"] != "ggz":
            self.categories.add(body["category"])
        r = self.client(partner).referral(body)
        return rrp.assert_ack(r)

    def regisseur(self, name="A. Jansen", email=None):
        """Adds a regisseur; returns its reference."""
        email = email or "%s@ldh.example" % re.sub(r"\W", "", name.lower())
        out = self.js("regisseur", "add", "--name", name, "--organisation",
                      "Leger des Heils", "--email", email, "--phone",
                      "+31 6 1234 5678")
        return out["regisseur"]

    def case_with_regisseur(self, name="A. Jansen", email=None,
                            intensive=False):
        """A new case (a vt referral) assigned to a new regisseur now;
        returns (case, regisseur, regisseur email)."""
        email = email or "%s@ldh.example" % re.sub(r"\W", "", name.lower())
        ack = self.refer()
        reg = self.regisseur(name, email)
        if intensive:
            self.js("case", "type", ack["case"], "intensive")
        self.js("case", "assign", ack["case"], reg)
        return ack["case"], reg, email

    # agreements -------------------------------------------------------
    def agreements(self, *args):
        return self.js("agreements", *args)

    def agreement_of(self, case, kind, status="all"):
        """The one agreement of kind about case."""
        rows = [a for a in self.agreements("--case", case, "--kind", kind,
                                           "--status", status)
                if a["kind"] == kind and a["case"] == case]
        assert len(rows) == 1, "agreements of %s kind %s: %r" % (
            case, kind, rows)
        return rows[0]

    def show(self, ref):
        return self.js("agreement", "show", ref)

    def partner_agreement(self, partner="vt"):
        rows = [a for a in self.agreements("--owner", "partner:" + partner,
                                           "--kind", "partner")
                if a["owner"] == partner and a["kind"] == "partner"]
        assert len(rows) == 1, rows
        return rows[0]

    def overdue_row(self, ref):
        rows = [r for r in self.js("overdue") if r["agreement"] == ref]
        assert len(rows) == 1, "%s in overdue: %r" % (ref, rows)
        return rows[0]

    def report_rrp(self, body, partner="vt"):
        """Sends a REPORT (a dict, or JSON text); returns the Reply."""
        if isinstance(body, dict) and isinstance(body.get("note"), str):
            self.notes.append(body["note"])
        return self.client(partner).request(b"REPORT", body)

    # mail -------------------------------------------------------------
    @property
    def messages(self):
        return self.server.handler.messages

    def outbox(self):
        return self.js("outbox", "--limit", "1000")

    def mark(self):
        """Where the mail stands now: (messages received, outbox rows)."""
        return (len(self.messages), len(self.outbox()))

    def settle(self, timeout=MAIL_TIMEOUT):
        """Waits until the outbox has nothing pending and the SMTP server
        got every sent row; returns mark()."""
        def done():
            rows = self.outbox()
            sent = [r for r in rows if r["status"] == "sent"]
            return (all(r["status"] != "pending" for r in rows)
                    and len(self.messages) >= len(sent))
        wait_for(done, timeout, "the outbox to be sent")
        return self.mark()

    def wait_mails(self, mark, n, timeout=MAIL_TIMEOUT, what=None):
        """Waits until n mails arrived after mark, and the outbox has
        nothing pending; asserts it is exactly n; returns them as dicts
        with to (a sorted list), subject, text, raw and message."""
        wait_for(lambda: len(self.messages) >= mark[0] + n, timeout,
                 what or "%d mails" % n)
        self.settle(timeout)
        new = self.messages[mark[0]:]
        assert len(new) == n, "expected %d mails, got %d: %r" % (
            n, len(new), [self.describe(m) for m in new])
        return [self.parse(m) for m in new]

    def assert_no_mail(self, mark, window=QUIET_WINDOW):
        """Nothing is queued or sent after mark for a short window."""
        deadline = time.monotonic() + window
        while True:
            rows = self.outbox()
            assert len(rows) == mark[1], "unexpected notifications: %r" % (
                rows[:len(rows) - mark[1]],)
            assert len(self.messages) == mark[0], "unexpected mail: %r" % (
                [self.describe(m) for m in self.messages[mark[0]:]],)
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)

    @staticmethod
    def parse(m):
        """One received message as a dict (see wait_mails); text is the
        plain-text part of a multipart one (the digest), html its HTML
        part (None for a plain-text mail)."""
        msg = email.message_from_bytes(m["data"], policy=email.policy.default)
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        return {"to": sorted(m["rcpt_tos"]), "subject": str(msg["Subject"]),
                "text": plain.get_content(),
                "html": html.get_content() if html else None,
                "raw": m["data"], "message": msg}

    def describe(self, m):
        p = self.parse(m)
        return (p["to"], p["subject"])

    def assert_private(self):
        """No mail holds a BSN, a note or a category of any referral or
        report sent."""
        for m in self.messages:
            p = self.parse(m)
            blob = (p["raw"].decode("utf-8", "replace") + p["text"] +
                    (p["html"] or ""))
            for bsn in self.bsns:
                assert bsn not in blob, "a BSN in a mail: %s" % p["subject"]
            for note in self.notes:
                assert note not in blob, "a note in a mail: %s" % p["subject"]
            for cat in self.categories:
                assert cat not in blob, "a category in a mail: %s" % (
                    p["subject"],)
