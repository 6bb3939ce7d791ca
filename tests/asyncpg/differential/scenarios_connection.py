"""The connection's life: closing, calls after close, terminate, overlapping calls, COPY, LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import asyncpg

from .harness import Database, scenario


@scenario("connection", edge=False)
async def conn_accessors(db: Database) -> None:
    conn = await db.connect()
    db.observe("is a Connection", isinstance(conn, asyncpg.Connection))
    db.observe("state", (conn.is_closed(), conn.is_in_transaction()))
    db.observe("encoding", conn.get_settings().client_encoding)
    await conn.close()


@scenario("connection")
async def conn_close_twice(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("close", conn.close())
    await db.attempt("close again", conn.close())
    db.observe("closed", conn.is_closed())


@scenario("connection")
async def conn_calls_after_close(db: Database) -> None:
    conn = await db.connect()
    await conn.close()
    await db.attempt("execute", conn.execute("SELECT 1"))
    await db.attempt("execute with arguments", conn.execute("SELECT $1::int", 1))
    await db.attempt("fetch", conn.fetch("SELECT 1"))
    await db.attempt("fetchrow", conn.fetchrow("SELECT 1"))
    await db.attempt("fetchval", conn.fetchval("SELECT 1"))
    await db.attempt("executemany", conn.executemany("SELECT $1::int", [(1,)]))
    await db.attempt("fetchmany", conn.fetchmany("SELECT $1::int", [(1,)]))
    await db.attempt("prepare", conn.prepare("SELECT 1"))
    await db.attempt("copy", conn.copy_records_to_table("t", records=[(1,)]))
    await db.attempt("add_listener", conn.add_listener("c", lambda *a: None))
    await db.attempt("remove_listener", conn.remove_listener("c", lambda *a: None))
    await db.attempt("reset", conn.reset())
    await db.attempt_call("transaction", lambda: conn.transaction().start())
    await db.attempt_call("cursor", lambda: conn.cursor("SELECT 1").__aiter__().__anext__())


@scenario("connection")
async def conn_resources_of_a_closed_connection(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT 1")
    tx = conn.transaction()
    await conn.close()
    await db.attempt_call("statement", lambda: statement.fetchval())
    await db.attempt_call("transaction", lambda: tx.start())


@scenario("connection")
async def conn_terminate_then_calls(db: Database) -> None:
    conn = await db.connect()
    conn.terminate()
    db.observe("closed", conn.is_closed())
    conn.terminate()
    await db.attempt("fetch", conn.fetch("SELECT 1"))
    await db.attempt("close", conn.close())


@scenario("connection")
async def conn_close_inside_a_transaction(db: Database) -> None:
    conn = await db.connect()
    tx = conn.transaction()
    await tx.start()
    await db.attempt("close", conn.close())
    await db.attempt("commit after close", tx.commit())
    other = await db.connect()
    await db.attempt("the other connection is fine", other.fetchval("SELECT 1"))
    await other.close()


@scenario("connection")
async def conn_overlapping_operations(db: Database) -> None:
    conn = await db.connect()
    first, second = await asyncio.gather(
        conn.fetchval("SELECT pg_sleep(0.02)::text"), conn.fetchval("SELECT 1"), return_exceptions=True
    )
    db.observe("first", first)
    db.observe("second", second)
    await db.attempt("afterwards", conn.fetchval("SELECT 2"))
    await conn.close()


@scenario("connection")
async def conn_server_terminates_the_connection(db: Database) -> None:
    conn = await db.connect(server_settings={"application_name": "df-victim"})
    killer = await db.connect()
    task = asyncio.ensure_future(conn.fetchval("SELECT pg_sleep(2)"))
    await asyncio.sleep(0.05)
    await killer.fetchval("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'df-victim'")
    try:
        await task
    except Exception as exc:
        db.observe("the query", exc)
    db.observe("closed", conn.is_closed())
    await db.attempt("later call", conn.fetchval("SELECT 1"))
    await killer.close()


@scenario("connection")
async def conn_server_settings_on_connect(db: Database) -> None:
    conn = await db.connect(server_settings={"application_name": "df-app", "search_path": "pg_catalog"})
    await db.attempt("application_name", conn.fetchval("SHOW application_name"))
    await db.attempt("search_path", conn.fetchval("SHOW search_path"))
    await conn.close()


@scenario("connection")
async def conn_bad_server_setting_on_connect(db: Database) -> None:
    await db.attempt("refused", db.connect(server_settings={"df_no_such_setting": "1"}))


@scenario("connection")
async def conn_statement_cache_off(db: Database) -> None:
    conn = await db.connect(statement_cache_size=0)
    await db.attempt("fetch", conn.fetchval("SELECT $1::int + 1", 1))
    await db.attempt("again", conn.fetchval("SELECT $1::int + 1", 2))
    await conn.close()


# -- COPY ----------------------------------------------------------------------------------------------------------


@scenario("connection", edge=False)
async def copy_records(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int, name text)")
    await db.attempt("copy", conn.copy_records_to_table("t", records=[(1, "a"), (2, None)]))
    await db.attempt("columns", conn.copy_records_to_table("t", records=[(3,)], columns=["id"]))
    await db.attempt("rows", conn.fetch("SELECT * FROM t ORDER BY id"))
    await conn.close()


@scenario("connection")
async def copy_records_edge_cases(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int NOT NULL, name text)")
    await db.attempt("no records", conn.copy_records_to_table("t", records=[]))
    await db.attempt("not null", conn.copy_records_to_table("t", records=[(1, "a"), (None, "b")]))
    await db.attempt("unknown table", conn.copy_records_to_table("df_no_such_table", records=[(1,)]))
    await db.attempt("unknown column", conn.copy_records_to_table("t", records=[(1,)], columns=["nope"]))
    await db.attempt("nothing copied", conn.fetchval("SELECT count(*) FROM t"))
    await conn.close()


@scenario("connection")
async def copy_records_from_a_generator(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int)")
    await db.attempt("generator", conn.copy_records_to_table("t", records=((i,) for i in range(5))))

    async def produce() -> Any:
        for i in range(5, 7):
            yield (i,)

    await db.attempt("async generator", conn.copy_records_to_table("t", records=produce()))
    await db.attempt("rows", conn.fetchval("SELECT sum(id) FROM t"))
    await conn.close()


@scenario("connection")
async def copy_records_in_a_failed_transaction(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int)")
    async with conn.transaction():
        await db.attempt("fails", conn.execute("SELECT 1 / 0"))
        await db.attempt("copy refused", conn.copy_records_to_table("t", records=[(1,)]))
    await conn.close()


@scenario("connection")
async def copy_to_table_from_a_file(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int, name text)")
    await db.attempt("copy in", conn.copy_to_table("t", source=io.BytesIO(b"1\ta\n2\t\\N\n")))
    await db.attempt("bad data", conn.copy_to_table("t", source=io.BytesIO(b"x\ty\n")))
    await db.attempt("rows", conn.fetch("SELECT * FROM t ORDER BY id"))
    await conn.close()


@scenario("connection")
async def copy_out_statuses(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int); INSERT INTO t VALUES (1), (2)")
    table, query = io.BytesIO(), io.BytesIO()
    await db.attempt("from table", conn.copy_from_table("t", output=table))
    await db.attempt("from query", conn.copy_from_query("SELECT * FROM t WHERE id > $1", 1, output=query))
    db.observe_deliberate("copy-output-not-written", "what was written", (table.getvalue(), query.getvalue()))
    await db.attempt("from a bad query", conn.copy_from_query("SELECT nope FROM t", output=io.BytesIO()))
    await conn.close()


# -- LISTEN / NOTIFY --------------------------------------------------------------------------------------------------


@scenario("connection", edge=False)
async def notify_to_self(db: Database) -> None:
    conn = await db.connect()
    received: list[Any] = []

    def listener(connection: Any, pid: int, channel: str, payload: str) -> None:
        received.append((connection is conn, channel, payload))

    await db.attempt("listen", conn.add_listener("df_orders", listener))
    await db.attempt("notify", conn.execute("NOTIFY df_orders, 'order 7'"))
    await db.notification_arrives("df_orders", "order 7")
    db.observe("received", received)
    await db.attempt("unlisten", conn.remove_listener("df_orders", listener))
    await conn.close()


@scenario("connection")
async def notify_from_another_connection(db: Database) -> None:
    conn = await db.connect()
    other = await db.connect()
    received: list[Any] = []

    async def listener(connection: Any, pid: int, channel: str, payload: str) -> None:
        received.append((channel, payload))

    await conn.add_listener("df_jobs", listener)
    await db.attempt("pg_notify", other.fetchval("SELECT pg_notify('df_jobs', $1)", "job 1"))
    await db.notification_arrives("df_jobs", "job 1")
    db.observe("received", received)
    await conn.remove_listener("df_jobs", listener)
    await db.attempt("removed twice", conn.remove_listener("df_jobs", listener))
    await conn.close()
    await other.close()


@scenario("connection")
async def unlisten_refused_in_an_aborted_transaction(db: Database) -> None:
    # asyncpg forgets the callback before it sends UNLISTEN: once the server refuses it, the server still sends the
    # channel's notifications, and the callback is no longer called for them.
    conn = await db.connect()
    received: list[Any] = []

    def listener(connection: Any, pid: int, channel: str, payload: str) -> None:
        received.append(payload)

    await conn.add_listener("df_refused", listener)
    tx = conn.transaction()
    await tx.start()
    await db.attempt("division", conn.execute("SELECT 1 / 0"))
    await db.attempt("unlisten", conn.remove_listener("df_refused", listener))
    await tx.rollback()
    await db.attempt("notify", conn.execute("NOTIFY df_refused, 'after the refusal'"))
    await db.notification_arrives("df_refused", "after the refusal")
    db.observe("received", received)
    await db.attempt("removed again", conn.remove_listener("df_refused", listener))
    await conn.close()


@scenario("connection")
async def notify_empty_payload_and_two_listeners(db: Database) -> None:
    conn = await db.connect()
    received: list[Any] = []
    await conn.add_listener("df_pings", lambda c, p, ch, payload: received.append(("one", payload)))
    await conn.add_listener("df_pings", lambda c, p, ch, payload: received.append(("two", payload)))
    await db.attempt("notify", conn.execute("NOTIFY df_pings"))
    await db.notification_arrives("df_pings", "")
    db.observe("received", sorted(received))
    await conn.close()
