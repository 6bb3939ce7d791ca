"""Masking the secrets the asyncpg plugin declares: passwords, including those written inside a connection string."""

from __future__ import annotations

from bigfoot._render import mask_text


def test_masking_connection_strings() -> None:
    assert mask_text("postgresql://u:secret@h/d") == "postgresql://u:***@h/d"
    assert mask_text("postgresql://h/d?user=u&password=secret&x=1") == "postgresql://h/d?user=u&password=***&x=1"
    assert mask_text("no secrets here") == "no secrets here"
