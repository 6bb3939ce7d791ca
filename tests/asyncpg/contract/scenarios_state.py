"""Contract scenarios for the server's transaction state: aborted blocks, and BEGIN/COMMIT sent as SQL text.

Registered in the same table as ``scenarios.py`` (which imports this module at its end). Each script is what the real
server answered; a call the server refuses in an aborted block has no step, since the fake answers it from its state.
"""

from __future__ import annotations

from typing import Any

from bigfoot.plugins.asyncpg import postgres_error

from .scenarios import Database, scenario

DIVISION_BY_ZERO = postgres_error("22012", "division by zero")
NO_TABLE = postgres_error("42P01", 'relation "nowhere" does not exist')


def _ignore(*args: Any) -> None:
    pass


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("execute", raises=DIVISION_BY_ZERO)
        .expect("commit")
        .expect("fetchval", returns=4)
        .expect("close")
    )
)
async def aborted_transaction_refuses_statements(db: Database) -> None:
    conn = await db.connect()
    async with conn.transaction():
        await db.attempt("error", conn.execute("SELECT 1/0"))
        db.observe("in transaction", conn.is_in_transaction())
        await db.attempt("fetchval", conn.fetchval("SELECT 1"))
        await db.attempt("execute", conn.execute("SELECT 2"))
        await db.attempt("execute with args", conn.execute("SELECT $1::int", 2))
        await db.attempt("prepare", conn.prepare("SELECT 3"))
        await db.attempt("wrong argument count", conn.fetch("SELECT $1::int + 1"))
        await db.attempt("executemany", conn.executemany("SELECT $1::int + 2", [(1,)]))
        await db.attempt("fetchmany", conn.fetchmany("SELECT $1::int + 3", [(1,)]))
        await db.attempt("copy", conn.copy_records_to_table("nowhere", records=[(1,)]))
        await db.attempt("listen", conn.add_listener("news", _ignore))
        await db.attempt("savepoint", conn.transaction().start())
        await db.attempt("cursor", conn.cursor("SELECT 5"))
        db.observe("still in transaction", conn.is_in_transaction())
    # COMMIT of an aborted block: the server rolls back and answers without an error.
    db.observe("after the block", conn.is_in_transaction())
    db.observe("usable", await conn.fetchval("SELECT 4"))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("savepoint")
        .expect("execute", raises=NO_TABLE)
        .expect("rollback_to_savepoint")
        .expect("fetchval", returns=1)
        .expect("savepoint")
        .expect("execute", raises=DIVISION_BY_ZERO)
        .expect("rollback")
        .expect("execute", returns="BEGIN")
        .expect("execute", returns="SAVEPOINT")
        .expect("execute", raises=DIVISION_BY_ZERO)
        .expect("execute", returns="ROLLBACK")
        .expect("fetchval", returns=2)
        .expect("execute", raises=DIVISION_BY_ZERO)
        .expect("execute", returns="ROLLBACK")
        .expect("close")
    )
)
async def savepoint_rollback_clears_the_abort(db: Database) -> None:
    conn = await db.connect()
    try:
        async with conn.transaction():
            try:
                async with conn.transaction():
                    await conn.execute("INSERT INTO nowhere VALUES (1)")
            except Exception as exc:
                db.observe("inner block", exc)
            db.observe("after rollback to savepoint", await conn.fetchval("SELECT 1"))
            inner = conn.transaction()
            async with inner:
                await db.attempt("swallowed error", conn.execute("SELECT 1/0"))
    except Exception as exc:
        # The inner block's RELEASE SAVEPOINT is refused; the outer block rolls back.
        db.observe("release refused", exc)
    db.observe("inner state", repr(inner).split()[1])
    db.observe("after the blocks", conn.is_in_transaction())
    db.observe("begin", await conn.execute("BEGIN"))
    db.observe("savepoint", await conn.execute('SAVEPOINT "Mixed"'))
    await db.attempt("error", conn.execute("SELECT 1/0"))
    await db.attempt("refused", conn.fetchval("SELECT 2"))
    await db.attempt("release refused", conn.execute('RELEASE SAVEPOINT "Mixed"'))
    db.observe("rollback to", await conn.execute('rollback   to "Mixed"'))
    db.observe("works again", await conn.fetchval("SELECT 2"))
    await db.attempt("error again", conn.execute("SELECT 1/0"))
    db.observe("commit answers rollback", await conn.execute("COMMIT"))
    db.observe("out", conn.is_in_transaction())
    await conn.close()


STATEMENTS = [
    ("SELECT 1; BEGIN", "BEGIN"),
    ("COMMIT", "COMMIT"),
    ("-- a comment\nBEGIN", "BEGIN"),
    ("END", "COMMIT"),
    ("/* a /* nested */ comment */ START TRANSACTION", "START TRANSACTION"),
    ("ROLLBACK", "ROLLBACK"),
    ("SELECT ';BEGIN'", "SELECT 1"),
    ("SELECT $$ BEGIN $$", "SELECT 1"),
    ("begin; commit and chain", "COMMIT"),
    ("ROLLBACK AND CHAIN", "ROLLBACK"),
    ("COMMIT AND NO CHAIN", "COMMIT"),
    ("BEGIN; SELECT 1; ABORT", "ROLLBACK"),
    ("BEGIN;", "BEGIN"),
    ("ABORT", "ROLLBACK"),
]


def _status_script(apg: Any) -> None:
    session = apg.new_session().expect("connect")
    for _, status in STATEMENTS:
        session.expect("execute", returns=status)
    session.expect("fetch", returns=[]).expect("execute", returns="BEGIN").expect("fetch", returns=[])
    session.expect("execute", returns="ROLLBACK").expect("close")


@scenario(_status_script)
async def transaction_status_from_sql_text(db: Database) -> None:
    conn = await db.connect()
    for query, _ in STATEMENTS:
        db.observe(query, (await conn.execute(query), conn.is_in_transaction()))
    db.observe("fetch BEGIN", (await conn.fetch("BEGIN"), conn.is_in_transaction()))
    db.observe("BEGIN twice", (await conn.execute("BEGIN"), conn.is_in_transaction()))
    db.observe("fetch COMMIT", (await conn.fetch("COMMIT"), conn.is_in_transaction()))
    db.observe("ROLLBACK outside", (await conn.execute("ROLLBACK"), conn.is_in_transaction()))
    await conn.close()


@scenario(
    lambda apg: (
        apg.new_session()
        .expect("connect")
        .expect("begin")
        .expect("execute", returns="COMMIT")
        .expect("commit")
        .expect("execute", returns="BEGIN")
        .expect("execute", raises=DIVISION_BY_ZERO)
        .expect("execute", returns="ROLLBACK")
        .expect("close")
    )
)
async def commit_as_sql_inside_a_transaction_block(db: Database) -> None:
    conn = await db.connect()
    tx = conn.transaction()
    async with tx:
        db.observe("commit", await conn.execute("COMMIT"))
        db.observe("inside, after COMMIT", (conn.is_in_transaction(), repr(tx).split()[1]))
    db.observe("after the block", (conn.is_in_transaction(), repr(tx).split()[1]))
    db.observe("begin", await conn.execute("BEGIN"))
    await db.attempt("error", conn.execute("SELECT 1/0"))
    await db.attempt("transaction() in a failed manual block", conn.transaction().start())
    db.observe("rollback", await conn.execute("ROLLBACK"))
    db.observe("out", conn.is_in_transaction())
    await conn.close()
