"""Generated differential scenarios: random sequences of operations on one connection, recorded and replayed.

Hypothesis builds a sequence of operations (transaction blocks and savepoints through ``transaction()``, transaction
control sent as SQL, inserts, selects, updates and deletes on a scratch table, statements that fail on the server or in
asyncpg, and every query method); the sequence becomes one scenario, which the harness runs on asyncpg, in record mode
and replayed from the recording, requiring the three to observe the same. The run is derandomized (the same examples
every run, in CI too) and keeps no example database; 25 examples take a few seconds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import Database, Scenario, check

SEQUENCES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ids = st.integers(min_value=1, max_value=4)  # few ids, so inserts collide
numbers = st.one_of(st.none(), st.integers(min_value=-3, max_value=3))  # None violates NOT NULL

OPERATIONS = st.one_of(
    st.tuples(st.just("begin"), st.sampled_from([None, "read_committed", "repeatable_read", "serializable"])),
    st.tuples(st.just("readonly")),
    st.tuples(st.just("commit")),
    st.tuples(st.just("rollback")),
    st.tuples(
        st.just("sql"), st.sampled_from(["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT s", "ROLLBACK TO SAVEPOINT s"])
    ),
    st.tuples(st.just("insert"), ids, numbers),
    st.tuples(st.just("update"), st.integers(min_value=-2, max_value=2), ids),
    st.tuples(st.just("delete"), ids),
    st.tuples(st.just("fetch")),
    st.tuples(st.just("fetchrow"), ids),
    st.tuples(st.just("fetchval"), st.sampled_from([0, 1])),
    # At least one row: asyncpg sends nothing for no rows of a statement it has cached, where the fake answers an
    # aborted block's 25P02 (a deliberate difference, shown by tx_executemany_without_rows_of_a_cached_statement).
    st.tuples(st.just("executemany"), st.lists(st.tuples(ids, numbers), min_size=1, max_size=3)),
    st.tuples(
        st.just("fail"),
        st.sampled_from(["SELECT 1 / 0", "SELEC 1", "SELECT * FROM df_missing", "SELECT 'x'::int", "too many args"]),
    ),
)


def _operation(conn: Any, blocks: list[Any], op: tuple[Any, ...], number: int) -> Any:
    """The awaitable ``op`` stands for; ``blocks`` is the stack of transaction() objects the sequence started."""
    kind = op[0]
    if kind == "begin":
        block = conn.transaction() if op[1] is None else conn.transaction(isolation=op[1])
        blocks.append(block)
        return block.start()
    if kind == "readonly":
        block = conn.transaction(readonly=True)
        blocks.append(block)
        return block.start()
    if kind in ("commit", "rollback"):
        block = blocks.pop() if blocks else conn.transaction()  # none open: asyncpg's misuse error
        return getattr(block, kind)()
    if kind == "sql":
        return conn.execute(op[1])
    if kind == "insert":
        return conn.execute("INSERT INTO t VALUES ($1, $2)", op[1], op[2])
    if kind == "update":
        return conn.execute("UPDATE t SET n = n + $1 WHERE id = $2", op[1], op[2])
    if kind == "delete":
        return conn.execute("DELETE FROM t WHERE id = $1", op[1])
    if kind == "fetch":
        return conn.fetch("SELECT id, n FROM t ORDER BY id")
    if kind == "fetchrow":
        return conn.fetchrow("SELECT id, n FROM t WHERE id = $1", op[1])
    if kind == "fetchval":
        return conn.fetchval("SELECT count(*), sum(n) FROM t", column=op[1])
    if kind == "executemany":
        return conn.executemany("INSERT INTO t VALUES ($1, $2)", op[1])
    if op[1] == "too many args":
        # A text of its own each time: asyncpg counts the arguments of a statement it has cached before an aborted
        # block's 25P02, the fake after (a deliberate difference, shown by
        # tx_cached_statement_counts_arguments_before_the_abort). Through fetch(), not fetchval(): the fake takes a
        # later fetchval() step scripted with a class 42 error for this call's (shown, and marked, by
        # query_wrong_argument_count_before_a_later_prepare_error).
        return conn.fetch(f"SELECT $1::int + {number}", 1, 2)
    return conn.fetchval(op[1])


def sequence_scenario(operations: list[tuple[Any, ...]]) -> Scenario:
    async def run(db: Database) -> None:
        conn = await db.connect()
        await conn.execute("CREATE TEMP TABLE t (id int PRIMARY KEY, n int NOT NULL)")
        blocks: list[Any] = []
        for number, op in enumerate(operations):
            await db.attempt(f"{number}: {op!r}", _operation(conn, blocks, op, number))
        await db.attempt("the table at the end", conn.fetch("SELECT id, n FROM t ORDER BY id"))
        await conn.close()

    return Scenario("sequence", run, "sequences", edge=True)


@SEQUENCES
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=12))
def test_random_sequences_observe_the_same(operations: list[tuple[Any, ...]], postgres: dict[str, str]) -> None:
    check(sequence_scenario(operations), postgres)
