"""Server errors of many SQLSTATE classes, each raised once on its own and once inside a transaction.

Every row of ``ERRORS`` is a statement PostgreSQL refuses, with what it needs set up first (temporary tables, so
each scenario cleans up by closing its connection). Two scenarios come from each row:

- ``error_<name>``: the statement fails through one of the query methods (cycled over the rows, so every method
  meets extended- and simple-protocol errors), then the connection is still usable;
- ``error_in_transaction_<name>``: the statement fails inside a transaction, in one of three shapes (cycled): a
  ``transaction()`` block that goes on and is refused (25P02) until it ends, a nested block whose savepoint takes the
  error back, or ``BEGIN`` sent as SQL and ended with ``ROLLBACK``.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from .harness import Database, Run, register

# (name, setup, failing statement, arguments)
ERRORS: list[tuple[str, str, str, tuple[Any, ...]]] = [
    # class 23: integrity constraint violations
    (
        "unique_violation",
        "CREATE TEMP TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES ($1)",
        (1,),
    ),
    (
        "foreign_key_violation",
        "CREATE TEMP TABLE p (id int PRIMARY KEY); CREATE TEMP TABLE c (p int REFERENCES p)",
        "INSERT INTO c VALUES (7)",
        (),
    ),
    (
        "foreign_key_violation_on_delete",
        "CREATE TEMP TABLE p (id int PRIMARY KEY); CREATE TEMP TABLE c (p int REFERENCES p);"
        " INSERT INTO p VALUES (1); INSERT INTO c VALUES (1)",
        "DELETE FROM p WHERE id = $1",
        (1,),
    ),
    (
        "not_null_violation",
        "CREATE TEMP TABLE t (id int NOT NULL, name text)",
        "INSERT INTO t (name) VALUES ($1)",
        ("x",),
    ),
    (
        "not_null_violation_on_update",
        "CREATE TEMP TABLE t (id int NOT NULL); INSERT INTO t VALUES (1)",
        "UPDATE t SET id = NULL",
        (),
    ),
    (
        "check_violation",
        "CREATE TEMP TABLE t (n int CONSTRAINT positive CHECK (n > 0))",
        "INSERT INTO t VALUES ($1)",
        (-1,),
    ),
    (
        "check_violation_on_alter",
        "CREATE TEMP TABLE t (n int); INSERT INTO t VALUES (-1)",
        "ALTER TABLE t ADD CONSTRAINT positive CHECK (n > 0)",
        (),
    ),
    (
        "exclusion_violation",
        "CREATE TEMP TABLE t (r int4range, EXCLUDE USING gist (r WITH &&)); INSERT INTO t VALUES ('[1,5)')",
        "INSERT INTO t VALUES ('[3,8)')",
        (),
    ),
    (
        "unique_violation_on_index",
        "CREATE TEMP TABLE t (n int); INSERT INTO t VALUES (1), (1)",
        "CREATE UNIQUE INDEX t_n ON t (n)",
        (),
    ),
    (
        "unique_violation_in_multirow_insert",
        "CREATE TEMP TABLE t (id int PRIMARY KEY)",
        "INSERT INTO t VALUES (1), (2), (1) RETURNING id",
        (),
    ),
    # class 22: data exceptions
    ("division_by_zero", "", "SELECT 1 / 0", ()),
    ("division_by_zero_with_arguments", "", "SELECT $1::int / $2::int", (1, 0)),
    ("division_by_zero_numeric", "", "SELECT 1.0 / 0", ()),
    ("modulo_by_zero", "", "SELECT 5 % 0", ()),
    ("invalid_text_representation", "", "SELECT 'abc'::int", ()),
    ("invalid_text_representation_argument", "", "SELECT $1::text::int", ("12a",)),
    ("invalid_uuid_text", "", "SELECT 'xyz'::uuid", ()),
    ("invalid_json_text", "", "SELECT '{bad'::json", ()),
    ("malformed_array_literal", "", "SELECT '{{1},{2,3}}'::int[]", ()),
    ("integer_out_of_range", "", "SELECT 2147483647::int + 1", ()),
    ("bigint_out_of_range", "", "SELECT 9223372036854775807::int8 + $1::int8", (1,)),
    ("smallint_out_of_range", "", "SELECT (-32768)::int2 * -1::int2", ()),
    ("float_out_of_range", "", "SELECT 1e400::float8", ()),
    ("numeric_field_overflow", "", "SELECT 12345.678::numeric(5, 2)", ()),
    ("nan_to_integer", "", "SELECT 'nan'::numeric::int", ()),
    (
        "string_data_right_truncation",
        "CREATE TEMP TABLE t (s varchar(3))",
        "INSERT INTO t VALUES ($1)",
        ("abcdef",),
    ),
    ("invalid_datetime_format", "", "SELECT 'not a date'::date", ()),
    ("datetime_field_overflow", "", "SELECT '2024-13-45'::date", ()),
    ("date_out_of_range_from_format", "", "SELECT to_date('2024-02-30', 'YYYY-MM-DD')", ()),
    ("time_field_overflow", "", "SELECT '12:61'::time", ()),
    ("interval_out_of_range", "", "SELECT '1 year'::interval * 1e300", ()),
    ("invalid_interval_text", "", "SELECT 'forever'::interval", ()),
    ("unknown_time_zone", "", "SELECT now() AT TIME ZONE 'Nowhere/City'", ()),
    ("logarithm_of_zero", "", "SELECT ln(0)", ()),
    ("square_root_of_negative", "", "SELECT sqrt(-1)", ()),
    ("zero_to_negative_power", "", "SELECT power(0, -1)", ()),
    ("width_bucket_bounds", "", "SELECT width_bucket(1, 1, 1, 1)", ()),
    ("negative_limit", "", "SELECT * FROM generate_series(1, 3) LIMIT $1", (-1,)),
    ("negative_substring_length", "", "SELECT substring('abc' from 1 for -1)", ()),
    ("zero_step_series", "", "SELECT generate_series(1, 10, 0)", ()),
    ("invalid_character_number", "", "SELECT chr(-1)", ()),
    ("invalid_regular_expression", "", "SELECT 'a' ~ '('", ()),
    ("invalid_regular_expression_option", "", "SELECT regexp_match('a', 'a', 'z')", ()),
    ("like_pattern_ending_in_escape", "", "SELECT 'abc' LIKE 'a\\'", ()),
    ("invalid_byte_sequence", "", "SELECT convert_from('\\xff'::bytea, 'UTF8')", ()),
    ("invalid_hexadecimal_bytea", "", "SELECT '\\xZZ'::bytea", ()),
    ("range_bounds_reversed", "", "SELECT int4range(5, 1)", ()),
    ("incompatible_array_concatenation", "", "SELECT ARRAY[1, 2] || ARRAY[[[1]]]", ()),
    ("array_too_large", "", "SELECT array_fill(1, ARRAY[-1])", ()),
    ("length_too_large", "", "SELECT lpad('x', 2000000000)", ()),
    ("jsonb_array_to_integer", "", "SELECT ('[1]'::jsonb)::int", ()),
    ("json_path_member_not_found", "", "SELECT jsonb_path_query('{\"a\": 1}', 'strict $.b')", ()),
    ("notify_payload_too_long", "", "SELECT pg_notify('df_channel', repeat('x', 9000))", ()),
    # class 42: syntax errors and access rule violations
    ("syntax_error", "", "SELEC 1", ()),
    ("syntax_error_with_arguments", "", "SELECT $1::int FROM", (1,)),
    ("syntax_error_in_second_statement", "", "SELECT 1; SELEC 2", ()),
    ("too_many_insert_expressions", "CREATE TEMP TABLE t (n int)", "INSERT INTO t (n) VALUES (1, 2)", ()),
    ("undefined_table", "", "SELECT * FROM df_missing_table", ()),
    ("undefined_table_in_schema", "", "SELECT * FROM nope_schema.t", ()),
    ("undefined_sequence", "", "SELECT nextval('df_missing_seq')", ()),
    ("undefined_column", "", "SELECT nope FROM (VALUES (1)) AS v(a)", ()),
    ("undefined_column_with_hint", "CREATE TEMP TABLE t (name text)", "SELECT nmae FROM t", ()),
    ("undefined_function", "", "SELECT df_no_such_function($1::int)", (1,)),
    ("undefined_operator", "", "SELECT 1 + 'a'::text", ()),
    ("undefined_type", "", "SELECT 'x'::df_no_such_type", ()),
    ("undefined_setting", "", "SET df_no_such_setting = 1", ()),
    ("undefined_collation", "", "SELECT 'a' COLLATE \"df_no_such\"", ()),
    ("ambiguous_column", "", "SELECT id FROM (VALUES (1)) a(id), (VALUES (2)) b(id)", ()),
    ("duplicate_column", "", "CREATE TEMP TABLE t (a int, a int)", ()),
    ("duplicate_table", "CREATE TEMP TABLE t (n int)", "CREATE TEMP TABLE t (n int)", ()),
    ("datatype_mismatch", "", "SELECT CASE WHEN true THEN 1 ELSE 'x'::text END", ()),
    ("filter_not_boolean", "", "SELECT count(*) FILTER (WHERE 1) FROM (VALUES (1)) v(a)", ()),
    ("cannot_coerce", "", "SELECT 'x'::bytea::int", ()),
    ("grouping_error", "", "SELECT a, count(*) FROM (VALUES (1, 2)) v(a, b) GROUP BY b", ()),
    ("distinct_order_by", "", "SELECT DISTINCT a FROM (VALUES (1, 2)) v(a, b) ORDER BY b", ()),
    (
        "on_conflict_without_constraint",
        "CREATE TEMP TABLE t (n int)",
        "INSERT INTO t VALUES (1) ON CONFLICT (n) DO NOTHING",
        (),
    ),
    ("indeterminate_parameter_type", "", "SELECT $2::int", (1, 2)),
    # other classes
    ("cardinality_violation", "", "SELECT (SELECT generate_series(1, 2))", ()),
    ("for_update_with_aggregate", "", "SELECT count(*) FROM (VALUES (1)) v(a) FOR UPDATE", ()),
    ("nan_numeric_to_int_feature", "", "SELECT 'nan'::numeric::int8", ()),
    ("insert_into_view", "CREATE TEMP VIEW v AS SELECT 1 AS a", "INSERT INTO v VALUES (2)", ()),
    ("currval_before_nextval", "CREATE TEMP SEQUENCE s", "SELECT currval('s')", ()),
    (
        "dependent_objects",
        "CREATE TEMP TABLE p (id int PRIMARY KEY); CREATE TEMP TABLE c (p int REFERENCES p)",
        "DROP TABLE p",
        (),
    ),
    (
        "raise_exception",
        "",
        "DO $$ BEGIN RAISE EXCEPTION 'custom %', 42 USING HINT = 'a hint', DETAIL = 'more'; END $$",
        (),
    ),
    ("raise_unknown_sqlstate", "", "DO $$ BEGIN RAISE EXCEPTION 'odd code' USING ERRCODE = 'Z0001'; END $$", ()),
    ("raise_from_function_context", "", "SELECT jsonb_path_query('[1]', 'strict $.a')", ()),
    ("duplicate_prepared_statement", "PREPARE df_x AS SELECT 1", "PREPARE df_x AS SELECT 2", ()),
    ("undefined_prepared_statement", "", "EXECUTE df_nope", ()),
    ("undefined_cursor", "", "CLOSE df_nope", ()),
    ("statement_timeout", "SET statement_timeout = 20", "SELECT pg_sleep(2)", ()),
]

METHODS = ("execute", "fetch", "fetchrow", "fetchval")


def _call(conn: Any, method: str, sql: str, args: tuple[Any, ...]) -> Any:
    return getattr(conn, method)(sql, *args)


def _alone(setup: str, sql: str, args: tuple[Any, ...], method: str) -> Run:
    async def run(db: Database) -> None:
        conn = await db.connect()
        if setup:
            await db.attempt("setup", conn.execute(setup))
        await db.attempt(f"{method} fails", _call(conn, method, sql, args))
        await db.attempt("still usable", conn.fetchval("SELECT 2"))
        await conn.close()

    return run


def _in_block(setup: str, sql: str, args: tuple[Any, ...], method: str) -> Run:
    async def run(db: Database) -> None:
        conn = await db.connect()
        if setup:
            await db.attempt("setup", conn.execute(setup))
        async with conn.transaction():
            await db.attempt(f"{method} fails", _call(conn, method, sql, args))
            await db.attempt("refused", conn.fetchval("SELECT 2"))
            await db.attempt("refused with arguments", conn.fetch("SELECT $1::int", 3))
        db.observe("after the block", conn.is_in_transaction())
        await db.attempt("usable again", conn.fetchval("SELECT 4"))
        await conn.close()

    return run


def _in_savepoint(setup: str, sql: str, args: tuple[Any, ...], method: str) -> Run:
    async def run(db: Database) -> None:
        conn = await db.connect()
        if setup:
            await db.attempt("setup", conn.execute(setup))
        async with conn.transaction():
            try:
                async with conn.transaction():
                    await _call(conn, method, sql, args)
            except asyncpg.PostgresError as exc:
                db.observe("the nested block fails", exc)
            await db.attempt("the outer block goes on", conn.fetchval("SELECT 2"))
        db.observe("committed", conn.is_in_transaction())
        await conn.close()

    return run


def _in_sql_begin(setup: str, sql: str, args: tuple[Any, ...], method: str) -> Run:
    async def run(db: Database) -> None:
        conn = await db.connect()
        if setup:
            await db.attempt("setup", conn.execute(setup))
        await db.attempt("begin", conn.execute("BEGIN"))
        await db.attempt(f"{method} fails", _call(conn, method, sql, args))
        await db.attempt("refused", conn.execute("SELECT 2"))
        await db.attempt("commit rolls back", conn.execute("COMMIT"))
        await db.attempt("usable again", conn.fetchrow("SELECT 3 AS n"))
        await conn.close()

    return run


SHAPES = (_in_block, _in_savepoint, _in_sql_begin)

for number, (name, setup, sql, args) in enumerate(ERRORS):
    method = METHODS[number % len(METHODS)]
    register(f"error_{name}", _alone(setup, sql, args, method), theme="errors", edge=True)
    shape = SHAPES[number % len(SHAPES)]
    register(
        f"error_in_transaction_{name}",
        shape(setup, sql, args, METHODS[(number + 1) % len(METHODS)]),
        theme="errors",
        edge=True,
    )
