"""The asyncpg plugin: scripted fakes of ``asyncpg.connect``, ``asyncpg.create_pool`` and what they hand out.

Importing this package does not import asyncpg; ``AsyncpgPlugin`` and ``postgres_error`` load it on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plugin import AsyncpgPlugin, postgres_error

__all__ = ["AsyncpgPlugin", "postgres_error"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import plugin

        return getattr(plugin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
