"""The current test's verifier (bigfoot._current): ``with bigfoot:``, the plugin proxies and ``in_any_order``."""

from __future__ import annotations

import asyncio
import contextvars
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import bigfoot
from bigfoot import NoActiveVerifierError, StrictVerifier
from bigfoot._current import CURRENT, install, uninstall
from bigfoot._patching import depth

from .subprocess_plugin import SubprocessPlugin


def done(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(list(args), 0)


def no_verifier_message(what: str) -> str:
    return (
        f"No bigfoot verifier is active here, so {what} has nothing to work on. A test gets one from the pytest "
        "plugin (installed with bigfoot, automatic for every test), from bigfoot.BigfootMixin or "
        "bigfoot.BigfootTestCase in unittest and Django, or by hand: verifier = bigfoot.StrictVerifier(), then "
        "`with verifier.sandbox():`."
    )


def outside_any_test(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` where no verifier is installed (the pytest plugin installs one for every test)."""
    return contextvars.Context().run(fn)


def test_with_bigfoot_opens_a_sandbox_on_the_current_tests_verifier(bigfoot_verifier: StrictVerifier) -> None:
    bigfoot.subprocess_mock.new_session().expect("run", returns=done("ls"))
    with bigfoot as entered:
        assert entered is bigfoot_verifier and depth() == 1
        assert subprocess.run(["ls"]).args == ["ls"]
    assert depth() == 0
    assert bigfoot.subprocess_mock.verifier is bigfoot_verifier
    bigfoot.subprocess_mock.assert_run(popenargs=[["ls"]])


async def test_async_with_bigfoot(bigfoot_verifier: StrictVerifier) -> None:
    bigfoot.subprocess_mock.new_session().expect("check_output", returns=b"hi")
    async with bigfoot as entered:
        assert subprocess.check_output(["echo", "hi"]) == b"hi"
    assert entered is bigfoot_verifier and depth() == 0
    bigfoot.subprocess_mock.assert_check_output(popenargs=[["echo", "hi"]])


async def test_many_tasks_enter_and_leave_with_bigfoot_in_any_order() -> None:
    for n in range(20):
        bigfoot.subprocess_mock.new_session().expect("run", returns=done(str(n)))

    async def task(n: int) -> None:
        await asyncio.sleep(0.001 * (n % 3))
        async with bigfoot:
            await asyncio.sleep(0.001 * (n % 5))
            subprocess.run([str(n)])
            await asyncio.sleep(0.001 * ((n * 7) % 4))

    await asyncio.gather(*(task(n) for n in range(20)))
    assert depth() == 0
    with bigfoot.in_any_order():
        for n in reversed(range(20)):
            bigfoot.subprocess_mock.assert_run(popenargs=[[str(n)]])


def test_the_proxy_stands_for_the_current_tests_plugin_created_on_first_use(bigfoot_verifier: StrictVerifier) -> None:
    assert bigfoot_verifier.get_plugin(SubprocessPlugin) is None
    handle = bigfoot.subprocess_mock.new_session()
    plugin = bigfoot_verifier.get_plugin(SubprocessPlugin)
    assert plugin is not None and handle.number == 1
    assert bigfoot.subprocess_mock.assert_run == plugin.assert_run  # the same bound method of the same plugin
    other = StrictVerifier()
    token = install(other)
    try:
        assert bigfoot.subprocess_mock.verifier is other  # the proxy follows the installed verifier
    finally:
        uninstall(token)
    assert bigfoot.current_verifier() is bigfoot_verifier and CURRENT.get() is bigfoot_verifier
    assert other.get_plugin(SubprocessPlugin) is not None


def test_dir_and_repr_of_the_proxy_create_no_plugin(bigfoot_verifier: StrictVerifier) -> None:
    names = dir(bigfoot.subprocess_mock)
    assert {"new_session", "assert_run", "assert_check_output"} <= set(names)
    assert repr(bigfoot.subprocess_mock) == (
        "<bigfoot.subprocess_mock proxy: <StrictVerifier: 0 interaction(s), 0 plugin(s)>>"
    )
    with pytest.raises(AttributeError):
        bigfoot.subprocess_mock.__wrapped__  # dunder lookups (as inspect and mock do) are not forwarded
    assert bigfoot_verifier.get_plugin(SubprocessPlugin) is None
    assert repr(outside_any_test(lambda: repr(bigfoot.subprocess_mock))) == repr(
        "<bigfoot.subprocess_mock proxy: no active verifier>"
    )


def test_with_bigfoot_outside_a_test_explains_how_to_get_a_verifier() -> None:
    def enter() -> None:
        with bigfoot:
            pass  # pragma: no cover

    with pytest.raises(NoActiveVerifierError) as info:
        outside_any_test(enter)
    assert str(info.value) == no_verifier_message("`with bigfoot:`")
    assert depth() == 0


def test_everything_that_needs_a_verifier_says_what_was_used_outside_a_test() -> None:
    async def enter() -> None:
        async with bigfoot:
            pass  # pragma: no cover

    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: asyncio.run(enter()), "`async with bigfoot:`"),
        (lambda: bigfoot.subprocess_mock.new_session(), "bigfoot.subprocess_mock"),
        (bigfoot.in_any_order, "bigfoot.in_any_order()"),
        (bigfoot.current_verifier, "this"),
    ]
    for fn, what in cases:
        with pytest.raises(NoActiveVerifierError) as info:
            outside_any_test(fn)
        assert str(info.value) == no_verifier_message(what)


def test_in_any_order_applies_to_the_current_tests_assertions() -> None:
    bigfoot.subprocess_mock.new_session().expect("run", returns=done("a"))
    bigfoot.subprocess_mock.new_session().expect("run", returns=done("b"))
    with bigfoot:
        subprocess.run(["a"])
        subprocess.run(["b"])
    with bigfoot.in_any_order():
        bigfoot.subprocess_mock.assert_run(popenargs=[["b"]])
        bigfoot.subprocess_mock.assert_run(popenargs=[["a"]])


def test_unknown_module_attribute() -> None:
    with pytest.raises(AttributeError) as info:
        bigfoot.nope  # type: ignore[attr-defined]
    assert str(info.value) == "module 'bigfoot' has no attribute 'nope'"


def test_uninstall_from_another_context_clears_the_verifier() -> None:
    context = contextvars.Context()

    def body() -> None:
        token = install(StrictVerifier())
        contextvars.copy_context().run(uninstall, token)  # a runner that moved contexts
        assert CURRENT.get() is not None  # this context keeps it ...
        uninstall(token)
        assert CURRENT.get() is None

    context.run(body)


def test_import_bigfoot_loads_no_test_runner_and_no_library() -> None:
    heavy = ("asyncpg", "pytest", "asyncio", "unittest", "inspect", "threading")
    code = (
        "import sys; before = set(sys.modules); import bigfoot; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules and m not in before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "[]\n"
