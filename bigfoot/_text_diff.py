"""Unified diffs of long or multi-line text fields, for mismatch messages.

Two queries of a few lines that differ in one word are hard to compare printed side by side as reprs; a unified
diff names the line that differs and shows only it and its neighbours. A ``bigfoot.sql`` expected value is diffed
in normalised form, one clause per line, so formatting and comments never show up as differences.
"""

from __future__ import annotations

import difflib
from typing import Any

from ._sql import SQL, pretty

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

LONG = 60
"""Texts longer than this (or holding a newline) are shown as a diff rather than as two reprs."""


def _first_difference(a: list[str], b: list[str]) -> tuple[int, int]:
    """1-based line and column of the first difference between two lists of lines."""
    for number, (left, right) in enumerate(zip(a, b, strict=False), 1):
        if left != right:
            same = len(left) if left == right[: len(left)] else len(right) if right == left[: len(right)] else None
            if same is None:
                same = next(i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y)
            return number, same + 1
    return min(len(a), len(b)) + 1, 1


def text_diff(name: str, wanted: Any, got: Any) -> list[str]:
    """Message lines for ``name`` whose texts differ, or [] when the values are not long texts."""
    if not isinstance(got, str):
        return []
    if isinstance(wanted, SQL):
        if len(wanted.normalized) <= LONG and "\n" not in wanted.text and "\n" not in got and len(got) <= LONG:
            return []
        a, b, what = pretty(wanted.text).splitlines(), pretty(got).splitlines(), "the normalised SQL differs"
    elif isinstance(wanted, str):
        if len(wanted) <= LONG and len(got) <= LONG and "\n" not in wanted and "\n" not in got:
            return []
        a, b, what = wanted.splitlines(), got.splitlines(), "differs"
    else:
        return []
    if a == b:  # only line endings differ: the reprs show it better
        return []
    line, column = _first_difference(a, b)
    hunks = list(difflib.unified_diff(a, b, lineterm="", n=2))[2:]  # without the ---/+++ file header
    return [f"{name}: {what} at line {line}, column {column} (- expected, + actual):", *("    " + h for h in hunks)]
