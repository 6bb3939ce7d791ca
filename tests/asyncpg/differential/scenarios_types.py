"""Values of many PostgreSQL types, as the server sends them and as asyncpg encodes them.

Each row of ``LITERALS`` is one typed literal: the scenario reads it with its type name (so the recorded script holds
the value as a Python literal, and the replay hands back an equal value of the same type), then, when the row gives
one, sends a Python value as a ``$1`` argument of that type (so the recorded assertion holds the argument as a
literal too). ``edge`` rows are the extremes, NULLs, empty values, special floats, unicode and the like.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid
from typing import Any

import asyncpg

from .harness import Database, Run, register, scenario

NO_ARGUMENT = object()

# (name, literal, the cast for a $1 argument, the argument, edge)
LITERALS: list[tuple[str, str, str, Any, bool]] = [
    ("int2_min", "(-32768)::int2", "int2", -32768, True),
    ("int4_max", "2147483647", "int4", 2147483647, True),
    ("int8_min", "(-9223372036854775808)::int8", "int8", -9223372036854775808, True),
    ("int8_big", "9007199254740993::int8", "int8", 9007199254740993, True),
    ("int4_plain", "42", "int4", 7, False),
    ("numeric_large", "123456789012345678901234567890.123456789::numeric", "numeric", decimal.Decimal("1e40"), True),
    ("numeric_scale", "1.50::numeric(10, 2)", "numeric(10, 2)", decimal.Decimal("2.5"), False),
    ("numeric_nan", "'NaN'::numeric", "numeric", decimal.Decimal("-1.5"), True),
    ("numeric_infinity", "'-Infinity'::numeric", "numeric", decimal.Decimal("Infinity"), True),
    ("numeric_tiny", "1e-30::numeric", "numeric", decimal.Decimal("-0.000001"), True),
    ("numeric_zero_scale", "0.000::numeric", "numeric", decimal.Decimal("0"), True),
    ("float8_plain", "2.5::float8", "float8", 0.1, False),
    ("float8_infinity", "'Infinity'::float8", "float8", float("-inf"), True),
    ("float8_nan", "'NaN'::float8", "float8", 1e300, True),
    ("float8_negative_zero", "'-0'::float8", "float8", -0.0, True),
    ("float4_rounding", "0.1::float4", "float4", 0.1, True),
    ("bool_true", "true", "bool", False, False),
    ("bool_null", "NULL::bool", "bool", None, True),
    ("text_plain", "'hello'", "text", "world", False),
    ("text_empty", "''::text", "text", "", True),
    ("text_unicode", "'héllo wörld ☃ 𝄞 日本'::text", "text", "ünïcödé ✓ 🎉", True),
    ("text_quotes_and_newlines", "E'it''s\\n\"quoted\"\\\\ \\t tab'", "text", "a'b\"c\\d\ne", True),
    ("text_long", "repeat('x', 5000)", "text", "y" * 5000, True),
    ("varchar_padding", "'ab'::char(5)", "char(5)", "ab", True),
    ("name_type", "'abc'::name", "name", "def", False),
    ("char_single_byte", "'a'::\"char\"", '"char"', b"z", True),
    ("bytea_binary", "'\\x00ff10'::bytea", "bytea", b"\x00\xff\x10\n", True),
    ("bytea_empty", "''::bytea", "bytea", b"", True),
    ("date_plain", "'2024-02-29'::date", "date", datetime.date(2000, 1, 1), False),
    ("date_infinity", "'infinity'::date", "date", datetime.date.max, True),
    (
        "timestamp_plain",
        "'2024-01-02 03:04:05.678'::timestamp",
        "timestamp",
        datetime.datetime(1999, 12, 31, 23, 59),
        False,
    ),
    ("timestamp_minus_infinity", "'-infinity'::timestamp", "timestamp", datetime.datetime.min, True),
    (
        "timestamptz_offset",
        "'2024-06-01 12:00:00+05:30'::timestamptz",
        "timestamptz",
        datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-3))),
        True,
    ),
    (
        "timestamptz_epoch",
        "'epoch'::timestamptz",
        "timestamptz",
        datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc),
        True,
    ),
    ("time_plain", "'23:59:59.999999'::time", "time", datetime.time(12, 30), False),
    (
        "timetz_offset",
        "'12:00:00+02'::timetz",
        "timetz",
        datetime.time(8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
        True,
    ),
    (
        "interval_mixed",
        "'1 year 2 months 3 days 04:05:06.789'::interval",
        "interval",
        datetime.timedelta(days=1, seconds=1),
        True,
    ),
    ("interval_negative", "'-1 day +02:00'::interval", "interval", datetime.timedelta(seconds=-30), True),
    ("uuid_value", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "uuid", uuid.UUID(int=1), False),
    ("uuid_from_text", "gen_random_uuid() IS NOT NULL", "uuid", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", True),
    ("json_text", '\'{"b": 1,  "a": [1, 2, null]}\'::json', "json", '{"x": [true, null]}', True),
    ("jsonb_normalised", '\'{"b": 1,  "a": [1, 2, null]}\'::jsonb', "jsonb", '{"z": 1, "a": "é"}', True),
    ("jsonb_scalar_null", "'null'::jsonb", "jsonb", "null", True),
    ("int_array", "'{1,2,3}'::int[]", "int[]", [4, None, 6], True),
    ("int_array_2d", "'{{1,2},{3,4}}'::int[]", "int[]", [[5, 6], [7, 8]], True),
    ("int_array_empty", "'{}'::int[]", "int[]", [], True),
    ("text_array_nulls_and_quotes", "ARRAY[NULL, 'a\"b', 'c,d', '']::text[]", "text[]", ["x", None, "{y}"], True),
    ("float_array_nan", "'{1.5,NaN,-Infinity}'::float8[]", "float8[]", [0.5], True),
    ("inet_interface", "'192.168.0.1/24'::inet", "inet", ipaddress.ip_interface("10.1.2.3/16"), False),
    ("inet_v6", "'::1'::inet", "inet", ipaddress.ip_address("2001:db8::1"), True),
    ("cidr_network", "'10.0.0.0/8'::cidr", "cidr", ipaddress.ip_network("192.168.0.0/16"), False),
    ("macaddr_text", "'08:00:2b:01:02:03'::macaddr", "macaddr", "aa:bb:cc:dd:ee:ff", False),
    ("point_value", "'(1.5,2)'::point", "point", asyncpg.Point(3, 4), False),
    ("box_value", "'((1,2),(3,4))'::box", "box", NO_ARGUMENT, False),
    ("circle_value", "'<(1,2),3>'::circle", "circle", NO_ARGUMENT, False),
    ("lseg_value", "'[(1,2),(3,4)]'::lseg", "lseg", NO_ARGUMENT, False),
    ("line_value", "'{1,2,3}'::line", "line", NO_ARGUMENT, False),
    ("path_value", "'[(1,2),(3,4)]'::path", "path", NO_ARGUMENT, True),
    ("polygon_value", "'((1,2),(3,4),(5,0))'::polygon", "polygon", NO_ARGUMENT, True),
    ("int4range_half_open", "'[1,5)'::int4range", "int4range", asyncpg.Range(2, 9), False),
    ("int4range_empty", "'empty'::int4range", "int4range", asyncpg.Range(empty=True), True),
    ("int4range_unbounded", "'[1,)'::int4range", "int4range", asyncpg.Range(None, 3), True),
    ("numrange_inclusive", "'[1.5,2.5]'::numrange", "numrange", NO_ARGUMENT, True),
    ("tstzrange_value", "'[2024-01-01,2024-02-01)'::tstzrange", "tstzrange", NO_ARGUMENT, True),
    ("multirange_value", "'{[1,3), [5,7)}'::int4multirange", "int4multirange", NO_ARGUMENT, True),
    ("bit_string", "B'101'::bit(3)", "varbit", asyncpg.BitString("1101"), False),
    ("money_text", "1.5::money", "money", NO_ARGUMENT, False),
    ("regclass_name", "'pg_class'::regclass", "regclass", NO_ARGUMENT, False),
    ("oid_value", "42::oid", "oid", 7, False),
    ("tsvector_text", "'a fat cat'::tsvector", "tsvector", NO_ARGUMENT, False),
    ("xml_text", "'<a>1</a>'::xml", "xml", "<b/>", False),
    ("int2vector_list", "'1 2'::int2vector", "int2vector", NO_ARGUMENT, True),
    ("null_text", "NULL::text", "text", None, True),
    ("null_int_array", "NULL::int[]", "int[]", None, True),
]


def _literal(literal: str, cast: str, argument: Any) -> Run:
    async def run(db: Database) -> None:
        conn = await db.connect()
        await db.attempt("literal", conn.fetchrow(f"SELECT {literal} AS v, pg_typeof({literal})::text AS type"))
        if argument is not NO_ARGUMENT:
            await db.attempt("argument", conn.fetchval(f"SELECT $1::{cast}", argument))
        await conn.close()

    return run


for name, literal, cast, argument, edge in LITERALS:
    register(f"type_{name}", _literal(literal, cast, argument), theme="types", edge=edge)


# -- values that asyncpg refuses, on the way in or on the way out --------------------------------------------------

# (name, cast, argument): asyncpg cannot encode the argument for the type the server describes (DataError)
BAD_ARGUMENTS: list[tuple[str, str, Any]] = [
    ("text_for_int", "int", "seven"),
    ("int_too_big_for_int4", "int4", 2**40),
    ("int_for_text", "text", 5),
    ("bad_uuid_text", "uuid", "not-a-uuid"),
    ("mixed_int_array", "int[]", [1, "a"]),
    ("text_for_date", "date", "2024-01-01"),
    ("dict_for_jsonb", "jsonb", {"a": 1}),
    ("text_for_numeric", "numeric", "abc"),
]


def _bad_argument(cast: str, argument: Any) -> Run:
    async def run(db: Database) -> None:
        conn = await db.connect()
        await db.attempt("refused by asyncpg", conn.fetchval(f"SELECT $1::{cast}", argument))
        await db.attempt("still usable", conn.fetchval("SELECT 1"))
        await conn.close()

    return run


for name, cast, argument in BAD_ARGUMENTS:
    register(f"type_bad_argument_{name}", _bad_argument(cast, argument), theme="types", edge=True)


@scenario("types")
async def type_nul_character_in_text_argument(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("the server refuses NUL", conn.fetchval("SELECT $1::text", "a\x00b"))
    await conn.close()


@scenario("types")
async def type_date_before_christ(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("cannot decode", conn.fetchval("SELECT '0001-01-01 BC'::date"))
    await db.attempt("still usable", conn.fetchval("SELECT 1"))
    await conn.close()


@scenario("types")
async def type_nan_float_argument(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("NaN in", conn.fetchval("SELECT $1::float8", float("nan")))
    await conn.close()


@scenario("types")
async def type_nan_numeric_argument(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("NaN in", conn.fetchval("SELECT $1::numeric", decimal.Decimal("NaN")))
    await conn.close()


@scenario("types")
async def type_composite_value(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TYPE pg_temp.df_pair AS (a int, b text)")
    await db.attempt("a row as a value", conn.fetchval("SELECT ROW(1, 'x')::pg_temp.df_pair"))
    await db.attempt(
        "rows holding rows", conn.fetch("SELECT ROW(g, g::text)::pg_temp.df_pair AS p FROM generate_series(1, 2) g")
    )
    await conn.close()


@scenario("types")
async def type_join_with_repeated_column_names(db: Database) -> None:
    conn = await db.connect()
    await db.attempt(
        "two id columns",
        conn.fetch("SELECT a.id, b.id FROM (VALUES (1), (2)) a(id) JOIN (VALUES (2), (1)) b(id) ON a.id = b.id"),
    )
    await conn.close()


@scenario("types")
async def type_nulls_of_many_types(db: Database) -> None:
    conn = await db.connect()
    await db.attempt(
        "a row of NULLs",
        conn.fetchrow("SELECT NULL::int AS i, NULL::text AS t, NULL::jsonb AS j, NULL::uuid AS u, NULL::int[] AS a"),
    )
    await db.attempt("NULL arguments", conn.fetchrow("SELECT $1::int AS i, $2::text AS t", None, None))
    await conn.close()


@scenario("types")
async def type_anonymous_record(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("a row inside a row", conn.fetchrow("SELECT ROW(1, 'a') AS r, 2 AS n"))
    await conn.close()


@scenario("types")
async def type_enum_in_temporary_schema(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TYPE pg_temp.df_mood AS ENUM ('sad', 'ok', 'happy')")
    await db.attempt("enum value", conn.fetchrow("SELECT 'ok'::pg_temp.df_mood AS mood"))
    await db.attempt("enum argument", conn.fetchval("SELECT $1::pg_temp.df_mood", "happy"))
    await db.attempt("bad enum argument", conn.fetchval("SELECT $1::pg_temp.df_mood", "angry"))
    await conn.close()


@scenario("types")
async def type_domain_check(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE DOMAIN pg_temp.df_positive AS int CHECK (VALUE > 0)")
    await db.attempt("in the domain", conn.fetchval("SELECT $1::pg_temp.df_positive", 5))
    await db.attempt("outside the domain", conn.fetchval("SELECT $1::pg_temp.df_positive", -5))
    await conn.close()


@scenario("types")
async def type_duplicate_column_names(db: Database) -> None:
    conn = await db.connect()
    row = await db.attempt("two columns named a", conn.fetchrow("SELECT 1 AS a, 2 AS a, 3 AS b"))
    db.observe("by name", (row["a"], row[0], row[1], list(row.keys())))
    await conn.close()


@scenario("types")
async def type_unnamed_columns(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("?column? names", conn.fetchrow("SELECT 1, 'x', 1 + 1"))
    await db.attempt("empty result, no columns", conn.fetch("SELECT"))
    await conn.close()


@scenario("types", edge=False)
async def type_many_rows_of_mixed_types(db: Database) -> None:
    conn = await db.connect()
    await db.attempt(
        "rows",
        conn.fetch(
            "SELECT g AS n, g::text AS t, g * 1.5 AS f, g % 2 = 0 AS even, "
            "make_date(2024, 1, g) AS d FROM generate_series(1, 5) AS g"
        ),
    )
    await conn.close()


@scenario("types")
async def type_timestamptz_under_another_time_zone(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("set", conn.execute("SET TIME ZONE 'America/New_York'"))
    await db.attempt("read", conn.fetchrow("SELECT '2024-03-10 01:30:00'::timestamptz AS t, now() IS NOT NULL AS ok"))
    await db.attempt("as text", conn.fetchval("SELECT '2024-07-01 12:00:00+00'::timestamptz::text"))
    await conn.close()
