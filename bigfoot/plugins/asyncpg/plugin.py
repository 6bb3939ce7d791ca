"""``AsyncpgPlugin``: scripted sessions for code that uses asyncpg.

>>> from bigfoot import StrictVerifier
>>> verifier = StrictVerifier()
>>> apg = AsyncpgPlugin(verifier)
>>> apg.new_session().expect("connect").expect("fetchval", returns=1).expect("close")
<SessionHandle #1: connect, fetchval, close>
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from types import FunctionType
from typing import TYPE_CHECKING, Any, ClassVar, cast

import asyncpg

from ..._notgiven import NOT_GIVEN
from ..._patching import InterceptedCall
from ..._plugin import BasePlugin
from ..._recording import RecordedCode
from ..._script import SessionHandle, StepSpec
from ..._timeline import Interaction, Source
from ..._verifier import StrictVerifier
from . import interception, rows, scripting
from .connection import Connection
from .described import pg_type
from .faults import connection_lost, log_message
from .pool import Pool
from .scripting import AsyncpgSessionHandle
from .signature_defaults import FIELD_DEFAULTS
from .steps import RECORDED_ONLY, SPECS

if TYPE_CHECKING:
    from .recording import Recorder

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["AsyncpgPlugin", "AsyncpgSessionHandle", "connection_lost", "pg_type", "postgres_error"]


def postgres_error(
    sqlstate: str,
    message: str,
    *,
    detail: str | None = None,
    hint: str | None = None,
    constraint_name: str | None = None,
    table_name: str | None = None,
    schema_name: str | None = None,
    column_name: str | None = None,
    severity: str = "ERROR",
    data_type_name: str | None = None,
    position: str | None = None,
    internal_position: str | None = None,
    internal_query: str | None = None,
    context: str | None = None,
    server_source_filename: str | None = None,
    server_source_line: str | None = None,
    server_source_function: str | None = None,
    severity_en: str | None = None,
) -> asyncpg.PostgresError:
    """An asyncpg exception as the server would produce it: the subclass for ``sqlstate`` with its fields filled.

    Every field a server error can carry has a keyword of asyncpg's attribute name (record mode writes each one the
    server sent); ``severity_en`` defaults to ``severity``.

    >>> error = postgres_error("23505", 'duplicate key value violates unique constraint "users_pkey"',
    ...                        detail="Key (id)=(1) already exists.", constraint_name="users_pkey")
    >>> type(error).__name__, error.sqlstate, error.constraint_name
    ('UniqueViolationError', '23505', 'users_pkey')
    """
    if not (isinstance(sqlstate, str) and len(sqlstate) == 5 and sqlstate.isalnum()):
        raise ValueError(
            f"postgres_error(): sqlstate must be a five-character SQLSTATE code such as '23505', got {sqlstate!r}."
        )
    fields = {"C": sqlstate.upper(), "M": message, "S": severity, "V": severity if severity_en is None else severity_en}
    for code, value in (
        ("D", detail),
        ("H", hint),
        ("n", constraint_name),
        ("t", table_name),
        ("s", schema_name),
        ("c", column_name),
        ("d", data_type_name),
        ("P", position),
        ("p", internal_position),
        ("q", internal_query),
        ("W", context),
        ("F", server_source_filename),
        ("L", server_source_line),
        ("R", server_source_function),
    ):
        if value is not None:
            fields[code] = value
    error: asyncpg.PostgresError = asyncpg.PostgresError.new(fields)
    return error


_CALLED = {"connect": "asyncpg.connect", "acquire": "pool.acquire", "release": "pool.release"}


class AsyncpgPlugin(BasePlugin):
    """Answers asyncpg calls made inside a sandbox from scripted sessions, and asserts what happened.

    Each ``asyncpg.connect()`` takes the next queued session, whose first step must be ``connect``; each pool
    checkout takes the next one too, whose first step must be ``acquire``. A verifier takes at most one
    AsyncpgPlugin; a second raises ValueError.
    """

    hint_name: ClassVar[str] = "asyncpg_mock"
    """Users reach this plugin as ``bigfoot.asyncpg_mock`` (``self.asyncpg_mock`` in a test case with the mixin)."""
    step_specs: ClassVar[Mapping[str, StepSpec]] = SPECS
    """The asyncpg step names a session may script (``connect``, ``fetchval``, ...), each with its ``StepSpec``."""
    recorded_only: ClassVar[Mapping[str, str]] = RECORDED_ONLY
    field_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = FIELD_DEFAULTS
    # Steps that may take time (delay=), honoured with asyncpg's timeouts: those answered through Connection._exchange.
    timed: ClassVar[frozenset[str]] = frozenset(SPECS) - {"connect", "acquire", "release", "close", "terminate"}
    handle_class: ClassVar[type[SessionHandle]] = AsyncpgSessionHandle
    """``new_session()`` returns an ``AsyncpgSessionHandle``: ``expect()``, and ``transaction()`` for a block."""

    # One interaction source per step, for the generic form verifier.assert_interaction(plugin.fetch, ...);
    # BasePlugin.__getattr__ makes them on first use.
    connect: Source
    execute: Source
    executemany: Source
    fetch: Source
    fetchrow: Source
    fetchval: Source
    fetchmany: Source
    prepare: Source
    explain: Source
    cursor: Source
    begin: Source
    commit: Source
    rollback: Source
    savepoint: Source
    release_savepoint: Source
    rollback_to_savepoint: Source
    copy_from_table: Source
    copy_from_query: Source
    copy_to_table: Source
    copy_records_to_table: Source
    add_listener: Source
    remove_listener: Source
    reset: Source
    set_type_codec: Source
    close: Source
    terminate: Source
    acquire: Source
    release: Source
    create_pool: Source
    close_pool: Source
    terminate_pool: Source
    reset_type_codec: Source
    set_builtin_type_codec: Source

    postgres_error = staticmethod(postgres_error)
    connection_lost = staticmethod(connection_lost)

    def __init__(self, verifier: StrictVerifier) -> None:
        super().__init__(verifier)
        self._listening: set[Connection] = set()
        self._log_listening: dict[Connection, None] = {}  # connections that added a log listener, in order
        self._recorder: Recorder | None = None  # record mode's log, made by the first recorded call

    def called_name(self, method: str) -> str:
        return _CALLED.get(method) or "conn." + method

    # -- record mode: see recording.py and codegen.py --------------------------------------------------------------

    @classmethod
    def check_record_target(cls, target: str) -> None:
        """Connect to the recording DSN once: unreachable, refused or missing databases stop the run at once."""
        from .recording import check_target

        check_target(target)

    def stop_recording(self) -> None:
        if self._recorder is not None:
            self._recorder.close_leftovers()

    def recorded_code(self) -> RecordedCode | None:
        recorder = getattr(self, "_recorder", None)
        if recorder is None:
            return None
        from .codegen import render

        return render(recorder, self.hint_prefix())

    def validate(self, target: str) -> list[str]:
        """Validate mode: prepare every query of the test on the server at ``target`` (see validation.py)."""
        from .validation import validate

        return validate(self, target)

    @classmethod
    def intercepts(cls) -> Mapping[FunctionType, Callable[[Any, InterceptedCall], Any]]:
        """``asyncpg.connect`` and ``asyncpg.create_pool``: see ``interception``."""
        return interception.handlers()

    @classmethod
    def always_real(cls) -> Iterable[FunctionType]:
        """``asyncpg.Pool._get_new_connection``: a real pool, made outside bigfoot, always opens real connections."""
        return interception.always_real()

    # -- scripting ------------------------------------------------------------------------------------------------

    def new_session(self) -> AsyncpgSessionHandle:
        """Queue a new session script and return its handle. Sessions are taken first in, first out.

        Each ``asyncpg.connect()`` and each pool checkout takes the next one. The handle scripts steps with
        ``expect()`` and transaction blocks with ``transaction()``.
        """
        return cast(AsyncpgSessionHandle, super().new_session())

    def pool_call(
        self,
        method: str,
        returns: Any = NOT_GIVEN,
        raises: BaseException | type[BaseException] | None = None,
        delay: float | None = None,
        **options: Any,
    ) -> AsyncpgSessionHandle:
        """Queue the session of one pool shortcut, ``pool.fetch(...)``, ``pool.execute(...)`` and the like.

        A shortcut checks a connection out, makes one call and releases it, so the session is three steps:
        ``acquire``, then ``method`` with ``returns``, ``raises``, ``delay`` and the step's options as ``expect()``
        takes them, then ``release`` -- the same steps, at the same line, as
        ``new_session().expect("acquire").expect(method, ...).expect("release")``. ``method`` is one of the pool's
        shortcuts (``execute``, ``executemany``, ``fetch``, ``fetchrow``, ``fetchval``, ``fetchmany`` and the
        ``copy_*`` methods). Returns the session's handle.
        """
        return scripting.pool_call(self, sys._getframe(1), method, returns, raises, delay, options)

    def checkout(self, body: Callable[[AsyncpgSessionHandle], object] | None = None) -> AsyncpgSessionHandle:
        """Queue the session of one checkout, ``async with pool.acquire() as con:``: ``acquire``, the steps
        ``body(handle)`` scripts for the calls made on the connection, then ``release``.

        ``body`` is called at once with the session's handle (a lambda chaining ``expect()`` and ``transaction()``
        calls, or a function); without it the checkout makes no call. The steps are exactly those of
        ``new_session().expect("acquire")``, the body's, then ``.expect("release")``, each at the line that scripted
        it. Returns the session's handle.
        """
        return scripting.checkout(self, sys._getframe(1), body)

    def open_connection(self, fields: dict[str, Any]) -> Connection:
        """Answer ``asyncpg.connect(**fields)`` with the next queued session."""
        given_class = "record_class" in fields  # if not, asyncpg's default: its rows are bigfoot's Record (see rows)
        if given_class:
            rows.check_connect_record_class(fields["record_class"])  # asyncpg checks it first: no step is taken
        session = self.take_session("connect", fields)
        connection = Connection(self, session)
        if given_class:
            connection._record_class = rows.row_class(fields["record_class"])
        self.call(session, "connect", fields)
        return connection

    def open_pool(self, fields: dict[str, Any], **settings: Any) -> Pool:
        """Answer ``asyncpg.create_pool(**fields)``: asyncpg's checks of the sizes, then a recorded fake pool."""
        pool = Pool(self, **settings)
        record_class = fields.get("record_class", asyncpg.Record)
        rows.check_pool_record_class(record_class)  # after the sizes, as in asyncpg's Pool()
        pool._record_class = record_class
        self.record("create_pool", fields)
        return pool

    async def notify(self, channel: str, payload: str = "", *, pid: int | None = None) -> int:
        """Deliver a NOTIFY on ``channel`` to every open fake connection listening to it.

        Each listener is called as asyncpg calls it, ``callback(connection, pid, channel, payload)``, and awaited if
        it is a coroutine function. Returns how many listeners were called. The notification is the test's doing, not
        the code's, so it is not recorded.
        """
        delivered = 0
        for connection in list(self._listening):
            if connection._closed:
                self._listening.discard(connection)
                continue
            sender = pid if pid is not None else connection.get_server_pid()
            delivered += await connection._deliver(channel, payload, sender)
        return delivered

    async def notice(
        self,
        message: str,
        *,
        severity: str = "NOTICE",
        sqlstate: str = "00000",
        detail: str | None = None,
        hint: str | None = None,
        connection: Any = None,
    ) -> int:
        """Deliver a server notice (``RAISE NOTICE``, a warning) to the log listeners of open fake connections.

        Each listener is called as asyncpg calls it, ``callback(connection, message)`` with an
        ``asyncpg.PostgresLogMessage`` (a ``PostgresWarning`` for ``severity="WARNING"``), and awaited if it is a
        coroutine function. ``connection=`` delivers to that connection only. Returns how many listeners were
        called; like ``notify()``, it is the test's doing and is not recorded.
        """
        notice = log_message(message, severity=severity, sqlstate=sqlstate, detail=detail, hint=hint)
        targets = [connection] if connection is not None else self._open_connections()
        delivered = 0
        for target in targets:
            con = getattr(target, "_con", target)  # a pool's proxy stands for its connection
            if isinstance(con, Connection) and not con._closed:
                delivered += await con._deliver_notice(notice)
        return delivered

    def _open_connections(self) -> list[Connection]:
        return list(self._log_listening)

    # -- assertion helpers: each asserts the next interaction of its kind on this plugin's verifier ----------------

    def _assert(self, method: str, fields: dict[str, Any]) -> Interaction:
        __tracebackhide__ = True
        return self._verifier._match(self._sources[method], fields)

    def _assert_query(self, method: str, query: Any, args: Any, more: dict[str, Any]) -> Interaction:
        # Left-out query or args are dropped here, so verification names them as missing with the line to paste.
        __tracebackhide__ = True
        fields = {"query": query, "args": args, **more} if more else {"query": query, "args": args}
        if query is NOT_GIVEN:
            del fields["query"]
        if args is NOT_GIVEN:
            del fields["args"]
        return self._verifier._match(self._sources[method], fields)

    def assert_connect(self, **fields: Any) -> Interaction:
        """Assert an ``asyncpg.connect()``: pass exactly the arguments it was called with (``dsn=`` or keywords)."""
        __tracebackhide__ = True
        return self._assert("connect", fields)

    def assert_execute(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.execute(query, *args)``; ``args`` is the list of positional arguments."""
        __tracebackhide__ = True
        return self._assert_query("execute", query, args, more)

    def assert_executemany(self, *, command: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.executemany(command, args)`` (``query=`` instead of ``command=`` for a prepared one)."""
        __tracebackhide__ = True
        fields = {"command": command, "args": args, **more}
        return self._assert("executemany", {k: v for k, v in fields.items() if v is not NOT_GIVEN})

    def assert_fetch(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.fetch(query, *args)``."""
        __tracebackhide__ = True
        return self._assert_query("fetch", query, args, more)

    def assert_fetchrow(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.fetchrow(query, *args)``."""
        __tracebackhide__ = True
        return self._assert_query("fetchrow", query, args, more)

    def assert_fetchval(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.fetchval(query, *args)``; ``column=`` too if the code passed it."""
        __tracebackhide__ = True
        return self._assert_query("fetchval", query, args, more)

    def assert_fetchmany(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.fetchmany(query, args)``; ``args`` is the list of argument tuples."""
        __tracebackhide__ = True
        return self._assert_query("fetchmany", query, args, more)

    def assert_prepare(self, *, query: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.prepare(query)``."""
        __tracebackhide__ = True
        return self._assert("prepare", more if query is NOT_GIVEN else {"query": query, **more})

    def assert_explain(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``statement.explain(*args)``."""
        __tracebackhide__ = True
        return self._assert_query("explain", query, args, more)

    def assert_cursor(self, *, query: Any = NOT_GIVEN, args: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert the opening of a ``conn.cursor(query, *args)``."""
        __tracebackhide__ = True
        return self._assert_query("cursor", query, args, more)

    def assert_begin(self, **fields: Any) -> Interaction:
        """Assert a transaction start; give the arguments passed to ``transaction()`` (isolation, readonly, ...)."""
        __tracebackhide__ = True
        return self._assert("begin", fields)

    def assert_commit(self, **fields: Any) -> Interaction:
        """Assert a transaction commit."""
        __tracebackhide__ = True
        return self._assert("commit", fields)

    def assert_rollback(self, **fields: Any) -> Interaction:
        """Assert a transaction rollback."""
        __tracebackhide__ = True
        return self._assert("rollback", fields)

    def assert_savepoint(self, **fields: Any) -> Interaction:
        """Assert the start of a nested transaction block."""
        __tracebackhide__ = True
        return self._assert("savepoint", fields)

    def assert_release_savepoint(self, **fields: Any) -> Interaction:
        """Assert the commit of a nested transaction block."""
        __tracebackhide__ = True
        return self._assert("release_savepoint", fields)

    def assert_rollback_to_savepoint(self, **fields: Any) -> Interaction:
        """Assert the rollback of a nested transaction block."""
        __tracebackhide__ = True
        return self._assert("rollback_to_savepoint", fields)

    def assert_copy_from_table(self, **fields: Any) -> Interaction:
        """Assert a ``conn.copy_from_table(...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("copy_from_table", fields)

    def assert_copy_from_query(self, **fields: Any) -> Interaction:
        """Assert a ``conn.copy_from_query(...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("copy_from_query", fields)

    def assert_copy_to_table(self, **fields: Any) -> Interaction:
        """Assert a ``conn.copy_to_table(...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("copy_to_table", fields)

    def assert_copy_records_to_table(self, **fields: Any) -> Interaction:
        """Assert a ``conn.copy_records_to_table(...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("copy_records_to_table", fields)

    def assert_add_listener(self, *, channel: Any = NOT_GIVEN, callback: Any = NOT_GIVEN, **more: Any) -> Interaction:
        """Assert a ``conn.add_listener(channel, callback)`` (``raised=`` if the server refused its LISTEN)."""
        __tracebackhide__ = True
        fields = {"channel": channel, "callback": callback, **more}
        return self._assert("add_listener", {k: v for k, v in fields.items() if v is not NOT_GIVEN})

    def assert_remove_listener(
        self, *, channel: Any = NOT_GIVEN, callback: Any = NOT_GIVEN, **more: Any
    ) -> Interaction:
        """Assert a ``conn.remove_listener(channel, callback)`` (``raised=`` if the server refused its UNLISTEN)."""
        __tracebackhide__ = True
        fields = {"channel": channel, "callback": callback, **more}
        return self._assert("remove_listener", {k: v for k, v in fields.items() if v is not NOT_GIVEN})

    def assert_reset(self, **fields: Any) -> Interaction:
        """Assert a ``conn.reset()``."""
        __tracebackhide__ = True
        return self._assert("reset", fields)

    def assert_set_type_codec(self, **fields: Any) -> Interaction:
        """Assert a ``conn.set_type_codec(...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("set_type_codec", fields)

    def assert_reset_type_codec(self, **fields: Any) -> Interaction:
        """Assert a ``conn.reset_type_codec(typename, ...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("reset_type_codec", fields)

    def assert_set_builtin_type_codec(self, **fields: Any) -> Interaction:
        """Assert a ``conn.set_builtin_type_codec(typename, ...)`` with the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("set_builtin_type_codec", fields)

    def assert_close(self, **fields: Any) -> Interaction:
        """Assert a ``conn.close()`` (with ``timeout=`` if the code passed one)."""
        __tracebackhide__ = True
        return self._assert("close", fields)

    def assert_create_pool(self, **fields: Any) -> Interaction:
        """Assert an ``asyncpg.create_pool(...)``: pass exactly the arguments it was called with."""
        __tracebackhide__ = True
        return self._assert("create_pool", fields)

    def assert_close_pool(self) -> Interaction:
        """Assert a ``pool.close()`` (also done by leaving ``async with pool``)."""
        __tracebackhide__ = True
        return self._assert("close_pool", {})

    def assert_terminate_pool(self) -> Interaction:
        """Assert a ``pool.terminate()``."""
        __tracebackhide__ = True
        return self._assert("terminate_pool", {})

    def assert_acquire(self, **fields: Any) -> Interaction:
        """Assert a pool checkout (``timeout=`` if the code passed one)."""
        __tracebackhide__ = True
        return self._assert("acquire", fields)

    def assert_release(self, **fields: Any) -> Interaction:
        """Assert a connection's return to its pool (``timeout=`` if the code passed one)."""
        __tracebackhide__ = True
        return self._assert("release", fields)

    def assert_terminate(self) -> Interaction:
        """Assert a ``conn.terminate()``."""
        __tracebackhide__ = True
        return self._assert("terminate", {})
