"""Counting the ``$n`` placeholders of a query, which decides how many arguments a call must pass."""

from __future__ import annotations

import pytest

from bigfoot.plugins.asyncpg.placeholders import counted, expected_arguments


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("/* outer /* inner $9 */ still comment $8 */ SELECT $1", 1),
        ("SELECT $1 /* never closed $5", 1),
        ("SELECT $$ never closed $4", 0),
        ("SELECT 'it''s $3', $2", 2),
        ('SELECT "a""$3", $1', 1),
    ],
)
def test_placeholder_counting_edges(query: str, count: int) -> None:
    assert expected_arguments(query) == count


def test_the_memo_of_counted_queries_is_bounded() -> None:
    # Every distinct query text is counted once and remembered, up to a bound, so a program that builds endless query
    # texts does not grow the memo without end; a query past the bound is still counted right, only not remembered.
    saved = dict(counted)
    counted.clear()
    try:
        for n in range(4100):
            assert expected_arguments(f"SELECT ${n % 7 + 1} -- {n}") == n % 7 + 1
        assert len(counted) == 4096
        assert "SELECT $1 -- 0" in counted
        assert f"SELECT ${4099 % 7 + 1} -- 4099" not in counted
    finally:
        counted.clear()
        counted.update(saved)
