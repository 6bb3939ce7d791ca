"""How many arguments PostgreSQL expects for a query: the highest ``$n`` outside literals, identifiers and comments.

asyncpg learns the count from the server when it prepares the statement; the fake works it out from the text so that
a wrong argument count fails the same way without a server.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
      (?P<comment>--[^\n]*)
    | (?P<block>/\*)
    | (?P<estring>[eE]'(?:[^'\\]|\\.|'')*')
    | (?P<string>'(?:[^']|'')*')
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<dollar>\$(?P<tag>[A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$)
    | \$(?P<param>\d+)
    | [A-Za-z_\x80-\uffff][\w\x80-\uffff$]*
    """,
    re.X | re.S,
)

counted: dict[str, int] = {}
"""Queries already counted; the fakes look here first, so the counting runs once per query text."""


def expected_arguments(query: str) -> int:
    """The number of parameters the server would expect for ``query`` (the highest ``$n`` used)."""
    cached = counted.get(query)
    if cached is not None:
        return cached
    highest = 0
    pos = 0
    end = len(query)
    while pos < end:
        match = _TOKEN.search(query, pos)
        if match is None:
            break
        kind = match.lastgroup
        pos = match.end()
        if kind == "param":
            highest = max(highest, int(match.group("param")))
        elif kind == "block":
            pos = _skip_block_comment(query, pos)
        elif kind == "dollar":
            closing = match.group("dollar")
            close_at = query.find(closing, pos)
            pos = end if close_at < 0 else close_at + len(closing)
    if len(counted) < 4096:
        counted[query] = highest
    return highest


def _skip_block_comment(query: str, pos: int) -> int:
    # PostgreSQL block comments nest.
    depth = 1
    while depth and pos < len(query):
        opening = query.find("/*", pos)
        closing = query.find("*/", pos)
        if closing < 0:
            return len(query)
        if 0 <= opening < closing:
            depth += 1
            pos = opening + 2
        else:
            depth -= 1
            pos = closing + 2
    return pos


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
