"""Code that copes with a database that goes away, answers slowly, or is watched: the faults examples' application.

Each function takes a pool or connection, so it runs the same against PostgreSQL and against bigfoot's fakes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

QUEUED = "SELECT count(*) FROM jobs WHERE state = 'queued'"
PRICE = "SELECT price FROM prices WHERE sku = $1"


async def queued_jobs(pool: Any, attempts: int = 3) -> int:
    """Count the queued jobs, retrying on a fresh connection when the server drops the one in use."""
    for attempt in range(attempts):
        try:
            async with pool.acquire() as conn:
                count: int = await conn.fetchval(QUEUED)
                return count
        except asyncpg.ConnectionDoesNotExistError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


async def price_or_cached(conn: Any, sku: str, cached: int, timeout: float = 0.5) -> tuple[int, str]:
    """The live price if the database answers within ``timeout`` seconds, else the cached one."""
    try:
        return await conn.fetchval(PRICE, sku, timeout=timeout), "live"
    except asyncio.TimeoutError:
        return cached, "cached"


async def logged_cleanup(conn: Any, log: list[str]) -> str:
    """Delete finished jobs, logging each query (and its error, if any) through asyncpg's query logger."""

    def write(record: Any) -> None:
        outcome = "ok" if record.exception is None else type(record.exception).__name__
        log.append(f"{record.query} {list(record.args)} -> {outcome}")

    with conn.query_logger(write):
        status: str = await conn.execute("DELETE FROM jobs WHERE state = $1", "done")
    return status
