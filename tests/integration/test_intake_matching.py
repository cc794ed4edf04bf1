"""
Matching referrals to households (DESIGN "Matching", spec section 3's
case_status): a new case for persons nobody holds; the same case, status
unassigned, for a referral about anyone in an open case (subject or
household member, including members that joined later); the most recent
case when the persons span two open cases. No regisseur can be assigned
yet, so regisseur is null and "assigned" does not occur.
Each test has its own daemon (an empty database).
"""

import pytest

import rrp
from rrp import assert_ack, new_bsn, referral_body


@pytest.fixture
def daemon(regied):
    d = regied()
    yield d
    rrp.assert_clean_stop(d)


@pytest.fixture
def ggz(daemon):
    return daemon.client("ggz")


def post(client, subject, household=()):
    return assert_ack(client.referral(
        referral_body(subject=subject, household=list(household))),
        "accepted")


def test_first_referral_opens_a_new_case(ggz):
    a = post(ggz, new_bsn(), [new_bsn(), new_bsn()])
    assert a["case_status"] == "new"
    assert a["regisseur"] is None


def test_same_subject_again_joins_the_case(ggz):
    s = new_bsn()
    a = post(ggz, s, [new_bsn()])
    b = post(ggz, s)
    assert b["case"] == a["case"]
    assert b["case_status"] == "unassigned"
    assert b["referral"] != a["referral"]
    assert b["regisseur"] is None


def test_same_household_again_joins_the_case(ggz):
    s, h1, h2 = new_bsn(), new_bsn(), new_bsn()
    a = post(ggz, s, [h1, h2])
    b = post(ggz, s, [h2, h1])
    assert (b["case"], b["case_status"]) == (a["case"], "unassigned")


@pytest.mark.parametrize("which", [0, 1])
def test_household_member_as_subject_joins_the_case(ggz, which):
    members = [new_bsn(), new_bsn()]
    a = post(ggz, new_bsn(), members)
    b = post(ggz, members[which])
    assert (b["case"], b["case_status"]) == (a["case"], "unassigned")


def test_household_member_in_household_joins_the_case(ggz):
    h = new_bsn()
    a = post(ggz, new_bsn(), [h])
    b = post(ggz, new_bsn(), [new_bsn(), h])
    assert (b["case"], b["case_status"]) == (a["case"], "unassigned")


def test_subject_of_case_named_as_household_member_joins(ggz):
    s = new_bsn()
    a = post(ggz, s)
    b = post(ggz, new_bsn(), [s])
    assert (b["case"], b["case_status"]) == (a["case"], "unassigned")


def test_new_household_members_join_the_case(ggz):
    s = new_bsn()
    a = post(ggz, s)
    newcomer, newcomer_subject = new_bsn(), new_bsn()
    b = post(ggz, s, [newcomer])
    assert b["case"] == a["case"]
    # The newcomer was only a household member of the second referral;
    # now a referral about them matches the case.
    c = post(ggz, newcomer)
    assert (c["case"], c["case_status"]) == (a["case"], "unassigned")
    # The subject of a joining referral joins the case too.
    d = post(ggz, newcomer_subject, [s])
    assert d["case"] == a["case"]
    e = post(ggz, newcomer_subject)
    assert (e["case"], e["case_status"]) == (a["case"], "unassigned")


def test_unrelated_persons_get_their_own_case(ggz):
    a = post(ggz, new_bsn(), [new_bsn()])
    b = post(ggz, new_bsn(), [new_bsn()])
    assert b["case_status"] == "new"
    assert b["case"] != a["case"]


def test_matching_across_partners(daemon):
    vt, ggz = daemon.client("vt"), daemon.client("ggz")
    s, h = new_bsn(), new_bsn()
    a = post(vt, s, [h])
    b = post(ggz, h)
    assert (b["case"], b["case_status"]) == (a["case"], "unassigned")
    # regisseur stays null for a partner with and without disclosure.
    assert a["regisseur"] is None and b["regisseur"] is None


@pytest.mark.parametrize("subject_from", ["older", "newer"])
def test_persons_spanning_two_cases_join_the_most_recent(ggz, subject_from):
    p_old, p_new = new_bsn(), new_bsn()
    old = post(ggz, p_old)
    new = post(ggz, p_new)
    assert old["case"] != new["case"]
    if subject_from == "older":
        r = post(ggz, p_old, [p_new])
    else:
        r = post(ggz, p_new, [p_old])
    assert r["case"] == new["case"]
    assert r["case_status"] == "unassigned"


def test_after_an_overlap_its_persons_belong_to_the_recent_case(ggz):
    p_old, p_new = new_bsn(), new_bsn()
    post(ggz, p_old)
    new = post(ggz, p_new)
    post(ggz, p_old, [p_new])
    # p_old joined the most recent case with that referral; alone it now
    # spans both cases and again matches the most recent one.
    r = post(ggz, p_old)
    assert (r["case"], r["case_status"]) == (new["case"], "unassigned")


def test_persons_spanning_three_cases_join_the_most_recent(ggz):
    p1, p2, p3 = new_bsn(), new_bsn(), new_bsn()
    c1, c2, c3 = post(ggz, p1), post(ggz, p2), post(ggz, p3)
    assert len({c1["case"], c2["case"], c3["case"]}) == 3
    r = post(ggz, new_bsn(), [p3, p1, p2])
    assert (r["case"], r["case_status"]) == (c3["case"], "unassigned")
    # A case opened after the overlap is the most recent one afterwards.
    p4 = new_bsn()
    c4 = post(ggz, p4)
    r2 = post(ggz, p2, [p4])
    assert r2["case"] == c4["case"]


def test_most_recent_is_by_case_not_by_last_referral(ggz):
    # Case A is opened first, case B second; a later referral joins A.
    # "Most recent" is the case opened last (B), not the case that got
    # the last referral (A).
    a_person, b_person = new_bsn(), new_bsn()
    a = post(ggz, a_person)
    b = post(ggz, b_person)
    again_a = post(ggz, a_person)
    assert again_a["case"] == a["case"]
    r = post(ggz, a_person, [b_person])
    assert r["case"] == b["case"]


def test_duplicate_keeps_its_case_after_others_joined(ggz):
    s = new_bsn()
    body = referral_body(subject=s)
    a = assert_ack(ggz.referral(body), "accepted")
    post(ggz, s, [new_bsn()])
    d = assert_ack(ggz.referral(body), "duplicate")
    assert rrp.refs(d) == rrp.refs(a)


def test_events_of_a_referral_and_its_new_case(daemon, ggz):
    # The events' details are JSON as written with sorted keys, compact:
    # the same text whether jansson or the daemon's own formatting made it.
    import json
    import sqlite3
    s = new_bsn()
    a = post(ggz, s, [new_bsn()])
    b = post(ggz, s)
    con = sqlite3.connect("file:%s?mode=ro" % daemon.db_path, uri=True)
    try:
        rows = con.execute(
            "SELECT action, ref, case_id, agreement_id, details FROM event"
            " WHERE actor IN ('partner:ggz', 'daemon') ORDER BY id").fetchall()
    finally:
        con.close()
    case = int(a["case"][2:])
    mine = [r for r in rows if r[2] == case]
    actions = [r[0] for r in mine]
    assert actions == ["referral.accepted", "case.opened", "agreement.made",
                       "referral.accepted"], actions
    for action, ref, _, agreement, details in mine:
        if details is not None:
            assert details == json.dumps(json.loads(details), sort_keys=True,
                                         separators=(",", ":"),
                                         ensure_ascii=False), details
    first, opened, made, second = mine
    assert first[1] == a["referral"] and second[1] == b["referral"]
    assert json.loads(first[4]) == {"case_status": "new", "kind": "melding",
                                    "persons": 2}
    assert json.loads(second[4]) == {"case_status": "unassigned",
                                     "kind": "melding", "persons": 1}
    assert opened[4] is None and opened[1] == a["referral"]
    d = json.loads(made[4])
    assert made[1] == "A-%06d" % made[3]
    assert {k: d[k] for k in ("kind", "occurrence", "owner", "policy")} == \
        {"kind": "assign", "occurrence": 1, "owner": "kernteam",
         "policy": "assign"}
    assert isinstance(d["due_at"], int)
