"""The plugins that come with bigfoot, registered when bigfoot is imported; none imports its library until used.

Each plugin lives in a folder of its own (``bigfoot/plugins/asyncpg/``) and registers itself with
``bigfoot.register_plugin``; the names below are re-exported by ``bigfoot``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import asyncpg as _asyncpg
from .asyncpg.record import Record

if TYPE_CHECKING:
    from .asyncpg.plugin import AsyncpgPlugin

    asyncpg_mock: AsyncpgPlugin
else:
    asyncpg_mock = _asyncpg.REGISTRATION.proxy

__all__ = ["Record", "asyncpg_mock"]
