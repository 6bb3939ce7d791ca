"""The pytest plugin (docs/pytest.md), exercised in throwaway pytest sessions."""

from __future__ import annotations

import inspect

import pytest

from .guide import test_seed_guide

pytest_plugins = ["pytester"]

# The guide's own first example, as tests/asyncpg/guide/test_seed_guide.py holds it verbatim.
GUIDE_TEST = "import bigfoot\n\n" + inspect.getsource(test_seed_guide.test_fetch_users)

FAILING_TESTS = """
import asyncpg
import bigfoot

async def test_unasserted():
    bigfoot.asyncpg_mock.new_session().expect("connect")
    with bigfoot:
        await asyncpg.connect(host="db")

async def test_unused():
    bigfoot.asyncpg_mock.new_session().expect("connect")

def test_fixture(bigfoot_verifier):
    assert bigfoot.asyncpg_mock.verifier is bigfoot_verifier
    assert bigfoot.current_verifier() is bigfoot_verifier
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_it=source)
    loop_scope = "" if "no:asyncio" in args else "asyncio_default_fixture_loop_scope = function\n"
    pytester.makeini(f"[pytest]\n{loop_scope}filterwarnings = error\n")
    # The inner session keeps file order (no pytest-randomly): some checks read its report in order.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_guide_example_in_auto_mode(pytester: pytest.Pytester) -> None:
    result = run(pytester, GUIDE_TEST, "--asyncio-mode=auto")
    result.assert_outcomes(passed=1)


def test_strict_mode(pytester: pytest.Pytester) -> None:
    source = "import pytest\n" + GUIDE_TEST.replace("async def test_", "@pytest.mark.asyncio\nasync def test_")
    run(pytester, source, "--asyncio-mode=strict").assert_outcomes(passed=1)


def test_anyio(pytester: pytest.Pytester) -> None:
    source = "import pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n" + GUIDE_TEST.replace(
        "async def test_", "@pytest.mark.anyio\nasync def test_"
    )
    run(pytester, source, "-p", "no:asyncio").assert_outcomes(passed=1)


def test_verification_failures_are_reported_at_teardown_of_the_right_test(pytester: pytest.Pytester) -> None:
    result = run(pytester, FAILING_TESTS, "--asyncio-mode=auto")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unasserted*",
            "*1 interaction(s) were not asserted. Assert them, in this order:",
            "*    bigfoot.asyncpg_mock.assert_connect(host='db')",
            "*ERROR at teardown of test_unused*",
            "*session #1 step 1 'connect' (scripted at test_it.py:10)",
        ]
    )
    # bigfoot's internals are hidden from the failure report
    assert "raise UnusedMocksError" not in result.stdout.str()


def test_unmocked_call_fails_the_test_once(pytester: pytest.Pytester) -> None:
    source = """
import asyncpg, bigfoot

async def test_unmocked():
    with bigfoot:
        await asyncpg.connect(host="db")
"""
    result = run(pytester, source, "--asyncio-mode=auto")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*UnmockedInteractionError: Unmocked call: asyncpg.connect(host='db'), but no session*"]
    )


def test_each_test_gets_a_fresh_verifier(pytester: pytest.Pytester) -> None:
    source = """
import bigfoot
seen = []

def test_one(bigfoot_verifier):
    seen.append(bigfoot_verifier)
    bigfoot.asyncpg_mock.new_session().expect("connect", required=False)

def test_two(bigfoot_verifier):
    seen.append(bigfoot_verifier)
    assert seen[0] is not seen[1]
    from bigfoot.plugins.asyncpg import AsyncpgPlugin
    assert bigfoot_verifier.get_plugin(AsyncpgPlugin) is None  # nothing used it in this test
"""
    run(pytester, source).assert_outcomes(passed=2)
