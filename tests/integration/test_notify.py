"""
Who is told what, through a real SMTP server: regied with a "mail" group
delivers notifications over STARTTLS (self-signed certificate for
localhost, its CA given to regied) to aiosmtpd on loopback. Covers the
rules (regisseur, kernteam, overlap, assignment, crisis), quiet hours,
what an email must never hold, and the outbox under failures: 451 then
250, 554, wrong AUTH, no STARTTLS, a server that is down or hangs, and
kill -9 with a full outbox; Message-IDs: one per notification, the same
on every attempt, none shared by two installations or reused after a
restore from a backup.
"""

import datetime
import email.utils
import json
import shutil
import subprocess
import zoneinfo
from pathlib import Path

import pytest

import rrp
from mailserver import (PASSWORD, USER, Handler, Server, SilentServer,
                        free_port, wait_for)

REGIECTL = rrp.BUILD / "regiectl"
TEMPLATES = rrp.REPO / "config" / "templates"
ZONE = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def servers(cert):
    started = []

    def start(handler=None, **kw):
        srv = Server(cert[0], cert[1], handler, **kw).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


class Mailed:
    """A regied with mail on, its control socket, and helpers."""

    def __init__(self, regied, cert, port, password=PASSWORD, auth=False,
                 starttls=True, quiet="", timeout_ms=5000, start=True,
                 templates=TEMPLATES, shipped=None):
        folder = rrp.short_tempdir()
        self.ctl = "%s/ctl" % folder
        smtp = {"host": "localhost", "port": port, "starttls": starttls,
                "ca_file": cert[0], "timeout_ms": timeout_ms}
        if auth:
            pw = "%s/smtp.password" % folder
            with open(pw, "w") as f:
                f.write(password + "\n")
            smtp.update(user=USER, password_file=pw)
        over = {
            "daemon": {"control": self.ctl},
            "mail": {
                "templates": str(templates),
                "from": {"name": "Regie op de casus",
                         "email": "regie@gemeente.example"},
                "kernteam": {"name": "Kernteam",
                             "email": "kernteam@gemeente.example"},
                "gemeente": {"name": "Gemeente",
                             "email": "monitoring@gemeente.example"},
                "quiet_hours": quiet,
                "smtp": smtp,
                "retry_min_s": 1, "retry_max_s": 1, "lifetime_hours": 1,
            },
        }
        if shipped is not None:
            over["mail"]["shipped_templates"] = str(shipped)
        self.d = regied(over, folder=folder, start=start)
        self.vt = self.d.client("vt") if start else None

    def ctl_json(self, *args, check=True):
        p = subprocess.run([str(REGIECTL), "-s", self.ctl, "--json"] +
                           list(args), capture_output=True, text=True,
                           timeout=30)
        if check:
            assert p.returncode == 0, p.stderr
        return json.loads(p.stdout) if p.stdout.strip() else None

    def outbox(self):
        return self.ctl_json("outbox", "--limit", "1000")

    def refer(self, client=None, **kw):
        body = rrp.referral_body(**kw)
        r = (client or self.vt).referral(body)
        rrp.assert_ack(r)
        return body, r.body

    def regisseur(self, name, email):
        out = self.ctl_json("regisseur", "add", "--name", name,
                            "--organisation", "Leger des Heils",
                            "--email", email, "--phone", "+31 6 1234 5678")
        return out["regisseur"] if "regisseur" in out else out["id"]


def text_of(msg):
    return msg.get_content()


def assert_private(msg, body):
    """Nothing of the person's circumstances is in an email."""
    raw = msg.as_string() + text_of(msg)
    for bsn in rrp.bsns_of(body):
        assert bsn not in raw
    for field in ("note", "category", "postcode"):
        if body.get(field):
            assert body[field] not in raw, field
    birth = body.get("subject", {}).get("birth_date")
    if birth:
        assert birth not in raw


def test_new_case_tells_the_kernteam(regied, cert, servers):
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    body, ack = m.refer(note="geheime notitie over het gezin",
                        category="kindermishandeling", postcode="6708PB")
    wait_for(lambda: len(srv.handler.messages) == 1, what="one email")
    (msg,) = srv.handler.parsed()
    assert srv.handler.messages[0]["rcpt_tos"] == ["kernteam@gemeente.example"]
    assert srv.handler.messages[0]["tls"]
    assert ack["case"] in msg["Subject"]
    assert "Veilig Thuis" in msg["Subject"]
    text = text_of(msg)
    assert ack["referral"] in text
    assert body["contact"]["name"] in text
    assert body["contact"]["email"] in text
    assert_private(msg, body)
    assert msg["Message-ID"].startswith("<regie.")


def test_the_date_header_is_in_the_configured_zone(regied, cert, servers):
    """A mail's Date: is regied's configured zone's local time with that
    day's offset, whatever the host's TZ (the tests run at Etc/GMT+12)."""
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    m.refer()
    wait_for(lambda: len(srv.handler.messages) == 1, what="one email")
    (msg,) = srv.handler.parsed()
    (date,) = msg.get_all("Date")
    sent = email.utils.parsedate_to_datetime(date)
    assert sent.utcoffset() == sent.astimezone(ZONE).utcoffset(), date
    assert sent.utcoffset() != datetime.timedelta(hours=-12), date


def test_assignment_and_referral_reach_the_regisseur(regied, cert, servers):
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    body, ack = m.refer(household=[rrp.new_bsn()])
    reg = m.regisseur("A. Jansen", "a.jansen@ldh.example")
    m.ctl_json("case", "assign", ack["case"], reg)
    member = body["household"][0]["bsn"]
    body2, ack2 = m.refer(subject=member, kind="signaal",
                          note="niet mailen")
    assert ack2["case"] == ack["case"]
    assert ack2["case_status"] == "assigned"
    assert ack2["regisseur"]["name"] == "A. Jansen"   # vt may know
    wait_for(lambda: len(srv.handler.messages) == 3, what="three emails")
    to = [x["rcpt_tos"][0] for x in srv.handler.messages]
    assert to == ["kernteam@gemeente.example", "a.jansen@ldh.example",
                  "a.jansen@ldh.example"]
    assigned, referral = srv.handler.parsed()[1:]
    assert ack["case"] in assigned["Subject"]
    assert "planregisseur" in assigned["Subject"]
    assert referral["Subject"] == "Casus %s: signaal van %s" % (
        ack["case"], "Veilig Thuis Gelderland-Midden")
    assert "A. Jansen" in text_of(referral)
    assert_private(referral, body2)
    # A partner without disclosure learns nothing of the regisseur.
    ggz = m.d.client("ggz")
    _, ack3 = m.refer(client=ggz, subject=member, kind="verwijzing",
                      category="ggz")
    assert ack3["case_status"] == "assigned" and ack3["regisseur"] is None


def test_an_edited_template_takes_the_shipped_ones_place(regied, cert,
                                                         servers):
    """mail.templates holds the edited templates, mail.shipped_templates
    the shipped ones: a file in the first is used, file by file; every
    other template comes from the second."""
    edited = Path(rrp.short_tempdir())
    text = (TEMPLATES / "referral_kernteam.txt").read_text()
    first, rest = text.split("\n", 1)
    assert first.startswith("Subject: ")
    (edited / "referral_kernteam.txt").write_text(
        "Subject: Aangepast: casus {{case}}\n" + rest)
    srv = servers()
    m = Mailed(regied, cert, srv.port, templates=edited, shipped=TEMPLATES)
    body, ack = m.refer(household=[rrp.new_bsn()])
    reg = m.regisseur("A. Jansen", "a.jansen@ldh.example")
    m.ctl_json("case", "assign", ack["case"], reg)
    wait_for(lambda: len(srv.handler.messages) == 2, what="two emails")
    kernteam, assigned = srv.handler.parsed()
    assert kernteam["Subject"] == "Aangepast: casus %s" % ack["case"]
    assert assigned["Subject"] == \
        "U bent planregisseur van casus %s" % ack["case"]


def test_reassignment_tells_both(regied, cert, servers):
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    _, ack = m.refer()
    a = m.regisseur("A. Jansen", "a@ldh.example")
    b = m.regisseur("B. Smit", "b@ggz.example")
    m.ctl_json("case", "assign", ack["case"], a)
    m.ctl_json("case", "assign", ack["case"], b)
    wait_for(lambda: len(srv.handler.messages) == 4, what="four emails")
    last = srv.handler.messages[2:]
    assert sorted(x["rcpt_tos"][0] for x in last) == ["a@ldh.example",
                                                      "b@ggz.example"]
    subjects = {x["To"].addresses[0].addr_spec: x["Subject"]
                for x in srv.handler.parsed()[2:]}
    assert "overgedragen" in subjects["a@ldh.example"]
    assert "planregisseur" in subjects["b@ggz.example"]


def test_quick_reassignments_lose_no_mail(regied, cert, servers):
    # A to B and back to A within one second: A's second "U bent
    # planregisseur" is a notification of its own (keyed on the
    # assignment's audit event, not on the second it happened in).
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    a = m.regisseur("A. Jansen", "a@ldh.example")
    b = m.regisseur("B. Smit", "b@ggz.example")
    for _ in range(3):  # until the three fall within one second
        _, ack = m.refer()
        for who in (a, b, a):
            m.ctl_json("case", "assign", ack["case"], who)
        rows = [r for r in m.outbox() if r["key"].startswith(
            "case/%d/" % int(ack["case"][2:]))]
        if len({r["created_at"] for r in rows}) == 1:
            break
    assert len({r["created_at"] for r in rows}) == 1, rows
    assert len(rows) == 5, rows  # A, B + A moved, A + B moved
    assert len({r["key"] for r in rows}) == 5
    wait_for(lambda: all(r["status"] == "sent" for r in m.outbox()),
             what="every notification sent")
    # The same assignment is never queued twice: a restart adds nothing.
    m.d.restart()
    assert len([r for r in m.outbox() if r["key"].startswith(
        "case/%d/" % int(ack["case"][2:]))]) == 5
    mine = [p for p in srv.handler.parsed() if ack["case"] in p["Subject"]
            and ("U bent planregisseur" in p["Subject"]
                 or "overgedragen" in p["Subject"])]
    got = sorted((p["To"].addresses[0].addr_spec,
                  "U bent planregisseur" in p["Subject"]) for p in mine)
    assert got == [("a@ldh.example", False), ("a@ldh.example", True),
                   ("a@ldh.example", True), ("b@ggz.example", False),
                   ("b@ggz.example", True)], got


def test_overlap_asks_the_kernteam_to_review(regied, cert, servers):
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    x, y = rrp.new_bsn(), rrp.new_bsn()
    _, a1 = m.refer(subject=x)
    _, a2 = m.refer(subject=y)
    assert a1["case"] != a2["case"]
    _, a3 = m.refer(subject=x, household=[y])
    assert a3["case"] == max(a1["case"], a2["case"])
    wait_for(lambda: len(srv.handler.messages) == 4, what="four emails")
    overlap = [p for p in srv.handler.parsed()
               if "meerdere" in p["Subject"]]
    assert len(overlap) == 1
    text = text_of(overlap[0])
    assert a1["case"] in text and a2["case"] in text


def test_quiet_hours_hold_mail_but_not_a_crisis(regied, cert, servers):
    srv = servers()
    now = datetime.datetime.now(ZONE)
    start = now - datetime.timedelta(hours=1)
    end = now + datetime.timedelta(hours=1)
    quiet = "%s-%s" % (start.strftime("%H:%M"), end.strftime("%H:%M"))
    m = Mailed(regied, cert, srv.port, quiet=quiet)
    m.refer(urgency="normaal")
    _, crisis = m.refer(urgency="crisis")
    wait_for(lambda: len(srv.handler.messages) == 1, what="the crisis mail")
    (msg,) = srv.handler.parsed()
    assert msg["Subject"].startswith("CRISIS: ")
    assert crisis["case"] in msg["Subject"]
    # Its outcome is recorded just after the server took it.
    wait_for(lambda: [r["status"] for r in m.outbox()].count("sent") == 1,
             what="the crisis mail recorded as sent")
    held = [r for r in m.outbox() if r["status"] == "pending"]
    assert len(held) == 1
    due = datetime.datetime.fromisoformat(
        held[0]["next_attempt_at"].replace("Z", "+00:00")).astimezone(ZONE)
    assert due.strftime("%H:%M") == end.strftime("%H:%M")
    assert due > now
    assert len(srv.handler.messages) == 1


def test_451_then_250_is_delivered_once(regied, cert, servers):
    srv = servers(Handler(data_replies=["451 4.3.0 Try again later"]))
    m = Mailed(regied, cert, srv.port)
    m.refer()
    wait_for(lambda: len(srv.handler.messages) == 1, what="the retry")
    wait_for(lambda: m.outbox()[0]["status"] == "sent", what="sent")
    (row,) = m.outbox()
    assert row["attempts"] == 2
    assert srv.handler.data_attempts == 2


def test_message_id_is_the_same_on_every_attempt(regied, cert, servers):
    srv = servers(Handler(data_replies=["451 4.3.0 Try again later",
                                        "452 4.3.1 Still busy"]))
    m = Mailed(regied, cert, srv.port)
    m.refer()
    wait_for(lambda: len(srv.handler.messages) == 1, what="the third try")
    ids = srv.handler.seen_ids()
    assert len(ids) == 3 and len(set(ids)) == 1, ids
    (row,) = m.outbox()
    assert ids[0] == "<regie.%s@gemeente.example>" % row["message_id"]


def test_two_installations_never_share_a_message_id(regied, cert, servers):
    srv = servers()
    one = Mailed(regied, cert, srv.port)
    two = Mailed(regied, cert, srv.port)
    one.refer()
    two.refer()
    wait_for(lambda: len(srv.handler.messages) == 2, what="two emails")
    assert one.outbox()[0]["key"] == two.outbox()[0]["key"]
    a, b = (p["Message-ID"] for p in srv.handler.parsed())
    assert a != b
    # "<regie.INSTALLATION.RANDOM@domain>": other installations, too.
    assert a.split(".")[1] != b.split(".")[1]


def test_restored_backup_never_reuses_a_message_id(regied, cert, servers):
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    m.refer()
    wait_for(lambda: [r["status"] for r in m.outbox()] == ["sent"],
             what="the first sent")
    dest = str(m.d.dir / "copy.db")
    assert m.ctl_json("backup", dest)["state"] == "done"
    m.refer()
    wait_for(lambda: [r["status"] for r in m.outbox()] == ["sent"] * 2,
             what="the second sent")
    lost = m.outbox()[0]   # sent, but not in the backup
    assert m.d.stop() == 0
    for f in m.d.db_files():
        f.unlink()
    shutil.copyfile(dest, m.d.db_path)
    m.d.start()
    assert len(m.outbox()) == 1
    m.refer(client=m.d.client("vt"))
    wait_for(lambda: len(srv.handler.messages) == 3, what="a third email")
    again = m.outbox()[0]
    # The new notification has the key of the one lost with the restore
    # (a Message-ID derived from the key would be the same) ...
    assert again["key"] == lost["key"] and again["id"] == lost["id"]
    # ... and a Message-ID never used before.
    ids = [p["Message-ID"] for p in srv.handler.parsed()]
    assert len(set(ids)) == 3, ids


def test_554_is_failed_and_not_retried(regied, cert, servers):
    srv = servers(Handler(data_reply="554 5.7.1 Message rejected"))
    m = Mailed(regied, cert, srv.port)
    m.refer()
    wait_for(lambda: m.outbox()[0]["status"] == "failed", what="failed")
    (row,) = m.outbox()
    assert "554" in row["last_error"]
    assert row["attempts"] == 1
    assert srv.handler.data_attempts == 1
    # regiectl can put it back in the queue.
    m.ctl_json("outbox", "retry", str(row["id"]))
    wait_for(lambda: srv.handler.data_attempts == 2, what="the retry")


def test_wrong_auth_shows_in_the_outbox(regied, cert, servers):
    srv = servers(auth=True)
    m = Mailed(regied, cert, srv.port, auth=True, password="fout")
    m.refer()
    wait_for(lambda: (m.outbox()[0]["last_error"] or "") != "",
             what="an error")
    (row,) = m.outbox()
    assert "535" in row["last_error"] or "auth" in row["last_error"].lower()
    assert srv.handler.messages == []


def test_auth_and_starttls_deliver(regied, cert, servers):
    srv = servers(auth=True)
    m = Mailed(regied, cert, srv.port, auth=True)
    m.refer()
    wait_for(lambda: len(srv.handler.messages) == 1, what="one email")
    assert srv.handler.messages[0]["authenticated"]


def test_starttls_required_but_not_offered(regied, cert, servers):
    srv = servers(tls=False)
    m = Mailed(regied, cert, srv.port)
    m.refer()
    wait_for(lambda: (m.outbox()[0]["last_error"] or "") != "",
             what="an error")
    assert "STARTTLS" in m.outbox()[0]["last_error"]
    assert srv.handler.messages == []


def test_server_down_then_up_delivers_everything_once(regied, cert):
    port = free_port()
    m = Mailed(regied, cert, port)
    for _ in range(5):
        m.refer()
    wait_for(lambda: all(r["attempts"] >= 1 for r in m.outbox()),
             what="a first failed attempt of each")
    assert all(r["status"] == "pending" for r in m.outbox())
    srv = Server(cert[0], cert[1], port=port).start()
    try:
        wait_for(lambda: all(r["status"] == "sent" for r in m.outbox()),
                 what="every notification sent")
        ids = [p["Message-ID"] for p in srv.handler.parsed()]
        assert len(ids) == 5 and len(set(ids)) == 5
    finally:
        srv.stop()


def test_intake_acknowledges_while_the_server_hangs(regied, cert):
    silent = SilentServer()
    try:
        m = Mailed(regied, cert, silent.port, timeout_ms=60000)
        for _ in range(50):
            body = rrp.referral_body()
            r = m.vt.referral(body, timeout=2.0)
            rrp.assert_ack(r)
        assert len(m.outbox()) == 50
    finally:
        silent.stop()


def test_kill9_with_a_full_outbox_loses_and_repeats_nothing(regied, cert):
    port = free_port()
    srv = Server(cert[0], cert[1], port=port).start()
    m = Mailed(regied, cert, port)
    for _ in range(10):
        m.refer()
    wait_for(lambda: len(srv.handler.messages) == 10, what="ten emails")
    wait_for(lambda: all(r["status"] == "sent" for r in m.outbox()),
             what="ten recorded as sent")
    srv.stop()
    for _ in range(10):
        m.refer()
    m.d.kill()
    m.d.start()
    srv2 = Server(cert[0], cert[1], port=port).start()
    try:
        wait_for(lambda: len(srv2.handler.messages) == 10,
                 what="the ten queued")
        wait_for(lambda: all(r["status"] == "sent" for r in m.outbox()),
                 what="all twenty sent")
        first = {p["Message-ID"] for p in srv.handler.parsed()}
        second = {p["Message-ID"] for p in srv2.handler.parsed()}
        assert len(first) == 10 and len(second) == 10
        assert not first & second
        assert len(m.outbox()) == 20
    finally:
        srv2.stop()


def test_many_mails_in_one_run(regied, cert, servers):
    srv = servers()
    m = Mailed(regied, cert, srv.port)
    for _ in range(30):
        m.refer()
    wait_for(lambda: len(srv.handler.messages) == 30, what="thirty emails",
             timeout=60)
    assert len({p["Message-ID"] for p in srv.handler.parsed()}) == 30
