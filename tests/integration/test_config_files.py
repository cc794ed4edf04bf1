"""
Files named by regie.conf that are not what they should be (issue:
configurations that hang or are silently wrong). The golden files in
tests/data/config/ pin the messages with their file:line; these tests
pin what the golden check cannot: the configuration file itself being a
FIFO, a start (not only --check-config) that meets a FIFO, and files the
daemon could not write, each answered at once with exit 78.
"""

import os
import shutil
import subprocess

import pytest

import rrp

FIFO_MSG = "not a regular file (a FIFO)"


@pytest.fixture
def folder():
    d = rrp.short_tempdir()
    subprocess.run([str(rrp.KEYGEN), "curve", d + "/server"], check=True,
                   capture_output=True)
    subprocess.run([str(rrp.KEYGEN), "pseudonym", d + "/pseudonym.key"],
                   check=True, capture_output=True)
    os.mkfifo(d + "/fifo")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def conf(folder, daemon_extra="", top=""):
    text = ('daemon: { intake = [ "ipc://%s/in" ]; server_secret_key = '
            '"server.key"; pseudonym_key = "pseudonym.key"; %s };\n%s\n'
            'partners = ( { id = "vt"; name = "VT"; public_key = '
            '"rq:rM>}U?@Lns47E1%%kR.o@n%%FcmmsL/@{H8]yf7"; } );\n'
            % (folder, daemon_extra or 'database = "regie.db";', top))
    path = folder + "/regie.conf"
    with open(path, "w") as f:
        f.write(text)
    return path


def regied(*args, cwd):
    return subprocess.run([str(rrp.REGIED)] + list(args), cwd=cwd,
                          capture_output=True, text=True, timeout=20)


def test_a_configuration_that_is_a_fifo_is_refused_at_once(folder):
    p = regied("--check-config", "-c", "fifo", cwd=folder)
    assert p.returncode == 78
    assert p.stderr == "fifo:0: cannot read the file: %s\n" % FIFO_MSG


def test_a_start_that_meets_a_fifo_include_exits_78(folder):
    path = conf(folder, top='@include "fifo"')
    p = regied("-c", path, cwd=folder)
    assert p.returncode == 78
    assert '@include "fifo": cannot read %s/fifo: %s' % (folder, FIFO_MSG) \
        in p.stderr


def test_a_start_with_a_fifo_for_a_key_exits_78(folder):
    path = conf(folder)
    text = open(path).read().replace('"pseudonym.key"', '"fifo"')
    with open(path, "w") as f:
        f.write(text)
    p = regied("-c", path, cwd=folder)
    assert p.returncode == 78
    assert "regie.conf:1: pseudonym_key: cannot read %s/fifo: %s" % (
        folder, FIFO_MSG) in p.stderr


def test_an_include_nested_in_an_include_is_checked_too(folder):
    with open(folder + "/inner.conf", "w") as f:
        f.write('@include "fifo"\n')
    path = conf(folder, top='@include "inner.conf"')
    p = regied("--check-config", "-c", path, cwd=folder)
    assert p.returncode == 78
    assert p.stderr.startswith("%s/inner.conf:1: @include \"fifo\": " %
                               folder), p.stderr


def test_an_include_that_includes_itself_stops(folder):
    with open(folder + "/loop.conf", "w") as f:
        f.write('@include "loop.conf"\n')
    path = conf(folder, top='@include "loop.conf"')
    p = regied("--check-config", "-c", path, cwd=folder)
    assert p.returncode == 78
    assert "includes nested more than 10 deep" in p.stderr


def write_bytes(folder, name, data):
    with open(folder + "/" + name, "wb") as f:
        f.write(data)
    return folder + "/" + name


def test_an_include_named_with_a_nul_byte_is_refused(folder):
    # libconfig's name ends at the NUL: "" is the folder, and its scanner
    # then exits the process (exit 2, "input in flex scanner failed");
    # on a reload that was the running daemon. Found by fuzz_config.
    path = write_bytes(folder, "nul.conf", b'@include "\0fifo"\n')
    p = regied("--check-config", "-c", path, cwd=folder)
    assert p.returncode == 78, p.stderr
    assert p.stderr == "%s:1: contains a NUL byte\n" % path


def test_an_include_after_a_long_run_of_blanks_is_checked(folder):
    os.mkdir(folder + "/sub")
    path = write_bytes(folder, "long.conf",
                       b"@include" + b" " * 5000 + b'"sub"\n')
    p = regied("--check-config", "-c", path, cwd=folder)
    assert p.returncode == 78, p.stderr
    assert '@include "sub": cannot read %s/sub: not a regular file' % folder \
        in p.stderr


def test_an_include_libconfig_would_read_elsewhere_is_refused(folder):
    # libconfig 1.5 reads "/x" under the include folder, and a name that
    # runs past its line is not what the check saw.
    path = write_bytes(folder, "abs.conf",
                       b'@include "%s/fifo"\n@include "fi\nfo"\n'
                       % folder.encode())
    p = regied("--check-config", "-c", path, cwd=folder)
    assert p.returncode == 78, p.stderr
    assert p.stderr == (
        '%s:1: @include "%s/fifo": name a file relative to the folder of '
        'the configuration\n%s:2: @include: the file name must end on its '
        'line\n' % (path, folder, path))


NOBODY = 65534


def as_user(folder, *args):
    """regied ARGS in folder as a user the permission bits bind: as
    root, as nobody (setpriv), with the folder and its files made
    nobody's; otherwise as this user."""
    cmd = [str(rrp.REGIED)] + list(args)
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(folder):
            for name in [root] + [os.path.join(root, n) for n in
                                  dirs + files]:
                os.chown(name, NOBODY, NOBODY)
        cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
               "--clear-groups"] + cmd
    return subprocess.run(cmd, cwd=folder, capture_output=True, text=True,
                          timeout=20)


def test_a_database_this_user_cannot_write_is_refused(folder):
    open(folder + "/regie.db", "w").close()
    os.chmod(folder + "/regie.db", 0o400)
    p = as_user(folder, "--check-config", "-c", conf(folder))
    assert p.returncode == 78
    assert "database: cannot write" in p.stderr


def test_a_metrics_folder_this_user_cannot_write_in_is_refused(folder):
    os.mkdir(folder + "/prom", 0o555)
    path = conf(folder, top='monitoring: { metrics_file = "prom/r.prom"; };')
    for args in (["--check-config", "-c", path], ["-c", path]):
        p = as_user(folder, *args)
        assert p.returncode == 78, (args, p.stderr)
        assert "regie.conf:2: metrics_file: cannot create a file in " \
            "%s/prom: Permission denied" % folder in p.stderr, p.stderr


def test_a_metrics_folder_this_user_may_write_in_passes(folder):
    os.mkdir(folder + "/prom", 0o755)
    path = conf(folder, top='monitoring: { metrics_file = "prom/r.prom"; };')
    p = as_user(folder, "--check-config", "-c", path)
    assert (p.returncode, p.stderr) == (0, "")


def test_a_good_configuration_still_passes(folder):
    p = regied("--check-config", "-c", conf(folder), cwd=folder)
    assert (p.returncode, p.stderr) == (0, "")
