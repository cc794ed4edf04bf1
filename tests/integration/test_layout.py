"""
scripts/check-layout, the layout's guard: it passes on the project as it
is, and fails, naming file and line, on each kind of breach it exists to
catch: an include across an arrow scripts/layout does not allow, an
include of a header that is no file of the project, two modules that
include each other, and arrows in scripts/layout that form a cycle. Each
breach is made in a copy of the sources, never in the tree itself. The
compiler's half of the wall is tested too: an adapter that includes a
daemon header does not compile with the flags the Makefile gives it.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(TOP, "scripts", "check-layout")
FOLDERS = ["lib", "daemon", "adapters", "regiectl", "tools", "scripts"]


def run_check(root=None):
    args = [sys.executable, CHECK] + (["--root", root] if root else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


@pytest.fixture
def tree():
    """A copy of the folders the checker reads, removed afterwards."""
    root = tempfile.mkdtemp(prefix="rglayout.")
    for f in FOLDERS:
        shutil.copytree(os.path.join(TOP, f), os.path.join(root, f))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def add_line(path, after, line):
    """Puts line after the first line of path that starts with after;
    returns the number of the new line."""
    with open(path) as f:
        lines = f.read().split("\n")
    i = next(n for n, l in enumerate(lines) if l.startswith(after))
    lines.insert(i + 1, line)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return i + 2


def test_the_project_keeps_its_layout():
    rc, out = run_check()
    assert rc == 0, out
    assert re.search(r"check-layout: \d+ files in \d+ folders, 0 problems",
                     out), out


def test_an_adapter_including_a_daemon_header_fails(tree):
    path = os.path.join(tree, "adapters", "csvfield.c")
    no = add_line(path, '#include "csvfield.h"', '#include "store/store.h"')
    rc, out = run_check(tree)
    assert rc == 1
    assert ('adapters/csvfield.c:%d: includes "store/store.h": adapters may '
            "not include daemon/store" % no) in out


def test_a_part_including_a_part_above_it_fails(tree):
    path = os.path.join(tree, "daemon", "store", "store.c")
    no = add_line(path, '#include "store.h"', '#include "intake/intake.h"')
    rc, out = run_check(tree)
    assert rc == 1
    assert ('daemon/store/store.c:%d: includes "intake/intake.h": '
            "daemon/store may not include daemon/intake" % no) in out


def test_lib_including_anything_of_regie_fails(tree):
    path = os.path.join(tree, "lib", "ref.c")
    add_line(path, '#include "ref.h"', '#include "config/cfg.h"')
    rc, out = run_check(tree)
    assert rc == 1
    assert "lib may not include daemon/config" in out


def test_an_include_of_no_file_fails(tree):
    path = os.path.join(tree, "lib", "ref.c")
    no = add_line(path, '#include "ref.h"', '#include "nothere.h"')
    rc, out = run_check(tree)
    assert rc == 1
    assert 'lib/ref.c:%d: "nothere.h" is no file of the project' % no in out


def test_two_modules_including_each_other_fail(tree):
    # bsn.h and ref.h are both in lib/: allowed by the arrows, but a loop.
    add_line(os.path.join(tree, "lib", "bsn.h"), "#define REGIE_BSN_H",
             '#include "ref.h"')
    add_line(os.path.join(tree, "lib", "ref.h"), "#define REGIE_REF_H",
             '#include "bsn.h"')
    rc, out = run_check(tree)
    assert rc == 1
    assert re.search(r"include cycle between modules: lib/(bsn|ref) -> "
                     r"lib/(bsn|ref) -> lib/(bsn|ref)", out), out


def test_arrows_forming_a_cycle_fail(tree):
    path = os.path.join(tree, "scripts", "layout")
    with open(path) as f:
        text = f.read()
    text = re.sub(r"^daemon/config:(\s+)lib$", r"daemon/config:\1lib "
                  "daemon/mail", text, flags=re.M)
    with open(path, "w") as f:
        f.write(text)
    rc, out = run_check(tree)
    assert rc == 1
    assert "scripts/layout: the arrows form a cycle:" in out
    assert "daemon/config" in out and "daemon/mail" in out


def test_an_adapter_cannot_compile_a_daemon_include(tree):
    # The flags the Makefile gives adapters (-Ilib only): the header is
    # not found, so the wall holds even where the checker would not run.
    make = subprocess.run(["make", "-s", "-n", "-B", "-C", TOP, "BUILD=build",
                           "build/obj/adapters/csvfield.o"],
                          capture_output=True, text=True, timeout=60)
    cmd = next(l for l in make.stdout.splitlines()
               if "adapters/csvfield.c" in l)
    assert "-Idaemon" not in cmd
    src = os.path.join(tree, "adapters", "bad.c")
    with open(src, "w") as f:
        f.write('#include "store/store.h"\nint bad(void);\n')
    flags = [a for a in cmd.split() if a.startswith("-I")]
    assert "-Ilib" in flags
    p = subprocess.run(["cc", "-fsyntax-only"] + flags + [src],
                       cwd=TOP, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "store/store.h: No such file or directory" in p.stderr
