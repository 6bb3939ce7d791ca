"""Record mode for asyncpg: the fakes, answered by a real PostgreSQL, with a log of what happened.

In record mode ``asyncpg.connect()`` and ``asyncpg.create_pool()`` still hand out bigfoot's fakes, so every call is
checked and its fields are built exactly as in a scripted test; but where a scripted fake would take the next step,
the recording one performs the call on a real connection to the recording DSN and logs the call with its real
outcome. ``codegen`` turns that log into the script and the assertions of the test.

Calls that asyncpg refuses client-side (a closed connection, a wrong number of arguments, a value it cannot encode)
raise as they would, and are not logged: a script could not make a fake raise them anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import asyncpg

from ..._notgiven import given
from ..._sandbox import outside_sandbox
from ..._script import Session
from ..._secrets import reveal
from .connection import Connection
from .defaults import NONE
from .described import status_after
from .pool import Pool, PoolConnectionProxy
from .prepared import PreparedStatement

if TYPE_CHECKING:
    from ..._patching import InterceptedCall
    from .plugin import AsyncpgPlugin

# asyncpg.connect() arguments that say where and as whom to connect: record mode replaces them all by the recording
# DSN. The others (timeouts, caches, record and connection classes, server settings) are handed on as passed.
ADDRESS = frozenset(
    {
        "dsn",
        "host",
        "port",
        "user",
        "password",
        "passfile",
        "service",
        "servicefile",
        "database",
        "ssl",
        "direct_tls",
        "sslpassword",
        "target_session_attrs",
        "krbsrvname",
        "gsslib",
        "loop",
    }
)
# create_pool() arguments the fake pool carries out itself (init and setup run on each checkout, through the
# recording connection, so they are recorded as the scripted fake would play them), or that would connect elsewhere.
POOL_OWN = frozenset({"init", "setup", "connect", "reset"})


class Entry:
    """One logged call: its place in the test's order is taken when the call starts, its outcome when it ends."""

    __slots__ = ("session", "method", "fields", "returns", "raises", "done", "options")

    def __init__(self, session: int | None, method: str, fields: dict[str, Any]) -> None:
        self.session = session
        self.method = method
        self.fields = fields
        self.returns: Any = None
        self.raises: BaseException | None = None
        self.done = False
        self.options: dict[str, Any] = {}
        """What the server described besides the answer, written as the step's options (a statement's types)."""


class Recorder:
    """The log of one test: sessions in the order they were taken, and every call in the order it was made."""

    def __init__(self, plugin: AsyncpgPlugin) -> None:
        self.plugin = plugin
        self.entries: list[Entry] = []
        self.sessions: list[list[Entry]] = []
        self.opened: list[Any] = []
        """Real connections and pools, so that what the code leaves open is closed when the test ends."""

    def close_leftovers(self) -> None:
        """Terminate the real connections and pools the code did not close (a test that crashed, or leaked).

        Terminating aborts each socket's transport, which closes the socket on the next turn of its event loop. A
        loop that is running (unittest's ``asyncTearDown``) takes that turn by itself; one that has stopped but is
        not closed (pytest's, between the test and its teardown) is given the turn here, so no socket is left open
        to be collected, and warned about, later.
        """
        opened, self.opened = self.opened, []
        loops: set[asyncio.AbstractEventLoop] = set()
        for real in opened:
            if real is None:
                continue
            closed = real.is_closing() if hasattr(real, "is_closing") else real.is_closed()
            if not closed:
                with contextlib.suppress(RuntimeError):  # its event loop is gone already: nothing left to say
                    real.terminate()
                    loops.add(real._loop)
        for loop in loops:
            if not (loop.is_running() or loop.is_closed()):
                loop.run_until_complete(asyncio.sleep(0))

    def new_session(self) -> Session:
        self.sessions.append([])
        return Session(self.plugin, len(self.sessions))

    def start(self, session: Session | None, method: str, fields: dict[str, Any]) -> Entry:
        entry = Entry(None if session is None else session.number, method, fields)
        self.entries.append(entry)
        if session is not None:
            self.sessions[session.number - 1].append(entry)
        return entry

    def end(self, entry: Entry, returns: Any = None) -> Any:
        entry.returns = returns
        entry.done = True
        return returns

    def fail(self, entry: Entry, exc: BaseException, client_check: Callable[[], None] | None = None) -> None:
        """The real call raised: a server error is part of the script; so is what asyncpg raises itself once the server
        has answered, which the fake cannot work out alone; anything else was never the server's answer.

        asyncpg raises some PostgresError subclasses itself (a DataError for an argument it cannot encode); only the
        server's errors carry a severity. The server closing the connection during the call is its answer too
        (``connection_lost()`` scripts it).

        ``client_check`` is given for a call that reached the server (a query's exchange, see
        ``Connection._exchange``): what asyncpg raises there, but for an error of the fake's own check of the
        call (the argument count, which the fake raises again without a step), is scripted as the step's ``raises``:
        an argument it cannot encode for the types the server described, a value it cannot decode, a timeout, a
        column ``fetchval()`` asks for that the row lacks. Cancellation and other BaseExceptions come from outside the
        call and are never scripted.
        """
        if (
            isinstance(exc, asyncpg.ConnectionDoesNotExistError)
            or (isinstance(exc, asyncpg.PostgresError) and getattr(exc, "severity", None))
            or (client_check is not None and isinstance(exc, Exception) and not _raises(client_check))
        ):
            entry.raises = exc
            entry.done = True
        else:
            self.drop(entry)

    def drop(self, entry: Entry) -> None:
        self.entries.remove(entry)
        if entry.session is not None:
            self.sessions[entry.session - 1].remove(entry)

    async def run(self, entry: Entry, work: Any, client_check: Callable[[], None] | None = None) -> Any:
        """Await the real call ``work`` and log its outcome on ``entry`` (``client_check``: see ``fail``)."""
        try:
            with outside_sandbox():
                result = await work
        except BaseException as exc:
            self.fail(entry, exc, client_check)
            raise
        return self.end(entry, result)


def _no_check() -> None:
    """The client check of a call the fake checks no further (its argument count matched)."""


def _raises(check: Callable[[], None]) -> bool:
    """Whether the fake's own check of a call raises: then the fake raises the error again, with no step."""
    try:
        check()
    except Exception:
        return True
    return False


def recorder_of(plugin: AsyncpgPlugin) -> Recorder:
    recorder: Recorder | None = getattr(plugin, "_recorder", None)
    if recorder is None:
        recorder = plugin._recorder = Recorder(plugin)
    return recorder


def _options(fields: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: fields[name] for name in names if name in fields}


async def perform(con: RecordingConnection, method: str, fields: dict[str, Any]) -> Any:
    """Do on the real connection what ``method`` with ``fields`` asks of the fake; return what the fake would."""
    real = con._real
    query = fields.get("query")
    args = fields.get("args", [])
    if method in ("execute", "fetch", "fetchrow", "fetchval"):
        if con._via is not None:  # a prepared statement's call: its real statement runs it
            return await getattr(con._via, method)(*args, **_options(fields, "timeout", "column"))
        options = _options(fields, "timeout", "record_class", "column")
        return await getattr(real, method)(query, *args, **options)
    if method == "executemany":
        return await real.executemany(fields.get("command", query), args, **_options(fields, "timeout"))
    if method == "fetchmany":
        return await real.fetchmany(query, args, **_options(fields, "timeout", "record_class"))
    if method == "prepare":
        con._described = await real.prepare(query, **_options(fields, "name", "timeout", "record_class"))
        return None
    if method == "explain":
        statement = await real.prepare(query)
        return await statement.explain(*args, **_options(fields, "analyze"))
    if method == "cursor":
        # Opened as an awaited cursor (prepare and bind: an error there is the opening's), then read one row at a time,
        # so that an error the server raises producing a row comes after exactly the rows before it (then_raises=).
        cursor = await real.cursor(query, *args, **_options(fields, "timeout", "record_class"))
        found: list[Any] = []
        try:
            while (row := await cursor.fetchrow()) is not None:
                found.append(row)
        except asyncpg.PostgresError as exc:
            if not getattr(exc, "severity", None):
                raise
            con._then_raises = exc
        return found
    if method in ("begin", "savepoint"):
        transaction = real.transaction(**fields)
        await transaction.start()
        con._transactions.append(transaction)
        return None
    if method in ("commit", "release_savepoint"):
        await con._transactions.pop().commit()
        return None
    if method in ("rollback", "rollback_to_savepoint"):
        await con._transactions.pop().rollback()
        return None
    if method in ("copy_from_table", "copy_to_table", "copy_records_to_table"):
        rest = dict(fields)
        return await getattr(real, method)(rest.pop("table_name"), **rest)
    if method == "copy_from_query":
        rest = dict(fields)
        rest.pop("query")
        return await real.copy_from_query(query, *rest.pop("args", []), **rest)
    if method in ("add_listener", "remove_listener"):
        return await getattr(real, method)(fields["channel"], con._listener_for(fields["callback"]))
    if method == "reset":
        return await real.reset(**fields)
    if method in ("set_type_codec", "reset_type_codec", "set_builtin_type_codec"):
        rest = dict(fields)
        return await getattr(real, method)(rest.pop("typename"), **rest)
    raise NotImplementedError(f"record mode cannot perform {method}() yet")  # pragma: no cover - every step is above


class RecordingConnection(Connection):
    """The fake connection, answered by a real one: every call that reaches the server is logged."""

    __slots__ = ("_real", "_recorder", "_transactions", "_callbacks", "_described", "_via", "_then_raises")

    _from_server = True

    def __init__(self, plugin: AsyncpgPlugin, session: Session, real: Any) -> None:
        super().__init__(plugin, session)
        self._real = real
        self._recorder = recorder_of(plugin)
        self._transactions: list[Any] = []
        self._callbacks: dict[Any, Any] = {}
        self._described: Any = None  # the real statement the last prepare() made
        self._via: Any = None  # the real statement running the current call of a prepared statement (see prepared)
        self._then_raises: BaseException | None = None  # the error a cursor's query raised after its first rows

    async def prepare(
        self, query: str, *, name: str | None = NONE, timeout: float | None = NONE, record_class: Any = NONE
    ) -> PreparedStatement:
        """The fake statement, described as the server described the real one; the prepare step holds the types."""
        statement = await super().prepare(query, name=name, timeout=timeout, record_class=record_class)
        real, self._described = self._described, None
        statement._server = real  # the server keeps a statement only while its object lives, as the code's does
        statement._parameters = real.get_parameters()
        statement._attributes = real.get_attributes()
        entry = self._recorder.sessions[self._session.number - 1][-1]
        entry.options = {"parameters": statement._parameters, "attributes": statement._attributes}
        return statement

    async def _perform(self, method: str, fields: dict[str, Any], client_check: Callable[[], None] | None) -> Any:
        entry = self._recorder.start(self._session, method, fields)
        self._busy = True
        try:
            result = await self._recorder.run(entry, perform(self, method, fields), client_check or _no_check)
            if self._via is not None:
                self._record_status(entry, method, fields["query"], result)
            if self._then_raises is not None:
                entry.options = {**entry.options, "then_raises": self._then_raises}
                self._then_raises = None
            return result
        except asyncpg.ConnectionDoesNotExistError:
            self._lost()  # the server went away during the call, as the fake does when the script says so
            raise
        finally:
            self._busy = False

    def _step_options(self, method: str) -> Mapping[str, Any]:
        """What record mode recorded for the last call of ``method`` here, in place of a step's options."""
        entries = self._recorder.sessions[self._session.number - 1]
        last = entries[-1] if entries else None
        return last.options if last is not None and last.method == method else {}

    def _record_status(self, entry: Entry, method: str, query: str, result: Any) -> None:
        """The status the real statement keeps after a call, written as the step's ``status=`` where the fake would
        not work out the same from the query and the rows (a command without RETURNING counts rows nobody sees)."""
        rows = (
            len(result) if method == "fetch" else None if result is None and method == "fetchval" else int(bool(result))
        )
        status = self._via.get_statusmsg()
        if status_after(query, method, rows) != status:
            entry.options = {**entry.options, "status": status}

    def _listener_for(self, callback: Any) -> Any:
        """What the real connection calls for ``callback``: the callback, given this connection instead of the real
        one, as the fake hands it over. The same wrapper every time, so that removing the listener finds it."""
        wrapper = self._callbacks.get(callback)
        if wrapper is None:
            if inspect.iscoroutinefunction(callback):

                async def wrapper(_real: Any, pid: int, channel: str, payload: str) -> Any:
                    return await callback(self, pid, channel, payload)

            else:

                def wrapper(_real: Any, pid: int, channel: str, payload: str) -> Any:
                    return callback(self, pid, channel, payload)

            self._callbacks[callback] = wrapper
        return wrapper

    async def close(self, *, timeout: float | None = NONE) -> None:
        if self._closed:
            return
        fields = given({"timeout": timeout})
        self._end()  # back to its pool, and the code's termination listeners, as on the plain fake
        entry = self._recorder.start(self._session, "close", fields)
        await self._recorder.run(entry, self._real.close(**fields))

    def terminate(self) -> None:
        if self._closed:
            return
        self._end()
        entry = self._recorder.start(self._session, "terminate", {})
        self._real.terminate()
        self._recorder.end(entry)

    def _released(self) -> None:
        super()._released()
        self._transactions.clear()

    def get_server_pid(self) -> int:
        pid: int = self._real.get_server_pid()
        return pid

    def get_server_version(self) -> Any:
        return self._real.get_server_version()

    def get_settings(self) -> Any:
        return self._real.get_settings()


def _real_arguments(call: InterceptedCall, target: str, dropped: frozenset[str]) -> dict[str, Any]:
    """The arguments of ``call`` for the real function: the recording DSN instead of where the code connects."""
    kwargs = {name: reveal(value) for name, value in call.fields().items() if name not in dropped}
    kwargs["dsn"] = target
    return kwargs


async def connect(plugin: AsyncpgPlugin, call: InterceptedCall) -> Connection:
    """``asyncpg.connect()`` in record mode: a real connection to the recording DSN, logged as the code's call."""
    recorder = recorder_of(plugin)
    target = plugin.recording
    assert target is not None
    session = recorder.new_session()
    entry = recorder.start(session, "connect", call.fields())
    try:
        with outside_sandbox():
            real = await call.patch.original(**_real_arguments(call, target, ADDRESS))
    except asyncpg.PostgresError as exc:
        # The target was checked when the run began: a server error now answers what the code passed (a setting the
        # server refuses in server_settings=), and the script raises it at connect.
        recorder.fail(entry, exc)
        raise
    except BaseException:
        recorder.drop(entry)  # the recording DSN's failure, not the code's
        raise
    recorder.end(entry)
    recorder.opened.append(real)
    return RecordingConnection(plugin, session, real)


class RecordingPool(Pool):
    """The fake pool, whose checkouts are real connections of a real pool on the recording DSN."""

    __slots__ = ("_real", "_real_arguments", "_create", "_recorder")

    def __init__(self, plugin: AsyncpgPlugin, call: InterceptedCall, **settings: Any) -> None:
        super().__init__(plugin, **settings)
        target = plugin.recording
        assert target is not None
        self._real: Any = None
        self._real_arguments = _real_arguments(call, target, ADDRESS | POOL_OWN)
        self._create = call.patch.original
        self._recorder = recorder_of(plugin)

    async def _initialize(self) -> Pool:
        if self._state == "new":
            with outside_sandbox():
                self._real = await self._create(**self._real_arguments)
            self._recorder.opened.append(self._real)
        return await super()._initialize()

    async def _check_out(self, timeout: float | None) -> PoolConnectionProxy:
        fields = {} if timeout is None else {"timeout": timeout}
        recorder = self._recorder
        session = recorder.new_session()
        entry = recorder.start(session, "acquire", fields)
        try:
            with outside_sandbox():
                real = await self._real.acquire(timeout=timeout)
        except BaseException:
            recorder.drop(entry)
            raise
        recorder.end(entry)
        con = RecordingConnection(self._plugin, session, real)
        # The fake pool's own bookkeeping, so that sizes, init= and a connection closed while out behave as the fake
        # pool replays them: init= runs once per connection the pool opens.
        if self._connections.take(con) and self._init is not None:
            try:
                await self._init(con)
            except BaseException:
                self._connections.dropped(con)
                with outside_sandbox():
                    real.terminate()  # asyncpg closes a connection whose init failed
                    await self._real.release(real)
                raise
        proxy = PoolConnectionProxy(self, con)
        self._out.add(proxy)
        con._on_close = lambda: self._took_back(proxy)
        if self._setup is not None:
            try:
                await self._setup(proxy)
            except BaseException:
                with outside_sandbox():
                    await self._real.release(real)  # asyncpg releases the connection when setup fails
                raise
        return proxy

    async def release(self, connection: Any, *, timeout: float | None = NONE) -> None:
        self._check_member(connection)
        con = connection._con
        fields = given({"timeout": timeout})
        if con is None:
            closed, connection._closed_con = connection._closed_con, None
            if closed is not None:  # closed while out: the pool took it back already; the code still hands it back
                self._recorder.end(self._recorder.start(closed._session, "release", fields))
            return
        self._check_ready()
        connection._detach()
        self._out.discard(connection)
        con._released()
        self._connections.put_back(con)
        try:
            entry = self._recorder.start(con._session, "release", fields)
            await self._recorder.run(entry, self._real.release(con._real, **fields))
        finally:
            self._free_slot()

    async def close(self) -> None:
        if self._state == "closed":
            return
        self._check_ready()
        self._state = "closed"
        self._connections.closed()
        entry = self._recorder.start(None, "close_pool", {})
        await self._recorder.run(entry, self._real.close())

    def terminate(self) -> None:
        if self._state == "closed":
            return
        self._check_ready()
        self._state = "closed"
        self._connections.closed()
        entry = self._recorder.start(None, "terminate_pool", {})
        with outside_sandbox():
            self._real.terminate()
        self._recorder.end(entry)
        for proxy in list(self._out):  # asyncpg terminated the checked-out connections too
            con = proxy._con
            if con is not None and not con._closed:
                con._end()  # its termination listeners are called, as asyncpg's pool terminates each connection
            self._took_back(proxy)


def create_pool(plugin: AsyncpgPlugin, call: InterceptedCall, fields: dict[str, Any], **settings: Any) -> Pool:
    """``asyncpg.create_pool()`` in record mode: a recording fake pool, opened on the recording DSN when awaited."""
    pool = RecordingPool(plugin, call, **settings)
    recorder = recorder_of(plugin)
    recorder.end(recorder.start(None, "create_pool", fields))
    return pool


def check_target(target: str) -> None:
    """Connect to ``target`` once, in a thread of its own (a runner may call this from inside its event loop)."""
    failure: list[BaseException] = []

    async def attempt() -> None:
        try:
            con = await asyncpg.connect(target, timeout=10)
            await con.close()
        finally:
            # A refused connection's transport finishes closing on a later turn of the loop; asyncio.run would
            # otherwise close the loop first and leave an unclosed socket behind.
            for _ in range(3):
                await asyncio.sleep(0)

    def run() -> None:
        try:
            asyncio.run(attempt())
        except BaseException as exc:  # reported by the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="bigfoot-record-check")
    thread.start()
    thread.join()
    if failure:
        exc = failure[0]
        raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
