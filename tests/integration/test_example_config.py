"""
The example configuration (config/regie.conf, installed as
/etc/regie/regie.conf) is safe to start: it names only addresses under
.example (RFC 2606: they receive no mail), and a first start with it
makes no notification, because nothing in it is due in the past (it once
had a partner report with first_due in the past, so the first start mailed
"Afspraak A-000001 niet nagekomen"). The daemon runs on the example file
itself, only its paths made local and its SMTP server pointed at a
loopback port.
"""

import json
import re
import shutil
import subprocess
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import rrp

EXAMPLE = rrp.REPO / "config" / "regie.conf"
REGIECTL = rrp.BUILD / "regiectl"


def test_the_example_names_only_example_addresses():
    text = EXAMPLE.read_text()
    # Addresses in strings; a Z85 key may hold an "@" between other
    # characters, so an address is "local@domain.tld" with a dot domain.
    found = re.findall(r'[\w.+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)', text)
    assert found, "no address found: the pattern is wrong"
    for domain in found:
        assert domain.endswith(".example"), domain
    host = re.search(r'host = "([^"]+)"', text).group(1)
    assert host.endswith(".example"), host


def test_the_example_has_no_date_in_the_past():
    # Today it has none (the first report is due a period after the first
    # start: test_a_first_start_with_the_example_sends_nothing); an edit that
    # adds one, as first_due or elsewhere, must name a future time in the
    # daemon's zone, in the one format regie.conf knows.
    now = datetime.now(ZoneInfo("Europe/Amsterdam")).strftime(
        "%Y-%m-%d %H:%M")
    for line in EXAMPLE.read_text().splitlines():
        code = line.split("#", 1)[0]
        m = re.search(r'\bfirst_due\s*=\s*"([^"]*)"', code)
        if m:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d",
                                m.group(1)), line
        dates = r'"(\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d)?)'
        for when in re.findall(dates, code):
            assert when.replace("T", " ") > now, line


def local_example(folder, port):
    """The example's text with its paths in folder and its SMTP server at
    127.0.0.1:port without STARTTLS."""
    text = EXAMPLE.read_text()
    for old, new in [
            ("/etc/regie/server.key", folder + "/server.key"),
            ("/etc/regie/pseudonym.key", folder + "/pseudonym.key"),
            ("/var/lib/regie/regie.db", folder + "/regie.db"),
            ("/run/regie/control", folder + "/control"),
            ("/etc/regie/templates", str(rrp.REPO / "config" / "templates")),
            ("tcp://127.0.0.1:5710", "ipc://%s/intake" % folder),
            ('"smtp.gemeente.example"', '"127.0.0.1"'),
            ("port = 587;", "port = %d;" % port),
            ("starttls = true;", "starttls = false;")]:
        assert old in text, old
        text = text.replace(old, new)
    return text


def regiectl(folder, *args):
    return subprocess.run(
        [str(REGIECTL), "-s", folder + "/control", "--json"] + list(args),
        capture_output=True, text=True, timeout=30)


@pytest.fixture
def folder():
    d = rrp.short_tempdir()
    subprocess.run([str(rrp.KEYGEN), "curve", d + "/server"], check=True,
                   capture_output=True)
    subprocess.run([str(rrp.KEYGEN), "pseudonym", d + "/pseudonym.key"],
                   check=True, capture_output=True)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_a_first_start_with_the_example_sends_nothing(folder):
    path = folder + "/regie.conf"
    with open(path, "w") as f:
        f.write(local_example(folder, rrp.free_tcp_port()))
    log = open(folder + "/regied.log", "wb")
    proc = subprocess.Popen([str(rrp.REGIED), "-c", path], cwd=folder,
                            stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log)
    try:
        # The partner vt's weekly report is an agreement once regied has
        # seen the partner: wait for it (the control socket answers).
        deadline = time.monotonic() + 20
        report = None
        while report is None:
            assert proc.poll() is None, open(folder + "/regied.log").read()
            assert time.monotonic() < deadline, \
                open(folder + "/regied.log").read()
            p = regiectl(folder, "agreements", "--status", "all")
            if p.returncode == 0:
                report = next((a for a in json.loads(p.stdout)
                               if a["owner_type"] == "partner" and
                               a["owner"] == "vt"), None)
        due = datetime.fromisoformat(report["due_at"].replace("Z", "+00:00"))
        assert due.timestamp() > time.time() + 6 * 86400, report
        # Nothing is due, so nothing is in the outbox: no mail, now or
        # when the sender next looks.
        p = regiectl(folder, "outbox", "--status", "pending")
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout) == [], p.stdout
        p = regiectl(folder, "outbox", "--status", "sent")
        assert json.loads(p.stdout) == [], p.stdout
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        log.close()
