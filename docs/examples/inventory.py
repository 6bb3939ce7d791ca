"""A small application module that uses asyncpg: the code the example tests exercise without a database."""

from __future__ import annotations

import asyncpg

DSN = "postgresql://shop@db.internal/shop"


class OutOfStock(Exception):
    pass


async def stock_level(sku: str) -> int:
    conn = await asyncpg.connect(DSN)
    try:
        level = await conn.fetchval("SELECT quantity FROM stock WHERE sku = $1", sku)
    finally:
        await conn.close()
    return level or 0


async def reserve(sku: str, quantity: int) -> int:
    """Take ``quantity`` items of ``sku`` out of stock; return what is left."""
    conn = await asyncpg.connect(DSN)
    try:
        row = await conn.fetchrow("SELECT quantity FROM stock WHERE sku = $1", sku)
        if row is None or row["quantity"] < quantity:
            raise OutOfStock(sku)
        left = row["quantity"] - quantity
        await conn.execute("UPDATE stock SET quantity = $1 WHERE sku = $2", left, sku)
        return left
    finally:
        await conn.close()


async def low_stock(threshold: int) -> list[str]:
    conn = await asyncpg.connect(DSN)
    try:
        rows = await conn.fetch("SELECT sku FROM stock WHERE quantity < $1 ORDER BY sku", threshold)
    finally:
        await conn.close()
    return [row["sku"] for row in rows]
