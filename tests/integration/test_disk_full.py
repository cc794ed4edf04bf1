"""
A full disk (issue: a full disk wedges intake): regied's database on a
small tmpfs (8 MiB) whose space a filler file takes. While the space is
below daemon.min_free_mb, every referral is answered NACK unavailable at
once, before SQLite fails; nothing is acknowledged that is not stored;
the WAL stays bounded (daemon.wal_max_mb counted, max_database_mb
counting the WAL); and when space returns, intake takes referrals again
by itself, without a restart: every refused referral sent again is
accepted exactly once, every acknowledged one is a duplicate.

Mounting a tmpfs needs root (CAP_SYS_ADMIN); elsewhere the test is
skipped with that reason.
"""

import os
import subprocess

import pytest

import rrp
from rrp import assert_ack, assert_nack, referral_body

MiB = 1024 * 1024


@pytest.fixture
def small_fs():
    d = rrp.short_tempdir()
    mnt = d + "/fs"
    os.mkdir(mnt)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700",
                        "tmpfs", mnt], capture_output=True, text=True)
    if p.returncode != 0:
        os.rmdir(mnt)
        pytest.skip("cannot mount a small tmpfs here (needs root): %s"
                    % p.stderr.strip())
    try:
        yield d, mnt
    finally:
        subprocess.run(["umount", "-l", mnt])
        subprocess.run(["rm", "-rf", d])


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path, leave):
    """Writes a filler file until about leave bytes are free."""
    with open(path, "wb") as f:
        chunk = b"\0" * (256 * 1024)
        while free_bytes(os.path.dirname(path)) - len(chunk) > leave:
            f.write(chunk)
            f.flush()
            os.fsync(f.fileno())


def wal_size(db):
    try:
        return os.path.getsize(str(db) + "-wal")
    except FileNotFoundError:
        return 0


def test_full_disk_refuses_then_recovers_without_restart(regied, small_fs):
    folder, mnt = small_fs
    d = regied({"daemon": {"database": mnt + "/regie.db", "wal_max_mb": 1,
                           "min_free_mb": 2}}, folder=folder)
    c = d.client("ggz", timeout=10)
    note = "x" * 2000
    filler = mnt + "/filler"
    fill(filler, 4 * MiB)
    acked, refused, max_wal = [], [], 0
    for i in range(2000):
        body = referral_body(note=note)
        r = c.referral(body)
        assert r is not None, "no reply after %d referrals" % i
        max_wal = max(max_wal, wal_size(d.db_path))
        if r.status == "NACK":
            assert_nack(r, "unavailable")
            assert r.body["retry"] is True
            refused.append(body)
            if len(refused) >= 20:
                break
        else:
            assert_ack(r, "accepted")
            acked.append(body)
    assert acked, "the disk was full from the start"
    assert len(refused) == 20, "2000 referrals never filled the disk"
    assert "disk is nearly full" in r.body["message"]
    # Refused before SQLite failed: the reserve is still free, and the
    # log shows no failed write.
    assert free_bytes(mnt) > 1 * MiB
    assert "disk is full" not in d.log and "SQLITE_FULL" not in d.log
    assert "intake: refusing referrals reason=space" in d.log
    assert max_wal <= 3 * MiB, max_wal
    assert c.ping().status == "PONG"
    # Space returns: no restart, the same client goes on.
    os.unlink(filler)
    for body in refused:
        assert_ack(c.referral(body), "accepted")
    for body in refused + acked:
        assert_ack(c.referral(body), "duplicate")
    assert "intake: space is back" in d.log
    assert d.stop() == 0


def test_max_database_mb_counts_the_wal(regied):
    d = regied({"daemon": {"max_database_mb": 3, "wal_max_mb": 1}})
    c = d.client("ggz", timeout=10)
    for i in range(3000):
        r = c.referral(referral_body(note="y" * 2000))
        total = os.path.getsize(d.db_path) + wal_size(d.db_path)
        assert total <= 3 * MiB + 256 * 1024, (i, total)
        if r.status == "NACK":
            assert_nack(r, "unavailable")
            break
    else:
        pytest.fail("3000 referrals fit in 3 MiB?")
    assert d.stop() == 0
