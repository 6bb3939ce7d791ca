"""Parameter defaults of the fakes: they print as asyncpg's defaults, and tell bigfoot the caller left them out."""

from __future__ import annotations

from typing import Any

from ..._notgiven import NotGiven, actual, given

NONE: Any = NotGiven(None)
ZERO: Any = NotGiven(0)
FALSE: Any = NotGiven(False)
PUBLIC: Any = NotGiven("public")
TEXT: Any = NotGiven("text")

__all__ = ["FALSE", "NONE", "PUBLIC", "TEXT", "ZERO", "NotGiven", "actual", "given"]
