"""Sandboxes: the stretch of code in which intercepted calls are answered by a verifier's scripts.

Which sandbox a call belongs to is held in a context variable, so asyncio tasks and threads each see the sandbox of
the code that started them, never another test's. ``route`` is where every intercepted call arrives. A function a
plugin declares always real (``BasePlugin.always_real()``) arrives at ``run_outside`` or ``await_outside`` instead:
it runs its own code with the sandbox hidden, so the intercepted calls it makes reach the real library.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from . import _guard, _patching
from ._frames import exceptions_in
from ._render import line_at, location
from .errors import InvalidStateError, UnmockedInteractionError

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from types import FrameType, TracebackType

    from ._patching import InterceptedCall
    from ._verifier import StrictVerifier

ACTIVE: ContextVar[Sandbox | None] = ContextVar("bigfoot_active_sandbox", default=None)

_open: set[Sandbox] = set()
"""Every sandbox entered and not yet closed, so a runner can close those a test abandoned (see close_open)."""

_NEW, _OPEN, _CLOSED = 0, 1, 2


def route(call: InterceptedCall) -> Any:
    """Answer a call of an intercepted function: the original outside every sandbox, the plugin's fake inside one."""
    patch = call.patch
    sandbox = ACTIVE.get()
    if sandbox is None:
        # No sandbox in this context: the call reaches the real library, unless the test's guard refuses it.
        from ._current import CURRENT

        refused = _guard.refusal(patch.name, CURRENT.get())
        if refused is not None:
            raise refused
        return call.call_original()
    if sandbox.closed:
        raise sandbox.refuse_closed(f"{patch.name}()")
    handler = patch.handler
    assert handler is not None  # the always-real functions arrive at run_outside, never here
    return handler(patch.owner.of(sandbox.verifier), call)


@contextmanager
def outside_sandbox() -> Iterator[None]:
    """Hide the sandbox from the code run in this block (a handler's real library calls, an always-real function):
    the intercepted calls made in it reach the real library."""
    token = ACTIVE.set(None)
    exempt = _guard.EXEMPT.set(True)
    try:
        yield
    finally:
        _guard.EXEMPT.reset(exempt)
        ACTIVE.reset(token)


def run_outside(call: InterceptedCall) -> Any:
    """Run an always-real function's own code with the sandbox hidden, whatever the context calling it."""
    with outside_sandbox():
        return call.call_original()


async def await_outside(call: InterceptedCall) -> Any:
    """``run_outside`` for a coroutine function: the sandbox stays hidden until its coroutine has finished."""
    with outside_sandbox():
        return await call.call_original()


class Sandbox:
    """A context manager (``with`` and ``async with``) that routes intercepted calls to ``verifier``.

    Entering gives the verifier. A sandbox is entered once; ask ``verifier.sandbox()`` for another.
    """

    __slots__ = ("verifier", "_token", "_state", "_code", "_offset", "_opener")

    def __init__(self, verifier: StrictVerifier, frame: FrameType | None) -> None:
        self.verifier = verifier
        """The verifier whose plugins answer the calls made inside the sandbox; entering returns it."""
        self._token: Token[Sandbox | None] | None = None
        self._state = _NEW
        # Only the code and the bytecode offset are kept; the place in words is made if a message needs it.
        self._code = frame.f_code if frame is not None else None
        self._offset = frame.f_lasti if frame is not None else 0
        self._opener = id(frame)  # which frame opened it: see _left_by_its_opener

    @property
    def closed(self) -> bool:
        """Whether the sandbox has been left; calls routed to it after that are refused."""
        return self._state == _CLOSED

    @property
    def opened_at(self) -> str:
        """``file:line`` of the code that opened the sandbox."""
        code = self._code
        return "?:0" if code is None else location(code.co_filename, line_at(code, self._offset))

    def __enter__(self) -> StrictVerifier:
        if self._state != _NEW:
            raise InvalidStateError(
                f"This sandbox (opened at {self.opened_at}) was entered before; a sandbox is entered once. "
                "Call verifier.sandbox() again for a new one."
            )
        _patching.acquire()
        self._token = ACTIVE.set(self)
        self._state = _OPEN
        _open.add(self)
        return self.verifier

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(exc)

    async def __aenter__(self) -> StrictVerifier:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(exc)

    def close(self, exc: BaseException | None = None) -> None:
        """Leave the sandbox. ``exc`` is what the block raised, if anything."""
        if self._state != _OPEN:
            return
        self._state = _CLOSED
        _open.discard(self)
        token, self._token = self._token, None
        try:
            if token is not None and ACTIVE.get() is self:
                ACTIVE.reset(token)
        except ValueError:
            # Left from another context than it was entered in: that context keeps pointing at a closed sandbox,
            # whose calls are refused with a clear error.
            pass
        finally:
            _patching.release()
        if exc is not None:
            self._mark_surfaced(exc)

    def _mark_surfaced(self, exc: BaseException) -> None:
        """An unmocked-call error that left the block reached the test: verification need not report it again."""
        mark_surfaced(self.verifier, exc)

    def _left_by_its_opener(self, frame: FrameType, exc: BaseException | None) -> bool:
        """Whether the ``with bigfoot:`` block of ``frame``, ending with ``exc``, may close this sandbox.

        Not when the block is in a coroutine or generator that the garbage collector is finalizing (it ends with
        ``GeneratorExit``) and another frame opened this sandbox: an abandoned task's block then ends in whatever
        context the collector happens to run in, and the sandbox found there is another test's, which would be closed
        in the middle of its code. (A sandbox entered through an exit stack inside a generator that is closed stays
        open until the runner closes it at the end of the test.)
        """
        return self._opener == id(frame) or not isinstance(exc, GeneratorExit)

    def refuse_closed(self, called: str) -> InvalidStateError:
        """The error for a call of ``called`` that reached this sandbox after it closed, saying how to fix it."""
        return InvalidStateError(
            f"{called} was called from code started inside the bigfoot sandbox opened at {self.opened_at}, "
            "but that sandbox has closed. Await the task (or finish the work) before the sandbox ends, "
            "or open a sandbox around the code that makes the call."
        )

    def __repr__(self) -> str:
        state = ("new", "open", "closed")[self._state]
        return f"<bigfoot Sandbox {state}, opened at {self.opened_at}>"


def mark_surfaced(verifier: StrictVerifier, exc: BaseException) -> None:
    """Every unmocked-call error inside ``exc`` reached the test, so ``verify_all()`` need not report it again.

    "Inside" follows ``__cause__`` and ``__context__`` chains and the members of exception groups (``asyncio.TaskGroup``
    raises an ``ExceptionGroup``; on Python 3.10 the ``exceptiongroup`` backport's groups, or any exception with a
    tuple of member exceptions in ``exceptions``), to any depth.
    """
    for current in exceptions_in(exc):
        if isinstance(current, UnmockedInteractionError):
            verifier._surfaced(current)


def close_open(verifier: StrictVerifier) -> int:
    """Close every sandbox of ``verifier`` still open; returns how many there were.

    The runners call this when a test ends, before verifying: a task abandoned inside a sandbox (its event loop
    closed without cancelling it) would otherwise keep the libraries patched until the garbage collector finalizes
    the task. A later call from such a task is refused like any call from a closed sandbox.
    """
    abandoned = [sandbox for sandbox in list(_open) if sandbox.verifier is verifier]
    for sandbox in abandoned:
        sandbox.close()
    return len(abandoned)
