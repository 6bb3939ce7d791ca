"""How many arguments PostgreSQL expects for a query: the highest ``$n`` outside literals, identifiers and comments.

asyncpg learns the count from the server when it prepares the statement; the fake works it out from the text so that
a wrong argument count fails the same way without a server.
"""

from __future__ import annotations

from ..._sql import tokens

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

counted: dict[str, int] = {}
"""Queries already counted; the fakes look here first, so the counting runs once per query text."""


def expected_arguments(query: str) -> int:
    """The number of parameters the server would expect for ``query`` (the highest ``$n`` used).

    The core's SQL tokenizer already tells ``$n`` apart from literals, quoted identifiers, dollar quotes and comments.
    """
    cached = counted.get(query)
    if cached is not None:
        return cached
    highest = max((int(token[1:]) for kind, token in tokens(query) if kind == "param"), default=0)
    if len(counted) < 4096:
        counted[query] = highest
    return highest


def argument_count_message(expected: int, passed: int) -> tuple[str, str]:
    """asyncpg's InterfaceError text (message, hint) for a query given the wrong number of arguments."""
    message = (
        f"the server expects {expected} argument{'' if expected == 1 else 's'} for this query, "
        f"{passed} {'was' if passed == 1 else 'were'} passed"
    )
    hint = "Check the query against the passed list of arguments."
    if expected == 0:
        hint += (
            "  Note that parameters are supported only in SELECT, INSERT, UPDATE, DELETE, MERGE and VALUES "
            "statements, and will *not* work in statements  like CREATE VIEW or DECLARE CURSOR."
        )
    return message, hint
