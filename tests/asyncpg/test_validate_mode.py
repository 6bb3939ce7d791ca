"""Validate mode against a throwaway PostgreSQL: tests run on their scripts, then every query is prepared on the server.

The pytest runs go through pytester in process (so coverage sees the runner hooks); the unittest run uses the mixin
with BIGFOOT_VALIDATE in the environment. Each difference has its own pinned message, naming the call, where its step
was scripted and what differs; the server's data and schema are the same afterwards.
"""

from __future__ import annotations

import asyncio
import io
import unittest
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import bigfoot
from bigfoot import StrictVerifier, _validating
from bigfoot.plugins.asyncpg import AsyncpgPlugin
from tests.asyncpg.test_record_mode import run_module

INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

SCHEMA_SQL = """
DROP TABLE IF EXISTS vm_users, vm_gone, vm_new;
CREATE TABLE vm_users (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO vm_users VALUES (1, 'ada'), (2, 'bob');
"""

APP_TEST = """\
import asyncpg
import bigfoot


async def connect():
    return await asyncpg.connect(host="db.invalid", user="app", database="shop")


async def test_correct():
    (bigfoot.asyncpg_mock.new_session()
        .expect("connect")
        .expect("fetchrow", returns={"id": 1, "name": "ada"})
        .expect("fetch", returns=[{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}])
        .expect("fetchval", returns="ada")
        .expect("execute", returns="INSERT 0 1")
        .expect("executemany")
        .expect("execute", returns="DELETE 2")
        .expect("execute", returns="CREATE TABLE")
        .expect("execute", returns="COMMIT")
        .expect("execute", raises=asyncpg.UndefinedTableError("relation \\"vm_nowhere\\" does not exist"))
        .expect("close"))
    async with bigfoot:
        conn = await connect()
        row = await conn.fetchrow("SELECT id, name FROM vm_users WHERE id = $1", 1)
        rows = await conn.fetch("SELECT id, name FROM vm_users ORDER BY id")
        name = await conn.fetchval("SELECT name FROM vm_users WHERE id = $1", 1, column="name")
        await conn.execute("INSERT INTO vm_users VALUES ($1, $2)", 3, "cy")
        await conn.executemany("UPDATE vm_users SET name = $2 WHERE id = $1", [(1, "x"), (2, "y")])
        await conn.execute("DELETE FROM vm_users")
        await conn.execute("CREATE TABLE vm_new (a int)")
        await conn.execute("BEGIN; DELETE FROM vm_users; COMMIT")
        try:
            await conn.execute("SELECT * FROM vm_nowhere")  # the script says it fails: that is no difference
        except asyncpg.UndefinedTableError:
            pass
        await conn.close()
    assert row["name"] == "ada" and len(rows) == 2 and name == "ada"
    bigfoot.asyncpg_mock.assert_connect(host="db.invalid", user="app", database="shop")
    bigfoot.asyncpg_mock.assert_fetchrow(query="SELECT id, name FROM vm_users WHERE id = $1", args=[1])
    bigfoot.asyncpg_mock.assert_fetch(query="SELECT id, name FROM vm_users ORDER BY id", args=[])
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT name FROM vm_users WHERE id = $1", args=[1], column="name")
    bigfoot.asyncpg_mock.assert_execute(query="INSERT INTO vm_users VALUES ($1, $2)", args=[3, "cy"])
    bigfoot.asyncpg_mock.assert_executemany(
        command="UPDATE vm_users SET name = $2 WHERE id = $1", args=[(1, "x"), (2, "y")]
    )
    bigfoot.asyncpg_mock.assert_execute(query="DELETE FROM vm_users", args=[])
    bigfoot.asyncpg_mock.assert_execute(query="CREATE TABLE vm_new (a int)", args=[])
    bigfoot.asyncpg_mock.assert_execute(query="BEGIN; DELETE FROM vm_users; COMMIT", args=[])
    bigfoot.asyncpg_mock.assert_execute(
        query="SELECT * FROM vm_nowhere", args=[], raised=asyncpg.UndefinedTableError
    )
    bigfoot.asyncpg_mock.assert_close()


async def one_call(method, query, returns, *args):
    async with bigfoot:
        conn = await connect()
        result = await getattr(conn, method)(query, *args)
        await conn.close()
    bigfoot.asyncpg_mock.assert_connect(host="db.invalid", user="app", database="shop")
    getattr(bigfoot.asyncpg_mock, "assert_" + method)(query=query, args=list(args))
    bigfoot.asyncpg_mock.assert_close()
    return result


async def test_misspelled_column():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns="ada").expect("close")  # COLUMN
    assert await one_call("fetchval", "SELECT nmae FROM vm_users WHERE id = $1", "ada", 1) == "ada"


async def test_dropped_table():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetch", returns=[]).expect("close")  # TABLE
    assert await one_call("fetch", "SELECT id FROM vm_gone", []) == []


async def test_wrong_parameter_count():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("execute", returns="UPDATE 1").expect("close")  # COUNT
    await one_call("execute", "UPDATE vm_users SET name = 'x' WHERE id = $1", "UPDATE 1")


async def test_row_key_the_query_does_not_return():
    rows = [{"id": 1, "name": "ada", "email": "ada@example.org"}]
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetch", returns=rows).expect("close")  # KEY
    assert len(await one_call("fetch", "SELECT id, name FROM vm_users", rows)) == 1
"""


def dsn_of(server: dict[str, str], password: str = "") -> str:
    secret = f":{password}" if password else ""
    return f"postgresql://{server['user']}{secret}@/{server['database']}?host={server['host']}"


async def sql(server: dict[str, str], text: str) -> Any:
    con = await asyncpg.connect(dsn_of(server))
    try:
        return await (con.execute(text) if ";" in text else con.fetch(text))
    finally:
        await con.close()


SNAPSHOT_SQL = """
SELECT xmin::text AS version, id, name, (SELECT count(*) FROM pg_class WHERE relname = 'vm_new') AS created
FROM vm_users ORDER BY id
"""


def line_of(source: str, mark: str) -> int:
    return next(number for number, line in enumerate(source.splitlines(), 1) if line.endswith(f"# {mark}"))


def test_validate_mode_catches_each_difference_and_passes_a_correct_script(
    postgres: dict[str, str], pytester: pytest.Pytester
) -> None:
    asyncio.run(sql(postgres, SCHEMA_SQL))
    before = asyncio.run(sql(postgres, SNAPSHOT_SQL))
    pytester.makeini(INI)
    pytester.makepyfile(test_app=APP_TEST)
    target = dsn_of(postgres, password="validate-secret")
    result = pytester.runpytest("-p", "no:randomly", f"--bigfoot-validate={target}", "-rA")
    result.assert_outcomes(passed=5, errors=4)
    output = "\n".join(result.outlines)
    assert "validate-secret" not in output

    call = "conn.{}({!r}) (scripted at test_app.py:{})"
    column = call.format("fetchval", "SELECT nmae FROM vm_users WHERE id = $1", line_of(APP_TEST, "COLUMN"))
    table = call.format("fetch", "SELECT id FROM vm_gone", line_of(APP_TEST, "TABLE"))
    count = call.format("execute", "UPDATE vm_users SET name = 'x' WHERE id = $1", line_of(APP_TEST, "COUNT"))
    key = call.format("fetch", "SELECT id, name FROM vm_users", line_of(APP_TEST, "KEY"))
    expected = [
        f'{column}: the server cannot prepare it: UndefinedColumnError: column "nmae" does not exist '
        '(hint: Perhaps you meant to reference the column "vm_users.name".)',
        f'{table}: the server cannot prepare it: UndefinedTableError: relation "vm_gone" does not exist',
        f"{count}: the query takes 1 argument, the call passed 0 (execute() without arguments sends no parameters)",
        f"{key}: scripted row 1 has key 'email' that the query does not return; its columns: id, name",
    ]
    for message in expected:
        assert f"  - {message}\n" in output + "\n", (message, output)
    # Count the reports only: pytest's short summary repeats each message, cut to the terminal width
    # except under CI, so the summary cannot be counted on.
    report = "E   bigfoot.errors.ScriptValidationError: bigfoot validate mode: the script differs from the server at "
    assert output.count(report) == 4
    assert "postgres:***@" in output and "(1 difference)" in output
    assert "ERROR at teardown of test_correct" not in output

    assert asyncio.run(sql(postgres, SNAPSHOT_SQL)) == before  # no row written, no table created


def test_a_test_that_fails_is_not_validated_and_record_mode_wins(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        test_app="""
import asyncpg
import bigfoot

async def test_fails():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=1)
    async with bigfoot:
        conn = await asyncpg.connect(host="db.invalid")
        await conn.fetchval("SELECT * FROM vm_never_there")
    bigfoot.asyncpg_mock.assert_connect(host="db.invalid")
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT * FROM vm_never_there", args=[])
    assert False, "on purpose"
"""
    )
    result = pytester.runpytest("-p", "no:randomly", f"--bigfoot-validate={dsn_of(postgres)}")
    result.assert_outcomes(failed=1)
    assert "validate mode" not in "\n".join(result.outlines)

    assert _validating.target("postgresql://x", record="postgresql://y") is None
    monkeypatch.setenv("BIGFOOT_VALIDATE", "postgresql://env")
    assert _validating.target() == "postgresql://env" and _validating.target("postgresql://o") == "postgresql://o"
    monkeypatch.setenv("BIGFOOT_VALIDATE", "")
    assert _validating.target() is None


def test_a_bad_target_stops_the_run_with_one_message_and_no_password(
    postgres: dict[str, str], pytester: pytest.Pytester
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_app="async def test_a():\n    pass\n\n\nasync def test_b():\n    pass\n")
    target = f"postgresql://postgres:bad-secret@/no_such_validate_db?host={postgres['host']}"
    result = pytester.runpytest("-p", "no:randomly", f"--bigfoot-validate={target}")
    output = "\n".join(result.outlines + result.errlines)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    assert "bad-secret" not in output and "postgres:***@" in output
    assert "bigfoot validate mode cannot use" in output
    assert 'database "no_such_validate_db" does not exist' in output


def test_the_mixin_validates_under_unittest(postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(sql(postgres, SCHEMA_SQL))
    monkeypatch.setenv("BIGFOOT_VALIDATE", dsn_of(postgres))

    class App(bigfoot.BigfootMixin, unittest.IsolatedAsyncioTestCase):
        async def test_good(self) -> None:
            self.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=2).expect("close")
            async with bigfoot:
                conn = await asyncpg.connect(host="db.invalid")
                assert await conn.fetchval("SELECT count(*) FROM vm_users") == 2
                await conn.close()
            self.asyncpg_mock.assert_connect(host="db.invalid")
            self.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM vm_users", args=[])
            self.asyncpg_mock.assert_close()

        async def test_bad(self) -> None:
            self.asyncpg_mock.new_session().expect("connect").expect("fetch", returns=[{"id": 1}]).expect("close")
            async with bigfoot:
                conn = await asyncpg.connect(host="db.invalid")
                await conn.fetch("SELECT id, name FROM vm_users WHERE id = $1", 1)
                await conn.close()
            self.asyncpg_mock.assert_connect(host="db.invalid")
            self.asyncpg_mock.assert_fetch(query="SELECT id, name FROM vm_users WHERE id = $1", args=[1])
            self.asyncpg_mock.assert_close()

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(App)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.testsRun == 2 and len(result.failures) == 1 and not result.errors, result.errors
    case, report = result.failures[0]
    assert case.id().endswith("test_bad")
    assert "scripted row 1 lacks column 'name' that the query returns: name" in report
    assert "ScriptValidationError" in report


def test_a_bad_target_stops_a_unittest_run_at_the_first_test(
    postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = f"postgresql://postgres:bad-secret@/no_such_validate_db?host={postgres['host']}"
    monkeypatch.setenv("BIGFOOT_VALIDATE", target)

    class Two(bigfoot.BigfootMixin, unittest.IsolatedAsyncioTestCase):
        async def test_a(self) -> None:
            pass

        async def test_b(self) -> None:
            pass

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Two)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.testsRun == 1 and len(result.errors) == 1 and result.shouldStop
    report = result.errors[0][1]
    assert "bad-secret" not in report and "bigfoot validate mode cannot use 'postgresql://postgres:***@" in report


async def test_differences_in_detail(postgres: dict[str, str]) -> None:
    """The rarer messages, straight from the plugin: column order, a missing column, fetchval's column, several
    statements in one execute() (skipped unless they do not parse), and a server that is gone."""
    await sql(postgres, SCHEMA_SQL)
    verifier = StrictVerifier()
    plugin = AsyncpgPlugin(verifier)
    (
        plugin.new_session()
        .expect("connect")
        .expect("fetchrow", returns={"name": "ada", "id": 1})
        .expect("fetchval", returns=1)
        .expect("execute", returns="SELECT 1")
        .expect("execute", returns="SELECT 1")
        .expect("fetchmany", returns=[{"id": 1, "name": "a"}, {"id": 2}, {"id": 3}])
        .expect("fetch", returns=bigfoot.answer(lambda fields: [{"anything": 1}]))
        .expect("prepare")
        .expect("fetchrow", returns=None)
        .expect("close")
    )
    async with verifier.sandbox():
        conn = await asyncpg.connect(host="db.invalid")
        await conn.fetchrow("SELECT id, name FROM vm_users LIMIT 1")
        await conn.fetchval("SELECT id FROM vm_users LIMIT 1", column="nope")
        await conn.execute("SELECT 1; SELECT 2")
        await conn.execute("SELECT 1; SELEC 2")
        await conn.fetchmany("SELECT id, name FROM vm_users WHERE id = $1", [(1,), (2,), (3,)])
        await conn.fetch("SELECT id FROM vm_users")
        statement = await conn.prepare("SELECT id, name FROM vm_users WHERE id = $1")
        await statement.fetchrow(5)
        await conn.close()
    at = {
        item.method + str(index): f"(scripted at {item.step.location})"
        for index, item in enumerate(verifier.interactions)
    }
    assert plugin.validate(dsn_of(postgres)) == [
        f"conn.fetchrow('SELECT id, name FROM vm_users LIMIT 1') {at['fetchrow1']}: the scripted row has the columns "
        "in another order: name, id; the query's: id, name",
        f"conn.fetchval('SELECT id FROM vm_users LIMIT 1') {at['fetchval2']}: column='nope' is not a column of the "
        "query; its columns: id",
        f"conn.execute('SELECT 1; SELEC 2') {at['execute4']}: the server cannot prepare it: PostgresSyntaxError: "
        'syntax error at or near "SELEC"',
        f"conn.fetchmany('SELECT id, name FROM vm_users WHERE id = $1') {at['fetchmany5']}: scripted row 2 lacks "
        "column 'name' that the query returns: name",
    ]
    gone = "postgresql://postgres@/no_such_validate_db?host=" + postgres["host"]
    (problem,) = plugin.validate(gone)
    assert problem.startswith("the queries could not be checked: InvalidCatalogNameError: database ")
    assert StrictVerifier().get_plugin(AsyncpgPlugin) is None and AsyncpgPlugin(StrictVerifier()).validate(gone) == []


DJANGO_TEST = """\
import logging
import unittest

import django
from django.conf import settings

settings.configure(DATABASES={}, INSTALLED_APPS=[])
django.setup()

import asyncpg
import bigfoot
from django.test import SimpleTestCase

logging.getLogger("asyncio").setLevel(logging.ERROR)


class AppTest(bigfoot.BigfootMixin, SimpleTestCase):
    async def test_app(self):
        self.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=2).expect("close")
        async with bigfoot:
            conn = await asyncpg.connect(host="db.invalid", database="shop")
            count = await conn.fetchval("SELECT count(*) FROM vm_userz")
            await conn.close()
        self.assertEqual(count, 2)
        self.asyncpg_mock.assert_connect(host="db.invalid", database="shop")
        self.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM vm_userz", args=[])
        self.asyncpg_mock.assert_close()


if __name__ == "__main__":
    unittest.main()
"""


async def test_a_django_run_validates_through_the_environment(postgres: dict[str, str], tmp_path: Path) -> None:
    pytest.importorskip("django")
    await sql(postgres, SCHEMA_SQL)
    run = run_module(tmp_path, DJANGO_TEST, {"BIGFOOT_VALIDATE": dsn_of(postgres, password="django-secret")})
    assert run.returncode == 1, run.stderr
    scripted = next(n for n, line in enumerate(DJANGO_TEST.splitlines(), 1) if "new_session()" in line)
    assert "FAILED (failures=1)" in run.stderr and "django-secret" not in run.stderr
    assert (
        f"  - conn.fetchval('SELECT count(*) FROM vm_userz') (scripted at test_app.py:{scripted}): the server cannot "
        "prepare "
        'it: UndefinedTableError: relation "vm_userz" does not exist' in run.stderr
    ), run.stderr
    without = run_module(tmp_path, DJANGO_TEST, {"BIGFOOT_VALIDATE": ""})
    assert without.returncode == 0, without.stderr


def test_each_query_is_described_once_and_every_query_after_a_repeated_one_too(postgres: dict[str, str]) -> None:
    from bigfoot.plugins.asyncpg.validation import run_in_thread

    described = run_in_thread(dsn_of(postgres), ["SELECT 1 AS a", "SELECT 1 AS a", "SELECT $1::int AS b"])
    assert {query: (d.parameters, d.columns) for query, d in described.items()} == {
        "SELECT 1 AS a": (0, ("a",)),
        "SELECT $1::int AS b": (1, ("b",)),
    }


async def test_each_comparison_with_what_the_server_described() -> None:
    """The comparisons themselves, given what a server would describe (the tests above get it from PostgreSQL)."""
    from bigfoot.plugins.asyncpg import postgres_error
    from bigfoot.plugins.asyncpg.validation import MULTIPLE_COMMANDS, Described, checks_of, differences

    verifier = StrictVerifier()
    plugin = AsyncpgPlugin(verifier)
    many = "SELECT " + ", ".join(f"${i}::int" for i in range(1, 301))
    (
        plugin.new_session()
        .expect("connect")
        .expect(
            "fetch",
            returns=[{"a": 1}, {"a": 2}, {"b": 3}, {"a": 4, "c": 5, "d": 6}, {"b": 7, "a": 8}, {"a": 9, "b": 0}],
        )
        .expect("fetch", returns=[])
        .expect("fetchval", raises=ValueError("not the server's"))
        .expect("execute", returns="SELECT 1")
    )
    async with verifier.sandbox():
        conn = await asyncpg.connect(host="db.invalid")
        await conn.fetch("SELECT a FROM t")
        await conn.fetch("SELECT 1; SELECT 2")
        with pytest.raises(ValueError):
            await conn.fetchval("SELECT nope")
        await conn.execute(many, *range(300))
    checks = {check.query: check for check in checks_of(plugin)}
    at = {
        item.method + str(index): f"(scripted at {item.step.location})"
        for index, item in enumerate(verifier.interactions)
    }

    # A row whose keys an earlier row had is not reported again, and the rows after it are still compared.
    call = f"conn.fetch('SELECT a FROM t') {at['fetch1']}"
    assert differences(plugin, checks["SELECT a FROM t"], Described(0, ("a",))) == [
        f"{call}: scripted row 3 has key 'b' that the query does not return; its columns: a",
        f"{call}: scripted row 3 lacks column 'a' that the query returns: a",
        f"{call}: scripted row 4 has keys 'c', 'd' that the query does not return; its columns: a",
        f"{call}: scripted row 5 has key 'b' that the query does not return; its columns: a",
        f"{call}: scripted row 6 has key 'b' that the query does not return; its columns: a",
    ]
    assert differences(plugin, checks["SELECT a FROM t"], Described(2, ("b", "a"))) == [
        f"{call}: the query takes 2 arguments, the call passed 0",  # no word of execute(): this is fetch()
        f"{call}: scripted row 1 lacks column 'b' that the query returns: b",
        f"{call}: scripted row 3 lacks column 'a' that the query returns: a",
        f"{call}: scripted row 4 has keys 'c', 'd' that the query does not return; its columns: b, a",
        f"{call}: scripted row 4 lacks column 'b' that the query returns: b",
        f"{call}: scripted row 6 has the columns in another order: a, b; the query's: b, a",
    ]
    # Only execute() without arguments may hold several statements: fetch() prepares its query.
    several = postgres_error("42601", MULTIPLE_COMMANDS)
    assert differences(plugin, checks["SELECT 1; SELECT 2"], several) == [
        f"conn.fetch('SELECT 1; SELECT 2') {at['fetch2']}: the server cannot prepare it: PostgresSyntaxError: "
        f"{MULTIPLE_COMMANDS}"
    ]
    # A scripted error that is not the server's kind of error does not excuse a query the server refuses.
    missing = postgres_error("42703", 'column "nope" does not exist')
    assert differences(plugin, checks["SELECT nope"], missing) == [
        f"conn.fetchval('SELECT nope') {at['fetchval3']}: the server cannot prepare it: UndefinedColumnError: "
        'column "nope" does not exist'
    ]
    # Counts are compared by value (past 256 they are distinct objects), and no argument is plural.
    assert differences(plugin, checks[many], Described(300, ())) == []
    assert differences(plugin, checks[many], Described(0, ())) == [
        f"conn.execute({many!r}) {at['execute4']}: the query takes 0 arguments, the call passed 300"
    ]


def test_only_this_plugins_calls_are_checked() -> None:
    from collections.abc import Callable, Mapping
    from types import FunctionType
    from typing import ClassVar

    from bigfoot import BasePlugin, StepSpec
    from bigfoot.plugins.asyncpg.validation import checks_of

    class OtherDatabase(BasePlugin):
        """Another plugin whose calls are named as asyncpg's query methods."""

        hint_name: ClassVar[str] = "other_mock"
        step_specs: ClassVar[Mapping[str, StepSpec]] = {"fetch": StepSpec("fetch", list, "rows", "[]")}

        @classmethod
        def intercepts(cls) -> Mapping[FunctionType, Callable[[Any, Any], Any]]:
            return {}

    verifier = StrictVerifier()
    plugin = AsyncpgPlugin(verifier)
    OtherDatabase(verifier).record("fetch", {"query": "SELECT * FROM elsewhere"})
    assert len(verifier.interactions) == 1 and checks_of(plugin) == []
