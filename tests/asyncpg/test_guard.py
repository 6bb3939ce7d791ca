"""The guard: in a test that uses bigfoot, asyncpg.connect()/create_pool() outside every sandbox fail at the call.

Each case runs as a user's suite would (pytest through pytester, unittest through its runner), next to a real
PostgreSQL, so that a call the guard lets through is seen to reach the server and one it refuses is seen to reach none.
"""

from __future__ import annotations

import unittest

import asyncpg
import pytest

import bigfoot
from bigfoot import BigfootTestCase, UnmockedInteractionError
from bigfoot._patching import depth

ORIGINAL_CONNECT = asyncpg.connect.__code__

INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

SUITE = """\
import asyncpg
import pytest

import bigfoot

HOST = {host!r}


async def test_connect_before_the_sandbox_in_a_test_that_uses_bigfoot():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")
    conn = await asyncpg.connect(host=HOST, user="postgres", database="postgres")  # the mistake: no sandbox yet
    await conn.close()


async def test_create_pool_after_the_sandbox():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")
    async with bigfoot:
        conn = await asyncpg.connect(host="db")
        await conn.close()
    bigfoot.asyncpg_mock.assert_connect(host="db")
    bigfoot.asyncpg_mock.assert_close()
    await asyncpg.create_pool(host=HOST, user="postgres", database="postgres", min_size=0)


async def test_a_swallowed_refusal_still_fails_the_test():
    bigfoot.asyncpg_mock.new_session().expect("connect")
    try:
        await asyncpg.connect(host=HOST, user="postgres", database="postgres")
    except Exception:
        pass


async def test_a_test_that_does_not_use_bigfoot_reaches_the_server():
    conn = await asyncpg.connect(host=HOST, user="postgres", database="postgres")
    try:
        assert await conn.fetchval("SELECT 40 + 2") == 42
    finally:
        await conn.close()
"""

REFUSED = (
    "UnmockedInteractionError: asyncpg.{name}() was called outside any bigfoot sandbox, in a test that uses bigfoot: "
    "nothing was sent to a server. Open a sandbox around the code under test:"
)


def run_suite(pytester: pytest.Pytester, postgres: dict[str, str]) -> pytest.RunResult:
    pytester.makeini(INI)
    pytester.makepyfile(test_app=SUITE.format(host=postgres["host"]))
    return pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-rA")


def outcome(result: pytest.RunResult, name: str) -> set[str]:
    """How pytest's summary reports test ``name``: PASSED, FAILED, and ERROR for a failure at teardown."""
    return {
        line.split(" ", 1)[0] for line in result.outlines if line.split(" - ", 1)[0].endswith(f"test_app.py::{name}")
    }


def test_calls_outside_the_sandbox_fail_at_the_call_in_tests_that_use_bigfoot(
    pytester: pytest.Pytester, postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BIGFOOT_GUARD", raising=False)
    result = run_suite(pytester, postgres)
    assert outcome(result, "test_connect_before_the_sandbox_in_a_test_that_uses_bigfoot") >= {"FAILED"}
    assert outcome(result, "test_create_pool_after_the_sandbox") >= {"FAILED"}
    assert outcome(result, "test_a_swallowed_refusal_still_fails_the_test") == {"PASSED", "ERROR"}
    assert outcome(result, "test_a_test_that_does_not_use_bigfoot_reaches_the_server") == {"PASSED"}
    output = result.stdout.str()
    assert REFUSED.format(name="connect") in output
    assert REFUSED.format(name="create_pool") in output
    assert "with bigfoot:  (or `async with bigfoot:`) around the code that calls asyncpg.connect()" in output
    assert 'give it @bigfoot.settings(guard="off")' in output
    # The swallowed one fails the test at verification, as any swallowed unmocked call does.
    assert "ERROR at teardown of test_a_swallowed_refusal_still_fails_the_test" in output


def test_the_guard_can_cover_every_test_or_none(
    pytester: pytest.Pytester, postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIGFOOT_GUARD", "all")
    result = run_suite(pytester, postgres)
    # Now the test that never uses bigfoot is refused too.
    assert outcome(result, "test_a_test_that_does_not_use_bigfoot_reaches_the_server") == {"FAILED"}
    monkeypatch.setenv("BIGFOOT_GUARD", "off")
    result = run_suite(pytester, postgres)
    assert "outside any bigfoot sandbox" not in result.stdout.str()
    # Unguarded, the mistaken connect and create_pool reach the real server and those tests pass by accident: what the
    # guard is for.
    assert outcome(result, "test_connect_before_the_sandbox_in_a_test_that_uses_bigfoot") == {"PASSED", "ERROR"}
    assert outcome(result, "test_create_pool_after_the_sandbox") >= {"PASSED"}
    assert outcome(result, "test_a_test_that_does_not_use_bigfoot_reaches_the_server") == {"PASSED"}


def test_a_bad_setting_is_named_with_the_good_ones(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIGFOOT_GUARD", "strict")
    pytester.makeini(INI)
    pytester.makepyfile(test_app="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert (
        "ValueError: BIGFOOT_GUARD: guard='strict' is not a guard setting. Use 'tests' (the default: guard the tests "
        "that use bigfoot), 'all' (guard every test) or 'off'."
    ) in result.stdout.str()


def test_the_mixin_guards_a_test_that_uses_bigfoot(postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIGFOOT_GUARD", raising=False)
    host = postgres["host"]

    class Suite(BigfootTestCase):
        async def test_mistake(self) -> None:
            self.asyncpg_mock.new_session().expect("connect")
            await asyncpg.connect(host=host, user="postgres", database="postgres")

        async def test_real(self) -> None:
            conn = await asyncpg.connect(host=host, user="postgres", database="postgres")
            try:
                assert await conn.fetchval("SELECT 1") == 1
            finally:
                await conn.close()

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Suite).run(result)
    assert result.testsRun == 2 and not result.errors
    assert {failed.id().rsplit(".", 1)[1] for failed, _ in result.failures} == {"test_mistake"}
    text = "\n".join(text for _, text in result.failures)
    assert "asyncpg.connect() was called outside any bigfoot sandbox, in a test that uses bigfoot" in text
    assert depth() == 0 and asyncpg.connect.__code__ is ORIGINAL_CONNECT  # the guard ended with the test


async def test_a_real_pool_made_before_the_test_used_bigfoot_stays_real(postgres: dict[str, str]) -> None:
    pool = await asyncpg.create_pool(host=postgres["host"], user="postgres", database="postgres", min_size=0)
    try:
        bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")  # from here on the test is guarded
        with pytest.raises(UnmockedInteractionError, match="outside any bigfoot sandbox") as info:
            await asyncpg.connect(host=postgres["host"], user="postgres", database="postgres")
        bigfoot.current_verifier()._surfaced(info.value)
        # The pool was made outside bigfoot: its first connection, opened now, reaches the server.
        assert await pool.fetchval("SELECT 7") == 7
        async with bigfoot:
            conn = await asyncpg.connect(host="db")
            await conn.close()
        bigfoot.asyncpg_mock.assert_connect(host="db")
        bigfoot.asyncpg_mock.assert_close()
    finally:
        await pool.close()
