"""
The sender's SMTP sessions, end to end: regied (--test-clock, quiet
hours 20:00-07:00) queues the notifications of several referrals while
the clock stands in the quiet hours, then the clock is set to 07:00 and
the whole outbox is released at once, to aiosmtpd on loopback (STARTTLS,
PIPELINING offered) scripted to answer per message or per connection.
The server counts its sessions (the EHLO after STARTTLS).

What is and is not guaranteed when the connection drops:
  - a mail whose reply the server sent is recorded as that reply says;
  - a mail the session had begun but whose data was not sent (MAIL FROM
    or RCPT TO unanswered) was never the server's: it goes back to the
    queue as it was, no attempt counted, and goes in the next session;
  - a mail whose data was sent but whose reply never came may have been
    taken by the server or not: the client cannot know (RFC 5321 4.1.1.4
    gives no way to ask). It is retried, with the same Message-ID, so the
    server or the recipient can see it is the same mail; if the server
    had taken it, it arrives twice (test_dropped_after_data_*).
Nothing sleeps to synchronise: waits ask (regiectl, the handler's list).
"""

import asyncio
import email
import email.policy

import pytest

from agreekit import Regie, local, same_time
from mailserver import Handler, Server, wait_for

QUIET = "20:00-07:00"
EVENING = "2026-11-24 22:00"
MORNING = "2026-11-25 07:00"


@pytest.fixture
def servers(cert):
    started = []

    def start(handler):
        srv = Server(cert[0], cert[1], handler).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


class Slow(Handler):
    """A server that takes delay seconds to answer each DATA."""

    def __init__(self, delay, **kw):
        super().__init__(**kw)
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def held_outbox(factory, cert, srv, n, smtp=None):
    """A Regie whose n kernteam notifications (one per new case, cases
    C-000001 ... in order) wait in the outbox for the quiet hours to
    end; returns it and the cases."""
    over = {"mail": {"smtp": dict(smtp or {})}}
    r = Regie(factory, cert, srv, quiet=QUIET, overrides=over)
    r.set_clock(EVENING)
    cases = [r.refer()["case"] for _ in range(n)]
    rows = r.outbox()
    assert len(rows) == n and all(x["status"] == "pending" for x in rows)
    # held, not merely not sent yet: each waits for the end of the quiet
    # hours, and nothing goes out meanwhile
    morning = local(MORNING)
    assert all(same_time(x["next_attempt_at"], morning) for x in rows), rows
    r.assert_no_mail(r.mark())
    assert srv.handler.messages == []
    return r, cases


def subject_of(content):
    return str(email.message_from_bytes(
        content, policy=email.policy.default)["Subject"])


def case_of(m):
    """The case a received kernteam mail is about ("C-000003")."""
    return subject_of(m["data"]).split()[1]


def ids_of(msgs):
    return [email.message_from_bytes(m["data"])["Message-ID"] for m in msgs]


def by_case(r, cases):
    """The outbox rows by case, in the order of cases."""
    rows = {x["id"]: x for x in r.outbox()}
    return [rows[i + 1] for i in range(len(cases))]


def settled(r):
    return all(x["status"] != "pending" for x in r.outbox())


def test_one_session_carries_the_outbox_each_mail_its_outcome(
        factory, cert, servers):
    # Mail 2: 451 to its RCPT TO; mail 4: 554 to its data. The others go
    # in the same session; mail 2 again after its backoff (in the same
    # session when that is still open, else in a new one).
    def refuse_c4(content):
        return ("554 5.6.0 Not this one"
                if "C-000004" in subject_of(content) else None)
    srv = servers(Handler(pipelining=True, data_script=refuse_c4,
                          rcpt_replies=[None, "451 4.2.1 Mailbox busy"]))
    r, cases = held_outbox(factory, cert, srv, 6)
    r.set_clock(MORNING)
    wait_for(lambda: settled(r) and len(srv.handler.messages) == 5,
             what="five sent, one failed")
    got = [(case_of(m), m["session"]) for m in srv.handler.messages]
    assert got[:4] == [("C-000001", 1), ("C-000003", 1), ("C-000005", 1),
                       ("C-000006", 1)], got
    assert got[4][0] == "C-000002" and srv.handler.sessions <= 2, got
    rows = by_case(r, cases)
    assert [x["status"] for x in rows] == ["sent", "sent", "sent",
                                           "failed", "sent", "sent"]
    assert [x["attempts"] for x in rows] == [1, 2, 1, 1, 1, 1]
    assert "554 5.6.0 Not this one" in rows[3]["last_error"]
    assert len(set(ids_of(srv.handler.messages))) == 5


def test_server_closing_midway_loses_and_repeats_nothing(
        factory, cert, servers):
    # The server hangs up after its reply to the second mail: the third,
    # begun (MAIL FROM unanswered), goes back to the queue without an
    # attempt and, with the rest, in the next session.
    srv = servers(Handler(pipelining=True, close_after=[2]))
    r, cases = held_outbox(factory, cert, srv, 6)
    r.set_clock(MORNING)
    wait_for(lambda: settled(r) and len(srv.handler.messages) == 6,
             what="all six sent")
    got = [(case_of(m), m["session"]) for m in srv.handler.messages]
    assert got[:2] == [("C-000001", 1), ("C-000002", 1)], got
    assert sorted(c for c, _ in got) == cases
    assert all(n == 2 for _, n in got[2:]) and srv.handler.sessions == 2
    assert [x["attempts"] for x in by_case(r, cases)] == [1] * 6
    assert len(set(ids_of(srv.handler.messages))) == 6


def test_dropped_after_data_is_sent_again_with_the_same_id(
        factory, cert, servers):
    # The server takes the second mail's data and hangs up without a
    # reply: regied cannot know it was taken, so it sends it again, with
    # the same Message-ID (the limit described above).
    srv = servers(Handler(pipelining=True, drop_at=[2]))
    r, cases = held_outbox(factory, cert, srv, 4)
    r.set_clock(MORNING)
    wait_for(lambda: settled(r) and len(srv.handler.messages) == 5,
             what="four sent, one of them twice")
    got = [case_of(m) for m in srv.handler.messages]
    assert sorted(got) == ["C-000001", "C-000002", "C-000002", "C-000003",
                           "C-000004"], got
    twice = [i for m, i in zip(srv.handler.messages,
                               ids_of(srv.handler.messages))
             if case_of(m) == "C-000002"]
    assert len(set(twice)) == 1
    rows = by_case(r, cases)
    assert all(x["status"] == "sent" for x in rows)
    assert [x["attempts"] for x in rows] == [1, 2, 1, 1]


def test_session_limit_starts_a_new_session(factory, cert, servers):
    srv = servers(Handler(pipelining=True))
    r, cases = held_outbox(factory, cert, srv, 5,
                           smtp={"max_per_session": 2})
    r.set_clock(MORNING)
    wait_for(lambda: settled(r) and len(srv.handler.messages) == 5,
             what="all five sent")
    assert srv.handler.sessions == 3
    assert [m["session"] for m in srv.handler.messages] == [1, 1, 2, 2, 3]
    assert [case_of(m) for m in srv.handler.messages] == cases


def test_session_age_limit_starts_a_new_session(factory, cert, servers):
    # A server that takes 0.4 s per mail and sessions of at most 1 s: no
    # mail is begun in a session older than that.
    srv = servers(Slow(0.4, pipelining=True))
    r, cases = held_outbox(factory, cert, srv, 6,
                           smtp={"session_seconds": 1})
    r.set_clock(MORNING)
    wait_for(lambda: settled(r) and len(srv.handler.messages) == 6,
             what="all six sent")
    sessions = [m["session"] for m in srv.handler.messages]
    assert srv.handler.sessions >= 2 and sessions[-1] >= 2, sessions
    assert sessions.count(1) < 6
    assert [case_of(m) for m in srv.handler.messages] == cases
    assert [x["attempts"] for x in by_case(r, cases)] == [1] * 6
