"""The command tag the fake derives from a query's text (status.py), which hints show as an execute step's returns=
and prepared statements report; the differential suite's status scenarios check the tags against a real server."""

from __future__ import annotations

import pytest

from bigfoot.plugins.asyncpg.status import status_for


@pytest.mark.parametrize(
    ("query", "tag"),
    [
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT 0 1"),
        # The tag is the last statement's; the parentheses of each statement count in that statement alone.
        ("SELECT 1; WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT 0 1"),
        ("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x; ", "SELECT 1"),
        ("CREATE MATERIALIZED VIEW v AS SELECT 1", "CREATE MATERIALIZED VIEW"),
        # A quoted name is no word: what is left after the command is the kind of object alone.
        ('DROP MATERIALIZED VIEW "Totals"', "DROP MATERIALIZED VIEW"),
        ('WITH "x" ("a") AS (SELECT 1) INSERT INTO t SELECT * FROM "x"', "INSERT 0 1"),
        ("-- only a comment", None),
    ],
)
def test_the_tag_is_the_last_statements(query: str, tag: str | None) -> None:
    assert status_for(query) == tag
