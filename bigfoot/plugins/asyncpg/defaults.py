"""Parameter defaults of the fakes: they print as asyncpg's defaults, and tell bigfoot the caller left them out."""

from __future__ import annotations

from typing import Any


class Default:
    """A default that shows as asyncpg's (``timeout=None``) in signatures but is not a value the caller passed."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


NONE: Any = Default(None)
ZERO: Any = Default(0)
FALSE: Any = Default(False)
PUBLIC: Any = Default("public")
TEXT: Any = Default("text")


def passed(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments that were really passed, for methods with many optional parameters."""
    return {name: value for name, value in arguments.items() if not isinstance(value, Default)}
