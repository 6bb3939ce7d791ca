from __future__ import annotations

import pickle

import pytest

from bigfoot import Record
from bigfoot.plugins.asyncpg.rows import from_row


def make() -> Record:
    return Record({"id": 1, "name": "Alice"})


def test_indexing_by_position_name_and_slice() -> None:
    r = make()
    assert r[0] == 1 and r[-1] == "Alice" and r["name"] == "Alice"
    assert r[1:] == ("Alice",) and type(r[1:]) is tuple
    assert r[::-1] == ("Alice", 1)


def test_lookup_errors_match_asyncpg() -> None:
    r = make()
    with pytest.raises(IndexError, match="record index out of range"):
        r[5]
    with pytest.raises(IndexError, match="record index out of range"):
        r[-5]
    with pytest.raises(KeyError) as info:
        r["zzz"]
    assert info.value.args == ("zzz",)
    with pytest.raises(KeyError) as none_info:
        r[None]  # type: ignore[index]
    assert none_info.value.args == ()
    with pytest.raises(KeyError):
        r[1.5]  # type: ignore[index]


def test_mapping_like_methods() -> None:
    r = make()
    assert r.get("id") == 1 and r.get("zzz", 5) == 5 and r.get(0) is None  # type: ignore[arg-type]
    keys = r.keys()
    assert list(keys) == ["id", "name"] and list(keys) == []  # one-shot iterators, as in asyncpg
    assert list(r.values()) == [1, "Alice"]
    assert list(r.items()) == [("id", 1), ("name", "Alice")]
    assert list(r) == [1, "Alice"] and len(r) == 2
    assert "id" in r and 1 not in r
    assert dict(r) == {"id": 1, "name": "Alice"}


def test_equality_hash_and_ordering() -> None:
    r = make()
    assert r == (1, "Alice") and (r != (1, "Alice")) is False
    assert r == {"id": 1, "name": "Alice"}  # the deliberate difference
    assert r != {"id": 1} and r != {"id": 1, "name": "Bob"} and r != {"id": 1, "nom": "Alice"}
    assert r != [1, "Alice"]
    assert r == Record(ident=1, who="Alice")  # Records compare by values, like asyncpg
    assert hash(r) == hash((1, "Alice"))
    assert r < (2,) and r <= (1, "Alice") and r > (0,) and r >= (1, "Alice") and r < Record(id=2)
    with pytest.raises(TypeError):
        r < [1]  # type: ignore[operator]
    assert r.__eq__(5) is NotImplemented


def test_repr_truthiness_and_no_attributes() -> None:
    assert repr(make()) == "<Record id=1 name='Alice'>"
    assert repr(Record()) == "<Record>" and not Record() and make()
    assert repr(Record(a='x"y', b=None)) == "<Record a='x\"y' b=None>"

    with pytest.raises(TypeError, match=r"cannot be subclassed; a record_class= subclasses asyncpg\.Record"):

        class Row(Record):  # type: ignore[misc]
            pass

    with pytest.raises(AttributeError):
        make().id  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        make().id = 3  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"cannot pickle.*Record"):
        pickle.dumps(make())


def test_duplicate_names_keep_all_values_and_the_last_wins() -> None:
    r = Record([("a", 1), ("a", 2)])
    assert list(r) == [1, 2] and r["a"] == 2 and list(r.keys()) == ["a", "a"]


def test_bad_construction_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Record\(\) takes a mapping or \(name, value\) pairs; 5 is not a pair"):
        Record([5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="column names must be str"):
        Record([(1, 2)])  # type: ignore[list-item]


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


def test_record_from_a_dict_with_a_non_string_key() -> None:
    with pytest.raises(TypeError, match="column names must be str"):
        Record({1: "x"})  # type: ignore[dict-item]


def test_rows_are_real_asyncpg_records_and_records_are_bigfoot_records() -> None:
    import asyncpg
    from asyncpg.protocol.protocol import _create_record

    r = make()
    assert isinstance(r, asyncpg.Record) and isinstance(r, Record)
    assert isinstance(_create_record({"id": 0}, (1,)), Record) and issubclass(asyncpg.Record, Record)
    assert not isinstance({"id": 1}, Record) and not isinstance((1,), Record)
    # asyncpg's own lookups, errors included: a bool is an index, a tuple is not a key.
    assert r[True] == "Alice" and r[False] == 1
    with pytest.raises(KeyError):
        r[(0,)]  # type: ignore[index]


def test_the_default_class_equals_mappings_both_ways_and_nothing_else_changes() -> None:
    r = make()
    mapping = {"id": 1, "name": "Alice"}
    assert mapping == r and (mapping != r) is False
    assert r != {"name": "Alice", "id": 2} and (r == {"id": 1}) is False
    assert Record([("a", 1), ("a", 2)]) != {"a": 2}  # a mapping cannot hold both columns
    values = (1, "Alice")
    assert r == values and values == r and r != (1, "Bob")


def test_the_fallback_record_behaves_the_same() -> None:
    from bigfoot.plugins.asyncpg.record import FallbackRecord

    r = FallbackRecord({"id": 1, "name": "Alice"})
    assert isinstance(r, Record) and repr(r) == "<Record id=1 name='Alice'>"
    assert r == make() and r == {"id": 1, "name": "Alice"} and hash(r) == hash(make())
    assert from_row(r) is r
