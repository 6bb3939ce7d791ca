"""Sandboxes (bigfoot._sandbox): entering and leaving, nesting, restoring, and routing each call to its verifier."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import subprocess
import sys
import threading

import pytest

from bigfoot import InvalidStateError, StrictVerifier, UnmockedInteractionError
from bigfoot._patching import depth

from .subprocess_plugin import SubprocessPlugin

REAL_RUN = subprocess.run
REAL_RUN_CODE = subprocess.run.__code__
REAL_SIGNATURE = inspect.signature(subprocess.run)


def done(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(list(args), 0)


def line_of_next_statement() -> int:
    return sys._getframe(1).f_lineno + 1


def assert_restored() -> None:
    assert subprocess.run is REAL_RUN and subprocess.run.__code__ is REAL_RUN_CODE
    assert "__signature__" not in subprocess.run.__dict__ and depth() == 0


def real_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_with_and_async_with_give_the_verifier_and_restore_after_clean_and_failing_blocks(
    verifier: StrictVerifier,
) -> None:
    with verifier.sandbox() as entered:
        assert entered is verifier
        assert subprocess.run is REAL_RUN and subprocess.run.__code__ is not REAL_RUN_CODE
        assert inspect.signature(subprocess.run) == REAL_SIGNATURE
    assert_restored()
    with pytest.raises(RuntimeError, match="the test failed"):
        with verifier.sandbox():
            raise RuntimeError("the test failed")
    assert_restored()

    async def body() -> None:
        async with verifier.sandbox() as entered:
            assert entered is verifier and subprocess.run.__code__ is not REAL_RUN_CODE
        assert_restored()
        with pytest.raises(RuntimeError):
            async with verifier.sandbox():
                raise RuntimeError("the test failed")

    asyncio.run(body())
    assert_restored()


def test_a_sandbox_is_entered_once_and_says_where_it_was_opened(verifier: StrictVerifier) -> None:
    line = line_of_next_statement()
    sandbox = verifier.sandbox()
    assert repr(sandbox) == f"<bigfoot Sandbox new, opened at tests/core/test_sandbox.py:{line}>"
    with sandbox:
        assert repr(sandbox) == f"<bigfoot Sandbox open, opened at tests/core/test_sandbox.py:{line}>"
        with pytest.raises(InvalidStateError) as info:
            sandbox.__enter__()
        assert str(info.value) == (
            f"This sandbox (opened at tests/core/test_sandbox.py:{line}) was entered before; a sandbox is entered "
            "once. Call verifier.sandbox() again for a new one."
        )
        assert depth() == 1  # the refused entry took no patch
    with pytest.raises(InvalidStateError, match="was entered before"):
        with sandbox:
            pass  # pragma: no cover
    assert sandbox.closed and repr(sandbox) == f"<bigfoot Sandbox closed, opened at tests/core/test_sandbox.py:{line}>"
    sandbox.close()  # closing again does nothing
    assert_restored()


def test_nested_sandboxes_route_to_the_innermost_verifier(verifier: StrictVerifier, plugin: SubprocessPlugin) -> None:
    inner_verifier = StrictVerifier()
    inner = SubprocessPlugin(inner_verifier)
    plugin.new_session().expect("run", returns=done("outer"))
    plugin.new_session().expect("run", returns=done("outer-again"))
    inner.new_session().expect("run", returns=done("inner"))
    with verifier.sandbox():
        assert subprocess.run(["outer"]).args == ["outer"]
        with inner_verifier.sandbox():
            assert subprocess.run(["inner"]).args == ["inner"]
            with verifier.sandbox():
                assert subprocess.run(["outer-again"]).args == ["outer-again"]
                assert depth() == 3
            assert depth() == 2
        assert depth() == 1
    assert_restored()
    plugin.assert_run(popenargs=[["outer"]])
    plugin.assert_run(popenargs=[["outer-again"]])
    inner.assert_run(popenargs=[["inner"]])
    verifier.verify_all()
    inner_verifier.verify_all()


def test_calls_outside_every_sandbox_reach_the_real_function(verifier: StrictVerifier) -> None:
    assert real_python("print(6 * 7)") == "42\n"
    with verifier.sandbox():
        pass
    assert real_python("print(6 * 8)") == "48\n"
    assert verifier.interactions == []


def test_a_call_outside_a_sandbox_open_in_another_thread_reaches_the_real_function() -> None:
    started, release = threading.Event(), threading.Event()

    def other_test() -> None:
        with StrictVerifier().sandbox():
            started.set()
            release.wait(5)

    thread = threading.Thread(target=other_test)
    thread.start()
    try:
        assert started.wait(5)
        assert subprocess.run.__code__ is not REAL_RUN_CODE  # patched for the other thread's sandbox
        assert real_python("print('real')") == "real\n"
    finally:
        release.set()
        thread.join()
    assert_restored()


async def test_concurrent_tasks_with_their_own_verifiers_never_cross() -> None:
    async def one_test(n: int) -> None:
        verifier = StrictVerifier()
        plugin = SubprocessPlugin(verifier)
        plugin.new_session().expect("run", returns=done(str(n)))
        plugin.new_session().expect("check_output", returns=f"out {n}")
        async with verifier.sandbox():
            await asyncio.sleep(0)  # let the other tasks interleave
            assert subprocess.run([str(n)]).args == [str(n)]
            await asyncio.sleep(0)
            assert subprocess.check_output(["echo", str(n)]) == f"out {n}"
        plugin.assert_run(popenargs=[[str(n)]])
        plugin.assert_check_output(popenargs=[["echo", str(n)]])
        verifier.verify_all()

    await asyncio.gather(*(one_test(n) for n in range(30)))
    assert_restored()


def test_verifiers_in_two_threads_at_the_same_time() -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            verifier = StrictVerifier()
            plugin = SubprocessPlugin(verifier)
            plugin.new_session().expect("run", returns=done(str(n)))
            with verifier.sandbox():
                barrier.wait(5)  # both sandboxes are open now
                assert subprocess.run([str(n)]).args == [str(n)]
                barrier.wait(5)
            plugin.assert_run(popenargs=[[str(n)]])
            verifier.verify_all()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_restored()


async def test_a_task_outliving_its_sandbox_gets_invalid_state_error(verifier: StrictVerifier) -> None:
    other = StrictVerifier()
    other_plugin = SubprocessPlugin(other)
    other_plugin.new_session().expect("run", returns=done("x"))  # the stray task must never take it
    go = asyncio.Event()

    async def stray() -> None:
        await go.wait()
        subprocess.run(["x"])

    line = line_of_next_statement()
    with verifier.sandbox():
        task = asyncio.ensure_future(stray())  # the sandbox closes while the task still waits
    async with other.sandbox():
        go.set()
        with pytest.raises(InvalidStateError) as info:
            await task
    assert str(info.value) == (
        f"subprocess.run() was called from code started inside the bigfoot sandbox opened at "
        f"tests/core/test_sandbox.py:{line}, but that sandbox has closed. Await the task (or finish the work) before "
        "the sandbox ends, or open a sandbox around the code that makes the call."
    )
    assert other.interactions == [] and len(other_plugin.unused_steps()) == 1
    assert_restored()


def test_an_unmocked_error_leaving_nested_sandboxes_is_surfaced_once(verifier: StrictVerifier) -> None:
    with pytest.raises(UnmockedInteractionError):
        with verifier.sandbox():
            with verifier.sandbox():
                subprocess.run(["x"])
    verifier.verify_all()


def test_an_unmocked_error_wrapped_by_the_code_counts_as_surfaced(verifier: StrictVerifier) -> None:
    with pytest.raises(RuntimeError) as info:
        with verifier.sandbox():
            try:
                subprocess.run(["x"])
            except UnmockedInteractionError as exc:
                raise RuntimeError("the tool failed") from exc
    assert isinstance(info.value.__cause__, UnmockedInteractionError)
    verifier.verify_all()


def test_an_unmocked_error_swallowed_inside_the_block_is_kept_for_verification(verifier: StrictVerifier) -> None:
    with verifier.sandbox():
        with contextlib.suppress(UnmockedInteractionError):
            subprocess.run(["x"])
    with pytest.raises(UnmockedInteractionError, match=r"^1 unmocked call\(s\) were made and swallowed"):
        verifier.verify_all()


def test_a_sandbox_closed_from_another_context_still_releases_the_patch() -> None:
    verifier = StrictVerifier()
    sandbox = verifier.sandbox()
    before = depth()

    def enter() -> None:
        sandbox.__enter__()

    context = contextvars.copy_context()
    context.run(enter)
    assert depth() == before + 1
    sandbox.close()  # from this context, not the one that entered it
    assert depth() == before and sandbox.closed
