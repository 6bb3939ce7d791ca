"""The rest of the Connection surface, with an explicit verifier (the contract suite checks it against a server)."""

from __future__ import annotations

import asyncio
import io
import json
from unittest.mock import ANY

import asyncpg
import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin, postgres_error

from .frames import hidden_bigfoot_modules


async def connected(verifier: StrictVerifier, apg: AsyncpgPlugin, *steps: tuple[str, dict[str, object]]) -> object:
    handle = apg.new_session().expect("connect")
    for method, options in steps:
        handle.expect(method, **options)  # type: ignore[arg-type]
    with verifier.sandbox():
        conn = await asyncpg.connect()
    apg.assert_connect()
    return conn


async def test_executemany_and_fetchmany_record_their_argument_lists(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await connected(verifier, apg, ("executemany", {}), ("fetchmany", {"returns": [{"id": 1}]}))
    with verifier.sandbox():
        assert await conn.executemany("INSERT INTO t VALUES ($1)", [(1,), (2,)], timeout=3) is None  # type: ignore[attr-defined]
        rows = await conn.fetchmany("INSERT INTO t VALUES ($1) RETURNING id", [(1,)])  # type: ignore[attr-defined]
    assert rows == [{"id": 1}]
    apg.assert_executemany(command="INSERT INTO t VALUES ($1)", args=[(1,), (2,)], timeout=3)
    apg.assert_fetchmany(query="INSERT INTO t VALUES ($1) RETURNING id", args=[(1,)])
    verifier.verify_all()


async def test_prepared_statement_steps_carry_the_statement_query(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(
        verifier,
        apg,
        ("prepare", {}),
        ("fetch", {"returns": [{"a": 1}]}),
        ("fetchrow", {"returns": None}),
        ("fetchval", {"returns": 3}),
        ("fetchmany", {"returns": []}),
        ("executemany", {}),
        ("explain", {"returns": [{"Plan": {}}]}),
        ("begin", {}),
        ("cursor", {"returns": [{"a": 1}, {"a": 2}]}),
        ("commit", {}),
    )
    with verifier.sandbox():
        statement = await conn.prepare("SELECT $1::int AS a", name="by_id")  # type: ignore[attr-defined]
        assert statement.get_name() == "by_id" and statement.get_query() == "SELECT $1::int AS a"
        assert statement.get_statusmsg() is None and statement.get_parameters() == () == statement.get_attributes()
        assert await statement.fetch(1, timeout=2) == [{"a": 1}]
        assert await statement.fetchrow(2) is None
        assert await statement.fetchval(3, column="a") == 3
        assert await statement.fetchmany([(4,)]) == []
        assert await statement.executemany([(5,), (6,)]) is None
        assert await statement.explain(7, analyze=True) == [{"Plan": {}}]
        async with conn.transaction():  # type: ignore[attr-defined]
            assert [row["a"] async for row in statement.cursor(8, prefetch=1)] == [1, 2]
        with pytest.raises(asyncpg.InterfaceError, match="the server expects 1 argument for this query, 0 were passed"):
            await statement.fetch()
    apg.assert_prepare(query="SELECT $1::int AS a", name="by_id")
    apg.assert_fetch(query="SELECT $1::int AS a", args=[1], timeout=2)
    apg.assert_fetchrow(query="SELECT $1::int AS a", args=[2])
    apg.assert_fetchval(query="SELECT $1::int AS a", args=[3], column="a")
    apg.assert_fetchmany(query="SELECT $1::int AS a", args=[(4,)])
    apg.assert_executemany(query="SELECT $1::int AS a", args=[(5,), (6,)])
    apg.assert_explain(query="SELECT $1::int AS a", args=[7], analyze=True)
    apg.assert_begin()
    apg.assert_cursor(query="SELECT $1::int AS a", args=[8], prefetch=1)
    apg.assert_commit()
    verifier.verify_all()
    assert repr(statement).startswith("<asyncpg.prepared_stmt.PreparedStatement object at 0x")


async def test_unnamed_statements_get_asyncpg_style_names(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("prepare", {}), ("prepare", {}))
    with verifier.sandbox():
        first = await conn.prepare("SELECT 1")  # type: ignore[attr-defined]
        second = await conn.prepare("SELECT 2")  # type: ignore[attr-defined]
    assert first.get_name() == "__asyncpg_stmt_1__" and second.get_name() == "__asyncpg_stmt_2__"


async def test_transaction_arguments_are_recorded_on_begin(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("begin", {}), ("savepoint", {}), ("release_savepoint", {}), ("commit", {}))
    with verifier.sandbox():
        tx = conn.transaction(isolation="serializable", readonly=True)  # type: ignore[attr-defined]
        assert repr(tx).startswith("<asyncpg.Transaction state:new serializable readonly 0x")
        async with tx:
            async with conn.transaction(deferrable=False):  # type: ignore[attr-defined]
                pass
    apg.assert_begin(isolation="serializable", readonly=True)
    apg.assert_savepoint(deferrable=False)
    apg.assert_release_savepoint()
    apg.assert_commit()
    verifier.verify_all()


async def test_a_failing_begin_leaves_the_transaction_in_error_state(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    failure = postgres_error("25006", "cannot execute BEGIN in a read-only transaction")
    conn = await connected(verifier, apg, ("begin", {"raises": failure}))
    with verifier.sandbox():
        tx = conn.transaction()  # type: ignore[attr-defined]
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await tx.start()
        with pytest.raises(asyncpg.InterfaceError, match="cannot start; the transaction is in error state"):
            await tx.start()
    apg.assert_begin(raised=failure)


async def test_cursor_reads_only_its_scripted_rows(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("begin", {}), ("cursor", {"returns": [{"n": 1}, {"n": 2}]}), ("commit", {}))
    with verifier.sandbox():
        async with conn.transaction():  # type: ignore[attr-defined]
            cursor = await conn.cursor("SELECT n FROM t WHERE n > $1", 0, timeout=4)  # type: ignore[attr-defined]
            with pytest.raises(asyncpg.InterfaceError, match="n must be greater than zero"):
                await cursor.fetch(0)
            with pytest.raises(asyncpg.InterfaceError, match="n must be greater than zero"):
                await cursor.forward(-1)
            assert await cursor.fetch(5) == [{"n": 1}, {"n": 2}]
    apg.assert_begin()
    apg.assert_cursor(query="SELECT n FROM t WHERE n > $1", args=[0], timeout=4)
    apg.assert_commit()


async def test_cursor_reads_are_checked_as_asyncpg_checks_them(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("begin", {}), ("cursor", {"returns": [{"n": 1}, {"n": 2}]}), ("commit", {}))
    with verifier.sandbox():
        async with conn.transaction():  # type: ignore[attr-defined]
            cursor = await conn.cursor("SELECT n FROM t")  # type: ignore[attr-defined]
            with pytest.raises(asyncpg.InterfaceError, match="n must be greater than zero") as info:
                await cursor.forward(0)
            # The error points at the code that misused the cursor: the cursor's frames are hidden from the report.
            assert "bigfoot.plugins.asyncpg.cursor" in hidden_bigfoot_modules(info.value)
            with pytest.raises(asyncpg.InterfaceError, match="n must be greater than zero"):
                await cursor.fetch(-1)
            # timeout= is keyword-only, as in asyncpg
            with pytest.raises(TypeError, match="positional argument"):
                await cursor.forward(1, 5)
            with pytest.raises(TypeError, match="positional argument"):
                await cursor.fetch(1, 5)
            with pytest.raises(TypeError, match="positional argument"):
                await cursor.fetchrow(5)
            assert await cursor.forward(1, timeout=5) == 1
            assert await cursor.fetchrow() == {"n": 2}
    apg.assert_begin()
    apg.assert_cursor(query="SELECT n FROM t", args=[])
    apg.assert_commit()


async def test_a_cursor_reads_large_batches_to_the_end(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # A batch of exactly n rows is not the end, however large n is.
    rows = [{"n": n} for n in range(700)]
    conn = await connected(verifier, apg, ("begin", {}), ("cursor", {"returns": rows}), ("commit", {}))
    with verifier.sandbox():
        async with conn.transaction():  # type: ignore[attr-defined]
            cursor = await conn.cursor("SELECT n FROM t")  # type: ignore[attr-defined]
            assert [row["n"] for row in await cursor.fetch(300)] == list(range(300))
            assert await cursor.forward(300) == 300
            assert [row["n"] for row in await cursor.fetch(300)] == list(range(600, 700))
            assert await cursor.fetch(300) == []
    apg.assert_begin()
    apg.assert_cursor(query="SELECT n FROM t", args=[])
    apg.assert_commit()


async def test_a_cursor_whose_query_fails_midway_gives_every_row_before_the_failing_one(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # The server computes rows as they are read: the error comes with the first read that needs the row after the
    # scripted ones, not before, and reading up to the last scripted row exactly needs no more.
    failure = postgres_error("22012", "division by zero")
    rows = [{"n": 1}, {"n": 2}, {"n": 3}]
    conn = await connected(
        verifier, apg, ("begin", {}), ("cursor", {"returns": rows, "then_raises": failure}), ("rollback", {})
    )
    with verifier.sandbox():
        transaction = conn.transaction()  # type: ignore[attr-defined]
        await transaction.start()
        cursor = await conn.cursor("SELECT 6 / (4 - n) AS n FROM t")  # type: ignore[attr-defined]
        assert await cursor.fetch(2) == [{"n": 1}, {"n": 2}]
        assert await cursor.fetchrow() == {"n": 3}
        with pytest.raises(asyncpg.DivisionByZeroError):
            await cursor.fetchrow()
        assert conn.is_in_transaction()  # type: ignore[attr-defined]
        await transaction.rollback()
    apg.assert_begin()
    apg.assert_cursor(query="SELECT 6 / (4 - n) AS n FROM t", args=[])
    apg.assert_rollback()


async def test_an_iterated_cursor_goes_back_to_the_server_only_after_a_full_batch(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # asyncpg reads 50 rows at a time. A batch of fewer rows was the last; after a full one it asks the server again,
    # which needs the transaction block still open: here the block ended while the rows of the batch were read.
    full, short = [{"n": n} for n in range(50)], [{"n": n} for n in range(49)]
    conn = await connected(
        verifier,
        apg,
        *[("execute", {"returns": "BEGIN"}), ("cursor", {"returns": full}), ("execute", {"returns": "ROLLBACK"})],
        *[("execute", {"returns": "BEGIN"}), ("cursor", {"returns": short}), ("execute", {"returns": "ROLLBACK"})],
    )
    with verifier.sandbox():
        await conn.execute("BEGIN")  # type: ignore[attr-defined]
        seen = []
        with pytest.raises(asyncpg.NoActiveSQLTransactionError, match="outside of a transaction"):
            async for row in conn.cursor("SELECT n FROM t"):  # type: ignore[attr-defined]
                seen.append(row["n"])
                if len(seen) == 50:
                    await conn.execute("ROLLBACK")  # type: ignore[attr-defined]
        assert seen == list(range(50))
        await conn.execute("BEGIN")  # type: ignore[attr-defined]
        seen = []
        async for row in conn.cursor("SELECT n FROM t"):  # type: ignore[attr-defined]
            seen.append(row["n"])
            if len(seen) == 49:
                await conn.execute("ROLLBACK")  # type: ignore[attr-defined]
        assert seen == list(range(49))
    for _ in range(2):
        apg.assert_execute(query="BEGIN", args=[])
        apg.assert_cursor(query="SELECT n FROM t", args=[])
        apg.assert_execute(query="ROLLBACK", args=[])


async def test_an_iterator_of_a_closed_connection_refuses_to_iterate(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await connected(verifier, apg, ("close", {}))
    with verifier.sandbox():
        iterator = conn.cursor("SELECT 1").__aiter__()  # type: ignore[attr-defined]
        await conn.close()  # type: ignore[attr-defined]
        with pytest.raises(asyncpg.InterfaceError) as info:
            iterator.__aiter__()
    assert str(info.value) == "cannot call CursorIterator.__aiter__(): the underlying connection is closed"
    apg.assert_close()


async def test_copy_methods_record_what_was_passed(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(
        verifier,
        apg,
        ("copy_from_table", {"returns": "COPY 2"}),
        ("copy_from_query", {"returns": "COPY 1"}),
        ("copy_to_table", {"returns": "COPY 3"}),
        ("copy_records_to_table", {"returns": "COPY 4"}),
    )
    out, source = io.BytesIO(), io.BytesIO(b"x")
    with verifier.sandbox():
        assert await conn.copy_from_table("t", output=out, format="csv") == "COPY 2"  # type: ignore[attr-defined]
        assert await conn.copy_from_query("SELECT $1", 1, output=out) == "COPY 1"  # type: ignore[attr-defined]
        assert await conn.copy_to_table("t", source=source, columns=["a"]) == "COPY 3"  # type: ignore[attr-defined]
        assert await conn.copy_records_to_table("t", records=[(1,)], where="a > 0") == "COPY 4"  # type: ignore[attr-defined]
    apg.assert_copy_from_table(table_name="t", output=out, format="csv")
    apg.assert_copy_from_query(query="SELECT $1", args=[1], output=out)
    apg.assert_copy_to_table(table_name="t", source=source, columns=["a"])
    apg.assert_copy_records_to_table(table_name="t", records=[(1,)], where="a > 0")
    verifier.verify_all()


async def test_listeners_receive_notifications_delivered_by_the_test(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await connected(verifier, apg, ("add_listener", {}), ("add_listener", {}), ("remove_listener", {}))
    got: list[tuple[object, ...]] = []

    def plain(connection: object, pid: int, channel: str, payload: str) -> None:
        got.append(("plain", connection is conn, pid, channel, payload))

    async def coroutine(connection: object, pid: int, channel: str, payload: str) -> None:
        await asyncio.sleep(0)
        got.append(("async", payload))

    with verifier.sandbox():
        await conn.add_listener("jobs", plain)  # type: ignore[attr-defined]
        await conn.add_listener("jobs", coroutine)  # type: ignore[attr-defined]
        assert await apg.notify("jobs", "run 1") == 2
        assert await apg.notify("other", "x") == 0
        await conn.remove_listener("jobs", plain)  # type: ignore[attr-defined]
        assert await apg.notify("jobs", "run 2", pid=7) == 1
    assert got == [("plain", True, 40001, "jobs", "run 1"), ("async", "run 1"), ("async", "run 2")]
    apg.assert_add_listener(channel="jobs", callback=plain)
    apg.assert_add_listener(channel="jobs", callback=coroutine)
    apg.assert_remove_listener(channel="jobs", callback=plain)
    verifier.verify_all()


async def test_closed_connections_hear_nothing(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("add_listener", {}), ("close", {}))
    with verifier.sandbox():
        await conn.add_listener("jobs", lambda *a: None)  # type: ignore[attr-defined]
        await conn.close()  # type: ignore[attr-defined]
        assert await apg.notify("jobs") == 0


async def test_reset_codec_terminate(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("reset", {}), ("set_type_codec", {}), ("terminate", {}))
    with verifier.sandbox():
        await conn.reset(timeout=1)  # type: ignore[attr-defined]
        await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads)  # type: ignore[attr-defined]
        conn.terminate()  # type: ignore[attr-defined]
        conn.terminate()  # type: ignore[attr-defined]
    apg.assert_reset(timeout=1)
    apg.assert_set_type_codec(typename="json", encoder=json.dumps, decoder=json.loads)
    apg.assert_terminate()
    verifier.verify_all()


def test_state_accessors_need_no_step(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    from bigfoot._script import Session
    from bigfoot.plugins.asyncpg.connection import Connection

    conn = Connection(apg, Session(apg, 2))
    assert conn.get_server_pid() == 40002
    assert Connection(apg, Session(apg, 64)).get_server_pid() == 40064  # a sum, whatever bits the number shares
    assert conn.get_server_version() == (15, 0, 18, "final", 0)
    settings = conn.get_settings()
    assert settings.server_version == "15.0.18" and settings.client_encoding == "UTF8"
    with pytest.raises(AttributeError):
        settings.nonexistent_setting
    assert verifier.interactions == []


async def test_execute_tracks_manual_transactions(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(
        verifier,
        apg,
        *[("execute", {"returns": s}) for s in ("BEGIN", "SAVEPOINT", "ROLLBACK", "START TRANSACTION", "COMMIT")],
    )
    with verifier.sandbox():
        states = []
        for query in ("  begin", "SAVEPOINT a", "ROLLBACK TO a", "START TRANSACTION", "COMMIT"):
            await conn.execute(query)  # type: ignore[attr-defined]
            states.append(conn.is_in_transaction())  # type: ignore[attr-defined]
    assert states == [True, True, True, True, False]


async def test_overlap_is_refused_without_consuming_a_step(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("fetchval", {"returns": 1}), ("fetchval", {"returns": 2}))
    with verifier.sandbox():
        results = await asyncio.gather(
            conn.fetchval("SELECT 1"),
            conn.fetchval("SELECT 2"),
            return_exceptions=True,  # type: ignore[attr-defined]
        )
        assert results[0] == 1 and isinstance(results[1], asyncpg.InterfaceError)
        assert await conn.fetchval("SELECT 2") == 2  # type: ignore[attr-defined]
    apg.assert_fetchval(query="SELECT 1", args=[])
    apg.assert_fetchval(query="SELECT 2", args=[])


def test_postgres_error_builds_the_subclass_with_its_fields() -> None:
    error = postgres_error(
        "23503",
        'insert or update on table "orders" violates foreign key constraint "orders_user_fk"',
        detail='Key (user_id)=(9) is not present in table "users".',
        constraint_name="orders_user_fk",
        table_name="orders",
        schema_name="public",
        column_name=None,
        hint="check it",
    )
    assert type(error) is asyncpg.ForeignKeyViolationError
    assert (error.sqlstate, error.constraint_name, error.table_name, error.schema_name) == (
        "23503",
        "orders_user_fk",
        "orders",
        "public",
    )
    assert error.detail == 'Key (user_id)=(9) is not present in table "users".' and error.hint == "check it"
    assert str(error).startswith('insert or update on table "orders"') and error.severity == "ERROR"
    assert AsyncpgPlugin.postgres_error is postgres_error
    assert type(postgres_error("40001", "could not serialize access")) is asyncpg.SerializationError
    with pytest.raises(ValueError, match="sqlstate must be a five-character SQLSTATE code such as '23505', got 'dup'"):
        postgres_error("dup", "x")


async def test_assert_add_listener_requires_both_fields(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    from bigfoot import MissingAssertionFieldsError

    conn = await connected(verifier, apg, ("add_listener", {}))
    with verifier.sandbox():
        await conn.add_listener("a", print)  # type: ignore[attr-defined]
    with pytest.raises(MissingAssertionFieldsError, match="callback"):
        apg.assert_add_listener(channel="a")
    apg.assert_add_listener(channel="a", callback=ANY)


async def test_prepared_statement_timeouts_are_recorded(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(
        verifier,
        apg,
        ("prepare", {"returns": None}),
        ("fetchrow", {"returns": None}),
        ("fetchval", {"returns": 1}),
        ("fetchmany", {"returns": []}),
        ("executemany", {"returns": None}),
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
    conn = await connected(
        verifier, apg, ("fetchmany", {"returns": []}), ("fetchrow", {"returns": None}), ("remove_listener", {})
    )
    with verifier.sandbox():
        await conn.fetchmany("SELECT $1", [(1,)], timeout=1, record_class=asyncpg.Record)  # type: ignore[attr-defined]
        await conn.fetchrow("SELECT 1", timeout=2, record_class=asyncpg.Record)  # type: ignore[attr-defined]
        await conn.remove_listener("never", print)  # type: ignore[attr-defined]
    apg.assert_fetchmany(query="SELECT $1", args=[(1,)], timeout=1, record_class=asyncpg.Record)
    apg.assert_fetchrow(query="SELECT 1", args=[], timeout=2, record_class=asyncpg.Record)
    apg.assert_remove_listener(channel="never", callback=print)


async def test_closing_inside_a_transaction_block(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(verifier, apg, ("begin", {}), ("close", {}))
    with verifier.sandbox():
        with pytest.raises(asyncpg.InterfaceError) as info:
            async with conn.transaction():  # type: ignore[attr-defined]
                await conn.close()  # type: ignore[attr-defined]
        assert str(info.value) == "cannot call Transaction.__aexit__(): the underlying connection is closed"
    from bigfoot.plugins.asyncpg.cursor import CursorFactory

    with pytest.raises(asyncpg.InterfaceError, match=r"cannot call CursorFactory.__aiter__"):
        CursorFactory(conn, {"query": "SELECT 1", "args": []}).__aiter__()  # type: ignore[arg-type]
    apg.assert_begin()
    apg.assert_close()


async def test_rollbacks_of_nested_blocks(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    conn = await connected(
        verifier, apg, ("begin", {}), ("savepoint", {}), ("rollback_to_savepoint", {}), ("rollback", {})
    )
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


async def test_a_prepared_statement_checks_its_connection_when_called_not_when_awaited(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await connected(verifier, apg, ("prepare", {}), ("close", {}))
    with verifier.sandbox():
        statement = await conn.prepare("SELECT $1::int AS a")  # type: ignore[attr-defined]
        await conn.close()  # type: ignore[attr-defined]
        calls = {
            "fetch": lambda: statement.fetch(1),
            "fetchrow": lambda: statement.fetchrow(1),
            "fetchval": lambda: statement.fetchval(1),
            "fetchmany": lambda: statement.fetchmany([(1,)]),
            "executemany": lambda: statement.executemany([(1,)]),
            "explain": lambda: statement.explain(1),
            "cursor": lambda: statement.cursor(1),
            "get_statusmsg": statement.get_statusmsg,
        }
        for name, call in calls.items():
            # asyncpg's check runs in the call itself: no coroutine is made, so there is nothing to await.
            with pytest.raises(asyncpg.InterfaceError) as info:
                call()
            assert str(info.value) == f"cannot call PreparedStatement.{name}(): the underlying connection is closed"
            # The error points at the test's call: the check's frames are hidden from the report.
            assert "bigfoot.plugins.asyncpg.resource" in hidden_bigfoot_modules(info.value)
    apg.assert_prepare(query="SELECT $1::int AS a")
    apg.assert_close()


async def test_a_prepared_statements_fetchmany_and_executemany_take_timeout_only_by_keyword(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await connected(verifier, apg, ("prepare", {}))
    with verifier.sandbox():
        statement = await conn.prepare("SELECT $1::int AS a")  # type: ignore[attr-defined]
        for method in (statement.fetchmany, statement.executemany):
            with pytest.raises(TypeError, match=r"takes 2 positional arguments but 3 were given"):
                method([(1,)], 5)
    apg.assert_prepare(query="SELECT $1::int AS a")


async def test_a_prepared_statements_fetchrow_gives_its_record_class(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    class Row(asyncpg.Record):
        pass

    conn = await connected(
        verifier, apg, ("prepare", {}), ("fetchrow", {"returns": {"a": 1}}), ("fetchrow", {"returns": None})
    )
    with verifier.sandbox():
        statement = await conn.prepare("SELECT $1::int AS a", record_class=Row)  # type: ignore[attr-defined]
        row = await statement.fetchrow(1)
        assert type(row) is Row and row["a"] == 1
        assert await statement.fetchrow(2) is None
    apg.assert_prepare(query="SELECT $1::int AS a", record_class=Row)
    apg.assert_fetchrow(query="SELECT $1::int AS a", args=[1])
    apg.assert_fetchrow(query="SELECT $1::int AS a", args=[2])


async def test_a_record_class_that_equals_anything_is_still_used(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # Whether record_class= was given is told by identity: a class whose metaclass makes it equal to anything is used.
    class Lenient(type):
        def __eq__(cls, other: object) -> bool:
            return True

        __hash__ = type.__hash__

    class Row(asyncpg.Record, metaclass=Lenient):
        pass

    conn = await connected(verifier, apg, ("fetch", {"returns": [{"a": 1}]}), ("fetchrow", {"returns": {"a": 2}}))
    with verifier.sandbox():
        found = await conn.fetch("SELECT 1 AS a", record_class=Row)  # type: ignore[attr-defined]
        row = await conn.fetchrow("SELECT 2 AS a", record_class=Row)  # type: ignore[attr-defined]
    assert [type(each) for each in found] == [Row] and type(row) is Row
    apg.assert_fetch(query="SELECT 1 AS a", args=[], record_class=Row)
    apg.assert_fetchrow(query="SELECT 2 AS a", args=[], record_class=Row)


async def test_copy_from_query_counts_the_arguments_it_is_given(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # asyncpg inlines the arguments with a query of its own, which counts them; without arguments it sends the query.
    conn = await connected(verifier, apg, ("copy_from_query", {"returns": "COPY 1"}))
    with verifier.sandbox():
        with pytest.raises(asyncpg.InterfaceError, match="expects 1 argument for this query, 2 were passed"):
            await conn.copy_from_query("SELECT $1::int", 1, 2, output=io.BytesIO())  # type: ignore[attr-defined]
        assert await conn.copy_from_query("SELECT 1", output=io.BytesIO()) == "COPY 1"  # type: ignore[attr-defined]
    apg.assert_copy_from_query(query="SELECT 1", args=[], output=ANY)


async def test_hundreds_of_arguments_are_counted_by_value(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # Counts above 256 are distinct int objects in CPython: the count check must compare them by value.
    query = "SELECT " + ", ".join(f"${n}::int" for n in range(1, 301))
    row = tuple(range(300))
    conn = await connected(verifier, apg, ("executemany", {}), ("copy_from_query", {"returns": "COPY 1"}))
    with verifier.sandbox():
        await conn.executemany(query, [row])  # type: ignore[attr-defined]
        assert await conn.copy_from_query(query, *row, output=io.BytesIO()) == "COPY 1"  # type: ignore[attr-defined]
    apg.assert_executemany(command=query, args=[row])
    apg.assert_copy_from_query(query=query, args=list(row), output=ANY)


async def test_a_call_on_a_closed_connection_is_reported_without_the_connections_frames(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    conn = await connected(verifier, apg, ("close", {}))
    with verifier.sandbox():
        await conn.close()  # type: ignore[attr-defined]
        with pytest.raises(asyncpg.InterfaceError, match="connection is closed") as info:
            await conn.fetchval("SELECT 1")  # type: ignore[attr-defined]
    # The error points at the test's call: the connection's frames are hidden from both runners.
    assert "bigfoot.plugins.asyncpg.connection" in hidden_bigfoot_modules(info.value)
    apg.assert_close()


async def test_a_timeout_that_equals_anything_is_still_checked(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # Whether timeout= was given is told by identity: ANY is given, and float() refuses it, as in asyncpg.
    conn = await connected(verifier, apg)
    with verifier.sandbox():
        with pytest.raises(TypeError, match="float"):
            await conn.fetchval("SELECT 1", timeout=ANY)  # type: ignore[attr-defined]
    assert apg.unused_steps() == []


async def test_prepare_takes_a_timeout_the_query_methods_refuse(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    # prepare() converts timeout= with float() alone, where the query methods refuse a bool first.
    conn = await connected(verifier, apg, ("prepare", {}))
    with verifier.sandbox():
        with pytest.raises(ValueError, match="invalid timeout value"):
            await conn.fetchval("SELECT 1", timeout=True)  # type: ignore[attr-defined]
        await conn.prepare("SELECT 1", timeout=True)  # type: ignore[attr-defined]
    apg.assert_prepare(query="SELECT 1", timeout=True)
