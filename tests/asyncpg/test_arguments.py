"""The connect-argument checks: asyncpg's parser runs once per distinct set of arguments and environment."""

from __future__ import annotations

import asyncio
import inspect
import re
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import asyncpg.connect_utils
import pytest

from bigfoot import StrictVerifier
from bigfoot._patching import Arguments
from bigfoot.plugins.asyncpg import AsyncpgPlugin, arguments

from .frames import hidden_bigfoot_modules


def test_the_memo_knows_every_environment_variable_asyncpg_reads() -> None:
    source = inspect.getsource(asyncpg.connect_utils)
    assert set(re.findall(r"'(PG[A-Z_]+)'", source)) == set(arguments._ENVIRONMENT)


def connect_arguments(**given: object) -> Arguments:
    """What an intercepted ``asyncpg.connect()`` hands the check: the arguments the caller gave, by name."""
    return Arguments(given)


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
    passed = connect_arguments(dsn="postgresql://u:s3cret@h/db")

    arguments.check_connect_arguments(passed)
    arguments.check_connect_arguments(passed)
    assert len(calls) <= 1  # parsed at most once (not at all if an earlier test saw the same arguments)
    # hashes (or digests), never the arguments themselves: a DSN may hold a password
    assert all(type(key) is int or (type(key) is bytes and len(key) == 32) for key in arguments._accepted)

    monkeypatch.setenv("PGSSLMODE", "nonsense")
    with pytest.raises(asyncpg.ClientConfigurationError, match="sslmode"):
        arguments.check_connect_arguments(passed)


def test_arguments_that_cannot_be_hashed_are_remembered_by_a_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(arguments, "_parse", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(arguments, "_accepted", set())
    passed = connect_arguments(dsn="postgresql://h/db", server_settings={"application_name": "app"})

    arguments.check_connect_arguments(passed)
    arguments.check_connect_arguments(passed)
    assert len(calls) == 1
    assert [type(key) for key in arguments._accepted] == [bytes]


def test_a_pool_and_connect_share_no_key_unless_they_pass_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # A pool's connect keywords leave out what they do not name; connect() passes it as not given. An explicit None is
    # neither, and is parsed on its own: asyncpg's default for statement_cache_size is 100, not None.
    seen: list[object] = []
    monkeypatch.setattr(arguments, "_parse", lambda **kwargs: seen.append(kwargs["statement_cache_size"]))
    monkeypatch.setattr(arguments, "_accepted", set())
    pool = SimpleNamespace(passed=Arguments(dsn="postgresql://h/db", connect_kwargs={}))  # create_pool()'s call
    arguments.check_pool_connect_arguments(cast(Any, pool))
    given = connect_arguments(dsn="postgresql://h/db")
    arguments.check_connect_arguments(given)  # the same arguments as the pool's: not parsed again
    given["statement_cache_size"] = None
    arguments.check_connect_arguments(given)
    assert seen == [100, None]


def test_the_password_is_not_part_of_the_memos_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser only hands a given password on, so what it accepts does not depend on it; nor is a hash of it kept.
    calls: list[object] = []
    monkeypatch.setattr(arguments, "_parse", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(arguments, "_accepted", set())
    arguments.check_connect_arguments(connect_arguments(host="h", password="first"))
    arguments.check_connect_arguments(connect_arguments(host="h", password="second"))
    assert len(calls) == 1 and len(arguments._accepted) == 1
    arguments.check_connect_arguments(connect_arguments(host="other", password="first"))
    assert len(calls) == 2


def test_the_memo_of_accepted_arguments_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every distinct set of arguments the parser accepted is remembered, up to a bound, so code that connects with
    # endless distinct arguments does not grow the memo without end.
    monkeypatch.setattr(arguments, "_parse", lambda **kwargs: None)  # the memo is under test, not asyncpg's parser
    monkeypatch.setattr(arguments, "_accepted", set())
    for n in range(1100):
        arguments.check_connect_arguments(connect_arguments(dsn=f"postgresql://h{n}/db"))
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


async def test_a_refused_connect_or_create_pool_is_reported_without_bigfoots_frames(verifier: StrictVerifier) -> None:
    # asyncpg.connect() and create_pool() check their arguments before anything else: the error points at the call,
    # and the frames of bigfoot's interception of it are left out of the report too.
    with verifier.sandbox():
        with pytest.raises(asyncpg.InterfaceError, match="connection_class is expected to be a subclass") as info:
            await asyncpg.connect(connection_class=int)  # type: ignore[type-var]
        assert "bigfoot.plugins.asyncpg.interception" in hidden_bigfoot_modules(info.value)
        with pytest.raises(TypeError, match="connection_class is expected to be a subclass") as info:
            asyncpg.create_pool(connection_class=int)  # type: ignore[type-var]
        assert "bigfoot.plugins.asyncpg.interception" in hidden_bigfoot_modules(info.value)


async def test_a_dsn_that_holds_a_password_is_parsed_as_given_though_it_is_recorded_masked(
    verifier: StrictVerifier, apg: AsyncpgPlugin
) -> None:
    # The check reads the call's recorded fields, where such a DSN is sealed: the parser must see the real text, and
    # an accepted one is recorded (and asserted) as the code passed it.
    apg.new_session().expect("connect").expect("close")
    with verifier.sandbox():
        with pytest.raises(asyncpg.ClientConfigurationError, match="sslmode"):
            await asyncpg.connect("postgresql://u:Sw33p@h/db?sslmode=sometimes")
        conn = await asyncpg.connect("postgresql://u:Sw33p@h/db?sslmode=disable")
        await conn.close()
    apg.assert_connect(dsn="postgresql://u:Sw33p@h/db?sslmode=disable")
    apg.assert_close()


def _bigfoot_locals(error: BaseException) -> str:
    """The reprs of the locals of every bigfoot frame the error passed through."""
    shown = []
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__", "").startswith("bigfoot"):
            shown.append(repr(frame.f_locals))
        tb = tb.tb_next
    assert shown, "the error passed through no bigfoot frame"
    return "\n".join(shown)


async def test_an_argument_error_shows_no_password_in_bigfoots_frames(verifier: StrictVerifier) -> None:
    # A DSN holding a password, refused by asyncpg's parser when connect() is called and when a pool connects: the
    # frames of bigfoot's checks hold the arguments sealed or in an Arguments, never as plain text.
    unhashable = {"application_name": "app"}  # a dict: the memo's key is a digest of the arguments' text
    with verifier.sandbox():
        for settings in (None, unhashable):
            with pytest.raises(asyncpg.ClientConfigurationError) as info:
                await asyncpg.connect("postgresql://u:Sw33p@h/db?sslmode=sometimes", server_settings=settings)
            assert "Sw33p" not in _bigfoot_locals(info.value)
            pool = await asyncpg.create_pool(
                "postgresql://u:Sw33p@h/db?sslmode=sometimes", min_size=0, server_settings=settings
            )
            with pytest.raises(asyncpg.ClientConfigurationError) as info:
                await pool.acquire()
            assert "Sw33p" not in _bigfoot_locals(info.value)
