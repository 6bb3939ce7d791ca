"""SQL text compared the way PostgreSQL reads it: ``bigfoot.sql("...")`` and the normaliser behind it.

SQL is a language, not a library, so this lives in the core. Two texts are the same SQL when they differ only in
whitespace, comments (``--`` and nested ``/* */``) and the case of unquoted words (PostgreSQL folds those: keywords
and unquoted identifiers alike). String literals, quoted identifiers and dollar-quoted bodies are kept exactly as
written, case and all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["SQL", "sql", "normalize", "tokens", "pretty"]

# Words (and dollar-quote tags) start with a letter, an underscore or any non-ASCII character, as PostgreSQL reads
# them. The classes are written as "not ASCII" rather than as a range up to the last code point: a range that wide
# takes the regular expression compiler some 20 ms, paid by every `import bigfoot`. Even so it takes over a millisecond,
# so it is compiled when a text is first read.
_TOKEN = r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*)
    | (?P<block>/\*)
    | (?P<estring>[eE]'(?:[^'\\]|\\.|'')*'?)
    | (?P<string>'(?:[^']|'')*'?)
    | (?P<ident>"(?:[^"]|"")*"?)
    | (?P<dollar>\$(?:(?:[^\W\d]|[^\x00-\x7f])(?:\w|[^\x00-\x7f])*)?\$)
    | (?P<param>\$\d+)
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<word>(?:[^\W\d]|[^\x00-\x7f])(?:[\w$]|[^\x00-\x7f])*)
    | (?P<cast>::)
    | (?P<op>[-+*/<>=~!@#%^&|`?]+)
    | (?P<other>.)
    """


@functools.cache
def _token() -> re.Pattern[str]:
    return re.compile(_TOKEN, re.X | re.S)


# How the normalised text spaces punctuation: none before these, none after those.
_NO_SPACE_BEFORE = frozenset({",", ")", "[", "]", ";", ".", "::"})
_NO_SPACE_AFTER = frozenset({"(", "[", ".", "::"})

# Words that start a clause: the readable form of a long query breaks the line before them.
_CLAUSES = frozenset(
    {"from", "where", "group", "order", "having", "limit", "offset", "returning", "values", "set", "union", "join"}
    | {"intersect", "except"}
)
_JOIN_KINDS = frozenset({"left", "right", "inner", "full", "cross", "natural"})


def _skip_block_comment(text: str, pos: int) -> int:
    # PostgreSQL block comments nest.
    depth = 1
    while depth and pos < len(text):
        opening = text.find("/*", pos)
        closing = text.find("*/", pos)
        if closing < 0:
            return len(text)
        if 0 <= opening < closing:
            depth += 1
            pos = opening + 2
        else:
            depth -= 1
            pos = closing + 2
    return pos


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, token)`` pairs of ``text``, comments and whitespace left out; unquoted words are lowercased.

    Kinds: ``word``, ``string`` (E-strings too, their ``E`` uppercased), ``ident`` (quoted), ``dollar`` (a whole
    dollar-quoted body with its tags), ``param`` (``$1``), ``number``, ``cast``, ``op`` and ``other`` (punctuation).
    """
    pos = 0
    end = len(text)
    token_at = _token().match
    while pos < end:
        match = token_at(text, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "other"
        token = match.group()
        pos = match.end()
        if kind in ("space", "comment"):
            continue
        if kind == "block":
            pos = _skip_block_comment(text, pos)
            continue
        if kind == "dollar":
            close_at = text.find(token, pos)
            stop = end if close_at < 0 else close_at + len(token)
            token, pos = text[match.start() : stop], stop
        elif kind == "estring":
            kind, token = "string", "E" + token[1:]
        elif kind == "word":
            token = token.lower()
        yield kind, token


def _join(parts: list[tuple[str, str]], breaks: bool) -> str:
    out: list[str] = []
    previous = ""
    for i, (kind, token) in enumerate(parts):
        if out:
            if breaks and kind == "word" and _starts_clause(parts, i):
                out.append("\n")
            elif token not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
                out.append(" ")
        out.append(token)
        previous = token if kind in ("other", "cast") else ""
    return "".join(out)


def _starts_clause(parts: list[tuple[str, str]], i: int) -> bool:
    token = parts[i][1]
    before = parts[i - 1][1] if i else ""
    if token in _JOIN_KINDS:
        return any(word == "join" for _, word in parts[i + 1 : i + 3])
    if token == "join":
        return before not in _JOIN_KINDS and before != "outer"
    if token == "from":
        return before not in ("distinct", "delete")  # "is distinct from", "delete from" stay on their line
    if token == "set":
        return before != "update"  # "on conflict ... do update set"
    return token in _CLAUSES


def normalize(text: str) -> str:
    """``text`` as one line of SQL: comments dropped, whitespace collapsed, unquoted words lowercased.

    >>> normalize("SELECT id,  name -- who\\nFROM Users WHERE name = 'Ada'")
    "select id, name from users where name = 'Ada'"
    """
    return _join(list(tokens(text)), breaks=False)


def pretty(text: str) -> str:
    """The normalised form of ``text`` with a line break before each clause, for diffs of long queries."""
    return _join(list(tokens(text)), breaks=True)


class SQL:
    """A matcher equal to any query string that is the same SQL up to whitespace, comments and keyword case.

    Use it wherever an assertion takes a query: ``assert_fetch(query=bigfoot.sql("SELECT id FROM users"), ...)``.
    It sits on the left of ``==``, so ``bigfoot.sql("select 1") == "SELECT  1"`` holds.
    """

    __slots__ = ("text", "normalized")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"bigfoot.sql() takes the SQL text as a str, got {type(text).__name__} {text!r}.")
        self.text = text
        """The SQL text as given to ``bigfoot.sql()``."""
        self.normalized = normalize(text)
        """The text normalised (whitespace, comments and keyword case evened out); comparisons use it."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SQL):
            return self.normalized == other.normalized
        if isinstance(other, str):
            return self.normalized == normalize(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.normalized)

    def __repr__(self) -> str:
        return f"sql({self.text!r})"


def sql(text: str) -> SQL:
    """A matcher equal to ``text`` up to whitespace, comments and the case of unquoted words.

    >>> sql("SELECT id FROM users /* all */") == "select id\\n  from users"
    True
    >>> sql("SELECT 'Ada'") == "SELECT 'ADA'"
    False
    """
    return SQL(text)
