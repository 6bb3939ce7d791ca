"""Pools (docs/pools.md): asyncpg.create_pool in the sandbox, one scripted session per checkout."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bigfoot import StrictVerifier, UnusedMocksError
from bigfoot.plugins.asyncpg import AsyncpgPlugin

from . import bound_early
from .frames import hidden_bigfoot_modules


def checkout(apg: AsyncpgPlugin, *steps: tuple[str, object]) -> None:
    handle = apg.new_session().expect("acquire")
    for method, returns in steps:
        handle.expect(method, returns=returns)
    handle.expect("release")


async def test_pool_life_is_recorded(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    with verifier.sandbox():
        pool = asyncpg.create_pool("postgresql://app@db/app", min_size=1, max_size=3, command_timeout=5)
        assert await pool is pool
        # asyncpg opens init_size (min_size) connections when the pool is awaited: open and idle
        assert (pool.get_min_size(), pool.get_max_size(), pool.get_init_size(), pool.get_size()) == (1, 3, 1, 1)
        assert not pool.is_closing() and pool.get_idle_size() == 1
        await pool.expire_connections()
        pool.set_connect_args("postgresql://other@db/app")
        await pool.close()
        assert pool.is_closing()
        await pool.close()  # closing twice is a no-op
        other = await asyncpg.create_pool(max_size=1, min_size=0)
        other.terminate()
        other.terminate()
    apg.assert_create_pool(dsn="postgresql://app@db/app", min_size=1, max_size=3, command_timeout=5)
    apg.assert_close_pool()
    apg.assert_create_pool(max_size=1, min_size=0)
    apg.assert_terminate_pool()
    verifier.verify_all()
    assert "create_pool" in repr(verifier.interactions[0]) and "no session" in repr(verifier.interactions[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_size": 0}, "max_size is expected to be greater than zero"),
        ({"max_size": -1, "min_size": 0}, "max_size is expected to be greater than zero"),
        ({"min_size": -1}, "min_size is expected to be greater or equal to zero"),
        ({"min_size": 5, "max_size": 2}, "min_size is greater than max_size"),
        ({"min_size": 1, "max_size": 2, "init_size": 3}, "init_size is greater than max_size"),
        ({"min_size": 2, "max_size": 3, "init_size": 1}, "init_size is smaller than min_size"),
        ({"max_queries": 0}, "max_queries is expected to be greater than zero"),
        ({"max_queries": -1}, "max_queries is expected to be greater than zero"),
        ({"max_inactive_connection_lifetime": -1}, "max_inactive_connection_lifetime is expected to be greater"),
    ],
)
async def test_bad_sizes_raise_value_error_at_once(
    verifier: StrictVerifier, kwargs: dict[str, int], message: str
) -> None:
    with verifier.sandbox():
        with pytest.raises(ValueError, match=message):
            asyncpg.create_pool(**kwargs)
    assert verifier.interactions == []


async def test_use_before_init_and_after_close(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    with verifier.sandbox():
        pool = asyncpg.create_pool()
        with pytest.raises(asyncpg.InterfaceError, match=r"^pool is not initialized$"):
            await pool.acquire()
        with pytest.raises(asyncpg.InterfaceError, match=r"^pool is not initialized$"):
            await pool.close()
        async with pool:
            pass
        with pytest.raises(asyncpg.InterfaceError, match=r"^pool is closed$"):
            await pool.fetch("SELECT 1")
        assert await pool is pool  # as in asyncpg, an initialized pool stays so
        assert pool.is_closing()  # and a closed one stays closed
        assert repr(pool).startswith("<asyncpg.pool.Pool object at 0x")
    apg.assert_create_pool()
    apg.assert_close_pool()


async def test_checkouts_follow_their_sessions(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    checkout(apg, ("fetchval", 1))
    checkout(apg, ("execute", "UPDATE 1"))
    with verifier.sandbox():
        async with asyncpg.create_pool(max_size=2, min_size=1) as pool:
            async with pool.acquire() as con:
                assert isinstance(con, asyncpg.Connection)
                assert await con.fetchval("SELECT 1") == 1
                assert "PoolConnectionProxy <bigfoot fake asyncpg Connection, session #1" in repr(con)
            assert "[released]" in repr(con)
            con2 = await pool.acquire(timeout=3)
            assert pool.get_size() == 1
            assert await con2.execute("UPDATE t SET a = 1") == "UPDATE 1"
            await pool.release(con2, timeout=2)
            await pool.release(con2)  # releasing twice is a no-op
    apg.assert_create_pool(max_size=2, min_size=1)
    apg.assert_acquire()
    apg.assert_fetchval(query="SELECT 1", args=[])
    apg.assert_release()
    apg.assert_acquire(timeout=3)
    apg.assert_execute(query="UPDATE t SET a = 1", args=[])
    apg.assert_release(timeout=2)
    apg.assert_close_pool()
    verifier.verify_all()


async def test_shortcuts_are_acquire_call_release_on_one_session(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    checkout(apg, ("fetch", [{"a": 1}]))
    checkout(apg, ("fetchrow", None))
    checkout(apg, ("fetchval", 3))
    checkout(apg, ("execute", "DELETE 2"))
    checkout(apg, ("executemany", None))
    checkout(apg, ("fetchmany", []))
    checkout(apg, ("copy_records_to_table", "COPY 1"))
    checkout(apg, ("copy_from_query", "COPY 2"))
    checkout(apg, ("copy_from_table", "COPY 3"))
    checkout(apg, ("copy_to_table", "COPY 4"))
    with verifier.sandbox():
        pool = await asyncpg.create_pool(max_size=1, min_size=1)
        assert await pool.fetch("SELECT a") == [{"a": 1}]
        assert await pool.fetchrow("SELECT a", timeout=2) is None
        assert await pool.fetchval("SELECT $1", 3, column=0) == 3
        assert await pool.execute("DELETE FROM t") == "DELETE 2"
        assert await pool.executemany("INSERT INTO t VALUES ($1)", [(1,)]) is None
        assert await pool.fetchmany("SELECT $1", [(1,)]) == []
        assert await pool.copy_records_to_table("t", records=[(1,)]) == "COPY 1"
        assert await pool.copy_from_query("SELECT 1", output=None) == "COPY 2"
        assert await pool.copy_from_table("t", output=None) == "COPY 3"
        assert await pool.copy_to_table("t", source=None) == "COPY 4"
    apg.assert_create_pool(max_size=1, min_size=1)
    expected = [
        ("fetch", {"query": "SELECT a", "args": []}),
        ("fetchrow", {"query": "SELECT a", "args": [], "timeout": 2}),
        ("fetchval", {"query": "SELECT $1", "args": [3], "column": 0}),
        ("execute", {"query": "DELETE FROM t", "args": []}),
        ("executemany", {"command": "INSERT INTO t VALUES ($1)", "args": [(1,)]}),
        ("fetchmany", {"query": "SELECT $1", "args": [(1,)]}),
        ("copy_records_to_table", {"table_name": "t", "records": [(1,)]}),
        ("copy_from_query", {"query": "SELECT 1", "args": [], "output": None}),
        ("copy_from_table", {"table_name": "t", "output": None}),
        ("copy_to_table", {"table_name": "t", "source": None}),
    ]
    for method, fields in expected:
        apg.assert_acquire()
        verifier.assert_interaction(apg.source(method), **fields)
        apg.assert_release()
    verifier.verify_all()


async def test_exhaustion_with_timeout_consumes_nothing(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    checkout(apg)
    checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(max_size=1, min_size=0)
        held = await pool.acquire()
        # What asyncpg raises: asyncio's TimeoutError, which is the built-in one only from Python 3.11 on.
        with pytest.raises(asyncio.TimeoutError):
            await pool.acquire(timeout=0.01)
        with pytest.raises(asyncio.TimeoutError):
            async with pool.acquire(timeout=0.01):
                pass  # pragma: no cover
        assert apg._sessions[1].taken is False  # the waiting acquirers took no session
        waiter = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        assert not waiter.done()
        await pool.release(held)
        second = await waiter
        await pool.release(second)
    apg.assert_create_pool(max_size=1, min_size=0)
    for _ in range(2):
        apg.assert_acquire()
        apg.assert_release()
    verifier.verify_all()


async def test_a_leaked_connection_fails_verification_naming_its_release(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    checkout(apg, ("fetchval", 1))
    with verifier.sandbox():
        pool = await asyncpg.create_pool()
        con = await pool.acquire()
        await con.fetchval("SELECT 1")  # and never released
    apg.assert_create_pool()
    apg.assert_acquire()
    apg.assert_fetchval(query="SELECT 1", args=[])
    with pytest.raises(UnusedMocksError) as info:
        verifier.verify_all()
    assert "session #1 step 3 'release' (scripted at tests/asyncpg/test_pool.py:" in str(info.value)


async def test_fifty_concurrent_checkouts_through_five_slots(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    for n in range(50):
        checkout(apg, ("fetchval", n + 1))
    in_use = 0
    peak = 0
    order: list[int] = []

    async def worker(pool: object, n: int) -> tuple[int, int]:
        nonlocal in_use, peak
        async with pool.acquire() as con:  # type: ignore[attr-defined]
            in_use += 1
            peak = max(peak, in_use)
            order.append(n)
            await asyncio.sleep(0.001 * (n % 3))
            value = await con.fetchval("SELECT $1", n)
            in_use -= 1
            return n, value

    with verifier.sandbox():
        async with asyncpg.create_pool(max_size=5, min_size=1) as pool:
            results = await asyncio.gather(*(worker(pool, n) for n in range(50)))
            assert (pool.get_size(), pool.get_idle_size()) == (5, 5)  # released connections stay open, as in asyncpg
    assert peak == 5
    # the k-th checkout got the k-th session
    sessions = {i.session for i in verifier.interactions if i.method == "acquire"}
    assert sessions == set(range(1, 51))
    by_worker = dict(results)
    assert sorted(by_worker.values()) == list(range(1, 51))
    assert [by_worker[n] for n in order] == list(range(1, 51))
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_init_once_per_connection_and_setup_on_every_acquire(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # As in asyncpg, init= runs once per physical connection: the second checkout reuses the idle connection.
    calls: list[str] = []

    async def init(con: asyncpg.Connection) -> None:
        calls.append("init")
        await con.execute("SET search_path TO app")

    async def setup(proxy: asyncpg.Connection) -> None:
        calls.append("setup")
        await proxy.execute("SET application_name = 'web'")

    apg.new_session().expect("acquire").expect("execute", returns="SET").expect("execute", returns="SET").expect(
        "fetchval", returns=1
    ).expect("release")
    apg.new_session().expect("acquire").expect("execute", returns="SET").expect("fetchval", returns=1).expect("release")
    with verifier.sandbox():
        async with asyncpg.create_pool(init=init, setup=setup, max_size=1, min_size=1) as pool:
            assert await pool.fetchval("SELECT 1") == 1
            assert await pool.fetchval("SELECT 1") == 1
    assert calls == ["init", "setup", "setup"]
    apg.assert_create_pool(init=init, setup=setup, max_size=1, min_size=1)
    for checkout in range(2):
        apg.assert_acquire()
        if checkout == 0:
            apg.assert_execute(query="SET search_path TO app", args=[])
        apg.assert_execute(query="SET application_name = 'web'", args=[])
        apg.assert_fetchval(query="SELECT 1", args=[])
        apg.assert_release()
    apg.assert_close_pool()
    verifier.verify_all()


async def test_released_proxy_and_foreign_connections(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    checkout(apg)
    checkout(apg)
    apg.new_session().expect("acquire").expect("prepare").expect("release")
    checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool()
        other = await asyncpg.create_pool()
        con = await pool.acquire()
        await pool.release(con)
        with pytest.raises(asyncpg.InterfaceError) as info:
            con.fetch("SELECT 1")  # refused at the call, before any await
        assert str(info.value) == "cannot call Connection.fetch(): connection has been released back to the pool"
        with pytest.raises(asyncpg.InterfaceError, match=r"cannot call Connection.transaction\(\)"):
            con.transaction()
        with pytest.raises(AttributeError):
            con._private
        mine = await pool.acquire()
        with pytest.raises(asyncpg.InterfaceError) as foreign:
            await other.release(mine)
        assert str(foreign.value).startswith("Pool.release() received invalid connection: <PoolConnectionProxy ")
        assert str(foreign.value).endswith(" is not a member of this pool")
        with pytest.raises(asyncpg.InterfaceError, match="is not a member of this pool"):
            await pool.release(object())
        await pool.release(mine)
        third = await pool.acquire()
        statement = await third.prepare("SELECT 1")
        await pool.release(third)
        with pytest.raises(asyncpg.InterfaceError) as stale:
            statement.fetch()
        assert str(stale.value) == (
            "cannot call PreparedStatement.fetch(): the underlying connection has been released back to the pool"
        )
        ctx = pool.acquire()
        async with ctx:
            with pytest.raises(asyncpg.InterfaceError, match="a connection is already acquired"):
                await ctx.__aenter__()
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_create_pool_bound_before_the_sandbox_is_intercepted(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    checkout(apg, ("fetchval", 12))
    with verifier.sandbox():
        assert await bound_early.pool_count() == 12
    assert bound_early.create_pool is asyncpg.create_pool
    assert asyncpg.create_pool.__code__ is asyncpg.pool.create_pool.__code__
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_a_sandbox_closed_under_a_task_refuses_create_pool(verifier: StrictVerifier) -> None:
    go = asyncio.Event()

    async def late() -> None:
        await go.wait()
        asyncpg.create_pool()

    with verifier.sandbox():
        task = asyncio.ensure_future(late())
    with StrictVerifier().sandbox():
        go.set()
        with pytest.raises(Exception, match=r"asyncpg.create_pool\(\) was called from code started inside"):
            await task


async def test_releasing_a_connection_the_code_closed(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("acquire").expect("close").expect("release")
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=1, init_size=0)
        con = await pool.acquire()
        await con.close()
        await pool.release(con)
    apg.assert_create_pool(min_size=0, max_size=1, init_size=0)
    apg.assert_acquire()
    apg.assert_close()
    apg.assert_release()
    verifier.verify_all()


async def test_a_cancelled_waiter_gives_up_its_place(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("acquire").expect("release")
    apg.new_session().expect("acquire").expect("release")
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=1)
        held = await pool.acquire()
        cancelled = asyncio.ensure_future(pool.acquire())
        waiting = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        await pool.release(held)
        second = await waiting
        assert cancelled.cancelled()
        await pool.release(second)
        with pytest.raises(ValueError, match="init_size is expected to be greater or equal to zero"):
            asyncpg.create_pool(min_size=0, init_size=-1)
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_sizes_follow_physical_connections(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    inits: list[int] = []

    async def init(con: asyncpg.Connection) -> None:
        inits.append(con.get_server_pid())

    for _ in range(5):
        checkout(apg)
    apg.new_session().expect("acquire").expect("close").expect("release")
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=3, init=init)
        sizes = [(pool.get_size(), pool.get_idle_size())]
        a, b = await pool.acquire(), await pool.acquire()
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.release(a)
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.release(await pool.acquire())  # the idle connection: no init
        await pool.release(b)
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.expire_connections()
        await pool.release(await pool.acquire())  # reconnected: init again
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.release(await pool.acquire())
        lost = await pool.acquire()
        await lost.close()  # closed while out: the pool no longer has it
        await pool.release(lost)
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.close()
        sizes.append((pool.get_size(), pool.get_idle_size()))
    assert sizes == [(0, 0), (2, 0), (2, 1), (2, 2), (2, 2), (1, 1), (0, 0)]
    assert len(inits) == 3
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_a_connection_released_after_its_pool_expired_connections_is_closed(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    inits: list[int] = []

    async def init(con: asyncpg.Connection) -> None:
        inits.append(con.get_server_pid())

    for _ in range(3):
        checkout(apg)
    with verifier.sandbox():
        pool = asyncpg.create_pool(min_size=0, max_size=2, init=init)
        sizes = [(pool.get_size(), pool.get_idle_size())]  # not started: asyncpg's pool has no connection yet
        await pool
        out, idle = await pool.acquire(), await pool.acquire()
        await pool.release(idle)
        await pool.expire_connections()
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.release(out)  # expired while out: asyncpg closes it on its release
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.release(await pool.acquire())  # the idle one reconnects and runs init again
        sizes.append((pool.get_size(), pool.get_idle_size()))
        await pool.close()
    assert sizes == [(0, 0), (2, 1), (1, 1), (1, 1)]
    assert len(inits) == 3
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_sizes_on_the_edge_of_asyncpgs_checks_are_accepted(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    with verifier.sandbox():
        # Each value is the last one asyncpg accepts: no connection lifetime limit (0), one query per connection,
        # no connection at start, and min_size, init_size and max_size all equal.
        edge = asyncpg.create_pool(
            min_size=0, max_size=1, init_size=0, max_queries=1, max_inactive_connection_lifetime=0
        )
        full = asyncpg.create_pool(min_size=2, max_size=2, init_size=2)
        between = asyncpg.create_pool(min_size=0, max_size=2, init_size=1)
    assert (edge.get_min_size(), edge.get_max_size(), edge.get_init_size()) == (0, 1, 0)
    assert (full.get_min_size(), full.get_max_size(), full.get_init_size()) == (2, 2, 2)
    assert (between.get_min_size(), between.get_max_size(), between.get_init_size()) == (0, 2, 1)
    apg.assert_create_pool(min_size=0, max_size=1, init_size=0, max_queries=1, max_inactive_connection_lifetime=0)
    apg.assert_create_pool(min_size=2, max_size=2, init_size=2)
    apg.assert_create_pool(min_size=0, max_size=2, init_size=1)
    verifier.verify_all()


async def _acquired_without_waiting(pool: asyncpg.Pool) -> asyncpg.Connection:
    acquiring = asyncio.ensure_future(pool.acquire())
    for _ in range(10):  # a few turns of the loop, no waiting on the clock
        await asyncio.sleep(0)
    assert acquiring.done(), "the acquire waits for a slot nobody holds"
    return acquiring.result()


@pytest.mark.parametrize("cancelled_first", [True, False], ids=["cancelled_before_the_release", "cancelled_after"])
async def test_a_waiter_cancelled_around_a_release_ends_cancelled_and_the_slot_moves_on(
    verifier: StrictVerifier, apg: AsyncpgPlugin, cancelled_first: bool
) -> None:
    # Cancelled just before the release, the first waiter is passed over: the release hands the slot to the next one
    # (the cancelled acquire once ended with a ValueError from the fake's queue of waiters). Cancelled after the
    # release handed it the slot, but before it ran again, it passes the slot on. Either way the cancelled acquire
    # ends with CancelledError, the next waiter gets the slot, and once that one is released the slot is free.
    checkout(apg)
    checkout(apg)
    checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=1)
        held = await pool.acquire()
        cancelled = asyncio.ensure_future(pool.acquire())
        waiting = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        if cancelled_first:
            cancelled.cancel()
        await pool.release(held)
        if not cancelled_first:
            cancelled.cancel()
        for _ in range(10):  # a few turns of the loop, no waiting on the clock
            await asyncio.sleep(0)
        assert waiting.done()  # not left waiting for a slot nobody holds
        second = waiting.result()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await pool.release(second)
        assert pool._in_use == 0 and not pool._waiters
        await pool.release(await _acquired_without_waiting(pool))  # the one slot is free again
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_the_pools_refusals_are_reported_without_its_frames(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    checkout(apg)
    with verifier.sandbox():
        pool = asyncpg.create_pool(min_size=0, max_size=1)
        with pytest.raises(asyncpg.InterfaceError) as early:
            await pool.acquire()
        await pool
        con = await pool.acquire()
        await pool.release(con)
        with pytest.raises(asyncpg.InterfaceError) as released:
            await con.fetchval("SELECT 1")
        with pytest.raises(asyncpg.InterfaceError) as foreign:
            await pool.release(object())
        await pool.close()
    for info in (early, released, foreign):
        # The error points at the test's line: the pool's frames are hidden from the report.
        assert "bigfoot.plugins.asyncpg.pool" in hidden_bigfoot_modules(info.value)
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_terminate_closes_the_connections_checked_out(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # init= is given the connection itself (the proxy only to setup=), so the code can see it closed by terminate().
    connections: list[asyncpg.Connection] = []

    async def init(con: asyncpg.Connection) -> None:
        connections.append(con)

    checkout(apg)
    apg.new_session().expect("acquire").expect("close").expect("release")
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=2, init=init)
        out = await pool.acquire()
        closed = await pool.acquire()
        await closed.close()  # closed by the code first: terminate() leaves it as it is
        assert [con.is_closed() for con in connections] == [False, True]
        pool.terminate()
        assert [con.is_closed() for con in connections] == [True, True]
        await pool.release(out)
        await pool.release(closed)
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_an_acquire_context_serves_one_checkout(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    checkout(apg)
    checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=2)
        ctx = pool.acquire()
        async with ctx:
            pass
        # As in asyncpg: once its block ended, or once awaited, the context refuses to enter again.
        with pytest.raises(asyncpg.InterfaceError, match=r"^a connection is already acquired$"):
            await ctx.__aenter__()
        awaited = pool.acquire()
        await pool.release(await awaited)
        with pytest.raises(asyncpg.InterfaceError, match=r"^a connection is already acquired$"):
            await awaited.__aenter__()
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_a_released_connection_has_no_attribute_asyncpgs_lacks(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=1)
        con = await pool.acquire()
        await pool.release(con)
        with pytest.raises(AttributeError):
            con.nonsense
        with pytest.raises(AttributeError):
            con._con_of_nothing
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_a_pool_of_more_than_256_connections_holds_its_max_size(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # Past 256, equal ints are distinct objects: the count of connections in use is compared with max_size by value.
    for _ in range(258):
        checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=0, max_size=257)
        held = [await pool.acquire() for _ in range(257)]
        waiting = asyncio.ensure_future(pool.acquire())
        for _ in range(10):  # a few turns of the loop, no waiting on the clock
            await asyncio.sleep(0)
        assert not waiting.done()
        await pool.release(held.pop())
        held.append(await waiting)
        for con in held:
            await pool.release(con)
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()


async def test_awaiting_a_started_pool_again_changes_nothing(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    inits: list[int] = []

    async def init(con: asyncpg.Connection) -> None:
        inits.append(con.get_server_pid())

    for _ in range(3):
        checkout(apg)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=1, max_size=2, init=init)
        a, b = await pool.acquire(), await pool.acquire()
        await pool.release(a)
        await pool.release(b)
        assert await pool is pool  # started once: its connections stay as they are
        assert (pool.get_size(), pool.get_idle_size()) == (2, 2)
        await pool.release(await pool.acquire())  # an idle connection that ran init= already
    assert len(inits) == 2
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()
