"""The fakes of asyncpg's cursors: ``conn.cursor(...)`` used with ``async for`` or awaited.

Opening the cursor is the step ``cursor``, whose ``returns`` holds every row the cursor will yield; reading the cursor
(``fetch(n)``, ``fetchrow()``, ``forward(n)``, iteration) takes rows from that list without further steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generator

import asyncpg

from .record import Record
from .resource import ConnectionResource, guarded

if TYPE_CHECKING:
    from .connection import Connection


def _no_transaction() -> BaseException:
    # asyncpg checks this itself before asking the server, so the error carries only its text.
    return asyncpg.NoActiveSQLTransactionError("cursor cannot be created outside of a transaction")  # type: ignore[no-any-return]


class CursorFactory(ConnectionResource):
    """What ``conn.cursor(...)`` returns: iterate it with ``async for`` or ``await`` it for a ``Cursor``."""

    __slots__ = ("_fields", "_query")

    def __init__(self, connection: Connection, fields: dict[str, Any]) -> None:
        super().__init__(connection)
        self._fields = fields
        self._query: str = fields["query"]

    async def _open(self) -> list[Record]:
        connection = self._connection
        connection._check_query(self._query)
        connection._check_arguments(self._query, self._fields["args"])
        if not connection.is_in_transaction():
            raise _no_transaction()
        rows: list[Record] = await connection._run("cursor", self._fields)
        return rows

    def __await__(self) -> Generator[Any, None, Cursor]:
        self._check_valid("__await__")
        return self._make_cursor().__await__()

    async def _make_cursor(self) -> Cursor:
        return Cursor(self._connection, self._query, await self._open())

    def __aiter__(self) -> CursorIterator:
        self._check_valid("__aiter__")
        return CursorIterator(self)


class CursorIterator:
    """``async for`` over a cursor: opens it on the first row asked for."""

    __slots__ = ("_factory", "_rows", "_pos")

    def __init__(self, factory: CursorFactory) -> None:
        self._factory = factory
        self._rows: list[Record] | None = None
        self._pos = 0

    def __aiter__(self) -> CursorIterator:
        return self

    async def __anext__(self) -> Record:
        if self._rows is None:
            self._rows = await self._factory._open()
        if self._pos >= len(self._rows):
            raise StopAsyncIteration
        row = self._rows[self._pos]
        self._pos += 1
        return row


class Cursor(ConnectionResource):
    """An open cursor: reads the rows its ``cursor`` step scripted."""

    __slots__ = ("_query", "_rows", "_pos")

    def __init__(self, connection: Connection, query: str, rows: list[Record]) -> None:
        super().__init__(connection)
        self._query = query
        self._rows = rows
        self._pos = 0

    @guarded
    async def fetch(self, n: int, *, timeout: float | None = None) -> list[Record]:
        """The next ``n`` rows (fewer at the end)."""
        if n <= 0:
            raise asyncpg.InterfaceError("n must be greater than zero")
        rows = self._rows[self._pos : self._pos + n]
        self._pos += len(rows)
        return rows

    @guarded
    async def fetchrow(self, *, timeout: float | None = None) -> Record | None:
        """The next row, or None at the end."""
        if self._pos >= len(self._rows):
            return None
        row = self._rows[self._pos]
        self._pos += 1
        return row

    @guarded
    async def forward(self, n: int, *, timeout: float | None = None) -> int:
        """Skip ``n`` rows; returns how many were skipped."""
        if n <= 0:
            raise asyncpg.InterfaceError("n must be greater than zero")
        skipped = min(n, len(self._rows) - self._pos)
        self._pos += skipped
        return skipped

    def __repr__(self) -> str:
        return f'<asyncpg.Cursor "{self._query[:30]}" {id(self):#x}>'
