"""Sandboxes: patching, restoring, nesting and routing calls to the right verifier."""

from __future__ import annotations

import asyncio
import inspect
import threading

import asyncpg
import pytest

from bigfoot import InvalidStateError, StrictVerifier, UnmockedInteractionError
from bigfoot._patching import depth
from bigfoot.plugins.asyncpg import AsyncpgPlugin

from . import bound_early  # binds `from asyncpg import connect` at import time, long before any sandbox

ORIGINAL_CONNECT = asyncpg.connect
ORIGINAL_CODE = asyncpg.connect.__code__
ORIGINAL_SIGNATURE = inspect.signature(asyncpg.connect)
ORIGINAL_CREATE_POOL = asyncpg.create_pool
ORIGINAL_CREATE_POOL_CODE = asyncpg.create_pool.__code__


def assert_restored() -> None:
    assert asyncpg.connect is ORIGINAL_CONNECT and asyncpg.connection.connect is ORIGINAL_CONNECT
    assert asyncpg.connect.__code__ is ORIGINAL_CODE and "__signature__" not in asyncpg.connect.__dict__
    assert asyncpg.create_pool is ORIGINAL_CREATE_POOL and asyncpg.pool.create_pool is ORIGINAL_CREATE_POOL
    assert asyncpg.create_pool.__code__ is ORIGINAL_CREATE_POOL_CODE
    assert depth() == 0


async def test_original_function_restored_after_clean_and_failing_blocks(verifier: StrictVerifier) -> None:
    with verifier.sandbox():
        assert asyncpg.connect is ORIGINAL_CONNECT and asyncpg.connect.__code__ is not ORIGINAL_CODE
        # introspection still sees asyncpg's signature, and connect is still a coroutine function
        assert inspect.signature(asyncpg.connect) == ORIGINAL_SIGNATURE
        assert inspect.iscoroutinefunction(asyncpg.connect)
    assert_restored()
    with pytest.raises(RuntimeError):
        async with verifier.sandbox():
            raise RuntimeError("test failed")
    assert_restored()


async def test_references_bound_before_the_sandbox_are_intercepted(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=7)
    with verifier.sandbox():
        assert await bound_early.count_users() == 7
    apg.assert_connect(dsn="postgresql://app@db/app")
    apg.assert_fetchval(query="SELECT count(*) FROM users", args=[])
    assert bound_early.connect is ORIGINAL_CONNECT
    assert_restored()


async def test_without_a_sandbox_calls_reach_real_asyncpg(tmp_path: object) -> None:
    # A unix socket directory that does not exist: real asyncpg fails at once, without any server.
    with pytest.raises(OSError):
        await asyncpg.connect(host=f"{tmp_path}/nowhere", user="x", database="x", timeout=2)


async def test_with_a_sandbox_open_elsewhere_calls_outside_it_reach_real_asyncpg(
    verifier: StrictVerifier, tmp_path: object
) -> None:
    started, release = threading.Event(), threading.Event()

    def other_test() -> None:
        async def hold() -> None:
            with StrictVerifier().sandbox():
                started.set()
                await asyncio.to_thread(release.wait)

        asyncio.run(hold())

    thread = threading.Thread(target=other_test)
    thread.start()
    try:
        assert started.wait(5)
        assert asyncpg.connect.__code__ is not ORIGINAL_CODE  # patched for the other thread's sandbox
        with pytest.raises(OSError):
            await asyncpg.connect(host=f"{tmp_path}/nowhere", user="x", database="x", timeout=2)
    finally:
        release.set()
        thread.join()
    assert_restored()


async def test_nested_sandboxes(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    inner_verifier = StrictVerifier()
    inner = AsyncpgPlugin(inner_verifier)
    apg.new_session().expect("connect")
    apg.new_session().expect("connect")
    inner.new_session().expect("connect")
    with verifier.sandbox():
        await asyncpg.connect(host="outer")
        async with inner_verifier.sandbox():
            await asyncpg.connect(host="inner")
            with verifier.sandbox():
                await asyncpg.connect(host="outer-again")
            assert depth() == 2
        assert depth() == 1
    assert_restored()
    apg.assert_connect(host="outer")
    apg.assert_connect(host="outer-again")
    inner.assert_connect(host="inner")
    verifier.verify_all()
    inner_verifier.verify_all()


async def test_a_sandbox_is_entered_once(verifier: StrictVerifier) -> None:
    sandbox = verifier.sandbox()
    with sandbox:
        with pytest.raises(InvalidStateError, match="was entered before; a sandbox is entered once"):
            sandbox.__enter__()
    with pytest.raises(InvalidStateError):
        with sandbox:
            pass
    assert sandbox.closed and "closed" in repr(sandbox)
    sandbox.close()  # closing again is harmless
    assert_restored()


async def test_concurrent_tasks_with_different_verifiers_never_cross(real_asyncpg_functions: object) -> None:
    async def one_test(n: int) -> None:
        verifier = StrictVerifier()
        plugin = AsyncpgPlugin(verifier)
        plugin.new_session().expect("connect").expect("fetchval", returns=n).expect("close")
        async with verifier.sandbox():
            conn = await asyncpg.connect(host=f"h{n}")
            await asyncio.sleep(0)  # let the other tests interleave
            assert await conn.fetchval("SELECT $1::int", n) == n
            await conn.close()
        plugin.assert_connect(host=f"h{n}")
        plugin.assert_fetchval(query="SELECT $1::int", args=[n])
        plugin.assert_close()
        verifier.verify_all()

    await asyncio.gather(*(one_test(n) for n in range(50)))
    assert_restored()


def test_verifiers_in_two_threads_at_the_same_time() -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        async def body() -> None:
            verifier = StrictVerifier()
            plugin = AsyncpgPlugin(verifier)
            plugin.new_session().expect("connect").expect("fetchval", returns=n)
            with verifier.sandbox():
                barrier.wait(5)  # both sandboxes are open now
                conn = await asyncpg.connect(host=str(n))
                assert await conn.fetchval("SELECT 1") == n
                barrier.wait(5)
            plugin.assert_connect(host=str(n))
            plugin.assert_fetchval(query="SELECT 1", args=[])
            verifier.verify_all()

        try:
            asyncio.run(body())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_restored()


async def test_task_outliving_its_sandbox_gets_a_clear_error(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    other = StrictVerifier()
    other_plugin = AsyncpgPlugin(other)
    other_plugin.new_session().expect("connect")  # must never be consumed by the stray task
    go = asyncio.Event()

    async def stray() -> None:
        await go.wait()
        await asyncpg.connect()

    with verifier.sandbox():
        task = asyncio.ensure_future(stray())  # the sandbox closes while the task still waits
    async with other.sandbox():
        go.set()
        with pytest.raises(InvalidStateError) as info:
            await task
    message = str(info.value)
    assert message.startswith(
        "asyncpg.connect() was called from code started inside the bigfoot sandbox opened at "
        "tests/asyncpg/test_sandbox.py:"
    )
    assert "but that sandbox has closed" in message
    assert other_plugin.unused_steps() and other.interactions == []
    assert_restored()


async def test_two_hundred_concurrent_connections_each_follow_their_own_session(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    for n in range(200):
        apg.new_session().expect("connect").expect("fetchrow", returns={"session": n + 1}).expect("close")

    async def worker(n: int) -> tuple[int, int]:
        conn = await asyncpg.connect(host=f"w{n}")
        await asyncio.sleep(0)
        row = await conn.fetchrow("SELECT $1", n)
        await asyncio.sleep(0)
        await conn.close()
        return n, row["session"]

    with verifier.sandbox():
        results = await asyncio.gather(*(worker(n) for n in range(200)))
    # every connection got a distinct session, and each of its calls was answered from that session
    assert sorted(session for _, session in results) == list(range(1, 201))
    by_session: dict[int, list[str]] = {}
    for interaction in verifier.interactions:
        by_session.setdefault(interaction.session, []).append(interaction.method)
    assert all(methods == ["connect", "fetchrow", "close"] for methods in by_session.values())
    with verifier.in_any_order():
        for n, _ in results:
            apg.assert_connect(host=f"w{n}")
            apg.assert_fetchrow(query="SELECT $1", args=[n])
            apg.assert_close()
    verifier.verify_all()
    assert_restored()


async def test_unmocked_inside_one_task_does_not_disturb_the_others(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect")
    with verifier.sandbox():
        results = await asyncio.gather(asyncpg.connect(), asyncpg.connect(), return_exceptions=True)
    assert sum(isinstance(r, UnmockedInteractionError) for r in results) == 1


async def test_a_thousand_concurrent_tasks_in_one_test(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    for n in range(1000):
        apg.new_session().expect("connect").expect("fetchval", returns=n).expect("close")

    async def task() -> tuple[int, int]:
        conn = await asyncpg.connect()
        await asyncio.sleep(0)
        value = await conn.fetchval("SELECT 1")
        await conn.close()
        return conn.get_server_pid() - 40001, value

    with verifier.sandbox():
        results = await asyncio.gather(*(task() for _ in range(1000)))
    # each task's connection answered from its own session: session k scripted the value k - 1
    assert all(session == value for session, value in results)
    assert sorted(value for _, value in results) == list(range(1000))
    assert len(verifier.interactions) == 3000
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()
    assert_restored()


async def test_an_unmocked_error_leaving_nested_sandboxes_is_surfaced_once(verifier: StrictVerifier) -> None:
    with pytest.raises(UnmockedInteractionError):
        with verifier.sandbox():
            with verifier.sandbox():
                await asyncpg.connect()
    verifier.verify_all()


def test_create_pool_outside_a_sandbox_reaches_asyncpg_while_another_is_open() -> None:
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        with StrictVerifier().sandbox():
            started.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert started.wait(5)

        async def make() -> object:
            return asyncpg.create_pool(host="/nowhere", user="x", min_size=0, max_size=1)

        pool = asyncio.run(make())
        assert type(pool) is asyncpg.pool.Pool  # the real class: this context has no sandbox
    finally:
        release.set()
        thread.join()
