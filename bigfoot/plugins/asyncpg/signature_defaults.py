"""asyncpg's own parameter defaults, per step: arguments passed with these values may be left out of assertions.

A wrapper that always passes ``timeout=None`` says nothing a test needs to repeat, yet the call records it. The
defaults are read from asyncpg's signatures when the plugin is imported, so they follow the installed asyncpg rather
than a hand-kept list. A step answered by several asyncpg methods (``fetch`` on a connection and on a prepared
statement) takes the defaults they agree on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import asyncpg
from asyncpg.connection import Connection
from asyncpg.pool import Pool
from asyncpg.prepared_stmt import PreparedStatement

from ..._notgiven import NotGiven

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

_QUERIES = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "fetchmany", "cursor")
_COPIES = ("copy_from_table", "copy_from_query", "copy_to_table", "copy_records_to_table")


def _sources() -> dict[str, list[Callable[..., Any]]]:
    """Which asyncpg callables each step stands for (the fields a step records are their parameters)."""
    sources: dict[str, list[Callable[..., Any]]] = {
        "connect": [asyncpg.connect],
        # create_pool hands the keywords it does not know to connect(), so connect's defaults hold there too.
        "create_pool": [asyncpg.create_pool, asyncpg.connect],
        "prepare": [Connection.prepare],
        "explain": [PreparedStatement.explain],
        "begin": [Connection.transaction],
        "savepoint": [Connection.transaction],
        "reset": [Connection.reset],
        "set_type_codec": [Connection.set_type_codec],
        "reset_type_codec": [Connection.reset_type_codec],
        "set_builtin_type_codec": [Connection.set_builtin_type_codec],
        "close": [Connection.close],
        "acquire": [Pool.acquire],
        "release": [Pool.release],
    }
    for name in _QUERIES:
        prepared = getattr(PreparedStatement, name, None)
        sources[name] = [getattr(Connection, name)] + ([prepared] if prepared is not None else [])
    for name in _COPIES:
        sources[name] = [getattr(Connection, name)]
    return sources


def _defaults(function: Callable[..., Any]) -> dict[str, Any]:
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not parameter.empty and not isinstance(parameter.default, NotGiven)
    }


def _agreed(functions: list[Callable[..., Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    disagree: set[str] = set()
    for function in functions:
        for name, default in _defaults(function).items():
            if name in merged and merged[name] is not default and merged[name] != default:
                disagree.add(name)
            merged.setdefault(name, default)
    return {name: default for name, default in merged.items() if name not in disagree}


class _StepDefaults(Mapping[str, Mapping[str, Any]]):
    """The table of defaults, read from asyncpg's signatures on first use: only an assertion that leaves fields out
    (or a message that shows one) needs it, and reading some thirty signatures would add half a millisecond to every
    import of the plugin."""

    def __init__(self) -> None:
        self._table: dict[str, dict[str, Any]] | None = None

    def _read(self) -> dict[str, dict[str, Any]]:
        if self._table is None:
            self._table = {step: _agreed(functions) for step, functions in _sources().items()}
        return self._table

    def __getitem__(self, step: str) -> dict[str, Any]:
        return self._read()[step]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


FIELD_DEFAULTS: Mapping[str, Mapping[str, Any]] = _StepDefaults()
"""Per step name, the recorded fields that may be left out of an assertion while they hold asyncpg's default."""
