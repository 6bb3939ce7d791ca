"""Record mode, end to end: a test with no script runs against a throwaway PostgreSQL, and the code bigfoot writes for
it, pasted into the same test, passes with no server at all.

Each round trip runs two throwaway pytest sessions (pytester, in subprocesses): the first records, with the server;
the second replays, with the recorded code in place of the marker lines and no BIGFOOT_RECORD, while the code under
test still connects to a host that does not exist.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bigfoot._recording import ASSERTIONS_HEADER, SCRIPT_HEADER

INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

SCRIPT_MARK = "    # RECORDED SCRIPT\n"
ASSERTIONS_MARK = "    # RECORDED ASSERTIONS\n"


def dsn_of(server: dict[str, str]) -> str:
    return f"postgresql://{server['user']}@/{server['database']}?host={server['host']}"


async def prepare(server: dict[str, str], sql: str) -> None:
    con = await asyncpg.connect(dsn_of(server))
    try:
        await con.execute(sql)
    finally:
        await con.close()


def split_recording(text: str) -> tuple[str, str]:
    """The recorded file as the two blocks a user pastes: imports and script, then the assertions."""
    head, _, rest = text.partition(SCRIPT_HEADER + "\n")
    script, _, assertions = rest.partition(ASSERTIONS_HEADER + "\n")
    imports = [line for line in head.splitlines() if line.startswith(("import ", "from "))]
    return "\n".join([*imports, script.strip()]) + "\n", assertions.strip() + "\n"


def paste(source: str, text: str) -> str:
    """``source`` with the marker lines replaced by the recording's two blocks, at the markers' indentation."""
    script, assertions = split_recording(text)
    for mark, block in ((SCRIPT_MARK, script), (ASSERTIONS_MARK, assertions)):
        found = re.search(rf"^( *){re.escape(mark.strip())}\n", source, flags=re.MULTILINE)
        assert found is not None, mark
        source = source.replace(found[0], textwrap.indent(block, found[1]), 1)
    return source


def record(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, *args: str) -> tuple[str, Any]:
    """Run ``source`` in record mode; return the one recorded file's text and the run's result."""
    pytester.makeini(INI)
    pytester.makepyfile(test_app=source)
    monkeypatch.setenv("BIGFOOT_RECORD_DIR", str(pytester.path / "recorded"))
    result = pytester.runpytest_subprocess("-p", "no:randomly", *args)
    result.assert_outcomes(passed=1)
    files = sorted((pytester.path / "recorded").glob("*.py"))
    assert [f.name for f in files] == ["recorded-test_app.test_app.py"], files
    text = files[0].read_text()
    compile(text.replace("self.", "bigfoot."), str(files[0]), "exec")  # valid Python on its own
    assert max(len(line) for line in text.splitlines()) <= 120, text
    return text, result


def replay(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, text: str) -> str:
    """Paste the recording into ``source`` and run it with no server: it must pass."""
    monkeypatch.delenv("BIGFOOT_RECORD", raising=False)
    pasted = paste(source, text)
    pytester.makepyfile(test_app=pasted)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == 0, pasted + "\n" + "\n".join(result.outlines)
    result.assert_outcomes(passed=1)
    return pasted


TYPES_SQL = """
DROP TABLE IF EXISTS rt_types, rt_users;
CREATE TABLE rt_types (
    i2 int2, i4 int4 PRIMARY KEY, i8 int8, num numeric(10, 2), f8 float8, t text, vc varchar(20), b bool,
    by bytea, d date, ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb, ia int[], ta text[],
    ip inet, net cidr, tm time, r int4range, pt point, bits varbit, missing text
);
INSERT INTO rt_types VALUES (
    -2, 1, 9000000000, 12.50, 0.25, 'it''s "text"', 'short', true, '\\x00ff10', '2026-11-26', '2026-11-26 12:30:00',
    '2026-11-26 12:30:00+01', '1 day 02:03:04', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}',
    '{"b": null}', '{1,2,3}', '{"x","y z"}', '192.168.0.1', '10.0.0.0/8', '08:15:00', '[1,5)', '(1.5,2)', B'1011',
    NULL
);
CREATE TABLE rt_users (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO rt_users VALUES (1, 'ada');
"""

TYPES_TEST = """\
import datetime
import decimal
import ipaddress
import uuid

import asyncpg
import bigfoot


async def load(host):
    conn = await asyncpg.connect(host=host, user="app", database="shop")
    try:
        row = await conn.fetchrow("SELECT * FROM rt_types WHERE i4 = $1", 1)
        rows = await conn.fetch("SELECT i4, t FROM rt_types ORDER BY i4")
        count = await conn.fetchval("SELECT count(*) FROM rt_types")
        status = await conn.execute("UPDATE rt_users SET name = $1 WHERE id = $2", "Ada", 1)
        await conn.executemany("INSERT INTO rt_users VALUES ($1, $2)", [(2, "bob"), (3, "cy")])
        try:
            await conn.execute("INSERT INTO rt_users VALUES ($1, $2)", 1, "again")
            duplicate = None
        except asyncpg.UniqueViolationError as exc:
            duplicate = exc
        try:
            await conn.fetch("SELECT $1::int", 1, 2)  # asyncpg refuses this itself: never reaches the server
        except asyncpg.InterfaceError:
            pass
        return row, rows, count, status, duplicate
    finally:
        await conn.close()


async def test_app():
    # RECORDED SCRIPT
    async with bigfoot:
        row, rows, count, status, duplicate = await load("db.invalid")
    # RECORDED ASSERTIONS
    assert row["i2"] == -2 and row["i4"] == 1 and row["i8"] == 9000000000
    assert row["num"] == decimal.Decimal("12.50") and row["f8"] == 0.25
    assert row["t"] == 'it\\'s "text"' and row["vc"] == "short" and row["b"] is True
    assert row["by"] == b"\\x00\\xff\\x10"
    assert row["d"] == datetime.date(2026, 11, 26)
    assert row["ts"] == datetime.datetime(2026, 11, 26, 12, 30)
    assert row["tstz"] == datetime.datetime(2026, 11, 26, 11, 30, tzinfo=datetime.timezone.utc)
    assert row["iv"] == datetime.timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert row["u"] == uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    assert row["j"] == '{"a": [1, 2]}' and row["jb"] == '{"b": null}'
    assert row["ia"] == [1, 2, 3] and row["ta"] == ["x", "y z"]
    assert row["ip"] == ipaddress.IPv4Address("192.168.0.1") and row["net"] == ipaddress.IPv4Network("10.0.0.0/8")
    assert row["tm"] == datetime.time(8, 15)
    assert row["r"] == asyncpg.Range(1, 5) and row["pt"] == asyncpg.Point(1.5, 2.0)
    assert row["bits"] == asyncpg.BitString("1011") and row["missing"] is None
    assert [tuple(r) for r in rows] == [(1, 'it\\'s "text"')] and count == 1
    assert status == "UPDATE 1"
    assert duplicate is not None and duplicate.constraint_name == "rt_users_pkey"
    assert duplicate.detail == "Key (id)=(1) already exists."
"""


async def test_types_errors_and_statuses_round_trip(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    await prepare(postgres, TYPES_SQL)
    text, result = record(pytester, monkeypatch, TYPES_TEST, f"--bigfoot-record={dsn_of(postgres)}")

    # The connect arguments are the code's, not the recording DSN's; the unique violation has every field.
    assert "assert_connect(host='db.invalid', user='app', database='shop')" in text
    assert postgres["host"] not in text
    assert "postgres_error(\n" in text or "postgres_error('23505'" in text
    for field in (
        "detail='Key (id)=(1) already exists.'",
        "constraint_name='rt_users_pkey'",
        "table_name='rt_users'",
        "schema_name='public'",
        "'23505'",
    ):
        assert field in text, field
    assert "raised=asyncpg.UniqueViolationError" in text
    # The call asyncpg refused client-side is neither scripted nor asserted.
    assert "SELECT $1::int" not in text
    # The run's report shows it too.
    assert "bigfoot recordings" in result.stdout.str()
    assert "test_app.py::test_app -> " in result.stdout.str()

    replay(pytester, monkeypatch, TYPES_TEST, text)


def test_split_recording_keeps_imports_with_the_script() -> None:
    text = f"# Recorded\nimport decimal\n\n{SCRIPT_HEADER}\nA\n\n{ASSERTIONS_HEADER}\nB\n"
    assert split_recording(text) == ("import decimal\nA\n", "B\n")


def test_paths(tmp_path: Path) -> None:
    from bigfoot._recording import file_name

    assert file_name("tests/test_a.py::TestX::test_y[1-a b]") == "recorded-tests.test_a.TestX.test_y-1-a-b.py"
    assert file_name("test_app.py::test_app") == "recorded-test_app.test_app.py"


FLOW_SQL = """
DROP TABLE IF EXISTS rt_items;
CREATE TABLE rt_items (id int PRIMARY KEY, name text NOT NULL);
"""

FLOW_TEST = """\
import io

import asyncpg
import bigfoot


def on_note(*args):
    pass


async def work(host):
    pool = await asyncpg.create_pool(host=host, user="app", password="pool-secret", min_size=1, max_size=2)
    async with pool:
        async with pool.acquire() as con:
            await con.add_listener("news", on_note)
            async with con.transaction():
                await con.execute("INSERT INTO rt_items VALUES ($1, $2)", 1, "one")
                try:
                    async with con.transaction():
                        await con.execute("INSERT INTO rt_items VALUES ($1, $2)", 1, "again")
                except asyncpg.UniqueViolationError:
                    pass
                async with con.transaction():
                    await con.execute("INSERT INTO rt_items VALUES ($1, $2)", 2, "two")
                ids = [row["id"] async for row in con.cursor("SELECT id FROM rt_items ORDER BY id")]
                cursor = await con.cursor("SELECT id, name FROM rt_items WHERE id > $1 ORDER BY id", 1)
                second = await cursor.fetchrow()
            statement = await con.prepare("SELECT name FROM rt_items WHERE id = $1")
            name = await statement.fetchval(2)
            await con.remove_listener("news", on_note)
        async with pool.acquire() as con:
            copied_in = await con.copy_records_to_table(
                "rt_items", records=[(3, "three"), (4, "four")], columns=["id", "name"]
            )
            copied_out = await con.copy_from_query("SELECT id, name FROM rt_items ORDER BY id", output=io.BytesIO())
        total = await pool.fetchval("SELECT count(*) FROM rt_items")
    return ids, second, name, copied_in, copied_out, total


async def test_app():
    # RECORDED SCRIPT
    async with bigfoot:
        ids, second, name, copied_in, copied_out, total = await work("db.invalid")
    # RECORDED ASSERTIONS
    assert ids == [1, 2] and dict(second) == {"id": 2, "name": "two"} and name == "two"
    assert copied_in == "COPY 2" and copied_out == "COPY 4" and total == 4
"""


async def test_transactions_pools_cursors_and_copy_round_trip(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    await prepare(postgres, FLOW_SQL)
    monkeypatch.setenv("BIGFOOT_RECORD", dsn_of(postgres))  # the environment variable, this time
    text, _ = record(pytester, monkeypatch, FLOW_TEST)

    # One session per checkout, in the order taken: two acquires and the shortcut's.
    assert text.count("new_session()") == 3
    for step in (
        "'acquire'",
        "'begin'",
        "'savepoint'",
        "'rollback_to_savepoint'",
        "'release_savepoint'",
        "'commit'",
        "'cursor'",
        "'prepare'",
        "'copy_records_to_table'",
        "'copy_from_query'",
        "'release'",
    ):
        assert f".expect({step}" in text, step
    assert "assert_create_pool(min_size=1, max_size=2, host='db.invalid', user='app', password=ANY)" in text
    assert "pool-secret" not in text
    assert "assert_close_pool()" in text

    replay(pytester, monkeypatch, FLOW_TEST, text)


PEOPLE_SQL = """
DROP TABLE IF EXISTS rt_people;
CREATE TABLE rt_people (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO rt_people VALUES (1, 'ada'), (2, 'bob');
"""

UNITTEST_TEST = """\
import logging
import unittest

import asyncpg
import bigfoot

logging.getLogger("asyncio").setLevel(logging.ERROR)


class AppTest(bigfoot.BigfootMixin, unittest.IsolatedAsyncioTestCase):
    async def test_app(self):
        # RECORDED SCRIPT
        async with bigfoot:
            conn = await asyncpg.connect(host="db.invalid", database="shop")
            names = [row["name"] for row in await conn.fetch("SELECT name FROM rt_people WHERE id > $1 ORDER BY id", 0)]
            await conn.close()
        # RECORDED ASSERTIONS
        self.assertEqual(names, ["ada", "bob"])


if __name__ == "__main__":
    unittest.main()
"""

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
        # RECORDED SCRIPT
        async with bigfoot:
            conn = await asyncpg.connect(host="db.invalid", database="shop")
            count = await conn.fetchval("SELECT count(*) FROM rt_people")
            await conn.close()
        # RECORDED ASSERTIONS
        self.assertEqual(count, 2)


if __name__ == "__main__":
    unittest.main()
"""


def run_module(folder: Path, source: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (folder / "test_app.py").write_text(source)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("BIGFOOT_RECORD")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "test_app.py"], cwd=folder, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("source", [UNITTEST_TEST, DJANGO_TEST], ids=["unittest", "django"])
async def test_unittest_and_django_round_trip(postgres: dict[str, str], tmp_path: Path, source: str) -> None:
    await prepare(postgres, PEOPLE_SQL)
    recorded = tmp_path / "recorded"
    run = run_module(tmp_path, source, {"BIGFOOT_RECORD": dsn_of(postgres), "BIGFOOT_RECORD_DIR": str(recorded)})
    assert run.returncode == 0, run.stderr
    files = sorted(recorded.glob("*.py"))
    assert [f.name for f in files] == ["recorded-__main__.AppTest.test_app.py"]
    text = files[0].read_text()
    assert "self.asyncpg_mock.new_session()" in text and "bigfoot.asyncpg_mock" not in text
    assert "self.asyncpg_mock.assert_connect(host='db.invalid', database='shop')" in text
    assert f"-> {files[0]}" in run.stderr and text in run.stderr  # unittest's report shows it

    pasted = paste(source, text)
    replayed = run_module(tmp_path, pasted, {})
    assert replayed.returncode == 0, pasted + replayed.stderr
    assert "Ran 1 test" in replayed.stderr and "OK" in replayed.stderr


SECRETS_TEST = """\
import asyncpg
import bigfoot


async def test_app():
    # RECORDED SCRIPT
    async with bigfoot:
        a = await asyncpg.connect("postgresql://app:dsn-secret@db.invalid/shop?sslpassword=ssl-secret")
        b = await asyncpg.connect(host="db.invalid", user="app", password="kw-secret")
        values = [await a.fetchval("SELECT 1"), await b.fetchval("SELECT 2")]
        await a.close()
        await b.close()
    # RECORDED ASSERTIONS
    assert values == [1, 2]
"""


async def test_no_secret_reaches_the_recording_or_the_report(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server trusts every local connection, so the recording DSN's own password is accepted and unused.
    target = f"postgresql://{postgres['user']}:rec-secret@/{postgres['database']}?host={postgres['host']}"
    text, result = record(pytester, monkeypatch, SECRETS_TEST, f"--bigfoot-record={target}")
    output = result.stdout.str() + result.stderr.str()
    for secret in ("dsn-secret", "ssl-secret", "kw-secret", "rec-secret"):
        assert secret not in text and secret not in output, secret
    assert "assert_connect(dsn=ANY)" in text
    assert "assert_connect(host='db.invalid', user='app', password=ANY)" in text
    replay(pytester, monkeypatch, SECRETS_TEST, text)


TWO_TESTS = """\
import asyncpg
import bigfoot


async def test_first():
    async with bigfoot:
        await asyncpg.connect(host="db.invalid")


async def test_second():
    pass
"""


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("postgresql://postgres:bad-secret@/no_such_db?host={host}", 'database "no_such_db" does not exist'),
        ("postgresql://postgres:bad-secret@127.0.0.1:1/postgres", "Connect call failed"),
    ],
    ids=["missing-database", "unreachable"],
)
def test_a_bad_target_stops_the_run_with_one_message_and_no_password(
    postgres: dict[str, str], pytester: pytest.Pytester, target: str, reason: str
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_app=TWO_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:randomly", f"--bigfoot-record={target.format(**postgres)}")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    assert output.count("bigfoot record mode cannot use") == 1 and reason in output, output
    assert "bad-secret" not in output and "postgres:***@" in output
    result.assert_outcomes()  # stopped before any test ran


def test_a_bad_target_stops_a_unittest_run(postgres: dict[str, str], tmp_path: Path) -> None:
    source = UNITTEST_TEST.replace(
        "    async def test_app(self):", "    def test_0(self):\n        pass\n\n    async def test_app(self):"
    )
    target = f"postgresql://postgres:bad-secret@/no_such_db?host={postgres['host']}"
    run = run_module(tmp_path, source, {"BIGFOOT_RECORD": target, "BIGFOOT_RECORD_DIR": str(tmp_path / "rec")})
    assert run.returncode == 1
    assert "Ran 1 test" in run.stderr and 'database "no_such_db" does not exist' in run.stderr, run.stderr
    assert "bad-secret" not in run.stderr
    assert not (tmp_path / "rec").exists()


CRASH_TEST = """\
import asyncpg
import bigfoot


async def test_app():
    async with bigfoot:
        conn = await asyncpg.connect(host="db.invalid")
        assert await conn.fetchval("SELECT 41") == 42
"""


def record_partial(
    postgres: dict[str, str],
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    *,
    in_process: bool = True,
) -> pytest.RunResult:
    """Record ``source``, whose test fails after its fetchval; check that the recording is written, marked partial."""
    pytester.makeini(INI)
    pytester.makepyfile(test_app=source)
    monkeypatch.setenv("BIGFOOT_RECORD_DIR", str(pytester.path / "recorded"))
    run = pytester.runpytest_inprocess if in_process else pytester.runpytest_subprocess
    result = run("-p", "no:randomly", f"--bigfoot-record={dsn_of(postgres)}")
    text = (pytester.path / "recorded" / "recorded-test_app.test_app.py").read_text()
    assert "# PARTIAL" in text and ".expect('fetchval', returns=41)" in text
    assert "(PARTIAL: the test failed)" in result.stdout.str()
    return result


def test_a_crashing_test_still_writes_its_recording_marked_partial(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_partial(postgres, pytester, monkeypatch, CRASH_TEST).assert_outcomes(failed=1)
    # The real connection the crashed code left open was closed while its event loop could still finish closing
    # it: no socket of it stays open, to be collected (and warned about as unclosed) in some later test.
    assert open_sockets_to(postgres) == []


BROKEN_TEAR_DOWN = """\
import asyncpg
import pytest
import bigfoot


@pytest.fixture
def broken():
    yield
    raise RuntimeError("the fixture's tear-down broke")


async def test_app(broken):
    async with bigfoot:
        conn = await asyncpg.connect(host="db.invalid")
        assert await conn.fetchval("SELECT 41") == 41
        await conn.close()
"""


def test_a_test_whose_fixture_tear_down_fails_is_recorded_as_partial(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The verifier outlives the fixtures: their tear-down failing is the test's failure, as a crash in its body is.
    record_partial(postgres, pytester, monkeypatch, BROKEN_TEAR_DOWN).assert_outcomes(passed=1, errors=1)


STOPPED = """\
import asyncpg
import pytest
import bigfoot


async def test_app():
    async with bigfoot:
        conn = await asyncpg.connect(host="db.invalid")
        assert await conn.fetchval("SELECT 41") == 41
        pytest.exit("the run stops here")
"""


def test_a_run_stopped_inside_a_recorded_test_still_writes_its_recording_marked_partial(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = record_partial(postgres, pytester, monkeypatch, STOPPED, in_process=False)
    assert result.ret == pytest.ExitCode.INTERRUPTED


def open_sockets_to(server: dict[str, str]) -> list[asyncio.Transport]:
    """Transports to ``server`` that were told to close but whose socket is still open."""
    gc.collect()
    return [
        transport
        for transport in gc.get_objects()
        if isinstance(transport, asyncio.Transport)
        and transport.is_closing()
        and str(transport.get_extra_info("peername", "")).startswith(server["host"])
        and transport.get_extra_info("socket").fileno() != -1
    ]


MISC_SQL = """
DROP TABLE IF EXISTS rt_misc;
CREATE TABLE rt_misc (id int PRIMARY KEY);
"""

MISC_TEST = """\\
import io

import asyncpg
import bigfoot


async def work(host):
    conn = await asyncpg.connect(host=host, command_timeout=30)
    insert = await conn.prepare("INSERT INTO rt_misc VALUES ($1)")
    await insert.executemany([(1,), (2,)])
    lookup = await conn.prepare("SELECT id FROM rt_misc WHERE id = $1")
    plan = await lookup.explain(1)
    first = await lookup.fetchrow(1)
    copied_out = await conn.copy_from_table("rt_misc", output=io.BytesIO(), format="csv")
    copied_in = await conn.copy_to_table("rt_misc", source=io.BytesIO(b"3\\n4\\n"))
    await conn.set_type_codec("json", schema="pg_catalog", encoder=str, decoder=str)
    await conn.reset()
    conn.terminate()
    pool = await asyncpg.create_pool(host=host, min_size=1, max_size=1)
    status = await pool.execute("DELETE FROM rt_misc WHERE id > $1", 2)
    pool.terminate()
    return plan, first, copied_out, copied_in, status


async def test_app():
    # RECORDED SCRIPT
    async with bigfoot:
        plan, first, copied_out, copied_in, status = await work("db.invalid")
    # RECORDED ASSERTIONS
    assert "Node Type" in plan[0]["Plan"] and dict(first) == {"id": 1}
    assert (copied_out, copied_in, status) == ("COPY 2", "COPY 2", "DELETE 2")
"""


async def test_prepared_statements_copy_codecs_and_termination_round_trip(
    postgres: dict[str, str], pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    await prepare(postgres, MISC_SQL)
    text, _ = record(pytester, monkeypatch, MISC_TEST, f"--bigfoot-record={dsn_of(postgres)}")
    for line in (
        "assert_connect(host='db.invalid', command_timeout=30)",
        "assert_copy_to_table(table_name='rt_misc', source=ANY)",
        "assert_set_type_codec(typename='json', schema='pg_catalog', encoder=ANY, decoder=ANY)",
        "assert_terminate()",
        "assert_terminate_pool()",
    ):
        assert line in text, line
    replay(pytester, monkeypatch, MISC_TEST, text)
