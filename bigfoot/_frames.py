"""bigfoot's own frames, left out of the tracebacks a test runner shows.

pytest hides the frames of every bigfoot module (each sets ``__tracebackhide__``). unittest leaves out only the frames
of modules that set ``__unittest`` at the start of a traceback, and at its end only for a plain ``AssertionError``; the
mixin passes what a test raised through ``hide_frames`` so that bigfoot's errors, which subclass ``AssertionError``,
point at the test's line too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from types import TracebackType


def _ours(tb: TracebackType) -> bool:
    frame = tb.tb_frame
    if frame.f_code.co_filename.startswith("<bigfoot "):
        return True  # the body bigfoot swaps into an intercepted function (see bigfoot._patching)
    name = frame.f_globals.get("__name__", "")
    return isinstance(name, str) and (name == "bigfoot" or name.startswith("bigfoot."))


def _without_ours(tb: TracebackType | None) -> TracebackType | None:
    """The traceback ``tb`` without bigfoot's frames. Every entry is relinked to the next kept one, so that a runner
    holding on to an entry of the old chain (``contextlib`` restores the one it was given) sees the new one."""
    entries: list[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    following: TracebackType | None = None
    for entry in reversed(entries):
        entry.tb_next = following
        if not _ours(entry):
            following = entry
    return following


def exceptions_in(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception chained to it (``__cause__``, ``__context__``) or grouped in it, to any depth, once.

    A group is an exception group (``asyncio.TaskGroup`` raises one; on Python 3.10 the ``exceptiongroup`` backport's),
    or any exception with a tuple or list of member exceptions in ``exceptions``.
    """
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.append(current.__cause__)
        pending.append(current.__context__)
        members = getattr(current, "exceptions", None)
        if isinstance(members, (tuple, list)):
            pending.extend(members)


def hide_frames(exc: BaseException) -> None:
    """Take bigfoot's frames out of the traceback of ``exc`` and of every exception chained to it or grouped in it."""
    for current in exceptions_in(exc):
        current.__traceback__ = _without_ours(current.__traceback__)


def start_at(exc: BaseException, function: Any) -> None:
    """Start the traceback of ``exc`` at the frame of ``function`` (a test method) when it holds one: the frames
    before it are the runner's (``IsolatedAsyncioTestCase`` runs the test through asyncio's event loop)."""
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is not None:
        exc.__traceback__ = tb
