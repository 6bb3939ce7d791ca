"""Which asyncpg arguments hold secrets, and how a secret written inside a connection string is masked.

This module does not import asyncpg: the core masks output before (or without) the plugin being loaded.
"""

from __future__ import annotations

from ..._render import MASK

SECRET_FIELDS = frozenset({"password", "sslpassword"})


def mask_dsn(text: str) -> str:
    """``text`` with the password parts of any connection string in it replaced by ``***``."""
    if "://" not in text and "password=" not in text:
        return text
    import re  # only when a message shows a connection string

    # A DSN carries its password as ``scheme://user:password@host`` (asyncpg splits at the last ``@``) or as a
    # ``password=`` / ``sslpassword=`` query key.
    text = re.sub(r"(://[^:/@?#]*:)[^/?#]*@", lambda m: m[1] + MASK + "@", text)
    return re.sub(r"([?&](?:ssl)?password=)[^&#]*", lambda m: m[1] + MASK, text)
