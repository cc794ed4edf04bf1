"""
The weekly digest with a picture (issue "a digest with a picture"): a
regied with --test-clock and mail to aiosmtpd over STARTTLS, a history of
twelve ISO weeks driven by the clock (referrals over RRP/1, a regisseur
whose progress report does not come, a department's requests that are
not answered or answered late, Veilig Thuis's weekly reports on time,
with a count that is not what arrived, and missing), then the digest:

- the chart's numbers are the statistics: each week's referrals and
  agreements not kept by owner equal `regiectl --json stats --from
  MONDAY --to SUNDAY`'s (the data, not pixels);
- the mail is multipart/alternative of text/plain and multipart/related
  (text/html, image/png inline): Python's email package parses it, the
  img's cid is the picture's Content-ID, base64 in lines of 76, CRLF;
- the PNG decodes (signature, IHDR) to 1200 x 870 pixels;
- the text part alone says the same facts: the numbers per week and the
  agreements late longest, with the reason given;
- no BSN, note, category or agreement description anywhere, and a name
  with markup is escaped in the HTML;
- a retry sends the same mail with the same Message-ID;
- `regiectl digest --preview --out DIR` writes digest.txt, digest.html
  and chart.png (0644), never over them without --force;
- the templates stay editable: a changed digest.html shows up at once.
Nothing sleeps to synchronise: waits ask (regiectl, the SMTP handler).
"""

import email
import email.policy
import os
import re
import shutil
import stat
import struct
import tempfile

import pytest

import agreekit
import rrp
from agreekit import TEMPLATES, Factory, Regie, local, plus_days
from mailserver import Handler, Server, wait_for

# Twelve ISO weeks, 2030-W36 (Monday 2 September) to 2030-W47, far enough
# ahead that the real clock never reaches them; summer time ends on
# Sunday 27 October 2030, inside them.
FIRST_MONDAY = "2030-09-02 09:00"
NOW = "2030-11-20 10:00"  # Wednesday of 2030-W47
WEEKS = ["2030-W%02d" % w for w in range(36, 48)]
VT_REPORT = {"every_days": 7, "first_due": "2030-09-06 09:00",
             "description": "Wekelijks: alle meldingen doorgestuurd"}
# The digest on Wednesday 10:30: the history's jumps cross it each week
# (a digest goes out then), the final time (10:00) does not.
DIGEST_AT = "wednesday 10:30"
EVIL = "J. <script>alert(1)</script> & Zn"
REASON = "wacht op advies van de jurist"
NOT_DELIVERED = "wacht op gesprek met het gezin"
DESCRIPTIONS = ["Besluit op aanvraag bijzondere bijstand (geheim-1)",
                "Besluit op aanvraag schuldhulp (geheim-2)",
                "Besluit op aanvraag Wmo (geheim-3)"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_SIZE = (1200, 870)


def first_try_of_the_digest_fails(content):
    """The server's answer to a DATA: 451 to the first attempt of the
    digest of the last week, so that it is sent again."""
    if b"week 2030-W47" in content and not FAILED:
        FAILED.append(content)
        return "451 4.3.0 try again later"
    return None


FAILED = []


@pytest.fixture
def smtp(cert):
    FAILED.clear()
    srv = Server(cert[0], cert[1],
                 handler=Handler(data_script=first_try_of_the_digest_fails))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def templates():
    folder = tempfile.mkdtemp(prefix="rgdt")
    shutil.copytree(str(TEMPLATES), folder + "/t")
    yield folder + "/t"
    shutil.rmtree(folder)


@pytest.fixture
def regie(regie_keys, cert, smtp, templates):
    f = Factory(regie_keys)
    r = Regie(f, cert, smtp, vt_report=VT_REPORT, overrides={
        "monitoring": {"digest": DIGEST_AT},
        "mail": {"templates": templates}})
    try:
        yield r
        r.assert_private()
    finally:
        f.cleanup()


# ------------------------------------------------------------ history

def at(week, day, hh_mm="09:00"):
    """Local time of day (0 Monday .. 6 Sunday) of history week."""
    h, m = map(int, hh_mm.split(":"))
    t = plus_days(local(FIRST_MONDAY), 7 * week + day)
    return t.replace(hour=h, minute=m)


def report(r, ref, week, count):
    """Veilig Thuis's weekly report for history week, with count."""
    ack = r.report_rrp({"external_id": rrp.new_external_id("VT"),
                        "agreement": ref, "period": WEEKS[week],
                        "count": count})
    assert ack.status == "ACK", ack


def history(r):
    """Twelve weeks of referrals and agreements; returns the references
    of the agreements it made: {name: "A-..."}."""
    made = {}
    vt = r.partner_agreement("vt")["agreement"]
    sent = [0] * 12                       # vt referrals per week
    household = rrp.new_bsn()             # one case for the referrals
    for week in range(12):
        r.set_clock(at(week, 0))
        if week == 0:                     # a case, its regisseur's report
            case, reg, _ = r.case_with_regisseur(EVIL)
            made["progress"] = r.agreement_of(case, "progress")["agreement"]
            sent[0] += 1
        if week == 4:                     # one that reports on time
            case, reg, _ = r.case_with_regisseur("B. Smit")
            made["on_time"] = r.agreement_of(case, "progress")["agreement"]
            sent[4] += 1
        for _ in range(week % 3):
            r.refer("vt", subject=household)
            sent[week] += 1
        if week % 2:
            r.refer("ggz", subject=household, category="ggz",
                    kind="verwijzing")
        if week in (2, 6, 9):             # the department's requests
            n = (2, 6, 9).index(week)
            made["request%d" % n] = r.js(
                "agree", "--owner", "department:inkomen", "--description",
                DESCRIPTIONS[n], "--due",
                at(week, 2, "12:00").strftime("%Y-%m-%d %H:%M"))["agreement"]
        if week == 11:
            break                         # now is its Wednesday 10:00
        r.set_clock(at(week, 3, "10:00"))  # Thursday
        if week in (0, 1, 5, 8):
            report(r, vt, week, sent[week])           # reconciled
        elif week == 3:
            report(r, vt, week, sent[week] + 2)       # a count that is off
        if week == 3:
            r.ok("report", made["progress"], "--not-delivered", "--reason",
                 NOT_DELIVERED)
            r.ok("extend", made["request0"], "--until",
                 at(4, 2, "12:00").strftime("%Y-%m-%d %H:%M"), "--reason",
                 REASON)
        if week == 6:
            r.ok("report", made["on_time"])           # due next Monday
        if week == 10:
            r.ok("report", made["request2"])          # late
    r.set_clock(local(NOW))
    return made


# ------------------------------------------------------------ checks

def not_kept(stats, section, key, owner_id):
    """missing + unreconciled of one group of a stats section."""
    lists = {"partner": "by_partner", "progress": "by_organisation",
             "department": "by_department"}
    for row in stats["reports"][section][lists[section]]:
        if row[key] == owner_id:
            return row["missing"] + row["unreconciled"]
    return 0


SECTION = {"partner": ("partner", "partner"),
           "organisation": ("progress", "organisation"),
           "department": ("department", "department")}


def check_chart_is_stats(r, chart):
    """Each week's numbers of the chart are regiectl stats's."""
    assert chart["weeks"] == WEEKS
    assert chart["current"] == 11
    for i, week in enumerate(WEEKS):
        monday = at(i, 0).date().isoformat()
        sunday = at(i, 6).date().isoformat()
        s = r.js("stats", "--from", monday, "--to", sunday)
        assert s["weeks"] == [week]
        assert chart["referrals"][i] == s["referrals"]["total"], week
        total = 0
        for section, key in (("partner", "partner"),
                             ("progress", "organisation"),
                             ("department", "department")):
            lst = {"partner": "by_partner", "progress": "by_organisation",
                   "department": "by_department"}[section]
            total += sum(row["missing"] + row["unreconciled"]
                         for row in s["reports"][section][lst])
        assert chart["not_kept"][i] == total, week
        for o in chart["owners"]:
            sec, key = SECTION[o["type"]]
            assert o["not_kept"][i] == not_kept(s, sec, key, o["id"]), (
                week, o)


def png_size(data):
    """(width, height) from a PNG's IHDR chunk, after its signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def text_table(text):
    """The digest text's table of the last 12 weeks: {label: numbers}."""
    part = text[text.index("DE LAATSTE 12 WEKEN"):]
    lines = part[:part.index("* deze week")].splitlines()
    rows, label = {}, None
    for line in lines:
        if line.startswith("Week "):
            rows["Week"] = line.split()[1:]
        elif line.startswith("- ") and line.endswith(":"):
            label = line[2:-1]
        elif re.match(r"^(.*?)\s+((\d+\s+){11}\d+)$", line):
            mt = re.match(r"^(.*?)\s+((\d+\s+){11}\d+)$", line)
            rows[mt.group(1).strip() or label] = [
                int(x) for x in mt.group(2).split()]
    return rows


def check_text_says_the_same(text, chart, overdue):
    rows = text_table(text)
    assert rows["Week"] == [w[5:] for w in WEEKS[:-1]] + ["*" + WEEKS[-1][5:]]
    assert rows["Verwijzingen"] == chart["referrals"]
    assert rows["Niet nagekomen"] == chart["not_kept"]
    kinds = {"partner": "partner", "organisation": "regisseurs",
             "department": "gemeente"}
    for o in chart["owners"]:
        assert rows["%s (%s)" % (o["name"], kinds[o["type"]])] == \
            o["not_kept"], o
    # The agreements late longest: the overdue list's first, in order.
    late = text[text.index("HET LANGST TE LAAT"):
                text.index("AFSPRAKEN OVER TIJD")]
    refs = re.findall(r"^\d+\. (A-\d+) ", late, re.M)
    assert refs == [o["agreement"] for o in overdue][:5]
    return refs


def overdue_longest_first(r):
    """The agreements past their due time, the longest late first."""
    now = r.now()
    rows = [o for o in r.js("overdue") if agreekit.at(o["due_at"]) < now]
    return sorted(rows, key=lambda o: (agreekit.at(o["due_at"]),
                                       int(o["agreement"][2:])))


def check_mime(raw, msg):
    """The layout of the digest's mail; returns (text, html, png)."""
    assert all(line.endswith(b"\r") for line in raw.split(b"\n")[:-1])
    assert msg.get_content_type() == "multipart/alternative"
    plain, related = msg.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image["Content-Transfer-Encoding"] == "base64"
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == "chart.png"
    page = html.get_content()
    (cid,) = re.findall(r'<img src="cid:([^"]+)"', page)
    assert image["Content-ID"] == "<%s>" % cid
    lines = image.get_payload().split("\n")
    body = [line.rstrip("\r") for line in lines if line.strip()]
    assert all(len(line) == 76 for line in body[:-1]), body[:3]
    assert 0 < len(body[-1]) <= 76
    return plain.get_content(), page, image.get_content()


# ------------------------------------------------------------ the test

def test_a_digest_with_a_picture_of_twelve_weeks(regie, templates):
    r = regie
    made = history(r)
    # The preview: the chart's data, and the files.
    out = rrp.short_tempdir()
    os.chmod(out, 0o755)
    pre = r.js("digest", "--preview", "--out", out)
    assert pre["key"] == "digest/2030-W47"
    assert pre["files"] == ["digest.txt", "digest.html", "chart.png"]
    chart = pre["chart"]
    check_chart_is_stats(r, chart)
    # Each kind of owner had agreements not kept in these weeks.
    types = {o["type"] for o in chart["owners"] if o["total"] > 0}
    assert types == {"partner", "organisation", "department"}, chart
    assert sum(chart["referrals"]) >= 12
    for name in pre["files"]:
        assert stat.S_IMODE(os.stat(os.path.join(out, name)).st_mode) == \
            0o644
    with open(os.path.join(out, "chart.png"), "rb") as f:
        assert png_size(f.read()) == CHART_SIZE
    with open(os.path.join(out, "digest.html")) as f:
        preview_html = f.read()
    assert '<img src="chart.png" width="600" height="435"' in preview_html
    with open(os.path.join(out, "digest.txt")) as f:
        assert f.read().startswith("Subject: Weekoverzicht regie op de "
                                   "casus, week 2030-W47\n\nBeste ")
    # Never over those files, unless --force.
    r.fails(1, "digest", "--preview", "--out", out, message="overwrite")
    assert r.js("digest", "--preview", "--out", out, "--force")["files"]
    r.fails(73, "digest", "--preview", "--out", out + "/nothing")
    r.fails(64, "digest", "--preview")
    r.fails(64, "digest", "--send", "--out", out)
    # Sent: the first attempt is refused for now (451), the second goes.
    mark = r.mark()
    sent = r.js("digest", "--send")
    assert sent["queued"] is True and sent["key"] == "digest/2030-W47"
    wait_for(lambda: any(b"week 2030-W47" in m["data"]
                         for m in r.messages[mark[0]:]),
             timeout=30, what="the digest of 2030-W47")
    (m,) = [m for m in r.messages[mark[0]:] if b"week 2030-W47" in m["data"]]
    assert len(FAILED) == 1
    raw = m["data"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text, page, png = check_mime(raw, msg)
    assert png_size(png) == CHART_SIZE
    # The retry is the same mail: the same Message-ID, the same body.
    first = email.message_from_bytes(FAILED[0], policy=email.policy.default)
    assert first["Message-ID"] == msg["Message-ID"]
    assert FAILED[0].split(b"\r\n\r\n", 1)[1] == raw.split(b"\r\n\r\n", 1)[1]
    (row,) = [x for x in r.outbox() if x["key"] == "digest/2030-W47"]
    assert msg["Message-ID"] == "<regie.%s@gemeente.example>" % (
        row["message_id"])
    assert row["attempts"] == 2 and row["status"] == "sent"
    # The text alone says the same facts.
    overdue = overdue_longest_first(r)
    refs = check_text_says_the_same(text, chart, overdue)
    assert made["request0"] in refs and made["progress"] in refs
    assert '"%s"' % REASON in text
    # The HTML: the same agreements in the same order, the reason, the
    # name escaped, the chart described.
    table = page[page.index("Het langst te laat"):]
    assert re.findall(r"<strong>(A-\d+)</strong>", table)[:len(refs)] == refs
    assert REASON in table
    assert "J. &lt;script&gt;alert(1)&lt;/script&gt; &amp; Zn" in page
    assert "<script>" not in page
    assert 'alt="Grafiek: verwijzingen ontvangen en afspraken niet ' \
           'nagekomen per week, 2030-W36 t/m 2030-W47' in page
    for o in chart["owners"]:
        assert o["name"].replace("&", "&amp;") in page
    # Nothing about a person, nor an agreement's description, anywhere.
    everything = raw.decode("utf-8", "replace") + text + page
    for secret in DESCRIPTIONS + [VT_REPORT["description"]]:
        assert secret not in everything
    # The template stays editable: a change shows up at the next preview.
    with open(templates + "/digest.html") as f:
        html = f.read()
    with open(templates + "/digest.html", "w") as f:
        f.write(html.replace("</body>", "<p>Eigen tekst, week {{week}}, "
                             "{{gemeente}}</p>\n</body>"))
    r.js("digest", "--preview", "--out", out, "--force")
    with open(os.path.join(out, "digest.html")) as f:
        assert "<p>Eigen tekst, week 2030-W47, Gemeente Wageningen</p>" in \
            f.read()
    with open(templates + "/digest.html", "a") as f:
        f.write("{{bsn}}\n")
    r.fails(1, "digest", "--preview", "--out", out, "--force",
            message="no digest")
    assert re.search(r"digest\.html:\d+: unknown placeholder \{\{bsn\}\}",
                     r.d.log)
    shutil.rmtree(out)
