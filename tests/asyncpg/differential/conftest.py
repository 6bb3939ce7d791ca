"""The differential suite's server: the asyncpg tests' throwaway PostgreSQL, left as the scenarios found it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest

from .harness import dsn_of

LEFT_BEHIND = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relname LIKE 'df\\_%' ORDER BY 1
"""


async def _left_behind(server: dict[str, str]) -> list[str]:
    conn = await asyncpg.connect(dsn_of(server))
    try:
        return [row[0] for row in await conn.fetch(LEFT_BEHIND)]
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def server(postgres: dict[str, str]) -> Iterator[dict[str, str]]:
    """``postgres``, checked at the end: every scenario dropped the tables (named ``df_...``) it created."""
    yield postgres
    left = asyncio.run(_left_behind(postgres))
    assert not left, f"differential scenarios left tables behind: {left}"
