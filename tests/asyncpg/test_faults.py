"""Faults and time: connections lost mid-call, slow steps and deadlines, computed answers, and the observers asyncpg
offers (log listeners, termination listeners, query loggers)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import pytest

import bigfoot
from bigfoot import StrictVerifier, UnmockedInteractionError
from bigfoot.plugins.asyncpg import AsyncpgPlugin, connection_lost, postgres_error

LOST = "connection was closed in the middle of operation: terminating connection due to administrator command"


async def test_a_lost_connection_raises_then_is_closed_and_calls_termination_listeners(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetch", raises=connection_lost())
    ended: list[Any] = []
    with verifier.sandbox():
        conn = await asyncpg.connect()
        conn.add_termination_listener(ended.append)
        with pytest.raises(asyncpg.ConnectionDoesNotExistError) as caught:
            await conn.fetch("SELECT pg_sleep(5)")
        assert str(caught.value) == LOST
        assert conn.is_closed()
        assert ended == []  # asyncpg calls listeners on the loop, not inside the failing call
        await asyncio.sleep(0)
        assert ended == [conn]
        for later in (conn.fetch("SELECT 1"), conn.execute("SELECT 1"), conn.fetchval("SELECT 1")):
            with pytest.raises(asyncpg.InterfaceError, match=r"^connection is closed$"):
                await later
        await conn.close()  # closing a closed connection does nothing, and takes no step
        conn.terminate()
    apg.assert_connect()
    apg.assert_fetch(query="SELECT pg_sleep(5)", args=[], raised=asyncpg.ConnectionDoesNotExistError)
    verifier.verify_all()


async def test_any_connection_does_not_exist_error_is_a_lost_connection(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("execute", raises=asyncpg.ConnectionDoesNotExistError)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):
            await conn.execute("SELECT 1")
        assert conn.is_closed()
    assert str(connection_lost("the server crashed")) == (
        "connection was closed in the middle of operation: the server crashed"
    )
    assert bigfoot.asyncpg_mock.connection_lost is not None
    apg.assert_connect()
    apg.assert_execute(query="SELECT 1", args=[], raised=asyncpg.ConnectionDoesNotExistError)


async def retry_once(pool: Any) -> Any:
    for attempt in range(2):
        try:
            async with pool.acquire() as conn:
                return await conn.fetchval("SELECT count(*) FROM jobs")
        except asyncpg.ConnectionDoesNotExistError:
            if attempt:
                raise
    return None


async def test_a_pool_replaces_a_lost_connection_with_a_new_session(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("acquire").expect("fetchval", raises=connection_lost()).expect("release")
    apg.new_session().expect("acquire").expect("fetchval", returns=3).expect("release")
    with verifier.sandbox():
        async with asyncpg.create_pool(min_size=1, max_size=1) as pool:
            assert await retry_once(pool) == 3
    apg.assert_create_pool(min_size=1, max_size=1)
    apg.assert_acquire()
    apg.assert_fetchval(query="SELECT count(*) FROM jobs", args=[], raised=asyncpg.ConnectionDoesNotExistError)
    apg.assert_release()
    apg.assert_acquire()
    apg.assert_fetchval(query="SELECT count(*) FROM jobs", args=[])
    apg.assert_release()
    apg.assert_close_pool()
    verifier.verify_all()


# -- time ------------------------------------------------------------------------------------------------------


async def test_a_delay_passes_on_the_loops_clock_without_waiting(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=1, delay=30.0)
    loop = asyncio.get_running_loop()
    with verifier.sandbox():
        conn = await asyncpg.connect()
        started, real = loop.time(), time.monotonic()
        assert await conn.fetchval("SELECT 1") == 1
        assert loop.time() - started >= 30.0
        assert time.monotonic() - real < 5.0
    apg.assert_connect()
    apg.assert_fetchval(query="SELECT 1", args=[])


async def test_a_timeout_shorter_than_the_delay_raises_and_leaves_the_connection_usable(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[], delay=10).expect("fetchval", returns=1)
    loop = asyncio.get_running_loop()
    with verifier.sandbox():
        conn = await asyncpg.connect()
        started = loop.time()
        with pytest.raises(asyncio.TimeoutError) as caught:
            await conn.fetch("SELECT pg_sleep(10)", timeout=0.5)
        assert type(caught.value) is asyncio.TimeoutError
        assert 0.5 <= loop.time() - started < 10
        assert not conn.is_closed()
        assert await conn.fetchval("SELECT 1") == 1
    apg.assert_connect()
    apg.assert_fetch(query="SELECT pg_sleep(10)", args=[], timeout=0.5, raised=asyncio.TimeoutError)
    apg.assert_fetchval(query="SELECT 1", args=[])


async def test_command_timeout_of_connect_and_create_pool_and_the_call_overriding_it(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("execute", returns="SELECT 1", delay=2).expect(
        "execute", returns="SELECT 1", delay=2
    )
    apg.new_session().expect("acquire").expect("fetchrow", returns=None, delay=2).expect("release")
    with verifier.sandbox():
        conn = await asyncpg.connect(command_timeout=1)
        with pytest.raises(asyncio.TimeoutError):
            await conn.execute("SELECT pg_sleep(2)")
        assert await conn.execute("SELECT pg_sleep(2)", timeout="5") == "SELECT 1"  # asyncpg takes what float() takes
        async with asyncpg.create_pool(command_timeout=1) as pool:
            with pytest.raises(asyncio.TimeoutError):
                await pool.fetchrow("SELECT pg_sleep(2)")
    apg.assert_connect(command_timeout=1)
    apg.assert_execute(query="SELECT pg_sleep(2)", args=[], raised=asyncio.TimeoutError)
    apg.assert_execute(query="SELECT pg_sleep(2)", args=[], timeout="5")
    apg.assert_create_pool(command_timeout=1)
    apg.assert_acquire()
    apg.assert_fetchrow(query="SELECT pg_sleep(2)", args=[], raised=asyncio.TimeoutError)
    apg.assert_release()
    apg.assert_close_pool()


async def test_wait_for_and_cancellation_around_a_slow_step(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=1, delay=5).expect("fetchval", returns=2, delay=5)
    apg.new_session().expect("connect").expect("fetchval", returns=3, delay=1)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(conn.fetchval("SELECT 1"), 1)
        task = asyncio.ensure_future(conn.fetchval("SELECT 2"))
        await asyncio.sleep(0)
        with pytest.raises(asyncpg.InterfaceError, match="another operation is in progress"):
            await conn.fetchval("SELECT 3")  # refused client-side, no step
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        other = await asyncpg.connect()
        assert await asyncio.wait_for(other.fetchval("SELECT 4"), 2) == 3
    apg.assert_connect()
    apg.assert_fetchval(query="SELECT 1", args=[], raised=asyncio.CancelledError)
    apg.assert_fetchval(query="SELECT 2", args=[], raised=asyncio.CancelledError)
    apg.assert_connect()
    apg.assert_fetchval(query="SELECT 4", args=[])


async def test_concurrent_slow_steps_overlap_in_time(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    for value in (1, 2, 3):
        apg.new_session().expect("connect").expect("fetchval", returns=value, delay=4)
    loop = asyncio.get_running_loop()
    with verifier.sandbox():
        conns = [await asyncpg.connect() for _ in range(3)]
        started = loop.time()
        values = await asyncio.gather(*(conn.fetchval("SELECT $1::int", i) for i, conn in enumerate(conns)))
        assert values == [1, 2, 3]
        assert 4 <= loop.time() - started < 8
    with verifier.in_any_order():
        for i in range(3):
            apg.assert_connect()
            apg.assert_fetchval(query="SELECT $1::int", args=[i])


def test_delay_is_checked_when_scripted(apg: AsyncpgPlugin) -> None:
    with pytest.raises(TypeError, match=r"expect\('fetch'\): delay must be a number of seconds, 0 or more, got -1"):
        apg.new_session().expect("fetch", returns=[], delay=-1)


# -- computed answers ------------------------------------------------------------------------------------------


async def test_computed_answers_from_the_call(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    def price(fields: dict[str, Any]) -> Any:
        (sku,) = fields["args"]
        if sku == "gone":
            raise postgres_error("P0002", "no such product")
        return {"sku": sku, "price": len(sku)}

    apg.new_session().expect("connect").expect("fetchrow", returns=bigfoot.answer(price), times=2).expect(
        "fetch", returns=bigfoot.answer(lambda fields: {"not": "a list"})
    )
    with verifier.sandbox():
        conn = await asyncpg.connect()
        row = await conn.fetchrow("SELECT * FROM products WHERE sku = $1", "abc")
        assert row == {"sku": "abc", "price": 3} and type(row).__name__ == "Record"
        with pytest.raises(asyncpg.NoDataFoundError):
            await conn.fetchrow("SELECT * FROM products WHERE sku = $1", "gone")
        with pytest.raises(TypeError, match=r"The computed answer of session #1 step 4 'fetch' .* does not fit: "):
            await conn.fetch("SELECT 1")
    apg.assert_connect()
    apg.assert_fetchrow(query="SELECT * FROM products WHERE sku = $1", args=["abc"])
    apg.assert_fetchrow(query="SELECT * FROM products WHERE sku = $1", args=["gone"], raised=asyncpg.NoDataFoundError)
    apg.assert_fetch(query="SELECT 1", args=[])


# -- observers -----------------------------------------------------------------------------------------------


async def test_notices_reach_log_listeners(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("close")
    apg.new_session().expect("connect")
    seen: list[Any] = []

    async def async_listener(conn: Any, message: Any) -> None:
        seen.append(("async", message.severity))

    with verifier.sandbox():
        conn = await asyncpg.connect()
        other = await asyncpg.connect()
        conn.add_log_listener(lambda c, message: seen.append((c is conn, type(message).__name__, str(message))))
        conn.add_log_listener(async_listener)
        assert await apg.notice("vacuum skipped", detail="busy") == 2
        assert await apg.notice("disk almost full", severity="WARNING", connection=other) == 0
        conn.remove_log_listener(async_listener)
        assert await apg.notice("disk almost full", severity="WARNING") == 1
        await conn.close()
        assert await apg.notice("after close") == 0
        with pytest.raises(asyncpg.InterfaceError, match="connection is closed"):
            conn.add_log_listener(print)
    assert seen == [
        (True, "PostgresLogMessage", "PostgresLogMessage: vacuum skipped"),
        ("async", "NOTICE"),
        (True, "PostgresWarning", "PostgresWarning: disk almost full"),
    ]
    apg.assert_connect()
    apg.assert_connect()
    apg.assert_close()


async def test_termination_listeners_on_close_and_terminate(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("close")
    apg.new_session().expect("connect").expect("terminate")
    ended: list[Any] = []

    async def async_listener(conn: Any) -> None:
        ended.append(("async", conn))

    with verifier.sandbox():
        a = await asyncpg.connect()
        b = await asyncpg.connect()
        a.add_termination_listener(ended.append)
        b.add_termination_listener(async_listener)
        b.add_termination_listener(print)
        b.remove_termination_listener(print)
        await a.close()
        b.terminate()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    assert ended == [a, ("async", b)]
    apg.assert_connect()
    apg.assert_connect()
    apg.assert_close()
    apg.assert_terminate()


async def test_query_loggers_get_asyncpgs_logged_query(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="SET")
        .expect("fetchval", returns=1, delay=0.25)
        .expect("executemany")
        .expect("prepare")
        .expect("fetch", returns=[])
        .expect("fetchrow", raises=postgres_error("42P01", 'relation "nope" does not exist'))
        .expect("fetch", returns=[])
    )
    logged: list[Any] = []
    with verifier.sandbox():
        conn = await asyncpg.connect(command_timeout=9)
        with conn.query_logger(logged.append):
            await conn.execute("SET x = 1")
            await conn.fetchval("SELECT $1::int", 1)
            await conn.executemany("INSERT INTO t VALUES ($1)", [(1,), (2,)])
            statement = await conn.prepare("SELECT 2")
            await statement.fetch()  # prepared statements are not logged, as in asyncpg
            with pytest.raises(asyncpg.UndefinedTableError):
                await conn.fetchrow("SELECT * FROM nope", timeout=3)
        await conn.fetch("SELECT 3")  # the logger is gone
        await asyncio.sleep(0)
    assert [type(record).__name__ for record in logged] == ["LoggedQuery"] * 4
    assert [(r.query, r.args, r.timeout, type(r.exception).__name__) for r in logged] == [
        ("SET x = 1", (), None, "NoneType"),
        ("SELECT $1::int", (1,), 9.0, "NoneType"),
        ("INSERT INTO t VALUES ($1)", [(1,), (2,)], 9.0, "NoneType"),
        ("SELECT * FROM nope", (), 3.0, "UndefinedTableError"),
    ]
    assert 0.25 <= logged[1].elapsed < 5
    assert logged[0].conn_addr is None and logged[0].conn_params is None
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_codecs_schema_state_and_reset_query(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("reset_type_codec").expect("set_builtin_type_codec")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.reset_type_codec("json")
        await conn.set_builtin_type_codec("hstore", codec_name="pg_contrib.hstore")
        await conn.reload_schema_state()  # no round trip, no step
        assert conn.get_reset_query() == "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;"
        with pytest.raises(UnmockedInteractionError):
            await conn.reset_type_codec("json", schema="pg_catalog")
    apg.assert_connect()
    apg.assert_reset_type_codec(typename="json")
    apg.assert_set_builtin_type_codec(typename="hstore", codec_name="pg_contrib.hstore")
    verifier._unmocked.clear()


@pytest.mark.parametrize("method", ["connect", "acquire", "release", "close", "terminate"])
def test_delay_is_refused_on_steps_whose_calls_do_not_wait(apg: AsyncpgPlugin, method: str) -> None:
    with pytest.raises(TypeError, match=rf"expect\('{method}'\): delay= is not supported on {method} steps; Asy"):
        apg.new_session().expect(method, delay=1)


def test_a_notice_carries_its_detail_and_hint_only_when_given() -> None:
    from bigfoot.plugins.asyncpg.faults import log_message

    plain = log_message("vacuum skipped")
    assert (plain.detail, plain.hint) == (None, None) and "detail" not in plain.as_dict()
    full = log_message("vacuum skipped", detail="table is locked", hint="try later")
    assert (full.detail, full.hint) == ("table is locked", "try later")


async def test_a_step_exactly_as_long_as_its_timeout_times_out_and_a_step_without_delay_takes_no_time(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    from tests.asyncpg.frames import hidden_bigfoot_modules

    apg.new_session().expect("connect").expect("fetch", returns=[], delay=0.5).expect("fetchval", returns=1)
    loop = asyncio.get_running_loop()
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncio.TimeoutError) as caught:
            await conn.fetch("SELECT 1", timeout=0.5)  # the deadline comes with the answer: the deadline wins
        assert "bigfoot.plugins.asyncpg.faults" in hidden_bigfoot_modules(caught.value)
        started = loop.time()
        assert await conn.fetchval("SELECT 1", timeout=0.001) == 1
        assert loop.time() - started < 0.5
    for interaction in verifier.interactions:
        interaction.asserted = True


def test_a_loop_whose_clock_cannot_be_replaced_gets_no_virtual_clock() -> None:
    from bigfoot.plugins.asyncpg.faults import VirtualClock

    class FixedLoop:  # as uvloop's loop: no attribute can be set on it
        __slots__ = ()

        def time(self) -> float:
            return 0.0

    assert VirtualClock.of(FixedLoop()) is None  # type: ignore[arg-type]


async def test_the_virtual_clock_starts_at_the_loops_time_and_wakes_each_sleeper_at_its_own_time() -> None:
    from bigfoot.plugins.asyncpg.faults import VirtualClock

    loop = asyncio.get_running_loop()
    before = loop.time()
    clock = VirtualClock.of(loop)
    assert clock is not None and before <= loop.time() < before + 0.5  # installing it moves no time
    started, real = loop.time(), time.monotonic()
    woke: dict[float, float] = {}

    async def sleeper(seconds: float) -> None:
        await clock.sleep(seconds)
        woke[seconds] = loop.time() - started

    await asyncio.gather(sleeper(20.0), sleeper(10.0), sleeper(0.5))
    assert 0.5 <= woke[0.5] < 10.0 and 10.0 <= woke[10.0] < 20.0 and 20.0 <= woke[20.0] < 25.0
    assert time.monotonic() - real < 5.0  # each jump ahead followed the one before without waiting
    assert clock.pending == [] and not clock.jump_scheduled


async def test_a_logged_query_took_the_steps_delay_however_long(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("fetch", returns=[], delay=1e7)
        .expect("fetch", returns=[])
        .expect("close")
    )
    logged: list[Any] = []
    with verifier.sandbox():
        conn = await asyncpg.connect(command_timeout=1e8)
        conn.add_query_logger(logged.append)
        await conn.fetch("SELECT pg_sleep(1e7)")  # longer than the loop's clock has run
        await conn.fetch("SELECT 1")
        await conn.close()
        with pytest.raises(asyncpg.InterfaceError):
            await conn.fetch("SELECT 2")  # refused before anything is logged
        await asyncio.sleep(0)
    assert [(record.query, record.timeout, type(record.timeout)) for record in logged] == [
        ("SELECT pg_sleep(1e7)", 1e8, float),
        ("SELECT 1", 1e8, float),
    ]
    assert 1e7 <= logged[0].elapsed < 1e7 + 5
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_the_virtual_clock_jumps_for_a_short_sleep_and_never_goes_back() -> None:
    from bigfoot.plugins.asyncpg.faults import VirtualClock

    loop = asyncio.get_running_loop()
    clock = VirtualClock.of(loop)
    assert clock is not None
    await clock.sleep(0.5)  # under a second: still jumped to, not waited for
    assert clock.offset > 0
    before = clock.offset
    loop.call_soon(time.sleep, 0.05)  # the loop is busy past the wake-up: nothing left to jump over
    await clock.sleep(0.01)
    assert clock.offset == before


async def test_a_step_with_a_delay_of_zero_takes_no_time(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=1, delay=0)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        assert await conn.fetchval("SELECT 1", timeout=0.001) == 1
    for interaction in verifier.interactions:
        interaction.asserted = True
