"""
regiectl and the control socket (daemon/control/, daemon/cases/regisseur.c,
casefile.c): a real regied with a control socket in its short folder,
referrals posted over RRP/1, and build/regiectl run for every command,
with its human and --json output, its errors and exit statuses, and
malformed requests sent straight to the socket with pyzmq.

Exit statuses (regiectl --help): 0 done, 1 not_found / conflict / no case
found, 64 usage, 65 bad_request, 69 regied not reachable, 75 unavailable.
"""

import json
import os
import re
import socket
import stat
import subprocess
import time

import pytest
import zmq

import rrp
from rrp import assert_ack, new_bsn

REGIECTL = rrp.BUILD / "regiectl"
REF_CASE = re.compile(r"^C-\d{6,}$")
REF_REG = re.compile(r"^RG-\d{6,}$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LOCAL_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


# ------------------------------------------------------------ helpers

def start(factory, **daemon_over):
    """A regied with a control socket at <its folder>/ctl."""
    folder = rrp.short_tempdir()
    over = {"daemon": dict({"control": folder + "/ctl"}, **daemon_over)}
    d = factory(over, folder=folder)
    d.control = folder + "/ctl"
    return d


def run(d, *args, stdin=None, json_out=False, socket_path=None, timeout=30,
        env=None):
    """Runs regiectl against d; returns the CompletedProcess."""
    argv = [str(REGIECTL), "-s", socket_path or d.control]
    if json_out:
        argv.append("--json")
    argv += [str(a) for a in args]
    e = dict(os.environ, TZ="Europe/Amsterdam")
    e.pop("REGIE_CONTROL", None)
    e.update(env or {})
    return subprocess.run(argv, input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=e)


def ok(d, *args, **kw):
    """Runs regiectl; asserts exit 0; returns stdout."""
    p = run(d, *args, **kw)
    assert p.returncode == 0, "regiectl %s exited %d: %s%s" % (
        " ".join(map(str, args)), p.returncode, p.stderr, p.stdout)
    return p.stdout


def js(d, *args, **kw):
    """Runs regiectl --json; asserts exit 0; returns the parsed result."""
    return json.loads(ok(d, *args, json_out=True, **kw))


def fails(d, status, *args, message=None, **kw):
    """Runs regiectl; asserts the exit status and, when given, that the
    message (a regex) is in stderr. Returns stderr."""
    p = run(d, *args, **kw)
    assert p.returncode == status, (
        "regiectl %s: expected exit %d, got %d: %s%s"
        % (" ".join(map(str, args)), status, p.returncode, p.stderr,
           p.stdout))
    if message is not None:
        assert re.search(message, p.stderr), p.stderr
    if status not in (64,):
        assert p.stderr.startswith("regiectl: "), p.stderr
    return p.stderr


def post(d, partner="vt", subject=None, household=None, **extra):
    """Posts a referral; returns the ACK body."""
    c = d.client(partner)
    try:
        return assert_ack(c.referral(rrp.referral_body(
            subject=subject, household=household, **extra)))
    finally:
        c.close()
        d.clients.remove(c)


_reg_counter = iter(range(1, 100000))


def add_regisseur(d, name=None, org="Sociaal Team Wageningen", phone=None):
    """Adds a regisseur with a unique email; returns its object."""
    n = next(_reg_counter)
    args = ["regisseur", "add", "--name", name or "Regisseur %d" % n,
            "--organisation", org, "--email",
            "r%d.%s@team.example" % (n, rrp._run_tag)]
    if phone:
        args += ["--phone", phone]
    return js(d, *args)


class Raw:
    """A REQ socket on the control socket, for hand-made requests."""

    def __init__(self, d):
        self.sock = rrp.CTX.socket(zmq.REQ)
        self.sock.linger = 0
        self.sock.setsockopt(zmq.REQ_RELAXED, 1)
        self.sock.connect("ipc://" + d.control)

    def send(self, frames, timeout=5.0):
        self.sock.send_multipart(frames)
        assert self.sock.poll(int(timeout * 1000)), "no reply"
        frames = self.sock.recv_multipart()
        assert len(frames) == 1, frames
        return json.loads(frames[0].decode("utf-8"))

    def call(self, command, **args):
        return self.send([json.dumps({"command": command, "args": args,
                                      "user": "raw"}).encode()])

    def close(self):
        self.sock.close(0)


@pytest.fixture(scope="module")
def daemon(regied_module):
    return start(regied_module)


@pytest.fixture
def raw(daemon):
    r = Raw(daemon)
    yield r
    r.close()


# ------------------------------------------------------------ basics

def test_ping(daemon):
    out = ok(daemon, "ping")
    assert re.match(r"regied \S+ is running", out), out
    r = js(daemon, "ping")
    assert isinstance(r["version"], str) and r["version"]
    assert RFC3339.match(r["now"]), r


def test_socket_file_mode_default_0660(daemon):
    st = os.stat(daemon.control)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660


def test_socket_file_mode_from_config(regied):
    d = start(regied, control_mode="0600")
    assert stat.S_IMODE(os.stat(d.control).st_mode) == 0o600
    assert ok(d, "ping")


def test_socket_from_environment(daemon):
    p = subprocess.run([str(REGIECTL), "ping"], capture_output=True,
                       text=True, timeout=30,
                       env=dict(os.environ, REGIE_CONTROL="ipc://" +
                                daemon.control))
    assert p.returncode == 0, p.stderr


def test_socket_removed_at_stop(regied):
    d = start(regied)
    assert os.path.exists(d.control)
    assert d.stop() == 0
    assert not os.path.exists(d.control)
    fails(d, 69, "ping", message="regied is not running or not reachable "
          "at %s" % re.escape(d.control))


def test_help(daemon):
    out = ok(daemon, "--help")
    for words in ("regisseur add", "regisseur update", "regisseur "
                  "deactivate", "regisseurs", "regisseur show", "cases",
                  "case show", "case assign", "case type", "case close",
                  "lookup --bsn", "outbox", "outbox retry", "ping",
                  "Exit status", "Examples", "REGIE_CONTROL"):
        assert words in out, words
    assert all(len(line) <= 80 for line in out.splitlines())
    one = ok(daemon, "help", "case", "assign")
    assert "case assign CASE REGISSEUR" in one and "lookup" not in one
    assert "case close" in ok(daemon, "case", "close", "--help")


def test_usage_errors(daemon):
    fails(daemon, 64, "frobnicate", message="unknown command")
    fails(daemon, 64, "case", "assign", "C-1")
    fails(daemon, 64, "case", "show", "--bogus", "1")
    fails(daemon, 64, "regisseur", "add", "--name", "X", "--email",
          "x@y.example", message="--organisation is required")
    fails(daemon, 64, "case", "close", "1", message="--reason is required")
    p = run(daemon)
    assert p.returncode == 64 and "Usage:" in p.stderr


def test_usage_error_is_short(daemon):
    """A usage error prints what is wrong, one usage line and where the
    help is: three lines, not the help (which names every command)."""
    for args, usage in [
            ((), "Usage: regiectl [-s SOCKET] [-t SECONDS] [--json] [--utc] "
                 "COMMAND [ARGUMENTS]"),
            (("frobnicate",), "Usage: regiectl [-s SOCKET]"),
            (("case", "assign", "C-1"),
             "Usage: regiectl case assign CASE REGISSEUR")]:
        p = run(daemon, *args)
        lines = p.stderr.splitlines()
        assert p.returncode == 64, args
        assert p.stdout == "", args
        assert len(lines) == 3, (args, lines)
        assert lines[0].startswith("regiectl: "), lines
        assert lines[1].startswith(usage), lines
        assert lines[2].startswith("See regiectl ") and \
            lines[2].endswith(" --help."), lines


# ------------------------------------------------------------ regisseurs

def test_regisseur_add_list_show(daemon):
    r = add_regisseur(daemon, name="Anna de Boer", phone="+31 6 1234 5678")
    assert REF_REG.match(r["regisseur"])
    assert r["name"] == "Anna de Boer"
    assert r["organisation"] == "Sociaal Team Wageningen"
    assert r["phone"] == "+31 6 1234 5678"
    assert r["active"] is True and r["open_cases"] == 0
    assert RFC3339.match(r["created_at"])
    rows = js(daemon, "regisseurs")
    assert r["regisseur"] in [x["regisseur"] for x in rows]
    assert js(daemon, "regisseur", "list") == rows
    table = ok(daemon, "regisseurs")
    header = table.splitlines()[0]
    assert header.split()[:3] == ["REGISSEUR", "NAME", "ORGANISATION"]
    line = next(l for l in table.splitlines() if r["regisseur"] in l)
    assert "Anna de Boer" in line and "+31 6 1234 5678" in line
    shown = js(daemon, "regisseur", "show", r["regisseur"])
    assert shown["email"] == r["email"] and shown["cases"] == []
    number = str(int(r["regisseur"][3:]))
    assert js(daemon, "regisseur", "show", number)["name"] == "Anna de Boer"
    human = ok(daemon, "regisseur", "show", r["regisseur"])
    assert "Anna de Boer" in human and LOCAL_TIME.search(human)
    assert "ctl: added regisseur=%s user=" % r["regisseur"] in daemon.log


def test_regisseur_add_refusals(daemon):
    base = ["regisseur", "add", "--name", "X", "--organisation", "Y"]
    fails(daemon, 65, *base, "--email", "not-an-address",
          message="email must be one address")
    fails(daemon, 65, *base, "--email", "a@b.example", "--phone", "call me",
          message="phone must be")
    fails(daemon, 65, "regisseur", "add", "--name", " ", "--organisation",
          "Y", "--email", "a@b.example", message="name must be")
    r = add_regisseur(daemon)
    fails(daemon, 1, *base, "--email", r["email"].upper(),
          message="%s .* has this email already" % r["regisseur"])


def test_regisseur_update(daemon):
    r = add_regisseur(daemon, phone="0317 123456")
    ref = r["regisseur"]
    u = js(daemon, "regisseur", "update", ref, "--name", "Bea Bakker",
           "--email", "bea.%s@team.example" % rrp._run_tag)
    assert u["name"] == "Bea Bakker" and u["phone"] == "0317 123456"
    assert u["organisation"] == r["organisation"]
    u = js(daemon, "regisseur", "update", ref, "--phone", "")
    assert u["phone"] is None
    fails(daemon, 64, "regisseur", "update", ref)
    fails(daemon, 1, "regisseur", "update", "RG-999999", "--name", "Z",
          message="there is no regisseur RG-999999")
    fails(daemon, 65, "regisseur", "update", "RG-abc", "--name", "Z",
          message="regisseur must be a reference")
    assert "ctl: updated regisseur=%s" % ref in daemon.log


def test_regisseur_deactivate(daemon):
    r = add_regisseur(daemon)
    other = add_regisseur(daemon)
    ref = r["regisseur"]
    kase = post(daemon)["case"]
    ok(daemon, "case", "assign", kase, ref)
    assert js(daemon, "regisseur", "show", ref)["open_cases"] == 1
    fails(daemon, 1, "regisseur", "deactivate", ref,
          message="still holds 1 open case")
    ok(daemon, "case", "assign", kase, other["regisseur"])
    d = js(daemon, "regisseur", "deactivate", ref)
    assert d["active"] is False
    fails(daemon, 1, "regisseur", "deactivate", ref,
          message="inactive already")
    assert ref not in [x["regisseur"] for x in js(daemon, "regisseurs")]
    every = js(daemon, "regisseurs", "--all")
    assert ref in [x["regisseur"] for x in every if not x["active"]]
    assert "inactive" in ok(daemon, "regisseurs", "--all")
    # not assignable afterwards
    fails(daemon, 1, "case", "assign", kase, ref,
          message="is inactive and cannot be assigned")
    assert js(daemon, "case", "show", kase)["regisseur"] == \
        other["regisseur"]
    assert js(daemon, "regisseur", "activate", ref)["active"] is True
    assert "ctl: deactivated regisseur=%s" % ref in daemon.log


# ------------------------------------------------------------ cases

def test_cases_list_and_show(daemon):
    subject, member = new_bsn(), new_bsn()
    ack = post(daemon, subject=subject, household=[member])
    kase = ack["case"]
    post(daemon, partner="ggz", subject=member)
    rows = js(daemon, "cases", "--unassigned")
    row = next(x for x in rows if x["case"] == kase)
    assert row["status"] == "open" and row["type"] == "complex"
    assert row["regisseur"] is None and row["persons"] == 2
    assert row["referrals"] == 2
    assert RFC3339.match(row["opened_at"])
    assert RFC3339.match(row["last_referral_at"])
    assert js(daemon, "case", "list", "--unassigned") == rows
    table = ok(daemon, "cases")
    assert table.splitlines()[0].split()[:4] == ["CASE", "STATUS", "TYPE",
                                                 "REGISSEUR"]
    line = next(l for l in table.splitlines() if l.startswith(kase))
    assert LOCAL_TIME.search(line)

    c = js(daemon, "case", "show", kase)
    assert c["case"] == kase and c["persons"] == 2
    assert len(c["referrals"]) == 2
    f = c["referrals"][0]
    assert re.match(r"^R-\d{6,}$", f["referral"])
    assert f["partner"] == "vt"
    assert f["partner_name"] == "Veilig Thuis Gelderland-Midden"
    assert f["kind"] == "melding" and f["urgency"] == "normaal"
    assert f["contact"] == {"name": "J. de Vries",
                            "email": "j.devries@vt.example",
                            "phone": "+31 88 000 0000"}
    assert RFC3339.match(f["received_at"])
    assert c["referrals"][1]["partner"] == "ggz"
    human = ok(daemon, "case", "show", kase.split("-")[1].lstrip("0"))
    assert "Veilig Thuis Gelderland-Midden" in human
    assert "J. de Vries" in human and "GGZ Gelderland" in human
    for out in (human, json.dumps(c), table):
        assert subject not in out and member not in out


def test_case_filters(daemon):
    r = add_regisseur(daemon)
    a, b = post(daemon)["case"], post(daemon)["case"]
    ok(daemon, "case", "assign", a, r["regisseur"])
    mine = js(daemon, "cases", "--regisseur", r["regisseur"])
    assert [x["case"] for x in mine] == [a]
    assert mine[0]["regisseur_name"] == r["name"]
    unassigned = [x["case"] for x in js(daemon, "cases", "--unassigned")]
    assert b in unassigned and a not in unassigned
    shown = js(daemon, "regisseur", "show", r["regisseur"])
    assert [x["case"] for x in shown["cases"]] == [a]
    fails(daemon, 1, "cases", "--regisseur", "RG-999999",
          message="no regisseur RG-999999")
    fails(daemon, 65, "cases", "--status", "sleeping",
          message="status must be open, closed or all")
    fails(daemon, 65, "cases", "--regisseur", r["regisseur"],
          "--unassigned", message="not both")


def test_assign_and_the_ack(daemon):
    """After case assign, the ACK of the next referral about the household
    says assigned, and names the regisseur to a partner that may know it
    (vt), not to one that may not (ggz)."""
    r = add_regisseur(daemon, name="Carla Claes", phone="+31 6 5555 0000")
    subject = new_bsn()
    first = post(daemon, subject=subject)
    assert first["case_status"] == "new" and first["regisseur"] is None
    kase = first["case"]
    out = ok(daemon, "case", "assign", kase, r["regisseur"])
    assert "Carla Claes" in out and kase in out
    ack = post(daemon, partner="vt", subject=subject)
    assert ack["case"] == kase and ack["case_status"] == "assigned"
    assert ack["regisseur"] == {"name": "Carla Claes",
                                "organisation": r["organisation"],
                                "email": r["email"],
                                "phone": "+31 6 5555 0000"}
    ack = post(daemon, partner="ggz", subject=subject)
    assert ack["case_status"] == "assigned" and ack["regisseur"] is None
    c = js(daemon, "case", "show", kase)
    assert c["regisseur"] == r["regisseur"]
    assert c["regisseur_details"]["email"] == r["email"]
    assert re.search(r"ctl: assigned case=%s regisseur=%s previous=none "
                     r"user=\S+ uid=\d+" % (kase, r["regisseur"]),
                     daemon.log)


def test_reassign_names_the_previous(daemon):
    a, b = add_regisseur(daemon), add_regisseur(daemon)
    kase = post(daemon)["case"]
    first = js(daemon, "case", "assign", kase, a["regisseur"])
    assert first["previous"] is None
    again = js(daemon, "case", "assign", kase, b["regisseur"])
    assert again["previous"] == a["regisseur"]
    assert again["regisseur"] == b["regisseur"]
    assert "it was held by %s" % b["regisseur"] in ok(
        daemon, "case", "assign", kase, a["regisseur"])
    fails(daemon, 1, "case", "assign", kase, a["regisseur"],
          message="assigned to %s already" % a["regisseur"])
    assert ("ctl: assigned case=%s regisseur=%s previous=%s"
            % (kase, b["regisseur"], a["regisseur"])) in daemon.log


def test_assign_refusals(daemon):
    r = add_regisseur(daemon)
    kase = post(daemon)["case"]
    fails(daemon, 1, "case", "assign", "C-999999", r["regisseur"],
          message="there is no case C-999999")
    fails(daemon, 1, "case", "assign", kase, "RG-999999",
          message="there is no regisseur RG-999999")
    fails(daemon, 65, "case", "assign", "the-case", r["regisseur"],
          message="case must be a reference")
    fails(daemon, 1, "case", "show", "C-999999",
          message="there is no case C-999999")
    assert js(daemon, "case", "show", kase)["regisseur"] is None


def test_case_type(daemon):
    kase = post(daemon)["case"]
    t = js(daemon, "case", "type", kase, "intensive")
    assert t["type"] == "intensive" and t["previous"] == "complex"
    assert "is now complex" in ok(daemon, "case", "type", kase, "complex")
    fails(daemon, 1, "case", "type", kase, "complex",
          message="is complex already")
    fails(daemon, 65, "case", "type", kase, "urgent",
          message="type must be complex or intensive")
    assert "ctl: typed case=%s type=intensive previous=complex" % kase \
        in daemon.log


def test_case_close(daemon):
    r = add_regisseur(daemon)
    subject = new_bsn()
    kase = post(daemon, subject=subject)["case"]
    ok(daemon, "case", "assign", kase, r["regisseur"])
    fails(daemon, 65, "case", "close", kase, "--reason", "  ",
          message="reason is required")
    c = js(daemon, "case", "close", kase, "--reason", "plan voltooid")
    assert c["status"] == "closed" and c["close_reason"] == "plan voltooid"
    assert RFC3339.match(c["closed_at"])
    fails(daemon, 1, "case", "close", kase, "--reason", "again",
          message="was closed on")
    fails(daemon, 1, "case", "assign", kase, r["regisseur"],
          message="cannot assign a closed case")
    fails(daemon, 1, "case", "type", kase, "intensive", message="closed")
    assert kase not in [x["case"] for x in js(daemon, "cases")]
    assert kase in [x["case"] for x in js(daemon, "cases", "--status",
                                          "closed")]
    assert kase in [x["case"] for x in js(daemon, "cases", "--status",
                                          "all")]
    assert js(daemon, "regisseur", "show", r["regisseur"])["open_cases"] == 0
    human = ok(daemon, "case", "show", kase)
    assert "plan voltooid" in human and "Closed" in human
    # a referral about the person now opens a new case
    ack = post(daemon, subject=subject)
    assert ack["case_status"] == "new" and ack["case"] != kase
    assert "ctl: closed case=%s user=" % kase in daemon.log
    assert "plan voltooid" not in daemon.log


# ------------------------------------------------------------ lookup

def test_lookup_by_bsn_on_stdin(daemon):
    subject, member = new_bsn(), new_bsn()
    kase = post(daemon, subject=subject, household=[member])["case"]
    post(daemon, subject=new_bsn())  # another household
    found = js(daemon, "lookup", "--bsn", stdin=member + "\n")
    assert [x["case"] for x in found] == [kase]
    assert found[0]["persons"] == 2
    p = run(daemon, "lookup", "--bsn", stdin=subject + "\n")
    assert p.returncode == 0 and kase in p.stdout
    assert subject not in p.stdout + p.stderr
    # spaces are allowed when typing
    spaced = " ".join([subject[:3], subject[3:6], subject[6:]])
    assert kase in ok(daemon, "lookup", "--bsn", stdin=spaced)
    # closed cases are found too
    ok(daemon, "case", "close", kase, "--reason", "verhuisd")
    found = js(daemon, "lookup", "--bsn", stdin=subject)
    assert found[0]["case"] == kase and found[0]["status"] == "closed"
    log = daemon.log
    assert subject not in log and member not in log
    assert re.search(r"ctl: lookup cases=1 user=\S+", log)


def test_lookup_reads_the_terminal_without_echo(daemon):
    import pty
    subject = new_bsn()
    kase = post(daemon, subject=subject)["case"]
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([str(REGIECTL), "-s", daemon.control, "lookup",
                              "--bsn"], stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        os.close(slave)
        slave = None
        prompt = b""
        while not prompt.endswith(b": "):  # the prompt, once echo is off
            ch = p.stderr.buffer.read(1)
            assert ch, "no prompt"
            prompt += ch
        assert prompt == b"BSN (not shown): "
        os.write(master, subject.encode() + b"\n")
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert kase in out
        shown = b""
        while True:  # what the terminal showed: only the newline
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        assert subject.encode() not in shown, shown
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)


def test_lookup_refusals(daemon):
    bad = rrp.failing_elfproef(new_bsn())
    err = fails(daemon, 65, "lookup", "--bsn", stdin=bad + "\n",
                message="the BSN fails the elfproef")
    assert bad not in err
    fails(daemon, 65, "lookup", "--bsn", stdin="12345\n",
          message="the BSN is not 9 digits")
    fails(daemon, 65, "lookup", "--bsn", stdin="000000000\n",
          message="all zeros")
    p = run(daemon, "lookup", "--bsn", stdin=new_bsn() + "\n")
    assert p.returncode == 1 and "No case holds this person" in p.stdout
    p = run(daemon, "lookup", "--bsn", stdin=new_bsn(), json_out=True)
    assert p.returncode == 1 and json.loads(p.stdout) == []
    fails(daemon, 64, "lookup", "--bsn", stdin="")
    fails(daemon, 64, "lookup", stdin=new_bsn())
    secret = new_bsn()
    err = fails(daemon, 64, "lookup", "--bsn", secret, stdin="",
                message="never from the command line")
    assert secret not in err
    err = fails(daemon, 64, "lookup", "--bsn=" + secret, stdin="")
    assert secret not in err
    assert bad not in daemon.log and secret not in daemon.log


# ------------------------------------------------------------ outbox

def test_outbox_of_a_daemon_without_mail_is_empty_and_checks_arguments(
        daemon):
    # This daemon has no mail group: nothing is queued. The lists with
    # rows, their filter and retry: test_outbox_shows_sent_and_failed_and_retries.
    assert js(daemon, "outbox") == []
    assert js(daemon, "outbox", "--status", "failed", "--limit", "5") == []
    assert ok(daemon, "outbox").startswith("No notifications.")
    fails(daemon, 1, "outbox", "retry", "999999",
          message="no failed notification 999999")
    fails(daemon, 65, "outbox", "--status", "lost",
          message="status must be pending, sent or failed")
    fails(daemon, 64, "outbox", "--limit", "many")
    fails(daemon, 65, "outbox", "retry", "N-12",
          message="id must be a number")


# ------------------------------------------------------------ transport

def test_daemon_not_running(tmp_path):
    path = "/tmp/rg-nobody-%d/ctl" % os.getpid()
    p = subprocess.run([str(REGIECTL), "-s", path, "cases"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 69
    assert ("regied is not running or not reachable at %s: No such file"
            % path) in p.stderr


def test_stale_socket_file():
    """A socket file nobody listens on (regied was killed): told at once."""
    folder = rrp.short_tempdir()
    path = folder + "/ctl"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    try:
        t = time.monotonic()
        p = subprocess.run([str(REGIECTL), "-s", path, "ping"],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 69 and "Connection refused" in p.stderr
        assert time.monotonic() - t < 3
    finally:
        os.unlink(path)
        os.rmdir(folder)


def test_no_answer_times_out():
    """Something listens but never answers: exit 69 after --timeout."""
    folder = rrp.short_tempdir()
    path = folder + "/ctl"
    mute = rrp.CTX.socket(zmq.ROUTER)
    mute.linger = 0
    mute.bind("ipc://" + path)
    try:
        t = time.monotonic()
        p = subprocess.run([str(REGIECTL), "-s", path, "-t", "1", "ping"],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 69, p.stderr
        assert "no answer in time" in p.stderr
        assert 0.9 < time.monotonic() - t < 5
    finally:
        mute.close(0)
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(folder)


def test_stale_socket_of_a_killed_daemon_is_replaced(regied):
    d = start(regied)
    d.kill()
    assert os.path.exists(d.control)  # left behind by SIGKILL
    fails(d, 69, "ping", message="Connection refused")
    d.start()
    assert ok(d, "ping")
    assert stat.S_IMODE(os.stat(d.control).st_mode) == 0o660


def test_second_daemon_refuses_the_socket(regied, daemon):
    d = regied({"daemon": {"control": daemon.control}}, start=False)
    d.start(wait=False)
    assert d.proc.wait(15) != 0
    assert "another process listens on the control socket" in d.log
    assert ok(daemon, "ping")


# ------------------------------------------------------------ protocol

def test_malformed_requests(daemon, raw):
    bad = [
        b"not json",
        b"",
        b"[]",
        b'"ping"',
        b'{"command": 5}',
        b'{"args": {}}',
        b'{"command": "ping", "command": "ping"}',
        b'{"command": "ping", "args": []}',
        b'{"command": "ping", "extra": 1}',
        b'{"command": "ping\\u0000"}',
        b'{"command": "case.show", "args": {"case": "C-1", "case": "C-2"}}',
        b'{"command": "nope"}',
        b'{"command": "case.show"}',
        b'{"command": "case.show", "args": {"case": true}}',
        b'{"command": "case.show", "args": {"case": "C-1", "x": 1}}',
        b'{"command": "case.show", "args": {"case": -4}}',
        b'{"command": "regisseur.list", "args": {"all": "yes"}}',
        b'{"command": "outbox.list", "args": {"limit": 0}}',
        b"\xff\xfe{}",
        b"[" * 5000 + b"]" * 5000,
        b'{"command": "case.lookup", "args": {"bsn": 999990019}}',
    ]
    for body in bad:
        r = raw.send([body])
        assert r["ok"] is False and r["error"] == "bad_request", (body, r)
        assert isinstance(r["message"], str) and r["message"], r
    r = raw.send([b'{"command": "ping"}', b"second frame"])
    assert r["error"] == "bad_request" and "one frame" in r["message"]
    assert raw.call("nope")["message"].startswith("unknown command 'nope'")
    assert "required" in raw.call("case.show")["message"]
    r = raw.call("case.show", case="C-1", extra=2)
    assert "extra" in r["message"]
    # the daemon still answers, on this socket and to regiectl
    assert raw.call("ping")["ok"] is True
    assert ok(daemon, "ping")
    assert daemon.running


def test_references_by_number_over_the_socket(daemon, raw):
    r = add_regisseur(daemon)
    kase = post(daemon)["case"]
    num = int(kase[2:])
    got = raw.call("case.assign", case=num, regisseur=int(r["regisseur"][3:]))
    assert got["ok"] is True, got
    assert got["result"]["regisseur"] == r["regisseur"]
    assert raw.call("case.show", case=str(num))["result"]["case"] == kase
    assert raw.call("case.show", case="c-%d" % num)["result"]["case"] == kase
    r = raw.call("outbox.retry", id=424242)
    assert r["error"] == "not_found"


def test_control_only_over_ipc(daemon):
    """The configuration names a path; regied opens no TCP port for it."""
    assert not daemon.control.startswith("tcp")
    assert stat.S_ISSOCK(os.stat(daemon.control).st_mode)


# ------------------------------------------------------------ outbox, mail

class _Smtp:
    """aiosmtpd on loopback, plain (the daemon is configured without
    STARTTLS): refuses recipients whose address starts with "bounce"
    with 550, takes the rest."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller
    handler = _Smtp()
    port = rrp.free_tcp_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield port, handler
    finally:
        ctl.stop()


def wait_outbox(d, predicate, timeout=20.0):
    """Asks regiectl outbox --json until predicate(rows) holds."""
    deadline = time.monotonic() + timeout
    while True:
        rows = js(d, "outbox", "--limit", "1000")
        if predicate(rows):
            return rows
        assert time.monotonic() < deadline, "outbox never got there: %r" % (
            rows,)
        time.sleep(0.1)


def test_outbox_shows_sent_and_failed_and_retries(regied, smtp):
    port, handler = smtp
    mail = {
        "templates": str(rrp.REPO / "config" / "templates"),
        "from": {"name": "Regie", "email": "regie@gemeente.example"},
        "kernteam": {"name": "Kernteam", "email": "kernteam@gemeente.example"},
        "gemeente": {"name": "Gemeente", "email": "monitor@gemeente.example"},
        "quiet_hours": "",
        "smtp": {"host": "localhost", "port": port, "starttls": False,
                 "timeout_ms": 5000},
        "retry_min_s": 1, "retry_max_s": 2,
    }
    folder = rrp.short_tempdir()
    d = regied({"daemon": {"control": folder + "/ctl"}, "mail": mail},
               folder=folder)
    d.control = folder + "/ctl"
    good = js(d, "regisseur", "add", "--name", "Goed", "--organisation", "T",
              "--email", "goed@team.example")
    bad = js(d, "regisseur", "add", "--name", "Weg", "--organisation", "T",
             "--email", "bounce@team.example")
    subject = new_bsn()
    kase = post(d, subject=subject)["case"]
    ok(d, "case", "assign", kase, bad["regisseur"])
    ok(d, "case", "assign", kase, good["regisseur"])

    def settled(rows):
        # the kernteam (new case) and the new regisseur got theirs; the
        # bouncing one was told twice (assigned, then moved): both failed
        by_to = {}
        for r in rows:
            by_to.setdefault(r["to"], []).append(r["status"])
        return (by_to.get("goed@team.example") == ["sent"] and
                by_to.get("kernteam@gemeente.example") == ["sent"] and
                by_to.get("bounce@team.example") == ["failed", "failed"])
    rows = wait_outbox(d, settled)
    failed = [r for r in rows if r["status"] == "failed"]
    assert failed and all("550" in (r["last_error"] or "") for r in failed)
    sent = [r for r in rows if r["status"] == "sent"]
    assert all(RFC3339.match(r["sent_at"]) for r in sent)
    assert js(d, "outbox", "--status", "failed") == failed
    human = ok(d, "outbox", "--status", "failed")
    assert "LAST ERROR" in human.splitlines()[0] and "550" in human
    assert "bounce@team.example" in human
    # retry: a failed one becomes pending; a sent one is not failed
    rid = failed[0]["id"]
    out = ok(d, "outbox", "retry", rid)
    assert "pending again" in out
    assert "ctl: retry notification=%d" % rid in d.log
    fails(d, 1, "outbox", "retry", sent[0]["id"],
          message="no failed notification %d" % sent[0]["id"])
    wait_outbox(d, lambda rs: any(r["id"] == rid and r["attempts"] >= 2
                                  for r in rs))
    for _, content in handler.messages:
        assert subject.encode() not in content


def test_times_are_shown_in_regieds_zone_whatever_the_shell_says(regied):
    """One time zone everywhere: regiectl shows the daemon's times in the
    daemon's configured zone (Europe/Amsterdam here), not the shell's;
    --utc shows them in UTC."""
    d = start(regied)
    for tz in ("UTC", "America/New_York", "Asia/Tokyo"):
        out = ok(d, "agree", "--owner", "kernteam", "--description", "x",
                 "--due", "2036-12-10 09:00", env={"TZ": tz})
        assert "2036-12-10 09:00" in out, (tz, out)
    rows = ok(d, "agreements", env={"TZ": "UTC"})
    assert "2036-12-10 09:00" in rows and "08:00" not in rows, rows
    utc = ok(d, "--utc", "agreements", env={"TZ": "Asia/Tokyo"})
    assert "2036-12-10 08:00" in utc and "09:00" not in utc, utc
    period = ("stats", "--from", "2026-11-02", "--to", "2026-11-08")
    want = "Statistics from 2026-11-02 00:00 to 2026-11-09 00:00"
    for tz in ("UTC", "Asia/Tokyo"):
        head = ok(d, *period, env={"TZ": tz}).splitlines()[0]
        assert head == want, (tz, head)
    head = ok(d, "--utc", *period).splitlines()[0]
    assert head == "Statistics from 2026-11-01 23:00 to 2026-11-08 23:00"


def test_the_log_shows_times_like_every_other_view(regied):
    """regiectl log renders the times in an event's details (epoch
    seconds in the database) as dates in regied's zone; --json keeps the
    machine values."""
    d = start(regied)
    made = js(d, "agree", "--owner", "kernteam", "--description", "x",
              "--due", "2036-12-10 09:00")
    events = [e for e in js(d, "log") if e["agreement"] == made["agreement"]]
    assert any(isinstance(v, int) for e in events
               for k, v in (e["details"] or {}).items() if k.endswith("_at"))
    text = ok(d, "log", env={"TZ": "UTC"})
    line = next(l for l in text.splitlines() if made["agreement"] in l)
    assert "due_at=2036-12-10 09:00" in line, line
    assert not re.search(r"\b1[789]\d{8}\b", text), text


def complete(d, *words):
    """What bash completion for regiectl (config/regiectl.bash) offers
    after words (the last is the one being typed), with this daemon's
    control socket."""
    script = ('source %s\nCOMP_WORDS=(regiectl %s)\nCOMP_CWORD=%d\n'
              '_regiectl\nprintf "%%s\\n" "${COMPREPLY[@]}"\n'
              % (rrp.REPO / "config" / "regiectl.bash",
                 " ".join("'%s'" % w for w in words), len(words)))
    env = dict(os.environ, PATH="%s:%s" % (REGIECTL.parent,
                                           os.environ["PATH"]),
               REGIE_CONTROL=d.control)
    p = subprocess.run(["bash", "-c", script], capture_output=True,
                       text=True, timeout=30, env=env)
    assert p.returncode == 0, p.stderr
    return sorted(set(p.stdout.split()))


def test_bash_completion_offers_commands_options_and_references(regied):
    d = start(regied)
    ack = d.client("ggz").referral(rrp.referral_body())
    case = ack.body["case"]
    assert complete(d, "ca") == ["case", "cases"]
    assert complete(d, "case", "as") == ["assign"]
    assert "--reason" in complete(d, "case", "close", "--")
    assert "--json" in complete(d, "--j")
    assert complete(d, "case", "show", "C") == [case]
    made = js(d, "agree", "--owner", "kernteam", "--description", "x",
              "--due", "2036-12-10 09:00")
    offered = complete(d, "agreement", "show", "A")
    assert made["agreement"] in offered, offered
    assert all(a.startswith("A-") for a in offered), offered
