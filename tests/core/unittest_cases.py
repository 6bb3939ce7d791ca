"""Test cases that pass and fail on purpose, run by tests/core/test_unittest_mixin.py in throwaway unittest runs.

They live outside any test*.py module so that neither pytest nor `python -m unittest discover` collects them.
"""

from __future__ import annotations

import subprocess
import unittest
from typing import ClassVar

import bigfoot
from bigfoot import BigfootMixin, BigfootTestCase, StrictVerifier

from . import subprocess_plugin  # noqa: F401 - registers bigfoot.subprocess_mock / self.subprocess_mock


def done(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(list(args), 0)


class Seen:
    verifiers: ClassVar[list[StrictVerifier]] = []


class Passing(BigfootTestCase):
    async def test_through_self(self) -> None:
        self.subprocess_mock.new_session().expect("run", returns=done("ls"))
        with bigfoot:
            assert subprocess.run(["ls"]).args == ["ls"]
        self.subprocess_mock.assert_run(popenargs=[["ls"]])
        Seen.verifiers.append(self.bigfoot_verifier)

    async def test_module_level_names_work_in_the_test(self) -> None:
        assert bigfoot.subprocess_mock.verifier is self.bigfoot_verifier
        bigfoot.subprocess_mock.new_session().expect("check_output", returns="out")
        async with bigfoot as verifier:
            assert subprocess.check_output(["cat"]) == "out"
        assert verifier is self.bigfoot_verifier
        self.subprocess_mock.assert_check_output(popenargs=[["cat"]])
        Seen.verifiers.append(self.bigfoot_verifier)


class Failing(BigfootTestCase):
    async def test_unused_step(self) -> None:
        self.subprocess_mock.new_session().expect("run", returns=done("ls"))

    async def test_unasserted_interaction(self) -> None:
        self.subprocess_mock.new_session().expect("run", returns=done("ls"))
        with bigfoot:
            subprocess.run(["ls", "-l"])


class Composed(BigfootMixin, unittest.IsolatedAsyncioTestCase):
    log: ClassVar[list[str]] = []

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.log.append("setup")
        self.subprocess_mock.new_session().expect("run", returns=done("x"))

    async def asyncTearDown(self) -> None:
        self.log.append("teardown")
        self.subprocess_mock.assert_run(popenargs=[["x"]])
        await super().asyncTearDown()

    async def test_scripted_in_set_up_asserted_in_tear_down(self) -> None:
        with bigfoot:
            subprocess.run(["x"])
        self.log.append("test")


class Synchronous(BigfootMixin, unittest.TestCase):
    """A test case that is not IsolatedAsyncioTestCase, as Django's are: the verifier lives in setUp/tearDown."""

    log: ClassVar[list[str]] = []

    def setUp(self) -> None:
        super().setUp()
        self.log.append(f"setup {self.bigfoot_verifier.hint_owner}")

    def test_passes(self) -> None:
        self.subprocess_mock.new_session().expect("run", returns=done("x"))
        with bigfoot:
            subprocess.run(["x"])
        self.subprocess_mock.assert_run(popenargs=[["x"]])

    def test_fails_unasserted(self) -> None:
        self.subprocess_mock.new_session().expect("run", returns=done("y"))
        with bigfoot:
            subprocess.run(["y"])
