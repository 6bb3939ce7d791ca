"""What the fakes of objects tied to a connection (transactions, prepared statements, cursors) share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .connection import Connection

F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    """Check the connection when the method is called, not when its coroutine is awaited, as asyncpg does."""
    name = method.__name__

    @functools.wraps(method)
    def check_then_call(self: ConnectionResource, *args: Any, **kwargs: Any) -> Any:
        self._check_valid(name)
        return method(self, *args, **kwargs)

    return check_then_call  # type: ignore[return-value]


class ConnectionResource:
    """An object that belongs to one fake connection and refuses to work once it is closed, as asyncpg's do."""

    __slots__ = ("_connection", "_checkout")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._checkout = connection._checkout  # asyncpg keeps the connection's release count for the same check

    def _check_valid(self, method: str) -> None:
        if self._connection._checkout is not self._checkout:
            raise asyncpg.InterfaceError(
                f"cannot call {type(self).__name__}.{method}(): "
                "the underlying connection has been released back to the pool"
            )
        if self._connection._closed:
            raise asyncpg.InterfaceError(
                f"cannot call {type(self).__name__}.{method}(): the underlying connection is closed"
            )
