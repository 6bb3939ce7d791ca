"""The fake of ``asyncpg.prepared_stmt.PreparedStatement``.

Its query methods are steps of the same names as the connection's, recorded with the statement's query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .record import Record
from .cursor import CursorFactory
from .defaults import FALSE, NONE, ZERO
from .resource import ConnectionResource, guarded

if TYPE_CHECKING:
    from .connection import Connection


class PreparedStatement(ConnectionResource):
    """What ``await conn.prepare(query)`` returns."""

    __slots__ = ("_query", "_name")

    def __init__(self, connection: Connection, query: str, name: str) -> None:
        super().__init__(connection)
        self._query = query
        self._name = name

    def get_name(self) -> str:
        return self._name

    def get_query(self) -> str:
        return self._query

    def get_statusmsg(self) -> str | None:
        """asyncpg reports the status of the last execution; the fake has no server status and gives None."""
        return None

    def get_parameters(self) -> tuple[Any, ...]:
        """Parameter types come from the server in asyncpg; the fake knows none and gives an empty tuple."""
        return ()

    def get_attributes(self) -> tuple[Any, ...]:
        """Result column descriptions come from the server in asyncpg; the fake gives an empty tuple."""
        return ()

    async def _query_call(self, method: str, args: tuple[Any, ...], fields: dict[str, Any]) -> Any:
        self._connection._check_arguments(self._query, args)
        return await self._connection._run(method, fields)

    @guarded
    async def fetch(self, *args: Any, timeout: float | None = NONE) -> list[Record]:
        fields: dict[str, Any] = {"query": self._query, "args": list(args)}
        if timeout is not NONE:
            fields["timeout"] = timeout
        rows: list[Record] = await self._query_call("fetch", args, fields)
        return list(rows)

    @guarded
    async def fetchrow(self, *args: Any, timeout: float | None = NONE) -> Record | None:
        fields: dict[str, Any] = {"query": self._query, "args": list(args)}
        if timeout is not NONE:
            fields["timeout"] = timeout
        row: Record | None = await self._query_call("fetchrow", args, fields)
        return row

    @guarded
    async def fetchval(self, *args: Any, column: int | str = ZERO, timeout: float | None = NONE) -> Any:
        fields: dict[str, Any] = {"query": self._query, "args": list(args)}
        if column is not ZERO:
            fields["column"] = column
        if timeout is not NONE:
            fields["timeout"] = timeout
        return await self._query_call("fetchval", args, fields)

    @guarded
    async def fetchmany(self, args: Iterable[Any], *, timeout: float | None = NONE) -> list[Record]:
        arg_list = list(args)
        self._connection._check_many(self._query, arg_list)
        fields: dict[str, Any] = {"query": self._query, "args": arg_list}
        if timeout is not NONE:
            fields["timeout"] = timeout
        rows: list[Record] = await self._connection._run("fetchmany", fields)
        return list(rows)

    @guarded
    async def executemany(self, args: Iterable[Any], *, timeout: float | None = NONE) -> None:
        arg_list = list(args)
        self._connection._check_many(self._query, arg_list)
        fields: dict[str, Any] = {"query": self._query, "args": arg_list}
        if timeout is not NONE:
            fields["timeout"] = timeout
        await self._connection._run("executemany", fields)

    @guarded
    async def explain(self, *args: Any, analyze: bool = FALSE) -> Any:
        fields: dict[str, Any] = {"query": self._query, "args": list(args)}
        if analyze is not FALSE:
            fields["analyze"] = analyze
        return await self._query_call("explain", args, fields)

    @guarded
    def cursor(self, *args: Any, prefetch: int | None = NONE, timeout: float | None = NONE) -> CursorFactory:
        fields: dict[str, Any] = {"query": self._query, "args": list(args)}
        if prefetch is not NONE:
            fields["prefetch"] = prefetch
        if timeout is not NONE:
            fields["timeout"] = timeout
        return CursorFactory(self._connection, fields)

    def __repr__(self) -> str:
        return f"<asyncpg.prepared_stmt.PreparedStatement object at {id(self):#x}>"
