"""The fake Transaction (transaction.py) beyond what the contract and differential scenarios reach: nested blocks
that name an isolation level inside an aborted block, and where its errors point."""

from __future__ import annotations

import asyncpg
import pytest

from bigfoot import StrictVerifier
from bigfoot.plugins.asyncpg import AsyncpgPlugin, postgres_error

from .frames import hidden_bigfoot_modules

DIVISION_BY_ZERO = postgres_error("22012", "division by zero")


def _aborted_block(apg: AsyncpgPlugin) -> None:
    apg.new_session().expect("connect").expect("begin").expect("execute", raises=DIVISION_BY_ZERO).expect("rollback")


async def test_a_nested_level_under_a_block_without_one_is_refused_by_the_aborted_block_unrecorded(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # asyncpg asks the server for the outer block's level, a question the aborted block refuses with 25P02. The fake
    # never records that question, so it records no refusal either.
    _aborted_block(apg)
    with verifier.sandbox():
        conn = await asyncpg.connect()
        outer = conn.transaction()
        await outer.start()
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.execute("SELECT 1/0")
        recorded = len(verifier.interactions)
        with pytest.raises(asyncpg.InFailedSQLTransactionError):
            await conn.transaction(isolation="read_committed").start()
        assert len(verifier.interactions) == recorded
        await outer.rollback()


async def test_a_nested_level_equal_to_the_outer_one_sends_the_savepoint(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # With the outer level known, nothing is asked: the SAVEPOINT is sent, and the aborted block refuses it (a refused
    # call is recorded). The level is compared by value: one read from settings is not the same string object.
    _aborted_block(apg)
    level = "".join(["serial", "izable"])
    with verifier.sandbox():
        conn = await asyncpg.connect()
        outer = conn.transaction(isolation="serializable")
        await outer.start()
        with pytest.raises(asyncpg.DivisionByZeroError):
            await conn.execute("SELECT 1/0")
        recorded = len(verifier.interactions)
        with pytest.raises(asyncpg.InFailedSQLTransactionError):
            await conn.transaction(isolation=level).start()
        assert len(verifier.interactions) == recorded + 1
        await outer.rollback()


async def test_a_nested_block_naming_another_level_is_refused_whichever_sorts_first(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    apg.new_session().expect("connect").expect("begin").expect("rollback")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        outer = conn.transaction(isolation="serializable")
        await outer.start()
        with pytest.raises(asyncpg.InterfaceError, match="current 'read_committed' != outer 'serializable'"):
            await conn.transaction(isolation="read_committed").start()
        await outer.rollback()


async def test_after_its_async_with_block_a_transaction_is_over_not_managed(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # Leaving the block ends asyncpg's management of it: a later commit() is refused because the block committed.
    apg.new_session().expect("connect").expect("begin").expect("commit")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        block = conn.transaction()
        async with block:
            pass
        with pytest.raises(asyncpg.InterfaceError, match="cannot commit; the transaction is already committed"):
            await block.commit()


async def test_a_misused_transaction_is_reported_without_bigfoots_frames(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # The error points at the code that misused the transaction: pytest and unittest leave every bigfoot frame of its
    # traceback out of the report, the transaction's own included.
    apg.new_session().expect("connect")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(asyncpg.InterfaceError, match="not yet started") as info:
            await conn.transaction().commit()
    assert "bigfoot.plugins.asyncpg.transaction" in hidden_bigfoot_modules(info.value)
