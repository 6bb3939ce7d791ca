"""The current test's verifier, and what hangs off it: ``with bigfoot:``, the plugin proxies, ``in_any_order``.

Runners (the pytest plugin, the unittest mixin) install a verifier for each test; the module-level conveniences find
it through a context variable, so concurrent tasks and threads each see their own test's verifier.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager as ContextManager
from contextvars import ContextVar, Token
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._sandbox import ACTIVE, Sandbox
from .errors import NoActiveVerifierError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from types import FrameType, TracebackType

    from ._registry import Registration
    from ._verifier import StrictVerifier

CURRENT: ContextVar[StrictVerifier | None] = ContextVar("bigfoot_current_verifier", default=None)

_NO_VERIFIER = (
    "No bigfoot verifier is active here, so {what} has nothing to work on. A test gets one from the pytest plugin "
    "(installed with bigfoot, automatic for every test), from bigfoot.BigfootMixin or bigfoot.BigfootTestCase in "
    "unittest and Django, or by hand: verifier = bigfoot.StrictVerifier(), then `with verifier.sandbox():`."
)


def install(verifier: StrictVerifier) -> Token[StrictVerifier | None]:
    """Make ``verifier`` the current test's verifier; pass the token to ``uninstall`` when the test ends."""
    return CURRENT.set(verifier)


def uninstall(token: Token[StrictVerifier | None]) -> None:
    try:
        CURRENT.reset(token)
    except ValueError:
        # Reset from another context (a runner that moved threads): clearing is the best we can do there.
        CURRENT.set(None)


def current_verifier(what: str = "this") -> StrictVerifier:
    """The verifier of the running test, or NoActiveVerifierError saying how to get one."""
    verifier = CURRENT.get()
    if verifier is None:
        raise NoActiveVerifierError(_NO_VERIFIER.format(what=what))
    return verifier


def in_any_order() -> ContextManager[None]:
    """Inside this block, assertions of the current test may match interactions in any order."""
    return current_verifier("bigfoot.in_any_order()").in_any_order()


class BigfootModule(ModuleType):
    """The class of the ``bigfoot`` module, so that ``with bigfoot:`` and ``async with bigfoot:`` open a sandbox."""

    def __enter__(self) -> StrictVerifier:
        verifier = current_verifier("`with bigfoot:`")
        return Sandbox(verifier, sys._getframe(1)).__enter__()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _close_innermost(exc, sys._getframe(1) if exc is not None else None)

    async def __aenter__(self) -> StrictVerifier:
        verifier = current_verifier("`async with bigfoot:`")
        return Sandbox(verifier, sys._getframe(1)).__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _close_innermost(exc, sys._getframe(1) if exc is not None else None)


def _close_innermost(exc: BaseException | None, frame: FrameType | None) -> None:
    # Each task runs in its own copy of the context, so the innermost sandbox seen here is the one this block opened,
    # whatever other tasks entered or left in between; unless the block is ending outside its own context, in an
    # abandoned coroutine that the garbage collector is finalizing (see Sandbox._left_by_its_opener). A block that
    # ends without an exception is not being finalized: its frame is not needed.
    sandbox = ACTIVE.get()
    if sandbox is not None and (frame is None or sandbox._left_by_its_opener(frame, exc)):
        sandbox.close(exc)


class PluginProxy:
    """``bigfoot.<hint_name>`` (``bigfoot.asyncpg_mock``): stands for the current test's plugin of one registration.

    Every public attribute is the current test's plugin's, which is created on first use. Introspection (dunder
    lookups, ``dir()``, ``repr()``) creates nothing.
    """

    __slots__ = ("_registration",)

    def __init__(self, registration: Registration) -> None:
        self._registration = registration

    def __getattribute__(self, name: str) -> Any:
        # Every `bigfoot.asyncpg_mock.assert_...` comes here. Overriding __getattribute__ rather than __getattr__ spares
        # each of them the failed normal lookup and the AttributeError it raises, about half the cost of an assertion.
        if name[0] == "_":  # the proxy's own slot, and introspection, which creates nothing
            return object.__getattribute__(self, name)
        registration = object.__getattribute__(self, "_registration")
        verifier = CURRENT.get()
        if verifier is None:
            verifier = current_verifier(f"bigfoot.{registration.hint_name}")  # raises, saying how to get one
        # The verifier's plugins are kept by class; once the class is imported and the plugin made, one lookup finds
        # it. Otherwise (a "module:Class" not imported yet, a first use) the registration makes it.
        plugin = verifier._plugins.get(registration._plugin)
        if plugin is None:
            plugin = registration.plugin_for(verifier)
        return getattr(plugin, name)

    def __dir__(self) -> list[str]:
        return dir(self._registration.plugin_class())

    def __repr__(self) -> str:
        verifier = CURRENT.get()
        state = "no active verifier" if verifier is None else repr(verifier)
        return f"<bigfoot.{self._registration.hint_name} proxy: {state}>"
