"""`with bigfoot:`, `bigfoot.asyncpg_mock` and the current test's verifier."""

from __future__ import annotations

import asyncio
import contextvars
import subprocess
import sys

import asyncpg
import pytest

import bigfoot
from bigfoot import NoActiveVerifierError, StrictVerifier
from bigfoot._current import CURRENT
from bigfoot.plugins.asyncpg import AsyncpgPlugin


async def test_with_bigfoot_uses_the_current_tests_verifier(bigfoot_verifier: StrictVerifier) -> None:
    bigfoot.asyncpg_mock.new_session().expect("connect")
    with bigfoot as entered:
        assert entered is bigfoot_verifier
        await asyncpg.connect(host="h")
    assert bigfoot.asyncpg_mock.verifier is bigfoot_verifier
    assert bigfoot_verifier.get_plugin(AsyncpgPlugin) is not None
    bigfoot.asyncpg_mock.assert_connect(host="h")


async def test_async_with_bigfoot() -> None:
    bigfoot.asyncpg_mock.new_session().expect("connect")
    async with bigfoot as verifier:
        await asyncpg.connect()
    assert isinstance(verifier, StrictVerifier)
    bigfoot.asyncpg_mock.assert_connect()


async def test_many_tasks_enter_and_leave_with_bigfoot_in_any_order() -> None:
    for _ in range(20):
        bigfoot.asyncpg_mock.new_session().expect("connect")

    async def task(n: int) -> None:
        await asyncio.sleep(0.001 * (n % 3))
        async with bigfoot:
            await asyncio.sleep(0.001 * (n % 5))
            await asyncpg.connect(host=str(n))
            await asyncio.sleep(0.001 * ((n * 7) % 4))

    await asyncio.gather(*(task(n) for n in range(20)))
    assert asyncpg.connect.__code__ is asyncpg.connection.connect.__code__
    from bigfoot._patching import depth

    assert depth() == 0
    with bigfoot.in_any_order():
        for n in range(20):
            bigfoot.asyncpg_mock.assert_connect(host=str(n))


def run_outside_any_test(fn: object) -> object:
    """Run ``fn`` in a context where no verifier is installed (the pytest plugin installs one for every test)."""
    context = contextvars.Context()
    return context.run(fn)  # type: ignore[arg-type]


def test_outside_a_test_with_bigfoot_explains_how_to_get_a_verifier() -> None:
    def enter() -> None:
        with bigfoot:
            pass

    with pytest.raises(NoActiveVerifierError) as info:
        run_outside_any_test(enter)
    assert str(info.value) == (
        "No bigfoot verifier is active here, so `with bigfoot:` has nothing to work on. A test gets one from the "
        "pytest plugin (installed with bigfoot, automatic for every test), from bigfoot.BigfootMixin or "
        "bigfoot.BigfootTestCase in unittest and Django, or by hand: verifier = bigfoot.StrictVerifier(), "
        "then `with verifier.sandbox():`."
    )


def test_outside_a_test_the_proxy_and_in_any_order_raise_too() -> None:
    with pytest.raises(NoActiveVerifierError, match=r"so bigfoot.asyncpg_mock has nothing to work on"):
        run_outside_any_test(lambda: bigfoot.asyncpg_mock.new_session())
    with pytest.raises(NoActiveVerifierError, match=r"so bigfoot.in_any_order\(\) has nothing"):
        run_outside_any_test(bigfoot.in_any_order)
    with pytest.raises(NoActiveVerifierError, match="so `async with bigfoot:` has nothing"):
        run_outside_any_test(lambda: asyncio.run(_async_enter()))
    assert repr(run_outside_any_test(lambda: repr(bigfoot.asyncpg_mock))) == repr(
        "<bigfoot.asyncpg_mock proxy: no active verifier>"
    )


async def _async_enter() -> None:
    async with bigfoot:
        pass


def test_proxy_follows_the_current_verifier(bigfoot_verifier: StrictVerifier) -> None:
    assert CURRENT.get() is bigfoot_verifier
    assert "new_session" in dir(bigfoot.asyncpg_mock) and "assert_fetch" in dir(bigfoot.asyncpg_mock)
    assert repr(bigfoot.asyncpg_mock).startswith("<bigfoot.asyncpg_mock proxy: <StrictVerifier")
    assert bigfoot.current_verifier() is bigfoot_verifier


def test_import_bigfoot_imports_neither_asyncpg_nor_pytest_nor_asyncio() -> None:
    heavy = ("asyncpg", "pytest", "asyncio", "unittest", "inspect", "threading")
    code = (
        "import sys; before = set(sys.modules); import bigfoot; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules and m not in before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_asyncpg_names_the_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['asyncpg'] = None\n"
        "import bigfoot\n"
        "from bigfoot._current import install\n"
        "install(bigfoot.StrictVerifier())\n"
        "try:\n"
        "    bigfoot.asyncpg_mock.new_session()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == (
        "bigfoot.asyncpg_mock needs asyncpg, which is not installed. "
        "Install it with: pip install asyncpg (the asyncpg extra of bigfoot-asyncpg)"
    )


def test_unknown_module_attribute() -> None:
    with pytest.raises(AttributeError, match="module 'bigfoot' has no attribute 'nope'"):
        bigfoot.nope  # type: ignore[attr-defined]
