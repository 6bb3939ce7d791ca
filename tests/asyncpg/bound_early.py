"""An application module that binds asyncpg.connect at import time, as much real code does."""

from asyncpg import connect


async def count_users() -> int:
    conn = await connect("postgresql://app@db/app")
    value: int = await conn.fetchval("SELECT count(*) FROM users")
    return value


from asyncpg import create_pool  # noqa: E402


async def pool_count() -> int:
    async with create_pool("postgresql://app@db/app", min_size=1, max_size=2) as pool:
        value: int = await pool.fetchval("SELECT count(*) FROM users")
        return value
