"""
rrp — a small RRP/1 client and a regied process wrapper for the
integration tests (black-box tests of ../../../shared/spec/rrp.md).

What it holds:
  - BSN and external_id generators (fictional 999... numbers that pass the
    elfproef), referral bodies and JSON Pointer mutations of them;
  - Client: a REQ or DEALER socket with CURVE keys that speaks RRP/1;
  - Reply and the assert_ack / assert_nack checks of a reply's shape;
  - render_config: libconfig text from a dict; Daemon: one regied process
    in its own short temporary folder, with start / stop / kill / restart.
Nothing here sleeps to synchronise: every wait asks (a PING, a poll, a
process wait) and is bounded by a timeout.
"""

import atexit
import copy
import datetime
import hashlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import zmq
from zmq.utils.monitor import recv_monitor_message

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / os.environ.get("BUILD", "build")
REGIED = BUILD / "regied"
KEYGEN = BUILD / "regie-keygen"

CTX = zmq.Context.instance()

SIG = b"RRP1"
# Upper bounds only (nothing waits for them when all is well); longer
# under ASan/UBSan ("make check-asan" sets REGIE_SANITIZED).
SLOW = 3.0 if os.environ.get("REGIE_SANITIZED") else 1.0
DEFAULT_TIMEOUT = 5.0 * SLOW
READY_TIMEOUT = 15.0 * SLOW
STOP_TIMEOUT = 15.0 * SLOW

NACK_RETRY = {
    "bad_frame": False, "unknown_command": False, "too_large": False,
    "bad_json": False, "invalid_field": False, "invalid_bsn": False,
    "conflict": False, "forbidden": False, "unknown_agreement": False,
    "unavailable": True,
}

KINDS = ["melding", "verwijzing", "aanmelding", "signaal"]
URGENCIES = ["normaal", "urgent", "crisis"]
CATEGORIES = ["huiselijk_geweld", "kindermishandeling", "ggz", "verslaving",
              "schulden", "huisvesting", "inkomen", "jeugd", "overig"]

# --------------------------------------------------------------- BSNs, ids

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def elfproef_sum(digits):
    """The weighted sum of a 9-digit string."""
    return sum(w * int(d) for w, d in zip(WEIGHTS, digits))


def is_valid_bsn(text):
    """A BSN by the spec: 9 digits, elfproef, not all zeros."""
    return (len(text) == 9 and text.isascii() and text.isdigit()
            and text != "000000000" and elfproef_sum(text) % 11 == 0)


def _bsn_source():
    # The fictional test range first (9999xxxxx), then the rest of 999...,
    # then 990... to 998... (about 900,000 in all: the long fault runs
    # use a few hundred thousand).
    for start, stop in ((999900000, 1000000000), (999000000, 999900000),
                        (990000000, 999000000)):
        for n in range(start, stop):
            text = "%09d" % n
            if is_valid_bsn(text):
                yield text


_bsn_iter = _bsn_source()
_bsn_lock = threading.Lock()


def new_bsn():
    """A fresh valid fictional BSN, never returned before in this run."""
    with _bsn_lock:
        return next(_bsn_iter)


def failing_elfproef(bsn):
    """bsn with its last digit changed so that the elfproef fails."""
    head = bsn[:8]
    for d in "0123456789":
        cand = head + d
        if cand != bsn and elfproef_sum(cand) % 11 != 0:
            return cand
    raise AssertionError("unreachable")


_id_counter = itertools.count(1)
_run_tag = "%x" % (int(time.time() * 1000) % 0xFFFFFF)


def new_external_id(prefix="T"):
    """An external_id unique in this test run."""
    return "%s-%s-%06d" % (prefix, _run_tag, next(_id_counter))


def new_corr():
    """A fresh correlation id (bytes)."""
    return b"c%d" % next(_id_counter)


# ------------------------------------------------------------ bodies

def referral_body(subject=None, household=None, external_id=None, **extra):
    """A complete valid referral (every optional field set), allowed for
    every configured partner (kind melding, category kindermishandeling,
    postcode inside 6700-6709). subject: a BSN (default fresh); household:
    a list of BSNs (default none). extra: fields to set or replace."""
    body = {
        "external_id": external_id or new_external_id(),
        "kind": "melding",
        "category": "kindermishandeling",
        "urgency": "normaal",
        "subject": {"bsn": subject or new_bsn(), "birth_date": "2014-03-02"},
        "household": [{"bsn": b} for b in (household or [])],
        "postcode": "6708 PB",
        "contact": {"name": "J. de Vries", "email": "j.devries@vt.example",
                    "phone": "+31 88 000 0000"},
        "occurred_at": "2026-11-20T10:15:00+01:00",
        "note": "vrije tekst voor het kernteam",
    }
    body.update(extra)
    return body


def minimal_body(subject=None, external_id=None):
    """A valid referral with only the required fields."""
    return {
        "external_id": external_id or new_external_id(),
        "kind": "melding",
        "category": "kindermishandeling",
        "subject": {"bsn": subject or new_bsn()},
        "contact": {"name": "J. de Vries", "email": "j.devries@vt.example"},
    }


DELETE = object()


def mutate(body, pointer, value):
    """A deep copy of body with the JSON Pointer set to value (or removed
    when value is DELETE). Intermediate objects must exist."""
    body = copy.deepcopy(body)
    parts = [p.replace("~1", "/").replace("~0", "~")
             for p in pointer.split("/")[1:]]
    node = body
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    last = parts[-1]
    if isinstance(node, list):
        last = int(last)
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return body


def encode(body):
    """Request body bytes: a dict as compact UTF-8 JSON, str as UTF-8,
    bytes as they are."""
    if isinstance(body, (dict, list)):
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    if isinstance(body, str):
        return body.encode("utf-8")
    return body


def bsns_of(body):
    """Every BSN named in a referral body."""
    out = [body["subject"]["bsn"]]
    out += [m["bsn"] for m in body.get("household", [])]
    return out


# ------------------------------------------------------------ replies

class Reply:
    """A parsed reply; asserts the reply shape of spec section 2."""

    def __init__(self, frames):
        self.frames = frames
        assert len(frames) == 4, "a reply has 4 frames, got %r" % (frames,)
        sig, status, corr, body = frames
        assert sig == SIG, "reply signature %r" % sig
        self.status = status.decode("ascii", "replace")
        assert self.status in ("ACK", "NACK", "PONG"), \
            "reply status %r" % self.status
        self.corr = corr
        self.raw_body = body
        try:
            self.body = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError("reply body is not JSON: %r (%s)"
                                 % (body, e))
        assert isinstance(self.body, dict), \
            "reply body is not an object: %r" % body

    def __repr__(self):
        return "Reply(%s, corr=%r, %s)" % (self.status, self.corr,
                                           json.dumps(self.body))


def assert_nack(reply, error, field=None):
    """Asserts reply is NACK error with the spec's retry flag and, when
    field is given (a pointer or a set of acceptable pointers), that field.
    Returns the body."""
    assert reply is not None, "no reply (expected NACK %s)" % error
    assert reply.status == "NACK", "expected NACK %s, got %r" % (error, reply)
    b = reply.body
    assert b.get("error") == error, "expected NACK %s, got %r" % (error, reply)
    assert b.get("retry") is NACK_RETRY[error], \
        "NACK %s must have retry %s: %r" % (error, NACK_RETRY[error], reply)
    if "message" in b:
        assert isinstance(b["message"], str), reply
    if field is not None:
        ok = {field} if isinstance(field, str) else set(field)
        assert b.get("field") in ok, \
            "NACK %s: field must be %s, got %r" % (error, sorted(ok), reply)
    return b


def assert_ack(reply, status="accepted"):
    """Asserts reply is a REFERRAL ACK of the spec's shape with this status
    (None: either). Returns the body."""
    assert reply is not None, "no reply (expected ACK)"
    assert reply.status == "ACK", "expected ACK, got %r" % (reply,)
    b = reply.body
    if status is None:
        assert b.get("status") in ("accepted", "duplicate"), reply
    else:
        assert b.get("status") == status, \
            "expected ACK %s, got %r" % (status, reply)
    for k in ("referral", "case"):
        assert isinstance(b.get(k), str) and b[k], \
            "ACK without %s reference: %r" % (k, reply)
    assert b.get("case_status") in ("new", "unassigned", "assigned"), reply
    assert "regisseur" in b, "ACK without regisseur: %r" % (reply,)
    assert b["regisseur"] is None or isinstance(b["regisseur"], dict), reply
    return b


def refs(body):
    """The stable references of an ACK body."""
    return (body["referral"], body["case"])


# ------------------------------------------------------------ client

class Client:
    """One RRP/1 client socket: REQ (default) or DEALER (sends the empty
    delimiter itself). With keys=None the socket has no CURVE at all.
    monitor=True records socket events for wait_event()."""

    def __init__(self, endpoint, server_public=None, keys=None, dealer=False,
                 timeout=DEFAULT_TIMEOUT, monitor=False, delimiter=True,
                 req_correlate=False):
        self.endpoint = endpoint
        self.dealer = dealer
        self.delimiter = delimiter
        self.timeout = timeout
        self.sock = CTX.socket(zmq.DEALER if dealer else zmq.REQ)
        self.sock.linger = 0
        self.sock.sndtimeo = int(timeout * 1000)
        self.sock.sndhwm = 100000
        self.sock.rcvhwm = 100000
        if not dealer:
            # Lets a test send again after a lost reply. Only
            # req_correlate adds a frame (a request id) to the envelope.
            self.sock.setsockopt(zmq.REQ_RELAXED, 1)
            if req_correlate:
                self.sock.setsockopt(zmq.REQ_CORRELATE, 1)
        if keys is not None:
            public, secret = keys
            self.sock.curve_serverkey = server_public.encode()
            self.sock.curve_publickey = public.encode()
            self.sock.curve_secretkey = secret.encode()
        self.mon = None
        self.events = []
        if monitor:
            self.mon = self.sock.get_monitor_socket()
        self.sock.connect(endpoint)

    # raw frames -----------------------------------------------------
    def send_raw(self, frames):
        """Sends frames after the envelope (DEALER: the delimiter first,
        unless delimiter=False)."""
        frames = list(frames)
        if self.dealer and self.delimiter:
            frames = [b""] + frames
        self.sock.send_multipart(frames, copy=True)

    def recv_raw(self, timeout=None):
        """The frames of the next reply after the envelope, or None when
        nothing comes within timeout seconds."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left < 0 or not self.sock.poll(int(left * 1000), zmq.POLLIN):
                return None
            try:
                # A REQ socket with REQ_CORRELATE polls readable for a
                # reply it then discards: never block in recv.
                frames = self.sock.recv_multipart(zmq.NOBLOCK)
                break
            except zmq.Again:
                continue
        if self.dealer and self.delimiter:
            assert frames and frames[0] == b"", \
                "reply envelope lacks the empty delimiter: %r" % (frames,)
            frames = frames[1:]
        return frames

    def recv(self, timeout=None):
        """The next reply as Reply, or None on timeout."""
        frames = self.recv_raw(timeout)
        return None if frames is None else Reply(frames)

    # requests -------------------------------------------------------
    def request(self, command, body=b"", corr=None, sig=SIG, timeout=None):
        """Sends one request and returns its Reply (None on timeout). The
        reply must echo corr."""
        corr = new_corr() if corr is None else corr
        self.send_raw([sig, command, corr, encode(body)])
        reply = self.recv(timeout)
        if reply is not None and corr:
            assert reply.corr == corr, \
                "reply correlation id %r, sent %r" % (reply.corr, corr)
        return reply

    def ping(self, timeout=None):
        return self.request(b"PING", b"", timeout=timeout)

    def referral(self, body, timeout=None, corr=None):
        return self.request(b"REFERRAL", body, corr=corr, timeout=timeout)

    # monitor --------------------------------------------------------
    def wait_event(self, wanted, timeout):
        """Waits up to timeout seconds for one of the events in wanted (a
        set of zmq.EVENT_* values); returns it or None. Every event seen is
        kept in self.events."""
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev["event"] in wanted:
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self.mon.poll(int(left * 1000) + 1):
                self.events.append(recv_monitor_message(self.mon))

    def drain_events(self):
        while self.mon is not None and self.mon.poll(0):
            self.events.append(recv_monitor_message(self.mon))
        return [e["event"] for e in self.events]

    def close(self):
        if self.mon is not None:
            try:
                self.sock.disable_monitor()
            except zmq.ZMQError:
                pass
            self.mon.close(0)
            self.mon = None
        self.sock.close(0)


# ------------------------------------------------------------ keys

class Keys:
    """Keys made with regie-keygen in one folder: the server's CURVE pair,
    the pseudonym key, and one CURVE pair per partner (and per stranger,
    a key that no configuration names)."""

    def __init__(self, folder, partners=("vt", "ggz"),
                 strangers=("stranger",)):
        self.folder = Path(folder)
        self.server_key = self.folder / "server.key"
        self.server_public = self.curve(self.folder / "server")
        self.pseudonym_key = self.folder / "pseudonym.key"
        run([str(KEYGEN), "pseudonym", str(self.pseudonym_key)])
        self.pairs = {}
        for name in list(partners) + list(strangers):
            base = self.folder / name
            public = self.curve(base)
            secret = (self.folder / (name + ".key")).read_text().strip()
            self.pairs[name] = (public, secret)

    @staticmethod
    def curve(base):
        out = run([str(KEYGEN), "curve", str(base)]).stdout.strip()
        pub = Path(str(base) + ".pub").read_text().strip()
        assert len(pub) == 40 and (not out or out == pub), (out, pub)
        return pub


def run(argv, check=True, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (argv, p.returncode,
                                                   p.stderr))
    return p


_TEMPDIRS = []


def _remove_tempdirs():
    for d in _TEMPDIRS:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_remove_tempdirs)


def short_tempdir():
    """A new short folder in /tmp (ipc:// paths are limited to ~107
    bytes), removed when the test run ends."""
    d = tempfile.mkdtemp(prefix="rg", dir="/tmp")
    _TEMPDIRS.append(d)
    return d


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------ config

def _lc_value(v, indent):
    pad = "    " * indent
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (str, Path)):
        s = str(v).replace("\\", "\\\\").replace('"', '\\"')
        return '"%s"' % s
    if isinstance(v, dict):
        lines = ["{"]
        for k, x in v.items():
            lines.append("%s    %s = %s;" % (pad, k, _lc_value(x, indent + 1)))
        lines.append(pad + "}")
        return "\n".join(lines)
    if isinstance(v, list):
        if v and all(isinstance(x, dict) for x in v):
            items = [pad + "    " + _lc_value(x, indent + 1) for x in v]
            return "(\n" + ",\n".join(items) + "\n" + pad + ")"
        return "[ " + ", ".join(_lc_value(x, indent) for x in v) + " ]"
    raise TypeError("cannot render %r" % (v,))


def render_config(cfg):
    """libconfig text for a dict: dicts are groups, lists of dicts are
    lists, other lists are arrays. One setting per line."""
    out = ["# written by tests/integration/rrp.py"]
    for k, v in cfg.items():
        out.append("%s = %s;" % (k, _lc_value(v, 0)))
    return "\n".join(out) + "\n"


def deep_merge(base, over):
    """base updated with over: dicts merge, DELETE removes, the rest
    replaces. Returns a new dict."""
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if v is DELETE:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def default_config(keys, folder, endpoints):
    """The configuration every test starts from: absolute paths, the
    default limits and categories, partners vt (restricted kinds and
    categories, disclose) and ggz (no restrictions, no disclosure)."""
    return {
        "daemon": {
            "intake": list(endpoints),
            "server_secret_key": str(keys.server_key),
            "database": str(Path(folder) / "regie.db"),
            "pseudonym_key": str(keys.pseudonym_key),
            "log_level": "info",
            "busy_timeout_ms": 2000,
            "max_database_mb": 0,
        },
        "limits": {"body_bytes": 65536, "message_bytes": 131072,
                   "household": 20, "batch": 512},
        "categories": list(CATEGORIES),
        "partners": [
            {"id": "vt", "name": "Veilig Thuis Gelderland-Midden",
             "public_key": keys.pairs["vt"][0],
             "contact": "Functioneel beheer <beheer@vt.example>",
             "disclose_regisseur": True,
             "kinds": ["melding", "signaal"],
             "categories": ["huiselijk_geweld", "kindermishandeling",
                            "jeugd", "overig"]},
            {"id": "ggz", "name": "GGZ Gelderland",
             "public_key": keys.pairs["ggz"][0],
             "contact": "ICT servicedesk <servicedesk@ggz.example>",
             "disclose_regisseur": False},
        ],
    }


# ------------------------------------------------------------ daemon

class DaemonExited(AssertionError):
    pass


class Daemon:
    """One regied in its own short temporary folder. overrides are merged
    into default_config; config_text replaces the rendered file entirely.
    The log (stdout and stderr of every run) is kept in <dir>/regied.log."""

    def __init__(self, keys, overrides=None, endpoints=None, folder=None,
                 config_text=None):
        self.keys = keys
        self.dir = Path(folder or short_tempdir())
        self.endpoints = endpoints or [
            "tcp://127.0.0.1:%d" % free_tcp_port()]
        self.config = deep_merge(default_config(keys, self.dir,
                                                self.endpoints), overrides)
        self.config_path = self.dir / "regie.conf"
        self.config_path.write_text(config_text or render_config(self.config))
        db = Path(self.config["daemon"]["database"])
        self.db_path = db if db.is_absolute() else self.dir / db
        self.log_path = self.dir / "regied.log"
        self.proc = None
        self.returncodes = []
        self.clients = []
        # The daemon runs elsewhere than its config folder, so relative
        # paths must be resolved against the config file's folder.
        self.cwd = keys.folder

    @property
    def endpoint(self):
        return self.endpoints[0]

    @property
    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait=True):
        assert not self.running
        assert REGIED.exists(), "%s is not built" % REGIED
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                [str(REGIED), "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                cwd=str(self.cwd))
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Waits until a PING gets a PONG (new socket per attempt)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise DaemonExited("regied exited %s before it was ready; "
                                   "log:\n%s" % (self.proc.returncode,
                                                 self.log))
            c = Client(self.endpoint, self.keys.server_public,
                       self.keys.pairs["ggz"], timeout=0.25)
            try:
                c.send_raw([SIG, b"PING", b"ready", b""])
                r = c.recv_raw(0.25)
            finally:
                c.close()
            if r is not None and len(r) == 4 and r[1] == b"PONG":
                return
            if time.monotonic() > deadline:
                raise AssertionError("regied did not answer PING within "
                                     "%ss; log:\n%s" % (timeout, self.log))

    def client(self, partner="ggz", dealer=False, endpoint=None,
               timeout=DEFAULT_TIMEOUT, monitor=False, keys="partner",
               delimiter=True, req_correlate=False):
        """A client of this daemon as partner (a name in keys.pairs). keys:
        "partner" (the partner's pair), None (no CURVE), or a (public,
        secret) pair."""
        pair = self.keys.pairs[partner] if keys == "partner" else keys
        c = Client(endpoint or self.endpoint, self.keys.server_public, pair,
                   dealer=dealer, timeout=timeout, monitor=monitor,
                   delimiter=delimiter, req_correlate=req_correlate)
        self.clients.append(c)
        return c

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM and wait; returns the exit status (tests assert 0)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("regied did not exit within %ss of "
                                 "SIGTERM; log:\n%s" % (timeout, self.log))
        self.returncodes.append(rc)
        return rc

    def kill(self):
        """SIGKILL and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.returncodes.append(self.proc.returncode)

    def restart(self):
        """Stops (SIGTERM, must exit 0) if running, then starts again on
        the same configuration and database and waits until ready."""
        if self.running:
            rc = self.stop()
            assert rc == 0, "regied exited %s on SIGTERM; log:\n%s" % (
                rc, self.log)
        return self.start()

    def close_clients(self):
        for c in self.clients:
            c.close()
        self.clients = []

    def cleanup(self, remove=True):
        """Closes clients, ends the process (SIGTERM, then SIGKILL), and
        removes the folder."""
        self.close_clients()
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)

    def db_files(self):
        """The database file and its -wal / -shm / -journal files."""
        out = []
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = Path(str(self.db_path) + suffix)
            if p.exists():
                out.append(p)
        return out


def assert_clean_stop(daemon):
    """For fixture teardown: a daemon still running must end with status 0
    on SIGTERM (under ASan also: no error or leak report)."""
    if daemon.running:
        daemon.close_clients()
        rc = daemon.stop()
        assert rc == 0, "regied exited %s on SIGTERM; log tail:\n%s" % (
            rc, daemon.log[-3000:])


# ------------------------------------------------------------ misc

def sha256_forms(bsn):
    """Unkeyed hashes of a BSN as they might be stored (hex and raw)."""
    d = hashlib.sha256(bsn.encode()).digest()
    return [d, d.hex().encode(), d.hex().upper().encode()]


DAEMON_ZONE = "Europe/Amsterdam"   # regied's default `timezone`


def today():
    """Today's date where the daemon lives: its dates (--from, --to, --since,
    a due date) are days in its configured zone, which is not this host's
    at night (23:30 UTC is already tomorrow in Amsterdam)."""
    import zoneinfo
    return datetime.datetime.now(zoneinfo.ZoneInfo(DAEMON_ZONE)).date()
