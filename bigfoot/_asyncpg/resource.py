"""What the fakes of objects tied to a connection (transactions, prepared statements, cursors) share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from .connection import Connection


class ConnectionResource:
    """An object that belongs to one fake connection and refuses to work once it is closed, as asyncpg's do."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _check_valid(self, method: str) -> None:
        if self._connection._closed:
            raise asyncpg.InterfaceError(
                f"cannot call {type(self).__name__}.{method}(): the underlying connection is closed"
            )
