"""Turning recorded data into text a person can act on.

Every message bigfoot prints goes through here, so that secrets are masked in one place and a paste-ready line
always looks the same wherever it is shown.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from ._registry import mask_text as mask_text  # re-exported: masking a text through every plugin
from ._secrets import MASK, Secret, is_secret_field, masked_repr

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import CodeType

MASK_NOTE = "(Masked secrets show as '***': put the real value or unittest.mock.ANY there.)"
"""Said after a paste-ready line that shows a masked secret."""


def show(name: str, value: Any) -> str:
    """repr of a recorded field value, with secrets masked (the plugins declare which fields and texts hold them)."""
    if is_secret_field(name, value):
        return repr(MASK)
    return masked_repr(value)


def is_masked(name: str, value: Any) -> bool:
    """Whether ``show(name, value)`` hides something."""
    if type(value) is Secret or is_secret_field(name, value):
        return True
    return masked_repr(value) != repr(value)


SHOWN_NOTE = "(Masked secrets show as '***'; bigfoot never shows their values.)"
"""Said after a call that shows a masked secret when there is nothing to paste."""


def masked_note(fields: Iterable[Mapping[str, Any]], note: str = MASK_NOTE) -> str:
    """``note`` on a line of its own when any of ``fields`` shows a masked secret, else nothing."""
    return f"\n{note}" if any(is_masked(name, value) for each in fields for name, value in each.items()) else ""


def call_args(fields: Mapping[str, Any]) -> str:
    """``a=1, b='x'`` for a mapping of fields."""
    return ", ".join(f"{name}={show(name, value)}" for name, value in fields.items())


def line_at(code: CodeType, offset: int) -> int:
    """The source line of the instruction at bytecode ``offset`` in ``code`` (what a frame's ``f_lineno`` gives)."""
    for start, end, line in code.co_lines():
        if start <= offset < end and line is not None:
            return line
    return code.co_firstlineno


def location(filename: str, lineno: int) -> str:
    """``file:line`` relative to the working directory when the file is below it."""
    try:
        rel = os.path.relpath(filename)
    except ValueError:  # pragma: no cover - other drive on Windows
        rel = filename
    if rel.startswith(".." + os.sep):
        rel = filename
    return f"{rel}:{lineno}"


def bullet_list(lines: Iterable[str], indent: str = "    ") -> str:
    return "\n".join(indent + line for line in lines)


def field_diff(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """One line per expected field that differs from the actual one (fields left out are checked before this)."""
    lines = []
    for name, wanted in expected.items():
        if name not in actual:
            lines.append(f"{name}: expected {show(name, wanted)}, but the call did not pass it")
            continue
        try:
            same = bool(wanted == actual[name]) or _equal_with_nan(wanted, actual[name])
        except Exception:  # a matcher that raises is a difference, not a crash
            same = False
        if not same:
            lines.extend(_value_diff(name, wanted, actual[name]))
    return lines


def _equal_with_nan(wanted: Any, got: Any) -> bool:
    """Equal once NaN counts as equal to NaN: the NaN a call passed and the NaN its assertion gives are the same value
    to a test, though NaN never equals itself. Lists, tuples and dicts are compared item by item."""
    if type(wanted) is not type(got):
        return False
    if isinstance(wanted, (list, tuple)):
        return len(wanted) == len(got) and all(
            a == b or _equal_with_nan(a, b) for a, b in zip(wanted, got, strict=True)
        )
    if isinstance(wanted, dict):
        return wanted.keys() == got.keys() and all(a == got[k] or _equal_with_nan(a, got[k]) for k, a in wanted.items())
    decimal = sys.modules.get("decimal")
    if isinstance(wanted, float) or (decimal is not None and isinstance(wanted, decimal.Decimal)):
        return wanted != wanted and got != got  # NaN is the one value not equal to itself
    return False


def _value_diff(name: str, wanted: Any, got: Any) -> list[str]:
    """How one differing field is shown: masked, as a unified diff of long texts, or as the two values."""
    shown_wanted, shown_got = show(name, wanted), show(name, got)
    masked = is_masked(name, wanted) or is_masked(name, got)
    if masked and shown_wanted == shown_got:
        return [f"{name}: the values differ, but both show as {shown_got} because the value is masked"]
    if not masked:
        from ._text_diff import text_diff  # only when a mismatch is reported

        diff = text_diff(name, wanted, got)
        if diff:
            return diff
    return [f"{name}: expected {shown_wanted}, actual {shown_got}"]
