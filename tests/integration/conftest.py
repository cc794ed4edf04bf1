"""
Fixtures shared by the integration tests. Generic on purpose: nothing is
autouse and no pytest hook is changed, so test files that do not ask for
these fixtures are not affected.

  regie_keys     (session) keys made with regie-keygen in a short folder:
                 server pair, pseudonym key, partners vt and ggz, and a
                 "stranger" pair that no configuration names.
  regied         (function) a factory: regied(overrides) starts a daemon
                 (see rrp.Daemon) and waits until it answers PING; every
                 daemon it started is stopped and its folder removed after
                 the test (its log is printed, so a failing test shows it).
  regied_module  (module) the same factory, shared by a module.
  cert           (session) a self-signed certificate and key for
                 "localhost" (mailserver.make_cert), for the SMTP servers.
  factory        (function) an agreekit.Factory of daemons with mail,
                 cleaned up after the test.
"""

import shutil
import tempfile

import pytest

import rrp
from agreekit import Factory
from mailserver import make_cert


@pytest.fixture(scope="session")
def regie_keys():
    folder = rrp.short_tempdir()
    try:
        yield rrp.Keys(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class DaemonFactory:
    """Starts rrp.Daemon objects and cleans all of them up."""

    def __init__(self, keys):
        self.keys = keys
        self.daemons = []

    def __call__(self, overrides=None, start=True, **kw):
        d = rrp.Daemon(self.keys, overrides, **kw)
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def cleanup(self):
        for d in self.daemons:
            log = d.log.splitlines()
            print("---- regied log %s (last 80 of %d lines) ----"
                  % (d.dir, len(log)))
            print("\n".join(log[-80:]))
            d.cleanup()
        self.daemons = []


@pytest.fixture
def regied(regie_keys):
    factory = DaemonFactory(regie_keys)
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture(scope="module")
def regied_module(regie_keys):
    factory = DaemonFactory(regie_keys)
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture(scope="session")
def cert():
    with tempfile.TemporaryDirectory(prefix="rgc") as folder:
        yield make_cert(folder, "localhost", "localhost")


@pytest.fixture
def factory(regie_keys):
    f = Factory(regie_keys)
    try:
        yield f
    finally:
        f.cleanup()
