"""Real asyncpg objects next to a sandbox, against a real PostgreSQL (docs/pools.md, "Real pools and threads").

Two rules are checked here. Objects made outside bigfoot stay real: a real pool opens its connections through the
real asyncpg whenever it needs one, inside a sandbox or after it, and a real connection keeps talking to its server.
And the sandbox follows the context: tasks, ``asyncio.to_thread`` and ``copy_context().run`` carry it to the fakes;
``run_in_executor``, threads of one's own and their event loops do not, and reach the server.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import threading
import unittest
from typing import Any

import asyncpg

import bigfoot
from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin
from bigfoot.plugins.asyncpg.connection import Connection as FakeConnection

DOUBLE = "SELECT $1::int * 2"


def is_real(con: Any) -> bool:
    """Whether ``con`` (a connection or a pool's proxy of one) is asyncpg's own connection, not bigfoot's fake."""
    con = getattr(con, "_con", con)
    return isinstance(con, asyncpg.connection.Connection) and not isinstance(con, FakeConnection)


async def backend_alive(server: dict[str, str], pid: int) -> bool:
    """Whether the server still has the backend ``pid``, asked on a connection of its own outside every sandbox."""
    con = await asyncpg.connect(**server)
    try:
        return bool(await con.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid))
    finally:
        await con.close()


def script_own_connect(apg: AsyncpgPlugin) -> None:
    """The code under test's own connection: a fake that follows the script."""
    apg.new_session().expect("connect").expect("fetchval", returns=7).expect("close")


async def own_connect() -> Any:
    con = await asyncpg.connect(host="db.invalid", user="app")
    try:
        return await con.fetchval("SELECT 7")
    finally:
        await con.close()


def assert_own_connect(apg: AsyncpgPlugin) -> None:
    apg.assert_connect(host="db.invalid", user="app")
    apg.assert_fetchval(query="SELECT 7", args=[])
    apg.assert_close()


async def test_a_real_pool_made_before_the_sandbox_serves_real_rows_and_leaves_the_script_alone(
    postgres: dict[str, str], verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # min_size=0: the pool has no connection yet, so the first acquire, inside the sandbox, opens one.
    pool = await asyncpg.create_pool(**postgres, min_size=0, max_size=2)
    try:
        script_own_connect(apg)
        async with verifier.sandbox():
            async with pool.acquire() as con:
                assert is_real(con)
                assert await con.fetchval(DOUBLE, 21) == 42
            assert await own_connect() == 7  # the script's session was not taken by the pool
            assert await pool.fetchval(DOUBLE, 4) == 8
        assert pool.get_size() == 1
    finally:
        await pool.close()
    assert_own_connect(apg)
    verifier.verify_all()


async def test_a_real_pool_reconnects_for_real_inside_the_sandbox(
    postgres: dict[str, str], verifier: StrictVerifier
) -> None:
    # max_queries=1: asyncpg closes the connection when it is released, and the next acquire opens a new one.
    pool = await asyncpg.create_pool(**postgres, min_size=1, max_size=1, max_queries=1)
    try:
        pids = []
        async with verifier.sandbox():
            for number in range(3):
                async with pool.acquire() as con:
                    assert is_real(con)
                    pids.append(await con.fetchval("SELECT pg_backend_pid()"))
                    assert await con.fetchval(DOUBLE, number) == number * 2
        assert len(set(pids)) == 3
    finally:
        await pool.close()
    assert verifier.interactions == []
    verifier.verify_all()


async def test_a_real_pool_filled_inside_the_sandbox_closes_for_real_after_it(
    postgres: dict[str, str], verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    pool = await asyncpg.create_pool(**postgres, min_size=0, max_size=2)
    try:
        script_own_connect(apg)
        async with verifier.sandbox():
            first, second = await pool.acquire(), await pool.acquire()  # two new connections
            pids = [await first.fetchval("SELECT pg_backend_pid()"), await second.fetchval("SELECT pg_backend_pid()")]
            await pool.release(first)
            await pool.release(second)
            assert await own_connect() == 7
    finally:
        await pool.close()  # after the sandbox: asyncpg's own close of real connections, no fake reached
    assert pool.is_closing() and pool.get_size() == 0
    assert [await backend_alive(postgres, pid) for pid in pids] == [False, False]
    assert_own_connect(apg)
    verifier.verify_all()


async def test_a_real_connection_made_before_the_sandbox_and_one_made_in_another_thread_talk_to_the_server(
    postgres: dict[str, str], verifier: StrictVerifier
) -> None:
    earlier = await asyncpg.connect(**postgres)
    outcome: list[Any] = []

    def in_thread() -> None:
        async def work() -> Any:
            con = await asyncpg.connect(**postgres)  # a thread of one's own does not carry the sandbox
            try:
                return is_real(con), await con.fetchval(DOUBLE, 50)
            finally:
                await con.close()

        try:
            outcome.append(asyncio.run(work()))
        except BaseException as exc:
            outcome.append(exc)

    try:
        async with verifier.sandbox():
            assert await earlier.fetchval(DOUBLE, 10) == 20
            thread = threading.Thread(target=in_thread)
            thread.start()
            await asyncio.get_running_loop().run_in_executor(None, thread.join)
            assert await earlier.fetchval(DOUBLE, 11) == 22
    finally:
        await earlier.close()
    assert outcome == [(True, 100)]
    assert verifier.interactions == []
    verifier.verify_all()


async def test_run_in_executor_does_not_carry_the_sandbox_and_reaches_the_server(
    postgres: dict[str, str], verifier: StrictVerifier
) -> None:
    def worker() -> Any:
        async def work() -> Any:
            con = await asyncpg.connect(**postgres)
            try:
                return is_real(con), await con.fetchval(DOUBLE, 3)
            finally:
                await con.close()

        return asyncio.run(work())

    async with verifier.sandbox():
        assert await asyncio.get_running_loop().run_in_executor(None, worker) == (True, 6)
    assert verifier.interactions == []
    verifier.verify_all()


def fake_worker() -> Any:
    """A job run in another thread, with an event loop of its own, that connects and queries once."""
    return asyncio.run(own_connect())


async def test_to_thread_carries_the_sandbox_to_the_fake(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    script_own_connect(apg)
    async with verifier.sandbox():
        assert await asyncio.to_thread(fake_worker) == 7
    assert_own_connect(apg)
    verifier.verify_all()


async def test_an_executor_job_submitted_through_copy_context_run_carries_the_sandbox(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    script_own_connect(apg)
    async with verifier.sandbox():
        job = contextvars.copy_context().run
        assert await asyncio.get_running_loop().run_in_executor(None, job, fake_worker) == 7
    assert_own_connect(apg)
    verifier.verify_all()


async def test_a_loop_in_another_thread_runs_its_own_tasks_for_real_and_a_submitted_coroutine_in_the_sandbox(
    postgres: dict[str, str], verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever)
    thread.start()
    gate = asyncio.Event()

    async def background_job() -> Any:
        await gate.wait()
        con = await asyncpg.connect(**postgres)
        try:
            return is_real(con), await con.fetchval(DOUBLE, 8)
        finally:
            await con.close()

    try:
        # A task of the other loop, made before the sandbox: it connects while the sandbox is open, for real.
        background = asyncio.wrap_future(asyncio.run_coroutine_threadsafe(background_job(), other))
        script_own_connect(apg)
        async with verifier.sandbox():
            # Handed over from inside the sandbox: asyncio runs the coroutine in a copy of the caller's context.
            assert await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(own_connect(), other)) == 7
            other.call_soon_threadsafe(gate.set)
            assert await background == (True, 16)
    finally:
        other.call_soon_threadsafe(other.stop)
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        other.close()
    assert_own_connect(apg)
    verifier.verify_all()


def run_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    return unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)


def test_a_real_pool_made_in_async_set_up_serves_a_mixin_test(postgres: dict[str, str]) -> None:
    seen: list[Any] = []

    class PoolInAsyncSetUp(bigfoot.BigfootTestCase):
        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            self.pool = await asyncpg.create_pool(**postgres, min_size=0, max_size=1)

        async def asyncTearDown(self) -> None:
            await self.pool.close()  # after the test's sandbox
            await super().asyncTearDown()

        async def test_uses_the_pool(self) -> None:
            script_own_connect(self.asyncpg_mock)
            async with bigfoot:
                async with self.pool.acquire() as con:
                    seen.append((is_real(con), await con.fetchval(DOUBLE, 5)))
                seen.append(await own_connect())
            assert_own_connect(self.asyncpg_mock)

    result = run_case(PoolInAsyncSetUp)
    assert result.wasSuccessful() and result.testsRun == 1, result.failures + result.errors
    assert seen == [(True, 10), 7]


def test_a_real_pool_made_in_set_up_class_serves_the_mixin_tests(postgres: dict[str, str]) -> None:
    seen: list[Any] = []

    class PoolInSetUpClass(bigfoot.BigfootMixin, unittest.TestCase):
        loop: asyncio.AbstractEventLoop
        pool: Any

        @classmethod
        def setUpClass(cls) -> None:
            async def make() -> Any:  # asyncpg's pool takes the running loop
                # max_queries=1: every test's checkout opens a new connection, inside that test's sandbox.
                return await asyncpg.create_pool(**postgres, min_size=0, max_size=1, max_queries=1)

            cls.loop = asyncio.new_event_loop()
            cls.pool = cls.loop.run_until_complete(make())

        @classmethod
        def tearDownClass(cls) -> None:
            try:
                cls.loop.run_until_complete(cls.pool.close())
            finally:
                cls.loop.close()

        def run_in_sandbox(self, number: int) -> None:
            async def work() -> None:
                script_own_connect(self.asyncpg_mock)
                async with bigfoot:
                    async with self.pool.acquire() as con:
                        seen.append((is_real(con), await con.fetchval(DOUBLE, number)))
                    seen.append(await own_connect())
                assert_own_connect(self.asyncpg_mock)

            self.loop.run_until_complete(work())

        def test_first(self) -> None:
            self.run_in_sandbox(1)

        def test_second(self) -> None:
            self.run_in_sandbox(1)

    result = run_case(PoolInSetUpClass)
    assert result.wasSuccessful() and result.testsRun == 2, result.failures + result.errors
    assert seen == [(True, 2), 7, (True, 2), 7]
