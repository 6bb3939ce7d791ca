"""Environment variables read on every test and every connect, cheaply.

``os.environ.get()`` costs about half a microsecond for a variable that is not set: ``os.environ`` encodes the name
with a Python function, then raises and catches a ``KeyError``. bigfoot reads a few variables for every test (its
settings, record and validate mode) and, in the asyncpg plugin, for every connect, so it reads ``os.environ``'s own
dict instead, with each name encoded once. That dict is what ``os.environ`` keeps its values in: every change made
through ``os.environ`` (``monkeypatch.setenv`` included) updates it. This module is the one place that relies on it;
where ``os.environ`` is built otherwise, it falls back to ``os.environ`` itself.
"""

from __future__ import annotations

import os
from typing import Any

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

_environ = os.environ
_data: dict[Any, Any] | None = getattr(_environ, "_data", None)
_encode = getattr(_environ, "encodekey", str)
_decode = getattr(_environ, "decodevalue", str)
_keys: dict[str, Any] = {}
"""Each name read so far, encoded as ``os.environ`` keys its dict."""


def read(name: str) -> str:
    """The value of the environment variable ``name``; an empty string when it is not set."""
    data = _data
    if data is None:  # pragma: no cover - a platform whose os.environ is built otherwise
        return _environ.get(name, "")
    key = _keys.get(name)
    if key is None:
        key = _keys[name] = _encode(name)
    value = data.get(key)
    return "" if value is None else str(_decode(value))


class Snapshot:
    """Reads a fixed set of variables at once, for a memo's key: ``()`` when none is set, as is usual, otherwise each
    one's value as ``os.environ`` stores it (None when unset). Equal snapshots mean equal values."""

    __slots__ = ("_names", "_keys", "_key_set")

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._keys = tuple(map(_encode, names))
        self._key_set = frozenset(self._keys)

    def __call__(self) -> tuple[Any, ...]:
        data = _data
        if data is None:  # pragma: no cover - a platform whose os.environ is built otherwise
            return tuple(map(_environ.get, self._names))
        if data.keys().isdisjoint(self._key_set):
            return ()  # none of them is set: one scan in C finds that out
        return tuple(map(data.get, self._keys))
