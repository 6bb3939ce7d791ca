"""The current test's verifier, and what hangs off it: ``with bigfoot:``, ``bigfoot.asyncpg_mock``, ``in_any_order``.

Runners (the pytest plugin, the unittest mixin) install a verifier for each test; the module-level conveniences find
it through a context variable, so concurrent tasks and threads each see their own test's verifier.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar, Token
from types import ModuleType

from ._sandbox import ACTIVE, Sandbox
from .errors import NoActiveVerifierError

TYPE_CHECKING = False  # typing is not imported at run time: `import bigfoot` stays cheap
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any, ContextManager

    from ._verifier import StrictVerifier
    from .plugins.asyncpg_plugin import AsyncpgPlugin

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
        _close_innermost(exc)

    async def __aenter__(self) -> StrictVerifier:
        verifier = current_verifier("`async with bigfoot:`")
        return Sandbox(verifier, sys._getframe(1)).__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _close_innermost(exc)


def _close_innermost(exc: BaseException | None) -> None:
    # Each task runs in its own copy of the context, so the innermost sandbox seen here is the one this block opened,
    # whatever other tasks entered or left in between.
    sandbox = ACTIVE.get()
    if sandbox is not None:
        sandbox.close(exc)


class PluginProxy:
    """``bigfoot.asyncpg_mock``: stands for the current test's AsyncpgPlugin, created on first use."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        # Every attribute is the current plugin's. Overriding __getattribute__ rather than __getattr__ spares each
        # `bigfoot.asyncpg_mock.assert_...` a failed lookup and the AttributeError it costs.
        verifier = CURRENT.get()
        plugin = verifier._plugins.get(_plugin_class) if verifier is not None else None
        return getattr(plugin if plugin is not None else _current_plugin(), name)

    def __dir__(self) -> list[str]:
        return dir(_asyncpg_plugin_class())

    def __repr__(self) -> str:
        verifier = CURRENT.get()
        state = "no active verifier" if verifier is None else repr(verifier)
        return f"<bigfoot.asyncpg_mock proxy: {state}>"


_plugin_class: Any = None


def _current_plugin() -> AsyncpgPlugin:
    verifier = CURRENT.get()
    if verifier is None:
        raise NoActiveVerifierError(_NO_VERIFIER.format(what="bigfoot.asyncpg_mock"))
    plugin_class = _plugin_class or _asyncpg_plugin_class()
    plugin = verifier._plugins.get(plugin_class)
    return plugin if plugin is not None else plugin_class(verifier)  # type: ignore[return-value]


def _asyncpg_plugin_class() -> type[AsyncpgPlugin]:
    global _plugin_class
    if _plugin_class is None:
        try:
            import asyncpg  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "bigfoot.asyncpg_mock needs asyncpg, which is not installed. "
                "Install it with: pip install bigfoot[asyncpg]"
            ) from exc
        from .plugins.asyncpg_plugin import AsyncpgPlugin

        _plugin_class = AsyncpgPlugin
    result: type[AsyncpgPlugin] = _plugin_class
    return result
