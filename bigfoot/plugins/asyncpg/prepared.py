"""The fake of ``asyncpg.prepared_stmt.PreparedStatement``.

Its query methods are steps of the same names as the connection's, recorded with the statement's query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .cursor import CursorFactory
from .defaults import FALSE, NONE, ZERO, given
from .resource import ConnectionResource, guarded
from .rows import Record, convert, convert_all

if TYPE_CHECKING:
    from .connection import Connection


class PreparedStatement(ConnectionResource):
    """What ``await conn.prepare(query)`` returns."""

    __slots__ = ("_query", "_name", "_record_class")

    def __init__(self, connection: Connection, query: str, name: str, record_class: type = Record) -> None:
        super().__init__(connection)
        self._query = query
        self._name = name
        self._record_class = record_class  # prepare()'s record_class=, else the connection's

    @guarded  # asyncpg guards its getters too
    def get_name(self) -> str:
        return self._name

    @guarded
    def get_query(self) -> str:
        return self._query

    @guarded
    def get_statusmsg(self) -> str | None:
        """asyncpg reports the status of the last execution; the fake has no server status and gives None."""
        return None

    @guarded
    def get_parameters(self) -> tuple[Any, ...]:
        """Parameter types come from the server in asyncpg; the fake knows none and gives an empty tuple."""
        return ()

    @guarded
    def get_attributes(self) -> tuple[Any, ...]:
        """Result column descriptions come from the server in asyncpg; the fake gives an empty tuple."""
        return ()

    @guarded
    async def fetch(self, *args: Any, timeout: float | None = NONE) -> list[Record]:
        found = await self._connection._query("fetch", self._query, args, {"timeout": timeout})
        return convert_all(found, self._record_class)

    @guarded
    async def fetchrow(self, *args: Any, timeout: float | None = NONE) -> Record | None:
        row: Record | None = await self._connection._query("fetchrow", self._query, args, {"timeout": timeout})
        return row if row is None else convert(row, self._record_class)

    @guarded
    async def fetchval(self, *args: Any, column: int | str = ZERO, timeout: float | None = NONE) -> Any:
        return await self._connection._query("fetchval", self._query, args, {"column": column, "timeout": timeout})

    @guarded
    async def fetchmany(self, args: Iterable[Any], *, timeout: float | None = NONE) -> list[Record]:
        found = await self._connection._query_many("fetchmany", self._query, args, {"timeout": timeout})
        return convert_all(found, self._record_class)

    @guarded
    async def executemany(self, args: Iterable[Any], *, timeout: float | None = NONE) -> None:
        await self._connection._query_many("executemany", self._query, args, {"timeout": timeout})

    @guarded
    async def explain(self, *args: Any, analyze: bool = FALSE) -> Any:
        return await self._connection._query("explain", self._query, args, {"analyze": analyze})

    @guarded
    def cursor(self, *args: Any, prefetch: int | None = NONE, timeout: float | None = NONE) -> CursorFactory:
        fields: dict[str, Any] = {"query": self._query, "args": list(args)}
        fields.update(given({"prefetch": prefetch, "timeout": timeout}))
        return CursorFactory(self._connection, fields, self._record_class)

    def __repr__(self) -> str:
        return f"<asyncpg.prepared_stmt.PreparedStatement object at {id(self):#x}>"
