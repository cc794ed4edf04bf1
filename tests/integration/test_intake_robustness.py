"""
Robustness of the intake (spec section 2: "it never crashes or stops
serving because of what a client sends"; TRAPS on ROUTER and
ZMQ_MAXMSGSIZE): malformed traffic of every kind, clients that vanish or
stop reading, and many concurrent clients.
"""

import random
import socket
import threading
import time

import pytest
import zmq

import rrp
from rrp import SIG, assert_ack, assert_nack, new_bsn, referral_body


@pytest.fixture
def daemon(regied):
    d = regied()
    yield d
    rrp.assert_clean_stop(d)


def still_serving(daemon, timeout=5.0):
    c = daemon.client("ggz", timeout=timeout)
    r = c.ping()
    assert r is not None and r.status == "PONG", \
        "daemon stopped answering PING; log:\n%s" % daemon.log[-3000:]
    assert daemon.running
    body = referral_body()
    assert_ack(c.referral(body), "accepted")
    c.close()


def test_burst_of_random_frames(daemon):
    rnd = random.Random(20261122)
    dealer = daemon.client("ggz", dealer=True, delimiter=False)
    req = daemon.client("vt")
    for i in range(400):
        n = rnd.randint(1, 8)
        frames = [rnd.randbytes(rnd.choice([0, 1, 4, 16, 64, 300]))
                  for _ in range(n)]
        if rnd.random() < 0.3:
            frames[0] = SIG
        if rnd.random() < 0.3 and n > 1:
            frames[1] = rnd.choice([b"PING", b"REFERRAL", b"REPORT"])
        if rnd.random() < 0.5:
            frames = [b""] + frames     # a REQ-like envelope
        dealer.send_raw(frames)
    for i in range(100):
        frames = [rnd.randbytes(rnd.randint(0, 100))
                  for _ in range(rnd.randint(1, 6))]
        req.send_raw(frames)
        # REQ envelope, so the daemon can attribute it: it must answer.
        r = req.recv_raw(timeout=5)
        assert r is not None, "no reply to %r" % (frames,)
    still_serving(daemon)


def test_random_bytes_on_the_tcp_port(daemon):
    host, port = daemon.endpoint[len("tcp://"):].rsplit(":", 1)
    rnd = random.Random(7)
    held = []
    try:
        for i in range(30):
            s = socket.create_connection((host, int(port)), timeout=5)
            kind = i % 5
            if kind == 0:
                s.sendall(rnd.randbytes(4096))
            elif kind == 1:
                # A ZMTP 3.0 signature, then garbage.
                s.sendall(b"\xff" + b"\x00" * 8 + b"\x7f\x03\x00"
                          + rnd.randbytes(500))
            elif kind == 2:
                # Half a greeting, and the connection stays open.
                s.sendall(b"\xff\x00\x00")
                held.append(s)
                continue
            elif kind == 3:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            s.close()
        # Served while connections hang mid-handshake.
        still_serving(daemon)
    finally:
        for s in held:
            s.close()
    still_serving(daemon)


@pytest.mark.parametrize("frame", [2, 3])
def test_frame_over_message_bytes_is_dropped_and_disconnected(daemon, frame):
    c = daemon.client("ggz", monitor=True)
    assert c.ping().status == "PONG"
    frames = [SIG, b"REFERRAL", b"huge", b"{}"]
    frames[frame] = b"x" * 300000      # over limits.message_bytes
    c.send_raw(frames)
    ev = c.wait_event({zmq.EVENT_DISCONNECTED}, 10)
    assert ev is not None, "not disconnected; events %r" % c.drain_events()
    assert c.recv(timeout=0.5) is None
    still_serving(daemon)


def test_dealer_without_empty_delimiter(daemon):
    d = daemon.client("ggz", dealer=True, delimiter=False)
    for i in range(50):
        d.send_raw([SIG, b"PING", b"nodelim-%d" % i, b""])
        d.send_raw([SIG, b"REFERRAL", b"nodelim-r%d" % i,
                    rrp.encode(referral_body())])
    # The same socket, now with the delimiter, is served; replies to the
    # malformed envelopes (if any) are skipped.
    d.send_raw([b"", SIG, b"PING", b"proper", b""])
    deadline = time.monotonic() + 10
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no reply to a proper request after bad envelopes"
        frames = d.recv_raw(timeout=left)
        assert frames is not None, "no reply to a proper request"
        if frames[:1] == [b""] and frames[3:4] == [b"proper"]:
            rrp.Reply(frames[1:])
            assert frames[2] == b"PONG"
            break
    still_serving(daemon)


BAD_REQUESTS = [
    (b"REFERRAL", b"not json", "bad_json"),
    (b"REFERRAL", b"[]", "bad_json"),
    (b"REFERRAL", b"", "bad_json"),
    (b"FOO", b"{}", "unknown_command"),
    (b"REPORT", b"{}", "invalid_field"),
]


def test_hundreds_of_bad_requests_are_all_answered(daemon):
    d = daemon.client("ggz", dealer=True, timeout=30)
    expected = {}
    for i in range(600):
        corr = b"bad-%d" % i
        k = i % (len(BAD_REQUESTS) + 3)
        if k < len(BAD_REQUESTS):
            cmd, body, err = BAD_REQUESTS[k]
        elif k == len(BAD_REQUESTS):
            cmd, err = b"REFERRAL", "invalid_field"
            body = rrp.encode(dict(referral_body(), kind="x"))
        elif k == len(BAD_REQUESTS) + 1:
            cmd, err = b"REFERRAL", "invalid_bsn"
            body = rrp.encode(referral_body(subject="000000000"))
        else:
            cmd, body, err = b"PING", b"", None
        expected[corr] = err
        d.send_raw([SIG, cmd, corr, body])
    deadline = time.monotonic() + 60
    while expected:
        left = deadline - time.monotonic()
        r = d.recv(timeout=max(left, 0))
        assert r is not None, "%d requests unanswered" % len(expected)
        assert r.corr in expected, "unexpected reply %r" % r
        err = expected.pop(r.corr)
        if err is None:
            assert r.status == "PONG", r
        else:
            assert_nack(r, err)
    still_serving(daemon)


def test_clients_gone_before_their_reply(daemon):
    bodies = []
    for i in range(40):
        c = rrp.Client(daemon.endpoint, daemon.keys.server_public,
                       daemon.keys.pairs["ggz"], dealer=True)
        c.sock.linger = 2000        # the request leaves, then it is gone
        body = referral_body()
        bodies.append(body)
        c.send_raw([SIG, b"REFERRAL", b"gone-%d" % i, rrp.encode(body)])
        c.sock.close(2000)
    good = daemon.client("ggz")
    for body in bodies:
        # Stored or not: a resend is answered, accepted or duplicate.
        assert_ack(good.referral(body), None)
    still_serving(daemon)


def test_client_that_stops_reading_does_not_block_others(daemon):
    stalled = daemon.client("ggz", dealer=True)
    stalled.sock.rcvhwm = 1
    stalled.sock.setsockopt(zmq.RCVBUF, 4096)
    for i in range(20000):
        stalled.send_raw([SIG, b"PING", b"stall-%d" % i, b""])
    t0 = time.monotonic()
    still_serving(daemon, timeout=10)
    assert time.monotonic() - t0 < 10
    stalled.close()
    still_serving(daemon)


def run_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def wrap(i):
        try:
            barrier.wait(30)
            results[i] = target(i)
        except BaseException as e:    # reported by the main thread
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "threads hang"
    assert not errors, errors
    return results


def test_twenty_concurrent_clients(daemon):
    per_client = 10

    def client(i):
        partner = "vt" if i % 2 else "ggz"
        c = rrp.Client(daemon.endpoint, daemon.keys.server_public,
                       daemon.keys.pairs[partner], timeout=20)
        try:
            out = []
            for _ in range(per_client):
                out.append(assert_ack(c.referral(referral_body()),
                                      "accepted"))
            return out
        finally:
            c.close()

    results = run_threads(20, client)
    acks = [a for r in results for a in r]
    assert len(acks) == 20 * per_client
    assert len({a["referral"] for a in acks}) == len(acks)
    # Every referral was about new persons: every case is new and its own.
    assert all(a["case_status"] == "new" for a in acks)
    assert len({a["case"] for a in acks}) == len(acks)


def test_concurrent_referrals_about_one_household_share_one_case(daemon):
    s, h = new_bsn(), new_bsn()

    def client(i):
        c = rrp.Client(daemon.endpoint, daemon.keys.server_public,
                       daemon.keys.pairs["ggz"], timeout=20)
        try:
            subject, members = (s, [h]) if i % 2 else (h, [])
            return assert_ack(c.referral(referral_body(subject, members)),
                              "accepted")
        finally:
            c.close()

    acks = run_threads(20, client)
    assert len({a["case"] for a in acks}) == 1, acks
    assert sorted(a["case_status"] for a in acks) == \
        ["new"] + ["unassigned"] * 19
    assert len({a["referral"] for a in acks}) == 20


def test_concurrent_resends_of_one_referral(daemon):
    # Ten clients send the same referral at once (an adapter that
    # resent on several connections): stored once, one accepted, the
    # rest duplicates with the same references.
    body = referral_body()

    def client(i):
        c = rrp.Client(daemon.endpoint, daemon.keys.server_public,
                       daemon.keys.pairs["ggz"], timeout=20)
        try:
            return assert_ack(c.referral(body), None)
        finally:
            c.close()

    acks = run_threads(10, client)
    assert sorted(a["status"] for a in acks) == \
        ["accepted"] + ["duplicate"] * 9
    assert len({rrp.refs(a) for a in acks}) == 1


def test_pipelined_referrals_about_one_person_in_one_batch(daemon):
    # Sent back to back on one DEALER, they are likely committed in one
    # group commit; matching must still see the earlier ones.
    s = new_bsn()
    d = daemon.client("ggz", dealer=True, timeout=20)
    for i in range(30):
        d.send_raw([SIG, b"REFERRAL", b"p-%d" % i,
                    rrp.encode(referral_body(s, [new_bsn()]))])
    acks = [assert_ack(d.recv(), "accepted") for _ in range(30)]
    assert len({a["case"] for a in acks}) == 1
    assert sorted(a["case_status"] for a in acks) == \
        ["new"] + ["unassigned"] * 29
