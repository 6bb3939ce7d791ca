"""Helpers for common shapes of a script: transaction() blocks and pool_call() shortcuts.

Each must script exactly the steps of the written-out expect() calls, at the test's line, and be refused at once when
given something wrong.
"""

from __future__ import annotations

import inspect
import sys
import unittest
from typing import Any

import asyncpg
import pytest

import bigfoot
from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin, AsyncpgSessionHandle
from bigfoot.plugins.asyncpg.scripting import POOL_SHORTCUTS

from .frames import hidden_bigfoot_modules

HERE = __file__


def line_of_next_statement() -> int:
    return sys._getframe(1).f_lineno + 1


def shape(handle: AsyncpgSessionHandle, line: int) -> list[tuple[Any, ...]]:
    """Everything a step is, its line counted from ``line`` (two forms written on different lines compare)."""
    assert all(step.filename == HERE for step in handle.steps), [step.location for step in handle.steps]
    return [
        (s.method, s.returns, s.raises, s.required, s.position, s.delay, dict(s.options), s.lineno - line)
        for s in handle.steps
    ]


DUPLICATE = asyncpg.UniqueViolationError("duplicate key value")

# -- transaction() ---------------------------------------------------------------------------------------------------


def test_transaction_scripts_begin_the_body_and_commit(apg: AsyncpgPlugin) -> None:
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("execute", returns="INSERT 0 1").expect("commit")
    helped = apg.new_session().transaction(lambda tx: tx.expect("execute", returns="INSERT 0 1"))
    assert shape(helped, line + 1) == shape(written, line)
    assert [step.method for step in helped.steps] == ["begin", "execute", "commit"]


def test_transaction_with_rollback_scripts_the_rollback_instead(apg: AsyncpgPlugin) -> None:
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("execute", raises=DUPLICATE).expect("rollback")
    helped = apg.new_session().transaction(lambda tx: tx.expect("execute", raises=DUPLICATE), rollback=True)
    assert shape(helped, line + 1) == shape(written, line)
    assert [step.method for step in helped.steps] == ["begin", "execute", "rollback"]


def test_a_transaction_in_a_body_is_a_savepoint(apg: AsyncpgPlugin) -> None:
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("savepoint").expect("rollback_to_savepoint").expect("commit")
    helped = apg.new_session().transaction(lambda tx: tx.transaction(rollback=True))
    assert shape(helped, line + 1) == shape(written, line)
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("savepoint").expect("release_savepoint").expect("rollback")
    helped = apg.new_session().transaction(lambda tx: tx.transaction(), rollback=True)
    assert shape(helped, line + 1) == shape(written, line)
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("commit").expect("begin").expect("commit")
    helped = apg.new_session().transaction().transaction()  # one after the other: two blocks, neither nested
    assert shape(helped, line + 1) == shape(written, line)
    # Two blocks one after the other in a body, the first with a body of its own: both are savepoints.
    helped = apg.new_session().transaction(lambda tx: tx.transaction(lambda inner: inner.transaction()).transaction())
    assert [step.method for step in helped.steps] == [
        "begin",
        *("savepoint", "savepoint", "release_savepoint", "release_savepoint"),
        *("savepoint", "release_savepoint"),
        "commit",
    ]


def test_an_empty_block_and_the_options_of_the_body_steps(apg: AsyncpgPlugin) -> None:
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("fetch", returns=[], status="DELETE 0", delay=1).expect("commit")
    helped = apg.new_session().transaction(lambda tx: tx.expect("fetch", returns=[], status="DELETE 0", delay=1))
    assert shape(helped, line + 1) == shape(written, line)
    line = line_of_next_statement()
    written = apg.new_session().expect("begin").expect("execute", returns="SET", required=False, times=2)
    helped = apg.new_session().transaction(lambda tx: tx.expect("execute", returns="SET", required=False, times=2))
    assert shape(helped, line + 1)[:-1] == shape(written, line)


def test_each_step_points_at_the_line_that_scripted_it(apg: AsyncpgPlugin) -> None:
    def body(tx: AsyncpgSessionHandle) -> None:
        tx.expect("execute", returns="UPDATE 1")
        tx.expect("fetchval", returns=3)

    line = line_of_next_statement()
    handle = apg.new_session()
    handle.expect("connect")
    handle.transaction(body)
    handle.expect("close")
    first = body.__code__.co_firstlineno
    assert [(step.method, step.lineno) for step in handle.steps] == [
        ("connect", line + 1),
        ("begin", line + 2),
        ("execute", first + 1),
        ("fetchval", first + 2),
        ("commit", line + 2),
        ("close", line + 3),
    ]
    assert {step.filename for step in handle.steps} == {HERE}


async def save_user(conn: asyncpg.Connection, name: str) -> bool:
    """Code under test: one transaction; a duplicate rolls it back, and the caller learns it was refused."""
    try:
        async with conn.transaction():
            await conn.execute("INSERT INTO users (name) VALUES ($1)", name)
            await conn.execute("INSERT INTO audit (what) VALUES ($1)", "user " + name)
    except asyncpg.UniqueViolationError:
        return False
    return True


async def test_code_under_test_commits_and_rolls_back(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    (
        apg.new_session()
        .expect("connect")
        .transaction(lambda tx: tx.expect("execute", returns="INSERT 0 1").expect("execute", returns="INSERT 0 1"))
        .transaction(lambda tx: tx.expect("execute", raises=DUPLICATE), rollback=True)
        .expect("close")
    )
    with verifier.sandbox():
        conn = await asyncpg.connect(host="db")
        assert await save_user(conn, "ada") is True
        assert await save_user(conn, "ada") is False
        assert conn.is_in_transaction() is False
        await conn.close()
    apg.assert_connect(host="db")
    apg.assert_begin()
    apg.assert_execute(query="INSERT INTO users (name) VALUES ($1)", args=["ada"])
    apg.assert_execute(query="INSERT INTO audit (what) VALUES ($1)", args=["user ada"])
    apg.assert_commit()
    apg.assert_begin()
    apg.assert_execute(query="INSERT INTO users (name) VALUES ($1)", args=["ada"], raised=asyncpg.UniqueViolationError)
    apg.assert_rollback()
    apg.assert_close()
    verifier.verify_all()


async def transfer(conn: asyncpg.Connection) -> str:
    """Code under test: an optional bonus in a nested block, given up when it fails, the transfer kept."""
    async with conn.transaction(isolation="serializable"):
        await conn.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1")
        try:
            async with conn.transaction():
                await conn.execute("UPDATE bonuses SET points = points + 1 WHERE id = 1")
        except asyncpg.PostgresError:
            return "without bonus"
    return "with bonus"


async def test_code_under_test_with_a_nested_block(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    lost = asyncpg.SerializationError("could not serialize access")
    (
        apg.new_session()
        .expect("connect")
        .transaction(
            lambda tx: tx.expect("execute", returns="UPDATE 1").transaction(
                lambda sp: sp.expect("execute", raises=lost), rollback=True
            )
        )
    )
    with verifier.sandbox():
        assert await transfer(await asyncpg.connect()) == "without bonus"
    apg.assert_connect()
    apg.assert_begin(isolation="serializable")
    apg.assert_execute(query="UPDATE accounts SET balance = balance - 10 WHERE id = 1", args=[])
    apg.assert_savepoint()
    apg.assert_execute(
        query="UPDATE bonuses SET points = points + 1 WHERE id = 1", args=[], raised=asyncpg.SerializationError
    )
    apg.assert_rollback_to_savepoint()
    apg.assert_commit()
    verifier.verify_all()


async def test_a_commit_scripted_where_the_code_rolls_back_fails_the_call(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").transaction(lambda tx: tx.expect("execute", raises=DUPLICATE))
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(bigfoot.UnmockedInteractionError, match="but the script expects 'commit' next"):
            await save_user(conn, "ada")
    verifier._unmocked.clear()
    for item in verifier.interactions:
        item.asserted = True
    with pytest.raises(bigfoot.UnusedMocksError, match="'commit'"):
        verifier.verify_all()


async def not_a_plain_function(tx: AsyncpgSessionHandle) -> None:
    tx.expect("execute", returns="INSERT 0 1")


ASYNC_BODY = (
    "transaction(): body must be a plain function, not a coroutine function: a script is written before the code "
    'runs and nothing in it is awaited. Use lambda tx: tx.expect("execute", returns="INSERT 0 1").'
)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (
            {"body": "execute"},
            TypeError,
            "transaction(): body must be a function that scripts the block's steps on the handle it is given, such as "
            'lambda tx: tx.expect("execute", returns="INSERT 0 1"); got str \'execute\'.',
        ),
        ({"rollback": "yes"}, TypeError, "transaction(): rollback must be True or False, got str 'yes'."),
        ({"rollback": 1}, TypeError, "transaction(): rollback must be True or False, got int 1."),
        ({"body": not_a_plain_function}, TypeError, ASYNC_BODY),
    ],
)
def test_transaction_refuses_bad_arguments_before_scripting_anything(
    apg: AsyncpgPlugin, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    handle = apg.new_session().expect("connect")
    with pytest.raises(error) as info:
        handle.transaction(**arguments)
    assert str(info.value) == message
    assert [step.method for step in handle.steps] == ["connect"]


def test_an_expect_passed_as_the_body_is_refused_saying_why(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session()
    with pytest.raises(TypeError) as info:
        handle.transaction(handle.expect("execute", returns="INSERT 0 1"))  # type: ignore[arg-type]
    assert str(info.value).endswith(
        "got AsyncpgSessionHandle <SessionHandle #1: execute>. An expect() call written as the argument runs before "
        "the block's begin step is scripted, so put it in a function of the handle."
    )


def test_a_body_that_scripts_nothing_is_refused(apg: AsyncpgPlugin) -> None:
    other = apg.new_session()
    with pytest.raises(TypeError) as info:
        apg.new_session().transaction(lambda tx: other.expect("execute", returns="INSERT 0 1"))
    assert str(info.value) == (
        "transaction(): the body scripted no step on the handle it was given (it returned AsyncpgSessionHandle "
        "<SessionHandle #1: execute>). Script the block's steps on that handle, as in "
        'lambda tx: tx.expect("execute", returns="INSERT 0 1"); for an empty block call transaction() without a body.'
    )


def test_a_body_that_scripts_nothing_is_refused_however_many_steps_came_before(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session()
    for _ in range(300):  # past the small integers Python keeps one object of: the counts compare by value
        handle.expect("execute", returns="SELECT 1")
    with pytest.raises(TypeError, match=r"^transaction\(\): the body scripted no step on the handle it was given"):
        handle.transaction(lambda tx: None)


def test_a_body_returning_a_coroutine_is_refused_and_its_coroutine_closed(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session()
    with pytest.raises(TypeError) as info:
        handle.transaction(lambda tx: not_a_plain_function(tx))  # a lambda hides that it is async
    assert str(info.value) == ASYNC_BODY  # and no "never awaited" warning, which the suite turns into an error


def test_a_failing_body_leaves_the_nesting_as_it_was(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session()
    with pytest.raises(TypeError, match="returns must be a list of rows"):
        handle.transaction(lambda tx: tx.expect("fetch", returns={"id": 1}))
    handle.transaction()
    assert [step.method for step in handle.steps] == ["begin", "begin", "commit"]


def test_an_error_raised_by_a_body_reaches_the_test_with_the_helpers_frames_hidden(apg: AsyncpgPlugin) -> None:
    def body(tx: AsyncpgSessionHandle) -> None:
        raise LookupError("the body's own error")

    with pytest.raises(LookupError, match="the body's own error") as info:
        apg.new_session().expect("connect").transaction(body)
    # The body is called from transaction(): its error passes through the helper's frames, which a report leaves out.
    assert "bigfoot.plugins.asyncpg.scripting" in hidden_bigfoot_modules(info.value)


# -- pool_call() ----------------------------------------------------------------------------------------------------


def test_pool_call_scripts_acquire_the_call_and_release(apg: AsyncpgPlugin) -> None:
    rows = [{"id": 1, "name": "Ada"}]
    line = line_of_next_statement()
    written = apg.new_session().expect("acquire").expect("fetch", returns=rows).expect("release")
    helped = apg.pool_call("fetch", returns=rows)
    assert shape(helped, line + 1) == shape(written, line)
    assert [step.method for step in helped.steps] == ["acquire", "fetch", "release"]
    assert isinstance(helped, AsyncpgSessionHandle) and helped.number == 2


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("execute", {"returns": "DELETE 3"}),
        ("execute", {"raises": DUPLICATE}),
        ("executemany", {}),
        ("fetchrow", {"returns": None, "delay": 2.5}),
        ("fetchval", {"returns": bigfoot.answer(lambda fields: 1), "status": "SELECT 1"}),
        ("fetchmany", {"returns": [{"a": 1}]}),
        ("copy_records_to_table", {"returns": "COPY 2"}),
    ],
)
def test_pool_call_passes_the_calls_options_on(apg: AsyncpgPlugin, method: str, options: dict[str, Any]) -> None:
    line = line_of_next_statement()
    written = apg.new_session().expect("acquire").expect(method, **options).expect("release")
    helped = apg.pool_call(method, **options)
    assert shape(helped, line + 1) == shape(written, line)


def test_pool_shortcuts_are_asyncpgs() -> None:
    from bigfoot.plugins.asyncpg.pool import Pool

    public = {
        name
        for name, value in vars(asyncpg.Pool).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(value)
    }
    assert set(POOL_SHORTCUTS) == public - {"release", "close", "expire_connections"}
    assert all(inspect.iscoroutinefunction(getattr(Pool, name)) for name in POOL_SHORTCUTS)
    assert set(POOL_SHORTCUTS) <= set(AsyncpgPlugin.step_specs)


async def purge_and_list(pool: asyncpg.Pool) -> tuple[str, list[Any]]:
    status = await pool.execute("DELETE FROM sessions WHERE expired")
    return status, await pool.fetch("SELECT id FROM sessions ORDER BY id")


async def test_code_under_test_uses_pool_shortcuts(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.pool_call("execute", returns="DELETE 2")
    apg.pool_call("fetch", returns=[{"id": 4}, {"id": 9}])
    with verifier.sandbox():
        async with asyncpg.create_pool(min_size=1, max_size=1) as pool:
            status, rows = await purge_and_list(pool)
    assert status == "DELETE 2" and [row["id"] for row in rows] == [4, 9]
    apg.assert_create_pool(min_size=1, max_size=1)
    apg.assert_acquire()
    apg.assert_execute(query="DELETE FROM sessions WHERE expired", args=[])
    apg.assert_release()
    apg.assert_acquire()
    apg.assert_fetch(query="SELECT id FROM sessions ORDER BY id", args=[])
    apg.assert_release()
    apg.assert_close_pool()
    verifier.verify_all()


async def test_a_failing_pool_call_still_releases(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.pool_call("execute", raises=DUPLICATE)
    with verifier.sandbox():
        pool = await asyncpg.create_pool(min_size=1, max_size=1)
        with pytest.raises(asyncpg.UniqueViolationError):
            await pool.execute("INSERT INTO users (name) VALUES ($1)", "ada")
        assert pool.get_idle_size() == 1
    apg.assert_create_pool(min_size=1, max_size=1)
    apg.assert_acquire()
    apg.assert_execute(query="INSERT INTO users (name) VALUES ($1)", args=["ada"], raised=asyncpg.UniqueViolationError)
    apg.assert_release()
    verifier.verify_all()


@pytest.mark.parametrize(
    ("method", "options", "error", "message"),
    [
        (
            "acquire",
            {},
            ValueError,
            "pool_call('acquire'): not a pool shortcut; asyncpg's pools make one call through copy_from_query, "
            "copy_from_table, copy_records_to_table, copy_to_table, execute, executemany, fetch, fetchmany, fetchrow, "
            "fetchval. For a checkout (pool.acquire()), script checkout(lambda con: ...) with the calls made on the "
            "connection.",
        ),
        ("prepare", {}, ValueError, "pool_call('prepare'): not a pool shortcut;"),
        (None, {}, ValueError, "pool_call(None): not a pool shortcut;"),
        (
            "fetch",
            {"returns": {"id": 1}},
            TypeError,
            "pool_call('fetch'): returns must be a list of rows (mappings or Records), got dict {'id': 1}; for a "
            "single row wrap it in a list: returns=[{...}].",
        ),
        (
            "fetchval",
            {},
            TypeError,
            "pool_call('fetchval'): returns is required, because fetchval() gives back a value; add returns=... (or "
            "raises=... for a failing call).",
        ),
        ("execute", {"returns": "DELETE 1", "raises": DUPLICATE}, TypeError, "pool_call('execute'): give returns or"),
        ("fetch", {"returns": [], "server_version": "16"}, TypeError, "pool_call('fetch'): unknown option"),
        (
            "fetch",
            {"returns": [], "times": 2},
            TypeError,
            "pool_call('fetch'): times= is not taken: a pool shortcut is one checkout making exactly one call. Write "
            'the session out, new_session().expect("acquire")...expect("release"), to script more.',
        ),
        ("fetch", {"returns": [], "required": False}, TypeError, "pool_call('fetch'): required= is not taken"),
    ],
)
def test_pool_call_refuses_bad_arguments_and_queues_nothing(
    apg: AsyncpgPlugin, method: Any, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        apg.pool_call(method, **options)
    assert str(info.value).startswith(message)
    assert apg.new_session().number == 1  # no half-scripted session was queued


# -- both spellings: bigfoot.asyncpg_mock (pytest) and self.asyncpg_mock (unittest) ---------------------------------


async def test_the_helpers_under_the_pytest_plugin() -> None:
    bigfoot.asyncpg_mock.pool_call("fetchval", returns=2)
    bigfoot.asyncpg_mock.new_session().expect("connect").transaction(lambda tx: tx.expect("fetchval", returns=1))
    async with bigfoot:
        pool = await asyncpg.create_pool(min_size=0, max_size=1)
        assert await pool.fetchval("SELECT 2") == 2
        conn = await asyncpg.connect()
        async with conn.transaction():
            assert await conn.fetchval("SELECT 1") == 1
    bigfoot.asyncpg_mock.assert_create_pool(min_size=0, max_size=1)
    bigfoot.asyncpg_mock.assert_acquire()
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 2", args=[])
    bigfoot.asyncpg_mock.assert_release()
    bigfoot.asyncpg_mock.assert_connect()
    bigfoot.asyncpg_mock.assert_begin()
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 1", args=[])
    bigfoot.asyncpg_mock.assert_commit()


def test_the_helpers_under_the_mixin() -> None:
    class Helpers(bigfoot.BigfootTestCase):
        async def test_it(self) -> None:
            self.asyncpg_mock.pool_call("execute", returns="UPDATE 1")
            self.asyncpg_mock.new_session().expect("acquire").transaction().expect("release")
            async with bigfoot:
                async with asyncpg.create_pool(min_size=1, max_size=1) as pool:
                    await pool.execute("UPDATE t SET a = 1")
                    async with pool.acquire() as conn, conn.transaction():
                        pass
            self.asyncpg_mock.assert_create_pool(min_size=1, max_size=1)
            self.asyncpg_mock.assert_acquire()
            self.asyncpg_mock.assert_execute(query="UPDATE t SET a = 1", args=[])
            self.asyncpg_mock.assert_release()
            self.asyncpg_mock.assert_acquire()
            self.asyncpg_mock.assert_begin()
            self.asyncpg_mock.assert_commit()
            self.asyncpg_mock.assert_release()
            self.asyncpg_mock.assert_close_pool()

    result = unittest.TestResult()
    Helpers("test_it").run(result)
    assert (result.testsRun, result.errors, result.failures) == (1, [], [])


# -- checkout() -------------------------------------------------------------------------------------------------------


def test_checkout_scripts_acquire_the_body_and_release(apg: AsyncpgPlugin) -> None:
    line = line_of_next_statement()
    written = apg.new_session().expect("acquire").expect("fetchval", returns=1).expect("release")
    helped = apg.checkout(lambda con: con.expect("fetchval", returns=1))
    assert shape(helped, line + 1) == shape(written, line)
    nested = apg.checkout(lambda con: con.transaction(lambda tx: tx.expect("execute", returns="UPDATE 1")))
    assert [step.method for step in nested.steps] == ["acquire", "begin", "execute", "commit", "release"]
    assert [step.method for step in apg.checkout().steps] == ["acquire", "release"]  # a checkout making no call


def test_checkout_refuses_a_bad_body_and_queues_nothing(apg: AsyncpgPlugin) -> None:
    handle = apg.new_session()
    with pytest.raises(
        TypeError, match=r"^checkout\(\): body must be a function that scripts the checkout's steps"
    ) as info:
        apg.checkout(handle.expect("fetchval", returns=1))  # type: ignore[arg-type]
    assert str(info.value).endswith(
        "An expect() call written as the argument runs before the checkout's acquire step is scripted, so put it in a "
        "function of the handle."
    )
    with pytest.raises(TypeError, match=r"^checkout\(\): body must be a plain function, not a coroutine function"):

        async def body(con: AsyncpgSessionHandle) -> None:
            con.expect("fetchval", returns=1)

        apg.checkout(body)
    assert len(apg._sessions) == 1  # only the handle made above
    with pytest.raises(TypeError, match=r"^checkout\(\): the body scripted no step on the handle it was given"):
        apg.checkout(lambda con: None)


async def test_code_under_test_checks_out_a_connection(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.checkout(lambda con: con.transaction(lambda tx: tx.expect("execute", returns="UPDATE 1")))
    with verifier.sandbox():
        async with asyncpg.create_pool(min_size=1, max_size=1) as pool, pool.acquire() as con, con.transaction():
            status = await con.execute("UPDATE jobs SET done = true")
    assert status == "UPDATE 1"
    apg.assert_create_pool(min_size=1, max_size=1)
    apg.assert_acquire()
    apg.assert_begin()
    apg.assert_execute(query="UPDATE jobs SET done = true", args=[])
    apg.assert_commit()
    apg.assert_release()
    apg.assert_close_pool()
    verifier.verify_all()
