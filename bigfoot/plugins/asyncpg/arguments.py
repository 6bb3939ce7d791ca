"""Client-side checks of arguments, made as asyncpg makes them: same order, same exception, same words.

Each runs before any session is taken or step used: asyncpg raises these without talking to a server. Where asyncpg
has a function for the check (its connection-argument parser), the fake calls it, so its rules and messages follow the
installed asyncpg; a contract test holds the fake to the real behaviour.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import warnings
from typing import Any

import asyncpg

from ..._environ import Snapshot
from ..._notgiven import NOT_GIVEN, NotGiven
from ..._patching import Arguments, InterceptedCall
from ..._secrets import reveal

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

try:
    from asyncpg.connect_utils import _parse_connect_arguments as _parse
except ImportError:  # pragma: no cover - every asyncpg bigfoot supports has it; without it, nothing is checked
    _parse = None

_PARSED: frozenset[str] = frozenset(inspect.signature(_parse).parameters) if _parse is not None else frozenset()
CONNECT = inspect.signature(asyncpg.connect).parameters
"""``asyncpg.connect()``'s parameters, with asyncpg's defaults."""

# The parser also loads TLS certificate files; their presence is the machine's, not the code's, and the fake opens no
# TLS connection, so an error about a missing file is not raised.
_FILE_PROBLEM = "does not exist or cannot be accessed"


def check_connect_arguments(given: dict[str, Any]) -> None:
    """asyncpg's parsing of connect()'s arguments: DSN, hosts and ports, sslmode, cache sizes, ``command_timeout``,
    ``server_settings``, ``target_session_attrs``... ``given`` holds the arguments the caller passed, by name (a
    recorded call's fields: a value that holds a secret may be sealed); the others are asyncpg's defaults."""
    if _parse is None:
        return
    # asyncpg's parser builds an SSL context for the default sslmode, which costs far more than the rest of a fake
    # connect; arguments (and PG* environment variables) it has accepted once are not parsed again.
    key = _memo_key(given)
    if key in _accepted:
        return
    # The arguments are held in an Arguments, whose repr masks secrets, for the traceback of an error the parser
    # raises. The password argument is replaced by an empty one: given a password, the parser reads no other (not
    # the DSN's, not PGPASSWORD, not a password file) and only hands it on, so what it accepts does not depend on it.
    arguments = Arguments((name, CONNECT[name].default if name in CONNECT else None) for name in _PARSED)
    arguments.update((name, reveal(value)) for name, value in given.items() if name in _PARSED)
    arguments["password"] = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # asyncpg warns about a password file's permissions, say
            _parse(**arguments)
    except asyncpg.ClientConfigurationError as exc:
        if _FILE_PROBLEM not in str(exc):
            raise
    if len(_accepted) < 1024:
        _accepted.add(key)


def _memo_key(given: dict[str, Any]) -> int | bytes:
    """The memo's key: a hash of the arguments given (names and values, the password left out, see above) and of the
    environment. The memo keeps no argument (a DSN may hold a password), only the hash, which Python keys afresh in
    every process: two argument sets sharing one is as likely as a random 64-bit collision. Arguments that cannot be
    hashed (a list of hosts, a dict of server settings) are keyed by a digest of their text instead. The frame's one
    local holds the arguments as sealed fields or in an Arguments, whose reprs mask secrets: a traceback's locals show
    none."""
    if "password" in given:
        given = Arguments((name, value) for name, value in given.items() if name != "password")
    try:
        return hash((tuple(given.items()), _environment()))
    except TypeError:
        return hashlib.sha256(
            repr([*((name, reveal(value)) for name, value in given.items()), _environment()]).encode()
        ).digest()


_accepted: set[int | bytes] = set()
# The environment variables asyncpg's parser reads (a test checks the list against asyncpg's source).
_ENVIRONMENT = (
    "PGDATABASE",
    "PGGSSLIB",
    "PGHOST",
    "PGKRBSRVNAME",
    "PGPASSFILE",
    "PGPASSWORD",
    "PGPORT",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSSLCERT",
    "PGSSLCRL",
    "PGSSLKEY",
    "PGSSLMAXPROTOCOLVERSION",
    "PGSSLMINPROTOCOLVERSION",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGUSER",
)
_environment = Snapshot(_ENVIRONMENT)
"""The values of the environment variables asyncpg's parser reads, as part of the memo's key."""


def check_pool_connect_arguments(call: InterceptedCall) -> None:
    """What each connection a pool opens meets: create_pool()'s ``dsn`` and connect keywords, through the parser."""
    # Every value is held in an Arguments, whose repr masks secrets: a traceback's locals show none of them.
    passed = call.passed
    given = Arguments()
    if passed.get("dsn", NOT_GIVEN) is not NOT_GIVEN:
        given["dsn"] = passed["dsn"]
    if isinstance(passed.get("connect_kwargs"), dict):
        given.update((name, value) for name, value in passed["connect_kwargs"].items() if name in CONNECT)
    check_connect_arguments(given)


def check_connection_class(connection_class: Any, error: type[Exception]) -> None:
    """connect() raises InterfaceError, the pool's constructor TypeError, with the same words."""
    if connection_class is asyncpg.Connection:  # the default, as nearly every call leaves it
        return
    if not (isinstance(connection_class, type) and issubclass(connection_class, asyncpg.Connection)):
        raise error(f"connection_class is expected to be a subclass of asyncpg.Connection, got {connection_class!r}")


def check_query_timeout(timeout: Any, wrapped: bool = True) -> None:
    """The protocol's check of a query method's ``timeout=``: a number above zero, or None for the default.

    ``prepare()`` converts the value without asyncpg's wrapping (``wrapped=False``): True passes, and a bad string
    fails with float()'s own message.
    """
    if timeout is None or isinstance(timeout, NotGiven):
        return
    if not wrapped:
        if float(timeout) <= 0:
            raise asyncio.TimeoutError()
        return
    try:
        if type(timeout) is bool:
            raise ValueError
        value = float(timeout)
    except ValueError:
        raise ValueError(f"invalid timeout value: expected non-negative float (got {timeout!r})") from None
    if value <= 0:
        raise asyncio.TimeoutError()


def check_row(row: Any, number: int) -> None:
    """``executemany``/``fetchmany``: each element must be a sequence (checked as the protocol encodes it)."""
    if isinstance(row, dict) or not hasattr(type(row), "__getitem__"):
        raise asyncpg.DataError(
            f"invalid input in executemany() argument sequence element #{number}: "
            f"expected a sequence, got {type(row).__name__}"
        )
