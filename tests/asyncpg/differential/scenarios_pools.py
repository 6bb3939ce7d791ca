"""Pools: shortcuts, checkouts, nesting, exhaustion, released and closed pools, transactions on pooled connections.

Each scenario closes the pools it makes. Scenarios that need a table shared by the pool's connections name it after
themselves (``df_...``) and drop it at the end.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from .harness import Database, scenario


@scenario("pools", edge=False)
async def pool_shortcuts(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=2) as pool:
        db.observe("is a pool", isinstance(pool, asyncpg.Pool))
        await db.attempt("fetch", pool.fetch("SELECT generate_series(1, 3) AS n"))
        await db.attempt("fetchrow", pool.fetchrow("SELECT $1::text AS t", "x"))
        await db.attempt("fetchval", pool.fetchval("SELECT 7"))
        await db.attempt("execute", pool.execute("SELECT 1"))
        await db.attempt("fetchrow of nothing", pool.fetchrow("SELECT 1 WHERE false"))


@scenario("pools")
async def pool_shortcut_errors(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        await db.attempt("fetchval fails", pool.fetchval("SELECT 1 / 0"))
        await db.attempt("fetch fails", pool.fetch("SELECT * FROM df_no_such_table"))
        await db.attempt("execute fails", pool.execute("SELEC"))
        await db.attempt("wrong argument count", pool.fetchval("SELECT $1::int"))
        await db.attempt("the pool goes on", pool.fetchval("SELECT 2"))


@scenario("pools", edge=False)
async def pool_executemany_and_fetchmany(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        await pool.execute("DROP TABLE IF EXISTS df_pool_many; CREATE TABLE df_pool_many (id int PRIMARY KEY)")
        await db.attempt("executemany", pool.executemany("INSERT INTO df_pool_many VALUES ($1)", [(1,), (2,)]))
        await db.attempt("executemany fails", pool.executemany("INSERT INTO df_pool_many VALUES ($1)", [(3,), (1,)]))
        await db.attempt("fetchmany", pool.fetchmany("INSERT INTO df_pool_many VALUES ($1) RETURNING id", [(5,)]))
        await db.attempt("rows", pool.fetch("SELECT id FROM df_pool_many ORDER BY id"))
        await pool.execute("DROP TABLE df_pool_many")


@scenario("pools", edge=False)
async def pool_acquire_and_release(db: Database) -> None:
    pool = await db.create_pool(min_size=1, max_size=2)
    con = await pool.acquire()
    db.observe("is a Connection", isinstance(con, asyncpg.Connection))
    await db.attempt("query", con.fetchval("SELECT 1"))
    await db.attempt("release", pool.release(con))
    await db.attempt("release again", pool.release(con))
    await db.attempt_call("use after release", lambda: con.fetchval("SELECT 1"))
    await pool.close()


@scenario("pools")
async def pool_nested_acquire(db: Database) -> None:
    async with db.create_pool(min_size=0, max_size=2) as pool:
        async with pool.acquire() as outer:
            async with pool.acquire() as inner:
                await db.attempt("outer", outer.fetchval("SELECT 1"))
                await db.attempt("inner", inner.fetchval("SELECT 2"))
                db.observe("two connections", outer is not inner)
            await db.attempt("outer after inner released", outer.fetchval("SELECT 3"))


@scenario("pools")
async def pool_exhausted_acquire_times_out(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        held = await pool.acquire()
        await db.attempt("second acquire", pool.acquire(timeout=0.05))
        waiter = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0.01)
        db.observe("waiting", waiter.done())
        await pool.release(held)
        second = await waiter
        await db.attempt("handed over", second.fetchval("SELECT 1"))
        await pool.release(second)


@scenario("pools")
async def pool_release_into_another_pool(db: Database) -> None:
    pool = await db.create_pool(min_size=1, max_size=1)
    other = await db.create_pool(min_size=1, max_size=1)
    con = await pool.acquire()
    try:
        await other.release(con)
    except asyncpg.InterfaceError as exc:
        text = str(exc)
        db.observe("refused", (text.split(" <")[0], text.rsplit("> ", 1)[-1]))
    await pool.release(con)
    await pool.close()
    await other.close()


@scenario("pools")
async def pool_closed_and_unstarted(db: Database) -> None:
    pool = db.create_pool(min_size=1, max_size=1)
    await db.attempt("before it starts", pool.fetchval("SELECT 1"))
    await pool
    await pool.close()
    await db.attempt("after close", pool.fetchval("SELECT 1"))
    await db.attempt("acquire after close", pool.acquire())
    await db.attempt("close again", pool.close())
    db.observe("closing", pool.is_closing())


@scenario("pools")
async def pool_bad_sizes(db: Database) -> None:
    for settings in ({"max_size": 0}, {"min_size": 3, "max_size": 2}, {"min_size": -1}, {"max_queries": 0}):
        try:
            db.create_pool(**settings)
        except ValueError as exc:
            db.observe(str(settings), exc)


@scenario("pools")
async def pool_transaction_on_a_checkout(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        await pool.execute("DROP TABLE IF EXISTS df_pool_tx; CREATE TABLE df_pool_tx (id int PRIMARY KEY)")
        async with pool.acquire() as con:
            async with con.transaction():
                await db.attempt("insert", con.execute("INSERT INTO df_pool_tx VALUES (1)"))
                db.observe("in", con.is_in_transaction())
            try:
                async with con.transaction():
                    await con.execute("INSERT INTO df_pool_tx VALUES (2)")
                    await con.execute("INSERT INTO df_pool_tx VALUES (1)")
            except asyncpg.UniqueViolationError as exc:
                db.observe("rolled back", exc)
        await db.attempt("kept", pool.fetch("SELECT id FROM df_pool_tx ORDER BY id"))
        await pool.execute("DROP TABLE df_pool_tx")


@scenario("pools")
async def pool_release_with_an_open_transaction(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        await pool.execute("DROP TABLE IF EXISTS df_pool_open; CREATE TABLE df_pool_open (id int)")
        con = await pool.acquire()
        await con.execute("BEGIN")
        await con.execute("INSERT INTO df_pool_open VALUES (1)")
        db.observe("in a transaction", con.is_in_transaction())
        await db.attempt("released", pool.release(con))
        async with pool.acquire() as again:
            db.observe("the next checkout", again.is_in_transaction())
            await db.attempt("rolled back", again.fetchval("SELECT count(*) FROM df_pool_open"))
        await pool.execute("DROP TABLE df_pool_open")


@scenario("pools")
async def pool_release_after_an_aborted_transaction(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        con = await pool.acquire()
        tx = con.transaction()
        await tx.start()
        await db.attempt("fails", con.fetchval("SELECT 1 / 0"))
        await db.attempt("released", pool.release(con))
        await db.attempt_call("the transaction after release", lambda: tx.rollback())
        await db.attempt("the next checkout works", pool.fetchval("SELECT 1"))


@scenario("pools")
async def pool_exception_inside_a_checkout(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        try:
            async with pool.acquire() as con:
                await con.fetchval("SELECT 1")
                raise KeyError("boom")
        except KeyError as exc:
            db.observe("re-raised", exc)
        await db.attempt("released", pool.fetchval("SELECT 2"))


@scenario("pools")
async def pool_init_and_setup(db: Database) -> None:
    calls: list[str] = []

    async def init(con: Any) -> None:
        calls.append("init")
        await con.execute("SET application_name = 'df-pool'")

    async def setup(con: Any) -> None:
        calls.append("setup")
        await con.fetchval("SELECT 1")

    async with db.create_pool(min_size=0, max_size=1, init=init, setup=setup) as pool:
        await db.attempt("name", pool.fetchval("SHOW application_name"))
    db.observe("calls", calls)


@scenario("pools")
async def pool_init_fails(db: Database) -> None:
    async def init(con: Any) -> None:
        await con.execute("SET df_no_such_setting = 1")

    pool = db.create_pool(min_size=0, max_size=1, init=init)
    await pool
    await db.attempt("checkout", pool.acquire())
    await pool.close()


@scenario("pools")
async def pool_terminate(db: Database) -> None:
    pool = await db.create_pool(min_size=1, max_size=1)
    await db.attempt("query", pool.fetchval("SELECT 1"))
    pool.terminate()
    db.observe("closing", pool.is_closing())
    await db.attempt("after terminate", pool.fetchval("SELECT 1"))


@scenario("pools")
async def pool_prepared_statement_after_release(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        con = await pool.acquire()
        statement = await con.prepare("SELECT $1::int * 2")
        await db.attempt("fetchval", statement.fetchval(21))
        await pool.release(con)
        await db.attempt_call("after release", lambda: statement.fetchval(1))


@scenario("pools")
async def pool_cursor_on_a_checkout(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool, pool.acquire() as con, con.transaction():
        rows = [row async for row in con.cursor("SELECT generate_series(1, 5) AS n", prefetch=2)]
        db.observe("rows", rows)


@scenario("pools")
async def pool_connection_closed_while_checked_out(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        con = await pool.acquire()
        await db.attempt("close", con.close())
        await db.attempt_call("use", lambda: con.fetchval("SELECT 1"))
        await db.attempt("release", pool.release(con))
        await db.attempt("a new connection", pool.fetchval("SELECT 1"))


@scenario("pools")
async def pool_init_runs_once_per_connection(db: Database) -> None:
    calls: list[str] = []

    async def init(con: Any) -> None:
        calls.append("init")
        await con.execute("SET application_name = 'df-once'")

    async def setup(con: Any) -> None:
        calls.append("setup")

    async with db.create_pool(min_size=1, max_size=1, init=init, setup=setup) as pool:
        for i in range(3):
            await db.attempt(f"checkout {i}", pool.fetchval("SHOW application_name"))
    db.observe("calls", calls)


@scenario("pools")
async def pool_setup_fails(db: Database) -> None:
    async def setup(con: Any) -> None:
        await con.fetchval("SELECT 1 / 0")

    async with db.create_pool(min_size=1, max_size=1, setup=setup) as pool:
        await db.attempt("checkout", pool.acquire())
        await db.attempt("again", pool.fetchval("SELECT 1"))


@scenario("pools")
async def pool_sizes(db: Database) -> None:
    pool = await db.create_pool(min_size=1, max_size=3)
    db.observe("started", (pool.get_size(), pool.get_idle_size(), pool.get_min_size(), pool.get_max_size()))
    first = await pool.acquire()
    second = await pool.acquire()
    db.observe("two out", (pool.get_size(), pool.get_idle_size()))
    await pool.release(first)
    db.observe("one back", (pool.get_size(), pool.get_idle_size()))
    await second.close()
    db.observe("one closed while out", (pool.get_size(), pool.get_idle_size()))
    await pool.release(second)
    await pool.close()
    db.observe("closed", (pool.get_size(), pool.get_idle_size()))


@scenario("pools")
async def pool_terminated_connection_while_checked_out(db: Database) -> None:
    async with db.create_pool(min_size=1, max_size=1) as pool:
        con = await pool.acquire()
        con.terminate()
        await db.attempt_call("use", lambda: con.fetchval("SELECT 1"))
        await db.attempt("release", pool.release(con))
        await db.attempt("the next checkout", pool.fetchval("SELECT 1"))


@scenario("pools")
async def pool_terminate_with_a_checkout(db: Database) -> None:
    pool = await db.create_pool(min_size=1, max_size=2)
    con = await pool.acquire()
    ended: list[bool] = []
    con.add_termination_listener(lambda connection: ended.append(True))
    pool.terminate()
    db.observe("sizes", (pool.get_size(), pool.get_idle_size()))
    await asyncio.sleep(0.01)  # listeners run on a later turn of the loop
    db.observe("termination listeners", ended)
    await db.attempt_call("the checkout", lambda: con.fetchval("SELECT 1"))
