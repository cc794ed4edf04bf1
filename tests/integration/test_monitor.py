"""
The gemeente's view (issue 5): the audit log and its immutability,
statistics, the network of a case, the metrics file, retention (purge),
online backup under intake, and the weekly digest through a real SMTP
server. Real regied processes; regiectl for every command.

How history is prepared: referrals go over RRP/1 and cases are marked
with regiectl; what only the agreements code makes (agreements,
occurrences, reports, extension and waiver events, assignment times) is
inserted with sqlite3 into the database of a stopped daemon, then the
daemon is started again.

Waiting on the lead's hooks (they pass once server.c/intake.c wire mon
and metrics, and regied has --test-clock with clock.set/clock.advance):
test_metrics_*, test_backup_*, test_purge_follows_the_clock,
test_daily_purge_and_weekly_digest_run_by_themselves.
"""

import datetime
import json
import os
import re
import sqlite3
import statistics
import stat
import subprocess
import threading
import time

import pytest

import rrp
from mailserver import Server, wait_for

REGIECTL = rrp.BUILD / "regiectl"
TEMPLATES = rrp.REPO / "config" / "templates"
DAY = 86400
DOMAINS = {"kindermishandeling": "safety", "huiselijk_geweld": "safety",
           "ggz": "care", "schulden": "participation"}


# ------------------------------------------------------------ helpers

class Mon:
    """A regied with a control socket (and optionally mail, metrics,
    the test clock), and regiectl helpers."""

    def __init__(self, regied, mail_port=None, cert=None, monitoring=None,
                 test_clock=False, extra=None):
        folder = rrp.short_tempdir()
        self.folder = folder
        self.ctl = folder + "/ctl"
        over = {"daemon": {"control": self.ctl}, "domains": dict(DOMAINS),
                "monitoring": dict(monitoring or {})}
        if mail_port:
            over["mail"] = {
                "templates": str(TEMPLATES),
                "from": {"name": "Regie", "email": "regie@gemeente.example"},
                "kernteam": {"name": "Kernteam",
                             "email": "kernteam@gemeente.example"},
                "gemeente": {"name": "Gemeente Monitoring",
                             "email": "monitoring@gemeente.example"},
                "quiet_hours": "",
                "smtp": {"host": "localhost", "port": mail_port,
                         "starttls": True, "ca_file": cert,
                         "timeout_ms": 5000},
                "retry_min_s": 1, "retry_max_s": 1, "lifetime_hours": 1}
        over.update(extra or {})
        self.d = regied(over, folder=folder, start=False)
        if test_clock:
            self.d.start = self._starter(self.d)
        self.d.start()

    @staticmethod
    def _starter(d):
        """Daemon.start with --test-clock."""
        def start(wait=True):
            with open(d.log_path, "ab") as logf:
                d.proc = subprocess.Popen(
                    [str(rrp.REGIED), "--test-clock", "-c",
                     str(d.config_path)], stdin=subprocess.DEVNULL,
                    stdout=logf, stderr=logf, cwd=str(d.cwd),
                    env=dict(os.environ, REGIE_TEST_CLOCK="1"))
            if wait:
                d.wait_ready()
            return d
        return start

    def run(self, *args):
        env = dict(os.environ, TZ="Europe/Amsterdam")
        return subprocess.run([str(REGIECTL), "-s", self.ctl] +
                              [str(a) for a in args], capture_output=True,
                              text=True, timeout=60, env=env)

    def ok(self, *args):
        p = self.run(*args)
        assert p.returncode == 0, (args, p.returncode, p.stderr, p.stdout)
        return p.stdout

    def js(self, *args):
        return json.loads(self.ok("--json", *args))

    def refer(self, partner="vt", **kw):
        c = self.d.client(partner)
        try:
            return rrp.assert_ack(c.referral(rrp.referral_body(**kw)))
        finally:
            c.close()
            self.d.clients.remove(c)

    def db(self):
        return sqlite3.connect(str(self.d.db_path))

    def offline(self):
        """A connection to the database of the stopped daemon; the
        caller commits and closes, then calls online()."""
        assert self.d.stop() == 0
        return self.db()

    def online(self):
        self.d.start()

    def set_clock(self, when):
        """Sets the daemon's clock (needs test_clock) to when, "YYYY-MM-DD
        HH:MM" local; returns the now it reports, in epoch seconds."""
        now = self.js("clock", "set", when)["now"]
        return int(datetime.datetime.fromisoformat(
            now.replace("Z", "+00:00")).timestamp())


def case_id(ref):
    return int(ref.split("-")[1])


def events(db):
    return db.execute("SELECT * FROM event ORDER BY id").fetchall()


# ------------------------------------------------------------ audit log

def test_log_lists_events_and_network_marks(regied):
    m = Mon(regied)
    ack = m.refer()
    out = m.js("case", "network", ack["case"], "--mapped")
    assert out["network_mapped_at"] and out["network_engaged_at"] is None
    assert out["network_mapped_by"]
    out = m.js("case", "network", ack["case"], "--engaged")
    assert out["network_engaged_at"]
    p = m.run("case", "network", ack["case"], "--engaged")
    assert p.returncode == 1 and "already" in p.stderr
    assert m.run("case", "network", ack["case"]).returncode == 64
    assert m.run("case", "network", "C-999999", "--mapped").returncode == 1
    rows = m.js("log", ack["case"])
    net = [e for e in rows if e["action"] == "case.network"]
    assert [e["details"] for e in net] == [
        {"engaged": False, "mapped": True}, {"engaged": True, "mapped": False}]
    assert all(e["actor"].startswith("user:") for e in net)
    assert all(e["case"] == ack["case"] for e in rows)
    times = [e["at"] for e in rows]
    assert times == sorted(times)
    # --since a date in the future: nothing; today: the same events.
    tomorrow = (rrp.today() + datetime.timedelta(days=2))
    assert m.js("log", "--since", tomorrow.isoformat()) == []
    assert len(m.js("log", "--since", rrp.today().isoformat(),
                    "--limit", "1")) == 1
    text = m.ok("log", ack["case"])
    assert "case.network" in text and "ACTION" in text
    assert m.run("log", "--since", "gisteren").returncode == 65


def test_the_audit_trail_cannot_be_changed(regied):
    m = Mon(regied)
    ack = m.refer()
    m.js("case", "network", ack["case"], "--engaged")
    db = m.db()
    before = events(db)
    assert before
    for sql in ("UPDATE event SET actor = 'x'", "DELETE FROM event",
                "UPDATE event SET details = NULL WHERE id = 1"):
        with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):
            db.execute(sql)
        db.rollback()
    # Every monitoring command, reads and writes: old events stay as they
    # were (a purge and a digest only append).
    for args in (["log"], ["stats"], ["stats", "--csv"], ["purge",
                 "--dry-run"], ["purge"], ["case", "network", ack["case"],
                 "--mapped"]):
        p = m.run(*args)
        if args[0] == "case":   # --engaged above recorded mapped too
            assert p.returncode == 1 and "already" in p.stderr, p.stderr
        else:
            assert p.returncode == 0, (args, p.stderr)
    after = events(db)
    assert after[:len(before)] == before
    assert [e[3] for e in after[len(before):]] == ["purge.run"]
    db.close()


# ------------------------------------------------------------ statistics

ZONE = "Europe/Amsterdam"


def iso_week(t):
    import zoneinfo
    d = datetime.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(ZONE))
    y, w, _ = d.isocalendar()
    return "%d-W%02d" % (y, w)


def add_agreement(db, kind, owner_type, owner, case, due, status="open",
                  period=None, level=0, occurrence=1):
    cur = db.execute(
        "INSERT INTO agreement (kind, owner_type, owner, case_id,"
        " description, policy, period_days, status, occurrence, due_at,"
        " level, created_at, created_by) VALUES (?, ?, ?, ?, 'x', ?, ?, ?,"
        " ?, ?, ?, ?, 'test')", (kind, owner_type, str(owner), case, kind,
                                  period, status, occurrence, due, level,
                                  due - 30 * DAY))
    return cur.lastrowid


def add_occurrence(db, agreement, n, due, outcome, at=None):
    db.execute("INSERT INTO occurrence (agreement_id, n, due_at, outcome,"
               " at) VALUES (?, ?, ?, ?, ?)",
               (agreement, n, due, outcome, at or due))


def add_event(db, at, action, agreement=None, case=None, details=None):
    db.execute("INSERT INTO event (at, actor, action, case_id, agreement_id,"
               " details) VALUES (?, 'user:test', ?, ?, ?, ?)",
               (at, action, case, agreement,
                json.dumps(details) if details else None))


def add_regisseur(db, name, org):
    return db.execute("INSERT INTO regisseur (name, organisation, email,"
                      " created_at) VALUES (?, ?, ?, 0)",
                      (name, org, name.replace(" ", "") + "@x.example")
                      ).lastrowid


def test_stats_from_a_prepared_history(regied):
    m = Mon(regied)
    s1, s2, s3 = rrp.new_bsn(), rrp.new_bsn(), rrp.new_bsn()
    a = m.refer(subject=s1, category="kindermishandeling")
    m.refer(subject=s1, category="huiselijk_geweld")           # matched
    c = m.refer(subject=s2, category="jeugd")                  # other
    m.refer("ggz", subject=s2, category="ggz")                 # matched
    e = m.refer("ggz", subject=s3, category="schulden")
    c1, c2, c3 = case_id(a["case"]), case_id(c["case"]), case_id(e["case"])
    m.ok("case", "network", a["case"], "--engaged")
    m.ok("case", "network", c["case"], "--mapped")
    # Directly in the database (daemon stopped): regisseurs, assignment
    # times (the first referral of each case moved back by 5, 30 and 10
    # hours), progress and partner agreements with their occurrences.
    db = m.offline()
    now = int(time.time())
    r1 = add_regisseur(db, "A Jansen", "Leger des Heils")
    r2 = add_regisseur(db, "B Smit", "GGZ Gelderland")
    hours = {c1: 5, c2: 30, c3: 10}
    for case, reg in ((c1, r1), (c2, r2), (c3, r1)):
        db.execute("UPDATE cases SET regisseur_id = ?, assigned_at = ?"
                   " WHERE id = ?", (reg, now, case))
        db.execute("UPDATE referral SET received_at = ? WHERE id = (SELECT"
                   " min(id) FROM referral WHERE case_id = ?)",
                   (now - hours[case] * 3600, case))
    a1 = add_agreement(db, "progress", "regisseur", r1, c1, now - 2 * DAY,
                       occurrence=3)
    add_occurrence(db, a1, 1, now - 5 * DAY, "met")
    add_occurrence(db, a1, 2, now - 4 * DAY, "met_late")
    a2 = add_agreement(db, "progress", "regisseur", r2, c2, now + 9 * DAY,
                       occurrence=3)
    add_occurrence(db, a2, 1, now - 5 * DAY, "missed")
    add_occurrence(db, a2, 2, now - 3 * DAY, "waived")
    a3 = add_agreement(db, "partner", "partner", "vt", None, now + 3 * DAY,
                       period=7, occurrence=4)
    add_occurrence(db, a3, 1, now - 6 * DAY, "missed")
    add_occurrence(db, a3, 2, now - 5 * DAY, "missed")
    add_occurrence(db, a3, 3, now - 4 * DAY, "met")
    add_event(db, now - DAY, "agreement.extended", a1,
              details={"reason": "ziek", "until": "x"})
    add_event(db, now - DAY, "agreement.waived", a2,
              details={"reason": "verhuisd"})
    # A department's agreements: one overdue, one met late.
    add_agreement(db, "request", "department", "inkomen", c1, now - DAY)
    a5 = add_agreement(db, "custom", "department", "wmo", None,
                       now - 3 * DAY, status="met_late")
    add_occurrence(db, a5, 1, now - 3 * DAY, "met_late", at=now - DAY)
    db.commit()
    received = db.execute("SELECT partner, received_at FROM referral"
                          ).fetchall()
    db.close()
    m.online()
    today = rrp.today()
    frm = (today - datetime.timedelta(days=7)).isoformat()
    s = m.js("stats", "--from", frm, "--to", today.isoformat())
    # Referrals per partner and week, computed here from the rows.
    for partner in ("vt", "ggz"):
        (row,) = [p for p in s["referrals"]["by_partner"]
                  if p["partner"] == partner]
        want = {}
        for p, t in received:
            if p == partner:
                want[iso_week(t)] = want.get(iso_week(t), 0) + 1
        assert {w: n for w, n in row["weeks"].items() if n} == want
        assert set(row["weeks"]) == set(s["weeks"])
    r = s["referrals"]
    assert (r["total"], r["matched"], r["matched_share"]) == (5, 2, 0.4)
    vt = r["by_partner"][1]
    assert (vt["partner"], vt["total"], vt["matched"]) == ("vt", 3, 1)
    assert s["domains"]["total"] == {"safety": 2, "other": 1, "care": 1,
                                     "participation": 1}
    ggz = s["domains"]["by_partner"][0]
    assert (ggz["partner"], ggz["care"], ggz["participation"]) == (
        "ggz", 1, 1)
    # Time to assignment: 5, 10 and 30 hours.
    secs = sorted(h * 3600 for h in hours.values())
    asg = s["assignment"]
    assert asg["cases"] == 3
    assert asg["median_s"] == pytest.approx(statistics.median(secs))
    p90 = statistics.quantiles(secs, n=10, method="inclusive")[8]
    assert asg["p90_s"] == pytest.approx(p90)
    ldh = [o for o in asg["by_organisation"]
           if o["organisation"] == "Leger des Heils"][0]
    assert ldh["cases"] == 2
    assert ldh["median_s"] == pytest.approx(7.5 * 3600)
    # Progress reports: met, met late, missed, waived, and a1 overdue.
    p = s["reports"]["progress"]
    assert (p["on_time"], p["late"], p["missing"], p["waived"]) == (1, 1, 2,
                                                                    1)
    assert (p["extensions"], p["waivers"]) == (1, 1)
    assert p["missing_share"] == pytest.approx(0.5)
    orgs = {o["organisation"]: o for o in p["by_organisation"]}
    assert (orgs["Leger des Heils"]["missing"],
            orgs["Leger des Heils"]["extensions"]) == (1, 1)
    assert (orgs["GGZ Gelderland"]["waived"],
            orgs["GGZ Gelderland"]["waivers"]) == (1, 1)
    dep = s["reports"]["department"]
    assert (dep["missing"], dep["late"], dep["on_time"]) == (1, 1, 0)
    assert [(d["department"], d["missing"], d["late"])
            for d in dep["by_department"]] == [("inkomen", 1, 0),
                                               ("wmo", 0, 1)]
    (pv,) = s["reports"]["partner"]["by_partner"]
    assert (pv["partner"], pv["missing"], pv["on_time"]) == ("vt", 2, 1)
    assert pv["on_time_share"] == pytest.approx(1 / 3)
    # The blind spots: the network, and care against participation.
    n = s["network"]
    assert (n["cases"], n["mapped"], n["engaged"]) == (3, 2, 1)
    assert n["engaged_share"] == pytest.approx(1 / 3)
    # The same as CSV and as tables.
    csv = m.ok("stats", "--from", frm, "--to", today.isoformat(), "--csv")
    lines = csv.splitlines()
    assert lines[0] == "section,partner,organisation,week,domain,measure,value"
    assert "referrals,vt,,,,total,3" in lines
    assert "domains,,,,care,referrals,1" in lines
    assert "network,,,,,engaged,1" in lines
    assert "department_agreements,,inkomen,,,missing,1" in lines
    text = m.ok("stats", "--from", frm, "--to", today.isoformat())
    assert "Social network" in text and "Leger des Heils" in text
    assert "DEPARTMENT" in text and "inkomen" in text
    # The default period is this ISO week and the eleven before it.
    assert len(m.js("stats")["weeks"]) == 12
    assert m.run("stats", "--from", "2026-13-01").returncode == 65
    assert m.run("stats", "--from", today.isoformat(), "--to",
                 frm).returncode == 65


# ------------------------------------------------------------ metrics

PROM_LINE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|\+Inf|NaN)$')
PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """A small parser of the text exposition format: returns {(name,
    frozenset(labels)): value} and checks HELP/TYPE come before samples."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if parts[1] == "TYPE":
                assert parts[3] in ("counter", "gauge", "histogram")
                typed.add(parts[2])
            continue
        assert line and not line.startswith("#"), line
        mt = PROM_LINE.match(line)
        assert mt, "not an exposition line: %r" % line
        name, labels = mt.group(1), frozenset(
            PROM_LABEL.findall(mt.group(3) or ""))
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or base in typed, "no TYPE for %s" % name
        assert (name, labels) not in samples, "duplicate %s" % line
        samples[(name, labels)] = float(mt.group(4))
    return samples


def metric(samples, name, **labels):
    """The sample of name with exactly these labels; one that is not in
    the file fails (a missing series is not a zero)."""
    key = (name, frozenset(labels.items()))
    assert key in samples, "no sample %s%s" % (name, labels)
    return samples[key]


def metric_or_zero(samples, name, **labels):
    """For waiting: a counter not yet in the file counts as zero."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_file_moves_as_referrals_arrive(regied):
    folder = rrp.short_tempdir()
    path = folder + "/regie.prom"
    m = Mon(regied, monitoring={"metrics_file": path,
                                "metrics_interval_s": 1})
    wait_for(lambda: os.path.exists(path), what="the metrics file")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    first = parse_prometheus(open(path).read())
    assert metric(first, "regie_cases_open") == 0
    assert metric(first, "regie_database_size_bytes") > 0
    assert metric(first, "regie_agreements_open", kind="progress",
                  level="0") == 0
    for _ in range(3):
        m.refer()
    c = m.d.client("vt")
    body = rrp.referral_body()
    body["subject"]["bsn"] = rrp.failing_elfproef(body["subject"]["bsn"])
    rrp.assert_nack(c.referral(body), "invalid_bsn")

    def moved():
        s = parse_prometheus(open(path).read())
        return (metric_or_zero(s, "regie_referrals_accepted_total",
                               partner="vt") == 3 and
                metric_or_zero(s, "regie_referrals_refused_total",
                               partner="vt", error="invalid_bsn") == 1 and
                metric_or_zero(s, "regie_cases_open") == 3)
    wait_for(moved, what="the counters to move")
    s = parse_prometheus(open(path).read())
    assert metric(s, "regie_intake_latency_seconds_count") >= 4
    assert metric(s, "regie_intake_latency_seconds_bucket", le="+Inf") == \
        metric(s, "regie_intake_latency_seconds_count")
    assert metric(s, "regie_outbox_notifications", status="pending") == 0
    assert not [f for f in os.listdir(folder) if f != "regie.prom"]
    m.d.cleanup()
    subprocess.run(["rm", "-rf", folder])


# ------------------------------------------------------------ backup

def test_backup_under_concurrent_intake(regied):
    m = Mon(regied)
    acked, stop = [], threading.Event()
    for _ in range(20):
        acked.append(m.refer()["referral"])
    c = m.d.client("ggz")

    def post():
        while not stop.is_set():
            r = c.referral(rrp.referral_body(category="ggz"))
            if r is not None and r.status == "ACK":
                acked.append(r.body["referral"])
    t = threading.Thread(target=post)
    t.start()
    try:
        wait_for(lambda: len(acked) > 40, what="intake under way")
        before = list(acked)
        dest = m.folder + "/copy.db"
        out = m.js("backup", dest)
        assert out["state"] == "done" and out["pages"] > 0
    finally:
        stop.set()
        t.join()
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = {"R-%06d" % r for (r,) in copy.execute("SELECT id FROM referral")}
    assert set(before) <= ids
    copy.close()
    # After the intake stopped: everything acked is in the live database.
    live = m.db()
    assert live.execute("SELECT count(*) FROM referral").fetchone()[0] == \
        len(acked)
    live.close()
    # An existing file and a relative path are refused.
    p = m.run("backup", dest)
    assert p.returncode == 1 and "exists" in p.stderr
    raw = subprocess.run([str(REGIECTL), "-s", m.ctl, "backup", "x.db"],
                         capture_output=True, text=True, cwd=m.folder)
    assert raw.returncode == 0 and os.path.exists(m.folder + "/x.db")
    import zmq
    sock = rrp.CTX.socket(zmq.REQ)
    sock.linger = 0
    sock.connect("ipc://" + m.ctl)
    sock.send(json.dumps({"command": "backup", "args": {"path": "rel.db"},
                          "user": "t"}).encode())
    assert sock.poll(5000)
    reply = json.loads(sock.recv())
    sock.close(0)
    assert reply["ok"] is False and reply["error"] == "bad_request"
    assert "absolute" in reply["message"]
    wait_for(lambda: [e["details"]["path"] for e in m.js("log")
                      if e["action"] == "backup.made"][:1] == [dest],
             what="the backup.made event")


# ------------------------------------------------------------ purge

def purges(m, actor=None):
    return [e["details"] for e in m.js("log")
            if e["action"] == "purge.run"
            and (actor is None or e["actor"] == actor)]


def test_purge_follows_the_clock(regied):
    """Retention with the test clock: a jump past purge_at runs the
    nightly purge (once); regiectl purge and --dry-run show counts."""
    m = Mon(regied, test_clock=True,
            monitoring={"retention_months": 1, "max_active_months": 2,
                        "purge_at": "03:00"})
    closed, kept = rrp.new_bsn(), rrp.new_bsn()
    a = m.refer(subject=closed, household=[rrp.new_bsn()])
    b = m.refer(subject=kept)
    m.ok("case", "close", a["case"], "--reason", "plan afgerond")
    zero = {"cases": 0, "referrals": 0, "memberships": 0,
            "notifications": 0, "notes": 0}
    assert m.js("purge", "--dry-run")["counts"] == zero
    m.ok("clock", "advance", str(40 * DAY))
    wait_for(lambda: purges(m, "scheduler"), what="the nightly purge")
    assert purges(m, "scheduler") == [{"cases": 1, "referrals": 1,
                                       "memberships": 2, "notifications": 0,
                                       "notes": 1}]
    dry = m.js("purge", "--dry-run")
    assert dry["dry_run"] is True and dry["counts"] == zero
    assert m.js("purge")["counts"] == zero
    assert len(purges(m)) == 2                 # the one by hand counts too
    shown = m.js("case", "show", a["case"])
    assert shown["referrals"] == [] and shown["persons"] == 0
    assert shown["close_reason"] is None and shown["status"] == "closed"
    assert m.js("case", "show", b["case"])["referrals"] != []
    runs = [e for e in m.js("log") if e["action"] == "purge.run"]
    assert all(e["case"] is None and e["ref"] is None for e in runs)
    # A month on, the open case loses its old referral but keeps the
    # person: a new referral about them still finds the case.
    m.ok("clock", "advance", str(31 * DAY))
    wait_for(lambda: len(purges(m, "scheduler")) == 2, what="next purge")
    assert purges(m, "scheduler")[1]["referrals"] == 1
    assert m.js("case", "show", b["case"])["persons"] == 1
    assert m.refer(subject=kept)["case"] == b["case"]
    text = m.ok("purge", "--dry-run")
    assert "would remove" in text


def files_holding(paths, needles):
    """The (path, needle) pairs where a needle's bytes are in a file."""
    found = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        found += [(p, n) for n in needles if n.encode() in data]
    return found


def test_purge_leaves_nothing_readable_while_running(regied):
    """After a purge, the purged note, contact and close reason are in none
    of the database's files (database, -wal, -shm), read while regied
    still runs: secure_delete overwrote them in the database and the
    purge's commit truncated the WAL."""
    m = Mon(regied, test_clock=True, monitoring={"retention_months": 1})
    note = "geheim-notitie-%s" % rrp.new_external_id()
    contact = "J. Geheimnaam %s" % rrp.new_external_id()
    reason = "reden-%s" % rrp.new_external_id()
    body = rrp.referral_body(note=note)
    body["contact"]["name"] = contact
    a = rrp.assert_ack(m.d.client("vt").referral(body))
    m.ok("case", "close", a["case"], "--reason", reason)
    db = str(m.d.db_path)
    files = [db, db + "-wal", db + "-shm"]
    secrets = [note, contact, reason]
    assert files_holding(files, secrets), "the test needs them stored first"
    m.ok("clock", "advance", str(40 * DAY))
    m.js("purge")  # the nightly one may have run already: either did it
    assert sum(p["referrals"] for p in purges(m)) == 1
    assert files_holding(files, secrets) == []
    assert m.d.running


# ------------------------------------------------------------ digest

@pytest.fixture
def smtp(cert):
    srv = Server(cert[0], cert[1]).start()
    yield srv
    srv.stop()


# The driven clock of the digest test: a Wednesday (ISO week 2026-W02),
# in the past, so that setting the clock never jumps over a digest time
# (a jump past one sends that week's digest at once). The digest itself
# is set to the week's last minute, so none falls due while it runs.
DIGEST_NOW = "2026-01-07 10:00"


def test_digest_tells_the_gemeente_what_is_late(regied, cert, smtp):
    m = Mon(regied, mail_port=smtp.port, cert=cert[0],
            monitoring={"digest": "sunday 23:59"}, test_clock=True)
    now = m.set_clock(DIGEST_NOW)
    quiet = m.js("digest", "--print")
    assert "Er is deze week niets te laat." in quiet["body"]
    assert "Geen afspraken te laat." in quiet["body"]
    body = rrp.referral_body(note="geheime notitie over het gezin",
                             category="kindermishandeling")
    ack = rrp.assert_ack(m.d.client("vt").referral(body))
    db = m.offline()
    r1 = add_regisseur(db, "A Jansen", "Leger des Heils")
    a1 = add_agreement(db, "progress", "regisseur", r1, case_id(ack["case"]),
                       now - 9 * DAY - 3600, level=1, occurrence=2)
    add_occurrence(db, a1, 1, now - 30 * DAY, "met")
    db.execute("INSERT INTO report (source, agreement_id, occurrence, status,"
               " reason, received_at, outcome) VALUES ('user:x', ?, 2,"
               " 'not_delivered', 'wacht op gesprek met gezin', ?, 'open')",
               (a1, now - 8 * DAY))
    add_event(db, now - 7 * DAY, "agreement.extended", a1,
              details={"reason": "ziekte regisseur", "until": "x"})
    a2 = add_agreement(db, "partner", "partner", "vt", None, now - 2 * DAY,
                       period=7, occurrence=14)
    for n in range(1, 14):
        add_occurrence(db, a2, n, now - (100 - n) * DAY, "missed")
    db.execute("INSERT INTO report (source, agreement_id, occurrence, status,"
               " period, count, received, reconciled, received_at, outcome)"
               " VALUES ('vt', ?, 13, 'delivered', '2026-W01', 3, 5, 0, ?,"
               " 'met_late')", (a2, now - 3 * DAY))
    db.commit()
    db.close()
    m.online()
    assert m.set_clock(DIGEST_NOW) - now < 5  # a restart is real time
    printed = m.js("digest", "--print")
    text = printed["body"]
    assert "14 weken op rij gemist" in text
    assert "gemeld 3, ontvangen door regie 5" in text
    assert '"wacht op gesprek met gezin"' in text
    assert '"ziekte regisseur"' in text
    assert "A-%06d voortgangsrapportage, casus %s: 9 dagen te laat" % (
        a1, ack["case"]) in text
    assert "geëscaleerd naar het Kernteam" in text
    assert "Regisseur A Jansen (Leger des Heils):" in text
    assert "%s wacht" % ack["case"] in text
    assert "Veilig Thuis Gelderland-Midden" in text
    # The partner's contact, so the gemeente knows whom to ask.
    assert "contact Functioneel beheer <beheer@vt.example>" in text
    assert "Er is deze week niets te laat." not in text
    # Queued once a week, whatever is asked.
    sent = m.js("digest", "--send")
    assert sent["queued"] is True and sent["key"].startswith("digest/")
    assert sent["key"] == "digest/2026-W02"
    assert m.js("digest", "--send")["queued"] is False
    assert "queued before" in m.ok("digest", "--send")
    # The gemeente gets escalations too: wait for the digest itself.
    wait_for(lambda: [p for p in smtp.handler.parsed()
                      if "Weekoverzicht" in p["Subject"]], what="the digest")
    (msg,) = [p for p in smtp.handler.parsed()
              if "Weekoverzicht" in p["Subject"]]
    assert sent["key"][len("digest/"):] in msg["Subject"]
    content = msg.get_body(preferencelist=("plain",)).get_content()
    assert "14 weken op rij gemist" in content
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "14 weken op rij gemist" in html
    raw = msg.as_string() + content + html
    for private in rrp.bsns_of(body) + [body["note"], body["category"],
                                        body["subject"]["birth_date"]]:
        assert private not in raw
    keys = [r["key"] for r in m.js("outbox") if r["key"].startswith("dig")]
    assert keys == [sent["key"]]
    assert [e["ref"] for e in m.js("log")
            if e["action"] == "digest.sent"] == [sent["key"]]


def test_a_broken_digest_template_is_a_config_error(regied):
    folder = rrp.short_tempdir()
    subprocess.run(["cp", "-r", str(TEMPLATES), folder + "/t"], check=True)
    with open(folder + "/t/digest.txt", "a") as f:
        f.write("{{bsn}}\n")
    d = regied({"mail": {
        "templates": folder + "/t",
        "from": {"name": "R", "email": "r@x.example"},
        "kernteam": {"name": "K", "email": "k@x.example"},
        "gemeente": {"name": "G", "email": "g@x.example"},
        "smtp": {"host": "localhost", "port": 25}}}, start=False)
    p = subprocess.run([str(rrp.REGIED), "--check-config", "-c",
                        str(d.config_path)], capture_output=True, text=True,
                       cwd=str(d.cwd))
    subprocess.run(["rm", "-rf", folder])
    assert p.returncode == 78
    assert re.search(r"digest\.txt:\d+: unknown placeholder \{\{bsn\}\}",
                     p.stderr), p.stderr
