"""Recorded fields an assertion may leave out: those that hold the library's own default for that parameter.

A plugin declares, per step name, the defaults of the library's parameters (``BasePlugin.field_defaults``). A call
that passes one of them explicitly is still recorded as it was made, and an assertion that gives the field still
checks it; it just need not be given. Paste-ready lines leave such fields out too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from ._timeline import Interaction


def at_default(value: Any, default: Any) -> bool:
    """Whether ``value`` is ``default``: the same object, or an equal value of one type (``0`` is not ``False``)."""
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # a value whose comparison raises is not the default
        return False


def omittable(interaction: Interaction) -> frozenset[str]:
    """The fields of ``interaction`` that an assertion may leave out."""
    source = interaction.source
    defaults = source.plugin.field_defaults.get(source.name)
    if not defaults:
        return frozenset()
    return frozenset(
        name for name, value in interaction.fields.items() if name in defaults and at_default(value, defaults[name])
    )
