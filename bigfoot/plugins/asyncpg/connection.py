"""The fake ``asyncpg.Connection`` handed out by ``asyncpg.connect()`` inside a sandbox.

Every method has asyncpg's own signature (a contract test compares them). A call that asyncpg would refuse before
talking to the server raises asyncpg's error and consumes nothing; any other call is one step of the connection's
session. Accessors that asyncpg answers without a round trip are answered from the fake's state.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import types
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import asyncpg
from asyncpg.types import ServerVersion

from ..._script import Session
from ..._timeline import Interaction
from . import rows
from .arguments import CONNECT, check_query_timeout, check_row
from .cursor import CursorFactory
from .defaults import FALSE, NONE, PUBLIC, TEXT, ZERO, actual, given
from .described import last_options, scripted_server_version
from .faults import ConnectionObservers, log_query
from .placeholders import argument_count_message, expected_arguments
from .prepared import PreparedStatement
from .transaction import Transaction
from .txstate import FAILED, OTHER, PLAIN, ServerTransaction, Statement, in_failed_transaction, statements

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .plugin import AsyncpgPlugin
    from .record import Record

# asyncpg's Connection metaclass answers isinstance() for any class that has this (empty) base in its MRO; pool
# connection proxies rely on it, and so does the fake.
ConnectionProxyBase: Any = getattr(asyncpg.connection, "_ConnectionProxy", object)

SERVER_VERSION = ServerVersion(15, 0, 18, "final", 0)
_SETTINGS = {
    "server_version": "15.0.18",
    "server_encoding": "UTF8",
    "client_encoding": "UTF8",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "TimeZone": "UTC",
    "integer_datetimes": "on",
    "standard_conforming_strings": "on",
    "is_superuser": "off",
    "default_transaction_read_only": "off",
    "in_hot_standby": "off",
    "application_name": "",
}

# connect()'s statement cache defaults, which a pool's connections keep: read from asyncpg rather than copied.
_CACHE_SIZE = CONNECT["statement_cache_size"].default
_MAX_CACHEABLE = CONNECT["max_cacheable_statement_size"].default


@types.coroutine
def _let_others_run() -> Generator[None, None, None]:
    yield


class ServerSettings:
    """What ``conn.get_settings()`` gives: the server's reported parameters as attributes."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> str:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


class Connection(ConnectionObservers, ConnectionProxyBase):  # type: ignore[misc]
    """A scripted stand-in for ``asyncpg.connection.Connection``; ``isinstance(conn, asyncpg.Connection)`` holds."""

    __slots__ = (
        "_plugin",
        "_session",
        "_closed",
        "_busy",
        "_top_transaction",
        "_server",
        "_listeners",
        "_on_close",
        "_statements",
        "_checkout",
        "_cache_size",
        "_max_cacheable",
        "_record_class",
        "_loop_ready",
    )

    _from_server: ClassVar[bool] = False
    """Whether a real connection answers the calls (record mode's ``recording.RecordingConnection``), not the
    session's steps."""

    def __init__(self, plugin: AsyncpgPlugin, session: Session) -> None:
        self._plugin = plugin
        self._session = session
        self._closed = False
        self._busy = False
        self._top_transaction: Transaction | None = None
        self._server = ServerTransaction()  # what the server reports: idle, in a transaction, in a failed one
        self._listeners: dict[str, list[Callable[..., Any]]] = {}
        self._statements = 0
        self._checkout = object()  # replaced when a pool takes the connection back: its resources stop working
        # asyncpg's statement cache settings (connect()'s statement_cache_size, max_cacheable_statement_size):
        # whether the cache is used decides which type check a query that is not a str meets first.
        self._cache_size = _CACHE_SIZE
        self._on_close: Callable[[], None] | None = None  # a pool's: asyncpg takes a closed connection back at once
        self._max_cacheable = _MAX_CACHEABLE
        self._record_class: type = rows.Record  # connect()'s record_class=; rows.Record is asyncpg's default
        self._observer_state = None
        # The callbacks ready to run on the loop the connection was made on (asyncio's own loops keep them in a
        # deque, read by _exchange; other loops, None). Kept once here: every call would otherwise look it up.
        self._loop_ready = getattr(asyncio._get_running_loop(), "_ready", None)

    def _use_settings(self, settings: Sequence[Any]) -> None:
        """connect()'s settings the fake reads (``interception.SETTINGS``, in that order); a pool's connections get
        create_pool()'s."""
        self._cache_size, self._max_cacheable, command_timeout = settings
        if command_timeout is not None:
            self._observers.command_timeout = command_timeout

    # -- the one path of every call ----------------------------------------------------------------------------

    def _check_usable(self) -> None:
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        if self._busy:
            raise asyncpg.InterfaceError("cannot perform operation: another operation is in progress")

    # A generator-based coroutine rather than an async def: awaited the same way, but asyncio's debug mode (which
    # IsolatedAsyncioTestCase turns on) records where every native coroutine was made, walking ten frames and their
    # line numbers, which costs more than the rest of a query's way here. The query method the code awaits is asyncpg's
    # own kind, a native coroutine; this inner one, made on every call, is not.
    @types.coroutine
    def _exchange(
        self,
        method: str,
        fields: dict[str, Any],
        sent: Sequence[Statement],
        *,
        executed: bool = True,
        client_check: Callable[[], None] | None = None,
        convert: Callable[[Any, Any], Any] | None = None,
        row_class: type | None = None,
    ) -> Generator[Any, None, Any]:
        """The one path of every call that reaches the server: one step of the session, as one operation.

        ``sent`` is the SQL the call sends (empty when it sends none): the server's transaction state decides and
        follows (see ``txstate``). In an aborted transaction block the server refuses a statement with 25P02 before
        anything else. That answer is the server's, not the script's: the call is recorded (with the error as
        ``raised``) and consumes no step, unless the session's next step for it is scripted to raise that very error
        (as record mode writes it). ``client_check`` is what asyncpg checks once the server has parsed the statement
        (the argument count): a parse error the script raises comes first. ``executed`` is False for ``prepare()``,
        which runs nothing. ``convert(answer, row_class)`` turns the answer into what the method returns (rows of
        ``row_class``).
        """
        if self._closed or self._busy:
            self._check_usable()
        plugin = self._plugin
        server = self._server
        recording = self._from_server
        if recording:
            pass  # record mode: the real asyncpg checks, in its order, against the real server
        elif server.status is FAILED:
            refused = server.refused_at(sent)
            if refused is None:
                pass
            elif (
                self._scripted_error(method, asyncpg.InFailedSQLTransactionError)
                # PostgreSQL parses a statement before it looks at the transaction: a syntax error comes first.
                or self._scripted_error(method, asyncpg.PostgresSyntaxError)
            ):
                client_check = None  # the server answers before asyncpg can count the arguments
            else:
                server.refused(sent, refused)
                raise self._server_answer(method, fields, in_failed_transaction())
        if client_check is not None and not recording and not self._scripted_prepare_error(method):
            client_check()
        try:
            if recording:
                result = yield from self._perform(method, fields, client_check)
            else:
                step, interaction = plugin.consume(self._session, method, fields)
                if step.delay is not None:
                    yield from self._take_time(step, fields, interaction)  # the server takes its time; deadlines apply
                try:
                    result = plugin.answer(step, interaction)
                except asyncpg.ConnectionDoesNotExistError:
                    self._lost()  # the server went away during the call
                    raise
                if self._loop_ready:
                    yield from self._pause()
        except asyncpg.PostgresError:
            server.failed(sent, executed)
            raise
        if executed and sent and sent is not PLAIN:
            server.ran(sent)
        return result if convert is None else convert(result, row_class)

    async def _perform(self, method: str, fields: dict[str, Any], client_check: Callable[[], None] | None) -> Any:
        """Record mode's answer: the real server's (``recording.RecordingConnection``), with the check the fake makes
        of the call itself. The fake answers from its session instead and never calls this."""
        raise NotImplementedError(f"{type(self).__name__} answers from its session, not from a real server")

    def _step_options(self, method: str) -> Mapping[str, Any]:
        """The options of the step the last call of ``method`` used (empty if it used none). Record mode answers
        with what it recorded for the call instead."""
        return last_options(self._session, method)

    def _scripted_error(self, method: str, kind: type[BaseException]) -> bool:
        """Whether the step a call of ``method`` would use raises a ``kind``."""
        step = self._session.step_for(method)
        raises = None if step is None else step.raises
        return raises is not None and issubclass(raises if isinstance(raises, type) else type(raises), kind)

    def _scripted_prepare_error(self, method: str) -> bool:
        """Whether the step a call of ``method`` would use raises an error PostgreSQL gives while it prepares the
        statement, before asyncpg can count the arguments: class 42 (syntax errors, unknown tables, columns,
        functions and types) or 0A (a feature the statement cannot use). Errors of other classes come when the
        statement runs, after the count."""
        step = self._session.step_for(method)
        raises = None if step is None else step.raises
        if raises is None or not issubclass(
            raises if isinstance(raises, type) else type(raises), asyncpg.PostgresError
        ):
            return False
        sqlstate = getattr(raises, "sqlstate", None) or ""
        return sqlstate.startswith(("42", "0A"))

    def _server_answer(self, method: str, fields: dict[str, Any], error: BaseException) -> BaseException:
        """An error the modelled server gives on its own: recorded as the call's outcome, no step consumed."""
        plugin = self._plugin
        interaction = Interaction(plugin.source(method), fields, self._session.number)
        interaction.raised = error
        plugin._record(interaction)
        return error

    async def _pause(self) -> None:
        # A real operation waits for the server, so another task may try the same connection meanwhile. When
        # something else is ready to run, give the loop one turn with the connection busy, so that an overlapping
        # operation fails as it does in asyncpg; when nothing is, no turn is needed (and none is paid for).
        self._busy = True
        try:
            await _let_others_run()
        finally:
            self._busy = False

    def _check_query(self, query: Any, cached: bool = True) -> None:
        """asyncpg's checks of the query's type, in its order, before any step; a str passes at once.

        ``cached`` is asyncpg's extended protocol (every query method but ``execute()`` without arguments and
        ``prepare()``): with the statement cache on, the query is hashed and measured first, so ``None`` or ``123``
        fail there (``TypeError: object of type 'int' has no len()``). What gets past that fails where asyncpg's
        protocol encodes the query, which breaks the real connection: the fake closes too.
        """
        if type(query) is str or isinstance(query, str):
            return
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        if cached and self._cache_size > 0:
            hash(query)  # the cache's key: "unhashable type: 'list'"
            if self._max_cacheable:
                len(query)  # "object of type 'int' has no len()"
        self._check_usable()
        self._closed = True
        self._listeners.clear()
        if query is None:
            raise AttributeError("'NoneType' object has no attribute 'encode'")
        raise TypeError(f"Expected str, got {type(query).__name__}")

    def _query(
        self,
        method: str,
        query: str,
        args: Sequence[Any],
        options: dict[str, Any],
        convert: Callable[..., Any] | None = None,
        *,
        log: bool = False,
    ) -> Awaitable[Any]:
        """A query method: asyncpg's checks of the connection, the timeout, the rows' class, the query's type and the
        argument count, in its order, then one step.

        The interaction records the query, its positional ``args`` and the keyword ``options`` the caller passed.
        ``convert(result, cls)`` turns the answer into rows of the call's class (``record_class=`` in ``options``).
        With ``log`` (the Connection's query methods; a prepared statement's calls are not logged), the query is
        timed and logged for the connection's query loggers, as asyncpg does once the connection and the timeout have
        passed their checks: the rest runs inside the log.
        """
        self._check_timeout(options)
        if log and self._observer_state is not None and self._observer_state.query_loggers:
            rest = functools.partial(self._query, method, query, args, options, convert)
            return self._logged(query, args, options, rest)
        row_class = None if convert is None else self._row_class(options["record_class"])
        if type(query) is not str:
            self._check_query(query)
        # A busy connection is refused by the exchange, before anything is counted or recorded.
        fields = given(options, {"query": query, "args": list(args)})
        check = None
        if expected_arguments(query) != len(args):
            check = functools.partial(self._check_arguments, query, args)
        return self._exchange(
            method, fields, statements(query), client_check=check, convert=convert, row_class=row_class
        )

    def _query_many(
        self,
        method: str,
        query: str,
        args: Iterable[Sequence[Any]],
        options: dict[str, Any],
        name: str = "query",
        convert: Callable[..., Any] | None = None,
        *,
        log: bool = False,
    ) -> Awaitable[Any]:
        """``executemany``/``fetchmany``: one step for a list of argument tuples, each counted as asyncpg does; with
        ``log``, timed and logged as ``_query`` is.

        ``name`` is the parameter that holds the query (``command`` for ``Connection.executemany``).
        """
        self._check_timeout(options)
        if log and self._observer_state is not None and self._observer_state.query_loggers:
            rest = functools.partial(self._query_many, method, query, args, options, name, convert)
            return self._logged(query, args, options, rest)
        row_class = None if convert is None else self._row_class(options["record_class"])
        self._check_query(query)
        self._check_usable()
        arg_list = list(args)

        def count_each() -> None:
            for number, each in enumerate(arg_list):  # as the protocol encodes them: one element after the other
                check_row(each, number)
                self._check_arguments(query, each)

        fields = given(options, {name: query, "args": arg_list})
        return self._exchange(
            method, fields, statements(query), client_check=count_each, convert=convert, row_class=row_class
        )

    def _check_timeout(self, options: dict[str, Any], wrapped: bool = True) -> None:
        """asyncpg checks the connection, then ``timeout=`` (before the query's type), then talks to the server."""
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        timeout = options.get("timeout")
        if timeout is not NONE:
            check_query_timeout(timeout, wrapped)

    def _logged(
        self, query: Any, args: Any, options: dict[str, Any], rest: Callable[[], Awaitable[Any]]
    ) -> Awaitable[Any]:
        """An extended-protocol query on a connection with query loggers, its connection and timeout checked: asyncpg
        refuses a busy connection, then runs the ``rest`` of the call inside the log, which records the timeout the
        query runs with (the call's, as a float, else the connection's ``command_timeout``)."""
        self._check_usable()
        timeout = actual(options.get("timeout"))
        if timeout is None:
            timeout = self._observers.command_timeout
        return log_query(self, query, args, None if timeout is None else float(timeout), rest)

    def _check_arguments(self, query: str, args: Sequence[Any]) -> None:
        expected = expected_arguments(query)
        if expected != len(args):
            message, hint = argument_count_message(expected, len(args))
            raise asyncpg.InterfaceError(message, hint=hint)

    def _row_class(self, record_class: Any) -> type:
        """The class of the rows a call returns; a bad ``record_class=`` fails as in asyncpg, before anything else
        but the closed check (asyncpg checks it when it looks the statement up)."""
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        if record_class is NONE:  # not given: the connection's class
            return self._record_class
        return rows.call_class(record_class, self._record_class)

    # -- queries -----------------------------------------------------------------------------------------------

    # asyncpg checks the connection and a query method's timeout= before it times and logs the query for the
    # connection's query loggers; the rest of the call happens inside the log (see _query).

    async def execute(self, query: str, *args: Any, timeout: float | None = NONE) -> str:
        if args:
            status: str = await self._query("execute", query, args, {"timeout": timeout}, log=True)
        else:
            status = await self._simple_query(query, timeout, log=True)
        return status

    def _simple_query(self, query: str, timeout: Any, *, log: bool = False) -> Awaitable[str]:
        """``execute()`` without arguments: asyncpg's simple protocol, which never counts parameters. asyncpg checks
        the connection, then times and logs the query with its timeout as passed, and checks the timeout inside."""
        if log and self._observer_state is not None and self._observer_state.query_loggers:
            if self._closed:
                raise asyncpg.InterfaceError("connection is closed")
            return log_query(self, query, (), actual(timeout), functools.partial(self._simple_query, query, timeout))
        self._check_timeout({"timeout": timeout})
        self._check_query(query, cached=False)
        sent = statements(query)
        if not sent:
            # Only comments or nothing: the server answers that the query was empty, with no status, and asyncpg
            # fails decoding the status it lacks. Nothing ran; the connection and its transaction are as they were.
            self._check_usable()
            raise AttributeError("'NoneType' object has no attribute 'decode'")
        fields = given({"query": query, "args": [], "timeout": timeout})
        return self._exchange("execute", fields, sent)

    async def executemany(self, command: str, args: Iterable[Sequence[Any]], *, timeout: float | None = NONE) -> None:
        await self._query_many("executemany", command, args, {"timeout": timeout}, name="command", log=True)

    async def fetch(
        self, query: str, *args: Any, timeout: float | None = NONE, record_class: Any = NONE
    ) -> list[Record]:
        options = {"timeout": timeout, "record_class": record_class}
        found: list[Record] = await self._query("fetch", query, args, options, rows.convert_all, log=True)
        return found

    async def fetchrow(
        self, query: str, *args: Any, timeout: float | None = NONE, record_class: Any = NONE
    ) -> Record | None:
        options = {"timeout": timeout, "record_class": record_class}
        row: Record | None = await self._query("fetchrow", query, args, options, rows.convert, log=True)
        return row

    async def fetchval(self, query: str, *args: Any, column: int | str = ZERO, timeout: float | None = NONE) -> Any:
        return await self._query("fetchval", query, args, {"column": column, "timeout": timeout}, log=True)

    async def fetchmany(
        self, query: str, args: Iterable[Sequence[Any]], *, timeout: float | None = NONE, record_class: Any = NONE
    ) -> list[Record]:
        options = {"timeout": timeout, "record_class": record_class}
        found: list[Record] = await self._query_many(
            "fetchmany", query, args, options, convert=rows.convert_all, log=True
        )
        return found

    async def prepare(
        self, query: str, *, name: str | None = NONE, timeout: float | None = NONE, record_class: Any = NONE
    ) -> PreparedStatement:
        cls = self._row_class(record_class)
        self._check_timeout({"timeout": timeout}, wrapped=False)
        self._check_query(query, cached=False)  # prepare() bypasses the statement cache
        fields = given({"query": query, "name": name, "timeout": timeout, "record_class": record_class})
        await self._exchange("prepare", fields, statements(query), executed=False)
        self._statements += 1
        statement_name = name if isinstance(name, str) else f"__asyncpg_stmt_{self._statements:x}__"
        return PreparedStatement(self, query, statement_name, cls)

    def cursor(
        self,
        query: str,
        *args: Any,
        prefetch: int | None = NONE,
        timeout: float | None = NONE,
        record_class: Any = NONE,
    ) -> CursorFactory:
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        fields = given(
            {"prefetch": prefetch, "timeout": timeout, "record_class": record_class},
            {"query": query, "args": list(args)},
        )
        return CursorFactory(self, fields, record_class)

    def transaction(
        self, *, isolation: str | None = NONE, readonly: bool = FALSE, deferrable: bool = FALSE
    ) -> Transaction:
        if self._closed:
            raise asyncpg.InterfaceError("connection is closed")
        fields = given({"isolation": isolation, "readonly": readonly, "deferrable": deferrable})
        return Transaction(
            self,
            fields,
            actual(isolation),
            actual(readonly),
            actual(deferrable),
        )

    # -- COPY ----------------------------------------------------------------------------------------------------

    async def copy_from_table(
        self,
        table_name: str,
        *,
        output: Any,
        columns: Any = NONE,
        schema_name: Any = NONE,
        timeout: Any = NONE,
        format: Any = NONE,
        oids: Any = NONE,
        delimiter: Any = NONE,
        null: Any = NONE,
        header: Any = NONE,
        quote: Any = NONE,
        escape: Any = NONE,
        force_quote: Any = NONE,
        encoding: Any = NONE,
    ) -> str:
        status: str = await self._exchange("copy_from_table", given(locals_without_self(locals())), PLAIN)
        return status

    async def copy_from_query(
        self,
        query: str,
        *args: Any,
        output: Any,
        timeout: Any = NONE,
        format: Any = NONE,
        oids: Any = NONE,
        delimiter: Any = NONE,
        null: Any = NONE,
        header: Any = NONE,
        quote: Any = NONE,
        escape: Any = NONE,
        force_quote: Any = NONE,
        encoding: Any = NONE,
    ) -> str:
        self._check_usable()
        if args:
            self._check_arguments(query, args)
        fields = given(locals_without_self(locals()))
        fields["args"] = list(args)
        status: str = await self._exchange("copy_from_query", fields, PLAIN)
        return status

    async def copy_to_table(
        self,
        table_name: str,
        *,
        source: Any,
        columns: Any = NONE,
        schema_name: Any = NONE,
        timeout: Any = NONE,
        format: Any = NONE,
        oids: Any = NONE,
        freeze: Any = NONE,
        delimiter: Any = NONE,
        null: Any = NONE,
        header: Any = NONE,
        quote: Any = NONE,
        escape: Any = NONE,
        force_quote: Any = NONE,
        force_not_null: Any = NONE,
        force_null: Any = NONE,
        encoding: Any = NONE,
        where: Any = NONE,
    ) -> str:
        status: str = await self._exchange("copy_to_table", given(locals_without_self(locals())), PLAIN)
        return status

    async def copy_records_to_table(
        self,
        table_name: str,
        *,
        records: Any,
        columns: Any = NONE,
        schema_name: Any = NONE,
        timeout: Any = NONE,
        where: Any = NONE,
    ) -> str:
        # asyncpg reads every record (from an iterable or an async iterable) to send it: the fake reads them too, and
        # records the list, so that a generator is asserted by its rows.
        if hasattr(records, "__aiter__"):
            records = [record async for record in records]
        elif not isinstance(records, (list, tuple)) and hasattr(records, "__iter__"):
            records = list(records)
        status: str = await self._exchange("copy_records_to_table", given(locals_without_self(locals())), PLAIN)
        return status

    # -- LISTEN/NOTIFY -------------------------------------------------------------------------------------------

    async def add_listener(self, channel: str, callback: Callable[..., Any]) -> None:
        # asyncpg sends LISTEN for a channel's first callback only, and keeps the callbacks as a set.
        sent = () if channel in self._listeners else PLAIN
        await self._exchange("add_listener", {"channel": channel, "callback": callback}, sent)
        callbacks = self._listeners.setdefault(channel, [])
        if callback not in callbacks:
            callbacks.append(callback)
        self._plugin._listening.add(self)

    async def remove_listener(self, channel: str, callback: Callable[..., Any]) -> None:
        if self._closed:
            return  # asyncpg does nothing on a closed connection
        # UNLISTEN goes to the server only when the channel's last callback is removed. As in asyncpg, the callback
        # is forgotten before that: if the server refuses the UNLISTEN, it is no longer called all the same.
        callbacks = self._listeners.get(channel, [])
        sent = PLAIN if callbacks == [callback] else ()
        if callback in callbacks:
            callbacks.remove(callback)
            if not callbacks:
                del self._listeners[channel]
        await self._exchange("remove_listener", {"channel": channel, "callback": callback}, sent)

    async def _deliver(self, channel: str, payload: str, pid: int) -> int:
        delivered = 0
        for callback in list(self._listeners.get(channel, ())):
            result = callback(self, pid, channel, payload)
            if inspect.isawaitable(result):
                await result
            delivered += 1
        return delivered

    # -- the rest of the connection's life ---------------------------------------------------------------------

    async def reset(self, *, timeout: float | None = NONE) -> None:
        # asyncpg resets with ROLLBACK first when a transaction is open, and forgets its transaction block.
        sent = (Statement("rollback"), OTHER) if self.is_in_transaction() or self._top_transaction else PLAIN
        self._top_transaction = None
        self._listeners.clear()
        await self._exchange("reset", given({"timeout": timeout}), sent)

    async def set_type_codec(
        self,
        typename: str,
        *,
        schema: str = PUBLIC,
        encoder: Callable[..., Any],
        decoder: Callable[..., Any],
        format: str = TEXT,
    ) -> None:
        fields = given(
            {"typename": typename, "schema": schema, "encoder": encoder, "decoder": decoder, "format": format}
        )
        await self._exchange("set_type_codec", fields, PLAIN)

    async def close(self, *, timeout: float | None = NONE) -> None:
        if self._closed:
            return  # closing twice is a no-op in asyncpg
        fields = given({"timeout": timeout})
        # asyncpg closes the connection even when close() fails, so state changes first.
        self._end()
        self._plugin.call(self._session, "close", fields)

    def _end(self) -> None:
        """Closed, however it closes (close(), terminate(), the server, its pool's terminate()): asyncpg's clean-up."""
        self._closed = True
        self._listeners.clear()
        if self._on_close is not None:
            self._on_close()
        self._terminated()

    def terminate(self) -> None:
        if self._closed:
            return
        self._end()
        self._plugin.call(self._session, "terminate", {})

    def _released(self) -> None:
        """A pool took the connection back: asyncpg resets it, and what was made from it stops working."""
        self._checkout = object()
        self._top_transaction = None
        self._server.reset()
        self._listeners.clear()

    # -- answered from state, without a step ---------------------------------------------------------------------

    def is_closed(self) -> bool:
        return self._closed

    def is_in_transaction(self) -> bool:
        return self._server.in_transaction()

    def get_server_pid(self) -> int:
        """A stable made-up server process id, distinct for each session."""
        return 40000 + self._session.number

    def get_server_version(self) -> ServerVersion:
        scripted = scripted_server_version(self._session)  # the connect/acquire step's server_version=
        return SERVER_VERSION if scripted is None else scripted[1]

    def get_settings(self) -> ServerSettings:
        scripted = scripted_server_version(self._session)
        return ServerSettings(_SETTINGS if scripted is None else {**_SETTINGS, "server_version": scripted[0]})

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the fake lacks: say whether asyncpg has it, so the gap is clear.
        if not name.startswith("_") and hasattr(asyncpg.connection.Connection, name):
            raise AttributeError(
                f"bigfoot's fake asyncpg Connection does not offer {name}() yet; "
                "see docs/fidelity.md for what is faked."
            )
        raise AttributeError(f"'Connection' object has no attribute {name!r}")

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<bigfoot fake asyncpg Connection, session #{self._session.number}, {state}>"


def locals_without_self(values: dict[str, Any]) -> dict[str, Any]:
    values.pop("self", None)
    return values
