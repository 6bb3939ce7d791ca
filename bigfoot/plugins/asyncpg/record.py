"""``Record``: a row as asyncpg hands it out, constructible by tests.

The rows the fakes hand out are real ``asyncpg.Record`` instances, built by asyncpg's own record machinery (see
``rows``). ``bigfoot.Record({...})`` builds one by hand; it is importable without asyncpg, which it loads when the
first row is built. Rows of the default class differ from asyncpg's in one deliberate way: they also equal a mapping
with the same columns and values, so ``rows == [{"id": 1}]`` holds in tests. ``FallbackRecord`` is the pure-Python
row used only if asyncpg's internals ever stop matching what ``rows`` expects.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

__all__ = ["Record"]


class _RecordType(type):
    """``Record(...)`` builds a default-class row; ``isinstance(x, Record)`` holds for every asyncpg row."""

    def __call__(cls, columns: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /, **named: Any) -> Any:
        from . import rows

        if type(columns) is dict and not named:
            return rows.from_row(columns)
        pairs = list(columns.items() if isinstance(columns, Mapping) else columns)
        pairs.extend(named.items())
        return rows.from_pairs(pairs)

    def __instancecheck__(cls, instance: Any) -> bool:
        return cls.__subclasscheck__(type(instance))

    def __subclasscheck__(cls, subclass: type) -> bool:
        asyncpg = sys.modules.get("asyncpg")
        if asyncpg is not None and issubclass(subclass, asyncpg.Record):
            return True
        return issubclass(subclass, FallbackRecord)


class Record(metaclass=_RecordType):
    """A database row: ``Record({...})`` is the ``asyncpg.Record`` the fakes would hand out for that row.

    >>> r = Record({"id": 1, "name": "Alice"})
    >>> r[0], r["name"], r[1:], dict(r)
    (1, 'Alice', ('Alice',), {'id': 1, 'name': 'Alice'})
    >>> r
    <Record id=1 name='Alice'>
    >>> import asyncpg
    >>> isinstance(r, asyncpg.Record), r == {"id": 1, "name": "Alice"}, r == (1, "Alice")
    (True, True, True)

    Build it from a mapping, from ``(name, value)`` pairs (duplicate names kept, as in a query result) or from
    keyword arguments. ``isinstance(row, Record)`` holds for every ``asyncpg.Record``. A class for ``record_class=``
    subclasses ``asyncpg.Record``, as asyncpg requires; this class cannot be subclassed.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError(
            "bigfoot.Record cannot be subclassed; a record_class= subclasses asyncpg.Record, as asyncpg requires."
        )


def split_pairs(pairs: Iterable[Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Column names and values from ``(name, value)`` pairs, refusing anything else with the reason."""
    names = []
    values = []
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError(f"Record() takes a mapping or (name, value) pairs; {pair!r} is not a pair.") from None
        if not isinstance(name, str):
            raise TypeError(f"Record() column names must be str, got {type(name).__name__} {name!r}.")
        names.append(name)
        values.append(value)
    return tuple(names), tuple(values)


class FallbackRecord:
    """A pure-Python row that behaves like ``asyncpg.Record``; used only if ``rows`` cannot build real ones."""

    __slots__ = ("_names", "_values", "_index")

    def __init__(self, columns: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /, **named: Any) -> None:
        pairs = list(columns.items() if isinstance(columns, Mapping) else columns)
        pairs.extend(named.items())
        self._names, self._values = split_pairs(pairs)
        # Later duplicates win, as in asyncpg.
        self._index = {name: i for i, name in enumerate(self._names)}

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                raise KeyError(key) from None
        if isinstance(key, int):  # a bool too, as in asyncpg
            try:
                return self._values[key]
            except IndexError:
                raise IndexError("record index out of range") from None
        if isinstance(key, slice):
            return self._values[key]
        raise KeyError(key) if key is not None else KeyError()

    def get(self, name: str, default: Any = None) -> Any:
        """The value of column ``name``, or ``default``; looks up names only, like asyncpg."""
        index = self._index.get(name) if isinstance(name, str) else None
        return default if index is None else self._values[index]

    def keys(self) -> Iterator[str]:
        return iter(self._names)

    def values(self) -> Iterator[Any]:
        return iter(self._values)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(zip(self._names, self._values, strict=True))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple):
            return self._values == other
        if isinstance(other, FallbackRecord):
            return self._values == other._values
        if isinstance(other, (dict, Mapping)):  # as rows.Record compares: every column, duplicates included
            return len(other) == len(self._values) and all(
                name in other and other[name] == value for name, value in self.items()
            )
        if _is_asyncpg_record(other):
            return self._values == tuple(other)  # type: ignore[arg-type]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self._values)

    def _cmp_values(self, other: object) -> tuple[Any, ...] | None:
        if isinstance(other, FallbackRecord):
            return other._values
        if isinstance(other, tuple):
            return other
        return None

    def __lt__(self, other: object) -> bool:
        values = self._cmp_values(other)
        return NotImplemented if values is None else self._values < values

    def __le__(self, other: object) -> bool:
        values = self._cmp_values(other)
        return NotImplemented if values is None else self._values <= values

    def __gt__(self, other: object) -> bool:
        values = self._cmp_values(other)
        return NotImplemented if values is None else self._values > values

    def __ge__(self, other: object) -> bool:
        values = self._cmp_values(other)
        return NotImplemented if values is None else self._values >= values

    def __bool__(self) -> bool:
        return bool(self._values)

    def __repr__(self) -> str:
        name = "Record"
        if not self._names:
            return f"<{name}>"
        return f"<{name} " + " ".join(f"{n}={v!r}" for n, v in self.items()) + ">"

    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle 'Record' object")


def _is_asyncpg_record(value: object) -> bool:
    asyncpg = sys.modules.get("asyncpg")
    return asyncpg is not None and isinstance(value, asyncpg.Record)
