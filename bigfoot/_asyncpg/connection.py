"""The fake ``asyncpg.Connection`` handed out by ``asyncpg.connect()`` inside a sandbox.

Every method has asyncpg's own signature. Parameter defaults are ``Default`` markers that print as asyncpg's
defaults, so a call records exactly the arguments the code passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg

from .._script import Session

if TYPE_CHECKING:
    from ..plugins.asyncpg_plugin import AsyncpgPlugin
    from ..record import Record


class Default:
    """A parameter default that shows as asyncpg's (``timeout=None``) but tells bigfoot the caller left it out."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


NONE: Any = Default(None)
ZERO: Any = Default(0)


# asyncpg's Connection metaclass answers isinstance() for any class that has this (empty) base in its MRO; pool
# connection proxies rely on it, and so does the fake.
_ProxyBase: Any = getattr(asyncpg.connection, "_ConnectionProxy", object)


class Connection(_ProxyBase):  # type: ignore[misc]
    """A scripted stand-in for ``asyncpg.connection.Connection``; ``isinstance(conn, asyncpg.Connection)`` holds."""

    __slots__ = ("_plugin", "_session", "_closed")

    def __init__(self, plugin: AsyncpgPlugin, session: Session) -> None:
        self._plugin = plugin
        self._session = session
        self._closed = False

    def _call(self, method: str, fields: dict[str, Any]) -> Any:
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        return self._plugin.call(self._session, method, fields, "conn." + method)

    async def execute(self, query: str, *args: Any, timeout: float | None = NONE) -> str:
        fields: dict[str, Any] = {"query": query, "args": list(args)}
        if timeout is not NONE:
            fields["timeout"] = timeout
        result: str = self._call("execute", fields)
        return result

    async def fetch(self, query: str, *args: Any, timeout: float | None = NONE, record_class: Any = NONE) -> list[Any]:
        fields: dict[str, Any] = {"query": query, "args": list(args)}
        if timeout is not NONE:
            fields["timeout"] = timeout
        if record_class is not NONE:
            fields["record_class"] = record_class
        rows: list[Record] = self._call("fetch", fields)
        return list(rows)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = NONE, record_class: Any = NONE) -> Any:
        fields: dict[str, Any] = {"query": query, "args": list(args)}
        if timeout is not NONE:
            fields["timeout"] = timeout
        if record_class is not NONE:
            fields["record_class"] = record_class
        return self._call("fetchrow", fields)

    async def fetchval(self, query: str, *args: Any, column: int | str = ZERO, timeout: float | None = NONE) -> Any:
        fields: dict[str, Any] = {"query": query, "args": list(args)}
        if column is not ZERO:
            fields["column"] = column
        if timeout is not NONE:
            fields["timeout"] = timeout
        return self._call("fetchval", fields)

    async def close(self, *, timeout: float | None = NONE) -> None:
        if self._closed:
            return  # closing twice is a no-op in asyncpg
        fields = {} if timeout is NONE else {"timeout": timeout}
        # asyncpg closes the connection even when close() fails, so state changes first.
        self._closed = True
        self._plugin.call(self._session, "close", fields, "conn.close")

    def is_closed(self) -> bool:
        return self._closed

    def is_in_transaction(self) -> bool:
        return False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<bigfoot fake asyncpg Connection, session #{self._session.number}, {state}>"
