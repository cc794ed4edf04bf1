"""
bench_smtpd — the local mail server of `make bench` (scripts/bench runs
it): tests/integration/mailserver.py's aiosmtpd on 127.0.0.1 with
STARTTLS required and a self-signed certificate for "localhost" (made
here with make_cert), accepting every message without keeping it, and
writing one line per accepted message, its arrival time (seconds since
the epoch, the clock of `date +%s.%N`), to LOG. Prints "PORT N" once the
server greets; runs until SIGTERM or SIGINT.

    /usr/bin/python3 tests/bench/bench_smtpd.py FOLDER LOG

FOLDER receives localhost.pem (give it to regied as smtp.ca_file) and
localhost.key.
"""

import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from mailserver import Server, make_cert  # noqa: E402


class Counter:
    """Accepts every message; one line per message to the log."""

    def __init__(self, log):
        self.log = log
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.log.write("%.6f\n" % time.time())
        self.log.flush()
        return "250 2.0.0 Message accepted"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: bench_smtpd.py FOLDER LOG\n")
        return 64
    folder, path = sys.argv[1], sys.argv[2]
    cert, key = make_cert(folder, "localhost", "localhost")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with open(path, "w") as log:
        srv = Server(cert, key, Counter(log)).start()
        print("PORT %d" % srv.port, flush=True)
        stop.wait()
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
