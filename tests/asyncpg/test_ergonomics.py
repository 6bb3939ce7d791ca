"""Ergonomics of asserting asyncpg calls: bigfoot.sql, diffs of long queries, times=, omittable defaults, hints."""

from __future__ import annotations

import asyncpg
import pytest

import bigfoot
from bigfoot import InteractionMismatchError, StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin

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
        "    bigfoot.asyncpg_mock.assert_connect(host='db', password='***')"
    )
    apg.assert_connect(host="db", password="hunter2")
