"""The resilience module tested with pytest: a dropped connection, a slow query, a query logger."""

import asyncio

import asyncpg

import bigfoot
import resilience


async def test_a_dropped_connection_is_retried_on_a_new_one():
    lost = bigfoot.asyncpg_mock.new_session()
    lost.expect("acquire").expect("fetchval", raises=bigfoot.asyncpg_mock.connection_lost()).expect("release")
    bigfoot.asyncpg_mock.new_session().expect("acquire").expect("fetchval", returns=5).expect("release")

    with bigfoot:
        async with asyncpg.create_pool("postgresql://jobs@db/jobs", min_size=1, max_size=1) as pool:
            assert await resilience.queued_jobs(pool) == 5

    bigfoot.asyncpg_mock.assert_create_pool(dsn="postgresql://jobs@db/jobs", min_size=1, max_size=1)
    bigfoot.asyncpg_mock.assert_acquire()
    bigfoot.asyncpg_mock.assert_fetchval(query=resilience.QUEUED, args=[], raised=asyncpg.ConnectionDoesNotExistError)
    bigfoot.asyncpg_mock.assert_release()
    bigfoot.asyncpg_mock.assert_acquire()
    bigfoot.asyncpg_mock.assert_fetchval(query=resilience.QUEUED, args=[])
    bigfoot.asyncpg_mock.assert_release()
    bigfoot.asyncpg_mock.assert_close_pool()


async def test_a_slow_price_falls_back_to_the_cache_without_waiting():
    (
        bigfoot.asyncpg_mock.new_session()
        .expect("connect")
        .expect("fetchval", returns=120, delay=30)
        .expect("fetchval", returns=95, delay=0.1)
    )

    with bigfoot:
        conn = await asyncpg.connect(host="db")
        assert await resilience.price_or_cached(conn, "apple", cached=100) == (100, "cached")
        assert await resilience.price_or_cached(conn, "apple", cached=100) == (95, "live")

    bigfoot.asyncpg_mock.assert_connect(host="db")
    bigfoot.asyncpg_mock.assert_fetchval(
        query=resilience.PRICE, args=["apple"], timeout=0.5, raised=asyncio.TimeoutError
    )
    bigfoot.asyncpg_mock.assert_fetchval(query=resilience.PRICE, args=["apple"], timeout=0.5)


async def test_the_cleanup_is_logged():
    bigfoot.asyncpg_mock.new_session().expect("connect").expect("execute", returns="DELETE 3")
    log = []

    with bigfoot:
        conn = await asyncpg.connect(host="db")
        assert await resilience.logged_cleanup(conn, log) == "DELETE 3"
        await asyncio.sleep(0)  # asyncpg calls query loggers on the next turn of the event loop

    assert log == ["DELETE FROM jobs WHERE state = $1 ['done'] -> ok"]
    bigfoot.asyncpg_mock.assert_connect(host="db")
    bigfoot.asyncpg_mock.assert_execute(query="DELETE FROM jobs WHERE state = $1", args=["done"])
