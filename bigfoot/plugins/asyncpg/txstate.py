"""The server's side of a transaction, as the fake connection models it.

asyncpg asks the server whether a connection is in a transaction: PostgreSQL reports ``idle``, ``in transaction`` or
``in failed transaction`` after every statement, and ``conn.is_in_transaction()`` is True for the last two. That state
follows from the statements the code sent and whether they failed, so the fake keeps it from the SQL text of each call
(split into statements, with literals, quoted identifiers, dollar quotes and comments respected) and from the errors
the script raises. What the server alone decides (whether a statement fails, and with what) stays in the script.

The rules, as PostgreSQL applies them:

- ``BEGIN``/``START TRANSACTION`` opens a block; ``COMMIT``/``END``/``ROLLBACK``/``ABORT``/``PREPARE TRANSACTION``
  close it (``... AND CHAIN`` opens the next one at once). Which savepoints exist the model does not track: a
  ``RELEASE`` or ``ROLLBACK TO`` of an unknown one is the server's error, which the script raises.
- A server error inside a block aborts it. Until the block ends, every statement but ``ROLLBACK``/``ABORT``/``COMMIT``/
  ``END`` (which roll back), ``PREPARE TRANSACTION`` and ``ROLLBACK TO`` a savepoint (which clears the abort; a
  savepoint the server does not know is the script's error to raise) is refused with ``InFailedSQLTransactionError``
  (25P02).
- A string of several statements runs them in order and stops at the first error. Which one failed only the server
  knows; the model takes the first statement that is not transaction control (or the last one, if all are).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg

from ..._sql import tokens

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

IN_FAILED_MESSAGE = "current transaction is aborted, commands ignored until end of transaction block"


class Status(enum.Enum):
    IDLE = "idle"
    IN_TRANSACTION = "in transaction"
    FAILED = "in failed transaction"


# Every call reads the status: a member looked up on its enum class costs about ten times a module global.
IDLE, IN_TRANSACTION, FAILED = Status.IDLE, Status.IN_TRANSACTION, Status.FAILED


class Statement(NamedTuple):
    """One statement, reduced to what decides the transaction state: its kind and a savepoint name or a chain flag."""

    kind: str  # begin, commit, rollback, savepoint, release, rollback_to, other
    name: str = ""
    chain: bool = False


OTHER = Statement("other")
PLAIN = (OTHER,)
"""What ``statements()`` gives for one statement that is not transaction control, always this same tuple: running it
changes no transaction state, which the fake connection tells by identity on every call."""
_EXITS = frozenset({"commit", "rollback"})


def _name(token: tuple[str, str] | None) -> str:
    if token is None:
        return ""
    kind, text = token
    if kind == "ident":
        return text[1:-1].replace('""', '"')
    return text


def _classify(parts: list[tuple[str, str]]) -> Statement:
    words = [text for kind, text in parts]
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    chain = words[-2:] == ["and", "chain"]  # AND NO CHAIN ends in "no chain"
    if first == "begin" or (first == "start" and second == "transaction"):
        return Statement("begin")
    if first in ("commit", "end"):
        return OTHER if second == "prepared" else Statement("commit", chain=chain)
    if first in ("rollback", "abort"):
        if second == "prepared":
            return OTHER
        if "to" in words[1:4]:
            at = words.index("to") + 1
            if at < len(words) and words[at] == "savepoint":
                at += 1
            return Statement("rollback_to", _name(parts[at] if at < len(parts) else None))
        return Statement("rollback", chain=chain)
    if first == "prepare" and second == "transaction":
        return Statement("commit")
    if first == "savepoint":
        return Statement("savepoint", _name(parts[1] if len(parts) > 1 else None))
    if first == "release":
        at = 2 if second == "savepoint" else 1
        return Statement("release", _name(parts[at] if at < len(parts) else None))
    return OTHER


def statements(sql: Any) -> tuple[Statement, ...]:
    """The statements of ``sql``, in order; a text with none (only comments, say) gives an empty tuple."""
    if not isinstance(sql, str):
        return PLAIN
    # Code under test sends the same few texts again and again: each is read once (a bounded memo).
    known = _read.get(sql)
    if known is not None:
        return known
    found: list[Statement] = []
    current: list[tuple[str, str]] = []
    for token in tokens(sql):
        if token == ("other", ";"):
            if current:
                found.append(_classify(current))
            current = []
        else:
            current.append(token)
    if current:
        found.append(_classify(current))
    read = PLAIN if found == [OTHER] else tuple(found)
    if len(_read) < 4096:
        _read[sql] = read
    return read


_read: dict[str, tuple[Statement, ...]] = {}


def in_failed_transaction() -> asyncpg.PostgresError:
    """The error PostgreSQL answers a statement with in an aborted transaction block."""
    error: asyncpg.PostgresError = asyncpg.PostgresError.new(
        {"C": "25P02", "M": IN_FAILED_MESSAGE, "S": "ERROR", "V": "ERROR"}
    )
    return error


class ServerTransaction:
    """The transaction status of one fake connection's server session."""

    __slots__ = ("status",)

    def __init__(self) -> None:
        self.status = IDLE

    def in_transaction(self) -> bool:
        return self.status is not IDLE

    def reset(self) -> None:
        self.status = IDLE

    def refused_at(self, sent: Sequence[Statement]) -> int | None:
        """Where an aborted block refuses ``sent`` (with 25P02), or None if the server would run it."""
        status = self.status
        try:
            for i, statement in enumerate(sent):
                if self.status is FAILED and not self._allowed_when_failed(statement):
                    return i
                self._apply(statement)
            return None
        finally:
            self.status = status

    def _allowed_when_failed(self, statement: Statement) -> bool:
        # ROLLBACK TO a savepoint the server does not know fails with its own error: the script says so.
        return statement.kind in _EXITS or statement.kind == "rollback_to"

    def ran(self, sent: Sequence[Statement]) -> None:
        """The server ran every statement of ``sent``."""
        for statement in sent:
            if statement is not OTHER:  # a statement that is not transaction control changes nothing here
                self._apply(statement)

    def refused(self, sent: Sequence[Statement], at: int) -> None:
        """The aborted block refused ``sent[at]``: what came before it ran."""
        self.ran(sent[:at])

    def failed(self, sent: Sequence[Statement], executed: bool = True) -> None:
        """The server answered ``sent`` with an error. ``executed`` is False for a prepare (parsed, never run)."""
        culprit = OTHER
        if executed and sent:
            at = next((i for i, statement in enumerate(sent) if statement.kind == "other"), len(sent) - 1)
            self.ran(sent[:at])
            culprit = sent[at]
        if self.status is IDLE:
            return  # an implicit transaction: rolled back, nothing left open
        if culprit.kind in _EXITS:
            self.reset()  # a failed COMMIT rolls back and ends the block
        else:
            self.status = FAILED

    def _apply(self, statement: Statement) -> None:
        kind = statement.kind
        status = self.status
        if kind == "begin":
            if status is IDLE:
                self.status = IN_TRANSACTION
        elif kind in _EXITS:
            if status is IDLE:
                return  # a warning, "there is no transaction in progress"
            self.status = IN_TRANSACTION if statement.chain else IDLE
        elif kind == "rollback_to" and status is not IDLE:
            # It ran, so the savepoint existed: the abort is undone. SAVEPOINT and RELEASE change no status, and
            # outside a block every savepoint command is refused and leaves no block open.
            self.status = IN_TRANSACTION
