"""Every error bigfoot raises.

The ones that mean "the test found a problem" subclass ``AssertionError`` as well, so unittest reports them as
failures rather than errors. Each carries its data as attributes next to the message it renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._script import Step
    from ._timeline import Interaction

__all__ = [
    "BigfootError",
    "StandIn",
    "InvalidStateError",
    "NoActiveVerifierError",
    "UnmockedInteractionError",
    "InteractionMismatchError",
    "MissingAssertionFieldsError",
    "UnassertedInteractionsError",
    "UnusedMocksError",
    "VerificationError",
    "ScriptValidationError",
]


class StandIn:
    """What a data attribute of an error becomes when it cannot be pickled: its type's name and readable text.

    Errors cross process boundaries (Django's ``--parallel`` runner, pytest-xdist, multiprocessing) by pickling.
    An interaction or a scripted step points at its plugin and verifier, and a recorded field may hold a callback;
    those are replaced by a ``StandIn`` that keeps ``text`` (an interaction's assertion line, a step's description,
    or a repr) and, for interactions and steps, their plain attributes (``method``, ``fields``, ``session`` ...).
    """

    def __init__(self, kind: str, text: str, **attributes: Any) -> None:
        self.kind = kind
        self.text = text
        self.__dict__.update(attributes)

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StandIn) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]


def _picklable(value: Any) -> Any:
    """``value`` itself when it pickles, else the closest picklable version of it (never raises)."""
    import pickle

    from ._script import Step
    from ._timeline import Interaction

    if isinstance(value, BigfootError):
        return value  # pickles through its own __reduce__
    if isinstance(value, Interaction):
        return StandIn(
            "Interaction",
            _text(value.assertion_line),
            method=value.method,
            fields=_picklable(value.fields),
            session=value.session,
            asserted=value.asserted,
            raised=_picklable(value.raised),
        )
    if isinstance(value, Step):
        return StandIn(
            "Step",
            _text(value.describe),
            method=value.method,
            session=value.session,
            position=value.position,
            required=value.required,
            location=_text(lambda: value.location),
        )
    if type(value) in (list, tuple):
        return type(value)(_picklable(item) for item in value)
    if type(value) is dict:
        return {key: _picklable(item) for key, item in value.items()}
    try:
        pickle.dumps(value)
    except Exception:
        return StandIn(type(value).__name__, _text(lambda: repr(value)))
    return value


def _text(make: Any) -> str:
    try:
        return str(make())
    except Exception as exc:  # a broken repr must not make pickling fail
        return f"<unprintable: {type(exc).__name__}>"


def _rebuild(cls: type[BigfootError], args: tuple[Any, ...], state: dict[str, Any]) -> BigfootError:
    """Unpickle a bigfoot error without calling its keyword-only ``__init__``."""
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class BigfootError(Exception):
    """Base class of every bigfoot error.

    Every bigfoot error pickles with its message and data attributes; attributes that cannot be pickled arrive as
    ``StandIn`` objects.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), _picklable(self.args), _picklable(self.__dict__)))


class InvalidStateError(BigfootError):
    """bigfoot was used in a way its current state does not allow (for example a sandbox that has closed)."""


class NoActiveVerifierError(BigfootError):
    """``with bigfoot:`` or ``bigfoot.asyncpg_mock`` was used where no test has installed a verifier."""


class UnmockedInteractionError(BigfootError, AssertionError):
    """The code under test made a call that the script did not expect at that point.

    Attributes: ``method`` (what was called), ``fields`` (its arguments), ``session`` (the session number, or None
    when no session could be taken), ``expected`` (the step the script held next, or None), ``hint`` (the line to
    add to the script).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        fields: dict[str, Any],
        session: int | None,
        expected: Step | None,
        hint: str,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.fields = fields
        self.session = session
        self.expected = expected
        self.hint = hint


class InteractionMismatchError(BigfootError, AssertionError):
    """An assertion did not match the interaction it had to match.

    Attributes: ``method`` and ``expected`` (what the assertion asked for), ``actual`` (the interaction it was
    compared with, or None when there was none).
    """

    def __init__(self, message: str, *, method: str, expected: dict[str, Any], actual: Interaction | None) -> None:
        super().__init__(message)
        self.method = method
        self.expected = expected
        self.actual = actual


class MissingAssertionFieldsError(BigfootError, AssertionError):
    """An assertion left out fields that the interaction recorded.

    Attributes: ``interaction``, ``missing`` (the field names), ``line`` (the complete assertion to paste).
    """

    def __init__(self, message: str, *, interaction: Interaction, missing: list[str], line: str) -> None:
        super().__init__(message)
        self.interaction = interaction
        self.missing = missing
        self.line = line


class UnassertedInteractionsError(BigfootError, AssertionError):
    """Interactions happened that the test never asserted. ``interactions`` lists them, ``lines`` the assertions."""

    def __init__(self, message: str, *, interactions: Sequence[Interaction], lines: Sequence[str]) -> None:
        super().__init__(message)
        self.interactions = list(interactions)
        self.lines = list(lines)


class UnusedMocksError(BigfootError, AssertionError):
    """Required scripted steps were never used. ``steps`` lists them."""

    def __init__(self, message: str, *, steps: Sequence[Step]) -> None:
        super().__init__(message)
        self.steps = list(steps)


class VerificationError(BigfootError, AssertionError):
    """Verification found several kinds of problems at once; each list is kept as an attribute."""

    def __init__(
        self,
        message: str,
        *,
        unmocked: Sequence[UnmockedInteractionError],
        unasserted: Sequence[Interaction],
        unused: Sequence[Step],
    ) -> None:
        super().__init__(message)
        self.unmocked = list(unmocked)
        self.unasserted = list(unasserted)
        self.unused = list(unused)


class ScriptValidationError(BigfootError, AssertionError):
    """Validate mode found that a test's script or assertions differ from the real server (see ``_validating``).

    ``problems`` lists each difference, one message each, naming the call and where its step was scripted.
    """

    def __init__(self, message: str, *, problems: Sequence[str]) -> None:
        super().__init__(message)
        self.problems = list(problems)
