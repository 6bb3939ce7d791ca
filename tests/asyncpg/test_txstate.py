"""The server's transaction state as the fake models it: the statement splitter, and what an aborted block does to
the script and the timeline. The contract scenarios check the same behaviour against a real server."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin, postgres_error
from bigfoot.plugins.asyncpg.txstate import (
    OTHER,
    PLAIN,
    ServerTransaction,
    Statement,
    Status,
    in_failed_transaction,
    statements,
)

DIVISION_BY_ZERO = postgres_error("22012", "division by zero")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("BEGIN", [Statement("begin")]),
        ("start transaction isolation level serializable", [Statement("begin")]),
        ("SELECT 1; BEGIN;", [OTHER, Statement("begin")]),
        ("-- BEGIN\nSELECT ';BEGIN'", [OTHER]),
        ("/* a /* nested */ BEGIN */ COMMIT", [Statement("commit")]),
        ("SELECT $x$ ; BEGIN $x$", [OTHER]),
        ("END WORK AND CHAIN", [Statement("commit", chain=True)]),
        ("COMMIT AND NO CHAIN", [Statement("commit")]),
        ("ABORT", [Statement("rollback")]),
        ("ROLLBACK TRANSACTION TO SAVEPOINT Sp", [Statement("rollback_to", "sp")]),
        ('ROLLBACK TO "Sp"', [Statement("rollback_to", "Sp")]),
        ("ROLLBACK WORK TO sp", [Statement("rollback_to", "sp")]),
        ("ROLLBACK TO", [Statement("rollback_to")]),  # no name: the server's syntax error, not a crash of the model
        ("RELEASE sp", [Statement("release", "sp")]),
        ("RELEASE SAVEPOINT sp", [Statement("release", "sp")]),
        ("SAVEPOINT sp", [Statement("savepoint", "sp")]),
        ("RELEASE a", [Statement("release", "a")]),  # a name that sorts before the word savepoint
        ("RELEASE", [Statement("release")]),  # nameless statements are the server's syntax errors, not the model's
        ("SAVEPOINT", [Statement("savepoint")]),
        ("COMMIT PREPARED 'x'", [OTHER]),
        ("PREPARE TRANSACTION 'x'", [Statement("commit")]),
        ("PREPARE update_user AS SELECT 1", [OTHER]),
        ("UPDATE transaction SET done = true", [OTHER]),  # a table may be named transaction
        ("LOCK transaction IN SHARE MODE", [OTHER]),
        ("; -- nothing\n;", []),
    ],
)
def test_statements_are_split_and_classified(sql: str, expected: list[Statement]) -> None:
    assert list(statements(sql)) == expected


def test_one_ordinary_statement_reads_as_the_shared_plain_tuple() -> None:
    # The connection skips the transaction model for PLAIN, which it tells by identity: a text of one statement that
    # is not transaction control gives that very tuple, read for the first time or from the memo; other texts do not.
    text = "SELECT 'read as PLAIN by identity'"
    assert statements(text) is PLAIN
    assert statements(text) is PLAIN
    assert statements(42) is PLAIN  # not SQL text at all
    for other in ("SELECT 1; SELECT 2", "BEGIN", ";"):
        assert statements(other) is not PLAIN


def test_a_failed_string_of_statements_fails_at_its_first_ordinary_statement() -> None:
    server = ServerTransaction()
    server.failed(statements("SELECT 1/0; BEGIN"))
    assert server.status is Status.IDLE
    server.failed(statements("BEGIN; SELECT 1/0"))
    assert server.status is Status.FAILED
    assert server.refused_at(statements("ROLLBACK; SELECT 1")) is None
    assert server.refused_at(statements("SELECT 1; ROLLBACK")) == 0
    server.failed(statements("COMMIT"))  # a failed COMMIT ends the block
    assert server.status is Status.IDLE


def test_a_failed_string_of_transaction_control_fails_at_its_last_statement() -> None:
    # No statement of the string is ordinary, so the model blames the last one: here the COMMIT, which ends the block.
    server = ServerTransaction()
    server.ran(statements("BEGIN"))
    server.failed(statements("SAVEPOINT a; RELEASE SAVEPOINT a; COMMIT"))
    assert server.status is Status.IDLE
    server.ran(statements("BEGIN"))
    server.failed(statements("SAVEPOINT a; COMMIT"))
    assert server.status is Status.IDLE


def test_a_rollback_to_outside_a_block_opens_none() -> None:
    # Outside a block PostgreSQL refuses ROLLBACK TO: whichever statement of the string the error is blamed on, the
    # session is idle after it, not in a (failed) block.
    server = ServerTransaction()
    server.failed(statements("ROLLBACK TO SAVEPOINT sp; SELECT 1"))
    assert server.status is Status.IDLE
    assert not server.in_transaction()


def test_a_prepare_that_fails_aborts_the_block_even_for_a_commit() -> None:
    # A prepare is only parsed: a malformed COMMIT that fails to parse ends nothing, it aborts the block like any error.
    server = ServerTransaction()
    server.ran(statements("BEGIN"))
    server.failed(statements("COMMIT AND"), executed=False)
    assert server.status is Status.FAILED


def test_a_failed_prepare_of_several_statements_runs_none_of_them() -> None:
    # The server refuses to prepare several statements at once: the BEGIN among them never ran, so no block is open.
    server = ServerTransaction()
    server.failed(statements("BEGIN; SELECT 1"), executed=False)
    assert server.status is Status.IDLE


def test_the_memo_of_read_statements_is_bounded() -> None:
    # Each distinct SQL text is split once and remembered, up to a bound; past it a text is still read right.
    from bigfoot.plugins.asyncpg.txstate import _read

    saved = dict(_read)
    _read.clear()
    try:
        for n in range(4100):
            assert statements(f"BEGIN -- {n}") == (Statement("begin"),)
        assert len(_read) == 4096
        assert "BEGIN -- 0" in _read
        assert "BEGIN -- 4099" not in _read
    finally:
        _read.clear()
        _read.update(saved)


async def _aborted(verifier: StrictVerifier, apg: AsyncpgPlugin, *more: tuple[str, Any]) -> Any:
    session = apg.new_session().expect("connect").expect("execute", returns="BEGIN")
    session.expect("execute", raises=DIVISION_BY_ZERO)
    for method, options in more:
        session.expect(method, **options)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.execute("BEGIN")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.execute("SELECT 1/0")
    return conn


async def test_a_refused_call_is_recorded_with_its_error_and_uses_no_step(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await _aborted(verifier, apg, ("execute", {"returns": "ROLLBACK"}))
    with verifier.sandbox():
        with pytest.raises(asyncpg.InFailedSQLTransactionError) as refused:
            await conn.fetchval("SELECT $1::int")  # the server answers before asyncpg counts the arguments
        assert refused.value.sqlstate == "25P02"
        await conn.execute("ROLLBACK")
    assert not conn.is_in_transaction()
    apg.assert_connect()
    apg.assert_execute(query="BEGIN", args=[])
    apg.assert_execute(query="SELECT 1/0", args=[], raised=asyncpg.DivisionByZeroError)
    apg.assert_fetchval(query="SELECT $1::int", args=[], raised=asyncpg.InFailedSQLTransactionError)
    apg.assert_execute(query="ROLLBACK", args=[])
    verifier.verify_all()


async def test_a_scripted_25P02_step_is_used_as_record_mode_writes_it(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await _aborted(verifier, apg, ("fetchval", {"raises": in_failed_transaction()}))
    with verifier.sandbox():
        with pytest.raises(asyncpg.InFailedSQLTransactionError):
            await conn.fetchval("SELECT 1")
    assert apg.unused_steps() == []


async def test_an_error_outside_a_transaction_leaves_the_connection_idle(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetch", raises=DIVISION_BY_ZERO).expect("fetchval", returns=1)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.fetch("SELECT 1/0")
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT 1") == 1


async def test_a_scripted_server_error_comes_before_the_argument_count(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    missing = postgres_error("42P01", 'relation "nowhere" does not exist')
    apg.new_session().expect("connect").expect("fetch", raises=missing)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncpg.UndefinedTableError):
            await conn.fetch("SELECT * FROM nowhere WHERE id = $1")
    assert apg.unused_steps() == []


async def test_a_callback_added_twice_is_kept_once(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    seen: list[str] = []

    def callback(*args: object) -> None:
        seen.append(str(args[3]))

    apg.new_session().expect("connect").expect("add_listener").expect("add_listener")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.add_listener("news", callback)
        await conn.add_listener("news", callback)
        assert await apg.notify("news", "hello") == 1
    assert seen == ["hello"]


async def test_copy_records_reads_a_generator_and_records_its_rows(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    async def more() -> Any:
        yield (3,)

    apg.new_session().expect("connect").expect("copy_records_to_table", returns="COPY 2", times=2)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        assert await conn.copy_records_to_table("t", records=((n,) for n in (1, 2))) == "COPY 2"
        assert await conn.copy_records_to_table("t", records=more()) == "COPY 2"
    apg.assert_connect()
    apg.assert_copy_records_to_table(table_name="t", records=[(1,), (2,)])
    apg.assert_copy_records_to_table(table_name="t", records=[(3,)])


async def test_a_prepared_begin_is_only_parsed_and_opens_no_block(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # prepare() parses the statement and runs nothing: the server is still idle afterwards.
    apg.new_session().expect("connect").expect("prepare").expect("execute", returns="BEGIN")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.prepare("BEGIN")
        assert not conn.is_in_transaction()
        await conn.execute("BEGIN")
        assert conn.is_in_transaction()


async def test_only_removing_a_channels_last_callback_sends_unlisten(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    def first(*args: object) -> None:
        pass

    def second(*args: object) -> None:
        pass

    session = apg.new_session().expect("connect").expect("add_listener", times=2).expect("execute", returns="BEGIN")
    session.expect("execute", raises=DIVISION_BY_ZERO).expect("remove_listener")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.add_listener("news", first)
        await conn.add_listener("news", second)
        await conn.execute("BEGIN")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.execute("SELECT 1/0")
        await conn.remove_listener("news", second)  # a callback is left: asyncpg sends nothing
        with pytest.raises(asyncpg.InFailedSQLTransactionError):
            await conn.remove_listener("news", first)  # the last one: UNLISTEN, which the aborted block refuses
    assert apg.unused_steps() == []


async def test_copy_records_keeps_a_list_or_tuple_as_given(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("copy_records_to_table", returns="COPY 2", times=2)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.copy_records_to_table("t", records=((1,), (2,)))
        await conn.copy_records_to_table("t", records=[(3,), (4,)])
    apg.assert_connect()
    apg.assert_copy_records_to_table(table_name="t", records=((1,), (2,)))
    apg.assert_copy_records_to_table(table_name="t", records=[(3,), (4,)])


async def test_only_postgresql_errors_come_before_the_argument_count(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    class Odd(Exception):
        sqlstate = "42P01"  # looks like an unknown table, but is not an error of the server

    apg.new_session().expect("connect").expect("fetch", raises=Odd)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncpg.InterfaceError, match="expects 1 argument"):
            await conn.fetch("SELECT * FROM nowhere WHERE id = $1")
    assert len(apg.unused_steps()) == 1


async def test_an_aborted_block_refuses_a_call_whose_step_raises_another_error(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # Only a step scripted to raise 25P02 (or a syntax error) is used in an aborted block; the server refuses others.
    conn = await _aborted(verifier, apg, ("fetchval", {"raises": DIVISION_BY_ZERO}))
    with verifier.sandbox():
        with pytest.raises(asyncpg.InFailedSQLTransactionError):
            await conn.fetchval("SELECT 1")
    assert len(apg.unused_steps()) == 1  # the server answered: the step is still there


async def test_reset_rolls_back_a_block_opened_by_hand(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("execute", returns="BEGIN").expect("reset")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.execute("BEGIN")
        assert conn.is_in_transaction()
        await conn.reset()
        assert not conn.is_in_transaction()
