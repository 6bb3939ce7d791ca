"""Faults and time: connections the server drops, steps that take time, and what asyncpg tells observers.

- A step that raises ``asyncpg.ConnectionDoesNotExistError`` (``connection_lost()`` builds it with the server's
  words) is the server going away during that call: the connection is closed from then on and its termination
  listeners are called, as asyncpg does when the socket drops.
- A step's ``delay=`` is how long the server takes. The call's ``timeout=`` (or the connection's
  ``command_timeout``) is honoured as asyncpg honours it: ``TimeoutError`` once the deadline passes, the query
  cancelled on the server and the connection left usable. Waiting uses the event loop's clock, which bigfoot moves
  ahead when nothing else is ready to run (``VirtualClock``), so a test does not sit out the delay.
- ``ConnectionObservers`` is the rest of asyncpg's Connection surface: log listeners (a test delivers a notice with
  ``notice()``), termination listeners, query loggers, codec resets, the reset query.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from asyncpg import connection as _asyncpg_connection

from .defaults import NONE, PUBLIC, given

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ..._script import Step
    from ..._timeline import Interaction
    from .connection import Connection

__all__ = ["ConnectionObservers", "VirtualClock", "connection_lost", "log_message", "log_query"]

LOST_MESSAGE = "connection was closed in the middle of operation"
TERMINATED = "terminating connection due to administrator command"

# What get_reset_query() gives for a PostgreSQL server (advisory locks, CLOSE ALL, LISTEN, RESET ALL all supported).
RESET_QUERY = "SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;"

LoggedQuery: Any = getattr(_asyncpg_connection, "LoggedQuery", None)

T = TypeVar("T")


def connection_lost(reason: str = TERMINATED) -> asyncpg.ConnectionDoesNotExistError:
    """The error asyncpg raises when the server goes away in the middle of a call, for ``raises=``.

    ``reason`` is what the server said as it closed the connection (``pg_terminate_backend`` by default);
    asyncpg puts it after its own words:

    >>> print(connection_lost())
    connection was closed in the middle of operation: terminating connection due to administrator command
    """
    error = asyncpg.ConnectionDoesNotExistError(f"{LOST_MESSAGE}: {reason}" if reason else LOST_MESSAGE)
    return error


def log_message(
    message: str,
    *,
    severity: str = "NOTICE",
    sqlstate: str = "00000",
    detail: str | None = None,
    hint: str | None = None,
) -> asyncpg.PostgresLogMessage:
    """A server notice as asyncpg hands it to log listeners (``PostgresWarning`` for ``severity="WARNING"``)."""
    fields = {"C": sqlstate, "M": message, "S": severity, "V": severity}
    if detail is not None:
        fields["D"] = detail
    if hint is not None:
        fields["H"] = hint
    notice: asyncpg.PostgresLogMessage = asyncpg.PostgresLogMessage.new(fields)
    return notice


_TASKS: set[asyncio.Task[Any]] = set()  # listener tasks, kept until done


def _call_soon(callbacks: list[Callable[..., Any]], *args: Any) -> None:
    # asyncpg calls listeners on the loop, never inside the call that triggered them: plain ones with call_soon,
    # coroutine functions as tasks.
    loop = asyncio.get_running_loop()
    for callback in callbacks:
        if inspect.iscoroutinefunction(callback):
            task = loop.create_task(callback(*args))
            _TASKS.add(task)
            task.add_done_callback(_TASKS.discard)
        else:
            loop.call_soon(callback, *args)


# -- time ------------------------------------------------------------------------------------------------------


class VirtualClock:
    """The event loop's clock, plus an offset that only grows: bigfoot's way to let a slow step pass at once.

    While a step waits, its wake-up time is pending; when the loop has nothing else ready to run, the offset jumps to
    the earliest pending wake-up. Every timer due by then fires, in order (an ``asyncio.wait_for`` deadline that comes
    first wins, as it would in real time). Real time still counts, so a test that keeps the loop busy waits at most
    the delay itself. An event loop whose ``time`` cannot be replaced (uvloop) just sleeps.
    """

    __slots__ = ("loop", "offset", "real_time", "pending", "jump_scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.offset = 0.0
        self.real_time = loop.time
        self.pending: list[float] = []
        self.jump_scheduled = False

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> VirtualClock | None:
        clock = getattr(loop, "_bigfoot_clock", None)
        if clock is None:
            clock = cls(loop)
            try:
                loop._bigfoot_clock = clock  # type: ignore[attr-defined]
                loop.time = clock.time  # type: ignore[method-assign]
            except AttributeError:
                return None
        return clock if isinstance(clock, VirtualClock) else None

    def time(self) -> float:
        return self.real_time() + self.offset

    async def sleep(self, seconds: float) -> None:
        loop = self.loop
        wake = self.time() + seconds
        woken: asyncio.Future[None] = loop.create_future()
        handle = loop.call_at(wake, _set_result, woken)
        heapq.heappush(self.pending, wake)
        self._schedule_jump()
        try:
            await woken
        finally:
            handle.cancel()
            self.pending.remove(wake)
            heapq.heapify(self.pending)
            if self.pending:
                self._schedule_jump()

    def _schedule_jump(self) -> None:
        if not self.jump_scheduled:
            self.jump_scheduled = True
            self.loop.call_soon(self._jump)

    def _jump(self) -> None:
        self.jump_scheduled = False
        if not self.pending:
            return
        if getattr(self.loop, "_ready", None):
            self._schedule_jump()  # something else can run first: time passes only when the loop would wait
            return
        ahead = self.pending[0] - self.time()
        if ahead > 0:
            self.offset += ahead


def _set_result(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def pass_time(seconds: float) -> None:
    """Wait ``seconds`` on the loop's clock, moved ahead by ``VirtualClock`` when the loop is idle."""
    clock = VirtualClock.of(asyncio.get_running_loop())
    if clock is None:
        await asyncio.sleep(seconds)
    else:
        await clock.sleep(seconds)


def now() -> float:
    return asyncio.get_running_loop().time()


# -- the Connection's side -------------------------------------------------------------------------------------


async def log_query(
    connection: Connection, query: Any, args: Any, timeout: float | None, run: Callable[[], Awaitable[T]]
) -> T:
    """One query call timed and logged for the connection's query loggers, as asyncpg logs its query methods.

    ``run()`` makes the rest of the call's checks and returns its exchange; both happen inside the log, so a failure
    there is logged with the query. Each logger gets asyncpg's ``LoggedQuery``: the query, its arguments as asyncpg
    holds them, the ``timeout`` the caller worked out (the one the query runs with, or for ``execute()`` without
    arguments the one passed), the time elapsed on the loop's clock and the exception, if any.
    """
    start = now()
    exception: BaseException | None = None
    try:
        return await run()
    except BaseException as error:
        exception = error
        raise
    finally:
        observers = connection._observer_state
        if observers is not None and observers.query_loggers and LoggedQuery is not None:
            record = LoggedQuery(
                query=query,
                args=args,
                timeout=timeout,
                elapsed=now() - start,
                exception=exception,
                conn_addr=None,
                conn_params=None,
            )
            _call_soon(list(observers.query_loggers), record)  # they run on the next turn of the loop, as in asyncpg


class Observers:
    """A connection's listeners, loggers and timing settings: what asyncpg keeps on the client side."""

    __slots__ = ("log_listeners", "termination_listeners", "query_loggers", "command_timeout")

    def __init__(self) -> None:
        self.log_listeners: dict[Callable[..., Any], None] = {}
        self.termination_listeners: dict[Callable[..., Any], None] = {}
        self.query_loggers: dict[Callable[..., Any], None] = {}
        self.command_timeout: float | None = None


class ConnectionObservers:
    """The part of the fake Connection that deals with faults, time and observers (mixed into ``Connection``)."""

    __slots__ = ("_observer_state",)

    _observer_state: Observers | None  # made on first use: most connections have no listener, logger or timeout
    _closed: bool
    _busy: bool

    @property
    def _observers(self) -> Observers:
        state = self._observer_state
        if state is None:
            state = self._observer_state = Observers()
        return state

    # -- time and faults, on the one path of every call (Connection._exchange) -------------------------------------

    async def _take_time(self, step: Step, fields: dict[str, Any], interaction: Interaction) -> None:
        """The step's ``delay``, cut short by the call's deadline as asyncpg's own timeout does."""
        connection: Any = self  # the Connection this is mixed into
        delay = step.delay or 0.0
        given_timeout = fields.get("timeout")
        if given_timeout is None:
            given_timeout = self._observers.command_timeout
        timeout = None if given_timeout is None else float(given_timeout)  # asyncpg accepts "1.5" too
        times_out = timeout is not None and delay >= timeout
        connection._busy = True  # another operation meanwhile is refused, as asyncpg refuses it
        try:
            await pass_time(timeout if timeout is not None and times_out else delay)
        except BaseException as cancelled:  # asyncpg cancels the query on the server; the connection stays usable
            interaction.raised = cancelled
            raise
        finally:
            connection._busy = False
        if times_out:
            timed_out = asyncio.TimeoutError()
            interaction.raised = timed_out
            raise timed_out

    def _lost(self) -> None:
        """The server went away: closed for good, and asyncpg's clean-up calls the termination listeners."""
        connection: Any = self
        connection._end()  # a pooled connection goes back to its pool, as asyncpg's does when it closes

    def _terminated(self) -> None:
        """asyncpg's clean-up when a connection closes, however it closes."""
        observers = self._observer_state
        if observers is None:
            return
        callbacks = list(observers.termination_listeners)
        observers.termination_listeners.clear()
        observers.log_listeners.clear()
        observers.query_loggers.clear()
        if callbacks:
            _call_soon(callbacks, self)

    async def _deliver_notice(self, notice: asyncpg.PostgresLogMessage) -> int:
        delivered = 0
        for callback in list(self._observers.log_listeners):
            result = callback(self, notice)
            if inspect.isawaitable(result):
                await result
            delivered += 1
        return delivered

    # -- asyncpg's methods -------------------------------------------------------------------------------------

    def add_log_listener(self, callback: Callable[..., Any]) -> None:
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        self._observers.log_listeners[callback] = None
        self._plugin._log_listening[self] = None  # type: ignore[attr-defined]

    def remove_log_listener(self, callback: Callable[..., Any]) -> None:
        self._observers.log_listeners.pop(callback, None)

    def add_termination_listener(self, callback: Callable[..., Any]) -> None:
        self._observers.termination_listeners[callback] = None

    def remove_termination_listener(self, callback: Callable[..., Any]) -> None:
        self._observers.termination_listeners.pop(callback, None)

    def add_query_logger(self, callback: Callable[..., Any]) -> None:
        self._observers.query_loggers[callback] = None

    def remove_query_logger(self, callback: Callable[..., Any]) -> None:
        self._observers.query_loggers.pop(callback, None)

    @contextlib.contextmanager
    def query_logger(self, callback: Callable[..., Any]) -> Iterator[None]:
        self.add_query_logger(callback)
        try:
            yield
        finally:
            self.remove_query_logger(callback)

    async def reset_type_codec(self, typename: str, *, schema: str = PUBLIC) -> None:
        # asyncpg looks the type up on the server: one step.
        fields = given({"typename": typename, "schema": schema})
        await self._exchange("reset_type_codec", fields, ())  # type: ignore[attr-defined]

    async def set_builtin_type_codec(
        self, typename: str, *, schema: str = PUBLIC, codec_name: str, format: str | None = NONE
    ) -> None:
        fields = given({"typename": typename, "schema": schema, "codec_name": codec_name, "format": format})
        await self._exchange("set_builtin_type_codec", fields, ())  # type: ignore[attr-defined]

    async def reload_schema_state(self) -> None:
        """asyncpg drops its type and statement caches; nothing reaches the server."""

    def get_reset_query(self) -> str:
        return RESET_QUERY


# The fake offers exactly the installed asyncpg's surface: methods an older asyncpg lacks are absent here too.
for _name in ("add_query_logger", "remove_query_logger", "query_logger", "get_reset_query"):
    if not hasattr(_asyncpg_connection.Connection, _name):
        delattr(ConnectionObservers, _name)
