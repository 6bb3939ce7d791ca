"""The pytest plugin (registered through the ``pytest11`` entry point): a verifier for every test.

A test's verifier is installed when the test's set-up starts, before any fixture, and verified when its tear-down is
over, after every fixture; the ``bigfoot_verifier`` fixture hands it to the tests and fixtures that ask for it.

With ``--bigfoot-record=<target>`` (or ``BIGFOOT_RECORD`` in the environment) the run is in record mode: see
``bigfoot._recording``. With ``--bigfoot-validate=<target>`` (or ``BIGFOOT_VALIDATE``) each test that passes is then
checked against that server: see ``bigfoot._validating``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import Token

import pytest

from . import _guard, _recording, _settings, _validating
from ._current import install, uninstall
from ._findings import after_failure
from ._sandbox import close_open, mark_surfaced
from ._verifier import StrictVerifier

_VERIFIER = pytest.StashKey[StrictVerifier]()  # the test's verifier, from its set-up to the end of its tear-down
_TOKEN = pytest.StashKey[Token[StrictVerifier | None]]()  # what uninstalls it
_VALIDATE = pytest.StashKey["str | None"]()  # validate mode's target, for this test
_INI = pytest.StashKey["dict[str, tuple[str, str]]"]()  # the ini file's settings, read once per run
_FAILED = pytest.StashKey[bool]()
_IN_BODY = pytest.StashKey[bool]()  # the test's body is running: a report made now is a subtest's
_BODY_FAILED = pytest.StashKey[bool]()  # the test failed in setup or in its body (not only in a subtest)
_FOUND = pytest.StashKey[str]()  # what verification found after that failure
SECTION = "bigfoot verification at teardown"
"""The section of a failed test's report that shows what verification found (pytest shows it after the failure)."""
_INI_HELP = {
    "guard": "bigfoot's guard for the suite: tests (default), all or off",
    "unasserted_ok": "step names whose interactions need no assertion, for the suite (such as: close)",
    "report_unused_optional": "whether unused optional steps fail tests, for the suite (true or false)",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bigfoot(**settings): bigfoot's settings for a test, class or module (see bigfoot.settings)"
    )


def _settings_of(item: pytest.Item) -> _settings.Settings:
    """The test's settings: its function, its markers (nearest first), its class, the environment, the ini file."""
    levels: list[_settings.Settings | None] = [_settings.attached(getattr(item, "obj", None))]
    for marker in item.iter_markers("bigfoot"):
        where = "pytest.mark.bigfoot()"
        if marker.args:
            raise TypeError(f"{where} takes settings by name, such as guard='off'; got {marker.args!r}.")
        levels.append(_settings.given_at(where, marker.kwargs))
    cls = getattr(item, "cls", None)
    levels.append(_settings.attached(cls) if cls is not None else None)
    levels.append(_settings.environment())
    ini = item.config.stash.get(_INI, None)
    if ini is None:
        ini = item.config.stash[_INI] = {
            name: (str(item.config.getini(f"bigfoot_{name}")), f"ini option bigfoot_{name}") for name in _settings.NAMES
        }
    if any(text.strip() for text, _ in ini.values()):
        levels.append(_settings.from_texts(ini))  # checked for every test, so that a bad line fails each of them
    return _settings.resolve(levels)


_RECORDINGS = pytest.StashKey["list[_recording.Recording]"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    for name in _settings.NAMES:
        parser.addini(f"bigfoot_{name}", help=_INI_HELP[name], default="")
    group = parser.getgroup("bigfoot")
    group.addoption(
        "--bigfoot-record",
        metavar="TARGET",
        default=None,
        help="record mode: the code under test talks to the real server at TARGET (a database URL such as a "
        "PostgreSQL DSN), and each test's script and assertions are written to BIGFOOT_RECORD_DIR (default "
        "bigfoot-recordings/).",
    )
    group.addoption(
        "--bigfoot-validate",
        metavar="TARGET",
        default=None,
        help="validate mode: tests run on their scripts, and each test that passes then has its scripted and asserted "
        "calls checked against the real server at TARGET (a database URL such as a PostgreSQL DSN) without "
        "changing anything there.",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if getattr(report, "failed", False) and call.when != "teardown":
        item.stash[_FAILED] = True
    excinfo = call.excinfo
    if excinfo is not None and call.when != "teardown":
        verifier = item.stash.get(_VERIFIER, None)
        if verifier is not None:
            # The test (or a subtest) failed with it: unmocked calls inside, chained or in an exception group, were
            # seen, not swallowed, and verification does not report them again.
            mark_surfaced(verifier, excinfo.value)
        if not item.stash.get(_IN_BODY, False) and not excinfo.errisinstance(pytest.skip.Exception):
            item.stash[_BODY_FAILED] = True
    found = item.stash.get(_FOUND, None)
    sections = getattr(report, "sections", None)
    if call.when == "teardown" and found is not None and isinstance(sections, list):
        sections.append((SECTION, found))
    return report


# A test's verifier lives from the start of its set-up to the end of its tear-down through these two hooks rather than
# an autouse fixture: pytest sets up and tears down a fixture for every test at more than twice the cost of a whole
# bigfoot test. They wrap the fixtures from inside the other plugins' wrappers, so that an error before the set-up's
# yield (a bad setting) reaches those wrappers as any set-up error does.
@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    _start(item)  # before every fixture: a fixture may script sessions, or open a sandbox
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    verifier = item.stash.get(_VERIFIER, None)
    item.stash[_IN_BODY] = True
    if verifier is not None:
        _guard.start(verifier)  # the guard covers the test's body; fixtures may still use a real server
    try:
        return (yield)  # what the body raises reaches pytest_runtest_makereport, which marks it as seen
    finally:
        item.stash[_IN_BODY] = False
        if verifier is not None:
            _guard.stop(verifier)
            if verifier.record_target is not None:
                # Record mode: real connections the code left open are closed now, while the test's event loop
                # (torn down with the fixtures) can still finish closing their sockets.
                _recording.stop(verifier)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    __tracebackhide__ = True
    try:
        result = yield  # the fixtures' tear-down
    except BaseException:
        _finish(item, failed=True)  # a fixture's tear-down failed, and with it the test
        raise
    _finish(item)
    return result


@pytest.fixture
def bigfoot_verifier(request: pytest.FixtureRequest) -> StrictVerifier:
    """This test's verifier; ``bigfoot.asyncpg_mock`` and ``with bigfoot:`` use it. Verified at teardown."""
    verifier: StrictVerifier = request.node.stash[_VERIFIER]
    return verifier


def _start(item: pytest.Item) -> None:
    """Install a new verifier for ``item``, with its settings and the run's record and validate modes."""
    verifier = StrictVerifier()
    item.stash[_VERIFIER] = verifier  # released at tear-down, whatever fails next
    verifier.settings = _settings_of(item)
    config = item.config
    target = _recording.target(config.getoption("bigfoot_record", None))
    if target is not None:
        try:
            _recording.check_target(target)
        except _recording.RecordTargetError as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
        verifier.record_target = target
    validate = _validating.target(config.getoption("bigfoot_validate", None), record=target)
    if validate is not None:
        try:
            _validating.check_target(validate)
        except _recording.RecordTargetError as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    item.stash[_VALIDATE] = validate
    item.stash[_TOKEN] = install(verifier)


def _finish(item: pytest.Item, failed: bool = False) -> None:
    """Verify ``item``'s verifier (into the failure's report if the test failed), uninstall it, release it.

    ``failed``: the test failed where the report hook does not see it (a fixture's tear-down, a run stopped inside it);
    verification's findings go to the failure's report, and record and validate mode treat it as after any failure.
    """
    __tracebackhide__ = True
    stash = item.stash
    if failed:
        stash[_FAILED] = stash[_BODY_FAILED] = True
    verifier = stash.get(_VERIFIER, None)
    if verifier is None:
        return
    del stash[_VERIFIER]
    token = stash.get(_TOKEN, None)
    try:
        if token is None:
            return  # its set-up failed before it was installed
        close_open(verifier)  # the guard is off already: pytest_runtest_call stopped it when the body ended
        if stash.get(_BODY_FAILED, False):
            found = after_failure(verifier)  # added to the failure's report, not a second failure
            if found is not None:
                stash[_FOUND] = found
        else:
            verifier.verify_all()
        validate = stash.get(_VALIDATE, None)
        if validate is not None and not stash.get(_FAILED, False):
            _validating.check(verifier, validate)
    finally:
        if token is not None:
            del stash[_TOKEN]
            uninstall(token)
        try:
            if verifier.record_target is not None:
                recording = _recording.finish(verifier, item.nodeid, partial=stash.get(_FAILED, False))
                if recording is not None:
                    item.config.stash.setdefault(_RECORDINGS, []).append(recording)
        finally:
            verifier._release()  # nothing of the test is left in reference cycles


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # A run stopped inside a test (Ctrl-C, pytest.exit()) skips the test's tear-down hooks; pytest tears its fixtures
    # down now, and then the test's verifier is finished as after any failure: uninstalled, released, and in record
    # mode its recording written as partial.
    for item in session.items:
        if _VERIFIER in item.stash:
            _finish(item, failed=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    recordings = terminalreporter.config.stash.get(_RECORDINGS, [])
    if not recordings:
        return
    terminalreporter.write_sep("=", "bigfoot recordings")
    for recording in recordings:
        state = " (PARTIAL: the test failed)" if recording.partial else ""
        terminalreporter.write_line(f"{recording.test_id}{state} -> {recording.path}")
        terminalreporter.write_line(recording.text)
