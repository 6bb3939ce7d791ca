"""Contract scenarios for faults and time: a connection the server terminates mid-query, timeouts around slow
queries, and the observers asyncpg calls (query loggers, termination listeners, the reset query).

Registered in the same table as ``scenarios.py`` (which imports this module at its end). The real side loses its
connection through ``pg_terminate_backend`` from a second connection and waits on ``pg_sleep``; the fake side scripts
the same with ``connection_lost()`` and ``delay=``. Nothing observed depends on how long anything took.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from bigfoot.plugins.asyncpg import connection_lost, postgres_error

from .scenarios import Database, scenario

NO_TABLE = postgres_error("42P01", 'relation "missing_table" does not exist')


@scenario(
    lambda apg: (
        apg.new_session().expect("connect").expect("fetch", raises=connection_lost(), delay=5),
        apg.new_session().expect("connect").expect("fetchval", returns=True).expect("close"),
    )
)
async def connection_terminated_mid_query(db: Database) -> None:
    conn = await db.connect()
    admin = await db.connect()
    ended: list[bool] = []
    conn.add_termination_listener(lambda con: ended.append(con is conn))
    pid = conn.get_server_pid()

    async def terminate() -> Any:
        await asyncio.sleep(0.3)
        return await admin.fetchval("SELECT pg_terminate_backend($1)", pid)

    killer = asyncio.ensure_future(terminate())
    await db.attempt("query", conn.fetch("SELECT pg_sleep(5)"))
    db.observe("terminated", await killer)
    db.observe("closed", conn.is_closed())
    await asyncio.sleep(0.05)
    db.observe("termination listeners", ended)
    await db.attempt("fetchval after", conn.fetchval("SELECT 1"))
    await db.attempt("execute after", conn.execute("SELECT 1"))
    await db.attempt("close after", conn.close())
    db.observe("still closed", conn.is_closed())
    await admin.close()


def _checkout(apg: Any, *steps: tuple[str, dict[str, Any]]) -> None:
    session = apg.new_session().expect("acquire")
    for method, options in steps:
        session.expect(method, **options)
    session.expect("release")


@scenario(
    lambda apg: (
        apg.new_session().expect("connect").expect("fetchval", returns=True).expect("close"),
        _checkout(apg, ("fetchval", {"returns": None})),
        _checkout(apg, ("fetchval", {"raises": connection_lost(), "delay": 5})),
        _checkout(apg, ("fetchval", {"returns": 7})),
    )
)
async def pool_replaces_a_terminated_connection(db: Database) -> None:
    admin = await db.connect()
    async with db.create_pool(min_size=1, max_size=1) as pool:
        async with pool.acquire() as conn:
            pid = await conn.fetchval("SELECT NULL::int")  # the real side learns the pid below
            pid = conn.get_server_pid()

        async def terminate() -> Any:
            await asyncio.sleep(0.3)
            return await admin.fetchval("SELECT pg_terminate_backend($1)", pid)

        killer = asyncio.ensure_future(terminate())
        async with pool.acquire() as conn:
            await db.attempt("query", conn.fetchval("SELECT pg_sleep(5)"))
            try:
                db.observe("closed", conn.is_closed())
            except asyncpg.InterfaceError as exc:
                db.observe("closed", exc)
        db.observe("terminated", await killer)
        async with pool.acquire() as conn:
            db.observe("new connection", conn.is_closed())
            db.observe("answer", await conn.fetchval("SELECT 7"))
    await admin.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("fetch", returns=[], delay=3)
        .expect("fetchval", returns=1)
        .expect("fetchval", returns=None, delay=3)
        .expect("fetchval", returns=2)
        .expect("close"),
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="SELECT 1", delay=3)
        .expect("fetchval", returns=3)
        .expect("close"),
    )
)
async def timeouts_leave_the_connection_usable(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("timeout=", conn.fetch("SELECT pg_sleep(3)", timeout=0.2))
    db.observe("closed", conn.is_closed())
    db.observe("usable", await conn.fetchval("SELECT 1"))
    await db.attempt("wait_for", asyncio.wait_for(conn.fetchval("SELECT pg_sleep(3)"), 0.2))
    db.observe("usable again", await conn.fetchval("SELECT 2"))
    await conn.close()
    slow = await asyncpg.connect(**db.params, command_timeout=0.2)
    await db.attempt("command_timeout", slow.execute("SELECT pg_sleep(3)"))
    db.observe("after command_timeout", await slow.fetchval("SELECT 3", timeout=5))
    await slow.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="SELECT 1")
        .expect("fetchval", returns=5)
        .expect("fetch", raises=NO_TABLE)
        .expect("prepare")
        .expect("fetchval", returns=2)
        .expect("close"),
        apg.new_session()
        .expect("connect")
        .expect("fetch", returns=[{"n": 4}])
        .expect("fetchrow", raises=NO_TABLE)
        .expect("close"),
    )
)
async def query_loggers_and_termination_listeners(db: Database) -> None:
    conn = await db.connect()
    logged: list[Any] = []
    ended: list[bool] = []

    def log(record: Any) -> None:
        error = record.exception
        logged.append((type(record).__name__, record.query, record.args, record.timeout, type(error).__name__))

    conn.add_query_logger(log)
    conn.add_termination_listener(lambda con: ended.append(con is conn))
    await conn.execute("SELECT 1")
    await conn.fetchval("SELECT $1::int", 5, timeout=3)
    await db.attempt("missing table", conn.fetch("SELECT * FROM missing_table"))
    statement = await conn.prepare("SELECT 2")
    await statement.fetchval()  # prepared statements are not logged
    await asyncio.sleep(0.05)
    db.observe("logged", logged)
    db.observe("reset query", conn.get_reset_query())
    await conn.reload_schema_state()
    await conn.close()
    await asyncio.sleep(0.05)
    db.observe("termination listeners", ended)
    # With command_timeout, the extended protocol logs it as the call's timeout, as a float, as it does a timeout=.
    timed = await asyncpg.connect(**db.params, command_timeout=9)
    timings: list[Any] = []
    timed.add_query_logger(lambda record: timings.append((record.query, record.timeout, type(record.timeout).__name__)))
    await timed.fetch("SELECT 4 AS n")
    await db.attempt("missing table, with timeout=", timed.fetchrow("SELECT * FROM missing_table", timeout=3))
    await timed.close()
    await db.attempt("closed", timed.fetch("SELECT 5"))  # refused before anything is logged
    await asyncio.sleep(0.05)
    db.observe("logged with command_timeout", timings)


class NotARecord:
    pass


@scenario(lambda apg: (apg.new_session().expect("connect").expect("close"),))
async def query_loggers_see_what_passes_the_connection_and_timeout_checks(db: Database) -> None:
    """asyncpg checks the connection and timeout= before it times and logs a query; what fails after that (the rows'
    class, the query's type, the argument count, each row of executemany) is logged with its error. execute()
    without arguments is the exception: the simple protocol checks the timeout inside the log."""
    conn = await db.connect()
    logged: list[Any] = []
    conn.add_query_logger(
        lambda record: logged.append((record.query, record.args, record.timeout, type(record.exception).__name__))
    )
    attempts = {
        "bad timeout and bad record_class": lambda: conn.fetch("SELECT 1", timeout=-1, record_class=NotARecord),
        "bad record_class": lambda: conn.fetch("SELECT 1", record_class=NotARecord),
        "timeout=0": lambda: conn.fetchval("SELECT 1", timeout=0),
        "timeout that is no number": lambda: conn.fetchrow("SELECT 1", timeout="soon"),
        "argument count": lambda: conn.fetch("SELECT $1::int"),
        "simple protocol, bad timeout": lambda: conn.execute("SELECT 1", timeout=-1),
        "extended protocol, bad timeout": lambda: conn.execute("SELECT $1::int", 1, timeout=-1),
        "executemany, bad timeout": lambda: conn.executemany("SELECT $1::int", [(1,)], timeout=-1),
        "executemany, a row that is no sequence": lambda: conn.executemany("SELECT $1::int", [1]),
        "fetchmany, bad record_class": lambda: conn.fetchmany("SELECT $1::int", [(1,)], record_class=NotARecord),
        "a query that is no str": lambda: conn.fetch(123),
    }
    for label, call in attempts.items():
        await db.attempt(label, call())
        await asyncio.sleep(0)  # the loggers run on the next turn of the loop
        db.observe(f"{label}: logged", logged)
        logged.clear()
    await conn.close()


def _resilience() -> Any:
    """docs/examples/resilience.py, the example application, loaded from its file."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "docs" / "examples" / "resilience.py"
    spec = importlib.util.spec_from_file_location("bigfoot_example_resilience", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SLOW_JOBS = "CREATE VIEW jobs AS SELECT 'queued'::text AS state FROM generate_series(1, 5), pg_sleep(1)"
SLOW_PRICES = "CREATE VIEW prices AS SELECT 'apple'::text AS sku, 120 AS price FROM pg_sleep(2)"
KILL = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()"


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="CREATE VIEW", times=2)
        .expect("fetchval", returns=True)
        .expect("execute", returns="DROP VIEW")
        .expect("execute", returns="CREATE TABLE")
        .expect("execute", returns="INSERT 0 3")
        .expect("execute", returns="DROP TABLE")
        .expect("execute", returns="DROP VIEW")
        .expect("close"),
        _checkout(apg, ("fetchval", {"raises": connection_lost(), "delay": 1})),
        _checkout(apg, ("fetchval", {"returns": 5, "delay": 1})),
        apg.new_session()
        .expect("connect")
        .expect("fetchval", returns=120, delay=2)
        .expect("fetchval", returns=120, delay=2)
        .expect("execute", returns="DELETE 2")
        .expect("close"),
    )
)
async def resilience_examples(db: Database) -> None:
    """The functions of docs/examples/resilience.py: retry on a terminated connection, timeout and fallback, logging."""
    example = _resilience()
    admin = await db.connect()
    await admin.execute(SLOW_JOBS)
    await admin.execute(SLOW_PRICES)
    try:
        async with db.create_pool(min_size=1, max_size=1) as pool:

            async def terminate() -> Any:
                await asyncio.sleep(0.3)
                return await admin.fetchval(KILL, example.QUEUED)

            killer = asyncio.ensure_future(terminate())
            db.observe("queued jobs", await example.queued_jobs(pool))
            db.observe("terminated", await killer)
        conn = await db.connect()
        db.observe("slow price", await example.price_or_cached(conn, "apple", cached=100))
        db.observe("price in time", await example.price_or_cached(conn, "apple", cached=100, timeout=5))
        await admin.execute("DROP VIEW jobs")
        await admin.execute("CREATE TABLE jobs (state text)")
        await admin.execute("INSERT INTO jobs VALUES ('done'), ('done'), ('queued')")
        log: list[str] = []
        db.observe("cleanup", await example.logged_cleanup(conn, log))
        db.observe("log right after the call", log)  # asyncpg calls loggers on the next turn of the loop
        await asyncio.sleep(0.05)
        db.observe("log", log)
        await conn.close()
        await admin.execute("DROP TABLE jobs")
    finally:
        await admin.execute("DROP VIEW prices")
        await admin.close()


@scenario(lambda apg: (apg.new_session().expect("acquire").expect("fetchval", returns=1),))
async def pool_terminate_ends_the_connections_checked_out(db: Database) -> None:
    # asyncpg's pool.terminate() terminates each connection, checked out or not: their termination listeners are
    # called and their query loggers dropped, as when the code terminates a connection itself.
    pool = await db.create_pool(min_size=1, max_size=1)
    con = await pool.acquire()
    ended: list[bool] = []
    logged: list[str] = []
    con.add_termination_listener(lambda connection: ended.append(True))
    con.add_query_logger(lambda record: logged.append(record.query))
    db.observe("value", await con.fetchval("SELECT 1"))
    pool.terminate()
    await asyncio.sleep(0.05)
    db.observe("termination listeners", ended)
    db.observe("logged", logged)
    db.observe("closing", pool.is_closing())


@scenario(lambda apg: (apg.new_session().expect("connect"),))
async def a_query_of_the_wrong_type_ends_the_connection(db: Database) -> None:
    # A query asyncpg cannot encode breaks the connection (see test_query_types.py). asyncpg logs that call, refuses
    # the next one before logging it, and does not call the termination listeners: the connection was not cleaned up.
    conn = await db.connect()
    ended: list[bool] = []
    logged: list[Any] = []
    conn.add_termination_listener(lambda connection: ended.append(connection is conn))
    conn.add_query_logger(lambda record: logged.append(record.query))
    await db.attempt("bytes", conn.execute(b"SELECT 1"))  # type: ignore[arg-type]
    db.observe("closed", conn.is_closed())
    await db.attempt("after", conn.fetchval("SELECT 1"))
    await asyncio.sleep(0.05)
    db.observe("termination listeners", ended)
    db.observe("logged", logged)
