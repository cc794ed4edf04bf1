"""
Lifecycle of regied (the daemon's contract): SIGTERM ends it with status 0
after the batch in hand, and the next start serves the old data; the log
has one line per accepted referral and no BSN; configuration errors exit
78 with "file:line: message"; relative paths are taken relative to the
configuration file's folder.
"""

import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

import rrp
from rrp import SIG, assert_ack, assert_nack, new_bsn, referral_body, refs


def test_sigterm_exits_0_and_the_next_start_serves_old_data(regied):
    d = regied()
    c = d.client("ggz")
    s = new_bsn()
    body = referral_body(s, [new_bsn()])
    first = assert_ack(c.referral(body), "accepted")
    assert d.stop() == 0
    d.close_clients()
    d.start()
    c = d.client("ggz")
    again = assert_ack(c.referral(body), "duplicate")
    assert refs(again) == refs(first)
    # Matching state survived too.
    later = assert_ack(c.referral(referral_body(s)), "accepted")
    assert (later["case"], later["case_status"]) == (first["case"],
                                                     "unassigned")
    assert later["referral"] != first["referral"]
    assert d.stop() == 0


def test_sigterm_with_idle_clients_connected(regied):
    d = regied()
    clients = [d.client(p) for p in ("ggz", "vt", "ggz")]
    for c in clients:
        assert c.ping().status == "PONG"
    d.client("ggz", dealer=True)    # connected, never sends
    assert d.stop() == 0


def test_sigterm_under_load_keeps_every_acked_referral(regied):
    d = regied()
    c = d.client("ggz", dealer=True)
    bodies = {b"t-%d" % i: referral_body() for i in range(300)}
    for corr, body in bodies.items():
        c.send_raw([SIG, b"REFERRAL", corr, rrp.encode(body)])
    # Some replies first, so the daemon is surely in the middle of it.
    replies = {}
    while len(replies) < 5:
        r = c.recv(timeout=10)
        assert r is not None
        replies[r.corr] = r
    d.signal(signal.SIGTERM)
    deadline = time.monotonic() + rrp.STOP_TIMEOUT
    while d.running or c.sock.poll(0):
        assert time.monotonic() < deadline, "regied did not stop"
        r = c.recv(timeout=0.2)
        if r is not None:
            replies[r.corr] = r
    assert d.proc.wait() == 0
    d.close_clients()
    d.start()
    c = d.client("ggz")
    for corr, body in bodies.items():
        r = replies.get(corr)
        if r is not None and r.status == "ACK":
            first = assert_ack(r, "accepted")
            assert refs(assert_ack(c.referral(body), "duplicate")) == \
                refs(first)
        elif r is not None:
            # unavailable while shutting down: nothing was stored
            assert_nack(r, "unavailable")
            assert_ack(c.referral(body), "accepted")
        else:
            assert_ack(c.referral(body), None)
    assert d.stop() == 0


def test_log_line_per_accepted_referral(regied):
    d = regied()
    c = d.client("vt")
    acks = [assert_ack(c.referral(referral_body()), "accepted")
            for _ in range(3)]
    assert d.stop() == 0
    lines = [l for l in d.log.splitlines() if "intake: accepted" in l]
    for a in acks:
        mine = [l for l in lines
                if re.search(r"\breferral=%s\b" % re.escape(a["referral"]),
                             l)]
        assert len(mine) == 1, (a, lines)
        assert "partner=vt" in mine[0]
        assert "case=%s" % a["case"] in mine[0]


def test_check_config_only_checks(regied):
    d = regied(start=False)
    p = rrp.run([str(rrp.REGIED), "--check-config", "-c",
                 str(d.config_path)], check=False, cwd=str(d.cwd))
    assert p.returncode == 0, p.stderr
    assert not d.db_path.exists()



@pytest.mark.parametrize("args, what", [
    (["-c"], "option requires an argument"),
    (["--frobnicate"], "unrecognized option"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_usage_error_is_short(args, what):
    """A usage error says what is wrong and where the help is, in two
    lines and exit 64: not the help itself, and nothing on stdout."""
    p = rrp.run([str(rrp.REGIED)] + args, check=False)
    lines = p.stderr.splitlines()
    assert p.returncode == 64, p.stderr
    assert p.stdout == ""
    assert len(lines) == 2, lines
    assert what in lines[0], lines
    assert lines[1] == "Try 'regied --help' for more information.", lines

def config_line(d, needle):
    lines = d.config_path.read_text().splitlines()
    hits = [i + 1 for i, l in enumerate(lines) if needle in l]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


CONFIG_ERRORS = {
    "bad-public-key": (
        lambda k: {"partners": [dict(vt_group(k), public_key="not-a-key")]},
        'public_key = "not-a-key"'),
    "missing-server-key": (
        lambda k: {"daemon": {"server_secret_key": "/nonexistent/s.key"}},
        "/nonexistent/s.key"),
    "log-level": (
        lambda k: {"daemon": {"log_level": "loud"}}, '"loud"'),
    "duplicate-partner-id": (
        lambda k: {"partners": [vt_group(k),
                                dict(vt_group(k), id="vt",
                                     public_key=k.pairs["ggz"][0])]},
        None),
    "bad-postcode-range": (
        lambda k: {"postcodes": ["67-68"]}, '"67-68"'),
}


def vt_group(keys):
    return {"id": "vt", "name": "Veilig Thuis",
            "public_key": keys.pairs["vt"][0],
            "contact": "beheer@vt.example", "disclose_regisseur": True}


@pytest.mark.parametrize("name", list(CONFIG_ERRORS))
def test_config_error_exits_78_naming_file_and_line(regied, name):
    """Start and --check-config both exit 78 with file:line. The lines
    are at priority err ("<3>") where journald reads them: from a start
    whose stderr is not a terminal, and from a check under systemd
    (JOURNAL_STREAM); a check run by hand has no prefix."""
    make, needle = CONFIG_ERRORS[name]
    d = regied(make(regied.keys), start=False)
    check = ["--check-config", "-c", str(d.config_path)]
    journal = dict(os.environ, JOURNAL_STREAM="8:12345")
    for argv, env, prefix in ((check, None, ""), (check, journal, "<3>"),
                              (["-c", str(d.config_path)], None, "<3>")):
        p = rrp.run([str(rrp.REGIED)] + argv, check=False, cwd=str(d.cwd),
                    env=env)
        assert p.returncode == 78, (argv, p.returncode, p.stderr)
        m = re.search(r"^(<\d>)?\S*regie\.conf:(\d+): \S", p.stderr,
                      re.MULTILINE)
        assert m, "no file:line: message in %r" % p.stderr
        assert (m.group(1) or "") == prefix, (argv, env, p.stderr)
        if needle is not None:
            assert int(m.group(2)) == config_line(d, needle), p.stderr


def test_config_syntax_error_exits_78(regied):
    d = regied(start=False)
    text = d.config_path.read_text().splitlines()
    text.insert(3, "this is not libconfig")
    d.config_path.write_text("\n".join(text) + "\n")
    p = rrp.run([str(rrp.REGIED), "-c", str(d.config_path)], check=False,
                cwd=str(d.cwd))
    assert p.returncode == 78, p.stderr
    assert re.search(r"regie\.conf:4: \S", p.stderr), p.stderr


def test_relative_paths_are_relative_to_the_config_folder(regied):
    keys = regied.keys
    d = regied({"daemon": {"server_secret_key": "keys/server.key",
                           "pseudonym_key": "keys/pseudonym.key",
                           "database": "data/regie.db"}}, start=False)
    (d.dir / "keys").mkdir()
    (d.dir / "data").mkdir()
    for f in (keys.server_key, keys.pseudonym_key):
        shutil.copy2(f, d.dir / "keys" / Path(f).name)
    assert d.db_path == d.dir / "data" / "regie.db"
    assert Path(d.cwd) != d.dir          # the daemon runs elsewhere
    d.start()
    assert_ack(d.client("ggz").referral(referral_body()), "accepted")
    assert d.db_path.exists()
    assert not (Path(d.cwd) / "data").exists()
    assert d.stop() == 0
