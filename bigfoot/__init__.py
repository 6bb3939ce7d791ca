"""bigfoot: strict, scripted fakes for testing code that talks to PostgreSQL through asyncpg.

``with bigfoot:`` (or ``async with bigfoot:``) opens a sandbox on the current test's verifier;
``bigfoot.asyncpg_mock`` is the current test's AsyncpgPlugin.
"""

from __future__ import annotations

import sys

from ._current import BigfootModule as _BigfootModule
from ._current import PluginProxy as _PluginProxy
from ._current import current_verifier, in_any_order
from ._sandbox import Sandbox
from ._script import SessionHandle, Step
from ._timeline import Interaction
from ._verifier import StrictVerifier
from .errors import (
    BigfootError,
    InteractionMismatchError,
    InvalidStateError,
    MissingAssertionFieldsError,
    NoActiveVerifierError,
    UnassertedInteractionsError,
    UnmockedInteractionError,
    UnusedMocksError,
    VerificationError,
)
from .plugins.asyncpg.record import Record

TYPE_CHECKING = False  # typing is not imported at run time: `import bigfoot` stays cheap
if TYPE_CHECKING:
    from typing import Any

    from ._unittest import BigfootMixin, BigfootTestCase
    from .plugins.asyncpg_plugin import AsyncpgPlugin

    asyncpg_mock: AsyncpgPlugin
else:
    asyncpg_mock = _PluginProxy()

__version__ = "0.1.0"

__all__ = [
    "BigfootError",
    "BigfootMixin",
    "BigfootTestCase",
    "Interaction",
    "InteractionMismatchError",
    "InvalidStateError",
    "MissingAssertionFieldsError",
    "NoActiveVerifierError",
    "Record",
    "Sandbox",
    "SessionHandle",
    "Step",
    "StrictVerifier",
    "UnassertedInteractionsError",
    "UnmockedInteractionError",
    "UnusedMocksError",
    "VerificationError",
    "asyncpg_mock",
    "current_verifier",
    "in_any_order",
]


def __getattr__(name: str) -> Any:
    # The unittest integration is imported on first use: it pulls in asyncio, which `import bigfoot` avoids.
    if name in ("BigfootMixin", "BigfootTestCase"):
        from . import _unittest

        return getattr(_unittest, name)
    raise AttributeError(f"module 'bigfoot' has no attribute {name!r}")


sys.modules[__name__].__class__ = _BigfootModule
