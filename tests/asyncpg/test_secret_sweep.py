"""One sweep for secrets: a password passed every way asyncpg takes one, through every bigfoot error it can reach.

The code under test (``APP``) connects with a distinctive password per way of passing it (``Sw33p-<n>``): the
``password=`` argument (a string, a function, a coroutine function), a URL DSN's user-info (plain, percent-encoded,
with an unencoded ``@``, several hosts), the DSN's query string (``password=``, ``sslpassword=``, a percent-encoded
key), and, through ``create_pool``, a bytes DSN, libpq keyword strings (bare and quoted), connect keywords
(``password=``, ``sslpassword=``) and a ``connect=`` function that carries one. Each way then meets every error that
can involve connect arguments: an unmocked connect (raised, and swallowed then reported), a wrong assertion, an
assertion that leaves fields out, an unasserted interaction with an unused step, a wrong or missing pool assertion.

No password may appear in a message, a repr, a str, an error's attributes, a pickled error, a recorded file, or a
traceback: pytest's with ``--tb=long -l``, with ``--showlocals`` and with ``--full-trace``, and unittest's with and
without locals. The code under test keeps its passwords in module globals (never in a local of its own frames, and
its source never spells one out), so that whatever shows a password is bigfoot's.
"""

from __future__ import annotations

import io
import pickle
import sys
import traceback
import types
import unittest
from pathlib import Path
from typing import Any

import pytest

from bigfoot import BigfootError, BigfootTestCase, StrictVerifier, _recording
from bigfoot.plugins.asyncpg import AsyncpgPlugin

NEEDLE = "Sw" + "33p"  # every password starts with it

APP = """
import functools

import asyncpg
from bigfoot import UnmockedInteractionError

PW = {n: "Sw" + f"33p-{n}" for n in range(1, 21)}  # the source never spells a password out


async def _password():
    return PW[9]


# Every way asyncpg.connect() takes a password, each with a DSN its parser accepts.
CONNECTS = [
    {"host": "db", "password": PW[1]},
    {"dsn": f"postgresql://app:{PW[2]}@db/app"},
    {"dsn": f"postgres://app:{PW[3]}@ss@db/app"},
    {"dsn": f"postgresql://app:{PW[4]}%2Fx%40y%3Az@db/app"},
    {"dsn": f"postgresql://app:{PW[5]}@db1:5432,db2:5433/app"},
    {"dsn": f"postgresql://db/app?user=app&password={PW[6]}"},
    {"dsn": f"postgresql://db/app?sslmode=disable&sslpassword={PW[7]}"},
    {"host": "db", "password": lambda: PW[8]},
    {"host": "db", "password": _password},
    {"dsn": f"postgresql://app:{PW[10]}@db/app", "password": PW[11]},
    {"dsn": f"postgresql://db/app?pass%77ord={PW[12]}"},
    {"host": "db", "password": PW[13].encode()},
]
# And what create_pool() takes besides: DSNs asyncpg only parses when the pool connects, and connect keywords.
POOLS = [
    {"dsn": f"postgresql://app:{PW[14]}@db/app".encode()},
    {"dsn": f"host=db password={PW[15]} dbname=app"},
    {"dsn": f"host=db password='{PW[16]} x' dbname=app"},
    {"dsn": "postgresql://db/app", "password": PW[17], "sslpassword": PW[18]},
    {"connect": functools.partial(asyncpg.connect, password=PW[19])},
    {"dsn": f"postgresql://db/app?password={PW[20]} x"},
]


async def connect(i):
    return await asyncpg.connect(**CONNECTS[i])


async def connect_swallowing(i):
    try:
        await asyncpg.connect(**CONNECTS[i])
    except UnmockedInteractionError:
        pass


def pool(j):
    return asyncpg.create_pool(**POOLS[j])


def wrong(i):
    return {**CONNECTS[i], "port": 1}


def wrong_pool(j):
    return {**POOLS[j], "min_size": 1}
"""

CONNECT_WAYS = 12
POOL_WAYS = 6

TESTS = """
import pytest

import bigfoot
import sweep_app as app


@pytest.mark.parametrize("i", range(len(app.CONNECTS)))
async def test_unmocked(i):
    with bigfoot:
        await app.connect(i)


@pytest.mark.parametrize("i", range(len(app.CONNECTS)))
async def test_wrong_assertion(i):
    bigfoot.asyncpg_mock.new_session().expect("connect")
    with bigfoot:
        await app.connect(i)
    bigfoot.asyncpg_mock.assert_connect(**app.wrong(i))


@pytest.mark.parametrize("i", range(len(app.CONNECTS)))
async def test_fields_left_out(i):
    bigfoot.asyncpg_mock.new_session().expect("connect")
    with bigfoot:
        await app.connect(i)
    bigfoot.asyncpg_mock.assert_connect()


@pytest.mark.parametrize("i", range(len(app.CONNECTS)))
async def test_unasserted_and_unused(i):
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("close")
    with bigfoot:
        await app.connect(i)


@pytest.mark.parametrize("i", range(len(app.CONNECTS)))
async def test_swallowed(i):
    with bigfoot:
        await app.connect_swallowing(i)


@pytest.mark.parametrize("j", range(len(app.POOLS)))
async def test_pool_unasserted(j):
    with bigfoot:
        app.pool(j)


@pytest.mark.parametrize("j", range(len(app.POOLS)))
async def test_pool_wrong_assertion(j):
    with bigfoot:
        app.pool(j)
    bigfoot.asyncpg_mock.assert_create_pool(**app.wrong_pool(j))
"""

UNITTEST = """
import bigfoot
import sweep_app as app


class Sweep(bigfoot.BigfootTestCase):
    pass


def _add(name, body):
    setattr(Sweep, name, body)


def _connects(i):
    async def test_unmocked(self):
        with bigfoot:
            await app.connect(i)

    async def test_wrong_assertion(self):
        self.asyncpg_mock.new_session().expect("connect")
        with bigfoot:
            await app.connect(i)
        self.asyncpg_mock.assert_connect(**app.wrong(i))

    async def test_unasserted_and_unused(self):
        self.asyncpg_mock.new_session().expect("connect").expect("close")
        with bigfoot:
            await app.connect(i)

    async def test_swallowed(self):
        with bigfoot:
            await app.connect_swallowing(i)

    for test in (test_unmocked, test_wrong_assertion, test_unasserted_and_unused, test_swallowed):
        _add(f"{test.__name__}_{i}", test)


def _pools(j):
    async def test_pool_wrong_assertion(self):
        with bigfoot:
            app.pool(j)
        self.asyncpg_mock.assert_create_pool(**app.wrong_pool(j))

    _add(f"test_pool_wrong_assertion_{j}", test_pool_wrong_assertion)


for i in range(len(app.CONNECTS)):
    _connects(i)
for j in range(len(app.POOLS)):
    _pools(j)
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The code under test, imported from a file (so that tracebacks show its source, as they would a user's)."""
    (tmp_path / "sweep_app.py").write_text(APP)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sweep_app", raising=False)
    import sweep_app  # type: ignore[import-not-found]

    assert len(sweep_app.CONNECTS) == CONNECT_WAYS and len(sweep_app.POOLS) == POOL_WAYS
    return sweep_app


def assert_hidden(text: str, where: str) -> None:
    assert NEEDLE not in text, f"a password shows in {where}:\n{text}"


async def provoke(app: types.ModuleType) -> list[BigfootError]:
    """Every bigfoot error each way of passing a password can meet, raised here in this process."""
    errors: list[BigfootError] = []
    for i in range(CONNECT_WAYS):
        verifier = StrictVerifier()
        AsyncpgPlugin(verifier)
        with verifier.sandbox():
            try:
                await app.connect(i)
            except BigfootError as error:
                errors.append(error)

        verifier = StrictVerifier()
        apg = AsyncpgPlugin(verifier)
        apg.new_session().expect("connect").expect("close")
        with verifier.sandbox():
            await app.connect(i)
            await app.connect_swallowing(i)
        wrong = lambda apg=apg, i=i: apg.assert_connect(**app.wrong(i))  # noqa: E731 - no local holds a password
        for attempt in (wrong, apg.assert_connect, verifier.verify_all):
            try:
                attempt()
            except BigfootError as error:
                errors.append(error)
    for j in range(POOL_WAYS):
        verifier = StrictVerifier()
        apg = AsyncpgPlugin(verifier)
        with verifier.sandbox():
            app.pool(j)
        wrong = lambda apg=apg, j=j: apg.assert_create_pool(**app.wrong_pool(j))  # noqa: E731
        for attempt in (wrong, apg.assert_create_pool):
            try:
                attempt()
            except BigfootError as error:
                errors.append(error)
        verifier = StrictVerifier()
        AsyncpgPlugin(verifier)
        with verifier.sandbox():
            app.pool(j)
        try:
            verifier.verify_all()
        except BigfootError as error:
            errors.append(error)
    return errors


async def test_no_error_shows_a_password(app: types.ModuleType) -> None:
    errors = await provoke(app)
    kinds = {type(error).__name__ for error in errors}
    assert kinds == {
        "UnmockedInteractionError",
        "InteractionMismatchError",
        "MissingAssertionFieldsError",
        "VerificationError",
        "UnassertedInteractionsError",
    }, kinds
    assert len(errors) == 4 * CONNECT_WAYS + 3 * POOL_WAYS
    for error in errors:
        assert_hidden(str(error), f"the message of {error!r}")
        assert_hidden(repr(error), "a repr")
        assert_hidden(repr(vars(error)), f"the attributes of {error!r}")
        pickled = pickle.dumps(error)
        assert NEEDLE.encode() not in pickled, f"a password is pickled with {error!r}"
        assert_hidden(repr(vars(pickle.loads(pickled))), "the attributes of an unpickled error")
        assert_hidden("".join(traceback.format_exception(error)), "a traceback")
        with_locals = traceback.TracebackException.from_exception(error, capture_locals=True)
        assert_hidden("".join(with_locals.format()), "a traceback with locals")


async def test_no_recorded_file_shows_a_password(app: types.ModuleType, postgres: dict[str, str]) -> None:
    verifier = StrictVerifier()
    # The recording target's own password (the server trusts the socket, so any password is accepted) stays hidden.
    verifier.record_target = (
        f"postgresql://{postgres['user']}:{NEEDLE}-T@/{postgres['database']}?host={postgres['host']}"
    )
    with verifier.sandbox():
        for i in range(CONNECT_WAYS):
            connection = await app.connect(i)
            await connection.close()
        for j in range(POOL_WAYS):
            app.pool(j)
    text = _recording.render(verifier, "test_sweep.py::test_record", partial=False)
    assert text is not None and text.count("assert_connect(") == CONNECT_WAYS, text
    assert text.count("assert_create_pool(") == POOL_WAYS, text
    assert_hidden(text, "the recorded file")


# A test whose call raises fails; verification at teardown reports the rest: as errors after a pass, and in a
# section of the failure's report after a failure (a failed assertion leaves its interaction unasserted).
EVERY_TEST = {
    "failed": 3 * CONNECT_WAYS + POOL_WAYS,
    "errors": 2 * CONNECT_WAYS + POOL_WAYS,
    "passed": 2 * CONNECT_WAYS + POOL_WAYS,
}
# --full-trace also shows the frames bigfoot hides (the assertion helpers'): tests that fail in one, for a password
# argument, a DSN and a pool's connect function (a full trace of every test takes long).
IN_ASSERTIONS = tuple(
    f"test_sweep.py::{test}"
    for test in ("test_wrong_assertion[0]", "test_fields_left_out[1]", "test_pool_wrong_assertion[4]")
)
ASSERTION_TESTS = {"failed": 3}


@pytest.mark.parametrize(
    ("options", "outcomes"),
    [
        (("--tb=long", "-l"), EVERY_TEST),
        (("--showlocals",), EVERY_TEST),
        (("--tb=long", "-l", "--full-trace", *IN_ASSERTIONS), ASSERTION_TESTS),
    ],
)
def test_pytest_never_shows_a_password(
    pytester: pytest.Pytester, options: tuple[str, ...], outcomes: dict[str, int]
) -> None:
    pytester.makepyfile(sweep_app=APP, test_sweep=TESTS)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *options)
    result.assert_outcomes(**outcomes)
    output = result.stdout.str() + result.stderr.str()
    assert "password='***'" in output, output
    assert_hidden(output, f"pytest's report with {' '.join(options)}")


@pytest.mark.parametrize("tb_locals", [False, True])
def test_unittest_never_shows_a_password(app: types.ModuleType, tb_locals: bool) -> None:
    namespace: dict[str, Any] = {"__name__": "sweep_unittest"}
    exec(compile(UNITTEST, "sweep_unittest.py", "exec"), namespace)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(namespace["Sweep"])
    stream = io.StringIO()
    result = unittest.TextTestRunner(stream=stream, verbosity=2, tb_locals=tb_locals).run(suite)
    assert result.testsRun == 4 * CONNECT_WAYS + POOL_WAYS
    assert len(result.failures) + len(result.errors) >= result.testsRun, stream.getvalue()
    assert "password='***'" in stream.getvalue()
    assert_hidden(stream.getvalue(), f"unittest's report{' with locals' if tb_locals else ''}")


@pytest.mark.parametrize("variable", ["BIGFOOT_RECORD", "BIGFOOT_VALIDATE"])
def test_a_target_that_fails_never_shows_its_password(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    # The record or validate target is a DSN too; it is held masked wherever a frame keeps it.
    monkeypatch.setenv(variable, f"postgresql://app:{NEEDLE}-T@127.0.0.1:1/shop")

    class Unreachable(BigfootTestCase):
        async def test_it(self) -> None:
            pass

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Unreachable)
    stream = io.StringIO()
    result = unittest.TextTestRunner(stream=stream, tb_locals=True).run(suite)
    assert len(result.errors) == 1 and "cannot use 'postgresql://app:***@127.0.0.1:1/shop'" in stream.getvalue()
    assert_hidden(stream.getvalue(), "unittest's report of a target that fails, with locals")
