"""Counting the ``$n`` placeholders of a query, which decides how many arguments a call must pass."""

from __future__ import annotations

import pytest

from bigfoot.plugins.asyncpg.placeholders import expected_arguments


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
