"""The status string PostgreSQL reports for a statement, as hints suggest it for ``execute`` steps.

``conn.execute()`` returns the server's command tag: ``INSERT 0 1``, ``UPDATE 3``, ``CREATE TABLE``. A hint that
suggests ``'SELECT 1'`` for an INSERT would be pasted as is and leave the test saying something untrue, so the hint
reads the statement. With several statements asyncpg returns the last one's tag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._sql import tokens

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

_ROW_COUNTS = {"INSERT": "INSERT 0 1", "UPDATE": "UPDATE 1", "DELETE": "DELETE 1", "SELECT": "SELECT 1"}
_ROW_COUNTS.update({name: f"{name} 1" for name in ("MERGE", "FETCH", "MOVE", "COPY")})
_OBJECT_COMMANDS = frozenset({"CREATE", "DROP", "ALTER"})
# Words between CREATE and the kind of object, which the tag leaves out.
_MODIFIERS = frozenset({"OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "TRUSTED"})
_TWO_WORD_OBJECTS = frozenset({"MATERIALIZED", "FOREIGN", "EVENT"})
_RENAMED = {"START": "START TRANSACTION", "TRUNCATE": "TRUNCATE TABLE", "END": "COMMIT", "ABORT": "ROLLBACK"}
_MAIN = frozenset({"INSERT", "UPDATE", "DELETE", "SELECT", "MERGE"})


def _last_statement(query: str) -> list[str]:
    """The words and parentheses of the last non-empty statement of ``query``, words uppercased."""
    statements: list[list[str]] = [[]]
    for kind, token in tokens(query):
        if token == ";":
            statements.append([])
        elif kind == "word":
            statements[-1].append(token.upper())
        elif token in ("(", ")"):
            statements[-1].append(token)
    found = [statement for statement in statements if any(word not in ("(", ")") for word in statement)]
    return found[-1] if found else []


def status_for(query: str) -> str | None:
    """The command tag PostgreSQL would report for ``query`` (a row count of 1 where it counts rows)."""
    words = _last_statement(query)
    if not words:
        return None
    command = words[0]
    if command == "WITH":  # the statement after the common table expressions
        depth = 0
        for word in words[1:]:
            depth += (word == "(") - (word == ")")
            if depth == 0 and word in _MAIN:
                command = word
                break
        else:
            command = "SELECT"
    if command in _ROW_COUNTS:
        return _ROW_COUNTS[command]
    if command in _OBJECT_COMMANDS:
        rest = [word for word in words[1:] if word not in _MODIFIERS and word not in ("(", ")")]
        if rest:
            kind = rest[:2] if rest[0] in _TWO_WORD_OBJECTS and len(rest) > 1 else rest[:1]
            return " ".join([command, *kind])
    return _RENAMED.get(command, command)


def status_example(fields: Mapping[str, Any]) -> str | None:
    """The ``returns=`` of an ``execute`` hint: the status matching the call's query, as Python source."""
    query = fields.get("query")
    status = status_for(query) if isinstance(query, str) else None
    return None if status is None else repr(status)
