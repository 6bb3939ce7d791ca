"""Filling ``asyncpg.Record`` instances from Python, as asyncpg's C code fills them, through ``ctypes``.

Python code cannot fill a Record (``asyncpg.Record()`` refuses to be constructed), so this module does what asyncpg's
C code does:

1. the descriptor: ``RecordDescriptor(mapping, names)`` (asyncpg 0.30 and later); on older releases the descriptor
   of a template row made by asyncpg's testing helper ``_create_record``;
2. the empty row: ``descriptor.make_record(cls, n)`` (0.30 and later), or the record class's allocator with the
   template's descriptor (what asyncpg 0.29 does for a subclass);
3. the values: written into the row's item slots, each with a new reference, exactly as asyncpg's decoder does.

``layout_is_known()`` checks the row layout this relies on, on a row built by asyncpg itself; ``rows`` probes each
build path end to end before it uses one, and imports this module (and ``ctypes``) only when the first row is built.
"""

from __future__ import annotations

import ctypes
from typing import Any

import asyncpg

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["DescriptorBuilder", "TemplateBuilder", "layout_is_known"]

_AsyncpgRecord: Any = asyncpg.Record

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
# memmove as a function type that keeps the GIL (ctypes.memmove's releases and takes it back on every call): it only
# copies a few pointers, and it is called for every row.
_memmove = ctypes.PYFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)(
    ctypes.cast(ctypes.memmove, ctypes.c_void_p).value  # type: ignore[arg-type]  # the function's address
)


def _mapping(names: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}  # later duplicates win, as in asyncpg


def _fill(row: Any, values: tuple[Any, ...]) -> Any:
    """Put ``values`` (an exact tuple) into the empty item slots of ``row``, each with a new reference."""
    n = len(values)
    if n:
        # The references first, then the pointers: the calls in between may start the garbage collector, which must
        # never find a row holding a value that its reference count does not yet include.
        for value in values:
            _incref(value)
        _memmove(id(row) + _ITEMS_OFFSET, id(values) + _TUPLE_ITEMS_OFFSET, n * _WORD)
    return row


class DescriptorBuilder:
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


class TemplateBuilder:
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


def layout_is_known() -> bool:
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
