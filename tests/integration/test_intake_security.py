"""
Security of the intake (spec section 1, section 5; TRAPS "CURVE fails
open"): a connection with an unknown key, without CURVE, or with a
partner's public key but another secret is refused at the handshake and
gets no reply; the daemon goes on serving good clients; the partner of a
message is the one whose key authenticated it.
"""

import re

import pytest
import zmq

from mailserver import wait_for

import rrp
from rrp import SIG, assert_ack, assert_nack

HANDSHAKE_FAILED = {zmq.EVENT_HANDSHAKE_FAILED_AUTH,
                    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
                    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL}
WAIT = 10.0  # upper bound for a handshake to fail


@pytest.fixture(scope="module")
def daemon(regied_module):
    d = regied_module()
    yield d
    rrp.assert_clean_stop(d)


def refused(daemon, client):
    """Sends a PING and a REFERRAL on client and asserts the handshake
    failed, never succeeded, and nothing came back."""
    client.send_raw([SIG, b"PING", b"sec-1", b""])
    ev = client.wait_event(HANDSHAKE_FAILED, WAIT)
    assert ev is not None, \
        "no handshake failure within %ss; events %r" % (
            WAIT, client.drain_events())
    events = client.drain_events()
    assert zmq.EVENT_HANDSHAKE_SUCCEEDED not in events, events
    assert client.recv(timeout=1.0) is None
    return ev


def test_unknown_key_is_refused_at_handshake(daemon):
    c = daemon.client(keys=daemon.keys.pairs["stranger"], monitor=True)
    ev = refused(daemon, c)
    # The ZAP handler answered 400 (not 300, which can hang a client).
    assert ev["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH, ev
    assert ev["value"] == 400, ev
    good = daemon.client("ggz")
    assert good.ping().status == "PONG"


def test_plain_client_without_curve_is_refused(daemon):
    c = daemon.client(keys=None, monitor=True)
    refused(daemon, c)
    assert daemon.client("vt").ping().status == "PONG"


def test_partner_public_key_with_other_secret_is_refused(daemon):
    # Claims vt's public key without holding vt's secret key.
    vt_public = daemon.keys.pairs["vt"][0]
    stranger_secret = daemon.keys.pairs["stranger"][1]
    c = daemon.client(keys=(vt_public, stranger_secret), monitor=True)
    refused(daemon, c)
    assert daemon.client("vt").ping().status == "PONG"


def test_unknown_key_dealer_referral_gets_no_reply_and_is_not_stored(daemon):
    body = rrp.referral_body()
    c = daemon.client(keys=daemon.keys.pairs["stranger"], dealer=True,
                      monitor=True)
    c.send_raw([SIG, b"REFERRAL", b"sec-2", rrp.encode(body)])
    assert c.wait_event(HANDSHAKE_FAILED, WAIT) is not None
    assert c.recv(timeout=1.0) is None
    # Nothing was stored under any partner: ggz may use the same id.
    assert_ack(daemon.client("ggz").referral(body), "accepted")


def test_many_refused_connections_then_good_client(daemon):
    bad = [daemon.client(keys=daemon.keys.pairs["stranger"], monitor=True)
           for _ in range(10)]
    bad += [daemon.client(keys=None, monitor=True) for _ in range(10)]
    for c in bad:
        try:
            c.send_raw([SIG, b"PING", b"x", b""])
        except zmq.Again:
            # Its handshake already failed and libzmq dropped the pipe:
            # the PING has nowhere to go, which is the point.
            pass
    for c in bad:
        assert c.wait_event(HANDSHAKE_FAILED, WAIT) is not None
    for c in bad:
        c.close()
    assert daemon.client("ggz").ping().status == "PONG"


def test_pong_names_the_authenticated_partner(daemon):
    vt, ggz = daemon.client("vt"), daemon.client("ggz")
    for _ in range(3):
        assert vt.ping().body["partner"] == "vt"
        assert ggz.ping().body["partner"] == "ggz"


def test_policy_follows_the_key_not_the_body(daemon):
    # vt may not send a verwijzing; ggz may. A vt body cannot claim to be
    # from ggz (unknown field), so the key decides.
    body = rrp.referral_body(kind="verwijzing")
    vt = daemon.client("vt")
    assert_nack(vt.referral(body), "forbidden")
    assert_nack(vt.referral(dict(body, partner="ggz")), "invalid_field",
                "/partner")
    assert_ack(daemon.client("ggz").referral(body), "accepted")


def test_refusals_are_logged_once_a_minute_and_counted(regied, tmp_path):
    """Logs under attack: 30 refused keys and 30 clients without CURVE
    give one log line each for their reason (the rest are summed up a
    minute later, see test_tally), and the metrics count every one."""
    prom = str(tmp_path / "regie.prom")
    d = regied({"monitoring": {"metrics_file": prom,
                               "metrics_interval_s": 1}})
    bad = [d.client(keys=d.keys.pairs["stranger"], monitor=True)
           for _ in range(30)]
    bad += [d.client(keys=None, monitor=True) for _ in range(30)]
    for c in bad:
        c.send_raw([SIG, b"PING", b"x", b""])
    for c in bad:
        assert c.wait_event(HANDSHAKE_FAILED, WAIT) is not None
        c.close()
    assert d.client("ggz").ping().status == "PONG"
    log = d.log
    assert log.count("zap: refused reason=unknown-key") == 1, log
    # Without CURVE the handshake breaks before ZAP is asked: the guard
    # logs it, once per reason.
    assert 1 <= log.count("guard: refused reason=handshake-") <= 2, log
    assert "key=" in log  # the first names the key it refused

    def counts():
        try:
            text = open(prom).read()
        except FileNotFoundError:
            return {}
        return {m.group(1): int(m.group(2)) for m in re.finditer(
            r'regie_connections_refused_total\{reason="([^"]+)"\} (\d+)',
            text)}
    wait_for(lambda: counts().get("unknown-key") == 30 and
             sum(v for k, v in counts().items()
                 if k.startswith("handshake-")) >= 30,
             what="the metrics to count every refusal")
