"""Every public method of every fake has the signature of the installed asyncpg's method of the same name."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from asyncpg import connection, cursor, pool, prepared_stmt, transaction

from bigfoot import NotGiven
from bigfoot.plugins.asyncpg import connection as fake_connection
from bigfoot.plugins.asyncpg import cursor as fake_cursor
from bigfoot.plugins.asyncpg import pool as fake_pool
from bigfoot.plugins.asyncpg import prepared as fake_prepared
from bigfoot.plugins.asyncpg import transaction as fake_transaction

PAIRS = [
    (fake_connection.Connection, connection.Connection),
    (fake_prepared.PreparedStatement, prepared_stmt.PreparedStatement),
    (fake_cursor.Cursor, cursor.Cursor),
    (fake_cursor.CursorFactory, cursor.CursorFactory),
    (fake_transaction.Transaction, transaction.Transaction),
    (fake_pool.Pool, pool.Pool),
    (fake_pool.PoolAcquireContext, pool.PoolAcquireContext),
]

# Real Connection methods the fake does not offer yet; the fake answers them with an AttributeError naming bigfoot.
# None today: every Connection method of the installed asyncpg is faked.
NOT_FAKED: set[str] = set()


def public_methods(cls: type) -> dict[str, Any]:
    return {
        name: getattr(cls, name)
        for name in (dir(cls) if cls.__module__.startswith("asyncpg") else own_names(cls))
        if (not name.startswith("_") or name in ("__aenter__", "__aexit__", "__aiter__", "__await__"))
        and callable(getattr(cls, name))
    }


def own_names(cls: type) -> list[str]:
    # A fake's own methods, not those it inherits from the asyncpg class it subclasses for isinstance().
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("bigfoot"):
            names.update(vars(klass))
    return sorted(names)


def shape(function: Any) -> list[tuple[str, str, Any]]:
    params = []
    for param in inspect.signature(function).parameters.values():
        default = param.default
        if isinstance(default, NotGiven):
            default = default.default
        params.append((param.name, param.kind.name, default))
    return params


@pytest.mark.parametrize(("fake", "real"), PAIRS, ids=[real.__name__ for _, real in PAIRS])
def test_every_fake_method_has_the_real_signature(fake: type, real: type) -> None:
    fake_methods = public_methods(fake)
    real_methods = public_methods(real)
    assert fake_methods, fake
    for name, method in fake_methods.items():
        assert name in real_methods, f"{fake.__name__}.{name} does not exist in asyncpg"
        assert shape(method) == shape(real_methods[name]), f"{fake.__name__}.{name}"
        real_is_coroutine = inspect.iscoroutinefunction(real_methods[name])
        assert inspect.iscoroutinefunction(method) == real_is_coroutine, f"{fake.__name__}.{name}"


@pytest.mark.parametrize(("fake", "real"), PAIRS, ids=[real.__name__ for _, real in PAIRS])
def test_every_real_method_is_faked_or_listed(fake: type, real: type) -> None:
    missing = set(public_methods(real)) - set(public_methods(fake))
    expected = NOT_FAKED if real is connection.Connection else set()
    assert missing == expected


def without_annotations(function: Any) -> str:
    signature = inspect.signature(function)
    params = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


@pytest.mark.parametrize("name", ["fetch", "fetchval", "transaction", "copy_to_table", "set_type_codec"])
def test_signatures_print_like_asyncpg(name: str) -> None:
    fake = without_annotations(getattr(fake_connection.Connection, name))
    assert fake == without_annotations(getattr(connection.Connection, name))


async def test_methods_not_faked_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncpg

    from bigfoot import StrictVerifier
    from bigfoot.plugins.asyncpg import AsyncpgPlugin

    # A method a future asyncpg adds, before the fake has it.
    monkeypatch.setattr(connection.Connection, "add_log_listener_v2", lambda self: None, raising=False)

    verifier = StrictVerifier()
    plugin = AsyncpgPlugin(verifier)
    plugin.new_session().expect("connect")
    with verifier.sandbox():
        conn = await asyncpg.connect()
    with pytest.raises(AttributeError, match="bigfoot's fake asyncpg Connection does not offer add_log_listener_v2"):
        conn.add_log_listener_v2
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        conn.nonsense
    plugin.assert_connect()


def test_fidelity_table_lists_every_scenario_and_only_real_ones() -> None:
    import re
    from pathlib import Path

    from .scenarios import SCENARIOS

    text = (Path(__file__).resolve().parents[3] / "docs" / "fidelity.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| ---")][1:]
    named = {name for row in rows for name in re.findall(r"`(\w+)`", row.rsplit("|", 2)[-2])}
    assert named == set(SCENARIOS)
    not_faked = text.split("Not offered yet", 1)[1].split("\n\n", 1)[0].split("says so):", 1)[1]
    assert set(re.findall(r"`(\w+)`", not_faked)) == NOT_FAKED
