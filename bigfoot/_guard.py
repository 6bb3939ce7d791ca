"""The guard: in a test that uses bigfoot, an intercepted call made outside every sandbox fails at the call.

Without it, ``asyncpg.connect()`` written before ``with bigfoot:`` (or after it) would try to reach whatever server
the code names, and the test would fail later with a network error, or pass against a real database by accident.

The runners start the guard when a test starts (the unittest mixin in its set-up, the pytest plugin once the test's
fixtures are set up) and stop it when the test's body is over. What it covers is the test's ``guard`` setting (see
``bigfoot._settings``):

- ``tests`` (the default): tests that use bigfoot, that is, whose verifier has a plugin (the test scripted,
  asserted or looked at ``asyncpg_mock``). The guard takes effect from that moment to the end of the test.
- ``all``: every test the runners run, from its start, whether it uses bigfoot or not: a suite that must never
  reach a real server.
- ``off``: no guard.

Like a sandbox, the guard follows the context: code the test runs, and tasks it starts, are guarded; threads it
starts itself are not (see docs/pools.md). Objects made outside bigfoot stay real: a real pool made before the test
opens its connections outside the guard, as it does outside a sandbox.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from . import _patching
from .errors import UnmockedInteractionError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ._verifier import StrictVerifier

OFF, PENDING, ARMED = 0, 1, 2
"""A verifier's guard: none, waiting for the test to use bigfoot, or holding the patches so that calls reach it."""

EXEMPT: ContextVar[bool] = ContextVar("bigfoot_guard_exempt", default=False)
"""True while code runs outside the sandbox on purpose (``_sandbox.outside_sandbox``): the guard lets it through."""


def start(verifier: StrictVerifier) -> None:
    """A runner's test body starts with ``verifier`` installed: guard it as its ``guard`` setting says (at once for
    ``tests`` if a fixture has used bigfoot already)."""
    setting = verifier.settings.guard
    if setting == "all" or (setting == "tests" and verifier._plugins):
        _arm(verifier)
    elif setting == "tests":
        verifier._guard = PENDING


def plugin_added(verifier: StrictVerifier) -> None:
    """``verifier`` got a plugin: its test uses bigfoot, so a pending guard takes effect."""
    if verifier._guard == PENDING:
        _arm(verifier)


def stop(verifier: StrictVerifier) -> None:
    """The test's body is over (the runner verifies next): release what the guard holds. Safe to call twice."""
    if verifier._guard == ARMED:
        _patching.release("guard")
    verifier._guard = OFF


def _arm(verifier: StrictVerifier) -> None:
    # The patches stay installed for the rest of the test, so that calls outside every sandbox reach refusal().
    _patching.acquire("guard")
    verifier._guard = ARMED


def refusal(called: str, verifier: StrictVerifier | None) -> UnmockedInteractionError | None:
    """The error for a call of ``called`` made outside every sandbox, or None if the guard lets it through.

    ``verifier`` is the current test's. The error is kept on the verifier, so a caller that swallows it still fails
    the test.
    """
    if verifier is None or verifier._guard != ARMED or EXEMPT.get():
        return None
    hint = f"with bigfoot:  (or `async with bigfoot:`) around the code that calls {called}()"
    error = UnmockedInteractionError(
        f"{called}() was called outside any bigfoot sandbox, in a test that uses bigfoot: nothing was sent to a "
        f"server. Open a sandbox around the code under test:\n  - {hint}\n"
        'To let this test reach a real server outside the sandbox, give it @bigfoot.settings(guard="off").',
        method=called,
        fields={},
        session=None,
        expected=None,
        hint=hint,
    )
    verifier._unmocked.append(error)
    return error
