"""Property-based tests of the asyncpg plugin: random scripts and random call sequences, wrong ones included.

Invariants: a call either consumes exactly one step and records exactly one interaction, or raises a bigfoot or
asyncpg error and records nothing; verification reports exactly the unasserted interactions and the unused required
steps; asyncpg.connect is the original object after every sandbox.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bigfoot import (
    InteractionMismatchError,
    StrictVerifier,
    UnassertedInteractionsError,
    UnmockedInteractionError,
    UnusedMocksError,
    VerificationError,
)
from bigfoot.plugins.asyncpg import AsyncpgPlugin

ORIGINAL_CONNECT_CODE = asyncpg.connect.__code__
QUERY_METHODS = ["execute", "fetch", "fetchrow", "fetchval"]
RETURNS = {"execute": "SELECT 1", "fetch": [{"a": 1}], "fetchrow": {"a": 1}, "fetchval": 1}
ALL_STEPS = ["connect", *QUERY_METHODS, "close"]


def step_for(script: list[tuple[str, bool]], position: int, method: str) -> int | None:
    """The index of the step a call of ``method`` uses: the next one, or the first of its kind past optional ones."""
    for index in range(position, len(script)):
        if script[index][0] == method:
            return index
        if script[index][1]:
            return None
    return None


class ScriptedSessions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.verifier = StrictVerifier()
        self.plugin = AsyncpgPlugin(self.verifier)
        self.handles: list[Any] = []
        self.scripts: list[list[tuple[str, bool]]] = []  # (method, required) per session, as scripted
        self.used: list[int] = []  # steps used per session
        self.taken = 0  # sessions handed out so far
        self.connection: Any = None
        self.connection_session = -1
        self.closed = False
        self.recorded = 0
        self.asserted = 0

    def run(self, coroutine_function: Any, *args: Any) -> Any:
        async def body() -> Any:
            return await coroutine_function(*args)

        with self.verifier.sandbox():
            return asyncio.run(body())

    @rule(required=st.booleans())
    def new_session(self, required: bool) -> None:
        self.handles.append(self.plugin.new_session())
        self.scripts.append([])
        self.used.append(0)
        self.add_step("connect", required)

    @precondition(lambda self: self.handles)
    @rule(method=st.sampled_from(ALL_STEPS), required=st.booleans(), which=st.integers(min_value=0))
    def add_step(self, method: str, required: bool, which: int = -1) -> None:
        index = len(self.handles) - 1 if which < 0 else which % len(self.handles)
        returns = RETURNS.get(method)
        self.handles[index].expect(method, returns=returns, required=required)
        self.scripts[index].append((method, required))

    @rule()
    def connect(self) -> None:
        target = step_for(self.scripts[self.taken], 0, "connect") if self.taken < len(self.scripts) else None
        expected_ok = target is not None
        before = len(self.verifier.interactions)
        try:
            connection = self.run(asyncpg.connect, "postgresql://u@h/d")
        except UnmockedInteractionError:
            assert not expected_ok
            assert len(self.verifier.interactions) == before
            return
        assert expected_ok
        self.connection = connection
        self.connection_session = self.taken
        self.used[self.taken] = (target or 0) + 1
        self.taken += 1
        self.closed = False
        self.recorded += 1

    @precondition(lambda self: self.connection is not None)
    @rule(method=st.sampled_from([*QUERY_METHODS, "close"]))
    def call(self, method: str) -> None:
        session = self.connection_session
        script = self.scripts[session]
        position = self.used[session]
        before = len(self.verifier.interactions)
        if method == "close" and self.closed:
            assert self.run(self.connection.close) is None
            assert len(self.verifier.interactions) == before
            return
        target = step_for(script, position, method)
        if method == "close":
            call = self.connection.close
            args: tuple[Any, ...] = ()
        else:
            call = getattr(self.connection, method)
            args = ("SELECT 1",)
        try:
            self.run(call, *args)
        except asyncpg.InterfaceError:
            assert self.closed
            assert len(self.verifier.interactions) == before
            return
        except UnmockedInteractionError:
            assert target is None
            assert len(self.verifier.interactions) == before
            if method == "close":
                self.closed = True  # asyncpg closes even when close() fails
            return
        assert target is not None and not self.closed
        self.used[session] = target + 1
        self.recorded += 1
        assert len(self.verifier.interactions) == before + 1
        if method == "close":
            self.closed = True

    @precondition(
        lambda self: (
            self.connection is not None
            and not self.closed
            and self.used[self.connection_session] < len(self.scripts[self.connection_session])
        )
    )
    @rule()
    def call_as_scripted(self) -> None:
        # Random calls rarely hit the script; this rule makes the call the script expects next.
        method = self.scripts[self.connection_session][self.used[self.connection_session]][0]
        if method == "connect":
            self.connect()
        else:
            self.call(method)

    @precondition(lambda self: self.asserted < self.recorded)
    @rule()
    def assert_next(self) -> None:
        interaction = self.verifier.interactions[self.asserted]
        helper = getattr(self.plugin, f"assert_{interaction.method}")
        helper(**interaction.fields)
        self.asserted += 1

    @precondition(lambda self: self.asserted < self.recorded)
    @rule()
    def assert_wrong_kind_is_refused(self) -> None:
        interaction = self.verifier.interactions[self.asserted]
        other = "close" if interaction.method != "close" else "connect"
        try:
            getattr(self.plugin, f"assert_{other}")()
        except InteractionMismatchError:
            return
        raise AssertionError("an assertion of the wrong kind matched")

    @invariant()
    def recorded_count_matches(self) -> None:
        assert len(self.verifier.interactions) == self.recorded

    @invariant()
    def connect_restored_outside_sandboxes(self) -> None:
        assert asyncpg.connect.__code__ is ORIGINAL_CONNECT_CODE

    def teardown(self) -> None:
        unasserted = self.verifier.interactions[self.asserted :]
        unused = [
            (number + 1, position + 1)
            for number, script in enumerate(self.scripts)
            for position, (_, required) in enumerate(script)
            if required and position >= self.used[number]
        ]
        try:
            self.verifier.verify_all()
        except UnmockedInteractionError as error:  # pragma: no cover - the rules never swallow an unmocked call
            raise AssertionError("an unmocked call that reached the test was reported again") from error
        except UnassertedInteractionsError as error:
            assert error.interactions == unasserted and not unused
        except UnusedMocksError as error:
            assert [(s.session, s.position) for s in error.steps] == unused and not unasserted
        except VerificationError as error:
            assert error.unasserted == unasserted
            assert [(s.session, s.position) for s in error.unused] == unused
        else:
            assert not unasserted and not unused


ScriptedSessions.TestCase.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)
test_scripted_sessions = ScriptedSessions.TestCase
