"""Keeping secrets out of everything bigfoot shows: messages, reprs, tracebacks, pickled errors, recorded files.

Plugins declare which recorded fields always hold secrets (``password``) and how to find a secret written inside a
text (a connection string's password); see ``bigfoot._registry``. Numbers (int, float, bool) are not text: one holds
a secret only in a secret field. Two things follow from that here:

- ``masked_repr(value)`` is the repr of a value with its secrets replaced by ``***``. A string is masked as the
  string it is and then quoted, so the result stays well formed; containers are masked item by item.
- ``seal(fields)`` is applied where a call's arguments become recorded fields (``InterceptedCall.fields()``) and
  where an assertion's expected fields arrive (``StrictVerifier._match``). Each value that holds a secret is
  replaced, in the same dict, by a ``Secret``: it compares equal to the real value (so assertions and matchers work
  as before) but its repr, its str and its pickled form show only the masked text. Holding secrets this way, from
  the moment they are captured, is what keeps them out of tracebacks: ``--showlocals`` or a debugger sees
  ``<masked '***'>`` in every bigfoot frame, and an error sent to another process carries no secret.
"""

from __future__ import annotations

from typing import Any

from ._registry import mask_text, secret_fields

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

MASK = "***"
"""What a masked secret shows as; plugins' ``mask_text`` functions use it too."""


class Secret:
    """A recorded value that holds a secret: equal to the real value, shown only masked.

    ``repr()`` and ``str()`` give ``<masked '***'>`` (or the masked text, for a connection string); messages show
    the masked text alone, as in ``password='***'``. Pickling keeps only the masked text: the copy equals nothing
    but another copy of it.
    """

    __slots__ = ("_value", "shown")

    def __init__(self, value: Any, shown: str) -> None:
        self._value = value
        self.shown = shown
        """The value's repr with its secrets masked, as messages show it (``'***'``)."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            if self._value is _GONE or other._value is _GONE:
                return self._value is other._value and self.shown == other.shown
            other = other._value
        elif self._value is _GONE:
            return False
        try:
            return bool(self._value == other)
        except Exception:  # a value whose comparison raises is not equal
            return False

    def __hash__(self) -> int:
        try:
            return hash(self._value)
        except TypeError:
            return hash(self.shown)

    def __repr__(self) -> str:
        return f"<masked {self.shown}>"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (_masked_copy, (self.shown,))


class SecretText(str):
    """A text that holds a secret, such as a DSN with its password: the text itself, but its repr is masked.

    For values bigfoot must hand on as they are (the record and validate targets, which asyncpg connects to), so
    that a frame holding one shows ``<masked 'postgresql://app:***@db/app'>`` in a traceback.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<masked {mask_text(str.__str__(self))!r}>"


class _Gone:
    """The value of a Secret that went through pickling: it stayed behind."""

    def __repr__(self) -> str:
        return "<not sent>"


_GONE = _Gone()


def _masked_copy(shown: str) -> Secret:
    return Secret(_GONE, shown)


_clean: set[str] = set()
"""Texts found to hide no secret (see ``seal``)."""


def forget_clean() -> None:
    """The registered plugins changed: a text clean before may hide a secret now."""
    _clean.clear()


def reveal(value: Any) -> Any:
    """The real value behind a ``Secret`` (for handing to the real library); other values as they are."""
    return value._value if type(value) is Secret else value


def is_secret_field(name: str, value: Any) -> bool:
    """Whether the field ``name`` always holds a secret (None hides nothing)."""
    return value is not None and name in secret_fields()


_NUMBERS = (int, float, bool)
"""Kinds of value that are not text: they hold a secret only in a secret field."""


def masked_repr(value: Any) -> str:
    """``repr(value)`` with every secret in it masked."""
    if type(value) is Secret:
        return value.shown
    kind = type(value)
    if kind is str:
        return repr(mask_text(value))
    if kind is bytes:
        return repr(mask_text(value.decode("latin-1")).encode("latin-1"))
    text = repr(value)
    if kind in _NUMBERS:
        return text
    if kind in (list, tuple, dict) and (mask_text(text) != text or _names_a_secret(text)):
        if kind is dict:
            entries = [f"{masked_repr(key)}: {_masked_entry(key, item)}" for key, item in value.items()]
            return "{" + ", ".join(entries) + "}"
        inner = ", ".join(masked_repr(item) for item in value)
        if kind is list:
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return mask_text(text)


def _masked_entry(key: Any, item: Any) -> str:
    return repr(MASK) if isinstance(key, str) and is_secret_field(key, item) else masked_repr(item)


def _names_a_secret(text: str) -> bool:
    return any(name in text for name in secret_fields())


def seal_value(name: str, value: Any) -> Any:
    """``value``, or a ``Secret`` standing for it when it holds a secret."""
    return seal({name: value})[name]


def held_repr(fields: dict[str, Any]) -> str:
    """``a=1, password=<masked '***'>``: arguments as the repr of an object holding them shows them."""
    return ", ".join(f"{name}={_held(name, value)}" for name, value in fields.items())


def _held(name: str, value: Any) -> str:
    sealed = seal_value(name, value)
    return repr(sealed) if type(sealed) is Secret else masked_repr(value)


def seal(fields: dict[str, Any]) -> dict[str, Any]:
    """Replace, in ``fields`` itself, each value that holds a secret by a ``Secret``; returns ``fields``."""
    secret = secret_fields()
    for name, value in fields.items():  # every intercepted call's fields come here: the usual ones cost no call
        kind = type(value)
        if value is None or kind is Secret:
            continue
        if name in secret:
            fields[name] = Secret(value, repr(MASK))
        elif kind is str:
            if value in _clean:
                continue
            masked = mask_text(value)
            if masked != value:
                fields[name] = Secret(value, repr(masked))
            elif len(_clean) < 4096:
                # Code under test passes the same few texts again and again (hosts, users, queries): one found to hide
                # nothing is not searched again. Only such texts are kept, and registering a plugin forgets them.
                _clean.add(value)
        elif kind not in _NUMBERS:
            try:
                shown = masked_repr(value)
                plain = repr(value)
            except Exception:  # a value without a repr cannot show its secret either
                continue
            if shown != plain:
                fields[name] = Secret(value, shown)
    return fields
