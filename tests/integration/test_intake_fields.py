"""
REFERRAL validation (spec sections 2.2, 2.3 and 3): invalid_field with its
JSON Pointer, invalid_bsn, forbidden, and the boundaries that must pass.
Each rejected request has exactly one mistake in an otherwise complete,
valid referral (every optional field set, two household members).
"""

import datetime
import json

import pytest

import rrp
from rrp import DELETE, assert_ack, assert_nack, mutate, new_bsn


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


def base():
    return rrp.referral_body(household=[new_bsn(), new_bsn()])


def resolve(value):
    return value() if callable(value) else value


def in_days(n):
    return (rrp.today() + datetime.timedelta(days=n)).isoformat()


def members(n):
    return lambda: [{"bsn": new_bsn()} for _ in range(n)]


# (id, pointer, value, expected field: a pointer or a set of them)
INVALID_FIELD = [
    # required fields missing
    ("missing-external_id", "/external_id", DELETE, "/external_id"),
    ("missing-kind", "/kind", DELETE, "/kind"),
    ("missing-category", "/category", DELETE, "/category"),
    ("missing-subject", "/subject", DELETE, "/subject"),
    ("missing-subject-bsn", "/subject/bsn", DELETE, "/subject/bsn"),
    ("missing-contact", "/contact", DELETE, "/contact"),
    ("missing-contact-name", "/contact/name", DELETE, "/contact/name"),
    ("member-without-bsn", "/household/1", {}, "/household/1/bsn"),
    # wrong types
    ("external_id-number", "/external_id", 123, "/external_id"),
    ("external_id-null", "/external_id", None, "/external_id"),
    ("kind-number", "/kind", 1, "/kind"),
    ("kind-null", "/kind", None, "/kind"),
    ("category-array", "/category", ["ggz"], "/category"),
    ("urgency-number", "/urgency", 2, "/urgency"),
    ("subject-string", "/subject", lambda: new_bsn(), "/subject"),
    ("subject-array", "/subject", lambda: [{"bsn": new_bsn()}], "/subject"),
    ("subject-bsn-number", "/subject/bsn", lambda: int(new_bsn()),
     "/subject/bsn"),
    ("birth_date-number", "/subject/birth_date", 20140302,
     "/subject/birth_date"),
    ("household-object", "/household", lambda: {"bsn": new_bsn()},
     "/household"),
    ("household-string", "/household", "none", "/household"),
    ("member-string", "/household/0", lambda: new_bsn(), "/household/0"),
    ("member-bsn-number", "/household/1/bsn", lambda: int(new_bsn()),
     "/household/1/bsn"),
    ("postcode-number", "/postcode", 6708, "/postcode"),
    ("contact-string", "/contact", "J. de Vries", "/contact"),
    ("contact-name-number", "/contact/name", 5, "/contact/name"),
    ("contact-email-bool", "/contact/email", True, "/contact/email"),
    ("contact-phone-number", "/contact/phone", 31880000000,
     "/contact/phone"),
    ("occurred_at-number", "/occurred_at", 1763630100, "/occurred_at"),
    ("note-number", "/note", 5, "/note"),
    ("note-object", "/note", {"text": "x"}, "/note"),
    # unknown fields
    ("unknown-top-partner", "/partner", "vt", "/partner"),
    ("unknown-top", "/foo", 1, "/foo"),
    ("unknown-in-subject", "/subject/name", "Jan", "/subject/name"),
    ("unknown-in-contact", "/contact/fax", "+31 88", "/contact/fax"),
    ("unknown-in-member-0", "/household/0/name", "Jan",
     "/household/0/name"),
    ("unknown-in-member-1", "/household/1/birth_date", "2014-03-02",
     "/household/1/birth_date"),
    # RFC 6901 escapes in the pointer of an unknown field's name
    ("unknown-name-with-slash", "/a~1b", 1, "/a~1b"),
    ("unknown-name-with-tilde", "/x~0y", 1, "/x~0y"),
    ("unknown-empty-name", "/", 1, "/"),
    ("unknown-in-subject-with-slash", "/subject/n~1m", 1, "/subject/n~1m"),
    ("member-null", "/household/0", None, "/household/0"),
    # external_id: 1-128 printable characters
    ("external_id-empty", "/external_id", "", "/external_id"),
    ("external_id-129", "/external_id", "a" * 129, "/external_id"),
    ("external_id-129-e", "/external_id", "\u00e9" * 129, "/external_id"),
    ("external_id-tab", "/external_id", "VT\t1", "/external_id"),
    ("external_id-newline", "/external_id", "VT-1\n", "/external_id"),
    ("external_id-ctrl-a", "/external_id", "\x01VT-1", "/external_id"),
    ("external_id-escape", "/external_id", "VT\x1b[0m", "/external_id"),
    ("external_id-del", "/external_id", "VT\x7f1", "/external_id"),
    ("external_id-c1-nel", "/external_id", "VT\u0085x", "/external_id"),
    ("external_id-c1-csi", "/external_id", "\u009b1mVT", "/external_id"),
    # enumerations
    ("kind-unknown", "/kind", "advies", "/kind"),
    ("kind-upper", "/kind", "Melding", "/kind"),
    ("kind-empty", "/kind", "", "/kind"),
    ("category-unknown", "/category", "onbekend", "/category"),
    ("category-upper", "/category", "GGZ", "/category"),
    ("urgency-unknown", "/urgency", "hoog", "/urgency"),
    ("urgency-upper", "/urgency", "Urgent", "/urgency"),
    ("urgency-empty", "/urgency", "", "/urgency"),
    # birth_date: YYYY-MM-DD, a real date, not in the future
    ("birth_date-dutch", "/subject/birth_date", "02-03-2014",
     "/subject/birth_date"),
    ("birth_date-short", "/subject/birth_date", "2014-3-2",
     "/subject/birth_date"),
    ("birth_date-compact", "/subject/birth_date", "20140302",
     "/subject/birth_date"),
    ("birth_date-time", "/subject/birth_date", "2014-03-02T00:00:00Z",
     "/subject/birth_date"),
    ("birth_date-empty", "/subject/birth_date", "", "/subject/birth_date"),
    ("birth_date-feb-30", "/subject/birth_date", "2026-02-30",
     "/subject/birth_date"),
    ("birth_date-feb-29-non-leap", "/subject/birth_date", "2023-02-29",
     "/subject/birth_date"),
    ("birth_date-apr-31", "/subject/birth_date", "2014-04-31",
     "/subject/birth_date"),
    ("birth_date-month-13", "/subject/birth_date", "2014-13-01",
     "/subject/birth_date"),
    ("birth_date-month-0", "/subject/birth_date", "2014-00-10",
     "/subject/birth_date"),
    ("birth_date-day-0", "/subject/birth_date", "2014-01-00",
     "/subject/birth_date"),
    ("birth_date-future-2-days", "/subject/birth_date", lambda: in_days(2),
     "/subject/birth_date"),
    ("birth_date-future-2999", "/subject/birth_date", "2999-01-01",
     "/subject/birth_date"),
    # household
    ("household-21", "/household", members(21),
     {"/household", "/household/20"}),
    # postcode: 1234AB, one space allowed
    ("postcode-3-digits", "/postcode", "123AB", "/postcode"),
    ("postcode-5-digits", "/postcode", "12345AB", "/postcode"),
    ("postcode-1-letter", "/postcode", "1234A", "/postcode"),
    ("postcode-3-letters", "/postcode", "1234ABC", "/postcode"),
    ("postcode-dash", "/postcode", "1234-AB", "/postcode"),
    ("postcode-reversed", "/postcode", "AB1234", "/postcode"),
    ("postcode-empty", "/postcode", "", "/postcode"),
    # contact
    ("contact-no-email-no-phone", "/contact", {"name": "J. de Vries"},
     {"/contact", "/contact/email", "/contact/phone"}),
    ("email-no-at", "/contact/email", "j.devries.vt.example",
     "/contact/email"),
    ("email-no-domain", "/contact/email", "j.devries@", "/contact/email"),
    ("email-no-local", "/contact/email", "@vt.example", "/contact/email"),
    ("email-empty", "/contact/email", "", "/contact/email"),
    # occurred_at: RFC 3339
    ("occurred_at-date", "/occurred_at", "2026-11-20", "/occurred_at"),
    ("occurred_at-no-offset", "/occurred_at", "2026-11-20T10:15:00",
     "/occurred_at"),
    ("occurred_at-no-seconds", "/occurred_at", "2026-11-20T10:15+01:00",
     "/occurred_at"),
    ("occurred_at-dutch", "/occurred_at", "20-11-2026T10:15:00Z",
     "/occurred_at"),
    ("occurred_at-month-13", "/occurred_at", "2026-13-20T10:15:00Z",
     "/occurred_at"),
    ("occurred_at-hour-25", "/occurred_at", "2026-11-20T25:15:00Z",
     "/occurred_at"),
    ("occurred_at-minute-61", "/occurred_at", "2026-11-20T10:61:00Z",
     "/occurred_at"),
    ("occurred_at-word", "/occurred_at", "gisteren", "/occurred_at"),
    ("occurred_at-offset-no-colon", "/occurred_at",
     "2026-11-20T10:15:00+0100", "/occurred_at"),
    ("occurred_at-empty-fraction", "/occurred_at", "2026-11-20T10:15:00.Z",
     "/occurred_at"),
    ("occurred_at-empty", "/occurred_at", "", "/occurred_at"),
    # note: at most 2000 characters
    ("note-2001-ascii", "/note", "x" * 2001, "/note"),
    ("note-2001-e", "/note", "\u00e9" * 2001, "/note"),
    ("note-2001-emoji", "/note", "\U0001F600" * 2001, "/note"),
    ("note-2001-combining", "/note", "e\u0301" * 1000 + "x", "/note"),
]


@pytest.mark.parametrize("pointer,value,field",
                         [c[1:] for c in INVALID_FIELD],
                         ids=[c[0] for c in INVALID_FIELD])
def test_invalid_field(ggz, pointer, value, field):
    body = mutate(base(), pointer, resolve(value))
    assert_nack(ggz.referral(body), "invalid_field", field)


BAD_BSNS = [
    ("8-digits", "12345678"),
    ("10-digits", "1234567890"),
    ("letter", "99990000A"),
    ("letters", "ABCDEFGHI"),
    ("empty", ""),
    ("spaces", "9999 0000"),
    ("elfproef", lambda: rrp.failing_elfproef(new_bsn())),
    ("all-zeros", "000000000"),
]


@pytest.mark.parametrize("bsn", [c[1] for c in BAD_BSNS],
                         ids=[c[0] for c in BAD_BSNS])
@pytest.mark.parametrize("pointer", ["/subject/bsn", "/household/1/bsn",
                                     "/household/0/bsn"])
def test_invalid_bsn(ggz, pointer, bsn):
    body = mutate(base(), pointer, resolve(bsn))
    assert_nack(ggz.referral(body), "invalid_bsn", pointer)


def test_all_zeros_passes_the_weighted_sum_yet_is_refused(ggz):
    # The spec names all zeros separately because it passes the elfproef:
    # the premise, then the daemon's answer.
    assert rrp.elfproef_sum("000000000") % 11 == 0
    body = mutate(base(), "/subject/bsn", "000000000")
    assert_nack(ggz.referral(body), "invalid_bsn", "/subject/bsn")


# (id, pointer, value) changes that keep the referral valid
VALID = [
    ("minimal", None, None),
    ("external_id-1", "/external_id", "Z"),
    ("external_id-128", "/external_id",
     lambda: rrp.new_external_id().ljust(128, "a")),
    ("external_id-128-e", "/external_id",
     lambda: rrp.new_external_id().ljust(128, "\u00e9")),
    ("external_id-128-emoji", "/external_id",
     lambda: rrp.new_external_id().ljust(128, "\U0001F600")),
    ("external_id-space-slash", "/external_id",
     lambda: "VT 2026/" + rrp.new_external_id() + " \u00e9"),
    ("no-urgency", "/urgency", DELETE),
    ("urgency-urgent", "/urgency", "urgent"),
    ("urgency-crisis", "/urgency", "crisis"),
    ("kind-verwijzing", "/kind", "verwijzing"),
    ("kind-aanmelding", "/kind", "aanmelding"),
    ("kind-signaal", "/kind", "signaal"),
    ("no-birth_date", "/subject/birth_date", DELETE),
    ("birth_date-leap-day", "/subject/birth_date", "2024-02-29"),
    ("birth_date-yesterday", "/subject/birth_date", lambda: in_days(-1)),
    ("birth_date-1920", "/subject/birth_date", "1920-01-01"),
    ("no-household", "/household", DELETE),
    ("household-empty", "/household", []),
    ("household-20", "/household", members(20)),
    ("no-postcode", "/postcode", DELETE),
    ("postcode-no-space", "/postcode", "6708PB"),
    ("postcode-far-away", "/postcode", "1011 AB"),
    ("contact-email-only", "/contact/phone", DELETE),
    ("contact-phone-only", "/contact/email", DELETE),
    ("no-occurred_at", "/occurred_at", DELETE),
    ("occurred_at-utc", "/occurred_at", "2026-11-20T09:15:00Z"),
    ("occurred_at-fraction", "/occurred_at", "2026-11-20T10:15:00.123+01:00"),
    ("occurred_at-negative-offset", "/occurred_at",
     "2026-11-20T04:15:00-05:00"),
    ("occurred_at-lower-case-t-z", "/occurred_at", "2026-11-20t09:15:00z"),
    ("no-note", "/note", DELETE),
    ("note-empty", "/note", ""),
    ("note-2000-ascii", "/note", "x" * 2000),
    ("note-2000-e", "/note", "\u00e9" * 2000),
    ("note-2000-emoji", "/note", "\U0001F600" * 2000),
    ("note-newlines", "/note", "regel 1\nregel 2\ttab"),
    ("note-2000-combining", "/note", "e\u0301" * 1000),
] + [("category-" + c, "/category", c) for c in rrp.CATEGORIES]


@pytest.mark.parametrize("pointer,value", [c[1:] for c in VALID],
                         ids=[c[0] for c in VALID])
def test_valid_referral_is_accepted(ggz, pointer, value):
    if pointer is None:
        body = rrp.minimal_body()
    else:
        body = mutate(base(), pointer, resolve(value))
    b = assert_ack(ggz.referral(body), "accepted")
    assert b["case_status"] == "new"
    assert b["regisseur"] is None


def test_lengths_count_code_points_not_utf16_units(ggz):
    # Written with \ud83d\ude00 escapes, each emoji is still one
    # character: 2000 are fine, 2001 are not; 128 in an external_id too.
    body = base()
    body["note"] = "\U0001F600" * 2000
    body["external_id"] = rrp.new_external_id().ljust(128, "\U0001F600")
    raw = json.dumps(body, ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in raw
    assert_ack(ggz.referral(raw), "accepted")
    body = dict(base(), note="\U0001F600" * 2001)
    raw = json.dumps(body, ensure_ascii=True).encode()
    assert_nack(ggz.referral(raw), "invalid_field", "/note")


@pytest.mark.parametrize("pointer,value,error", [
    ("/kind", "advies", "invalid_field"),
    ("/household/1/bsn", "000000000", "invalid_bsn"),
    ("/note", "x" * 2001, "invalid_field"),
    ("/contact/fax", "x", "invalid_field"),
])
def test_rejected_referral_stores_nothing(ggz, pointer, value, error):
    good = base()
    assert_nack(ggz.referral(mutate(good, pointer, value)), error)
    # Not stored, so the external_id is still free (no conflict) ...
    a = assert_ack(ggz.referral(good), "accepted")
    # ... and none of its persons was recorded in a case.
    assert a["case_status"] == "new"


# ------------------------------------------------------------ forbidden

@pytest.mark.parametrize("pointer,value", [
    ("/kind", "verwijzing"),
    ("/kind", "aanmelding"),
    ("/category", "ggz"),
    ("/category", "schulden"),
    ("/category", "verslaving"),
])
def test_forbidden_kind_or_category_for_partner(vt, ggz, pointer, value):
    body = mutate(base(), pointer, value)
    b = assert_nack(vt.referral(body), "forbidden")
    assert b.get("field") == pointer, b
    # The same referral is allowed for a partner without restrictions.
    assert_ack(ggz.referral(body), "accepted")


@pytest.mark.parametrize("kind,category", [
    ("melding", "huiselijk_geweld"), ("signaal", "kindermishandeling"),
    ("melding", "jeugd"), ("signaal", "overig")])
def test_allowed_kind_and_category_for_partner(vt, kind, category):
    body = mutate(mutate(base(), "/kind", kind), "/category", category)
    assert_ack(vt.referral(body), "accepted")


@pytest.mark.parametrize("pointer,value", [("/kind", "advies"),
                                           ("/category", "onbekend")])
def test_value_outside_the_lists_is_invalid_not_forbidden(vt, pointer,
                                                          value):
    body = mutate(base(), pointer, value)
    assert_nack(vt.referral(body), "invalid_field", pointer)


@pytest.fixture(scope="module")
def area(regied_module):
    """A daemon that serves only the postcodes 6700-6709 and 6870."""
    d = regied_module({"postcodes": ["6700-6709", "6870"]})
    yield d
    rrp.assert_clean_stop(d)


@pytest.mark.parametrize("postcode", ["6710 AA", "6699ZZ", "1011 AB",
                                      "6871AA", "6869 ZZ", "9999ZZ"])
def test_postcode_outside_area_is_forbidden(area, postcode):
    c = area.client("ggz")
    body = mutate(base(), "/postcode", postcode)
    b = assert_nack(c.referral(body), "forbidden")
    assert b.get("field") == "/postcode", b


@pytest.mark.parametrize("postcode", ["6700AA", "6708 PB", "6709ZZ",
                                      "6870 AB", None])
def test_postcode_inside_area_is_accepted(area, postcode):
    c = area.client("ggz")
    body = base()
    if postcode is None:
        del body["postcode"]
    else:
        body["postcode"] = postcode
    assert_ack(c.referral(body), "accepted")


def test_malformed_postcode_is_invalid_also_with_an_area(area):
    c = area.client("ggz")
    body = mutate(base(), "/postcode", "67O8 PB")
    assert_nack(c.referral(body), "invalid_field", "/postcode")


def test_a_refused_referral_is_logged_once_without_its_values(daemon, ggz):
    """Each refused referral leaves one line at notice with the partner,
    the error and the field: never the BSN, the note or another value."""
    body = base()
    body["note"] = "geheime notitie %s" % rrp.new_external_id()
    bad = rrp.failing_elfproef(body["subject"]["bsn"])
    body["subject"]["bsn"] = bad
    before = len(daemon.log.splitlines())
    assert_nack(ggz.referral(body), "invalid_bsn", "/subject/bsn")
    lines = [l for l in daemon.log.splitlines()[before:]
             if "intake: refused" in l]
    assert lines == ["<5>intake: refused referral partner=ggz "
                     "error=invalid_bsn field=/subject/bsn"], lines
    assert bad not in daemon.log and body["note"] not in daemon.log
