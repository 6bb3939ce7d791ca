"""bigfoot: strict, scripted fakes for tests of code that talks to a database or another service.

``with bigfoot:`` (or ``async with bigfoot:``) opens a sandbox on the current test's verifier. Each registered plugin
is a module attribute named by its hint name, standing for the current test's plugin (see ``bigfoot.plugins``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from . import plugins as _plugins
from ._current import BigfootModule as _BigfootModule
from ._current import current_verifier, in_any_order
from ._notgiven import NOT_GIVEN, NotGiven
from ._patching import InterceptedCall
from ._plugin import BasePlugin
from ._registry import Registration, register_plugin, unregister_plugin
from ._sandbox import Sandbox
from ._script import Answer, SessionHandle, Step, StepSpec, answer
from ._settings import Settings, settings
from ._sql import SQL, sql
from ._timeline import Interaction, Source
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
from .plugins import *  # noqa: F403 - the plugins' proxies and public names, listed in bigfoot.plugins.__all__

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ._unittest import BigfootMixin, BigfootTestCase

__version__ = "0.1.0"

__all__ = [
    "NOT_GIVEN",
    "Answer",
    "answer",
    "NotGiven",
    "BasePlugin",
    "BigfootError",
    "BigfootMixin",
    "BigfootTestCase",
    "InterceptedCall",
    "Interaction",
    "InteractionMismatchError",
    "InvalidStateError",
    "MissingAssertionFieldsError",
    "NoActiveVerifierError",
    "Registration",
    "Sandbox",
    "SessionHandle",
    "Settings",
    "Source",
    "Step",
    "StepSpec",
    "StrictVerifier",
    "UnassertedInteractionsError",
    "UnmockedInteractionError",
    "UnusedMocksError",
    "VerificationError",
    "current_verifier",
    "in_any_order",
    "register_plugin",
    "settings",
    "unregister_plugin",
    "sql",
    "SQL",
]
__all__ += _plugins.__all__


def __getattr__(name: str) -> Any:
    # The unittest integration is imported on first use: it pulls in asyncio, which `import bigfoot` avoids.
    if name in ("BigfootMixin", "BigfootTestCase"):
        from . import _unittest

        return getattr(_unittest, name)
    # Plugins registered after import (bigfoot.register_plugin) are reached by their hint name too.
    from ._registry import find

    registration = find(name)
    if registration is not None:
        return registration.proxy
    raise AttributeError(f"module 'bigfoot' has no attribute {name!r}")


sys.modules[__name__].__class__ = _BigfootModule
