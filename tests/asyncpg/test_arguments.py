"""The connect-argument checks: asyncpg's parser runs once per distinct set of arguments and environment."""

from __future__ import annotations

import asyncio
import inspect
import re

import asyncpg
import asyncpg.connect_utils
import pytest

from bigfoot import StrictVerifier
from bigfoot._notgiven import NOT_GIVEN
from bigfoot._patching import Arguments
from bigfoot.plugins.asyncpg import AsyncpgPlugin, arguments

from .frames import hidden_bigfoot_modules


def test_the_memo_knows_every_environment_variable_asyncpg_reads() -> None:
    source = inspect.getsource(asyncpg.connect_utils)
    assert set(re.findall(r"'(PG[A-Z_]+)'", source)) == set(arguments._ENVIRONMENT)


def test_accepted_arguments_are_not_parsed_again_but_a_changed_environment_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []
    real = arguments._parse
    assert real is not None

    def counting(**kwargs: object) -> object:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(arguments, "_parse", counting)
    passed = Arguments(dsn="postgresql://u:s3cret@h/db", password=NOT_GIVEN)

    arguments.check_connect_arguments(passed)
    arguments.check_connect_arguments(passed)
    assert len(calls) <= 1  # parsed at most once (not at all if an earlier test saw the same arguments)
    assert all(isinstance(key, bytes) and len(key) == 32 for key in arguments._accepted)  # digests, no arguments

    monkeypatch.setenv("PGSSLMODE", "nonsense")
    with pytest.raises(asyncpg.ClientConfigurationError, match="sslmode"):
        arguments.check_connect_arguments(passed)


def test_the_memo_of_accepted_arguments_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every distinct set of arguments the parser accepted is remembered, up to a bound, so code that connects with
    # endless distinct arguments does not grow the memo without end.
    monkeypatch.setattr(arguments, "_parse", lambda **kwargs: None)  # the memo is under test, not asyncpg's parser
    monkeypatch.setattr(arguments, "_accepted", set())
    for n in range(1100):
        arguments.check_connect_arguments(Arguments(dsn=f"postgresql://h{n}/db"))
    assert len(arguments._accepted) == 1024


@pytest.mark.parametrize("timeout", [0.5, True, "0.25", 3])
def test_prepare_takes_any_timeout_above_zero(timeout: object) -> None:
    # prepare() converts timeout= with float() alone: a value above zero, even below one second, is accepted.
    arguments.check_query_timeout(timeout, wrapped=False)


@pytest.mark.parametrize("timeout", [0, -1, 0.0, False])
def test_prepare_times_out_at_once_for_a_timeout_of_zero_or_less(timeout: object) -> None:
    with pytest.raises(asyncio.TimeoutError):
        arguments.check_query_timeout(timeout, wrapped=False)


async def test_a_rejected_argument_is_reported_without_bigfoots_frames(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # The error points at the code that passed the argument: pytest and unittest leave every bigfoot frame of its
    # traceback out of the report, the frames of the check that rejected it included.
    apg.new_session().expect("connect")
    with verifier.sandbox():
        conn = await asyncpg.connect()
        with pytest.raises(ValueError, match="invalid timeout value") as info:
            await conn.fetch("SELECT 1", timeout="soon")
    assert "bigfoot.plugins.asyncpg.arguments" in hidden_bigfoot_modules(info.value)
