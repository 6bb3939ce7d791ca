"""An application module that binds asyncpg.connect at import time, as much real code does."""

from asyncpg import connect


async def count_users() -> int:
    conn = await connect("postgresql://app@db/app")
    value: int = await conn.fetchval("SELECT count(*) FROM users")
    return value
