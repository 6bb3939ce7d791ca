"""What only the server can describe, scripted as step options: a statement's types, a command's status, the version.

- ``expect("prepare", parameters=[...], attributes=[...])``: what ``get_parameters()`` and ``get_attributes()`` of
  the prepared statement give (PostgreSQL describes the statement when it is prepared).
- ``expect("fetch" | "fetchrow" | "fetchval", status="INSERT 0 3")``: the command tag of that execution, which a
  prepared statement's ``get_statusmsg()`` reports when the fake cannot tell it from the rows.
- ``expect("connect" | "acquire", server_version="16.4")``: the server's ``server_version`` setting, from which asyncpg
  computes ``get_server_version()``.
- ``expect("cursor", returns=[...], then_raises=postgres_error(...))``: the error the server raises while producing
  the row after those scripted (``SELECT 10 / (3 - g)`` failing on its third row): a read that needs that row fails.

Types are asyncpg's own named tuples, ``asyncpg.types.Type`` and ``asyncpg.types.Attribute``; ``pg_type()`` builds a
``Type`` from a builtin type's name with the OIDs asyncpg itself knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asyncpg.protocol import protocol as _protocol
from asyncpg.serverversion import split_server_version_string
from asyncpg.types import Attribute, ServerVersion, Type

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

_NAME_TO_OID: Mapping[str, int] = _protocol.BUILTIN_TYPE_NAME_MAP
_OID_TO_NAME: Mapping[int, str] = _protocol.BUILTIN_TYPE_OID_MAP
_ARRAY_OIDS = frozenset(_protocol.ARRAY_TYPES)


def pg_type(name: str) -> Type:
    """The ``asyncpg.types.Type`` asyncpg reports for the builtin type ``name`` (``"int4"``, ``"integer"``, ``"text"``).

    Names are those asyncpg knows the OIDs of, SQL spellings included; the type is named as PostgreSQL names it
    (``pg_type("integer").name == "int4"``). For another type, build ``asyncpg.types.Type(oid, name, kind, schema)``.
    """
    if type(name) is not str:
        raise TypeError(f"pg_type() takes a type name such as 'int4', got {type(name).__name__} {name!r}.")
    oid = _NAME_TO_OID.get(name.strip().lower())
    if oid is None:
        import difflib

        guess = difflib.get_close_matches(name, list(_NAME_TO_OID), n=1)
        hint = f" Did you mean {guess[0]!r}?" if guess else ""
        raise ValueError(
            f"pg_type(): asyncpg knows no builtin type named {name!r}.{hint} For other types (arrays such as 'int8[]', "
            "enums, domains, ranges), give asyncpg.types.Type(oid, name, kind, schema) as the server describes it."
        )
    return Type(oid, _OID_TO_NAME[oid], "array" if oid in _ARRAY_OIDS else "scalar", "pg_catalog")


def _type(value: Any, where: str) -> Type:
    if isinstance(value, Type):
        return value
    if type(value) is str:
        return pg_type(value)
    raise TypeError(f"{where} must be a type name such as 'int4' or an asyncpg.types.Type, got {value!r}")


def parameters(value: Any) -> tuple[Type, ...]:
    """``parameters=``: the types of ``$1``, ``$2``, ..., in order."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"parameters= must be a list of types, one per $n (names such as 'int4' or asyncpg.types.Type), got "
            f"{type(value).__name__} {value!r}"
        )
    return tuple(_type(item, f"parameters[{i}]") for i, item in enumerate(value))


def attributes(value: Any) -> tuple[Attribute, ...]:
    """``attributes=``: the result's columns, as ``{"name": type, ...}`` (in order) or a list of pairs/Attributes."""
    if isinstance(value, Mapping):
        items: list[Any] = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise TypeError(
            "attributes= must map column names to types ({'id': 'int4', 'name': 'text'}) or list "
            f"asyncpg.types.Attribute values, got {type(value).__name__} {value!r}"
        )
    result = []
    for i, item in enumerate(items):
        if not (isinstance(item, tuple) and len(item) == 2 and type(item[0]) is str):
            raise TypeError(f"attributes[{i}] must be a (name, type) pair or an asyncpg.types.Attribute, got {item!r}")
        result.append(Attribute(item[0], _type(item[1], f"the type of column {item[0]!r}")))
    return tuple(result)


def server_version(value: Any) -> tuple[str, ServerVersion]:
    """``server_version=``: the setting's text (``"16.4"``), and the version asyncpg parses from it."""
    if type(value) is not str:
        raise TypeError(
            f"server_version= must be the server's version string such as '16.4', got {type(value).__name__} {value!r}"
        )
    try:
        return value, split_server_version_string(value)
    except ValueError as exc:
        raise ValueError(f"server_version={value!r}: {exc}") from None


def _status(value: Any) -> str | None:
    """``status=``: the command tag the server reports for the execution (``'SELECT 3'``), which the prepared
    statement's ``get_statusmsg()`` then returns; None: the one-row call left the statement suspended."""
    if value is not None and (type(value) is not str or not value):
        raise TypeError(
            "status= must be the command tag the server reports, such as 'INSERT 0 3' (None: the one-row call left "
            f"the statement suspended), got {type(value).__name__} {value!r}"
        )
    return value


def _then_raises(value: Any) -> BaseException:
    """``then_raises=``: the error a cursor's query raises once its scripted rows are used up (an instance, or a class
    to be instantiated with no arguments)."""
    if isinstance(value, type) and issubclass(value, Exception):
        value = value()
    if not isinstance(value, Exception):
        raise TypeError(
            "then_raises= must be the error the server raises after the scripted rows, such as "
            f"postgres_error('22012', 'division by zero'), got {type(value).__name__} {value!r}"
        )
    return value


def _checker(step: str, known: Mapping[str, Any]) -> Any:
    def check(options: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(options) - set(known))
        if unknown:
            takes = ", ".join(f"{name}=" for name in known)
            raise TypeError(
                f"unknown option {', '.join(f'{name}=' for name in unknown)}; besides returns=, raises=, required=, "
                f"times= and delay=, a {step} step takes {takes}"
            )
        return {name: known[name](value) for name, value in options.items()}

    return check


PREPARE = _checker("prepare", {"parameters": parameters, "attributes": attributes})
EXECUTED = {name: _checker(name, {"status": _status}) for name in ("fetch", "fetchrow", "fetchval")}
CONNECTED = {name: _checker(name, {"server_version": server_version}) for name in ("connect", "acquire")}
CURSOR = _checker("cursor", {"then_raises": _then_raises})


# -- a prepared statement's status ----------------------------------------------------------------------------------

_COUNTED = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY"})


class Unknown:
    """A status only the server knows: what ``get_statusmsg()`` cannot answer without ``status=``."""

    __slots__ = ("method", "tag")

    def __init__(self, method: str, tag: str) -> None:
        self.method = method
        self.tag = tag


def last_options(session: Any, method: str) -> Mapping[str, Any]:
    """The options of the step a call of ``method`` just consumed on ``session`` (empty if it consumed none)."""
    step = session.steps[session.pos - 1] if session.pos else None
    return step.options if step is not None and step.method == method else {}


def status_after(query: str, method: str, rows: int | None) -> str | Unknown | None:
    """The status asyncpg keeps after ``method`` ran ``query`` and gave ``rows`` rows (None: not known to the fake).

    As asyncpg reports it: ``fetch`` completes the portal, so the server's tag, with the count of rows where the
    rows returned are what it counts (a SELECT, or a command with RETURNING); ``fetchrow``/``fetchval`` ask for one
    row, so a statement that gave one is suspended and the status is None, and one that gave none completes with a
    count of 0. A command without RETURNING counts rows the code never sees: only ``status=`` can say.
    """
    from ..._sql import tokens
    from .status import status_for

    tag = status_for(query)
    if tag is None:
        return None
    if tag in ("VALUES", "TABLE"):  # the server reports them as the SELECT they are
        tag = "SELECT 1"
    words = tag.split()
    command = words[0]
    if command not in _COUNTED:  # a utility statement: its tag, unless a one-row call may have left it suspended
        return tag if method == "fetch" or rows == 0 else Unknown(method, tag)
    returning = command in ("SELECT", "FETCH") or any(
        kind == "word" and token.upper() == "RETURNING" for kind, token in tokens(query)
    )
    if not returning:
        return Unknown(method, tag)
    if method != "fetch":
        if rows is None:
            return Unknown(method, tag)
        if rows:
            return None
    return " ".join([*words[:-1], str(rows or 0)])


def scripted_server_version(session: Any) -> tuple[str, ServerVersion] | None:
    """The ``server_version=`` of the session's first step (``connect`` or ``acquire``), if it was scripted."""
    steps = session.steps
    found: tuple[str, ServerVersion] | None = steps[0].options.get("server_version") if steps else None
    return found
