"""The resilience module tested with unittest: a dropped connection, a slow query, a query logger."""

import asyncio
import unittest

import asyncpg

import bigfoot
import resilience


class ResilienceTests(bigfoot.BigfootTestCase):
    async def test_a_dropped_connection_is_retried_on_a_new_one(self):
        lost = self.asyncpg_mock.new_session()
        lost.expect("acquire").expect("fetchval", raises=self.asyncpg_mock.connection_lost()).expect("release")
        self.asyncpg_mock.new_session().expect("acquire").expect("fetchval", returns=5).expect("release")

        with bigfoot:
            async with asyncpg.create_pool("postgresql://jobs@db/jobs", min_size=1, max_size=1) as pool:
                self.assertEqual(await resilience.queued_jobs(pool), 5)

        self.asyncpg_mock.assert_create_pool(dsn="postgresql://jobs@db/jobs", min_size=1, max_size=1)
        self.asyncpg_mock.assert_acquire()
        self.asyncpg_mock.assert_fetchval(query=resilience.QUEUED, args=[], raised=asyncpg.ConnectionDoesNotExistError)
        self.asyncpg_mock.assert_release()
        self.asyncpg_mock.assert_acquire()
        self.asyncpg_mock.assert_fetchval(query=resilience.QUEUED, args=[])
        self.asyncpg_mock.assert_release()
        self.asyncpg_mock.assert_close_pool()

    async def test_a_slow_price_falls_back_to_the_cache_without_waiting(self):
        (self.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=120, delay=30))

        with bigfoot:
            conn = await asyncpg.connect(host="db")
            self.assertEqual(await resilience.price_or_cached(conn, "apple", cached=100), (100, "cached"))

        self.asyncpg_mock.assert_connect(host="db")
        self.asyncpg_mock.assert_fetchval(
            query=resilience.PRICE, args=["apple"], timeout=0.5, raised=asyncio.TimeoutError
        )

    async def test_the_cleanup_is_logged(self):
        self.asyncpg_mock.new_session().expect("connect").expect("execute", raises=asyncpg.LockNotAvailableError)
        log = []

        with bigfoot:
            conn = await asyncpg.connect(host="db")
            with self.assertRaises(asyncpg.LockNotAvailableError):
                await resilience.logged_cleanup(conn, log)
            await asyncio.sleep(0)  # asyncpg calls loggers on the loop

        self.assertEqual(log, ["DELETE FROM jobs WHERE state = $1 ['done'] -> LockNotAvailableError"])
        self.asyncpg_mock.assert_connect(host="db")
        self.asyncpg_mock.assert_execute(
            query="DELETE FROM jobs WHERE state = $1", args=["done"], raised=asyncpg.LockNotAvailableError
        )


if __name__ == "__main__":
    unittest.main()
