"""
regie-ijw against a real regied: JW315 and WMO315 messages (the fixtures
of tests/data/ijw) with one client, one client and several products, and
several clients; a message that is not well-formed; a billion-laughs
entity bomb; one that fails the XSD; a BSN failing the elfproef inside a
JW315 (alone, and beside a good client); an empty referrer name; posting
a message again; file and standard-input mode; configuration errors.
The partner is "ggz" (no restrictions on kind or category), standing in
for a youth care provider.
"""

import json

import pytest

from spoolkit import (IJW_BIN, IJW_DATA, AdapterFactory, drop,
                      referral_counts, referral_rows)

JW_XSD = IJW_DATA / "xsd" / "ijw" / "jw315.xsd"
WMO_XSD = IJW_DATA / "xsd" / "iwmo" / "wmo315.xsd"


def ijw_group(xsd=True, extra=""):
    return ('ijw:\n{\n'
            '    contact_email = "zorgloket@aanbieder.example";\n'
            '    contact_phone = "+31 30 000 0000";\n'
            '%s'
            '    jw_categories = ( [ "45", "jeugd" ], [ "54", "ggz" ] );\n'
            '    jw_default = "jeugd";\n'
            '    wmo_categories = ( [ "02", "overig" ] );\n'
            '%s'
            '};\n' % ('    jw315_xsd = "%s";\n    wmo315_xsd = "%s";\n'
                      % (JW_XSD, WMO_XSD) if xsd else "", extra))


@pytest.fixture
def adapters():
    f = AdapterFactory()
    try:
        yield f
    finally:
        f.cleanup()


def ijw_adapter(adapters, daemon, xsd=True, extra=""):
    return adapters(IJW_BIN, daemon, "ggz", ijw_group(xsd, extra))


def fixture(name):
    return (IJW_DATA / name).read_bytes()


def test_jw315_and_wmo315_messages_in_the_folder(regied, adapters):
    d = regied()
    a = ijw_adapter(adapters, d).start()
    for name in ("jw315-one.xml", "jw315-products.xml", "wmo315-one.xml"):
        drop(a.folder, name, fixture(name))
    for name in ("jw315-one.xml", "jw315-products.xml", "wmo315-one.xml"):
        a.wait_filed(name)
    rows = referral_rows(d, "external_id, partner, kind, category, "
                            "occurred_at, contact_name, contact_email")
    assert [r[0] for r in rows] == [
        "12345678-JW315-00041-REF-2026-0001",
        "12345678-JW315-00042-REF-2026-0101",
        "12345678-JW315-00042-REF-2026-0102",
        "12345678-JW315-00042-REF-2026-0103",
        "87654321-WMO-7781-W-2026-17"]
    assert {r[1] for r in rows} == {"ggz"}
    assert {r[2] for r in rows} == {"verwijzing"}
    # 54 -> ggz; 45 -> jeugd; 48 and no product -> the default; WMO 02.
    assert [r[3] for r in rows] == ["ggz", "jeugd", "jeugd", "jeugd",
                                    "overig"]
    assert rows[0][4] == "2026-11-20T00:00:00+01:00"
    assert rows[0][5] == "huisarts 01234567"
    assert rows[0][6] == "zorgloket@aanbieder.example"
    assert a.names("failed") == [] and a.names("work") == []
    # The same message again: duplicates, not second referrals.
    drop(a.folder, "jw315-one-again.xml", fixture("jw315-one.xml"))
    a.wait_filed("jw315-one-again.xml")
    assert "status=duplicate" in a.log
    assert all(n == 1 for n in referral_counts(d).values())
    assert a.stop() == 0


def test_several_clients_without_schema(regied, adapters):
    # Release 3.2 allows one Client per 315; providers' systems have sent
    # several, and without an XSD configured each one is posted.
    d = regied()
    a = ijw_adapter(adapters, d, xsd=False).start()
    drop(a.folder, "jw315-clients.xml", fixture("jw315-clients.xml"))
    a.wait_filed("jw315-clients.xml")
    assert len(referral_counts(d)) == 2
    assert a.stop() == 0


def test_not_well_formed_message_is_refused(regied, adapters):
    d = regied()
    a = ijw_adapter(adapters, d).start()
    drop(a.folder, "malformed.xml", fixture("malformed.xml"))
    a.wait_filed("malformed.xml", "failed")
    lines = a.error_lines("malformed.xml")
    assert len(lines) == 1
    assert lines[0].startswith("malformed.xml:19: not_well_formed: "
                               "not well-formed XML: ")
    text = (a.sub("failed") / "malformed.xml.error").read_text()
    assert "refused as a whole; nothing in it was posted" in text
    assert referral_counts(d) == {}
    assert a.stop() == 0


def test_billion_laughs_is_refused_once_without_expanding(regied, adapters):
    # A classic entity-expansion bomb: refused as not well-formed with one
    # line (libxml2 reports the loop once per entity), nothing expanded
    # (the adapter stays small and goes on with the next file).
    d = regied()
    a = ijw_adapter(adapters, d).start()
    drop(a.folder, "billion-laughs.xml", fixture("billion-laughs.xml"))
    a.wait_filed("billion-laughs.xml", "failed")
    assert a.error_lines("billion-laughs.xml") == [
        "billion-laughs.xml:15: not_well_formed: not well-formed XML: "
        "Detected an entity reference loop"]
    text = (a.sub("failed") / "billion-laughs.xml.error").read_text()
    assert text.count("Detected an entity reference loop") == 1
    assert "lollol" not in text and "lollol" not in a.log
    drop(a.folder, "jw315-one.xml", fixture("jw315-one.xml"))
    a.wait_filed("jw315-one.xml")
    assert a.running
    with open("/proc/%d/status" % a.proc.pid) as f:
        rss = [l for l in f if l.startswith("VmHWM:")][0].split()
    assert int(rss[1]) < 200 * 1024, rss  # kB: no billion "lol"s
    assert len(referral_counts(d)) == 1
    assert a.stop() == 0


def test_schema_invalid_message_is_refused(regied, adapters):
    d = regied()
    a = ijw_adapter(adapters, d).start()
    drop(a.folder, "schema-invalid.xml", fixture("schema-invalid.xml"))
    a.wait_filed("schema-invalid.xml", "failed")
    lines = a.error_lines("schema-invalid.xml")
    assert [l.split(": ")[0] for l in lines] == [
        "schema-invalid.xml:7", "schema-invalid.xml:23",
        "schema-invalid.xml:38"]
    assert all(": schema_invalid: schema: " in l for l in lines)
    assert "jw315:Afzender" in lines[0]
    assert referral_counts(d) == {}
    # Without the schema the same message maps: the XSD is what refused.
    b = ijw_adapter(adapters, d, xsd=False).start()
    drop(b.folder, "schema-invalid.xml", fixture("schema-invalid.xml"))
    b.wait_filed("schema-invalid.xml")
    assert len(referral_counts(d)) == 1
    assert a.stop() == 0 and b.stop() == 0


def test_bsn_failing_elfproef_inside_a_jw315(regied, adapters):
    d = regied()
    a = ijw_adapter(adapters, d).start()
    bad = fixture("jw315-one.xml").replace(b">999900006<", b">999900007<")
    drop(a.folder, "bad-bsn.xml", bad)
    a.wait_filed("bad-bsn.xml", "failed")
    lines = a.error_lines("bad-bsn.xml")
    assert len(lines) == 1
    assert lines[0].startswith("bad-bsn.xml:32: invalid_bsn: ")
    assert "Client/Bsn fails the elfproef" in lines[0]
    assert "(field /subject/bsn)" in lines[0]
    assert "999900007" not in lines[0]
    assert referral_counts(d) == {}
    assert a.stop() == 0


def test_bad_bsn_beside_a_good_client(regied, adapters):
    # Two clients (not valid 3.2, so no XSD here): the good one is
    # accepted, the other refused; the file goes to failed/ with the line.
    d = regied()
    a = ijw_adapter(adapters, d, xsd=False).start()
    drop(a.folder, "bad-elfproef.xml", fixture("bad-elfproef.xml"))
    a.wait_filed("bad-elfproef.xml", "failed")
    lines = a.error_lines("bad-elfproef.xml")
    assert len(lines) == 1
    assert ": invalid_bsn: " in lines[0]
    head = (a.sub("failed") / "bad-elfproef.xml.error").read_text()
    assert "1 of 2 records refused; 1 accepted" in head
    assert len(referral_counts(d)) == 1
    assert a.stop() == 0


def test_empty_referrer_name_gives_the_cod327_label(regied, adapters):
    # regied refuses an empty contact.name; an empty or blank
    # Verwijzer/Naam is taken as no name: the COD327 label, with the
    # ZorgverlenerCode when there is one. (Not valid 3.2: the XSD wants a
    # Naam of one character at least, so no XSD here.)
    d = regied()
    a = ijw_adapter(adapters, d, xsd=False).start()
    name = "jw315-empty-referrer.xml"
    drop(a.folder, name, fixture(name))
    a.wait_filed(name)
    assert referral_rows(d, "external_id, contact_name") == [
        ("12345678-JW315-00047-REF-2026-0301", "huisarts 01234567"),
        ("12345678-JW315-00047-REF-2026-0302",
         "zelfverwijzer/geen verwijzer")]
    # Nothing to name the referrer by (an empty Type): refused here, with
    # the element in the .error file; nothing of it is posted.
    bad = fixture("jw315-one.xml").replace(b"<ijw:Type>02</ijw:Type>",
                                           b"<ijw:Type> </ijw:Type>")
    drop(a.folder, "no-referrer.xml", bad)
    a.wait_filed("no-referrer.xml", "failed")
    assert a.error_lines("no-referrer.xml") == [
        "no-referrer.xml:32: invalid_field: line 45: Verwijzer/Type is "
        "empty (field /contact/name)"]
    assert len(referral_counts(d)) == 2
    assert a.stop() == 0


def test_file_and_stdin_mode(regied, adapters):
    d = regied()
    a = ijw_adapter(adapters, d)
    msg = IJW_DATA / "jw315-products.xml"
    r = a.run(str(msg))
    assert r.returncode == 0, r.stderr
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert [o["result"] for o in out] == ["ACK"] * 3
    assert [o["reply"]["status"] for o in out] == ["accepted"] * 3
    assert out[0]["source"] == str(msg)
    assert out[0]["external_id"] == "12345678-JW315-00042-REF-2026-0101"
    r = a.run("-", input=msg.read_bytes())
    assert r.returncode == 0, r.stderr
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert [o["reply"]["status"] for o in out] == ["duplicate"] * 3
    assert {o["source"] for o in out} == {"stdin"}
    r = a.run("-", input=fixture("malformed.xml"))
    assert r.returncode == 65
    assert r.stdout == b""
    assert b"stdin:19: not_well_formed: not well-formed XML" in r.stderr
    r = a.run(str(IJW_DATA / "nope.xml"))
    assert r.returncode == 66
    assert len(referral_counts(d)) == 3


def test_daemon_away_in_file_mode_is_temporary(regied, adapters):
    d = regied(start=False)
    a = ijw_adapter(adapters, d)
    r = a.run(str(IJW_DATA / "jw315-one.xml"))
    assert r.returncode == 75
    out = json.loads(r.stdout.splitlines()[0])
    assert out["result"] == "TEMPORARY"


def test_check_config(regied, adapters):
    d = regied(start=False)
    a = ijw_adapter(adapters, d)
    r = a.run("--check-config")
    assert (r.returncode, r.stderr) == (0, "")
    b = adapters(IJW_BIN, d, "ggz",
                 'ijw:\n{\n'
                 '    jw315_xsd = "/nonexistent/jw315.xsd";\n'
                 '    jw_categories = ( [ "45" ] );\n'
                 '};\n')
    r = b.run("--check-config")
    assert r.returncode == 78
    at = lambda text: "%s:%d: " % (b.config, b.line_of(text))
    assert r.stderr.splitlines() == [
        at("ijw:") + "give 'contact_email' or 'contact_phone' (or both): "
        "the desk partners of the gemeente can reach",
        at("jw315_xsd") + "jw315_xsd: cannot load the schema "
        "/nonexistent/jw315.xsd: failed to load external entity "
        "\"/nonexistent/jw315.xsd\"",
        at("jw_categories") + "'jw_categories' must be a list of pairs, "
        "like ( [ \"54\", \"ggz\" ], ... )",
    ]
