"""The fakes of asyncpg's cursors: ``conn.cursor(...)`` used with ``async for`` or awaited.

Opening the cursor is the step ``cursor``, whose ``returns`` holds every row the cursor will yield; reading the cursor
(``fetch(n)``, ``fetchrow()``, ``forward(n)``, iteration) takes rows from that list without further steps. Each read
that asyncpg sends to the server makes asyncpg's checks (the connection, the transaction) and meets the server's state
(an aborted block refuses it); reads asyncpg answers from its buffer or from knowing the cursor is exhausted do not.
A query that fails while the server produces its rows is scripted with the step's ``then_raises=``: the rows before
the failing one are ``returns``, and a read that needs the failing row raises the error, which aborts the block.
"""

from __future__ import annotations

import types
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import asyncpg

from .record import Record
from .resource import ConnectionResource, guarded
from .rows import convert_all
from .txstate import FAILED, PLAIN, in_failed_transaction, statements

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .connection import Connection

DEFAULT_PREFETCH = 50  # asyncpg's, for an iterated cursor


def _no_transaction() -> BaseException:
    # asyncpg checks this itself before asking the server, so the error carries only its text.
    return asyncpg.NoActiveSQLTransactionError("cursor cannot be created outside of a transaction")  # type: ignore[no-any-return]


class CursorFactory(ConnectionResource):
    """What ``conn.cursor(...)`` returns: iterate it with ``async for`` or ``await`` it for a ``Cursor``."""

    __slots__ = ("_fields", "_query", "_record_class")

    def __init__(self, connection: Connection, fields: dict[str, Any], record_class: Any = None) -> None:
        super().__init__(connection)
        self._fields = fields
        self._query: str = fields["query"]
        self._record_class = record_class  # checked when the cursor opens, as asyncpg does

    @types.coroutine  # not an async def, for asyncio's debug mode: see Connection._exchange
    def _open(self) -> Generator[Any, None, list[Record]]:
        """asyncpg's order: prepare (the server may refuse it), the transaction check, the argument count, run."""
        connection = self._connection
        query = self._query
        cls = connection._row_class(self._record_class)
        connection._check_query(query)

        def client_checks() -> None:
            if not connection.is_in_transaction():
                raise _no_transaction()
            connection._check_arguments(query, self._fields["args"])

        found: list[Record] = yield from connection._exchange(
            "cursor", self._fields, statements(query), client_check=client_checks
        )
        return _Rows(convert_all(found, cls), connection._step_options("cursor").get("then_raises"))

    @guarded
    def __await__(self) -> Generator[Any, None, Cursor]:
        if self._fields.get("prefetch") is not None:
            raise asyncpg.InterfaceError("prefetch argument can only be specified for iterable cursor")
        found = yield from self._open()
        return Cursor(self._connection, self._query, found)

    @guarded
    def __aiter__(self) -> CursorIterator:
        prefetch = self._fields.get("prefetch")
        return CursorIterator(self, DEFAULT_PREFETCH if prefetch is None else prefetch)


class _Rows(list[Record]):
    """A cursor's scripted rows, and the error the server raises producing the row after them (None: they are all)."""

    __slots__ = ("then_raises",)

    def __init__(self, rows: list[Record], then_raises: BaseException | None) -> None:
        super().__init__(rows)
        self.then_raises = then_raises


class _Reader(ConnectionResource):
    """What asyncpg's cursors share: the rows, how far they were read, and the checks of a trip to the server."""

    __slots__ = ("_rows", "_pos", "_exhausted")

    def __init__(self, connection: Connection, rows: list[Record] | None) -> None:
        super().__init__(connection)
        self._rows = rows
        self._pos = 0
        self._exhausted = False

    def _check_ready(self) -> None:
        if not self._connection.is_in_transaction():
            raise _no_transaction()

    def _server_read(self) -> None:
        """A read that reaches the server: an aborted block refuses it."""
        self._check_ready()
        if self._connection._server.status is FAILED:
            raise in_failed_transaction()

    def _take(self, n: int) -> list[Record]:
        """Up to ``n`` rows, as the server's execute of the portal gives them; fewer than ``n`` means the end. When the
        server fails producing the row after the scripted ones, a read that needs it raises that error instead (the
        rows of that read are lost with it, as asyncpg loses them) and the block is aborted."""
        rows = self._rows or []
        failure = getattr(rows, "then_raises", None)
        if failure is not None and self._pos + n > len(rows):
            self._connection._server.failed(PLAIN)
            raise failure
        taken = rows[self._pos : self._pos + n]
        self._pos += len(taken)
        if len(taken) < n:
            self._exhausted = True
        return taken


class CursorIterator(_Reader):
    """``async for`` over a cursor: opens it on the first row asked for, then reads ``prefetch`` rows at a time."""

    __slots__ = ("_factory", "_prefetch", "_buffer")

    def __init__(self, factory: CursorFactory, prefetch: int) -> None:
        super().__init__(factory._connection, None)
        if prefetch <= 0:
            raise asyncpg.InterfaceError("prefetch argument must be greater than zero")
        self._factory = factory
        self._prefetch = prefetch
        self._buffer: list[Record] = []

    @guarded
    def __aiter__(self) -> CursorIterator:
        return self

    @guarded
    async def __anext__(self) -> Record:
        if self._rows is None:
            self._rows = await self._factory._open()
            self._buffer = self._take(self._prefetch)
        elif not self._buffer and not self._exhausted:
            self._server_read()
            self._buffer = self._take(self._prefetch)
        if self._buffer:
            return self._buffer.pop(0)
        raise StopAsyncIteration


class Cursor(_Reader):
    """An open cursor: reads the rows its ``cursor`` step scripted."""

    __slots__ = ("_query",)

    def __init__(self, connection: Connection, query: str, rows: list[Record]) -> None:
        super().__init__(connection, rows)
        self._query = query

    @guarded
    async def fetch(self, n: int, *, timeout: float | None = None) -> list[Record]:
        """The next ``n`` rows (fewer at the end)."""
        self._check_ready()
        if n <= 0:
            raise asyncpg.InterfaceError("n must be greater than zero")
        if self._exhausted:
            return []
        self._server_read()
        return self._take(n)

    @guarded
    async def fetchrow(self, *, timeout: float | None = None) -> Record | None:
        """The next row, or None at the end."""
        self._check_ready()
        if self._exhausted:
            return None
        self._server_read()
        rows = self._take(1)
        return rows[0] if rows else None

    @guarded
    async def forward(self, n: int, *, timeout: float | None = None) -> int:
        """Skip ``n`` rows; returns how many were skipped."""
        self._check_ready()
        if n <= 0:
            raise asyncpg.InterfaceError("n must be greater than zero")
        self._server_read()  # asyncpg sends MOVE even to an exhausted cursor
        return len(self._take(n))

    def __repr__(self) -> str:
        exhausted = "exhausted " if self._exhausted else ""
        return f'<asyncpg.Cursor "{self._query[:30]}" {exhausted}{id(self):#x}>'
