"""
RRP/1 framing, commands, sizes and JSON (spec sections 2, 2.2, 5, 6):
NACK bad_frame, unknown_command, too_large, bad_json, and PONG.
One daemon (default configuration) serves the whole module.
"""

import json

import pytest
import zmq

import rrp
from rrp import SIG, assert_ack, assert_nack, referral_body


@pytest.fixture(scope="module")
def daemon(regied_module):
    d = regied_module()
    yield d
    rrp.assert_clean_stop(d)


@pytest.fixture
def client(daemon):
    c = daemon.client("ggz")
    yield c
    c.close()


# ---------------------------------------------------------------- PING

def test_ping_pong_names_version_and_partner(client):
    r = client.ping()
    assert r is not None and r.status == "PONG", r
    assert isinstance(r.body.get("version"), str) and r.body["version"]
    assert r.body.get("partner") == "ggz"


@pytest.mark.parametrize("corr", [b"x", b"\x00\xff" * 32,
                                  bytes(range(64)), b"z" * 64],
                         ids=["1-byte", "64-binary", "64-all-bytes", "64"])
def test_correlation_id_is_echoed_exactly(client, corr):
    r = client.request(b"PING", b"", corr=corr)
    assert r is not None and r.status == "PONG", r
    assert r.corr == corr


# ------------------------------------------------------------ bad_frame

@pytest.mark.parametrize("frames", [
    [SIG],
    [SIG, b"PING"],
    [SIG, b"PING", b"c3"],
    [SIG, b"PING", b"c5", b"", b"extra"],
    [SIG, b"REFERRAL", b"c6", b"{}", b"", b""],
], ids=["1-frame", "2-frames", "3-frames", "5-frames", "6-frames"])
def test_wrong_number_of_frames_is_bad_frame(client, frames):
    client.send_raw(frames)
    r = client.recv()
    assert_nack(r, "bad_frame")
    # The correlation id is echoed when it could be read, else empty.
    corr = frames[2] if len(frames) > 2 else b""
    assert r.corr in (b"", corr), r


@pytest.mark.parametrize("sig", [b"RRP2", b"rrp1", b"RRP", b"RRP1 ", b"",
                                 b"\x00\x00\x00\x00"])
def test_wrong_signature_is_bad_frame(client, sig):
    client.send_raw([sig, b"PING", b"sig-corr", b""])
    r = client.recv()
    assert_nack(r, "bad_frame")
    assert r.corr in (b"", b"sig-corr"), r


@pytest.mark.parametrize("command", [b"PING", b"REFERRAL"])
def test_empty_correlation_id_is_bad_frame_with_empty_id(client, command):
    body = b"" if command == b"PING" else rrp.encode(referral_body())
    client.send_raw([SIG, command, b"", body])
    r = client.recv()
    assert_nack(r, "bad_frame")
    assert r.corr == b""


def test_correlation_id_of_65_bytes_is_bad_frame(client):
    corr = b"k" * 65
    client.send_raw([SIG, b"PING", corr, b""])
    r = client.recv()
    assert_nack(r, "bad_frame")
    assert r.corr in (b"", corr), r


def test_bad_frame_referral_is_not_stored(daemon, client):
    body = referral_body()
    client.send_raw([b"RRP0", b"REFERRAL", b"b1", rrp.encode(body)])
    assert_nack(client.recv(), "bad_frame")
    assert_ack(client.referral(body), "accepted")


# ------------------------------------------------------ unknown_command

@pytest.mark.parametrize("command", [b"referral", b"report", b"FOO",
                                     b"Ping", b"PING ", b"REFERRALS",
                                     b"ACK", b"\xff\xfe", b""])
def test_unknown_command(client, command):
    r = client.request(command, referral_body())
    assert_nack(r, "unknown_command")


def test_report_for_no_agreement_is_unknown_agreement(client):
    body = {"external_id": rrp.new_external_id(), "agreement": "A-000001",
            "period": "2026-W47", "count": 3, "status": "delivered"}
    r = client.request(b"REPORT", body)
    assert_nack(r, "unknown_agreement", "/agreement")


# ------------------------------------------------------------ too_large

def padded(body, size):
    """body as JSON padded with spaces to exactly size bytes."""
    raw = rrp.encode(body)
    assert len(raw) < size
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


def test_body_of_exactly_body_bytes_is_accepted(client):
    raw = padded(referral_body(), 65536)
    assert len(raw) == 65536 and json.loads(raw)
    assert_ack(client.referral(raw), "accepted")


@pytest.mark.parametrize("size", [65537, 100000, 131072 - 100])
def test_body_over_body_bytes_is_too_large(client, size):
    body = referral_body()
    r = client.referral(padded(body, size))
    assert_nack(r, "too_large")
    # Nothing was stored: the same external_id is free.
    assert_ack(client.referral(body), "accepted")


def test_ping_with_body_over_limit_is_too_large(client):
    assert_nack(client.request(b"PING", b" " * 70000), "too_large")


def test_configured_body_limit_is_honoured(regied):
    d = regied({"limits": {"body_bytes": 2048, "message_bytes": 8192}})
    c = d.client("ggz")
    assert_ack(c.referral(padded(referral_body(), 2048)), "accepted")
    assert_nack(c.referral(padded(referral_body(), 2049)), "too_large")
    assert_nack(c.referral(padded(referral_body(), 8000)), "too_large")


def test_configured_message_limit_drops_and_disconnects(regied):
    d = regied({"limits": {"body_bytes": 2048, "message_bytes": 8192}})
    c = d.client("ggz", monitor=True)
    assert c.ping().status == "PONG"
    c.send_raw([SIG, b"REFERRAL", b"big", b"{" + b" " * 20000 + b"}"])
    # ZeroMQ drops a frame over ZMQ_MAXMSGSIZE and disconnects the peer.
    ev = c.wait_event({zmq.EVENT_DISCONNECTED}, 10)
    assert ev is not None, "no disconnect; events %r" % c.drain_events()
    assert c.recv(timeout=0.5) is None
    assert d.client("ggz").ping().status == "PONG"


# ------------------------------------------------------------- bad_json

def full_raw(**replace):
    """A valid referral as JSON text, with raw JSON snippets replacing the
    values of some top-level fields."""
    body = referral_body()
    text = rrp.encode(body).decode()
    for k, raw in replace.items():
        old = json.dumps(body[k], ensure_ascii=False)
        assert text.count(old) == 1
        text = text.replace(old, raw)
    return text.encode("utf-8")


BAD_JSON = {
    "empty": b"",
    "whitespace": b"  \n ",
    "not-json": b"this is not json",
    "array": b'[{"external_id": "x"}]',
    "string": b'"referral"',
    "number": b"42",
    "null": b"null",
    "true": b"true",
    "truncated": b'{"external_id": "T-1", "kind": ',
    "trailing-comma": b'{"external_id": "T-1",}',
    "single-quotes": b"{'external_id': 'T-1'}",
    "two-objects": b'{"a": 1}{"b": 2}',
    "trailing-garbage": None,       # filled below
    "escaped-nul": None,
    "raw-nul-in-string": None,
    "invalid-utf8": None,
    "overlong-utf8": None,
    "lone-surrogate": None,
    "utf16": None,
    "duplicate-key": None,
    "duplicate-key-nested": None,
    "deep-nesting": b"[" * 30000 + b"]" * 30000,
}


def bad_json_body(name):
    if BAD_JSON[name] is not None:
        return BAD_JSON[name]
    if name == "trailing-garbage":
        return rrp.encode(referral_body()) + b" x"
    if name == "escaped-nul":
        return full_raw(note='"a\\u0000b"')
    if name == "raw-nul-in-string":
        return full_raw(note='"a\x00b"')
    if name == "invalid-utf8":
        return full_raw(note='"@@"').replace(b"@@", b"\xff\xfe")
    if name == "overlong-utf8":
        return full_raw(note='"@@"').replace(b"@@", b"\xc0\xaf")
    if name == "lone-surrogate":
        return full_raw(note='"\\ud800"')
    if name == "utf16":
        return rrp.encode(referral_body()).decode().encode("utf-16")
    if name == "duplicate-key":
        return full_raw(kind='"melding", "kind": "signaal"')
    if name == "duplicate-key-nested":
        s = referral_body()
        text = rrp.encode(s).decode()
        bsn = s["subject"]["bsn"]
        text = text.replace('"bsn": "%s"' % bsn,
                            '"bsn": "%s", "bsn": "%s"' % (bsn, bsn))
        return text.encode()
    raise KeyError(name)


@pytest.mark.parametrize("name", list(BAD_JSON))
def test_bad_json(client, name):
    r = client.referral(bad_json_body(name))
    assert_nack(r, "bad_json")


def test_deeply_nested_object_is_refused(client):
    # jansson stops at depth 2048 (bad_json); a parser without a limit
    # sees an unknown field "a" (invalid_field). Either way: no crash.
    raw = b'{"a":' * 10000 + b"1" + b"}" * 10000
    r = client.referral(raw)
    assert r is not None and r.status == "NACK", r
    assert r.body["error"] in ("bad_json", "invalid_field"), r
    assert client.ping().status == "PONG"


def test_bad_json_is_not_stored(client):
    body = referral_body()
    raw = rrp.encode(body)
    assert_nack(client.referral(raw + b","), "bad_json")
    assert_ack(client.referral(raw), "accepted")


def test_daemon_answers_after_every_kind_of_nack(client):
    assert client.ping().status == "PONG"
