"""
regie-spool against a real regied: files dropped while the adapter runs
and while it is down; the Veilig Thuis and GGZ CSV exports of
tests/data/spool with their mappings; a file with one bad row (failed/ and
.error with that line, the good rows accepted, and after a fix only
duplicates for them); the daemon down for a while; kill -9 in the middle
of a file, deterministic (REGIE_TEST_KILL_AFTER) and at random moments;
configuration errors, and a FIFO given as the configuration or one of
its @include files (refused at once). Every wait polls the folders or the log with a
deadline.
"""

import json
import os
import random
import re
import signal
import time

import pytest

import rrp
from spoolkit import (SPOOL_BIN, SPOOL_DATA, AdapterFactory, drop,
                      referral_counts, referral_rows, wait_for)

VT_IDS = ["VT-2026-004711", "VT-2026-004712", "VT-2026-004713",
          "VT-2026-004714", "VT-2026-004715"]
VT_CSV = (SPOOL_DATA / "vt-export.csv").read_bytes()
GGZ_CSV = (SPOOL_DATA / "ggz-verwijzingen.csv").read_bytes()
VT_MAPPING = '@include "vt-csv.conf"\n'
GGZ_MAPPING = '@include "ggz-csv.conf"\n'


@pytest.fixture
def adapters():
    f = AdapterFactory()
    try:
        yield f
    finally:
        f.cleanup()


def vt_adapter(adapters, daemon, **kw):
    return adapters(SPOOL_BIN, daemon, "vt", VT_MAPPING,
                    includes=[SPOOL_DATA / "vt-csv.conf"], **kw)


def ggz_adapter(adapters, daemon, **kw):
    return adapters(SPOOL_BIN, daemon, "ggz", GGZ_MAPPING,
                    includes=[SPOOL_DATA / "ggz-csv.conf"], **kw)


def jsonl(bodies):
    return "".join(json.dumps(b) + "\n" for b in bodies)


def done_line(a, name):
    """The last 'spool: done file=name ...' log line of adapter a, as a
    dict; waits for it (the line follows the move into done/)."""
    def find():
        for line in reversed(a.log.splitlines()):
            if ("spool: done file=%s " % name) in line:
                return dict(kv.split("=", 1) for kv in line.split()
                            if "=" in kv)
        return None
    return wait_for(find, "the log line of %s" % name, log=lambda: a.log)


# ------------------------------------------------------------ the basics

def test_vt_export_dropped_while_running(regied, adapters):
    d = regied()
    a = vt_adapter(adapters, d).start()
    drop(a.folder, "vt-export.csv", VT_CSV)
    a.wait_filed("vt-export.csv")
    assert referral_counts(d) == {i: 1 for i in VT_IDS}
    rows = referral_rows(d, "external_id, partner, kind, category, urgency, "
                            "occurred_at, contact_name, contact_email")
    assert rows[0] == ("VT-2026-004711", "vt", "melding",
                       "kindermishandeling", "normaal",
                       "2026-11-18T09:42:00+01:00", "J. de Vries",
                       "meldpunt@vt.example")
    assert rows[2][3:5] == ("huiselijk_geweld", "normaal")
    assert rows[2][6] == "Meldpunt Veilig Thuis"
    assert a.names("work") == [] and a.names("failed") == []
    assert a.names("done") == ["vt-export.csv"]
    assert (a.sub("done") / "vt-export.csv").read_bytes() == VT_CSV
    assert a.stop() == 0


def test_files_dropped_while_down_are_found_at_start(regied, adapters):
    d = regied()
    a = vt_adapter(adapters, d)
    bodies = [rrp.minimal_body() for _ in range(3)]
    drop(a.folder, "a.jsonl", jsonl(bodies))
    drop(a.folder, "vt-export.csv", VT_CSV)
    one = rrp.referral_body()
    drop(a.folder, "one.json", json.dumps(one, indent=2))
    # Not complete yet, or not ours: left alone.
    (a.folder / ".upload.csv").write_bytes(VT_CSV)
    (a.folder / "upload.csv.tmp").write_bytes(VT_CSV)
    (a.folder / "notes.txt").write_text("not a referral")
    a.start()
    for name in ("a.jsonl", "vt-export.csv", "one.json"):
        a.wait_filed(name)
    want = {i: 1 for i in VT_IDS}
    want.update({b["external_id"]: 1 for b in bodies + [one]})
    assert referral_counts(d) == want
    assert sorted(p.name for p in a.folder.iterdir() if p.is_file()) == \
        [".upload.csv", "notes.txt", "upload.csv.tmp"]
    left = re.compile(r"spool: file left alone, its name does not end in "
                      r"a known extension folder=\S+ file=notes\.txt$", re.M)
    assert len(left.findall(a.log)) == 1, a.log    # warned about
    # The upload completes: its rename is seen at once (inotify).
    (a.folder / ".upload.csv").rename(a.folder / "late.csv")
    a.wait_filed("late.csv")
    assert len(left.findall(a.log)) == 1, a.log    # once, not per scan
    assert done_line(a, "late.csv")["duplicates"] == "5"
    assert a.stop() == 0


def test_ggz_export_windows_1252_hash_ids(regied, adapters):
    d = regied()
    a = ggz_adapter(adapters, d).start()
    drop(a.folder, "ggz-verwijzingen.csv", GGZ_CSV)
    a.wait_filed("ggz-verwijzingen.csv")
    rows = referral_rows(d, "external_id, partner, kind, category, "
                            "birth_date, occurred_at, contact_name, "
                            "contact_phone, note")
    assert len(rows) == 4
    assert all(r[0].startswith("GGZ-") and len(r[0]) == 36 for r in rows)
    assert [r[3] for r in rows] == ["ggz", "verslaving", "ggz", "ggz"]
    assert rows[2][4:] == ("1975-01-02", "2026-11-19T00:00:00+01:00",
                           "Dr. M. Bakker", "+31 26 000 0000",
                           "Cliënt wil eerst overleg; contact via René")
    assert rows[3][6] == "A. Özdemir"
    assert rows[1][8] is None  # an empty Opmerking: no note
    assert a.stop() == 0


# ------------------------------------------------ refused rows, and fixing

def test_bad_row_goes_to_failed_then_fix_gives_duplicates(regied, adapters):
    d = regied()
    a = vt_adapter(adapters, d).start()
    bad_bsn = rrp.failing_elfproef("999910073")
    bad = VT_CSV.replace(b";999910073;", b";%s;" % bad_bsn.encode())
    drop(a.folder, "vt-export.csv", bad)
    a.wait_filed("vt-export.csv", "failed")
    assert a.error_lines("vt-export.csv") == [
        "vt-export.csv:5: invalid_bsn: subject.bsn fails the elfproef "
        "(field /subject/bsn, external_id VT-2026-004713)"]
    head = (a.sub("failed") / "vt-export.csv.error").read_text()
    assert "1 of 5 records refused; 4 accepted" in head
    assert bad_bsn not in head  # the report quotes no BSN
    good = [i for i in VT_IDS if i != "VT-2026-004713"]
    assert referral_counts(d) == {i: 1 for i in good}
    # Fixed and dropped again (same name): the four come back duplicate.
    drop(a.folder, "vt-export.csv", VT_CSV)
    a.wait_filed("vt-export.csv")
    line = done_line(a, "vt-export.csv")
    assert (line["accepted"], line["duplicates"], line["refused"]) == \
        ("1", "4", "0")
    assert referral_counts(d) == {i: 1 for i in VT_IDS}
    # The failed file and its report stay for the record.
    assert a.names("failed") == ["vt-export.csv", "vt-export.csv.error"]
    assert a.stop() == 0


def test_hash_ids_survive_removing_a_row_and_renaming(regied, adapters):
    d = regied()
    a = ggz_adapter(adapters, d).start()
    lines = GGZ_CSV.split(b"\n")
    bad_row = lines[2].replace(b"2001-09-30", b"2001-02-30")
    bad = b"\n".join(lines[:2] + [bad_row] + lines[3:])
    drop(a.folder, "export-1.csv", bad)
    a.wait_filed("export-1.csv", "failed")
    assert a.error_lines("export-1.csv") == [
        "export-1.csv:3: invalid_field: column 'Geboortedatum': "
        "'2001-02-30' is not a date written as %Y-%m-%d "
        "(field /subject/birth_date)"]
    first = referral_counts(d)
    assert len(first) == 3
    # The partner removes the row (the lines after it move up) and sends
    # the rest again under another name: the same ids, all duplicates.
    fixed = b"\n".join(lines[:2] + lines[3:])
    drop(a.folder, "export-1-fixed.csv", fixed)
    a.wait_filed("export-1-fixed.csv")
    line = done_line(a, "export-1-fixed.csv")
    assert (line["accepted"], line["duplicates"]) == ("0", "3")
    assert referral_counts(d) == first
    assert a.stop() == 0


def test_json_file_with_bad_records(regied, adapters):
    d = regied()
    a = adapters(SPOOL_BIN, d, "ggz").start()
    good = rrp.minimal_body()
    invalid = rrp.minimal_body()
    invalid["kind"] = "klacht"
    text = (json.dumps(good) + "\n" + '{"external_id": "X", oops}\n' +
            json.dumps(invalid) + "\n")
    drop(a.folder, "mixed.jsonl", text)
    a.wait_filed("mixed.jsonl", "failed")
    errs = a.error_lines("mixed.jsonl")
    assert len(errs) == 2
    assert errs[0].startswith("mixed.jsonl:2: bad_json: line 2, column ")
    assert errs[1].startswith("mixed.jsonl:3: invalid_field: ")
    assert "(field /kind, external_id %s)" % invalid["external_id"] in errs[1]
    assert referral_counts(d) == {good["external_id"]: 1}
    # A CSV without a mapping is refused as a whole, with the reason.
    drop(a.folder, "x.csv", b"a;b\n1;2\n")
    a.wait_filed("x.csv", "failed")
    assert a.error_lines("x.csv") == [
        "x.csv: bad_csv: no CSV mapping is configured (group csv of the "
        "configuration)"]
    assert a.stop() == 0


def test_header_without_mapped_column_refuses_file(regied, adapters):
    d = regied()
    a = vt_adapter(adapters, d).start()
    broken = VT_CSV.replace(b";BSN kind;", b";BSN;")
    drop(a.folder, "vt-export.csv", broken)
    a.wait_filed("vt-export.csv", "failed")
    assert a.error_lines("vt-export.csv") == [
        "vt-export.csv:1: bad_csv: column 'BSN kind' is not in the header"]
    assert referral_counts(d) == {}
    assert a.stop() == 0


# ------------------------------------------------ the daemon away, crashes

def test_daemon_down_files_wait_then_go_through(regied, adapters):
    d = regied(start=False)
    a = vt_adapter(adapters, d).start()
    bodies = [rrp.referral_body() for _ in range(2)]
    drop(a.folder, "vt-export.csv", VT_CSV)
    wait_for(lambda: a.log.count("temporary failure file=vt-export.csv") >= 2,
             "two temporary failures", proc=a, log=lambda: a.log)
    drop(a.folder, "later.jsonl", jsonl(bodies))
    assert a.names("work") == ["vt-export.csv"]
    assert a.names("done") == [] and a.names("failed") == []
    # SIGTERM while it waits: it stops at once, the file stays in work/.
    t = time.monotonic()
    assert a.stop() == 0
    assert time.monotonic() - t < 5
    assert a.names("work") == ["vt-export.csv"]
    a.start()
    wait_for(lambda: a.log.count("temporary failure file=vt-export.csv") >= 3,
             "a temporary failure after the restart", proc=a,
             log=lambda: a.log)
    d.start()
    a.wait_filed("vt-export.csv")
    a.wait_filed("later.jsonl")
    want = {i: 1 for i in VT_IDS}
    want.update({b["external_id"]: 1 for b in bodies})
    assert referral_counts(d) == want
    assert a.names("work") == []
    assert a.stop() == 0


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_kill9_in_the_middle_of_a_file(regied, adapters, kind):
    d = regied()
    a = vt_adapter(adapters, d)
    if kind == "csv":
        name, data, ids, k = "vt-export.csv", VT_CSV, VT_IDS, 2
    else:
        bodies = [rrp.referral_body() for _ in range(10)]
        name, data, k = "ten.jsonl", jsonl(bodies), 4
        ids = [b["external_id"] for b in bodies]
    drop(a.folder, name, data)
    a.start(env={"REGIE_TEST_KILL_AFTER": str(k)}, wait=False)
    assert a.wait_exit() == -signal.SIGKILL
    assert a.names("work") == [name]
    assert a.names("done") == []
    assert referral_counts(d) == {i: 1 for i in ids[:k]}
    a.start()
    a.wait_filed(name)
    line = done_line(a, name)
    assert (line["accepted"], line["duplicates"]) == \
        (str(len(ids) - k), str(k))
    for i in ids[:k]:
        assert "external_id=%s status=duplicate" % i in a.log
    assert referral_counts(d) == {i: 1 for i in ids}
    assert a.names("work") == []
    assert a.stop() == 0


def test_kill9_at_random_moments(regied, adapters):
    """Many files, the adapter killed again and again at random moments,
    then left to finish: every record exactly once, every file filed."""
    rnd = random.Random(6)
    d = regied()
    a = vt_adapter(adapters, d)
    ids = []
    for f in range(8):
        bodies = [rrp.referral_body() for _ in range(15)]
        ids += [b["external_id"] for b in bodies]
        drop(a.folder, "batch-%02d.jsonl" % f, jsonl(bodies))
    drop(a.folder, "vt-export.csv", VT_CSV)
    ids += VT_IDS
    for _ in range(6):
        a.start(wait=False)
        # Not synchronisation: the moment of the kill is what is random.
        time.sleep(rnd.uniform(0.0, 0.25))
        a.kill()
    a.start()
    wait_for(lambda: len(a.names("done")) == 9, "every file in done/",
             proc=a, log=lambda: a.log)
    assert a.names("work") == [] and a.names("failed") == []
    assert referral_counts(d) == {i: 1 for i in ids}
    assert a.stop() == 0


def test_once_exits_when_everything_is_filed(regied, adapters):
    d = regied()
    a = vt_adapter(adapters, d)
    drop(a.folder, "vt-export.csv", VT_CSV)
    r = a.run("--once")
    assert r.returncode == 0, r.stderr
    assert a.names("done") == ["vt-export.csv"]
    d.stop()
    drop(a.folder, "again.csv", VT_CSV)
    r = a.run("--once")
    assert r.returncode == 75, r.stderr
    assert a.names("work") == ["again.csv"]


# ------------------------------------------------------------ configuration

def test_check_config_reports_every_mistake_with_its_line(regied, adapters):
    d = regied(start=False)
    a = adapters(SPOOL_BIN, d, "vt",
                 'csv:\n{\n'
                 '    delimiter = ";";\n'
                 '    constants: { kind = "melding"; };\n'
                 '    columns = (\n'
                 '        { column = "BSN"; field = "subject.bsm"; },\n'
                 '        { column = "Datum"; field = "occurred_at";\n'
                 '          format = "%d-%m-%y"; }\n'
                 '    );\n'
                 '};\n',
                 adapter_over={"timeout_ms": 0})
    r = a.run("--check-config")
    assert r.returncode == 78
    assert r.stdout == ""
    at = lambda text: "%s:%d: " % (a.config, a.line_of(text))
    assert r.stderr.splitlines() == [
        at("timeout_ms = 0") + "'timeout_ms' must be between 1 and 3600000, "
        "not 0",
        at('"subject.bsm"') + "unknown field 'subject.bsm' (one of "
        "external_id, kind, category, urgency, subject.bsn, "
        "subject.birth_date, household, postcode, contact.name, "
        "contact.email, contact.phone, occurred_at, note)",
        at('format = "%d-%m-%y"') + "format '%d-%m-%y': unknown token %y "
        "(use %d %m %Y %H %M %S)",
        at("csv:") + "no column or constant gives 'category'",
        at("csv:") + "no column or constant gives 'subject.bsn'",
        at("csv:") + "no column or constant gives 'contact.name'",
        at("csv:") + "no column or constant gives 'contact.email' or "
        "'contact.phone'",
    ]
    # The same file without --check-config: exit 78 before anything.
    r = a.run()
    assert r.returncode == 78


def test_check_config_good_and_usage(regied, adapters):
    d = regied(start=False)
    a = vt_adapter(adapters, d)
    r = a.run("--check-config")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = a.run("extra-argument")
    assert r.returncode == 64
    assert "--help" in r.stderr


def test_a_fifo_as_configuration_or_include_is_refused_at_once(regied,
                                                                adapters):
    # libconfig alone would open a FIFO and wait for a writer for ever;
    # the adapters refuse it at once, with the file and the line.
    d = regied(start=False)
    a = vt_adapter(adapters, d)
    fifo = a.dir / "fifo.conf"
    os.mkfifo(str(fifo))
    good = a.config
    a.config = fifo
    r = a.run("--check-config", timeout=20)
    assert (r.returncode, r.stderr) == (
        78, "%s:0: cannot read the file: not a regular file (a FIFO)\n"
        % fifo)
    a.config = good
    good.write_text(a.config_text + '@include "fifo.conf"\n')
    line = len(a.config_text.splitlines()) + 1
    want = ('%s:%d: @include "fifo.conf": cannot read %s/fifo.conf: not a '
            'regular file (a FIFO)\n' % (good, line, a.dir))
    r = a.run("--check-config", timeout=20)
    assert (r.returncode, r.stderr) == (78, want)
    r = a.run("--once", timeout=20)
    assert (r.returncode, r.stderr) == (78, want)
