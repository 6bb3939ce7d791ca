"""Rows and ``record_class=`` against a real PostgreSQL: the same classes, the same rows, the same errors.

Each scenario runs once against a throwaway server and once against bigfoot with a script of what the server
answered; what the code observes must be equal. Rows are observed through their class, ``isinstance(row,
asyncpg.Record)``, and everything asyncpg's Record offers (``describe``); a record class's own method is called too.
The default class's one deliberate difference (it also equals a dict) is not observed here; test_record.py checks it.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin

from .scenarios import Database, describe

HAS_FETCHMANY = hasattr(asyncpg.connection.Connection, "fetchmany")  # asyncpg 0.30 and later


class Row(asyncpg.Record):
    """A record class as asyncpg's documentation shows it: attribute access to columns."""

    def __getattr__(self, name: str) -> Any:
        return self[name]


class Redefined(asyncpg.Record):
    def __init__(self) -> None:  # asyncpg refuses record classes that redefine __init__
        pass


def seen(row: Any) -> Any:
    if row is None:
        return None
    if isinstance(row, list):
        return [seen(item) for item in row]
    observed = (type(row).__name__, isinstance(row, asyncpg.Record), type(row) is Row)
    if isinstance(row, Row):
        return (*observed, row.id, repr(row), tuple(row), dict(row))
    return (*observed, describe(row))


Script = Callable[[AsyncpgPlugin], Any]
Run = Callable[[Database], Awaitable[None]]
SCENARIOS: dict[str, tuple[Script, Run]] = {}


def scenario(script: Script) -> Callable[[Run], Run]:
    def register(run: Run) -> Run:
        SCENARIOS[run.__name__] = (script, run)
        return run

    return register


ROWS = [{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}]
QUERY = "SELECT * FROM (VALUES (1, 'Alice'), (2, 'Bob')) AS t(id, name) ORDER BY id"
ONE = "SELECT $1::int AS id, 'x' AS name"


def _queries(session: Any) -> Any:
    session = session.expect("fetch", returns=ROWS).expect("fetchrow", returns=ROWS[0])
    if HAS_FETCHMANY:
        session = session.expect("fetchmany", returns=[{"id": 1, "name": "x"}, {"id": 2, "name": "x"}])
    return (
        session.expect("prepare")
        .expect("fetch", returns=ROWS)
        .expect("fetchrow", returns=ROWS[0])
        .expect("begin")
        .expect("cursor", returns=ROWS)
        .expect("cursor", returns=ROWS)
        .expect("commit")
    )


async def _observe_queries(db: Database, conn: Any, **record_class: Any) -> None:
    db.observe("fetch", seen(await conn.fetch(QUERY, **record_class)))
    db.observe("fetchrow", seen(await conn.fetchrow(QUERY, **record_class)))
    if HAS_FETCHMANY:
        db.observe("fetchmany", seen(await conn.fetchmany(ONE, [(1,), (2,)], **record_class)))
    statement = await conn.prepare(QUERY, **record_class)
    db.observe("statement fetch", seen(await statement.fetch()))
    db.observe("statement fetchrow", seen(await statement.fetchrow()))
    async with conn.transaction():
        db.observe("cursor iteration", seen([row async for row in conn.cursor(QUERY, **record_class)]))
        cursor = await statement.cursor()
        db.observe("statement cursor", seen(await cursor.fetch(5)))


@scenario(lambda apg: _queries(apg.new_session().expect("connect")).expect("close"))
async def default_rows_are_asyncpg_records(db: Database) -> None:
    conn = await db.connect()
    await _observe_queries(db, conn)
    await conn.close()


@scenario(lambda apg: _queries(apg.new_session().expect("connect")).expect("close"))
async def record_class_per_call(db: Database) -> None:
    conn = await db.connect()
    await _observe_queries(db, conn, record_class=Row)
    await conn.close()


@scenario(
    lambda apg: (
        _queries(apg.new_session().expect("connect"))
        .expect("fetch", returns=ROWS)
        .expect("fetch", returns=ROWS)
        .expect("close")
    )
)
async def record_class_of_the_connection(db: Database) -> None:
    conn = await asyncpg.connect(**db.params, record_class=Row)
    await _observe_queries(db, conn)
    db.observe("asyncpg.Record per call", seen(await conn.fetch(QUERY, record_class=asyncpg.Record)))
    db.observe("None per call", seen(await conn.fetch(QUERY, record_class=None)))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session().expect("acquire").expect("fetch", returns=ROWS).expect("release"),
        apg.new_session().expect("acquire").expect("fetchrow", returns=ROWS[0]).expect("release"),
        apg.new_session().expect("acquire").expect("fetch", returns=ROWS).expect("release"),
        apg.new_session().expect("acquire").expect("fetch", returns=ROWS).expect("release"),
    )
)
async def record_class_of_a_pool(db: Database) -> None:
    async with db.create_pool(min_size=0, max_size=1, record_class=Row) as pool:
        db.observe("pool fetch", seen(await pool.fetch(QUERY)))
        db.observe("pool fetchrow", seen(await pool.fetchrow(QUERY)))
        async with pool.acquire() as con:
            db.observe("checkout fetch", seen(await con.fetch(QUERY)))
        db.observe("per call", seen(await pool.fetch(QUERY, record_class=asyncpg.Record)))


BAD = [dict, Redefined, 42, None]


@scenario(lambda apg: apg.new_session().expect("connect").expect("fetchval", returns=1).expect("close"))
async def bad_record_classes_fail_on_the_client(db: Database) -> None:
    for bad in BAD[:3]:
        await db.attempt(f"connect {bad!r}", asyncpg.connect(**db.params, record_class=bad))
    conn = await db.connect()
    for bad in BAD[:3]:
        await db.attempt(f"fetch {bad!r}", conn.fetch(QUERY, record_class=bad))
        await db.attempt(f"fetchrow {bad!r}", conn.fetchrow(QUERY, record_class=bad))
        await db.attempt(f"prepare {bad!r}", conn.prepare(QUERY, record_class=bad))
        await db.attempt_call(f"cursor {bad!r}", lambda bad=bad: _open_cursor(conn, bad))
        if HAS_FETCHMANY:
            await db.attempt(f"fetchmany {bad!r}", conn.fetchmany(ONE, [(1,)], record_class=bad))
        await db.attempt(f"bad class and bad query {bad!r}", conn.fetch(None, record_class=bad))
    db.observe("still usable", await conn.fetchval("SELECT 1"))
    await conn.close()
    await db.attempt("closed first", conn.fetch(QUERY, record_class=dict))


async def _open_cursor(conn: Any, record_class: Any) -> Any:
    return [row async for row in conn.cursor(QUERY, record_class=record_class)]


@scenario(lambda apg: None)
async def bad_record_classes_of_a_pool(db: Database) -> None:
    for bad in (dict, 42):
        try:
            db.create_pool(min_size=0, max_size=1, record_class=bad)
        except Exception as exc:
            db.observe(f"create_pool {bad!r}", exc)
    pool = db.create_pool(min_size=1, max_size=1, record_class=Redefined)
    await db.attempt("initializing", _await(pool))
    lazy = await db.create_pool(min_size=0, max_size=1, record_class=Redefined)
    await db.attempt("acquire", _acquire(lazy))
    await lazy.close()


async def _await(pool: Any) -> Any:
    return await pool


async def _acquire(pool: Any) -> Any:
    async with pool.acquire() as con:
        return await con.fetchval("SELECT 1")


# -- the harness, as in test_contract.py ----------------------------------------------------------------------


async def _nothing(channel: str, payload: str) -> None:
    pass


def run_real(name: str, params: dict[str, str]) -> list[object]:
    db = Database(params, _nothing)
    asyncio.run(SCENARIOS[name][1](db))
    return db.observations


def run_fake(name: str, params: dict[str, str]) -> list[object]:
    script, run = SCENARIOS[name]
    verifier = StrictVerifier()
    script(AsyncpgPlugin(verifier))
    db = Database(params, _nothing)

    async def in_sandbox() -> None:
        async with verifier.sandbox():
            await run(db)

    contextvars.Context().run(asyncio.run, in_sandbox())
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()
    return db.observations


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_record_classes_observe_the_same(name: str, postgres: dict[str, str]) -> None:
    real = run_real(name, postgres)
    fake = run_fake(name, postgres)
    assert real, "the scenario observed nothing"
    assert len(fake) == len(real), (real, fake)
    for (label, seen_real), (fake_label, seen_fake) in zip(real, fake, strict=True):
        assert (fake_label, seen_fake) == (label, seen_real)
