"""Edge cases of the core and the fakes, each a behaviour a user can run into."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from unittest.mock import ANY

import asyncpg
import pytest

from bigfoot import (
    InteractionMismatchError,
    MissingAssertionFieldsError,
    Record,
    StrictVerifier,
    UnmockedInteractionError,
)
from bigfoot.plugins.asyncpg.placeholders import expected_arguments
from bigfoot._current import CURRENT, install, uninstall
from bigfoot._patching import FunctionPatch, depth
from bigfoot._render import mask_text
from bigfoot.plugins.asyncpg import AsyncpgPlugin


async def connect(verifier: StrictVerifier, apg: AsyncpgPlugin, *steps: tuple[str, object]) -> object:
    handle = apg.new_session().expect("connect")
    for method, returns in steps:
        handle.expect(method, returns=returns)
    with verifier.sandbox():
        conn = await asyncpg.connect()
    apg.assert_connect()
    return conn


async def test_raised_matches_a_class_an_instance_or_a_matcher(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    boom = ValueError("boom")
    apg.new_session().expect("connect", raises=boom)
    with verifier.sandbox():
        with pytest.raises(ValueError):
            await asyncpg.connect()
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_connect(raised=KeyError)
    assert "    raised: expected <class 'KeyError'>, actual ValueError('boom')" in str(info.value)
    with pytest.raises(InteractionMismatchError):
        apg.assert_connect(raised=ValueError("boom"))  # another instance is not the one raised
    apg.assert_connect(raised=ANY)


async def test_a_matcher_that_raises_is_a_difference(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    class Explodes:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("matcher bug")

    conn = await connect(verifier, apg, ("fetchval", 1))
    with verifier.sandbox():
        await conn.fetchval("SELECT 1")  # type: ignore[attr-defined]
    with pytest.raises(InteractionMismatchError, match="query: expected <"):
        apg.assert_fetchval(query=Explodes(), args=[])
    apg.assert_fetchval(query="SELECT 1", args=[])


async def test_any_order_reports_missing_fields(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    with verifier.sandbox():
        await asyncpg.connect(host="h", port=1)
    with verifier.in_any_order():
        with pytest.raises(MissingAssertionFieldsError, match="left out recorded field"):
            apg.assert_connect(host="h")
        apg.assert_connect(host="h", port=1)


async def test_an_unmocked_error_leaving_nested_sandboxes_is_surfaced_once(verifier: StrictVerifier) -> None:
    with pytest.raises(UnmockedInteractionError):
        with verifier.sandbox():
            with verifier.sandbox():
                await asyncpg.connect()
    verifier.verify_all()


async def test_a_session_with_no_steps(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session()
    with verifier.sandbox():
        with pytest.raises(UnmockedInteractionError, match="on session #1, which has no steps scripted"):
            await asyncpg.connect()


def test_sources_exist_only_for_step_names(apg: AsyncpgPlugin) -> None:
    assert apg.create_pool.name == "create_pool" and apg.rollback_to_savepoint.name == "rollback_to_savepoint"
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        apg.nonsense
    with pytest.raises(KeyError):
        apg.source("nonsense")
    assert apg.called_name("fetch") == "conn.fetch" and apg.called_name("acquire") == "pool.acquire"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("/* outer /* inner $9 */ still comment $8 */ SELECT $1", 1),
        ("SELECT $1 /* never closed $5", 1),
        ("SELECT $$ never closed $4", 0),
        ("SELECT 'it''s $3', $2", 2),
        ('SELECT "a""$3", $1', 1),
    ],
)
def test_placeholder_counting_edges(query: str, count: int) -> None:
    assert expected_arguments(query) == count


def test_masking_connection_strings() -> None:
    assert mask_text("postgresql://u:secret@h/d") == "postgresql://u:***@h/d"
    assert mask_text("postgresql://h/d?user=u&password=secret&x=1") == "postgresql://h/d?user=u&password=***&x=1"
    assert mask_text("no secrets here") == "no secrets here"


def test_record_from_a_dict_with_a_non_string_key() -> None:
    with pytest.raises(TypeError, match="column names must be str"):
        Record({1: "x"})  # type: ignore[dict-item]


async def test_prepared_statement_timeouts_are_recorded(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connect(
        verifier, apg, ("prepare", None), ("fetchrow", None), ("fetchval", 1), ("fetchmany", []), ("executemany", None)
    )
    with verifier.sandbox():
        statement = await conn.prepare("SELECT $1")  # type: ignore[attr-defined]
        await statement.fetchrow(1, timeout=1)
        await statement.fetchval(1, timeout=2)
        await statement.fetchmany([(1,)], timeout=3)
        await statement.executemany([(1,)], timeout=4)
    apg.assert_prepare(query="SELECT $1")
    apg.assert_fetchrow(query="SELECT $1", args=[1], timeout=1)
    apg.assert_fetchval(query="SELECT $1", args=[1], timeout=2)
    apg.assert_fetchmany(query="SELECT $1", args=[(1,)], timeout=3)
    apg.assert_executemany(query="SELECT $1", args=[(1,)], timeout=4)


async def test_connection_level_options_are_recorded(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connect(verifier, apg, ("fetchmany", []), ("fetchrow", None), ("remove_listener", None))
    with verifier.sandbox():
        await conn.fetchmany("SELECT $1", [(1,)], timeout=1, record_class=Record)  # type: ignore[attr-defined]
        await conn.fetchrow("SELECT 1", timeout=2, record_class=Record)  # type: ignore[attr-defined]
        await conn.remove_listener("never", print)  # type: ignore[attr-defined]
    apg.assert_fetchmany(query="SELECT $1", args=[(1,)], timeout=1, record_class=Record)
    apg.assert_fetchrow(query="SELECT 1", args=[], timeout=2, record_class=Record)
    apg.assert_remove_listener(channel="never", callback=print)


async def test_closing_inside_a_transaction_block(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connect(verifier, apg, ("begin", None), ("close", None))
    with verifier.sandbox():
        with pytest.raises(asyncpg.InterfaceError) as info:
            async with conn.transaction():  # type: ignore[attr-defined]
                await conn.close()  # type: ignore[attr-defined]
        assert str(info.value) == "cannot call Transaction.__aexit__(): the underlying connection is closed"
    from bigfoot.plugins.asyncpg.cursor import CursorFactory

    with pytest.raises(asyncpg.InterfaceError, match="cannot call CursorFactory.__aiter__"):
        CursorFactory(conn, {"query": "SELECT 1", "args": []}).__aiter__()  # type: ignore[arg-type]
    apg.assert_begin()
    apg.assert_close()


async def test_rollbacks_of_nested_blocks(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connect(verifier, apg, ("begin", None), ("savepoint", None), ("rollback_to_savepoint", None),
                         ("rollback", None))
    with verifier.sandbox():
        outer = conn.transaction()  # type: ignore[attr-defined]
        await outer.start()
        inner = conn.transaction()  # type: ignore[attr-defined]
        await inner.start()
        await inner.rollback()
        await outer.rollback()
    apg.assert_begin()
    apg.assert_savepoint()
    apg.assert_rollback_to_savepoint()
    apg.assert_rollback()


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


def test_uninstall_from_another_context_clears_the_verifier() -> None:
    context = contextvars.Context()

    def body() -> None:
        token = install(StrictVerifier())
        contextvars.copy_context().run(uninstall, token)  # a runner that moved contexts
        assert CURRENT.get() is not None  # this context keeps it ...
        uninstall(token)
        assert CURRENT.get() is None

    context.run(body)


def test_a_sandbox_closed_from_another_context_still_releases_the_patch() -> None:
    verifier = StrictVerifier()
    sandbox = verifier.sandbox()
    before = depth()

    def enter() -> None:
        sandbox.__enter__()

    context = contextvars.copy_context()
    context.run(enter)
    assert depth() == before + 1
    sandbox.close()  # from this context, not the one that entered it
    assert depth() == before and sandbox.closed


def test_function_patch_refuses_what_it_cannot_swap() -> None:
    def outer() -> object:
        value = 1

        def closure() -> int:
            return value

        return closure

    with pytest.raises(TypeError, match="it is a closure"):
        FunctionPatch(outer(), AsyncpgPlugin, lambda plugin, call: None)  # type: ignore[arg-type]

    def positional_only(a: int, /) -> int:
        return a

    with pytest.raises(TypeError, match="positional-only parameters are not supported"):
        FunctionPatch(positional_only, AsyncpgPlugin, lambda plugin, call: None)  # type: ignore[arg-type]


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
