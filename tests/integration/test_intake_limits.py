"""
Configured limits and lists (the daemon's configuration contract, spec
sections 3 and 6): limits.household, categories, limits.batch.
"""

import pytest

import rrp
from rrp import SIG, assert_ack, assert_nack, new_bsn, referral_body


def test_configured_household_limit(regied):
    d = regied({"limits": {"household": 3}})
    c = d.client("ggz")
    ok = referral_body(household=[new_bsn() for _ in range(3)])
    assert_ack(c.referral(ok), "accepted")
    over = referral_body(household=[new_bsn() for _ in range(4)])
    assert_nack(c.referral(over), "invalid_field",
                {"/household", "/household/3"})
    assert d.stop() == 0


def test_configured_categories(regied):
    ggz = rrp.default_config(regied.keys, "/", [])["partners"][1]
    d = regied({"categories": ["ggz", "wijkteam_eigen"], "partners": [ggz]})
    c = d.client("ggz")
    assert_ack(c.referral(referral_body(category="wijkteam_eigen")),
               "accepted")
    assert_ack(c.referral(referral_body(category="ggz")), "accepted")
    for name in ("kindermishandeling", "schulden"):
        assert_nack(c.referral(referral_body(category=name)),
                    "invalid_field", "/category")
    assert d.stop() == 0


@pytest.mark.parametrize("batch", [1, 3])
def test_small_batches(regied, batch):
    d = regied({"limits": {"batch": batch}})
    c = d.client("ggz", dealer=True, timeout=20)
    s = new_bsn()
    bodies = {b"b-%d" % i: referral_body(s) for i in range(25)}
    for corr, body in bodies.items():
        c.send_raw([SIG, b"REFERRAL", corr, rrp.encode(body)])
    acks = {}
    for _ in bodies:
        r = c.recv()
        assert r is not None and r.corr in bodies
        acks[r.corr] = assert_ack(r, "accepted")
    assert len({a["referral"] for a in acks.values()}) == 25
    assert len({a["case"] for a in acks.values()}) == 1
    assert sorted(a["case_status"] for a in acks.values()) == \
        ["new"] + ["unassigned"] * 24
    assert d.stop() == 0
