"""One failure per test: verification's findings about a test whose body failed join that failure's report, subtests
stay independent, and the messages that say what an unmocked call most likely means (a skipped step, cleanup)."""

from __future__ import annotations

import io
import unittest

import asyncpg
import pytest

import bigfoot
from bigfoot import StrictVerifier, UnmockedInteractionError
from bigfoot._findings import AFTER_FAILURE
from bigfoot._render import location
from bigfoot.plugins.asyncpg import AsyncpgPlugin

pytest_plugins = ["pytester"]


def _run(case: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    return unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)


# -- unittest --------------------------------------------------------------------------------------------------------


# The cases are made inside the tests: at module level pytest would collect them as tests of their own.


def test_a_failed_body_is_one_failure_with_the_findings_in_its_text() -> None:
    class BodyFails(bigfoot.BigfootTestCase):
        async def test_it(self) -> None:
            self.asyncpg_mock.new_session().expect("connect").expect("close")
            with bigfoot:
                await asyncpg.connect(host="db")
            raise AssertionError("1 != 2")

    result = _run(BodyFails)
    where = location(__file__, BodyFails.test_it.__code__.co_firstlineno + 1)
    assert result.errors == [] and len(result.failures) == 1
    text = result.failures[0][1]
    assert text.endswith(
        "AssertionError: 1 != 2\n"
        f"{AFTER_FAILURE}\n"
        "VerificationError: 1 interaction(s) were not asserted. Assert them, in this order:\n"
        "    self.asyncpg_mock.assert_connect(host='db')\n\n"
        "1 scripted step(s) were never used:\n"
        f"    session #1 step 2 'close' (scripted at {where})\n"
        "Remove them from the script, or mark optional ones with required=False.\n"
    ), text


def test_an_expected_failure_stays_expected_with_its_findings() -> None:
    class ExpectedFailure(bigfoot.BigfootTestCase):
        @unittest.expectedFailure
        async def test_it(self) -> None:
            self.asyncpg_mock.new_session().expect("connect")
            raise AssertionError("not yet")

    result = _run(ExpectedFailure)
    assert result.failures == [] and result.errors == [] and len(result.expectedFailures) == 1
    assert "UnusedMocksError: 1 scripted step(s) were never used" in result.expectedFailures[0][1]


def test_subtests_are_independent_and_findings_are_reported_once() -> None:
    class SubTests(bigfoot.BigfootTestCase):
        async def test_it(self) -> None:
            self.asyncpg_mock.new_session().expect("connect").expect("close")
            with bigfoot:
                conn = await asyncpg.connect(host="db")
                with self.subTest("unmocked"):
                    await conn.fetch("SELECT 1")
                with self.subTest("plain"):
                    raise AssertionError("1 != 2")

    result = _run(SubTests)
    texts = [text for _, text in result.failures]
    assert result.errors == [] and len(texts) == 3, texts
    unmocked, plain, verification = texts
    assert "UnmockedInteractionError: Unmocked call: conn.fetch(" in unmocked and AFTER_FAILURE not in unmocked
    assert plain.endswith("AssertionError: 1 != 2\n")
    # The test's own failure: the findings, once; the unmocked call reached its subtest, so it is not repeated.
    assert verification.startswith("bigfoot.errors.VerificationError: 1 interaction(s) were not asserted"), verification
    assert "Unmocked call" not in verification and "Traceback" not in verification


def test_the_mixin_after_the_test_case_fails_naming_the_order_to_use() -> None:
    with pytest.raises(TypeError) as info:

        class T(unittest.IsolatedAsyncioTestCase, bigfoot.BigfootMixin):
            pass

    assert str(info.value) == (
        "T: BigfootMixin must come before the test case class in the bases, or it never runs: "
        "write class T(BigfootMixin, IsolatedAsyncioTestCase)."
    )


def test_a_subclass_of_a_well_ordered_case_is_accepted() -> None:
    class Base(bigfoot.BigfootMixin, unittest.TestCase):
        pass

    class Other(unittest.TestCase):
        pass

    class Both(Other, Base):
        pass

    assert Both.__mro__.index(bigfoot.BigfootMixin) < Both.__mro__.index(unittest.TestCase)


# -- pytest ----------------------------------------------------------------------------------------------------------

PYTEST_SUITE = """
import asyncpg
import bigfoot


async def test_body_fails():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")
    with bigfoot:
        await asyncpg.connect(host="db")
    assert 1 == 2


async def test_subtests(subtests):
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")
    with bigfoot:
        conn = await asyncpg.connect(host="db")
        with subtests.test("unmocked"):
            await conn.fetch("SELECT 1")
"""


def test_pytest_reports_a_failed_body_once_with_the_findings_as_a_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it=PYTEST_SUITE)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-rfE")
    output = result.stdout.str()
    # test_body_fails: one failure, with the section; test_subtests: its subtest fails, and the findings fail the
    # test at teardown, once, without repeating the unmocked call the subtest reported.
    assert "ERROR at teardown of test_body_fails" not in output, output
    assert output.count("- bigfoot verification at teardown -") == 1, output
    result.stdout.fnmatch_lines(
        [
            "*- bigfoot verification at teardown -*",
            AFTER_FAILURE,
            "VerificationError: 1 interaction(s) were not asserted. Assert them, in this order:",
            "    bigfoot.asyncpg_mock.assert_connect(host='db')",
        ]
    )
    teardown = output.split("ERROR at teardown of test_subtests", 1)[1].split("=====", 1)[0]
    assert "1 interaction(s) were not asserted" in teardown and "Unmocked call" not in teardown, teardown
    assert "FAILED test_it.py::test_body_fails - assert 1 == 2" in output


# -- messages --------------------------------------------------------------------------------------------------------


async def test_a_call_past_a_skipped_step_names_that_step(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("execute", returns="SET").expect("fetch", returns=[])
    line = test_a_call_past_a_skipped_step_names_that_step.__code__.co_firstlineno + 1
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(UnmockedInteractionError) as info:
            await conn.fetch("SELECT 1")
    assert str(info.value) == (
        "Unmocked call: conn.fetch(query='SELECT 1', args=[]) on session #1, but the script expects 'execute' next; "
        f"the call matches step 3 later, so step 2 ('execute', scripted at tests/asyncpg/test_one_failure.py:{line}) "
        "was likely skipped by the code.\n"
        "If the code is right, remove step 2 from the script (or give it required=False).\n"
        "If the call is right, script it at that point of session #1:\n"
        '    .expect("fetch", returns=[{...}])'
    )
    verifier._surfaced(info.value)


async def test_optional_steps_are_not_named_as_skipped(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="SET", required=False)
        .expect("fetchval", returns=1)
        .expect("fetch", returns=[])
    )
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(UnmockedInteractionError) as info:
            await conn.fetch("SELECT 1")
    assert "so step 3 ('fetchval', scripted at " in str(info.value)
    verifier._surfaced(info.value)


async def load_and_close(conn: asyncpg.Connection) -> None:
    try:
        await conn.fetch("SELECT 1")
    finally:
        try:
            await conn.close()
        except UnmockedInteractionError:
            pass  # cleanup that swallows its own errors, as applications write it


async def test_cleanup_after_an_unmocked_call_that_reached_the_test_is_its_consequence(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=1).expect("close")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(UnmockedInteractionError) as info:
            await load_and_close(conn)
    verifier._surfaced(info.value)  # as the runners do with what the test raised
    apg.assert_connect()
    with pytest.raises(bigfoot.VerificationError) as found:
        verifier.verify_all()
    assert str(found.value).startswith(
        "The unmocked call that reached the test (Unmocked call: conn.fetch(query='SELECT 1', args=[]) on session #1, "
        "but the script expects 'fetchval' next"
    )
    assert (
        "was followed by 1 call(s) made after it (likely cleanup), unmocked too and swallowed by the code under test:\n"
        "    Unmocked call: conn.close() on session #1, but the script expects 'fetchval' next; the call matches "
        "step 3 later, so step 2 ('fetchval', scripted at "
    ) in str(found.value)


async def test_swallowed_cleanup_after_a_swallowed_unmocked_call(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        try:
            await load_and_close(conn)
        except UnmockedInteractionError:
            pass
    apg.assert_connect()
    with pytest.raises(UnmockedInteractionError) as found:
        verifier.verify_all()
    lines = str(found.value).splitlines()
    assert lines[0] == "An unmocked call was made and swallowed by the code under test:"
    assert lines[1].startswith("Unmocked call: conn.fetch(query='SELECT 1', args=[]) on session #1, which has no steps")
    assert lines[-2:] == [
        "It was followed by 1 call(s) made after it (likely cleanup), unmocked too:",
        "    Unmocked call: conn.close() on session #1, which has no steps left (its last step session #1 step 1 "
        f"'connect' (scripted at tests/asyncpg/test_one_failure.py:"
        f"{test_swallowed_cleanup_after_a_swallowed_unmocked_call.__code__.co_firstlineno + 1})).",
    ]
