from __future__ import annotations

import operator
import pickle
from collections.abc import Iterator, Mapping
from typing import Any
from unittest import mock

import pytest

from bigfoot import Record
from bigfoot.plugins.asyncpg.record import FallbackRecord
from bigfoot.plugins.asyncpg.rows import from_pairs, from_row

from .frames import hidden_bigfoot_modules


def make(cls: Any = Record) -> Any:
    return cls({"id": 1, "name": "Alice"})


# The rows tests meet are asyncpg's own; FallbackRecord stands in for them only if asyncpg's internals change (see
# rows.py), and must then behave the same: each of these tests runs on both.
@pytest.fixture(params=["asyncpg", "fallback"])
def R(request: pytest.FixtureRequest) -> Any:
    return Record if request.param == "asyncpg" else FallbackRecord


def test_indexing_by_position_name_and_slice(R: Any) -> None:
    r = make(R)
    assert r[0] == 1 and r[-1] == "Alice" and r["name"] == "Alice"
    assert r[1:] == ("Alice",) and type(r[1:]) is tuple
    assert r[::-1] == ("Alice", 1)
    # asyncpg's own lookups: a bool is an index, a tuple is not a key.
    assert r[True] == "Alice" and r[False] == 1
    with pytest.raises(KeyError):
        r[(0,)]


def test_lookup_errors_match_asyncpg(R: Any) -> None:
    r = make(R)
    with pytest.raises(IndexError, match="record index out of range"):
        r[5]
    with pytest.raises(IndexError, match="record index out of range"):
        r[-5]
    with pytest.raises(KeyError) as info:
        r["zzz"]
    assert info.value.args == ("zzz",)
    with pytest.raises(KeyError) as none_info:
        r[None]
    assert none_info.value.args == ()
    with pytest.raises(KeyError):
        r[1.5]


def test_mapping_like_methods(R: Any) -> None:
    r = make(R)
    assert r.get("id") == 1 and r.get("zzz", 5) == 5 and r.get(0) is None and r.get(0, 5) == 5
    keys = r.keys()
    assert list(keys) == ["id", "name"] and list(keys) == []  # one-shot iterators, as in asyncpg
    assert list(r.values()) == [1, "Alice"]
    assert list(r.items()) == [("id", 1), ("name", "Alice")]
    assert list(r) == [1, "Alice"] and len(r) == 2
    assert "id" in r and 1 not in r and "zzz" not in r
    assert dict(r) == {"id": 1, "name": "Alice"}


def test_equality_hash_and_ordering(R: Any) -> None:
    r = make(R)
    assert r == (1, "Alice") and (r != (1, "Alice")) is False and r != (1, "Bob") and (r == (1, "Bob")) is False
    assert r == {"id": 1, "name": "Alice"} and r == {"id": 1.0, "name": "Alice"}  # the deliberate difference
    assert r != {"id": 1} and r != {"id": 1, "name": "Bob"} and r != {"id": 1, "nom": "Alice"}
    assert (
        r != {"id": 1, "name": "Alice", "more": 2}
        and r != {"id": 0, "name": "Alice"}
        and r != (0, "Alice")
        and r != (1, "Al")
    )  # values below the row's too
    wide = {f"c{i}": i for i in range(300)}  # past the small integers Python keeps one object of
    assert R(wide) == wide and R(wide) != {**wide, "c299": 0}
    assert r != [1, "Alice"]
    assert (
        r == R(ident=1, who="Alice") and r != R(id=1, name="Bob") and r != R(id=0, name="Alice")
    )  # Records compare by values, like asyncpg
    assert (r == R(id=1, name="Bob")) is False and (r != R(ident=1, who="Alice")) is False
    assert r == make() and r != Record(id=1, name="Bob") and r != Record(id=0, name="Alice")  # either kind
    assert hash(r) == hash((1, "Alice"))
    # Rows order as their values do, against a tuple or a row: below, equal to and above (1, "Alice").
    for other, sign in [((0,), 1), ((1, "Alice"), 0), ((2,), -1), ((1, "Bob"), -1), ((1,), 1)]:
        for against in (other, R(zip("abc"[: len(other)], other, strict=True))):
            seen = (r < against, r <= against, r > against, r >= against)
            assert seen == (sign < 0, sign <= 0, sign > 0, sign >= 0), (against, seen)
    for compare in (operator.lt, operator.le, operator.gt, operator.ge):
        with pytest.raises(TypeError):
            compare(r, [1])
    assert r.__eq__(5) is NotImplemented and r.__ne__(5) is NotImplemented


def test_repr_truthiness_and_no_attributes(R: Any) -> None:
    assert repr(make(R)) == "<Record id=1 name='Alice'>"
    assert repr(R()) == "<Record>" and not R() and make(R)
    assert repr(R(a='x"y', b=None)) == "<Record a='x\"y' b=None>"
    with pytest.raises(AttributeError):
        make(R).id
    with pytest.raises(AttributeError):
        make(R).id = 3
    with pytest.raises(TypeError, match=r"cannot pickle.*Record"):
        pickle.dumps(make(R))


def test_bigfoot_record_cannot_be_subclassed() -> None:
    with pytest.raises(TypeError, match=r"cannot be subclassed; a record_class= subclasses asyncpg\.Record"):

        class Row(Record):  # type: ignore[misc]
            pass


def test_duplicate_names_keep_all_values_and_the_last_wins(R: Any) -> None:
    r = R([("a", 1), ("a", 2)])
    assert list(r) == [1, 2] and r["a"] == 2 and list(r.keys()) == ["a", "a"]
    assert r != {"a": 2} and (r == {"a": 2}) is False  # a mapping cannot hold both columns
    assert R([("a", 1), ("a", 1)]) != {"a": 1}  # not even with the same value twice
    assert R([("a", 1)], b=2) == {"a": 1, "b": 2} and list(R({"a": 1}, b=2).keys()) == ["a", "b"]


def test_bad_construction_is_refused(R: Any) -> None:
    with pytest.raises(
        TypeError, match=r"Record\(\) takes a mapping or \(name, value\) pairs; 5 is not a pair"
    ) as info:
        R([5])
    # The error points at the test's line: the frames of the code that checked the pairs are hidden.
    assert "bigfoot.plugins.asyncpg.record" in hidden_bigfoot_modules(info.value)
    with pytest.raises(TypeError, match="column names must be str"):
        R([(1, 2)])
    with pytest.raises(TypeError, match="column names must be str"):
        R({1: "x"})


def test_from_row_accepts_mappings_records_and_real_asyncpg_records() -> None:
    from asyncpg.protocol.protocol import _create_record

    real = _create_record({"id": 0, "name": 1}, (1, "Alice"))
    converted = from_row(real)
    assert isinstance(converted, Record) and converted == make() and list(converted.keys()) == ["id", "name"]
    assert make() == real
    r = make()
    assert from_row(r) is r
    with pytest.raises(TypeError, match="a row must be a mapping"):
        from_row(5)


def test_rows_are_real_asyncpg_records_and_records_are_bigfoot_records() -> None:
    import asyncpg
    from asyncpg.protocol.protocol import _create_record

    r = make()
    assert isinstance(r, asyncpg.Record) and isinstance(r, Record)
    assert isinstance(_create_record({"id": 0}, (1,)), Record) and issubclass(asyncpg.Record, Record)
    assert not isinstance({"id": 1}, Record) and not isinstance((1,), Record)


class _View(Mapping[str, Any]):
    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def test_the_default_class_equals_mappings_both_ways_and_nothing_else_changes(R: Any) -> None:
    r = make(R)
    mapping = {"id": 1, "name": "Alice"}
    assert mapping == r and (mapping != r) is False
    assert r != {"name": "Alice", "id": 2} and (r == {"id": 1}) is False
    view = _View(mapping)  # a mapping that is not a dict, and does not compare through one
    assert r == view and (r != view) is False and r != _View({"id": 2, "name": "Alice"})
    values = (1, "Alice")
    assert r == values and values == r and r != (1, "Bob")


class _Refuses:
    """A value that says it differs from anything but itself, whatever the other side."""

    def __eq__(self, other: object) -> bool:
        return other is self

    __hash__ = None  # type: ignore[assignment]


def test_a_row_compares_with_the_mappings_values_on_the_left() -> None:
    # The row's value never gets the first say: a matcher in the expected mapping decides, even against a value whose
    # own comparison refuses everything; with the row's value on the left this would be False.
    refuses = _Refuses()
    r = from_row({"id": refuses, "name": "Alice"})
    assert r == {"id": mock.ANY, "name": "Alice"} and r == _View({"id": mock.ANY, "name": "Alice"})
    twice = from_pairs([("a", 1), ("b", 2), ("a", 3)])
    assert twice != {"a": 3, "b": 2} and twice != {"a": 3, "b": 2, "c": 1}


def test_a_fallback_row_is_a_record_and_equals_asyncpgs() -> None:
    r = FallbackRecord({"id": 1, "name": "Alice"})
    assert isinstance(r, Record) and repr(r) == "<Record id=1 name='Alice'>"
    assert r == make() and r == {"id": 1, "name": "Alice"} and hash(r) == hash(make())
    assert from_row(r) is r
