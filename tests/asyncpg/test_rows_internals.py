"""asyncpg's record internals that bigfoot builds rows with: fail loudly when a release changes them.

If one of these fails, rows fall back to ``FallbackRecord`` (tests keep running, but rows stop being
``asyncpg.Record`` instances): adapt ``bigfoot/plugins/asyncpg/rows.py`` to the new release.
"""

from __future__ import annotations

import sys

import asyncpg
import pytest

from bigfoot.plugins.asyncpg import rows
from bigfoot.plugins.asyncpg.record import FallbackRecord


def test_rows_are_built_with_asyncpgs_machinery_not_the_fallback() -> None:
    assert rows._layout_is_known(), "asyncpg's Record layout changed"
    expected = "descriptor" if hasattr(sys.modules["asyncpg.protocol"], "record") else "template"
    assert rows.builder() in ("descriptor", "template")
    assert rows.builder() == expected or rows.builder() == "descriptor"
    row = rows.build(rows.Record, ("id",), (1,))
    assert type(row) is rows.Record and isinstance(row, asyncpg.Record)


def test_asyncpgs_record_class_check_is_there() -> None:
    assert rows._asyncpg_check_record_class is not None, "asyncpg.connection._check_record_class is gone"
    with pytest.raises(asyncpg.InterfaceError, match=r"record_class is expected to be a subclass of asyncpg\.Record"):
        rows.check_record_class(dict)


def test_rows_of_user_classes_hold_their_values_and_references() -> None:
    class Row(asyncpg.Record):
        def __getattr__(self, name: str) -> object:
            return self[name]

    value = object()
    before = sys.getrefcount(value)
    made = [rows.build(Row, ("a", "b", "a"), (value, 2, 3)) for _ in range(100)]
    assert sys.getrefcount(value) == before + 100
    assert made[0].b == 2 and made[0]["a"] == 3 and list(made[0].keys()) == ["a", "b", "a"]
    del made
    assert sys.getrefcount(value) == before


def test_the_fallback_keeps_tests_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "_build", None)
    assert rows.builder() == "fallback"
    row = rows.from_row({"id": 1, "name": "Alice"})
    assert type(row) is FallbackRecord and row == {"id": 1, "name": "Alice"} and row == (1, "Alice")
    assert repr(row) == "<Record id=1 name='Alice'>" and row["name"] == "Alice"
