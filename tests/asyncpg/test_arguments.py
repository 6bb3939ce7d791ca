"""The connect-argument checks: asyncpg's parser runs once per distinct set of arguments and environment."""

from __future__ import annotations

import inspect
import re

import asyncpg
import asyncpg.connect_utils
import pytest

from bigfoot.plugins.asyncpg import arguments


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
    defaults = inspect.signature(asyncpg.connect).parameters

    def value(name: str) -> object:
        return "postgresql://u:s3cret@h/db" if name == "dsn" else defaults[name].default

    arguments.check_connect_arguments(value)
    arguments.check_connect_arguments(value)
    assert len(calls) <= 1  # parsed at most once (not at all if an earlier test saw the same arguments)
    assert all(isinstance(key, bytes) and len(key) == 32 for key in arguments._accepted)  # digests, no arguments

    monkeypatch.setenv("PGSSLMODE", "nonsense")
    with pytest.raises(asyncpg.ClientConfigurationError, match="sslmode"):
        arguments.check_connect_arguments(value)
