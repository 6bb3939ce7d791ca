"""bigfoot's errors cross process boundaries: pickling, Django's ``--parallel`` runner and pytest-xdist.

Parallel runners send each failure from a worker process to the parent by pickling it, so every error must pickle
with its message and its data attributes, even when those point at things that cannot be pickled (a plugin, a
recorded callback); those arrive as ``StandIn`` objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import pickle
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import bigfoot.errors
from bigfoot import StrictVerifier, _validating
from bigfoot._script import Step
from bigfoot._timeline import Interaction
from bigfoot.errors import BigfootError, StandIn
from bigfoot.plugins.asyncpg import AsyncpgPlugin

pytest_plugins = ["pytester"]


def _raised(action: Callable[[], Any]) -> BigfootError:
    try:
        action()
    except BigfootError as exc:
        return exc
    raise AssertionError("nothing was raised")


def _in_sandbox(verifier: StrictVerifier, code: Callable[[], Any]) -> None:
    async def main() -> None:
        with verifier.sandbox():
            await code()

    contextvars.Context().run(asyncio.run, main())


def _with_listener(apg: AsyncpgPlugin, *extra: str) -> StrictVerifier:
    """A connection that recorded a callback (a local function: it cannot be pickled) and then ``extra`` calls."""
    session = apg.new_session().expect("connect").expect("add_listener")
    for step in extra:
        session.expect(step)

    async def code() -> None:
        conn = await asyncpg.connect(host="db", password="hunter2")
        await conn.add_listener("jobs", lambda *args: None)

    _in_sandbox(apg.verifier, code)
    return apg.verifier


def unmocked_no_session() -> BigfootError:
    verifier = StrictVerifier()
    AsyncpgPlugin(verifier)
    found: list[BigfootError] = []

    async def code() -> None:
        try:
            await asyncpg.connect(host="db")
        except BigfootError as exc:
            found.append(exc)

    _in_sandbox(verifier, code)
    return found[0]


def unmocked_wrong_step() -> BigfootError:
    verifier = StrictVerifier()
    AsyncpgPlugin(verifier).new_session().expect("connect").expect("fetchval", returns=1)
    found: list[BigfootError] = []

    async def code() -> None:
        conn = await asyncpg.connect()
        try:
            await conn.fetch("SELECT $1::int", 7)
        except BigfootError as exc:
            found.append(exc)

    _in_sandbox(verifier, code)
    return found[0]


def unmocked_swallowed() -> BigfootError:
    verifier = StrictVerifier()
    AsyncpgPlugin(verifier)

    async def code() -> None:
        with contextlib.suppress(BigfootError):
            await asyncpg.connect()

    _in_sandbox(verifier, code)
    return _raised(verifier.verify_all)


def mismatch() -> BigfootError:
    apg = AsyncpgPlugin(StrictVerifier())
    _with_listener(apg)
    return _raised(lambda: apg.assert_add_listener(channel="other", callback=None))


def missing_fields() -> BigfootError:
    apg = AsyncpgPlugin(StrictVerifier())
    _with_listener(apg)
    apg.assert_connect(host="db", password="hunter2")
    return _raised(lambda: apg.assert_add_listener(channel="jobs"))


def unasserted() -> BigfootError:
    return _raised(_with_listener(AsyncpgPlugin(StrictVerifier())).verify_all)


def unused() -> BigfootError:
    apg = AsyncpgPlugin(StrictVerifier())
    apg.new_session().expect("connect").expect("close")
    return _raised(apg.verifier.verify_all)


def verification() -> BigfootError:
    return _raised(_with_listener(AsyncpgPlugin(StrictVerifier()), "close").verify_all)


def no_verifier() -> BigfootError:
    def enter() -> None:
        with bigfoot:
            pass

    return _raised(lambda: contextvars.Context().run(enter))


def invalid_state() -> BigfootError:
    sandbox = StrictVerifier().sandbox()
    with sandbox:
        pass

    def again() -> None:
        with sandbox:
            pass

    return _raised(again)


def script_validation() -> BigfootError:
    class Checked(AsyncpgPlugin):
        def validate(self, target: str) -> list[str]:
            return [f"conn.fetch('SELECT nmae FROM users') (scripted at app.py:1): differs at {target}"]

    verifier = StrictVerifier()
    Checked(verifier)
    return _raised(lambda: _validating.check(verifier, "postgresql://app:hunter2@db/shop"))


PROVOKED: dict[str, Callable[[], BigfootError]] = {
    "BigfootError": lambda: BigfootError("the base class, as a plugin might raise it"),
    "UnmockedInteractionError/no session": unmocked_no_session,
    "UnmockedInteractionError/wrong step": unmocked_wrong_step,
    "UnmockedInteractionError/swallowed": unmocked_swallowed,
    "InteractionMismatchError": mismatch,
    "MissingAssertionFieldsError": missing_fields,
    "UnassertedInteractionsError": unasserted,
    "UnusedMocksError": unused,
    "VerificationError": verification,
    "NoActiveVerifierError": no_verifier,
    "InvalidStateError": invalid_state,
    "ScriptValidationError": script_validation,
}


def test_every_error_class_is_provoked() -> None:
    classes = {
        name
        for name in bigfoot.errors.__all__
        if isinstance(getattr(bigfoot.errors, name), type) and issubclass(getattr(bigfoot.errors, name), BaseException)
    }
    provoked = {type(make()).__name__ for make in PROVOKED.values()}
    assert provoked == classes


def _plain(value: Any) -> Any:
    """What an attribute looks like after pickling: bigfoot's objects become their text."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, BaseException):
        return (type(value), str(value))
    if isinstance(value, Step):
        return value.describe()
    if isinstance(value, Interaction):
        return value.assertion_line()
    if isinstance(value, StandIn) or callable(value):
        return repr(value)
    return value


@pytest.mark.parametrize("name", sorted(PROVOKED))
def test_error_round_trips_through_pickle(name: str) -> None:
    error = PROVOKED[name]()
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert set(vars(copy)) == set(vars(error))
    for attribute, value in vars(error).items():
        assert _plain(getattr(copy, attribute)) == _plain(value), attribute
    # what did pickle stays itself; a second trip changes nothing
    again = pickle.loads(pickle.dumps(copy))
    assert str(again) == str(error) and vars(again) == vars(copy)


def test_unpicklable_attributes_become_readable_stand_ins() -> None:
    error = verification()
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, bigfoot.VerificationError)
    listener = copy.unasserted[1]
    assert isinstance(listener, StandIn) and listener.kind == "Interaction"
    assert repr(listener).startswith("bigfoot.asyncpg_mock.assert_add_listener(channel='jobs', callback=<function")
    assert listener.method == "add_listener" and listener.session == 1 and not listener.asserted
    assert listener.fields["channel"] == "jobs"
    assert isinstance(listener.fields["callback"], StandIn) and listener.fields["callback"].kind == "function"
    (step,) = copy.unused
    assert step.kind == "Step" and step.method == "close" and step.position == 3
    assert repr(step) == error.unused[0].describe()
    unmocked = unmocked_wrong_step()
    assert isinstance(unmocked, bigfoot.UnmockedInteractionError) and unmocked.expected is not None
    assert repr(pickle.loads(pickle.dumps(unmocked)).expected) == unmocked.expected.describe()


def test_a_broken_repr_does_not_stop_pickling() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    error = bigfoot.UnmockedInteractionError(
        "message",
        method="fetch",
        fields={"query": "SELECT 1", "args": [Broken()]},
        session=1,
        expected=None,
        hint="hint",
    )
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "message" and copy.fields["query"] == "SELECT 1"
    assert repr(copy.fields["args"][0]) == "<unprintable: RuntimeError>"


# -- Django's parallel runner --------------------------------------------------------------------------------------

MANAGE = """
import sys

import django
from django.conf import settings

settings.configure(DEBUG=False, INSTALLED_APPS=[], DATABASES={}, SECRET_KEY="throwaway", USE_TZ=True)
django.setup()

from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""

DJANGO_SUITE = """
import asyncio

import asyncpg
from django.test import SimpleTestCase

import bigfoot


class Failing(bigfoot.BigfootMixin, SimpleTestCase):
    async def test_unasserted(self):
        self.asyncpg_mock.new_session().expect("connect")
        with bigfoot:
            await asyncpg.connect(host="db", password="hunter2")

    async def test_mismatch(self):
        self.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=1)
        with bigfoot:
            conn = await asyncpg.connect()
            await conn.fetchval("SELECT 1")
        self.asyncpg_mock.assert_connect()
        self.asyncpg_mock.assert_fetchval(query="SELECT 2", args=[])

    async def test_passes(self):
        self.asyncpg_mock.new_session().expect("connect")
        with bigfoot:
            await asyncpg.connect()
        self.asyncpg_mock.assert_connect()


class FailingSubTests(bigfoot.BigfootMixin, SimpleTestCase):
    # Django cannot send failed subtests of *async* test methods from a worker at all (a limitation of its own,
    # with or without bigfoot), so the subtests run in a synchronous test.
    def test_subtests(self):
        self.asyncpg_mock.new_session().expect("connect").expect("add_listener").expect("close")

        async def code_under_test():
            with bigfoot:
                conn = await asyncpg.connect()
                await conn.add_listener("jobs", lambda *args: None)
                with self.subTest("unmocked"):
                    await conn.fetch("SELECT 1")

        asyncio.run(code_under_test())
        with self.subTest("missing fields"):
            self.asyncpg_mock.assert_connect()
            self.asyncpg_mock.assert_add_listener(channel="jobs")
        with self.subTest("passes"):
            pass

    async def test_swallowed_and_unused(self):
        self.asyncpg_mock.new_session().expect("connect").expect("close")
        with bigfoot:
            conn = await asyncpg.connect()
            try:
                await conn.execute("SELECT 1")
            except bigfoot.UnmockedInteractionError:
                pass
        self.asyncpg_mock.assert_connect()
"""


def _django_run(folder: Path, *args: str) -> tuple[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "manage.py", "test", "test_suite", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    summary = re.findall(r"^FAILED \(.*\)$", output, re.M)
    headers = sorted(re.findall(r"^(?:FAIL|ERROR): .*$", output, re.M))
    assert summary, output
    assert "cannot be pickled" not in output, output
    return summary[-1], headers


def test_django_parallel_runner_reports_the_same_failures(tmp_path: Path) -> None:
    pytest.importorskip("django")
    pytest.importorskip("tblib", reason="Django's --parallel runner needs tblib to send failures between processes")
    (tmp_path / "manage.py").write_text(MANAGE)
    (tmp_path / "test_suite.py").write_text(DJANGO_SUITE)
    sequential = _django_run(tmp_path)
    parallel = _django_run(tmp_path, "--parallel", "2")
    assert sequential[0] == "FAILED (failures=6)"  # test_mismatch fails once: verification's findings join it
    assert parallel == sequential
    # Python 3.11 added the method's name to a test's id in these headers; 3.10 prints the class alone.
    header = "FAIL: test_subtests (test_suite.FailingSubTests{}) [missing fields]"
    assert header.format(".test_subtests" if sys.version_info >= (3, 11) else "") in sequential[1]


# -- pytest-xdist ----------------------------------------------------------------------------------------------------

XDIST_SUITE = """
import asyncpg
import bigfoot


async def test_unasserted():
    bigfoot.asyncpg_mock.new_session().expect("connect")
    with bigfoot:
        await asyncpg.connect(host="db", password="hunter2")


async def test_unused():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")
    with bigfoot:
        await asyncpg.connect()
    bigfoot.asyncpg_mock.assert_connect()


async def test_missing_fields():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("add_listener")
    with bigfoot:
        conn = await asyncpg.connect()
        await conn.add_listener("jobs", lambda *args: None)
    bigfoot.asyncpg_mock.assert_connect()
    bigfoot.asyncpg_mock.assert_add_listener(channel="jobs")


async def test_swallowed():
    with bigfoot:
        try:
            await asyncpg.connect()
        except bigfoot.UnmockedInteractionError:
            pass


async def test_passes():
    bigfoot.asyncpg_mock.new_session().expect("connect")
    with bigfoot:
        await asyncpg.connect()
    bigfoot.asyncpg_mock.assert_connect()
"""


def _xdist_run(pytester: pytest.Pytester, *args: str) -> tuple[dict[str, int], list[str], str]:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-rfE", *args)
    lines = sorted(
        re.sub(r"^(\w+) (?:\[gw\d\] \S+ )?", r"\1 ", line).split(" - ")[0]
        for line in result.outlines
        if line.startswith(("FAILED ", "ERROR "))
    )
    return result.parseoutcomes(), lines, result.stdout.str()


def test_pytest_xdist_reports_the_same_failures(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_it=XDIST_SUITE)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    sequential = _xdist_run(pytester)
    parallel = _xdist_run(pytester, "-n", "2")
    # The failed test's verification findings are a section of its report, which workers send with it.
    assert sequential[0] == {"passed": 4, "failed": 1, "errors": 3}
    assert parallel[0] == sequential[0]
    assert parallel[1] == sequential[1]
    for output in (sequential[2], parallel[2]):
        assert output.count("bigfoot verification at teardown") == 1, output
