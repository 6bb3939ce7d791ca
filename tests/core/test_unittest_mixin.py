"""The unittest integration (bigfoot._unittest), exercised in throwaway unittest runs with the subprocess plugin."""

from __future__ import annotations

import io
import subprocess
import unittest

import pytest

import bigfoot
from bigfoot import NoActiveVerifierError, UnassertedInteractionsError, UnusedMocksError
from bigfoot._current import CURRENT

# A module, not its classes: names imported here would be collected and run as this module's tests.
from . import unittest_cases as cases

REAL_RUN_CODE = subprocess.run.__code__


def run_cases(*test_cases: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.TestSuite()
    for case in test_cases:
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    return unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)


def failed(result: unittest.TestResult) -> dict[str, str]:
    return {test.id().rsplit(".", 1)[-1]: text for test, text in result.failures}


def test_passing_tests_pass_each_with_a_fresh_verifier_named_self_in_hints() -> None:
    outer = CURRENT.get()
    cases.Seen.verifiers.clear()
    result = run_cases(cases.Passing)
    assert result.wasSuccessful() and result.testsRun == 2, result.failures + result.errors
    first, second = cases.Seen.verifiers
    assert first is not second and first.hint_owner == second.hint_owner == "self"
    # Released once verified: plugins, sessions and interactions dropped, so none stays in a reference cycle.
    assert first._plugins == second._plugins == {} and len(first._timeline) == len(second._timeline) == 0
    assert CURRENT.get() is outer  # uninstalled afterwards
    assert subprocess.run.__code__ is REAL_RUN_CODE


def test_verification_in_async_tear_down_is_a_failure_of_the_right_test() -> None:
    outer = CURRENT.get()
    result = run_cases(cases.Failing)
    assert result.errors == [] and result.testsRun == 2
    failures = failed(result)
    assert set(failures) == {"test_unused_step", "test_unasserted_interaction"}
    assert (
        f"{UnusedMocksError.__module__}.{UnusedMocksError.__name__}: 1 scripted step(s) were never used:\n"
        in (failures["test_unused_step"])
    )
    assert "    session #1 step 1 'run' (scripted at " in failures["test_unused_step"]
    assert failures["test_unasserted_interaction"].endswith(
        f"{UnassertedInteractionsError.__module__}.{UnassertedInteractionsError.__name__}: "
        "1 interaction(s) were not asserted. Assert them, in this order:\n"
        "    self.subprocess_mock.assert_run(popenargs=[['ls', '-l']])\n"
    )
    assert CURRENT.get() is outer  # uninstalled even though verification failed


def test_user_set_up_and_tear_down_compose_through_super() -> None:
    cases.Composed.log.clear()
    result = run_cases(cases.Composed)
    assert result.wasSuccessful(), result.failures + result.errors
    assert cases.Composed.log == ["setup", "test", "teardown"]


def test_a_test_case_without_asyncio_installs_and_verifies_in_set_up_and_tear_down() -> None:
    outer = CURRENT.get()
    cases.Synchronous.log.clear()
    result = run_cases(cases.Synchronous)
    assert result.testsRun == 2 and result.errors == []
    assert set(failed(result)) == {"test_fails_unasserted"}
    assert "    self.subprocess_mock.assert_run(popenargs=[['y']])" in failed(result)["test_fails_unasserted"]
    assert cases.Synchronous.log == ["setup self", "setup self"]
    assert CURRENT.get() is outer


def test_the_plugin_through_self_before_set_up_explains_itself() -> None:
    case = cases.Passing("test_through_self")
    with pytest.raises(NoActiveVerifierError) as info:
        case.subprocess_mock
    assert str(info.value) == (
        "Passing has no bigfoot verifier yet: it is installed in asyncSetUp (setUp on non-asyncio test cases). "
        "If you override that method, call super() first."
    )
    with pytest.raises(AttributeError) as error:
        case.not_a_plugin  # type: ignore[attr-defined]
    assert str(error.value) == "'Passing' object has no attribute 'not_a_plugin'"


def test_the_mixin_is_reached_from_the_bigfoot_module() -> None:
    from bigfoot._unittest import BigfootMixin, BigfootTestCase

    assert bigfoot.BigfootMixin is BigfootMixin and bigfoot.BigfootTestCase is BigfootTestCase
    assert issubclass(BigfootTestCase, unittest.IsolatedAsyncioTestCase)
