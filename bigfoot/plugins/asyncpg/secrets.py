"""Which asyncpg arguments hold secrets, and how a secret written inside a connection string is masked.

asyncpg takes a password from the ``password=`` argument (a string, or a function or coroutine function returning
one), from a URL DSN's user-info (``postgresql://user:password@host/db``), and from the DSN's query string
(``password=``, and ``sslpassword=`` for the client key). ``mask_dsn`` hides those, and the spellings asyncpg
refuses but people write anyway, so that a refused DSN shown in a message hides its password too:

- user-info: asyncpg's URL parser splits the network location at its first ``@`` and ends it at the first ``/``,
  ``?`` or ``#``; a password with one of those left unencoded is meant up to the *last* ``@``, so everything from
  the user's ``:`` to the last ``@`` of the line is hidden;
- query keys are percent-decoded by asyncpg (``pass%77ord`` is ``password``), and a value runs to the next ``&``
  (an unencoded space or ``#`` is part of what a person meant);
- libpq keyword strings (``host=h password=x``, ``password='a b'``), and Python's repr of keyword arguments
  (``password='x'``) and of a mapping (``'password': 'x'``).

When in doubt more is hidden, never less: these rules only ever decide what is shown. This module does not import
asyncpg: the core masks output before (or without) the plugin being loaded.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote_plus

from ..._secrets import MASK

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

SECRET_FIELDS = frozenset({"password", "sslpassword"})

_KEYS = frozenset({"password", "sslpassword"})
# Cheap test for "nothing to mask here", so that most texts cost one search.
_MAYBE = re.compile(r"://|assword|%", re.IGNORECASE)
# Python's repr of a keyword argument, and of a mapping's entry.
_PY_LITERAL = r"""b?'(?:[^'\\\n]|\\.)*'?|b?"(?:[^"\\\n]|\\.)*"?"""


@functools.cache
def _masking() -> tuple[re.Pattern[str], ...]:
    # Compiled when a text first looks as if it might hold a password: compiling them costs about 2 ms, which every
    # `import bigfoot` would pay otherwise, and most test runs never need them.
    return (
        # scheme://user: then the password, up to the last @ on the line.
        re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@?#\s'\"]*:)[^\n]+@"),
        # A query parameter: its key (percent-encoded, maybe) and its value, up to the next & or the end of the line.
        re.compile(r"([?&])([^=&#\s'\"]*)=([^&\n]*)"),
        # A libpq keyword string starts with key= (SQL never does); a bare value runs to the next key= or the end.
        re.compile(r"\s*\w+\s*="),
        re.compile(
            r"(?<!\S)((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|.*?(?=\s+\w+\s*=|\s*$))", re.IGNORECASE | re.DOTALL
        ),
        re.compile(rf"(?<![\w.%])((?:ssl)?password=)({_PY_LITERAL})", re.IGNORECASE),
        re.compile(rf"""(['"](?:ssl)?password['"]\s*:\s*)({_PY_LITERAL}|[^,}}\n]+)""", re.IGNORECASE),
    )


def mask_dsn(text: str) -> str:
    """``text`` with the passwords of any connection string (or keyword arguments) in it replaced by ``***``."""
    if not _MAYBE.search(text):
        return text
    userinfo, query, conninfo, conninfo_password, keyword, entry = _masking()
    text = userinfo.sub(lambda m: m[1] + MASK + "@", text)
    text = query.sub(_query_parameter, text)
    if conninfo.match(text):
        text = conninfo_password.sub(lambda m: m[1] + _masked_like(m[2]), text)
    text = keyword.sub(lambda m: m[1] + _masked_like(m[2]), text)
    return entry.sub(lambda m: m[1] + repr(MASK), text)


def _query_parameter(match: re.Match[str]) -> str:
    if unquote_plus(match[2]).lower() not in _KEYS:
        return match[0]
    return f"{match[1]}{match[2]}={MASK}"


def _masked_like(value: str) -> str:
    """``***``, quoted as ``value`` was quoted."""
    quote = value.lstrip("b")[:1]
    return f"{quote}{MASK}{quote}" if quote in ("'", '"') else MASK
