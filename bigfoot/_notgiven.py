"""The one marker for "not given": an argument the caller left out, where None is a meaningful value."""

from __future__ import annotations

from typing import Any


class NotGiven:
    """A parameter default that tells bigfoot the caller did not pass the argument.

    ``NOT_GIVEN`` shows as ``<not given>``. A plugin's fake may make one per real default, ``NotGiven(None)``, which
    shows as that default (``None``) so that the fake's signature prints like the real one, while bigfoot still knows
    the caller left the argument out.
    """

    __slots__ = ("default",)

    def __init__(self, default: Any = ...) -> None:
        self.default = default
        """The real default this marker shows as (``...``: none, it shows as ``<not given>``)."""

    def __repr__(self) -> str:
        return "<not given>" if self.default is ... else repr(self.default)


NOT_GIVEN: Any = NotGiven()


def given(arguments: dict[str, Any], into: dict[str, Any] | None = None) -> dict[str, Any]:
    """The arguments that were really passed: those whose value is not a ``NotGiven``; added to ``into`` (and it
    returned) when it is given."""
    passed = {} if into is None else into
    for name, value in arguments.items():  # a plain loop: every query runs this, and it beats a comprehension here
        if type(value) is not NotGiven:  # NotGiven has no subclasses
            passed[name] = value
    return passed


def actual(value: Any) -> Any:
    """The value a parameter really has: the default a ``NotGiven`` stands for, or the value passed."""
    return value.default if isinstance(value, NotGiven) else value
