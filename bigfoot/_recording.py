"""Record mode: the code under test talks to a real server, and each test ends with the code that scripts it.

The core's part is generic. A runner asks ``target()`` whether the run records (``BIGFOOT_RECORD`` in the
environment, or the pytest option ``--bigfoot-record``), checks the target once per run with ``check_target()``,
marks each test's verifier as recording, and at the end of the test calls ``finish()``: every plugin the test used
gives its ``recorded_code()``, and the pieces become one file of Python under ``BIGFOOT_RECORD_DIR``. What a plugin
records, and how it turns real values into literals, is the plugin's business.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING

from . import _environ, _registry
from ._secrets import SecretText
from .errors import BigfootError

if TYPE_CHECKING:
    from ._verifier import StrictVerifier

__all__ = ["RecordedCode", "RecordTargetError", "Recording", "check_target", "finish", "target"]

ENV_TARGET = "BIGFOOT_RECORD"
ENV_DIR = "BIGFOOT_RECORD_DIR"
DEFAULT_DIR = "bigfoot-recordings"

SCRIPT_HEADER = "# -- bigfoot script: put these lines before the code under test runs"
ASSERTIONS_HEADER = "# -- bigfoot assertions: put these lines after the code under test has run"
PARTIAL_NOTE = (
    "# PARTIAL: the test failed while recording; this is what happened up to the failure, not a whole script."
)


class RecordTargetError(BigfootError):
    """Record mode cannot use its target (unreachable, refused, or missing): the run stops at the first test."""


class RecordedCode:
    """What one plugin recorded in one test, as lines of Python.

    ``imports`` are import lines the other lines need; ``script`` goes before the code under test runs and
    ``assertions`` after it. The lines use the names the test uses (``verifier.hint_owner``).
    """

    __slots__ = ("imports", "script", "assertions")

    def __init__(self, imports: list[str], script: list[str], assertions: list[str]) -> None:
        self.imports = imports
        self.script = script
        self.assertions = assertions


class Recording:
    """One test's recording: the file it was written to and the text written."""

    __slots__ = ("test_id", "path", "text", "partial")

    def __init__(self, test_id: str, path: str, text: str, partial: bool) -> None:
        self.test_id = test_id
        self.path = path
        self.text = text
        self.partial = partial

    def __repr__(self) -> str:
        return f"<bigfoot Recording of {self.test_id} in {self.path}>"


def target(option: str | None = None) -> str | None:
    """The target to record from: ``option`` (the runner's setting) or ``BIGFOOT_RECORD``; None if not recording."""
    value = option if option else _environ.read(ENV_TARGET)
    return SecretText(value) if value else None  # a DSN with its password: frames that keep it show it masked


def record_dir() -> str:
    """Where recorded tests are written: ``BIGFOOT_RECORD_DIR``, or ``bigfoot-recordings`` when unset or empty."""
    return os.environ.get(ENV_DIR) or DEFAULT_DIR


_checked: dict[str, str | None] = {}
"""Targets already checked in this process, with the error message if they failed."""


def check_target(where: str, mode: str = "record") -> None:
    """Ask every plugin whose library is installed whether it can record from ``where``; once per target per run.

    Raises ``RecordTargetError`` with one message (secrets masked) when a plugin cannot; the same error again for
    every later test, so a runner that goes on fails fast. ``mode`` names the mode in the message (validate mode
    checks its target here too).
    """
    if where not in _checked:
        problem: str | None = None
        for registration in _registry.registrations():
            if not registration.available():
                continue
            try:
                registration.plugin_class().check_record_target(where)
            except Exception as exc:  # the plugin's own reason, whatever its type
                problem = (
                    f"bigfoot {{mode}} mode cannot use {_registry.mask_text(where)!r} "
                    f"({registration.hint_name}): {_registry.mask_text(str(exc))}"
                )
                break
        _checked[where] = problem
    problem = _checked[where]
    if problem is not None:
        raise RecordTargetError(problem.replace("{mode}", mode, 1))


def file_name(test_id: str) -> str:
    """The file name for ``test_id``: ``tests/test_a.py::T::test_y[1]`` gives ``recorded-tests.test_a.T.test_y-1.py``.

    The prefix keeps test runners from collecting the recordings as tests (``test_*.py``).
    """
    name = re.sub(r"\.py(?=::|$)", "", test_id)
    name = name.replace("::", ".").replace("/", ".").replace("\\", ".")
    name = re.sub(r"[^\w.-]+", "-", name).strip("-.")
    return "recorded-" + (name or "test")[:150] + ".py"


def _import_order(line: str) -> tuple[bool, str]:
    return line.startswith("from"), line


def stop(verifier: StrictVerifier) -> None:
    """The test has ended: every plugin of ``verifier`` releases what the code left open on the real server.

    A runner calls this as soon as the test's code has run, while what it left open can still be closed cleanly (the
    pytest plugin at the end of the test's call, before fixtures tear its event loop down); ``render`` calls it too.
    """
    for plugin in verifier._plugins.values():
        plugin.stop_recording()


def render(verifier: StrictVerifier, test_id: str, partial: bool) -> str | None:
    """The recorded code of every plugin of ``verifier`` as one Python text, or None when nothing was recorded."""
    stop(verifier)
    pieces = [code for code in (plugin.recorded_code() for plugin in verifier._plugins.values()) if code is not None]
    if not pieces:
        return None
    imports = sorted({line for piece in pieces for line in piece.imports}, key=_import_order)
    lines = [f"# Recorded by bigfoot (record mode) from {test_id}."]
    if partial:
        lines.append(PARTIAL_NOTE)
    lines += imports
    lines += ["", SCRIPT_HEADER]
    for piece in pieces:
        lines += piece.script
    lines += ["", ASSERTIONS_HEADER]
    for piece in pieces:
        lines += piece.assertions
    return _registry.mask_text("\n".join(lines)) + "\n"


def finish(verifier: StrictVerifier, test_id: str, *, partial: bool = False) -> Recording | None:
    """Write the recorded code of one test to ``BIGFOOT_RECORD_DIR``/<test id>.py; None if nothing was recorded."""
    text = render(verifier, test_id, partial)
    if text is None:
        return None
    directory = record_dir()
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name(test_id))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Recording(test_id, path, text, partial)


# -- the unittest mixin's part (the pytest plugin has its own, with pytest's option and report) -------------------


def start_test(verifier: StrictVerifier, test: object) -> None:
    """Put ``verifier`` in record mode if ``BIGFOOT_RECORD`` is set; a bad target stops the run at this test.

    The run is stopped through the result of the running test (``result.stop()``, which unittest and Django's runner
    honour), and the test errors with the message.
    """
    where = target()
    if where is None:
        return
    try:
        check_target(where)
    except RecordTargetError:
        result = getattr(getattr(test, "_outcome", None), "result", None)
        if result is not None:
            result.stop()
        raise
    verifier.record_target = where


def finish_test(verifier: StrictVerifier, test: object) -> Recording | None:
    """Write the recording of a unittest test and show it on stderr, where unittest reports."""
    partial = _failed(test)
    test_id = getattr(test, "id", lambda: type(test).__qualname__)()
    recording = finish(verifier, test_id, partial=partial)
    if recording is not None:
        state = " (PARTIAL: the test failed)" if partial else ""
        sys.stderr.write(f"\nbigfoot recorded {test_id}{state} -> {recording.path}\n{recording.text}")
    return recording


def _failed(test: object) -> bool:
    """Whether the running unittest test has failed so far (asked from its tearDown)."""
    outcome = getattr(test, "_outcome", None)
    if outcome is None:
        return False
    # Python 3.11+ reports each failure to the result at once; earlier versions keep them on the outcome until the
    # test ends.
    result = getattr(outcome, "result", None)
    reported = [*getattr(result, "failures", ()), *getattr(result, "errors", ())]
    if any(case is test for case, _ in reported):
        return True
    return any(case is test and info is not None for case, info in getattr(outcome, "errors", ()))
