"""Parameter defaults of the fakes: they print as asyncpg's defaults, and tell bigfoot the caller left them out."""

from __future__ import annotations

from typing import Any

from ..._notgiven import NotGiven, actual, given

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

NONE: Any = NotGiven(None)
ZERO: Any = NotGiven(0)
FALSE: Any = NotGiven(False)
PUBLIC: Any = NotGiven("public")
TEXT: Any = NotGiven("text")

__all__ = ["FALSE", "NONE", "PUBLIC", "TEXT", "ZERO", "NotGiven", "actual", "given"]
