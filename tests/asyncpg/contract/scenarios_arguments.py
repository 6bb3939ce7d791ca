"""Contract scenarios for asyncpg's client-side checks of arguments: what it raises before talking to a server.

Registered in the same table as ``scenarios.py`` (which imports this module at its end). None of these calls takes a
session or uses a step, so the script holds only what the connection does afterwards.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from bigfoot.plugins.asyncpg import postgres_error

from .scenarios import Database, scenario

NO_TABLE = postgres_error("42P01", 'relation "nowhere" does not exist')

CONNECT: list[tuple[str, dict[str, Any], bool]] = [
    # label, arguments, whether the scenario's own host and user are passed too
    ("unknown scheme", {"dsn": "mysql://db/app"}, False),
    ("port not a number", {"port": "abc"}, True),
    ("port in the DSN not a number", {"dsn": "postgres://db:notaport/app"}, False),
    ("unknown sslmode", {"ssl": "bogus"}, True),
    ("unknown sslmode in the DSN", {"dsn": "postgresql://db/app?sslmode=bogus"}, False),
    ("ports and hosts", {"host": "a", "port": [1, 2]}, False),
    ("command_timeout 0", {"command_timeout": 0}, True),
    ("statement cache below 0", {"statement_cache_size": -1}, True),
    ("server_settings not str", {"server_settings": {"a": 1}}, True),
    ("connection_class", {"connection_class": object}, True),
]


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("fetch", raises=NO_TABLE)
        .expect("execute", returns="BEGIN")
        .expect("executemany", raises=NO_TABLE)
        .expect("execute", returns="ROLLBACK")
        .expect("close")
    )
)
async def client_side_argument_checks(db: Database) -> None:
    for label, arguments, with_params in CONNECT:
        given = {**db.params, **arguments} if with_params else arguments
        await db.attempt_call(label, lambda given=given: asyncpg.connect(**given))
    await db.attempt_call("pool connection_class", lambda: asyncpg.create_pool(**db.params, connection_class=int))
    conn = await db.connect()
    for timeout in (0, -1, 0.5 - 0.5, True, "abc", []):
        await db.attempt_call(f"fetch timeout={timeout!r}", lambda t=timeout: conn.fetch("SELECT 1", timeout=t))
        await db.attempt_call(f"execute timeout={timeout!r}", lambda t=timeout: conn.execute("SELECT 1", timeout=t))
        await db.attempt_call(
            f"args timeout={timeout!r}", lambda t=timeout: conn.execute("SELECT $1::int", 1, timeout=t)
        )
    for timeout in (0, -1, "abc", []):
        await db.attempt_call(f"prepare timeout={timeout!r}", lambda t=timeout: conn.prepare("SELECT 1", timeout=t))
    for label, rows in [
        ("not a sequence", [1]),
        ("None", [None]),
        ("dict", [{"a": 1}]),
        ("second element", [(1,), 2]),
        ("count before the next element", [(1, 2), 3]),
        ("not iterable", None),
    ]:
        await db.attempt_call(f"executemany {label}", lambda rows=rows: conn.executemany("SELECT $1::int", rows))
        await db.attempt_call(f"fetchmany {label}", lambda rows=rows: conn.fetchmany("SELECT $1::int", rows))
    # The server answers the prepare before asyncpg counts the arguments.
    await db.attempt("undefined table, no arguments", conn.fetch("SELECT * FROM nowhere WHERE id = $1"))
    await conn.execute("BEGIN")
    await db.attempt("undefined table, many", conn.executemany("INSERT INTO nowhere VALUES ($1)", [1]))
    await db.attempt("aborted, timeout 0", conn.fetch("SELECT 1", timeout=0))
    await conn.execute("ROLLBACK")
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="CREATE TABLE")
        .expect("copy_records_to_table", returns="COPY 2")
        .expect("copy_records_to_table", returns="COPY 1")
        .expect("fetchval", returns=6)
        .expect("close")
    )
)
async def copy_records_from_generators(db: Database) -> None:
    async def more() -> Any:
        yield (3,)

    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE numbers (n int)")
    db.observe("generator", await conn.copy_records_to_table("numbers", records=((n,) for n in (1, 2))))
    db.observe("async generator", await conn.copy_records_to_table("numbers", records=more()))
    db.observe("sum", await conn.fetchval("SELECT sum(n)::int FROM numbers"))
    await conn.close()


async def _awaited_pool(**arguments: Any) -> Any:
    return await asyncpg.create_pool(**arguments)


@scenario(lambda apg: None)
async def pool_connect_argument_checks(db: Database) -> None:
    await db.attempt("unknown scheme", _awaited_pool(dsn="mysql://db/app"))
    await db.attempt("port not a number", _awaited_pool(**db.params, port="abc"))
    await db.attempt("unknown sslmode", _awaited_pool(**db.params, ssl="bogus", min_size=1))
    pool = await asyncpg.create_pool(**db.params, port="abc", min_size=0)
    await db.attempt("checkout of an empty pool", pool.acquire())
    await pool.close()
