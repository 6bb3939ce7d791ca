"""A query that is not a str fails as asyncpg fails it, before any step: same exception, same message, same state.

asyncpg has no single check of the query's type. Where a wrong type fails depends on the path: the statement cache
hashes and measures the query (``TypeError: object of type 'int' has no len()``), and what gets past it fails where
the protocol encodes the query (``TypeError: Expected str, got bytes``, or ``AttributeError`` for None), which breaks
the connection. Each case runs against a real PostgreSQL (skipped without one) and against bigfoot; the expected
table below pins asyncpg 0.32's messages so that the fake is checked where no server is available too.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin

QUERIES: list[Any] = [None, 123, 1.5, b"SELECT 1", ["SELECT 1"], ("SELECT 1",)]


async def _cursor(conn: Any, query: Any) -> Any:
    return await conn.cursor(query)


async def _cursor_iteration(conn: Any, query: Any) -> Any:
    async for row in conn.cursor(query):
        return row
    return None


CALLS: dict[str, tuple[bool, Callable[[Any, Any], Awaitable[Any]]]] = {
    # name: (needs a transaction, the call)
    "execute": (False, lambda conn, q: conn.execute(q)),
    "execute with args": (False, lambda conn, q: conn.execute(q, 1)),
    "fetch": (False, lambda conn, q: conn.fetch(q)),
    "fetch with args": (False, lambda conn, q: conn.fetch(q, 1)),
    "fetchrow": (False, lambda conn, q: conn.fetchrow(q)),
    "fetchval": (False, lambda conn, q: conn.fetchval(q)),
    "executemany": (False, lambda conn, q: conn.executemany(q, [(1,)])),
    "fetchmany": (False, lambda conn, q: conn.fetchmany(q, [(1,)])),
    "prepare": (False, lambda conn, q: conn.prepare(q)),
    "cursor": (True, _cursor),
    "cursor iteration": (True, _cursor_iteration),
}

NO_CACHE = {"statement_cache_size": 0}

# What asyncpg 0.32 raises, with the default statement cache and with none; 'closes' when the connection breaks.
EXPECTED: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("execute", "None"): ("AttributeError", "'NoneType' object has no attribute 'encode'", True),
    ("execute", "123"): ("TypeError", "Expected str, got int", True),
    ("execute", "b'SELECT 1'"): ("TypeError", "Expected str, got bytes", True),
    ("fetchval", "None"): ("TypeError", "object of type 'NoneType' has no len()", False),
    ("fetchval", "123"): ("TypeError", "object of type 'int' has no len()", False),
    ("fetchval", "b'SELECT 1'"): ("TypeError", "Expected str, got bytes", True),
    ("fetchval", "['SELECT 1']"): ("TypeError", "unhashable type: 'list'", False),
    ("fetchval", "('SELECT 1',)"): ("TypeError", "Expected str, got tuple", True),
    ("prepare", "None"): ("AttributeError", "'NoneType' object has no attribute 'encode'", True),
    ("prepare", "['SELECT 1']"): ("TypeError", "Expected str, got list", True),
    ("fetchval without cache", "None"): ("AttributeError", "'NoneType' object has no attribute 'encode'", True),
    ("fetchval without cache", "['SELECT 1']"): ("TypeError", "Expected str, got list", True),
}


async def _observe(conn: Any, name: str, query: Any) -> tuple[str, str, bool]:
    needs_transaction, call = CALLS[name]
    if needs_transaction:
        await conn.execute("BEGIN")
    try:
        result = await call(conn, query)
    except Exception as exc:
        return (type(exc).__name__, str(exc), conn.is_closed())
    raise AssertionError(f"{name}({query!r}) returned {result!r}")


async def _observe_through(
    through: str, name: str, query: Any, settings: dict[str, Any], *, close: bool, **params: Any
) -> tuple[str, str, bool]:
    """The call on a connection of its own, or on a pool's connection (the pool given the same settings).

    The fakes are not closed (their script would have to say whether the call broke the connection)."""
    if through == "connect":
        conn = await asyncpg.connect(**params, **settings)
        try:
            return await _observe(conn, name, query)
        finally:
            if close:
                await conn.close()
    pool = await asyncpg.create_pool(**params, **settings, min_size=0, max_size=1)
    try:
        async with pool.acquire() as conn:
            return await _observe(conn, name, query)
    finally:
        if close:
            await pool.close()


def observe_real(
    params: dict[str, str], name: str, query: Any, settings: dict[str, Any], through: str = "connect"
) -> tuple[str, str, bool]:
    return asyncio.run(_observe_through(through, name, query, settings, close=True, **params))


def observe_fake(name: str, query: Any, settings: dict[str, Any], through: str = "connect") -> tuple[str, str, bool]:
    verifier = StrictVerifier()
    session = AsyncpgPlugin(verifier).new_session().expect("connect" if through == "connect" else "acquire")
    if CALLS[name][0]:
        session.expect("execute", returns="BEGIN")
    if through == "pool":
        session.expect("release")

    async def main() -> tuple[str, str, bool]:
        async with verifier.sandbox():
            return await _observe_through(through, name, query, settings, close=False, host="db")

    seen = contextvars.Context().run(asyncio.run, main())
    # nothing consumed or recorded beyond the script (and create_pool(), which no step answers): no unmocked call, no
    # unused step, no extra interaction
    assert len(verifier.interactions) == len(session.steps) + (through == "pool")
    for interaction in verifier.interactions:
        interaction.asserted = True
    verifier.verify_all()
    return seen


# A cache of one statement is still a cache; a limit of 0 on the cached statements' size means no limit.
@pytest.mark.parametrize(
    "settings",
    [{}, NO_CACHE, {"statement_cache_size": 1}, {"max_cacheable_statement_size": 0}],
    ids=["statement cache", "no statement cache", "cache of one", "no size limit"],
)
@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("through", ["connect", "pool"])
def test_query_of_the_wrong_type_fails_as_in_asyncpg(
    name: str, settings: dict[str, Any], through: str, postgres: dict[str, str]
) -> None:
    # A pool's connections take create_pool()'s statement cache settings, as connect()'s would.
    for query in QUERIES:
        real = observe_real(postgres, name, query, settings, through)
        assert observe_fake(name, query, settings, through) == real, (through, name, query)


@pytest.mark.parametrize(("name", "query"), sorted(EXPECTED))
def test_asyncpg_messages_are_pinned(name: str, query: str) -> None:
    settings = NO_CACHE if name.endswith(" without cache") else {}
    call = name.removesuffix(" without cache")
    assert observe_fake(call, eval(query), settings) == EXPECTED[name, query]


def test_a_str_subclass_is_a_query() -> None:
    class Sql(str):
        pass

    verifier = StrictVerifier()
    AsyncpgPlugin(verifier).new_session().expect("connect").expect("fetchval", returns=1)

    async def main() -> Any:
        with verifier.sandbox():
            conn = await asyncpg.connect()
            return await conn.fetchval(Sql("SELECT 1"))

    assert contextvars.Context().run(asyncio.run, main()) == 1
