"""Contract scenarios for what belongs to a connection: statements, cursors and transactions refuse, with asyncpg's
words, once their connection is closed or released, and cursors check their transaction and their prefetch.

Registered in the same table as ``scenarios.py`` (which imports this module at its end).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bigfoot.plugins.asyncpg import postgres_error

from .scenarios import Database, _checkout, scenario

GETTERS = ("get_name", "get_query", "get_statusmsg", "get_parameters", "get_attributes")
SERIES = [{"n": n} for n in range(1, 6)]


def _sync(db: Database, label: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception as exc:
        db.observe(label, exc)
    else:
        db.observe(label, "no error")


async def _everything_refuses(db: Database, statement: Any, factory: Any, iterator: Any, cursor: Any) -> None:
    for getter in GETTERS:
        _sync(db, getter, getattr(statement, getter))
    _sync(db, "statement cursor", statement.cursor)
    await db.attempt_call("statement fetch", lambda: statement.fetch())
    _sync(db, "factory __aiter__", factory.__aiter__)
    _sync(db, "factory __await__", factory.__await__)
    await db.attempt_call("iterator __anext__", lambda: iterator.__anext__())
    await db.attempt_call("cursor fetch", lambda: cursor.fetch(1))
    await db.attempt_call("cursor fetchrow", lambda: cursor.fetchrow())
    await db.attempt_call("cursor forward", lambda: cursor.forward(1))


@scenario(
    lambda apg: (
        _checkout(apg, ("prepare", None), ("begin", None), ("cursor", SERIES), ("cursor", SERIES)),
        _checkout(apg, ("begin", None)),
        apg.new_session().expect("acquire").expect("close").expect("release"),
        _checkout(apg),
    )
)
async def resources_refuse_after_release(db: Database) -> None:
    pool = await db.create_pool(min_size=0, max_size=2)
    con = await pool.acquire()
    statement = await con.prepare("SELECT 1")
    tx = con.transaction()
    await tx.start()
    factory = con.cursor("SELECT generate_series(1, 5) AS n")
    iterator = con.cursor("SELECT generate_series(1, 5) AS n", prefetch=2).__aiter__()
    db.observe("first", await iterator.__anext__())
    cursor = await con.cursor("SELECT generate_series(1, 5) AS n")
    await pool.release(con)
    await _everything_refuses(db, statement, factory, iterator, cursor)
    _sync(db, "transaction commit", tx.commit)
    _sync(db, "is_closed", con.is_closed)
    con = await pool.acquire()
    try:
        async with con.transaction():
            await pool.release(con)
    except Exception as exc:
        db.observe("block exits after release", exc)
    con = await pool.acquire()
    await con.close()
    _sync(db, "closed, not yet released", con.is_closed)
    await pool.release(con)
    _sync(db, "closed, then released", con.is_closed)
    con = await pool.acquire()
    pool.terminate()
    _sync(db, "pool terminated", con.is_closed)
    db.observe("release after terminate", await pool.release(con))
    db.observe("pool closing", pool.is_closing())


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("prepare")
        .expect("begin")
        .expect("cursor", returns=SERIES)
        .expect("cursor", returns=SERIES)
        .expect("close")
    )
)
async def resources_refuse_after_close(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare("SELECT 1")
    tx = conn.transaction()
    await tx.start()
    factory = conn.cursor("SELECT generate_series(1, 5) AS n")
    iterator = conn.cursor("SELECT generate_series(1, 5) AS n", prefetch=2).__aiter__()
    db.observe("first", await iterator.__anext__())
    cursor = await conn.cursor("SELECT generate_series(1, 5) AS n")
    await conn.close()
    await _everything_refuses(db, statement, factory, iterator, cursor)
    _sync(db, "transaction commit", tx.commit)
    db.observe("remove_listener", await conn.remove_listener("news", print))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("cursor", returns=SERIES)
        .expect("cursor", returns=SERIES)
        .expect("cursor", returns=SERIES[:4])
        .expect("execute", raises=postgres_error("22012", "division by zero"))
        .expect("commit")
        .expect("close")
    )
)
async def cursors_check_prefetch_and_transaction(db: Database) -> None:
    conn = await db.connect()
    tx = conn.transaction()
    await tx.start()
    await db.attempt_call("awaited with prefetch", lambda: conn.cursor("SELECT 1", prefetch=3))
    _sync(db, "prefetch 0", lambda: conn.cursor("SELECT 1", prefetch=0).__aiter__())
    _sync(db, "prefetch -1", lambda: conn.cursor("SELECT 1", prefetch=-1).__aiter__())
    iterator = conn.cursor("SELECT generate_series(1, 5) AS n", prefetch=2).__aiter__()
    db.observe("first", await iterator.__anext__())
    cursor = await conn.cursor("SELECT generate_series(1, 5) AS n")
    db.observe("fetch 5", await cursor.fetch(5))
    db.observe("repr", repr(cursor).rsplit(" ", 1)[0])
    db.observe("fetch at the end", await cursor.fetch(5))
    db.observe("fetchrow at the end", await cursor.fetchrow())
    db.observe("repr at the end", repr(cursor).rsplit(" ", 1)[0])
    aborted = await conn.cursor("SELECT generate_series(1, 4) AS n")
    db.observe("two", await aborted.fetch(2))
    await db.attempt("error", conn.execute("SELECT 1/0"))
    await db.attempt("buffered row", iterator.__anext__())
    await db.attempt("next batch refused", iterator.__anext__())
    await db.attempt("cursor fetch refused", aborted.fetch(1))
    await db.attempt("cursor forward refused", aborted.forward(1))
    await db.attempt("exhausted cursor needs no server", cursor.fetch(1))
    await tx.commit()
    await db.attempt("after the transaction", cursor.fetch(1))
    await db.attempt("fetchrow after the transaction", cursor.fetchrow())
    await db.attempt("forward after the transaction", cursor.forward(1))
    await db.attempt("iterator after the transaction", iterator.__anext__())
    await conn.close()
