"""Soak: ten thousand tests' worth of bigfoot in one process, then proof that nothing is left behind.

One pytest test runs the others' life cycles itself, the way the runners do (a verifier installed, the test body,
open sandboxes closed, ``verify_all()``, the verifier uninstalled), mixing what tests do: ``with bigfoot:`` and
``async with bigfoot:``, fake connections and fake pools, tasks created inside sandboxes (cancelled, refused after
the sandbox closed, or left pending on a loop closed without cancelling them), sandboxes in several threads at once,
unittest suites with the mixin run by unittest's own runner, failing tests of every kind, and a real asyncpg
connection and a real pool, made before the first sandbox, used across the whole run and returning the server's rows.

Afterwards nothing may remain: asyncpg's functions have their own code again, no bigfoot object is alive, the context
variables are unset, and memory is where it was after the warm-up batch of a thousand tests, within bounds small
enough that a leak of one hundred-byte object a test fails them (see Memory).
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import gc
import io
import sys
import threading
import unittest
import weakref
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

import asyncpg
import asyncpg.pool
import pytest

import bigfoot
from bigfoot import (
    BigfootError,
    InvalidStateError,
    StrictVerifier,
    UnmockedInteractionError,
    _patching,
    _sandbox,
)
from bigfoot._current import CURRENT, install, uninstall
from bigfoot._plugin import BasePlugin
from bigfoot._script import Session, Step
from bigfoot._timeline import Interaction
from bigfoot.plugins.asyncpg.connection import Connection as FakeConnection
from bigfoot.plugins.asyncpg.pool import Pool as FakePool

TOTAL = 10_000
WARM_UP = 1_000

DOUBLE = "SELECT $1::int * 2"

# What each function the plugin swaps has as code before any sandbox of this process: taken at collection.
WATCHED: dict[str, Any] = {
    "asyncpg.connect": asyncpg.connect,
    "asyncpg.create_pool": asyncpg.create_pool,
    "asyncpg.connection.connect": asyncpg.connection.connect,
    "asyncpg.pool.Pool._get_new_connection": asyncpg.pool.Pool._get_new_connection,
}
ORIGINAL_CODE = {name: func.__code__ for name, func in WATCHED.items()}

BIGFOOT_TYPES = (StrictVerifier, BasePlugin, Interaction, Session, Step, _sandbox.Sandbox, FakeConnection, FakePool)


def _quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A loop's exception handler: a task destroyed while pending is what the abandoning tests do on purpose."""
    message = context.get("message", "")
    if "destroyed but it is pending" not in message:  # pragma: no cover - would be a failure of the soak
        Soak.unexpected.append(message)


class Soak:
    """The run's state: the main loop, the real objects made before the first sandbox, and what happened."""

    unexpected: ClassVar[list[str]] = []

    def __init__(self, server: dict[str, str]) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(_quiet)
        self.outcomes: Counter[str] = Counter()
        self.tests = 0
        self.real_rows = 0
        self.sample: list[weakref.ref[StrictVerifier]] = []
        self.lock = threading.Lock()

        async def make() -> tuple[Any, Any]:
            # No expiry timers: asyncpg schedules one per cached statement (and the pool one per idle connection)
            # with call_later, in the context of the code that ran the query, and a timer keeps its context, with
            # the test's verifier in it, until it fires or the loop purges it, minutes later. That retention is
            # asyncio's, bounded, and would hide a leak of bigfoot's own from the checks below.
            # max_queries=200: the pool replaces its connection now and then, from inside a test's sandbox.
            never = {"max_cached_statement_lifetime": 0}
            return (
                await asyncpg.connect(**server, **never),
                await asyncpg.create_pool(
                    **server, **never, min_size=1, max_size=2, max_queries=200, max_inactive_connection_lifetime=0
                ),
            )

        self.connection, self.pool = self.loop.run_until_complete(make())

    def close(self) -> None:
        async def close() -> None:
            await self.connection.close()
            await self.pool.close()

        try:
            self.loop.run_until_complete(close())
        finally:
            self.loop.close()

    # -- the runner --------------------------------------------------------------------------------------------

    def run(self, body: Callable[[StrictVerifier], Any], expected: str) -> None:
        """One test as the pytest plugin runs it; ``expected`` is how it should end (``passed`` or an error name)."""
        verifier = StrictVerifier()
        if self.tests % 97 == 0:
            self.sample.append(weakref.ref(verifier))
        token = install(verifier)
        outcome = "passed"
        try:
            try:
                body(verifier)
            except BaseException as exc:
                _sandbox.mark_surfaced(verifier, exc)
                outcome = type(exc).__name__
            _sandbox.close_open(verifier)
            try:
                verifier.verify_all()
            except BigfootError as exc:
                outcome = outcome if outcome != "passed" else type(exc).__name__
        finally:
            uninstall(token)
        assert outcome == expected, f"a {body.__name__} test ended {outcome}, not {expected}"
        with self.lock:  # the threads' tests count here too
            self.outcomes[outcome] += 1
            self.tests += 1

    def on_loop(self, coroutine: Callable[[StrictVerifier], Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
        """An async test body, run on the main loop (where the real objects live) in the test's context."""

        def body(verifier: StrictVerifier) -> Any:
            return self.loop.run_until_complete(coroutine(verifier))

        body.__name__ = coroutine.__name__
        return body

    # -- the tests ---------------------------------------------------------------------------------------------

    def schedule(self) -> list[Callable[[], None]]:
        """One round of the mix; the soak repeats it until it has run TOTAL tests."""
        run, on_loop = self.run, self.on_loop
        return [
            lambda: run(on_loop(fake_connection), "passed"),
            lambda: run(fake_pool, "passed"),
            lambda: run(on_loop(self.real_objects), "passed"),
            lambda: run(on_loop(fake_connection), "passed"),
            lambda: run(on_loop(unmocked_seen), "UnmockedInteractionError"),
            lambda: run(on_loop(unmocked_swallowed), "UnmockedInteractionError"),
            lambda: run(on_loop(unasserted), "UnassertedInteractionsError"),
            lambda: run(error_inside, "ValueError"),
            lambda: run(on_loop(task_group), "ExceptionGroup" if sys.version_info >= (3, 11) else "passed"),
            lambda: run(on_loop(self.real_objects), "passed"),
            lambda: run(on_loop(pending_task_cancelled), "passed"),
            lambda: run(on_loop(task_started_after_the_sandbox), "passed"),
            lambda: run(abandoned_on_a_closed_loop, "passed"),
            self.threads,
            self.unittest_suites,
            lambda: run(fake_pool, "passed"),
        ]

    async def real_objects(self, verifier: StrictVerifier) -> None:
        """The real connection and the real pool, made before the first sandbox, inside this test's sandbox."""
        script_fake_connection()
        number = self.tests % 1000
        async with bigfoot:
            assert await self.connection.fetchval(DOUBLE, number) == number * 2
            async with self.pool.acquire() as con:
                assert type(con._con) is asyncpg.connection.Connection
                assert await con.fetchval(DOUBLE, number + 1) == number * 2 + 2
            assert await use_fake_connection() == 7  # the script's session is the fake's, not the pool's
            assert await self.pool.fetchval(DOUBLE, 3) == 6
        assert_fake_connection()
        self.real_rows += 3

    def threads(self) -> None:
        """Four tests at once, each in a thread of its own with its own verifier and event loop."""
        errors: list[BaseException] = []

        def one() -> None:
            try:
                self.run(lambda verifier: asyncio.run(fake_connection(verifier)), "passed")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=one) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []

    def unittest_suites(self) -> None:
        """A mixin test case run by unittest's runner: a passing and a failing test on their own loops, and two on
        the main loop using the real pool."""
        pool, loop = self.pool, self.loop

        class OnTheirOwnLoops(bigfoot.BigfootTestCase):
            async def test_passes(self) -> None:
                await fake_connection(self.bigfoot_verifier)

            async def test_leaves_an_interaction_unasserted(self) -> None:
                await unasserted(self.bigfoot_verifier)

        class WithTheRealPool(bigfoot.BigfootMixin, unittest.TestCase):
            def test_real_pool(self) -> None:
                async def work() -> None:
                    script_fake_connection()
                    async with bigfoot:
                        assert await pool.fetchval(DOUBLE, 21) == 42
                        assert await use_fake_connection() == 7
                    assert_fake_connection()

                loop.run_until_complete(work())

            def test_raises_inside_the_sandbox(self) -> None:
                error_inside(self.bigfoot_verifier)

        suite = unittest.TestSuite()
        for case in (OnTheirOwnLoops, WithTheRealPool):
            suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
        assert result.testsRun == 4
        assert [test.id().rpartition(".")[2] for test, _ in result.failures] == [
            "test_leaves_an_interaction_unasserted"
        ], result.failures
        assert [test.id().rpartition(".")[2] for test, _ in result.errors] == ["test_raises_inside_the_sandbox"]
        self.outcomes["unittest"] += 4
        self.real_rows += 1
        self.tests += 4


# -- test bodies that need no real object ----------------------------------------------------------------------


def script_fake_connection() -> None:
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=7).expect("close")


async def use_fake_connection() -> Any:
    con = await asyncpg.connect(host="db.invalid", user="app")
    try:
        return await con.fetchval("SELECT 7")
    finally:
        await con.close()


def assert_fake_connection() -> None:
    bigfoot.asyncpg_mock.assert_connect(host="db.invalid", user="app")
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 7", args=[])
    bigfoot.asyncpg_mock.assert_close()


async def fake_connection(verifier: StrictVerifier) -> None:
    script_fake_connection()
    async with bigfoot:
        assert await use_fake_connection() == 7
    assert_fake_connection()


def fake_pool(verifier: StrictVerifier) -> None:
    bigfoot.asyncpg_mock.new_session().expect("acquire").expect("fetch", returns=[{"n": 1}]).expect("release")

    async def work() -> Any:
        pool = await asyncpg.create_pool("postgresql://app@db.invalid/app", min_size=1, max_size=2)
        async with pool.acquire() as con:
            rows = await con.fetch("SELECT 1 AS n")
        await pool.close()
        return rows

    with bigfoot:
        rows = asyncio.run(work())
    assert [tuple(row) for row in rows] == [(1,)]
    bigfoot.asyncpg_mock.assert_create_pool(dsn="postgresql://app@db.invalid/app", min_size=1, max_size=2)
    bigfoot.asyncpg_mock.assert_acquire()
    bigfoot.asyncpg_mock.assert_fetch(query="SELECT 1 AS n", args=[])
    bigfoot.asyncpg_mock.assert_release()
    bigfoot.asyncpg_mock.assert_close_pool()


async def unmocked_seen(verifier: StrictVerifier) -> None:
    async with bigfoot:
        await asyncpg.connect(host="db.invalid")  # nothing scripted: the test fails with the error


async def unmocked_swallowed(verifier: StrictVerifier) -> None:
    async with bigfoot:
        try:
            await asyncpg.connect(host="db.invalid")
        except UnmockedInteractionError:
            pass  # swallowed: verification reports it


async def unasserted(verifier: StrictVerifier) -> None:
    script_fake_connection()
    async with bigfoot:
        await use_fake_connection()


def error_inside(verifier: StrictVerifier) -> None:
    with bigfoot:
        raise ValueError("the code under test failed")


async def task_group(verifier: StrictVerifier) -> None:
    if sys.version_info < (3, 11):  # pragma: no cover - no TaskGroup on 3.10
        return
    async with bigfoot, asyncio.TaskGroup() as group:
        group.create_task(asyncpg.connect(host="one.invalid"))
        group.create_task(asyncpg.connect(host="two.invalid"))


async def pending_task_cancelled(verifier: StrictVerifier) -> None:
    gate = asyncio.Event()
    script_fake_connection()

    async def waits() -> None:
        await gate.wait()

    async with bigfoot:
        task = asyncio.create_task(waits())
        assert await use_fake_connection() == 7
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_fake_connection()


async def task_started_after_the_sandbox(verifier: StrictVerifier) -> None:
    """A task made inside the sandbox that first runs after it closed: its call is refused, not answered."""
    async with bigfoot:
        task = asyncio.create_task(asyncpg.connect(host="late.invalid"))
    with pytest.raises(InvalidStateError, match="sandbox has closed"):
        await task


def abandoned_on_a_closed_loop(verifier: StrictVerifier) -> None:
    """A task left pending inside its own sandbox on a loop closed without cancelling it; the garbage collector
    finalizes it later, during some other test."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet)

    async def forever() -> None:
        async with bigfoot:
            await asyncio.Event().wait()

    async def main() -> None:
        asyncio.get_running_loop().create_task(forever())
        await asyncio.sleep(0)

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert _sandbox.close_open(verifier) == 1


# -- the soak ------------------------------------------------------------------------------------------------------


def run_batch(soak: Soak, until: int) -> None:
    rounds = soak.schedule()
    while soak.tests < until:
        for test in rounds:
            test()


def bigfoot_objects(excluded: set[int]) -> list[object]:
    gc.collect()
    return [obj for obj in gc.get_objects() if isinstance(obj, BIGFOOT_TYPES) and id(obj) not in excluded]


def test_ten_thousand_tests_leave_nothing_behind(postgres: dict[str, str], bigfoot_verifier: StrictVerifier) -> None:
    assert {name: func.__code__ for name, func in WATCHED.items()} == ORIGINAL_CODE
    gc.collect()
    # What was alive before (this test's own verifier, objects other tests keep): held, so their ids stay theirs.
    before = [obj for obj in gc.get_objects() if isinstance(obj, BIGFOOT_TYPES)]
    excluded = {id(obj) for obj in before}
    soak = Soak(postgres)
    context = contextvars.Context()  # the soak's main context, where no runner has installed anything
    try:
        context.run(run_batch, soak, WARM_UP)
        baseline = Memory()
        context.run(run_batch, soak, TOTAL)
        # The real objects made before the first sandbox still answer with the server's data.
        assert context.run(soak.loop.run_until_complete, soak.connection.fetchval(DOUBLE, 50)) == 100
        assert context.run(soak.loop.run_until_complete, soak.pool.fetchval(DOUBLE, 60)) == 120
        end = Memory()
    finally:
        soak.close()

    assert soak.tests >= TOTAL
    assert Soak.unexpected == []
    assert soak.real_rows > 2_000
    assert soak.outcomes["UnmockedInteractionError"] > 800 and soak.outcomes["unittest"] > 1_500

    # Nothing is patched, and no sandbox is open or counted.
    assert {name: func.__code__ for name, func in WATCHED.items()} == ORIGINAL_CODE
    assert not any("__signature__" in func.__dict__ for func in WATCHED.values())
    assert _patching.depth() == 0 and _patching._installed == {} and _sandbox._open == set()

    # The context variables are unset in the soak's main context and back to this test's own in pytest's.
    assert context.run(CURRENT.get) is None and context.run(_sandbox.ACTIVE.get) is None
    assert CURRENT.get() is bigfoot_verifier and _sandbox.ACTIVE.get() is None

    # No verifier, plugin, interaction, script, sandbox or fake is still alive.
    assert [ref for ref in soak.sample if ref() is not None] == []
    left = bigfoot_objects(excluded)
    assert left == [], f"{len(left)} bigfoot objects outlived their tests: {Counter(type(o).__name__ for o in left)}"
    del before

    # Memory is back where the warm-up left it.
    # Coverage, when it measures the run (README's first test step), keeps data of its own as lines run; the memory
    # check runs in the steps without it.
    coverage = sys.modules.get("coverage")
    if coverage is None or coverage.Coverage.current() is None:
        end.assert_within(baseline)


class Memory:
    """What the process has allocated, after a full collection: small blocks (Python's allocator, which serves every
    object and buffer up to 512 bytes) and, with glibc, the bytes malloc has handed out and not had back (larger
    objects and buffers, C libraries).

    A leak of one small object a test, about 100 bytes, adds 9,000 blocks over the 9,000 tests after the warm-up; of
    one large one, over 4 MB. What the run keeps legitimately (interned names, freelists) is a few hundred blocks.
    """

    BLOCKS = 2_000
    BYTES = 2 * 1024 * 1024

    def __init__(self) -> None:
        gc.collect()
        self.blocks = sys.getallocatedblocks()
        self.malloc = _malloc_in_use()
        self.kinds = Counter(type(obj).__name__ for obj in gc.get_objects())

    def assert_within(self, baseline: Memory) -> None:
        grown = self.kinds - baseline.kinds
        kinds = ", ".join(f"{name} +{count}" for name, count in grown.most_common(10))
        assert self.blocks - baseline.blocks < self.BLOCKS, (
            f"{self.blocks - baseline.blocks} more memory blocks after the soak than after the warm-up; objects "
            f"that grew in number: {kinds or 'none (not objects the collector tracks)'}"
        )
        if self.malloc is not None and baseline.malloc is not None:
            assert self.malloc - baseline.malloc < self.BYTES, (
                f"{self.malloc - baseline.malloc} more bytes allocated by malloc after the soak than after the "
                f"warm-up; objects that grew in number: {kinds or 'none (not objects the collector tracks)'}"
            )


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def _malloc_in_use() -> int | None:
    """Bytes malloc has handed out and not had back (glibc 2.33+), or None where that cannot be asked."""
    mallinfo2 = getattr(ctypes.CDLL(None), "mallinfo2", None) if sys.platform == "linux" else None
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return int(info.uordblks + info.hblkhd)
