"""The query methods: status strings, empty results, executemany and fetchmany, argument counts, fetchval's column."""

from __future__ import annotations

from typing import Any

import asyncpg

from .harness import Database, register, scenario

# (name, setup, statement): execute() of each gives a status string
STATUSES: list[tuple[str, str, str]] = [
    ("create_table", "", "CREATE TEMP TABLE t (id int)"),
    ("insert_one", "CREATE TEMP TABLE t (id int)", "INSERT INTO t VALUES (1)"),
    ("insert_select", "CREATE TEMP TABLE t (id int)", "INSERT INTO t SELECT generate_series(1, 7)"),
    ("update_none", "CREATE TEMP TABLE t (id int)", "UPDATE t SET id = 2"),
    (
        "update_some",
        "CREATE TEMP TABLE t (id int); INSERT INTO t VALUES (1), (2), (3)",
        "UPDATE t SET id = id + 1 WHERE id > 1",
    ),
    ("delete_all", "CREATE TEMP TABLE t (id int); INSERT INTO t VALUES (1), (2)", "DELETE FROM t"),
    ("select_rows", "", "SELECT generate_series(1, 4)"),
    ("select_none", "", "SELECT 1 WHERE false"),
    ("values_rows", "", "VALUES (1), (2)"),
    (
        "merge_rows",
        "CREATE TEMP TABLE t (id int, n int); INSERT INTO t VALUES (1, 0)",
        "MERGE INTO t USING (VALUES (1), (2)) s(id) ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET n = 1 WHEN NOT MATCHED THEN INSERT VALUES (s.id, 2)",
    ),
    ("truncate", "CREATE TEMP TABLE t (id int)", "TRUNCATE t"),
    ("create_index", "CREATE TEMP TABLE t (id int)", "CREATE INDEX ON t (id)"),
    ("alter_table", "CREATE TEMP TABLE t (id int)", "ALTER TABLE t ADD COLUMN name text DEFAULT ''"),
    ("drop_table", "CREATE TEMP TABLE t (id int)", "DROP TABLE t"),
    ("drop_if_exists_missing", "", "DROP TABLE IF EXISTS df_never_there"),
    ("do_block", "", "DO $$ BEGIN PERFORM 1; END $$"),
    ("set_and_show", "", "SET search_path TO public"),
    ("show", "", "SHOW search_path"),
    ("explain_text", "", "EXPLAIN SELECT 1"),
    ("listen", "", "LISTEN df_status_channel"),
    ("comment_only", "", "-- nothing but a comment"),
    ("empty_string", "", ""),
    ("several_statements", "", "SELECT 1; SELECT 2; CREATE TEMP TABLE t (id int)"),
    ("select_into", "", "SELECT 1 AS n INTO TEMP t"),
    ("create_table_as", "", "CREATE TEMP TABLE t AS SELECT generate_series(1, 3) AS n"),
    (
        "insert_on_conflict_nothing",
        "CREATE TEMP TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (1), (2) ON CONFLICT DO NOTHING",
    ),
]


def _status(setup: str, statement: str) -> Any:
    async def run(db: Database) -> None:
        conn = await db.connect()
        if setup:
            await conn.execute(setup)
        await db.attempt("status", conn.execute(statement))
        await conn.close()

    return run


for name, setup, statement in STATUSES:
    edge = name in (
        "select_none",
        "update_none",
        "comment_only",
        "empty_string",
        "several_statements",
        "drop_if_exists_missing",
        "merge_rows",
        "insert_on_conflict_nothing",
    )
    register(f"status_{name}", _status(setup, statement), theme="queries", edge=edge)


@scenario("queries")
async def query_empty_results(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("fetch", conn.fetch("SELECT 1 WHERE false"))
    await db.attempt("fetchrow", conn.fetchrow("SELECT 1 WHERE false"))
    await db.attempt("fetchval", conn.fetchval("SELECT 1 WHERE false"))
    await db.attempt("fetchval of NULL", conn.fetchval("SELECT NULL"))
    await db.attempt("fetchrow of a command", conn.fetchrow("CREATE TEMP TABLE t (id int)"))
    await db.attempt("fetchval of a command", conn.fetchval("DROP TABLE t"))
    await conn.close()


@scenario("queries", edge=False)
async def query_returning(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id serial PRIMARY KEY, name text)")
    await db.attempt("fetchval", conn.fetchval("INSERT INTO t (name) VALUES ($1) RETURNING id", "a"))
    await db.attempt("fetchrow", conn.fetchrow("INSERT INTO t (name) VALUES ($1) RETURNING *", "b"))
    await db.attempt("fetch", conn.fetch("UPDATE t SET name = upper(name) RETURNING id, name"))
    await db.attempt("fetchrow of many", conn.fetchrow("SELECT * FROM t ORDER BY id DESC"))
    await db.attempt("delete returning none", conn.fetch("DELETE FROM t WHERE id > 10 RETURNING id"))
    await conn.close()


@scenario("queries")
async def query_fetchval_columns(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("by index", conn.fetchval("SELECT 1 AS a, 2 AS b, 3 AS c", column=2))
    await db.attempt("by name", conn.fetchval("SELECT 1 AS a, 2 AS b", column="b"))
    await db.attempt("negative index", conn.fetchval("SELECT 1 AS a, 2 AS b", column=-1))
    await conn.close()


@scenario("queries")
async def query_fetchval_column_index_out_of_range(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("column 5 of 2", conn.fetchval("SELECT 1 AS a, 2 AS b", column=5))
    await conn.close()


@scenario("queries")
async def query_fetchval_column_name_missing(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("column nope", conn.fetchval("SELECT 1 AS a", column="nope"))
    await conn.close()


@scenario("queries")
async def query_fetchval_column_on_empty_result(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("no row, any column", conn.fetchval("SELECT 1 AS a WHERE false", column=7))
    await conn.close()


@scenario("queries")
async def query_wrong_argument_counts(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("too many", conn.fetch("SELECT $1::int", 1, 2))
    await db.attempt("too few", conn.fetchval("SELECT $1::int + $2::int", 1))
    await db.attempt("none expected", conn.fetchrow("SELECT 1", 1))
    await db.attempt("execute with too many", conn.execute("SELECT $1::int", 1, 2))
    await db.attempt("placeholder in a literal", conn.fetchval("SELECT '$1'", 1))
    await db.attempt("still usable", conn.fetchval("SELECT $1::int", 5))
    await conn.close()


@scenario("queries")
async def query_execute_without_arguments_ignores_placeholders(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("simple protocol", conn.execute("SELECT $1"))
    await conn.close()


@scenario("queries", edge=False)
async def query_executemany_inserts(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY, name text)")
    await db.attempt("executemany", conn.executemany("INSERT INTO t VALUES ($1, $2)", [(1, "a"), (2, "b"), (3, None)]))
    await db.attempt("rows", conn.fetch("SELECT * FROM t ORDER BY id"))
    await conn.close()


@scenario("queries")
async def query_executemany_failing_row_inserts_nothing(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY)")
    await db.attempt("third row fails", conn.executemany("INSERT INTO t VALUES ($1)", [(1,), (2,), (1,), (4,)]))
    await db.attempt("nothing inserted", conn.fetchval("SELECT count(*) FROM t"))
    await conn.close()


@scenario("queries")
async def query_executemany_failing_row_in_a_transaction(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int CHECK (id < 3))")
    async with conn.transaction():
        await db.attempt("check fails", conn.executemany("INSERT INTO t VALUES ($1)", [(1,), (5,)]))
        await db.attempt("refused", conn.fetchval("SELECT count(*) FROM t"))
    await db.attempt("after", conn.fetchval("SELECT count(*) FROM t"))
    await conn.close()


@scenario("queries")
async def query_executemany_edge_arguments(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int)")
    await db.attempt("no rows", conn.executemany("INSERT INTO t VALUES ($1)", []))
    await db.attempt("wrong count in a row", conn.executemany("INSERT INTO t VALUES ($1)", [(1,), (2, 3)]))
    await db.attempt("not a sequence", conn.executemany("INSERT INTO t VALUES ($1)", [1]))
    await db.attempt("nothing inserted", conn.fetchval("SELECT count(*) FROM t"))
    await conn.close()


@scenario("queries")
async def query_fetchmany(db: Database) -> None:
    conn = await db.connect()
    await conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY)")
    await db.attempt(
        "returning", conn.fetchmany("INSERT INTO t VALUES ($1) RETURNING id, id * 2 AS twice", [(1,), (2,)])
    )
    await db.attempt("without returning", conn.fetchmany("INSERT INTO t VALUES ($1)", [(3,)]))
    await db.attempt("failing", conn.fetchmany("INSERT INTO t VALUES ($1) RETURNING id", [(4,), (4,)]))
    await db.attempt("kept", conn.fetch("SELECT id FROM t ORDER BY id"))
    await conn.close()


@scenario("queries", edge=False)
async def query_many_rows(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("200 rows", conn.fetch("SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 200) g"))
    await conn.close()


@scenario("queries")
async def query_identifiers_and_comments(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("unicode names", conn.fetchrow('SELECT 1 AS "ünï", 2 AS "with space", 3 AS "Mixed"'))
    await db.attempt(
        "comments and semicolons in literals",
        conn.fetchval("/* a; comment */ SELECT 'a;b' || $1::text -- trailing; comment", "c"),
    )
    await db.attempt("dollar quoted", conn.fetchval("SELECT $q$ it's $1 $q$"))
    await conn.close()


@scenario("queries")
async def query_arguments_are_not_sql(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("quotes", conn.fetchval("SELECT $1::text", "'; DROP TABLE x; --"))
    await db.attempt("same argument twice", conn.fetchrow("SELECT $1::int AS a, $1::int + 1 AS b", 41))
    await db.attempt("argument as a tuple", conn.fetchval("SELECT $1::int[]", (1, 2)))
    await conn.close()


@scenario("queries")
async def query_timeout(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("too slow", conn.fetchval("SELECT pg_sleep(1)", timeout=0.05))
    await db.attempt("still usable", conn.fetchval("SELECT 1"))
    await conn.close()


@scenario("queries")
async def query_server_notices_do_not_change_results(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("raise notice", conn.execute("DO $$ BEGIN RAISE NOTICE 'hello'; END $$"))
    await db.attempt("warning", conn.execute("DO $$ BEGIN RAISE WARNING 'careful'; END $$"))
    await conn.close()


@scenario("queries")
async def query_connection_survives_many_errors(db: Database) -> None:
    conn = await db.connect()
    for i in range(3):
        await db.attempt(f"error {i}", conn.fetchval(f"SELECT {i} / 0"))
    await db.attempt("then a value", conn.fetchval("SELECT 'fine'"))
    await conn.close()


@scenario("queries")
async def query_record_behaviour(db: Database) -> None:
    conn = await db.connect()
    row = await conn.fetchrow("SELECT 1 AS id, 'a' AS name, NULL AS note")
    db.observe("is a Record", isinstance(row, asyncpg.Record))
    db.observe("indexing", (row[0], row["name"], row[-1], row[1:], len(row), bool(row)))
    db.observe("mapping", (list(row.keys()), list(row.values()), dict(row), row.get("id"), row.get("x", 9)))
    db.observe("contains", ("id" in row, "x" in row))
    db.observe("tuple equality", (row == (1, "a", None), hash(row) == hash((1, "a", None))))
    db.observe_deliberate("record-equals-mapping", "equals its dict", row == {"id": 1, "name": "a", "note": None})
    for key in ("missing", 3, -4):
        try:
            row[key]
        except (KeyError, IndexError) as exc:
            db.observe(f"row[{key!r}]", exc)
    await conn.close()


@scenario("queries")
async def query_wrong_argument_count_then_an_execution_error(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("counted by asyncpg", conn.fetchval("SELECT $1::int", 1, 2))
    await db.attempt("fails when it runs", conn.fetchval("SELECT 1 / 0"))
    await db.attempt("counted again", conn.execute("INSERT INTO df_nowhere VALUES ($1)"))
    await conn.close()


@scenario("queries")
async def query_wrong_argument_count_of_a_statement_that_cannot_prepare(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("the server refuses it first", conn.fetchval("SELECT * FROM df_nowhere WHERE a = $1"))
    await db.attempt("syntax first", conn.fetch("SELEC $1", 1, 2))
    await conn.close()


@scenario(
    "queries",
    xfail=(
        "deliberate (docs/fidelity.md): a script's steps carry no query, so a call with a wrong argument count whose "
        "method's next step raises a class 42 error (which PostgreSQL raises while preparing, before asyncpg counts) "
        "takes that step and raises UndefinedTableError, where asyncpg raises InterfaceError and the later call gets it"
    ),
)
async def query_wrong_argument_count_before_a_later_prepare_error(db: Database) -> None:
    conn = await db.connect()
    await db.attempt("counted by asyncpg", conn.fetchval("SELECT $1::int", 1, 2))
    await db.attempt("refused by the server", conn.fetchval("SELECT * FROM df_nowhere"))
    await conn.close()
