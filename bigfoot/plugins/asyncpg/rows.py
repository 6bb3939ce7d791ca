"""Rows built as asyncpg builds them: real ``asyncpg.Record`` instances, of the default class or a ``record_class=``.

asyncpg makes a row in C: a record descriptor (the column names, and a mapping from name to position, later
duplicates winning) is made once per result shape, and each row is an instance of the record class with the
descriptor and its values. Python code cannot fill a Record (``asyncpg.Record()`` refuses to be constructed), so
``record_layout`` does what asyncpg's C code does, through ``ctypes``; it is imported when the first row is built,
so that importing the plugin does not import ``ctypes``.

The row layout this relies on is checked then, on a row built by asyncpg itself, and every build path is checked end
to end on a probe row. If anything is not as expected (a future asyncpg changing its internals), rows fall back to
``FallbackRecord``, a pure-Python row that behaves like asyncpg's but is not an ``asyncpg.Record`` instance;
``builder()`` says which is in use, and ``tests/asyncpg/test_rows_internals.py`` fails loudly when the fallback is
taken, so the change is noticed without breaking users' tests.

Default-class rows are instances of ``Record`` below, a subclass of ``asyncpg.Record`` that adds one thing: it also
equals a mapping with the same columns and values (``rows == [{"id": 1}]``). Everything else is asyncpg's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import asyncpg

from .defaults import actual
from .record import FallbackRecord, split_pairs

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["Record", "build", "builder", "convert", "from_pairs", "from_row"]

_AsyncpgRecord: Any = asyncpg.Record


class Record(asyncpg.Record):  # type: ignore[misc]
    """A default-class row: an ``asyncpg.Record`` that also equals a mapping with the same columns and values."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is dict or isinstance(other, Mapping):
            return _equals_mapping(self, other)
        result: bool = _AsyncpgRecord.__eq__(self, other)
        return result

    def __ne__(self, other: object) -> bool:
        if type(other) is dict or isinstance(other, Mapping):
            return not _equals_mapping(self, other)
        result: bool = _AsyncpgRecord.__ne__(self, other)
        return result

    __hash__ = _AsyncpgRecord.__hash__


def _equals_mapping(row: Any, other: Mapping[Any, Any]) -> bool:
    if len(other) != len(row):
        return False
    if type(other) is dict:
        # One comparison in C, the mapping's values on the left as below (so that matchers such as mock.ANY work).
        # Duplicate column names make a smaller dict, which then differs from a mapping as long as the row.
        equal: bool = other == dict(row.items())
        return equal
    return all(name in other and other[name] == value for name, value in row.items())


def _works(build_row: Callable[[type, tuple[str, ...], tuple[Any, ...]], Any]) -> bool:
    """The build path gives rows that asyncpg's own Record methods read back correctly."""

    class Probe(_AsyncpgRecord):  # type: ignore[misc]
        pass

    cases: list[tuple[tuple[str, ...], tuple[Any, ...]]] = [
        (("id", "name"), (7, object())),
        (("a", "a"), (1, 2)),
        (("a", "b", "a"), (1, object(), 3)),
        ((), ()),
    ]
    for cls in (Record, Probe, _AsyncpgRecord):
        for names, values in cases:
            row = build_row(cls, names, values)
            if type(row) is not cls or tuple(row) != values or tuple(row.keys()) != names:
                return False
            if names and row[names[-1]] is not values[-1]:
                return False
            if hash(row) != hash(values) or len(row) != len(values):
                return False
    return True


def _choose() -> Callable[[type, tuple[str, ...], tuple[Any, ...]], Any] | None:
    """The first build path that works with the installed asyncpg, or None for the fallback."""
    from . import record_layout

    if not record_layout.layout_is_known():
        return None
    candidates: list[Callable[[], Any]] = [record_layout.DescriptorBuilder, record_layout.TemplateBuilder]
    for make in candidates:
        try:
            build_row = make()
        except ImportError:
            continue
        try:
            if _works(build_row):
                return build_row  # type: ignore[no-any-return]
        except Exception:
            continue
    return None


_UNCHOSEN: Any = object()
_build: Any = _UNCHOSEN  # the build path, chosen when the first row is built (None: the fallback)


def _chosen() -> Callable[[type, tuple[str, ...], tuple[Any, ...]], Any] | None:
    global _build
    if _build is _UNCHOSEN:
        _build = _choose()
    return _build  # type: ignore[no-any-return]


def builder() -> str:
    """Which way rows are built: ``"descriptor"`` (asyncpg 0.30 and later), ``"template"`` (0.29) or ``"fallback"``."""
    build_row = _chosen()
    return "fallback" if build_row is None else str(getattr(build_row, "name", "unknown"))


# -- what the plugin uses ----------------------------------------------------------------------------------------


def build(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """A row of class ``cls`` (``Record`` for the default class) with these column names and values."""
    build_row = _build if _build is not _UNCHOSEN else _chosen()
    if build_row is None:
        return FallbackRecord(list(zip(names, values, strict=True)))
    return build_row(cls, names, values)


def from_pairs(pairs: Iterable[tuple[str, Any]]) -> Any:
    """A default-class row from ``(name, value)`` pairs."""
    names, values = split_pairs(pairs)
    return build(Record, names, values)


def from_row(row: Any) -> Any:
    """A default-class row from a scripted row: a mapping, a row of any class, or an ``asyncpg.Record``."""
    if type(row) is dict:
        names = tuple(row)
        for name in names:
            if type(name) is not str:
                return from_pairs(row.items())
        return build(Record, names, tuple(row.values()))
    if type(row) is Record or type(row) is FallbackRecord:
        return row
    if isinstance(row, (Mapping, _AsyncpgRecord, FallbackRecord)):
        return from_pairs(row.items())
    raise TypeError(f"a row must be a mapping, a bigfoot Record or an asyncpg Record, got {type(row).__name__} {row!r}")


def convert(row: Any, cls: type) -> Any:
    """A scripted (default-class) row as an instance of ``cls``; other rows (a real server's) are left alone."""
    if type(row) is not Record or cls is Record:
        return row
    return build(cls, tuple(row.keys()), tuple(row))


def convert_all(rows: Any, cls: type) -> list[Any]:
    """``convert`` for each row of a list."""
    if cls is Record:
        return list(rows)
    return [convert(row, cls) for row in rows]


# -- record_class=: asyncpg's client-side checks -----------------------------------------------------------------

try:
    from asyncpg.connection import _check_record_class as _asyncpg_check_record_class
except ImportError:  # pragma: no cover - asyncpg 0.29 to 0.32 have it; the mirror below keeps its words
    _asyncpg_check_record_class = None


def check_record_class(record_class: Any) -> None:
    """asyncpg's check of a ``record_class=`` (connect, query methods, prepare, cursor): its InterfaceErrors."""
    if _asyncpg_check_record_class is not None:
        _asyncpg_check_record_class(record_class)
        return
    if record_class is _AsyncpgRecord:  # pragma: no cover - see the import above
        return
    if isinstance(record_class, type) and issubclass(record_class, _AsyncpgRecord):  # pragma: no cover
        candidate: Any = record_class
        if candidate.__new__ is not _AsyncpgRecord.__new__ or candidate.__init__ is not _AsyncpgRecord.__init__:
            raise asyncpg.InterfaceError("record_class must not redefine __new__ or __init__")
        return
    raise asyncpg.InterfaceError(  # pragma: no cover
        f"record_class is expected to be a subclass of asyncpg.Record, got {record_class!r}"
    )


def check_pool_record_class(record_class: Any) -> None:
    """``asyncpg.Pool()``'s own check, which differs from the connection's: a TypeError, subclasses not inspected."""
    if not issubclass(record_class, _AsyncpgRecord):
        raise TypeError(f"record_class is expected to be a subclass of asyncpg.Record, got {record_class!r}")


def row_class(record_class: Any) -> type:
    """The class rows are built with for a checked ``record_class``: asyncpg's default class is bigfoot's ``Record``."""
    cls: type = Record if record_class is _AsyncpgRecord else record_class
    return cls


def call_class(record_class: Any, default: type) -> type:
    """The class of a query method's rows: its ``record_class=`` (checked as asyncpg checks it), else ``default``.

    ``record_class`` may be asyncpg's default (None), given or not.
    """
    record_class = actual(record_class)
    if record_class is None:
        return default
    check_record_class(record_class)
    return row_class(record_class)


def check_connect_record_class(record_class: Any) -> None:
    """``asyncpg.connect()``'s check of its ``record_class=`` (asyncpg's default passes unchecked)."""
    if record_class is not _AsyncpgRecord:
        check_record_class(record_class)
