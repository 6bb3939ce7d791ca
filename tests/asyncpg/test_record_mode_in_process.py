"""Record mode in this process: the same workloads as test_record_mode.py, recorded and replayed without subprocesses.

The subprocess round trips prove the user's path end to end; these run the same code where coverage sees it, and
check the runner hooks (target checking, file writing, the unittest mixin) directly.
"""

from __future__ import annotations

import io
import unittest
from pathlib import Path
from typing import Any

import pytest

import bigfoot
from bigfoot import StrictVerifier, _recording
from bigfoot._current import install, uninstall

from .test_record_mode import (
    FLOW_SQL,
    FLOW_TEST,
    MISC_SQL,
    MISC_TEST,
    PEOPLE_SQL,
    SECRETS_TEST,
    TYPES_SQL,
    TYPES_TEST,
    dsn_of,
    paste,
    prepare,
)


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "test_app"}
    exec(compile(source, "test_app.py", "exec"), namespace)
    return namespace


async def run(source: str, verifier: StrictVerifier) -> None:
    token = install(verifier)
    try:
        await load(source)["test_app"]()
        verifier.verify_all()
    finally:
        uninstall(token)


async def round_trip(server: dict[str, str], source: str) -> str:
    recording = StrictVerifier()
    recording.record_target = dsn_of(server)
    await run(source, recording)
    text = _recording.render(recording, "test_app.py::test_app", partial=False)
    assert text is not None
    await run(paste(source, text), StrictVerifier())  # no record target: the fakes answer from the script
    return text


@pytest.mark.parametrize(
    ("sql", "source"),
    [(TYPES_SQL, TYPES_TEST), (FLOW_SQL, FLOW_TEST), (MISC_SQL, MISC_TEST), ("SELECT 1", SECRETS_TEST)],
    ids=["types", "flow", "misc", "secrets"],
)
async def test_workloads_round_trip_in_process(postgres: dict[str, str], sql: str, source: str) -> None:
    await prepare(postgres, sql)
    text = await round_trip(postgres, source)
    assert "secret" not in text


async def test_assertions_and_scripts_are_not_enforced_while_recording(postgres: dict[str, str]) -> None:
    verifier = StrictVerifier()
    verifier.record_target = dsn_of(postgres)
    token = install(verifier)
    try:
        bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=99)
        async with bigfoot:
            conn = await bigfoot_connect()
            assert await conn.fetchval("SELECT 7") == 7
            await conn.close()
        bigfoot.asyncpg_mock.assert_fetchval(query="not what happened", args=[])
        verifier.verify_all()  # nothing enforced: the unused script, the wrong assertion
    finally:
        uninstall(token)
    text = _recording.render(verifier, "t", partial=True)
    assert text is not None and text.splitlines()[1].startswith("# PARTIAL")
    assert ".expect('fetchval', returns=7)" in text


async def bigfoot_connect() -> Any:
    import asyncpg

    return await asyncpg.connect(host="db.invalid")


def test_finish_writes_one_file_per_test_and_nothing_for_a_test_without_calls(
    postgres: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIGFOOT_RECORD_DIR", str(tmp_path / "out"))
    assert _recording.finish(StrictVerifier(), "tests/test_x.py::test_nothing") is None
    assert not (tmp_path / "out").exists()


def test_check_target_masks_the_password_and_remembers_the_answer() -> None:
    bad = "postgresql://app:hunter2@127.0.0.1:1/shop"
    for _ in range(2):  # the second time from the cache, with the same message
        with pytest.raises(_recording.RecordTargetError) as caught:
            _recording.check_target(bad)
        assert "hunter2" not in str(caught.value) and "app:***@127.0.0.1:1" in str(caught.value)


def test_the_target_comes_from_the_option_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIGFOOT_RECORD", raising=False)
    assert _recording.target() is None and _recording.target("") is None
    monkeypatch.setenv("BIGFOOT_RECORD", "postgresql://env")
    assert _recording.target() == "postgresql://env"
    assert _recording.target("postgresql://option") == "postgresql://option"


def test_the_mixin_records_under_unittest(
    postgres: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    asyncio.run(prepare(postgres, PEOPLE_SQL))
    monkeypatch.setenv("BIGFOOT_RECORD", dsn_of(postgres))
    monkeypatch.setenv("BIGFOOT_RECORD_DIR", str(tmp_path))

    class People(bigfoot.BigfootMixin, unittest.IsolatedAsyncioTestCase):
        async def test_count(self) -> None:
            async with bigfoot:
                conn = await bigfoot_connect()
                assert await conn.fetchval("SELECT count(*) FROM rt_people") == 2
                await conn.close()

        async def test_fails(self) -> None:
            async with bigfoot:
                await bigfoot_connect()
            self.fail("on purpose")

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(People)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.testsRun == 2 and len(result.failures) == 1 and not result.errors
    names = sorted(path.name for path in tmp_path.glob("*.py"))
    assert len(names) == 2 and all("People.test_" in name for name in names)
    failed = next(tmp_path.glob("*test_fails.py")).read_text()
    assert "# PARTIAL" in failed and "self.asyncpg_mock.assert_connect(host='db.invalid')" in failed
    assert "PARTIAL: the test failed" in capsys.readouterr().err


def test_a_bad_target_stops_a_unittest_run_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIGFOOT_RECORD", "postgresql://app:hunter2@127.0.0.1:1/shop")

    class Two(bigfoot.BigfootMixin, unittest.IsolatedAsyncioTestCase):
        async def test_a(self) -> None:
            pass

        async def test_b(self) -> None:
            pass

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Two)
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    assert result.testsRun == 1 and len(result.errors) == 1 and result.shouldStop
    assert "hunter2" not in result.errors[0][1] and "cannot use" in result.errors[0][1]


async def test_edges_of_the_recording_layer(postgres: dict[str, str]) -> None:
    import asyncpg

    async def init(con: Any) -> None:
        await con.fetchval("SELECT 1")

    async def setup(con: Any) -> None:
        await con.execute("SET application_name = 'recorded'")

    verifier = StrictVerifier()
    verifier.record_target = dsn_of(postgres)
    token = install(verifier)
    try:
        async with bigfoot:
            conn = await bigfoot_connect()
            assert conn.get_server_pid() > 0 and conn.get_server_version().major >= 10
            assert conn.get_settings().server_encoding == "UTF8"
            with pytest.raises(asyncpg.DataError):  # refused by asyncpg once the server described $1: scripted
                await conn.fetchval("SELECT $1::int", "seven")
            await conn.close()
            await conn.close()
            conn.terminate()
            other = await bigfoot_connect()
            other.terminate()
            other.terminate()
            pool = await asyncpg.create_pool(host="db.invalid", min_size=1, max_size=1, init=init, setup=setup)
            con = await pool.acquire()
            await pool.release(con)
            await pool.release(con)
            with pytest.raises(asyncpg.InterfaceError, match="is not a member of this pool"):
                await pool.release(conn)
            await pool.close()
            await pool.close()
            pool.terminate()
            leaked = await bigfoot_connect()
    finally:
        uninstall(token)
    text = _recording.render(verifier, "t", partial=False)
    assert text is not None
    assert "raises=asyncpg.DataError(" in text and "argument $1: 'seven' ('str' object cannot be" in text
    assert "assert_fetchval(query='SELECT $1::int', args=['seven'], raised=asyncpg.DataError)" in text
    assert leaked._real.is_closed()  # what the code left open on the server is closed when the test ends
    for line in ("assert_terminate()", "assert_release()", "assert_close_pool()", ".expect('fetchval', returns=1)"):
        assert line in text, line
    assert text.count("assert_close()") == 0 or text.count("assert_close()") == 1


def test_record_modes_connection_has_the_fakes_signatures() -> None:
    import inspect

    from bigfoot.plugins.asyncpg.connection import Connection
    from bigfoot.plugins.asyncpg.recording import RecordingConnection

    for name in ("close", "terminate"):
        assert inspect.signature(getattr(RecordingConnection, name)) == inspect.signature(getattr(Connection, name))
