"""Test cases that pass and fail on purpose, run by tests/asyncpg/test_unittest_mixin.py in throwaway unittest runs.

They live outside any test*.py module so that neither pytest nor `python -m unittest discover` collects them.
"""

from __future__ import annotations

import unittest
from typing import ClassVar

import asyncpg

import bigfoot
from bigfoot import BigfootMixin, BigfootTestCase, StrictVerifier


class Seen:
    verifiers: ClassVar[list[StrictVerifier]] = []


class Passing(BigfootTestCase):
    async def test_guide_example_with_self_asyncpg_mock(self) -> None:
        (
            self.asyncpg_mock.new_session()
            .expect("connect", returns=None)
            .expect("fetchval", returns=42)
            .expect("close", returns=None)
        )
        with bigfoot:
            conn = await asyncpg.connect(host="localhost", database="app", user="app")
            result = await conn.fetchval("SELECT count(*) FROM users")
            await conn.close()
        assert result == 42
        self.asyncpg_mock.assert_connect(host="localhost", database="app", user="app")
        self.asyncpg_mock.assert_fetchval(query="SELECT count(*) FROM users", args=[])
        self.asyncpg_mock.assert_close()
        Seen.verifiers.append(self.bigfoot_verifier)

    async def test_module_level_names_work_in_the_test(self) -> None:
        assert bigfoot.asyncpg_mock.verifier is self.bigfoot_verifier
        bigfoot.asyncpg_mock.new_session().expect("connect")
        async with bigfoot as verifier:
            await asyncpg.connect()
        assert verifier is self.bigfoot_verifier
        self.asyncpg_mock.assert_connect()
        Seen.verifiers.append(self.bigfoot_verifier)


class Failing(BigfootTestCase):
    async def test_unused_step(self) -> None:
        self.asyncpg_mock.new_session().expect("connect")

    async def test_unasserted_interaction(self) -> None:
        self.asyncpg_mock.new_session().expect("connect")
        with bigfoot:
            await asyncpg.connect(host="db")


class Composed(BigfootMixin, unittest.IsolatedAsyncioTestCase):
    log: ClassVar[list[str]] = []

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.log.append("setup")
        self.asyncpg_mock.new_session().expect("connect")

    async def asyncTearDown(self) -> None:
        self.log.append("teardown")
        self.asyncpg_mock.assert_connect(dsn="postgresql://x@y/z")
        await super().asyncTearDown()

    async def test_scripted_in_set_up_asserted_in_tear_down(self) -> None:
        with bigfoot:
            await asyncpg.connect("postgresql://x@y/z")
        self.log.append("test")
