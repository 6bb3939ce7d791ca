"""The inventory module tested with unittest: ``python -m unittest discover -s docs/examples``."""

import unittest

import asyncpg

import bigfoot
import inventory


class ReserveTests(bigfoot.BigfootTestCase):
    async def test_reserve_takes_items_out_of_stock(self):
        (
            self.asyncpg_mock.new_session()
            .expect("connect")
            .expect("fetchrow", returns={"quantity": 5})
            .expect("execute", returns="UPDATE 1")
            .expect("close")
        )

        with bigfoot:
            left = await inventory.reserve("apple", 3)

        self.assertEqual(left, 2)
        self.asyncpg_mock.assert_connect(dsn=inventory.DSN)
        self.asyncpg_mock.assert_fetchrow(query="SELECT quantity FROM stock WHERE sku = $1", args=["apple"])
        self.asyncpg_mock.assert_execute(query="UPDATE stock SET quantity = $1 WHERE sku = $2", args=[2, "apple"])
        self.asyncpg_mock.assert_close()

    async def test_reserve_refuses_more_than_there_is(self):
        self.asyncpg_mock.new_session().expect("connect").expect("fetchrow", returns={"quantity": 1}).expect("close")

        with bigfoot:
            with self.assertRaises(inventory.OutOfStock):
                await inventory.reserve("apple", 3)

        self.asyncpg_mock.assert_connect(dsn=inventory.DSN)
        self.asyncpg_mock.assert_fetchrow(query="SELECT quantity FROM stock WHERE sku = $1", args=["apple"])
        self.asyncpg_mock.assert_close()

    async def test_the_connection_is_closed_when_the_query_fails(self):
        (
            self.asyncpg_mock.new_session()
            .expect("connect")
            .expect("fetchval", raises=asyncpg.UndefinedTableError('relation "stock" does not exist'))
            .expect("close")
        )

        with bigfoot:
            with self.assertRaises(asyncpg.UndefinedTableError):
                await inventory.stock_level("apple")

        self.asyncpg_mock.assert_connect(dsn=inventory.DSN)
        self.asyncpg_mock.assert_fetchval(query="SELECT quantity FROM stock WHERE sku = $1", args=["apple"])
        self.asyncpg_mock.assert_close()


class ReportTests(bigfoot.BigfootTestCase):
    async def test_low_stock_lists_skus(self):
        (
            self.asyncpg_mock.new_session()
            .expect("connect")
            .expect("fetch", returns=[{"sku": "apple"}, {"sku": "pear"}])
            .expect("close")
        )

        with bigfoot:
            skus = await inventory.low_stock(10)

        self.assertEqual(skus, ["apple", "pear"])
        self.asyncpg_mock.assert_connect(dsn=inventory.DSN)
        self.asyncpg_mock.assert_fetch(query="SELECT sku FROM stock WHERE quantity < $1 ORDER BY sku", args=[10])
        self.asyncpg_mock.assert_close()


if __name__ == "__main__":
    unittest.main()
