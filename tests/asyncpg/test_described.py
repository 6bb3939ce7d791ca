"""What only the server knows, scripted as step options: statement types, status, server version (described.py)."""

from __future__ import annotations

import asyncpg
import pytest
from asyncpg.types import Attribute, ServerVersion, Type

from bigfoot import InvalidStateError, StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin, pg_type

from .frames import hidden_bigfoot_modules

INT4 = Type(23, "int4", "scalar", "pg_catalog")
TEXT = Type(25, "text", "scalar", "pg_catalog")


def test_pg_type_uses_asyncpgs_builtin_names() -> None:
    assert pg_type("int4") == pg_type("integer") == pg_type(" INT ") == INT4
    assert pg_type("text[]") == Type(1009, "text[]", "array", "pg_catalog")
    with pytest.raises(ValueError, match=r"no builtin type named 'int44'\. Did you mean 'int4'\?"):
        pg_type("int44")
    with pytest.raises(TypeError, match="takes a type name such as 'int4', got int 23") as info:
        pg_type(23)  # type: ignore[arg-type]
    # pg_type() is called by the test itself: its error points at the test's line, its own frames hidden.
    assert "bigfoot.plugins.asyncpg.described" in hidden_bigfoot_modules(info.value)


@pytest.mark.parametrize(
    ("options", "kind", "message"),
    [
        ({"parameters": "int4"}, TypeError, r"expect\('prepare'\): parameters= must be a list of types"),
        ({"parameters": [23]}, TypeError, r"parameters\[0\] must be a type name such as 'int4'"),
        ({"parameters": ["nope"]}, ValueError, r"asyncpg knows no builtin type named 'nope'"),
        ({"attributes": "id"}, TypeError, r"attributes= must map column names to types"),
        ({"attributes": [("id",)]}, TypeError, r"attributes\[0\] must be a \(name, type\) pair"),
        ({"attributes": [("id", "int4", "x")]}, TypeError, r"attributes\[0\] must be a \(name, type\) pair"),
        ({"attributes": {"id": 1}}, TypeError, r"the type of column 'id' must be a type name"),
        ({"colums": {}}, TypeError, r"unknown option colums=; .* a prepare step takes parameters=, attributes="),
    ],
)
def test_prepare_options_are_checked_at_expect_time(
    apg: AsyncpgPlugin, options: dict[str, object], kind: type[Exception], message: str
) -> None:
    with pytest.raises(kind, match=message):
        apg.new_session().expect("prepare", **options)


def test_other_options_are_checked_at_expect_time(apg: AsyncpgPlugin) -> None:
    with pytest.raises(TypeError, match=r"expect\('close'\): unknown option status=; a close step takes returns="):
        apg.new_session().expect("close", status="x")
    with pytest.raises(ValueError, match=r"expect\('acquire'\): server_version='x': Unable to parse"):
        apg.new_session().expect("acquire", server_version="x")
    with pytest.raises(TypeError, match=r"server_version= must be the server's version string"):
        apg.new_session().expect("connect", server_version=16)
    with pytest.raises(TypeError, match=r"expect\('fetch'\): status= must be the command tag"):
        apg.new_session().expect("fetch", returns=[], status=3)


async def test_statement_description_and_status(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("prepare", parameters=["int4", TEXT], attributes=[("id", "int4"), Attribute("name", TEXT)])
        .expect("fetch", returns=[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
        .expect("fetchval", returns=None)
        .expect("fetchval", returns=None, status="SELECT 0")
        .expect("prepare")
        .expect("fetch", returns=[])
        .expect("fetchval", returns=None, status="UPDATE 3")
        .expect("prepare")
        .expect("fetchrow", returns={"id": 1})
        .expect("fetch", returns=[])
        .expect("fetchrow", returns=None)
    )
    with verifier.sandbox():
        conn = await asyncpg.connect()
        statement = await conn.prepare("SELECT id, name FROM users WHERE id > $1 AND name <> $2")
        assert statement.get_parameters() == (INT4, TEXT)
        assert statement.get_attributes() == (Attribute("id", INT4), Attribute("name", TEXT))
        assert statement.get_statusmsg() is None
        await statement.fetch(0, "")
        assert statement.get_statusmsg() == "SELECT 2"
        await statement.fetchval(0, "")
        with pytest.raises(InvalidStateError, match=r"whether fetchval's None was a NULL or no row") as info:
            statement.get_statusmsg()
        # The error points at the test's call: the statement's frames are hidden from the report.
        assert "bigfoot.plugins.asyncpg.prepared" in hidden_bigfoot_modules(info.value)
        await statement.fetchval(0, "")
        assert statement.get_statusmsg() == "SELECT 0"
        update = await conn.prepare("UPDATE users SET name = $1")
        assert update.get_parameters() == () and update.get_attributes() == ()  # not scripted: nothing described
        await update.fetch("x")
        with pytest.raises(InvalidStateError, match=r"status=\'UPDATE 1\'\)\.$"):
            update.get_statusmsg()
        await update.fetchval("x")
        assert update.get_statusmsg() == "UPDATE 3"
        returning = await conn.prepare("DELETE FROM users WHERE id = $1 RETURNING id")
        await returning.fetchrow(1)
        assert returning.get_statusmsg() is None  # one row asked for, one given: the portal is suspended
        await returning.fetch(1)
        assert returning.get_statusmsg() == "DELETE 0"
        await returning.fetchrow(1)
        assert returning.get_statusmsg() == "DELETE 0"
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_the_status_of_a_utility_statement_and_of_an_insert_returning_rows(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("prepare")
        .expect("fetch", returns=[{"TimeZone": "UTC"}])
        .expect("fetchrow", returns={"TimeZone": "UTC"})
        .expect("fetchval", returns=None)
        .expect("fetchrow", returns=None)
        .expect("prepare")
        .expect("fetch", returns=[{"id": 1}, {"id": 2}])
    )
    with verifier.sandbox():
        conn = await asyncpg.connect()
        show = await conn.prepare("SHOW timezone")
        await show.fetch()
        assert show.get_statusmsg() == "SHOW"  # fetch completes the portal: the tag, with no count
        await show.fetchrow()
        with pytest.raises(InvalidStateError, match=r"after fetchrow\(\) is the server's to tell"):
            show.get_statusmsg()  # one row asked for and given: the statement may be suspended
        await show.fetchval()
        with pytest.raises(InvalidStateError, match=r"after fetchval\(\) is the server's to tell"):
            show.get_statusmsg()  # a None that may be a NULL: whether a row came is not known
        await show.fetchrow()
        assert show.get_statusmsg() == "SHOW"  # no row: the statement completed
        insert = await conn.prepare("INSERT INTO users (name) VALUES ($1), ($2) RETURNING id")
        await insert.fetch("a", "b")
        assert insert.get_statusmsg() == "INSERT 0 2"  # the tag's words kept, the count replaced
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_a_step_named_by_a_string_built_at_run_time_gives_its_options(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    method = "".join(["pre", "pare"])  # equal to "prepare", not the same object: a script built from data
    apg.new_session().expect("connect").expect(method, parameters=["int4"])
    with verifier.sandbox():
        conn = await asyncpg.connect()
        statement = await conn.prepare("SELECT $1")
        assert statement.get_parameters() == (INT4,)
    for interaction in verifier.interactions:
        interaction.asserted = True


async def test_server_version_per_session(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    apg.new_session().expect("connect", server_version="16.4")
    apg.new_session().expect("acquire", server_version="12.19 (Ubuntu 12.19-1)").expect("release")
    with verifier.sandbox():
        default = await asyncpg.connect()
        assert default.get_server_version() == ServerVersion(15, 0, 18, "final", 0)
        assert default.get_settings().server_version == "15.0.18"
        newer = await asyncpg.connect()
        assert newer.get_server_version() == ServerVersion(16, 0, 4, "final", 0)
        assert newer.get_settings().server_version == "16.4"
        assert newer.get_settings().server_encoding == "UTF8"
        async with asyncpg.create_pool(min_size=0) as pool, pool.acquire() as con:
            assert con.get_server_version() == ServerVersion(12, 0, 19, "final", 0)
    for interaction in verifier.interactions:
        interaction.asserted = True


RATIOS = "SELECT 10 / (3 - g) AS n FROM generate_series(1, 5) g"
DIVISION = asyncpg.DivisionByZeroError("division by zero")


def test_then_raises_is_checked_at_expect_time(apg: AsyncpgPlugin) -> None:
    with pytest.raises(TypeError, match=r"expect\('cursor'\): then_raises= must be the error the server raises"):
        apg.new_session().expect("cursor", returns=[], then_raises="division by zero")
    with pytest.raises(TypeError, match=r"unknown option then_raises=; .* a fetch step takes status="):
        apg.new_session().expect("fetch", returns=[], then_raises=DIVISION)
    with pytest.raises(TypeError, match=r"expect\('cursor'\): then_raises= describes the answer, which a step with"):
        apg.new_session().expect("cursor", raises=DIVISION, then_raises=DIVISION)
    with pytest.raises(TypeError, match=r"expect\('prepare'\): parameters= describes the answer"):
        apg.new_session().expect("prepare", raises=DIVISION, parameters=["int4"])


async def test_a_cursor_gives_its_rows_then_the_error_at_the_read_that_needs_the_failing_row(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("begin").expect(
        "cursor", returns=[{"n": 5}, {"n": 10}], then_raises=DIVISION
    ).expect("rollback").expect("begin").expect(
        "cursor", returns=[{"n": 5}], then_raises=asyncpg.DivisionByZeroError
    ).expect("commit")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        transaction = conn.transaction()
        await transaction.start()
        cursor = await conn.cursor(RATIOS)
        assert await cursor.fetch(2) == [{"n": 5}, {"n": 10}]
        with pytest.raises(asyncpg.DivisionByZeroError) as raised:
            await cursor.fetchrow()  # the third row is the failing one
        assert raised.value is DIVISION
        with pytest.raises(asyncpg.InFailedSQLTransactionError):  # the block is aborted, as in PostgreSQL
            await cursor.fetch(1)
        await transaction.rollback()
        async with conn.transaction():
            # Iterated with the default prefetch of 50: the first batch needs the failing row, so no row comes.
            seen = []
            with pytest.raises(asyncpg.DivisionByZeroError):
                async for row in conn.cursor(RATIOS):
                    seen.append(row)
            assert seen == []
            assert conn._server.status.name == "FAILED"
