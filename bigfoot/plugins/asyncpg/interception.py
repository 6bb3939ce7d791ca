"""What runs in place of ``asyncpg.connect`` and ``asyncpg.create_pool`` while a sandbox is open anywhere."""

from __future__ import annotations

from types import FunctionType
from typing import Any, cast

import asyncpg

from ..._patching import NOT_PASSED, FunctionPatch
from ..._sandbox import ACTIVE

CONNECT = FunctionPatch(cast(FunctionType, asyncpg.connect), f"{__name__}.connect_in_sandbox")
CREATE_POOL = FunctionPatch(cast(FunctionType, asyncpg.create_pool), f"{__name__}.create_pool_in_sandbox")
PATCHES = (CONNECT, CREATE_POOL)


async def connect_in_sandbox(passed: dict[str, Any]) -> Any:
    sandbox = ACTIVE.get()
    if sandbox is None:
        # No sandbox in this context: the call is not a test's, so it reaches asyncpg.
        return await CONNECT.call_original(passed)
    if sandbox.closed:
        raise sandbox.refuse_closed("asyncpg.connect()")
    from .plugin import AsyncpgPlugin

    return AsyncpgPlugin.of(sandbox.verifier).open_connection(CONNECT.passed_fields(passed))


def create_pool_in_sandbox(passed: dict[str, Any]) -> Any:
    sandbox = ACTIVE.get()
    if sandbox is None:
        return CREATE_POOL.call_original(passed)
    if sandbox.closed:
        raise sandbox.refuse_closed("asyncpg.create_pool()")
    from .plugin import AsyncpgPlugin

    defaults = CREATE_POOL.signature.parameters

    def value(name: str) -> Any:
        given = passed[name]
        return defaults[name].default if given is NOT_PASSED else given

    return AsyncpgPlugin.of(sandbox.verifier).open_pool(
        CREATE_POOL.passed_fields(passed),
        min_size=value("min_size"),
        max_size=value("max_size"),
        init_size=value("init_size"),
        max_queries=value("max_queries"),
        lifetime=value("max_inactive_connection_lifetime"),
        init=value("init"),
        setup=value("setup"),
    )
