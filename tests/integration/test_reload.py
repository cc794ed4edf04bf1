"""
SIGHUP (regied(8) SIGNALS): a reload takes what it can (partners, their
policies, limits, the log level, mail, agreements) and says plainly what
it cannot: a changed intake endpoint, database, control socket, time
zone or key is logged as a warning that names the setting, its running
value and the file's, and the running one stays. A reload with errors
keeps the running configuration and logs every error at priority err.
"""

import copy
import signal

import rrp
from mailserver import wait_for


def reload(d, config):
    """Writes config, sends SIGHUP and waits for the daemon to say it
    reloaded or refused; returns the log lines written meanwhile."""
    before = len(d.log.splitlines())
    d.config_path.write_text(rrp.render_config(config))
    d.signal(signal.SIGHUP)

    def done():
        new = d.log.splitlines()[before:]
        return any("server: reloaded" in l or "reload refused" in l
                   for l in new)
    wait_for(done, what="the reload")
    return d.log.splitlines()[before:]


def test_reload_takes_a_new_partner(regied):
    d = regied()
    cfg = copy.deepcopy(d.config)
    cfg["partners"] = cfg["partners"][1:]     # vt goes
    lines = reload(d, cfg)
    assert any("server: reloaded partners=1" in l for l in lines), lines
    assert not any("reload cannot change" in l for l in lines), lines
    assert d.client("ggz").ping().status == "PONG"
    c = d.client("vt", timeout=1.0)
    assert c.ping(timeout=1.0) is None        # its key is no longer known
    assert d.stop() == 0


def test_a_changed_endpoint_is_named_and_kept(regied):
    d = regied()
    old = d.endpoint
    new = "tcp://127.0.0.1:%d" % rrp.free_tcp_port()
    cfg = copy.deepcopy(d.config)
    cfg["daemon"]["intake"] = [new]
    cfg["daemon"]["database"] = str(d.dir / "other.db")
    lines = reload(d, cfg)
    warn = [l for l in lines if "reload cannot change daemon.intake" in l]
    assert len(warn) == 1, lines
    assert warn[0].startswith("<4>")          # warning, for journald
    assert "running: %s" % old in warn[0] and "in the file: %s" % new \
        in warn[0], warn
    assert any("reload cannot change daemon.database" in l for l in lines)
    assert d.client("ggz").ping().status == "PONG"      # the old port
    c = rrp.Client(new, d.keys.server_public, d.keys.pairs["ggz"],
                   timeout=1.0)
    assert c.ping(timeout=1.0) is None                  # not the new one
    c.close()
    # A second reload of the same file still says it (the running value
    # is what it compares).
    lines = reload(d, cfg)
    assert any("reload cannot change daemon.intake" in l for l in lines)
    assert d.stop() == 0


def test_reload_with_errors_keeps_the_running_config(regied):
    d = regied()
    cfg = copy.deepcopy(d.config)
    cfg["limits"]["household"] = -1
    cfg["partners"][0]["kinds"] = ["brief"]
    lines = reload(d, cfg)
    errors = [l for l in lines if ": 'household' must be" in l or
              "unknown kind 'brief'" in l]
    assert len(errors) == 2, lines
    assert all(l.startswith("<3>") and "regie.conf:" in l for l in errors)
    assert any(l.startswith("<3>server: reload refused") for l in lines)
    # The running partners and policies stay.
    assert d.client("vt").ping().status == "PONG"
    assert d.stop() == 0
