"""The fake of ``asyncpg.prepared_stmt.PreparedStatement``.

Its query methods are steps of the same names as the connection's, recorded with the statement's query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any

from ...errors import InvalidStateError
from .cursor import CursorFactory
from .defaults import FALSE, NONE, ZERO, given
from .described import Unknown, last_options, status_after
from .resource import ConnectionResource, guarded
from .rows import Record, convert, convert_all

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .connection import Connection


class PreparedStatement(ConnectionResource):
    """What ``await conn.prepare(query)`` returns."""

    __slots__ = ("_query", "_name", "_record_class", "_parameters", "_attributes", "_status", "_server")

    def __init__(self, connection: Connection, query: str, name: str, record_class: type = Record) -> None:
        super().__init__(connection)
        self._query = query
        self._name = name
        self._record_class = record_class  # prepare()'s record_class=, else the connection's
        described = last_options(connection._session, "prepare")  # what the server described, as scripted
        self._parameters: tuple[Any, ...] = described.get("parameters", ())
        self._attributes: tuple[Any, ...] = described.get("attributes", ())
        self._status: str | Unknown | None = None  # asyncpg's: None until an execution completes
        self._server: Any = None  # record mode: the real statement, kept on the server while this one lives

    def _executed(self, method: str, rows: int | None) -> None:
        # Reached only when the call succeeded: a failed execution leaves asyncpg's status as it was.
        if self._server is not None:  # record mode: the real statement ran the call and keeps the server's status
            self._status = self._server.get_statusmsg()
            return
        options = last_options(self._connection._session, method)
        self._status = options["status"] if "status" in options else status_after(self._query, method, rows)

    async def _run(self, exchange: Awaitable[Any]) -> Any:
        """Await the connection's exchange for a call of this statement. In record mode the recording connection
        runs the call on the real statement (``_via``), so that the server's status is known and recorded."""
        if self._server is None:
            return await exchange
        connection: Any = self._connection
        connection._via = self._server
        try:
            return await exchange
        finally:
            connection._via = None

    @guarded  # asyncpg guards its getters too
    def get_name(self) -> str:
        return self._name

    @guarded
    def get_query(self) -> str:
        return self._query

    @guarded
    def get_statusmsg(self) -> str | None:
        """The status of the last completed execution, as asyncpg keeps it (see ``described.status_after``)."""
        status = self._status
        if isinstance(status, Unknown):
            raise InvalidStateError(
                f"get_statusmsg(): the status of {self._query!r} after {status.method}() is the server's to tell "
                "(a count of rows the code did not see, or whether fetchval's None was a NULL or no row); script it "
                "on that step, e.g. "
                f'.expect("{status.method}", ..., status={status.tag!r}).'
            )
        return status

    @guarded
    def get_parameters(self) -> tuple[Any, ...]:
        """The parameter types the server described: the prepare step's ``parameters=`` (empty if not scripted)."""
        return self._parameters

    @guarded
    def get_attributes(self) -> tuple[Any, ...]:
        """The result columns the server described: the prepare step's ``attributes=`` (empty if not scripted)."""
        return self._attributes

    @guarded
    async def fetch(self, *args: Any, timeout: float | None = NONE) -> list[Record]:
        found = await self._run(self._connection._query("fetch", self._query, args, {"timeout": timeout}))
        self._executed("fetch", len(found))
        return convert_all(found, self._record_class)

    @guarded
    async def fetchrow(self, *args: Any, timeout: float | None = NONE) -> Record | None:
        row: Record | None = await self._run(
            self._connection._query("fetchrow", self._query, args, {"timeout": timeout})
        )
        self._executed("fetchrow", 0 if row is None else 1)
        return row if row is None else convert(row, self._record_class)

    @guarded
    async def fetchval(self, *args: Any, column: int | str = ZERO, timeout: float | None = NONE) -> Any:
        value = await self._run(
            self._connection._query("fetchval", self._query, args, {"column": column, "timeout": timeout})
        )
        self._executed("fetchval", None if value is None else 1)  # None: a NULL, or no row at all
        return value

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
        fields = given({"prefetch": prefetch, "timeout": timeout}, {"query": self._query, "args": list(args)})
        return CursorFactory(self._connection, fields, self._record_class)

    def __repr__(self) -> str:
        return f"<asyncpg.prepared_stmt.PreparedStatement object at {id(self):#x}>"
