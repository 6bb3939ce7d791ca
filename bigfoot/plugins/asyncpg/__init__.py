"""The asyncpg plugin: scripted fakes of ``asyncpg.connect``, ``asyncpg.create_pool`` and what they hand out.

Importing this package registers the plugin (``bigfoot.asyncpg_mock``) but does not import asyncpg;
``AsyncpgPlugin`` and ``postgres_error`` load it on first use.

Where things are: ``plugin`` (scripting, the call path, assertion helpers), ``steps`` (step names and the shape of
their answers), ``interception`` (what ``asyncpg.connect``/``create_pool`` do inside a sandbox), ``connection``,
``pool``, ``transaction``, ``prepared``, ``cursor`` and ``record`` (the fakes), ``placeholders`` (counting ``$n``),
``described`` (what the server describes, scripted as step options), ``scripting`` (helpers for common shapes of a
script: transaction blocks, pool shortcuts), ``defaults`` (parameter defaults), ``resource`` (objects tied to a
connection), ``secrets`` (masking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._registry import register_plugin
from .secrets import SECRET_FIELDS, mask_dsn

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .plugin import AsyncpgPlugin, AsyncpgSessionHandle, connection_lost, pg_type, postgres_error

__all__ = ["AsyncpgPlugin", "AsyncpgSessionHandle", "connection_lost", "pg_type", "postgres_error"]

REGISTRATION = register_plugin(
    "bigfoot.plugins.asyncpg.plugin:AsyncpgPlugin",
    hint_name="asyncpg_mock",
    requires="asyncpg",
    install_hint="pip install asyncpg (the asyncpg extra of bigfoot-asyncpg)",
    secret_fields=SECRET_FIELDS,
    mask_text=mask_dsn,
)


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import plugin

        return getattr(plugin, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
