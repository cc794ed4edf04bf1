"""
Transport (spec section 1): ipc:// endpoints (with CURVE), several
endpoints on one database, and DEALER clients with many requests in
flight whose replies are matched by correlation id.
"""

import pytest
import zmq

import rrp
from rrp import SIG, assert_ack, assert_nack, referral_body, refs


@pytest.fixture
def both(regied):
    folder = rrp.short_tempdir()
    ipc = "ipc://%s/in.sock" % folder
    tcp = "tcp://127.0.0.1:%d" % rrp.free_tcp_port()
    d = regied(endpoints=[tcp, ipc], folder=folder)
    yield d, tcp, ipc
    rrp.assert_clean_stop(d)


def test_ack_over_ipc_and_duplicate_over_tcp(both):
    d, tcp, ipc = both
    c = d.client("ggz", endpoint=ipc)
    pong = c.ping()
    assert pong.status == "PONG" and pong.body["partner"] == "ggz"
    body = referral_body()
    a = assert_ack(c.referral(body), "accepted")
    again = assert_ack(d.client("ggz", endpoint=tcp).referral(body),
                       "duplicate")
    assert refs(again) == refs(a)


def test_ipc_only_daemon(regied):
    folder = rrp.short_tempdir()
    d = regied(endpoints=["ipc://%s/only.sock" % folder], folder=folder)
    c = d.client("vt")
    assert c.ping().body["partner"] == "vt"
    assert_ack(c.referral(referral_body()), "accepted")
    assert d.stop() == 0


def test_unknown_key_refused_over_ipc(both):
    d, tcp, ipc = both
    c = d.client(keys=d.keys.pairs["stranger"], endpoint=ipc, monitor=True)
    c.send_raw([SIG, b"PING", b"ipc-x", b""])
    ev = c.wait_event({zmq.EVENT_HANDSHAKE_FAILED_AUTH,
                       zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
                       zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL}, 10)
    assert ev is not None, c.drain_events()
    assert zmq.EVENT_HANDSHAKE_SUCCEEDED not in c.drain_events()
    assert c.recv(timeout=1.0) is None
    assert d.client("ggz", endpoint=ipc).ping().status == "PONG"


@pytest.fixture
def daemon(regied):
    d = regied()
    yield d
    rrp.assert_clean_stop(d)


def test_dealer_replies_matched_by_correlation_id(daemon):
    c = daemon.client("ggz", dealer=True, timeout=20)
    expect = {}
    for i in range(60):
        corr = b"m-%03d" % i
        k = i % 4
        if k == 0:
            c.send_raw([SIG, b"PING", corr, b""])
            expect[corr] = ("PONG", None)
        elif k == 1:
            body = referral_body()
            c.send_raw([SIG, b"REFERRAL", corr, rrp.encode(body)])
            expect[corr] = ("ACK", body["external_id"])
        elif k == 2:
            c.send_raw([SIG, b"REFERRAL", corr, b"{"])
            expect[corr] = ("NACK", "bad_json")
        else:
            body = referral_body(subject="123")
            c.send_raw([SIG, b"REFERRAL", corr, rrp.encode(body)])
            expect[corr] = ("NACK", "invalid_bsn")
    referrals = set()
    while expect:
        r = c.recv()
        assert r is not None, "unanswered: %r" % sorted(expect)
        assert r.corr in expect, "reply to an unknown id: %r" % r
        status, what = expect.pop(r.corr)
        if status == "PONG":
            assert r.status == "PONG" and r.body["partner"] == "ggz", r
        elif status == "ACK":
            referrals.add(assert_ack(r, "accepted")["referral"])
        else:
            assert_nack(r, what)
    assert len(referrals) == 15


def test_several_dealers_get_only_their_own_replies(daemon):
    dealers = [daemon.client(p, dealer=True, timeout=20)
               for p in ("ggz", "vt", "ggz")]
    for n, c in enumerate(dealers):
        for i in range(20):
            c.send_raw([SIG, b"PING", b"d%d-%d" % (n, i), b""])
    for n, c in enumerate(dealers):
        want = {b"d%d-%d" % (n, i) for i in range(20)}
        while want:
            r = c.recv()
            assert r is not None and r.corr in want, r
            want.discard(r.corr)
            assert r.body["partner"] == ("vt" if n == 1 else "ggz")


def test_same_referral_twice_in_flight(daemon):
    c = daemon.client("ggz", dealer=True)
    body = referral_body()
    c.send_raw([SIG, b"REFERRAL", b"first", rrp.encode(body)])
    c.send_raw([SIG, b"REFERRAL", b"second", rrp.encode(body)])
    replies = {}
    for _ in range(2):
        r = c.recv()
        assert r is not None
        replies[r.corr] = r
    first = assert_ack(replies[b"first"], "accepted")
    second = assert_ack(replies[b"second"], "duplicate")
    assert refs(first) == refs(second)


def test_same_external_id_other_value_in_flight(daemon):
    c = daemon.client("ggz", dealer=True)
    body = referral_body()
    other = dict(body, note="een andere tekst")
    c.send_raw([SIG, b"REFERRAL", b"first", rrp.encode(body)])
    c.send_raw([SIG, b"REFERRAL", b"second", rrp.encode(other)])
    replies = {}
    for _ in range(2):
        r = c.recv()
        assert r is not None
        replies[r.corr] = r
    assert_ack(replies[b"first"], "accepted")
    assert_nack(replies[b"second"], "conflict")


def test_req_client_with_req_correlate(daemon):
    # REQ_CORRELATE + REQ_RELAXED is how a REQ client resends after a
    # timeout without mistaking a late reply; REQ puts a request id frame
    # in the envelope, and the reply must carry the same envelope back.
    c = daemon.client("ggz", req_correlate=True)
    r = c.ping()
    assert r is not None, "no reply accepted by a REQ_CORRELATE socket"
    assert r.status == "PONG"
    assert_ack(c.referral(referral_body()), "accepted")


def test_envelope_with_address_frames_is_echoed(daemon):
    # A client behind a ROUTER/DEALER proxy: the envelope holds address
    # frames before the empty delimiter; "replies carry the same
    # envelope".
    c = daemon.client("ggz", dealer=True, delimiter=False)
    c.send_raw([b"hop-1", b"hop-2", b"", SIG, b"PING", b"via-proxy", b""])
    frames = c.recv_raw()
    assert frames is not None, "no reply"
    assert frames[:3] == [b"hop-1", b"hop-2", b""], frames
    r = rrp.Reply(frames[3:])
    assert r.status == "PONG" and r.corr == b"via-proxy", r


def test_req_client_many_requests_in_sequence(daemon):
    c = daemon.client("vt")
    for i in range(50):
        assert c.ping().status == "PONG"
        assert_ack(c.referral(referral_body()), "accepted")
