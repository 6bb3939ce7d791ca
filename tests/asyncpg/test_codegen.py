"""Record mode's literals: every value a row can hold is written as code that evaluates back to an equal value."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import ipaddress
import sys
import uuid

import asyncpg
import pytest

from bigfoot.plugins.asyncpg.codegen import Writer, _split, error_literal
from bigfoot.plugins.asyncpg.plugin import postgres_error

VALUES = [
    None,
    True,
    -3,
    2.5,
    float("inf"),
    'it\'s "quoted"\n',
    b"\x00\xff",
    decimal.Decimal("-12.50"),
    decimal.Decimal("NaN"),
    datetime.date(2026, 1, 2),
    datetime.datetime(2026, 1, 2, 3, 4, 5, 6),
    datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
    datetime.time(1, 2, 3),
    datetime.timedelta(days=-1, microseconds=5),
    uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ipaddress.IPv6Address("::1"),
    ipaddress.IPv4Interface("10.1.2.3/24"),
    ipaddress.IPv6Network("2001:db8::/32"),
    [[1, 2], [3, None]],
    (1,),
    {"a": [1, {"b": 2}]},
    asyncpg.Range(empty=True),
    asyncpg.Range(None, datetime.date(2026, 1, 1), upper_inc=True),
    asyncpg.BitString("10110"),
    asyncpg.Point(1, -2.5),
    asyncpg.Box((1, 2), (0, 0)),
    asyncpg.LineSegment((1, 2), (3, 4)),
    asyncpg.Line(1, 2, 3),
    asyncpg.Circle((1, 2), 3),
    asyncpg.Path((0, 0), (1, 1), is_closed=True),
    asyncpg.Polygon((0, 0), (1, 0), (0, 1)),
]


@pytest.mark.parametrize("value", VALUES, ids=[f"{i}-{type(v).__name__}" for i, v in enumerate(VALUES)])
def test_each_literal_evaluates_back_to_the_value(value: object) -> None:
    writer = Writer()
    code = writer.value(value)
    namespace: dict[str, object] = {}
    exec("\n".join(sorted(writer.imports)), namespace)
    result = eval(code, namespace)
    if isinstance(value, decimal.Decimal) and value.is_nan():
        assert isinstance(result, decimal.Decimal) and result.is_nan()
    else:
        assert result == value and type(result) is type(value), code


def test_what_has_no_literal_and_secrets_become_any() -> None:
    writer = Writer()
    assert writer.value(object()) == "ANY"
    assert writer.value(iter([1])) == "ANY"
    assert writer.value("s3cret", "password") == "ANY"
    assert writer.value("postgresql://u:pw@h/d", "dsn") == "ANY"
    assert writer.value("postgresql://u@h/d", "dsn") == "'postgresql://u@h/d'"
    assert writer.imports == {"from unittest.mock import ANY"}


def test_every_field_of_a_server_error_comes_back() -> None:
    error = postgres_error(
        "22P02",
        "invalid input",
        detail="d",
        hint="h",
        position="8",
        internal_position="2",
        internal_query="q",
        context="c",
        schema_name="s",
        table_name="t",
        column_name="col",
        data_type_name="int4",
        constraint_name="k",
        server_source_filename="f.c",
        server_source_line="1",
        server_source_function="fn",
        severity="FATAL",
        severity_en="FATAL",
    )
    code = error_literal(Writer(), "", error)
    again = eval(code, {"postgres_error": postgres_error})
    assert type(again) is type(error) and again.as_dict() == error.as_dict()


def test_long_code_is_split_at_its_outermost_brackets() -> None:
    code = "f(" + ", ".join(f"'{'x' * 20}{i}'" for i in range(8)) + ", {'a': '(,)'})"
    lines = _split(code, "", "")
    assert lines[0] == "f(" and lines[-1] == ")" and all(len(line) <= 120 for line in lines)
    assert eval("\n".join(lines), {"f": lambda *a: a})[-1] == {"a": "(,)"}


def test_splitting_respects_quotes_and_leaves_what_it_cannot_split() -> None:
    code = "g('a\\'(b', " + ", ".join(f"'{'y' * 30}'" for i in range(4)) + ")"
    lines = _split(code, "", "")
    assert lines[1] == "    'a\\'(b'," and eval("\n".join(lines), {"g": lambda *a: a})[0] == "a'(b"
    long_name = "z" * 130
    assert _split(long_name, "", "") == [long_name]
    assert _split("f(" + "x" * 130 + "]", "", "") == ["f(" + "x" * 130 + "]"]


def test_a_severity_other_than_error_is_kept() -> None:
    error = postgres_error("57P01", "terminating connection", severity="FATAL", severity_en="PANIC")
    assert "severity='FATAL', severity_en='PANIC'" in error_literal(Writer(), "", error)


def test_a_hint_asyncpg_decorated_is_written_as_the_server_sent_it() -> None:
    # asyncpg adds a note about pgbouncer to the hint of the named prepared statement errors; building the error again
    # through postgres_error() adds it once more unless the literal holds the server's own hint.
    for hint in (None, "try another name"):
        error = postgres_error("42P05", 'prepared statement "x" already exists', hint=hint)
        again = eval(error_literal(Writer(), "", error), {"postgres_error": postgres_error})
        assert again.hint == error.hint and str(again) == str(error)
    plain = postgres_error("22012", "division by zero", hint="no note")
    assert "hint='no note'" in error_literal(Writer(), "", plain)


def test_rows_whose_column_names_repeat_keep_every_column() -> None:
    from bigfoot import Record
    from bigfoot.plugins.asyncpg.record import Record as RecordClass

    writer = Writer()
    row = Record([("?column?", 1), ("?column?", "x")])
    code = writer.answer("fetch", [row, Record({"id": 2})])
    assert code == "[bigfoot.Record([('?column?', 1), ('?column?', 'x')]), {'id': 2}]"
    assert writer.imports == {"import bigfoot"}
    import bigfoot

    again = eval(code, {"bigfoot": bigfoot})
    assert list(again[0].items()) == [("?column?", 1), ("?column?", "x")] and isinstance(again[0], RecordClass)
    assert writer.answer("fetchrow", row) == "bigfoot.Record([('?column?', 1), ('?column?', 'x')])"
    assert writer.answer("fetchrow", None) == "None"


def test_a_row_held_as_a_value_stays_a_row() -> None:
    from bigfoot import Record

    writer = Writer()
    assert writer.answer("fetchval", Record({"a": 1})) == "bigfoot.Record({'a': 1})"
    assert writer.answer("fetchrow", Record({"p": Record({"a": 1})})) == "{'p': bigfoot.Record({'a': 1})}"


def test_a_row_holding_what_has_no_literal_becomes_any() -> None:
    from bigfoot import Record

    writer = Writer()
    assert writer.answer("fetch", [Record({"a": object()})]) == "ANY"
    assert writer.answer("fetchrow", Record({"a": object()})) == "ANY"


def test_a_connection_the_server_closed_is_scripted_with_connection_lost() -> None:
    from bigfoot.plugins.asyncpg import connection_lost
    from bigfoot.plugins.asyncpg.codegen import raised_literal

    for reason in ("terminating connection due to administrator command", ""):
        code = raised_literal(Writer(), "", connection_lost(reason))
        assert code == f"connection_lost({reason!r})"
        again = eval(code, {"connection_lost": connection_lost})
        assert type(again) is asyncpg.ConnectionDoesNotExistError and str(again) == str(connection_lost(reason))
    # One asyncpg raised itself for another reason is written as that very error, not as a server's.
    other = asyncpg.ConnectionDoesNotExistError("something else")
    writer = Writer()
    code = raised_literal(writer, "", other)
    assert code == "asyncpg.ConnectionDoesNotExistError('something else')" and writer.imports == {"import asyncpg"}


def test_an_error_asyncpg_raised_after_the_server_answered_is_written_as_that_error() -> None:
    from bigfoot.plugins.asyncpg.codegen import class_name, raised_literal

    cases = [
        (asyncpg.DataError("invalid input for query argument $1: 'x'"), "asyncpg.DataError", "import asyncpg"),
        (IndexError("record index out of range"), "IndexError", None),
        (asyncio.TimeoutError(), "asyncio.TimeoutError" if sys.version_info < (3, 11) else "TimeoutError", None),
        (asyncpg.exceptions._base.DataError("no"), "asyncpg.exceptions._base.DataError", "import asyncpg"),
    ]
    for error, name, needed in cases:
        writer = Writer()
        code = raised_literal(writer, "", error)
        assert code.startswith(f"{name}(") and class_name(Writer(), type(error)) == name
        assert needed is None or needed in writer.imports or f"{needed}.exceptions._base" in writer.imports
        again = eval(code, {"asyncpg": asyncpg, "asyncio": asyncio})
        assert type(again) is type(error) and str(again) == str(error) and again.args == error.args
    hinted = asyncpg.InterfaceError("refused", hint="do this", detail="because")
    again = eval(raised_literal(Writer(), "", hinted), {"asyncpg": asyncpg})
    assert (type(again), again.args, again.hint, again.detail) == (
        asyncpg.InterfaceError,
        ("refused",),
        "do this",
        "because",
    )


def test_a_statement_description_is_written_with_type_names_where_asyncpg_knows_them() -> None:
    from asyncpg.types import Attribute, Type

    from bigfoot.plugins.asyncpg import pg_type
    from bigfoot.plugins.asyncpg.described import attributes, parameters

    level = Type(16390, "level", "enum", "pg_temp_3")
    writer = Writer()
    assert writer.types((pg_type("int4"), level)) == "['int4', asyncpg.types.Type(16390, 'level', 'enum', 'pg_temp_3')]"
    columns = (Attribute("a", pg_type("text")), Attribute("b", pg_type("int8")))
    assert writer.attributes(columns) == "{'a': 'text', 'b': 'int8'}"
    repeated = (Attribute("a", pg_type("text")), Attribute("a", level))
    code = writer.attributes(repeated)
    assert code == "[('a', 'text'), ('a', asyncpg.types.Type(16390, 'level', 'enum', 'pg_temp_3'))]"
    namespace = {"asyncpg": asyncpg}
    assert attributes(eval(code, namespace)) == repeated
    assert parameters(eval(writer.types((pg_type("int4"), level)), namespace)) == (pg_type("int4"), level)


# -- layout: where a line is full, and how code is cut at its outermost brackets ----------------------------------


def test_a_line_of_exactly_the_width_stays_whole_and_one_more_character_splits_it() -> None:
    from bigfoot.plugins.asyncpg.codegen import WIDTH

    assert WIDTH == 120
    # _split counts the indent, the code and the tail.
    code = "f('" + "x" * 110 + "')"
    assert len("    " + code + ",") == 120
    assert _split(code, "    ", ",") == ["    " + code + ","]
    longer = "f('" + "x" * 111 + "')"
    assert _split(longer, "    ", ",") == ["    f(", "        '" + "x" * 111 + "',", "    ),"]
    # Writer.call counts the whole line the same way.
    writer = Writer()
    arguments = ["'" + "a" * (120 - len("check(") - len(")") - 2) + "'"]
    assert writer.call("check", arguments) == [f"check({arguments[0]})"] and len(f"check({arguments[0]})") == 120
    wider = ["'" + "a" * (120 - len("check(") - len(")") - 1) + "'"]
    assert writer.call("check", wider) == ["check(", f"    {wider[0]},", ")"]
    assert writer.call("check", ["1"], tail=")") == ["check(1))"]


def test_the_outermost_brackets_are_found_past_quoted_brackets_and_escaped_quotes() -> None:
    from bigfoot.plugins.asyncpg.codegen import _top_level

    assert _top_level("[1, 2]") == ("[", ["1", "2"], "]")
    # A quoted opening bracket, with an escaped quote inside the quotes, comes before the real one.
    assert _top_level("'(\\'('+f(1, 2)") == ("'(\\'('+f(", ["1", "2"], ")")
    assert _top_level("""f('a,\\', b', "c(", 'd"', 3)""") == ("f(", ["'a,\\', b'", '"c("', "'d\"'", "3"], ")")
    assert _top_level("f((1, 2), [3, {4: 5}])") == ("f(", ["(1, 2)", "[3, {4: 5}]"], ")")
    assert _top_level("f((1, 2)") is None  # an unclosed inner bracket
    assert _top_level("f('1, 2)") is None  # an unclosed quote
    assert _top_level("f(1, 2]") is None  # the last character does not close the first bracket
    assert _top_level("[1, 2)") is None
    assert _top_level("f(1), 2)") is None  # a bracket closed too early
    assert _top_level("''+f(1, 2)") == ("''+f(", ["1", "2"], ")")  # an empty string before the bracket
    assert _top_level("'x (y'+f(1, 2)") == ("'x (y'+f(", ["1", "2"], ")")  # a bracket quoted after other characters


def test_a_tuple_of_one_takes_its_comma_and_others_do_not() -> None:
    writer = Writer()
    assert (writer.inline((1,)), writer.inline((1, 2)), writer.inline(())) == ("(1,)", "(1, 2)", "()")


def test_a_type_is_written_by_name_only_when_it_is_asyncpgs_builtin_of_that_name() -> None:
    from asyncpg.types import Type

    from bigfoot.plugins.asyncpg import pg_type

    writer = Writer()
    int4 = pg_type("int4")
    assert writer.described_type(Type(*int4)) == "'int4'"  # an equal type, not the same object
    for other in (Type(99999, "int4", "scalar", "pg_catalog"), Type(1, "int4", "scalar", "pg_catalog")):
        assert writer.described_type(other) == f"asyncpg.types.Type({other.oid}, 'int4', 'scalar', 'pg_catalog')"


def test_rows_and_descriptions_of_many_distinct_columns_are_written_as_mappings() -> None:
    from asyncpg.types import Attribute

    from bigfoot import Record
    from bigfoot.plugins.asyncpg import pg_type

    names = [f"c{i}" for i in range(300)]  # counts above 256 are distinct int objects
    writer = Writer()
    assert writer.answer("fetchrow", Record(dict.fromkeys(names, 1))).startswith("{'c0': 1, ")
    columns = tuple(Attribute(name, pg_type("int4")) for name in names)
    assert writer.attributes(columns).startswith("{'c0': 'int4', ")


def test_severities_are_written_only_where_they_differ_from_an_error() -> None:
    def literal(fields: dict[str, str]) -> str:
        return error_literal(Writer(), "", asyncpg.PostgresError.new({"C": "22012", "M": "m", **fields}))

    assert literal({}) == "postgres_error('22012', 'm')"  # the server named no severity
    assert literal({"S": "ERROR", "V": "ERROR"}) == "postgres_error('22012', 'm')"
    assert literal({"S": "FATAL", "V": "FATAL"}) == "postgres_error('22012', 'm', severity='FATAL')"
    assert literal({"S": "DEBUG"}) == "postgres_error('22012', 'm', severity='DEBUG')"
    assert literal({"V": "FATAL"}) == "postgres_error('22012', 'm', severity_en='FATAL')"
    # What comes from the server is compared by value (these strings are made at run time, as asyncpg's are).
    assert literal({"S": "".join(["ERR", "OR"]), "V": "".join(["ERR", "OR"])}) == "postgres_error('22012', 'm')"
    # A server speaking German names the severity in German, and in English besides.
    assert literal({"S": "FEHLER", "V": "ERROR"}) == (
        "postgres_error('22012', 'm', severity='FEHLER', severity_en='ERROR')"
    )


def test_a_session_whose_calls_never_ended_is_left_out_and_the_next_is_written() -> None:
    from bigfoot.plugins.asyncpg.codegen import render
    from bigfoot.plugins.asyncpg.recording import Entry, Recorder

    recorder = Recorder(None)  # type: ignore[arg-type]
    unfinished, finished = Entry(1, "connect", {}), Entry(2, "connect", {})
    finished.done = True
    recorder.sessions = [[unfinished], [finished]]
    recorder.entries = [unfinished, finished]
    code = render(recorder, "")
    assert code is not None and code.script == ["(new_session()", "    .expect('connect'))"]
    assert code.assertions == ["assert_connect()"]


def test_an_array_of_rows_held_as_a_value_is_written_as_rows() -> None:
    from bigfoot import Record

    writer = Writer()
    assert writer.answer("fetchval", [Record({"a": 1})]) == "[bigfoot.Record({'a': 1})]"
    assert writer.answer("fetch", [Record({"a": 1})]) == "[{'a': 1}]"


def test_a_class_outside_the_builtins_is_named_by_its_package() -> None:
    import json

    from bigfoot.plugins.asyncpg.codegen import class_name

    writer = Writer()
    assert class_name(writer, json.JSONDecodeError) == "json.JSONDecodeError" and writer.imports == {"import json"}
    assert class_name(writer, KeyError) == "KeyError"


def test_what_the_server_described_is_written_for_a_step_that_answered_only() -> None:
    from bigfoot.plugins.asyncpg.codegen import render
    from bigfoot.plugins.asyncpg.recording import Entry, Recorder

    recorder = Recorder(None)  # type: ignore[arg-type]
    answered, refused = Entry(1, "fetch", {"query": "SELECT 1"}), Entry(1, "fetch", {"query": "SELECT x"})
    answered.returns, answered.options = [], {"status": "SELECT 0"}
    refused.raises, refused.options = postgres_error("42703", 'column "x" does not exist'), {"status": "SELECT 0"}
    for entry in (answered, refused):
        entry.done = True
    recorder.sessions = [[answered, refused]]
    recorder.entries = [answered, refused]
    code = render(recorder, "")
    assert code is not None
    steps = [line for line in code.script if line.lstrip().startswith(".expect(")]
    assert steps[0] == "    .expect('fetch', returns=[], status='SELECT 0')"
    assert "status=" not in "".join(code.script[2:])


def test_the_last_step_of_a_long_session_closes_the_script() -> None:
    from bigfoot.plugins.asyncpg.codegen import render
    from bigfoot.plugins.asyncpg.recording import Entry, Recorder

    recorder = Recorder(None)  # type: ignore[arg-type]
    entries = [Entry(1, "execute", {"query": "SELECT 1", "args": []}) for _ in range(300)]  # past 256: distinct ints
    for entry in entries:
        entry.done, entry.returns = True, "SELECT 1"
    recorder.sessions, recorder.entries = [entries], entries
    code = render(recorder, "")
    assert code is not None and len(code.script) == 301
    assert code.script[-1].endswith("'SELECT 1'))") and not code.script[-2].endswith("))")


def test_the_recorder_writes_only_calls_that_ended_and_forgets_a_dropped_one_in_its_own_session() -> None:
    from bigfoot.plugins.asyncpg.codegen import render
    from bigfoot.plugins.asyncpg.recording import Recorder

    recorder = Recorder(None)  # type: ignore[arg-type]
    first, second = recorder.new_session(), recorder.new_session()
    connect = recorder.start(first, "connect", {})
    assert render(recorder, "") is None  # a call still running when the code is written is not part of it
    recorder.end(connect)
    other = recorder.start(second, "connect", {})
    refused = recorder.start(second, "fetchval", {"query": "SELECT 1", "args": []})
    recorder.drop(refused)  # refused before the server answered: never a step
    assert recorder.sessions == [[connect], [other]] and recorder.entries == [connect, other]
