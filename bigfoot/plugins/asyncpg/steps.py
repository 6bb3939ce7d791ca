"""The asyncpg step names a session can script, and the shape of ``returns`` each one takes."""

from __future__ import annotations

from typing import Any

from ..._script import StepSpec, as_is
from .described import CONNECTED, CURSOR, EXECUTED, PREPARE
from .record import Record
from .rows import from_row
from .status import status_example

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too


def _rows(value: Any) -> list[Record]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"returns must be a list of rows (mappings or Records), got {type(value).__name__} {value!r}; "
            "for a single row wrap it in a list: returns=[{...}]."
        )
    try:
        return [from_row(row) for row in value]
    except TypeError as exc:
        raise TypeError(f"returns must be a list of rows: {exc}.") from None


def _row(value: Any) -> Record | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"returns must be one row (a mapping or Record) or None, got {type(value).__name__} {value!r}; "
            "fetchrow gives the first row only."
        )
    try:
        row: Record = from_row(value)
    except TypeError as exc:
        raise TypeError(f"returns must be one row or None: {exc}.") from None
    return row


def _status(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"returns must be a status string such as 'INSERT 0 1' or 'UPDATE 3', got {type(value).__name__} {value!r}."
        )
    return value


_ROWS = ("a list of rows", "[{...}]")
_STATUS = ("a status string", "'SELECT 1'")

SPECS: dict[str, StepSpec] = {
    spec.name: spec
    for spec in (
        StepSpec("connect", options=CONNECTED["connect"]),
        StepSpec("execute", _status, *_STATUS, example_for=status_example),
        StepSpec("executemany"),
        StepSpec("fetch", _rows, *_ROWS, options=EXECUTED["fetch"]),
        StepSpec("fetchrow", _row, "one row or None", "{...}", options=EXECUTED["fetchrow"]),
        StepSpec("fetchval", as_is, "a value", "...", options=EXECUTED["fetchval"]),
        StepSpec("fetchmany", _rows, *_ROWS),
        StepSpec("prepare", options=PREPARE),
        StepSpec("explain", as_is, "the query plan", "[{...}]"),
        StepSpec("cursor", _rows, "the list of rows the cursor yields", "[{...}]", options=CURSOR),
        StepSpec("begin"),
        StepSpec("commit"),
        StepSpec("rollback"),
        StepSpec("savepoint"),
        StepSpec("release_savepoint"),
        StepSpec("rollback_to_savepoint"),
        StepSpec("copy_from_table", _status, "a status string", "'COPY 1'"),
        StepSpec("copy_from_query", _status, "a status string", "'COPY 1'"),
        StepSpec("copy_to_table", _status, "a status string", "'COPY 1'"),
        StepSpec("copy_records_to_table", _status, "a status string", "'COPY 1'"),
        StepSpec("add_listener"),
        StepSpec("remove_listener"),
        StepSpec("reset"),
        StepSpec("set_type_codec"),
        StepSpec("reset_type_codec"),
        StepSpec("set_builtin_type_codec"),
        StepSpec("close"),
        StepSpec("terminate"),
        StepSpec("acquire", options=CONNECTED["acquire"]),
        StepSpec("release"),
    )
}

# Recorded for the test to assert, but never scripted: they answer nothing the code could be scripted to see.
RECORDED_ONLY = {
    "create_pool": "asyncpg.create_pool() is recorded without a step; assert it with assert_create_pool(...).",
    "close_pool": "pool.close() is recorded without a step; assert it with assert_close_pool().",
    "terminate_pool": "pool.terminate() is recorded without a step; assert it with assert_terminate_pool().",
}
