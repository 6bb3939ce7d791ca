"""Settings per test, class and suite: one model (bigfoot.settings) for the decorator, the mixin's class attribute,
pytest's marker and ini options, and the environment, the nearest level winning."""

from __future__ import annotations

import unittest
from typing import Any, ClassVar

import asyncpg
import pytest

import bigfoot
from bigfoot import BigfootTestCase, Settings, UnassertedInteractionsError, UnmockedInteractionError, UnusedMocksError

INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
{extra}
"""

SUITE = """\
import asyncpg
import pytest

import bigfoot


def script():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=1).expect("close")


async def run():
    async with bigfoot:
        conn = await asyncpg.connect(host="db")
        await conn.fetchval("SELECT 1")
        await conn.close()


async def test_suite_level():
    script()
    await run()
    bigfoot.asyncpg_mock.assert_connect(host="db")
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 1", args=[])


@bigfoot.settings(unasserted_ok=[])
async def test_decorator_tightens_again():
    script()
    await run()
    bigfoot.asyncpg_mock.assert_connect(host="db")
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 1", args=[])


@pytest.mark.bigfoot(unasserted_ok=["connect", "close"])
async def test_marker_relaxes_more():
    script()
    await run()
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 1", args=[])


@pytest.mark.bigfoot(report_unused_optional=True)
async def test_marker_reports_unused_optional_steps():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("execute", returns="SET", required=False)
    async with bigfoot:
        await asyncpg.connect(host="db")
    bigfoot.asyncpg_mock.assert_connect(host="db")


@pytest.mark.bigfoot(guard="all")
async def test_marker_guards_a_test_that_never_uses_bigfoot():
    await asyncpg.connect(host="db.invalid")


@pytest.mark.bigfoot(unasserted_ok=["close"])
class TestClassLevel:
    async def test_class_marker(self):
        script()
        await run()
        bigfoot.asyncpg_mock.assert_connect(host="db")
        bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 1", args=[])

    @bigfoot.settings(unasserted_ok=[])
    async def test_test_level_beats_the_class(self):
        script()
        await run()
        bigfoot.asyncpg_mock.assert_connect(host="db")
        bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 1", args=[])


@pytest.mark.bigfoot(guard="strict")
def test_a_bad_marker_value():
    pass
"""


def outcomes(result: pytest.RunResult) -> dict[str, set[str]]:
    """Each test's outcomes in pytest's -rA summary: PASSED, FAILED, ERROR (at set-up or teardown)."""
    found: dict[str, set[str]] = {}
    for line in result.outlines:
        head = line.split(" - ", 1)[0]
        if "test_app.py::" in head and head.split(" ", 1)[0] in ("PASSED", "FAILED", "ERROR"):
            found.setdefault(head.rsplit("::", 1)[1], set()).add(head.split(" ", 1)[0])
    return found


def run(pytester: pytest.Pytester, ini: str = "") -> pytest.RunResult:
    pytester.makeini(INI.format(extra=ini))
    pytester.makepyfile(test_app=SUITE)
    return pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider", "-rA")


def test_each_level_and_the_nearest_wins_under_pytest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("BIGFOOT_GUARD", "BIGFOOT_UNASSERTED_OK", "BIGFOOT_REPORT_UNUSED_OPTIONAL"):
        monkeypatch.delenv(variable, raising=False)
    result = run(pytester, ini="bigfoot_unasserted_ok = close")
    assert outcomes(result) == {
        "test_suite_level": {"PASSED"},  # the ini file lets close go unasserted
        "test_decorator_tightens_again": {"PASSED", "ERROR"},
        "test_marker_relaxes_more": {"PASSED"},
        "test_marker_reports_unused_optional_steps": {"PASSED", "ERROR"},
        "test_marker_guards_a_test_that_never_uses_bigfoot": {"FAILED"},
        "test_class_marker": {"PASSED"},
        "test_test_level_beats_the_class": {"PASSED", "ERROR"},
        "test_a_bad_marker_value": {"ERROR"},
    }
    output = result.stdout.str()
    assert "1 interaction(s) were not asserted. Assert them, in this order:" in output
    assert "optional ones are reported too: report_unused_optional is on" in output
    assert "asyncpg.connect() was called outside any bigfoot sandbox" in output
    assert (
        "ValueError: pytest.mark.bigfoot(): guard='strict' is not a guard setting. Use 'tests' (the default: guard "
        "the tests that use bigfoot), 'all' (guard every test) or 'off'."
    ) in output

    # The environment wins over the ini file: now close must be asserted again, connect need not be.
    monkeypatch.setenv("BIGFOOT_UNASSERTED_OK", "connect")
    result = run(pytester, ini="bigfoot_unasserted_ok = close")
    assert outcomes(result)["test_suite_level"] == {"PASSED", "ERROR"}
    assert "bigfoot.asyncpg_mock.assert_close()" in result.stdout.str()


def test_a_bad_ini_value_names_the_option(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIGFOOT_REPORT_UNUSED_OPTIONAL", raising=False)
    pytester.makeini(INI.format(extra="bigfoot_report_unused_optional = maybe"))
    pytester.makepyfile(test_app="def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert (
        "ValueError: ini option bigfoot_report_unused_optional: 'maybe' is not true or false "
        "(write 1/true/yes or 0/false/no)."
    ) in result.stdout.str()


def test_settings_are_checked_when_given() -> None:
    with pytest.raises(TypeError, match=r"^bigfoot.settings\(\): unknown setting 'gaurd'. Did you mean 'guard'\?"):
        bigfoot.settings(gaurd="off")
    with pytest.raises(ValueError, match=r"guard='on' is not a guard setting"):
        bigfoot.settings(guard="on")
    with pytest.raises(TypeError, match=r"unasserted_ok must be a list of step names such as \['close'\], got str"):
        bigfoot.settings(unasserted_ok="close")
    with pytest.raises(ValueError, match=r"unasserted_ok names 'clsoe', which no plugin has as a step name. Did you"):
        bigfoot.settings(unasserted_ok=["clsoe"])
    with pytest.raises(TypeError, match=r"report_unused_optional must be True or False, got 'yes'"):
        bigfoot.settings(report_unused_optional="yes")
    with pytest.raises(TypeError, match=r"decorates a test function or class, got int 3"):
        bigfoot.settings(guard="off")(3)


def test_stacked_decorators_merge_and_the_innermost_wins() -> None:
    @bigfoot.settings(guard="off", unasserted_ok=["close"])
    @bigfoot.settings(guard="all")
    def test() -> None:
        pass

    given = test.__bigfoot_settings__  # type: ignore[attr-defined]
    assert given == Settings({"guard": "all", "unasserted_ok": ("close",)})
    assert repr(given) == "bigfoot.settings(guard='all', unasserted_ok=('close',))"
    assert (given.guard, given.unasserted_ok, given.report_unused_optional) == ("all", {"close"}, False)


def test_the_mixin_reads_the_class_attribute_the_method_decorator_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BIGFOOT_REPORT_UNUSED_OPTIONAL", "yes")
    monkeypatch.delenv("BIGFOOT_UNASSERTED_OK", raising=False)
    monkeypatch.delenv("BIGFOOT_GUARD", raising=False)

    class Suite(BigfootTestCase):
        bigfoot_settings = bigfoot.settings(unasserted_ok=["close"])

        async def script_and_run(self) -> None:
            self.asyncpg_mock.new_session().expect("connect").expect("close").expect(
                "execute", returns="SET", required=False
            )
            async with self.bigfoot_verifier.sandbox():
                conn = await asyncpg.connect(host="db")
                await conn.close()
            self.asyncpg_mock.assert_connect(host="db")

        async def test_class_and_environment(self) -> None:
            await self.script_and_run()  # close unasserted is fine; the unused optional execute is not

        @bigfoot.settings(unasserted_ok=[], report_unused_optional=False)
        async def test_method_level(self) -> None:
            await self.script_and_run()  # the optional step may go unused; close must be asserted

        @bigfoot.settings(guard="all")
        async def test_guard_all(self) -> None:
            await asyncpg.connect(host="db.invalid")

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Suite).run(result)
    failed = {case.id().rsplit(".", 1)[1]: text for case, text in result.failures}
    assert set(failed) == {"test_class_and_environment", "test_method_level", "test_guard_all"}
    assert UnusedMocksError.__name__ in failed["test_class_and_environment"]
    assert "report_unused_optional is on" in failed["test_class_and_environment"]
    assert UnassertedInteractionsError.__name__ in failed["test_method_level"]
    assert "self.asyncpg_mock.assert_close()" in failed["test_method_level"]
    assert UnmockedInteractionError.__name__ in failed["test_guard_all"]
    assert "outside any bigfoot sandbox" in failed["test_guard_all"]


def test_a_bad_class_attribute_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class Suite(BigfootTestCase):
        bigfoot_settings: ClassVar[Any] = {"guard": "off"}

        async def test_nothing(self) -> None:
            pass

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Suite).run(result)
    assert len(result.errors) == 1
    assert ".Suite'.bigfoot_settings must be made with bigfoot.settings(...), got dict" in result.errors[0][1]
