"""What ``asyncpg.connect`` and ``asyncpg.create_pool`` do inside a sandbox, and what stays real there.

The core swaps the code of both functions while any sandbox is open (see ``bigfoot._patching``) and routes each
call made inside a sandbox here, with that sandbox's AsyncpgPlugin; calls made outside every sandbox reach asyncpg.

A real asyncpg pool, made outside bigfoot, opens each of its connections in ``Pool._get_new_connection``, which calls
``asyncpg.connect`` from whatever task needs the connection: a test's, inside its sandbox, when the code under test
acquires from a pool made before it. That method always runs outside the sandbox (``always_real``), so a real pool
keeps opening real connections and never takes a session of the test's script. bigfoot's fake pool never calls it.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Generator
from types import FunctionType
from typing import TYPE_CHECKING, Any, cast

import asyncpg

from .arguments import CONNECT, check_connect_arguments, check_connection_class, check_pool_connect_arguments

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ..._patching import InterceptedCall
    from .connection import Connection
    from .plugin import AsyncpgPlugin
    from .pool import Pool


SETTINGS = ("statement_cache_size", "max_cacheable_statement_size", "command_timeout")
"""The connect() arguments a fake connection reads (``Connection._use_settings``): the statement cache's size, the
largest statement it keeps, and command_timeout."""


@types.coroutine  # not an async def, for asyncio's debug mode: see Connection._exchange
def connect(plugin: AsyncpgPlugin, call: InterceptedCall) -> Generator[Any, None, Connection]:
    connection_class, *settings = call.values("connection_class", *SETTINGS)
    # asyncpg's own checks of the arguments come before any connection attempt: no session is taken.
    check_connection_class(connection_class, asyncpg.InterfaceError)
    fields = call.fields()
    check_connect_arguments(fields)
    if plugin.recording is not None:
        from . import recording

        recorded: Connection = yield from recording.connect(plugin, call)
        return recorded
    connection = plugin.open_connection(fields)
    connection._use_settings(settings)
    return connection


def create_pool(plugin: AsyncpgPlugin, call: InterceptedCall) -> Pool:
    value = call.value
    check_connection_class(value("connection_class"), TypeError)  # the pool's constructor checks it at once
    opener: Callable[..., Pool] = plugin.open_pool
    if plugin.recording is not None:
        from . import recording

        opener = functools.partial(recording.create_pool, plugin, call)
    pool = opener(
        call.fields(),
        min_size=value("min_size"),
        max_size=value("max_size"),
        init_size=value("init_size"),
        max_queries=value("max_queries"),
        lifetime=value("max_inactive_connection_lifetime"),
        init=value("init"),
        setup=value("setup"),
    )
    if plugin.recording is None:
        # Like asyncpg's pool, the fake keeps what its connections get from create_pool()'s connect keywords
        # (connect()'s defaults where it was not given them); each checkout hands it on.
        connect_kwargs = value("connect_kwargs")
        pool._connection_settings = [connect_kwargs.get(name, CONNECT[name].default) for name in SETTINGS]
        # asyncpg parses the connection arguments when the pool connects (init_size connections, then checkouts).
        # The pool keeps the call itself, whose repr masks the password it may hold.
        pool._check_connect = functools.partial(check_pool_connect_arguments, call)
    return pool


def always_real() -> tuple[FunctionType, ...]:
    """The asyncpg functions that run outside every sandbox: where a real pool opens its connections."""
    return (cast(FunctionType, asyncpg.pool.Pool._get_new_connection),)


def handlers() -> dict[FunctionType, Callable[[Any, InterceptedCall], Any]]:
    """The functions the plugin intercepts, each with its handler."""
    return {
        cast(FunctionType, asyncpg.connect): connect,
        cast(FunctionType, asyncpg.create_pool): create_pool,
    }
