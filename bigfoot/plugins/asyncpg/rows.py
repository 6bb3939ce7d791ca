"""Rows built as asyncpg builds them: real ``asyncpg.Record`` instances, of the default class or a ``record_class=``.

asyncpg makes a row in C: a record descriptor (the column names, and a mapping from name to position, later
duplicates winning) is made once per result shape, and each row is an instance of the record class with the
descriptor and its values. Python code cannot fill a Record (``asyncpg.Record()`` refuses to be constructed), so this
module does what asyncpg's C code does, through ``ctypes``:

1. the descriptor: ``RecordDescriptor(mapping, names)`` (asyncpg 0.30 and later); on older releases the descriptor
   of a template row made by asyncpg's testing helper ``_create_record``;
2. the empty row: ``descriptor.make_record(cls, n)`` (0.30 and later), or the record class's allocator with the
   template's descriptor (what asyncpg 0.29 does for a subclass);
3. the values: written into the row's item slots, each with a new reference, exactly as asyncpg's decoder does.

The row layout this relies on is checked once, at first use, on a row built by asyncpg itself, and every build path
is checked end to end on a probe row. If anything is not as expected (a future asyncpg changing its internals), rows
fall back to ``FallbackRecord``, a pure-Python row that behaves like asyncpg's but is not an ``asyncpg.Record``
instance; ``builder()`` says which is in use, and ``tests/asyncpg/test_rows_internals.py`` fails loudly when the
fallback is taken, so the change is noticed without breaking users' tests.

Default-class rows are instances of ``Record`` below, a subclass of ``asyncpg.Record`` that adds one thing: it also
equals a mapping with the same columns and values (``rows == [{"id": 1}]``). Everything else is asyncpg's own.
"""

from __future__ import annotations

import ctypes
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


# -- the build paths ---------------------------------------------------------------------------------------------

_WORD = ctypes.sizeof(ctypes.c_void_p)
_HASH_OFFSET = 3 * _WORD  # after ob_refcnt, ob_type, ob_size
_DESC_OFFSET = 4 * _WORD
_ITEMS_OFFSET = 5 * _WORD
_DESC_KEYS_OFFSET = 3 * _WORD  # a descriptor is ob_refcnt, ob_type, mapping, keys

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
_decref_address = ctypes.pythonapi.Py_DecRef
_decref_address.argtypes = [ctypes.c_void_p]
_decref_address.restype = None
_alloc = ctypes.pythonapi.PyType_GenericAlloc
_alloc.argtypes = [ctypes.py_object, ctypes.c_ssize_t]
_alloc.restype = ctypes.py_object
_TUPLE_ITEMS_OFFSET = tuple.__basicsize__
_copiers: dict[int, tuple[Any, Any]] = {}


def _copier(n: int) -> tuple[Any, Any]:
    # A structure holding an array of n pointers: assigning the field copies the n pointers at once.
    slots = ctypes.c_void_p * n
    box = type(f"_Slots{n}", (ctypes.Structure,), {"_fields_": [("items", slots)]})
    _copiers[n] = (box, slots)
    return box, slots


def _mapping(names: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}  # later duplicates win, as in asyncpg


def _fill(row: Any, values: tuple[Any, ...]) -> Any:
    """Put ``values`` (an exact tuple) into the empty item slots of ``row``, each with a new reference."""
    n = len(values)
    if n:
        box, slots = _copiers.get(n) or _copier(n)
        # The references first, then the pointers: the calls in between may start the garbage collector, which must
        # never find a row holding a value that its reference count does not yet include.
        for value in values:
            _incref(value)
        box.from_address(id(row) + _ITEMS_OFFSET).items = slots.from_address(id(values) + _TUPLE_ITEMS_OFFSET)
    return row


class _DescriptorBuilder:
    """asyncpg 0.30 and later: ``RecordDescriptor(mapping, names).make_record(cls, n)``, then the values."""

    name = "descriptor"

    def __init__(self) -> None:
        from asyncpg.protocol.record import RecordDescriptor

        self._new_descriptor = RecordDescriptor
        self._descriptors: dict[tuple[str, ...], Any] = {}

    def __call__(self, cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
        descriptor = self._descriptors.get(names)
        if descriptor is None:
            descriptor = self._descriptors[names] = self._new_descriptor(_mapping(names), names)
        return _fill(descriptor.make_record(cls, len(values)), values)


class _TemplateBuilder:
    """asyncpg 0.29: the descriptor of a row made by ``_create_record``; the row from the class's allocator."""

    name = "template"

    def __init__(self) -> None:
        from asyncpg.protocol.protocol import _create_record

        self._create_record = _create_record
        self._templates: dict[tuple[str, ...], tuple[Any, int]] = {}

    def _descriptor(self, names: tuple[str, ...]) -> int:
        known = self._templates.get(names)
        if known is not None:
            return known[1]
        mapping = _mapping(names)
        template = self._create_record(mapping, (None,) * len(names))
        descriptor: int = ctypes.c_void_p.from_address(id(template) + _DESC_OFFSET).value  # type: ignore[assignment]
        if tuple(mapping) != names:
            # Duplicate names: the descriptor's keys must list every column, as the server's description does.
            keys = ctypes.c_void_p.from_address(descriptor + _DESC_KEYS_OFFSET)
            old = keys.value
            _incref(names)
            keys.value = id(names)
            _decref_address(old)
        self._templates[names] = (template, descriptor)  # the template keeps the descriptor alive
        return descriptor

    def __call__(self, cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
        descriptor = self._descriptor(names)
        if cls is _AsyncpgRecord and tuple(_mapping(names)) == names:
            return self._create_record(_mapping(names), values)
        row = _alloc(cls, len(values))
        ctypes.c_ssize_t.from_address(id(row) + _HASH_OFFSET).value = -1
        _incref(ctypes.cast(descriptor, ctypes.py_object).value)
        ctypes.c_void_p.from_address(id(row) + _DESC_OFFSET).value = descriptor
        return _fill(row, values)


def _layout_is_known() -> bool:
    """A row built by asyncpg itself has the layout the build paths write into."""
    try:
        from asyncpg.protocol.protocol import _create_record
    except ImportError:
        return False
    if _AsyncpgRecord.__basicsize__ != _ITEMS_OFFSET or _AsyncpgRecord.__itemsize__ != _WORD:
        return False
    marker = object()
    row = _create_record({"a": 0, "b": 1}, (marker, None))
    if ctypes.c_ssize_t.from_address(id(row) + _HASH_OFFSET).value != -1:
        return False
    items = (ctypes.c_void_p * 2).from_address(id(row) + _ITEMS_OFFSET)
    if items[0] != id(marker) or items[1] != id(None):
        return False
    descriptor = ctypes.c_void_p.from_address(id(row) + _DESC_OFFSET).value
    return descriptor is not None and type(ctypes.cast(descriptor, ctypes.py_object).value).__name__ == (
        "RecordDescriptor"
    )


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
    if not _layout_is_known():
        return None
    candidates: list[Callable[[], Any]] = [_DescriptorBuilder, _TemplateBuilder]
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


_build = _choose()


def builder() -> str:
    """Which way rows are built: ``"descriptor"`` (asyncpg 0.30+), ``"template"`` (0.29) or ``"fallback"``."""
    return "fallback" if _build is None else str(getattr(_build, "name", "unknown"))


# -- what the plugin uses ----------------------------------------------------------------------------------------


def build(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """A row of class ``cls`` (``Record`` for the default class) with these column names and values."""
    if _build is None:
        return FallbackRecord(list(zip(names, values, strict=True)))
    return _build(cls, names, values)


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
