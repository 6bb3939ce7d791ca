"""Every error bigfoot raises.

The ones that mean "the test found a problem" subclass ``AssertionError`` as well, so unittest reports them as
failures rather than errors. Each carries its data as attributes next to the message it renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ._script import Step
    from ._timeline import Interaction

__all__ = [
    "BigfootError",
    "InvalidStateError",
    "NoActiveVerifierError",
    "UnmockedInteractionError",
    "InteractionMismatchError",
    "MissingAssertionFieldsError",
    "UnassertedInteractionsError",
    "UnusedMocksError",
    "VerificationError",
]


class BigfootError(Exception):
    """Base class of every bigfoot error."""


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

    def __init__(
        self, message: str, *, method: str, expected: dict[str, Any], actual: Interaction | None
    ) -> None:
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
