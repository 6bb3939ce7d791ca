"""asyncpg's record internals that bigfoot builds rows with: fail loudly when a release changes them.

If one of these fails, rows fall back to ``FallbackRecord`` (tests keep running, but rows stop being
``asyncpg.Record`` instances): adapt ``bigfoot/plugins/asyncpg/record_layout.py`` (and ``rows.py``) to the new release.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import asyncpg
import pytest

from bigfoot.plugins.asyncpg import record_layout, rows
from bigfoot.plugins.asyncpg.record import FallbackRecord


def test_rows_are_built_with_asyncpgs_machinery_not_the_fallback() -> None:
    assert record_layout.layout_is_known(), "asyncpg's Record layout changed"
    expected = "descriptor" if hasattr(sys.modules["asyncpg.protocol"], "record") else "template"
    assert rows.builder() in ("descriptor", "template")
    assert rows.builder() == expected or rows.builder() == "descriptor"
    row = rows.build(rows.Record, ("id",), (1,))
    assert type(row) is rows.Record and isinstance(row, asyncpg.Record)


def test_asyncpgs_record_class_check_is_there() -> None:
    assert rows._asyncpg_check_record_class is not None, "asyncpg.connection._check_record_class is gone"
    with pytest.raises(asyncpg.InterfaceError, match=r"record_class is expected to be a subclass of asyncpg\.Record"):
        rows.check_record_class(dict)


def builders() -> list[Any]:
    """Every build path that works with the installed asyncpg: asyncpg 0.30 and later still have the testing helper
    the template path (asyncpg 0.29's) starts from, so both paths are checked wherever they can run."""
    found: list[Any] = []
    for make in (record_layout.DescriptorBuilder, record_layout.TemplateBuilder):
        try:
            found.append(make())
        except ImportError:
            continue
    return found


@pytest.mark.parametrize("build", ["installed", "descriptor", "template"])
def test_rows_of_user_classes_hold_their_values_and_references(build: str) -> None:
    class Row(asyncpg.Record):
        def __getattr__(self, name: str) -> object:
            return self[name]

    if build == "installed":
        build_row = rows.build
    else:
        paths = {builder.name: builder for builder in builders()}
        if build not in paths:
            pytest.skip(f"the {build} path cannot run with this asyncpg")
        build_row = paths[build]
    value = object()
    before = sys.getrefcount(value)
    made = [build_row(Row, ("a", "b", "a"), (value, 2, 3)) for _ in range(100)]
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


def test_every_build_path_that_can_run_passes_the_probe() -> None:
    assert [builder.name for builder in builders()] in (["descriptor", "template"], ["template"])
    for builder in builders():
        assert rows._works(builder), builder.name
        for cls in (rows.Record, asyncpg.Record):
            # A duplicate right after its first column: the distinct names sort after the columns, not before.
            first = builder(cls, ("a", "a", "b"), (1, 2, 3))
            assert list(first.keys()) == ["a", "a", "b"] and first["a"] == 2 and tuple(first) == (1, 2, 3)
            row = builder(cls, ("id", "name", "id"), (1, "Alice", 2))
            assert (
                type(row) is cls and row["id"] == 2 and list(row.items()) == [("id", 1), ("name", "Alice"), ("id", 2)]
            )
            again = builder(cls, ("id", "name", "id"), (3, "Bob", 4))  # the same shape: its descriptor reused
            assert tuple(again) == (3, "Bob", 4) and list(again.keys()) == ["id", "name", "id"] and row["id"] == 2
            assert hash(again) == hash((3, "Bob", 4)) and again == (3, "Bob", 4)


class _EqualToAll:
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 12345


def _wrong(mistake: str) -> Any:
    """A build path that gets one thing wrong: the probe must refuse it."""
    good: Any = rows._chosen()

    def build_row(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
        if mistake == "class" and cls is not rows.Record:
            return good(rows.Record, names, values)
        if mistake == "values" and len(values) > 1:
            return good(cls, names, values[::-1])
        if mistake == "names" and len(names) > 1:
            return good(cls, names[::-1], values)
        if mistake == "first name" and len(names) > 1:  # the values, and the last name's, still right
            return good(cls, ("renamed", *names[1:]), values)
        if mistake == "an earlier first name" and len(names) > 1:  # names that sort before the right ones
            return good(cls, ("", *names[1:]), values)
        if mistake == "hash" and len(values) > 1:  # equal values, but the row hashes unlike its values
            return good(cls, names, (_EqualToAll(), *values[1:]))
        if mistake == "an equal last value" and values and type(values[-1]) is int:  # 2.0 for 2: equal, same hash
            return good(cls, names, (*values[:-1], float(values[-1])))
        if mistake == "one column short" and values:
            return good(cls, names[:-1], values[:-1])
        return good(cls, names, values)

    return build_row


@pytest.mark.parametrize(
    "mistake",
    [
        "class",
        "values",
        "names",
        "first name",
        "an earlier first name",
        "hash",
        "an equal last value",
        "one column short",
    ],
)
def test_the_probe_refuses_a_build_path_that_gets_rows_wrong(mistake: str) -> None:
    assert not rows._works(_wrong(mistake))


def test_the_probe_accepts_the_installed_path() -> None:
    assert rows._works(_wrong("nothing"))


def _broken() -> Any:
    """A build path that can be made but raises when it builds (its probe raises)."""

    def build_row(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
        raise RuntimeError("layout changed")

    return build_row


def test_rows_fall_back_when_no_build_path_works(monkeypatch: pytest.MonkeyPatch) -> None:
    def gone() -> Any:
        raise ImportError("not in this asyncpg")

    monkeypatch.setattr(record_layout, "DescriptorBuilder", gone)
    chosen = rows._choose()
    assert getattr(chosen, "name", None) == "template"  # the next path is tried when one cannot be made
    monkeypatch.setattr(record_layout, "TemplateBuilder", _broken)
    assert rows._choose() is None  # a path that fails its probe is not taken
    monkeypatch.setattr(record_layout, "layout_is_known", lambda: False)
    monkeypatch.setattr(record_layout, "DescriptorBuilder", rows._chosen)
    assert rows._choose() is None  # nor any path at all when the row layout is not the one they write into


def test_a_path_whose_probe_raises_gives_way_to_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(record_layout, "DescriptorBuilder", _broken)
    chosen = rows._choose()
    assert getattr(chosen, "name", None) == "template"  # the probe's error is not the end of the search
    assert chosen is not None and tuple(chosen(rows.Record, ("id",), (1,))) == (1,)


class _Plain(asyncpg.Record):
    pass


class _OwnNew(asyncpg.Record):
    def __new__(cls) -> Any:  # type: ignore[misc]
        return super().__new__(cls)


class _OwnInit(asyncpg.Record):
    def __init__(self) -> None:
        pass


@pytest.mark.parametrize("record_class", [asyncpg.Record, _Plain, _OwnNew, _OwnInit, dict, 5, rows.Record])
def test_the_mirror_of_asyncpgs_record_class_check_says_what_asyncpg_says(
    monkeypatch: pytest.MonkeyPatch, record_class: Any
) -> None:
    """Should a release drop asyncpg's check, rows.py checks ``record_class=`` itself: with asyncpg's words."""

    def outcome() -> tuple[type, str] | None:
        try:
            rows.check_record_class(record_class)
        except asyncpg.InterfaceError as exc:
            return type(exc), str(exc)
        return None

    asyncpgs = outcome()
    monkeypatch.setattr(rows, "_asyncpg_check_record_class", None)
    assert outcome() == asyncpgs
    assert (asyncpgs is None) is (record_class in (asyncpg.Record, _Plain, rows.Record))


# -- the layout check: each of its checks alone must refuse a layout that is not the one the build paths write into --


def _create_record_giving(change: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """asyncpg's testing helper, made to build the check's row with ``change(values)`` instead of its values."""
    import asyncpg.protocol.protocol as protocol

    real = protocol._create_record
    monkeypatch.setattr(protocol, "_create_record", lambda mapping, values: real(mapping, change(values)))


class _OtherSizes:
    """A stand-in for ``asyncpg.Record`` as the layout check reads it: only its two sizes."""

    def __init__(self, basicsize: int, itemsize: int) -> None:
        self.__basicsize__ = basicsize
        self.__itemsize__ = itemsize


def _change(monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    items, word = record_layout._ITEMS_OFFSET, record_layout._WORD
    if change == "no testing helper":
        import asyncpg.protocol.protocol as protocol

        monkeypatch.delattr(protocol, "_create_record")
    elif change == "a larger row header":
        monkeypatch.setattr(
            record_layout,
            "_AsyncpgRecord",
            _OtherSizes(items + word, word),
        )
    elif change == "a smaller row header":
        monkeypatch.setattr(
            record_layout,
            "_AsyncpgRecord",
            _OtherSizes(items - word, word),
        )
    elif change == "narrower item slots":
        monkeypatch.setattr(record_layout, "_AsyncpgRecord", _OtherSizes(items, word // 2))
    elif change == "the hash cache elsewhere":
        monkeypatch.setattr(record_layout, "_HASH_OFFSET", record_layout._DESC_OFFSET)
    elif change == "wider item slots":
        monkeypatch.setattr(record_layout, "_AsyncpgRecord", _OtherSizes(items, word * 2))
    elif change == "another first value":
        other = object()
        _create_record_giving(lambda values: (other, values[1]), monkeypatch)
    elif change == "another second value":
        _create_record_giving(lambda values: (values[0], values[0]), monkeypatch)
    elif change == "the descriptor elsewhere":
        monkeypatch.setattr(record_layout, "_DESC_OFFSET", items)  # the first item: an object()
    elif change == "the descriptor at the second item":
        # None, whose type's name sorts before the descriptor type's: equal names only, not ordered ones, pass.
        monkeypatch.setattr(record_layout, "_DESC_OFFSET", items + word)
    else:
        raise AssertionError(change)


@pytest.mark.parametrize(
    "change",
    [
        "no testing helper",
        "a larger row header",
        "a smaller row header",
        "narrower item slots",
        "wider item slots",
        "the hash cache elsewhere",
        "another first value",
        "another second value",
        "the descriptor elsewhere",
        "the descriptor at the second item",
    ],
)
def test_the_layout_check_refuses_a_row_layout_that_differs_in_one_place(
    monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    assert record_layout.layout_is_known()
    _change(monkeypatch, change)
    assert not record_layout.layout_is_known()
    assert rows._choose() is None


class _LongerRecord(rows.Record):
    """A row class whose rows say they have one column more than they hold."""

    __slots__ = ()

    def __len__(self) -> int:
        return super().__len__() + 1


class _ShorterRecord(rows.Record):
    """A row class whose rows (but empty ones) say they have one column less than they hold."""

    __slots__ = ()

    def __len__(self) -> int:
        return max(super().__len__() - 1, 0)


@pytest.mark.parametrize("row_class", [_LongerRecord, _ShorterRecord])
def test_the_probe_refuses_rows_whose_length_is_not_their_number_of_values(
    monkeypatch: pytest.MonkeyPatch, row_class: type
) -> None:
    assert rows._works(rows._chosen())
    monkeypatch.setattr(rows, "Record", row_class)  # values, names and hash all still right
    assert not rows._works(rows._chosen())


def test_a_row_the_server_gave_is_left_as_it_is() -> None:
    class Row(asyncpg.Record):
        pass

    built = rows.build(Row, ("id",), (1,))
    assert rows.convert(built, Row) is built  # already of the class asked for: not built again
    scripted = rows.from_row({"id": 1})
    assert rows.convert(scripted, rows.Record) is scripted
    converted = rows.convert(scripted, Row)
    assert type(converted) is Row and tuple(converted) == (1,)


def test_the_build_machinery_is_imported_with_the_first_row_not_with_the_plugin() -> None:
    # Importing the plugin stays cheap: ctypes and the build paths come with the first row built.
    code = (
        "import sys\n"
        "import bigfoot.plugins.asyncpg.plugin\n"
        "from bigfoot.plugins.asyncpg import rows\n"
        "assert 'bigfoot.plugins.asyncpg.record_layout' not in sys.modules\n"
        "assert rows.from_row({'id': 1}) == {'id': 1}\n"
        "assert 'bigfoot.plugins.asyncpg.record_layout' in sys.modules and rows.builder() != 'fallback'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
