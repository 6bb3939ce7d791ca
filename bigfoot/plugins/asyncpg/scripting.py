"""Helpers for the common shapes of an asyncpg script: a transaction block, a checkout, and a pool's shortcut.

Each scripts exactly the steps the written-out ``expect()`` calls would, each at the test's line (never this
module's), so messages about a step name the line where the test scripted it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..._notgiven import NOT_GIVEN
from ..._script import Session, SessionHandle, StepSpec

if TYPE_CHECKING:
    from types import FrameType

    from typing_extensions import Self

    from ..._plugin import BasePlugin

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

POOL_SHORTCUTS = (
    "copy_from_query",
    "copy_from_table",
    "copy_records_to_table",
    "copy_to_table",
    "execute",
    "executemany",
    "fetch",
    "fetchmany",
    "fetchrow",
    "fetchval",
)
"""The methods of ``asyncpg.Pool`` that check a connection out, make the call of that name on it, and release it."""

# The steps of a transaction block: its start, its commit, its rollback; nested in another block, a savepoint's.
_BLOCK = {
    False: ("begin", "commit", "rollback"),
    True: ("savepoint", "release_savepoint", "rollback_to_savepoint"),
}

_EXAMPLES = {
    "transaction": 'lambda tx: tx.expect("execute", returns="INSERT 0 1")',
    "checkout": 'lambda con: con.expect("fetchval", returns=1)',
}
_WHAT = {"transaction": "block", "checkout": "checkout"}


def _type_name(value: object) -> str:
    return type(value).__name__


class AsyncpgSessionHandle(SessionHandle):
    """The handle ``AsyncpgPlugin.new_session()`` returns: ``expect()``, and ``transaction()`` for a block.

    ``transaction(body)`` scripts what ``async with conn.transaction():`` does: its start, the steps ``body``
    scripts, then its commit (or its rollback, with ``rollback=True``)::

        apg.new_session().expect("connect").transaction(lambda tx: tx.expect("execute", returns="INSERT 0 1"))
    """

    __slots__ = ("_depth",)

    def __init__(self, session: Session, specs: Mapping[str, StepSpec]) -> None:
        super().__init__(session, specs)
        self._depth = 0  # how many transaction() bodies are scripting now: inside one, a block is a savepoint

    def transaction(self, body: Callable[[Self], object] | None = None, *, rollback: bool = False) -> Self:
        """Script a transaction block: ``begin``, the steps ``body(handle)`` scripts, then ``commit``.

        ``body`` is called at once with this handle and scripts the block's steps on it (a lambda chaining
        ``expect()`` calls, or a function); without it the block is empty. ``rollback=True`` scripts the block
        leaving by an exception, so its end is ``rollback`` instead of ``commit``. A ``transaction()`` inside a body
        is a nested block, as in asyncpg: ``savepoint``, its steps, then ``release_savepoint`` (or
        ``rollback_to_savepoint``). The steps are exactly those of the written-out ``expect()`` calls, and each
        points at the line that scripted it. Returns the handle, so calls chain.
        """
        frame = sys._getframe(1)
        if body is not None:
            _check_body(body, "transaction")
        if type(rollback) is not bool:
            raise TypeError(f"transaction(): rollback must be True or False, got {_type_name(rollback)} {rollback!r}.")
        start, commit, undo = _BLOCK[self._depth > 0]
        self._step(frame, start)
        if body is not None:
            self._depth += 1
            try:
                self._script_body(body, "transaction")
            finally:
                self._depth -= 1
        self._step(frame, undo if rollback else commit)
        return self

    def _script_body(self, body: Callable[[Self], object], helper: str) -> None:
        """Call a helper's ``body`` with this handle; it must script at least one step, and not be async."""
        scripted = len(self._session.steps)
        result = body(self)
        if inspect.isawaitable(result):
            getattr(result, "close", lambda: None)()  # never awaited: close it so Python does not warn
            raise TypeError(_async_body(helper))
        if len(self._session.steps) == scripted:
            raise TypeError(
                f"{helper}(): the body scripted no step on the handle it was given (it returned "
                f"{_type_name(result)} {result!r}). Script the {_WHAT[helper]}'s steps on that handle, as in "
                f"{_EXAMPLES[helper]}; for an empty {_WHAT[helper]} call {helper}() without a body."
            )

    def _step(self, frame: FrameType, method: str) -> None:
        self._expect_at(frame, method, NOT_GIVEN, None, True, 1, None, {})


def _async_body(helper: str) -> str:
    return (
        f"{helper}(): body must be a plain function, not a coroutine function: a script is written before the code "
        f"runs and nothing in it is awaited. Use {_EXAMPLES[helper]}."
    )


def _check_body(body: object, helper: str) -> None:
    if inspect.iscoroutinefunction(body):
        raise TypeError(_async_body(helper))
    if callable(body):
        return
    why = ""
    if isinstance(body, SessionHandle):
        first = "block's begin" if helper == "transaction" else "checkout's acquire"
        why = (
            f" An expect() call written as the argument runs before the {first} step is scripted, so put it in "
            "a function of the handle."
        )
    raise TypeError(
        f"{helper}(): body must be a function that scripts the {_WHAT[helper]}'s steps on the handle it is given, "
        f"such as {_EXAMPLES[helper]}; got {_type_name(body)} {body!r}.{why}"
    )


def checkout(
    plugin: BasePlugin, frame: FrameType, body: Callable[[AsyncpgSessionHandle], object] | None
) -> AsyncpgSessionHandle:
    """A new session scripting one checkout, ``async with pool.acquire() as con:``: ``acquire``, the steps ``body``
    scripts, ``release``, at ``frame``. The body is checked before the session is queued."""
    if body is not None:
        _check_body(body, "checkout")
    handle = plugin.new_session()
    assert isinstance(handle, AsyncpgSessionHandle)  # AsyncpgPlugin.handle_class
    handle._step(frame, "acquire")
    if body is not None:
        handle._script_body(body, "checkout")
    handle._step(frame, "release")
    return handle


def pool_call(
    plugin: BasePlugin,
    frame: FrameType,
    method: str,
    returns: Any,
    raises: BaseException | type[BaseException] | None,
    delay: float | None,
    options: dict[str, Any],
) -> AsyncpgSessionHandle:
    """A new session scripting a pool shortcut: ``acquire``, the call ``method``, ``release``, all at ``frame``.

    Everything is checked before the session is queued, so a refused call leaves no half-scripted session behind.
    """
    if type(method) is not str or method not in POOL_SHORTCUTS:
        raise ValueError(
            f"pool_call({method!r}): not a pool shortcut; asyncpg's pools make one call through "
            f"{', '.join(POOL_SHORTCUTS)}. For a checkout (pool.acquire()), script checkout(lambda con: ...) with the "
            "calls made on the connection."
        )
    for name in ("required", "times"):
        if name in options:
            raise TypeError(
                f"pool_call({method!r}): {name}= is not taken: a pool shortcut is one checkout making exactly one "
                'call. Write the session out, new_session().expect("acquire")...expect("release"), to script more.'
            )
    # The call's step, one required step: checked first on a session that is never queued (its messages re-addressed
    # to pool_call()), then scripted with the very same arguments.
    call = (frame, method, returns, raises, True, 1, delay, options)
    scratch = AsyncpgSessionHandle(Session(plugin, 0), plugin.step_specs)
    try:
        scratch._expect_at(*call)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        prefix = f"expect({method!r}): "
        if message.startswith(prefix):
            message = f"pool_call({method!r}): {message[len(prefix) :]}"
        raise type(exc)(message) from None
    handle = plugin.new_session()
    assert isinstance(handle, AsyncpgSessionHandle)  # AsyncpgPlugin.handle_class
    handle._step(frame, "acquire")
    handle._expect_at(*call)
    handle._step(frame, "release")
    return handle
