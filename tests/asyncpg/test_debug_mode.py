"""The fake makes no native coroutine of its own but a pool's: each operation makes those of asyncpg's methods it calls.

asyncio's debug mode, which ``IsolatedAsyncioTestCase`` turns on, records where every native coroutine (``async def``)
was made, walking ten frames and their line numbers: under unittest that cost more than the rest of a query. So
the fake's inner coroutines (the exchange every call goes through, the connect handler, a transaction's steps, a
pool's acquisition, a cursor's opening) are generator-based, which debug mode does not track, and the methods asyncpg
itself defines as ``async def`` make the native coroutines. Each test lists the native coroutines bigfoot's code made
during one operation.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg

import bigfoot
from bigfoot import StrictVerifier
from bigfoot._current import install, uninstall

_PACKAGE = str(Path(bigfoot.__file__).parent)


@contextmanager
def native_coroutines() -> Iterator[list[str]]:
    """The names of the native coroutines bigfoot's code starts inside the block, each counted once."""
    started: list[str] = []
    frames: list[FrameType] = []  # kept, so that no frame's id is reused while the block runs

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        code = frame.f_code
        if event != "call" or not code.co_flags & inspect.CO_COROUTINE or any(f is frame for f in frames):
            return
        if code.co_filename.startswith((_PACKAGE, "<bigfoot")):
            frames.append(frame)
            started.append(code.co_name)

    sys.setprofile(profile)
    try:
        yield started
    finally:
        sys.setprofile(None)


def run_scripted(script: Callable[[Any], object], code: Callable[[], Awaitable[dict[str, list[str]]]]) -> Any:
    """Script sessions (``script`` gets the plugin), run ``code`` in debug mode inside a sandbox, and return what it
    collected."""
    verifier = StrictVerifier()
    token = install(verifier)
    try:
        script(bigfoot.asyncpg_mock)

        async def sandboxed() -> dict[str, list[str]]:
            with bigfoot:
                return await code()

        found = asyncio.run(sandboxed(), debug=True)
        verifier._timeline.clear()  # what the code did is not this test's subject
        return found
    finally:
        uninstall(token)
        verifier._release()


def test_connect_query_and_close_make_only_asyncpgs_coroutines() -> None:
    async def code() -> dict[str, list[str]]:
        found = {}
        with native_coroutines() as found["connect"]:
            conn = await asyncpg.connect(host="db.invalid")
        with native_coroutines() as found["fetchval"]:
            await conn.fetchval("SELECT 1")
        with native_coroutines() as found["execute"]:
            await conn.execute("SELECT $1", 2)
        with native_coroutines() as found["close"]:
            await conn.close()
        return found

    found = run_scripted(
        lambda apg: (
            apg.new_session()
            .expect("connect")
            .expect("fetchval", returns=1)
            .expect("execute", returns="SELECT 1")
            .expect("close")
        ),
        code,
    )
    # connect is asyncpg.connect's own body, swapped for bigfoot's while the sandbox is open
    assert found == {"connect": ["connect"], "fetchval": ["fetchval"], "execute": ["execute"], "close": ["close"]}


def test_a_transaction_block_makes_only_asyncpgs_coroutines() -> None:
    async def code() -> dict[str, list[str]]:
        conn = await asyncpg.connect(host="db.invalid")
        found = {}
        with native_coroutines() as found["block"]:
            async with conn.transaction():
                async with conn.transaction():
                    pass
        with native_coroutines() as found["manual"]:
            tx = conn.transaction()
            await tx.start()
            await tx.rollback()
        return found

    found = run_scripted(
        lambda apg: (
            apg.new_session()
            .expect("connect")
            .expect("begin")
            .expect("savepoint")
            .expect("release_savepoint")
            .expect("commit")
            .expect("begin")
            .expect("rollback")
        ),
        code,
    )
    assert found == {
        "block": ["__aenter__", "start", "__aenter__", "start", "__aexit__", "__aexit__"],
        "manual": ["start", "rollback"],
    }


def test_a_cursor_makes_only_asyncpgs_coroutines() -> None:
    async def code() -> dict[str, list[str]]:
        conn = await asyncpg.connect(host="db.invalid")
        found = {}
        async with conn.transaction():
            with native_coroutines() as found["awaited"]:
                cursor = await conn.cursor("SELECT 1")
                await cursor.fetch(1)
            with native_coroutines() as found["iterated"]:
                async for _ in conn.cursor("SELECT 1"):
                    pass
        return found

    found = run_scripted(
        lambda apg: (
            apg.new_session()
            .expect("connect")
            .expect("begin")
            .expect("cursor", returns=[{"n": 1}])
            .expect("cursor", returns=[{"n": 1}])
            .expect("commit")
        ),
        code,
    )
    # one __anext__ for the row, one for the end
    assert found == {"awaited": ["fetch"], "iterated": ["__anext__", "__anext__"]}


def test_a_pool_makes_only_asyncpgs_coroutines_its_start_and_its_checkouts() -> None:
    async def code() -> dict[str, list[str]]:
        found = {}
        with native_coroutines() as found["create"]:
            pool = await asyncpg.create_pool(host="db.invalid", min_size=0)
        with native_coroutines() as found["block"]:
            async with pool.acquire() as con:
                await con.fetchval("SELECT 1")
        with native_coroutines() as found["await"]:
            con = await pool.acquire()
            await pool.release(con)
        with native_coroutines() as found["shortcut"]:
            await pool.fetchval("SELECT 1")
        with native_coroutines() as found["close"]:
            await pool.close()
        return found

    def script(apg: Any) -> None:
        apg.new_session().expect("acquire").expect("fetchval", returns=1).expect("release")
        apg.new_session().expect("acquire").expect("release")
        apg.new_session().expect("acquire").expect("fetchval", returns=1).expect("release")

    found = run_scripted(script, code)
    # Pool._initialize and Pool._check_out stay async defs: record mode's pool overrides both with its own, which talk
    # to the real server, and a checkout awaits the pool's init and setup callbacks, which may return any awaitable.
    # A pool's shortcut checks out with `async with self.acquire()`, as asyncpg's does.
    assert found == {
        "create": ["_initialize"],
        "block": ["__aenter__", "_check_out", "fetchval", "__aexit__", "release"],
        "await": ["_check_out", "release"],
        "shortcut": ["fetchval", "__aenter__", "_check_out", "fetchval", "__aexit__", "release"],
        "close": ["close"],
    }
