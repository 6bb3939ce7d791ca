"""The fake ``asyncpg.Pool`` handed out by ``asyncpg.create_pool()`` inside a sandbox.

Each checkout takes the next queued session: its first step is ``acquire`` and its last ``release``. The pool's own
life (``create_pool``, ``close_pool``, ``terminate_pool``) is recorded for the test to assert, without steps: it
returns nothing the code could be scripted to see. ``max_size`` is honoured with a FIFO of waiting acquirers.
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncpg

from . import rows
from .connection import Connection, ConnectionProxyBase
from .defaults import NONE, ZERO, given
from .pool_connections import PoolConnections

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .plugin import AsyncpgPlugin
    from .record import Record


def _check_sizes(min_size: int, max_size: int, init_size: int | None, max_queries: int, lifetime: float) -> int:
    # The same checks, in the same order and words, as asyncpg's Pool constructor.
    if max_size <= 0:
        raise ValueError("max_size is expected to be greater than zero")
    if min_size < 0:
        raise ValueError("min_size is expected to be greater or equal to zero")
    if min_size > max_size:
        raise ValueError("min_size is greater than max_size")
    if init_size is None:
        init_size = min_size
    if init_size < 0:
        raise ValueError("init_size is expected to be greater or equal to zero")
    if init_size > max_size:
        raise ValueError("init_size is greater than max_size")
    if init_size < min_size:
        raise ValueError("init_size is smaller than min_size")
    if max_queries <= 0:
        raise ValueError("max_queries is expected to be greater than zero")
    if lifetime < 0:
        raise ValueError("max_inactive_connection_lifetime is expected to be greater or equal to zero")
    return init_size


class PoolConnectionProxy(ConnectionProxyBase):  # type: ignore[misc]
    """What ``pool.acquire()`` gives: the session's connection until it is released, then nothing."""

    __slots__ = ("_con", "_pool", "_closed_con")

    def __init__(self, pool: Pool, con: Connection) -> None:
        self._con: Connection | None = con
        self._pool = pool
        # A connection closed while checked out: asyncpg's pool takes it back at once (the proxy is released); the
        # fake keeps it until the code's own release() call, which is still that session's last step.
        self._closed_con: Connection | None = None

    def __getattr__(self, name: str) -> Any:
        con = self._con
        if con is None:
            if not name.startswith("_") and callable(getattr(asyncpg.connection.Connection, name, None)):
                return _released_method(name)
            raise AttributeError(name)
        return getattr(con, name)

    def _detach(self) -> Connection | None:
        con, self._con = self._con, None
        return con

    def __repr__(self) -> str:
        if self._con is None:
            return f"<PoolConnectionProxy [released] {id(self):#x}>"
        return f"<PoolConnectionProxy {self._con!r} {id(self):#x}>"


def _released_method(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise asyncpg.InterfaceError(f"cannot call Connection.{name}(): connection has been released back to the pool")

    return refuse


class PoolAcquireContext:
    """What ``pool.acquire()`` returns: ``await`` it or use it with ``async with`` (which releases on exit)."""

    __slots__ = ("pool", "timeout", "connection", "done")

    def __init__(self, pool: Pool, timeout: float | None) -> None:
        self.pool = pool
        self.timeout = timeout
        self.connection: PoolConnectionProxy | None = None
        self.done = False

    async def __aenter__(self) -> PoolConnectionProxy:
        if self.connection is not None or self.done:
            raise asyncpg.InterfaceError("a connection is already acquired")
        self.connection = await self.pool._acquire(self.timeout)
        return self.connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        self.done = True
        con, self.connection = self.connection, None
        await self.pool.release(con)

    def __await__(self) -> Generator[Any, None, PoolConnectionProxy]:
        self.done = True
        return (yield from self.pool._acquire(self.timeout))


class Pool(asyncpg.pool.Pool):  # type: ignore[misc]
    """A scripted stand-in for ``asyncpg.Pool``; ``isinstance(pool, asyncpg.Pool)`` holds.

    It subclasses asyncpg's Pool only for isinstance(): every public method is its own (the signature contract
    checks that none is inherited), and asyncpg's constructor never runs.
    """

    __slots__ = (
        "_plugin",
        "_min_size",
        "_max_size",
        "_init_size",
        "_init",
        "_setup",
        "_state",
        "_in_use",
        "_waiters",
        "_out",
        "_connections",
        "_check_connect",
        "_connection_settings",
    )

    def __init__(
        self,
        plugin: AsyncpgPlugin,
        *,
        min_size: int,
        max_size: int,
        init_size: int | None,
        max_queries: int,
        lifetime: float,
        init: Callable[[Any], Awaitable[Any]] | None,
        setup: Callable[[Any], Awaitable[Any]] | None,
    ) -> None:
        self._init_size = _check_sizes(min_size, max_size, init_size, max_queries, lifetime)
        self._plugin = plugin
        self._min_size = min_size
        self._max_size = max_size
        self._init = init
        self._setup = setup
        self._state = "new"
        self._in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._out: set[PoolConnectionProxy] = set()  # checked out, for terminate()
        self._connections = PoolConnections()  # the physical connections asyncpg would have open
        self._check_connect: Callable[[], None] | None = None  # asyncpg's parsing of the connection arguments
        # What its connections take from create_pool() (interception.SETTINGS); None: connect()'s defaults.
        self._connection_settings: list[Any] | None = None

    # -- life of the pool --------------------------------------------------------------------------------------

    async def _initialize(self) -> Pool:
        # As in asyncpg, a pool that was initialized stays so: awaiting it again, even closed, gives it back.
        if self._state == "new":
            if self._init_size:  # asyncpg connects init_size connections here, each checking record_class
                rows.check_connect_record_class(getattr(self, "_record_class", asyncpg.Record))
                if self._check_connect is not None:
                    self._check_connect()
            self._state = "ready"
            self._connections.opened(self._init_size)
        return self

    def __await__(self) -> Generator[Any, None, Pool]:
        return self._initialize().__await__()

    async def __aenter__(self) -> Pool:
        return await self._initialize()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def _check_ready(self) -> None:
        if self._state == "new":
            raise asyncpg.InterfaceError("pool is not initialized")
        if self._state == "closed":
            raise asyncpg.InterfaceError("pool is closed")

    async def close(self) -> None:
        """Close the pool (recorded as ``close_pool``). Connections still checked out keep their release unused."""
        if self._state == "closed":
            return
        self._check_ready()
        self._state = "closed"
        self._connections.closed()
        self._plugin.record("close_pool", {})

    def terminate(self) -> None:
        """Terminate the pool (recorded as ``terminate_pool``)."""
        if self._state == "closed":
            return
        self._check_ready()
        self._state = "closed"
        self._connections.closed()
        self._plugin.record("terminate_pool", {})
        for proxy in list(self._out):  # asyncpg terminates the checked-out connections too, without a step here
            con = proxy._con
            if con is not None and not con._closed:
                con._end()  # its termination listeners are called, as asyncpg's pool terminates each connection
            self._took_back(proxy)

    def _took_back(self, proxy: PoolConnectionProxy) -> None:
        """A checked-out connection was closed: the pool takes it back, as asyncpg's does."""
        if proxy._con is None:
            return
        self._out.discard(proxy)
        self._connections.dropped(proxy._con)
        proxy._closed_con = proxy._detach()
        self._free_slot()

    async def expire_connections(self) -> None:
        """Every connection reconnects before its next use, so ``init=`` runs again on it (see pool_connections)."""
        self._connections.expire()

    def is_closing(self) -> bool:
        return self._state == "closed"

    def get_size(self) -> int:
        """The open connections, idle or checked out, as asyncpg counts them (see pool_connections)."""
        return self._connections.open

    def get_init_size(self) -> int:
        return self._init_size

    def get_min_size(self) -> int:
        return self._min_size

    def get_max_size(self) -> int:
        return self._max_size

    def get_idle_size(self) -> int:
        return self._connections.idle

    def set_connect_args(self, dsn: str | None = None, **connect_kwargs: Any) -> None:
        """Accepted and ignored: the fake opens no connections of its own."""

    # -- checkouts -----------------------------------------------------------------------------------------------

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return PoolAcquireContext(self, timeout)

    @types.coroutine  # not an async def, for asyncio's debug mode: see Connection._exchange
    def _acquire(self, timeout: float | None) -> Generator[Any, None, PoolConnectionProxy]:
        self._check_ready()
        if timeout is None:
            yield from self._wait_for_slot()
        else:
            yield from asyncio.wait_for(self._wait_for_slot(), timeout)  # as asyncpg: the whole wait under the timeout
        try:
            proxy: PoolConnectionProxy = yield from self._check_out(timeout)
        except BaseException:
            self._free_slot()
            raise
        return proxy

    @types.coroutine  # as _acquire
    def _wait_for_slot(self) -> Generator[Any, None, None]:
        if self._in_use < self._max_size and not self._waiters:
            self._in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            yield from waiter  # the slot is handed over by _free_slot, already counted
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._free_slot()  # handed a slot just as we gave up: pass it on
            elif waiter in self._waiters:  # _free_slot() may have dropped it already, cancelled
                self._waiters.remove(waiter)
            raise

    def _free_slot(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._in_use -= 1

    async def _check_out(self, timeout: float | None) -> PoolConnectionProxy:
        fields = {} if timeout is None else {"timeout": timeout}
        plugin = self._plugin
        record_class = getattr(self, "_record_class", asyncpg.Record)
        rows.check_connect_record_class(record_class)  # the pool's connect() checks it, before any step
        if self._check_connect is not None:
            self._check_connect()
        session = plugin.take_session("acquire", fields)
        con = Connection(plugin, session)
        con._record_class = rows.row_class(record_class)
        if self._connection_settings is not None:
            con._use_settings(self._connection_settings)
        plugin.call(session, "acquire", fields)
        if self._connections.take(con) and self._init is not None:  # init= runs once per physical connection
            try:
                await self._init(con)
            except BaseException:
                self._connections.dropped(con)  # asyncpg closes a connection whose init failed
                raise
        proxy = PoolConnectionProxy(self, con)
        self._out.add(proxy)
        con._on_close = lambda: self._took_back(proxy)
        if self._setup is not None:
            await self._setup(proxy)
        return proxy

    def _check_member(self, connection: Any) -> None:
        """asyncpg refuses to take back a connection that is not one of this pool's."""
        if type(connection) is not PoolConnectionProxy or connection._pool is not self:
            raise asyncpg.InterfaceError(
                f"Pool.release() received invalid connection: {connection!r} is not a member of this pool"
            )

    async def release(self, connection: Any, *, timeout: float | None = NONE) -> None:
        self._check_member(connection)
        con = connection._con
        if con is None:
            closed, connection._closed_con = connection._closed_con, None
            if closed is not None:  # closed while out: asyncpg's release does nothing; the code still handed it back
                self._plugin.call(closed._session, "release", given({"timeout": timeout}))
            return  # released already
        self._check_ready()
        connection._detach()
        self._out.discard(connection)
        con._released()
        self._connections.put_back(con)
        try:
            # Recorded even when the code closed the connection first: the code still handed it back.
            self._plugin.call(con._session, "release", given({"timeout": timeout}))
        finally:
            self._free_slot()

    # -- shortcuts: acquire, one call, release, on one session -------------------------------------------------
    # They hand their arguments on as given, defaults included: the connection records only what the caller passed.

    async def execute(self, query: str, *args: Any, timeout: float | None = NONE) -> str:
        async with self.acquire() as con:
            result: str = await con.execute(query, *args, timeout=timeout)
            return result

    async def executemany(self, command: str, args: Iterable[Sequence[Any]], *, timeout: float | None = NONE) -> None:
        async with self.acquire() as con:
            await con.executemany(command, args, timeout=timeout)

    async def fetch(
        self, query: str, *args: Any, timeout: float | None = NONE, record_class: Any = NONE
    ) -> list[Record]:
        async with self.acquire() as con:
            rows: list[Record] = await con.fetch(query, *args, timeout=timeout, record_class=record_class)
            return rows

    async def fetchval(self, query: str, *args: Any, column: int | str = ZERO, timeout: float | None = NONE) -> Any:
        async with self.acquire() as con:
            return await con.fetchval(query, *args, column=column, timeout=timeout)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = NONE, record_class: Any = NONE) -> Any:
        async with self.acquire() as con:
            return await con.fetchrow(query, *args, timeout=timeout, record_class=record_class)

    async def fetchmany(
        self, query: str, args: Iterable[Sequence[Any]], *, timeout: float | None = NONE, record_class: Any = NONE
    ) -> list[Record]:
        async with self.acquire() as con:
            rows: list[Record] = await con.fetchmany(query, args, timeout=timeout, record_class=record_class)
            return rows

    async def copy_from_table(self, *args: Any, **kwargs: Any) -> str:
        async with self.acquire() as con:
            status: str = await con.copy_from_table(*args, **kwargs)
            return status

    async def copy_from_query(self, *args: Any, **kwargs: Any) -> str:
        async with self.acquire() as con:
            status: str = await con.copy_from_query(*args, **kwargs)
            return status

    async def copy_to_table(self, *args: Any, **kwargs: Any) -> str:
        async with self.acquire() as con:
            status: str = await con.copy_to_table(*args, **kwargs)
            return status

    async def copy_records_to_table(self, *args: Any, **kwargs: Any) -> str:
        async with self.acquire() as con:
            status: str = await con.copy_records_to_table(*args, **kwargs)
            return status

    def __repr__(self) -> str:
        return f"<asyncpg.pool.Pool object at {id(self):#x}>"


# The COPY shortcuts forward to the connection, which checks the arguments; introspection shows asyncpg's
# signatures.
for _name in ("copy_from_table", "copy_from_query", "copy_to_table", "copy_records_to_table"):
    getattr(Pool, _name).__signature__ = inspect.signature(getattr(Connection, _name))
