"""The unittest and Django integration (docs/unittest.md), exercised in throwaway unittest runs."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import unittest

import asyncpg

import bigfoot
from bigfoot import UnassertedInteractionsError, UnusedMocksError
from bigfoot._current import CURRENT

# A module, not its classes: names imported here would be collected and run as this module's tests.
from . import unittest_cases as cases


def run_cases(*cases: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.TestSuite()
    for case in cases:
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    return result


def failed(result: unittest.TestResult) -> dict[str, str]:
    return {test.id().rsplit(".", 1)[-1]: text for test, text in result.failures}


def test_passing_tests_pass_each_with_a_fresh_verifier() -> None:
    outer = CURRENT.get()
    result = run_cases(cases.Passing)
    assert result.wasSuccessful() and result.testsRun == 2, result.failures + result.errors
    assert len(cases.Seen.verifiers) == 2 and cases.Seen.verifiers[0] is not cases.Seen.verifiers[1]
    assert CURRENT.get() is outer  # uninstalled afterwards
    assert asyncpg.connect.__code__ is asyncpg.connection.connect.__code__


def test_problems_are_one_failure_each_of_the_right_test() -> None:
    result = run_cases(cases.Failing)
    assert result.errors == [] and result.testsRun == 2
    failures = failed(result)
    assert set(failures) == {"test_unused_step", "test_unasserted_interaction"}
    assert UnusedMocksError.__name__ in failures["test_unused_step"]
    assert "session #1 step 1 'connect' (scripted at " in failures["test_unused_step"]
    assert UnassertedInteractionsError.__name__ in failures["test_unasserted_interaction"]
    # hints name what the user writes under the mixin
    assert "    self.asyncpg_mock.assert_connect(host='db')" in failures["test_unasserted_interaction"]


def test_user_set_up_and_tear_down_compose_through_super() -> None:
    result = run_cases(cases.Composed)
    assert result.wasSuccessful(), result.failures + result.errors
    assert cases.Composed.log == ["setup", "test", "teardown"]


def test_verifier_is_uninstalled_even_when_verification_fails() -> None:
    outer = CURRENT.get()
    run_cases(cases.Failing)
    assert CURRENT.get() is outer


def test_a_tests_plugin_is_kept_on_the_case_while_the_test_runs_and_dropped_after() -> None:
    seen: list[object] = []

    class Kept(bigfoot.BigfootTestCase):
        async def test_it(self) -> None:
            first = self.asyncpg_mock
            seen.extend([first, self.asyncpg_mock, self.__dict__.get("asyncpg_mock")])
            first.new_session().expect("connect")
            with bigfoot:
                await asyncpg.connect(host="db")
            self.asyncpg_mock.assert_connect(host="db")

    case = Kept("test_it")
    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(unittest.TestSuite([case]))
    assert result.wasSuccessful(), result.failures + result.errors
    assert seen[0] is seen[1] is seen[2]  # the plugin, kept as the case's attribute after its first use
    assert "asyncpg_mock" not in case.__dict__  # and dropped when the test ended, with the rest of the test


def test_self_asyncpg_mock_before_set_up_explains_itself() -> None:
    case = cases.Passing("test_guide_example_with_self_asyncpg_mock")
    try:
        case.asyncpg_mock
    except bigfoot.NoActiveVerifierError as exc:
        assert "installed in asyncSetUp" in str(exc) and "call super() first" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected NoActiveVerifierError")


# IsolatedAsyncioTestCase runs its loop in debug mode, which logs a warning between a test's name and its outcome when
# a callback takes over 0.1 s, as the first one can on a busy machine; the scripts below keep asyncio's log to errors.
QUIET_ASYNCIO = 'import logging; logging.getLogger("asyncio").setLevel(logging.ERROR)\n'


def run_script(source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", QUIET_ASYNCIO + textwrap.dedent(source)], capture_output=True, text=True, timeout=60
    )


def verbose_line(case: str, method: str, outcome: str) -> str:
    """A line of `unittest -v` output: Python 3.11 added the method's name to the test's name in brackets."""
    name = f"__main__.{case}.{method}" if sys.version_info >= (3, 11) else f"__main__.{case}"
    return f"{method} ({name}) ... {outcome}"


DJANGO_SUITE = """
    import django
    from django.conf import settings
    settings.configure(DATABASES={}, INSTALLED_APPS=[])
    django.setup()
    import unittest, asyncpg, bigfoot
    from django.test import SimpleTestCase

    class Orders(bigfoot.BigfootMixin, SimpleTestCase):
        async def test_passes(self):
            self.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=3).expect("close")
            async with bigfoot:
                conn = await asyncpg.connect(host="db")
                assert await conn.fetchval("SELECT count(*) FROM orders") == 3
                await conn.close()
            self.asyncpg_mock.assert_connect(host="db")
            bigfoot.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM orders", args=[])
            self.asyncpg_mock.assert_close()

        async def test_fails_unasserted(self):
            self.asyncpg_mock.new_session().expect("connect")
            with bigfoot:
                await asyncpg.connect(host="db")

        def test_sync_test_fails_unused(self):
            self.asyncpg_mock.new_session().expect("connect")

    unittest.main(verbosity=2)
"""


def test_django_simple_test_case_passes_and_fails_as_it_should() -> None:
    run = run_script(DJANGO_SUITE)
    out = run.stderr
    assert verbose_line("Orders", "test_passes", "ok") in out, out
    assert verbose_line("Orders", "test_fails_unasserted", "FAIL") in out, out
    assert verbose_line("Orders", "test_sync_test_fails_unused", "FAIL") in out, out
    assert "self.asyncpg_mock.assert_connect(host='db')" in out
    assert "FAILED (failures=2)" in out and run.returncode == 1


def test_python_m_unittest_run() -> None:
    run = run_script(
        """
        import unittest, asyncpg, bigfoot

        class T(bigfoot.BigfootTestCase):
            async def test_ok(self):
                self.asyncpg_mock.new_session().expect("connect")
                with bigfoot:
                    await asyncpg.connect()
                self.asyncpg_mock.assert_connect()

            async def test_unused(self):
                self.asyncpg_mock.new_session().expect("connect").expect("close")

        unittest.main(verbosity=2)
        """
    )
    assert verbose_line("T", "test_ok", "ok") in run.stderr, run.stderr
    assert verbose_line("T", "test_unused", "FAIL") in run.stderr, run.stderr
    assert "FAILED (failures=1)" in run.stderr
