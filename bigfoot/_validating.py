"""Validate mode: the test runs on its script as usual, and the script is then checked against a real server.

The core's part is generic. A runner asks ``target()`` whether the run validates (``BIGFOOT_VALIDATE`` in the
environment, or the pytest option ``--bigfoot-validate``) and checks the target once per run, as record mode does
(``_recording.check_target``). At the end of each test that passed (its verification included), the runner calls
``check()``: every plugin the test used gives, from ``validate(target)``, one message per difference between what
the test scripted and asserted and what the real server says; any difference fails the test with all of them in one
``ScriptValidationError``. What a plugin checks, and how it keeps the server unchanged, is the plugin's business.

Record mode wins: a run given both targets records, and validates nothing (its scripts are not in force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _environ, _recording, _registry
from ._secrets import SecretText
from .errors import ScriptValidationError

if TYPE_CHECKING:
    from ._verifier import StrictVerifier

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["ScriptValidationError", "check", "check_target", "target"]

ENV_TARGET = "BIGFOOT_VALIDATE"


def target(option: str | None = None, record: str | None = None) -> str | None:
    """The target to validate against: ``option`` (the runner's setting) or ``BIGFOOT_VALIDATE``; None if not.

    ``record`` is the run's record target: a run that records validates nothing.
    """
    if record:
        return None
    value = option if option else _environ.read(ENV_TARGET)
    return SecretText(value) if value else None  # a DSN with its password: frames that keep it show it masked


def check_target(where: str) -> None:
    """Raise ``RecordTargetError`` (one message, secrets masked) if a plugin cannot reach ``where``; once per run."""
    _recording.check_target(where, mode="validate")


def problems(verifier: StrictVerifier, where: str) -> list[str]:
    """Every plugin's differences between the test's script and the server at ``where``, masked, without repeats."""
    found: dict[str, None] = {}
    for plugin in list(verifier._plugins.values()):
        for problem in plugin.validate(where):
            found[_registry.mask_text(problem)] = None
    return list(found)


def check(verifier: StrictVerifier, where: str) -> None:
    """Fail with one ``ScriptValidationError`` listing every difference; do nothing when the script holds."""
    __tracebackhide__ = True
    found = problems(verifier, where)
    if not found:
        return
    count = f"{len(found)} difference{'' if len(found) == 1 else 's'}"
    lines = "\n".join(f"  - {problem}" for problem in found)
    raise ScriptValidationError(
        f"bigfoot validate mode: the script differs from the server at {_registry.mask_text(where)!r} "
        f"({count}):\n{lines}",
        problems=found,
    )


# -- the unittest mixin's part (the pytest plugin has its own, with pytest's option) -----------------------------


def start_test(verifier: StrictVerifier, test: object) -> str | None:
    """The target a unittest test validates against (None: it does not); a bad target stops the run at this test."""
    where = target(record=verifier.record_target)
    if where is None:
        return None
    try:
        check_target(where)
    except _recording.RecordTargetError:
        result = getattr(getattr(test, "_outcome", None), "result", None)
        if result is not None:
            result.stop()
        raise
    return where


def finish_test(verifier: StrictVerifier, test: object, where: str) -> None:
    """Validate a unittest test that has passed so far (a failed one is reported as it failed)."""
    __tracebackhide__ = True
    if not _recording._failed(test):
        check(verifier, where)
