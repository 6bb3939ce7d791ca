"""bigfoot's benchmarks, side by side with unittest.mock.AsyncMock and a hand-written fake, in one run.

Run from the project root:  python -m benchmarks.run          (about three minutes)
                            python -m benchmarks.run --quick  (tiny sizes: only checks that everything runs)
With --postgres DIR (a unix-socket directory, or a host) a real PostgreSQL column is added.

Each scenario is the same test written three ways: with bigfoot as a user writes it (a verifier installed as the
pytest plugin does, `bigfoot.asyncpg_mock`, `with bigfoot:`), with AsyncMock by hand, and with a hand-written fake
(the floor: no checking beyond what the test asserts itself). The implementations run interleaved, round after
round, and the table shows medians. Whole suites of such tests run under unittest and pytest (benchmarks/suites.py).
The last table gives a verdict for each performance budget (docs/dev/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from unittest import mock

import asyncpg

import bigfoot
from benchmarks.suites import measure_suites
from bigfoot import StrictVerifier
from bigfoot._current import install, uninstall
from bigfoot.plugins.asyncpg import AsyncpgPlugin

ROWS = [{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}]
QUERY = "SELECT id, name FROM users"
CONNECT = {"host": "localhost", "database": "myapp", "user": "admin"}
Test = Callable[[], Awaitable[None]]


# -- the seed test: connect, one fetch, close, three assertions, verification ---------------------------------------


async def seed_bigfoot() -> None:
    verifier = StrictVerifier()
    token = install(verifier)  # what the pytest plugin does for every test
    try:
        (
            bigfoot.asyncpg_mock.new_session()
            .expect("connect", returns=None)
            .expect("fetch", returns=ROWS)
            .expect("close", returns=None)
        )
        with bigfoot:
            conn = await asyncpg.connect(**CONNECT)
            rows = await conn.fetch(QUERY)
            await conn.close()
        assert rows == ROWS
        bigfoot.asyncpg_mock.assert_connect(**CONNECT)
        bigfoot.asyncpg_mock.assert_fetch(query=QUERY, args=[])
        bigfoot.asyncpg_mock.assert_close()
        bigfoot.current_verifier().verify_all()
    finally:
        uninstall(token)
        verifier._release()


async def seed_asyncmock() -> None:
    conn = mock.AsyncMock()
    conn.fetch.return_value = ROWS
    with mock.patch("asyncpg.connect", new=mock.AsyncMock(return_value=conn)) as connect:
        c = await asyncpg.connect(**CONNECT)
        rows = await c.fetch(QUERY)
        await c.close()
    assert rows == ROWS
    connect.assert_awaited_once_with(**CONNECT)
    conn.fetch.assert_awaited_once_with(QUERY)
    conn.close.assert_awaited_once_with()


class HandFake:
    """The floor: a fake connection written by hand for one test, recording calls in a list."""

    def __init__(self, answers: list[Any]) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.answers = answers

    async def fetch(self, query: str, *args: Any) -> Any:
        self.calls.append(("fetch", query, args))
        return self.answers.pop(0)

    async def fetchval(self, query: str, *args: Any) -> Any:
        self.calls.append(("fetchval", query, args))
        return self.answers.pop(0)

    async def execute(self, query: str, *args: Any) -> Any:
        self.calls.append(("execute", query, args))
        return "INSERT 0 1"

    def transaction(self) -> HandTransaction:
        return HandTransaction(self)

    async def close(self) -> None:
        self.calls.append(("close",))


class HandTransaction:
    def __init__(self, conn: HandFake) -> None:
        self.conn = conn

    async def __aenter__(self) -> None:
        self.conn.calls.append(("begin",))

    async def __aexit__(self, *exc: Any) -> None:
        self.conn.calls.append(("commit",))


async def seed_floor() -> None:
    fake = HandFake([ROWS])
    seen: list[dict[str, Any]] = []

    async def connect(**kwargs: Any) -> HandFake:
        seen.append(kwargs)
        return fake

    original = asyncpg.connect
    asyncpg.connect = connect  # type: ignore[assignment]
    try:
        c = await asyncpg.connect(**CONNECT)
        rows = await c.fetch(QUERY)
        await c.close()
    finally:
        asyncpg.connect = original
    assert rows == ROWS
    assert seen == [CONNECT]
    assert fake.calls == [("fetch", QUERY, ()), ("close",)]


# -- many queries in one test ---------------------------------------------------------------------------------------


def many_bigfoot(n: int) -> Test:
    async def test() -> None:
        verifier = StrictVerifier()
        token = install(verifier)
        try:
            session = bigfoot.asyncpg_mock.new_session().expect("connect")
            for i in range(n):
                session.expect("fetchval", returns=i)
            session.expect("close")
            with bigfoot:
                conn = await asyncpg.connect(**CONNECT)
                for i in range(n):
                    await conn.fetchval("SELECT $1::int", i)
                await conn.close()
            apg = bigfoot.asyncpg_mock
            apg.assert_connect(**CONNECT)
            for i in range(n):
                apg.assert_fetchval(query="SELECT $1::int", args=[i])
            apg.assert_close()
            bigfoot.current_verifier().verify_all()
        finally:
            uninstall(token)
            verifier._release()

    return test


def many_asyncmock(n: int) -> Test:
    async def test() -> None:
        conn = mock.AsyncMock()
        conn.fetchval.side_effect = list(range(n))
        with mock.patch("asyncpg.connect", new=mock.AsyncMock(return_value=conn)) as connect:
            c = await asyncpg.connect(**CONNECT)
            for i in range(n):
                await c.fetchval("SELECT $1::int", i)
            await c.close()
        connect.assert_awaited_once_with(**CONNECT)
        assert conn.fetchval.await_args_list == [mock.call("SELECT $1::int", i) for i in range(n)]
        conn.close.assert_awaited_once_with()

    return test


def many_floor(n: int) -> Test:
    async def test() -> None:
        fake = HandFake(list(range(n)))

        async def connect(**kwargs: Any) -> HandFake:
            return fake

        original = asyncpg.connect
        asyncpg.connect = connect  # type: ignore[assignment]
        try:
            c = await asyncpg.connect(**CONNECT)
            for i in range(n):
                await c.fetchval("SELECT $1::int", i)
            await c.close()
        finally:
            asyncpg.connect = original
        assert fake.calls == [*(("fetchval", "SELECT $1::int", (i,)) for i in range(n)), ("close",)]

    return test


# -- a transaction --------------------------------------------------------------------------------------------------


async def tx_bigfoot() -> None:
    verifier = StrictVerifier()
    token = install(verifier)
    try:
        (
            bigfoot.asyncpg_mock.new_session()
            .expect("connect")
            .expect("begin")
            .expect("execute", returns="INSERT 0 1")
            .expect("commit")
            .expect("close")
        )
        with bigfoot:
            conn = await asyncpg.connect(**CONNECT)
            async with conn.transaction():
                await conn.execute("INSERT INTO t VALUES ($1)", 1)
            await conn.close()
        apg = bigfoot.asyncpg_mock
        apg.assert_connect(**CONNECT)
        apg.assert_begin()
        apg.assert_execute(query="INSERT INTO t VALUES ($1)", args=[1])
        apg.assert_commit()
        apg.assert_close()
        bigfoot.current_verifier().verify_all()
    finally:
        uninstall(token)
        verifier._release()


async def tx_asyncmock() -> None:
    conn = mock.AsyncMock()
    conn.transaction = mock.MagicMock()
    conn.execute.return_value = "INSERT 0 1"
    with mock.patch("asyncpg.connect", new=mock.AsyncMock(return_value=conn)) as connect:
        c = await asyncpg.connect(**CONNECT)
        async with c.transaction():
            await c.execute("INSERT INTO t VALUES ($1)", 1)
        await c.close()
    connect.assert_awaited_once_with(**CONNECT)
    conn.transaction.return_value.__aenter__.assert_awaited_once()
    conn.execute.assert_awaited_once_with("INSERT INTO t VALUES ($1)", 1)
    conn.transaction.return_value.__aexit__.assert_awaited_once()
    conn.close.assert_awaited_once_with()


async def tx_floor() -> None:
    fake = HandFake([])

    async def connect(**kwargs: Any) -> HandFake:
        return fake

    original = asyncpg.connect
    asyncpg.connect = connect  # type: ignore[assignment]
    try:
        c = await asyncpg.connect(**CONNECT)
        async with c.transaction():
            await c.execute("INSERT INTO t VALUES ($1)", 1)
        await c.close()
    finally:
        asyncpg.connect = original
    assert fake.calls == [("begin",), ("execute", "INSERT INTO t VALUES ($1)", (1,)), ("commit",), ("close",)]


# -- a pool: create, one checkout with a query, close ---------------------------------------------------------------


async def pool_bigfoot() -> None:
    verifier = StrictVerifier()
    token = install(verifier)
    try:
        bigfoot.asyncpg_mock.new_session().expect("acquire").expect("fetch", returns=ROWS).expect("release")
        with bigfoot:
            async with asyncpg.create_pool(min_size=1, max_size=2) as pool:
                async with pool.acquire() as con:
                    rows = await con.fetch(QUERY)
        assert rows == ROWS
        apg = bigfoot.asyncpg_mock
        apg.assert_create_pool(min_size=1, max_size=2)
        apg.assert_acquire()
        apg.assert_fetch(query=QUERY, args=[])
        apg.assert_release()
        apg.assert_close_pool()
        bigfoot.current_verifier().verify_all()
    finally:
        uninstall(token)
        verifier._release()


async def pool_asyncmock() -> None:
    con = mock.AsyncMock()
    con.fetch.return_value = ROWS
    pool = mock.MagicMock()
    pool.__aenter__.return_value = pool
    pool.acquire.return_value.__aenter__.return_value = con
    with mock.patch("asyncpg.create_pool", new=mock.MagicMock(return_value=pool)) as create_pool:
        async with asyncpg.create_pool(min_size=1, max_size=2) as p:
            async with p.acquire() as c:
                rows = await c.fetch(QUERY)
    assert rows == ROWS
    create_pool.assert_called_once_with(min_size=1, max_size=2)
    pool.acquire.assert_called_once_with()
    con.fetch.assert_awaited_once_with(QUERY)
    pool.__aexit__.assert_awaited_once()


class HandPool:
    def __init__(self, con: HandFake) -> None:
        self.con = con
        self.calls: list[str] = []

    async def __aenter__(self) -> HandPool:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.calls.append("close")

    def acquire(self) -> HandCheckout:
        return HandCheckout(self)


class HandCheckout:
    def __init__(self, pool: HandPool) -> None:
        self.pool = pool

    async def __aenter__(self) -> HandFake:
        self.pool.calls.append("acquire")
        return self.pool.con

    async def __aexit__(self, *exc: Any) -> None:
        self.pool.calls.append("release")


async def pool_floor() -> None:
    fake = HandFake([ROWS])
    pool = HandPool(fake)
    original = asyncpg.create_pool
    asyncpg.create_pool = lambda **kwargs: pool  # type: ignore[assignment]
    try:
        async with asyncpg.create_pool(min_size=1, max_size=2) as p:
            async with p.acquire() as c:
                rows = await c.fetch(QUERY)
    finally:
        asyncpg.create_pool = original
    assert rows == ROWS
    assert pool.calls == ["acquire", "release", "close"] and fake.calls == [("fetch", QUERY, ())]


# -- a real server, for scale ---------------------------------------------------------------------------------------


def real_seed(host: str) -> Test:
    async def test() -> None:
        conn = await asyncpg.connect(host=host, user="postgres", database="postgres")
        await conn.fetch("SELECT 1 AS id, 'Alice' AS name")
        await conn.close()

    return test


def real_many(host: str, n: int) -> Test:
    async def test() -> None:
        conn = await asyncpg.connect(host=host, user="postgres", database="postgres")
        for i in range(n):
            await conn.fetchval("SELECT $1::int", i)
        await conn.close()

    return test


# -- measuring ------------------------------------------------------------------------------------------------------


def measure(tests: dict[str, Test], repeat: int, rounds: int) -> dict[str, float]:
    """Median seconds per run of each test; the tests are interleaved within every round."""
    samples: dict[str, list[float]] = {name: [] for name in tests}

    async def main() -> None:
        for test in tests.values():  # warm up
            await test()
        for _ in range(rounds):
            for name, test in tests.items():
                gc.collect()
                start = time.perf_counter()
                for _ in range(repeat):
                    await test()
                samples[name].append((time.perf_counter() - start) / repeat)

    asyncio.run(main())
    return {name: statistics.median(values) for name, values in samples.items()}


def import_cost(runs: int) -> tuple[float, float, list[str]]:
    """Median seconds of a bare interpreter and of one that imports bigfoot, and what the import pulls in.

    Both read compiled bytecode, as an installed package does (pip compiles it at install time): the cache lives in a
    temporary directory of its own, filled by a first run, whatever PYTHONDONTWRITEBYTECODE says here.
    """
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)

        def run(code: str) -> float:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            return time.perf_counter() - start

        run("import bigfoot")  # fills the cache
        bare, loaded = [], []
        for _ in range(runs):
            bare.append(run("pass"))
            loaded.append(run("import bigfoot"))
        check = "import sys, bigfoot; print(','.join(m for m in ('asyncpg', 'pytest') if m in sys.modules))"
        pulled = subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()
    return statistics.median(bare), statistics.median(loaded), [m for m in pulled.split(",") if m]


def plugin_import_cost(runs: int) -> float:
    """Median seconds the asyncpg plugin takes to import once asyncpg and bigfoot are (bytecode cached, as above)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        code = (
            "import time, asyncpg, bigfoot; start = time.perf_counter(); "
            "from bigfoot.plugins.asyncpg.plugin import AsyncpgPlugin; print(time.perf_counter() - start)"
        )
        subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)  # fills the cache
        times = [
            float(subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True).stdout)
            for _ in range(runs)
        ]
    return statistics.median(times)


def memory_for(n: int) -> float:
    """Peak MB traced while scripting and running ``n`` interactions in one test (before assertions)."""

    async def run() -> None:
        verifier = StrictVerifier()
        apg = AsyncpgPlugin(verifier)
        session = apg.new_session().expect("connect")
        for i in range(n):
            session.expect("fetchval", returns=i)
        with verifier.sandbox():
            conn = await asyncpg.connect(**CONNECT)
            for i in range(n):
                await conn.fetchval("SELECT $1::int", i)

    gc.collect()
    tracemalloc.start()
    asyncio.run(run())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} us"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check that everything runs")
    parser.add_argument("--postgres", metavar="HOST", help="also measure a real PostgreSQL at HOST (socket dir)")
    args = parser.parse_args(argv)
    small, large = (10, 100) if args.quick else (1_000, 10_000)
    repeat, rounds = (3, 2) if args.quick else (300, 9)
    many_rounds = 2 if args.quick else 7

    seed = measure({"bigfoot": seed_bigfoot, "AsyncMock": seed_asyncmock, "floor": seed_floor}, repeat, rounds)
    tx = measure({"bigfoot": tx_bigfoot, "AsyncMock": tx_asyncmock, "floor": tx_floor}, repeat, rounds)
    pool = measure({"bigfoot": pool_bigfoot, "AsyncMock": pool_asyncmock, "floor": pool_floor}, repeat, rounds)
    many = measure(
        {"bigfoot": many_bigfoot(small), "AsyncMock": many_asyncmock(small), "floor": many_floor(small)},
        1,  # one pass of the whole script per round, quick or not
        many_rounds,
    )
    many_large = measure({"bigfoot": many_bigfoot(large)}, 1, max(3, many_rounds // 2))
    real: dict[str, float] = {}
    if args.postgres:
        real = measure({"seed": real_seed(args.postgres)}, 20 if not args.quick else 2, rounds)
        real.update(measure({"many": real_many(args.postgres, small)}, 1, 3))
    bare, loaded, pulled = import_cost(3 if args.quick else 15)
    plugin_import = plugin_import_cost(3 if args.quick else 9)
    interactions = 10_000 if args.quick else 100_000
    peak = memory_for(interactions)
    suite_size = 20 if args.quick else 1_000
    suites = measure_suites(suite_size, 1 if args.quick else 5)  # their ratios drift most: five rounds

    per_small = many["bigfoot"] / (small + 2)
    ratio = many_large["bigfoot"] / many["bigfoot"]
    rows = [
        ("seed test (connect, fetch, close, 3 assertions, verify)", seed),
        ("transaction (connect, begin, execute, commit, close)", tx),
        ("pool (create, acquire, fetch, release, close)", pool),
    ]
    print(
        f"bigfoot benchmarks, {date.today().isoformat()}, Python {platform.python_version()}, "
        f"{platform.machine()}, {platform.system()} {platform.release()}, {os.cpu_count()} CPUs"
    )
    print()
    header = "| scenario | bigfoot | AsyncMock | floor (hand-written) | AsyncMock / bigfoot |"
    if real:
        header += " real PostgreSQL |"
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for label, result in rows:
        line = (
            f"| {label} | {us(result['bigfoot'])} | {us(result['AsyncMock'])} | {us(result['floor'])} | "
            f"{result['AsyncMock'] / result['bigfoot']:.1f}x |"
        )
        if real:
            line += f" {us(real['seed'])} |" if result is seed else " |"
        print(line)
    line = (
        f"| {small:,} queries in one test, per interaction | {us(per_small)} | "
        f"{us(many['AsyncMock'] / (small + 2))} | {us(many['floor'] / (small + 2))} | "
        f"{many['AsyncMock'] / many['bigfoot']:.1f}x |"
    )
    if real:
        line += f" {us(real['many'] / (small + 2))} |"
    print(line)
    print()
    print(
        f"| {suite_size:,}-test suite, bytecode cache off | with bigfoot | without bigfoot (a hand-written fake) "
        "| ratio |"
    )
    print("| --- | --- | --- | --- |")
    unittest_ratio = suites["unittest_bigfoot"] / suites["unittest_plain"]
    pytest_ratio = suites["pytest_bigfoot"] / suites["pytest_plain"]
    print(
        f"| python -m unittest | {suites['unittest_bigfoot']:.2f} s | {suites['unittest_plain']:.2f} s | "
        f"{unittest_ratio:.2f}x |"
    )
    print(f"| pytest | {suites['pytest_bigfoot']:.2f} s | {suites['pytest_plain']:.2f} s | {pytest_ratio:.2f}x |")
    print()
    print("| performance budget | measured | met |")
    print("| --- | --- | --- |")
    speedup = seed["AsyncMock"] / seed["bigfoot"]
    per_interaction_bytes = peak * 1e6 / interactions
    checks = [
        ("seed test <= 20 us", us(seed["bigfoot"]), seed["bigfoot"] <= 20e-6),
        ("seed test >= 50x faster than AsyncMock", f"{speedup:.1f}x", speedup >= 50),
        (f"<= 2.5 us per interaction at {small:,} queries", us(per_small), per_small <= 2.5e-6),
        (f"{large:,} versus {small:,} interactions <= 10.5x the time", f"{ratio:.1f}x", ratio <= 10.5),
        (
            f"<= 500 bytes per recorded interaction at {interactions:,}",
            f"{per_interaction_bytes:,.0f} bytes",
            per_interaction_bytes <= 500,
        ),
        (
            f"{suite_size:,}-test suite under unittest <= 1.15x without bigfoot",
            f"{unittest_ratio:.2f}x",
            unittest_ratio <= 1.15,
        ),
        (
            f"{suite_size:,}-test suite under pytest <= 1.15x without bigfoot",
            f"{pytest_ratio:.2f}x",
            pytest_ratio <= 1.15,
        ),
        ("import bigfoot <= 25 ms above a bare interpreter", f"{(loaded - bare) * 1e3:.1f} ms", loaded - bare <= 25e-3),
        ("the asyncpg plugin imports in <= 5 ms after asyncpg", f"{plugin_import * 1e3:.1f} ms", plugin_import <= 5e-3),
        ("import bigfoot pulls in neither asyncpg nor pytest", ", ".join(pulled) or "neither", not pulled),
    ]
    for label, value, ok in checks:
        print(f"| {label} | {value} | {'yes' if ok else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
