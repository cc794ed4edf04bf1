"""
mailserver — a real SMTP server on loopback for the tests (Debian's aiosmtpd):
STARTTLS with a self-signed certificate for "localhost" made here with the
openssl command, optional AUTH, and scripted replies (451 then 250, 554,
a server that never greets). Waits ask (connect, look at what arrived)
and are bounded; nothing sleeps to synchronise.
"""

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "regie", "geheim wachtwoord"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(folder, stem, name):
    """A self-signed certificate (and key) for DNS name `name`."""
    cert = "%s/%s.pem" % (folder, stem)
    key = "%s/%s.key" % (folder, stem)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
         "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
         "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    return cert, key


def wait_ready(port, timeout=10.0):
    """Waits until the server on port answers with its 220 greeting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), 1.0) as s:
                if s.recv(512).startswith(b"220"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("SMTP server on port %d not ready" % port)


def wait_for(cond, timeout=20.0, what="the condition"):
    """Asks cond() until it is true; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.02)


class Handler:
    """Records accepted messages. rcpt_reply answers every RCPT, and the
    replies in rcpt_replies the first RCPT commands in turn; the replies
    in data_replies answer the first DATA commands in turn (None:
    accept), after which every DATA is accepted; data_script(content)
    may answer a DATA (None: the rest decide). Scripted connections:
    close_after holds the numbers (from 1) of the DATA commands after
    whose reply the server closes the connection; drop_at those that it
    takes (records) and then closes without a reply. pipelining: offer
    PIPELINING. sessions counts the sessions (the EHLO after STARTTLS,
    or every EHLO without TLS); each message records its session."""

    def __init__(self, rcpt_reply=None, data_reply=None, data_replies=(),
                 rcpt_replies=(), data_script=None, close_after=(),
                 drop_at=(), pipelining=False):
        self.rcpt_reply = rcpt_reply
        self.rcpt_replies = list(rcpt_replies)
        self.data_reply = data_reply
        self.data_replies = list(data_replies)
        self.data_script = data_script
        self.close_after = set(close_after)
        self.drop_at = set(drop_at)
        self.pipelining = pipelining
        self.data_attempts = 0
        self.sessions = 0
        self.messages = []
        self.seen = []  # the content of every DATA, accepted or not

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        if session.ssl is not None or not server.tls_context:
            self.sessions += 1
            session.regie_no = self.sessions
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.rcpt_replies:
            reply = self.rcpt_replies.pop(0)
            if reply:
                return reply
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _record(self, session, envelope):
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": envelope.original_content,
            "authenticated": session.authenticated,
            "tls": session.ssl is not None,
            "session": getattr(session, "regie_no", 0),
        })

    async def handle_DATA(self, server, session, envelope):
        self.data_attempts += 1
        n = self.data_attempts
        self.seen.append(envelope.original_content)
        if n in self.drop_at:
            self._record(session, envelope)
            server.transport.close()
            return "250 2.0.0 never heard"
        if n in self.close_after:
            asyncio.get_running_loop().call_soon(server.transport.close)
        if self.data_reply:
            return self.data_reply
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if reply:
                return reply
        if self.data_script:
            reply = self.data_script(envelope.original_content)
            if reply:
                return reply
        self._record(session, envelope)
        return "250 2.0.0 Message accepted"

    def seen_ids(self):
        """The Message-ID of every DATA, accepted or not, in turn."""
        return [email.message_from_bytes(d)["Message-ID"] for d in self.seen]

    def parsed(self):
        """The accepted messages as email.message objects."""
        return [email.message_from_bytes(m["data"],
                                         policy=email.policy.default)
                for m in self.messages]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    # handled=False: aiosmtpd answers "535 5.7.8" itself on failure
    return AuthResult(success=ok, handled=False)


class Server:
    """One aiosmtpd on 127.0.0.1 (port chosen, or given to come up later
    on a known port). start() waits for its greeting; stop() ends it."""

    def __init__(self, cert, key, handler=None, tls=True, auth=False,
                 port=None, tls_min=None, auth_required=True):
        self.handler = handler or Handler()
        self.port = port or free_port()
        kw = {}
        if tls:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            if tls_min:
                ctx.minimum_version = tls_min
            kw.update(tls_context=ctx, require_starttls=True)
        if auth:
            kw.update(authenticator=authenticator,
                      auth_required=auth_required, auth_require_tls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1",
                                     port=self.port, **kw)

    def start(self):
        self.controller.start()
        wait_ready(self.port)
        return self

    def stop(self):
        self.controller.stop()


class SilentServer:
    """Accepts connections and never says a word: a hanging mail server."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def stop(self):
        self.running = False
        try:  # wakes the accept(), which holds the port until it returns
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)
        for c in self.conns:
            c.close()
