"""Cursors (iterated and awaited, past the end, outside transactions) and prepared statements."""

from __future__ import annotations

from typing import Any

import asyncpg

from .harness import Database, scenario

SERIES = "SELECT generate_series(1, $1::int) AS n"

# -- cursors -------------------------------------------------------------------------------------------------------


@scenario("cursors_prepared", edge=False)
async def cursor_iterated(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        db.observe("prefetch 3", [row async for row in conn.cursor(SERIES, 7, prefetch=3)])
        db.observe("default prefetch", [row["n"] async for row in conn.cursor(SERIES, 60)])
    await conn.close()


@scenario("cursors_prepared")
async def cursor_iterated_empty(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        db.observe("nothing", [row async for row in conn.cursor("SELECT 1 WHERE false")])
    await conn.close()


@scenario("cursors_prepared")
async def cursor_read_past_the_end(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        cursor = await conn.cursor(SERIES, 5)
        await db.attempt("fetch 2", cursor.fetch(2))
        await db.attempt("fetchrow", cursor.fetchrow())
        await db.attempt("forward 1", cursor.forward(1))
        await db.attempt("fetch 10", cursor.fetch(10))
        await db.attempt("fetch at the end", cursor.fetch(3))
        await db.attempt("fetchrow at the end", cursor.fetchrow())
        await db.attempt("forward at the end", cursor.forward(4))
    await conn.close()


@scenario("cursors_prepared")
async def cursor_forward_past_the_end(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        cursor = await conn.cursor(SERIES, 4)
        await db.attempt("forward 10", cursor.forward(10))
        await db.attempt("fetch", cursor.fetch(1))
    await conn.close()


@scenario("cursors_prepared")
async def cursor_bad_counts(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        cursor = await conn.cursor(SERIES, 3)
        await db.attempt("fetch 0", cursor.fetch(0))
        await db.attempt("forward -1", cursor.forward(-1))
        await db.attempt("still reads", cursor.fetch(5))
        await db.attempt_call("prefetch on an awaited cursor", lambda: conn.cursor(SERIES, 3, prefetch=2))
        try:
            async for _ in conn.cursor(SERIES, 3, prefetch=0):
                pass
        except asyncpg.InterfaceError as exc:
            db.observe("prefetch 0", exc)
    await conn.close()


@scenario("cursors_prepared")
async def cursor_outside_a_transaction(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("awaited", conn.cursor(SERIES, 3))
    try:
        async for _ in conn.cursor(SERIES, 3):
            pass
    except asyncpg.PostgresError as exc:
        db.observe("iterated", exc)
    await conn.close()


@scenario("cursors_prepared")
async def cursor_after_its_transaction(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        cursor = await conn.cursor(SERIES, 5)
        await db.attempt("inside", cursor.fetch(2))
    await db.attempt("after commit", cursor.fetch(2))
    await db.attempt("fetchrow after commit", cursor.fetchrow())
    await conn.close()


@scenario("cursors_prepared")
async def cursor_in_an_aborted_transaction(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        cursor = await conn.cursor(SERIES, 5)
        await db.attempt("fetch", cursor.fetch(2))
        await db.attempt("fails", conn.fetchval("SELECT 1 / 0"))
        await db.attempt("refused", cursor.fetch(2))
        await db.attempt("open another", conn.cursor(SERIES, 2))
    await conn.close()


@scenario("cursors_prepared")
async def cursor_query_errors(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        await db.attempt("syntax", conn.cursor("SELEC 1"))
    async with conn.transaction():
        await db.attempt("wrong argument count", conn.cursor(SERIES))
    async with conn.transaction():
        await db.attempt("undefined table", conn.cursor("SELECT * FROM df_no_such_table"))
    await conn.close()


@scenario("cursors_prepared")
async def cursor_row_fails_midway(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        cursor = await db.attempt("open", conn.cursor("SELECT 10 / (3 - g) AS n FROM generate_series(1, 5) g"))
        if not isinstance(cursor, Exception):
            await db.attempt("first rows", cursor.fetch(2))
            await db.attempt("the failing row", cursor.fetch(2))
    await conn.close()


@scenario("cursors_prepared", edge=False)
async def cursor_of_a_prepared_statement(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare(SERIES)
    async with conn.transaction():
        db.observe("iterated", [row async for row in statement.cursor(4, prefetch=2)])
        cursor = await statement.cursor(3)
        await db.attempt("fetch", cursor.fetch(5))
    await conn.close()


# -- prepared statements --------------------------------------------------------------------------------------------


@scenario("cursors_prepared", edge=False)
async def prepared_fetch_methods(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT $1::int AS a, $1::int * 2 AS b")
    db.observe("query", statement.get_query())
    await db.attempt("fetch", statement.fetch(1))
    await db.attempt("fetchrow", statement.fetchrow(2))
    await db.attempt("fetchval", statement.fetchval(3))
    await db.attempt("fetchval column", statement.fetchval(4, column=1))
    await db.attempt("fetchmany", statement.fetchmany([(5,), (6,)]))
    await conn.close()


@scenario("cursors_prepared")
async def prepared_description(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT $1::int AS a, $2::text AS b, now() AS c")
    db.observe("parameters", statement.get_parameters())
    db.observe("attributes", statement.get_attributes())
    await conn.close()


@scenario("cursors_prepared")
async def prepared_description_of_a_command(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int, name text)")
    statement = await conn.prepare("INSERT INTO t VALUES ($1, $2)")
    db.observe("parameters", statement.get_parameters())
    db.observe("attributes", statement.get_attributes())
    await conn.close()


@scenario("cursors_prepared")
async def prepared_status_messages(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int)")
    select = await conn.prepare("SELECT generate_series(1, $1::int)")
    db.observe("before", select.get_statusmsg())
    await select.fetch(3)
    db.observe("after fetch", select.get_statusmsg())
    await select.fetchrow(0)
    db.observe("after fetchrow of nothing", select.get_statusmsg())
    insert = await conn.prepare("INSERT INTO t VALUES ($1) RETURNING id")
    await insert.fetch(1)
    db.observe("insert returning", insert.get_statusmsg())
    await conn.close()


@scenario("cursors_prepared")
async def prepared_status_of_a_command_without_rows(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int)")
    insert = await conn.prepare("INSERT INTO t SELECT generate_series(1, $1::int)")
    await insert.fetch(4)
    db.observe("status", insert.get_statusmsg())
    await conn.close()


@scenario("cursors_prepared")
async def prepared_errors(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("syntax error at prepare", conn.prepare("SELEC $1"))
    await db.attempt("undefined table at prepare", conn.prepare("SELECT * FROM df_no_such_table"))
    statement = await conn.prepare("SELECT 10 / $1::int")
    await db.attempt("division by zero at execution", statement.fetchval(0))
    await db.attempt("too many arguments", statement.fetchval(1, 2))
    await db.attempt("too few arguments", statement.fetch())
    await db.attempt("still works", statement.fetchval(5))
    await conn.close()


@scenario("cursors_prepared")
async def prepared_in_an_aborted_transaction(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT $1::int")
    async with conn.transaction():
        await db.attempt("fails", conn.execute("SELECT 1 / 0"))
        await db.attempt("statement refused", statement.fetchval(1))
        await db.attempt("prepare refused", conn.prepare("SELECT 2"))
    await db.attempt("works again", statement.fetchval(3))
    await conn.close()


@scenario("cursors_prepared")
async def prepared_after_close(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT 1")
    await conn.close()
    await db.attempt_call("fetchval", lambda: statement.fetchval())
    await db.attempt_call("get_query", lambda: statement.get_query())  # type: ignore[arg-type, return-value]


@scenario("cursors_prepared")
async def prepared_named_statement(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT $1::text || '!'", name="df_named")
    db.observe("name", statement.get_name())
    await db.attempt("fetchval", statement.fetchval("hi"))
    await db.attempt(
        "the server knows it", conn.fetchval("SELECT count(*) FROM pg_prepared_statements WHERE name = 'df_named'")
    )
    await db.attempt("same name again", conn.prepare("SELECT 2", name="df_named"))
    await conn.close()


@scenario("cursors_prepared", edge=False)
async def prepared_executemany(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY)")
    statement = await conn.prepare("INSERT INTO t VALUES ($1)")
    await db.attempt("executemany", statement.executemany([(1,), (2,)]))
    await db.attempt("executemany fails", statement.executemany([(3,), (1,)]))
    await db.attempt("rows", conn.fetch("SELECT id FROM t ORDER BY id"))
    await conn.close()


@scenario("cursors_prepared")
async def prepared_explain(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT * FROM generate_series(1, $1::int)")
    plan = await statement.explain(3)
    db.observe("plan kind", (type(plan).__name__, sorted(plan[0]) if isinstance(plan, list) else None))
    await conn.close()


@scenario("cursors_prepared")
async def prepared_description_of_other_types(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TYPE pg_temp.df_level AS ENUM ('low', 'high')")
    statement = await conn.prepare("SELECT $1::pg_temp.df_level AS a, $2::int[] AS a, 'x'::varchar AS b")
    db.observe("parameters", [(t.name, t.kind) for t in statement.get_parameters()])
    db.observe("attributes", [(a.name, a.type.name, a.type.kind) for a in statement.get_attributes()])
    await db.attempt("fetchrow", statement.fetchrow("high", [1, 2]))
    await conn.close()


@scenario("cursors_prepared")
async def statements_and_cursors_of_a_second_and_third_connection(db: Database) -> None:
    # Record mode keeps what the server described per connection: a later connection's statement types and failing
    # cursor must land on its own steps, not on the first connection's.
    first, second, third = await db.connect(), await db.connect(), await db.connect()
    db.observe("first", await first.fetchval("SELECT 1"))
    statement = await third.prepare("SELECT $1::int AS n, 'x'::text AS label")
    db.observe("parameters", [parameter.name for parameter in statement.get_parameters()])
    db.observe("attributes", [(attribute.name, attribute.type.name) for attribute in statement.get_attributes()])
    transaction = second.transaction()
    await transaction.start()

    async def read() -> list[Any]:
        return [row["n"] async for row in second.cursor("SELECT 10 / (3 - g) AS n FROM generate_series(1, 5) g")]

    await db.attempt("cursor", read())
    await transaction.rollback()
    for conn in (first, second, third):
        await conn.close()
