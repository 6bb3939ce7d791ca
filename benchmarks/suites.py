"""Whole suites, as users run them: N tests under ``python -m unittest`` and under ``pytest``, with bigfoot and without.

Each suite is written to a temporary directory and run in a fresh interpreter with the bytecode cache off (as many CI
set-ups run), so that start-up, collection, bigfoot's import and its plugin count as users feel them. Every test is
the seed test (connect, one fetch, close, and the checks); the suite without bigfoot does the same with a fake written
by hand, and its pytest run leaves bigfoot's plugin out (``-p no:bigfoot``). Runs are interleaved, and each figure is
the median of the rounds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HAND_FAKE = """
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


async def seed(check):
    fake = HandFake()
    seen = []

    async def connect(**kwargs):
        seen.append(kwargs)
        return fake

    original = asyncpg.connect
    asyncpg.connect = connect
    try:
        conn = await asyncpg.connect(host="db")
        rows = await conn.fetch(QUERY)
        await conn.close()
    finally:
        asyncpg.connect = original
    check(rows == ROWS and seen == [{"host": "db"}])
    check(fake.calls == [("fetch", QUERY, ()), ("close",)])
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

from handfake import seed


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
from handfake import seed


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
    plain_method = "    async def test_{i}(self):\n        await seed(self.assertTrue)\n"
    plain_function = "async def test_{i}():\n    await seed(check)\n"
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


def measure_suites(tests: int, rounds: int) -> dict[str, float]:
    """Median seconds of each suite of ``tests`` tests; a suite that fails stops the benchmark with its output."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPYCACHEPREFIX", None)
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bigfoot-suites-") as directory:
        root = Path(directory)
        _write(root, tests)
        for _ in range(rounds):
            for name, (command, folder) in _commands(root).items():
                start = time.perf_counter()
                run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
                elapsed = time.perf_counter() - start
                if run.returncode != 0:
                    raise RuntimeError(f"the {name} suite failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
                samples.setdefault(name, []).append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}
