"""Contract scenarios for what the server describes: a prepared statement's types and status, the server's version.

Registered in the same table as ``scenarios.py`` (which imports this module at its end). The types are scripted
(``parameters=``/``attributes=`` on the prepare step) and must equal what PostgreSQL describes; the status after each
execution is computed by the fake and must be what asyncpg reports; the version must follow from the setting.
"""

from __future__ import annotations

from typing import Any

from asyncpg.serverversion import split_server_version_string

from bigfoot.plugins.asyncpg import postgres_error

from .scenarios import Database, scenario

ROWS = "SELECT g AS n, 'x'::text AS label FROM generate_series(1, $1::int) g"
DIVISION_BY_ZERO = postgres_error("22012", "division by zero")


def _statement_script(apg: Any) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("prepare", parameters=["int4"], attributes={"n": "int4", "label": "text"})
        .expect("fetch", returns=[{"n": 1, "label": "x"}, {"n": 2, "label": "x"}])
        .expect("fetchrow", returns={"n": 1, "label": "x"})
        .expect("fetch", returns=[])
        .expect("fetchmany", returns=[])
        .expect("fetch", raises=DIVISION_BY_ZERO)
        .expect("fetchrow", returns=None)
        .expect("fetchval", returns=1)
        .expect(
            "prepare",
            parameters=["int4", "text", "bool"],
            attributes=[("?column?", "int4"), ("text", "text"), ("bool", "bool")],
        )
        .expect("fetch", returns=[])
        .expect("close")
    )


@scenario(_statement_script)
async def prepared_statement_description_and_status(db: Database) -> None:
    conn = await db.connect()
    statement = await conn.prepare(ROWS)
    db.observe("parameters", repr(statement.get_parameters()))
    db.observe("attributes", repr(statement.get_attributes()))
    db.observe("status before any execution", statement.get_statusmsg())
    await statement.fetch(2)
    db.observe("after fetch of 2 rows", statement.get_statusmsg())
    await statement.fetchrow(1)
    db.observe("after fetchrow of a row (suspended)", statement.get_statusmsg())
    await statement.fetch(0)
    db.observe("after fetch of no rows", statement.get_statusmsg())
    await statement.fetchmany([(3,)])
    db.observe("fetchmany leaves it", statement.get_statusmsg())
    await db.attempt("a failed execution", conn.fetch("SELECT 1/0"))
    db.observe("a failure on the connection leaves it", statement.get_statusmsg())
    await statement.fetchrow(0)
    db.observe("after fetchrow of no row", statement.get_statusmsg())
    await statement.fetchval(1)
    db.observe("after fetchval of a row (suspended)", statement.get_statusmsg())
    other = await conn.prepare("SELECT $1::int4 + 1, $2::text, $3::bool WHERE false")
    db.observe("parameters", repr(other.get_parameters()))
    db.observe("columns", repr(other.get_attributes()))
    db.observe("no rows", repr(await other.fetch(1, "a", True)))
    db.observe("status", other.get_statusmsg())
    await conn.close()


@scenario(
    lambda apg: apg.new_session().expect("connect", server_version="15.18 (Debian 15.18-0+deb12u1)").expect("close")
)
async def server_version_follows_the_setting(db: Database) -> None:
    conn = await db.connect()
    setting = conn.get_settings().server_version
    db.observe("version computed from the setting", conn.get_server_version() == split_server_version_string(setting))
    db.observe("a version tuple", type(conn.get_server_version()).__name__)
    await conn.close()


def _pool_sizes_script(apg: Any) -> None:
    for _ in range(5):
        apg.new_session().expect("acquire").expect("release")
    apg.new_session().expect("acquire").expect("close").expect("release")


@scenario(_pool_sizes_script)
async def pool_sizes_and_init_per_connection(db: Database) -> None:
    inits: list[str] = []

    async def init(con: Any) -> None:
        inits.append("init")

    pool = await db.create_pool(min_size=0, max_size=3, init=init)

    def sizes(label: str) -> None:
        db.observe(label, (pool.get_size(), pool.get_idle_size(), pool.get_min_size(), pool.get_max_size(), len(inits)))

    sizes("created")
    a, b = await pool.acquire(), await pool.acquire()
    sizes("two out")
    await pool.release(a)
    sizes("one back")
    await pool.release(await pool.acquire())
    sizes("the idle one reused")
    await pool.release(b)
    sizes("all back")
    await pool.expire_connections()
    await pool.release(await pool.acquire())
    sizes("reconnected after expiry")
    await pool.release(await pool.acquire())
    lost = await pool.acquire()
    await lost.close()
    sizes("closed while out")
    await pool.release(lost)
    sizes("released after close")
    await pool.close()
    sizes("pool closed")


@scenario(lambda apg: [apg.new_session().expect("acquire").expect("release") for _ in range(3)])
async def pool_connection_out_while_connections_expire(db: Database) -> None:
    inits: list[str] = []

    async def init(con: Any) -> None:
        inits.append("init")

    pool = db.create_pool(min_size=0, max_size=2, init=init)
    db.observe("not started", (pool.get_size(), pool.get_idle_size()))
    await pool
    out, idle = await pool.acquire(), await pool.acquire()
    await pool.release(idle)
    await pool.expire_connections()
    db.observe("expired, one out", (pool.get_size(), pool.get_idle_size(), len(inits)))
    await pool.release(out)  # expired while out: closed on its release
    db.observe("the expired one back", (pool.get_size(), pool.get_idle_size(), len(inits)))
    await pool.release(await pool.acquire())  # the idle one reconnects first, and runs init again
    db.observe("reconnected", (pool.get_size(), pool.get_idle_size(), len(inits)))
    await pool.close()


@scenario(lambda apg: [apg.new_session().expect("acquire").expect("release") for _ in range(2)])
async def pool_min_size_connections_open_at_start(db: Database) -> None:
    inits: list[str] = []

    async def init(con: Any) -> None:
        inits.append("init")

    async with db.create_pool(min_size=2, max_size=3, init=init) as pool:
        db.observe("created", (pool.get_size(), pool.get_idle_size()))
        a = await pool.acquire()
        db.observe("one out", (pool.get_size(), pool.get_idle_size()))
        await pool.release(a)
        await pool.release(await pool.acquire())
        db.observe("reused", (pool.get_size(), pool.get_idle_size()))
