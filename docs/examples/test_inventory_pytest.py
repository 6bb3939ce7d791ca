"""The inventory module tested with pytest and pytest-asyncio: ``python -m pytest docs/examples``."""

import asyncpg
import pytest

import bigfoot
import inventory


async def test_stock_level():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=7).expect("close")

    with bigfoot:
        assert await inventory.stock_level("apple") == 7

    bigfoot.asyncpg_mock.assert_connect(dsn=inventory.DSN)
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT quantity FROM stock WHERE sku = $1", args=["apple"])
    bigfoot.asyncpg_mock.assert_close()


async def test_unknown_sku_counts_as_zero():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=None).expect("close")

    with bigfoot:
        assert await inventory.stock_level("durian") == 0

    bigfoot.asyncpg_mock.assert_connect(dsn=inventory.DSN)
    bigfoot.asyncpg_mock.assert_fetchval(query="SELECT quantity FROM stock WHERE sku = $1", args=["durian"])
    bigfoot.asyncpg_mock.assert_close()


async def test_reserve_unknown_sku():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchrow", returns=None).expect("close")

    with bigfoot:
        with pytest.raises(inventory.OutOfStock):
            await inventory.reserve("durian", 1)

    bigfoot.asyncpg_mock.assert_connect(dsn=inventory.DSN)
    bigfoot.asyncpg_mock.assert_fetchrow(query="SELECT quantity FROM stock WHERE sku = $1", args=["durian"])
    bigfoot.asyncpg_mock.assert_close()


async def test_database_down():
    bigfoot.asyncpg_mock.new_session().expect("connect", raises=asyncpg.CannotConnectNowError("starting up"))

    with bigfoot:
        with pytest.raises(asyncpg.CannotConnectNowError):
            await inventory.low_stock(3)

    bigfoot.asyncpg_mock.assert_connect(dsn=inventory.DSN)
