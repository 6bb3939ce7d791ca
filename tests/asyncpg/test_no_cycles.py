"""A finished test leaves no reference cycles of bigfoot's objects: its verifier, plugins, sessions, interactions,
sandbox and fakes are freed by reference counting as soon as the runner drops them, without waiting for the cyclic
garbage collector (which a suite with many tests would otherwise keep busy)."""

from __future__ import annotations

import asyncio
import contextvars
import gc
from collections.abc import Iterator

import asyncpg
import pytest

import bigfoot
from bigfoot import StrictVerifier
from bigfoot._current import install, uninstall
from bigfoot._sandbox import close_open


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """With the collector off, ``gc.garbage``: it keeps what falls into cycles once the test calls save_garbage()."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
        gc.collect()


def save_garbage() -> None:
    """Free what is in cycles now, then keep in ``gc.garbage`` whatever falls into cycles from here on.

    Called in the test's body, not in the fixture: pytest lets go of the previous failing test's exception
    (``sys.last_exc`` and its traceback, which may hold another test's verifier) only as the call phase begins.
    """
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)


def one_test() -> None:
    """One test's life as the runners live it: install, script, sandbox, calls, assertions, verification, uninstall,
    release (the runners' last step: the verifier drops its plugins, their sessions and sources, and its timeline)."""
    verifier = StrictVerifier()
    token = install(verifier)
    try:
        bigfoot.asyncpg_mock.new_session().expect("connect").expect("fetchval", returns=7).expect("close")

        async def code() -> None:
            async with bigfoot:
                con = await asyncpg.connect(host="db.invalid")
                assert await con.fetchval("SELECT 7") == 7
                await con.close()

        contextvars.copy_context().run(asyncio.run, code())
        bigfoot.asyncpg_mock.assert_connect(host="db.invalid")
        bigfoot.asyncpg_mock.assert_fetchval(query="SELECT 7", args=[])
        bigfoot.asyncpg_mock.assert_close()
        close_open(verifier)
        verifier.verify_all()
    finally:
        uninstall(token)
        verifier._release()


def test_a_finished_test_leaves_no_cycles_of_bigfoots_objects(saved_garbage: list[object]) -> None:
    save_garbage()
    one_test()
    gc.collect()
    # asyncio's own cycles (a finished event loop, its selector) are not bigfoot's: only bigfoot's objects count.
    ours = [obj for obj in saved_garbage if type(obj).__module__.partition(".")[0] == "bigfoot"]
    assert ours == [], sorted({type(obj).__qualname__ for obj in ours})
