"""
ACK and idempotency (spec sections 2.1, 2.3 and 3): accepted with
references, duplicate with the same references for the same JSON value
however it is written, conflict for a different value, and external_ids
scoped per partner.
"""

import json
import re

import pytest

import rrp
from rrp import assert_ack, assert_nack, encode, new_bsn, refs


@pytest.fixture(scope="module")
def daemon(regied_module):
    d = regied_module()
    yield d
    rrp.assert_clean_stop(d)


@pytest.fixture
def ggz(daemon):
    c = daemon.client("ggz")
    yield c
    c.close()


@pytest.fixture
def vt(daemon):
    c = daemon.client("vt")
    yield c
    c.close()


def rich_body():
    """A referral whose strings have non-ASCII characters and slashes, so
    that its JSON text can be written in many ways."""
    return rrp.referral_body(
        external_id="VT/2026/\u00e9-" + rrp.new_external_id(),
        household=[new_bsn()],
        contact={"name": "J. de Vri\u00e9s", "email": "j.devries@vt.example",
                 "phone": "+31 88 000 0000"},
        note="zie dossier 2026/11, caf\u00e9 \u2014 \U0001F600 ok")


def reorder(value):
    """The same JSON value with the keys of every object reversed."""
    if isinstance(value, dict):
        return {k: reorder(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reorder(v) for v in value]
    return value


def escape_letters(text):
    """Writes every 'e' inside the JSON text as \\u0065 (inside strings
    only; the text has no 'e' outside strings, as it has no numbers and
    true/false/null would be broken, so check that)."""
    assert not re.search(r"\b(true|false|null)\b", text)
    return text.replace("e", "\\u0065")


VARIANTS = {
    "identical": lambda b: encode(b),
    "keys-reordered": lambda b: encode(reorder(b)),
    "whitespace": lambda b: json.dumps(
        b, ensure_ascii=False, indent=3,
        separators=(" ,\n ", " :\t")).encode(),
    "unicode-escapes": lambda b: json.dumps(b, ensure_ascii=True).encode(),
    "unicode-escapes-upper": lambda b: re.sub(
        r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(),
        json.dumps(b, ensure_ascii=True)).encode(),
    "escaped-slash": lambda b: encode(b).replace(b"/", b"\\/"),
    "escaped-ascii-letters": lambda b: escape_letters(
        json.dumps(b, ensure_ascii=False)).encode(),
    "everything": lambda b: json.dumps(
        reorder(b), ensure_ascii=True, indent=1).replace("/", "\\/").encode(),
}


def test_accepted_has_references(ggz):
    a = assert_ack(ggz.referral(rrp.referral_body()), "accepted")
    assert a["case_status"] == "new"
    assert a["regisseur"] is None
    b = assert_ack(ggz.referral(rrp.referral_body()), "accepted")
    assert a["referral"] != b["referral"]
    assert a["case"] != b["case"]


def test_resent_request_is_duplicate_with_same_references(ggz):
    body = rrp.referral_body()
    first = assert_ack(ggz.referral(body), "accepted")
    for _ in range(3):
        again = assert_ack(ggz.referral(body), "duplicate")
        assert refs(again) == refs(first)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_same_value_written_differently_is_duplicate(ggz, variant):
    body = rich_body()
    first = assert_ack(ggz.referral(encode(body)), "accepted")
    raw = VARIANTS[variant](body)
    assert json.loads(raw) == body
    again = assert_ack(ggz.referral(raw), "duplicate")
    assert refs(again) == refs(first)


def test_escaped_form_first_then_plain_is_duplicate(ggz):
    body = rich_body()
    first = assert_ack(ggz.referral(VARIANTS["everything"](body)), "accepted")
    again = assert_ack(ggz.referral(encode(body)), "duplicate")
    assert refs(again) == refs(first)


CHANGES = [
    ("note", lambda b: b.update(note=b["note"] + "!")),
    ("subject", lambda b: b["subject"].update(bsn=new_bsn())),
    ("household-added", lambda b: b["household"].append({"bsn": new_bsn()})),
    ("household-prepended",
     lambda b: b["household"].insert(0, {"bsn": new_bsn()})),
    ("urgency-default-removed", lambda b: b.pop("urgency")),
    ("e-accent-vs-e", lambda b: b["contact"].update(name="J. de Vries")),
    ("kind", lambda b: b.update(kind="signaal")),
    ("optional-removed", lambda b: b.pop("occurred_at")),
]


@pytest.mark.parametrize("change", [c[1] for c in CHANGES],
                         ids=[c[0] for c in CHANGES])
def test_same_external_id_different_value_is_conflict(ggz, change):
    body = rich_body()
    first = assert_ack(ggz.referral(body), "accepted")
    other = json.loads(json.dumps(body))
    change(other)
    assert other != body and other["external_id"] == body["external_id"]
    assert_nack(ggz.referral(other), "conflict")
    # The first value stays: resending it is still a duplicate.
    again = assert_ack(ggz.referral(body), "duplicate")
    assert refs(again) == refs(first)


def test_conflict_then_conflict_again(ggz):
    body = rich_body()
    assert_ack(ggz.referral(body), "accepted")
    other = dict(body, note="anders")
    assert_nack(ggz.referral(other), "conflict")
    assert_nack(ggz.referral(other), "conflict")


def test_same_external_id_from_two_partners_are_two_referrals(vt, ggz):
    body = rrp.referral_body()
    a = assert_ack(vt.referral(body), "accepted")
    b = assert_ack(ggz.referral(body), "accepted")
    assert a["referral"] != b["referral"]
    # Same subject: the second referral joins the first one's case.
    assert b["case"] == a["case"]
    assert b["case_status"] == "unassigned"
    # Each partner's resend is a duplicate of its own referral.
    assert refs(assert_ack(vt.referral(body), "duplicate")) == refs(a)
    assert refs(assert_ack(ggz.referral(body), "duplicate")) == refs(b)


def test_external_id_of_other_partner_with_other_value_is_no_conflict(vt,
                                                                     ggz):
    body = rrp.referral_body()
    assert_ack(vt.referral(body), "accepted")
    other = dict(body, subject={"bsn": new_bsn()}, note="iets anders")
    b = assert_ack(ggz.referral(other), "accepted")
    assert b["case_status"] == "new"


@pytest.mark.parametrize("variant", [
    lambda x: x.replace("\u00e9", "e\u0301"),      # NFC vs NFD
    lambda x: x.upper(),
    lambda x: x + " ",
], ids=["nfd", "upper-case", "trailing-space"])
def test_external_ids_are_compared_exactly(ggz, variant):
    # Another string is another external_id (2.3: the parsed JSON value,
    # no normalisation): a new referral, neither duplicate nor conflict.
    eid = "vt-\u00e9-" + rrp.new_external_id().lower()
    other = variant(eid)
    assert other != eid
    a = assert_ack(ggz.referral(rrp.referral_body(external_id=eid)),
                   "accepted")
    b = assert_ack(ggz.referral(rrp.referral_body(external_id=other)),
                   "accepted")
    assert a["referral"] != b["referral"]


def test_forbidden_referral_stores_nothing(vt):
    body = rrp.referral_body(kind="verwijzing")
    assert_nack(vt.referral(body), "forbidden")
    assert_ack(vt.referral(dict(body, kind="melding")), "accepted")


def test_references_are_unique_over_many_referrals(ggz):
    seen = set()
    for _ in range(30):
        a = assert_ack(ggz.referral(rrp.referral_body()), "accepted")
        assert a["referral"] not in seen
        seen.add(a["referral"])
