"""A check the tests of several modules share: bigfoot's frames in a traceback are hidden from both runners."""

from __future__ import annotations


def hidden_bigfoot_modules(exc: BaseException) -> set[str]:
    """The bigfoot modules whose frames the traceback of ``exc`` passes through, each checked to be hidden from
    unittest (its module's ``__unittest``) and from pytest (``__tracebackhide__``, the frame's or its module's)."""
    seen = set()
    tb = exc.__traceback__
    while tb is not None:
        names = tb.tb_frame.f_globals
        if names.get("__name__", "").startswith("bigfoot."):
            seen.add(names["__name__"])
            assert names.get("__unittest") is True, names["__name__"]  # unittest's marker
            assert tb.tb_frame.f_locals.get("__tracebackhide__", names.get("__tracebackhide__")) is True  # pytest's
        tb = tb.tb_next
    return seen
