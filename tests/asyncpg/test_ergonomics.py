"""Ergonomics of asserting asyncpg calls: bigfoot.sql, diffs of long queries, times=, omittable defaults, hints."""

from __future__ import annotations

import subprocess
import sys

import asyncpg
import pytest

import bigfoot
from bigfoot import InteractionMismatchError, StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin
from bigfoot.plugins.asyncpg.placeholders import expected_arguments

REPORT = """
    SELECT region, sum(total) AS revenue
    FROM orders
    WHERE placed_at >= $1
    GROUP BY region
"""


async def run_report(conn: asyncpg.Connection) -> list[object]:
    return list(await conn.fetch(REPORT, "2024-01-01"))


async def test_sql_matches_a_query_written_across_lines(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[])
    with verifier.sandbox():
        await run_report(await asyncpg.connect())
    apg.assert_connect()
    apg.assert_fetch(
        query=bigfoot.sql("select region, SUM(total) as revenue from orders where placed_at >= $1 group by region"),
        args=["2024-01-01"],
    )
    verifier.verify_all()


async def test_a_query_mismatch_is_shown_as_a_diff(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[])
    with verifier.sandbox():
        await run_report(await asyncpg.connect())
    apg.assert_connect()
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_fetch(query=REPORT.replace(">=", ">"), args=["2024-01-01"])
    assert str(info.value) == (
        "assert_fetch(query='\\n    SELECT region, sum(total) AS revenue\\n    FROM orders\\n    WHERE placed_at > $1"
        "\\n    GROUP BY region\\n', args=['2024-01-01']) does not match the earliest unasserted interaction "
        "(fetch, session #1):\n"
        "    query: differs at line 4, column 22 (- expected, + actual):\n"
        "        @@ -2,4 +2,4 @@\n"
        "             SELECT region, sum(total) AS revenue\n"
        "             FROM orders\n"
        "        -    WHERE placed_at > $1\n"
        "        +    WHERE placed_at >= $1\n"
        "             GROUP BY region\n"
        "It was recorded as:\n"
        "    bigfoot.asyncpg_mock.assert_fetch(query='\\n    SELECT region, sum(total) AS revenue\\n    FROM orders\\n"
        "    WHERE placed_at >= $1\\n    GROUP BY region\\n', args=['2024-01-01'])"
    )
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_fetch(query=bigfoot.sql("SELECT region FROM orders WHERE placed_at >= $1"), args=["2024-01-01"])
    assert str(info.value).splitlines()[1:6] == [
        "    query: the normalised SQL differs at line 1, column 14 (- expected, + actual):",
        "        @@ -1,3 +1,4 @@",
        "        -select region",
        "        +select region, sum (total) as revenue",
        "         from orders",
    ]
    apg.assert_fetch(query=REPORT, args=["2024-01-01"])


async def test_a_password_that_differs_is_named_not_printed(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    with verifier.sandbox():
        await asyncpg.connect(host="db", password="hunter2")
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_connect(host="db", password="hunter3")
    assert str(info.value) == (
        "assert_connect(host='db', password='***') does not match the earliest unasserted interaction "
        "(connect, session #1):\n"
        "    password: the values differ, but both show as '***' because the value is masked\n"
        "It was recorded as:\n"
        "    bigfoot.asyncpg_mock.assert_connect(host='db', password='***')\n"
        "(Masked secrets show as '***': put the real value or unittest.mock.ANY there.)"
    )
    apg.assert_connect(host="db", password="hunter2")


# -- times= ------------------------------------------------------------------------------------------------------


async def test_times_scripts_identical_consecutive_steps(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    handle = apg.new_session().expect("connect").expect("fetchval", returns="running", times=3).expect("close")
    assert [(step.method, step.position, step.returns, step.required) for step in handle.steps] == [
        ("connect", 1, None, True),
        ("fetchval", 2, "running", True),
        ("fetchval", 3, "running", True),
        ("fetchval", 4, "running", True),
        ("close", 5, None, True),
    ]
    with verifier.sandbox():
        conn = await asyncpg.connect()
        assert [await conn.fetchval("SELECT state FROM jobs") for _ in range(3)] == ["running"] * 3
        await conn.close()
    apg.assert_connect()
    for _ in range(3):
        apg.assert_fetchval(query="SELECT state FROM jobs", args=[])
    apg.assert_close()
    verifier.verify_all()


async def test_times_with_raises_fails_each_time(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("execute", raises=asyncpg.DeadlockDetectedError, times=2)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        for _ in range(2):
            with pytest.raises(asyncpg.DeadlockDetectedError):
                await conn.execute("UPDATE t SET a = 1")
    apg.assert_connect()
    for _ in range(2):
        apg.assert_execute(query="UPDATE t SET a = 1", args=[], raised=asyncpg.DeadlockDetectedError)
    verifier.verify_all()


async def test_unused_repeated_steps_are_reported_each_at_its_position(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetchval", returns=0, times=3)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        await conn.fetchval("SELECT 1")
    apg.assert_connect()
    apg.assert_fetchval(query="SELECT 1", args=[])
    with pytest.raises(bigfoot.UnusedMocksError) as info:
        verifier.verify_all()
    line = test_unused_repeated_steps_are_reported_each_at_its_position.__code__.co_firstlineno + 3  # expect()
    assert str(info.value) == (
        "2 scripted step(s) were never used:\n"
        f"    session #1 step 3 'fetchval' (scripted at tests/asyncpg/test_ergonomics.py:{line})\n"
        f"    session #1 step 4 'fetchval' (scripted at tests/asyncpg/test_ergonomics.py:{line})\n"
        "Remove them from the script, or mark optional ones with required=False."
    )


@pytest.mark.parametrize(
    ("times", "error", "message"),
    [
        (
            0,
            ValueError,
            "expect('fetch'): times must be 1 or more, got 0; to let a step go unused, use required=False.",
        ),
        (
            -2,
            ValueError,
            "expect('fetch'): times must be 1 or more, got -2; to let a step go unused, use required=False.",
        ),
        (True, TypeError, "expect('fetch'): times must be a whole number of steps, got bool True."),
        (2.0, TypeError, "expect('fetch'): times must be a whole number of steps, got float 2.0."),
        ("3", TypeError, "expect('fetch'): times must be a whole number of steps, got str '3'."),
    ],
)
def test_times_must_be_a_positive_int(apg: AsyncpgPlugin, times: object, error: type[Exception], message: str) -> None:
    handle = apg.new_session()
    with pytest.raises(error) as info:
        handle.expect("fetch", returns=[], times=times)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert handle.steps == []


async def test_optional_steps_are_passed_over_but_required_ones_are_not(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("execute", returns="SET", required=False).expect("fetch", returns=[])
    apg.new_session().expect("connect").expect("execute", returns="SET").expect("fetch", returns=[])
    with verifier.sandbox():
        first = await asyncpg.connect()
        assert await first.fetch("SELECT 1") == []  # the optional SET is passed over
        second = await asyncpg.connect()
        with pytest.raises(bigfoot.UnmockedInteractionError, match="but the script expects 'execute' next"):
            await second.fetch("SELECT 1")
        await second.execute("SET x = 1")
        await second.fetch("SELECT 1")
    for item in verifier.interactions:
        item.asserted = True
    verifier._unmocked.clear()
    verifier.verify_all()


async def heartbeat(conn: asyncpg.Connection, stop: object) -> int:
    import asyncio

    beats = 0
    while not stop.is_set():  # type: ignore[attr-defined]
        await conn.execute("UPDATE workers SET seen = now() WHERE id = $1", 1)
        beats += 1
        await asyncio.sleep(0)
    await conn.close()
    return beats


@pytest.mark.parametrize("ticks", [0, 1, 5])
async def test_an_open_ended_loop_scripted_with_an_optional_surplus(
    verifier: StrictVerifier, apg: AsyncpgPlugin, ticks: int
) -> None:
    import asyncio

    (
        apg.new_session()
        .expect("connect")
        .expect("execute", returns="UPDATE 1", times=10, required=False)
        .expect("close")
    )
    stop = asyncio.Event()
    with verifier.sandbox():
        conn = await asyncpg.connect()
        task = asyncio.ensure_future(heartbeat(conn, stop))
        for _ in range(ticks):
            await asyncio.sleep(0)
        stop.set()
        beats = await task
    assert beats <= 10 and (beats > 0) is (ticks > 0)  # the loop ran as long as the test let it
    apg.assert_connect()
    for _ in range(beats):
        apg.assert_execute(query="UPDATE workers SET seen = now() WHERE id = $1", args=[1])
    apg.assert_close()
    verifier.verify_all()


async def test_a_loop_that_outruns_its_ceiling_still_fails(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    import asyncio

    apg.new_session().expect("connect").expect("execute", returns="UPDATE 1", times=2, required=False).expect("close")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(bigfoot.UnmockedInteractionError, match="but the script expects 'close' next"):
            await heartbeat(conn, asyncio.Event())
    verifier._unmocked.clear()
    for item in verifier.interactions:
        item.asserted = True


# -- asyncpg's defaults may be left out of assertions --------------------------------------------------------------


async def fetch_all(conn: asyncpg.Connection, query: str, *args: object) -> list[object]:
    """A wrapper of the kind applications have: it always passes the timeout, None unless told otherwise."""
    return list(await conn.fetch(query, *args, timeout=None, record_class=None))


async def test_arguments_at_asyncpgs_defaults_need_not_be_asserted(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[]).expect("fetchval", returns=1).expect("close")
    with verifier.sandbox():
        conn = await asyncpg.connect(host="db", timeout=60, loop=None)
        await fetch_all(conn, "SELECT * FROM t WHERE a = $1", 1)
        await conn.fetchval("SELECT 1", column=0, timeout=5)
        await conn.close(timeout=None)
    assert verifier.interactions[1].fields == {
        "query": "SELECT * FROM t WHERE a = $1",
        "args": [1],
        "timeout": None,
        "record_class": None,
    }
    lines = [item.assertion_line() for item in verifier.interactions]
    assert lines == [
        "bigfoot.asyncpg_mock.assert_connect(host='db')",
        "bigfoot.asyncpg_mock.assert_fetch(query='SELECT * FROM t WHERE a = $1', args=[1])",
        "bigfoot.asyncpg_mock.assert_fetchval(query='SELECT 1', args=[], timeout=5)",
        "bigfoot.asyncpg_mock.assert_close()",
    ]
    apg.assert_connect(host="db")
    apg.assert_fetch(query="SELECT * FROM t WHERE a = $1", args=[1])
    with pytest.raises(bigfoot.MissingAssertionFieldsError) as info:
        apg.assert_fetchval(query="SELECT 1", args=[])  # timeout=5 is not asyncpg's default
    assert str(info.value) == (
        "assert_fetchval() left out recorded field(s): timeout. Every field the call passed must be asserted; the "
        "complete assertion is:\n    bigfoot.asyncpg_mock.assert_fetchval(query='SELECT 1', args=[], timeout=5)"
    )
    apg.assert_fetchval(query="SELECT 1", args=[], column=0, timeout=5)
    apg.assert_close(timeout=None)
    verifier.verify_all()


async def test_a_default_given_in_an_assertion_is_still_checked(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("fetch", returns=[])
    with verifier.sandbox():
        await fetch_all(await asyncpg.connect(), "SELECT 1")
    apg.assert_connect()
    with pytest.raises(InteractionMismatchError) as info:
        apg.assert_fetch(query="SELECT 1", args=[], timeout=5)
    assert str(info.value).splitlines()[1:] == [
        "    timeout: expected 5, actual None",
        "It was recorded as:",
        "    bigfoot.asyncpg_mock.assert_fetch(query='SELECT 1', args=[])",
    ]
    with verifier.in_any_order():
        apg.assert_fetch(query="SELECT 1", args=[])


async def test_create_pool_with_asyncpgs_defaults(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    with verifier.sandbox():
        pool = await asyncpg.create_pool("postgresql://db/app", loop=None, min_size=2, max_size=10, timeout=60)
        await pool.close()
    apg.assert_create_pool(dsn="postgresql://db/app", min_size=2)
    apg.assert_close_pool()
    verifier.verify_all()


def test_the_defaults_come_from_asyncpgs_signatures() -> None:
    import inspect

    from bigfoot.plugins.asyncpg.signature_defaults import FIELD_DEFAULTS

    connect = inspect.signature(asyncpg.connect).parameters
    assert FIELD_DEFAULTS["connect"]["timeout"] == connect["timeout"].default
    assert FIELD_DEFAULTS["connect"]["connection_class"] is asyncpg.connection.Connection
    assert FIELD_DEFAULTS["fetchval"] == {"column": 0, "timeout": None}
    assert FIELD_DEFAULTS["create_pool"]["loop"] is None
    assert "query" not in FIELD_DEFAULTS["fetch"] and "close_pool" not in FIELD_DEFAULTS
    for copy in ("copy_from_table", "copy_from_query", "copy_to_table", "copy_records_to_table"):
        assert FIELD_DEFAULTS[copy]["timeout"] is None, copy
    assert AsyncpgPlugin.field_defaults is FIELD_DEFAULTS


def test_the_defaults_are_read_when_first_needed_not_at_import() -> None:
    # Reading the signatures is left to the first assertion that needs them, so importing the plugin stays cheap.
    code = (
        "import bigfoot.plugins.asyncpg.plugin\n"
        "from bigfoot.plugins.asyncpg.signature_defaults import FIELD_DEFAULTS\n"
        "assert FIELD_DEFAULTS._table is None\n"
        "assert FIELD_DEFAULTS['fetchval'] == {'column': 0, 'timeout': None}\n"
        "assert FIELD_DEFAULTS._table is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_step_answered_by_several_methods_keeps_the_defaults_they_agree_on() -> None:
    from unittest.mock import ANY

    from bigfoot.plugins.asyncpg.signature_defaults import _agreed

    nan, one, other_one = float("nan"), [1], [1]

    def first(
        a: int = 1, b: int = 3, same: object = None, equal: object = one, odd: float = nan, only: int = 5
    ) -> None:
        pass

    def second(a: int = 2, b: int = 2, same: object = None, equal: object = other_one, odd: float = nan) -> None:
        pass

    def any_default(x: object = ANY, y: int = 0) -> None:  # a default equal to everything is still a default
        pass

    # a and b differ (either way round); equal defaults agree, as does one object unequal to itself; a default only
    # one of them has is kept.
    agreed = _agreed([first, second])
    assert agreed.keys() == {"same", "equal", "odd", "only"}
    assert agreed["same"] is None and agreed["equal"] == [1] and agreed["odd"] is nan and agreed["only"] == 5
    assert _agreed([any_default]) == {"x": ANY, "y": 0}


# -- execute hints suggest the statement's own status -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("INSERT INTO users (name) VALUES ($1)", "INSERT 0 1"),
        ("  update users SET name = $1", "UPDATE 1"),
        ("-- purge\nDELETE FROM users WHERE id = $1", "DELETE 1"),
        ("SELECT pg_advisory_lock($1)", "SELECT 1"),
        ("WITH gone AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM gone WHERE $1", "INSERT 0 1"),
        ("CREATE TABLE users (id int)", "CREATE TABLE"),
        ("create unique index users_name on users (name)", "CREATE INDEX"),
        ("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql", "CREATE FUNCTION"),
        ("CREATE MATERIALIZED VIEW v AS SELECT 1", "CREATE MATERIALIZED VIEW"),
        ("DROP TABLE users", "DROP TABLE"),
        ("TRUNCATE users", "TRUNCATE TABLE"),
        ("SET search_path = app; INSERT INTO t VALUES ($1);", "INSERT 0 1"),
        ("vacuum analyze users", "VACUUM"),
        ("/* nothing but a comment */ $1", "SELECT 1"),
    ],
)
async def test_execute_hints_suggest_the_statements_status(
    verifier: StrictVerifier, apg: AsyncpgPlugin, query: str, status: str
) -> None:
    apg.new_session().expect("connect").expect("close")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(bigfoot.UnmockedInteractionError) as info:
            await conn.execute(query, *[1] * expected_arguments(query))
        await conn.close()
    assert info.value.hint == f'.expect("execute", returns={status!r})'
    verifier._surfaced(info.value)


async def test_the_execute_hint_in_the_whole_message(verifier: StrictVerifier, apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(bigfoot.UnmockedInteractionError) as info:
            await conn.execute("UPDATE users SET name = $1 WHERE id = $2", "Ada", 7)
    line = test_the_execute_hint_in_the_whole_message.__code__.co_firstlineno + 1
    assert str(info.value) == (
        "Unmocked call: conn.execute(query='UPDATE users SET name = $1 WHERE id = $2', args=['Ada', 7]) on session #1, "
        f"which has no steps left (its last step session #1 step 1 'connect' (scripted at "
        f"tests/asyncpg/test_ergonomics.py:{line})).\n"
        "If the call is right, script it at that point of session #1:\n"
        "    .expect(\"execute\", returns='UPDATE 1')"
    )
    verifier._surfaced(info.value)
    apg.assert_connect()
