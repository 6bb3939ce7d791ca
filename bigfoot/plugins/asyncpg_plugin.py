"""Kept so that ``from bigfoot.plugins.asyncpg_plugin import AsyncpgPlugin`` goes on working."""

from .asyncpg.plugin import AsyncpgPlugin, postgres_error

__all__ = ["AsyncpgPlugin", "postgres_error"]
