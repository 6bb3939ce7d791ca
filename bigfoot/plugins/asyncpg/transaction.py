"""The fake of ``asyncpg.transaction.Transaction``: begin, commit and rollback (or savepoints) become steps."""

from __future__ import annotations

import enum
import types
from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncpg

from .resource import ConnectionResource, guarded
from .txstate import FAILED, Statement, in_failed_transaction

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .connection import Connection

# asyncpg's own set when it has one, so the ValueError for a bad level prints exactly as asyncpg's does.
ISOLATION_LEVELS: set[str] = getattr(
    asyncpg.transaction, "ISOLATION_LEVELS", {"read_committed", "read_uncommitted", "serializable", "repeatable_read"}
)
# What a server reports when no level was asked for; asyncpg would ask the server, the fake assumes the default.
DEFAULT_ISOLATION = "read_committed"


class _State(enum.Enum):
    NEW = 0
    STARTED = 1
    COMMITTED = 2
    ROLLEDBACK = 3
    FAILED = 4


class Transaction(ConnectionResource):
    """A transaction block (or a savepoint when nested). ``start()`` is the step ``begin`` (``savepoint``),
    ``commit()`` is ``commit`` (``release_savepoint``), ``rollback()`` is ``rollback`` (``rollback_to_savepoint``).
    """

    __slots__ = ("_fields", "_isolation", "_readonly", "_deferrable", "_state", "_nested", "_managed")

    def __init__(
        self, connection: Connection, fields: dict[str, Any], isolation: Any, readonly: Any, deferrable: Any
    ) -> None:
        if isolation and isolation not in ISOLATION_LEVELS:
            raise ValueError(f"isolation is expected to be either of {ISOLATION_LEVELS}, got {isolation!r}")
        super().__init__(connection)
        self._fields = fields
        self._isolation = isolation
        self._readonly = readonly
        self._deferrable = deferrable
        self._state = _State.NEW
        self._nested = False
        self._managed = False

    async def __aenter__(self) -> None:
        if self._managed:
            raise asyncpg.InterfaceError("cannot enter context: already in an `async with` block")
        self._managed = True
        await self.start()

    async def __aexit__(
        self, extype: type[BaseException] | None, ex: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._check_valid("__aexit__")
        except asyncpg.InterfaceError:
            if extype is GeneratorExit:
                return  # as asyncpg: a pool releasing the connection meanwhile rolls back for us
            raise
        try:
            await self._finish("rollback" if extype is not None else "commit")
        finally:
            self._managed = False

    @guarded
    async def start(self) -> None:
        """Begin the transaction (a savepoint if another one is open on the connection)."""
        self._refuse_if_over("start")
        if self._state is _State.STARTED:
            raise asyncpg.InterfaceError("cannot start; the transaction is already started")
        connection = self._connection
        top = connection._top_transaction
        if top is None:
            if connection.is_in_transaction():  # asyncpg asks the server's status, as the fake does
                raise asyncpg.InterfaceError("cannot use Connection.transaction() in a manually started transaction")
            connection._top_transaction = self
        else:
            if self._isolation:
                if not top._isolation and connection._server.status is FAILED:
                    # asyncpg asks the server for the outer level, which an aborted block refuses; the fake never
                    # records that question (it assumes read_committed), so it records no answer either.
                    raise in_failed_transaction()
                outer = top._isolation or DEFAULT_ISOLATION
                if self._isolation != outer:
                    raise asyncpg.InterfaceError(
                        "nested transaction has a different isolation level: "
                        f"current {self._isolation!r} != outer {outer!r}"
                    )
            self._nested = True
        if self._nested:
            # asyncpg names the savepoint; the model of the server's state needs no name (it keeps no savepoints).
            await self._step("savepoint", self._fields, _State.STARTED, Statement("savepoint"))
        else:
            await self._step("begin", self._fields, _State.STARTED, Statement("begin"))

    @guarded
    async def commit(self) -> None:
        """Commit (release the savepoint)."""
        if self._managed:
            raise asyncpg.InterfaceError("cannot manually commit from within an `async with` block")
        await self._finish("commit")

    @guarded
    async def rollback(self) -> None:
        """Roll back (to the savepoint)."""
        if self._managed:
            raise asyncpg.InterfaceError("cannot manually rollback from within an `async with` block")
        await self._finish("rollback")

    @types.coroutine  # not an async def, for asyncio's debug mode: see Connection._exchange
    def _finish(self, how: str) -> Generator[Any, None, None]:
        if self._state is _State.NEW:
            raise asyncpg.InterfaceError(f"cannot {how}; the transaction is not yet started")
        self._refuse_if_over(how)
        connection = self._connection
        if connection._top_transaction is self:
            connection._top_transaction = None
        if how == "commit":
            if self._nested:
                yield from self._step("release_savepoint", {}, _State.COMMITTED, Statement("release"))
            else:
                # In an aborted block the server answers COMMIT by rolling back, without an error: as asyncpg sees it,
                # the block committed.
                yield from self._step("commit", {}, _State.COMMITTED, Statement("commit"))
        elif self._nested:
            yield from self._step("rollback_to_savepoint", {}, _State.ROLLEDBACK, Statement("rollback_to"))
        else:
            yield from self._step("rollback", {}, _State.ROLLEDBACK, Statement("rollback"))

    @types.coroutine  # as _finish
    def _step(
        self, method: str, fields: dict[str, Any], success: _State, statement: Statement
    ) -> Generator[Any, None, None]:
        try:
            yield from self._connection._exchange(method, fields, [statement])
        except BaseException:
            self._state = _State.FAILED
            raise
        self._state = success

    def _refuse_if_over(self, operation: str) -> None:
        state = self._state
        if state is _State.COMMITTED:
            raise asyncpg.InterfaceError(f"cannot {operation}; the transaction is already committed")
        if state is _State.ROLLEDBACK:
            raise asyncpg.InterfaceError(f"cannot {operation}; the transaction is already rolled back")
        if state is _State.FAILED:
            raise asyncpg.InterfaceError(f"cannot {operation}; the transaction is in error state")

    def __repr__(self) -> str:
        parts = [f"state:{self._state.name.lower()}"]
        if self._isolation is not None:
            parts.append(str(self._isolation))
        if self._readonly:
            parts.append("readonly")
        if self._deferrable:
            parts.append("deferrable")
        return f"<asyncpg.Transaction {' '.join(parts)} {id(self):#x}>"
