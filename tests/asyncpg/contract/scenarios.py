"""Contract scenarios: code that uses asyncpg, run once against a real PostgreSQL and once against bigfoot.

Each scenario is an async function taking a ``Database`` helper. It connects through ``db.connect()`` (which calls
``asyncpg.connect``: the real one, or the sandboxed one) and reports everything it sees through ``db.observe`` /
``db.attempt``. Its script is what the real server answers, written as a bigfoot session. The contract test runs
both and requires the observations to be equal.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bigfoot.plugins.asyncpg import AsyncpgPlugin, postgres_error

Script = Callable[[AsyncpgPlugin], Any]
Run = Callable[["Database"], Awaitable[None]]
SCENARIOS: dict[str, tuple[Script, Run]] = {}


def scenario(script: Script) -> Callable[[Run], Run]:
    def register(run: Run) -> Run:
        SCENARIOS[run.__name__] = (script, run)
        return run

    return register


def _is_record(value: Any) -> bool:
    return type(value).__name__ == "Record" and hasattr(value, "items")


def describe(value: Any) -> Any:
    """What code can observe of a value, in a form that compares equal between real asyncpg and bigfoot."""
    if isinstance(value, BaseException):
        seen: tuple[Any, ...] = ("error", type(value).__name__, str(value))
        if isinstance(value, asyncpg.PostgresError):
            seen += (value.sqlstate, value.message, value.detail, value.constraint_name, value.severity)
        return seen
    if _is_record(value):
        n = len(value)
        lookups = []
        for key in ("id", "missing", 99, -99, None):
            try:
                lookups.append(("ok", describe(value[key])))
            except (KeyError, IndexError) as exc:
                lookups.append((type(exc).__name__, exc.args))
        return (
            "record",
            repr(value),
            tuple(value),
            list(value.keys()),
            list(value.values()),
            list(value.items()),
            dict(value),
            n,
            value[1:],
            [value[i] for i in range(-n, n)],
            hash(value) == hash(tuple(value)),
            value == tuple(value),
            value != tuple(value),
            "id" in value,
            0 in value,
            value.get("id"),
            value.get("missing", "default"),
            bool(value),
            lookups,
        )
    if isinstance(value, list):
        return ["list", *(describe(item) for item in value)]
    if isinstance(value, tuple):
        return ("tuple", *(describe(item) for item in value))
    return (type(value).__name__, repr(value))


class Database:
    """What a scenario uses to connect and to report what it saw."""

    def __init__(self, params: dict[str, str], deliver: Callable[[str, str], Awaitable[None]]) -> None:
        self.params = params
        self.observations: list[tuple[str, Any]] = []
        self._deliver = deliver

    async def connect(self) -> Any:
        return await asyncpg.connect(**self.params)

    def create_pool(self, **settings: Any) -> Any:
        return asyncpg.create_pool(**self.params, **settings)

    def observe(self, label: str, value: Any) -> None:
        self.observations.append((label, describe(value)))

    async def attempt(self, label: str, awaitable: Awaitable[Any]) -> Any:
        try:
            result = await awaitable
        except Exception as exc:
            self.observe(label, exc)
            return exc
        self.observe(label, result)
        return result

    async def attempt_call(self, label: str, call: Callable[[], Awaitable[Any]]) -> None:
        """Like attempt, and also tells whether an error came at the call or at the await."""
        try:
            awaitable = call()
        except Exception as exc:
            self.observe(label, ("at call", describe(exc)))
            return
        try:
            result = await awaitable
        except Exception as exc:
            self.observe(label, ("at await", describe(exc)))
            return
        self.observe(label, ("result", describe(result)))

    async def notification_arrives(self, channel: str, payload: str) -> None:
        """Real server: wait for the NOTIFY the code sent to arrive. Fake: the test delivers it."""
        await self._deliver(channel, payload)


# -- queries and results ------------------------------------------------------------------------------------------


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("fetch", returns=[{"id": 1, "name": "Alice", "note": None}, {"id": 2, "name": "Bob", "note": "x"}])
        .expect("close")
    )
)
async def fetch_rows_and_record_behaviour(db: Database) -> None:
    conn = await db.connect()
    rows = await conn.fetch(
        "SELECT * FROM (VALUES (1, 'Alice', NULL), (2, 'Bob', 'x')) AS t(id, name, note) ORDER BY id"
    )
    db.observe("rows", rows)
    db.observe("first", rows[0])
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("fetchrow", returns={"id": 7, "name": "Ada"})
        .expect("fetchrow", returns=None)
        .expect("close")
    )
)
async def fetchrow_one_and_none(db: Database) -> None:
    conn = await db.connect()
    db.observe("row", await conn.fetchrow("SELECT $1::int AS id, $2::text AS name", 7, "Ada"))
    db.observe("none", await conn.fetchrow("SELECT 1 AS id WHERE false"))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("fetchval", returns=42)
        .expect("fetchval", returns=None)
        .expect("fetchval", returns="b")
        .expect("close")
    )
)
async def fetchval_values(db: Database) -> None:
    conn = await db.connect()
    db.observe("count", await conn.fetchval("SELECT 42"))
    db.observe("none", await conn.fetchval("SELECT 1 WHERE false"))
    db.observe("by name", await conn.fetchval("SELECT 'a' AS a, 'b' AS b", column="b"))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="CREATE TABLE")
        .expect("execute", returns="INSERT 0 1")
        .expect("execute", returns="INSERT 0 2")
        .expect("execute", returns="UPDATE 2")
        .expect("execute", returns="DELETE 0")
        .expect("execute", returns="SELECT 3")
        .expect("close")
    )
)
async def execute_status_strings(db: Database) -> None:
    conn = await db.connect()
    db.observe("create", await conn.execute("CREATE TEMP TABLE items (id int PRIMARY KEY, name text)"))
    db.observe("insert", await conn.execute("INSERT INTO items VALUES ($1, $2)", 1, "a"))
    db.observe("insert many", await conn.execute("INSERT INTO items VALUES (2, 'b'), (3, 'c')"))
    db.observe("update", await conn.execute("UPDATE items SET name = upper(name) WHERE id > $1", 1))
    db.observe("delete", await conn.execute("DELETE FROM items WHERE id = $1", 99))
    db.observe("select", await conn.execute("SELECT * FROM items"))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="CREATE TABLE")
        .expect("executemany")
        .expect("fetchmany", returns=[{"id": 3}, {"id": 4}])
        .expect("fetchval", returns=4)
        .expect("close")
    )
)
async def executemany_and_fetchmany(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE items (id int PRIMARY KEY)")
    db.observe("executemany", await conn.executemany("INSERT INTO items VALUES ($1)", [(1,), (2,)]))
    db.observe("fetchmany", await conn.fetchmany("INSERT INTO items VALUES ($1) RETURNING id", [(3,), (4,)]))
    db.observe("count", await conn.fetchval("SELECT count(*) FROM items"))
    await conn.close()


@scenario(lambda apg: apg.new_session().expect("connect").expect("close"))
async def wrong_argument_counts(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("too many", conn.fetch("SELECT $1::int", 1, 2))
    await db.attempt("too few", conn.fetchval("SELECT $1::int + $2::int", 1))
    await db.attempt("none passed", conn.fetchval("SELECT $1::int"))
    await db.attempt("none expected", conn.fetchrow("SELECT 1", 1))
    await db.attempt("literal is no placeholder", conn.fetch("SELECT '$1' AS a", 1))
    await db.attempt("quoted identifier", conn.fetch('SELECT 1 AS "$1"', 1))
    await db.attempt("dollar quoted", conn.execute("SELECT $$ $2 $$", 1))
    await db.attempt("comment", conn.fetchval("SELECT 1 -- $1", 1))
    await db.attempt("executemany", conn.executemany("SELECT $1::int", [(1, 2)]))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session().expect("connect").expect("fetchval", returns=1).expect("fetchval", returns=5).expect("close")
    )
)
async def placeholders_in_literals_do_not_count(db: Database) -> None:
    conn = await db.connect()
    db.observe("one", await conn.fetchval("SELECT $1::int -- and not $2", 1))
    db.observe("two", await conn.fetchval("SELECT $2::int + $1::int + length('$3')  /* $4 */", 1, 2))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", raises=postgres_error("42P01", 'relation "missing_table" does not exist'))
        .expect("fetchval", returns=1)
        .expect("close")
    )
)
async def server_error_leaves_connection_usable(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("missing table", conn.execute("SELECT * FROM missing_table"))
    db.observe("still usable", await conn.fetchval("SELECT 1"))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="CREATE TABLE")
        .expect("execute", returns="INSERT 0 1")
        .expect(
            "execute",
            raises=postgres_error(
                "23505",
                'duplicate key value violates unique constraint "users_pkey"',
                detail="Key (id)=(1) already exists.",
                constraint_name="users_pkey",
            ),
        )
        .expect("close")
    )
)
async def unique_violation(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE users (id int CONSTRAINT users_pkey PRIMARY KEY)")
    await conn.execute("INSERT INTO users VALUES (1)")
    try:
        await conn.execute("INSERT INTO users VALUES (1)")
    except asyncpg.UniqueViolationError as exc:
        db.observe("caught", exc)
        db.observe("is integrity error", isinstance(exc, asyncpg.IntegrityConstraintViolationError))
    await conn.close()


# -- the connection's life -------------------------------------------------------------------------------------------


@scenario(lambda apg: apg.new_session().expect("connect").expect("close"))
async def closed_connection(db: Database) -> None:
    conn = await db.connect()
    db.observe("is connection", isinstance(conn, asyncpg.Connection))
    db.observe("open", conn.is_closed())
    await conn.close()
    db.observe("closed", conn.is_closed())
    db.observe("close again", await conn.close())
    await db.attempt("fetch", conn.fetch("SELECT 1"))
    await db.attempt("execute", conn.execute("SELECT 1"))
    await db.attempt("prepare", conn.prepare("SELECT 1"))
    await db.attempt("reset", conn.reset())
    await db.attempt("add_listener", conn.add_listener("ch", lambda *a: None))
    for name, call in (("transaction", lambda: conn.transaction()), ("cursor", lambda: conn.cursor("SELECT 1"))):
        try:
            call()
        except asyncpg.InterfaceError as exc:
            db.observe(name, exc)


@scenario(lambda apg: apg.new_session().expect("connect").expect("fetch", returns=[{"pg_sleep": ""}]).expect("close"))
async def overlapping_operations(db: Database) -> None:
    conn = await db.connect()
    first, second = await asyncio.gather(
        conn.fetch("SELECT pg_sleep(0.05)::text"), conn.fetch("SELECT 1"), return_exceptions=True
    )
    db.observe("first", first)
    db.observe("second", second)
    await conn.close()


@scenario(lambda apg: apg.new_session().expect("connect").expect("terminate"))
async def terminate_then_use(db: Database) -> None:
    conn = await db.connect()
    conn.terminate()
    db.observe("closed", conn.is_closed())
    conn.terminate()
    await db.attempt("fetch", conn.fetch("SELECT 1"))


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("reset")
        .expect("set_type_codec")
        .expect("fetchval", returns={"a": 1})
        .expect("close")
    )
)
async def reset_and_type_codec(db: Database) -> None:
    import json

    conn = await db.connect()
    db.observe("reset", await conn.reset())
    db.observe("codec", await conn.set_type_codec("json", schema="pg_catalog", encoder=json.dumps, decoder=json.loads))
    db.observe("decoded", await conn.fetchval("SELECT '{\"a\": 1}'::json"))
    await conn.close()


@scenario(lambda apg: apg.new_session().expect("connect").expect("close"))
async def state_accessors(db: Database) -> None:
    conn = await db.connect()
    version = conn.get_server_version()
    db.observe("version", (type(version).__name__, isinstance(version.major, int), version.releaselevel))
    db.observe("pid", isinstance(conn.get_server_pid(), int))
    settings = conn.get_settings()
    db.observe("encoding", settings.client_encoding)
    db.observe("in transaction", conn.is_in_transaction())
    await conn.close()


# -- transactions ---------------------------------------------------------------------------------------------------


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("execute", returns="CREATE TABLE")
        .expect("commit")
        .expect("begin")
        .expect("execute", returns="INSERT 0 1")
        .expect("rollback")
        .expect("fetchval", returns=0)
        .expect("close")
    )
)
async def transaction_blocks(db: Database) -> None:
    conn = await db.connect()
    db.observe("before", conn.is_in_transaction())
    async with conn.transaction() as tx:
        db.observe("as", tx)
        db.observe("inside", conn.is_in_transaction())
        await conn.execute("CREATE TEMP TABLE t (id int)")
    db.observe("after commit", conn.is_in_transaction())
    try:
        async with conn.transaction():
            await conn.execute("INSERT INTO t VALUES (1)")
            raise KeyError("boom")
    except KeyError as exc:
        db.observe("re-raised", exc)
    db.observe("after rollback", conn.is_in_transaction())
    db.observe("rolled back", await conn.fetchval("SELECT count(*) FROM t"))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("commit")
        .expect("begin")
        .expect("rollback")
        .expect("close")
    )
)
async def manual_transactions_and_misuse(db: Database) -> None:
    conn = await db.connect()
    tx = conn.transaction(isolation="serializable", readonly=True, deferrable=True)
    db.observe("repr state", repr(tx).split()[1])
    await db.attempt("commit before start", tx.commit())
    await db.attempt("rollback before start", tx.rollback())
    await tx.start()
    db.observe("started", conn.is_in_transaction())
    await db.attempt("start twice", tx.start())
    await tx.commit()
    await db.attempt("commit twice", tx.commit())
    await db.attempt("rollback after commit", tx.rollback())
    await db.attempt("start after commit", tx.start())
    other = conn.transaction()
    await other.start()
    await other.rollback()
    await db.attempt("commit after rollback", other.commit())
    try:
        conn.transaction(isolation="chaotic")
    except ValueError as exc:
        db.observe("bad isolation", type(exc).__name__)
    await conn.close()


@scenario(lambda apg: apg.new_session().expect("connect").expect("begin").expect("rollback").expect("close"))
async def manual_commit_inside_async_with(db: Database) -> None:
    conn = await db.connect()
    tx = conn.transaction()
    try:
        async with tx:
            await db.attempt("commit inside", tx.commit())
            await db.attempt("rollback inside", tx.rollback())
            await db.attempt("enter again", tx.__aenter__())
            raise RuntimeError("leave")
    except RuntimeError:
        pass
    db.observe("after", conn.is_in_transaction())
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("savepoint")
        .expect("release_savepoint")
        .expect("savepoint")
        .expect("rollback_to_savepoint")
        .expect("commit")
        .expect("close")
    )
)
async def nested_transactions_are_savepoints(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction(isolation="repeatable_read"):
        async with conn.transaction():
            db.observe("nested", conn.is_in_transaction())
        try:
            async with conn.transaction(isolation="repeatable_read"):
                raise ValueError("inner")
        except ValueError:
            pass
        await db.attempt("different isolation", conn.transaction(isolation="serializable").start())
        db.observe("still", conn.is_in_transaction())
    db.observe("done", conn.is_in_transaction())
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="BEGIN")
        .expect("execute", returns="ROLLBACK")
        .expect("close")
    )
)
async def transaction_inside_manual_begin(db: Database) -> None:
    conn = await db.connect()
    db.observe("begin", await conn.execute("BEGIN"))
    db.observe("in", conn.is_in_transaction())
    await db.attempt("transaction()", conn.transaction().start())
    db.observe("rollback", await conn.execute("ROLLBACK"))
    db.observe("out", conn.is_in_transaction())
    await conn.close()


# -- prepared statements and cursors --------------------------------------------------------------------------------


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("prepare")
        .expect("fetchval", returns=5)
        .expect("fetch", returns=[{"a": 6}])
        .expect("fetchrow", returns={"a": 7})
        .expect("fetchmany", returns=[{"a": 8}, {"a": 9}])
        .expect("close")
    )
)
async def prepared_statement(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT $1::int AS a")
    db.observe("query", statement.get_query())
    db.observe("fetchval", await statement.fetchval(5))
    db.observe("fetch", await statement.fetch(6))
    db.observe("fetchrow", await statement.fetchrow(7))
    db.observe("fetchmany", await statement.fetchmany([(8,), (9,)]))
    await db.attempt("wrong count", statement.fetch(1, 2))
    await conn.close()
    await db.attempt_call("after close", lambda: statement.fetch(1))
    await db.attempt_call("cursor after close", lambda: statement.cursor().__aiter__().__anext__())


@scenario(lambda apg: apg.new_session().expect("connect").expect("close"))
async def cursor_needs_a_transaction(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("awaited", conn.cursor("SELECT 1"))
    try:
        async for _ in conn.cursor("SELECT 1"):
            pass
    except asyncpg.PostgresError as exc:
        db.observe("iterated", exc)
    db.observe("after", conn.is_in_transaction())
    await conn.close()


SERIES = [{"n": n} for n in range(1, 11)]


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("cursor", returns=SERIES)
        .expect("cursor", returns=SERIES)
        .expect("commit")
        .expect("close")
    )
)
async def cursor_reading(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        seen = [row async for row in conn.cursor("SELECT generate_series(1, $1) AS n", 10, prefetch=3)]
        db.observe("iterated", seen)
        cursor = await conn.cursor("SELECT generate_series(1, 10) AS n")
        db.observe("repr", repr(cursor).rsplit(" ", 1)[0])
        db.observe("fetch 3", await cursor.fetch(3))
        db.observe("fetchrow", await cursor.fetchrow())
        db.observe("forward 2", await cursor.forward(2))
        db.observe("fetch rest", await cursor.fetch(10))
        db.observe("fetchrow at end", await cursor.fetchrow())
        db.observe("forward at end", await cursor.forward(5))
    await conn.close()


# -- COPY and LISTEN ------------------------------------------------------------------------------------------------


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="CREATE TABLE")
        .expect("copy_records_to_table", returns="COPY 2")
        .expect("copy_to_table", returns="COPY 1")
        .expect("copy_from_table", returns="COPY 3")
        .expect("copy_from_query", returns="COPY 1")
        .expect("close")
    )
)
async def copy_methods(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE items (id int, name text)")
    db.observe("records", await conn.copy_records_to_table("items", records=[(1, "a"), (2, "b")]))
    db.observe("to table", await conn.copy_to_table("items", source=io.BytesIO(b"3\tc\n")))
    db.observe("from table", await conn.copy_from_table("items", output=io.BytesIO()))
    db.observe("from query", await conn.copy_from_query("SELECT * FROM items WHERE id = $1", 2, output=io.BytesIO()))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("add_listener")
        .expect("execute", returns="NOTIFY")
        .expect("remove_listener")
        .expect("close")
    )
)
async def listen_and_notify(db: Database) -> None:
    conn = await db.connect()
    received: list[tuple[Any, ...]] = []

    def listener(connection: Any, pid: int, channel: str, payload: str) -> None:
        received.append((connection is conn, pid == conn.get_server_pid(), channel, payload))

    await conn.add_listener("orders", listener)
    await conn.execute("NOTIFY orders, 'order 7 paid'")
    await db.notification_arrives("orders", "order 7 paid")
    db.observe("received", received)
    await conn.remove_listener("orders", listener)
    await conn.close()


# -- pools ------------------------------------------------------------------------------------------------------------


def _checkout(apg: AsyncpgPlugin, *steps: tuple[str, Any]) -> None:
    handle = apg.new_session().expect("acquire")
    for method, returns in steps:
        handle.expect(method, returns=returns)
    handle.expect("release")


@scenario(
    lambda apg: (
        _checkout(apg, ("fetch", [{"n": 1}, {"n": 2}])),
        _checkout(apg, ("fetchval", 3)),
        _checkout(apg, ("execute", "SELECT 1")),
        _checkout(apg, ("fetchrow", {"a": "x"})),
    )
)
async def pool_shortcuts(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=2) as pool:
        db.observe("is pool", isinstance(pool, asyncpg.Pool))
        db.observe("fetch", await pool.fetch("SELECT generate_series(1, 2) AS n"))
        db.observe("fetchval", await pool.fetchval("SELECT $1::int", 3))
        db.observe("execute", await pool.execute("SELECT 1"))
        db.observe("fetchrow", await pool.fetchrow("SELECT 'x' AS a"))
        db.observe("sizes", (pool.get_min_size(), pool.get_max_size(), pool.is_closing()))
    db.observe("closing", pool.is_closing())


@scenario(lambda apg: (_checkout(apg, ("fetchval", 1)), _checkout(apg, ("prepare", None)), _checkout(apg)))
async def pool_released_connections(db: Database) -> None:
    pool = await db.create_pool(min_size=1, max_size=2)
    other = await db.create_pool(min_size=1, max_size=1)
    async with pool.acquire() as con:
        db.observe("is connection", isinstance(con, asyncpg.Connection))
        db.observe("value", await con.fetchval("SELECT 1"))
    await db.attempt_call("fetch after release", lambda: con.fetch("SELECT 1"))
    db.observe("release again", await pool.release(con))
    con = await pool.acquire()
    statement = await con.prepare("SELECT 1")
    await pool.release(con)
    await db.attempt_call("statement after release", lambda: statement.fetch())
    mine = await pool.acquire()
    try:
        await other.release(mine)
    except asyncpg.InterfaceError as exc:
        text = str(exc)
        db.observe("foreign", (text.split(" <")[0], text.rsplit("> ", 1)[-1]))
    await pool.release(mine)
    await pool.close()
    await other.close()


@scenario(lambda apg: (_checkout(apg), _checkout(apg)))
async def pool_exhaustion_and_timeout(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        held = await pool.acquire()
        await db.attempt("second acquire", pool.acquire(timeout=0.05))
        waiter = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0.01)
        db.observe("waiting", waiter.done())
        await pool.release(held)
        second = await waiter
        db.observe("handed over", isinstance(second, asyncpg.Connection))
        await pool.release(second)


@scenario(lambda apg: (_checkout(apg), _checkout(apg)))
async def pool_acquire_cancelled_as_the_slot_frees(db: Database) -> None:
    # The waiter is cancelled and the held connection released before the cancelled task runs again: the cancelled
    # acquire ends with CancelledError and the next waiter gets the connection.
    async with db.create_pool(min_size=1, max_size=1) as pool:
        held = await pool.acquire()
        cancelled = asyncio.ensure_future(pool.acquire())
        waiting = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0.01)
        cancelled.cancel()
        await pool.release(held)
        second = await waiting
        db.observe("handed over", isinstance(second, asyncpg.Connection))
        try:
            await cancelled
        except asyncio.CancelledError:
            db.observe("cancelled acquire", "CancelledError")
        await pool.release(second)
        db.observe("sizes", (pool.get_size(), pool.get_idle_size()))


@scenario(lambda apg: None)
async def pool_states(db: Database) -> None:
    for settings in ({"max_size": 0}, {"min_size": 3, "max_size": 2}, {"min_size": 1, "max_size": 2, "init_size": 5}):
        try:
            db.create_pool(**settings)
        except ValueError as exc:
            db.observe("bad sizes", exc)
    pool = db.create_pool(min_size=1, max_size=1)
    await db.attempt("before init", pool.acquire())
    await pool
    await pool.close()
    await db.attempt("after close", pool.fetchval("SELECT 1"))
    db.observe("awaited after close", (await pool) is pool)
    db.observe("close again", await pool.close())


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("acquire")
        .expect("execute", returns="SET")
        .expect("execute", returns="SET")
        .expect("fetchval", returns="bigfoot")
        .expect("begin")
        .expect("execute", returns="SELECT 1")
        .expect("commit")
        .expect("release")
    )
)
async def pool_init_setup_and_transactions(db: Database) -> None:
    calls: list[str] = []

    async def init(con: Any) -> None:
        calls.append("init")
        await con.execute("SET application_name = 'bigfoot'")

    async def setup(con: Any) -> None:
        calls.append("setup")
        await con.execute("SET search_path TO public")

    async with db.create_pool(min_size=0, max_size=1, init=init, setup=setup) as pool:
        async with pool.acquire() as con:
            db.observe("name", await con.fetchval("SHOW application_name"))
            async with con.transaction():
                db.observe("in transaction", con.is_in_transaction())
                await con.execute("SELECT 1")
    db.observe("calls", calls)


# Scenarios kept in their own modules register into the same table.
from . import (  # noqa: E402,F401
    scenarios_arguments,
    scenarios_described,
    scenarios_faults,
    scenarios_resources,
    scenarios_state,
)
