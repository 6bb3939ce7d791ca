"""What runs in place of ``asyncpg.connect`` while a sandbox is open anywhere in the process."""

from __future__ import annotations

from types import FunctionType
from typing import Any, cast

import asyncpg

from .._patching import FunctionPatch
from .._sandbox import ACTIVE

CONNECT = FunctionPatch(cast(FunctionType, asyncpg.connect), f"{__name__}.connect_in_sandbox")
PATCHES = (CONNECT,)


async def connect_in_sandbox(passed: dict[str, Any]) -> Any:
    sandbox = ACTIVE.get()
    if sandbox is None:
        # No sandbox in this context: the call is not a test's, so it reaches asyncpg.
        return await CONNECT.call_original(passed)
    if sandbox.closed:
        raise sandbox.refuse_closed("asyncpg.connect()")
    from ..plugins.asyncpg_plugin import AsyncpgPlugin

    return AsyncpgPlugin.of(sandbox.verifier).open_connection(CONNECT.passed_fields(passed))
