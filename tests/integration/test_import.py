"""
regiectl import end to end: a mail-enabled regied with --test-clock
(agreekit.Regie), driven with build/regiectl import and read back with
regiectl and a read-only look at its database.

Covered: a file with errors (regiectl's own and regied's, in several
batches) shows every wrong line as FILE:LINE: MESSAGE and writes
nothing; a good file makes the rows, events and notifications that the
same commands one by one make on a twin daemon; the same file again adds
nothing; the case found again by its case number; JSON lines from
standard input; no email unless --notify; a BSN never in regied's log
nor in anything regiectl prints, good file or bad.
"""

import json
import re
import sqlite3
import subprocess

import pytest

import rrp
from agreekit import REGIECTL, Regie
from mailserver import Server

HEADER = ("case_ref,bsn,regisseur,type,kind,owner,description,due,"
          "period_days,policy")
WHEN = "2026-11-24 09:00"
EPOCH_NEAR = 5  # seconds two twins' clocks may drift apart in a test


# ------------------------------------------------------------ fixtures

@pytest.fixture
def smtp(cert):
    srv = Server(cert[0], cert[1]).start()
    yield srv
    srv.stop()


@pytest.fixture
def regie(factory, cert, smtp):
    r = Regie(factory, cert, smtp)
    r.set_clock(WHEN)
    return r


# ------------------------------------------------------------ helpers

def ctl(regie, *args, stdin=None):
    """regiectl against regie's socket; the CompletedProcess."""
    argv = [str(REGIECTL), "-s", regie.ctl_path] + [str(a) for a in args]
    env = {"PATH": "/usr/bin:/bin", "TZ": "Europe/Amsterdam",
           "LC_ALL": "C.UTF-8"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=env, input=stdin)


def write(regie, name, lines):
    """A file in the daemon's folder; returns its path."""
    path = regie.d.dir / name
    path.write_text("\n".join(lines) + "\n")
    return path


def csv_line(case_ref="", bsn="", regisseur="", type_="", kind="", owner="",
             description="", due="", period_days="", policy=""):
    return ",".join([case_ref, bsn, regisseur, type_, kind, owner,
                     description, due, str(period_days), policy])


def db(regie):
    return sqlite3.connect("file:%s?mode=ro" % regie.d.db_path, uri=True)


def counts(regie):
    """Rows of every table an import writes to."""
    with db(regie) as c:
        return {t: c.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                for t in ("cases", "membership", "agreement", "event",
                          "notification", "occurrence")}


def snapshot(regie):
    """What the twins are compared on: the rows an import or the same
    commands one by one write, without ids of rows that differ in kind
    (import keys, the "import" flag of events)."""
    with db(regie) as c:
        out = {
            "cases": c.execute(
                "SELECT id, status, type, regisseur_id, opened_at,"
                " assigned_at FROM cases ORDER BY id").fetchall(),
            "membership": c.execute(
                "SELECT hex(pseudonym), case_id, referral_id, joined_at"
                " FROM membership ORDER BY 1, 2").fetchall(),
            "agreement": c.execute(
                "SELECT id, kind, owner_type, owner, case_id, description,"
                " policy, period_days, status, occurrence, due_at, step,"
                " level, next_at, created_at, created_by FROM agreement"
                " ORDER BY id").fetchall(),
            "event": [],
            "notification": c.execute(
                "SELECT key, recipient, subject, case_id FROM notification"
                " ORDER BY id").fetchall(),
        }
        for row in c.execute("SELECT at, actor, action, case_id,"
                             " agreement_id, ref, details FROM event"
                             " ORDER BY id"):
            details = json.loads(row[6]) if row[6] else None
            if isinstance(details, dict):
                details.pop("import", None)
            out["event"].append(tuple(row[:6]) + (details,))
        return out


def near(a, b, path="snapshot"):
    """a and b are equal, but for epoch times (10 digits, in numbers or
    in texts), which may be EPOCH_NEAR seconds apart."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), "%s: %d rows, %d rows:\n%r\n%r" % (
            path, len(a), len(b), a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            near(x, y, "%s[%d]" % (path, i))
    elif isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), "%s: %r != %r" % (path, a, b)
        for k in a:
            near(a[k], b[k], "%s.%s" % (path, k))
    elif isinstance(a, int) and isinstance(b, int) and a > 10**9:
        assert abs(a - b) <= EPOCH_NEAR, "%s: %d != %d" % (path, a, b)
    elif isinstance(a, str) and isinstance(b, str):
        pa, pb = re.split(r"\d{10}", a), re.split(r"\d{10}", b)
        assert pa == pb, "%s: %r != %r" % (path, a, b)
        na = [int(x) for x in re.findall(r"\d{10}", a)]
        nb = [int(x) for x in re.findall(r"\d{10}", b)]
        near(na, nb, path)
    else:
        assert a == b, "%s: %r != %r" % (path, a, b)


def assert_no_bsn(regie, texts, bsns):
    """None of bsns is in texts, nor in regied's log."""
    for text in list(texts) + [regie.d.log]:
        for bsn in bsns:
            assert bsn not in text, "a BSN is shown: %s" % text[:200]


# ------------------------------------------------------------ tests

def test_every_wrong_line_is_shown_and_nothing_written(regie):
    """regiectl's own checks: every wrong line, nothing sent to regied."""
    good, bad = rrp.new_bsn(), rrp.failing_elfproef(rrp.new_bsn())
    other = rrp.new_bsn()
    path = write(regie, "wrong.csv", [
        HEADER,
        csv_line("Z-1", good, owner="kernteam", description="Bellen",
                 due="2026-12-01 09:00"),
        csv_line("Z-2", bad),
        csv_line("Z-3", rrp.new_bsn(), type_="groot"),
        csv_line("Z-4", rrp.new_bsn(), owner="iemand", description="x",
                 due="2026-12-01 09:00"),
        csv_line("Z-5", rrp.new_bsn(), owner="kernteam",
                 description="bel " + other, due="2026-12-01 09:00"),
        csv_line("Z-6", rrp.new_bsn(), owner="kernteam", description="x",
                 due="morgen", period_days="0"),
        csv_line("Z-7", rrp.new_bsn(), owner="kernteam"),
        '"Z-8,' + rrp.new_bsn(),
    ])
    before = counts(regie)
    p = ctl(regie, "import", path)
    assert p.returncode == 65, p.stderr
    name = str(path)
    want = [
        (3, "bsn: the BSN fails the elfproef"),
        (4, "type must be complex or intensive"),
        (5, "owner must be regisseur:REGISSEUR"),
        (6, "description holds what looks like a BSN"),
        (7, "due must be like"),
        (7, "period_days must be a number of days"),
        (8, "an agreement needs a description"),
        (8, "an agreement needs a due time"),
        (9, "not closed"),
    ]
    for line, text in want:
        assert re.search(r"^%s:%d: .*%s" % (re.escape(name), line,
                                           re.escape(text)),
                         p.stderr, re.M), (line, text, p.stderr)
    assert ":2: " not in p.stderr
    assert "nothing was imported" in p.stderr
    assert counts(regie) == before
    assert_no_bsn(regie, [p.stdout, p.stderr], [good, bad, other])


def test_regieds_refusals_in_every_batch_are_shown(regie):
    """What only regied judges, in lines of several batches: every wrong
    line shown with its line, and not one line of the file written."""
    reg = regie.regisseur("Anna de Boer", "anna@st.example")
    bsns = [rrp.new_bsn() for _ in range(1500)]
    lines = [HEADER]
    for i, bsn in enumerate(bsns):
        lines.append(csv_line("Z-%d" % i, bsn, regisseur=reg,  # line i + 2
                              owner="department:inkomen",
                              description="Aanvraag %d" % i))
    lines[10] = csv_line("Z-9", bsns[9], regisseur="nobody@st.example")
    lines[700] = csv_line("Z-699", bsns[699], owner="department:wmo",
                          description="x")
    lines[1200] = csv_line("Z-1199", bsns[1199], owner="kernteam",
                           description="x", due="2020-01-01 09:00")
    lines[1400] = csv_line("Z-1399", bsns[1399], owner="kernteam",
                           description="x", due="2026-12-01 09:00",
                           policy="streng")
    path = write(regie, "refused.csv", lines)
    before = counts(regie)
    p = ctl(regie, "import", path)
    assert p.returncode == 65, p.stderr
    for line, text in [(11, "no active regisseur has the email "
                            "nobody@st.example"),
                       (701, "there is no department 'wmo'"),
                       (1201, "due must be in the future"),
                       (1401, "no policy of that name")]:
        assert "%s:%d: %s" % (path, line, text) in p.stderr, (line,
                                                              p.stderr)
    assert len(re.findall(r"^%s:\d+: " % re.escape(str(path)), p.stderr,
                          re.M)) == 4, p.stderr
    assert counts(regie) == before
    assert_no_bsn(regie, [p.stdout, p.stderr], bsns)


def test_an_import_makes_what_the_commands_one_by_one_make(
        factory, cert, smtp):
    """Twin daemons, the same referral each; then one imports a file,
    the other runs case type, case assign and agree twice. The rows, the
    events and the notifications are the same."""
    twins = [Regie(factory, cert, smtp), Regie(factory, cert, smtp)]
    bsn = rrp.new_bsn()
    for t in twins:
        t.set_clock(WHEN)
        kase = t.refer(subject=bsn)["case"]
        reg = t.regisseur("Anna de Boer", "anna@st.example")
    imported, by_hand = twins
    path = write(imported, "caseload.csv", [
        HEADER,
        csv_line("", bsn, "anna@st.example", "intensive",
                 owner="department:inkomen",
                 description="Schuldhulp starten", due="2026-12-15 09:00"),
        csv_line("", bsn, owner="kernteam", description="Casusoverleg",
                 due="2026-12-20 10:00", period_days=14),
    ])
    for t in twins:
        t.set_clock(WHEN)
    p = ctl(imported, "import", "--notify", path)
    assert p.returncode == 0, p.stderr
    assert "2 lines imported in 1 batch." in p.stdout
    by_hand.ok("case", "type", kase, "intensive")
    by_hand.ok("case", "assign", kase, reg)
    by_hand.ok("agree", "--case", kase, "--owner", "department:inkomen",
               "--description", "Schuldhulp starten", "--due",
               "2026-12-15 09:00")
    by_hand.ok("agree", "--case", kase, "--owner", "kernteam",
               "--description", "Casusoverleg", "--due", "2026-12-20 10:00",
               "--every", "14")
    near(snapshot(imported), snapshot(by_hand))
    # The same file again adds nothing.
    before = counts(imported)
    p = ctl(imported, "--json", "import", "--notify", path)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["agreements"] == {"made": 0, "present": 2}
    assert r["cases"]["assigned"] == 0 and r["cases"]["typed"] == 0
    assert counts(imported) == before
    assert_no_bsn(imported, [p.stdout, p.stderr], [bsn])


def test_a_caseload_by_case_number_twice(regie):
    """New cases by number and BSN, in five batches; a second import
    finds them by number and adds nothing; no email without --notify."""
    reg = regie.regisseur("Bert Smit", "bert@st.example")
    bsns = [rrp.new_bsn() for _ in range(1200)]
    lines = [HEADER]
    for i in range(600):  # a case line and an agreement line each
        lines.append(csv_line("Z-%d" % i, bsns[2 * i], reg, "complex"))
        lines.append(csv_line("Z-%d" % i, bsns[2 * i + 1],
                              owner="regisseur:bert@st.example",
                              description="Huisbezoek",
                              due="2026-12-10 09:00"))
    path = write(regie, "caseload.csv", lines)
    outbox = len(regie.outbox())
    p = ctl(regie, "--json", "import", path)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["batches"] == 5 and r["lines"] == 1200  # 250 lines each
    assert r["cases"]["opened"] == 600 and r["cases"]["assigned"] == 600
    assert r["cases"]["joined"] == 600
    assert r["agreements"] == {"made": 600, "present": 0}
    assert len(regie.outbox()) == outbox  # nothing mailed
    with db(regie) as c:
        assert c.execute("SELECT count(*) FROM cases WHERE external_ref"
                         " LIKE 'Z-%' AND regisseur_id IS NOT NULL"
                         ).fetchone()[0] == 600
        assert c.execute("SELECT count(*) FROM agreement WHERE kind ="
                         " 'progress'").fetchone()[0] == 600
        assert c.execute("SELECT count(*) FROM membership").fetchone()[0] \
            == 1200
    before = counts(regie)
    p = ctl(regie, "import", path)
    assert p.returncode == 0, p.stderr
    assert "0 opened" in p.stdout and "600 there already" in p.stdout
    assert counts(regie) == before
    assert_no_bsn(regie, [p.stdout, p.stderr], bsns)


def test_json_lines_from_standard_input(regie):
    bsn = rrp.new_bsn()
    text = "\n".join([
        json.dumps({"case_ref": "Z-77", "bsn": bsn, "type": "intensive"}),
        "",
        json.dumps({"case_ref": "Z-77", "owner": "kernteam",
                    "description": "Overleg", "due": "2026-12-01T08:00:00Z",
                    "period_days": 7}),
        "[1, 2]",
    ]) + "\n"
    p = ctl(regie, "import", "-", stdin=text)
    assert p.returncode == 64, p.stderr  # - needs --format
    p = ctl(regie, "import", "--format", "jsonl", "-", stdin=text)
    assert p.returncode == 65
    assert "(stdin):4: a line of a JSON lines file is one object" \
        in p.stderr, p.stderr
    p = ctl(regie, "import", "--format", "jsonl", "-",
            stdin=text.replace("[1, 2]\n", ""))
    assert p.returncode == 0, p.stderr
    rows = [a for a in regie.agreements("--status", "all")
            if a["kind"] == "custom"]
    assert len(rows) == 1 and rows[0]["period_days"] == 7
    kase = regie.js("case", "show", rows[0]["case"])
    assert kase["type"] == "intensive"
    # the kernteam's assign agreement: a new case without regisseur
    assert regie.agreement_of(rows[0]["case"], "assign")["status"] == "open"
    assert_no_bsn(regie, [p.stdout, p.stderr], [bsn])


def test_notify_sends_the_assignment_email(regie):
    reg = regie.regisseur("Carla Vos", "carla@st.example")
    path = write(regie, "one.csv", [HEADER, csv_line("Z-1", rrp.new_bsn(),
                                                      reg)])
    mark = regie.mark()
    p = ctl(regie, "import", "--notify", path)
    assert p.returncode == 0, p.stderr
    assert "No email was sent" not in p.stdout
    mails = regie.wait_mails(mark, 1)
    assert mails[0]["to"] == ["carla@st.example"]
    assert "planregisseur" in mails[0]["subject"].lower() or \
        "planregisseur" in mails[0]["text"].lower()
