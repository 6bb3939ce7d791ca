"""Whole suites, as users run them: N tests under ``python -m unittest`` and under ``pytest``, with bigfoot and without.

Each suite is written to a temporary directory and run in a fresh interpreter with the bytecode cache off (as many CI
set-ups run), so that start-up, collection, bigfoot's import and its plugin count as users feel them. The suites'
own modules are compiled on every run; the installed packages (asyncpg, pytest, bigfoot) read the bytecode compiled
when they were installed, as pip compiles it. bigfoot is copied with its compiled bytecode into a directory on the
suites' path for that, so that the figure does not depend on whether this checkout happens to hold a bytecode cache
(an editable install compiles nothing, and PYTHONDONTWRITEBYTECODE keeps it so).

Every test is the seed test (connect, one fetch, close, and the checks). The suite without bigfoot does the same with
a fake written by hand: the fake and the patching of ``asyncpg.connect`` are shared by its tests, as bigfoot is by
the others, and each test writes its own calls and checks. Its pytest run leaves bigfoot's plugin out
(``-p no:bigfoot``). Each figure is the CPU time of the suite's process (user and system), which other work on a
shared machine disturbs far less than the time on the clock; runs are interleaved, and each figure is the median of
the rounds.
"""

from __future__ import annotations

import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HAND_FAKE = """
import contextlib

import asyncpg

ROWS = [{"id": 1, "name": "Alice"}]
QUERY = "SELECT id, name FROM users"


class HandFake:
    def __init__(self):
        self.calls = []

    async def fetch(self, query, *args):
        self.calls.append(("fetch", query, args))
        return ROWS

    async def close(self):
        self.calls.append(("close",))


@contextlib.contextmanager
def connect_answers(fake):
    # asyncpg.connect answers with the fake inside the block; yields the keyword arguments it got
    seen = []

    async def connect(**kwargs):
        seen.append(kwargs)
        return fake

    original = asyncpg.connect
    asyncpg.connect = connect
    try:
        yield seen
    finally:
        asyncpg.connect = original
"""

# The same test written with the hand-written fake: the fake and the patching are shared, as bigfoot is; the test's own
# lines (its script, the calls, its checks) are in the test, as they are in the bigfoot test.
PLAIN_BODY = """
        fake = HandFake()
        with connect_answers(fake) as seen:
            conn = await asyncpg.connect(host="db")
            rows = await conn.fetch(QUERY)
            await conn.close()
        {check}(rows == ROWS and seen == [{{{{"host": "db"}}}}])
        {check}(fake.calls == [("fetch", QUERY, ()), ("close",)])
"""

BIGFOOT_BODY = """
        {owner}.new_session().expect("connect").expect("fetch", returns=ROWS).expect("close")
        with bigfoot:
            conn = await asyncpg.connect(host="db")
            rows = await conn.fetch(QUERY)
            await conn.close()
        {check}(rows == ROWS)
        {owner}.assert_connect(host="db")
        {owner}.assert_fetch(query=QUERY, args=[])
        {owner}.assert_close()
"""

UNITTEST_BIGFOOT = """
import asyncpg
import bigfoot

ROWS = [{{"id": 1, "name": "Alice"}}]
QUERY = "SELECT id, name FROM users"


class Test(bigfoot.BigfootTestCase):
{tests}
"""

UNITTEST_PLAIN = """
import unittest

import asyncpg
from handfake import QUERY, ROWS, HandFake, connect_answers


class Test(unittest.IsolatedAsyncioTestCase):
{tests}
"""

PYTEST_BIGFOOT = """
import asyncpg
import bigfoot

ROWS = [{{"id": 1, "name": "Alice"}}]
QUERY = "SELECT id, name FROM users"


def check(ok):
    assert ok

{tests}
"""

PYTEST_PLAIN = """
import asyncpg
from handfake import QUERY, ROWS, HandFake, connect_answers


def check(ok):
    assert ok

{tests}
"""

PER_FILE = 100  # tests per module, as a suite spreads them


def _write(root: Path, tests: int) -> None:
    """The four suites of ``tests`` tests each, in subdirectories of ``root``."""
    method = "    async def test_{i}(self):" + BIGFOOT_BODY.format(owner="self.asyncpg_mock", check="self.assertTrue")
    function = "async def test_{i}():" + BIGFOOT_BODY.format(owner="bigfoot.asyncpg_mock", check="check").replace(
        "\n        ", "\n    "
    )
    plain_method = "    async def test_{i}(self):" + PLAIN_BODY.format(check="self.assertTrue")
    plain_function = "async def test_{i}():" + PLAIN_BODY.format(check="check").replace("\n        ", "\n    ")
    layouts = {
        "unittest_bigfoot": (UNITTEST_BIGFOOT, method),
        "unittest_plain": (UNITTEST_PLAIN, plain_method),
        "pytest_bigfoot": (PYTEST_BIGFOOT, function),
        "pytest_plain": (PYTEST_PLAIN, plain_function),
    }
    for name, (module, test) in layouts.items():
        folder = root / name
        folder.mkdir()
        (folder / "handfake.py").write_text(HAND_FAKE)
        (folder / "pytest.ini").write_text(
            "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        )
        for first in range(0, tests, PER_FILE):
            body = "\n".join(test.format(i=i) for i in range(first, min(first + PER_FILE, tests)))
            (folder / f"test_{first // PER_FILE:03d}.py").write_text(module.format(tests=body))


def _commands(root: Path) -> dict[str, tuple[list[str], Path]]:
    unittest = [sys.executable, "-m", "unittest", "discover", "-s", ".", "-p", "test_*.py"]
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist"]
    return {
        "unittest_bigfoot": (unittest, root / "unittest_bigfoot"),
        "unittest_plain": (unittest, root / "unittest_plain"),
        "pytest_bigfoot": (pytest, root / "pytest_bigfoot"),
        "pytest_plain": ([*pytest, "-p", "no:bigfoot"], root / "pytest_plain"),
    }


def _children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes: what a suite cost, whatever else the machine
    was running meanwhile (a suite runs on one core, so on a quiet machine this is its wall-clock time)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _install_compiled(site: Path) -> Path:
    """``site`` holding a copy of the bigfoot package with its bytecode compiled, as an installed package has it."""
    import bigfoot

    package = Path(bigfoot.__file__).parent
    shutil.copytree(package, site / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    prefix, sys.pycache_prefix = sys.pycache_prefix, None  # the bytecode goes next to the copy, as pip puts it
    try:
        compiled = compileall.compile_dir(site, quiet=1)
    finally:
        sys.pycache_prefix = prefix
    if not compiled:
        raise RuntimeError(f"could not compile the copy of bigfoot in {site}")
    return site


def measure_suites(tests: int, rounds: int) -> dict[str, float]:
    """Median CPU seconds of each suite of ``tests`` tests; a suite that fails stops the benchmark with its output."""
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bigfoot-suites-") as directory:
        root = Path(directory)
        _write(root, tests)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(_install_compiled(root / "site"))}
        env.pop("PYTHONPYCACHEPREFIX", None)
        for _ in range(rounds):
            for name, (command, folder) in _commands(root).items():
                before = _children_cpu()
                run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
                elapsed = _children_cpu() - before
                if run.returncode != 0:
                    raise RuntimeError(f"the {name} suite failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
                samples.setdefault(name, []).append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}
