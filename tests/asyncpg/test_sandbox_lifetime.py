"""Unmocked calls that reach the test inside exception groups, and sandboxes that a test abandons.

An unmocked call that the test saw fail (its error left the sandbox, or failed the test) is not reported again by
``verify_all()`` as swallowed, wherever it sits inside what was raised: a ``__cause__``/``__context__`` chain, an
exception group from ``asyncio.TaskGroup``, groups nested in groups. And a sandbox that a task left open (its loop
closed without cancelling it) is closed by the runner when the test ends, so asyncpg is never left patched.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import sys
import unittest
from typing import Any

import asyncpg
import pytest

import bigfoot
from bigfoot import InvalidStateError, StrictVerifier, UnmockedInteractionError, UnusedMocksError
from bigfoot._current import install, uninstall
from bigfoot._patching import depth
from bigfoot._sandbox import ACTIVE, close_open
from bigfoot.plugins.asyncpg import AsyncpgPlugin

pytest_plugins = ["pytester"]

if sys.version_info >= (3, 11):
    import builtins

    ExceptionGroup: Any = builtins.ExceptionGroup
else:  # pragma: no cover - Python 3.10
    ExceptionGroup = pytest.importorskip(
        "exceptiongroup", reason="exception groups need Python 3.11 or the exceptiongroup backport on 3.10"
    ).ExceptionGroup

needs_task_group = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is new in Python 3.11")


def _run(verifier: StrictVerifier, code: Any) -> BaseException:
    """Run ``code()`` inside a sandbox of ``verifier``; return what left the sandbox."""

    async def main() -> None:
        with verifier.sandbox():
            await code()

    try:
        contextvars.Context().run(asyncio.run, main())
    except BaseException as exc:  # the test looks at whatever came out
        return exc
    raise AssertionError("nothing left the sandbox")


@needs_task_group
def test_an_unmocked_call_in_a_task_group_leaves_the_sandbox_in_a_group_and_is_not_reported_again(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    async def code() -> None:
        async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined]
            group.create_task(asyncpg.connect(host="db"))

    raised = _run(verifier, code)
    assert type(raised).__name__ == "ExceptionGroup"
    assert [type(member) for member in raised.exceptions] == [UnmockedInteractionError]  # type: ignore[attr-defined]
    verifier.verify_all()


def test_chains_inside_nested_groups_count_as_surfaced(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("close")

    async def code() -> None:
        conn = await asyncpg.connect()
        errors = []
        for query in ("SELECT 1", "SELECT 2", "SELECT 3"):
            try:
                await conn.fetch(query)
            except UnmockedInteractionError as exc:
                errors.append(exc)
        first, second, third = errors
        try:
            raise RuntimeError("wrapped") from first
        except RuntimeError as wrapped:
            chained = wrapped
        try:
            try:
                raise second
            except UnmockedInteractionError:
                raise KeyError("context, and a different cause") from ValueError("cause")
        except KeyError as exc:
            with_context = exc
        inner = ExceptionGroup("inner", [chained, with_context])
        raise ExceptionGroup("outer", [ValueError("other"), ExceptionGroup("middle", [inner]), third])

    raised = _run(verifier, code)
    assert type(raised).__name__ == "ExceptionGroup"
    apg.assert_connect()
    # only the unused close step is left: none of the three unmocked calls is reported as swallowed
    with pytest.raises(UnusedMocksError, match="'close'"):
        verifier.verify_all()


def test_an_unmocked_call_swallowed_next_to_a_group_is_still_reported(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    async def code() -> None:
        with contextlib.suppress(UnmockedInteractionError):
            await asyncpg.connect(host="swallowed")
        raise ExceptionGroup("unrelated", [ValueError("no unmocked call here")])

    _run(verifier, code)
    with pytest.raises(UnmockedInteractionError, match="swallowed"):
        verifier.verify_all()


# -- the runners -----------------------------------------------------------------------------------------------------

GROUP_OUTSIDE_THE_SANDBOX = """
    async with asyncio.TaskGroup() as group:
        with bigfoot:
            group.create_task(asyncpg.connect(host="db"))
            await asyncio.sleep(0.01)
    # the group is raised by the TaskGroup, after the sandbox has closed without an error
"""

PYTEST_SUITE = (
    """
import asyncio

import asyncpg
import bigfoot

ORIGINAL = asyncpg.connect.__code__
ABANDONED = []


async def test_group_fails_the_test_once():
"""
    + GROUP_OUTSIDE_THE_SANDBOX
    + """

def test_abandons_a_task_inside_a_sandbox():
    loop = asyncio.new_event_loop()

    async def stuck():
        with bigfoot:
            await asyncio.Event().wait()

    ABANDONED.append(loop.create_task(stuck()))
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()  # the task is neither finished nor cancelled
    assert asyncpg.connect.__code__ is not ORIGINAL


def test_asyncpg_is_restored_after_the_abandoning_test():
    assert asyncpg.connect.__code__ is ORIGINAL
"""
)


@needs_task_group
def test_pytest_plugin_counts_a_failing_group_as_surfaced_and_closes_abandoned_sandboxes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_it=PYTEST_SUITE)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_group_fails_the_test_once FAILED*"])
    assert "swallowed" not in result.stdout.str()


class _Cases:
    """Mixin test cases, built when needed so that pytest does not collect them."""

    @staticmethod
    def build() -> tuple[type[unittest.TestCase], list[Any]]:
        from bigfoot import BigfootTestCase

        abandoned: list[Any] = []
        source = "async def test_group_fails_the_test_once(self):\n" + GROUP_OUTSIDE_THE_SANDBOX
        namespace: dict[str, Any] = {"asyncio": asyncio, "asyncpg": asyncpg, "bigfoot": __import__("bigfoot")}
        exec(source, namespace)

        def test_abandons_a_task_inside_a_sandbox(self: Any) -> None:
            loop = asyncio.new_event_loop()

            async def stuck() -> None:
                import bigfoot

                with bigfoot:
                    await asyncio.Event().wait()

            abandoned.append(loop.create_task(stuck()))
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
            assert depth() == 1

        case = type(
            "Cases",
            (BigfootTestCase,),
            {
                "test_group_fails_the_test_once": namespace["test_group_fails_the_test_once"],
                "test_abandons_a_task_inside_a_sandbox": test_abandons_a_task_inside_a_sandbox,
            },
        )
        return case, abandoned


@needs_task_group
def test_unittest_mixin_counts_a_failing_group_as_surfaced_and_closes_abandoned_sandboxes() -> None:
    original = asyncpg.connect.__code__
    case, abandoned = _Cases.build()
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    # an ExceptionGroup is not an AssertionError: unittest reports it as an error of the test, and nothing else
    assert result.failures == []
    failed = {test.id().rpartition(".")[2]: text for test, text in result.errors}
    assert list(failed) == ["test_group_fails_the_test_once"], failed
    assert "ExceptionGroup" in failed["test_group_fails_the_test_once"]
    assert "swallowed" not in failed["test_group_fails_the_test_once"]
    assert result.testsRun == 2
    assert asyncpg.connect.__code__ is original and depth() == 0
    for task in abandoned:
        task.get_coro().close()


def test_close_open_closes_only_that_verifiers_sandboxes(verifier: StrictVerifier) -> None:
    other = StrictVerifier()
    mine, theirs = verifier.sandbox(), other.sandbox()
    contextvars.Context().run(mine.__enter__)
    contextvars.Context().run(theirs.__enter__)
    assert depth() == 2
    assert close_open(verifier) == 1
    assert mine.closed and not theirs.closed and depth() == 1
    assert close_open(verifier) == 0
    theirs.close()
    assert depth() == 0


def test_a_task_made_inside_the_sandbox_that_first_runs_after_the_last_one_closed_is_refused(
    verifier: StrictVerifier,
) -> None:
    # The task's coroutine is asyncpg.connect's swapped-in body; it starts when the patches are already removed.
    async def main() -> None:
        with verifier.sandbox():
            task = asyncio.create_task(asyncpg.connect(host="late.invalid"))
        assert depth() == 0
        with pytest.raises(InvalidStateError, match="sandbox has closed"):
            await task

    contextvars.Context().run(asyncio.run, main())
    verifier.verify_all()


def test_a_call_made_outside_every_sandbox_that_starts_after_the_last_one_closed_reaches_asyncpg(
    verifier: StrictVerifier,
) -> None:
    with verifier.sandbox():
        # Made outside the sandbox (another context) while it is open: the swapped-in body, run later.
        pending = contextvars.Context().run(asyncpg.connect, connection_class=int)
    with pytest.raises(asyncpg.InterfaceError, match="connection_class is expected to be a subclass"):
        asyncio.run(pending)  # asyncpg's own check of the argument, before any connection attempt
    verifier.verify_all()


def test_an_abandoned_task_finalized_during_another_test_leaves_that_tests_sandbox_open() -> None:
    # A task left pending inside `async with bigfoot:` on a loop closed without cancelling it; its coroutine is
    # finalized by the garbage collector later, in whatever context the collector runs: here, inside another test's
    # sandbox, whose code must go on talking to its fakes.
    def abandoning_test() -> None:
        verifier = StrictVerifier()
        token = install(verifier)
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda loop, context: None)  # "Task was destroyed but it is pending": on purpose

        async def forever() -> None:
            async with bigfoot:
                await asyncio.Event().wait()

        async def main() -> None:
            asyncio.get_running_loop().create_task(forever())
            await asyncio.sleep(0)

        try:
            loop.run_until_complete(main())
        finally:
            loop.close()
            assert close_open(verifier) == 1
            uninstall(token)

    def later_test() -> None:
        verifier = StrictVerifier()
        token = install(verifier)
        try:
            with bigfoot:
                gc.collect()  # finalizes the abandoned task's coroutine, and its `async with bigfoot:`
                assert ACTIVE.get() is not None and not ACTIVE.get().closed  # type: ignore[union-attr]
                assert depth() == 1
            assert depth() == 0
        finally:
            uninstall(token)

    enabled = gc.isenabled()
    gc.disable()
    try:
        contextvars.Context().run(abandoning_test)
        contextvars.Context().run(later_test)
    finally:
        if enabled:
            gc.enable()
